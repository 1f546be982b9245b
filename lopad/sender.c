/*
 * lopad: the sender process, the data plane (DESIGN §4, §5).  The engine
 * starts and stops sessions (IMSG_SESSION_START, _STOP); the sender runs
 * each session's schedule itself, sends the probes, matches replies and
 * timestamps them, and streams back what became of every probe
 * (IMSG_SESSION_RESULTS) and the end of the session (IMSG_SESSION_END).
 *
 * Probes:
 *   ping  ICMP/ICMPv6 echo on raw sockets opened by the parent, one per
 *         (family, device, PMTU mode), shared by every session with those
 *         settings and demultiplexed here by a 16-bit identifier unique
 *         among live sessions; a random per-session cookie in the payload.
 *   udp   one connected socket per session; magic, seq, cookie (probe_udp.c)
 *         echoed back by any echo service; IP_RECVERR turns an ICMP error
 *         into a status (port unreachable: refused).
 *   tcp   a non-blocking connect per probe, closed with RST.
 *   twamp, stamp
 *         TWAMP-light and STAMP Session-Sender (RFC 5357, RFC 8762): a
 *         connected UDP socket per session as udp (TTL 255 by default,
 *         control's), the sender packet with T1 (the realtime clock read
 *         for the send, also the probe's user-space send time) and the
 *         Error Estimate of the clock (adjtimex, read-only, at most once
 *         a second), zero padding.  Replies are decoded by the codec and
 *         matched by the sender's sequence number they copy (and, STAMP,
 *         the SSID); those that do not decode are counted (malformed),
 *         short ones that do (twampy's 38 octets) are flagged.  The RTT
 *         is (T4 - T1) - (T3 - T2), T1 and T4 as for udp (kernel stamps).
 *
 * Schedule: probe n leaves at start + n * interval (CLOCK_MONOTONIC), the
 * start on a grid of SND_QUANTUM_NS (at most interval / 8), so that the
 * sessions due at the same moment share one wake-up: one timer for the
 * whole sender over a heap of the sessions' next sends (sched_*), and the
 * ICMP probes of a wake-up leave in one sendmmsg per raw socket
 * (sendq_flush).  Timeouts likewise: a heap of each session's earliest,
 * out of it while nothing is in flight.  Every probe gets one PROBE_K_SENT
 * record and later exactly one PROBE_K_FATE; a second reply is a DUP, a
 * reply after the timeout is LATE (recognised while the session's ring
 * still holds the probe: twice the probes in flight at once).  Results of
 * every session go into one buffer that leaves as one message at most
 * SND_FLUSH_US after its first record, or when full.  A session is over
 * when it sends no more and every fate is known (at the end of that
 * callback), or at once on STOP; what comes after that is not counted.
 *
 * Times: SO_TIMESTAMPING software stamps (RX in the reply's cmsg, TX from
 * the error queue, matched by an OPT_ID that we give per packet with
 * SCM_TS_OPT_ID, or the kernel's per-socket counter on older kernels),
 * else SO_TIMESTAMPNS, else clock_gettime.  The user-space send time is
 * taken just before sendmsg(): on lo the reply can be stamped before
 * sendmsg() returns.  Kernel stamps are realtime; a realtime/monotonic
 * offset that moved by more than 1 ms between send and receive is a clock
 * step: the sample is flagged and its RTT is the monotonic one.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <sys/tree.h>

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include <event2/event.h>

#include "icmp_codec.h"
#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "probe_udp.h"
#include "proc.h"
#include "stamp_tlv.h"
#include "stats.h"
#include "task.h"
#include "twamp_codec.h"
#include "twamp_ctl_codec.h"
#include "twamp_stats.h"

/* <linux/icmp.h> clashes with the netinet headers: our ICMP_FILTER. */
#ifndef ICMP_FILTER
#define ICMP_FILTER		1
#endif
struct snd_icmp_filter {
	uint32_t	 data;		/* bit set: type blocked */
};

/* Linux 6.13: the OPT_ID of one packet, given with sendmsg(). */
#ifndef SCM_TS_OPT_ID
#define SCM_TS_OPT_ID		81
#endif

#define NS			(1000LL * 1000 * 1000)
#define SND_STEP_NS		(1000LL * 1000)	/* a clock step: 1 ms */
#define SND_FLUSH_US		10000	/* results wait at most 10 ms */
#define SND_QUANTUM_NS		(1000LL * 1000)	/* send wake-ups: 1 ms grid */
#define SND_RING_MIN		8
#define SND_RING_MAX		(1U << 16)
#define SND_RING_ICMP_MAX	(1U << 15)	/* half the 16-bit seq space */
#define SND_TXMAP_ICMP		8192		/* TX stamps awaited */
#define SND_BATCH		16		/* datagrams per recvmmsg */
#define SND_SENDQ		64		/* ICMP probes per sendmmsg */
#define SND_SENDQ_PKT		1536		/* larger ones go alone */
#define SND_BUFSZ		65536
#define SND_READS		8		/* recvmmsg calls per wake-up */
#define SND_LOGIVAL		(10 * NS)
#define SND_CLOCKIVAL		NS		/* adjtimex at most 1/s */
#define SND_TSFLAGS		(SOF_TIMESTAMPING_RX_SOFTWARE | \
				 SOF_TIMESTAMPING_TX_SOFTWARE | \
				 SOF_TIMESTAMPING_SOFTWARE | \
				 SOF_TIMESTAMPING_OPT_TSONLY | \
				 SOF_TIMESTAMPING_OPT_ID)

/* ICMP types as numbers (<netinet/ip_icmp.h> is not ours to include). */
#define T4_ECHOREPLY		0
#define T4_UNREACH		3
#define T4_TIMXCEED		11
#define T4_PARAMPROB		12
#define C4_PORT			3
#define C4_NEEDFRAG		4
#define T6_UNREACH		1
#define T6_TOOBIG		2
#define T6_TIMXCEED		3
#define T6_PARAMPROB		4
#define C6_PORT			4

enum slot_state {
	SL_FREE = 0,
	SL_INFLIGHT,		/* sent, fate unknown */
	SL_DONE,		/* answered: reply, refusal, error */
	SL_TIMEDOUT,		/* lost: a reply now is late */
	SL_LATE			/* lost, and a late reply came */
};

struct session;

struct tcp_probe {
	struct session	*s;
	uint32_t	 seq;
	int		 fd;
	struct event	*ev;
	int		 early;		/* connect() itself gave the outcome */
	int		 early_err;
	int64_t		 early_mono;
};

/* A probe, in its session's ring at seq & mask. */
struct slot {
	uint32_t	 seq;
	uint8_t		 state;		/* enum slot_state */
	int64_t		 tx_mono;	/* just before the send */
	int64_t		 tx_real;
	int64_t		 tx_kern;	/* kernel TX stamp, realtime; 0 none */
	struct tcp_probe *tcp;
};

/* A send awaiting its TX stamp, by OPT_ID. */
struct txrec {
	uint32_t	 key;
	uint32_t	 sid;
	uint32_t	 seq;
	uint32_t	 used;
};

/* A socket whose sends are timestamped: the shared ICMP ones, UDP's. */
struct tsock {
	int		 fd;
	int		 family;
	uint8_t		 tsmode;	/* TS_TIMESTAMPING/NS, TS_USER */
	uint32_t	 txkey;		/* OPT_ID of the next send */
	struct txrec	*txmap;
	uint32_t	 txmask;
	uint32_t	 txpending;	/* sends whose stamp is unread */
};

struct icmpsock {
	TAILQ_ENTRY(icmpsock)	 entry;
	struct tsock		 ts;
	uint32_t		 pmtu;
	char			 ifname[TASK_IFNAMELEN];
	uint32_t		 reqid;
	int			 ready;		/* the fd is here, set up */
	int			 failed;	/* the parent refused */
	struct event		*ev;
	u_int			 refs;		/* sessions on it or waiting */
	TAILQ_HEAD(, session)	 waiting;
};

enum session_state {
	SS_WAIT = 0,		/* for its ICMP socket */
	SS_RUN,
	SS_ENDED		/* END sent; freed after the callback */
};

/* A session's addresses: IPv4 or IPv6, not a 128-byte sockaddr_storage. */
union snd_sa {
	struct sockaddr		 sa;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
};

struct session {
	RB_ENTRY(session)	 entry;		/* by sid */
	RB_ENTRY(session)	 identry;	/* ping: by ICMP id */
	TAILQ_ENTRY(session)	 wentry;	/* waiting for an ICMP socket */
	TAILQ_ENTRY(session)	 dentry;	/* to free */
	TAILQ_ENTRY(session)	 eentry;	/* over, once the callback is */
	int			 ending;
	uint32_t		 sid;
	int			 state;		/* enum session_state */
	struct session_params	 p;
	union snd_sa		 dst;
	socklen_t		 dstlen;
	union snd_sa		 src;
	socklen_t		 srclen;	/* 0: no source address */
	uint8_t			 cookie[8];

	struct icmpsock		*isock;		/* ping */
	uint16_t		 icmp_id;
	int			 has_id;
	struct tsock		 us;		/* udp */
	struct event		*uev;
	int			 uconn;		/* connected */
	struct twctl		*ctl;		/* twamp, control: true */

	int64_t			 start;		/* monotonic; moves on slips */
	int64_t			 start0;	/* as first set */
	uint64_t		 nsent;
	uint64_t		 oldest;	/* first maybe in flight */
	uint32_t		 inflight;
	int			 sending_done;
	int64_t			 wake[2];	/* next send, timeout wake-up */
	uint32_t		 hidx[2];	/* in snd_sched[k] + 1; 0 none */
	struct slot		*ring;
	uint32_t		 mask;
};

/*
 * twamp with control: true: the TWAMP-Control connection, one test
 * session on it (twamp_client.h).  Each step waits for one message of
 * a known length, read into `in' and no further, under a timer.
 */
enum twc_state {
	TWC_CONNECT = 0,	/* TCP connect in progress */
	TWC_GREETING,		/* waiting for the Server Greeting */
	TWC_SERVER_START,
	TWC_ACCEPT,		/* Accept-Session */
	TWC_START_ACK,
	TWC_TESTING		/* the test runs; Stop-Sessions at its end */
};

struct twctl {
	int		 fd;
	int		 state;		/* enum twc_state */
	struct event	*rev;
	struct event	*wev;		/* connect, then output waiting */
	struct event	*tev;		/* connect or response timeout */
	union snd_sa	 local;		/* our end of the connection */
	uint16_t	 cport;		/* the server's control port */
	uint8_t		 in[TWAMP_GREETING_LEN];	/* the largest reply */
	size_t		 inlen;
	size_t		 need;
	uint8_t		 out[TWAMP_SETUP_RESP_LEN + TWAMP_STOP_SESSIONS_LEN];
	size_t		 outlen;
};

/* What came with a datagram. */
struct rxinfo {
	int64_t		 kern;		/* kernel RX stamp, realtime; 0 none */
	int64_t		 mono;		/* right after the read */
	int64_t		 real;
	int		 ttl;		/* -1 unknown */
	int		 has_ee;
	struct sock_extended_err ee;	/* error queue */
	struct sockaddr_storage offender;	/* ss_family 0: none */
};

RB_HEAD(snd_sessions, session);
RB_HEAD(snd_icmpids, session);
TAILQ_HEAD(snd_sesslist, session);
TAILQ_HEAD(snd_socklist, icmpsock);

static int	 sess_cmp(struct session *, struct session *);
static int	 icmpid_cmp(struct session *, struct session *);
RB_PROTOTYPE(snd_sessions, session, entry, sess_cmp);
RB_GENERATE(snd_sessions, session, entry, sess_cmp);
RB_PROTOTYPE(snd_icmpids, session, identry, icmpid_cmp);
RB_GENERATE(snd_icmpids, session, identry, icmpid_cmp);

static struct snd_sessions	 snd_sessions = RB_INITIALIZER(&snd_sessions);
static struct snd_icmpids	 snd_icmpids = RB_INITIALIZER(&snd_icmpids);
static struct snd_sesslist	 snd_zombies =
				    TAILQ_HEAD_INITIALIZER(snd_zombies);
static struct snd_sesslist	 snd_ending =
				    TAILQ_HEAD_INITIALIZER(snd_ending);
static struct snd_socklist	 snd_isocks =
				    TAILQ_HEAD_INITIALIZER(snd_isocks);
static uint32_t			 snd_reqid;
static uint16_t			 snd_idcursor;
static int			 snd_optid = 1;	/* SCM_TS_OPT_ID usable */
static int			 snd_optid_known;
static int			 snd_tskeep = -1;	/* see sender_start() */
static int64_t			 snd_clock_at;	/* last adjtimex, monotonic */
static uint16_t			 snd_errest;	/* Error Estimate we send */
static int			 snd_clock_sync;	/* -1: adjtimex failed */

/*
 * Packets we could not use, by reason, and schedule slips (lopad.h);
 * logged at debug, rate-limited, and in GET /api/v1/status.
 */
const char *const snd_count_keys[CNT_MAX] = {
	"malformed", "foreign", "stale", "bad_timestamps", "schedule_slips"
};
static const char *const snd_count_names[CNT_MAX] = {
	"malformed packets", "foreign packets", "stale replies",
	"inconsistent kernel timestamps", "schedule slips"
};
static uint64_t		 snd_counts[CNT_MAX];
static struct event	*snd_flush_ev;	/* results leave together */
/* Results of all sessions, waiting: chunks (task.h, result_chunk). */
static union {
	uint64_t	 align;
	uint8_t		 buf[RESULTS_MAX];
} snd_out;
_Static_assert(RESULTS_MAX + IMSG_HDR_SIZE <= PROC_PEER_MAXSIZE,
    "a results buffer fits one message");
static size_t			 snd_outlen;
static struct result_chunk	*snd_outlast;	/* the chunk being filled */

/*
 * The wake-ups of every session, sends and timeouts: a binary min-heap
 * each, on s->wake[k], and one timer each for the earliest.
 */
enum { SCHED_SEND, SCHED_TIMEOUT };
struct sched {
	struct session	**h;
	uint32_t	  n;
	uint32_t	  cap;
	int		  k;		/* SCHED_*: s->wake[k], s->hidx[k] */
	struct event	 *ev;
	int64_t		  at;		/* armed for; 0 not armed */
	int		  in_cb;	/* its callback runs: it arms */
};
static struct sched		 snd_sched[2] = {
	{ .k = SCHED_SEND }, { .k = SCHED_TIMEOUT }
};

