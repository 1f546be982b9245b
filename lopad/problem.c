/*
 * lopad: problem documents (RFC 9457) for the REST API's errors.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "problem.h"

static const struct {
	int		 status;
	const char	*title;
} problem_titles[] = {
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 417, "Expectation Failed" },
	{ 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
};

const char *
problem_title(int status)
{
	size_t	 i;

	for (i = 0; i < sizeof(problem_titles) / sizeof(problem_titles[0]);
	    i++)
		if (problem_titles[i].status == status)
			return problem_titles[i].title;
	if (status >= 400 && status < 500)
		return "Client Error";
	if (status >= 500 && status < 600)
		return "Server Error";
	return "Unknown Status";
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 if it is not one.
 * s is NUL-terminated; a NUL never passes as a continuation byte, so the
 * checks stop at the end of the string.
 */
static size_t
utf8_seqlen(const unsigned char *s)
{
	unsigned char	 lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ?
		    3 : 0;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
		    (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

char *
problem_utf8(const char *in)
{
	const unsigned char	*s = (const unsigned char *)in;
	char			*out, *o;
	size_t			 n, len = strlen(in);

	/* At worst every byte becomes the three bytes of U+FFFD. */
	if (len > (SIZE_MAX - 1) / 3 || (out = malloc(3 * len + 1)) == NULL)
		return NULL;
	o = out;
	while (*s != '\0') {
		if ((n = utf8_seqlen(s)) == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			s++;
			continue;
		}
		memcpy(o, s, n);
		o += n;
		s += n;
	}
	*o = '\0';
	return out;
}

/* Set obj[key] to a string, made valid UTF-8 first: 0 ok, -1 no memory. */
static int
problem_set_string(json_t *obj, const char *key, const char *value)
{
	json_t	*js;
	char	*clean;

	if ((clean = problem_utf8(value)) == NULL)
		return -1;
	js = json_string(clean);
	free(clean);
	if (js == NULL)
		return -1;
	return json_object_set_new(obj, key, js);
}

json_t *
problem_json(const struct problem *p)
{
	json_t		*obj, *list = NULL, *js;
	const char	*title, *detail;
	char		*clean;
	size_t		 i;

	title = p->title != NULL ? p->title : problem_title(p->status);
	detail = p->detail != NULL ? p->detail : title;
	if ((obj = json_object()) == NULL)
		return NULL;
	if (problem_set_string(obj, "type", p->type != NULL ? p->type :
	    PROBLEM_TYPE_DEFAULT) == -1 ||
	    problem_set_string(obj, "title", title) == -1 ||
	    json_object_set_new(obj, "status", json_integer(p->status)) == -1 ||
	    problem_set_string(obj, "detail", detail) == -1 ||
	    problem_set_string(obj, "error", detail) == -1)
		goto fail;
	if (p->field != NULL &&
	    problem_set_string(obj, "field", p->field) == -1)
		goto fail;
	if (p->errors != NULL) {
		if ((list = json_array()) == NULL)
			goto fail;
		for (i = 0; i < p->nerrors; i++) {
			if ((clean = problem_utf8(p->errors[i])) == NULL)
				goto fail;
			js = json_string(clean);
			free(clean);
			if (json_array_append_new(list, js) == -1)
				goto fail;
		}
		if (json_object_set_new(obj, "errors", list) == -1) {
			list = NULL;
			goto fail;
		}
		list = NULL;
	}
	return obj;
 fail:
	json_decref(list);
	json_decref(obj);
	return NULL;
}

char *
problem_render(const struct problem *p, size_t *lenp)
{
	json_t	*obj;
	char	*s, *out;
	size_t	 len;

	if ((obj = problem_json(p)) == NULL)
		return NULL;
	s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (s == NULL)
		return NULL;
	len = strlen(s);
	if ((out = malloc(len + 2)) == NULL) {
		free(s);
		return NULL;
	}
	memcpy(out, s, len);
	out[len++] = '\n';
	out[len] = '\0';
	free(s);
	if (lenp != NULL)
		*lenp = len;
	return out;
}
