/*
 * Unit tests: probe statistics (lopad/stats.c), hand-computed vectors.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"

/*
 * stats.c grows a window with reallocarray(): this definition takes the
 * place of libc's in this program, so that a test can make growth fail.
 */
static int	 fail_realloc;

void *
reallocarray(void *p, size_t n, size_t size)
{
	if (fail_realloc || (size != 0 && n > SIZE_MAX / size)) {
		errno = ENOMEM;
		return (NULL);
	}
	return (realloc(p, n * size));
}

#define NS	1LL
#define US	(1000 * NS)
#define MS	(1000 * US)
#define S	(1000 * MS)

static void
feed(struct stats_acc *acc, uint32_t seq, uint8_t status, int64_t rtt)
{
	struct probe_sample	 s;

	memset(&s, 0, sizeof(s));
	s.seq = seq;
	s.status = status;
	s.rtt_ns = rtt;
	s.ttl = 64;
	if (stats_add(acc, &s) == -1)
		fail_msg("stats_add seq %u status %u refused", seq, status);
}

/* Send then fate, the usual case. */
static void
probe(struct stats_acc *acc, uint32_t seq, uint8_t status, int64_t rtt)
{
	stats_sent(acc);
	feed(acc, seq, status, rtt);
}

static void
compute(const struct stats_acc *acc, struct stats_result *r)
{
	assert_int_equal(stats_compute(acc, r), 0);
}

static void
near_ns(int64_t got, int64_t want, int64_t tol)
{
	if (llabs(got - want) > tol)
		fail_msg("got %lld ns, want %lld +- %lld", (long long)got,
		    (long long)want, (long long)tol);
}

/* Lopa's example: 10, 12, lost, 11 ms. */
static void
test_lopa_example(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;
	double			 j;

	stats_acc_init(&acc);
	probe(&acc, 0, PROBE_OK, 10 * MS);
	probe(&acc, 1, PROBE_OK, 12 * MS);
	probe(&acc, 2, PROBE_LOST, 0);
	probe(&acc, 3, PROBE_OK, 11 * MS);
	compute(&acc, &r);

	assert_int_equal(r.sent, 4);
	assert_int_equal(r.received, 3);
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.in_flight, 0);
	assert_true(r.loss_rate == 0.25);
	assert_int_equal(r.jitter, 1500 * US);
	assert_int_equal(r.min_rtt, 10 * MS);
	assert_int_equal(r.max_rtt, 12 * MS);
	assert_int_equal(r.avg_rtt, 11 * MS);
	/* Population: sqrt(((-1)^2 + 1^2 + 0^2) / 3) ms. */
	near_ns(r.stddev_rtt, llround(sqrt(2.0 / 3.0) * MS), 1);
	assert_int_equal(r.loss_burst_max, 1);
	assert_int_equal(r.late, 0);
	assert_int_equal(r.reordered, 0);
	assert_int_equal(r.duplicates, 0);
	assert_int_equal(r.last_ttl, 64);
	/* Only (0, 1) is a pair of consecutive received seqs. */
	assert_int_equal(r.ipdv_count, 1);
	assert_int_equal(r.ipdv_mean, 2 * MS);
	assert_int_equal(r.ipdv_p99, 2 * MS);
	/* RFC 3550 on RTT differences 2 ms then 1 ms. */
	j = 0;
	j += (2.0 * MS - j) / 16;
	j += (1.0 * MS - j) / 16;
	near_ns(r.jitter_rfc3550, llround(j), 0);
	near_ns(r.jitter_rfc3550, 179688, 0);
	/* Nearest rank over {10, 11, 12}. */
	assert_int_equal(r.p50_rtt, 11 * MS);
	assert_int_equal(r.p99_rtt, 12 * MS);
	assert_int_equal(r.pdv_p99, 2 * MS);
	stats_acc_free(&acc);
}

static void
test_percentiles_nearest_rank_1_to_100(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;
	uint32_t		 i;

	stats_acc_init(&acc);
	/* 1..100 ms in a scrambled order: 37 is coprime with 100. */
	for (i = 0; i < 100; i++)
		probe(&acc, i, PROBE_OK, (int64_t)((i * 37) % 100 + 1) * MS);
	compute(&acc, &r);
	assert_int_equal(r.received, 100);
	assert_int_equal(r.p50_rtt, 50 * MS);
	assert_int_equal(r.p90_rtt, 90 * MS);
	assert_int_equal(r.p95_rtt, 95 * MS);
	assert_int_equal(r.p99_rtt, 99 * MS);
	assert_int_equal(r.min_rtt, 1 * MS);
	assert_int_equal(r.max_rtt, 100 * MS);
	assert_int_equal(r.pdv_p99, 98 * MS);
	assert_int_equal(r.avg_rtt, 50500 * US);
	stats_acc_free(&acc);
}

static void
test_percentiles_one_sample(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;

	stats_acc_init(&acc);
	probe(&acc, 0, PROBE_OK, 7 * MS);
	compute(&acc, &r);
	assert_int_equal(r.p50_rtt, 7 * MS);
	assert_int_equal(r.p90_rtt, 7 * MS);
	assert_int_equal(r.p95_rtt, 7 * MS);
	assert_int_equal(r.p99_rtt, 7 * MS);
	assert_int_equal(r.pdv_p99, 0);
	assert_int_equal(r.stddev_rtt, 0);
	/* No successive pair: no jitter, no IPDV. */
	assert_int_equal(r.jitter, 0);
	assert_int_equal(r.jitter_rfc3550, 0);
	assert_int_equal(r.ipdv_count, 0);
	assert_int_equal(r.ipdv_mean, 0);
	stats_acc_free(&acc);
}

static void
test_percentiles_two_samples(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;

	stats_acc_init(&acc);
	probe(&acc, 0, PROBE_OK, 20 * MS);
	probe(&acc, 1, PROBE_OK, 10 * MS);
	compute(&acc, &r);
	/* rank ceil(0.5 * 2) = 1; ceil(0.9 * 2) = 2. */
	assert_int_equal(r.p50_rtt, 10 * MS);
	assert_int_equal(r.p90_rtt, 20 * MS);
	assert_int_equal(r.p95_rtt, 20 * MS);
	assert_int_equal(r.p99_rtt, 20 * MS);
	assert_int_equal(r.avg_rtt, 15 * MS);
	assert_int_equal(r.stddev_rtt, 5 * MS);
	stats_acc_free(&acc);
}

static void
test_late_counts_as_lost_never_received(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;

	stats_acc_init(&acc);
	probe(&acc, 0, PROBE_OK, 10 * MS);
	probe(&acc, 1, PROBE_LATE, 1500 * MS);
	probe(&acc, 2, PROBE_OK, 12 * MS);
	compute(&acc, &r);
	assert_int_equal(r.received, 2);
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.late, 1);
	assert_true(fabs(r.loss_rate - 1.0 / 3.0) < 1e-12);
	/* The late RTT is in no RTT figure. */
	assert_int_equal(r.max_rtt, 12 * MS);
	assert_int_equal(r.p99_rtt, 12 * MS);
	assert_int_equal(r.jitter, 2 * MS);
	stats_acc_free(&acc);
}

