/*
 * Unit tests: STAMP TLV codec (lopad/stamp_tlv.c).
 * Expected bytes are written out by hand from RFC 8972 section 4.
 */
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stamp_tlv.h"

/*
 * A sender's TLV area, 28 octets, U set on each TLV as RFC 8972 asks:
 *   0  Extra Padding, 4 octets of value
 *   8  Class of Service, DSCP1 46 (EF), the rest 0
 *  16  Timestamp Information, all 0
 *  24  type 0xfe (unknown to us), no value
 */
static const uint8_t sender_area[] = {
	0x80, 0x01, 0x00, 0x04,  0xde, 0xad, 0xbe, 0xef,
	0x80, 0x04, 0x00, 0x04,  0xb8, 0x00, 0x00, 0x00,
	0x80, 0x03, 0x00, 0x04,  0x00, 0x00, 0x00, 0x00,
	0x80, 0xfe, 0x00, 0x00,
};
/* Where each TLV of sender_area starts, and its end. */
static const size_t sender_bounds[] = { 0, 8, 16, 24, 28 };

/* Reflector: received DSCP 10 (AF11), ECN 3 (CE), NTP + software. */
static const struct stamp_tlv_refl refl = {
	.dscp = 10, .ecn = 3, .cos_refused = 0,
	.tsinfo = { STAMP_TS_SYNC_NTP, STAMP_TS_METHOD_SW,
	    STAMP_TS_SYNC_NTP, STAMP_TS_METHOD_SW },
};

/* Read from a heap copy of exactly len octets: ASan sees overreads. */
static uint8_t *
exact_copy(const uint8_t *p, size_t len)
{
	uint8_t	*c;

	c = malloc(len > 0 ? len : 1);
	assert_non_null(c);
	if (len > 0)
		memcpy(c, p, len);
	return c;
}

static void
test_iter_hand_vector(void **state)
{
	struct stamp_tlv_iter	 it;
	struct stamp_tlv	 t;

	stamp_tlv_iter_init(&it, sender_area, sizeof(sender_area));
	assert_int_equal(stamp_tlv_next(&it, &t), 1);
	assert_int_equal(t.flags, STAMP_TLV_F_U);
	assert_int_equal(t.type, STAMP_TLV_PADDING);
	assert_int_equal(t.len, 4);
	assert_int_equal(t.off, 0);
	assert_int_equal(t.value_off, 4);

	assert_int_equal(stamp_tlv_next(&it, &t), 1);
	assert_int_equal(t.type, STAMP_TLV_COS);
	assert_int_equal(t.len, 4);
	assert_int_equal(t.off, 8);
	assert_int_equal(t.value_off, 12);

	assert_int_equal(stamp_tlv_next(&it, &t), 1);
	assert_int_equal(t.type, STAMP_TLV_TSINFO);
	assert_int_equal(t.off, 16);

	assert_int_equal(stamp_tlv_next(&it, &t), 1);
	assert_int_equal(t.type, 0xfe);
	assert_int_equal(t.len, 0);
	assert_int_equal(t.off, 24);
	assert_int_equal(t.value_off, 28);

	assert_int_equal(stamp_tlv_next(&it, &t), 0);
	assert_int_equal(it.malformed, 0);
	assert_int_equal(stamp_tlv_next(&it, &t), 0);
}

static void
test_iter_empty_area(void **state)
{
	struct stamp_tlv_iter	 it;
	struct stamp_tlv	 t;

	stamp_tlv_iter_init(&it, NULL, 0);
	assert_int_equal(stamp_tlv_next(&it, &t), 0);
	/* A NULL buffer is an empty area, whatever length is claimed. */
	stamp_tlv_iter_init(&it, NULL, 100);
	assert_int_equal(stamp_tlv_next(&it, &t), 0);
}

