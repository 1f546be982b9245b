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
 *
 * Probe tasks live in the engine: a task request becomes an IMSG_TASK_*
 * message with the request's id, and the engine's answer (TASK_INFO,
 * TASK_ROUND, TASK_SAMPLE rows, then TASK_END) is rendered here
 * (task_json.c).  Event streams (Server-Sent Events) subscribe to a task
 * and stay open until its summary.  Control also resolves host names
 * for the engine with evdns (DESIGN §2).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <malloc.h>
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
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>

#include "addr.h"
#include "duration.h"
#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "monitor.h"
#include "problem.h"
#include "export.h"
#include "metrics.h"
#include "proc.h"
#include "task.h"
#include "task_json.h"
#include "webhook.h"

#define CTL_BODY_MAX		(64 * 1024)
#define CTL_HEADERS_MAX		(8 * 1024)
#define CTL_TRIM_BYTES		(1024 * 1024)	/* answers worth a trim */
#define CTL_PENDING_SEC		15	/* the parent gives reloads 5 s */
#define CTL_PAUSE_MS		100	/* accept() failed: retry after */
#define CTL_WARN_SEC		10	/* at most one such warning per */
#define CTL_MAXUIDS		1024
#define CTL_PEERGROUPS		256
#define CTL_URILOG		160
#define CTL_SSE_KEEPALIVE	15	/* s: comment on a quiet stream */
#define CTL_SSE_BUFMAX		(1024 * 1024)	/* unsent, per stream */
#define CTL_ROUNDS_MAX		(TASK_MAX_ROUNDS + 1)

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
struct ctl_stream;

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
	struct ctl_stream	*stream;
	struct ctl_scrape	*scrape;	/* GET /metrics under way */
};
RB_HEAD(ctl_conn_tree, ctl_conn);
TAILQ_HEAD(ctl_conn_list, ctl_conn);

/* A task as the engine sends it: TASK_INFO, then its TASK_ROUNDs. */
struct ctl_taskacc {
	struct task_info	*info;		/* NULL: none yet */
	struct task_round	*rounds;
	size_t			 nrounds;
	size_t			 cap;
};

struct ctl_pending {
	TAILQ_ENTRY(ctl_pending) entry;
	uint32_t		 reqid;
	uint32_t		 type;		/* the request sent */
	enum lopa_proc		 peer;		/* who answers it */
	struct evhttp_request	*req;		/* NULL: the client left */
	struct ctl_conn		*conn;
	enum ctl_access		 access;
	json_t			*procs;		/* status: process rows */
	json_t			*partial;	/* status: waiting for more */
	json_t			*rows;		/* task list, samples */
	struct ctl_taskacc	 acc;		/* task being received */
	struct event		*timer;
	/* A creation waiting for its webhook host's addresses. */
	void			*deferred;	/* the request to send */
	size_t			 deferred_len;
	struct evbuffer		*text;		/* monitors: the body */
	struct evdns_getaddrinfo_request *gai;
	struct event		*gai_done;	/* finishes in the loop */
	int			 gai_result;
	int			 gai_allowed;
	const char		*url_field;	/* webhook_url or Lopa's */
	/* GET /metrics: the status first, then the engine's rows */
	int			 metrics;	/* 0 no; 1 text; 2 OpenMetrics */
	uint64_t		*mrows;
	size_t			 mrows_len, mrows_cap;
};
TAILQ_HEAD(ctl_pendings, ctl_pending);

/*
 * An event stream (GET /api/v1/tasks/:id/stream).  Its request id names
 * the subscription, the engine's replay and the final IMSG_TASK_GET.
 */
enum ctl_sse_state {
	SSE_SUBSCRIBING,	/* waiting for the engine's TASK_END */
	SSE_LIVE,		/* events flow */
	SSE_SUMMARY		/* final: waiting for the task's result */
};

struct ctl_stream {
	TAILQ_ENTRY(ctl_stream)	 entry;
	uint32_t		 reqid;
	char			 id[TASK_IDLEN];
	enum ctl_sse_state	 state;
	int			 subscribed;	/* the engine counts us */
	struct evhttp_request	*req;		/* NULL: the client left */
	struct ctl_conn		*conn;
	struct event		*keepalive;
	struct event		*timer;		/* engine deadline */
	struct ctl_taskacc	 acc;
	uint64_t		 dropped;	/* probe events, slow client */
	int			 all;		/* GET /api/v1/events */
};
TAILQ_HEAD(ctl_streams, ctl_stream);

/* A name the engine asked us to resolve. */
struct ctl_resolve {
	TAILQ_ENTRY(ctl_resolve) entry;
	uint32_t		 id;		/* echoed: the engine's task */
	uint32_t		 reqid;		/* echoed: its generation */
	struct resolve_req	 rq;
	struct evdns_getaddrinfo_request *gai;
};
TAILQ_HEAD(ctl_resolves, ctl_resolve);

struct ctl_route;

/* One request on its way through the route table. */
struct ctl_req {
	struct evhttp_request	*req;
	struct ctl_conn		*conn;
	const struct ctl_route	*rt;
	const char		*path;
	const char		*query;		/* NULL when none */
	char			 id[TASK_IDLEN];	/* the ":id" segment */
	int			 method;
	enum ctl_access		 access;
	json_t			*body;		/* NULL when none */
};

#define ROUTE_WRITE	0x01	/* needs write access */
#define ROUTE_PUBLIC	0x02	/* answers without credentials */

/*
 * A path is literal, or has ":id" segments that match one non-empty
 * segment of the request's path (captured in ctl_req.id).  Literal paths
 * win: "/api/v1/tasks/ping" is the create route, never a task id.
 */
struct ctl_route {
	const char	*path;
	int		 methods;	/* EVHTTP_REQ_* */
	int		 flags;
	void		(*handler)(struct ctl_req *);
	int		 arg;		/* for the handler (task type) */
};

#define CTL_GET		(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)

static void	 ctl_status(struct ctl_req *);
static void	 ctl_reflector(struct ctl_req *);
static void	 ctl_reload(struct ctl_req *);
static void	 ctl_healthy(struct ctl_req *);
static void	 ctl_ready(struct ctl_req *);
static void	 ctl_task_create(struct ctl_req *);
static void	 ctl_task_list(struct ctl_req *);
static void	 ctl_task_get(struct ctl_req *);
static void	 ctl_task_samples(struct ctl_req *);
static void	 ctl_task_stop(struct ctl_req *);
static void	 ctl_task_delete(struct ctl_req *);
static void	 ctl_task_stream(struct ctl_req *);
static void	 ctl_events_stream(struct ctl_req *);
static void	 ctl_mon_create(struct ctl_req *);
static void	 ctl_mon_list(struct ctl_req *);
static void	 ctl_mon_get(struct ctl_req *);
static void	 ctl_mon_patch(struct ctl_req *);
static void	 ctl_mon_delete(struct ctl_req *);
static void	 ctl_mon_events(struct ctl_req *);
static void	 ctl_nl_view(struct ctl_req *);
static void	 ctl_metrics(struct ctl_req *);
static void	 ctl_metrics_rows(struct imsg *);
static void	 ctl_metrics_end(struct imsg *);
static void	 ctl_metrics_send(struct ctl_pending *);
static json_t	*ctl_exports_json(const struct ctl_status *);

/* Later issues add rows here. */
static const struct ctl_route ctl_routes[] = {
	{ "/api/v1/status", CTL_GET, 0, ctl_status, 0 },
	{ "/api/v1/reflector", CTL_GET, 0, ctl_reflector, 0 },
	{ "/api/v1/reload", EVHTTP_REQ_POST, ROUTE_WRITE, ctl_reload, 0 },
	{ "/api/v1/tasks", CTL_GET, 0, ctl_task_list, 0 },
	{ "/api/v1/tasks/ping", EVHTTP_REQ_POST, ROUTE_WRITE, ctl_task_create,
	    TASK_PING },
	{ "/api/v1/tasks/tcp", EVHTTP_REQ_POST, ROUTE_WRITE, ctl_task_create,
	    TASK_TCP },
	{ "/api/v1/tasks/udp", EVHTTP_REQ_POST, ROUTE_WRITE, ctl_task_create,
	    TASK_UDP },
	{ "/api/v1/tasks/twamp", EVHTTP_REQ_POST, ROUTE_WRITE,
	    ctl_task_create, TASK_TWAMP },
	{ "/api/v1/tasks/stamp", EVHTTP_REQ_POST, ROUTE_WRITE,
	    ctl_task_create, TASK_STAMP },
	{ "/api/v1/tasks/passive", EVHTTP_REQ_POST, ROUTE_WRITE,
	    ctl_task_create, TASK_PASSIVE },
	{ "/api/v1/tasks/:id", CTL_GET, 0, ctl_task_get, 0 },
	{ "/api/v1/tasks/:id", EVHTTP_REQ_DELETE, ROUTE_WRITE,
	    ctl_task_delete, 0 },
	{ "/api/v1/tasks/:id/samples", CTL_GET, 0, ctl_task_samples, 0 },
	{ "/api/v1/tasks/:id/stop", EVHTTP_REQ_POST, ROUTE_WRITE,
	    ctl_task_stop, 0 },
	{ "/api/v1/tasks/:id/stream", EVHTTP_REQ_GET, 0, ctl_task_stream, 0 },
	{ "/api/v1/events", EVHTTP_REQ_GET, 0, ctl_events_stream, 0 },
	{ "/api/v1/monitors", CTL_GET, 0, ctl_mon_list, 0 },
	{ "/api/v1/monitors", EVHTTP_REQ_POST, ROUTE_WRITE, ctl_mon_create,
	    0 },
	{ "/api/v1/monitors/:id", CTL_GET, 0, ctl_mon_get, 0 },
	{ "/api/v1/monitors/:id", EVHTTP_REQ_PATCH, ROUTE_WRITE,
	    ctl_mon_patch, 0 },
	{ "/api/v1/monitors/:id", EVHTTP_REQ_DELETE, ROUTE_WRITE,
	    ctl_mon_delete, 0 },
	{ "/api/v1/monitors/:id/events", CTL_GET, 0, ctl_mon_events, 0 },
	{ "/api/v1/interfaces", CTL_GET, 0, ctl_nl_view, NL_VIEW_INTERFACES },
	{ "/api/v1/routes", CTL_GET, 0, ctl_nl_view, NL_VIEW_ROUTES },
	{ "/metrics", CTL_GET, 0, ctl_metrics, 0 },
	{ "/-/healthy", CTL_GET, ROUTE_PUBLIC, ctl_healthy, 0 },
	{ "/-/ready", CTL_GET, ROUTE_PUBLIC, ctl_ready, 0 },
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

static void	 ctl_stream_gone(struct ctl_stream *);
struct ctl_scrape;
static void	 ctl_scrape_free(struct ctl_scrape *);
static void	 ctl_scrape_next(struct evhttp_connection *, void *);
static void	 ctl_status_ask(struct ctl_pending *, uint32_t,
		    enum lopa_proc);
static void	 ctl_status_missing(struct ctl_pending *, const char *);
static void	 ctl_status_add(struct ctl_pending *, json_t *);
static void	 ctl_trim_later(size_t);
static struct ctl_pending *ctl_pending_peer(enum lopa_proc, uint32_t);
static void	 ctl_streams_send(const char *, const char *, json_t *);
static struct event	*ctl_trim_ev;

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
static struct ctl_streams	 ctl_streams =
				    TAILQ_HEAD_INITIALIZER(ctl_streams);
static struct ctl_resolves	 ctl_resolves =
				    TAILQ_HEAD_INITIALIZER(ctl_resolves);
static struct evdns_base	*ctl_dns;	/* NULL: no resolver */
static char			 ctl_ca_file[PATH_MAX];	/* read at start */
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
	ctl_trim_later(len);
}

/*
 * A big answer (the task list of 10,000 tasks is some 20 MB) leaves its
 * JSON tree and buffers freed but kept by malloc, ten times its size.
 * Give it back to the system a moment later, once the answer is out.
 */
static void
ctl_trim_cb(evutil_socket_t fd, short ev, void *arg)
{
	malloc_trim(0);
}

