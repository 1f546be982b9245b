/*
 * Benchmark helper (not a test): the reference for lopad's TWAMP-light /
 * STAMP Session-Reflector, as small and fast as a correct stateless
 * reflector gets.
 *
 *	twamp_refl [-ek] [-t seconds] addr port
 *
 * Binds addr port (IPv4 or IPv6 literal), prints "ready", then loops: a
 * blocking recvmmsg (MSG_WAITFORONE) of up to BATCH datagrams, T2 =
 * CLOCK_REALTIME read once right after it; each request becomes its
 * reply in place: STAMP (RFC 8762 section 4.3.1, 44 octets, SSID echoed,
 * whatever follows octet 44 returned as it came) when it is at least 44
 * octets with octets 16-43 zero (the rule in PROTOCOLS.md), else
 * TWAMP-light (RFC 5357 section 4.2.1: 41 octets, the sender's padding
 * less 27 octets, so max(41, request)); requests under 14 octets are
 * dropped.  Stateless: the reply's sequence number is the sender's.  The
 * Error Estimate is a fixed valid value (S 0, scale 22, multiplier 1:
 * about 1 ms).  T3 = CLOCK_REALTIME read once just before sendmmsg.  At
 * exit (SIGINT, SIGTERM, or -t seconds) prints
 * "received N reflected N malformed N batches N".
 *
 * Two options make it a measure of what lopad's design costs rather than
 * a bare minimum: -k takes T2 from the kernel's RX timestamp
 * (SO_TIMESTAMPNS), as lopad does, so its T3 - T2 includes the wake-up
 * and the system calls as lopad's does (the floor of that figure on this
 * machine); -e waits in epoll_wait and reads with a non-blocking
 * recvmmsg, as an event loop does (one system call more per wake-up).
 *
 * What it lacks compared with lopad's reflector, i.e. the work lopad
 * does per packet and this does not:
 *  - kernel RX timestamps (SO_TIMESTAMPING) for T2: here one clock read
 *    per batch, after the system call, so T2 is late by the batch;
 *  - the Sender TTL: IP_RECVTTL / IPV6_RECVHOPLIMIT are not read, the
 *    field is 0; replies keep the default TTL, not 255;
 *  - replying from the address the request went to (IP_PKTINFO): it
 *    replies from the bound address, so it must not be bound to a
 *    wildcard on a multi-address host;
 *  - the reflector.allow ACL, per-source token buckets and the global
 *    rate cap, refusal of loop-prone source ports and of broadcast or
 *    multicast sources and destinations;
 *  - counters by drop reason and per listener for the API, logging;
 *  - STAMP TLV processing (RFC 8972): bytes after octet 44 are returned
 *    as they came; no stateful mode; an error estimate from adjtimex;
 *  - an event loop: it blocks in recvmmsg with nothing else to serve.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS		1000000000LL
#define NTP_OFFSET	2208988800ULL
#define BATCH		64
#define MAXPKT		9216
#define TWAMP_SLEN	14
#define TWAMP_RLEN	41
#define STAMP_LEN	44
#define ERREST		0x1601

static uint8_t		 buf[BATCH][MAXPKT];
static struct sockaddr_storage from[BATCH];
static struct iovec	 iov[BATCH];
static struct mmsghdr	 rmsg[BATCH], smsg[BATCH];
static union {
	struct cmsghdr	 hdr;
	uint8_t		 buf[CMSG_SPACE(sizeof(struct timespec))];
} cbuf[BATCH];
static volatile sig_atomic_t quit;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: twamp_refl [-ek] [-t seconds] addr port\n");
	exit(2);
}

static void
onsig(int sig)
{
	(void)sig;
	quit = 1;
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

static void
put_ntp(uint8_t *p, const struct timespec *ts)
{
	uint32_t	 sec = (uint32_t)((uint64_t)ts->tv_sec + NTP_OFFSET);
	uint32_t	 frac = (uint32_t)(((uint64_t)ts->tv_nsec << 32) / NS);

	p[0] = sec >> 24;
	p[1] = sec >> 16;
	p[2] = sec >> 8;
	p[3] = sec;
	p[4] = frac >> 24;
	p[5] = frac >> 16;
	p[6] = frac >> 8;
	p[7] = frac;
}

static int
is_stamp(const uint8_t *p, size_t len)
{
	size_t	 i;

	if (len < STAMP_LEN)
		return 0;
	for (i = 16; i < STAMP_LEN; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/*
 * Turns request p of len octets into its reply, in place; returns the
 * reply's length, 0 to drop.  T3 is written later, per batch.
 */
