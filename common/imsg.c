/*
 * lopa: framed messages between processes over SOCK_SEQPACKET.
 *
 * The kernel keeps datagram boundaries, so one recvmsg() is one message and
 * an fd passed with SCM_RIGHTS arrives in the same call as the bytes it
 * belongs to: there is no reassembly and no fd queue to get out of step.
 * What remains is checking every datagram as untrusted input (the peer may
 * be a compromised child): its length against the header and the channel's
 * maximum, and its control data against "at most one fd, and only where
 * fds are allowed".  Any violation is a fatal channel error for the caller.
 *
 * Received messages: imsg_get() hands out a pointer into the queued node
 * (no copy); the node is freed by imsg_free(), so imsg.data must be passed
 * back unchanged and is valid until then.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imsg.h"

#define IMSG_FLUSH_MS	100

static int	 imsg_recv_fds(struct msghdr *, int *);
static int	 imsg_peer_gone(int);
static void	 imsgbuf_free_out(struct imsgbuf *, struct imsg_out *);

int
imsgbuf_init(struct imsgbuf *ibuf, int fd, size_t maxsize, int flags)
{
	socklen_t	 len;
	int		 type, fl, sndbuf;

	memset(ibuf, 0, sizeof(*ibuf));
	ibuf->fd = -1;
	TAILQ_INIT(&ibuf->outq);
	TAILQ_INIT(&ibuf->inq);
	if (fd < 0 || maxsize <= IMSG_HDR_SIZE ||
	    maxsize > IMSG_MAXSIZE_LIMIT || (flags & ~IMSGF_FDS) != 0) {
		errno = EINVAL;
		return -1;
	}
	/* The framing relies on datagram boundaries: refuse a stream. */
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return -1;
	if (type != SOCK_SEQPACKET) {
		errno = EPROTOTYPE;
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	if ((fl & O_NONBLOCK) == 0 &&
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	/*
	 * A datagram larger than the send buffer fails with EMSGSIZE; the
	 * default (about 208 KiB) is below the largest allowed channel.
	 */
	len = sizeof(sndbuf);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == -1)
		return -1;
	if ((size_t)sndbuf < maxsize + 4096) {
		sndbuf = maxsize + 4096;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
		    sizeof(sndbuf)) == -1)
			return -1;
	}
	/* One spare byte so that an oversized datagram shows as too long. */
	if ((ibuf->rbuf = malloc(maxsize + 1)) == NULL)
		return -1;
	ibuf->fd = fd;
	ibuf->flags = flags;
	ibuf->maxsize = maxsize;
	return 0;
}

void
imsgbuf_clear(struct imsgbuf *ibuf)
{
	struct imsg_out	*o;
	struct imsg_in	*in;

	while ((o = TAILQ_FIRST(&ibuf->outq)) != NULL)
		imsgbuf_free_out(ibuf, o);
	while ((in = TAILQ_FIRST(&ibuf->inq)) != NULL) {
		TAILQ_REMOVE(&ibuf->inq, in, entry);
		if (in->fd != -1)
			close(in->fd);
		free(in);
	}
	free(ibuf->rbuf);
	ibuf->rbuf = NULL;
	ibuf->queued = 0;
}

static void
imsgbuf_free_out(struct imsgbuf *ibuf, struct imsg_out *o)
{
	TAILQ_REMOVE(&ibuf->outq, o, entry);
	if (o->fd != -1)
		close(o->fd);
	free(o);
	ibuf->queued--;
}

int
imsg_compose(struct imsgbuf *ibuf, uint32_t type, uint32_t id, uint32_t reqid,
    int fd, const void *data, size_t len)
{
	return imsg_compose2(ibuf, type, id, reqid, fd, data, len, NULL, 0);
}

/*
 * On failure the fd is left alone: the caller still owns it.
 */
