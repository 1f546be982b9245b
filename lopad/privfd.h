/*
 * lopad: privileged sockets opened by the parent (privfd.c).
 */
#ifndef LOPAD_PRIVFD_H
#define LOPAD_PRIVFD_H

#include <stddef.h>

#include "lopad.h"

/* Open what a child asked for; -1 with rep->error and rep->msg set. */
int	 privfd_open(enum lopa_proc, struct fd_request *, struct fd_reply *);
/* A bound (and for SOCK_STREAM listening) socket on "ip:port". */
int	 privfd_bind(int, const char *, int, char *, size_t);

#endif /* LOPAD_PRIVFD_H */
