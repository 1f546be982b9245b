/*
 * lopa: STAMP TLV codec (RFC 8972 section 4), unauthenticated mode.
 * Pure functions: no I/O, no allocation, every length checked, wire
 * fields read and written byte by byte.  The TLV area is what follows
 * the 44-octet STAMP header (twamp_codec's tlv_off) up to the end of
 * the UDP payload.
 *
 * Every TLV is a 4-octet header, then Length octets of value:
 *
 *	0      Flags (1): U(0x80) M(0x40) I(0x20), 5 reserved bits
 *	1      Type (1)
 *	2      Length (2), network order, the value's length only
 *	4      Value (Length)
 *
 * RFC 8972 flags: a Session-Sender sends U = 1, M = 0, I = 0.  A
 * Session-Reflector returns U = 1 on a TLV it does not understand, else
 * 0; M = 1 on a TLV it found malformed (a Length not valid for the type,
 * or running past the end of the packet), else 0; I = 1 when the HMAC
 * check failed (not done here: I is always 0 in a reflected TLV).  The
 * reserved bits are sent as zero and ignored.
 */
#ifndef LOPA_STAMP_TLV_H
#define LOPA_STAMP_TLV_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define STAMP_TLV_HDR_LEN	4
#define STAMP_TLV_MAX_VALUE	0xffff

/* Flags octet. */
#define STAMP_TLV_F_U		0x80	/* unrecognized */
#define STAMP_TLV_F_M		0x40	/* malformed */
#define STAMP_TLV_F_I		0x20	/* integrity (HMAC) check failed */
#define STAMP_TLV_F_RESV	0x1f
#define STAMP_TLV_SENDER_FLAGS	STAMP_TLV_F_U	/* what a sender sends */

/* Types (RFC 8972 section 4; IANA "STAMP TLV Types"). */
#define STAMP_TLV_PADDING	1	/* Extra Padding, any length */
#define STAMP_TLV_LOCATION	2
#define STAMP_TLV_TSINFO	3	/* Timestamp Information */
#define STAMP_TLV_COS		4	/* Class of Service, length 4 */
#define STAMP_TLV_DIRECT	5	/* Direct Measurement */
#define STAMP_TLV_ACCESS	6	/* Access Report */
#define STAMP_TLV_FOLLOWUP	7	/* Follow-Up Telemetry */
#define STAMP_TLV_HMAC		8

#define STAMP_TLV_COS_LEN	4
#define STAMP_TLV_TSINFO_LEN	4	/* without optional sub-TLVs */

/*
 * Timestamp Information values (RFC 8972 section 4.3).  Only the ones
 * both read here and checked against two implementations are named.
 */
#define STAMP_TS_SYNC_NTP	1
#define STAMP_TS_SYNC_PTP	2
#define STAMP_TS_SYNC_LOCAL	5	/* local free-running clock */
#define STAMP_TS_METHOD_HW	1	/* hardware assist */
#define STAMP_TS_METHOD_SW	2	/* software, local */
#define STAMP_TS_METHOD_CP	3	/* control plane */

/* One TLV as found by the iterator; offsets are from the area's start. */
struct stamp_tlv {
	uint8_t		 flags;
	uint8_t		 type;
	uint16_t	 len;		/* the Length field */
	size_t		 off;		/* the header */
	size_t		 value_off;	/* off + 4 */
};

struct stamp_tlv_iter {
	const uint8_t	*buf;
	size_t		 len;
	size_t		 pos;		/* next TLV, or the malformed one */
	int		 malformed;
};

/*
 * stamp_tlv_next returns 1 with *t filled, 0 at the end of a well-formed
 * area, or -1 when the TLV at it->pos does not fit: fewer than 4 octets
 * left, or a Length running past the end.  On -1, t->off (and it->pos)
 * is where that TLV starts, and flags, type and len are filled when its
 * header fits; the iterator stays at -1 from then on.  Nothing past
 * buf + len is ever read.  buf may be NULL when len is 0.
 */
void	 stamp_tlv_iter_init(struct stamp_tlv_iter *, const uint8_t *,
	    size_t);
int	 stamp_tlv_next(struct stamp_tlv_iter *, struct stamp_tlv *);

/*
 * Whether a Length is valid for a type we know (1), invalid for it (0),
 * or the type is not one we know (-1).  Extra Padding takes any length,
 * Class of Service exactly 4, Timestamp Information at least 4 (the
 * rest taken as sub-TLVs and echoed untouched).
 */
int	 stamp_tlv_len_valid(uint8_t, size_t);

/* Class of Service value: DSCP1(6) DSCP2(6) ECN(2) RP(2) Reserved(16). */
struct stamp_tlv_cos {
	uint8_t		 dscp1;		/* wanted on the reflected packet */
	uint8_t		 dscp2;		/* as received by the reflector */
	uint8_t		 ecn;		/* as received by the reflector */
	uint8_t		 rp;		/* 1: reflector could not use dscp1 */
};

