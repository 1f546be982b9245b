/*
 * lopactl: text for people from the API's JSON.
 *
 * Times in the API are integer nanoseconds; people read milliseconds with
 * three decimals, as ping(8) prints them.  A probe line is "seq=N", then
 * the status word unless the probe was answered ("timeout", "refused",
 * "ttl_exceeded", ..., or "duplicate" and "late" for extra replies), then
 * what is known of it: "rtt=X ms", "ttl=N", "mtu=N", "from ADDR" (the
 * router that reported an error; an answer comes from the target) and the
 * local error's text in parentheses.
 */
#include <sys/types.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fmt.h"

#define STRMAX		256
#define NS_PER_MS	1000000LL
#define NS_PER_S	1000000000LL
#define MON_DEPTH	3	/* monitor events: values nested this deep */

static int	 kind_is(json_t *, const char *);
static int	 has_flag(const char *, const char *);
static void	 mon_value(json_t *, char *, size_t, int);
static void	 mon_dev(json_t *, const char *, const char *, char *, size_t);
static void	 mon_object(const char *, json_t *, int, char *, size_t);
static void	 mon_changes(json_t *, json_t *, char *, size_t);
static int64_t	 number_ns(json_t *);
static void	 hops(char *, size_t, json_t *);
static void	 hop_range(FILE *, json_t *, const char *);
static void	 tw_window(FILE *, json_t *);
static void	 tw_figures(FILE *, json_t *, json_t *, int);
static void	 tw_row(FILE *, const char *, json_t *, const char *,
		    const char *, const char *, const char *, const char *);
static void	 tw_loss(char *, size_t, int64_t, int64_t);
static void	 tw_tlvs(FILE *, json_t *);
static const char *tw_code(json_t *, const char *, const char *const *,
		    size_t, char *, size_t);
static void	 rtt_line(FILE *, json_t *, const char *, const char *,
		    const char *const *, size_t);
static void	 round_lines(FILE *, json_t *);

/* The error kinds of a stats object's "errors", in the API's order. */
static const char *const error_names[] = {
	"unreachable", "ttl_exceeded", "too_big", "param_problem", "error"
};

/*
 * STAMP Timestamp Information (RFC 8972 section 4.3, IANA's registries):
 * the sync source and the timestamping method, by value.
 */
static const char *const sync_names[] = {
	NULL, "NTP", "PTP", "SSU/BITS", "GNSS", "free-running"
};
static const char *const method_names[] = {
	NULL, "hardware", "software", "control-plane"
};
#define NSYNC		(sizeof(sync_names) / sizeof(sync_names[0]))
#define NMETHOD		(sizeof(method_names) / sizeof(method_names[0]))

void
fmt_append(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n;

	if (len == 0)
		return;
	n = strlen(buf);
	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

size_t
fmt_ms(int64_t ns, char *buf, size_t len)
{
	uint64_t	 us;
	int		 n;

	/* magnitude in µs, rounded half away from zero, without overflow */
	us = ns < 0 ? (uint64_t)-(ns + 1) + 1 : (uint64_t)ns;
	us = us / 1000 + (us % 1000 >= 500);
	n = snprintf(buf, len, "%s%llu.%03llu", ns < 0 && us != 0 ? "-" : "",
	    (unsigned long long)(us / 1000), (unsigned long long)(us % 1000));
	return (n < 0 ? 0 : (size_t)n);
}

size_t
fmt_pct(double frac, char *buf, size_t len)
{
	double	 pct;
	char	*p;
	int	 n;

	pct = isfinite(frac) ? frac * 100 : 0;
	if (pct > 0 && pct < 0.005)
		n = snprintf(buf, len, "%.2g", pct);	/* 1 in a million */
	else
		n = snprintf(buf, len, "%.2f", pct);
	if (n < 0 || len == 0)
		return (0);
	if (strchr(buf, '.') != NULL && strchr(buf, 'e') == NULL) {
		p = buf + strlen(buf);
		while (p[-1] == '0')
			*--p = '\0';
		if (p[-1] == '.')
			*--p = '\0';
	}
	return (strlen(buf));
}

void
fmt_safe(char *buf, size_t len, const char *s, size_t n)
{
	size_t	 i;

	if (len == 0)
		return;
	for (i = 0; i < n && i + 1 < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			buf[i] = '?';
		else
			buf[i] = s[i];
	}
	buf[i] = '\0';
}

const char *
fmt_str(json_t *o, const char *key, char *buf, size_t len)
{
	json_t	*v;

	v = json_is_object(o) ? json_object_get(o, key) : NULL;
	if (!json_is_string(v)) {
		snprintf(buf, len, "-");
		return (buf);
	}
	fmt_safe(buf, len, json_string_value(v), json_string_length(v));
	return (buf);
}

int64_t
fmt_int(json_t *o, const char *key)
{
	json_t	*v;
	double	 d;

	v = json_is_object(o) ? json_object_get(o, key) : NULL;
	if (json_is_integer(v))
		return (json_integer_value(v));
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (isfinite(d) && d > -9.2e18 && d < 9.2e18)
			return ((int64_t)d);
	}
	return (0);
}

static int
kind_is(json_t *ev, const char *kind)
{
	json_t	*v;

	v = json_object_get(ev, "kind");
	return (json_is_string(v) && strcmp(json_string_value(v), kind) == 0);
}

/* A hop count, "?" when unknown (null). */
static void
hops(char *buf, size_t len, json_t *v)
{
	if (json_is_integer(v))
		fmt_append(buf, len, "%lld", (long long)json_integer_value(v));
	else
		fmt_append(buf, len, "?");
}

size_t
fmt_probe(json_t *ev, char *buf, size_t len)
{
	json_t		*v;
	const char	*status;
	char		 s[STRMAX], ms[32];
	int		 extra, answer;

	if (len == 0)
		return (0);
	buf[0] = '\0';
	if (!json_is_object(ev) || kind_is(ev, "sent") ||
	    !json_is_integer(json_object_get(ev, "seq")))
		return (0);

	extra = kind_is(ev, "duplicate") || kind_is(ev, "late");
	v = json_object_get(ev, "status");
	status = json_is_string(v) ? json_string_value(v) : "unknown";
	answer = strcmp(status, "ok") == 0 || strcmp(status, "refused") == 0;

	fmt_append(buf, len, "seq=%lld",
	    (long long)json_integer_value(json_object_get(ev, "seq")));
	if (extra)
		fmt_append(buf, len, " %s", fmt_str(ev, "kind", s, sizeof(s)));
	else if (strcmp(status, "ok") != 0)
		fmt_append(buf, len, " %s", fmt_str(ev, "status", s, sizeof(s)));
	if (json_is_integer(json_object_get(ev, "rtt"))) {
		fmt_ms(fmt_int(ev, "rtt"), ms, sizeof(ms));
		fmt_append(buf, len, " rtt=%s ms", ms);
	}
	/* twamp, stamp: the one-way delays and hop counts of a reply */
	if (json_is_integer(json_object_get(ev, "forward"))) {
		fmt_ms(fmt_int(ev, "forward"), ms, sizeof(ms));
		fmt_append(buf, len, " fwd=%s ms", ms);
	}
	if (json_is_integer(json_object_get(ev, "backward"))) {
		fmt_ms(fmt_int(ev, "backward"), ms, sizeof(ms));
		fmt_append(buf, len, " bwd=%s ms", ms);
	}
	if (json_is_object(v = json_object_get(ev, "hops"))) {
		fmt_append(buf, len, " hops=");
		hops(buf, len, json_object_get(v, "forward"));
		fmt_append(buf, len, "/");
		hops(buf, len, json_object_get(v, "backward"));
	}
	if (json_is_integer(json_object_get(ev, "ttl")))
		fmt_append(buf, len, " ttl=%lld", (long long)fmt_int(ev, "ttl"));
	if (json_is_integer(json_object_get(ev, "mtu")))
		fmt_append(buf, len, " mtu=%lld", (long long)fmt_int(ev, "mtu"));
	if (!answer && !extra && json_is_string(json_object_get(ev, "from")))
		fmt_append(buf, len, " from %s", fmt_str(ev, "from", s, sizeof(s)));
	if (json_is_string(json_object_get(ev, "error")))
		fmt_append(buf, len, " (%s)", fmt_str(ev, "error", s, sizeof(s)));
	if (json_is_true(json_object_get(ev, "clock_step")))
		fmt_append(buf, len, " clock_step");
	if (json_is_true(json_object_get(ev, "unsynchronized")))
		fmt_append(buf, len, " unsynchronized");
	if (json_is_true(json_object_get(ev, "nonconformant")))
		fmt_append(buf, len, " nonconformant");
	return (strlen(buf));
}

