/*
 * lopa: threshold rules and their alert state machines.
 *
 * Pure computation: no I/O, no clock reads (the caller gives the time).
 * A continuous task has at most one rule per metric; each rule has its
 * own state machine, ok -> alerting -> ok, fed one evaluation per probe
 * whose fate became known, with the window's value of the metric.  Each
 * transition gives exactly one notification (an alert or a recovery); a
 * recovery follows only an alert; several metrics alert independently.
 *
 * A rule breaches at or above its level (`above', the default) or at or
 * below it (`below', for metrics where low is bad); it recovers past its
 * clear level (strictly below it for `above', strictly above it for
 * `below'), the level itself when none is given, so that a clear level
 * set apart from the level gives hysteresis.  `for' consecutive breaching
 * evaluations raise the alert, `clear_for' consecutive clear ones end it;
 * any other evaluation starts the count again.  Until the window holds
 * min_samples decided probes a rule is not evaluated.  An evaluation
 * without a value (latency metrics at 100 % loss: no data) changes no
 * state and breaks a count in progress.
 */
#ifndef LOPA_ALERT_H
#define LOPA_ALERT_H

#include <stddef.h>
#include <stdint.h>

enum alert_metric {
	ALERT_LOSS = 0,		/* the window's loss rate, a fraction */
	ALERT_RTT_AVG,		/* the window's average RTT, ns */
	ALERT_RTT_P99,		/* its 99th percentile, ns */
	ALERT_JITTER,		/* mean |RTT_i - RTT_i-1|, ns */
	ALERT_FORWARD_P99,	/* twamp, stamp: one-way, ns */
	ALERT_BACKWARD_P99,
	/* passive: the window's rates per second, the worst interface's */
	ALERT_BPS_IN,		/* bits */
	ALERT_BPS_OUT,
	ALERT_PPS_IN,
	ALERT_PPS_OUT,
	ALERT_ERRORS_IN_RATE,
	ALERT_ERRORS_OUT_RATE,
	ALERT_DROPS_IN_RATE,
	ALERT_DROPS_OUT_RATE,
	ALERT_NMETRICS
};
#define ALERT_RATE_MAX		1e15	/* per second */

/* One rule, as a task carries it (flat: it travels in task_params). */
struct alert_rule {
	uint8_t		 set;		/* the rule exists */
	uint8_t		 below;		/* low is bad */
	uint8_t		 has_clear;	/* clear was given */
	uint8_t		 lopa;		/* from loss_/latency_threshold */
	uint32_t	 for_n;		/* >= 1 */
	uint32_t	 clear_for;	/* >= 1 */
	uint32_t	 min_samples;	/* >= 1 */
	double		 level;		/* loss: fraction; others: ns */
	double		 clear;		/* = level unless has_clear */
	int64_t		 repeat_ns;	/* re-notify while alerting; 0 never */
};

enum alert_state {
	ALERT_OK = 0,
	ALERT_ALERTING
};

/* The state machine of one rule. */
struct alert_sm {
	uint8_t		 state;		/* enum alert_state */
	uint8_t		 nodata;	/* the last evaluation had no value */
	uint8_t		 waiting;	/* ... had fewer than min_samples */
	uint8_t		 pad;
	uint32_t	 streak;	/* consecutive evaluations toward a change */
	double		 value;		/* the last value */
	double		 worst;		/* the worst value of the alert */
	int64_t		 since;		/* the state's start; 0: never changed */
	int64_t		 notified;	/* the last notification; 0: none */
	int64_t		 changed_at;	/* the caller's: since, realtime */
	uint64_t	 evaluations;
	uint64_t	 alerts;
	uint64_t	 recoveries;
	uint64_t	 repeats;
};

/* What an evaluation gives to notify. */
enum alert_note {
	ALERT_NOTE_NONE = 0,
	ALERT_NOTE_ALERT,
	ALERT_NOTE_RECOVERY,
	ALERT_NOTE_REPEAT	/* still alerting, `repeat' has passed */
};

/* The window's figures for one evaluation. */
struct alert_input {
	int		 have;		/* a value (else: no data) */
	double		 value;
	uint64_t	 samples;	/* decided probes in the window */
};

void		 alert_sm_init(struct alert_sm *);
/* One evaluation at `now' (ns, any clock that does not go back). */
enum alert_note	 alert_eval(const struct alert_rule *, struct alert_sm *,
		    const struct alert_input *, int64_t);
/* Whether v breaches the rule's level; whether it is past its clear. */
int		 alert_breaches(const struct alert_rule *, double);
int		 alert_clears(const struct alert_rule *, double);
/*
 * A rule as given, checked and completed (clear, for, clear_for,
 * min_samples defaults): 0, or -1 with *field the member at fault
 * ("above", "clear"...) and *why the reason.
 */
int		 alert_rule_check(struct alert_rule *, int, const char **,
		    const char **);

/* "loss", "rtt_avg", ...; NULL out of range.  -1 for an unknown name. */
const char	*alert_metric_name(int);
int		 alert_metric_from_name(const char *);
/* Whether the metric is a time (ns) rather than a fraction. */
int		 alert_metric_is_time(int);
/* A passive task's rate (per second); the others are probes'. */
int		 alert_metric_is_rate(int);
/*
 * A value as text: "12.00%" for loss, a duration ("150ms") for times,
 * "1.50Mbit/s" for bit rates, "12.50/s" for the other rates.
 */
void		 alert_value_text(int, double, char *, size_t);
/* "ok", "pending", "alerting", "recovering" as the API shows a machine. */
const char	*alert_state_name(const struct alert_sm *);
const char	*alert_note_name(int);

#endif /* LOPA_ALERT_H */
