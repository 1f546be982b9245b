/*
 * lopa: webhook delivery (webhook.h).
 *
 * Each destination (scheme://host:port) has a FIFO queue and at most one
 * notification on its way: the head.  Its life: resolve the host (evdns;
 * a literal address is used as it is), keep the first address that
 * webhooks.allow accepts (all of them when the name itself is listed or
 * the list is empty), POST with libcurl pinned to that address, then on
 * a 2xx answer the next one; on anything else try again after a backoff
 * (1 s doubling to 60 s, times 0.5 to 1.5 at random) for as long as the
 * notification is younger than webhooks.max_age.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "addr.h"
#include "log.h"
#include "lopad.h"
#include "version.h"
#include "webhook.h"

/*
 * libcurl and libcrypto are loaded here, by the control process only,
 * before its sandbox (webhook_init): linked into lopad they were mapped
 * (and relocated: ~1.5 MiB each) in all six processes.  The functions
 * used, from the sonames of Debian's libcurl4-openssl and OpenSSL 3.
 */
#define WH_LIBCURL	"libcurl.so.4"
#define WH_LIBCRYPTO	"libcrypto.so.3"

static struct {
	CURLcode	(*global_init)(long);
	CURL		*(*easy_init)(void);
	CURLcode	(*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	(*easy_getinfo)(CURL *, CURLINFO, ...);
	void		(*easy_cleanup)(CURL *);
	const char	*(*easy_strerror)(CURLcode);
	void		(*free)(void *);
	CURLM		*(*multi_init)(void);
	CURLMcode	(*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode	(*multi_assign)(CURLM *, curl_socket_t, void *);
	CURLMcode	(*multi_add_handle)(CURLM *, CURL *);
	CURLMcode	(*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode	(*multi_socket_action)(CURLM *, curl_socket_t, int,
			    int *);
	CURLMsg		*(*multi_info_read)(CURLM *, int *);
	CURLMcode	(*multi_cleanup)(CURLM *);
	struct curl_slist *(*slist_append)(struct curl_slist *,
			    const char *);
	void		(*slist_free_all)(struct curl_slist *);
	CURLU		*(*url)(void);
	CURLUcode	(*url_set)(CURLU *, CURLUPart, const char *,
			    unsigned int);
	CURLUcode	(*url_get)(const CURLU *, CURLUPart, char **,
			    unsigned int);
	void		(*url_cleanup)(CURLU *);
	unsigned char	*(*hmac)(const EVP_MD *, const void *, int,
			    const unsigned char *, size_t, unsigned char *,
			    unsigned int *);
	const EVP_MD	*(*evp_sha256)(void);
} cu;

/* Load them once; 0, or -1 (logged: no webhooks). */
static int
wh_lib(void)
{
	static int	 state;		/* 0 not yet, 1 loaded, -1 failed */
	void		*c, *k;
	const char	*name = NULL;

	if (state != 0)
		return state == 1 ? 0 : -1;
	state = -1;
	if ((c = dlopen(WH_LIBCURL, RTLD_NOW | RTLD_LOCAL)) == NULL ||
	    (k = dlopen(WH_LIBCRYPTO, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_warnx("webhooks: %s: no delivery", dlerror());
		return -1;
	}
#define WH_SYM(h, f, sym) do {						\
	if ((*(void **)(void *)&cu.f = dlsym((h), (sym))) == NULL) {	\
		name = (sym);						\
		goto bad;						\
	}								\
} while (0)
	WH_SYM(c, global_init, "curl_global_init");
	WH_SYM(c, easy_init, "curl_easy_init");
	WH_SYM(c, easy_setopt, "curl_easy_setopt");
	WH_SYM(c, easy_getinfo, "curl_easy_getinfo");
	WH_SYM(c, easy_cleanup, "curl_easy_cleanup");
	WH_SYM(c, easy_strerror, "curl_easy_strerror");
	WH_SYM(c, free, "curl_free");
	WH_SYM(c, multi_init, "curl_multi_init");
	WH_SYM(c, multi_setopt, "curl_multi_setopt");
	WH_SYM(c, multi_assign, "curl_multi_assign");
	WH_SYM(c, multi_add_handle, "curl_multi_add_handle");
	WH_SYM(c, multi_remove_handle, "curl_multi_remove_handle");
	WH_SYM(c, multi_socket_action, "curl_multi_socket_action");
	WH_SYM(c, multi_info_read, "curl_multi_info_read");
	WH_SYM(c, multi_cleanup, "curl_multi_cleanup");
	WH_SYM(c, slist_append, "curl_slist_append");
	WH_SYM(c, slist_free_all, "curl_slist_free_all");
	WH_SYM(c, url, "curl_url");
	WH_SYM(c, url_set, "curl_url_set");
	WH_SYM(c, url_get, "curl_url_get");
	WH_SYM(c, url_cleanup, "curl_url_cleanup");
	WH_SYM(k, hmac, "HMAC");
	WH_SYM(k, evp_sha256, "EVP_sha256");
#undef WH_SYM
	state = 1;
	return 0;
bad:
	log_warnx("webhooks: %s lacks %s: no delivery", name[0] == 'c' ?
	    WH_LIBCURL : WH_LIBCRYPTO, name);
	return -1;
}

#define NS		1000000000LL
#define WH_CONNECT_MS	2000		/* connect timeout */
#define WH_TOTAL_MS	5000		/* whole request */
#define WH_BACKOFF_MIN	(1 * NS)
#define WH_BACKOFF_MAX	(60 * NS)
#define WH_CA_MAX	(4 * 1024 * 1024)	/* a CA bundle, at most */
#define WH_KEYLEN	(16 + LOPA_HOSTLEN + 16) /* "https://host:port" */

/* The counters an item counts in: the webhooks' or the exports'. */
#define WH_ST(it)	((it) != NULL && (it)->export ? &wh_ex : &wh_st)

struct wh_item {
	TAILQ_ENTRY(wh_item)	 entry;
	char			 task[96];	/* the task's id */
	char			*url;
	char			*secret;	/* NULL: unsigned */
	char			*body;
	size_t			 len;
	int64_t			 born;		/* monotonic ns */
	uint32_t		 attempts;
	int			 export;	/* exports.influx_url: trusted
						   (no allow list), counted
						   apart, line protocol */
	char			*auth;		/* "Authorization: ..."; NULL */
};
TAILQ_HEAD(wh_items, wh_item);

struct wh_dest {
	TAILQ_ENTRY(wh_dest)	 entry;
	char			 key[WH_KEYLEN];
	char			 host[LOPA_HOSTLEN];	/* no brackets */
	char			 port[8];
	int			 literal;	/* host is an address */
	int			 named;		/* the name is in the list */
	struct wh_items		 q;
	uint32_t		 n;
	struct wh_item		*cur;		/* the head, on its way */
	CURL			*easy;		/* in the multi handle */
	struct curl_slist	*hdrs;
	struct curl_slist	*resolve;
	struct event		*retry;
	struct evdns_getaddrinfo_request *gai;
	char			 err[CURL_ERROR_SIZE];
};
TAILQ_HEAD(wh_dests, wh_dest);

static struct event_base	*wh_base;
static struct evdns_base	*wh_dns;
static CURLM			*wh_multi;
static struct event		*wh_timer;
static struct event		*wh_reap_ev;	/* frees idle destinations */
static struct wh_dests		 wh_dests = TAILQ_HEAD_INITIALIZER(wh_dests);
static struct webhook_status	 wh_st;
static struct webhook_status	 wh_ex;		/* exports.influx_url */
static struct curl_blob		 wh_ca;		/* data NULL: none */
static uint32_t			 wh_queue_max = 1000;
static int64_t			 wh_max_age = 3600 * NS;
static struct {
	uint32_t		 n;
	char			 names[LOPA_MAXALLOW][LOPA_HOSTLEN];
	uint32_t		 nnames;
	struct addr_prefix	 pfx[LOPA_MAXALLOW];
	uint32_t		 npfx;
} wh_allow;

static void	 wh_kick(struct wh_dest *);
static void	(*wh_loss_cb)(const char *, const char *, const char *,
		    const char *);

void
webhook_on_loss(void (*cb)(const char *, const char *, const char *,
    const char *))
{
	wh_loss_cb = cb;
}
static void	 wh_attempt(struct wh_dest *);

static int64_t
wh_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void
wh_tv(int64_t ns, struct timeval *tv)
{
	if (ns < 0)
		ns = 0;
	tv->tv_sec = ns / NS;
	tv->tv_usec = (ns % NS + 999) / 1000;
	if (tv->tv_usec >= 1000000) {
		tv->tv_sec++;
		tv->tv_usec -= 1000000;
	}
}

/* A host name in canonical form: lower case, no trailing dot. */
static void
wh_canon(char *dst, size_t len, const char *src)
{
	size_t	 i;

	strlcpy(dst, src, len);
	for (i = 0; dst[i] != '\0'; i++)
		dst[i] = (char)tolower((unsigned char)dst[i]);
	if (i > 1 && dst[i - 1] == '.')
		dst[i - 1] = '\0';
}

/* --- signatures ---------------------------------------------------------- */

int
webhook_sign(const char *secret, int64_t t, const char *body, size_t len,
    char *out, size_t outlen)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0, i;
	char		 ts[32], *msg;
	size_t		 tlen, n;

	if (wh_lib() == -1)
		return -1;
	tlen = (size_t)snprintf(ts, sizeof(ts), "%lld", (long long)t);
	if ((msg = malloc(tlen + 1 + len)) == NULL)
		return -1;
	memcpy(msg, ts, tlen);
	msg[tlen] = '.';
	memcpy(msg + tlen + 1, body, len);
	if (cu.hmac(cu.evp_sha256(), secret, (int)strlen(secret),
	    (unsigned char *)msg, tlen + 1 + len, mac, &maclen) == NULL) {
		free(msg);
		return -1;
	}
	free(msg);
	n = (size_t)snprintf(out, outlen, "t=%s,v1=", ts);
	if (n + (size_t)maclen * 2 + 1 > outlen)
		return -1;
	for (i = 0; i < maclen; i++)
		snprintf(out + n + (size_t)i * 2, 3, "%02x", mac[i]);
	explicit_bzero(mac, sizeof(mac));
	return 0;
}

/* --- the allow list ---------------------------------------------------- */

int
webhook_addr_allowed(const void *sa)
{
	uint32_t	 i;

	if (wh_allow.n == 0)
		return 1;
	for (i = 0; i < wh_allow.npfx; i++)
		if (addr_prefix_match(&wh_allow.pfx[i], sa))
			return 1;
	return 0;
}

static int
wh_name_allowed(const char *host)
{
	char		 h[LOPA_HOSTLEN];
	uint32_t	 i;

	if (wh_allow.n == 0)
		return 1;
	wh_canon(h, sizeof(h), host);
	for (i = 0; i < wh_allow.nnames; i++)
		if (strcmp(wh_allow.names[i], h) == 0)
			return 1;
	return 0;
}

/* A literal address (no brackets) into ss; -1 when it is a name. */
static int
wh_literal(const char *host, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

/*
 * The parts of a URL that make its destination: scheme (http or https),
 * host (brackets removed) and port; -1 with *why.
 */
static int
wh_url_parts(const char *url, char *scheme, size_t slen, char *host,
    size_t hlen, char *port, size_t plen, const char **why)
{
	CURLU	*u;
	char	*s = NULL, *h = NULL, *p = NULL, *z = NULL;
	size_t	 n;
	int	 rc = -1;

	if (wh_lib() == -1) {
		*why = "webhooks are not available (libcurl)";
		return -1;
	}
	if ((u = cu.url()) == NULL) {
		*why = "out of memory";
		return -1;
	}
	if (cu.url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		*why = "not a valid URL";
		goto done;
	}
	if (cu.url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
	    (strcmp(s, "http") != 0 && strcmp(s, "https") != 0)) {
		*why = "not an http or https URL";
		goto done;
	}
	if (cu.url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    h[0] == '\0') {
		*why = "the URL has no host";
		goto done;
	}
	if (cu.url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		*why = "the URL's port is not valid";
		goto done;
	}
	strlcpy(scheme, s, slen);
	n = strlen(h);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h[n - 1] = '\0';
		strlcpy(host, h + 1, hlen);
	} else
		strlcpy(host, h, hlen);
	/* A scope (fe80::1%25eth0) is not for webhooks. */
	if (strchr(host, '%') != NULL ||
	    cu.url_get(u, CURLUPART_ZONEID, &z, 0) == CURLUE_OK) {
		*why = "an address with a scope (zone)";
		goto done;
	}
	strlcpy(port, p, plen);
	rc = 0;
done:
	cu.free(s);
	cu.free(h);
	cu.free(p);
	cu.free(z);
	cu.url_cleanup(u);
	return rc;
}

struct evutil_addrinfo *
webhook_addr_first(struct evutil_addrinfo *res, int any)
{
	struct evutil_addrinfo	*ai;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (any || webhook_addr_allowed(ai->ai_addr))
			return ai;
	}
	return NULL;
}

int
webhook_url_host(const char *url, char *host, size_t len)
{
	char		 scheme[8], port[8];
	const char	*why;

	return wh_url_parts(url, scheme, sizeof(scheme), host, len, port,
	    sizeof(port), &why);
}

int
webhook_url_check(const char *url, const char **why)
{
	struct sockaddr_storage	 ss;
	char			 scheme[8], host[LOPA_HOSTLEN], port[8];

	if (wh_url_parts(url, scheme, sizeof(scheme), host, sizeof(host),
	    port, sizeof(port), why) == -1)
		return -1;
	*why = "outside webhooks.allow";
	if (wh_literal(host, &ss) == 0)
		return webhook_addr_allowed(&ss) ? 1 : -1;
	if (wh_name_allowed(host))
		return 1;
	return wh_allow.npfx > 0 ? 0 : -1;
}

/* --- libcurl on the event loop ---------------------------------------- */

static void	 wh_done(void);

static void
wh_socket_ev(evutil_socket_t fd, short what, void *arg)
{
	int	 flags = 0, running;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	cu.multi_socket_action(wh_multi, fd, flags, &running);
	wh_done();
}

static int
wh_socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct event	*ev = sockp;
	short		 kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL) {
			event_free(ev);
			cu.multi_assign(wh_multi, s, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (ev != NULL) {
		event_del(ev);
		event_assign(ev, wh_base, s, kind, wh_socket_ev, NULL);
	} else {
		if ((ev = event_new(wh_base, s, kind, wh_socket_ev, NULL)) ==
		    NULL)
			fatalx("webhook: event_new");
		cu.multi_assign(wh_multi, s, ev);
	}
	event_add(ev, NULL);
	return 0;
}

static void
wh_timer_ev(evutil_socket_t fd, short what, void *arg)
{
	int	 running;

	cu.multi_socket_action(wh_multi, CURL_SOCKET_TIMEOUT, 0, &running);
	wh_done();
}

static int
wh_timer_cb(CURLM *m, long ms, void *userp)
{
	struct timeval	 tv;

	if (ms < 0) {
		evtimer_del(wh_timer);
		return 0;
	}
	wh_tv((int64_t)ms * 1000000, &tv);
	evtimer_add(wh_timer, &tv);
	return 0;
}

/* --- destinations and their queues ------------------------------------- */

static void
wh_item_free(struct wh_item *it)
{
	if (it->secret != NULL)
		freezero(it->secret, strlen(it->secret));
	if (it->auth != NULL)
		freezero(it->auth, strlen(it->auth));
	free(it->url);
	free(it->body);
	free(it);
}

/* The request of an attempt goes: its handle and header lists. */
static void
wh_request_free(struct wh_dest *d)
{
	if (d->easy != NULL) {
		cu.multi_remove_handle(wh_multi, d->easy);
		cu.easy_cleanup(d->easy);
		d->easy = NULL;
		wh_st.in_flight--;
	}
	cu.slist_free_all(d->hdrs);
	cu.slist_free_all(d->resolve);
	d->hdrs = d->resolve = NULL;
}

/* Stop whatever the head is doing: DNS, request, backoff. */
static void
wh_cancel(struct wh_dest *d)
{
	struct evdns_getaddrinfo_request	*gai = d->gai;

	if (gai != NULL) {
		d->gai = NULL;
		evdns_getaddrinfo_cancel(gai);
	}
	wh_request_free(d);
	evtimer_del(d->retry);
	d->cur = NULL;
}

/* The head is done with (delivered, failed or dropped). */
static void
wh_pop(struct wh_dest *d)
{
	struct wh_item	*it;

	if ((it = TAILQ_FIRST(&d->q)) == NULL)
		return;
	if (d->cur == it)
		wh_cancel(d);
	TAILQ_REMOVE(&d->q, it, entry);
	d->n--;
	WH_ST(it)->queue_length--;
	wh_item_free(it);
}

static void
wh_dest_free(struct wh_dest *d)
{
	wh_cancel(d);
	while (!TAILQ_EMPTY(&d->q))
		wh_pop(d);
	TAILQ_REMOVE(&wh_dests, d, entry);
	event_free(d->retry);
	wh_st.destinations--;
	free(d);
}

static void
wh_retry_ev(evutil_socket_t fd, short what, void *arg)
{
	wh_attempt(arg);
}

static struct wh_dest *
wh_dest_get(const char *scheme, const char *host, const char *port)
{
	struct wh_dest		*d;
	struct sockaddr_storage	 ss;
	char			 key[WH_KEYLEN], h[LOPA_HOSTLEN];

	wh_canon(h, sizeof(h), host);
	snprintf(key, sizeof(key), "%s://%s:%s", scheme, h, port);
	TAILQ_FOREACH(d, &wh_dests, entry)
		if (strcmp(d->key, key) == 0)
			return d;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	strlcpy(d->key, key, sizeof(d->key));
	strlcpy(d->host, host, sizeof(d->host));
	strlcpy(d->port, port, sizeof(d->port));
	d->literal = wh_literal(host, &ss) == 0;
	TAILQ_INIT(&d->q);
	if ((d->retry = evtimer_new(wh_base, wh_retry_ev, d)) == NULL) {
		free(d);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&wh_dests, d, entry);
	wh_st.destinations++;
	return d;
}

/* The head failed for good. */
static void
wh_fail(struct wh_dest *d, const char *why)
{
	log_warnx("webhook %s: given up after %u attempts: %s", d->key,
	    d->cur != NULL ? d->cur->attempts : 0, why);
	WH_ST(d->cur)->failed++;
	if (wh_loss_cb != NULL && d->cur != NULL)
		wh_loss_cb("failed", d->cur->task, d->key, why);
	wh_pop(d);
	wh_kick(d);
}

/* The head's attempt failed: again later, or never. */
static void
wh_again(struct wh_dest *d, const char *why)
{
	struct wh_item	*it = d->cur;
	struct timeval	 tv;
	int64_t		 wait, now = wh_mono();
	uint32_t	 shift;

	if (it == NULL)
		return;
	shift = it->attempts > 7 ? 6 : it->attempts - 1;
	wait = WH_BACKOFF_MIN << shift;
	if (wait > WH_BACKOFF_MAX)
		wait = WH_BACKOFF_MAX;
	wait = wait / 2 + (int64_t)arc4random_uniform(1000) * (wait / 1000);
	/* Tried until max_age: the last attempt when it has passed. */
	if (now - it->born >= wh_max_age) {
		wh_fail(d, why);
		return;
	}
	if (now + wait - it->born > wh_max_age)
		wait = it->born + wh_max_age - now;
	log_info("webhook %s: attempt %u failed (%s); again in %lld ms",
	    d->key, it->attempts, why, (long long)(wait / 1000000));
	/* The request's resources go; the head stays, waiting. */
	wh_request_free(d);
	wh_tv(wait, &tv);
	evtimer_add(d->retry, &tv);
}

/* POST the head to addr (NULL: a literal host, nothing to pin). */
static void
wh_post(struct wh_dest *d, const struct sockaddr *addr)
{
	struct wh_item	*it = d->cur;
	char		 a[LOPA_ADDRLEN], line[LOPA_HOSTLEN + 80];
	char		 sig[160];
	int64_t		 t = (int64_t)time(NULL);
	CURL		*e;

	if ((e = cu.easy_init()) == NULL) {
		wh_again(d, "curl_easy_init");
		return;
	}
	d->hdrs = cu.slist_append(d->hdrs, it->export ?
	    "Content-Type: text/plain; charset=utf-8" :
	    "Content-Type: application/json");
	if (it->auth != NULL)
		d->hdrs = cu.slist_append(d->hdrs, it->auth);
	d->hdrs = cu.slist_append(d->hdrs, "Expect:");
	snprintf(line, sizeof(line), "X-Lopa-Timestamp: %lld", (long long)t);
	d->hdrs = cu.slist_append(d->hdrs, line);
	if (it->secret != NULL) {
		if (webhook_sign(it->secret, t, it->body, it->len, sig,
		    sizeof(sig)) == -1) {
			cu.easy_cleanup(e);
			wh_fail(d, "cannot sign");
			return;
		}
		snprintf(line, sizeof(line), "X-Lopa-Signature: %s", sig);
		d->hdrs = cu.slist_append(d->hdrs, line);
	}
	if (addr != NULL) {
		if (inet_ntop(addr->sa_family, addr->sa_family == AF_INET ?
		    (const void *)&((const struct sockaddr_in *)(const void *)
		    addr)->sin_addr : (const void *)&((const struct
		    sockaddr_in6 *)(const void *)addr)->sin6_addr, a,
		    sizeof(a)) == NULL) {
			cu.easy_cleanup(e);
			wh_again(d, "inet_ntop");
			return;
		}
		snprintf(line, sizeof(line), "-%s:%s", d->host, d->port);
		d->resolve = cu.slist_append(d->resolve, line);
		snprintf(line, sizeof(line), addr->sa_family == AF_INET6 ?
		    "%s:%s:[%s]" : "%s:%s:%s", d->host, d->port, a);
		d->resolve = cu.slist_append(d->resolve, line);
		cu.easy_setopt(e, CURLOPT_RESOLVE, d->resolve);
	}
	d->err[0] = '\0';
	cu.easy_setopt(e, CURLOPT_URL, it->url);
	cu.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	cu.easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	cu.easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	cu.easy_setopt(e, CURLOPT_POST, 1L);
	cu.easy_setopt(e, CURLOPT_POSTFIELDS, it->body);
	cu.easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->len);
	cu.easy_setopt(e, CURLOPT_HTTPHEADER, d->hdrs);
	cu.easy_setopt(e, CURLOPT_USERAGENT, "lopad/" LOPA_VERSION);
	cu.easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)WH_CONNECT_MS);
	cu.easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)WH_TOTAL_MS);
	cu.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(e, CURLOPT_ERRORBUFFER, d->err);
	cu.easy_setopt(e, CURLOPT_PRIVATE, d);
	/* No proxy from the environment: the address is the checked one. */
	cu.easy_setopt(e, CURLOPT_PROXY, "");
	if (wh_ca.data != NULL)
		cu.easy_setopt(e, CURLOPT_CAINFO_BLOB, &wh_ca);
	cu.easy_setopt(e, CURLOPT_CAPATH, NULL);
	if (cu.multi_add_handle(wh_multi, e) != CURLM_OK) {
		cu.easy_cleanup(e);
		wh_again(d, "curl_multi_add_handle");
		return;
	}
	d->easy = e;
	wh_st.in_flight++;
}

