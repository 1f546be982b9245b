/*
 * Unit tests: lopactl's Server-Sent Events parser (lopactl/sse.c) fed in
 * pieces of every size, and the text it shows people (lopactl/fmt.c):
 * milliseconds, percentages, probe lines and the ping-like summary.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fmt.h"
#include "sse.h"

#define MAXEV	16

struct got {
	int	 n;
	char	 event[MAXEV][SSE_EVENTLEN];
	char	 data[MAXEV][256];
	size_t	 len[MAXEV];
	int	 stop_at;	/* return -1 for this event (1-based) */
};

static int
collect(void *arg, const char *event, const char *data, size_t len)
{
	struct got	*g = arg;

	if (g->n >= MAXEV)
		fail_msg("too many events");
	snprintf(g->event[g->n], sizeof(g->event[0]), "%s", event);
	snprintf(g->data[g->n], sizeof(g->data[0]), "%s", data);
	g->len[g->n] = len;
	assert_int_equal(strlen(data), len);
	g->n++;
	return (g->n == g->stop_at ? -1 : 0);
}

/* Feed text in pieces of size step (0: all at once). */
static int
feed(struct got *g, const char *text, size_t step, size_t max)
{
	struct sse	 s;
	size_t		 i, n = strlen(text);
	int		 rc = 0;

	memset(g, 0, sizeof(*g));
	sse_init(&s, max, collect, g);
	if (step == 0)
		rc = sse_feed(&s, text, n);
	else
		for (i = 0; i < n && rc == 0; i += step)
			rc = sse_feed(&s, text + i,
			    n - i < step ? n - i : step);
	sse_free(&s);
	return (rc);
}

static const char stream[] =
    ": keep-alive\n"
    "\n"
    "event: probe\n"
    "data: {\"seq\":1}\n"
    "\n"
    "event: state\r\n"
    "data:{\"status\":\"finished\"}\r\n"
    "\r\n"
    "data: line one\r"
    "data: line two\r"
    "id: 7\r"
    "retry: 10\r"
    "\r"
    "event: summary\n"
    ":comment between fields\n"
    "data\n"
    "data: x\n"
    "bogus: ignored\n"
    "\n"
    "event: cut\n"
    "data: never complete\n";

static void
check_stream(struct got *g)
{
	assert_int_equal(g->n, 4);
	assert_string_equal(g->event[0], "probe");
	assert_string_equal(g->data[0], "{\"seq\":1}");
	assert_string_equal(g->event[1], "state");
	assert_string_equal(g->data[1], "{\"status\":\"finished\"}");
	assert_string_equal(g->event[2], "message");
	assert_string_equal(g->data[2], "line one\nline two");
	assert_string_equal(g->event[3], "summary");
	assert_string_equal(g->data[3], "\nx");
}

static void
test_sse_whole_stream(void **state)
{
	struct got	 g;

	assert_int_equal(feed(&g, stream, 0, 4096), 0);
	check_stream(&g);
}

/* Every split point, including inside CRLF pairs and field names. */
static void
test_sse_any_split(void **state)
{
	struct got	 g;
	size_t		 step;

	for (step = 1; step <= sizeof(stream); step++) {
		assert_int_equal(feed(&g, stream, step, 4096), 0);
		check_stream(&g);
	}
}

