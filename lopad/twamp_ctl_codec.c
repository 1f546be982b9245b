/*
 * TWAMP-Control message codec, unauthenticated mode: see
 * twamp_ctl_codec.h.  Offsets are those of RFC 4656 section 3 and
 * RFC 5357 section 3, as written out in PROTOCOLS.md.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "twamp_ctl_codec.h"
#include "wire.h"

#define HMAC_LEN	16

/* Server Greeting */
#define G_MODES		12
#define G_CHALLENGE	16
#define G_SALT		32
#define G_COUNT		48
#define G_MBZ		52
/* Set-Up-Response */
#define SU_MODE		0
#define SU_KEYID	4
#define SU_TOKEN	84
#define SU_IV		148
/* Server-Start */
#define SS_MBZ		0	/* 15 */
#define SS_ACCEPT	15
#define SS_IV		16
#define SS_TIME		32
#define SS_MBZ2		40	/* 8 */
/* Request-TW-Session */
#define RQ_CMD		0
#define RQ_IPVN		1	/* MBZ in the high nibble */
#define RQ_CONF_S	2
#define RQ_CONF_R	3
#define RQ_NSLOTS	4
#define RQ_NPKTS	8
#define RQ_SPORT	12
#define RQ_RPORT	14
#define RQ_SADDR	16
#define RQ_RADDR	32
#define RQ_SID		48
#define RQ_PADLEN	64
#define RQ_START	68
#define RQ_TIMEOUT	76
#define RQ_TYPEP	84
#define RQ_MBZ		88	/* 8 */
#define RQ_HMAC		96
/* Accept-Session */
#define AS_ACCEPT	0
#define AS_MBZ		1	/* 1 */
#define AS_PORT		2
#define AS_SID		4
#define AS_REFL		20
#define AS_SERV		22
#define AS_MBZ2		24	/* 8 */
#define AS_HMAC		32
/* Start-Sessions and Start-Ack: octet 0, MBZ 1-15, HMAC 16-31. */
#define SA_MBZ		1
#define SA_HMAC		16
/* Stop-Sessions */
#define SP_CMD		0
#define SP_ACCEPT	1
#define SP_MBZ		2	/* 2 */
#define SP_NSESS	4
#define SP_MBZ2		8	/* 8 */
#define SP_HMAC		16

#define TYPEP_DSCP_SHIFT	24

static const struct {
	uint8_t		 code;
	const char	*name;
} accept_names[] = {
	{ TWAMP_ACCEPT_OK,		"OK" },
	{ TWAMP_ACCEPT_FAILURE,		"failure, reason unspecified" },
	{ TWAMP_ACCEPT_INTERNAL,	"internal error" },
	{ TWAMP_ACCEPT_NOT_SUPPORTED,
	    "some aspect of the request is not supported" },
	{ TWAMP_ACCEPT_PERM_RESOURCE,
	    "cannot perform the request due to permanent resource "
	    "limitations" },
	{ TWAMP_ACCEPT_TEMP_RESOURCE,
	    "cannot perform the request due to temporary resource "
	    "limitations" },
};

static int
mbz_flag(const uint8_t *p, size_t len)
{
	return all_zero(p, len) ? 0 : TWAMP_CTL_F_MBZ;
}

static int
hmac_flag(const uint8_t *p)
{
	return all_zero(p, HMAC_LEN) ? 0 : TWAMP_CTL_F_HMAC;
}

/*
 * An IPv4 address takes the first 4 of its 16 octets; the other 12 are
 * written as zeros and checked as MBZ.  Any other IPVN: all 16.
 */
static size_t
addr_len(uint8_t ipvn)
{
	return ipvn == 4 ? 4 : 16;
}

/* Zero the whole message first: MBZ, Unused and HMAC stay zero. */
static int
start_encode(uint8_t *buf, size_t bufsz, size_t len)
{
	if (buf == NULL || bufsz < len)
		return -1;
	memset(buf, 0, len);
	return 0;
}

ssize_t
twamp_greeting_encode(const struct twamp_greeting *g, uint8_t *buf,
    size_t bufsz)
{
	if (start_encode(buf, bufsz, TWAMP_GREETING_LEN) == -1)
		return -1;
	put32(buf + G_MODES, g->modes);
	memcpy(buf + G_CHALLENGE, g->challenge, sizeof(g->challenge));
	memcpy(buf + G_SALT, g->salt, sizeof(g->salt));
	put32(buf + G_COUNT, g->count);
	return TWAMP_GREETING_LEN;
}

