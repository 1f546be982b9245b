/*
 * lopad: probe tasks in JSON, the REST API's side of task.h.  Request
 * bodies become validated struct task_params; the engine's task_info,
 * task_round, probe_result and task_event become the result, sample and
 * event documents.  Pure functions: no event loop, no I/O, no state.
 */
#ifndef LOPAD_TASK_JSON_H
#define LOPAD_TASK_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "task.h"

#define TASK_JSON_FIELDLEN	64

/* Why a request was refused. */
struct task_json_err {
	int		 status;	/* HTTP status: 400 */
	char		 field[TASK_JSON_FIELDLEN];	/* "" when none */
	char		 detail[LOPA_ERRLEN];	/* "field: reason" */
};

/*
 * A task creation request for the route of `type' (enum task_type):
 * check every field, apply the defaults, split the target into host and
 * port.  body is the parsed JSON document, NULL for an empty body.
 * 0, or -1 with *err filled in (p is then zeroed).
 */
int	 task_params_from_json(const json_t *, uint32_t,
	    struct task_params *, struct task_json_err *);
/* The same from JSON text (len 0: an empty body). */
int	 task_params_parse(const char *, size_t, uint32_t,
	    struct task_params *, struct task_json_err *);

/*
 * Pieces the monitors' requests share (monitor.c).  task_json_fail()
 * fills *e (400, field, "field: why") and returns -1.
 */
int	 task_json_fail(struct task_json_err *, const char *, const char *,
	    ...) __attribute__((__format__(printf, 3, 4)));
const char *task_json_typename(const json_t *);
/* "labels": an object of strings, packed into buf; 0 or -1 with *e. */
int	 task_json_labels(const json_t *, char *, size_t, uint32_t *,
	    struct task_json_err *);
/* Packed labels as an object, NULL when there are none. */
json_t	*task_json_labels_out(const char *, uint32_t);
int	 task_json_url_ok(const char *);
int	 task_json_ifname_ok(const char *);

/*
 * Query strings (the part after '?', NULL or "" for none).
 * GET /tasks: type, status.  GET /tasks/:id/samples: last.
 * 0, or -1 with *err naming the parameter.
 */
int	 task_query_list(const char *, struct task_query *,
	    struct task_json_err *);
int	 task_query_samples(const char *, struct task_query *,
	    struct task_json_err *);

/*
 * Documents.  Each returns a new reference, NULL when out of memory.
 * Strings from the structs are read up to their size (NUL-terminated or
 * not) and made valid UTF-8.
 */
/* The parameters with our field names: a valid creation body again. */
json_t	*task_params_json(const struct task_params *);
/* A stats object: Lopa's keys and ours. */
json_t	*task_stats_json(const struct stats_result *);
/* The "twamp" member of a twamp or stamp task's stats objects. */
json_t	*task_twamp_json(const struct task_twamp *);
/* A task result: GET /tasks/:id and each element of GET /tasks. */
json_t	*task_info_json(const struct task_info *,
	    const struct task_round *, size_t, const char *);
/* One sample: GET /tasks/:id/samples and SSE "probe" events. */
json_t	*task_sample_json(const struct probe_result *);
/*
 * A threshold's notification: the webhook's body and the "alert" event,
 * Lopa's fields with Lopa's names, types and units, then ours.
 */
json_t	*task_alert_json(const struct task_alert *, const char *);
/* One metric's alert state in GET /tasks/:id's "alerts". */
json_t	*alert_state_json(int, const struct alert_rule *,
	    const struct alert_sm *);
/* An SSE "state" event: {"status", "error"}. */
json_t	*task_state_json(const struct task_event *);
/* The same on /api/v1/events, with "task_id". */
json_t	*task_state_all_json(const struct task_event *);

/*
 * RFC 3339 UTC with nanoseconds, trailing zeros cut as Go does
 * ("2026-11-22T10:00:00.5Z"); a time <= 0 is Go's zero time,
 * "0001-01-01T00:00:00Z", which Lopa shows for "not yet".
 */
size_t	 task_time_format(int64_t, char *, size_t);
/* An address without port ("198.18.0.2", "2001:db8::1%3"); "" none. */
size_t	 task_addr_format(const struct task_addr *, char *, size_t);

#endif /* LOPAD_TASK_JSON_H */
