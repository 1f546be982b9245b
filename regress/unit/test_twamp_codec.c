/*
 * Unit tests: TWAMP-Test and STAMP packet codec (lopad/twamp_codec.c).
 * Expected bytes are written out by hand from the RFC layouts.
 */
#include <sys/types.h>
#include <sys/timex.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "twamp_codec.h"

/* 2024-01-01 00:00:00 UTC: Unix 1704067200, NTP 3913056000 (0xe93c7f00). */
#define UNIX_2024	1704067200LL
#define NS		1000000000LL
#define NTP(s, f)	(((uint64_t)(s) << 32) | (uint32_t)(f))

/* T1 = 2024-01-01 00:00:00.5, T2 = .75, T3 = .875 */
#define T1		NTP(0xe93c7f00, 0x80000000)
#define T2		NTP(0xe93c7f00, 0xc0000000)
#define T3		NTP(0xe93c7f00, 0xe0000000)
#define ERR_1MS_SYNC	0x8f84	/* S, scale 15, multiplier 132 */

/* Decode from a heap copy of exactly len octets: ASan sees overreads. */
static uint8_t *
exact_copy(const uint8_t *pkt, size_t len)
{
	uint8_t	*p;

	p = malloc(len);
	if (len > 0)
		assert_non_null(p);
	if (p != NULL)
		memcpy(p, pkt, len);
	return p;
}

static void
test_ntp_at_unix_epoch(void **state)
{
	assert_true(twamp_ntp_from_ns(0) == NTP(2208988800U, 0));
	assert_true(twamp_ntp_from_ns(0) == 0x83aa7e8000000000ULL);
	assert_true(twamp_ntp_to_ns(NTP(2208988800U, 0)) == 0);
}

static void
test_ntp_fractions(void **state)
{
	/* Half, quarter, one nanosecond (4.29 units rounds to 4). */
	assert_true(twamp_ntp_from_ns(UNIX_2024 * NS + NS / 2) == T1);
	assert_true(twamp_ntp_from_ns(UNIX_2024 * NS + NS / 4) ==
	    NTP(0xe93c7f00, 0x40000000));
	assert_true(twamp_ntp_from_ns(1) == NTP(2208988800U, 4));
	assert_true(twamp_ntp_to_ns(T1) == UNIX_2024 * NS + 500000000);
	assert_true(twamp_ntp_to_ns(T3) == UNIX_2024 * NS + 875000000);
	/* 0.999999999 s is 2^32 - 4.29 units: rounds to 2^32 - 4. */
	assert_true(twamp_ntp_from_ns(NS - 1) ==
	    NTP(2208988800U, 0xfffffffc));
	/* One unit below the second is 0.23 ns: rounds up, carrying. */
	assert_true(twamp_ntp_to_ns(NTP(2208988800U, 0xffffffff)) == NS);
	/* 0.23 ns rounds down to 0; 2 units (0.47 ns) too; 3 to 1 ns. */
	assert_true(twamp_ntp_to_ns(NTP(2208988800U, 1)) == 0);
	assert_true(twamp_ntp_to_ns(NTP(2208988800U, 2)) == 0);
	assert_true(twamp_ntp_to_ns(NTP(2208988800U, 3)) == 1);
}

static void
test_ntp_before_1970_and_eras(void **state)
{
	/* Half a second before the Unix epoch. */
	assert_true(twamp_ntp_from_ns(-NS / 2) ==
	    NTP(2208988799U, 0x80000000));
	assert_true(twamp_ntp_to_ns(NTP(2208988799U, 0x80000000)) ==
	    -NS / 2);
	/* NTP seconds 0 of era 1: 2036-02-07 06:28:16 UTC. */
	assert_true(twamp_ntp_to_ns(NTP(0, 0)) == 2085978496LL * NS);
	assert_true(twamp_ntp_from_ns(2085978496LL * NS) == NTP(0, 0));
	/* The last second of era 0 and the pivot 1968-01-20 03:14:08. */
	assert_true(twamp_ntp_to_ns(NTP(0xffffffffU, 0)) ==
	    2085978495LL * NS);
	assert_true(twamp_ntp_to_ns(NTP(0x80000000U, 0)) ==
	    (2147483648LL - 2208988800LL) * NS);
	assert_true(twamp_ntp_to_ns(NTP(0x7fffffffU, 0)) ==
	    (2147483647LL + 2085978496LL) * NS);
}

