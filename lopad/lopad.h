/*
 * lopad: shared definitions of the daemon's processes.
 */
#ifndef LOPAD_H
#define LOPAD_H

#include <sys/types.h>
#include <sys/socket.h>

#include <limits.h>
#include <stdint.h>

#include "version.h"

#define LOPAD_CONF		"/etc/lopad/lopad.conf"
#define LOPAD_SOCKET		"/run/lopad/lopad.sock"
#define LOPAD_RSOCKET		"/run/lopad/lopad.rsock"
#define LOPAD_STATE		"/var/lib/lopad/state.yaml"
#define LOPAD_CA_FILE		"/etc/ssl/certs/ca-certificates.crt"
#define LOPAD_CHROOT		"/var/lib/lopad/empty"
#define LOPAD_USER		"_lopad"
#define LOPAD_NOFILE		65536

#define LOPA_NAMELEN		64
#define LOPA_MAXALLOW		16	/* reflector.allow, webhooks.allow */
#define LOPA_ADDRLEN		64	/* "[ffff:...:ffff%ifname]:65535" */
#define LOPA_HOSTLEN		256	/* a DNS name, or a prefix */
#define LOPA_SUNPATHLEN		108	/* sizeof(sun_path) */
#define LOPA_MAXLISTEN		8
#define LOPA_ERRLEN		512

/* Process roles.  The parent is PROC_PARENT; the others are its children. */
enum lopa_proc {
	PROC_PARENT = 0,
	PROC_ENGINE,
	PROC_SENDER,
	PROC_REFLECTOR,
	PROC_NETLINK,
	PROC_CONTROL,
	PROC_MAX
};

/*
 * Message types.  Each is accepted only from the peers noted; anything
 * else arriving on an internal channel is fatal.
 */
enum imsg_type {
	IMSG_NONE = 0,
	/* child -> parent */
	IMSG_LOG,		/* struct imsg_log + text */
	IMSG_READY,		/* child finished init and sandboxing */
	IMSG_FD_REQUEST,	/* struct fd_request */
	IMSG_RECONF_ACK,	/* struct reconf_ack */
	/* parent -> child */
	IMSG_INIT,		/* struct proc_init */
	IMSG_SOCKET_CONN,	/* fd: channel to peer role (hdr.id) */
	IMSG_LISTENER,		/* fd + struct listener_info */
	IMSG_INIT_DONE,		/* all init data sent: sandbox and run */
	IMSG_FD_REPLY,		/* fd (or -1) + struct fd_reply */
	IMSG_RECONF_CONF,	/* struct lopad_conf (phase 1) */
	IMSG_RECONF_LISTENER,	/* fd + struct listener_info for the new conf */
	IMSG_RECONF_COMMIT,	/* phase 2: swap */
	IMSG_RECONF_ABORT,	/* phase 2: drop the pending conf */
	IMSG_TOKENS,		/* struct api_token[] (to control) */
	IMSG_LOG_VERBOSE,	/* int: debug on/off */
	/* control <-> parent */
	IMSG_CTL_STATUS,	/* control -> parent: request (reqid) */
	IMSG_CTL_STATUS_PROC,	/* parent -> control: struct ctl_proc */
	IMSG_CTL_STATUS_END,	/* parent -> control: struct ctl_status */
	IMSG_CTL_RELOAD,	/* control -> parent: request (reqid) */
	IMSG_CTL_RELOAD_RESULT,	/* parent -> control: struct ctl_reload */
	IMSG_DAEMON_READY,	/* parent -> control: every child is ready */
	/* control <-> engine (task.h) */
	IMSG_TASK_CREATE,	/* control -> engine: struct task_params */
	IMSG_TASK_GET,		/* control -> engine: struct task_query */
	IMSG_TASK_LIST,		/* control -> engine: struct task_query */
	IMSG_TASK_SAMPLES,	/* control -> engine: struct task_query */
	IMSG_TASK_STOP,		/* control -> engine: struct task_query */
	IMSG_TASK_DELETE,	/* control -> engine: struct task_query */
	IMSG_TASK_SUBSCRIBE,	/* control -> engine: struct task_query */
	IMSG_TASK_UNSUBSCRIBE,	/* control -> engine: struct task_query */
	IMSG_TASK_INFO,		/* engine -> control: struct task_info */
	IMSG_TASK_ROUND,	/* engine -> control: struct task_round */
	IMSG_TASK_SAMPLE,	/* engine -> control: struct probe_result[] */
	IMSG_TASK_END,		/* engine -> control: struct task_reply */
	IMSG_TASK_EVENT,	/* engine -> control: struct task_event */
	IMSG_TASK_ALERT,	/* engine -> control: struct task_alert */
	IMSG_STATE_IDS,		/* parent -> engine: struct state_ids */
	IMSG_STATE_IDS_WANT,	/* engine -> parent: more ids, please */
	IMSG_STATE_RESTORE,	/* parent -> engine: struct state_task */
	IMSG_STATE_ADD,		/* engine -> parent: struct state_task */
	IMSG_STATE_DEL,		/* engine -> parent: uint32_t key */
	IMSG_CONF_TASK,		/* parent -> engine: struct task_params */
	IMSG_CONF_TASK_DEL,	/* parent -> engine: char[LOPA_NAMELEN] */
	IMSG_RESOLVE,		/* engine -> control: struct resolve_req */
	IMSG_RESOLVED,		/* control -> engine: struct resolve_reply */
	/* engine <-> sender (task.h) */
	IMSG_SESSION_START,	/* engine -> sender: struct session_params */
	IMSG_SESSION_STOP,	/* engine -> sender: no body */
	IMSG_SESSION_RESULTS,	/* sender -> engine: struct probe_result[] */
	IMSG_SESSION_END,	/* sender -> engine: struct session_end */
	/* control <-> reflector */
	IMSG_REFL_STATS,	/* control -> reflector: request (reqid) */
	IMSG_REFL_STATS_REPLY,	/* reflector -> control: struct refl_status */
	/* control <-> sender */
	IMSG_SND_STATS,		/* control -> sender: request (reqid) */
	IMSG_SND_STATS_REPLY,	/* sender -> control: struct snd_status */

