/*
 * lopactl: the command grammar and the walker over its tables.
 *
 * A later command is a row in t_main plus, when it takes more words,
 * tables of its own, e.g. for "ping TARGET [-c N] [-i DURATION]":
 *
 *	t_main:		{ KEYWORD, "ping", PING, t_ping, 0, 0 }
 *	t_ping:		{ STRING, "TARGET", ARG_TARGET, t_ping_opts, 0, 0 }
 *	t_ping_opts:	{ NOTOKEN, "", NONE, NULL, 0, 0 }
 *			{ OPTION, "-c", NONE, t_ping_count, 0, 0 }
 *			{ OPTION, "-i", NONE, t_ping_interval, 0, 0 }
 *	t_ping_count:	{ NUMBER, "N", ARG_COUNT, t_ping_opts, 1, 1000000 }
 *	t_ping_interval: { DURATION, "DURATION", ARG_INTERVAL, t_ping_opts,
 *			    1000000, 3600000000000 }
 *
 * An option's argument table leads back to the option table, so options
 * come in any order; each may be given once.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "parser.h"

#define WALK_DEPTH	16	/* bounds the walk over tables that loop */
#define LINE_MAX_USAGE	512
#define VALID_MAX	1024

static const struct token t_main[] = {
	{ KEYWORD,	"help",		HELP,		NULL,	0, 0 },
	{ KEYWORD,	"reload",	RELOAD,		NULL,	0, 0 },
	{ KEYWORD,	"status",	STATUS,		NULL,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static void	 seterr(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static void	 append(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static const char *argname(const struct token *);
static void	 valid_words(const struct token *, char *, size_t);
static int	 typed(const struct token *);
static int	 parse_value(const struct token *, const char *,
		    struct parse_arg *, char *, size_t);
static const struct token *match_token(const struct token *, const char *,
		    const struct token *, const char *, struct parse_result *,
		    char *, size_t);
static void	 commands_walk(const struct token *, FILE *, const char *,
		    char *, size_t, int);

const struct token *
parser_main(void)
{
	return (t_main);
}

int
parse(int argc, char *argv[], struct parse_result *res, char *err,
    size_t errlen)
{
	return (parse_table(t_main, argc, argv, res, err, errlen));
}

int
parse_table(const struct token *table, int argc, char *argv[],
    struct parse_result *res, char *err, size_t errlen)
{
	const struct token	*t, *last = NULL;
	const char		*word, *prev = NULL;
	int			 i;

	memset(res, 0, sizeof(*res));
	if (errlen > 0)
		err[0] = '\0';
	for (i = 0; ; i++) {
		word = i < argc ? argv[i] : NULL;
		if (table == NULL) {
			if (word == NULL)
				return (0);
			seterr(err, errlen, "unexpected argument \"%s\" after "
			    "\"%s\"", word, prev != NULL ? prev : "");
			return (-1);
		}
		t = match_token(table, word, last, prev, res, err, errlen);
		if (t == NULL)
			return (-1);
		if (t->type == NOTOKEN)
			return (0);
		table = t->next;
		last = t;
		prev = word;
	}
}

/*
 * Match one word (NULL at the end of argv) against a table: an exact
 * keyword or option first, then the typed arguments in table order.
 */
static const struct token *
match_token(const struct token *table, const char *word,
    const struct token *last, const char *prev, struct parse_result *res,
    char *err, size_t errlen)
{
	const struct token	*t, *bad = NULL;
	struct parse_arg	 arg;
	char			 valid[VALID_MAX], why[128], firstwhy[128];

	valid_words(table, valid, sizeof(valid));
	if (word == NULL) {
		for (t = table; t->type != ENDTOKEN; t++)
			if (t->type == NOTOKEN)
				return (t);
		if (prev == NULL)
			seterr(err, errlen, "missing command; valid: %s",
			    valid);
		else
			seterr(err, errlen, "missing argument after \"%s\"; "
			    "valid: %s", prev, valid);
		return (NULL);
	}

	for (t = table; t->type != ENDTOKEN; t++) {
		if (t->type != KEYWORD && t->type != FLAG &&
		    t->type != OPTION)
			continue;
		if (strcmp(word, t->keyword) != 0)
			continue;
		if (t->type == KEYWORD && t->value != NONE)
			res->action = t->value;
		if (t->type == FLAG) {
			if (res->flags & t->value) {
				seterr(err, errlen, "%s given twice", word);
				return (NULL);
			}
			res->flags |= t->value;
		}
		return (t);
	}

	for (t = table; t->type != ENDTOKEN; t++) {
		if (!typed(t))
			continue;
		if (parse_value(t, word, &arg, why, sizeof(why)) == -1) {
			if (bad == NULL) {
				bad = t;
				strlcpy(firstwhy, why, sizeof(firstwhy));
			}
			continue;
		}
		if (t->value < 0 || t->value >= ARG_MAX) {
			seterr(err, errlen, "%s: no slot %d in the grammar",
			    t->keyword, t->value);
			return (NULL);
		}
		if (res->args[t->value].set) {
			seterr(err, errlen, "%s given twice",
			    last != NULL && last->type == OPTION ?
			    last->keyword : t->keyword);
			return (NULL);
		}
		res->args[t->value] = arg;
		return (t);
	}

	if (bad != NULL) {
		if (last != NULL && last->type == OPTION)
			seterr(err, errlen, "invalid argument \"%s\" to %s: %s",
			    word, last->keyword, firstwhy);
		else
			seterr(err, errlen, "invalid %s \"%s\": %s",
			    bad->keyword, word, firstwhy);
	} else if (prev == NULL)
		seterr(err, errlen, "unknown command \"%s\"; valid: %s",
		    word, valid);
	else
		seterr(err, errlen, "unknown argument \"%s\" after \"%s\"; "
		    "valid: %s", word, prev, valid);
	return (NULL);
}

static int
typed(const struct token *t)
{
	return (t->type == STRING || t->type == NUMBER ||
	    t->type == DURATION);
}

static int
parse_value(const struct token *t, const char *word, struct parse_arg *arg,
    char *why, size_t whylen)
{
	const char	*errstr;
	char		 lim[64];
	int64_t		 d;

	memset(arg, 0, sizeof(*arg));
	arg->set = 1;
	arg->str = word;
	switch (t->type) {
	case STRING:
		if (*word == '\0') {
			seterr(why, whylen, "empty");
			return (-1);
		}
		return (0);
	case NUMBER:
		arg->num = strtonum(word, t->min, t->max, &errstr);
		if (errstr == NULL)
			return (0);
		if (strcmp(errstr, "too small") == 0)
			seterr(why, whylen, "too small (minimum %lld)", t->min);
		else if (strcmp(errstr, "too large") == 0)
			seterr(why, whylen, "too large (maximum %lld)", t->max);
		else
			seterr(why, whylen, "not a number");
		return (-1);
	case DURATION:
		if (duration_parse(word, &d, &errstr) == -1) {
			seterr(why, whylen, "%s", errstr);
			return (-1);
		}
		if (d < t->min) {
			duration_format(t->min, lim, sizeof(lim));
			seterr(why, whylen, "too short (minimum %s)", lim);
			return (-1);
		}
		if (d > t->max) {
			duration_format(t->max, lim, sizeof(lim));
			seterr(why, whylen, "too long (maximum %s)", lim);
			return (-1);
		}
		arg->dur = d;
		return (0);
	default:
		seterr(why, whylen, "not a typed argument");
		return (-1);
	}
}

/* The name of the argument an option takes: its table's typed token. */
static const char *
argname(const struct token *table)
{
	const struct token	*t;

	if (table == NULL)
		return (NULL);
	for (t = table; t->type != ENDTOKEN; t++)
		if (typed(t))
			return (t->keyword);
	return (NULL);
}

/* "help, reload, status": what the table accepts, for error messages. */
static void
valid_words(const struct token *table, char *buf, size_t len)
{
	const struct token	*t;
	const char		*sep = "", *a;

	buf[0] = '\0';
	for (t = table; t->type != ENDTOKEN; t++) {
		switch (t->type) {
		case NOTOKEN:
			continue;
		case OPTION:
			if ((a = argname(t->next)) != NULL) {
				append(buf, len, "%s%s %s", sep, t->keyword, a);
				break;
			}
			/* FALLTHROUGH */
		default:
			append(buf, len, "%s%s", sep, t->keyword);
			break;
		}
		sep = ", ";
	}
}

/*
 * One line per complete command, e.g. "task show ID" or
 * "ping TARGET [-c N] [-i DURATION]".
 */
void
parser_commands(const struct token *table, FILE *fp, const char *indent)
{
	char	 line[LINE_MAX_USAGE];

	line[0] = '\0';
	commands_walk(table, fp, indent, line, sizeof(line), 0);
}

static void
commands_walk(const struct token *table, FILE *fp, const char *indent,
    char *line, size_t len, int depth)
{
	const struct token	*t;
	const char		*a;
	size_t			 n, nopt;
	int			 end = 0;

	if (table == NULL || depth > WALK_DEPTH)
		return;
	n = strlen(line);
	for (t = table; t->type != ENDTOKEN; t++) {
		if (t->type == NOTOKEN)
			end = 1;
		else if (t->type == FLAG)
			append(line, len, " [%s]", t->keyword);
		else if (t->type == OPTION) {
			if ((a = argname(t->next)) != NULL)
				append(line, len, " [%s %s]", t->keyword, a);
			else
				append(line, len, " [%s]", t->keyword);
		}
	}
	if (end && line[0] != '\0')
		fprintf(fp, "%s%s\n", indent, line + 1);
	nopt = strlen(line);
	for (t = table; t->type != ENDTOKEN; t++) {
		if (t->type != KEYWORD && !typed(t))
			continue;
		append(line, len, " %s", t->keyword);
		if (t->next == NULL)
			fprintf(fp, "%s%s\n", indent, line + 1);
		else if (t->next == table)
			fprintf(fp, "%s%s ...\n", indent, line + 1);
		else
			commands_walk(t->next, fp, indent, line, len,
			    depth + 1);
		line[nopt] = '\0';
	}
	line[n] = '\0';
}

static void
seterr(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	if (len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void
append(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n;

	n = strlen(buf);
	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}
