/*
 * libFuzzer target: octets arriving on a TWAMP-Control connection.  The
 * input is decoded as every message kind.  A decoder must refuse exactly
 * the short inputs and wrong command numbers; whatever decodes must
 * re-encode to the same octets when no MBZ or HMAC flag was raised, and
 * re-decode to the same fields with no flags.  The helpers (Count
 * check, Type-P, Accept names, command lengths) must keep their
 * promises on the values found.
 */
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "twamp_ctl_codec.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	 out[TWAMP_SETUP_RESP_LEN];

/* Decode as one kind; on success re-encode and compare. */
#define CHECK_KIND(type, name, LEN, cmd, skip)				\
static void								\
check_##name(const uint8_t *data, size_t size)				\
{									\
	struct type	 m, m2;						\
	int		 rc, want;					\
									\
	rc = twamp_##name##_decode(data, size, &m);			\
	want = size >= (LEN) && ((cmd) == -1 || data[0] == (cmd));	\
	if (rc != (want ? 0 : -1))					\
		abort();						\
	if (rc == -1) {							\
		if (m.flags != 0)					\
			abort();					\
		return;							\
	}								\
	if ((m.flags & ~(TWAMP_CTL_F_MBZ | TWAMP_CTL_F_HMAC)) != 0)	\
		abort();						\
	memset(out, 0xaa, sizeof(out));					\
	if (twamp_##name##_encode(&m, out, LEN) != (LEN))		\
		abort();						\
	if (m.flags == 0 &&						\
	    memcmp(out + (skip), data + (skip), (LEN) - (skip)) != 0)	\
		abort();						\
	if (twamp_##name##_decode(out, LEN, &m2) != 0 ||		\
	    m2.flags != 0)						\
		abort();						\
	m2.flags = m.flags;						\
	if (memcmp(&m, &m2, sizeof(m)) != 0)				\
		abort();						\
}

/* The greeting's 12 Unused octets are not checked, so not compared. */
CHECK_KIND(twamp_greeting, greeting, TWAMP_GREETING_LEN, -1, 12)
CHECK_KIND(twamp_setup_resp, setup_resp, TWAMP_SETUP_RESP_LEN, -1, 0)
CHECK_KIND(twamp_server_start, server_start, TWAMP_SERVER_START_LEN, -1, 0)
CHECK_KIND(twamp_req_session, req_session, TWAMP_REQ_SESSION_LEN,
    TWAMP_CMD_REQUEST_TW_SESSION, 0)
CHECK_KIND(twamp_accept_session, accept_session, TWAMP_ACCEPT_SESSION_LEN,
    -1, 0)
CHECK_KIND(twamp_start_sessions, start_sessions, TWAMP_START_SESSIONS_LEN,
    TWAMP_CMD_START_SESSIONS, 0)
CHECK_KIND(twamp_start_ack, start_ack, TWAMP_START_ACK_LEN, -1, 0)
CHECK_KIND(twamp_stop_sessions, stop_sessions, TWAMP_STOP_SESSIONS_LEN,
    TWAMP_CMD_STOP_SESSIONS, 0)

static uint32_t
word(const uint8_t *data, size_t size, size_t off)
{
	uint32_t	 v = 0;
	size_t		 i;

	for (i = off; i < off + 4 && i < size; i++)
		v = v << 8 | data[i];
	return v;
}

static void
check_helpers(const uint8_t *data, size_t size)
{
	const char	*errstr, *name;
	uint32_t	 count, max, use, typep, t2;
	uint8_t		 dscp;
	size_t		 n;
	int		 rc, valid;

	count = word(data, size, 0);
	max = word(data, size, 4);
	rc = twamp_count_check(count, max, &use, &errstr);
	valid = count >= 1024 && (count & (count - 1)) == 0 &&
	    max >= 1024 && (max & (max - 1)) == 0;
	if (rc == -1) {
		if (valid || errstr == NULL || use != 0)
			abort();
	} else {
		if (!valid || errstr != NULL ||
		    (rc == 0 && (count > max || use != count)) ||
		    (rc == 1 && (count <= max || use != max)) || rc > 1)
			abort();
	}

	typep = word(data, size, 8);
	if (twamp_typep_dscp(typep, &dscp) == 0) {
		if (dscp > 63 || twamp_typep_from_dscp(dscp, &t2) != 0 ||
		    t2 != typep)
			abort();
	} else if (dscp != 0 || (typep & 0xc0ffffffU) == 0)
		abort();

	if (size > 0) {
		name = twamp_accept_name(data[0]);
		if (name == NULL || (data[0] > 5) !=
		    (strcmp(name, "reserved") == 0))
			abort();
		n = twamp_cmd_len(data[0]);
		if (n != (data[0] == 5 ? 112 : data[0] == 2 ||
		    data[0] == 3 ? 32 : 0))
			abort();
	}
}

/*
 * The client's checks of what a server sends: a verdict either way, an
 * error text (NUL-terminated, "TWAMP-Control: ...") exactly on refusal,
 * a Count within the cap and a test port that is not 0 on success.
 */
static void
check_client(const uint8_t *data, size_t size)
{
	char		 err[256];
	uint32_t	 count;
	uint16_t	 port;
	int		 rc;

	memset(err, 0, sizeof(err));
	rc = twamp_client_greeting(data, size, 32768, &count, err,
	    sizeof(err));
	if (rc == 0 && (count < 1024 || count > 32768 ||
	    (count & (count - 1)) != 0))
		abort();
	if (rc == -1 && strncmp(err, "TWAMP-Control: ", 15) != 0)
		abort();
	memset(err, 0, sizeof(err));
	if (twamp_client_server_start(data, size, err, sizeof(err)) == -1 &&
	    strncmp(err, "TWAMP-Control: ", 15) != 0)
		abort();
	memset(err, 0, sizeof(err));
	rc = twamp_client_accept_session(data, size, &port, err, sizeof(err));
	if ((rc == 0 && port == 0) ||
	    (rc == -1 && strncmp(err, "TWAMP-Control: ", 15) != 0))
		abort();
	memset(err, 0, sizeof(err));
	if (twamp_client_start_ack(data, size, err, sizeof(err)) == -1 &&
	    strncmp(err, "TWAMP-Control: ", 15) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_client(data, size);
	check_greeting(data, size);
	check_setup_resp(data, size);
	check_server_start(data, size);
	check_req_session(data, size);
	check_accept_session(data, size);
	check_start_sessions(data, size);
	check_start_ack(data, size);
	check_stop_sessions(data, size);
	check_helpers(data, size);
	return 0;
}