static void
ctl_trim_later(size_t len)
{
	struct timeval	 tv = { 1, 0 };

	if (len < CTL_TRIM_BYTES || evtimer_pending(ctl_trim_ev, NULL))
		return;
	evtimer_add(ctl_trim_ev, &tv);
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
 * A request whose connection went away.  On EOF or a timeout evhttp
 * detaches a request that was not finished from its connection and leaves
 * it to us (evhttp_connection_incoming_fail): free it.  One still
 * attached is freed with the connection.
 */
static void
ctl_req_orphan(struct evhttp_request *req)
{
	if (req != NULL && evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req);
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
		ctl_req_orphan(c->pending->req);
		c->pending->req = NULL;
		c->pending->conn = NULL;
	}
	if (c->stream != NULL)
		ctl_stream_gone(c->stream);
	if (c->scrape != NULL)
		ctl_scrape_free(c->scrape);
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

/*
 * Does a route's path match the request's?  A ":id" segment matches one
 * non-empty segment, copied to id; *toolong is set when it does not fit
 * (no task has such an id).
 */
static int
ctl_route_match(const char *pat, const char *path, char *id, size_t idsize,
    int *toolong)
{
	size_t	 n;

	while (*pat != '\0') {
		if (pat[0] == ':' && pat[-1] == '/') {
			while (*pat != '\0' && *pat != '/')
				pat++;
			n = strcspn(path, "/");
			if (n == 0)
				return 0;
			if (n >= idsize)
				*toolong = 1;
			else {
				memcpy(id, path, n);
				id[n] = '\0';
			}
			path += n;
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	return *path == '\0';
}

/*
 * The route for a path and method: NULL when none, with *methods the
 * methods the path allows (0: an unknown path).  Literal routes first.
 */
static const struct ctl_route *
ctl_route_find(const char *path, int method, int *methods, char *id,
    size_t idsize, int *toolong)
{
	const struct ctl_route	*rt = NULL;
	size_t			 i;
	int			 pass, literal;

	*methods = 0;
	for (pass = 0; pass < 2 && *methods == 0; pass++) {
		for (i = 0; i < sizeof(ctl_routes) / sizeof(ctl_routes[0]);
		    i++) {
			literal = strchr(ctl_routes[i].path, ':') == NULL;
			if (literal != (pass == 0))
				continue;
			*toolong = 0;
			if (!ctl_route_match(ctl_routes[i].path, path, id,
			    idsize, toolong))
				continue;
			*methods |= ctl_routes[i].methods;
			if (rt == NULL && (ctl_routes[i].methods & method))
				rt = &ctl_routes[i];
		}
	}
	if (rt != NULL && strchr(rt->path, ':') != NULL) {
		/* Capture the id of the route chosen. */
		*toolong = 0;
		ctl_route_match(rt->path, path, id, idsize, toolong);
	}
	return rt;
}

static void
ctl_allow(int allowed, char *buf, size_t size)
{
	size_t	 j;
	int	 methods = EVHTTP_REQ_OPTIONS | allowed;

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
	size_t			 blen;
	int			 methods, toolong = 0, acc;

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

	r.query = evhttp_uri_get_query(uri);
	rt = ctl_route_find(r.path, r.method, &methods, r.id, sizeof(r.id),
	    &toolong);
	if (methods == 0) {
		ctl_problem(req, 404, "no such resource: %s", r.path);
		return;
	}
	r.rt = rt;
	ctl_allow(methods, allow, sizeof(allow));
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
	if (toolong)
		ctl_problem(req, 404, "no such task: task ids are shorter "
		    "than %d bytes", TASK_IDLEN);
	else
		rt->handler(&r);
	json_decref(r.body);
}

/*
 * Requests answered by another process: the parent (status, reload) or
 * the engine (tasks).  Each waits, keyed by its request id, until the
 * answer or CTL_PENDING_SEC.
 */
static void
ctl_pending_timeout(evutil_socket_t fd, short event, void *arg);

static uint32_t
ctl_next_reqid(void)
{
	do {
		ctl_reqid++;
	} while (ctl_reqid == 0);
	return ctl_reqid;
}

/* (Re)start a request's timeout: at its start, and at each new stage. */
static void
ctl_pending_rearm(struct ctl_pending *p)
{
	struct timeval	 tv = { CTL_PENDING_SEC, 0 };

	evtimer_add(p->timer, &tv);
}

/*
 * A request waiting for another process; with data NULL and len 1, not
 * sent yet (its caller sends it later under p->reqid).
 */
static struct ctl_pending *
ctl_pending_new(struct ctl_req *r, enum lopa_proc peer, uint32_t type,
    const void *data, size_t len)
{
	struct ctl_pending	*p;

	if (r->conn->pending != NULL) {
		/* evhttp reads no new request before the reply: a bug. */
		ctl_problem(r->req, 500, "a request is already pending");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("%s: calloc", __func__);
	p->reqid = ctl_next_reqid();
	p->type = type;
	p->peer = peer;
	p->req = r->req;
	p->conn = r->conn;
	p->access = r->access;
	if ((p->timer = evtimer_new(proc_base, ctl_pending_timeout, p)) ==
	    NULL)
		fatalx("%s: evtimer_new", __func__);
	if ((data != NULL || len != 1) &&
	    proc_compose(peer, type, 0, p->reqid, -1, data, len) == -1) {
		event_free(p->timer);
		free(p);
		ctl_problem(r->req, 503, "cannot reach the %s process",
		    proc_name(peer));
		return NULL;
	}
	ctl_pending_rearm(p);
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
	if (p->gai != NULL) {
		struct evdns_getaddrinfo_request *gai = p->gai;

		p->gai = NULL;
		evdns_getaddrinfo_cancel(gai);
	}
	if (p->deferred != NULL)
		freezero(p->deferred, p->deferred_len);
	if (p->text != NULL)
		evbuffer_free(p->text);
	if (p->gai_done != NULL)
		event_free(p->gai_done);
	event_free(p->timer);
	json_decref(p->procs);
	json_decref(p->partial);
	json_decref(p->rows);
	free(p->mrows);
	free(p->acc.info);
	free(p->acc.rounds);
	free(p);
	return req;
}

static void
ctl_pending_timeout(evutil_socket_t fd, short event, void *arg)
{
	struct ctl_pending	*p = arg;
	struct evhttp_request	*req;
	enum lopa_proc		 peer = p->peer;

	log_warnx("the %s process did not answer request %u in %d s",
	    proc_name(peer), p->reqid, CTL_PENDING_SEC);
	if (p->metrics && p->type == IMSG_METRICS_GET) {
		/* The daemon's families, and the tasks' rows that came. */
		ctl_metrics_send(p);
		return;
	}
	if (p->partial != NULL) {
		/* A status stage that did not answer: say so, go on. */
		ctl_status_missing(p, "did not answer");
		return;
	}
	if ((req = ctl_pending_done(p)) != NULL)
		ctl_problem(req, 504, "the %s process did not answer "
		    "within %d s", proc_name(peer), CTL_PENDING_SEC);
}

/*
 * Handlers.
 */
static void
ctl_status(struct ctl_req *r)
{
	struct ctl_pending	*p;

	if ((p = ctl_pending_new(r, PROC_PARENT, IMSG_CTL_STATUS, NULL, 0)) ==
	    NULL)
		return;
	if ((p->procs = json_array()) == NULL)
		fatalx("%s: json_array", __func__);
}

/*
 * GET /api/v1/reflector: the reflector's counters alone, the member
 * "reflector" of the status, from the same exchange (IMSG_REFL_STATS).
 * Without p->partial, ctl_refl_stats() answers with them at once.
 */
static void
ctl_reflector(struct ctl_req *r)
{
	ctl_pending_new(r, PROC_REFLECTOR, IMSG_REFL_STATS, NULL, 0);
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
	row = json_pack("{s:s, s:s, s:i, s:s, s:b, s:I, s:I}",
	    "role", proc_name(cp.role),
	    "title", proc_title(cp.role),
	    "pid", (int)cp.pid,
	    "state", proc_state_name(cp.state),
	    "sandboxed", cp.sandboxed != 0,
	    "rss", (json_int_t)cp.rss,
	    "cpu_ns", (json_int_t)cp.cpu_ns);
	if (row == NULL || json_array_append_new(p->procs, row) == -1)
		fatalx("%s: json", __func__);
}

/* The webhooks' delivery counters, for the status. */
static json_t *
ctl_webhooks_json(void)
{
	struct webhook_status	 w;
	json_t			*j;

	webhook_status(&w);
	j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
	    "queued", (json_int_t)w.queued,
	    "delivered", (json_int_t)w.delivered,
	    "retried", (json_int_t)w.retried,
	    "failed", (json_int_t)w.failed,
	    "dropped", (json_int_t)w.dropped,
	    "refused", (json_int_t)w.refused,
	    "queue_length", (json_int_t)w.queue_length,
	    "destinations", (json_int_t)w.destinations,
	    "in_flight", (json_int_t)w.in_flight,
	    "tls", w.tls != 0);
	if (j == NULL)
		fatalx("%s: json_pack", __func__);
	return j;
}

static void
ctl_status_end(struct imsg *imsg)
{
	struct ctl_pending	*p;
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
	cfg = json_pack("{s:o, s:I, s:o, s:b, s:o}",
	    "file", st.conffile[0] != '\0' ? json_string(st.conffile) :
	    json_null(),
	    "reloads", (json_int_t)st.reloads,
	    "last_reload", ctl_time_json(st.last_reload),
	    "last_reload_successful", st.last_reload_ok != 0,
	    "last_reload_success", ctl_time_json(st.last_reload_success));
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
	if (json_object_set_new(j, "webhooks", ctl_webhooks_json()) != 0 ||
	    json_object_set_new(j, "exports", ctl_exports_json(&st)) != 0)
		fatalx("%s: webhooks", __func__);
	/* Then the reflector's and the sender's counters. */
	p->partial = j;
	ctl_status_ask(p, IMSG_REFL_STATS, PROC_REFLECTOR);
}

/*
 * The status's later stages, under the same request id: the reflector's
 * counters, then the sender's; each adds a member to p->partial (an
 * "error" in it when its process could not be reached or did not answer
 * in time), and the last sends the answer.
 */
static void
ctl_status_ask(struct ctl_pending *p, uint32_t type, enum lopa_proc peer)
{
	p->type = type;
	p->peer = peer;
	if (proc_compose(peer, type, 0, p->reqid, -1, NULL, 0) == -1) {
		ctl_status_missing(p, "cannot be reached");
		return;
	}
	ctl_pending_rearm(p);
}

/* The current stage's process is missing (why): say so, go on. */
static void
ctl_status_missing(struct ctl_pending *p, const char *why)
{
	char	 msg[128];

	snprintf(msg, sizeof(msg), "the %s process %s", proc_name(p->peer),
	    why);
	ctl_status_add(p, json_pack("{s:s}", "error", msg));
}

/* Add the current stage's member; ask the next stage or answer. */
static void
ctl_status_add(struct ctl_pending *p, json_t *member)
{
	struct evhttp_request	*req;
	const char		*key;
	json_t			*j;

	key = p->type == IMSG_REFL_STATS ? "reflector" :
	    p->type == IMSG_SND_STATS ? "sender" : "netlink";
	if (member == NULL ||
	    json_object_set_new(p->partial, key, member) == -1)
		fatalx("%s: json", __func__);
	if (p->type == IMSG_REFL_STATS) {
		ctl_status_ask(p, IMSG_SND_STATS, PROC_SENDER);
		return;
	}
	if (p->type == IMSG_SND_STATS) {
		ctl_status_ask(p, IMSG_NL_STATS, PROC_NETLINK);
		return;
	}
	if (p->metrics) {
		/* GET /metrics: then the tasks' rows. */
		p->type = IMSG_METRICS_GET;
		p->peer = PROC_ENGINE;
		if (proc_compose(PROC_ENGINE, IMSG_METRICS_GET, 0, p->reqid,
		    -1, NULL, 0) == -1) {
			ctl_metrics_send(p);
			return;
		}
		ctl_pending_rearm(p);
		return;
	}
	j = json_incref(p->partial);
	if ((req = ctl_pending_done(p)) != NULL)
		ctl_send_json(req, 200, j);
	json_decref(j);
}

/*
 * GET /metrics: the status (as GET /api/v1/status gathers it), then the
 * engine's rows, then the exposition (metrics.c), sent in parts
 * (struct ctl_scrape).  An engine that does not answer in time: the
 * daemon's families and the rows that came.
 */
static void
ctl_metrics(struct ctl_req *r)
{
	struct ctl_pending	*p;
	const char		*acc;

	acc = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Accept");
	if ((p = ctl_pending_new(r, PROC_PARENT, IMSG_CTL_STATUS, NULL, 0)) ==
	    NULL)
		return;
	if ((p->procs = json_array()) == NULL)
		fatalx("%s: json_array", __func__);
	p->metrics = metrics_wants_openmetrics(acc) ? 2 : 1;
}

static void
ctl_metrics_rows(struct imsg *imsg)
{
	struct ctl_pending	*p;
	size_t			 n = imsg->datalen, cap;
	uint64_t		*m;

	if (n == 0 || n % 8 != 0 || n > PROC_PEER_MAXSIZE)
		fatalx("IMSG_METRICS_ROWS: bad size %zu", n);
	if ((p = ctl_pending_find(imsg->hdr.reqid, IMSG_METRICS_GET)) == NULL)
		return;
	if (p->mrows_len + n > p->mrows_cap) {
		cap = p->mrows_cap < 65536 ? 65536 : p->mrows_cap;
		while (cap < p->mrows_len + n)
			cap *= 2;
		if ((m = realloc(p->mrows, cap)) == NULL)
			fatal("%s: realloc", __func__);
		p->mrows = m;
		p->mrows_cap = cap;
	}
	memcpy((char *)p->mrows + p->mrows_len, imsg->data, n);
	p->mrows_len += n;
}

static void
ctl_metrics_end(struct imsg *imsg)
{
	struct ctl_pending	*p;

	if (imsg_check_len(imsg, 0) != 0)
		fatalx("IMSG_METRICS_END: bad size %zu", imsg->datalen);
	if ((p = ctl_pending_find(imsg->hdr.reqid, IMSG_METRICS_GET)) == NULL)
		return;
	ctl_metrics_send(p);
}

/*
 * A scrape on its way: the daemon's families, then the tasks' family by
 * family, in parts of CTL_SCRAPE_PART octets, each written before the
 * next is rendered (a chunk and its callback), so that 10,000 tasks
 * (tens of MB) never sit in memory whole nor hold the loop long.
 */
#define CTL_SCRAPE_PART	(256 * 1024)

enum ctl_scrape_stage {
	SCRAPE_DAEMON = 0,	/* the daemon's families next */
	SCRAPE_TASKS,		/* the tasks' */
	SCRAPE_DONE		/* all rendered (and the end, OpenMetrics') */
};

struct ctl_scrape {
	struct evhttp_request	*req;
	struct ctl_conn		*conn;
	struct metrics_ctx	 c;
	struct metrics_task	*tasks;
	uint64_t		*rows;
	int64_t			 bounds[METRICS_BUCKETS_MAX];
	enum ctl_scrape_stage	 stage;
	size_t			 fam;		/* the family under way */
	size_t			 from;		/* its next task */
	int			 hdr;
	json_t			*status;
};

/* Also when the client left (ctl_conn_closed): no callback comes then. */
static void
ctl_scrape_free(struct ctl_scrape *s)
{
	if (s->conn != NULL)
		s->conn->scrape = NULL;
	json_decref(s->status);
	metrics_ctx_free(&s->c);
	free(s->tasks);
	free(s->rows);
	free(s);
	ctl_trim_later(CTL_TRIM_BYTES);
}

static void
ctl_scrape_chunk_free(const void *data, size_t len, void *arg)
{
	free((void *)(uintptr_t)data);
}

/* The next part into b: empty when all was rendered. */
static void
ctl_scrape_render(struct ctl_scrape *s, struct mbuf *b)
{
	memset(b, 0, sizeof(*b));
	if (s->stage == SCRAPE_DAEMON) {
		metrics_daemon(b, &s->c, s->status, LOPA_VERSION,
		    lopa_revision);
		s->stage = SCRAPE_TASKS;
	}
	while (s->stage == SCRAPE_TASKS && b->len < CTL_SCRAPE_PART &&
	    !b->failed) {
		if (s->fam >= metrics_task_families()) {
			metrics_end(b, &s->c);
			s->stage = SCRAPE_DONE;
			break;
		}
		s->from = metrics_task_family_part(b, &s->c, s->fam, s->from,
		    CTL_SCRAPE_PART - b->len, &s->hdr);
		if (s->from >= s->c.nrender) {
			s->fam++;
			s->from = 0;
			s->hdr = 0;
		}
	}
}

/*
 * Send a part as a chunk, ctl_scrape_next() once it is written; an empty
 * part ends the answer (evhttp calls no callback for an empty chunk).
 */
static void
ctl_scrape_send(struct ctl_scrape *s, struct mbuf *b)
{
	struct evbuffer	*eb;

	ctl_replying = 1;
	if (b->len == 0) {
		free(b->p);
		evhttp_send_reply_end(s->req);
		ctl_replying = 0;
		ctl_scrape_free(s);
		return;
	}
	if ((eb = evbuffer_new()) == NULL ||
	    evbuffer_add_reference(eb, b->p, b->len, ctl_scrape_chunk_free,
	    NULL) == -1)
		fatal("%s: evbuffer", __func__);
	evhttp_send_reply_chunk_with_cb(s->req, eb, ctl_scrape_next, s);
	ctl_replying = 0;
	evbuffer_free(eb);
}

static void
ctl_scrape_next(struct evhttp_connection *evcon, void *arg)
{
	struct ctl_scrape	*s = arg;
	struct mbuf		 b;

	ctl_scrape_render(s, &b);
	if (b.failed)
		fatalx("%s: out of memory", __func__);
	ctl_scrape_send(s, &b);
}

static void
ctl_metrics_send(struct ctl_pending *p)
{
	struct ctl_scrape	*s;
	struct ctl_conn		*conn = p->conn;
	struct evhttp_request	*req;
	struct metrics_task	 t, *nt;
	struct mbuf		 b;
	size_t			 off = 0, used, cap = 0;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("%s: calloc", __func__);
	/* The rows are the pending request's until now: the scrape's. */
	s->rows = p->mrows;
	p->mrows = NULL;
	while (off < p->mrows_len) {
		if (metrics_row_parse((char *)s->rows + off,
		    p->mrows_len - off, &t, &used) == -1)
			fatalx("IMSG_METRICS_ROWS: a malformed row");
		if (s->c.ntasks == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			if ((nt = reallocarray(s->tasks, cap, sizeof(*nt))) ==
			    NULL)
				fatal("%s: reallocarray", __func__);
			s->tasks = nt;
		}
		s->tasks[s->c.ntasks++] = t;
		off += used;
	}
	s->c.openmetrics = p->metrics == 2;
	s->c.node = ctl_hostname;
	s->c.bounds = s->bounds;
	s->c.nbounds = metrics_bounds(proc_conf->metrics_bucket_start,
	    proc_conf->metrics_bucket_factor, proc_conf->metrics_buckets,
	    s->bounds);
	s->c.task_labels = proc_conf->metrics_task_labels != 0;
	s->c.max_series = proc_conf->metrics_max_series;
	s->c.tasks = s->tasks;
	metrics_tasks_plan(&s->c);
	if (s->c.nrender < s->c.ntasks)
		log_warnx("GET /metrics: %zu of %zu tasks left out "
		    "(metrics.max_series %u)", s->c.ntasks - s->c.nrender,
		    s->c.ntasks, proc_conf->metrics_max_series);
	s->status = json_incref(p->partial);
	if ((req = ctl_pending_done(p)) == NULL) {
		ctl_scrape_free(s);
		return;
	}
	/* The first part: the daemon's families and the first tasks'. */
	ctl_scrape_render(s, &b);
	if (b.failed) {
		ctl_problem(req, 503, "out of memory");
		ctl_scrape_free(s);
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD || conn == NULL) {
		/* HEAD: the headers alone (evhttp would send a body). */
		ctl_send(req, 200, s->c.openmetrics ? METRICS_CT_OM :
		    METRICS_CT_TEXT, b.p, b.len);
		mbuf_free(&b);
		ctl_scrape_free(s);
		return;
	}
	s->req = req;
	s->conn = conn;
	conn->scrape = s;
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", s->c.openmetrics ? METRICS_CT_OM : METRICS_CT_TEXT);
	ctl_replying = 1;
	evhttp_send_reply_start(req, 200, "OK");
	ctl_replying = 0;
	ctl_scrape_send(s, &b);
}

/* Drop counters by reason; their sum in *total. */
static json_t *
ctl_refl_drops(const uint64_t *d, uint64_t *total)
{
	json_t	*drops;
	int	 i;

	*total = 0;
	if ((drops = json_object()) == NULL)
		fatalx("%s: json_object", __func__);
	for (i = 0; i < DROP_MAX; i++) {
		*total += d[i];
		if (json_object_set_new(drops, refl_drop_keys[i],
		    json_integer((json_int_t)d[i])) == -1)
			fatalx("%s: json", __func__);
	}
	return drops;
}

/* The TWAMP-light/STAMP reflector's counters. */
static json_t *
ctl_twamp_json(const struct refl_twamp_status *t)
{
	static const char *const t2names[] = {
		"none", "kernel", "kernel_ns", "user"
	};
	static const char *const bnames[REFL_NBATCH] = {
		"1", "2-3", "4-7", "8-15", "16-31", "32"
	};
	json_t		*drops, *hist, *j;
	uint64_t	 total;
	int		 i;

	drops = ctl_refl_drops(t->drops, &total);
	if ((hist = json_object()) == NULL)
		fatalx("%s: json_object", __func__);
	for (i = 0; i < REFL_NBATCH; i++)
		if (json_object_set_new(hist, bnames[i],
		    json_integer((json_int_t)t->batch_hist[i])) == -1)
			fatalx("%s: json", __func__);
	j = json_pack("{s:b, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:o, "
	    "s:{s:I, s:I}, s:{s:s, s:I, s:I}, s:{s:I, s:I, s:o}, "
	    "s:{s:I, s:I}, s:{s:b, s:I, s:I}}",
	    "up", t->up != 0,
	    "listen", t->up ? json_string(t->addr) : json_null(),
	    "mode", t->stateful ? "stateful" : "stateless",
	    "received", (json_int_t)t->received,
	    "reflected", (json_int_t)t->reflected,
	    "twamp_light", (json_int_t)t->twamp_light,
	    "stamp", (json_int_t)t->stamp,
	    "dropped", (json_int_t)total,
	    "drops", drops,
	    "stamp_tlvs",
	    "unknown", (json_int_t)t->tlv_unknown,
	    "malformed", (json_int_t)t->tlv_malformed,
	    "t2",
	    "source", t->t2_source < 4 ? t2names[t->t2_source] : "none",
	    "kernel", (json_int_t)t->t2_kernel,
	    "fallback", (json_int_t)t->t2_fallback,
	    "batches",
	    "count", (json_int_t)t->batches,
	    "max", (json_int_t)t->batch_max,
	    "sizes", hist,
	    "sessions",
	    "active", (json_int_t)t->sessions,
	    "evicted", (json_int_t)t->sessions_evicted,
	    "clock",
	    "synchronized", t->clock_synced != 0,
	    "maxerror_us", (json_int_t)t->clock_maxerror_us,
	    "error_estimate", (json_int_t)t->errest);
	if (j == NULL)
		fatalx("%s: json_pack", __func__);
	return j;
}

/* The TWAMP-Control server's counters, with its test sessions'. */
static json_t *
ctl_twctl_json(const struct refl_twctl_status *t)
{
	static const char *const refused[TWCTL_REF_MAX] = {
		"acl", "per_client", "total"
	};
	static const char *const closed[TWCTL_CL_MAX] = {
		"client", "mode", "command", "servwait", "error", "reload"
	};
	static const char *const accepts[TWCTL_NACCEPT] = {
		NULL, "failure", "internal_error", "not_supported",
		"permanent_resource", "temporary_resource"
	};
	json_t		*ref, *cl, *sref, *drops, *j;
	uint64_t	 total;
	int		 i;

	if ((ref = json_object()) == NULL || (cl = json_object()) == NULL ||
	    (sref = json_object()) == NULL)
		fatalx("%s: json_object", __func__);
	for (i = 0; i < TWCTL_REF_MAX; i++)
		if (json_object_set_new(ref, refused[i],
		    json_integer((json_int_t)t->refused[i])) == -1)
			fatalx("%s: json", __func__);
	for (i = 0; i < TWCTL_CL_MAX; i++)
		if (json_object_set_new(cl, closed[i],
		    json_integer((json_int_t)t->closed[i])) == -1)
			fatalx("%s: json", __func__);
	for (i = 1; i < TWCTL_NACCEPT; i++)
		if (json_object_set_new(sref, accepts[i],
		    json_integer((json_int_t)t->sessions_refused[i])) == -1)
			fatalx("%s: json", __func__);
	drops = ctl_refl_drops(t->drops, &total);
	j = json_pack("{s:b, s:o, s:{s:I, s:I, s:o, s:o}, "
	    "s:{s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:o}}",
	    "up", t->up != 0,
	    "listen", t->up ? json_string(t->addr) : json_null(),
	    "connections",
	    "accepted", (json_int_t)t->accepted,
	    "active", (json_int_t)t->active,
	    "refused", ref,
	    "closed", cl,
	    "sessions",
	    "accepted", (json_int_t)t->sessions_accepted,
	    "active", (json_int_t)t->sessions_active,
	    "started", (json_int_t)t->sessions_started,
	    "ended", (json_int_t)t->sessions_ended,
	    "refwait", (json_int_t)t->sessions_refwait,
	    "refused", sref,
	    "received", (json_int_t)t->received,
	    "reflected", (json_int_t)t->reflected,
	    "dropped", (json_int_t)total,
	    "drops", drops);
	if (j == NULL)
		fatalx("%s: json_pack", __func__);
	return j;
}

/* The reflector's counters as the "reflector" member of the status. */
static json_t *
ctl_refl_json(const struct refl_status *st)
{
	json_t		*drops, *j;
	uint64_t	 total;

	drops = ctl_refl_drops(st->drops, &total);
	j = json_pack("{s:{s:b, s:o, s:I, s:I, s:I, s:I, s:o}, s:o, s:o}",
	    "udp_echo",
	    "up", st->udp_echo_up != 0,
	    "listen", st->udp_echo_up ? json_string(st->udp_echo_addr) :
	    json_null(),
	    "received", (json_int_t)st->received,
	    "echoed", (json_int_t)st->echoed,
	    "reflected", (json_int_t)st->echoed,
	    "dropped", (json_int_t)total,
	    "drops", drops,
	    "twamp", ctl_twamp_json(&st->twamp),
	    "twamp_control", ctl_twctl_json(&st->twamp_control));
	if (j == NULL)
		fatalx("%s: json_pack", __func__);
	return j;
}

/* The sender's counters as the "sender" member of the status. */
static json_t *
ctl_snd_json(const struct snd_status *st)
{
	json_t	*j;
	int	 i;

	if ((j = json_pack("{s:I, s:I}", "sessions", (json_int_t)st->sessions,
	    "icmp_sockets", (json_int_t)st->icmp_sockets)) == NULL)
		fatalx("%s: json_pack", __func__);
	for (i = 0; i < CNT_MAX; i++)
		if (json_object_set_new(j, snd_count_keys[i],
		    json_integer((json_int_t)st->counts[i])) == -1)
			fatalx("%s: json", __func__);
	return j;
}

static void
ctl_snd_stats(struct imsg *imsg)
{
	struct ctl_pending	*p;
	struct snd_status	 st;

	if (imsg_check_len(imsg, sizeof(st)) != 0)
		fatalx("IMSG_SND_STATS_REPLY: bad size %zu", imsg->datalen);
	memcpy(&st, imsg->data, sizeof(st));
	if ((p = ctl_pending_find(imsg->hdr.reqid, IMSG_SND_STATS)) == NULL) {
		log_debug("sender counters for gone request %u",
		    imsg->hdr.reqid);
		return;
	}
	ctl_status_add(p, ctl_snd_json(&st));
}

/* The netlink process's state and counters: "netlink" of the status. */
static void
ctl_nl_stats(struct imsg *imsg)
{
	static const char *const states[] = {
		[NLS_OFF] = "off", [NLS_STARTING] = "starting",
		[NLS_OK] = "ok", [NLS_RESYNCING] = "resyncing",
		[NLS_FAILING] = "failing",
	};
	struct ctl_pending	*p;
	struct nl_status	 st;
	json_t			*j, *t;
	uint32_t		 i;

	if (imsg_check_len(imsg, sizeof(st)) != 0)
		fatalx("IMSG_NL_STATS_REPLY: bad size %zu", imsg->datalen);
	memcpy(&st, imsg->data, sizeof(st));
	st.error[sizeof(st.error) - 1] = '\0';
	if ((p = ctl_pending_find(imsg->hdr.reqid, IMSG_NL_STATS)) == NULL)
		return;
	j = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I}", "state", st.state <= NLS_FAILING ?
	    states[st.state] : "?", "receive_buffer", st.rcvbuf,
	    "messages", (json_int_t)st.messages,
	    "events", (json_int_t)st.events,
	    "resyncs", (json_int_t)st.resyncs,
	    "overruns", (json_int_t)st.overruns,
	    "malformed", (json_int_t)st.malformed,
	    "links", (json_int_t)st.links, "addrs", (json_int_t)st.addrs,
	    "routes", (json_int_t)st.routes,
	    "route_overflow", (json_int_t)st.route_overflow,
	    "failures", (json_int_t)st.failures);
	if (j != NULL && json_object_set_new(j, "events_by",
	    json_pack("{s:{s:I,s:I,s:I}, s:{s:I,s:I,s:I}, s:{s:I,s:I,s:I}}",
	    "link", "add", (json_int_t)st.by[0][0],
	    "delete", (json_int_t)st.by[0][1], "update", (json_int_t)st.by[0][2],
	    "addr", "add", (json_int_t)st.by[1][0],
	    "delete", (json_int_t)st.by[1][1], "update", (json_int_t)st.by[1][2],
	    "route", "add", (json_int_t)st.by[2][0],
	    "delete", (json_int_t)st.by[2][1],
	    "update", (json_int_t)st.by[2][2])) == -1)
		fatalx("%s: json", __func__);
	if (j != NULL && st.error[0] != '\0' &&
	    json_object_set_new(j, "error", json_string(st.error)) == -1)
		fatalx("%s: json", __func__);
	if (j != NULL) {
		/* The tables whose routes are kept: "all" or a list. */
		if (st.watch_all)
			t = json_string("all");
		else if ((t = json_array()) != NULL)
			for (i = 0; i < st.nwatch && i < NL_WATCH_MAX; i++)
				json_array_append_new(t,
				    json_integer(st.watch[i]));
		if (t == NULL || json_object_set_new(j, "route_tables",
		    t) == -1 || json_object_set_new(j, "route_unwatched",
		    json_integer((json_int_t)st.route_unwatched)) == -1)
			fatalx("%s: json", __func__);
	}
	ctl_status_add(p, j);
}

static void
ctl_refl_stats(struct imsg *imsg)
{
	struct ctl_pending	*p;
	struct evhttp_request	*req;
	struct refl_status	 st;
	json_t			*j;

	if (imsg_check_len(imsg, sizeof(st)) != 0)
		fatalx("IMSG_REFL_STATS_REPLY: bad size %zu", imsg->datalen);
	memcpy(&st, imsg->data, sizeof(st));
	st.udp_echo_addr[sizeof(st.udp_echo_addr) - 1] = '\0';
	st.twamp.addr[sizeof(st.twamp.addr) - 1] = '\0';
	st.twamp_control.addr[sizeof(st.twamp_control.addr) - 1] = '\0';
	if ((p = ctl_pending_find(imsg->hdr.reqid, IMSG_REFL_STATS)) == NULL) {
		log_debug("reflector counters for gone request %u",
		    imsg->hdr.reqid);
		return;
	}
	if (p->partial == NULL) {
		/* GET /api/v1/reflector */
		j = ctl_refl_json(&st);
		if ((req = ctl_pending_done(p)) != NULL)
			ctl_send_json(req, 200, j);
		json_decref(j);
		return;
	}
	ctl_status_add(p, ctl_refl_json(&st));
}

static void
ctl_reload(struct ctl_req *r)
{
	ctl_pending_new(r, PROC_PARENT, IMSG_CTL_RELOAD, NULL, 0);
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

/*
 * Probe tasks (task.h): requests answered by the engine with TASK_INFO,
 * TASK_ROUND or TASK_SAMPLE rows and a closing TASK_END.
 */
static void
ctl_problem_err(struct evhttp_request *req, const struct task_json_err *e)
{
	struct problem	 p;

	memset(&p, 0, sizeof(p));
	p.status = e->status;
	p.detail = e->detail;
	p.field = e->field[0] != '\0' ? e->field : NULL;
	ctl_problem_full(req, &p);
}

static void
ctl_acc_reset(struct ctl_taskacc *a)
{
	free(a->info);
	free(a->rounds);
	memset(a, 0, sizeof(*a));
}

static void
ctl_acc_info(struct ctl_taskacc *a, const struct task_info *ti)
{
	ctl_acc_reset(a);
	if ((a->info = malloc(sizeof(*a->info))) == NULL)
		fatal("%s: malloc", __func__);
	*a->info = *ti;
	a->info->id[sizeof(a->info->id) - 1] = '\0';
	a->cap = ti->nrounds < CTL_ROUNDS_MAX ? ti->nrounds : CTL_ROUNDS_MAX;
	if (a->cap > 0 &&
	    (a->rounds = calloc(a->cap, sizeof(*a->rounds))) == NULL)
		fatal("%s: calloc", __func__);
}

static void
ctl_acc_round(struct ctl_taskacc *a, const struct task_round *tr)
{
	if (a->info == NULL) {
		log_warnx("engine: a task round without its task");
		return;
	}
	if (a->nrounds >= a->cap) {
		log_warnx("engine: task %s: more rounds than the %u announced",
		    a->info->id, a->info->nrounds);
		return;
	}
	a->rounds[a->nrounds++] = *tr;
}

static json_t *
ctl_acc_json(const struct ctl_taskacc *a)
{
	json_t	*j;

	if ((j = task_info_json(a->info, a->rounds, a->nrounds,
	    ctl_hostname)) == NULL)
		fatalx("%s: task_info_json", __func__);
	return j;
}

/* A task of a list is complete: into the rows. */
static void
ctl_rows_flush(struct ctl_pending *p)
{
	if (p->acc.info == NULL)
		return;
	if (json_array_append_new(p->rows, ctl_acc_json(&p->acc)) == -1)
		fatalx("%s: json_array_append_new", __func__);
	ctl_acc_reset(&p->acc);
}

static struct ctl_pending *
ctl_task_pending(struct ctl_req *r, uint32_t type, struct task_query *q)
{
	strlcpy(q->id, r->id, sizeof(q->id));
	return ctl_pending_new(r, PROC_ENGINE, type, q, sizeof(*q));
}

/* A problem (status) naming field; detail after "field: ". */
static void
ctl_problem_field(struct evhttp_request *req, int status, const char *field,
    const char *fmt, ...) __attribute__((__format__(printf, 4, 5)));

static void
ctl_problem_field(struct evhttp_request *req, int status, const char *field,
    const char *fmt, ...)
{
	struct task_json_err	 e;
	va_list			 ap;
	int			 n;

	memset(&e, 0, sizeof(e));
	e.status = status;
	strlcpy(e.field, field, sizeof(e.field));
	n = snprintf(e.detail, sizeof(e.detail), "%s: ", field);
	if (n < 0 || (size_t)n >= sizeof(e.detail))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(e.detail + n, sizeof(e.detail) - (size_t)n, fmt, ap);
	va_end(ap);
	ctl_problem_err(req, &e);
}

/*
 * The webhook host's addresses came (maybe before evdns_getaddrinfo
 * returned): noted, and the creation goes on from the event loop.
 */
static void
ctl_url_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct ctl_pending	*p = arg;
	struct timeval		 tv = { 0, 0 };
	int			 ok = 0;

	if (result == EVUTIL_EAI_CANCEL) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	p->gai = NULL;
	ok = result == 0 && webhook_addr_first(res, 0) != NULL;
	if (res != NULL)
		evutil_freeaddrinfo(res);
	p->gai_result = result;
	p->gai_allowed = ok;
	evtimer_add(p->gai_done, &tv);
}

/* A creation whose webhook host resolved: on to the engine, or a 400. */
static void
ctl_url_checked(evutil_socket_t fd, short event, void *arg)
{
	struct ctl_pending	*p = arg;
	struct evhttp_request	*req;
	int			 result = p->gai_result;

	if (p->req == NULL) {
		(void)ctl_pending_done(p);
		return;
	}
	if (!p->gai_allowed) {
		req = ctl_pending_done(p);
		if (result != 0)
			ctl_problem_field(req, 400, p->url_field, "the host "
			    "does not resolve (%s): webhooks.allow cannot be "
			    "checked", evutil_gai_strerror(result));
		else
			ctl_problem_field(req, 400, p->url_field, "outside "
			    "webhooks.allow: no address of the host is in it");
		return;
	}
	if (proc_compose(PROC_ENGINE, p->type, 0, p->reqid, -1, p->deferred,
	    p->deferred_len) == -1) {
		req = ctl_pending_done(p);
		ctl_problem(req, 503, "cannot reach the engine process");
		return;
	}
	freezero(p->deferred, p->deferred_len);
	p->deferred = NULL;
	ctl_pending_rearm(p);
}

/*
 * Send a request (type, data) to the engine once its webhook URL (in
 * field) is known to be one webhooks.allow accepts: at once, or when
 * the host's addresses say so.  The pending request, NULL if answered.
 */
static struct ctl_pending *
ctl_send_checked(struct ctl_req *r, uint32_t type, const void *data,
    size_t len, const char *url, const char *field)
{
	struct ctl_pending	*p;
	struct evutil_addrinfo	 hints;
	struct evdns_getaddrinfo_request *gai;
	const char		*why;
	char			 host[LOPA_HOSTLEN];
	int			 rc;

	if (url[0] == '\0')
		return ctl_pending_new(r, PROC_ENGINE, type, data, len);
	if ((rc = webhook_url_check(url, &why)) == -1) {
		ctl_problem_field(r->req, 400, field, "%s", why);
		return NULL;
	}
	if (rc == 1)
		return ctl_pending_new(r, PROC_ENGINE, type, data, len);
	/* A name outside the list: its addresses decide. */
	if (ctl_dns == NULL) {
		ctl_problem_field(r->req, 400, field, "outside webhooks.allow "
		    "(no resolver to check the host's addresses)");
		return NULL;
	}
	if (webhook_url_host(url, host, sizeof(host)) == -1) {
		ctl_problem_field(r->req, 400, field, "not a valid URL");
		return NULL;
	}
	if ((p = ctl_pending_new(r, PROC_ENGINE, type, NULL, 1)) == NULL)
		return NULL;
	if ((p->deferred = malloc(len)) == NULL)
		fatal("%s: malloc", __func__);
	memcpy(p->deferred, data, len);
	p->deferred_len = len;
	p->url_field = field;
	if ((p->gai_done = evtimer_new(proc_base, ctl_url_checked, p)) ==
	    NULL)
		fatalx("%s: evtimer_new", __func__);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	if ((gai = evdns_getaddrinfo(ctl_dns, host, NULL, &hints,
	    ctl_url_resolved, p)) != NULL)
		p->gai = gai;
	return p;
}

static void
ctl_task_create(struct ctl_req *r)
{
	struct task_params	 tp;
	struct task_json_err	 e;
	const char		*field;

	if (task_params_from_json(r->body, (uint32_t)r->rt->arg, &tp,
	    &e) == -1) {
		ctl_problem_err(r->req, &e);
		return;
	}
	field = json_object_get(r->body, "webhook_url") != NULL ?
	    "webhook_url" : "alert_callback_url";
	(void)ctl_send_checked(r, IMSG_TASK_CREATE, &tp, sizeof(tp),
	    tp.alert_callback_url, field);
	explicit_bzero(&tp, sizeof(tp));
}

/*
 * Monitors (monitor.h): the engine answers with the body's text in
 * IMSG_BODY_DATA parts and an IMSG_BODY_END.
 */
static struct ctl_pending *
ctl_mon_pending(struct ctl_req *r, uint32_t type, uint32_t last)
{
	struct mon_query	 q;

	memset(&q, 0, sizeof(q));
	strlcpy(q.id, r->id, sizeof(q.id));
	q.last = last;
	return ctl_pending_new(r, PROC_ENGINE, type, &q, sizeof(q));
}

static void
ctl_mon_create(struct ctl_req *r)
{
	struct monitor_params	 mp;
	struct task_json_err	 e;

	if (r->body == NULL) {
		ctl_problem(r->req, 400, "an empty body: expected a JSON "
		    "object with a type");
		return;
	}
	if (monitor_params_from_json(r->body, 0, &mp, &e) == -1) {
		ctl_problem_err(r->req, &e);
		return;
	}
	(void)ctl_send_checked(r, IMSG_MON_CREATE, &mp, sizeof(mp),
	    mp.webhook_url, json_object_get(r->body, "webhook_url") != NULL ?
	    "webhook_url" : "alert_callback_url");
	explicit_bzero(&mp, sizeof(mp));
}

static void
ctl_mon_list(struct ctl_req *r)
{
	(void)ctl_mon_pending(r, IMSG_MON_LIST, 0);
}

static void
ctl_mon_get(struct ctl_req *r)
{
	(void)ctl_mon_pending(r, IMSG_MON_GET, 0);
}

static void
ctl_mon_delete(struct ctl_req *r)
{
	(void)ctl_mon_pending(r, IMSG_MON_DELETE, 0);
}

static void
ctl_mon_patch(struct ctl_req *r)
{
	struct {
		struct mon_query	 q;
		struct monitor_params	 mp;
	} m;
	struct task_json_err	 e;

	if (r->body == NULL) {
		ctl_problem(r->req, 400, "an empty body: expected a JSON "
		    "object");
		return;
	}
	memset(&m, 0, sizeof(m));
	if (monitor_params_from_json(r->body, 1, &m.mp, &e) == -1) {
		ctl_problem_err(r->req, &e);
		return;
	}
	strlcpy(m.q.id, r->id, sizeof(m.q.id));
	(void)ctl_send_checked(r, IMSG_MON_PATCH, &m, sizeof(m),
	    m.mp.webhook_url, json_object_get(r->body, "webhook_url") != NULL ?
	    "webhook_url" : "alert_callback_url");
	explicit_bzero(&m, sizeof(m));
}

/* The kernel's links (with addresses and counters) or routes now. */
static void
ctl_nl_view(struct ctl_req *r)
{
	uint32_t	 what = (uint32_t)r->rt->arg;

	(void)ctl_pending_new(r, PROC_NETLINK, IMSG_NL_VIEW, &what,
	    sizeof(what));
}

static void
ctl_mon_events(struct ctl_req *r)
{
	struct task_query	 q;
	struct task_json_err	 e;

	/* ?last=N as for samples. */
	if (task_query_samples(r->query, &q, &e) == -1) {
		ctl_problem_err(r->req, &e);
		return;
	}
	(void)ctl_mon_pending(r, IMSG_MON_EVENTS, q.last);
}

static void
ctl_body_data(enum lopa_proc from, struct imsg *imsg)
{
	struct ctl_pending	*p;

	if ((p = ctl_pending_peer(from, imsg->hdr.reqid)) == NULL)
		return;
	if (p->text == NULL && (p->text = evbuffer_new()) == NULL)
		fatal("%s: evbuffer_new", __func__);
	if (evbuffer_add(p->text, imsg->data, imsg->datalen) == -1)
		fatal("%s: evbuffer_add", __func__);
}

static void
ctl_body_end(enum lopa_proc from, struct imsg *imsg)
{
	struct ctl_pending	*p;
	struct evhttp_request	*req;
	struct task_json_err	 e;
	struct body_reply	 rep;
	struct evbuffer		*text;
	size_t			 len;

	if (imsg_check_len(imsg, sizeof(rep)) != 0)
		fatalx("IMSG_BODY_END: bad size %zu", imsg->datalen);
	memcpy(&rep, imsg->data, sizeof(rep));
	rep.field[sizeof(rep.field) - 1] = '\0';
	rep.detail[sizeof(rep.detail) - 1] = '\0';
	if ((p = ctl_pending_peer(from, imsg->hdr.reqid)) == NULL) {
		log_debug("%s: answer for gone request %u", proc_name(from),
		    imsg->hdr.reqid);
		return;
	}
	text = p->text;
	p->text = NULL;
	if ((req = ctl_pending_done(p)) == NULL)
		;
	else if (rep.status >= 400) {
		memset(&e, 0, sizeof(e));
		e.status = (int)rep.status;
		strlcpy(e.field, rep.field, sizeof(e.field));
		strlcpy(e.detail, rep.detail, sizeof(e.detail));
		ctl_problem_err(req, &e);
	} else if (rep.status == 204 || text == NULL)
		ctl_send(req, (int)rep.status, NULL, NULL, 0);
	else {
		/* A newline at the end, as curl users expect. */
		evbuffer_add(text, "\n", 1);
		len = evbuffer_get_length(text);
		ctl_send(req, (int)rep.status, "application/json",
		    (const char *)evbuffer_pullup(text, -1), len);
		ctl_trim_later(len);
	}
	if (text != NULL)
		evbuffer_free(text);
}

/* A monitor's event: on /api/v1/events and to its webhook. */
static void
ctl_mon_event(struct imsg *imsg)
{
	struct mon_event	 me;
	const char		*url, *secret, *ev;
	char			 u[TASK_URLLEN], sec[TASK_SECRETLEN];
	size_t			 len;
	json_t			*j;

	if (imsg->datalen < sizeof(me))
		fatalx("IMSG_MON_EVENT: bad size %zu", imsg->datalen);
	memcpy(&me, imsg->data, sizeof(me));
	me.id[sizeof(me.id) - 1] = '\0';
	len = imsg->datalen - sizeof(me);
	if ((size_t)me.url_len + me.secret_len > len ||
	    me.url_len >= sizeof(u) || me.secret_len >= sizeof(sec))
		fatalx("IMSG_MON_EVENT: bad lengths");
	url = (const char *)imsg->data + sizeof(me);
	secret = url + me.url_len;
	ev = secret + me.secret_len;
	len -= (size_t)me.url_len + me.secret_len;
	if ((j = json_loadb(ev, len, 0, NULL)) == NULL) {
		log_warnx("monitor %s: an event that is not JSON", me.id);
		return;
	}
	ctl_streams_send(me.id, "monitor", j);
	if (me.url_len > 0) {
		memcpy(u, url, me.url_len);
		u[me.url_len] = '\0';
		memcpy(sec, secret, me.secret_len);
		sec[me.secret_len] = '\0';
		webhook_send(u, sec[0] != '\0' ? sec : NULL, me.id, ev, len);
		explicit_bzero(sec, sizeof(sec));
	}
}

static void
ctl_task_list(struct ctl_req *r)
{
	struct ctl_pending	*p;
	struct task_query	 q;
	struct task_json_err	 e;

	if (task_query_list(r->query, &q, &e) == -1) {
		ctl_problem_err(r->req, &e);
		return;
	}
	if ((p = ctl_task_pending(r, IMSG_TASK_LIST, &q)) == NULL)
		return;
	if ((p->rows = json_array()) == NULL)
		fatalx("%s: json_array", __func__);
}

static void
ctl_task_get(struct ctl_req *r)
{
	struct task_query	 q;

	memset(&q, 0, sizeof(q));
	q.status = -1;
	ctl_task_pending(r, IMSG_TASK_GET, &q);
}

static void
ctl_task_samples(struct ctl_req *r)
{
	struct ctl_pending	*p;
	struct task_query	 q;
	struct task_json_err	 e;

	if (task_query_samples(r->query, &q, &e) == -1) {
		ctl_problem_err(r->req, &e);
		return;
	}
	if ((p = ctl_task_pending(r, IMSG_TASK_SAMPLES, &q)) == NULL)
		return;
	if ((p->rows = json_array()) == NULL)
		fatalx("%s: json_array", __func__);
}

static void
ctl_task_stop(struct ctl_req *r)
{
	struct task_query	 q;

	memset(&q, 0, sizeof(q));
	q.status = -1;
	ctl_task_pending(r, IMSG_TASK_STOP, &q);
}

static void
ctl_task_delete(struct ctl_req *r)
{
	struct task_query	 q;

	memset(&q, 0, sizeof(q));
	q.status = -1;
	ctl_task_pending(r, IMSG_TASK_DELETE, &q);
}

/* The request reqid waiting for process from; NULL if none. */
static struct ctl_pending *
ctl_pending_peer(enum lopa_proc from, uint32_t reqid)
{
	struct ctl_pending	*p;

	TAILQ_FOREACH(p, &ctl_pendings, entry)
		if (p->reqid == reqid)
			return p->peer == from ? p : NULL;
	return NULL;
}

static struct ctl_stream *
ctl_stream_find(uint32_t reqid)
{
	struct ctl_stream	*s;

	TAILQ_FOREACH(s, &ctl_streams, entry)
		if (s->reqid == reqid)
			return s;
	return NULL;
}

/* Where a TASK_INFO or TASK_ROUND for this request goes; NULL: nowhere. */
static struct ctl_taskacc *
ctl_acc_find(uint32_t reqid, struct ctl_pending **pp)
{
	struct ctl_pending	*p;
	struct ctl_stream	*s;

	*pp = NULL;
	if ((p = ctl_pending_peer(PROC_ENGINE, reqid)) != NULL) {
		if (p->type != IMSG_TASK_GET && p->type != IMSG_TASK_LIST)
			return NULL;
		*pp = p;
		return &p->acc;
	}
	if ((s = ctl_stream_find(reqid)) != NULL && s->state == SSE_SUMMARY)
		return &s->acc;
	return NULL;
}

static void
ctl_engine_info(struct imsg *imsg)
{
	struct task_info	 ti;
	struct ctl_pending	*p;
	struct ctl_taskacc	*a;

	if (imsg_check_len(imsg, sizeof(ti)) != 0)
		fatalx("IMSG_TASK_INFO: bad size %zu", imsg->datalen);
	memcpy(&ti, imsg->data, sizeof(ti));
	if ((a = ctl_acc_find(imsg->hdr.reqid, &p)) == NULL) {
		log_debug("task for gone request %u", imsg->hdr.reqid);
		return;
	}
	if (p != NULL && p->type == IMSG_TASK_LIST) {
		ctl_rows_flush(p);
		/* A long listing comes in parts: time each part. */
		ctl_pending_rearm(p);
	}
	ctl_acc_info(a, &ti);
}

static void
ctl_engine_round(struct imsg *imsg)
{
	struct task_round	 tr;
	struct ctl_pending	*p;
	struct ctl_taskacc	*a;

	if (imsg_check_len(imsg, sizeof(tr)) != 0)
		fatalx("IMSG_TASK_ROUND: bad size %zu", imsg->datalen);
	memcpy(&tr, imsg->data, sizeof(tr));
	if ((a = ctl_acc_find(imsg->hdr.reqid, &p)) == NULL) {
		log_debug("round for gone request %u", imsg->hdr.reqid);
		return;
	}
	ctl_acc_round(a, &tr);
}

static void
ctl_engine_sample(struct imsg *imsg)
{
	struct probe_result	 pr;
	struct ctl_pending	*p;
	size_t			 off;
	json_t			*j;

	if (imsg->datalen == 0 || imsg->datalen % sizeof(pr) != 0 ||
	    imsg->datalen > PROBE_BATCH_MAX * sizeof(pr))
		fatalx("IMSG_TASK_SAMPLE: bad size %zu", imsg->datalen);
	if ((p = ctl_pending_peer(PROC_ENGINE, imsg->hdr.reqid)) == NULL ||
	    p->type != IMSG_TASK_SAMPLES) {
		log_debug("samples for gone request %u", imsg->hdr.reqid);
		return;
	}
	for (off = 0; off < imsg->datalen; off += sizeof(pr)) {
		memcpy(&pr, (const char *)imsg->data + off, sizeof(pr));
		if ((j = task_sample_json(&pr)) == NULL ||
		    json_array_append_new(p->rows, j) == -1)
			fatalx("%s: json", __func__);
	}
}

/* A task id fit for a Location header. */
static int
ctl_id_ok(const char *id)
{
	if (*id == '\0')
		return 0;
	for (; *id != '\0'; id++)
		if ((unsigned char)*id <= 0x20 || (unsigned char)*id >= 0x7f ||
		    *id == '/' || *id == '?' || *id == '#' || *id == '%')
			return 0;
	return 1;
}

static void	 ctl_streams_deleted(const char *);

static void
ctl_task_answer(struct ctl_pending *p, const struct task_reply *rep)
{
	struct evhttp_request	*req;
	uint32_t		 type = p->type;
	json_t			*j = NULL;
	char			 loc[sizeof("/api/v1/tasks/") + TASK_IDLEN];
	int			 want;

	switch (type) {
	case IMSG_TASK_CREATE:
		want = 201;
		break;
	case IMSG_TASK_STOP:
		want = 202;
		break;
	case IMSG_TASK_DELETE:
		want = 204;
		break;
	default:
		want = 200;
		break;
	}
	if (rep->status == (uint32_t)want) {
		switch (type) {
		case IMSG_TASK_CREATE:
			if (!ctl_id_ok(rep->id)) {
				log_warnx("engine: created a task with a bad "
				    "id");
				want = -1;
				break;
			}
			snprintf(loc, sizeof(loc), "/api/v1/tasks/%s",
			    rep->id);
			if ((j = json_pack("{s:s}", "id", rep->id)) == NULL)
				fatalx("%s: json_pack", __func__);
			break;
		case IMSG_TASK_GET:
			if (p->acc.info == NULL) {
				log_warnx("engine: task %s without its data",
				    rep->id);
				want = -1;
				break;
			}
			j = ctl_acc_json(&p->acc);
			break;
		case IMSG_TASK_LIST:
			ctl_rows_flush(p);
			/* FALLTHROUGH */
		case IMSG_TASK_SAMPLES:
			j = json_incref(p->rows);
			break;
		case IMSG_TASK_DELETE:
			ctl_streams_deleted(rep->id);
			break;
		}
	}
	if ((req = ctl_pending_done(p)) == NULL) {
		json_decref(j);
		return;
	}
	if (want == -1)
		ctl_problem(req, 502, "the engine's answer was malformed");
	else if (rep->status != (uint32_t)want) {
		/* A creation's field the engine refused: "name: ...". */
		if (type == IMSG_TASK_CREATE && rep->status == 409 &&
		    strncmp(rep->detail, "name: ", 6) == 0)
			ctl_problem_field(req, 409, "name", "%s",
			    rep->detail + 6);
		else if (rep->status >= 400 && rep->status <= 599)
			ctl_problem(req, (int)rep->status, "%s",
			    rep->detail[0] != '\0' ? rep->detail :
			    problem_title((int)rep->status));
		else
			ctl_problem(req, 502, "the engine answered %u",
			    rep->status);
	} else if (type == IMSG_TASK_CREATE) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Location", loc);
		ctl_send_json(req, 201, j);
	} else if (j != NULL)
		ctl_send_json(req, want, j);
	else
		ctl_send(req, want, NULL, NULL, 0);
	json_decref(j);
}

