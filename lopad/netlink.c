/*
 * lopad: the netlink process: link, address and route events, interface
 * counters.  It holds no capability: the parent creates the NETLINK_ROUTE
 * socket with SO_RCVBUFFORCE (monitor.receive_buffer) and passes it on
 * request.  libnl-3 drives the socket (a raw nl_sock in the event loop);
 * rtnl.c parses what it reads, keeps the state known and diffs.
 *
 * At start the kernel's links, addresses and routes are dumped (quietly:
 * the state to diff against).  Every change after that becomes one
 * IMSG_NL_EVENT to the engine, whose monitors filter it.  On an overrun
 * (ENOBUFS: the kernel dropped messages) the tables are dumped again and
 * the differences reported, then one IMSG_NL_RESYNC.  If the socket
 * fails, the status says so and a new socket is asked for, with backoff:
 * monitoring never stops silently.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <net/if.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <netlink/route/rtnl.h>

#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "proc.h"
#include "rtnl.h"

#define NL_RETRY_MIN_MS		500
#define NL_RETRY_MAX_MS		30000
#define NL_READ_ROUNDS		64	/* reads per wake-up, then yield */
#define NL_VIEW_WAIT		32	/* interface views waiting */
#define NL_ROUTES_DELAY_MS	100	/* after a link down, then dump */
#define NL_EVENT_JSON_MAX	12000	/* octets of an event's attributes */
#define NL_EVENT_NH		32	/* next hops shown when too many */
#define NL_OPER_UNKNOWN		0
#define NL_OPER_UP		6

enum dump_stage {
	DUMP_NONE = 0,
	DUMP_LINK,
	DUMP_ADDR,
	DUMP_ROUTE
};

static struct {
	struct nl_sock		*sk;
	struct event		*ev;		/* readable */
	struct event		*retry_ev;
	int			 retry_ms;
	struct rtnl_state	*st;
	struct nl_status	 status;
	enum dump_stage		 dump;
	int			 quiet;		/* first dump: no events */
	int			 resync;	/* a resync's dump */
	int			 again;		/* dump again when this ends */
	uint64_t		 events0;	/* status.events at resync start */
	int			 refresh;	/* a link dump for counters */
	int			 had_socket;	/* not the first: resync */
	int			 replacing;	/* a new socket asked (reload) */
	uint32_t		 asked_rcvbuf;
	int			 rresync;	/* a dump of the routes alone */
	int			 rquiet;	/* ... to learn tables watched */
	int			 rr_want;	/* one is due */
	struct event		*rr_ev;
	struct {
		uint32_t	 reqid;
		uint32_t	 what;		/* NL_VIEW_* */
	}			 view_wait[NL_VIEW_WAIT];
	int			 nview_wait;
	struct nl_wait_counters {
		uint32_t		 key, reqid;
		struct nl_counters_req	 req;
	}			*cwait;		/* counter reads waiting */
	size_t			 ncwait, cwcap;
} nl;

static void	 nl_read(evutil_socket_t, short, void *);
static void	 nl_dump_start(int);
static void	 nl_view_answer(void);
static void	 nl_routes_soon(void);
static int	 nl_dump_send(void);
static void	 nl_drop(void);

/* Ask the parent for a socket (again). */
static void
nl_ask(void)
{
	struct fd_request	 req;

	memset(&req, 0, sizeof(req));
	req.kind = FD_NETLINK_ROUTE;
	req.rcvbuf = proc_conf->monitor_rcvbuf;
	nl.asked_rcvbuf = req.rcvbuf;
	if (proc_request_fd(&req, 0) == -1)
		fatalx("cannot ask for the netlink socket");
}

static void
nl_retry_ev(evutil_socket_t fd, short ev, void *arg)
{
	nl_ask();
}

/* Close the socket; a dump under way is abandoned. */
static void
nl_drop(void)
{
	if (nl.ev != NULL) {
		event_free(nl.ev);
		nl.ev = NULL;
	}
	if (nl.sk != NULL) {
		nl_socket_free(nl.sk);	/* closes the fd */
		nl.sk = NULL;
	}
	nl.dump = DUMP_NONE;
	nl.resync = nl.again = nl.refresh = nl.rresync = nl.rquiet = 0;
	nl.replacing = 0;
}

