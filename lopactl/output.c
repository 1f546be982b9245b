/*
 * lopactl: text and JSON output of the API's answers.
 *
 * Text output is fixed-width rows for people; JSON output is the API's
 * body exactly as it came (followed by a newline when it had none), so
 * scripts see what the daemon said.  Strings from the daemon are shown
 * with control characters replaced, so an answer cannot drive the
 * terminal.
 */
#include <sys/types.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "duration.h"
#include "fmt.h"
#include "http.h"
#include "output.h"

#define NS_PER_S	1000000000LL

#define COL_MAX		40	/* ID and TARGET columns grow up to this */
#define WRAP		72	/* task show: params lines */
#define CELL		128	/* monitor list: a cell's text */
#define MON_COLS	10
#define IF_COLS		14	/* show interfaces */
#define IF_ADDRS	4096	/* show interfaces: the ADDRESSES cell */
#define ADDR_MAX	64	/* the ADDRESSES column grows up to this */
#define ROUTE_LINE	1024

static void	 text_status(const struct http_resp *, json_t *);
static void	 text_reload(const struct http_resp *, json_t *);
static void	 status_netlink(json_t *);
static void	 text_reflector(const struct http_resp *, json_t *);
static void	 text_task_list(const struct http_resp *, json_t *);
static void	 text_task_show(const struct http_resp *, json_t *);
static void	 text_task_stop(const struct http_resp *, json_t *,
		    const char *);
static void	 text_task_delete(const struct http_resp *, json_t *,
		    const char *);
static void	 text_task_created(const struct http_resp *, json_t *);
static void	 text_probe_start(const char *, const char *, const char *,
		    const char *);
static void	 text_probe(json_t *, const char *, size_t);
static void	 text_summary(json_t *, const char *, size_t);
static void	 text_alert(json_t *, const char *, size_t);
static void	 text_event(const char *, json_t *, const char *, size_t);
static void	 text_problem(const struct http_resp *, json_t *);
static void	 text_monitor_list(const struct http_resp *, json_t *);
static void	 text_monitor_show(const struct http_resp *, json_t *,
		    json_t *);
static void	 text_monitor_events(const struct http_resp *, json_t *);
static void	 text_monitor_created(const struct http_resp *, json_t *);
static void	 text_monitor_updated(const struct http_resp *, json_t *,
		    const char *);
static void	 text_monitor_deleted(const struct http_resp *, json_t *,
		    const char *);
static void	 text_passive_start(const char *, const char *,
		    const char *, int);
static void	 text_passive_round(json_t *, json_t *, int);
static void	 text_passive_read(json_t *, int, int);
static void	 text_passive_summary(json_t *, const char *, size_t);
static void	 json_passive_start(const char *, const char *, const char *,
		    int);
static void	 json_passive_round(json_t *, json_t *, int);
static void	 json_passive_read(json_t *, int, int);
static void	 json_compact(json_t *);
static void	 text_interfaces(json_t *);
static void	 text_routes(json_t *, json_t *);
static void	 monitor_cells(json_t *, char [][CELL]);
static void	 if_cells(json_t *, char [][CELL], char *, size_t);
static void	 events_table(json_t *);
static void	 json_body(const struct http_resp *, json_t *);
static void	 json_body_id(const struct http_resp *, json_t *,
		    const char *);
static void	 json_probe_start(const char *, const char *, const char *,
		    const char *);
static void	 json_text(json_t *, const char *, size_t);
static void	 json_event(const char *, json_t *, const char *, size_t);
static void	 json_problem(const struct http_resp *, json_t *);
static void	 json_monitor_show(const struct http_resp *, json_t *,
		    json_t *);
static void	 json_array_out(json_t *);
static void	 json_routes(json_t *, json_t *);
static int	 in_list(json_t *, json_t *);
static void	 show_params(const char *, json_t *);
static void	 show_time(json_t *, const char *, const char *);
static void	 show_alerts(json_t *);
static void	 show_alert(const char *, json_t *, json_t *);


const struct output text_output = {
	.status = text_status,
	.reload = text_reload,
	.reflector = text_reflector,
	.task_list = text_task_list,
	.task_show = text_task_show,
	.task_stop = text_task_stop,
	.task_delete = text_task_delete,
	.task_created = text_task_created,
	.probe_start = text_probe_start,
	.probe = text_probe,
	.summary = text_summary,
	.alert = text_alert,
	.event = text_event,
	.monitor_list = text_monitor_list,
	.monitor_show = text_monitor_show,
	.monitor_events = text_monitor_events,
	.monitor_created = text_monitor_created,
	.monitor_updated = text_monitor_updated,
	.monitor_deleted = text_monitor_deleted,
	.interfaces = text_interfaces,
	.routes = text_routes,
	.passive_start = text_passive_start,
	.passive_round = text_passive_round,
	.passive_read = text_passive_read,
	.passive_summary = text_passive_summary,
	.problem = text_problem,
};