static void	 ctl_stream_end(struct ctl_stream *,
		    const struct task_reply *);

static void
ctl_engine_end(struct imsg *imsg)
{
	struct task_reply	 rep;
	struct ctl_pending	*p;
	struct ctl_stream	*s;

	if (imsg_check_len(imsg, sizeof(rep)) != 0)
		fatalx("IMSG_TASK_END: bad size %zu", imsg->datalen);
	memcpy(&rep, imsg->data, sizeof(rep));
	rep.id[sizeof(rep.id) - 1] = '\0';
	rep.detail[sizeof(rep.detail) - 1] = '\0';
	if ((p = ctl_pending_peer(PROC_ENGINE, imsg->hdr.reqid)) != NULL)
		ctl_task_answer(p, &rep);
	else if ((s = ctl_stream_find(imsg->hdr.reqid)) != NULL)
		ctl_stream_end(s, &rep);
	else
		log_debug("task answer for gone request %u", imsg->hdr.reqid);
}

/*
 * Event streams: text/event-stream over a chunked reply.  "probe" events
 * carry samples, "state" events the task's status; the stream ends with
 * a "summary" event (the task's result) once the status is final.
 */
static void
ctl_idle_tv(struct timeval *tv)
{
	int64_t	 ns = proc_conf->http_idle_timeout;

	if (ns <= 0)
		ns = 30LL * 1000000000;
	*tv = proc_ns_tv(ns);
	if (tv->tv_sec == 0 && tv->tv_usec == 0)
		tv->tv_usec = 1;
}

