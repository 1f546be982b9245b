/*
 * lopad: the process table and the child run time (proc.c).
 *
 * A child is started by the parent with fork+exec of /proc/self/exe and
 * "-P role"; its channel to the parent is fd 3.  proc_child_main() reads
 * the init messages (IMSG_INIT, IMSG_SOCKET_CONN, IMSG_LISTENER,
 * IMSG_TOKENS, IMSG_RECONF_CONF) until IMSG_INIT_DONE, calls the role's
 * init hook (still root, before the sandbox), drops privileges (sandbox.c),
 * reports IMSG_READY and runs the event loop.  Reconfiguration, verbosity
 * and peer channels are handled here; everything else is handed to the
 * role's dispatch hooks, and a message no hook accepts is fatal.
 */
#ifndef LOPAD_PROC_H
#define LOPAD_PROC_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "imsg.h"
#include "imsgev.h"
#include "lopad.h"

/* Per-channel maximum message sizes. */
#define PROC_PARENT_MAXSIZE	(128 * 1024)	/* carries whole configs */
#define PROC_PEER_MAXSIZE	IMSG_MAXSIZE_DEFAULT

struct proc_role {
	enum lopa_proc	 role;
	/*
	 * Timers to the microsecond (libevent's timerfd: one more system
	 * call per wake-up); else to the millisecond of epoll_wait.
	 */
	int		 precise_timer;
	/* Before the sandbox, as root, with conf and listeners received. */
	void		(*init)(void);
	/* After the sandbox, just before the loop runs. */
	void		(*start)(void);
	/* Role-specific message from the parent: 0 handled, -1 not ours. */
	int		(*dispatch_parent)(struct imsg *);
	/* Message from a peer child: 0 handled, -1 not ours. */
	int		(*dispatch_peer)(enum lopa_proc, struct imsg *);
	/* Listener fd handed over by the parent (control only). */
	void		(*listener)(const struct listener_info *, int, int);
	/* Two-phase reload: check the new conf (0 ok, else error text). */
	int		(*reconf_check)(const struct lopad_conf *, char *, size_t);
	void		(*reconf_commit)(const struct lopad_conf *);
	void		(*reconf_abort)(void);
	/* Tokens for the API (control only). */
	void		(*tokens)(const struct api_token *, size_t);
	/* Shutdown: free what needs freeing. */
	void		(*shutdown)(void);
};

/* Child side globals. */
extern struct event_base	*proc_base;
extern struct lopad_conf	*proc_conf;	/* committed config */
extern enum lopa_proc		 proc_self;
extern struct proc_init		 proc_init_info;

__attribute__((__noreturn__))
void	 proc_child_main(enum lopa_proc, int, int);

/* Send to the parent or a peer child; fatal when the channel is gone. */
/* Messages queued to a peer, not yet written. */
size_t	 proc_queued(enum lopa_proc);
int	 proc_compose(enum lopa_proc, uint32_t, uint32_t, uint32_t, int,
	    const void *, size_t);
int	 proc_compose2(enum lopa_proc, uint32_t, uint32_t, uint32_t, int,
	    const void *, size_t, const void *, size_t);
/*
 * A reply to control in parts that fit a message (IMSG_BODY_DATA), then
 * its end (IMSG_BODY_END: status; field and detail for a problem).
 */
void	 proc_body_text(uint32_t, const char *, size_t);
void	 proc_body_end(uint32_t, uint32_t, const char *, const char *);
/* A clock's time in ns (CLOCK_REALTIME, CLOCK_MONOTONIC). */
int64_t	 proc_clock_ns(int);
/* ns as a timeval for libevent timers (rounded down; below 0: 0). */
struct timeval proc_ns_tv(int64_t);
/* Ask the parent for a privileged fd; the reply arrives as IMSG_FD_REPLY. */
int	 proc_request_fd(const struct fd_request *, uint32_t);

/* Role implementations (engine.c, sender.c, ...). */
extern const struct proc_role	 engine_role;
extern const struct proc_role	 sender_role;
extern const struct proc_role	 reflector_role;
extern const struct proc_role	 netlink_role;
extern const struct proc_role	 control_role;

/* sandbox.c */
/* Drop privileges for a role: chroot, ids, no_new_privs, landlock, seccomp. */
void	 sandbox_drop(enum lopa_proc, const struct proc_init *);
/* Apply only the seccomp filter of a role (tests). */
void	 sandbox_seccomp(enum lopa_proc);
/* Test hook: enter a role's sandbox and call execve (must be killed). */
__attribute__((__noreturn__))
void	 sandbox_selftest(enum lopa_proc, const struct proc_init *);

#endif /* LOPAD_PROC_H */
