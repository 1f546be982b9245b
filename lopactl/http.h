/*
 * lopactl: the HTTP transport to lopad (libcurl), over a UNIX socket or
 * TCP.
 */
#ifndef LOPACTL_HTTP_H
#define LOPACTL_HTTP_H

#include <stddef.h>

#define HTTP_CONNECT_TIMEOUT	5	/* seconds */
#define HTTP_MAX_BODY		(16 * 1024 * 1024)
#define HTTP_TICK_MS		100	/* http_stream calls tick this often */

/* What http_request accepts: the API's JSON, or its problem. */
#define HTTP_ACCEPT_JSON	"application/json, application/problem+json"

struct http_conn {
	const char	*sock;		/* UNIX socket path, or NULL for TCP */
	const char	*base;		/* URL up to the API path, no slash */
	const char	*token;		/* bearer token, or NULL */
};

struct http_resp {
	long		 status;
	char		*ctype;		/* Content-Type without parameters */
	char		*body;		/* NUL-terminated */
	size_t		 len;
};

int	 http_init(void);
/* "host:port" or "http(s)://host:port[/path]" -> a base URL; -1 + err. */
int	 http_base(const char *, char **, char *, size_t);
/* One request; -1 and the reason in err when no answer came. */
int	 http_request(const struct http_conn *, const char *, const char *,
	    const char *, long, struct http_resp *, char *, size_t);
/* The same with another Accept header (GET /metrics). */
int	 http_request_accept(const struct http_conn *, const char *,
	    const char *, const char *, const char *, long, struct http_resp *,
	    char *, size_t);
void	 http_resp_free(struct http_resp *);

struct http_stream_ops {
	/* bytes of a 200 answer as they come; -1 ends the stream (error) */
	int	(*data)(void *, const char *, size_t);
	/* between reads, outside curl; 1 ends the stream, 0 goes on */
	int	(*tick)(void *);
	void	*arg;
};

/* GET a stream (Server-Sent Events); see http.c. */
int	 http_stream(const struct http_conn *, const char *,
	    const struct http_stream_ops *, struct http_resp *, char *, size_t);
/* A path segment with every byte but [A-Za-z0-9._~-] %-escaped. */
char	*http_escape(const char *);

#endif /* LOPACTL_HTTP_H */
