/*
 * lopad: the control process.  It serves the REST API (DESIGN §7) with
 * libevent's evhttp on the listeners the parent passes: the read-write
 * UNIX socket, the read-only UNIX socket and the TCP listeners, one
 * evhttp per class so that a request knows where it came from.  Requests
 * the parent answers (status, reload) wait in a list keyed by request id.
 *
 * evhttp (libevent 2.1) has no hook for new or closed connections.  We
 * create each connection's bufferevent (evhttp_set_bevcb); evhttp then
 * sets that bufferevent's callbacks with the connection as their argument,
 * where a zero-delay event finds it (bufferevent_getcb) and registers a
 * close callback.  That is how connections are counted, capped and
 * identified (peer credentials, listener) once, at accept time.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <netinet/in.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <jansson.h>

#include "addr.h"
#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "problem.h"
#include "proc.h"


#define CTL_BODY_MAX		(64 * 1024)
#define CTL_HEADERS_MAX		(8 * 1024)
#define CTL_PENDING_SEC		15	/* the parent gives reloads 5 s */
#define CTL_PAUSE_MS		100	/* accept() failed: retry after */
#define CTL_WARN_SEC		10	/* at most one such warning per */
#define CTL_MAXUIDS		1024
#define CTL_PEERGROUPS		256
#define CTL_URILOG		160

#define CTL_METHODS		(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | \
				 EVHTTP_REQ_POST | EVHTTP_REQ_PUT | \
				 EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE | \
				 EVHTTP_REQ_OPTIONS)
#define CTL_WRITE_METHODS	(EVHTTP_REQ_POST | EVHTTP_REQ_PUT | \
				 EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE)

enum ctl_class {
	CLASS_UNIX_RW = 0,
	CLASS_UNIX_RO,
	CLASS_TCP,
	CLASS_MAX
};

enum ctl_access {
	ACCESS_NONE = 0,	/* TCP off loopback without a token */
	ACCESS_READ,
	ACCESS_WRITE
};

struct ctl_server {
	struct evhttp		*http;
	enum ctl_class		 class;
	size_t			 nconn;
	time_t			 capwarn;	/* last "too many" warning */
};

struct ctl_listener {
	TAILQ_ENTRY(ctl_listener)	 entry;
	struct listener_info		 info;
	enum ctl_class			 class;
	int				 fd;	/* -1 once evhttp owns it */
	struct sockaddr_storage		 ss;	/* TCP: bound address */
	socklen_t			 sslen;
	struct evhttp_bound_socket	*bound;
	struct event			*resume;
	time_t				 errwarn;
};
TAILQ_HEAD(ctl_listeners, ctl_listener);

struct ctl_pending;

struct ctl_conn {
	RB_ENTRY(ctl_conn)	 node;		/* by evcon */
	TAILQ_ENTRY(ctl_conn)	 fresh;
	struct ctl_server	*srv;
	struct bufferevent	*bev;
	struct evhttp_connection *evcon;	/* NULL until identified */
	struct evbuffer_cb_entry *outcb;
	struct event		*rewrite;
	int			 loopback;	/* TCP: a loopback listener */
	int			 in_group;	/* UNIX: uid 0 or the group */
	uid_t			 uid;
	char			 who[LOPA_ADDRLEN + LOPA_SUNPATHLEN + 24];
	struct ctl_pending	*pending;
};
RB_HEAD(ctl_conn_tree, ctl_conn);
TAILQ_HEAD(ctl_conn_list, ctl_conn);

struct ctl_pending {
	TAILQ_ENTRY(ctl_pending) entry;
	uint32_t		 reqid;
	uint32_t		 type;		/* IMSG_CTL_STATUS, _RELOAD */
	struct evhttp_request	*req;		/* NULL: the client left */
	struct ctl_conn		*conn;
	enum ctl_access		 access;
	json_t			*procs;
	struct event		*timer;
};
TAILQ_HEAD(ctl_pendings, ctl_pending);

/* One request on its way through the route table. */
struct ctl_req {
	struct evhttp_request	*req;
	struct ctl_conn		*conn;
	const char		*path;
	int			 method;
	enum ctl_access		 access;
	json_t			*body;		/* NULL when none */
};

#define ROUTE_WRITE	0x01	/* needs write access */
#define ROUTE_PUBLIC	0x02	/* answers without credentials */

struct ctl_route {
	const char	*path;
	int		 methods;	/* EVHTTP_REQ_* */
	int		 flags;
	void		(*handler)(struct ctl_req *);
};

static void	 ctl_status(struct ctl_req *);
static void	 ctl_reload(struct ctl_req *);
static void	 ctl_healthy(struct ctl_req *);
static void	 ctl_ready(struct ctl_req *);

/* Later issues add rows here. */
static const struct ctl_route ctl_routes[] = {
	{ "/api/v1/status", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, 0, ctl_status },
	{ "/api/v1/reload", EVHTTP_REQ_POST, ROUTE_WRITE, ctl_reload },
	{ "/-/healthy", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, ROUTE_PUBLIC,
	    ctl_healthy },
	{ "/-/ready", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, ROUTE_PUBLIC,
	    ctl_ready },
};

static const struct {
	int		 method;
	const char	*name;
} ctl_method_names[] = {
	{ EVHTTP_REQ_GET, "GET" },
	{ EVHTTP_REQ_HEAD, "HEAD" },
	{ EVHTTP_REQ_POST, "POST" },
	{ EVHTTP_REQ_PUT, "PUT" },
	{ EVHTTP_REQ_PATCH, "PATCH" },
	{ EVHTTP_REQ_DELETE, "DELETE" },
	{ EVHTTP_REQ_OPTIONS, "OPTIONS" },
	{ EVHTTP_REQ_TRACE, "TRACE" },
	{ EVHTTP_REQ_CONNECT, "CONNECT" },
};

static struct ctl_server	 ctl_servers[CLASS_MAX];
static struct ctl_listeners	 ctl_active =
				    TAILQ_HEAD_INITIALIZER(ctl_active);
static struct ctl_listeners	 ctl_staged =	/* a reload's, until commit */
				    TAILQ_HEAD_INITIALIZER(ctl_staged);
