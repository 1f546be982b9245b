/*
 * lopa: framed messages between processes (imsg-style, our own).
 *
 * One message per SOCK_SEQPACKET datagram: a 16-byte header in host order,
 * then up to (maxsize - 16) bytes of payload.  At most one fd travels with
 * a message, in the same datagram, so it can never be attached to the wrong
 * message.  A channel is created with a maximum message size and a flag
 * saying whether it accepts fds.
 */
#ifndef LOPA_IMSG_H
#define LOPA_IMSG_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#define IMSG_HDR_SIZE		16
#define IMSG_MAXSIZE_DEFAULT	16384
#define IMSG_MAXSIZE_LIMIT	(256 * 1024)	/* hard ceiling for any channel */

#define IMSGF_FDS		0x01	/* channel accepts fds */

struct imsg_hdr {
	uint32_t	 type;
	uint32_t	 len;		/* header + payload */
	uint32_t	 id;		/* object: task, monitor, connection */
	uint32_t	 reqid;		/* requester: API request or process */
};

struct imsg {
	struct imsg_hdr	 hdr;
	int		 fd;		/* -1 when none; owned by the caller */
	void		*data;		/* NULL when datalen == 0 */
	size_t		 datalen;
};

struct imsg_out {
	TAILQ_ENTRY(imsg_out)	 entry;
	int			 fd;	/* closed once sent */
	size_t			 len;
	unsigned char		 buf[];
};

struct imsg_in {
	TAILQ_ENTRY(imsg_in)	 entry;
	int			 fd;
	size_t			 len;
	unsigned char		 buf[];
};

struct imsgbuf {
	int			 fd;
	int			 flags;
	size_t			 maxsize;
	size_t			 queued;	/* outgoing messages */
	TAILQ_HEAD(, imsg_out)	 outq;
	TAILQ_HEAD(, imsg_in)	 inq;
	unsigned char		*rbuf;		/* maxsize + 1 bytes */
};

/* Set up a channel on a connected SOCK_SEQPACKET socket (made non-blocking). */
int	 imsgbuf_init(struct imsgbuf *, int, size_t, int);
/* Free queues and close queued fds; does not close the socket. */
void	 imsgbuf_clear(struct imsgbuf *);

/*
 * Queue one message.  -1 with errno ERANGE when it would exceed the
 * channel's maximum, EINVAL for an fd on a channel that refuses fds.
 * On success the fd (if any) belongs to the channel and is closed once sent.
 */
int	 imsg_compose(struct imsgbuf *, uint32_t, uint32_t, uint32_t, int,
	    const void *, size_t);
/* Like imsg_compose with the payload gathered from two pieces. */
int	 imsg_compose2(struct imsgbuf *, uint32_t, uint32_t, uint32_t, int,
	    const void *, size_t, const void *, size_t);

/*
 * Send queued messages.  Returns 0 when the queue is empty, 1 when data is
 * still queued (EAGAIN: wait for POLLOUT), -1 on error (errno set; EPIPE
 * when the peer is gone).
 */
int	 imsgbuf_write(struct imsgbuf *);
/* Blocking variant for last words (fatal paths): tries for up to 100 ms. */
void	 imsgbuf_flush_blocking(struct imsgbuf *);

/*
 * Receive every datagram available.  Returns the number of messages queued
 * (> 0), 0 on EOF, -1 on error: errno EAGAIN when nothing is available,
 * EBADMSG for a malformed message (short header, bad length, truncated),
 * EPROTO for an fd on a channel that refuses fds.  A malformed message is
 * a fatal channel error.
 */
ssize_t	 imsg_read(struct imsgbuf *);

/* Pop the next received message: 1 and fills imsg, 0 when none queued. */
int	 imsg_get(struct imsgbuf *, struct imsg *);
/* Release an imsg's payload; closes its fd unless the caller took it. */
void	 imsg_free(struct imsg *);
/* Take ownership of the fd in an imsg (-1 if none). */
int	 imsg_take_fd(struct imsg *);

/* Exact payload size check helper: 0 when datalen == want. */
int	 imsg_check_len(const struct imsg *, size_t);

#endif /* LOPA_IMSG_H */
