/*
 * libFuzzer target: monitor creation and PATCH bodies (lopad/monitor.c).
 * The first byte picks creation or PATCH, the rest is the body.  An
 * accepted creation must render, be accepted again as the same monitor,
 * and its filter must judge an event made of the input without harm.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "monitor.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct monitor_params	 p, q;
	struct task_json_err	 e;
	struct nl_event		 ev;
	json_t			*j;
	char			*s;
	int			 patch;

	if (size < 1)
		return 0;
	patch = data[0] & 1;
	if (monitor_params_parse((const char *)data + 1, size - 1, patch, &p,
	    &e) != 0) {
		if (e.status != 400 || e.detail[0] == '\0')
			abort();
		return 0;
	}
	if (patch)
		return 0;
	if ((j = monitor_params_json(&p, 1)) == NULL)
		abort();
	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		abort();
	if (monitor_params_parse(s, strlen(s), 0, &q, &e) != 0)
		abort();
	p.given = q.given = 0;
	if (memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	free(s);
	json_decref(j);
	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, data, size < sizeof(ev) ? size : sizeof(ev));
	(void)monitor_match(&p, &ev);
	return 0;
}