/* The socket failed (why): drop it, say so, ask again after a while. */
static void
nl_fail(const char *why)
{
	struct timeval	 tv;

	log_warnx("%s; retrying in %d ms", why, nl.retry_ms);
	strlcpy(nl.status.error, why, sizeof(nl.status.error));
	nl.status.state = NLS_FAILING;
	nl.status.failures++;
	nl_drop();
	nl_view_answer();
	tv.tv_sec = nl.retry_ms / 1000;
	tv.tv_usec = (nl.retry_ms % 1000) * 1000;
	evtimer_add(nl.retry_ev, &tv);
	nl.retry_ms = nl.retry_ms * 2 > NL_RETRY_MAX_MS ? NL_RETRY_MAX_MS :
	    nl.retry_ms * 2;
}

/* One change to the engine: what its filters need, then the JSON. */
static void
nl_event_cb(const struct rtnl_event *e, void *arg)
{
	struct nl_event			 m;
	const union rtnl_obj		*o = e->new != NULL ? e->new : e->old;
	const struct rtnl_link		*l;
	struct rtnl_event		 ce;
	union rtnl_obj			 co, cn;
	char				*json;
	size_t				 i;

	memset(&m, 0, sizeof(m));
	m.at = proc_clock_ns(CLOCK_REALTIME);
	m.kind = e->kind;
	m.change = e->change;
	m.kernel = e->kernel;
	switch (e->kind) {
	case RTNL_LINK:
		m.ifindex = o->link.ifindex;
		strlcpy(m.ifname, o->link.name, sizeof(m.ifname));
		if (e->old != NULL && e->new != NULL &&
		    strcmp(e->old->link.name, e->new->link.name) != 0)
			strlcpy(m.oldname, e->old->link.name,
			    sizeof(m.oldname));
		break;
	case RTNL_ADDR:
		m.family = o->addr.family;
		m.plen = o->addr.prefixlen;
		m.ifindex = o->addr.ifindex;
		strlcpy(m.ifname, o->addr.ifname, sizeof(m.ifname));
		memcpy(m.addr, o->addr.addr, sizeof(m.addr));
		break;
	case RTNL_ROUTE:
		m.family = o->route.family;
		m.plen = o->route.dst_len;
		m.protocol = o->route.protocol;
		m.table = o->route.table;
		m.ifindex = o->route.oif;
		strlcpy(m.ifname, o->route.ifname, sizeof(m.ifname));
		memcpy(m.addr, o->route.dst, sizeof(m.addr));
		for (i = 0; i < o->route.nnh && i < NL_NH_MAX; i++) {
			m.nh_ifindex[i] = o->route.nh[i].ifindex;
			if ((l = rtnl_state_link(nl.st,
			    o->route.nh[i].ifindex)) != NULL)
				strlcpy(m.nh_ifname[i], l->name,
				    sizeof(m.nh_ifname[i]));
		}
		m.nnh = i;
		break;
	default:
		return;
	}
	/*
	 * The kernel drops the IPv4 routes of a device that goes down or
	 * loses its addresses without telling: read the routes again.
	 */
	if ((e->kind == RTNL_LINK && (e->change == RTNL_DELETE ||
	    (e->change == RTNL_UPDATE && (e->old->link.flags & IFF_UP) &&
	    !(e->new->link.flags & IFF_UP)))) ||
	    (e->kind == RTNL_ADDR && e->change == RTNL_DELETE &&
	    e->old->addr.family == AF_INET))
		nl_routes_soon();
	if ((json = rtnl_event_json(e)) == NULL) {
		log_warn("event json");
		return;
	}
	if (strlen(json) > NL_EVENT_JSON_MAX && e->kind == RTNL_ROUTE) {
		/*
		 * A message must fit 16 KB, with what the engine and
		 * control add: a route of very many next hops shows the
		 * first NL_EVENT_NH of them.
		 */
		free(json);
		ce = *e;
		if (e->old != NULL) {
			co = *e->old;
			if (co.route.nnh > NL_EVENT_NH)
				co.route.nnh = NL_EVENT_NH;
			ce.old = &co;
		}
		if (e->new != NULL) {
			cn = *e->new;
			if (cn.route.nnh > NL_EVENT_NH)
				cn.route.nnh = NL_EVENT_NH;
			ce.new = &cn;
		}
		log_info("a route of more than %d next hops: the event shows "
		    "the first %d", NL_EVENT_NH, NL_EVENT_NH);
		if ((json = rtnl_event_json(&ce)) == NULL) {
			log_warn("event json");
			return;
		}
	}
	if (strlen(json) > NL_EVENT_JSON_MAX) {
		log_warnx("an event of %zu octets: not reported",
		    strlen(json));
		free(json);
		return;
	}
	nl.status.events++;
	if (m.kind >= RTNL_LINK && m.kind <= RTNL_ROUTE &&
	    m.change >= RTNL_ADD && m.change <= RTNL_UPDATE)
		nl.status.by[m.kind - RTNL_LINK][m.change - RTNL_ADD]++;
	proc_compose2(PROC_ENGINE, IMSG_NL_EVENT, 0, 0, -1, &m, sizeof(m),
	    json, strlen(json));
	free(json);
}