static void
wh_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct wh_dest		*d = arg;
	struct evutil_addrinfo	*ai;

	if (result == EVUTIL_EAI_CANCEL) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	d->gai = NULL;
	if (result != 0) {
		wh_again(d, evutil_gai_strerror(result));
		return;
	}
	if ((ai = webhook_addr_first(res, d->named ||
	    (d->cur != NULL && d->cur->export))) == NULL) {
		evutil_freeaddrinfo(res);
		wh_st.refused++;
		wh_fail(d, "no address of the host is in webhooks.allow");
		return;
	}
	wh_post(d, ai->ai_addr);
	evutil_freeaddrinfo(res);
}

/* One attempt at the head. */
static void
wh_attempt(struct wh_dest *d)
{
	struct evutil_addrinfo	 hints;
	struct sockaddr_storage	 ss;
	struct evdns_getaddrinfo_request *gai;

	if (d->cur == NULL)
		return;
	if (d->cur->attempts++ > 0)
		WH_ST(d->cur)->retried++;
	if (d->literal) {
		if (wh_literal(d->host, &ss) == -1 ||
		    (!d->cur->export && !webhook_addr_allowed(&ss))) {
			wh_st.refused++;
			wh_fail(d, "outside webhooks.allow");
			return;
		}
		wh_post(d, NULL);
		return;
	}
	d->named = wh_name_allowed(d->host);
	if (!d->named && wh_allow.npfx == 0 && !d->cur->export) {
		wh_st.refused++;
		wh_fail(d, "outside webhooks.allow");
		return;
	}
	if (wh_dns == NULL) {
		wh_again(d, "no resolver");
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* No AI_ADDRCONFIG: getifaddrs needs a netlink socket (sandbox). */
	/* NULL when it answered already (the hosts file): keep any other. */
	if ((gai = evdns_getaddrinfo(wh_dns, d->host, d->port, &hints,
	    wh_resolved, d)) != NULL)
		d->gai = gai;
}

/*
 * Idle destinations with nothing queued are freed from the event loop,
 * never under a caller (evdns may answer before evdns_getaddrinfo
 * returns, libcurl calls back from within its calls).
 */
static void
wh_reap(evutil_socket_t fd, short what, void *arg)
{
	struct wh_dest	*d, *next;

	TAILQ_FOREACH_SAFE(d, &wh_dests, entry, next)
		if (d->cur == NULL && TAILQ_EMPTY(&d->q))
			wh_dest_free(d);
}

/* Start on the head if nothing is on its way. */
static void
wh_kick(struct wh_dest *d)
{
	if (d->cur != NULL)
		return;
	if (TAILQ_EMPTY(&d->q)) {
		event_active(wh_reap_ev, 0, 0);
		return;
	}
	d->cur = TAILQ_FIRST(&d->q);
	wh_attempt(d);
}

/* Finished requests: delivered, or again later. */
static void
wh_done(void)
{
	CURLMsg		*m;
	struct wh_dest	*d;
	long		 code = 0;
	char		 why[CURL_ERROR_SIZE + 32];
	int		 left;

	while ((m = cu.multi_info_read(wh_multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		d = NULL;
		cu.easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    (char **)&d);
		if (d == NULL || d->easy != m->easy_handle)
			continue;
		cu.easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE,
		    &code);
		if (m->data.result == CURLE_OK && code >= 200 && code < 300) {
			log_debug("webhook %s: delivered (%ld)", d->key, code);
			WH_ST(d->cur)->delivered++;
			wh_pop(d);
			wh_kick(d);
			continue;
		}
		if (m->data.result != CURLE_OK)
			snprintf(why, sizeof(why), "%s", d->err[0] != '\0' ?
			    d->err : cu.easy_strerror(m->data.result));
		else
			snprintf(why, sizeof(why), "HTTP status %ld", code);
		wh_again(d, why);
	}
}

/* --- the interface ----------------------------------------------------- */

static void
wh_queue(const char *, const char *, const char *, const char *, size_t,
    const char *);

void
webhook_send(const char *url, const char *secret, const char *task,
    const char *body, size_t len)
{
	wh_queue(url, secret, task, body, len, NULL);
}

void
webhook_export(const char *url, const char *token, const char *body,
    size_t len)
{
	char	 auth[320];

	if (token != NULL && token[0] != '\0')
		snprintf(auth, sizeof(auth), "Authorization: Token %s", token);
	else
		strlcpy(auth, "", sizeof(auth));
	wh_queue(url, NULL, "", body, len, auth);
	explicit_bzero(auth, sizeof(auth));
}

void
webhook_export_status(struct webhook_status *st)
{
	*st = wh_ex;
	st->tls = wh_ca.data != NULL;
}

/* exp: an export (auth: its header, "" none); NULL a webhook. */
static void
wh_queue(const char *url, const char *secret, const char *task,
    const char *body, size_t len, const char *exp)
{
	struct wh_dest	*d;
	struct wh_item	*it = NULL, *old;
	char		 scheme[8], host[LOPA_HOSTLEN], port[8];
	const char	*why;

	if (wh_multi == NULL)
		return;
	if (wh_url_parts(url, scheme, sizeof(scheme), host, sizeof(host),
	    port, sizeof(port), &why) == -1) {
		log_warnx("webhook %s: %s", url, why);
		(exp != NULL ? &wh_ex : &wh_st)->failed++;
		return;
	}
	if ((d = wh_dest_get(scheme, host, port)) == NULL ||
	    (it = calloc(1, sizeof(*it))) == NULL ||
	    (it->url = strdup(url)) == NULL ||
	    (it->body = malloc(len + 1)) == NULL ||
	    (secret != NULL && secret[0] != '\0' &&
	    (it->secret = strdup(secret)) == NULL) ||
	    (exp != NULL && exp[0] != '\0' &&
	    (it->auth = strdup(exp)) == NULL)) {
		log_warn("webhook %s", url);
		(exp != NULL ? &wh_ex : &wh_st)->dropped++;
		if (d != NULL)
			wh_kick(d);
		if (it != NULL)
			wh_item_free(it);
		return;
	}
	memcpy(it->body, body, len);
	it->body[len] = '\0';
	it->export = exp != NULL;
	strlcpy(it->task, task != NULL ? task : "", sizeof(it->task));
	it->len = len;
	it->born = wh_mono();
	/* Full: the oldest goes (the head too, even on its way). */
	while (d->n >= wh_queue_max && (old = TAILQ_FIRST(&d->q)) != NULL) {
		log_warnx("webhook %s: queue full (%u): oldest dropped",
		    d->key, wh_queue_max);
		WH_ST(old)->dropped++;
		if (wh_loss_cb != NULL)
			wh_loss_cb("dropped", old->task, d->key,
			    "the queue is full");
		wh_pop(d);
	}
	TAILQ_INSERT_TAIL(&d->q, it, entry);
	d->n++;
	WH_ST(it)->queued++;
	WH_ST(it)->queue_length++;
	wh_kick(d);
}

void
webhook_status(struct webhook_status *st)
{
	*st = wh_st;
	st->tls = wh_ca.data != NULL;
}

void
webhook_conf(const struct lopad_conf *c)
{
	const char	*why;
	uint32_t	 i;

	memset(&wh_allow, 0, sizeof(wh_allow));
	for (i = 0; i < c->webhooks_allow.n && i < LOPA_MAXALLOW; i++) {
		const char	*v = c->webhooks_allow.v[i];
		char		 e[LOPA_HOSTLEN];

		strlcpy(e, v, sizeof(e));
		if (addr_prefix_form(e, strlen(e))) {
			if (addr_prefix_parse(e, &wh_allow.pfx[wh_allow.npfx],
			    &why) == -1) {
				log_warnx("webhooks.allow %s: %s", e, why);
				continue;
			}
			wh_allow.npfx++;
		} else
			wh_canon(wh_allow.names[wh_allow.nnames++],
			    sizeof(wh_allow.names[0]), e);
		wh_allow.n++;
	}
	wh_queue_max = c->webhooks_queue > 0 ? c->webhooks_queue : 1;
	wh_max_age = c->webhooks_max_age > 0 ? c->webhooks_max_age :
	    3600 * NS;
}

/* The CA bundle, read whole (libcurl takes it as a blob). */
static void
wh_ca_load(const char *path)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0;
	char		*buf;
	int		 fd;

	if (path[0] == '\0') {
		log_info("webhooks: no ca_file: https receivers will fail");
		return;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("webhooks: ca_file %s: https receivers will fail",
		    path);
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > WH_CA_MAX) {
		log_warnx("webhooks: ca_file %s: not a regular file of at "
		    "most %d bytes", path, WH_CA_MAX);
		close(fd);
		return;
	}
	if ((buf = malloc((size_t)st.st_size)) == NULL) {
		log_warn("webhooks: ca_file");
		close(fd);
		return;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got == 0) {
		free(buf);
		return;
	}
	wh_ca.data = buf;
	wh_ca.len = got;
	wh_ca.flags = CURL_BLOB_NOCOPY;
}

