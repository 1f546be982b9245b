/*
 * lopa: the Prometheus exposition of GET /metrics (DESIGN §7).
 *
 * Pure: rows in, text out.  Names are prefixed lopad_, in base units
 * (seconds, bytes), counters end in _total.  Seconds are printed exactly
 * from integer nanoseconds (no binary fraction noise).  In OpenMetrics a
 * counter's family drops _total in its HELP and TYPE lines, and the text
 * ends with "# EOF".
 */
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "alert.h"
#include "metrics.h"
#include "task.h"

struct metrics_hist *
metrics_hist_new(uint32_t nb)
{
	return calloc(1, sizeof(struct metrics_hist) +
	    ((size_t)nb + 1) * sizeof(uint32_t));
}

void
metrics_hist_free(struct metrics_hist *h)
{
	if (h == NULL)
		return;
	free(h->wide);
	free(h);
}

void
metrics_hist_add(struct metrics_hist *h, const int64_t *bounds, uint32_t nb,
    int64_t v)
{
	uint32_t	 lo = 0, hi = nb, mid, i;

	/* The first bound >= v (le: less or equal); nb: above them all. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (bounds[mid] >= v)
			hi = mid;
		else
			lo = mid + 1;
	}
	h->sum_ns += v;
	if (h->wide != NULL) {
		h->wide[lo]++;
		return;
	}
	if (h->c[lo] < UINT32_MAX) {
		h->c[lo]++;
		return;
	}
	/* A count would wrap: 64 bits from now on (or it stays, lost). */
	if ((h->wide = calloc((size_t)nb + 1, sizeof(uint64_t))) == NULL)
		return;
	for (i = 0; i <= nb; i++)
		h->wide[i] = h->c[i];
	h->wide[lo]++;
}

uint64_t
metrics_hist_count(const struct metrics_hist *h, uint32_t i)
{
	return h->wide != NULL ? h->wide[i] : h->c[i];
}

uint32_t
metrics_bounds(int64_t start, uint32_t factor, uint32_t n, int64_t *out)
{
	uint32_t	 i;
	int64_t		 v = start;

	for (i = 0; i < n && i < METRICS_BUCKETS_MAX; i++) {
		out[i] = v;
		if (v > INT64_MAX / (int64_t)factor)
			return i + 1;
		v *= (int64_t)factor;
	}
	return i;
}

/* --- rows ------------------------------------------------------------ */

#define ALIGN8(n)	(((n) + 7) & ~(size_t)7)

size_t
metrics_row_size(uint32_t nb, uint32_t flags, uint32_t nif, size_t name,
    size_t target, size_t ip, size_t labels)
{
	size_t	 n;

	n = sizeof(struct metrics_row);
	if (nb > 0)
		n += ((size_t)nb + 1) * sizeof(uint64_t) *
		    ((flags & MR_F_TWAMP) ? 3 : 1);
	n += (size_t)nif * sizeof(struct metrics_if);
	n += name + target + ip + labels;
	return ALIGN8(n);
}

/* A string of len octets (its NUL included) at p: its last is the NUL. */
static int
row_str(const char *p, uint32_t len)
{
	return len >= 1 && p[len - 1] == '\0' && strlen(p) == len - 1;
}

int
metrics_row_parse(const void *buf, size_t len, struct metrics_task *t,
    size_t *used)
{
	const struct metrics_row *r = buf;
	const char		*p;
	size_t			 need, h;

	memset(t, 0, sizeof(*t));
	if (len < sizeof(*r) || ((uintptr_t)buf & 7) != 0)
		return -1;
	if (r->nbuckets > METRICS_BUCKETS_MAX || r->npassive > TASK_MAXIFACES ||
	    r->name_len > LOPA_NAMELEN || r->target_len > TASK_TARGETLEN ||
	    r->ip_len > LOPA_ADDRLEN || r->labels_len > TASK_LABELSLEN ||
	    ((r->flags & MR_F_TWAMP) && r->nbuckets == 0))
		return -1;
	need = metrics_row_size(r->nbuckets, r->flags, r->npassive,
	    r->name_len, r->target_len, r->ip_len, r->labels_len);
	if (r->len != need || need > len)
		return -1;
	t->r = r;
	p = (const char *)(r + 1);
	if (r->nbuckets > 0) {
		h = ((size_t)r->nbuckets + 1) * sizeof(uint64_t);
		t->rtt = (const uint64_t *)p;
		p += h;
		if (r->flags & MR_F_TWAMP) {
			t->fwd = (const uint64_t *)p;
			p += h;
			t->bwd = (const uint64_t *)p;
			p += h;
		}
	}
	t->ifs = (const struct metrics_if *)p;
	p += (size_t)r->npassive * sizeof(struct metrics_if);
	t->name = p;
	if (!row_str(p, r->name_len))
		return -1;
	p += r->name_len;
	t->target = p;
	if (!row_str(p, r->target_len))
		return -1;
	p += r->target_len;
	t->ip = p;
	if (!row_str(p, r->ip_len))
		return -1;
	p += r->ip_len;
	t->labels = p;
	t->labels_len = r->labels_len;
	if (r->labels_len > 0 && p[r->labels_len - 1] != '\0')
		return -1;
	for (h = 0; h < r->npassive; h++)
		if (memchr(t->ifs[h].name, '\0', MR_IFNAMELEN) == NULL)
			return -1;
	*used = need;
	return 0;
}

