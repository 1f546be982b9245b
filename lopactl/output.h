/*
 * lopactl: output of the API's answers, as text or JSON (a small vtable,
 * as in bgpctl).
 */
#ifndef LOPACTL_OUTPUT_H
#define LOPACTL_OUTPUT_H

#include <jansson.h>

#include "http.h"

struct output {
	/* 2xx answers, on stdout */
	void	(*status)(const struct http_resp *, json_t *);
	void	(*reload)(const struct http_resp *, json_t *);
	/* error answers: problem+json (json may be NULL), on stderr */
	void	(*problem)(const struct http_resp *, json_t *);
};

extern const struct output text_output;
extern const struct output json_output;

#endif /* LOPACTL_OUTPUT_H */
