/*
 * Unit tests: ICMP/ICMPv6 echo codec (lopad/icmp_codec.c).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "icmp_codec.h"

#define ID	0x4c6f
#define SEQ	0x0102
#define PLEN	56

static const uint8_t cookie[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };

#define ME4	"192.0.2.1"
#define DST4	"198.51.100.7"
#define RTR4	"203.0.113.9"
#define ME6	"2001:db8::1"
#define DST6	"2001:db8:1::7"
#define RTR6	"2001:db8:2::9"

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

static void
pton4(const char *s, uint8_t *a)
{
	assert_int_equal(inet_pton(AF_INET, s, a), 1);
}

static void
pton6(const char *s, uint8_t *a)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static struct sockaddr_storage ss;

static const struct sockaddr *
sa4(const char *s)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	pton4(s, (uint8_t *)&sin->sin_addr);
	return (struct sockaddr *)&ss;
}

static const struct sockaddr *
sa6(const char *s)
{
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	pton6(s, (uint8_t *)&sin6->sin6_addr);
	return (struct sockaddr *)&ss;
}

/*
 * An IPv4 header with ihl words (options zero-filled) in front of body,
 * as a raw IPv4 socket delivers it.  Returns the total length.
 */
static size_t
ip4(uint8_t *out, size_t ihlw, uint8_t proto, const char *src,
    const char *dst, uint8_t ttl, const uint8_t *body, size_t blen)
{
	size_t	 hl = ihlw * 4;

	memset(out, 0, hl);
	out[0] = 0x40 | (uint8_t)ihlw;
	wr16(out + 2, (uint16_t)(hl + blen));
	out[8] = ttl;
	out[9] = proto;
	pton4(src, out + 12);
	pton4(dst, out + 16);
	memcpy(out + hl, body, blen);
	return hl + blen;
}

/* An IPv6 fixed header in front of body (for quotes). */
static size_t
ip6(uint8_t *out, uint8_t nh, const char *src, const char *dst,
    const uint8_t *body, size_t blen)
{
	memset(out, 0, 40);
	out[0] = 0x60;
	wr16(out + 4, (uint16_t)blen);
	out[6] = nh;
	out[7] = 64;
	pton6(src, out + 8);
	pton6(dst, out + 24);
	memcpy(out + 40, body, blen);
	return 40 + blen;
}

/* Our echo request as it left: the ICMP message. */
static size_t
our_echo(int af, uint16_t id, uint16_t seq, uint8_t *buf, size_t sz)
{
	ssize_t	 n;

	n = icmp_echo_encode(af, id, seq, cookie, PLEN, buf, sz);
	assert_int_equal(n, 8 + PLEN);
	return (size_t)n;
}

/* Turn an encoded echo request into the reply the target sends back. */
static void
to_reply(int af, uint8_t *m, size_t len)
{
	m[0] = af == AF_INET ? 0 : 129;
	if (af == AF_INET) {
		wr16(m + 2, 0);
		wr16(m + 2, icmp_checksum(m, len));
	}
}

/*
 * An IPv4 ICMP error (type, code, word 4..7 = rest) from RTR4 quoting
 * qlen bytes of our echo to qdst (with its IP header), wrapped in the outer
 * IPv4 header.  Returns the packet length.
 */
static size_t
err4(uint8_t *out, uint8_t type, uint8_t code, uint32_t rest,
    const char *qdst, uint8_t qproto, uint16_t id, uint16_t seq, size_t qlen)
{
	uint8_t	 echo[128], inner[256], msg[512];
	size_t	 elen, ilen;

	elen = our_echo(AF_INET, id, seq, echo, sizeof(echo));
	ilen = ip4(inner, 5, qproto, ME4, qdst, 1, echo, elen);
	if (qlen > ilen)
		qlen = ilen;
	msg[0] = type;
	msg[1] = code;
	wr16(msg + 2, 0);
	wr32(msg + 4, rest);
	memcpy(msg + 8, inner, qlen);
	wr16(msg + 2, icmp_checksum(msg, 8 + qlen));
	return ip4(out, 5, 1, RTR4, ME4, 250, msg, 8 + qlen);
}

