/*
 * delayline: hold every packet that crosses a TUN device for a fixed time,
 * then give it back to the kernel, and log how long each was really held.
 * A test tool (regress/), not part of lopad.
 *
 *	delayline [-b] [-a addr] [-c ctlfile] -i tun -d delay_us
 *	    [-l logfile] [-n max_packets]
 *
 * It creates (or attaches to) the TUN device `tun' (IFF_TUN|IFF_NO_PI);
 * the test puts it in a namespace that routes the traffic between two
 * other namespaces through it with policy routing (packets arriving from
 * the veths go out the TUN; what the TUN gives back is routed normally).
 * Packets leave in arrival order, each at its arrival time + delay; the
 * wait is a timed ppoll() finished by a short spin, so the hold error is
 * a few microseconds plus the kernel's own path.  With -b it never
 * sleeps: it polls the device without a timeout, so a packet's arrival
 * costs no wake-up (on a virtual machine a halted CPU takes hundreds of
 * microseconds to wake, which would otherwise go unlogged and differ
 * between a run with delay and one without).  It costs a CPU.
 *
 * With -a, only the packets from or to addr are delayed; the others go
 * back at once, so a test can measure a delayed and an undelayed target
 * side by side, under the same conditions.
 *
 * The log has one line per packet: "<dst> <hold_ns> <src>", so the test
 * can split forward and backward (and delayed and not) and compare lopa
 * with the real hold times, not the nominal delay.
 * With -c, SIGHUP reads a new delay (microseconds, the first word of
 * ctlfile): packets that come from then on are held that long, those
 * already held keep theirs.  A test changes the delay while it runs.
 * SIGTERM or SIGINT: flush the log and exit 0.
 */
#include <sys/ioctl.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_tun.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS		(1000LL * 1000 * 1000)
#define QLEN		8192
#define PKTMAX		2048
#define SPIN_NS		(200LL * 1000)	/* spin the last 200 us */

struct pkt {
	int64_t		 in;		/* arrival, CLOCK_MONOTONIC */
	int64_t		 due;		/* in + the delay then */
	size_t		 len;
	unsigned char	 buf[PKTMAX];
};

static struct pkt	 q[QLEN];
static size_t		 qhead, qlen;
static volatile sig_atomic_t quit, reread;

static int64_t
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * NS + ts.tv_nsec);
}

static void
onsig(int sig)
{
	(void)sig;
	quit = 1;
}

static void
onhup(int sig)
{
	(void)sig;
	reread = 1;
}

/* The delay (ns) the control file says; -1 when it says nothing valid. */
static int64_t
read_delay(const char *path)
{
	FILE		*fp;
	long long	 us;
	int		 ok;

	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	ok = fscanf(fp, "%lld", &us) == 1 && us >= 0 && us <= 10000000;
	fclose(fp);
	return (ok ? us * 1000 : -1);
}

/* The packet's source (dst 0) or destination (dst 1) address. */
static void
addr_str(const unsigned char *p, size_t len, int dst, char *buf, size_t size)
{
	if (len >= 20 && (p[0] >> 4) == 4)
		inet_ntop(AF_INET, p + (dst ? 16 : 12), buf, size);
	else if (len >= 40 && (p[0] >> 4) == 6)
		inet_ntop(AF_INET6, p + (dst ? 24 : 8), buf, size);
	else
		snprintf(buf, size, "?");
}

/* Whether the packet is from or to the address only (af 0: any). */
static int
selected(const unsigned char *p, size_t len, int af, const unsigned char *a)
{
	if (af == 0)
		return (1);
	if (af == AF_INET && len >= 20 && (p[0] >> 4) == 4)
		return (memcmp(p + 12, a, 4) == 0 || memcmp(p + 16, a, 4) == 0);
	if (af == AF_INET6 && len >= 40 && (p[0] >> 4) == 6)
		return (memcmp(p + 8, a, 16) == 0 || memcmp(p + 24, a, 16) == 0);
	return (0);
}

static void
logpkt(FILE *log, const unsigned char *p, size_t len, int64_t held)
{
	char	 dst[64], src[64];

	addr_str(p, len, 1, dst, sizeof(dst));
	addr_str(p, len, 0, src, sizeof(src));
	fprintf(log, "%s %lld %s\n", dst, (long long)held, src);
}