static void
ctl_stream_free(struct ctl_stream *s)
{
	TAILQ_REMOVE(&ctl_streams, s, entry);
	if (s->conn != NULL)
		s->conn->stream = NULL;
	event_free(s->timer);
	event_free(s->keepalive);
	ctl_acc_reset(&s->acc);
	free(s);
}

/* End a stream: unsubscribe, finish the reply, free. */
static void
ctl_stream_close(struct ctl_stream *s)
{
	struct evhttp_request	*req = s->req;
	struct ctl_conn		*c = s->conn;
	struct task_query	 q;
	struct timeval		 tv;

	log_debug("stream %u of %s%s: closed%s", s->reqid,
	    s->all ? "every task" : "task ", s->id,
	    req == NULL ? " (the client left)" : "");
	if (s->subscribed) {
		memset(&q, 0, sizeof(q));
		strlcpy(q.id, s->id, sizeof(q.id));
		q.status = -1;
		proc_compose(PROC_ENGINE, IMSG_TASK_UNSUBSCRIBE, 0, s->reqid,
		    -1, &q, sizeof(q));
	}
	ctl_stream_free(s);
	if (req == NULL)
		return;
	if (c != NULL) {
		ctl_idle_tv(&tv);
		bufferevent_set_timeouts(c->bev, &tv, &tv);
	}
	ctl_replying = 1;
	evhttp_send_reply_end(req);
	ctl_replying = 0;
}

