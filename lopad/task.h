/*
 * lopa: probe tasks.  The flat structs that travel between control, engine
 * and sender (DESIGN §3, §4), and the names they have in the API.
 *
 *   control --IMSG_TASK_CREATE{task_params}--> engine
 *   engine  --IMSG_RESOLVE{resolve_req}--> control (evdns)
 *   control --IMSG_RESOLVED{resolve_reply}--> engine
 *   engine  --IMSG_SESSION_START{session_params}--> sender
 *   sender  --IMSG_SESSION_RESULTS{(result_chunk, probe_result[])...}-->
 *             engine
 *   sender  --IMSG_SESSION_END{session_end}--> engine
 *   control --IMSG_TASK_GET/LIST/SAMPLES/STOP/DELETE{task_query}--> engine
 *   engine  --IMSG_TASK_INFO, IMSG_TASK_ROUND, IMSG_TASK_SAMPLE,
 *             IMSG_TASK_END{task_reply}--> control
 *   engine  --IMSG_TASK_EVENT{task_event}--> control (SSE streams)
 *
 * Every struct is fixed-size and checked for its exact size on receipt;
 * every string is NUL-terminated by the receiver before use.  Times are
 * integer nanoseconds: `_ns' durations, `t_' CLOCK_REALTIME instants.
 */
#ifndef LOPA_TASK_H
#define LOPA_TASK_H

#include <stdint.h>

#include "alert.h"
#include "lopad.h"
#include "stats.h"
#include "twamp_stats.h"

#define TASK_IDLEN		96	/* "<hostname>-<n>" */
#define TASK_HOSTLEN		256	/* a DNS name or an address */
#define TASK_TARGETLEN		(TASK_HOSTLEN + 8)	/* "[host]:port" */
#define TASK_URLLEN		512
#define TASK_SECRETLEN		256	/* webhook_secret, with its NUL */
#define TASK_MAXLABELS		16
#define TASK_LABELKEYLEN	64	/* a label's name, with its NUL */
#define TASK_LABELVALLEN	256	/* its value, with its NUL */
#define TASK_LABELSLEN		1024	/* every label, packed */
#define TASK_IFNAMELEN		16	/* IFNAMSIZ */
#define TASK_MAXADDRS		8	/* addresses kept from one lookup */

enum task_type {
	TASK_TYPE_NONE = 0,
	TASK_PING,		/* ICMP / ICMPv6 echo */
	TASK_TCP,		/* TCP connect */
	TASK_UDP,		/* UDP echo */
	TASK_TWAMP,		/* TWAMP-light Session-Sender (RFC 5357) */
	TASK_STAMP,		/* STAMP Session-Sender (RFC 8762, 8972) */
	TASK_PASSIVE,		/* interface counters, no probe */
	TASK_TYPE_MAX
};

enum task_mode {
	TASK_MODE_NONE = 0,
	TASK_COUNT,		/* count probes per round, rounds rounds */
	TASK_DURATION,		/* for duration */
	TASK_CONTINUOUS,	/* until stopped, with a sliding window */
	TASK_MODE_MAX
};

enum task_status {
	TASK_PENDING = 0,	/* created, resolving its target */
	TASK_RUNNING,
	TASK_FINISHED,
	TASK_STOPPED,
	TASK_FAILED,
	TASK_STATUS_MAX
};

enum task_ipver {
	TASK_IP_AUTO = 0,	/* IPv4 first, then IPv6 */
	TASK_IP_4,
	TASK_IP_6
};