size_t
fmt_counts(json_t *st, char *buf, size_t len)
{
	json_t	*errs;
	char	 pct[32];
	size_t	 i;
	int64_t	 n;

	if (len == 0)
		return (0);
	buf[0] = '\0';
	fmt_pct(json_is_number(json_object_get(st, "loss_rate")) ?
	    json_number_value(json_object_get(st, "loss_rate")) : 0,
	    pct, sizeof(pct));
	fmt_append(buf, len, "%lld sent, %lld received, %s%% loss",
	    (long long)fmt_int(st, "sent"), (long long)fmt_int(st, "received"),
	    pct);
	if ((n = fmt_int(st, "refused")) != 0)
		fmt_append(buf, len, ", %lld refused", (long long)n);
	if ((n = fmt_int(st, "duplicates")) != 0)
		fmt_append(buf, len, ", %lld duplicates", (long long)n);
	if ((n = fmt_int(st, "late")) != 0)
		fmt_append(buf, len, ", %lld late", (long long)n);
	errs = json_object_get(st, "errors");
	for (i = 0; i < sizeof(error_names) / sizeof(error_names[0]); i++)
		if ((n = fmt_int(errs, error_names[i])) != 0)
			fmt_append(buf, len, ", %lld %s", (long long)n,
			    error_names[i]);
	if ((n = fmt_int(st, "in_flight")) != 0)
		fmt_append(buf, len, ", %lld in flight", (long long)n);
	return (strlen(buf));
}

/* "<indent><label> = a/b/c<suffix> ms" over the stats keys given. */
static void
rtt_line(FILE *fp, json_t *st, const char *indent, const char *label,
    const char *const *keys, size_t nkeys)
{
	char	 ms[32];
	size_t	 i;

	fprintf(fp, "%s%s = ", indent, label);
	for (i = 0; i < nkeys; i++) {
		fmt_ms(fmt_int(st, keys[i]), ms, sizeof(ms));
		fprintf(fp, "%s%s", i > 0 ? "/" : "", ms);
	}
	fprintf(fp, " ms");
}

void
fmt_summary(FILE *fp, json_t *res)
{
	static const char *const rtt[] = {
		"min_rtt", "avg_rtt", "max_rtt", "stddev_rtt"
	};
	static const char *const pct[] = { "p50_rtt", "p90_rtt", "p99_rtt" };
	json_t		*total;
	char		 s[STRMAX], line[512], ms[32];

	total = json_object_get(res, "total");
	fprintf(fp, "--- %s lopa statistics ---\n",
	    fmt_str(res, "target", s, sizeof(s)));
	fmt_counts(total, line, sizeof(line));
	fprintf(fp, "%s\n", line);
	if (fmt_int(total, "received") > 0) {
		rtt_line(fp, total, "", "rtt min/avg/max/mdev", rtt, 4);
		fprintf(fp, "\n");
		rtt_line(fp, total, "", "p50/p90/p99", pct, 3);
		fmt_ms(fmt_int(total, "jitter"), ms, sizeof(ms));
		fprintf(fp, ", jitter = %s ms\n", ms);
	}
	round_lines(fp, res);
}

/* A line per round of a task of more than one round. */
static void
round_lines(FILE *fp, json_t *res)
{
	static const char *const rtt[] = { "min_rtt", "avg_rtt", "max_rtt" };
	json_t		*rounds, *r, *st;
	char		 line[512];
	size_t		 i;

	rounds = json_object_get(res, "rounds");
	if (!json_is_array(rounds) || json_array_size(rounds) < 2)
		return;
	json_array_foreach(rounds, i, r) {
		st = json_object_get(r, "stats");
		fmt_counts(st, line, sizeof(line));
		fprintf(fp, "round %lld: %s", (long long)fmt_int(r, "index"),
		    line);
		if (fmt_int(st, "received") > 0)
			rtt_line(fp, st, ", ", "rtt min/avg/max", rtt, 3);
		fprintf(fp, "\n");
	}
}

/*
 * A statistics block.  whole 0: a continuous task's totals, which keep
 * no RTTs, hence no percentiles nor IPDV: those lines are left out.
 */
void
fmt_stats(FILE *fp, json_t *st, const char *indent, int whole)
{
	static const char *const rtt[] = {
		"min_rtt", "avg_rtt", "max_rtt", "stddev_rtt"
	};
	static const char *const pct[] = {
		"p50_rtt", "p90_rtt", "p95_rtt", "p99_rtt"
	};
	static const char *const var[] = {
		"jitter", "jitter_rfc3550", "ipdv", "ipdv_p99", "pdv_p99"
	};
	char	 line[512], ms[32];
	size_t	 i;

	fmt_counts(st, line, sizeof(line));
	fprintf(fp, "%s%s\n", indent, line);
	if (fmt_int(st, "received") > 0) {
		rtt_line(fp, st, indent, "rtt min/avg/max/mdev", rtt, 4);
		fprintf(fp, "\n");
		if (whole) {
			rtt_line(fp, st, indent, "p50/p90/p95/p99", pct, 4);
			fprintf(fp, "\n");
		}
		fprintf(fp, "%s", indent);
		for (i = 0; i < sizeof(var) / sizeof(var[0]); i++) {
			/* Only jitter and jitter_rfc3550 without RTTs. */
			if (!whole && i >= 2)
				break;
			fmt_ms(fmt_int(st, var[i]), ms, sizeof(ms));
			fprintf(fp, "%s%s = %s ms", i > 0 ? ", " : "", var[i],
			    ms);
		}
		fprintf(fp, "\n");
	}
	fprintf(fp, "%sreordered %lld, longest loss burst %lld, last ttl "
	    "%lld\n", indent, (long long)fmt_int(st, "reordered"),
	    (long long)fmt_int(st, "loss_burst_max"),
	    (long long)fmt_int(st, "last_ttl"));
}

/*
 * The summary of a twamp or stamp task, in the shape of twampy's:
 *
 *	--- 192.0.2.7:862 twamp statistics ---
 *	20 sent, 13 received, 35% loss
 *	Direction (ms)        Min        Max        Avg     Jitter     Loss
 *	Outbound            0.031      0.052      0.038      0.006      20%
 *	Inbound             0.029      0.047      0.035      0.005      15%
 *	Roundtrip           0.061      0.098      0.073      0.009      35%
 *	p50/p99: outbound 0.037/0.052 ms, inbound ..., roundtrip ... ms
 *	processing min/avg/max = 0.004/0.005/0.009 ms, p50/p99 = ...
 *	hops outbound 0, inbound 0
 *	reflector stateful, lost 4 outbound and 3 inbound
 *
 * Outbound is the forward delay T2 - T1, Inbound the backward one T4 - T3,
 * Roundtrip the RTT without the reflector's time; the one-way losses are
 * known only from a stateful reflector ("-" otherwise), as fractions of
 * the probes sent.  A round trip's figures are the task's.  Then what the
 * reflected STAMP TLVs said, a line per round as for ping and, for a
 * continuous task, the same figures over its window.  A continuous
 * task's total keeps no values, hence no percentiles: they are left out.
 */
void
fmt_twamp_summary(FILE *fp, json_t *res)
{
	json_t		*total;
	char		 s[STRMAX], line[512];
	int		 whole;

	total = json_object_get(res, "total");
	fprintf(fp, "--- %s %s statistics ---\n",
	    fmt_str(res, "target", s, sizeof(s)),
	    fmt_str(res, "type", line, sizeof(line)));
	fmt_counts(total, line, sizeof(line));
	fprintf(fp, "%s\n", line);
	whole = strcmp(fmt_str(res, "mode", s, sizeof(s)), "continuous") != 0;
	tw_figures(fp, total, json_object_get(total, "twamp"), whole);
	round_lines(fp, res);
	tw_window(fp, json_object_get(res, "window"));
}

/*
 * A continuous task's window: "window 60s: <counts>" (its length in
 * seconds, or milliseconds when it is no whole number of seconds), then
 * its figures.
 */
static void
tw_window(FILE *fp, json_t *w)
{
	json_t		*st;
	char		 line[512];
	int64_t		 ns;

	if (!json_is_object(w))
		return;
	st = json_object_get(w, "stats");
	if (json_is_integer(json_object_get(w, "duration")))
		ns = fmt_int(w, "duration");
	else
		ns = fmt_int(w, "window_seconds") * NS_PER_S;
	fmt_counts(st, line, sizeof(line));
	if (ns % NS_PER_S == 0)
		fprintf(fp, "window %llds: %s\n", (long long)(ns / NS_PER_S),
		    line);
	else
		fprintf(fp, "window %lldms: %s\n", (long long)(ns / NS_PER_MS),
		    line);
	tw_figures(fp, st, json_object_get(w, "twamp"), 1);
}