	IMSG_NL_EVENT,		/* netlink -> engine: struct nl_event + JSON */
	IMSG_NL_RESYNC,		/* netlink -> engine: struct nl_resync */
	IMSG_NL_STATS,		/* control -> netlink: request (reqid) */
	IMSG_NL_STATS_REPLY,	/* netlink -> control: struct nl_status */
	IMSG_NL_WATCH,		/* engine -> netlink: struct nl_watch */
	IMSG_NL_COUNTERS,	/* engine -> netlink: struct nl_counters_req
				   (hdr.id: task key, hdr.reqid: its read) */
	IMSG_NL_COUNTERS_REPLY,	/* netlink -> engine: struct nl_counters */
	IMSG_NL_VIEW,		/* control -> netlink: uint32_t NL_VIEW_*;
				   answered with IMSG_BODY_DATA/END */

	IMSG_MON_CREATE,	/* control -> engine: struct monitor_params */
	IMSG_MON_LIST,		/* control -> engine: struct mon_query */
	IMSG_MON_GET,		/* control -> engine: struct mon_query */
	IMSG_MON_PATCH,		/* control -> engine: struct mon_query +
				   struct monitor_params (given) */
	IMSG_MON_DELETE,	/* control -> engine: struct mon_query */
	IMSG_MON_EVENTS,	/* control -> engine: struct mon_query */
	IMSG_BODY_DATA,		/* engine, netlink -> control: a part of a
				   reply's JSON body */
	IMSG_BODY_END,		/* engine, netlink -> control: struct
				   body_reply, the end of the reply */
	IMSG_MON_EVENT,		/* engine -> control: struct mon_event + url
				   + secret + the event's JSON */
	IMSG_STATE_MON_ADD,	/* engine -> parent: struct state_monitor */
	IMSG_STATE_MON_RESTORE,	/* parent -> engine: struct state_monitor */
	IMSG_CONF_MON,		/* parent -> engine: struct monitor_params */
	IMSG_CONF_MON_DEL,	/* parent -> engine: char[LOPA_NAMELEN] */
	IMSG_METRICS_GET,	/* control -> engine: request (reqid) */
	IMSG_METRICS_ROWS,	/* engine -> control: struct metrics_row[]
				   (metrics.h), packed */
	IMSG_METRICS_END,	/* engine -> control: the last rows sent */
	IMSG_EXPORT_RESULT,	/* engine -> control: struct export_result */
	IMSG_EXPORT_PROBES,	/* engine -> control: struct export_probe[] */
	IMSG_RESULTS_LOG,	/* control -> parent: JSON lines, each with
				   its newline */
	IMSG_MAX
};

