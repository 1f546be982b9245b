/*
 * ICMP and ICMPv6 echo codec: see icmp_codec.h.  Offsets are those of
 * RFC 791, RFC 792, RFC 1191, RFC 8200 and RFC 4443.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <string.h>

#include "icmp_codec.h"
#include "wire.h"

/* Our own names: <netinet/ip_icmp.h> clashes with <linux/icmp.h>. */
#define T4_ECHOREPLY	0
#define T4_UNREACH	3
#define T4_ECHO		8
#define T4_TIMXCEED	11
#define T4_PARAMPROB	12
#define C4_NEEDFRAG	4

#define T6_UNREACH	1
#define T6_TOOBIG	2
#define T6_TIMXCEED	3
#define T6_PARAMPROB	4
#define T6_ECHO		128
#define T6_ECHOREPLY	129

#define PROTO_ICMP	1
#define PROTO_ICMPV6	58

uint16_t
icmp_checksum(const uint8_t *p, size_t len)
{
	uint32_t	 sum = 0;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += get16(p + i);
		/* Fold as we go: no overflow whatever the length. */
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

ssize_t
icmp_echo_encode(int family, uint16_t id, uint16_t seq,
    const uint8_t cookie[ICMP_CODEC_COOKIELEN], size_t payload_len,
    uint8_t *buf, size_t bufsz)
{
	size_t		 i, total;
	uint8_t		 type;

	switch (family) {
	case AF_INET:
		if (payload_len > ICMP_CODEC_MAXPAYLOAD4)
			return -1;
		type = T4_ECHO;
		break;
	case AF_INET6:
		if (payload_len > ICMP_CODEC_MAXPAYLOAD6)
			return -1;
		type = T6_ECHO;
		break;
	default:
		return -1;
	}
	if (payload_len < ICMP_CODEC_COOKIELEN || buf == NULL ||
	    cookie == NULL)
		return -1;
	total = ICMP_CODEC_HDRLEN + payload_len;
	if (total > bufsz)
		return -1;

	buf[0] = type;
	buf[1] = 0;
	put16(buf + 2, 0);
	put16(buf + 4, id);
	put16(buf + 6, seq);
	memcpy(buf + ICMP_CODEC_HDRLEN, cookie, ICMP_CODEC_COOKIELEN);
	/* Padding counts up from the payload's start, as ping(8) does. */
	for (i = ICMP_CODEC_COOKIELEN; i < payload_len; i++)
		buf[ICMP_CODEC_HDRLEN + i] = (uint8_t)i;
	if (family == AF_INET)
		put16(buf + 2, icmp_checksum(buf, total));
	return (ssize_t)total;
}

/*
 * The invoking packet quoted by an IPv4 error: its header (with options)
 * and at least 8 bytes of what followed.
 */
static void
quote4(struct icmp_reply *r, const uint8_t *q, size_t len)
{
	size_t		 ihl;

	if (len < ICMP_CODEC_IP4MIN || (q[0] >> 4) != 4)
		return;
	ihl = (size_t)(q[0] & 0x0f) * 4;
	if (ihl < ICMP_CODEC_IP4MIN || ihl > len)
		return;
	r->q_proto = q[9];
	memcpy(r->q_dst, q + 16, 4);
	r->quote |= ICMP_QUOTE_IP;

	/* A later fragment does not start with the ICMP header. */
	if ((get16(q + 6) & 0x1fff) != 0)
		return;
	if (r->q_proto != PROTO_ICMP || len - ihl < ICMP_CODEC_HDRLEN)
		return;
	r->q_type = q[ihl];
	r->q_id = get16(q + ihl + 4);
	r->q_seq = get16(q + ihl + 6);
	r->quote |= ICMP_QUOTE_ECHO;
	if (len - ihl >= ICMP_CODEC_HDRLEN + ICMP_CODEC_COOKIELEN) {
		memcpy(r->q_cookie, q + ihl + ICMP_CODEC_HDRLEN,
		    ICMP_CODEC_COOKIELEN);
		r->quote |= ICMP_QUOTE_COOKIE;
	}
}

/*
 * The invoking packet quoted by an ICMPv6 error: its fixed header and the
 * first 8 bytes after it.  A quote with extension headers keeps its next
 * header as q_proto and gives no echo (we never send extension headers).
 */
static void
quote6(struct icmp_reply *r, const uint8_t *q, size_t len)
{
	if (len < ICMP_CODEC_IP6LEN || (q[0] >> 4) != 6)
		return;
	r->q_proto = q[6];
	memcpy(r->q_dst, q + 24, 16);
	r->quote |= ICMP_QUOTE_IP;

	if (r->q_proto != PROTO_ICMPV6 ||
	    len - ICMP_CODEC_IP6LEN < ICMP_CODEC_HDRLEN)
		return;
	len -= ICMP_CODEC_IP6LEN;
	q += ICMP_CODEC_IP6LEN;
	r->q_type = q[0];
	r->q_id = get16(q + 4);
	r->q_seq = get16(q + 6);
	r->quote |= ICMP_QUOTE_ECHO;
	if (len >= ICMP_CODEC_HDRLEN + ICMP_CODEC_COOKIELEN) {
		memcpy(r->q_cookie, q + ICMP_CODEC_HDRLEN,
		    ICMP_CODEC_COOKIELEN);
		r->quote |= ICMP_QUOTE_COOKIE;
	}
}

static void
echo_fields(struct icmp_reply *r, const uint8_t *m, size_t len)
{
	r->id = get16(m + 4);
	r->seq = get16(m + 6);
	r->payload_len = len - ICMP_CODEC_HDRLEN;
	if (r->payload_len >= ICMP_CODEC_COOKIELEN) {
		memcpy(r->cookie, m + ICMP_CODEC_HDRLEN, ICMP_CODEC_COOKIELEN);
		r->has_cookie = 1;
	}
}

/* m is the ICMP message, len >= 8 checked by the caller. */
static void
decode4(struct icmp_reply *r, const uint8_t *m, size_t len)
{
	const uint8_t	*q = m + ICMP_CODEC_HDRLEN;
	size_t		 qlen = len - ICMP_CODEC_HDRLEN;

	switch (r->type) {
	case T4_ECHOREPLY:
		r->kind = ICMP_KIND_ECHO_REPLY;
		echo_fields(r, m, len);
		return;
	case T4_ECHO:
		r->kind = ICMP_KIND_ECHO_REQUEST;
		echo_fields(r, m, len);
		return;
	case T4_UNREACH:
		if (r->code == C4_NEEDFRAG) {
			r->kind = ICMP_KIND_TOO_BIG;
			r->mtu = get16(m + 6);	/* RFC 1191 */
		} else
			r->kind = ICMP_KIND_DEST_UNREACH;
		break;
	case T4_TIMXCEED:
		r->kind = ICMP_KIND_TIME_EXCEEDED;
		break;
	case T4_PARAMPROB:
		r->kind = ICMP_KIND_PARAM_PROBLEM;
		r->pointer = m[4];
		break;
	default:
		r->kind = ICMP_KIND_OTHER;
		return;
	}
	quote4(r, q, qlen);
}

static void
decode6(struct icmp_reply *r, const uint8_t *m, size_t len)
{
	const uint8_t	*q = m + ICMP_CODEC_HDRLEN;
	size_t		 qlen = len - ICMP_CODEC_HDRLEN;

	switch (r->type) {
	case T6_ECHOREPLY:
		r->kind = ICMP_KIND_ECHO_REPLY;
		echo_fields(r, m, len);
		return;
	case T6_ECHO:
		r->kind = ICMP_KIND_ECHO_REQUEST;
		echo_fields(r, m, len);
		return;
	case T6_UNREACH:
		r->kind = ICMP_KIND_DEST_UNREACH;
		break;
	case T6_TOOBIG:
		r->kind = ICMP_KIND_TOO_BIG;
		r->mtu = get32(m + 4);
		break;
	case T6_TIMXCEED:
		r->kind = ICMP_KIND_TIME_EXCEEDED;
		break;
	case T6_PARAMPROB:
		r->kind = ICMP_KIND_PARAM_PROBLEM;
		r->pointer = get32(m + 4);
		break;
	default:
		r->kind = ICMP_KIND_OTHER;
		return;
	}
	quote6(r, q, qlen);
}

int
icmp_decode(int family, const uint8_t *pkt, size_t len,
    struct icmp_reply *out)
{
	size_t		 ihl, tot;

	memset(out, 0, sizeof(*out));
	out->family = family;
	out->ttl = -1;
	if (pkt == NULL)
		return -1;

	switch (family) {
	case AF_INET:
		/* Linux raw sockets keep the total length in network order. */
		if (len < ICMP_CODEC_IP4MIN || (pkt[0] >> 4) != 4)
			goto bad;
		ihl = (size_t)(pkt[0] & 0x0f) * 4;
		tot = get16(pkt + 2);
		if (ihl < ICMP_CODEC_IP4MIN || ihl > len || tot > len ||
		    tot < ihl + ICMP_CODEC_HDRLEN || pkt[9] != PROTO_ICMP)
			goto bad;
		if (icmp_checksum(pkt + ihl, tot - ihl) != 0)
			goto bad;
		out->ttl = pkt[8];
		memcpy(out->src, pkt + 12, 4);
		out->has_src = 1;
		out->type = pkt[ihl];
		out->code = pkt[ihl + 1];
		decode4(out, pkt + ihl, tot - ihl);
		return 0;
	case AF_INET6:
		if (len < ICMP_CODEC_HDRLEN)
			goto bad;
		out->type = pkt[0];
		out->code = pkt[1];
		decode6(out, pkt, len);
		return 0;
	default:
		break;
	}
 bad:
	memset(out, 0, sizeof(*out));
	out->family = family;
	out->ttl = -1;
	return -1;
}

int
icmp_reply_set_src(struct icmp_reply *r, const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (sa == NULL || sa->sa_family != r->family)
		return -1;
	memset(r->src, 0, sizeof(r->src));
	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)sa;
		memcpy(r->src, &sin->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)sa;
		memcpy(r->src, &sin6->sin6_addr, 16);
	} else
		return -1;
	r->has_src = 1;
	return 0;
}

