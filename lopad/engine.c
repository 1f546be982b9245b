/*
 * lopad: the engine process.  It owns the tasks: their life cycle, their
 * rounds and schedules at the task level, and their statistics (DESIGN §4,
 * §5).  The sender owns the timing of each probe: the engine starts a
 * session per round (or one per address for a continuous task) and the
 * sender streams back what happened to every probe.
 *
 *   pending --RESOLVED--> running --last round / duration over--> finished
 *   pending, running --stop--> stopped;  any --error--> failed
 *
 * A continuous task whose name does not resolve stays pending and retries;
 * a count or duration task fails.  A continuous task re-resolves its name
 * every resolve_interval (or at the DNS TTL when that is shorter); a new
 * address ends the current round and starts the next on the new address,
 * while the window continues.
 *
 * Statistics: `total' over the whole task, one accumulator per round, and
 * for continuous tasks a sliding window (stats.c).  A continuous task's
 * total keeps no RTTs (its memory must not grow with its age), so its
 * percentiles and IPDV are 0: the window has them.  Memory is bounded: a ring
 * of the newest samples per task (limits.samples), a global budget of RTT
 * and window entries reserved when a task starts (limits.sample_memory;
 * a window reserves its most but is allocated as it fills), at most
 * limits.max live tasks and limits.retain finished ones (the oldest
 * finished is evicted first).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "engine.h"
#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "proc.h"
#include "export.h"
#include "metrics.h"
#include "stats.h"
#include "task.h"
#include "state.h"
#include "twamp_stats.h"

#define NS			(1000LL * 1000 * 1000)
#define ENG_WIN_MAX		(1U << 20)	/* window entries per task */
#define ENG_RETRY_MIN		(1 * NS)	/* resolve retry backoff */
#define ENG_RETRY_MAX		(60 * NS)

struct task;

struct session {
	RB_ENTRY(session)	 entry;
	uint32_t		 sid;
	struct task		*task;	/* NULL once detached (stopped) */
};

/*
 * A sample as a task's ring keeps it: 16 bytes rather than the 64 of a
 * probe_result, since a task holds limits.samples of them.  The send
 * time is a signed count of ticks from the ring's base (stats_stime:
 * exact while the ring spans up to a second, 128 ns at 1 probe/s;
 * TWAMP and STAMP keep the exact T1 in their own record).  The RTT is
 * clamped to 40 bits (+-549 s, far beyond any timeout); a sample that is
 * no answer has no RTT, and keeps its MTU (too big) or errno (error)
 * there instead.  The small enums and the flags take the bits their ranges
 * need (asserted below).  The address (the target, or a router
 * reporting an error) is an index into a small per-task table: few
 * distinct ones appear among a task's recent samples.
 */
struct sample_rec {
	int32_t		 t;		/* send time, ticks of ring_time */
	uint32_t	 seq;
	int64_t		 rtt_ns:40;	/* SAMPLE_RTT_MIN..MAX; or the aux */
	uint64_t	 ttl:8;
	uint64_t	 kind:3;	/* enum probe_kind */
	uint64_t	 status:4;	/* enum probe_status */
	uint64_t	 tsrc:3;	/* enum ts_source */
	uint64_t	 from:4;	/* 0 none; else froms[from - 1] */
	uint64_t	 flags:2;	/* PROBE_F_* */
};
#define SAMPLE_RTT_MAX		((INT64_C(1) << 39) - 1)
#define SAMPLE_RTT_MIN		(-SAMPLE_RTT_MAX - 1)
/* Where the RTT field holds the MTU or the errno instead. */
#define SAMPLE_AUX(st)		((st) == PROBE_TOO_BIG || (st) == PROBE_ERROR)
#define ENG_FROMS		8	/* addresses a task's ring can name */

_Static_assert(sizeof(struct sample_rec) == 16, "sample_rec is 16 bytes");
_Static_assert(sizeof(struct task_info) <= RESULTS_MAX &&
    sizeof(struct task_round) <= RESULTS_MAX, "a task fits one message");
_Static_assert(PROBE_K_LATE < 8, "probe_kind fits sample_rec.kind");
_Static_assert(PROBE_NSTATUS <= 16, "probe_status fits sample_rec.status");
_Static_assert(TS_MAX <= 8, "ts_source fits sample_rec.tsrc");
_Static_assert(ENG_FROMS <= 15, "an address index fits sample_rec.from");
_Static_assert(((PROBE_F_CLOCK_STEP | PROBE_F_FOREIGN_SRC) >> 2) == 0,
    "PROBE_F_* fit sample_rec.flags");

/* A finished round as the engine keeps it (task_round without twamp). */
struct eng_round {
	uint32_t		 index;
	int64_t			 t_from;
	int64_t			 t_to;
	struct stats_result	 stats;
};

/*
 * What a twamp or stamp task keeps beyond the others (only they have
 * one: a ping task does not grow): the one-way statistics of the total
 * and the current round (twamp_stats.c), those of the finished rounds
 * beside t->rounds, and a reply's figures beside each sample of the ring
 * (40 bytes each, at the same index), with the exact T1.
 */
struct eng_tw_rec {
	int64_t			 t1, t2, t3, t4;
	uint32_t		 rseq;
	uint8_t			 sender_ttl;
	int8_t			 fwd_hops;
	int8_t			 bwd_hops;
	uint8_t			 twflags;	/* PROBE_TW_*; 0 none */
};
_Static_assert(sizeof(struct eng_tw_rec) == 40, "eng_tw_rec is 40 bytes");

struct eng_twamp {
	uint32_t		 ssid;
	uint32_t		 imix;		/* padding -1 */
	uint32_t		 ntlvs;		/* stamp: TLVs sent */
	struct task_tlv		 tlvs[TASK_MAXTLVS];
	int			 sent_ttl;	/* what the probes leave with */
	struct twamp_acc	 total;
	struct twamp_acc	 racc;		/* current round */
	uint64_t		 nonconf;	/* total */
	uint64_t		 rnonconf;	/* current round */
	struct task_twamp	 final;		/* frozen total */
	struct task_twamp	*rounds;	/* rounds_cap, as t->rounds */
	/*
	 * Each round is a session of its own (a new source port; with
	 * TWAMP-Control a new session), which a stateful reflector may
	 * number from 0 again: the total's forward and backward losses are
	 * the sums of the rounds', right whether it restarts or not.
	 */
	uint64_t		 done_fwd_lost;	/* finished rounds */
	uint64_t		 done_bwd_lost;
	struct eng_tw_rec	*ring;		/* ring_cap, as t->ring */
	struct metrics_hist	*fwd_hist;	/* GET /metrics; NULL none yet */
	struct metrics_hist	*bwd_hist;
	/* Continuous: the one-way figures of the window (t->win's span). */
	struct twamp_window	 win;
	struct task_twamp	 final_win;	/* frozen window */
	/* stamp with TLVs: the replies' (task_twamp's tlv_* fields). */
	struct task_twamp	 tlv;
};

/*
 * A task's parameters as the engine keeps them: task_params without its
 * fixed string buffers, 1.3 KB a task and nearly all of it unused.  The
 * names are task_params', so t->p.x reads as it did; the strings point
 * into the task's own allocation (task_new), or at a shared "" when
 * empty.  A field added to task_params goes here too, and into
 * task_new() and params_export().
 */
struct eng_params {
	const char	*target;
	const char	*host;
	const char	*name;
	const char	*source_ip;
	const char	*interface;
	const char	*alert_callback_url;
	const char	*labels;	/* packed, labels_len octets */
	uint32_t	 labels_len;
	int64_t		 round_delay_ns;
	int64_t		 interval_ns;
	int64_t		 timeout_ns;
	int64_t		 duration_ns;
	int64_t		 window_ns;
	int64_t		 resolve_interval_ns;
	int64_t		 latency_threshold_ns;
	double		 loss_threshold;
	uint32_t	 type;
	uint32_t	 mode;
	uint32_t	 port;
	uint32_t	 count;
	uint32_t	 rounds;
	uint32_t	 packet_size;
	int32_t		 dscp;
	int32_t		 ttl;
	uint32_t	 pmtu;
	uint32_t	 ip_version;
	uint32_t	 control;	/* twamp: TWAMP-Control */
	uint32_t	 receiver_port;
	uint32_t	 no_histograms;
};

/*
 * A passive task: no probe, a read of its interfaces' counters every
 * interval (the netlink process dumps the links for it).  The deltas of
 * each interval go to the totals, and to a round (duration) or the
 * window (continuous); a counter that went back (a reset) counts from
 * zero; an interface that is gone makes no delta until it is back.
 */
struct pv_ival {
	uint32_t		 index;
	int64_t			 from, to;	/* realtime */
	int64_t			 mono;		/* its end */
	int64_t			 dt;		/* ns */
	uint64_t		 d[TASK_MAXIFACES][PC_MAX];
};

struct eng_passive {
	struct event		*tick;
	uint32_t		 seq;		/* reads asked */
	uint32_t		 final_seq;	/* duration: the last read */
	uint32_t		 n;
	char			 names[TASK_MAXIFACES][TASK_IFNAMELEN];
	uint8_t			 have_prev[TASK_MAXIFACES];
	uint64_t		 prev[TASK_MAXIFACES][PC_MAX];
	uint32_t		 prev_carrier[TASK_MAXIFACES];
	int64_t			 prev_mono, prev_real;	/* 0: none yet */
	int64_t			 start_mono;
	struct task_passive	 res;
	struct pv_ival		*iv;		/* rounds, or the window */
	uint32_t		 cap, head, len;
};

/*
 * A continuous task's thresholds: its rules and their state machines,
 * allocated only for a task that has some.
 */
struct eng_rule {
	struct alert_rule	 rule;
	struct alert_sm		 sm;
	uint32_t		 metric;	/* enum alert_metric */
};

struct eng_alerts {
	char			*secret;	/* webhook_secret; NULL none */
	uint32_t		 needs;		/* ENG_AL_*: figures needed */
	uint32_t		 n;		/* rules set, by metric */
	struct eng_rule		 r[];
};
#define ENG_AL_TWAMP	0x01		/* the window's twamp_result */

struct task {
	RB_ENTRY(task)		 entry;
	TAILQ_ENTRY(task)	 done_entry;	/* final tasks, oldest first */
	const char		*id;		/* "<node>-<n>", in strs */
	uint32_t		 key;		/* n of "<node>-<n>" */
	uint32_t		 status;
	struct eng_params	 p;
	char			*error;		/* NULL: none */
	int64_t			 t_created, t_started, t_finished, t_updated;

	/* Target address. */
	int			 literal;	/* host is an address */
	struct task_addr	 addr;
	uint32_t		 resolve_gen;
	int			 resolving;
	int64_t			 retry_ns;
	struct event		*resolve_ev;
	uint64_t		 resolves;	/* address changes */

	/* Current session and round. */
	struct session		*sess;
	struct event		*round_ev;	/* round_delay; NULL until needed */
	uint32_t		 round;		/* current, from 1; 0 none */
	uint32_t		 next_seq;
	int64_t			 round_from;
	uint64_t		 in_flight;	/* total */
	uint64_t		 round_in_flight;

	/* Statistics. */
	struct stats_acc	 total;
	struct stats_acc	*racc;		/* current round: task_racc() */
	struct eng_round	*rounds;	/* finished rounds */
	uint32_t		 nrounds;
	uint32_t		 rounds_cap;
	struct stats_window	 win;
	uint64_t		 budget;	/* bytes reserved */
	uint64_t		 clock_steps;
	struct stats_result	*final;		/* frozen: total, window */
	uint32_t		 tsrc;
	uint8_t			 has_win;
	uint8_t			 frozen;	/* final: figures in final */
	uint8_t			 nfroms;	/* grows to ENG_FROMS */
	uint8_t			 saved;		/* in the state file */
	uint8_t			 from_config;	/* declared in tasks: */
	uint32_t		 subscribers;

	/* Recent samples, compact; their addresses in froms. */
	uint32_t		 ring_cap;	/* limits.samples at creation */
	uint32_t		 ring_head;	/* oldest */
	uint32_t		 ring_len;
	struct stats_stime	 ring_time;	/* ring[].t's clock */
	struct eng_twamp	*tw;		/* twamp, stamp; else NULL */
	struct eng_alerts	*al;		/* thresholds; else NULL */
	struct eng_passive	*pv;		/* passive; else NULL */
	struct sample_rec	*ring;
	struct task_addr	*froms;
	struct metrics_hist	*hist;		/* RTTs, GET /metrics; NULL none */
	int64_t			 exp_next;	/* continuous: next export, mono */
	uint32_t		 exp_index;	/* windows exported */

	char			 strs[];	/* id, then p's strings */
};

/* A task's error text, "" when none. */
#define TASK_ERR(t)	((t)->error != NULL ? (t)->error : "")

RB_HEAD(task_tree, task);
RB_HEAD(session_tree, session);
TAILQ_HEAD(task_list, task);

static int	task_cmp(struct task *, struct task *);
static int	session_cmp(struct session *, struct session *);
RB_PROTOTYPE(task_tree, task, entry, task_cmp);
RB_GENERATE(task_tree, task, entry, task_cmp);
RB_PROTOTYPE(session_tree, session, entry, session_cmp);
RB_GENERATE(session_tree, session, entry, session_cmp);

static struct task_tree		 eng_tasks = RB_INITIALIZER(&eng_tasks);
static struct session_tree	 eng_sessions = RB_INITIALIZER(&eng_sessions);
static struct task_list		 eng_done = TAILQ_HEAD_INITIALIZER(eng_done);
static uint32_t			 eng_next_key;	/* see engine_key_take() */
static uint32_t			 eng_next_sid = 1;
static uint32_t			 eng_live;	/* tasks not final */
static uint32_t			 eng_ndone;
static uint64_t			 eng_budget_used;
static char			 eng_node[TASK_IDLEN - 16];

static void	task_start_round(struct task *);
static void	eng_trim_soon(void);
static void	task_resolve(struct task *);
static void	sample_time_init(struct task *);
static void	engine_metrics(struct imsg *);
static void	export_send(struct task *, uint32_t, uint32_t, int64_t,
		    int64_t, const struct stats_result *,
		    const struct task_twamp *);
static void	export_window(struct task *, int64_t);
struct pv_ival;
static void	export_passive(struct task *, const struct pv_ival *);
static void	export_probe(const struct task *, const struct probe_result *);
static void	export_probes_flush(evutil_socket_t, short, void *);

static int
task_cmp(struct task *a, struct task *b)
{
	return ((a->key > b->key) - (a->key < b->key));
}

static int
session_cmp(struct session *a, struct session *b)
{
	return ((a->sid > b->sid) - (a->sid < b->sid));
}

static int64_t
now_real(void)
{
	return proc_clock_ns(CLOCK_REALTIME);
}

