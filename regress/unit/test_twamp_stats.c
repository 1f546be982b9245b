/*
 * Unit tests: one-way figures of TWAMP/STAMP replies (lopad/twamp_stats.c),
 * with hand-computed vectors.
 */
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "twamp_stats.h"

#define US	1000LL
#define MS	(1000LL * 1000)
#define BASE	(1700000000LL * 1000 * MS)	/* a 2023 instant, in ns */

/* A reply: sent at t1, forward f, held p, backward b (ns). */
static struct twamp_obs
obs(uint32_t seq, uint32_t rseq, int64_t t1, int64_t f, int64_t p,
    int64_t b)
{
	struct twamp_obs	 o;

	memset(&o, 0, sizeof(o));
	o.seq = seq;
	o.rseq = rseq;
	o.t1 = t1;
	o.t2 = t1 + f;
	o.t3 = o.t2 + p;
	o.t4 = o.t3 + b;
	o.sent_ttl = 255;
	o.sender_ttl = 252;
	o.reply_ttl = 61;
	return o;
}

static void
feed(struct twamp_acc *a, const struct twamp_obs *o)
{
	struct twamp_delays	 d;

	twamp_delays(o, &d);
	assert_int_equal(twamp_acc_add(a, o, &d), 0);
}

static void
test_delays_of_one_reply(void **state)
{
	struct twamp_obs	 o = obs(7, 7, BASE, 3 * MS, 20 * US, 5 * MS);
	struct twamp_delays	 d;

	twamp_delays(&o, &d);
	/* The reflector's 20 us are not part of the round trip. */
	assert_int_equal(d.rtt, 8 * MS);
	assert_int_equal(d.fwd, 3 * MS);
	assert_int_equal(d.bwd, 5 * MS);
	assert_int_equal(d.proc, 20 * US);
	assert_int_equal(d.fwd_hops, 3);
	/* 61 received: sent with 64, 3 hops back. */
	assert_int_equal(d.bwd_hops, 3);
	assert_int_equal(d.flags, 0);
}

static void
test_hops_from_the_initial_ttl(void **state)
{
	struct twamp_obs	 o = obs(1, 1, BASE, MS, 0, MS);
	struct twamp_delays	 d;

	o.reply_ttl = 250;		/* a conformant reflector: 255 */
	twamp_delays(&o, &d);
	assert_int_equal(d.bwd_hops, 5);
	o.reply_ttl = 120;		/* from 128 */
	twamp_delays(&o, &d);
	assert_int_equal(d.bwd_hops, 8);
	o.reply_ttl = 64;		/* from 64, on the same link */
	twamp_delays(&o, &d);
	assert_int_equal(d.bwd_hops, 0);
	o.reply_ttl = -1;		/* unknown */
	o.sender_ttl = -1;
	twamp_delays(&o, &d);
	assert_int_equal(d.bwd_hops, -1);
	assert_int_equal(d.fwd_hops, -1);
	/* A reflector that saw more than we sent: not a hop count. */
	o.sender_ttl = 255;
	o.sent_ttl = 64;
	twamp_delays(&o, &d);
	assert_int_equal(d.fwd_hops, -1);
}

static void
test_clocks_apart_give_negative_one_way_delays(void **state)
{
	/* The reflector's clock 10 ms behind ours: forward looks -7 ms. */
	struct twamp_obs	 o = obs(1, 1, BASE, 3 * MS, 50 * US, 5 * MS);
	struct twamp_delays	 d;

	o.t2 -= 10 * MS;
	o.t3 -= 10 * MS;
	twamp_delays(&o, &d);
	assert_int_equal(d.fwd, -7 * MS);
	assert_int_equal(d.bwd, 15 * MS);
	/* The round trip does not care whose clock is right. */
	assert_int_equal(d.rtt, 8 * MS);
	assert_int_equal(d.flags, 0);
}

static void
test_reflector_time_beyond_the_round_trip(void **state)
{
	struct twamp_obs	 o = obs(1, 1, BASE, MS, 0, MS);
	struct twamp_delays	 d;

	/* Held 5 ms by its clock, but we had it back in 2: RTT 0, flagged. */
	o.t3 = o.t2 + 5 * MS;
	twamp_delays(&o, &d);
	assert_int_equal(d.rtt, 0);
	assert_true(d.flags & TWD_RTT_NEGATIVE);
	/* Sent before it was received, by its clock. */
	o.t3 = o.t2 - 1;
	twamp_delays(&o, &d);
	assert_true(d.flags & TWD_PROC_NEGATIVE);
}

