/*
 * lopa: libevent glue for imsg channels.
 *
 * The event is persistent and always waits for EV_READ; EV_WRITE is added
 * only while messages are queued, since a writable socket would otherwise
 * wake the loop on every pass.  The event is deleted and re-added only when
 * that mask changes, so calling imsg_event_add() after every dispatch is
 * cheap.  Neither imsgev_clear() nor imsgbuf_clear() closes the socket.
 */
#include <sys/types.h>

#include <errno.h>
#include <string.h>

#include <event2/event.h>

#include "imsg.h"
#include "imsgev.h"

int
imsgev_init(struct imsgev *iev, struct event_base *base, int fd,
    size_t maxsize, int flags, void (*handler)(int, short, void *),
    void *data)
{
	memset(iev, 0, sizeof(*iev));
	if (base == NULL || handler == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (imsgbuf_init(&iev->ibuf, fd, maxsize, flags) == -1)
		return -1;
	iev->base = base;
	iev->handler = handler;
	iev->data = data;
	iev->events = EV_READ;
	iev->ev = event_new(base, fd, EV_READ | EV_PERSIST, handler, iev);
	if (iev->ev == NULL || event_add(iev->ev, NULL) == -1) {
		if (iev->ev != NULL)
			event_free(iev->ev);
		iev->ev = NULL;
		imsgbuf_clear(&iev->ibuf);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
imsgev_clear(struct imsgev *iev)
{
	if (iev->ev != NULL) {
		event_free(iev->ev);
		iev->ev = NULL;
	}
	imsgbuf_clear(&iev->ibuf);
	iev->events = 0;
}

void
imsg_event_add(struct imsgev *iev)
{
	short	 events = EV_READ;

	if (iev->ev == NULL)
		return;
	if (iev->ibuf.queued > 0)
		events |= EV_WRITE;
	if (events == iev->events)
		return;
	event_del(iev->ev);
	if (event_assign(iev->ev, iev->base, iev->ibuf.fd,
	    events | EV_PERSIST, iev->handler, iev) == -1 ||
	    event_add(iev->ev, NULL) == -1) {
		iev->events = 0;	/* not armed: try again next time */
		return;
	}
	iev->events = events;
}

int
imsgev_compose(struct imsgev *iev, uint32_t type, uint32_t id, uint32_t reqid,
    int fd, const void *data, size_t len)
{
	if (imsg_compose(&iev->ibuf, type, id, reqid, fd, data, len) == -1)
		return -1;
	imsg_event_add(iev);
	return 0;
}
