/*
 * lopa: what TWAMP and STAMP replies tell beyond the round trip (DESIGN
 * §5, RFC 5357, RFC 8762): one-way delays, the reflector's processing
 * time, hop counts, and (with a stateful reflector) which way a lost
 * probe was lost.  Pure computation, as stats.c: the caller feeds each
 * reply once, in the order they come; the round trip, loss, duplicates
 * and the rest are stats.c's, fed with the RTT twamp_delays() gives.
 *
 * Times are integer nanoseconds since the Unix epoch.  One-way delays
 * mix two clocks, ours (T1, T4) and the reflector's (T2, T3): they are
 * signed, and may be negative when the clocks disagree; they are kept
 * and reported all the same, marked unsynchronized when an Error
 * Estimate says a clock is not (never refused for it).
 */
#ifndef LOPA_TWAMP_STATS_H
#define LOPA_TWAMP_STATS_H

#include <stddef.h>
#include <stdint.h>

/* One reply, as the sender saw it. */
struct twamp_obs {
	uint32_t	 seq;		/* the sender's sequence number */
	uint32_t	 rseq;		/* the reflector's */
	int64_t		 t1;		/* our send (kernel TX stamp if any) */
	int64_t		 t2;		/* the reflector's receive, its clock */
	int64_t		 t3;		/* the reflector's send, its clock */
	int64_t		 t4;		/* our receive */
	int		 sent_ttl;	/* what we sent with (255) */
	int		 sender_ttl;	/* what the reflector saw; -1 unknown */
	int		 reply_ttl;	/* the reply's, as received; -1 unknown */
	int		 unsync;	/* an Error Estimate's S bit is clear */
};

/* twamp_delays.flags */
#define TWD_RTT_NEGATIVE	0x01	/* T3 - T2 > T4 - T1: RTT set to 0 */
#define TWD_PROC_NEGATIVE	0x02	/* T3 < T2: the reflector's clock */

/* What one reply gives. */
struct twamp_delays {
	int64_t		 rtt;		/* (T4 - T1) - (T3 - T2), >= 0 */
	int64_t		 fwd;		/* T2 - T1 */
	int64_t		 bwd;		/* T4 - T3 */
	int64_t		 proc;		/* T3 - T2 */
	int		 fwd_hops;	/* sent_ttl - sender_ttl; -1 unknown */
	int		 bwd_hops;	/* from reply_ttl; -1 unknown */
	int		 flags;		/* TWD_* */
};

/*
 * The figures of one reply.  The backward hop count assumes the
 * reflector sent with 255, as RFC 5357 and RFC 8762 have it, or else
 * with the next of 128 and 64 above the TTL seen (reflectors that leave
 * the system default): a guess for those, exact for conformant ones.
 * Differences that overflow int64 saturate.
 */
void	 twamp_delays(const struct twamp_obs *, struct twamp_delays *);

/* A distribution of signed delays. */
struct delay_acc {
	uint64_t	 n;
	int64_t		 min;
	int64_t		 max;
	double		 mean;		/* Welford */
	double		 m2;
	int		 have_prev;
	int64_t		 prev;
	double		 jit_sum;	/* sum |d_i - d_i-1| */
	uint64_t	 jit_n;
	int		 nokeep;	/* keep no values: no percentiles */
	int64_t		*v;		/* values, for the percentiles */
	size_t		 nv;
	size_t		 cap;
};

struct delay_result {
	uint64_t	 n;
	int64_t		 min;
	int64_t		 avg;
	int64_t		 max;
	int64_t		 stddev;	/* population */
	int64_t		 p50;		/* nearest rank */
	int64_t		 p99;
	int64_t		 jitter;	/* mean |d_i - d_i-1| */
};

/* Everything the replies of a round, a task or a window tell. */
struct twamp_acc {
	struct delay_acc fwd;
	struct delay_acc bwd;
	struct delay_acc proc;
	uint64_t	 replies;
	uint64_t	 unsync;	/* replies with a clock unsynchronized */
	uint64_t	 rtt_negative;	/* TWD_RTT_NEGATIVE */
	int		 fwd_hops;	/* of the last reply; -1 unknown */
	int		 bwd_hops;
	int		 fwd_hops_min, fwd_hops_max;	/* -1 unknown */
	int		 bwd_hops_min, bwd_hops_max;
	/* The reflector's sequence numbers against ours. */
	uint64_t	 rseq_differs;	/* replies with rseq != seq */
	int		 have_seq;
	uint32_t	 seq_min, seq_max;
	uint32_t	 rseq_min, rseq_max;
};

