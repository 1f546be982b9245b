/*
 * lopad: what the engine's parts share (engine.c, engine_mon.c).
 */
#ifndef LOPAD_ENGINE_H
#define LOPAD_ENGINE_H

#include <stdint.h>

#include "imsg.h"
#include "lopad.h"

/* A fresh id's key (tasks and monitors share them); 0: none yet. */
uint32_t	 engine_key_take(void);
/* The key of an id "<node>-<n>", 0 when it is not one. */
uint32_t	 engine_key_of(const char *);
const char	*engine_node(void);

/* Monitors (engine_mon.c). */
int		 engine_mon_dispatch(enum lopa_proc, struct imsg *);
int		 engine_mon_has_key(uint32_t);
void		 engine_mon_reconf(void);
void		 engine_mon_shutdown(void);

#endif /* LOPAD_ENGINE_H */
