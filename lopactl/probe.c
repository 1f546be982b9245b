/*
 * lopactl: ping, tcp, udp, twamp and stamp.  Create the task, then follow
 * its Server-Sent Events stream: one line per probe as it is decided, a
 * line per notification of its thresholds, the summary at the end.
 *
 *	POST /api/v1/tasks/TYPE		201 {"id"}
 *	GET  /api/v1/tasks/ID/stream	event: probe | state | alert | summary
 *	POST /api/v1/tasks/ID/stop	on the first Ctrl-C
 *	GET  /api/v1/tasks/ID		when the stream gave no summary
 *
 * The stream first replays the samples the daemon still holds, so a
 * stream opened just after the creation misses nothing.  A probe decided
 * twice (the replay overlapping live events, which the daemon should not
 * do) is printed once: the last DEDUP_RING decisions are remembered.
 * Events "dropped" (the daemon skipped samples we read too slowly) and
 * "deleted" (the task is gone; no summary follows) are reported on
 * stderr.
 *
 * Ctrl-C on a count or duration task stops it, then waits up to
 * STOP_WAIT seconds for the summary on the stream (a second Ctrl-C waits
 * no more) and falls back to GET.  A continuous task is only followed
 * with -f; Ctrl-C then leaves it running.
 *
 * passive, which has no stream, polls its task instead (below).
 *
 * monitor (and its alias events) follows the daemon's stream of every
 * task's changes of status, threshold notifications and netlink monitors'
 * events the same way, until Ctrl-C or the end of the stream:
 *
 *	GET  /api/v1/events		event: state | alert | monitor
 */
#include <sys/types.h>

#include <err.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "duration.h"
#include "fmt.h"
#include "http.h"
#include "lopactl.h"
#include "sse.h"
#include "task.h"

#define STOP_WAIT	5		/* seconds for the summary after stop */
#define DEDUP_RING	4096

struct probe {
	struct ctl			*ctl;
	const struct parse_result	*res;
	const char			*type;
	char				*id;
	char				*idpath;	/* escaped id */
	int				 continuous;
	int				 quiet;
	int				 tw;		/* twamp, stamp */
	struct sse			 sse;
	json_t				*summary;
	char				*summary_text;
	size_t				 summary_len;
	int				 stopping;	/* stop sent */
	time_t				 deadline;	/* for the summary */
	int				 detached;	/* -f: left running */
	uint64_t			 seen[DEDUP_RING];
	size_t				 nseen;
};

static volatile sig_atomic_t	 interrupted;

static void	 on_sigint(int);
static void	 json_set(json_t *, const char *, json_t *);
static json_t	*request_body(const struct parse_result *, const char *,
		    int *, char *, size_t);
static json_t	*tlvs_body(const char *);
static void	 alerts_body(json_t *, const struct parse_result *,
		    const char *, int);
static json_t	*rules_body(const struct parse_result *, int, int);
static json_t	*rule_json(const struct threshold *);
static json_t	*level_json(const struct threshold *, double);
static int	 create(struct probe *, json_t *);
static int	 on_data(void *, const char *, size_t);
static int	 on_tick(void *);
static int	 on_event(void *, const char *, const char *, size_t);
static int	 seen_before(struct probe *, json_t *);
static void	 stop_task(struct probe *);
static int	 fetch_result(struct probe *);
static int	 finish(struct probe *);
static int	 watch_data(void *, const char *, size_t);
static int	 watch_tick(void *);
static int	 watch_event(void *, const char *, const char *, size_t);

static void
on_sigint(int sig)
{
	if (interrupted < 2)
		interrupted++;
}

static void
json_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) == -1)
		errx(1, "out of memory");
}

/*
 * The creation body, and in what a description for the first line.
 * The mode: --continuous, else Lopa's --mode as given (the daemon then
 * ignores what does not apply, as Lopa's CLI sent everything), else -w
 * for a duration, else a count.
 */