static int64_t
now_mono(void)
{
	return proc_clock_ns(CLOCK_MONOTONIC);
}

/* "<node>-<n>": the key is n; the whole id must match too. */
uint32_t
engine_key_of(const char *id)
{
	const char	*dash;
	char		*end;
	unsigned long	 n;

	if ((dash = strrchr(id, '-')) == NULL || dash[1] == '\0' ||
	    dash[1] < '0' || dash[1] > '9')
		return (0);
	errno = 0;
	n = strtoul(dash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || n == 0 || n > UINT32_MAX)
		return (0);
	return ((uint32_t)n);
}

const char *
engine_node(void)
{
	return (eng_node);
}

static struct task *
task_find(const char *id)
{
	struct task	 k, *t;

	if ((k.key = engine_key_of(id)) == 0)
		return (NULL);
	if ((t = RB_FIND(task_tree, &eng_tasks, &k)) == NULL)
		return (NULL);
	if (strcmp(t->id, id) != 0)
		return (NULL);
	return (t);
}

static struct task *
task_by_key(uint32_t key)
{
	struct task	 k;

	k.key = key;
	return (RB_FIND(task_tree, &eng_tasks, &k));
}

static void
reply_end(uint32_t reqid, uint32_t status, const char *id, const char *fmt,
    ...) __attribute__((__format__(__printf__, 4, 5)));

static void
reply_end(uint32_t reqid, uint32_t status, const char *id, const char *fmt,
    ...)
{
	struct task_reply	 r;
	va_list			 ap;

	memset(&r, 0, sizeof(r));
	r.status = status;
	if (id != NULL)
		strlcpy(r.id, id, sizeof(r.id));
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(r.detail, sizeof(r.detail), fmt, ap);
		va_end(ap);
	}
	proc_compose(PROC_CONTROL, IMSG_TASK_END, 0, reqid, -1, &r, sizeof(r));
}

static void
emit_state(struct task *t, uint32_t reqid)
{
	struct task_event	 ev;

	memset(&ev, 0, sizeof(ev));
	strlcpy(ev.id, t->id, sizeof(ev.id));
	ev.kind = TASK_EV_STATE;
	ev.status = t->status;
	strlcpy(ev.error, TASK_ERR(t), sizeof(ev.error));
	proc_compose(PROC_CONTROL, IMSG_TASK_EVENT, 0, reqid, -1, &ev,
	    sizeof(ev));
}

static void
emit_probe(struct task *t, const struct probe_result *pr, uint32_t reqid)
{
	struct task_event	 ev;

	memset(&ev, 0, sizeof(ev));
	strlcpy(ev.id, t->id, sizeof(ev.id));
	ev.kind = TASK_EV_PROBE;
	ev.status = t->status;
	ev.sample = *pr;
	proc_compose(PROC_CONTROL, IMSG_TASK_EVENT, 0, reqid, -1, &ev,
	    sizeof(ev));
}

/* Set (or, with NULL or "", clear) a task's error text. */
static void
task_error(struct task *t, const char *err)
{
	free(t->error);
	t->error = NULL;
	if (err != NULL && err[0] != '\0' &&
	    (t->error = strndup(err, LOPA_ERRLEN - 1)) == NULL)
		log_warn("task %s: error text", t->id);
}

static void
task_set_status(struct task *t, uint32_t status, const char *err)
{
	if (t->status == status)
		return;
	if (!task_is_final(t->status) && task_is_final(status)) {
		eng_live--;
		t->t_finished = now_real();
		TAILQ_INSERT_TAIL(&eng_done, t, done_entry);
		eng_ndone++;
		/* Ended (stopped, failed, deleted): not restored again. */
		if (t->saved) {
			proc_compose(PROC_PARENT, IMSG_STATE_DEL, 0, 0, -1,
			    &t->key, sizeof(t->key));
			t->saved = 0;
		}
	}
	t->status = status;
	if (err != NULL)
		task_error(t, err);
	t->t_updated = now_real();
	if (status == TASK_FAILED)
		log_warnx("task %s (%s %s) failed: %s", t->id,
		    task_type_name(t->p.type), t->p.target, TASK_ERR(t));
	else
		log_debug("task %s: %s", t->id, task_status_name(status));
	emit_state(t, 0);
}

/* Bytes of sample memory a task reserves when it starts. */
static uint64_t
task_budget_need(const struct task *t, size_t *wcap)
{
	uint64_t	 n;

	*wcap = 0;
	switch (t->p.mode) {
	case TASK_COUNT:
		n = (uint64_t)t->p.count * t->p.rounds;
		/* total + round; twamp: forward, backward, processing too */
		return (n * (sizeof(struct stats_rtt) +
		    (t->tw != NULL ? 3 * sizeof(int64_t) : 0)) * 2);
	case TASK_DURATION:
		n = (uint64_t)(t->p.duration_ns / t->p.interval_ns) + 2;
		return (n * (sizeof(struct stats_rtt) +
		    (t->tw != NULL ? 3 * sizeof(int64_t) : 0)) * 2);
	case TASK_CONTINUOUS:
		n = (uint64_t)(t->p.window_ns / t->p.interval_ns);
		n += n / 8 + 16;	/* fates, duplicates, late replies */
		if (n > ENG_WIN_MAX)
			n = ENG_WIN_MAX;
		*wcap = (size_t)n;
		/* twamp: a reply's one-way figures beside each entry */
		return (n * (sizeof(struct stats_wentry) +
		    (t->tw != NULL ? sizeof(struct twamp_wentry) : 0)));
	}
	return (0);
}

static void	 passive_free(struct eng_passive *);
static void	 passive_alerts_eval(struct task *);
static void	 alert_notify(struct task *, const struct eng_rule *,
		    enum alert_note, const struct stats_result *,
		    const struct twamp_result *);
static uint32_t	 passive_snapshot(struct task *, struct task_info *);
static uint32_t	 passive_rounds(struct task *);
static void	 passive_round(struct task *, uint32_t, struct task_round *);

/*
 * GET /metrics: the histograms' bounds (ns), metrics.bucket_start times
 * bucket_factor^n; none when metrics.histograms is false.  A task's
 * histograms begin with its first value; a reload that changes the
 * bounds starts every histogram anew (a counter reset for Prometheus).
 */
static int64_t		 eng_bounds[METRICS_BUCKETS_MAX];
static uint32_t		 eng_nbounds;

static void
eng_hist_add(const struct task *t, struct metrics_hist **h, int64_t v)
{
	if (eng_nbounds == 0 || t->p.no_histograms)
		return;
	if (*h == NULL && (*h = metrics_hist_new(eng_nbounds)) == NULL)
		return;
	metrics_hist_add(*h, eng_bounds, eng_nbounds, v);
}

/*
 * The current round's accumulator.  A continuous task's first round is
 * its total (both saw every probe): it has one of its own only from a
 * second session on.
 */
static struct stats_acc *
task_racc(struct task *t)
{
	return t->racc != NULL ? t->racc : &t->total;
}

static void
task_racc_free(struct task *t)
{
	if (t->racc == NULL)
		return;
	stats_acc_free(t->racc);
	free(t->racc);
	t->racc = NULL;
}

static void
task_free(struct task *t)
{
	if (t->sess != NULL) {
		t->sess->task = NULL;
		t->sess = NULL;
	}
	if (t->resolve_ev != NULL)
		event_free(t->resolve_ev);
	if (t->round_ev != NULL)
		event_free(t->round_ev);
	stats_acc_free(&t->total);
	task_racc_free(t);
	if (t->has_win && !t->frozen)
		stats_window_free(&t->win);
	free(t->rounds);
	free(t->ring);
	free(t->froms);
	if (t->tw != NULL) {
		twamp_acc_free(&t->tw->total);
		twamp_acc_free(&t->tw->racc);
		twamp_window_free(&t->tw->win);
		free(t->tw->rounds);
		free(t->tw->ring);
		metrics_hist_free(t->tw->fwd_hist);
		metrics_hist_free(t->tw->bwd_hist);
		free(t->tw);
	}
	metrics_hist_free(t->hist);
	if (t->al != NULL) {
		if (t->al->secret != NULL)
			freezero(t->al->secret, strlen(t->al->secret));
		free(t->al);
	}
	passive_free(t->pv);
	free(t->final);
	free(t->error);
	eng_budget_used -= t->budget;
	free(t);		/* and its strs: id, parameters */
}

static void
task_remove(struct task *t)
{
	RB_REMOVE(task_tree, &eng_tasks, t);
	if (t->saved) {
		proc_compose(PROC_PARENT, IMSG_STATE_DEL, 0, 0, -1, &t->key,
		    sizeof(t->key));
		t->saved = 0;
	}
	if (task_is_final(t->status)) {
		TAILQ_REMOVE(&eng_done, t, done_entry);
		eng_ndone--;
	} else
		eng_live--;
	task_free(t);
}

static void
task_evict(void)
{
	struct task	*t;

	while (eng_ndone > proc_conf->tasks_retain &&
	    (t = TAILQ_FIRST(&eng_done)) != NULL) {
		log_debug("task %s evicted (limits.retain)", t->id);
		task_remove(t);
	}
}

/* The figures of a twamp accumulator as they travel. */
static void
twamp_export(const struct twamp_acc *a, uint64_t nonconf,
    struct task_twamp *out)
{
	memset(out, 0, sizeof(*out));
	out->valid = 1;
	out->nonconformant = nonconf;
	if (twamp_compute(a, &out->r) == -1)
		log_warn("twamp percentiles");
}

/* The TLV figures of a stamp task with TLVs, for its total. */
static void
twamp_export_tlv(const struct eng_twamp *tw, struct task_twamp *out)
{
	if (tw->ntlvs == 0)
		return;
	out->tlvs = 1;
	out->tlv_unrecognized = tw->tlv.tlv_unrecognized;
	out->tlv_malformed = tw->tlv.tlv_malformed;
	out->has_tsinfo = tw->tlv.has_tsinfo;
	memcpy(out->tsinfo, tw->tlv.tsinfo, sizeof(out->tsinfo));
	out->has_cos = tw->tlv.has_cos;
	out->cos_dscp2 = tw->tlv.cos_dscp2;
	out->cos_ecn = tw->tlv.cos_ecn;
	out->cos_rp = tw->tlv.cos_rp;
}

/* The window's one-way figures. */
static void
twamp_export_window(const struct eng_twamp *tw, struct task_twamp *out)
{
	memset(out, 0, sizeof(*out));
	out->valid = 1;
	if (twamp_window_compute(&tw->win, &out->r, &out->nonconformant) == -1)
		log_warn("twamp window percentiles");
}

/* The total; with a stateful reflector, the rounds' losses summed. */
static void
twamp_export_total(struct eng_twamp *tw, struct task_twamp *out)
{
	struct twamp_result	 cur;

	twamp_export(&tw->total, tw->nonconf, out);
	twamp_export_tlv(tw, out);
	if (out->r.reflector != TWAMP_REFL_STATEFUL)
		return;
	if (twamp_compute(&tw->racc, &cur) == -1)
		log_warn("twamp percentiles");
	out->r.fwd_lost = tw->done_fwd_lost;
	out->r.bwd_lost = tw->done_bwd_lost;
	if (cur.reflector == TWAMP_REFL_STATEFUL) {
		out->r.fwd_lost += cur.fwd_lost;
		out->r.bwd_lost += cur.bwd_lost;
	}
}

static void
twamp_freeze(struct eng_twamp *tw)
{
	twamp_export_total(tw, &tw->final);
	twamp_acc_free(&tw->total);
	twamp_acc_free(&tw->racc);
	twamp_acc_init(&tw->total);
	twamp_acc_init(&tw->racc);
}

/*
 * A final task keeps its figures, computed once, and frees its RTT arrays
 * and window: retained tasks cost a few hundred bytes each.
 */
static void
task_freeze(struct task *t)
{
	if ((t->final = calloc(2, sizeof(*t->final))) == NULL)
		log_warn("task %s: keeping its figures", t->id);
	else if (stats_compute(&t->total, &t->final[0]) == -1)
		log_warn("task %s: percentiles", t->id);
	if (t->final != NULL)
		t->final[0].in_flight = t->in_flight;
	stats_acc_free(&t->total);
	task_racc_free(t);
	if (t->tw != NULL) {
		twamp_freeze(t->tw);
	}
	if (t->has_win && t->tw != NULL) {
		twamp_window_expire(&t->tw->win, now_mono(), t->p.window_ns);
		twamp_export_window(t->tw, &t->tw->final_win);
		twamp_window_free(&t->tw->win);
	}
	if (t->has_win) {
		stats_window_expire(&t->win, now_mono(), t->p.window_ns);
		stats_window_set_in_flight(&t->win, t->in_flight);
		if (t->final != NULL &&
		    stats_window_compute(&t->win, &t->final[1]) == -1)
			log_warn("task %s: window percentiles", t->id);
		stats_window_free(&t->win);
	}
	t->frozen = 1;
	eng_budget_used -= t->budget;
	t->budget = 0;
}

/* Stop the sender's session, if any; its late results are dropped. */
static void
task_detach_session(struct task *t)
{
	if (t->sess == NULL)
		return;
	proc_compose(PROC_SENDER, IMSG_SESSION_STOP, t->sess->sid, 0, -1,
	    NULL, 0);
	t->sess->task = NULL;
	t->sess = NULL;
}

static int
round_grow(struct task *t)
{
	struct eng_round	*r;
	struct task_twamp	*tr;
	uint32_t		 ncap;

	if (t->nrounds < t->rounds_cap)
		return (0);
	ncap = t->rounds_cap == 0 ? 4 : t->rounds_cap * 2;
	if (t->tw != NULL) {
		if ((tr = reallocarray(t->tw->rounds, ncap,
		    sizeof(*tr))) == NULL)
			return (-1);
		t->tw->rounds = tr;
	}
	if ((r = reallocarray(t->rounds, ncap, sizeof(*r))) == NULL)
		return (-1);
	t->rounds = r;
	t->rounds_cap = ncap;
	return (0);
}