static void
test_ntp_round_trips(void **state)
{
	static const int64_t	 ns[] = {
		0, 1, 2, 3, 499999999, 500000000, 999999999, -1,
		-999999999, UNIX_2024 * NS + 123456789,
		1700000000LL * NS + 999999999, 2085978495LL * NS + 999999999,
		2085978496LL * NS, 3000000000LL * NS + 1,
		-61505151LL * NS,	/* just after the era 0 pivot */
		4000000000LL * NS + 42
	};
	uint64_t	 ntp, back, d;
	size_t		 i;
	int64_t		 v;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		assert_true(twamp_ntp_to_ns(twamp_ntp_from_ns(ns[i])) ==
		    ns[i]);
	/* Every nanosecond of a stretch, across a second boundary. */
	for (v = UNIX_2024 * NS - 5000; v < UNIX_2024 * NS + 5000; v++)
		assert_true(twamp_ntp_to_ns(twamp_ntp_from_ns(v)) == v);
	/* NTP -> ns -> NTP: within 3 units of 2^-32 s. */
	for (i = 0; i < 4096; i++) {
		ntp = NTP(0xe93c7f00 + i, (uint32_t)(i * 0x9e3779b9U));
		back = twamp_ntp_from_ns(twamp_ntp_to_ns(ntp));
		d = back > ntp ? back - ntp : ntp - back;
		assert_true(d <= 3);
	}
}

static void
test_errest_decode_fields(void **state)
{
	struct twamp_errest	 e;

	twamp_errest_decode(ERR_1MS_SYNC, &e);
	assert_int_equal(e.sync, 1);
	assert_int_equal(e.ptp, 0);
	assert_int_equal(e.scale, 15);
	assert_int_equal(e.mult, 132);
	assert_int_equal(e.bad, 0);

	twamp_errest_decode(0x3fff, &e);
	assert_int_equal(e.sync, 0);
	assert_int_equal(e.ptp, 0);
	assert_int_equal(e.scale, 63);
	assert_int_equal(e.mult, 255);

	twamp_errest_decode(0x4101, &e);
	assert_int_equal(e.sync, 0);
	assert_int_equal(e.ptp, 1);
	assert_int_equal(e.scale, 1);
	assert_int_equal(e.mult, 1);
}

static void
test_errest_multiplier_zero_is_flagged(void **state)
{
	struct twamp_errest	 e;

	/* What Lopa and some routers send: decoded, not refused. */
	twamp_errest_decode(0x0000, &e);
	assert_int_equal(e.bad, 1);
	assert_int_equal(e.sync, 0);
	twamp_errest_decode(0x8500, &e);
	assert_int_equal(e.bad, 1);
	assert_int_equal(e.sync, 1);
	assert_int_equal(e.scale, 5);
	assert_int_equal(e.mult, 0);
}

static void
test_errest_encode(void **state)
{
	struct twamp_errest	 e;
	uint16_t		 v;

	memset(&e, 0, sizeof(e));
	e.sync = 1;
	e.scale = 15;
	e.mult = 132;
	assert_int_equal(twamp_errest_encode(&e, &v), 0);
	assert_int_equal(v, ERR_1MS_SYNC);
	e.sync = 0;
	e.ptp = 1;
	assert_int_equal(twamp_errest_encode(&e, &v), 0);
	assert_int_equal(v, 0x4f84);

	/* Never send a multiplier of 0 or a scale that does not fit. */
	e.mult = 0;
	assert_int_equal(twamp_errest_encode(&e, &v), -1);
	e.mult = 1;
	e.scale = 64;
	assert_int_equal(twamp_errest_encode(&e, &v), -1);
}

static void
test_errest_make_examples(void **state)
{
	/* 1 ms = 4294967.3 units: ceil / 2^15 = 132 (1.0071 ms). */
	assert_int_equal(twamp_errest_make(1000000, 1), 0x8f84);
	assert_int_equal(twamp_errest_make(1000000, 0), 0x0f84);
	/* 1 s = 2^32 units = 128 x 2^25. */
	assert_int_equal(twamp_errest_make(NS, 0), 0x1980);
	/* An error of 0 is still 1 x 2^-32 s: the multiplier is never 0. */
	assert_int_equal(twamp_errest_make(0, 1), 0x8001);
	assert_int_equal(twamp_errest_make(0, 0), 0x0001);
	/* 59 ns = 253.4 units: 254 at scale 0; 60 ns needs scale 1. */
	assert_int_equal(twamp_errest_make(59, 0), 0x00fe);
	assert_int_equal(twamp_errest_make(60, 0), 0x0181);
	/* 237 ns = 1017.9 units: 255 x 2^2 is tighter than 128 x 2^3. */
	assert_int_equal(twamp_errest_make(237, 0), 0x02ff);
	/* Beyond what the bits can say: the largest estimate. */
	assert_int_equal(twamp_errest_make(UINT64_MAX, 0), 0x3fff);
}

static void
test_errest_make_never_understates(void **state)
{
	struct twamp_errest	 e, less;
	uint64_t		 err;

	for (err = 1; err < 20000000000000ULL; err = err * 3 + 7) {
		twamp_errest_decode(twamp_errest_make(err, 1), &e);
		assert_int_equal(e.sync, 1);
		assert_int_equal(e.ptp, 0);
		assert_int_equal(e.bad, 0);
		assert_true(twamp_errest_ns(&e) >= err);
		/* One multiplier step less would claim a better clock. */
		less = e;
		less.mult--;
		if (less.mult > 0)
			assert_true(twamp_errest_ns(&less) <= err);
	}
	twamp_errest_decode(0x3fff, &e);
	assert_true(twamp_errest_ns(&e) == UINT64_MAX);
	twamp_errest_decode(0x2001, &e);	/* 2^0 s */
	assert_true(twamp_errest_ns(&e) == (uint64_t)NS);
}

