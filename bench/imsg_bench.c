/*
 * Benchmark (not a test): the cost of the imsg framing over bare
 * send/recv on the same SOCK_SEQPACKET socketpair, in one process, so that
 * both run in the same CPU placement.  Prints messages per second for each
 * payload size and the ratio framing/bare (1.0 = no overhead).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imsg.h"

/* Messages in flight per round: well inside the default socket buffer. */
#define BATCH(len)	((len) > 2048 ? 8 : 64)

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
run_bare(int s[2], size_t len, long n)
{
	unsigned char	 buf[IMSG_MAXSIZE_DEFAULT];
	double		 t0 = now();
	long		 i, j;

	memset(buf, 0xa5, sizeof(buf));
	for (i = 0; i < n; i += BATCH(len)) {
		for (j = 0; j < BATCH(len); j++)
			if (send(s[0], buf, len, 0) != (ssize_t)len)
				err(1, "send");
		for (j = 0; j < BATCH(len); j++)
			if (recv(s[1], buf, sizeof(buf), 0) != (ssize_t)len)
				err(1, "recv");
	}
	return n / (now() - t0);
}

static double
run_imsg(int s[2], size_t len, long n)
{
	struct imsgbuf	 a, b;
	struct imsg	 m;
	unsigned char	 payload[IMSG_MAXSIZE_DEFAULT];
	double		 t0;
	long		 i, j, got;

	if (imsgbuf_init(&a, s[0], IMSG_MAXSIZE_DEFAULT, 0) == -1 ||
	    imsgbuf_init(&b, s[1], IMSG_MAXSIZE_DEFAULT, 0) == -1)
		err(1, "imsgbuf_init");
	memset(payload, 0x5a, sizeof(payload));
	t0 = now();
	for (i = 0; i < n; i += BATCH(len)) {
		for (j = 0; j < BATCH(len); j++)
			if (imsg_compose(&a, 1, (uint32_t)j, 0, -1, payload,
			    len - IMSG_HDR_SIZE) == -1)
				err(1, "imsg_compose");
		if (imsgbuf_write(&a) != 0)
			errx(1, "imsgbuf_write did not drain");
		for (got = 0; got < BATCH(len); ) {
			if (imsg_read(&b) <= 0)
				err(1, "imsg_read");
			while (imsg_get(&b, &m) == 1) {
				imsg_free(&m);
				got++;
			}
		}
	}
	t0 = n / (now() - t0);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	return t0;
}

int
main(int argc, char *argv[])
{
	const size_t	 sizes[] = { 64, 512, 4096, 16384 };
	long		 n = argc > 1 ? atol(argv[1]) : 200000;
	size_t		 i;
	int		 s[2];
	double		 bare, framed;

	printf("%-8s %14s %14s %8s\n", "bytes", "bare msg/s", "imsg msg/s",
	    "ratio");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s) == -1)
			err(1, "socketpair");
		bare = run_bare(s, sizes[i], n);
		framed = run_imsg(s, sizes[i], n);
		printf("%-8zu %14.0f %14.0f %8.2f\n", sizes[i], bare, framed,
		    framed / bare);
		close(s[0]);
		close(s[1]);
	}
	return 0;
}
