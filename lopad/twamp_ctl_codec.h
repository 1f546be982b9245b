/*
 * lopa: TWAMP-Control message codec, unauthenticated mode (Mode 1).
 * Pure functions: no I/O, no allocation, every length checked, wire
 * fields read and written byte by byte (no struct cast over a buffer).
 *
 * Layouts: RFC 5357 section 3 with the messages of RFC 4656 section 3,
 * octet offsets as in ../shared/PROTOCOLS.md ("TWAMP-Control"):
 *
 * Server Greeting, 64:	0 Unused (12), 12 Modes (4), 16 Challenge (16),
 *			32 Salt (16), 48 Count (4), 52 MBZ (12)
 * Set-Up-Response, 164: 0 Mode (4), 4 KeyID (80), 84 Token (64),
 *			148 Client-IV (16)
 * Server-Start, 48:	0 MBZ (15), 15 Accept, 16 Server-IV (16),
 *			32 Start-Time (8), 40 MBZ (8)
 * Request-TW-Session, 112: 0 Command 5, 1 MBZ (high 4 bits) | IPVN
 *			(low 4 bits), 2 Conf-Sender, 3 Conf-Receiver,
 *			4 Number of Schedule Slots (4), 8 Number of Packets
 *			(4), 12 Sender Port (2), 14 Receiver Port (2),
 *			16 Sender Address (16), 32 Receiver Address (16),
 *			48 SID (16), 64 Padding Length (4), 68 Start Time
 *			(8), 76 Timeout (8), 84 Type-P Descriptor (4),
 *			88 MBZ (8), 96 HMAC (16)
 * Accept-Session, 48:	0 Accept, 1 MBZ, 2 Port (2), 4 SID (16),
 *			20 Reflected Octets (2), 22 Server Octets (2),
 *			24 MBZ (8), 32 HMAC (16)
 * Start-Sessions, 32:	0 Command 2, 1 MBZ (15), 16 HMAC (16)
 * Start-Ack, 32:	0 Accept, 1 MBZ (15), 16 HMAC (16)
 * Stop-Sessions, 32:	0 Command 3, 1 Accept, 2 MBZ (2), 4 Number of
 *			Sessions (4), 8 MBZ (8), 16 HMAC (16)
 *
 * Where PROTOCOLS.md was followed rather than the bare RFC 5357 text:
 * Accept-Session octets 20-23 are RFC 6038's Reflected Octets and Server
 * Octets (RFC 5357 has 12 MBZ octets at 20); they are decoded as fields,
 * not checked as MBZ, and are zero unless those modes were negotiated.
 * Stop-Sessions is TWAMP's 32-octet form (RFC 5357 section 3.8), without
 * OWAMP's session descriptions.
 *
 * With IPVN 4 only the first 4 octets of each address are the address:
 * the encoder writes 12 zeros after them, the decoder leaves octets 4-15
 * of the address arrays zero and checks the wire's as MBZ.
 *
 * Timestamps (Start-Time, Start Time, Timeout) are the 64-bit NTP value
 * as in twamp_codec.h.  In unauthenticated mode the HMAC fields are zero:
 * encoders write zeros, decoders flag anything else.  The greeting's
 * Unused octets are written as zeros and not checked.
 */
#ifndef LOPA_TWAMP_CTL_CODEC_H
#define LOPA_TWAMP_CTL_CODEC_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define TWAMP_CTL_PORT			862

#define TWAMP_GREETING_LEN		64
#define TWAMP_SETUP_RESP_LEN		164
#define TWAMP_SERVER_START_LEN		48
#define TWAMP_REQ_SESSION_LEN		112
#define TWAMP_ACCEPT_SESSION_LEN	48
#define TWAMP_START_SESSIONS_LEN	32
#define TWAMP_START_ACK_LEN		32
#define TWAMP_STOP_SESSIONS_LEN		32

