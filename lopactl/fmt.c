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

#include <jansson.h>

#include "fmt.h"

#define STRMAX		256

static int	 kind_is(json_t *, const char *);
static void	 rtt_line(FILE *, json_t *, const char *, const char *,
		    const char *const *, size_t);

/* The error kinds of a stats object's "errors", in the API's order. */
static const char *const error_names[] = {
	"unreachable", "ttl_exceeded", "too_big", "param_problem", "error"
};

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
	json_t		*total, *rounds, *r, *st;
	char		 s[STRMAX], line[512], ms[32];
	size_t		 i;

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
