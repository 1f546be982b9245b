/*
 * Unit tests: the UDP echo probe codec (lopad/probe_udp.c).
 */
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probe_udp.h"

static const uint8_t cookie[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
static const uint8_t other[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 5 };

static void
test_layout_is_magic_seq_cookie_padding(void **state)
{
	uint8_t	 buf[64];

	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(probe_udp_encode(0x01020304, cookie, 20, buf,
	    sizeof(buf)), 20);
	assert_memory_equal(buf, "LOPA", 4);
	assert_int_equal(buf[4], 1);
	assert_int_equal(buf[5], 2);
	assert_int_equal(buf[6], 3);
	assert_int_equal(buf[7], 4);
	assert_memory_equal(buf + 8, cookie, 8);
	assert_int_equal(buf[16], 16);
	assert_int_equal(buf[19], 19);
	/* Nothing written past the length asked for. */
	assert_int_equal(buf[20], 0xaa);
}

static void
test_round_trip(void **state)
{
	uint8_t			 buf[1500];
	struct probe_udp	 p;
	uint32_t		 seqs[] = { 0, 1, 0xffff, 0x10000, 0xffffffff };
	size_t			 i;

	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		assert_int_equal(probe_udp_encode(seqs[i], cookie, 64, buf,
		    sizeof(buf)), 64);
		assert_int_equal(probe_udp_decode(buf, 64, &p), 0);
		assert_int_equal(p.seq, seqs[i]);
		assert_int_equal(p.len, 64);
		assert_memory_equal(p.cookie, cookie, 8);
		assert_true(probe_udp_cookie_eq(&p, cookie));
		assert_false(probe_udp_cookie_eq(&p, other));
	}
}

static void
test_minimum_size_is_the_header(void **state)
{
	uint8_t			 buf[32];
	struct probe_udp	 p;

	assert_int_equal(probe_udp_encode(7, cookie, 16, buf, sizeof(buf)),
	    16);
	assert_int_equal(probe_udp_decode(buf, 16, &p), 0);
	assert_int_equal(p.seq, 7);
	assert_int_equal(probe_udp_encode(7, cookie, 15, buf, sizeof(buf)),
	    -1);
	assert_int_equal(probe_udp_encode(7, cookie, 0, buf, sizeof(buf)),
	    -1);
}

static void
test_encode_refuses_bad_sizes(void **state)
{
	static uint8_t	 big[PROBE_UDP_MAXLEN + 2];

	assert_int_equal(probe_udp_encode(1, cookie, 64, big, 63), -1);
	assert_int_equal(probe_udp_encode(1, cookie, PROBE_UDP_MAXLEN, big,
	    sizeof(big)), PROBE_UDP_MAXLEN);
	assert_int_equal(probe_udp_encode(1, cookie, PROBE_UDP_MAXLEN + 1,
	    big, sizeof(big)), -1);
	assert_int_equal(probe_udp_encode(1, NULL, 64, big, sizeof(big)), -1);
	assert_int_equal(probe_udp_encode(1, cookie, 64, NULL, 64), -1);
}

static void
test_truncated_quote_still_decodes(void **state)
{
	uint8_t			 buf[128];
	struct probe_udp	 p;

	/* An ICMP error may quote only the start of the probe. */
	assert_int_equal(probe_udp_encode(42, cookie, 128, buf, sizeof(buf)),
	    128);
	assert_int_equal(probe_udp_decode(buf, 16, &p), 0);
	assert_int_equal(p.seq, 42);
	assert_int_equal(p.len, 16);
	assert_true(probe_udp_cookie_eq(&p, cookie));
}

static void
test_short_packets_are_refused(void **state)
{
	uint8_t			 buf[64];
	struct probe_udp	 p;
	size_t			 n;

	assert_int_equal(probe_udp_encode(42, cookie, 64, buf, sizeof(buf)),
	    64);
	for (n = 0; n < 16; n++) {
		memset(&p, 0x55, sizeof(p));
		assert_int_equal(probe_udp_decode(buf, n, &p), -1);
		/* Nothing of the packet leaks into a refused decode. */
		assert_int_equal(p.seq, 0);
		assert_int_equal(p.len, 0);
		assert_false(probe_udp_cookie_eq(&p, cookie));
	}
	assert_int_equal(probe_udp_decode(NULL, 64, &p), -1);
}

static void
test_wrong_magic_is_refused(void **state)
{
	uint8_t			 buf[64];
	struct probe_udp	 p;
	size_t			 i;

	for (i = 0; i < 4; i++) {
		assert_int_equal(probe_udp_encode(42, cookie, 64, buf,
		    sizeof(buf)), 64);
		buf[i] ^= 0x20;		/* "lOPA", "LoPA", ... */
		assert_int_equal(probe_udp_decode(buf, 64, &p), -1);
	}
}

static void
test_foreign_cookie_does_not_match(void **state)
{
	uint8_t			 buf[64];
	struct probe_udp	 p;
	size_t			 i;

	for (i = 0; i < 8; i++) {
		assert_int_equal(probe_udp_encode(42, cookie, 64, buf,
		    sizeof(buf)), 64);
		buf[8 + i] ^= 1;
		assert_int_equal(probe_udp_decode(buf, 64, &p), 0);
		assert_false(probe_udp_cookie_eq(&p, cookie));
	}
	assert_false(probe_udp_cookie_eq(NULL, cookie));
	assert_false(probe_udp_cookie_eq(&p, NULL));
}

static void
test_padding_is_not_checked(void **state)
{
	uint8_t			 buf[64];
	struct probe_udp	 p;

	/* An echo service may not be byte-exact past our header. */
	assert_int_equal(probe_udp_encode(9, cookie, 64, buf, sizeof(buf)),
	    64);
	memset(buf + 16, 0, 48);
	assert_int_equal(probe_udp_decode(buf, 64, &p), 0);
	assert_int_equal(p.seq, 9);
	assert_true(probe_udp_cookie_eq(&p, cookie));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_is_magic_seq_cookie_padding),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_minimum_size_is_the_header),
		cmocka_unit_test(test_encode_refuses_bad_sizes),
		cmocka_unit_test(test_truncated_quote_still_decodes),
		cmocka_unit_test(test_short_packets_are_refused),
		cmocka_unit_test(test_wrong_magic_is_refused),
		cmocka_unit_test(test_foreign_cookie_does_not_match),
		cmocka_unit_test(test_padding_is_not_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
