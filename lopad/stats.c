/*
 * lopa: statistics over probe results (DESIGN §5).
 *
 * Counting rules.  A probe is in flight from stats_sent() until its fate
 * is added.  PROBE_OK and PROBE_REFUSED are answers: received, and their
 * RTT counts (a TCP RST or a port unreachable is the target answering).
 * PROBE_LOST (timeout), PROBE_LATE (reply after the timeout) and every
 * error status count as lost; PROBE_LATE also counts in late, never in
 * received; the error statuses (unreachable, TTL exceeded, too big,
 * parameter problem, local error) are also tallied in errors[status],
 * and so are refusals (errors[PROBE_REFUSED]), which stay answers.
 *
 * Formulas, over received RTTs x_1..x_n in the order fates become known:
 *   avg, stddev   mean and population standard deviation by Welford's
 *                 method (in double: no overflow for 0 or 10 s values, and
 *                 exactly 0 for constant input);
 *   pNN           nearest rank: the value of rank ceil(NN/100 * n) in the
 *                 sorted RTTs (exact: every RTT is kept);
 *   jitter        Lopa's meaning: sum |x_i - x_i-1| / (n - 1);
 *   jitter_rfc3550 J_1 = 0, J_i = J_i-1 + (|x_i - x_i-1| - J_i-1) / 16
 *                 (RFC 3550 §6.4.1 adapted to RTTs);
 *   ipdv          RFC 5481: D(s) = RTT(s+1) - RTT(s) for every sequence
 *                 number s with s and s+1 both received; mean of |D| and
 *                 p99 of |D| (nearest rank).  Sequence numbers are taken
 *                 as they are: no 32-bit wrap-around handling;
 *   pdv_p99       p99 - min;
 *   reordered     RFC 4737 style: a received seq lower than the highest
 *                 seq received before it;
 *   loss burst    the longest run of consecutive lost fates.
 * Times in the result are rounded to the nearest nanosecond.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

_Static_assert(sizeof(struct stats_wentry) == 16, "stats_wentry is 16 bytes");
_Static_assert(PROBE_NSTATUS <= 16, "probe_status fits stats_wentry.status");
_Static_assert(STATS_W_SAMPLE < 16 && STATS_W_DUPLICATE < 16 &&
    STATS_W_LATE < 16, "STATS_W_* fit stats_wentry.kind");

static int
is_received(uint8_t status)
{
	return (status == PROBE_OK || status == PROBE_REFUSED);
}

static int
is_error(uint8_t status)
{
	return (status >= PROBE_UNREACHABLE && status <= PROBE_ERROR);
}

static int
check_sample(const struct probe_sample *s)
{
	if (s->status >= PROBE_NSTATUS)
		return (-1);
	if (is_received(s->status) && s->rtt_ns < 0)
		return (-1);
	return (0);
}

static int64_t
round_ns(double v)
{
	if (!isfinite(v) || v <= 0)
		return (0);
	if (v >= (double)INT64_MAX)
		return (INT64_MAX);
	return ((int64_t)llround(v));
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return ((x > y) - (x < y));
}

static int
cmp_rtt_seq(const void *a, const void *b)
{
	const struct stats_rtt	*x = a, *y = b;

	return ((x->seq > y->seq) - (x->seq < y->seq));
}

/* Nearest rank over n sorted values: rank ceil(p/100 * n). */
static int64_t
nearest_rank(const int64_t *v, size_t n, unsigned int p)
{
	uint64_t	 rank;

	if (n == 0)
		return (0);
	rank = ((uint64_t)n * p + 99) / 100;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (v[rank - 1]);
}

void
stats_acc_init(struct stats_acc *acc)
{
	memset(acc, 0, sizeof(*acc));
}

void
stats_acc_free(struct stats_acc *acc)
{
	free(acc->rtts);
	stats_acc_init(acc);
}

int
stats_acc_reserve(struct stats_acc *acc, size_t want)
{
	struct stats_rtt	*p;

	if (want <= acc->rtts_cap)
		return (0);
	if (want > SIZE_MAX / sizeof(*p)) {
		errno = ENOMEM;
		return (-1);
	}
	if ((p = realloc(acc->rtts, want * sizeof(*p))) == NULL)
		return (-1);
	acc->rtts = p;
	acc->rtts_cap = want;
	return (0);
}

void
stats_acc_nokeep(struct stats_acc *acc)
{
	free(acc->rtts);
	acc->rtts = NULL;
	acc->nrtts = acc->rtts_cap = 0;
	acc->nokeep = 1;
}