const struct output json_output = {
	.status = json_body,
	.reload = json_body,
	.reflector = json_body,
	.task_list = json_body,
	.task_show = json_body,
	.task_stop = json_body_id,
	.task_delete = json_body_id,
	.task_created = json_body,
	.probe_start = json_probe_start,
	.probe = json_text,
	.summary = json_text,
	.alert = json_text,
	.event = json_event,
	.monitor_list = json_body,
	.monitor_show = json_monitor_show,
	.monitor_events = json_body,
	.monitor_created = json_body,
	.monitor_updated = json_body_id,
	.monitor_deleted = json_body_id,
	.interfaces = json_array_out,
	.routes = json_routes,
	.passive_start = json_passive_start,
	.passive_round = json_passive_round,
	.passive_read = json_passive_read,
	.passive_summary = json_text,
	.problem = json_problem,
};

/* Whether the string s is one of the array's strings. */
static int
in_list(json_t *array, json_t *s)
{
	json_t	*e;
	size_t	 i;

	if (!json_is_string(s))
		return (0);
	json_array_foreach(array, i, e)
		if (json_is_string(e) && json_equal(e, s))
			return (1);
	return (0);
}

static void
text_status(const struct http_resp *resp, json_t *j)
{
	json_t		*procs, *p, *v, *cf;
	size_t		 i;
	char		 role[32], state[32], pid[32], ver[64], rev[64];
	char		 b[256], up[64];
	const char	*sb;
	int64_t		 ns;

	printf("%-10s %-8s %-10s %s\n", "ROLE", "PID", "STATE", "SANDBOX");
	procs = json_object_get(j, "processes");
	json_array_foreach(procs, i, p) {
		v = json_object_get(p, "pid");
		if (json_is_integer(v))
			snprintf(pid, sizeof(pid), "%lld",
			    (long long)json_integer_value(v));
		else
			snprintf(pid, sizeof(pid), "-");
		v = json_object_get(p, "sandboxed");
		sb = json_is_boolean(v) ? (json_is_true(v) ? "yes" : "no") :
		    "-";
		printf("%-10s %-8s %-10s %s\n",
		    fmt_str(p, "role", role, sizeof(role)), pid,
		    fmt_str(p, "state", state, sizeof(state)), sb);
	}
	printf("\n");

	fmt_str(j, "version", ver, sizeof(ver));
	if (json_is_string(json_object_get(j, "revision")))
		printf("version  %s (%s)\n", ver,
		    fmt_str(j, "revision", rev, sizeof(rev)));
	else
		printf("version  %s\n", ver);
	printf("node     %s\n", fmt_str(j, "node_id", b, sizeof(b)));
	if (json_is_string(json_object_get(j, "access")))
		printf("access   %s\n", fmt_str(j, "access", b, sizeof(b)));
	v = json_object_get(j, "uptime");
	if (json_is_integer(v)) {
		ns = json_integer_value(v);
		ns -= ns % NS_PER_S;
		duration_format(ns, up, sizeof(up));
	} else
		snprintf(up, sizeof(up), "-");
	printf("uptime   %s\n", up);
	printf("started  %s\n", fmt_str(j, "started", b, sizeof(b)));

	status_netlink(json_object_get(j, "netlink"));
	cf = json_object_get(j, "config");
	if (json_is_object(cf)) {
		printf("config   %s\n", fmt_str(cf, "file", b, sizeof(b)));
		v = json_object_get(cf, "reloads");
		if (json_is_integer(v) && json_integer_value(v) > 0) {
			printf("reloads  %lld, last %s (%s)\n",
			    (long long)json_integer_value(v),
			    fmt_str(cf, "last_reload", b, sizeof(b)),
			    json_is_false(json_object_get(cf,
			    "last_reload_successful")) ? "failed" : "ok");
		}
	}
}

/*
 * The netlink process's state, what it saw and what it keeps:
 * "netlink  ok, 12 events, 0 resyncs, 0 overruns; 4 links, 9 addrs,
 * 21 routes".
 */
static void
status_netlink(json_t *nl)
{
	char	 b[256];

	if (!json_is_object(nl))
		return;
	printf("netlink  %s", fmt_str(nl, "state", b, sizeof(b)));
	if (json_is_string(json_object_get(nl, "error")))
		printf(" (%s)", fmt_str(nl, "error", b, sizeof(b)));
	printf(", %lld events, %lld resyncs, %lld overruns; %lld links, "
	    "%lld addrs, %lld routes", (long long)fmt_int(nl, "events"),
	    (long long)fmt_int(nl, "resyncs"),
	    (long long)fmt_int(nl, "overruns"),
	    (long long)fmt_int(nl, "links"), (long long)fmt_int(nl, "addrs"),
	    (long long)fmt_int(nl, "routes"));
	if (fmt_int(nl, "route_overflow") > 0)
		printf(" (%lld more not kept)",
		    (long long)fmt_int(nl, "route_overflow"));
	printf("\n");
}

static void
text_reload(const struct http_resp *resp, json_t *j)
{
	char	 b[128];

	printf("reload requested: %s\n", fmt_str(j, "status", b, sizeof(b)));
}

