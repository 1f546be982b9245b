/*
 * lopad: the reflector process: UDP echo, TWAMP-light/STAMP reflector,
 * TWAMP-Control server and its test sessions.
 *
 * The parent binds reflector.addr and reflector.twamp_addr (with
 * IP_PKTINFO or IPV6_RECVPKTINFO already set) and passes the sockets on
 * request.  Each wake-up reads up to REFL_BATCH datagrams with recvmmsg
 * and answers the accepted ones with one sendmmsg, from the address the
 * request was sent to (IP_PKTINFO when the socket is bound to a
 * wildcard), and reads again while batches come more than one datagram
 * at a time (refl_read).  Both listeners share the abuse protection:
 * requests are dropped, and counted by reason, when they come from a
 * loop-prone port, from a broadcast, multicast or unspecified address,
 * from outside reflector.allow, or above the per-source or global
 * packet rate (the buckets are shared: a source's rate is its rate to
 * this process).
 *
 * UDP echo: same length, same payload.
 *
 * TWAMP-light (RFC 5357 section 4.2.1, Appendix I) and STAMP (RFC 8762,
 * RFC 8972) on one port, told apart by twamp_test_classify (PROTOCOLS.md):
 *  - T2 is the kernel's software receive timestamp (SO_TIMESTAMPING, or
 *    SO_TIMESTAMPNS), else the clock read right after recvmmsg
 *    returned (counted: t2_fallback).
 *  - T3 is read once per batch, after every reply of the batch is
 *    built, just before the sendmmsg: the replies of a batch share it
 *    (the batch sizes are counted).
 *  - The Error Estimate comes from the kernel clock's state (adjtimex,
 *    read only), refreshed at most once a second: S when synchronized,
 *    scale and multiplier from maxerror.
 *  - Sender TTL from IP_RECVTTL / IPV6_RECVHOPLIMIT, 255 when unknown
 *    (RFC 5357 section 4.2.1); replies leave with TTL / Hop Limit 255
 *    and the DSCP the request came with (ECN not copied).
 *  - Sizes: TWAMP-light replies are as long as the request, never below
 *    41 octets (the 27 octets the reflector's header adds are taken off
 *    the end of the sender's padding, the rest of which is sent back);
 *    STAMP replies are as long as the request, TLVs reflected with
 *    stamp_tlv_reflect.
 *  - Stateless by default (the reply's sequence number is the
 *    sender's); with reflector.twamp_stateful, a counter from 0 per
 *    (source address, source port, SSID) in a bounded table, forgotten
 *    after reflector.twamp_refwait without packets (RFC 5357 REFWAIT).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/timex.h>

#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "duration.h"
#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "proc.h"
#include "stamp_tlv.h"
#include "twamp_codec.h"
#include "twamp_ctl_codec.h"

#define REFL_BATCH	32		/* datagrams per recvmmsg */
#define REFL_ROUNDS	8		/* recvmmsg per wake-up, at most */
#define REFL_BUFSZ	65535
#define REFL_CMSGSZ	256		/* pktinfo, TTL, TOS, timestamps */
#define REFL_HASHSZ	4096		/* per-source buckets */
#define REFL_WAYS	4		/* entries per hash set */
#define REFL_SESSIONS	4096		/* stateful TWAMP/STAMP sessions */
#define REFL_LOGIVAL	(10LL * 1000 * 1000 * 1000)	/* 10 s */
#define NS		(1000LL * 1000 * 1000)
#define REFL_CLOCKIVAL	NS		/* Error Estimate refresh */
#define REFL_TTL	255

enum refl_which {
	REFL_ECHO,
	REFL_TWAMP,
	REFL_CONTROL,		/* TWAMP-Control, TCP */
	REFL_NLISTEN
};

static const char *const refl_drop_names[DROP_MAX] = {
	[DROP_PORT] = "loop-prone source port",
	[DROP_SOURCE] = "broadcast, multicast or unspecified source",
	[DROP_DEST] = "broadcast or multicast destination",
	[DROP_ACL] = "source not in reflector.allow",
	[DROP_RATE_SOURCE] = "per-source rate exceeded",
	[DROP_RATE_GLOBAL] = "global rate exceeded",
	[DROP_TRUNCATED] = "truncated",
	[DROP_MALFORMED] = "not a test packet (under 14 octets)",
	[DROP_SEND] = "send error",
	[DROP_SESSION] = "TWAMP session not started, or another sender",
};

const char *const refl_drop_keys[DROP_MAX] = {
	[DROP_PORT] = "loop_port",
	[DROP_SOURCE] = "bad_source",
	[DROP_DEST] = "bad_destination",
	[DROP_ACL] = "acl",
	[DROP_RATE_SOURCE] = "rate_source",
	[DROP_RATE_GLOBAL] = "rate_global",
	[DROP_TRUNCATED] = "truncated",
	[DROP_MALFORMED] = "malformed",
	[DROP_SEND] = "send_error",
	[DROP_SESSION] = "session",
};

struct tws_session;

/* One socket the parent opened for us, and its counters. */
struct refl_listener {
	const char	*name;		/* in log lines */
	void		(*read)(int, short, void *);
	int		 kind;		/* FD_UDP_BIND, FD_TCP_LISTEN */
	struct tws_session *sess;	/* a TWAMP-Control test session's */
	int		 fd;
	struct event	*ev;
	char		 addr[LOPA_ADDRLEN];	/* bound or asked for */
	uint32_t	 gen;		/* request id of the socket */
	int		 failed;	/* the parent could not bind */
	int		 pktinfo;	/* wildcard: replies name a source */
	uint64_t	 received;
	uint64_t	 reflected;
	uint64_t	 drops[DROP_MAX];
	int64_t		 lastlog[DROP_MAX];
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

/* A stateful TWAMP/STAMP session: (address, port, SSID). */
struct refl_session {
	int64_t		 used;		/* last packet; 0: empty slot */
	uint32_t	 next;		/* the next reply's sequence number */
	uint16_t	 port;
	uint16_t	 ssid;
	uint8_t		 family;
	uint8_t		 addr[16];
};

/* What the control messages of one request said. */
struct refl_rx {
	struct in_pktinfo	*pi4;
	struct in6_pktinfo	*pi6;
	int			 ttl;		/* -1: unknown */
	int			 tos;		/* -1: unknown */
	int			 has_ts;
	struct timespec		 ts;		/* kernel RX stamp, realtime */
};

static void	 refl_echo_read(int, short, void *);
static void	 refl_twamp_read(int, short, void *);
static void	 tws_accept(int, short, void *);
static void	 tws_close_all(enum twctl_close);
static int	 tws_packet(struct refl_listener *, size_t, int64_t);
static int	 tws_fd_reply(uint32_t, int, const struct fd_reply *);
static uint32_t	 tws_seq(struct tws_session *);
static int	 tws_dscp(const struct tws_session *);

static struct refl_listener refl_listeners[REFL_NLISTEN] = {
	[REFL_ECHO] = { .name = "udp echo", .read = refl_echo_read,
	    .kind = FD_UDP_BIND, .fd = -1 },
	[REFL_TWAMP] = { .name = "twamp", .read = refl_twamp_read,
	    .kind = FD_UDP_BIND, .fd = -1 },
	[REFL_CONTROL] = { .name = "twamp control", .read = tws_accept,
	    .kind = FD_TCP_LISTEN, .fd = -1 },
};
static uint32_t			 refl_gen;	/* last request id */
static struct refl_source	 refl_sources[REFL_HASHSZ];
static uint32_t			 refl_seed;
static struct refl_bucket	 refl_global;

/* Effective settings (from the committed config). */
static uint16_t		 refl_ports[2];		/* own ports, host order */
static struct addr_prefix refl_allow[LOPA_MAXALLOW];
static size_t		 refl_nallow;
static uint32_t		 refl_rate_source;
static uint32_t		 refl_rate_global;
static int		 refl_stateful;
static int64_t		 refl_refwait;

/* The TWAMP-Control server's settings (reflector.twamp_*). */
static struct {
	int64_t		 servwait;
	uint16_t	 port_min;
	uint16_t	 port_max;
	uint32_t	 max_padding;
	uint32_t	 max_conns;
	uint32_t	 max_conns_client;
	uint32_t	 max_sessions;
	uint32_t	 max_sessions_conn;
} tws_cf;

/* TWAMP/STAMP state. */
static struct refl_twamp_status tw;		/* counters, for the status */
static struct refl_session refl_sessions[REFL_SESSIONS];
static int64_t		 refl_clock_at;		/* last adjtimex, monotonic */
static uint16_t		 refl_errest = 0x00ff;	/* until the first read */
static int		 refl_clock_sync;
static int64_t		 refl_busy_poll;	/* ns; reflector.busy_poll */

/* recvmmsg/sendmmsg state, shared by the listeners. */
static uint8_t		 refl_buf[REFL_BATCH][REFL_BUFSZ];
static struct sockaddr_storage refl_from[REFL_BATCH];
static union {
	struct cmsghdr	 hdr;
	uint8_t		 buf[REFL_CMSGSZ];
} refl_rcmsg[REFL_BATCH];
static union {
	struct cmsghdr	 hdr;
	uint8_t		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			    CMSG_SPACE(sizeof(int))];
} refl_scmsg[REFL_BATCH];
static struct iovec	 refl_riov[REFL_BATCH], refl_siov[REFL_BATCH];
static struct mmsghdr	 refl_rmsg[REFL_BATCH], refl_smsg[REFL_BATCH];
static int		 refl_skind[REFL_BATCH];	/* TWAMP_KIND_* */

