/*
 * lopa: the names of task types, modes, states and probe statuses, as the
 * API, the logs and lopactl show them.
 */
#include <stddef.h>
#include <string.h>

#include "stats.h"
#include "task.h"

static const char *const task_types[TASK_TYPE_MAX] = {
	[TASK_PING] = "ping",
	[TASK_TCP] = "tcp",
	[TASK_UDP] = "udp",
	[TASK_TWAMP] = "twamp",
	[TASK_STAMP] = "stamp",
	[TASK_PASSIVE] = "passive",
};

static const char *const task_modes[TASK_MODE_MAX] = {
	[TASK_COUNT] = "count",
	[TASK_DURATION] = "duration",
	[TASK_CONTINUOUS] = "continuous",
};

static const char *const task_states[TASK_STATUS_MAX] = {
	[TASK_PENDING] = "pending",
	[TASK_RUNNING] = "running",
	[TASK_FINISHED] = "finished",
	[TASK_STOPPED] = "stopped",
	[TASK_FAILED] = "failed",
};

static const char *const probe_states[PROBE_NSTATUS] = {
	[PROBE_OK] = "ok",
	[PROBE_LOST] = "timeout",
	[PROBE_LATE] = "late",
	[PROBE_REFUSED] = "refused",
	[PROBE_UNREACHABLE] = "unreachable",
	[PROBE_TTL_EXCEEDED] = "ttl_exceeded",
	[PROBE_TOO_BIG] = "too_big",
	[PROBE_PARAM_PROBLEM] = "param_problem",
	[PROBE_ERROR] = "error",
};

static const char *const ts_sources[TS_MAX] = {
	[TS_NONE] = "none",
	[TS_TIMESTAMPING] = "so_timestamping",
	[TS_TIMESTAMPNS] = "so_timestampns",
	[TS_USER] = "clock_gettime",
	[TS_TCP_INFO] = "tcp_info",
	[TS_CONNECT] = "connect",
};

static const char *
name_of(const char *const *names, size_t n, uint32_t v)
{
	return (v < n ? names[v] : NULL);
}

static int
name_find(const char *const *names, size_t n, const char *s)
{
	size_t	 i;

	if (s == NULL)
		return (-1);
	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0)
			return ((int)i);
	return (-1);
}

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

const char *
task_type_name(uint32_t v)
{
	return (name_of(task_types, NELEM(task_types), v));
}

const char *
task_mode_name(uint32_t v)
{
	return (name_of(task_modes, NELEM(task_modes), v));
}

const char *
task_status_name(uint32_t v)
{
	return (name_of(task_states, NELEM(task_states), v));
}

const char *
probe_status_name(uint32_t v)
{
	return (name_of(probe_states, NELEM(probe_states), v));
}

const char *
ts_source_name(uint32_t v)
{
	return (name_of(ts_sources, NELEM(ts_sources), v));
}

int
task_type_from_name(const char *s)
{
	return (name_find(task_types, NELEM(task_types), s));
}

int
task_mode_from_name(const char *s)
{
	return (name_find(task_modes, NELEM(task_modes), s));
}

int
task_status_from_name(const char *s)
{
	return (name_find(task_states, NELEM(task_states), s));
}

int
task_is_final(uint32_t status)
{
	return (status == TASK_FINISHED || status == TASK_STOPPED ||
	    status == TASK_FAILED);
}