/* An ICMPv6 error as the raw socket delivers it (no IPv6 header). */
static size_t
err6(uint8_t *out, uint8_t type, uint8_t code, uint32_t rest,
    const char *qdst, uint8_t qnh, uint16_t id, uint16_t seq, size_t qlen)
{
	uint8_t	 echo[128], inner[256];
	size_t	 elen, ilen;

	elen = our_echo(AF_INET6, id, seq, echo, sizeof(echo));
	ilen = ip6(inner, qnh, ME6, qdst, echo, elen);
	if (qlen > ilen)
		qlen = ilen;
	out[0] = type;
	out[1] = code;
	wr16(out + 2, 0);
	wr32(out + 4, rest);
	memcpy(out + 8, inner, qlen);
	return 8 + qlen;
}

static void
test_round_trip_v4(void **state)
{
	uint8_t			 m[128], pkt[256];
	struct icmp_reply	 r;
	size_t			 n, i;

	n = our_echo(AF_INET, ID, SEQ, m, sizeof(m));
	assert_int_equal(m[0], 8);
	assert_int_equal(m[1], 0);
	to_reply(AF_INET, m, n);
	n = ip4(pkt, 5, 1, DST4, ME4, 57, m, n);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_ECHO_REPLY);
	assert_int_equal(r.type, 0);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.id, ID);
	assert_int_equal(r.seq, SEQ);
	assert_int_equal(r.payload_len, PLEN);
	assert_true(r.has_cookie);
	assert_memory_equal(r.cookie, cookie, 8);
	assert_int_equal(r.ttl, 57);
	assert_true(r.has_src);
	assert_memory_equal(r.src, pkt + 12, 4);
	assert_int_equal(r.quote, 0);
	/* The padding pattern follows the cookie. */
	for (i = 8; i < PLEN; i++)
		assert_int_equal(m[8 + i], i & 0xff);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(DST4)),
	    ICMP_MATCH_REPLY);
}

static void
test_round_trip_v6(void **state)
{
	uint8_t			 m[128];
	struct icmp_reply	 r;
	size_t			 n;

	n = our_echo(AF_INET6, ID, SEQ, m, sizeof(m));
	assert_int_equal(m[0], 128);
	to_reply(AF_INET6, m, n);
	assert_int_equal(icmp_decode(AF_INET6, m, n, &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_ECHO_REPLY);
	assert_int_equal(r.type, 129);
	assert_int_equal(r.id, ID);
	assert_int_equal(r.seq, SEQ);
	assert_int_equal(r.payload_len, PLEN);
	assert_memory_equal(r.cookie, cookie, 8);
	/* IPv6: the hop limit and source come from recvmsg(). */
	assert_int_equal(r.ttl, -1);
	assert_false(r.has_src);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6(DST6)),
	    ICMP_MATCH_NONE);
	assert_int_equal(icmp_reply_set_src(&r, sa6(DST6)), 0);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6(DST6)),
	    ICMP_MATCH_REPLY);
	assert_int_equal(icmp_reply_set_src(&r, sa4(DST4)), -1);
}

/* RFC 1071 section 3's example: the sum is ddf2, the checksum 220d. */
static void
test_checksum_rfc1071_example(void **state)
{
	static const uint8_t	 b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
				    0xf6, 0xf7 };
	static const uint8_t	 odd[] = { 0x00, 0x01, 0xf2 };

	assert_int_equal(icmp_checksum(b, sizeof(b)), 0x220d);
	/* An odd byte is padded with zero: 0x0001 + 0xf200 = 0xf201. */
	assert_int_equal(icmp_checksum(odd, sizeof(odd)), 0x0dfe);
	assert_int_equal(icmp_checksum(b, 0), 0xffff);
}

/*
 * Echo request id 1 seq 1, cookie 01..08, no padding.  By hand:
 * 0800 + 0001 + 0001 + 0102 + 0304 + 0506 + 0708 = 1816, ~1816 = e7e9.
 */
