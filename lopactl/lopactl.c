/*
 * lopactl: control lopad through its REST API.
 *
 *	lopactl [-hj] [-H url | -s socket] [--token-file file] command ...
 *
 * Global options come before the command (as with bgpctl).  The command
 * words are parsed by the token tables of parser.c; each action maps to
 * one request in commands[] below and to one method of the output
 * vtable, or to a function that makes several (ping, tcp, udp, twamp,
 * stamp, and monitor, which follows the daemon's event stream: probe.c).
 * Exit status: 0 success, 1 a measurement got no answer, 2 usage or a
 * request the API refused as bad (4xx), 3 daemon unreachable, 401/403,
 * 5xx.
 */
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "http.h"
#include "lopactl.h"
#include "lopad.h"
#include "output.h"
#include "parser.h"

#define CTL_TOKEN_MAX	4096

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

static const struct command commands[] = {
	{ STATUS, "GET", "/api/v1/status", show_status, NULL },
	{ RELOAD, "POST", "/api/v1/reload", show_reload, NULL },
	{ PING, NULL, NULL, NULL, probe_run },
	{ TCP, NULL, NULL, NULL, probe_run },
	{ UDP, NULL, NULL, NULL, probe_run },
	{ TWAMP, NULL, NULL, NULL, probe_run },
	{ STAMP, NULL, NULL, NULL, probe_run },
	{ REFLECTOR, "GET", "/api/v1/reflector", show_reflector, NULL },
	{ TASK_LIST, "GET", "/api/v1/tasks", show_task_list, NULL },
	{ TASK_SHOW, "GET", "/api/v1/tasks/%s", show_task, NULL },
	{ TASK_STOP, "POST", "/api/v1/tasks/%s/stop", show_task_stop, NULL },
	{ TASK_DELETE, "DELETE", "/api/v1/tasks/%s", show_task_delete, NULL },
	{ MONITOR, NULL, NULL, NULL, monitor_run },
};

/* Arguments that become query parameters ("task list type ping"). */
static const struct {
	enum arg_slot	 slot;
	const char	*name;
} query_args[] = {
	{ ARG_TYPE,	"type" },
	{ ARG_STATUS,	"status" },
};

static void	 usage(FILE *);
static void	 pick_daemon(struct ctl *, const char *, const char *);
static void	 token_check(const char *, const char *);
static void	 hint(const struct ctl *, const char *, const char *, long);
static char	*command_path(const struct command *,
		    const struct parse_result *);
static int	 request_run(struct ctl *, const struct command *,
		    const struct parse_result *);

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
	char			 perr[1024], *path;
	json_t			*j;
	int			 rc;

	path = command_path(cmd, res);
	if (http_request(&ctl->conn, cmd->method, path, NULL, TIMEOUT_SHORT,
	    &resp, perr, sizeof(perr)) == -1)
		errx(EXIT_DAEMON, "%s: %s", ctl->where, perr);
	j = answer_json(&resp);
	if (resp.status >= 200 && resp.status < 300) {
		if (j == NULL && resp.len > 0)
			errx(EXIT_DAEMON, "%s: %s %s: answer is not JSON",
			    ctl->where, cmd->method, path);
		cmd->show(ctl, &resp, j, res);
		rc = 0;
	} else
		rc = api_error(ctl, cmd->method, path, &resp, j);
	json_decref(j);
	http_resp_free(&resp);
	free(path);
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
