/*
 * lopa: logging.  The parent writes syslog (daemon facility) or stderr;
 * children hand each line to a sink that sends it to the parent.
 */
#ifndef LOPA_LOG_H
#define LOPA_LOG_H

#include <stdarg.h>
#include <syslog.h>

/* Levels are syslog priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG. */
void	 log_init(int, int);		/* to stderr?, verbose (debug)? */
void	 log_setverbose(int);
/* Lowest priority written besides debug (LOG_INFO by default). */
void	 log_setlevel(int);
int	 log_getverbose(void);
void	 log_procname(const char *);	/* tag, e.g. "engine" */
/* Children: every line goes to sink(level, line) instead. */
void	 log_setsink(void (*)(int, const char *));
/* Write one already formatted line as if from process name (parent). */
void	 log_line(const char *, int, const char *);

void	 log_warn(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	 vlog(int, const char *, va_list) __attribute__((__format__(printf, 2, 0)));
void	 fatal(const char *, ...)
	    __attribute__((__format__(printf, 1, 2), __noreturn__));
void	 fatalx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2), __noreturn__));
/* Called by fatal/fatalx before exit (children flush their channel). */
void	 log_setfatalhook(void (*)(void));

#endif /* LOPA_LOG_H */
