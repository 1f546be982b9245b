/*
 * Unit tests: threshold rules and alert state machines (lopad/alert.c).
 */
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alert.h"

#define MS	(1000LL * 1000)
#define SEC	(1000LL * MS)

static struct alert_rule
rule(int below, double level, int has_clear, double clear, uint32_t for_n,
    uint32_t clear_for)
{
	struct alert_rule	 r;
	const char		*field, *why;

	memset(&r, 0, sizeof(r));
	r.below = below;
	r.level = level;
	r.has_clear = has_clear;
	r.clear = clear;
	r.for_n = for_n;
	r.clear_for = clear_for;
	if (alert_rule_check(&r, ALERT_RTT_AVG, &field, &why) != 0)
		fail_msg("rule refused: %s %s", field, why);
	return r;
}

/* Feed values (NAN: no data); the notes, one letter each: . A R P. */
static void
feed(const struct alert_rule *r, struct alert_sm *sm, const double *v,
    size_t n, char *out)
{
	struct alert_input	 in;
	size_t			 i;
	static const char	 letter[] = { '.', 'A', 'R', 'P' };

	for (i = 0; i < n; i++) {
		memset(&in, 0, sizeof(in));
		in.have = v[i] == v[i];
		in.value = in.have ? v[i] : 0;
		in.samples = 10;
		out[i] = letter[alert_eval(r, sm, &in, (int64_t)(i + 1) *
		    SEC)];
	}
	out[n] = '\0';
}

#define FEED(r, sm, out, ...) do {					\
	const double _v[] = { __VA_ARGS__ };				\
	feed((r), (sm), _v, sizeof(_v) / sizeof(_v[0]), (out));		\
} while (0)

static void
test_edges(void **state)
{
	struct alert_rule	 r = rule(0, 100, 0, 0, 1, 0);
	struct alert_sm		 sm;
	char			 out[64];

	(void)state;
	alert_sm_init(&sm);
	/* At the level breaches (as Lopa's >=); below it clears. */
	FEED(&r, &sm, out, 50, 100, 150, 120, 99, 98, 100, 10);
	assert_string_equal(out, ".A..R.AR");
	assert_int_equal(sm.alerts, 2);
	assert_int_equal(sm.recoveries, 2);
	assert_int_equal(sm.state, ALERT_OK);
	assert_int_equal(sm.evaluations, 8);
}

static void
test_for_and_clear_for(void **state)
{
	struct alert_rule	 r = rule(0, 100, 0, 0, 3, 2);
	struct alert_sm		 sm;
	char			 out[64];

	(void)state;
	alert_sm_init(&sm);
	/* Two breaches then a clear value: the count starts again. */
	FEED(&r, &sm, out, 200, 200, 50, 200, 200, 200, 50, 200, 50, 50, 50);
	assert_string_equal(out, ".....A...R.");
	assert_true(sm.worst == 200);
	/* clear_for defaults to for. */
	r = rule(0, 100, 0, 0, 2, 0);
	assert_int_equal(r.clear_for, 2);
	alert_sm_init(&sm);
	FEED(&r, &sm, out, 200, 200, 50, 50);
	assert_string_equal(out, ".A.R");
}

static void
test_hysteresis_no_flapping(void **state)
{
	struct alert_rule	 r = rule(0, 100, 1, 60, 2, 2);
	struct alert_sm		 sm;
	char			 out[128];
	double			 v[100];
	size_t			 i, notes = 0;

	(void)state;
	alert_sm_init(&sm);
	/* Flapping around the level: one alert, then no recovery while the
	 * value stays above the clear level. */
	for (i = 0; i < 100; i++)
		v[i] = i % 2 ? 101 : 99;
	v[0] = v[1] = 150;
	feed(&r, &sm, v, 100, out);
	for (i = 0; out[i] != '\0'; i++)
		notes += out[i] != '.';
	assert_int_equal(notes, 1);
	assert_int_equal(out[1], 'A');
	assert_string_equal(alert_state_name(&sm), "alerting");
	/* Two values under 60 end it. */
	FEED(&r, &sm, out, 59, 59, 99, 101, 99, 101);
	assert_string_equal(out, ".R....");
	assert_int_equal(sm.alerts, 1);
	assert_int_equal(sm.recoveries, 1);
}

static void
test_below(void **state)
{
	struct alert_rule	 r = rule(1, 10, 1, 20, 1, 1);
	struct alert_sm		 sm;
	char			 out[64];

	(void)state;
	alert_sm_init(&sm);
	FEED(&r, &sm, out, 30, 10, 15, 20, 21, 5);
	assert_string_equal(out, ".A..RA");
	assert_true(sm.worst == 5);
}