static struct ctl_conn_tree	 ctl_conns = RB_INITIALIZER(&ctl_conns);
static struct ctl_conn_list	 ctl_fresh = TAILQ_HEAD_INITIALIZER(ctl_fresh);
static struct event		*ctl_fresh_ev;
static struct ctl_pendings	 ctl_pendings =
				    TAILQ_HEAD_INITIALIZER(ctl_pendings);
static uint32_t			 ctl_reqid;
static int			 ctl_started;
static int			 ctl_ready_flag;
static int			 ctl_replying;	/* we are writing a reply */
static int			 ctl_reconf;	/* between check and commit */
static char			 ctl_hostname[256];

/* Bearer tokens; a reload stages its set until the commit. */
static struct api_token		 ctl_tokens[TOKEN_MAX];
static size_t			 ctl_ntokens;
static struct api_token		 ctl_newtokens[TOKEN_MAX];
static size_t			 ctl_nnewtokens;
static int			 ctl_have_newtokens;

/* The group whose members may write on the read-write socket. */
static gid_t			 ctl_gid;
static int			 ctl_have_gid;
static uid_t			 ctl_members[CTL_MAXUIDS];
static size_t			 ctl_nmembers;

static int
ctl_conn_cmp(struct ctl_conn *a, struct ctl_conn *b)
{
	uintptr_t	 x = (uintptr_t)a->evcon, y = (uintptr_t)b->evcon;

	return x < y ? -1 : x > y;
}

RB_PROTOTYPE(ctl_conn_tree, ctl_conn, node, ctl_conn_cmp);
RB_GENERATE(ctl_conn_tree, ctl_conn, node, ctl_conn_cmp);

static const char *
ctl_method_name(int method)
{
	size_t	 i;

	for (i = 0; i < sizeof(ctl_method_names) /
	    sizeof(ctl_method_names[0]); i++)
		if (ctl_method_names[i].method == method)
			return ctl_method_names[i].name;
	return "?";
}

/* A URI made safe for a log line: printable ASCII only, bounded. */
static const char *
ctl_loguri(const char *uri, char *buf, size_t size)
{
	size_t	 i;

	if (uri == NULL)
		uri = "";
	for (i = 0; uri[i] != '\0' && i + 1 < size; i++)
		buf[i] = (uri[i] > 0x20 && uri[i] < 0x7f) ? uri[i] : '?';
	buf[i] = '\0';
	if (uri[i] != '\0' && size > 4)
		memcpy(buf + size - 4, "...", 4);
	return buf;
}

/* RFC 3339 UTC, whole seconds. */
static json_t *
ctl_time_json(int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	char		 buf[32];

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_null();
	return json_string(buf);
}

/*
 * Replies.  Every reply goes through ctl_send(), which marks that the
 * output buffer is being filled by us (see ctl_outbuf_cb).
 */
static void
ctl_send(struct evhttp_request *req, int status, const char *ctype,
    const char *body, size_t len)
{
	struct evkeyvalq	*hdrs = evhttp_request_get_output_headers(req);
	struct evbuffer		*buf;
	char			 clen[32];

	if ((buf = evbuffer_new()) == NULL)
		fatal("%s: evbuffer_new", __func__);
	if (ctype != NULL)
		evhttp_add_header(hdrs, "Content-Type", ctype);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* evhttp 2.1 would send the body and drop the length. */
		snprintf(clen, sizeof(clen), "%zu", len);
		evhttp_add_header(hdrs, "Content-Length", clen);
	} else if (len > 0 && evbuffer_add(buf, body, len) == -1)
		fatal("%s: evbuffer_add", __func__);
	ctl_replying = 1;
	evhttp_send_reply(req, status, problem_title(status), buf);
	ctl_replying = 0;
	evbuffer_free(buf);
}

static void
ctl_send_json(struct evhttp_request *req, int status, json_t *j)
{
	char	*s, *nl;
	size_t	 len;

	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("%s: json_dumps", __func__);
	/* A newline at the end, as curl users expect. */
	len = strlen(s);
	if ((nl = realloc(s, len + 2)) == NULL)
		fatal("%s: realloc", __func__);
	nl[len++] = '\n';
	nl[len] = '\0';
	ctl_send(req, status, "application/json", nl, len);
	free(nl);
}