void
stats_sent(struct stats_acc *acc)
{
	acc->sent++;
}

void
stats_duplicate(struct stats_acc *acc)
{
	acc->duplicates++;
}

void
stats_late(struct stats_acc *acc)
{
	acc->late++;
}

static void
add_received(struct stats_acc *acc, const struct probe_sample *s)
{
	int64_t		 x = s->rtt_ns;
	double		 delta;
	uint64_t	 d;

	if (!acc->nokeep) {
		acc->rtts[acc->nrtts].seq = s->seq;
		acc->rtts[acc->nrtts].rtt_ns = x;
		acc->nrtts++;
	}

	acc->received++;
	if (s->status == PROBE_REFUSED)
		acc->errors[PROBE_REFUSED]++;	/* tallied, yet an answer */
	acc->burst = 0;
	if (acc->received == 1) {
		acc->min_ns = acc->max_ns = x;
		acc->mean = (double)x;
		acc->m2 = 0;
	} else {
		if (x < acc->min_ns)
			acc->min_ns = x;
		if (x > acc->max_ns)
			acc->max_ns = x;
		delta = (double)x - acc->mean;
		acc->mean += delta / (double)acc->received;
		acc->m2 += delta * ((double)x - acc->mean);
	}

	if (acc->have_prev) {
		d = x > acc->prev_rtt ? (uint64_t)(x - acc->prev_rtt) :
		    (uint64_t)(acc->prev_rtt - x);
		acc->jit_sum += d;
		acc->jit_n++;
		acc->jit3550 += ((double)d - acc->jit3550) / 16.0;
	}
	acc->have_prev = 1;
	acc->prev_rtt = x;

	if (acc->have_seq && s->seq < acc->max_seq)
		acc->reordered++;
	if (!acc->have_seq || s->seq > acc->max_seq)
		acc->max_seq = s->seq;
	acc->have_seq = 1;

	if (s->ttl != 0)
		acc->last_ttl = s->ttl;
}

int
stats_add(struct stats_acc *acc, const struct probe_sample *s)
{
	size_t	 ncap;

	if (check_sample(s) == -1) {
		errno = EINVAL;
		return (-1);
	}
	if (is_received(s->status)) {
		if (!acc->nokeep && acc->nrtts == acc->rtts_cap) {
			ncap = acc->rtts_cap == 0 ? 64 : acc->rtts_cap;
			if (ncap > SIZE_MAX / 2 / sizeof(*acc->rtts)) {
				errno = ENOMEM;
				return (-1);
			}
			if (stats_acc_reserve(acc, ncap * 2) == -1)
				return (-1);
		}
		add_received(acc, s);
		return (0);
	}

	acc->lost++;
	if (s->status == PROBE_LATE)
		acc->late++;
	if (is_error(s->status))
		acc->errors[s->status]++;
	acc->burst++;
	if (acc->burst > acc->burst_max)
		acc->burst_max = acc->burst;
	return (0);
}

/* Percentiles, IPDV and pdv_p99: the figures that need sorted copies. */
static int
compute_sorted(const struct stats_acc *acc, struct stats_result *r)
{
	struct stats_rtt	*byseq = NULL;
	int64_t			*v = NULL, d;
	size_t			 i, n = acc->nrtts, nd;
	double			 sum;

	if (n == 0)
		return (0);
	if ((v = calloc(n, sizeof(*v))) == NULL)
		goto fail;
	if ((byseq = calloc(n, sizeof(*byseq))) == NULL)
		goto fail;

	for (i = 0; i < n; i++)
		v[i] = acc->rtts[i].rtt_ns;
	qsort(v, n, sizeof(*v), cmp_i64);
	r->p50_rtt = nearest_rank(v, n, 50);
	r->p90_rtt = nearest_rank(v, n, 90);
	r->p95_rtt = nearest_rank(v, n, 95);
	r->p99_rtt = nearest_rank(v, n, 99);
	r->pdv_p99 = r->p99_rtt - v[0];

	/* IPDV: pairs (s, s+1) both received; |D| reuses v. */
	memcpy(byseq, acc->rtts, n * sizeof(*byseq));
	qsort(byseq, n, sizeof(*byseq), cmp_rtt_seq);
	nd = 0;
	sum = 0;
	for (i = 1; i < n; i++) {
		if (byseq[i - 1].seq == UINT32_MAX ||
		    byseq[i].seq != byseq[i - 1].seq + 1)
			continue;
		d = byseq[i].rtt_ns - byseq[i - 1].rtt_ns;
		if (d < 0)
			d = -d;
		v[nd++] = d;
		sum += (double)d;
	}
	r->ipdv_count = nd;
	if (nd > 0) {
		qsort(v, nd, sizeof(*v), cmp_i64);
		r->ipdv_mean = round_ns(sum / (double)nd);
		r->ipdv_p99 = nearest_rank(v, nd, 99);
	}
	free(byseq);
	free(v);
	return (0);
 fail:
	free(byseq);
	free(v);
	errno = ENOMEM;
	return (-1);
}