static const uint16_t refl_loop_ports[] = {
	0, 7, 19, 53, 123, 161, 862, 1900, 5353, 11211
};
static uint8_t		 refl_loopmap[65536 / 8];	/* refl_loopmap_set */

static int64_t
refl_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static int64_t
refl_realtime(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
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
refl_drop(struct refl_listener *l, enum refl_drop why,
    const struct sockaddr_storage *from, int64_t now)
{
	char	 a[LOPA_ADDRLEN];

	l->drops[why]++;
	if (l->lastlog[why] != 0 && now - l->lastlog[why] < REFL_LOGIVAL)
		return;
	l->lastlog[why] = now;
	refl_format(from, a, sizeof(a));
	log_debug("%s: no reply to %s: %s (%llu so far)", l->name, a,
	    refl_drop_names[why], (unsigned long long)l->drops[why]);
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
refl_hash(const uint8_t *a, size_t len, uint32_t h)
{
	size_t		 i;

	h ^= 2166136261U ^ refl_seed;
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

	set = &refl_sources[(refl_hash(a, alen, 0) %
	    (REFL_HASHSZ / REFL_WAYS)) * REFL_WAYS];
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
	return (refl_loopmap[port >> 3] >> (port & 7)) & 1;
}

/* The loop-prone ports, and our own, as a bitmap: one test a request. */
static void
refl_loopmap_set(void)
{
	size_t		 i;
	uint16_t	 p;

	memset(refl_loopmap, 0, sizeof(refl_loopmap));
	for (i = 0; i < sizeof(refl_loop_ports) / sizeof(refl_loop_ports[0]);
	    i++) {
		p = refl_loop_ports[i];
		refl_loopmap[p >> 3] |= 1U << (p & 7);
	}
	for (i = 0; i < 2; i++) {
		p = refl_ports[i];
		refl_loopmap[p >> 3] |= 1U << (p & 7);
	}
}

/* The source address (and its length) and port of request i. */
static const uint8_t *
refl_source(size_t i, size_t *alen, uint16_t *port)
{
	struct sockaddr_storage	*from = &refl_from[i];
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	if (from->ss_family == AF_INET) {
		sin = (struct sockaddr_in *)(void *)from;
		*port = ntohs(sin->sin_port);
		*alen = 4;
		return (const uint8_t *)&sin->sin_addr;
	}
	sin6 = (struct sockaddr_in6 *)(void *)from;
	*port = ntohs(sin6->sin6_port);
	*alen = 16;
	return sin6->sin6_addr.s6_addr;
}

static void
refl_cmsgs(struct msghdr *m, struct refl_rx *rx)
{
	struct cmsghdr	*c;
	int		 v;

	memset(rx, 0, sizeof(*rx));
	rx->ttl = -1;
	rx->tos = -1;
	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP) {
			if (c->cmsg_type == IP_PKTINFO)
				rx->pi4 = (struct in_pktinfo *)(void *)
				    CMSG_DATA(c);
			else if (c->cmsg_type == IP_TTL &&
			    c->cmsg_len >= CMSG_LEN(sizeof(v))) {
				memcpy(&v, CMSG_DATA(c), sizeof(v));
				rx->ttl = v & 0xff;
			} else if (c->cmsg_type == IP_TOS &&
			    c->cmsg_len >= CMSG_LEN(1))
				rx->tos = *CMSG_DATA(c);
		} else if (c->cmsg_level == IPPROTO_IPV6) {
			if (c->cmsg_type == IPV6_PKTINFO)
				rx->pi6 = (struct in6_pktinfo *)(void *)
				    CMSG_DATA(c);
			else if (c->cmsg_type == IPV6_HOPLIMIT &&
			    c->cmsg_len >= CMSG_LEN(sizeof(v))) {
				memcpy(&v, CMSG_DATA(c), sizeof(v));
				rx->ttl = v & 0xff;
			} else if (c->cmsg_type == IPV6_TCLASS &&
			    c->cmsg_len >= CMSG_LEN(sizeof(v))) {
				memcpy(&v, CMSG_DATA(c), sizeof(v));
				rx->tos = v & 0xff;
			}
		} else if (c->cmsg_level == SOL_SOCKET &&
		    (c->cmsg_type == SO_TIMESTAMPING ||
		    c->cmsg_type == SO_TIMESTAMPNS) &&
		    c->cmsg_len >= CMSG_LEN(sizeof(rx->ts))) {
			/* SO_TIMESTAMPING: ts[0] is the software stamp. */
			memcpy(&rx->ts, CMSG_DATA(c), sizeof(rx->ts));
			rx->has_ts = rx->ts.tv_sec != 0 || rx->ts.tv_nsec != 0;
		}
	}
}

/*
 * The checks that do not cost a token: truncation, loop-prone ports,
 * bad source and destination addresses, the ACL.  0 to go on.
 */
static int
refl_admit(struct refl_listener *l, size_t i, struct refl_rx *rx,
    int64_t now)
{
	struct sockaddr_storage	*from = &refl_from[i];
	struct msghdr		*m = &refl_rmsg[i].msg_hdr;
	struct sockaddr_in6	*sin6;
	uint32_t		 v4;
	uint16_t		 port;
	size_t			 alen, k;

	l->received++;
	if (m->msg_flags & MSG_TRUNC) {
		refl_drop(l, DROP_TRUNCATED, from, now);
		return -1;
	}
	refl_cmsgs(m, rx);
	if (from->ss_family != AF_INET && from->ss_family != AF_INET6) {
		refl_drop(l, DROP_SOURCE, from, now);
		return -1;
	}
	(void)refl_source(i, &alen, &port);
	if (refl_loop_port(port)) {
		refl_drop(l, DROP_PORT, from, now);
		return -1;
	}
	if (from->ss_family == AF_INET) {
		v4 = ntohl(((struct sockaddr_in *)(void *)from)->
		    sin_addr.s_addr);
		if (v4 == INADDR_BROADCAST || v4 == INADDR_ANY ||
		    (v4 & 0xf0000000U) == 0xe0000000U) {
			refl_drop(l, DROP_SOURCE, from, now);
			return -1;
		}
		if (rx->pi4 == NULL ||
		    rx->pi4->ipi_addr.s_addr == INADDR_BROADCAST ||
		    IN_MULTICAST(ntohl(rx->pi4->ipi_addr.s_addr))) {
			refl_drop(l, DROP_DEST, from, now);
			return -1;
		}
	} else {
		sin6 = (struct sockaddr_in6 *)(void *)from;
		if (IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)) {
			refl_drop(l, DROP_SOURCE, from, now);
			return -1;
		}
		if (rx->pi6 == NULL ||
		    IN6_IS_ADDR_MULTICAST(&rx->pi6->ipi6_addr)) {
			refl_drop(l, DROP_DEST, from, now);
			return -1;
		}
	}
	if (refl_nallow > 0) {
		for (k = 0; k < refl_nallow; k++)
			if (addr_prefix_match(&refl_allow[k],
			    (struct sockaddr *)from))
				break;
		if (k == refl_nallow) {
			refl_drop(l, DROP_ACL, from, now);
			return -1;
		}
	}
	return 0;
}

/* The per-source and global rates: 0 when a reply may go. */
static int
refl_limit(struct refl_listener *l, size_t i, int64_t now)
{
	struct refl_bucket	*b;
	const uint8_t		*a;
	uint16_t		 port;
	size_t			 alen;

	if (refl_rate_source != 0) {
		a = refl_source(i, &alen, &port);
		b = refl_source_bucket(refl_from[i].ss_family, a, alen, now);
		if (!refl_take(b, refl_rate_source, now)) {
			refl_drop(l, DROP_RATE_SOURCE, &refl_from[i], now);
			return -1;
		}
	}
	if (refl_rate_global != 0 &&
	    !refl_take(&refl_global, refl_rate_global, now)) {
		refl_drop(l, DROP_RATE_GLOBAL, &refl_from[i], now);
		return -1;
	}
	return 0;
}

/*
 * Whether replies on fd must say their source (IP_PKTINFO): only when
 * it is bound to a wildcard address.  Bound to one address, the socket
 * receives only what was sent to it and the kernel sends from it (and,
 * for a link-local one, on its interface) anyway.  1 when unsure.
 */
static int
refl_needs_pktinfo(int fd)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)(void *)&ss;
	socklen_t		 len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return 1;
	if (ss.ss_family == AF_INET)
		return sin->sin_addr.s_addr == htonl(INADDR_ANY);
	if (ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr);
	return 1;
}

/*
 * The reply's control messages: it leaves from the address the request
 * was sent to (said when the listener is bound to a wildcard) and, when
 * dscp is above 0, with that DSCP (ECN not set).  Returns their length.
 */
