/*
 * lopactl: the command grammar and the walker over its tables.
 *
 * A command is a row in t_main plus, when it takes more words, tables of
 * its own, e.g. for "ping TARGET [-c N] [-i DURATION]":
 *
 *	t_main:		{ KEYWORD, "ping", PING, t_probe, 0, 0 }
 *	t_probe:	{ STRING, "TARGET", ARG_TARGET, t_probe_opts, 0, 0 }
 *	t_probe_opts:	{ NOTOKEN, "", NONE, NULL, 0, 0 }
 *			{ OPTION, "-c", NONE, t_count, 0, 0 }
 *			{ OPTION, "-i", NONE, t_interval, 0, 0 }
 *	t_count:	{ NUMBER, "N", ARG_COUNT, t_probe_opts, 1, 1000000 }
 *	t_interval:	{ DURATION, "DURATION", ARG_INTERVAL, t_probe_opts,
 *			    1000000, 86400000000000 }
 *
 * An option's argument table leads back to the option table, so options
 * come in any order; each may be given once.  An argument's table may
 * lead BACK instead, to the option table the option was found in, so
 * that two commands share the tables of the options they have in common.
 * An option may take several typed tokens (a number or a name); a word
 * that none accepts is refused with the first one's reason, or with a
 * number's when the word looks like one.  An ALIAS row is another name
 * for an option (Lopa's long flags) and shares its argument table, hence
 * its slot: "-c 3 --count 4" is an option given twice.  A long option
 * may also be written "--count=4", as Lopa's CLI allowed.  An option
 * whose argument is a STRINGS token may be given several times
 * ("--threshold loss:above:5% --threshold rtt_p99:above:150ms"); its
 * slot keeps every word, in order.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "fmt.h"
#include "parser.h"
#include "task.h"

#define WALK_DEPTH	16	/* bounds the walk over tables that loop */
#define LINE_MAX_USAGE	512
#define VALID_MAX	1024
#define ALIAS_TABLES	256	/* bounds the tables parser_aliases walks */

#define MS		(1000LL * 1000)
#define HOUR		(3600LL * 1000 * MS)
#define DAY		(24 * HOUR)

/* parser_aliases: the tables seen, the aliases printed. */
struct alias_walk {
	FILE			*fp;
	const char		*indent;
	const struct token	*tables[ALIAS_TABLES];
	size_t			 ntables;
	const struct token	*aliases[ALIAS_TABLES];
	const struct token	*same[ALIAS_TABLES];
	size_t			 naliases;
};

static const struct token t_main[];
static const struct token t_probe[];
static const struct token t_probe_opts[];
static const struct token t_count[];
static const struct token t_duration[];
static const struct token t_interval[];
static const struct token t_timeout[];
static const struct token t_size[];
static const struct token t_dscp[];
static const struct token t_ttl[];
static const struct token t_pmtu[];
static const struct token t_iface[];
static const struct token t_source[];
static const struct token t_port[];
static const struct token t_rounds[];
static const struct token t_round_delay[];
static const struct token t_name[];
static const struct token t_mode[];
static const struct token t_ipver[];
static const struct token t_loss_thr[];
static const struct token t_latency_thr[];
static const struct token t_threshold[];
static const struct token t_webhook[];
static const struct token t_secret_file[];
static const struct token t_tw[];
static const struct token t_tw_opts[];
static const struct token t_tw_count[];
static const struct token t_tw_duration[];
static const struct token t_tw_interval[];
static const struct token t_tw_timeout[];
static const struct token t_tw_padding[];
static const struct token t_tw_dscp[];
static const struct token t_tw_ttl[];
static const struct token t_tw_pmtu[];
static const struct token t_tw_iface[];
static const struct token t_tw_source[];
static const struct token t_tw_port[];
static const struct token t_tw_rounds[];
static const struct token t_tw_round_delay[];
static const struct token t_tw_name[];
static const struct token t_tw_ssid[];
static const struct token t_tw_tlv[];
static const struct token t_tw_loss_thr[];
static const struct token t_tw_latency_thr[];
static const struct token t_tw_threshold[];
static const struct token t_tw_webhook[];
static const struct token t_tw_secret_file[];
static const struct token t_monitor[];
static const struct token t_mon_id[];
static const struct token t_mon_add[];
static const struct token t_mon_update[];
static const struct token t_mon_update_opts[];
static const struct token t_mon_type[];
static const struct token t_mon_iface[];
static const struct token t_mon_index[];
static const struct token t_mon_prefix[];
static const struct token t_mon_table[];
static const struct token t_mon_route_dst[];
static const struct token t_mon_family[];
static const struct token t_mon_protocol[];
static const struct token t_mon_buffer[];
static const struct token t_mon_name[];
static const struct token t_mon_label[];
static const struct token t_mon_webhook[];
static const struct token t_mon_secret_file[];
static const struct token t_mon_enabled[];
static const struct token t_mon_events[];
static const struct token t_mon_events_opts[];
static const struct token t_mon_last[];
static const struct token t_passive[];
static const struct token t_pv_opts[];
static const struct token t_pv_duration[];
static const struct token t_pv_window[];
static const struct token t_pv_interval[];
static const struct token t_pv_mode[];
static const struct token t_pv_name[];
static const struct token t_pv_label[];
static const struct token t_pv_threshold[];
static const struct token t_pv_webhook[];
static const struct token t_pv_secret_file[];
static const struct token t_task[];
static const struct token t_task_id[];
static const struct token t_task_list[];
static const struct token t_list_type[];
static const struct token t_list_status[];
static const struct token t_show[];
static const struct token t_show_if[];
static const struct token t_show_routes[];
static const struct token t_show_table[];
static const struct token t_metrics[];