static void
test_nodata(void **state)
{
	struct alert_rule	 r = rule(0, 100, 0, 0, 2, 2);
	struct alert_sm		 sm;
	char			 out[64];

	(void)state;
	alert_sm_init(&sm);
	/* No data breaks a count and changes no state. */
	FEED(&r, &sm, out, 200, NAN, 200, 200, NAN, NAN, 50, NAN, 50);
	assert_string_equal(out, "...A.....");
	assert_true(sm.nodata == 0);
	assert_int_equal(sm.recoveries, 0);
	assert_int_equal(sm.state, ALERT_ALERTING);
	assert_string_equal(alert_state_name(&sm), "recovering");
	FEED(&r, &sm, out, NAN);
	assert_true(sm.nodata == 1);
	assert_string_equal(alert_state_name(&sm), "alerting");
	assert_int_equal(sm.evaluations, 5);
	FEED(&r, &sm, out, 50, 50);
	assert_string_equal(out, ".R");
}

static void
test_min_samples(void **state)
{
	struct alert_rule	 r = rule(0, 0.5, 0, 0, 1, 1);
	struct alert_sm		 sm;
	struct alert_input	 in = { 1, 1.0, 2 };

	(void)state;
	r.min_samples = 3;
	alert_sm_init(&sm);
	assert_int_equal(alert_eval(&r, &sm, &in, SEC), ALERT_NOTE_NONE);
	assert_true(sm.waiting);
	in.samples = 3;
	assert_int_equal(alert_eval(&r, &sm, &in, 2 * SEC), ALERT_NOTE_ALERT);
	assert_false(sm.waiting);
	assert_int_equal(sm.since, 2 * SEC);
}

static void
test_repeat(void **state)
{
	struct alert_rule	 r = rule(0, 100, 0, 0, 1, 1);
	struct alert_sm		 sm;
	char			 out[64];

	(void)state;
	r.repeat_ns = 3 * SEC;
	alert_sm_init(&sm);
	/* Evaluations 1 s apart: alert at 1, repeats at 4 and 7. */
	FEED(&r, &sm, out, 200, 200, 200, 200, 200, 200, 200, 50, 200);
	assert_string_equal(out, "A..P..PRA");
	assert_int_equal(sm.repeats, 2);
}

static void
test_two_machines(void **state)
{
	struct alert_rule	 loss, rtt;
	struct alert_sm		 a, b;
	struct alert_input	 in;
	const char		*f, *w;

	(void)state;
	memset(&loss, 0, sizeof(loss));
	loss.level = 0.05;
	assert_int_equal(alert_rule_check(&loss, ALERT_LOSS, &f, &w), 0);
	rtt = rule(0, 100 * MS, 0, 0, 1, 1);
	alert_sm_init(&a);
	alert_sm_init(&b);
	in.have = 1;
	in.samples = 20;
	in.value = 0.10;
	assert_int_equal(alert_eval(&loss, &a, &in, SEC), ALERT_NOTE_ALERT);
	in.value = 150 * MS;
	assert_int_equal(alert_eval(&rtt, &b, &in, SEC), ALERT_NOTE_ALERT);
	/* At 100 % loss the latency has no data: it neither recovers nor
	 * alerts again; loss stays alerting. */
	in.value = 1.0;
	assert_int_equal(alert_eval(&loss, &a, &in, 2 * SEC),
	    ALERT_NOTE_NONE);
	in.have = 0;
	assert_int_equal(alert_eval(&rtt, &b, &in, 2 * SEC), ALERT_NOTE_NONE);
	assert_int_equal(b.state, ALERT_ALERTING);
	assert_true(a.worst == 1.0);
}

