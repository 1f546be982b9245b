/*
 * Unit tests: the TWAMP-Control client side of twamp_ctl_codec.c
 * (twamp_client_*), what the sender's full TWAMP sessions send and how
 * they judge the server's answers.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "twamp_ctl_codec.h"

static void
greeting(uint32_t modes, uint32_t count, uint8_t *buf)
{
	struct twamp_greeting	 g;

	memset(&g, 0, sizeof(g));
	g.modes = modes;
	g.count = count;
	assert_int_equal(twamp_greeting_encode(&g, buf, TWAMP_GREETING_LEN),
	    TWAMP_GREETING_LEN);
}

static void
test_greeting_checks(void **state)
{
	uint8_t		 b[TWAMP_GREETING_LEN];
	char		 err[256];
	uint32_t	 count;

	greeting(1, 1024, b);
	assert_int_equal(twamp_client_greeting(b, sizeof(b), 32768, &count,
	    err, sizeof(err)), 0);
	assert_int_equal(count, 1024);
	/* Modes 7 includes 1; a Count above the maximum is capped. */
	greeting(7, 1U << 20, b);
	assert_int_equal(twamp_client_greeting(b, sizeof(b), 32768, &count,
	    err, sizeof(err)), 0);
	assert_int_equal(count, 32768);
	greeting(1, 512, b);
	assert_int_equal(twamp_client_greeting(b, sizeof(b), 32768, &count,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "TWAMP-Control: Server Greeting Count 512: "
	    "below 1024");
	greeting(1, 3072, b);
	assert_int_equal(twamp_client_greeting(b, sizeof(b), 32768, &count,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "TWAMP-Control: Server Greeting Count 3072: "
	    "not a power of 2");
	greeting(0, 1024, b);
	assert_int_equal(twamp_client_greeting(b, sizeof(b), 32768, &count,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "TWAMP-Control: the server refuses the "
	    "connection (Server Greeting Modes 0)");
	greeting(6, 1024, b);
	assert_int_equal(twamp_client_greeting(b, sizeof(b), 32768, &count,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "TWAMP-Control: the server does not offer "
	    "unauthenticated mode (Server Greeting Modes 0x6)");
	assert_int_equal(twamp_client_greeting(b, 63, 32768, &count, err,
	    sizeof(err)), -1);
	assert_int_equal(count, 0);
}

static void
test_fixed_messages(void **state)
{
	uint8_t		 b[TWAMP_SETUP_RESP_LEN], z[TWAMP_SETUP_RESP_LEN];

	memset(z, 0, sizeof(z));
	memset(b, 0xff, sizeof(b));
	assert_int_equal(twamp_client_setup(b, sizeof(b)),
	    TWAMP_SETUP_RESP_LEN);
	assert_memory_equal(b, "\0\0\0\1", 4);
	assert_memory_equal(b + 4, z, TWAMP_SETUP_RESP_LEN - 4);
	memset(b, 0xff, sizeof(b));
	assert_int_equal(twamp_client_start(b, sizeof(b)), 32);
	assert_int_equal(b[0], 2);
	assert_memory_equal(b + 1, z, 31);
	memset(b, 0xff, sizeof(b));
	assert_int_equal(twamp_client_stop(b, sizeof(b)), 32);
	/* Command 3, Accept 0, MBZ, Number of Sessions 1, MBZ, HMAC. */
	assert_memory_equal(b, "\3\0\0\0\0\0\0\1", 8);
	assert_memory_equal(b + 8, z, 24);
	assert_int_equal(twamp_client_stop(b, 31), -1);
	assert_int_equal(twamp_client_setup(b, 163), -1);
}

static void
test_interval(void **state)
{
	assert_true(twamp_client_interval(0) == 0);
	assert_true(twamp_client_interval(-5) == 0);
	assert_true(twamp_client_interval(3000000000LL) == 3ULL << 32);
	assert_true(twamp_client_interval(1500000000LL) ==
	    (1ULL << 32 | 0x80000000ULL));
	/* 1 ns rounds to the nearest 2^-32 s: 4. */
	assert_true(twamp_client_interval(1) == 4);
	assert_true(twamp_client_interval(999999999LL) == 0xfffffffcULL);
	assert_true(twamp_client_interval(INT64_MAX) == UINT64_MAX);
}

static void
test_request_ipv4(void **state)
{
	struct twamp_client_req		 r;
	struct twamp_req_session	 rq;
	uint8_t				 b[TWAMP_REQ_SESSION_LEN + 8];

	memset(&r, 0, sizeof(r));
	r.family = AF_INET;
	memcpy(r.sender_addr, "\xc6\x12\x00\x01", 4);
	r.sender_port = 40000;
	memcpy(r.receiver_addr, "\xc6\x12\x00\x02", 4);
	r.receiver_port = 0;
	r.padding = 86;
	r.start_time = 0xe000000012345678ULL;
	r.timeout_ns = 3000000000LL;
	r.dscp = 46;
	memset(b, 0xee, sizeof(b));
	assert_int_equal(twamp_client_request(&r, b, sizeof(b)),
	    TWAMP_REQ_SESSION_LEN);
	assert_int_equal(b[TWAMP_REQ_SESSION_LEN], 0xee);
	/* Offsets from RFC 5357 section 3.5. */
	assert_int_equal(b[0], 5);
	assert_int_equal(b[1], 4);
	assert_int_equal(b[2], 0);
	assert_int_equal(b[3], 0);
	assert_memory_equal(b + 4, "\0\0\0\0\0\0\0\0", 8);
	assert_memory_equal(b + 12, "\x9c\x40\0\0", 4);
	assert_memory_equal(b + 16, "\xc6\x12\x00\x01", 4);
	assert_memory_equal(b + 32, "\xc6\x12\x00\x02", 4);
	assert_memory_equal(b + 64, "\0\0\0\x56", 4);
	assert_memory_equal(b + 68, "\xe0\0\0\0\x12\x34\x56\x78", 8);
	assert_memory_equal(b + 76, "\0\0\0\3\0\0\0\0", 8);
	assert_memory_equal(b + 84, "\x2e\0\0\0", 4);
	assert_int_equal(twamp_req_session_decode(b, TWAMP_REQ_SESSION_LEN,
	    &rq), 0);
	assert_int_equal(rq.flags, 0);
	assert_int_equal(rq.sender_port, 40000);
	assert_int_equal(rq.receiver_port, 0);
	assert_int_equal(rq.padding_len, 86);
	assert_int_equal(rq.typep, 0x2e000000U);
	for (size_t i = 48; i < 64; i++)	/* SID: the server's */
		assert_int_equal(b[i], 0);
}

static void
test_request_ipv6_and_limits(void **state)
{
	struct twamp_client_req		 r;
	struct twamp_req_session	 rq;
	uint8_t				 b[TWAMP_REQ_SESSION_LEN];

	memset(&r, 0, sizeof(r));
	r.family = AF_INET6;
	memcpy(r.sender_addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1", 16);
	memcpy(r.receiver_addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\2",
	    16);
	r.sender_port = 1;
	r.receiver_port = 40123;
	r.dscp = -1;		/* default forwarding: DSCP 0 */
	assert_int_equal(twamp_client_request(&r, b, sizeof(b)),
	    TWAMP_REQ_SESSION_LEN);
	assert_int_equal(twamp_req_session_decode(b, sizeof(b), &rq), 0);
	assert_int_equal(rq.ipvn, 6);
	assert_memory_equal(rq.receiver_addr, r.receiver_addr, 16);
	assert_int_equal(rq.receiver_port, 40123);
	assert_int_equal(rq.typep, 0);
	assert_int_equal(twamp_client_request(&r, b, sizeof(b) - 1), -1);
	r.dscp = 64;
	assert_int_equal(twamp_client_request(&r, b, sizeof(b)), -1);
	r.dscp = 0;
	r.family = AF_UNIX;
	assert_int_equal(twamp_client_request(&r, b, sizeof(b)), -1);
}

static void
test_replies(void **state)
{
	struct twamp_server_start	 ss;
	struct twamp_accept_session	 as;
	struct twamp_start_ack		 sa;
	uint8_t				 b[TWAMP_SERVER_START_LEN];
	char				 err[256];
	uint16_t			 port;

	memset(&ss, 0, sizeof(ss));
	twamp_server_start_encode(&ss, b, sizeof(b));
	assert_int_equal(twamp_client_server_start(b, sizeof(b), err,
	    sizeof(err)), 0);
	ss.accept = 3;
	twamp_server_start_encode(&ss, b, sizeof(b));
	assert_int_equal(twamp_client_server_start(b, sizeof(b), err,
	    sizeof(err)), -1);
	assert_string_equal(err, "TWAMP-Control: Server-Start refused: "
	    "some aspect of the request is not supported (3)");

	memset(&as, 0, sizeof(as));
	as.port = 18760;
	twamp_accept_session_encode(&as, b, sizeof(b));
	assert_int_equal(twamp_client_accept_session(b, sizeof(b), &port, err,
	    sizeof(err)), 0);
	assert_int_equal(port, 18760);
	as.accept = 4;
	twamp_accept_session_encode(&as, b, sizeof(b));
	assert_int_equal(twamp_client_accept_session(b, sizeof(b), &port, err,
	    sizeof(err)), -1);
	assert_int_equal(port, 0);
	assert_string_equal(err, "TWAMP-Control: Accept-Session refused: "
	    "cannot perform the request due to permanent resource "
	    "limitations (4)");
	as.accept = 200;
	twamp_accept_session_encode(&as, b, sizeof(b));
	assert_int_equal(twamp_client_accept_session(b, sizeof(b), &port, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "TWAMP-Control: Accept-Session refused: "
	    "reserved (200)");
	as.accept = 0;
	as.port = 0;
	twamp_accept_session_encode(&as, b, sizeof(b));
	assert_int_equal(twamp_client_accept_session(b, sizeof(b), &port, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "TWAMP-Control: Accept-Session accepted "
	    "with test port 0");
	assert_int_equal(twamp_client_accept_session(b, 47, &port, err,
	    sizeof(err)), -1);

	memset(&sa, 0, sizeof(sa));
	twamp_start_ack_encode(&sa, b, sizeof(b));
	assert_int_equal(twamp_client_start_ack(b, 32, err, sizeof(err)), 0);
	sa.accept = 5;
	twamp_start_ack_encode(&sa, b, sizeof(b));
	assert_int_equal(twamp_client_start_ack(b, 32, err, sizeof(err)), -1);
	assert_memory_equal(err, "TWAMP-Control: Start-Ack refused: ", 34);
	assert_int_equal(twamp_client_start_ack(b, 31, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_checks),
		cmocka_unit_test(test_fixed_messages),
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_request_ipv4),
		cmocka_unit_test(test_request_ipv6_and_limits),
		cmocka_unit_test(test_replies),
	};

	return cmocka_run_group_tests_name("twamp_client", tests, NULL, NULL);
}
