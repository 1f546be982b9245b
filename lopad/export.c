/*
 * lopa: push exports: InfluxDB line protocol and the results log's JSON
 * lines (export.h).
 *
 * Line protocol escaping (docs.influxdata.com, "Line protocol"): in the
 * measurement, commas and spaces; in tag keys and values and field keys,
 * commas, equals signs and spaces, each after a backslash; string field
 * values in double quotes with quotes and backslashes escaped.  Newlines
 * have no escape: they become spaces.  Empty tag values are left out
 * (InfluxDB refuses them).  Integers carry the i suffix.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "task_json.h"

static void
escape(struct mbuf *b, const char *s, const char *special)
{
	const char	*p;
	char		 c;

	for (p = s; *p != '\0'; p++) {
		c = *p == '\n' || *p == '\r' ? ' ' : *p;
		if (strchr(special, c) != NULL || c == '\\')
			mbuf_add(b, "\\", 1);
		mbuf_add(b, &c, 1);
	}
}

void
export_escape_meas(struct mbuf *b, const char *s)
{
	escape(b, s, ", ");
}

void
export_escape_tag(struct mbuf *b, const char *s)
{
	escape(b, s, ",= ");
}

static void
tag(struct mbuf *b, const char *k, const char *v)
{
	if (v == NULL || *v == '\0')
		return;
	mbuf_add(b, ",", 1);
	export_escape_tag(b, k);
	mbuf_add(b, "=", 1);
	export_escape_tag(b, v);
}

static int	 nfields;

static void
field_i(struct mbuf *b, const char *k, int64_t v)
{
	mbuf_printf(b, "%s%s=%lldi", nfields++ ? "," : " ", k, (long long)v);
}

static void
field_u(struct mbuf *b, const char *k, uint64_t v)
{
	/* InfluxDB v1 has no unsigned type: the largest signed instead. */
	mbuf_printf(b, "%s%s=%lldi", nfields++ ? "," : " ", k,
	    (long long)(v > INT64_MAX ? INT64_MAX : v));
}

static void
field_f(struct mbuf *b, const char *k, double v)
{
	if (!isfinite(v))
		return;
	mbuf_printf(b, "%s%s=%.17g", nfields++ ? "," : " ", k, v);
}

/* Measurement and tags, the task's (interface: one more tag, or NULL). */
static void
line_head(struct mbuf *b, const struct export_result *x, const char *node,
    const char *meas, const char *iface)
{
	const char	*p, *end, *v;
	char		 id[TASK_IDLEN + 16], name[LOPA_NAMELEN + 8];
	char		 lbl[LOPA_NAMELEN + 8];
	char		 seen[TASK_MAXLABELS][LOPA_NAMELEN + 8];
	char		 target[TASK_TARGETLEN], ip[LOPA_ADDRLEN];
	size_t		 i, n = 0;

	export_escape_meas(b, meas);
	snprintf(id, sizeof(id), "%s-%u", node, x->key);
	strlcpy(name, x->name, sizeof(name));
	strlcpy(target, x->target, sizeof(target));
	strlcpy(ip, x->ip, sizeof(ip));
	tag(b, "node", node);
	tag(b, "task", id);
	tag(b, "name", name);
	tag(b, "type", task_type_name(x->type));
	tag(b, "mode", task_mode_name(x->mode));
	tag(b, "target", target);
	tag(b, "ip", ip);
	if (iface != NULL)
		tag(b, "interface", iface);
	/* The task's labels: no clash with ours (label_ before those). */
	p = x->labels;
	end = x->labels + (x->labels_len < sizeof(x->labels) ?
	    x->labels_len : sizeof(x->labels));
	while (p < end && memchr(p, '\0', (size_t)(end - p)) != NULL) {
		v = p + strlen(p) + 1;
		if (v >= end || memchr(v, '\0', (size_t)(end - v)) == NULL)
			break;
		if (strcmp(p, "node") == 0 || strcmp(p, "task") == 0 ||
		    strcmp(p, "name") == 0 || strcmp(p, "type") == 0 ||
		    strcmp(p, "mode") == 0 || strcmp(p, "target") == 0 ||
		    strcmp(p, "ip") == 0 || strcmp(p, "time") == 0 ||
		    strcmp(p, "interface") == 0)
			snprintf(lbl, sizeof(lbl), "label_%s", p);
		else
			strlcpy(lbl, p, sizeof(lbl));
		/*
		 * A tag key twice is refused: of a label "type" (label_type
		 * here) and a label "label_type", the first by name stays.
		 */
		for (i = 0; i < n && strcmp(seen[i], lbl) != 0; i++)
			;
		if (i == n && n < TASK_MAXLABELS) {
			strlcpy(seen[n++], lbl, sizeof(seen[0]));
			tag(b, lbl, v);
		}
		p = v + strlen(v) + 1;
	}
	nfields = 0;
}

