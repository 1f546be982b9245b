/*
 * Unit tests: TWAMP-Control message codec (lopad/twamp_ctl_codec.c).
 * Expected bytes are written out by hand from the layouts of RFC 4656
 * section 3 and RFC 5357 section 3 (as in PROTOCOLS.md).
 */
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "twamp_ctl_codec.h"

/* 2024-01-01 00:00:00.5 UTC in NTP format. */
#define T_2024		0xe93c7f0080000000ULL
#define THREE_S		0x0000000300000000ULL

/* Decode from a heap copy of exactly len octets: ASan sees overreads. */
static uint8_t *
exact_copy(const uint8_t *msg, size_t len)
{
	uint8_t	*p;

	p = malloc(len);
	if (len > 0)
		assert_non_null(p);
	if (p != NULL)
		memcpy(p, msg, len);
	return p;
}

static void
fill_seq(uint8_t *p, size_t len, uint8_t first)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(first + i);
}

/* Server Greeting: mode 1 only, Count 1024. */
static const uint8_t greeting_want[TWAMP_GREETING_LEN] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* Unused */
	0x00, 0x00, 0x00, 0x01,				/* Modes */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* Challenge */
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,	/* Salt */
	0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
	0x00, 0x00, 0x04, 0x00,				/* Count */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0		/* MBZ */
};

static void
fill_greeting(struct twamp_greeting *g)
{
	memset(g, 0, sizeof(*g));
	g->modes = TWAMP_MODE_UNAUTHENTICATED;
	fill_seq(g->challenge, sizeof(g->challenge), 0x01);
	fill_seq(g->salt, sizeof(g->salt), 0x11);
	g->count = 1024;
}

/* Set-Up-Response: the first and last octet of each field marked. */
static const uint8_t setup_want[TWAMP_SETUP_RESP_LEN] = {
	[3] = 0x01,			/* Mode */
	[4] = 0xa1, [83] = 0xa2,	/* KeyID, 4-83 */
	[84] = 0xb1, [147] = 0xb2,	/* Token, 84-147 */
	[148] = 0xc1, [163] = 0xc2	/* Client-IV, 148-163 */
};

static void
fill_setup(struct twamp_setup_resp *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = TWAMP_MODE_UNAUTHENTICATED;
	s->keyid[0] = 0xa1;
	s->keyid[79] = 0xa2;
	s->token[0] = 0xb1;
	s->token[63] = 0xb2;
	s->client_iv[0] = 0xc1;
	s->client_iv[15] = 0xc2;
}

static const uint8_t server_start_want[TWAMP_SERVER_START_LEN] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* MBZ */
	0x00,						/* Accept */
	0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,	/* Server-IV */
	0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30,
	0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,	/* Start-Time */
	0, 0, 0, 0, 0, 0, 0, 0				/* MBZ */
};

static void
fill_server_start(struct twamp_server_start *s)
{
	memset(s, 0, sizeof(*s));
	s->accept = TWAMP_ACCEPT_OK;
	fill_seq(s->server_iv, sizeof(s->server_iv), 0x21);
	s->start_time = T_2024;
}

/*
 * Request-TW-Session, IPv4: 192.0.2.1:20000 -> 198.51.100.2:20001,
 * padding 27, start 2024-01-01 00:00:00.5, timeout 3 s, DSCP EF (46).
 */
static const uint8_t req_want[TWAMP_REQ_SESSION_LEN] = {
	0x05, 0x04, 0x00, 0x00,		/* Command, MBZ|IPVN, Conf-S, Conf-R */
	0x00, 0x00, 0x00, 0x00,		/* Number of Schedule Slots */
	0x00, 0x00, 0x00, 0x00,		/* Number of Packets */
	0x4e, 0x20, 0x4e, 0x21,		/* Sender Port, Receiver Port */
	0xc0, 0x00, 0x02, 0x01, 0, 0, 0, 0,	/* Sender Address */
	0, 0, 0, 0, 0, 0, 0, 0,
	0xc6, 0x33, 0x64, 0x02, 0, 0, 0, 0,	/* Receiver Address */
	0, 0, 0, 0, 0, 0, 0, 0,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,	/* SID */
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
	0x00, 0x00, 0x00, 0x1b,				/* Padding Length */
	0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,	/* Start Time */
	0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,	/* Timeout */
	0x2e, 0x00, 0x00, 0x00,				/* Type-P: DSCP 46 */
	0, 0, 0, 0, 0, 0, 0, 0,				/* MBZ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0	/* HMAC */
};

static void
fill_req(struct twamp_req_session *r)
{
	static const uint8_t	 s4[4] = { 192, 0, 2, 1 };
	static const uint8_t	 r4[4] = { 198, 51, 100, 2 };

	memset(r, 0, sizeof(*r));
	r->ipvn = 4;
	r->sender_port = 20000;
	r->receiver_port = 20001;
	memcpy(r->sender_addr, s4, sizeof(s4));
	memcpy(r->receiver_addr, r4, sizeof(r4));
	fill_seq(r->sid, sizeof(r->sid), 0x40);
	r->padding_len = 27;
	r->start_time = T_2024;
	r->timeout = THREE_S;
	assert_int_equal(twamp_typep_from_dscp(46, &r->typep), 0);
}