struct imsg_log {
	int32_t		 level;		/* syslog priority */
	/* followed by the text, not NUL-terminated */
};

/* What a child needs to drop privileges and run. */
struct proc_init {
	uid_t		 uid;
	gid_t		 gid;
	int32_t		 verbose;
	int32_t		 debug;
	char		 chroot[PATH_MAX];
};

/* Privileged fds a child may ask for at run time. */
enum fd_kind {
	FD_NONE = 0,
	FD_ICMP_RAW,		/* sender: raw ICMP/ICMPv6 socket */
	FD_UDP_BIND,		/* reflector: bound UDP socket */
	FD_TCP_LISTEN,		/* reflector: listening TCP socket */
	FD_NETLINK_ROUTE,	/* netlink: NETLINK_ROUTE with a forced rcvbuf */
	FD_KIND_MAX
};

enum pmtu_mode {
	PMTU_DEFAULT = 0,	/* kernel default */
	PMTU_DO,		/* DF set, no local fragmentation */
	PMTU_DONT,		/* never DF */
	PMTU_PROBE
};

struct fd_request {
	uint32_t	 kind;		/* enum fd_kind */
	uint32_t	 family;	/* AF_INET, AF_INET6 */
	uint32_t	 pmtu;		/* enum pmtu_mode */
	uint32_t	 rcvbuf;	/* netlink: bytes */
	char		 ifname[16];	/* IFNAMSIZ; "" for none */
	char		 addr[LOPA_ADDRLEN];	/* bind address "ip:port" */
	uint32_t	 exclusive;	/* UDP: no SO_REUSEADDR (port busy?) */
};

struct fd_reply {
	uint32_t	 kind;
	int32_t		 error;		/* errno, 0 when an fd is attached */
	char		 msg[LOPA_ERRLEN];
};

enum listener_kind {
	LISTEN_UNIX_RW = 1,	/* control read-write socket */
	LISTEN_UNIX_RO,		/* control read-only socket */
	LISTEN_TCP		/* HTTP */
};

struct listener_info {
	uint32_t	 kind;
	uint32_t	 loopback;	/* TCP: bound to a loopback address */
	char		 name[LOPA_SUNPATHLEN];	/* path or "ip:port" */
};

/* API bearer tokens (read by the parent from http.tokens). */
#define TOKEN_MAXLEN	128
#define TOKEN_MAX	64
enum token_right {
	TOKEN_READ = 1,
	TOKEN_WRITE = 2
};
struct api_token {
	uint32_t	 right;
	uint32_t	 len;
	char		 name[LOPA_NAMELEN];
	char		 token[TOKEN_MAXLEN];
};

/* Effective configuration; flat so it can travel in one message. */
/* An allow list of the config: prefixes, or host names and prefixes. */
struct conf_allow {
	uint32_t	 n;			/* 0: everything is allowed */
	char		 v[LOPA_MAXALLOW][LOPA_HOSTLEN];
};