/* A resync of the routes alone, shortly (the kernel is done by then). */
static void
nl_routes_soon(void)
{
	struct timeval	 tv = { 0, NL_ROUTES_DELAY_MS * 1000 };

	if (nl.rr_ev != NULL && !evtimer_pending(nl.rr_ev, NULL))
		evtimer_add(nl.rr_ev, &tv);
}

static void
nl_routes_start(void)
{
	if (nl.dump != DUMP_NONE || nl.sk == NULL) {
		/* After the dump under way (2: quietly, see nl_watch). */
		if (nl.rr_want == 0)
			nl.rr_want = 1;
		return;
	}
	/* Quiet only when all that is wanted is to learn tables. */
	nl.rquiet = nl.rr_want == 2;
	nl.rr_want = 0;
	nl.rresync = 1;
	nl.again = 0;
	rtnl_state_resync_routes(nl.st);
	nl.dump = DUMP_ROUTE;
	(void)nl_dump_send();
}

static void
nl_routes_ev(evutil_socket_t fd, short ev, void *arg)
{
	nl.rr_want = 1;		/* not quiet: the kernel's silent deletes */
	nl_routes_start();
}

static void
nl_counts(void)
{
	struct rtnl_counters	 c;

	rtnl_state_counters(nl.st, &c);
	nl.status.links = c.links;
	nl.status.addrs = c.addrs;
	nl.status.routes = c.routes;
	nl.status.route_overflow = c.overflow;
	nl.status.route_unwatched = c.unwatched;
	nl.status.malformed = c.malformed;
}

/* The current dump's request. */
static int
nl_dump_send(void)
{
	static const int	 type[] = {
		[DUMP_LINK] = RTM_GETLINK,
		[DUMP_ADDR] = RTM_GETADDR,
		[DUMP_ROUTE] = RTM_GETROUTE,
	};
	int			 rc;

	rc = nl_rtgen_request(nl.sk, type[nl.dump], AF_UNSPEC, NLM_F_DUMP);
	if (rc < 0) {
		nl_fail(nl_geterror(rc));
		return -1;
	}
	return 0;
}

static void
nl_noop_cb(const struct rtnl_event *e, void *arg)
{
}

/*
 * Dump the tables: quietly at start (the state to diff against), as a
 * resync after an overrun.  Each dump is a resync of the state: what it
 * does not show is gone.  One dump at a time: asked during one, another
 * follows it, as quiet as it.
 */
static void
nl_dump_start(int quiet)
{
	if (nl.dump != DUMP_NONE) {
		nl.again = 1;
		return;
	}
	if (!nl.resync) {
		nl.resync = 1;
		nl.quiet = quiet;
		nl.events0 = nl.status.events;
		if (!quiet)
			nl.status.state = NLS_RESYNCING;
	}
	nl.again = 0;
	rtnl_state_resync_begin(nl.st);
	nl.dump = DUMP_LINK;
	(void)nl_dump_send();
}

