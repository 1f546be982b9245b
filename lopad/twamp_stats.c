/*
 * lopa: one-way figures of TWAMP and STAMP replies (twamp_stats.h).
 *
 *   rtt       (T4 - T1) - (T3 - T2): the round trip without the time the
 *             reflector held the packet (RFC 5357 §4.2.1, RFC 8762);
 *   fwd, bwd  T2 - T1 and T4 - T3, across two clocks;
 *   proc      T3 - T2, the reflector's own time;
 *   hops      TTL we sent with minus the TTL the reflector saw (forward),
 *             and the reply's initial TTL minus what we saw (backward);
 *   jitter    mean |d_i - d_i-1| over consecutive replies, as stats.c's
 *             Lopa jitter is for the RTT;
 *   p50, p99  nearest rank over the kept values, as stats.c.
 *
 * A stateful reflector numbers what it reflects from 0 (RFC 8762 §4.2.2);
 * a stateless one copies our numbers.  Until a reply's numbers differ,
 * the two cannot be told apart (a stateful reflector that lost nothing
 * counts as we do): "stateless" means "consistent with stateless".
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "twamp_stats.h"

#define DELAY_CAP_MIN	64

/* a - b, saturated to int64. */
static int64_t
sub_sat(int64_t a, int64_t b)
{
	if (b < 0 && a > INT64_MAX + b)
		return INT64_MAX;
	if (b > 0 && a < INT64_MIN + b)
		return INT64_MIN;
	return a - b;
}

/* The initial TTL a reply was most likely sent with. */
static int
initial_ttl(int ttl)
{
	if (ttl > 128)
		return 255;
	if (ttl > 64)
		return 128;
	return 64;
}

void
twamp_delays(const struct twamp_obs *o, struct twamp_delays *d)
{
	int64_t	 rt;

	memset(d, 0, sizeof(*d));
	d->fwd = sub_sat(o->t2, o->t1);
	d->bwd = sub_sat(o->t4, o->t3);
	d->proc = sub_sat(o->t3, o->t2);
	if (d->proc < 0)
		d->flags |= TWD_PROC_NEGATIVE;
	rt = sub_sat(sub_sat(o->t4, o->t1), d->proc);
	if (rt < 0) {
		d->flags |= TWD_RTT_NEGATIVE;
		rt = 0;
	}
	d->rtt = rt;
	d->fwd_hops = o->sender_ttl >= 0 && o->sender_ttl <= o->sent_ttl &&
	    o->sent_ttl <= 255 ? o->sent_ttl - o->sender_ttl : -1;
	d->bwd_hops = o->reply_ttl > 0 && o->reply_ttl <= 255 ?
	    initial_ttl(o->reply_ttl) - o->reply_ttl : -1;
}

static void
delay_init(struct delay_acc *a)
{
	memset(a, 0, sizeof(*a));
}

static void
delay_free(struct delay_acc *a)
{
	free(a->v);
	a->v = NULL;
	a->nv = a->cap = 0;
}