static const uint8_t accept_want[TWAMP_ACCEPT_SESSION_LEN] = {
	0x00, 0x00, 0x4e, 0x21,				/* Accept, MBZ, Port */
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,	/* SID */
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
	0x01, 0x02, 0x03, 0x04,		/* Reflected, Server Octets */
	0, 0, 0, 0, 0, 0, 0, 0,				/* MBZ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0	/* HMAC */
};

static void
fill_accept(struct twamp_accept_session *a)
{
	memset(a, 0, sizeof(*a));
	a->accept = TWAMP_ACCEPT_OK;
	a->port = 20001;
	fill_seq(a->sid, sizeof(a->sid), 0x40);
	a->reflected_octets = 0x0102;
	a->server_octets = 0x0304;
}

static const uint8_t start_want[TWAMP_START_SESSIONS_LEN] = {
	0x02,						/* Command */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* MBZ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0	/* HMAC */
};

static const uint8_t start_ack_want[TWAMP_START_ACK_LEN] = {
	0x05,						/* Accept */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* MBZ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0	/* HMAC */
};

static const uint8_t stop_want[TWAMP_STOP_SESSIONS_LEN] = {
	0x03, 0x00, 0x00, 0x00,		/* Command, Accept, MBZ */
	0x00, 0x00, 0x00, 0x01,		/* Number of Sessions */
	0, 0, 0, 0, 0, 0, 0, 0,				/* MBZ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0	/* HMAC */
};

/*
 * One row per message kind, so that the length, command and MBZ tests
 * cover all eight the same way.  decode fills a scratch union and
 * returns its flags through *flags.
 */
union any_msg {
	struct twamp_greeting		 g;
	struct twamp_setup_resp		 su;
	struct twamp_server_start	 ss;
	struct twamp_req_session	 rq;
	struct twamp_accept_session	 as;
	struct twamp_start_sessions	 st;
	struct twamp_start_ack		 sa;
	struct twamp_stop_sessions	 sp;
};

struct range {
	size_t		 off, len;
};

struct kind {
	const char	*name;
	const uint8_t	*want;
	size_t		 len;
	int		 cmd;		/* -1: not a command */
	int		(*decode)(const uint8_t *, size_t, union any_msg *);
	ssize_t		(*encode)(const union any_msg *, uint8_t *, size_t);
	struct range	 mbz[4];	/* { 0, 0 } ends */
	struct range	 hmac;
};

/* Thin wrappers: the codec's own prototypes differ in struct type. */
#define WRAP(name, field)						\
static int								\
dec_##name(const uint8_t *b, size_t l, union any_msg *m)		\
{									\
	return twamp_##name##_decode(b, l, &m->field);			\
}									\
static ssize_t								\
enc_##name(const union any_msg *m, uint8_t *b, size_t sz)		\
{									\
	return twamp_##name##_encode(&m->field, b, sz);			\
}
WRAP(greeting, g)
WRAP(setup_resp, su)
WRAP(server_start, ss)
WRAP(req_session, rq)
WRAP(accept_session, as)
WRAP(start_sessions, st)
WRAP(start_ack, sa)
WRAP(stop_sessions, sp)

