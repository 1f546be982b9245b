/*
 * lopa: threshold rules and their alert state machines (alert.h).
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "duration.h"

#define ALERT_FOR_MAX		1000000
#define ALERT_SAMPLES_MAX	1000000
#define ALERT_TIME_MAX		(24.0 * 3600 * 1e9)	/* ns */

static const char *const metric_names[ALERT_NMETRICS] = {
	[ALERT_LOSS] = "loss",
	[ALERT_RTT_AVG] = "rtt_avg",
	[ALERT_RTT_P99] = "rtt_p99",
	[ALERT_JITTER] = "jitter",
	[ALERT_FORWARD_P99] = "forward_p99",
	[ALERT_BACKWARD_P99] = "backward_p99",
	[ALERT_BPS_IN] = "bps_in",
	[ALERT_BPS_OUT] = "bps_out",
	[ALERT_PPS_IN] = "pps_in",
	[ALERT_PPS_OUT] = "pps_out",
	[ALERT_ERRORS_IN_RATE] = "errors_in_rate",
	[ALERT_ERRORS_OUT_RATE] = "errors_out_rate",
	[ALERT_DROPS_IN_RATE] = "drops_in_rate",
	[ALERT_DROPS_OUT_RATE] = "drops_out_rate",
};

const char *
alert_metric_name(int m)
{
	if (m < 0 || m >= ALERT_NMETRICS)
		return NULL;
	return metric_names[m];
}

int
alert_metric_from_name(const char *name)
{
	int	 m;

	for (m = 0; m < ALERT_NMETRICS; m++)
		if (strcmp(name, metric_names[m]) == 0)
			return m;
	return -1;
}

int
alert_metric_is_time(int m)
{
	return m > ALERT_LOSS && m <= ALERT_BACKWARD_P99;
}

int
alert_metric_is_rate(int m)
{
	return m >= ALERT_BPS_IN && m < ALERT_NMETRICS;
}

const char *
alert_state_name(const struct alert_sm *sm)
{
	if (sm->state == ALERT_ALERTING)
		return sm->streak > 0 ? "recovering" : "alerting";
	return sm->streak > 0 ? "pending" : "ok";
}

void
alert_value_text(int m, double v, char *buf, size_t len)
{
	static const char	 si[] = " kMGTP";
	char			 unit[2] = { 0, 0 };
	int			 i;

	if (alert_metric_is_time(m))
		duration_format((int64_t)v, buf, len);
	else if (m == ALERT_BPS_IN || m == ALERT_BPS_OUT) {
		for (i = 0; v >= 1000 && si[i + 1] != '\0'; i++)
			v /= 1000;
		unit[0] = i == 0 ? '\0' : si[i];
		snprintf(buf, len, "%.2f%sbit/s", v, unit);
	} else if (alert_metric_is_rate(m))
		snprintf(buf, len, "%.2f/s", v);
	else
		snprintf(buf, len, "%.2f%%", v * 100);
}

const char *
alert_note_name(int n)
{
	switch (n) {
	case ALERT_NOTE_ALERT:
		return "alert";
	case ALERT_NOTE_RECOVERY:
		return "recovery";
	case ALERT_NOTE_REPEAT:
		return "repeat";
	default:
		return NULL;
	}
}

void
alert_sm_init(struct alert_sm *sm)
{
	memset(sm, 0, sizeof(*sm));
}

int
alert_breaches(const struct alert_rule *r, double v)
{
	return r->below ? v <= r->level : v >= r->level;
}

int
alert_clears(const struct alert_rule *r, double v)
{
	return r->below ? v > r->clear : v < r->clear;
}

/* Whether a is worse than b for this rule. */
static int
worse(const struct alert_rule *r, double a, double b)
{
	return r->below ? a < b : a > b;
}

