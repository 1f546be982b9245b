/*
 * lopa: the state file (parent process; DESIGN §6).
 *
 * The continuous tasks created through the API, saved so that they come
 * back after a restart or a crash with their ids and parameters, and the
 * task ids handed out, so that none is given twice.  The file is lopad's
 * own YAML: a header, "next_id: N" (no task id at or above N has been
 * given) and "tasks:", one task per line as a flow mapping in JSON
 * syntax (YAML 1.2 reads it as such), holding the creation body of the
 * task ("type" and the API's fields, webhook_secret included) and its
 * "key" (the n of "<node>-<n>"); then "monitors:" likewise.  It is
 * written whole from the file as last written and the changes since
 * (the parent keeps no copy of its lines): a temporary file, fsync,
 * rename, fsync of the directory.
 */
#ifndef LOPA_STATE_H
#define LOPA_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "monitor.h"
#include "task.h"

#define STATE_ID_BLOCK		1000	/* ids reserved at a time */

/* engine <-> parent */
struct state_ids {
	uint32_t	 from;		/* the engine may use [from, upto) */
	uint32_t	 upto;
};

struct state_task {
	uint32_t	 key;
	struct task_params p;
};

struct state_monitor {
	uint32_t		 key;
	struct monitor_params	 p;
};

/* What a state file holds. */
struct state_file {
	uint32_t		 next;
	struct state_task	*tasks;
	size_t			 ntasks;
	struct state_monitor	*mons;
	size_t			 nmons;
};

/*
 * Read path into *sf (sf->next 1 and nothing when there is no file).
 * 0; 1 when there is no file; -1 when it cannot be read or parsed, why
 * in buf (the caller sets it aside).  state_file_free() frees it.
 */
int	 state_read(const char *, struct state_file *, char *, size_t);
void	 state_file_free(struct state_file *);
/* One task as its line: a JSON object (malloc'd), "key" first. */
char	*state_task_line(const struct state_task *);
/* Parse a line back; 0, or -1 with why. */
int	 state_task_parse(const char *, struct state_task *, char *, size_t);
/* The same for monitors. */
char	*state_monitor_line(const struct state_monitor *);
int	 state_monitor_parse(const char *, struct state_monitor *, char *,
	    size_t);

/*
 * The file's sections: tasks, then monitors.  A change replaces or
 * removes (line NULL) the line of its key: keys (ids) are unique across
 * sections.
 */
enum state_section {
	STATE_TASKS = 0,
	STATE_MONITORS,
	STATE_NSECTIONS
};

struct state_change {
	uint32_t	 key;
	uint8_t		 section;	/* enum state_section */
	char		*line;		/* NULL: removed */
};

/*
 * Write path anew, atomically: the lines of src (the file as last
 * written, open; -1 for none) but those of the keys changed, then the
 * changed lines, each in its section.  Of several changes to one key
 * the last counts; changes is sorted in place.  The memory this takes
 * does not grow with the tasks saved.  0 with the new file open
 * read-only in *newfd (src is left open), or -1 (errno).
 */
int	 state_rewrite(const char *, int, uint32_t, struct state_change *,
	    size_t, int *);

#endif /* LOPA_STATE_H */