/*
 * The table and the lines after it for the stats st and their twamp
 * member tw; whole 0: no percentiles (a continuous task's total).
 */
static void
tw_figures(FILE *fp, json_t *st, json_t *tw, int whole)
{
	json_t		*fwd, *bwd, *proc, *h;
	char		 s[STRMAX], lf[32], lb[32], lr[32];
	char		 a[32], b[32], c[32], d[32], e[32], f[32];
	int64_t		 sent, n;
	int		 stateful;

	if (fmt_int(tw, "replies") == 0) {
		fprintf(fp, "no reply from a reflector\n");
		return;
	}
	fwd = json_object_get(tw, "forward");
	bwd = json_object_get(tw, "backward");
	proc = json_object_get(tw, "processing");
	sent = fmt_int(st, "sent");
	stateful = strcmp(fmt_str(tw, "reflector", s, sizeof(s)),
	    "stateful") == 0;
	if (stateful) {
		tw_loss(lf, sizeof(lf), fmt_int(tw, "forward_lost"), sent);
		tw_loss(lb, sizeof(lb), fmt_int(tw, "backward_lost"), sent);
	} else {
		strlcpy(lf, "-", sizeof(lf));
		strlcpy(lb, "-", sizeof(lb));
	}
	fmt_pct(json_number_value(json_object_get(st, "loss_rate")), lr,
	    sizeof(lr) - 1);
	strlcat(lr, "%", sizeof(lr));

	fprintf(fp, "%-14s %10s %10s %10s %10s %8s\n", "Direction (ms)",
	    "Min", "Max", "Avg", "Jitter", "Loss");
	tw_row(fp, "Outbound", fwd, "min", "max", "avg", "jitter", lf);
	tw_row(fp, "Inbound", bwd, "min", "max", "avg", "jitter", lb);
	tw_row(fp, "Roundtrip", st, "min_rtt", "max_rtt", "avg_rtt",
	    "jitter", lr);

	if (whole) {
		fmt_ms(fmt_int(fwd, "p50"), a, sizeof(a));
		fmt_ms(fmt_int(fwd, "p99"), b, sizeof(b));
		fmt_ms(fmt_int(bwd, "p50"), c, sizeof(c));
		fmt_ms(fmt_int(bwd, "p99"), d, sizeof(d));
		fmt_ms(fmt_int(st, "p50_rtt"), e, sizeof(e));
		fmt_ms(fmt_int(st, "p99_rtt"), f, sizeof(f));
		fprintf(fp, "p50/p99: outbound %s/%s ms, inbound %s/%s ms, "
		    "roundtrip %s/%s ms\n", a, b, c, d, e, f);
	}
	fmt_ms(fmt_int(proc, "min"), a, sizeof(a));
	fmt_ms(fmt_int(proc, "avg"), b, sizeof(b));
	fmt_ms(fmt_int(proc, "max"), c, sizeof(c));
	fprintf(fp, "processing min/avg/max = %s/%s/%s ms", a, b, c);
	if (whole) {
		fmt_ms(fmt_int(proc, "p50"), d, sizeof(d));
		fmt_ms(fmt_int(proc, "p99"), e, sizeof(e));
		fprintf(fp, ", p50/p99 = %s/%s ms", d, e);
	}
	fprintf(fp, "\n");
	h = json_object_get(tw, "hops");
	fprintf(fp, "hops outbound ");
	hop_range(fp, h, "forward");
	fprintf(fp, ", inbound ");
	hop_range(fp, h, "backward");
	fprintf(fp, "\n");
	if (stateful)
		fprintf(fp, "reflector stateful, lost %lld outbound and %lld "
		    "inbound\n", (long long)fmt_int(tw, "forward_lost"),
		    (long long)fmt_int(tw, "backward_lost"));
	else
		fprintf(fp, "reflector %s\n", s);
	if (json_is_true(json_object_get(tw, "unsynchronized")))
		fprintf(fp, "unsynchronized clocks (%lld of %lld replies): "
		    "one-way delays are not reliable\n",
		    (long long)fmt_int(tw, "unsynchronized_replies"),
		    (long long)fmt_int(tw, "replies"));
	if ((n = fmt_int(tw, "nonconformant")) > 0)
		fprintf(fp, "%lld nonconformant replies\n", (long long)n);
	if ((n = fmt_int(tw, "rtt_negative")) > 0)
		fprintf(fp, "%lld replies with the reflector's time longer "
		    "than the round trip\n", (long long)n);
	tw_tlvs(fp, tw);
}

/*
 * A stamp task that sent TLVs (its twamp has tlv_unrecognized): the
 * reflected TLVs the reflector did not know or found malformed, then,
 * once a reply carried them, the last Timestamp Information (the sync
 * source and method of T2, "in", and T3, "out") and Class of Service.
 */
static void
tw_tlvs(FILE *fp, json_t *tw)
{
	json_t	*ts, *cos;
	char	 a[32], b[32], c[32], d[32];
	int64_t	 rp;

	if (!json_is_integer(json_object_get(tw, "tlv_unrecognized")))
		return;
	fprintf(fp, "TLVs: %lld unrecognized, %lld malformed\n",
	    (long long)fmt_int(tw, "tlv_unrecognized"),
	    (long long)fmt_int(tw, "tlv_malformed"));
	ts = json_object_get(tw, "reflector_timestamp");
	if (json_is_object(ts)) {
		tw_code(ts, "sync_in", sync_names, NSYNC, a, sizeof(a));
		tw_code(ts, "method_in", method_names, NMETHOD, b, sizeof(b));
		tw_code(ts, "sync_out", sync_names, NSYNC, c, sizeof(c));
		tw_code(ts, "method_out", method_names, NMETHOD, d, sizeof(d));
		fprintf(fp, "reflector timestamps: in %s/%s, out %s/%s\n", a,
		    b, c, d);
	}
	cos = json_object_get(tw, "cos");
	if (!json_is_object(cos))
		return;
	fprintf(fp, "class of service: received with DSCP %lld, ECN %lld",
	    (long long)fmt_int(cos, "dscp2"), (long long)fmt_int(cos, "ecn"));
	if ((rp = fmt_int(cos, "rp")) == 0)
		fprintf(fp, ", replied with DSCP1\n");
	else if (rp == 1)
		fprintf(fp, ", could not reply with DSCP1\n");
	else
		fprintf(fp, ", rp %lld\n", (long long)rp);
}

/* A code of o's member key by its name in names, else as a number. */
static const char *
tw_code(json_t *o, const char *key, const char *const *names, size_t n,
    char *buf, size_t len)
{
	int64_t	 v;

	v = fmt_int(o, key);
	if (v > 0 && (uint64_t)v < n && names[v] != NULL)
		snprintf(buf, len, "%s", names[v]);
	else
		snprintf(buf, len, "%lld", (long long)v);
	return (buf);
}

/* n lost of sent, as a percentage ("20%"). */
static void
tw_loss(char *buf, size_t len, int64_t n, int64_t sent)
{
	if (len < 2)
		return;
	fmt_pct(sent > 0 ? (double)n / sent : 0, buf, len - 1);
	strlcat(buf, "%", len);
}

/* A row of the twamp summary table: 4 times of o, and the loss. */
static void
tw_row(FILE *fp, const char *label, json_t *o, const char *kmin,
    const char *kmax, const char *kavg, const char *kjit, const char *loss)
{
	char	 a[32], b[32], c[32], d[32];

	fmt_ms(fmt_int(o, kmin), a, sizeof(a));
	fmt_ms(fmt_int(o, kmax), b, sizeof(b));
	fmt_ms(fmt_int(o, kavg), c, sizeof(c));
	fmt_ms(fmt_int(o, kjit), d, sizeof(d));
	fprintf(fp, "%-14s %10s %10s %10s %10s %8s\n", label, a, b, c, d,
	    loss);
}

/* "0", "0-2" (the least and the most seen), or "?" when unknown. */
static void
hop_range(FILE *fp, json_t *h, const char *dir)
{
	char	 kmin[32], kmax[32];
	json_t	*lo, *hi;

	snprintf(kmin, sizeof(kmin), "%s_min", dir);
	snprintf(kmax, sizeof(kmax), "%s_max", dir);
	lo = json_object_get(h, kmin);
	hi = json_object_get(h, kmax);
	if (!json_is_integer(lo) || !json_is_integer(hi))
		fprintf(fp, "?");
	else if (json_integer_value(lo) == json_integer_value(hi))
		fprintf(fp, "%lld", (long long)json_integer_value(lo));
	else
		fprintf(fp, "%lld-%lld", (long long)json_integer_value(lo),
		    (long long)json_integer_value(hi));
}

