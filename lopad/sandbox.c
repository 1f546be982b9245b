/*
 * lopad: privilege drop for the children.
 *
 * Order (DESIGN §2): chroot -> setgroups/setresgid/setresuid ->
 * PR_SET_NO_NEW_PRIVS -> landlock (best effort) -> seccomp allow-list.
 * Each allow-list was built from strace -f of the real process; the
 * regress suite checks that execve kills every role.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "lopad.h"
#include "proc.h"

/* Debian 12's <linux/landlock.h> knows ABI 2; the kernel may know more. */
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION	(1U << 0)
#endif
#define LL_FS_ABI1		((1ULL << 13) - 1)	/* EXECUTE..MAKE_SYM */
#define LL_FS_REFER		(1ULL << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP		(1ULL << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)		/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)		/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)		/* ABI 6 */

struct ll_ruleset_attr {
	uint64_t	 handled_access_fs;
	uint64_t	 handled_access_net;
	uint64_t	 scoped;
};

#define LL_RULE_NET_PORT	2			/* ABI 4 */
struct ll_net_port_attr {
	uint64_t	 allowed_access;
	uint64_t	 port;
} __attribute__((__packed__));

/*
 * What every child calls once sandboxed (strace -f of the real daemon
 * through start, status, reload, refused writes and shutdown): libevent
 * with epoll and a timerfd (precise timers), the framing, malloc, and the
 * fatal path (poll in imsgbuf_flush_blocking).  sysinfo: glibc's qsort
 * asks for the physical memory size before sorting more than 1 KiB.
 */
static const int sc_common[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(close), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(timerfd_settime), SCMP_SYS(poll),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(getpid),
	SCMP_SYS(getrandom), SCMP_SYS(restart_syscall),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(sysinfo),
};

/*
 * control: HTTP server on passed listeners; peer credentials; evdns on
 * the UDP sockets it opened before the sandbox (queries and answers);
 * webhooks: libcurl's TCP connections (socket() is allowed apart, for
 * TCP only), their options, and TLS.
 */
static const int sc_control[] = {
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(shutdown),
	SCMP_SYS(getpeername), SCMP_SYS(getsockname), SCMP_SYS(getsockopt),
	SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(connect), SCMP_SYS(setsockopt), SCMP_SYS(fcntl),
	/* OpenSSL's locks (TLS to https receivers) */
	SCMP_SYS(futex),
};

/*
 * netlink: the passed socket, driven by libnl: its address and type
 * (nl_socket_set_fd), memberships (setsockopt), dump requests (sendto).
 */
static const int sc_netlink[] = {
	SCMP_SYS(getsockopt), SCMP_SYS(getsockname), SCMP_SYS(setsockopt),
	SCMP_SYS(sendto),
};

/*
 * sender: the raw ICMP sockets come from the parent; tcp and udp probes
 * open their own sockets (socket() itself is allowed apart, for
 * AF_INET/AF_INET6 streams and datagrams only).
 */
static const int sc_sender[] = {
	SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockopt), SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg),
	/* twamp, stamp: the Error Estimate (read-only, as the reflector) */
	SCMP_SYS(adjtimex), SCMP_SYS(clock_adjtime),
	/* twamp with TWAMP-Control: the addresses of the two sockets */
	SCMP_SYS(getsockname),
};

/*
 * reflector: UDP echo and TWAMP/STAMP on the passed sockets, in batches;
 * the clock's state for the Error Estimate (adjtimex with modes 0: the
 * process has no CAP_SYS_TIME, so the kernel refuses any change); the
 * TWAMP-Control server's connections on the passed listener (accept4,
 * and getsockname for the address a session defaults to).  Its
 * setsockopt calls are allowed apart, option by option.
 */
static const int sc_reflector[] = {
	SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg),
	SCMP_SYS(adjtimex), SCMP_SYS(clock_adjtime),
	SCMP_SYS(accept4), SCMP_SYS(getsockname),
};

/*
 * The options the reflector sets on the TWAMP sockets it was passed,
 * and TCP_NODELAY on TWAMP-Control connections.
 */
static const int sc_reflector_sockopts[][2] = {
	{ IPPROTO_TCP, TCP_NODELAY },
	{ SOL_SOCKET, SO_TIMESTAMPING },
	{ SOL_SOCKET, SO_TIMESTAMPNS },
	{ IPPROTO_IP, IP_RECVTTL },
	{ IPPROTO_IP, IP_TTL },
	{ IPPROTO_IP, IP_RECVTOS },
	{ IPPROTO_IPV6, IPV6_RECVHOPLIMIT },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS },
	{ IPPROTO_IPV6, IPV6_RECVTCLASS },
};