/*
 * Hand a packet back to the kernel and log its hold.  The hold ends when
 * the packet is handed back: the write itself (the kernel forwarding it,
 * and on the forward path often the far end answering inside the same
 * call) is the path's own time, as with no delay.
 */
static void
give_back(int fd, FILE *log, const struct pkt *p)
{
	int64_t	 held = now() - p->in;

	if (write(fd, p->buf, p->len) == -1 && errno != EAGAIN &&
	    errno != EINVAL)
		warn("write");
	logpkt(log, p->buf, p->len, held);
}

int
main(int argc, char *argv[])
{
	struct ifreq	 ifr;
	struct pollfd	 pfd;
	struct sigaction sa;
	FILE		*log = stdout;
	const char	*ifname = NULL;
	unsigned char	 only[16];
	int		 only_af = 0;
	int64_t		 delay = -1, due, t, left, nd;
	const char	*ctl = NULL;
	long		 maxpkts = -1, npkts = 0;
	ssize_t		 n;
	struct timespec	 ts, *tsp;
	int		 ch, fd, busy = 0;

	while ((ch = getopt(argc, argv, "a:bc:d:i:l:n:")) != -1) {
		switch (ch) {
		case 'c':
			ctl = optarg;
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, only) == 1)
				only_af = AF_INET;
			else if (inet_pton(AF_INET6, optarg, only) == 1)
				only_af = AF_INET6;
			else
				errx(2, "-a %s: not an address", optarg);
			break;
		case 'b':
			busy = 1;
			break;
		case 'd':
			delay = strtoll(optarg, NULL, 10) * 1000;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'l':
			if ((log = fopen(optarg, "w")) == NULL)
				err(1, "%s", optarg);
			break;
		case 'n':
			maxpkts = strtol(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (ifname == NULL || delay < 0 || strlen(ifname) >= IFNAMSIZ) {
usage:
		fprintf(stderr, "usage: delayline [-b] [-a addr] [-c ctlfile] "
		    "-i tun -d delay_us [-l logfile] [-n max_packets]\n");
		return (2);
	}

	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) == -1)
		err(1, "/dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, TUNSETIFF, &ifr) == -1)
		err(1, "TUNSETIFF %s", ifname);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		err(1, "O_NONBLOCK");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsig;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (ctl != NULL) {
		sa.sa_handler = onhup;
		sigaction(SIGHUP, &sa, NULL);
	}
	setvbuf(log, NULL, _IOFBF, 1 << 16);
	/* Tell the test we are attached. */
	fprintf(stderr, "delayline: %s, %lld us\n", ifname,
	    (long long)(delay / 1000));

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!quit && (maxpkts < 0 || npkts < maxpkts)) {
		if (reread) {
			reread = 0;
			if ((nd = read_delay(ctl)) >= 0) {
				delay = nd;
				fprintf(stderr, "delayline: %lld us\n",
				    (long long)(delay / 1000));
			}
		}
		/* Release what is due. */
		while (qlen > 0) {
			struct pkt *p = &q[qhead];

			due = p->due;
			t = now();
			if (t < due) {
				if (due - t > SPIN_NS)
					break;
				while ((t = now()) < due)
					;
			}
			give_back(fd, log, p);
			npkts++;
			qhead = (qhead + 1) % QLEN;
			qlen--;
		}
		if (qlen > 0) {
			left = q[qhead].due - now() - SPIN_NS;
			if (left < 0)
				left = 0;
		} else
			left = 100LL * 1000 * 1000;
		if (busy)
			left = 0;
		ts.tv_sec = left / NS;
		ts.tv_nsec = left % NS;
		tsp = &ts;
		if (ppoll(&pfd, 1, tsp, NULL) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (!(pfd.revents & POLLIN))
			continue;
		for (;;) {
			struct pkt *p;

			if (qlen == QLEN) {
				/* Full: drop at the tail, like a queue. */
				unsigned char junk[PKTMAX];

				if (read(fd, junk, sizeof(junk)) == -1)
					break;
				continue;
			}
			p = &q[(qhead + qlen) % QLEN];
			n = read(fd, p->buf, sizeof(p->buf));
			if (n == -1)
				break;
			p->in = now();
			p->due = p->in + delay;
			p->len = (size_t)n;
			if (!selected(p->buf, p->len, only_af, only)) {
				/* Not delayed: straight back, in its turn. */
				give_back(fd, log, p);
				npkts++;
				continue;
			}
			qlen++;
		}
	}
	fflush(log);
	return (0);
}