/* ICMP probes of one wake-up, sent together (sendmmsg per socket). */
struct sendq_ent {
	struct session	*s;
	uint32_t	 seq;
	uint32_t	 len;
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[3 * CMSG_SPACE(sizeof(int)) +
				    CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf;
	uint8_t		 pkt[SND_SENDQ_PKT];
};
static struct sendq_ent		 snd_q[SND_SENDQ];
static struct mmsghdr		 snd_qmsg[SND_SENDQ];
static struct iovec		 snd_qiov[SND_SENDQ];
static uint32_t			 snd_qlen;
static int64_t		 snd_lastlog[CNT_MAX];

/* I/O buffers: one read or send at a time. */
static uint8_t		 snd_sbuf[SND_BUFSZ];
static uint8_t		 snd_rbuf[SND_BATCH][SND_BUFSZ];
static struct sockaddr_storage snd_rfrom[SND_BATCH];
static union {
	struct cmsghdr	 hdr;
	uint8_t		 buf[512];
} snd_rcmsg[SND_BATCH];
static struct iovec	 snd_riov[SND_BATCH];
static struct mmsghdr	 snd_rmsg[SND_BATCH];

static void	 session_end(struct session *, int, const char *);
static void	 session_send_due(struct session *);
static void	 session_begin(struct session *);
static void	 probe_error(struct session *, struct slot *, int);
static void	 sched_set(int, struct session *, int64_t);
static void	 sched_del(int, struct session *);
static void	 session_timeout(struct session *);
static int	 sched_pending(int, const struct session *);
static void	 sendq_flush(void);
static int64_t	 send_time(const struct session *, int64_t);
static void	 session_check_end(struct session *);
static void	 sender_flush(void);
static void	 sender_flush_cb(int, short, void *);
static void	 icmp_drain(struct icmpsock *);
static void	 udp_drain(struct session *);
static int	 twc_start(struct session *, char *, size_t);
static void	 twc_close(struct session *);

static int
sess_cmp(struct session *a, struct session *b)
{
	return a->sid < b->sid ? -1 : a->sid > b->sid;
}

static int
icmpid_cmp(struct session *a, struct session *b)
{
	return a->icmp_id < b->icmp_id ? -1 : a->icmp_id > b->icmp_id;
}

static int64_t
clock_ns(clockid_t id)
{
	struct timespec	 ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

static struct timeval
ns_tv(int64_t ns)
{
	struct timeval	 tv;

	if (ns < 0)
		ns = 0;
	/* Rounded up: a timer never fires before its time. */
	if (ns > INT64_MAX - 999)
		ns = INT64_MAX - 999;
	ns += 999;
	tv.tv_sec = ns / NS;
	tv.tv_usec = (ns % NS) / 1000;
	return tv;
}

static void
snd_countn(enum snd_count c, uint64_t n)
{
	int64_t	 now;

	snd_counts[c] += n;
	now = clock_ns(CLOCK_MONOTONIC);
	if (snd_lastlog[c] != 0 && now - snd_lastlog[c] < SND_LOGIVAL)
		return;
	snd_lastlog[c] = now;
	log_debug("%s: %llu so far", snd_count_names[c],
	    (unsigned long long)snd_counts[c]);
}

static void
snd_count(enum snd_count c)
{
	snd_countn(c, 1);
}

static struct session *
session_find(uint32_t sid)
{
	struct session	 k;

	k.sid = sid;
	return RB_FIND(snd_sessions, &snd_sessions, &k);
}

/* The probe with this sequence number, if the ring still holds it. */
static struct slot *
slot_find(struct session *s, uint32_t seq)
{
	struct slot	*sl = &s->ring[seq & s->mask];

	if (sl->state == SL_FREE || sl->seq != seq)
		return NULL;
	return sl;
}

/* The same from a 16-bit ICMP seq (the ring is at most 2^15 long). */
static struct slot *
slot_find16(struct session *s, uint16_t seq16)
{
	struct slot	*sl = &s->ring[seq16 & s->mask];

	if (sl->state == SL_FREE || (uint16_t)sl->seq != seq16)
		return NULL;
	return sl;
}

static void
addr_to_task(const struct sockaddr *sa, struct task_addr *ta)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(ta, 0, sizeof(*ta));
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		ta->family = AF_INET;
		ta->port = ntohs(sin->sin_port);
		memcpy(ta->addr, &sin->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		ta->family = AF_INET6;
		ta->port = ntohs(sin6->sin6_port);
		ta->scope_id = sin6->sin6_scope_id;
		memcpy(ta->addr, &sin6->sin6_addr, 16);
	}
}

static socklen_t
task_to_sa(const struct task_addr *ta, union snd_sa *ss)
{
	struct sockaddr_in	*sin = &ss->sin;
	struct sockaddr_in6	*sin6 = &ss->sin6;

	memset(ss, 0, sizeof(*ss));
	if (ta->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)ta->port);
		memcpy(&sin->sin_addr, ta->addr, 4);
		return sizeof(*sin);
	}
	if (ta->family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)ta->port);
		sin6->sin6_scope_id = ta->scope_id;
		memcpy(&sin6->sin6_addr, ta->addr, 16);
		return sizeof(*sin6);
	}
	return 0;
}

/* Same address (not port)? */
static int
sa_addr_eq(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)(const void *)a)->
		    sin_addr, &((const struct sockaddr_in *)(const void *)b)->
		    sin_addr, 4) == 0;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)(const void *)a)->
		    sin6_addr, &((const struct sockaddr_in6 *)(const void *)b)->
		    sin6_addr, 16) == 0;
	return 0;
}

static const char *
sa_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const void	*a;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (inet_ntop(sa->sa_family, a, buf, len) == NULL)
		strlcpy(buf, "?", len);
	return buf;
}

/*
 * Results.
 */

/* Everything waiting leaves in one IMSG_SESSION_RESULTS. */
static void
results_send(void)
{
	if (snd_outlen > 0)
		proc_compose(PROC_ENGINE, IMSG_SESSION_RESULTS, 0, 0, -1,
		    snd_out.buf, snd_outlen);
	snd_outlen = 0;
	snd_outlast = NULL;
}

/*
 * A new record for a session's probe, zeroed.  The pointer is good until
 * the next call (which may send the buffer).
 */
static struct probe_result *
res_new(struct session *s, uint32_t seq, uint8_t kind)
{
	struct probe_result	*pr;
	size_t			 need = sizeof(*pr);

	if (s->state == SS_ENDED)
		fatalx("%s: session %u has ended", __func__, s->sid);
	if (snd_outlast == NULL || snd_outlast->sid != s->sid)
		need += sizeof(struct result_chunk);
	if (snd_outlen + need > sizeof(snd_out.buf))
		results_send();		/* and a new chunk below */
	if (snd_outlast == NULL || snd_outlast->sid != s->sid) {
		snd_outlast = (struct result_chunk *)(void *)
		    (snd_out.buf + snd_outlen);
		snd_outlast->sid = s->sid;
		snd_outlast->count = 0;
		snd_outlen += sizeof(*snd_outlast);
	}
	pr = (struct probe_result *)(void *)(snd_out.buf + snd_outlen);
	snd_outlen += sizeof(*pr);
	snd_outlast->count++;
	memset(pr, 0, sizeof(*pr));
	pr->seq = seq;
	pr->kind = kind;
	return pr;
}

/*
 * RTT of a reply: kernel stamps when both ends have one (or a kernel RX
 * stamp and our TX time), unless the realtime clock stepped in between
 * or the stamps cannot be right; then the monotonic delta.
 */
static void
rtt_fill(const struct slot *sl, const struct rxinfo *rx,
    struct probe_result *pr)
{
	int64_t	 mono, k, step;
	uint8_t	 tsrc;

	mono = rx->mono - sl->tx_mono;
	if (mono < 0)
		mono = 0;
	pr->rtt_ns = mono;
	pr->tsrc = TS_USER;
	if (rx->kern == 0)
		return;
	if (sl->tx_kern != 0) {
		k = rx->kern - sl->tx_kern;
		tsrc = TS_TIMESTAMPING;
	} else {
		k = rx->kern - sl->tx_real;
		tsrc = TS_TIMESTAMPNS;
	}
	step = (rx->real - rx->mono) - (sl->tx_real - sl->tx_mono);
	if (step > SND_STEP_NS || step < -SND_STEP_NS) {
		pr->flags |= PROBE_F_CLOCK_STEP;
		return;
	}
	/* Both kernel stamps lie between our two clock readings. */
	if (k < 0 || k > mono + SND_STEP_NS) {
		snd_count(CNT_BADSTAMP);
		return;
	}
	pr->rtt_ns = k;
	pr->tsrc = tsrc;
}

static void
tcp_probe_free(struct slot *sl)
{
	struct tcp_probe	*tp = sl->tcp;

	if (tp == NULL)
		return;
	event_free(tp->ev);
	close(tp->fd);		/* SO_LINGER 0: RST, no TIME_WAIT */
	free(tp);
	sl->tcp = NULL;
}

/*
 * A probe's fate is known, or it was answered again: the record to fill
 * (NULL when there is nothing to say), and the probe's new state.
 */
static struct probe_result *
probe_record(struct session *s, struct slot *sl, uint8_t status)
{
	struct probe_result	*pr;
	uint8_t			 kind;

	switch (sl->state) {
	case SL_INFLIGHT:
		kind = PROBE_K_FATE;
		sl->state = status == PROBE_LOST ? SL_TIMEDOUT : SL_DONE;
		/* Nothing left to time out: no wake-up for nothing. */
		if (--s->inflight == 0)
			sched_del(SCHED_TIMEOUT, s);
		tcp_probe_free(sl);
		break;
	case SL_DONE:
	case SL_LATE:
		kind = PROBE_K_DUP;
		break;
	case SL_TIMEDOUT:
		kind = PROBE_K_LATE;
		sl->state = SL_LATE;
		break;
	default:
		return NULL;
	}
	pr = res_new(s, sl->seq, kind);
	pr->status = status;
	pr->t_sent = sl->tx_kern != 0 ? sl->tx_kern : sl->tx_real;
	return pr;
}

static void
probe_lost(struct session *s, struct slot *sl)
{
	(void)probe_record(s, sl, PROBE_LOST);
}

/*
 * A reply or an error for a probe, from `from'.  The record made (good
 * until the next one), with the RTT from our own stamps (T4 - T1), or
 * NULL when there was nothing to record.
 */
static struct probe_result *
probe_answer(struct session *s, struct slot *sl, uint8_t status,
    const struct rxinfo *rx, const struct sockaddr *from, uint32_t mtu)
{
	struct probe_result	*pr, t;

	/* The RTT once (rtt_fill also counts inconsistent stamps). */
	memset(&t, 0, sizeof(t));
	rtt_fill(sl, rx, &t);
	/*
	 * Read after its deadline (the timer had not run yet), a reply
	 * that came after the timeout by its own timestamps is late: the
	 * probe is lost first, then the reply is recorded as late.
	 */
	if (sl->state == SL_INFLIGHT &&
	    (status == PROBE_OK || status == PROBE_REFUSED) &&
	    t.rtt_ns > s->p.timeout_ns)
		probe_lost(s, sl);
	if ((pr = probe_record(s, sl, status)) == NULL)
		return NULL;
	pr->rtt_ns = t.rtt_ns;
	pr->tsrc = t.tsrc;
	pr->flags |= t.flags;
	if (rx->ttl >= 0 && rx->ttl <= 255)
		pr->ttl = (uint8_t)rx->ttl;
	pr->mtu = mtu;
	addr_to_task(from, &pr->from);
	if (from != NULL && !sa_addr_eq(from, (struct sockaddr *)&s->dst))
		pr->flags |= PROBE_F_FOREIGN_SRC;
	return pr;
}

/*
 * The path MTU the kernel knows for the destination: from the session's
 * connected UDP socket, or from a throw-away one (ping).  0 unknown.
 */
static uint32_t
path_mtu(struct session *s)
{
	socklen_t	 len = sizeof(int);
	int		 fd = s->us.fd, v4 = s->dst.sa.sa_family == AF_INET;
	int		 mtu = 0;

	if (fd == -1) {
		fd = socket(s->dst.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			return 0;
		if ((s->p.interface[0] != '\0' && setsockopt(fd, SOL_SOCKET,
		    SO_BINDTODEVICE, s->p.interface,
		    strlen(s->p.interface)) == -1) ||
		    connect(fd, (struct sockaddr *)&s->dst, s->dstlen) == -1)
			mtu = -1;
	}
	if (mtu == 0 && getsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
	    v4 ? IP_MTU : IPV6_MTU, &mtu, &len) == -1)
		mtu = 0;
	if (fd != s->us.fd)
		close(fd);
	return mtu > 0 ? (uint32_t)mtu : 0;
}

/* A send that failed at once. */
static void
probe_failed(struct session *s, struct slot *sl, int err)
{
	sl->state = SL_INFLIGHT;
	s->inflight++;
	probe_error(s, sl, err);
}

/* A probe in flight could not leave after all (sendmmsg said so). */
static void
probe_error(struct session *s, struct slot *sl, int err)
{
	struct probe_result	*pr;

	pr = probe_record(s, sl, err == EMSGSIZE ? PROBE_TOO_BIG :
	    PROBE_ERROR);
	pr->err = (uint16_t)err;
	if (err == EMSGSIZE)
		pr->mtu = path_mtu(s);
}

/*
 * Timestamped sockets.
 */

static void
tsock_init(struct tsock *ts, int fd, int family, uint32_t nmap)
{
	int	 on = 1, flags = SND_TSFLAGS;

	ts->fd = fd;
	ts->family = family;
	ts->txkey = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags,
	    sizeof(flags)) == 0)
		ts->tsmode = TS_TIMESTAMPING;
	else if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on,
	    sizeof(on)) == 0)
		ts->tsmode = TS_TIMESTAMPNS;
	else
		ts->tsmode = TS_USER;
	if (ts->tsmode == TS_TIMESTAMPING) {
		if ((ts->txmap = calloc(nmap, sizeof(*ts->txmap))) == NULL)
			fatal("%s: calloc", __func__);
		ts->txmask = nmap - 1;
	}
}

static void
tsock_free(struct tsock *ts)
{
	free(ts->txmap);
	ts->txmap = NULL;
	if (ts->fd != -1)
		close(ts->fd);
	ts->fd = -1;
}

static struct cmsghdr *
cmsg_put(struct msghdr *m, struct cmsghdr *c, int level, int type,
    const void *data, size_t len)
{
	if (c == NULL)
		fatalx("%s: no room", __func__);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	m->msg_controllen += CMSG_SPACE(len);
	return (struct cmsghdr *)(void *)((uint8_t *)c + CMSG_SPACE(len));
}

/* TTL, TOS and source address of one packet on a shared raw socket. */
static struct cmsghdr *
probe_cmsgs(struct session *s, struct msghdr *m, struct cmsghdr *c)
{
	struct in_pktinfo	 pi4;
	struct in6_pktinfo	 pi6;
	int			 v4 = s->dst.sa.sa_family == AF_INET, v;

	if (s->p.ttl > 0) {
		v = s->p.ttl;
		c = cmsg_put(m, c, v4 ? IPPROTO_IP : IPPROTO_IPV6,
		    v4 ? IP_TTL : IPV6_HOPLIMIT, &v, sizeof(v));
	}
	if (s->p.dscp >= 0) {
		v = s->p.dscp << 2;
		c = cmsg_put(m, c, v4 ? IPPROTO_IP : IPPROTO_IPV6,
		    v4 ? IP_TOS : IPV6_TCLASS, &v, sizeof(v));
	}
	if (s->srclen != 0 && v4) {
		memset(&pi4, 0, sizeof(pi4));
		pi4.ipi_spec_dst =
		    ((struct sockaddr_in *)(void *)&s->src)->sin_addr;
		c = cmsg_put(m, c, IPPROTO_IP, IP_PKTINFO, &pi4, sizeof(pi4));
	} else if (s->srclen != 0) {
		memset(&pi6, 0, sizeof(pi6));
		pi6.ipi6_addr =
		    ((struct sockaddr_in6 *)(void *)&s->src)->sin6_addr;
		c = cmsg_put(m, c, IPPROTO_IPV6, IPV6_PKTINFO, &pi6,
		    sizeof(pi6));
	}
	return c;
}

