/*
 * lopad: the engine process: tasks, schedules, statistics, thresholds, monitor filters and rings.
 * This issue builds the process; tasks and monitors arrive with later work.
 */
#include <sys/types.h>

#include <stddef.h>

#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "proc.h"

static void
engine_start(void)
{
	log_debug("started");
}

const struct proc_role engine_role = {
	.role = PROC_ENGINE,
	.start = engine_start,
};
