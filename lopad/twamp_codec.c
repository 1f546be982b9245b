/*
 * TWAMP-Test and STAMP test packet codec: see twamp_codec.h.  Offsets are
 * those of RFC 5357 (4.1.2, 4.2.1), RFC 8762 (4.2.1, 4.3.1), RFC 8972
 * (SSID) and RFC 4656 (4.1.2, timestamps and error estimates).
 */
#include <sys/types.h>
#include <sys/timex.h>

#include <limits.h>
#include <string.h>

#include "twamp_codec.h"
#include "wire.h"

#define NS_PER_S	1000000000ULL

/* Offsets shared by every kind. */
#define OFF_SEQ		0
#define OFF_TS		4
#define OFF_ERREST	12
#define OFF_SSID	14	/* STAMP; MBZ in a TWAMP reflector packet */
/* Sender packet, STAMP: MBZ from 16 to 43. */
#define OFF_S_MBZ	16
/* Reflector packet. */
#define OFF_R_RXTS	16
#define OFF_R_SSEQ	24
#define OFF_R_STS	28
#define OFF_R_SERREST	36
#define OFF_R_MBZ	38
#define OFF_R_TTL	40
#define OFF_R_MBZ2	41	/* STAMP only, to 43 */

uint64_t
twamp_ntp_from_ns(int64_t ns)
{
	int64_t		 s, r;
	uint64_t	 frac;

	/* Floor division: a time before 1970 has a positive remainder. */
	s = ns / (int64_t)NS_PER_S;
	r = ns % (int64_t)NS_PER_S;
	if (r < 0) {
		r += NS_PER_S;
		s--;
	}
	/* r < 10^9, so r * 2^32 < 2^62; rounds to at most 2^32 - 4. */
	frac = (((uint64_t)r << 32) + NS_PER_S / 2) / NS_PER_S;
	return ((uint64_t)(s + (int64_t)TWAMP_NTP_UNIX_OFFSET) << 32) | frac;
}

int64_t
twamp_ntp_to_ns(uint64_t ntp)
{
	uint64_t	 sec = ntp >> 32, frac = ntp & 0xffffffffULL;
	int64_t		 s;

	if ((sec & 0x80000000ULL) == 0)
		sec += 1ULL << 32;	/* era 1, from 2036 */
	s = (int64_t)sec - (int64_t)TWAMP_NTP_UNIX_OFFSET;
	/* frac * 10^9 < 2^62: no overflow; may round up to a whole 10^9. */
	return s * (int64_t)NS_PER_S +
	    (int64_t)((frac * NS_PER_S + (1ULL << 31)) >> 32);
}

void
twamp_errest_decode(uint16_t v, struct twamp_errest *e)
{
	e->sync = (v & TWAMP_ERREST_S) != 0;
	e->ptp = (v & TWAMP_ERREST_Z) != 0;
	e->scale = (v >> 8) & 0x3f;
	e->mult = v & 0xff;
	e->bad = e->mult == 0;
}

int
twamp_errest_encode(const struct twamp_errest *e, uint16_t *v)
{
	if (e->mult == 0 || e->scale > 63)
		return -1;
	*v = (uint16_t)((e->sync ? TWAMP_ERREST_S : 0) |
	    (e->ptp ? TWAMP_ERREST_Z : 0) | (e->scale << 8) | e->mult);
	return 0;
}

uint16_t
twamp_errest_make(uint64_t maxerr_ns, int sync)
{
	struct twamp_errest	 e;
	uint64_t		 q, r, u, m;
	uint16_t		 v;
	unsigned int		 scale;

	memset(&e, 0, sizeof(e));
	e.sync = sync != 0;
	q = maxerr_ns / NS_PER_S;
	r = maxerr_ns % NS_PER_S;
	if (q >= 0xffffffffULL) {
		/* Over 136 years: say the largest error there is. */
		e.scale = 63;
		e.mult = 255;
	} else {
		/* The error in units of 2^-32 s, rounded up; below 2^64. */
		u = (q << 32) + ((r << 32) + NS_PER_S - 1) / NS_PER_S;
		if (u == 0)
			u = 1;
		for (scale = 0; scale < 63; scale++) {
			m = (u >> scale) +
			    ((u & ((1ULL << scale) - 1)) != 0);
			if (m <= 255)
				break;
		}
		e.scale = scale;
		e.mult = (uint8_t)((u >> scale) +
		    ((u & ((1ULL << scale) - 1)) != 0));
	}
	if (twamp_errest_encode(&e, &v) == -1)
		return 0xffff;	/* not reached: mult is never 0 */
	return v;
}

