/*
 * lopactl: a Server-Sent Events parser (the WHATWG event stream format).
 * Pure: bytes in, events out through a callback; no I/O.
 */
#ifndef LOPACTL_SSE_H
#define LOPACTL_SSE_H

#include <stddef.h>

#define SSE_EVENTLEN	64	/* longer event names are cut */

/*
 * Called once per event: its name ("message" when the stream gave none)
 * and its data, lines joined by '\n', NUL-terminated.  Returning -1 ends
 * the parse: sse_feed() returns -1 at once.
 */
typedef int	(*sse_cb)(void *, const char *, const char *, size_t);

struct sse {
	char		*line;		/* the line being read */
	size_t		 len;
	size_t		 cap;
	char		*data;		/* the event's data so far */
	size_t		 dlen;
	size_t		 dcap;
	int		 have_data;
	char		 event[SSE_EVENTLEN];
	int		 cr;		/* last byte was CR: skip an LF */
	int		 first;		/* no line ended yet: strip a BOM */
	size_t		 max;		/* bound on a line and on data */
	const char	*error;		/* why sse_feed() failed */
	sse_cb		 cb;
	void		*arg;
};

/* max bounds each line and each event's data, in bytes. */
void	 sse_init(struct sse *, size_t, sse_cb, void *);
/* 0, or -1 when the callback said so or a bound was passed (error). */
int	 sse_feed(struct sse *, const char *, size_t);
void	 sse_free(struct sse *);

#endif /* LOPACTL_SSE_H */