static void
test_iter_length_past_end_is_malformed(void **state)
{
	/* One good TLV, then a header claiming 0xffff octets with 2. */
	static const uint8_t area[] = {
		0x80, 0x01, 0x00, 0x00,
		0x80, 0x01, 0xff, 0xff, 0x00, 0x00,
	};
	struct stamp_tlv_iter	 it;
	struct stamp_tlv	 t;
	uint8_t			*p = exact_copy(area, sizeof(area));

	stamp_tlv_iter_init(&it, p, sizeof(area));
	assert_int_equal(stamp_tlv_next(&it, &t), 1);
	assert_int_equal(stamp_tlv_next(&it, &t), -1);
	assert_int_equal(it.malformed, 1);
	assert_int_equal(t.off, 4);
	assert_int_equal(it.pos, 4);
	/* The header fitted: it is reported. */
	assert_int_equal(t.type, STAMP_TLV_PADDING);
	assert_int_equal(t.len, 0xffff);
	/* And it stays malformed. */
	assert_int_equal(stamp_tlv_next(&it, &t), -1);
	assert_int_equal(t.off, 4);
	free(p);
}

/*
 * Every prefix of sender_area: a prefix ending on a TLV boundary is a
 * shorter well-formed chain, any other is malformed at the last
 * boundary before its end.  Never an overread (exact heap copies).
 */
static void
test_iter_every_truncated_length(void **state)
{
	struct stamp_tlv_iter	 it;
	struct stamp_tlv	 t;
	size_t			 len, n, b;
	uint8_t			*p;
	int			 rc;

	for (len = 0; len <= sizeof(sender_area); len++) {
		p = exact_copy(sender_area, len);
		stamp_tlv_iter_init(&it, p, len);
		n = 0;
		while ((rc = stamp_tlv_next(&it, &t)) == 1) {
			assert_int_equal(t.off, sender_bounds[n]);
			assert_true(t.value_off + t.len <= len);
			n++;
		}
		/* b: how many whole TLVs fit in len octets. */
		for (b = 0; b + 1 < sizeof(sender_bounds) /
		    sizeof(sender_bounds[0]) && sender_bounds[b + 1] <= len;
		    b++)
			;
		assert_int_equal(n, b);
		if (len == sender_bounds[b]) {
			assert_int_equal(rc, 0);
			assert_int_equal(it.malformed, 0);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(it.malformed, 1);
			assert_int_equal(t.off, sender_bounds[b]);
		}
		free(p);
	}
}

static void
test_len_valid(void **state)
{
	assert_int_equal(stamp_tlv_len_valid(STAMP_TLV_PADDING, 0), 1);
	assert_int_equal(stamp_tlv_len_valid(STAMP_TLV_PADDING, 65535), 1);
	assert_int_equal(stamp_tlv_len_valid(STAMP_TLV_COS, 4), 1);
	assert_int_equal(stamp_tlv_len_valid(STAMP_TLV_COS, 3), 0);
	assert_int_equal(stamp_tlv_len_valid(STAMP_TLV_COS, 8), 0);
	assert_int_equal(stamp_tlv_len_valid(STAMP_TLV_TSINFO, 3), 0);
	assert_int_equal(stamp_tlv_len_valid(STAMP_TLV_TSINFO, 4), 1);
	assert_int_equal(stamp_tlv_len_valid(STAMP_TLV_TSINFO, 12), 1);
	assert_int_equal(stamp_tlv_len_valid(0, 4), -1);
	assert_int_equal(stamp_tlv_len_valid(STAMP_TLV_HMAC, 16), -1);
	assert_int_equal(stamp_tlv_len_valid(0xfe, 0), -1);
}