/*
 * The message for one probe: with opts (the shared ICMP sockets) its
 * destination, TTL, TOS and source address; with SCM_TS_OPT_ID in use,
 * `key' for its TX stamp.  Returns the control length without the key.
 */
static size_t
probe_msg(struct tsock *ts, struct session *s, struct msghdr *m,
    struct iovec *iov, uint8_t *cbuf, size_t cbuflen, const uint8_t *buf,
    size_t len, int opts, uint32_t key)
{
	struct cmsghdr	*c;
	size_t		 base;

	memset(cbuf, 0, cbuflen);
	memset(m, 0, sizeof(*m));
	iov->iov_base = (void *)(uintptr_t)buf;
	iov->iov_len = len;
	m->msg_iov = iov;
	m->msg_iovlen = 1;
	m->msg_control = cbuf;
	m->msg_controllen = 0;
	c = (struct cmsghdr *)(void *)cbuf;
	if (opts) {
		m->msg_name = &s->dst;
		m->msg_namelen = s->dstlen;
		c = probe_cmsgs(s, m, c);
	}
	base = m->msg_controllen;
	if (ts->tsmode == TS_TIMESTAMPING && snd_optid)
		c = cmsg_put(m, c, SOL_SOCKET, SCM_TS_OPT_ID, &key,
		    sizeof(key));
	if (m->msg_controllen == 0)
		m->msg_control = NULL;
	return base;
}

/* A probe left with TX stamp `key': remember whose stamp that will be. */
static void
tx_expect(struct tsock *ts, uint32_t key, struct session *s, uint32_t seq)
{
	struct txrec	*tr;

	if (ts->tsmode != TS_TIMESTAMPING)
		return;
	tr = &ts->txmap[key & ts->txmask];
	tr->key = key;
	tr->sid = s->sid;
	tr->seq = seq;
	tr->used = 1;
	ts->txpending++;
}

/*
 * Send one probe now; with opts (the shared ICMP sockets), its TTL, TOS
 * and source address go with it.  The send time is read just before,
 * or (real != 0) was read by the caller and is in the packet.  Returns
 * 0 or an errno.
 */
static int
tsock_send_at(struct tsock *ts, struct session *s, struct slot *sl,
    const uint8_t *buf, size_t len, int opts, int64_t real, int64_t mono)
{
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[3 * CMSG_SPACE(sizeof(int)) +
				    CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf;
	struct msghdr		 m;
	struct iovec		 iov;
	int			 optid, err;
	size_t			 base;
	ssize_t			 n;

	base = probe_msg(ts, s, &m, &iov, cbuf.buf, sizeof(cbuf.buf), buf,
	    len, opts, ts->txkey);
	optid = ts->tsmode == TS_TIMESTAMPING && snd_optid;
	if (real != 0) {
		sl->tx_real = real;
		sl->tx_mono = mono;
	} else {
		sl->tx_real = clock_ns(CLOCK_REALTIME);
		sl->tx_mono = clock_ns(CLOCK_MONOTONIC);
	}
	n = sendmsg(ts->fd, &m, MSG_DONTWAIT);
	if (n == -1 && errno == EINVAL && optid && !snd_optid_known) {
		/* A kernel before 6.13 knows no SCM_TS_OPT_ID: its counter. */
		m.msg_controllen = base;
		if (base == 0)
			m.msg_control = NULL;
		n = sendmsg(ts->fd, &m, MSG_DONTWAIT);
		if (n != -1) {
			snd_optid = 0;
			snd_optid_known = 1;
			log_debug("no SCM_TS_OPT_ID: TX stamps matched by the "
			    "sockets' counters");
		}
	}
	if (n == -1) {
		err = errno;
		return err != 0 ? err : EIO;
	}
	if (optid)
		snd_optid_known = 1;
	tx_expect(ts, ts->txkey, s, sl->seq);
	ts->txkey++;
	return 0;
}

static int
tsock_send(struct tsock *ts, struct session *s, struct slot *sl,
    const uint8_t *buf, size_t len, int opts)
{
	return tsock_send_at(ts, s, sl, buf, len, opts, 0, 0);
}

static void
rx_parse(struct msghdr *m, struct rxinfo *ri)
{
	struct cmsghdr		*c;
	struct scm_timestamping	 st;
	struct timespec		 t;
	size_t			 dlen, olen;
	int			 v;

	ri->kern = 0;
	ri->ttl = -1;
	ri->has_ee = 0;
	ri->offender.ss_family = 0;
	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_len < CMSG_LEN(0))
			continue;
		dlen = c->cmsg_len - CMSG_LEN(0);
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SO_TIMESTAMPING && dlen >= sizeof(st)) {
			memcpy(&st, CMSG_DATA(c), sizeof(st));
			ri->kern = ts_ns(&st.ts[0]);
		} else if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SO_TIMESTAMPNS && dlen >= sizeof(t)) {
			memcpy(&t, CMSG_DATA(c), sizeof(t));
			ri->kern = ts_ns(&t);
		} else if (((c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_TTL) || (c->cmsg_level ==
		    IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) &&
		    dlen >= sizeof(v)) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			ri->ttl = v;
		} else if (((c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_RECVERR) || (c->cmsg_level ==
		    IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) &&
		    dlen >= sizeof(ri->ee)) {
			memcpy(&ri->ee, CMSG_DATA(c), sizeof(ri->ee));
			ri->has_ee = 1;
			olen = dlen - sizeof(ri->ee);
			if (olen > sizeof(ri->offender))
				olen = sizeof(ri->offender);
			memset(&ri->offender, 0, sizeof(ri->offender));
			if (olen >= sizeof(struct sockaddr_in))
				memcpy(&ri->offender, CMSG_DATA(c) +
				    sizeof(ri->ee), olen);
			if ((ri->offender.ss_family == AF_INET &&
			    olen < sizeof(struct sockaddr_in)) ||
			    (ri->offender.ss_family == AF_INET6 &&
			    olen < sizeof(struct sockaddr_in6)) ||
			    (ri->offender.ss_family != AF_INET &&
			    ri->offender.ss_family != AF_INET6))
				ri->offender.ss_family = 0;
		}
	}
	if (ri->kern < 0)
		ri->kern = 0;
}

/* One recvmmsg: the number of datagrams, 0 when none (or an error). */
static int
tsock_recv(struct tsock *ts, int flags, int64_t *mono, int64_t *real)
{
	int	 i, n;

	for (i = 0; i < SND_BATCH; i++) {
		snd_riov[i].iov_base = snd_rbuf[i];
		snd_riov[i].iov_len = SND_BUFSZ;
		memset(&snd_rmsg[i], 0, sizeof(snd_rmsg[i]));
		snd_rmsg[i].msg_hdr.msg_name = &snd_rfrom[i];
		snd_rmsg[i].msg_hdr.msg_namelen = sizeof(snd_rfrom[i]);
		snd_rmsg[i].msg_hdr.msg_iov = &snd_riov[i];
		snd_rmsg[i].msg_hdr.msg_iovlen = 1;
		snd_rmsg[i].msg_hdr.msg_control = snd_rcmsg[i].buf;
		snd_rmsg[i].msg_hdr.msg_controllen = sizeof(snd_rcmsg[i].buf);
	}
	n = recvmmsg(ts->fd, snd_rmsg, SND_BATCH, flags | MSG_DONTWAIT, NULL);
	*mono = clock_ns(CLOCK_MONOTONIC);
	*real = clock_ns(CLOCK_REALTIME);
	if (n == -1) {
		switch (errno) {
		case EAGAIN:
		case EINTR:
			break;
		case ECONNREFUSED:	/* a connected UDP socket's pending */
		case EHOSTUNREACH:	/* ICMP error: also queued, handled */
		case ENETUNREACH:	/* from the error queue */
		case EHOSTDOWN:
		case EMSGSIZE:
		case EPROTO:
			return -1;
		default:
			log_warn("recvmmsg");
			break;
		}
		return 0;
	}
	return n;
}

/* A TX stamp from the error queue: the probe it belongs to. */
static void
tx_stamp(struct tsock *ts, uint32_t key, int64_t t)
{
	struct txrec	*tr;
	struct session	*s;
	struct slot	*sl;

	if (ts->txpending > 0)
		ts->txpending--;
	if (ts->txmap == NULL || t == 0)
		return;
	tr = &ts->txmap[key & ts->txmask];
	if (!tr->used || tr->key != key) {
		snd_count(CNT_STALE);
		return;
	}
	tr->used = 0;
	if ((s = session_find(tr->sid)) == NULL || s->state != SS_RUN ||
	    (sl = slot_find(s, tr->seq)) == NULL || sl->state != SL_INFLIGHT)
		return;
	/* The kernel stamps after our clock reading before sendmsg(). */
	if (t < sl->tx_real) {
		snd_count(CNT_BADSTAMP);
		return;
	}
	sl->tx_kern = t;
}

static void	 udp_icmp_error(struct session *, const struct rxinfo *,
		    const uint8_t *, size_t);

/*
 * Drain the error queue: TX stamps, and (UDP, owner set) ICMP errors.
 * TX stamps come first, so that replies read after them find them.
 */
static void
tsock_errqueue(struct tsock *ts, struct session *owner)
{
	struct rxinfo	 ri;
	int		 i, n, loops;

	for (loops = 0; loops < 64; loops++) {
		if ((n = tsock_recv(ts, MSG_ERRQUEUE, &ri.mono,
		    &ri.real)) <= 0)
			return;
		for (i = 0; i < n; i++) {
			rx_parse(&snd_rmsg[i].msg_hdr, &ri);
			if (!ri.has_ee)
				continue;
			if (ri.ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
				if (ri.ee.ee_info == SCM_TSTAMP_SND)
					tx_stamp(ts, ri.ee.ee_data, ri.kern);
			} else if (owner != NULL && owner->state == SS_RUN)
				udp_icmp_error(owner, &ri, snd_rbuf[i],
				    snd_rmsg[i].msg_len);
		}
		if (n < SND_BATCH)
			return;
	}
}

/*
 * df (PMTU_DO) goes out as IP_PMTUDISC_PROBE: DF set and no fragmentation,
 * like DO, but the path MTU the host has cached (from an earlier task, or
 * another program) is ignored, so that every probe tests the path and a
 * router's "too big" names the router and the MTU each time, rather than
 * a local EMSGSIZE that says neither.
 */
static uint32_t
wire_pmtu(uint32_t pmtu)
{
	return pmtu == PMTU_DO ? PMTU_PROBE : pmtu;
}

/*
 * Socket options for the tcp and udp probes.  Returns 0, or an errno with
 * *what naming the step that failed.
 */
static int
sock_options(struct session *s, int fd, int type, const char **what)
{
	struct linger	 l;
	int		 v4 = s->dst.sa.sa_family == AF_INET, v, on = 1;

	if (type == SOCK_STREAM) {
		l.l_onoff = 1;
		l.l_linger = 0;
		*what = "SO_LINGER";
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) == -1)
			return errno;
	}
	if (s->p.interface[0] != '\0') {
		*what = "SO_BINDTODEVICE";
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE,
		    s->p.interface, strlen(s->p.interface)) == -1)
			return errno;
	}
	if (s->p.dscp >= 0) {
		v = s->p.dscp << 2;
		*what = v4 ? "IP_TOS" : "IPV6_TCLASS";
		if (setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
		    v4 ? IP_TOS : IPV6_TCLASS, &v, sizeof(v)) == -1)
			return errno;
	}
	if (s->p.ttl > 0) {
		v = s->p.ttl;
		*what = v4 ? "IP_TTL" : "IPV6_UNICAST_HOPS";
		if (setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
		    v4 ? IP_TTL : IPV6_UNICAST_HOPS, &v, sizeof(v)) == -1)
			return errno;
	}
	if (s->p.pmtu != PMTU_DEFAULT) {
		switch (wire_pmtu(s->p.pmtu)) {
		case PMTU_DONT:
			v = IP_PMTUDISC_DONT;
			break;
		default:
			v = IP_PMTUDISC_PROBE;	/* the same for IPv6 */
			break;
		}
		*what = v4 ? "IP_MTU_DISCOVER" : "IPV6_MTU_DISCOVER";
		if (setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
		    v4 ? IP_MTU_DISCOVER : IPV6_MTU_DISCOVER, &v,
		    sizeof(v)) == -1)
			return errno;
	}
	if (type == SOCK_DGRAM) {
		*what = v4 ? "IP_RECVERR" : "IPV6_RECVERR";
		if (setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
		    v4 ? IP_RECVERR : IPV6_RECVERR, &on, sizeof(on)) == -1)
			return errno;
		*what = v4 ? "IP_RECVTTL" : "IPV6_RECVHOPLIMIT";
		if (setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
		    v4 ? IP_RECVTTL : IPV6_RECVHOPLIMIT, &on,
		    sizeof(on)) == -1)
			return errno;
	}
	if (s->srclen != 0) {
		*what = "bind";
		if (bind(fd, (struct sockaddr *)&s->src, s->srclen) == -1)
			return errno;
	}
	return 0;
}

/* "udp to 192.0.2.1: bind 198.51.100.1: Cannot assign requested address" */
static void
sock_errmsg(struct session *s, const char *what, int err, char *msg,
    size_t len)
{
	char	 d[INET6_ADDRSTRLEN], a[INET6_ADDRSTRLEN];

	sa_str((struct sockaddr *)&s->dst, d, sizeof(d));
	if (strcmp(what, "bind") == 0 && s->srclen != 0)
		snprintf(msg, len, "%s to %s: bind %s: %s",
		    task_type_name(s->p.type), d, sa_str((struct sockaddr *)
		    &s->src, a, sizeof(a)), strerror(err));
	else if (strcmp(what, "SO_BINDTODEVICE") == 0)
		snprintf(msg, len, "%s to %s: SO_BINDTODEVICE %s: %s",
		    task_type_name(s->p.type), d, s->p.interface,
		    strerror(err));
	else
		snprintf(msg, len, "%s to %s: %s: %s",
		    task_type_name(s->p.type), d, what, strerror(err));
}

/*
 * ping: the shared raw sockets.
 */

/* The status an ICMP error stands for. */
static uint8_t
icmp_error_status(enum icmp_kind kind)
{
	switch (kind) {
	case ICMP_KIND_TIME_EXCEEDED:
		return PROBE_TTL_EXCEEDED;
	case ICMP_KIND_TOO_BIG:
		return PROBE_TOO_BIG;
	case ICMP_KIND_PARAM_PROBLEM:
		return PROBE_PARAM_PROBLEM;
	default:
		return PROBE_UNREACHABLE;
	}
}

/*
 * Decode datagram i and find the live session it names: by the
 * identifier of a reply, or of the echo request an error quotes.
 */
static struct session *
icmp_demux(struct icmpsock *is, int i, struct icmp_reply *r, uint16_t *seq)
{
	struct session	 k, *s;

	if (icmp_decode(is->ts.family, snd_rbuf[i], snd_rmsg[i].msg_len,
	    r) == -1 || (is->ts.family == AF_INET6 &&
	    icmp_reply_set_src(r, (struct sockaddr *)&snd_rfrom[i]) == -1)) {
		snd_count(CNT_MALFORMED);
		return NULL;
	}
	switch (r->kind) {
	case ICMP_KIND_ECHO_REQUEST:
		return NULL;	/* our own, on lo */
	case ICMP_KIND_ECHO_REPLY:
		k.icmp_id = r->id;
		*seq = r->seq;
		break;
	case ICMP_KIND_DEST_UNREACH:
	case ICMP_KIND_TIME_EXCEEDED:
	case ICMP_KIND_TOO_BIG:
	case ICMP_KIND_PARAM_PROBLEM:
		if ((r->quote & ICMP_QUOTE_ECHO) == 0) {
			snd_count(CNT_FOREIGN);
			return NULL;
		}
		k.icmp_id = r->q_id;
		*seq = r->q_seq;
		break;
	default:
		snd_count(CNT_FOREIGN);
		return NULL;
	}
	if ((s = RB_FIND(snd_icmpids, &snd_icmpids, &k)) == NULL) {
		snd_count(CNT_FOREIGN);
		return NULL;
	}
	/* Another of our raw sockets may see it too: its owner counts it. */
	if (s->isock != is || s->state != SS_RUN)
		return NULL;
	return s;
}