/* Close the current round: compute its figures and free its RTTs. */
static void
task_end_round(struct task *t)
{
	struct eng_round	*r;
	struct task_twamp	*tr;
	struct twamp_result	 rr;

	if (t->round == 0 || t->round_from == 0)
		return;
	/* twamp: the round's figures, for the round and the loss split. */
	if (t->tw != NULL && twamp_compute(&t->tw->racc, &rr) == -1)
		log_warn("twamp percentiles");
	if (round_grow(t) == -1) {
		log_warn("task %s: round %u not kept", t->id, t->round);
	} else {
		r = &t->rounds[t->nrounds++];
		memset(r, 0, sizeof(*r));
		r->index = t->round;
		r->t_from = t->round_from;
		r->t_to = now_real();
		if (stats_compute(task_racc(t), &r->stats) == -1)
			log_warn("task %s: round %u percentiles", t->id,
			    t->round);
		r->stats.in_flight = t->round_in_flight;
		tr = NULL;
		if (t->tw != NULL) {
			tr = &t->tw->rounds[t->nrounds - 1];
			memset(tr, 0, sizeof(*tr));
			tr->valid = 1;
			tr->nonconformant = t->tw->rnonconf;
			tr->r = rr;
		}
		if (t->p.mode != TASK_CONTINUOUS)
			export_send(t, EXPORT_ROUND, r->index, r->t_from,
			    r->t_to, &r->stats, tr);
	}
	if (t->racc != NULL) {
		stats_acc_free(t->racc);
		stats_acc_init(t->racc);
		if (t->p.mode == TASK_CONTINUOUS)
			stats_acc_nokeep(t->racc);
	}
	if (t->tw != NULL) {
		if (rr.reflector == TWAMP_REFL_STATEFUL) {
			t->tw->done_fwd_lost += rr.fwd_lost;
			t->tw->done_bwd_lost += rr.bwd_lost;
		}
		twamp_acc_free(&t->tw->racc);
		twamp_acc_init(&t->tw->racc);
		if (t->p.mode == TASK_CONTINUOUS)
			twamp_acc_nokeep(&t->tw->racc);
		t->tw->rnonconf = 0;
	}
	t->round_from = 0;
	t->round_in_flight = 0;
}

static void
task_finish(struct task *t, uint32_t status, const char *err)
{
	task_detach_session(t);
	task_end_round(t);
	if (t->pv != NULL)
		event_del(t->pv->tick);
	if (t->round_ev != NULL)
		evtimer_del(t->round_ev);
	if (t->resolve_ev != NULL)
		evtimer_del(t->resolve_ev);
	task_freeze(t);
	task_set_status(t, status, err);
	task_evict();
}

static void
task_round_cb(evutil_socket_t fd, short ev, void *arg)
{
	task_start_round(arg);
}

static void
task_start_round(struct task *t)
{
	struct session_params	 sp;
	struct session		*s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		task_finish(t, TASK_FAILED, "out of memory");
		return;
	}
	s->sid = eng_next_sid++;
	if (s->sid == 0)
		s->sid = eng_next_sid++;
	s->task = t;
	RB_INSERT(session_tree, &eng_sessions, s);
	t->sess = s;
	t->round++;
	t->round_from = now_real();
	t->round_in_flight = 0;
	if (t->racc == NULL && t->round > 1) {
		/* A continuous task's second session: a round of its own. */
		if ((t->racc = calloc(1, sizeof(*t->racc))) == NULL) {
			task_finish(t, TASK_FAILED, "out of memory");
			return;
		}
		stats_acc_init(t->racc);
		stats_acc_nokeep(t->racc);
	}
	if (t->p.mode != TASK_CONTINUOUS &&
	    stats_acc_reserve(t->racc, t->p.mode == TASK_COUNT ?
	    t->p.count : 64) == -1) {
		task_finish(t, TASK_FAILED, "out of memory");
		return;
	}

	memset(&sp, 0, sizeof(sp));
	sp.type = t->p.type;
	sp.dst = t->addr;
	sp.dst.port = t->p.port;
	if (t->p.source_ip[0] != '\0') {
		sp.src.family = t->addr.family;
		if (inet_pton(t->addr.family, t->p.source_ip, sp.src.addr)
		    != 1) {
			task_finish(t, TASK_FAILED, "source_ip is not of the "
			    "target's address family");
			return;
		}
	}
	strlcpy(sp.interface, t->p.interface, sizeof(sp.interface));
	switch (t->p.mode) {
	case TASK_COUNT:
		sp.count = t->p.count;
		break;
	case TASK_DURATION:
		sp.duration_ns = t->p.duration_ns;
		break;
	}
	sp.interval_ns = t->p.interval_ns;
	sp.timeout_ns = t->p.timeout_ns;
	sp.packet_size = t->p.packet_size;
	sp.dscp = t->p.dscp;
	sp.ttl = t->p.ttl;
	sp.pmtu = t->p.pmtu;
	sp.first_seq = t->next_seq;
	if (t->tw != NULL) {
		sp.ssid = t->tw->ssid;
		sp.imix = t->tw->imix;
		sp.ntlvs = t->tw->ntlvs;
		memcpy(sp.tlvs, t->tw->tlvs, sizeof(sp.tlvs));
	}
	sp.control = t->p.control;
	sp.receiver_port = t->p.receiver_port;
	proc_compose(PROC_SENDER, IMSG_SESSION_START, s->sid, 0, -1, &sp,
	    sizeof(sp));
	log_debug("task %s: round %u, session %u", t->id, t->round, s->sid);
}

static void
addr_str(const struct task_addr *a, char *buf, size_t len)
{
	if (inet_ntop(a->family, a->addr, buf, len) == NULL)
		strlcpy(buf, "?", len);
}

static int
addr_equal(const struct task_addr *a, const struct task_addr *b)
{
	size_t	 n;

	if (a->family != b->family)
		return (0);
	n = a->family == AF_INET ? 4 : 16;
	return (memcmp(a->addr, b->addr, n) == 0);
}

/* Start running: reserve memory, then the first round. */
static void
task_run(struct task *t)
{
	uint64_t	 need, budget;
	size_t		 wcap;

	need = task_budget_need(t, &wcap);
	budget = (uint64_t)proc_conf->tasks_sample_memory * 1024 * 1024;
	if (need > budget || eng_budget_used > budget - need) {
		task_finish(t, TASK_FAILED, "sample memory budget exhausted");
		return;
	}
	if (wcap != 0) {
		if (stats_window_init(&t->win, wcap) == -1) {
			task_finish(t, TASK_FAILED, "out of memory");
			return;
		}
		/* Room for what the window spans: a fate per interval. */
		(void)stats_window_reserve(&t->win,
		    (size_t)(t->p.window_ns / t->p.interval_ns) + 2);
		/* Entry times in ticks as fine as the window allows. */
		stats_window_span(&t->win, t->p.window_ns);
		if (t->tw != NULL &&
		    twamp_window_init(&t->tw->win, wcap) == -1) {
			stats_window_free(&t->win);
			task_finish(t, TASK_FAILED, "out of memory");
			return;
		}
		t->has_win = 1;
		t->exp_next = now_mono() + t->p.window_ns;
	}
	t->budget = need;
	eng_budget_used += need;
	t->t_started = now_real();
	task_set_status(t, TASK_RUNNING, NULL);
	task_start_round(t);
}

static void
task_resolve_cb(evutil_socket_t fd, short ev, void *arg)
{
	task_resolve(arg);
}

static void
task_resolve(struct task *t)
{
	struct resolve_req	 rq;

	memset(&rq, 0, sizeof(rq));
	rq.ip_version = t->p.ip_version;
	strlcpy(rq.host, t->p.host, sizeof(rq.host));
	t->resolve_gen++;
	t->resolving = 1;
	proc_compose(PROC_CONTROL, IMSG_RESOLVE, t->key, t->resolve_gen, -1,
	    &rq, sizeof(rq));
}

static void
task_resolve_later(struct task *t, int64_t ns)
{
	struct timeval	 tv;

	if (t->resolve_ev == NULL &&
	    (t->resolve_ev = evtimer_new(proc_base, task_resolve_cb, t))
	    == NULL)
		fatalx("evtimer_new");
	tv = proc_ns_tv(ns);
	evtimer_add(t->resolve_ev, &tv);
}

static void
engine_resolved(struct imsg *imsg)
{
	struct resolve_reply	 rr;
	struct task		*t;
	char			 a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int64_t			 next;

	if (imsg_check_len(imsg, sizeof(rr)))
		fatalx("bad IMSG_RESOLVED");
	memcpy(&rr, imsg->data, sizeof(rr));
	rr.msg[sizeof(rr.msg) - 1] = '\0';
	if ((t = task_by_key(imsg->hdr.id)) == NULL ||
	    imsg->hdr.reqid != t->resolve_gen || task_is_final(t->status))
		return;		/* deleted, stopped or superseded */
	t->resolving = 0;
	if (rr.error != 0 || rr.naddrs == 0 || rr.naddrs > TASK_MAXADDRS ||
	    (rr.addrs[0].family != AF_INET &&
	    rr.addrs[0].family != AF_INET6)) {
		if (rr.msg[0] == '\0')
			snprintf(rr.msg, sizeof(rr.msg), "%s: no address",
			    t->p.host);
		if (t->p.mode != TASK_CONTINUOUS) {
			task_finish(t, TASK_FAILED, rr.msg);
			return;
		}
		/* Continuous: keep the old address (if any) and retry. */
		task_error(t, rr.msg);
		log_warnx("task %s: %s; retrying in %lld s", t->id, rr.msg,
		    (long long)(t->retry_ns / NS));
		task_resolve_later(t, t->retry_ns);
		t->retry_ns = t->retry_ns * 2 > ENG_RETRY_MAX ?
		    ENG_RETRY_MAX : t->retry_ns * 2;
		return;
	}
	t->retry_ns = ENG_RETRY_MIN;
	/* Resolved again (also a pending task's first success): no error. */
	if (t->p.mode == TASK_CONTINUOUS)
		task_error(t, NULL);

	if (t->status == TASK_PENDING) {
		t->addr = rr.addrs[0];
		task_run(t);
	} else if (!addr_equal(&t->addr, &rr.addrs[0])) {
		addr_str(&t->addr, a, sizeof(a));
		addr_str(&rr.addrs[0], b, sizeof(b));
		log_info("task %s: %s now resolves to %s (was %s)", t->id,
		    t->p.host, b, a);
		t->resolves++;
		t->addr = rr.addrs[0];
		task_detach_session(t);
		task_end_round(t);
		t->in_flight = 0;
		if (t->has_win)
			stats_window_set_in_flight(&t->win, 0);
		emit_state(t, 0);
		task_start_round(t);
	}
	if (t->p.mode == TASK_CONTINUOUS && !t->literal &&
	    !task_is_final(t->status)) {
		next = t->p.resolve_interval_ns;
		if (rr.ttl != 0 && (int64_t)rr.ttl * NS < next)
			next = (int64_t)rr.ttl * NS;
		if (next < NS)
			next = NS;
		task_resolve_later(t, next);
	}
}

static int
host_is_literal(const char *host)
{
	uint8_t	 buf[16];

	return (inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1);
}

/* Bytes a string takes in a task's strs: none when empty (shared ""). */
static size_t
str_space(const char *str)
{
	return (str[0] == '\0' ? 0 : strlen(str) + 1);
}

/* Copy a string to *pp in a task's strs and advance *pp past it. */
static const char *
str_put(char **pp, const char *str)
{
	char	*s = *pp;
	size_t	 n;

	if ((n = str_space(str)) == 0)
		return ("");
	memcpy(s, str, n);
	*pp += n;
	return (s);
}

/*
 * A task with its id and parameters (NUL-terminated).  One allocation
 * holds the task and its strings: they are short or empty, and a task
 * keeps them as long as it lives.  NULL: out of memory.
 */
static struct task *
task_new(const struct task_params *p, const char *id)
{
	struct task	*t;
	char		*s;
	size_t		 len;

	len = str_space(id) + str_space(p->target) + str_space(p->host) +
	    str_space(p->name) + str_space(p->source_ip) +
	    str_space(p->interface) + str_space(p->alert_callback_url);
	if (p->labels_len > sizeof(p->labels))
		return (NULL);
	len += p->labels_len;
	if ((t = calloc(1, sizeof(*t) + len)) == NULL)
		return (NULL);
	s = t->strs;
	t->id = str_put(&s, id);
	t->p.target = str_put(&s, p->target);
	t->p.host = str_put(&s, p->host);
	t->p.name = str_put(&s, p->name);
	t->p.source_ip = str_put(&s, p->source_ip);
	t->p.interface = str_put(&s, p->interface);
	t->p.alert_callback_url = str_put(&s, p->alert_callback_url);
	t->p.labels = s;
	t->p.labels_len = p->labels_len;
	memcpy(s, p->labels, p->labels_len);
	s += p->labels_len;
	t->p.round_delay_ns = p->round_delay_ns;
	t->p.interval_ns = p->interval_ns;
	t->p.timeout_ns = p->timeout_ns;
	t->p.duration_ns = p->duration_ns;
	t->p.window_ns = p->window_ns;
	t->p.resolve_interval_ns = p->resolve_interval_ns;
	t->p.latency_threshold_ns = p->latency_threshold_ns;
	t->p.loss_threshold = p->loss_threshold;
	t->p.type = p->type;
	t->p.mode = p->mode;
	t->p.port = p->port;
	t->p.count = p->count;
	t->p.rounds = p->rounds;
	t->p.packet_size = p->packet_size;
	t->p.dscp = p->dscp;
	t->p.ttl = p->ttl;
	t->p.pmtu = p->pmtu;
	t->p.ip_version = p->ip_version;
	t->p.control = p->control;
	t->p.receiver_port = p->receiver_port;
	t->p.no_histograms = p->no_histograms;
	return (t);
}

/* The parameters as they travel (task_info): task_new() reversed. */
static void
params_export(const struct eng_params *e, struct task_params *p)
{
	strlcpy(p->target, e->target, sizeof(p->target));
	strlcpy(p->host, e->host, sizeof(p->host));
	strlcpy(p->name, e->name, sizeof(p->name));
	strlcpy(p->source_ip, e->source_ip, sizeof(p->source_ip));
	strlcpy(p->interface, e->interface, sizeof(p->interface));
	strlcpy(p->alert_callback_url, e->alert_callback_url,
	    sizeof(p->alert_callback_url));
	p->labels_len = e->labels_len;
	memcpy(p->labels, e->labels, e->labels_len);
	p->round_delay_ns = e->round_delay_ns;
	p->interval_ns = e->interval_ns;
	p->timeout_ns = e->timeout_ns;
	p->duration_ns = e->duration_ns;
	p->window_ns = e->window_ns;
	p->resolve_interval_ns = e->resolve_interval_ns;
	p->latency_threshold_ns = e->latency_threshold_ns;
	p->loss_threshold = e->loss_threshold;
	p->type = e->type;
	p->mode = e->mode;
	p->port = e->port;
	p->count = e->count;
	p->rounds = e->rounds;
	p->packet_size = e->packet_size;
	p->dscp = e->dscp;
	p->ttl = e->ttl;
	p->pmtu = e->pmtu;
	p->ip_version = e->ip_version;
	p->control = e->control;
	p->receiver_port = e->receiver_port;
}

