/*
 * lopad: the reflector process: UDP echo, TWAMP-light/STAMP reflector,
 * TWAMP-Control server.  This file has the UDP echo reflector; the TWAMP
 * and STAMP reflectors arrive with later work.
 *
 * UDP echo: the parent binds reflector.addr (with IP_PKTINFO or
 * IPV6_RECVPKTINFO already set) and passes the socket on request.  Each
 * wake-up reads up to REFL_BATCH datagrams with recvmmsg and answers the
 * accepted ones with one sendmmsg: same length, same payload, from the
 * address the request was sent to.  Requests are dropped, and counted by
 * reason, when they come from a loop-prone port, from a broadcast,
 * multicast or unspecified address, from outside reflector.allow, or
 * above the per-source or global packet rate.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "proc.h"

#define REFL_BATCH	32		/* datagrams per wake-up */
#define REFL_BUFSZ	65535
#define REFL_HASHSZ	4096		/* per-source buckets */
#define REFL_WAYS	4		/* entries per hash set */
#define REFL_LOGIVAL	(10LL * 1000 * 1000 * 1000)	/* 10 s */
#define NS		(1000LL * 1000 * 1000)

static const char *const refl_drop_names[DROP_MAX] = {
	[DROP_PORT] = "loop-prone source port",
	[DROP_SOURCE] = "broadcast, multicast or unspecified source",
	[DROP_DEST] = "broadcast or multicast destination",
	[DROP_ACL] = "source not in reflector.allow",
	[DROP_RATE_SOURCE] = "per-source rate exceeded",
	[DROP_RATE_GLOBAL] = "global rate exceeded",
	[DROP_TRUNCATED] = "truncated",
	[DROP_SEND] = "send error",
};

const char *const refl_drop_keys[DROP_MAX] = {
	[DROP_PORT] = "loop_port",
	[DROP_SOURCE] = "bad_source",
	[DROP_DEST] = "bad_destination",
	[DROP_ACL] = "acl",
	[DROP_RATE_SOURCE] = "rate_source",
	[DROP_RATE_GLOBAL] = "rate_global",
	[DROP_TRUNCATED] = "truncated",
	[DROP_SEND] = "send_error",
};

/* Counters, for GET /api/v1/status. */
struct refl_stats {
	uint64_t	 received;
	uint64_t	 echoed;
	uint64_t	 drops[DROP_MAX];
};

struct refl_bucket {
	double		 tokens;
	int64_t		 last;		/* ns, monotonic; 0: empty slot */
};

struct refl_source {
	struct refl_bucket b;
	int64_t		 used;		/* last packet, for replacement */
	uint8_t		 family;
	uint8_t		 addr[16];
};

static struct refl_stats	 refl_stats;
static int64_t			 refl_lastlog[DROP_MAX];
static struct refl_source	 refl_sources[REFL_HASHSZ];
static uint32_t			 refl_seed;
static struct refl_bucket	 refl_global;

/* Effective settings (from the committed config). */
static int		 refl_fd = -1;
static struct event	*refl_ev;
static char		 refl_addr[LOPA_ADDRLEN];	/* bound or asked for */
static uint32_t		 refl_gen;		/* request id of the socket */
static int		 refl_failed;		/* the parent could not bind */
static uint16_t		 refl_ports[2];		/* own ports, host order */
static struct addr_prefix refl_allow[LOPA_MAXALLOW];
static size_t		 refl_nallow;
static uint32_t		 refl_rate_source;
static uint32_t		 refl_rate_global;

/* recvmmsg/sendmmsg state. */
static uint8_t		 refl_buf[REFL_BATCH][REFL_BUFSZ];
static struct sockaddr_storage refl_from[REFL_BATCH];
static union {
	struct cmsghdr	 hdr;
	uint8_t		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			    CMSG_SPACE(sizeof(struct in_pktinfo))];
} refl_rcmsg[REFL_BATCH], refl_scmsg[REFL_BATCH];
static struct iovec	 refl_riov[REFL_BATCH], refl_siov[REFL_BATCH];
static struct mmsghdr	 refl_rmsg[REFL_BATCH], refl_smsg[REFL_BATCH];

