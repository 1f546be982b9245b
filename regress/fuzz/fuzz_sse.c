/*
 * libFuzzer target: the event stream lopactl reads from the daemon (or
 * from whatever answers at -H).  The input is fed whole, then again cut
 * at every split point the first byte chooses: the events must be the
 * same however the bytes arrive, every event's data must be within the
 * bound, and the parser must neither overrun nor leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX	256	/* a small bound, so that it is hit */

struct seen {
	uint64_t	 hash;
	size_t		 n;
};

static int
on_event(void *arg, const char *event, const char *data, size_t len)
{
	struct seen	*s = arg;
	size_t		 i;

	/* data may hold NULs from the stream; it ends with one. */
	if (len > FUZZ_MAX || data[len] != '\0' ||
	    strlen(event) >= SSE_EVENTLEN)
		abort();
	for (i = 0; event[i] != '\0'; i++)
		s->hash = s->hash * 31 + (uint8_t)event[i];
	s->hash = s->hash * 31 + 0xff;
	for (i = 0; i < len; i++)
		s->hash = s->hash * 31 + (uint8_t)data[i];
	s->n++;
	return 0;
}

static int
run(const uint8_t *data, size_t size, size_t step, struct seen *s)
{
	struct sse	 p;
	size_t		 off, n;
	int		 rv = 0;

	memset(s, 0, sizeof(*s));
	sse_init(&p, FUZZ_MAX, on_event, s);
	for (off = 0; off < size && rv == 0; off += n) {
		n = size - off < step ? size - off : step;
		rv = sse_feed(&p, (const char *)data + off, n);
	}
	sse_free(&p);
	return rv;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen	 whole, cut;
	int		 r1, r2;
	size_t		 step;

	if (size == 0)
		return 0;
	step = 1 + data[0] % 7;
	r1 = run(data + 1, size - 1, size, &whole);
	r2 = run(data + 1, size - 1, step, &cut);
	/* The same events, however the bytes were split. */
	if (r1 != r2 || (r1 == 0 && (whole.n != cut.n ||
	    whole.hash != cut.hash)))
		abort();
	return 0;
}