static const int sc_none[] = { -1 };

struct sandbox_role {
	const int	*calls;
	size_t		 ncalls;
	uint64_t	 ll_net;	/* landlock TCP rights to deny */
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct sandbox_role sandbox_roles[PROC_MAX] = {
	[PROC_ENGINE] = { sc_none, 0, LL_NET_BIND_TCP | LL_NET_CONNECT_TCP },
	/* TCP probes connect anywhere, and bind only to port 0. */
	[PROC_SENDER] = { sc_sender, NELEM(sc_sender), LL_NET_BIND_TCP },
	[PROC_REFLECTOR] = { sc_reflector, NELEM(sc_reflector),
	    LL_NET_BIND_TCP | LL_NET_CONNECT_TCP },
	[PROC_NETLINK] = { sc_netlink, NELEM(sc_netlink),
	    LL_NET_BIND_TCP | LL_NET_CONNECT_TCP },
	/* Later: webhook connections. */
	[PROC_CONTROL] = { sc_control, NELEM(sc_control), LL_NET_BIND_TCP },
};

static void
sandbox_landlock(enum lopa_proc role)
{
	struct ll_ruleset_attr	 attr;
	struct ll_net_port_attr	 port0;
	size_t			 attrsz;
	long			 abi;
	int			 fd;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		log_debug("landlock not available");
		return;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = LL_FS_ABI1;
	attrsz = sizeof(attr.handled_access_fs);
	if (abi >= 2)
		attr.handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	if (abi >= 4) {
		attr.handled_access_net = sandbox_roles[role].ll_net;
		attrsz = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		attrsz = sizeof(attr);
	}
	/* No rules: no file system access at all, and the TCP rights above. */
	fd = syscall(SYS_landlock_create_ruleset, &attr, attrsz, 0);
	if (fd == -1) {
		log_warn("landlock_create_ruleset (ABI %ld)", abi);
		return;
	}
	/* The sender's TCP probes bind to a source address, port 0. */
	if (abi >= 4 && role == PROC_SENDER) {
		memset(&port0, 0, sizeof(port0));
		port0.allowed_access = LL_NET_BIND_TCP;
		if (syscall(SYS_landlock_add_rule, fd, LL_RULE_NET_PORT,
		    &port0, 0) == -1)
			log_warn("landlock_add_rule (port 0)");
	}
	if (syscall(SYS_landlock_restrict_self, fd, 0) == -1)
		log_warn("landlock_restrict_self");
	close(fd);
}

static void
sandbox_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char	 buf[96];
	int	 n;

	n = snprintf(buf, sizeof(buf), "lopad: seccomp: syscall %d denied\n",
	    si->si_syscall);
	if (n > 0)
		(void)!write(STDERR_FILENO, buf, n);
	_exit(159);
}

/* sender: socket(AF_INET or AF_INET6, SOCK_STREAM or SOCK_DGRAM, 0). */
static void
sandbox_sender_socket(scmp_filter_ctx ctx)
{
	const int	 fam[] = { AF_INET, AF_INET6 };
	const int	 type[] = { SOCK_STREAM, SOCK_DGRAM };
	const uint32_t	 mask = ~(uint32_t)(SOCK_NONBLOCK | SOCK_CLOEXEC);
	size_t		 i, j;
	int		 rc;

	for (i = 0; i < NELEM(fam); i++)
		for (j = 0; j < NELEM(type); j++) {
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			    SCMP_SYS(socket), 3,
			    SCMP_A0_32(SCMP_CMP_EQ, fam[i], 0),
			    SCMP_A1_32(SCMP_CMP_MASKED_EQ, mask, type[j]),
			    SCMP_A2_32(SCMP_CMP_EQ, 0, 0));
			if (rc < 0)
				fatalx("seccomp socket rule: %s",
				    strerror(-rc));
		}
}

/*
 * control: socket(AF_INET or AF_INET6, SOCK_STREAM, 0 or IPPROTO_TCP),
 * webhook connections (libcurl names the protocol).
 */
