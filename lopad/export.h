/*
 * lopa: push exports (config exports:): InfluxDB line protocol for
 * InfluxDB v1 /write, v2 /api/v2/write and Telegraf's http_listener_v2,
 * and the JSON-lines results log.  Pure: a result in, a line out.
 *
 * The engine sends one struct export_result per finished round (count
 * and duration tasks) and per window span (continuous tasks: every
 * window, from the task's start), per interval of a passive task (its
 * counters' deltas by interface), and with exports.results_log_per_probe
 * every probe's fate (struct export_probe, batched).
 */
#ifndef LOPA_EXPORT_H
#define LOPA_EXPORT_H

#include <stdint.h>

#include <jansson.h>

#include "metrics.h"
#include "task.h"

#define EXPORT_ROUND	1
#define EXPORT_WINDOW	2
#define EXPORT_INTERVAL	3	/* passive: one read to the next */

struct export_result {
	uint32_t	 key;		/* n of "<node>-<n>" */
	uint32_t	 type;		/* enum task_type */
	uint32_t	 mode;		/* enum task_mode */
	uint32_t	 kind;		/* EXPORT_ROUND, EXPORT_WINDOW */
	uint32_t	 index;		/* the round's, the window's (from 1) */
	uint32_t	 has_twamp;
	int64_t		 t_from;	/* realtime ns */
	int64_t		 t_to;
	int64_t		 window_ns;	/* continuous */
	char		 name[LOPA_NAMELEN];
	char		 target[TASK_TARGETLEN];
	char		 ip[LOPA_ADDRLEN];
	uint32_t	 labels_len;
	char		 labels[TASK_LABELSLEN];
	struct stats_result st;
	struct task_twamp twamp;
	/* passive (EXPORT_INTERVAL): the deltas of each interface */
	uint32_t	 npassive;
	int64_t		 dt_ns;		/* the interval's length */
	char		 pnames[TASK_MAXIFACES][TASK_IFNAMELEN];
	uint64_t	 pd[TASK_MAXIFACES][PC_MAX];
};

/* A probe's fate for the results log (IMSG_EXPORT_PROBES: an array). */
struct export_probe {
	uint32_t	 key;
	uint32_t	 type;
	struct probe_result pr;
};

/*
 * One line of line protocol (with its newline): measurement, tags (node,
 * task, name, type, mode, target, ip, the task's labels), fields, the
 * end of the round or window in ns.  Ping tasks also carry Telegraf's
 * ping plugin fields (packets_transmitted ... standard_deviation_ms).
 * A passive interval: a line per interface (tag interface), its deltas
 * and rates.
 */
void	 export_line(struct mbuf *, const struct export_result *,
	    const char *, const char *);
/* Line protocol escaping: a measurement, a tag key or value. */
void	 export_escape_meas(struct mbuf *, const char *);
void	 export_escape_tag(struct mbuf *, const char *);
/* A result as one JSON object of the results log; NULL (no memory). */
json_t	*export_json(const struct export_result *, const char *);
json_t	*export_probe_json(const struct export_probe *, const char *);

#endif /* LOPA_EXPORT_H */