static void
test_late_after_timeout_not_counted_twice(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;

	stats_acc_init(&acc);
	probe(&acc, 0, PROBE_LOST, 0);	/* timeout: fate known */
	stats_late(&acc);		/* then its reply arrives */
	compute(&acc, &r);
	assert_int_equal(r.sent, 1);
	assert_int_equal(r.received, 0);
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.late, 1);
	assert_true(r.loss_rate == 1.0);
	stats_acc_free(&acc);
}

static void
test_refused_counts_as_received(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;

	stats_acc_init(&acc);
	probe(&acc, 0, PROBE_OK, 10 * MS);
	probe(&acc, 1, PROBE_REFUSED, 4 * MS);
	compute(&acc, &r);
	assert_int_equal(r.received, 2);
	assert_int_equal(r.lost, 0);
	assert_true(r.loss_rate == 0.0);
	assert_int_equal(r.min_rtt, 4 * MS);
	assert_int_equal(r.avg_rtt, 7 * MS);
	/* Tallied so the API can say how many answers were refusals. */
	assert_int_equal(r.errors[PROBE_REFUSED], 1);
	stats_acc_free(&acc);
}

static void
test_icmp_errors_count_as_lost_by_status(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;

	stats_acc_init(&acc);
	probe(&acc, 0, PROBE_UNREACHABLE, 3 * MS);
	probe(&acc, 1, PROBE_TTL_EXCEEDED, 2 * MS);
	probe(&acc, 2, PROBE_TTL_EXCEEDED, 2 * MS);
	probe(&acc, 3, PROBE_TOO_BIG, 1 * MS);
	probe(&acc, 4, PROBE_PARAM_PROBLEM, 1 * MS);
	probe(&acc, 5, PROBE_ERROR, 0);
	probe(&acc, 6, PROBE_LOST, 0);
	compute(&acc, &r);
	assert_int_equal(r.received, 0);
	assert_int_equal(r.lost, 7);
	assert_int_equal(r.errors[PROBE_UNREACHABLE], 1);
	assert_int_equal(r.errors[PROBE_TTL_EXCEEDED], 2);
	assert_int_equal(r.errors[PROBE_TOO_BIG], 1);
	assert_int_equal(r.errors[PROBE_PARAM_PROBLEM], 1);
	assert_int_equal(r.errors[PROBE_ERROR], 1);
	assert_int_equal(r.errors[PROBE_LOST], 0);
	assert_int_equal(r.errors[PROBE_OK], 0);
	assert_int_equal(r.min_rtt, 0);
	assert_int_equal(r.max_rtt, 0);
	assert_int_equal(r.loss_burst_max, 7);
	assert_int_equal(r.last_ttl, 0);
	stats_acc_free(&acc);
}

static void
test_reordering_rfc4737(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;

	stats_acc_init(&acc);
	/* Arrivals 0 1 3 2 4: 2 comes after 3. */
	probe(&acc, 0, PROBE_OK, 10 * MS);
	probe(&acc, 1, PROBE_OK, 10 * MS);
	probe(&acc, 3, PROBE_OK, 10 * MS);
	probe(&acc, 2, PROBE_OK, 10 * MS);
	probe(&acc, 4, PROBE_OK, 10 * MS);
	compute(&acc, &r);
	assert_int_equal(r.reordered, 1);
	stats_acc_free(&acc);

	/* Arrivals 5 1 2 3: each of 1, 2, 3 is below 5. */
	stats_acc_init(&acc);
	probe(&acc, 5, PROBE_OK, 10 * MS);
	probe(&acc, 1, PROBE_OK, 10 * MS);
	probe(&acc, 2, PROBE_OK, 10 * MS);
	probe(&acc, 3, PROBE_OK, 10 * MS);
	compute(&acc, &r);
	assert_int_equal(r.reordered, 3);
	stats_acc_free(&acc);

	/* A lost probe's seq does not make later replies reordered. */
	stats_acc_init(&acc);
	probe(&acc, 0, PROBE_OK, 10 * MS);
	probe(&acc, 2, PROBE_LOST, 0);
	probe(&acc, 1, PROBE_OK, 10 * MS);
	compute(&acc, &r);
	assert_int_equal(r.reordered, 0);
	stats_acc_free(&acc);
}

static void
test_duplicates_counted_apart(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;

	stats_acc_init(&acc);
	probe(&acc, 0, PROBE_OK, 10 * MS);
	stats_duplicate(&acc);
	stats_duplicate(&acc);
	probe(&acc, 1, PROBE_OK, 10 * MS);
	compute(&acc, &r);
	assert_int_equal(r.duplicates, 2);
	assert_int_equal(r.received, 2);
	assert_int_equal(r.sent, 2);
	assert_true(r.loss_rate == 0.0);
	stats_acc_free(&acc);
}

static void
test_longest_loss_burst(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;

	stats_acc_init(&acc);
	/* OK L L OK L U L(late) OK L: bursts 2, 3, 1. */
	probe(&acc, 0, PROBE_OK, 10 * MS);
	probe(&acc, 1, PROBE_LOST, 0);
	probe(&acc, 2, PROBE_LOST, 0);
	probe(&acc, 3, PROBE_OK, 10 * MS);
	probe(&acc, 4, PROBE_LOST, 0);
	probe(&acc, 5, PROBE_UNREACHABLE, 0);
	probe(&acc, 6, PROBE_LATE, 2 * S);
	probe(&acc, 7, PROBE_OK, 10 * MS);
	probe(&acc, 8, PROBE_LOST, 0);
	compute(&acc, &r);
	assert_int_equal(r.loss_burst_max, 3);
	assert_int_equal(r.lost, 6);
	assert_int_equal(r.received, 3);
	stats_acc_free(&acc);
}

static void
test_in_flight_until_fate_known(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;

	stats_acc_init(&acc);
	stats_sent(&acc);
	stats_sent(&acc);
	stats_sent(&acc);
	compute(&acc, &r);
	assert_int_equal(r.sent, 3);
	assert_int_equal(r.in_flight, 3);
	assert_true(r.loss_rate == 0.0);
	feed(&acc, 0, PROBE_OK, 10 * MS);
	feed(&acc, 1, PROBE_LOST, 0);
	compute(&acc, &r);
	assert_int_equal(r.in_flight, 1);
	assert_int_equal(r.received, 1);
	assert_int_equal(r.lost, 1);
	assert_true(r.loss_rate == 0.5);
	stats_acc_free(&acc);
}