/* Defaults and bounds (control applies them; the engine trusts them). */
#define TASK_DEF_COUNT		4
#define TASK_MAX_COUNT		1000000
#define TASK_DEF_ROUNDS		1
#define TASK_MAX_ROUNDS		10000
#define TASK_DEF_INTERVAL	(1000LL * 1000 * 1000)		/* 1 s */
#define TASK_MIN_INTERVAL	(1000LL * 1000)			/* 1 ms */
#define TASK_DEF_TIMEOUT	(3000LL * 1000 * 1000)		/* 3 s */
/* Probes a session can have in flight (timeout / interval): its ring. */
#define TASK_MAX_INFLIGHT	16000
#define TASK_DEF_DURATION	(10000LL * 1000 * 1000)		/* 10 s */
#define TASK_DEF_WINDOW		(60000LL * 1000 * 1000)		/* 60 s */
/* passive: Lopa's defaults; its interfaces, comma-separated in target. */
#define TASK_PASSIVE_INTERVAL	(10000LL * 1000 * 1000)		/* 10 s */
#define TASK_PASSIVE_DURATION	(60000LL * 1000 * 1000)		/* 60 s */
#define TASK_PASSIVE_MIN_INTERVAL (100LL * 1000 * 1000)		/* 100 ms */
#define TASK_MAXIFACES		8
#define TASK_PASSIVE_MAXIVALS	3600	/* intervals in a window or duration */
#define TASK_DEF_RESOLVE	(300000LL * 1000 * 1000)	/* 300 s */
#define TASK_DEF_PING_SIZE	56	/* ICMP payload, as ping(8) */
#define TASK_DEF_UDP_SIZE	64	/* UDP payload */
#define TASK_UDP_MINSIZE	16	/* magic, seq, cookie */
#define TASK_DEF_TCP_PORT	80
#define TASK_DEF_UDP_PORT	8081	/* lopad's own echo reflector */
#define TASK_DEF_TWAMP_PORT	862	/* RFC 5357, RFC 8762 */
#define TASK_DEF_TWAMP_TTL	255	/* RFC 5357 section 4.1.2 */
#define TASK_TWAMP_HDRLEN	14	/* TWAMP-light sender header */
#define TASK_STAMP_HDRLEN	44	/* STAMP sender header */
/* Padding by default: TWAMP 27 octets (a 41-octet request as long as the
 * reply, RFC 5357 section 4.2.1), STAMP none (44 octets). */
#define TASK_DEF_TWAMP_PAD	27
#define TASK_DEF_STAMP_PAD	0
#define TASK_IS_TWAMP(type)	((type) == TASK_TWAMP || (type) == TASK_STAMP)
/*
 * padding -1: IMIX (twampy's), sizes for 64, 590 and 1514-octet Ethernet
 * frames (the IP packet and a 14-octet header, no FCS) in the ratio
 * 7:4:1, a fixed pattern of 12 probes by sequence number.
 */
#define TASK_IMIX_LEN		12
#define TASK_MAXTLVS		8	/* stamp: TLVs a task sends */

/* stamp: a TLV sent after the header (RFC 8972; stamp_tlv.h). */
struct task_tlv {
	uint8_t		 type;		/* STAMP_TLV_*, or any other number */
	uint8_t		 dscp;		/* cos: DSCP1 */
	uint8_t		 ecn;		/* cos: ECN (0, sent as 0) */
	uint8_t		 pad;
	uint32_t	 length;	/* padding, numbered: value's length */
};

/*
 * A task as created: validated, every default applied.  The engine keeps
 * a compact copy (engine.c, struct eng_params): a field added here goes
 * there too.
 */