static size_t
refl_reply_cmsg(const struct refl_listener *l, size_t i,
    const struct refl_rx *rx, int dscp)
{
	struct cmsghdr		*sc = &refl_scmsg[i].hdr;
	struct in_pktinfo	 spi4;
	struct in6_pktinfo	 spi6;
	size_t			 len;
	int			 tos = dscp << 2;

	if (!l->pktinfo && dscp <= 0)
		return 0;
	memset(refl_scmsg[i].buf, 0, sizeof(refl_scmsg[i].buf));
	if (!l->pktinfo)
		len = 0;
	else if (refl_from[i].ss_family == AF_INET) {
		memset(&spi4, 0, sizeof(spi4));
		spi4.ipi_spec_dst = rx->pi4->ipi_addr;
		spi4.ipi_ifindex = 0;
		sc->cmsg_level = IPPROTO_IP;
		sc->cmsg_type = IP_PKTINFO;
		sc->cmsg_len = CMSG_LEN(sizeof(spi4));
		memcpy(CMSG_DATA(sc), &spi4, sizeof(spi4));
		len = CMSG_SPACE(sizeof(spi4));
	} else {
		memset(&spi6, 0, sizeof(spi6));
		spi6.ipi6_addr = rx->pi6->ipi6_addr;
		/* Needed for link-local addresses; harmless otherwise. */
		spi6.ipi6_ifindex = rx->pi6->ipi6_ifindex;
		sc->cmsg_level = IPPROTO_IPV6;
		sc->cmsg_type = IPV6_PKTINFO;
		sc->cmsg_len = CMSG_LEN(sizeof(spi6));
		memcpy(CMSG_DATA(sc), &spi6, sizeof(spi6));
		len = CMSG_SPACE(sizeof(spi6));
	}
	if (dscp <= 0)
		return len;
	sc = (struct cmsghdr *)(void *)(refl_scmsg[i].buf + len);
	if (refl_from[i].ss_family == AF_INET) {
		sc->cmsg_level = IPPROTO_IP;
		sc->cmsg_type = IP_TOS;
	} else {
		sc->cmsg_level = IPPROTO_IPV6;
		sc->cmsg_type = IPV6_TCLASS;
	}
	sc->cmsg_len = CMSG_LEN(sizeof(tos));
	memcpy(CMSG_DATA(sc), &tos, sizeof(tos));
	return len + CMSG_SPACE(sizeof(tos));
}

/* Queue request i's reply (len octets of its buffer) as reply *ns. */
static void
refl_queue(size_t i, size_t len, size_t clen, int kind, int *ns)
{
	struct mmsghdr	*s = &refl_smsg[*ns];

	memset(s, 0, sizeof(*s));
	refl_siov[*ns].iov_base = refl_buf[i];
	refl_siov[*ns].iov_len = len;
	s->msg_hdr.msg_name = &refl_from[i];
	s->msg_hdr.msg_namelen = refl_rmsg[i].msg_hdr.msg_namelen;
	s->msg_hdr.msg_iov = &refl_siov[*ns];
	s->msg_hdr.msg_iovlen = 1;
	s->msg_hdr.msg_control = refl_scmsg[i].buf;
	s->msg_hdr.msg_controllen = clen;
	refl_skind[*ns] = kind;
	(*ns)++;
}

/* Send the ns queued replies; returns how many left. */
static int
refl_send(struct refl_listener *l, int fd, int ns, int64_t now)
{
	int	 i, j, sent, done = 0;

	for (i = 0; i < ns; i += sent) {
		sent = sendmmsg(fd, &refl_smsg[i], ns - i, MSG_DONTWAIT);
		if (sent == -1) {
			if (errno == EINTR) {
				sent = 0;
				continue;
			}
			/* The first one failed: count it, go on after it. */
			refl_drop(l, DROP_SEND, (struct sockaddr_storage *)
			    refl_smsg[i].msg_hdr.msg_name, now);
			sent = 1;
			continue;
		}
		if (sent == 0)
			break;
		l->reflected += sent;
		for (j = i; j < i + sent; j++) {
			if (refl_skind[j] == TWAMP_KIND_STAMP)
				tw.stamp++;
			else if (refl_skind[j] == TWAMP_KIND_LIGHT)
				tw.twamp_light++;
		}
		done += sent;
	}
	return done;
}

/*
 * Read one batch into the shared buffers; -1 when there was none.  The
 * headers are set up once; recvmmsg writes back only the name and
 * control lengths and the flags of the datagrams it returned (and the
 * one it failed on), so only those are reset for the next read.
 */
static int
refl_recv(struct refl_listener *l, int fd)
{
	static int	 touched = -1;	/* -1: never set up */
	struct msghdr	*m;
	int		 i, n;

	if (touched == -1) {
		memset(refl_rmsg, 0, sizeof(refl_rmsg));
		for (i = 0; i < REFL_BATCH; i++) {
			refl_riov[i].iov_base = refl_buf[i];
			refl_riov[i].iov_len = REFL_BUFSZ;
			m = &refl_rmsg[i].msg_hdr;
			m->msg_name = &refl_from[i];
			m->msg_iov = &refl_riov[i];
			m->msg_iovlen = 1;
			m->msg_control = refl_rcmsg[i].buf;
		}
		touched = REFL_BATCH;
	}
	for (i = 0; i < touched; i++) {
		m = &refl_rmsg[i].msg_hdr;
		m->msg_namelen = sizeof(refl_from[i]);
		m->msg_controllen = sizeof(refl_rcmsg[i].buf);
		m->msg_flags = 0;
		refl_rmsg[i].msg_len = 0;
	}
	n = recvmmsg(fd, refl_rmsg, REFL_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1) {
		touched = 1;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warn("%s: recvmmsg", l->name);
		return -1;
	}
	touched = n < REFL_BATCH ? n + 1 : REFL_BATCH;
	return n;
}

/* Answer the n requests refl_recv read on the echo listener. */
static void
refl_echo_answer(struct refl_listener *l, int fd, int n)
{
	struct refl_rx		 rx;
	int64_t			 now;
	int			 i, ns = 0;

	now = refl_now();
	for (i = 0; i < n; i++) {
		if (refl_admit(l, i, &rx, now) == -1 ||
		    refl_limit(l, i, now) == -1)
			continue;
		refl_queue(i, refl_rmsg[i].msg_len,
		    refl_reply_cmsg(l, i, &rx, -1), -1, &ns);
	}
	(void)refl_send(l, fd, ns, now);
}

/*
 * A wake-up: batches are read and answered while they come more than
 * one at a time (requests come faster than we wake up, the next batch
 * is likely there already: a read saved the event loop's epoll_wait),
 * at most REFL_ROUNDS of them, then back to the event loop.  A lone
 * request ends the wake-up at once: at 20,000/s one read more finds
 * nothing nearly always, and costs more than it saves.
 *
 * With reflector.busy_poll the reflector does not go back to sleep when
 * the socket is empty: it keeps reading (without blocking) until nothing
 * has come for busy_poll, so that the next request finds it awake and
 * its T3 - T2 leaves out the wake-up (a few microseconds instead of the
 * scheduler's tens), at the price of a CPU spinning while requests come.
 * After REFL_ROUNDS batches it makes its event active again and returns,
 * so that the event loop serves the rest (without sleeping) and calls it
 * back: nothing else waits longer than busy_poll or REFL_ROUNDS batches.
 */
static void
refl_read(struct refl_listener *l, int fd,
    void (*answer)(struct refl_listener *, int, int))
{
	int64_t	 now, idle_until = 0;
	int	 k = 0, n;

	while (k < REFL_ROUNDS) {
		if ((n = refl_recv(l, fd)) > 0) {
			answer(l, fd, n);
			k++;
		}
		if (refl_busy_poll == 0) {
			if (n < 2)
				return;
			continue;
		}
		now = refl_now();
		if (n > 0 || idle_until == 0)
			idle_until = now + refl_busy_poll;
		else if (now >= idle_until)
			return;
	}
	if (refl_busy_poll > 0 && l->ev != NULL)
		event_active(l->ev, EV_READ, 1);
}

static void
refl_echo_read(int fd, short event, void *arg)
{
	refl_read(arg, fd, refl_echo_answer);
}

/*
 * The Error Estimate to send, from the kernel clock (read only: modes
 * 0), at most once a second.  S only when the kernel says the clock is
 * synchronized; the error is maxerror (microseconds).
 */
static void
refl_clock(int64_t now)
{
	struct timex	 tx;
	int		 rc;
	int64_t		 maxerr;

	if (refl_clock_at != 0 && now - refl_clock_at < REFL_CLOCKIVAL)
		return;
	refl_clock_at = now;
	memset(&tx, 0, sizeof(tx));
	rc = adjtimex(&tx);
	if (rc == -1 && refl_clock_sync != -1)
		log_warn("twamp: adjtimex: the clock's error is unknown, "
		    "sending 16 s unsynchronized");
	refl_errest = twamp_errest_clock(rc, &tx, &refl_clock_sync, &maxerr);
	tw.errest = refl_errest;
	tw.clock_synced = refl_clock_sync == 1;
	tw.clock_maxerror_us = maxerr;
}

/* The next sequence number of a stateful session; 0 for a new one. */
static uint32_t
refl_session_seq(size_t i, uint16_t ssid, int64_t now)
{
	struct refl_session	*set, *s, *victim = NULL;
	const uint8_t		*a;
	uint16_t		 port;
	size_t			 alen, k;
	uint32_t		 h;

	a = refl_source(i, &alen, &port);
	h = refl_hash(a, alen, ((uint32_t)port << 16) | ssid);
	set = &refl_sessions[(h % (REFL_SESSIONS / REFL_WAYS)) * REFL_WAYS];
	for (k = 0; k < REFL_WAYS; k++) {
		s = &set[k];
		if (s->used != 0 && s->family == refl_from[i].ss_family &&
		    s->port == port && s->ssid == ssid &&
		    memcmp(s->addr, a, alen) == 0) {
			/* Idle for REFWAIT: the session is over. */
			if (now - s->used > refl_refwait)
				s->next = 0;
			s->used = now;
			return s->next++;
		}
		if (victim == NULL || s->used < victim->used)
			victim = s;
	}
	if (victim->used != 0 && now - victim->used <= refl_refwait)
		tw.sessions_evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->family = refl_from[i].ss_family;
	victim->port = port;
	victim->ssid = ssid;
	memcpy(victim->addr, a, alen);
	victim->used = now;
	victim->next = 1;
	return 0;
}

/*
 * Build the reply to request i (len octets, of the kind given) in its
 * own buffer, T3 left for later.  Returns the reply's length, 0 when
 * it cannot be built.
 */