static const uint16_t refl_loop_ports[] = {
	0, 7, 19, 53, 123, 161, 862, 1900, 5353, 11211
};

static int64_t
refl_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void
refl_format(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 h[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if (ss->ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)ss;
		if (inet_ntop(AF_INET, &sin->sin_addr, h, sizeof(h)) != NULL)
			snprintf(buf, len, "%s:%u", h, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)ss;
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, h, sizeof(h)) != NULL)
			snprintf(buf, len, "[%s]:%u", h, ntohs(sin6->sin6_port));
	}
}

static void
refl_drop(enum refl_drop why, const struct sockaddr_storage *from,
    int64_t now)
{
	char	 a[LOPA_ADDRLEN];

	refl_stats.drops[why]++;
	if (refl_lastlog[why] != 0 && now - refl_lastlog[why] < REFL_LOGIVAL)
		return;
	refl_lastlog[why] = now;
	refl_format(from, a, sizeof(a));
	log_debug("udp echo: no reply to %s: %s (%llu so far)", a,
	    refl_drop_names[why], (unsigned long long)refl_stats.drops[why]);
}

/* Token bucket: rate per second, burst = rate.  1 if a token was taken. */
static int
refl_take(struct refl_bucket *b, uint32_t rate, int64_t now)
{
	double	 add;

	if (b->last == 0) {
		b->tokens = rate;
		b->last = now;
	} else if (now > b->last) {
		add = (double)(now - b->last) * rate / NS;
		b->tokens = b->tokens + add > rate ? rate : b->tokens + add;
		b->last = now;
	}
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

static uint32_t
refl_hash(const uint8_t *a, size_t len)
{
	uint32_t	 h = 2166136261U ^ refl_seed;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= a[i];
		h *= 16777619U;
	}
	h ^= h >> 15;
	return h;
}

/* The bucket of a source: found, or the least recently used of its set. */
static struct refl_bucket *
refl_source_bucket(int family, const uint8_t *a, size_t alen, int64_t now)
{
	struct refl_source	*set, *s, *victim = NULL;
	size_t			 i;

	set = &refl_sources[(refl_hash(a, alen) % (REFL_HASHSZ / REFL_WAYS)) *
	    REFL_WAYS];
	for (i = 0; i < REFL_WAYS; i++) {
		s = &set[i];
		if (s->used != 0 && s->family == family &&
		    memcmp(s->addr, a, alen) == 0) {
			s->used = now;
			return &s->b;
		}
		if (victim == NULL || s->used < victim->used)
			victim = s;
	}
	memset(victim, 0, sizeof(*victim));
	victim->family = family;
	memcpy(victim->addr, a, alen);
	victim->used = now;
	return &victim->b;
}

static int
refl_loop_port(uint16_t port)
{
	size_t	 i;

	for (i = 0; i < sizeof(refl_loop_ports) / sizeof(refl_loop_ports[0]);
	    i++)
		if (port == refl_loop_ports[i])
			return 1;
	return port == refl_ports[0] || port == refl_ports[1];
}

/*
 * Check one request; on success fill the reply's control message (the
 * source address of the reply) and return its length, else -1.
 */