static void
test_sse_crlf_split_is_one_line_end(void **state)
{
	struct got	 g;
	struct sse	 s;

	memset(&g, 0, sizeof(g));
	sse_init(&s, 4096, collect, &g);
	assert_int_equal(sse_feed(&s, "data: a\r", 8), 0);
	/* the LF completes the CRLF: no empty line, no event yet */
	assert_int_equal(sse_feed(&s, "\ndata: b\r", 9), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(sse_feed(&s, "\n\r\n", 3), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.data[0], "a\nb");
	sse_free(&s);
}

static void
test_sse_no_data_no_event(void **state)
{
	struct got	 g;

	/* an event name alone is dropped and does not leak into the next */
	assert_int_equal(feed(&g, "event: probe\n\ndata: 1\n\n", 0, 4096), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.event[0], "message");
	assert_string_equal(g.data[0], "1");
	/* an empty data line is data */
	assert_int_equal(feed(&g, "data:\n\n", 0, 4096), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.data[0], "");
}

static void
test_sse_bom_and_spaces(void **state)
{
	struct got	 g;

	assert_int_equal(feed(&g, "\xef\xbb\xbf" "event:  two\ndata:  x \n\n",
	    2, 4096), 0);
	assert_int_equal(g.n, 1);
	/* only the first space after the colon goes */
	assert_string_equal(g.event[0], " two");
	assert_string_equal(g.data[0], " x ");
	/* a BOM later is kept: it is only skipped at the start */
	assert_int_equal(feed(&g, "data: 1\n\n\xef\xbb\xbf" "data: 2\n\n", 0,
	    4096), 0);
	assert_int_equal(g.n, 1);
}

static void
test_sse_callback_stops(void **state)
{
	struct got	 g;
	struct sse	 s;
	const char	*t = "data: 1\n\ndata: 2\n\ndata: 3\n\n";

	memset(&g, 0, sizeof(g));
	g.stop_at = 2;
	sse_init(&s, 4096, collect, &g);
	assert_int_equal(sse_feed(&s, t, strlen(t)), -1);
	assert_int_equal(g.n, 2);
	assert_non_null(s.error);
	sse_free(&s);
}

static void
test_sse_bounds(void **state)
{
	struct got	 g;
	char		 big[200];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* a line longer than the bound, whole or in pieces */
	assert_int_equal(feed(&g, big, 0, 64), -1);
	assert_int_equal(feed(&g, big, 7, 64), -1);
	/* data adding up past the bound over several lines */
	assert_int_equal(feed(&g,
	    "data: 0123456789012345678901234567890123456789\n"
	    "data: 0123456789012345678901234567890123456789\n\n", 0,
	    64), -1);
	assert_int_equal(g.n, 0);
	/* a long event name is cut, not refused */
	assert_int_equal(feed(&g, "event: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\ndata: 1\n\n", 0,
	    4096), 0);
	assert_int_equal(strlen(g.event[0]), SSE_EVENTLEN - 1);
}

static const char *
ms(int64_t ns)
{
	static char	 buf[64];

	fmt_ms(ns, buf, sizeof(buf));
	return (buf);
}

static void
test_fmt_ms(void **state)
{
	assert_string_equal(ms(0), "0.000");
	assert_string_equal(ms(1234567), "1.235");
	assert_string_equal(ms(1234499), "1.234");
	assert_string_equal(ms(1234500), "1.235");
	assert_string_equal(ms(999), "0.001");
	assert_string_equal(ms(499), "0.000");
	assert_string_equal(ms(1000000), "1.000");
	assert_string_equal(ms(10000000000LL), "10000.000");
	assert_string_equal(ms(-1500000), "-1.500");
	assert_string_equal(ms(-400), "0.000");
	assert_string_equal(ms(INT64_MAX), "9223372036854.776");
	assert_string_equal(ms(INT64_MIN), "-9223372036854.776");
}

static const char *
pct(double f)
{
	static char	 buf[64];

	fmt_pct(f, buf, sizeof(buf));
	return (buf);
}

static void
test_fmt_pct(void **state)
{
	assert_string_equal(pct(0), "0");
	assert_string_equal(pct(1), "100");
	assert_string_equal(pct(0.25), "25");
	assert_string_equal(pct(0.2), "20");
	assert_string_equal(pct(0.123), "12.3");
	assert_string_equal(pct(1.0 / 3), "33.33");
	assert_string_equal(pct(2.0 / 3), "66.67");
	assert_string_equal(pct(0.0001), "0.01");
	/* one in a million is not shown as 0 */
	assert_string_equal(pct(0.000001), "0.0001");
	assert_string_equal(pct(NAN), "0");
}

static const char *
probe(const char *json)
{
	static char	 buf[512];
	json_error_t	 e;
	json_t		*j;

	if ((j = json_loads(json, 0, &e)) == NULL)
		fail_msg("bad test JSON: %s", e.text);
	fmt_probe(j, buf, sizeof(buf));
	json_decref(j);
	return (buf);
}

static void
test_fmt_probe_lines(void **state)
{
	assert_string_equal(probe("{\"seq\":3,\"kind\":\"probe\",\"status\":"
	    "\"ok\",\"rtt\":1234000,\"ttl\":64,\"from\":\"198.18.0.2\"}"),
	    "seq=3 rtt=1.234 ms ttl=64");
	assert_string_equal(probe("{\"seq\":4,\"kind\":\"probe\",\"status\":"
	    "\"timeout\"}"), "seq=4 timeout");
	assert_string_equal(probe("{\"seq\":5,\"kind\":\"probe\",\"status\":"
	    "\"refused\",\"rtt\":321000,\"from\":\"198.18.0.2\"}"),
	    "seq=5 refused rtt=0.321 ms");
	assert_string_equal(probe("{\"seq\":6,\"kind\":\"probe\",\"status\":"
	    "\"ttl_exceeded\",\"from\":\"198.18.0.1\"}"),
	    "seq=6 ttl_exceeded from 198.18.0.1");
	assert_string_equal(probe("{\"seq\":7,\"kind\":\"probe\",\"status\":"
	    "\"too_big\",\"mtu\":1400,\"from\":\"198.18.0.1\"}"),
	    "seq=7 too_big mtu=1400 from 198.18.0.1");
	assert_string_equal(probe("{\"seq\":8,\"kind\":\"probe\",\"status\":"
	    "\"error\",\"error\":\"Network is unreachable\"}"),
	    "seq=8 error (Network is unreachable)");
	assert_string_equal(probe("{\"seq\":3,\"kind\":\"duplicate\","
	    "\"status\":\"ok\",\"rtt\":1500000,\"ttl\":64}"),
	    "seq=3 duplicate rtt=1.500 ms ttl=64");
	assert_string_equal(probe("{\"seq\":4,\"kind\":\"late\",\"status\":"
	    "\"late\",\"rtt\":3012345678,\"ttl\":64}"),
	    "seq=4 late rtt=3012.346 ms ttl=64");
	assert_string_equal(probe("{\"seq\":9,\"kind\":\"probe\",\"status\":"
	    "\"ok\",\"rtt\":1000,\"clock_step\":true}"),
	    "seq=9 rtt=0.001 ms clock_step");
	/* the daemon's strings cannot drive the terminal */
	assert_string_equal(probe("{\"seq\":1,\"status\":\"unreachable\","
	    "\"from\":\"a\\u001b[2Jb\"}"), "seq=1 unreachable from a?[2Jb");
	/* not shown */
	assert_string_equal(probe("{\"seq\":1,\"kind\":\"sent\"}"), "");
	assert_string_equal(probe("{\"kind\":\"probe\",\"status\":\"ok\"}"),
	    "");
	assert_string_equal(probe("[1]"), "");
}

static json_t *
load(const char *text)
{
	json_error_t	 e;
	json_t		*j;

	if ((j = json_loads(text, 0, &e)) == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return (j);
}

static void
test_fmt_counts(void **state)
{
	char	 buf[512];
	json_t	*j;

	j = load("{\"sent\":10,\"received\":6,\"lost\":4,\"loss_rate\":0.4,"
	    "\"refused\":2,\"duplicates\":1,\"late\":1,\"in_flight\":0,"
	    "\"errors\":{\"unreachable\":1,\"ttl_exceeded\":0,\"too_big\":2,"
	    "\"param_problem\":0,\"error\":0}}");
	fmt_counts(j, buf, sizeof(buf));
	assert_string_equal(buf, "10 sent, 6 received, 40% loss, 2 refused, "
	    "1 duplicates, 1 late, 1 unreachable, 2 too_big");
	json_decref(j);
	j = load("{\"sent\":3,\"received\":1,\"loss_rate\":0,\"in_flight\":2}");
	fmt_counts(j, buf, sizeof(buf));
	assert_string_equal(buf, "3 sent, 1 received, 0% loss, 2 in flight");
	json_decref(j);
}

static char *
summary(const char *text)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0;
	json_t	*j;

	j = load(text);
	if ((fp = open_memstream(&buf, &len)) == NULL)
		fail_msg("open_memstream");
	fmt_summary(fp, j);
	fclose(fp);
	json_decref(j);
	return (buf);
}

#define STATS(s, r, l, lr, mn, av, mx, sd, p50, p90, p99, jit)		\
	"{\"sent\":" #s ",\"received\":" #r ",\"lost\":" #l		\
	",\"loss_rate\":" #lr ",\"min_rtt\":" #mn ",\"avg_rtt\":" #av	\
	",\"max_rtt\":" #mx ",\"stddev_rtt\":" #sd ",\"p50_rtt\":" #p50	\
	",\"p90_rtt\":" #p90 ",\"p95_rtt\":" #p99 ",\"p99_rtt\":" #p99	\
	",\"jitter\":" #jit "}"

static void
test_fmt_summary(void **state)
{
	char	*s;

	s = summary("{\"target\":\"198.18.0.2\",\"status\":\"finished\","
	    "\"total\":" STATS(4, 3, 1, 0.25, 1000000, 1500000, 2000000,
	    408248, 1500000, 2000000, 2000000, 1000000) "}");
	assert_string_equal(s,
	    "--- 198.18.0.2 lopa statistics ---\n"
	    "4 sent, 3 received, 25% loss\n"
	    "rtt min/avg/max/mdev = 1.000/1.500/2.000/0.408 ms\n"
	    "p50/p90/p99 = 1.500/2.000/2.000 ms, jitter = 1.000 ms\n");
	free(s);

	/* nothing received: no RTT lines; one round: no round lines */
	s = summary("{\"target\":\"h\",\"total\":" STATS(2, 0, 2, 1, 0, 0, 0,
	    0, 0, 0, 0, 0) ",\"rounds\":[{\"index\":1,\"stats\":"
	    STATS(2, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0) "}]}");
	assert_string_equal(s,
	    "--- h lopa statistics ---\n"
	    "2 sent, 0 received, 100% loss\n");
	free(s);

	s = summary("{\"target\":\"h\",\"total\":" STATS(4, 3, 1, 0.25,
	    1000000, 2000000, 3000000, 816497, 2000000, 3000000, 3000000,
	    1000000) ",\"rounds\":[{\"index\":1,\"stats\":" STATS(2, 2, 0, 0,
	    1000000, 1500000, 2000000, 500000, 1000000, 2000000, 2000000,
	    1000000) "},{\"index\":2,\"stats\":" STATS(2, 1, 1, 0.5, 3000000,
	    3000000, 3000000, 0, 3000000, 3000000, 3000000, 0) "}]}");
	assert_string_equal(s,
	    "--- h lopa statistics ---\n"
	    "4 sent, 3 received, 25% loss\n"
	    "rtt min/avg/max/mdev = 1.000/2.000/3.000/0.816 ms\n"
	    "p50/p90/p99 = 2.000/3.000/3.000 ms, jitter = 1.000 ms\n"
	    "round 1: 2 sent, 2 received, 0% loss, "
	    "rtt min/avg/max = 1.000/1.500/2.000 ms\n"
	    "round 2: 2 sent, 1 received, 50% loss, "
	    "rtt min/avg/max = 3.000/3.000/3.000 ms\n");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sse_whole_stream),
		cmocka_unit_test(test_sse_any_split),
		cmocka_unit_test(test_sse_crlf_split_is_one_line_end),
		cmocka_unit_test(test_sse_no_data_no_event),
		cmocka_unit_test(test_sse_bom_and_spaces),
		cmocka_unit_test(test_sse_callback_stops),
		cmocka_unit_test(test_sse_bounds),
		cmocka_unit_test(test_fmt_ms),
		cmocka_unit_test(test_fmt_pct),
		cmocka_unit_test(test_fmt_probe_lines),
		cmocka_unit_test(test_fmt_counts),
		cmocka_unit_test(test_fmt_summary),
	};

	return cmocka_run_group_tests_name("sse", tests, NULL, NULL);
}