static size_t
reflect(uint8_t *p, size_t len, const uint8_t *t2)
{
	uint8_t	 snd[16];		/* sender's header and SSID */
	size_t	 rlen, hlen;
	int	 stamp;

	if (len < TWAMP_SLEN)
		return 0;
	stamp = is_stamp(p, len);
	memcpy(snd, p, stamp ? 16 : TWAMP_SLEN);
	if (stamp) {
		rlen = len;
		hlen = STAMP_LEN;
	} else {
		rlen = len < TWAMP_RLEN ? TWAMP_RLEN : len;
		hlen = TWAMP_RLEN;
		/* The padding less its last 27 octets, after the header. */
		if (len > TWAMP_RLEN)
			memmove(p + hlen, p + TWAMP_SLEN, len - TWAMP_RLEN);
	}
	memset(p + 4, 0, hlen - 4);
	memcpy(p, snd, 4);			/* stateless: sender's seq */
	p[12] = ERREST >> 8;
	p[13] = ERREST & 0xff;
	if (stamp)
		memcpy(p + 14, snd + 14, 2);	/* SSID */
	memcpy(p + 16, t2, 8);
	memcpy(p + 24, snd, TWAMP_SLEN);	/* seq, T1, error estimate */
	/* 38-39 MBZ; 40 Sender TTL unknown (0); STAMP 41-43 MBZ. */
	return rlen;
}

static int
bind_socket(const char *addr, const char *port)
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
	/* Default socket buffers, as lopad's reflector has. */
	if (bind(s, (struct sockaddr *)&ss, sl) == -1)
		err(1, "bind %s port %s", addr, port);
	return s;
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	struct timespec		 ts;
	struct epoll_event	 ev;
	struct cmsghdr		*cm;
	uint8_t			 t2[8], t3[8], kt2[8];
	uint64_t		 nrecv = 0, nrefl = 0, nbad = 0, nbatch = 0;
	size_t			 rlen;
	int			 ch, s, i, n, m, k, secs = 0, on = 1;
	int			 kstamp = 0, ep = -1;

	while ((ch = getopt(argc, argv, "ekt:")) != -1) {
		switch (ch) {
		case 'e':
			if ((ep = epoll_create1(0)) == -1)
				err(1, "epoll_create1");
			break;
		case 'k':
			kstamp = 1;
			break;
		case 't':
			secs = (int)num(optarg, 1, 86400, "seconds");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	s = bind_socket(argv[optind], argv[optind + 1]);
	if (kstamp && setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &on,
	    sizeof(on)) == -1)
		err(1, "SO_TIMESTAMPNS");
	if (ep != -1) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == -1)
			err(1, "epoll_ctl");
	}

	/* No SA_RESTART: a signal ends the blocking recvmmsg. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsig;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGALRM, &sa, NULL) == -1)
		err(1, "sigaction");
	if (secs > 0)
		alarm(secs);
	printf("ready\n");
	fflush(stdout);

	while (!quit) {
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = MAXPKT;
			rmsg[i].msg_hdr.msg_iov = &iov[i];
			rmsg[i].msg_hdr.msg_iovlen = 1;
			rmsg[i].msg_hdr.msg_name = &from[i];
			rmsg[i].msg_hdr.msg_namelen = sizeof(from[i]);
			rmsg[i].msg_hdr.msg_control = kstamp ? cbuf[i].buf :
			    NULL;
			rmsg[i].msg_hdr.msg_controllen = kstamp ?
			    sizeof(cbuf[i].buf) : 0;
		}
		if (ep != -1 && epoll_wait(ep, &ev, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "epoll_wait");
		}
		n = recvmmsg(s, rmsg, BATCH, ep != -1 ? MSG_DONTWAIT :
		    MSG_WAITFORONE, NULL);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err(1, "recvmmsg");
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		put_ntp(t2, &ts);
		nrecv += n;
		nbatch++;
		for (i = m = 0; i < n; i++) {
			memcpy(kt2, t2, sizeof(kt2));
			for (cm = kstamp ? CMSG_FIRSTHDR(&rmsg[i].msg_hdr) :
			    NULL; cm != NULL;
			    cm = CMSG_NXTHDR(&rmsg[i].msg_hdr, cm))
				if (cm->cmsg_level == SOL_SOCKET &&
				    cm->cmsg_type == SCM_TIMESTAMPNS) {
					memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
					put_ntp(kt2, &ts);
				}
			if ((rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) ||
			    (rlen = reflect(buf[i], rmsg[i].msg_len, kt2)) == 0) {
				nbad++;
				continue;
			}
			iov[i].iov_len = rlen;
			smsg[m].msg_hdr.msg_iov = &iov[i];
			smsg[m].msg_hdr.msg_iovlen = 1;
			smsg[m].msg_hdr.msg_name = &from[i];
			smsg[m].msg_hdr.msg_namelen =
			    rmsg[i].msg_hdr.msg_namelen;
			m++;
		}
		if (m == 0)
			continue;
		clock_gettime(CLOCK_REALTIME, &ts);
		put_ntp(t3, &ts);
		for (i = 0; i < m; i++)
			memcpy((uint8_t *)smsg[i].msg_hdr.msg_iov->iov_base +
			    4, t3, 8);
		for (i = 0; i < m; i += k) {
			if ((k = sendmmsg(s, smsg + i, m - i, 0)) == -1) {
				if (errno == EINTR) {
					k = 0;
					continue;
				}
				/* E.g. ECONNREFUSED from an earlier reply. */
				break;
			}
			nrefl += k;
		}
	}
	printf("received %llu reflected %llu malformed %llu batches %llu\n",
	    (unsigned long long)nrecv, (unsigned long long)nrefl,
	    (unsigned long long)nbad, (unsigned long long)nbatch);
	return 0;
}