static void
test_twamp_sender_vector(void **state)
{
	static const uint8_t	 want[TWAMP_SENDER_LEN] = {
		0x00, 0x00, 0x00, 0x01,				/* seq */
		0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,	/* T1 */
		0x8f, 0x84					/* error */
	};
	struct twamp_sender	 s, d;
	uint8_t			 buf[64];

	memset(&s, 0, sizeof(s));
	s.seq = 1;
	s.ts = twamp_ntp_from_ns(UNIX_2024 * NS + NS / 2);
	s.errest = twamp_errest_make(1000000, 1);
	assert_int_equal(twamp_sender_encode(&s, sizeof(want), buf,
	    sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));

	assert_int_equal(twamp_sender_decode(want, sizeof(want), &d), 0);
	assert_int_equal(d.seq, 1);
	assert_true(d.ts == T1);
	assert_int_equal(d.errest, ERR_1MS_SYNC);
	assert_int_equal(d.len, TWAMP_SENDER_LEN);
	assert_int_equal(d.flags, 0);
	assert_int_equal(d.ssid, 0);
}

static void
test_twamp_sender_padding_is_zeroed_within_len(void **state)
{
	struct twamp_sender	 s, d;
	uint8_t			 buf[80];
	size_t			 i;

	memset(&s, 0, sizeof(s));
	s.seq = 0xdeadbeef;
	s.ts = T1;
	s.errest = 0x0001;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(twamp_sender_encode(&s, 60, buf, sizeof(buf)), 60);
	for (i = TWAMP_SENDER_LEN; i < 60; i++)
		assert_int_equal(buf[i], 0);
	for (i = 60; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xaa);
	assert_int_equal(twamp_sender_decode(buf, 60, &d), 0);
	assert_int_equal(d.seq, 0xdeadbeef);
	assert_int_equal(d.len, 60);
}

static const uint8_t twamp_refl_want[TWAMP_REFLECTOR_LEN] = {
	0x00, 0x00, 0x00, 0x07,				/* seq */
	0xe9, 0x3c, 0x7f, 0x00, 0xe0, 0x00, 0x00, 0x00,	/* T3 */
	0x00, 0x01,					/* error */
	0x00, 0x00,					/* MBZ */
	0xe9, 0x3c, 0x7f, 0x00, 0xc0, 0x00, 0x00, 0x00,	/* T2 */
	0x00, 0x00, 0x00, 0x01,				/* sender seq */
	0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,	/* T1 */
	0x8f, 0x84,					/* sender error */
	0x00, 0x00,					/* MBZ */
	0xfd						/* sender TTL */
};

static void
fill_reflector(struct twamp_reflector *r)
{
	memset(r, 0, sizeof(*r));
	r->seq = 7;
	r->ts = T3;
	r->errest = 0x0001;
	r->rx_ts = T2;
	r->snd_seq = 1;
	r->snd_ts = T1;
	r->snd_errest = ERR_1MS_SYNC;
	r->snd_ttl = 253;
}

static void
check_reflector(const struct twamp_reflector *d)
{
	assert_int_equal(d->seq, 7);
	assert_true(d->ts == T3);
	assert_int_equal(d->errest, 0x0001);
	assert_true(d->rx_ts == T2);
	assert_int_equal(d->snd_seq, 1);
	assert_true(d->snd_ts == T1);
	assert_int_equal(d->snd_errest, ERR_1MS_SYNC);
}

static void
test_twamp_reflector_vector(void **state)
{
	struct twamp_reflector	 r, d;
	uint8_t			 buf[64];

	fill_reflector(&r);
	assert_int_equal(twamp_reflector_encode(&r, TWAMP_REFLECTOR_LEN,
	    buf, sizeof(buf)), TWAMP_REFLECTOR_LEN);
	assert_memory_equal(buf, twamp_refl_want, TWAMP_REFLECTOR_LEN);

	assert_int_equal(twamp_reflector_decode(twamp_refl_want,
	    TWAMP_REFLECTOR_LEN, &d), 0);
	check_reflector(&d);
	assert_int_equal(d.snd_ttl, 253);
	assert_int_equal(d.len, TWAMP_REFLECTOR_LEN);
	assert_int_equal(d.flags, 0);
}