/* A dump's stage ended: the next, or the end of the dump. */
static void
nl_dump_next(void)
{
	struct nl_resync	 r;

	if (nl.refresh || nl.rresync) {
		/* Links for fresh counters, or the routes alone, read. */
		if (nl.rresync)
			(void)rtnl_state_resync_end(nl.st, nl.rquiet ?
			    nl_noop_cb : nl_event_cb, NULL);
		nl.refresh = nl.rresync = nl.rquiet = 0;
		nl.dump = DUMP_NONE;
		nl_counts();
		nl_view_answer();
		if (nl.again)
			nl_dump_start(0);
		else if (nl.rr_want)
			nl_routes_start();
		return;
	}
	if (nl.dump != DUMP_ROUTE) {
		nl.dump++;
		(void)nl_dump_send();
		return;
	}
	nl.dump = DUMP_NONE;
	if (nl.again) {
		/* Overrun or changed during the dump: once more. */
		nl_dump_start(nl.quiet);
		return;
	}
	(void)rtnl_state_resync_end(nl.st, nl.quiet ? nl_noop_cb :
	    nl_event_cb, NULL);
	nl.resync = 0;
	nl_counts();
	if (nl.quiet)
		log_info("%llu links, %llu addresses, %llu routes",
		    (unsigned long long)nl.status.links,
		    (unsigned long long)nl.status.addrs,
		    (unsigned long long)nl.status.routes);
	else {
		memset(&r, 0, sizeof(r));
		r.changes = nl.status.events - nl.events0;
		r.at = proc_clock_ns(CLOCK_REALTIME);
		nl.status.resyncs++;
		log_info("resync after an overrun: %llu changes",
		    (unsigned long long)r.changes);
		proc_compose(PROC_ENGINE, IMSG_NL_RESYNC, 0, 0, -1, &r,
		    sizeof(r));
	}
	nl.quiet = 0;
	nl.rr_want = 0;		/* the routes were read too */
	nl.status.state = NLS_OK;
	nl.status.error[0] = '\0';
	nl.retry_ms = NL_RETRY_MIN_MS;
	nl_view_answer();
}

/* The messages of one read. */
static void
nl_input(const unsigned char *buf, size_t len)
{
	const struct nlmsghdr	*h;
	struct nlmsgerr		 err;
	size_t			 left = len;
	int			 rc;

	for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, left);
	    h = NLMSG_NEXT(h, left)) {
		nl.status.messages++;
		if (h->nlmsg_flags & NLM_F_DUMP_INTR)
			nl.again = 1;	/* inconsistent dump: again */
		switch (h->nlmsg_type) {
		case NLMSG_DONE:
			if (nl.dump != DUMP_NONE)
				nl_dump_next();
			continue;
		case NLMSG_ERROR:
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(err)))
				continue;
			memcpy(&err, NLMSG_DATA(h), sizeof(err));
			if (err.error == 0)
				continue;
			log_warnx("the kernel answered: %s",
			    strerror(-err.error));
			if (nl.dump != DUMP_NONE) {
				/* EBUSY...: this stage again, later. */
				nl.again = 1;
				nl_dump_next();
			}
			continue;
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			continue;
		}
		rc = rtnl_state_apply(nl.st, h, h->nlmsg_len,
		    (nl.resync && nl.quiet) || (nl.rresync && nl.rquiet) ?
		    RTNL_QUIET : 0, nl_event_cb, NULL);
		if (rc == -1 && errno != EINVAL)
			log_warn("state");
	}
}

static void
nl_read(evutil_socket_t fd, short event, void *arg)
{
	struct sockaddr_nl	 from;
	unsigned char		*buf;
	int			 n, i;

	for (i = 0; i < NL_READ_ROUNDS && nl.sk != NULL; i++) {
		buf = NULL;
		n = nl_recv(nl.sk, &from, &buf, NULL);
		if (n == -NLE_AGAIN || n == 0) {
			free(buf);
			break;
		}
		if (n == -NLE_NOMEM) {
			/* ENOBUFS: the kernel dropped messages for us. */
			free(buf);
			nl.status.overruns++;
			log_warnx("overrun (messages lost): "
			    "reading the tables again");
			/* During a dump: another after it. */
			nl_dump_start(0);
			continue;
		}
		if (n < 0) {
			free(buf);
			nl_fail(nl_geterror(n));
			return;
		}
		if (from.nl_pid == 0)	/* the kernel's, not spoofed */
			nl_input(buf, (size_t)n);
		free(buf);
	}
	nl_counts();
}