/* Timestamp Information value: the reflector's clocks, T2 and T3. */
struct stamp_tlv_tsinfo {
	uint8_t		 sync_in;	/* sync source at ingress (T2) */
	uint8_t		 method_in;	/* how T2 was taken */
	uint8_t		 sync_out;	/* sync source at egress (T3) */
	uint8_t		 method_out;	/* how T3 was taken */
};

/*
 * Value decoders: 0 with *out filled, or -1 (*out zeroed) when the
 * length is not valid for the type.  Reserved bits are ignored.
 */
int	 stamp_tlv_cos_decode(const uint8_t *, size_t,
	    struct stamp_tlv_cos *);
int	 stamp_tlv_tsinfo_decode(const uint8_t *, size_t,
	    struct stamp_tlv_tsinfo *);

/*
 * Encoders write one whole TLV (header and value) at buf, of bufsz
 * octets, with the given flags octet (a sender passes
 * STAMP_TLV_SENDER_FLAGS).  A Session-Sender fills no value field
 * (RFC 8972 section 4.3: "MUST NOT fill any information fields"): it
 * passes a zeroed struct stamp_tlv_tsinfo and a Class of Service with
 * only DSCP1 set; the reflector fills the rest.  They return the
 * octets written, or -1 when the TLV does not fit, a field is out of
 * range, or a value is longer than 65535.  stamp_tlv_encode copies vlen octets of val, or writes
 * zeros when val is NULL; Extra Padding is written as zeros for the
 * caller to fill (RFC 8972 wants it pseudo-random, and this file has
 * no source of randomness).
 */
ssize_t	 stamp_tlv_encode(uint8_t *, size_t, uint8_t, uint8_t,
	    const uint8_t *, size_t);
ssize_t	 stamp_tlv_padding_encode(uint8_t *, size_t, uint8_t, size_t);
ssize_t	 stamp_tlv_cos_encode(uint8_t *, size_t, uint8_t,
	    const struct stamp_tlv_cos *);
ssize_t	 stamp_tlv_tsinfo_encode(uint8_t *, size_t, uint8_t,
	    const struct stamp_tlv_tsinfo *);

/* What the reflector saw, for the TLVs it fills in. */
struct stamp_tlv_refl {
	uint8_t		 dscp;		/* DSCP of the received packet */
	uint8_t		 ecn;		/* ECN of the received packet */
	int		 cos_refused;	/* reply not sent with DSCP1: RP 1 */
	struct stamp_tlv_tsinfo tsinfo;	/* the reflector's clocks */
};

/* Summary of a reflection, in *result. */
#define STAMP_TLV_R_UNKNOWN	0x01	/* a TLV echoed with U */
#define STAMP_TLV_R_BADLEN	0x02	/* a known TLV's Length is wrong */
#define STAMP_TLV_R_MALFORMED	0x04	/* the chain runs past the end */

/*
 * stamp_tlv_reflect writes the reflected TLV area for a sender's area
 * (in, inlen) to out (outsz octets): always exactly inlen octets, so the
 * reply is as long as the request, at the same offsets.  Each TLV is
 * copied, its flags rewritten, and:
 *  - Class of Service (length 4): DSCP1 kept, DSCP2 and ECN set to what
 *    was received, RP 1 when cos_refused, else 0; reserved zeroed.
 *  - Timestamp Information (length >= 4): the four octets set from
 *    tsinfo, any sub-TLVs after them copied.
 *  - Extra Padding: copied.
 *  - A known type with a Length not valid for it: copied, its flags
 *    set to M alone, and processing stops there (RFC 8972 section 4:
 *    "the processing of extension TLVs MUST be stopped" and the
 *    remainder copied): every later octet is returned as received.
 *  - An unknown type (HMAC included: there is no key): copied, U set.
 *  - Where the chain stops fitting (a header or value past the end):
 *    the rest of the area is copied and the octet where that TLV's
 *    flags are is set to M alone, even when fewer than 4 octets
 *    remain; nothing after it is interpreted.
 * Before the first malformed TLV, U, M and I are cleared except as
 * above, and the reserved bits always; from it on nothing is changed
 * but its own flags octet.
 * in and out may be the same buffer, but must not otherwise overlap.
 * Returns inlen, with the STAMP_TLV_R_* seen in *result (may be NULL),
 * or -1 when outsz < inlen or a field of r is out of range (dscp > 63,
 * ecn > 3).
 */
ssize_t	 stamp_tlv_reflect(const uint8_t *, size_t, uint8_t *, size_t,
	    const struct stamp_tlv_refl *, int *);

#endif /* LOPA_STAMP_TLV_H */
