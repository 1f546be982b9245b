/*
 * lopactl: the HTTP transport to lopad (libcurl), over a UNIX socket or
 * TCP.
 */
#ifndef LOPACTL_HTTP_H
#define LOPACTL_HTTP_H

#include <stddef.h>

#define HTTP_CONNECT_TIMEOUT	5	/* seconds */
#define HTTP_MAX_BODY		(16 * 1024 * 1024)

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
void	 http_resp_free(struct http_resp *);

#endif /* LOPACTL_HTTP_H */
