/*
 * lopa: libevent glue for imsg channels.
 */
#ifndef LOPA_IMSGEV_H
#define LOPA_IMSGEV_H

#include <event2/event.h>

#include "imsg.h"

struct imsgev {
	struct imsgbuf		 ibuf;
	struct event		*ev;
	struct event_base	*base;
	void			(*handler)(int, short, void *);
	void			*data;
	short			 events;
};

/* Set up the channel and its event; handler is called with the imsgev. */
int	 imsgev_init(struct imsgev *, struct event_base *, int, size_t, int,
	    void (*)(int, short, void *), void *);
void	 imsgev_clear(struct imsgev *);
/* Re-arm: EV_READ always, EV_WRITE only while messages are queued. */
void	 imsg_event_add(struct imsgev *);
/* Compose and arm. */
int	 imsgev_compose(struct imsgev *, uint32_t, uint32_t, uint32_t, int,
	    const void *, size_t);

#endif /* LOPA_IMSGEV_H */
