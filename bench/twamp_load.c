/*
 * Benchmark helper (not a test): a TWAMP-light / STAMP load generator.
 *
 *	twamp_load [-Su] [-d seconds] [-r pps] [-s padding] [-w wait_ms]
 *	    addr port
 *
 * Sends unauthenticated Session-Sender packets to addr port: TWAMP-Test
 * (RFC 5357 section 4.1.2: 14 octets, then -s octets of non-zero padding,
 * so that a padded request never looks like STAMP) or with -S STAMP
 * (RFC 8762: 44 octets, then with -s an RFC 8972 Extra Padding TLV of -s
 * octets, 4 of them its header).  At -r packets per second (default
 * 1000), paced on CLOCK_MONOTONIC (start + n / rate) with clock_nanosleep,
 * several packets per sendmmsg when the rate is above MAXWAKE; -r 0 sends
 * flat out, a batch at a time.  For -d seconds (default 5), then waits
 * -w ms (default 500) for the last replies.
 *
 * Replies are read with non-blocking recvmmsg on the same (connected)
 * socket and matched by the Sender Sequence Number they carry (RFC 5357
 * section 4.2.1 reflector layout, the same offsets in STAMP).  Prints one
 * line:
 *	sent N received N pps_sent X pps_received X rtt_p50_ns X
 *	t3_t2_p50_ns X t3_t2_p99_ns X rtt_p99_ns X rtt_net_p50_ns X
 *	rtt_source kernel|user|mixed unmatched N dup N short N send_err N
 * rtt is T4 - T1 (the reflector's own time included), rtt_net is
 * (T4 - T1) - (T3 - T2) (RFC 5357's round trip); t3_t2 is the
 * reflector's processing time from its Receive Timestamp and Timestamp.
 * T1 and T4 are the kernel's software TX and RX timestamps
 * (SO_TIMESTAMPING; the TX stamp from the error queue, keyed by
 * SOF_TIMESTAMPING_OPT_ID) when the kernel gives them, else (or with -u)
 * CLOCK_REALTIME just before sendmmsg and just after recvmmsg.
 * Percentiles are exact up to NSAMPLE samples, from a uniform reservoir
 * sample beyond; memory is bounded (RING in-flight slots).
 *
 * IPv4 or IPv6 literal addresses only.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS		1000000000LL
#define NTP_OFFSET	2208988800ULL	/* 1900 to 1970, seconds */
#define BATCH		64
#define MAXWAKE		20000		/* paced wake-ups per second, at most */
#define RING		(1 << 18)	/* in-flight slots, by sequence number */
#define NSAMPLE		(1 << 20)	/* exact percentiles up to this many */
#define MAXPKT		9000
#define TWAMP_SLEN	14
#define TWAMP_RLEN	41
#define STAMP_LEN	44
#define ERREST		0x0001		/* S 0, Z 0, scale 0, multiplier 1 */
#define CMSGSZ		256

struct slot {
	uint32_t	 seq;
	int		 used;
	int		 got;
	int64_t		 t1u;		/* realtime before sendmmsg */
	int64_t		 t1k;		/* kernel TX stamp, 0 if none */
};

struct sample {
	int64_t		*v;
	size_t		 n;		/* kept */
	uint64_t	 seen;
};

static struct slot	 ring[RING];
static struct sample	 s_rtt, s_net, s_proc;
static uint8_t		 sbuf[BATCH][MAXPKT], rbuf[BATCH][MAXPKT];
static uint8_t		 rcmsg[BATCH][CMSGSZ], ecmsg[BATCH][CMSGSZ];
static struct mmsghdr	 smsg[BATCH], rmsg[BATCH], emsg[BATCH];
static struct iovec	 siov[BATCH], riov[BATCH];
static uint64_t		 nsent, nrecv, nunmatched, ndup, nshort, nsenderr;
static uint64_t		 nrefused, nrttk, nrttu, ntxbad;
static int		 kstamps;
static uint64_t		 rnd = 0x9e3779b97f4a7c15ULL;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: twamp_load [-Su] [-d seconds] [-r pps] "
	    "[-s padding] [-w wait_ms] addr port\n");
	exit(2);
}

static long long
num(const char *s, long long min, long long max, const char *what)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		errx(2, "%s: %s: not a number in %lld..%lld", what, s, min,
		    max);
	return v;
}

