/*
 * Benchmark helper (not a test): the reference for lopad's tcp probe.
 *
 *	connect_loop [-c count] [-i interval_us] [-t timeout_ms] addr port
 *		a non-blocking connect per probe on a fixed schedule
 *		(start + n * interval), time from just before connect() to
 *		writable (CLOCK_MONOTONIC), close with SO_LINGER 0 (RST, no
 *		TIME_WAIT).  Prints one line:
 *		"sent N ok N refused N lost N p50_ns X min_ns X max_ns X
 *		tcpinfo_p50_ns X" (tcpinfo: the kernel's handshake RTT,
 *		tcpi_rtt, which lopad reports when it has one).
 *	connect_loop -l [-k keep] [-t seconds] addr port
 *		a listener for at most seconds (default 60) that closes
 *		each connection at once, or with -k keeps the last keep
 *		(at most 900) open, so that the client closes first.
 *
 * IPv4 or IPv6 literal addresses only.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXCOUNT	100000
#define MAXKEEP		900

static int64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
sleep_until(int64_t t)
{
	struct timespec	 ts;

	ts.tv_sec = t / 1000000000;
	ts.tv_nsec = t % 1000000000;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank, as lopad computes its percentiles. */
static int64_t
p50(int64_t *v, int n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp64);
	return v[(n + 1) / 2 - 1];
}

static socklen_t
parse_addr(const char *a, const char *p, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	long			 port = strtol(p, NULL, 10);

	if (port < 1 || port > 65535)
		errx(2, "bad port %s", p);
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	if (inet_pton(AF_INET6, a, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
	errx(2, "bad address %s", a);
}

static void
listener(struct sockaddr_storage *ss, socklen_t len, int secs, int keep)
{
	struct pollfd	 pfd;
	int64_t		 end = mono_ns() + (int64_t)secs * 1000000000;
	int		 ring[MAXKEEP];
	int		 s, c, on = 1, n = 0;

	if ((s = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		err(1, "socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(s, (struct sockaddr *)ss, len) == -1)
		err(1, "bind");
	if (listen(s, 4096) == -1)
		err(1, "listen");
	printf("ready\n");
	fflush(stdout);
	while (mono_ns() < end) {
		pfd.fd = s;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		while ((c = accept(s, NULL, NULL)) != -1) {
			if (keep == 0) {
				close(c);
				continue;
			}
			if (n >= keep)
				close(ring[n % keep]);
			ring[n++ % keep] = c;
		}
	}
	close(s);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_storage	 ss;
	struct linger		 l = { 1, 0 };
	struct tcp_info		 ti;
	struct pollfd		 pfd;
	socklen_t		 len, tlen;
	int64_t			*rtt, *trtt, start, t0, t1, mn = 0, mx = 0;
	long			 count = 500, interval = 10000, timeout = 1000;
	int			 ch, lflag = 0, i, fd, e, r;
	int			 nok = 0, nref = 0, nlost = 0, nti = 0;
	int			 secs = 60, keep = 0;

	while ((ch = getopt(argc, argv, "c:i:k:lt:")) != -1) {
		switch (ch) {
		case 'c':
			count = strtol(optarg, NULL, 10);
			break;
		case 'i':
			interval = strtol(optarg, NULL, 10);
			break;
		case 'k':
			keep = (int)strtol(optarg, NULL, 10);
			break;
		case 'l':
			lflag = 1;
			break;
		case 't':
			timeout = strtol(optarg, NULL, 10);
			secs = (int)timeout;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		goto usage;
	len = parse_addr(argv[0], argv[1], &ss);
	if (lflag) {
		if (secs < 1 || secs > 3600 || keep < 0 || keep > MAXKEEP)
			errx(2, "bad -t or -k");
		listener(&ss, len, secs, keep);
		return 0;
	}
	if (count < 1 || count > MAXCOUNT || interval < 100 ||
	    interval > 10000000 || timeout < 1 || timeout > 60000)
		errx(2, "bad -c, -i or -t");
	if ((rtt = calloc(count, sizeof(*rtt))) == NULL ||
	    (trtt = calloc(count, sizeof(*trtt))) == NULL)
		err(1, "calloc");
	start = mono_ns();
	for (i = 0; i < count; i++) {
		sleep_until(start + i * interval * 1000);
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1)
			err(1, "socket");
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) == -1)
			err(1, "SO_LINGER");
		t0 = mono_ns();
		e = connect(fd, (struct sockaddr *)&ss, len) == 0 ? 0 : errno;
		if (e == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			r = poll(&pfd, 1, (int)timeout);
			t1 = mono_ns();
			if (r == 0) {
				nlost++;
				close(fd);
				continue;
			}
			tlen = sizeof(e);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &tlen) ==
			    -1)
				e = errno;
		} else
			t1 = mono_ns();
		if (e == ECONNREFUSED)
			nref++;
		else if (e != 0)
			errx(1, "connect: %s", strerror(e));
		else {
			tlen = sizeof(ti);
			memset(&ti, 0, sizeof(ti));
			if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti,
			    &tlen) == 0 && ti.tcpi_rtt > 0 &&
			    ti.tcpi_total_retrans == 0)
				trtt[nti++] = (int64_t)ti.tcpi_rtt * 1000;
			rtt[nok] = t1 - t0;
			if (nok == 0 || rtt[nok] < mn)
				mn = rtt[nok];
			if (rtt[nok] > mx)
				mx = rtt[nok];
			nok++;
		}
		close(fd);
	}
	printf("sent %ld ok %d refused %d lost %d p50_ns %lld min_ns %lld "
	    "max_ns %lld tcpinfo_p50_ns %lld\n", count, nok, nref, nlost,
	    (long long)p50(rtt, nok), (long long)mn, (long long)mx,
	    (long long)p50(trtt, nti));
	free(rtt);
	free(trtt);
	return 0;
usage:
	fprintf(stderr, "usage: connect_loop [-c count] [-i interval_us] "
	    "[-t timeout_ms] addr port\n"
	    "       connect_loop -l [-k keep] [-t seconds] addr port\n");
	return 2;
}
