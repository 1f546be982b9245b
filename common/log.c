/*
 * lopa: logging to syslog, stderr, or (children) to the parent.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int		 log_to_stderr = 1;
static int		 log_journal;	/* stderr is journald's stream */
static int		 log_verbose;
static int		 log_level = LOG_INFO;
static const char	*log_name = "parent";
static void		(*log_sink)(int, const char *);
static void		(*log_fatalhook)(void);

void
log_init(int to_stderr, int verbose)
{
	struct stat	 st;
	const char	*js;
	unsigned long	 dev, ino;

	log_to_stderr = to_stderr;
	log_verbose = verbose;
	/* Under systemd, "<N>" prefixes keep each line's priority. */
	log_journal = 0;
	if (to_stderr && (js = getenv("JOURNAL_STREAM")) != NULL &&
	    sscanf(js, "%lu:%lu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long)st.st_dev == dev && (unsigned long)st.st_ino == ino)
		log_journal = 1;
	if (!to_stderr)
		openlog("lopad", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

void
log_setlevel(int pri)
{
	log_level = pri;
}

int
log_getverbose(void)
{
	return log_verbose;
}

void
log_procname(const char *name)
{
	log_name = name;
}

void
log_setsink(void (*sink)(int, const char *))
{
	log_sink = sink;
}

void
log_setfatalhook(void (*hook)(void))
{
	log_fatalhook = hook;
}

void
log_line(const char *name, int pri, const char *line)
{
	int	 saved = errno;

	if (pri > log_level && !(pri == LOG_DEBUG && log_verbose)) {
		errno = saved;
		return;
	}
	if (log_to_stderr) {
		if (log_journal)
			fprintf(stderr, "<%d>", pri);
		fprintf(stderr, "%s: %s\n", name, line);
		fflush(stderr);
	} else
		syslog(pri, "%s: %s", name, line);
	errno = saved;
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	 buf[1024];
	int	 saved = errno;

	if (pri == LOG_DEBUG && !log_verbose && log_level < LOG_DEBUG)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* One line per message: fold embedded newlines. */
	for (char *p = buf; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (log_sink != NULL)
		log_sink(pri, buf);
	else
		log_line(log_name, pri, buf);
	errno = saved;
}

static void __attribute__((__format__(printf, 3, 0)))
vlog_errno(int pri, int saved, const char *fmt, va_list ap)
{
	char	 buf[1024];

	if (fmt == NULL) {
		snprintf(buf, sizeof(buf), "%s", strerror(saved));
	} else {
		vsnprintf(buf, sizeof(buf), fmt, ap);
		strlcat(buf, ": ", sizeof(buf));
		strlcat(buf, strerror(saved), sizeof(buf));
	}
	errno = saved;
	if (log_sink != NULL)
		log_sink(pri, buf);
	else
		log_line(log_name, pri, buf);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose && log_level < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

__attribute__((__noreturn__)) static void
fatal_exit(void)
{
	if (log_fatalhook != NULL)
		log_fatalhook();
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	fatal_exit();
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	fatal_exit();
}
