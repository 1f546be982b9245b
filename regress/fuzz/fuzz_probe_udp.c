/*
 * libFuzzer target: a datagram (or an ICMP error's quote) read by the UDP
 * echo probe.  Whatever decodes must say what its bytes say, decoding
 * must be a function of the bytes, and our encoder's output must decode
 * back to what it was given.
 */
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_udp.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_decode(const uint8_t *data, size_t size)
{
	struct probe_udp	 p, p2;
	uint32_t		 seq;

	if (probe_udp_decode(data, size, &p) == -1) {
		if (size >= PROBE_UDP_HDRLEN &&
		    memcmp(data, PROBE_UDP_MAGIC, PROBE_UDP_MAGICLEN) == 0)
			abort();
		if (p.seq != 0 || p.len != 0)
			abort();
		return;
	}
	if (size < PROBE_UDP_HDRLEN || p.len != size ||
	    memcmp(data, PROBE_UDP_MAGIC, PROBE_UDP_MAGICLEN) != 0)
		abort();
	seq = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 |
	    (uint32_t)data[6] << 8 | data[7];
	if (p.seq != seq || memcmp(p.cookie, data + 8, 8) != 0)
		abort();
	if (!probe_udp_cookie_eq(&p, data + 8))
		abort();
	if (probe_udp_decode(data, size, &p2) == -1 || p2.seq != p.seq ||
	    p2.len != p.len || memcmp(p2.cookie, p.cookie, 8) != 0)
		abort();
}

/* Input: seq (4), cookie (8), length (2): encode, then decode. */
static void
round_trip(const uint8_t *data, size_t size)
{
	static uint8_t		 buf[PROBE_UDP_MAXLEN];
	struct probe_udp	 p;
	uint32_t		 seq;
	size_t			 len;
	ssize_t			 n;

	if (size < 14)
		return;
	seq = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	    (uint32_t)data[2] << 8 | data[3];
	len = (size_t)data[12] << 8 | data[13];
	n = probe_udp_encode(seq, data + 4, len, buf, sizeof(buf));
	if (len < PROBE_UDP_HDRLEN || len > PROBE_UDP_MAXLEN) {
		if (n != -1)
			abort();
		return;
	}
	if (n != (ssize_t)len || probe_udp_decode(buf, len, &p) == -1 ||
	    p.seq != seq || p.len != len || !probe_udp_cookie_eq(&p, data + 4))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_decode(data, size);
	round_trip(data, size);
	return 0;
}
