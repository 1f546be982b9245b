/*
 * lopa: durations as integer nanoseconds.
 *
 * The syntax is Go's time.ParseDuration without a sign: a sequence of
 * decimal numbers, each with an optional fraction and a unit suffix, as
 * in "1s", "250ms", "1m30s", "1.5h".  A string of digits alone is a count
 * of nanoseconds ("1" is 1 ns, "30000000000" is 30 s), which is how the
 * API and the config accept a bare integer.  Everything else is refused:
 * a sign, spaces anywhere, an empty string, a number without a unit where
 * it is not the whole string, an unknown unit, and any value beyond
 * INT64_MAX nanoseconds (about 292 years).  Arithmetic is done in
 * unsigned 64-bit integers with explicit overflow checks, so no input can
 * wrap around; a fraction finer than a nanosecond is truncated.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"

#define NS_US	1000ULL
#define NS_MS	(1000ULL * NS_US)
#define NS_S	(1000ULL * NS_MS)
#define NS_M	(60ULL * NS_S)
#define NS_H	(60ULL * NS_M)

/* Fraction digits kept; beyond 10^-18 of an hour is below a nanosecond. */
#define FRAC_MAXDIGITS	18

static const struct {
	const char	*name;
	uint64_t	 ns;
} units[] = {
	{ "ns",		1 },
	{ "us",		NS_US },
	{ "\xc2\xb5s",	NS_US },	/* U+00B5 MICRO SIGN, as Go prints */
	{ "\xce\xbcs",	NS_US },	/* U+03BC GREEK SMALL LETTER MU */
	{ "ms",		NS_MS },
	{ "s",		NS_S },
	{ "m",		NS_M },
	{ "h",		NS_H },
};

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The reason for an unknown unit names the unit, so it lives in a static
 * buffer that the next call may overwrite (the daemon is single-threaded).
 * Unprintable bytes are shown as \xNN and a long unit is cut short.
 */
static const char *
unknown_unit(const char *u, size_t len)
{
	static char	 buf[64];
	size_t		 i, o;

	o = (size_t)snprintf(buf, sizeof(buf), "unknown unit \"");
	for (i = 0; i < len && o + 8 < sizeof(buf); i++) {
		unsigned char c = (unsigned char)u[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (i < len)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "...");
	snprintf(buf + o, sizeof(buf) - o, "\"");
	return buf;
}

int
duration_parse(const char *s, int64_t *out, const char **errstr)
{
	const char	*p, *u;
	uint64_t	 total = 0, v, f, scale, unit, add;
	size_t		 i, ulen, pre, post;

	*errstr = NULL;
	if (s == NULL || *s == '\0') {
		*errstr = "empty duration";
		return -1;
	}
	if (*s == '-') {
		*errstr = "negative duration";
		return -1;
	}

	/* All digits: nanoseconds. */
	for (p = s; is_digit(*p); p++)
		;
	if (*p == '\0') {
		for (p = s; *p != '\0'; p++) {
			if (total > ((uint64_t)INT64_MAX - (uint64_t)(*p - '0'))
			    / 10) {
				*errstr = "duration too large";
				return -1;
			}
			total = total * 10 + (uint64_t)(*p - '0');
		}
		*out = (int64_t)total;
		return 0;
	}

	p = s;
	while (*p != '\0') {
		if (!is_digit(*p) && *p != '.') {
			*errstr = "expected a number";
			return -1;
		}
		/* Integer part. */
		v = 0;
		for (pre = 0; is_digit(*p); p++, pre++) {
			if (v > ((uint64_t)INT64_MAX - (uint64_t)(*p - '0'))
			    / 10) {
				*errstr = "duration too large";
				return -1;
			}
			v = v * 10 + (uint64_t)(*p - '0');
		}
		/* Fraction: f / scale, digits beyond FRAC_MAXDIGITS dropped. */
		f = 0;
		scale = 1;
		post = 0;
		if (*p == '.') {
			for (p++; is_digit(*p); p++, post++) {
				if (post < FRAC_MAXDIGITS) {
					f = f * 10 + (uint64_t)(*p - '0');
					scale *= 10;
				}
			}
		}
		if (pre == 0 && post == 0) {
			*errstr = "expected a number";
			return -1;
		}
		/* Unit: everything up to the next number. */
		for (u = p; *p != '\0' && *p != '.' && !is_digit(*p); p++)
			;
		ulen = (size_t)(p - u);
		if (ulen == 0) {
			*errstr = "missing unit";
			return -1;
		}
		unit = 0;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strlen(units[i].name) == ulen &&
			    memcmp(units[i].name, u, ulen) == 0) {
				unit = units[i].ns;
				break;
			}
		}
		if (unit == 0) {
			*errstr = unknown_unit(u, ulen);
			return -1;
		}
		if (v > (uint64_t)INT64_MAX / unit) {
			*errstr = "duration too large";
			return -1;
		}
		add = v * unit;
		/* f < scale <= 10^18 and unit < 2^42: use 128 bits. */
		add += (uint64_t)((unsigned __int128)f * unit / scale);
		if (add > (uint64_t)INT64_MAX ||
		    total > (uint64_t)INT64_MAX - add) {
			*errstr = "duration too large";
			return -1;
		}
		total += add;
	}
	*out = (int64_t)total;
	return 0;
}