static void
test_checksum_known_echo_v4(void **state)
{
	static const uint8_t	 c[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t	 want[16] = { 0x08, 0x00, 0xe7, 0xe9, 0x00,
				    0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t			 buf[16];

	assert_int_equal(icmp_echo_encode(AF_INET, 1, 1, c, 8, buf,
	    sizeof(buf)), 16);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(icmp_checksum(buf, sizeof(buf)), 0);
}

static void
test_encode_v6_leaves_checksum_to_kernel(void **state)
{
	uint8_t	 buf[64];

	assert_int_equal(icmp_echo_encode(AF_INET6, ID, SEQ, cookie, 8, buf,
	    sizeof(buf)), 16);
	assert_int_equal(buf[0], 128);
	assert_int_equal(buf[2], 0);
	assert_int_equal(buf[3], 0);
	assert_int_equal(buf[4], ID >> 8);
	assert_int_equal(buf[7], SEQ & 0xff);
}

static void
test_encode_refuses_bad_arguments(void **state)
{
	uint8_t	 buf[64];

	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(icmp_echo_encode(AF_INET, ID, SEQ, cookie, 7, buf,
	    sizeof(buf)), -1);
	assert_int_equal(icmp_echo_encode(AF_UNIX, ID, SEQ, cookie, 8, buf,
	    sizeof(buf)), -1);
	/* 8 + 56 = 64 fits exactly; one more byte does not. */
	assert_int_equal(icmp_echo_encode(AF_INET, ID, SEQ, cookie, 56, buf,
	    64), 64);
	assert_int_equal(icmp_echo_encode(AF_INET, ID, SEQ, cookie, 57, buf,
	    sizeof(buf)), -1);
	assert_int_equal(icmp_echo_encode(AF_INET, ID, SEQ, cookie,
	    ICMP_CODEC_MAXPAYLOAD4 + 1, buf, SIZE_MAX), -1);
	assert_int_equal(icmp_echo_encode(AF_INET6, ID, SEQ, cookie,
	    ICMP_CODEC_MAXPAYLOAD6 + 1, buf, SIZE_MAX), -1);
	assert_int_equal(icmp_echo_encode(AF_INET, ID, SEQ, cookie, 8, buf,
	    15), -1);
}

static void
test_bad_checksum_v4_is_malformed(void **state)
{
	uint8_t			 m[128], pkt[256];
	struct icmp_reply	 r;
	size_t			 n;

	n = our_echo(AF_INET, ID, SEQ, m, sizeof(m));
	to_reply(AF_INET, m, n);
	m[20] ^= 0x01;		/* one payload bit flipped */
	n = ip4(pkt, 5, 1, DST4, ME4, 64, m, n);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), -1);
	assert_int_equal(r.kind, ICMP_KIND_OTHER);
	assert_false(r.has_cookie);
}

/*
 * Cut a reply at every length: with the IP total length unchanged the
 * packet is truncated and refused; with a total length that says so (a
 * short reply, checksum fixed) it decodes, with the cookie only when 8
 * payload bytes are there.
 */
static void
test_truncated_v4_every_length(void **state)
{
	uint8_t			 m[128], pkt[256], cut[256];
	struct icmp_reply	 r;
	size_t			 n, len, ml;

	n = our_echo(AF_INET, ID, SEQ, m, sizeof(m));
	to_reply(AF_INET, m, n);
	n = ip4(pkt, 5, 1, DST4, ME4, 64, m, n);
	for (len = 0; len < n; len++) {
		memcpy(cut, pkt, len);
		assert_int_equal(icmp_decode(AF_INET, cut, len, &r), -1);
	}
	for (len = 0; len <= n; len++) {
		ml = len > 20 ? len - 20 : 0;
		to_reply(AF_INET, m, ml);
		ip4(cut, 5, 1, DST4, ME4, 64, m, ml);
		if (len < 20)
			wr16(cut + 2, (uint16_t)len);
		if (len < 28) {
			assert_int_equal(icmp_decode(AF_INET, cut, len, &r),
			    -1);
			continue;
		}
		assert_int_equal(icmp_decode(AF_INET, cut, len, &r), 0);
		assert_int_equal(r.kind, ICMP_KIND_ECHO_REPLY);
		assert_int_equal(r.payload_len, len - 28);
		assert_int_equal(r.has_cookie, len >= 36);
		assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(DST4)),
		    len >= 36 ? ICMP_MATCH_REPLY : ICMP_MATCH_NONE);
	}
}