struct task_params {
	uint32_t	 type;		/* enum task_type */
	uint32_t	 mode;		/* enum task_mode */
	char		 target[TASK_TARGETLEN];	/* as given */
	char		 host[TASK_HOSTLEN];	/* name or address, no port */
	uint32_t	 port;		/* tcp, udp; 0 for ping */
	char		 name[LOPA_NAMELEN];	/* optional label */
	uint32_t	 count;		/* probes per round (count mode) */
	uint32_t	 rounds;
	int64_t		 round_delay_ns;
	int64_t		 interval_ns;
	int64_t		 timeout_ns;
	int64_t		 duration_ns;	/* duration mode */
	int64_t		 window_ns;	/* continuous mode */
	int64_t		 resolve_interval_ns;
	uint32_t	 packet_size;	/* ICMP/UDP payload bytes; 0 for tcp */
	int32_t		 dscp;		/* -1: leave the kernel default */
	int32_t		 ttl;		/* 0: kernel default */
	uint32_t	 pmtu;		/* enum pmtu_mode (df) */
	uint32_t	 ip_version;	/* enum task_ipver */
	uint32_t	 ssid;		/* stamp: 0..65535 */
	uint32_t	 control;	/* twamp: 1 full TWAMP (TWAMP-Control
					   on port), 0 TWAMP-light */
	uint32_t	 receiver_port;	/* control: asked for; 0 any */
	uint32_t	 no_histograms;	/* "histograms": false (GET /metrics) */
	uint32_t	 imix;		/* twamp, stamp: padding -1 */
	uint32_t	 ntlvs;		/* stamp */
	struct task_tlv	 tlvs[TASK_MAXTLVS];
	char		 source_ip[LOPA_ADDRLEN];	/* "" none */
	char		 interface[TASK_IFNAMELEN];	/* "" none */
	/* Alerting (stored and echoed; evaluated by later work). */
	double		 loss_threshold;		/* fraction; 0 off */
	int64_t		 latency_threshold_ns;		/* 0 off */
	char		 alert_callback_url[TASK_URLLEN];	/* "" none */
	char		 webhook_secret[TASK_SECRETLEN];	/* "" none */
	/*
	 * labels: "name\0value\0" pairs, sorted by name, labels_len
	 * octets in all (0: none).
	 */
	uint32_t	 labels_len;
	char		 labels[TASK_LABELSLEN];
	/*
	 * Continuous tasks: one rule per metric (thresholds; loss_threshold
	 * and latency_threshold fill ALERT_LOSS and ALERT_RTT_AVG, marked
	 * lopa).
	 */
	struct alert_rule alerts[ALERT_NMETRICS];
};

/* An address as it travels: family, 4 or 16 bytes, port in host order. */
struct task_addr {
	uint32_t	 family;	/* AF_INET, AF_INET6; 0 none */
	uint32_t	 port;
	uint32_t	 scope_id;
	uint8_t		 addr[16];
};

/* engine -> control: resolve a host (hdr.id = task key, reqid = gen). */
struct resolve_req {
	uint32_t	 ip_version;	/* enum task_ipver */
	char		 host[TASK_HOSTLEN];
};

/* control -> engine: the answer (hdr.id and reqid echoed). */
struct resolve_reply {
	int32_t		 error;		/* 0, or an evdns error code */
	uint32_t	 naddrs;
	uint32_t	 ttl;		/* seconds; 0 unknown */
	struct task_addr addrs[TASK_MAXADDRS];	/* preferred family first */
	char		 msg[LOPA_ERRLEN];	/* why, when error != 0 */
};

/* engine -> sender: run one session (hdr.id = session id). */
struct session_params {
	uint32_t	 type;		/* enum task_type */
	struct task_addr dst;		/* with the port for tcp, udp */
	struct task_addr src;		/* source_ip; family 0 none */
	char		 interface[TASK_IFNAMELEN];
	uint32_t	 count;		/* probes to send; 0: until duration/stop */
	int64_t		 duration_ns;	/* 0: no limit (count or stop ends it) */
	int64_t		 interval_ns;
	int64_t		 timeout_ns;
	uint32_t	 packet_size;
	int32_t		 dscp;		/* -1 default */
	int32_t		 ttl;		/* 0 default */
	uint32_t	 pmtu;		/* enum pmtu_mode */
	uint32_t	 first_seq;	/* sequence number of the first probe */
	uint32_t	 ssid;		/* stamp */
	uint32_t	 control;	/* twamp: dst is the TWAMP-Control
					   server; the test port comes from
					   its Accept-Session */
	uint32_t	 receiver_port;	/* control: the test port asked for */
	uint32_t	 imix;		/* packet_size by sequence number */
	uint32_t	 ntlvs;		/* stamp: TLVs after the header */
	struct task_tlv	 tlvs[TASK_MAXTLVS];
};

/* engine -> sender: stop a session now (hdr.id = session id, no body). */

/* Where a probe's times came from. */
enum ts_source {
	TS_NONE = 0,
	TS_TIMESTAMPING,	/* SO_TIMESTAMPING software RX and TX */
	TS_TIMESTAMPNS,		/* SO_TIMESTAMPNS RX, user TX */
	TS_USER,		/* clock_gettime on both ends */
	TS_TCP_INFO,		/* TCP: the kernel's handshake RTT */
	TS_CONNECT,		/* TCP: connect() to writable */
	TS_MAX
};