static int
refl_check(size_t i, int64_t now)
{
	struct sockaddr_storage	*from = &refl_from[i];
	struct msghdr		*m = &refl_rmsg[i].msg_hdr;
	struct cmsghdr		*c, *sc;
	struct in_pktinfo	*pi4 = NULL, spi4;
	struct in6_pktinfo	*pi6 = NULL, spi6;
	struct refl_bucket	*b;
	const uint8_t		*a;
	uint16_t		 port;
	size_t			 alen, k;
	uint32_t		 v4;

	refl_stats.received++;
	if (m->msg_flags & MSG_TRUNC) {
		refl_drop(DROP_TRUNCATED, from, now);
		return -1;
	}
	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
			pi4 = (struct in_pktinfo *)(void *)CMSG_DATA(c);
		else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO)
			pi6 = (struct in6_pktinfo *)(void *)CMSG_DATA(c);
	}
	if (from->ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)(void *)from;

		port = ntohs(sin->sin_port);
		a = (const uint8_t *)&sin->sin_addr;
		alen = 4;
		v4 = ntohl(sin->sin_addr.s_addr);
		if (refl_loop_port(port)) {
			refl_drop(DROP_PORT, from, now);
			return -1;
		}
		if (v4 == INADDR_BROADCAST || v4 == INADDR_ANY ||
		    (v4 & 0xf0000000U) == 0xe0000000U) {
			refl_drop(DROP_SOURCE, from, now);
			return -1;
		}
		if (pi4 == NULL || pi4->ipi_addr.s_addr == INADDR_BROADCAST ||
		    IN_MULTICAST(ntohl(pi4->ipi_addr.s_addr))) {
			refl_drop(DROP_DEST, from, now);
			return -1;
		}
	} else if (from->ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)from;

		port = ntohs(sin6->sin6_port);
		a = sin6->sin6_addr.s6_addr;
		alen = 16;
		if (refl_loop_port(port)) {
			refl_drop(DROP_PORT, from, now);
			return -1;
		}
		if (IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)) {
			refl_drop(DROP_SOURCE, from, now);
			return -1;
		}
		if (pi6 == NULL || IN6_IS_ADDR_MULTICAST(&pi6->ipi6_addr)) {
			refl_drop(DROP_DEST, from, now);
			return -1;
		}
	} else {
		refl_drop(DROP_SOURCE, from, now);
		return -1;
	}
	if (refl_nallow > 0) {
		for (k = 0; k < refl_nallow; k++)
			if (addr_prefix_match(&refl_allow[k],
			    (struct sockaddr *)from))
				break;
		if (k == refl_nallow) {
			refl_drop(DROP_ACL, from, now);
			return -1;
		}
	}
	if (refl_rate_source != 0) {
		b = refl_source_bucket(from->ss_family, a, alen, now);
		if (!refl_take(b, refl_rate_source, now)) {
			refl_drop(DROP_RATE_SOURCE, from, now);
			return -1;
		}
	}
	if (refl_rate_global != 0 &&
	    !refl_take(&refl_global, refl_rate_global, now)) {
		refl_drop(DROP_RATE_GLOBAL, from, now);
		return -1;
	}

	/* The reply leaves from the address the request was sent to. */
	sc = &refl_scmsg[i].hdr;
	memset(refl_scmsg[i].buf, 0, sizeof(refl_scmsg[i].buf));
	if (from->ss_family == AF_INET) {
		memset(&spi4, 0, sizeof(spi4));
		spi4.ipi_spec_dst = pi4->ipi_addr;
		spi4.ipi_ifindex = 0;
		sc->cmsg_level = IPPROTO_IP;
		sc->cmsg_type = IP_PKTINFO;
		sc->cmsg_len = CMSG_LEN(sizeof(spi4));
		memcpy(CMSG_DATA(sc), &spi4, sizeof(spi4));
		return CMSG_SPACE(sizeof(spi4));
	}
	memset(&spi6, 0, sizeof(spi6));
	spi6.ipi6_addr = pi6->ipi6_addr;
	/* Needed for link-local addresses; harmless for the others. */
	spi6.ipi6_ifindex = pi6->ipi6_ifindex;
	sc->cmsg_level = IPPROTO_IPV6;
	sc->cmsg_type = IPV6_PKTINFO;
	sc->cmsg_len = CMSG_LEN(sizeof(spi6));
	memcpy(CMSG_DATA(sc), &spi6, sizeof(spi6));
	return CMSG_SPACE(sizeof(spi6));
}