static json_t *
request_body(const struct parse_result *res, const char *type, int *cont,
    char *what, size_t wlen)
{
	const struct parse_arg	*a = res->args;
	const char		*mode;
	json_t			*o;
	char			 d[64], w[64];
	int			 ipsel;

	if (res->flags & F_CONTINUOUS) {
		if (a[ARG_MODE].set && strcmp(a[ARG_MODE].str,
		    "continuous") != 0)
			errx(EXIT_USAGE, "--continuous and --mode %s are "
			    "mutually exclusive", a[ARG_MODE].str);
		if (a[ARG_COUNT].set)
			errx(EXIT_USAGE, "-c and --continuous are mutually "
			    "exclusive");
		mode = "continuous";
	} else if (a[ARG_MODE].set)
		mode = a[ARG_MODE].str;
	else if (a[ARG_COUNT].set && a[ARG_DURATION].set)
		errx(EXIT_USAGE, "-c and -w are mutually exclusive: a task "
		    "runs for a count of probes or for a duration");
	else
		mode = a[ARG_DURATION].set ? "duration" : "count";
	if (!a[ARG_MODE].set && strcmp(mode, "count") != 0 &&
	    (a[ARG_ROUNDS].set || a[ARG_ROUND_DELAY].set))
		errx(EXIT_USAGE, "--rounds and --round-delay apply to count "
		    "tasks only");
	ipsel = ((res->flags & F_IPV4) != 0) + ((res->flags & F_IPV6) != 0) +
	    a[ARG_IPVER].set;
	if (ipsel > 1)
		errx(EXIT_USAGE, "-4, -6 and --ip-version are mutually "
		    "exclusive");
	*cont = strcmp(mode, "continuous") == 0;
	if (strcmp(type, "twamp") == 0 || strcmp(type, "stamp") == 0) {
		if (a[ARG_PADDING].set && (res->flags & F_IMIX))
			errx(EXIT_USAGE, "-s and --imix are mutually "
			    "exclusive");
		if (strcmp(type, "twamp") != 0 && (res->flags & F_CONTROL))
			errx(EXIT_USAGE, "--control applies to twamp only");
		if (strcmp(type, "stamp") != 0 && a[ARG_SSID].set)
			errx(EXIT_USAGE, "--ssid applies to stamp only");
		if (strcmp(type, "stamp") != 0 && a[ARG_TLVS].set)
			errx(EXIT_USAGE, "--tlv applies to stamp only");
		if (a[ARG_PADDING].set && a[ARG_TLVS].set)
			errx(EXIT_USAGE, "-s and --tlv are mutually exclusive: "
			    "padding:LENGTH in --tlv pads");
	}

	if ((o = json_object()) == NULL)
		errx(1, "out of memory");
	json_set(o, "target", json_string(a[ARG_TARGET].str));
	json_set(o, "mode", json_string(mode));
	if (a[ARG_COUNT].set)
		json_set(o, "count", json_integer(a[ARG_COUNT].num));
	if (a[ARG_DURATION].set)
		json_set(o, "duration", json_integer(a[ARG_DURATION].dur));
	if (a[ARG_INTERVAL].set)
		json_set(o, "interval", json_integer(a[ARG_INTERVAL].dur));
	if (a[ARG_TIMEOUT].set)
		json_set(o, "timeout", json_integer(a[ARG_TIMEOUT].dur));
	if (a[ARG_SIZE].set)
		json_set(o, "packet_size", json_integer(a[ARG_SIZE].num));
	if (a[ARG_DSCP].set)
		json_set(o, "dscp", json_integer(a[ARG_DSCP].num));
	if (a[ARG_TTL].set)
		json_set(o, "ttl", json_integer(a[ARG_TTL].num));
	if (a[ARG_PMTU].set)
		json_set(o, "df", json_boolean(strcmp(a[ARG_PMTU].str,
		    "do") == 0));
	if (a[ARG_SOURCE].set)
		json_set(o, "source_ip", json_string(a[ARG_SOURCE].str));
	if (a[ARG_IFACE].set)
		json_set(o, "interface", json_string(a[ARG_IFACE].str));
	if (res->flags & (F_IPV4 | F_IPV6))
		json_set(o, "ip_version", json_string(res->flags & F_IPV4 ?
		    "ipv4" : "ipv6"));
	else if (a[ARG_IPVER].set)
		json_set(o, "ip_version", json_string(a[ARG_IPVER].str));
	if (a[ARG_ROUNDS].set)
		json_set(o, "rounds", json_integer(a[ARG_ROUNDS].num));
	if (a[ARG_ROUND_DELAY].set)
		json_set(o, "round_delay",
		    json_integer(a[ARG_ROUND_DELAY].dur));
	if (a[ARG_PORT].set)
		json_set(o, "port", json_integer(a[ARG_PORT].num));
	if (a[ARG_NAME].set)
		json_set(o, "name", json_string(a[ARG_NAME].str));
	/* twamp, stamp: -s is the padding; IMIX is padding -1, as twampy */
	if (a[ARG_PADDING].set)
		json_set(o, "padding", json_integer(a[ARG_PADDING].num));
	if (res->flags & F_IMIX)
		json_set(o, "padding", json_integer(-1));
	if (res->flags & F_CONTROL)
		json_set(o, "control", json_true());
	if (a[ARG_SSID].set)
		json_set(o, "ssid", json_integer(a[ARG_SSID].num));
	if (a[ARG_TLVS].set)
		json_set(o, "tlvs", tlvs_body(a[ARG_TLVS].str));
	alerts_body(o, res, type, *cont);

	duration_format(a[ARG_INTERVAL].set ? a[ARG_INTERVAL].dur :
	    TASK_DEF_INTERVAL, d, sizeof(d));
	if (strcmp(mode, "count") == 0) {
		snprintf(what, wlen, "count %lld, interval %s",
		    a[ARG_COUNT].set ? a[ARG_COUNT].num : TASK_DEF_COUNT, d);
		if (a[ARG_ROUNDS].set && a[ARG_ROUNDS].num > 1)
			snprintf(what + strlen(what), wlen - strlen(what),
			    ", %lld rounds", a[ARG_ROUNDS].num);
	} else if (strcmp(mode, "duration") == 0) {
		duration_format(a[ARG_DURATION].set ? a[ARG_DURATION].dur :
		    TASK_DEF_DURATION, w, sizeof(w));
		snprintf(what, wlen, "duration %s, interval %s", w, d);
	} else {
		duration_format(a[ARG_DURATION].set ? a[ARG_DURATION].dur :
		    TASK_DEF_WINDOW, w, sizeof(w));
		snprintf(what, wlen, "continuous, interval %s, window %s", d,
		    w);
	}
	return (o);
}

/*
 * stamp --tlv: the TLVs to send, in order, as the API's "tlvs", separated
 * by commas: "padding[:LENGTH]" (Extra Padding of LENGTH octets, 0 by
 * default), "timestamp_info", "cos[:DSCP]" (Class of Service, DSCP1 the
 * task's -Q by default) and "NUMBER[:LENGTH]" (a TLV by its type number,
 * 1 to 255).  The daemon checks what each type takes and how many fit.
 */