static size_t
refl_twamp_build(struct refl_listener *l, size_t i, int kind, size_t len,
    const struct refl_rx *rx, uint64_t t2, int64_t now)
{
	struct twamp_sender	 s;
	struct twamp_reflector	 r;
	struct stamp_tlv_refl	 tr;
	uint8_t			*buf = refl_buf[i], hdr[STAMP_PKT_LEN];
	size_t			 rlen, hlen;
	int			 res;

	rlen = twamp_reply_len(kind, len);
	if (rlen == 0 || rlen > REFL_BUFSZ)
		return 0;
	if ((kind == TWAMP_KIND_STAMP ? stamp_sender_decode(buf, len, &s) :
	    twamp_sender_decode(buf, len, &s)) == -1)
		return 0;
	memset(&r, 0, sizeof(r));
	if (l->sess != NULL)
		r.seq = tws_seq(l->sess);
	else
		r.seq = refl_stateful ? refl_session_seq(i, s.ssid, now) :
		    s.seq;
	r.errest = refl_errest;
	r.ssid = s.ssid;
	r.rx_ts = t2;
	r.snd_seq = s.seq;
	r.snd_ts = s.ts;
	r.snd_errest = s.errest;
	r.snd_ttl = rx->ttl >= 0 ? rx->ttl : REFL_TTL;
	if (kind == TWAMP_KIND_STAMP) {
		hlen = STAMP_PKT_LEN;
		if (stamp_reflector_encode(&r, hlen, hdr, sizeof(hdr)) == -1)
			return 0;
		memset(&tr, 0, sizeof(tr));
		if (rx->tos >= 0) {
			tr.dscp = rx->tos >> 2;
			tr.ecn = rx->tos & 3;
		}
		/*
		 * DSCP1 is not applied: the reply goes back with the
		 * request's DSCP, and RP 1 says so (RFC 8972 section 4.4,
		 * erratum 8199).
		 */
		tr.cos_refused = 1;
		tr.tsinfo.sync_in = tr.tsinfo.sync_out = refl_clock_sync == 1 ?
		    STAMP_TS_SYNC_NTP : STAMP_TS_SYNC_LOCAL;
		tr.tsinfo.method_in = tr.tsinfo.method_out =
		    STAMP_TS_METHOD_SW;
		if (stamp_tlv_reflect(buf + hlen, len - hlen, buf + hlen,
		    len - hlen, &tr, &res) == -1)
			return 0;
		if (res & STAMP_TLV_R_UNKNOWN)
			tw.tlv_unknown++;
		if (res & (STAMP_TLV_R_BADLEN | STAMP_TLV_R_MALFORMED))
			tw.tlv_malformed++;
	} else {
		hlen = TWAMP_REFLECTOR_LEN;
		if (twamp_reflector_encode(&r, hlen, hdr, sizeof(hdr)) == -1)
			return 0;
		/*
		 * RFC 5357 section 4.2.1: the sender's padding goes back,
		 * shortened by the 27 octets the header grew, from its end.
		 */
		if (len > hlen)
			memmove(buf + hlen, buf + TWAMP_SENDER_LEN, len - hlen);
	}
	memcpy(buf, hdr, hlen);
	return rlen;
}

static void
refl_twamp_batch(int ns)
{
	int	 b;

	if (ns == 0)
		return;
	tw.batches++;
	if ((uint64_t)ns > tw.batch_max)
		tw.batch_max = ns;
	for (b = 0; b < REFL_NBATCH - 1 && (ns >> (b + 1)) != 0; b++)
		;
	tw.batch_hist[b]++;
}

/* Answer the n requests refl_recv read on a TWAMP listener. */
static void
refl_twamp_answer(struct refl_listener *l, int fd, int n)
{
	struct refl_rx		 rx;
	uint64_t		 t2user, t2, t3;
	int64_t			 now;
	size_t			 len, rlen;
	int			 i, ns = 0, kind;

	/* The fallback T2, as close to the kernel's receipt as we get. */
	t2user = twamp_ntp_from_ns(refl_realtime());
	now = refl_now();
	refl_clock(now);
	for (i = 0; i < n; i++) {
		if (refl_admit(l, i, &rx, now) == -1)
			continue;
		len = refl_rmsg[i].msg_len;
		/* A negotiated session is TWAMP, whatever its padding. */
		if (l->sess != NULL)
			kind = len >= TWAMP_SENDER_LEN ? TWAMP_KIND_LIGHT : -1;
		else
			kind = twamp_test_classify(refl_buf[i], len);
		if (kind == -1) {
			refl_drop(l, DROP_MALFORMED, &refl_from[i], now);
			continue;
		}
		if (l->sess != NULL && tws_packet(l, i, now) == -1) {
			refl_drop(l, DROP_SESSION, &refl_from[i], now);
			continue;
		}
		if (refl_limit(l, i, now) == -1)
			continue;
		if (rx.has_ts) {
			t2 = twamp_ntp_from_ns((int64_t)rx.ts.tv_sec * NS +
			    rx.ts.tv_nsec);
			tw.t2_kernel++;
		} else {
			t2 = t2user;
			tw.t2_fallback++;
		}
		if ((rlen = refl_twamp_build(l, i, kind, len, &rx, t2,
		    now)) == 0) {
			refl_drop(l, DROP_MALFORMED, &refl_from[i], now);
			continue;
		}
		/*
		 * The reply goes back in the request's class, or in a
		 * session the negotiated one; session replies are not
		 * counted as TWAMP-light.
		 */
		if (l->sess != NULL)
			refl_queue(i, rlen, refl_reply_cmsg(l, i, &rx,
			    tws_dscp(l->sess)), -1, &ns);
		else
			refl_queue(i, rlen, refl_reply_cmsg(l, i, &rx,
			    rx.tos >= 0 ? rx.tos >> 2 : -1), kind, &ns);
	}
	if (ns == 0)
		return;
	/* T3: every reply is built; the whole batch shares it. */
	t3 = twamp_ntp_from_ns(refl_realtime());
	for (i = 0; i < ns; i++)
		(void)twamp_reflector_put_ts(refl_siov[i].iov_base,
		    refl_siov[i].iov_len, t3);
	if (l->sess == NULL)
		refl_twamp_batch(ns);
	(void)refl_send(l, fd, ns, now);
}

static void
refl_twamp_read(int fd, short event, void *arg)
{
	refl_read(arg, fd, refl_twamp_answer);
}

/*
 * The TWAMP socket's own options: kernel receive timestamps, the
 * received TTL and TOS, TTL 255 on replies.  A failure costs accuracy
 * or the Sender TTL, not the service: say so and go on.
 */
static void
refl_twamp_sockopts(struct refl_listener *l)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	const char		*errstr;
	int			 on = 1, ttl = REFL_TTL, flags;

	flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	if (setsockopt(l->fd, SOL_SOCKET, SO_TIMESTAMPING, &flags,
	    sizeof(flags)) == 0)
		tw.t2_source = T2_KERNEL;
	else if (setsockopt(l->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on,
	    sizeof(on)) == 0)
		tw.t2_source = T2_KERNEL_NS;
	else {
		log_warn("%s: no kernel receive timestamps, T2 from the "
		    "clock after recvmmsg", l->name);
		tw.t2_source = T2_USER;
	}
	if (addr_parse(l->addr, &ss, &sslen, &errstr) == -1)
		return;
	if (ss.ss_family == AF_INET) {
		if (setsockopt(l->fd, IPPROTO_IP, IP_RECVTTL, &on,
		    sizeof(on)) == -1)
			log_warn("%s: IP_RECVTTL: Sender TTL is 255", l->name);
		if (setsockopt(l->fd, IPPROTO_IP, IP_TTL, &ttl,
		    sizeof(ttl)) == -1)
			log_warn("%s: IP_TTL 255", l->name);
		if (setsockopt(l->fd, IPPROTO_IP, IP_RECVTOS, &on,
		    sizeof(on)) == -1)
			log_warn("%s: IP_RECVTOS", l->name);
	} else {
		if (setsockopt(l->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
		    sizeof(on)) == -1)
			log_warn("%s: IPV6_RECVHOPLIMIT: Sender TTL is 255",
			    l->name);
		if (setsockopt(l->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
		    sizeof(ttl)) == -1)
			log_warn("%s: IPV6_UNICAST_HOPS 255", l->name);
		if (setsockopt(l->fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on,
		    sizeof(on)) == -1)
			log_warn("%s: IPV6_RECVTCLASS", l->name);
	}
}