static void
ctl_send_text(struct evhttp_request *req, int status, const char *text)
{
	ctl_send(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

static void
ctl_problem_full(struct evhttp_request *req, const struct problem *p)
{
	char	*s;
	size_t	 len;

	if ((s = problem_render(p, &len)) == NULL)
		fatalx("%s: problem_render", __func__);
	ctl_send(req, p->status, PROBLEM_CONTENT_TYPE, s, len);
	free(s);
}

static void
ctl_problem(struct evhttp_request *req, int status, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
ctl_problem(struct evhttp_request *req, int status, const char *fmt, ...)
{
	struct problem	 p;
	va_list		 ap;
	char		 detail[512];

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	memset(&p, 0, sizeof(p));
	p.status = status;
	p.detail = detail;
	ctl_problem_full(req, &p);
}

/*
 * evhttp answers some requests itself, with an HTML page: those it cannot
 * parse (400, also for header fields over the limit), bodies over the
 * limit (413) and methods it does not allow (501).  The API promises
 * problem+json for every error, so such a page is replaced.  evhttp writes
 * the page into the connection's empty output buffer in one go and the
 * socket is written on a later turn of the loop: an event activated when
 * the buffer starts to fill runs in between and swaps the page.
 */
static const char *
ctl_evhttp_detail(int status)
{
	switch (status) {
	case 400:
		return "malformed request, or request header fields over "
		    "8 KiB";
	case 413:
		return "request body over 65536 bytes";
	case 501:
		return "method not implemented";
	default:
		return problem_title(status);
	}
}

static void
ctl_rewrite(evutil_socket_t fd, short event, void *arg)
{
	struct ctl_conn	*c = arg;
	struct evbuffer	*out, *nbuf;
	struct problem	 p;
	const char	*head, *eoh, *body;
	char		*doc;
	size_t		 len, headlen, doclen;
	int		 status, close_conn;

	out = bufferevent_get_output(c->bev);
	len = evbuffer_get_length(out);
	if (len < 16 || len > 4096)
		return;
	if ((head = (const char *)evbuffer_pullup(out, len)) == NULL)
		return;
	if (memcmp(head, "HTTP/1.", 7) != 0 || head[8] != ' ' ||
	    head[9] < '4' || head[9] > '5' || head[10] < '0' ||
	    head[10] > '9' || head[11] < '0' || head[11] > '9' ||
	    head[12] != ' ')
		return;
	if ((eoh = memmem(head, len, "\r\n\r\n", 4)) == NULL)
		return;
	headlen = eoh - head + 2;
	body = eoh + 4;
	if (memmem(head, headlen, "\r\nContent-Type: text/html\r\n", 27) ==
	    NULL || (size_t)(head + len - body) < 12 ||
	    memcmp(body, "<HTML><HEAD>", 12) != 0)
		return;
	status = (head[9] - '0') * 100 + (head[10] - '0') * 10 +
	    (head[11] - '0');
	close_conn = memmem(head, headlen, "\r\nConnection: close\r\n", 21) !=
	    NULL;

	memset(&p, 0, sizeof(p));
	p.status = status;
	p.detail = ctl_evhttp_detail(status);
	if ((doc = problem_render(&p, &doclen)) == NULL)
		fatalx("%s: problem_render", __func__);
	if ((nbuf = evbuffer_new()) == NULL)
		fatal("%s: evbuffer_new", __func__);
	if (evbuffer_add_printf(nbuf, "HTTP/1.%c %d %s\r\n"
	    "Content-Type: " PROBLEM_CONTENT_TYPE "\r\n"
	    "Content-Length: %zu\r\n%s\r\n", head[7], status,
	    problem_title(status), doclen,
	    close_conn ? "Connection: close\r\n" : "") == -1 ||
	    evbuffer_add(nbuf, doc, doclen) == -1)
		fatal("%s: evbuffer_add", __func__);
	free(doc);
	log_debug("%s: evhttp refused the request: %d", c->who, status);
	ctl_replying = 1;
	evbuffer_drain(out, len);
	evbuffer_add_buffer(out, nbuf);
	ctl_replying = 0;
	evbuffer_free(nbuf);
}

static void
ctl_outbuf_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct ctl_conn	*c = arg;

	/* Only evhttp's own answers, which start into an empty buffer. */
	if (info->n_added == 0 || info->orig_size != 0 || ctl_replying)
		return;
	event_active(c->rewrite, EV_TIMEOUT, 0);
}

/*
 * Connections.
 */
static struct bufferevent *
ctl_conn_new(struct event_base *base, void *arg)
{
	struct ctl_server	*srv = arg;
	struct ctl_conn		*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("%s: calloc", __func__);
	c->srv = srv;
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatalx("%s: bufferevent_socket_new", __func__);
	if ((c->rewrite = event_new(base, -1, 0, ctl_rewrite, c)) == NULL)
		fatalx("%s: event_new", __func__);
	c->outcb = evbuffer_add_cb(bufferevent_get_output(c->bev),
	    ctl_outbuf_cb, c);
	if (c->outcb == NULL)
		fatalx("%s: evbuffer_add_cb", __func__);
	strlcpy(c->who, "new connection", sizeof(c->who));
	srv->nconn++;
	TAILQ_INSERT_TAIL(&ctl_fresh, c, fresh);
	event_active(ctl_fresh_ev, EV_TIMEOUT, 0);
	return c->bev;
}

/*
 * evhttp frees the connection: EOF, error or idle timeout while reading,
 * "Connection: close" or a failed write after a reply, the cap.  While a
 * request waits for the parent evhttp does not read, so a client that
 * leaves then is noticed only when its reply is written.
 */
static void
ctl_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct ctl_conn	*c = arg;

	if (c->pending != NULL) {
		/* The answer will find nobody to go to. */
		c->pending->req = NULL;
		c->pending->conn = NULL;
	}
	evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->outcb);
	event_free(c->rewrite);
	RB_REMOVE(ctl_conn_tree, &ctl_conns, c);
	c->srv->nconn--;
	free(c);
}

/* Does the peer's group list include the configured group? */
static int
ctl_peer_groups(int fd, gid_t want, int *known)
{
	gid_t		 small[CTL_PEERGROUPS], *g = small;
	socklen_t	 len = sizeof(small);
	size_t		 i, n;
	int		 found = 0;

	*known = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1) {
		if (errno != ERANGE || len == 0 ||
		    (g = malloc(len)) == NULL)
			return 0;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1) {
			free(g);
			return 0;
		}
	}
	*known = 1;
	n = len / sizeof(gid_t);
	for (i = 0; i < n; i++)
		if (g[i] == want)
			found = 1;
	if (g != small)
		free(g);
	return found;
}

static void
ctl_identify_unix(struct ctl_conn *c, int fd, const char *path)
{
	struct ucred	 uc;
	socklen_t	 len = sizeof(uc);
	size_t		 i;
	int		 known;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 ||
	    len != sizeof(uc)) {
		log_warn("%s: SO_PEERCRED", path);
		snprintf(c->who, sizeof(c->who), "unknown peer on %s", path);
		c->uid = (uid_t)-1;
		return;
	}
	c->uid = uc.uid;
	snprintf(c->who, sizeof(c->who), "uid %u on %s", (unsigned)uc.uid,
	    path);
	if (c->srv->class != CLASS_UNIX_RW)
		return;
	if (uc.uid == 0 || (ctl_have_gid && uc.gid == ctl_gid)) {
		c->in_group = 1;
		return;
	}
	if (!ctl_have_gid)
		return;
	if (ctl_peer_groups(fd, ctl_gid, &known)) {
		c->in_group = 1;
		return;
	}
	if (known)
		return;
	/* No SO_PEERGROUPS (old kernel): the members read at start. */
	for (i = 0; i < ctl_nmembers; i++)
		if (ctl_members[i] == uc.uid)
			c->in_group = 1;
}