/* The socket from the parent: subscribe, then the first dump. */
static void
nl_socket(int fd)
{
	int	 rc, sz = 0;
	socklen_t len = sizeof(sz);

	if ((nl.sk = nl_socket_alloc()) == NULL)
		fatalx("nl_socket_alloc");
	if ((rc = nl_socket_set_fd(nl.sk, NETLINK_ROUTE, fd)) < 0) {
		close(fd);
		nl_socket_free(nl.sk);
		nl.sk = NULL;
		nl_fail(nl_geterror(rc));
		return;
	}
	nl_socket_disable_seq_check(nl.sk);
	nl_socket_disable_auto_ack(nl.sk);
	nl_socket_enable_msg_peek(nl.sk);
	if ((rc = nl_socket_add_memberships(nl.sk, RTNLGRP_LINK,
	    RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
	    RTNLGRP_IPV6_ROUTE, 0)) < 0) {
		nl_fail(nl_geterror(rc));
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, &len) == -1)
		log_warn("SO_RCVBUF");
	nl.status.rcvbuf = sz;
	log_debug("netlink socket %d, receive buffer %d bytes", fd, sz);
	if ((nl.ev = event_new(proc_base, fd, EV_READ | EV_PERSIST, nl_read,
	    NULL)) == NULL || event_add(nl.ev, NULL) == -1)
		fatalx("netlink: event");
	/*
	 * A new socket (after a failure, a reload) missed what changed
	 * meanwhile: a resync, not a quiet dump, unless it is the first.
	 */
	nl.status.state = NLS_STARTING;
	nl_dump_start(!nl.had_socket);
	nl.had_socket = 1;
}

static void
netlink_start(void)
{
	_Static_assert(NL_WATCH_MAX == RTNL_WATCH_MAX, "watch sizes");
	if ((nl.st = rtnl_state_new(proc_conf->monitor_max_routes)) == NULL)
		fatal("netlink state");
	nl.status.watch_all = 1;
	if ((nl.retry_ev = evtimer_new(proc_base, nl_retry_ev, NULL)) == NULL ||
	    (nl.rr_ev = evtimer_new(proc_base, nl_routes_ev, NULL)) == NULL)
		fatalx("evtimer_new");
	nl.retry_ms = NL_RETRY_MIN_MS;
	if (!proc_conf->monitor_enabled) {
		nl.status.state = NLS_OFF;
		log_info("monitor.enabled is false: not watching");
		return;
	}
	nl.status.state = NLS_STARTING;
	nl_ask();
}

static int
netlink_dispatch_parent(struct imsg *imsg)
{
	struct fd_reply	 rep;

	switch (imsg->hdr.type) {
	case IMSG_FD_REPLY:
		if (imsg_check_len(imsg, sizeof(rep)))
			fatalx("bad IMSG_FD_REPLY");
		memcpy(&rep, imsg->data, sizeof(rep));
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		if (rep.kind != FD_NETLINK_ROUTE)
			fatalx("IMSG_FD_REPLY of unexpected kind %u", rep.kind);
		if (imsg->fd == -1) {
			/* Monitoring must not stop silently. */
			nl_fail(rep.msg);
			return 0;
		}
		if (nl.sk != NULL && !nl.replacing) {
			close(imsg_take_fd(imsg));
			return 0;
		}
		if (nl.sk != NULL) {
			/* A reload's receive buffer: the new one, resynced. */
			log_info("new netlink socket (monitor.receive_buffer "
			    "%u)", nl.asked_rcvbuf);
			nl_drop();
		}
		if (nl.status.state == NLS_OFF) {
			close(imsg_take_fd(imsg));
			return 0;
		}
		nl_socket(imsg_take_fd(imsg));
		return 0;
	default:
		return -1;
	}
}

/* --- views for the API: GET /api/v1/interfaces, /api/v1/routes ----- */