static void
test_ipdv_with_gap(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;

	stats_acc_init(&acc);
	/*
	 * seq 0:10 1:13 2:lost 3:20 4:18 5:18 ms.  Pairs (0,1) +3,
	 * (3,4) -2, (4,5) 0; (1,2) and (2,3) are not pairs.
	 * mean |D| = 5/3 ms; p99 of {0, 2, 3} is rank 3: 3 ms.
	 */
	probe(&acc, 0, PROBE_OK, 10 * MS);
	probe(&acc, 1, PROBE_OK, 13 * MS);
	probe(&acc, 2, PROBE_LOST, 0);
	probe(&acc, 4, PROBE_OK, 18 * MS);	/* arrives before 3 */
	probe(&acc, 3, PROBE_OK, 20 * MS);
	probe(&acc, 5, PROBE_OK, 18 * MS);
	compute(&acc, &r);
	assert_int_equal(r.ipdv_count, 3);
	near_ns(r.ipdv_mean, llround(5.0 * MS / 3.0), 0);
	assert_int_equal(r.ipdv_p99, 3 * MS);
	assert_int_equal(r.reordered, 1);
	/* Lopa's jitter follows arrival order: 3, 5, 2, 2 -> 3 ms. */
	assert_int_equal(r.jitter, 3 * MS);
	stats_acc_free(&acc);
}

static void
test_jitter_rfc3550_known_sequence(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;
	const int64_t		 rtt[] = { 10 * MS, 20 * MS, 15 * MS, 15 * MS,
				    30 * MS };
	double			 j = 0, d;
	size_t			 i;

	stats_acc_init(&acc);
	for (i = 0; i < sizeof(rtt) / sizeof(rtt[0]); i++) {
		probe(&acc, i, PROBE_OK, rtt[i]);
		if (i > 0) {
			d = fabs((double)(rtt[i] - rtt[i - 1]));
			j += (d - j) / 16.0;
		}
	}
	compute(&acc, &r);
	/* By hand: 0.625, 0.8984375, 0.84228515625, 1.727142333984375 ms. */
	assert_true(fabs(j - 1727142.333984375) < 1e-6);
	assert_int_equal(r.jitter_rfc3550, 1727142);
	near_ns(r.jitter_rfc3550, llround(j), 0);
	/* Lopa's jitter: (10 + 5 + 0 + 15) / 4 = 7.5 ms. */
	assert_int_equal(r.jitter, 7500 * US);
	stats_acc_free(&acc);
}

static void
test_extreme_all_zero_rtts(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;
	uint32_t		 i;

	stats_acc_init(&acc);
	for (i = 0; i < 1000; i++)
		probe(&acc, i, PROBE_OK, 0);
	compute(&acc, &r);
	assert_int_equal(r.received, 1000);
	assert_int_equal(r.min_rtt, 0);
	assert_int_equal(r.avg_rtt, 0);
	assert_int_equal(r.max_rtt, 0);
	assert_int_equal(r.stddev_rtt, 0);
	assert_int_equal(r.p99_rtt, 0);
	assert_int_equal(r.jitter, 0);
	assert_int_equal(r.jitter_rfc3550, 0);
	assert_int_equal(r.ipdv_mean, 0);
	assert_int_equal(r.ipdv_count, 999);
	stats_acc_free(&acc);
}

static void
test_extreme_ten_second_rtts(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;
	uint32_t		 i;

	stats_acc_init(&acc);
	for (i = 0; i < 1000; i++)
		probe(&acc, i, PROBE_OK, 10 * S);
	compute(&acc, &r);
	assert_int_equal(r.avg_rtt, 10 * S);
	assert_int_equal(r.stddev_rtt, 0);
	assert_int_equal(r.p50_rtt, 10 * S);
	assert_int_equal(r.jitter, 0);
	stats_acc_free(&acc);

	/* Alternating 0 and 10 s: mean 5 s, stddev 5 s, jitter 10 s. */
	stats_acc_init(&acc);
	for (i = 0; i < 1000; i++)
		probe(&acc, i, PROBE_OK, (i % 2) ? 10 * S : 0);
	compute(&acc, &r);
	assert_int_equal(r.min_rtt, 0);
	assert_int_equal(r.max_rtt, 10 * S);
	near_ns(r.avg_rtt, 5 * S, 1);
	near_ns(r.stddev_rtt, 5 * S, 1);
	assert_int_equal(r.jitter, 10 * S);
	assert_int_equal(r.ipdv_mean, 10 * S);
	assert_int_equal(r.ipdv_p99, 10 * S);
	assert_int_equal(r.p50_rtt, 0);
	assert_int_equal(r.p90_rtt, 10 * S);
	near_ns(r.jitter_rfc3550, 10 * S, 1);
	stats_acc_free(&acc);
}

static void
test_extreme_million_samples(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;
	uint32_t		 i, n = 1000000;
	double			 sd;

	/* Constant input: stddev exactly 0. */
	stats_acc_init(&acc);
	for (i = 0; i < n; i++)
		probe(&acc, i, PROBE_OK, 10 * S);
	compute(&acc, &r);
	assert_int_equal(r.received, n);
	assert_int_equal(r.avg_rtt, 10 * S);
	assert_int_equal(r.stddev_rtt, 0);
	assert_int_equal(r.p99_rtt, 10 * S);
	assert_true(isfinite(acc.m2) && acc.m2 == 0.0);
	stats_acc_free(&acc);

	/* 1..n ns: population stddev sqrt((n^2 - 1) / 12). */
	stats_acc_init(&acc);
	for (i = 0; i < n; i++)
		probe(&acc, i, PROBE_OK, (int64_t)i + 1);
	compute(&acc, &r);
	sd = sqrt(((double)n * n - 1) / 12.0);
	near_ns(r.stddev_rtt, llround(sd), 1);
	near_ns(r.avg_rtt, 500001, 1);
	assert_int_equal(r.p50_rtt, 500000);
	assert_int_equal(r.p99_rtt, 990000);
	assert_int_equal(r.jitter, 1);
	assert_int_equal(r.ipdv_count, n - 1);
	stats_acc_free(&acc);
}

static void
test_empty_accumulator_all_zero(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r, zero;

	stats_acc_init(&acc);
	memset(&r, 0xa5, sizeof(r));
	compute(&acc, &r);
	memset(&zero, 0, sizeof(zero));
	assert_false(isnan(r.loss_rate));
	assert_true(r.loss_rate == 0.0);
	assert_memory_equal(&r, &zero, sizeof(r));
	stats_acc_free(&acc);
}

/* nokeep: constant memory, the same moments, no percentiles. */
static void
test_nokeep_keeps_moments_only(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;
	uint32_t		 i;

	(void)state;
	stats_acc_init(&acc);
	stats_acc_nokeep(&acc);
	for (i = 0; i < 1000; i++)
		probe(&acc, i, PROBE_OK, (int64_t)(i % 10 + 1) * 1000000);
	probe(&acc, 1000, PROBE_LOST, 0);
	assert_null(acc.rtts);
	assert_int_equal(acc.nrtts, 0);
	compute(&acc, &r);
	assert_int_equal(r.received, 1000);
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.min_rtt, 1000000);
	assert_int_equal(r.max_rtt, 10000000);
	assert_int_equal(r.avg_rtt, 5500000);
	assert_int_equal(r.p50_rtt, 0);
	assert_int_equal(r.p99_rtt, 0);
	assert_int_equal(r.ipdv_count, 0);
	stats_acc_free(&acc);
}