/* probe_result.kind */
enum probe_kind {
	PROBE_K_SENT = 1,	/* a probe left: in flight */
	PROBE_K_FATE,		/* its fate: reply, error or timeout */
	PROBE_K_DUP,		/* a second reply to a probe already answered */
	PROBE_K_LATE		/* a reply after the probe timed out */
};

/* probe_result.flags */
#define PROBE_F_CLOCK_STEP	0x0001	/* kernel and monotonic RTT disagree */
#define PROBE_F_FOREIGN_SRC	0x0002	/* error reported by a router */

/* probe_result.twflags: a TWAMP/STAMP reply's (twamp, stamp tasks). */
#define PROBE_TW_REPLY		0x01	/* t2, t3, t4, rseq... are set */
#define PROBE_TW_SNDTTL		0x02	/* sender_ttl known */
#define PROBE_TW_UNSYNC		0x04	/* an Error Estimate's S bit clear */
#define PROBE_TW_NONCONF	0x08	/* short reply (twampy's 38 octets) */
#define PROBE_TW_TLV		0x10	/* stamp with TLVs: tlv_* are set */

/* probe_result.tlv_flags: what a STAMP reply's TLVs carried. */
#define PROBE_TLV_COS		0x01	/* tlv_cos, RP in PROBE_TLV_RP */
#define PROBE_TLV_TSINFO	0x02	/* tsinfo */
#define PROBE_TLV_RP_SHIFT	2	/* Class of Service RP, 2 bits */

/* sender -> engine: one record of IMSG_SESSION_RESULTS (batched). */
struct probe_result {
	uint32_t	 seq;
	uint8_t		 kind;		/* enum probe_kind */
	uint8_t		 status;	/* enum probe_status (FATE) */
	uint8_t		 ttl;		/* reply TTL / hop limit; 0 unknown */
	uint8_t		 tsrc;		/* enum ts_source */
	uint16_t	 flags;		/* PROBE_F_* */
	uint16_t	 err;		/* PROBE_ERROR: errno */
	union {
		uint32_t mtu;		/* PROBE_TOO_BIG: next-hop MTU */
		uint8_t	 tsinfo[4];	/* PROBE_TLV_TSINFO: sync, method
					   in; sync, method out */
	};
	int64_t		 t_sent;	/* realtime of the send; TWAMP T1 */
	int64_t		 rtt_ns;	/* FATE ok/refused, DUP, LATE; TWAMP:
					   (T4 - T1) - (T3 - T2) */
	struct task_addr from;		/* who answered or reported */
	/* stamp with TLVs (twflags PROBE_TW_TLV): the reply's. */
	uint8_t		 tlv_u;		/* TLVs with U (unrecognized) */
	uint8_t		 tlv_m;		/* with M, or a chain cut short */
	uint8_t		 tlv_cos;	/* DSCP2 << 2 | ECN */
	uint8_t		 tlv_flags;	/* PROBE_TLV_* */
	/* twamp, stamp: a reply's figures (twflags PROBE_TW_REPLY). */
	int64_t		 t2;		/* the reflector's receive, its clock */
	int64_t		 t3;		/* the reflector's send, its clock */
	int64_t		 t4;		/* our receive */
	uint32_t	 rseq;		/* the reflector's sequence number */
	uint8_t		 sender_ttl;	/* what the reflector saw */
	int8_t		 fwd_hops;	/* -1 unknown */
	int8_t		 bwd_hops;	/* -1 unknown */
	uint8_t		 twflags;	/* PROBE_TW_* */
};

/*
 * sender -> engine: IMSG_SESSION_RESULTS carries the results of many
 * sessions at once (one message per flush, not one per session): chunks,
 * each a result_chunk and `count' (>= 1) probe_result records of that
 * session, in the order they happened.  hdr.id is 0.
 */
