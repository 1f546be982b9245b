/*
 * lopa: TWAMP-Test and STAMP test packet codec, unauthenticated mode.
 * Pure functions: no I/O, no allocation, every length checked, wire
 * fields read and written byte by byte (no struct cast over a packet
 * buffer).  Layouts: RFC 5357 sections 4.1.2 and 4.2.1 (TWAMP-Test),
 * RFC 8762 sections 4.2.1 and 4.3.1 with the SSID of RFC 8972 (STAMP);
 * timestamps and error estimates: RFC 4656 section 4.1.2.
 */
#ifndef LOPA_TWAMP_CODEC_H
#define LOPA_TWAMP_CODEC_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define TWAMP_SENDER_LEN	14	/* seq, timestamp, error estimate */
#define TWAMP_REFLECTOR_LEN	41	/* up to and with Sender TTL */
#define TWAMP_REFLECTOR_SHORT	38	/* twampy: no final MBZ, no TTL */
#define TWAMP_REFLECTOR_EXTRA	27	/* reflector minus sender header */
#define STAMP_PKT_LEN		44	/* both directions; TLVs follow */

/* NTP seconds at the Unix epoch: 70 years, 17 of them leap years. */
#define TWAMP_NTP_UNIX_OFFSET	2208988800ULL

/*
 * Timestamps are carried as the 64-bit NTP value: seconds since 1900 in
 * the high 32 bits, the binary fraction of a second in the low 32.
 *
 * twamp_ntp_from_ns() takes nanoseconds since the Unix epoch and rounds
 * the sub-second part to the nearest 2^-32 s (0.23 ns); the seconds are
 * taken modulo 2^32, as the wire format has no era number.
 * twamp_ntp_to_ns() rounds the fraction to the nearest nanosecond (a
 * fraction within half a nanosecond of the next second carries into
 * it) and reads the seconds as RFC 4330 section 3 does: top bit set,
 * era 0 (1968-01-20 to 2036-02-07); top bit clear, era 1 (2036-02-07 to
 * 2104-02-26).  So ns -> NTP -> ns is exact for every time in that
 * window, and NTP -> ns -> NTP is within 3 units of 2^-32 s.
 */
uint64_t twamp_ntp_from_ns(int64_t);
int64_t	 twamp_ntp_to_ns(uint64_t);

/* Error Estimate, 16 bits: S(1) Z(1) Scale(6) Multiplier(8). */
#define TWAMP_ERREST_S		0x8000	/* synchronized to UTC */
#define TWAMP_ERREST_Z		0x4000	/* PTP timestamp format (RFC 8186) */

struct twamp_errest {
	int		 sync;		/* S bit */
	int		 ptp;		/* Z bit: timestamp is not NTP */
	uint8_t		 scale;		/* 0..63 */
	uint8_t		 mult;		/* never 0 when sending */
	int		 bad;		/* decoded: multiplier was 0 */
};

/*
 * Decoding never fails: a multiplier of 0 (which RFC 4656 forbids, and
 * which some routers send) is kept and flagged with bad.  Encoding
 * refuses (-1) a multiplier of 0 or a scale above 63.
 */
void	 twamp_errest_decode(uint16_t, struct twamp_errest *);
int	 twamp_errest_encode(const struct twamp_errest *, uint16_t *);

/*
 * The Error Estimate to send for a clock whose maximum error is the
 * given number of nanoseconds, S set when sync is non-zero, Z clear.
 * It is the smallest representable error not below the one given (it
 * never claims a better clock), with the smallest scale that holds it;
 * the multiplier is never 0, even for an error of 0.
 */
uint16_t twamp_errest_make(uint64_t, int);

/*
 * The Error Estimate of our own clock, from what adjtimex(2) (read only,
 * modes 0) returned: rc and the struct.  Synchronized only when rc is
 * not TIME_ERROR and STA_UNSYNC is clear; the error is maxerror
 * (microseconds), or NTP's 16 s limit when the call failed (rc -1).
 * *sync is set to 1, 0, or -1 (the call failed), *maxerr_us to the error
 * used; the reflector and the sender both state their clock this way.
 */
struct timex;
uint16_t twamp_errest_clock(int, const struct timex *, int *, int64_t *);

/* The error an estimate states, in nanoseconds, rounded up, saturated. */
uint64_t twamp_errest_ns(const struct twamp_errest *);

/* Decode flags. */
#define TWAMP_F_NONCONFORMANT	0x01	/* reply shorter than the RFC's */
#define TWAMP_F_ERREST_BAD	0x02	/* Error Estimate multiplier 0 */
#define TWAMP_F_SND_ERREST_BAD	0x04	/* copied sender's multiplier 0 */
#define TWAMP_F_MBZ		0x08	/* an MBZ field is not zero */

/*
 * A Session-Sender test packet.  TWAMP: 14 octets, then padding.
 * STAMP: 44 octets (SSID at 14, MBZ at 16-43), then TLVs.
 */