static void
params_export_task(const struct task *t, struct task_params *p)
{
	uint32_t	 i;

	params_export(&t->p, p);
	if (t->tw != NULL) {
		p->ssid = t->tw->ssid;
		p->imix = t->tw->imix;
		p->ntlvs = t->tw->ntlvs;
		memcpy(p->tlvs, t->tw->tlvs, sizeof(p->tlvs));
	}
	/* The secret goes only where a webhook is signed (task_alert). */
	if (t->al != NULL)
		for (i = 0; i < t->al->n; i++)
			p->alerts[t->al->r[i].metric] = t->al->r[i].rule;
}

/* A continuous task's thresholds, if it has any; -1 out of memory. */
static int
task_alerts_new(struct task *t, const struct task_params *p)
{
	struct eng_alerts	*al;
	struct eng_rule		*r;
	int			 m, n = 0;

	if (p->mode != TASK_CONTINUOUS)
		return (0);
	for (m = 0; m < ALERT_NMETRICS; m++)
		n += p->alerts[m].set != 0;
	if (n == 0)
		return (0);
	/* Only the rules set: 10,000 tasks with two cost 2.5 MB, not 7. */
	if ((al = calloc(1, sizeof(*al) + (size_t)n * sizeof(al->r[0]))) ==
	    NULL)
		return (-1);
	if (p->webhook_secret[0] != '\0' &&
	    (al->secret = strndup(p->webhook_secret,
	    sizeof(p->webhook_secret) - 1)) == NULL) {
		free(al);
		return (-1);
	}
	for (m = 0; m < ALERT_NMETRICS; m++) {
		if (!p->alerts[m].set)
			continue;
		r = &al->r[al->n++];
		r->metric = (uint32_t)m;
		r->rule = p->alerts[m];
		alert_sm_init(&r->sm);
		if (m == ALERT_FORWARD_P99 || m == ALERT_BACKWARD_P99)
			al->needs |= ENG_AL_TWAMP;
	}
	t->al = al;
	return (0);
}

/* A twamp or stamp task's own state; -1 out of memory. */
static int
task_twamp_new(struct task *t, const struct task_params *p)
{
	struct eng_twamp	*tw;

	if ((tw = calloc(1, sizeof(*tw))) == NULL ||
	    (tw->ring = calloc(t->ring_cap, sizeof(*tw->ring))) == NULL) {
		free(tw);
		return (-1);
	}
	tw->ssid = p->ssid;
	tw->imix = p->imix;
	tw->ntlvs = p->ntlvs <= TASK_MAXTLVS ? p->ntlvs : TASK_MAXTLVS;
	memcpy(tw->tlvs, p->tlvs, sizeof(tw->tlvs));
	tw->sent_ttl = p->ttl > 0 ? p->ttl : TASK_DEF_TWAMP_TTL;
	twamp_acc_init(&tw->total);
	twamp_acc_init(&tw->racc);
	if (p->mode == TASK_CONTINUOUS) {
		twamp_acc_nokeep(&tw->total);
		twamp_acc_nokeep(&tw->racc);
	}
	t->tw = tw;
	return (0);
}

/* Task ids the parent has written down: [eng_next_key, eng_key_upto). */
static uint32_t			 eng_key_upto;
static struct state_ids		 eng_spare;	/* the next block; upto 0 */
static int			 eng_ids_asked;

/* The task not ended that has this name; NULL none. */
static struct task *
task_by_name(const char *name)
{
	struct task	*t;

	RB_FOREACH(t, task_tree, &eng_tasks)
		if (!task_is_final(t->status) && strcmp(t->p.name, name) == 0)
			return (t);
	return (NULL);
}

/* A fresh key; 0 when none is granted (yet). */
uint32_t
engine_key_take(void)
{
	if (eng_next_key >= eng_key_upto && eng_spare.upto != 0) {
		eng_next_key = eng_spare.from;
		eng_key_upto = eng_spare.upto;
		memset(&eng_spare, 0, sizeof(eng_spare));
	}
	if (eng_next_key >= eng_key_upto)
		return 0;
	if (eng_spare.upto == 0 && !eng_ids_asked &&
	    eng_key_upto - eng_next_key < STATE_ID_BLOCK / 2) {
		proc_compose(PROC_PARENT, IMSG_STATE_IDS_WANT, 0, 0, -1,
		    NULL, 0);
		eng_ids_asked = 1;
	}
	return eng_next_key++;
}

static void
engine_ids(struct imsg *imsg)
{
	struct state_ids	 ids;

	if (imsg_check_len(imsg, sizeof(ids)) != 0)
		fatalx("bad IMSG_STATE_IDS");
	memcpy(&ids, imsg->data, sizeof(ids));
	if (ids.from == 0 || ids.upto <= ids.from)
		fatalx("IMSG_STATE_IDS [%u, %u)", ids.from, ids.upto);
	eng_ids_asked = 0;
	if (eng_next_key >= eng_key_upto || eng_key_upto == 0) {
		eng_next_key = ids.from;
		eng_key_upto = ids.upto;
	} else
		eng_spare = ids;
}

/* --- passive tasks ------------------------------------------------- */

static void
passive_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct task		*t = arg;
	struct eng_passive	*pv = t->pv;
	struct nl_counters_req	 req;

	memset(&req, 0, sizeof(req));
	req.n = pv->n;
	memcpy(req.names, pv->names, sizeof(req.names));
	pv->seq++;
	/* Duration: the read at or after the end is the last. */
	if (t->p.mode == TASK_DURATION && pv->final_seq == 0 &&
	    now_mono() - pv->start_mono >= t->p.duration_ns -
	    t->p.interval_ns / 100) {
		pv->final_seq = pv->seq;
		event_del(pv->tick);
	}
	proc_compose(PROC_NETLINK, IMSG_NL_COUNTERS, t->key, pv->seq, -1,
	    &req, sizeof(req));
}

/* Start reading: now (the baseline), then every interval. */
static void
passive_start(struct task *t)
{
	struct eng_passive	*pv;
	struct timeval		 tv;
	const char		*c, *comma;
	size_t			 len;

	if ((pv = calloc(1, sizeof(*pv))) == NULL) {
		task_finish(t, TASK_FAILED, "out of memory");
		return;
	}
	for (c = t->p.target; *c != '\0' && pv->n < TASK_MAXIFACES;
	    c = *comma ? comma + 1 : comma) {
		comma = c + strcspn(c, ",");
		len = (size_t)(comma - c);
		if (len >= sizeof(pv->names[0]))
			len = sizeof(pv->names[0]) - 1;
		memcpy(pv->names[pv->n], c, len);
		strlcpy(pv->res.v[pv->n].name, pv->names[pv->n],
		    sizeof(pv->res.v[0].name));
		pv->n++;
	}
	pv->res.n = pv->n;
	pv->cap = t->p.mode == TASK_CONTINUOUS ?
	    (uint32_t)(t->p.window_ns / t->p.interval_ns) + 2 :
	    (uint32_t)(t->p.duration_ns / t->p.interval_ns) + 2;
	if ((pv->iv = calloc(pv->cap, sizeof(*pv->iv))) == NULL ||
	    (pv->tick = event_new(proc_base, -1, EV_PERSIST, passive_tick,
	    t)) == NULL) {
		free(pv->iv);
		free(pv);
		task_finish(t, TASK_FAILED, "out of memory");
		return;
	}
	t->pv = pv;
	t->has_win = t->p.mode == TASK_CONTINUOUS;
	t->t_started = now_real();
	pv->start_mono = now_mono();
	task_set_status(t, TASK_RUNNING, NULL);
	tv = proc_ns_tv(t->p.interval_ns);
	event_add(pv->tick, &tv);
	passive_tick(-1, 0, t);
}

static void
passive_free(struct eng_passive *pv)
{
	if (pv == NULL)
		return;
	if (pv->tick != NULL)
		event_free(pv->tick);
	free(pv->iv);
	free(pv);
}

/* One interval's deltas: totals, last, and a round or the window. */
static void
passive_interval(struct task *t, const struct nl_counters *c,
    uint64_t (*d)[PC_MAX])
{
	struct eng_passive	*pv = t->pv;
	struct pv_ival		*iv;
	uint32_t		 i;
	int			 k;

	if (pv->len == pv->cap) {	/* the oldest goes */
		pv->head = (pv->head + 1) % pv->cap;
		pv->len--;
	}
	iv = &pv->iv[(pv->head + pv->len++) % pv->cap];
	memset(iv, 0, sizeof(*iv));
	iv->index = ++t->round;
	iv->from = pv->prev_real;
	iv->to = c->at;
	iv->mono = c->mono;
	iv->dt = c->mono - pv->prev_mono;
	memcpy(iv->d, d, sizeof(iv->d));
	for (i = 0; i < pv->n; i++) {
		for (k = 0; k < PC_MAX; k++)
			pv->res.v[i].total[k] += d[i][k];
		memcpy(pv->res.v[i].last, d[i], sizeof(pv->res.v[i].last));
		pv->res.v[i].last_ns = iv->dt;
	}
	export_passive(t, iv);
}

/* A read of the counters (IMSG_NL_COUNTERS_REPLY). */
static void
engine_nl_counters(struct imsg *imsg)
{
	struct nl_counters	 c;
	struct nl_ifcounters	*v;
	struct task		*t;
	struct eng_passive	*pv;
	uint64_t		 d[TASK_MAXIFACES][PC_MAX], cur[PC_MAX];
	char			 err[LOPA_ERRLEN];
	uint32_t		 i, present = 0;
	int			 k, any = 0;

	if (imsg_check_len(imsg, sizeof(c)) != 0)
		fatalx("IMSG_NL_COUNTERS_REPLY: bad size");
	memcpy(&c, imsg->data, sizeof(c));
	c.error[sizeof(c.error) - 1] = '\0';
	if ((t = task_by_key(imsg->hdr.id)) == NULL ||
	    (pv = t->pv) == NULL || t->status != TASK_RUNNING ||
	    imsg->hdr.reqid != pv->seq)
		return;		/* ended, or an older read */
	t->t_updated = now_real();
	if (c.failed) {
		/* Not a read: the next may work. */
		snprintf(err, sizeof(err), "no counters: %s", c.error);
		task_error(t, err);
		goto end;
	}
	memset(d, 0, sizeof(d));
	err[0] = '\0';
	for (i = 0; i < pv->n && i < c.n; i++) {
		v = &c.v[i];
		if (!v->present) {
			if (pv->have_prev[i])
				pv->res.v[i].gone++;
			pv->have_prev[i] = 0;
			pv->res.v[i].present = 0;
			pv->res.v[i].up = 0;
			memset(pv->res.v[i].last, 0, sizeof(pv->res.v[i].last));
			pv->res.v[i].last_ns = 0;
			snprintf(err + strlen(err), sizeof(err) - strlen(err),
			    "%sinterface %s not found", err[0] ? "; " : "",
			    pv->names[i]);
			continue;
		}
		present++;
		pv->res.v[i].present = 1;
		pv->res.v[i].up = v->oper_up;
		if (pv->have_prev[i] &&
		    v->carrier_changes >= pv->prev_carrier[i])
			pv->res.v[i].carrier_changes += v->carrier_changes -
			    pv->prev_carrier[i];
		pv->prev_carrier[i] = v->carrier_changes;
		cur[PC_BYTES_IN] = v->rx_bytes;
		cur[PC_BYTES_OUT] = v->tx_bytes;
		cur[PC_PACKETS_IN] = v->rx_packets;
		cur[PC_PACKETS_OUT] = v->tx_packets;
		cur[PC_ERRORS_IN] = v->rx_errors;
		cur[PC_ERRORS_OUT] = v->tx_errors;
		cur[PC_DROPS_IN] = v->rx_dropped;
		cur[PC_DROPS_OUT] = v->tx_dropped;
		cur[PC_MULTICAST_IN] = v->multicast;
		if (pv->have_prev[i]) {
			any = 1;
			for (k = 0; k < PC_MAX; k++) {
				/* Gone back: reset, counted from zero. */
				if (cur[k] < pv->prev[i][k]) {
					pv->res.v[i].resets++;
					d[i][k] = cur[k];
				} else
					d[i][k] = cur[k] - pv->prev[i][k];
			}
		}
		memcpy(pv->prev[i], cur, sizeof(cur));
		pv->have_prev[i] = 1;
	}
	if (pv->res.reads == 0 && present == 0) {
		/* At the start, nothing to read: a typo, most likely. */
		task_finish(t, TASK_FAILED, err);
		return;
	}
	task_error(t, err[0] != '\0' ? err : NULL);
	any = any && pv->prev_mono != 0 && c.mono > pv->prev_mono;
	if (any)
		passive_interval(t, &c, d);
	pv->prev_mono = c.mono;
	pv->prev_real = c.at;
	if (any)
		passive_alerts_eval(t);
	pv->res.reads++;
	pv->res.t_last = c.at;
end:
	if (pv->final_seq != 0 && imsg->hdr.reqid == pv->final_seq)
		task_finish(t, TASK_FINISHED, NULL);
}

/*
 * The results: the window summed over the intervals it spans; how many
 * those are.
 */
static uint32_t
passive_snapshot(struct task *t, struct task_info *ti)
{
	struct eng_passive	*pv = t->pv;
	const struct pv_ival	*iv;
	int64_t			 now;
	uint32_t		 i, j, n = 0;
	int			 k;

	ti->passive = pv->res;
	if (t->p.mode != TASK_CONTINUOUS)
		return 0;
	ti->has_window = 1;
	/* Ended: the window as it was at the last read. */
	now = t->status == TASK_RUNNING ? now_mono() : pv->prev_mono;
	for (j = 0; j < pv->len; j++) {
		iv = &pv->iv[(pv->head + j) % pv->cap];
		if (iv->mono <= now - t->p.window_ns)
			continue;
		n++;
		for (i = 0; i < pv->n; i++) {
			for (k = 0; k < PC_MAX; k++)
				ti->passive.v[i].window[k] += iv->d[i][k];
			ti->passive.v[i].window_ns += iv->dt;
		}
	}
	return n;
}

/*
 * Thresholds of a continuous passive task, once per read: the window's
 * rate of each metric, of the worst interface there (the highest for
 * `above', the lowest for `below'); min_samples counts the intervals in
 * the window; with no interface there, no data.
 */
