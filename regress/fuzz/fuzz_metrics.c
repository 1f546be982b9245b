/*
 * libFuzzer target: GET /metrics rows (as control receives them from the
 * engine) parsed and rendered in both formats.  Whatever parses must
 * render without reading outside the rows.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t		 buf[65536 / 8];
	struct metrics_task	 tasks[64];
	struct metrics_ctx	 c;
	struct mbuf		 b;
	int64_t			 bounds[METRICS_BUCKETS_MAX];
	size_t			 off = 0, used, n = 0, i;

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	while (off < size && n < 64 &&
	    metrics_row_parse((char *)buf + off, size - off, &tasks[n],
	    &used) == 0) {
		n++;
		off += used;
	}
	for (i = 0; i < METRICS_BUCKETS_MAX; i++)
		bounds[i] = (int64_t)50000 << (i < 40 ? i : 40);
	memset(&c, 0, sizeof(c));
	c.node = "fuzz";
	c.bounds = bounds;
	c.nbounds = METRICS_BUCKETS_MAX;
	c.task_labels = 1;
	c.max_series = size % 2 ? 1000 : 0;
	c.tasks = tasks;
	c.ntasks = n;
	for (c.openmetrics = 0; c.openmetrics < 2; c.openmetrics++) {
		memset(&b, 0, sizeof(b));
		metrics_tasks_plan(&c);
		for (i = 0; i < metrics_task_families(); i++)
			metrics_task_family(&b, &c, i);
		metrics_end(&b, &c);
		mbuf_free(&b);
		metrics_ctx_free(&c);
	}
	return 0;
}