static void
icmp_input(struct icmpsock *is, int i, const struct rxinfo *ri)
{
	struct icmp_reply	 r;
	struct session		*s;
	struct slot		*sl;
	struct sockaddr_storage	 from;
	struct rxinfo		 rx = *ri;
	enum icmp_match		 m;
	uint16_t		 seq;

	if ((s = icmp_demux(is, i, &r, &seq)) == NULL)
		return;
	m = icmp_match(&r, s->icmp_id, seq, s->cookie,
	    (struct sockaddr *)&s->dst);
	if (m == ICMP_MATCH_NONE) {
		snd_count(CNT_FOREIGN);
		return;
	}
	if ((sl = slot_find16(s, seq)) == NULL ||
	    (m == ICMP_MATCH_ERROR && sl->state != SL_INFLIGHT)) {
		/* An error counts only while the probe's fate is open. */
		snd_count(CNT_STALE);
		return;
	}
	memset(&from, 0, sizeof(from));
	from.ss_family = is->ts.family;
	if (is->ts.family == AF_INET)
		memcpy(&((struct sockaddr_in *)(void *)&from)->sin_addr,
		    r.src, 4);
	else
		memcpy(&((struct sockaddr_in6 *)(void *)&from)->sin6_addr,
		    r.src, 16);
	if (m == ICMP_MATCH_REPLY) {
		/* IPv4: from the header; IPv6: IPV6_HOPLIMIT. */
		if (is->ts.family == AF_INET)
			rx.ttl = r.ttl;
		probe_answer(s, sl, PROBE_OK, &rx, (struct sockaddr *)&from,
		    0);
	} else {
		rx.ttl = -1;
		probe_answer(s, sl, icmp_error_status(r.kind), &rx,
		    (struct sockaddr *)&from, r.kind == ICMP_KIND_TOO_BIG ?
		    r.mtu : 0);
	}
	session_check_end(s);
}

static void
icmp_read(int fd, short ev, void *arg)
{
	icmp_drain(arg);
	sender_flush();
}

/*
 * Read what waits on a raw socket (a bounded amount).  Sessions it ends
 * are freed only by sender_flush(), so a session's callback may call it.
 */
static void
icmp_drain(struct icmpsock *is)
{
	struct rxinfo	 ri;
	int		 i, n = 0, loops, errq;

	/*
	 * A raw socket's error queue holds only our TX stamps (its ICMP
	 * errors come as packets): read first (a reply wants its probe's
	 * stamp), but only when one is awaited; and whenever the wake-up
	 * brought no packet, since then it was for the error queue (a
	 * stamp the count missed: the queue is drained, never left to
	 * wake us again and again).
	 */
	errq = is->ts.txpending > 0;
	if (errq)
		tsock_errqueue(&is->ts, NULL);
	for (loops = 0; loops < SND_READS; loops++) {
		if ((n = tsock_recv(&is->ts, 0, &ri.mono, &ri.real)) <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (snd_rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				snd_count(CNT_MALFORMED);
				continue;
			}
			rx_parse(&snd_rmsg[i].msg_hdr, &ri);
			icmp_input(is, i, &ri);
		}
		if (n < SND_BATCH)
			break;
	}
	if (!errq && loops == 0 && n <= 0)
		tsock_errqueue(&is->ts, NULL);
}

/* Keep the raw socket to echo replies and the errors we can use. */
static int
icmp_setup(struct icmpsock *is)
{
	struct snd_icmp_filter	 f4;
	struct icmp6_filter	 f6;
	int			 on = 1;

	if (is->ts.family == AF_INET) {
		f4.data = ~((1U << T4_ECHOREPLY) | (1U << T4_UNREACH) |
		    (1U << T4_TIMXCEED) | (1U << T4_PARAMPROB));
		if (setsockopt(is->ts.fd, SOL_RAW, ICMP_FILTER, &f4,
		    sizeof(f4)) == -1)
			return -1;
	} else {
		ICMP6_FILTER_SETBLOCKALL(&f6);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f6);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f6);
		ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f6);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f6);
		ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f6);
		if (setsockopt(is->ts.fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f6,
		    sizeof(f6)) == -1)
			return -1;
		if (setsockopt(is->ts.fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT,
		    &on, sizeof(on)) == -1)
			return -1;
	}
	return 0;
}

static struct icmpsock *
icmpsock_get(int family, uint32_t pmtu, const char *ifname)
{
	struct icmpsock		*is;
	struct fd_request	 req;

	TAILQ_FOREACH(is, &snd_isocks, entry)
		if (!is->failed && is->ts.family == family &&
		    is->pmtu == pmtu && strcmp(is->ifname, ifname) == 0)
			return is;
	if ((is = calloc(1, sizeof(*is))) == NULL)
		fatal("%s: calloc", __func__);
	is->ts.fd = -1;
	is->ts.family = family;
	is->pmtu = pmtu;
	strlcpy(is->ifname, ifname, sizeof(is->ifname));
	if (++snd_reqid == 0)
		snd_reqid++;
	is->reqid = snd_reqid;
	TAILQ_INIT(&is->waiting);
	TAILQ_INSERT_TAIL(&snd_isocks, is, entry);

	memset(&req, 0, sizeof(req));
	req.kind = FD_ICMP_RAW;
	req.family = family;
	req.pmtu = pmtu;
	strlcpy(req.ifname, ifname, sizeof(req.ifname));
	if (proc_request_fd(&req, is->reqid) == -1)
		fatalx("cannot ask for an ICMP socket");
	log_debug("asked for a raw %s socket (device %s, pmtu %u)",
	    family == AF_INET ? "ICMP" : "ICMPv6",
	    ifname[0] != '\0' ? ifname : "any", pmtu);
	return is;
}

/* Free the sockets no session uses any more (end of a callback). */
static void
icmpsock_reap(void)
{
	struct icmpsock	*is, *tmp;

	TAILQ_FOREACH_SAFE(is, &snd_isocks, entry, tmp) {
		if (is->refs != 0)
			continue;
		TAILQ_REMOVE(&snd_isocks, is, entry);
		if (is->ev != NULL)
			event_free(is->ev);
		tsock_free(&is->ts);
		free(is);
	}
}

static void
icmp_fd_reply(struct imsg *imsg)
{
	struct fd_reply	 rep;
	struct icmpsock	*is;
	struct session	*s;
	char		 msg[LOPA_ERRLEN];
	int		 fd, err;

	if (imsg_check_len(imsg, sizeof(rep)))
		fatalx("bad IMSG_FD_REPLY");
	memcpy(&rep, imsg->data, sizeof(rep));
	rep.msg[sizeof(rep.msg) - 1] = '\0';
	if (rep.kind != FD_ICMP_RAW)
		fatalx("IMSG_FD_REPLY of unexpected kind %u", rep.kind);
	fd = imsg_take_fd(imsg);
	TAILQ_FOREACH(is, &snd_isocks, entry)
		if (is->reqid == imsg->hdr.id && !is->ready && !is->failed)
			break;
	if (is == NULL) {
		/* Every session that wanted it has gone. */
		if (fd != -1)
			close(fd);
		return;
	}
	err = rep.error != 0 ? rep.error : EIO;
	if (fd != -1) {
		is->ts.fd = fd;
		if (icmp_setup(is) == -1) {
			err = errno;
			snprintf(rep.msg, sizeof(rep.msg), "raw socket "
			    "options: %s", strerror(err));
		} else {
			tsock_init(&is->ts, fd, is->ts.family, SND_TXMAP_ICMP);
			is->ev = event_new(proc_base, fd, EV_READ | EV_PERSIST,
			    icmp_read, is);
			if (is->ev == NULL || event_add(is->ev, NULL) == -1)
				fatalx("%s: event", __func__);
			is->ready = 1;
		}
	}
	if (!is->ready) {
		is->failed = 1;
		snprintf(msg, sizeof(msg), "no ICMP socket: %.400s",
		    rep.msg[0] != '\0' ? rep.msg : strerror(err));
		log_warnx("%s", msg);
		while ((s = TAILQ_FIRST(&is->waiting)) != NULL)
			session_end(s, err, msg);
		return;
	}
	log_debug("raw %s socket (device %s, pmtu %u), timestamps %s",
	    is->ts.family == AF_INET ? "ICMP" : "ICMPv6",
	    is->ifname[0] != '\0' ? is->ifname : "any", is->pmtu,
	    ts_source_name(is->ts.tsmode));
	while ((s = TAILQ_FIRST(&is->waiting)) != NULL) {
		TAILQ_REMOVE(&is->waiting, s, wentry);
		session_begin(s);
	}
}

/* A 16-bit identifier no live ping session has, from a moving cursor. */
static int
icmp_id_alloc(struct session *s)
{
	uint32_t	 i;

	for (i = 0; i < 65536; i++) {
		s->icmp_id = ++snd_idcursor;
		if (RB_INSERT(snd_icmpids, &snd_icmpids, s) == NULL) {
			s->has_id = 1;
			return 0;
		}
	}
	return -1;
}

/*
 * Queue a probe for sendmmsg at the end of the wake-up (sendq_flush),
 * when the TX stamps can be matched per message (SCM_TS_OPT_ID known to
 * work, or no TX stamps) and it fits; otherwise send it now.
 */
static int
icmp_send(struct session *s, struct slot *sl)
{
	struct sendq_ent	*e;
	ssize_t			 n;

	if (snd_optid_known || s->isock->ts.tsmode != TS_TIMESTAMPING) {
		if (snd_qlen == SND_SENDQ)
			sendq_flush();
		e = &snd_q[snd_qlen];
		n = icmp_echo_encode(s->dst.sa.sa_family, s->icmp_id,
		    (uint16_t)sl->seq, s->cookie, s->p.packet_size, e->pkt,
		    sizeof(e->pkt));
		if (n != -1) {
			e->s = s;
			e->seq = sl->seq;
			e->len = (uint32_t)n;
			sl->tx_real = clock_ns(CLOCK_REALTIME);
			sl->tx_mono = clock_ns(CLOCK_MONOTONIC);
			snd_qlen++;
			return 0;
		}
	}
	n = icmp_echo_encode(s->dst.sa.sa_family, s->icmp_id, (uint16_t)sl->seq,
	    s->cookie, s->p.packet_size, snd_sbuf, sizeof(snd_sbuf));
	if (n == -1) {
		sl->tx_real = clock_ns(CLOCK_REALTIME);
		sl->tx_mono = clock_ns(CLOCK_MONOTONIC);
		return EINVAL;
	}
	return tsock_send(&s->isock->ts, s, sl, snd_sbuf, (size_t)n, 1);
}

/*
 * Send the queued ICMP probes: one sendmmsg per run of probes on the same
 * socket; a message the kernel refuses is that probe's error, and the
 * rest go on.  Every queued probe is in flight, its session running
 * (session_end flushes first).
 */
static void
sendq_flush(void)
{
	struct sendq_ent	*e;
	struct tsock		*ts;
	struct slot		*sl;
	uint32_t		 i, j, k, off, base, nq = snd_qlen;
	int			 r, err;

	snd_qlen = 0;		/* a send error's record may queue nothing */
	for (i = 0; i < nq; i = j) {
		ts = &snd_q[i].s->isock->ts;
		base = ts->txkey;
		for (j = i; j < nq && &snd_q[j].s->isock->ts == ts; j++) {
			e = &snd_q[j];
			probe_msg(ts, e->s, &snd_qmsg[j].msg_hdr, &snd_qiov[j],
			    e->cbuf.buf, sizeof(e->cbuf.buf), e->pkt, e->len,
			    1, base + (j - i));
			snd_qmsg[j].msg_len = 0;
		}
		/*
		 * With SCM_TS_OPT_ID each message carries its key, a failed
		 * one's unused; without it (no TX stamps then, or an old
		 * kernel's counter) only the sends that left count.
		 */
		if (snd_optid)
			ts->txkey += j - i;
		for (off = i; off < j; ) {
			r = sendmmsg(ts->fd, &snd_qmsg[off], j - off,
			    MSG_DONTWAIT);
			if (r > 0) {
				for (k = off; k < off + (uint32_t)r; k++)
					tx_expect(ts, snd_optid ?
					    base + (k - i) : ts->txkey++,
					    snd_q[k].s, snd_q[k].seq);
				off += (uint32_t)r;
				continue;
			}
			/* Message `off' failed: its probe's error. */
			err = r == -1 && errno != 0 ? errno : EIO;
			e = &snd_q[off++];
			if ((sl = slot_find(e->s, e->seq)) != NULL &&
			    sl->state == SL_INFLIGHT)
				probe_error(e->s, sl, err);
		}
	}
}

/* Is the source address ours?  A throw-away UDP socket tells. */
static int
icmp_check_src(struct session *s, char *msg, size_t len)
{
	char	 a[INET6_ADDRSTRLEN];
	int	 fd, err = 0;

	if (s->srclen == 0)
		return 0;
	fd = socket(s->src.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&s->src, s->srclen) == -1)
		err = errno;
	if (fd != -1)
		close(fd);
	if (err != 0)
		snprintf(msg, len, "source %s: %s",
		    sa_str((struct sockaddr *)&s->src, a, sizeof(a)),
		    strerror(err));
	return err;
}

static int
icmp_start(struct session *s, char *msg, size_t len)
{
	int	 err;

	if ((err = icmp_check_src(s, msg, len)) != 0)
		return err;
	if (icmp_id_alloc(s) == -1) {
		snprintf(msg, len, "no free ICMP identifier");
		return EAGAIN;
	}
	s->isock = icmpsock_get(s->dst.sa.sa_family, wire_pmtu(s->p.pmtu),
	    s->p.interface);
	s->isock->refs++;
	if (s->isock->ready)
		s->state = SS_RUN;
	else {
		s->state = SS_WAIT;
		TAILQ_INSERT_TAIL(&s->isock->waiting, s, wentry);
	}
	return 0;
}

/*
 * udp: one connected socket per session.
 */

/* The status an ICMP error reported through IP_RECVERR stands for. */
static int
udp_error_status(const struct sock_extended_err *ee)
{
	if (ee->ee_origin == SO_EE_ORIGIN_ICMP) {
		switch (ee->ee_type) {
		case T4_UNREACH:
			if (ee->ee_code == C4_PORT)
				return PROBE_REFUSED;
			if (ee->ee_code == C4_NEEDFRAG)
				return PROBE_TOO_BIG;
			return PROBE_UNREACHABLE;
		case T4_TIMXCEED:
			return PROBE_TTL_EXCEEDED;
		case T4_PARAMPROB:
			return PROBE_PARAM_PROBLEM;
		}
	} else if (ee->ee_origin == SO_EE_ORIGIN_ICMP6) {
		switch (ee->ee_type) {
		case T6_UNREACH:
			if (ee->ee_code == C6_PORT)
				return PROBE_REFUSED;
			return PROBE_UNREACHABLE;
		case T6_TOOBIG:
			return PROBE_TOO_BIG;
		case T6_TIMXCEED:
			return PROBE_TTL_EXCEEDED;
		case T6_PARAMPROB:
			return PROBE_PARAM_PROBLEM;
		}
	}
	/* Local errors were returned by sendmsg() already. */
	return -1;
}

