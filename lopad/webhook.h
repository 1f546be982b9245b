/*
 * lopa: webhook delivery (control process).
 *
 * libcurl's multi interface on the process's libevent loop.  A queue per
 * destination (scheme, host and port) keeps the notifications in order,
 * one request in flight each: a dead or slow receiver holds back only its
 * own queue.  Failed attempts are retried with exponential backoff and
 * jitter until webhooks.max_age; a full queue drops its oldest.  Hosts
 * are resolved with the process's evdns, checked against webhooks.allow
 * and pinned for libcurl (CURLOPT_RESOLVE), which never resolves.
 */
#ifndef LOPA_WEBHOOK_H
#define LOPA_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evdns_base;
struct evutil_addrinfo;
struct lopad_conf;

struct webhook_status {
	uint64_t	 queued;	/* accepted for delivery */
	uint64_t	 delivered;	/* a 2xx answer */
	uint64_t	 retried;	/* attempts after a failed one */
	uint64_t	 failed;	/* given up: max_age, or refused */
	uint64_t	 dropped;	/* pushed out of a full queue */
	uint64_t	 refused;	/* of failed: outside webhooks.allow */
	uint64_t	 queue_length;	/* waiting now, every destination */
	uint32_t	 destinations;
	uint32_t	 in_flight;
	int		 tls;		/* a CA bundle is loaded */
};

/* Before the sandbox: libcurl, its CA bundle (webhooks.ca_file). */
void	 webhook_init(struct event_base *, struct evdns_base *,
	    const struct lopad_conf *);
/* The settings of a (re)loaded configuration, but ca_file. */
void	 webhook_conf(const struct lopad_conf *);
/*
 * Whether a URL may be used: 1 allowed, 0 only its addresses can tell (a
 * name outside the list while prefixes are listed), -1 refused; *why
 * says why not.  Checks the scheme (http, https) and the form too.
 */
int	 webhook_url_check(const char *, const char **);
/* A URL's host (an address without brackets); 0, or -1. */
int	 webhook_url_host(const char *, char *, size_t);
/* Whether an address (struct sockaddr) is inside a listed prefix. */
int	 webhook_addr_allowed(const void *);
/*
 * The first IPv4 or IPv6 address of a resolution that the allow list
 * accepts (any: the first, the name itself being listed); NULL none.
 */
struct evutil_addrinfo *webhook_addr_first(struct evutil_addrinfo *, int);
/*
 * Queue a POST of body (JSON) to url; secret signs it ("" or NULL: no);
 * task names the task it is about, for failure reports.
 */
void	 webhook_send(const char *, const char *, const char *, const char *,
	    size_t);
/*
 * Called when a notification is given up ("failed") or pushed out of a
 * full queue ("dropped"): what, the task, the destination, why.
 */
void	 webhook_on_loss(void (*)(const char *, const char *, const char *,
	    const char *));
void	 webhook_status(struct webhook_status *);
/*
 * Queue a POST of InfluxDB line protocol (exports.influx_url, from the
 * configuration: no allow list), with "Authorization: Token <token>"
 * unless token is NULL or "".  Its counters are apart.
 */
void	 webhook_export(const char *, const char *, const char *, size_t);
void	 webhook_export_status(struct webhook_status *);
void	 webhook_shutdown(void);

/*
 * The signature header's value: "t=<unix seconds>,v1=<hex HMAC-SHA256
 * of "<unix seconds>.<body>" keyed with the secret>"; 0, or -1.
 */
int	 webhook_sign(const char *, int64_t, const char *, size_t, char *,
	    size_t);

#endif /* LOPA_WEBHOOK_H */