static json_t *
tlvs_body(const char *list)
{
	json_t		*a, *o;
	const char	*errstr;
	char		*copy, *p, *w, *v;
	long long	 n;

	if ((copy = strdup(list)) == NULL)
		err(1, NULL);
	if ((a = json_array()) == NULL)
		errx(1, "out of memory");
	p = copy;
	while ((w = strsep(&p, ",")) != NULL) {
		if ((v = strchr(w, ':')) != NULL)
			*v++ = '\0';
		if ((o = json_object()) == NULL)
			errx(1, "out of memory");
		if (*w >= '0' && *w <= '9') {
			n = strtonum(w, 1, 255, &errstr);
			if (errstr != NULL)
				errx(EXIT_USAGE, "--tlv: type number \"%s\" is "
				    "%s (1 to 255)", w, errstr);
			json_set(o, "type", json_integer(n));
		} else if (strcmp(w, "padding") == 0 || strcmp(w, "cos") == 0 ||
		    (strcmp(w, "timestamp_info") == 0 && v == NULL))
			json_set(o, "type", json_string(w));
		else
			errx(EXIT_USAGE, "--tlv: invalid TLV \"%s%s%s\": "
			    "expected padding[:LENGTH], timestamp_info, "
			    "cos[:DSCP] or NUMBER[:LENGTH]", w,
			    v != NULL ? ":" : "", v != NULL ? v : "");
		if (v != NULL && strcmp(w, "cos") == 0) {
			n = strtonum(v, 0, 63, &errstr);
			if (errstr != NULL)
				errx(EXIT_USAGE, "--tlv: cos DSCP \"%s\" is %s "
				    "(0 to 63)", v, errstr);
			json_set(o, "dscp", json_integer(n));
		} else if (v != NULL) {
			n = strtonum(v, 0, 65535, &errstr);
			if (errstr != NULL)
				errx(EXIT_USAGE, "--tlv: %s length \"%s\" "
				    "is %s (0 to 65535)", w, v, errstr);
			json_set(o, "length", json_integer(n));
		}
		if (json_array_append_new(a, o) == -1)
			errx(1, "out of memory");
	}
	free(copy);
	return (a);
}

/*
 * Thresholds, continuous tasks only: Lopa's loss_threshold and
 * latency_threshold, a rule of "thresholds" per --threshold, the webhook
 * as Lopa's alert_callback_url (lopad's webhook_url is the same field)
 * and its webhook_secret, read from a file.  What the daemon would
 * refuse anyway is refused here with the option's name: a rule given
 * twice (one of Lopa's two is a rule too), one-way metrics outside
 * twamp and stamp, a webhook without thresholds, a secret without
 * webhook.
 */
static void
alerts_body(json_t *o, const struct parse_result *res, const char *type,
    int cont)
{
	static const struct {
		enum arg_slot	 slot;
		const char	*name;
	} opts[] = {
		{ ARG_LOSS_THRESHOLD,		"--loss-threshold" },
		{ ARG_LATENCY_THRESHOLD,	"--latency-threshold" },
		{ ARG_THRESHOLD,		"--threshold" },
		{ ARG_WEBHOOK,			"--webhook" },
		{ ARG_SECRET_FILE,		"--webhook-secret-file" },
	};
	const struct parse_arg	*a = res->args;
	const char		*url;
	size_t			 i;
	int			 tw;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (a[opts[i].slot].set && !cont)
			errx(EXIT_USAGE, "%s applies to continuous tasks only "
			    "(--continuous or --mode continuous)",
			    opts[i].name);
	if (a[ARG_WEBHOOK].set && !a[ARG_THRESHOLD].set &&
	    !a[ARG_LOSS_THRESHOLD].set && !a[ARG_LATENCY_THRESHOLD].set)
		errx(EXIT_USAGE, "--webhook receives the notifications of "
		    "thresholds: give --threshold, --loss-threshold or "
		    "--latency-threshold too");
	if (a[ARG_SECRET_FILE].set && !a[ARG_WEBHOOK].set)
		errx(EXIT_USAGE, "--webhook-secret-file signs the webhook's "
		    "notifications: give --webhook too");

	if (a[ARG_LOSS_THRESHOLD].set)
		json_set(o, "loss_threshold",
		    json_real(a[ARG_LOSS_THRESHOLD].frac));
	if (a[ARG_LATENCY_THRESHOLD].set)
		json_set(o, "latency_threshold",
		    json_integer(a[ARG_LATENCY_THRESHOLD].dur));
	tw = strcmp(type, "twamp") == 0 || strcmp(type, "stamp") == 0;
	if (a[ARG_THRESHOLD].set)
		json_set(o, "thresholds", rules_body(res, tw,
		    strcmp(type, "passive") == 0));

	if (a[ARG_WEBHOOK].set) {
		url = a[ARG_WEBHOOK].str;
		if ((strncasecmp(url, "http://", 7) != 0 || url[7] == '\0') &&
		    (strncasecmp(url, "https://", 8) != 0 || url[8] == '\0'))
			errx(EXIT_USAGE, "--webhook %s: not an http or https "
			    "URL", url);
		json_set(o, "alert_callback_url", json_string(url));
	}
	if (a[ARG_SECRET_FILE].set)
		secret_body(o, a[ARG_SECRET_FILE].str);
}

/* "thresholds": a rule per --threshold, by metric. */
static json_t *
rules_body(const struct parse_result *res, int tw, int pv)
{
	const struct parse_arg	*a = res->args;
	const char		*spec;
	struct threshold	 th;
	json_t			*rules;
	char			 why[256];
	size_t			 i;

	if ((rules = json_object()) == NULL)
		errx(1, "out of memory");
	for (i = 0; i < a[ARG_THRESHOLD].n; i++) {
		spec = a[ARG_THRESHOLD].strv[i];
		if (threshold_parse(spec, &th, why, sizeof(why)) == -1)
			errx(EXIT_USAGE, "--threshold %s: %s", spec, why);
		if (th.oneway && !tw)
			errx(EXIT_USAGE, "--threshold %s: only twamp and stamp "
			    "measure one-way delays", spec);
		if (th.rate != pv)
			errx(EXIT_USAGE, "--threshold %s: %s", spec, pv ?
			    "a passive task's metrics are bps_in, bps_out, "
			    "pps_in, pps_out, errors_in_rate, errors_out_rate, "
			    "drops_in_rate and drops_out_rate" : "a rate of "
			    "interface counters: passive tasks only");
		if (json_object_get(rules, th.metric) != NULL)
			errx(EXIT_USAGE, "--threshold: two rules for %s",
			    th.metric);
		if (strcmp(th.metric, "loss") == 0 &&
		    a[ARG_LOSS_THRESHOLD].set)
			errx(EXIT_USAGE, "--loss-threshold is the rule "
			    "loss:above:LEVEL: give it or --threshold %s", spec);
		if (strcmp(th.metric, "rtt_avg") == 0 &&
		    a[ARG_LATENCY_THRESHOLD].set)
			errx(EXIT_USAGE, "--latency-threshold is the rule "
			    "rtt_avg:above:LEVEL: give it or --threshold %s",
			    spec);
		json_set(rules, th.metric, rule_json(&th));
	}
	return (rules);
}

