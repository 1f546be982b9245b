/*
 * STAMP TLV codec: see stamp_tlv.h.  Layouts are those of RFC 8972
 * section 4 (TLV header), 4.3 (Timestamp Information) and 4.4 (Class
 * of Service).
 */
#include <sys/types.h>

#include <limits.h>
#include <string.h>

#include "stamp_tlv.h"
#include "wire.h"

/* Offsets in a TLV. */
#define OFF_FLAGS	0
#define OFF_TYPE	1
#define OFF_LEN		2
#define OFF_VALUE	4

void
stamp_tlv_iter_init(struct stamp_tlv_iter *it, const uint8_t *buf,
    size_t len)
{
	memset(it, 0, sizeof(*it));
	it->buf = buf;
	it->len = buf == NULL ? 0 : len;
}

int
stamp_tlv_next(struct stamp_tlv_iter *it, struct stamp_tlv *t)
{
	const uint8_t	*p;
	size_t		 left;

	memset(t, 0, sizeof(*t));
	t->off = it->pos;
	if (it->malformed)
		return -1;
	if (it->pos >= it->len)
		return 0;
	left = it->len - it->pos;
	if (left < STAMP_TLV_HDR_LEN) {
		it->malformed = 1;
		return -1;
	}
	p = it->buf + it->pos;
	t->flags = p[OFF_FLAGS];
	t->type = p[OFF_TYPE];
	t->len = get16(p + OFF_LEN);
	if (t->len > left - STAMP_TLV_HDR_LEN) {
		it->malformed = 1;
		return -1;
	}
	t->value_off = it->pos + STAMP_TLV_HDR_LEN;
	it->pos = t->value_off + t->len;
	return 1;
}

int
stamp_tlv_len_valid(uint8_t type, size_t len)
{
	switch (type) {
	case STAMP_TLV_PADDING:
		return 1;
	case STAMP_TLV_TSINFO:
		return len >= STAMP_TLV_TSINFO_LEN;
	case STAMP_TLV_COS:
		return len == STAMP_TLV_COS_LEN;
	default:
		return -1;
	}
}

/*
 * Class of Service value, 32 bits:
 *	DSCP1 bits 0-5, DSCP2 bits 6-11, ECN 12-13, RP 14-15, reserved 16-31.
 */
int
stamp_tlv_cos_decode(const uint8_t *v, size_t len, struct stamp_tlv_cos *c)
{
	memset(c, 0, sizeof(*c));
	if (v == NULL || len != STAMP_TLV_COS_LEN)
		return -1;
	c->dscp1 = v[0] >> 2;
	c->dscp2 = ((v[0] & 0x03) << 4) | (v[1] >> 4);
	c->ecn = (v[1] >> 2) & 0x03;
	c->rp = v[1] & 0x03;
	return 0;
}

static void
cos_put(uint8_t *v, const struct stamp_tlv_cos *c)
{
	v[0] = (uint8_t)((c->dscp1 << 2) | (c->dscp2 >> 4));
	v[1] = (uint8_t)(((c->dscp2 & 0x0f) << 4) | (c->ecn << 2) | c->rp);
	v[2] = 0;
	v[3] = 0;
}

int
stamp_tlv_tsinfo_decode(const uint8_t *v, size_t len,
    struct stamp_tlv_tsinfo *ts)
{
	memset(ts, 0, sizeof(*ts));
	if (v == NULL || len < STAMP_TLV_TSINFO_LEN)
		return -1;
	ts->sync_in = v[0];
	ts->method_in = v[1];
	ts->sync_out = v[2];
	ts->method_out = v[3];
	return 0;
}

static void
tsinfo_put(uint8_t *v, const struct stamp_tlv_tsinfo *ts)
{
	v[0] = ts->sync_in;
	v[1] = ts->method_in;
	v[2] = ts->sync_out;
	v[3] = ts->method_out;
}