uint16_t
twamp_errest_clock(int rc, const struct timex *tx, int *sync,
    int64_t *maxerr_us)
{
	if (rc == -1) {
		*sync = -1;
		*maxerr_us = 16 * 1000 * 1000;	/* NTP's 16 s limit */
	} else {
		*sync = rc != TIME_ERROR && (tx->status & STA_UNSYNC) == 0;
		*maxerr_us = tx->maxerror > 0 ? tx->maxerror : 0;
	}
	return twamp_errest_make((uint64_t)*maxerr_us * 1000, *sync == 1);
}

uint64_t
twamp_errest_ns(const struct twamp_errest *e)
{
	uint64_t	 x = (uint64_t)e->mult * NS_PER_S;	/* < 2^38 */
	unsigned int	 sh;

	if (e->scale < 32) {
		sh = 32 - e->scale;
		return (x >> sh) + ((x & ((1ULL << sh) - 1)) != 0);
	}
	sh = e->scale - 32;
	if (sh > 0 && x > (UINT64_MAX >> sh))
		return UINT64_MAX;
	return x << sh;
}

static int
errest_flag(uint16_t v, int flag)
{
	return (v & 0xff) == 0 ? flag : 0;
}

ssize_t
twamp_sender_encode(const struct twamp_sender *s, size_t len,
    uint8_t *buf, size_t bufsz)
{
	if (len < TWAMP_SENDER_LEN || len > bufsz || len > SSIZE_MAX)
		return -1;
	memset(buf, 0, len);
	put32(buf + OFF_SEQ, s->seq);
	put64(buf + OFF_TS, s->ts);
	put16(buf + OFF_ERREST, s->errest);
	return (ssize_t)len;
}

ssize_t
stamp_sender_encode(const struct twamp_sender *s, size_t len,
    uint8_t *buf, size_t bufsz)
{
	if (len < STAMP_PKT_LEN ||
	    twamp_sender_encode(s, len, buf, bufsz) == -1)
		return -1;
	put16(buf + OFF_SSID, s->ssid);
	return (ssize_t)len;
}

static void
sender_get(const uint8_t *buf, size_t len, struct twamp_sender *s)
{
	s->seq = get32(buf + OFF_SEQ);
	s->ts = get64(buf + OFF_TS);
	s->errest = get16(buf + OFF_ERREST);
	s->len = len;
	s->flags = errest_flag(s->errest, TWAMP_F_ERREST_BAD);
}

int
twamp_sender_decode(const uint8_t *buf, size_t len, struct twamp_sender *s)
{
	memset(s, 0, sizeof(*s));
	if (buf == NULL || len < TWAMP_SENDER_LEN)
		return -1;
	sender_get(buf, len, s);
	return 0;
}

int
stamp_sender_decode(const uint8_t *buf, size_t len, struct twamp_sender *s)
{
	memset(s, 0, sizeof(*s));
	if (buf == NULL || len < STAMP_PKT_LEN)
		return -1;
	sender_get(buf, len, s);
	s->ssid = get16(buf + OFF_SSID);
	s->tlv_off = STAMP_PKT_LEN;
	if (!all_zero(buf + OFF_S_MBZ, STAMP_PKT_LEN - OFF_S_MBZ))
		s->flags |= TWAMP_F_MBZ;
	return 0;
}

/* The 41 octets both reflector kinds share; the SSID is STAMP's. */
static ssize_t
reflector_put(const struct twamp_reflector *r, size_t min, size_t len,
    uint8_t *buf, size_t bufsz)
{
	if (len < min || len > bufsz || len > SSIZE_MAX ||
	    r->snd_ttl < 0 || r->snd_ttl > 255)
		return -1;
	memset(buf, 0, len);
	put32(buf + OFF_SEQ, r->seq);
	put64(buf + OFF_TS, r->ts);
	put16(buf + OFF_ERREST, r->errest);
	put64(buf + OFF_R_RXTS, r->rx_ts);
	put32(buf + OFF_R_SSEQ, r->snd_seq);
	put64(buf + OFF_R_STS, r->snd_ts);
	put16(buf + OFF_R_SERREST, r->snd_errest);
	buf[OFF_R_TTL] = (uint8_t)r->snd_ttl;
	return (ssize_t)len;
}