/* One rule as the API takes it; what was not given is left out. */
static json_t *
rule_json(const struct threshold *th)
{
	json_t	*r;

	if ((r = json_object()) == NULL)
		errx(1, "out of memory");
	json_set(r, th->below ? "below" : "above", level_json(th, th->level));
	if (th->has_clear)
		json_set(r, "clear", level_json(th, th->clear));
	if (th->for_n != 0)
		json_set(r, "for", json_integer(th->for_n));
	if (th->clear_for != 0)
		json_set(r, "clear_for", json_integer(th->clear_for));
	if (th->min_samples != 0)
		json_set(r, "min_samples", json_integer(th->min_samples));
	if (th->has_repeat)
		json_set(r, "repeat", json_integer(th->repeat));
	return (r);
}

/* A level as the API takes it: a fraction, or integer nanoseconds. */
static json_t *
level_json(const struct threshold *th, double v)
{
	return (th->time ? json_integer((json_int_t)v) : json_real(v));
}

/*
 * --webhook-secret-file: the secret from its file (as --token-file's
 * token) into "webhook_secret"; our copy wiped.  The daemon takes
 * printable text of fewer than TASK_SECRETLEN bytes.
 */
void
secret_body(json_t *o, const char *path)
{
	json_t			*v;
	const unsigned char	*p;
	char			*secret;

	secret = secret_read(path, "webhook secret", TASK_SECRETLEN - 1);
	for (p = (const unsigned char *)secret; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			errx(EXIT_USAGE, "%s: webhook secret contains a "
			    "control character", path);
	if ((v = json_string(secret)) == NULL)
		errx(EXIT_USAGE, "%s: webhook secret is not UTF-8", path);
	explicit_bzero(secret, strlen(secret));
	free(secret);
	json_set(o, "webhook_secret", v);
}

/*
 * The secret in the body, once sent, wiped before the body is freed:
 * jansson's copy is ours to overwrite (it is never a literal).
 */
void
secret_wipe(json_t *body)
{
	json_t	*v;

	v = json_object_get(body, "webhook_secret");
	if (json_is_string(v))
		explicit_bzero((char *)json_string_value(v),
		    json_string_length(v));
}

/* POST the task; its id into p, or the exit status of the failure. */
static int
create(struct probe *p, json_t *body)
{
	struct http_resp	 resp;
	char			 path[64], perr[1024], *text;
	json_t			*j, *id;
	int			 rc;

	snprintf(path, sizeof(path), "/api/v1/tasks/%s", p->type);
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		errx(1, "out of memory");
	rc = http_request(&p->ctl->conn, "POST", path, text, TIMEOUT_SHORT,
	    &resp, perr, sizeof(perr));
	explicit_bzero(text, strlen(text));	/* webhook_secret */
	free(text);
	if (rc == -1)
		errx(EXIT_DAEMON, "%s: %s", p->ctl->where, perr);
	j = answer_json(&resp);
	if (resp.status < 200 || resp.status >= 300) {
		rc = api_error(p->ctl, "POST", path, &resp, j);
		json_decref(j);
		http_resp_free(&resp);
		return (rc);
	}
	id = json_object_get(j, "id");
	if (!json_is_string(id) || json_string_length(id) == 0 ||
	    strlen(json_string_value(id)) != json_string_length(id))
		errx(EXIT_DAEMON, "%s: POST %s: answer has no task id",
		    p->ctl->where, path);
	if ((p->id = strdup(json_string_value(id))) == NULL ||
	    (p->idpath = http_escape(p->id)) == NULL)
		err(1, NULL);
	if (p->continuous && !(p->res->flags & F_FOLLOW))
		p->ctl->out->task_created(&resp, j);
	json_decref(j);
	http_resp_free(&resp);
	return (0);
}

int
probe_run(struct ctl *ctl, const struct parse_result *res)
{
	struct probe		 p;
	struct sigaction	 sa;
	json_t			*body;
	char			 what[256];
	int			 rc;

	memset(&p, 0, sizeof(p));
	p.ctl = ctl;
	p.res = res;
	switch (res->action) {
	case TCP:
		p.type = "tcp";
		break;
	case UDP:
		p.type = "udp";
		break;
	case TWAMP:
		p.type = "twamp";
		p.tw = 1;
		break;
	case STAMP:
		p.type = "stamp";
		p.tw = 1;
		break;
	default:
		p.type = "ping";
		break;
	}
	p.quiet = (res->flags & F_QUIET) != 0;
	body = request_body(res, p.type, &p.continuous, what, sizeof(what));

	/* From now on the first Ctrl-C stops the task, not lopactl. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1)
		err(1, "sigaction");

	rc = create(&p, body);
	secret_wipe(body);
	json_decref(body);
	if (rc != 0 || (p.continuous && !(res->flags & F_FOLLOW))) {
		free(p.id);
		free(p.idpath);
		return (rc);
	}
	ctl->out->probe_start(p.type, res->args[ARG_TARGET].str, p.id, what);
	rc = finish(&p);
	json_decref(p.summary);
	free(p.summary_text);
	free(p.id);
	free(p.idpath);
	return (rc);
}

/* Follow the stream, then print the summary; the exit status. */
static int
finish(struct probe *p)
{
	struct http_stream_ops	 ops;
	struct http_resp	 resp;
	struct sigaction	 sa;
	char			 path[512], perr[1024], b[LOPA_ERRLEN];
	json_t			*total, *j;
	int			 rc;

	sse_init(&p->sse, HTTP_MAX_BODY, on_event, p);
	ops.data = on_data;
	ops.tick = on_tick;
	ops.arg = p;
	snprintf(path, sizeof(path), "/api/v1/tasks/%s/stream", p->idpath);
	rc = http_stream(&p->ctl->conn, path, &ops, &resp, perr,
	    sizeof(perr));
	if (rc == -1 && p->sse.error != NULL)
		warnx("task %s: stream: %s", p->id, p->sse.error);
	else if (rc == -1)
		warnx("task %s: stream: %s", p->id, perr);
	sse_free(&p->sse);
	if (rc == 0 && resp.status != 200 && resp.status != 0) {
		j = answer_json(&resp);
		rc = api_error(p->ctl, "GET", path, &resp, j);
		json_decref(j);
		/* the task runs on unless it is gone */
		if (resp.status != 404 && !p->stopping)
			stop_task(p);
		http_resp_free(&resp);
		return (rc);
	}
	if (rc == 0)
		http_resp_free(&resp);

	/*
	 * After a Ctrl-C, another ends lopactl as usual; a task that ended
	 * by itself keeps the handler: a Ctrl-C now changes nothing.
	 */
	if (interrupted) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
	}

	if (p->detached) {
		warnx("task %s left running: \"lopactl task stop %s\" stops "
		    "it", p->id, p->id);
		return (0);
	}
	if (p->summary == NULL && (rc = fetch_result(p)) != 0)
		return (rc);
	p->ctl->out->summary(p->summary, p->summary_text, p->summary_len);
	fflush(stdout);		/* the summary before any message about it */
	fmt_str(p->summary, "status", path, sizeof(path));
	if (strcmp(path, "pending") == 0 || strcmp(path, "running") == 0)
		warnx("task %s is still %s", p->id, path);
	else if (json_is_string(json_object_get(p->summary, "error")))
		warnx("task %s %s: %s", p->id,
		    fmt_str(p->summary, "status", path, sizeof(path)),
		    fmt_str(p->summary, "error", b, sizeof(b)));
	total = json_object_get(p->summary, "total");
	/*
	 * A port unreachable answers a ping, tcp or udp probe (the target
	 * is there), but no reflector answered a twamp or stamp one.
	 */
	if (p->tw)
		return (fmt_int(total, "received") - fmt_int(total,
		    "refused") > 0 ? 0 : EXIT_LOST);
	if (fmt_int(total, "received") > 0 || fmt_int(total, "refused") > 0)
		return (0);
	return (EXIT_LOST);
}

/* GET the task when the stream ended without its summary. */
static int
fetch_result(struct probe *p)
{
	struct http_resp	 resp;
	char			 path[512], perr[1024];
	json_t			*j;
	int			 rc;

	snprintf(path, sizeof(path), "/api/v1/tasks/%s", p->idpath);
	if (http_request(&p->ctl->conn, "GET", path, NULL, TIMEOUT_SHORT,
	    &resp, perr, sizeof(perr)) == -1)
		errx(EXIT_DAEMON, "%s: %s", p->ctl->where, perr);
	j = answer_json(&resp);
	if (resp.status != 200) {
		rc = api_error(p->ctl, "GET", path, &resp, j);
		json_decref(j);
		http_resp_free(&resp);
		return (rc);
	}
	if (!json_is_object(j))
		errx(EXIT_DAEMON, "%s: GET %s: answer is not a task",
		    p->ctl->where, path);
	p->summary = j;
	p->summary_text = resp.body;
	p->summary_len = resp.len;
	resp.body = NULL;
	http_resp_free(&resp);
	return (0);
}

static int
on_data(void *arg, const char *buf, size_t len)
{
	struct probe	*p = arg;

	return (sse_feed(&p->sse, buf, len));
}

/*
 * Between reads: the summary ends the stream; Ctrl-C stops the task (or
 * detaches from a continuous one) and bounds the wait for the summary.
 */
static int
on_tick(void *arg)
{
	struct probe	*p = arg;

	if (p->summary != NULL)
		return (1);
	if (interrupted == 0)
		return (0);
	if (p->continuous) {
		p->detached = 1;
		return (1);
	}
	if (!p->stopping) {
		stop_task(p);
		p->deadline = time(NULL) + STOP_WAIT;
		return (0);
	}
	return (interrupted > 1 || time(NULL) >= p->deadline);
}

/* POST stop; a task that already ended (409) is no error here. */
static void
stop_task(struct probe *p)
{
	struct http_resp	 resp;
	char			 path[512], perr[1024];
	json_t			*j;

	p->stopping = 1;
	snprintf(path, sizeof(path), "/api/v1/tasks/%s/stop", p->idpath);
	if (http_request(&p->ctl->conn, "POST", path, NULL, TIMEOUT_SHORT,
	    &resp, perr, sizeof(perr)) == -1) {
		warnx("task %s: stop: %s: %s", p->id, p->ctl->where, perr);
		return;
	}
	if (resp.status >= 300 && resp.status != 409) {
		j = answer_json(&resp);
		api_error(p->ctl, "POST", path, &resp, j);
		json_decref(j);
	}
	http_resp_free(&resp);
}

/* Whether this probe's decision was printed already (and remember it). */
static int
seen_before(struct probe *p, json_t *ev)
{
	json_t		*kind;
	uint64_t	 key;
	size_t		 i, n;

	kind = json_object_get(ev, "kind");
	if (!json_is_integer(json_object_get(ev, "seq")) ||
	    !json_is_string(kind))
		return (0);
	/* several duplicates of one probe are real */
	if (strcmp(json_string_value(kind), "probe") == 0)
		key = 1ULL << 32;
	else if (strcmp(json_string_value(kind), "late") == 0)
		key = 2ULL << 32;
	else
		return (0);
	key |= (uint32_t)json_integer_value(json_object_get(ev, "seq"));
	n = p->nseen < DEDUP_RING ? p->nseen : DEDUP_RING;
	for (i = 0; i < n; i++)
		if (p->seen[i] == key)
			return (1);
	p->seen[p->nseen++ % DEDUP_RING] = key;
	return (0);
}

static int
on_event(void *arg, const char *event, const char *data, size_t len)
{
	struct probe	*p = arg;
	json_error_t	 jerr;
	json_t		*j;

	if (strcmp(event, "deleted") == 0) {
		warnx("task %s was deleted", p->id);
		return (0);
	}
	/* state: the summary follows a final one */
	if (strcmp(event, "probe") != 0 && strcmp(event, "summary") != 0 &&
	    strcmp(event, "dropped") != 0 && strcmp(event, "alert") != 0)
		return (0);
	if ((j = json_loadb(data, len, 0, &jerr)) == NULL) {
		warnx("task %s: %s event is not JSON: %s", p->id, event,
		    jerr.text);
		return (0);
	}
	if (strcmp(event, "summary") == 0) {
		if (p->summary != NULL || !json_is_object(j)) {
			json_decref(j);
			return (0);
		}
		p->summary = j;
		if ((p->summary_text = malloc(len + 1)) == NULL)
			err(1, NULL);
		memcpy(p->summary_text, data, len + 1);
		p->summary_len = len;
		return (0);
	}
	/* a threshold's notification: shown with -q too */
	if (strcmp(event, "alert") == 0) {
		p->ctl->out->alert(j, data, len);
		json_decref(j);
		return (0);
	}
	if (strcmp(event, "dropped") == 0) {
		/* the daemon's buffer for us was full: we read too slowly */
		warnx("task %s: %lld probe events dropped", p->id,
		    (long long)fmt_int(j, "dropped"));
		json_decref(j);
		return (0);
	}
	if (!p->quiet && !seen_before(p, j))
		p->ctl->out->probe(j, data, len);
	json_decref(j);
	return (0);
}

/*
 * monitor, events: GET /api/v1/events, a line per event as it comes,
 * until Ctrl-C (exit 0) or the end of the stream: the daemon went away
 * (exit 3).
 */
struct watch {
	struct ctl	*ctl;
	struct sse	 sse;
};

int
monitor_run(struct ctl *ctl, const struct parse_result *res)
{
	static const char	 path[] = "/api/v1/events";
	struct watch		 w;
	struct http_stream_ops	 ops;
	struct http_resp	 resp;
	struct sigaction	 sa;
	char			 perr[1024];
	json_t			*j;
	int			 rc;

	memset(&w, 0, sizeof(w));
	w.ctl = ctl;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1)
		err(1, "sigaction");

	sse_init(&w.sse, HTTP_MAX_BODY, watch_event, &w);
	ops.data = watch_data;
	ops.tick = watch_tick;
	ops.arg = &w;
	rc = http_stream(&ctl->conn, path, &ops, &resp, perr, sizeof(perr));
	if (rc == -1 && w.sse.error != NULL)
		strlcpy(perr, w.sse.error, sizeof(perr));
	sse_free(&w.sse);
	if (interrupted) {
		if (rc == 0)
			http_resp_free(&resp);
		return (0);
	}
	if (rc == -1)
		errx(EXIT_DAEMON, "%s: GET %s: %s", ctl->where, path, perr);
	if (resp.status != 200) {
		j = answer_json(&resp);
		rc = api_error(ctl, "GET", path, &resp, j);
		json_decref(j);
		http_resp_free(&resp);
		return (rc);
	}
	http_resp_free(&resp);
	warnx("%s: the daemon ended the event stream", ctl->where);
	return (EXIT_DAEMON);
}