static void
test_invalid_sample_refused(void **state)
{
	struct stats_acc	 acc;
	struct stats_result	 r;
	struct probe_sample	 s;

	stats_acc_init(&acc);
	memset(&s, 0, sizeof(s));
	s.status = PROBE_NSTATUS;
	errno = 0;
	assert_int_equal(stats_add(&acc, &s), -1);
	assert_int_equal(errno, EINVAL);
	s.status = PROBE_OK;
	s.rtt_ns = -1;
	assert_int_equal(stats_add(&acc, &s), -1);
	/* A lost probe's RTT is ignored, even negative. */
	s.status = PROBE_LOST;
	assert_int_equal(stats_add(&acc, &s), 0);
	compute(&acc, &r);
	assert_int_equal(r.received, 0);
	assert_int_equal(r.lost, 1);
	stats_acc_free(&acc);
}

static void
wadd(struct stats_window *w, uint32_t seq, uint8_t status, int64_t rtt,
    int64_t t)
{
	struct probe_sample	 s;

	memset(&s, 0, sizeof(s));
	s.seq = seq;
	s.status = status;
	s.rtt_ns = rtt;
	s.ttl = (uint8_t)(50 + seq);
	assert_int_equal(stats_window_add(w, &s, t), 0);
}

static void
test_window_expiry_drops_old_samples(void **state)
{
	struct stats_window	 w;
	struct stats_result	 r;

	assert_int_equal(stats_window_init(&w, 100), 0);
	wadd(&w, 0, PROBE_OK, 10 * MS, 0);
	wadd(&w, 1, PROBE_LOST, 0, 1 * S);
	stats_window_duplicate(&w, 1 * S);
	wadd(&w, 2, PROBE_OK, 20 * MS, 2 * S);
	wadd(&w, 3, PROBE_OK, 30 * MS, 12 * S);
	stats_window_set_in_flight(&w, 2);

	stats_window_expire(&w, 12 * S, 10 * S);
	/* t=0 and t=1 s are older than 10 s at 12 s; t=2 s is exactly 10. */
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.received, 2);
	assert_int_equal(r.lost, 0);
	assert_int_equal(r.duplicates, 0);
	assert_int_equal(r.sent, 4);		/* 2 fates + 2 in flight */
	assert_int_equal(r.in_flight, 2);
	assert_int_equal(r.min_rtt, 20 * MS);
	assert_int_equal(r.max_rtt, 30 * MS);
	assert_int_equal(r.avg_rtt, 25 * MS);
	assert_int_equal(r.jitter, 10 * MS);
	assert_int_equal(r.ipdv_count, 1);
	assert_int_equal(r.last_ttl, 53);

	stats_window_expire(&w, 100 * S, 10 * S);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.received, 0);
	assert_int_equal(r.sent, 2);
	assert_int_equal(r.min_rtt, 0);
	assert_true(r.loss_rate == 0.0);
	stats_window_free(&w);
}

static void
test_window_figures_before_expiry(void **state)
{
	struct stats_window	 w;
	struct stats_result	 r;

	assert_int_equal(stats_window_init(&w, 100), 0);
	wadd(&w, 0, PROBE_OK, 10 * MS, 0);
	wadd(&w, 1, PROBE_OK, 12 * MS, 1 * S);
	wadd(&w, 2, PROBE_LOST, 0, 3 * S);
	stats_window_late(&w, 3500 * MS);
	wadd(&w, 3, PROBE_OK, 11 * MS, 4 * S);
	stats_window_expire(&w, 4 * S, 10 * S);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	/* Lopa's example again, through the window. */
	assert_int_equal(r.received, 3);
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.late, 1);
	assert_true(r.loss_rate == 0.25);
	assert_int_equal(r.jitter, 1500 * US);
	assert_int_equal(r.avg_rtt, 11 * MS);

	/* Drop the first two: only the loss, its late reply and 11 ms. */
	stats_window_expire(&w, 12 * S, 10 * S);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.received, 1);
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.late, 1);
	assert_true(r.loss_rate == 0.5);
	assert_int_equal(r.jitter, 0);
	assert_int_equal(r.min_rtt, 11 * MS);
	stats_window_free(&w);
}

static void
test_window_full_ring_overwrites_oldest(void **state)
{
	struct stats_window	 w;
	struct stats_result	 r;
	uint32_t		 i;

	assert_int_equal(stats_window_init(&w, 3), 0);
	for (i = 0; i < 5; i++)
		wadd(&w, i, PROBE_OK, (int64_t)(i + 1) * MS, (int64_t)i * S);
	assert_int_equal(w.overwritten, 2);
	assert_int_equal(w.len, 3);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.received, 3);
	assert_int_equal(r.min_rtt, 3 * MS);
	assert_int_equal(r.max_rtt, 5 * MS);
	/* Expire wraps around the ring correctly. */
	stats_window_expire(&w, 14 * S, 10 * S);
	assert_int_equal(w.len, 1);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.min_rtt, 5 * MS);
	wadd(&w, 5, PROBE_OK, 6 * MS, 14 * S);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.received, 2);
	assert_int_equal(r.avg_rtt, 5500 * US);
	stats_window_free(&w);
}

/* seq's RTT and fate in the growth tests: every fifth probe is lost. */
static void
wprobe_at(struct stats_window *w, uint32_t seq, int64_t t)
{
	if (seq % 5 == 4)
		wadd(w, seq, PROBE_LOST, 0, t);
	else
		wadd(w, seq, PROBE_OK, (int64_t)(seq % 7 + 1) * MS, t);
}

/* At seq seconds. */
static void
wprobe(struct stats_window *w, uint32_t seq)
{
	wprobe_at(w, seq, (int64_t)seq * S);
}

/*
 * The window holds seq first..first+n-1, oldest first, and its figures
 * are those of an accumulator fed the same probes.
 */
static void
window_holds(const struct stats_window *w, uint32_t first, uint32_t n)
{
	struct stats_acc	 acc;
	struct stats_result	 wr, ar;
	struct probe_sample	 s;
	uint32_t		 i;

	assert_int_equal(w->len, n);
	stats_acc_init(&acc);
	for (i = 0; i < n; i++) {
		assert_int_equal(w->ring[(w->head + i) % w->cap].seq,
		    first + i);
		memset(&s, 0, sizeof(s));
		s.seq = first + i;
		s.status = s.seq % 5 == 4 ? PROBE_LOST : PROBE_OK;
		s.rtt_ns = s.status == PROBE_OK ?
		    (int64_t)(s.seq % 7 + 1) * MS : 0;
		s.ttl = (uint8_t)(50 + s.seq);	/* as wadd() */
		stats_sent(&acc);
		assert_int_equal(stats_add(&acc, &s), 0);
	}
	assert_int_equal(stats_window_compute(w, &wr), 0);
	compute(&acc, &ar);
	assert_int_equal(wr.sent, n);
	assert_int_equal(wr.reordered, 0);
	assert_memory_equal(&wr, &ar, sizeof(wr));
	stats_acc_free(&acc);
}