static void
test_truncated_v6_every_length(void **state)
{
	uint8_t			 m[128], cut[128];
	struct icmp_reply	 r;
	size_t			 n, len;

	n = our_echo(AF_INET6, ID, SEQ, m, sizeof(m));
	to_reply(AF_INET6, m, n);
	for (len = 0; len <= n; len++) {
		memcpy(cut, m, len);
		if (len < 8) {
			assert_int_equal(icmp_decode(AF_INET6, cut, len, &r),
			    -1);
			continue;
		}
		assert_int_equal(icmp_decode(AF_INET6, cut, len, &r), 0);
		assert_int_equal(r.payload_len, len - 8);
		assert_int_equal(r.has_cookie, len >= 16);
		icmp_reply_set_src(&r, sa6(DST6));
		assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6(DST6)),
		    len >= 16 ? ICMP_MATCH_REPLY : ICMP_MATCH_NONE);
	}
}

/* Errors cut short: the quote's parts appear as their bytes do. */
static void
test_truncated_errors_every_length(void **state)
{
	uint8_t			 pkt[512];
	struct icmp_reply	 r;
	size_t			 n, q, full = 20 + 8 + PLEN;
	int			 want;

	for (q = 0; q <= full; q++) {
		n = err4(pkt, 11, 0, 0, DST4, 1, ID, SEQ, q);
		assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
		assert_int_equal(r.kind, ICMP_KIND_TIME_EXCEEDED);
		want = (q >= 20 ? ICMP_QUOTE_IP : 0) |
		    (q >= 28 ? ICMP_QUOTE_ECHO : 0) |
		    (q >= 36 ? ICMP_QUOTE_COOKIE : 0);
		assert_int_equal(r.quote, want);
		assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(DST4)),
		    q >= 28 ? ICMP_MATCH_ERROR : ICMP_MATCH_NONE);
		/* And the same packet cut anywhere is refused, never read. */
		assert_int_equal(icmp_decode(AF_INET, pkt, n - 1, &r), -1);
	}
	full = 40 + 8 + PLEN;
	for (q = 0; q <= full; q++) {
		n = err6(pkt, 3, 0, 0, DST6, 58, ID, SEQ, q);
		assert_int_equal(icmp_decode(AF_INET6, pkt, n, &r), 0);
		assert_int_equal(r.kind, ICMP_KIND_TIME_EXCEEDED);
		want = (q >= 40 ? ICMP_QUOTE_IP : 0) |
		    (q >= 48 ? ICMP_QUOTE_ECHO : 0) |
		    (q >= 56 ? ICMP_QUOTE_COOKIE : 0);
		assert_int_equal(r.quote, want);
		assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6(DST6)),
		    q >= 48 ? ICMP_MATCH_ERROR : ICMP_MATCH_NONE);
	}
}

static void
test_ihl_larger_than_packet(void **state)
{
	uint8_t			 m[128], pkt[256];
	struct icmp_reply	 r;
	size_t			 n;

	assert_int_equal(icmp_echo_encode(AF_INET, ID, SEQ, cookie, 8, m,
	    sizeof(m)), 16);
	to_reply(AF_INET, m, 16);
	n = ip4(pkt, 5, 1, DST4, ME4, 64, m, 16);
	assert_int_equal(n, 36);
	pkt[0] = 0x4f;		/* 60-byte header in a 36-byte packet */
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), -1);
	pkt[0] = 0x4a;		/* 40 bytes: leaves no room for ICMP */
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), -1);
	pkt[0] = 0x44;		/* below the minimum of 5 words */
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), -1);
	pkt[0] = 0x45;
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
}

static void
test_ip_options_are_skipped(void **state)
{
	uint8_t			 m[128], pkt[256];
	struct icmp_reply	 r;
	size_t			 n;

	n = our_echo(AF_INET, ID, SEQ, m, sizeof(m));
	to_reply(AF_INET, m, n);
	n = ip4(pkt, 8, 1, DST4, ME4, 64, m, n);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_ECHO_REPLY);
	assert_int_equal(r.payload_len, PLEN);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(DST4)),
	    ICMP_MATCH_REPLY);
}