static int
watch_data(void *arg, const char *buf, size_t len)
{
	struct watch	*w = arg;

	return (sse_feed(&w->sse, buf, len));
}

static int
watch_tick(void *arg)
{
	return (interrupted > 0);
}

static int
watch_event(void *arg, const char *event, const char *data, size_t len)
{
	struct watch	*w = arg;
	json_error_t	 jerr;
	json_t		*j;

	if ((j = json_loadb(data, len, 0, &jerr)) == NULL) {
		warnx("%s event is not JSON: %s", event, jerr.text);
		return (0);
	}
	w->ctl->out->event(event, j, data, len);
	json_decref(j);
	return (0);
}

/*
 * passive IFACE [IFACE ...]: the counters of interfaces, as a task
 * (POST /api/v1/tasks/passive).  It has no event stream: its result is
 * polled (GET /api/v1/tasks/ID) every half interval, PV_POLL_MIN to
 * PV_POLL_MAX apart.  A duration task's rounds (one per interval) are
 * printed as they appear, then the totals at its end; a continuous task
 * is followed with -f only: a line per interface at each new read (its
 * "reads" counter), with each interface's last interval when the read
 * closed one (its "round" counter moved), else only the interfaces that
 * were not found.
 *
 * Ctrl-C as for the probe commands: a duration task is stopped, its
 * totals printed once it ended (waiting up to STOP_WAIT seconds, a
 * second Ctrl-C waits no more); a continuous task is left running.  A
 * duration task that has not ended PV_SLACK after its end is given up.
 */