static void
text_reflector(const struct http_resp *resp, json_t *j)
{
	fmt_reflector(stdout, j);
}

/*
 * "lopactl: <detail>" (and the field), then a reload's errors one per
 * line.  An answer that is no problem+json (a proxy's page) shows its
 * status and first line.
 */
static void
text_problem(const struct http_resp *resp, json_t *j)
{
	json_t		*errs, *e;
	const char	*key, *nl;
	char		 detail[1024], field[128], line[256];
	size_t		 i, n;

	if (json_is_object(j)) {
		key = "detail";
		if (!json_is_string(json_object_get(j, key)))
			key = "error";
		if (!json_is_string(json_object_get(j, key)))
			key = "title";
		errs = json_object_get(j, "errors");
		if (in_list(errs, json_object_get(j, key)))
			;	/* the detail repeats an error listed below */
		else if (json_is_string(json_object_get(j, key))) {
			fmt_str(j, key, detail, sizeof(detail));
			if (json_is_string(json_object_get(j, "field")))
				warnx("%s (field %s)", detail,
				    fmt_str(j, "field", field, sizeof(field)));
			else
				warnx("%s", detail);
		} else
			warnx("HTTP %ld", resp->status);
		json_array_foreach(errs, i, e) {
			if (!json_is_string(e))
				continue;
			fmt_safe(detail, sizeof(detail), json_string_value(e),
			    json_string_length(e));
			fprintf(stderr, "%s\n", detail);
		}
		return;
	}

	n = resp->len;
	if (resp->body != NULL && (nl = memchr(resp->body, '\n', n)) != NULL)
		n = (size_t)(nl - resp->body);
	if (n > 0 && resp->body[n - 1] == '\r')
		n--;
	if (n > 0) {
		fmt_safe(line, sizeof(line), resp->body, n);
		warnx("HTTP %ld: %s", resp->status, line);
	} else
		warnx("HTTP %ld", resp->status);
}

/*
 * ID TYPE MODE TARGET STATUS SENT RECV LOSS% AVG P99, one task a row;
 * AVG and P99 in milliseconds, "-" without replies.  A passive task has
 * Lopa's "bytes:IN/OUT pkts:IN/OUT" of its total instead of the probes'
 * columns (TYPE grows to "passive" when one is listed).
 */
static void
text_task_list(const struct http_resp *resp, json_t *j)
{
	json_t	*t, *tot, *rtt;
	char	 id[128], type[16], mode[16], target[256], status[16];
	char	 loss[16], avg[32], p99[32];
	size_t	 i, n;
	int	 wid = 2, wtarget = 6, wtype = 4;

	json_array_foreach(j, i, t) {
		n = strlen(fmt_str(t, "id", id, sizeof(id)));
		if ((int)n > wid)
			wid = n > COL_MAX ? COL_MAX : (int)n;
		n = strlen(fmt_str(t, "target", target, sizeof(target)));
		if ((int)n > wtarget)
			wtarget = n > COL_MAX ? COL_MAX : (int)n;
		n = strlen(fmt_str(t, "type", type, sizeof(type)));
		if ((int)n > wtype)
			wtype = (int)n;
	}
	printf("%-*s %-*s %-10s %-*s %-8s %8s %8s %6s %9s %9s\n", wid, "ID",
	    wtype, "TYPE", "MODE", wtarget, "TARGET", "STATUS", "SENT", "RECV",
	    "LOSS%", "AVG", "P99");
	json_array_foreach(j, i, t) {
		tot = json_object_get(t, "total");
		if (strcmp(fmt_str(t, "type", type, sizeof(type)),
		    "passive") == 0) {
			printf("%-*s %-*s %-10s %-*s %-8s bytes:%lld/%lld "
			    "pkts:%lld/%lld\n", wid, fmt_str(t, "id", id,
			    sizeof(id)), wtype, type,
			    fmt_str(t, "mode", mode, sizeof(mode)),
			    wtarget, fmt_str(t, "target", target,
			    sizeof(target)),
			    fmt_str(t, "status", status, sizeof(status)),
			    (long long)fmt_int(tot, "bytes_in"),
			    (long long)fmt_int(tot, "bytes_out"),
			    (long long)fmt_int(tot, "packets_in"),
			    (long long)fmt_int(tot, "packets_out"));
			continue;
		}
		snprintf(loss, sizeof(loss), "%.2f",
		    json_number_value(json_object_get(tot, "loss_rate")) * 100);
		/*
		 * A continuous task keeps no percentiles over its whole
		 * life: its RTT columns are those of the window.
		 */
		rtt = json_object_get(json_object_get(t, "window"), "stats");
		if (!json_is_object(rtt))
			rtt = tot;
		if (fmt_int(rtt, "received") > 0) {
			fmt_ms(fmt_int(rtt, "avg_rtt"), avg, sizeof(avg));
			fmt_ms(fmt_int(rtt, "p99_rtt"), p99, sizeof(p99));
		} else {
			snprintf(avg, sizeof(avg), "-");
			snprintf(p99, sizeof(p99), "-");
		}
		printf("%-*s %-*s %-10s %-*s %-8s %8lld %8lld %6s %9s %9s\n",
		    wid, fmt_str(t, "id", id, sizeof(id)), wtype,
		    fmt_str(t, "type", type, sizeof(type)),
		    fmt_str(t, "mode", mode, sizeof(mode)),
		    wtarget, fmt_str(t, "target", target, sizeof(target)),
		    fmt_str(t, "status", status, sizeof(status)),
		    (long long)fmt_int(tot, "sent"),
		    (long long)fmt_int(tot, "received"), loss, avg, p99);
	}
}