struct result_chunk {
	uint32_t	 sid;
	uint32_t	 count;
};
#define RESULTS_MAX	(16384 - 16)	/* bytes: PROC_PEER_MAXSIZE - header */
#define PROBE_BATCH_MAX		160	/* records per IMSG_TASK_SAMPLE */
_Static_assert(sizeof(struct probe_result) == 96, "probe_result is 96 bytes");
_Static_assert(PROBE_BATCH_MAX * sizeof(struct probe_result) <= RESULTS_MAX,
    "a batch of samples fits one message");

/* sender -> engine: the session is over (hdr.id = session id). */
struct session_end {
	uint32_t	 sent;		/* probes sent */
	int32_t		 error;		/* errno when it could not run */
	char		 msg[LOPA_ERRLEN];
};

/* control -> engine: which task(s) (reqid = API request id). */
struct task_query {
	char		 id[TASK_IDLEN];	/* GET, SAMPLES, STOP, DELETE,
						   SUBSCRIBE */
	uint32_t	 type;		/* LIST filter; 0 any */
	int32_t		 status;	/* LIST filter; -1 any */
	uint32_t	 last;		/* SAMPLES: newest N; 0 all held */
};

/*
 * What the replies of a twamp or stamp task tell beyond the probe
 * statistics (twamp_stats.h), for its total and each round.
 */
struct task_twamp {
	uint32_t	 valid;		/* a twamp or stamp task */
	uint32_t	 tlvs;		/* stamp with TLVs: the tlv_* below */
	uint64_t	 nonconformant;	/* short replies accepted */
	struct twamp_result r;
	/* The TLVs of the replies, and the last reply's Timestamp
	 * Information and Class of Service (has_tsinfo, has_cos). */
	uint64_t	 tlv_unrecognized;
	uint64_t	 tlv_malformed;
	uint8_t		 has_tsinfo;
	uint8_t		 has_cos;
	uint8_t		 tsinfo[4];	/* sync in, method in, sync out,
					   method out */
	uint8_t		 cos_dscp2, cos_ecn, cos_rp, pad;
};

/*
 * passive: counters of an interface (IFLA_STATS64) as Lopa names them,
 * in and out: deltas over an interval, a round, the window or the total.
 */
enum passive_counter {
	PC_BYTES_IN = 0,
	PC_BYTES_OUT,
	PC_PACKETS_IN,
	PC_PACKETS_OUT,
	PC_ERRORS_IN,
	PC_ERRORS_OUT,
	PC_DROPS_IN,
	PC_DROPS_OUT,
	PC_MULTICAST_IN,
	PC_MAX
};

struct passive_if {
	char		 name[TASK_IFNAMELEN];
	uint32_t	 present;	/* at the last read */
	uint32_t	 resets;	/* counters that went back */
	uint32_t	 gone;		/* times it disappeared */
	uint32_t	 up;		/* its operational state is up */
	uint32_t	 carrier_changes;	/* since the first read */
	uint64_t	 total[PC_MAX];
	uint64_t	 window[PC_MAX];	/* continuous: the window's */
	int64_t		 window_ns;	/* the span the window covers */
	uint64_t	 last[PC_MAX];	/* the last interval's */
	int64_t		 last_ns;	/* its length; 0 none yet */
};

struct task_passive {
	uint32_t	 n;		/* interfaces */
	uint32_t	 reads;		/* counter reads answered */
	int64_t		 t_last;	/* realtime of the last read */
	struct passive_if v[TASK_MAXIFACES];
};

/* engine -> control: a task, then its rounds, then IMSG_TASK_END. */
struct task_info {
	char		 id[TASK_IDLEN];
	struct task_params params;
	uint32_t	 status;	/* enum task_status */
	char		 error[LOPA_ERRLEN];
	int64_t		 t_created;
	int64_t		 t_started;	/* 0 not yet */
	int64_t		 t_finished;	/* 0 not yet */
	int64_t		 t_updated;
	struct task_addr addr;		/* resolved target; family 0 none */
	uint32_t	 tsrc;		/* timestamp source of the last sample */
	uint32_t	 round;		/* current round, from 1; 0 none */
	uint32_t	 nrounds;	/* IMSG_TASK_ROUND messages that follow */
	uint64_t	 clock_steps;
	uint64_t	 resolves;	/* address changes seen */
	struct stats_result total;
	uint32_t	 has_window;	/* continuous */
	struct stats_result window;
	struct task_twamp twamp;	/* of the total */
	struct task_twamp window_twamp;	/* continuous: of the window */
	struct alert_sm	 alert_sm[ALERT_NMETRICS];	/* params.alerts' */
	struct task_passive passive;	/* passive */
};