struct lopad_conf {
	char		 user[LOPA_NAMELEN];
	char		 group[LOPA_NAMELEN];
	char		 control_socket[LOPA_SUNPATHLEN];
	char		 control_rsocket[LOPA_SUNPATHLEN];
	uint32_t	 http_nlisten;
	char		 http_listen[LOPA_MAXLISTEN][LOPA_ADDRLEN];
	uint32_t	 http_loopback_write;
	char		 http_tokens[PATH_MAX];		/* "" for none */
	uint32_t	 http_max_connections;
	int64_t		 http_idle_timeout;		/* ns */
	int32_t		 log_level;			/* syslog priority */
	uint32_t	 reflector_enabled;
	char		 reflector_addr[LOPA_ADDRLEN];	/* "" disables */
	char		 reflector_twamp_addr[LOPA_ADDRLEN];	/* "" disables */
	uint32_t	 reflector_twamp_stateful;	/* own sequence numbers */
	int64_t		 reflector_twamp_refwait;	/* ns; idle session */
	struct conf_allow reflector_allow;		/* prefixes; none: all */
	uint32_t	 reflector_rate_per_source;	/* packets/s; 0 unlimited */
	uint32_t	 reflector_rate_global;		/* packets/s; 0 unlimited */
	int64_t		 reflector_busy_poll;		/* ns; 0: sleep at once */
	/* TWAMP-Control server (TCP on reflector_twamp_addr's port). */
	int64_t		 reflector_twamp_servwait;	/* ns; idle control */
	uint32_t	 reflector_twamp_port_min;	/* test session ports */
	uint32_t	 reflector_twamp_port_max;
	uint32_t	 reflector_twamp_max_padding;	/* octets */
	uint32_t	 reflector_twamp_max_connections;
	uint32_t	 reflector_twamp_max_connections_per_client;
	uint32_t	 reflector_twamp_max_sessions;
	uint32_t	 reflector_twamp_max_sessions_per_connection;
	/* TWAMP-Control client (twamp tasks with control: true). */
	int64_t		 sender_twamp_connect_timeout;	/* ns */
	int64_t		 sender_twamp_response_timeout;	/* ns, each reply */
	uint32_t	 sender_twamp_max_count;	/* greeting Count cap */
	uint32_t	 monitor_enabled;
	uint32_t	 monitor_event_buffer_size;
	uint32_t	 monitor_max;		/* monitors at most */
	uint32_t	 monitor_rcvbuf;	/* netlink socket, bytes */
	uint32_t	 monitor_max_routes;	/* routes kept for diffs */
	uint32_t	 tasks_max;			/* live tasks */
	uint32_t	 tasks_retain;			/* finished tasks kept */
	uint32_t	 tasks_samples;			/* recent samples per task */
	uint32_t	 tasks_sample_memory;		/* MiB, RTTs and windows */
	/* Webhooks (control). */
	struct conf_allow webhooks_allow;	/* hosts, prefixes; none: all */
	uint32_t	 webhooks_queue;	/* per destination */
	int64_t		 webhooks_max_age;	/* ns: retries until */
	char		 webhooks_ca_file[PATH_MAX];	/* "" none */
	/* GET /metrics */
	uint32_t	 metrics_histograms;	/* per task, unless it says no */
	int64_t		 metrics_bucket_start;	/* ns: the first bound */
	uint32_t	 metrics_bucket_factor;	/* each bound the last's times */
	uint32_t	 metrics_buckets;	/* bounds, +Inf apart */
	uint32_t	 metrics_task_labels;	/* tasks' labels as labels */
	uint32_t	 metrics_max_series;	/* 0: no budget */
	/* Push exports (control; the results log: the parent) */
	char		 exports_influx_url[512];	/* "" none */
	char		 exports_influx_token_file[PATH_MAX];	/* "" none */
	char		 exports_influx_token[256];	/* read by the parent */
	char		 exports_influx_measurement[LOPA_NAMELEN];
	uint32_t	 exports_influx_batch;		/* lines a request */
	int64_t		 exports_influx_flush;		/* ns */
	char		 exports_results_log[PATH_MAX];	/* "" none */
	uint32_t	 exports_per_probe;
	char		 state_file[PATH_MAX];
	char		 chroot[PATH_MAX];
};

struct reconf_ack {
	int32_t		 ok;
	char		 msg[LOPA_ERRLEN];
};

