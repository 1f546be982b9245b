/*
 * libFuzzer target: the configuration parser on arbitrary YAML text.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lopad_conf	 conf;
	struct conf_errs	 errs;

	memset(&errs, 0, sizeof(errs));
	config_defaults(&conf);
	(void)config_parse_buf("fuzz.conf", (const char *)data, size, &conf,
	    &errs);
	return 0;
}