static void
passive_alerts_eval(struct task *t)
{
	static const int	 pc[] = {
		[ALERT_BPS_IN - ALERT_BPS_IN] = PC_BYTES_IN,
		[ALERT_BPS_OUT - ALERT_BPS_IN] = PC_BYTES_OUT,
		[ALERT_PPS_IN - ALERT_BPS_IN] = PC_PACKETS_IN,
		[ALERT_PPS_OUT - ALERT_BPS_IN] = PC_PACKETS_OUT,
		[ALERT_ERRORS_IN_RATE - ALERT_BPS_IN] = PC_ERRORS_IN,
		[ALERT_ERRORS_OUT_RATE - ALERT_BPS_IN] = PC_ERRORS_OUT,
		[ALERT_DROPS_IN_RATE - ALERT_BPS_IN] = PC_DROPS_IN,
		[ALERT_DROPS_OUT_RATE - ALERT_BPS_IN] = PC_DROPS_OUT,
	};
	struct task_info	*ti;
	struct alert_input	 in;
	enum alert_note		 note;
	struct eng_rule		*r;
	const struct passive_if	*v;
	double			 x;
	uint32_t		 i, j, nwin;
	int			 m;

	if (t->al == NULL || t->p.mode != TASK_CONTINUOUS)
		return;
	if ((ti = calloc(1, sizeof(*ti))) == NULL) {
		log_warn("task %s: thresholds", t->id);
		return;
	}
	nwin = passive_snapshot(t, ti);
	for (i = 0; i < t->al->n; i++) {
		r = &t->al->r[i];
		m = (int)r->metric;
		memset(&in, 0, sizeof(in));
		in.samples = nwin;
		if (!alert_metric_is_rate(m))
			continue;
		for (j = 0; j < ti->passive.n; j++) {
			v = &ti->passive.v[j];
			if (!v->present || v->window_ns <= 0)
				continue;
			x = (double)v->window[pc[m - ALERT_BPS_IN]] /
			    ((double)v->window_ns / 1e9);
			if (m == ALERT_BPS_IN || m == ALERT_BPS_OUT)
				x *= 8;
			if (!in.have || (r->rule.below ? x < in.value :
			    x > in.value))
				in.value = x;
			in.have = 1;
		}
		note = alert_eval(&r->rule, &r->sm, &in, now_mono());
		if (note == ALERT_NOTE_NONE)
			continue;
		if (note != ALERT_NOTE_REPEAT)
			r->sm.changed_at = now_real();
		log_debug("task %s: %s %s", t->id, alert_metric_name(m),
		    alert_note_name(note));
		alert_notify(t, r, note, NULL, NULL);
	}
	free(ti);
}

/* Duration: each interval is a round, as Lopa's. */
static uint32_t
passive_rounds(struct task *t)
{
	return t->pv != NULL && t->p.mode == TASK_DURATION ? t->pv->len : 0;
}

static void
passive_round(struct task *t, uint32_t j, struct task_round *r)
{
	const struct pv_ival	*iv = &t->pv->iv[(t->pv->head + j) %
	    t->pv->cap];

	memset(r, 0, sizeof(*r));
	r->index = iv->index;
	r->t_from = iv->from;
	r->t_to = iv->to;
	r->npassive = t->pv->n;
	memcpy(r->passive, iv->d, sizeof(r->passive));
	memcpy(r->passive_names, t->pv->names, sizeof(r->passive_names));
}

/*
 * Create a task: from the API (ORIGIN_API: a fresh key, saved when
 * continuous, a reply to reqid), from the state file (ORIGIN_STATE: its
 * key) or from the configuration (ORIGIN_CONFIG: a fresh key, not
 * saved, known by its name).
 */
enum task_origin { ORIGIN_API, ORIGIN_STATE, ORIGIN_CONFIG };

static void
task_create(struct task_params *p, uint32_t key, uint32_t reqid,
    enum task_origin origin)
{
	struct task		*t;
	struct state_task	*sv;
	char			 id[TASK_IDLEN];
	int			 restored = origin != ORIGIN_API;

	if (eng_live >= proc_conf->tasks_max) {
		if (restored)
			log_warnx("task %s-%u not restored: limits.max (%u) "
			    "running", eng_node, key, eng_live);
		else
			reply_end(reqid, 503, NULL,
			    "too many tasks: %u running (limits.max)",
			    eng_live);
		return;
	}
	p->target[sizeof(p->target) - 1] = '\0';
	p->host[sizeof(p->host) - 1] = '\0';
	p->name[sizeof(p->name) - 1] = '\0';
	p->source_ip[sizeof(p->source_ip) - 1] = '\0';
	p->interface[sizeof(p->interface) - 1] = '\0';
	p->alert_callback_url[sizeof(p->alert_callback_url) - 1] = '\0';
	p->webhook_secret[sizeof(p->webhook_secret) - 1] = '\0';
	/* Control validated; the engine still refuses what would hurt it. */
	if (task_type_name(p->type) == NULL ||
	    task_mode_name(p->mode) == NULL ||
	    p->interval_ns < TASK_MIN_INTERVAL || p->timeout_ns <= 0 ||
	    (p->mode == TASK_COUNT && (p->count == 0 || p->rounds == 0)) ||
	    (p->mode == TASK_DURATION && p->duration_ns <= 0) ||
	    (p->mode == TASK_CONTINUOUS && p->window_ns <= 0) ||
	    p->host[0] == '\0') {
		log_warnx("task with invalid parameters");
		if (!restored)
			reply_end(reqid, 400, NULL, "invalid parameters");
		return;
	}
	if (restored && task_by_key(key) != NULL) {
		log_warnx("task %s-%u restored twice", eng_node, key);
		return;
	}
	/* A name names one task that has not ended. */
	if (p->name[0] != '\0' && (t = task_by_name(p->name)) != NULL) {
		if (restored)
			log_warnx("task %s-%u not restored: %s is named %s",
			    eng_node, key, t->id, p->name);
		else
			reply_end(reqid, 409, NULL, "name: task %s is named "
			    "\"%s\" already", t->id, p->name);
		return;
	}
	if (origin != ORIGIN_STATE && (key = engine_key_take()) == 0) {
		if (origin == ORIGIN_API)
			reply_end(reqid, 503, NULL, "no task id available "
			    "yet: try again");
		else
			log_warnx("task %s of the configuration not created: "
			    "no task id available", p->name);
		return;
	}
	snprintf(id, sizeof(id), "%s-%u", eng_node, key);
	if ((t = task_new(p, id)) == NULL ||
	    (t->ring = calloc(proc_conf->tasks_samples,
	    sizeof(*t->ring))) == NULL ||
	    (p->mode != TASK_CONTINUOUS &&
	    (t->racc = calloc(1, sizeof(*t->racc))) == NULL)) {
		if (t != NULL)
			free(t->ring);
		free(t);
		if (!restored)
			reply_end(reqid, 503, NULL, "out of memory");
		return;
	}
	t->ring_cap = proc_conf->tasks_samples;
	sample_time_init(t);
	if ((TASK_IS_TWAMP(p->type) && task_twamp_new(t, p) == -1) ||
	    task_alerts_new(t, p) == -1) {
		if (t->tw != NULL) {
			free(t->tw->ring);
			free(t->tw);
		}
		free(t->racc);
		free(t->ring);
		free(t);
		if (!restored)
			reply_end(reqid, 503, NULL, "out of memory");
		return;
	}
	t->key = key;
	t->status = TASK_PENDING;
	t->t_created = t->t_updated = now_real();
	t->literal = host_is_literal(t->p.host);
	t->retry_ns = ENG_RETRY_MIN;
	t->next_seq = 1;
	stats_acc_init(&t->total);
	if (t->p.mode == TASK_CONTINUOUS)
		stats_acc_nokeep(&t->total);
	else
		stats_acc_init(t->racc);
	RB_INSERT(task_tree, &eng_tasks, t);
	eng_live++;
	log_info("task %s: %s %s, %s%s", t->id, task_type_name(t->p.type),
	    t->p.target, task_mode_name(t->p.mode),
	    origin == ORIGIN_STATE ? " (restored)" : origin == ORIGIN_CONFIG ?
	    " (configuration)" : "");
	t->from_config = origin == ORIGIN_CONFIG;
	/* A continuous task from the API is saved until it ends. */
	if (t->p.mode == TASK_CONTINUOUS && origin != ORIGIN_CONFIG) {
		t->saved = 1;
		if (!restored && (sv = calloc(1, sizeof(*sv))) != NULL) {
			sv->key = t->key;
			sv->p = *p;
			proc_compose(PROC_PARENT, IMSG_STATE_ADD, 0, 0, -1, sv,
			    sizeof(*sv));
			freezero(sv, sizeof(*sv));
			eng_trim_soon();
		}
	}
	if (origin == ORIGIN_API)
		reply_end(reqid, 201, t->id, NULL);
	emit_state(t, 0);
	if (t->p.type == TASK_PASSIVE)
		passive_start(t);
	else
		task_resolve(t);
}

static void
engine_create(struct imsg *imsg)
{
	struct task_params	 p;

	if (imsg_check_len(imsg, sizeof(p)))
		fatalx("bad IMSG_TASK_CREATE");
	memcpy(&p, imsg->data, sizeof(p));
	task_create(&p, 0, imsg->hdr.reqid, ORIGIN_API);
	explicit_bzero(&p, sizeof(p));
}

static void
engine_restore(struct imsg *imsg)
{
	struct state_task	 sv;

	if (imsg_check_len(imsg, sizeof(sv)))
		fatalx("bad IMSG_STATE_RESTORE");
	memcpy(&sv, imsg->data, sizeof(sv));
	if (sv.key == 0)
		fatalx("IMSG_STATE_RESTORE with key 0");
	task_create(&sv.p, sv.key, 0, ORIGIN_STATE);
	explicit_bzero(&sv, sizeof(sv));
}

/* The configuration's task of that name, not ended; NULL none. */
static struct task *
task_config_named(const char *name)
{
	struct task	*t;

	if ((t = task_by_name(name)) == NULL || !t->from_config)
		return (NULL);
	return (t);
}

/* A task of the configuration goes (removed, or replaced). */
static void
task_config_drop(struct task *t, const char *why)
{
	log_info("task %s (%s): %s", t->id, t->p.name, why);
	task_detach_session(t);
	task_remove(t);
}

/*
 * A task of the configuration, new or changed (the parent compared):
 * the one of that name goes, the new one starts.  A task of the API
 * with that name keeps it; the configuration's is not created.
 */
static void
engine_conf_task(struct imsg *imsg)
{
	struct task_params	 p;
	struct task		*t;

	if (imsg_check_len(imsg, sizeof(p)))
		fatalx("bad IMSG_CONF_TASK");
	memcpy(&p, imsg->data, sizeof(p));
	p.name[sizeof(p.name) - 1] = '\0';
	if (p.name[0] == '\0')
		fatalx("IMSG_CONF_TASK without a name");
	if ((t = task_by_name(p.name)) != NULL) {
		if (!t->from_config) {
			log_warnx("task %s of the configuration not created: "
			    "task %s (from the API) is named so", p.name,
			    t->id);
			explicit_bzero(&p, sizeof(p));
			return;
		}
		task_config_drop(t, "changed in the configuration");
	}
	task_create(&p, 0, 0, ORIGIN_CONFIG);
	explicit_bzero(&p, sizeof(p));
}

static void
engine_conf_task_del(struct imsg *imsg)
{
	char		 name[LOPA_NAMELEN];
	struct task	*t;

	if (imsg_check_len(imsg, sizeof(name)))
		fatalx("bad IMSG_CONF_TASK_DEL");
	memcpy(name, imsg->data, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	if ((t = task_config_named(name)) != NULL)
		task_config_drop(t, "removed from the configuration");
}

static int
engine_dispatch_parent(struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_STATE_IDS:
		engine_ids(imsg);
		return 0;
	case IMSG_STATE_RESTORE:
		engine_restore(imsg);
		return 0;
	case IMSG_CONF_TASK:
		engine_conf_task(imsg);
		return 0;
	case IMSG_CONF_TASK_DEL:
		engine_conf_task_del(imsg);
		return 0;
	default:
		return engine_mon_dispatch(PROC_PARENT, imsg);
	}
}

static int
addr_same(const struct task_addr *a, const struct task_addr *b)
{
	return (a->family == b->family && a->port == b->port &&
	    a->scope_id == b->scope_id &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0);
}

/*
 * The table index (1-based) of an address for the ring; 0 none.  The
 * table grows one address at a time: most tasks only ever see one.
 */
static uint8_t
sample_from(struct task *t, const struct task_addr *a)
{
	struct task_addr	*f;
	uint32_t		 i, j;
	int			 used;

	if (a->family == 0)
		return 0;
	for (i = 0; i < t->nfroms; i++)
		if (addr_same(&t->froms[i], a))
			return (uint8_t)(i + 1);
	if (t->nfroms < ENG_FROMS) {
		if ((f = reallocarray(t->froms, t->nfroms + 1,
		    sizeof(*f))) == NULL)
			return 0;
		t->froms = f;
		i = t->nfroms++;
	} else {
		/* Full: take the place of an address no held sample names. */
		for (i = 0; i < ENG_FROMS; i++) {
			used = 0;
			for (j = 0; j < t->ring_len && !used; j++)
				used = t->ring[(t->ring_head + j) %
				    t->ring_cap].from == i + 1;
			if (!used)
				break;
		}
		if (i == ENG_FROMS)
			return 0;	/* more addresses than places: lost */
	}
	t->froms[i] = *a;
	return (uint8_t)(i + 1);
}

/* A held sample's send time: exact to its ring's tick; 0 none. */
static int64_t
sample_time(const struct task *t, const struct sample_rec *r)
{
	return stats_stime_dec(&t->ring_time, r->t);
}

/*
 * The ring's clock: its span is ring_cap intervals and a timeout, at
 * 1 probe/s a tick of 128 ns.
 */
static void
sample_time_init(struct task *t)
{
	int64_t	 iv;

	iv = t->p.interval_ns > 0 ? t->p.interval_ns : NS;
	stats_stime_init(&t->ring_time, iv > INT64_MAX / 4 /
	    ((int64_t)t->ring_cap + 1) ? INT64_MAX / 4 :
	    iv * ((int64_t)t->ring_cap + 1) + t->p.timeout_ns);
}

/*
 * A send time as ticks, for the sample going to ring[slot].  Out of
 * reach (every ~3 x 2^30 ticks, or after a clock step), the clock is
 * set again for the times held and this one, and those held move to it.
 */
