/*
 * lopad: the netlink process: link, address and route events, interface
 * counters.  It holds no capability: the parent creates the NETLINK_ROUTE
 * socket with SO_RCVBUFFORCE and passes it on request.  Subscriptions and
 * the event machinery arrive with later work.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "proc.h"

static int	 netlink_fd = -1;

static void
netlink_start(void)
{
	struct fd_request	 req;

	memset(&req, 0, sizeof(req));
	req.kind = FD_NETLINK_ROUTE;
	req.rcvbuf = 0;		/* parent's default */
	if (proc_request_fd(&req, 0) == -1)
		fatalx("cannot ask for the netlink socket");
}

static int
netlink_dispatch_parent(struct imsg *imsg)
{
	struct fd_reply	 rep;
	int		 sz = 0;
	socklen_t	 len = sizeof(sz);

	switch (imsg->hdr.type) {
	case IMSG_FD_REPLY:
		if (imsg_check_len(imsg, sizeof(rep)))
			fatalx("bad IMSG_FD_REPLY");
		memcpy(&rep, imsg->data, sizeof(rep));
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		if (rep.kind != FD_NETLINK_ROUTE)
			fatalx("IMSG_FD_REPLY of unexpected kind %u", rep.kind);
		if (imsg->fd == -1) {
			/* Monitoring must not stop silently. */
			log_warnx("no netlink socket: %s", rep.msg);
			return 0;
		}
		if (netlink_fd != -1)
			close(netlink_fd);
		netlink_fd = imsg_take_fd(imsg);
		if (getsockopt(netlink_fd, SOL_SOCKET, SO_RCVBUF, &sz,
		    &len) == -1)
			log_warn("SO_RCVBUF");
		log_debug("netlink socket %d, receive buffer %d bytes",
		    netlink_fd, sz);
		return 0;
	default:
		return -1;
	}
}

const struct proc_role netlink_role = {
	.role = PROC_NETLINK,
	.start = netlink_start,
	.dispatch_parent = netlink_dispatch_parent,
};
