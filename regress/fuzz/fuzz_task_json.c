/*
 * libFuzzer target: task creation bodies (lopad/task_json.c).  The first
 * byte picks the route's type, the rest is the body.  An accepted body
 * must render, and its rendering must be accepted again as the same task
 * (but for the webhook secret, which the rendering never shows).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "task.h"
#include "task_json.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct task_params	 p, q;
	struct task_json_err	 e;
	json_t			*j;
	uint32_t		 type;
	char			*s;

	if (size < 1)
		return 0;
	type = 1 + data[0] % (TASK_TYPE_MAX - 1);
	if (task_params_parse((const char *)data + 1, size - 1, type, &p,
	    &e) != 0) {
		if (e.status != 400 || e.detail[0] == '\0')
			abort();
		return 0;
	}
	if (p.host[0] == '\0' || p.interval_ns < TASK_MIN_INTERVAL)
		abort();
	if ((j = task_params_json(&p)) == NULL)
		abort();
	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		abort();
	/* The params never show a webhook secret: the rest must match. */
	if (task_params_parse(s, strlen(s), type, &q, &e) != 0)
		abort();
	memset(p.webhook_secret, 0, sizeof(p.webhook_secret));
	if (memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	free(s);
	json_decref(j);
	return 0;
}