static void
test_extreme_times_saturate(void **state)
{
	struct twamp_obs	 o;
	struct twamp_delays	 d;

	memset(&o, 0, sizeof(o));
	o.t1 = INT64_MAX;
	o.t2 = INT64_MIN;
	o.t3 = INT64_MAX;
	o.t4 = INT64_MIN;
	o.sender_ttl = o.reply_ttl = -1;
	twamp_delays(&o, &d);
	assert_int_equal(d.fwd, INT64_MIN);
	assert_int_equal(d.bwd, INT64_MIN);
	assert_int_equal(d.proc, INT64_MAX);
	assert_int_equal(d.rtt, 0);
}

static void
test_distribution_by_hand(void **state)
{
	struct twamp_acc	 a;
	struct twamp_result	 r;
	const int64_t		 f[] = { 10, 12, 11, 20, 9 };	/* ms */
	uint32_t		 i;

	twamp_acc_init(&a);
	for (i = 0; i < 5; i++) {
		struct twamp_obs o = obs(i, i, BASE + i * 1000 * MS,
		    f[i] * MS, (i + 1) * US, 4 * MS);
		feed(&a, &o);
	}
	assert_int_equal(twamp_compute(&a, &r), 0);
	assert_int_equal(r.replies, 5);
	assert_int_equal(r.fwd.n, 5);
	assert_int_equal(r.fwd.min, 9 * MS);
	assert_int_equal(r.fwd.max, 20 * MS);
	/* (10 + 12 + 11 + 20 + 9) / 5 = 12.4 ms */
	assert_int_equal(r.fwd.avg, 12400 * US);
	/* sorted 9 10 11 12 20: p50 rank 3 = 11, p99 rank 5 = 20 */
	assert_int_equal(r.fwd.p50, 11 * MS);
	assert_int_equal(r.fwd.p99, 20 * MS);
	/* |2| + |1| + |9| + |11| = 23, over 4 */
	assert_int_equal(r.fwd.jitter, 5750 * US);
	/* population stddev of 10 12 11 20 9: sqrt(15.44) ms */
	assert_int_equal(r.fwd.stddev, 3929377);
	assert_int_equal(r.bwd.min, 4 * MS);
	assert_int_equal(r.bwd.max, 4 * MS);
	assert_int_equal(r.bwd.jitter, 0);
	assert_int_equal(r.proc.min, 1 * US);
	assert_int_equal(r.proc.max, 5 * US);
	assert_int_equal(r.proc.p50, 3 * US);
	assert_int_equal(r.fwd_hops, 3);
	assert_int_equal(r.fwd_hops_min, 3);
	assert_int_equal(r.bwd_hops_max, 3);
	assert_int_equal(r.reflector, TWAMP_REFL_STATELESS);
	assert_int_equal(r.fwd_lost, 0);
	assert_int_equal(r.bwd_lost, 0);
	assert_false(r.unsynchronized);
	twamp_acc_free(&a);
}

static void
test_stateful_reflector_splits_the_loss(void **state)
{
	struct twamp_acc	 a;
	struct twamp_result	 r;
	struct twamp_obs	 o;

	/*
	 * We sent 0..9.  Lost on the way there: 2 and 5.  The reflector
	 * numbered 0, 1, 3->2, 4->3, 6->4, 7->5, 8->6, 9->7; of those, the
	 * replies to 4 (rseq 3) and 8 (rseq 6) were lost on the way back.
	 */
	twamp_acc_init(&a);
	o = obs(0, 0, BASE, MS, 0, MS); feed(&a, &o);
	o = obs(1, 1, BASE, MS, 0, MS); feed(&a, &o);
	o = obs(3, 2, BASE, MS, 0, MS); feed(&a, &o);
	o = obs(6, 4, BASE, MS, 0, MS); feed(&a, &o);
	o = obs(7, 5, BASE, MS, 0, MS); feed(&a, &o);
	o = obs(9, 7, BASE, MS, 0, MS); feed(&a, &o);
	assert_int_equal(twamp_compute(&a, &r), 0);
	assert_int_equal(r.reflector, TWAMP_REFL_STATEFUL);
	assert_int_equal(r.fwd_lost, 2);
	assert_int_equal(r.bwd_lost, 2);
	twamp_acc_free(&a);
}