/* Is the connection's local address one this listener accepts on? */
static int
ctl_listener_match(const struct ctl_listener *l,
    const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (l->class != CLASS_TCP || l->ss.ss_family != ss->ss_family)
		return 0;
	switch (ss->ss_family) {
	case AF_INET:
		a4 = (const struct sockaddr_in *)&l->ss;
		b4 = (const struct sockaddr_in *)ss;
		return a4->sin_port == b4->sin_port &&
		    (a4->sin_addr.s_addr == htonl(INADDR_ANY) ||
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr);
	case AF_INET6:
		a6 = (const struct sockaddr_in6 *)&l->ss;
		b6 = (const struct sockaddr_in6 *)ss;
		return a6->sin6_port == b6->sin6_port &&
		    (IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) ||
		    IN6_ARE_ADDR_EQUAL(&a6->sin6_addr, &b6->sin6_addr));
	}
	return 0;
}

static void
ctl_identify_tcp(struct ctl_conn *c, int fd)
{
	struct sockaddr_storage	 local, peer;
	struct ctl_listener	*l;
	socklen_t		 len;
	const char		*where = "?";
	char			 pbuf[LOPA_ADDRLEN];

	strlcpy(pbuf, "?", sizeof(pbuf));
	len = sizeof(peer);
	if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0)
		addr_format((struct sockaddr *)&peer, pbuf, sizeof(pbuf));
	len = sizeof(local);
	if (getsockname(fd, (struct sockaddr *)&local, &len) == 0) {
		TAILQ_FOREACH(l, &ctl_active, entry) {
			if (ctl_listener_match(l, &local)) {
				c->loopback = l->info.loopback != 0;
				where = l->info.name;
				break;
			}
		}
	}
	snprintf(c->who, sizeof(c->who), "%s on %s", pbuf, where);
}

/* Find each new connection, register its close callback, cap them. */
static void
ctl_fresh_cb(evutil_socket_t fd, short event, void *arg)
{
	struct ctl_conn		*c;
	struct evhttp_connection *evcon;
	struct ctl_listener	*l;
	bufferevent_data_cb	 readcb;
	const char		*path = "?";
	void			*cbarg;
	time_t			 now;
	int			 sock;

	while ((c = TAILQ_FIRST(&ctl_fresh)) != NULL) {
		TAILQ_REMOVE(&ctl_fresh, c, fresh);
		readcb = NULL;
		cbarg = NULL;
		bufferevent_getcb(c->bev, &readcb, NULL, NULL, &cbarg);
		evcon = cbarg;
		if (readcb == NULL || evcon == NULL ||
		    evhttp_connection_get_bufferevent(evcon) != c->bev)
			fatalx("libevent: cannot find the HTTP connection of "
			    "a new bufferevent");
		c->evcon = evcon;
		if (RB_INSERT(ctl_conn_tree, &ctl_conns, c) != NULL)
			fatalx("%s: connection known twice", __func__);
		evhttp_connection_set_closecb(evcon, ctl_conn_closed, c);

		sock = bufferevent_getfd(c->bev);
		if (c->srv->class == CLASS_TCP)
			ctl_identify_tcp(c, sock);
		else {
			TAILQ_FOREACH(l, &ctl_active, entry)
				if (l->class == c->srv->class)
					path = l->info.name;
			ctl_identify_unix(c, sock, path);
		}
		if (c->srv->nconn <= proc_conf->http_max_connections)
			continue;
		now = time(NULL);
		if (now - c->srv->capwarn >= CTL_WARN_SEC) {
			log_warnx("%s: over %u connections: closing new ones",
			    c->who, proc_conf->http_max_connections);
			c->srv->capwarn = now;
		}
		evhttp_connection_free(evcon);	/* calls ctl_conn_closed */
	}
}

static struct ctl_conn *
ctl_conn_find(struct evhttp_request *req)
{
	struct ctl_conn	 key;

	if (!TAILQ_EMPTY(&ctl_fresh))
		ctl_fresh_cb(-1, 0, NULL);
	key.evcon = evhttp_request_get_connection(req);
	return RB_FIND(ctl_conn_tree, &ctl_conns, &key);
}

/*
 * Authorization.
 */

/* Compare in time independent of where they differ. */
static int
ctl_token_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
	volatile unsigned char	 diff = 0;
	size_t			 i;

	for (i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/*
 * The right a presented token grants, 0 for none.  Every token is
 * compared in full, over its whole fixed-size buffer, whatever matched.
 */
static uint32_t
ctl_token_right(const char *tok, size_t len)
{
	unsigned char	 buf[TOKEN_MAXLEN];
	uint32_t	 right = 0, match;
	size_t		 i;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, tok, len < sizeof(buf) ? len : sizeof(buf));
	for (i = 0; i < ctl_ntokens; i++) {
		match = (uint32_t)ctl_token_equal(buf,
		    (const unsigned char *)ctl_tokens[i].token, TOKEN_MAXLEN) &
		    (uint32_t)(len == ctl_tokens[i].len);
		right |= (0U - match) & ctl_tokens[i].right;
	}
	explicit_bzero(buf, sizeof(buf));
	return (right & TOKEN_WRITE) ? TOKEN_WRITE : right;
}

/* The client's access; -1 when it presented a bad credential (401). */
static int
ctl_access(struct ctl_req *r, const char **why)
{
	const char	*auth, *tok;
	size_t		 len;
	uint32_t	 right;

	switch (r->conn->srv->class) {
	case CLASS_UNIX_RW:
		return r->conn->in_group ? ACCESS_WRITE : ACCESS_READ;
	case CLASS_UNIX_RO:
		return ACCESS_READ;
	default:
		break;
	}
	auth = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Authorization");
	if (auth == NULL) {
		if (!r->conn->loopback)
			return ACCESS_NONE;
		return proc_conf->http_loopback_write ? ACCESS_WRITE :
		    ACCESS_READ;
	}
	if (strncasecmp(auth, "Bearer ", 7) != 0) {
		*why = "only Bearer authorization is supported";
		return -1;
	}
	for (tok = auth + 7; *tok == ' '; tok++)
		;
	for (len = strlen(tok); len > 0 && tok[len - 1] == ' '; len--)
		;
	right = ctl_token_right(tok, len);
	if (right == 0) {
		*why = "unknown bearer token";
		return -1;
	}
	return right == TOKEN_WRITE ? ACCESS_WRITE : ACCESS_READ;
}