/* --- text ------------------------------------------------------------ */

static void
mbuf_grow(struct mbuf *b, size_t n)
{
	char	*p;
	size_t	 cap;

	if (b->failed || b->len + n + 1 <= b->cap)
		return;
	cap = b->cap < 4096 ? 4096 : b->cap;
	while (cap < b->len + n + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		free(b->p);
		memset(b, 0, sizeof(*b));
		b->failed = 1;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void
mbuf_add(struct mbuf *b, const char *s, size_t n)
{
	mbuf_grow(b, n);
	if (b->failed)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	mbuf_grow(b, (size_t)n);
	if (b->failed)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
mbuf_free(struct mbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
metrics_escape(struct mbuf *b, const char *s, size_t n)
{
	size_t	 i, from = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != '\\' && s[i] != '"' && s[i] != '\n')
			continue;
		mbuf_add(b, s + from, i - from);
		mbuf_add(b, s[i] == '\\' ? "\\\\" : s[i] == '"' ? "\\\"" :
		    "\\n", 2);
		from = i + 1;
	}
	mbuf_add(b, s + from, n - from);
}

void
metrics_label_name(struct mbuf *b, const char *s)
{
	char	 c;
	int	 first = 1;

	for (; *s != '\0'; s++, first = 0) {
		c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (!first && c >= '0' && c <= '9')))
			c = '_';
		mbuf_add(b, &c, 1);
	}
}

/* Exact decimal seconds from ns, trailing zeros trimmed. */
static void
add_seconds(struct mbuf *b, int64_t ns)
{
	char		 buf[40];
	uint64_t	 u;
	int		 n;

	u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	n = snprintf(buf, sizeof(buf), "%s%llu.%09llu", ns < 0 ? "-" : "",
	    (unsigned long long)(u / 1000000000),
	    (unsigned long long)(u % 1000000000));
	while (n > 0 && buf[n - 1] == '0')
		n--;
	if (n > 0 && buf[n - 1] == '.')
		n--;
	mbuf_add(b, buf, (size_t)n);
}

static void
add_u(struct mbuf *b, uint64_t v)
{
	char	 buf[24];
	int	 i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	mbuf_add(b, buf + i, sizeof(buf) - (size_t)i);
}

void
metrics_ctx_free(struct metrics_ctx *c)
{
	size_t	 i;

	if (c->prefix == NULL)
		return;
	for (i = 0; i < c->ntasks; i++)
		free(c->prefix[i]);
	free(c->prefix);
	c->prefix = NULL;
}

static void
add_d(struct mbuf *b, double v)
{
	char	 buf[40];
	double	 r;

	if (v != v) {
		mbuf_add(b, "NaN", 3);
		return;
	}
	/* The shortest of %.15g .. %.17g that reads back the same. */
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (sscanf(buf, "%lf", &r) != 1 || r != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	mbuf_add(b, buf, strlen(buf));
}

void
metrics_family(struct mbuf *b, const struct metrics_ctx *c, const char *name,
    const char *type, const char *help)
{
	size_t	 n = strlen(name);

	/* OpenMetrics: a counter's family is its name without _total. */
	if (c->openmetrics && strcmp(type, "counter") == 0 && n > 6 &&
	    strcmp(name + n - 6, "_total") == 0)
		n -= 6;
	if (c->openmetrics && strcmp(type, "info") == 0 && n > 5 &&
	    strcmp(name + n - 5, "_info") == 0)
		n -= 5;
	mbuf_printf(b, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)n, name, help,
	    (int)n, name, !c->openmetrics && strcmp(type, "info") == 0 ?
	    "gauge" : type);
	if (c->openmetrics && n > 8 && strncmp(name + n - 8, "_seconds", 8) == 0)
		mbuf_printf(b, "# UNIT %.*s seconds\n", (int)n, name);
	else if (c->openmetrics && n > 6 &&
	    strncmp(name + n - 6, "_bytes", 6) == 0)
		mbuf_printf(b, "# UNIT %.*s bytes\n", (int)n, name);
}

static void
add_labels(struct mbuf *b, const char *const *kv)
{
	int	 i;

	if (kv == NULL || kv[0] == NULL)
		return;
	mbuf_add(b, "{", 1);
	for (i = 0; kv[i] != NULL && kv[i + 1] != NULL; i += 2) {
		mbuf_printf(b, "%s%s=\"", i > 0 ? "," : "", kv[i]);
		metrics_escape(b, kv[i + 1], strlen(kv[i + 1]));
		mbuf_add(b, "\"", 1);
	}
	mbuf_add(b, "}", 1);
}

/* "name{labels} ": the value and its newline follow. */
static void
sample_head(struct mbuf *b, const char *name, const char *const *kv)
{
	mbuf_add(b, name, strlen(name));
	add_labels(b, kv);
	mbuf_add(b, " ", 1);
}