/* 0, or -1 when the value could not be kept (counted all the same). */
static int
delay_add(struct delay_acc *a, int64_t x)
{
	int64_t	*nv;
	size_t	 ncap;
	double	 d;

	a->n++;
	if (a->n == 1 || x < a->min)
		a->min = x;
	if (a->n == 1 || x > a->max)
		a->max = x;
	d = (double)x - a->mean;
	a->mean += d / (double)a->n;
	a->m2 += d * ((double)x - a->mean);
	if (a->have_prev) {
		a->jit_sum += fabs((double)x - (double)a->prev);
		a->jit_n++;
	}
	a->have_prev = 1;
	a->prev = x;
	if (a->nokeep)
		return 0;
	if (a->nv == a->cap) {
		ncap = a->cap == 0 ? DELAY_CAP_MIN : a->cap * 2;
		if (ncap < a->cap || (nv = reallocarray(a->v, ncap,
		    sizeof(*nv))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		a->v = nv;
		a->cap = ncap;
	}
	a->v[a->nv++] = x;
	return 0;
}

static int
cmp_i64(const void *pa, const void *pb)
{
	int64_t	 x = *(const int64_t *)pa, y = *(const int64_t *)pb;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least p % at or below it. */
static int64_t
rank(const int64_t *v, size_t n, unsigned p)
{
	size_t	 k;

	k = (n * p + 99) / 100;
	return v[k == 0 ? 0 : k - 1];
}

static int
delay_compute(const struct delay_acc *a, struct delay_result *r)
{
	int64_t	*s;

	memset(r, 0, sizeof(*r));
	r->n = a->n;
	if (a->n == 0)
		return 0;
	r->min = a->min;
	r->max = a->max;
	r->avg = (int64_t)llround(a->mean);
	r->stddev = (int64_t)llround(sqrt(a->m2 / (double)a->n));
	if (a->jit_n > 0)
		r->jitter = (int64_t)llround(a->jit_sum / (double)a->jit_n);
	if (a->nv == 0)
		return 0;
	if ((s = reallocarray(NULL, a->nv, sizeof(*s))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(s, a->v, a->nv * sizeof(*s));
	qsort(s, a->nv, sizeof(*s), cmp_i64);
	r->p50 = rank(s, a->nv, 50);
	r->p99 = rank(s, a->nv, 99);
	free(s);
	return 0;
}

void
twamp_acc_init(struct twamp_acc *a)
{
	memset(a, 0, sizeof(*a));
	delay_init(&a->fwd);
	delay_init(&a->bwd);
	delay_init(&a->proc);
	a->fwd_hops = a->bwd_hops = -1;
	a->fwd_hops_min = a->fwd_hops_max = -1;
	a->bwd_hops_min = a->bwd_hops_max = -1;
}

void
twamp_acc_free(struct twamp_acc *a)
{
	delay_free(&a->fwd);
	delay_free(&a->bwd);
	delay_free(&a->proc);
}

void
twamp_acc_nokeep(struct twamp_acc *a)
{
	twamp_acc_free(a);
	a->fwd.nokeep = a->bwd.nokeep = a->proc.nokeep = 1;
}

static void
hops_add(int h, int *last, int *min, int *max)
{
	*last = h;
	if (h < 0)
		return;
	if (*min < 0 || h < *min)
		*min = h;
	if (*max < 0 || h > *max)
		*max = h;
}

int
twamp_acc_add(struct twamp_acc *a, const struct twamp_obs *o,
    const struct twamp_delays *d)
{
	int	 rc = 0;

	a->replies++;
	if (o->unsync)
		a->unsync++;
	if (d->flags & TWD_RTT_NEGATIVE)
		a->rtt_negative++;
	if (delay_add(&a->fwd, d->fwd) == -1)
		rc = -1;
	if (delay_add(&a->bwd, d->bwd) == -1)
		rc = -1;
	if (delay_add(&a->proc, d->proc) == -1)
		rc = -1;
	hops_add(d->fwd_hops, &a->fwd_hops, &a->fwd_hops_min,
	    &a->fwd_hops_max);
	hops_add(d->bwd_hops, &a->bwd_hops, &a->bwd_hops_min,
	    &a->bwd_hops_max);
	if (o->rseq != o->seq)
		a->rseq_differs++;
	if (!a->have_seq) {
		a->have_seq = 1;
		a->seq_min = a->seq_max = o->seq;
		a->rseq_min = a->rseq_max = o->rseq;
	} else {
		if (o->seq < a->seq_min)
			a->seq_min = o->seq;
		if (o->seq > a->seq_max)
			a->seq_max = o->seq;
		if (o->rseq < a->rseq_min)
			a->rseq_min = o->rseq;
		if (o->rseq > a->rseq_max)
			a->rseq_max = o->rseq;
	}
	return rc;
}

int
twamp_compute(const struct twamp_acc *a, struct twamp_result *r)
{
	uint64_t	 sent_span, refl_span;
	int		 rc = 0;

	memset(r, 0, sizeof(*r));
	if (delay_compute(&a->fwd, &r->fwd) == -1)
		rc = -1;
	if (delay_compute(&a->bwd, &r->bwd) == -1)
		rc = -1;
	if (delay_compute(&a->proc, &r->proc) == -1)
		rc = -1;
	r->replies = a->replies;
	r->unsync = a->unsync;
	r->unsynchronized = a->unsync > 0;
	r->rtt_negative = a->rtt_negative;
	r->fwd_hops = a->fwd_hops;
	r->bwd_hops = a->bwd_hops;
	r->fwd_hops_min = a->fwd_hops_min;
	r->fwd_hops_max = a->fwd_hops_max;
	r->bwd_hops_min = a->bwd_hops_min;
	r->bwd_hops_max = a->bwd_hops_max;
	if (a->replies == 0) {
		r->reflector = TWAMP_REFL_UNKNOWN;
		return rc;
	}
	if (a->rseq_differs == 0) {
		r->reflector = TWAMP_REFL_STATELESS;
		return rc;
	}
	r->reflector = TWAMP_REFL_STATEFUL;
	/*
	 * Ours from the first to the last answered, against the
	 * reflector's over the same replies: the probes it never counted
	 * were lost on the way there; what it counted and we never got
	 * back, on the way back (duplicates are not fed here).
	 */
	sent_span = (uint64_t)(a->seq_max - a->seq_min) + 1;
	refl_span = (uint64_t)(a->rseq_max - a->rseq_min) + 1;
	r->fwd_lost = sent_span > refl_span ? sent_span - refl_span : 0;
	r->bwd_lost = refl_span > a->replies ? refl_span - a->replies : 0;
	return rc;
}

/*
 * The window of replies.
 */
#define TWW_CAP_MIN	64

int
twamp_window_init(struct twamp_window *w, size_t max)
{
	size_t	 cap;

	memset(w, 0, sizeof(*w));
	if (max == 0) {
		errno = EINVAL;
		return -1;
	}
	cap = max < TWW_CAP_MIN ? max : TWW_CAP_MIN;
	if ((w->ring = calloc(cap, sizeof(*w->ring))) == NULL)
		return -1;
	w->cap = cap;
	w->max = max;
	return 0;
}

void
twamp_window_free(struct twamp_window *w)
{
	free(w->ring);
	memset(w, 0, sizeof(*w));
}

/* Double a full ring up to max (stats_ring_grow: the order is kept). */
static int
tww_grow(struct twamp_window *w)
{
	struct twamp_wentry	*ring;

	if ((ring = stats_ring_grow(w->ring, sizeof(*ring), &w->cap, w->max,
	    &w->head)) == NULL)
		return -1;
	w->ring = ring;
	return 0;
}

static int16_t
tww_hops(int h)
{
	return (int16_t)(h >= 0 && h <= INT16_MAX ? h : -1);
}

int
twamp_window_add(struct twamp_window *w, int64_t t_ns,
    const struct twamp_obs *o, const struct twamp_delays *d, int flags)
{
	struct twamp_wentry	*e;
	int			 rc = 0;

	if (w->cap == 0)
		return -1;
	if (w->len == w->cap && tww_grow(w) == -1) {
		w->head = (w->head + 1) % w->cap;
		w->len--;
		w->dropped++;
		rc = -1;
	}
	e = &w->ring[(w->head + w->len) % w->cap];
	e->t = t_ns;
	e->fwd = d->fwd;
	e->bwd = d->bwd;
	e->proc = d->proc;
	e->seq = o->seq;
	e->rseq = o->rseq;
	e->fwd_hops = tww_hops(d->fwd_hops);
	e->bwd_hops = tww_hops(d->bwd_hops);
	e->flags = (uint8_t)((flags & TWW_NONCONF) |
	    (o->unsync ? TWW_UNSYNC : 0) |
	    ((d->flags & TWD_RTT_NEGATIVE) ? TWW_RTT_NEG : 0));
	w->len++;
	return rc;
}

void
twamp_window_expire(struct twamp_window *w, int64_t now_ns,
    int64_t window_ns)
{
	const struct twamp_wentry	*e;

	while (w->len > 0) {
		e = &w->ring[w->head];
		/* As stats.c: the difference may not fit int64_t. */
		if (e->t >= now_ns || (uint64_t)now_ns - (uint64_t)e->t <=
		    (uint64_t)window_ns)
			break;
		w->head = (w->head + 1) % w->cap;
		w->len--;
	}
	if (w->len == 0)
		w->head = 0;
}

int
twamp_window_compute(const struct twamp_window *w, struct twamp_result *r,
    uint64_t *nonconf)
{
	const struct twamp_wentry	*e;
	struct twamp_acc		 a;
	struct twamp_obs		 o;
	struct twamp_delays		 d;
	uint64_t			 nc = 0;
	size_t				 i;
	int				 rc = 0;

	twamp_acc_init(&a);
	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	for (i = 0; i < w->len; i++) {
		e = &w->ring[(w->head + i) % w->cap];
		o.seq = e->seq;
		o.rseq = e->rseq;
		o.unsync = (e->flags & TWW_UNSYNC) != 0;
		d.fwd = e->fwd;
		d.bwd = e->bwd;
		d.proc = e->proc;
		d.fwd_hops = e->fwd_hops;
		d.bwd_hops = e->bwd_hops;
		d.flags = (e->flags & TWW_RTT_NEG) ? TWD_RTT_NEGATIVE : 0;
		if (twamp_acc_add(&a, &o, &d) == -1)
			rc = -1;
		if (e->flags & TWW_NONCONF)
			nc++;
	}
	if (twamp_compute(&a, r) == -1)
		rc = -1;
	twamp_acc_free(&a);
	if (nonconf != NULL)
		*nonconf = nc;
	return rc;
}