/* "application/json", optionally with parameters. */
static int
ctl_is_json(const char *ct)
{
	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	ct += 16;
	return *ct == '\0' || *ct == ';' || *ct == ' ' || *ct == '\t';
}

static void
ctl_allow(const char *path, char *buf, size_t size)
{
	size_t	 i, j;
	int	 methods = EVHTTP_REQ_OPTIONS;

	for (i = 0; i < sizeof(ctl_routes) / sizeof(ctl_routes[0]); i++)
		if (strcmp(ctl_routes[i].path, path) == 0)
			methods |= ctl_routes[i].methods;
	buf[0] = '\0';
	for (j = 0; j < sizeof(ctl_method_names) /
	    sizeof(ctl_method_names[0]); j++) {
		if ((methods & ctl_method_names[j].method) == 0)
			continue;
		if (buf[0] != '\0')
			strlcat(buf, ", ", size);
		strlcat(buf, ctl_method_names[j].name, size);
	}
}

static void
ctl_request(struct evhttp_request *req, void *arg)
{
	const struct ctl_route	*rt = NULL;
	const struct evhttp_uri	*uri;
	struct evbuffer		*in;
	struct ctl_req		 r;
	json_error_t		 jerr;
	const char		*why = "", *ct;
	char			 allow[128], ubuf[CTL_URILOG];
	size_t			 i, blen;
	int			 pathknown = 0, acc;

	memset(&r, 0, sizeof(r));
	r.req = req;
	r.method = evhttp_request_get_command(req);
	if ((r.conn = ctl_conn_find(req)) == NULL) {
		log_warnx("request on an unknown connection");
		ctl_problem(req, 500, "connection not found");
		return;
	}
	ctl_loguri(evhttp_request_get_uri(req), ubuf, sizeof(ubuf));
	log_debug("%s: %s %s", r.conn->who, ctl_method_name(r.method), ubuf);
	uri = evhttp_request_get_evhttp_uri(req);
	if (uri == NULL || (r.path = evhttp_uri_get_path(uri)) == NULL ||
	    r.path[0] != '/') {
		ctl_problem(req, 400, "the request target must be a path");
		return;
	}

	for (i = 0; i < sizeof(ctl_routes) / sizeof(ctl_routes[0]); i++) {
		if (strcmp(ctl_routes[i].path, r.path) != 0)
			continue;
		pathknown = 1;
		if (ctl_routes[i].methods & r.method) {
			rt = &ctl_routes[i];
			break;
		}
	}
	if (!pathknown) {
		ctl_problem(req, 404, "no such resource: %s", r.path);
		return;
	}
	ctl_allow(r.path, allow, sizeof(allow));
	if (r.method == EVHTTP_REQ_OPTIONS) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", allow);
		ctl_send(req, 204, NULL, NULL, 0);
		return;
	}
	if (rt == NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", allow);
		ctl_problem(req, 405, "%s does not allow %s; allowed: %s",
		    r.path, ctl_method_name(r.method), allow);
		return;
	}

	if ((acc = ctl_access(&r, &why)) == -1 ||
	    (acc == ACCESS_NONE && !(rt->flags & ROUTE_PUBLIC))) {
		if (acc == ACCESS_NONE)
			why = "a bearer token is required on this listener";
		log_info("%s: %s %s: %s", r.conn->who,
		    ctl_method_name(r.method), ubuf, why);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"lopad\"");
		ctl_problem(req, 401, "%s", why);
		return;
	}
	r.access = acc;
	if (((rt->flags & ROUTE_WRITE) || (r.method & CTL_WRITE_METHODS)) &&
	    r.access != ACCESS_WRITE) {
		log_warnx("%s: %s %s: write refused", r.conn->who,
		    ctl_method_name(r.method), ubuf);
		ctl_problem(req, 403, "this client may only read: %s",
		    r.conn->srv->class == CLASS_UNIX_RO ?
		    "the read-only socket" : r.conn->srv->class == CLASS_TCP ?
		    "TCP needs a write token or http.loopback_write" :
		    "root or the group of the read-write socket may write");
		return;
	}

	in = evhttp_request_get_input_buffer(req);
	if ((blen = evbuffer_get_length(in)) > 0) {
		if (blen > CTL_BODY_MAX) {
			ctl_problem(req, 413, "request body over %d bytes",
			    CTL_BODY_MAX);
			return;
		}
		ct = evhttp_find_header(evhttp_request_get_input_headers(req),
		    "Content-Type");
		if (!ctl_is_json(ct)) {
			ctl_problem(req, 415, "the body must be "
			    "application/json, not %s", ct != NULL ? ct :
			    "untyped");
			return;
		}
		r.body = json_loadb((const char *)evbuffer_pullup(in, -1), blen,
		    JSON_REJECT_DUPLICATES, &jerr);
		if (r.body == NULL) {
			ctl_problem(req, 400, "malformed JSON: %s (line %d, "
			    "column %d)", jerr.text, jerr.line, jerr.column);
			return;
		}
	}
	rt->handler(&r);
	json_decref(r.body);
}

/*
 * Requests answered by the parent.
 */
static void
ctl_pending_timeout(evutil_socket_t fd, short event, void *arg);