int
stats_compute(const struct stats_acc *acc, struct stats_result *r)
{
	uint64_t	 known;

	memset(r, 0, sizeof(*r));
	r->sent = acc->sent;
	r->received = acc->received;
	r->lost = acc->lost;
	known = acc->received + acc->lost;
	r->in_flight = acc->sent > known ? acc->sent - known : 0;
	r->loss_rate = known == 0 ? 0.0 : (double)acc->lost / (double)known;
	r->duplicates = acc->duplicates;
	r->reordered = acc->reordered;
	r->late = acc->late;
	memcpy(r->errors, acc->errors, sizeof(r->errors));
	r->loss_burst_max = acc->burst_max;
	r->last_ttl = acc->last_ttl;
	if (acc->received > 0) {
		r->min_rtt = acc->min_ns;
		r->max_rtt = acc->max_ns;
		r->avg_rtt = round_ns(acc->mean);
		r->stddev_rtt = round_ns(sqrt(acc->m2 > 0 ?
		    acc->m2 / (double)acc->received : 0));
	}
	if (acc->jit_n > 0) {
		r->jitter = round_ns((double)acc->jit_sum / (double)acc->jit_n);
		r->jitter_rfc3550 = round_ns(acc->jit3550);
	}
	return (compute_sorted(acc, r));
}

int
stats_window_init(struct stats_window *w, size_t max)
{
	size_t	 cap;

	memset(w, 0, sizeof(*w));
	if (max == 0) {
		errno = EINVAL;
		return (-1);
	}
	cap = max < STATS_W_INIT ? max : STATS_W_INIT;
	if ((w->ring = calloc(cap, sizeof(*w->ring))) == NULL)
		return (-1);
	w->cap = cap;
	w->max = max;
	w->shift = w->span_shift = STATS_W_SHIFT;
	return (0);
}

int
stats_window_reserve(struct stats_window *w, size_t n)
{
	struct stats_wentry	*ring;

	if (n > w->max)
		n = w->max;
	if (w->len != 0 || n <= w->cap)
		return (0);
	if ((ring = calloc(n, sizeof(*ring))) == NULL)
		return (-1);
	free(w->ring);
	w->ring = ring;
	w->cap = n;
	w->head = 0;
	return (0);
}

/*
 * The smallest tick that puts window_ns under 2^31 ticks: then a caller
 * expiring with it holds under 2^31 ticks, half of what an entry can
 * count, and the base moves once per 2^31 ticks or more.  At most 32.
 */
static uint8_t
window_shift(int64_t window_ns)
{
	uint8_t	 k = 0;

	if (window_ns <= 0)
		return (0);
	while (((uint64_t)window_ns >> k) >= (UINT64_C(1) << 31))
		k++;
	return (k);
}

void
stats_window_span(struct stats_window *w, int64_t window_ns)
{
	w->span_shift = window_shift(window_ns);
	/* Held entries count in the current tick: they keep it. */
	if (w->len == 0)
		w->shift = w->span_shift;
}

void
stats_window_free(struct stats_window *w)
{
	free(w->ring);
	memset(w, 0, sizeof(*w));
}

/*
 * Double a full ring, up to max.  The entries from head to the old end
 * move to the new end, so that those wrapped around to the start still
 * follow them.  0, or -1 (at max, or ENOMEM) with the ring unchanged.
 */
static int
window_grow(struct stats_window *w)
{
	struct stats_wentry	*ring;

	if ((ring = stats_ring_grow(w->ring, sizeof(*ring), &w->cap, w->max,
	    &w->head)) == NULL)
		return (-1);
	w->ring = ring;
	return (0);
}

void *
stats_ring_grow(void *ring, size_t elsz, size_t *cap, size_t max,
    size_t *head)
{
	uint8_t	*r;
	size_t	 ncap, nhead;

	if (*cap >= max)
		return (NULL);
	ncap = *cap > max / 2 ? max : *cap * 2;
	if ((r = reallocarray(ring, ncap, elsz)) == NULL)
		return (NULL);
	if (*head != 0) {
		nhead = ncap - (*cap - *head);
		memmove(r + nhead * elsz, r + *head * elsz,
		    (*cap - *head) * elsz);
		*head = nhead;
	}
	*cap = ncap;
	return (r);
}

