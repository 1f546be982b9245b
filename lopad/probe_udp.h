/*
 * lopa: the UDP echo probe, as the sender puts it on the wire.  Pure
 * functions: no I/O, no allocation, every length checked, fields written
 * and read byte by byte.
 *
 *   0       4         8                16
 *   | LOPA  | seq (BE) | cookie (8)     | padding ... up to the size
 *
 * An echo service sends it back unchanged; a reply is ours when its magic
 * and cookie are ours, and its seq names the probe.  Nothing else in the
 * packet is trusted (no timestamp travels in it).
 */
#ifndef LOPA_PROBE_UDP_H
#define LOPA_PROBE_UDP_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define PROBE_UDP_MAGIC		"LOPA"
#define PROBE_UDP_MAGICLEN	4
#define PROBE_UDP_COOKIELEN	8
#define PROBE_UDP_HDRLEN	16	/* magic, seq, cookie */
#define PROBE_UDP_MAXLEN	65507	/* IPv4 UDP payload */

struct probe_udp {
	uint32_t	 seq;
	uint8_t		 cookie[PROBE_UDP_COOKIELEN];
	size_t		 len;		/* the whole packet */
};

/*
 * Build a probe of len bytes (PROBE_UDP_HDRLEN <= len <= PROBE_UDP_MAXLEN)
 * into buf.  Returns len, or -1 (len out of range, buffer too small).
 */
ssize_t	 probe_udp_encode(uint32_t, const uint8_t [PROBE_UDP_COOKIELEN],
	    size_t, uint8_t *, size_t);

/*
 * Decode a reply (or the part of our probe quoted by an ICMP error, which
 * may be truncated: only the first PROBE_UDP_HDRLEN bytes are needed).
 * Returns 0 with *out filled, or -1 (too short, not our magic) with *out
 * zeroed.
 */
int	 probe_udp_decode(const uint8_t *, size_t, struct probe_udp *);

/* 1 if a decoded packet carries this cookie, else 0. */
int	 probe_udp_cookie_eq(const struct probe_udp *,
	    const uint8_t [PROBE_UDP_COOKIELEN]);

#endif /* LOPA_PROBE_UDP_H */