/* A JSON number as integer nanoseconds; 0 when out of range. */
static int64_t
number_ns(json_t *v)
{
	double	 d;

	if (json_is_integer(v))
		return (json_integer_value(v));
	d = json_number_value(v);
	return (isfinite(d) && d > -9.2e18 && d < 9.2e18 ? (int64_t)d : 0);
}

int
fmt_metric_kind(const char *metric)
{
	size_t	 n = strlen(metric);

	if (strcmp(metric, "loss") == 0)
		return (METRIC_FRACTION);
	if (strncmp(metric, "bps_", 4) == 0)
		return (METRIC_BITS);
	if (strncmp(metric, "pps_", 4) == 0 ||
	    (n > 5 && strcmp(metric + n - 5, "_rate") == 0))
		return (METRIC_RATE);
	return (METRIC_TIME);
}

size_t
fmt_level(json_t *v, int time, char *buf, size_t len)
{
	int64_t		 ns;
	uint64_t	 u;
	char		 frac[8];
	int		 i;

	if (len == 0)
		return (0);
	buf[0] = '\0';
	if (!json_is_number(v)) {
		fmt_append(buf, len, "-");
		return (strlen(buf));
	}
	if (time == METRIC_BITS) {
		fmt_rate(json_number_value(v), "bit/s", buf, len);
		return (strlen(buf));
	}
	if (time == METRIC_RATE) {
		fmt_rate(json_number_value(v), "", buf, len);
		fmt_append(buf, len, "/s");
		return (strlen(buf));
	}
	if (!time) {
		fmt_append(buf, len, "%.2f%%", json_number_value(v) * 100);
		return (strlen(buf));
	}
	ns = number_ns(v);
	u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	snprintf(frac, sizeof(frac), "%06llu",
	    (unsigned long long)(u % NS_PER_MS));
	for (i = 5; i >= 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	fmt_append(buf, len, "%s%llu%s%s ms", ns < 0 ? "-" : "",
	    (unsigned long long)(u / NS_PER_MS), frac[0] != '\0' ? "." : "",
	    frac);
	return (strlen(buf));
}

size_t
fmt_value(json_t *v, int time, char *buf, size_t len)
{
	if (len == 0)
		return (0);
	if (time == METRIC_TIME && json_is_number(v)) {
		fmt_ms(number_ns(v), buf, len);
		fmt_append(buf, len, " ms");
	} else
		fmt_level(v, time, buf, len);
	return (strlen(buf));
}

size_t
fmt_alert(json_t *ev, char *buf, size_t len)
{
	char		 m[64], e[32], v[64], l[64], w[64];
	size_t		 i;
	int		 time, below;

	if (len == 0)
		return (0);
	buf[0] = '\0';
	fmt_str(ev, "metric", m, sizeof(m));
	fmt_str(ev, "event", e, sizeof(e));
	time = fmt_metric_kind(m);
	below = strcmp(fmt_str(ev, "direction", l, sizeof(l)), "below") == 0;
	fmt_value(json_object_get(ev, "value"), time, v, sizeof(v));
	if (strcmp(e, "recovery") == 0) {
		fmt_level(json_object_get(ev, "clear_value"), time, l,
		    sizeof(l));
		fmt_value(json_object_get(ev, "recovered_from_value"), time,
		    w, sizeof(w));
		fmt_append(buf, len, "RECOVERY %s %s %s %s (worst %s)", m, v,
		    below ? ">" : "<", l, w);
		return (strlen(buf));
	}
	fmt_level(json_object_get(ev, "threshold_value"), time, l, sizeof(l));
	for (i = 0; e[i] != '\0'; i++)
		if (e[i] >= 'a' && e[i] <= 'z')
			e[i] -= 'a' - 'A';
	fmt_append(buf, len, "%s %s %s %s %s", e, m, v, below ? "<=" : ">=",
	    l);
	if (json_is_true(json_object_get(ev, "repeat")))
		fmt_append(buf, len, " (repeat)");
	return (strlen(buf));
}

size_t
fmt_event(const char *name, json_t *ev, char *buf, size_t len)
{
	char	 id[STRMAX], s[STRMAX], line[512];

	if (len == 0)
		return (0);
	buf[0] = '\0';
	fmt_str(ev, "task_id", id, sizeof(id));
	if (strcmp(name, "state") == 0) {
		fmt_append(buf, len, "task %s %s", id,
		    fmt_str(ev, "status", s, sizeof(s)));
		if (json_is_string(json_object_get(ev, "error")))
			fmt_append(buf, len, ": %s",
			    fmt_str(ev, "error", s, sizeof(s)));
	} else if (strcmp(name, "alert") == 0) {
		fmt_alert(ev, line, sizeof(line));
		fmt_append(buf, len, "task %s %s, target %s", id, line,
		    fmt_str(ev, "target", s, sizeof(s)));
	} else if (strcmp(name, "monitor") == 0) {
		if (json_is_string(json_object_get(ev, "monitor_id")))
			fmt_str(ev, "monitor_id", id, sizeof(id));
		fmt_monitor_detail(ev, line, sizeof(line));
		fmt_append(buf, len, "monitor %s %s ", id,
		    fmt_str(ev, "type", s, sizeof(s)));
		fmt_append(buf, len, "%s %s",
		    fmt_str(ev, "change", s, sizeof(s)), line);
	} else {
		fmt_safe(s, sizeof(s), name, strlen(name));
		fmt_append(buf, len, "%s", s);
		if (json_is_string(json_object_get(ev, "task_id")))
			fmt_append(buf, len, " task %s", id);
	}
	return (strlen(buf));
}

size_t
fmt_time_ms(json_t *o, const char *key, char *buf, size_t len)
{
	char	 t[STRMAX], ms[4];
	size_t	 i, n;

	if (len == 0)
		return (0);
	fmt_str(o, key, t, sizeof(t));
	n = strlen(t);
	/* "2026-12-02T06:00:00" then a fraction or not, then the zone */
	if (n < 20 || t[10] != 'T' || t[13] != ':' || t[16] != ':') {
		snprintf(buf, len, "%s", t);
		return (strlen(buf));
	}
	memcpy(ms, "000", sizeof(ms));
	i = 19;
	if (t[i] == '.')
		for (i++; t[i] >= '0' && t[i] <= '9'; i++)
			if (i - 20 < 3)
				ms[i - 20] = t[i];
	snprintf(buf, len, "%.19s.%s%s", t, ms, t + i);
	return (strlen(buf));
}

/*
 * An attribute's value in a line: "1500", "up", "a,b", "none"; what is
 * nested deeper than MON_DEPTH as "...".
 */
static void
mon_value(json_t *v, char *buf, size_t len, int depth)
{
	json_t		*e;
	const char	*key;
	char		 b[STRMAX];
	size_t		 i;

	buf[0] = '\0';
	if (depth > MON_DEPTH && (json_is_array(v) || json_is_object(v)))
		fmt_append(buf, len, "...");
	else if (json_is_string(v) && json_string_length(v) == 0)
		fmt_append(buf, len, "\"\"");
	else if (json_is_string(v)) {
		fmt_safe(b, sizeof(b), json_string_value(v),
		    json_string_length(v));
		fmt_append(buf, len, "%s", b);
	} else if (json_is_integer(v))
		fmt_append(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fmt_append(buf, len, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		fmt_append(buf, len, "%s", json_is_true(v) ? "true" : "false");
	else if (json_is_array(v) && json_array_size(v) > 0) {
		/* "permanent,noprefixroute"; next hops in braces */
		json_array_foreach(v, i, e) {
			mon_value(e, b, sizeof(b), depth + 1);
			fmt_append(buf, len, "%s%s%s%s", i > 0 ? "," : "",
			    json_is_object(e) ? "{" : "", b,
			    json_is_object(e) ? "}" : "");
		}
	} else if (json_is_object(v) && json_object_size(v) > 0) {
		i = 0;
		json_object_foreach(v, key, e) {
			fmt_safe(b, sizeof(b), key, strlen(key));
			fmt_append(buf, len, "%s%s=", i++ > 0 ? " " : "", b);
			mon_value(e, b, sizeof(b), depth + 1);
			fmt_append(buf, len, "%s", b);
		}
	} else
		fmt_append(buf, len, "none");
}

/* Whether the flags "up|broadcast|running" have the one named. */
static int
has_flag(const char *flags, const char *flag)
{
	const char	*p = flags, *e;
	size_t		 n = strlen(flag);

	for (;;) {
		if ((e = strchr(p, '|')) == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && strncmp(p, flag, n) == 0)
			return (1);
		if (*e == '\0')
			return (0);
		p = e + 1;
	}
}

/* " dev veth0", else " ifindex 5", else nothing. */
static void
mon_dev(json_t *d, const char *namekey, const char *indexkey, char *buf,
    size_t len)
{
	char	 b[STRMAX];

	if (json_is_string(json_object_get(d, namekey)))
		fmt_append(buf, len, " dev %s", fmt_str(d, namekey, b,
		    sizeof(b)));
	else if (fmt_int(d, indexkey) > 0)
		fmt_append(buf, len, " ifindex %lld",
		    (long long)fmt_int(d, indexkey));
}

/*
 * An interface, an address or a route as ip(8) would name it: whole
 * (add, delete) or by its key only (update).
 */
static void
mon_object(const char *type, json_t *d, int whole, char *buf, size_t len)
{
	json_t	*v, *nh;
	char	 b[STRMAX];
	size_t	 i;
	int64_t	 t;

	if (strcmp(type, "interface") == 0) {
		if (json_is_string(json_object_get(d, "name")))
			fmt_append(buf, len, "%s", fmt_str(d, "name", b,
			    sizeof(b)));
		else
			fmt_append(buf, len, "index %lld",
			    (long long)fmt_int(d, "index"));
		if (!whole)
			return;
		if (json_is_string(json_object_get(d, "name")))
			fmt_append(buf, len, " index %lld",
			    (long long)fmt_int(d, "index"));
		/* operational state; the administrative one when unknown */
		fmt_str(d, "oper_state", b, sizeof(b));
		if (strcmp(b, "-") != 0 && strcmp(b, "unknown") != 0)
			fmt_append(buf, len, " %s", b);
		else if (json_is_string(json_object_get(d, "flags")))
			fmt_append(buf, len, " %s", has_flag(fmt_str(d, "flags",
			    b, sizeof(b)), "up") ? "up" : "down");
		if (json_is_number(json_object_get(d, "mtu")))
			fmt_append(buf, len, " mtu %lld",
			    (long long)fmt_int(d, "mtu"));
		return;
	}
	if (strcmp(type, "ip") == 0) {
		fmt_append(buf, len, "%s", fmt_str(d, "address", b,
		    sizeof(b)));
		if (json_is_string(json_object_get(d, "peer")))
			fmt_append(buf, len, " peer %s", fmt_str(d, "peer", b,
			    sizeof(b)));
		if (json_is_number(json_object_get(d, "prefix_len")))
			fmt_append(buf, len, "/%lld",
			    (long long)fmt_int(d, "prefix_len"));
		mon_dev(d, "interface_name", "interface_index", buf, len);
		return;
	}
	if (strcmp(type, "route") != 0) {
		mon_value(d, buf, len, 0);
		return;
	}
	/* "blackhole 10.0.0.0/8", as ip route shows a type not unicast */
	fmt_str(d, "type", b, sizeof(b));
	if (strcmp(b, "-") != 0 && strcmp(b, "unicast") != 0)
		fmt_append(buf, len, "%s ", b);
	fmt_append(buf, len, "%s", fmt_str(d, "dst", b, sizeof(b)));
	if (whole && json_is_string(json_object_get(d, "gw")))
		fmt_append(buf, len, " via %s", fmt_str(d, "gw", b, sizeof(b)));
	if (whole)
		mon_dev(d, "interface_name", "link_index", buf, len);
	/* main, the table of routes without one, goes without saying */
	t = fmt_int(d, "table");
	if (t != 0 && t != 254)
		fmt_append(buf, len, " table %lld", (long long)t);
	if (fmt_int(d, "metric") != 0)
		fmt_append(buf, len, " metric %lld",
		    (long long)fmt_int(d, "metric"));
	nh = json_object_get(d, "nexthops");
	if (!whole || json_is_string(json_object_get(d, "gw")) ||
	    !json_is_array(nh))
		return;
	json_array_foreach(nh, i, v) {
		fmt_append(buf, len, " nexthop");
		if (json_is_string(json_object_get(v, "gw")))
			fmt_append(buf, len, " via %s", fmt_str(v, "gw", b,
			    sizeof(b)));
		mon_dev(v, "interface_name", "link_index", buf, len);
		if (fmt_int(v, "weight") > 1)
			fmt_append(buf, len, " weight %lld",
			    (long long)fmt_int(v, "weight"));
	}
}

/* "mtu 1500->1400, oper_state up->down": each attribute changed. */
static void
mon_changes(json_t *old, json_t *new, char *buf, size_t len)
{
	const char	*key;
	json_t		*v;
	char		 k[64], a[STRMAX], b[STRMAX];
	int		 n = 0;

	json_object_foreach(new, key, v) {
		fmt_safe(k, sizeof(k), key, strlen(key));
		mon_value(json_object_get(old, key), a, sizeof(a), 0);
		mon_value(v, b, sizeof(b), 0);
		fmt_append(buf, len, "%s%s %s->%s", n++ > 0 ? ", " : "", k, a,
		    b);
	}
	json_object_foreach(old, key, v) {
		if (json_object_get(new, key) != NULL)
			continue;
		fmt_safe(k, sizeof(k), key, strlen(key));
		mon_value(v, a, sizeof(a), 0);
		fmt_append(buf, len, "%s%s %s->none", n++ > 0 ? ", " : "", k,
		    a);
	}
	if (n == 0)
		fmt_append(buf, len, "changed");
}

size_t
fmt_monitor_detail(json_t *ev, char *buf, size_t len)
{
	json_t	*d, *old, *new;
	char	 type[32], change[32];
	int64_t	 n;

	if (len == 0)
		return (0);
	buf[0] = '\0';
	fmt_str(ev, "type", type, sizeof(type));
	fmt_str(ev, "change", change, sizeof(change));
	d = json_object_get(ev, "detail");
	old = json_object_get(ev, "old");
	new = json_object_get(ev, "new");
	if (strcmp(change, "resync") == 0) {
		n = fmt_int(d, "changes");
		fmt_append(buf, len, "resync (%lld change%s)", (long long)n,
		    n == 1 ? "" : "s");
		return (strlen(buf));
	}
	/* detail is the whole object; an older daemon's add had new only */
	if (!json_is_object(d))
		d = strcmp(change, "delete") == 0 ? old : new;
	if (strcmp(change, "update") != 0) {
		mon_object(type, d, 1, buf, len);
		return (strlen(buf));
	}
	mon_object(type, d, 0, buf, len);
	fmt_append(buf, len, ": ");
	mon_changes(old, new, buf, len);
	return (strlen(buf));
}

/*
 * GET /api/v1/reflector as tables: a row per listener, the drops by
 * reason (those not zero), then the TWAMP sessions and control
 * connections.
 */
void
fmt_reflector(FILE *fp, json_t *j)
{
	static const char *const names[] = {
		"udp_echo", "twamp", "twamp_control"
	};
	json_t		*l, *v, *c, *ss;
	const char	*key, *rkey;
	char		 addr[STRMAX], r[STRMAX];
	size_t		 i, n;
	int		 waddr = 7, any;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(fmt_str(json_object_get(j, names[i]), "listen",
		    addr, sizeof(addr)));
		if ((int)n > waddr)
			waddr = n > 46 ? 46 : (int)n;
	}
	fprintf(fp, "%-14s %-*s %-5s %10s %10s %10s\n", "LISTENER", waddr,
	    "ADDRESS", "STATE", "RECEIVED", "REFLECTED", "DROPPED");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!json_is_object(l = json_object_get(j, names[i])))
			continue;
		v = json_object_get(l, "up");
		fprintf(fp, "%-14s %-*s %-5s", names[i], waddr,
		    fmt_str(l, "listen", addr, sizeof(addr)),
		    json_is_true(v) ? "up" : json_is_false(v) ? "down" : "-");
		/* TWAMP-Control: its test sessions' packets */
		if (!json_is_integer(json_object_get(l, "received")))
			l = json_object_get(l, "sessions");
		/* the echo reflector's were "echoed" before "reflected" */
		rkey = json_object_get(l, "reflected") != NULL ? "reflected" :
		    "echoed";
		fprintf(fp, " %10lld %10lld %10lld\n",
		    (long long)fmt_int(l, "received"),
		    (long long)fmt_int(l, rkey),
		    (long long)fmt_int(l, "dropped"));
	}

	fprintf(fp, "\ndrops by reason:\n");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!json_is_object(l = json_object_get(j, names[i])))
			continue;
		fprintf(fp, "  %-14s", names[i]);
		if (!json_is_object(json_object_get(l, "drops")))
			l = json_object_get(l, "sessions");
		any = 0;
		json_object_foreach(json_object_get(l, "drops"), key, v) {
			if (fmt_int(json_object_get(l, "drops"), key) == 0)
				continue;
			fmt_safe(r, sizeof(r), key, strlen(key));
			fprintf(fp, "%s%s %lld", any ? ", " : "", r,
			    (long long)json_integer_value(v));
			any = 1;
		}
		fprintf(fp, "%s\n", any ? "" : "none");
	}

	fprintf(fp, "\n");
	l = json_object_get(j, "twamp");
	if (json_is_object(l)) {
		ss = json_object_get(l, "sessions");
		fprintf(fp, "twamp reflector: %s, %lld sessions active "
		    "(%lld evicted)\n", fmt_str(l, "mode", r, sizeof(r)),
		    (long long)fmt_int(ss, "active"),
		    (long long)fmt_int(ss, "evicted"));
	}
	l = json_object_get(j, "twamp_control");
	if (json_is_object(l)) {
		c = json_object_get(l, "connections");
		ss = json_object_get(l, "sessions");
		fprintf(fp, "twamp control: %lld connections active (%lld "
		    "accepted), %lld test sessions active (%lld accepted)\n",
		    (long long)fmt_int(c, "active"),
		    (long long)fmt_int(c, "accepted"),
		    (long long)fmt_int(ss, "active"),
		    (long long)fmt_int(ss, "accepted"));
	}
}

