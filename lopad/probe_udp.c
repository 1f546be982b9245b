/*
 * The UDP echo probe: see probe_udp.h.
 */
#include <sys/types.h>

#include <string.h>

#include "probe_udp.h"
#include "wire.h"

ssize_t
probe_udp_encode(uint32_t seq, const uint8_t cookie[PROBE_UDP_COOKIELEN],
    size_t len, uint8_t *buf, size_t bufsz)
{
	size_t	 i;

	if (cookie == NULL || buf == NULL || len < PROBE_UDP_HDRLEN ||
	    len > PROBE_UDP_MAXLEN || len > bufsz)
		return -1;
	memcpy(buf, PROBE_UDP_MAGIC, PROBE_UDP_MAGICLEN);
	put32(buf + 4, seq);
	memcpy(buf + 8, cookie, PROBE_UDP_COOKIELEN);
	/* A fixed pattern: the padding carries nothing. */
	for (i = PROBE_UDP_HDRLEN; i < len; i++)
		buf[i] = (uint8_t)i;
	return (ssize_t)len;
}

int
probe_udp_decode(const uint8_t *buf, size_t len, struct probe_udp *out)
{
	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < PROBE_UDP_HDRLEN ||
	    memcmp(buf, PROBE_UDP_MAGIC, PROBE_UDP_MAGICLEN) != 0)
		return -1;
	out->seq = get32(buf + 4);
	memcpy(out->cookie, buf + 8, PROBE_UDP_COOKIELEN);
	out->len = len;
	return 0;
}

int
probe_udp_cookie_eq(const struct probe_udp *p,
    const uint8_t cookie[PROBE_UDP_COOKIELEN])
{
	uint8_t	 d = 0;
	size_t	 i;

	if (p == NULL || cookie == NULL)
		return 0;
	for (i = 0; i < PROBE_UDP_COOKIELEN; i++)
		d |= p->cookie[i] ^ cookie[i];
	return d == 0;
}