/*
 * A time as an unsigned number of the same order (INT64_MIN is 0): the
 * window's arithmetic on times is then on uint64_t, which cannot
 * overflow into undefined behaviour whatever the caller gives.
 */
static uint64_t
time_key(int64_t t_ns)
{
	return ((uint64_t)t_ns ^ (UINT64_C(1) << 63));
}

/*
 * Ticks from the base to time key k, rounded up so that an entry never
 * expires early; a time before the base counts as the base.  Capped so
 * that base + ticks stays a time: only a time within a tick of INT64_MAX
 * rounds down.
 */
static uint64_t
window_ticks(const struct stats_window *w, uint64_t k)
{
	uint64_t	 d, n, lim;

	if (k <= w->base)
		return (0);
	d = k - w->base;
	n = (d >> w->shift) + ((d & ((UINT64_C(1) << w->shift) - 1)) != 0);
	lim = (UINT64_MAX - w->base) >> w->shift;
	return (n < lim ? n : lim);
}

/*
 * Move the base to the oldest entry's time: every entry's t drops by it
 * (an entry added out of order, before the oldest, lands on the base).
 */
static void
window_rebase(struct stats_window *w)
{
	struct stats_wentry	*e;
	uint32_t		 d = w->ring[w->head].t;
	size_t			 i;

	if (d == 0)
		return;
	for (i = 0; i < w->len; i++) {
		e = &w->ring[(w->head + i) % w->cap];
		e->t = e->t > d ? e->t - d : 0;
	}
	w->base += (uint64_t)d << w->shift;
}

/* Double the tick, rounding every t up again (never early). */
static void
window_coarsen(struct stats_window *w)
{
	struct stats_wentry	*e;
	uint64_t		 n, lim;
	size_t			 i;

	w->shift++;
	lim = (UINT64_MAX - w->base) >> w->shift;
	for (i = 0; i < w->len; i++) {
		e = &w->ring[(w->head + i) % w->cap];
		n = ((uint64_t)e->t >> 1) + (e->t & 1);
		e->t = (uint32_t)(n < lim ? n : lim);
	}
}

/*
 * t for an entry at time t_ns, the base moved or the tick coarsened if it
 * does not fit.  At a 2^32 ns tick every time fits (window_ticks() caps
 * it under 2^32), so the loop ends.
 */
static uint32_t
window_time(struct stats_window *w, int64_t t_ns)
{
	uint64_t	 k = time_key(t_ns), n;

	if (w->len == 0) {
		w->base = k;
		w->shift = w->span_shift;
		return (0);
	}
	if ((n = window_ticks(w, k)) <= UINT32_MAX)
		return ((uint32_t)n);
	window_rebase(w);
	while ((n = window_ticks(w, k)) > UINT32_MAX && w->shift < 32)
		window_coarsen(w);
	return ((uint32_t)(n < UINT32_MAX ? n : UINT32_MAX));
}

static void
window_push(struct stats_window *w, const struct probe_sample *s,
    int64_t t_ns, uint8_t kind)
{
	struct stats_wentry	*e;
	uint32_t		 t;

	if (w->len == w->cap && window_grow(w) == -1) {
		w->head = (w->head + 1) % w->cap;
		w->len--;
		w->overwritten++;
	}
	/* Before e is in the ring: a rebase or coarsening skips it. */
	t = window_time(w, t_ns);
	e = &w->ring[(w->head + w->len) % w->cap];
	memset(e, 0, sizeof(*e));
	e->t = t;
	e->kind = kind;
	if (s != NULL) {
		/* As the engine's sample_rec: 48 bits, 39 hours. */
		if (s->rtt_ns > STATS_W_RTT_MAX)
			e->rtt_ns = STATS_W_RTT_MAX;
		else if (s->rtt_ns < STATS_W_RTT_MIN)
			e->rtt_ns = STATS_W_RTT_MIN;
		else
			e->rtt_ns = s->rtt_ns;
		e->seq = s->seq;
		e->status = s->status;
		e->ttl = s->ttl;
	}
	w->len++;
}

int
stats_window_add(struct stats_window *w, const struct probe_sample *s,
    int64_t t_ns)
{
	if (check_sample(s) == -1) {
		errno = EINVAL;
		return (-1);
	}
	window_push(w, s, t_ns, STATS_W_SAMPLE);
	return (0);
}