static const struct kind kinds[] = {
	{ "greeting", greeting_want, TWAMP_GREETING_LEN, -1,
	    dec_greeting, enc_greeting, { { 52, 12 } }, { 0, 0 } },
	{ "setup", setup_want, TWAMP_SETUP_RESP_LEN, -1,
	    dec_setup_resp, enc_setup_resp, { { 0, 0 } }, { 0, 0 } },
	{ "server-start", server_start_want, TWAMP_SERVER_START_LEN, -1,
	    dec_server_start, enc_server_start, { { 0, 15 }, { 40, 8 } },
	    { 0, 0 } },
	/* IPv4: address octets 4-15 are unused and checked as MBZ. */
	{ "request", req_want, TWAMP_REQ_SESSION_LEN, 5,
	    dec_req_session, enc_req_session,
	    { { 20, 12 }, { 36, 12 }, { 88, 8 } }, { 96, 16 } },
	{ "accept", accept_want, TWAMP_ACCEPT_SESSION_LEN, -1,
	    dec_accept_session, enc_accept_session, { { 1, 1 }, { 24, 8 } },
	    { 32, 16 } },
	{ "start", start_want, TWAMP_START_SESSIONS_LEN, 2,
	    dec_start_sessions, enc_start_sessions, { { 1, 15 } },
	    { 16, 16 } },
	{ "start-ack", start_ack_want, TWAMP_START_ACK_LEN, -1,
	    dec_start_ack, enc_start_ack, { { 1, 15 } }, { 16, 16 } },
	{ "stop", stop_want, TWAMP_STOP_SESSIONS_LEN, 3,
	    dec_stop_sessions, enc_stop_sessions, { { 2, 2 }, { 8, 8 } },
	    { 16, 16 } },
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

static int
msg_flags(const struct kind *k, const union any_msg *m)
{
	switch (k - kinds) {
	case 0:
		return m->g.flags;
	case 1:
		return m->su.flags;
	case 2:
		return m->ss.flags;
	case 3:
		return m->rq.flags;
	case 4:
		return m->as.flags;
	case 5:
		return m->st.flags;
	case 6:
		return m->sa.flags;
	default:
		return m->sp.flags;
	}
}

static int
in_range(const struct range *r, size_t i)
{
	return r->len > 0 && i >= r->off && i < r->off + r->len;
}

static void
test_greeting_vector(void **state)
{
	struct twamp_greeting	 g, d;
	uint8_t			 buf[TWAMP_GREETING_LEN];

	fill_greeting(&g);
	assert_int_equal(twamp_greeting_encode(&g, buf, sizeof(buf)),
	    TWAMP_GREETING_LEN);
	assert_memory_equal(buf, greeting_want, sizeof(buf));

	assert_int_equal(twamp_greeting_decode(greeting_want,
	    sizeof(greeting_want), &d), 0);
	assert_int_equal(d.modes, 1);
	assert_memory_equal(d.challenge, greeting_want + 16, 16);
	assert_memory_equal(d.salt, greeting_want + 32, 16);
	assert_int_equal(d.count, 1024);
	assert_int_equal(d.flags, 0);
}

static void
test_setup_resp_vector(void **state)
{
	struct twamp_setup_resp	 s, d;
	uint8_t			 buf[TWAMP_SETUP_RESP_LEN];

	fill_setup(&s);
	assert_int_equal(twamp_setup_resp_encode(&s, buf, sizeof(buf)),
	    TWAMP_SETUP_RESP_LEN);
	assert_memory_equal(buf, setup_want, sizeof(buf));

	assert_int_equal(twamp_setup_resp_decode(setup_want,
	    sizeof(setup_want), &d), 0);
	assert_int_equal(d.mode, 1);
	assert_int_equal(d.keyid[0], 0xa1);
	assert_int_equal(d.keyid[79], 0xa2);
	assert_int_equal(d.token[0], 0xb1);
	assert_int_equal(d.token[63], 0xb2);
	assert_int_equal(d.client_iv[0], 0xc1);
	assert_int_equal(d.client_iv[15], 0xc2);
	assert_int_equal(d.flags, 0);
}

static void
test_server_start_vector(void **state)
{
	struct twamp_server_start	 s, d;
	uint8_t				 buf[TWAMP_SERVER_START_LEN];

	fill_server_start(&s);
	assert_int_equal(twamp_server_start_encode(&s, buf, sizeof(buf)),
	    TWAMP_SERVER_START_LEN);
	assert_memory_equal(buf, server_start_want, sizeof(buf));

	assert_int_equal(twamp_server_start_decode(server_start_want,
	    sizeof(server_start_want), &d), 0);
	assert_int_equal(d.accept, 0);
	assert_memory_equal(d.server_iv, server_start_want + 16, 16);
	assert_true(d.start_time == T_2024);
	assert_int_equal(d.flags, 0);

	/* A refusal: Accept is octet 15, right after the 15 MBZ octets. */
	s.accept = TWAMP_ACCEPT_NOT_SUPPORTED;
	assert_int_equal(twamp_server_start_encode(&s, buf, sizeof(buf)),
	    TWAMP_SERVER_START_LEN);
	assert_int_equal(buf[14], 0);
	assert_int_equal(buf[15], 3);
	assert_int_equal(twamp_server_start_decode(buf, sizeof(buf), &d), 0);
	assert_int_equal(d.accept, 3);
}

static void
test_req_session_vector_ipv4(void **state)
{
	struct twamp_req_session	 r, d;
	uint8_t				 buf[TWAMP_REQ_SESSION_LEN], dscp;

	fill_req(&r);
	assert_int_equal(twamp_req_session_encode(&r, buf, sizeof(buf)),
	    TWAMP_REQ_SESSION_LEN);
	assert_memory_equal(buf, req_want, sizeof(buf));

	assert_int_equal(twamp_req_session_decode(req_want, sizeof(req_want),
	    &d), 0);
	assert_int_equal(d.ipvn, 4);
	assert_int_equal(d.conf_sender, 0);
	assert_int_equal(d.conf_receiver, 0);
	assert_int_equal(d.nslots, 0);
	assert_int_equal(d.npackets, 0);
	assert_int_equal(d.sender_port, 20000);
	assert_int_equal(d.receiver_port, 20001);
	assert_memory_equal(d.sender_addr, r.sender_addr, 16);
	assert_memory_equal(d.receiver_addr, r.receiver_addr, 16);
	assert_memory_equal(d.sid, req_want + 48, 16);
	assert_int_equal(d.padding_len, 27);
	assert_true(d.start_time == T_2024);
	assert_true(d.timeout == THREE_S);
	assert_int_equal(d.typep, 0x2e000000U);
	assert_int_equal(twamp_typep_dscp(d.typep, &dscp), 0);
	assert_int_equal(dscp, 46);
	assert_int_equal(d.flags, 0);
}

static void
test_req_session_fields_at_their_offsets(void **state)
{
	struct twamp_req_session	 r, d;
	uint8_t				 buf[TWAMP_REQ_SESSION_LEN];

	/* Every field non-zero and distinct: no field spills over. */
	memset(&r, 0, sizeof(r));
	r.ipvn = 6;
	r.conf_sender = 0x11;
	r.conf_receiver = 0x22;
	r.nslots = 0x01020304;
	r.npackets = 0x05060708;
	r.sender_port = 0x090a;
	r.receiver_port = 0x0b0c;
	fill_seq(r.sender_addr, 16, 0x20);
	fill_seq(r.receiver_addr, 16, 0x30);
	fill_seq(r.sid, 16, 0x40);
	r.padding_len = 0x50515253;
	r.start_time = 0x5455565758595a5bULL;
	r.timeout = 0x5c5d5e5f60616263ULL;
	r.typep = 0x64656667;
	assert_int_equal(twamp_req_session_encode(&r, buf, sizeof(buf)),
	    TWAMP_REQ_SESSION_LEN);
	assert_int_equal(buf[0], 5);
	assert_int_equal(buf[1], 0x06);
	assert_int_equal(buf[2], 0x11);
	assert_int_equal(buf[3], 0x22);
	assert_int_equal(buf[4], 0x01);
	assert_int_equal(buf[7], 0x04);
	assert_int_equal(buf[8], 0x05);
	assert_int_equal(buf[11], 0x08);
	assert_int_equal(buf[12], 0x09);
	assert_int_equal(buf[15], 0x0c);
	assert_int_equal(buf[16], 0x20);
	assert_int_equal(buf[31], 0x2f);
	assert_int_equal(buf[32], 0x30);
	assert_int_equal(buf[47], 0x3f);
	assert_int_equal(buf[48], 0x40);
	assert_int_equal(buf[63], 0x4f);
	assert_int_equal(buf[64], 0x50);
	assert_int_equal(buf[67], 0x53);
	assert_int_equal(buf[68], 0x54);
	assert_int_equal(buf[75], 0x5b);
	assert_int_equal(buf[76], 0x5c);
	assert_int_equal(buf[83], 0x63);
	assert_int_equal(buf[84], 0x64);
	assert_int_equal(buf[87], 0x67);
	assert_true(buf[88] == 0 && buf[95] == 0);
	assert_true(buf[96] == 0 && buf[111] == 0);

	/* IPv6: all 16 address octets are the address, none MBZ. */
	assert_int_equal(twamp_req_session_decode(buf, sizeof(buf), &d), 0);
	assert_int_equal(d.flags, 0);
	assert_int_equal(d.ipvn, 6);
	assert_int_equal(d.conf_sender, 0x11);
	assert_int_equal(d.conf_receiver, 0x22);
	assert_int_equal(d.nslots, 0x01020304);
	assert_int_equal(d.npackets, 0x05060708);
	assert_int_equal(d.sender_port, 0x090a);
	assert_int_equal(d.receiver_port, 0x0b0c);
	assert_memory_equal(d.sender_addr, r.sender_addr, 16);
	assert_memory_equal(d.receiver_addr, r.receiver_addr, 16);
	assert_memory_equal(d.sid, r.sid, 16);
	assert_int_equal(d.padding_len, 0x50515253);
	assert_true(d.start_time == r.start_time);
	assert_true(d.timeout == r.timeout);
	assert_int_equal(d.typep, 0x64656667);
}

static void
test_accept_session_vector(void **state)
{
	struct twamp_accept_session	 a, d;
	uint8_t				 buf[TWAMP_ACCEPT_SESSION_LEN];

	fill_accept(&a);
	assert_int_equal(twamp_accept_session_encode(&a, buf, sizeof(buf)),
	    TWAMP_ACCEPT_SESSION_LEN);
	assert_memory_equal(buf, accept_want, sizeof(buf));

	assert_int_equal(twamp_accept_session_decode(accept_want,
	    sizeof(accept_want), &d), 0);
	assert_int_equal(d.accept, 0);
	assert_int_equal(d.port, 20001);
	assert_memory_equal(d.sid, accept_want + 4, 16);
	/* RFC 6038's fields, not MBZ: decoded and not flagged. */
	assert_int_equal(d.reflected_octets, 0x0102);
	assert_int_equal(d.server_octets, 0x0304);
	assert_int_equal(d.flags, 0);
}

static void
test_start_sessions_vector(void **state)
{
	struct twamp_start_sessions	 s, d;
	uint8_t				 buf[TWAMP_START_SESSIONS_LEN];

	memset(&s, 0, sizeof(s));
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(twamp_start_sessions_encode(&s, buf, sizeof(buf)),
	    TWAMP_START_SESSIONS_LEN);
	assert_memory_equal(buf, start_want, sizeof(buf));
	assert_int_equal(twamp_start_sessions_decode(start_want,
	    sizeof(start_want), &d), 0);
	assert_int_equal(d.flags, 0);
}

static void
test_start_ack_vector(void **state)
{
	struct twamp_start_ack	 s, d;
	uint8_t			 buf[TWAMP_START_ACK_LEN];

	memset(&s, 0, sizeof(s));
	s.accept = TWAMP_ACCEPT_TEMP_RESOURCE;
	assert_int_equal(twamp_start_ack_encode(&s, buf, sizeof(buf)),
	    TWAMP_START_ACK_LEN);
	assert_memory_equal(buf, start_ack_want, sizeof(buf));
	assert_int_equal(twamp_start_ack_decode(start_ack_want,
	    sizeof(start_ack_want), &d), 0);
	assert_int_equal(d.accept, 5);
	assert_int_equal(d.flags, 0);
}

static void
test_stop_sessions_vector(void **state)
{
	struct twamp_stop_sessions	 s, d;
	uint8_t				 buf[TWAMP_STOP_SESSIONS_LEN];

	memset(&s, 0, sizeof(s));
	s.nsessions = 1;
	assert_int_equal(twamp_stop_sessions_encode(&s, buf, sizeof(buf)),
	    TWAMP_STOP_SESSIONS_LEN);
	assert_memory_equal(buf, stop_want, sizeof(buf));
	assert_int_equal(twamp_stop_sessions_decode(stop_want,
	    sizeof(stop_want), &d), 0);
	assert_int_equal(d.accept, 0);
	assert_int_equal(d.nsessions, 1);
	assert_int_equal(d.flags, 0);

	/* Accept at octet 1, a session count that fills all four octets. */
	s.accept = TWAMP_ACCEPT_INTERNAL;
	s.nsessions = 0xfedcba98;
	assert_int_equal(twamp_stop_sessions_encode(&s, buf, sizeof(buf)),
	    TWAMP_STOP_SESSIONS_LEN);
	assert_int_equal(buf[1], 2);
	assert_int_equal(buf[2], 0);
	assert_int_equal(buf[3], 0);
	assert_int_equal(buf[4], 0xfe);
	assert_int_equal(buf[7], 0x98);
	assert_int_equal(twamp_stop_sessions_decode(buf, sizeof(buf), &d), 0);
	assert_int_equal(d.accept, 2);
	assert_int_equal(d.nsessions, 0xfedcba98);
}

/* Decode each vector, re-encode it: the same bytes come back. */
static void
test_round_trips(void **state)
{
	union any_msg	 m;
	uint8_t		 buf[TWAMP_SETUP_RESP_LEN];
	size_t		 i;

	for (i = 0; i < NKINDS; i++) {
		memset(buf, 0xaa, sizeof(buf));
		assert_int_equal(kinds[i].decode(kinds[i].want, kinds[i].len,
		    &m), 0);
		assert_int_equal(kinds[i].encode(&m, buf, sizeof(buf)),
		    (ssize_t)kinds[i].len);
		assert_memory_equal(buf, kinds[i].want, kinds[i].len);
		/* Nothing written past the message. */
		if (kinds[i].len < sizeof(buf))
			assert_int_equal(buf[kinds[i].len], 0xaa);
	}
}

static void
test_encode_refuses_short_buffer(void **state)
{
	union any_msg	 m;
	uint8_t		 buf[TWAMP_SETUP_RESP_LEN];
	size_t		 i;

	for (i = 0; i < NKINDS; i++) {
		assert_int_equal(kinds[i].decode(kinds[i].want, kinds[i].len,
		    &m), 0);
		memset(buf, 0xaa, sizeof(buf));
		assert_int_equal(kinds[i].encode(&m, buf, kinds[i].len - 1),
		    -1);
		assert_int_equal(kinds[i].encode(&m, buf, 0), -1);
		assert_int_equal(kinds[i].encode(&m, NULL, sizeof(buf)), -1);
		/* A refused encode leaves the buffer alone. */
		assert_int_equal(buf[0], 0xaa);
		assert_int_equal(kinds[i].encode(&m, buf, kinds[i].len),
		    (ssize_t)kinds[i].len);
	}
}

static void
test_encode_zeroes_mbz_and_refuses_bad_ipvn(void **state)
{
	struct twamp_req_session	 r;
	uint8_t				 buf[TWAMP_REQ_SESSION_LEN];

	fill_req(&r);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(twamp_req_session_encode(&r, buf, sizeof(buf)),
	    TWAMP_REQ_SESSION_LEN);
	assert_memory_equal(buf, req_want, sizeof(buf));
	r.ipvn = 15;
	assert_int_equal(twamp_req_session_encode(&r, buf, sizeof(buf)),
	    TWAMP_REQ_SESSION_LEN);
	assert_int_equal(buf[1], 0x0f);
	r.ipvn = 16;
	assert_int_equal(twamp_req_session_encode(&r, buf, sizeof(buf)), -1);

	/* IPv4: junk after the 4 address octets is not sent. */
	fill_req(&r);
	memset(r.sender_addr + 4, 0xee, 12);
	memset(r.receiver_addr + 4, 0xee, 12);
	assert_int_equal(twamp_req_session_encode(&r, buf, sizeof(buf)),
	    TWAMP_REQ_SESSION_LEN);
	assert_memory_equal(buf, req_want, sizeof(buf));
}

static void
test_truncated_every_length(void **state)
{
	union any_msg	 m;
	uint8_t		 msg[TWAMP_SETUP_RESP_LEN + 8], *p;
	size_t		 i, len;

	for (i = 0; i < NKINDS; i++) {
		memset(msg, 0, sizeof(msg));
		memcpy(msg, kinds[i].want, kinds[i].len);
		for (len = 0; len <= kinds[i].len + 8; len++) {
			p = exact_copy(msg, len);
			memset(&m, 0xff, sizeof(m));
			if (len < kinds[i].len) {
				assert_int_equal(kinds[i].decode(p, len, &m),
				    -1);
				/* Zeroed on failure. */
				assert_int_equal(msg_flags(&kinds[i], &m), 0);
			} else {
				/* Longer: the next message's octets. */
				assert_int_equal(kinds[i].decode(p, len, &m),
				    0);
				assert_int_equal(msg_flags(&kinds[i], &m), 0);
			}
			free(p);
		}
		assert_int_equal(kinds[i].decode(NULL, kinds[i].len, &m), -1);
	}
}

static void
test_decode_failure_zeroes_result(void **state)
{
	struct twamp_req_session	 r;
	struct twamp_greeting		 g;

	memset(&r, 0xff, sizeof(r));
	assert_int_equal(twamp_req_session_decode(req_want, 111, &r), -1);
	assert_int_equal(r.ipvn, 0);
	assert_int_equal(r.padding_len, 0);
	assert_true(r.timeout == 0);
	memset(&g, 0xff, sizeof(g));
	assert_int_equal(twamp_greeting_decode(greeting_want, 63, &g), -1);
	assert_int_equal(g.count, 0);
	assert_int_equal(g.modes, 0);
	assert_int_equal(g.salt[0], 0);
}

static void
test_wrong_command_numbers(void **state)
{
	union any_msg	 m;
	uint8_t		 msg[TWAMP_REQ_SESSION_LEN];
	size_t		 i;
	unsigned int	 c;

	for (i = 0; i < NKINDS; i++) {
		if (kinds[i].cmd == -1)
			continue;
		memcpy(msg, kinds[i].want, kinds[i].len);
		for (c = 0; c < 256; c++) {
			msg[0] = (uint8_t)c;
			assert_int_equal(kinds[i].decode(msg, kinds[i].len,
			    &m), c == (unsigned int)kinds[i].cmd ? 0 : -1);
		}
	}
	/* The 32-octet commands are not each other. */
	assert_int_equal(twamp_stop_sessions_decode(start_want,
	    sizeof(start_want), &m.sp), -1);
	assert_int_equal(twamp_start_sessions_decode(stop_want,
	    sizeof(stop_want), &m.st), -1);
	/* Nor is the Start-Ack a Start-Sessions, or a request. */
	assert_int_equal(twamp_start_sessions_decode(start_ack_want,
	    sizeof(start_ack_want), &m.st), -1);
	msg[0] = 2;
	assert_int_equal(twamp_req_session_decode(msg, sizeof(msg), &m.rq),
	    -1);
}

/*
 * Flip the top bit of each octet in turn: MBZ octets flag MBZ, HMAC
 * octets flag HMAC, a command octet fails, anything else is a field
 * (or the greeting's unchecked Unused) and flags nothing.
 */
static void
test_nonzero_mbz_and_hmac_are_flagged(void **state)
{
	union any_msg		 m;
	uint8_t			 msg[TWAMP_SETUP_RESP_LEN];
	const struct kind	*k;
	size_t			 i, j, off;
	int			 want;

	for (i = 0; i < NKINDS; i++) {
		k = &kinds[i];
		for (off = 0; off < k->len; off++) {
			memcpy(msg, k->want, k->len);
			msg[off] ^= 0x80;
			if (off == 0 && k->cmd != -1) {
				assert_int_equal(k->decode(msg, k->len, &m),
				    -1);
				continue;
			}
			want = 0;
			for (j = 0; j < 4; j++)
				if (in_range(&k->mbz[j], off))
					want = TWAMP_CTL_F_MBZ;
			if (in_range(&k->hmac, off))
				want = TWAMP_CTL_F_HMAC;
			/* Request-TW-Session: the high nibble of octet 1. */
			if (k->cmd == 5 && off == 1)
				want = TWAMP_CTL_F_MBZ;
			assert_int_equal(k->decode(msg, k->len, &m), 0);
			if (msg_flags(k, &m) != want)
				fail_msg("%s: octet %zu: flags %d, want %d",
				    k->name, off, msg_flags(k, &m), want);
		}
	}
}

static void
test_ipv4_address_tail_and_ipvn_nibble(void **state)
{
	struct twamp_req_session	 d;
	uint8_t				 msg[TWAMP_REQ_SESSION_LEN];

	/* The MBZ nibble is not part of IPVN. */
	memcpy(msg, req_want, sizeof(msg));
	msg[1] = 0xf4;
	assert_int_equal(twamp_req_session_decode(msg, sizeof(msg), &d), 0);
	assert_int_equal(d.ipvn, 4);
	assert_int_equal(d.flags, TWAMP_CTL_F_MBZ);

	/* Octets after an IPv4 address: flagged for IPv4 ... */
	memcpy(msg, req_want, sizeof(msg));
	msg[47] = 1;
	assert_int_equal(twamp_req_session_decode(msg, sizeof(msg), &d), 0);
	assert_int_equal(d.flags, TWAMP_CTL_F_MBZ);
	assert_int_equal(d.receiver_addr[3], 2);
	assert_int_equal(d.receiver_addr[15], 0);
	/* ... but they are the address for IPv6. */
	msg[1] = 6;
	assert_int_equal(twamp_req_session_decode(msg, sizeof(msg), &d), 0);
	assert_int_equal(d.flags, 0);
	assert_int_equal(d.receiver_addr[15], 1);
	/* MBZ and HMAC together. */
	msg[90] = 1;
	msg[100] = 1;
	assert_int_equal(twamp_req_session_decode(msg, sizeof(msg), &d), 0);
	assert_int_equal(d.flags, TWAMP_CTL_F_MBZ | TWAMP_CTL_F_HMAC);
}

static void
test_stream_of_messages(void **state)
{
	struct twamp_start_sessions	 st;
	struct twamp_stop_sessions	 sp;
	struct twamp_req_session	 rq;
	uint8_t				 stream[112 + 32 + 32];
	size_t				 off = 0, n;

	/* What a server reads after Server-Start: commands back to back. */
	memcpy(stream, req_want, 112);
	memcpy(stream + 112, start_want, 32);
	memcpy(stream + 144, stop_want, 32);

	n = twamp_cmd_len(stream[off]);
	assert_int_equal(n, TWAMP_REQ_SESSION_LEN);
	assert_int_equal(twamp_req_session_decode(stream + off,
	    sizeof(stream) - off, &rq), 0);
	assert_int_equal(rq.receiver_port, 20001);
	off += n;
	n = twamp_cmd_len(stream[off]);
	assert_int_equal(n, TWAMP_START_SESSIONS_LEN);
	assert_int_equal(twamp_start_sessions_decode(stream + off,
	    sizeof(stream) - off, &st), 0);
	off += n;
	n = twamp_cmd_len(stream[off]);
	assert_int_equal(n, TWAMP_STOP_SESSIONS_LEN);
	assert_int_equal(twamp_stop_sessions_decode(stream + off,
	    sizeof(stream) - off, &sp), 0);
	assert_int_equal(sp.nsessions, 1);
	assert_int_equal(off + n, sizeof(stream));
}

static void
test_cmd_len(void **state)
{
	unsigned int	 c;

	assert_int_equal(twamp_cmd_len(5), 112);
	assert_int_equal(twamp_cmd_len(2), 32);
	assert_int_equal(twamp_cmd_len(3), 32);
	for (c = 0; c < 256; c++)
		if (c != 2 && c != 3 && c != 5)
			assert_int_equal(twamp_cmd_len((uint8_t)c), 0);
}

static void
test_count_rules(void **state)
{
	static const uint32_t	 small[] = { 0, 1, 2, 512, 1000, 1023 };
	static const uint32_t	 notpow2[] = {
		1025, 1536, 3072, 32767, 32769, 0xffffffffU, 0x80000001U
	};
	const char		*errstr;
	uint32_t		 use, v;
	size_t			 i;

	/* The minimum, what we send, and the default maximum. */
	assert_int_equal(twamp_count_check(1024, TWAMP_COUNT_MAX_DEFAULT,
	    &use, &errstr), 0);
	assert_int_equal(use, 1024);
	assert_null(errstr);
	assert_int_equal(twamp_count_check(32768, TWAMP_COUNT_MAX_DEFAULT,
	    &use, &errstr), 0);
	assert_int_equal(use, 32768);

	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		assert_int_equal(twamp_count_check(small[i],
		    TWAMP_COUNT_MAX_DEFAULT, &use, &errstr), -1);
		assert_int_equal(use, 0);
		assert_string_equal(errstr, "below 1024");
	}
	for (i = 0; i < sizeof(notpow2) / sizeof(notpow2[0]); i++) {
		assert_int_equal(twamp_count_check(notpow2[i],
		    TWAMP_COUNT_MAX_DEFAULT, &use, &errstr), -1);
		assert_string_equal(errstr, "not a power of 2");
	}

	/* Valid but above the maximum: capped to it. */
	for (v = 65536; v != 0; v <<= 1) {
		assert_int_equal(twamp_count_check(v, TWAMP_COUNT_MAX_DEFAULT,
		    &use, &errstr), 1);
		assert_int_equal(use, 32768);
		assert_null(errstr);
	}
	/* A configured maximum of 2^31 lets everything valid through. */
	for (v = 1024; v != 0; v <<= 1) {
		assert_int_equal(twamp_count_check(v, 0x80000000U, &use,
		    &errstr), 0);
		assert_int_equal(use, v);
	}
	/* A smaller maximum caps sooner. */
	assert_int_equal(twamp_count_check(2048, 1024, &use, &errstr), 1);
	assert_int_equal(use, 1024);

	/* A maximum that breaks the rules itself is refused. */
	assert_int_equal(twamp_count_check(1024, 0, &use, &errstr), -1);
	assert_non_null(errstr);
	assert_int_equal(twamp_count_check(1024, 512, &use, &errstr), -1);
	assert_int_equal(twamp_count_check(1024, 30000, &use, &errstr), -1);
	assert_int_equal(use, 0);
}