/* twamp_result.reflector */
#define TWAMP_REFL_UNKNOWN	0	/* no reply yet */
#define TWAMP_REFL_STATELESS	1	/* every rseq == seq (or no loss yet) */
#define TWAMP_REFL_STATEFUL	2	/* its own counter */

struct twamp_result {
	struct delay_result fwd;
	struct delay_result bwd;
	struct delay_result proc;
	uint64_t	 replies;
	uint64_t	 unsync;
	int		 unsynchronized;	/* unsync > 0 */
	uint64_t	 rtt_negative;
	int		 fwd_hops, bwd_hops;		/* last; -1 unknown */
	int		 fwd_hops_min, fwd_hops_max;
	int		 bwd_hops_min, bwd_hops_max;
	int		 reflector;		/* TWAMP_REFL_* */
	/*
	 * Stateful reflector only (RFC 8762 §4.2.2), between the first and
	 * the last reply: probes the reflector never saw, and replies that
	 * never came back.  Probes after the last reply are not split.
	 */
	uint64_t	 fwd_lost;
	uint64_t	 bwd_lost;
};

void	 twamp_acc_init(struct twamp_acc *);
void	 twamp_acc_free(struct twamp_acc *);
/* Keep no values (a task that never ends: its window has them). */
void	 twamp_acc_nokeep(struct twamp_acc *);
/*
 * One reply (a duplicate is not one).  0, or -1 (ENOMEM: its values
 * could not be kept for the percentiles; everything else counted).
 */
int	 twamp_acc_add(struct twamp_acc *, const struct twamp_obs *,
	    const struct twamp_delays *);
/*
 * Fill every figure.  0, or -1 (ENOMEM for the sorted copies) with the
 * percentiles left 0.
 */
int	 twamp_compute(const struct twamp_acc *, struct twamp_result *);

/*
 * Sliding window of replies (a continuous task's, beside stats.c's
 * stats_window): a ring of at most `max' replies in the order they came,
 * each with the time the caller gives (monotonic ns).  It starts small
 * and doubles up to max; full at max (or out of memory), the oldest
 * reply is dropped (counted).  twamp_window_compute() feeds what it
 * holds to an accumulator: every figure, percentiles and the stateful
 * reflector's losses included, is that of the replies in the window.
 */
#define TWW_UNSYNC	0x01
#define TWW_RTT_NEG	0x02
#define TWW_NONCONF	0x04	/* the caller's: counted in *nonconf */

/* 48 bytes a reply. */
struct twamp_wentry {
	int64_t		 t;
	int64_t		 fwd, bwd, proc;
	uint32_t	 seq, rseq;
	int16_t		 fwd_hops, bwd_hops;	/* -1 unknown */
	uint8_t		 flags;		/* TWW_* */
};

struct twamp_window {
	struct twamp_wentry *ring;
	size_t		 head;		/* oldest */
	size_t		 len;
	size_t		 cap;
	size_t		 max;
	uint64_t	 dropped;	/* full at max: oldest dropped */
};

/* 0, or -1 (EINVAL when max is 0, ENOMEM). */
int	 twamp_window_init(struct twamp_window *, size_t);
void	 twamp_window_free(struct twamp_window *);
/* One reply at t_ns; flags TWW_NONCONF or 0.  0, or -1 (dropped one). */
int	 twamp_window_add(struct twamp_window *, int64_t,
	    const struct twamp_obs *, const struct twamp_delays *, int);
/* Drop replies older than window_ns: now_ns - t > window_ns. */
void	 twamp_window_expire(struct twamp_window *, int64_t, int64_t);
/*
 * The figures of the replies held, and how many were nonconformant
 * (nonconf may be NULL).  0, or -1 (ENOMEM) with percentiles left 0.
 */
int	 twamp_window_compute(const struct twamp_window *,
	    struct twamp_result *, uint64_t *);

#endif /* LOPA_TWAMP_STATS_H */