void
webhook_init(struct event_base *base, struct evdns_base *dns,
    const struct lopad_conf *c)
{
	wh_base = base;
	wh_dns = dns;
	if (wh_lib() == -1)
		return;
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("webhooks: curl_global_init failed: no delivery");
		return;
	}
	if ((wh_multi = cu.multi_init()) == NULL) {
		log_warnx("webhooks: curl_multi_init failed: no delivery");
		return;
	}
	if ((wh_timer = evtimer_new(base, wh_timer_ev, NULL)) == NULL ||
	    (wh_reap_ev = event_new(base, -1, 0, wh_reap, NULL)) == NULL)
		fatalx("webhook: evtimer_new");
	cu.multi_setopt(wh_multi, CURLMOPT_SOCKETFUNCTION, wh_socket_cb);
	cu.multi_setopt(wh_multi, CURLMOPT_TIMERFUNCTION, wh_timer_cb);
	wh_ca_load(c->webhooks_ca_file);
	webhook_conf(c);
}

void
webhook_shutdown(void)
{
	struct wh_dest	*d;

	while ((d = TAILQ_FIRST(&wh_dests)) != NULL)
		wh_dest_free(d);
	if (wh_multi != NULL)
		cu.multi_cleanup(wh_multi);
	wh_multi = NULL;
	if (wh_timer != NULL)
		event_free(wh_timer);
	if (wh_reap_ev != NULL)
		event_free(wh_reap_ev);
	wh_timer = wh_reap_ev = NULL;
	free(wh_ca.data);
	wh_ca.data = NULL;
}