enum proc_state {
	PSTATE_STARTING = 0,
	PSTATE_RUNNING,
	PSTATE_RELOADING,
	PSTATE_DEAD
};

struct ctl_proc {
	uint32_t	 role;		/* enum lopa_proc */
	int32_t		 pid;
	uint32_t	 state;		/* enum proc_state */
	uint32_t	 sandboxed;	/* children: after privilege drop */
	uint64_t	 rss;		/* resident bytes; 0 unknown */
	uint64_t	 cpu_ns;	/* user + system time */
};

struct ctl_status {
	int64_t		 started;	/* unix seconds */
	int64_t		 uptime_ns;
	uint64_t	 reloads;
	int64_t		 last_reload;	/* unix seconds; 0 never */
	uint32_t	 last_reload_ok;
	int64_t		 last_reload_success;	/* unix seconds; start */
	uint64_t	 rlog_written;	/* results log lines written */
	uint64_t	 rlog_lost;	/* ... not written (no file, error) */
	uint32_t	 rlog_open;
	char		 conffile[PATH_MAX];	/* "" when built-in defaults */
};

struct ctl_reload {
	int32_t		 ok;
	/* followed by error text (possibly several lines), not NUL-terminated */
};

/* The reflector's counters, for GET /api/v1/status. */
enum refl_drop {
	DROP_PORT,		/* loop-prone source port */
	DROP_SOURCE,		/* broadcast, multicast, unspecified source */
	DROP_DEST,		/* sent to a broadcast or multicast address */
	DROP_ACL,		/* not in reflector.allow */
	DROP_RATE_SOURCE,	/* per-source rate exceeded */
	DROP_RATE_GLOBAL,	/* global rate exceeded */
	DROP_TRUNCATED,		/* larger than the buffer */
	DROP_MALFORMED,		/* TWAMP/STAMP: no test packet (< 14 octets) */
	DROP_SEND,		/* sendmmsg failed for it */
	DROP_SESSION,		/* TWAMP session: not started, other sender */
	DROP_MAX
};

/* Where the TWAMP reflector's receive timestamps (T2) come from. */
enum refl_t2 {
	T2_NONE = 0,		/* no socket yet */
	T2_KERNEL,		/* SO_TIMESTAMPING, software RX stamp */
	T2_KERNEL_NS,		/* SO_TIMESTAMPNS */
	T2_USER			/* clock_gettime after recvmmsg */
};

#define REFL_NBATCH	6	/* batch size buckets: 1, 2-3, ..., 32 */

/* The TWAMP-light/STAMP reflector's counters. */
struct refl_twamp_status {
	uint32_t	 up;
	uint32_t	 stateful;		/* reflector.twamp_stateful */
	char		 addr[LOPA_ADDRLEN];
	uint64_t	 received;
	uint64_t	 reflected;		/* twamp_light + stamp */
	uint64_t	 twamp_light;
	uint64_t	 stamp;
	uint64_t	 drops[DROP_MAX];
	uint64_t	 tlv_unknown;		/* STAMP replies with a U TLV */
	uint64_t	 tlv_malformed;		/* STAMP replies with an M TLV */
	uint32_t	 t2_source;		/* enum refl_t2, as configured */
	uint64_t	 t2_kernel;		/* packets with a kernel T2 */
	uint64_t	 t2_fallback;		/* packets with a user-space T2 */
	uint64_t	 batches;		/* sendmmsg batches (one T3 each) */
	uint64_t	 batch_max;
	uint64_t	 batch_hist[REFL_NBATCH];
	uint32_t	 sessions;		/* stateful: live sessions */
	uint64_t	 sessions_evicted;	/* pushed out by a full table */
	uint32_t	 errest;		/* Error Estimate now sent */
	uint32_t	 clock_synced;		/* the kernel's view */
	int64_t		 clock_maxerror_us;
};