static int32_t
sample_time_enc(struct task *t, int64_t ts, uint32_t slot)
{
	struct stats_stime	 old;
	struct sample_rec	*r;
	int64_t			 lo, hi, v;
	uint32_t		 j;
	int32_t			 q;

	if (stats_stime_enc(&t->ring_time, ts, &q) == 0)
		return q;
	lo = hi = ts;
	for (j = 0; j < t->ring_len; j++) {
		r = &t->ring[(t->ring_head + j) % t->ring_cap];
		if (r == &t->ring[slot] || r->t == STATS_NOTIME)
			continue;
		v = sample_time(t, r);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	old = t->ring_time;
	stats_stime_rebase(&t->ring_time, lo, hi);
	for (j = 0; j < t->ring_len; j++) {
		r = &t->ring[(t->ring_head + j) % t->ring_cap];
		if (r != &t->ring[slot] && r->t != STATS_NOTIME &&
		    stats_stime_enc(&t->ring_time, stats_stime_dec(&old, r->t),
		    &r->t) == -1)
			fatalx("%s: held time out of reach", __func__);
	}
	if (stats_stime_enc(&t->ring_time, ts, &q) == -1)
		fatalx("%s: time out of reach", __func__);
	return q;
}

static void
sample_push(struct task *t, const struct probe_result *pr)
{
	struct sample_rec	*r;
	struct eng_tw_rec	*tr;
	uint32_t		 i;

	if (t->ring_len < t->ring_cap) {
		i = (t->ring_head + t->ring_len) % t->ring_cap;
		t->ring_len++;
	} else {
		i = t->ring_head;
		t->ring_head = (t->ring_head + 1) % t->ring_cap;
	}
	r = &t->ring[i];
	memset(r, 0, sizeof(*r));	/* its old address is free now */
	r->t = sample_time_enc(t, pr->t_sent, i);
	if (SAMPLE_AUX(pr->status))
		r->rtt_ns = pr->status == PROBE_TOO_BIG ?
		    (pr->mtu > UINT16_MAX ? UINT16_MAX : pr->mtu) : pr->err;
	else if (pr->rtt_ns > SAMPLE_RTT_MAX)
		r->rtt_ns = SAMPLE_RTT_MAX;
	else if (pr->rtt_ns < SAMPLE_RTT_MIN)
		r->rtt_ns = SAMPLE_RTT_MIN;
	else
		r->rtt_ns = pr->rtt_ns;
	r->seq = pr->seq;
	r->flags = pr->flags;
	r->kind = pr->kind;
	r->status = pr->status;
	r->ttl = pr->ttl;
	r->tsrc = pr->tsrc;
	r->from = sample_from(t, &pr->from);
	if (t->tw != NULL) {
		tr = &t->tw->ring[i];
		memset(tr, 0, sizeof(*tr));
		tr->t1 = pr->t_sent;
		if (pr->twflags & PROBE_TW_REPLY) {
			tr->t2 = pr->t2;
			tr->t3 = pr->t3;
			tr->t4 = pr->t4;
			tr->rseq = pr->rseq;
			tr->sender_ttl = pr->sender_ttl;
			tr->fwd_hops = pr->fwd_hops;
			tr->bwd_hops = pr->bwd_hops;
			tr->twflags = pr->twflags;
		}
	}
}

/* The n-th held sample (0: the oldest) as a probe_result. */
static void
sample_get(const struct task *t, uint32_t n, struct probe_result *pr)
{
	const struct sample_rec	*r;
	const struct eng_tw_rec	*tr;
	uint32_t		 i;

	i = (t->ring_head + n) % t->ring_cap;
	r = &t->ring[i];
	memset(pr, 0, sizeof(*pr));
	pr->t_sent = sample_time(t, r);
	if (r->status == PROBE_TOO_BIG)
		pr->mtu = (uint32_t)r->rtt_ns;
	else if (r->status == PROBE_ERROR)
		pr->err = (int)r->rtt_ns;
	else
		pr->rtt_ns = r->rtt_ns;
	pr->seq = r->seq;
	pr->flags = r->flags;
	pr->kind = r->kind;
	pr->status = r->status;
	pr->ttl = r->ttl;
	pr->tsrc = r->tsrc;
	if (r->from != 0)
		pr->from = t->froms[r->from - 1];
	if (t->tw != NULL && (tr = &t->tw->ring[i])->t1 != 0)
		pr->t_sent = tr->t1;
	if (t->tw != NULL && (tr = &t->tw->ring[i])->twflags != 0) {
		pr->t2 = tr->t2;
		pr->t3 = tr->t3;
		pr->t4 = tr->t4;
		pr->rseq = tr->rseq;
		pr->sender_ttl = tr->sender_ttl;
		pr->fwd_hops = tr->fwd_hops;
		pr->bwd_hops = tr->bwd_hops;
		pr->twflags = tr->twflags;
	}
}

/* What a STAMP reply's TLVs said: counts, the last reply's values. */
static void
twamp_record_tlv(struct eng_twamp *tw, const struct probe_result *pr)
{
	struct task_twamp	*x = &tw->tlv;

	x->tlv_unrecognized += pr->tlv_u;
	x->tlv_malformed += pr->tlv_m;
	if (pr->tlv_flags & PROBE_TLV_TSINFO) {
		x->has_tsinfo = 1;
		memcpy(x->tsinfo, pr->tsinfo, sizeof(x->tsinfo));
	}
	if (pr->tlv_flags & PROBE_TLV_COS) {
		x->has_cos = 1;
		x->cos_dscp2 = pr->tlv_cos >> 2;
		x->cos_ecn = pr->tlv_cos & 0x3;
		x->cos_rp = (pr->tlv_flags >> PROBE_TLV_RP_SHIFT) & 0x3;
	}
}

/* A TWAMP or STAMP reply into the task's one-way statistics. */
static void
twamp_record(struct task *t, const struct probe_result *pr, int64_t mono)
{
	struct eng_twamp	*tw = t->tw;
	struct twamp_obs	 o;
	struct twamp_delays	 d;

	memset(&o, 0, sizeof(o));
	o.seq = pr->seq;
	o.rseq = pr->rseq;
	o.t1 = pr->t_sent;
	o.t2 = pr->t2;
	o.t3 = pr->t3;
	o.t4 = pr->t4;
	o.sent_ttl = tw->sent_ttl;
	o.sender_ttl = (pr->twflags & PROBE_TW_SNDTTL) ? pr->sender_ttl : -1;
	o.reply_ttl = pr->ttl != 0 ? pr->ttl : -1;
	o.unsync = (pr->twflags & PROBE_TW_UNSYNC) != 0;
	twamp_delays(&o, &d);
	eng_hist_add(t, &tw->fwd_hist, d.fwd);
	eng_hist_add(t, &tw->bwd_hist, d.bwd);
	if (twamp_acc_add(&tw->total, &o, &d) == -1 ||
	    twamp_acc_add(&tw->racc, &o, &d) == -1)
		log_warn("task %s: twamp sample %u", t->id, pr->seq);
	if (t->has_win)
		(void)twamp_window_add(&tw->win, mono, &o, &d,
		    (pr->twflags & PROBE_TW_NONCONF) ? TWW_NONCONF : 0);
	if (pr->twflags & PROBE_TW_NONCONF) {
		tw->nonconf++;
		tw->rnonconf++;
	}
	if (pr->twflags & PROBE_TW_TLV)
		twamp_record_tlv(tw, pr);
}

/* One notification to control: the webhook and the event stream. */
static void
alert_notify(struct task *t, const struct eng_rule *r, enum alert_note note,
    const struct stats_result *w, const struct twamp_result *tr)
{
	struct task_alert	*a;
	int			 m = (int)r->metric;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		log_warn("task %s: %s %s notification", t->id,
		    alert_metric_name(m), alert_note_name(note));
		return;
	}
	strlcpy(a->id, t->id, sizeof(a->id));
	strlcpy(a->name, t->p.name, sizeof(a->name));
	strlcpy(a->target, t->p.target, sizeof(a->target));
	a->type = t->p.type;
	a->mode = t->p.mode;
	a->metric = (uint32_t)m;
	a->note = note;
	a->rule = r->rule;
	a->sm = r->sm;
	a->at = now_real();
	a->window_ns = t->p.window_ns;
	if (w != NULL)
		a->window = *w;
	if (tr != NULL) {
		a->window_twamp.valid = 1;
		a->window_twamp.r = *tr;
	}
	strlcpy(a->url, t->p.alert_callback_url, sizeof(a->url));
	a->labels_len = t->p.labels_len;
	memcpy(a->labels, t->p.labels, t->p.labels_len);
	if (t->al->secret != NULL)
		strlcpy(a->secret, t->al->secret, sizeof(a->secret));
	proc_compose(PROC_CONTROL, IMSG_TASK_ALERT, 0, 0, -1, a, sizeof(*a));
	freezero(a, sizeof(*a));
}

/*
 * The thresholds of a continuous task after n probes' fates became known
 * (one batch of results): n evaluations with the window as it is now.
 * The window's figures are computed once for the batch.
 */
static void
task_alerts_eval(struct task *t, uint64_t n, int64_t mono)
{
	struct eng_alerts	*al = t->al;
	struct stats_result	 w;
	struct twamp_result	 tr;
	struct alert_input	 in;
	enum alert_note		 note;
	struct eng_rule		*r;
	uint64_t		 k, nonconf;
	uint32_t		 i;
	int			 m, have_w = 0, have_tr = 0;

	if (al == NULL || !t->has_win || n == 0 || t->frozen)
		return;
	memset(&w, 0, sizeof(w));
	memset(&tr, 0, sizeof(tr));
	/* Every rule needs the window's counts (min_samples). */
	if (stats_window_compute(&t->win, &w) == -1)
		log_warn("task %s: window for thresholds", t->id);
	else
		have_w = 1;
	if ((al->needs & ENG_AL_TWAMP) && t->tw != NULL) {
		if (twamp_window_compute(&t->tw->win, &tr, &nonconf) == -1)
			log_warn("task %s: twamp window for thresholds",
			    t->id);
		else
			have_tr = 1;
	}
	for (i = 0; i < al->n; i++) {
		r = &al->r[i];
		m = (int)r->metric;
		memset(&in, 0, sizeof(in));
		in.samples = w.received + w.lost;
		switch (m) {
		case ALERT_LOSS:
			in.have = have_w && in.samples > 0;
			in.value = w.loss_rate;
			break;
		case ALERT_RTT_AVG:
			in.have = have_w && w.received > 0;
			in.value = (double)w.avg_rtt;
			break;
		case ALERT_RTT_P99:
			in.have = have_w && w.received > 0;
			in.value = (double)w.p99_rtt;
			break;
		case ALERT_JITTER:
			/* Two replies make one difference. */
			in.have = have_w && w.received > 1;
			in.value = (double)w.jitter;
			break;
		case ALERT_FORWARD_P99:
			in.have = have_tr && tr.replies > 0;
			in.value = (double)tr.fwd.p99;
			break;
		case ALERT_BACKWARD_P99:
			in.have = have_tr && tr.replies > 0;
			in.value = (double)tr.bwd.p99;
			break;
		}
		/* n evaluations of one value give at most one note. */
		for (k = 0; k < n; k++) {
			note = alert_eval(&r->rule, &r->sm, &in, mono);
			if (note == ALERT_NOTE_NONE)
				continue;
			if (note != ALERT_NOTE_REPEAT)
				r->sm.changed_at = now_real();
			log_debug("task %s: %s %s", t->id,
			    alert_metric_name(m), alert_note_name(note));
			alert_notify(t, r, note, have_w ? &w : NULL,
			    have_tr ? &tr : NULL);
		}
	}
}

static void
task_record(struct task *t, const struct probe_result *pr, int64_t mono)
{
	struct probe_sample	 s;

	/* The window holds its span only: it grows to that, not its cap. */
	if (t->has_win) {
		stats_window_expire(&t->win, mono, t->p.window_ns);
		if (t->tw != NULL)
			twamp_window_expire(&t->tw->win, mono,
			    t->p.window_ns);
	}
	switch (pr->kind) {
	case PROBE_K_SENT:
		stats_sent(&t->total);
		if (t->racc != NULL)
			stats_sent(t->racc);
		t->in_flight++;
		t->round_in_flight++;
		if (t->next_seq <= pr->seq)
			t->next_seq = pr->seq + 1;
		break;
	case PROBE_K_FATE:
		if (pr->status >= PROBE_NSTATUS || pr->status == PROBE_LATE)
			fatalx("probe result with status %u", pr->status);
		memset(&s, 0, sizeof(s));
		s.seq = pr->seq;
		s.status = pr->status;
		s.rtt_ns = pr->rtt_ns < 0 ? 0 : pr->rtt_ns;
		s.ttl = pr->ttl;
		if (t->in_flight > 0)
			t->in_flight--;
		if (t->round_in_flight > 0)
			t->round_in_flight--;
		if (stats_add(&t->total, &s) == -1 ||
		    (t->racc != NULL && stats_add(t->racc, &s) == -1))
			log_warn("task %s: sample %u", t->id, pr->seq);
		if (s.status == PROBE_OK || s.status == PROBE_REFUSED)
			eng_hist_add(t, &t->hist, s.rtt_ns);
		if (t->has_win)
			(void)stats_window_add(&t->win, &s, mono);
		if (t->tw != NULL && pr->status == PROBE_OK &&
		    (pr->twflags & PROBE_TW_REPLY))
			twamp_record(t, pr, mono);
		break;
	case PROBE_K_DUP:
		stats_duplicate(&t->total);
		if (t->racc != NULL)
			stats_duplicate(t->racc);
		if (t->has_win)
			stats_window_duplicate(&t->win, mono);
		break;
	case PROBE_K_LATE:
		stats_late(&t->total);
		if (t->racc != NULL)
			stats_late(t->racc);
		if (t->has_win)
			stats_window_late(&t->win, mono);
		break;
	default:
		fatalx("probe result of kind %u", pr->kind);
	}
	if (t->has_win)
		stats_window_set_in_flight(&t->win, t->in_flight);
	if (pr->kind == PROBE_K_SENT)
		return;
	if (pr->flags & PROBE_F_CLOCK_STEP)
		t->clock_steps++;
	if (pr->tsrc != TS_NONE)
		t->tsrc = pr->tsrc;
	sample_push(t, pr);
	if (t->subscribers > 0)
		emit_probe(t, pr, 0);
	if (proc_conf->exports_per_probe &&
	    proc_conf->exports_results_log[0] != '\0')
		export_probe(t, pr);
	if (t->has_win && mono >= t->exp_next && t->exp_next != 0)
		export_window(t, mono);
}

static struct session *
session_find(uint32_t sid)
{
	struct session	 k;

	k.sid = sid;
	return (RB_FIND(session_tree, &eng_sessions, &k));
}

/* Results of many sessions: chunks of (result_chunk, probe_result[]). */
static void
engine_results(struct imsg *imsg)
{
	struct result_chunk	 c;
	struct probe_result	 pr;
	struct session		*s;
	struct task		*t;
	const uint8_t		*p = imsg->data;
	size_t			 left = imsg->datalen, i;
	uint64_t		 fates;
	int64_t			 mono, real;

	if (left == 0)
		fatalx("empty IMSG_SESSION_RESULTS");
	mono = now_mono();
	real = now_real();
	while (left > 0) {
		if (left < sizeof(c))
			fatalx("IMSG_SESSION_RESULTS: short chunk");
		memcpy(&c, p, sizeof(c));
		p += sizeof(c);
		left -= sizeof(c);
		if (c.count == 0 || c.count > left / sizeof(pr))
			fatalx("IMSG_SESSION_RESULTS: bad count %u", c.count);
		if ((s = session_find(c.sid)) == NULL)
			fatalx("IMSG_SESSION_RESULTS for unknown session %u",
			    c.sid);
		/* A stopped task's partial results are final: skipped. */
		if ((t = s->task) != NULL) {
			for (i = fates = 0; i < c.count; i++) {
				memcpy(&pr, p + i * sizeof(pr), sizeof(pr));
				task_record(t, &pr, mono);
				fates += pr.kind == PROBE_K_FATE;
			}
			task_alerts_eval(t, fates, mono);
			t->t_updated = real;
		}
		p += (size_t)c.count * sizeof(pr);
		left -= (size_t)c.count * sizeof(pr);
	}
}

