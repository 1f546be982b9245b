/*
 * lopactl: what the commands share: the connection to the daemon, exit
 * statuses, and the handling of error answers.
 */
#ifndef LOPACTL_LOPACTL_H
#define LOPACTL_LOPACTL_H

#include <jansson.h>

#include "http.h"
#include "output.h"
#include "parser.h"

#define EXIT_LOST	1	/* the measurement got no answer at all */
#define EXIT_USAGE	2	/* bad arguments, API 400/404/409/413/... */
#define EXIT_DAEMON	3	/* unreachable, 401/403, 5xx */

#define TIMEOUT_SHORT	30	/* seconds, for one-shot requests */

struct ctl {
	struct http_conn	 conn;
	char			*base;
	const char		*where;	/* socket or URL, for messages */
	int			 tcp;
	int			 token_given;
	const struct output	*out;
};

/* The parsed body when it is JSON, else NULL. */
json_t	*answer_json(const struct http_resp *);
/* The exit status for an HTTP status. */
int	 status_exit(long);
/* An error answer: its problem, a hint after 401/403; the exit status. */
int	 api_error(const struct ctl *, const char *, const char *,
	    const struct http_resp *, json_t *);

/* ping, tcp, udp, twamp, stamp (probe.c); returns the exit status. */
int	 probe_run(struct ctl *, const struct parse_result *);
/* passive: interface counters, followed by polling (probe.c). */
int	 passive_run(struct ctl *, const struct parse_result *);
/* --label KEY=VALUE ...: the body's "labels" (lopactl.c). */
void	 labels_body(json_t *, const struct parse_result *);
/* monitor, events: GET /api/v1/events until ^C (probe.c). */
int	 monitor_run(struct ctl *, const struct parse_result *);
/*
 * The first non-empty line of a file, trimmed, at most max bytes: a
 * token, or what the second argument names ("webhook secret").
 */
char	*secret_read(const char *, const char *, size_t);
/*
 * --webhook-secret-file: the secret from the file into the body's
 * "webhook_secret"; once the body is sent, secret_wipe() wipes it
 * (probe.c).
 */
void	 secret_body(json_t *, const char *);
void	 secret_wipe(json_t *);

#endif /* LOPACTL_LOPACTL_H */