/*
 * An ICMP error for our socket.  The kernel hands back the part of our
 * datagram that the error quoted: when it holds our header, it names the
 * probe; when the quote is too short (a router quoting 8 bytes), it is
 * the probe's only when a single one is in flight.  With several, which
 * one it was is a guess (routers also rate-limit their errors, so they
 * do not come one per probe): it is counted, and the timeouts decide.
 */
static void
udp_icmp_error(struct session *s, const struct rxinfo *ri,
    const uint8_t *quote, size_t qlen)
{
	struct probe_udp	 pu;
	struct slot		*sl = NULL;
	struct sockaddr		*from;
	struct rxinfo		 rx;
	uint64_t		 n;
	int			 status;

	if ((status = udp_error_status(&ri->ee)) == -1)
		return;
	if (TASK_IS_TWAMP(s->p.type) && qlen >= 4) {
		/* Our sequence number leads the packet. */
		sl = slot_find(s, (uint32_t)quote[0] << 24 |
		    (uint32_t)quote[1] << 16 | (uint32_t)quote[2] << 8 |
		    quote[3]);
	} else if (probe_udp_decode(quote, qlen, &pu) == 0) {
		if (!probe_udp_cookie_eq(&pu, s->cookie)) {
			snd_count(CNT_FOREIGN);
			return;
		}
		sl = slot_find(s, pu.seq);
	} else if (s->inflight == 1) {
		for (n = s->oldest; n < s->nsent; n++) {
			sl = slot_find(s, s->p.first_seq + (uint32_t)n);
			if (sl != NULL && sl->state == SL_INFLIGHT)
				break;
			sl = NULL;
		}
	}
	if (sl == NULL || sl->state != SL_INFLIGHT) {
		snd_count(CNT_STALE);
		return;
	}
	from = ri->offender.ss_family != 0 ?
	    (struct sockaddr *)&ri->offender : (struct sockaddr *)&s->dst;
	/* The TTL of a router's error says nothing of the target's. */
	rx = *ri;
	if (status != PROBE_REFUSED)
		rx.ttl = -1;
	probe_answer(s, sl, (uint8_t)status, &rx, from,
	    status == PROBE_TOO_BIG ? ri->ee.ee_info : 0);
	session_check_end(s);
}

static void	 twamp_input(struct session *, const uint8_t *, size_t,
		    const struct rxinfo *);

static void
udp_read(int fd, short ev, void *arg)
{
	udp_drain(arg);
	sender_flush();
}

/* Read what waits on a udp session's socket; see icmp_drain(). */
static void
udp_drain(struct session *s)
{
	struct probe_udp	 pu;
	struct slot		*sl;
	struct rxinfo		 ri;
	int			 i, n, loops;

	tsock_errqueue(&s->us, s);
	for (loops = 0; loops < SND_READS && s->state == SS_RUN; loops++) {
		if ((n = tsock_recv(&s->us, 0, &ri.mono, &ri.real)) == -1)
			continue;	/* a pending ICMP error, queued */
		if (n == 0)
			break;
		for (i = 0; i < n && s->state == SS_RUN; i++) {
			rx_parse(&snd_rmsg[i].msg_hdr, &ri);
			if (TASK_IS_TWAMP(s->p.type)) {
				twamp_input(s, snd_rbuf[i], snd_rmsg[i].msg_len,
				    &ri);
				continue;
			}
			if (probe_udp_decode(snd_rbuf[i], snd_rmsg[i].msg_len,
			    &pu) == -1) {
				snd_count(CNT_MALFORMED);
				continue;
			}
			if (!probe_udp_cookie_eq(&pu, s->cookie)) {
				snd_count(CNT_FOREIGN);
				continue;
			}
			if ((sl = slot_find(s, pu.seq)) == NULL) {
				snd_count(CNT_STALE);
				continue;
			}
			probe_answer(s, sl, PROBE_OK, &ri,
			    (struct sockaddr *)&s->dst, 0);
			session_check_end(s);
		}
		if (n < SND_BATCH)
			break;
	}
}

/* Errors of connect() that say "not now" rather than "never". */
static int
udp_route_error(int err)
{
	switch (err) {
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
	case EACCES:		/* a "prohibit" route */
	case EAGAIN:
		return 1;
	}
	return 0;
}