static const char *const pc_fields[PC_MAX] = {
	[PC_BYTES_IN] = "bytes_in", [PC_BYTES_OUT] = "bytes_out",
	[PC_PACKETS_IN] = "packets_in", [PC_PACKETS_OUT] = "packets_out",
	[PC_ERRORS_IN] = "errors_in", [PC_ERRORS_OUT] = "errors_out",
	[PC_DROPS_IN] = "drops_in", [PC_DROPS_OUT] = "drops_out",
	[PC_MULTICAST_IN] = "multicast_in",
};

/* A passive interval: a line per interface. */
static void
passive_lines(struct mbuf *b, const struct export_result *x,
    const char *node, const char *meas)
{
	char		 ifn[TASK_IFNAMELEN + 1];
	double		 sec = (double)x->dt_ns / 1e9;
	uint32_t	 i;
	int		 k;

	for (i = 0; i < x->npassive && i < TASK_MAXIFACES; i++) {
		strlcpy(ifn, x->pnames[i], sizeof(ifn));
		line_head(b, x, node, meas, ifn);
		field_u(b, "interval", x->index);
		field_i(b, "interval_ns", x->dt_ns);
		for (k = 0; k < PC_MAX; k++)
			field_u(b, pc_fields[k], x->pd[i][k]);
		if (sec > 0) {
			field_f(b, "bps_in", (double)x->pd[i][PC_BYTES_IN] *
			    8 / sec);
			field_f(b, "bps_out", (double)x->pd[i][PC_BYTES_OUT] *
			    8 / sec);
			field_f(b, "pps_in", (double)x->pd[i][PC_PACKETS_IN] /
			    sec);
			field_f(b, "pps_out", (double)x->pd[i][PC_PACKETS_OUT] /
			    sec);
		}
		mbuf_printf(b, " %lld\n", (long long)x->t_to);
	}
}

void
export_line(struct mbuf *b, const struct export_result *x, const char *node,
    const char *meas)
{
	const struct stats_result *s = &x->st;
	const struct twamp_result *t = &x->twamp.r;

	if (x->kind == EXPORT_INTERVAL) {
		passive_lines(b, x, node, meas);
		return;
	}
	line_head(b, x, node, meas, NULL);
	field_u(b, x->kind == EXPORT_ROUND ? "round" : "window", x->index);
	if (x->kind == EXPORT_WINDOW)
		field_i(b, "window_ns", x->window_ns);
	field_u(b, "sent", s->sent);
	field_u(b, "received", s->received);
	field_u(b, "lost", s->lost);
	field_u(b, "in_flight", s->in_flight);
	field_f(b, "loss_rate", s->loss_rate);
	field_u(b, "duplicates", s->duplicates);
	field_u(b, "reordered", s->reordered);
	field_u(b, "late", s->late);
	field_u(b, "loss_burst_max", s->loss_burst_max);
	if (s->received > 0) {
		field_i(b, "rtt_min_ns", s->min_rtt);
		field_i(b, "rtt_avg_ns", s->avg_rtt);
		field_i(b, "rtt_max_ns", s->max_rtt);
		field_i(b, "rtt_stddev_ns", s->stddev_rtt);
		field_i(b, "rtt_p50_ns", s->p50_rtt);
		field_i(b, "rtt_p90_ns", s->p90_rtt);
		field_i(b, "rtt_p95_ns", s->p95_rtt);
		field_i(b, "rtt_p99_ns", s->p99_rtt);
		field_i(b, "jitter_ns", s->jitter);
		field_i(b, "jitter_rfc3550_ns", s->jitter_rfc3550);
		field_i(b, "ipdv_ns", s->ipdv_mean);
		field_i(b, "ipdv_p99_ns", s->ipdv_p99);
	}
	if (x->has_twamp && t->replies > 0) {
		field_i(b, "forward_avg_ns", t->fwd.avg);
		field_i(b, "forward_p99_ns", t->fwd.p99);
		field_i(b, "backward_avg_ns", t->bwd.avg);
		field_i(b, "backward_p99_ns", t->bwd.p99);
		if (t->fwd_hops >= 0)
			field_i(b, "forward_hops", t->fwd_hops);
		if (t->bwd_hops >= 0)
			field_i(b, "backward_hops", t->bwd_hops);
	}
	/* Telegraf's ping plugin, for the dashboards made for it. */
	if (x->type == TASK_PING) {
		field_u(b, "packets_transmitted", s->received + s->lost);
		field_u(b, "packets_received", s->received);
		field_f(b, "percent_packet_loss", s->received + s->lost > 0 ?
		    100.0 * (double)s->lost / (double)(s->received + s->lost) :
		    0);
		if (s->received > 0) {
			field_f(b, "minimum_response_ms",
			    (double)s->min_rtt / 1e6);
			field_f(b, "average_response_ms",
			    (double)s->avg_rtt / 1e6);
			field_f(b, "maximum_response_ms",
			    (double)s->max_rtt / 1e6);
			field_f(b, "standard_deviation_ms",
			    (double)s->stddev_rtt / 1e6);
		}
	}
	mbuf_printf(b, " %lld\n", (long long)x->t_to);
}

