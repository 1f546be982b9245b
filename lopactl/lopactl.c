/*
 * lopactl: control lopad through its REST API.
 *
 *	lopactl [-hj] [-H url | -s socket] [--token-file file] command ...
 *
 * Global options come before the command (as with bgpctl).  The command
 * words are parsed by the token tables of parser.c; each action maps to
 * one request in commands[] below and to one method of the output
 * vtable, or to a function that makes several (ping, tcp, udp, twamp,
 * stamp, passive, and monitor, which follows the daemon's event stream:
 * probe.c)
 * or sends a body (monitor add and update, below), or asks for text
 * rather than JSON (metrics, below: the Prometheus exposition).
 * Exit status: 0 success, 1 a measurement got no answer, 2 usage or a
 * request the API refused as bad (4xx), 3 daemon unreachable, 401/403,
 * 5xx.
 */
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "fmt.h"
#include "http.h"
#include "lopactl.h"
#include "lopad.h"
#include "output.h"
#include "parser.h"

#define CTL_TOKEN_MAX	4096
#define IFNAME_SIZE	16	/* IFNAMSIZ: a name and its NUL */
#define MONITOR_LAST	20LL	/* monitor events: Lopa's default --last */
#define SHOW_EVENTS	10	/* monitor show: the last events */

/* GET /metrics, outside the API's /api/v1, in either format. */
#define METRICS_PATH	"/metrics"
#define ACCEPT_PROM	"text/plain; version=0.0.4"
#define ACCEPT_OM	"application/openmetrics-text; version=1.0.0"

/*
 * One request per command: path may hold one "%s", the task's id; the
 * query arguments that are set are added to it.  run, when set, does the
 * whole command instead.
 */
struct command {
	enum actions	 action;
	const char	*method;
	const char	*path;
	void		(*show)(const struct ctl *, const struct http_resp *,
			    json_t *, const struct parse_result *);
	int		(*run)(struct ctl *, const struct parse_result *);
};

static void	 show_status(const struct ctl *, const struct http_resp *,
		    json_t *, const struct parse_result *);
static void	 show_reload(const struct ctl *, const struct http_resp *,
		    json_t *, const struct parse_result *);
static void	 show_reflector(const struct ctl *,
		    const struct http_resp *, json_t *,
		    const struct parse_result *);
static void	 show_task_list(const struct ctl *, const struct http_resp *,
		    json_t *, const struct parse_result *);
static void	 show_task(const struct ctl *, const struct http_resp *,
		    json_t *, const struct parse_result *);
static void	 show_task_stop(const struct ctl *, const struct http_resp *,
		    json_t *, const struct parse_result *);
static void	 show_task_delete(const struct ctl *,
		    const struct http_resp *, json_t *,
		    const struct parse_result *);
static void	 show_monitor_list(const struct ctl *,
		    const struct http_resp *, json_t *,
		    const struct parse_result *);
static void	 show_monitor_events(const struct ctl *,
		    const struct http_resp *, json_t *,
		    const struct parse_result *);
static void	 show_monitor_delete(const struct ctl *,
		    const struct http_resp *, json_t *,
		    const struct parse_result *);
static int	 monitor_add(struct ctl *, const struct parse_result *);
static int	 monitor_update(struct ctl *, const struct parse_result *);
static int	 monitor_show(struct ctl *, const struct parse_result *);
static int	 monitor_events(struct ctl *, const struct parse_result *);
static int	 show_interfaces(struct ctl *, const struct parse_result *);
static int	 show_routes(struct ctl *, const struct parse_result *);
static int	 metrics_run(struct ctl *, const struct parse_result *);
static int	 get_list(struct ctl *, const char *, json_t **);
static json_t	*links_quiet(struct ctl *);
static int	 route_wanted(json_t *, long long, const char *, int);

static const struct command commands[] = {
	{ STATUS, "GET", "/api/v1/status", show_status, NULL },
	{ RELOAD, "POST", "/api/v1/reload", show_reload, NULL },
	{ PING, NULL, NULL, NULL, probe_run },
	{ TCP, NULL, NULL, NULL, probe_run },
	{ UDP, NULL, NULL, NULL, probe_run },
	{ TWAMP, NULL, NULL, NULL, probe_run },
	{ STAMP, NULL, NULL, NULL, probe_run },
	{ PASSIVE, NULL, NULL, NULL, passive_run },
	{ REFLECTOR, "GET", "/api/v1/reflector", show_reflector, NULL },
	{ TASK_LIST, "GET", "/api/v1/tasks", show_task_list, NULL },
	{ TASK_SHOW, "GET", "/api/v1/tasks/%s", show_task, NULL },
	{ TASK_STOP, "POST", "/api/v1/tasks/%s/stop", show_task_stop, NULL },
	{ TASK_DELETE, "DELETE", "/api/v1/tasks/%s", show_task_delete, NULL },
	{ MONITOR, NULL, NULL, NULL, monitor_run },
	{ MONITOR_ADD, NULL, NULL, NULL, monitor_add },
	{ MONITOR_LIST, "GET", "/api/v1/monitors", show_monitor_list, NULL },
	{ MONITOR_SHOW, NULL, NULL, NULL, monitor_show },
	{ MONITOR_UPDATE, NULL, NULL, NULL, monitor_update },
	{ MONITOR_DELETE, "DELETE", "/api/v1/monitors/%s",
	    show_monitor_delete, NULL },
	{ MONITOR_EVENTS, NULL, NULL, NULL, monitor_events },
	{ SHOW_INTERFACES, NULL, NULL, NULL, show_interfaces },
	{ SHOW_ROUTES, NULL, NULL, NULL, show_routes },
	{ METRICS, NULL, NULL, NULL, metrics_run },
};