enum alert_note
alert_eval(const struct alert_rule *r, struct alert_sm *sm,
    const struct alert_input *in, int64_t now)
{
	if (!r->set)
		return ALERT_NOTE_NONE;
	sm->waiting = in->samples < r->min_samples;
	sm->nodata = !sm->waiting && !in->have;
	if (sm->waiting || sm->nodata) {
		sm->streak = 0;
		return ALERT_NOTE_NONE;
	}
	sm->evaluations++;
	sm->value = in->value;
	if (sm->state == ALERT_OK) {
		if (!alert_breaches(r, in->value)) {
			sm->streak = 0;
			return ALERT_NOTE_NONE;
		}
		if (++sm->streak < r->for_n)
			return ALERT_NOTE_NONE;
		sm->state = ALERT_ALERTING;
		sm->streak = 0;
		sm->worst = in->value;
		sm->since = now;
		sm->notified = now;
		sm->alerts++;
		return ALERT_NOTE_ALERT;
	}
	if (worse(r, in->value, sm->worst))
		sm->worst = in->value;
	if (!alert_clears(r, in->value)) {
		sm->streak = 0;
		if (r->repeat_ns > 0 && now - sm->notified >= r->repeat_ns) {
			sm->notified = now;
			sm->repeats++;
			return ALERT_NOTE_REPEAT;
		}
		return ALERT_NOTE_NONE;
	}
	if (++sm->streak < r->clear_for)
		return ALERT_NOTE_NONE;
	sm->state = ALERT_OK;
	sm->streak = 0;
	sm->since = now;
	sm->notified = now;
	sm->recoveries++;
	return ALERT_NOTE_RECOVERY;
}

/* Why a level is out of range for the metric; NULL when it is not. */
static const char *
level_bad(int metric, double v)
{
	if (alert_metric_is_time(metric)) {
		/* Kept exact in a double, and shown as an int64_t. */
		if (!isfinite(v) || v < 0 || v > ALERT_TIME_MAX)
			return "must be a duration from 0 to 24h";
		return NULL;
	}
	if (alert_metric_is_rate(metric)) {
		if (!isfinite(v) || v < 0 || v > ALERT_RATE_MAX)
			return "must be a rate per second from 0 to 1e15";
		return NULL;
	}
	if (!isfinite(v) || v < 0 || v > 1)
		return "must be a fraction between 0 and 1";
	return NULL;
}

int
alert_rule_check(struct alert_rule *r, int metric, const char **field,
    const char **why)
{
	const char	*level = r->below ? "below" : "above";

	*field = level;
	if (metric < 0 || metric >= ALERT_NMETRICS) {
		*field = "";
		*why = "unknown metric";
		return -1;
	}
	if ((*why = level_bad(metric, r->level)) != NULL)
		return -1;
	if (!r->below && r->level == 0) {
		*why = "must be more than 0 (every value is at or above 0)";
		return -1;
	}
	if (!r->has_clear)
		r->clear = r->level;
	*field = "clear";
	if ((*why = level_bad(metric, r->clear)) != NULL)
		return -1;
	if (r->below ? r->clear < r->level : r->clear > r->level) {
		*why = r->below ? "must not be below the level (below)" :
		    "must not be above the level (above)";
		return -1;
	}
	*field = "for";
	if (r->for_n == 0)
		r->for_n = 1;
	if (r->for_n > ALERT_FOR_MAX) {
		*why = "must be between 1 and 1000000 evaluations";
		return -1;
	}
	*field = "clear_for";
	if (r->clear_for == 0)
		r->clear_for = r->for_n;
	if (r->clear_for > ALERT_FOR_MAX) {
		*why = "must be between 1 and 1000000 evaluations";
		return -1;
	}
	*field = "min_samples";
	if (r->min_samples == 0)
		r->min_samples = 1;
	if (r->min_samples > ALERT_SAMPLES_MAX) {
		*why = "must be between 1 and 1000000";
		return -1;
	}
	*field = "repeat";
	if (r->repeat_ns < 0) {
		*why = "must not be negative";
		return -1;
	}
	r->set = 1;
	*field = NULL;
	*why = NULL;
	return 0;
}
