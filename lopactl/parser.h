/*
 * lopactl: the command grammar, a table of tokens (as in bgpctl).
 *
 * Each table is an array of tokens ended by an ENDTOKEN row.  Parsing
 * walks the tables word by word: a word matches a token of the current
 * table and the token's next table is used for the following word.  A
 * NOTOKEN row says the command may end there.  New commands are new rows
 * and tables, not new code.
 */
#ifndef LOPACTL_PARSER_H
#define LOPACTL_PARSER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum actions {
	NONE,
	HELP,
	STATUS,
	RELOAD,
	PING,
	TCP,
	UDP,
	TWAMP,
	STAMP,
	REFLECTOR,
	TASK_LIST,
	TASK_SHOW,
	TASK_STOP,
	TASK_DELETE,
	MONITOR,	/* "monitor" alone, "events": GET /api/v1/events */
	MONITOR_ADD,
	MONITOR_LIST,
	MONITOR_SHOW,
	MONITOR_UPDATE,
	MONITOR_DELETE,
	MONITOR_EVENTS,
	SHOW_INTERFACES,	/* GET /api/v1/interfaces */
	SHOW_ROUTES,		/* GET /api/v1/routes */
	PASSIVE,		/* interface counters: POST /tasks/passive */
	METRICS,		/* GET /metrics, the exposition as text */
};

enum token_type {
	ENDTOKEN,	/* end of a table */
	NOTOKEN,	/* the command may end here */
	KEYWORD,	/* a fixed word; value: the action it selects */
	FLAG,		/* an option without argument ("-f"); value: flag bit */
	OPTION,		/* an option with argument ("-c N"); next: its table;
			   min 1: the command needs it */
	ALIAS,		/* another spelling of an option ("--count N", Lopa's
			   long flags): parsed as OPTION, left out of the
			   usage lines and of the valid words in messages */
	STRING,		/* typed arguments; value: the slot they fill */
	CHOICE,		/* one of the words of keyword, "do|dont" */
	NUMBER,		/* integer within [min, max] */
	DURATION,	/* "1s", "250ms", ns; within [min, max] nanoseconds */
	FRACTION,	/* "0.05" or "5%", from 0 to 1; min 1: above 0 */
	STRINGS,	/* a STRING that may be given up to max times */
	CIDR,		/* an IPv4 or IPv6 prefix, "198.18.0.0/15" */
};

struct token {
	enum token_type		 type;
	const char		*keyword;	/* or a typed argument's name */
	int			 value;
	const struct token	*next;
	long long		 min;		/* NUMBER, DURATION */
	long long		 max;
};

/* Slots for typed arguments; later commands add theirs here. */
enum arg_slot {
	ARG_TARGET,
	ARG_ID,
	ARG_COUNT,
	ARG_INTERVAL,
	ARG_DURATION,
	ARG_TIMEOUT,
	ARG_SIZE,
	ARG_DSCP,
	ARG_TTL,
	ARG_PMTU,
	ARG_IFACE,
	ARG_SOURCE,
	ARG_PORT,
	ARG_ROUNDS,
	ARG_ROUND_DELAY,
	ARG_NAME,
	ARG_MODE,
	ARG_IPVER,
	ARG_TYPE,
	ARG_STATUS,
	ARG_PADDING,
	ARG_SSID,
	ARG_TLVS,
	ARG_LOSS_THRESHOLD,
	ARG_LATENCY_THRESHOLD,
	ARG_THRESHOLD,
	ARG_WEBHOOK,
	ARG_SECRET_FILE,
	ARG_MON_TYPE,
	ARG_INDEX,
	ARG_PREFIX,
	ARG_TABLE,
	ARG_ROUTE_DST,
	ARG_FAMILY,
	ARG_PROTOCOL,
	ARG_BUFFER,
	ARG_LABEL,
	ARG_ENABLED,
	ARG_LAST,
	ARG_WINDOW,
	ARG_PATTERN,
	ARG_MAX
};