static void
test_window_starts_small_and_grows(void **state)
{
	struct stats_window	 w;
	uint32_t		 i;

	assert_int_equal(stats_window_init(&w, 100), 0);
	assert_int_equal(w.cap, STATS_W_INIT);
	assert_int_equal(w.max, 100);
	for (i = 0; i < STATS_W_INIT; i++)
		wprobe(&w, i);
	assert_int_equal(w.cap, STATS_W_INIT);
	wprobe(&w, i++);
	assert_int_equal(w.cap, 2 * STATS_W_INIT);
	assert_int_equal(w.overwritten, 0);
	window_holds(&w, 0, STATS_W_INIT + 1);
	stats_window_free(&w);

	/* A maximum below the first allocation is allocated whole. */
	assert_int_equal(stats_window_init(&w, 3), 0);
	assert_int_equal(w.cap, 3);
	stats_window_free(&w);
}

static void
test_window_grows_wrapped_ring_in_order(void **state)
{
	struct stats_window	 w;
	uint32_t		 i;

	assert_int_equal(stats_window_init(&w, 100), 0);
	for (i = 0; i < STATS_W_INIT; i++)
		wprobe(&w, i);
	/* Expire seq 0..4, then refill: seq 16..20 wrap to the start. */
	stats_window_expire(&w, 15 * S, 10 * S);
	assert_int_equal(w.head, 5);
	for (i = STATS_W_INIT; i < STATS_W_INIT + 5; i++)
		wprobe(&w, i);
	assert_int_equal(w.cap, STATS_W_INIT);
	assert_int_equal(w.head, 5);
	window_holds(&w, 5, STATS_W_INIT);

	/* Full and wrapped: growing keeps the order. */
	wprobe(&w, i++);
	assert_int_equal(w.cap, 2 * STATS_W_INIT);
	assert_int_equal(w.overwritten, 0);
	window_holds(&w, 5, STATS_W_INIT + 1);
	/* Its head now near the end: it wraps, then grows, again. */
	stats_window_expire(&w, 25 * S, 10 * S);
	window_holds(&w, 15, 7);
	for (; i < 60; i++)
		wprobe(&w, i);
	assert_int_equal(w.cap, 4 * STATS_W_INIT);
	assert_int_equal(w.overwritten, 0);
	window_holds(&w, 15, 45);
	stats_window_free(&w);
}

static void
test_window_grows_to_max_then_overwrites(void **state)
{
	struct stats_window	 w;
	uint32_t		 i;

	assert_int_equal(stats_window_init(&w, 40), 0);
	for (i = 0; i < 40; i++)
		wprobe(&w, i);
	/* 16, 32, then 40 rather than 64. */
	assert_int_equal(w.cap, 40);
	assert_int_equal(w.overwritten, 0);
	window_holds(&w, 0, 40);
	for (; i < 45; i++)
		wprobe(&w, i);
	assert_int_equal(w.cap, 40);
	assert_int_equal(w.overwritten, 5);
	window_holds(&w, 5, 40);
	stats_window_free(&w);
}

static void
test_window_grow_failure_overwrites_oldest(void **state)
{
	struct stats_window	 w;
	uint32_t		 i;

	assert_int_equal(stats_window_init(&w, 100), 0);
	fail_realloc = 1;
	for (i = 0; i < STATS_W_INIT + 3; i++)
		wprobe(&w, i);
	fail_realloc = 0;
	assert_int_equal(w.cap, STATS_W_INIT);
	assert_int_equal(w.overwritten, 3);
	window_holds(&w, 3, STATS_W_INIT);
	/* Memory back: it grows again, the order kept. */
	wprobe(&w, i++);
	assert_int_equal(w.cap, 2 * STATS_W_INIT);
	window_holds(&w, 3, STATS_W_INIT + 1);
	stats_window_free(&w);
}

static void
test_window_invalid_capacity_refused(void **state)
{
	struct stats_window	 w;
	struct probe_sample	 s;

	errno = 0;
	assert_int_equal(stats_window_init(&w, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(stats_window_init(&w, 1), 0);
	memset(&s, 0, sizeof(s));
	s.status = 200;
	assert_int_equal(stats_window_add(&w, &s, 0), -1);
	assert_int_equal(w.len, 0);
	stats_window_free(&w);
}

static void
test_window_entry_is_16_bytes(void **state)
{
	struct stats_window	 w;
	struct stats_result	 r;
	struct probe_sample	 s;
	const struct stats_wentry *e;

	assert_int_equal(sizeof(struct stats_wentry), 16);

	/* Every field keeps its widest value. */
	assert_int_equal(stats_window_init(&w, 4), 0);
	memset(&s, 0, sizeof(s));
	s.seq = UINT32_MAX;
	s.status = PROBE_NSTATUS - 1;
	s.rtt_ns = -1;			/* lost: kept, not counted */
	s.ttl = 255;
	assert_int_equal(stats_window_add(&w, &s, 0), 0);
	stats_window_late(&w, 0);
	e = &w.ring[0];
	assert_int_equal(e->seq, UINT32_MAX);
	assert_int_equal(e->status, PROBE_NSTATUS - 1);
	assert_int_equal(e->kind, STATS_W_SAMPLE);
	assert_int_equal(e->rtt_ns, -1);
	assert_int_equal(e->ttl, 255);
	assert_int_equal(w.ring[1].kind, STATS_W_LATE);
	s.seq = 7;
	s.status = PROBE_OK;
	s.rtt_ns = STATS_W_RTT_MAX;
	s.ttl = 1;
	assert_int_equal(stats_window_add(&w, &s, 0), 0);
	assert_int_equal(w.ring[2].rtt_ns, STATS_W_RTT_MAX);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.received, 1);
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.late, 1);
	assert_int_equal(r.errors[PROBE_NSTATUS - 1], 1);
	assert_int_equal(r.min_rtt, STATS_W_RTT_MAX);
	assert_int_equal(r.last_ttl, 1);
	stats_window_free(&w);
}

/*
 * With a window of window_ns (a tick of 2^shift ns): an entry exactly
 * window_ns old stays, one a tick older goes, and between the two it may
 * stay (rounded up) but never comes back.  The first entry is the base;
 * the second is off the ticks, the third on one.
 */
static void
expiry_boundary(int64_t window_ns, unsigned int shift)
{
	struct stats_window	 w;
	int64_t			 t[3], tick, d;
	size_t			 j, prev;

	tick = (int64_t)1 << shift;
	t[0] = 5 * S + 3;
	t[1] = t[0] + window_ns / 3 + 17;
	t[2] = t[0] + (window_ns / 2 / tick) * tick;
	assert_int_equal(stats_window_init(&w, 100), 0);
	assert_int_equal(w.shift, STATS_W_SHIFT);
	stats_window_span(&w, window_ns);
	assert_int_equal(w.shift, shift);
	for (j = 0; j < 3; j++)
		wadd(&w, j, PROBE_OK, (int64_t)(j + 1) * MS, t[j]);

	for (j = 0; j < 3; j++) {
		stats_window_expire(&w, t[j] + window_ns, window_ns);
		assert_int_equal(w.len, 3 - j);
		assert_int_equal(w.ring[w.head].seq, j);
		prev = w.len;
		for (d = 1; d < tick; d += tick > 64 ? tick / 64 : 1) {
			stats_window_expire(&w, t[j] + window_ns + d,
			    window_ns);
			assert_true(w.len <= prev);
			prev = w.len;
		}
		stats_window_expire(&w, t[j] + window_ns + tick, window_ns);
		assert_int_equal(w.len, 2 - j);
	}
	stats_window_free(&w);
}