static void
engine_session_end(struct imsg *imsg)
{
	struct session_end	 se;
	struct session		*s;
	struct task		*t;
	struct timeval		 tv;

	if (imsg_check_len(imsg, sizeof(se)))
		fatalx("bad IMSG_SESSION_END");
	memcpy(&se, imsg->data, sizeof(se));
	se.msg[sizeof(se.msg) - 1] = '\0';
	if ((s = session_find(imsg->hdr.id)) == NULL)
		fatalx("IMSG_SESSION_END for unknown session %u",
		    imsg->hdr.id);
	RB_REMOVE(session_tree, &eng_sessions, s);
	t = s->task;
	free(s);
	if (t == NULL)
		return;
	t->sess = NULL;
	if (se.error != 0) {
		if (se.msg[0] == '\0')
			strlcpy(se.msg, strerror(se.error), sizeof(se.msg));
		task_finish(t, TASK_FAILED, se.msg);
		return;
	}
	task_end_round(t);
	if (t->p.mode == TASK_COUNT && t->round < t->p.rounds) {
		/* Made when first needed: most tasks have one round. */
		if (t->round_ev == NULL && (t->round_ev = evtimer_new(proc_base,
		    task_round_cb, t)) == NULL)
			fatalx("evtimer_new");
		tv = proc_ns_tv(t->p.round_delay_ns);
		evtimer_add(t->round_ev, &tv);
		return;
	}
	if (t->p.mode == TASK_CONTINUOUS) {
		/* The sender never ends a continuous session by itself. */
		task_finish(t, TASK_FAILED, "the sender ended the session");
		return;
	}
	task_finish(t, TASK_FINISHED, NULL);
}

static void
task_snapshot(struct task *t, struct task_info *ti)
{
	uint32_t	 i;

	memset(ti, 0, sizeof(*ti));
	strlcpy(ti->id, t->id, sizeof(ti->id));
	params_export_task(t, &ti->params);
	ti->status = t->status;
	strlcpy(ti->error, TASK_ERR(t), sizeof(ti->error));
	ti->t_created = t->t_created;
	ti->t_started = t->t_started;
	ti->t_finished = t->t_finished;
	ti->t_updated = t->t_updated;
	ti->addr = t->addr;
	ti->tsrc = t->tsrc;
	ti->round = t->round;
	ti->clock_steps = t->clock_steps;
	ti->resolves = t->resolves;
	if (t->frozen) {
		if (t->final != NULL) {
			ti->total = t->final[0];
			ti->window = t->final[1];
		}
		ti->has_window = t->has_win;
	} else if (stats_compute(&t->total, &ti->total) == -1)
		log_warn("task %s: percentiles", t->id);
	ti->total.in_flight = t->in_flight;
	if (t->has_win && !t->frozen) {
		stats_window_expire(&t->win, now_mono(), t->p.window_ns);
		stats_window_set_in_flight(&t->win, t->in_flight);
		if (stats_window_compute(&t->win, &ti->window) == -1)
			log_warn("task %s: window percentiles", t->id);
		ti->has_window = 1;
	}
	if (t->tw != NULL) {
		if (t->frozen)
			ti->twamp = t->tw->final;
		else
			twamp_export_total(t->tw, &ti->twamp);
		if (t->has_win && t->frozen)
			ti->window_twamp = t->tw->final_win;
		else if (t->has_win) {
			twamp_window_expire(&t->tw->win, now_mono(),
			    t->p.window_ns);
			twamp_export_window(t->tw, &ti->window_twamp);
		}
	}
	for (i = 0; t->al != NULL && i < t->al->n; i++)
		ti->alert_sm[t->al->r[i].metric] = t->al->r[i].sm;
	/* Finished rounds, and the current one while it runs. */
	ti->nrounds = t->nrounds + (t->round_from != 0 ? 1 : 0);
	if (t->pv != NULL) {
		(void)passive_snapshot(t, ti);
		ti->nrounds = passive_rounds(t);
	}
}

static void
send_task(struct task *t, uint32_t reqid)
{
	struct task_info	 ti;
	struct task_round	 cur;
	uint32_t		 i;

	task_snapshot(t, &ti);
	proc_compose(PROC_CONTROL, IMSG_TASK_INFO, 0, reqid, -1, &ti,
	    sizeof(ti));
	for (i = 0; i < passive_rounds(t); i++) {
		passive_round(t, i, &cur);
		proc_compose(PROC_CONTROL, IMSG_TASK_ROUND, 0, reqid, -1,
		    &cur, sizeof(cur));
	}
	for (i = 0; i < t->nrounds; i++) {
		memset(&cur, 0, sizeof(cur));
		cur.index = t->rounds[i].index;
		cur.t_from = t->rounds[i].t_from;
		cur.t_to = t->rounds[i].t_to;
		cur.stats = t->rounds[i].stats;
		if (t->tw != NULL)
			cur.twamp = t->tw->rounds[i];
		proc_compose(PROC_CONTROL, IMSG_TASK_ROUND, 0, reqid, -1,
		    &cur, sizeof(cur));
	}
	if (t->round_from != 0) {
		memset(&cur, 0, sizeof(cur));
		cur.index = t->round;
		cur.t_from = t->round_from;
		if (stats_compute(task_racc(t), &cur.stats) == -1)
			log_warn("task %s: round percentiles", t->id);
		cur.stats.in_flight = t->round_in_flight;
		if (t->tw != NULL)
			twamp_export(&t->tw->racc, t->tw->rnonconf,
			    &cur.twamp);
		proc_compose(PROC_CONTROL, IMSG_TASK_ROUND, 0, reqid, -1,
		    &cur, sizeof(cur));
	}
}

static struct task *
query_task(struct imsg *imsg, struct task_query *q, const char *what)
{
	struct task	*t;

	if (imsg_check_len(imsg, sizeof(*q)))
		fatalx("bad %s", what);
	memcpy(q, imsg->data, sizeof(*q));
	q->id[sizeof(q->id) - 1] = '\0';
	if ((t = task_find(q->id)) == NULL)
		reply_end(imsg->hdr.reqid, 404, NULL, "no task %s", q->id);
	return (t);
}

static void
engine_get(struct imsg *imsg)
{
	struct task_query	 q;
	struct task		*t;

	if ((t = query_task(imsg, &q, "IMSG_TASK_GET")) == NULL)
		return;
	send_task(t, imsg->hdr.reqid);
	reply_end(imsg->hdr.reqid, 200, t->id, NULL);
}

/*
 * Listings (GET /api/v1/tasks) go out as control reads them: at most
 * ENG_LIST_HIWAT messages queued to it, the rest when the queue has
 * gone down (a listing of 10,000 tasks would otherwise queue 50 MB at
 * once in the engine).  The tasks are sent in key order from where the
 * last part stopped, so each is listed once.
 */
#define ENG_LIST_HIWAT	128
#define ENG_LIST_WAIT_US 500

struct eng_listing {
	TAILQ_ENTRY(eng_listing) entry;
	uint32_t		 reqid;
	struct task_query	 q;
	uint32_t		 next;		/* the key to go on from */
};
static TAILQ_HEAD(, eng_listing) eng_listings =
    TAILQ_HEAD_INITIALIZER(eng_listings);
static struct event		*eng_list_ev;

static void
list_run(evutil_socket_t fd, short event, void *arg)
{
	struct eng_listing	*l;
	struct task		 k, *t;
	struct timeval		 tv = { 0, ENG_LIST_WAIT_US };

	while ((l = TAILQ_FIRST(&eng_listings)) != NULL) {
		k.key = l->next;
		for (t = RB_NFIND(task_tree, &eng_tasks, &k); t != NULL;
		    t = RB_NEXT(task_tree, &eng_tasks, t)) {
			if (proc_queued(PROC_CONTROL) > ENG_LIST_HIWAT) {
				l->next = t->key;
				evtimer_add(eng_list_ev, &tv);
				return;
			}
			if (l->q.type != 0 && t->p.type != l->q.type)
				continue;
			if (l->q.status >= 0 &&
			    t->status != (uint32_t)l->q.status)
				continue;
			send_task(t, l->reqid);
		}
		reply_end(l->reqid, 200, NULL, NULL);
		TAILQ_REMOVE(&eng_listings, l, entry);
		free(l);
		eng_trim_soon();
	}
}

static void
engine_list(struct imsg *imsg)
{
	struct eng_listing	*l;

	if (imsg_check_len(imsg, sizeof(l->q)))
		fatalx("bad IMSG_TASK_LIST");
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		reply_end(imsg->hdr.reqid, 503, NULL, "out of memory");
		return;
	}
	memcpy(&l->q, imsg->data, sizeof(l->q));
	l->reqid = imsg->hdr.reqid;
	TAILQ_INSERT_TAIL(&eng_listings, l, entry);
	if (TAILQ_FIRST(&eng_listings) == l)
		list_run(-1, 0, NULL);
}

static void
engine_samples(struct imsg *imsg)
{
	struct probe_result	 batch[PROBE_BATCH_MAX];
	struct task_query	 q;
	struct task		*t;
	uint32_t		 n, skip, i, nb = 0;

	if ((t = query_task(imsg, &q, "IMSG_TASK_SAMPLES")) == NULL)
		return;
	n = t->ring_len;
	if (q.last != 0 && q.last < n)
		n = q.last;
	skip = t->ring_len - n;
	for (i = 0; i < n; i++) {
		sample_get(t, skip + i, &batch[nb++]);
		if (nb == PROBE_BATCH_MAX || i + 1 == n) {
			proc_compose(PROC_CONTROL, IMSG_TASK_SAMPLE, 0,
			    imsg->hdr.reqid, -1, batch, nb * sizeof(batch[0]));
			nb = 0;
		}
	}
	reply_end(imsg->hdr.reqid, 200, t->id, NULL);
}

static void
engine_stop(struct imsg *imsg)
{
	struct task_query	 q;
	struct task		*t;

	if ((t = query_task(imsg, &q, "IMSG_TASK_STOP")) == NULL)
		return;
	if (task_is_final(t->status)) {
		reply_end(imsg->hdr.reqid, 409, t->id, "task %s is already %s",
		    t->id, task_status_name(t->status));
		return;
	}
	log_info("task %s: stopped", t->id);
	task_finish(t, TASK_STOPPED, NULL);
	reply_end(imsg->hdr.reqid, 202, t->id, NULL);
}

static void
engine_delete(struct imsg *imsg)
{
	struct task_query	 q;
	struct task		*t;
	char			 id[TASK_IDLEN];

	if ((t = query_task(imsg, &q, "IMSG_TASK_DELETE")) == NULL)
		return;
	strlcpy(id, t->id, sizeof(id));
	task_detach_session(t);
	task_remove(t);
	log_info("task %s: deleted", id);
	reply_end(imsg->hdr.reqid, 204, id, NULL);
}

static void
engine_subscribe(struct imsg *imsg, int on)
{
	struct task_query	 q;
	struct probe_result	 pr;
	struct task		*t;
	uint32_t		 i;

	if (!on) {
		if (imsg_check_len(imsg, sizeof(q)))
			fatalx("bad IMSG_TASK_UNSUBSCRIBE");
		memcpy(&q, imsg->data, sizeof(q));
		q.id[sizeof(q.id) - 1] = '\0';
		if ((t = task_find(q.id)) != NULL && t->subscribers > 0)
			t->subscribers--;
		return;
	}
	if ((t = query_task(imsg, &q, "IMSG_TASK_SUBSCRIBE")) == NULL)
		return;
	t->subscribers++;
	reply_end(imsg->hdr.reqid, 200, t->id, NULL);
	/* Replay what is held, then the current state. */
	for (i = 0; i < t->ring_len; i++) {
		sample_get(t, i, &pr);
		emit_probe(t, &pr, imsg->hdr.reqid);
	}
	emit_state(t, imsg->hdr.reqid);
}

static int
engine_dispatch_peer(enum lopa_proc from, struct imsg *imsg)
{
	switch (from) {
	case PROC_CONTROL:
		switch (imsg->hdr.type) {
		case IMSG_TASK_CREATE:
			engine_create(imsg);
			return (0);
		case IMSG_TASK_GET:
			engine_get(imsg);
			return (0);
		case IMSG_TASK_LIST:
			engine_list(imsg);
			return (0);
		case IMSG_METRICS_GET:
			engine_metrics(imsg);
			return (0);
		case IMSG_TASK_SAMPLES:
			engine_samples(imsg);
			return (0);
		case IMSG_TASK_STOP:
			engine_stop(imsg);
			return (0);
		case IMSG_TASK_DELETE:
			engine_delete(imsg);
			return (0);
		case IMSG_TASK_SUBSCRIBE:
			engine_subscribe(imsg, 1);
			return (0);
		case IMSG_TASK_UNSUBSCRIBE:
			engine_subscribe(imsg, 0);
			return (0);
		case IMSG_RESOLVED:
			engine_resolved(imsg);
			return (0);
		}
		break;
	case PROC_SENDER:
		switch (imsg->hdr.type) {
		case IMSG_SESSION_RESULTS:
			engine_results(imsg);
			return (0);
		case IMSG_SESSION_END:
			engine_session_end(imsg);
			return (0);
		}
		break;
	case PROC_NETLINK:
		if (imsg->hdr.type == IMSG_NL_COUNTERS_REPLY) {
			engine_nl_counters(imsg);
			return (0);
		}
		break;
	default:
		break;
	}
	return (engine_mon_dispatch(from, imsg));
}