static const struct token t_main[] = {
	{ KEYWORD,	"ping",		PING,		t_probe, 0, 0 },
	{ KEYWORD,	"tcp",		TCP,		t_probe, 0, 0 },
	{ KEYWORD,	"udp",		UDP,		t_probe, 0, 0 },
	{ KEYWORD,	"twamp",	TWAMP,		t_tw,	0, 0 },
	{ KEYWORD,	"stamp",	STAMP,		t_tw,	0, 0 },
	{ KEYWORD,	"passive",	PASSIVE,	t_passive, 0, 0 },
	{ KEYWORD,	"task",		NONE,		t_task,	0, 0 },
	{ KEYWORD,	"monitor",	MONITOR,	t_monitor, 0, 0 },
	{ KEYWORD,	"events",	MONITOR,	NULL,	0, 0 },
	{ KEYWORD,	"reflector",	REFLECTOR,	NULL,	0, 0 },
	{ KEYWORD,	"show",		NONE,		t_show,	0, 0 },
	{ KEYWORD,	"metrics",	METRICS,	t_metrics, 0, 0 },
	{ KEYWORD,	"status",	STATUS,		NULL,	0, 0 },
	{ KEYWORD,	"reload",	RELOAD,		NULL,	0, 0 },
	{ KEYWORD,	"help",		HELP,		NULL,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/* ping|tcp|udp TARGET [options]: ping(8)'s letters, Lopa's long names. */
static const struct token t_probe[] = {
	{ STRING,	"TARGET",	ARG_TARGET,	t_probe_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_probe_opts[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ OPTION,	"-c",		NONE,		t_count, 0, 0 },
	{ OPTION,	"-w",		NONE,		t_duration, 0, 0 },
	{ FLAG,		"--continuous",	F_CONTINUOUS,	t_probe_opts, 0, 0 },
	{ OPTION,	"-i",		NONE,		t_interval, 0, 0 },
	{ OPTION,	"-W",		NONE,		t_timeout, 0, 0 },
	{ OPTION,	"-s",		NONE,		t_size,	0, 0 },
	{ OPTION,	"-Q",		NONE,		t_dscp,	0, 0 },
	{ OPTION,	"-t",		NONE,		t_ttl,	0, 0 },
	{ OPTION,	"-M",		NONE,		t_pmtu,	0, 0 },
	{ OPTION,	"-I",		NONE,		t_iface, 0, 0 },
	{ OPTION,	"-S",		NONE,		t_source, 0, 0 },
	{ FLAG,		"-4",		F_IPV4,		t_probe_opts, 0, 0 },
	{ FLAG,		"-6",		F_IPV6,		t_probe_opts, 0, 0 },
	{ OPTION,	"-p",		NONE,		t_port,	0, 0 },
	{ OPTION,	"--rounds",	NONE,		t_rounds, 0, 0 },
	{ OPTION,	"--round-delay", NONE,		t_round_delay, 0, 0 },
	{ OPTION,	"-n",		NONE,		t_name,	0, 0 },
	{ FLAG,		"-f",		F_FOLLOW,	t_probe_opts, 0, 0 },
	{ FLAG,		"-q",		F_QUIET,	t_probe_opts, 0, 0 },
	{ OPTION,	"--loss-threshold", NONE,	t_loss_thr, 0, 0 },
	{ OPTION,	"--latency-threshold", NONE,	t_latency_thr, 0, 0 },
	{ OPTION,	"--threshold",	NONE,		t_threshold, 0, 0 },
	{ OPTION,	"--webhook",	NONE,		t_webhook, 0, 0 },
	{ OPTION,	"--webhook-secret-file", NONE,	t_secret_file, 0, 0 },
	{ ALIAS,	"--mode",	NONE,		t_mode,	0, 0 },
	{ ALIAS,	"--count",	NONE,		t_count, 0, 0 },
	{ ALIAS,	"--duration",	NONE,		t_duration, 0, 0 },
	{ ALIAS,	"--interval",	NONE,		t_interval, 0, 0 },
	{ ALIAS,	"--timeout",	NONE,		t_timeout, 0, 0 },
	{ ALIAS,	"--size",	NONE,		t_size,	0, 0 },
	{ ALIAS,	"--ip-version",	NONE,		t_ipver, 0, 0 },
	{ ALIAS,	"--source-ip",	NONE,		t_source, 0, 0 },
	{ ALIAS,	"--interface",	NONE,		t_iface, 0, 0 },
	{ ALIAS,	"--round-interval", NONE,	t_round_delay, 0, 0 },
	{ ALIAS,	"--port",	NONE,		t_port,	0, 0 },
	{ ALIAS,	"--alert-callback-url", NONE,	t_webhook, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_count[] = {
	{ NUMBER,	"N",		ARG_COUNT,	t_probe_opts,
	    1, TASK_MAX_COUNT },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_duration[] = {
	{ DURATION,	"DURATION",	ARG_DURATION,	t_probe_opts,
	    MS, 366 * DAY },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_interval[] = {
	{ DURATION,	"DURATION",	ARG_INTERVAL,	t_probe_opts,
	    TASK_MIN_INTERVAL, DAY },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_timeout[] = {
	{ DURATION,	"DURATION",	ARG_TIMEOUT,	t_probe_opts,
	    MS, HOUR },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_size[] = {
	{ NUMBER,	"SIZE",		ARG_SIZE,	t_probe_opts,
	    1, 65535 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_dscp[] = {
	{ NUMBER,	"DSCP",		ARG_DSCP,	t_probe_opts, 0, 63 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_ttl[] = {
	{ NUMBER,	"TTL",		ARG_TTL,	t_probe_opts, 1, 255 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_pmtu[] = {
	{ CHOICE,	"do|dont",	ARG_PMTU,	t_probe_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_iface[] = {
	{ STRING,	"IFACE",	ARG_IFACE,	t_probe_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_source[] = {
	{ STRING,	"ADDR",		ARG_SOURCE,	t_probe_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_port[] = {
	{ NUMBER,	"PORT",		ARG_PORT,	t_probe_opts,
	    1, 65535 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_rounds[] = {
	{ NUMBER,	"N",		ARG_ROUNDS,	t_probe_opts,
	    1, TASK_MAX_ROUNDS },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_round_delay[] = {
	{ DURATION,	"DURATION",	ARG_ROUND_DELAY, t_probe_opts, 0, DAY },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_name[] = {
	{ STRING,	"NAME",		ARG_NAME,	t_probe_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mode[] = {
	{ CHOICE,	"count|duration|continuous", ARG_MODE, t_probe_opts,
	    0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_ipver[] = {
	{ CHOICE,	"ipv4|ipv6",	ARG_IPVER,	t_probe_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/*
 * Thresholds of continuous tasks: Lopa's two (0 is none there, hence
 * above 0 here), rules read by threshold_parse() in probe.c, where the
 * webhook goes and the file that holds its secret.
 */
static const struct token t_loss_thr[] = {
	{ FRACTION,	"FRACTION",	ARG_LOSS_THRESHOLD, t_probe_opts, 1, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_latency_thr[] = {
	{ DURATION,	"DURATION",	ARG_LATENCY_THRESHOLD, t_probe_opts,
	    1, DAY },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_threshold[] = {
	{ STRINGS,	"RULE",		ARG_THRESHOLD,	t_probe_opts,
	    0, THRESHOLD_PROBE_METRICS },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_webhook[] = {
	{ STRING,	"URL",		ARG_WEBHOOK,	t_probe_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_secret_file[] = {
	{ STRING,	"FILE",		ARG_SECRET_FILE, t_probe_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/*
 * twamp|stamp TARGET [options]: the probe commands' letters and rounds,
 * -s for the padding or --imix; --control is twamp's, --ssid and --tlv
 * stamp's (probe.c refuses them for the other command and reads the
 * list of TLVs).
 */
static const struct token t_tw[] = {
	{ STRING,	"TARGET",	ARG_TARGET,	t_tw_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_opts[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ OPTION,	"-c",		NONE,		t_tw_count, 0, 0 },
	{ OPTION,	"-w",		NONE,		t_tw_duration, 0, 0 },
	{ FLAG,		"--continuous",	F_CONTINUOUS,	t_tw_opts, 0, 0 },
	{ OPTION,	"-i",		NONE,		t_tw_interval, 0, 0 },
	{ OPTION,	"-W",		NONE,		t_tw_timeout, 0, 0 },
	{ OPTION,	"-s",		NONE,		t_tw_padding, 0, 0 },
	{ FLAG,		"--imix",	F_IMIX,		t_tw_opts, 0, 0 },
	{ OPTION,	"-Q",		NONE,		t_tw_dscp, 0, 0 },
	{ OPTION,	"-t",		NONE,		t_tw_ttl, 0, 0 },
	{ OPTION,	"-M",		NONE,		t_tw_pmtu, 0, 0 },
	{ OPTION,	"-I",		NONE,		t_tw_iface, 0, 0 },
	{ OPTION,	"-S",		NONE,		t_tw_source, 0, 0 },
	{ FLAG,		"-4",		F_IPV4,		t_tw_opts, 0, 0 },
	{ FLAG,		"-6",		F_IPV6,		t_tw_opts, 0, 0 },
	{ OPTION,	"-p",		NONE,		t_tw_port, 0, 0 },
	{ OPTION,	"--rounds",	NONE,		t_tw_rounds, 0, 0 },
	{ OPTION,	"--round-delay", NONE,		t_tw_round_delay,
	    0, 0 },
	{ FLAG,		"--control",	F_CONTROL,	t_tw_opts, 0, 0 },
	{ OPTION,	"--ssid",	NONE,		t_tw_ssid, 0, 0 },
	{ OPTION,	"--tlv",	NONE,		t_tw_tlv, 0, 0 },
	{ OPTION,	"-n",		NONE,		t_tw_name, 0, 0 },
	{ FLAG,		"-f",		F_FOLLOW,	t_tw_opts, 0, 0 },
	{ FLAG,		"-q",		F_QUIET,	t_tw_opts, 0, 0 },
	{ OPTION,	"--loss-threshold", NONE,	t_tw_loss_thr, 0, 0 },
	{ OPTION,	"--latency-threshold", NONE,	t_tw_latency_thr, 0, 0 },
	{ OPTION,	"--threshold",	NONE,		t_tw_threshold, 0, 0 },
	{ OPTION,	"--webhook",	NONE,		t_tw_webhook, 0, 0 },
	{ OPTION,	"--webhook-secret-file", NONE,	t_tw_secret_file,
	    0, 0 },
	{ ALIAS,	"--alert-callback-url", NONE,	t_tw_webhook, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_count[] = {
	{ NUMBER,	"N",		ARG_COUNT,	t_tw_opts,
	    1, TASK_MAX_COUNT },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_duration[] = {
	{ DURATION,	"DURATION",	ARG_DURATION,	t_tw_opts,
	    MS, 366 * DAY },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_interval[] = {
	{ DURATION,	"DURATION",	ARG_INTERVAL,	t_tw_opts,
	    TASK_MIN_INTERVAL, DAY },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_timeout[] = {
	{ DURATION,	"DURATION",	ARG_TIMEOUT,	t_tw_opts, MS, HOUR },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_padding[] = {
	{ NUMBER,	"PADDING",	ARG_PADDING,	t_tw_opts, 0, 65535 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_dscp[] = {
	{ NUMBER,	"DSCP",		ARG_DSCP,	t_tw_opts, 0, 63 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_ttl[] = {
	{ NUMBER,	"TTL",		ARG_TTL,	t_tw_opts, 1, 255 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_pmtu[] = {
	{ CHOICE,	"do|dont",	ARG_PMTU,	t_tw_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_iface[] = {
	{ STRING,	"IFACE",	ARG_IFACE,	t_tw_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_source[] = {
	{ STRING,	"ADDR",		ARG_SOURCE,	t_tw_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_port[] = {
	{ NUMBER,	"PORT",		ARG_PORT,	t_tw_opts, 1, 65535 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_rounds[] = {
	{ NUMBER,	"N",		ARG_ROUNDS,	t_tw_opts,
	    1, TASK_MAX_ROUNDS },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_round_delay[] = {
	{ DURATION,	"DURATION",	ARG_ROUND_DELAY, t_tw_opts, 0, DAY },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_ssid[] = {
	{ NUMBER,	"SSID",		ARG_SSID,	t_tw_opts, 0, 65535 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_tlv[] = {
	{ STRING,	"TLVS",		ARG_TLVS,	t_tw_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_name[] = {
	{ STRING,	"NAME",		ARG_NAME,	t_tw_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_loss_thr[] = {
	{ FRACTION,	"FRACTION",	ARG_LOSS_THRESHOLD, t_tw_opts, 1, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_latency_thr[] = {
	{ DURATION,	"DURATION",	ARG_LATENCY_THRESHOLD, t_tw_opts,
	    1, DAY },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_threshold[] = {
	{ STRINGS,	"RULE",		ARG_THRESHOLD,	t_tw_opts,
	    0, THRESHOLD_PROBE_METRICS },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_webhook[] = {
	{ STRING,	"URL",		ARG_WEBHOOK,	t_tw_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_tw_secret_file[] = {
	{ STRING,	"FILE",		ARG_SECRET_FILE, t_tw_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/*
 * passive IFACE [IFACE ...] [options]: the counters of up to
 * TASK_MAXIFACES interfaces.  The interfaces after the first fill the
 * same slot from the option table, whose IFACE row leads back to it
 * (the usage shows it as "[IFACE ...]").  -w is the duration, or with
 * --continuous the window as for the probe commands; -W the window;
 * Lopa's --mode, --duration and --interval are aliases.  An interval of
 * 0 is Lopa's "the default" (probe.c checks the minimum).
 */
static const struct token t_passive[] = {
	{ STRINGS,	"IFACE",	ARG_IFACE,	t_pv_opts,
	    0, TASK_MAXIFACES },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_pv_opts[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ STRINGS,	"IFACE",	ARG_IFACE,	t_pv_opts,
	    0, TASK_MAXIFACES },
	{ OPTION,	"-w",		NONE,		t_pv_duration, 0, 0 },
	{ FLAG,		"--continuous",	F_CONTINUOUS,	t_pv_opts, 0, 0 },
	{ OPTION,	"-W",		NONE,		t_pv_window, 0, 0 },
	{ OPTION,	"-i",		NONE,		t_pv_interval, 0, 0 },
	{ OPTION,	"--name",	NONE,		t_pv_name, 0, 0 },
	{ OPTION,	"--label",	NONE,		t_pv_label, 0, 0 },
	{ OPTION,	"--threshold",	NONE,		t_pv_threshold, 0, 0 },
	{ OPTION,	"--webhook",	NONE,		t_pv_webhook, 0, 0 },
	{ OPTION,	"--webhook-secret-file", NONE,	t_pv_secret_file,
	    0, 0 },
	{ FLAG,		"-f",		F_FOLLOW,	t_pv_opts, 0, 0 },
	{ ALIAS,	"--mode",	NONE,		t_pv_mode, 0, 0 },
	{ ALIAS,	"--duration",	NONE,		t_pv_duration, 0, 0 },
	{ ALIAS,	"--interval",	NONE,		t_pv_interval, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_pv_duration[] = {
	{ DURATION,	"DURATION",	ARG_DURATION,	t_pv_opts,
	    TASK_PASSIVE_MIN_INTERVAL, TASK_PASSIVE_MAXIVALS * HOUR },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_pv_window[] = {
	{ DURATION,	"WINDOW",	ARG_WINDOW,	t_pv_opts,
	    TASK_PASSIVE_MIN_INTERVAL, TASK_PASSIVE_MAXIVALS * HOUR },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_pv_interval[] = {
	{ DURATION,	"INTERVAL",	ARG_INTERVAL,	t_pv_opts, 0, HOUR },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_pv_mode[] = {
	{ CHOICE,	"duration|continuous", ARG_MODE, t_pv_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_pv_name[] = {
	{ STRING,	"NAME",		ARG_NAME,	t_pv_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_pv_label[] = {
	{ STRINGS,	"KEY=VALUE",	ARG_LABEL,	t_pv_opts,
	    0, ARG_REPEAT_MAX },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_pv_threshold[] = {
	{ STRINGS,	"RULE",		ARG_THRESHOLD,	t_pv_opts,
	    0, THRESHOLD_METRICS - THRESHOLD_PROBE_METRICS },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_pv_webhook[] = {
	{ STRING,	"URL",		ARG_WEBHOOK,	t_pv_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_pv_secret_file[] = {
	{ STRING,	"FILE",		ARG_SECRET_FILE, t_pv_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/* task list|show|stop|delete */
static const struct token t_task[] = {
	{ KEYWORD,	"list",		TASK_LIST,	t_task_list, 0, 0 },
	{ KEYWORD,	"show",		TASK_SHOW,	t_task_id, 0, 0 },
	{ KEYWORD,	"stop",		TASK_STOP,	t_task_id, 0, 0 },
	{ KEYWORD,	"delete",	TASK_DELETE,	t_task_id, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_task_id[] = {
	{ STRING,	"ID",		ARG_ID,		NULL,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_task_list[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ OPTION,	"type",		NONE,		t_list_type, 0, 0 },
	{ OPTION,	"status",	NONE,		t_list_status, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_list_type[] = {
	{ CHOICE,	"ping|tcp|udp|twamp|stamp|passive", ARG_TYPE,
	    t_task_list, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_list_status[] = {
	{ CHOICE,	"pending|running|finished|stopped|failed", ARG_STATUS,
	    t_task_list, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/*
 * monitor: alone, the live stream of every event; else the netlink
 * monitors' commands.  add and update share the tables of their options'
 * arguments, which lead BACK to the option table of either.
 */
static const struct token t_monitor[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ KEYWORD,	"add",		MONITOR_ADD,	t_mon_add, 0, 0 },
	{ KEYWORD,	"list",		MONITOR_LIST,	NULL,	0, 0 },
	{ KEYWORD,	"show",		MONITOR_SHOW,	t_mon_id, 0, 0 },
	{ KEYWORD,	"delete",	MONITOR_DELETE,	t_mon_id, 0, 0 },
	{ KEYWORD,	"update",	MONITOR_UPDATE,	t_mon_update, 0, 0 },
	{ KEYWORD,	"events",	MONITOR_EVENTS,	t_mon_events, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_id[] = {
	{ STRING,	"ID",		ARG_ID,		NULL,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_add[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ OPTION,	"--type",	NONE,		t_mon_type, 1, 0 },
	{ OPTION,	"--interface",	NONE,		t_mon_iface, 0, 0 },
	{ OPTION,	"--index",	NONE,		t_mon_index, 0, 0 },
	{ OPTION,	"--prefix",	NONE,		t_mon_prefix, 0, 0 },
	{ OPTION,	"--table",	NONE,		t_mon_table, 0, 0 },
	{ OPTION,	"--route-dst",	NONE,		t_mon_route_dst, 0, 0 },
	{ OPTION,	"--family",	NONE,		t_mon_family, 0, 0 },
	{ OPTION,	"--protocol",	NONE,		t_mon_protocol, 0, 0 },
	{ FLAG,		"--include-kernel", F_KERNEL,	t_mon_add, 0, 0 },
	{ OPTION,	"--buffer",	NONE,		t_mon_buffer, 0, 0 },
	{ OPTION,	"--name",	NONE,		t_mon_name, 0, 0 },
	{ OPTION,	"--label",	NONE,		t_mon_label, 0, 0 },
	{ OPTION,	"--webhook-url", NONE,		t_mon_webhook, 0, 0 },
	{ OPTION,	"--webhook-secret-file", NONE,	t_mon_secret_file,
	    0, 0 },
	{ FLAG,		"--disabled",	F_DISABLED,	t_mon_add, 0, 0 },
	{ ALIAS,	"--enabled",	NONE,		t_mon_enabled, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/* update: add's options but --type, and to undo what add can set. */
static const struct token t_mon_update[] = {
	{ STRING,	"ID",		ARG_ID,		t_mon_update_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_update_opts[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ OPTION,	"--interface",	NONE,		t_mon_iface, 0, 0 },
	{ OPTION,	"--index",	NONE,		t_mon_index, 0, 0 },
	{ OPTION,	"--prefix",	NONE,		t_mon_prefix, 0, 0 },
	{ OPTION,	"--table",	NONE,		t_mon_table, 0, 0 },
	{ OPTION,	"--route-dst",	NONE,		t_mon_route_dst, 0, 0 },
	{ OPTION,	"--family",	NONE,		t_mon_family, 0, 0 },
	{ OPTION,	"--protocol",	NONE,		t_mon_protocol, 0, 0 },
	{ FLAG,		"--no-filter",	F_NO_FILTER,	t_mon_update_opts,
	    0, 0 },
	{ FLAG,		"--include-kernel", F_KERNEL,	t_mon_update_opts,
	    0, 0 },
	{ FLAG,		"--no-include-kernel", F_NO_KERNEL, t_mon_update_opts,
	    0, 0 },
	{ OPTION,	"--buffer",	NONE,		t_mon_buffer, 0, 0 },
	{ OPTION,	"--name",	NONE,		t_mon_name, 0, 0 },
	{ OPTION,	"--label",	NONE,		t_mon_label, 0, 0 },
	{ FLAG,		"--no-labels",	F_NO_LABELS,	t_mon_update_opts,
	    0, 0 },
	{ OPTION,	"--webhook-url", NONE,		t_mon_webhook, 0, 0 },
	{ OPTION,	"--webhook-secret-file", NONE,	t_mon_secret_file,
	    0, 0 },
	{ FLAG,		"--no-webhook",	F_NO_WEBHOOK,	t_mon_update_opts,
	    0, 0 },
	{ FLAG,		"--enable",	F_ENABLE,	t_mon_update_opts, 0, 0 },
	{ FLAG,		"--disable",	F_DISABLE,	t_mon_update_opts, 0, 0 },
	{ FLAG,		"--disabled",	F_DISABLED,	t_mon_update_opts,
	    0, 0 },
	{ ALIAS,	"--enabled",	NONE,		t_mon_enabled, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_type[] = {
	{ CHOICE,	"interface|ip|route", ARG_MON_TYPE, BACK, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/* A name or a glob; the daemon checks its length (IFNAMSIZ). */
static const struct token t_mon_iface[] = {
	{ STRING,	"NAME",		ARG_IFACE,	BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_index[] = {
	{ NUMBER,	"N",		ARG_INDEX,	BACK,	0, INT32_MAX },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_prefix[] = {
	{ CIDR,		"CIDR",		ARG_PREFIX,	BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/* A table by number, or by the names every system has (rt_tables). */
static const struct token t_mon_table[] = {
	{ NUMBER,	"TABLE",	ARG_TABLE,	BACK,	0, UINT32_MAX },
	{ CHOICE,	"main|local|default", ARG_TABLE, BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_route_dst[] = {
	{ CIDR,		"CIDR",		ARG_ROUTE_DST,	BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_family[] = {
	{ CHOICE,	"inet|inet6",	ARG_FAMILY,	BACK,	0, 0 },
	{ CHOICE,	"ipv4|ipv6",	ARG_FAMILY,	BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/* A number, or a name of the kernel's RTPROT_* (iproute2's rt_protos). */
static const struct token t_mon_protocol[] = {
	{ NUMBER,	"PROTO",	ARG_PROTOCOL,	BACK,	0, 255 },
	{ CHOICE,	"unspec|redirect|kernel|boot|static|gated|ra|mrt|"
	    "zebra|bird|dnrouted|xorp|ntk|dhcp|mrouted|keepalived|babel|"
	    "openr|bgp|isis|ospf|rip|eigrp", ARG_PROTOCOL, BACK, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_buffer[] = {
	{ NUMBER,	"N",		ARG_BUFFER,	BACK,	1, 100000 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_name[] = {
	{ STRING,	"NAME",		ARG_NAME,	BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_label[] = {
	{ STRINGS,	"KEY=VALUE",	ARG_LABEL,	BACK,
	    0, ARG_REPEAT_MAX },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_webhook[] = {
	{ STRING,	"URL",		ARG_WEBHOOK,	BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_secret_file[] = {
	{ STRING,	"FILE",		ARG_SECRET_FILE, BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/* Lopa's --enabled=false, or --enabled true. */
static const struct token t_mon_enabled[] = {
	{ CHOICE,	"true|false",	ARG_ENABLED,	BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/* events ID [--last N]: Lopa's default, 20, is the command's. */
static const struct token t_mon_events[] = {
	{ STRING,	"ID",		ARG_ID,		t_mon_events_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_events_opts[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ OPTION,	"--last",	NONE,		t_mon_last, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon_last[] = {
	{ NUMBER,	"N",		ARG_LAST,	t_mon_events_opts,
	    1, 100000 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/*
 * show interfaces [NAME]: every interface, or those whose name matches
 * NAME, a glob(7) pattern; show routes: the main table without the
 * kernel's own routes unless the options say otherwise.  --family is
 * the monitors' (it leads BACK); --table takes "all" too.
 */
static const struct token t_show[] = {
	{ KEYWORD,	"interfaces",	SHOW_INTERFACES, t_show_if, 0, 0 },
	{ KEYWORD,	"routes",	SHOW_ROUTES,	t_show_routes, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_show_if[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ STRING,	"NAME",		ARG_IFACE,	NULL,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_show_routes[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ OPTION,	"--table",	NONE,		t_show_table, 0, 0 },
	{ OPTION,	"--family",	NONE,		t_mon_family, 0, 0 },
	{ FLAG,		"--kernel",	F_KERNEL,	t_show_routes, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/* A table by number (0: every table, as "all"), or by name. */
static const struct token t_show_table[] = {
	{ NUMBER,	"TABLE",	ARG_TABLE,	BACK,	0, UINT32_MAX },
	{ CHOICE,	"main|local|default|all", ARG_TABLE, BACK, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/*
 * metrics [--openmetrics] [PATTERN ...]: the families whose names hold
 * one of the patterns.
 */
static const struct token t_metrics[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ FLAG,		"--openmetrics", F_OPENMETRICS,	t_metrics, 0, 0 },
	{ STRINGS,	"PATTERN",	ARG_PATTERN,	t_metrics,
	    0, ARG_REPEAT_MAX },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/* Where BACK leads; never walked itself. */
const struct token parser_back[] = {
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/* The metrics of threshold rules, as the daemon names them. */
static const struct {
	const char	*name;
	int		 time;
	int		 oneway;
} metrics[THRESHOLD_METRICS] = {
	{ "loss",		0, 0 },
	{ "rtt_avg",		1, 0 },
	{ "rtt_p99",		1, 0 },
	{ "jitter",		1, 0 },
	{ "forward_p99",	1, 1 },
	{ "backward_p99",	1, 1 },
	/* passive: rates per second (time 2) */
	{ "bps_in",		2, 0 },
	{ "bps_out",		2, 0 },
	{ "pps_in",		2, 0 },
	{ "pps_out",		2, 0 },
	{ "errors_in_rate",	2, 0 },
	{ "errors_out_rate",	2, 0 },
	{ "drops_in_rate",	2, 0 },
	{ "drops_out_rate",	2, 0 },
};

static void	 seterr(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static const struct token *argtoken(const struct token *);
static const char *argname(const struct token *);
static int	 is_option(const struct token *);
static const struct token *long_option(const struct token *, const char *,
		    size_t);
static int	 choice_match(const char *, const char *);
static void	 choice_list(const char *, char *, size_t);
static void	 valid_words(const struct token *, char *, size_t);
static int	 typed(const struct token *);
static int	 looks_numeric(const char *);
static int	 required(const struct token *, const struct parse_result *,
		    char *, size_t);
static int	 parse_value(const struct token *, const char *,
		    struct parse_arg *, char *, size_t);
static const struct token *match_token(const struct token *, const char *,
		    const struct token *, const char *, struct parse_result *,
		    char *, size_t);
static void	 commands_walk(const struct token *, FILE *, const char *,
		    char *, size_t, int);
static void	 aliases_walk(const struct token *, struct alias_walk *);
static int	 alias_listed(struct alias_walk *, const struct token *,
		    const struct token *);
static int	 threshold_level(const struct threshold *, const char *,
		    const char *, double *, char *, size_t);
static int	 threshold_field(struct threshold *, const char *,
		    const char *, char *, size_t);

const struct token *
parser_main(void)
{
	return (t_main);
}

int
parse(int argc, char *argv[], struct parse_result *res, char *err,
    size_t errlen)
{
	return (parse_table(t_main, argc, argv, res, err, errlen));
}

int
parse_table(const struct token *table, int argc, char *argv[],
    struct parse_result *res, char *err, size_t errlen)
{
	const struct token	*t, *last = NULL, *opts = NULL;
	const char		*word, *prev = NULL, *inl = NULL, *eq;
	int			 i = 0;

	memset(res, 0, sizeof(*res));
	if (errlen > 0)
		err[0] = '\0';
	for (;;) {
		if (inl != NULL) {
			word = inl;
			inl = NULL;
		} else
			word = i < argc ? argv[i++] : NULL;
		/* "--count=4": the option, then "4" as its argument */
		if (word != NULL && table != NULL &&
		    strncmp(word, "--", 2) == 0 &&
		    (eq = strchr(word, '=')) != NULL &&
		    (t = long_option(table, word, eq - word)) != NULL) {
			opts = table;
			table = t->next;
			last = t;
			prev = t->keyword;
			inl = eq + 1;
			continue;
		}
		if (table == NULL) {
			if (word == NULL)
				return (0);
			seterr(err, errlen, "unexpected argument \"%s\" after "
			    "\"%s\"", word, prev != NULL ? prev : "");
			return (-1);
		}
		t = match_token(table, word, last, prev, res, err, errlen);
		if (t == NULL)
			return (-1);
		if (t->type == NOTOKEN)
			return (0);
		if (is_option(t))
			opts = table;
		table = t->next == BACK ? opts : t->next;
		last = t;
		prev = word;
	}
}

/*
 * Match one word (NULL at the end of argv) against a table: an exact
 * keyword or option first, then the typed arguments in table order.
 */
static const struct token *
match_token(const struct token *table, const char *word,
    const struct token *last, const char *prev, struct parse_result *res,
    char *err, size_t errlen)
{
	const struct token	*t, *bad = NULL;
	struct parse_arg	 arg, *a;
	char			 valid[VALID_MAX], why[512], firstwhy[512];
	int			 numbad = 0;

	valid_words(table, valid, sizeof(valid));
	if (word == NULL) {
		for (t = table; t->type != ENDTOKEN; t++)
			if (t->type == NOTOKEN)
				return (required(table, res, err, errlen) == 0 ?
				    t : NULL);
		if (prev == NULL)
			seterr(err, errlen, "missing command; valid: %s",
			    valid);
		else
			seterr(err, errlen, "missing argument after \"%s\"; "
			    "valid: %s", prev, valid);
		return (NULL);
	}

	for (t = table; t->type != ENDTOKEN; t++) {
		if (t->type != KEYWORD && t->type != FLAG && !is_option(t))
			continue;
		if (strcmp(word, t->keyword) != 0)
			continue;
		if (t->type == KEYWORD && t->value != NONE)
			res->action = t->value;
		if (t->type == FLAG) {
			if (res->flags & t->value) {
				seterr(err, errlen, "%s given twice", word);
				return (NULL);
			}
			res->flags |= t->value;
		}
		return (t);
	}

	for (t = table; t->type != ENDTOKEN; t++) {
		if (!typed(t))
			continue;
		/*
		 * An argument among options ("passive IFACE ... -x"): a word
		 * like an option is an unknown option, not a bad IFACE.
		 */
		if (t->next == table && *word == '-')
			continue;
		if (parse_value(t, word, &arg, why, sizeof(why)) == -1) {
			numbad |= t->type == NUMBER;
			/*
			 * The first reason, but a number's for a word that
			 * looks like one: "--table 1x" is a bad number,
			 * "--table mian" a bad name.
			 */
			if (bad == NULL || (looks_numeric(word) ==
			    (t->type == NUMBER) && looks_numeric(word) !=
			    (bad->type == NUMBER))) {
				bad = t;
				strlcpy(firstwhy, why, sizeof(firstwhy));
			}
			continue;
		}
		if (t->value < 0 || t->value >= ARG_MAX) {
			seterr(err, errlen, "%s: no slot %d in the grammar",
			    t->keyword, t->value);
			return (NULL);
		}
		a = &res->args[t->value];
		if (t->type == STRINGS && a->n < (size_t)t->max &&
		    a->n < ARG_REPEAT_MAX) {
			if (!a->set)
				*a = arg;
			a->strv[a->n++] = word;
			return (t);
		}
		if (a->set && t->type == STRINGS) {
			seterr(err, errlen, "%s given more than %zu times",
			    is_option(last) ? last->keyword : t->keyword,
			    a->n);
			return (NULL);
		}
		if (a->set) {
			seterr(err, errlen, "%s given twice",
			    is_option(last) ? last->keyword : t->keyword);
			return (NULL);
		}
		*a = arg;
		return (t);
	}

	if (bad != NULL) {
		if (numbad && bad->type != NUMBER)
			fmt_append(firstwhy, sizeof(firstwhy), " (or a number)");
		if (is_option(last))
			seterr(err, errlen, "invalid argument \"%s\" to %s: %s",
			    word, last->keyword, firstwhy);
		else
			seterr(err, errlen, "invalid %s \"%s\": %s",
			    bad->keyword, word, firstwhy);
	} else if (prev == NULL)
		seterr(err, errlen, "unknown command \"%s\"; valid: %s",
		    word, valid);
	else if (valid[0] == '\0')	/* the command may only end here */
		seterr(err, errlen, "unexpected argument \"%s\" after "
		    "\"%s\"", word, prev);
	else
		seterr(err, errlen, "unknown argument \"%s\" after \"%s\"; "
		    "valid: %s", word, prev, valid);
	return (NULL);
}

static int
typed(const struct token *t)
{
	return (t->type == STRING || t->type == CHOICE ||
	    t->type == NUMBER || t->type == DURATION ||
	    t->type == FRACTION || t->type == STRINGS || t->type == CIDR);
}

/* The options of the table that must be given (min 1) were: 0, else -1. */
static int
required(const struct token *table, const struct parse_result *res,
    char *err, size_t errlen)
{
	const struct token	*t, *a;

	for (t = table; t->type != ENDTOKEN; t++) {
		if (t->type != OPTION || t->min == 0 ||
		    (a = argtoken(t->next)) == NULL ||
		    a->value < 0 || a->value >= ARG_MAX)
			continue;
		if (!res->args[a->value].set) {
			seterr(err, errlen, "missing option %s %s", t->keyword,
			    a->keyword);
			return (-1);
		}
	}
	return (0);
}

static int
looks_numeric(const char *word)
{
	return ((word[0] >= '0' && word[0] <= '9') || ((word[0] == '-' ||
	    word[0] == '+') && word[1] >= '0' && word[1] <= '9'));
}

static int
is_option(const struct token *t)
{
	return (t != NULL && (t->type == OPTION || t->type == ALIAS));
}

/* The option or alias spelled as the first len bytes of word. */
static const struct token *
long_option(const struct token *table, const char *word, size_t len)
{
	const struct token	*t;

	for (t = table; t->type != ENDTOKEN; t++)
		if (is_option(t) && strlen(t->keyword) == len &&
		    strncmp(t->keyword, word, len) == 0)
			return (t);
	return (NULL);
}

/* Whether word is one of the '|'-separated words of choices. */
static int
choice_match(const char *choices, const char *word)
{
	const char	*p = choices, *e;
	size_t		 n = strlen(word);

	for (;;) {
		if ((e = strchr(p, '|')) == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && strncmp(p, word, n) == 0)
			return (1);
		if (*e == '\0')
			return (0);
		p = e + 1;
	}
}

/* "do|dont" -> "do or dont"; "a|b|c" -> "a, b or c". */
static void
choice_list(const char *choices, char *buf, size_t len)
{
	const char	*p = choices, *e;

	buf[0] = '\0';
	for (;;) {
		if ((e = strchr(p, '|')) == NULL)
			e = p + strlen(p);
		if (p != choices)
			fmt_append(buf, len, "%s", *e == '\0' ? " or " : ", ");
		fmt_append(buf, len, "%.*s", (int)(e - p), p);
		if (*e == '\0')
			return;
		p = e + 1;
	}
}

static int
parse_value(const struct token *t, const char *word, struct parse_arg *arg,
    char *why, size_t whylen)
{
	const char	*errstr;
	char		 lim[64], list[512];
	int64_t		 d;

	memset(arg, 0, sizeof(*arg));
	arg->set = 1;
	arg->str = word;
	switch (t->type) {
	case STRING:
	case STRINGS:
		if (*word == '\0') {
			seterr(why, whylen, "empty");
			return (-1);
		}
		/* "ping -c 3 host": say where the option went wrong */
		if (*word == '-') {
			seterr(why, whylen, "looks like an option");
			return (-1);
		}
		return (0);
	case CHOICE:
		if (choice_match(t->keyword, word))
			return (0);
		choice_list(t->keyword, list, sizeof(list));
		seterr(why, whylen, "expected %s", list);
		return (-1);
	case NUMBER:
		arg->num = strtonum(word, t->min, t->max, &errstr);
		if (errstr == NULL)
			return (0);
		if (strcmp(errstr, "too small") == 0)
			seterr(why, whylen, "too small (minimum %lld)", t->min);
		else if (strcmp(errstr, "too large") == 0)
			seterr(why, whylen, "too large (maximum %lld)", t->max);
		else
			seterr(why, whylen, "not a number");
		return (-1);
	case DURATION:
		if (duration_parse(word, &d, &errstr) == -1) {
			seterr(why, whylen, "%s", errstr);
			return (-1);
		}
		if (d < t->min) {
			duration_format(t->min, lim, sizeof(lim));
			seterr(why, whylen, "too short (minimum %s)", lim);
			return (-1);
		}
		if (d > t->max) {
			duration_format(t->max, lim, sizeof(lim));
			seterr(why, whylen, "too long (maximum %s)", lim);
			return (-1);
		}
		arg->dur = d;
		return (0);
	case CIDR:
		return (cidr_parse(word, why, whylen));
	case FRACTION:
		if (fraction_parse(word, &arg->frac, why, whylen) == -1)
			return (-1);
		if (t->min > 0 && arg->frac == 0) {
			seterr(why, whylen, "must be above 0");
			return (-1);
		}
		return (0);
	default:
		seterr(why, whylen, "not a typed argument");
		return (-1);
	}
}

/* The argument an option takes: its table's typed token. */
static const struct token *
argtoken(const struct token *table)
{
	const struct token	*t;

	if (table == NULL)
		return (NULL);
	for (t = table; t->type != ENDTOKEN; t++)
		if (typed(t))
			return (t);
	return (NULL);
}

static const char *
argname(const struct token *table)
{
	const struct token	*t;

	return ((t = argtoken(table)) != NULL ? t->keyword : NULL);
}

/* "help, reload, status": what the table accepts, for error messages. */
static void
valid_words(const struct token *table, char *buf, size_t len)
{
	const struct token	*t;
	const char		*sep = "", *a;

	buf[0] = '\0';
	for (t = table; t->type != ENDTOKEN; t++) {
		switch (t->type) {
		case NOTOKEN:
		case ALIAS:
			continue;
		case OPTION:
			if ((a = argname(t->next)) != NULL) {
				fmt_append(buf, len, "%s%s %s", sep, t->keyword, a);
				break;
			}
			/* FALLTHROUGH */
		default:
			fmt_append(buf, len, "%s%s", sep, t->keyword);
			break;
		}
		sep = ", ";
	}
}

/*
 * One line per complete command, e.g. "task show ID" or
 * "ping|tcp|udp TARGET [-c N] [-i DURATION]".
 */
void
parser_commands(const struct token *table, FILE *fp, const char *indent)
{
	char	 line[LINE_MAX_USAGE];

	line[0] = '\0';
	commands_walk(table, fp, indent, line, sizeof(line), 0);
}

static void
commands_walk(const struct token *table, FILE *fp, const char *indent,
    char *line, size_t len, int depth)
{
	const struct token	*t, *k;
	const char		*a;
	size_t			 n, nopt;
	int			 end = 0;

	if (table == NULL || depth > WALK_DEPTH)
		return;
	n = strlen(line);
	for (t = table; t->type != ENDTOKEN; t++) {
		if (t->type == NOTOKEN)
			end = 1;
		else if (t->type == FLAG)
			fmt_append(line, len, " [%s]", t->keyword);
		else if (typed(t) && t->next == table)
			/* more of the argument before: "passive IFACE" */
			fmt_append(line, len, " [%s ...]", t->keyword);
		else if (t->type == OPTION && t->min > 0 &&
		    (a = argname(t->next)) != NULL)
			fmt_append(line, len, " %s %s", t->keyword, a);
		else if (t->type == OPTION) {
			/* "[--threshold RULE ...]": may be given again */
			if ((a = argname(t->next)) != NULL)
				fmt_append(line, len, " [%s %s%s]", t->keyword,
				    a, argtoken(t->next)->type == STRINGS ?
				    " ..." : "");
			else
				fmt_append(line, len, " [%s]", t->keyword);
		}
	}
	if (end && line[0] != '\0')
		fprintf(fp, "%s%s\n", indent, line + 1);
	nopt = strlen(line);
	for (t = table; t->type != ENDTOKEN; t++) {
		if (t->type != KEYWORD && !typed(t))
			continue;
		if (typed(t) && t->next == table)
			continue;	/* listed among the options */
		/* keywords in a row leading to one table: "ping|tcp|udp" */
		if (t->type == KEYWORD && t->next != NULL && t > table &&
		    t[-1].type == KEYWORD && t[-1].next == t->next)
			continue;
		fmt_append(line, len, " %s", t->keyword);
		for (k = t + 1; t->type == KEYWORD && t->next != NULL &&
		    k->type == KEYWORD && k->next == t->next; k++)
			fmt_append(line, len, "|%s", k->keyword);
		if (t->next == NULL)
			fprintf(fp, "%s%s\n", indent, line + 1);
		else if (t->next == table)
			fprintf(fp, "%s%s ...\n", indent, line + 1);
		else
			commands_walk(t->next, fp, indent, line, len,
			    depth + 1);
		line[nopt] = '\0';
	}
	line[n] = '\0';
}

/*
 * One line per alias, with the option it stands for when there is one:
 * "--count N (-c)".  Tables shared by several commands, and an alias
 * that several commands have alike, are listed once.
 */
void
parser_aliases(const struct token *table, FILE *fp, const char *indent)
{
	struct alias_walk	 w;

	memset(&w, 0, sizeof(w));
	w.fp = fp;
	w.indent = indent;
	aliases_walk(table, &w);
}

static void
aliases_walk(const struct token *table, struct alias_walk *w)
{
	const struct token	*t, *o, *same;
	const char		*a;
	size_t			 i;

	if (table == NULL)
		return;
	for (i = 0; i < w->ntables; i++)
		if (w->tables[i] == table)
			return;
	if (w->ntables == ALIAS_TABLES)
		return;
	w->tables[w->ntables++] = table;
	for (t = table; t->type != ENDTOKEN; t++) {
		if (t->type != ALIAS)
			continue;
		same = NULL;
		for (o = table; o->type != ENDTOKEN && same == NULL; o++)
			if (o->type == OPTION && o->next == t->next)
				same = o;
		if (alias_listed(w, t, same))
			continue;
		a = argname(t->next);
		fprintf(w->fp, "%s%s%s%s", w->indent, t->keyword,
		    a != NULL ? " " : "", a != NULL ? a : "");
		if (same != NULL)
			fprintf(w->fp, " (%s)", same->keyword);
		fprintf(w->fp, "\n");
	}
	for (t = table; t->type != ENDTOKEN; t++)
		if (t->next != NULL && t->next != table)
			aliases_walk(t->next, w);
}

/* Whether a line alike was printed (and remember this one). */
static int
alias_listed(struct alias_walk *w, const struct token *t,
    const struct token *same)
{
	const char	*a, *b;
	size_t		 i;

	a = argname(t->next);
	for (i = 0; i < w->naliases; i++) {
		b = argname(w->aliases[i]->next);
		if (strcmp(w->aliases[i]->keyword, t->keyword) == 0 &&
		    (a == NULL) == (b == NULL) &&
		    (a == NULL || strcmp(a, b) == 0) &&
		    (w->same[i] == NULL) == (same == NULL) &&
		    (same == NULL || strcmp(w->same[i]->keyword,
		    same->keyword) == 0))
			return (1);
	}
	if (w->naliases < ALIAS_TABLES) {
		w->aliases[w->naliases] = t;
		w->same[w->naliases++] = same;
	}
	return (0);
}

int
fraction_parse(const char *word, double *out, char *why, size_t whylen)
{
	char		 num[32];
	size_t		 len, digits, dots, i;
	int		 pct;
	double		 d;

	*out = 0;
	len = strlen(word);
	pct = len > 0 && word[len - 1] == '%';
	if (pct)
		len--;
	for (i = digits = dots = 0; i < len; i++) {
		if (word[i] >= '0' && word[i] <= '9')
			digits++;
		else if (word[i] == '.')
			dots++;
		else
			break;
	}
	/* strtod would take "inf", "1e3" and hexadecimal too */
	if (i < len || digits == 0 || dots > 1 || len >= sizeof(num)) {
		seterr(why, whylen, "expected a fraction such as 0.05 or a "
		    "percentage such as 5%%");
		return (-1);
	}
	memcpy(num, word, len);
	num[len] = '\0';
	d = strtod(num, NULL);
	if (pct)
		d /= 100;
	if (d > 1) {
		seterr(why, whylen, pct ? "more than 100%%" :
		    "more than 1 (5%% is 0.05)");
		return (-1);
	}
	*out = d;
	return (0);
}

/*
 * An address, a slash and a prefix length that fits it, as ip(8) and the
 * daemon take them.  Host bits may be set ("198.18.1.1/24").
 */
int
cidr_parse(const char *word, char *why, size_t whylen)
{
	struct in6_addr	 a6;
	const char	*slash, *errstr;
	char		 addr[INET6_ADDRSTRLEN + 8];
	int		 af, max;

	if ((slash = strchr(word, '/')) == NULL) {
		seterr(why, whylen, "expected ADDRESS/LENGTH, such as "
		    "198.18.0.0/15 or 2001:db8::/32");
		return (-1);
	}
	if ((size_t)(slash - word) >= sizeof(addr)) {
		seterr(why, whylen, "not an IPv4 or IPv6 address");
		return (-1);
	}
	memcpy(addr, word, slash - word);
	addr[slash - word] = '\0';
	if (inet_pton(AF_INET, addr, &a6) == 1) {
		af = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, &a6) == 1) {
		af = AF_INET6;
		max = 128;
	} else {
		seterr(why, whylen, "\"%s\" is not an IPv4 or IPv6 address",
		    addr);
		return (-1);
	}
	/* strtonum would take "+24" and " 24" */
	if (slash[1] < '0' || slash[1] > '9') {
		seterr(why, whylen, "prefix length \"%s\" is not a number",
		    slash + 1);
		return (-1);
	}
	strtonum(slash + 1, 0, max, &errstr);
	if (errstr != NULL) {
		seterr(why, whylen, "prefix length \"%s\" is %s (0 to %d for "
		    "%s)", slash + 1, errstr, max, af == AF_INET ? "IPv4" :
		    "IPv6");
		return (-1);
	}
	return (0);
}

/* A level or clear of the rule th: a fraction or a duration. */
/* A rate per second: a number, with k, M, G or T for thousands... */
static int
rate_parse(const char *s, double *out)
{
	static const char	 sfx[] = "kMGT";
	const char		*p;
	char			*end;
	double			 v;

	if (*s == '\0' || *s == '-' || *s == '+')
		return (-1);
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		return (-1);
	if (*end != '\0') {
		if (end[1] != '\0' || (p = strchr(sfx, *end)) == NULL)
			return (-1);
		for (; p >= sfx; p--)
			v *= 1000;
	}
	if (v > 1e15)
		return (-1);
	*out = v;
	return (0);
}

static int
threshold_level(const struct threshold *th, const char *what,
    const char *word, double *out, char *err, size_t errlen)
{
	const char	*errstr;
	char		 why[128];
	int64_t		 d;

	if (*word == '\0') {
		seterr(err, errlen, "missing %s", what);
		return (-1);
	}
	if (th->rate) {
		if (rate_parse(word, out) == -1) {
			seterr(err, errlen, "%s \"%s\": expected a rate per "
			    "second such as 1000, 1.5k, 100M or 1G", what, word);
			return (-1);
		}
		return (0);
	}
	if (!th->time) {
		if (fraction_parse(word, out, why, sizeof(why)) == -1) {
			seterr(err, errlen, "%s \"%s\": %s", what, word, why);
			return (-1);
		}
		return (0);
	}
	if (duration_parse(word, &d, &errstr) == -1) {
		seterr(err, errlen, "%s \"%s\": %s", what, word, errstr);
		return (-1);
	}
	*out = (double)d;
	return (0);
}

/* clear, for, clear_for, min_samples or repeat: name=value. */
static int
threshold_field(struct threshold *th, const char *name, const char *value,
    char *err, size_t errlen)
{
	static const char *const counts[] = {
		"for", "clear_for", "min_samples"
	};
	long long	*slot[3];
	const char	*errstr;
	size_t		 i;

	slot[0] = &th->for_n;
	slot[1] = &th->clear_for;
	slot[2] = &th->min_samples;
	if (strcmp(name, "clear") == 0) {
		if (th->has_clear) {
			seterr(err, errlen, "clear given twice");
			return (-1);
		}
		th->has_clear = 1;
		return (threshold_level(th, "clear", value, &th->clear, err,
		    errlen));
	}
	if (strcmp(name, "repeat") == 0) {
		if (th->has_repeat) {
			seterr(err, errlen, "repeat given twice");
			return (-1);
		}
		th->has_repeat = 1;
		if (duration_parse(value, &th->repeat, &errstr) == -1) {
			seterr(err, errlen, "repeat \"%s\": %s", value,
			    errstr);
			return (-1);
		}
		if (th->repeat != 0 && th->repeat < 1000 * MS) {
			seterr(err, errlen, "repeat \"%s\": at least 1s (or 0: "
			    "never)", value);
			return (-1);
		}
		return (0);
	}
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (strcmp(name, counts[i]) != 0)
			continue;
		if (*slot[i] != 0) {
			seterr(err, errlen, "%s given twice", name);
			return (-1);
		}
		*slot[i] = strtonum(value, 1, 1000000, &errstr);
		if (errstr != NULL) {
			seterr(err, errlen, "%s \"%s\": %s (1 to 1000000)",
			    name, value, errstr);
			return (-1);
		}
		return (0);
	}
	seterr(err, errlen, "unknown field \"%s\": clear, for, clear_for, "
	    "min_samples or repeat", name);
	return (-1);
}

/*
 * METRIC:above|below:LEVEL, then CLEAR and FOR by position (either may be
 * empty), then NAME=VALUE fields.  The relation of level and clear is
 * checked here (the daemon checks it too) so that the message names the
 * option.
 */
int
threshold_parse(const char *spec, struct threshold *th, char *err,
    size_t errlen)
{
	char		 buf[256], *p, *f[3], *w, *eq;
	size_t		 i;
	int		 pos = 0, named = 0;

	memset(th, 0, sizeof(*th));
	if (strlen(spec) >= sizeof(buf)) {
		seterr(err, errlen, "longer than %zu bytes", sizeof(buf) - 1);
		return (-1);
	}
	strlcpy(buf, spec, sizeof(buf));
	p = buf;
	for (i = 0; i < 3; i++)
		if ((f[i] = strsep(&p, ":")) == NULL) {
			seterr(err, errlen, "expected METRIC:above|below:LEVEL"
			    "[:CLEAR[:FOR]]");
			return (-1);
		}
	for (i = 0; i < THRESHOLD_METRICS; i++)
		if (strcmp(f[0], metrics[i].name) == 0)
			break;
	if (i == THRESHOLD_METRICS) {
		seterr(err, errlen, "unknown metric \"%s\": loss, rtt_avg, "
		    "rtt_p99, jitter, forward_p99, backward_p99, or for "
		    "passive tasks bps_in, bps_out, pps_in, pps_out, "
		    "errors_in_rate, errors_out_rate, drops_in_rate, "
		    "drops_out_rate", f[0]);
		return (-1);
	}
	th->metric = metrics[i].name;
	th->time = metrics[i].time == 1;
	th->rate = metrics[i].time == 2;
	th->oneway = metrics[i].oneway;
	if (strcmp(f[1], "above") != 0 && strcmp(f[1], "below") != 0) {
		seterr(err, errlen, "\"%s\": expected above or below", f[1]);
		return (-1);
	}
	th->below = strcmp(f[1], "below") == 0;
	if (threshold_level(th, "level", f[2], &th->level, err, errlen) == -1)
		return (-1);

	while ((w = strsep(&p, ":")) != NULL) {
		if ((eq = strchr(w, '=')) != NULL) {
			*eq++ = '\0';
			named = 1;
			if (threshold_field(th, w, eq, err, errlen) == -1)
				return (-1);
			continue;
		}
		if (named || pos >= 2) {
			seterr(err, errlen, "\"%s\": expected NAME=VALUE (clear, "
			    "for, clear_for, min_samples or repeat)", w);
			return (-1);
		}
		if (*w != '\0' && threshold_field(th, pos == 0 ? "clear" :
		    "for", w, err, errlen) == -1)
			return (-1);
		pos++;
	}
	if (th->has_clear && !th->below && th->clear > th->level) {
		seterr(err, errlen, "clear is above the level: an above rule "
		    "clears below its level");
		return (-1);
	}
	if (th->has_clear && th->below && th->clear < th->level) {
		seterr(err, errlen, "clear is below the level: a below rule "
		    "clears above its level");
		return (-1);
	}
	return (0);
}

static void
seterr(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	if (len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