static void
test_twampy_38_octet_reply_is_nonconformant(void **state)
{
	/* twampy's responder: no final MBZ and no Sender TTL. */
	static const uint8_t	 twampy[TWAMP_REFLECTOR_SHORT] = {
		0x00, 0x00, 0x00, 0x07,
		0xe9, 0x3c, 0x7f, 0x00, 0xe0, 0x00, 0x00, 0x00,
		0x00, 0x01,
		0x00, 0x00,
		0xe9, 0x3c, 0x7f, 0x00, 0xc0, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x01,
		0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
		0x8f, 0x84
	};
	struct twamp_reflector	 d;
	uint8_t			*p;

	p = exact_copy(twampy, sizeof(twampy));
	assert_int_equal(twamp_reflector_decode(p, sizeof(twampy), &d), 0);
	check_reflector(&d);
	assert_int_equal(d.snd_ttl, -1);
	assert_int_equal(d.len, 38);
	assert_int_equal(d.flags, TWAMP_F_NONCONFORMANT);
	/* The same octets as a STAMP reply are nonconformant too. */
	assert_int_equal(stamp_reflector_decode(p, sizeof(twampy), &d), 0);
	check_reflector(&d);
	assert_int_equal(d.snd_ttl, -1);
	assert_int_equal(d.flags, TWAMP_F_NONCONFORMANT);
	assert_int_equal(d.tlv_off, 38);
	free(p);
}

static void
test_twamp_reflector_with_padding(void **state)
{
	struct twamp_reflector	 r, d;
	uint8_t			 buf[128];
	size_t			 i;

	fill_reflector(&r);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(twamp_reflector_encode(&r, 100, buf, sizeof(buf)),
	    100);
	assert_memory_equal(buf, twamp_refl_want, TWAMP_REFLECTOR_LEN);
	for (i = TWAMP_REFLECTOR_LEN; i < 100; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[100], 0xaa);
	assert_int_equal(twamp_reflector_decode(buf, 100, &d), 0);
	check_reflector(&d);
	assert_int_equal(d.len, 100);
	assert_int_equal(d.flags, 0);
}

static const uint8_t stamp_snd_want[STAMP_PKT_LEN] = {
	0x00, 0x00, 0x00, 0x01,				/* seq */
	0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,	/* T1 */
	0x8f, 0x84,					/* error */
	0x12, 0x34,					/* SSID */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* MBZ, 28 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};

static void
test_stamp_sender_vector(void **state)
{
	struct twamp_sender	 s, d;
	uint8_t			 buf[64];

	memset(&s, 0, sizeof(s));
	s.seq = 1;
	s.ts = T1;
	s.errest = ERR_1MS_SYNC;
	s.ssid = 0x1234;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(stamp_sender_encode(&s, STAMP_PKT_LEN, buf,
	    sizeof(buf)), STAMP_PKT_LEN);
	assert_memory_equal(buf, stamp_snd_want, STAMP_PKT_LEN);
	assert_int_equal(buf[STAMP_PKT_LEN], 0xaa);

	assert_int_equal(stamp_sender_decode(stamp_snd_want, STAMP_PKT_LEN,
	    &d), 0);
	assert_int_equal(d.seq, 1);
	assert_true(d.ts == T1);
	assert_int_equal(d.errest, ERR_1MS_SYNC);
	assert_int_equal(d.ssid, 0x1234);
	assert_int_equal(d.len, STAMP_PKT_LEN);
	assert_int_equal(d.tlv_off, STAMP_PKT_LEN);
	assert_int_equal(d.flags, 0);
}

static const uint8_t stamp_refl_want[STAMP_PKT_LEN] = {
	0x00, 0x00, 0x00, 0x07,				/* seq */
	0xe9, 0x3c, 0x7f, 0x00, 0xe0, 0x00, 0x00, 0x00,	/* T3 */
	0x00, 0x01,					/* error */
	0x12, 0x34,					/* SSID */
	0xe9, 0x3c, 0x7f, 0x00, 0xc0, 0x00, 0x00, 0x00,	/* T2 */
	0x00, 0x00, 0x00, 0x01,				/* sender seq */
	0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,	/* T1 */
	0x8f, 0x84,					/* sender error */
	0x00, 0x00,					/* MBZ */
	0xfd,						/* sender TTL */
	0x00, 0x00, 0x00				/* MBZ */
};

static void
test_stamp_reflector_vector(void **state)
{
	struct twamp_reflector	 r, d;
	uint8_t			 buf[64];

	fill_reflector(&r);
	r.ssid = 0x1234;
	assert_int_equal(stamp_reflector_encode(&r, STAMP_PKT_LEN, buf,
	    sizeof(buf)), STAMP_PKT_LEN);
	assert_memory_equal(buf, stamp_refl_want, STAMP_PKT_LEN);

	assert_int_equal(stamp_reflector_decode(stamp_refl_want,
	    STAMP_PKT_LEN, &d), 0);
	check_reflector(&d);
	assert_int_equal(d.ssid, 0x1234);
	assert_int_equal(d.snd_ttl, 253);
	assert_int_equal(d.tlv_off, STAMP_PKT_LEN);
	assert_int_equal(d.flags, 0);
}