static struct ctl_pending *
ctl_pending_new(struct ctl_req *r, uint32_t type)
{
	struct ctl_pending	*p;
	struct timeval		 tv = { CTL_PENDING_SEC, 0 };

	if (r->conn->pending != NULL) {
		/* evhttp reads no new request before the reply: a bug. */
		ctl_problem(r->req, 500, "a request is already pending");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("%s: calloc", __func__);
	do {
		p->reqid = ++ctl_reqid;
	} while (p->reqid == 0);
	p->type = type;
	p->req = r->req;
	p->conn = r->conn;
	p->access = r->access;
	if ((p->timer = evtimer_new(proc_base, ctl_pending_timeout, p)) ==
	    NULL)
		fatalx("%s: evtimer_new", __func__);
	if (proc_compose(PROC_PARENT, type, 0, p->reqid, -1, NULL, 0) == -1) {
		event_free(p->timer);
		free(p);
		ctl_problem(r->req, 503, "cannot reach the parent process");
		return NULL;
	}
	evtimer_add(p->timer, &tv);
	r->conn->pending = p;
	TAILQ_INSERT_TAIL(&ctl_pendings, p, entry);
	return p;
}

static struct ctl_pending *
ctl_pending_find(uint32_t reqid, uint32_t type)
{
	struct ctl_pending	*p;

	TAILQ_FOREACH(p, &ctl_pendings, entry)
		if (p->reqid == reqid)
			return p->type == type ? p : NULL;
	return NULL;
}

/* Unlink and free; the request to answer, NULL when the client left. */
static struct evhttp_request *
ctl_pending_done(struct ctl_pending *p)
{
	struct evhttp_request	*req = p->req;

	TAILQ_REMOVE(&ctl_pendings, p, entry);
	if (p->conn != NULL)
		p->conn->pending = NULL;
	event_free(p->timer);
	json_decref(p->procs);
	free(p);
	return req;
}

static void
ctl_pending_timeout(evutil_socket_t fd, short event, void *arg)
{
	struct evhttp_request	*req;

	log_warnx("the parent did not answer request %u in %d s",
	    ((struct ctl_pending *)arg)->reqid, CTL_PENDING_SEC);
	if ((req = ctl_pending_done(arg)) != NULL)
		ctl_problem(req, 504, "the parent process did not answer "
		    "within %d s", CTL_PENDING_SEC);
}

/*
 * Handlers.
 */
static void
ctl_status(struct ctl_req *r)
{
	struct ctl_pending	*p;

	if ((p = ctl_pending_new(r, IMSG_CTL_STATUS)) == NULL)
		return;
	if ((p->procs = json_array()) == NULL)
		fatalx("%s: json_array", __func__);
}

static void
ctl_status_proc(struct imsg *imsg)
{
	struct ctl_pending	*p;
	struct ctl_proc		 cp;
	json_t			*row;

	if (imsg_check_len(imsg, sizeof(cp)) != 0)
		fatalx("IMSG_CTL_STATUS_PROC: bad size %zu", imsg->datalen);
	memcpy(&cp, imsg->data, sizeof(cp));
	if (cp.role >= PROC_MAX)
		fatalx("IMSG_CTL_STATUS_PROC: bad role %u", cp.role);
	if ((p = ctl_pending_find(imsg->hdr.reqid, IMSG_CTL_STATUS)) == NULL) {
		log_debug("status row for gone request %u", imsg->hdr.reqid);
		return;
	}
	row = json_pack("{s:s, s:s, s:i, s:s, s:b}",
	    "role", proc_name(cp.role),
	    "title", proc_title(cp.role),
	    "pid", (int)cp.pid,
	    "state", proc_state_name(cp.state),
	    "sandboxed", cp.sandboxed != 0);
	if (row == NULL || json_array_append_new(p->procs, row) == -1)
		fatalx("%s: json", __func__);
}

static void
ctl_status_end(struct imsg *imsg)
{
	struct ctl_pending	*p;
	struct evhttp_request	*req;
	struct ctl_status	 st;
	json_t			*j, *cfg;

	if (imsg_check_len(imsg, sizeof(st)) != 0)
		fatalx("IMSG_CTL_STATUS_END: bad size %zu", imsg->datalen);
	memcpy(&st, imsg->data, sizeof(st));
	st.conffile[sizeof(st.conffile) - 1] = '\0';
	if ((p = ctl_pending_find(imsg->hdr.reqid, IMSG_CTL_STATUS)) == NULL) {
		log_debug("status for gone request %u", imsg->hdr.reqid);
		return;
	}
	cfg = json_pack("{s:o, s:I, s:o, s:b}",
	    "file", st.conffile[0] != '\0' ? json_string(st.conffile) :
	    json_null(),
	    "reloads", (json_int_t)st.reloads,
	    "last_reload", ctl_time_json(st.last_reload),
	    "last_reload_successful", st.last_reload_ok != 0);
	j = json_pack("{s:s, s:s, s:s, s:o, s:I, s:s, s:O, s:o}",
	    "version", LOPA_VERSION,
	    "revision", lopa_revision,
	    "node_id", ctl_hostname,
	    "started", ctl_time_json(st.started),
	    "uptime", (json_int_t)st.uptime_ns,
	    "access", p->access == ACCESS_WRITE ? "read-write" : "read-only",
	    "processes", p->procs,
	    "config", cfg);
	if (cfg == NULL || j == NULL)
		fatalx("%s: json_pack", __func__);
	if ((req = ctl_pending_done(p)) != NULL)
		ctl_send_json(req, 200, j);
	json_decref(j);
}

static void
ctl_reload(struct ctl_req *r)
{
	ctl_pending_new(r, IMSG_CTL_RELOAD);
}

static void
ctl_reload_result(struct imsg *imsg)
{
	struct ctl_pending	*p;
	struct evhttp_request	*req;
	struct ctl_reload	 res;
	struct problem		 prob;
	const char		*errs[64];
	char			*text, *line, *next;
	size_t			 tlen, n = 0;
	json_t			*j;

	if (imsg->datalen < sizeof(res))
		fatalx("IMSG_CTL_RELOAD_RESULT: bad size %zu", imsg->datalen);
	memcpy(&res, imsg->data, sizeof(res));
	if ((p = ctl_pending_find(imsg->hdr.reqid, IMSG_CTL_RELOAD)) == NULL) {
		log_debug("reload result for gone request %u",
		    imsg->hdr.reqid);
		return;
	}
	if ((req = ctl_pending_done(p)) == NULL) {
		log_info("reload %s; the client is gone",
		    res.ok ? "done" : "failed");
		return;
	}
	if (res.ok) {
		if ((j = json_pack("{s:s}", "status", "reloaded")) == NULL)
			fatalx("%s: json_pack", __func__);
		ctl_send_json(req, 200, j);
		json_decref(j);
		return;
	}
	tlen = imsg->datalen - sizeof(res);
	if ((text = malloc(tlen + 1)) == NULL)
		fatal("%s: malloc", __func__);
	memcpy(text, (char *)imsg->data + sizeof(res), tlen);
	text[tlen] = '\0';
	for (line = text; line != NULL && n < sizeof(errs) / sizeof(errs[0]);
	    line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line != '\0')
			errs[n++] = line;
	}
	memset(&prob, 0, sizeof(prob));
	prob.status = 422;
	prob.detail = n > 0 ? errs[0] : "reload failed";
	prob.errors = errs;
	prob.nerrors = n;
	ctl_problem_full(req, &prob);
	free(text);
}

