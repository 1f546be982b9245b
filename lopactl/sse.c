/*
 * lopactl: a Server-Sent Events parser.
 *
 * The stream arrives in pieces of any size: an event may be split across
 * several calls, or several events may come in one.  Lines end with CRLF,
 * LF or CR (a CRLF split between two calls is still one line end).  A
 * line "field: value" (one space after the colon dropped) sets the
 * event's name ("event") or adds a line to its data ("data"); a line
 * starting with ':' is a comment (keep-alive); an empty line ends the
 * event, which is passed on when it had data.  "id" and "retry" are of no
 * use to a client that does not reconnect and are ignored, as are unknown
 * fields.  An event cut off by the end of the stream is never passed on.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "sse.h"

static int	 grow(char **, size_t *, size_t, size_t);
static int	 line_end(struct sse *);
static int	 dispatch(struct sse *);

void
sse_init(struct sse *s, size_t max, sse_cb cb, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
	s->cb = cb;
	s->arg = arg;
	s->first = 1;
}

void
sse_free(struct sse *s)
{
	free(s->line);
	free(s->data);
	s->line = s->data = NULL;
	s->len = s->cap = s->dlen = s->dcap = 0;
}

/* Room for need bytes plus a NUL in *p, within max. */
static int
grow(char **p, size_t *cap, size_t need, size_t max)
{
	char	*n;
	size_t	 c;

	if (need > max)
		return (-1);
	if (need + 1 <= *cap)
		return (0);
	c = *cap != 0 ? *cap : 256;
	while (c < need + 1)
		c *= 2;
	if ((n = realloc(*p, c)) == NULL)
		return (-1);
	*p = n;
	*cap = c;
	return (0);
}

int
sse_feed(struct sse *s, const char *buf, size_t n)
{
	size_t	 i = 0, span;

	while (i < n) {
		if (s->cr) {
			s->cr = 0;
			if (buf[i] == '\n') {
				i++;
				continue;
			}
		}
		if (buf[i] == '\r' || buf[i] == '\n') {
			s->cr = buf[i] == '\r';
			i++;
			if (line_end(s) == -1)
				return (-1);
			continue;
		}
		for (span = 0; i + span < n && buf[i + span] != '\r' &&
		    buf[i + span] != '\n'; span++)
			;
		if (grow(&s->line, &s->cap, s->len + span, s->max) == -1) {
			s->error = "line too long";
			return (-1);
		}
		memcpy(s->line + s->len, buf + i, span);
		s->len += span;
		i += span;
	}
	return (0);
}

static int
line_end(struct sse *s)
{
	const char	*l = s->line, *val;
	size_t		 len = s->len, flen, vlen;

	s->len = 0;
	if (s->first) {
		s->first = 0;
		if (len >= 3 && memcmp(l, "\xef\xbb\xbf", 3) == 0) {
			l += 3;
			len -= 3;
		}
	}
	if (len == 0)
		return (dispatch(s));
	if (l[0] == ':')
		return (0);

	for (flen = 0; flen < len && l[flen] != ':'; flen++)
		;
	if (flen < len) {
		val = l + flen + 1;
		vlen = len - flen - 1;
		if (vlen > 0 && val[0] == ' ') {
			val++;
			vlen--;
		}
	} else {
		val = "";
		vlen = 0;
	}

	if (flen == 5 && memcmp(l, "event", 5) == 0) {
		if (vlen >= sizeof(s->event))
			vlen = sizeof(s->event) - 1;
		memcpy(s->event, val, vlen);
		s->event[vlen] = '\0';
	} else if (flen == 4 && memcmp(l, "data", 4) == 0) {
		if (grow(&s->data, &s->dcap, s->dlen + vlen + 1,
		    s->max) == -1) {
			s->error = "event data too long";
			return (-1);
		}
		memcpy(s->data + s->dlen, val, vlen);
		s->dlen += vlen;
		s->data[s->dlen++] = '\n';
		s->have_data = 1;
	}
	return (0);
}

/* An empty line: the event is complete. */
static int
dispatch(struct sse *s)
{
	int	 rc = 0;

	if (s->have_data) {
		s->dlen--;		/* the last line's '\n' */
		s->data[s->dlen] = '\0';
		rc = s->cb(s->arg, s->event[0] != '\0' ? s->event : "message",
		    s->data, s->dlen);
		if (rc == -1)
			s->error = "stopped by the event handler";
	}
	s->event[0] = '\0';
	s->dlen = 0;
	s->have_data = 0;
	return (rc == -1 ? -1 : 0);
}