/* A JSON document to control in parts, then 200. */
static void
nl_body_json(uint32_t reqid, json_t *j)
{
	char	*s;

	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("%s: json", __func__);
	json_decref(j);
	proc_body_text(reqid, s, strlen(s));
	free(s);
	proc_body_end(reqid, 200, NULL, NULL);
}

static void
view_link(const struct rtnl_link *l, void *arg)
{
	const struct rtnl_stats	*c = &l->stats;
	json_t			*o, *st;

	if ((o = rtnl_obj_json(RTNL_LINK, (const union rtnl_obj *)l)) ==
	    NULL || json_object_set_new(o, "addresses", json_array()) == -1)
		fatalx("%s: json", __func__);
	if (l->has_stats) {
		st = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		    "s:I}", "rx_bytes", (json_int_t)c->rx_bytes,
		    "rx_packets", (json_int_t)c->rx_packets,
		    "rx_errors", (json_int_t)c->rx_errors,
		    "rx_dropped", (json_int_t)c->rx_dropped,
		    "multicast", (json_int_t)c->multicast,
		    "tx_bytes", (json_int_t)c->tx_bytes,
		    "tx_packets", (json_int_t)c->tx_packets,
		    "tx_errors", (json_int_t)c->tx_errors,
		    "tx_dropped", (json_int_t)c->tx_dropped,
		    "collisions", (json_int_t)c->collisions);
		if (st == NULL || json_object_set_new(o, "counters", st) == -1)
			fatalx("%s: json", __func__);
	}
	if (json_array_append_new(arg, o) == -1)
		fatalx("%s: json", __func__);
}

static void
view_addr(const struct rtnl_addr *a, void *arg)
{
	json_t	*links = arg, *l, *o;
	size_t	 i;

	json_array_foreach(links, i, l)
		if (json_integer_value(json_object_get(l, "index")) ==
		    (json_int_t)a->ifindex) {
			if ((o = rtnl_obj_json(RTNL_ADDR,
			    (const union rtnl_obj *)a)) == NULL ||
			    json_array_append_new(json_object_get(l,
			    "addresses"), o) == -1)
				fatalx("%s: json", __func__);
			return;
		}
}

static void
view_route(const struct rtnl_route *r, void *arg)
{
	json_t	*o;

	if ((o = rtnl_obj_json(RTNL_ROUTE, (const union rtnl_obj *)r)) ==
	    NULL || json_object_set_new(o, "kernel",
	    json_boolean(rtnl_route_is_kernel(r))) == -1 ||
	    json_array_append_new(arg, o) == -1)
		fatalx("%s: json", __func__);
}

static void
nl_view_now(uint32_t reqid, uint32_t what)
{
	json_t	*a;

	if ((a = json_array()) == NULL)
		fatalx("%s: json", __func__);
	if (what == NL_VIEW_ROUTES)
		rtnl_state_routes(nl.st, view_route, a);
	else {
		rtnl_state_links(nl.st, view_link, a);
		rtnl_state_addrs(nl.st, view_addr, a);
	}
	nl_body_json(reqid, a);
}

struct counters_find {
	const char		*name;
	struct nl_ifcounters	*out;
};

static void
counters_link(const struct rtnl_link *l, void *arg)
{
	struct counters_find	*f = arg;
	struct nl_ifcounters	*c = f->out;

	if (c->present || strcmp(l->name, f->name) != 0)
		return;
	c->present = 1;
	c->ifindex = l->ifindex;
	c->rx_bytes = l->stats.rx_bytes;
	c->tx_bytes = l->stats.tx_bytes;
	c->rx_packets = l->stats.rx_packets;
	c->tx_packets = l->stats.tx_packets;
	c->rx_errors = l->stats.rx_errors;
	c->tx_errors = l->stats.tx_errors;
	c->rx_dropped = l->stats.rx_dropped;
	c->tx_dropped = l->stats.tx_dropped;
	c->multicast = l->stats.multicast;
	c->carrier_changes = l->carrier_changes;
	/* RFC 2863's up (IF_OPER_UP of <linux/if.h>, at odds with glibc's
	 * <net/if.h>), or unknown with the link running. */
	c->oper_up = l->operstate == NL_OPER_UP ||
	    (l->operstate == NL_OPER_UNKNOWN && (l->flags & IFF_RUNNING));
}