/* Command numbers (IANA TWAMP-Control Command Numbers). */
#define TWAMP_CMD_START_SESSIONS	2
#define TWAMP_CMD_STOP_SESSIONS		3
#define TWAMP_CMD_REQUEST_TW_SESSION	5

/* Modes bits (RFC 4656 section 3.1); we implement only the first. */
#define TWAMP_MODE_UNAUTHENTICATED	0x01
#define TWAMP_MODE_AUTHENTICATED	0x02
#define TWAMP_MODE_ENCRYPTED		0x04

/* Accept values, RFC 4656 section 3.3.  6-255 are reserved. */
#define TWAMP_ACCEPT_OK			0
#define TWAMP_ACCEPT_FAILURE		1
#define TWAMP_ACCEPT_INTERNAL		2
#define TWAMP_ACCEPT_NOT_SUPPORTED	3
#define TWAMP_ACCEPT_PERM_RESOURCE	4
#define TWAMP_ACCEPT_TEMP_RESOURCE	5

/* Server Greeting Count (RFC 4656 section 3.1, RFC 5357). */
#define TWAMP_COUNT_MIN			1024
#define TWAMP_COUNT_MAX_DEFAULT		32768

#define TWAMP_SID_LEN			16
#define TWAMP_IV_LEN			16

/* Decode flags. */
#define TWAMP_CTL_F_MBZ		0x01	/* an MBZ field is not zero */
#define TWAMP_CTL_F_HMAC	0x02	/* HMAC not zero (mode 1: must be) */

struct twamp_greeting {
	uint32_t	 modes;
	uint8_t		 challenge[16];
	uint8_t		 salt[16];
	uint32_t	 count;
	int		 flags;		/* decode: TWAMP_CTL_F_* */
};

struct twamp_setup_resp {
	uint32_t	 mode;
	uint8_t		 keyid[80];	/* unused in mode 1 */
	uint8_t		 token[64];	/* unused in mode 1 */
	uint8_t		 client_iv[TWAMP_IV_LEN];	/* unused in mode 1 */
	int		 flags;		/* always 0: no MBZ, no HMAC */
};

struct twamp_server_start {
	uint8_t		 accept;
	uint8_t		 server_iv[TWAMP_IV_LEN];
	uint64_t	 start_time;	/* NTP format */
	int		 flags;
};

struct twamp_req_session {
	uint8_t		 ipvn;		/* 4 or 6; 4 bits on the wire */
	uint8_t		 conf_sender;	/* TWAMP: 0 */
	uint8_t		 conf_receiver;	/* TWAMP: 0 */
	uint32_t	 nslots;	/* TWAMP: 0 */
	uint32_t	 npackets;	/* TWAMP: 0 */
	uint16_t	 sender_port;
	uint16_t	 receiver_port;
	uint8_t		 sender_addr[16];	/* IPv4: the first 4 only */
	uint8_t		 receiver_addr[16];
	uint8_t		 sid[TWAMP_SID_LEN];
	uint32_t	 padding_len;
	uint64_t	 start_time;	/* NTP format */
	uint64_t	 timeout;	/* NTP format, an interval */
	uint32_t	 typep;		/* see twamp_typep_*() */
	int		 flags;
};

struct twamp_accept_session {
	uint8_t		 accept;
	uint16_t	 port;
	uint8_t		 sid[TWAMP_SID_LEN];
	uint16_t	 reflected_octets;	/* RFC 6038 */
	uint16_t	 server_octets;		/* RFC 6038 */
	int		 flags;
};

struct twamp_start_sessions {
	int		 flags;
};

struct twamp_start_ack {
	uint8_t		 accept;
	int		 flags;
};

struct twamp_stop_sessions {
	uint8_t		 accept;
	uint32_t	 nsessions;
	int		 flags;
};

/*
 * Encoders write exactly the message's length (TWAMP_*_LEN) into buf,
 * MBZ, Unused and HMAC octets zeroed, and nothing past it.  The decoded
 * flags are ignored.  They return the length, or -1 when bufsz is too
 * small or a field does not fit (ipvn above 15).
 */