/*
 * engine -> control: a notification of a threshold's state machine
 * (IMSG_TASK_ALERT; hdr.id unused): what a webhook and the event stream
 * say, self-contained.
 */
struct task_alert {
	char		 id[TASK_IDLEN];
	char		 name[LOPA_NAMELEN];
	char		 target[TASK_TARGETLEN];
	uint32_t	 type;		/* enum task_type */
	uint32_t	 mode;		/* enum task_mode */
	uint32_t	 metric;	/* enum alert_metric */
	uint32_t	 note;		/* enum alert_note */
	struct alert_rule rule;
	struct alert_sm	 sm;		/* after the evaluation */
	int64_t		 at;		/* realtime, ns */
	int64_t		 window_ns;
	struct stats_result window;	/* the window's figures */
	struct task_twamp window_twamp;	/* twamp, stamp */
	char		 url[TASK_URLLEN];	/* "" none */
	char		 secret[TASK_SECRETLEN];	/* "" none */
	uint32_t	 labels_len;		/* as task_params' */
	char		 labels[TASK_LABELSLEN];
};

/* As it travels; the engine keeps the rounds without twamp. */
struct task_round {
	uint32_t	 index;		/* from 1 */
	int64_t		 t_from;
	int64_t		 t_to;		/* 0 while it runs */
	struct stats_result stats;
	struct task_twamp twamp;
	/* passive: an interval's deltas per interface (as task_info's) */
	uint32_t	 npassive;
	uint64_t	 passive[TASK_MAXIFACES][PC_MAX];
	char		 passive_names[TASK_MAXIFACES][TASK_IFNAMELEN];
};

/* engine -> control: closes every request; HTTP-like status. */
struct task_reply {
	uint32_t	 status;	/* 200, 201, 202, 204, 404, 409, 503 */
	char		 id[TASK_IDLEN];	/* the task (CREATE) */
	char		 detail[LOPA_ERRLEN];	/* why, when >= 400 */
};

/*
 * engine -> control: what an SSE stream shows (hdr.id unused).  Live events
 * have reqid 0 and go to every stream of the task (STATE events are sent
 * for every task, PROBE events only while it has subscribers).  The engine
 * answers IMSG_TASK_SUBSCRIBE with IMSG_TASK_END (200, or 404), then
 * replays the samples it holds as PROBE events with the subscription's
 * reqid, then one STATE event with that reqid giving the current status:
 * a final status there (or in a later live event) means the stream can
 * fetch the summary (IMSG_TASK_GET) and end.
 */
enum task_event_kind {
	TASK_EV_PROBE = 1,	/* a probe's fate (or dup/late): sample */
	TASK_EV_STATE		/* status changed (and error) */
};

struct task_event {
	char		 id[TASK_IDLEN];
	uint32_t	 kind;		/* enum task_event_kind */
	uint32_t	 status;	/* enum task_status (STATE) */
	char		 error[LOPA_ERRLEN];
	struct probe_result sample;	/* PROBE (kind FATE, DUP or LATE) */
};

/* Names (task.c); NULL for out-of-range values. */
const char	*task_type_name(uint32_t);	/* "ping", ... "stamp" */
const char	*task_mode_name(uint32_t);	/* "count" ... */
const char	*task_status_name(uint32_t);	/* "pending" ... */
const char	*probe_status_name(uint32_t);	/* "ok", "timeout", ... */
const char	*ts_source_name(uint32_t);	/* "so_timestamping" ... */
int		 task_type_from_name(const char *);	/* -1 unknown */
int		 task_mode_from_name(const char *);
int		 task_status_from_name(const char *);
int		 task_is_final(uint32_t);	/* finished, stopped, failed */

#endif /* LOPA_TASK_H */
