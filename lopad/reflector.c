/*
 * lopad: the reflector process: UDP echo, TWAMP-light/STAMP reflector, TWAMP-Control server.
 * This issue builds the process; the reflectors arrive with later work.
 */
#include <sys/types.h>

#include <stddef.h>

#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "proc.h"

static void
reflector_start(void)
{
	log_debug("started");
}

const struct proc_role reflector_role = {
	.role = PROC_REFLECTOR,
	.start = reflector_start,
};