static void
refl_read(int fd, short event, void *arg)
{
	struct mmsghdr	*s;
	int64_t		 now;
	int		 n, i, ns, sent, clen;

	for (i = 0; i < REFL_BATCH; i++) {
		refl_riov[i].iov_base = refl_buf[i];
		refl_riov[i].iov_len = REFL_BUFSZ;
		memset(&refl_rmsg[i], 0, sizeof(refl_rmsg[i]));
		refl_rmsg[i].msg_hdr.msg_name = &refl_from[i];
		refl_rmsg[i].msg_hdr.msg_namelen = sizeof(refl_from[i]);
		refl_rmsg[i].msg_hdr.msg_iov = &refl_riov[i];
		refl_rmsg[i].msg_hdr.msg_iovlen = 1;
		refl_rmsg[i].msg_hdr.msg_control = refl_rcmsg[i].buf;
		refl_rmsg[i].msg_hdr.msg_controllen = sizeof(refl_rcmsg[i].buf);
	}
	n = recvmmsg(fd, refl_rmsg, REFL_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warn("udp echo: recvmmsg");
		return;
	}
	now = refl_now();
	for (i = 0, ns = 0; i < n; i++) {
		if ((clen = refl_check(i, now)) == -1)
			continue;
		s = &refl_smsg[ns++];
		memset(s, 0, sizeof(*s));
		refl_siov[i].iov_base = refl_buf[i];
		refl_siov[i].iov_len = refl_rmsg[i].msg_len;
		s->msg_hdr.msg_name = &refl_from[i];
		s->msg_hdr.msg_namelen = refl_rmsg[i].msg_hdr.msg_namelen;
		s->msg_hdr.msg_iov = &refl_siov[i];
		s->msg_hdr.msg_iovlen = 1;
		s->msg_hdr.msg_control = refl_scmsg[i].buf;
		s->msg_hdr.msg_controllen = clen;
	}
	for (i = 0; i < ns; i += sent) {
		sent = sendmmsg(fd, &refl_smsg[i], ns - i, MSG_DONTWAIT);
		if (sent == -1) {
			if (errno == EINTR) {
				sent = 0;
				continue;
			}
			/* The first one failed: count it, go on after it. */
			refl_drop(DROP_SEND, (struct sockaddr_storage *)
			    refl_smsg[i].msg_hdr.msg_name, now);
			sent = 1;
			continue;
		}
		if (sent == 0)
			break;
		refl_stats.echoed += sent;
	}
}

static void
refl_close(void)
{
	if (refl_ev != NULL) {
		event_free(refl_ev);
		refl_ev = NULL;
	}
	if (refl_fd != -1) {
		close(refl_fd);
		refl_fd = -1;
	}
}

/* The port of "ip:port", host order; 0 when there is none. */
static uint16_t
refl_port_of(const char *addr)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*errstr;

	if (addr[0] == '\0' || addr_parse(addr, &ss, &len, &errstr) == -1)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
}

/* Settings that take effect at once: the ACL, the rates, own ports. */
static void
refl_settings(const struct lopad_conf *c)
{
	const char	*errstr;
	char		 p[LOPA_ADDRLEN];
	uint32_t	 i;

	refl_nallow = 0;
	for (i = 0; i < c->reflector_nallow && i < LOPA_MAXALLOW; i++) {
		memcpy(p, c->reflector_allow[i], sizeof(p));
		p[sizeof(p) - 1] = '\0';
		if (addr_prefix_parse(p, &refl_allow[refl_nallow],
		    &errstr) == -1) {
			/* The parent checked it; ignore rather than die. */
			log_warnx("reflector.allow %s: %s", p, errstr);
			continue;
		}
		refl_nallow++;
	}
	if (c->reflector_rate_per_source != refl_rate_source) {
		memset(refl_sources, 0, sizeof(refl_sources));
		refl_rate_source = c->reflector_rate_per_source;
	}
	if (c->reflector_rate_global != refl_rate_global) {
		memset(&refl_global, 0, sizeof(refl_global));
		refl_rate_global = c->reflector_rate_global;
	}
	refl_ports[0] = refl_port_of(c->reflector_addr);
	refl_ports[1] = refl_port_of(c->reflector_twamp_addr);
	log_debug("udp echo: %zu allowed prefixes, %u/s per source, %u/s "
	    "in all", refl_nallow, refl_rate_source, refl_rate_global);
}

