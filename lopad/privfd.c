/*
 * lopad: privileged sockets opened by the parent for its children.
 *
 * Children never hold a capability: they ask (IMSG_FD_REQUEST) and the
 * parent checks that the role may have that kind of socket, opens it,
 * and passes it back (IMSG_FD_REPLY with the fd, or the errno and text).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "lopad.h"
#include "privfd.h"

#define NETLINK_RCVBUF_DEFAULT	(8 * 1024 * 1024)
#define PRIVFD_ICMP_RCVBUF	(8 * 1024 * 1024)	/* per shared raw socket */

/* Which role may ask for which kind. */
static const enum lopa_proc privfd_owner[FD_KIND_MAX] = {
	[FD_ICMP_RAW] = PROC_SENDER,
	[FD_UDP_BIND] = PROC_REFLECTOR,
	[FD_TCP_LISTEN] = PROC_REFLECTOR,
	[FD_NETLINK_ROUTE] = PROC_NETLINK,
};

static int
privfd_fail(struct fd_reply *rep, int error, const char *what)
{
	rep->error = error;
	snprintf(rep->msg, sizeof(rep->msg), "%s: %s", what, strerror(error));
	return -1;
}

/*
 * reuse 0: no SO_REUSEADDR, so that a UDP port some other socket holds
 * is refused (EADDRINUSE) instead of shared: the TWAMP-Control server
 * tells a busy port from a free one that way.
 */
static int
privfd_bind_opt(int type, const char *addr, int backlog, int reuse,
    char *err, size_t errsz)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	const char		*errstr;
	int			 fd, on = 1, saved;

	if (addr_parse(addr, &ss, &sslen, &errstr) == -1) {
		snprintf(err, errsz, "%s: %s", addr, errstr);
		errno = EINVAL;
		return -1;
	}
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		goto fail;
	if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1)
		goto fail;
	if (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	/*
	 * UDP (the reflectors): the destination address of each request,
	 * so that the reply leaves from it; set here so that the sandboxed
	 * reflector needs no setsockopt.
	 */
	if (type == SOCK_DGRAM && ss.ss_family == AF_INET &&
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) == -1)
		goto fail;
	if (type == SOCK_DGRAM && ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on)) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, backlog) == -1)
		goto fail;
	return fd;
 fail:
	saved = errno;
	snprintf(err, errsz, "%s: %s", addr, strerror(saved));
	if (fd != -1)
		close(fd);
	errno = saved;
	return -1;
}

int
privfd_bind(int type, const char *addr, int backlog, char *err, size_t errsz)
{
	return privfd_bind_opt(type, addr, backlog, 1, err, errsz);
}

static int
privfd_icmp(const struct fd_request *req, struct fd_reply *rep)
{
	int	 fd, proto, level, opt, val;

	switch (req->family) {
	case AF_INET:
		proto = IPPROTO_ICMP;
		level = IPPROTO_IP;
		opt = IP_MTU_DISCOVER;
		break;
	case AF_INET6:
		proto = IPPROTO_ICMPV6;
		level = IPPROTO_IPV6;
		opt = IPV6_MTU_DISCOVER;
		break;
	default:
		return privfd_fail(rep, EAFNOSUPPORT, "icmp");
	}
	fd = socket(req->family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    proto);
	if (fd == -1)
		return privfd_fail(rep, errno, "icmp socket");
	/*
	 * Every session with these settings shares the socket, and the TX
	 * timestamps are charged to the same budget: the default ~200 KiB
	 * overflows on a short stall with a few hundred targets.  Only
	 * root may go past net.core.rmem_max; a failure costs capacity,
	 * not function.
	 */
	val = PRIVFD_ICMP_RCVBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &val,
	    sizeof(val)) == -1)
		log_warn("icmp socket: SO_RCVBUFFORCE %d", val);
	if (req->ifname[0] != '\0' && setsockopt(fd, SOL_SOCKET,
	    SO_BINDTODEVICE, req->ifname, strlen(req->ifname)) == -1) {
		rep->error = errno;
		close(fd);
		return privfd_fail(rep, rep->error, "SO_BINDTODEVICE");
	}
	switch (req->pmtu) {
	case PMTU_DEFAULT:
		return fd;
	case PMTU_DO:
		val = IP_PMTUDISC_DO;	/* same values for IPv6 */
		break;
	case PMTU_DONT:
		val = IP_PMTUDISC_DONT;
		break;
	case PMTU_PROBE:
		val = IP_PMTUDISC_PROBE;
		break;
	default:
		close(fd);
		return privfd_fail(rep, EINVAL, "pmtu mode");
	}
	if (setsockopt(fd, level, opt, &val, sizeof(val)) == -1) {
		rep->error = errno;
		close(fd);
		return privfd_fail(rep, rep->error, "MTU_DISCOVER");
	}
	return fd;
}

static int
privfd_netlink(const struct fd_request *req, struct fd_reply *rep)
{
	struct sockaddr_nl	 snl;
	int			 fd, sz;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_ROUTE);
	if (fd == -1)
		return privfd_fail(rep, errno, "netlink socket");
	sz = req->rcvbuf ? (int)req->rcvbuf : NETLINK_RCVBUF_DEFAULT;
	if (sz < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz,
	    sizeof(sz)) == -1) {
		rep->error = errno;
		close(fd);
		return privfd_fail(rep, rep->error, "SO_RCVBUFFORCE");
	}
	/* Bound (port chosen by the kernel): libnl reads its address. */
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	if (bind(fd, (struct sockaddr *)&snl, sizeof(snl)) == -1) {
		rep->error = errno;
		close(fd);
		return privfd_fail(rep, rep->error, "netlink bind");
	}
	return fd;
}

int
privfd_open(enum lopa_proc role, struct fd_request *req, struct fd_reply *rep)
{
	char	 err[LOPA_ERRLEN];
	int	 fd;

	memset(rep, 0, sizeof(*rep));
	req->ifname[sizeof(req->ifname) - 1] = '\0';
	req->addr[sizeof(req->addr) - 1] = '\0';
	rep->kind = req->kind;
	if (req->kind == FD_NONE || req->kind >= FD_KIND_MAX ||
	    privfd_owner[req->kind] != role) {
		log_warnx("%s asked for a socket of kind %u: refused",
		    proc_name(role), req->kind);
		return privfd_fail(rep, EPERM, "socket kind");
	}
	switch (req->kind) {
	case FD_ICMP_RAW:
		return privfd_icmp(req, rep);
	case FD_UDP_BIND:
	case FD_TCP_LISTEN:
		fd = privfd_bind_opt(req->kind == FD_UDP_BIND ? SOCK_DGRAM :
		    SOCK_STREAM, req->addr, 128, !(req->kind == FD_UDP_BIND &&
		    req->exclusive), err, sizeof(err));
		if (fd == -1) {
			rep->error = errno;
			strlcpy(rep->msg, err, sizeof(rep->msg));
		}
		return fd;
	case FD_NETLINK_ROUTE:
		return privfd_netlink(req, rep);
	default:
		return privfd_fail(rep, EINVAL, "socket kind");
	}
}
