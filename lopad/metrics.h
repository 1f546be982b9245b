/*
 * lopa: the Prometheus exposition of GET /metrics (DESIGN §7).
 */
#ifndef LOPA_METRICS_H
#define LOPA_METRICS_H

#include <stddef.h>
#include <stdint.h>

/*
 * GET /metrics: the Prometheus exposition (text 0.0.4, or OpenMetrics
 * 1.0.0 when the scraper asks for it).  The engine sends one row per
 * task (struct metrics_row and what follows it, packed, several rows a
 * message); control keeps the rows of one scrape and renders them
 * family by family, since a family's samples must be together.  This
 * file is pure: rows in, text out (unit-tested, fuzzed).
 */

#define METRICS_BUCKETS_MAX	32	/* configured bounds, +Inf apart */
#define METRICS_BUCKETS_DEF	20	/* 50 us x 2^n, n = 0..19 (26.2 s) */
#define METRICS_BUCKET_MIN_NS	50000

/*
 * A cumulative histogram as the engine keeps it per task: counts of
 * bucket i (not cumulative; i == nb: above the last bound) in 32 bits,
 * widened to 64 the first time one would wrap; the sum in ns.
 */
struct metrics_hist {
	int64_t		 sum_ns;
	uint64_t	*wide;		/* NULL while every count fits 32 bits */
	uint32_t	 c[];		/* nb + 1 */
};

struct metrics_hist *metrics_hist_new(uint32_t);
void	 metrics_hist_free(struct metrics_hist *);
/* Count a value against bounds[nb] (ascending, ns). */
void	 metrics_hist_add(struct metrics_hist *, const int64_t *, uint32_t,
	    int64_t);
uint64_t metrics_hist_count(const struct metrics_hist *, uint32_t);
/*
 * The bounds (ns) of metrics.*: start, then each the last's times factor,
 * n of them (at most METRICS_BUCKETS_MAX, fewer past INT64_MAX), in out;
 * how many.  The engine counts with them, control names them.
 */
uint32_t metrics_bounds(int64_t, uint32_t, uint32_t, int64_t *);

#define MR_F_UP		0x0001	/* replies in the last window (round) */
#define MR_F_TWAMP	0x0002	/* forward/backward histograms follow */
#define MR_F_HOPS	0x0004	/* fwd_hops, bwd_hops known */
#define MR_F_WINDOW	0x0008	/* jitter, ipdv: the window's */
#define MR_F_PASSIVE	0x0010	/* interface counters follow */

#define MR_IFNAMELEN	16

/* A passive task's interface, after the row's histograms. */
struct metrics_if {
	char		 name[MR_IFNAMELEN];
	uint64_t	 c[8];		/* bytes, packets, errors, drops: in, out */
};

/*
 * One task.  Followed by: nbuckets + 1 counts (uint64) of the RTT
 * histogram, cumulative (0 of them when nbuckets is 0), twice more for
 * the forward and backward delays with MR_F_TWAMP, npassive struct
 * metrics_if, then the strings: name, target, ip (each NUL-terminated)
 * and labels_len octets of labels ("name\0value\0" pairs).  len is the
 * whole, a multiple of 8.
 */
struct metrics_row {
	uint32_t	 len;
	uint32_t	 key;		/* n of "<node>-<n>" */
	uint8_t		 type;		/* enum task_type */
	uint8_t		 mode;		/* enum task_mode */
	uint8_t		 status;	/* enum task_status */
	uint8_t		 family;	/* 4, 6, 0 unknown */
	int32_t		 dscp;
	uint32_t	 flags;		/* MR_F_* */
	uint32_t	 nbuckets;
	uint32_t	 npassive;
	uint32_t	 name_len;	/* with their NULs */
	uint32_t	 target_len;
	uint32_t	 ip_len;
	uint32_t	 labels_len;
	uint32_t	 alerts_set;	/* bit per enum alert_metric */
	uint32_t	 alerts_on;	/* ... of those alerting */
	int32_t		 fwd_hops;
	int32_t		 bwd_hops;
	uint32_t	 pad;
	uint64_t	 sent;
	uint64_t	 received;
	uint64_t	 lost;
	uint64_t	 duplicates;
	uint64_t	 late;
	uint64_t	 reordered;
	int64_t		 jitter_ns;
	int64_t		 ipdv_ns;
	int64_t		 rtt_sum_ns;
	int64_t		 fwd_sum_ns;
	int64_t		 bwd_sum_ns;
};

