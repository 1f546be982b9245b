/*
 * lopa: statistics over probe results (DESIGN §5).
 *
 * Pure computation: no I/O, no event loop, no clock reads.  Times are
 * integer nanoseconds.  The caller feeds each probe's fate in the order
 * fates become known; a probe whose fate is not yet known is in flight
 * and counts neither as received nor as lost.
 */
#ifndef LOPA_STATS_H
#define LOPA_STATS_H

#include <stddef.h>
#include <stdint.h>

enum probe_status {
	PROBE_OK = 0,		/* reply: received, RTT counts */
	PROBE_LOST,		/* timeout: lost */
	PROBE_LATE,		/* reply after the timeout: lost and late */
	PROBE_REFUSED,		/* TCP RST / port unreachable: an answer */
	PROBE_UNREACHABLE,	/* ICMP errors: lost, tallied in errors[] */
	PROBE_TTL_EXCEEDED,
	PROBE_TOO_BIG,
	PROBE_PARAM_PROBLEM,
	PROBE_ERROR,		/* local error (send failed...): lost */
	PROBE_NSTATUS
};

struct probe_sample {
	uint32_t	 seq;
	int64_t		 rtt_ns;	/* >= 0; used when received */
	uint8_t		 status;	/* enum probe_status */
	uint8_t		 ttl;		/* reply's TTL / hop limit, 0 unknown */
};

/* Received RTT kept for the exact percentiles and for IPDV. */
struct stats_rtt {
	uint32_t	 seq;
	int64_t		 rtt_ns;
};

/* One accumulator: a round, the total, or (internally) a window. */
struct stats_acc {
	uint64_t	 sent;
	uint64_t	 received;
	uint64_t	 lost;
	uint64_t	 duplicates;
	uint64_t	 reordered;
	uint64_t	 late;
	uint64_t	 errors[PROBE_NSTATUS];
	uint64_t	 burst;		/* current run of lost fates */
	uint64_t	 burst_max;
	int64_t		 min_ns;
	int64_t		 max_ns;
	double		 mean;		/* Welford */
	double		 m2;
	int		 have_prev;	/* a received RTT seen */
	int64_t		 prev_rtt;
	uint64_t	 jit_sum;	/* sum |RTT_i - RTT_i-1| */
	uint64_t	 jit_n;
	double		 jit3550;
	int		 have_seq;	/* max_seq valid */
	uint32_t	 max_seq;
	uint8_t		 last_ttl;
	int		 nokeep;	/* keep no RTTs (see below) */
	struct stats_rtt *rtts;		/* received RTTs, fate order */
	size_t		 nrtts;
	size_t		 rtts_cap;
};

/* Every figure, flat.  Times in ns; 0 where there is nothing to measure. */
struct stats_result {
	uint64_t	 sent;
	uint64_t	 received;
	uint64_t	 lost;
	uint64_t	 in_flight;
	double		 loss_rate;	/* lost / (received + lost), 0 if none */
	uint64_t	 duplicates;
	uint64_t	 reordered;
	uint64_t	 late;
	uint64_t	 errors[PROBE_NSTATUS];	/* per error status */
	uint64_t	 loss_burst_max;
	uint8_t		 last_ttl;	/* 0: none received */
	int64_t		 min_rtt;
	int64_t		 avg_rtt;
	int64_t		 max_rtt;
	int64_t		 stddev_rtt;	/* population (ping's mdev) */
	int64_t		 p50_rtt;
	int64_t		 p90_rtt;
	int64_t		 p95_rtt;
	int64_t		 p99_rtt;
	int64_t		 jitter;	/* Lopa: mean |RTT_i - RTT_i-1| */
	int64_t		 jitter_rfc3550;
	int64_t		 ipdv_mean;	/* RFC 5481, mean |IPDV| */
	int64_t		 ipdv_p99;	/* p99 of |IPDV| */
	uint64_t	 ipdv_count;	/* pairs (seq, seq+1) both received */
	int64_t		 pdv_p99;	/* p99 - min */
};

void	 stats_acc_init(struct stats_acc *);
void	 stats_acc_free(struct stats_acc *);
/* Pre-size the RTT array; 0, or -1 (ENOMEM) with acc unchanged. */
int	 stats_acc_reserve(struct stats_acc *, size_t);
/*
 * Keep no received RTTs from now on: memory stays constant, and the
 * figures that need them (percentiles, IPDV, pdv_p99) are left 0.  For
 * the total of a task that never ends, whose window has them.
 */
void	 stats_acc_nokeep(struct stats_acc *);
/* One probe sent (in flight until its fate is added). */
void	 stats_sent(struct stats_acc *);
/*
 * A probe's fate.  0, or -1 with acc unchanged: EINVAL (unknown status,
 * negative RTT on a received sample) or ENOMEM (RTT array full).
 */
int	 stats_add(struct stats_acc *, const struct probe_sample *);
/* A duplicate reply (counted apart, not received again). */
void	 stats_duplicate(struct stats_acc *);
/* A reply for a probe already added as PROBE_LOST: late++, lost kept. */
void	 stats_late(struct stats_acc *);
/*
 * Fill every figure.  0, or -1 (ENOMEM for the sorted copies) with every
 * figure filled except the percentiles, IPDV and pdv_p99, left 0.
 */
int	 stats_compute(const struct stats_acc *, struct stats_result *);