static void
test_encode_padding_vector(void **state)
{
	static const uint8_t want[] = {
		0x80, 0x01, 0x00, 0x06, 0, 0, 0, 0, 0, 0,
	};
	uint8_t	 buf[16];

	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(stamp_tlv_padding_encode(buf, sizeof(buf),
	    STAMP_TLV_SENDER_FLAGS, 6), 10);
	assert_memory_equal(buf, want, sizeof(want));
	/* Nothing written past the TLV. */
	assert_int_equal(buf[10], 0xaa);
	/* An empty Extra Padding is a bare header. */
	assert_int_equal(stamp_tlv_padding_encode(buf, 4, 0, 0), 4);
	assert_int_equal(buf[3], 0);
}

static void
test_encode_cos_vector(void **state)
{
	/* DSCP1 46 = 101110, DSCP2 10 = 001010, ECN 3, RP 1. */
	static const uint8_t want[] = {
		0x80, 0x04, 0x00, 0x04,
		0xb8,	/* 101110 00 */
		0xad,	/* 1010 11 01 */
		0x00, 0x00,
	};
	struct stamp_tlv_cos	 c = { 46, 10, 3, 1 }, d;
	uint8_t			 buf[8];

	assert_int_equal(stamp_tlv_cos_encode(buf, sizeof(buf),
	    STAMP_TLV_SENDER_FLAGS, &c), 8);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(stamp_tlv_cos_decode(buf + 4, 4, &d), 0);
	assert_int_equal(d.dscp1, 46);
	assert_int_equal(d.dscp2, 10);
	assert_int_equal(d.ecn, 3);
	assert_int_equal(d.rp, 1);
}

static void
test_cos_fields_at_their_extremes(void **state)
{
	struct stamp_tlv_cos	 c = { 63, 0, 0, 0 }, d;
	uint8_t			 buf[8];

	/* Each field alone at its maximum lands on its own bits. */
	assert_int_equal(stamp_tlv_cos_encode(buf, 8, 0, &c), 8);
	assert_int_equal(buf[4], 0xfc);
	assert_int_equal(buf[5], 0x00);
	c.dscp1 = 0;
	c.dscp2 = 63;
	assert_int_equal(stamp_tlv_cos_encode(buf, 8, 0, &c), 8);
	assert_int_equal(buf[4], 0x03);
	assert_int_equal(buf[5], 0xf0);
	c.dscp2 = 0;
	c.ecn = 3;
	assert_int_equal(stamp_tlv_cos_encode(buf, 8, 0, &c), 8);
	assert_int_equal(buf[4], 0x00);
	assert_int_equal(buf[5], 0x0c);
	c.ecn = 0;
	c.rp = 3;
	assert_int_equal(stamp_tlv_cos_encode(buf, 8, 0, &c), 8);
	assert_int_equal(buf[5], 0x03);
	/* Reserved bits are ignored on receipt. */
	buf[6] = buf[7] = 0xff;
	assert_int_equal(stamp_tlv_cos_decode(buf + 4, 4, &d), 0);
	assert_int_equal(d.rp, 3);
	assert_int_equal(d.dscp1 | d.dscp2 | d.ecn, 0);
}

static void
test_encode_tsinfo_vector(void **state)
{
	static const uint8_t want[] = {
		0x80, 0x03, 0x00, 0x04, 0x01, 0x02, 0x02, 0x01,
	};
	struct stamp_tlv_tsinfo	 ts = { STAMP_TS_SYNC_NTP,
				    STAMP_TS_METHOD_SW, STAMP_TS_SYNC_PTP,
				    STAMP_TS_METHOD_HW }, d;
	uint8_t			 buf[8];

	assert_int_equal(stamp_tlv_tsinfo_encode(buf, sizeof(buf),
	    STAMP_TLV_SENDER_FLAGS, &ts), 8);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(stamp_tlv_tsinfo_decode(buf + 4, 4, &d), 0);
	assert_memory_equal(&d, &ts, sizeof(ts));
}