/* Arguments that become query parameters ("task list type ping"). */
static const struct {
	enum arg_slot	 slot;
	const char	*name;
} query_args[] = {
	{ ARG_TYPE,	"type" },
	{ ARG_STATUS,	"status" },
	{ ARG_LAST,	"last" },
};

static void	 usage(FILE *);
static void	 pick_daemon(struct ctl *, const char *, const char *);
static void	 token_check(const char *, const char *);
static void	 hint(const struct ctl *, const char *, const char *, long);
static char	*command_path(const struct command *,
		    const struct parse_result *);
static int	 request_run(struct ctl *, const struct command *,
		    const struct parse_result *);
static int	 call(struct ctl *, const char *, const char *, json_t *,
		    struct http_resp *, json_t **);
static int	 ask(struct ctl *, const char *, const char *, char *,
		    const char *, struct http_resp *);
static json_t	*monitor_body(const struct parse_result *, int);
static void	 monitor_filter(json_t *, const struct parse_result *, int);
static void	 monitor_webhook(json_t *, const struct parse_result *, int);
static void	 monitor_enabled(json_t *, const struct parse_result *, int);
static json_t	*string_arg(const char *, const char *);
static void	 body_set(json_t *, const char *, json_t *);

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: %s [-hj] [-H url | -s socket] [--token-file file] "
	    "command [argument ...]\ncommands:\n", getprogname());
	parser_commands(parser_main(), fp, "\t");
	fprintf(fp, "aliases (Lopa's option names):\n");
	parser_aliases(parser_main(), fp, "\t");
	fprintf(fp, "threshold rules (--threshold RULE, continuous tasks):\n"
	    "\tMETRIC:above|below:LEVEL[:CLEAR[:FOR]][:NAME=VALUE ...]\n"
	    "\tMETRIC loss (LEVEL 0.05 or 5%%), rtt_avg, rtt_p99, jitter, "
	    "forward_p99,\n\tbackward_p99 (LEVEL 150ms); NAME clear, for, "
	    "clear_for, min_samples, repeat\n");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help",	no_argument,		NULL,	'h' },
		{ "token-file",	required_argument,	NULL,	'T' },
		{ NULL,		0,			NULL,	0 }
	};
	struct parse_result	 res;
	struct ctl		 ctl;
	const struct command	*cmd = NULL;
	const struct output	*out = &text_output;
	const char		*sock = NULL, *host = NULL, *tfile = NULL;
	const char		*env;
	char			*token = NULL;
	char			 perr[1024];
	size_t			 i;
	int			 ch, rc;

	/* getopt names argv[0] in its messages: "lopactl:", as ours. */
	argv[0] = (char *)getprogname();
	while ((ch = getopt_long(argc, argv, "+hH:js:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			exit(0);
		case 'H':
			host = optarg;
			break;
		case 'j':
			out = &json_output;
			break;
		case 's':
			sock = optarg;
			break;
		case 'T':
			tfile = optarg;
			break;
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;

	if (sock != NULL && host != NULL)
		errx(EXIT_USAGE, "-s and -H are mutually exclusive");
	if (argc == 0) {
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (parse(argc, argv, &res, perr, sizeof(perr)) == -1)
		errx(EXIT_USAGE, "%s", perr);
	if (res.action == HELP) {
		usage(stdout);
		exit(0);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].action == res.action)
			cmd = &commands[i];
	if (cmd == NULL)
		errx(EXIT_USAGE, "%s: command not implemented", argv[0]);

	if (res.args[ARG_ID].set && (strcmp(res.args[ARG_ID].str, ".") == 0 ||
	    strcmp(res.args[ARG_ID].str, "..") == 0))
		errx(EXIT_USAGE, "invalid ID \"%s\"", res.args[ARG_ID].str);

	memset(&ctl, 0, sizeof(ctl));
	ctl.out = out;
	pick_daemon(&ctl, sock, host);
	if (tfile != NULL) {
		token = secret_read(tfile, "token", CTL_TOKEN_MAX);
		token_check(token, tfile);
	} else if ((env = getenv("LOPA_TOKEN")) != NULL && *env != '\0') {
		if ((token = strdup(env)) == NULL)
			err(1, NULL);
		token_check(token, "LOPA_TOKEN");
	}
	ctl.conn.token = token;
	ctl.token_given = token != NULL;

	if (http_init() == -1)
		errx(1, "libcurl initialisation failed");
	if (cmd->run != NULL)
		rc = cmd->run(&ctl, &res);
	else
		rc = request_run(&ctl, cmd, &res);
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	free(ctl.base);
	return (rc);
}

/* The command's path with the task's id and the query arguments. */
static char *
command_path(const struct command *cmd, const struct parse_result *res)
{
	char	*path, *id = NULL, *v, *p;
	size_t	 i;
	char	 sep = '?';

	if (strstr(cmd->path, "%s") != NULL) {
		if ((id = http_escape(res->args[ARG_ID].str)) == NULL)
			err(1, NULL);
		p = strstr(cmd->path, "%s");
		if (asprintf(&path, "%.*s%s%s", (int)(p - cmd->path),
		    cmd->path, id, p + 2) == -1)
			err(1, NULL);
		free(id);
	} else if ((path = strdup(cmd->path)) == NULL)
		err(1, NULL);
	for (i = 0; i < sizeof(query_args) / sizeof(query_args[0]); i++) {
		if (!res->args[query_args[i].slot].set)
			continue;
		if ((v = http_escape(res->args[query_args[i].slot].str)) ==
		    NULL)
			err(1, NULL);
		p = path;
		if (asprintf(&path, "%s%c%s=%s", p, sep, query_args[i].name,
		    v) == -1)
			err(1, NULL);
		free(p);
		free(v);
		sep = '&';
	}
	return (path);
}

/* One request, its answer shown. */
static int
request_run(struct ctl *ctl, const struct command *cmd,
    const struct parse_result *res)
{
	struct http_resp	 resp;
	char			*path;
	json_t			*j;
	int			 rc;

	path = command_path(cmd, res);
	if ((rc = call(ctl, cmd->method, path, NULL, &resp, &j)) == 0) {
		cmd->show(ctl, &resp, j, res);
		json_decref(j);
		http_resp_free(&resp);
	}
	free(path);
	return (rc);
}

/*
 * One request, with a JSON body when given.  A 2xx answer: 0, the answer
 * in resp and its JSON, if any, in *j, both the caller's to free.  Else
 * the error shown, nothing to free; the exit status.
 */
static int
call(struct ctl *ctl, const char *method, const char *path, json_t *body,
    struct http_resp *resp, json_t **j)
{
	char	*text = NULL;
	int	 rc;

	*j = NULL;
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL)
		errx(1, "out of memory");
	rc = ask(ctl, method, path, text, HTTP_ACCEPT_JSON, resp);
	free(text);
	if (rc != 0)
		return (rc);
	*j = answer_json(resp);
	if (*j == NULL && resp->len > 0)
		errx(EXIT_DAEMON, "%s: %s %s: answer is not JSON", ctl->where,
		    method, path);
	return (0);
}

/*
 * One request for what accept names, with a body when text is given
 * (wiped once sent: it may hold a webhook secret).  A 2xx answer: 0 and
 * the answer in resp, the caller's to free.  Else the error shown,
 * nothing to free; the exit status.
 */
static int
ask(struct ctl *ctl, const char *method, const char *path, char *text,
    const char *accept, struct http_resp *resp)
{
	char	 perr[1024];
	json_t	*j;
	int	 rc;

	rc = http_request_accept(&ctl->conn, method, path, text, accept,
	    TIMEOUT_SHORT, resp, perr, sizeof(perr));
	if (text != NULL)
		explicit_bzero(text, strlen(text));
	if (rc == -1)
		errx(EXIT_DAEMON, "%s: %s", ctl->where, perr);
	if (resp->status >= 200 && resp->status < 300)
		return (0);
	j = answer_json(resp);
	rc = api_error(ctl, method, path, resp, j);
	json_decref(j);
	http_resp_free(resp);
	return (rc);
}

static void
show_status(const struct ctl *ctl, const struct http_resp *resp, json_t *j,
    const struct parse_result *res)
{
	ctl->out->status(resp, j);
}

static void
show_reload(const struct ctl *ctl, const struct http_resp *resp, json_t *j,
    const struct parse_result *res)
{
	ctl->out->reload(resp, j);
}

static void
show_reflector(const struct ctl *ctl, const struct http_resp *resp,
    json_t *j, const struct parse_result *res)
{
	if (!json_is_object(j) && ctl->out == &text_output)
		errx(EXIT_DAEMON, "%s: GET /api/v1/reflector: answer is not an "
		    "object", ctl->where);
	ctl->out->reflector(resp, j);
}

static void
show_task_list(const struct ctl *ctl, const struct http_resp *resp,
    json_t *j, const struct parse_result *res)
{
	if (!json_is_array(j) && ctl->out == &text_output)
		errx(EXIT_DAEMON, "%s: GET /api/v1/tasks: answer is not a "
		    "list", ctl->where);
	ctl->out->task_list(resp, j);
}

static void
show_task(const struct ctl *ctl, const struct http_resp *resp, json_t *j,
    const struct parse_result *res)
{
	if (!json_is_object(j) && ctl->out == &text_output)
		errx(EXIT_DAEMON, "%s: GET /api/v1/tasks/%s: answer is not an "
		    "object", ctl->where, res->args[ARG_ID].str);
	ctl->out->task_show(resp, j);
}

static void
show_task_stop(const struct ctl *ctl, const struct http_resp *resp,
    json_t *j, const struct parse_result *res)
{
	ctl->out->task_stop(resp, j, res->args[ARG_ID].str);
}

static void
show_task_delete(const struct ctl *ctl, const struct http_resp *resp,
    json_t *j, const struct parse_result *res)
{
	ctl->out->task_delete(resp, j, res->args[ARG_ID].str);
}

static void
show_monitor_list(const struct ctl *ctl, const struct http_resp *resp,
    json_t *j, const struct parse_result *res)
{
	if (!json_is_array(j) && ctl->out == &text_output)
		errx(EXIT_DAEMON, "%s: GET /api/v1/monitors: answer is not a "
		    "list", ctl->where);
	ctl->out->monitor_list(resp, j);
}

static void
show_monitor_events(const struct ctl *ctl, const struct http_resp *resp,
    json_t *j, const struct parse_result *res)
{
	if (!json_is_array(j) && ctl->out == &text_output)
		errx(EXIT_DAEMON, "%s: GET /api/v1/monitors/%s/events: answer "
		    "is not a list", ctl->where, res->args[ARG_ID].str);
	ctl->out->monitor_events(resp, j);
}

static void
show_monitor_delete(const struct ctl *ctl, const struct http_resp *resp,
    json_t *j, const struct parse_result *res)
{
	ctl->out->monitor_deleted(resp, j, res->args[ARG_ID].str);
}

/*
 * monitor events ID: the newest --last events, Lopa's 20 by default,
 * oldest first.
 */
static int
monitor_events(struct ctl *ctl, const struct parse_result *res)
{
	static const struct command get = {
		MONITOR_EVENTS, "GET", "/api/v1/monitors/%s/events",
		show_monitor_events, NULL
	};
	struct parse_result	 r;
	char			 last[32];

	/* the number as strtonum read it, whatever its spelling */
	r = *res;
	snprintf(last, sizeof(last), "%lld", r.args[ARG_LAST].set ?
	    r.args[ARG_LAST].num : MONITOR_LAST);
	r.args[ARG_LAST].set = 1;
	r.args[ARG_LAST].str = last;
	return (request_run(ctl, &get, &r));
}

/* monitor show ID: the monitor, then (text) its last SHOW_EVENTS events. */
static int
monitor_show(struct ctl *ctl, const struct parse_result *res)
{
	struct http_resp	 resp, eresp;
	json_t			*j, *ev = NULL;
	char			*id, *path;
	int			 rc;

	if ((id = http_escape(res->args[ARG_ID].str)) == NULL ||
	    asprintf(&path, "/api/v1/monitors/%s", id) == -1)
		err(1, NULL);
	if ((rc = call(ctl, "GET", path, NULL, &resp, &j)) != 0)
		goto done;
	if (ctl->out == &text_output) {
		if (!json_is_object(j))
			errx(EXIT_DAEMON, "%s: GET %s: answer is not an "
			    "object", ctl->where, path);
		free(path);
		if (asprintf(&path, "/api/v1/monitors/%s/events?last=%d", id,
		    SHOW_EVENTS) == -1)
			err(1, NULL);
		if ((rc = call(ctl, "GET", path, NULL, &eresp, &ev)) != 0) {
			json_decref(j);
			http_resp_free(&resp);
			goto done;
		}
		http_resp_free(&eresp);
	}
	ctl->out->monitor_show(&resp, j, ev);
	json_decref(ev);
	json_decref(j);
	http_resp_free(&resp);
 done:
	free(path);
	free(id);
	return (rc);
}

/* monitor add: POST; the new monitor's id, or with -j the monitor. */
static int
monitor_add(struct ctl *ctl, const struct parse_result *res)
{
	static const char	 path[] = "/api/v1/monitors";
	struct http_resp	 resp;
	json_t			*body, *j;
	int			 rc;

	body = monitor_body(res, 1);
	rc = call(ctl, "POST", path, body, &resp, &j);
	secret_wipe(body);
	json_decref(body);
	if (rc != 0)
		return (rc);
	if (!json_is_string(json_object_get(j, "id")) &&
	    ctl->out == &text_output)
		errx(EXIT_DAEMON, "%s: POST %s: answer has no monitor id",
		    ctl->where, path);
	ctl->out->monitor_created(&resp, j);
	json_decref(j);
	http_resp_free(&resp);
	return (0);
}

/* monitor update ID: PATCH what the options say. */
static int
monitor_update(struct ctl *ctl, const struct parse_result *res)
{
	struct http_resp	 resp;
	json_t			*body, *j;
	char			*id, *path;
	int			 rc;

	body = monitor_body(res, 0);
	if ((id = http_escape(res->args[ARG_ID].str)) == NULL ||
	    asprintf(&path, "/api/v1/monitors/%s", id) == -1)
		err(1, NULL);
	rc = call(ctl, "PATCH", path, body, &resp, &j);
	secret_wipe(body);
	json_decref(body);
	if (rc == 0) {
		ctl->out->monitor_updated(&resp, j, res->args[ARG_ID].str);
		json_decref(j);
		http_resp_free(&resp);
	}
	free(path);
	free(id);
	return (rc);
}

/*
 * GET path: 0 and a JSON array in *j (the caller's), or the error shown
 * and the exit status.
 */
static int
get_list(struct ctl *ctl, const char *path, json_t **j)
{
	struct http_resp	 resp;
	int			 rc;

	if ((rc = call(ctl, "GET", path, NULL, &resp, j)) != 0)
		return (rc);
	if (!json_is_array(*j))
		errx(EXIT_DAEMON, "%s: GET %s: answer is not a list",
		    ctl->where, path);
	http_resp_free(&resp);
	return (0);
}

/*
 * show interfaces [NAME]: every interface with its addresses and
 * counters, or those whose name matches NAME (a glob(7) pattern).  None
 * matching is no error: nothing to show (text: a message on stderr; -j:
 * an empty array), exit 0.
 */
static int
show_interfaces(struct ctl *ctl, const struct parse_result *res)
{
	const char	*pat = NULL;
	json_t		*j, *kept, *l, *name;
	char		 b[256];
	size_t		 i;
	int		 rc;

	if ((rc = get_list(ctl, "/api/v1/interfaces", &j)) != 0)
		return (rc);
	if (res->args[ARG_IFACE].set)
		pat = res->args[ARG_IFACE].str;
	if ((kept = json_array()) == NULL)
		errx(1, "out of memory");
	json_array_foreach(j, i, l) {
		name = json_object_get(l, "name");
		if (pat != NULL && (!json_is_string(name) ||
		    fnmatch(pat, json_string_value(name), 0) != 0))
			continue;
		if (json_array_append(kept, l) == -1)
			errx(1, "out of memory");
	}
	if (pat != NULL && json_array_size(kept) == 0 &&
	    ctl->out == &text_output) {
		fmt_safe(b, sizeof(b), pat, strlen(pat));
		warnx("no interface matches \"%s\"", b);
	} else
		ctl->out->interfaces(kept);
	json_decref(kept);
	json_decref(j);
	return (0);
}

/*
 * show routes [--table N|main|local|default|all] [--family inet|inet6]
 * [--kernel]: the routes of one table (main by default) or of all, of
 * both families or one, without the kernel's own (local and broadcast
 * routes, table local, fe80::/64, multicast) unless --kernel is given
 * or the table is local, which holds nothing else.
 */
static int
show_routes(struct ctl *ctl, const struct parse_result *res)
{
	static const struct {
		const char	*name;
		long long	 table;
	} tables[] = {
		{ "all", 0 }, { "default", 253 }, { "main", 254 },
		{ "local", 255 }
	};
	const struct parse_arg	*a = res->args;
	const char		*fam = NULL;
	json_t			*j, *kept, *r, *nh, *links = NULL;
	long long		 table = 254;
	size_t			 i, k;
	int			 kernel, named = 0, rc;

	if (a[ARG_TABLE].set) {
		table = a[ARG_TABLE].num;
		for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			if (strcmp(a[ARG_TABLE].str, tables[i].name) == 0)
				table = tables[i].table;
	}
	if (a[ARG_FAMILY].set) {
		fam = a[ARG_FAMILY].str;
		if (strcmp(fam, "ipv4") == 0)
			fam = "inet";
		else if (strcmp(fam, "ipv6") == 0)
			fam = "inet6";
	}
	kernel = (res->flags & F_KERNEL) || table == 255;

	if ((rc = get_list(ctl, "/api/v1/routes", &j)) != 0)
		return (rc);
	if ((kept = json_array()) == NULL)
		errx(1, "out of memory");
	json_array_foreach(j, i, r) {
		if (!route_wanted(r, table, fam, kernel))
			continue;
		if (json_array_append(kept, r) == -1)
			errx(1, "out of memory");
		json_array_foreach(json_object_get(r, "nexthops"), k, nh)
			if (!json_is_string(json_object_get(nh,
			    "interface_name")) && fmt_int(nh, "link_index") > 0)
				named = 1;
	}
	/* next hops come with their interface's index only */
	if (named && ctl->out == &text_output)
		links = links_quiet(ctl);
	ctl->out->routes(kept, links);
	json_decref(links);
	json_decref(kept);
	json_decref(j);
	return (0);
}

/* Whether the route is of the table (0: any), the family, and shown. */
static int
route_wanted(json_t *r, long long table, const char *fam, int kernel)
{
	json_t	*f;

	if (!json_is_object(r))
		return (0);
	if (table != 0 && fmt_int(r, "table") != table)
		return (0);
	f = json_object_get(r, "family");
	if (fam != NULL && (!json_is_string(f) ||
	    strcmp(json_string_value(f), fam) != 0))
		return (0);
	return (kernel || !json_is_true(json_object_get(r, "kernel")));
}

/*
 * metrics [--openmetrics] [PATTERN ...]: the exposition as the daemon
 * sent it, or only the families whose names hold one of the patterns.
 * It is text for scrapers already: -j is refused rather than ignored.
 */
static int
metrics_run(struct ctl *ctl, const struct parse_result *res)
{
	const struct parse_arg	*pat = &res->args[ARG_PATTERN];
	struct http_resp	 resp;
	char			 b[1024], one[256];
	size_t			 i;
	int			 rc;

	if (ctl->out == &json_output)
		errx(EXIT_USAGE, "-j does not apply to metrics: the exposition "
		    "is text already (--openmetrics asks for OpenMetrics)");
	rc = ask(ctl, "GET", METRICS_PATH, NULL, (res->flags & F_OPENMETRICS) ?
	    ACCEPT_OM : ACCEPT_PROM, &resp);
	if (rc != 0)
		return (rc);
	if (resp.ctype == NULL || (strcasecmp(resp.ctype, "text/plain") != 0 &&
	    strcasecmp(resp.ctype, "application/openmetrics-text") != 0))
		errx(EXIT_DAEMON, "%s: GET %s: answer is not an exposition "
		    "(Content-Type %s)", ctl->where, METRICS_PATH,
		    resp.ctype != NULL ? resp.ctype : "missing");
	if (!pat->set)
		fwrite(resp.body, 1, resp.len, stdout);
	else if (fmt_metrics(stdout, resp.body, resp.len, pat->strv,
	    pat->n) == 0) {
		b[0] = '\0';
		for (i = 0; i < pat->n; i++) {
			fmt_safe(one, sizeof(one), pat->strv[i],
			    strlen(pat->strv[i]));
			fmt_append(b, sizeof(b), "%s\"%s\"", i > 0 ?
			    (i + 1 < pat->n ? ", " : " or ") : "", one);
		}
		warnx("no metric family name contains %s", b);
	}
	http_resp_free(&resp);
	return (0);
}

/*
 * GET /api/v1/interfaces for the names of the next hops' interfaces;
 * NULL, silently, when it fails: the next hops go by index then.
 */
static json_t *
links_quiet(struct ctl *ctl)
{
	struct http_resp	 resp;
	json_t			*j = NULL;
	char			 e[512];

	if (http_request(&ctl->conn, "GET", "/api/v1/interfaces", NULL,
	    TIMEOUT_SHORT, &resp, e, sizeof(e)) == -1)
		return (NULL);
	if (resp.status == 200)
		j = answer_json(&resp);
	http_resp_free(&resp);
	if (!json_is_array(j)) {
		json_decref(j);
		return (NULL);
	}
	return (j);
}

/*
 * The body of monitor add (what is given; the daemon's defaults do the
 * rest) or update (only what is given; the filter whole when any of its
 * options is, as PATCH replaces it).  What the daemon would refuse
 * anyway is refused here when the option can be named.
 */
static json_t *
monitor_body(const struct parse_result *res, int add)
{
	const struct parse_arg	*a = res->args;
	json_t			*o;

	if ((o = json_object()) == NULL)
		errx(1, "out of memory");
	if (add)
		body_set(o, "type", json_string(a[ARG_MON_TYPE].str));
	monitor_filter(o, res, add);
	if ((res->flags & F_KERNEL) && (res->flags & F_NO_KERNEL))
		errx(EXIT_USAGE, "--include-kernel and --no-include-kernel "
		    "are mutually exclusive");
	if (res->flags & (F_KERNEL | F_NO_KERNEL))
		body_set(o, "include_kernel",
		    json_boolean(res->flags & F_KERNEL));
	if (a[ARG_BUFFER].set)
		body_set(o, "event_buffer_size",
		    json_integer(a[ARG_BUFFER].num));
	if (a[ARG_NAME].set)
		body_set(o, "name", string_arg("--name", a[ARG_NAME].str));
	labels_body(o, res);
	monitor_webhook(o, res, add);
	monitor_enabled(o, res, add);
	if (!add && json_object_size(o) == 0)
		errx(EXIT_USAGE, "monitor update %s: nothing to change: give "
		    "an option (lopactl -h lists them)", a[ARG_ID].str);
	return (o);
}

/* "filter": its options; update --no-filter: none, every change. */
static void
monitor_filter(json_t *o, const struct parse_result *res, int add)
{
	static const struct {
		const char	*name;
		long long	 table;
	} tables[] = {
		{ "default", 253 }, { "main", 254 }, { "local", 255 }
	};
	const struct parse_arg	*a = res->args;
	json_t			*f;
	const char		*fam;
	size_t			 i;

	if ((f = json_object()) == NULL)
		errx(1, "out of memory");
	if (a[ARG_IFACE].set) {
		if (strlen(a[ARG_IFACE].str) >= IFNAME_SIZE)
			errx(EXIT_USAGE, "--interface %s: longer than %d bytes",
			    a[ARG_IFACE].str, IFNAME_SIZE - 1);
		body_set(f, "interface_name",
		    string_arg("--interface", a[ARG_IFACE].str));
	}
	if (a[ARG_INDEX].set)
		body_set(f, "interface_index", json_integer(a[ARG_INDEX].num));
	if (a[ARG_PREFIX].set)
		body_set(f, "prefix", json_string(a[ARG_PREFIX].str));
	if (a[ARG_TABLE].set) {
		/* a name (main, local, default) or a number */
		for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			if (strcmp(a[ARG_TABLE].str, tables[i].name) == 0)
				break;
		body_set(f, "route_table", json_integer(i <
		    sizeof(tables) / sizeof(tables[0]) ? tables[i].table :
		    a[ARG_TABLE].num));
	}
	if (a[ARG_ROUTE_DST].set)
		body_set(f, "route_dst", json_string(a[ARG_ROUTE_DST].str));
	if (a[ARG_FAMILY].set) {
		fam = a[ARG_FAMILY].str;
		if (strcmp(fam, "ipv4") == 0)
			fam = "inet";
		else if (strcmp(fam, "ipv6") == 0)
			fam = "inet6";
		body_set(f, "family", json_string(fam));
	}
	/* a name (they start with a letter) the daemon reads as ip(8) */
	if (a[ARG_PROTOCOL].set && a[ARG_PROTOCOL].str[0] >= 'a' &&
	    a[ARG_PROTOCOL].str[0] <= 'z')
		body_set(f, "protocol", json_string(a[ARG_PROTOCOL].str));
	else if (a[ARG_PROTOCOL].set)
		body_set(f, "protocol", json_integer(a[ARG_PROTOCOL].num));

	if ((res->flags & F_NO_FILTER) && json_object_size(f) > 0)
		errx(EXIT_USAGE, "--no-filter and the filter's options "
		    "(--interface, --index, --prefix, --table, --route-dst, "
		    "--family, --protocol) are mutually exclusive");
	if (json_object_size(f) > 0 || (!add && (res->flags & F_NO_FILTER)))
		body_set(o, "filter", f);
	else
		json_decref(f);
}

/*
 * --label KEY=VALUE ..., a map; update --no-labels: an empty one (monitor
 * add and update, passive).
 */
void
labels_body(json_t *o, const struct parse_result *res)
{
	const struct parse_arg	*a = &res->args[ARG_LABEL];
	json_t			*l;
	char			*key, *eq;
	size_t			 i;

	if (a->set && (res->flags & F_NO_LABELS))
		errx(EXIT_USAGE, "--label and --no-labels are mutually "
		    "exclusive");
	if (!a->set && !(res->flags & F_NO_LABELS))
		return;
	if ((l = json_object()) == NULL)
		errx(1, "out of memory");
	for (i = 0; a->set && i < a->n; i++) {
		if ((eq = strchr(a->strv[i], '=')) == NULL ||
		    eq == a->strv[i])
			errx(EXIT_USAGE, "--label %s: expected KEY=VALUE",
			    a->strv[i]);
		if ((key = strndup(a->strv[i], eq - a->strv[i])) == NULL)
			err(1, NULL);
		if (json_object_get(l, key) != NULL)
			errx(EXIT_USAGE, "--label: %s given twice", key);
		if (json_object_set_new(l, key, string_arg("--label",
		    eq + 1)) == -1)
			errx(EXIT_USAGE, "--label %s: not UTF-8", a->strv[i]);
		free(key);
	}
	body_set(o, "labels", l);
}

/*
 * --webhook-url, an http or https URL, and the secret that signs what
 * goes there, read from --webhook-secret-file; update --no-webhook: an
 * empty URL, no webhook.
 */
static void
monitor_webhook(json_t *o, const struct parse_result *res, int add)
{
	const struct parse_arg	*a = res->args;
	const char		*url;

	if ((res->flags & F_NO_WEBHOOK) && (a[ARG_WEBHOOK].set ||
	    a[ARG_SECRET_FILE].set))
		errx(EXIT_USAGE, "--no-webhook, --webhook-url and "
		    "--webhook-secret-file are mutually exclusive");
	if (add && a[ARG_SECRET_FILE].set && !a[ARG_WEBHOOK].set)
		errx(EXIT_USAGE, "--webhook-secret-file signs the webhook's "
		    "notifications: give --webhook-url too");
	if (res->flags & F_NO_WEBHOOK)
		body_set(o, "webhook_url", json_string(""));
	if (a[ARG_WEBHOOK].set) {
		url = a[ARG_WEBHOOK].str;
		if ((strncasecmp(url, "http://", 7) != 0 || url[7] == '\0') &&
		    (strncasecmp(url, "https://", 8) != 0 || url[8] == '\0'))
			errx(EXIT_USAGE, "--webhook-url %s: not an http or "
			    "https URL", url);
		body_set(o, "webhook_url", string_arg("--webhook-url", url));
	}
	if (a[ARG_SECRET_FILE].set)
		secret_body(o, a[ARG_SECRET_FILE].str);
}

/*
 * "enabled": add --disabled; update --enable, --disable (or --disabled);
 * either Lopa's --enabled true|false.  One of them at most.
 */
static void
monitor_enabled(json_t *o, const struct parse_result *res, int add)
{
	int	 n, on = 1;

	n = ((res->flags & F_ENABLE) != 0) + ((res->flags & F_DISABLE) != 0) +
	    ((res->flags & F_DISABLED) != 0) + res->args[ARG_ENABLED].set;
	if (n > 1)
		errx(EXIT_USAGE, "%s are mutually exclusive", add ?
		    "--disabled and --enabled" : "--enable, --disable, "
		    "--disabled and --enabled");
	if (n == 0)
		return;
	if (res->flags & (F_DISABLE | F_DISABLED))
		on = 0;
	else if (res->args[ARG_ENABLED].set)
		on = strcmp(res->args[ARG_ENABLED].str, "true") == 0;
	body_set(o, "enabled", json_boolean(on));
}

/* A string from the command line for the body; it must be UTF-8. */
static json_t *
string_arg(const char *opt, const char *s)
{
	json_t	*v;

	if ((v = json_string(s)) == NULL)
		errx(EXIT_USAGE, "%s %s: not UTF-8", opt, s);
	return (v);
}

static void
body_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) == -1)
		errx(1, "out of memory");
}