static void
test_stateful_without_loss_looks_stateless(void **state)
{
	struct twamp_acc	 a;
	struct twamp_result	 r;
	struct twamp_obs	 o;
	uint32_t		 i;

	twamp_acc_init(&a);
	for (i = 0; i < 4; i++) {
		o = obs(i, i, BASE, MS, 0, MS);
		feed(&a, &o);
	}
	assert_int_equal(twamp_compute(&a, &r), 0);
	assert_int_equal(r.reflector, TWAMP_REFL_STATELESS);
	/* A later round starts at our seq 100, the reflector at 4. */
	o = obs(100, 4, BASE, MS, 0, MS);
	feed(&a, &o);
	assert_int_equal(twamp_compute(&a, &r), 0);
	assert_int_equal(r.reflector, TWAMP_REFL_STATEFUL);
	twamp_acc_free(&a);
}

static void
test_nothing_yet(void **state)
{
	struct twamp_acc	 a;
	struct twamp_result	 r;

	twamp_acc_init(&a);
	assert_int_equal(twamp_compute(&a, &r), 0);
	assert_int_equal(r.reflector, TWAMP_REFL_UNKNOWN);
	assert_int_equal(r.fwd.n, 0);
	assert_int_equal(r.fwd_hops, -1);
	assert_int_equal(r.bwd_hops_min, -1);
	twamp_acc_free(&a);
}

static void
test_unsynchronized_is_kept_and_marked(void **state)
{
	struct twamp_acc	 a;
	struct twamp_result	 r;
	struct twamp_obs	 o = obs(1, 1, BASE, -2 * MS, 0, 9 * MS);

	twamp_acc_init(&a);
	o.unsync = 1;
	feed(&a, &o);
	assert_int_equal(twamp_compute(&a, &r), 0);
	assert_true(r.unsynchronized);
	assert_int_equal(r.unsync, 1);
	assert_int_equal(r.fwd.min, -2 * MS);
	assert_int_equal(r.fwd.p50, -2 * MS);
	twamp_acc_free(&a);
}

static void
test_nokeep_counts_without_percentiles(void **state)
{
	struct twamp_acc	 a;
	struct twamp_result	 r;
	struct twamp_obs	 o;
	uint32_t		 i;

	twamp_acc_init(&a);
	twamp_acc_nokeep(&a);
	for (i = 0; i < 100000; i++) {
		o = obs(i, i, BASE, (int64_t)(i % 7) * MS, US, MS);
		feed(&a, &o);
	}
	assert_null(a.fwd.v);
	assert_int_equal(twamp_compute(&a, &r), 0);
	assert_int_equal(r.fwd.n, 100000);
	assert_int_equal(r.fwd.min, 0);
	assert_int_equal(r.fwd.max, 6 * MS);
	assert_int_equal(r.fwd.p50, 0);
	assert_int_equal(r.fwd.p99, 0);
	twamp_acc_free(&a);
}

/* A reply into a window at time t (ns). */
static void
wfeed(struct twamp_window *w, int64_t t, const struct twamp_obs *o,
    int flags)
{
	struct twamp_delays	 d;

	twamp_delays(o, &d);
	(void)twamp_window_add(w, t, o, &d, flags);
}

static void
test_window_expires_by_time(void **state)
{
	struct twamp_window	 w;
	struct twamp_result	 r;
	struct twamp_obs	 o;
	uint64_t		 nc;
	uint32_t		 i;

	assert_int_equal(twamp_window_init(&w, 1000), 0);
	/* 0..9 at 0..9 s: forward i ms, backward 2 ms, 10 us held. */
	for (i = 0; i < 10; i++) {
		o = obs(i, i, BASE, (i + 1) * MS, 10 * US, 2 * MS);
		wfeed(&w, (int64_t)i * 1000 * MS, &o, i == 9 ? TWW_NONCONF : 0);
	}
	assert_int_equal(twamp_window_compute(&w, &r, &nc), 0);
	assert_int_equal(r.replies, 10);
	assert_int_equal(r.fwd.min, MS);
	assert_int_equal(r.fwd.max, 10 * MS);
	assert_int_equal(r.fwd.jitter, MS);
	assert_int_equal(r.fwd.p50, 5 * MS);
	assert_int_equal(r.bwd.p99, 2 * MS);
	assert_int_equal(r.proc.max, 10 * US);
	assert_int_equal(r.fwd_hops, 3);
	assert_int_equal(r.bwd_hops, 3);
	assert_int_equal(nc, 1);
	/* At 12 s with a 3 s window: 9, 10, 11 s and later; 9 s is 9. */
	twamp_window_expire(&w, 12000 * MS, 3000 * MS);
	assert_int_equal(twamp_window_compute(&w, &r, NULL), 0);
	assert_int_equal(r.replies, 1);
	assert_int_equal(r.fwd.min, 10 * MS);
	/* Exactly window_ns old stays; older goes. */
	twamp_window_expire(&w, 12000 * MS + 1, 3000 * MS);
	assert_int_equal(twamp_window_compute(&w, &r, &nc), 0);
	assert_int_equal(r.replies, 0);
	assert_int_equal(r.reflector, TWAMP_REFL_UNKNOWN);
	assert_int_equal(r.fwd_hops, -1);
	assert_int_equal(nc, 0);
	twamp_window_free(&w);
}

