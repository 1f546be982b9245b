/*
 * libFuzzer target: what a raw ICMP or ICMPv6 socket delivers.  The first
 * byte picks the family (bit 0: IPv6), the rest is decoded and matched.
 * Whatever decodes must be consistent with its bytes, a match must follow
 * from the decoded fields, and our own encoder's output must round-trip.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icmp_codec.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_decoded(int af, const uint8_t *pkt, size_t len,
    const struct icmp_reply *r)
{
	size_t	 alen = af == AF_INET ? 4 : 16;

	if (r->family != af || len < ICMP_CODEC_HDRLEN)
		abort();
	if (r->payload_len > len - ICMP_CODEC_HDRLEN)
		abort();
	if (r->has_cookie != (r->payload_len >= ICMP_CODEC_COOKIELEN) &&
	    (r->kind == ICMP_KIND_ECHO_REPLY ||
	    r->kind == ICMP_KIND_ECHO_REQUEST))
		abort();
	if (r->ttl < -1 || r->ttl > 255)
		abort();
	if (af == AF_INET6 && (r->ttl != -1 || r->has_src ||
	    r->type != pkt[0] || r->code != pkt[1]))
		abort();
	if (af == AF_INET && (!r->has_src || r->ttl != pkt[8] ||
	    memcmp(r->src, pkt + 12, 4) != 0))
		abort();
	if ((r->quote & ICMP_QUOTE_ECHO) && !(r->quote & ICMP_QUOTE_IP))
		abort();
	if (r->quote != 0 && (r->kind == ICMP_KIND_OTHER ||
	    r->kind == ICMP_KIND_ECHO_REPLY ||
	    r->kind == ICMP_KIND_ECHO_REQUEST))
		abort();
	/* Only 4 address bytes for IPv4: the rest stays zero. */
	if (alen == 4 && (memcmp(r->q_dst + 4, "\0\0\0\0\0\0\0\0\0\0\0\0",
	    12) != 0 || memcmp(r->src + 4, "\0\0\0\0\0\0\0\0\0\0\0\0",
	    12) != 0))
		abort();
	if (r->kind != ICMP_KIND_TOO_BIG && r->mtu != 0)
		abort();
}

/* Field by field: padding bytes are not part of the result. */
static int
same(const struct icmp_reply *a, const struct icmp_reply *b)
{
	return a->family == b->family && a->kind == b->kind &&
	    a->type == b->type && a->code == b->code && a->id == b->id &&
	    a->seq == b->seq && a->payload_len == b->payload_len &&
	    a->has_cookie == b->has_cookie &&
	    memcmp(a->cookie, b->cookie, sizeof(a->cookie)) == 0 &&
	    a->has_src == b->has_src &&
	    memcmp(a->src, b->src, sizeof(a->src)) == 0 &&
	    a->ttl == b->ttl && a->mtu == b->mtu &&
	    a->pointer == b->pointer && a->quote == b->quote &&
	    memcmp(a->q_dst, b->q_dst, sizeof(a->q_dst)) == 0 &&
	    a->q_proto == b->q_proto && a->q_type == b->q_type &&
	    a->q_id == b->q_id && a->q_seq == b->q_seq;
}

static void
check_match(const struct icmp_reply *r)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	enum icmp_match		 m;
	uint16_t		 id, seq;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = r->family;
	/* Ask about the probe the packet claims to be about. */
	if (r->kind == ICMP_KIND_ECHO_REPLY ||
	    r->kind == ICMP_KIND_ECHO_REQUEST) {
		id = r->id;
		seq = r->seq;
		if (r->family == AF_INET)
			memcpy(&sin->sin_addr, r->src, 4);
		else
			memcpy(&sin6->sin6_addr, r->src, 16);
	} else {
		id = r->q_id;
		seq = r->q_seq;
		if (r->family == AF_INET)
			memcpy(&sin->sin_addr, r->q_dst, 4);
		else
			memcpy(&sin6->sin6_addr, r->q_dst, 16);
	}
	m = icmp_match(r, id, seq, r->cookie, (struct sockaddr *)&ss);
	switch (m) {
	case ICMP_MATCH_REPLY:
		if (r->kind != ICMP_KIND_ECHO_REPLY || !r->has_cookie ||
		    !r->has_src || r->code != 0)
			abort();
		break;
	case ICMP_MATCH_ERROR:
		if (r->kind == ICMP_KIND_OTHER ||
		    r->kind == ICMP_KIND_ECHO_REPLY ||
		    r->kind == ICMP_KIND_ECHO_REQUEST ||
		    (r->quote & ICMP_QUOTE_ECHO) == 0)
			abort();
		break;
	case ICMP_MATCH_NONE:
		break;
	default:
		abort();
	}
	if (m != ICMP_MATCH_NONE) {
		/* Any other seq, id or family must not match. */
		if (icmp_match(r, id, seq + 1, r->cookie,
		    (struct sockaddr *)&ss) != ICMP_MATCH_NONE ||
		    icmp_match(r, id ^ 0x8000, seq, r->cookie,
		    (struct sockaddr *)&ss) != ICMP_MATCH_NONE)
			abort();
		ss.ss_family = r->family == AF_INET ? AF_INET6 : AF_INET;
		if (icmp_match(r, id, seq, r->cookie,
		    (struct sockaddr *)&ss) != ICMP_MATCH_NONE)
			abort();
	}
}

/* Our encoder, fed from the input, must decode back to what it was given. */
static void
round_trip(int af, const uint8_t *data, size_t size)
{
	uint8_t			 buf[ICMP_CODEC_HDRLEN + 256];
	struct icmp_reply	 r;
	uint16_t		 id, seq;
	size_t			 plen;
	ssize_t			 n;

	if (size < 13)
		return;
	id = (uint16_t)(data[0] << 8 | data[1]);
	seq = (uint16_t)(data[2] << 8 | data[3]);
	plen = data[4];
	n = icmp_echo_encode(af, id, seq, data + 5, plen, buf, sizeof(buf));
	if (plen < ICMP_CODEC_COOKIELEN) {
		if (n != -1)
			abort();
		return;
	}
	if (n != (ssize_t)(ICMP_CODEC_HDRLEN + plen))
		abort();
	if (af == AF_INET6) {
		if (icmp_decode(af, buf, (size_t)n, &r) == -1 ||
		    r.kind != ICMP_KIND_ECHO_REQUEST || r.id != id ||
		    r.seq != seq || r.payload_len != plen ||
		    memcmp(r.cookie, data + 5, ICMP_CODEC_COOKIELEN) != 0)
			abort();
	} else if (icmp_checksum(buf, (size_t)n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icmp_reply	 r, r2;
	int			 af;

	if (size < 1)
		return 0;
	af = (data[0] & 1) ? AF_INET6 : AF_INET;
	data++;
	size--;

	if (icmp_decode(af, data, size, &r) == -1) {
		if (r.family != af || r.kind != ICMP_KIND_OTHER ||
		    r.quote != 0 || r.has_cookie || r.has_src)
			abort();
	} else {
		check_decoded(af, data, size, &r);
		/* Decoding is a function of the bytes alone. */
		if (icmp_decode(af, data, size, &r2) == -1 ||
		    !same(&r, &r2))
			abort();
		if (af == AF_INET6)
			r.has_src = 1;	/* as the caller would set it */
		check_match(&r);
	}
	round_trip(af, data, size);
	return 0;
}