static void
test_accept_names(void **state)
{
	unsigned int	 c, d;

	assert_string_equal(twamp_accept_name(0), "OK");
	assert_string_equal(twamp_accept_name(1),
	    "failure, reason unspecified");
	assert_string_equal(twamp_accept_name(2), "internal error");
	assert_string_equal(twamp_accept_name(3),
	    "some aspect of the request is not supported");
	assert_string_equal(twamp_accept_name(4),
	    "cannot perform the request due to permanent resource "
	    "limitations");
	assert_string_equal(twamp_accept_name(5),
	    "cannot perform the request due to temporary resource "
	    "limitations");
	for (c = 6; c < 256; c++)
		assert_string_equal(twamp_accept_name((uint8_t)c), "reserved");
	/* Six different texts: an error names the code it got. */
	for (c = 0; c < 6; c++)
		for (d = c + 1; d < 6; d++)
			assert_true(strcmp(twamp_accept_name(c),
			    twamp_accept_name(d)) != 0);
}

static void
test_typep_dscp(void **state)
{
	uint32_t	 typep;
	uint8_t		 dscp;
	unsigned int	 v;

	/* RFC 4656 3.5: 00, then six DSCP bits: DSCP << 24. */
	assert_int_equal(twamp_typep_from_dscp(46, &typep), 0);
	assert_int_equal(typep, 0x2e000000U);
	assert_int_equal(twamp_typep_from_dscp(0, &typep), 0);
	assert_int_equal(typep, 0);
	assert_int_equal(twamp_typep_from_dscp(63, &typep), 0);
	assert_int_equal(typep, 0x3f000000U);
	assert_int_equal(twamp_typep_from_dscp(10, &typep), 0);	/* AF11 */
	assert_int_equal(typep, 0x0a000000U);
	assert_int_equal(twamp_typep_from_dscp(64, &typep), -1);
	assert_int_equal(twamp_typep_from_dscp(255, &typep), -1);

	for (v = 0; v < 64; v++) {
		assert_int_equal(twamp_typep_from_dscp((uint8_t)v, &typep),
		    0);
		assert_int_equal(twamp_typep_dscp(typep, &dscp), 0);
		assert_int_equal(dscp, v);
	}
	/* All zeros: best effort. */
	assert_int_equal(twamp_typep_dscp(0, &dscp), 0);
	assert_int_equal(dscp, 0);
	/* 01: a PHB ID, not supported; 10 and 11 are reserved. */
	assert_int_equal(twamp_typep_dscp(0x40000000U, &dscp), -1);
	assert_int_equal(twamp_typep_dscp(0x80000000U, &dscp), -1);
	assert_int_equal(twamp_typep_dscp(0xc0000000U, &dscp), -1);
	/*
	 * Not the RFC's encoding: the TOS byte (EF as 0xb8, whose top bits
	 * read as 10), a DSCP in the low bits, bits after the DSCP.
	 */
	assert_int_equal(twamp_typep_dscp(0xb8000000U, &dscp), -1);
	assert_int_equal(twamp_typep_dscp(0x0000002eU, &dscp), -1);
	assert_int_equal(dscp, 0);
	assert_int_equal(twamp_typep_dscp(0x2e000001U, &dscp), -1);
	assert_int_equal(twamp_typep_dscp(0x2e010000U, &dscp), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_vector),
		cmocka_unit_test(test_setup_resp_vector),
		cmocka_unit_test(test_server_start_vector),
		cmocka_unit_test(test_req_session_vector_ipv4),
		cmocka_unit_test(test_req_session_fields_at_their_offsets),
		cmocka_unit_test(test_accept_session_vector),
		cmocka_unit_test(test_start_sessions_vector),
		cmocka_unit_test(test_start_ack_vector),
		cmocka_unit_test(test_stop_sessions_vector),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_encode_refuses_short_buffer),
		cmocka_unit_test(test_encode_zeroes_mbz_and_refuses_bad_ipvn),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_decode_failure_zeroes_result),
		cmocka_unit_test(test_wrong_command_numbers),
		cmocka_unit_test(test_nonzero_mbz_and_hmac_are_flagged),
		cmocka_unit_test(test_ipv4_address_tail_and_ipvn_nibble),
		cmocka_unit_test(test_stream_of_messages),
		cmocka_unit_test(test_cmd_len),
		cmocka_unit_test(test_count_rules),
		cmocka_unit_test(test_accept_names),
		cmocka_unit_test(test_typep_dscp),
	};

	return cmocka_run_group_tests_name("twamp_ctl_codec", tests, NULL,
	    NULL);
}