#define PV_POLL_MIN	(50LL * 1000 * 1000)
#define PV_POLL_MAX	(500LL * 1000 * 1000)
#define PV_SLACK	(10LL * 1000 * 1000 * 1000)
#define PV_NS		(1000LL * 1000 * 1000)

struct passive {
	struct probe	 p;		/* ctl, res, id, idpath, stopping */
	int64_t		 interval;
	int64_t		 span;		/* the duration, or the window */
	char		 ifaces[TASK_TARGETLEN];
	int		 width;		/* the INTERFACE column */
	int64_t		 printed;	/* duration: the last round shown */
	int64_t		 reads;		/* continuous: reads seen */
	int64_t		 intervals;	/* continuous: intervals seen */
	json_t		*res;		/* the last result */
	struct http_resp resp;		/* and its answer */
	int		 have_resp;
};

static json_t	*passive_body(const struct parse_result *, struct passive *,
		    char *, size_t);
static int	 passive_get(struct passive *);
static void	 passive_show(struct passive *);
static int	 passive_final(json_t *);
static int64_t	 mono_ns(void);
static void	 nap(int64_t);

static int64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * PV_NS + ts.tv_nsec);
}

/* Sleep ns, or less when a signal comes. */
static void
nap(int64_t ns)
{
	struct timespec	 ts;

	if (ns <= 0)
		return;
	ts.tv_sec = ns / PV_NS;
	ts.tv_nsec = ns % PV_NS;
	nanosleep(&ts, NULL);
}