int
twamp_greeting_decode(const uint8_t *buf, size_t len,
    struct twamp_greeting *g)
{
	memset(g, 0, sizeof(*g));
	if (buf == NULL || len < TWAMP_GREETING_LEN)
		return -1;
	g->modes = get32(buf + G_MODES);
	memcpy(g->challenge, buf + G_CHALLENGE, sizeof(g->challenge));
	memcpy(g->salt, buf + G_SALT, sizeof(g->salt));
	g->count = get32(buf + G_COUNT);
	g->flags = mbz_flag(buf + G_MBZ, TWAMP_GREETING_LEN - G_MBZ);
	return 0;
}

ssize_t
twamp_setup_resp_encode(const struct twamp_setup_resp *s, uint8_t *buf,
    size_t bufsz)
{
	if (start_encode(buf, bufsz, TWAMP_SETUP_RESP_LEN) == -1)
		return -1;
	put32(buf + SU_MODE, s->mode);
	memcpy(buf + SU_KEYID, s->keyid, sizeof(s->keyid));
	memcpy(buf + SU_TOKEN, s->token, sizeof(s->token));
	memcpy(buf + SU_IV, s->client_iv, sizeof(s->client_iv));
	return TWAMP_SETUP_RESP_LEN;
}

int
twamp_setup_resp_decode(const uint8_t *buf, size_t len,
    struct twamp_setup_resp *s)
{
	memset(s, 0, sizeof(*s));
	if (buf == NULL || len < TWAMP_SETUP_RESP_LEN)
		return -1;
	s->mode = get32(buf + SU_MODE);
	memcpy(s->keyid, buf + SU_KEYID, sizeof(s->keyid));
	memcpy(s->token, buf + SU_TOKEN, sizeof(s->token));
	memcpy(s->client_iv, buf + SU_IV, sizeof(s->client_iv));
	return 0;
}

ssize_t
twamp_server_start_encode(const struct twamp_server_start *s, uint8_t *buf,
    size_t bufsz)
{
	if (start_encode(buf, bufsz, TWAMP_SERVER_START_LEN) == -1)
		return -1;
	buf[SS_ACCEPT] = s->accept;
	memcpy(buf + SS_IV, s->server_iv, sizeof(s->server_iv));
	put64(buf + SS_TIME, s->start_time);
	return TWAMP_SERVER_START_LEN;
}

int
twamp_server_start_decode(const uint8_t *buf, size_t len,
    struct twamp_server_start *s)
{
	memset(s, 0, sizeof(*s));
	if (buf == NULL || len < TWAMP_SERVER_START_LEN)
		return -1;
	s->accept = buf[SS_ACCEPT];
	memcpy(s->server_iv, buf + SS_IV, sizeof(s->server_iv));
	s->start_time = get64(buf + SS_TIME);
	s->flags = mbz_flag(buf + SS_MBZ, SS_ACCEPT - SS_MBZ) |
	    mbz_flag(buf + SS_MBZ2, TWAMP_SERVER_START_LEN - SS_MBZ2);
	return 0;
}

ssize_t
twamp_req_session_encode(const struct twamp_req_session *r, uint8_t *buf,
    size_t bufsz)
{
	if (r->ipvn > 0x0f ||
	    start_encode(buf, bufsz, TWAMP_REQ_SESSION_LEN) == -1)
		return -1;
	buf[RQ_CMD] = TWAMP_CMD_REQUEST_TW_SESSION;
	buf[RQ_IPVN] = r->ipvn;
	buf[RQ_CONF_S] = r->conf_sender;
	buf[RQ_CONF_R] = r->conf_receiver;
	put32(buf + RQ_NSLOTS, r->nslots);
	put32(buf + RQ_NPKTS, r->npackets);
	put16(buf + RQ_SPORT, r->sender_port);
	put16(buf + RQ_RPORT, r->receiver_port);
	memcpy(buf + RQ_SADDR, r->sender_addr, addr_len(r->ipvn));
	memcpy(buf + RQ_RADDR, r->receiver_addr, addr_len(r->ipvn));
	memcpy(buf + RQ_SID, r->sid, sizeof(r->sid));
	put32(buf + RQ_PADLEN, r->padding_len);
	put64(buf + RQ_START, r->start_time);
	put64(buf + RQ_TIMEOUT, r->timeout);
	put32(buf + RQ_TYPEP, r->typep);
	return TWAMP_REQ_SESSION_LEN;
}