static void
test_encode_refuses_what_does_not_fit(void **state)
{
	struct stamp_tlv_cos	 c = { 0, 0, 0, 0 };
	struct stamp_tlv_tsinfo	 ts = { 0, 0, 0, 0 };
	uint8_t			 buf[8], val[2] = { 1, 2 };
	size_t			 sz;

	/* One octet short of each TLV, and every size below. */
	for (sz = 0; sz < 8; sz++) {
		assert_int_equal(stamp_tlv_cos_encode(buf, sz, 0, &c), -1);
		assert_int_equal(stamp_tlv_tsinfo_encode(buf, sz, 0, &ts),
		    -1);
		assert_int_equal(stamp_tlv_padding_encode(buf, sz, 0, 4), -1);
	}
	assert_int_equal(stamp_tlv_encode(buf, 5, 0, 9, val, 2), -1);
	assert_int_equal(stamp_tlv_encode(buf, 6, 0, 9, val, 2), 6);
	assert_int_equal(stamp_tlv_encode(NULL, 8, 0, 9, val, 2), -1);
	/* A value over 65535 octets cannot be said in Length. */
	assert_int_equal(stamp_tlv_padding_encode(buf, SIZE_MAX, 0, 65536),
	    -1);
	/* Fields out of range. */
	c.dscp1 = 64;
	assert_int_equal(stamp_tlv_cos_encode(buf, 8, 0, &c), -1);
	c.dscp1 = 0;
	c.dscp2 = 64;
	assert_int_equal(stamp_tlv_cos_encode(buf, 8, 0, &c), -1);
	c.dscp2 = 0;
	c.ecn = 4;
	assert_int_equal(stamp_tlv_cos_encode(buf, 8, 0, &c), -1);
	c.ecn = 0;
	c.rp = 4;
	assert_int_equal(stamp_tlv_cos_encode(buf, 8, 0, &c), -1);
}

static void
test_value_decoders_refuse_bad_lengths(void **state)
{
	static const uint8_t v[8] = { 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4 };
	struct stamp_tlv_cos	 c;
	struct stamp_tlv_tsinfo	 ts;

	assert_int_equal(stamp_tlv_cos_decode(v, 3, &c), -1);
	assert_int_equal(c.dscp1 | c.dscp2 | c.ecn | c.rp, 0);
	assert_int_equal(stamp_tlv_cos_decode(v, 5, &c), -1);
	assert_int_equal(stamp_tlv_cos_decode(NULL, 4, &c), -1);
	assert_int_equal(stamp_tlv_tsinfo_decode(v, 3, &ts), -1);
	assert_int_equal(ts.sync_in | ts.method_in, 0);
	/* Timestamp Information with sub-TLVs: the first four octets. */
	assert_int_equal(stamp_tlv_tsinfo_decode(v, 8, &ts), 0);
	assert_int_equal(ts.sync_in, 0xff);
	assert_int_equal(ts.method_out, 0xff);
}

static void
test_reflect_known_tlvs_filled_unknown_echoed_with_u(void **state)
{
	static const uint8_t want[] = {
		/* Extra Padding: U cleared, value copied. */
		0x00, 0x01, 0x00, 0x04,  0xde, 0xad, 0xbe, 0xef,
		/* CoS: DSCP1 46 kept, DSCP2 10, ECN 3, RP 0. */
		0x00, 0x04, 0x00, 0x04,  0xb8, 0xac, 0x00, 0x00,
		/* Timestamp Information: NTP, software, twice. */
		0x00, 0x03, 0x00, 0x04,  0x01, 0x02, 0x01, 0x02,
		/* Unknown: U set. */
		0x80, 0xfe, 0x00, 0x00,
	};
	uint8_t	 out[64];
	int	 res;

	memset(out, 0xaa, sizeof(out));
	assert_int_equal(stamp_tlv_reflect(sender_area, sizeof(sender_area),
	    out, sizeof(out), &refl, &res), sizeof(sender_area));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(out[sizeof(want)], 0xaa);
	assert_int_equal(res, STAMP_TLV_R_UNKNOWN);
}