static void
test_stamp_tlv_space_is_reported(void **state)
{
	struct twamp_sender	 s;
	struct twamp_reflector	 r;
	uint8_t			 buf[STAMP_PKT_LEN + 12];

	memcpy(buf, stamp_snd_want, STAMP_PKT_LEN);
	memset(buf + STAMP_PKT_LEN, 0x5a, 12);
	assert_int_equal(stamp_sender_decode(buf, sizeof(buf), &s), 0);
	assert_int_equal(s.tlv_off, 44);
	assert_int_equal(s.len, sizeof(buf));
	assert_int_equal(s.flags, 0);

	memcpy(buf, stamp_refl_want, STAMP_PKT_LEN);
	assert_int_equal(stamp_reflector_decode(buf, sizeof(buf), &r), 0);
	assert_int_equal(r.tlv_off, 44);
	assert_int_equal(r.len, sizeof(buf));
	assert_int_equal(r.flags, 0);
}

static void
test_zero_padding_twamp_and_stamp_replies_identical(void **state)
{
	struct twamp_reflector	 r;
	uint8_t			 a[STAMP_PKT_LEN], b[STAMP_PKT_LEN];

	/* PROTOCOLS.md: with SSID 0 the 44-octet replies are the same. */
	fill_reflector(&r);
	assert_int_equal(twamp_reflector_encode(&r, sizeof(a), a,
	    sizeof(a)), sizeof(a));
	assert_int_equal(stamp_reflector_encode(&r, sizeof(b), b,
	    sizeof(b)), sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
}

static void
test_encode_refuses_bad_lengths(void **state)
{
	struct twamp_sender	 s;
	struct twamp_reflector	 r;
	uint8_t			 buf[64];

	memset(&s, 0, sizeof(s));
	fill_reflector(&r);
	assert_int_equal(twamp_sender_encode(&s, 13, buf, sizeof(buf)), -1);
	assert_int_equal(twamp_sender_encode(&s, 65, buf, sizeof(buf)), -1);
	assert_int_equal(twamp_sender_encode(&s, 14, buf, 13), -1);
	assert_int_equal(stamp_sender_encode(&s, 43, buf, sizeof(buf)), -1);
	assert_int_equal(stamp_sender_encode(&s, 44, buf, 43), -1);
	assert_int_equal(twamp_reflector_encode(&r, 40, buf, sizeof(buf)),
	    -1);
	assert_int_equal(twamp_reflector_encode(&r, 41, buf, 40), -1);
	assert_int_equal(stamp_reflector_encode(&r, 43, buf, sizeof(buf)),
	    -1);
	assert_int_equal(stamp_reflector_encode(&r, 44, buf, 43), -1);
	r.snd_ttl = 256;
	assert_int_equal(twamp_reflector_encode(&r, 41, buf, sizeof(buf)),
	    -1);
	r.snd_ttl = -1;
	assert_int_equal(stamp_reflector_encode(&r, 44, buf, sizeof(buf)),
	    -1);
	r.snd_ttl = 0;
	assert_int_equal(stamp_reflector_encode(&r, 44, buf, sizeof(buf)),
	    44);
}

#define FULL	64	/* every kind, with padding or TLV space */

static void
test_truncated_twamp_sender_every_length(void **state)
{
	struct twamp_sender	 s, d;
	uint8_t			 pkt[FULL], *p;
	size_t			 len;

	memset(&s, 0, sizeof(s));
	s.seq = 1;
	s.ts = T1;
	s.errest = ERR_1MS_SYNC;
	assert_int_equal(twamp_sender_encode(&s, FULL, pkt, FULL), FULL);
	for (len = 0; len <= FULL; len++) {
		p = exact_copy(pkt, len);
		if (len < TWAMP_SENDER_LEN)
			assert_int_equal(twamp_sender_decode(p, len, &d), -1);
		else {
			assert_int_equal(twamp_sender_decode(p, len, &d), 0);
			assert_int_equal(d.seq, 1);
			assert_true(d.ts == T1);
			assert_int_equal(d.errest, ERR_1MS_SYNC);
			assert_int_equal(d.len, len);
			assert_int_equal(d.flags, 0);
		}
		free(p);
	}
}

static void
test_truncated_stamp_sender_every_length(void **state)
{
	struct twamp_sender	 d;
	uint8_t			 pkt[FULL], *p;
	size_t			 len;

	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, stamp_snd_want, STAMP_PKT_LEN);
	for (len = 0; len <= FULL; len++) {
		p = exact_copy(pkt, len);
		if (len < STAMP_PKT_LEN)
			assert_int_equal(stamp_sender_decode(p, len, &d), -1);
		else {
			assert_int_equal(stamp_sender_decode(p, len, &d), 0);
			assert_int_equal(d.ssid, 0x1234);
			assert_int_equal(d.tlv_off, STAMP_PKT_LEN);
			assert_int_equal(d.len, len);
			assert_int_equal(d.flags, 0);
		}
		free(p);
	}
}