/* Open (ask for) the UDP echo socket the config wants, if another. */
static void
refl_want(const struct lopad_conf *c)
{
	struct fd_request	 req;
	char			 want[LOPA_ADDRLEN];

	memset(want, 0, sizeof(want));
	if (c->reflector_enabled) {
		memcpy(want, c->reflector_addr, sizeof(want));
		want[sizeof(want) - 1] = '\0';
	}
	/* Same address and the socket is there (or on its way): keep it. */
	if (strcmp(want, refl_addr) == 0 && (want[0] == '\0' ||
	    refl_fd != -1 || !refl_failed))
		return;
	refl_close();
	memcpy(refl_addr, want, sizeof(refl_addr));
	refl_gen++;		/* a late reply for the old address is stale */
	refl_failed = 0;
	if (want[0] == '\0') {
		log_debug("udp echo: off");
		return;
	}
	memset(&req, 0, sizeof(req));
	req.kind = FD_UDP_BIND;
	memcpy(req.addr, want, sizeof(req.addr));
	if (proc_request_fd(&req, refl_gen) == -1)
		fatalx("cannot ask for the udp echo socket");
}

static void
reflector_start(void)
{
	refl_seed = arc4random();
	refl_settings(proc_conf);
	refl_want(proc_conf);
	log_debug("started");
}

static int
reflector_dispatch_parent(struct imsg *imsg)
{
	struct fd_reply	 rep;
	int		 fd;

	switch (imsg->hdr.type) {
	case IMSG_FD_REPLY:
		if (imsg_check_len(imsg, sizeof(rep)))
			fatalx("bad IMSG_FD_REPLY");
		memcpy(&rep, imsg->data, sizeof(rep));
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		if (rep.kind != FD_UDP_BIND)
			fatalx("IMSG_FD_REPLY of unexpected kind %u", rep.kind);
		fd = imsg_take_fd(imsg);
		if (imsg->hdr.id != refl_gen) {
			/* Asked for an address that is no longer wanted. */
			if (fd != -1)
				close(fd);
			return 0;
		}
		if (fd == -1) {
			refl_failed = 1;
			/* Keep running: the rest of lopad is still useful. */
			log_warnx("udp echo reflector on %s not started: %s",
			    refl_addr, rep.msg[0] != '\0' ? rep.msg :
			    strerror(rep.error));
			return 0;
		}
		refl_close();
		refl_fd = fd;
		refl_ev = event_new(proc_base, refl_fd, EV_READ | EV_PERSIST,
		    refl_read, NULL);
		if (refl_ev == NULL || event_add(refl_ev, NULL) == -1)
			fatalx("udp echo: event");
		log_info("udp echo reflector on %s", refl_addr);
		return 0;
	default:
		return -1;
	}
}

static int
reflector_dispatch_peer(enum lopa_proc from, struct imsg *imsg)
{
	struct refl_status	 st;

	if (from != PROC_CONTROL || imsg->hdr.type != IMSG_REFL_STATS)
		return -1;
	if (imsg_check_len(imsg, 0))
		fatalx("bad IMSG_REFL_STATS");
	memset(&st, 0, sizeof(st));
	st.udp_echo_up = refl_fd != -1;
	memcpy(st.udp_echo_addr, refl_addr, sizeof(st.udp_echo_addr));
	st.received = refl_stats.received;
	st.echoed = refl_stats.echoed;
	memcpy(st.drops, refl_stats.drops, sizeof(st.drops));
	proc_compose(PROC_CONTROL, IMSG_REFL_STATS_REPLY, 0, imsg->hdr.reqid,
	    -1, &st, sizeof(st));
	return 0;
}

static void
reflector_reconf_commit(const struct lopad_conf *c)
{
	refl_settings(c);
	refl_want(c);
}

static void
reflector_shutdown(void)
{
	refl_close();
}

const struct proc_role reflector_role = {
	.role = PROC_REFLECTOR,
	.start = reflector_start,
	.dispatch_parent = reflector_dispatch_parent,
	.dispatch_peer = reflector_dispatch_peer,
	.reconf_commit = reflector_reconf_commit,
	.shutdown = reflector_shutdown,
};