/* Fresh counters: a dump of the links, unless a dump runs already. */
static void
nl_refresh(void)
{
	if (nl.dump != DUMP_NONE)
		return;
	nl.refresh = 1;
	nl.dump = DUMP_LINK;
	(void)nl_dump_send();
}

/* The counter reads waiting, answered from the links as dumped. */
static void
nl_counters_answer(void)
{
	struct nl_counters	 c;
	struct counters_find	 f;
	size_t			 i;
	uint32_t		 k;

	for (i = 0; i < nl.ncwait; i++) {
		memset(&c, 0, sizeof(c));
		c.at = proc_clock_ns(CLOCK_REALTIME);
		c.mono = proc_clock_ns(CLOCK_MONOTONIC);
		c.n = nl.cwait[i].req.n;
		if (nl.sk == NULL) {
			c.failed = 1;
			strlcpy(c.error, nl.status.state == NLS_OFF ?
			    "monitor.enabled is false: no counters" :
			    nl.status.error[0] != '\0' ? nl.status.error :
			    "no netlink socket", sizeof(c.error));
		}
		for (k = 0; k < c.n; k++) {
			strlcpy(c.v[k].name, nl.cwait[i].req.names[k],
			    sizeof(c.v[k].name));
			if (c.failed)
				continue;
			f.name = c.v[k].name;
			f.out = &c.v[k];
			rtnl_state_links(nl.st, counters_link, &f);
		}
		proc_compose(PROC_ENGINE, IMSG_NL_COUNTERS_REPLY,
		    nl.cwait[i].key, nl.cwait[i].reqid, -1, &c, sizeof(c));
	}
	nl.ncwait = 0;
}

/* A passive task's read: after a dump of the links. */
static void
nl_counters(struct imsg *imsg)
{
	struct nl_wait_counters	*w;

	if (imsg_check_len(imsg, sizeof(w->req)) != 0)
		fatalx("IMSG_NL_COUNTERS: bad size");
	if (nl.ncwait == nl.cwcap) {
		nl.cwcap = nl.cwcap ? nl.cwcap * 2 : 16;
		if ((nl.cwait = reallocarray(nl.cwait, nl.cwcap,
		    sizeof(*nl.cwait))) == NULL)
			fatal("%s", __func__);
	}
	w = &nl.cwait[nl.ncwait++];
	w->key = imsg->hdr.id;
	w->reqid = imsg->hdr.reqid;
	memcpy(&w->req, imsg->data, sizeof(w->req));
	if (w->req.n > NL_COUNTERS_MAX)
		fatalx("IMSG_NL_COUNTERS: %u interfaces", w->req.n);
	if (nl.sk == NULL || nl.status.state == NLS_OFF) {
		nl_counters_answer();
		return;
	}
	nl_refresh();
}

/* The views waiting for a dump to end (or a failure). */
static void
nl_view_answer(void)
{
	int	 i;

	nl_counters_answer();
	for (i = 0; i < nl.nview_wait; i++) {
		if (nl.sk == NULL)
			proc_body_end(nl.view_wait[i].reqid, 503, NULL,
			    nl.status.error);
		else
			nl_view_now(nl.view_wait[i].reqid,
			    nl.view_wait[i].what);
	}
	nl.nview_wait = 0;
}

/*
 * GET /api/v1/interfaces: after a dump of the links (fresh counters);
 * /api/v1/routes: the routes known, once the first dump has ended.
 */
static void
nl_view(struct imsg *imsg)
{
	uint32_t	 what, reqid = imsg->hdr.reqid;

	if (imsg_check_len(imsg, sizeof(what)) != 0)
		fatalx("IMSG_NL_VIEW: bad size");
	memcpy(&what, imsg->data, sizeof(what));
	if (what != NL_VIEW_ROUTES && what != NL_VIEW_INTERFACES)
		fatalx("IMSG_NL_VIEW %u", what);
	if (nl.status.state == NLS_OFF) {
		proc_body_end(reqid, 503, NULL, "monitor.enabled is false: lopad "
		    "does not watch the kernel's tables");
		return;
	}
	if (nl.sk == NULL) {
		proc_body_end(reqid, 503, NULL, nl.status.error[0] != '\0' ?
		    nl.status.error : "no netlink socket yet");
		return;
	}
	if (what == NL_VIEW_ROUTES && nl.status.state != NLS_STARTING) {
		nl_view_now(reqid, what);
		return;
	}
	if (nl.nview_wait == NL_VIEW_WAIT) {
		proc_body_end(reqid, 503, NULL, "too many requests waiting");
		return;
	}
	nl.view_wait[nl.nview_wait].reqid = reqid;
	nl.view_wait[nl.nview_wait++].what = what;
	nl_refresh();
}