static void
test_wrong_ip_version_or_protocol(void **state)
{
	uint8_t			 m[128], pkt[256];
	struct icmp_reply	 r;
	size_t			 n;

	n = our_echo(AF_INET, ID, SEQ, m, sizeof(m));
	to_reply(AF_INET, m, n);
	n = ip4(pkt, 5, 1, DST4, ME4, 64, m, n);
	pkt[0] = 0x65;
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), -1);
	pkt[0] = 0x55;
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), -1);
	pkt[0] = 0x45;
	pkt[9] = 17;
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), -1);
	pkt[9] = 1;
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(icmp_decode(AF_UNIX, pkt, n, &r), -1);
	assert_int_equal(icmp_decode(AF_INET, NULL, 0, &r), -1);
}

static void
test_total_length_beyond_packet(void **state)
{
	uint8_t			 m[128], pkt[256];
	struct icmp_reply	 r;
	size_t			 n;

	n = our_echo(AF_INET, ID, SEQ, m, sizeof(m));
	to_reply(AF_INET, m, n);
	n = ip4(pkt, 5, 1, DST4, ME4, 64, m, n);
	wr16(pkt + 2, (uint16_t)(n + 1));
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), -1);
	/* Bytes after the total length (link padding) are ignored. */
	wr16(pkt + 2, (uint16_t)n);
	pkt[n] = 0x55;
	assert_int_equal(icmp_decode(AF_INET, pkt, n + 1, &r), 0);
	assert_int_equal(r.payload_len, PLEN);
}

static void
test_time_exceeded_v4_quotes_our_echo(void **state)
{
	uint8_t			 pkt[512], want[4];
	struct icmp_reply	 r;
	size_t			 n;

	/* Routers may quote only the header and 8 bytes (RFC 792). */
	n = err4(pkt, 11, 0, 0, DST4, 1, ID, SEQ, 28);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_TIME_EXCEEDED);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.quote, ICMP_QUOTE_IP | ICMP_QUOTE_ECHO);
	pton4(DST4, want);
	assert_memory_equal(r.q_dst, want, 4);
	assert_int_equal(r.q_proto, 1);
	assert_int_equal(r.q_type, 8);
	assert_int_equal(r.q_id, ID);
	assert_int_equal(r.q_seq, SEQ);
	pton4(RTR4, want);
	assert_memory_equal(r.src, want, 4);
	assert_int_equal(r.ttl, 250);
	assert_false(r.has_cookie);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(DST4)),
	    ICMP_MATCH_ERROR);
}

static void
test_unreach_v4_port_and_host(void **state)
{
	uint8_t			 pkt[512], want[4];
	struct icmp_reply	 r;
	size_t			 n;
	uint8_t			 code;

	pton4(DST4, want);
	for (code = 1; code <= 3; code += 2) {	/* host, port */
		n = err4(pkt, 3, code, 0, DST4, 1, ID, SEQ, 512);
		assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
		assert_int_equal(r.kind, ICMP_KIND_DEST_UNREACH);
		assert_int_equal(r.code, code);
		assert_memory_equal(r.q_dst, want, 4);
		assert_int_equal(r.q_proto, 1);
		assert_int_equal(r.q_id, ID);
		assert_int_equal(r.q_seq, SEQ);
		assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(DST4)),
		    ICMP_MATCH_ERROR);
	}
}

static void
test_errors_v6_quote_our_echo(void **state)
{
	static const struct {
		uint8_t		 type, code;
		enum icmp_kind	 kind;
	} t[] = {
		{ 3, 0, ICMP_KIND_TIME_EXCEEDED },
		{ 1, 3, ICMP_KIND_DEST_UNREACH },	/* address */
		{ 1, 4, ICMP_KIND_DEST_UNREACH },	/* port */
		{ 4, 1, ICMP_KIND_PARAM_PROBLEM },
	};
	uint8_t			 pkt[512], want[16];
	struct icmp_reply	 r;
	size_t			 n, i;

	pton6(DST6, want);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = err6(pkt, t[i].type, t[i].code, 6, DST6, 58, ID, SEQ,
		    512);
		assert_int_equal(icmp_decode(AF_INET6, pkt, n, &r), 0);
		assert_int_equal(r.kind, t[i].kind);
		assert_int_equal(r.code, t[i].code);
		assert_int_equal(r.quote, ICMP_QUOTE_IP | ICMP_QUOTE_ECHO |
		    ICMP_QUOTE_COOKIE);
		assert_memory_equal(r.q_dst, want, 16);
		assert_int_equal(r.q_proto, 58);
		assert_int_equal(r.q_type, 128);
		assert_int_equal(r.q_id, ID);
		assert_int_equal(r.q_seq, SEQ);
		if (r.kind == ICMP_KIND_PARAM_PROBLEM)
			assert_int_equal(r.pointer, 6);
		/* The router is the caller's, from recvmsg(). */
		assert_int_equal(icmp_reply_set_src(&r, sa6(RTR6)), 0);
		assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6(DST6)),
		    ICMP_MATCH_ERROR);
	}
}