/* "label     time" unless the time is absent or Go's zero time. */
static void
show_time(json_t *j, const char *key, const char *label)
{
	char	 b[64];

	fmt_str(j, key, b, sizeof(b));
	if (strcmp(b, "-") == 0 || strncmp(b, "0001-01-01", 10) == 0)
		return;
	printf("%-10s%s\n", label, b);
}

/*
 * The request's parameters (or a monitor's filter, its labels), "key=value"
 * words after the label, durations as "1s".
 */
static void
show_params(const char *label, json_t *params)
{
	static const char *const durations[] = {
		"interval", "timeout", "duration", "window", "round_delay",
		"resolve_interval", "latency_threshold", NULL
	};
	const char	*key;
	json_t		*v;
	char		 val[256], word[320];
	size_t		 col = 0, i;
	int		 isdur;

	json_object_foreach(params, key, v) {
		for (isdur = 0, i = 0; durations[i] != NULL; i++)
			if (strcmp(key, durations[i]) == 0)
				isdur = 1;
		if (json_is_string(v))
			fmt_safe(val, sizeof(val), json_string_value(v),
			    json_string_length(v));
		else if (json_is_integer(v) && isdur)
			duration_format(json_integer_value(v), val,
			    sizeof(val));
		else if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld",
			    (long long)json_integer_value(v));
		else if (json_is_real(v))
			snprintf(val, sizeof(val), "%g", json_real_value(v));
		else if (json_is_boolean(v))
			snprintf(val, sizeof(val), "%s",
			    json_is_true(v) ? "true" : "false");
		else
			continue;
		fmt_safe(word, sizeof(word), key, strlen(key));
		snprintf(word + strlen(word), sizeof(word) - strlen(word),
		    "=%s", val);
		if (col == 0)
			col = printf("%-10s%s", label, word);
		else if (col + 1 + strlen(word) > WRAP)
			col = printf("\n%-10s%s", "", word) - 1;
		else
			col += printf(" %s", word);
	}
	if (col > 0)
		printf("\n");
}

/*
 * A continuous task's threshold rules and the state of each, three lines
 * a rule:
 *
 *	thresholds
 *	  loss         alerting, value 12.00%, worst 15.00%, since <time>
 *	               >= 5.00%, clear < 2.00%, for 3, clear_for 3, ...
 *	               alerts 1, recoveries 0, repeats 0, evaluations 57
 *
 * The rule's counts come from params.thresholds; Lopa's loss_threshold
 * and latency_threshold are not there (params names them already).
 */
static void
show_alerts(json_t *j)
{
	json_t		*alerts, *a, *rules;
	const char	*metric;

	alerts = json_object_get(j, "alerts");
	if (!json_is_object(alerts) || json_object_size(alerts) == 0)
		return;
	rules = json_object_get(json_object_get(j, "params"), "thresholds");
	printf("thresholds\n");
	json_object_foreach(alerts, metric, a)
		show_alert(metric, a, json_object_get(rules, metric));
}

static void
show_alert(const char *metric, json_t *a, json_t *rule)
{
	json_t	*v;
	char	 m[64], b[128], c[64];
	int	 time, below;

	fmt_safe(m, sizeof(m), metric, strlen(metric));
	time = fmt_metric_kind(metric);
	printf("  %-12s %s", m, fmt_str(a, "state", b, sizeof(b)));
	v = json_object_get(a, "value");
	if (json_is_true(json_object_get(a, "waiting")))
		printf(", waiting for min_samples");
	else if (json_is_true(json_object_get(a, "no_data")))
		printf(", no data");
	else if (json_is_number(v)) {
		fmt_value(v, time, b, sizeof(b));
		printf(", value %s", b);
	}
	if (json_is_number(v = json_object_get(a, "worst"))) {
		fmt_value(v, time, b, sizeof(b));
		printf(", worst %s", b);
	}
	if (json_is_string(json_object_get(a, "since")))
		printf(", since %s", fmt_str(a, "since", b, sizeof(b)));
	printf("\n");

	below = json_object_get(a, "below") != NULL;
	fmt_level(json_object_get(a, below ? "below" : "above"), time, b,
	    sizeof(b));
	fmt_level(json_object_get(a, "clear"), time, c, sizeof(c));
	printf("  %-12s %s %s, clear %s %s", "", below ? "<=" : ">=", b,
	    below ? ">" : "<", c);
	if (json_is_object(rule)) {
		printf(", for %lld, clear_for %lld, min_samples %lld",
		    (long long)fmt_int(rule, "for"),
		    (long long)fmt_int(rule, "clear_for"),
		    (long long)fmt_int(rule, "min_samples"));
		if (fmt_int(rule, "repeat") > 0) {
			duration_format(fmt_int(rule, "repeat"), b, sizeof(b));
			printf(", repeat %s", b);
		}
	}
	printf("\n");
	printf("  %-12s alerts %lld, recoveries %lld, repeats %lld, "
	    "evaluations %lld\n", "", (long long)fmt_int(a, "alerts"),
	    (long long)fmt_int(a, "recoveries"),
	    (long long)fmt_int(a, "repeats"),
	    (long long)fmt_int(a, "evaluations"));
}

