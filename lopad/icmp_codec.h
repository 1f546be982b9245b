/*
 * lopa: ICMP and ICMPv6 echo codec for the sender.  Pure functions: no
 * I/O, no allocation, every length checked, wire fields read and written
 * byte by byte (no struct cast over a packet buffer).
 */
#ifndef LOPA_ICMP_CODEC_H
#define LOPA_ICMP_CODEC_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define ICMP_CODEC_HDRLEN	8	/* type, code, cksum, id, seq */
#define ICMP_CODEC_COOKIELEN	8	/* first bytes of our payload */
#define ICMP_CODEC_IP4MIN	20	/* IPv4 header without options */
#define ICMP_CODEC_IP6LEN	40	/* IPv6 fixed header */
/* Largest echo payload: IPv4 total length, IPv6 payload length. */
#define ICMP_CODEC_MAXPAYLOAD4	(65535 - ICMP_CODEC_IP4MIN - ICMP_CODEC_HDRLEN)
#define ICMP_CODEC_MAXPAYLOAD6	(65535 - ICMP_CODEC_HDRLEN)

enum icmp_kind {
	ICMP_KIND_OTHER = 0,
	ICMP_KIND_ECHO_REPLY,
	ICMP_KIND_ECHO_REQUEST,	/* ours, seen on lo: ignore it */
	ICMP_KIND_DEST_UNREACH,	/* v4 type 3 (not code 4), v6 type 1 */
	ICMP_KIND_TIME_EXCEEDED,	/* v4 type 11, v6 type 3 */
	ICMP_KIND_TOO_BIG,	/* v4 type 3 code 4 (frag needed), v6 type 2 */
	ICMP_KIND_PARAM_PROBLEM	/* v4 type 12, v6 type 4 */
};

/* Which parts of the packet quoted by an error were present. */
#define ICMP_QUOTE_IP		0x01	/* inner header: dst and proto */
#define ICMP_QUOTE_ECHO		0x02	/* inner echo request: id and seq */
#define ICMP_QUOTE_COOKIE	0x04	/* and the payload's first 8 bytes */

struct icmp_reply {
	int		 family;	/* AF_INET or AF_INET6 */
	enum icmp_kind	 kind;
	uint8_t		 type;
	uint8_t		 code;

	/* Echo request/reply only: the message's own fields. */
	uint16_t	 id;
	uint16_t	 seq;
	size_t		 payload_len;	/* bytes after the 8-byte header */
	int		 has_cookie;	/* payload_len >= 8 */
	uint8_t		 cookie[ICMP_CODEC_COOKIELEN];

	/*
	 * Outer source (the target for a reply, the reporting router for an
	 * error) and TTL/hop limit.  IPv4: from the IP header.  IPv6: the
	 * raw socket gives no header, so the caller sets them from
	 * recvmsg()'s name and IPV6_HOPLIMIT (icmp_reply_set_src(); ttl
	 * stays -1 until set).
	 */
	int		 has_src;
	uint8_t		 src[16];	/* 4 or 16 bytes, network order */
	int		 ttl;		/* -1 unknown */

	uint32_t	 mtu;		/* TOO_BIG; 0 if the router gave none */
	uint32_t	 pointer;	/* PARAM_PROBLEM: offset of the fault */

	/* Errors: the quoted (invoking) packet. */
	int		 quote;		/* ICMP_QUOTE_* bits */
	uint8_t		 q_dst[16];	/* 4 or 16 bytes, network order */
	uint8_t		 q_proto;	/* IPPROTO_ICMP or IPPROTO_ICMPV6... */
	uint8_t		 q_type;	/* inner ICMP type, with QUOTE_ECHO */
	uint16_t	 q_id;
	uint16_t	 q_seq;
	uint8_t		 q_cookie[ICMP_CODEC_COOKIELEN];	/* QUOTE_COOKIE */
};

enum icmp_match {
	ICMP_MATCH_NONE = 0,
	ICMP_MATCH_REPLY,	/* our echo reply: source, id, seq, cookie */
	ICMP_MATCH_ERROR	/* an error quoting our dst, proto, id, seq */
};

/*
 * Build an echo request (ICMP type 8 or ICMPv6 type 128, code 0) into buf:
 * the 8-byte header, the 8-byte cookie, then a padding pattern up to
 * payload_len bytes of payload (payload_len >= 8).  IPv4: the checksum is
 * computed.  IPv6: the checksum is left 0, because the kernel computes it
 * on raw IPPROTO_ICMPV6 sockets (RFC 3542 section 3.1; it needs the
 * pseudo-header's source, which only the kernel knows).  Returns the
 * message length or -1 (bad family, payload_len out of range, buffer too
 * small).
 */
ssize_t	 icmp_echo_encode(int, uint16_t, uint16_t,
	    const uint8_t [ICMP_CODEC_COOKIELEN], size_t, uint8_t *, size_t);

/*
 * Decode what a raw socket delivered.  AF_INET: the IPv4 header comes
 * first (version 4, IHL, total length within len, protocol 1) and the ICMP
 * checksum is verified.  AF_INET6: the ICMPv6 message alone (the kernel
 * has verified its checksum).  Returns 0 with *out filled, or -1 when the
 * packet is malformed (then *out is zeroed apart from family).  An error
 * whose quote is truncated still decodes; out->quote says what was there.
 */
int	 icmp_decode(int, const uint8_t *, size_t, struct icmp_reply *);

/* Set the outer source from recvmsg()'s address (for IPv6); 0 or -1. */
int	 icmp_reply_set_src(struct icmp_reply *, const struct sockaddr *);

/*
 * Does this message belong to the probe (id, seq, cookie) sent to dst?
 * A reply matches when it is an echo reply (code 0) whose source is dst
 * (has_src must be set) and whose id, seq and cookie are ours.  An error
 * matches when it quotes an echo request to dst with our id and seq.
 */
enum icmp_match	 icmp_match(const struct icmp_reply *, uint16_t, uint16_t,
	    const uint8_t [ICMP_CODEC_COOKIELEN], const struct sockaddr *);

/* RFC 1071 Internet checksum of a buffer, in host order. */
uint16_t	 icmp_checksum(const uint8_t *, size_t);

#endif /* LOPA_ICMP_CODEC_H */