/* An error quoting our id and seq but another cookie: not ours. */
static void
test_error_quoting_another_cookie(void **state)
{
	uint8_t			 pkt[512], other[ICMP_CODEC_COOKIELEN];
	struct icmp_reply	 r;
	size_t			 n;

	memcpy(other, cookie, sizeof(other));
	other[0] ^= 0xff;
	n = err4(pkt, 11, 0, 0, DST4, 1, ID, SEQ, 512);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(DST4)),
	    ICMP_MATCH_ERROR);
	assert_int_equal(icmp_match(&r, ID, SEQ, other, sa4(DST4)),
	    ICMP_MATCH_NONE);
	n = err6(pkt, 3, 0, 0, DST6, 58, ID, SEQ, 512);
	assert_int_equal(icmp_decode(AF_INET6, pkt, n, &r), 0);
	assert_int_equal(icmp_reply_set_src(&r, sa6(RTR6)), 0);
	assert_int_equal(icmp_match(&r, ID, SEQ, other, sa6(DST6)),
	    ICMP_MATCH_NONE);
	/* Quoted short (8 bytes, RFC 792): id and seq must do. */
	n = err4(pkt, 11, 0, 0, DST4, 1, ID, SEQ, 28);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(icmp_match(&r, ID, SEQ, other, sa4(DST4)),
	    ICMP_MATCH_ERROR);
}

static void
test_param_problem_v4_pointer(void **state)
{
	uint8_t			 pkt[512];
	struct icmp_reply	 r;
	size_t			 n;

	n = err4(pkt, 12, 0, 0x09000000, DST4, 1, ID, SEQ, 512);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_PARAM_PROBLEM);
	assert_int_equal(r.pointer, 9);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(DST4)),
	    ICMP_MATCH_ERROR);
}

static void
test_frag_needed_v4_gives_mtu(void **state)
{
	uint8_t			 pkt[512];
	struct icmp_reply	 r;
	size_t			 n;

	n = err4(pkt, 3, 4, 1400, DST4, 1, ID, SEQ, 512);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_TOO_BIG);
	assert_int_equal(r.mtu, 1400);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(DST4)),
	    ICMP_MATCH_ERROR);
	/* A pre-RFC 1191 router says 0: no MTU, still too big. */
	n = err4(pkt, 3, 4, 0, DST4, 1, ID, SEQ, 28);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_TOO_BIG);
	assert_int_equal(r.mtu, 0);
}

static void
test_packet_too_big_v6_gives_mtu(void **state)
{
	uint8_t			 pkt[512];
	struct icmp_reply	 r;
	size_t			 n;

	n = err6(pkt, 2, 0, 1280, DST6, 58, ID, SEQ, 512);
	assert_int_equal(icmp_decode(AF_INET6, pkt, n, &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_TOO_BIG);
	assert_int_equal(r.mtu, 1280);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6(DST6)),
	    ICMP_MATCH_ERROR);
	n = err6(pkt, 2, 0, 0x00010000, DST6, 58, ID, SEQ, 512);
	assert_int_equal(icmp_decode(AF_INET6, pkt, n, &r), 0);
	assert_int_equal(r.mtu, 65536);
}