/* Compare a 4- or 16-byte network-order address with a sockaddr. */
static int
addr_eq(int family, const uint8_t *a, const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (sa->sa_family != family)
		return 0;
	if (family == AF_INET) {
		sin = (const struct sockaddr_in *)sa;
		return memcmp(a, &sin->sin_addr, 4) == 0;
	}
	if (family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)sa;
		return memcmp(a, &sin6->sin6_addr, 16) == 0;
	}
	return 0;
}

enum icmp_match
icmp_match(const struct icmp_reply *r, uint16_t id, uint16_t seq,
    const uint8_t cookie[ICMP_CODEC_COOKIELEN], const struct sockaddr *dst)
{
	uint8_t		 proto, echo;

	if (r == NULL || dst == NULL || cookie == NULL)
		return ICMP_MATCH_NONE;
	if (r->family == AF_INET) {
		proto = PROTO_ICMP;
		echo = T4_ECHO;
	} else if (r->family == AF_INET6) {
		proto = PROTO_ICMPV6;
		echo = T6_ECHO;
	} else
		return ICMP_MATCH_NONE;

	switch (r->kind) {
	case ICMP_KIND_ECHO_REPLY:
		if (r->code != 0 || !r->has_src || !r->has_cookie ||
		    r->id != id || r->seq != seq ||
		    memcmp(r->cookie, cookie, ICMP_CODEC_COOKIELEN) != 0 ||
		    !addr_eq(r->family, r->src, dst))
			return ICMP_MATCH_NONE;
		return ICMP_MATCH_REPLY;
	case ICMP_KIND_DEST_UNREACH:
	case ICMP_KIND_TIME_EXCEEDED:
	case ICMP_KIND_TOO_BIG:
	case ICMP_KIND_PARAM_PROBLEM:
		if ((r->quote & ICMP_QUOTE_IP) == 0 ||
		    (r->quote & ICMP_QUOTE_ECHO) == 0 ||
		    r->q_proto != proto || r->q_type != echo ||
		    r->q_id != id || r->q_seq != seq ||
		    !addr_eq(r->family, r->q_dst, dst))
			return ICMP_MATCH_NONE;
		/* Quoted far enough (ICMPv6, most IPv4 routers): our cookie. */
		if ((r->quote & ICMP_QUOTE_COOKIE) != 0 &&
		    memcmp(r->q_cookie, cookie, ICMP_CODEC_COOKIELEN) != 0)
			return ICMP_MATCH_NONE;
		return ICMP_MATCH_ERROR;
	default:
		return ICMP_MATCH_NONE;
	}
}