void
metrics_sample(struct mbuf *b, const char *name, const char *const *kv,
    double v)
{
	sample_head(b, name, kv);
	add_d(b, v);
	mbuf_add(b, "\n", 1);
}

void
metrics_sample_u(struct mbuf *b, const char *name, const char *const *kv,
    uint64_t v)
{
	sample_head(b, name, kv);
	add_u(b, v);
	mbuf_add(b, "\n", 1);
}

void
metrics_end(struct mbuf *b, const struct metrics_ctx *c)
{
	if (c->openmetrics)
		mbuf_add(b, "# EOF\n", 6);
}

/*
 * Whether an Accept header prefers OpenMetrics: it lists
 * application/openmetrics-text with a quality above 0 and at least that
 * of text/plain (or of any type, when text/plain is not named).
 */
int
metrics_wants_openmetrics(const char *accept)
{
	const char	*p, *e, *semi, *q;
	double		 om = 0, text = -1, any = -1, v;
	size_t		 n;

	if (accept == NULL)
		return 0;
	for (p = accept; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		semi = memchr(p, ';', (size_t)(e - p));
		n = (size_t)((semi != NULL ? semi : e) - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		v = 1;
		for (q = semi; q != NULL && q < e; q = memchr(q + 1, ';',
		    (size_t)(e - q - 1))) {
			while (q + 1 < e && q[1] == ' ')
				q++;
			if (e - q > 2 && (q[1] == 'q' || q[1] == 'Q') &&
			    q[2] == '=')
				v = strtod(q + 3, NULL);
		}
		if (n == 28 && strncasecmp(p, "application/openmetrics-text",
		    n) == 0)
			om = v > om ? v : om;
		else if (n == 10 && strncasecmp(p, "text/plain", n) == 0)
			text = v > text ? v : text;
		else if (n == 3 && strncmp(p, "*/*", 3) == 0)
			any = v > any ? v : any;
	}
	if (text < 0)
		text = any;
	return om > 0 && om >= text;
}

/* --- the tasks' families ------------------------------------------- */

/* The labels every task series has (extra: one more pair, or NULL). */
static const char *const fixed_labels[] = {
	"task", "name", "type", "target", "ip", "family", "dscp", NULL
};

static int
label_is_fixed(const char *name)
{
	int	 i;

	for (i = 0; fixed_labels[i] != NULL; i++)
		if (strcmp(fixed_labels[i], name) == 0)
			return 1;
	return strcmp(name, "le") == 0 || strcmp(name, "metric") == 0 ||
	    strcmp(name, "interface") == 0 || strcmp(name, "node") == 0;
}

/*
 * A task's labels as every one of its series has them, '{' included and
 * '}' not: task, name, type, target, ip, family, dscp and its own.
 */
static void
task_prefix(struct mbuf *b, const struct metrics_ctx *c,
    const struct metrics_task *t)
{
	const struct metrics_row *r = t->r;
	const char	*p, *end, *v;
	char		 seen[TASK_MAXLABELS][LOPA_NAMELEN + 8];
	struct mbuf	 nb;
	size_t		 i, n = 0;

	mbuf_add(b, "{task=\"", 7);
	metrics_escape(b, c->node, strlen(c->node));
	mbuf_printf(b, "-%u\"", r->key);
	/* Empty labels are absent labels for Prometheus: left out. */
	if (t->name[0] != '\0') {
		mbuf_add(b, ",name=\"", 7);
		metrics_escape(b, t->name, strlen(t->name));
		mbuf_add(b, "\"", 1);
	}
	mbuf_printf(b, ",type=\"%s\",target=\"", task_type_name(r->type));
	metrics_escape(b, t->target, strlen(t->target));
	mbuf_add(b, "\"", 1);
	if (t->ip[0] != '\0') {
		mbuf_add(b, ",ip=\"", 5);
		metrics_escape(b, t->ip, strlen(t->ip));
		mbuf_add(b, "\"", 1);
	}
	if (r->family != 0)
		mbuf_printf(b, ",family=\"%u\"", r->family);
	if (r->dscp >= 0)
		mbuf_printf(b, ",dscp=\"%d\"", r->dscp);
	if (!c->task_labels)
		return;
	p = t->labels;
	end = t->labels + t->labels_len;
	for (; p < end; p = v + strlen(v) + 1) {
		v = p + strlen(p) + 1;
		if (v >= end)
			break;
		/*
		 * A name twice makes the whole scrape invalid: of a label
		 * "type" (label_type here) and a label "label_type", or of
		 * two that become one name, the first (by name) stays.
		 */
		memset(&nb, 0, sizeof(nb));
		if (label_is_fixed(p))
			mbuf_add(&nb, "label_", 6);
		metrics_label_name(&nb, p);
		if (nb.p == NULL)
			continue;
		for (i = 0; i < n && strcmp(seen[i], nb.p) != 0; i++)
			;
		if (i < n || n == TASK_MAXLABELS) {
			mbuf_free(&nb);
			continue;
		}
		strlcpy(seen[n++], nb.p, sizeof(seen[0]));
		mbuf_add(b, ",", 1);
		mbuf_add(b, nb.p, nb.len);
		mbuf_free(&nb);
		mbuf_add(b, "=\"", 2);
		metrics_escape(b, v, strlen(v));
		mbuf_add(b, "\"", 1);
	}
}

/*
 * name{the task's labels,k1="v1",k2="v2"} and a space: the task's labels
 * rendered once a scrape (metrics_tasks_plan()), then copied.
 */
static void
task_series(struct mbuf *b, const struct metrics_ctx *c,
    const struct metrics_task *t, const char *name, const char *k1,
    const char *v1, const char *k2, const char *v2)
{
	size_t	 i = (size_t)(t - c->tasks);

	mbuf_add(b, name, strlen(name));
	if (c->prefix != NULL && i < c->ntasks && c->prefix[i] != NULL)
		mbuf_add(b, c->prefix[i], strlen(c->prefix[i]));
	else
		task_prefix(b, c, t);
	if (k1 != NULL) {
		mbuf_printf(b, ",%s=\"", k1);
		metrics_escape(b, v1, strlen(v1));
		mbuf_add(b, "\"", 1);
	}
	if (k2 != NULL) {
		mbuf_printf(b, ",%s=\"", k2);
		metrics_escape(b, v2, strlen(v2));
		mbuf_add(b, "\"", 1);
	}
	mbuf_add(b, "} ", 2);
}

static int
is_probe(const struct metrics_task *t)
{
	return t->r->type != TASK_PASSIVE;
}

enum tfam_kind { TF_COUNTER, TF_GAUGE_NS, TF_HIST, TF_UP, TF_ALERT,
    TF_HOPS, TF_IF };

struct tfam {
	const char	*name;
	const char	*type;
	const char	*help;
	enum tfam_kind	 kind;
	size_t		 off;		/* of the row's field; TF_IF: counter */
};

#define ROFF(f)	offsetof(struct metrics_row, f)

static const struct tfam tfams[] = {
	{ "lopad_probe_sent_total", "counter", "Probes sent.",
	    TF_COUNTER, ROFF(sent) },
	{ "lopad_probe_received_total", "counter",
	    "Probes answered in time.", TF_COUNTER, ROFF(received) },
	{ "lopad_probe_lost_total", "counter",
	    "Probes lost: timed out, late or failed.", TF_COUNTER, ROFF(lost) },
	{ "lopad_probe_duplicates_total", "counter",
	    "Extra replies to probes already answered.", TF_COUNTER,
	    ROFF(duplicates) },
	{ "lopad_probe_late_total", "counter",
	    "Replies after the probe's timeout (also lost).", TF_COUNTER,
	    ROFF(late) },
	{ "lopad_probe_reordered_total", "counter",
	    "Replies with a lower sequence number than one before them.",
	    TF_COUNTER, ROFF(reordered) },
	{ "lopad_probe_rtt_seconds", "histogram",
	    "Round-trip times of the replies received.", TF_HIST, 0 },
	{ "lopad_probe_jitter_seconds", "gauge",
	    "Mean absolute difference of successive round-trip times "
	    "(the window's for continuous tasks).", TF_GAUGE_NS,
	    ROFF(jitter_ns) },
	{ "lopad_probe_ipdv_seconds", "gauge",
	    "Mean absolute IP packet delay variation (RFC 5481; the "
	    "window's for continuous tasks).", TF_GAUGE_NS, ROFF(ipdv_ns) },
	{ "lopad_twamp_forward_delay_seconds", "histogram",
	    "TWAMP/STAMP one-way forward delays (T2 - T1).", TF_HIST, 1 },
	{ "lopad_twamp_backward_delay_seconds", "histogram",
	    "TWAMP/STAMP one-way backward delays (T4 - T3).", TF_HIST, 2 },
	{ "lopad_twamp_forward_hops", "gauge",
	    "Hops on the forward path, from the TTLs (last reply).", TF_HOPS,
	    ROFF(fwd_hops) },
	{ "lopad_twamp_backward_hops", "gauge",
	    "Hops on the backward path, from the TTLs (last reply).", TF_HOPS,
	    ROFF(bwd_hops) },
	{ "lopad_task_up", "gauge",
	    "1 when the task had replies in its last window (continuous) or "
	    "in its current or last round.", TF_UP, 0 },
	{ "lopad_alert_active", "gauge",
	    "1 while a threshold of the task is alerting.", TF_ALERT, 0 },
	{ "lopad_interface_receive_bytes_total", "counter",
	    "Bytes received on a passive task's interface since it started.",
	    TF_IF, PC_BYTES_IN },
	{ "lopad_interface_transmit_bytes_total", "counter",
	    "Bytes sent on a passive task's interface since it started.",
	    TF_IF, PC_BYTES_OUT },
	{ "lopad_interface_receive_packets_total", "counter",
	    "Packets received on a passive task's interface.", TF_IF,
	    PC_PACKETS_IN },
	{ "lopad_interface_transmit_packets_total", "counter",
	    "Packets sent on a passive task's interface.", TF_IF,
	    PC_PACKETS_OUT },
	{ "lopad_interface_receive_errors_total", "counter",
	    "Receive errors on a passive task's interface.", TF_IF,
	    PC_ERRORS_IN },
	{ "lopad_interface_transmit_errors_total", "counter",
	    "Transmit errors on a passive task's interface.", TF_IF,
	    PC_ERRORS_OUT },
	{ "lopad_interface_receive_drops_total", "counter",
	    "Received packets dropped on a passive task's interface.", TF_IF,
	    PC_DROPS_IN },
	{ "lopad_interface_transmit_drops_total", "counter",
	    "Packets to send dropped on a passive task's interface.", TF_IF,
	    PC_DROPS_OUT },
};

size_t
metrics_task_families(void)
{
	return sizeof(tfams) / sizeof(tfams[0]);
}

/* The series a task adds. */
static uint64_t
task_nseries(const struct metrics_task *t)
{
	uint64_t	 n = 1;		/* up */
	uint32_t	 a;

	if (is_probe(t)) {
		n += 8;
		if (t->r->nbuckets > 0)
			n += (uint64_t)t->r->nbuckets + 3;
		if (t->fwd != NULL)
			n += 2 * ((uint64_t)t->r->nbuckets + 3);
		if (t->r->flags & MR_F_HOPS)
			n += 2;
	}
	for (a = t->r->alerts_set; a != 0; a &= a - 1)
		n++;
	n += (uint64_t)t->r->npassive * 8;
	return n;
}

void
metrics_tasks_plan(struct metrics_ctx *c)
{
	struct mbuf	 b;
	uint64_t	 n;
	size_t		 i;

	metrics_ctx_free(c);
	for (i = 0; i < c->nbounds && i < METRICS_BUCKETS_MAX; i++) {
		memset(&b, 0, sizeof(b));
		add_seconds(&b, c->bounds[i]);
		strlcpy(c->le[i], b.p != NULL ? b.p : "0", sizeof(c->le[i]));
		mbuf_free(&b);
	}
	if (c->ntasks > 0 &&
	    (c->prefix = calloc(c->ntasks, sizeof(c->prefix[0]))) != NULL)
		for (i = 0; i < c->ntasks; i++) {
			memset(&b, 0, sizeof(b));
			task_prefix(&b, c, &c->tasks[i]);
			c->prefix[i] = b.p;	/* NULL: rendered each time */
		}
	c->series = 0;
	for (i = 0; i < c->ntasks; i++) {
		n = task_nseries(&c->tasks[i]);
		if (c->max_series != 0 && c->series + n > c->max_series)
			break;
		c->series += n;
	}
	c->nrender = i;
}

/* One histogram of task t (which: 0 rtt, 1 forward, 2 backward). */
static void
task_hist(struct mbuf *b, const struct metrics_ctx *c,
    const struct metrics_task *t, const char *fam, int which)
{
	const uint64_t	*h = which == 0 ? t->rtt : which == 1 ? t->fwd : t->bwd;
	char		 name[96];
	uint32_t	 i, nb = t->r->nbuckets;
	int64_t		 sum;

	if (h == NULL || nb == 0 || nb > c->nbounds)
		return;
	snprintf(name, sizeof(name), "%s_bucket", fam);
	for (i = 0; i <= nb; i++) {
		task_series(b, c, t, name, "le", i < nb ? c->le[i] : "+Inf",
		    NULL, NULL);
		add_u(b, h[i]);
		mbuf_add(b, "\n", 1);
	}
	sum = which == 0 ? t->r->rtt_sum_ns : which == 1 ? t->r->fwd_sum_ns :
	    t->r->bwd_sum_ns;
	snprintf(name, sizeof(name), "%s_sum", fam);
	task_series(b, c, t, name, NULL, NULL, NULL, NULL);
	add_seconds(b, sum);
	mbuf_add(b, "\n", 1);
	snprintf(name, sizeof(name), "%s_count", fam);
	task_series(b, c, t, name, NULL, NULL, NULL, NULL);
	add_u(b, h[nb]);
	mbuf_add(b, "\n", 1);
}

void
metrics_task_family(struct mbuf *b, const struct metrics_ctx *c, size_t fi)
{
	int	 hdr = 0;

	(void)metrics_task_family_part(b, c, fi, 0, SIZE_MAX, &hdr);
}

size_t
metrics_task_family_part(struct mbuf *b, const struct metrics_ctx *c,
    size_t fi, size_t from, size_t limit, int *hdr)
{
	const struct tfam	*f;
	const struct metrics_task *t;
	const struct metrics_row *r;
	size_t			 i, start = b->len;
	uint32_t		 k, m;
	uint64_t		 v;
	int64_t			 ns;

	if (fi >= metrics_task_families())
		return c->nrender;
	f = &tfams[fi];
	for (i = from; i < c->nrender; i++) {
		if (b->len - start >= limit)
			return i;
		t = &c->tasks[i];
		r = t->r;
		switch (f->kind) {
		case TF_COUNTER:
		case TF_GAUGE_NS:
			if (!is_probe(t))
				continue;
			break;
		case TF_HIST:
			if (!is_probe(t) || (f->off == 0 ? t->rtt == NULL :
			    t->fwd == NULL))
				continue;
			break;
		case TF_HOPS:
			if (!(r->flags & MR_F_HOPS))
				continue;
			break;
		case TF_ALERT:
			if (r->alerts_set == 0)
				continue;
			break;
		case TF_IF:
			if (r->npassive == 0)
				continue;
			break;
		case TF_UP:
			break;
		}
		if (!*hdr) {
			metrics_family(b, c, f->name, f->type, f->help);
			*hdr = 1;
		}
		switch (f->kind) {
		case TF_COUNTER:
			memcpy(&v, (const char *)r + f->off, sizeof(v));
			task_series(b, c, t, f->name, NULL, NULL, NULL, NULL);
			add_u(b, v);
			mbuf_add(b, "\n", 1);
			break;
		case TF_GAUGE_NS:
			memcpy(&ns, (const char *)r + f->off, sizeof(ns));
			task_series(b, c, t, f->name, NULL, NULL, NULL, NULL);
			add_seconds(b, ns);
			mbuf_add(b, "\n", 1);
			break;
		case TF_HOPS:
			task_series(b, c, t, f->name, NULL, NULL, NULL, NULL);
			mbuf_printf(b, "%d\n", f->off == ROFF(fwd_hops) ?
			    r->fwd_hops : r->bwd_hops);
			break;
		case TF_HIST:
			task_hist(b, c, t, f->name, (int)f->off);
			break;
		case TF_UP:
			task_series(b, c, t, f->name, NULL, NULL, NULL, NULL);
			mbuf_add(b, (r->flags & MR_F_UP) ? "1\n" : "0\n", 2);
			break;
		case TF_ALERT:
			for (m = 0; m < ALERT_NMETRICS; m++) {
				if (!(r->alerts_set & (1U << m)))
					continue;
				task_series(b, c, t, f->name, "metric",
				    alert_metric_name((int)m), NULL, NULL);
				mbuf_add(b, (r->alerts_on & (1U << m)) ?
				    "1\n" : "0\n", 2);
			}
			break;
		case TF_IF:
			for (k = 0; k < r->npassive; k++) {
				task_series(b, c, t, f->name, "interface",
				    t->ifs[k].name, NULL, NULL);
				add_u(b, t->ifs[k].c[f->off]);
				mbuf_add(b, "\n", 1);
			}
			break;
		}
	}
	return c->nrender;
}

/* --- the daemon's families, from GET /api/v1/status's document ----- */

/* The member at a dotted path ("reflector.twamp.received"), or NULL. */
static json_t *
jpath(json_t *j, const char *path)
{
	char		 key[64];
	const char	*dot;
	size_t		 n;

	while (j != NULL && *path != '\0') {
		dot = strchr(path, '.');
		n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		j = json_is_object(j) ? json_object_get(j, key) : NULL;
		path += n + (dot != NULL);
	}
	return j;
}

/* A number at path, or -1 when absent. */
static double
jnum(json_t *j, const char *path)
{
	json_t	*v = jpath(j, path);

	if (json_is_integer(v))
		return (double)json_integer_value(v);
	if (json_is_real(v))
		return json_real_value(v);
	if (json_is_boolean(v))
		return json_is_true(v) ? 1 : 0;
	return -1;
}

/* Seconds since the epoch of a "YYYY-MM-DDTHH:MM:SSZ" string; -1. */
static double
jtime(json_t *j, const char *path)
{
	json_t		*v = jpath(j, path);
	struct tm	 tm;
	const char	*e;

	if (!json_is_string(v))
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((e = strptime(json_string_value(v), "%Y-%m-%dT%H:%M:%S", &tm)) ==
	    NULL)
		return -1;
	return (double)timegm(&tm);
}

/* A family of one sample (no labels) when the status has the value. */
static void
daemon_one(struct mbuf *b, const struct metrics_ctx *c, json_t *st,
    const char *path, const char *name, const char *type, const char *help)
{
	double	 v = jnum(st, path);

	if (v < 0)
		return;
	metrics_family(b, c, name, type, help);
	metrics_sample(b, name, NULL, v);
}

static const char *const refl_drops[] = {
	"loop_port", "bad_source", "bad_destination", "acl", "rate_source",
	"rate_global", "truncated", "malformed", "send_error", "session", NULL
};
static const char *const refl_results[] = {
	"received", "reflected", "dropped", NULL
};
/* A listener: its name, its counters' member, its "up". */
static const char *const refl_listeners[][3] = {
	{ "udp_echo", "reflector.udp_echo", "reflector.udp_echo.up" },
	{ "twamp", "reflector.twamp", "reflector.twamp.up" },
	{ "twamp_control", "reflector.twamp_control.sessions",
	    "reflector.twamp_control.up" },
};
#define NLISTENERS	(sizeof(refl_listeners) / sizeof(refl_listeners[0]))
/* lopad_tasks: the type and status values there are. */
#define NTYPES		TASK_TYPE_MAX
#define NSTATUS		TASK_STATUS_MAX

/*
 * A sample per key of a family: name{k1="v1",label="key"} the number at
 * "<prefix>.<key>", 0 when absent; k1 NULL: no first label.
 */
static void
daemon_keyed(struct mbuf *b, const char *name, json_t *st,
    const char *prefix, const char *k1, const char *v1, const char *label,
    const char *const *keys)
{
	const char	*kv[5];
	char		 path[160];
	double		 v;
	size_t		 i, n;

	for (i = 0; keys[i] != NULL; i++) {
		n = 0;
		if (k1 != NULL) {
			kv[n++] = k1;
			kv[n++] = v1;
		}
		kv[n++] = label;
		kv[n++] = keys[i];
		kv[n] = NULL;
		snprintf(path, sizeof(path), "%s.%s", prefix, keys[i]);
		v = jnum(st, path);
		metrics_sample(b, name, kv, v < 0 ? 0 : v);
	}
}

/* A family by process role: the member key of each, divided by scale. */
static void
daemon_procs(struct mbuf *b, const struct metrics_ctx *c, json_t *st,
    const char *name, const char *type, const char *help, const char *key,
    double scale)
{
	json_t		*procs = jpath(st, "processes"), *pr;
	const char	*kv[3];
	size_t		 i;
	double		 v;

	if (!json_is_array(procs))
		return;
	metrics_family(b, c, name, type, help);
	json_array_foreach(procs, i, pr) {
		if (!json_is_string(json_object_get(pr, "role")) ||
		    (v = jnum(pr, key)) < 0)
			continue;
		kv[0] = "role";
		kv[1] = json_string_value(json_object_get(pr, "role"));
		kv[2] = NULL;
		metrics_sample(b, name, kv, v / scale);
	}
}

void
metrics_daemon(struct mbuf *b, const struct metrics_ctx *c, json_t *st,
    const char *version, const char *revision)
{
	static const char *const results[] = {
		"delivered", "retried", "failed", "dropped", "refused", NULL
	};
	static const char *const kinds[] = { "link", "addr", "route", NULL };
	static const char *const changes[] = { "add", "delete", "update",
	    NULL };
	static const char *const discards[] = { "malformed", "foreign",
	    "stale", "bad_timestamps", NULL };
	const char	*kv[7];
	char		 path[128];
	size_t		 ntasks[NTYPES][NSTATUS], i, k, n;
	double		 v;

	metrics_family(b, c, "lopad_build_info", "info",
	    "lopad's version and source revision.");
	kv[0] = "version"; kv[1] = version;
	kv[2] = "revision"; kv[3] = revision;
	kv[4] = "node"; kv[5] = c->node; kv[6] = NULL;
	metrics_sample(b, "lopad_build_info", kv, 1);
	if ((v = jnum(st, "uptime")) >= 0) {
		metrics_family(b, c, "lopad_uptime_seconds", "gauge",
		    "Seconds since lopad started.");
		metrics_sample(b, "lopad_uptime_seconds", NULL, v / 1e9);
	}
	daemon_one(b, c, st, "config.reloads", "lopad_config_reloads_total",
	    "counter", "Configuration reloads asked (SIGHUP, API).");
	daemon_one(b, c, st, "config.last_reload_successful",
	    "lopad_config_last_reload_successful", "gauge",
	    "1 when the last reload succeeded (or none was asked).");
	if ((v = jtime(st, "config.last_reload_success")) >= 0) {
		metrics_family(b, c,
		    "lopad_config_last_reload_success_timestamp_seconds",
		    "gauge", "When the configuration was last loaded "
		    "successfully (the start, until a reload).");
		metrics_sample(b,
		    "lopad_config_last_reload_success_timestamp_seconds", NULL,
		    v);
	}

	daemon_procs(b, c, st, "lopad_process_resident_memory_bytes", "gauge",
	    "Resident memory of each lopad process.", "rss", 1);
	daemon_procs(b, c, st, "lopad_process_cpu_seconds_total", "counter",
	    "CPU time (user and system) of each lopad process.", "cpu_ns",
	    1e9);

	if (jpath(st, "webhooks") != NULL) {
		metrics_family(b, c, "lopad_webhook_deliveries_total",
		    "counter", "Webhook notifications by outcome (retried: "
		    "attempts that failed and were tried again).");
		daemon_keyed(b, "lopad_webhook_deliveries_total", st,
		    "webhooks", NULL, NULL, "result", results);
		daemon_one(b, c, st, "webhooks.queued",
		    "lopad_webhook_queued_total", "counter",
		    "Webhook notifications queued.");
		daemon_one(b, c, st, "webhooks.queue_length",
		    "lopad_webhook_queue_length", "gauge",
		    "Webhook notifications waiting for delivery.");
	}

	/* The reflector: packets by listener and result, drops by reason. */
	for (i = n = 0; i < NLISTENERS; i++)
		n += jpath(st, refl_listeners[i][1]) != NULL;
	if (n > 0) {
		metrics_family(b, c, "lopad_reflector_packets_total",
		    "counter", "Requests the reflector received, reflected "
		    "and dropped, by listener.");
		for (i = 0; i < NLISTENERS; i++)
			if (jpath(st, refl_listeners[i][1]) != NULL)
				daemon_keyed(b, "lopad_reflector_packets_total",
				    st, refl_listeners[i][1], "listener",
				    refl_listeners[i][0], "result",
				    refl_results);
		metrics_family(b, c, "lopad_reflector_drops_total", "counter",
		    "Requests the reflector dropped, by reason.");
		for (i = 0; i < NLISTENERS; i++) {
			if (jpath(st, refl_listeners[i][1]) == NULL)
				continue;
			snprintf(path, sizeof(path), "%s.drops",
			    refl_listeners[i][1]);
			daemon_keyed(b, "lopad_reflector_drops_total", st, path,
			    "listener", refl_listeners[i][0], "reason",
			    refl_drops);
		}
		metrics_family(b, c, "lopad_reflector_up", "gauge",
		    "1 while a reflector listener is open.");
		for (i = 0; i < NLISTENERS; i++) {
			if (jpath(st, refl_listeners[i][1]) == NULL)
				continue;
			kv[0] = "listener"; kv[1] = refl_listeners[i][0];
			kv[2] = NULL;
			v = jnum(st, refl_listeners[i][2]);
			metrics_sample(b, "lopad_reflector_up", kv,
			    v < 0 ? 0 : v);
		}
	}
	daemon_one(b, c, st, "reflector.twamp_control.connections.active",
	    "lopad_reflector_control_connections_active", "gauge",
	    "TWAMP-Control connections open.");
	daemon_one(b, c, st, "reflector.twamp_control.connections.accepted",
	    "lopad_reflector_control_connections_total", "counter",
	    "TWAMP-Control connections accepted.");
	daemon_one(b, c, st, "reflector.twamp_control.sessions.active",
	    "lopad_reflector_control_sessions_active", "gauge",
	    "TWAMP-Control test sessions open.");
	daemon_one(b, c, st, "reflector.twamp_control.sessions.accepted",
	    "lopad_reflector_control_sessions_total", "counter",
	    "TWAMP-Control test sessions accepted.");

	daemon_one(b, c, st, "sender.sessions", "lopad_sender_sessions",
	    "gauge", "Probe sessions the sender runs.");
	daemon_one(b, c, st, "sender.schedule_slips",
	    "lopad_sender_schedule_slips_total", "counter",
	    "Probes sent later than their schedule allowed.");
	if (jpath(st, "sender") != NULL) {
		metrics_family(b, c, "lopad_sender_discarded_total", "counter",
		    "Packets the sender read and discarded, by reason.");
		daemon_keyed(b, "lopad_sender_discarded_total", st, "sender",
		    NULL, NULL, "reason", discards);
	}

	if (jpath(st, "netlink.events_by") != NULL) {
		metrics_family(b, c, "lopad_netlink_events_total", "counter",
		    "Changes of links, addresses and routes seen.");
		for (i = 0; kinds[i] != NULL; i++) {
			snprintf(path, sizeof(path), "netlink.events_by.%s",
			    kinds[i]);
			daemon_keyed(b, "lopad_netlink_events_total", st, path,
			    "type", kinds[i], "change", changes);
		}
	}
	daemon_one(b, c, st, "netlink.resyncs", "lopad_netlink_resyncs_total",
	    "counter", "Netlink dumps after an overrun or a reload.");
	daemon_one(b, c, st, "netlink.overruns",
	    "lopad_netlink_overruns_total", "counter",
	    "Netlink receive buffer overruns (ENOBUFS).");
	daemon_one(b, c, st, "netlink.malformed",
	    "lopad_netlink_malformed_total", "counter",
	    "Netlink messages that could not be read.");
	daemon_one(b, c, st, "netlink.failures", "lopad_netlink_failures_total",
	    "counter", "Netlink socket failures (a new socket follows).");

	/* The tasks: how many, and what the series budget left out. */
	metrics_family(b, c, "lopad_tasks", "gauge",
	    "Tasks by type and status.");
	memset(ntasks, 0, sizeof(ntasks));
	for (i = 0; i < c->ntasks; i++)
		if (c->tasks[i].r->type < NTYPES &&
		    c->tasks[i].r->status < NSTATUS)
			ntasks[c->tasks[i].r->type][c->tasks[i].r->status]++;
	for (k = 0; k < NTYPES; k++)
		for (i = 0; i < NSTATUS; i++) {
			if (ntasks[k][i] == 0 ||
			    task_type_name((uint32_t)k) == NULL ||
			    task_status_name((uint32_t)i) == NULL)
				continue;
			kv[0] = "type"; kv[1] = task_type_name((uint32_t)k);
			kv[2] = "status"; kv[3] = task_status_name((uint32_t)i);
			kv[4] = NULL;
			metrics_sample(b, "lopad_tasks", kv,
			    (double)ntasks[k][i]);
		}
	metrics_family(b, c, "lopad_metrics_series", "gauge",
	    "Task series in this exposition (metrics.max_series bounds it).");
	metrics_sample_u(b, "lopad_metrics_series", NULL, c->series);
	metrics_family(b, c, "lopad_metrics_tasks_omitted", "gauge",
	    "Tasks left out of this exposition by metrics.max_series.");
	metrics_sample_u(b, "lopad_metrics_tasks_omitted", NULL,
	    (uint64_t)(c->ntasks - c->nrender));
}