ssize_t	 twamp_greeting_encode(const struct twamp_greeting *, uint8_t *,
	    size_t);
ssize_t	 twamp_setup_resp_encode(const struct twamp_setup_resp *,
	    uint8_t *, size_t);
ssize_t	 twamp_server_start_encode(const struct twamp_server_start *,
	    uint8_t *, size_t);
ssize_t	 twamp_req_session_encode(const struct twamp_req_session *,
	    uint8_t *, size_t);
ssize_t	 twamp_accept_session_encode(const struct twamp_accept_session *,
	    uint8_t *, size_t);
ssize_t	 twamp_start_sessions_encode(const struct twamp_start_sessions *,
	    uint8_t *, size_t);
ssize_t	 twamp_start_ack_encode(const struct twamp_start_ack *, uint8_t *,
	    size_t);
ssize_t	 twamp_stop_sessions_encode(const struct twamp_stop_sessions *,
	    uint8_t *, size_t);

/*
 * Decoders read the message's length from the start of buf (len may be
 * more: the rest belongs to the next message on the stream) and return 0
 * with *out filled, or -1 with *out zeroed when len is short or buf is
 * NULL, or for a command message when octet 0 is not its command
 * number.  Non-zero MBZ octets (including Request-TW-Session's high
 * nibble of octet 1, and octets 4-15 of an IPv4 address) set
 * TWAMP_CTL_F_MBZ, a non-zero HMAC sets TWAMP_CTL_F_HMAC; neither is
 * refused: the caller decides.  Values are not judged either (Modes,
 * Count, IPVN, Conf-*, ports): that is the protocol's business.
 */
int	 twamp_greeting_decode(const uint8_t *, size_t,
	    struct twamp_greeting *);
int	 twamp_setup_resp_decode(const uint8_t *, size_t,
	    struct twamp_setup_resp *);
int	 twamp_server_start_decode(const uint8_t *, size_t,
	    struct twamp_server_start *);
int	 twamp_req_session_decode(const uint8_t *, size_t,
	    struct twamp_req_session *);
int	 twamp_accept_session_decode(const uint8_t *, size_t,
	    struct twamp_accept_session *);
int	 twamp_start_sessions_decode(const uint8_t *, size_t,
	    struct twamp_start_sessions *);
int	 twamp_start_ack_decode(const uint8_t *, size_t,
	    struct twamp_start_ack *);
int	 twamp_stop_sessions_decode(const uint8_t *, size_t,
	    struct twamp_stop_sessions *);

/*
 * The length of the client command whose first octet is cmd (the server
 * reads one octet, then the rest): 112 for Request-TW-Session, 32 for
 * Start-Sessions and Stop-Sessions, 0 for anything else.
 */
size_t	 twamp_cmd_len(uint8_t);

/*
 * The greeting's Count: a power of 2 and at least 1024, also in
 * unauthenticated mode (RFC 4656 section 3.1); the client closes the
 * connection otherwise.  max is the configured maximum (default
 * TWAMP_COUNT_MAX_DEFAULT), itself a power of 2 and at least 1024.
 * Returns 0 with *use = count when count is valid and at most max; 1
 * with *use = max when it is valid but above max (capped: harmless in
 * mode 1, where Count is not used, but an authenticated client would
 * derive a different key and should close instead); -1 with *errstr
 * set and *use 0 when count (or max) breaks the rules.
 */
int	 twamp_count_check(uint32_t, uint32_t, uint32_t *, const char **);

/*
 * The text for an Accept value, for error messages: "OK", "failure,
 * reason unspecified", ... ; "reserved" for 6-255, which a receiver
 * treats as a failure like any value other than 0.
 */
const char *twamp_accept_name(uint8_t);