int
imsg_compose2(struct imsgbuf *ibuf, uint32_t type, uint32_t id,
    uint32_t reqid, int fd, const void *d1, size_t l1, const void *d2,
    size_t l2)
{
	struct imsg_hdr	 hdr;
	struct imsg_out	*o;
	size_t		 room;

	if (ibuf->rbuf == NULL || fd < -1 ||
	    (d1 == NULL && l1 != 0) || (d2 == NULL && l2 != 0)) {
		errno = EINVAL;
		return -1;
	}
	if (fd != -1 && (ibuf->flags & IMSGF_FDS) == 0) {
		errno = EINVAL;
		return -1;
	}
	room = ibuf->maxsize - IMSG_HDR_SIZE;
	if (l1 > room || l2 > room - l1) {
		errno = ERANGE;
		return -1;
	}
	if ((o = malloc(sizeof(*o) + IMSG_HDR_SIZE + l1 + l2)) == NULL)
		return -1;
	hdr.type = type;
	hdr.len = IMSG_HDR_SIZE + l1 + l2;
	hdr.id = id;
	hdr.reqid = reqid;
	memcpy(o->buf, &hdr, sizeof(hdr));
	if (l1 != 0)
		memcpy(o->buf + IMSG_HDR_SIZE, d1, l1);
	if (l2 != 0)
		memcpy(o->buf + IMSG_HDR_SIZE + l1, d2, l2);
	o->len = hdr.len;
	o->fd = fd;
	TAILQ_INSERT_TAIL(&ibuf->outq, o, entry);
	ibuf->queued++;
	return 0;
}

int
imsgbuf_write(struct imsgbuf *ibuf)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	struct imsg_out	*o;
	ssize_t		 n;

	while ((o = TAILQ_FIRST(&ibuf->outq)) != NULL) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = o->buf;
		iov.iov_len = o->len;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (o->fd != -1) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), &o->fd, sizeof(int));
		}
		n = sendmsg(ibuf->fd, &msg, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			return -1;
		}
		/* SOCK_SEQPACKET sends a datagram whole or not at all. */
		if ((size_t)n != o->len) {
			errno = EIO;
			return -1;
		}
		imsgbuf_free_out(ibuf, o);
	}
	return 0;
}

void
imsgbuf_flush_blocking(struct imsgbuf *ibuf)
{
	struct pollfd	 pfd;
	struct timespec	 start, now;
	long		 elapsed;
	int		 saved_errno = errno;

	if (clock_gettime(CLOCK_MONOTONIC, &start) == -1)
		goto out;
	while (imsgbuf_write(ibuf) == 1) {
		if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
			break;
		elapsed = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= IMSG_FLUSH_MS)
			break;
		pfd.fd = ibuf->fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, IMSG_FLUSH_MS - elapsed) == -1 &&
		    errno != EINTR)
			break;
	}
 out:
	errno = saved_errno;
}

/*
 * Collect the fds of one datagram into *fdp (-1 when none).  Returns 0, or
 * -1 after closing every fd received when the control data is anything but
 * a single SCM_RIGHTS message carrying exactly one fd.
 */
static int
imsg_recv_fds(struct msghdr *msg, int *fdp)
{
	struct cmsghdr	*cmsg;
	unsigned char	*p, *end;
	size_t		 len, ncmsg = 0, nfds = 0;
	int		 fd;

	*fdp = -1;
	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		ncmsg++;
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		/* Never trust cmsg_len past the end of what was received. */
		len = cmsg->cmsg_len;
		end = (unsigned char *)msg->msg_control + msg->msg_controllen;
		if ((unsigned char *)cmsg + len > end)
			len = end - (unsigned char *)cmsg;
		if (len < CMSG_LEN(0))
			continue;
		for (p = CMSG_DATA(cmsg);
		    p + sizeof(int) <= (unsigned char *)cmsg + len;
		    p += sizeof(int)) {
			memcpy(&fd, p, sizeof(int));
			if (nfds++ == 0)
				*fdp = fd;
			else
				close(fd);
		}
	}
	if (ncmsg == 0)
		return 0;
	if (ncmsg == 1 && nfds == 1 &&
	    CMSG_FIRSTHDR(msg)->cmsg_len == CMSG_LEN(sizeof(int)))
		return 0;
	if (*fdp != -1)
		close(*fdp);
	*fdp = -1;
	return -1;
}