static void
refl_close(struct refl_listener *l)
{
	if (l->ev != NULL) {
		event_free(l->ev);
		l->ev = NULL;
	}
	if (l->fd != -1) {
		close(l->fd);
		l->fd = -1;
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
	char		 p[LOPA_HOSTLEN];
	uint32_t	 i;

	refl_nallow = 0;
	for (i = 0; i < c->reflector_allow.n && i < LOPA_MAXALLOW; i++) {
		strlcpy(p, c->reflector_allow.v[i], sizeof(p));
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
	/* Turned on or off: sessions start again from 0. */
	if ((c->reflector_twamp_stateful != 0) != refl_stateful) {
		memset(refl_sessions, 0, sizeof(refl_sessions));
		refl_stateful = c->reflector_twamp_stateful != 0;
	}
	refl_refwait = c->reflector_twamp_refwait;
	if (c->reflector_busy_poll != refl_busy_poll) {
		char	 d[32];

		refl_busy_poll = c->reflector_busy_poll;
		duration_format(refl_busy_poll, d, sizeof(d));
		if (refl_busy_poll > 0)
			log_info("busy polling for %s after each request", d);
		else
			log_info("busy polling off");
	}
	tws_cf.servwait = c->reflector_twamp_servwait;
	tws_cf.port_min = c->reflector_twamp_port_min;
	tws_cf.port_max = c->reflector_twamp_port_max;
	tws_cf.max_padding = c->reflector_twamp_max_padding;
	tws_cf.max_conns = c->reflector_twamp_max_connections;
	tws_cf.max_conns_client =
	    c->reflector_twamp_max_connections_per_client;
	tws_cf.max_sessions = c->reflector_twamp_max_sessions;
	tws_cf.max_sessions_conn =
	    c->reflector_twamp_max_sessions_per_connection;
	tw.stateful = refl_stateful;
	refl_ports[0] = refl_port_of(c->reflector_addr);
	refl_ports[1] = refl_port_of(c->reflector_twamp_addr);
	refl_loopmap_set();
	log_debug("udp echo: %zu allowed prefixes, %u/s per source, %u/s "
	    "in all", refl_nallow, refl_rate_source, refl_rate_global);
	log_debug("twamp: %s, refwait %llds", refl_stateful ? "stateful" :
	    "stateless", (long long)(refl_refwait / NS));
}

/* Open (ask for) the socket the config wants for l, if another. */
static void
refl_want(struct refl_listener *l, const char *addr)
{
	struct fd_request	 req;
	char			 want[LOPA_ADDRLEN];

	memset(want, 0, sizeof(want));
	memcpy(want, addr, sizeof(want));
	want[sizeof(want) - 1] = '\0';
	/* Same address and the socket is there (or on its way): keep it. */
	if (strcmp(want, l->addr) == 0 && (want[0] == '\0' ||
	    l->fd != -1 || !l->failed))
		return;
	refl_close(l);
	/* The control connections came through the old address. */
	if (l == &refl_listeners[REFL_CONTROL])
		tws_close_all(TWCTL_CL_RELOAD);
	memcpy(l->addr, want, sizeof(l->addr));
	l->gen = ++refl_gen;	/* a late reply for the old one is stale */
	l->failed = 0;
	if (want[0] == '\0') {
		log_debug("%s: off", l->name);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.kind = l->kind;
	memcpy(req.addr, want, sizeof(req.addr));
	if (proc_request_fd(&req, l->gen) == -1)
		fatalx("cannot ask for the %s socket", l->name);
}

static void
refl_want_all(const struct lopad_conf *c)
{
	refl_want(&refl_listeners[REFL_ECHO], c->reflector_enabled ?
	    c->reflector_addr : "");
	refl_want(&refl_listeners[REFL_TWAMP], c->reflector_twamp_addr);
	refl_want(&refl_listeners[REFL_CONTROL], c->reflector_twamp_addr);
}

/*
 * TWAMP-Control server (RFC 5357 section 3), unauthenticated mode only,
 * on TCP at reflector.twamp_addr.  Each connection is a small state
 * machine over a bounded input buffer: the greeting goes out at once,
 * then a Set-Up-Response (164 octets) is awaited, then commands (the
 * first octet gives the length, twamp_cmd_len).  Nothing blocks: a
 * partial message stays in the buffer, a reply that cannot be written
 * whole waits for EV_WRITE while no further command is read.
 *
 * A test session is one more TWAMP listener: a UDP socket the parent
 * binds (exclusively, so that a busy port is refused rather than
 * shared) to the Receiver Address and Port, reflecting as the
 * TWAMP-light listener does, with its own sequence numbers (RFC 5357
 * full TWAMP is stateful), only for the negotiated sender, and only
 * between Start-Sessions and Stop-Sessions plus the session's Timeout.
 * A requested port that is busy, or port 0, gets a port from
 * reflector.twamp_port_min..max.
 *
 * SERVWAIT (reflector.twamp_servwait) runs from the last whole message
 * while no session of the connection is started (suspended by
 * Start-Sessions, RFC 5357 section 3.1); a started session without test
 * packets for REFWAIT (reflector.twamp_refwait) ends.  A periodic tick
 * checks both.
 */
#define TWS_INSZ	256	/* input: more than the largest message */
#define TWS_OUTSZ	256	/* output waiting for the client */
#define TWS_TICK_US	(250 * 1000)
#define TWS_ACCEPTS	16	/* connections accepted per wake-up */
#define TWS_TRIES	32	/* ports tried in the range per request */

enum tws_state {
	TWS_SETUP,		/* waiting for the Set-Up-Response */
	TWS_COMMAND,		/* waiting for a command */
	TWS_BINDING		/* a session's port is being bound */
};

struct tws_conn;

struct tws_session {
	TAILQ_ENTRY(tws_session) entry;
	struct tws_conn		*conn;
	struct refl_listener	 l;
	int			 family;
	uint8_t			 sender[16];	/* address packets come from */
	uint16_t		 sender_port;	/* 0: any */
	uint8_t			 recv[16];	/* the address bound */
	uint16_t		 port;		/* asked for now / bound */
	uint16_t		 want_port;	/* the client's; 0: any */
	int			 tries;		/* range ports tried */
	uint8_t			 sid[TWAMP_SID_LEN];
	uint8_t			 dscp;
	uint32_t		 seq;		/* the next reply's */
	int			 started;
	int64_t			 timeout;	/* ns, after Stop-Sessions */
	int64_t			 stop_at;	/* 0 until Stop-Sessions */
	int64_t			 last;		/* last packet, for REFWAIT */
};

TAILQ_HEAD(tws_sessions, tws_session);

struct tws_conn {
	TAILQ_ENTRY(tws_conn)	 entry;
	int			 fd;
	struct event		*rev, *wev;
	int			 reading;	/* rev added */
	struct sockaddr_storage	 peer, local;
	char			 name[LOPA_ADDRLEN];	/* peer, for logs */
	enum tws_state		 state;
	uint8_t			 in[TWS_INSZ];
	size_t			 inlen;
	uint8_t			 out[TWS_OUTSZ];
	size_t			 outlen;
	int64_t			 last;		/* last whole message */
	struct tws_sessions	 sessions;
	size_t			 nsessions;
	struct tws_session	*pending;	/* being bound */
};

TAILQ_HEAD(tws_conns, tws_conn);

static struct tws_conns		 tws_conns = TAILQ_HEAD_INITIALIZER(tws_conns);
static size_t			 tws_nconns;
static size_t			 tws_nsessions;
static uint16_t			 tws_cursor;	/* next range port to try */
static struct event		*tws_tick_ev;
static int			 tws_paused;	/* accept stopped: no fds */
static struct refl_twctl_status	 twc;		/* counters */

static const char *const tws_close_names[TWCTL_CL_MAX] = {
	[TWCTL_CL_PEER] = "closed by the client",
	[TWCTL_CL_MODE] = "mode not offered",
	[TWCTL_CL_COMMAND] = "unknown command",
	[TWCTL_CL_SERVWAIT] = "idle for SERVWAIT",
	[TWCTL_CL_ERROR] = "error",
	[TWCTL_CL_RELOAD] = "server address changed",
};

static uint32_t
tws_seq(struct tws_session *s)
{
	return s->seq++;
}

static int
tws_dscp(const struct tws_session *s)
{
	return s->dscp;
}

/* The address octets (4 or 16) of a sockaddr, and its port. */
static const uint8_t *
tws_sa(const struct sockaddr_storage *ss, size_t *alen, uint16_t *port)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (ss->ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)ss;
		*alen = 4;
		*port = ntohs(sin->sin_port);
		return (const uint8_t *)&sin->sin_addr;
	}
	sin6 = (const struct sockaddr_in6 *)(const void *)ss;
	*alen = 16;
	*port = ntohs(sin6->sin6_port);
	return sin6->sin6_addr.s6_addr;
}

/* A test packet (request i) for session listener l: 0 to reflect it. */
static int
tws_packet(struct refl_listener *l, size_t i, int64_t now)
{
	struct tws_session	*s = l->sess;
	const uint8_t		*a;
	size_t			 alen;
	uint16_t		 port;

	if (!s->started || refl_from[i].ss_family != s->family)
		return -1;
	a = tws_sa(&refl_from[i], &alen, &port);
	if (memcmp(a, s->sender, alen) != 0 ||
	    (s->sender_port != 0 && port != s->sender_port))
		return -1;
	s->last = now;
	return 0;
}

static void
tws_session_free(struct tws_session *s, int counted)
{
	struct refl_listener	*l = &s->l;
	size_t			 k;

	if (counted) {
		twc.received += l->received;
		twc.reflected += l->reflected;
		for (k = 0; k < DROP_MAX; k++)
			twc.drops[k] += l->drops[k];
		twc.sessions_ended++;
	}
	refl_close(l);
	free(s);
}

static void
tws_session_end(struct tws_session *s, const char *why)
{
	struct tws_conn	*c = s->conn;

	log_info("twamp control: %s: session on port %u ended (%s): %llu "
	    "received, %llu reflected", c->name, s->port, why,
	    (unsigned long long)s->l.received,
	    (unsigned long long)s->l.reflected);
	TAILQ_REMOVE(&c->sessions, s, entry);
	c->nsessions--;
	tws_nsessions--;
	tws_session_free(s, 1);
}

static void
tws_conn_close(struct tws_conn *c, enum twctl_close why)
{
	struct tws_session	*s;

	log_debug("twamp control: %s: %s", c->name, tws_close_names[why]);
	twc.closed[why]++;
	while ((s = TAILQ_FIRST(&c->sessions)) != NULL)
		tws_session_end(s, "control connection closed");
	if (c->pending != NULL) {
		/* Its socket's reply will find no one and be closed. */
		tws_session_free(c->pending, 0);
		tws_nsessions--;
	}
	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	TAILQ_REMOVE(&tws_conns, c, entry);
	tws_nconns--;
	free(c);
}

static void
tws_close_all(enum twctl_close why)
{
	struct tws_conn	*c;

	while ((c = TAILQ_FIRST(&tws_conns)) != NULL)
		tws_conn_close(c, why);
}

/* Read only when a command may be handled: nothing waits to go out. */
static void
tws_reading(struct tws_conn *c)
{
	int	 want;

	want = c->state != TWS_BINDING && c->outlen == 0 &&
	    c->inlen < sizeof(c->in);
	if (want && !c->reading)
		event_add(c->rev, NULL);
	else if (!want && c->reading)
		event_del(c->rev);
	c->reading = want;
}

/* Queue a message; -1 when the connection was closed. */
static int
tws_send(struct tws_conn *c, const uint8_t *buf, size_t len)
{
	ssize_t	 n = 0;

	if (c->outlen == 0) {
		n = write(c->fd, buf, len);
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			tws_conn_close(c, TWCTL_CL_ERROR);
			return -1;
		}
		if (n == -1)
			n = 0;
		if ((size_t)n == len)
			return 0;
	}
	if (c->outlen + len - n > sizeof(c->out)) {
		/* The client does not read its replies. */
		tws_conn_close(c, TWCTL_CL_ERROR);
		return -1;
	}
	memcpy(c->out + c->outlen, buf + n, len - n);
	c->outlen += len - n;
	event_add(c->wev, NULL);
	return 0;
}