/* A row parsed: pointers into the message. */
struct metrics_task {
	const struct metrics_row *r;
	const uint64_t	*rtt;		/* nbuckets + 1, cumulative */
	const uint64_t	*fwd;		/* NULL without MR_F_TWAMP */
	const uint64_t	*bwd;
	const struct metrics_if *ifs;
	const char	*name;
	const char	*target;
	const char	*ip;
	const char	*labels;
	size_t		 labels_len;
};

/* The room a row takes. */
size_t	 metrics_row_size(uint32_t, uint32_t, uint32_t, size_t, size_t,
	    size_t, size_t);
/*
 * Parse the row at buf (at most len octets): 0 with *t set and *used its
 * size, or -1 (malformed).
 */
int	 metrics_row_parse(const void *, size_t, struct metrics_task *,
	    size_t *);

/* A growing text buffer. */
struct mbuf {
	char		*p;
	size_t		 len;
	size_t		 cap;
	int		 failed;	/* out of memory: p is NULL */
};
void	 mbuf_add(struct mbuf *, const char *, size_t);
void	 mbuf_printf(struct mbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 mbuf_free(struct mbuf *);

/* A label value escaped for the exposition (\\, \" and \n). */
void	 metrics_escape(struct mbuf *, const char *, size_t);
/* A label name from a task label's: [a-zA-Z_][a-zA-Z0-9_]*. */
void	 metrics_label_name(struct mbuf *, const char *);

struct metrics_ctx {
	int		 openmetrics;
	const char	*node;
	const int64_t	*bounds;	/* nbounds, ns */
	uint32_t	 nbounds;
	int		 task_labels;	/* the tasks' own labels as labels */
	uint64_t	 max_series;	/* 0: no budget */
	/* the rows of the scrape */
	const struct metrics_task *tasks;
	size_t		 ntasks;
	/* what the budget left out, set by metrics_tasks_plan() */
	size_t		 nrender;	/* tasks rendered: the first ones */
	uint64_t	 series;
	char		**prefix;	/* per task, its series' labels */
	char		 le[METRICS_BUCKETS_MAX][32];	/* the bounds' */
};
/* What metrics_tasks_plan() allocated. */
void	 metrics_ctx_free(struct metrics_ctx *);

/*
 * The tasks' families, one at a time (0 .. metrics_task_families() - 1)
 * so that a big scrape goes out in parts.
 */
size_t	 metrics_task_families(void);
void	 metrics_tasks_plan(struct metrics_ctx *);
void	 metrics_task_family(struct mbuf *, const struct metrics_ctx *,
	    size_t);
/*
 * The same from task `from' on, stopping once limit octets were added:
 * the task to go on from (nrender: the family is done).  *hdr says
 * whether its HELP and TYPE are out (0 at first).
 */
size_t	 metrics_task_family_part(struct mbuf *, const struct metrics_ctx *,
	    size_t, size_t, size_t, int *);
/* The end of the exposition (OpenMetrics: "# EOF"). */
void	 metrics_end(struct mbuf *, const struct metrics_ctx *);
/* A family's HELP and TYPE lines (type: counter, gauge, histogram, info). */
void	 metrics_family(struct mbuf *, const struct metrics_ctx *,
	    const char *, const char *, const char *);
/* One sample line: name, labels as "k", "v" pairs (NULL ends), value. */
void	 metrics_sample(struct mbuf *, const char *, const char *const *,
	    double);
void	 metrics_sample_u(struct mbuf *, const char *, const char *const *,
	    uint64_t);

/* The daemon's families, from GET /api/v1/status's document. */
struct json_t;
void	 metrics_daemon(struct mbuf *, const struct metrics_ctx *,
	    struct json_t *, const char *, const char *);

#define METRICS_CT_TEXT	"text/plain; version=0.0.4; charset=utf-8"
#define METRICS_CT_OM	"application/openmetrics-text; version=1.0.0; charset=utf-8"
/* Whether an Accept header asks for OpenMetrics. */
int	 metrics_wants_openmetrics(const char *);

#endif /* LOPA_METRICS_H */