static void
engine_init(void)
{
	char	 host[HOST_NAME_MAX + 1];

	if (gethostname(host, sizeof(host)) == -1)
		strlcpy(host, "lopad", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	strlcpy(eng_node, host, sizeof(eng_node));
}

/*
 * Memory freed after a burst (a listing of every task queues a message
 * per task; creations queue one each for the state file) stays with the
 * process unless given back: a few seconds after one, trim the heap.
 */
#define ENG_TRIM_SEC	5
static struct event	*eng_trim_ev;

static void
eng_trim_cb(evutil_socket_t fd, short event, void *arg)
{
	malloc_trim(0);
}

static void
eng_trim_soon(void)
{
	struct timeval	 tv = { ENG_TRIM_SEC, 0 };

	if (eng_trim_ev != NULL && !evtimer_pending(eng_trim_ev, NULL))
		evtimer_add(eng_trim_ev, &tv);
}

/* --- exports (export.h) ------------------------------------------ */

static int
eng_exporting(void)
{
	return proc_conf->exports_influx_url[0] != '\0' ||
	    proc_conf->exports_results_log[0] != '\0';
}

/* What every export of task t says. */
static void
export_fill(struct task *t, struct export_result *x, uint32_t kind,
    uint32_t index, int64_t from, int64_t to)
{
	memset(x, 0, sizeof(*x));
	x->key = t->key;
	x->type = t->p.type;
	x->mode = t->p.mode;
	x->kind = kind;
	x->index = index;
	x->t_from = from;
	x->t_to = to;
	x->window_ns = t->p.window_ns;
	strlcpy(x->name, t->p.name, sizeof(x->name));
	strlcpy(x->target, t->p.target, sizeof(x->target));
	if (task_addr_format(&t->addr, x->ip, sizeof(x->ip)) == 0)
		x->ip[0] = '\0';
	x->labels_len = t->p.labels_len;
	memcpy(x->labels, t->p.labels, t->p.labels_len);
}

/* A passive task's interval: its deltas by interface. */
static void
export_passive(struct task *t, const struct pv_ival *iv)
{
	static struct export_result	 x;

	if (!eng_exporting())
		return;
	export_fill(t, &x, EXPORT_INTERVAL, iv->index, iv->from, iv->to);
	x.npassive = t->pv->n;
	x.dt_ns = iv->dt;
	memcpy(x.pnames, t->pv->names, sizeof(x.pnames));
	memcpy(x.pd, iv->d, sizeof(x.pd));
	proc_compose(PROC_CONTROL, IMSG_EXPORT_RESULT, 0, 0, -1, &x,
	    sizeof(x));
}

/* A round's or a window's figures to control, for the exports. */
static void
export_send(struct task *t, uint32_t kind, uint32_t index, int64_t from,
    int64_t to, const struct stats_result *st, const struct task_twamp *tw)
{
	static struct export_result	 x;

	if (!eng_exporting())
		return;
	/* The probe lines of the results log before the round's. */
	export_probes_flush(-1, 0, NULL);
	export_fill(t, &x, kind, index, from, to);
	x.st = *st;
	if (tw != NULL) {
		x.has_twamp = 1;
		x.twamp = *tw;
	}
	proc_compose(PROC_CONTROL, IMSG_EXPORT_RESULT, 0, 0, -1, &x,
	    sizeof(x));
}

/* A continuous task's window, once per window span from its start. */
static void
export_window(struct task *t, int64_t mono)
{
	struct stats_result	 w;
	struct task_twamp	 tw;
	int64_t			 now = now_real();

	/* Behind by more than a span (a stopped clock): from now on. */
	t->exp_next = t->exp_next + t->p.window_ns > mono ?
	    t->exp_next + t->p.window_ns : mono + t->p.window_ns;
	if (!eng_exporting())
		return;
	if (stats_window_compute(&t->win, &w) == -1) {
		log_warn("task %s: window for the exports", t->id);
		return;
	}
	w.in_flight = t->win.in_flight;
	if (t->tw != NULL)
		twamp_export_window(t->tw, &tw);
	export_send(t, EXPORT_WINDOW, ++t->exp_index, now - t->p.window_ns,
	    now, &w, t->tw != NULL ? &tw : NULL);
}

/*
 * exports.results_log_per_probe: fates, duplicates and late replies in
 * batches of a message, sent when full or 200 ms after the first.
 */
#define EXP_PROBES	((PROC_PEER_MAXSIZE - IMSG_HDR_SIZE) / \
			    sizeof(struct export_probe))
static struct export_probe	 exp_probes[EXP_PROBES];
static size_t			 exp_nprobes;
static struct event		*exp_flush_ev;

static void
export_probes_flush(evutil_socket_t fd, short ev, void *arg)
{
	if (exp_nprobes == 0)
		return;
	proc_compose(PROC_CONTROL, IMSG_EXPORT_PROBES, 0, 0, -1, exp_probes,
	    exp_nprobes * sizeof(exp_probes[0]));
	exp_nprobes = 0;
}

static void
export_probe(const struct task *t, const struct probe_result *pr)
{
	struct timeval	 tv = { 0, 200000 };

	exp_probes[exp_nprobes].key = t->key;
	exp_probes[exp_nprobes].type = t->p.type;
	exp_probes[exp_nprobes].pr = *pr;
	if (++exp_nprobes == EXP_PROBES)
		export_probes_flush(-1, 0, NULL);
	else if (exp_nprobes == 1 && exp_flush_ev != NULL)
		evtimer_add(exp_flush_ev, &tv);
}

/* --- GET /metrics ------------------------------------------------- */

/* The bounds from the configuration; a change starts the histograms anew. */
static void
eng_metrics_conf(const struct lopad_conf *c)
{
	int64_t		 b[METRICS_BUCKETS_MAX];
	uint32_t	 n = 0;
	struct task	*t;

	if (c->metrics_histograms)
		n = metrics_bounds(c->metrics_bucket_start,
		    c->metrics_bucket_factor, c->metrics_buckets, b);
	if (n == eng_nbounds && memcmp(b, eng_bounds, n * sizeof(b[0])) == 0)
		return;
	memcpy(eng_bounds, b, n * sizeof(b[0]));
	eng_nbounds = n;
	RB_FOREACH(t, task_tree, &eng_tasks) {
		metrics_hist_free(t->hist);
		t->hist = NULL;
		if (t->tw != NULL) {
			metrics_hist_free(t->tw->fwd_hist);
			metrics_hist_free(t->tw->bwd_hist);
			t->tw->fwd_hist = t->tw->bwd_hist = NULL;
		}
	}
}

/* A histogram's counts, cumulative, as a row carries them (nb + 1). */
static void
row_hist(uint64_t *out, const struct metrics_hist *h, uint32_t nb)
{
	uint64_t	 acc = 0;
	uint32_t	 i;

	for (i = 0; i <= nb; i++) {
		if (h != NULL)
			acc += metrics_hist_count(h, i);
		out[i] = acc;
	}
}

/* Task t as a row at buf (room: cap octets): its size, or 0. */
static size_t
metrics_row_fill(struct task *t, void *buf, size_t cap)
{
	struct metrics_row	*r = buf;
	struct metrics_if	*mi;
	struct stats_result	 w, cur;
	const struct stats_result *st = NULL;
	const struct eng_rule	*er;
	char			 ip[LOPA_ADDRLEN], *p;
	uint32_t		 nb, i, k, nif = 0;
	size_t			 len, nl, tl, il;

	nb = eng_nbounds > 0 && !t->p.no_histograms &&
	    t->p.type != TASK_PASSIVE ? eng_nbounds : 0;
	if (t->pv != NULL)
		nif = t->pv->res.n;
	if (task_addr_format(&t->addr, ip, sizeof(ip)) == 0)
		ip[0] = '\0';
	nl = strlen(t->p.name) + 1;
	tl = strlen(t->p.target) + 1;
	il = strlen(ip) + 1;
	len = metrics_row_size(nb, t->tw != NULL ? MR_F_TWAMP : 0, nif, nl,
	    tl, il, t->p.labels_len);
	if (len > cap)
		return 0;
	memset(r, 0, len);
	r->len = (uint32_t)len;
	r->key = t->key;
	r->type = (uint8_t)t->p.type;
	r->mode = (uint8_t)t->p.mode;
	r->status = (uint8_t)t->status;
	r->family = t->addr.family == AF_INET ? 4 :
	    t->addr.family == AF_INET6 ? 6 : 0;
	r->dscp = t->p.dscp;
	r->nbuckets = nb;
	r->npassive = nif;
	r->name_len = (uint32_t)nl;
	r->target_len = (uint32_t)tl;
	r->ip_len = (uint32_t)il;
	r->labels_len = t->p.labels_len;
	r->fwd_hops = r->bwd_hops = -1;

	/* Counters: the total's; the window gives the variation and up. */
	if (t->frozen || t->final != NULL) {
		if (t->final != NULL)
			st = &t->final[0];
	} else if (t->has_win) {
		if (stats_window_compute(&t->win, &w) == 0) {
			r->jitter_ns = w.jitter;
			r->ipdv_ns = w.ipdv_mean;
			if (w.received > 0)
				r->flags |= MR_F_UP;
		}
		r->flags |= MR_F_WINDOW;
	} else if (stats_compute(&t->total, &cur) == 0)
		st = &cur;
	if (st != NULL) {
		r->sent = st->sent;
		r->received = st->received;
		r->lost = st->lost;
		r->duplicates = st->duplicates;
		r->late = st->late;
		r->reordered = st->reordered;
		r->jitter_ns = st->jitter;
		r->ipdv_ns = st->ipdv_mean;
	} else if (!t->frozen) {
		r->sent = t->total.sent;
		r->received = t->total.received;
		r->lost = t->total.lost;
		r->duplicates = t->total.duplicates;
		r->late = t->total.late;
		r->reordered = t->total.reordered;
	}
	if (!t->has_win || t->frozen) {
		/* The current round, or the last one. */
		if (t->round_from != 0 && !t->frozen) {
			if (task_racc(t)->received > 0)
				r->flags |= MR_F_UP;
		} else if (t->nrounds > 0) {
			if (t->rounds[t->nrounds - 1].stats.received > 0)
				r->flags |= MR_F_UP;
		} else if (r->received > 0 && !t->frozen)
			r->flags |= MR_F_UP;
	}
	if (t->al != NULL)
		for (i = 0; i < t->al->n; i++) {
			er = &t->al->r[i];
			r->alerts_set |= 1U << er->metric;
			if (er->sm.state == ALERT_ALERTING)
				r->alerts_on |= 1U << er->metric;
		}
	p = (char *)(r + 1);
	if (nb > 0) {
		r->rtt_sum_ns = t->hist != NULL ? t->hist->sum_ns : 0;
		row_hist((uint64_t *)p, t->hist, nb);
		p += ((size_t)nb + 1) * sizeof(uint64_t);
		if (t->tw != NULL) {
			r->flags |= MR_F_TWAMP;
			r->fwd_sum_ns = t->tw->fwd_hist != NULL ?
			    t->tw->fwd_hist->sum_ns : 0;
			r->bwd_sum_ns = t->tw->bwd_hist != NULL ?
			    t->tw->bwd_hist->sum_ns : 0;
			row_hist((uint64_t *)p, t->tw->fwd_hist, nb);
			p += ((size_t)nb + 1) * sizeof(uint64_t);
			row_hist((uint64_t *)p, t->tw->bwd_hist, nb);
			p += ((size_t)nb + 1) * sizeof(uint64_t);
		}
	}
	if (t->tw != NULL) {
		r->fwd_hops = t->frozen ? t->tw->final.r.fwd_hops :
		    t->tw->total.fwd_hops;
		r->bwd_hops = t->frozen ? t->tw->final.r.bwd_hops :
		    t->tw->total.bwd_hops;
		if (r->fwd_hops >= 0 || r->bwd_hops >= 0)
			r->flags |= MR_F_HOPS;
	}
	for (i = 0; i < nif; i++) {
		mi = (struct metrics_if *)p + i;
		strlcpy(mi->name, t->pv->res.v[i].name, sizeof(mi->name));
		for (k = 0; k < 8; k++)
			mi->c[k] = t->pv->res.v[i].total[k];
		if (t->pv->res.v[i].present)
			r->flags |= MR_F_UP;
	}
	p += (size_t)nif * sizeof(struct metrics_if);
	memcpy(p, t->p.name, nl);
	p += nl;
	memcpy(p, t->p.target, tl);
	p += tl;
	memcpy(p, ip, il);
	p += il;
	memcpy(p, t->p.labels, t->p.labels_len);
	return len;
}

/*
 * Every task as rows, packed into messages, then IMSG_METRICS_END.  At
 * most a few KB a task: 10,000 tasks are a few MB of messages, built in
 * one go (a few ms; the sender keeps the schedule meanwhile).
 */
static void
engine_metrics(struct imsg *imsg)
{
	static uint64_t		 msg[(PROC_PEER_MAXSIZE - IMSG_HDR_SIZE) / 8];
	struct task		*t;
	size_t			 used = 0, n;
	uint32_t		 reqid = imsg->hdr.reqid;

	RB_FOREACH(t, task_tree, &eng_tasks) {
		/* Into the message; when full, sent, and into the next. */
		n = metrics_row_fill(t, (char *)msg + used, sizeof(msg) - used);
		if (n == 0 && used > 0) {
			proc_compose(PROC_CONTROL, IMSG_METRICS_ROWS, 0, reqid,
			    -1, msg, used);
			used = 0;
			n = metrics_row_fill(t, msg, sizeof(msg));
		}
		if (n == 0)
			log_warnx("task %s: too big for GET /metrics", t->id);
		used += n;
	}
	if (used > 0)
		proc_compose(PROC_CONTROL, IMSG_METRICS_ROWS, 0, reqid, -1,
		    msg, used);
	proc_compose(PROC_CONTROL, IMSG_METRICS_END, 0, reqid, -1, NULL, 0);
}

static void
engine_start(void)
{
	eng_metrics_conf(proc_conf);
	if ((exp_flush_ev = evtimer_new(proc_base, export_probes_flush,
	    NULL)) == NULL)
		fatalx("evtimer_new");
	if ((eng_trim_ev = evtimer_new(proc_base, eng_trim_cb, NULL)) == NULL ||
	    (eng_list_ev = evtimer_new(proc_base, list_run, NULL)) == NULL)
		fatalx("evtimer_new");
	log_debug("started");
}

static void
engine_reconf_commit(const struct lopad_conf *c)
{
	/* proc_conf is the new one already: a smaller limits.retain. */
	task_evict();
	eng_metrics_conf(c);
	engine_mon_reconf();
}

static void
engine_shutdown(void)
{
	struct task	*t, *tt;
	struct session	*s, *ss;

	RB_FOREACH_SAFE(t, task_tree, &eng_tasks, tt) {
		RB_REMOVE(task_tree, &eng_tasks, t);
		task_free(t);
	}
	RB_FOREACH_SAFE(s, session_tree, &eng_sessions, ss) {
		RB_REMOVE(session_tree, &eng_sessions, s);
		free(s);
	}
	engine_mon_shutdown();
}

const struct proc_role engine_role = {
	.role = PROC_ENGINE,
	.precise_timer = 1,
	.init = engine_init,
	.start = engine_start,
	.dispatch_parent = engine_dispatch_parent,
	.dispatch_peer = engine_dispatch_peer,
	.reconf_commit = engine_reconf_commit,
	.shutdown = engine_shutdown,
};