static int
udp_start(struct session *s, char *msg, size_t len)
{
	const char	*what = "socket";
	int		 fd, err;

	fd = socket(s->dst.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		err = errno;
	else if ((err = sock_options(s, fd, SOCK_DGRAM, &what)) == 0) {
		what = "connect";
		if (connect(fd, (struct sockaddr *)&s->dst, s->dstlen) == 0)
			s->uconn = 1;
		else if (!udp_route_error(errno))
			err = errno;
	}
	if (err != 0) {
		if (fd != -1)
			close(fd);
		sock_errmsg(s, what, err, msg, len);
		return err;
	}
	tsock_init(&s->us, fd, s->dst.sa.sa_family, s->mask + 1);
	s->uev = event_new(proc_base, fd, EV_READ | EV_PERSIST, udp_read, s);
	if (s->uev == NULL || event_add(s->uev, NULL) == -1)
		fatalx("%s: event", __func__);
	s->state = SS_RUN;
	return 0;
}

/*
 * A session's connected UDP socket (udp, twamp, stamp): a socket that
 * could not connect (no route yet) tries again before a send.  0 or the
 * errno, the probe's send time set then.
 */
static int
udp_connect_once(struct session *s, struct slot *sl)
{
	if (s->uconn)
		return 0;
	sl->tx_real = clock_ns(CLOCK_REALTIME);
	sl->tx_mono = clock_ns(CLOCK_MONOTONIC);
	if (connect(s->us.fd, (struct sockaddr *)&s->dst, s->dstlen) == -1)
		return errno;
	s->uconn = 1;
	return 0;
}

/*
 * Send on a connected UDP socket (real, mono: the send time, or 0 to
 * read it now).  A pending ICMP error fails the next send once (the
 * kernel reports it then, and clears it): send again.
 */
static int
udp_send_again(struct session *s, struct slot *sl, size_t len,
    int64_t real, int64_t mono)
{
	int	 err;

	err = tsock_send_at(&s->us, s, sl, snd_sbuf, len, 0, real, mono);
	switch (err) {
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case EPROTO:
	case EMSGSIZE:
		err = tsock_send_at(&s->us, s, sl, snd_sbuf, len, 0, real,
		    mono);
		break;
	}
	return err;
}

static int
udp_send(struct session *s, struct slot *sl)
{
	ssize_t	 n;
	int	 err;

	if ((err = udp_connect_once(s, sl)) != 0)
		return err;
	n = probe_udp_encode(sl->seq, s->cookie, s->p.packet_size, snd_sbuf,
	    sizeof(snd_sbuf));
	if (n == -1) {
		sl->tx_real = clock_ns(CLOCK_REALTIME);
		sl->tx_mono = clock_ns(CLOCK_MONOTONIC);
		return EINVAL;
	}
	return udp_send_again(s, sl, (size_t)n, 0, 0);
}

/*
 * twamp, stamp: udp's socket, the codec's packets.
 */

/* The Error Estimate of our clock, read at most once a second. */
static uint16_t
twamp_errest(int64_t mono)
{
	struct timex	 tx;
	int64_t		 maxerr;
	int		 rc;

	if (snd_clock_at != 0 && mono - snd_clock_at < SND_CLOCKIVAL)
		return snd_errest;
	snd_clock_at = mono;
	memset(&tx, 0, sizeof(tx));
	if ((rc = adjtimex(&tx)) == -1 && snd_clock_sync != -1)
		log_warn("twamp: adjtimex: the clock's error is unknown, "
		    "sending 16 s unsynchronized");
	snd_errest = twamp_errest_clock(rc, &tx, &snd_clock_sync, &maxerr);
	return snd_errest;
}

/*
 * IMIX (padding -1): twampy's sizes, the UDP payloads of 64, 590 and
 * 1514-octet Ethernet frames (a 14-octet header, no FCS, then IP and
 * UDP), in a fixed pattern of 12 by sequence number: 7 small, 4 medium,
 * 1 large, interleaved, so that any 12 probes in a row have 7:4:1.
 */
static const uint8_t imix_pattern[TASK_IMIX_LEN] = {
	0, 1, 0, 0, 1, 0, 2, 0, 1, 0, 0, 1
};
static const uint16_t imix_frame[3] = { 64, 590, 1514 };

/*
 * A probe's UDP payload: packet_size (the header and the TLVs), or its
 * IMIX size when larger.  STAMP's IMIX padding is an Extra Padding TLV
 * after the task's TLVs, so too small an excess (1 to 3 octets) is left
 * out: *imixpad is the TLV's value length, or -1 for none.
 */
static size_t
twamp_size(const struct session *s, uint32_t seq, ssize_t *imixpad)
{
	size_t	 base = s->p.packet_size, hdrs, want;

	*imixpad = -1;
	if (!s->p.imix)
		return base;
	hdrs = 14 + 8 + (s->p.dst.family == AF_INET6 ? 40 : 20);
	want = imix_frame[imix_pattern[seq % TASK_IMIX_LEN]] - hdrs;
	if (want <= base)
		return base;
	if (s->p.type != TASK_STAMP)
		return want;
	if (want - base < STAMP_TLV_HDR_LEN)
		return base;
	*imixpad = (ssize_t)(want - base - STAMP_TLV_HDR_LEN);
	return want;
}

/*
 * STAMP's TLVs after the 44-octet header, as a Session-Sender sends them
 * (RFC 8972): U set, value fields left for the reflector (zeros), DSCP1
 * in Class of Service, Extra Padding pseudo-random, a numbered type's
 * value zeros.  -1 if they do not
 * fit (the sizes were checked when the task was made).
 */
static int
stamp_tlvs_put(const struct session *s, uint8_t *buf, size_t len,
    ssize_t imixpad)
{
	const struct task_tlv	*t;
	struct stamp_tlv_cos	 cos;
	struct stamp_tlv_tsinfo	 tsi;
	size_t			 off = STAMP_PKT_LEN;
	ssize_t			 n;
	uint32_t		 i;

	for (i = 0; i <= s->p.ntlvs && i < TASK_MAXTLVS + 1; i++) {
		t = i < s->p.ntlvs ? &s->p.tlvs[i] : NULL;
		if (t == NULL && imixpad < 0)
			break;
		if (t == NULL || t->type == STAMP_TLV_PADDING) {
			n = stamp_tlv_padding_encode(buf + off, len - off,
			    STAMP_TLV_SENDER_FLAGS, t == NULL ?
			    (size_t)imixpad : t->length);
			if (n > STAMP_TLV_HDR_LEN)
				arc4random_buf(buf + off + STAMP_TLV_HDR_LEN,
				    (size_t)n - STAMP_TLV_HDR_LEN);
		} else if (t->type == STAMP_TLV_TSINFO) {
			memset(&tsi, 0, sizeof(tsi));
			n = stamp_tlv_tsinfo_encode(buf + off, len - off,
			    STAMP_TLV_SENDER_FLAGS, &tsi);
		} else if (t->type == STAMP_TLV_COS) {
			memset(&cos, 0, sizeof(cos));
			cos.dscp1 = t->dscp;
			n = stamp_tlv_cos_encode(buf + off, len - off,
			    STAMP_TLV_SENDER_FLAGS, &cos);
		} else
			n = stamp_tlv_encode(buf + off, len - off,
			    STAMP_TLV_SENDER_FLAGS, t->type, NULL, t->length);
		if (n == -1)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/*
 * The sender packet, T1 the realtime clock read now, which is also the
 * probe's send time (tsock_send_at).  A pending ICMP error fails the
 * next send once: send again, as udp.
 */
static int
twamp_send(struct session *s, struct slot *sl)
{
	struct twamp_sender	 ts;
	int64_t			 real, mono;
	ssize_t			 n, imixpad;
	size_t			 size;
	int			 err;

	if ((err = udp_connect_once(s, sl)) != 0)
		return err;
	memset(&ts, 0, sizeof(ts));
	ts.seq = sl->seq;
	ts.ssid = (uint16_t)s->p.ssid;
	ts.errest = twamp_errest(clock_ns(CLOCK_MONOTONIC));
	mono = clock_ns(CLOCK_MONOTONIC);
	real = clock_ns(CLOCK_REALTIME);
	ts.ts = twamp_ntp_from_ns(real);
	size = twamp_size(s, sl->seq, &imixpad);
	if (s->p.type == TASK_STAMP) {
		n = stamp_sender_encode(&ts, size, snd_sbuf,
		    sizeof(snd_sbuf));
		if (n != -1 && stamp_tlvs_put(s, snd_sbuf, (size_t)n,
		    imixpad) == -1)
			n = -1;
	} else
		n = twamp_sender_encode(&ts, size, snd_sbuf,
		    sizeof(snd_sbuf));
	if (n == -1) {
		sl->tx_real = real;
		sl->tx_mono = mono;
		return EINVAL;
	}
	/* T1 in the packet is the probe's send time. */
	return udp_send_again(s, sl, (size_t)n, real, mono);
}

/*
 * The TLVs of a STAMP reply to a task that sent some (RFC 8972 section
 * 4: a TLV with U is skipped, M stops the processing): how many came
 * back with U and with M (or cut short), and the values the reflector
 * filled in its Timestamp Information and Class of Service.
 */
static void
stamp_tlvs_read(const uint8_t *buf, size_t len, struct probe_result *pr)
{
	struct stamp_tlv_iter	 it;
	struct stamp_tlv	 t;
	struct stamp_tlv_cos	 cos;
	struct stamp_tlv_tsinfo	 tsi;
	const uint8_t		*v;
	int			 rc;

	pr->twflags |= PROBE_TW_TLV;
	stamp_tlv_iter_init(&it, buf, len);
	while ((rc = stamp_tlv_next(&it, &t)) == 1) {
		if (t.flags & STAMP_TLV_F_M) {
			if (pr->tlv_m < UINT8_MAX)
				pr->tlv_m++;
			return;
		}
		if (t.flags & STAMP_TLV_F_U) {
			if (pr->tlv_u < UINT8_MAX)
				pr->tlv_u++;
			continue;
		}
		v = buf + t.value_off;
		if (t.type == STAMP_TLV_TSINFO &&
		    stamp_tlv_tsinfo_decode(v, t.len, &tsi) == 0) {
			pr->tsinfo[0] = tsi.sync_in;
			pr->tsinfo[1] = tsi.method_in;
			pr->tsinfo[2] = tsi.sync_out;
			pr->tsinfo[3] = tsi.method_out;
			pr->tlv_flags |= PROBE_TLV_TSINFO;
		} else if (t.type == STAMP_TLV_COS &&
		    stamp_tlv_cos_decode(v, t.len, &cos) == 0) {
			pr->tlv_cos = (uint8_t)((cos.dscp2 << 2) |
			    (cos.ecn & 0x3));
			pr->tlv_flags |= PROBE_TLV_COS |
			    (uint8_t)((cos.rp & 0x3) << PROBE_TLV_RP_SHIFT);
		}
	}
	if (rc == -1 && pr->tlv_m < UINT8_MAX)
		pr->tlv_m++;
}

/*
 * A datagram on a twamp or stamp session's socket: a reply that decodes
 * is matched by the sequence number it copied from our packet (and the
 * SSID, STAMP); T2 and T3 are the reflector's, on its clock.
 */
static void
twamp_input(struct session *s, const uint8_t *buf, size_t len,
    const struct rxinfo *ri)
{
	struct twamp_reflector	 r;
	struct twamp_errest	 e1, e2;
	struct twamp_obs	 o;
	struct twamp_delays	 d;
	struct probe_result	*pr;
	struct slot		*sl;
	int			 rc;

	if (s->p.type == TASK_STAMP)
		rc = stamp_reflector_decode(buf, len, &r);
	else
		rc = twamp_reflector_decode(buf, len, &r);
	if (rc == -1) {
		snd_count(CNT_MALFORMED);
		return;
	}
	if (s->p.type == TASK_STAMP && r.ssid != (uint16_t)s->p.ssid) {
		snd_count(CNT_FOREIGN);
		return;
	}
	if ((sl = slot_find(s, r.snd_seq)) == NULL) {
		snd_count(CNT_STALE);
		return;
	}
	/*
	 * The reflector copies our T1 back: as the cookie of a ping, a
	 * reply that does not carry the one this probe left with is not
	 * its answer (a stale session's, or forged).
	 */
	if (r.snd_ts != twamp_ntp_from_ns(sl->tx_real)) {
		snd_count(CNT_FOREIGN);
		return;
	}
	if ((pr = probe_answer(s, sl, PROBE_OK, ri,
	    (struct sockaddr *)&s->dst, 0)) == NULL)
		return;
	/* T1 and T4 on our clock: the RTT we measured is T4 - T1. */
	memset(&o, 0, sizeof(o));
	o.seq = sl->seq;
	o.rseq = r.seq;
	o.t1 = pr->t_sent;
	o.t4 = pr->t_sent + pr->rtt_ns;
	o.t2 = twamp_ntp_to_ns(r.rx_ts);
	o.t3 = twamp_ntp_to_ns(r.ts);
	o.sent_ttl = s->p.ttl > 0 ? s->p.ttl : TASK_DEF_TWAMP_TTL;
	o.sender_ttl = r.snd_ttl;
	o.reply_ttl = ri->ttl > 0 && ri->ttl <= 255 ? ri->ttl : -1;
	twamp_errest_decode(r.errest, &e1);
	twamp_errest_decode(r.snd_errest, &e2);
	o.unsync = !e1.sync || !e2.sync;
	twamp_delays(&o, &d);

	pr->rtt_ns = d.rtt;
	pr->t2 = o.t2;
	pr->t3 = o.t3;
	pr->t4 = o.t4;
	pr->rseq = r.seq;
	pr->twflags = PROBE_TW_REPLY;
	if (r.snd_ttl >= 0 && r.snd_ttl <= 255) {
		pr->sender_ttl = (uint8_t)r.snd_ttl;
		pr->twflags |= PROBE_TW_SNDTTL;
	}
	pr->fwd_hops = (int8_t)(d.fwd_hops >= 0 && d.fwd_hops <= 127 ?
	    d.fwd_hops : -1);
	pr->bwd_hops = (int8_t)(d.bwd_hops >= 0 && d.bwd_hops <= 127 ?
	    d.bwd_hops : -1);
	if (o.unsync)
		pr->twflags |= PROBE_TW_UNSYNC;
	/*
	 * Short (twampy), or an Error Estimate RFC 4656 forbids (multiplier
	 * 0, the reflector's or our copied one): accepted, flagged.
	 */
	if (r.flags & (TWAMP_F_NONCONFORMANT | TWAMP_F_ERREST_BAD |
	    TWAMP_F_SND_ERREST_BAD))
		pr->twflags |= PROBE_TW_NONCONF;
	if (s->p.type == TASK_STAMP && s->p.ntlvs > 0 && r.tlv_off <= len)
		stamp_tlvs_read(buf + r.tlv_off, len - r.tlv_off, pr);
	session_check_end(s);
}

/*
 * twamp, control: true: full TWAMP (RFC 5357).  Before the schedule, a
 * non-blocking TCP connection to the target (the TWAMP-Control server)
 * negotiates one test session, step by step on this loop, each reply
 * under sender.twamp_response_timeout: greeting (mode 1, Count checked
 * and capped at sender.twamp_max_count), Set-Up-Response, Server-Start,
 * Request-TW-Session for the session's UDP socket (bound first, so its
 * address and port are known), Accept-Session (its port is the test
 * destination), Start-Sessions, Start-Ack.  Then the probes run as
 * TWAMP-light's, and when the session is over (replies in or timed out,
 * or stopped) Stop-Sessions goes out and the connection is closed.  Any
 * refusal, early close or silence ends the session with an error that
 * says which step and why.
 */

static const char *
twc_waiting(int state)
{
	switch (state) {
	case TWC_GREETING:
		return "Server Greeting";
	case TWC_SERVER_START:
		return "Server-Start";
	case TWC_ACCEPT:
		return "Accept-Session";
	case TWC_START_ACK:
		return "Start-Ack";
	}
	return "nothing";
}

static void
twc_fail(struct session *s, int err, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
twc_fail(struct session *s, int err, const char *fmt, ...)
{
	char	 msg[LOPA_ERRLEN];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	session_end(s, err, msg);
}

/* "198.18.0.2 port 862" */
static const char *
twc_peer(const struct session *s, char *buf, size_t len)
{
	char	 a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s port %u", sa_str((const struct sockaddr *)
	    &s->dst, a, sizeof(a)), s->ctl->cport);
	return buf;
}

static void
twc_arm(struct session *s, int64_t ns)
{
	struct timeval	 tv = ns_tv(ns);

	if (evtimer_add(s->ctl->tev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

/* Send what waits; -1 when the session ended. */
static int
twc_flush(struct session *s)
{
	struct twctl	*c = s->ctl;
	ssize_t		 n;

	while (c->outlen > 0) {
		n = write(c->fd, c->out, c->outlen);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (event_add(c->wev, NULL) == -1)
				fatalx("%s: event_add", __func__);
			return 0;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			twc_fail(s, n == -1 ? errno : EPIPE, "TWAMP-Control: "
			    "send: %s", strerror(n == -1 ? errno : EPIPE));
			return -1;
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	return 0;
}

/* Queue a message and send it; -1 when the session ended. */
static int
twc_send(struct session *s, const uint8_t *buf, ssize_t len)
{
	struct twctl	*c = s->ctl;

	if (len <= 0 || (size_t)len > sizeof(c->out) - c->outlen) {
		twc_fail(s, EINVAL, "TWAMP-Control: cannot encode a message");
		return -1;
	}
	memcpy(c->out + c->outlen, buf, (size_t)len);
	c->outlen += (size_t)len;
	return twc_flush(s);
}

/* Wait for the next reply, `need' octets, under the response timeout. */
static void
twc_expect(struct session *s, int state, size_t need)
{
	s->ctl->state = state;
	s->ctl->need = need;
	s->ctl->inlen = 0;
	twc_arm(s, proc_conf->sender_twamp_response_timeout);
}

/*
 * The test socket: udp's, bound (to source_ip, else to our end of the
 * control connection) but not connected until the port is known.
 */
static int
twc_udp_open(struct session *s, struct twamp_client_req *rq)
{
	union snd_sa	 a;
	socklen_t	 alen;
	const char	*what = "socket";
	char		 msg[LOPA_ERRLEN];
	int		 fd, err;

	fd = socket(s->dst.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		err = errno;
	else if ((err = sock_options(s, fd, SOCK_DGRAM, &what)) == 0 &&
	    s->srclen == 0) {
		a = s->ctl->local;
		a.sin.sin_port = 0;
		what = "bind";
		if (bind(fd, &a.sa, a.sa.sa_family == AF_INET ?
		    sizeof(a.sin) : sizeof(a.sin6)) == -1)
			err = errno;
	}
	alen = sizeof(a);
	if (err == 0 && getsockname(fd, &a.sa, &alen) == -1) {
		what = "getsockname";
		err = errno;
	}
	if (err != 0) {
		if (fd != -1)
			close(fd);
		sock_errmsg(s, what, err, msg, sizeof(msg));
		session_end(s, err, msg);
		return -1;
	}
	tsock_init(&s->us, fd, s->dst.sa.sa_family, s->mask + 1);
	memset(rq, 0, sizeof(*rq));
	rq->family = s->dst.sa.sa_family;
	if (rq->family == AF_INET) {
		memcpy(rq->sender_addr, &a.sin.sin_addr, 4);
		rq->sender_port = ntohs(a.sin.sin_port);
		memcpy(rq->receiver_addr, &s->dst.sin.sin_addr, 4);
	} else {
		memcpy(rq->sender_addr, &a.sin6.sin6_addr, 16);
		rq->sender_port = ntohs(a.sin6.sin6_port);
		memcpy(rq->receiver_addr, &s->dst.sin6.sin6_addr, 16);
	}
	rq->receiver_port = (uint16_t)s->p.receiver_port;
	rq->padding = s->p.packet_size - TWAMP_SENDER_LEN;
	rq->start_time = twamp_ntp_from_ns(clock_ns(CLOCK_REALTIME));
	rq->timeout_ns = s->p.timeout_ns;
	rq->dscp = s->p.dscp;
	return 0;
}

/* Start-Ack came: the test runs against the accepted port. */
static void
twc_testing(struct session *s, uint16_t port)
{
	char	 a[INET6_ADDRSTRLEN];

	evtimer_del(s->ctl->tev);
	s->ctl->state = TWC_TESTING;
	s->ctl->need = 0;
	if (s->dst.sa.sa_family == AF_INET)
		s->dst.sin.sin_port = htons(port);
	else
		s->dst.sin6.sin6_port = htons(port);
	/* Not now: twamp_send() connects when it can (udp_route_error). */
	if (connect(s->us.fd, &s->dst.sa, s->dstlen) == 0)
		s->uconn = 1;
	s->uev = event_new(proc_base, s->us.fd, EV_READ | EV_PERSIST,
	    udp_read, s);
	if (s->uev == NULL || event_add(s->uev, NULL) == -1)
		fatalx("%s: event", __func__);
	log_debug("session %u: TWAMP-Control: session accepted, testing "
	    "%s port %u", s->sid, sa_str(&s->dst.sa, a, sizeof(a)), port);
	session_begin(s);
}

/* A whole reply is in: check it, send what comes next. */
static void
twc_message(struct session *s)
{
	struct twctl		*c = s->ctl;
	struct twamp_client_req	 rq;
	uint8_t			 buf[TWAMP_SETUP_RESP_LEN];
	char			 err[LOPA_ERRLEN];
	uint32_t		 count;
	uint16_t		 port;

	switch (c->state) {
	case TWC_GREETING:
		if (twamp_client_greeting(c->in, c->inlen,
		    proc_conf->sender_twamp_max_count, &count, err,
		    sizeof(err)) == -1) {
			session_end(s, EPROTO, err);
			return;
		}
		log_debug("session %u: TWAMP-Control: greeting, Count %u",
		    s->sid, count);
		if (twc_send(s, buf, twamp_client_setup(buf,
		    sizeof(buf))) == -1)
			return;
		twc_expect(s, TWC_SERVER_START, TWAMP_SERVER_START_LEN);
		break;
	case TWC_SERVER_START:
		if (twamp_client_server_start(c->in, c->inlen, err,
		    sizeof(err)) == -1) {
			session_end(s, EPROTO, err);
			return;
		}
		if (twc_udp_open(s, &rq) == -1 ||
		    twc_send(s, buf, twamp_client_request(&rq, buf,
		    sizeof(buf))) == -1)
			return;
		twc_expect(s, TWC_ACCEPT, TWAMP_ACCEPT_SESSION_LEN);
		break;
	case TWC_ACCEPT:
		if (twamp_client_accept_session(c->in, c->inlen, &port, err,
		    sizeof(err)) == -1) {
			session_end(s, EPROTO, err);
			return;
		}
		s->p.dst.port = port;
		if (twc_send(s, buf, twamp_client_start(buf,
		    sizeof(buf))) == -1)
			return;
		twc_expect(s, TWC_START_ACK, TWAMP_START_ACK_LEN);
		break;
	case TWC_START_ACK:
		if (twamp_client_start_ack(c->in, c->inlen, err,
		    sizeof(err)) == -1) {
			session_end(s, EPROTO, err);
			return;
		}
		twc_testing(s, (uint16_t)s->p.dst.port);
		break;
	}
}

static void
twc_read(int fd, short ev, void *arg)
{
	struct session	*s = arg;
	struct twctl	*c = s->ctl;
	uint8_t		 junk[256];
	char		 peer[INET6_ADDRSTRLEN + 16];
	ssize_t		 n;

	if (c->state == TWC_TESTING) {
		/* The server has nothing to say now: its close ends it. */
		n = read(fd, junk, sizeof(junk));
		if (n == 0)
			twc_fail(s, ECONNRESET, "TWAMP-Control: %s closed the "
			    "connection during the test", twc_peer(s, peer,
			    sizeof(peer)));
		else if (n == -1 && errno != EAGAIN && errno != EINTR)
			twc_fail(s, errno, "TWAMP-Control: %s: %s during the "
			    "test", twc_peer(s, peer, sizeof(peer)),
			    strerror(errno));
		sender_flush();
		return;
	}
	if (c->need == 0 || c->inlen >= c->need)
		return;
	n = read(fd, c->in + c->inlen, c->need - c->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		twc_fail(s, n == 0 ? ECONNRESET : errno, "TWAMP-Control: %s "
		    "%s%s before its %s", twc_peer(s, peer, sizeof(peer)),
		    n == 0 ? "closed the connection" : "",
		    n == 0 ? "" : strerror(errno), twc_waiting(c->state));
		sender_flush();
		return;
	}
	c->inlen += (size_t)n;
	if (c->inlen == c->need)
		twc_message(s);
	sender_flush();
}

/* The connect's outcome, or room for the output. */
static void
twc_write(int fd, short ev, void *arg)
{
	struct session	*s = arg;
	struct twctl	*c = s->ctl;
	socklen_t	 len;
	char		 peer[INET6_ADDRSTRLEN + 16];
	int		 err = 0;

	if (c->state != TWC_CONNECT) {
		(void)twc_flush(s);
		sender_flush();
		return;
	}
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	len = sizeof(c->local);
	if (err == 0 && getsockname(fd, &c->local.sa, &len) == -1)
		err = errno;
	if (err != 0) {
		twc_fail(s, err, "TWAMP-Control: connect to %s: %s",
		    twc_peer(s, peer, sizeof(peer)), strerror(err));
		sender_flush();
		return;
	}
	if (event_add(c->rev, NULL) == -1)
		fatalx("%s: event_add", __func__);
	twc_expect(s, TWC_GREETING, TWAMP_GREETING_LEN);
	sender_flush();
}

static void
twc_timeout(int fd, short ev, void *arg)
{
	struct session	*s = arg;
	char		 peer[INET6_ADDRSTRLEN + 16];

	if (s->ctl->state == TWC_CONNECT)
		twc_fail(s, ETIMEDOUT, "TWAMP-Control: connect to %s: no "
		    "answer within %llds (sender.twamp_connect_timeout)",
		    twc_peer(s, peer, sizeof(peer)), (long long)
		    (proc_conf->sender_twamp_connect_timeout / NS));
	else
		twc_fail(s, ETIMEDOUT, "TWAMP-Control: no %s from %s within "
		    "%llds (sender.twamp_response_timeout)",
		    twc_waiting(s->ctl->state), twc_peer(s, peer,
		    sizeof(peer)), (long long)
		    (proc_conf->sender_twamp_response_timeout / NS));
	sender_flush();
}

/* The control connection, before anything else of the session. */
static int
twc_start(struct session *s, char *msg, size_t len)
{
	struct twctl	*c;
	union snd_sa	 src;
	const char	*what = "socket";
	int		 fd, err = 0, on = 1;

	fd = socket(s->dst.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		err = errno;
	if (err == 0 && s->p.interface[0] != '\0') {
		what = "SO_BINDTODEVICE";
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE,
		    s->p.interface, strlen(s->p.interface)) == -1)
			err = errno;
	}
	/* One message per segment: what the Wireshark dissector wants. */
	if (err == 0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
	    sizeof(on)) == -1) {
		what = "TCP_NODELAY";
		err = errno;
	}
	if (err == 0 && s->srclen != 0) {
		src = s->src;
		what = "bind";
		if (bind(fd, &src.sa, s->srclen) == -1)
			err = errno;
	}
	if (err == 0 && connect(fd, &s->dst.sa, s->dstlen) == -1 &&
	    errno != EINPROGRESS) {
		what = "TWAMP-Control connect";
		err = errno;
	}
	if (err != 0) {
		if (fd != -1)
			close(fd);
		sock_errmsg(s, what, err, msg, len);
		return err;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("%s: calloc", __func__);
	c->fd = fd;
	c->state = TWC_CONNECT;
	c->cport = (uint16_t)s->p.dst.port;
	s->ctl = c;
	c->rev = event_new(proc_base, fd, EV_READ | EV_PERSIST, twc_read, s);
	c->wev = event_new(proc_base, fd, EV_WRITE, twc_write, s);
	c->tev = evtimer_new(proc_base, twc_timeout, s);
	if (c->rev == NULL || c->wev == NULL || c->tev == NULL ||
	    event_add(c->wev, NULL) == -1)
		fatalx("%s: event", __func__);
	twc_arm(s, proc_conf->sender_twamp_connect_timeout);
	return 0;
}

/*
 * The session is over (session_end): Stop-Sessions when the test ran,
 * then close.  Written at once: 32 octets on a connection otherwise
 * idle.  What the server may have sent is read first, so that the close
 * is a FIN, not a reset that could overtake the Stop-Sessions.
 */
static void
twc_close(struct session *s)
{
	struct twctl	*c = s->ctl;
	uint8_t		 buf[TWAMP_STOP_SESSIONS_LEN], junk[256];
	ssize_t		 n;
	int		 k;

	if (c->fd == -1)
		return;
	event_del(c->rev);
	event_del(c->wev);
	evtimer_del(c->tev);
	if (c->state == TWC_TESTING) {
		n = twamp_client_stop(buf, sizeof(buf));
		if (n > 0 && (size_t)n <= sizeof(c->out) - c->outlen) {
			memcpy(c->out + c->outlen, buf, (size_t)n);
			c->outlen += (size_t)n;
		}
		n = write(c->fd, c->out, c->outlen);
		if (n != (ssize_t)c->outlen)
			log_debug("session %u: TWAMP-Control: Stop-Sessions "
			    "not sent: %s", s->sid, n == -1 ?
			    strerror(errno) : "short write");
	}
	for (k = 0; k < 4; k++)
		if (read(c->fd, junk, sizeof(junk)) <= 0)
			break;
	close(c->fd);
	c->fd = -1;
}

/*
 * tcp: a connect per probe.
 */

static void
tcp_done(int fd, short ev, void *arg)
{
	struct tcp_probe	*tp = arg;
	struct session		*s = tp->s;
	struct slot		*sl;
	struct probe_result	*pr;
	struct tcp_info		 ti;
	socklen_t		 len;
	int64_t			 mono, rtt;
	int			 err;

	if (tp->early) {
		err = tp->early_err;
		mono = tp->early_mono;
	} else {
		mono = clock_ns(CLOCK_MONOTONIC);
		len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
	}
	memset(&ti, 0, sizeof(ti));
	len = sizeof(ti);
	if (err == 0 && getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti,
	    &len) == 0 && ti.tcpi_state == TCP_SYN_SENT) {
		/* Not yet: a spurious wake-up. */
		event_add(tp->ev, NULL);
		return;
	}
	sl = slot_find(s, tp->seq);
	if (sl == NULL || sl->tcp != tp)
		fatalx("%s: probe %u of session %u lost", __func__, tp->seq,
		    s->sid);
	rtt = mono - sl->tx_mono;
	if (rtt < 0)
		rtt = 0;
	if (err == 0 && len >= offsetof(struct tcp_info,
	    tcpi_total_retrans) + sizeof(ti.tcpi_total_retrans) &&
	    (ti.tcpi_total_retrans != 0 || ti.tcpi_retransmits != 0)) {
		/*
		 * The kernel sent the SYN again (after ~1 s): the first
		 * SYN or its SYN-ACK was lost.  The probe is lost, as a
		 * ping whose request was dropped, even though the retry
		 * connected within our timeout.
		 */
		pr = probe_record(s, sl, PROBE_LOST);
	} else if (err != 0 && err != ECONNREFUSED) {
		pr = probe_record(s, sl, PROBE_ERROR);
		pr->err = (uint16_t)err;
	} else {
		pr = probe_record(s, sl, err == 0 ? PROBE_OK : PROBE_REFUSED);
		pr->rtt_ns = rtt;
		pr->tsrc = TS_CONNECT;
		/*
		 * The kernel's RTT sample of the handshake, when there is
		 * one: no SYN was sent again (Karn, checked above), the
		 * handshake is over (the server may have closed already:
		 * CLOSE_WAIT keeps the sample), and it lies inside what we
		 * measured around it (1 us for its rounding).
		 */
		if (err == 0 && len >= offsetof(struct tcp_info,
		    tcpi_total_retrans) + sizeof(ti.tcpi_total_retrans) &&
		    ti.tcpi_state != TCP_SYN_SENT &&
		    ti.tcpi_state != TCP_CLOSE &&
		    ti.tcpi_rtt > 0 &&
		    (int64_t)ti.tcpi_rtt * 1000 <= rtt + 1000) {
			pr->rtt_ns = (int64_t)ti.tcpi_rtt * 1000;
			pr->tsrc = TS_TCP_INFO;
		}
		addr_to_task((struct sockaddr *)&s->dst, &pr->from);
	}
	session_check_end(s);
	sender_flush();
}

static int
tcp_send(struct session *s, struct slot *sl)
{
	struct tcp_probe	*tp;
	const char		*what;
	int			 fd, err;

	fd = socket(s->dst.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		err = errno;
	else
		err = sock_options(s, fd, SOCK_STREAM, &what);
	if (err != 0) {
		if (fd != -1)
			close(fd);
		sl->tx_real = clock_ns(CLOCK_REALTIME);
		sl->tx_mono = clock_ns(CLOCK_MONOTONIC);
		return err;
	}
	if ((tp = calloc(1, sizeof(*tp))) == NULL)
		fatal("%s: calloc", __func__);
	tp->s = s;
	tp->seq = sl->seq;
	tp->fd = fd;
	if ((tp->ev = event_new(proc_base, fd, EV_WRITE, tcp_done, tp)) ==
	    NULL)
		fatalx("%s: event_new", __func__);
	sl->tx_real = clock_ns(CLOCK_REALTIME);
	sl->tx_mono = clock_ns(CLOCK_MONOTONIC);
	err = connect(fd, (struct sockaddr *)&s->dst, s->dstlen) == 0 ? 0 :
	    errno;
	if (err == 0 || err == ECONNREFUSED) {
		/* Decided at once: report it from the callback, after SENT. */
		tp->early = 1;
		tp->early_err = err;
		tp->early_mono = clock_ns(CLOCK_MONOTONIC);
		event_active(tp->ev, EV_WRITE, 0);
	} else if (err == EINPROGRESS) {
		if (event_add(tp->ev, NULL) == -1)
			fatalx("%s: event_add", __func__);
	} else {
		event_free(tp->ev);
		close(fd);
		free(tp);
		return err;
	}
	sl->tcp = tp;
	return 0;
}

/* The options and the source address work: try them on one socket. */
static int
tcp_start(struct session *s, char *msg, size_t len)
{
	const char	*what = "socket";
	int		 fd, err = 0;

	fd = socket(s->dst.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		err = errno;
	else
		err = sock_options(s, fd, SOCK_STREAM, &what);
	if (fd != -1)
		close(fd);
	if (err != 0) {
		sock_errmsg(s, what, err, msg, len);
		return err;
	}
	s->state = SS_RUN;
	return 0;
}

/*
 * Schedule.
 */

static void
session_arm_timeout(struct session *s, const struct slot *sl)
{
	/* On the wake-up grid too: a timeout shares the turn of sends. */
	sched_set(SCHED_TIMEOUT, s, send_time(s, sl->tx_mono +
	    s->p.timeout_ns));
}

static void
probe_send(struct session *s)
{
	struct probe_result	*pr;
	struct slot		*sl;
	uint32_t		 seq;
	int			 err = EINVAL;

	seq = s->p.first_seq + (uint32_t)s->nsent;
	sl = &s->ring[seq & s->mask];
	/* Only when the ring is at its largest: its time is up. */
	if (sl->state == SL_INFLIGHT)
		probe_lost(s, sl);
	memset(sl, 0, sizeof(*sl));
	sl->seq = seq;
	s->nsent++;
	switch (s->p.type) {
	case TASK_PING:
		err = icmp_send(s, sl);
		break;
	case TASK_UDP:
		err = udp_send(s, sl);
		break;
	case TASK_TWAMP:
	case TASK_STAMP:
		err = twamp_send(s, sl);
		break;
	case TASK_TCP:
		err = tcp_send(s, sl);
		break;
	}
	pr = res_new(s, seq, PROBE_K_SENT);
	pr->t_sent = sl->tx_real;
	if (err != 0) {
		probe_failed(s, sl, err);
		return;
	}
	sl->state = SL_INFLIGHT;
	s->inflight++;
	if (!sched_pending(SCHED_TIMEOUT, s))
		session_arm_timeout(s, sl);
}

/* When probe n is due; 0 when the session sends no more. */
static int
session_due(struct session *s, int64_t *due)
{
	int64_t	 off;

	if (s->p.count != 0 && s->nsent >= s->p.count)
		return 0;
	if (s->nsent > INT64_MAX / (uint64_t)s->p.interval_ns)
		return 0;
	off = (int64_t)s->nsent * s->p.interval_ns;
	if (off > INT64_MAX - s->start)
		return 0;
	/* A duration counts from the first start, slips included. */
	if (s->p.duration_ns != 0 &&
	    s->start + off - s->start0 >= s->p.duration_ns)
		return 0;
	*due = s->start + off;
	return 1;
}

/* The wake-up grid of a session: SND_QUANTUM_NS, at most interval / 8. */
static int64_t
quantum(const struct session *s)
{
	int64_t	 q = SND_QUANTUM_NS;

	if (q > s->p.interval_ns / 8)
		q = s->p.interval_ns / 8;
	return q;
}

/*
 * When to wake up for a probe due at `due': rounded up to a multiple of
 * the session's quantum of the monotonic clock, so that the probes of
 * many sessions due close together leave in one wake-up (one timerfd
 * expiry, one loop turn, one sendmmsg) instead of one each.  Sessions
 * start on that grid (session_begin), so with an interval that is a
 * multiple of the quantum a probe leaves when it is due; otherwise at
 * most a quantum late.  Its RTT is measured from when it really left.
 */
static int64_t
send_time(const struct session *s, int64_t due)
{
	int64_t	 q = quantum(s), r;

	if (q <= 0 || (r = due % q) == 0 || due > INT64_MAX - q)
		return due;
	return due + (q - r);
}

/* The first probe: now, rounded up to the session's wake-up grid. */
static void
session_begin(struct session *s)
{
	s->state = SS_RUN;
	s->start = s->start0 = send_time(s, clock_ns(CLOCK_MONOTONIC));
	session_send_due(s);
}

/*
 * Send what is due, arm for the next.  Woken more than an interval late
 * (the process was stopped, or the host starved it), it does not send
 * the backlog in a burst, which would measure the burst and overrun the
 * ring: the schedule moves on by whole intervals, as ping(8) does, and
 * the probe due last goes now.  The count of probes stays exact.
 */
static void
session_send_due(struct session *s)
{
	int64_t		 now, due, k;

	now = clock_ns(CLOCK_MONOTONIC);
	while (s->state == SS_RUN && !s->sending_done) {
		if (!session_due(s, &due)) {
			s->sending_done = 1;
			break;
		}
		if (due > now) {
			sched_set(SCHED_SEND, s, send_time(s, due));
			break;
		}
		if (now - due > s->p.interval_ns) {
			k = (now - due) / s->p.interval_ns;
			s->start += k * s->p.interval_ns;
			snd_countn(CNT_SLIP, (uint64_t)k);
			continue;
		}
		probe_send(s);
	}
	session_check_end(s);
}

/*
 * The schedules of all sessions (sends, timeouts): one timer each for the
 * earliest wake-up, so that every session due at a wake-up is served in
 * the same callback and their ICMP probes leave in one sendmmsg per
 * socket.  Cheaper than a libevent timer per session, in memory too.
 */
static int
sched_less(const struct sched *q, uint32_t a, uint32_t b)
{
	return q->h[a]->wake[q->k] < q->h[b]->wake[q->k];
}

static void
sched_swap(struct sched *q, uint32_t a, uint32_t b)
{
	struct session	*t = q->h[a];

	q->h[a] = q->h[b];
	q->h[b] = t;
	q->h[a]->hidx[q->k] = a + 1;
	q->h[b]->hidx[q->k] = b + 1;
}

static void
sched_fix(struct sched *q, uint32_t i)
{
	uint32_t	 c;

	while (i > 0 && sched_less(q, i, (i - 1) / 2)) {
		sched_swap(q, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && sched_less(q, c + 1, c))
			c++;
		if (!sched_less(q, c, i))
			break;
		sched_swap(q, i, c);
		i = c;
	}
}

/* Arm the timer for the earliest wake-up, unless it is armed for it. */
static void
sched_arm(struct sched *q)
{
	struct timeval	 tv;

	if (q->in_cb)
		return;		/* sched_cb arms once at its end */
	if (q->n == 0) {
		if (q->at != 0)
			evtimer_del(q->ev);
		q->at = 0;
		return;
	}
	if (q->at == q->h[0]->wake[q->k])
		return;
	q->at = q->h[0]->wake[q->k];
	tv = ns_tv(q->at - clock_ns(CLOCK_MONOTONIC));
	if (evtimer_add(q->ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

static int
sched_pending(int k, const struct session *s)
{
	return s->hidx[k] != 0;
}

static void
sched_del(int k, struct session *s)
{
	struct sched	*q = &snd_sched[k];
	uint32_t	 i;

	if (s->hidx[k] == 0)
		return;
	i = s->hidx[k] - 1;
	s->hidx[k] = 0;
	if (i != --q->n) {
		q->h[i] = q->h[q->n];
		q->h[i]->hidx[k] = i + 1;
		sched_fix(q, i);
	}
	sched_arm(q);
}

static void
sched_set(int k, struct session *s, int64_t wake)
{
	struct sched	 *q = &snd_sched[k];
	struct session	**h;
	uint32_t	  ncap;

	s->wake[k] = wake;
	if (s->hidx[k] == 0) {
		if (q->n == q->cap) {
			ncap = q->cap == 0 ? 64 : q->cap * 2;
			if ((h = reallocarray(q->h, ncap, sizeof(*h))) == NULL)
				fatal("%s: reallocarray", __func__);
			q->h = h;
			q->cap = ncap;
		}
		q->h[q->n] = s;
		s->hidx[k] = ++q->n;
	}
	sched_fix(q, s->hidx[k] - 1);
	sched_arm(q);
}

static void
sched_cb(int fd, short ev, void *arg)
{
	struct sched	*q = arg;
	struct session	*s;
	int64_t		 now;
	uint32_t	 n;

	q->at = 0;
	q->in_cb = 1;
	now = clock_ns(CLOCK_MONOTONIC);
	/* Bounded: each session once per wake-up. */
	for (n = q->n; n > 0 && q->n > 0 && q->h[0]->wake[q->k] <= now; n--) {
		s = q->h[0];
		sched_del(q->k, s);
		if (q->k == SCHED_SEND)
			session_send_due(s);
		else
			session_timeout(s);
	}
	q->in_cb = 0;
	sendq_flush();
	sched_arm(q);
	sender_flush();
}

/*
 * Every probe past its timeout is lost; arm for the next deadline.  A
 * reply may already wait, unread, on the socket (the timer and the
 * socket became ready in the same turn of the loop): the socket is read
 * once before the first loss is declared.
 */
static void
session_timeout(struct session *s)
{
	struct slot	*sl;
	int64_t		 now;
	int		 drained = 0;

	now = clock_ns(CLOCK_MONOTONIC);
	while (s->state == SS_RUN && s->oldest < s->nsent) {
		sl = slot_find(s, s->p.first_seq + (uint32_t)s->oldest);
		if (sl == NULL || sl->state != SL_INFLIGHT) {
			s->oldest++;
			continue;
		}
		if (sl->tx_mono + s->p.timeout_ns > now) {
			session_arm_timeout(s, sl);
			break;
		}
		if (!drained) {
			drained = 1;
			if (s->p.type == TASK_PING && s->isock != NULL)
				icmp_drain(s->isock);
			else if ((s->p.type == TASK_UDP ||
			    TASK_IS_TWAMP(s->p.type)) && s->us.fd != -1)
				udp_drain(s);
			continue;	/* this probe again */
		}
		probe_lost(s, sl);
		s->oldest++;
	}
	session_check_end(s);
}

/*
 * Over when nothing more will be sent and every fate is known; ended at
 * the end of the callback, so that a duplicate read in the same batch as
 * the last reply still counts as one.
 */
static void
session_check_end(struct session *s)
{
	if (s->state == SS_RUN && s->sending_done && s->inflight == 0 &&
	    !s->ending) {
		s->ending = 1;
		TAILQ_INSERT_TAIL(&snd_ending, s, eentry);
	}
}

/* Close everything; the struct itself is freed after the callback. */
static void
session_end(struct session *s, int error, const char *msg)
{
	struct session_end	 se;
	uint32_t		 i;

	if (s->state == SS_ENDED)
		return;
	if (s->ending) {
		TAILQ_REMOVE(&snd_ending, s, eentry);
		s->ending = 0;
	}
	sendq_flush();		/* its probes leave, */
	results_send();		/* its results go before its end */
	memset(&se, 0, sizeof(se));
	se.sent = (uint32_t)s->nsent;
	se.error = error;
	if (msg != NULL)
		strlcpy(se.msg, msg, sizeof(se.msg));
	proc_compose(PROC_ENGINE, IMSG_SESSION_END, s->sid, 0, -1, &se,
	    sizeof(se));
	if (error != 0)
		log_debug("session %u: %s", s->sid, msg != NULL ? msg :
		    strerror(error));
	else
		log_debug("session %u: over, %llu sent", s->sid,
		    (unsigned long long)s->nsent);

	sched_del(SCHED_SEND, s);
	sched_del(SCHED_TIMEOUT, s);
	if (s->ring != NULL)
		for (i = 0; i <= s->mask; i++)
			tcp_probe_free(&s->ring[i]);
	if (s->uev != NULL)
		event_del(s->uev);
	tsock_free(&s->us);
	if (s->ctl != NULL)
		twc_close(s);
	if (s->has_id) {
		RB_REMOVE(snd_icmpids, &snd_icmpids, s);
		s->has_id = 0;
	}
	if (s->isock != NULL) {
		if (s->state == SS_WAIT)
			TAILQ_REMOVE(&s->isock->waiting, s, wentry);
		s->isock->refs--;
		s->isock = NULL;
	}
	RB_REMOVE(snd_sessions, &snd_sessions, s);
	s->state = SS_ENDED;
	TAILQ_INSERT_TAIL(&snd_zombies, s, dentry);
}

static void
session_free(struct session *s)
{
	if (s->uev != NULL)
		event_free(s->uev);
	if (s->ctl != NULL) {
		if (s->ctl->rev != NULL)
			event_free(s->ctl->rev);
		if (s->ctl->wev != NULL)
			event_free(s->ctl->wev);
		if (s->ctl->tev != NULL)
			event_free(s->ctl->tev);
		free(s->ctl);
	}
	free(s->ring);
	free(s);
}

/* End of a callback: results out, ended sessions and sockets freed. */
static void
sender_flush(void)
{
	struct session	*s;
	struct timeval	 tv = { 0, SND_FLUSH_US };

	sendq_flush();
	while ((s = TAILQ_FIRST(&snd_ending)) != NULL)
		session_end(s, 0, NULL);
	/*
	 * Results wait up to SND_FLUSH_US, so that a probe's send and its
	 * fate, and many sessions' results, leave in one write and reach
	 * the engine in one wake-up rather than two messages per probe.
	 */
	if (snd_outlen > 0 && !evtimer_pending(snd_flush_ev, NULL) &&
	    evtimer_add(snd_flush_ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
	while ((s = TAILQ_FIRST(&snd_zombies)) != NULL) {
		TAILQ_REMOVE(&snd_zombies, s, dentry);
		session_free(s);
	}
	icmpsock_reap();
}

static void
sender_flush_cb(int fd, short ev, void *arg)
{
	results_send();
}

/* Parameters the engine should not send; an error text, or NULL. */
static const char *
session_params_check(const struct session_params *p)
{
	size_t	 max;

	if (p->type != TASK_PING && p->type != TASK_TCP &&
	    p->type != TASK_UDP && !TASK_IS_TWAMP(p->type))
		return "unsupported probe type";
	if (p->dst.family != AF_INET && p->dst.family != AF_INET6)
		return "bad destination address family";
	if (p->src.family != 0 && p->src.family != p->dst.family)
		return "source and destination address families differ";
	if (p->type != TASK_PING && (p->dst.port == 0 || p->dst.port > 65535))
		return "bad destination port";
	if (p->interval_ns < TASK_MIN_INTERVAL || p->timeout_ns <= 0 ||
	    p->duration_ns < 0)
		return "bad interval, timeout or duration";
	if (p->ttl < 0 || p->ttl > 255 || p->dscp < -1 || p->dscp > 63 ||
	    p->pmtu > PMTU_PROBE)
		return "bad ttl, dscp or pmtu";
	max = p->dst.family == AF_INET ? ICMP_CODEC_MAXPAYLOAD4 :
	    ICMP_CODEC_MAXPAYLOAD6;
	if (p->type == TASK_PING && (p->packet_size < ICMP_CODEC_COOKIELEN ||
	    p->packet_size > max))
		return "bad ICMP payload size";
	if (p->type == TASK_UDP && (p->packet_size < PROBE_UDP_HDRLEN ||
	    p->packet_size > PROBE_UDP_MAXLEN))
		return "bad UDP payload size";
	if (TASK_IS_TWAMP(p->type) && (p->packet_size < (p->type ==
	    TASK_STAMP ? STAMP_PKT_LEN : TWAMP_SENDER_LEN) ||
	    p->packet_size > PROBE_UDP_MAXLEN || p->ssid > 65535))
		return "bad TWAMP/STAMP payload size or SSID";
	if ((p->control && p->type != TASK_TWAMP) || p->receiver_port > 65535)
		return "bad TWAMP-Control parameters";
	if (p->ntlvs > TASK_MAXTLVS || (p->ntlvs > 0 && p->type != TASK_STAMP))
		return "bad STAMP TLVs";
	return NULL;
}

/* Probes remembered: twice those in flight at once, so late replies and
 * duplicates are still recognised a timeout after the fate. */
static uint32_t
session_ring_size(const struct session_params *p)
{
	uint64_t	 want;
	uint32_t	 cap, max;

	max = p->type == TASK_PING ? SND_RING_ICMP_MAX : SND_RING_MAX;
	want = (uint64_t)(p->timeout_ns / p->interval_ns) + 2;
	want = want > max ? max : want * 2;
	if (p->count != 0 && want > p->count)
		want = p->count;
	for (cap = SND_RING_MIN; cap < want && cap < max; cap <<= 1)
		;
	return cap;
}

static void
session_start(struct imsg *imsg)
{
	struct session	*s;
	const char	*bad;
	char		 msg[LOPA_ERRLEN], a[INET6_ADDRSTRLEN];
	uint32_t	 cap;
	int		 err;

	if (imsg_check_len(imsg, sizeof(s->p)))
		fatalx("bad IMSG_SESSION_START");
	if (session_find(imsg->hdr.id) != NULL)
		fatalx("IMSG_SESSION_START: session %u exists", imsg->hdr.id);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("%s: calloc", __func__);
	s->sid = imsg->hdr.id;
	s->us.fd = -1;
	memcpy(&s->p, imsg->data, sizeof(s->p));
	s->p.interface[sizeof(s->p.interface) - 1] = '\0';
	RB_INSERT(snd_sessions, &snd_sessions, s);

	s->state = SS_WAIT;
	if ((bad = session_params_check(&s->p)) != NULL) {
		log_warnx("session %u: %s", s->sid, bad);
		session_end(s, EINVAL, bad);
		return;
	}
	s->dstlen = task_to_sa(&s->p.dst, &s->dst);
	if (s->p.type == TASK_PING)
		((struct sockaddr_in *)(void *)&s->dst)->sin_port = 0;
	if (s->p.src.family != 0) {
		s->srclen = task_to_sa(&s->p.src, &s->src);
		((struct sockaddr_in *)(void *)&s->src)->sin_port = 0;
	}
	cap = session_ring_size(&s->p);
	if ((s->ring = calloc(cap, sizeof(*s->ring))) == NULL)
		fatal("%s: calloc", __func__);
	s->mask = cap - 1;
	arc4random_buf(s->cookie, sizeof(s->cookie));

	memset(msg, 0, sizeof(msg));
	switch (s->p.type) {
	case TASK_PING:
		err = icmp_start(s, msg, sizeof(msg));
		break;
	case TASK_TWAMP:
		if (s->p.control) {
			err = twc_start(s, msg, sizeof(msg));
			break;
		}
		/* FALLTHROUGH */
	case TASK_UDP:
	case TASK_STAMP:
		err = udp_start(s, msg, sizeof(msg));
		break;
	default:
		err = tcp_start(s, msg, sizeof(msg));
		break;
	}
	if (err != 0) {
		session_end(s, err, msg);
		return;
	}
	log_debug("session %u: %s to %s, %u probes every %lld us, first seq "
	    "%u%s", s->sid, task_type_name(s->p.type),
	    sa_str((struct sockaddr *)&s->dst, a, sizeof(a)), s->p.count,
	    (long long)(s->p.interval_ns / 1000), s->p.first_seq,
	    s->state != SS_WAIT ? "" : s->ctl != NULL ? ", TWAMP-Control "
	    "first" : ", waiting for its socket");
	if (s->state == SS_RUN)
		session_begin(s);
}

static void
session_stop(uint32_t sid)
{
	struct session	*s;

	/* Unknown: it ended on its own and the engine had not heard yet. */
	if ((s = session_find(sid)) == NULL)
		return;
	session_end(s, 0, NULL);
}

static void
sender_init(void)
{
	uint8_t	 b[2];

	/* Seed the generator while its sources are still reachable. */
	arc4random_buf(b, sizeof(b));
	if ((snd_flush_ev = evtimer_new(proc_base, sender_flush_cb, NULL)) ==
	    NULL || (snd_sched[SCHED_SEND].ev = evtimer_new(proc_base,
	    sched_cb, &snd_sched[SCHED_SEND])) == NULL ||
	    (snd_sched[SCHED_TIMEOUT].ev = evtimer_new(proc_base, sched_cb,
	    &snd_sched[SCHED_TIMEOUT])) == NULL)
		fatalx("%s: evtimer_new", __func__);
	snd_idcursor = (uint16_t)(b[0] << 8 | b[1]);
}

/*
 * The kernel turns RX timestamping on for the whole stack when a socket
 * asks for it, but only some time later (a deferred static key), and off
 * again when the last such socket closes: the first replies on a fresh
 * socket would come without a stamp.  One idle socket keeps it on.
 */
static void
sender_start(void)
{
	int	 flags;

	flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;

	snd_tskeep = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (snd_tskeep == -1 || setsockopt(snd_tskeep, SOL_SOCKET,
	    SO_TIMESTAMPING, &flags, sizeof(flags)) == -1)
		log_warn("RX timestamping kept on");
	log_debug("started");
}

static int
sender_dispatch_parent(struct imsg *imsg)
{
	if (imsg->hdr.type != IMSG_FD_REPLY)
		return -1;
	icmp_fd_reply(imsg);
	sender_flush();
	return 0;
}

/* control asks for the counters. */
static void
sender_stats(struct imsg *imsg)
{
	struct snd_status	 st;
	struct session		*s;
	struct icmpsock		*is;

	if (imsg_check_len(imsg, 0))
		fatalx("bad IMSG_SND_STATS");
	memset(&st, 0, sizeof(st));
	RB_FOREACH(s, snd_sessions, &snd_sessions)
		st.sessions++;
	TAILQ_FOREACH(is, &snd_isocks, entry)
		st.icmp_sockets++;
	memcpy(st.counts, snd_counts, sizeof(st.counts));
	proc_compose(PROC_CONTROL, IMSG_SND_STATS_REPLY, 0, imsg->hdr.reqid,
	    -1, &st, sizeof(st));
}

static int
sender_dispatch_peer(enum lopa_proc from, struct imsg *imsg)
{
	if (from == PROC_CONTROL && imsg->hdr.type == IMSG_SND_STATS) {
		sender_stats(imsg);
		return 0;
	}
	if (from != PROC_ENGINE)
		return -1;
	switch (imsg->hdr.type) {
	case IMSG_SESSION_START:
		session_start(imsg);
		break;
	case IMSG_SESSION_STOP:
		if (imsg_check_len(imsg, 0))
			fatalx("bad IMSG_SESSION_STOP");
		session_stop(imsg->hdr.id);
		break;
	default:
		return -1;
	}
	sender_flush();
	return 0;
}

const struct proc_role sender_role = {
	.role = PROC_SENDER,
	.precise_timer = 1,
	.init = sender_init,
	.start = sender_start,
	.dispatch_parent = sender_dispatch_parent,
	.dispatch_peer = sender_dispatch_peer,
};