static void
test_reflect_unknown_type_gets_u_even_if_sender_cleared_it(void **state)
{
	/* A sender that did not set U; an HMAC TLV we hold no key for. */
	static const uint8_t in[] = {
		0x00, 0x7f, 0x00, 0x03, 0x01, 0x02, 0x03,
		0x00, 0x08, 0x00, 0x02, 0x55, 0x66,
	};
	static const uint8_t want[] = {
		0x80, 0x7f, 0x00, 0x03, 0x01, 0x02, 0x03,
		0x80, 0x08, 0x00, 0x02, 0x55, 0x66,
	};
	uint8_t	 out[sizeof(in)];
	int	 res;

	assert_int_equal(stamp_tlv_reflect(in, sizeof(in), out, sizeof(out),
	    &refl, &res), sizeof(in));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(res, STAMP_TLV_R_UNKNOWN);
}

static void
test_reflect_malformed_chain_flagged_m(void **state)
{
	/* CoS, then Extra Padding claiming 100 octets with 3 present. */
	static const uint8_t in[] = {
		0x80, 0x04, 0x00, 0x04, 0xb8, 0x00, 0x00, 0x00,
		0x80, 0x01, 0x00, 0x64, 0x11, 0x22, 0x33,
	};
	static const uint8_t want[] = {
		0x00, 0x04, 0x00, 0x04, 0xb8, 0xac, 0x00, 0x00,
		0x40, 0x01, 0x00, 0x64, 0x11, 0x22, 0x33,
	};
	uint8_t	*p = exact_copy(in, sizeof(in));
	uint8_t	*out = malloc(sizeof(in));
	int	 res;

	assert_non_null(out);
	assert_int_equal(stamp_tlv_reflect(p, sizeof(in), out, sizeof(in),
	    &refl, &res), sizeof(in));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(res, STAMP_TLV_R_MALFORMED);
	free(p);
	free(out);
}

static void
test_reflect_short_tail_flagged_m(void **state)
{
	/* Extra Padding, then 2 octets: not even a header. */
	static const uint8_t in[] = {
		0x80, 0x01, 0x00, 0x00, 0x80, 0x99,
	};
	static const uint8_t want[] = {
		0x00, 0x01, 0x00, 0x00, 0x40, 0x99,
	};
	uint8_t	 out[sizeof(in)];
	int	 res;

	assert_int_equal(stamp_tlv_reflect(in, sizeof(in), out, sizeof(out),
	    &refl, &res), sizeof(in));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(res, STAMP_TLV_R_MALFORMED);
}

static void
test_reflect_known_type_bad_length_flagged_m(void **state)
{
	/*
	 * CoS with 2 octets: M set, and processing stops (RFC 8972
	 * section 4), so the Timestamp Information with 3 octets after it
	 * goes back as received, U included.
	 */
	static const uint8_t in[] = {
		0x80, 0x04, 0x00, 0x02, 0xb8, 0x00,
		0x80, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00,
	};
	static const uint8_t want[] = {
		0x40, 0x04, 0x00, 0x02, 0xb8, 0x00,
		0x80, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00,
	};
	uint8_t	 out[sizeof(in)];
	int	 res;

	assert_int_equal(stamp_tlv_reflect(in, sizeof(in), out, sizeof(out),
	    &refl, &res), sizeof(in));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(res, STAMP_TLV_R_BADLEN);
}

