/*
 * Unit tests: duration strings (common/duration.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "duration.h"

#define NS	1LL
#define US	(1000 * NS)
#define MS	(1000 * US)
#define S	(1000 * MS)
#define M	(60 * S)
#define H	(60 * M)

static void
parses_to(const char *s, int64_t want)
{
	const char	*errstr = "unset";
	int64_t		 v = -42;

	if (duration_parse(s, &v, &errstr) == -1)
		fail_msg("\"%s\" refused: %s", s, errstr);
	if (v != want)
		fail_msg("\"%s\" = %lld, want %lld", s, (long long)v,
		    (long long)want);
}

static void
refused(const char *s, const char *reason)
{
	const char	*errstr = NULL;
	int64_t		 v = -42;

	if (duration_parse(s, &v, &errstr) == 0)
		fail_msg("\"%s\" accepted as %lld", s, (long long)v);
	assert_non_null(errstr);
	assert_string_equal(errstr, reason);
	assert_int_equal(v, -42);	/* untouched on error */
}

static void
formats_to(int64_t d, const char *want)
{
	char	 buf[64];
	size_t	 n;

	n = duration_format(d, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void
test_parse_examples(void **state)
{
	parses_to("1s", S);
	parses_to("250ms", 250 * MS);
	parses_to("1m30s", 90 * S);
	parses_to("1.5s", 1500 * MS);
	parses_to("2h", 2 * H);
	parses_to("100us", 100 * US);
	parses_to("100\xc2\xb5s", 100 * US);	/* micro sign */
	parses_to("100\xce\xbcs", 100 * US);	/* greek mu */
	parses_to("10ns", 10);
	parses_to("0s", 0);
	parses_to("1h2m3s4ms5us6ns", H + 2 * M + 3 * S + 4 * MS + 5 * US + 6);
	parses_to("1s1s", 2 * S);		/* Go sums repeated units */
	parses_to(".5s", 500 * MS);
	parses_to("1.s", S);
	parses_to("0.000000001s", 1);
	parses_to("1.0000000009s", S);		/* below 1 ns: truncated */
	parses_to("1.25h", H + 15 * M);
	parses_to("0.1ms", 100 * US);
}

/* A bare integer is a count of nanoseconds, as in the API. */
static void
test_parse_integer_ns(void **state)
{
	parses_to("1", 1);
	parses_to("0", 0);
	parses_to("30000000000", 30 * S);
	parses_to("007", 7);
	parses_to("9223372036854775807", INT64_MAX);
}

static void
test_parse_limits(void **state)
{
	parses_to("2562047h47m16.854775807s", INT64_MAX);
	refused("2562047h47m16.854775808s", "duration too large");
	refused("9223372036854775808", "duration too large");
	refused("99999999999999999999999", "duration too large");
	refused("2562048h", "duration too large");
	refused("9223372036854775807ns1ns", "duration too large");
	refused("99999999999999999999s", "duration too large");
	/* Many fraction digits do not overflow anything. */
	parses_to("1.0000000000000000000000000000000001h", H);
}

static void
test_parse_refused(void **state)
{
	refused("", "empty duration");
	refused(NULL, "empty duration");
	refused("-1s", "negative duration");
	refused("-1", "negative duration");
	refused("-0", "negative duration");
	refused("s", "expected a number");
	refused("ms", "expected a number");
	refused(" 1s", "expected a number");
	refused("+1s", "expected a number");
	refused(".s", "expected a number");
	refused("1x", "unknown unit \"x\"");
	refused("5sec", "unknown unit \"sec\"");
	refused("1S", "unknown unit \"S\"");
	refused("1s ", "unknown unit \"s \"");
	refused("1 s", "unknown unit \" s\"");
	refused("1e9", "unknown unit \"e\"");
	refused("1\tx", "unknown unit \"\\x09x\"");
	refused("1.2.3s", "missing unit");
	refused("1.5", "missing unit");
	refused("1s1", "missing unit");
	refused("1h-1m", "unknown unit \"h-\"");
}

static void
test_unknown_unit_is_bounded(void **state)
{
	char		 s[512];
	const char	*errstr;
	int64_t		 v;

	s[0] = '1';
	memset(s + 1, 'x', sizeof(s) - 2);
	s[sizeof(s) - 1] = '\0';
	assert_int_equal(duration_parse(s, &v, &errstr), -1);
	assert_true(strlen(errstr) < 64);
	assert_non_null(strstr(errstr, "...\""));
}

static void
test_format(void **state)
{
	formats_to(0, "0s");
	formats_to(1, "1ns");
	formats_to(999, "999ns");
	formats_to(US, "1\xc2\xb5s");
	formats_to(1500, "1.5\xc2\xb5s");
	formats_to(MS, "1ms");
	formats_to(1500 * US, "1.5ms");
	formats_to(250 * MS, "250ms");
	formats_to(MS + 1, "1.000001ms");
	formats_to(S, "1s");
	formats_to(1500 * MS, "1.5s");
	formats_to(30 * S, "30s");
	formats_to(90 * S, "1m30s");
	formats_to(M, "1m0s");
	formats_to(H, "1h0m0s");
	formats_to(H + 1, "1h0m0.000000001s");
	formats_to(24 * H, "24h0m0s");
	formats_to(INT64_MAX, "2562047h47m16.854775807s");
	formats_to(-S, "-1s");
	formats_to(-1, "-1ns");
	formats_to(INT64_MIN, "-2562047h47m16.854775808s");
}

static void
test_format_truncates(void **state)
{
	char	 buf[4];

	assert_int_equal(duration_format(90 * S, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "1m3");
	assert_int_equal(duration_format(90 * S, NULL, 0), 5);
}

/* Whatever is formatted parses back to the same value. */
static void
test_round_trip(void **state)
{
	static const int64_t	 fixed[] = { 0, 1, 999, 1000, 1001, MS - 1, MS,
	    S - 1, S, S + 1, M - 1, H - 1, H, 25 * H + 1, INT64_MAX };
	char			 buf[64];
	const char		*errstr;
	uint64_t		 x = 88172645463325252ULL;
	int64_t			 d, v;
	size_t			 i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 10000; i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0]))
			d = fixed[i];
		else {
			/* xorshift64, at every magnitude. */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			d = (int64_t)(x >> (1 + i % 63));
		}
		duration_format(d, buf, sizeof(buf));
		if (duration_parse(buf, &v, &errstr) == -1)
			fail_msg("%lld -> \"%s\": %s", (long long)d, buf,
			    errstr);
		if (v != d)
			fail_msg("%lld -> \"%s\" -> %lld", (long long)d, buf,
			    (long long)v);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_examples),
		cmocka_unit_test(test_parse_integer_ns),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_unknown_unit_is_bounded),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests_name("duration", tests, NULL, NULL);
}