static void	 tws_pump(struct tws_conn *);

static void
tws_write(int fd, short ev, void *arg)
{
	struct tws_conn	*c = arg;
	ssize_t		 n;

	n = write(fd, c->out, c->outlen);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			event_add(c->wev, NULL);
			return;
		}
		tws_conn_close(c, TWCTL_CL_ERROR);
		return;
	}
	memmove(c->out, c->out + n, c->outlen - n);
	c->outlen -= n;
	if (c->outlen > 0) {
		event_add(c->wev, NULL);
		return;
	}
	tws_pump(c);
}

static int
tws_accept_session(struct tws_conn *c, uint8_t accept, uint16_t port,
    const uint8_t *sid)
{
	struct twamp_accept_session	 as;
	uint8_t				 buf[TWAMP_ACCEPT_SESSION_LEN];

	memset(&as, 0, sizeof(as));
	as.accept = accept;
	as.port = port;
	if (sid != NULL)
		memcpy(as.sid, sid, sizeof(as.sid));
	if (accept <= TWAMP_ACCEPT_TEMP_RESOURCE && accept != TWAMP_ACCEPT_OK)
		twc.sessions_refused[accept]++;
	if (twamp_accept_session_encode(&as, buf, sizeof(buf)) == -1)
		fatalx("%s: encode", __func__);
	return tws_send(c, buf, sizeof(buf));
}

/* A refusal, logged; -1 when the connection was closed. */
static int
tws_refuse(struct tws_conn *c, uint8_t accept, const char *why)
{
	log_debug("twamp control: %s: session refused (%s): %s", c->name,
	    twamp_accept_name(accept), why);
	return tws_accept_session(c, accept, 0, NULL);
}

/* Is port held by one of our own sockets (listeners, sessions)? */
static int
tws_port_ours(uint16_t port)
{
	struct tws_conn		*c;
	struct tws_session	*s;

	if (port == refl_ports[0] || port == refl_ports[1])
		return 1;
	TAILQ_FOREACH(c, &tws_conns, entry) {
		TAILQ_FOREACH(s, &c->sessions, entry)
			if (s->port == port)
				return 1;
		if (c->pending != NULL && c->pending->port == port)
			return 1;
	}
	return 0;
}

/* The next port of the range to try for s; 0 when none is left. */
static uint16_t
tws_range_port(struct tws_session *s)
{
	uint32_t	 span = tws_cf.port_max - tws_cf.port_min + 1;
	uint16_t	 p;

	while (s->tries < TWS_TRIES && (uint32_t)s->tries < span) {
		s->tries++;
		if (tws_cursor < tws_cf.port_min || tws_cursor > tws_cf.port_max)
			tws_cursor = tws_cf.port_min;
		p = tws_cursor++;
		if (!tws_port_ours(p))
			return p;
	}
	return 0;
}

/* Ask the parent for s's socket on s->port; -1 when it cannot. */
static int
tws_bind(struct tws_conn *c, struct tws_session *s)
{
	struct fd_request	 req;
	char			 h[INET6_ADDRSTRLEN];

	if (inet_ntop(s->family, s->recv, h, sizeof(h)) == NULL)
		return -1;
	memset(&req, 0, sizeof(req));
	req.kind = FD_UDP_BIND;
	req.exclusive = 1;
	snprintf(req.addr, sizeof(req.addr), s->family == AF_INET6 ?
	    "[%s]:%u" : "%s:%u", h, s->port);
	memcpy(s->l.addr, req.addr, sizeof(s->l.addr));
	s->l.gen = ++refl_gen;
	if (proc_request_fd(&req, s->l.gen) == -1)
		return -1;
	c->pending = s;
	c->state = TWS_BINDING;
	return 0;
}

static int
tws_zero(const uint8_t *a, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (a[i] != 0)
			return 0;
	return 1;
}

/* Unicast, neither unspecified, multicast nor broadcast. */
static int
tws_unicast(int family, const uint8_t *a)
{
	if (family == AF_INET)
		return !tws_zero(a, 4) && a[0] < 224;
	return !tws_zero(a, 16) && a[0] != 0xff;
}

static int
tws_allowed(int family, const uint8_t *a)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)(void *)&ss;
	size_t			 k;

	if (refl_nallow == 0)
		return 1;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = family;
	if (family == AF_INET)
		memcpy(&sin->sin_addr, a, 4);
	else
		memcpy(&sin6->sin6_addr, a, 16);
	for (k = 0; k < refl_nallow; k++)
		if (addr_prefix_match(&refl_allow[k], (struct sockaddr *)&ss))
			return 1;
	return 0;
}

/*
 * Request-TW-Session: validated, then (accepted so far) the port is
 * asked for; the Accept-Session goes out when the parent answers.
 * -1 when the connection was closed.
 */
static int
tws_request(struct tws_conn *c, const uint8_t *msg, int64_t now)
{
	struct twamp_req_session	 rq;
	struct tws_session		*s;
	const uint8_t			*la, *pa;
	size_t				 alen, llen, plen;
	uint16_t			 lport, pport;
	uint8_t				 dscp;
	uint64_t			 ts;
	double				 tmo;
	int				 k;

	if (twamp_req_session_decode(msg, TWAMP_REQ_SESSION_LEN, &rq) == -1)
		return tws_refuse(c, TWAMP_ACCEPT_FAILURE, "undecodable");
	if (rq.ipvn != 4 && rq.ipvn != 6)
		return tws_refuse(c, TWAMP_ACCEPT_FAILURE, "IPVN not 4 or 6");
	if (rq.conf_sender != 0 || rq.conf_receiver != 0)
		return tws_refuse(c, TWAMP_ACCEPT_FAILURE,
		    "Conf-Sender or Conf-Receiver not 0");
	if (twamp_typep_dscp(rq.typep, &dscp) == -1)
		return tws_refuse(c, TWAMP_ACCEPT_NOT_SUPPORTED,
		    "Type-P is not a DSCP");
	/* RFC 6038's Octets to be Reflected and padding to reflect. */
	if (!tws_zero(msg + 88, 8))
		return tws_refuse(c, TWAMP_ACCEPT_NOT_SUPPORTED,
		    "reflect octets or symmetrical size (RFC 6038)");
	if (rq.padding_len > tws_cf.max_padding)
		return tws_refuse(c, TWAMP_ACCEPT_PERM_RESOURCE,
		    "Padding Length above reflector.twamp_max_padding");
	if (c->nsessions >= tws_cf.max_sessions_conn)
		return tws_refuse(c, TWAMP_ACCEPT_PERM_RESOURCE,
		    "reflector.twamp_max_sessions_per_connection");
	if (tws_nsessions >= tws_cf.max_sessions)
		return tws_refuse(c, TWAMP_ACCEPT_TEMP_RESOURCE,
		    "reflector.twamp_max_sessions");
	if (rq.receiver_port != 0 && rq.receiver_port < 1024)
		return tws_refuse(c, TWAMP_ACCEPT_FAILURE,
		    "Receiver Port below 1024");
	if (rq.sender_port != 0 && refl_loop_port(rq.sender_port))
		return tws_refuse(c, TWAMP_ACCEPT_FAILURE,
		    "loop-prone Sender Port");

	alen = rq.ipvn == 4 ? 4 : 16;
	la = tws_sa(&c->local, &llen, &lport);
	pa = tws_sa(&c->peer, &plen, &pport);
	if ((tws_zero(rq.receiver_addr, alen) && llen != alen) ||
	    (tws_zero(rq.sender_addr, alen) && plen != alen))
		return tws_refuse(c, TWAMP_ACCEPT_FAILURE, "an address of "
		    "the other family than the control connection's is zero");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return tws_refuse(c, TWAMP_ACCEPT_INTERNAL, "out of memory");
	s->family = rq.ipvn == 4 ? AF_INET : AF_INET6;
	memcpy(s->recv, tws_zero(rq.receiver_addr, alen) ? la :
	    rq.receiver_addr, alen);
	memcpy(s->sender, tws_zero(rq.sender_addr, alen) ? pa :
	    rq.sender_addr, alen);
	if (!tws_unicast(s->family, s->recv) ||
	    !tws_unicast(s->family, s->sender)) {
		free(s);
		return tws_refuse(c, TWAMP_ACCEPT_FAILURE,
		    "Sender or Receiver Address not unicast");
	}
	if (!tws_allowed(s->family, s->sender)) {
		free(s);
		return tws_refuse(c, TWAMP_ACCEPT_FAILURE,
		    "Sender Address not in reflector.allow");
	}
	s->conn = c;
	s->sender_port = rq.sender_port;
	s->want_port = rq.receiver_port;
	s->dscp = dscp;
	/* The Timeout is an interval in NTP format; at most REFWAIT. */
	tmo = (double)(rq.timeout >> 32) + (double)(rq.timeout & 0xffffffff) /
	    4294967296.0;
	s->timeout = tmo * NS > (double)refl_refwait ? refl_refwait :
	    (int64_t)(tmo * NS);
	s->l.name = "twamp session";
	s->l.read = refl_twamp_read;
	s->l.kind = FD_UDP_BIND;
	s->l.sess = s;
	s->l.fd = -1;
	s->last = now;
	/* SID (RFC 4656 section 3.5): address, time, random. */
	memcpy(s->sid, s->recv + alen - 4, 4);
	ts = twamp_ntp_from_ns(refl_realtime());
	for (k = 0; k < 8; k++)
		s->sid[4 + k] = ts >> (56 - 8 * k);
	arc4random_buf(s->sid + 12, 4);
	if (s->want_port != 0 && !tws_port_ours(s->want_port))
		s->port = s->want_port;
	else if ((s->port = tws_range_port(s)) == 0) {
		free(s);
		return tws_refuse(c, TWAMP_ACCEPT_TEMP_RESOURCE,
		    "no free port in reflector.twamp_port_min..max");
	}
	tws_nsessions++;
	if (tws_bind(c, s) == -1) {
		tws_nsessions--;
		free(s);
		return tws_refuse(c, TWAMP_ACCEPT_INTERNAL,
		    "cannot ask for a socket");
	}
	return 0;
}