static void
test_truncated_twamp_reflector_every_length(void **state)
{
	struct twamp_reflector	 r, d;
	uint8_t			 pkt[FULL], *p;
	size_t			 len;

	fill_reflector(&r);
	assert_int_equal(twamp_reflector_encode(&r, FULL, pkt, FULL), FULL);
	for (len = 0; len <= FULL; len++) {
		p = exact_copy(pkt, len);
		if (len < TWAMP_REFLECTOR_SHORT) {
			assert_int_equal(twamp_reflector_decode(p, len, &d),
			    -1);
			free(p);
			continue;
		}
		assert_int_equal(twamp_reflector_decode(p, len, &d), 0);
		check_reflector(&d);
		assert_int_equal(d.len, len);
		assert_int_equal(d.snd_ttl,
		    len < TWAMP_REFLECTOR_LEN ? -1 : 253);
		assert_int_equal(d.flags, len < TWAMP_REFLECTOR_LEN ?
		    TWAMP_F_NONCONFORMANT : 0);
		free(p);
	}
}

static void
test_truncated_stamp_reflector_every_length(void **state)
{
	struct twamp_reflector	 d;
	uint8_t			 pkt[FULL], *p;
	size_t			 len;

	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, stamp_refl_want, STAMP_PKT_LEN);
	for (len = 0; len <= FULL; len++) {
		p = exact_copy(pkt, len);
		if (len < TWAMP_REFLECTOR_SHORT) {
			assert_int_equal(stamp_reflector_decode(p, len, &d),
			    -1);
			free(p);
			continue;
		}
		assert_int_equal(stamp_reflector_decode(p, len, &d), 0);
		check_reflector(&d);
		assert_int_equal(d.ssid, 0x1234);
		assert_int_equal(d.len, len);
		assert_int_equal(d.snd_ttl,
		    len < TWAMP_REFLECTOR_LEN ? -1 : 253);
		assert_int_equal(d.flags, len < STAMP_PKT_LEN ?
		    TWAMP_F_NONCONFORMANT : 0);
		assert_int_equal(d.tlv_off,
		    len < STAMP_PKT_LEN ? len : STAMP_PKT_LEN);
		free(p);
	}
}

static void
test_decode_failure_zeroes_result(void **state)
{
	struct twamp_sender	 s;
	struct twamp_reflector	 r;

	memset(&s, 0xff, sizeof(s));
	assert_int_equal(twamp_sender_decode(NULL, 0, &s), -1);
	assert_int_equal(s.seq, 0);
	assert_int_equal(s.len, 0);
	memset(&r, 0xff, sizeof(r));
	assert_int_equal(stamp_reflector_decode(stamp_refl_want, 37, &r),
	    -1);
	assert_int_equal(r.seq, 0);
	assert_int_equal(r.flags, 0);
	assert_int_equal(twamp_reflector_decode(NULL, 41, &r), -1);
	assert_int_equal(stamp_sender_decode(NULL, 44, &s), -1);
}

static void
test_zero_multipliers_are_flagged(void **state)
{
	struct twamp_sender	 s;
	struct twamp_reflector	 r;
	uint8_t			 pkt[STAMP_PKT_LEN];

	/* A Lopa-style sender: error estimate 0x0000, still decoded. */
	memcpy(pkt, stamp_snd_want, sizeof(pkt));
	pkt[12] = pkt[13] = 0;
	assert_int_equal(twamp_sender_decode(pkt, TWAMP_SENDER_LEN, &s), 0);
	assert_int_equal(s.flags, TWAMP_F_ERREST_BAD);
	assert_int_equal(s.seq, 1);
	assert_int_equal(stamp_sender_decode(pkt, sizeof(pkt), &s), 0);
	assert_int_equal(s.flags, TWAMP_F_ERREST_BAD);

	/* A multiplier of 0 with S set: still flagged. */
	memcpy(pkt, twamp_refl_want, TWAMP_REFLECTOR_LEN);
	pkt[12] = 0x80;
	pkt[13] = 0x00;
	assert_int_equal(twamp_reflector_decode(pkt, TWAMP_REFLECTOR_LEN,
	    &r), 0);
	assert_int_equal(r.flags, TWAMP_F_ERREST_BAD);
	pkt[37] = 0x00;
	assert_int_equal(twamp_reflector_decode(pkt, TWAMP_REFLECTOR_LEN,
	    &r), 0);
	assert_int_equal(r.flags, TWAMP_F_ERREST_BAD |
	    TWAMP_F_SND_ERREST_BAD);
	assert_int_equal(r.snd_errest, 0x8f00);
}