/*
 * The creation body: the interfaces (ours, "interfaces"), the mode, what
 * was given of the interval, duration or window, name, labels.  What the
 * daemon would refuse is refused here when an option can be named.
 */
static json_t *
passive_body(const struct parse_result *res, struct passive *pv,
    char *what, size_t wlen)
{
	const struct parse_arg	*a = res->args;
	const struct parse_arg	*ifs = &a[ARG_IFACE];
	const char		*opt, *s, *word;
	json_t			*o, *list, *v;
	char			 d[64], w[64];
	size_t			 i, k;
	int			 cont;

	cont = (res->flags & F_CONTINUOUS) != 0;
	if (cont && a[ARG_MODE].set &&
	    strcmp(a[ARG_MODE].str, "continuous") != 0)
		errx(EXIT_USAGE, "--continuous and --mode %s are mutually "
		    "exclusive", a[ARG_MODE].str);
	if (a[ARG_MODE].set)
		cont = strcmp(a[ARG_MODE].str, "continuous") == 0;
	if (!cont && a[ARG_WINDOW].set)
		errx(EXIT_USAGE, "-W applies to continuous tasks only "
		    "(--continuous or --mode continuous); -w is a duration "
		    "task's length");
	if (cont && a[ARG_WINDOW].set && a[ARG_DURATION].set)
		errx(EXIT_USAGE, "-w and -W are both the window of a "
		    "continuous task: give one");
	if (a[ARG_INTERVAL].set && a[ARG_INTERVAL].dur != 0 &&
	    a[ARG_INTERVAL].dur < TASK_PASSIVE_MIN_INTERVAL)
		errx(EXIT_USAGE, "-i %s: too short (minimum 100ms; 0 is the "
		    "default, 10s)", a[ARG_INTERVAL].str);
	pv->p.continuous = cont;
	pv->interval = a[ARG_INTERVAL].set && a[ARG_INTERVAL].dur != 0 ?
	    a[ARG_INTERVAL].dur : TASK_PASSIVE_INTERVAL;
	if (cont && a[ARG_WINDOW].set) {
		opt = "-W";
		pv->span = a[ARG_WINDOW].dur;
	} else if (a[ARG_DURATION].set) {
		opt = "-w";
		pv->span = a[ARG_DURATION].dur;
	} else {
		opt = NULL;
		pv->span = cont ? TASK_DEF_WINDOW : TASK_PASSIVE_DURATION;
	}
	duration_format(pv->interval, d, sizeof(d));
	duration_format(pv->span, w, sizeof(w));
	/* the option's word as given in messages */
	if (opt == NULL)
		word = w;
	else
		word = a[strcmp(opt, "-W") == 0 ? ARG_WINDOW :
		    ARG_DURATION].str;
	if (pv->span < pv->interval)
		errx(EXIT_USAGE, "%s%s%s is shorter than the interval %s",
		    opt != NULL ? opt : cont ? "the default window " :
		    "the default duration ", opt != NULL ? " " : "", word, d);
	if (pv->span / pv->interval > TASK_PASSIVE_MAXIVALS)
		errx(EXIT_USAGE, "%s%s%s: more than %d intervals of %s: make "
		    "the interval (-i) longer", opt != NULL ? opt : cont ?
		    "the default window " : "the default duration ",
		    opt != NULL ? " " : "", word, TASK_PASSIVE_MAXIVALS, d);

	if ((o = json_object()) == NULL || (list = json_array()) == NULL)
		errx(1, "out of memory");
	for (i = 0; i < ifs->n; i++) {
		s = ifs->strv[i];
		if (strlen(s) >= TASK_IFNAMELEN)
			errx(EXIT_USAGE, "%s: longer than %d bytes: not an "
			    "interface name", s, TASK_IFNAMELEN - 1);
		if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
		    strpbrk(s, ",/: \t") != NULL)
			errx(EXIT_USAGE, "%s: not an interface name", s);
		for (k = 0; k < i; k++)
			if (strcmp(s, ifs->strv[k]) == 0)
				errx(EXIT_USAGE, "%s: interface given twice",
				    s);
		if (json_array_append_new(list, json_string(s)) == -1)
			errx(EXIT_USAGE, "%s: not UTF-8", s);
		if (i > 0)
			strlcat(pv->ifaces, ",", sizeof(pv->ifaces));
		strlcat(pv->ifaces, s, sizeof(pv->ifaces));
	}
	json_set(o, "interfaces", list);
	json_set(o, "mode", json_string(cont ? "continuous" : "duration"));
	if (a[ARG_INTERVAL].set)
		json_set(o, "interval", json_integer(a[ARG_INTERVAL].dur));
	if (opt != NULL)
		json_set(o, cont ? "window" : "duration",
		    json_integer(pv->span));
	if (a[ARG_NAME].set) {
		if ((v = json_string(a[ARG_NAME].str)) == NULL)
			errx(EXIT_USAGE, "--name %s: not UTF-8",
			    a[ARG_NAME].str);
		json_set(o, "name", v);
	}
	labels_body(o, res);
	alerts_body(o, res, "passive", cont);
	if (cont)
		snprintf(what, wlen, "continuous, interval %s, window %s", d,
		    w);
	else
		snprintf(what, wlen, "duration %s, interval %s", w, d);
	return (o);
}