ssize_t
twamp_reflector_encode(const struct twamp_reflector *r, size_t len,
    uint8_t *buf, size_t bufsz)
{
	return reflector_put(r, TWAMP_REFLECTOR_LEN, len, buf, bufsz);
}

ssize_t
stamp_reflector_encode(const struct twamp_reflector *r, size_t len,
    uint8_t *buf, size_t bufsz)
{
	if (reflector_put(r, STAMP_PKT_LEN, len, buf, bufsz) == -1)
		return -1;
	put16(buf + OFF_SSID, r->ssid);
	return (ssize_t)len;
}

/*
 * Up to the sender's error estimate (38 octets), then what is there of
 * the MBZ and the TTL.  The caller has checked len >= 38.
 */
static void
reflector_get(const uint8_t *buf, size_t len, struct twamp_reflector *r)
{
	r->seq = get32(buf + OFF_SEQ);
	r->ts = get64(buf + OFF_TS);
	r->errest = get16(buf + OFF_ERREST);
	r->rx_ts = get64(buf + OFF_R_RXTS);
	r->snd_seq = get32(buf + OFF_R_SSEQ);
	r->snd_ts = get64(buf + OFF_R_STS);
	r->snd_errest = get16(buf + OFF_R_SERREST);
	r->snd_ttl = len > OFF_R_TTL ? buf[OFF_R_TTL] : -1;
	r->len = len;
	r->flags = errest_flag(r->errest, TWAMP_F_ERREST_BAD) |
	    errest_flag(r->snd_errest, TWAMP_F_SND_ERREST_BAD);
	if (!all_zero(buf + OFF_R_MBZ,
	    (len < OFF_R_TTL ? len : OFF_R_TTL) - OFF_R_MBZ))
		r->flags |= TWAMP_F_MBZ;
}

int
twamp_reflector_decode(const uint8_t *buf, size_t len,
    struct twamp_reflector *r)
{
	memset(r, 0, sizeof(*r));
	if (buf == NULL || len < TWAMP_REFLECTOR_SHORT)
		return -1;
	reflector_get(buf, len, r);
	if (len < TWAMP_REFLECTOR_LEN)
		r->flags |= TWAMP_F_NONCONFORMANT;
	if (get16(buf + OFF_SSID) != 0)
		r->flags |= TWAMP_F_MBZ;
	return 0;
}

int
stamp_reflector_decode(const uint8_t *buf, size_t len,
    struct twamp_reflector *r)
{
	memset(r, 0, sizeof(*r));
	if (buf == NULL || len < TWAMP_REFLECTOR_SHORT)
		return -1;
	reflector_get(buf, len, r);
	r->ssid = get16(buf + OFF_SSID);
	if (len < STAMP_PKT_LEN) {
		r->flags |= TWAMP_F_NONCONFORMANT;
		r->tlv_off = len;
	} else
		r->tlv_off = STAMP_PKT_LEN;
	if (len > OFF_R_MBZ2 && !all_zero(buf + OFF_R_MBZ2,
	    (len < STAMP_PKT_LEN ? len : STAMP_PKT_LEN) - OFF_R_MBZ2))
		r->flags |= TWAMP_F_MBZ;
	return 0;
}

int
twamp_test_classify(const uint8_t *buf, size_t len)
{
	if (buf == NULL || len < TWAMP_SENDER_LEN)
		return -1;
	if (len >= STAMP_PKT_LEN &&
	    all_zero(buf + OFF_S_MBZ, STAMP_PKT_LEN - OFF_S_MBZ))
		return TWAMP_KIND_STAMP;
	return TWAMP_KIND_LIGHT;
}

size_t
twamp_reply_len(int kind, size_t len)
{
	switch (kind) {
	case TWAMP_KIND_LIGHT:
		if (len < TWAMP_SENDER_LEN)
			return 0;
		/* 14 + P in, 41 + max(P - 27, 0) out. */
		return len < TWAMP_REFLECTOR_LEN ? TWAMP_REFLECTOR_LEN : len;
	case TWAMP_KIND_STAMP:
		return len < STAMP_PKT_LEN ? 0 : len;
	default:
		return 0;
	}
}

int
twamp_reflector_put_ts(uint8_t *buf, size_t len, uint64_t ts)
{
	if (buf == NULL || len < TWAMP_SENDER_LEN)
		return -1;
	put64(buf + OFF_TS, ts);
	return 0;
}
