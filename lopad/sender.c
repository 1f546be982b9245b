/*
 * lopad: the sender process: every probe socket: sends, receives, timestamps (data plane).
 * This issue builds the process; probes arrive with later work.
 */
#include <sys/types.h>

#include <stddef.h>

#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "proc.h"

static void
sender_start(void)
{
	log_debug("started");
}

const struct proc_role sender_role = {
	.role = PROC_SENDER,
	.start = sender_start,
};