static void
ctl_healthy(struct ctl_req *r)
{
	ctl_send_text(r->req, 200, "lopad is healthy\n");
}

static void
ctl_ready(struct ctl_req *r)
{
	if (ctl_ready_flag)
		ctl_send_text(r->req, 200, "lopad is ready\n");
	else
		ctl_problem(r->req, 503, "lopad is starting: not every "
		    "process is ready yet");
}

/*
 * Listeners.
 */
static struct ctl_listener *
ctl_listener_of(struct evconnlistener *lev)
{
	struct ctl_listener	*l;

	TAILQ_FOREACH(l, &ctl_active, entry)
		if (l->bound != NULL &&
		    evhttp_bound_socket_get_listener(l->bound) == lev)
			return l;
	return NULL;
}

static void
ctl_accept_resume(evutil_socket_t fd, short event, void *arg)
{
	struct ctl_listener	*l = arg;

	if (l->bound != NULL)
		evconnlistener_enable(evhttp_bound_socket_get_listener(
		    l->bound));
}

/*
 * accept() failed for a reason that waiting may cure (EMFILE, ENFILE,
 * ENOBUFS): without a pause the listener would be readable again at once
 * and the loop would spin.
 */
static void
ctl_accept_error(struct evconnlistener *lev, void *arg)
{
	struct ctl_listener	*l;
	struct timeval		 tv = { 0, CTL_PAUSE_MS * 1000 };
	int			 saved = errno;
	time_t			 now;

	evconnlistener_disable(lev);
	if ((l = ctl_listener_of(lev)) == NULL) {
		log_warnx("accept error on an unknown listener");
		return;
	}
	now = time(NULL);
	if (now - l->errwarn >= CTL_WARN_SEC) {
		log_warnx("%s: accept: %s; pausing %d ms", l->info.name,
		    strerror(saved), CTL_PAUSE_MS);
		l->errwarn = now;
	}
	evtimer_add(l->resume, &tv);
}

static void
ctl_listener_attach(struct ctl_listener *l)
{
	struct ctl_server	*srv = &ctl_servers[l->class];

	if ((l->bound = evhttp_accept_socket_with_handle(srv->http,
	    l->fd)) == NULL)
		fatalx("%s: cannot serve HTTP", l->info.name);
	l->fd = -1;
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(l->bound),
	    ctl_accept_error);
	log_debug("serving %s", l->info.name);
}

static void
ctl_listener_free(struct ctl_listener *l)
{
	if (l->bound != NULL)
		evhttp_del_accept_socket(ctl_servers[l->class].http, l->bound);
	if (l->fd != -1)
		close(l->fd);
	event_free(l->resume);
	free(l);
}

