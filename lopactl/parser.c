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
 * come in any order; each may be given once.  An ALIAS row is another
 * name for an option (Lopa's long flags) and shares its argument table,
 * hence its slot: "-c 3 --count 4" is an option given twice.  A long
 * option may also be written "--count=4", as Lopa's CLI allowed.  An
 * option whose argument is a STRINGS token may be given several times
 * ("--threshold loss:above:5% --threshold rtt_p99:above:150ms"); its
 * slot keeps every word, in order.
 */
#include <sys/types.h>

#include <stdarg.h>
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

#define MS		(1000LL * 1000)
#define HOUR		(3600LL * 1000 * MS)
#define DAY		(24 * HOUR)

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
static const struct token t_task[];
static const struct token t_task_id[];
static const struct token t_task_list[];
static const struct token t_list_type[];
static const struct token t_list_status[];

static const struct token t_main[] = {
	{ KEYWORD,	"ping",		PING,		t_probe, 0, 0 },
	{ KEYWORD,	"tcp",		TCP,		t_probe, 0, 0 },
	{ KEYWORD,	"udp",		UDP,		t_probe, 0, 0 },
	{ KEYWORD,	"twamp",	TWAMP,		t_tw,	0, 0 },
	{ KEYWORD,	"stamp",	STAMP,		t_tw,	0, 0 },
	{ KEYWORD,	"task",		NONE,		t_task,	0, 0 },
	{ KEYWORD,	"monitor",	MONITOR,	t_monitor, 0, 0 },
	{ KEYWORD,	"events",	MONITOR,	NULL,	0, 0 },
	{ KEYWORD,	"reflector",	REFLECTOR,	NULL,	0, 0 },
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
	    0, THRESHOLD_METRICS },
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
	    0, THRESHOLD_METRICS },
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
	{ CHOICE,	"ping|tcp|udp|twamp|stamp", ARG_TYPE, t_task_list,
	    0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_list_status[] = {
	{ CHOICE,	"pending|running|finished|stopped|failed", ARG_STATUS,
	    t_task_list, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/*
 * monitor: alone, the live stream of every event.  The monitors' own
 * commands (add, list, show, update, delete, events) are to be keywords
 * of this table.
 */
static const struct token t_monitor[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
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
static int	 parse_value(const struct token *, const char *,
		    struct parse_arg *, char *, size_t);
static const struct token *match_token(const struct token *, const char *,
		    const struct token *, const char *, struct parse_result *,
		    char *, size_t);
static void	 commands_walk(const struct token *, FILE *, const char *,
		    char *, size_t, int);
static void	 aliases_walk(const struct token *, FILE *, const char *,
		    const struct token **, size_t *, size_t);
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
	const struct token	*t, *last = NULL;
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
		table = t->next;
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
	char			 valid[VALID_MAX], why[128], firstwhy[128];

	valid_words(table, valid, sizeof(valid));
	if (word == NULL) {
		for (t = table; t->type != ENDTOKEN; t++)
			if (t->type == NOTOKEN)
				return (t);
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
		if (parse_value(t, word, &arg, why, sizeof(why)) == -1) {
			if (bad == NULL) {
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
	    t->type == FRACTION || t->type == STRINGS);
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
	char		 lim[64], list[256];
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
 * "--count N (-c)".  Tables shared by several commands are listed once.
 */
void
parser_aliases(const struct token *table, FILE *fp, const char *indent)
{
	const struct token	*seen[64];
	size_t			 nseen = 0;

	aliases_walk(table, fp, indent, seen, &nseen,
	    sizeof(seen) / sizeof(seen[0]));
}

static void
aliases_walk(const struct token *table, FILE *fp, const char *indent,
    const struct token **seen, size_t *nseen, size_t maxseen)
{
	const struct token	*t, *o, *same;
	const char		*a;
	size_t			 i;

	if (table == NULL)
		return;
	for (i = 0; i < *nseen; i++)
		if (seen[i] == table)
			return;
	if (*nseen == maxseen)
		return;
	seen[(*nseen)++] = table;
	for (t = table; t->type != ENDTOKEN; t++) {
		if (t->type != ALIAS)
			continue;
		same = NULL;
		for (o = table; o->type != ENDTOKEN && same == NULL; o++)
			if (o->type == OPTION && o->next == t->next)
				same = o;
		a = argname(t->next);
		fprintf(fp, "%s%s%s%s", indent, t->keyword,
		    a != NULL ? " " : "", a != NULL ? a : "");
		if (same != NULL)
			fprintf(fp, " (%s)", same->keyword);
		fprintf(fp, "\n");
	}
	for (t = table; t->type != ENDTOKEN; t++)
		if (t->next != NULL && t->next != table)
			aliases_walk(t->next, fp, indent, seen, nseen, maxseen);
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

/* A level or clear of the rule th: a fraction or a duration. */
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
		    "rtt_p99, jitter, forward_p99 or backward_p99", f[0]);
		return (-1);
	}
	th->metric = metrics[i].name;
	th->time = metrics[i].time;
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