static void
test_window_expiry_boundary_60s(void **state)
{
	expiry_boundary(60 * S, 5);	/* 32 ns ticks */
}

static void
test_window_expiry_boundary_1day(void **state)
{
	expiry_boundary(86400 * S, 16);	/* 64 us ticks */
}

static void
test_window_span_sets_tick(void **state)
{
	struct stats_window	 w;

	assert_int_equal(stats_window_init(&w, 4), 0);
	stats_window_span(&w, 0);
	assert_int_equal(w.shift, 0);
	stats_window_span(&w, -5 * S);
	assert_int_equal(w.shift, 0);
	stats_window_span(&w, (INT64_C(1) << 31) - 1);
	assert_int_equal(w.shift, 0);
	stats_window_span(&w, INT64_C(1) << 31);
	assert_int_equal(w.shift, 1);
	stats_window_span(&w, 1 * S);
	assert_int_equal(w.shift, 0);
	stats_window_span(&w, 10 * S);
	assert_int_equal(w.shift, 3);
	stats_window_span(&w, INT64_MAX);
	assert_int_equal(w.shift, 32);

	/* Held entries keep their tick; the next empty window takes it. */
	stats_window_span(&w, 60 * S);
	wadd(&w, 0, PROBE_OK, 1 * MS, 0);
	stats_window_span(&w, 1 * S);
	assert_int_equal(w.shift, 5);
	stats_window_expire(&w, 2 * S, 1 * S);
	assert_int_equal(w.len, 0);
	wadd(&w, 1, PROBE_OK, 1 * MS, 2 * S);
	assert_int_equal(w.shift, 0);
	stats_window_free(&w);
}

/*
 * A 1 s window at 1 ns ticks, a probe every 300 ms + 7 ns for 30 s:
 * times 7 * 2^32 ticks apart, so the base moves again and again, and the
 * window still holds exactly the last second, its figures exact.
 */
static void
test_window_rebases_while_expiring(void **state)
{
	struct stats_window	 w;
	int64_t			 t, step = 300 * MS + 7;
	uint64_t		 base;
	uint32_t		 i, first, rebases = 0;

	assert_int_equal(stats_window_init(&w, 100), 0);
	stats_window_span(&w, 1 * S);
	assert_int_equal(w.shift, 0);
	base = w.base;
	for (i = 0, first = 0; i < 100; i++) {
		t = (int64_t)i * step;
		stats_window_expire(&w, t, 1 * S);
		/* Held: seq j with t - j * step <= 1 s, 3 or 4 of them. */
		while (t - (int64_t)first * step > 1 * S)
			first++;
		window_holds(&w, first, i - first);
		wprobe_at(&w, i, t);
		window_holds(&w, first, i - first + 1);
		if (w.base != base && i > 0)
			rebases++;
		base = w.base;
		assert_int_equal(w.shift, 0);
		assert_true(w.len <= 5);
	}
	assert_true(rebases >= 5);

	/* Far apart: 10^6 s, then 2^61 ns on; each empties the window. */
	t = (int64_t)99 * step + 1000000 * S;
	for (; i < 103; i++, t += INT64_C(1) << 61) {
		stats_window_expire(&w, t, 1 * S);
		assert_int_equal(w.len, 0);
		wprobe_at(&w, i, t);
		window_holds(&w, i, 1);
	}

	/* A boundary after many rebases: still exact to the tick. */
	t += 1 * S;
	stats_window_expire(&w, t, 1 * S);
	wprobe_at(&w, 200, t);
	wprobe_at(&w, 201, t + 700 * MS + 3);
	stats_window_expire(&w, t + 1 * S, 1 * S);
	window_holds(&w, 200, 2);
	stats_window_expire(&w, t + 1 * S + 1, 1 * S);
	window_holds(&w, 201, 1);
	stats_window_free(&w);
}

/*
 * Nobody expires: 9 s of entries at 1 ns ticks do not fit 2^32 ticks,
 * so the tick doubles (to 4 ns) rather than an entry expiring early.
 */
static void
test_window_coarsens_when_not_expired(void **state)
{
	struct stats_window	 w;
	uint32_t		 i;

	assert_int_equal(stats_window_init(&w, 100), 0);
	stats_window_span(&w, 1 * S);
	/* Odd offsets from the base, rounded up at each doubling. */
	for (i = 0; i < 10; i++)
		wprobe_at(&w, i, (int64_t)i * S + 3 * i + 1);
	assert_int_equal(w.shift, 2);
	window_holds(&w, 0, 10);

	/* Never early: 3 s + 10 ns is exactly 5 s old at 8 s + 10 ns. */
	stats_window_expire(&w, 8 * S + 10, 5 * S);
	window_holds(&w, 3, 7);
	/* A 4 ns tick late at most. */
	stats_window_expire(&w, 8 * S + 14, 5 * S);
	window_holds(&w, 4, 6);

	/* Empty, it takes the spanned tick again. */
	stats_window_expire(&w, 100 * S, 5 * S);
	assert_int_equal(w.len, 0);
	wprobe_at(&w, 10, 100 * S);
	assert_int_equal(w.shift, 0);
	window_holds(&w, 10, 1);
	stats_window_free(&w);
}

static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (*x);
}

/*
 * Random times, as the engine calls: expire before each add, and at
 * other times in between (a query).  The window holds every entry the
 * exact rule holds (never early), and drops every one older than the
 * window by a tick or more (at most a tick late).
 */