/*
 * show interfaces and show routes: an interface's state and addresses,
 * a route and its next hops as ip(8) prints them.
 */

size_t
fmt_link_state(json_t *l, char *buf, size_t len)
{
	char	 b[STRMAX];

	if (len == 0)
		return (0);
	buf[0] = '\0';
	fmt_str(l, "oper_state", b, sizeof(b));
	if (strcmp(b, "-") != 0 && strcmp(b, "unknown") != 0)
		fmt_append(buf, len, "%s", b);
	else if (json_is_string(json_object_get(l, "flags")))
		fmt_append(buf, len, "%s", has_flag(fmt_str(l, "flags", b,
		    sizeof(b)), "up") ? "up" : "down");
	else if (strcmp(b, "unknown") == 0)
		fmt_append(buf, len, "down");	/* no flags: not up */
	else
		fmt_append(buf, len, "-");
	return (strlen(buf));
}

size_t
fmt_link_addrs(json_t *l, char *buf, size_t len)
{
	json_t	*addrs, *a;
	char	 b[STRMAX], fam[16];
	size_t	 i;
	int	 pass, n = 0, v4;

	if (len == 0)
		return (0);
	buf[0] = '\0';
	addrs = json_object_get(l, "addresses");
	/* IPv4 first, then the others, each in the daemon's order */
	for (pass = 0; pass < 2; pass++) {
		json_array_foreach(addrs, i, a) {
			v4 = strcmp(fmt_str(a, "family", fam, sizeof(fam)),
			    "inet") == 0;
			if (v4 != (pass == 0) ||
			    !json_is_string(json_object_get(a, "address")))
				continue;
			fmt_append(buf, len, "%s%s", n++ > 0 ? "," : "",
			    fmt_str(a, "address", b, sizeof(b)));
			if (json_is_number(json_object_get(a, "prefix_len")))
				fmt_append(buf, len, "/%lld",
				    (long long)fmt_int(a, "prefix_len"));
		}
	}
	if (n == 0)
		fmt_append(buf, len, "-");
	return (strlen(buf));
}