int
twamp_req_session_decode(const uint8_t *buf, size_t len,
    struct twamp_req_session *r)
{
	memset(r, 0, sizeof(*r));
	if (buf == NULL || len < TWAMP_REQ_SESSION_LEN ||
	    buf[RQ_CMD] != TWAMP_CMD_REQUEST_TW_SESSION)
		return -1;
	r->ipvn = buf[RQ_IPVN] & 0x0f;
	r->conf_sender = buf[RQ_CONF_S];
	r->conf_receiver = buf[RQ_CONF_R];
	r->nslots = get32(buf + RQ_NSLOTS);
	r->npackets = get32(buf + RQ_NPKTS);
	r->sender_port = get16(buf + RQ_SPORT);
	r->receiver_port = get16(buf + RQ_RPORT);
	memcpy(r->sender_addr, buf + RQ_SADDR, addr_len(r->ipvn));
	memcpy(r->receiver_addr, buf + RQ_RADDR, addr_len(r->ipvn));
	memcpy(r->sid, buf + RQ_SID, sizeof(r->sid));
	r->padding_len = get32(buf + RQ_PADLEN);
	r->start_time = get64(buf + RQ_START);
	r->timeout = get64(buf + RQ_TIMEOUT);
	r->typep = get32(buf + RQ_TYPEP);
	r->flags = mbz_flag(buf + RQ_MBZ, RQ_HMAC - RQ_MBZ) |
	    hmac_flag(buf + RQ_HMAC);
	if ((buf[RQ_IPVN] & 0xf0) != 0)
		r->flags |= TWAMP_CTL_F_MBZ;
	if (r->ipvn == 4)
		r->flags |= mbz_flag(buf + RQ_SADDR + 4, 12) |
		    mbz_flag(buf + RQ_RADDR + 4, 12);
	return 0;
}

ssize_t
twamp_accept_session_encode(const struct twamp_accept_session *a,
    uint8_t *buf, size_t bufsz)
{
	if (start_encode(buf, bufsz, TWAMP_ACCEPT_SESSION_LEN) == -1)
		return -1;
	buf[AS_ACCEPT] = a->accept;
	put16(buf + AS_PORT, a->port);
	memcpy(buf + AS_SID, a->sid, sizeof(a->sid));
	put16(buf + AS_REFL, a->reflected_octets);
	put16(buf + AS_SERV, a->server_octets);
	return TWAMP_ACCEPT_SESSION_LEN;
}

int
twamp_accept_session_decode(const uint8_t *buf, size_t len,
    struct twamp_accept_session *a)
{
	memset(a, 0, sizeof(*a));
	if (buf == NULL || len < TWAMP_ACCEPT_SESSION_LEN)
		return -1;
	a->accept = buf[AS_ACCEPT];
	a->port = get16(buf + AS_PORT);
	memcpy(a->sid, buf + AS_SID, sizeof(a->sid));
	a->reflected_octets = get16(buf + AS_REFL);
	a->server_octets = get16(buf + AS_SERV);
	a->flags = mbz_flag(buf + AS_MBZ, 1) |
	    mbz_flag(buf + AS_MBZ2, AS_HMAC - AS_MBZ2) |
	    hmac_flag(buf + AS_HMAC);
	return 0;
}

ssize_t
twamp_start_sessions_encode(const struct twamp_start_sessions *s,
    uint8_t *buf, size_t bufsz)
{
	if (start_encode(buf, bufsz, TWAMP_START_SESSIONS_LEN) == -1)
		return -1;
	buf[0] = TWAMP_CMD_START_SESSIONS;
	return TWAMP_START_SESSIONS_LEN;
}

int
twamp_start_sessions_decode(const uint8_t *buf, size_t len,
    struct twamp_start_sessions *s)
{
	memset(s, 0, sizeof(*s));
	if (buf == NULL || len < TWAMP_START_SESSIONS_LEN ||
	    buf[0] != TWAMP_CMD_START_SESSIONS)
		return -1;
	s->flags = mbz_flag(buf + SA_MBZ, SA_HMAC - SA_MBZ) |
	    hmac_flag(buf + SA_HMAC);
	return 0;
}

ssize_t
twamp_start_ack_encode(const struct twamp_start_ack *s, uint8_t *buf,
    size_t bufsz)
{
	if (start_encode(buf, bufsz, TWAMP_START_ACK_LEN) == -1)
		return -1;
	buf[0] = s->accept;
	return TWAMP_START_ACK_LEN;
}

int
twamp_start_ack_decode(const uint8_t *buf, size_t len,
    struct twamp_start_ack *s)
{
	memset(s, 0, sizeof(*s));
	if (buf == NULL || len < TWAMP_START_ACK_LEN)
		return -1;
	s->accept = buf[0];
	s->flags = mbz_flag(buf + SA_MBZ, SA_HMAC - SA_MBZ) |
	    hmac_flag(buf + SA_HMAC);
	return 0;
}

