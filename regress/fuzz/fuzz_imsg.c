/*
 * libFuzzer target: arbitrary bytes as one datagram received on an imsg
 * channel (common/imsg.c).  The input is sent on a SOCK_SEQPACKET
 * socketpair and read back through imsg_read/imsg_get/imsg_free on two
 * channels, a small one (so that the size limit is reachable with short
 * inputs) and one of the default size.  A datagram is either refused with
 * EBADMSG or delivered as exactly the message that was sent.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

#define SMALL_MAXSIZE	64

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_chan {
	int		 sp[2];
	struct imsgbuf	 ibuf;
};

static void
chan_setup(struct fuzz_chan *c, size_t maxsize)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sp) == -1)
		abort();
	if (imsgbuf_init(&c->ibuf, c->sp[1], maxsize, IMSGF_FDS) == -1)
		abort();
}

static void
one_datagram(struct fuzz_chan *c, const uint8_t *data, size_t size)
{
	struct imsg_hdr	 hdr;
	struct imsg	 imsg;
	ssize_t		 n;
	int		 got = 0;

	if (send(c->sp[0], data, size, MSG_DONTWAIT) != (ssize_t)size)
		return;		/* larger than the socket takes */
	n = imsg_read(&c->ibuf);
	if (n == -1 && errno == EBADMSG) {
		if (imsg_get(&c->ibuf, &imsg) != 0)
			abort();
		return;
	}
	if (n != 1)
		abort();
	while (imsg_get(&c->ibuf, &imsg) == 1) {
		if (got++ > 0 || imsg.fd != -1)
			abort();
		/* Accepted: it must be exactly what was sent. */
		if (size < IMSG_HDR_SIZE || size > c->ibuf.maxsize)
			abort();
		memcpy(&hdr, data, sizeof(hdr));
		if (hdr.len != size || memcmp(&imsg.hdr, &hdr, sizeof(hdr)) ||
		    imsg.datalen != size - IMSG_HDR_SIZE ||
		    (imsg.datalen > 0 && memcmp(imsg.data,
		    data + IMSG_HDR_SIZE, imsg.datalen) != 0) ||
		    (imsg.datalen == 0 && imsg.data != NULL))
			abort();
		imsg_free(&imsg);
	}
	if (got != 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_chan	 small, dflt;
	static int		 ready;

	if (!ready) {
		chan_setup(&small, SMALL_MAXSIZE);
		chan_setup(&dflt, IMSG_MAXSIZE_DEFAULT);
		ready = 1;
	}
	one_datagram(&small, data, size);
	one_datagram(&dflt, data, size);
	return 0;
}