/*
 * Sliding window (continuous mode): a ring of at most `max' fates with
 * their (monotonic) fate times, which must not decrease.  The figures
 * are exact: stats_window_compute() recomputes them from the ring, in
 * O(n log n) for n entries held.  The ring starts small and doubles when
 * full, up to `max': expiring before each add, a caller holds what its
 * window spans, not its worst case.  When it is full at `max' (or cannot
 * grow) the oldest entry is overwritten (counted in `overwritten'), so the
 * window is exact only while the caller's maximum covers it (rate *
 * window).
 *
 * Times are kept in 32-bit ticks after a base time, a tick being 2^shift
 * ns: the smallest that puts the window the owner gives
 * stats_window_span() under 2^31 ticks (60 s: 32 ns; a day: 64 us), or
 * STATS_W_SHIFT (1024 ns, windows up to 36 min) until it is called.  A
 * time is rounded up to its tick, so an entry never expires early, and at
 * most a tick late.  The base is the first entry's time; when a time no
 * longer fits it moves to the oldest entry's, which a caller expiring
 * with its window does once per 2^31 ticks or more.  Should the entries
 * still span 2^32 ticks (a caller that does not expire, or expires with a
 * wider window than it spanned) the tick doubles until they fit, for as
 * long as the window is not empty: coarser, never early.
 */
#define STATS_W_SAMPLE		0
#define STATS_W_DUPLICATE	1
#define STATS_W_LATE		2

#define STATS_W_RTT_MAX		((INT64_C(1) << 47) - 1)
#define STATS_W_RTT_MIN		(-STATS_W_RTT_MAX - 1)
#define STATS_W_SHIFT		10	/* tick before stats_window_span() */

/* 16 bytes: a window holds one per probe, fate and extra reply. */
struct stats_wentry {
	uint32_t	 t;		/* ticks after the window's base */
	uint32_t	 seq;
	int64_t		 rtt_ns:48;	/* the sample's, STATS_W_RTT_MIN..MAX */
	uint64_t	 status:4;	/* enum probe_status */
	uint64_t	 kind:4;	/* STATS_W_* */
	uint64_t	 ttl:8;
};

#define STATS_W_INIT		16	/* entries allocated at first */

struct stats_window {
	struct stats_wentry *ring;
	size_t		 cap;		/* allocated */
	size_t		 max;		/* cap grows up to this */
	size_t		 head;		/* oldest */
	size_t		 len;
	uint64_t	 in_flight;	/* set by the caller */
	uint64_t	 overwritten;
	uint64_t	 base;		/* ring[].t's origin, time ^ 2^63 */
	uint8_t		 shift;		/* a tick is 2^shift ns */
	uint8_t		 span_shift;	/* the tick when next empty */
};

/* At most max entries.  0, or -1 (EINVAL for max 0, ENOMEM). */
int	 stats_window_init(struct stats_window *, size_t);

/*
 * While empty: room for n entries at once (at most max), what the owner
 * expects its window to hold, rather than doubling up to it (a ring of
 * 60 held at 1 probe/s: 960 bytes, not 1024 and the 768 the smaller
 * rings left free).  0, or -1 ENOMEM with the ring unchanged.
 */
int	 stats_window_reserve(struct stats_window *, size_t);
/*
 * Grow a full ring of *cap entries of elsz bytes, the oldest at *head,
 * to twice that (at most max), the wrapped part moved to the end so that
 * the order from *head stays: the new ring, or NULL (already at max, or
 * no memory) with the old one unchanged.  For the windows here and in
 * twamp_stats.c.
 */
void	*stats_ring_grow(void *, size_t, size_t *, size_t, size_t *);
/*
 * The window_ns the owner expires with, once after init: it sets the
 * tick (0 or less: 1 ns).  Entries already held keep theirs until the
 * window is empty.
 */
void	 stats_window_span(struct stats_window *, int64_t);
void	 stats_window_free(struct stats_window *);
/* 0, or -1 EINVAL for an unknown status or a negative received RTT. */
int	 stats_window_add(struct stats_window *, const struct probe_sample *,
	    int64_t);
void	 stats_window_duplicate(struct stats_window *, int64_t);
void	 stats_window_late(struct stats_window *, int64_t);
/* Probes currently in flight; the window's sent = fates + in_flight. */
void	 stats_window_set_in_flight(struct stats_window *, uint64_t);
/*
 * Drop entries older than window_ns: now_ns - t_ns > window_ns, t_ns
 * rounded up to its tick.
 */
void	 stats_window_expire(struct stats_window *, int64_t, int64_t);
/* Same figures as stats_compute() over the entries held. 0 or -1 ENOMEM. */
int	 stats_window_compute(const struct stats_window *,
	    struct stats_result *);

/*
 * Times in 32 bits, for rings that keep many (the engine's samples): a
 * signed count of ticks of 2^shift ns from a base that is a multiple of
 * the tick.  init picks the smallest tick that puts span (what the ring
 * is expected to cover) within 2^30 ticks, so that the base moves seldom
 * (once per ~3 x 2^30 ticks).  enc fails for a time out of reach (a
 * clock step, or the base aged): the owner then calls rebase with the
 * lowest and highest times it holds and the new one, and moves each
 * held time with dec (old) and enc (new), which is exact, and cannot
 * fail.  A rebase takes the tick back down to init's when the held span
 * allows, and coarser while it does not.  A time <= 0 is STATS_NOTIME.
 */
struct stats_stime {
	int64_t		 base;		/* 0: none yet */
	uint8_t		 shift;
	uint8_t		 min_shift;	/* init's */
};
#define STATS_NOTIME	INT32_MIN

void	 stats_stime_init(struct stats_stime *, int64_t);
/* 0 with *q set, or -1: out of reach, rebase first. */
int	 stats_stime_enc(struct stats_stime *, int64_t, int32_t *);
int64_t	 stats_stime_dec(const struct stats_stime *, int32_t);
void	 stats_stime_rebase(struct stats_stime *, int64_t, int64_t);

#endif /* LOPA_STATS_H */