static void
control_listener(const struct listener_info *li, int fd, int reconf)
{
	struct ctl_listener	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("%s: calloc", __func__);
	l->info = *li;
	l->fd = fd;
	switch (li->kind) {
	case LISTEN_UNIX_RW:
		l->class = CLASS_UNIX_RW;
		break;
	case LISTEN_UNIX_RO:
		l->class = CLASS_UNIX_RO;
		break;
	case LISTEN_TCP:
		l->class = CLASS_TCP;
		l->sslen = sizeof(l->ss);
		if (getsockname(fd, (struct sockaddr *)&l->ss, &l->sslen) == -1)
			fatal("%s: getsockname", li->name);
		break;
	default:
		fatalx("listener %s: bad kind %u", li->name, li->kind);
	}
	if (reconf && l->class != CLASS_TCP)
		fatalx("listener %s: only TCP listeners change on reload",
		    li->name);
	if ((l->resume = evtimer_new(proc_base, ctl_accept_resume, l)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	if (reconf) {
		TAILQ_INSERT_TAIL(&ctl_staged, l, entry);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl_active, l, entry);
	if (ctl_started)
		ctl_listener_attach(l);
}

/*
 * Tokens.  The parent sends the set at start and again with every reload,
 * after the new configuration and before the commit: a reload's set is
 * staged and takes effect at the commit (dropped on abort), together with
 * the listeners of the same configuration.
 */
static void
ctl_tokens_copy(struct api_token *dst, size_t *ndst,
    const struct api_token *src, size_t n)
{
	size_t	 i;

	*ndst = 0;
	explicit_bzero(dst, sizeof(struct api_token) * TOKEN_MAX);
	if (n > TOKEN_MAX) {
		log_warnx("%zu API tokens: using the first %d", n, TOKEN_MAX);
		n = TOKEN_MAX;
	}
	for (i = 0; i < n; i++) {
		if (src[i].len == 0 || src[i].len > TOKEN_MAXLEN ||
		    (src[i].right != TOKEN_READ &&
		    src[i].right != TOKEN_WRITE)) {
			log_warnx("API token %zu: bad length or right; ignored",
			    i);
			continue;
		}
		dst[*ndst] = src[i];
		/* Zero past the end: tokens compare over the whole buffer. */
		memset(dst[*ndst].token + src[i].len, 0,
		    TOKEN_MAXLEN - src[i].len);
		dst[*ndst].name[sizeof(dst[*ndst].name) - 1] = '\0';
		(*ndst)++;
	}
}

static void
control_tokens(const struct api_token *t, size_t n)
{
	if (ctl_reconf) {
		ctl_tokens_copy(ctl_newtokens, &ctl_nnewtokens, t, n);
		ctl_have_newtokens = 1;
		return;
	}
	ctl_tokens_copy(ctl_tokens, &ctl_ntokens, t, n);
	log_debug("%zu API tokens", ctl_ntokens);
}

/*
 * The group of the read-write socket, resolved before the sandbox: its
 * gid, and (for kernels without SO_PEERGROUPS) the uids of its members
 * and of the users whose primary group it is.
 */
static void
ctl_add_member(uid_t uid)
{
	size_t	 i;

	for (i = 0; i < ctl_nmembers; i++)
		if (ctl_members[i] == uid)
			return;
	if (ctl_nmembers < CTL_MAXUIDS)
		ctl_members[ctl_nmembers++] = uid;
}

static void
ctl_group_init(void)
{
	struct passwd	*pw;
	struct group	*gr;
	char		**m;

	if (proc_conf->group[0] == '\0') {
		if ((pw = getpwnam(proc_conf->user)) == NULL) {
			log_warnx("user %s: not found; only root may write",
			    proc_conf->user);
			return;
		}
		ctl_gid = pw->pw_gid;
	} else {
		if ((gr = getgrnam(proc_conf->group)) == NULL) {
			log_warnx("group %s: not found; only root may write",
			    proc_conf->group);
			return;
		}
		ctl_gid = gr->gr_gid;
	}
	ctl_have_gid = 1;
	if ((gr = getgrgid(ctl_gid)) != NULL)
		for (m = gr->gr_mem; m != NULL && *m != NULL; m++)
			if ((pw = getpwnam(*m)) != NULL)
				ctl_add_member(pw->pw_uid);
	setpwent();
	while ((pw = getpwent()) != NULL)
		if (pw->pw_gid == ctl_gid)
			ctl_add_member(pw->pw_uid);
	endpwent();
	log_debug("read-write socket: uid 0 and group %u (%zu users)",
	    (unsigned)ctl_gid, ctl_nmembers);
}

static void
ctl_timeouts(void)
{
	struct timeval	 tv;
	int64_t		 ns = proc_conf->http_idle_timeout;
	int		 i;

	if (ns <= 0)
		ns = 30LL * 1000000000;
	tv.tv_sec = ns / 1000000000;
	tv.tv_usec = (ns % 1000000000) / 1000;
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1;
	for (i = 0; i < CLASS_MAX; i++)
		evhttp_set_timeout_tv(ctl_servers[i].http, &tv);
}

static void
control_init(void)
{
	struct ctl_server	*srv;
	int			 i;

	if (gethostname(ctl_hostname, sizeof(ctl_hostname)) == -1)
		fatal("gethostname");
	ctl_hostname[sizeof(ctl_hostname) - 1] = '\0';
	ctl_group_init();
	/* jansson seeds its hash from /dev/urandom: not in the chroot. */
	json_object_seed(0);
	if ((ctl_fresh_ev = event_new(proc_base, -1, 0, ctl_fresh_cb, NULL)) ==
	    NULL)
		fatalx("%s: event_new", __func__);
	for (i = 0; i < CLASS_MAX; i++) {
		srv = &ctl_servers[i];
		srv->class = i;
		if ((srv->http = evhttp_new(proc_base)) == NULL)
			fatalx("evhttp_new");
		/* Bodies over the limit get evhttp's 413 (rewritten). */
		evhttp_set_max_body_size(srv->http, CTL_BODY_MAX);
		evhttp_set_max_headers_size(srv->http, CTL_HEADERS_MAX);
		evhttp_set_allowed_methods(srv->http, CTL_METHODS);
		evhttp_set_bevcb(srv->http, ctl_conn_new, srv);
		evhttp_set_gencb(srv->http, ctl_request, srv);
	}
	ctl_timeouts();
}

static void
control_start(void)
{
	struct ctl_listener	*l;

	ctl_started = 1;
	TAILQ_FOREACH(l, &ctl_active, entry)
		ctl_listener_attach(l);
}

static int
control_dispatch_parent(struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_CTL_STATUS_PROC:
		ctl_status_proc(imsg);
		break;
	case IMSG_CTL_STATUS_END:
		ctl_status_end(imsg);
		break;
	case IMSG_CTL_RELOAD_RESULT:
		ctl_reload_result(imsg);
		break;
	case IMSG_DAEMON_READY:
		if (imsg_check_len(imsg, 0) != 0)
			fatalx("IMSG_DAEMON_READY: bad size %zu",
			    imsg->datalen);
		ctl_ready_flag = 1;
		break;
	default:
		return -1;
	}
	return 0;
}

static int
control_reconf_check(const struct lopad_conf *conf, char *err, size_t len)
{
	ctl_reconf = 1;
	return 0;
}

static void
control_reconf_commit(const struct lopad_conf *conf)
{
	struct ctl_listener	*l, *tmp;

	/* Old TCP listeners go; their open connections stay until done. */
	TAILQ_FOREACH_SAFE(l, &ctl_active, entry, tmp) {
		if (l->class != CLASS_TCP)
			continue;
		TAILQ_REMOVE(&ctl_active, l, entry);
		log_debug("closing %s", l->info.name);
		ctl_listener_free(l);
	}
	while ((l = TAILQ_FIRST(&ctl_staged)) != NULL) {
		TAILQ_REMOVE(&ctl_staged, l, entry);
		TAILQ_INSERT_TAIL(&ctl_active, l, entry);
		if (ctl_started)
			ctl_listener_attach(l);
	}
	if (ctl_have_newtokens) {
		ctl_tokens_copy(ctl_tokens, &ctl_ntokens, ctl_newtokens,
		    ctl_nnewtokens);
		explicit_bzero(ctl_newtokens, sizeof(ctl_newtokens));
		ctl_have_newtokens = 0;
		log_debug("%zu API tokens", ctl_ntokens);
	}
	ctl_timeouts();
	ctl_reconf = 0;
}

static void
control_reconf_abort(void)
{
	struct ctl_listener	*l;

	while ((l = TAILQ_FIRST(&ctl_staged)) != NULL) {
		TAILQ_REMOVE(&ctl_staged, l, entry);
		ctl_listener_free(l);
	}
	explicit_bzero(ctl_newtokens, sizeof(ctl_newtokens));
	ctl_have_newtokens = 0;
	ctl_reconf = 0;
}

const struct proc_role control_role = {
	.role = PROC_CONTROL,
	.init = control_init,
	.start = control_start,
	.dispatch_parent = control_dispatch_parent,
	.listener = control_listener,
	.reconf_check = control_reconf_check,
	.reconf_commit = control_reconf_commit,
	.reconf_abort = control_reconf_abort,
	.tokens = control_tokens,
};