static void
text_task_show(const struct http_resp *resp, json_t *j)
{
	json_t	*rounds, *r, *w;
	char	 b[256], a[256], c[64];
	size_t	 i;

	printf("%-10s%s\n", "id", fmt_str(j, "id", b, sizeof(b)));
	if (json_is_string(json_object_get(j, "name")))
		printf("%-10s%s\n", "name", fmt_str(j, "name", b, sizeof(b)));
	printf("%-10s%s, %s\n", "type", fmt_str(j, "type", b, sizeof(b)),
	    fmt_str(j, "mode", a, sizeof(a)));
	printf("%-10s%s\n", "status", fmt_str(j, "status", b, sizeof(b)));
	if (json_is_string(json_object_get(j, "error")))
		printf("%-10s%s\n", "error", fmt_str(j, "error", b, sizeof(b)));
	fmt_str(j, "target", b, sizeof(b));
	if (json_is_string(json_object_get(j, "address")))
		printf("%-10s%s (%s)\n", "target", b,
		    fmt_str(j, "address", a, sizeof(a)));
	else
		printf("%-10s%s\n", "target", b);
	printf("%-10s%s\n", "node", fmt_str(j, "node_id", b, sizeof(b)));
	show_time(j, "created", "created");
	show_time(j, "started", "started");
	show_time(j, "finished", "finished");
	show_time(j, "last_updated", "updated");
	if (json_is_string(json_object_get(j, "timestamp_source")))
		printf("%-10s%s, %lld clock steps\n", "clock",
		    fmt_str(j, "timestamp_source", b, sizeof(b)),
		    (long long)fmt_int(j, "clock_steps"));
	if (fmt_int(j, "address_changes") > 0)
		printf("%-10s%lld\n", "readdr",
		    (long long)fmt_int(j, "address_changes"));
	if (json_is_object(json_object_get(j, "params")))
		show_params("params", json_object_get(j, "params"));
	show_alerts(j);

	if (strcmp(fmt_str(j, "type", c, sizeof(c)), "passive") == 0) {
		fmt_passive_show(stdout, j);
		return;
	}
	printf("total\n");
	fmt_stats(stdout, json_object_get(j, "total"), "  ",
	    strcmp(fmt_str(j, "mode", c, sizeof(c)), "continuous") != 0);
	rounds = json_object_get(j, "rounds");
	if (json_is_array(rounds) && json_array_size(rounds) > 1) {
		json_array_foreach(rounds, i, r) {
			printf("round %lld  %s - %s\n",
			    (long long)fmt_int(r, "index"),
			    fmt_str(r, "from", b, sizeof(b)),
			    fmt_str(r, "to", a, sizeof(a)));
			fmt_stats(stdout, json_object_get(r, "stats"), "  ", 1);
		}
	}
	w = json_object_get(j, "window");
	if (json_is_object(w)) {
		duration_format(fmt_int(w, "window_seconds") * NS_PER_S, c,
		    sizeof(c));
		printf("window %s\n", c);
		fmt_stats(stdout, json_object_get(w, "stats"), "  ", 1);
	}
}

static void
text_task_stop(const struct http_resp *resp, json_t *j, const char *id)
{
	char	 b[256];

	fmt_safe(b, sizeof(b), id, strlen(id));
	printf("task %s: stop requested\n", b);
}

static void
text_task_delete(const struct http_resp *resp, json_t *j, const char *id)
{
	char	 b[256];

	fmt_safe(b, sizeof(b), id, strlen(id));
	printf("task %s deleted\n", b);
}

static void
text_task_created(const struct http_resp *resp, json_t *j)
{
	char	 b[256];

	printf("%s\n", fmt_str(j, "id", b, sizeof(b)));
}

/* "PING 198.18.0.2: task probe1-12, count 4, interval 1s" */
static void
text_probe_start(const char *type, const char *target, const char *id,
    const char *what)
{
	char	 t[256], i[256], up[16];
	size_t	 n;

	for (n = 0; type[n] != '\0' && n + 1 < sizeof(up); n++)
		up[n] = type[n] >= 'a' && type[n] <= 'z' ? type[n] - 32 :
		    type[n];
	up[n] = '\0';
	fmt_safe(t, sizeof(t), target, strlen(target));
	fmt_safe(i, sizeof(i), id, strlen(id));
	printf("%s %s: task %s, %s\n", up, t, i, what);
	fflush(stdout);
}