ssize_t
twamp_stop_sessions_encode(const struct twamp_stop_sessions *s,
    uint8_t *buf, size_t bufsz)
{
	if (start_encode(buf, bufsz, TWAMP_STOP_SESSIONS_LEN) == -1)
		return -1;
	buf[SP_CMD] = TWAMP_CMD_STOP_SESSIONS;
	buf[SP_ACCEPT] = s->accept;
	put32(buf + SP_NSESS, s->nsessions);
	return TWAMP_STOP_SESSIONS_LEN;
}

int
twamp_stop_sessions_decode(const uint8_t *buf, size_t len,
    struct twamp_stop_sessions *s)
{
	memset(s, 0, sizeof(*s));
	if (buf == NULL || len < TWAMP_STOP_SESSIONS_LEN ||
	    buf[SP_CMD] != TWAMP_CMD_STOP_SESSIONS)
		return -1;
	s->accept = buf[SP_ACCEPT];
	s->nsessions = get32(buf + SP_NSESS);
	s->flags = mbz_flag(buf + SP_MBZ, SP_NSESS - SP_MBZ) |
	    mbz_flag(buf + SP_MBZ2, SP_HMAC - SP_MBZ2) |
	    hmac_flag(buf + SP_HMAC);
	return 0;
}

size_t
twamp_cmd_len(uint8_t cmd)
{
	switch (cmd) {
	case TWAMP_CMD_REQUEST_TW_SESSION:
		return TWAMP_REQ_SESSION_LEN;
	case TWAMP_CMD_START_SESSIONS:
		return TWAMP_START_SESSIONS_LEN;
	case TWAMP_CMD_STOP_SESSIONS:
		return TWAMP_STOP_SESSIONS_LEN;
	default:
		return 0;
	}
}

static int
count_valid(uint32_t v)
{
	return v >= TWAMP_COUNT_MIN && (v & (v - 1)) == 0;
}

int
twamp_count_check(uint32_t count, uint32_t max, uint32_t *use,
    const char **errstr)
{
	*use = 0;
	*errstr = NULL;
	if (!count_valid(max)) {
		*errstr = "maximum is not a power of 2 of at least 1024";
		return -1;
	}
	if (count < TWAMP_COUNT_MIN) {
		*errstr = "below 1024";
		return -1;
	}
	if ((count & (count - 1)) != 0) {
		*errstr = "not a power of 2";
		return -1;
	}
	if (count > max) {
		*use = max;
		return 1;
	}
	*use = count;
	return 0;
}

const char *
twamp_accept_name(uint8_t code)
{
	size_t	 i;

	for (i = 0; i < sizeof(accept_names) / sizeof(accept_names[0]); i++)
		if (accept_names[i].code == code)
			return accept_names[i].name;
	return "reserved";
}

int
twamp_typep_from_dscp(uint8_t dscp, uint32_t *typep)
{
	if (dscp > 63)
		return -1;
	*typep = (uint32_t)dscp << TYPEP_DSCP_SHIFT;
	return 0;
}

int
twamp_typep_dscp(uint32_t typep, uint8_t *dscp)
{
	/* Top two bits 00, then DSCP; nothing after it. */
	*dscp = 0;
	if ((typep & 0xc0ffffffU) != 0)
		return -1;
	*dscp = (uint8_t)(typep >> TYPEP_DSCP_SHIFT);
	return 0;
}

/*
 * The Control-Client side.
 */

#define CL_NS	1000000000LL

uint64_t
twamp_client_interval(int64_t ns)
{
	uint64_t	 sec, frac;

	if (ns <= 0)
		return 0;
	sec = (uint64_t)(ns / CL_NS);
	if (sec > 0xffffffffULL)
		return UINT64_MAX;
	/* The fraction rounded to the nearest 2^-32 s. */
	frac = ((uint64_t)(ns % CL_NS) * (1ULL << 32) + CL_NS / 2) / CL_NS;
	if (frac > 0xffffffffULL) {
		frac = 0;
		if (++sec > 0xffffffffULL)
			return UINT64_MAX;
	}
	return sec << 32 | frac;
}