/* Why the TWAMP-Control server refused or closed a connection. */
enum twctl_refuse {
	TWCTL_REF_ACL,		/* client not in reflector.allow */
	TWCTL_REF_CLIENT,	/* twamp_max_connections_per_client */
	TWCTL_REF_TOTAL,	/* twamp_max_connections */
	TWCTL_REF_MAX
};

enum twctl_close {
	TWCTL_CL_PEER,		/* the client closed it */
	TWCTL_CL_MODE,		/* Set-Up-Response with a mode not offered */
	TWCTL_CL_COMMAND,	/* unknown command */
	TWCTL_CL_SERVWAIT,	/* idle for reflector.twamp_servwait */
	TWCTL_CL_ERROR,		/* read or write error, client not reading */
	TWCTL_CL_RELOAD,	/* the server's address changed */
	TWCTL_CL_MAX
};

#define TWCTL_NACCEPT	6	/* Accept values 0-5 */

/* The TWAMP-Control server's counters, with its test sessions'. */
struct refl_twctl_status {
	uint32_t	 up;
	char		 addr[LOPA_ADDRLEN];
	uint64_t	 accepted;		/* connections */
	uint32_t	 active;
	uint64_t	 refused[TWCTL_REF_MAX];
	uint64_t	 closed[TWCTL_CL_MAX];
	uint64_t	 sessions_accepted;
	uint64_t	 sessions_refused[TWCTL_NACCEPT];	/* by Accept */
	uint32_t	 sessions_active;	/* ports open */
	uint32_t	 sessions_started;	/* of those, reflecting */
	uint64_t	 sessions_ended;
	uint64_t	 sessions_refwait;	/* of those, by REFWAIT */
	uint64_t	 received;		/* test packets, every session */
	uint64_t	 reflected;
	uint64_t	 dropped;
	uint64_t	 drops[DROP_MAX];
};

struct refl_status {
	uint32_t	 udp_echo_up;		/* the socket is open */
	char		 udp_echo_addr[LOPA_ADDRLEN];
	uint64_t	 received;
	uint64_t	 echoed;
	uint64_t	 drops[DROP_MAX];
	struct refl_twamp_status twamp;
	struct refl_twctl_status twamp_control;
};

/* The sender's counters, for GET /api/v1/status. */
enum snd_count {
	CNT_MALFORMED,		/* did not decode */
	CNT_FOREIGN,		/* not for any live probe of ours */
	CNT_STALE,		/* for a probe no longer remembered */
	CNT_BADSTAMP,		/* a kernel stamp that could not be right */
	CNT_SLIP,		/* probe slots skipped after a late wake-up */
	CNT_MAX
};

struct snd_status {
	uint32_t	 sessions;		/* live */
	uint32_t	 icmp_sockets;		/* shared raw sockets */
	uint64_t	 counts[CNT_MAX];
};

/* API names of the sender's counters ("malformed", ...). */
extern const char *const snd_count_keys[CNT_MAX];

/* API names of the drop reasons ("loop_port", ...). */
extern const char *const refl_drop_keys[DROP_MAX];

/* proc.c */
const char	*proc_name(enum lopa_proc);	/* "engine" ... */
const char	*proc_title(enum lopa_proc);	/* "lopad: engine" ... */
int		 proc_from_name(const char *);	/* -1 when unknown */
const char	*proc_state_name(enum proc_state);

/*
 * A link, address or route change as the engine's monitor filters see
 * it (netlink.c); the event's JSON attributes follow (rtnl.h:
 * rtnl_event_json, a fragment without its braces).
 */
#define NL_NH_MAX	8	/* next hops' interfaces the filter sees */
struct nl_event {
	int64_t		 at;		/* CLOCK_REALTIME ns */
	uint8_t		 kind;		/* enum rtnl_kind */
	uint8_t		 change;	/* enum rtnl_change */
	uint8_t		 kernel;	/* the kernel's own noise */
	uint8_t		 family;	/* AF_INET, AF_INET6; 0 (links) */
	uint8_t		 plen;		/* addr: prefixlen; route: dst_len */
	uint8_t		 protocol;	/* route: RTPROT_* */
	uint8_t		 nnh;		/* nh_ifindex[] used */
	uint8_t		 pad;
	uint32_t	 table;		/* route */
	uint32_t	 ifindex;	/* link's, addr's, route's oif */
	uint32_t	 nh_ifindex[NL_NH_MAX];
	char		 ifname[16];	/* its name now */
	char		 oldname[16];	/* before a rename; else "" */
	char		 nh_ifname[NL_NH_MAX][16];
	uint8_t		 addr[16];	/* addr: address; route: dst */
};

