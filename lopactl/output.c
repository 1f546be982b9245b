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
#include <string.h>

#include <jansson.h>

#include "duration.h"
#include "http.h"
#include "output.h"

#define NS_PER_S	1000000000LL

static void	 text_status(const struct http_resp *, json_t *);
static void	 text_reload(const struct http_resp *, json_t *);
static void	 text_problem(const struct http_resp *, json_t *);
static void	 json_body(const struct http_resp *, json_t *);
static void	 json_problem(const struct http_resp *, json_t *);
static const char *jstr(json_t *, const char *, char *, size_t);
static void	 safe_copy(char *, size_t, const char *, size_t);
static int	 in_list(json_t *, json_t *);

const struct output text_output = {
	.status = text_status,
	.reload = text_reload,
	.problem = text_problem,
};

const struct output json_output = {
	.status = json_body,
	.reload = json_body,
	.problem = json_problem,
};

/* The string member key of o, made printable, or "-" when absent. */
static const char *
jstr(json_t *o, const char *key, char *buf, size_t len)
{
	json_t	*v;

	v = json_is_object(o) ? json_object_get(o, key) : NULL;
	if (!json_is_string(v)) {
		snprintf(buf, len, "-");
		return (buf);
	}
	safe_copy(buf, len, json_string_value(v), json_string_length(v));
	return (buf);
}

static void
safe_copy(char *buf, size_t len, const char *s, size_t n)
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
		    jstr(p, "role", role, sizeof(role)), pid,
		    jstr(p, "state", state, sizeof(state)), sb);
	}
	printf("\n");

	jstr(j, "version", ver, sizeof(ver));
	if (json_is_string(json_object_get(j, "revision")))
		printf("version  %s (%s)\n", ver,
		    jstr(j, "revision", rev, sizeof(rev)));
	else
		printf("version  %s\n", ver);
	printf("node     %s\n", jstr(j, "node_id", b, sizeof(b)));
	if (json_is_string(json_object_get(j, "access")))
		printf("access   %s\n", jstr(j, "access", b, sizeof(b)));
	v = json_object_get(j, "uptime");
	if (json_is_integer(v)) {
		ns = json_integer_value(v);
		ns -= ns % NS_PER_S;
		duration_format(ns, up, sizeof(up));
	} else
		snprintf(up, sizeof(up), "-");
	printf("uptime   %s\n", up);
	printf("started  %s\n", jstr(j, "started", b, sizeof(b)));

	cf = json_object_get(j, "config");
	if (json_is_object(cf)) {
		printf("config   %s\n", jstr(cf, "file", b, sizeof(b)));
		v = json_object_get(cf, "reloads");
		if (json_is_integer(v) && json_integer_value(v) > 0) {
			printf("reloads  %lld, last %s (%s)\n",
			    (long long)json_integer_value(v),
			    jstr(cf, "last_reload", b, sizeof(b)),
			    json_is_false(json_object_get(cf,
			    "last_reload_successful")) ? "failed" : "ok");
		}
	}
}

static void
text_reload(const struct http_resp *resp, json_t *j)
{
	char	 b[128];

	printf("reload requested: %s\n", jstr(j, "status", b, sizeof(b)));
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
			jstr(j, key, detail, sizeof(detail));
			if (json_is_string(json_object_get(j, "field")))
				warnx("%s (field %s)", detail,
				    jstr(j, "field", field, sizeof(field)));
			else
				warnx("%s", detail);
		} else
			warnx("HTTP %ld", resp->status);
		json_array_foreach(errs, i, e) {
			if (!json_is_string(e))
				continue;
			safe_copy(detail, sizeof(detail), json_string_value(e),
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
		safe_copy(line, sizeof(line), resp->body, n);
		warnx("HTTP %ld: %s", resp->status, line);
	} else
		warnx("HTTP %ld", resp->status);
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

/* The problem document on stdout for scripts, the message on stderr. */
static void
json_problem(const struct http_resp *resp, json_t *j)
{
	if (j != NULL)
		json_body(resp, j);
	fflush(stdout);
	text_problem(resp, j);
}