/*
 * recvmsg() returns 0 both at EOF and for an empty datagram; only the
 * former leaves the socket shut down for reading.
 */
static int
imsg_peer_gone(int fd)
{
	struct pollfd	 pfd;

	pfd.fd = fd;
	pfd.events = POLLIN | POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == -1)
		return 1;
	return (pfd.revents & (POLLRDHUP | POLLHUP)) != 0;
}

ssize_t
imsg_read(struct imsgbuf *ibuf)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct imsg_hdr	 hdr;
	struct imsg_in	*in;
	ssize_t		 n, count = 0;
	int		 fd, saved_errno;

	if (ibuf->rbuf == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = ibuf->rbuf;
		iov.iov_len = ibuf->maxsize + 1;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		/* MSG_TRUNC: return the real datagram length. */
		n = recvmsg(ibuf->fd, &msg, MSG_CMSG_CLOEXEC | MSG_TRUNC);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (count > 0)
					return count;
				errno = EAGAIN;
			}
			return -1;
		}
		if (imsg_recv_fds(&msg, &fd) == -1) {
			errno = (msg.msg_flags & MSG_CTRUNC) ? EBADMSG : EPROTO;
			return -1;
		}
		if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
			errno = EBADMSG;
			goto fail;
		}
		if (fd != -1 && (ibuf->flags & IMSGF_FDS) == 0) {
			errno = EPROTO;
			goto fail;
		}
		if (n == 0 && fd == -1 && imsg_peer_gone(ibuf->fd))
			return count;	/* EOF now, or on the next call */
		if ((size_t)n < IMSG_HDR_SIZE || (size_t)n > ibuf->maxsize) {
			errno = EBADMSG;
			goto fail;
		}
		memcpy(&hdr, ibuf->rbuf, sizeof(hdr));
		if (hdr.len != (size_t)n) {
			errno = EBADMSG;
			goto fail;
		}
		if ((in = malloc(sizeof(*in) + n)) == NULL)
			goto fail;
		memcpy(in->buf, ibuf->rbuf, n);
		in->len = n;
		in->fd = fd;
		TAILQ_INSERT_TAIL(&ibuf->inq, in, entry);
		count++;
	}
 fail:
	if (fd != -1) {
		saved_errno = errno;
		close(fd);
		errno = saved_errno;
	}
	return -1;
}

int
imsg_get(struct imsgbuf *ibuf, struct imsg *imsg)
{
	struct imsg_in	*in;

	if ((in = TAILQ_FIRST(&ibuf->inq)) == NULL)
		return 0;
	TAILQ_REMOVE(&ibuf->inq, in, entry);
	memcpy(&imsg->hdr, in->buf, sizeof(imsg->hdr));
	imsg->fd = in->fd;
	imsg->datalen = in->len - IMSG_HDR_SIZE;
	if (imsg->datalen == 0) {
		imsg->data = NULL;
		free(in);
	} else
		imsg->data = in->buf + IMSG_HDR_SIZE;
	return 1;
}

void
imsg_free(struct imsg *imsg)
{
	struct imsg_in	*in;

	if (imsg->data != NULL) {
		in = (struct imsg_in *)((unsigned char *)imsg->data -
		    IMSG_HDR_SIZE - offsetof(struct imsg_in, buf));
		free(in);
		imsg->data = NULL;
	}
	imsg->datalen = 0;
	if (imsg->fd != -1) {
		close(imsg->fd);
		imsg->fd = -1;
	}
}

int
imsg_take_fd(struct imsg *imsg)
{
	int	 fd = imsg->fd;

	imsg->fd = -1;
	return fd;
}

int
imsg_check_len(const struct imsg *imsg, size_t want)
{
	if (imsg->datalen != want) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}