/* The client left (its connection is being freed). */
static void
ctl_stream_gone(struct ctl_stream *s)
{
	ctl_req_orphan(s->req);
	s->req = NULL;
	s->conn = NULL;
	/* While subscribing, the engine's answer says what to undo. */
	if (s->state != SSE_SUBSCRIBING)
		ctl_stream_close(s);
}

static void
ctl_sse_write(struct ctl_stream *s, const char *text)
{
	struct evbuffer	*b;

	if (s->req == NULL)
		return;
	if ((b = evbuffer_new()) == NULL)
		fatal("%s: evbuffer_new", __func__);
	if (evbuffer_add(b, text, strlen(text)) == -1)
		fatal("%s: evbuffer_add", __func__);
	ctl_replying = 1;
	evhttp_send_reply_chunk(s->req, b);
	ctl_replying = 0;
	evbuffer_free(b);
}

/* "event: NAME\ndata: JSON\n\n"; takes the reference to j. */
static void
ctl_sse_event(struct ctl_stream *s, const char *name, json_t *j)
{
	char	*data, *text;

	if (j == NULL || (data = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("%s: json", __func__);
	json_decref(j);
	if (asprintf(&text, "event: %s\ndata: %s\n\n", name, data) == -1)
		fatal("%s: asprintf", __func__);
	free(data);
	ctl_sse_write(s, text);
	free(text);
}

static void
ctl_stream_keepalive(evutil_socket_t fd, short event, void *arg)
{
	ctl_sse_write(arg, ": keep-alive\n\n");
}

static void
ctl_stream_timeout(evutil_socket_t fd, short event, void *arg)
{
	struct ctl_stream	*s = arg;
	struct evhttp_request	*req = s->req;

	log_warnx("the engine did not answer stream %u of task %s in %d s",
	    s->reqid, s->id, CTL_PENDING_SEC);
	if (s->state == SSE_SUMMARY) {
		ctl_stream_close(s);
		return;
	}
	ctl_stream_free(s);
	if (req != NULL)
		ctl_problem(req, 504, "the engine process did not answer "
		    "within %d s", CTL_PENDING_SEC);
}

/* A stream for a request, not yet listed; NULL when one is pending. */
static struct ctl_stream *
ctl_stream_new(struct ctl_req *r)
{
	struct ctl_stream	*s;

	if (r->conn->pending != NULL || r->conn->stream != NULL) {
		ctl_problem(r->req, 500, "a request is already pending");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("%s: calloc", __func__);
	s->reqid = ctl_next_reqid();
	s->req = r->req;
	s->conn = r->conn;
	if ((s->timer = evtimer_new(proc_base, ctl_stream_timeout, s)) ==
	    NULL || (s->keepalive = event_new(proc_base, -1, EV_PERSIST,
	    ctl_stream_keepalive, s)) == NULL)
		fatalx("%s: event_new", __func__);
	return s;
}

static void
ctl_task_stream(struct ctl_req *r)
{
	struct ctl_stream	*s;
	struct task_query	 q;
	struct timeval		 tv = { CTL_PENDING_SEC, 0 };

	if ((s = ctl_stream_new(r)) == NULL)
		return;
	strlcpy(s->id, r->id, sizeof(s->id));
	s->state = SSE_SUBSCRIBING;
	memset(&q, 0, sizeof(q));
	strlcpy(q.id, s->id, sizeof(q.id));
	q.status = -1;
	TAILQ_INSERT_TAIL(&ctl_streams, s, entry);
	if (proc_compose(PROC_ENGINE, IMSG_TASK_SUBSCRIBE, 0, s->reqid, -1,
	    &q, sizeof(q)) == -1) {
		s->conn = NULL;
		ctl_stream_free(s);
		ctl_problem(r->req, 503, "cannot reach the engine process");
		return;
	}
	evtimer_add(s->timer, &tv);
	r->conn->stream = s;
}

/* The reply's head goes out; events flow from now on. */
static void
ctl_stream_live(struct ctl_stream *s)
{
	struct evkeyvalq	*hdrs;
	struct timeval		 tv;

	s->state = SSE_LIVE;
	hdrs = evhttp_request_get_output_headers(s->req);
	evhttp_add_header(hdrs, "Content-Type", "text/event-stream");
	evhttp_add_header(hdrs, "Cache-Control", "no-cache");
	/* Quiet streams stay open: no read timeout from now on. */
	ctl_idle_tv(&tv);
	bufferevent_set_timeouts(s->conn->bev, NULL, &tv);
	ctl_replying = 1;
	evhttp_send_reply_start(s->req, 200, "OK");
	ctl_replying = 0;
	tv.tv_sec = CTL_SSE_KEEPALIVE;
	tv.tv_usec = 0;
	evtimer_add(s->keepalive, &tv);
}

/*
 * GET /api/v1/events: every task's changes of status and every alert
 * notification, as they happen (no replay, no probes).
 */
static void
ctl_events_stream(struct ctl_req *r)
{
	struct ctl_stream	*s;

	if ((s = ctl_stream_new(r)) == NULL)
		return;
	s->all = 1;
	TAILQ_INSERT_TAIL(&ctl_streams, s, entry);
	r->conn->stream = s;
	ctl_stream_live(s);
}

/* The engine's answer to the subscription, or to the summary's GET. */
static void
ctl_stream_end(struct ctl_stream *s, const struct task_reply *rep)
{
	struct evhttp_request	*req = s->req;

	evtimer_del(s->timer);
	switch (s->state) {
	case SSE_SUBSCRIBING:
		if (rep->status != 200) {
			ctl_stream_free(s);
			if (req != NULL)
				ctl_problem(req, rep->status >= 400 &&
				    rep->status <= 599 ? (int)rep->status : 502,
				    "%s", rep->detail[0] != '\0' ?
				    rep->detail : "the engine refused");
			return;
		}
		s->subscribed = 1;
		if (req == NULL) {
			ctl_stream_close(s);
			return;
		}
		ctl_stream_live(s);
		break;
	case SSE_SUMMARY:
		if (rep->status == 200 && s->acc.info != NULL)
			ctl_sse_event(s, "summary", ctl_acc_json(&s->acc));
		ctl_stream_close(s);
		break;
	case SSE_LIVE:
		log_debug("stream %u: unexpected answer", s->reqid);
		break;
	}
}

static void
ctl_stream_event(struct ctl_stream *s, const struct task_event *ev)
{
	struct task_query	 q;
	struct timeval		 tv = { CTL_PENDING_SEC, 0 };
	char			 buf[64];

	switch (ev->kind) {
	case TASK_EV_PROBE:
		/* A client that does not read loses samples, not memory. */
		if (s->conn != NULL && evbuffer_get_length(
		    bufferevent_get_output(s->conn->bev)) > CTL_SSE_BUFMAX) {
			s->dropped++;
			return;
		}
		if (s->dropped > 0) {
			snprintf(buf, sizeof(buf), "event: dropped\n"
			    "data: {\"dropped\":%llu}\n\n",
			    (unsigned long long)s->dropped);
			ctl_sse_write(s, buf);
			s->dropped = 0;
		}
		ctl_sse_event(s, "probe", task_sample_json(&ev->sample));
		break;
	case TASK_EV_STATE:
		ctl_sse_event(s, "state", task_state_json(ev));
		if (!task_is_final(ev->status))
			break;
		s->state = SSE_SUMMARY;
		memset(&q, 0, sizeof(q));
		strlcpy(q.id, s->id, sizeof(q.id));
		q.status = -1;
		if (proc_compose(PROC_ENGINE, IMSG_TASK_GET, 0, s->reqid, -1,
		    &q, sizeof(q)) == -1) {
			ctl_stream_close(s);
			return;
		}
		evtimer_add(s->timer, &tv);
		break;
	default:
		log_warnx("engine: event of unknown kind %u", ev->kind);
		break;
	}
}

static void
ctl_engine_event(struct imsg *imsg)
{
	struct task_event	 ev;
	struct ctl_stream	*s, *next;

	if (imsg_check_len(imsg, sizeof(ev)) != 0)
		fatalx("IMSG_TASK_EVENT: bad size %zu", imsg->datalen);
	memcpy(&ev, imsg->data, sizeof(ev));
	ev.id[sizeof(ev.id) - 1] = '\0';
	ev.error[sizeof(ev.error) - 1] = '\0';
	if (imsg->hdr.reqid != 0) {
		/* The replay for one stream. */
		if ((s = ctl_stream_find(imsg->hdr.reqid)) != NULL &&
		    s->state == SSE_LIVE && strcmp(s->id, ev.id) == 0)
			ctl_stream_event(s, &ev);
		return;
	}
	TAILQ_FOREACH_SAFE(s, &ctl_streams, entry, next) {
		if (s->state != SSE_LIVE)
			continue;
		if (s->all && ev.kind == TASK_EV_STATE)
			ctl_sse_event(s, "state", task_state_all_json(&ev));
		else if (!s->all && strcmp(s->id, ev.id) == 0)
			ctl_stream_event(s, &ev);
	}
}

/*
 * An event on /api/v1/events and, with id, on that task's streams;
 * takes the reference to j.
 */
static void
ctl_streams_send(const char *id, const char *name, json_t *j)
{
	struct ctl_stream	*s, *next;

	TAILQ_FOREACH_SAFE(s, &ctl_streams, entry, next)
		if (s->state == SSE_LIVE && (s->all ||
		    (id != NULL && strcmp(s->id, id) == 0)))
			ctl_sse_event(s, name, json_incref(j));
	json_decref(j);
}

/* A notification lost: a "webhook" event on /api/v1/events. */
static void
ctl_webhook_lost(const char *what, const char *task, const char *dest,
    const char *why)
{
	json_t			*j;

	j = json_pack("{s:s, s:s, s:s, s:s, s:o}", "event", what,
	    "task_id", task, "destination", dest, "reason", why,
	    "at", ctl_time_json(time(NULL)));
	if (j == NULL)
		return;
	ctl_streams_send(NULL, "webhook", j);
}

/*
 * A threshold's notification: logged, an "alert" event on the task's
 * streams and on /api/v1/events.
 */
static void
ctl_engine_alert(struct imsg *imsg)
{
	struct task_alert	*a;
	json_t			*j;
	char			 v[64], t[64], w[64], *body;

	if (imsg_check_len(imsg, sizeof(*a)) != 0)
		fatalx("IMSG_TASK_ALERT: bad size %zu", imsg->datalen);
	a = imsg->data;
	a->id[sizeof(a->id) - 1] = '\0';
	a->name[sizeof(a->name) - 1] = '\0';
	a->target[sizeof(a->target) - 1] = '\0';
	a->url[sizeof(a->url) - 1] = '\0';
	a->secret[sizeof(a->secret) - 1] = '\0';
	if (alert_metric_name((int)a->metric) == NULL ||
	    alert_note_name((int)a->note) == NULL)
		fatalx("IMSG_TASK_ALERT: metric %u note %u", a->metric,
		    a->note);
	alert_value_text((int)a->metric, a->sm.value, v, sizeof(v));
	if (a->note == ALERT_NOTE_RECOVERY) {
		alert_value_text((int)a->metric, a->rule.clear, t, sizeof(t));
		alert_value_text((int)a->metric, a->sm.worst, w, sizeof(w));
		log_info("task %s: recovery: %s %s %s %s (worst %s)", a->id,
		    alert_metric_name((int)a->metric), v,
		    a->rule.below ? ">" : "<", t, w);
	} else {
		alert_value_text((int)a->metric, a->rule.level, t, sizeof(t));
		log_info("task %s: %s: %s %s %s %s", a->id,
		    alert_note_name((int)a->note),
		    alert_metric_name((int)a->metric), v,
		    a->rule.below ? "<=" : ">=", t);
	}
	if ((j = task_alert_json(a, ctl_hostname)) == NULL) {
		log_warnx("task %s: alert: json", a->id);
		explicit_bzero(a->secret, sizeof(a->secret));
		return;
	}
	ctl_streams_send(a->id, "alert", json_incref(j));
	if (a->url[0] != '\0') {
		if ((body = json_dumps(j, JSON_COMPACT)) == NULL)
			fatalx("%s: json_dumps", __func__);
		webhook_send(a->url, a->secret, a->id, body, strlen(body));
		free(body);
	}
	json_decref(j);
	explicit_bzero(a->secret, sizeof(a->secret));
}

/* The task was deleted: its streams end, without a summary. */
static void
ctl_streams_deleted(const char *id)
{
	struct ctl_stream	*s, *next;

	TAILQ_FOREACH_SAFE(s, &ctl_streams, entry, next) {
		if (s->state != SSE_LIVE || strcmp(s->id, id) != 0)
			continue;
		ctl_sse_write(s, "event: deleted\ndata: {}\n\n");
		ctl_stream_close(s);
	}
}

/*
 * Name resolution for the engine (DESIGN §2): evdns, with resolv.conf and
 * /etc/hosts read before the sandbox.  Literal addresses are answered at
 * once, and names under .invalid fail at once (RFC 6761 §6.4).  evdns's
 * getaddrinfo does not report the records' TTL: ttl stays 0, and the
 * engine re-resolves every resolve_interval.
 */
static void
ctl_resolve_send(const struct ctl_resolve *rs, struct resolve_reply *rr)
{
	char	 a[LOPA_ADDRLEN];

	if (rr->error != 0)
		log_debug("resolve %s: %s", rs->rq.host, rr->msg);
	else {
		task_addr_format(&rr->addrs[0], a, sizeof(a));
		log_debug("resolve %s: %s (%u address%s)", rs->rq.host, a,
		    rr->naddrs, rr->naddrs == 1 ? "" : "es");
	}
	proc_compose(PROC_ENGINE, IMSG_RESOLVED, rs->id, rs->reqid, -1, rr,
	    sizeof(*rr));
}

static void
ctl_resolve_fail(const struct ctl_resolve *rs, int error, const char *why)
{
	struct resolve_reply	 rr;

	memset(&rr, 0, sizeof(rr));
	rr.error = error != 0 ? error : EVUTIL_EAI_FAIL;
	snprintf(rr.msg, sizeof(rr.msg), "%s: %s", rs->rq.host, why);
	ctl_resolve_send(rs, &rr);
}

static const char *
ctl_family_word(uint32_t ipv)
{
	return ipv == TASK_IP_4 ? "IPv4 " : ipv == TASK_IP_6 ? "IPv6 " : "";
}

static void
ctl_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct ctl_resolve	*rs = arg;
	struct evutil_addrinfo	*ai;
	struct resolve_reply	 rr;
	struct task_addr	*ta;
	const void		*src;
	char			 why[128];
	size_t			 len, i;
	int			 pass, want;

	TAILQ_REMOVE(&ctl_resolves, rs, entry);
	if (result == EVUTIL_EAI_CANCEL) {
		free(rs);
		return;
	}
	memset(&rr, 0, sizeof(rr));
	/* The preferred family first: IPv4 unless ipv6 is asked for. */
	for (pass = 0; result == 0 && pass < 2; pass++) {
		want = (pass == 0) == (rs->rq.ip_version != TASK_IP_6) ?
		    AF_INET : AF_INET6;
		for (ai = res; ai != NULL && rr.naddrs < TASK_MAXADDRS;
		    ai = ai->ai_next) {
			if (ai->ai_family != want)
				continue;
			if (want == AF_INET) {
				src = &((struct sockaddr_in *)
				    ai->ai_addr)->sin_addr;
				len = 4;
			} else {
				src = &((struct sockaddr_in6 *)
				    ai->ai_addr)->sin6_addr;
				len = 16;
			}
			for (i = 0; i < rr.naddrs; i++)
				if ((int)rr.addrs[i].family == want &&
				    memcmp(rr.addrs[i].addr, src, len) == 0)
					break;
			if (i < rr.naddrs)
				continue;
			ta = &rr.addrs[rr.naddrs++];
			ta->family = want;
			memcpy(ta->addr, src, len);
			if (want == AF_INET6)
				ta->scope_id = ((struct sockaddr_in6 *)
				    ai->ai_addr)->sin6_scope_id;
		}
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
	if (result != 0 || rr.naddrs == 0) {
		if (result == 0 || result == EVUTIL_EAI_NONAME)
			snprintf(why, sizeof(why), "no %saddress found",
			    ctl_family_word(rs->rq.ip_version));
		else
			snprintf(why, sizeof(why), "%s",
			    evutil_gai_strerror(result));
		ctl_resolve_fail(rs, result != 0 ? result : EVUTIL_EAI_NONAME,
		    why);
	} else
		ctl_resolve_send(rs, &rr);
	free(rs);
}

/* A name under the special-use domain .invalid (RFC 6761 §6.4). */
static int
ctl_name_invalid(const char *host)
{
	size_t	 len = strlen(host);

	if (len > 0 && host[len - 1] == '.')
		len--;
	return (len == 7 && strncasecmp(host, "invalid", 7) == 0) ||
	    (len > 7 && strncasecmp(host + len - 8, ".invalid", 8) == 0);
}

static void
ctl_resolve(struct imsg *imsg)
{
	struct ctl_resolve		*rs;
	struct resolve_reply		 rr;
	struct evutil_addrinfo		 hints;
	struct evdns_getaddrinfo_request *gai;
	int				 af;

	if (imsg_check_len(imsg, sizeof(rs->rq)) != 0)
		fatalx("IMSG_RESOLVE: bad size %zu", imsg->datalen);
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		fatal("%s: calloc", __func__);
	rs->id = imsg->hdr.id;
	rs->reqid = imsg->hdr.reqid;
	memcpy(&rs->rq, imsg->data, sizeof(rs->rq));
	rs->rq.host[sizeof(rs->rq.host) - 1] = '\0';

	memset(&rr, 0, sizeof(rr));
	if (inet_pton(AF_INET, rs->rq.host, rr.addrs[0].addr) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, rs->rq.host, rr.addrs[0].addr) == 1)
		af = AF_INET6;
	else
		af = 0;
	if (af != 0) {
		if ((rs->rq.ip_version == TASK_IP_4 && af != AF_INET) ||
		    (rs->rq.ip_version == TASK_IP_6 && af != AF_INET6))
			ctl_resolve_fail(rs, EVUTIL_EAI_FAMILY, "the address "
			    "is not of the ip_version asked for");
		else {
			rr.naddrs = 1;
			rr.addrs[0].family = af;
			ctl_resolve_send(rs, &rr);
		}
		free(rs);
		return;
	}
	if (rs->rq.host[0] == '\0' || ctl_name_invalid(rs->rq.host) ||
	    ctl_dns == NULL) {
		ctl_resolve_fail(rs, EVUTIL_EAI_NONAME, rs->rq.host[0] ==
		    '\0' ? "empty name" : ctl_dns == NULL ? "no resolver "
		    "(evdns could not be set up)" : "no such name (.invalid "
		    "never resolves)");
		free(rs);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = rs->rq.ip_version == TASK_IP_4 ? AF_INET :
	    rs->rq.ip_version == TASK_IP_6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	TAILQ_INSERT_TAIL(&ctl_resolves, rs, entry);
	/* The callback may run (and free rs) before this returns. */
	gai = evdns_getaddrinfo(ctl_dns, rs->rq.host, NULL, &hints,
	    ctl_resolved, rs);
	if (gai != NULL)
		rs->gai = gai;
}

static void
ctl_dns_log(int warn, const char *msg)
{
	if (warn)
		log_warnx("evdns: %s", msg);
	else
		log_debug("evdns: %s", msg);
}

/* Before the sandbox: the resolver's sockets, resolv.conf, hosts. */
static void
ctl_dns_init(void)
{
	evdns_set_log_fn(ctl_dns_log);
	ctl_dns = evdns_base_new(proc_base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (ctl_dns == NULL) {
		log_warnx("evdns: cannot set up a resolver: host names will "
		    "not resolve");
		return;
	}
	if (evdns_base_count_nameservers(ctl_dns) == 0)
		log_warnx("evdns: no name server: only /etc/hosts resolves");
	if (evdns_base_load_hosts(ctl_dns, NULL) != 0)
		log_warnx("evdns: cannot read /etc/hosts");
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
	int		 i;

	ctl_idle_tv(&tv);
	for (i = 0; i < CLASS_MAX; i++)
		evhttp_set_timeout_tv(ctl_servers[i].http, &tv);
}

/* --- push exports (export.h) ----------------------------------------- */

/*
 * exports.influx_url: lines gathered into a batch, sent when it has
 * exports.influx_batch lines or when exports.influx_flush_interval has
 * passed since its first, through the webhooks' queue (retries, bounded,
 * in order).  The results log: JSON lines to the parent, which writes
 * them, sent at 12 KB or 200 ms after the first.
 */
static struct mbuf	 exp_influx;
static uint32_t		 exp_influx_lines;
static struct event	*exp_influx_ev;
static struct mbuf	 exp_log;
static struct event	*exp_log_ev;
static uint64_t		 exp_log_lines, exp_log_dropped, exp_points;

#define EXP_LOG_MSG	(12 * 1024)

static void
exp_influx_flush(evutil_socket_t fd, short ev, void *arg)
{
	if (exp_influx.len > 0 && proc_conf->exports_influx_url[0] != '\0')
		webhook_export(proc_conf->exports_influx_url,
		    proc_conf->exports_influx_token, exp_influx.p,
		    exp_influx.len);
	mbuf_free(&exp_influx);
	exp_influx_lines = 0;
}

static void
exp_log_flush(evutil_socket_t fd, short ev, void *arg)
{
	if (exp_log.len > 0 && proc_compose(PROC_PARENT, IMSG_RESULTS_LOG, 0,
	    0, -1, exp_log.p, exp_log.len) == -1)
		exp_log_dropped++;
	mbuf_free(&exp_log);
}

static void
exp_log_add(json_t *j)
{
	struct timeval	 tv = { 0, 200000 };
	char		*s;
	size_t		 n;

	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		exp_log_dropped++;
		return;
	}
	json_decref(j);
	n = strlen(s);
	/* A line longer than a message cannot go (none is, in practice). */
	if (n + 1 > EXP_LOG_MSG) {
		free(s);
		exp_log_dropped++;
		return;
	}
	if (exp_log.len + n + 1 > EXP_LOG_MSG)
		exp_log_flush(-1, 0, NULL);
	mbuf_add(&exp_log, s, n);
	mbuf_add(&exp_log, "\n", 1);
	free(s);
	exp_log_lines++;
	if (exp_log.len == n + 1)
		evtimer_add(exp_log_ev, &tv);
}

static void
ctl_export_result(struct imsg *imsg)
{
	struct export_result	 x;
	struct timeval		 tv;

	if (imsg_check_len(imsg, sizeof(x)) != 0)
		fatalx("IMSG_EXPORT_RESULT: bad size %zu", imsg->datalen);
	memcpy(&x, imsg->data, sizeof(x));
	x.name[sizeof(x.name) - 1] = '\0';
	x.target[sizeof(x.target) - 1] = '\0';
	x.ip[sizeof(x.ip) - 1] = '\0';
	if (x.labels_len > sizeof(x.labels) ||
	    x.npassive > TASK_MAXIFACES)
		fatalx("IMSG_EXPORT_RESULT: labels of %u, %u interfaces",
		    x.labels_len, x.npassive);
	if (proc_conf->exports_influx_url[0] != '\0') {
		export_line(&exp_influx, &x, ctl_hostname,
		    proc_conf->exports_influx_measurement);
		exp_points++;
		if (++exp_influx_lines >= proc_conf->exports_influx_batch)
			exp_influx_flush(-1, 0, NULL);
		else if (exp_influx_lines == 1) {
			tv = proc_ns_tv(proc_conf->exports_influx_flush);
			evtimer_add(exp_influx_ev, &tv);
		}
	}
	if (proc_conf->exports_results_log[0] != '\0')
		exp_log_add(export_json(&x, ctl_hostname));
}

static void
ctl_export_probes(struct imsg *imsg)
{
	struct export_probe	 x;
	size_t			 off;

	if (imsg->datalen == 0 || imsg->datalen % sizeof(x) != 0)
		fatalx("IMSG_EXPORT_PROBES: bad size %zu", imsg->datalen);
	if (proc_conf->exports_results_log[0] == '\0')
		return;
	for (off = 0; off < imsg->datalen; off += sizeof(x)) {
		memcpy(&x, (const char *)imsg->data + off, sizeof(x));
		exp_log_add(export_probe_json(&x, ctl_hostname));
	}
}

/* The exports' counters, for the status; the parent writes the log. */
static json_t *
ctl_exports_json(const struct ctl_status *st)
{
	struct webhook_status	 w;
	json_t			*j;

	webhook_export_status(&w);
	j = json_pack("{s:{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, "
	    "s:{s:b, s:I, s:I, s:I, s:I, s:b}}",
	    "influx", "enabled", proc_conf->exports_influx_url[0] != '\0',
	    "points", (json_int_t)exp_points,
	    "queued", (json_int_t)w.queued,
	    "delivered", (json_int_t)w.delivered,
	    "retried", (json_int_t)w.retried,
	    "failed", (json_int_t)w.failed,
	    "dropped", (json_int_t)w.dropped,
	    "queue_length", (json_int_t)w.queue_length,
	    "results_log", "enabled", proc_conf->exports_results_log[0] != '\0',
	    "lines", (json_int_t)exp_log_lines,
	    "dropped", (json_int_t)exp_log_dropped,
	    "written", (json_int_t)st->rlog_written,
	    "lost", (json_int_t)st->rlog_lost,
	    "open", st->rlog_open != 0);
	if (j == NULL)
		fatalx("%s: json_pack", __func__);
	return j;
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
	ctl_dns_init();
	webhook_init(proc_base, ctl_dns, proc_conf);
	webhook_on_loss(ctl_webhook_lost);
	strlcpy(ctl_ca_file, proc_conf->webhooks_ca_file, sizeof(ctl_ca_file));
	/* jansson seeds its hash from /dev/urandom: not in the chroot. */
	json_object_seed(0);
	if ((ctl_fresh_ev = event_new(proc_base, -1, 0, ctl_fresh_cb, NULL)) ==
	    NULL)
		fatalx("%s: event_new", __func__);
	if ((ctl_trim_ev = evtimer_new(proc_base, ctl_trim_cb, NULL)) == NULL ||
	    (exp_influx_ev = evtimer_new(proc_base, exp_influx_flush,
	    NULL)) == NULL ||
	    (exp_log_ev = evtimer_new(proc_base, exp_log_flush, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
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
control_dispatch_peer(enum lopa_proc from, struct imsg *imsg)
{
	if (from == PROC_REFLECTOR && imsg->hdr.type == IMSG_REFL_STATS_REPLY) {
		ctl_refl_stats(imsg);
		return 0;
	}
	if (from == PROC_SENDER && imsg->hdr.type == IMSG_SND_STATS_REPLY) {
		ctl_snd_stats(imsg);
		return 0;
	}
	if (from == PROC_NETLINK) {
		switch (imsg->hdr.type) {
		case IMSG_NL_STATS_REPLY:
			ctl_nl_stats(imsg);
			return 0;
		case IMSG_BODY_DATA:
			ctl_body_data(from, imsg);
			return 0;
		case IMSG_BODY_END:
			ctl_body_end(from, imsg);
			return 0;
		}
		return -1;
	}
	if (from != PROC_ENGINE)
		return -1;
	switch (imsg->hdr.type) {
	case IMSG_TASK_INFO:
		ctl_engine_info(imsg);
		break;
	case IMSG_TASK_ROUND:
		ctl_engine_round(imsg);
		break;
	case IMSG_TASK_SAMPLE:
		ctl_engine_sample(imsg);
		break;
	case IMSG_TASK_END:
		ctl_engine_end(imsg);
		break;
	case IMSG_TASK_EVENT:
		ctl_engine_event(imsg);
		break;
	case IMSG_TASK_ALERT:
		ctl_engine_alert(imsg);
		break;
	case IMSG_BODY_DATA:
		ctl_body_data(from, imsg);
		break;
	case IMSG_BODY_END:
		ctl_body_end(from, imsg);
		break;
	case IMSG_MON_EVENT:
		ctl_mon_event(imsg);
		break;
	case IMSG_RESOLVE:
		ctl_resolve(imsg);
		break;
	case IMSG_METRICS_ROWS:
		ctl_metrics_rows(imsg);
		break;
	case IMSG_METRICS_END:
		ctl_metrics_end(imsg);
		break;
	case IMSG_EXPORT_RESULT:
		ctl_export_result(imsg);
		break;
	case IMSG_EXPORT_PROBES:
		ctl_export_probes(imsg);
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
	if (strcmp(conf->webhooks_ca_file, ctl_ca_file) != 0)
		log_warnx("webhooks.ca_file changed: it is read at start "
		    "only; restart lopad to use %s", conf->webhooks_ca_file);
	webhook_conf(conf);
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
	.dispatch_peer = control_dispatch_peer,
	.listener = control_listener,
	.reconf_check = control_reconf_check,
	.reconf_commit = control_reconf_commit,
	.reconf_abort = control_reconf_abort,
	.tokens = control_tokens,
};
