/*
 * Unit tests: lopactl's command grammar (lopactl/parser.c), with the real
 * tables and with test grammars shaped like the commands later issues
 * add (keywords, subcommands, typed arguments, options, flags, aliases,
 * choices, option tables shared through BACK, required options); and the
 * text lines of lopactl/fmt.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fmt.h"
#include "parser.h"

#define MS	1000000LL
#define HOUR	(3600 * 1000 * MS)

static const struct token t_tmain[];
static const struct token t_task[];
static const struct token t_task_id[];
static const struct token t_ping[];
static const struct token t_ping_opts[];
static const struct token t_ping_count[];
static const struct token t_ping_interval[];
static const struct token t_ping_pmtu[];
static const struct token t_mon[];

static const struct token t_tmain[] = {
	{ KEYWORD,	"status",	STATUS,		NULL,	0, 0 },
	{ KEYWORD,	"task",		NONE,		t_task,	0, 0 },
	{ KEYWORD,	"ping",		RELOAD,		t_ping,	0, 0 },
	{ KEYWORD,	"monitor",	HELP,		t_mon,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_task[] = {
	{ KEYWORD,	"list",		STATUS,		NULL,	0, 0 },
	{ KEYWORD,	"show",		RELOAD,		t_task_id, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_task_id[] = {
	{ STRING,	"ID",		ARG_ID,		NULL,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_ping[] = {
	{ STRING,	"TARGET",	ARG_TARGET,	t_ping_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_ping_opts[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ OPTION,	"-c",		NONE,		t_ping_count, 0, 0 },
	{ OPTION,	"-i",		NONE,		t_ping_interval, 0, 0 },
	{ FLAG,		"-f",		F_FOLLOW,	t_ping_opts, 0, 0 },
	{ OPTION,	"-M",		NONE,		t_ping_pmtu, 0, 0 },
	{ ALIAS,	"--count",	NONE,		t_ping_count, 0, 0 },
	{ ALIAS,	"--pmtu",	NONE,		t_ping_pmtu, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_ping_pmtu[] = {
	{ CHOICE,	"do|dont|want",	ARG_PMTU,	t_ping_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_ping_count[] = {
	{ NUMBER,	"N",		ARG_COUNT,	t_ping_opts, 1, 1000 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_ping_interval[] = {
	{ DURATION,	"DURATION",	ARG_INTERVAL,	t_ping_opts, MS, HOUR },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_mon[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ KEYWORD,	"events",	STATUS,		NULL,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

/*
 * Two commands sharing the tables of their options' arguments, which
 * lead BACK; "add" needs --kind; --n takes a number or a name; --on is
 * an alias both have.
 */
static const struct token t_badd[];
static const struct token t_bset[];
static const struct token t_bset_opts[];
static const struct token t_bkind[];
static const struct token t_bn[];
static const struct token t_bon[];