static void
text_probe(json_t *ev, const char *data, size_t len)
{
	char	 line[1024];

	if (fmt_probe(ev, line, sizeof(line)) == 0)
		return;
	printf("%s\n", line);
	fflush(stdout);
}

static void
text_summary(json_t *res, const char *text, size_t len)
{
	if (json_is_object(json_object_get(json_object_get(res, "total"),
	    "twamp")))
		fmt_twamp_summary(stdout, res);
	else
		fmt_summary(stdout, res);
}

/* "ALERT loss 12.00% >= 5.00%", as it comes, among the probe lines. */
static void
text_alert(json_t *ev, const char *data, size_t len)
{
	char	 line[512];

	fmt_alert(ev, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
}

/* monitor: "2026-12-02T03:33:36.123Z task vm-3 running", UTC. */
static void
text_event(const char *name, json_t *ev, const char *data, size_t len)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 t[32], line[1024];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		strlcpy(t, "-", sizeof(t));
	fmt_event(name, ev, line, sizeof(line));
	printf("%s.%03ldZ %s\n", t, ts.tv_nsec / 1000000, line);
	fflush(stdout);
}

/*
 * Lopa's columns, ID TYPE INTERFACE PREFIX TABLE ROUTE_DST ENABLED
 * WEBHOOK, then NAME and EVENTS (events_total).  The filter's interface
 * is its name, else its index as "#N"; "-" is no filter.
 */
static void
monitor_cells(json_t *m, char c[][CELL])
{
	json_t	*f, *w;

	f = json_object_get(m, "filter");
	fmt_str(m, "id", c[0], CELL);
	fmt_str(m, "type", c[1], CELL);
	if (json_is_string(json_object_get(f, "interface_name")))
		fmt_str(f, "interface_name", c[2], CELL);
	else if (fmt_int(f, "interface_index") > 0)
		snprintf(c[2], CELL, "#%lld",
		    (long long)fmt_int(f, "interface_index"));
	else
		snprintf(c[2], CELL, "-");
	fmt_str(f, "prefix", c[3], CELL);
	if (fmt_int(f, "route_table") > 0)
		snprintf(c[4], CELL, "%lld",
		    (long long)fmt_int(f, "route_table"));
	else
		snprintf(c[4], CELL, "-");
	fmt_str(f, "route_dst", c[5], CELL);
	snprintf(c[6], CELL, "%s", json_is_false(json_object_get(m,
	    "enabled")) ? "false" : "true");
	w = json_object_get(m, "webhook_url");
	snprintf(c[7], CELL, "%s", json_is_string(w) &&
	    json_string_length(w) > 0 ? "set" : "-");
	fmt_str(m, "name", c[8], CELL);
	snprintf(c[9], CELL, "%lld", (long long)fmt_int(m, "events_total"));
}

static void
text_monitor_list(const struct http_resp *resp, json_t *j)
{
	static const char *const head[MON_COLS] = {
		"ID", "TYPE", "INTERFACE", "PREFIX", "TABLE", "ROUTE_DST",
		"ENABLED", "WEBHOOK", "NAME", "EVENTS"
	};
	json_t	*m;
	char	 c[MON_COLS][CELL];
	size_t	 i, k, n;
	int	 w[MON_COLS];

	for (k = 0; k < MON_COLS; k++)
		w[k] = strlen(head[k]);
	json_array_foreach(j, i, m) {
		monitor_cells(m, c);
		for (k = 0; k < MON_COLS; k++) {
			n = strlen(c[k]);
			if ((int)n > w[k])
				w[k] = n > COL_MAX ? COL_MAX : (int)n;
		}
	}
	/* EVENTS, a number, to the right; NAME last but one, to the left */
	for (k = 0; k < MON_COLS - 1; k++)
		printf("%-*s ", w[k], head[k]);
	printf("%*s\n", w[k], head[k]);
	json_array_foreach(j, i, m) {
		monitor_cells(m, c);
		for (k = 0; k < MON_COLS - 1; k++)
			printf("%-*s ", w[k], c[k]);
		printf("%*s\n", w[k], c[k]);
	}
}

/* AT TYPE CHANGE DETAIL, an event a row, oldest first. */
static void
events_table(json_t *j)
{
	json_t	*e;
	char	 at[64], type[32], change[32], detail[1024];
	size_t	 i;

	printf("%-24s %-9s %-6s %s\n", "AT", "TYPE", "CHANGE", "DETAIL");
	json_array_foreach(j, i, e) {
		fmt_time_ms(e, "at", at, sizeof(at));
		fmt_monitor_detail(e, detail, sizeof(detail));
		printf("%-24s %-9s %-6s %s\n", at,
		    fmt_str(e, "type", type, sizeof(type)),
		    fmt_str(e, "change", change, sizeof(change)), detail);
	}
}

static void
text_monitor_events(const struct http_resp *resp, json_t *j)
{
	events_table(j);
}

/*
 * The monitor's fields, a line each as task show prints a task's, then
 * its last events.
 */