/*
 * Type-P Descriptor (RFC 4656 section 3.5, used by RFC 5357 section
 * 3.5 for the DSCP of both directions): first two bits 00, then the six
 * DSCP bits, then zeros.  So octet 84 is the DSCP itself (EF is 0x2e,
 * not the TOS byte 0xb8), the value dscp << 24 that owping -D and twampy
 * send.  01 in the first two bits is a PHB ID (RFC 2836), which we do
 * not support; 10 and 11 are reserved.
 * twamp_typep_from_dscp: -1 when dscp is above 63.
 * twamp_typep_dscp: 0 with *dscp set for the DSCP form with the other
 * 24 bits zero, -1 (Accept 3, not supported) for anything else.
 */
int	 twamp_typep_from_dscp(uint8_t, uint32_t *);
int	 twamp_typep_dscp(uint32_t, uint8_t *);

/*
 * The Control-Client side, for the sender's full TWAMP sessions (twamp
 * task, control: true; one test session per connection): what to send,
 * and whether what the server sent lets the exchange go on, with the
 * task error that says why not.  The exchange: Server Greeting ->
 * Set-Up-Response (mode 1) -> Server-Start -> Request-TW-Session ->
 * Accept-Session -> Start-Sessions -> Start-Ack -> test -> Stop-Sessions
 * (Accept 0, one session) -> close.  Error texts start with
 * "TWAMP-Control: " and name the message and the value, e.g.
 * "TWAMP-Control: Accept-Session refused: <twamp_accept_name> (4)".
 */
/* The test session to ask for. */
struct twamp_client_req {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 sender_addr[16];	/* our test socket's */
	uint16_t	 sender_port;
	uint8_t		 receiver_addr[16];	/* the server's */
	uint16_t	 receiver_port;	/* 0: the server chooses */
	uint32_t	 padding;	/* octets after the 14-octet header */
	uint64_t	 start_time;	/* NTP format (twamp_ntp_from_ns) */
	int64_t		 timeout_ns;	/* an interval, >= 0 */
	int		 dscp;		/* -1: 0 (default forwarding) */
};

/*
 * A duration as the 64-bit NTP value Request-TW-Session's Timeout takes
 * (seconds in the high 32 bits, no epoch: an interval), rounded to the
 * nearest 2^-32 s; negative is 0, beyond 2^32 s is the largest value.
 */
uint64_t twamp_client_interval(int64_t);

/*
 * The Server Greeting at buf (len >= 64): 0 with *count the Count to
 * use (capped at maxcount, a power of 2 >= 1024); -1 with err set when
 * the server offers no unauthenticated mode (Modes 0 means it refuses
 * to talk) or its Count breaks RFC 4656 (below 1024, not a power of 2).
 */
int	 twamp_client_greeting(const uint8_t *, size_t, uint32_t, uint32_t *,
	    char *, size_t);

/* Set-Up-Response mode 1, Start-Sessions, Stop-Sessions (Accept 0, one
 * session): the length written, -1 when the buffer is too small. */
ssize_t	 twamp_client_setup(uint8_t *, size_t);
ssize_t	 twamp_client_start(uint8_t *, size_t);
ssize_t	 twamp_client_stop(uint8_t *, size_t);

/*
 * Request-TW-Session for req: IPVN from the family, Conf-Sender and
 * Conf-Receiver 0, no schedule, the addresses and ports, Padding Length,
 * Start Time, Timeout, Type-P from the DSCP, the SID zero (the server
 * makes it).  The length written, -1 when the buffer is too small or a
 * value does not fit (family, DSCP above 63).
 */
ssize_t	 twamp_client_request(const struct twamp_client_req *, uint8_t *,
	    size_t);

/*
 * Server-Start, Accept-Session, Start-Ack at buf: 0 when the Accept
 * field is 0 (Accept-Session: with *port, the test port, not 0), else
 * -1 with err naming the message, the Accept value and its code.
 */
int	 twamp_client_server_start(const uint8_t *, size_t, char *, size_t);
int	 twamp_client_accept_session(const uint8_t *, size_t, uint16_t *,
	    char *, size_t);
int	 twamp_client_start_ack(const uint8_t *, size_t, char *, size_t);

#endif /* LOPA_TWAMP_CTL_CODEC_H */
