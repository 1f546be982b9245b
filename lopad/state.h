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
 * "key" (the n of "<node>-<n>").  It is written whole: a temporary file,
 * fsync, rename, fsync of the directory.
 */
#ifndef LOPA_STATE_H
#define LOPA_STATE_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * Read path: its tasks into *tasks (n of them) and next_id.  0; 1 when
 * there is no file (nothing to restore); -1 when it cannot be read or
 * parsed, why in buf (the caller sets it aside).
 */
int	 state_read(const char *, uint32_t *, struct state_task **, size_t *,
	    char *, size_t);
/* One task as its line: a JSON object (malloc'd), NULL on error. */
char	*state_task_line(const struct state_task *);
/* Parse a line back; 0, or -1 with why. */
int	 state_task_parse(const char *, struct state_task *, char *, size_t);
/* Write the file atomically; 0, or -1 (errno). */
int	 state_write(const char *, uint32_t, char *const *, size_t);

#endif /* LOPA_STATE_H */