static void
text_monitor_show(const struct http_resp *resp, json_t *j, json_t *events)
{
	json_t	*f, *v;
	char	 b[256];

	printf("%-10s%s\n", "id", fmt_str(j, "id", b, sizeof(b)));
	if (json_is_string(json_object_get(j, "name")))
		printf("%-10s%s\n", "name", fmt_str(j, "name", b, sizeof(b)));
	printf("%-10s%s\n", "type", fmt_str(j, "type", b, sizeof(b)));
	printf("%-10s%s\n", "enabled", json_is_false(json_object_get(j,
	    "enabled")) ? "false" : "true");
	f = json_object_get(j, "filter");
	if (json_is_object(f) && json_object_size(f) > 0)
		show_params("filter", f);
	else
		printf("%-10s%s\n", "filter", "none: every change");
	printf("%-10s%s\n", "kernel", json_is_true(json_object_get(j,
	    "include_kernel")) ? "included" : "excluded");
	if (json_is_integer(json_object_get(j, "event_buffer_size")))
		printf("%-10s%lld events\n", "buffer",
		    (long long)fmt_int(j, "event_buffer_size"));
	v = json_object_get(j, "webhook_url");
	if (json_is_string(v) && json_string_length(v) > 0)
		printf("%-10s%s\n", "webhook",
		    fmt_str(j, "webhook_url", b, sizeof(b)));
	v = json_object_get(j, "labels");
	if (json_is_object(v) && json_object_size(v) > 0)
		show_params("labels", v);
	show_time(j, "created_at", "created");
	show_time(j, "updated_at", "updated");
	printf("%-10s%lld total, %lld kept", "events",
	    (long long)fmt_int(j, "events_total"),
	    (long long)fmt_int(j, "events_kept"));
	if (json_is_string(json_object_get(j, "last_event_at")))
		printf(", last %s", fmt_str(j, "last_event_at", b, sizeof(b)));
	printf("\n");
	if (json_is_array(events) && json_array_size(events) > 0) {
		printf("\n");
		events_table(events);
	}
}

static void
text_monitor_created(const struct http_resp *resp, json_t *j)
{
	char	 b[256];

	printf("%s\n", fmt_str(j, "id", b, sizeof(b)));
}

static void
text_monitor_updated(const struct http_resp *resp, json_t *j,
    const char *id)
{
	char	 b[256];

	fmt_safe(b, sizeof(b), id, strlen(id));
	printf("monitor %s updated\n", b);
}

static void
text_monitor_deleted(const struct http_resp *resp, json_t *j,
    const char *id)
{
	char	 b[256];

	fmt_safe(b, sizeof(b), id, strlen(id));
	printf("monitor %s deleted\n", b);
}

/*
 * An interface's cells but ADDRESSES, which goes to addrs: NAME INDEX
 * STATE MTU MAC, then the counters RX bytes, packets, errors, drops and
 * TX the same ("-" each without counters).
 */
static void
if_cells(json_t *l, char c[][CELL], char *addrs, size_t alen)
{
	static const char *const counters[] = {
		"rx_bytes", "rx_packets", "rx_errors", "rx_dropped",
		"tx_bytes", "tx_packets", "tx_errors", "tx_dropped"
	};
	json_t	*st;
	size_t	 k;

	fmt_str(l, "name", c[0], CELL);
	snprintf(c[1], CELL, "%lld", (long long)fmt_int(l, "index"));
	fmt_link_state(l, c[2], CELL);
	if (json_is_number(json_object_get(l, "mtu")))
		snprintf(c[3], CELL, "%lld", (long long)fmt_int(l, "mtu"));
	else
		snprintf(c[3], CELL, "-");
	fmt_str(l, "mac", c[4], CELL);
	fmt_link_addrs(l, addrs, alen);
	c[5][0] = '\0';
	st = json_object_get(l, "counters");
	for (k = 0; k < sizeof(counters) / sizeof(counters[0]); k++) {
		if (json_is_number(json_object_get(st, counters[k])))
			snprintf(c[6 + k], CELL, "%lld",
			    (long long)fmt_int(st, counters[k]));
		else
			snprintf(c[6 + k], CELL, "-");
	}
}

/*
 * NAME INDEX STATE MTU MAC ADDRESSES, then the counters, an interface a
 * row: ip -br addr and ip -s link in one.  Columns are as wide as their
 * widest cell (ADDRESSES up to ADDR_MAX, a longer list overflows);
 * numbers to the right.
 */