static void
test_nonzero_mbz_is_flagged(void **state)
{
	struct twamp_sender	 s;
	struct twamp_reflector	 r;
	uint8_t			 pkt[STAMP_PKT_LEN];
	size_t			 i;

	/* Any of octets 16-43 set: not a plain STAMP sender packet. */
	for (i = 16; i < STAMP_PKT_LEN; i++) {
		memcpy(pkt, stamp_snd_want, sizeof(pkt));
		pkt[i] = 0x01;
		assert_int_equal(stamp_sender_decode(pkt, sizeof(pkt), &s), 0);
		assert_int_equal(s.flags, TWAMP_F_MBZ);
		assert_int_equal(s.ssid, 0x1234);
	}

	/* TWAMP reflector: MBZ at 14-15 and 38-39. */
	memcpy(pkt, twamp_refl_want, TWAMP_REFLECTOR_LEN);
	pkt[15] = 1;
	assert_int_equal(twamp_reflector_decode(pkt, 41, &r), 0);
	assert_int_equal(r.flags, TWAMP_F_MBZ);
	assert_int_equal(r.ssid, 0);
	pkt[15] = 0;
	pkt[38] = 1;
	assert_int_equal(twamp_reflector_decode(pkt, 41, &r), 0);
	assert_int_equal(r.flags, TWAMP_F_MBZ);
	assert_int_equal(twamp_reflector_decode(pkt, 39, &r), 0);
	assert_int_equal(r.flags, TWAMP_F_MBZ | TWAMP_F_NONCONFORMANT);

	/* STAMP reflector: MBZ at 38-39 and 41-43; 14-15 is the SSID. */
	memcpy(pkt, stamp_refl_want, STAMP_PKT_LEN);
	pkt[43] = 1;
	assert_int_equal(stamp_reflector_decode(pkt, 44, &r), 0);
	assert_int_equal(r.flags, TWAMP_F_MBZ);
	assert_int_equal(stamp_reflector_decode(pkt, 43, &r), 0);
	assert_int_equal(r.flags, TWAMP_F_NONCONFORMANT);
	pkt[43] = 0;
	pkt[39] = 1;
	assert_int_equal(stamp_reflector_decode(pkt, 44, &r), 0);
	assert_int_equal(r.flags, TWAMP_F_MBZ);
}

static void
test_stamp_sender_is_twamp_sender_with_30_padding(void **state)
{
	struct twamp_sender	 s;

	/* RFC 8762: the TWAMP-light layout with 30 octets after error. */
	assert_int_equal(twamp_sender_decode(stamp_snd_want, STAMP_PKT_LEN,
	    &s), 0);
	assert_int_equal(s.seq, 1);
	assert_true(s.ts == T1);
	assert_int_equal(s.errest, ERR_1MS_SYNC);
	assert_int_equal(s.len, 44);
	assert_int_equal(s.ssid, 0);
	assert_int_equal(s.tlv_off, 0);
}

static void
test_classify_by_the_protocols_rule(void **state)
{
	uint8_t	 pkt[100];
	uint8_t	*p;
	size_t	 len;

	memset(pkt, 0, sizeof(pkt));
	/* Below 14 octets: no test packet, at any content. */
	for (len = 0; len < TWAMP_SENDER_LEN; len++) {
		p = exact_copy(pkt, len);
		assert_int_equal(twamp_test_classify(p, len), -1);
		free(p);
	}
	assert_int_equal(twamp_test_classify(NULL, 50), -1);
	/* 14 to 43 octets: TWAMP-light, even all zero. */
	for (len = TWAMP_SENDER_LEN; len < STAMP_PKT_LEN; len++) {
		p = exact_copy(pkt, len);
		assert_int_equal(twamp_test_classify(p, len),
		    TWAMP_KIND_LIGHT);
		free(p);
	}
	/* 44 and more with octets 16-43 zero: STAMP, whatever follows. */
	memset(pkt, 0xff, 16);
	memset(pkt + 44, 0xee, sizeof(pkt) - 44);
	assert_int_equal(twamp_test_classify(pkt, 44), TWAMP_KIND_STAMP);
	assert_int_equal(twamp_test_classify(pkt, 100), TWAMP_KIND_STAMP);
	/* A non-zero octet anywhere in 16-43: TWAMP-light padding. */
	for (len = 16; len < 44; len++) {
		pkt[len] = 1;
		assert_int_equal(twamp_test_classify(pkt, 44),
		    TWAMP_KIND_LIGHT);
		pkt[len] = 0;
	}
}

static void
test_reply_lengths(void **state)
{
	/* TWAMP-light: 14 + P in, 41 + max(P - 27, 0) out. */
	assert_int_equal(twamp_reply_len(TWAMP_KIND_LIGHT, 13), 0);
	assert_int_equal(twamp_reply_len(TWAMP_KIND_LIGHT, 14), 41);
	assert_int_equal(twamp_reply_len(TWAMP_KIND_LIGHT, 14 + 26), 41);
	assert_int_equal(twamp_reply_len(TWAMP_KIND_LIGHT, 14 + 27), 41);
	assert_int_equal(twamp_reply_len(TWAMP_KIND_LIGHT, 14 + 28), 42);
	assert_int_equal(twamp_reply_len(TWAMP_KIND_LIGHT, 14 + 100), 114);
	assert_int_equal(twamp_reply_len(TWAMP_KIND_LIGHT, 14 + 1400), 1414);
	/* STAMP: symmetric, 44 at least. */
	assert_int_equal(twamp_reply_len(TWAMP_KIND_STAMP, 43), 0);
	assert_int_equal(twamp_reply_len(TWAMP_KIND_STAMP, 44), 44);
	assert_int_equal(twamp_reply_len(TWAMP_KIND_STAMP, 1444), 1444);
	assert_int_equal(twamp_reply_len(7, 100), 0);
}