static void
test_window_losses_slide_out(void **state)
{
	struct twamp_window	 w;
	struct twamp_result	 r;
	struct twamp_obs	 o;
	uint32_t		 i, rseq = 0;

	/*
	 * A stateful reflector: seq 0..99 at i s; 3 lost forward (no rseq),
	 * the replies to 5 and 7 lost backward (rseq used, no reply).
	 */
	assert_int_equal(twamp_window_init(&w, 1000), 0);	/* grows */
	for (i = 0; i < 100; i++) {
		if (i == 3)
			continue;
		if (i == 5 || i == 7) {
			rseq++;
			continue;
		}
		o = obs(i, rseq++, BASE, MS, 0, MS);
		wfeed(&w, (int64_t)i * 1000 * MS, &o, 0);
	}
	assert_int_equal(twamp_window_compute(&w, &r, NULL), 0);
	assert_int_equal(r.replies, 97);
	assert_int_equal(r.reflector, TWAMP_REFL_STATEFUL);
	assert_int_equal(r.fwd_lost, 1);
	assert_int_equal(r.bwd_lost, 2);
	assert_int_equal(w.dropped, 0);
	assert_true(w.cap >= 97);
	/* A 10 s window at 99 s: 89..99, past the losses; still stateful. */
	twamp_window_expire(&w, 99000 * MS, 10000 * MS);
	assert_int_equal(twamp_window_compute(&w, &r, NULL), 0);
	assert_int_equal(r.replies, 11);
	assert_int_equal(r.reflector, TWAMP_REFL_STATEFUL);
	assert_int_equal(r.fwd_lost, 0);
	assert_int_equal(r.bwd_lost, 0);
	twamp_window_free(&w);
}

static void
test_window_full_drops_the_oldest(void **state)
{
	struct twamp_window	 w;
	struct twamp_result	 r;
	struct twamp_obs	 o;
	uint32_t		 i;

	assert_int_equal(twamp_window_init(&w, 0), -1);
	assert_int_equal(twamp_window_init(&w, 5), 0);
	for (i = 0; i < 8; i++) {
		o = obs(i, i, BASE, (i + 1) * MS, 0, MS);
		wfeed(&w, (int64_t)i, &o, 0);
	}
	assert_int_equal(w.len, 5);
	assert_int_equal(w.dropped, 3);
	assert_int_equal(twamp_window_compute(&w, &r, NULL), 0);
	assert_int_equal(r.replies, 5);
	assert_int_equal(r.fwd.min, 4 * MS);
	assert_int_equal(r.fwd.max, 8 * MS);
	/* Unsynchronized and negative one-way delays kept as they are. */
	o = obs(8, 8, BASE, -3 * MS, 0, 5 * MS);
	o.unsync = 1;
	wfeed(&w, 8, &o, 0);
	assert_int_equal(twamp_window_compute(&w, &r, NULL), 0);
	assert_int_equal(r.fwd.min, -3 * MS);
	assert_true(r.unsynchronized);
	assert_int_equal(r.unsync, 1);
	twamp_window_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delays_of_one_reply),
		cmocka_unit_test(test_hops_from_the_initial_ttl),
		cmocka_unit_test(test_clocks_apart_give_negative_one_way_delays),
		cmocka_unit_test(test_reflector_time_beyond_the_round_trip),
		cmocka_unit_test(test_extreme_times_saturate),
		cmocka_unit_test(test_distribution_by_hand),
		cmocka_unit_test(test_stateful_reflector_splits_the_loss),
		cmocka_unit_test(test_stateful_without_loss_looks_stateless),
		cmocka_unit_test(test_nothing_yet),
		cmocka_unit_test(test_unsynchronized_is_kept_and_marked),
		cmocka_unit_test(test_nokeep_counts_without_percentiles),
		cmocka_unit_test(test_window_expires_by_time),
		cmocka_unit_test(test_window_losses_slide_out),
		cmocka_unit_test(test_window_full_drops_the_oldest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