static void
text_interfaces(json_t *j)
{
	static const char *const head[IF_COLS] = {
		"NAME", "INDEX", "STATE", "MTU", "MAC", "ADDRESSES",
		"RX_BYTES", "RX_PKTS", "RX_ERRS", "RX_DROP",
		"TX_BYTES", "TX_PKTS", "TX_ERRS", "TX_DROP"
	};
	static const int right[IF_COLS] = {
		0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1
	};
	json_t	*l;
	char	 c[IF_COLS][CELL], addrs[IF_ADDRS];
	size_t	 i, k, n;
	int	 w[IF_COLS];

	for (k = 0; k < IF_COLS; k++)
		w[k] = strlen(head[k]);
	json_array_foreach(j, i, l) {
		if_cells(l, c, addrs, sizeof(addrs));
		for (k = 0; k < IF_COLS; k++) {
			n = strlen(k == 5 ? addrs : c[k]);
			if (k == 5 && n > ADDR_MAX)
				n = ADDR_MAX;
			if ((int)n > w[k])
				w[k] = (int)n;
		}
	}
	for (k = 0; k < IF_COLS; k++)
		printf("%s%*s", k > 0 ? " " : "", right[k] ? w[k] : -w[k],
		    head[k]);
	printf("\n");
	json_array_foreach(j, i, l) {
		if_cells(l, c, addrs, sizeof(addrs));
		for (k = 0; k < IF_COLS; k++)
			printf("%s%*s", k > 0 ? " " : "", right[k] ? w[k] :
			    -w[k], k == 5 ? addrs : c[k]);
		printf("\n");
	}
}

/* A route a line as ip route shows it; a next hop a line below it. */
static void
text_routes(json_t *j, json_t *links)
{
	json_t	*r, *nh;
	char	 line[ROUTE_LINE];
	size_t	 i, k;

	json_array_foreach(j, i, r) {
		fmt_route(r, links, line, sizeof(line));
		printf("%s\n", line);
		json_array_foreach(json_object_get(r, "nexthops"), k, nh) {
			fmt_nexthop(nh, links, line, sizeof(line));
			printf("\t%s\n", line);
		}
	}
}

/* "PASSIVE vA,lo: task vm-1, duration 3s, interval 500ms", the header */
static void
text_passive_start(const char *ifaces, const char *id, const char *what,
    int width)
{
	char	 f[256], i[256], head[256];

	fmt_safe(f, sizeof(f), ifaces, strlen(ifaces));
	fmt_safe(i, sizeof(i), id, strlen(id));
	fmt_passive_head(width, head, sizeof(head));
	printf("PASSIVE %s: task %s, %s\n%s\n", f, i, what, head);
	fflush(stdout);
}

static void
text_passive_round(json_t *round, json_t *res, int width)
{
	fmt_passive_round(stdout, res, round, width);
	fflush(stdout);
}

static void
text_passive_read(json_t *res, int width, int all)
{
	fmt_passive_read(stdout, res, width, all);
	fflush(stdout);
}

static void
text_passive_summary(json_t *res, const char *text, size_t len)
{
	fmt_passive_summary(stdout, res);
}

static void
json_passive_start(const char *ifaces, const char *id, const char *what,
    int width)
{
}

/* A round as one line of compact JSON. */
static void
json_passive_round(json_t *round, json_t *res, int width)
{
	json_compact(round);
}

/* The task's result at each new read, one line. */
static void
json_passive_read(json_t *res, int width, int all)
{
	json_compact(res);
}

static void
json_compact(json_t *j)
{
	char	*s;

	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		errx(1, "out of memory");
	printf("%s\n", s);
	free(s);
	fflush(stdout);
}

static void
json_body(const struct http_resp *resp, json_t *j)
{
	if (resp->len == 0)
		return;
	fwrite(resp->body, 1, resp->len, stdout);
	if (resp->body[resp->len - 1] != '\n')
		putchar('\n');
}

static void
json_body_id(const struct http_resp *resp, json_t *j, const char *id)
{
	json_body(resp, j);
}

/* The monitor as the daemon sent it; its events have their command. */
static void
json_monitor_show(const struct http_resp *resp, json_t *j, json_t *events)
{
	json_body(resp, j);
}

/*
 * The objects kept, as the daemon sent them: its JSON is compact and
 * keeps the order of the keys, as jansson writes it.
 */
static void
json_array_out(json_t *j)
{
	char	*s;

	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		errx(1, "out of memory");
	printf("%s\n", s);
	free(s);
}

static void
json_routes(json_t *j, json_t *links)
{
	json_array_out(j);
}

static void
json_probe_start(const char *type, const char *target, const char *id,
    const char *what)
{
}

/* An event's data or a result as the daemon sent it, one document a line. */
static void
json_text(json_t *j, const char *text, size_t len)
{
	if (len == 0)
		return;
	fwrite(text, 1, len, stdout);
	if (text[len - 1] != '\n')
		putchar('\n');
	fflush(stdout);
}

/* monitor -j: each event's data, one document a line. */
static void
json_event(const char *name, json_t *ev, const char *data, size_t len)
{
	char	*one;

	if (memchr(data, '\n', len) == NULL) {
		json_text(ev, data, len);
		return;
	}
	/* data of several lines: the same document on one */
	if ((one = json_dumps(ev, JSON_COMPACT)) == NULL)
		errx(1, "out of memory");
	json_text(ev, one, strlen(one));
	free(one);
}

/* The problem document on stdout for scripts, the message on stderr. */
static void
json_problem(const struct http_resp *resp, json_t *j)
{
	if (j != NULL)
		json_body(resp, j);
	fflush(stdout);
	text_problem(resp, j);
}