static void
test_rule_check(void **state)
{
	struct alert_rule	 r;
	const char		*f, *w;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.level = 1.5;
	assert_int_equal(alert_rule_check(&r, ALERT_LOSS, &f, &w), -1);
	assert_string_equal(f, "above");
	r.level = 0.1;
	r.has_clear = 1;
	r.clear = 0.2;
	assert_int_equal(alert_rule_check(&r, ALERT_LOSS, &f, &w), -1);
	assert_string_equal(f, "clear");
	r.clear = 0.05;
	assert_int_equal(alert_rule_check(&r, ALERT_LOSS, &f, &w), 0);
	assert_int_equal(r.for_n, 1);
	assert_int_equal(r.clear_for, 1);
	assert_int_equal(r.min_samples, 1);
	assert_true(r.set);
	memset(&r, 0, sizeof(r));
	r.below = 1;
	r.level = 10;
	r.has_clear = 1;
	r.clear = 5;
	assert_int_equal(alert_rule_check(&r, ALERT_RTT_AVG, &f, &w), -1);
	assert_string_equal(f, "clear");
	memset(&r, 0, sizeof(r));
	r.level = -1;
	assert_int_equal(alert_rule_check(&r, ALERT_JITTER, &f, &w), -1);
	memset(&r, 0, sizeof(r));
	r.level = 5 * SEC;		/* times have no upper bound here */
	r.for_n = 1000001;
	assert_int_equal(alert_rule_check(&r, ALERT_RTT_P99, &f, &w), -1);
	assert_string_equal(f, "for");
	r.for_n = 5;
	r.repeat_ns = -1;
	assert_int_equal(alert_rule_check(&r, ALERT_RTT_P99, &f, &w), -1);
	assert_string_equal(f, "repeat");
	assert_int_equal(alert_rule_check(&r, ALERT_NMETRICS, &f, &w), -1);
	/* Above 0 always breaches; times at most 24h (exact, shown). */
	memset(&r, 0, sizeof(r));
	assert_int_equal(alert_rule_check(&r, ALERT_LOSS, &f, &w), -1);
	assert_string_equal(f, "above");
	r.below = 1;
	assert_int_equal(alert_rule_check(&r, ALERT_LOSS, &f, &w), 0);
	memset(&r, 0, sizeof(r));
	r.level = 24.0 * 3600 * SEC;
	assert_int_equal(alert_rule_check(&r, ALERT_RTT_AVG, &f, &w), 0);
	memset(&r, 0, sizeof(r));
	r.level = 24.0 * 3600 * SEC + 1;
	assert_int_equal(alert_rule_check(&r, ALERT_RTT_AVG, &f, &w), -1);
	assert_string_equal(w, "must be a duration from 0 to 24h");
	memset(&r, 0, sizeof(r));
	r.level = 9223372036854775807.0;
	assert_int_equal(alert_rule_check(&r, ALERT_RTT_P99, &f, &w), -1);
}

static void
test_names(void **state)
{
	int	 m;

	(void)state;
	for (m = 0; m < ALERT_NMETRICS; m++)
		assert_int_equal(alert_metric_from_name(alert_metric_name(m)),
		    m);
	assert_null(alert_metric_name(ALERT_NMETRICS));
	assert_int_equal(alert_metric_from_name("rtt_p50"), -1);
	assert_false(alert_metric_is_time(ALERT_LOSS));
	assert_true(alert_metric_is_time(ALERT_BACKWARD_P99));
	assert_false(alert_metric_is_time(ALERT_BPS_IN));
	assert_true(alert_metric_is_rate(ALERT_BPS_IN));
	assert_true(alert_metric_is_rate(ALERT_DROPS_OUT_RATE));
	assert_false(alert_metric_is_rate(ALERT_BACKWARD_P99));
	assert_string_equal(alert_note_name(ALERT_NOTE_RECOVERY), "recovery");
	{
		char	 b[32];

		alert_value_text(ALERT_BPS_IN, 1.5e9, b, sizeof(b));
		assert_string_equal(b, "1.50Gbit/s");
		alert_value_text(ALERT_BPS_OUT, 999, b, sizeof(b));
		assert_string_equal(b, "999.00bit/s");
		alert_value_text(ALERT_DROPS_IN_RATE, 12.5, b, sizeof(b));
		assert_string_equal(b, "12.50/s");
		alert_value_text(ALERT_LOSS, 0.05, b, sizeof(b));
		assert_string_equal(b, "5.00%");
	}
	assert_null(alert_note_name(ALERT_NOTE_NONE));
}

/* A random walk: notifications alternate alert, recovery, alert... */
static void
test_alternation(void **state)
{
	struct alert_rule	 r = rule(0, 100, 1, 80, 3, 2);
	struct alert_sm		 sm;
	struct alert_input	 in;
	enum alert_note		 n, last = ALERT_NOTE_RECOVERY;
	uint32_t		 x = 12345;
	int			 i;

	(void)state;
	alert_sm_init(&sm);
	for (i = 0; i < 100000; i++) {
		x = x * 1103515245 + 12345;
		in.have = (x >> 8) % 17 != 0;
		in.value = (double)((x >> 12) % 200);
		in.samples = 5;
		n = alert_eval(&r, &sm, &in, (int64_t)i * MS);
		if (n == ALERT_NOTE_NONE)
			continue;
		assert_int_not_equal(n, last);
		last = n;
	}
	assert_true(sm.alerts > 100);
	assert_true(sm.alerts - sm.recoveries <= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_for_and_clear_for),
		cmocka_unit_test(test_hysteresis_no_flapping),
		cmocka_unit_test(test_below),
		cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_min_samples),
		cmocka_unit_test(test_repeat),
		cmocka_unit_test(test_two_machines),
		cmocka_unit_test(test_rule_check),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_alternation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
