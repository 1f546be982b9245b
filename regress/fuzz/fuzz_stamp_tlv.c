/*
 * libFuzzer target: the TLV area of a STAMP packet (what follows the
 * 44-octet header).  The iterator must stay inside the area and account
 * for every octet of a well-formed chain; the reflected area must have
 * the same chain, with the flags RFC 8972 asks for (and, from the first
 * malformed TLV on, the octets as received), whether written in place
 * or to another buffer; the encoders must give back what the
 * value decoders read.
 */
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stamp_tlv.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXLEN	4096

static uint8_t	 out[MAXLEN];
static uint8_t	 inplace[MAXLEN];

/* Walk the area; returns the offset of the malformed TLV, or len. */
static size_t
check_iter(const uint8_t *data, size_t size)
{
	struct stamp_tlv_iter	 it;
	struct stamp_tlv	 t;
	size_t			 end = 0;
	int			 rc;

	stamp_tlv_iter_init(&it, data, size);
	while ((rc = stamp_tlv_next(&it, &t)) == 1) {
		if (t.off != end || t.value_off != t.off + STAMP_TLV_HDR_LEN ||
		    t.value_off + t.len > size ||
		    data[t.off] != t.flags || data[t.off + 1] != t.type)
			abort();
		end = t.value_off + t.len;
	}
	if (rc == 0) {
		if (end != size || it.malformed)
			abort();
		return size;
	}
	/* Malformed exactly when the next TLV does not fit. */
	if (rc != -1 || !it.malformed || t.off != end || end >= size ||
	    (size - end >= STAMP_TLV_HDR_LEN &&
	    ((size_t)data[end + 2] << 8 | data[end + 3]) <=
	    size - end - STAMP_TLV_HDR_LEN))
		abort();
	if (stamp_tlv_next(&it, &t) != -1)
		abort();
	return end;
}

static void
check_reflect(const uint8_t *data, size_t size, size_t bad)
{
	struct stamp_tlv_refl	 r;
	struct stamp_tlv_iter	 a, b;
	struct stamp_tlv	 ta, tb;
	int			 res, res2, ra, rb, lv, want;

	if (size > MAXLEN)
		return;
	memset(&r, 0, sizeof(r));
	if (size > 0) {
		r.dscp = data[0] >> 2;
		r.ecn = data[0] & 3;
		r.cos_refused = data[size - 1] & 1;
		r.tsinfo.sync_in = data[size - 1];
	}
	if (stamp_tlv_reflect(data, size, out, sizeof(out), &r, &res) !=
	    (ssize_t)size)
		abort();
	if ((res & STAMP_TLV_R_BADLEN) == 0 &&
	    ((res & STAMP_TLV_R_MALFORMED) != 0) != (bad < size))
		abort();
	if ((res & STAMP_TLV_R_BADLEN) != 0 &&
	    (res & STAMP_TLV_R_MALFORMED) != 0)
		abort();
	if (size > 0 &&
	    stamp_tlv_reflect(data, size, out, size - 1, &r, NULL) != -1)
		abort();

	stamp_tlv_iter_init(&a, data, size);
	stamp_tlv_iter_init(&b, out, size);
	do {
		ra = stamp_tlv_next(&a, &ta);
		rb = stamp_tlv_next(&b, &tb);
		if (ra != rb || ta.off != tb.off || ta.type != tb.type ||
		    ta.len != tb.len)
			abort();
		if (ra != 1)
			break;
		lv = stamp_tlv_len_valid(ta.type, ta.len);
		want = lv == -1 ? STAMP_TLV_F_U : lv == 0 ? STAMP_TLV_F_M : 0;
		if (tb.flags != want)
			abort();
		/* Unknown, bad-length and padding values are copied. */
		if ((lv != 1 || ta.type == STAMP_TLV_PADDING) &&
		    memcmp(data + ta.value_off, out + tb.value_off,
		    ta.len) != 0)
			abort();
		if (lv == 0) {
			/* Processing stopped: the rest is as received. */
			if ((res & STAMP_TLV_R_BADLEN) == 0 ||
			    memcmp(data + tb.off + 1, out + tb.off + 1,
			    size - tb.off - 1) != 0)
				abort();
			ra = 0;
			break;
		}
	} while (1);
	if (ra == -1) {
		if (tb.off != bad || out[bad] != STAMP_TLV_F_M ||
		    memcmp(data + bad + 1, out + bad + 1, size - bad - 1) != 0)
			abort();
	}

	/* In place gives the same bytes. */
	if (size > 0)
		memcpy(inplace, data, size);
	if (stamp_tlv_reflect(inplace, size, inplace, sizeof(inplace), &r,
	    &res2) != (ssize_t)size || res2 != res ||
	    (size > 0 && memcmp(inplace, out, size) != 0))
		abort();
}

static void
check_encoders(const uint8_t *data, size_t size)
{
	struct stamp_tlv_cos	 c, dc;
	struct stamp_tlv_tsinfo	 ts, dts;
	struct stamp_tlv_iter	 it;
	struct stamp_tlv	 t;
	uint8_t			 buf[16];
	size_t			 sz;

	if (size < 8)
		return;
	c.dscp1 = data[0] & 0x3f;
	c.dscp2 = data[1] & 0x3f;
	c.ecn = data[2] & 3;
	c.rp = data[3] & 3;
	sz = data[4] % sizeof(buf);
	if (stamp_tlv_cos_encode(buf, sz, data[5], &c) !=
	    (sz < 8 ? -1 : 8))
		abort();
	if (sz >= 8) {
		stamp_tlv_iter_init(&it, buf, 8);
		if (stamp_tlv_next(&it, &t) != 1 || t.flags != data[5] ||
		    t.type != STAMP_TLV_COS ||
		    stamp_tlv_cos_decode(buf + t.value_off, t.len, &dc) != 0 ||
		    memcmp(&c, &dc, sizeof(c)) != 0)
			abort();
	}
	memcpy(&ts, data + 4, sizeof(ts));
	if (stamp_tlv_tsinfo_encode(buf, sz, 0, &ts) != (sz < 8 ? -1 : 8))
		abort();
	if (sz >= 8 && (stamp_tlv_tsinfo_decode(buf + 4, 4, &dts) != 0 ||
	    memcmp(&ts, &dts, sizeof(ts)) != 0))
		abort();
	if (stamp_tlv_padding_encode(buf, sz, 0, data[6] % 16) !=
	    (sz < 4 + (size_t)(data[6] % 16) ? -1 :
	    4 + (ssize_t)(data[6] % 16)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 bad;

	bad = check_iter(data, size);
	check_reflect(data, size, bad);
	check_encoders(data, size);
	return 0;
}