/* The parent's answer for a session's socket; -1: not ours. */
static int
tws_fd_reply(uint32_t id, int fd, const struct fd_reply *rep)
{
	struct tws_conn		*c;
	struct tws_session	*s = NULL;
	uint8_t			 accept;
	const char		*why;

	TAILQ_FOREACH(c, &tws_conns, entry)
		if (c->pending != NULL && c->pending->l.gen == id) {
			s = c->pending;
			break;
		}
	if (s == NULL)
		return -1;
	c->pending = NULL;
	c->state = TWS_COMMAND;
	if (fd != -1) {
		s->l.fd = fd;
		s->l.pktinfo = refl_needs_pktinfo(fd);
		refl_twamp_sockopts(&s->l);
		s->l.ev = event_new(proc_base, fd, EV_READ | EV_PERSIST,
		    s->l.read, &s->l);
		if (s->l.ev == NULL || event_add(s->l.ev, NULL) == -1)
			fatalx("twamp session: event");
		TAILQ_INSERT_TAIL(&c->sessions, s, entry);
		c->nsessions++;
		twc.sessions_accepted++;
		log_info("twamp control: %s: session on %s for sender "
		    "port %u, DSCP %u", c->name, s->l.addr, s->sender_port,
		    s->dscp);
		if (tws_accept_session(c, TWAMP_ACCEPT_OK, s->port,
		    s->sid) == 0)
			tws_pump(c);
		return 0;
	}
	/* Busy (or not ours to take): another port, from the range. */
	if (rep->error == EADDRINUSE || rep->error == EACCES) {
		if ((s->port = tws_range_port(s)) != 0 && tws_bind(c, s) == 0)
			return 0;
		accept = TWAMP_ACCEPT_TEMP_RESOURCE;
		why = "no free port";
	} else if (rep->error == EADDRNOTAVAIL) {
		accept = TWAMP_ACCEPT_FAILURE;
		why = "Receiver Address is not one of ours";
	} else {
		accept = TWAMP_ACCEPT_INTERNAL;
		why = rep->msg;
	}
	tws_nsessions--;
	tws_session_free(s, 0);
	if (tws_refuse(c, accept, why) == 0)
		tws_pump(c);
	return 0;
}

static int
tws_server_start(struct tws_conn *c)
{
	struct twamp_server_start	 ss;
	uint8_t				 buf[TWAMP_SERVER_START_LEN];

	memset(&ss, 0, sizeof(ss));
	ss.accept = TWAMP_ACCEPT_OK;
	ss.start_time = twamp_ntp_from_ns(refl_realtime());
	if (twamp_server_start_encode(&ss, buf, sizeof(buf)) == -1)
		fatalx("%s: encode", __func__);
	return tws_send(c, buf, sizeof(buf));
}

static int
tws_start(struct tws_conn *c, int64_t now)
{
	struct twamp_start_ack	 sa;
	struct tws_session	*s;
	uint8_t			 buf[TWAMP_START_ACK_LEN];

	TAILQ_FOREACH(s, &c->sessions, entry)
		if (!s->started && s->stop_at == 0) {
			s->started = 1;
			s->last = now;
		}
	memset(&sa, 0, sizeof(sa));
	sa.accept = TWAMP_ACCEPT_OK;
	if (twamp_start_ack_encode(&sa, buf, sizeof(buf)) == -1)
		fatalx("%s: encode", __func__);
	return tws_send(c, buf, sizeof(buf));
}

/* Stop-Sessions: each session ends after its Timeout (late packets). */
static void
tws_stop(struct tws_conn *c, int64_t now)
{
	struct tws_session	*s, *next;

	TAILQ_FOREACH_SAFE(s, &c->sessions, entry, next) {
		if (!s->started) {
			tws_session_end(s, "stopped before it started");
			continue;
		}
		if (s->stop_at == 0)
			s->stop_at = now + s->timeout;
	}
}

/* Handle every whole message in the buffer, as far as allowed. */
static void
tws_pump(struct tws_conn *c)
{
	struct twamp_setup_resp	 sr;
	uint8_t			 msg[TWAMP_SETUP_RESP_LEN];
	size_t			 need;
	int64_t			 now = refl_now();

	while (c->state != TWS_BINDING && c->outlen == 0) {
		if (c->state == TWS_SETUP)
			need = TWAMP_SETUP_RESP_LEN;
		else if (c->inlen > 0 && (need = twamp_cmd_len(c->in[0])) == 0) {
			log_debug("twamp control: %s: unknown command %u",
			    c->name, c->in[0]);
			tws_conn_close(c, TWCTL_CL_COMMAND);
			return;
		}
		if (c->inlen == 0 || c->inlen < need)
			break;
		memcpy(msg, c->in, need);
		memmove(c->in, c->in + need, c->inlen - need);
		c->inlen -= need;
		c->last = now;
		if (c->state == TWS_SETUP) {
			(void)twamp_setup_resp_decode(msg, need, &sr);
			if (sr.mode != TWAMP_MODE_UNAUTHENTICATED) {
				log_debug("twamp control: %s: mode %u, not "
				    "the one offered", c->name, sr.mode);
				tws_conn_close(c, TWCTL_CL_MODE);
				return;
			}
			c->state = TWS_COMMAND;
			if (tws_server_start(c) == -1)
				return;
			continue;
		}
		switch (msg[0]) {
		case TWAMP_CMD_REQUEST_TW_SESSION:
			if (tws_request(c, msg, now) == -1)
				return;
			break;
		case TWAMP_CMD_START_SESSIONS:
			if (tws_start(c, now) == -1)
				return;
			break;
		case TWAMP_CMD_STOP_SESSIONS:
			tws_stop(c, now);
			break;
		}
	}
	tws_reading(c);
}

static void
tws_read(int fd, short ev, void *arg)
{
	struct tws_conn	*c = arg;
	ssize_t		 n;

	n = read(fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		tws_conn_close(c, TWCTL_CL_ERROR);
		return;
	}
	if (n == 0) {
		tws_conn_close(c, TWCTL_CL_PEER);
		return;
	}
	c->inlen += n;
	tws_pump(c);
}

/* -1 to take the connection, else the reason to refuse it. */
static int
tws_admit(const struct sockaddr_storage *peer)
{
	struct tws_conn	*c;
	const uint8_t	*a, *b;
	size_t		 alen, blen, k, n = 0;
	uint16_t	 port;

	if (refl_nallow > 0) {
		for (k = 0; k < refl_nallow; k++)
			if (addr_prefix_match(&refl_allow[k],
			    (const struct sockaddr *)peer))
				break;
		if (k == refl_nallow)
			return TWCTL_REF_ACL;
	}
	if (tws_nconns >= tws_cf.max_conns)
		return TWCTL_REF_TOTAL;
	a = tws_sa(peer, &alen, &port);
	TAILQ_FOREACH(c, &tws_conns, entry) {
		b = tws_sa(&c->peer, &blen, &port);
		if (c->peer.ss_family == peer->ss_family &&
		    memcmp(a, b, alen) == 0)
			n++;
	}
	if (n >= tws_cf.max_conns_client)
		return TWCTL_REF_CLIENT;
	return -1;
}