static void
test_reflect_stops_after_bad_length_and_copies_the_rest(void **state)
{
	/*
	 * Extra Padding (processed: U cleared), a Timestamp Information
	 * of 2 octets (malformed: M, stop), then a good CoS, an unknown
	 * type and a Timestamp Information, none of them touched: not
	 * filled in, U left as the sender set it, the reserved bit too.
	 */
	static const uint8_t in[] = {
		0x80, 0x01, 0x00, 0x02, 0xaa, 0xbb,
		0x80, 0x03, 0x00, 0x02, 0x00, 0x00,
		0x80, 0x04, 0x00, 0x04, 0xb8, 0x00, 0x00, 0x00,
		0x81, 0xfe, 0x00, 0x01, 0x55,
		0x80, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t want[] = {
		0x00, 0x01, 0x00, 0x02, 0xaa, 0xbb,
		0x40, 0x03, 0x00, 0x02, 0x00, 0x00,
		0x80, 0x04, 0x00, 0x04, 0xb8, 0x00, 0x00, 0x00,
		0x81, 0xfe, 0x00, 0x01, 0x55,
		0x80, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
	};
	uint8_t	*p = exact_copy(in, sizeof(in));
	uint8_t	 out[sizeof(in)];
	int	 res;

	assert_int_equal(stamp_tlv_reflect(p, sizeof(in), out, sizeof(out),
	    &refl, &res), sizeof(in));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(res, STAMP_TLV_R_BADLEN);
	/* In place, the same. */
	assert_int_equal(stamp_tlv_reflect(p, sizeof(in), p, sizeof(in),
	    &refl, &res), sizeof(in));
	assert_memory_equal(p, want, sizeof(want));
	free(p);
}

static void
test_reflect_cos_refused_sets_rp_and_clears_reserved(void **state)
{
	/* The sender set reserved bits in the value and in the flags. */
	static const uint8_t in[] = {
		0xff, 0x04, 0x00, 0x04, 0xb8, 0x03, 0xff, 0xff,
	};
	static const uint8_t want[] = {
		0x00, 0x04, 0x00, 0x04, 0xb8, 0xad, 0x00, 0x00,
	};
	struct stamp_tlv_refl	 r = refl;
	uint8_t			 out[sizeof(in)];

	r.cos_refused = 1;
	assert_int_equal(stamp_tlv_reflect(in, sizeof(in), out, sizeof(out),
	    &r, NULL), sizeof(in));
	assert_memory_equal(out, want, sizeof(want));
}

static void
test_reflect_tsinfo_keeps_sub_tlvs(void **state)
{
	static const uint8_t in[] = {
		0x80, 0x03, 0x00, 0x08, 0, 0, 0, 0, 0x09, 0x08, 0x07, 0x06,
	};
	static const uint8_t want[] = {
		0x00, 0x03, 0x00, 0x08, 1, 2, 1, 2, 0x09, 0x08, 0x07, 0x06,
	};
	uint8_t	 out[sizeof(in)];
	int	 res;

	assert_int_equal(stamp_tlv_reflect(in, sizeof(in), out, sizeof(out),
	    &refl, &res), sizeof(in));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(res, 0);
}

/*
 * Reflecting every prefix of sender_area: exactly len octets written
 * (exact heap buffers in and out), the same chain structure, and the
 * malformed flag iff len is not on a TLV boundary.
 */
static void
test_reflect_every_truncated_length(void **state)
{
	struct stamp_tlv_iter	 a, b;
	struct stamp_tlv	 ta, tb;
	size_t			 len, i;
	uint8_t			*in, *out;
	int			 res, ra, rb, boundary;

	for (len = 0; len <= sizeof(sender_area); len++) {
		in = exact_copy(sender_area, len);
		out = malloc(len > 0 ? len : 1);
		assert_non_null(out);
		assert_int_equal(stamp_tlv_reflect(in, len, out, len, &refl,
		    &res), len);
		boundary = 0;
		for (i = 0; i < sizeof(sender_bounds) /
		    sizeof(sender_bounds[0]); i++)
			if (sender_bounds[i] == len)
				boundary = 1;
		assert_int_equal((res & STAMP_TLV_R_MALFORMED) != 0,
		    !boundary);
		stamp_tlv_iter_init(&a, in, len);
		stamp_tlv_iter_init(&b, out, len);
		do {
			ra = stamp_tlv_next(&a, &ta);
			rb = stamp_tlv_next(&b, &tb);
			assert_int_equal(ra, rb);
			assert_int_equal(ta.off, tb.off);
			assert_int_equal(ta.type, tb.type);
			assert_int_equal(ta.len, tb.len);
		} while (ra == 1);
		if (ra == -1)
			assert_int_equal(out[tb.off], STAMP_TLV_F_M);
		free(in);
		free(out);
	}
}

static void
test_reflect_in_place_matches_copy(void **state)
{
	uint8_t	 buf[sizeof(sender_area)], out[sizeof(sender_area)];
	int	 r1, r2;

	memcpy(buf, sender_area, sizeof(buf));
	assert_int_equal(stamp_tlv_reflect(sender_area, sizeof(sender_area),
	    out, sizeof(out), &refl, &r1), sizeof(out));
	assert_int_equal(stamp_tlv_reflect(buf, sizeof(buf), buf,
	    sizeof(buf), &refl, &r2), sizeof(buf));
	assert_memory_equal(buf, out, sizeof(out));
	assert_int_equal(r1, r2);
}

static void
test_reflect_refuses_bad_arguments(void **state)
{
	struct stamp_tlv_refl	 r = refl;
	uint8_t			 out[sizeof(sender_area)];
	int			 res = 99;

	/* Output one octet short. */
	assert_int_equal(stamp_tlv_reflect(sender_area, sizeof(sender_area),
	    out, sizeof(out) - 1, &refl, &res), -1);
	assert_int_equal(res, 0);
	r.dscp = 64;
	assert_int_equal(stamp_tlv_reflect(sender_area, sizeof(sender_area),
	    out, sizeof(out), &r, NULL), -1);
	r.dscp = 0;
	r.ecn = 4;
	assert_int_equal(stamp_tlv_reflect(sender_area, sizeof(sender_area),
	    out, sizeof(out), &r, NULL), -1);
	assert_int_equal(stamp_tlv_reflect(NULL, 4, out, sizeof(out), &refl,
	    NULL), -1);
	/* An empty area reflects as an empty area. */
	assert_int_equal(stamp_tlv_reflect(NULL, 0, NULL, 0, &refl, &res), 0);
	assert_int_equal(res, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iter_hand_vector),
		cmocka_unit_test(test_iter_empty_area),
		cmocka_unit_test(test_iter_length_past_end_is_malformed),
		cmocka_unit_test(test_iter_every_truncated_length),
		cmocka_unit_test(test_len_valid),
		cmocka_unit_test(test_encode_padding_vector),
		cmocka_unit_test(test_encode_cos_vector),
		cmocka_unit_test(test_cos_fields_at_their_extremes),
		cmocka_unit_test(test_encode_tsinfo_vector),
		cmocka_unit_test(test_encode_refuses_what_does_not_fit),
		cmocka_unit_test(test_value_decoders_refuse_bad_lengths),
		cmocka_unit_test(
		    test_reflect_known_tlvs_filled_unknown_echoed_with_u),
		cmocka_unit_test(
		    test_reflect_unknown_type_gets_u_even_if_sender_cleared_it),
		cmocka_unit_test(test_reflect_malformed_chain_flagged_m),
		cmocka_unit_test(test_reflect_short_tail_flagged_m),
		cmocka_unit_test(test_reflect_known_type_bad_length_flagged_m),
		cmocka_unit_test(
		    test_reflect_stops_after_bad_length_and_copies_the_rest),
		cmocka_unit_test(
		    test_reflect_cos_refused_sets_rp_and_clears_reserved),
		cmocka_unit_test(test_reflect_tsinfo_keeps_sub_tlvs),
		cmocka_unit_test(test_reflect_every_truncated_length),
		cmocka_unit_test(test_reflect_in_place_matches_copy),
		cmocka_unit_test(test_reflect_refuses_bad_arguments),
	};

	return cmocka_run_group_tests_name("stamp_tlv", tests, NULL, NULL);
}