static const struct token t_bmain[] = {
	{ KEYWORD,	"add",		STATUS,		t_badd,	0, 0 },
	{ KEYWORD,	"set",		RELOAD,		t_bset,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_badd[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ OPTION,	"--kind",	NONE,		t_bkind, 1, 0 },
	{ OPTION,	"--n",		NONE,		t_bn,	0, 0 },
	{ FLAG,		"--off",	F_DISABLED,	t_badd,	0, 0 },
	{ ALIAS,	"--on",		NONE,		t_bon,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_bset[] = {
	{ STRING,	"ID",		ARG_ID,		t_bset_opts, 0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_bset_opts[] = {
	{ NOTOKEN,	"",		NONE,		NULL,	0, 0 },
	{ OPTION,	"--n",		NONE,		t_bn,	0, 0 },
	{ FLAG,		"--enable",	F_ENABLE,	t_bset_opts, 0, 0 },
	{ ALIAS,	"--on",		NONE,		t_bon,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_bkind[] = {
	{ CHOICE,	"a|b",		ARG_MON_TYPE,	BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_bn[] = {
	{ NUMBER,	"N",		ARG_TABLE,	BACK,	0, 100 },
	{ CHOICE,	"main|local",	ARG_TABLE,	BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static const struct token t_bon[] = {
	{ CHOICE,	"true|false",	ARG_ENABLED,	BACK,	0, 0 },
	{ ENDTOKEN,	"",		NONE,		NULL,	0, 0 }
};

static void	 commands_text(const struct token *, const char *);

/* Split a command line on spaces into a static argv. */
static int
split(const char *line, char *buf, size_t len, char *argv[], int max)
{
	char	*p, *w;
	int	 argc = 0;

	snprintf(buf, len, "%s", line);
	p = buf;
	while ((w = strsep(&p, " ")) != NULL && argc < max)
		if (*w != '\0')
			argv[argc++] = w;
	return (argc);
}

/* The result points into argv, hence the static copy of the line. */
static void
accepts(const struct token *g, const char *line, struct parse_result *res)
{
	static char	 buf[1024];
	char		 err[1024], *argv[64];
	int		 argc;

	argc = split(line, buf, sizeof(buf), argv, 64);
	if (parse_table(g, argc, argv, res, err, sizeof(err)) == -1)
		fail_msg("\"%s\" refused: %s", line, err);
}

static void
refuses(const struct token *g, const char *line, const char *want)
{
	struct parse_result	 res;
	char			 buf[1024], err[1024], *argv[64];
	int			 argc;

	argc = split(line, buf, sizeof(buf), argv, 64);
	if (parse_table(g, argc, argv, &res, err, sizeof(err)) == 0)
		fail_msg("\"%s\" accepted", line);
	assert_string_equal(err, want);
}

static void
test_main_commands(void **state)
{
	struct parse_result	 res;
	char			*argv[] = { "status", NULL };
	char			 err[256];

	accepts(parser_main(), "status", &res);
	assert_int_equal(res.action, STATUS);
	accepts(parser_main(), "task list", &res);
	assert_int_equal(res.action, TASK_LIST);
	accepts(parser_main(), "task list status running type udp", &res);
	assert_string_equal(res.args[ARG_STATUS].str, "running");
	assert_string_equal(res.args[ARG_TYPE].str, "udp");
	accepts(parser_main(), "task show h-1", &res);
	assert_int_equal(res.action, TASK_SHOW);
	assert_string_equal(res.args[ARG_ID].str, "h-1");
	accepts(parser_main(), "task stop h-1", &res);
	assert_int_equal(res.action, TASK_STOP);
	accepts(parser_main(), "task delete h-1", &res);
	assert_int_equal(res.action, TASK_DELETE);
	accepts(parser_main(), "tcp h -p 443", &res);
	assert_int_equal(res.action, TCP);
	assert_int_equal(res.args[ARG_PORT].num, 443);
	accepts(parser_main(), "udp h", &res);
	assert_int_equal(res.action, UDP);
	accepts(parser_main(), "reload", &res);
	assert_int_equal(res.action, RELOAD);
	accepts(parser_main(), "help", &res);
	assert_int_equal(res.action, HELP);
	assert_int_equal(parse(1, argv, &res, err, sizeof(err)), 0);
	assert_int_equal(res.action, STATUS);
}

static void
test_main_unknown_word_lists_valid(void **state)
{
	refuses(parser_main(), "bogus", "unknown command \"bogus\"; valid: "
	    "ping, tcp, udp, twamp, stamp, passive, task, monitor, events, "
	    "reflector, show, metrics, status, reload, help");
	/* no abbreviations: scripts must not break when commands are added */
	refuses(parser_main(), "stat", "unknown command \"stat\"; valid: "
	    "ping, tcp, udp, twamp, stamp, passive, task, monitor, events, "
	    "reflector, show, metrics, status, reload, help");
	refuses(parser_main(), "status now",
	    "unexpected argument \"now\" after \"status\"");
	refuses(parser_main(), "", "missing command; valid: ping, tcp, udp, "
	    "twamp, stamp, passive, task, monitor, events, reflector, show, "
	    "metrics, status, reload, help");
}

static void
test_subcommands(void **state)
{
	struct parse_result	 res;

	accepts(t_tmain, "task list", &res);
	assert_int_equal(res.action, STATUS);
	accepts(t_tmain, "task show 42", &res);
	assert_int_equal(res.action, RELOAD);
	assert_true(res.args[ARG_ID].set);
	assert_string_equal(res.args[ARG_ID].str, "42");
	refuses(t_tmain, "task", "missing argument after \"task\"; valid: "
	    "list, show");
	refuses(t_tmain, "task frob", "unknown argument \"frob\" after "
	    "\"task\"; valid: list, show");
	refuses(t_tmain, "task show", "missing argument after \"show\"; "
	    "valid: ID");
	refuses(t_tmain, "task show 1 2", "unexpected argument \"2\" after "
	    "\"1\"");
}

static void
test_optional_subcommand(void **state)
{
	struct parse_result	 res;

	accepts(t_tmain, "monitor", &res);
	assert_int_equal(res.action, HELP);
	accepts(t_tmain, "monitor events", &res);
	assert_int_equal(res.action, STATUS);
	refuses(t_tmain, "monitor x", "unknown argument \"x\" after "
	    "\"monitor\"; valid: events");
}

static void
test_typed_options(void **state)
{
	struct parse_result	 res;

	accepts(t_tmain, "ping 198.18.0.1", &res);
	assert_int_equal(res.action, RELOAD);
	assert_string_equal(res.args[ARG_TARGET].str, "198.18.0.1");
	assert_false(res.args[ARG_COUNT].set);
	assert_false(res.args[ARG_INTERVAL].set);
	assert_int_equal(res.flags, 0);

	accepts(t_tmain, "ping 198.18.0.1 -c 5 -i 250ms -f", &res);
	assert_true(res.args[ARG_COUNT].set);
	assert_int_equal(res.args[ARG_COUNT].num, 5);
	assert_true(res.args[ARG_INTERVAL].set);
	assert_int_equal(res.args[ARG_INTERVAL].dur, 250 * MS);
	assert_int_equal(res.flags, F_FOLLOW);

	/* any order; bounds inclusive; integer nanoseconds */
	accepts(t_tmain, "ping h -f -i 1000000 -c 1000", &res);
	assert_int_equal(res.args[ARG_COUNT].num, 1000);
	assert_int_equal(res.args[ARG_INTERVAL].dur, MS);
	assert_int_equal(res.flags, F_FOLLOW);
	accepts(t_tmain, "ping h -i 1h -c 1", &res);
	assert_int_equal(res.args[ARG_INTERVAL].dur, HOUR);
	assert_int_equal(res.args[ARG_COUNT].num, 1);
}

static void
test_typed_errors(void **state)
{
	refuses(t_tmain, "ping", "missing argument after \"ping\"; valid: "
	    "TARGET");
	refuses(t_tmain, "ping h -c", "missing argument after \"-c\"; "
	    "valid: N");
	refuses(t_tmain, "ping h -c abc", "invalid argument \"abc\" to -c: "
	    "not a number");
	refuses(t_tmain, "ping h -c 0", "invalid argument \"0\" to -c: "
	    "too small (minimum 1)");
	refuses(t_tmain, "ping h -c 1001", "invalid argument \"1001\" to -c: "
	    "too large (maximum 1000)");
	refuses(t_tmain, "ping h -c -1", "invalid argument \"-1\" to -c: "
	    "too small (minimum 1)");
	refuses(t_tmain, "ping h -i 999us", "invalid argument \"999us\" to "
	    "-i: too short (minimum 1ms)");
	refuses(t_tmain, "ping h -i 2h", "invalid argument \"2h\" to -i: "
	    "too long (maximum 1h0m0s)");
	refuses(t_tmain, "ping h -z", "unknown argument \"-z\" after \"h\"; "
	    "valid: -c N, -i DURATION, -f, -M do|dont|want");
	refuses(t_tmain, "ping h -c 1 -c 2", "-c given twice");
	refuses(t_tmain, "ping h -f -f", "-f given twice");
}

/* The real ping grammar: ping(8)'s letters and Lopa's long names. */
static void
test_probe_options(void **state)
{
	struct parse_result	 res;

	accepts(parser_main(), "ping 198.18.0.2 -c 5 -i 200ms -W 1s -s 100 "
	    "-Q 46 -t 9 -M do -I eth0 -S 198.18.0.1 -4 --rounds 3 "
	    "--round-delay 2s -n web -q", &res);
	assert_int_equal(res.action, PING);
	assert_string_equal(res.args[ARG_TARGET].str, "198.18.0.2");
	assert_int_equal(res.args[ARG_COUNT].num, 5);
	assert_int_equal(res.args[ARG_INTERVAL].dur, 200 * MS);
	assert_int_equal(res.args[ARG_TIMEOUT].dur, 1000 * MS);
	assert_int_equal(res.args[ARG_SIZE].num, 100);
	assert_int_equal(res.args[ARG_DSCP].num, 46);
	assert_int_equal(res.args[ARG_TTL].num, 9);
	assert_string_equal(res.args[ARG_PMTU].str, "do");
	assert_string_equal(res.args[ARG_IFACE].str, "eth0");
	assert_string_equal(res.args[ARG_SOURCE].str, "198.18.0.1");
	assert_int_equal(res.args[ARG_ROUNDS].num, 3);
	assert_int_equal(res.args[ARG_ROUND_DELAY].dur, 2000 * MS);
	assert_string_equal(res.args[ARG_NAME].str, "web");
	assert_int_equal(res.flags, F_IPV4 | F_QUIET);

	accepts(parser_main(), "udp h --mode continuous --duration 30s "
	    "--interval=10ms --timeout 1s --size 64 --ip-version ipv6 "
	    "--source-ip ::1 --interface lo --round-interval 0 --port 7 -f",
	    &res);
	assert_int_equal(res.action, UDP);
	assert_string_equal(res.args[ARG_MODE].str, "continuous");
	assert_int_equal(res.args[ARG_DURATION].dur, 30000 * MS);
	assert_int_equal(res.args[ARG_INTERVAL].dur, 10 * MS);
	assert_string_equal(res.args[ARG_IPVER].str, "ipv6");
	assert_string_equal(res.args[ARG_SOURCE].str, "::1");
	assert_string_equal(res.args[ARG_IFACE].str, "lo");
	assert_true(res.args[ARG_ROUND_DELAY].set);
	assert_int_equal(res.args[ARG_ROUND_DELAY].dur, 0);
	assert_int_equal(res.args[ARG_PORT].num, 7);
	assert_int_equal(res.flags, F_FOLLOW);

	accepts(parser_main(), "tcp h -w 10s --continuous -6", &res);
	assert_int_equal(res.args[ARG_DURATION].dur, 10000 * MS);
	assert_int_equal(res.flags, F_CONTINUOUS | F_IPV6);

	refuses(parser_main(), "ping -c 3 h",
	    "invalid TARGET \"-c\": looks like an option");
	refuses(parser_main(), "ping h -c 1 --count 2", "--count given twice");
	refuses(parser_main(), "ping h --interval 1s -i 2s", "-i given twice");
	refuses(parser_main(), "ping h -M maybe", "invalid argument \"maybe\" "
	    "to -M: expected do or dont");
	refuses(parser_main(), "ping h --mode=forever", "invalid argument "
	    "\"forever\" to --mode: expected count, duration or continuous");
	refuses(parser_main(), "ping h -Q 64", "invalid argument \"64\" to "
	    "-Q: too large (maximum 63)");
	refuses(parser_main(), "ping h -t 0", "invalid argument \"0\" to -t: "
	    "too small (minimum 1)");
	refuses(parser_main(), "ping h -i 100us", "invalid argument \"100us\" "
	    "to -i: too short (minimum 1ms)");
	refuses(parser_main(), "ping h -I -x", "invalid argument \"-x\" to "
	    "-I: looks like an option");
	refuses(parser_main(), "task list type icmp", "invalid argument "
	    "\"icmp\" to type: expected ping, tcp, udp, twamp, stamp or "
	    "passive");
}

/* Aliases parse as their option, fill its slot, and hide from lists. */
static void
test_aliases_and_choices(void **state)
{
	struct parse_result	 res;

	accepts(t_tmain, "ping h --count 7 --pmtu want", &res);
	assert_int_equal(res.args[ARG_COUNT].num, 7);
	assert_string_equal(res.args[ARG_PMTU].str, "want");
	accepts(t_tmain, "ping h --count=7 -M dont", &res);
	assert_int_equal(res.args[ARG_COUNT].num, 7);
	assert_string_equal(res.args[ARG_PMTU].str, "dont");
	/* "=" only joins a long option to its argument */
	refuses(t_tmain, "ping h --count=", "invalid argument \"\" to "
	    "--count: not a number");
	refuses(t_tmain, "ping h --bogus=1", "unknown argument \"--bogus=1\" "
	    "after \"h\"; valid: -c N, -i DURATION, -f, -M do|dont|want");
	refuses(t_tmain, "ping h -c 1 --count=2", "--count given twice");
	refuses(t_tmain, "ping h --pmtu do -M do", "-M given twice");
	refuses(t_tmain, "ping h -M dontt", "invalid argument \"dontt\" to "
	    "-M: expected do, dont or want");
	refuses(t_tmain, "ping h -M do|dont", "invalid argument \"do|dont\" "
	    "to -M: expected do, dont or want");
}

static void
aliases_text(const struct token *g, const char *want)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		fail_msg("open_memstream");
	parser_aliases(g, fp, "\t");
	fclose(fp);
	assert_string_equal(buf, want);
	free(buf);
}

static void
test_aliases_listed_once(void **state)
{
	aliases_text(t_tmain, "\t--count N (-c)\n\t--pmtu do|dont|want (-M)\n");
	aliases_text(t_task, "");
}

static void
test_duration_reason_passed_on(void **state)
{
	struct parse_result	 res;
	char			 err[256];
	char			*argv[] = { "ping", "h", "-i", "5x" };

	assert_int_equal(parse_table(t_tmain, 4, argv, &res, err,
	    sizeof(err)), -1);
	if (strncmp(err, "invalid argument \"5x\" to -i: ", 29) != 0 ||
	    strlen(err) <= 29)
		fail_msg("unexpected message: %s", err);
}

static void
test_result_reset(void **state)
{
	struct parse_result	 res;

	accepts(t_tmain, "ping h -c 5 -f", &res);
	accepts(t_tmain, "ping h", &res);
	assert_false(res.args[ARG_COUNT].set);
	assert_int_equal(res.flags, 0);
}

static void
test_twamp_options(void **state)
{
	struct parse_result	 res;

	accepts(parser_main(), "twamp 192.0.2.7:862 --control -c 5 "
	    "-i 100ms -s 27 -Q 46 -t 64 -W 2s -I eth0 -S 192.0.2.1 -4 -M do "
	    "-n core -q", &res);
	assert_int_equal(res.action, TWAMP);
	assert_string_equal(res.args[ARG_TARGET].str, "192.0.2.7:862");
	assert_int_equal(res.args[ARG_COUNT].num, 5);
	assert_int_equal(res.args[ARG_INTERVAL].dur, 100 * MS);
	/* -s is the padding here, not ping's packet size */
	assert_true(res.args[ARG_PADDING].set);
	assert_int_equal(res.args[ARG_PADDING].num, 27);
	assert_false(res.args[ARG_SIZE].set);
	assert_int_equal(res.args[ARG_DSCP].num, 46);
	assert_int_equal(res.args[ARG_TTL].num, 64);
	assert_int_equal(res.args[ARG_TIMEOUT].dur, 2000 * MS);
	assert_string_equal(res.args[ARG_IFACE].str, "eth0");
	assert_string_equal(res.args[ARG_SOURCE].str, "192.0.2.1");
	assert_string_equal(res.args[ARG_PMTU].str, "do");
	assert_string_equal(res.args[ARG_NAME].str, "core");
	assert_int_equal(res.flags, F_CONTROL | F_IPV4 | F_QUIET);

	accepts(parser_main(), "twamp h --imix -w 10s -6 -f", &res);
	assert_int_equal(res.action, TWAMP);
	assert_int_equal(res.flags, F_IMIX | F_IPV6 | F_FOLLOW);
	assert_int_equal(res.args[ARG_DURATION].dur, 10000 * MS);

	accepts(parser_main(), "stamp [2001:db8::7]:862 --ssid 7 -c 3 "
	    "--continuous -p 8620", &res);
	assert_int_equal(res.action, STAMP);
	assert_int_equal(res.args[ARG_SSID].num, 0 + 7);
	assert_int_equal(res.args[ARG_PORT].num, 8620);
	assert_int_equal(res.flags, F_CONTINUOUS);
	accepts(parser_main(), "stamp h --ssid 0", &res);
	assert_true(res.args[ARG_SSID].set);
	accepts(parser_main(), "stamp h --ssid 65535 -s 0", &res);
	assert_int_equal(res.args[ARG_SSID].num, 65535);
	assert_int_equal(res.args[ARG_PADDING].num, 0);

	/* rounds, as for ping */
	accepts(parser_main(), "twamp h -c 2 --rounds 3 --round-delay 500ms",
	    &res);
	assert_int_equal(res.action, TWAMP);
	assert_int_equal(res.args[ARG_ROUNDS].num, 3);
	assert_int_equal(res.args[ARG_ROUND_DELAY].dur, 500 * MS);
	accepts(parser_main(), "stamp h --round-delay 0 --rounds 10000 "
	    "--ssid 1", &res);
	assert_int_equal(res.action, STAMP);
	assert_int_equal(res.args[ARG_ROUNDS].num, 10000);
	assert_true(res.args[ARG_ROUND_DELAY].set);
	assert_int_equal(res.args[ARG_ROUND_DELAY].dur, 0);

	/* the list of TLVs is one word, read by probe.c */
	accepts(parser_main(), "stamp h --tlv timestamp_info,cos:46,padding:8 "
	    "-Q 10", &res);
	assert_string_equal(res.args[ARG_TLVS].str,
	    "timestamp_info,cos:46,padding:8");
	assert_int_equal(res.args[ARG_DSCP].num, 10);

	accepts(parser_main(), "reflector", &res);
	assert_int_equal(res.action, REFLECTOR);
	accepts(parser_main(), "task list type stamp", &res);
	assert_string_equal(res.args[ARG_TYPE].str, "stamp");
}

static void
test_twamp_errors(void **state)
{
	refuses(parser_main(), "twamp", "missing argument after \"twamp\"; "
	    "valid: TARGET");
	/* options come after the target, as for ping */
	refuses(parser_main(), "twamp -s 0 h",
	    "invalid TARGET \"-s\": looks like an option");
	refuses(parser_main(), "stamp h --ssid 65536",
	    "invalid argument \"65536\" to --ssid: too large (maximum 65535)");
	refuses(parser_main(), "stamp h --ssid", "missing argument after "
	    "\"--ssid\"; valid: SSID");
	refuses(parser_main(), "twamp h -s -1",
	    "invalid argument \"-1\" to -s: too small (minimum 0)");
	refuses(parser_main(), "twamp h --imix --imix", "--imix given twice");
	refuses(parser_main(), "twamp h --control --control",
	    "--control given twice");
	/* Lopa's long names are ping's, tcp's and udp's only */
	refuses(parser_main(), "twamp h --count 2",
	    "unknown argument \"--count\" after \"h\"; valid: -c N, "
	    "-w DURATION, --continuous, -i DURATION, -W DURATION, -s PADDING, "
	    "--imix, -Q DSCP, -t TTL, -M do|dont, -I IFACE, -S ADDR, -4, -6, "
	    "-p PORT, --rounds N, --round-delay DURATION, --control, "
	    "--ssid SSID, --tlv TLVS, -n NAME, -f, -q, "
	    "--loss-threshold FRACTION, --latency-threshold DURATION, "
	    "--threshold RULE, --webhook URL, --webhook-secret-file FILE");
	refuses(parser_main(), "twamp h --rounds 0",
	    "invalid argument \"0\" to --rounds: too small (minimum 1)");
	refuses(parser_main(), "stamp h --rounds 10001",
	    "invalid argument \"10001\" to --rounds: too large "
	    "(maximum 10000)");
	refuses(parser_main(), "stamp h --round-delay 25h",
	    "invalid argument \"25h\" to --round-delay: too long "
	    "(maximum 24h0m0s)");
	refuses(parser_main(), "stamp h --round-delay -1s",
	    "invalid argument \"-1s\" to --round-delay: negative "
	    "duration");
	refuses(parser_main(), "twamp h --rounds 2 --rounds 3",
	    "--rounds given twice");
	refuses(parser_main(), "twamp h --rounds",
	    "missing argument after \"--rounds\"; valid: N");
	refuses(parser_main(), "stamp h --tlv", "missing argument after "
	    "\"--tlv\"; valid: TLVS");
	refuses(parser_main(), "stamp h --tlv -q", "invalid argument \"-q\" "
	    "to --tlv: looks like an option");
	refuses(parser_main(), "stamp h --tlv cos --tlv padding:4",
	    "--tlv given twice");
	refuses(parser_main(), "reflector x",
	    "unexpected argument \"x\" after \"reflector\"");
}

/* What a FILE * function wrote. */
static char *
written(void (*fn)(FILE *, json_t *), const char *json)
{
	json_error_t	 jerr;
	json_t		*j;
	FILE		*fp;
	char		*buf = NULL;
	size_t		 len = 0;

	if ((j = json_loads(json, 0, &jerr)) == NULL)
		fail_msg("bad JSON in the test: %s", jerr.text);
	if ((fp = open_memstream(&buf, &len)) == NULL)
		fail_msg("open_memstream");
	fn(fp, j);
	fclose(fp);
	json_decref(j);
	return (buf);
}

#define TW_DELAYS(mn, mx, av, ji, p5, p9)				\
	"{\"min\":" #mn ",\"max\":" #mx ",\"avg\":" #av			\
	",\"stddev\":1," \
	"\"jitter\":" #ji ",\"p50\":" #p5 ",\"p99\":" #p9 "}"

static void
test_twamp_summary(void **state)
{
	char	*out;

	/* a stateful reflector: the one-way losses as fractions of sent */
	out = written(fmt_twamp_summary, "{\"target\":\"192.0.2.7:862\","
	    "\"type\":\"twamp\",\"total\":{\"sent\":20,\"received\":13,"
	    "\"loss_rate\":0.35,\"min_rtt\":61000,\"max_rtt\":98000,"
	    "\"avg_rtt\":73000,\"jitter\":9000,\"p50_rtt\":72000,"
	    "\"p99_rtt\":98000,\"twamp\":{\"replies\":13,"
	    "\"forward\":"
	    TW_DELAYS(31000, 52000, 38000, 6000, 37000, 52000) ","
	    "\"backward\":"
	    TW_DELAYS(29000, 47000, 35000, 5000, 34000, 47000) ","
	    "\"processing\":{\"min\":4000,\"avg\":5000,\"max\":9000,"
	    "\"p50\":5000,\"p99\":9000},\"hops\":{\"forward\":1,"
	    "\"backward\":2,\"forward_min\":1,\"forward_max\":1,"
	    "\"backward_min\":1,\"backward_max\":2},\"unsynchronized\":true,"
	    "\"unsynchronized_replies\":13,\"reflector\":\"stateful\","
	    "\"forward_lost\":4,\"backward_lost\":3,\"nonconformant\":13,"
	    "\"rtt_negative\":0}}}");
	assert_string_equal(out,
	    "--- 192.0.2.7:862 twamp statistics ---\n"
	    "20 sent, 13 received, 35% loss\n"
	    "Direction (ms)        Min        Max        "
	    "Avg     Jitter     Loss\n"
	    "Outbound            0.031      0.052      0."
	    "038      0.006      20%\n"
	    "Inbound             0.029      0.047      0."
	    "035      0.005      15%\n"
	    "Roundtrip           0.061      0.098      0."
	    "073      0.009      35%\n"
	    "p50/p99: outbound 0.037/0.052 ms, inbound 0.034/0.047 ms, "
	    "roundtrip 0.072/0.098 ms\n"
	    "processing min/avg/max = 0.004/0.005/0.009 ms, "
	    "p50/p99 = 0.005/0.009 ms\n"
	    "hops outbound 1, inbound 1-2\n"
	    "reflector stateful, lost 4 outbound and 3 inbound\n"
	    "unsynchronized clocks (13 of 13 replies): one-way delays are "
	    "not reliable\n"
	    "13 nonconformant replies\n");
	free(out);

	/* stateless: no one-way loss; hops unknown; negative one-way */
	out = written(fmt_twamp_summary, "{\"target\":\"h\",\"type\":\"stamp\","
	    "\"total\":{\"sent\":2,\"received\":2,\"loss_rate\":0,"
	    "\"min_rtt\":1000000,\"max_rtt\":1000000,\"avg_rtt\":1000000,"
	    "\"jitter\":0,\"p50_rtt\":1000000,\"p99_rtt\":1000000,"
	    "\"twamp\":{\"replies\":2,"
	    "\"forward\":" TW_DELAYS(-250000, -250000, -250000, 0, -250000,
	    -250000) ","
	    "\"backward\":" TW_DELAYS(1250000, 1250000, 1250000, 0, 1250000,
	    1250000) ","
	    "\"processing\":{\"min\":0,\"avg\":0,\"max\":0,\"p50\":0,"
	    "\"p99\":0},\"hops\":{\"forward\":null,\"backward\":null,"
	    "\"forward_min\":null,\"forward_max\":null,\"backward_min\":null,"
	    "\"backward_max\":null},\"unsynchronized\":false,"
	    "\"reflector\":\"stateless\",\"nonconformant\":0,"
	    "\"rtt_negative\":1}}}");
	assert_string_equal(out,
	    "--- h stamp statistics ---\n"
	    "2 sent, 2 received, 0% loss\n"
	    "Direction (ms)        Min        Max        "
	    "Avg     Jitter     Loss\n"
	    "Outbound           -0.250     -0.250     -0."
	    "250      0.000        -\n"
	    "Inbound             1.250      1.250      1."
	    "250      0.000        -\n"
	    "Roundtrip           1.000      1.000      1."
	    "000      0.000       0%\n"
	    "p50/p99: outbound -0.250/-0.250 ms, inbound 1.250/1.250 ms, "
	    "roundtrip 1.000/1.000 ms\n"
	    "processing min/avg/max = 0.000/0.000/0.000 ms, "
	    "p50/p99 = 0.000/0.000 ms\n"
	    "hops outbound ?, inbound ?\n"
	    "reflector stateless\n"
	    "1 replies with the reflector's time longer than the round trip\n");
	free(out);

	/* no reply: no table */
	out = written(fmt_twamp_summary, "{\"target\":\"h\",\"type\":\"twamp\","
	    "\"total\":{\"sent\":3,\"received\":3,\"refused\":3,"
	    "\"loss_rate\":0,\"twamp\":{\"replies\":0,"
	    "\"reflector\":\"unknown\"}}}");
	assert_string_equal(out,
	    "--- h twamp statistics ---\n"
	    "3 sent, 3 received, 0% loss, 3 refused\n"
	    "no reply from a reflector\n");
	free(out);
}

/* The total of a stamp task with one reply; EXTRA goes into its twamp. */
#define TW_ONE(mode, extra)						\
	"\"target\":\"h\",\"type\":\"stamp\",\"mode\":\"" mode "\","	\
	"\"total\":{\"sent\":1,\"received\":1,\"loss_rate\":0,"		\
	"\"min_rtt\":1000,\"max_rtt\":1000,\"avg_rtt\":1000,"		\
	"\"jitter\":0,\"p50_rtt\":1000,\"p99_rtt\":1000,"		\
	"\"twamp\":{\"replies\":1,"					\
	"\"forward\":" TW_DELAYS(400, 400, 400, 0, 400, 400) ","	\
	"\"backward\":" TW_DELAYS(600, 600, 600, 0, 600, 600) ","	\
	"\"processing\":{\"min\":2000,\"avg\":2000,\"max\":2000,"	\
	"\"p50\":2000,\"p99\":2000},\"hops\":{\"forward_min\":0,"	\
	"\"forward_max\":0,\"backward_min\":0,\"backward_max\":0},"	\
	"\"reflector\":\"stateless\",\"nonconformant\":0" extra "}}"

#define TW_ONE_TEXT(type)						\
	"--- h " type " statistics ---\n"				\
	"1 sent, 1 received, 0% loss\n"					\
	"Direction (ms)        Min        Max        "			\
	"Avg     Jitter     Loss\n"					\
	"Outbound            0.000      0.000      0."			\
	"000      0.000        -\n"					\
	"Inbound             0.001      0.001      0."			\
	"001      0.000        -\n"					\
	"Roundtrip           0.001      0.001      0."			\
	"001      0.000       0%\n"

/* stamp with TLVs: a line for the TLVs, and what the last reply said */
static void
test_twamp_summary_tlvs(void **state)
{
	char	*out;

	out = written(fmt_twamp_summary, "{" TW_ONE("count",
	    ",\"tlv_unrecognized\":2,\"tlv_malformed\":1,"
	    "\"reflector_timestamp\":{\"sync_in\":1,\"method_in\":1,"
	    "\"sync_out\":5,\"method_out\":2},"
	    "\"cos\":{\"dscp2\":46,\"ecn\":2,\"rp\":1}") "}");
	assert_string_equal(out, TW_ONE_TEXT("stamp")
	    "p50/p99: outbound 0.000/0.000 ms, inbound 0.001/0.001 ms, "
	    "roundtrip 0.001/0.001 ms\n"
	    "processing min/avg/max = 0.002/0.002/0.002 ms, "
	    "p50/p99 = 0.002/0.002 ms\n"
	    "hops outbound 0, inbound 0\n"
	    "reflector stateless\n"
	    "TLVs: 2 unrecognized, 1 malformed\n"
	    "reflector timestamps: in NTP/hardware, out free-running/software\n"
	    "class of service: received with DSCP 46, ECN 2, could not reply "
	    "with DSCP1\n");
	free(out);

	/* codes without a name as numbers; DSCP1 honoured */
	out = written(fmt_twamp_summary, "{" TW_ONE("count",
	    ",\"tlv_unrecognized\":0,\"tlv_malformed\":0,"
	    "\"reflector_timestamp\":{\"sync_in\":0,\"method_in\":3,"
	    "\"sync_out\":9,\"method_out\":4},"
	    "\"cos\":{\"dscp2\":0,\"ecn\":0,\"rp\":0}") "}");
	assert_non_null(strstr(out, "reflector stateless\n"
	    "TLVs: 0 unrecognized, 0 malformed\n"
	    "reflector timestamps: in 0/control-plane, out 9/4\n"
	    "class of service: received with DSCP 0, ECN 0, replied with "
	    "DSCP1\n"));
	free(out);

	/* TLVs sent, no reply carried them yet: the counts only */
	out = written(fmt_twamp_summary, "{" TW_ONE("count",
	    ",\"tlv_unrecognized\":0,\"tlv_malformed\":0,"
	    "\"reflector_timestamp\":null,\"cos\":null") "}");
	assert_non_null(strstr(out, "reflector stateless\n"
	    "TLVs: 0 unrecognized, 0 malformed\n"));
	assert_null(strstr(out, "reflector timestamps"));
	assert_null(strstr(out, "class of service"));
	free(out);

	/* no TLVs sent: no TLV line */
	out = written(fmt_twamp_summary, "{" TW_ONE("count", "") "}");
	assert_null(strstr(out, "TLVs"));
	assert_string_equal(strstr(out, "reflector stateless\n"),
	    "reflector stateless\n");
	free(out);
}

/* --rounds: a line per round as for ping, only with more than one */
static void
test_twamp_summary_rounds(void **state)
{
	char	*out;

	out = written(fmt_twamp_summary, "{" TW_ONE("count", "") ","
	    "\"rounds\":[{\"index\":1,\"stats\":{\"sent\":1,"
	    "\"received\":1,\"loss_rate\":0,\"min_rtt\":1000,"
	    "\"avg_rtt\":1000,\"max_rtt\":1000,\"twamp\":{\"replies\":1}}},"
	    "{\"index\":2,\"stats\":{\"sent\":1,\"received\":0,"
	    "\"loss_rate\":1,\"twamp\":{\"replies\":0}}}]}");
	assert_non_null(strstr(out, "reflector stateless\n"
	    "round 1: 1 sent, 1 received, 0% loss, rtt min/avg/max = "
	    "0.001/0.001/0.001 ms\n"
	    "round 2: 1 sent, 0 received, 100% loss\n"));
	assert_string_equal(strstr(out, "round 2"), "round 2: 1 sent, "
	    "0 received, 100% loss\n");
	free(out);

	out = written(fmt_twamp_summary, "{" TW_ONE("count", "") ","
	    "\"rounds\":[{\"index\":1,\"stats\":{\"sent\":1}}]}");
	assert_null(strstr(out, "round 1"));
	free(out);
}

/*
 * A continuous task: its total without percentiles (it keeps none), then
 * its window in full.
 */
static void
test_twamp_summary_window(void **state)
{
	char	*out;

	out = written(fmt_twamp_summary, "{" TW_ONE("continuous", "") ","
	    "\"rounds\":[{\"index\":1,\"stats\":{\"sent\":1}}],"
	    "\"window\":{\"window_seconds\":3,\"duration\":3000000000,"
	    "\"stats\":{\"sent\":4,\"received\":3,\"loss_rate\":0.25,"
	    "\"min_rtt\":1000,\"max_rtt\":3000,\"avg_rtt\":2000,"
	    "\"jitter\":1000,\"p50_rtt\":2000,\"p99_rtt\":3000},"
	    "\"twamp\":{\"replies\":3,"
	    "\"forward\":" TW_DELAYS(400, 1400, 900, 500, 900, 1400) ","
	    "\"backward\":" TW_DELAYS(600, 1600, 1100, 500, 1100, 1600) ","
	    "\"processing\":{\"min\":2000,\"avg\":3000,\"max\":4000,"
	    "\"p50\":3000,\"p99\":4000},\"hops\":{\"forward_min\":0,"
	    "\"forward_max\":1,\"backward_min\":0,\"backward_max\":0},"
	    "\"reflector\":\"stateful\",\"forward_lost\":1,"
	    "\"backward_lost\":0,\"nonconformant\":0}}}");
	assert_string_equal(out, TW_ONE_TEXT("stamp")
	    "processing min/avg/max = 0.002/0.002/0.002 ms\n"
	    "hops outbound 0, inbound 0\n"
	    "reflector stateless\n"
	    "window 3s: 4 sent, 3 received, 25% loss\n"
	    "Direction (ms)        Min        Max        "
	    "Avg     Jitter     Loss\n"
	    "Outbound            0.000      0.001      0."
	    "001      0.001      25%\n"
	    "Inbound             0.001      0.002      0."
	    "001      0.001       0%\n"
	    "Roundtrip           0.001      0.003      0."
	    "002      0.001      25%\n"
	    "p50/p99: outbound 0.001/0.001 ms, inbound 0.001/0.002 ms, "
	    "roundtrip 0.002/0.003 ms\n"
	    "processing min/avg/max = 0.002/0.003/0.004 ms, "
	    "p50/p99 = 0.003/0.004 ms\n"
	    "hops outbound 0-1, inbound 0\n"
	    "reflector stateful, lost 1 outbound and 0 inbound\n");
	free(out);

	/* a window without replies; Lopa's window_seconds alone */
	out = written(fmt_twamp_summary, "{" TW_ONE("continuous", "") ","
	    "\"window\":{\"window_seconds\":60,"
	    "\"stats\":{\"sent\":2,\"received\":0,\"loss_rate\":1}}}");
	assert_string_equal(strstr(out, "window"), "window 60s: 2 sent, "
	    "0 received, 100% loss\n"
	    "no reply from a reflector\n");
	free(out);

	/* a window of no whole number of seconds */
	out = written(fmt_twamp_summary, "{" TW_ONE("continuous", "") ","
	    "\"window\":{\"window_seconds\":1,\"duration\":1500000000,"
	    "\"stats\":{\"sent\":0,\"received\":0,\"loss_rate\":0}}}");
	assert_string_equal(strstr(out, "window"), "window 1500ms: 0 sent, "
	    "0 received, 0% loss\n"
	    "no reply from a reflector\n");
	free(out);
}

static void
test_twamp_probe_line(void **state)
{
	json_error_t	 jerr;
	json_t		*j;
	char		 line[256];

	j = json_loads("{\"seq\":3,\"kind\":\"probe\",\"status\":\"ok\","
	    "\"rtt\":1234000,\"ttl\":255,\"forward\":600000,"
	    "\"backward\":634000,\"processing\":1000,"
	    "\"hops\":{\"forward\":0,\"backward\":0}}", 0, &jerr);
	assert_non_null(j);
	fmt_probe(j, line, sizeof(line));
	assert_string_equal(line, "seq=3 rtt=1.234 ms fwd=0.600 ms "
	    "bwd=0.634 ms hops=0/0 ttl=255");
	json_decref(j);

	j = json_loads("{\"seq\":4,\"kind\":\"probe\",\"status\":\"ok\","
	    "\"rtt\":1000,\"ttl\":250,\"forward\":-2000,\"backward\":3000,"
	    "\"hops\":{\"forward\":null,\"backward\":5},"
	    "\"unsynchronized\":true,\"nonconformant\":true}", 0, &jerr);
	assert_non_null(j);
	fmt_probe(j, line, sizeof(line));
	assert_string_equal(line, "seq=4 rtt=0.001 ms fwd=-0.002 ms "
	    "bwd=0.003 ms hops=?/5 ttl=250 unsynchronized nonconformant");
	json_decref(j);

	j = json_loads("{\"seq\":5,\"kind\":\"probe\",\"status\":\"timeout\"}",
	    0, &jerr);
	fmt_probe(j, line, sizeof(line));
	assert_string_equal(line, "seq=5 timeout");
	json_decref(j);
}

static void
test_reflector_table(void **state)
{
	char	*out;

	out = written(fmt_reflector, "{"
	    "\"udp_echo\":{\"up\":true,\"listen\":\"[::]:8081\","
	    "\"received\":4,\"echoed\":3,\"dropped\":1,"
	    "\"drops\":{\"acl\":0,\"rate_source\":1}},"
	    "\"twamp\":{\"up\":true,\"listen\":\"[2001:db8::1]:862\","
	    "\"mode\":\"stateful\",\"received\":10,\"reflected\":7,"
	    "\"dropped\":3,\"drops\":{\"acl\":2,\"malformed\":1},"
	    "\"sessions\":{\"active\":2,\"evicted\":1}},"
	    "\"twamp_control\":{\"up\":false,\"listen\":null,"
	    "\"connections\":{\"accepted\":5,\"active\":1},"
	    "\"sessions\":{\"accepted\":4,\"active\":2,\"received\":9,"
	    "\"reflected\":8,\"dropped\":0,\"drops\":{\"acl\":0}}}}");
	assert_string_equal(out,
	    "LISTENER       ADDRESS           STATE   RECEIVED  REFLECTED"
	    "    DROPPED\n"
	    "udp_echo       [::]:8081         up             4          3"
	    "          1\n"
	    "twamp          [2001:db8::1]:862 up            10          7"
	    "          3\n"
	    "twamp_control  -                 down           9          8"
	    "          0\n"
	    "\n"
	    "drops by reason:\n"
	    "  udp_echo      rate_source 1\n"
	    "  twamp         acl 2, malformed 1\n"
	    "  twamp_control none\n"
	    "\n"
	    "twamp reflector: stateful, 2 sessions active (1 evicted)\n"
	    "twamp control: 1 connections active (5 accepted), 2 test "
	    "sessions active (4 accepted)\n");
	free(out);
}

/* Thresholds: Lopa's two options, --threshold repeated, the webhook. */
static void
test_threshold_options(void **state)
{
	struct parse_result	 res;

	accepts(parser_main(), "ping h --continuous --loss-threshold 5% "
	    "--latency-threshold 150ms --webhook http://192.0.2.9/hook "
	    "--webhook-secret-file /etc/lopa/secret", &res);
	assert_int_equal(res.action, PING);
	assert_true(res.args[ARG_LOSS_THRESHOLD].set);
	assert_true(res.args[ARG_LOSS_THRESHOLD].frac == 0.05);
	assert_int_equal(res.args[ARG_LATENCY_THRESHOLD].dur, 150 * MS);
	assert_string_equal(res.args[ARG_WEBHOOK].str, "http://192.0.2.9/hook");
	assert_string_equal(res.args[ARG_SECRET_FILE].str,
	    "/etc/lopa/secret");
	assert_false(res.args[ARG_THRESHOLD].set);

	/* --threshold again and again: every rule, in order */
	accepts(parser_main(), "udp h --mode continuous "
	    "--threshold loss:above:0.05 --loss-threshold=0.25 "
	    "--threshold=rtt_p99:above:150ms:100ms:3 "
	    "--threshold jitter:below:1ms", &res);
	assert_true(res.args[ARG_THRESHOLD].set);
	assert_int_equal(res.args[ARG_THRESHOLD].n, 3);
	assert_string_equal(res.args[ARG_THRESHOLD].str, "loss:above:0.05");
	assert_string_equal(res.args[ARG_THRESHOLD].strv[0], "loss:above:0.05");
	assert_string_equal(res.args[ARG_THRESHOLD].strv[1],
	    "rtt_p99:above:150ms:100ms:3");
	assert_string_equal(res.args[ARG_THRESHOLD].strv[2],
	    "jitter:below:1ms");
	assert_true(res.args[ARG_LOSS_THRESHOLD].frac == 0.25);

	/* Lopa's --alert-callback-url is --webhook; twamp and stamp too */
	accepts(parser_main(), "tcp h --continuous --alert-callback-url "
	    "https://h/x --threshold rtt_avg:above:1ns", &res);
	assert_string_equal(res.args[ARG_WEBHOOK].str, "https://h/x");
	accepts(parser_main(), "stamp h --continuous --threshold "
	    "forward_p99:above:1ms --threshold backward_p99:above:1ms "
	    "--loss-threshold 1 --webhook http://h/", &res);
	assert_int_equal(res.action, STAMP);
	assert_int_equal(res.args[ARG_THRESHOLD].n, 2);
	assert_true(res.args[ARG_LOSS_THRESHOLD].frac == 1);
	assert_string_equal(res.args[ARG_WEBHOOK].str, "http://h/");
	accepts(parser_main(), "twamp h --continuous --latency-threshold=1ns",
	    &res);
	assert_int_equal(res.args[ARG_LATENCY_THRESHOLD].dur, 1);
}

static void
test_threshold_option_errors(void **state)
{
	struct parse_result	 res;

	refuses(parser_main(), "stamp h --continuous --webhook http://h/ "
	    "--alert-callback-url http://i/", "--alert-callback-url given "
	    "twice");
	refuses(parser_main(), "ping h --loss-threshold 0", "invalid "
	    "argument \"0\" to --loss-threshold: must be above 0");
	refuses(parser_main(), "ping h --loss-threshold 0%", "invalid "
	    "argument \"0%\" to --loss-threshold: must be above 0");
	refuses(parser_main(), "ping h --loss-threshold 101%", "invalid "
	    "argument \"101%\" to --loss-threshold: more than 100%");
	refuses(parser_main(), "ping h --loss-threshold 5", "invalid "
	    "argument \"5\" to --loss-threshold: more than 1 (5% is 0.05)");
	refuses(parser_main(), "twamp h --loss-threshold -0.1", "invalid "
	    "argument \"-0.1\" to --loss-threshold: expected a fraction "
	    "such as 0.05 or a percentage such as 5%");
	refuses(parser_main(), "ping h --loss-threshold 1e-2", "invalid "
	    "argument \"1e-2\" to --loss-threshold: expected a fraction "
	    "such as 0.05 or a percentage such as 5%");
	refuses(parser_main(), "ping h --loss-threshold 0.1 "
	    "--loss-threshold 0.2", "--loss-threshold given twice");
	refuses(parser_main(), "ping h --latency-threshold 0", "invalid "
	    "argument \"0\" to --latency-threshold: too short (minimum 1ns)");
	refuses(parser_main(), "ping h --latency-threshold fast", "invalid "
	    "argument \"fast\" to --latency-threshold: expected a number");
	refuses(parser_main(), "ping h --threshold", "missing argument after "
	    "\"--threshold\"; valid: RULE");
	refuses(parser_main(), "ping h --threshold -f", "invalid argument "
	    "\"-f\" to --threshold: looks like an option");
	/* a rule per metric: six at most */
	accepts(parser_main(), "stamp h --threshold a --threshold b "
	    "--threshold c --threshold d --threshold e --threshold f", &res);
	assert_int_equal(res.args[ARG_THRESHOLD].n, 6);
	refuses(parser_main(), "stamp h --threshold a --threshold b "
	    "--threshold c --threshold d --threshold e --threshold f "
	    "--threshold g", "--threshold given more than 6 times");
	refuses(parser_main(), "ping h --webhook-secret-file",
	    "missing argument after \"--webhook-secret-file\"; valid: FILE");
}

/* What --threshold says, read by probe.c into the API's rule. */
static void
test_threshold_rules(void **state)
{
	struct threshold	 th;
	char			 err[256];

	assert_int_equal(threshold_parse("rtt_p99:above:150ms", &th, err,
	    sizeof(err)), 0);
	assert_string_equal(th.metric, "rtt_p99");
	assert_true(th.time);
	assert_false(th.oneway);
	assert_false(th.below);
	assert_true(th.level == 150 * MS);
	assert_false(th.has_clear);
	assert_int_equal(th.for_n, 0);
	assert_int_equal(th.clear_for, 0);
	assert_int_equal(th.min_samples, 0);
	assert_false(th.has_repeat);

	/* passive: rates per second, with k, M, G, T */
	assert_int_equal(threshold_parse("bps_in:above:1.5G:800M:3", &th, err,
	    sizeof(err)), 0);
	assert_true(th.rate);
	assert_false(th.time);
	assert_true(th.level == 1.5e9);
	assert_true(th.clear == 8e8);
	assert_int_equal(th.for_n, 3);
	assert_int_equal(threshold_parse("drops_in_rate:above:10", &th, err,
	    sizeof(err)), 0);
	assert_true(th.level == 10);
	assert_int_equal(threshold_parse("pps_out:below:2k", &th, err,
	    sizeof(err)), 0);
	assert_true(th.below && th.level == 2000);
	assert_int_equal(threshold_parse("bps_in:above:1X", &th, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "expected a rate per second"));
	assert_int_equal(threshold_parse("bps_in:above:-1", &th, err,
	    sizeof(err)), -1);
	assert_int_equal(threshold_parse("bps_in:above:1kk", &th, err,
	    sizeof(err)), -1);

	/* CLEAR and FOR by position, then by name */
	assert_int_equal(threshold_parse("loss:above:5%:2%:3:clear_for=5:"
	    "min_samples=10:repeat=5m", &th, err, sizeof(err)), 0);
	assert_string_equal(th.metric, "loss");
	assert_false(th.time);
	assert_true(th.level == 0.05);
	assert_true(th.has_clear);
	assert_true(th.clear == 0.02);
	assert_int_equal(th.for_n, 3);
	assert_int_equal(th.clear_for, 5);
	assert_int_equal(th.min_samples, 10);
	assert_true(th.has_repeat);
	assert_int_equal(th.repeat, 300000 * MS);

	/* an empty CLEAR keeps the level; fractions as such; below */
	assert_int_equal(threshold_parse("loss:above:0.5::2", &th, err,
	    sizeof(err)), 0);
	assert_true(th.level == 0.5);
	assert_false(th.has_clear);
	assert_int_equal(th.for_n, 2);
	assert_int_equal(threshold_parse("backward_p99:below:1ms:2ms:"
	    "repeat=0", &th, err, sizeof(err)), 0);
	assert_true(th.oneway);
	assert_true(th.below);
	assert_true(th.level == MS);
	assert_true(th.clear == 2 * MS);
	assert_true(th.has_repeat);
	assert_int_equal(th.repeat, 0);
	assert_int_equal(threshold_parse("jitter:above:1ns:for=2:clear=0",
	    &th, err, sizeof(err)), 0);
	assert_true(th.level == 1);
	assert_true(th.has_clear);
	assert_true(th.clear == 0);
	assert_int_equal(th.for_n, 2);
	assert_int_equal(threshold_parse("forward_p99:above:100000", &th, err,
	    sizeof(err)), 0);
	assert_true(th.level == 100000);
	assert_int_equal(threshold_parse("loss:above:100%:100%", &th, err,
	    sizeof(err)), 0);
	assert_true(th.level == 1);
}

static void
rule_refused(const char *spec, const char *want)
{
	struct threshold	 th;
	char			 err[256];

	if (threshold_parse(spec, &th, err, sizeof(err)) == 0)
		fail_msg("\"%s\" accepted", spec);
	assert_string_equal(err, want);
}

static void
test_threshold_rule_errors(void **state)
{
	rule_refused("rtt_p99", "expected METRIC:above|below:LEVEL"
	    "[:CLEAR[:FOR]]");
	rule_refused("rtt_p99:above", "expected METRIC:above|below:LEVEL"
	    "[:CLEAR[:FOR]]");
	rule_refused("rtt_p99:above:", "missing level");
	rule_refused("rtt:above:1ms", "unknown metric \"rtt\": loss, "
	    "rtt_avg, rtt_p99, jitter, forward_p99, backward_p99, or for "
	    "passive tasks bps_in, bps_out, pps_in, pps_out, errors_in_rate, "
	    "errors_out_rate, drops_in_rate, drops_out_rate");
	rule_refused("rtt_avg:over:1ms", "\"over\": expected above or below");
	rule_refused("rtt_avg:above:5%", "level \"5%\": unknown unit \"%\"");
	rule_refused("loss:above:5ms", "level \"5ms\": expected a fraction "
	    "such as 0.05 or a percentage such as 5%");
	rule_refused("loss:above:120%", "level \"120%\": more than 100%");
	rule_refused("loss:above:5%:6%", "clear is above the level: an above "
	    "rule clears below its level");
	rule_refused("rtt_avg:below:2ms:1ms", "clear is below the level: a "
	    "below rule clears above its level");
	rule_refused("loss:above:5%:x", "clear \"x\": expected a fraction "
	    "such as 0.05 or a percentage such as 5%");
	rule_refused("loss:above:5%::0", "for \"0\": too small (1 to "
	    "1000000)");
	rule_refused("loss:above:5%::1000001", "for \"1000001\": too large "
	    "(1 to 1000000)");
	rule_refused("loss:above:5%:1%:3:4", "\"4\": expected NAME=VALUE "
	    "(clear, for, clear_for, min_samples or repeat)");
	rule_refused("loss:above:5%:min_samples=3:2%", "\"2%\": expected "
	    "NAME=VALUE (clear, for, clear_for, min_samples or repeat)");
	rule_refused("loss:above:5%:1%:clear=1%", "clear given twice");
	rule_refused("loss:above:5%::2:for=3", "for given twice");
	rule_refused("loss:above:5%:clear_for=x", "clear_for \"x\": invalid "
	    "(1 to 1000000)");
	rule_refused("loss:above:5%:window=1s", "unknown field \"window\": "
	    "clear, for, clear_for, min_samples or repeat");
	rule_refused("loss:above:5%:repeat=500ms", "repeat \"500ms\": at "
	    "least 1s (or 0: never)");
	rule_refused("loss:above:5%:repeat=1s:repeat=2s",
	    "repeat given twice");
	rule_refused("loss:above:5%:repeat=", "repeat \"\": empty duration");
}

/* --loss-threshold and rule levels: fractions or percentages. */
static void
test_fraction_parse(void **state)
{
	double	 d;
	char	 why[128];

	assert_int_equal(fraction_parse("0.05", &d, why, sizeof(why)), 0);
	assert_true(d == 0.05);
	assert_int_equal(fraction_parse("5%", &d, why, sizeof(why)), 0);
	assert_true(d == 0.05);
	assert_int_equal(fraction_parse("12.5%", &d, why, sizeof(why)), 0);
	assert_true(d == 0.125);
	assert_int_equal(fraction_parse("1", &d, why, sizeof(why)), 0);
	assert_true(d == 1);
	assert_int_equal(fraction_parse(".5", &d, why, sizeof(why)), 0);
	assert_true(d == 0.5);
	assert_int_equal(fraction_parse("0", &d, why, sizeof(why)), 0);
	assert_true(d == 0);
	assert_int_equal(fraction_parse("", &d, why, sizeof(why)), -1);
	assert_int_equal(fraction_parse("%", &d, why, sizeof(why)), -1);
	assert_int_equal(fraction_parse("5%%", &d, why, sizeof(why)), -1);
	assert_int_equal(fraction_parse("1.2.3", &d, why, sizeof(why)), -1);
	assert_int_equal(fraction_parse("inf", &d, why, sizeof(why)), -1);
	assert_int_equal(fraction_parse("nan", &d, why, sizeof(why)), -1);
	assert_int_equal(fraction_parse("0x1p-3", &d, why, sizeof(why)), -1);
	assert_int_equal(fraction_parse("+0.5", &d, why, sizeof(why)), -1);
	assert_int_equal(fraction_parse("1.0001", &d, why, sizeof(why)), -1);
	assert_string_equal(why, "more than 1 (5% is 0.05)");
}

/* monitor alone, its alias, and the monitors' commands. */
static void
test_monitor_commands(void **state)
{
	struct parse_result	 res;

	accepts(parser_main(), "monitor", &res);
	assert_int_equal(res.action, MONITOR);
	accepts(parser_main(), "events", &res);
	assert_int_equal(res.action, MONITOR);
	refuses(parser_main(), "events x",
	    "unexpected argument \"x\" after \"events\"");
	refuses(parser_main(), "monitor x", "unknown argument \"x\" after "
	    "\"monitor\"; valid: add, list, show, delete, update, events");

	accepts(parser_main(), "monitor list", &res);
	assert_int_equal(res.action, MONITOR_LIST);
	accepts(parser_main(), "monitor show h-3", &res);
	assert_int_equal(res.action, MONITOR_SHOW);
	assert_string_equal(res.args[ARG_ID].str, "h-3");
	accepts(parser_main(), "monitor delete h-3", &res);
	assert_int_equal(res.action, MONITOR_DELETE);
	assert_string_equal(res.args[ARG_ID].str, "h-3");
	accepts(parser_main(), "monitor events h-3", &res);
	assert_int_equal(res.action, MONITOR_EVENTS);
	assert_false(res.args[ARG_LAST].set);
	accepts(parser_main(), "monitor events h-3 --last 5", &res);
	assert_int_equal(res.args[ARG_LAST].num, 5);
	accepts(parser_main(), "monitor events h-3 --last=100000", &res);
	assert_int_equal(res.args[ARG_LAST].num, 100000);

	refuses(parser_main(), "monitor list x",
	    "unexpected argument \"x\" after \"list\"");
	refuses(parser_main(), "monitor show",
	    "missing argument after \"show\"; valid: ID");
	refuses(parser_main(), "monitor delete a b",
	    "unexpected argument \"b\" after \"a\"");
	refuses(parser_main(), "monitor events", "missing argument after "
	    "\"events\"; valid: ID");
	refuses(parser_main(), "monitor events h --last 0", "invalid argument "
	    "\"0\" to --last: too small (minimum 1)");
	refuses(parser_main(), "monitor events h --last 100001", "invalid "
	    "argument \"100001\" to --last: too large (maximum 100000)");
	refuses(parser_main(), "monitor events h --last ten", "invalid "
	    "argument \"ten\" to --last: not a number");
	refuses(parser_main(), "monitor events h --last 1 --last 2",
	    "--last given twice");
}

/* monitor add: every option, and Lopa's --enabled. */
static void
test_monitor_add_options(void **state)
{
	struct parse_result	 res;

	accepts(parser_main(), "monitor add --type route --interface veth* "
	    "--index 5 --prefix 198.18.0.0/15 --table 100 "
	    "--route-dst 2001:db8::/32 --family inet6 --protocol static "
	    "--include-kernel --buffer 500 --name edge --label site=a "
	    "--label role=core --webhook-url http://127.0.0.1:9/h "
	    "--webhook-secret-file /etc/s --disabled", &res);
	assert_int_equal(res.action, MONITOR_ADD);
	assert_string_equal(res.args[ARG_MON_TYPE].str, "route");
	assert_string_equal(res.args[ARG_IFACE].str, "veth*");
	assert_int_equal(res.args[ARG_INDEX].num, 5);
	assert_string_equal(res.args[ARG_PREFIX].str, "198.18.0.0/15");
	assert_int_equal(res.args[ARG_TABLE].num, 100);
	assert_string_equal(res.args[ARG_ROUTE_DST].str, "2001:db8::/32");
	assert_string_equal(res.args[ARG_FAMILY].str, "inet6");
	assert_string_equal(res.args[ARG_PROTOCOL].str, "static");
	assert_int_equal(res.args[ARG_BUFFER].num, 500);
	assert_string_equal(res.args[ARG_NAME].str, "edge");
	assert_int_equal(res.args[ARG_LABEL].n, 2);
	assert_string_equal(res.args[ARG_LABEL].strv[0], "site=a");
	assert_string_equal(res.args[ARG_LABEL].strv[1], "role=core");
	assert_string_equal(res.args[ARG_WEBHOOK].str, "http://127.0.0.1:9/h");
	assert_string_equal(res.args[ARG_SECRET_FILE].str, "/etc/s");
	assert_int_equal(res.flags, F_KERNEL | F_DISABLED);
	assert_false(res.args[ARG_ENABLED].set);

	/* any order; --type last; numbers or names; Lopa's forms */
	accepts(parser_main(), "monitor add --table main --protocol 186 "
	    "--index 0 --family=ipv4 --enabled=false --type=ip", &res);
	assert_string_equal(res.args[ARG_MON_TYPE].str, "ip");
	assert_string_equal(res.args[ARG_TABLE].str, "main");
	assert_true(res.args[ARG_TABLE].set);
	assert_int_equal(res.args[ARG_PROTOCOL].num, 186);
	assert_true(res.args[ARG_INDEX].set);
	assert_int_equal(res.args[ARG_INDEX].num, 0);
	assert_string_equal(res.args[ARG_FAMILY].str, "ipv4");
	assert_string_equal(res.args[ARG_ENABLED].str, "false");
	assert_int_equal(res.flags, 0);
	accepts(parser_main(), "monitor add --type interface --enabled true "
	    "--table 4294967295 --prefix 0.0.0.0/0 --route-dst ::/0", &res);
	assert_string_equal(res.args[ARG_ENABLED].str, "true");
	assert_int_equal(res.args[ARG_TABLE].num, 4294967295LL);
	/* host bits may be set, as ip(8) takes them */
	accepts(parser_main(), "monitor add --type ip --prefix 198.18.1.1/24",
	    &res);
	accepts(parser_main(), "monitor add --type ip --prefix "
	    "2001:db8::1/128", &res);
}

/* monitor update: add's options but --type, and the undoing ones. */
static void
test_monitor_update_options(void **state)
{
	struct parse_result	 res;

	accepts(parser_main(), "monitor update h-3 --prefix 198.18.0.0/24 "
	    "--disable --no-webhook --no-include-kernel --no-labels", &res);
	assert_int_equal(res.action, MONITOR_UPDATE);
	assert_string_equal(res.args[ARG_ID].str, "h-3");
	assert_string_equal(res.args[ARG_PREFIX].str, "198.18.0.0/24");
	assert_int_equal(res.flags, F_DISABLE | F_NO_WEBHOOK | F_NO_KERNEL |
	    F_NO_LABELS);
	accepts(parser_main(), "monitor update h-3 --no-filter --enable "
	    "--name x --buffer 1 --include-kernel --label a=b "
	    "--webhook-url https://h/ --webhook-secret-file f --disabled "
	    "--enabled false", &res);
	assert_int_equal(res.flags, F_NO_FILTER | F_ENABLE | F_KERNEL |
	    F_DISABLED);
	assert_int_equal(res.args[ARG_BUFFER].num, 1);
	assert_string_equal(res.args[ARG_ENABLED].str, "false");
	accepts(parser_main(), "monitor update h-3", &res);
	assert_int_equal(res.flags, 0);

	/* an option's argument leads back to update's options, not add's */
	refuses(parser_main(), "monitor update h-3 --table 5 --type ip",
	    "unknown argument \"--type\" after \"5\"; valid: "
	    "--interface NAME, --index N, --prefix CIDR, --table TABLE, "
	    "--route-dst CIDR, --family inet|inet6, --protocol PROTO, "
	    "--no-filter, --include-kernel, --no-include-kernel, --buffer N, "
	    "--name NAME, --label KEY=VALUE, --no-labels, --webhook-url URL, "
	    "--webhook-secret-file FILE, --no-webhook, --enable, --disable, "
	    "--disabled");
	refuses(parser_main(), "monitor add --type ip --table 5 --enable",
	    "unknown argument \"--enable\" after \"5\"; valid: "
	    "--type interface|ip|route, --interface NAME, --index N, "
	    "--prefix CIDR, --table TABLE, --route-dst CIDR, "
	    "--family inet|inet6, --protocol PROTO, --include-kernel, "
	    "--buffer N, --name NAME, --label KEY=VALUE, --webhook-url URL, "
	    "--webhook-secret-file FILE, --disabled");
	refuses(parser_main(), "monitor update", "missing argument after "
	    "\"update\"; valid: ID");
	refuses(parser_main(), "monitor update --enable", "invalid ID "
	    "\"--enable\": looks like an option");
}

/* Bad values: a message that names the option, the word and why. */
static void
test_monitor_errors(void **state)
{
	refuses(parser_main(), "monitor add",
	    "missing option --type interface|ip|route");
	refuses(parser_main(), "monitor add --name x",
	    "missing option --type interface|ip|route");
	refuses(parser_main(), "monitor add --type link", "invalid argument "
	    "\"link\" to --type: expected interface, ip or route");
	refuses(parser_main(), "monitor add --type", "missing argument after "
	    "\"--type\"; valid: interface|ip|route");
	refuses(parser_main(), "monitor add --type ip --type route",
	    "--type given twice");

	refuses(parser_main(), "monitor add --type ip --prefix 198.18.0.0",
	    "invalid argument \"198.18.0.0\" to --prefix: expected "
	    "ADDRESS/LENGTH, such as 198.18.0.0/15 or 2001:db8::/32");
	refuses(parser_main(), "monitor add --type ip --prefix 198.18.0.0/33",
	    "invalid argument \"198.18.0.0/33\" to --prefix: prefix length "
	    "\"33\" is too large (0 to 32 for IPv4)");
	refuses(parser_main(), "monitor add --type ip --prefix 2001:db8::/129",
	    "invalid argument \"2001:db8::/129\" to --prefix: prefix length "
	    "\"129\" is too large (0 to 128 for IPv6)");
	refuses(parser_main(), "monitor add --type ip --prefix 198.18.0.256/24",
	    "invalid argument \"198.18.0.256/24\" to --prefix: "
	    "\"198.18.0.256\" is not an IPv4 or IPv6 address");
	refuses(parser_main(), "monitor add --type ip --prefix eth0/24",
	    "invalid argument \"eth0/24\" to --prefix: \"eth0\" is not an "
	    "IPv4 or IPv6 address");
	refuses(parser_main(), "monitor add --type route --route-dst 10/8",
	    "invalid argument \"10/8\" to --route-dst: \"10\" is not an IPv4 "
	    "or IPv6 address");
	refuses(parser_main(), "monitor add --type route --route-dst 10.0.0.0/",
	    "invalid argument \"10.0.0.0/\" to --route-dst: prefix length "
	    "\"\" is not a number");
	refuses(parser_main(), "monitor add --type route --route-dst "
	    "10.0.0.0/+8", "invalid argument \"10.0.0.0/+8\" to --route-dst: "
	    "prefix length \"+8\" is not a number");
	refuses(parser_main(), "monitor add --type route --route-dst "
	    "10.0.0.0/8x", "invalid argument \"10.0.0.0/8x\" to --route-dst: "
	    "prefix length \"8x\" is invalid (0 to 32 for IPv4)");
	refuses(parser_main(), "monitor update h --route-dst default",
	    "invalid argument \"default\" to --route-dst: expected "
	    "ADDRESS/LENGTH, such as 198.18.0.0/15 or 2001:db8::/32");

	refuses(parser_main(), "monitor add --type ip --index -1",
	    "invalid argument \"-1\" to --index: too small (minimum 0)");
	refuses(parser_main(), "monitor add --type ip --index eth0",
	    "invalid argument \"eth0\" to --index: not a number");
	refuses(parser_main(), "monitor add --type ip --index 2147483648",
	    "invalid argument \"2147483648\" to --index: too large "
	    "(maximum 2147483647)");
	refuses(parser_main(), "monitor add --type ip --buffer 0",
	    "invalid argument \"0\" to --buffer: too small (minimum 1)");
	refuses(parser_main(), "monitor add --type ip --buffer 100001",
	    "invalid argument \"100001\" to --buffer: too large "
	    "(maximum 100000)");
	refuses(parser_main(), "monitor add --type route --table 4294967296",
	    "invalid argument \"4294967296\" to --table: too large "
	    "(maximum 4294967295)");
	refuses(parser_main(), "monitor add --type route --table 1x",
	    "invalid argument \"1x\" to --table: not a number");
	refuses(parser_main(), "monitor add --type route --table mian",
	    "invalid argument \"mian\" to --table: expected main, local or "
	    "default (or a number)");
	refuses(parser_main(), "monitor add --type route --protocol 256",
	    "invalid argument \"256\" to --protocol: too large (maximum 255)");
	refuses(parser_main(), "monitor add --type route --protocol ospf3",
	    "invalid argument \"ospf3\" to --protocol: expected unspec, "
	    "redirect, kernel, boot, static, gated, ra, mrt, zebra, bird, "
	    "dnrouted, xorp, ntk, dhcp, mrouted, keepalived, babel, openr, "
	    "bgp, isis, ospf, rip or eigrp (or a number)");
	refuses(parser_main(), "monitor add --type ip --family ip4",
	    "invalid argument \"ip4\" to --family: expected inet or inet6");
	refuses(parser_main(), "monitor add --type ip --enabled yes",
	    "invalid argument \"yes\" to --enabled: expected true or false");
	refuses(parser_main(), "monitor add --type ip --interface -x",
	    "invalid argument \"-x\" to --interface: looks like an option");
	refuses(parser_main(), "monitor add --type ip --disabled --disabled",
	    "--disabled given twice");
	refuses(parser_main(), "monitor add --type ip --label a=1 --label b=2 "
	    "--label c=3 --label d=4 --label e=5 --label f=6 --label g=7 "
	    "--label h=8 --label i=9 --label j=10 --label k=11 --label l=12 "
	    "--label m=13 --label n=14 --label o=15 --label p=16 "
	    "--label q=17", "--label given more than 16 times");
}

/* The walker's parts that the monitors' grammar uses, on a test grammar. */
static void
test_shared_option_tables(void **state)
{
	struct parse_result	 res;

	accepts(t_bmain, "add --kind a --n 5 --off", &res);
	assert_int_equal(res.action, STATUS);
	assert_string_equal(res.args[ARG_MON_TYPE].str, "a");
	assert_int_equal(res.args[ARG_TABLE].num, 5);
	assert_int_equal(res.flags, F_DISABLED);
	accepts(t_bmain, "add --n main --on false --off --kind=b", &res);
	assert_string_equal(res.args[ARG_TABLE].str, "main");
	assert_string_equal(res.args[ARG_ENABLED].str, "false");
	accepts(t_bmain, "set x --n=local --enable --on true", &res);
	assert_int_equal(res.action, RELOAD);
	assert_string_equal(res.args[ARG_TABLE].str, "local");
	assert_int_equal(res.flags, F_ENABLE);

	/* BACK leads to the table of the command being parsed */
	refuses(t_bmain, "set x --n 5 --off", "unknown argument \"--off\" "
	    "after \"5\"; valid: --n N, --enable");
	refuses(t_bmain, "add --kind a --n 5 --enable", "unknown argument "
	    "\"--enable\" after \"5\"; valid: --kind a|b, --n N, --off");
	/* a required option, wherever the command ends */
	refuses(t_bmain, "add", "missing option --kind a|b");
	refuses(t_bmain, "add --n 5 --off", "missing option --kind a|b");
	accepts(t_bmain, "set x", &res);
	/* a number's reason for a number, the name's for a name */
	refuses(t_bmain, "add --n 101", "invalid argument \"101\" to --n: "
	    "too large (maximum 100)");
	refuses(t_bmain, "add --n -3", "invalid argument \"-3\" to --n: "
	    "too small (minimum 0)");
	refuses(t_bmain, "add --n 1x", "invalid argument \"1x\" to --n: "
	    "not a number");
	refuses(t_bmain, "add --n mian", "invalid argument \"mian\" to --n: "
	    "expected main or local (or a number)");
	refuses(t_bmain, "add --n 1 --n main", "--n given twice");

	commands_text(t_bmain, "\tadd --kind a|b [--n N] [--off]\n"
	    "\tset ID [--n N] [--enable]\n");
	/* an alias two commands have alike: once */
	aliases_text(t_bmain, "\t--on true|false\n");
}

static void
test_cidr_parse(void **state)
{
	static const char *const good[] = {
		"0.0.0.0/0", "198.18.0.0/15", "198.18.1.1/32", "::/0",
		"2001:db8::/32", "2001:db8::1/128", "::ffff:198.18.0.1/96",
		"10.0.0.0/08"
	};
	static const struct {
		const char	*word;
		const char	*why;
	} bad[] = {
		{ "198.18.0.1", "expected ADDRESS/LENGTH, such as "
		    "198.18.0.0/15 or 2001:db8::/32" },
		{ "", "expected ADDRESS/LENGTH, such as 198.18.0.0/15 or "
		    "2001:db8::/32" },
		{ "/24", "\"\" is not an IPv4 or IPv6 address" },
		{ "198.18.0/24", "\"198.18.0\" is not an IPv4 or IPv6 "
		    "address" },
		{ "198.18.0.0/-1", "prefix length \"-1\" is not a number" },
		{ "198.18.0.0/ 8", "prefix length \" 8\" is not a number" },
		{ "198.18.0.0/24/", "prefix length \"24/\" is invalid (0 to 32 "
		    "for IPv4)" },
		{ "2001:db8::/999999999999999999999", "prefix length "
		    "\"999999999999999999999\" is too large (0 to 128 for "
		    "IPv6)" },
		{ "2001:db8::g/64", "\"2001:db8::g\" is not an IPv4 or IPv6 "
		    "address" },
		{ "fe80::1%eth0/64", "\"fe80::1%eth0\" is not an IPv4 or IPv6 "
		    "address" },
	};
	char	 why[256];
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (cidr_parse(good[i], why, sizeof(why)) != 0)
			fail_msg("%s refused: %s", good[i], why);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cidr_parse(bad[i].word, why, sizeof(why)) != -1)
			fail_msg("%s accepted", bad[i].word);
		assert_string_equal(why, bad[i].why);
	}
}

static json_t *
json_of(const char *text)
{
	json_error_t	 jerr;
	json_t		*j;

	if ((j = json_loads(text, 0, &jerr)) == NULL)
		fail_msg("bad JSON in the test: %s", jerr.text);
	return (j);
}

/* An "alert" event (lopad's task_alert_json) as a line. */
static void
test_alert_lines(void **state)
{
	json_t	*j;
	char	 line[256];

	j = json_of("{\"event\":\"alert\",\"task_id\":\"vm-3\","
	    "\"target\":\"192.0.2.7\",\"reason\":\"loss\","
	    "\"threshold\":\"5.00%\",\"metric\":\"loss\","
	    "\"repeat\":false,\"value\":0.12,\"threshold_value\":0.05,"
	    "\"clear_value\":0.02,\"direction\":\"above\"}");
	fmt_alert(j, line, sizeof(line));
	assert_string_equal(line, "ALERT loss 12.00% >= 5.00%");
	fmt_event("alert", j, line, sizeof(line));
	assert_string_equal(line, "task vm-3 ALERT loss 12.00% >= 5.00%, "
	    "target 192.0.2.7");
	json_decref(j);

	j = json_of("{\"event\":\"recovery\",\"metric\":\"loss\","
	    "\"repeat\":false,\"value\":0.0,\"threshold_value\":0.05,"
	    "\"clear_value\":0.05,\"direction\":\"above\","
	    "\"recovered_from_value\":0.12}");
	fmt_alert(j, line, sizeof(line));
	assert_string_equal(line, "RECOVERY loss 0.00% < 5.00% "
	    "(worst 12.00%)");
	json_decref(j);

	/* times: the value as the probe lines show it, the level exact */
	j = json_of("{\"event\":\"alert\",\"metric\":\"rtt_p99\","
	    "\"repeat\":true,\"value\":151234567,"
	    "\"threshold_value\":150000000,\"clear_value\":100000000,"
	    "\"direction\":\"above\"}");
	fmt_alert(j, line, sizeof(line));
	assert_string_equal(line, "ALERT rtt_p99 151.235 ms >= 150 ms "
	    "(repeat)");
	json_decref(j);

	j = json_of("{\"event\":\"alert\",\"metric\":\"rtt_avg\","
	    "\"repeat\":false,\"value\":31234,\"threshold_value\":1,"
	    "\"clear_value\":1,\"direction\":\"above\"}");
	fmt_alert(j, line, sizeof(line));
	assert_string_equal(line, "ALERT rtt_avg 0.031 ms >= 0.000001 ms");
	json_decref(j);

	/* low is bad: <= to alert, > to recover */
	j = json_of("{\"event\":\"recovery\",\"metric\":\"backward_p99\","
	    "\"value\":3000000,\"threshold_value\":1000000,"
	    "\"clear_value\":2500000,\"direction\":\"below\","
	    "\"recovered_from_value\":-250000}");
	fmt_alert(j, line, sizeof(line));
	assert_string_equal(line, "RECOVERY backward_p99 3.000 ms > 2.5 ms "
	    "(worst -0.250 ms)");
	json_decref(j);
	j = json_of("{\"event\":\"alert\",\"metric\":\"jitter\","
	    "\"value\":null,\"threshold_value\":1000000,"
	    "\"direction\":\"below\"}");
	fmt_alert(j, line, sizeof(line));
	assert_string_equal(line, "ALERT jitter - <= 1 ms");
	json_decref(j);
}

/* monitor's lines, but for the time before them. */
static void
test_event_lines(void **state)
{
	json_t	*j;
	char	 line[256];

	j = json_of("{\"status\":\"running\",\"task_id\":\"vm-3\"}");
	fmt_event("state", j, line, sizeof(line));
	assert_string_equal(line, "task vm-3 running");
	json_decref(j);
	j = json_of("{\"status\":\"failed\",\"task_id\":\"vm-4\","
	    "\"error\":\"no route\\nto host\"}");
	fmt_event("state", j, line, sizeof(line));
	assert_string_equal(line, "task vm-4 failed: no route?to host");
	json_decref(j);
	j = json_of("{\"task_id\":\"vm-5\"}");
	fmt_event("deleted", j, line, sizeof(line));
	assert_string_equal(line, "deleted task vm-5");
	json_decref(j);
	j = json_of("{\"iface\":\"eth0\"}");
	fmt_event("link\x1b", j, line, sizeof(line));
	assert_string_equal(line, "link?");
	json_decref(j);
}

/* One monitor event's DETAIL (the spec's event objects). */
static void
detail_is(const char *ev, const char *want)
{
	json_t	*j;
	char	 line[512];

	j = json_of(ev);
	fmt_monitor_detail(j, line, sizeof(line));
	assert_string_equal(line, want);
	json_decref(j);
}

static void
test_monitor_detail(void **state)
{
	/* add and delete: the object as ip(8) names it */
	detail_is("{\"type\":\"interface\",\"change\":\"add\","
	    "\"detail\":{\"index\":5,\"name\":\"veth0\","
	    "\"flags\":\"up|broadcast|multicast|running\",\"mtu\":1500,"
	    "\"oper_state\":\"up\",\"kind\":\"veth\"},"
	    "\"new\":{\"index\":5,\"name\":\"veth0\"}}",
	    "veth0 index 5 up mtu 1500");
	/* an unknown operational state: the administrative one */
	detail_is("{\"type\":\"interface\",\"change\":\"delete\","
	    "\"detail\":{\"index\":1,\"name\":\"lo\",\"flags\":"
	    "\"loopback|running\",\"mtu\":65536,\"oper_state\":"
	    "\"unknown\"}}", "lo index 1 down mtu 65536");
	detail_is("{\"type\":\"interface\",\"change\":\"add\","
	    "\"detail\":{\"index\":7,\"flags\":\"broadcast|up\"}}",
	    "index 7 up");
	detail_is("{\"type\":\"ip\",\"change\":\"add\",\"detail\":"
	    "{\"interface_index\":5,\"interface_name\":\"veth0\","
	    "\"address\":\"198.18.1.1\",\"prefix_len\":24,"
	    "\"family\":\"inet\",\"scope\":\"global\","
	    "\"flags\":[\"permanent\"]}}", "198.18.1.1/24 dev veth0");
	detail_is("{\"type\":\"ip\",\"change\":\"delete\",\"detail\":"
	    "{\"interface_index\":6,\"address\":\"2001:db8::1\","
	    "\"prefix_len\":64}}", "2001:db8::1/64 ifindex 6");
	detail_is("{\"type\":\"route\",\"change\":\"add\",\"detail\":"
	    "{\"table\":100,\"dst\":\"10.0.0.0/8\",\"gw\":\"198.18.0.1\","
	    "\"link_index\":5,\"interface_name\":\"veth0\","
	    "\"protocol\":4,\"protocol_name\":\"static\",\"metric\":10,"
	    "\"type\":\"unicast\",\"family\":\"inet\"}}",
	    "10.0.0.0/8 via 198.18.0.1 dev veth0 table 100 metric 10");
	/* main goes without saying; a type not unicast comes first */
	detail_is("{\"type\":\"route\",\"change\":\"delete\","
	    "\"detail\":{\"table\":254,\"dst\":\"default\","
	    "\"gw\":\"198.18.0.1\",\"link_index\":5,"
	    "\"interface_name\":\"veth0\"}}",
	    "default via 198.18.0.1 dev veth0");
	detail_is("{\"type\":\"route\",\"change\":\"add\",\"detail\":"
	    "{\"table\":254,\"dst\":\"198.18.9.0/24\","
	    "\"type\":\"blackhole\"}}", "blackhole 198.18.9.0/24");
	detail_is("{\"type\":\"route\",\"change\":\"add\",\"detail\":"
	    "{\"table\":254,\"dst\":\"198.18.8.0/24\",\"nexthops\":["
	    "{\"gw\":\"198.18.0.1\",\"link_index\":5,\"weight\":1},"
	    "{\"gw\":\"198.18.0.3\",\"link_index\":6,\"weight\":2}]}}",
	    "198.18.8.0/24 nexthop via 198.18.0.1 ifindex 5 nexthop via "
	    "198.18.0.3 ifindex 6 weight 2");
	/* no detail (Lopa's add had one): new, or old for a delete */
	detail_is("{\"type\":\"ip\",\"change\":\"delete\",\"old\":"
	    "{\"address\":\"198.18.1.1\",\"prefix_len\":24,"
	    "\"interface_name\":\"veth0\"}}", "198.18.1.1/24 dev veth0");

	/* update: the object's key, then each attribute old->new */
	detail_is("{\"type\":\"interface\",\"change\":\"update\","
	    "\"detail\":{\"index\":5,\"name\":\"veth0\",\"mtu\":1400},"
	    "\"old\":{\"mtu\":1500},\"new\":{\"mtu\":1400}}",
	    "veth0: mtu 1500->1400");
	detail_is("{\"type\":\"interface\",\"change\":\"update\","
	    "\"detail\":{\"index\":5,\"name\":\"veth0\"},"
	    "\"old\":{\"flags\":\"up|broadcast\",\"oper_state\":\"up\"},"
	    "\"new\":{\"flags\":\"broadcast\",\"oper_state\":\"down\"}}",
	    "veth0: flags up|broadcast->broadcast, oper_state up->down");
	detail_is("{\"type\":\"interface\",\"change\":\"update\","
	    "\"detail\":{\"index\":5,\"name\":\"b\"},"
	    "\"old\":{\"name\":\"a\"},\"new\":{\"name\":\"b\"}}",
	    "b: name a->b");
	detail_is("{\"type\":\"route\",\"change\":\"update\","
	    "\"detail\":{\"table\":100,\"dst\":\"10.0.0.0/8\","
	    "\"gw\":\"198.18.0.2\",\"metric\":10},"
	    "\"old\":{\"gw\":\"198.18.0.1\"},"
	    "\"new\":{\"gw\":\"198.18.0.2\"}}",
	    "10.0.0.0/8 table 100 metric 10: gw 198.18.0.1->198.18.0.2");
	/* an attribute that came or went; arrays; control characters */
	detail_is("{\"type\":\"ip\",\"change\":\"update\",\"detail\":"
	    "{\"address\":\"198.18.1.1\",\"prefix_len\":24,"
	    "\"interface_name\":\"veth0\"},\"old\":{\"flags\":"
	    "[\"permanent\"],\"label\":\"veth0:1\"},\"new\":{\"flags\":"
	    "[\"permanent\",\"noprefixroute\"],\"peer\":\"x\\ny\"}}",
	    "198.18.1.1/24 dev veth0: flags permanent->permanent,noprefixroute, "
	    "peer none->x?y, label veth0:1->none");
	detail_is("{\"type\":\"route\",\"change\":\"update\","
	    "\"detail\":{\"table\":254,\"dst\":\"198.18.8.0/24\"},"
	    "\"old\":{\"nexthops\":[{\"gw\":\"198.18.0.1\","
	    "\"weight\":1}]},\"new\":{\"nexthops\":[]}}",
	    "198.18.8.0/24: nexthops {gw=198.18.0.1 weight=1}->none");
	detail_is("{\"type\":\"interface\",\"change\":\"update\","
	    "\"detail\":{\"index\":5,\"name\":\"veth0\"}}",
	    "veth0: changed");
	detail_is("{\"type\":\"interface\",\"change\":\"update\","
	    "\"detail\":{\"name\":\"v\"},\"new\":{\"x\":[[[[[1]]]]]}}",
	    "v: x none->...");

	detail_is("{\"type\":\"route\",\"change\":\"resync\","
	    "\"detail\":{\"reason\":\"netlink overrun\",\"changes\":3}}",
	    "resync (3 changes)");
	detail_is("{\"type\":\"ip\",\"change\":\"resync\","
	    "\"detail\":{\"reason\":\"netlink overrun\",\"changes\":1}}",
	    "resync (1 change)");
}

/* The live stream's line of a monitor event; the AT column. */
static void
test_monitor_lines(void **state)
{
	json_t	*j;
	char	 line[512];

	j = json_of("{\"id\":\"evt-1-2\",\"task_id\":\"h-4\","
	    "\"monitor_id\":\"h-4\",\"type\":\"interface\","
	    "\"change\":\"update\",\"at\":\"2026-12-02T06:00:00.123456789Z\","
	    "\"detail\":{\"index\":5,\"name\":\"veth0\",\"mtu\":1400},"
	    "\"old\":{\"mtu\":1500},\"new\":{\"mtu\":1400}}");
	fmt_event("monitor", j, line, sizeof(line));
	assert_string_equal(line,
	    "monitor h-4 interface update veth0: mtu 1500->1400");
	fmt_time_ms(j, "at", line, sizeof(line));
	assert_string_equal(line, "2026-12-02T06:00:00.123Z");
	json_decref(j);
	/* Lopa's events have task_id only */
	j = json_of("{\"task_id\":\"h-5\",\"type\":\"route\","
	    "\"change\":\"resync\",\"detail\":{\"changes\":2},"
	    "\"at\":\"2026-12-02T06:00:01Z\"}");
	fmt_event("monitor", j, line, sizeof(line));
	assert_string_equal(line, "monitor h-5 route resync resync "
	    "(2 changes)");
	fmt_time_ms(j, "at", line, sizeof(line));
	assert_string_equal(line, "2026-12-02T06:00:01.000Z");
	json_decref(j);
	j = json_of("{\"a\":\"2026-12-02T06:00:01.5+01:00\","
	    "\"b\":\"yesterday\"}");
	fmt_time_ms(j, "a", line, sizeof(line));
	assert_string_equal(line, "2026-12-02T06:00:01.500+01:00");
	fmt_time_ms(j, "b", line, sizeof(line));
	assert_string_equal(line, "yesterday");
	fmt_time_ms(j, "c", line, sizeof(line));
	assert_string_equal(line, "-");
	json_decref(j);
}

static void
test_level_text(void **state)
{
	json_t	*j;
	char	 buf[64];

	j = json_of("[0.05, 1, 0, 150000000, 1, 1500000, -2, 123456789012, "
	    "null, 0.0]");
	fmt_level(json_array_get(j, 0), 0, buf, sizeof(buf));
	assert_string_equal(buf, "5.00%");
	fmt_level(json_array_get(j, 1), 0, buf, sizeof(buf));
	assert_string_equal(buf, "100.00%");
	fmt_level(json_array_get(j, 2), 1, buf, sizeof(buf));
	assert_string_equal(buf, "0 ms");
	fmt_level(json_array_get(j, 3), 1, buf, sizeof(buf));
	assert_string_equal(buf, "150 ms");
	fmt_level(json_array_get(j, 4), 1, buf, sizeof(buf));
	assert_string_equal(buf, "0.000001 ms");
	fmt_level(json_array_get(j, 5), 1, buf, sizeof(buf));
	assert_string_equal(buf, "1.5 ms");
	fmt_level(json_array_get(j, 6), 1, buf, sizeof(buf));
	assert_string_equal(buf, "-0.000002 ms");
	fmt_level(json_array_get(j, 7), 1, buf, sizeof(buf));
	assert_string_equal(buf, "123456.789012 ms");
	fmt_level(json_array_get(j, 8), 1, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	fmt_level(json_array_get(j, 9), 0, buf, sizeof(buf));
	assert_string_equal(buf, "0.00%");
	json_decref(j);
}

/* show interfaces [NAME], show routes [--table] [--family] [--kernel] */
static void
test_show_commands(void **state)
{
	struct parse_result	 res;

	accepts(parser_main(), "show interfaces", &res);
	assert_int_equal(res.action, SHOW_INTERFACES);
	assert_false(res.args[ARG_IFACE].set);
	accepts(parser_main(), "show interfaces vA", &res);
	assert_int_equal(res.action, SHOW_INTERFACES);
	assert_string_equal(res.args[ARG_IFACE].str, "vA");
	accepts(parser_main(), "show interfaces v[AC]*", &res);
	assert_string_equal(res.args[ARG_IFACE].str, "v[AC]*");

	accepts(parser_main(), "show routes", &res);
	assert_int_equal(res.action, SHOW_ROUTES);
	assert_false(res.args[ARG_TABLE].set);
	assert_false(res.args[ARG_FAMILY].set);
	assert_int_equal(res.flags, 0);
	accepts(parser_main(), "show routes --table 100 --family inet6 "
	    "--kernel", &res);
	assert_int_equal(res.args[ARG_TABLE].num, 100);
	assert_string_equal(res.args[ARG_FAMILY].str, "inet6");
	assert_int_equal(res.flags, F_KERNEL);
	/* any order; a name or a number; "all"; --opt=value */
	accepts(parser_main(), "show routes --kernel --family=ipv4 "
	    "--table=all", &res);
	assert_string_equal(res.args[ARG_TABLE].str, "all");
	assert_string_equal(res.args[ARG_FAMILY].str, "ipv4");
	assert_int_equal(res.flags, F_KERNEL);
	accepts(parser_main(), "show routes --table main", &res);
	assert_string_equal(res.args[ARG_TABLE].str, "main");
	accepts(parser_main(), "show routes --table local", &res);
	assert_string_equal(res.args[ARG_TABLE].str, "local");
	accepts(parser_main(), "show routes --table default", &res);
	assert_string_equal(res.args[ARG_TABLE].str, "default");
	accepts(parser_main(), "show routes --table 0", &res);
	assert_true(res.args[ARG_TABLE].set);
	assert_int_equal(res.args[ARG_TABLE].num, 0);
	accepts(parser_main(), "show routes --table 4294967295", &res);
	assert_int_equal(res.args[ARG_TABLE].num, 4294967295LL);

	refuses(parser_main(), "show", "missing argument after \"show\"; "
	    "valid: interfaces, routes");
	refuses(parser_main(), "show links", "unknown argument \"links\" "
	    "after \"show\"; valid: interfaces, routes");
	/* no abbreviations */
	refuses(parser_main(), "show route", "unknown argument \"route\" "
	    "after \"show\"; valid: interfaces, routes");
	refuses(parser_main(), "show interfaces vA vB",
	    "unexpected argument \"vB\" after \"vA\"");
	refuses(parser_main(), "show interfaces -j",
	    "invalid NAME \"-j\": looks like an option");
	refuses(parser_main(), "show routes vA", "unknown argument \"vA\" "
	    "after \"routes\"; valid: --table TABLE, --family inet|inet6, "
	    "--kernel");
	refuses(parser_main(), "show routes --include-kernel", "unknown "
	    "argument \"--include-kernel\" after \"routes\"; valid: "
	    "--table TABLE, --family inet|inet6, --kernel");
	refuses(parser_main(), "show routes --table", "missing argument "
	    "after \"--table\"; valid: TABLE, main|local|default|all");
	refuses(parser_main(), "show routes --table mian", "invalid argument "
	    "\"mian\" to --table: expected main, local, default or all "
	    "(or a number)");
	refuses(parser_main(), "show routes --table -1", "invalid argument "
	    "\"-1\" to --table: too small (minimum 0)");
	refuses(parser_main(), "show routes --table 4294967296", "invalid "
	    "argument \"4294967296\" to --table: too large "
	    "(maximum 4294967295)");
	refuses(parser_main(), "show routes --family ip4", "invalid argument "
	    "\"ip4\" to --family: expected inet or inet6");
	refuses(parser_main(), "show routes --table 1 --table main",
	    "--table given twice");
	refuses(parser_main(), "show routes --kernel --kernel",
	    "--kernel given twice");
	/* --family leads back to show routes' options, not monitor's */
	refuses(parser_main(), "show routes --family inet --prefix "
	    "198.18.0.0/15", "unknown argument \"--prefix\" after \"inet\"; "
	    "valid: --table TABLE, --family inet|inet6, --kernel");
	refuses(parser_main(), "monitor add --type route --family inet "
	    "--kernel", "unknown argument \"--kernel\" after \"inet\"; "
	    "valid: --type interface|ip|route, --interface NAME, --index N, "
	    "--prefix CIDR, --table TABLE, --route-dst CIDR, "
	    "--family inet|inet6, --protocol PROTO, --include-kernel, "
	    "--buffer N, --name NAME, --label KEY=VALUE, --webhook-url URL, "
	    "--webhook-secret-file FILE, --disabled");
}

/* A route of GET /api/v1/routes as a line; links names next hops. */
static void
route_is(const char *route, const char *links, const char *want)
{
	json_t	*r, *l = NULL, *nh;
	char	 line[1024];
	size_t	 i;

	r = json_of(route);
	if (links != NULL)
		l = json_of(links);
	fmt_route(r, l, line, sizeof(line));
	json_array_foreach(json_object_get(r, "nexthops"), i, nh) {
		fmt_append(line, sizeof(line), "|");
		fmt_nexthop(nh, l, line + strlen(line),
		    sizeof(line) - strlen(line));
	}
	assert_string_equal(line, want);
	json_decref(l);
	json_decref(r);
}

static void
test_route_lines(void **state)
{
	static const char links[] = "[{\"index\":1,\"name\":\"lo\"},"
	    "{\"index\":3,\"name\":\"vA\"},{\"index\":4,\"name\":\"vC\"}]";

	/* lopad's objects; the fields ip(8) leaves out, left out */
	route_is("{\"table\":100,\"dst\":\"10.0.0.0/8\",\"gw\":\"198.18.1.2\","
	    "\"link_index\":3,\"interface_name\":\"vA\",\"protocol\":4,"
	    "\"protocol_name\":\"static\",\"family\":\"inet\",\"metric\":10,"
	    "\"type\":\"unicast\",\"scope\":\"global\",\"kernel\":false}", NULL,
	    "10.0.0.0/8 via 198.18.1.2 dev vA table 100 proto static "
	    "metric 10");
	route_is("{\"table\":254,\"dst\":\"198.18.1.0/24\",\"link_index\":3,"
	    "\"interface_name\":\"vA\",\"protocol\":2,\"protocol_name\":"
	    "\"kernel\",\"family\":\"inet\",\"metric\":0,\"type\":\"unicast\","
	    "\"scope\":\"link\",\"prefsrc\":\"198.18.1.1\",\"kernel\":false}",
	    NULL, "198.18.1.0/24 dev vA proto kernel scope link "
	    "src 198.18.1.1");
	route_is("{\"table\":254,\"dst\":\"default\",\"gw\":\"198.18.1.2\","
	    "\"link_index\":3,\"interface_name\":\"vA\",\"protocol\":3,"
	    "\"protocol_name\":\"boot\",\"family\":\"inet\",\"metric\":0,"
	    "\"type\":\"unicast\",\"scope\":\"global\"}", NULL,
	    "default via 198.18.1.2 dev vA");
	/* a type but unicast first, a host route without /32 or /128 */
	route_is("{\"table\":255,\"dst\":\"198.18.1.255/32\",\"link_index\":3,"
	    "\"interface_name\":\"vA\",\"protocol\":2,\"protocol_name\":"
	    "\"kernel\",\"family\":\"inet\",\"metric\":0,\"type\":"
	    "\"broadcast\",\"scope\":\"link\",\"prefsrc\":\"198.18.1.1\","
	    "\"flags\":[\"linkdown\"],\"kernel\":true}", NULL,
	    "broadcast 198.18.1.255 dev vA table local proto kernel scope link "
	    "src 198.18.1.1 linkdown");
	route_is("{\"table\":255,\"dst\":\"::1/128\",\"link_index\":1,"
	    "\"interface_name\":\"lo\",\"protocol\":2,\"protocol_name\":"
	    "\"kernel\",\"family\":\"inet6\",\"metric\":0,\"type\":\"local\","
	    "\"scope\":\"global\",\"pref\":\"medium\",\"kernel\":true}", NULL,
	    "local ::1 dev lo table local proto kernel metric 0 pref medium");
	route_is("{\"table\":254,\"dst\":\"198.18.99.0/24\",\"link_index\":0,"
	    "\"protocol\":3,\"protocol_name\":\"boot\",\"family\":\"inet\","
	    "\"metric\":0,\"type\":\"blackhole\",\"scope\":\"global\"}", NULL,
	    "blackhole 198.18.99.0/24");
	route_is("{\"table\":253,\"dst\":\"2001:db8:9::/48\",\"src\":"
	    "\"2001:db8:1::/64\",\"gw\":\"fe80::1\",\"link_index\":3,"
	    "\"protocol_name\":\"unspec\",\"family\":\"inet6\",\"metric\":1024,"
	    "\"pref\":\"high\",\"tos\":16}", NULL,
	    "2001:db8:9::/48 from 2001:db8:1::/64 tos 0x10 via fe80::1 "
	    "ifindex 3 table default proto unspec metric 1024 pref high");
	/* a multipath route: its next hops' interfaces named from links */
	route_is("{\"table\":254,\"dst\":\"198.18.100.0/24\",\"link_index\":0,"
	    "\"protocol\":4,\"protocol_name\":\"static\",\"family\":\"inet\","
	    "\"metric\":20,\"type\":\"unicast\",\"scope\":\"global\","
	    "\"nexthops\":[{\"gw\":\"198.18.1.2\",\"link_index\":3,"
	    "\"weight\":1},"
	    "{\"gw\":\"198.18.2.2\",\"link_index\":4,\"weight\":2,\"flags\":"
	    "[\"linkdown\"]},{\"link_index\":9,\"weight\":1}],"
	    "\"kernel\":false}",
	    links, "198.18.100.0/24 proto static metric 20"
	    "|nexthop via 198.18.1.2 dev vA weight 1"
	    "|nexthop via 198.18.2.2 dev vC weight 2 linkdown"
	    "|nexthop ifindex 9 weight 1");
	/* without links: by index; a name given wins; strings made safe */
	route_is("{\"table\":7,\"dst\":\"10.9.0.0/16\",\"family\":\"inet\","
	    "\"nexthops\":[{\"gw\":\"198.18.1.2\",\"link_index\":3},"
	    "{\"gw\":\"198.18.1.3\",\"link_index\":3,\"interface_name\":"
	    "\"v\\u001b\"}]}", NULL, "10.9.0.0/16 table 7"
	    "|nexthop via 198.18.1.2 ifindex 3"
	    "|nexthop via 198.18.1.3 dev v?");
}

/* An interface's STATE and ADDRESSES cells. */
static void
test_interface_cells(void **state)
{
	json_t	*j;
	char	 buf[256];

	j = json_of("[{\"name\":\"vA\",\"flags\":\"up|broadcast|multicast|"
	    "running\",\"oper_state\":\"up\",\"addresses\":["
	    "{\"address\":\"2001:db8:1::1\",\"prefix_len\":64,"
	    "\"family\":\"inet6\"},{\"address\":\"198.18.1.1\","
	    "\"prefix_len\":24,\"family\":\"inet\"},{\"address\":"
	    "\"fe80::1\",\"prefix_len\":64,\"family\":\"inet6\"},"
	    "{\"address\":\"198.18.1.9\",\"prefix_len\":32,"
	    "\"family\":\"inet\"}]},"
	    "{\"name\":\"lo\",\"flags\":\"up|loopback|running\","
	    "\"oper_state\":\"unknown\",\"addresses\":[]},"
	    "{\"name\":\"vD\",\"flags\":\"broadcast|multicast\","
	    "\"oper_state\":\"unknown\"},"
	    "{\"name\":\"vE\",\"oper_state\":\"unknown\",\"addresses\":"
	    "[{\"address\":\"198.18.7.1\",\"family\":\"inet\"}]},"
	    "{\"name\":\"vC\",\"flags\":\"up\",\"oper_state\":"
	    "\"lower-layer-down\"},{\"name\":\"x\"}]");
	fmt_link_state(json_array_get(j, 0), buf, sizeof(buf));
	assert_string_equal(buf, "up");
	fmt_link_addrs(json_array_get(j, 0), buf, sizeof(buf));
	assert_string_equal(buf, "198.18.1.1/24,198.18.1.9/32,"
	    "2001:db8:1::1/64,fe80::1/64");
	/* an unknown operational state: up or down from the flags */
	fmt_link_state(json_array_get(j, 1), buf, sizeof(buf));
	assert_string_equal(buf, "up");
	fmt_link_addrs(json_array_get(j, 1), buf, sizeof(buf));
	assert_string_equal(buf, "-");
	fmt_link_state(json_array_get(j, 2), buf, sizeof(buf));
	assert_string_equal(buf, "down");
	fmt_link_addrs(json_array_get(j, 2), buf, sizeof(buf));
	assert_string_equal(buf, "-");
	/* no flags at all (lopad leaves them out when none is set) */
	fmt_link_state(json_array_get(j, 3), buf, sizeof(buf));
	assert_string_equal(buf, "down");
	fmt_link_addrs(json_array_get(j, 3), buf, sizeof(buf));
	assert_string_equal(buf, "198.18.7.1");
	fmt_link_state(json_array_get(j, 4), buf, sizeof(buf));
	assert_string_equal(buf, "lower-layer-down");
	fmt_link_state(json_array_get(j, 5), buf, sizeof(buf));
	assert_string_equal(buf, "-");
	/* truncated, not overrun */
	fmt_link_addrs(json_array_get(j, 0), buf, 12);
	assert_string_equal(buf, "198.18.1.1/");
	json_decref(j);
}

/* passive IFACE [IFACE ...]: interfaces among options, Lopa's names. */
static void
test_passive_options(void **state)
{
	struct parse_result	 res;

	accepts(parser_main(), "passive vA", &res);
	assert_int_equal(res.action, PASSIVE);
	assert_int_equal(res.args[ARG_IFACE].n, 1);
	assert_string_equal(res.args[ARG_IFACE].strv[0], "vA");
	assert_int_equal(res.flags, 0);

	accepts(parser_main(), "passive vA lo eth1 -w 3s -i 500ms --name n "
	    "--label a=b --label c=d -f", &res);
	assert_int_equal(res.args[ARG_IFACE].n, 3);
	assert_string_equal(res.args[ARG_IFACE].strv[1], "lo");
	assert_string_equal(res.args[ARG_IFACE].strv[2], "eth1");
	assert_int_equal(res.args[ARG_DURATION].dur, 3000 * MS);
	assert_int_equal(res.args[ARG_INTERVAL].dur, 500 * MS);
	assert_string_equal(res.args[ARG_NAME].str, "n");
	assert_int_equal(res.args[ARG_LABEL].n, 2);
	assert_string_equal(res.args[ARG_LABEL].strv[1], "c=d");
	assert_int_equal(res.flags, F_FOLLOW);

	/* more interfaces after the options */
	accepts(parser_main(), "passive vA --continuous -W 2s lo -f", &res);
	assert_int_equal(res.args[ARG_IFACE].n, 2);
	assert_string_equal(res.args[ARG_IFACE].strv[1], "lo");
	assert_int_equal(res.args[ARG_WINDOW].dur, 2000 * MS);
	assert_int_equal(res.flags, F_CONTINUOUS | F_FOLLOW);

	/* Lopa's: passive <iface> --mode --duration --interval */
	accepts(parser_main(), "passive eth0 --mode continuous --duration 60s "
	    "--interval=10s", &res);
	assert_string_equal(res.args[ARG_MODE].str, "continuous");
	assert_int_equal(res.args[ARG_DURATION].dur, 60000 * MS);
	assert_int_equal(res.args[ARG_INTERVAL].dur, 10000 * MS);
	/* an interval of 0 is Lopa's default */
	accepts(parser_main(), "passive eth0 -i 0", &res);
	assert_true(res.args[ARG_INTERVAL].set);
	assert_int_equal(res.args[ARG_INTERVAL].dur, 0);

	accepts(parser_main(), "passive a b c d e f g h", &res);
	assert_int_equal(res.args[ARG_IFACE].n, 8);
	refuses(parser_main(), "passive a b c d e f g h i",
	    "IFACE given more than 8 times");
	refuses(parser_main(), "passive", "missing argument after "
	    "\"passive\"; valid: IFACE");
	refuses(parser_main(), "passive -w 3s", "invalid IFACE \"-w\": "
	    "looks like an option");
	refuses(parser_main(), "passive vA --bogus", "unknown argument "
	    "\"--bogus\" after \"vA\"; valid: IFACE, -w DURATION, "
	    "--continuous, -W WINDOW, -i INTERVAL, --name NAME, "
	    "--label KEY=VALUE, --threshold RULE, --webhook URL, "
	    "--webhook-secret-file FILE, -f");
	refuses(parser_main(), "passive vA -c 3", "unknown argument \"-c\" "
	    "after \"vA\"; valid: IFACE, -w DURATION, --continuous, "
	    "-W WINDOW, -i INTERVAL, --name NAME, --label KEY=VALUE, "
	    "--threshold RULE, --webhook URL, --webhook-secret-file FILE, "
	    "-f");
	refuses(parser_main(), "passive vA --mode count", "invalid argument "
	    "\"count\" to --mode: expected duration or continuous");
	refuses(parser_main(), "passive vA -w 50ms", "invalid argument "
	    "\"50ms\" to -w: too short (minimum 100ms)");
	refuses(parser_main(), "passive vA -W 10ms", "invalid argument "
	    "\"10ms\" to -W: too short (minimum 100ms)");
	refuses(parser_main(), "passive vA -i 2h", "invalid argument \"2h\" "
	    "to -i: too long (maximum 1h0m0s)");
	refuses(parser_main(), "passive vA -w 1s --duration 2s",
	    "--duration given twice");
	refuses(parser_main(), "passive vA -f -f", "-f given twice");
	refuses(parser_main(), "passive vA -i", "missing argument after "
	    "\"-i\"; valid: INTERVAL");
	refuses(parser_main(), "task list type pasive", "invalid argument "
	    "\"pasive\" to type: expected ping, tcp, udp, twamp, stamp or "
	    "passive");
	accepts(parser_main(), "task list type passive", &res);
	assert_string_equal(res.args[ARG_TYPE].str, "passive");
}

/* A passive task's thresholds: bit rates and rates per second. */
static void
test_passive_alert_text(void **state)
{
	json_t	*j;
	char	 line[256];

	assert_int_equal(fmt_metric_kind("loss"), METRIC_FRACTION);
	assert_int_equal(fmt_metric_kind("rtt_p99"), METRIC_TIME);
	assert_int_equal(fmt_metric_kind("bps_in"), METRIC_BITS);
	assert_int_equal(fmt_metric_kind("bps_out"), METRIC_BITS);
	assert_int_equal(fmt_metric_kind("pps_out"), METRIC_RATE);
	assert_int_equal(fmt_metric_kind("drops_in_rate"), METRIC_RATE);
	assert_int_equal(fmt_metric_kind("_rate"), METRIC_TIME);

	j = json_of("{\"event\":\"alert\",\"metric\":\"bps_out\","
	    "\"repeat\":false,\"value\":6734.5,\"threshold_value\":1000.0,"
	    "\"clear_value\":500.0,\"direction\":\"above\"}");
	fmt_alert(j, line, sizeof(line));
	assert_string_equal(line, "ALERT bps_out 6.73 kbit/s >= 1.00 kbit/s");
	json_decref(j);
	j = json_of("{\"event\":\"recovery\",\"metric\":\"pps_in\","
	    "\"repeat\":false,\"value\":2.0,\"threshold_value\":3.0,"
	    "\"clear_value\":3.0,\"direction\":\"above\","
	    "\"recovered_from_value\":12345.0}");
	fmt_alert(j, line, sizeof(line));
	assert_string_equal(line, "RECOVERY pps_in 2.00/s < 3.00/s "
	    "(worst 12.3k/s)");
	json_decref(j);
	j = json_of("{\"event\":\"alert\",\"metric\":\"errors_in_rate\","
	    "\"repeat\":true,\"value\":0,\"threshold_value\":0.5,"
	    "\"clear_value\":1,\"direction\":\"below\"}");
	fmt_alert(j, line, sizeof(line));
	assert_string_equal(line, "ALERT errors_in_rate 0/s <= 0.50/s "
	    "(repeat)");
	json_decref(j);
	j = json_of("{\"v\":\"x\"}");
	fmt_level(json_object_get(j, "v"), METRIC_BITS, line, sizeof(line));
	assert_string_equal(line, "-");
	json_decref(j);
}

static void
test_rate_text(void **state)
{
	static const struct {
		double		 v;
		const char	*unit;
		const char	*want;
	} rates[] = {
		{ 0, "bit/s", "0 bit/s" },
		{ -3, "bit/s", "0 bit/s" },
		{ 0.5, "bit/s", "0.50 bit/s" },
		{ 7.9987, "", "8.00" },
		{ 980, "bit/s", "980 bit/s" },
		{ 999.4, "bit/s", "999 bit/s" },
		{ 999.7, "bit/s", "1.00 kbit/s" },
		{ 5247.17, "bit/s", "5.25 kbit/s" },
		{ 12345, "", "12.3k" },
		{ 1.2e6, "bit/s", "1.20 Mbit/s" },
		{ 987.6e6, "bit/s", "988 Mbit/s" },
		{ 10e9, "bit/s", "10.0 Gbit/s" },
		{ 2.5e12, "B", "2.50 TB" },
	};
	char	 b[64];
	size_t	 i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		fmt_rate(rates[i].v, rates[i].unit, b, sizeof(b));
		assert_string_equal(b, rates[i].want);
	}
	fmt_bytes(0, b, sizeof(b));
	assert_string_equal(b, "0 bytes");
	fmt_bytes(1, b, sizeof(b));
	assert_string_equal(b, "1 byte");
	fmt_bytes(999, b, sizeof(b));
	assert_string_equal(b, "999 bytes");
	fmt_bytes(1234567, b, sizeof(b));
	assert_string_equal(b, "1234567 bytes (1.23 MB)");
	fmt_rate(5247.17, "bit/s", b, 6);
	assert_string_equal(b, "5.25 ");
}

/* A passive task's result as the daemon sends it (probe fields left out). */
#define PV_IF(name, present, gone, resets, tot, last)			\
	"{\"name\":\"" name "\",\"present\":" present ",\"resets\":"	\
	#resets ",\"gone\":" #gone ",\"total\":" tot ",\"last\":" last "}"
#define PV_C(bi, bo, pi, po, ei, di, mc, bps, pps)			\
	"{\"bytes_in\":" #bi ",\"bytes_out\":" #bo ",\"packets_in\":" #pi \
	",\"packets_out\":" #po ",\"errors_in\":" #ei ",\"errors_out\":0," \
	"\"drops_in\":" #di ",\"drops_out\":0,\"multicast_in\":" #mc	\
	",\"bps_in\":" #bps ",\"bps_out\":" #bps ",\"pps_in\":" #pps	\
	",\"pps_out\":" #pps ",\"errors_in_rate\":0.0,"			\
	"\"errors_out_rate\":0.0,\"drops_in_rate\":0.0,"		\
	"\"drops_out_rate\":0.0,\"multicast_in_rate\":0.0"
#define PV_TASK								\
	"{\"task_id\":\"vm-1\",\"target\":\"vA,lo\","			\
	"\"type\":\"passive\",\"mode\":\"duration\","			\
	"\"started\":\"2026-12-02T06:39:24.4125Z\","			\
	"\"finished\":\"2026-12-02T06:39:25.4130Z\",\"total\":"		\
	"{\"sent\":0,\"bytes_in\":1614,\"bytes_out\":614,"		\
	"\"packets_in\":7,\"packets_out\":7},\"rounds\":[{\"index\":1,"	\
	"\"from\":\"2026-12-02T06:39:24.413Z\",\"to\":"			\
	"\"2026-12-02T06:39:24.913056Z\",\"stats\":{},\"interfaces\":["	\
	PV_C(328, 328, 4, 4, 0, 0, 0, 5247.17, 7.9987) "},"		\
	PV_C(0, 0, 0, 0, 0, 0, 0, 0.0, 0.0) "}]},"			\
	"{\"index\":2,\"from\":\"2026-12-02T06:39:24.913056Z\",\"to\":"	\
	"\"2026-12-02T06:39:25.412949Z\",\"stats\":{},\"interfaces\":["	\
	PV_C(1286, 286, 3, 3, 1, 2, 0, 20576.9, 6.0) "},"		\
	PV_C(0, 0, 0, 0, 0, 0, 0, 0.0, 0.0) "}]}],"			\
	"\"status\":\"finished\",\"last_updated\":"			\
	"\"2026-12-02T06:39:25.413Z\",\"id\":\"vm-1\",\"round\":2,"	\
	"\"params\":{\"type\":\"passive\",\"mode\":\"duration\","	\
	"\"interfaces\":[\"vA\",\"lo\"],\"interval\":500000000,"	\
	"\"duration\":1000000000},\"interfaces\":["			\
	PV_IF("vA", "true", 0, 0,					\
	    PV_C(1614, 614, 7, 7, 1, 2, 1, 12909.8, 7.0) "}",		\
	    PV_C(1286, 286, 3, 3, 1, 2, 0, 20576.9, 6.0)		\
	    ",\"seconds\":0.499893}") ","				\
	PV_IF("lo", "false", 1, 2,					\
	    PV_C(0, 0, 1, 0, 0, 0, 0, 0.0, 0.0) "}",			\
	    PV_C(0, 0, 0, 0, 0, 0, 0, 0.0, 0.0) ",\"seconds\":0.5}")	\
	"],\"reads\":3}"

static json_t *
pv_task(void)
{
	json_error_t	 jerr;
	json_t		*j;

	if ((j = json_loads(PV_TASK, 0, &jerr)) == NULL)
		fail_msg("bad JSON in the test: %s", jerr.text);
	return (j);
}

/* What fmt_passive_round or _read wrote. */
static char *
pv_rows(json_t *j, int which, int all)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		fail_msg("open_memstream");
	if (which >= 0)
		fmt_passive_round(fp, j, json_array_get(json_object_get(j,
		    "rounds"), which), fmt_passive_width(j));
	else
		fmt_passive_read(fp, j, fmt_passive_width(j), all);
	fclose(fp);
	return (buf);
}

static void
test_passive_rows(void **state)
{
	json_t	*j, *c;
	char	 b[256], *out;

	setenv("TZ", "UTC", 1);
	tzset();
	j = pv_task();
	assert_int_equal(fmt_passive_width(j), 9);
	fmt_passive_head(9, b, sizeof(b));
	assert_string_equal(b, "TIME         INTERFACE      RX bit/s      "
	    "TX bit/s   RX pkt/s   TX pkt/s RX err/drop TX err/drop");
	out = pv_rows(j, 0, 0);
	assert_string_equal(out,
	    "06:39:24.913 vA          5.25 kbit/s   5.25 kbit/s       8.00"
	    "       8.00         0/0         0/0\n"
	    "06:39:24.913 lo              0 bit/s       0 bit/s          0"
	    "          0         0/0         0/0\n");
	free(out);
	out = pv_rows(j, 1, 0);
	assert_string_equal(out,
	    "06:39:25.412 vA          20.6 kbit/s   20.6 kbit/s       6.00"
	    "       6.00         1/2         0/0\n"
	    "06:39:25.412 lo              0 bit/s       0 bit/s          0"
	    "          0         0/0         0/0\n");
	free(out);
	/* a continuous task's read: the last interval, lo not found */
	out = pv_rows(j, -1, 1);
	assert_string_equal(out,
	    "06:39:25.413 vA          20.6 kbit/s   20.6 kbit/s       6.00"
	    "       6.00         1/2         0/0\n"
	    "06:39:25.413 lo        not found\n");
	free(out);
	out = pv_rows(j, -1, 0);
	assert_string_equal(out, "06:39:25.413 lo        not found\n");
	free(out);

	/* a long name widens the column; names made printable */
	c = json_array_get(json_object_get(j, "interfaces"), 0);
	json_object_set_new(c, "name", json_string("veth-long-name"));
	assert_int_equal(fmt_passive_width(j), 14);
	fmt_passive_row(NULL, "t\x1b", "a\nb", 3, b, sizeof(b));
	assert_string_equal(b, "t?           a?b not found");
	json_decref(j);

	/* times: an offset, no fraction, not a time at all */
	j = json_pack("{s:s, s:s, s:s, s:s}", "a", "2026-12-02T08:39:24+02:00",
	    "b", "2026-12-02T06:39:25.5Z", "c", "yesterday",
	    "z", "0001-01-01T00:00:00Z");
	fmt_clock(j, "a", b, sizeof(b));
	assert_string_equal(b, "06:39:24.000");
	fmt_clock(j, "c", b, sizeof(b));
	assert_string_equal(b, "yesterday");
	fmt_clock(j, "none", b, sizeof(b));
	assert_string_equal(b, "-");
	assert_int_equal(fmt_span(j, "a", "b"), 1500 * MS);
	assert_int_equal(fmt_span(j, "b", "a"), 0);
	assert_int_equal(fmt_span(j, "z", "b"), 0);
	json_decref(j);
}

static void
test_passive_summary(void **state)
{
	char	*out;

	out = written(fmt_passive_summary, PV_TASK);
	assert_string_equal(out,
	    "--- vA,lo passive statistics ---\n"
	    "2 intervals in 1.001 s, 3 reads\n"
	    "vA\n"
	    "  rx 1614 bytes (1.61 kB), 7 packets, 1 error, 2 drops, "
	    "1 multicast\n"
	    "  tx 614 bytes, 7 packets, 0 errors, 0 drops\n"
	    "  average rx 12.9 kbit/s, 7.00 pkt/s; tx 12.9 kbit/s, "
	    "7.00 pkt/s\n"
	    "lo (not found, gone 1 time, 2 counter resets)\n"
	    "  rx 0 bytes, 1 packet, 0 errors, 0 drops, 0 multicast\n"
	    "  tx 0 bytes, 0 packets, 0 errors, 0 drops\n"
	    "  average rx 0 bit/s, 0 pkt/s; tx 0 bit/s, 0 pkt/s\n");
	free(out);

	setenv("TZ", "UTC", 1);
	tzset();
	out = written(fmt_passive_show, PV_TASK);
	assert_string_equal(out,
	    "measured  2 intervals in 1.001 s, 3 reads\n"
	    "total\n"
	    "  rx 1614 bytes (1.61 kB), 7 packets, 0 errors, 0 drops, "
	    "0 multicast\n"
	    "  tx 614 bytes, 7 packets, 0 errors, 0 drops\n"
	    "interface vA\n"
	    "  total   rx 1614 bytes (1.61 kB), 7 packets, 1 error, 2 drops, "
	    "1 multicast\n"
	    "          tx 614 bytes, 7 packets, 0 errors, 0 drops\n"
	    "          average rx 12.9 kbit/s, 7.00 pkt/s; tx 12.9 kbit/s, "
	    "7.00 pkt/s\n"
	    "  last    0.500 s\n"
	    "          rx 1286 bytes (1.29 kB), 3 packets, 1 error, 2 drops, "
	    "0 multicast\n"
	    "          tx 286 bytes, 3 packets, 0 errors, 0 drops\n"
	    "          rate rx 20.6 kbit/s, 6.00 pkt/s; tx 20.6 kbit/s, "
	    "6.00 pkt/s\n"
	    "interface lo (not found, gone 1 time, 2 counter resets)\n"
	    "  total   rx 0 bytes, 1 packet, 0 errors, 0 drops, 0 multicast\n"
	    "          tx 0 bytes, 0 packets, 0 errors, 0 drops\n"
	    "          average rx 0 bit/s, 0 pkt/s; tx 0 bit/s, 0 pkt/s\n"
	    "  last    0.500 s\n"
	    "          rx 0 bytes, 0 packets, 0 errors, 0 drops, 0 multicast\n"
	    "          tx 0 bytes, 0 packets, 0 errors, 0 drops\n"
	    "          rate rx 0 bit/s, 0 pkt/s; tx 0 bit/s, 0 pkt/s\n"
	    "rounds\n"
	    "TIME         INTERFACE      RX bit/s      TX bit/s   RX pkt/s"
	    "   TX pkt/s RX err/drop TX err/drop\n"
	    "06:39:24.913 vA          5.25 kbit/s   5.25 kbit/s       8.00"
	    "       8.00         0/0         0/0\n"
	    "06:39:24.913 lo              0 bit/s       0 bit/s          0"
	    "          0         0/0         0/0\n"
	    "06:39:25.412 vA          20.6 kbit/s   20.6 kbit/s       6.00"
	    "       6.00         1/2         0/0\n"
	    "06:39:25.412 lo              0 bit/s       0 bit/s          0"
	    "          0         0/0         0/0\n");
	free(out);

	/* a continuous task's window; a failed one without reads */
	out = written(fmt_passive_summary, "{\"target\":\"nope0\","
	    "\"started\":\"2026-12-02T06:39:24Z\",\"finished\":"
	    "\"2026-12-02T06:39:24Z\",\"round\":0,\"reads\":0,"
	    "\"interfaces\":[{\"name\":\"nope0\",\"present\":false,"
	    "\"resets\":0,\"gone\":0,\"total\":{}}]}");
	assert_string_equal(out,
	    "--- nope0 passive statistics ---\n"
	    "0 intervals in 0.000 s, 0 reads\n"
	    "nope0 (not found)\n"
	    "  rx 0 bytes, 0 packets, 0 errors, 0 drops, 0 multicast\n"
	    "  tx 0 bytes, 0 packets, 0 errors, 0 drops\n");
	free(out);
	out = written(fmt_passive_show, "{\"round\":1,\"reads\":2,"
	    "\"started\":\"2026-12-02T06:39:24Z\",\"finished\":"
	    "\"0001-01-01T00:00:00Z\",\"last_updated\":"
	    "\"2026-12-02T06:39:26.25Z\",\"total\":{\"bytes_in\":5},"
	    "\"window\":{\"window_seconds\":0,\"duration\":500000000,"
	    "\"stats\":{\"bytes_in\":5,\"packets_in\":1}}}");
	assert_string_equal(out,
	    "measured  1 interval in 2.250 s, 2 reads\n"
	    "total\n"
	    "  rx 5 bytes, 0 packets, 0 errors, 0 drops, 0 multicast\n"
	    "  tx 0 bytes, 0 packets, 0 errors, 0 drops\n"
	    "window 0.500 s\n"
	    "  rx 5 bytes, 1 packet, 0 errors, 0 drops, 0 multicast\n"
	    "  tx 0 bytes, 0 packets, 0 errors, 0 drops\n");
	free(out);

	/* an interface down, with carrier changes; one back after going */
	out = written(fmt_passive_summary, "{\"target\":\"vA,vB\","
	    "\"round\":1,\"reads\":2,\"interfaces\":[{\"name\":\"vA\","
	    "\"present\":true,\"up\":false,\"carrier_changes\":3,"
	    "\"gone\":0,\"resets\":0,\"total\":{}},{\"name\":\"vB\","
	    "\"present\":true,\"up\":true,\"carrier_changes\":1,"
	    "\"gone\":1,\"resets\":1,\"total\":{}}]}");
	assert_string_equal(out,
	    "--- vA,vB passive statistics ---\n"
	    "1 interval in 0.000 s, 2 reads\n"
	    "vA (down, 3 carrier changes)\n"
	    "  rx 0 bytes, 0 packets, 0 errors, 0 drops, 0 multicast\n"
	    "  tx 0 bytes, 0 packets, 0 errors, 0 drops\n"
	    "vB (1 carrier change, gone 1 time, 1 counter reset)\n"
	    "  rx 0 bytes, 0 packets, 0 errors, 0 drops, 0 multicast\n"
	    "  tx 0 bytes, 0 packets, 0 errors, 0 drops\n");
	free(out);
}

/* metrics [--openmetrics] [PATTERN ...] */
static void
test_metrics_command(void **state)
{
	struct parse_result	 res;

	accepts(parser_main(), "metrics", &res);
	assert_int_equal(res.action, METRICS);
	assert_int_equal(res.flags, 0);
	assert_false(res.args[ARG_PATTERN].set);
	accepts(parser_main(), "metrics lopad_probe --openmetrics _up", &res);
	assert_int_equal(res.flags, F_OPENMETRICS);
	assert_int_equal(res.args[ARG_PATTERN].n, 2);
	assert_string_equal(res.args[ARG_PATTERN].strv[0], "lopad_probe");
	assert_string_equal(res.args[ARG_PATTERN].strv[1], "_up");

	refuses(parser_main(), "metrics -x", "unknown argument \"-x\" after "
	    "\"metrics\"; valid: --openmetrics, PATTERN");
	refuses(parser_main(), "metrics --openmetrics --openmetrics",
	    "--openmetrics given twice");
	refuses(parser_main(), "metrics a b c d e f g h i j k l m n o p q",
	    "PATTERN given more than 16 times");
}

/* fmt_metrics(): an exposition, the families a pattern names. */
static char *
metrics_kept(const char *body, size_t npats, const char *const *pats,
    size_t *kept)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		fail_msg("open_memstream");
	*kept = fmt_metrics(fp, body, strlen(body), pats, npats);
	fclose(fp);
	return (buf);
}

#define PROM_TEXT \
	"# HELP lopad_build_info Version.\n" \
	"# TYPE lopad_build_info gauge\n" \
	"lopad_build_info{version=\"0.1.0\"} 1\n" \
	"# HELP lopad_probe_sent_total Probes sent.\n" \
	"# TYPE lopad_probe_sent_total counter\n" \
	"lopad_probe_sent_total{task=\"a\"} 11\n" \
	"lopad_probe_sent_total{task=\"b\"} 2\n" \
	"# HELP lopad_probe_rtt_seconds RTT.\n" \
	"# TYPE lopad_probe_rtt_seconds histogram\n" \
	"lopad_probe_rtt_seconds_bucket{task=\"a\",le=\"0.001\"} 3\n" \
	"lopad_probe_rtt_seconds_bucket{task=\"a\",le=\"+Inf\"} 4\n" \
	"lopad_probe_rtt_seconds_sum{task=\"a\"} 0.0042\n" \
	"lopad_probe_rtt_seconds_count{task=\"a\"} 4\n" \
	"# HELP lopad_probe_rtt_seconds_max Not the histogram's.\n" \
	"# TYPE lopad_probe_rtt_seconds_max gauge\n" \
	"lopad_probe_rtt_seconds_max{task=\"a\"} 0.002\n" \
	"lopad_untyped 7\n" \
	"lopad_untyped 8\n" \
	"# TYPE lopad_task_up gauge\n" \
	"lopad_task_up{task=\"a\"} 1"

static void
test_metrics_filter(void **state)
{
	const char	*build[] = { "lopad_build" };
	const char	*rtt[] = { "rtt_seconds" };
	const char	*two[] = { "task_up", "sent" };
	const char	*bucket[] = { "_bucket" };
	const char	*untyped[] = { "untyped" };
	const char	*info[] = { "lopad_build", "lopad_probe_sent" };
	char		*out;
	size_t		 kept;

	out = metrics_kept(PROM_TEXT, 1, build, &kept);
	assert_string_equal(out,
	    "# HELP lopad_build_info Version.\n"
	    "# TYPE lopad_build_info gauge\n"
	    "lopad_build_info{version=\"0.1.0\"} 1\n");
	assert_int_equal(kept, 1);
	free(out);

	/* the histogram whole; _max is another family, named so */
	out = metrics_kept(PROM_TEXT, 1, rtt, &kept);
	assert_string_equal(out,
	    "# HELP lopad_probe_rtt_seconds RTT.\n"
	    "# TYPE lopad_probe_rtt_seconds histogram\n"
	    "lopad_probe_rtt_seconds_bucket{task=\"a\",le=\"0.001\"} 3\n"
	    "lopad_probe_rtt_seconds_bucket{task=\"a\",le=\"+Inf\"} 4\n"
	    "lopad_probe_rtt_seconds_sum{task=\"a\"} 0.0042\n"
	    "lopad_probe_rtt_seconds_count{task=\"a\"} 4\n"
	    "# HELP lopad_probe_rtt_seconds_max Not the histogram's.\n"
	    "# TYPE lopad_probe_rtt_seconds_max gauge\n"
	    "lopad_probe_rtt_seconds_max{task=\"a\"} 0.002\n");
	assert_int_equal(kept, 2);
	free(out);

	/* in the exposition's order; a last line without newline */
	out = metrics_kept(PROM_TEXT, 2, two, &kept);
	assert_string_equal(out,
	    "# HELP lopad_probe_sent_total Probes sent.\n"
	    "# TYPE lopad_probe_sent_total counter\n"
	    "lopad_probe_sent_total{task=\"a\"} 11\n"
	    "lopad_probe_sent_total{task=\"b\"} 2\n"
	    "# TYPE lopad_task_up gauge\n"
	    "lopad_task_up{task=\"a\"} 1\n");
	assert_int_equal(kept, 2);
	free(out);

	/* a family's name, not its samples' */
	out = metrics_kept(PROM_TEXT, 1, bucket, &kept);
	assert_string_equal(out, "");
	assert_int_equal(kept, 0);
	free(out);

	/* samples without metadata: a family of their own */
	out = metrics_kept(PROM_TEXT, 1, untyped, &kept);
	assert_string_equal(out, "lopad_untyped 7\nlopad_untyped 8\n");
	assert_int_equal(kept, 1);
	free(out);

	/* OpenMetrics: UNIT; info and counter families; # EOF always */
	out = metrics_kept(
	    "# HELP lopad_build Version.\n"
	    "# TYPE lopad_build info\n"
	    "lopad_build_info{version=\"0.1.0\"} 1\n"
	    "# HELP lopad_uptime_seconds Up.\n"
	    "# TYPE lopad_uptime_seconds gauge\n"
	    "# UNIT lopad_uptime_seconds seconds\n"
	    "lopad_uptime_seconds 1.5\n"
	    "# HELP lopad_probe_sent Probes sent.\n"
	    "# TYPE lopad_probe_sent counter\n"
	    "lopad_probe_sent_total{task=\"a\"} 11\n"
	    "lopad_probe_sent_created{task=\"a\"} 1700000000\n"
	    "# EOF\n", 2, info, &kept);
	assert_string_equal(out,
	    "# HELP lopad_build Version.\n"
	    "# TYPE lopad_build info\n"
	    "lopad_build_info{version=\"0.1.0\"} 1\n"
	    "# HELP lopad_probe_sent Probes sent.\n"
	    "# TYPE lopad_probe_sent counter\n"
	    "lopad_probe_sent_total{task=\"a\"} 11\n"
	    "lopad_probe_sent_created{task=\"a\"} 1700000000\n"
	    "# EOF\n");
	assert_int_equal(kept, 2);
	free(out);
	out = metrics_kept("# TYPE lopad_uptime_seconds gauge\n"
	    "# UNIT lopad_uptime_seconds seconds\n"
	    "lopad_uptime_seconds 1.5\n# EOF\n", 1, bucket, &kept);
	assert_string_equal(out, "# EOF\n");
	assert_int_equal(kept, 0);
	free(out);
	out = metrics_kept("# TYPE lopad_uptime_seconds gauge\n"
	    "# UNIT lopad_uptime_seconds seconds\n"
	    "lopad_uptime_seconds 1.5\n# EOF\n", 1, (const char *[]){ "up" },
	    &kept);
	assert_string_equal(out, "# TYPE lopad_uptime_seconds gauge\n"
	    "# UNIT lopad_uptime_seconds seconds\n"
	    "lopad_uptime_seconds 1.5\n# EOF\n");
	free(out);

	/* nothing at all */
	out = metrics_kept("", 1, build, &kept);
	assert_string_equal(out, "");
	assert_int_equal(kept, 0);
	free(out);
}

static void
commands_text(const struct token *g, const char *want)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		fail_msg("open_memstream");
	parser_commands(g, fp, "\t");
	fclose(fp);
	assert_string_equal(buf, want);
	free(buf);
}

static void
test_usage_lists_every_command(void **state)
{
	commands_text(parser_main(),
	    "\tping|tcp|udp TARGET [-c N] [-w DURATION] [--continuous] "
	    "[-i DURATION] [-W DURATION] [-s SIZE] [-Q DSCP] [-t TTL] "
	    "[-M do|dont] [-I IFACE] [-S ADDR] [-4] [-6] [-p PORT] "
	    "[--rounds N] [--round-delay DURATION] [-n NAME] [-f] [-q] "
	    "[--loss-threshold FRACTION] [--latency-threshold DURATION] "
	    "[--threshold RULE ...] [--webhook URL] "
	    "[--webhook-secret-file FILE]\n"
	    "\ttwamp|stamp TARGET [-c N] [-w DURATION] [--continuous] "
	    "[-i DURATION] [-W DURATION] [-s PADDING] [--imix] [-Q DSCP] "
	    "[-t TTL] [-M do|dont] [-I IFACE] [-S ADDR] [-4] [-6] [-p PORT] "
	    "[--rounds N] [--round-delay DURATION] [--control] [--ssid SSID] "
	    "[--tlv TLVS] [-n NAME] [-f] [-q] "
	    "[--loss-threshold FRACTION] [--latency-threshold DURATION] "
	    "[--threshold RULE ...] [--webhook URL] "
	    "[--webhook-secret-file FILE]\n"
	    "\tpassive IFACE [IFACE ...] [-w DURATION] [--continuous] "
	    "[-W WINDOW] [-i INTERVAL] [--name NAME] [--label KEY=VALUE ...] "
	    "[--threshold RULE ...] [--webhook URL] "
	    "[--webhook-secret-file FILE] [-f]\n"
	    "\ttask list [type ping|tcp|udp|twamp|stamp|passive] "
	    "[status pending|running|finished|stopped|failed]\n"
	    "\ttask show|stop|delete ID\n"
	    "\tmonitor\n"
	    "\tmonitor add --type interface|ip|route [--interface NAME] "
	    "[--index N] [--prefix CIDR] [--table TABLE] [--route-dst CIDR] "
	    "[--family inet|inet6] [--protocol PROTO] [--include-kernel] "
	    "[--buffer N] [--name NAME] [--label KEY=VALUE ...] "
	    "[--webhook-url URL] [--webhook-secret-file FILE] [--disabled]\n"
	    "\tmonitor list\n"
	    "\tmonitor show|delete ID\n"
	    "\tmonitor update ID [--interface NAME] [--index N] "
	    "[--prefix CIDR] [--table TABLE] [--route-dst CIDR] "
	    "[--family inet|inet6] [--protocol PROTO] [--no-filter] "
	    "[--include-kernel] [--no-include-kernel] [--buffer N] "
	    "[--name NAME] [--label KEY=VALUE ...] [--no-labels] "
	    "[--webhook-url URL] [--webhook-secret-file FILE] [--no-webhook] "
	    "[--enable] [--disable] [--disabled]\n"
	    "\tmonitor events ID [--last N]\n"
	    "\tevents\n"
	    "\treflector\n"
	    "\tshow interfaces\n"
	    "\tshow interfaces NAME\n"
	    "\tshow routes [--table TABLE] [--family inet|inet6] [--kernel]\n"
	    "\tmetrics [--openmetrics] [PATTERN ...]\n"
	    "\tstatus\n"
	    "\treload\n"
	    "\thelp\n");
	/* aliases are not listed; keywords to different tables stay apart */
	commands_text(t_tmain,
	    "\tstatus\n"
	    "\ttask list\n"
	    "\ttask show ID\n"
	    "\tping TARGET [-c N] [-i DURATION] [-f] [-M do|dont|want]\n"
	    "\tmonitor\n"
	    "\tmonitor events\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_commands),
		cmocka_unit_test(test_main_unknown_word_lists_valid),
		cmocka_unit_test(test_subcommands),
		cmocka_unit_test(test_optional_subcommand),
		cmocka_unit_test(test_typed_options),
		cmocka_unit_test(test_typed_errors),
		cmocka_unit_test(test_probe_options),
		cmocka_unit_test(test_aliases_and_choices),
		cmocka_unit_test(test_aliases_listed_once),
		cmocka_unit_test(test_duration_reason_passed_on),
		cmocka_unit_test(test_result_reset),
		cmocka_unit_test(test_usage_lists_every_command),
		cmocka_unit_test(test_metrics_command),
		cmocka_unit_test(test_metrics_filter),
		cmocka_unit_test(test_twamp_options),
		cmocka_unit_test(test_twamp_errors),
		cmocka_unit_test(test_twamp_summary),
		cmocka_unit_test(test_twamp_summary_tlvs),
		cmocka_unit_test(test_twamp_summary_rounds),
		cmocka_unit_test(test_twamp_summary_window),
		cmocka_unit_test(test_twamp_probe_line),
		cmocka_unit_test(test_reflector_table),
		cmocka_unit_test(test_threshold_options),
		cmocka_unit_test(test_threshold_option_errors),
		cmocka_unit_test(test_threshold_rules),
		cmocka_unit_test(test_threshold_rule_errors),
		cmocka_unit_test(test_fraction_parse),
		cmocka_unit_test(test_monitor_commands),
		cmocka_unit_test(test_monitor_add_options),
		cmocka_unit_test(test_monitor_update_options),
		cmocka_unit_test(test_monitor_errors),
		cmocka_unit_test(test_shared_option_tables),
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_monitor_detail),
		cmocka_unit_test(test_monitor_lines),
		cmocka_unit_test(test_alert_lines),
		cmocka_unit_test(test_event_lines),
		cmocka_unit_test(test_level_text),
		cmocka_unit_test(test_show_commands),
		cmocka_unit_test(test_route_lines),
		cmocka_unit_test(test_interface_cells),
		cmocka_unit_test(test_passive_options),
		cmocka_unit_test(test_rate_text),
		cmocka_unit_test(test_passive_rows),
		cmocka_unit_test(test_passive_summary),
		cmocka_unit_test(test_passive_alert_text),
	};

	return cmocka_run_group_tests_name("parser", tests, NULL, NULL);
}
