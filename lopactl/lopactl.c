/*
 * lopactl: control lopad through its REST API.
 *
 *	lopactl [-hj] [-H url | -s socket] [--token-file file] command ...
 *
 * Global options come before the command (as with bgpctl).  The command
 * words are parsed by the token tables of parser.c; each action maps to
 * one request in commands[] below and to one method of the output
 * vtable.  Exit status: 0 success, 2 usage or a request the API refused
 * as bad (4xx), 3 daemon unreachable, 401/403, 5xx.
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
#include "lopad.h"
#include "output.h"
#include "parser.h"

#define EXIT_USAGE	2	/* bad arguments, API 400/404/409/413/... */
#define EXIT_DAEMON	3	/* unreachable, 401/403, 5xx */

#define TIMEOUT_SHORT	30	/* seconds, for one-shot requests */
#define CTL_TOKEN_MAX	4096

struct command {
	enum actions	 action;
	const char	*method;
	const char	*path;
	long		 timeout;	/* seconds; 0: none (streams) */
	void		(*show)(const struct output *,
			    const struct http_resp *, json_t *);
};

struct ctl {
	struct http_conn	 conn;
	char			*base;
	const char		*where;	/* socket or URL, for messages */
	int			 tcp;
	int			 token_given;
};

static void	 show_status(const struct output *, const struct http_resp *,
		    json_t *);
static void	 show_reload(const struct output *, const struct http_resp *,
		    json_t *);

static const struct command commands[] = {
	{ STATUS, "GET",  "/api/v1/status", TIMEOUT_SHORT, show_status },
	{ RELOAD, "POST", "/api/v1/reload", TIMEOUT_SHORT, show_reload },
};

static void	 usage(FILE *);
static void	 pick_daemon(struct ctl *, const char *, const char *);
static char	*token_read(const char *);
static void	 token_check(const char *, const char *);
static json_t	*answer_json(const struct http_resp *);
static int	 status_exit(long);
static void	 hint(const struct ctl *, const struct command *, long);

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: %s [-hj] [-H url | -s socket] [--token-file file] "
	    "command [argument ...]\ncommands:\n", getprogname());
	parser_commands(parser_main(), fp, "\t");
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
	struct http_resp	 resp;
	struct ctl		 ctl;
	const struct command	*cmd = NULL;
	const struct output	*out = &text_output;
	const char		*sock = NULL, *host = NULL, *tfile = NULL;
	const char		*env;
	char			*token = NULL;
	char			 perr[1024];
	json_t			*j;
	size_t			 i;
	int			 ch, rc;

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

	memset(&ctl, 0, sizeof(ctl));
	pick_daemon(&ctl, sock, host);
	if (tfile != NULL) {
		token = token_read(tfile);
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
	rc = http_request(&ctl.conn, cmd->method, cmd->path, NULL,
	    cmd->timeout, &resp, perr, sizeof(perr));
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (rc == -1)
		errx(EXIT_DAEMON, "%s: %s", ctl.where, perr);

	j = answer_json(&resp);
	if (resp.status >= 200 && resp.status < 300) {
		if (j == NULL && resp.len > 0)
			errx(EXIT_DAEMON, "%s: %s %s: answer is not JSON",
			    ctl.where, cmd->method, cmd->path);
		cmd->show(out, &resp, j);
		rc = 0;
	} else {
		out->problem(&resp, j);
		hint(&ctl, cmd, resp.status);
		rc = status_exit(resp.status);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	json_decref(j);
	http_resp_free(&resp);
	free(ctl.base);
	return (rc);
}

static void
show_status(const struct output *out, const struct http_resp *resp,
    json_t *j)
{
	out->status(resp, j);
}

static void
show_reload(const struct output *out, const struct http_resp *resp,
    json_t *j)
{
	out->reload(resp, j);
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

/* The first non-empty line, without surrounding white space. */
static char *
token_read(const char *path)
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
		if (e - p > CTL_TOKEN_MAX)
			errx(EXIT_USAGE, "%s: token longer than %d bytes",
			    path, CTL_TOKEN_MAX);
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
		errx(EXIT_USAGE, "%s: no token in file", path);
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

/* The parsed body when it is JSON, else NULL. */
static json_t *
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

static int
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
hint(const struct ctl *ctl, const struct command *cmd, long code)
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
		    cmd->method, cmd->path);
	else if (code == 403)
		warnx("hint: %s is read-only for you; writes need the "
		    "read-write socket (%s by default) as root or as a member "
		    "of lopad's group", ctl->where, LOPAD_SOCKET);
}