/* Append ".ddd" for frac / 10^digits, trailing zeros removed. */
static size_t
fmt_frac(char *buf, size_t len, uint64_t frac, int digits)
{
	char	 d[24];
	int	 n;

	if (len > 0)
		buf[0] = '\0';
	if (frac == 0)
		return 0;
	n = snprintf(d, sizeof(d), "%0*llu", digits,
	    (unsigned long long)frac);
	while (n > 0 && d[n - 1] == '0')
		d[--n] = '\0';
	return (size_t)snprintf(buf, len, ".%s", d);
}

/*
 * Same output as Go's time.Duration.String(): units below a second for
 * short durations ("1.5ms", "250µs", "10ns"), else h/m/s with the hours
 * and minutes only when non-zero ("1h0m0s", "1m30s", "1.5s").  Returns the
 * length of the full string, as snprintf does; buf is always terminated
 * when len > 0.
 */
size_t
duration_format(int64_t d, char *buf, size_t len)
{
	char		 tmp[64], fr[32];
	const char	*sign = "";
	uint64_t	 u, h, m;
	size_t		 n;

	if (d < 0) {
		sign = "-";
		u = (uint64_t)0 - (uint64_t)d;
	} else
		u = (uint64_t)d;

	if (u == 0)
		n = (size_t)snprintf(tmp, sizeof(tmp), "0s");
	else if (u < NS_US)
		n = (size_t)snprintf(tmp, sizeof(tmp), "%s%lluns", sign,
		    (unsigned long long)u);
	else if (u < NS_MS) {
		fmt_frac(fr, sizeof(fr), u % NS_US, 3);
		n = (size_t)snprintf(tmp, sizeof(tmp), "%s%llu%s\xc2\xb5s",
		    sign, (unsigned long long)(u / NS_US), fr);
	} else if (u < NS_S) {
		fmt_frac(fr, sizeof(fr), u % NS_MS, 6);
		n = (size_t)snprintf(tmp, sizeof(tmp), "%s%llu%sms",
		    sign, (unsigned long long)(u / NS_MS), fr);
	} else {
		fmt_frac(fr, sizeof(fr), u % NS_S, 9);
		h = u / NS_H;
		m = (u / NS_M) % 60;
		if (h > 0)
			n = (size_t)snprintf(tmp, sizeof(tmp),
			    "%s%lluh%llum%llu%ss", sign, (unsigned long long)h,
			    (unsigned long long)m,
			    (unsigned long long)((u / NS_S) % 60), fr);
		else if (m > 0)
			n = (size_t)snprintf(tmp, sizeof(tmp), "%s%llum%llu%ss",
			    sign, (unsigned long long)m,
			    (unsigned long long)((u / NS_S) % 60), fr);
		else
			n = (size_t)snprintf(tmp, sizeof(tmp), "%s%llu%ss",
			    sign, (unsigned long long)(u / NS_S),
			    fr);
	}
	if (len > 0)
		snprintf(buf, len, "%s", tmp);
	return n;
}