void
stats_window_duplicate(struct stats_window *w, int64_t t_ns)
{
	window_push(w, NULL, t_ns, STATS_W_DUPLICATE);
}

void
stats_window_late(struct stats_window *w, int64_t t_ns)
{
	window_push(w, NULL, t_ns, STATS_W_LATE);
}

void
stats_window_set_in_flight(struct stats_window *w, uint64_t n)
{
	w->in_flight = n;
}

void
stats_window_expire(struct stats_window *w, int64_t now_ns, int64_t window_ns)
{
	uint64_t	 now, t;

	/* Every entry is at the base or after it: none before now. */
	if ((now = time_key(now_ns)) <= w->base)
		return;
	now -= w->base;
	while (w->len > 0) {
		t = (uint64_t)w->ring[w->head].t << w->shift;
		/* now - t > window, on offsets from the base. */
		if (t >= now || (window_ns >= 0 &&
		    now - t <= (uint64_t)window_ns))
			break;
		w->head = (w->head + 1) % w->cap;
		w->len--;
	}
	if (w->len == 0)
		w->head = 0;
}

int
stats_window_compute(const struct stats_window *w, struct stats_result *r)
{
	struct stats_acc		 acc;
	struct probe_sample		 s;
	const struct stats_wentry	*e;
	size_t				 i, nrecv = 0;
	int				 rv;

	stats_acc_init(&acc);
	for (i = 0; i < w->len; i++) {
		e = &w->ring[(w->head + i) % w->cap];
		if (e->kind == STATS_W_SAMPLE && is_received(e->status))
			nrecv++;
	}
	if (stats_acc_reserve(&acc, nrecv) == -1) {
		memset(r, 0, sizeof(*r));
		return (-1);
	}
	for (i = 0; i < w->len; i++) {
		e = &w->ring[(w->head + i) % w->cap];
		switch (e->kind) {
		case STATS_W_SAMPLE:
			acc.sent++;
			/* Checked on entry; reserved above: cannot fail. */
			memset(&s, 0, sizeof(s));
			s.seq = e->seq;
			s.rtt_ns = e->rtt_ns;
			s.status = e->status;
			s.ttl = e->ttl;
			(void)stats_add(&acc, &s);
			break;
		case STATS_W_DUPLICATE:
			stats_duplicate(&acc);
			break;
		case STATS_W_LATE:
			stats_late(&acc);
			break;
		}
	}
	acc.sent += w->in_flight;
	rv = stats_compute(&acc, r);
	stats_acc_free(&acc);
	return (rv);
}

void
stats_stime_init(struct stats_stime *st, int64_t span)
{
	memset(st, 0, sizeof(*st));
	if (span < 0)
		span = 0;
	while (st->shift < 62 && (span >> st->shift) > (INT64_C(1) << 30))
		st->shift++;
	st->min_shift = st->shift;
}

int64_t
stats_stime_dec(const struct stats_stime *st, int32_t q)
{
	if (q == STATS_NOTIME)
		return 0;
	return st->base + (int64_t)q * (INT64_C(1) << st->shift);
}

int
stats_stime_enc(struct stats_stime *st, int64_t t, int32_t *q)
{
	int64_t	 d;

	if (t <= 0) {
		*q = STATS_NOTIME;
		return 0;
	}
	if (st->base == 0)
		stats_stime_rebase(st, t, t);
	/* Both are positive times: no overflow. */
	d = (t - st->base) >> st->shift;
	if (d <= INT32_MIN || d > INT32_MAX)
		return -1;
	*q = (int32_t)d;
	return 0;
}

/*
 * The lowest time goes 1.5 x 2^30 ticks below the base, which leaves
 * 3.5 x 2^30 ticks ahead for the highest and those to come.
 */
void
stats_stime_rebase(struct stats_stime *st, int64_t lo, int64_t hi)
{
	int64_t	 tick, off;

	if (lo <= 0)
		lo = hi;
	if (hi < lo)
		hi = lo;
	st->shift = st->min_shift;
	while (st->shift < 62 &&
	    (uint64_t)(hi - lo) >> st->shift > (UINT64_C(1) << 30))
		st->shift++;
	tick = INT64_C(1) << st->shift;
	off = st->shift <= 31 ? (INT64_C(3) << 29) << st->shift : 0;
	st->base = lo - (lo & (tick - 1));
	st->base += st->base <= INT64_MAX - off ? off : 0;
}