int
api_error(const struct ctl *ctl, const char *method, const char *path,
    const struct http_resp *resp, json_t *j)
{
	ctl->out->problem(resp, j);
	hint(ctl, method, path, resp->status);
	return (status_exit(resp->status));
}

/*
 * -s socket, else -H url or LOPA_DAEMON_ADDR, else the read-write socket
 * when we may use it, else the read-only one.  When neither socket
 * exists, the read-write one is named in the error.
 */
static void
pick_daemon(struct ctl *ctl, const char *sock, const char *host)
{
	const char	*env;
	char		 e[512];

	if (sock == NULL && host == NULL &&
	    (env = getenv("LOPA_DAEMON_ADDR")) != NULL && *env != '\0')
		host = env;
	if (sock == NULL && host != NULL) {
		if (http_base(host, &ctl->base, e, sizeof(e)) == -1)
			errx(EXIT_USAGE, "%s", e);
		ctl->conn.base = ctl->base;
		ctl->where = ctl->base;
		ctl->tcp = 1;
		return;
	}
	if (sock == NULL) {
		if (access(LOPAD_SOCKET, R_OK | W_OK) == 0)
			sock = LOPAD_SOCKET;
		else if (errno == EACCES)
			sock = LOPAD_RSOCKET;
		else if (access(LOPAD_RSOCKET, F_OK) == 0)
			sock = LOPAD_RSOCKET;
		else
			sock = LOPAD_SOCKET;
	}
	if (*sock == '\0')
		errx(EXIT_USAGE, "empty socket path");
	ctl->conn.sock = sock;
	ctl->conn.base = "http://localhost";
	ctl->where = sock;
}

