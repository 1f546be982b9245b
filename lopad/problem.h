/*
 * lopad: problem documents (RFC 9457, application/problem+json), the body
 * of every error the REST API returns.  Pure functions: no I/O, no state.
 */
#ifndef LOPAD_PROBLEM_H
#define LOPAD_PROBLEM_H

#include <stddef.h>

#include <jansson.h>

#define PROBLEM_CONTENT_TYPE	"application/problem+json"
#define PROBLEM_TYPE_DEFAULT	"about:blank"

struct problem {
	int			 status;	/* HTTP status, 400..599 */
	const char		*type;		/* NULL: "about:blank" */
	const char		*title;		/* NULL: the status' phrase */
	const char		*detail;	/* NULL: the title */
	const char		*field;		/* NULL: no "field" member */
	const char *const	*errors;	/* NULL: no "errors" member */
	size_t			 nerrors;
};

/* The reason phrase of a status ("Not Found"); never NULL. */
const char	*problem_title(int);

/*
 * The document as a JSON object: "type", "title", "status", "detail",
 * "error" (the detail again, for Lopa clients) and, when given, "field"
 * and "errors".  Strings that are not valid UTF-8 have each bad byte
 * replaced by U+FFFD.  NULL when out of memory.
 */
json_t		*problem_json(const struct problem *);

/*
 * The document rendered compactly and ended with a newline, in a buffer
 * the caller frees; its length (without the NUL) in *lenp when lenp is
 * not NULL.  NULL when out of memory.
 */
char		*problem_render(const struct problem *, size_t *);

/* A copy of a string with invalid UTF-8 replaced by U+FFFD (free it). */
char		*problem_utf8(const char *);

#endif /* LOPAD_PROBLEM_H */