struct twamp_sender {
	uint32_t	 seq;
	uint64_t	 ts;		/* T1, NTP format */
	uint16_t	 errest;	/* as on the wire */
	uint16_t	 ssid;		/* STAMP only; TWAMP decodes 0 */

	/* Set by decode. */
	size_t		 len;		/* whole packet */
	size_t		 tlv_off;	/* STAMP: TLVs from here to len */
	int		 flags;		/* TWAMP_F_* */
};

/*
 * A Session-Reflector test packet.  TWAMP: 41 octets, then padding.
 * STAMP: 44 octets (SSID at 14, MBZ at 41-43), then TLVs.
 */
struct twamp_reflector {
	uint32_t	 seq;		/* own counter, or the sender's */
	uint64_t	 ts;		/* T3, NTP format */
	uint16_t	 errest;
	uint16_t	 ssid;		/* STAMP only; TWAMP decodes 0 */
	uint64_t	 rx_ts;		/* T2 */
	uint32_t	 snd_seq;	/* copied from the sender's packet */
	uint64_t	 snd_ts;	/* T1, copied */
	uint16_t	 snd_errest;	/* copied */
	int		 snd_ttl;	/* 0..255; decode: -1 when absent */

	/* Set by decode. */
	size_t		 len;
	size_t		 tlv_off;	/* STAMP: TLVs from here to len */
	int		 flags;		/* TWAMP_F_* */
};

/*
 * Encoders write a packet of exactly len octets into buf (bufsz octets):
 * the header, then zeros (TWAMP padding, or STAMP TLV space for the
 * caller to fill).  The decoded-only fields (len, tlv_off, flags) are
 * ignored.  They return len, or -1 when len is below the kind's minimum
 * header, above bufsz, or a field is out of range (snd_ttl).
 */
ssize_t	 twamp_sender_encode(const struct twamp_sender *, size_t,
	    uint8_t *, size_t);
ssize_t	 twamp_reflector_encode(const struct twamp_reflector *, size_t,
	    uint8_t *, size_t);
ssize_t	 stamp_sender_encode(const struct twamp_sender *, size_t,
	    uint8_t *, size_t);
ssize_t	 stamp_reflector_encode(const struct twamp_reflector *, size_t,
	    uint8_t *, size_t);

/*
 * Decoders read at most len octets and return 0 with *out filled, or -1
 * (with *out zeroed) when the packet is too short to decode.
 *
 * twamp_sender_decode: at least 14 octets; the rest is padding.
 * twamp_reflector_decode: at least 41 octets; 38 to 40 octets (twampy)
 *   decode with TWAMP_F_NONCONFORMANT, and snd_ttl -1 below 41.
 * stamp_sender_decode: at least 44 octets; TWAMP_F_MBZ when octets
 *   16-43 are not all zero (a reflector then takes the packet for
 *   TWAMP-light, as PROTOCOLS.md says).
 * stamp_reflector_decode: at least 44 octets; 38 to 43 octets decode
 *   with TWAMP_F_NONCONFORMANT (and snd_ttl -1 below 41).
 * For STAMP, tlv_off is 44, or len when the packet is shorter.
 */
int	 twamp_sender_decode(const uint8_t *, size_t, struct twamp_sender *);
int	 twamp_reflector_decode(const uint8_t *, size_t,
	    struct twamp_reflector *);
int	 stamp_sender_decode(const uint8_t *, size_t, struct twamp_sender *);
int	 stamp_reflector_decode(const uint8_t *, size_t,
	    struct twamp_reflector *);

/*
 * What a Session-Reflector serving both protocols on one port takes a
 * request for (PROTOCOLS.md): STAMP when it has at least 44 octets and
 * octets 16 to 43 are zero, else TWAMP-light when it has at least 14;
 * below 14 it is no test packet (-1).  RFC 8762 section 4.6 would also
 * answer a 41- to 43-octet request with a 44-octet STAMP packet; here
 * those are TWAMP-light and get a reply of their own size (41 to 43).
 */
#define TWAMP_KIND_LIGHT	0
#define TWAMP_KIND_STAMP	1
int	 twamp_test_classify(const uint8_t *, size_t);

/*
 * The length of the reply to a request of the given kind and length.
 * TWAMP-light (RFC 5357 section 4.2.1): the reflector's header is 27
 * octets longer, so 27 octets of the sender's padding are dropped and
 * the reply is as long as the request, but never below the 41-octet
 * minimum.  STAMP (RFC 8762 section 4.3): the request's length (at
 * least 44).  0 for a request that is no test packet of that kind.
 */
size_t	 twamp_reply_len(int, size_t);

/*
 * Write the reflector's transmit timestamp (T3) into an encoded
 * reflector packet of len octets (either kind: the same offset), as
 * late as possible before it is sent.  -1 when len < 14.
 */
int	 twamp_reflector_put_ts(uint8_t *, size_t, uint64_t);

#endif /* LOPA_TWAMP_CODEC_H */