/*
 * The first non-empty line, without surrounding white space: a token, or
 * what (a webhook's secret) at most max bytes long.  The file is named
 * on the command line instead of the secret, which other users could
 * read in the process list.
 */
char *
secret_read(const char *path, const char *what, size_t max)
{
	FILE	*fp;
	char	*line = NULL, *p, *e, *tok = NULL;
	size_t	 sz = 0;
	ssize_t	 n;

	if ((fp = fopen(path, "r")) == NULL)
		err(EXIT_USAGE, "%s", path);
	while ((n = getline(&line, &sz, fp)) != -1) {
		p = line;
		e = line + n;
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r' || e[-1] == '\n'))
			e--;
		if (p == e)
			continue;
		if ((size_t)(e - p) > max)
			errx(EXIT_USAGE, "%s: %s longer than %zu bytes",
			    path, what, max);
		*e = '\0';
		if ((tok = strdup(p)) == NULL)
			err(1, NULL);
		break;
	}
	if (ferror(fp))
		err(EXIT_USAGE, "%s", path);
	if (line != NULL)
		explicit_bzero(line, sz);
	free(line);
	fclose(fp);
	if (tok == NULL)
		errx(EXIT_USAGE, "%s: no %s in file", path, what);
	return (tok);
}

/* A token goes into a header: printable ASCII without spaces only. */
static void
token_check(const char *tok, const char *from)
{
	const unsigned char	*p;

	if (strlen(tok) > CTL_TOKEN_MAX)
		errx(EXIT_USAGE, "%s: token longer than %d bytes", from,
		    CTL_TOKEN_MAX);
	for (p = (const unsigned char *)tok; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			errx(EXIT_USAGE, "%s: token contains a space or a "
			    "control character", from);
}

json_t *
answer_json(const struct http_resp *resp)
{
	json_error_t	 jerr;
	const char	*p;
	size_t		 i;

	if (resp->len == 0)
		return (NULL);
	p = resp->body;
	for (i = 0; i < resp->len && (p[i] == ' ' || p[i] == '\t' ||
	    p[i] == '\r' || p[i] == '\n'); i++)
		;
	if (i == resp->len || (p[i] != '{' && p[i] != '['))
		return (NULL);
	return (json_loadb(resp->body, resp->len, 0, &jerr));
}

int
status_exit(long code)
{
	if (code >= 200 && code < 300)
		return (0);
	if (code == 401 || code == 403)
		return (EXIT_DAEMON);
	if (code >= 400 && code < 500)
		return (EXIT_USAGE);
	return (EXIT_DAEMON);
}

static void
hint(const struct ctl *ctl, const char *method, const char *path, long code)
{
	if (code == 401 && ctl->token_given)
		warnx("hint: the daemon refused the token; compare it with "
		    "the daemon's http.tokens file");
	else if (code == 401)
		warnx("hint: %s wants a bearer token: set LOPA_TOKEN or use "
		    "--token-file", ctl->where);
	else if (code == 403 && ctl->tcp)
		warnx("hint: %s %s over TCP needs a read-write token "
		    "(LOPA_TOKEN or --token-file) or http.loopback_write",
		    method, path);
	else if (code == 403)
		warnx("hint: %s is read-only for you; writes need the "
		    "read-write socket (%s by default) as root or as a member "
		    "of lopad's group", ctl->where, LOPAD_SOCKET);
}