/*
 * " dev NAME": the object's interface name, else the name of the
 * interface of that index in links (GET /api/v1/interfaces), else
 * " ifindex N"; nothing without an index.
 */
static void
route_dev(json_t *d, json_t *links, char *buf, size_t len)
{
	json_t	*l;
	char	 b[STRMAX];
	size_t	 i;
	int64_t	 idx;

	if (json_is_string(json_object_get(d, "interface_name"))) {
		fmt_append(buf, len, " dev %s", fmt_str(d, "interface_name",
		    b, sizeof(b)));
		return;
	}
	if ((idx = fmt_int(d, "link_index")) <= 0)
		return;
	json_array_foreach(links, i, l)
		if (fmt_int(l, "index") == idx &&
		    json_is_string(json_object_get(l, "name"))) {
			fmt_append(buf, len, " dev %s", fmt_str(l, "name", b,
			    sizeof(b)));
			return;
		}
	fmt_append(buf, len, " ifindex %lld", (long long)idx);
}

/* " onlink linkdown": the names of a route's or next hop's flags. */
static void
route_flags(json_t *d, char *buf, size_t len)
{
	json_t	*f;
	char	 b[STRMAX];
	size_t	 i;

	json_array_foreach(json_object_get(d, "flags"), i, f) {
		if (!json_is_string(f))
			continue;
		fmt_safe(b, sizeof(b), json_string_value(f),
		    json_string_length(f));
		fmt_append(buf, len, " %s", b);
	}
}

/* A table by its name in iproute2's rt_tables, else its number. */
static void
route_table(int64_t t, char *buf, size_t len)
{
	if (t == 253)
		fmt_append(buf, len, "default");
	else if (t == 254)
		fmt_append(buf, len, "main");
	else if (t == 255)
		fmt_append(buf, len, "local");
	else
		fmt_append(buf, len, "%lld", (long long)t);
}

size_t
fmt_route(json_t *r, json_t *links, char *buf, size_t len)
{
	char	 b[STRMAX], fam[16];
	size_t	 n;
	int64_t	 t;
	int	 v6;

	if (len == 0)
		return (0);
	buf[0] = '\0';
	fmt_str(r, "dst", b, sizeof(b));
	fmt_str(r, "family", fam, sizeof(fam));
	v6 = strcmp(fam, "inet6") == 0 || (strcmp(fam, "-") == 0 &&
	    strchr(b, ':') != NULL);
	/* a type but unicast first; a host route without its length */
	fmt_str(r, "type", fam, sizeof(fam));
	if (strcmp(fam, "-") != 0 && strcmp(fam, "unicast") != 0)
		fmt_append(buf, len, "%s ", fam);
	n = strlen(b);
	if (!v6 && n > 3 && strcmp(b + n - 3, "/32") == 0)
		b[n - 3] = '\0';
	else if (v6 && n > 4 && strcmp(b + n - 4, "/128") == 0)
		b[n - 4] = '\0';
	fmt_append(buf, len, "%s", b);
	if (json_is_string(json_object_get(r, "src")))
		fmt_append(buf, len, " from %s", fmt_str(r, "src", b,
		    sizeof(b)));
	if (fmt_int(r, "tos") != 0)
		fmt_append(buf, len, " tos 0x%02llx",
		    (long long)fmt_int(r, "tos"));
	if (json_is_string(json_object_get(r, "gw")))
		fmt_append(buf, len, " via %s", fmt_str(r, "gw", b, sizeof(b)));
	route_dev(r, links, buf, len);
	if ((t = fmt_int(r, "table")) != 254 && t != 0) {
		fmt_append(buf, len, " table ");
		route_table(t, buf, len);
	}
	/* ip(8) leaves out the protocol of ip route add, boot */
	fmt_str(r, "protocol_name", b, sizeof(b));
	if (strcmp(b, "-") == 0 && json_is_integer(json_object_get(r,
	    "protocol")))
		snprintf(b, sizeof(b), "%lld",
		    (long long)fmt_int(r, "protocol"));
	if (strcmp(b, "-") != 0 && strcmp(b, "boot") != 0)
		fmt_append(buf, len, " proto %s", b);
	fmt_str(r, "scope", b, sizeof(b));
	if (strcmp(b, "-") != 0 && strcmp(b, "global") != 0)
		fmt_append(buf, len, " scope %s", b);
	if (json_is_string(json_object_get(r, "prefsrc")))
		fmt_append(buf, len, " src %s", fmt_str(r, "prefsrc", b,
		    sizeof(b)));
	/* the kernel gives IPv4 routes of metric 0 none, IPv6 ones all */
	if (fmt_int(r, "metric") != 0 || (v6 && json_is_number(
	    json_object_get(r, "metric"))))
		fmt_append(buf, len, " metric %lld",
		    (long long)fmt_int(r, "metric"));
	route_flags(r, buf, len);
	if (json_is_string(json_object_get(r, "pref")))
		fmt_append(buf, len, " pref %s", fmt_str(r, "pref", b,
		    sizeof(b)));
	return (strlen(buf));
}

size_t
fmt_nexthop(json_t *nh, json_t *links, char *buf, size_t len)
{
	char	 b[STRMAX];

	if (len == 0)
		return (0);
	buf[0] = '\0';
	fmt_append(buf, len, "nexthop");
	if (json_is_string(json_object_get(nh, "gw")))
		fmt_append(buf, len, " via %s", fmt_str(nh, "gw", b,
		    sizeof(b)));
	route_dev(nh, links, buf, len);
	if (json_is_number(json_object_get(nh, "weight")))
		fmt_append(buf, len, " weight %lld",
		    (long long)fmt_int(nh, "weight"));
	route_flags(nh, buf, len);
	return (strlen(buf));
}

/* --- passive tasks: interface counters --------------------------- */