static void
tws_conn_new(int fd, const struct sockaddr_storage *peer)
{
	struct twamp_greeting	 g;
	struct tws_conn		*c;
	socklen_t		 len;
	uint8_t			 buf[TWAMP_GREETING_LEN];
	int			 on = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("twamp control: calloc");
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer = *peer;
	len = sizeof(c->local);
	if (getsockname(fd, (struct sockaddr *)&c->local, &len) == -1) {
		log_warn("twamp control: getsockname");
		free(c);
		close(fd);
		return;
	}
	/* One message per segment: what the Wireshark dissector wants. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		log_warn("twamp control: TCP_NODELAY");
	refl_format(peer, c->name, sizeof(c->name));
	TAILQ_INIT(&c->sessions);
	c->rev = event_new(proc_base, fd, EV_READ | EV_PERSIST, tws_read, c);
	c->wev = event_new(proc_base, fd, EV_WRITE, tws_write, c);
	if (c->rev == NULL || c->wev == NULL)
		fatalx("twamp control: event_new");
	c->state = TWS_SETUP;
	c->last = refl_now();
	TAILQ_INSERT_TAIL(&tws_conns, c, entry);
	tws_nconns++;
	twc.accepted++;
	log_debug("twamp control: %s: connected", c->name);
	memset(&g, 0, sizeof(g));
	g.modes = TWAMP_MODE_UNAUTHENTICATED;
	arc4random_buf(g.challenge, sizeof(g.challenge));
	arc4random_buf(g.salt, sizeof(g.salt));
	g.count = TWAMP_COUNT_MIN;
	if (twamp_greeting_encode(&g, buf, sizeof(buf)) == -1)
		fatalx("%s: encode", __func__);
	if (tws_send(c, buf, sizeof(buf)) == -1)
		return;
	tws_reading(c);
}

static void
tws_accept(int fd, short ev, void *arg)
{
	struct refl_listener	*l = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 a[LOPA_ADDRLEN];
	int			 n, cfd, why;

	for (n = 0; n < TWS_ACCEPTS; n++) {
		len = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		cfd = accept4(fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Try again at the next tick. */
				log_warn("%s: accept", l->name);
				event_del(l->ev);
				tws_paused = 1;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("%s: accept", l->name);
			return;
		}
		if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) {
			close(cfd);
			continue;
		}
		if ((why = tws_admit(&ss)) != -1) {
			twc.refused[why]++;
			refl_format(&ss, a, sizeof(a));
			log_debug("twamp control: %s: refused (%s)", a,
			    why == TWCTL_REF_ACL ? "not in reflector.allow" :
			    why == TWCTL_REF_TOTAL ? "too many connections" :
			    "too many connections from it");
			close(cfd);
			continue;
		}
		tws_conn_new(cfd, &ss);
	}
}

/* Timeouts: SERVWAIT, REFWAIT, each stopped session's Timeout. */
static void
tws_tick(int fd, short ev, void *arg)
{
	struct refl_listener	*l = &refl_listeners[REFL_CONTROL];
	struct tws_conn		*c, *cnext;
	struct tws_session	*s, *snext;
	int64_t			 now = refl_now();
	int			 started;

	if (tws_paused && l->ev != NULL) {
		tws_paused = 0;
		event_add(l->ev, NULL);
	}
	TAILQ_FOREACH_SAFE(c, &tws_conns, entry, cnext) {
		started = 0;
		TAILQ_FOREACH_SAFE(s, &c->sessions, entry, snext) {
			if (s->stop_at != 0 && now >= s->stop_at)
				tws_session_end(s, "stopped");
			else if (s->started && now - s->last > refl_refwait) {
				twc.sessions_refwait++;
				tws_session_end(s, "no packets for REFWAIT");
			} else if (s->started && s->stop_at == 0)
				started = 1;
		}
		/* Monitoring is suspended while sessions run. */
		if (!started && now - c->last > tws_cf.servwait)
			tws_conn_close(c, TWCTL_CL_SERVWAIT);
	}
}

static void
tws_init(void)
{
	struct timeval	 tv = { 0, TWS_TICK_US };

	tws_tick_ev = event_new(proc_base, -1, EV_PERSIST, tws_tick, NULL);
	if (tws_tick_ev == NULL || event_add(tws_tick_ev, &tv) == -1)
		fatalx("twamp control: timer");
}

static void
tws_status(struct refl_twctl_status *t)
{
	struct refl_listener	*l = &refl_listeners[REFL_CONTROL];
	struct tws_conn		*c;
	struct tws_session	*s;
	size_t			 k;

	*t = twc;
	t->up = l->fd != -1;
	memcpy(t->addr, l->addr, sizeof(t->addr));
	t->active = tws_nconns;
	TAILQ_FOREACH(c, &tws_conns, entry)
		TAILQ_FOREACH(s, &c->sessions, entry) {
			t->sessions_active++;
			if (s->started && s->stop_at == 0)
				t->sessions_started++;
			t->received += s->l.received;
			t->reflected += s->l.reflected;
			for (k = 0; k < DROP_MAX; k++)
				t->drops[k] += s->l.drops[k];
		}
	for (k = 0; k < DROP_MAX; k++)
		t->dropped += t->drops[k];
}

static void
reflector_start(void)
{
	refl_seed = arc4random();
	refl_settings(proc_conf);
	tws_init();
	refl_want_all(proc_conf);
	log_debug("started");
}

static void
refl_opened(struct refl_listener *l, int fd)
{
	refl_close(l);
	l->fd = fd;
	l->pktinfo = refl_needs_pktinfo(fd);
	if (l == &refl_listeners[REFL_TWAMP])
		refl_twamp_sockopts(l);
	l->ev = event_new(proc_base, l->fd, EV_READ | EV_PERSIST, l->read, l);
	if (l->ev == NULL || event_add(l->ev, NULL) == -1)
		fatalx("%s: event", l->name);
	if (l == &refl_listeners[REFL_TWAMP])
		log_info("twamp reflector on %s (TWAMP-light and STAMP, "
		    "UDP)", l->addr);
	else if (l == &refl_listeners[REFL_CONTROL])
		log_info("twamp control server on %s (TCP, mode 1)", l->addr);
	else
		log_info("udp echo reflector on %s", l->addr);
}

static int
reflector_dispatch_parent(struct imsg *imsg)
{
	struct refl_listener	*l = NULL;
	struct fd_reply		 rep;
	size_t			 k;
	int			 fd;

	switch (imsg->hdr.type) {
	case IMSG_FD_REPLY:
		if (imsg_check_len(imsg, sizeof(rep)))
			fatalx("bad IMSG_FD_REPLY");
		memcpy(&rep, imsg->data, sizeof(rep));
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		if (rep.kind != FD_UDP_BIND && rep.kind != FD_TCP_LISTEN)
			fatalx("IMSG_FD_REPLY of unexpected kind %u", rep.kind);
		fd = imsg_take_fd(imsg);
		for (k = 0; k < REFL_NLISTEN; k++)
			if (refl_listeners[k].gen == imsg->hdr.id &&
			    refl_listeners[k].kind == (int)rep.kind)
				l = &refl_listeners[k];
		/* A test session's port? */
		if (l == NULL && rep.kind == FD_UDP_BIND &&
		    tws_fd_reply(imsg->hdr.id, fd, &rep) == 0)
			return 0;
		if (l == NULL) {
			/* Asked for an address that is no longer wanted. */
			if (fd != -1)
				close(fd);
			return 0;
		}
		if (fd == -1) {
			l->failed = 1;
			/* Keep running: the rest of lopad is still useful. */
			log_warnx("%s reflector on %s not started: %s",
			    l->name, l->addr, rep.msg[0] != '\0' ? rep.msg :
			    strerror(rep.error));
			return 0;
		}
		refl_opened(l, fd);
		return 0;
	default:
		return -1;
	}
}

static void
refl_twamp_status(struct refl_twamp_status *t)
{
	struct refl_listener	*l = &refl_listeners[REFL_TWAMP];
	int64_t			 now = refl_now();
	size_t			 k;

	*t = tw;
	t->up = l->fd != -1;
	memcpy(t->addr, l->addr, sizeof(t->addr));
	t->received = l->received;
	t->reflected = l->reflected;
	memcpy(t->drops, l->drops, sizeof(t->drops));
	t->sessions = 0;
	for (k = 0; refl_stateful && k < REFL_SESSIONS; k++)
		if (refl_sessions[k].used != 0 &&
		    now - refl_sessions[k].used <= refl_refwait)
			t->sessions++;
}

static int
reflector_dispatch_peer(enum lopa_proc from, struct imsg *imsg)
{
	struct refl_listener	*e = &refl_listeners[REFL_ECHO];
	struct refl_status	 st;

	if (from != PROC_CONTROL || imsg->hdr.type != IMSG_REFL_STATS)
		return -1;
	if (imsg_check_len(imsg, 0))
		fatalx("bad IMSG_REFL_STATS");
	memset(&st, 0, sizeof(st));
	st.udp_echo_up = e->fd != -1;
	memcpy(st.udp_echo_addr, e->addr, sizeof(st.udp_echo_addr));
	st.received = e->received;
	st.echoed = e->reflected;
	memcpy(st.drops, e->drops, sizeof(st.drops));
	refl_twamp_status(&st.twamp);
	tws_status(&st.twamp_control);
	proc_compose(PROC_CONTROL, IMSG_REFL_STATS_REPLY, 0, imsg->hdr.reqid,
	    -1, &st, sizeof(st));
	return 0;
}

static void
reflector_reconf_commit(const struct lopad_conf *c)
{
	refl_settings(c);
	refl_want_all(c);
}

static void
reflector_shutdown(void)
{
	size_t	 k;

	tws_close_all(TWCTL_CL_RELOAD);
	for (k = 0; k < REFL_NLISTEN; k++)
		refl_close(&refl_listeners[k]);
}

const struct proc_role reflector_role = {
	.role = PROC_REFLECTOR,
	.start = reflector_start,
	.dispatch_parent = reflector_dispatch_parent,
	.dispatch_peer = reflector_dispatch_peer,
	.reconf_commit = reflector_reconf_commit,
	.shutdown = reflector_shutdown,
};