static void
test_window_expiry_matches_exact_rule(void **state)
{
	static const int64_t	 spans[] = { 1 * MS, 1 * S, 60 * S,
				    86400 * S };
	struct stats_window	 w;
	int64_t			*times, t, now, win, tick;
	uint64_t		 x = 0x9e3779b97f4a7c15ULL, g;
	uint32_t		 i, first, gone;
	unsigned int		 shift;
	size_t			 k, n = 4000;

	times = calloc(n, sizeof(*times));
	assert_non_null(times);
	for (k = 0; k < sizeof(spans) / sizeof(spans[0]); k++) {
		win = spans[k];
		assert_int_equal(stats_window_init(&w, n), 0);
		stats_window_span(&w, win);
		shift = w.shift;
		tick = (int64_t)1 << shift;
		t = (int64_t)(xorshift(&x) >> 20);
		for (i = 0, first = 0, gone = 0; i < n; i++) {
			/* Gaps: none, a few ns, a fraction, past the window. */
			g = xorshift(&x);
			switch (g % 4) {
			case 0:
				break;
			case 1:
				t += (int64_t)(g >> 2) % 100;
				break;
			case 2:
				t += (int64_t)((g >> 2) % (uint64_t)(win / 8));
				break;
			default:
				t += (int64_t)((g >> 2) % (uint64_t)(2 * win));
				break;
			}
			now = t;
			if (g & (1ULL << 40))	/* a query before the add */
				now -= (int64_t)((g >> 41) % 1000);
			if (now < (i > 0 ? times[i - 1] : now))
				now = times[i - 1];
			stats_window_expire(&w, now, win);
			/* Exactly: from first.  At most a tick late: gone. */
			while (first < i && now - times[first] > win)
				first++;
			while (gone < first && now - times[gone] >= win + tick)
				gone++;
			assert_true(w.len >= i - first);
			assert_true(w.len <= i - gone);
			if (w.len > 0)
				assert_int_equal(w.ring[(w.head + w.len - 1) %
				    w.cap].seq, i - 1);
			times[i] = t;
			wadd(&w, i, PROBE_OK, 1 * MS, t);
			/* Expiring with its span: the tick never grows. */
			assert_int_equal(w.shift, shift);
		}
		stats_window_free(&w);
	}
	free(times);
}

static void
test_window_rtt_clamps_to_48_bits(void **state)
{
	struct stats_window	 w;
	struct stats_result	 r;

	assert_int_equal(stats_window_init(&w, 8), 0);
	wadd(&w, 0, PROBE_OK, STATS_W_RTT_MAX, 0);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.max_rtt, STATS_W_RTT_MAX);
	wadd(&w, 1, PROBE_OK, INT64_C(1) << 47, 0);
	wadd(&w, 2, PROBE_REFUSED, INT64_MAX, 0);
	wadd(&w, 3, PROBE_LOST, INT64_MIN, 0);
	wadd(&w, 4, PROBE_OK, 0, 0);
	assert_int_equal(w.ring[1].rtt_ns, STATS_W_RTT_MAX);
	assert_int_equal(w.ring[2].rtt_ns, STATS_W_RTT_MAX);
	assert_int_equal(w.ring[3].rtt_ns, STATS_W_RTT_MIN);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.received, 4);
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.min_rtt, 0);
	assert_int_equal(r.max_rtt, STATS_W_RTT_MAX);
	assert_int_equal(r.p50_rtt, STATS_W_RTT_MAX);
	assert_int_equal(r.jitter, STATS_W_RTT_MAX / 3);
	stats_window_free(&w);
}

/* Reserve: room at once while empty, never beyond max, then as before. */
static void
test_window_reserve(void **state)
{
	struct stats_window	 w;
	struct stats_result	 r;
	struct probe_sample	 s;
	uint32_t		 i;

	(void)state;
	assert_int_equal(stats_window_init(&w, 83), 0);
	assert_int_equal(w.cap, 16);
	assert_int_equal(stats_window_reserve(&w, 62), 0);
	assert_int_equal(w.cap, 62);
	assert_int_equal(stats_window_reserve(&w, 1000), 0);
	assert_int_equal(w.cap, 83);
	stats_window_span(&w, INT64_C(60000000000));
	memset(&s, 0, sizeof(s));
	for (i = 1; i <= 200; i++) {
		s.seq = i;
		s.status = PROBE_OK;
		s.rtt_ns = 1000 * i;
		stats_window_expire(&w, (int64_t)i * 1000000000,
		    INT64_C(60000000000));
		assert_int_equal(stats_window_add(&w, &s,
		    (int64_t)i * 1000000000), 0);
	}
	/* Not empty: nothing changes. */
	assert_int_equal(stats_window_reserve(&w, 10), 0);
	assert_int_equal(w.cap, 83);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.received, 61);
	assert_int_equal(w.overwritten, 0);
	stats_window_free(&w);
}

static void
test_window_odd_times(void **state)
{
	struct stats_window	 w;
	struct stats_result	 r;

	/* The ends of time, no expiry: the tick grows to 2^32 ns. */
	assert_int_equal(stats_window_init(&w, 8), 0);
	wadd(&w, 0, PROBE_OK, 1 * MS, INT64_MIN);
	wadd(&w, 1, PROBE_OK, 1 * MS, -1);
	wadd(&w, 2, PROBE_OK, 1 * MS, INT64_MAX);
	assert_int_equal(w.len, 3);
	assert_int_equal(w.shift, 32);
	stats_window_expire(&w, INT64_MIN, INT64_MAX);
	stats_window_expire(&w, INT64_MIN, -1);
	assert_int_equal(w.len, 3);
	/* -1 rounds up to 0, the next 2^32 ns tick: 2^63 - 1 old. */
	stats_window_expire(&w, INT64_MAX, INT64_MAX);
	assert_int_equal(w.len, 2);
	assert_int_equal(w.ring[w.head].seq, 1);
	stats_window_expire(&w, INT64_MAX, INT64_MAX - 1);
	assert_int_equal(w.len, 1);
	assert_int_equal(w.ring[w.head].seq, 2);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.received, 1);
	stats_window_free(&w);

	/* A negative window drops all before now, none at now. */
	assert_int_equal(stats_window_init(&w, 8), 0);
	stats_window_span(&w, -1);
	wadd(&w, 0, PROBE_OK, 1 * MS, -5 * S);
	wadd(&w, 1, PROBE_OK, 1 * MS, -3 * S);
	stats_window_expire(&w, -3 * S, -1 * S);
	assert_int_equal(w.len, 1);
	assert_int_equal(w.ring[w.head].seq, 1);
	stats_window_free(&w);

	/*
	 * Out of order: before the base it counts as the base; before the
	 * oldest when the base moves, it lands on the new base.
	 */
	assert_int_equal(stats_window_init(&w, 8), 0);
	stats_window_span(&w, 1 * S);
	wadd(&w, 0, PROBE_OK, 1 * MS, 2 * S);
	wadd(&w, 1, PROBE_OK, 1 * MS, 1 * S);
	assert_int_equal(w.ring[1].t, 0);
	wadd(&w, 2, PROBE_OK, 1 * MS, 3 * S);
	wadd(&w, 3, PROBE_OK, 1 * MS, 2500 * MS);
	stats_window_expire(&w, 3500 * MS, 1 * S);	/* drops seq 0, 1 */
	assert_int_equal(w.len, 2);
	wadd(&w, 4, PROBE_OK, 1 * MS, 8 * S);		/* moves the base */
	assert_int_equal(w.len, 3);
	assert_int_equal(w.ring[(w.head + 1) % w.cap].t, 0);
	stats_window_expire(&w, 4 * S, 1 * S);
	assert_int_equal(w.len, 3);
	stats_window_expire(&w, 4 * S + 4, 1 * S);
	assert_int_equal(w.len, 1);
	assert_int_equal(stats_window_compute(&w, &r), 0);
	assert_int_equal(r.received, 1);
	stats_window_free(&w);
}