ssize_t
stamp_tlv_encode(uint8_t *buf, size_t bufsz, uint8_t flags, uint8_t type,
    const uint8_t *val, size_t vlen)
{
	if (buf == NULL || vlen > STAMP_TLV_MAX_VALUE ||
	    bufsz < STAMP_TLV_HDR_LEN ||
	    vlen > bufsz - STAMP_TLV_HDR_LEN)
		return -1;
	buf[OFF_FLAGS] = flags;
	buf[OFF_TYPE] = type;
	put16(buf + OFF_LEN, (uint16_t)vlen);
	if (vlen == 0)
		return STAMP_TLV_HDR_LEN;
	if (val != NULL)
		memmove(buf + OFF_VALUE, val, vlen);
	else
		memset(buf + OFF_VALUE, 0, vlen);
	return (ssize_t)(STAMP_TLV_HDR_LEN + vlen);
}

ssize_t
stamp_tlv_padding_encode(uint8_t *buf, size_t bufsz, uint8_t flags,
    size_t padlen)
{
	return stamp_tlv_encode(buf, bufsz, flags, STAMP_TLV_PADDING, NULL,
	    padlen);
}

ssize_t
stamp_tlv_cos_encode(uint8_t *buf, size_t bufsz, uint8_t flags,
    const struct stamp_tlv_cos *c)
{
	uint8_t	 v[STAMP_TLV_COS_LEN];

	if (c->dscp1 > 63 || c->dscp2 > 63 || c->ecn > 3 || c->rp > 3)
		return -1;
	cos_put(v, c);
	return stamp_tlv_encode(buf, bufsz, flags, STAMP_TLV_COS, v,
	    sizeof(v));
}

ssize_t
stamp_tlv_tsinfo_encode(uint8_t *buf, size_t bufsz, uint8_t flags,
    const struct stamp_tlv_tsinfo *ts)
{
	uint8_t	 v[STAMP_TLV_TSINFO_LEN];

	tsinfo_put(v, ts);
	return stamp_tlv_encode(buf, bufsz, flags, STAMP_TLV_TSINFO, v,
	    sizeof(v));
}

/* Fill in one well-formed TLV already copied to p; returns R_* flags. */
static int
reflect_one(uint8_t *p, const struct stamp_tlv *t,
    const struct stamp_tlv_refl *r)
{
	struct stamp_tlv_cos	 c;
	uint8_t			*v = p + OFF_VALUE;

	switch (stamp_tlv_len_valid(t->type, t->len)) {
	case -1:
		p[OFF_FLAGS] = STAMP_TLV_F_U;
		return STAMP_TLV_R_UNKNOWN;
	case 0:
		p[OFF_FLAGS] = STAMP_TLV_F_M;
		return STAMP_TLV_R_BADLEN;
	}
	p[OFF_FLAGS] = 0;
	switch (t->type) {
	case STAMP_TLV_COS:
		(void)stamp_tlv_cos_decode(v, t->len, &c);
		c.dscp2 = r->dscp;
		c.ecn = r->ecn;
		c.rp = r->cos_refused ? 1 : 0;
		cos_put(v, &c);
		break;
	case STAMP_TLV_TSINFO:
		tsinfo_put(v, &r->tsinfo);
		break;
	}
	return 0;
}

ssize_t
stamp_tlv_reflect(const uint8_t *in, size_t inlen, uint8_t *out,
    size_t outsz, const struct stamp_tlv_refl *r, int *result)
{
	struct stamp_tlv_iter	 it;
	struct stamp_tlv	 t;
	int			 rc, res = 0;

	if (result != NULL)
		*result = 0;
	if (inlen > outsz || inlen > SSIZE_MAX || r->dscp > 63 ||
	    r->ecn > 3 || (inlen > 0 && (in == NULL || out == NULL)))
		return -1;
	if (inlen == 0)
		return 0;
	/* memmove: in may be out. */
	memmove(out, in, inlen);
	stamp_tlv_iter_init(&it, out, inlen);
	while ((rc = stamp_tlv_next(&it, &t)) == 1) {
		res |= reflect_one(out + t.off, &t, r);
		/*
		 * RFC 8972 section 4: after a malformed TLV the processing
		 * stops and the rest of the packet goes back as received.
		 */
		if (res & STAMP_TLV_R_BADLEN)
			break;
	}
	if (rc == -1) {
		/* t.off < inlen: the iterator stops short of the end. */
		out[t.off + OFF_FLAGS] = STAMP_TLV_F_M;
		res |= STAMP_TLV_R_MALFORMED;
	}
	if (result != NULL)
		*result = res;
	return (ssize_t)inlen;
}
