/*
 * lopad: configuration file (YAML), environment overrides, normalised output.
 */
#ifndef LOPAD_CONFIG_H
#define LOPAD_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "lopad.h"
#include "monitor.h"
#include "task.h"

#define CONF_MAXERRS	32

/* Each message reads "file:line:column: key: reason" (or "VAR: reason"). */
struct conf_errs {
	size_t		 n;
	char		 msg[CONF_MAXERRS][LOPA_ERRLEN];
};

void	 config_defaults(struct lopad_conf *);
/* Parse YAML text; name is used in messages.  0 ok, -1 with errs filled. */
int	 config_parse_buf(const char *, const char *, size_t,
	    struct lopad_conf *, struct conf_errs *);
/*
 * Parse a file on top of the defaults.  A missing file is an error when
 * must_exist is set (-f given), else the defaults stand.
 */
int	 config_parse_file(const char *, int, struct lopad_conf *,
	    struct conf_errs *);
/* Apply LOPA_* environment overrides from envp-style getter. */
int	 config_env(struct lopad_conf *, char *(*)(const char *),
	    struct conf_errs *);
/* Print the effective configuration as YAML that parses again. */
void	 config_print(FILE *, const struct lopad_conf *);

/* Tasks declared in the configuration (tasks:), by name. */
struct conf_task {
	char			 name[LOPA_NAMELEN];
	struct task_params	 p;
};
struct conf_tasks {
	size_t			 n;
	struct conf_task	*v;
};
/* Those of the last parse that succeeded, now the caller's. */
void	 config_tasks_take(struct conf_tasks *);
void	 config_tasks_free(struct conf_tasks *);
/* Monitors declared in the configuration (monitors:), by name. */
struct conf_monitor {
	char			 name[LOPA_NAMELEN];
	struct monitor_params	 p;
};
struct conf_monitors {
	size_t			 n;
	struct conf_monitor	*v;
};
void	 config_monitors_take(struct conf_monitors *);
void	 config_monitors_free(struct conf_monitors *);
/* Read the bearer token file (must not be group/world accessible). */
int	 config_read_tokens(const char *, struct api_token *, size_t *,
	    struct conf_errs *);
/* Add a formatted message to errs (drops beyond CONF_MAXERRS). */
void	 conf_err(struct conf_errs *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));

#endif /* LOPAD_CONFIG_H */