/* The SI prefixes of rates and byte counts, from 1 up. */
static const char *const si_prefix[] = { "", "k", "M", "G", "T", "P", "E" };
#define NPREFIX		(sizeof(si_prefix) / sizeof(si_prefix[0]))

size_t
fmt_rate(double v, const char *unit, char *buf, size_t len)
{
	size_t	 p = 0;
	int	 n;

	if (len == 0)
		return (0);
	if (!isfinite(v) || v < 0)
		v = 0;
	if (v == 0) {
		n = snprintf(buf, len, "0%s%s", *unit != '\0' ? " " : "", unit);
		return (n < 0 ? 0 : strlen(buf));
	}
	/* 999.7 rounds up to the next prefix: "1.00 kbit/s" */
	while (v >= 999.5 && p + 1 < NPREFIX) {
		v /= 1000;
		p++;
	}
	n = snprintf(buf, len, v < 9.995 ? "%.2f%s%s%s" : v < 99.95 ?
	    "%.1f%s%s%s" : "%.0f%s%s%s", v,
	    *unit != '\0' ? " " : "", si_prefix[p], unit);
	return (n < 0 ? 0 : strlen(buf));
}

size_t
fmt_bytes(uint64_t n, char *buf, size_t len)
{
	char	 h[32];
	int	 r;

	if (len == 0)
		return (0);
	if (n < 1000)
		r = snprintf(buf, len, "%llu byte%s", (unsigned long long)n,
		    n == 1 ? "" : "s");
	else {
		fmt_rate((double)n, "B", h, sizeof(h));
		r = snprintf(buf, len, "%llu bytes (%s)", (unsigned long long)n,
		    h);
	}
	return (r < 0 ? 0 : strlen(buf));
}

/*
 * An RFC 3339 time as the daemon writes it ("2026-12-02T06:39:24.5Z",
 * or with an offset) in nanoseconds since the epoch; -1 when it is not
 * one, or Go's zero time.
 */
static int
time_ns(const char *s, int64_t *ns)
{
	struct tm	 tm;
	const char	*p;
	int64_t		 frac = 0, scale = 100000000, off = 0;
	int		 y, mo, d, h, mi, sec, oh, om, n = 0;
	time_t		 t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi,
	    &sec, &n) != 6 || n != 19 || y < 1970)
		return (-1);
	p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	if (*p == 'Z' && p[1] == '\0')
		;
	else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d%n", &oh,
	    &om, &n) == 2 && n == 5 && p[6] == '\0')
		off = (*p == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
	else
		return (-1);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return (-1);
	*ns = ((int64_t)t - off) * NS_PER_S + frac;
	return (0);
}