static int64_t
clock_ns(clockid_t c)
{
	struct timespec	 ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* Unix ns to NTP 64-bit (RFC 4656 section 4.1.2). */
static void
put_ntp(uint8_t *p, int64_t t)
{
	uint64_t	 sec = (uint64_t)(t / NS) + NTP_OFFSET;
	uint64_t	 frac = ((uint64_t)(t % NS) << 32) / NS;

	put32(p, (uint32_t)sec);
	put32(p + 4, (uint32_t)frac);
}

/* The difference of two NTP timestamps in ns (b - a). */
static int64_t
ntp_diff_ns(uint64_t a, uint64_t b)
{
	int64_t	 d = (int64_t)(b - a);	/* 2^-32 s units */

	return (int64_t)(((__int128)d * NS) >> 32);
}

static uint64_t
xorshift(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 7;
	rnd ^= rnd << 17;
	return rnd;
}

static void
sample_init(struct sample *s)
{
	if ((s->v = calloc(NSAMPLE, sizeof(*s->v))) == NULL)
		err(1, "calloc");
}

/* Algorithm R: a uniform sample of at most NSAMPLE values. */
static void
sample_add(struct sample *s, int64_t v)
{
	uint64_t	 k;

	s->seen++;
	if (s->n < NSAMPLE) {
		s->v[s->n++] = v;
		return;
	}
	k = xorshift() % s->seen;
	if (k < NSAMPLE)
		s->v[k] = v;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile; -1 without samples. */
static int64_t
pct(struct sample *s, double p)
{
	size_t	 k;

	if (s->n == 0)
		return -1;
	k = (size_t)(p * s->n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > s->n)
		k = s->n;
	return s->v[k - 1];
}

/* The kernel's software stamp from SCM_TIMESTAMPING, 0 if none. */
static int64_t
cmsg_stamp(struct msghdr *m)
{
	struct cmsghdr			*c;
	struct scm_timestamping		 st;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET ||
		    c->cmsg_type != SO_TIMESTAMPING ||
		    c->cmsg_len < CMSG_LEN(sizeof(st)))
			continue;
		memcpy(&st, CMSG_DATA(c), sizeof(st));
		return (int64_t)st.ts[0].tv_sec * NS + st.ts[0].tv_nsec;
	}
	return 0;
}

static void
stamps_on(int s)
{
	int	 f;

	f = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_TX_SOFTWARE |
	    SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
	    SOF_TIMESTAMPING_OPT_TSONLY;
	if (setsockopt(s, SOL_SOCKET, SO_TIMESTAMPING, &f, sizeof(f)) == -1) {
		warn("SO_TIMESTAMPING: user-space timestamps instead");
		return;
	}
	kstamps = 1;
}

/* TX stamps from the error queue: their key is our sequence number. */
static void
drain_errqueue(int s)
{
	struct cmsghdr			*c;
	struct sock_extended_err	 ee;
	struct slot			*sl;
	int64_t				 t;
	int				 i, n, have;

	for (;;) {
		for (i = 0; i < BATCH; i++) {
			emsg[i].msg_hdr.msg_control = ecmsg[i];
			emsg[i].msg_hdr.msg_controllen = CMSGSZ;
		}
		n = recvmmsg(s, emsg, BATCH, MSG_ERRQUEUE | MSG_DONTWAIT,
		    NULL);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			struct msghdr	*m = &emsg[i].msg_hdr;

			t = cmsg_stamp(m);
			have = 0;
			for (c = CMSG_FIRSTHDR(m); c != NULL;
			    c = CMSG_NXTHDR(m, c)) {
				if (!((c->cmsg_level == SOL_IP &&
				    c->cmsg_type == IP_RECVERR) ||
				    (c->cmsg_level == SOL_IPV6 &&
				    c->cmsg_type == IPV6_RECVERR)))
					continue;
				if (c->cmsg_len < CMSG_LEN(sizeof(ee)))
					continue;
				memcpy(&ee, CMSG_DATA(c), sizeof(ee));
				if (ee.ee_errno == ENOMSG && ee.ee_origin ==
				    SO_EE_ORIGIN_TIMESTAMPING)
					have = 1;
			}
			if (!have || t == 0)
				continue;
			sl = &ring[ee.ee_data & (RING - 1)];
			if (!sl->used || sl->seq != ee.ee_data)
				continue;
			/* A key that is not our sequence number shows. */
			if (t < sl->t1u || t > sl->t1u + NS) {
				ntxbad++;
				continue;
			}
			sl->t1k = t;
		}
		if (n < BATCH)
			return;
	}
}