int
twamp_client_greeting(const uint8_t *buf, size_t len, uint32_t maxcount,
    uint32_t *count, char *err, size_t errlen)
{
	struct twamp_greeting	 g;
	const char		*why;

	*count = 0;
	if (twamp_greeting_decode(buf, len, &g) == -1) {
		snprintf(err, errlen, "TWAMP-Control: short Server Greeting");
		return -1;
	}
	if (g.modes == 0) {
		snprintf(err, errlen, "TWAMP-Control: the server refuses the "
		    "connection (Server Greeting Modes 0)");
		return -1;
	}
	if ((g.modes & TWAMP_MODE_UNAUTHENTICATED) == 0) {
		snprintf(err, errlen, "TWAMP-Control: the server does not "
		    "offer unauthenticated mode (Server Greeting Modes 0x%x)",
		    g.modes);
		return -1;
	}
	if (twamp_count_check(g.count, maxcount, count, &why) == -1) {
		snprintf(err, errlen, "TWAMP-Control: Server Greeting Count "
		    "%u: %s", g.count, why);
		return -1;
	}
	return 0;
}

ssize_t
twamp_client_setup(uint8_t *buf, size_t len)
{
	struct twamp_setup_resp	 sr;

	memset(&sr, 0, sizeof(sr));
	sr.mode = TWAMP_MODE_UNAUTHENTICATED;
	return twamp_setup_resp_encode(&sr, buf, len);
}

ssize_t
twamp_client_start(uint8_t *buf, size_t len)
{
	struct twamp_start_sessions	 ss;

	memset(&ss, 0, sizeof(ss));
	return twamp_start_sessions_encode(&ss, buf, len);
}

ssize_t
twamp_client_stop(uint8_t *buf, size_t len)
{
	struct twamp_stop_sessions	 st;

	memset(&st, 0, sizeof(st));
	st.accept = TWAMP_ACCEPT_OK;
	st.nsessions = 1;
	return twamp_stop_sessions_encode(&st, buf, len);
}

ssize_t
twamp_client_request(const struct twamp_client_req *r, uint8_t *buf,
    size_t len)
{
	struct twamp_req_session	 rq;
	size_t				 alen;

	memset(&rq, 0, sizeof(rq));
	if (r->family == AF_INET) {
		rq.ipvn = 4;
		alen = 4;
	} else if (r->family == AF_INET6) {
		rq.ipvn = 6;
		alen = 16;
	} else
		return -1;
	if (r->dscp > 63 || twamp_typep_from_dscp(r->dscp < 0 ? 0 :
	    (uint8_t)r->dscp, &rq.typep) == -1)
		return -1;
	rq.sender_port = r->sender_port;
	rq.receiver_port = r->receiver_port;
	memcpy(rq.sender_addr, r->sender_addr, alen);
	memcpy(rq.receiver_addr, r->receiver_addr, alen);
	rq.padding_len = r->padding;
	rq.start_time = r->start_time;
	rq.timeout = twamp_client_interval(r->timeout_ns);
	return twamp_req_session_encode(&rq, buf, len);
}

static int
refused(const char *what, uint8_t accept, char *err, size_t errlen)
{
	snprintf(err, errlen, "TWAMP-Control: %s refused: %s (%u)", what,
	    twamp_accept_name(accept), accept);
	return -1;
}

int
twamp_client_server_start(const uint8_t *buf, size_t len, char *err,
    size_t errlen)
{
	struct twamp_server_start	 ss;

	if (twamp_server_start_decode(buf, len, &ss) == -1) {
		snprintf(err, errlen, "TWAMP-Control: short Server-Start");
		return -1;
	}
	if (ss.accept != TWAMP_ACCEPT_OK)
		return refused("Server-Start", ss.accept, err, errlen);
	return 0;
}

int
twamp_client_accept_session(const uint8_t *buf, size_t len, uint16_t *port,
    char *err, size_t errlen)
{
	struct twamp_accept_session	 as;

	*port = 0;
	if (twamp_accept_session_decode(buf, len, &as) == -1) {
		snprintf(err, errlen, "TWAMP-Control: short Accept-Session");
		return -1;
	}
	if (as.accept != TWAMP_ACCEPT_OK)
		return refused("Accept-Session", as.accept, err, errlen);
	if (as.port == 0) {
		snprintf(err, errlen, "TWAMP-Control: Accept-Session accepted "
		    "with test port 0");
		return -1;
	}
	*port = as.port;
	return 0;
}

int
twamp_client_start_ack(const uint8_t *buf, size_t len, char *err,
    size_t errlen)
{
	struct twamp_start_ack	 sa;

	if (twamp_start_ack_decode(buf, len, &sa) == -1) {
		snprintf(err, errlen, "TWAMP-Control: short Start-Ack");
		return -1;
	}
	if (sa.accept != TWAMP_ACCEPT_OK)
		return refused("Start-Ack", sa.accept, err, errlen);
	return 0;
}