/* Monitor requests (monitor.h has the parameters). */
struct mon_query {
	char		 id[96];	/* TASK_IDLEN */
	uint32_t	 last;		/* EVENTS: newest N; 0 all kept */
};

/* The end of a reply whose body came as IMSG_BODY_DATA. */
struct body_reply {
	uint32_t	 status;	/* 200, 201, 204, 400, 404, 409, 503 */
	char		 field[64];	/* >= 400: the field at fault */
	char		 detail[LOPA_ERRLEN];
};

/* A monitor's event for the streams and its webhook. */
struct mon_event {
	char		 id[96];	/* the monitor's (TASK_IDLEN) */
	uint32_t	 url_len;
	uint32_t	 secret_len;
};

/* The routing tables the route monitors watch (their routes are kept). */
#define NL_WATCH_MAX	64
struct nl_watch {
	uint32_t	 all;		/* every table */
	uint32_t	 n;
	uint32_t	 tables[NL_WATCH_MAX];
};

/* passive tasks: the counters of interfaces, read for the request. */
#define NL_COUNTERS_MAX	8
struct nl_counters_req {
	uint32_t	 n;
	char		 names[NL_COUNTERS_MAX][16];
};

struct nl_ifcounters {
	char		 name[16];
	uint32_t	 present;	/* a link of that name exists */
	uint32_t	 ifindex;
	uint64_t	 rx_bytes, tx_bytes, rx_packets, tx_packets;
	uint64_t	 rx_errors, tx_errors, rx_dropped, tx_dropped;
	uint64_t	 multicast;
	uint32_t	 carrier_changes;	/* IFLA_CARRIER_CHANGES */
	uint32_t	 oper_up;		/* operstate up (or unknown
						   and IFF_RUNNING) */
};

struct nl_counters {
	int64_t		 at;		/* CLOCK_REALTIME of the read */
	int64_t		 mono;		/* CLOCK_MONOTONIC of the read */
	uint32_t	 n;
	uint32_t	 failed;	/* no socket: error says why */
	char		 error[128];
	struct nl_ifcounters v[NL_COUNTERS_MAX];
};

#define NL_VIEW_INTERFACES	1	/* links, addresses, fresh counters */
#define NL_VIEW_ROUTES		2

struct nl_resync {
	int64_t		 at;
	uint64_t	 changes;	/* events the resync made */
};

enum nl_state {
	NLS_OFF = 0,		/* monitor.enabled false */
	NLS_STARTING,		/* waiting for the socket, first dump */
	NLS_OK,
	NLS_RESYNCING,		/* after an overrun */
	NLS_FAILING		/* no socket, or it failed: retrying */
};

struct nl_status {
	uint32_t	 state;		/* enum nl_state */
	int32_t		 rcvbuf;	/* bytes, as the kernel says */
	uint64_t	 messages;	/* read */
	uint64_t	 events;	/* changes reported */
	uint64_t	 resyncs;
	uint64_t	 overruns;	/* ENOBUFS */
	uint64_t	 malformed;
	uint64_t	 links, addrs, routes;	/* kept */
	uint64_t	 route_overflow;
	uint64_t	 route_unwatched;	/* of tables no monitor watches */
	uint32_t	 watch_all;
	uint32_t	 nwatch;
	uint32_t	 watch[NL_WATCH_MAX];
	uint64_t	 failures;	/* socket errors, retried */
	uint64_t	 by[3][3];	/* events: link, addr, route x add,
					   delete, update */
	char		 error[LOPA_ERRLEN];	/* the last failure */
};

#endif /* LOPAD_H */