static void
recv_replies(int s)
{
	struct slot	*sl;
	uint8_t		*p;
	uint32_t	 seq;
	int64_t		 t4u, t4, t1, rtt, proc;
	int		 i, n, kern;

	for (;;) {
		for (i = 0; i < BATCH; i++) {
			riov[i].iov_base = rbuf[i];
			riov[i].iov_len = MAXPKT;
			rmsg[i].msg_hdr.msg_iov = &riov[i];
			rmsg[i].msg_hdr.msg_iovlen = 1;
			rmsg[i].msg_hdr.msg_control = rcmsg[i];
			rmsg[i].msg_hdr.msg_controllen = kstamps ? CMSGSZ : 0;
		}
		n = recvmmsg(s, rmsg, BATCH, MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno == ECONNREFUSED) {
				nrefused++;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				warn("recvmmsg");
			return;
		}
		t4u = clock_ns(CLOCK_REALTIME);
		for (i = 0; i < n; i++) {
			p = rbuf[i];
			if (rmsg[i].msg_len < TWAMP_RLEN) {
				nshort++;
				continue;
			}
			seq = get32(p + 24);
			sl = &ring[seq & (RING - 1)];
			if (!sl->used || sl->seq != seq) {
				nunmatched++;
				continue;
			}
			if (sl->got) {
				ndup++;
				continue;
			}
			sl->got = 1;
			nrecv++;
			t4 = kstamps ? cmsg_stamp(&rmsg[i].msg_hdr) : 0;
			kern = t4 != 0 && sl->t1k != 0;
			if (!kern)
				t4 = t4u;
			t1 = kern ? sl->t1k : sl->t1u;
			if (kern)
				nrttk++;
			else
				nrttu++;
			rtt = t4 - t1;
			proc = ntp_diff_ns(get64(p + 16), get64(p + 4));
			sample_add(&s_rtt, rtt);
			sample_add(&s_net, rtt - proc);
			sample_add(&s_proc, proc);
		}
		if (n < BATCH)
			return;
	}
}

static void
collect(int s)
{
	if (kstamps)
		drain_errqueue(s);
	recv_replies(s);
}

/* Sends n packets from sequence number nsent on; returns how many went. */
static int
send_batch(int s, int n, size_t len)
{
	struct slot	*sl;
	int64_t		 t;
	uint32_t	 seq;
	int		 i, r;

	t = clock_ns(CLOCK_REALTIME);
	for (i = 0; i < n; i++) {
		seq = (uint32_t)(nsent + i);
		put32(sbuf[i], seq);
		put_ntp(sbuf[i] + 4, t);
		siov[i].iov_base = sbuf[i];
		siov[i].iov_len = len;
		smsg[i].msg_hdr.msg_iov = &siov[i];
		smsg[i].msg_hdr.msg_iovlen = 1;
		sl = &ring[seq & (RING - 1)];
		sl->seq = seq;
		sl->used = 1;
		sl->got = 0;
		sl->t1u = t;
		sl->t1k = 0;
	}
	r = sendmmsg(s, smsg, n, MSG_DONTWAIT);
	if (r == -1) {
		if (errno == ECONNREFUSED)
			nrefused++;
		else
			nsenderr++;
		r = 0;
	}
	/* Slots of packets that did not go must not match. */
	for (i = r; i < n; i++)
		ring[(uint32_t)(nsent + i) & (RING - 1)].used = 0;
	nsent += r;
	return r;
}

static void
sleep_until(int64_t t)
{
	struct timespec	 ts;

	ts.tv_sec = t / NS;
	ts.tv_nsec = t % NS;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

/*
 * Without kernel RX stamps the wait is a poll on the socket, so that a
 * reply is stamped when it comes rather than at the next send.
 */
static void
wait_until(int s, int64_t t)
{
	struct pollfd	 pfd;
	struct timespec	 ts;
	int64_t		 d;

	if (kstamps) {
		sleep_until(t);
		return;
	}
	while ((d = t - clock_ns(CLOCK_MONOTONIC)) > 0) {
		pfd.fd = s;
		pfd.events = POLLIN;
		ts.tv_sec = d / NS;
		ts.tv_nsec = d % NS;
		if (ppoll(&pfd, 1, &ts, NULL) > 0)
			recv_replies(s);
	}
}

static void
fill_packet(uint8_t *p, size_t len, int stamp)
{
	size_t	 i;

	memset(p, 0, len);
	put32(p, 0);
	p[12] = ERREST >> 8;
	p[13] = ERREST & 0xff;
	if (stamp) {
		if (len > STAMP_LEN) {
			/* Extra Padding TLV: flags 0, type 1, length. */
			p[STAMP_LEN + 1] = 1;
			p[STAMP_LEN + 2] = (len - STAMP_LEN - 4) >> 8;
			p[STAMP_LEN + 3] = (len - STAMP_LEN - 4) & 0xff;
		}
		return;
	}
	/* Non-zero, so that 30 or more octets do not read as STAMP. */
	for (i = TWAMP_SLEN; i < len; i++)
		p[i] = 0xa5 ^ (uint8_t)i;
}

static int
open_socket(const char *addr, const char *port, int user)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sl;
	int			 s, v;

	memset(&ss, 0, sizeof(ss));
	v = (int)num(port, 1, 65535, "port");
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(v);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(v);
		sl = sizeof(*sin6);
	} else
		errx(2, "%s: not an IPv4 or IPv6 address", addr);
	if ((s = socket(ss.ss_family, SOCK_DGRAM, 0)) == -1)
		err(1, "socket");
	v = 8 << 20;
	/* Root may go past net.core.[rw]mem_max; others get what they can. */
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	if (connect(s, (struct sockaddr *)&ss, sl) == -1)
		err(1, "connect %s port %s", addr, port);
	if (!user)
		stamps_on(s);
	return s;
}