/* Times in 32 bits: exact at the tick, moved exactly on a rebase. */
static void
test_stime_ring(void **state)
{
	struct stats_stime	 st, old;
	int64_t			 t0 = INT64_C(1764662400) * 1000000000, t;
	int64_t			 held[100];
	int32_t			 q[100], x;
	int			 i, j, rebases = 0;

	(void)state;
	/* 100 samples at 1/s and a 1 s timeout: a 128 ns tick. */
	stats_stime_init(&st, INT64_C(101) * 1000000000 + 1000000000);
	assert_int_equal(st.shift, 7);
	/* 10 ms: exact. */
	stats_stime_init(&old, INT64_C(101) * 10000000);
	assert_int_equal(old.shift, 0);
	assert_int_equal(stats_stime_enc(&old, t0 + 123456789, &x), 0);
	assert_true(stats_stime_dec(&old, x) == t0 + 123456789);

	/* An hour at 1/s, a ring of 100: every time within a tick. */
	for (i = 0; i < 3600; i++) {
		t = t0 + (int64_t)i * 1000000000 + (i * 7919) % 1000000;
		if (stats_stime_enc(&st, t, &x) == -1) {
			int64_t lo = t, hi = t;

			rebases++;
			for (j = i > 100 ? i - 100 : 0; j < i; j++) {
				int64_t v = stats_stime_dec(&st, q[j % 100]);

				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
			old = st;
			stats_stime_rebase(&st, lo, hi);
			assert_int_equal(st.shift, 7);
			for (j = i > 100 ? i - 100 : 0; j < i; j++) {
				int64_t v = stats_stime_dec(&old, q[j % 100]);

				assert_int_equal(stats_stime_enc(&st, v,
				    &q[j % 100]), 0);
				/* Exactly the same time. */
				assert_true(stats_stime_dec(&st, q[j % 100]) ==
				    v);
			}
			assert_int_equal(stats_stime_enc(&st, t, &x), 0);
		}
		q[i % 100] = x;
		held[i % 100] = t;
		for (j = i > 99 ? i - 99 : 0; j <= i; j++) {
			int64_t d = held[j % 100] -
			    stats_stime_dec(&st, q[j % 100]);

			assert_true(d >= 0 && d < 128);
		}
	}
	/* 2^32 ticks of 128 ns are 550 s: the base moves every ~400 s. */
	assert_true(rebases >= 6 && rebases <= 12);
}

/* A clock step: the tick coarsens, then comes back when it can. */
static void
test_stime_clock_step(void **state)
{
	struct stats_stime	 st, old;
	int64_t			 t0 = INT64_C(1764662400) * 1000000000;
	int64_t			 t1 = t0 + INT64_C(86400) * 1000000000;
	int32_t			 a, b;

	(void)state;
	stats_stime_init(&st, INT64_C(2) * 1000000000);
	assert_int_equal(st.shift, 1);
	assert_int_equal(stats_stime_enc(&st, t0 + 3, &a), 0);
	/* A day later: out of reach; both must fit after the rebase. */
	assert_int_equal(stats_stime_enc(&st, t1, &b), -1);
	old = st;
	stats_stime_rebase(&st, t0 + 3, t1);
	assert_true(st.shift > 1);
	assert_int_equal(stats_stime_enc(&st,
	    stats_stime_dec(&old, a), &a), 0);
	assert_int_equal(stats_stime_enc(&st, t1, &b), 0);
	assert_true(t1 - stats_stime_dec(&st, b) < (INT64_C(1) << st.shift));
	assert_true(t0 + 3 - stats_stime_dec(&st, a) <
	    (INT64_C(1) << st.shift));
	/* Backwards a day, then only recent times: fine again. */
	assert_int_equal(stats_stime_enc(&st, t0 - INT64_C(86400) * 1000000000,
	    &a), -1);
	stats_stime_rebase(&st, t1, t1 + 5);
	assert_int_equal(st.shift, 1);
	assert_int_equal(stats_stime_enc(&st, t1 + 5, &b), 0);
	assert_true(stats_stime_dec(&st, b) == t1 + 4);
	/* No time, and a time far below any base. */
	assert_int_equal(stats_stime_enc(&st, 0, &a), 0);
	assert_int_equal(a, STATS_NOTIME);
	assert_true(stats_stime_dec(&st, a) == 0);
	stats_stime_init(&st, INT64_MAX);
	assert_int_equal(stats_stime_enc(&st, 1, &a), 0);
	assert_int_equal(stats_stime_enc(&st, INT64_MAX, &b), 0);
	assert_true(stats_stime_dec(&st, b) <= INT64_MAX &&
	    stats_stime_dec(&st, b) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lopa_example),
		cmocka_unit_test(test_percentiles_nearest_rank_1_to_100),
		cmocka_unit_test(test_percentiles_one_sample),
		cmocka_unit_test(test_percentiles_two_samples),
		cmocka_unit_test(test_late_counts_as_lost_never_received),
		cmocka_unit_test(test_late_after_timeout_not_counted_twice),
		cmocka_unit_test(test_refused_counts_as_received),
		cmocka_unit_test(test_icmp_errors_count_as_lost_by_status),
		cmocka_unit_test(test_reordering_rfc4737),
		cmocka_unit_test(test_duplicates_counted_apart),
		cmocka_unit_test(test_longest_loss_burst),
		cmocka_unit_test(test_in_flight_until_fate_known),
		cmocka_unit_test(test_ipdv_with_gap),
		cmocka_unit_test(test_jitter_rfc3550_known_sequence),
		cmocka_unit_test(test_extreme_all_zero_rtts),
		cmocka_unit_test(test_extreme_ten_second_rtts),
		cmocka_unit_test(test_extreme_million_samples),
		cmocka_unit_test(test_empty_accumulator_all_zero),
		cmocka_unit_test(test_nokeep_keeps_moments_only),
		cmocka_unit_test(test_invalid_sample_refused),
		cmocka_unit_test(test_window_expiry_drops_old_samples),
		cmocka_unit_test(test_window_figures_before_expiry),
		cmocka_unit_test(test_window_full_ring_overwrites_oldest),
		cmocka_unit_test(test_window_invalid_capacity_refused),
		cmocka_unit_test(test_window_starts_small_and_grows),
		cmocka_unit_test(test_window_grows_wrapped_ring_in_order),
		cmocka_unit_test(test_window_grows_to_max_then_overwrites),
		cmocka_unit_test(test_window_grow_failure_overwrites_oldest),
		cmocka_unit_test(test_window_entry_is_16_bytes),
		cmocka_unit_test(test_window_expiry_boundary_60s),
		cmocka_unit_test(test_window_expiry_boundary_1day),
		cmocka_unit_test(test_window_span_sets_tick),
		cmocka_unit_test(test_window_rebases_while_expiring),
		cmocka_unit_test(test_window_coarsens_when_not_expired),
		cmocka_unit_test(test_window_expiry_matches_exact_rule),
		cmocka_unit_test(test_window_rtt_clamps_to_48_bits),
		cmocka_unit_test(test_window_odd_times),
		cmocka_unit_test(test_window_reserve),
		cmocka_unit_test(test_stime_ring),
		cmocka_unit_test(test_stime_clock_step),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