size_t
fmt_clock(json_t *o, const char *key, char *buf, size_t len)
{
	struct tm	 tm;
	char		 t[STRMAX];
	int64_t		 ns;
	time_t		 sec;

	if (len == 0)
		return (0);
	fmt_str(o, key, t, sizeof(t));
	sec = 0;
	if (time_ns(t, &ns) == -1 ||
	    (sec = (time_t)(ns / NS_PER_S), localtime_r(&sec, &tm)) == NULL ||
	    strftime(buf, len, "%H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "%s", t);
		return (strlen(buf));
	}
	fmt_append(buf, len, ".%03lld", (long long)(ns % NS_PER_S / NS_PER_MS));
	return (strlen(buf));
}

int64_t
fmt_span(json_t *o, const char *from, const char *to)
{
	json_t	*a, *b;
	int64_t	 x, y;

	a = json_object_get(o, from);
	b = json_object_get(o, to);
	if (!json_is_string(a) || !json_is_string(b) ||
	    time_ns(json_string_value(a), &x) == -1 ||
	    time_ns(json_string_value(b), &y) == -1 || y < x)
		return (0);
	return (y - x);
}

/* A number member of an object, 0 when absent. */
static double
num(json_t *o, const char *key)
{
	json_t	*v;

	v = json_is_object(o) ? json_object_get(o, key) : NULL;
	return (json_is_number(v) ? json_number_value(v) : 0);
}

size_t
fmt_passive_head(int width, char *buf, size_t len)
{
	int	 n;

	if (len == 0)
		return (0);
	n = snprintf(buf, len, "%-12s %-*s %13s %13s %10s %10s %11s %11s",
	    "TIME", width, "INTERFACE", "RX bit/s", "TX bit/s", "RX pkt/s",
	    "TX pkt/s", "RX err/drop", "TX err/drop");
	return (n < 0 ? 0 : strlen(buf));
}

size_t
fmt_passive_row(json_t *c, const char *time, const char *name, int width,
    char *buf, size_t len)
{
	char	 t[32], nm[32], rb[32], tb[32], rp[32], tp[32], re[48], te[48];
	int	 n;

	if (len == 0)
		return (0);
	fmt_safe(t, sizeof(t), time, strlen(time));
	fmt_safe(nm, sizeof(nm), name, strlen(name));
	if (!json_is_object(c)) {
		n = snprintf(buf, len, "%-12s %-*s not found", t, width, nm);
		return (n < 0 ? 0 : strlen(buf));
	}
	fmt_rate(num(c, "bps_in"), "bit/s", rb, sizeof(rb));
	fmt_rate(num(c, "bps_out"), "bit/s", tb, sizeof(tb));
	fmt_rate(num(c, "pps_in"), "", rp, sizeof(rp));
	fmt_rate(num(c, "pps_out"), "", tp, sizeof(tp));
	snprintf(re, sizeof(re), "%lld/%lld",
	    (long long)fmt_int(c, "errors_in"),
	    (long long)fmt_int(c, "drops_in"));
	snprintf(te, sizeof(te), "%lld/%lld",
	    (long long)fmt_int(c, "errors_out"),
	    (long long)fmt_int(c, "drops_out"));
	n = snprintf(buf, len, "%-12s %-*s %13s %13s %10s %10s %11s %11s", t,
	    width, nm, rb, tb, rp, tp, re, te);
	return (n < 0 ? 0 : strlen(buf));
}

int
fmt_passive_width(json_t *res)
{
	json_t	*ifs, *v;
	size_t	 i;
	int	 w = 9;		/* "INTERFACE" */

	ifs = json_object_get(res, "interfaces");
	json_array_foreach(ifs, i, v)
		if (json_is_string(json_object_get(v, "name")) &&
		    (int)json_string_length(json_object_get(v, "name")) > w)
			w = json_string_length(json_object_get(v, "name"));
	return (w > 15 ? 15 : w);
}

/* The name of the task's i-th interface, "-" when unknown. */
static const char *
pv_name(json_t *res, size_t i, char *buf, size_t len)
{
	return (fmt_str(json_array_get(json_object_get(res, "interfaces"), i),
	    "name", buf, len));
}

void
fmt_passive_round(FILE *fp, json_t *res, json_t *round, int width)
{
	json_t	*c;
	char	 t[32], name[32], line[512];
	size_t	 i;

	fmt_clock(round, "to", t, sizeof(t));
	json_array_foreach(json_object_get(round, "interfaces"), i, c) {
		fmt_passive_row(c, t, pv_name(res, i, name, sizeof(name)),
		    width, line, sizeof(line));
		fprintf(fp, "%s\n", line);
	}
}

void
fmt_passive_read(FILE *fp, json_t *res, int width, int all)
{
	json_t	*v;
	char	 t[32], name[32], line[512];
	size_t	 i;

	fmt_clock(res, "last_updated", t, sizeof(t));
	json_array_foreach(json_object_get(res, "interfaces"), i, v) {
		if (json_is_false(json_object_get(v, "present")))
			fmt_passive_row(NULL, t, pv_name(res, i, name,
			    sizeof(name)), width, line, sizeof(line));
		else if (all)
			fmt_passive_row(json_object_get(v, "last"), t,
			    pv_name(res, i, name, sizeof(name)), width, line,
			    sizeof(line));
		else
			continue;
		fprintf(fp, "%s\n", line);
	}
}

/* "7 packets", "1 packet", then what follows. */
static void
pv_count(FILE *fp, int64_t n, const char *what, const char *then)
{
	fprintf(fp, "%lld %s%s%s", (long long)n, what, n == 1 ? "" : "s",
	    then);
}

/*
 * "rx 614 bytes, 7 packets, 0 errors, 0 drops, 0 multicast" and the tx
 * line, then the rates when the object has them, each line after indent
 * (the first after first).
 */
static void
pv_counters(FILE *fp, json_t *c, const char *first, const char *indent,
    const char *ratelabel)
{
	char	 b[64], r1[32], r2[32], p1[32], p2[32];

	fmt_bytes((uint64_t)fmt_int(c, "bytes_in"), b, sizeof(b));
	fprintf(fp, "%srx %s, ", first, b);
	pv_count(fp, fmt_int(c, "packets_in"), "packet", ", ");
	pv_count(fp, fmt_int(c, "errors_in"), "error", ", ");
	pv_count(fp, fmt_int(c, "drops_in"), "drop", ", ");
	fprintf(fp, "%lld multicast\n", (long long)fmt_int(c, "multicast_in"));
	fmt_bytes((uint64_t)fmt_int(c, "bytes_out"), b, sizeof(b));
	fprintf(fp, "%stx %s, ", indent, b);
	pv_count(fp, fmt_int(c, "packets_out"), "packet", ", ");
	pv_count(fp, fmt_int(c, "errors_out"), "error", ", ");
	pv_count(fp, fmt_int(c, "drops_out"), "drop", "\n");
	if (!json_is_number(json_object_get(c, "bps_in")))
		return;
	fmt_rate(num(c, "bps_in"), "bit/s", r1, sizeof(r1));
	fmt_rate(num(c, "pps_in"), "pkt/s", p1, sizeof(p1));
	fmt_rate(num(c, "bps_out"), "bit/s", r2, sizeof(r2));
	fmt_rate(num(c, "pps_out"), "pkt/s", p2, sizeof(p2));
	fprintf(fp, "%s%s rx %s, %s; tx %s, %s\n", indent, ratelabel, r1, p1,
	    r2, p2);
}

/*
 * "vA" and what is not as usual: "vA (not found, gone 1 time, 2 counter
 * resets)", "vA (down, 3 carrier changes)".
 */
static void
pv_ifname(json_t *v, char *buf, size_t len)
{
	int64_t	 n;
	int	 paren = 0;

	fmt_str(v, "name", buf, len);
	if (json_is_false(json_object_get(v, "present"))) {
		fmt_append(buf, len, " (not found");
		paren = 1;
	}
	if (!json_is_false(json_object_get(v, "present")) &&
	    json_is_false(json_object_get(v, "up"))) {
		fmt_append(buf, len, " (down");
		paren = 1;
	}
	if ((n = fmt_int(v, "carrier_changes")) > 0) {
		fmt_append(buf, len, "%s%lld carrier change%s", paren ? ", " :
		    " (", (long long)n, n == 1 ? "" : "s");
		paren = 1;
	}
	if ((n = fmt_int(v, "gone")) > 0) {
		fmt_append(buf, len, "%sgone %lld time%s", paren ? ", " : " (",
		    (long long)n, n == 1 ? "" : "s");
		paren = 1;
	}
	if ((n = fmt_int(v, "resets")) > 0) {
		fmt_append(buf, len, "%s%lld counter reset%s", paren ? ", " :
		    " (", (long long)n, n == 1 ? "" : "s");
		paren = 1;
	}
	if (paren)
		fmt_append(buf, len, ")");
}

/* "6 intervals in 3.000 s, 7 reads" */
static void
pv_extent(FILE *fp, json_t *res)
{
	char	 ms[32];
	int64_t	 span, n;

	span = fmt_span(res, "started", "finished");
	if (span == 0)
		span = fmt_span(res, "started", "last_updated");
	fmt_ms(span / 1000, ms, sizeof(ms));
	n = fmt_int(res, "round");
	fprintf(fp, "%lld interval%s in %s s, ", (long long)n,
	    n == 1 ? "" : "s", ms);
	pv_count(fp, fmt_int(res, "reads"), "read", "\n");
}

void
fmt_passive_summary(FILE *fp, json_t *res)
{
	json_t	*v;
	char	 s[STRMAX], name[STRMAX], ind[24];
	size_t	 i;

	fprintf(fp, "--- %s passive statistics ---\n",
	    fmt_str(res, "target", s, sizeof(s)));
	pv_extent(fp, res);
	json_array_foreach(json_object_get(res, "interfaces"), i, v) {
		pv_ifname(v, name, sizeof(name));
		fprintf(fp, "%s\n", name);
		snprintf(ind, sizeof(ind), "  ");
		pv_counters(fp, json_object_get(v, "total"), ind, ind,
		    "average");
	}
}

void
fmt_passive_show(FILE *fp, json_t *res)
{
	json_t	*v, *w, *rounds, *r;
	char	 name[STRMAX], head[256], ms[32];
	size_t	 i;
	int	 width;

	fprintf(fp, "%-10s", "measured");
	pv_extent(fp, res);
	fprintf(fp, "total\n");
	pv_counters(fp, json_object_get(res, "total"), "  ", "  ", "rate");
	json_array_foreach(json_object_get(res, "interfaces"), i, v) {
		pv_ifname(v, name, sizeof(name));
		fprintf(fp, "interface %s\n", name);
		pv_counters(fp, json_object_get(v, "total"), "  total   ",
		    "          ", "average");
		w = json_object_get(v, "last");
		if (json_is_object(w) && num(w, "seconds") > 0) {
			fmt_ms((int64_t)(num(w, "seconds") * 1e6), ms,
			    sizeof(ms));
			fprintf(fp, "  last    %s s\n", ms);
			pv_counters(fp, w, "          ", "          ", "rate");
		}
		w = json_object_get(v, "window");
		if (json_is_object(w)) {
			fmt_ms((int64_t)(num(w, "seconds") * 1e6), ms,
			    sizeof(ms));
			fprintf(fp, "  window  %s s\n", ms);
			pv_counters(fp, w, "          ", "          ", "rate");
		}
	}
	rounds = json_object_get(res, "rounds");
	if (json_is_array(rounds) && json_array_size(rounds) > 0) {
		width = fmt_passive_width(res);
		fmt_passive_head(width, head, sizeof(head));
		fprintf(fp, "rounds\n%s\n", head);
		json_array_foreach(rounds, i, r)
			fmt_passive_round(fp, res, r, width);
	}
	w = json_object_get(res, "window");
	if (json_is_object(w)) {
		fmt_ms(fmt_int(w, "duration") / 1000, ms, sizeof(ms));
		fprintf(fp, "window %s s\n", ms);
		pv_counters(fp, json_object_get(w, "stats"), "  ", "  ",
		    "rate");
	}
}

/*
 * GET /metrics.  A family's samples are named as the family, or with one
 * of these suffixes: counters, histograms and summaries, info, and
 * OpenMetrics' created times and gauge histograms.
 */
static const char *const metric_suffixes[] = {
	"_total", "_bucket", "_sum", "_count", "_info", "_created",
	"_gcount", "_gsum"
};

/* Whether the sample name (n bytes) is of the family (flen bytes). */
static int
metric_of(const char *name, size_t n, const char *fam, size_t flen)
{
	size_t	 i, sl;

	if (fam == NULL || n < flen || memcmp(name, fam, flen) != 0)
		return (0);
	if (n == flen)
		return (1);
	for (i = 0; i < sizeof(metric_suffixes) / sizeof(metric_suffixes[0]);
	    i++) {
		sl = strlen(metric_suffixes[i]);
		if (n - flen == sl && memcmp(name + flen, metric_suffixes[i],
		    sl) == 0)
			return (1);
	}
	return (0);
}

static int
metric_wanted(const char *name, size_t n, const char *const *pats,
    size_t npats)
{
	size_t	 i;

	for (i = 0; i < npats; i++)
		if (memmem(name, n, pats[i], strlen(pats[i])) != NULL)
			return (1);
	return (0);
}

size_t
fmt_metrics(FILE *fp, const char *body, size_t len, const char *const *pats,
    size_t npats)
{
	const char	*p, *eol, *end = body + len, *name, *fam = NULL;
	size_t		 n, flen = 0, kept = 0;
	int		 keep = 0, meta, same;

	for (p = body; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		if (eol - p == 5 && memcmp(p, "# EOF", 5) == 0) {
			fprintf(fp, "# EOF\n");
			continue;
		}
		meta = eol - p > 7 && (memcmp(p, "# HELP ", 7) == 0 ||
		    memcmp(p, "# TYPE ", 7) == 0 ||
		    memcmp(p, "# UNIT ", 7) == 0);
		name = NULL;
		if (meta)
			name = p + 7;
		else if (p < eol && *p != '#' && *p != ' ' && *p != '\t')
			name = p;
		if (name != NULL) {
			for (n = 0; name + n < eol && name[n] != ' ' &&
			    name[n] != '\t' && name[n] != '{'; n++)
				;
			/* metadata names the family itself, a sample may not */
			if (meta)
				same = fam != NULL && n == flen &&
				    memcmp(name, fam, n) == 0;
			else
				same = metric_of(name, n, fam, flen);
			if (!same) {
				fam = name;
				flen = n;
				keep = metric_wanted(name, n, pats, npats);
				kept += keep;
			}
		}
		if (keep) {
			fwrite(p, 1, eol - p, fp);
			putc('\n', fp);
		}
	}
	return (kept);
}
