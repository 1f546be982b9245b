/*
 * libFuzzer target: a UDP payload arriving at a TWAMP or STAMP endpoint.
 * The input is decoded as every packet kind.  Whatever decodes must be
 * consistent with its bytes, re-encoding it must give the same header
 * back, and the timestamp and error estimate helpers must keep their
 * promises on the values found.
 */
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "twamp_codec.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXLEN	2048

static uint8_t	 out[MAXLEN];

static void
check_sender(const uint8_t *data, size_t size, int stamp)
{
	struct twamp_sender	 s, s2;
	size_t			 min = stamp ? STAMP_PKT_LEN : TWAMP_SENDER_LEN;
	int			 rc;

	rc = stamp ? stamp_sender_decode(data, size, &s) :
	    twamp_sender_decode(data, size, &s);
	if (rc == -1) {
		if (size >= min || s.len != 0 || s.flags != 0)
			abort();
		return;
	}
	if (size < min || s.len != size ||
	    (s.flags & ~(TWAMP_F_ERREST_BAD | TWAMP_F_MBZ)) != 0 ||
	    ((s.flags & TWAMP_F_ERREST_BAD) != 0) != ((s.errest & 0xff) == 0))
		abort();
	if (stamp && s.tlv_off != STAMP_PKT_LEN)
		abort();
	if (!stamp && (s.tlv_off != 0 || s.ssid != 0))
		abort();
	if (size > MAXLEN)
		return;
	/* Re-encoding gives the header back, MBZ and padding zeroed. */
	if ((stamp ? stamp_sender_encode(&s, size, out, sizeof(out)) :
	    twamp_sender_encode(&s, size, out, sizeof(out))) != (ssize_t)size)
		abort();
	if (memcmp(out, data, stamp ? 16 : TWAMP_SENDER_LEN) != 0)
		abort();
	if (stamp && memcmp(out, data, STAMP_PKT_LEN) != 0 &&
	    (s.flags & TWAMP_F_MBZ) == 0)
		abort();
	rc = stamp ? stamp_sender_decode(out, size, &s2) :
	    twamp_sender_decode(out, size, &s2);
	if (rc != 0 || s2.seq != s.seq || s2.ts != s.ts ||
	    s2.errest != s.errest || s2.ssid != s.ssid ||
	    (s2.flags & TWAMP_F_MBZ) != 0)
		abort();
}

static void
check_reflector(const uint8_t *data, size_t size, int stamp)
{
	struct twamp_reflector	 r, r2;
	size_t			 full = stamp ? STAMP_PKT_LEN :
				    TWAMP_REFLECTOR_LEN;
	int			 rc;

	rc = stamp ? stamp_reflector_decode(data, size, &r) :
	    twamp_reflector_decode(data, size, &r);
	if (rc == -1) {
		if (size >= TWAMP_REFLECTOR_SHORT || r.len != 0 ||
		    r.flags != 0)
			abort();
		return;
	}
	if (size < TWAMP_REFLECTOR_SHORT || r.len != size ||
	    ((r.flags & TWAMP_F_NONCONFORMANT) != 0) != (size < full) ||
	    (r.snd_ttl == -1) != (size < TWAMP_REFLECTOR_LEN) ||
	    r.snd_ttl < -1 || r.snd_ttl > 255 ||
	    ((r.flags & TWAMP_F_SND_ERREST_BAD) != 0) !=
	    ((r.snd_errest & 0xff) == 0))
		abort();
	if (stamp && r.tlv_off != (size < full ? size : full))
		abort();
	if (!stamp && (r.tlv_off != 0 || r.ssid != 0))
		abort();
	if (size < full || size > MAXLEN)
		return;
	if ((stamp ? stamp_reflector_encode(&r, size, out, sizeof(out)) :
	    twamp_reflector_encode(&r, size, out, sizeof(out))) !=
	    (ssize_t)size)
		abort();
	if ((r.flags & TWAMP_F_MBZ) == 0 && memcmp(out, data, full) != 0)
		abort();
	rc = stamp ? stamp_reflector_decode(out, size, &r2) :
	    twamp_reflector_decode(out, size, &r2);
	if (rc != 0 || r2.seq != r.seq || r2.ts != r.ts ||
	    r2.rx_ts != r.rx_ts || r2.snd_seq != r.snd_seq ||
	    r2.snd_ts != r.snd_ts || r2.snd_errest != r.snd_errest ||
	    r2.snd_ttl != r.snd_ttl || r2.ssid != r.ssid ||
	    (r2.flags & TWAMP_F_MBZ) != 0)
		abort();
}

static void
check_helpers(const uint8_t *data, size_t size)
{
	struct twamp_errest	 e;
	uint64_t		 v = 0, back, d;
	int64_t			 ns;
	size_t			 i;
	uint16_t		 w;

	for (i = 0; i < 8 && i < size; i++)
		v = v << 8 | data[i];

	/* ns -> NTP -> ns is exact inside the 1968-2104 window. */
	ns = (int64_t)(v % (4200000000ULL * 1000000000ULL));
	if (twamp_ntp_to_ns(twamp_ntp_from_ns(ns)) != ns)
		abort();
	/* Modulo 2^64: the last unit of an era rounds into the next. */
	back = twamp_ntp_from_ns(twamp_ntp_to_ns(v));
	d = back - v;
	if (d > UINT64_MAX / 2)
		d = v - back;
	if (d > 3)
		abort();

	twamp_errest_decode((uint16_t)v, &e);
	if (e.bad != (e.mult == 0) ||
	    (twamp_errest_encode(&e, &w) == 0) != !e.bad ||
	    (!e.bad && w != (uint16_t)v))
		abort();
	w = twamp_errest_make(v, (int)(v & 1));
	twamp_errest_decode(w, &e);
	if (e.bad || e.ptp || e.sync != (int)(v & 1) ||
	    twamp_errest_ns(&e) < v)
		abort();
}

/* The reflector's dispatch agrees with the decoders it picks between. */
static void
check_classify(const uint8_t *data, size_t size)
{
	struct twamp_sender	 s;
	int			 kind;

	kind = twamp_test_classify(data, size);
	if (kind == -1) {
		if (size >= TWAMP_SENDER_LEN ||
		    twamp_reply_len(TWAMP_KIND_LIGHT, size) != 0)
			abort();
		return;
	}
	if (kind == TWAMP_KIND_STAMP) {
		if (stamp_sender_decode(data, size, &s) != 0 ||
		    (s.flags & TWAMP_F_MBZ) != 0 ||
		    twamp_reply_len(kind, size) != size)
			abort();
		return;
	}
	if (kind != TWAMP_KIND_LIGHT ||
	    twamp_sender_decode(data, size, &s) != 0 ||
	    (stamp_sender_decode(data, size, &s) == 0 &&
	    (s.flags & TWAMP_F_MBZ) == 0) ||
	    twamp_reply_len(kind, size) != (size < TWAMP_REFLECTOR_LEN ?
	    TWAMP_REFLECTOR_LEN : size))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_classify(data, size);
	check_sender(data, size, 0);
	check_sender(data, size, 1);
	check_reflector(data, size, 0);
	check_reflector(data, size, 1);
	check_helpers(data, size);
	return 0;
}