#define ARG_REPEAT_MAX	16	/* bounds the max of a STRINGS token */

/* Flag bits (FLAG tokens). */
#define F_FOLLOW	0x01	/* -f */
#define F_QUIET		0x02	/* -q */
#define F_CONTINUOUS	0x04	/* --continuous */
#define F_IPV4		0x08	/* -4 */
#define F_IPV6		0x10	/* -6 */
#define F_CONTROL	0x20	/* --control */
#define F_IMIX		0x40	/* --imix */
#define F_KERNEL	0x80	/* --include-kernel; show routes --kernel */
#define F_NO_KERNEL	0x100	/* --no-include-kernel */
#define F_DISABLED	0x200	/* --disabled */
#define F_ENABLE	0x400	/* --enable */
#define F_DISABLE	0x800	/* --disable */
#define F_NO_FILTER	0x1000	/* --no-filter */
#define F_NO_WEBHOOK	0x2000	/* --no-webhook */
#define F_NO_LABELS	0x4000	/* --no-labels */
#define F_OPENMETRICS	0x8000	/* metrics --openmetrics */

struct parse_arg {
	int		 set;
	const char	*str;		/* the word as given (STRINGS: first) */
	long long	 num;		/* NUMBER */
	int64_t		 dur;		/* DURATION, nanoseconds */
	double		 frac;		/* FRACTION */
	const char	*strv[ARG_REPEAT_MAX];	/* STRINGS: every word */
	size_t		 n;		/* STRINGS: how many */
};

struct parse_result {
	enum actions	 action;
	int		 flags;
	struct parse_arg args[ARG_MAX];
};

/*
 * An option's argument token may lead BACK: to the table in which the
 * option was found, so that commands share the tables of the options
 * they have in common ("monitor add" and "monitor update").
 */
extern const struct token parser_back[];
#define BACK		parser_back

/* Parse argv with lopactl's grammar; -1 and a message in err on error. */
int	 parse(int, char *[], struct parse_result *, char *, size_t);
/* The same with any grammar (unit tests). */
int	 parse_table(const struct token *, int, char *[],
	    struct parse_result *, char *, size_t);
/* Write one line per command of the grammar, each prefixed by indent. */
void	 parser_commands(const struct token *, FILE *, const char *);
/* One line per ALIAS of the grammar: "--count N (-c)". */
void	 parser_aliases(const struct token *, FILE *, const char *);
const struct token *parser_main(void);

/*
 * A threshold rule as --threshold gives it:
 *
 *	METRIC:above|below:LEVEL[:CLEAR[:FOR]][:NAME=VALUE ...]
 *
 * NAME one of clear, for, clear_for, min_samples and repeat.  Levels are
 * fractions for loss ("0.05" or "5%"), rates per second for a passive
 * task's metrics ("100M"), durations for the other metrics.
 */
#define THRESHOLD_METRICS	14
#define THRESHOLD_PROBE_METRICS	6	/* the first; then passive's */

struct threshold {
	const char	*metric;	/* "loss", "rtt_avg", ... (static) */
	int		 time;		/* a duration metric, else a fraction */
	int		 rate;		/* passive: a rate per second */
	int		 oneway;	/* twamp and stamp only */
	int		 below;		/* low is bad */
	double		 level;		/* fraction, or nanoseconds */
	int		 has_clear;
	double		 clear;
	long long	 for_n;		/* 0 when not given, as the three */
	long long	 clear_for;
	long long	 min_samples;
	int		 has_repeat;
	int64_t		 repeat;	/* nanoseconds; 0 never */
};

/* 0, or -1 and the reason in err. */
int	 threshold_parse(const char *, struct threshold *, char *, size_t);
/* A fraction ("0.05") or a percentage ("5%") from 0 to 1; -1 + reason. */
int	 fraction_parse(const char *, double *, char *, size_t);
/* "198.18.0.0/15", "2001:db8::/32": 0, or -1 and the reason. */
int	 cidr_parse(const char *, char *, size_t);

#endif /* LOPACTL_PARSER_H */