static void
test_foreign_cookie_id_seq_or_source_no_match(void **state)
{
	uint8_t			 m[128], pkt[256], other[8];
	struct icmp_reply	 r;
	size_t			 n;

	n = our_echo(AF_INET, ID, SEQ, m, sizeof(m));
	to_reply(AF_INET, m, n);
	n = ip4(pkt, 5, 1, DST4, ME4, 64, m, n);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(DST4)),
	    ICMP_MATCH_REPLY);
	memcpy(other, cookie, 8);
	other[7] ^= 0x80;
	assert_int_equal(icmp_match(&r, ID, SEQ, other, sa4(DST4)),
	    ICMP_MATCH_NONE);
	assert_int_equal(icmp_match(&r, ID + 1, SEQ, cookie, sa4(DST4)),
	    ICMP_MATCH_NONE);
	assert_int_equal(icmp_match(&r, ID, SEQ + 1, cookie, sa4(DST4)),
	    ICMP_MATCH_NONE);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(RTR4)),
	    ICMP_MATCH_NONE);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6(DST6)),
	    ICMP_MATCH_NONE);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, NULL),
	    ICMP_MATCH_NONE);

	/* Forged on the wire: a reply carrying someone else's cookie. */
	n = icmp_echo_encode(AF_INET6, ID, SEQ, other, 8, m, sizeof(m));
	to_reply(AF_INET6, m, (size_t)n);
	assert_int_equal(icmp_decode(AF_INET6, m, (size_t)n, &r), 0);
	icmp_reply_set_src(&r, sa6(DST6));
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6(DST6)),
	    ICMP_MATCH_NONE);
	assert_int_equal(icmp_match(&r, ID, SEQ, other, sa6(DST6)),
	    ICMP_MATCH_REPLY);
	/* A nonzero code is not an echo reply. */
	m[1] = 1;
	assert_int_equal(icmp_decode(AF_INET6, m, (size_t)n, &r), 0);
	icmp_reply_set_src(&r, sa6(DST6));
	assert_int_equal(icmp_match(&r, ID, SEQ, other, sa6(DST6)),
	    ICMP_MATCH_NONE);
}

static void
test_error_for_another_probe_does_not_match(void **state)
{
	uint8_t			 pkt[512];
	struct icmp_reply	 r;
	size_t			 n;

	n = err4(pkt, 11, 0, 0, DST4, 1, ID, SEQ, 512);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(icmp_match(&r, ID, SEQ + 1, cookie, sa4(DST4)),
	    ICMP_MATCH_NONE);
	assert_int_equal(icmp_match(&r, ID + 1, SEQ, cookie, sa4(DST4)),
	    ICMP_MATCH_NONE);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(RTR4)),
	    ICMP_MATCH_NONE);
	/* Same bytes, but the quoted packet was UDP, not our echo. */
	n = err4(pkt, 3, 3, 0, DST4, 17, ID, SEQ, 512);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(r.quote, ICMP_QUOTE_IP);
	assert_int_equal(r.q_proto, 17);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4(DST4)),
	    ICMP_MATCH_NONE);
	n = err6(pkt, 1, 4, 0, DST6, 17, ID, SEQ, 512);
	assert_int_equal(icmp_decode(AF_INET6, pkt, n, &r), 0);
	assert_int_equal(r.quote, ICMP_QUOTE_IP);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6(DST6)),
	    ICMP_MATCH_NONE);
	/* A quoted echo reply (someone answering us) is not our request. */
	n = err6(pkt, 3, 0, 0, DST6, 58, ID, SEQ, 512);
	pkt[8 + 40] = 129;
	assert_int_equal(icmp_decode(AF_INET6, pkt, n, &r), 0);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6(DST6)),
	    ICMP_MATCH_NONE);
}

/* A raw socket on lo sees our own request: it is not a reply. */
static void
test_own_echo_request_on_lo_is_not_a_reply(void **state)
{
	uint8_t			 m[128], pkt[256];
	struct icmp_reply	 r;
	size_t			 n;

	n = our_echo(AF_INET, ID, SEQ, m, sizeof(m));
	n = ip4(pkt, 5, 1, "127.0.0.1", "127.0.0.1", 64, m, n);
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_ECHO_REQUEST);
	assert_int_equal(r.id, ID);
	assert_int_equal(r.seq, SEQ);
	assert_memory_equal(r.cookie, cookie, 8);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa4("127.0.0.1")),
	    ICMP_MATCH_NONE);

	n = our_echo(AF_INET6, ID, SEQ, m, sizeof(m));
	assert_int_equal(icmp_decode(AF_INET6, m, n, &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_ECHO_REQUEST);
	icmp_reply_set_src(&r, sa6("::1"));
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6("::1")),
	    ICMP_MATCH_NONE);
}