static void
test_put_ts_writes_octets_4_to_11_only(void **state)
{
	uint8_t	 pkt[41], want[41];

	memset(pkt, 0xaa, sizeof(pkt));
	memcpy(want, pkt, sizeof(want));
	want[4] = 0xe9; want[5] = 0x3c; want[6] = 0x7f; want[7] = 0x00;
	want[8] = 0xe0; want[9] = 0x00; want[10] = 0x00; want[11] = 0x00;
	assert_int_equal(twamp_reflector_put_ts(pkt, sizeof(pkt), T3), 0);
	assert_memory_equal(pkt, want, sizeof(want));
	assert_int_equal(twamp_reflector_put_ts(pkt, 13, T3), -1);
	assert_int_equal(twamp_reflector_put_ts(NULL, 41, T3), -1);
}

/* Our clock's estimate from what adjtimex(2) said. */
static void
test_errest_clock(void **state)
{
	struct timex		 tx;
	struct twamp_errest	 e;
	int64_t			 maxerr;
	int			 sync;

	memset(&tx, 0, sizeof(tx));
	tx.maxerror = 1000;			/* 1 ms */
	twamp_errest_decode(twamp_errest_clock(TIME_OK, &tx, &sync, &maxerr),
	    &e);
	assert_int_equal(sync, 1);
	assert_int_equal(maxerr, 1000);
	assert_true(e.sync);
	assert_true(e.mult != 0);
	assert_true(twamp_errest_ns(&e) >= 1000 * 1000);

	/* The kernel says unsynchronized, either way. */
	tx.status = STA_UNSYNC;
	twamp_errest_decode(twamp_errest_clock(TIME_OK, &tx, &sync, &maxerr),
	    &e);
	assert_int_equal(sync, 0);
	assert_false(e.sync);
	tx.status = 0;
	twamp_errest_decode(twamp_errest_clock(TIME_ERROR, &tx, &sync,
	    &maxerr), &e);
	assert_int_equal(sync, 0);
	assert_false(e.sync);

	/* The call failed: NTP's 16 s, unsynchronized. */
	twamp_errest_decode(twamp_errest_clock(-1, &tx, &sync, &maxerr), &e);
	assert_int_equal(sync, -1);
	assert_int_equal(maxerr, 16 * 1000 * 1000);
	assert_false(e.sync);
	assert_true(twamp_errest_ns(&e) >= 16ULL * 1000 * 1000 * 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ntp_at_unix_epoch),
		cmocka_unit_test(test_ntp_fractions),
		cmocka_unit_test(test_ntp_before_1970_and_eras),
		cmocka_unit_test(test_ntp_round_trips),
		cmocka_unit_test(test_errest_decode_fields),
		cmocka_unit_test(test_errest_multiplier_zero_is_flagged),
		cmocka_unit_test(test_errest_encode),
		cmocka_unit_test(test_errest_make_examples),
		cmocka_unit_test(test_errest_make_never_understates),
		cmocka_unit_test(test_errest_clock),
		cmocka_unit_test(test_twamp_sender_vector),
		cmocka_unit_test(test_twamp_sender_padding_is_zeroed_within_len),
		cmocka_unit_test(test_twamp_reflector_vector),
		cmocka_unit_test(test_twampy_38_octet_reply_is_nonconformant),
		cmocka_unit_test(test_twamp_reflector_with_padding),
		cmocka_unit_test(test_stamp_sender_vector),
		cmocka_unit_test(test_stamp_reflector_vector),
		cmocka_unit_test(test_stamp_tlv_space_is_reported),
		cmocka_unit_test(
		    test_zero_padding_twamp_and_stamp_replies_identical),
		cmocka_unit_test(test_encode_refuses_bad_lengths),
		cmocka_unit_test(test_truncated_twamp_sender_every_length),
		cmocka_unit_test(test_truncated_stamp_sender_every_length),
		cmocka_unit_test(test_truncated_twamp_reflector_every_length),
		cmocka_unit_test(test_truncated_stamp_reflector_every_length),
		cmocka_unit_test(test_decode_failure_zeroes_result),
		cmocka_unit_test(test_zero_multipliers_are_flagged),
		cmocka_unit_test(test_nonzero_mbz_is_flagged),
		cmocka_unit_test(
		    test_stamp_sender_is_twamp_sender_with_30_padding),
		cmocka_unit_test(test_classify_by_the_protocols_rule),
		cmocka_unit_test(test_reply_lengths),
		cmocka_unit_test(test_put_ts_writes_octets_4_to_11_only),
	};

	return cmocka_run_group_tests_name("twamp_codec", tests, NULL, NULL);
}