json_t *
export_json(const struct export_result *x, const char *node)
{
	json_t	*o;
	char	 id[TASK_IDLEN + 16], tm[48], name[LOPA_NAMELEN + 1];
	char	 target[TASK_TARGETLEN + 1], ip[LOPA_ADDRLEN + 1];
	int	 rc = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	snprintf(id, sizeof(id), "%s-%u", node, x->key);
	strlcpy(name, x->name, sizeof(name));
	strlcpy(target, x->target, sizeof(target));
	strlcpy(ip, x->ip, sizeof(ip));
	task_time_format(x->t_to, tm, sizeof(tm));
	rc |= json_object_set_new(o, "time", json_string(tm));
	rc |= json_object_set_new(o, "node_id", json_string(node));
	rc |= json_object_set_new(o, "task_id", json_string(id));
	if (name[0] != '\0')
		rc |= json_object_set_new(o, "name", json_string(name));
	rc |= json_object_set_new(o, "type",
	    json_string(task_type_name(x->type)));
	rc |= json_object_set_new(o, "mode",
	    json_string(task_mode_name(x->mode)));
	rc |= json_object_set_new(o, "target", json_string(target));
	if (ip[0] != '\0')
		rc |= json_object_set_new(o, "ip", json_string(ip));
	if (x->labels_len > 0)
		rc |= json_object_set_new(o, "labels",
		    task_json_labels_out(x->labels, x->labels_len));
	rc |= json_object_set_new(o, "kind", json_string(x->kind ==
	    EXPORT_ROUND ? "round" : x->kind == EXPORT_WINDOW ? "window" :
	    "interval"));
	rc |= json_object_set_new(o, "index", json_integer(x->index));
	task_time_format(x->t_from, tm, sizeof(tm));
	rc |= json_object_set_new(o, "from", json_string(tm));
	if (x->kind == EXPORT_WINDOW)
		rc |= json_object_set_new(o, "window", json_integer(x->window_ns));
	if (x->kind == EXPORT_INTERVAL) {
		json_t		*a = json_array(), *i1;
		char		 ifn[TASK_IFNAMELEN + 1];
		uint32_t	 i;
		int		 k;

		for (i = 0; a != NULL && i < x->npassive &&
		    i < TASK_MAXIFACES; i++) {
			strlcpy(ifn, x->pnames[i], sizeof(ifn));
			if ((i1 = json_object()) == NULL)
				break;
			rc |= json_object_set_new(i1, "name", json_string(ifn));
			for (k = 0; k < PC_MAX; k++)
				rc |= json_object_set_new(i1, pc_fields[k],
				    json_integer((json_int_t)(x->pd[i][k] >
				    INT64_MAX ? INT64_MAX : x->pd[i][k])));
			rc |= json_array_append_new(a, i1);
		}
		rc |= json_object_set_new(o, "interval",
		    json_integer(x->dt_ns));
		rc |= json_object_set_new(o, "interfaces", a);
	} else
		rc |= json_object_set_new(o, "stats", task_stats_json(&x->st));
	if (x->has_twamp)
		rc |= json_object_set_new(o, "twamp",
		    task_twamp_json(&x->twamp));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
export_probe_json(const struct export_probe *x, const char *node)
{
	json_t	*o;
	char	 id[TASK_IDLEN + 16];

	if ((o = task_sample_json(&x->pr)) == NULL)
		return NULL;
	snprintf(id, sizeof(id), "%s-%u", node, x->key);
	if (json_object_set_new(o, "task_id", json_string(id)) != 0 ||
	    json_object_set_new(o, "node_id", json_string(node)) != 0 ||
	    json_object_set_new(o, "type",
	    json_string(task_type_name(x->type))) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