/* The tables the route monitors watch: their routes are kept. */
static void
nl_watch(struct imsg *imsg)
{
	struct nl_watch	 w;

	if (imsg_check_len(imsg, sizeof(w)) != 0)
		fatalx("IMSG_NL_WATCH: bad size");
	memcpy(&w, imsg->data, sizeof(w));
	if (w.n > NL_WATCH_MAX)
		fatalx("IMSG_NL_WATCH: %u tables", w.n);
	nl.status.watch_all = w.all;
	nl.status.nwatch = w.all ? 0 : w.n;
	memcpy(nl.status.watch, w.tables, sizeof(w.tables));
	if (rtnl_state_watch(nl.st, w.all, w.tables, w.n) && nl.sk != NULL &&
	    nl.status.state != NLS_STARTING) {
		/* A table watched now: learn its routes, quietly. */
		if (nl.rr_want == 0)
			nl.rr_want = 2;
		nl_routes_start();
	}
	nl_counts();
}

static int
netlink_dispatch_peer(enum lopa_proc from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_NL_WATCH:
		if (from != PROC_ENGINE)
			return -1;
		nl_watch(imsg);
		return 0;
	case IMSG_NL_COUNTERS:
		if (from != PROC_ENGINE)
			return -1;
		nl_counters(imsg);
		return 0;
	case IMSG_NL_VIEW:
		if (from != PROC_CONTROL)
			return -1;
		nl_view(imsg);
		return 0;
	case IMSG_NL_STATS:
		if (from != PROC_CONTROL)
			return -1;
		if (nl.st != NULL)
			nl_counts();
		proc_compose(PROC_CONTROL, IMSG_NL_STATS_REPLY, 0,
		    imsg->hdr.reqid, -1, &nl.status, sizeof(nl.status));
		return 0;
	default:
		return -1;
	}
}

/*
 * A reload: monitor.enabled turned off (the socket closed) or on (one
 * asked for), a new receive buffer (a new socket, resynced), a new
 * route budget (for the routes to come).
 */
static void
netlink_reconf_commit(const struct lopad_conf *c)
{
	rtnl_state_max_routes(nl.st, c->monitor_max_routes);
	if (!c->monitor_enabled) {
		if (nl.status.state != NLS_OFF) {
			log_info("monitor.enabled is false: not watching");
			nl_drop();
			evtimer_del(nl.retry_ev);
			nl.status.state = NLS_OFF;
			nl_view_answer();
		}
		return;
	}
	if (nl.status.state == NLS_OFF) {
		nl.status.state = NLS_STARTING;
		nl_ask();
		return;
	}
	if (nl.sk != NULL && c->monitor_rcvbuf != nl.asked_rcvbuf) {
		nl.replacing = 1;
		nl_ask();
	}
}

static void
netlink_shutdown(void)
{
	if (nl.ev != NULL)
		event_free(nl.ev);
	if (nl.retry_ev != NULL)
		event_free(nl.retry_ev);
	if (nl.rr_ev != NULL)
		event_free(nl.rr_ev);
	if (nl.sk != NULL)
		nl_socket_free(nl.sk);
	if (nl.st != NULL)
		rtnl_state_free(nl.st);
	free(nl.cwait);
	memset(&nl, 0, sizeof(nl));
}

const struct proc_role netlink_role = {
	.role = PROC_NETLINK,
	.start = netlink_start,
	.dispatch_parent = netlink_dispatch_parent,
	.dispatch_peer = netlink_dispatch_peer,
	.reconf_commit = netlink_reconf_commit,
	.shutdown = netlink_shutdown,
};