static void
sandbox_control_socket(scmp_filter_ctx ctx)
{
	const int	 fam[] = { AF_INET, AF_INET6 };
	const int	 proto[] = { 0, IPPROTO_TCP };
	const uint32_t	 mask = ~(uint32_t)(SOCK_NONBLOCK | SOCK_CLOEXEC);
	size_t		 i, j;
	int		 rc;

	for (i = 0; i < NELEM(fam); i++)
		for (j = 0; j < NELEM(proto); j++) {
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			    SCMP_SYS(socket), 3,
			    SCMP_A0_32(SCMP_CMP_EQ, fam[i], 0),
			    SCMP_A1_32(SCMP_CMP_MASKED_EQ, mask, SOCK_STREAM),
			    SCMP_A2_32(SCMP_CMP_EQ, proto[j], 0));
			if (rc < 0)
				fatalx("seccomp socket rule: %s",
				    strerror(-rc));
		}
}

/* reflector: setsockopt(fd, level, option) for the pairs above only. */
static void
sandbox_reflector_sockopts(scmp_filter_ctx ctx)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < NELEM(sc_reflector_sockopts); i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    SCMP_SYS(setsockopt), 2,
		    SCMP_A1_32(SCMP_CMP_EQ, sc_reflector_sockopts[i][0], 0),
		    SCMP_A2_32(SCMP_CMP_EQ, sc_reflector_sockopts[i][1], 0));
		if (rc < 0)
			fatalx("seccomp setsockopt rule: %s", strerror(-rc));
	}
}

static void
sandbox_allow(scmp_filter_ctx ctx, int call)
{
	int	 rc;

	if (call < 0)
		return;
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, call, 0)) < 0)
		fatalx("seccomp_rule_add %d: %s", call, strerror(-rc));
}

void
sandbox_seccomp(enum lopa_proc role)
{
	scmp_filter_ctx		 ctx;
	const struct sandbox_role *sr = &sandbox_roles[role];
	struct sigaction	 sa;
	uint32_t		 deny = SCMP_ACT_KILL_PROCESS;
	size_t			 i;
	int			 rc;

	/*
	 * LOPAD_SECCOMP_DEBUG=1 names the denied call on stderr instead of
	 * a silent kill (a development aid; still fatal).
	 */
	if (getenv("LOPAD_SECCOMP_DEBUG") != NULL) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sandbox_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSYS, &sa, NULL);
		deny = SCMP_ACT_TRAP;
	}
	if ((ctx = seccomp_init(deny)) == NULL)
		fatalx("seccomp_init");
	for (i = 0; i < NELEM(sc_common); i++)
		sandbox_allow(ctx, sc_common[i]);
	for (i = 0; i < sr->ncalls; i++)
		sandbox_allow(ctx, sr->calls[i]);
	if (role == PROC_SENDER)
		sandbox_sender_socket(ctx);
	if (role == PROC_CONTROL)
		sandbox_control_socket(ctx);
	if (role == PROC_REFLECTOR)
		sandbox_reflector_sockopts(ctx);
	/* libevent's buffers ask how much is readable; nothing else. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_EQ, FIONREAD));
	if (rc < 0)
		fatalx("seccomp ioctl rule: %s", strerror(-rc));
	if ((rc = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-rc));
	seccomp_release(ctx);
}

static void
sandbox_ids(const struct proc_init *pi)
{
	uid_t	 r, e, s;

	if (pi->uid == 0)
		fatalx("refusing to run a child as root");
	if (setgroups(1, &pi->gid) == -1)
		fatal("setgroups");
	if (setresgid(pi->gid, pi->gid, pi->gid) == -1)
		fatal("setresgid");
	if (setresuid(pi->uid, pi->uid, pi->uid) == -1)
		fatal("setresuid");
	if (getresuid(&r, &e, &s) == -1 || r == 0 || e == 0 || s == 0)
		fatalx("still root after setresuid");
}

void
sandbox_drop(enum lopa_proc role, const struct proc_init *pi)
{
	if ((unsigned)role >= PROC_MAX || role == PROC_PARENT)
		fatalx("%s: bad role", __func__);
	if (pi->chroot[0] != '\0') {
		if (chroot(pi->chroot) == -1)
			fatal("chroot %s", pi->chroot);
		if (chdir("/") == -1)
			fatal("chdir /");
	}
	sandbox_ids(pi);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	sandbox_landlock(role);
	sandbox_seccomp(role);
}

void
sandbox_selftest(enum lopa_proc role, const struct proc_init *pi)
{
	char	*argv[] = { "true", NULL };
	char	*envp[] = { NULL };

	sandbox_drop(role, pi);
	execve("/bin/true", argv, envp);
	/* Not reached when the filter works: execve kills the process. */
	fprintf(stderr, "lopad: %s sandbox allowed execve (%s)\n",
	    proc_name(role), strerror(errno));
	exit(1);
}
