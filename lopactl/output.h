/*
 * lopactl: output of the API's answers, as text or JSON (a small vtable,
 * as in bgpctl).
 */
#ifndef LOPACTL_OUTPUT_H
#define LOPACTL_OUTPUT_H

#include <jansson.h>

#include "http.h"

struct output {
	/* 2xx answers, on stdout */
	void	(*status)(const struct http_resp *, json_t *);
	void	(*reload)(const struct http_resp *, json_t *);
	void	(*reflector)(const struct http_resp *, json_t *);
	void	(*task_list)(const struct http_resp *, json_t *);
	void	(*task_show)(const struct http_resp *, json_t *);
	/* POST /tasks/ID/stop, DELETE /tasks/ID; the task's id */
	void	(*task_stop)(const struct http_resp *, json_t *, const char *);
	void	(*task_delete)(const struct http_resp *, json_t *,
		    const char *);
	/* a continuous task created and left running: its id */
	void	(*task_created)(const struct http_resp *, json_t *);
	/*
	 * ping, tcp, udp: the line before the probes (type, target, id and
	 * what runs), each SSE probe event (parsed, and its data as sent),
	 * the task's result at the end (parsed, and its text).
	 */
	void	(*probe_start)(const char *, const char *, const char *,
		    const char *);
	void	(*probe)(json_t *, const char *, size_t);
	void	(*summary)(json_t *, const char *, size_t);
	/* a threshold's notification on a followed task's stream */
	void	(*alert)(json_t *, const char *, size_t);
	/* monitor: an event of GET /api/v1/events, by name */
	void	(*event)(const char *, json_t *, const char *, size_t);
	/*
	 * netlink monitors: the list, one monitor with its last events
	 * (NULL with -j: the monitor alone), a monitor's events; the one
	 * created; the id of the one updated or deleted.
	 */
	void	(*monitor_list)(const struct http_resp *, json_t *);
	void	(*monitor_show)(const struct http_resp *, json_t *, json_t *);
	void	(*monitor_events)(const struct http_resp *, json_t *);
	void	(*monitor_created)(const struct http_resp *, json_t *);
	void	(*monitor_updated)(const struct http_resp *, json_t *,
		    const char *);
	void	(*monitor_deleted)(const struct http_resp *, json_t *,
		    const char *);
	/*
	 * show interfaces, show routes: the array of the objects that the
	 * command's filters kept; routes' interfaces (GET
	 * /api/v1/interfaces, or NULL) name the interfaces of next hops.
	 */
	void	(*interfaces)(json_t *);
	void	(*routes)(json_t *, json_t *);
	/*
	 * passive: the line before the rows (interfaces, id, what runs)
	 * and the table's header (INTERFACE width); a duration task's
	 * round (and the task's result it came in); a continuous task's
	 * new read (every interface's last interval when all, else those
	 * not found); the result at the end (parsed, and its text).
	 */
	void	(*passive_start)(const char *, const char *, const char *,
		    int);
	void	(*passive_round)(json_t *, json_t *, int);
	void	(*passive_read)(json_t *, int, int);
	void	(*passive_summary)(json_t *, const char *, size_t);
	/* error answers: problem+json (json may be NULL), on stderr */
	void	(*problem)(const struct http_resp *, json_t *);
};

extern const struct output text_output;
extern const struct output json_output;

#endif /* LOPACTL_OUTPUT_H */