/* Whether a task's status is final. */
static int
passive_final(json_t *res)
{
	json_t		*st;
	const char	*s;

	st = json_object_get(res, "status");
	if (!json_is_string(st))
		return (0);
	s = json_string_value(st);
	return (strcmp(s, "finished") == 0 || strcmp(s, "stopped") == 0 ||
	    strcmp(s, "failed") == 0);
}

/*
 * GET the task into pv->res: 0, or the exit status of an error answer
 * (shown).  No answer at all ends lopactl.
 */
static int
passive_get(struct passive *pv)
{
	struct http_resp	 resp;
	char			 path[512], perr[1024];
	json_t			*j;
	int			 rc;

	snprintf(path, sizeof(path), "/api/v1/tasks/%s", pv->p.idpath);
	if (http_request(&pv->p.ctl->conn, "GET", path, NULL, TIMEOUT_SHORT,
	    &resp, perr, sizeof(perr)) == -1)
		errx(EXIT_DAEMON, "%s: %s", pv->p.ctl->where, perr);
	j = answer_json(&resp);
	if (resp.status != 200) {
		if (resp.status == 404)
			warnx("task %s is gone (deleted)", pv->p.id);
		rc = api_error(pv->p.ctl, "GET", path, &resp, j);
		json_decref(j);
		http_resp_free(&resp);
		return (rc);
	}
	if (!json_is_object(j))
		errx(EXIT_DAEMON, "%s: GET %s: answer is not a task",
		    pv->p.ctl->where, path);
	json_decref(pv->res);
	if (pv->have_resp)
		http_resp_free(&pv->resp);
	pv->res = j;
	pv->resp = resp;
	pv->have_resp = 1;
	return (0);
}

/* What the last result has that was not shown yet. */
static void
passive_show(struct passive *pv)
{
	const struct output	*out = pv->p.ctl->out;
	json_t			*r;
	size_t			 i;
	int64_t			 reads, n;

	if (!pv->p.continuous) {
		json_array_foreach(json_object_get(pv->res, "rounds"), i, r) {
			if (fmt_int(r, "index") <= pv->printed)
				continue;
			out->passive_round(r, pv->res, pv->width);
			pv->printed = fmt_int(r, "index");
		}
		return;
	}
	reads = fmt_int(pv->res, "reads");
	if (reads <= pv->reads)
		return;
	n = fmt_int(pv->res, "round");
	if (n > pv->intervals + 1 && pv->intervals > 0)
		warnx("task %s: %lld intervals not shown (read too slowly)",
		    pv->p.id, (long long)(n - pv->intervals - 1));
	out->passive_read(pv->res, pv->width, n > pv->intervals);
	pv->reads = reads;
	pv->intervals = n;
}

int
passive_run(struct ctl *ctl, const struct parse_result *res)
{
	struct passive		 pv;
	struct sigaction	 sa;
	json_t			*body;
	char			 what[256], st[32], e[LOPA_ERRLEN];
	int64_t			 poll, end = 0;
	size_t			 i;
	int			 rc, gaveup = 0;

	memset(&pv, 0, sizeof(pv));
	pv.p.ctl = ctl;
	pv.p.res = res;
	pv.p.type = "passive";
	body = passive_body(res, &pv, what, sizeof(what));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1)
		err(1, "sigaction");

	rc = create(&pv.p, body);
	json_decref(body);
	if (rc != 0 || (pv.p.continuous && !(res->flags & F_FOLLOW)))
		goto done;

	/* the INTERFACE column: as wide as the longest name */
	pv.width = 9;
	for (i = 0; i < res->args[ARG_IFACE].n; i++)
		if ((int)strlen(res->args[ARG_IFACE].strv[i]) > pv.width)
			pv.width = (int)strlen(res->args[ARG_IFACE].strv[i]);
	ctl->out->passive_start(pv.ifaces, pv.p.id, what, pv.width);

	poll = pv.interval / 2;
	if (poll < PV_POLL_MIN)
		poll = PV_POLL_MIN;
	if (poll > PV_POLL_MAX)
		poll = PV_POLL_MAX;
	if (!pv.p.continuous)
		end = mono_ns() + pv.span + (PV_SLACK > 2 * pv.interval ?
		    PV_SLACK : 2 * pv.interval);
	for (;;) {
		if ((rc = passive_get(&pv)) != 0)
			goto done;
		passive_show(&pv);
		if (passive_final(pv.res))
			break;
		if (interrupted && pv.p.continuous) {
			warnx("task %s left running: \"lopactl task stop %s\" "
			    "stops it", pv.p.id, pv.p.id);
			rc = 0;
			goto done;
		}
		if (interrupted && !pv.p.stopping) {
			stop_task(&pv.p);
			end = mono_ns() + STOP_WAIT * PV_NS;
			continue;
		}
		if ((interrupted > 1 || (end != 0 && mono_ns() >= end))) {
			gaveup = 1;
			break;
		}
		nap(poll);
	}

	/*
	 * After a Ctrl-C, another ends lopactl as usual; a task that ended
	 * by itself keeps the handler: a Ctrl-C now changes nothing.
	 */
	if (interrupted) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
	}

	ctl->out->passive_summary(pv.res, pv.resp.body, pv.resp.len);
	fflush(stdout);
	fmt_str(pv.res, "status", st, sizeof(st));
	rc = 0;
	if (gaveup || !passive_final(pv.res)) {
		warnx("task %s is still %s", pv.p.id, st);
		rc = EXIT_LOST;
	} else if (strcmp(st, "failed") == 0) {
		warnx("task %s failed: %s", pv.p.id,
		    fmt_str(pv.res, "error", e, sizeof(e)));
		rc = EXIT_LOST;
	} else if (json_is_string(json_object_get(pv.res, "error")))
		warnx("task %s %s: %s", pv.p.id, st,
		    fmt_str(pv.res, "error", e, sizeof(e)));
done:
	json_decref(pv.res);
	if (pv.have_resp)
		http_resp_free(&pv.resp);
	free(pv.p.id);
	free(pv.p.idpath);
	return (rc);
}
