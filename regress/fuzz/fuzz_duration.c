/*
 * libFuzzer target: duration strings from API requests and the config.
 * Whatever parses must format and parse back to the same value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 buf[64], out[64];
	const char	*errstr;
	int64_t		 v, w;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (duration_parse(buf, &v, &errstr) == -1)
		return 0;
	duration_format(v, out, sizeof(out));
	if (duration_parse(out, &w, &errstr) == -1 || w != v)
		abort();
	return 0;
}