static void
test_other_types_decode_as_other(void **state)
{
	uint8_t			 m[16];
	struct icmp_reply	 r;

	memset(m, 0, sizeof(m));
	m[0] = 135;		/* neighbour solicitation */
	assert_int_equal(icmp_decode(AF_INET6, m, sizeof(m), &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_OTHER);
	assert_int_equal(r.type, 135);
	assert_int_equal(r.quote, 0);
	assert_int_equal(icmp_match(&r, 0, 0, m, sa6(DST6)), ICMP_MATCH_NONE);
}

/* A quoted later fragment carries no ICMP header: no id or seq to read. */
static void
test_quoted_later_fragment_gives_no_echo(void **state)
{
	uint8_t			 pkt[512];
	struct icmp_reply	 r;
	size_t			 n;

	n = err4(pkt, 11, 1, 0, DST4, 1, ID, SEQ, 512);
	wr16(pkt + 20 + 8 + 6, 185);	/* fragment offset 1480 */
	wr16(pkt + 20 + 2, 0);
	wr16(pkt + 20 + 2, icmp_checksum(pkt + 20, n - 20));
	assert_int_equal(icmp_decode(AF_INET, pkt, n, &r), 0);
	assert_int_equal(r.kind, ICMP_KIND_TIME_EXCEEDED);
	assert_int_equal(r.quote, ICMP_QUOTE_IP);
	assert_int_equal(icmp_match(&r, r.q_id, r.q_seq, cookie, sa4(DST4)),
	    ICMP_MATCH_NONE);
}

/* Without the caller's source, an IPv6 reply matches nothing, not even ::. */
static void
test_v6_reply_without_source_never_matches(void **state)
{
	uint8_t			 m[128];
	struct icmp_reply	 r;
	size_t			 n;

	n = our_echo(AF_INET6, ID, SEQ, m, sizeof(m));
	to_reply(AF_INET6, m, n);
	assert_int_equal(icmp_decode(AF_INET6, m, n, &r), 0);
	assert_false(r.has_src);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6("::")),
	    ICMP_MATCH_NONE);
	assert_int_equal(icmp_reply_set_src(&r, sa6("::")), 0);
	assert_int_equal(icmp_match(&r, ID, SEQ, cookie, sa6("::")),
	    ICMP_MATCH_REPLY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_v4),
		cmocka_unit_test(test_round_trip_v6),
		cmocka_unit_test(test_checksum_rfc1071_example),
		cmocka_unit_test(test_checksum_known_echo_v4),
		cmocka_unit_test(test_encode_v6_leaves_checksum_to_kernel),
		cmocka_unit_test(test_encode_refuses_bad_arguments),
		cmocka_unit_test(test_bad_checksum_v4_is_malformed),
		cmocka_unit_test(test_truncated_v4_every_length),
		cmocka_unit_test(test_truncated_v6_every_length),
		cmocka_unit_test(test_truncated_errors_every_length),
		cmocka_unit_test(test_ihl_larger_than_packet),
		cmocka_unit_test(test_ip_options_are_skipped),
		cmocka_unit_test(test_wrong_ip_version_or_protocol),
		cmocka_unit_test(test_total_length_beyond_packet),
		cmocka_unit_test(test_time_exceeded_v4_quotes_our_echo),
		cmocka_unit_test(test_unreach_v4_port_and_host),
		cmocka_unit_test(test_errors_v6_quote_our_echo),
		cmocka_unit_test(test_error_quoting_another_cookie),
		cmocka_unit_test(test_param_problem_v4_pointer),
		cmocka_unit_test(test_frag_needed_v4_gives_mtu),
		cmocka_unit_test(test_packet_too_big_v6_gives_mtu),
		cmocka_unit_test(test_foreign_cookie_id_seq_or_source_no_match),
		cmocka_unit_test(test_error_for_another_probe_does_not_match),
		cmocka_unit_test(test_own_echo_request_on_lo_is_not_a_reply),
		cmocka_unit_test(test_other_types_decode_as_other),
		cmocka_unit_test(test_quoted_later_fragment_gives_no_echo),
		cmocka_unit_test(test_v6_reply_without_source_never_matches),
	};

	return cmocka_run_group_tests_name("icmp_codec", tests, NULL, NULL);
}