int
main(int argc, char *argv[])
{
	const char	*src;
	size_t		 len;
	int64_t		 start, end, now, due, pad = 0;
	int64_t		 waitns = 500 * 1000000LL;
	double		 rate = 1000, secs = 5, dt;
	uint64_t	 k;
	int		 ch, s, n, per, stamp = 0, user = 0;

	while ((ch = getopt(argc, argv, "d:r:Ss:uw:")) != -1) {
		switch (ch) {
		case 'd':
			secs = num(optarg, 1, 86400, "seconds");
			break;
		case 'r':
			rate = num(optarg, 0, 100000000, "rate");
			break;
		case 'S':
			stamp = 1;
			break;
		case 's':
			pad = num(optarg, 0, MAXPKT - STAMP_LEN, "padding");
			break;
		case 'u':
			user = 1;
			break;
		case 'w':
			waitns = num(optarg, 0, 60000, "wait") * 1000000;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	if (stamp && pad != 0 && pad < 4)
		errx(2, "STAMP padding is an Extra Padding TLV: 0 or >= 4");
	len = (stamp ? STAMP_LEN : TWAMP_SLEN) + pad;

	/* Timer slack: the pacing wants the wake-up on time. */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	s = open_socket(argv[optind], argv[optind + 1], user);
	for (n = 0; n < BATCH; n++)
		fill_packet(sbuf[n], len, stamp);
	sample_init(&s_rtt);
	sample_init(&s_net);
	sample_init(&s_proc);

	/* Packets per wake-up: one, or more above MAXWAKE per second. */
	per = rate > MAXWAKE ? (int)((rate + MAXWAKE - 1) / MAXWAKE) : 1;
	if (per > BATCH)
		per = BATCH;
	start = clock_ns(CLOCK_MONOTONIC);
	end = start + (int64_t)(secs * NS);
	for (;;) {
		now = clock_ns(CLOCK_MONOTONIC);
		if (now >= end)
			break;
		if (rate == 0) {
			(void)send_batch(s, BATCH, len);
			collect(s);
			continue;
		}
		/* Everything due by now, a batch at a time. */
		k = (uint64_t)((double)(now - start) * rate / NS) + 1;
		while (nsent < k) {
			n = k - nsent > BATCH ? BATCH : (int)(k - nsent);
			if (send_batch(s, n, len) < n)
				break;
		}
		collect(s);
		due = start + (int64_t)((double)(nsent + per - 1) * NS / rate);
		if (due > end)
			due = end;
		wait_until(s, due);
	}
	dt = (double)(clock_ns(CLOCK_MONOTONIC) - start) / NS;
	end = clock_ns(CLOCK_MONOTONIC) + waitns;
	while ((now = clock_ns(CLOCK_MONOTONIC)) < end) {
		collect(s);
		if (nrecv == nsent)
			break;
		wait_until(s, now + 1000000 < end ? now + 1000000 : end);
	}
	collect(s);

	qsort(s_rtt.v, s_rtt.n, sizeof(int64_t), cmp64);
	qsort(s_net.v, s_net.n, sizeof(int64_t), cmp64);
	qsort(s_proc.v, s_proc.n, sizeof(int64_t), cmp64);
	src = nrttk == 0 ? "user" : nrttu == 0 ? "kernel" : "mixed";
	printf("sent %llu received %llu pps_sent %.0f pps_received %.0f "
	    "rtt_p50_ns %lld t3_t2_p50_ns %lld t3_t2_p99_ns %lld "
	    "rtt_p99_ns %lld rtt_net_p50_ns %lld rtt_source %s "
	    "rtt_kernel %llu rtt_user %llu unmatched %llu dup %llu "
	    "short %llu send_err %llu refused %llu tx_key_bad %llu\n",
	    (unsigned long long)nsent, (unsigned long long)nrecv,
	    nsent / dt, nrecv / dt, (long long)pct(&s_rtt, 0.5),
	    (long long)pct(&s_proc, 0.5), (long long)pct(&s_proc, 0.99),
	    (long long)pct(&s_rtt, 0.99), (long long)pct(&s_net, 0.5), src,
	    (unsigned long long)nrttk, (unsigned long long)nrttu,
	    (unsigned long long)nunmatched, (unsigned long long)ndup,
	    (unsigned long long)nshort, (unsigned long long)nsenderr,
	    (unsigned long long)nrefused, (unsigned long long)ntxbad);
	return 0;
}
