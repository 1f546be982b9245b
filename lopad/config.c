/*
 * lopad: configuration file (YAML), environment overrides, normalised output.
 *
 * One table describes every key (name, type, field of struct lopad_conf,
 * range); the YAML walker, the environment overrides and config_print all
 * go through it, so a key added to the table is parsed, overridable and
 * printed the same way.  The file is loaded with libyaml's document API,
 * which keeps the start mark of every node: errors name the key node for
 * unknown and duplicate keys, the value node for bad values.  Parsing goes
 * into a copy of the caller's struct, committed only when there was no
 * error, so a failed reload never leaves a half-applied configuration.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>
#include <yaml.h>

#include "addr.h"
#include "config.h"
#include "task.h"
#include "task_json.h"
#include "duration.h"
#include "metrics.h"

#define CONF_MAXSIZE	(1024 * 1024)	/* config and token files */
#define KEY_MAXLEN	320		/* dotted key in a message */
#define WHY_MAXLEN	384		/* reason in a message */
#define SHOW_MAXLEN	64		/* bytes of a value in a message */

#define IDLE_MIN	(1000LL * 1000)			/* 1ms */
#define IDLE_MAX	(24LL * 3600 * 1000 * 1000 * 1000)	/* 24h */
#define REFWAIT_MIN	(1000LL * 1000 * 1000)			/* 1s */
#define REFWAIT_MAX	(7LL * 24 * 3600 * 1000 * 1000 * 1000)	/* 7 days */
#define BUSY_POLL_MAX	(10LL * 1000 * 1000)		/* 10 ms */
#define WEBHOOK_AGE_MIN	(1000LL * 1000 * 1000)			/* 1s */
#define WEBHOOK_AGE_MAX	(7LL * 24 * 3600 * 1000 * 1000 * 1000)	/* 7 days */
#define WEBHOOK_AGE_DEF	(3600LL * 1000 * 1000 * 1000)		/* 1h */
#define REFWAIT_DEFAULT	(900LL * 1000 * 1000 * 1000)	/* RFC 5357: 900s */
#define TWC_TIMEOUT_DEF	(5LL * 1000 * 1000 * 1000)	/* TWAMP-Control: 5s */
#define TWC_TIMEOUT_MAX	(3600LL * 1000 * 1000 * 1000)	/* 1h */

enum ktype {
	K_SECTION,	/* mapping of further keys */
	K_NAME,		/* non-empty string */
	K_STRING,	/* string, may be empty */
	K_PATH,		/* absolute path */
	K_OPTPATH,	/* absolute path, or "" for none */
	K_LISTEN,	/* list of addresses, one address, or "" for none */
	K_ADDR,		/* address, or "" for disabled */
	K_PREFIXES,	/* struct conf_allow of address prefixes */
	K_HOSTS,	/* struct conf_allow of host names and prefixes */
	K_TASKS,	/* a list of task declarations (or, before, limits) */
	K_MONITORS,	/* a list of monitor declarations */
	K_BOOL,		/* uint32_t 0 or 1 */
	K_UINT,		/* uint32_t in [min, max] */
	K_DURATION,	/* int64_t ns in [min, max] */
	K_LEVEL		/* int32_t syslog priority */
};

struct ckey {
	const char		*name;
	enum ktype		 type;
	size_t			 off;
	size_t			 size;
	long long		 min;
	long long		 max;
	const struct ckey	*sub;
};

#define FIELD(f)	.off = offsetof(struct lopad_conf, f),		\
			.size = sizeof(((struct lopad_conf *)0)->f)

/* The first line of a secret's file (an InfluxDB token): 0, or -1. */
static int
read_token(const char *path, char *buf, size_t len)
{
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(buf, (int)len, f) == NULL) {
		fclose(f);
		errno = EMSGSIZE;
		return -1;
	}
	fclose(f);
	n = strcspn(buf, "\r\n");
	if (n == 0 || n == len - 1) {
		explicit_bzero(buf, len);
		errno = EMSGSIZE;
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

static const struct ckey control_keys[] = {
	{ .name = "socket", .type = K_PATH, FIELD(control_socket) },
	{ .name = "rsocket", .type = K_PATH, FIELD(control_rsocket) },
	{ .name = NULL }
};

static const struct ckey http_keys[] = {
	{ .name = "listen", .type = K_LISTEN, FIELD(http_listen) },
	{ .name = "loopback_write", .type = K_BOOL,
	    FIELD(http_loopback_write) },
	{ .name = "tokens", .type = K_OPTPATH, FIELD(http_tokens) },
	{ .name = "max_connections", .type = K_UINT,
	    FIELD(http_max_connections), .min = 1, .max = LOPAD_NOFILE },
	{ .name = "idle_timeout", .type = K_DURATION,
	    FIELD(http_idle_timeout), .min = IDLE_MIN, .max = IDLE_MAX },
	{ .name = NULL }
};

static const struct ckey log_keys[] = {
	{ .name = "level", .type = K_LEVEL, FIELD(log_level) },
	{ .name = NULL }
};

static const struct ckey reflector_keys[] = {
	{ .name = "enabled", .type = K_BOOL, FIELD(reflector_enabled) },
	{ .name = "addr", .type = K_ADDR, FIELD(reflector_addr) },
	{ .name = "twamp_addr", .type = K_ADDR, FIELD(reflector_twamp_addr) },
	{ .name = "twamp_stateful", .type = K_BOOL,
	    FIELD(reflector_twamp_stateful) },
	{ .name = "twamp_refwait", .type = K_DURATION,
	    FIELD(reflector_twamp_refwait), .min = REFWAIT_MIN,
	    .max = REFWAIT_MAX },
	{ .name = "allow", .type = K_PREFIXES, FIELD(reflector_allow) },
	{ .name = "rate_per_source", .type = K_UINT,
	    FIELD(reflector_rate_per_source), .min = 0, .max = 100000000 },
	{ .name = "rate_global", .type = K_UINT,
	    FIELD(reflector_rate_global), .min = 0, .max = 100000000 },
	{ .name = "busy_poll", .type = K_DURATION,
	    FIELD(reflector_busy_poll), .min = 0, .max = BUSY_POLL_MAX },
	{ .name = "twamp_servwait", .type = K_DURATION,
	    FIELD(reflector_twamp_servwait), .min = REFWAIT_MIN,
	    .max = REFWAIT_MAX },
	{ .name = "twamp_port_min", .type = K_UINT,
	    FIELD(reflector_twamp_port_min), .min = 1024, .max = 65535 },
	{ .name = "twamp_port_max", .type = K_UINT,
	    FIELD(reflector_twamp_port_max), .min = 1024, .max = 65535 },
	{ .name = "twamp_max_padding", .type = K_UINT,
	    FIELD(reflector_twamp_max_padding), .min = 0, .max = 65000 },
	{ .name = "twamp_max_connections", .type = K_UINT,
	    FIELD(reflector_twamp_max_connections), .min = 0, .max = 4096 },
	{ .name = "twamp_max_connections_per_client", .type = K_UINT,
	    FIELD(reflector_twamp_max_connections_per_client), .min = 1,
	    .max = 4096 },
	{ .name = "twamp_max_sessions", .type = K_UINT,
	    FIELD(reflector_twamp_max_sessions), .min = 0, .max = 4096 },
	{ .name = "twamp_max_sessions_per_connection", .type = K_UINT,
	    FIELD(reflector_twamp_max_sessions_per_connection), .min = 1,
	    .max = 4096 },
	{ .name = NULL }
};

static const struct ckey sender_keys[] = {
	{ .name = "twamp_connect_timeout", .type = K_DURATION,
	    FIELD(sender_twamp_connect_timeout), .min = REFWAIT_MIN,
	    .max = TWC_TIMEOUT_MAX },
	{ .name = "twamp_response_timeout", .type = K_DURATION,
	    FIELD(sender_twamp_response_timeout), .min = REFWAIT_MIN,
	    .max = TWC_TIMEOUT_MAX },
	{ .name = "twamp_max_count", .type = K_UINT,
	    FIELD(sender_twamp_max_count), .min = 1024, .max = 1U << 31 },
	{ .name = NULL }
};

static const struct ckey monitor_keys[] = {
	{ .name = "enabled", .type = K_BOOL, FIELD(monitor_enabled) },
	{ .name = "event_buffer_size", .type = K_UINT,
	    FIELD(monitor_event_buffer_size), .min = 1, .max = 1000000 },
	{ .name = "max_monitors", .type = K_UINT, FIELD(monitor_max),
	    .min = 1, .max = 10000 },
	{ .name = "receive_buffer", .type = K_UINT,
	    FIELD(monitor_rcvbuf), .min = 65536, .max = 1U << 30 },
	{ .name = "max_routes", .type = K_UINT, FIELD(monitor_max_routes),
	    .min = 0, .max = 10000000 },
	{ .name = NULL }
};

static const struct ckey limits_keys[] = {
	{ .name = "max", .type = K_UINT, FIELD(tasks_max),
	    .min = 1, .max = 1000000 },
	{ .name = "retain", .type = K_UINT, FIELD(tasks_retain),
	    .min = 0, .max = 1000000 },
	{ .name = "samples", .type = K_UINT, FIELD(tasks_samples),
	    .min = 1, .max = 100000 },
	{ .name = "sample_memory", .type = K_UINT, FIELD(tasks_sample_memory),
	    .min = 1, .max = 1048576 },
	{ .name = NULL }
};

static const struct ckey webhooks_keys[] = {
	{ .name = "allow", .type = K_HOSTS, FIELD(webhooks_allow) },
	{ .name = "queue", .type = K_UINT, FIELD(webhooks_queue),
	    .min = 1, .max = 100000 },
	{ .name = "max_age", .type = K_DURATION, FIELD(webhooks_max_age),
	    .min = WEBHOOK_AGE_MIN, .max = WEBHOOK_AGE_MAX },
	{ .name = "ca_file", .type = K_OPTPATH, FIELD(webhooks_ca_file) },
	{ .name = NULL }
};

static const struct ckey metrics_keys[] = {
	{ .name = "histograms", .type = K_BOOL, FIELD(metrics_histograms) },
	{ .name = "bucket_start", .type = K_DURATION,
	    FIELD(metrics_bucket_start), .min = 1000,
	    .max = 10LL * 1000 * 1000 * 1000 },
	{ .name = "bucket_factor", .type = K_UINT,
	    FIELD(metrics_bucket_factor), .min = 2, .max = 10 },
	{ .name = "buckets", .type = K_UINT, FIELD(metrics_buckets),
	    .min = 1, .max = METRICS_BUCKETS_MAX },
	{ .name = "task_labels", .type = K_BOOL, FIELD(metrics_task_labels) },
	{ .name = "max_series", .type = K_UINT, FIELD(metrics_max_series),
	    .min = 0, .max = 100000000 },
	{ .name = NULL }
};

static const struct ckey exports_keys[] = {
	{ .name = "influx_url", .type = K_STRING, FIELD(exports_influx_url) },
	{ .name = "influx_token_file", .type = K_OPTPATH,
	    FIELD(exports_influx_token_file) },
	{ .name = "influx_measurement", .type = K_STRING,
	    FIELD(exports_influx_measurement) },
	{ .name = "influx_batch", .type = K_UINT, FIELD(exports_influx_batch),
	    .min = 1, .max = 100000 },
	{ .name = "influx_flush_interval", .type = K_DURATION,
	    FIELD(exports_influx_flush), .min = 100LL * 1000 * 1000,
	    .max = 3600LL * 1000 * 1000 * 1000 },
	{ .name = "results_log", .type = K_OPTPATH, FIELD(exports_results_log) },
	{ .name = "results_log_per_probe", .type = K_BOOL,
	    FIELD(exports_per_probe) },
	{ .name = NULL }
};

/* The order here is the order of config_print. */
static const struct ckey top_keys[] = {
	{ .name = "user", .type = K_NAME, FIELD(user) },
	{ .name = "group", .type = K_STRING, FIELD(group) },
	{ .name = "chroot", .type = K_PATH, FIELD(chroot) },
	{ .name = "control", .type = K_SECTION, .sub = control_keys },
	{ .name = "http", .type = K_SECTION, .sub = http_keys },
	{ .name = "log", .type = K_SECTION, .sub = log_keys },
	{ .name = "reflector", .type = K_SECTION, .sub = reflector_keys },
	{ .name = "sender", .type = K_SECTION, .sub = sender_keys },
	{ .name = "monitor", .type = K_SECTION, .sub = monitor_keys },
	{ .name = "limits", .type = K_SECTION, .sub = limits_keys },
	{ .name = "webhooks", .type = K_SECTION, .sub = webhooks_keys },
	{ .name = "metrics", .type = K_SECTION, .sub = metrics_keys },
	{ .name = "exports", .type = K_SECTION, .sub = exports_keys },
	{ .name = "state_file", .type = K_PATH, FIELD(state_file) },
	{ .name = "tasks", .type = K_TASKS },
	{ .name = "monitors", .type = K_MONITORS },
	{ .name = NULL }
};
#define KEYS_MAX	32	/* entries of the longest table above */
#define KEYS_FIT(t)	_Static_assert(sizeof(t) / sizeof((t)[0]) <= KEYS_MAX, \
			    #t " has more than KEYS_MAX entries")
KEYS_FIT(control_keys);
KEYS_FIT(http_keys);
KEYS_FIT(log_keys);
KEYS_FIT(reflector_keys);
KEYS_FIT(sender_keys);
KEYS_FIT(monitor_keys);
KEYS_FIT(limits_keys);
KEYS_FIT(webhooks_keys);
KEYS_FIT(metrics_keys);
KEYS_FIT(exports_keys);
KEYS_FIT(top_keys);

static const struct {
	const char	*var;
	const char	*key;
} env_keys[] = {
	{ "LOPA_HTTP_ADDR",			"http.listen" },
	{ "LOPA_LOG_LEVEL",			"log.level" },
	{ "LOPA_REFLECTOR_ENABLED",		"reflector.enabled" },
	{ "LOPA_REFLECTOR_ADDR",		"reflector.addr" },
	{ "LOPA_REFLECTOR_TWAMP_ADDR",		"reflector.twamp_addr" },
	{ "LOPA_REFLECTOR_TWAMP_STATEFUL",	"reflector.twamp_stateful" },
	{ "LOPA_MONITOR_ENABLED",		"monitor.enabled" },
	{ "LOPA_MONITOR_EVENT_BUFFER_SIZE",	"monitor.event_buffer_size" },
};

/* Words a scalar may be, with their values. */
struct word {
	const char	*name;
	int		 value;
};

/* The first name of a level is the one printed. */
static const struct word levels[] = {
	{ "error",	LOG_ERR },
	{ "warning",	LOG_WARNING },
	{ "info",	LOG_INFO },
	{ "debug",	LOG_DEBUG },
	{ "warn",	LOG_WARNING },
	{ NULL,		0 }
};

static const struct word bools[] = {
	{ "true", 1 }, { "false", 0 },
	{ "yes", 1 }, { "no", 0 },
	{ "on", 1 }, { "off", 0 },
	{ "1", 1 }, { "0", 0 },
	{ NULL, 0 }
};

struct parse {
	const char		*file;
	yaml_document_t		*doc;
	struct lopad_conf	*conf;
	struct conf_errs	*errs;
};

static void	 walk_map(struct parse *, yaml_node_t *, const struct ckey *,
		    const char *);

void
conf_err(struct conf_errs *errs, const char *fmt, ...)
{
	va_list	 ap;

	/* Keep the last slot to say that some were left out. */
	if (errs->n < CONF_MAXERRS) {
		va_start(ap, fmt);
		vsnprintf(errs->msg[errs->n], sizeof(errs->msg[0]), fmt, ap);
		va_end(ap);
	} else
		snprintf(errs->msg[CONF_MAXERRS - 1], sizeof(errs->msg[0]),
		    "too many errors: only the first %d are shown",
		    CONF_MAXERRS - 1);
	errs->n++;
}

/*
 * A value or key as shown in a message: printable ASCII as is, anything
 * else as \xNN, cut after SHOW_MAXLEN bytes.  Messages end up in syslog,
 * terminals and JSON, so nothing unprintable passes through.
 */
static void
show(char *out, size_t outlen, const char *s, size_t len, int quote)
{
	size_t	 i, o = 0;

	if (quote && o + 1 < outlen)
		out[o++] = '"';
	for (i = 0; i < len && i < SHOW_MAXLEN && o + 8 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || (quote && (c == '"' ||
		    c == '\\')))
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    c);
		else
			out[o++] = (char)c;
	}
	if (i < len && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	if (quote && o + 1 < outlen)
		out[o++] = '"';
	out[o < outlen ? o : outlen - 1] = '\0';
}

/* Reason for a bad value: "\"value\": reason". */
static void
why(char *buf, size_t len, const char *v, size_t vlen, const char *fmt, ...)
    __attribute__((__format__(printf, 5, 6)));

static void
why(char *buf, size_t len, const char *v, size_t vlen, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 o;

	show(buf, len, v, vlen, 1);
	o = strlcat(buf, ": ", len);
	if (o >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + o, len - o, fmt, ap);
	va_end(ap);
}

static void
store_str(char *dst, size_t size, const char *v, size_t len)
{
	memset(dst, 0, size);
	memcpy(dst, v, len);
}

/* Check an address ("" allowed only if empty_ok) and store it. */
static int
set_addr(char *dst, size_t size, const char *v, size_t len, int empty_ok,
    struct sockaddr_storage *ss, char *wbuf, size_t wlen)
{
	struct sockaddr_storage	 tmp;
	socklen_t		 sslen;
	const char		*errstr;

	if (ss == NULL)
		ss = &tmp;
	memset(ss, 0, sizeof(*ss));
	if (len == 0 && empty_ok) {
		store_str(dst, size, "", 0);
		return 0;
	}
	if (len >= size) {
		why(wbuf, wlen, v, len, "too long (at most %zu bytes)",
		    size - 1);
		return -1;
	}
	if (addr_parse(v, ss, &sslen, &errstr) == -1) {
		why(wbuf, wlen, v, len, "%s", errstr);
		return -1;
	}
	store_str(dst, size, v, len);
	return 0;
}

/* Case-insensitive lookup of a scalar in a word table. */
static int
set_word(const struct word *w, int *dst, const char *v, size_t len,
    char *wbuf, size_t wlen, const char *reason)
{
	for (; w->name != NULL; w++) {
		if (strlen(w->name) == len && strcasecmp(w->name, v) == 0) {
			*dst = w->value;
			return 0;
		}
	}
	why(wbuf, wlen, v, len, "%s", reason);
	return -1;
}

static int
set_uint(const struct ckey *k, uint32_t *dst, const char *v, size_t len,
    char *wbuf, size_t wlen)
{
	const char	*errstr;
	long long	 n;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			break;
	if (len == 0 || i < len) {
		why(wbuf, wlen, v, len, "not an integer");
		return -1;
	}
	n = strtonum(v, k->min, k->max, &errstr);
	if (errstr != NULL) {
		why(wbuf, wlen, v, len, "out of range (%lld..%lld)", k->min,
		    k->max);
		return -1;
	}
	*dst = (uint32_t)n;
	return 0;
}

static int
set_duration(const struct ckey *k, int64_t *dst, const char *v, size_t len,
    char *wbuf, size_t wlen)
{
	char		 lo[32], hi[32];
	const char	*errstr;
	int64_t		 d;

	if (duration_parse(v, &d, &errstr) == -1) {
		why(wbuf, wlen, v, len, "%s", errstr);
		return -1;
	}
	if (d < k->min || d > k->max) {
		duration_format(k->min, lo, sizeof(lo));
		duration_format(k->max, hi, sizeof(hi));
		why(wbuf, wlen, v, len, "out of range (%s..%s)%s", lo, hi,
		    strspn(v, "0123456789") == len ?
		    "; a number without a unit is nanoseconds" : "");
		return -1;
	}
	*dst = d;
	return 0;
}

/*
 * Check one scalar value v (len bytes, NUL-terminated) for key k and store
 * it in c.  On error, wbuf gets the reason, starting with the value.
 */
static int
conf_set(const struct ckey *k, struct lopad_conf *c, const char *v,
    size_t len, char *wbuf, size_t wlen)
{
	char	*f = (char *)c + k->off;
	int	 n;

	if (strlen(v) != len) {
		why(wbuf, wlen, v, len, "contains a NUL byte");
		return -1;
	}
	switch (k->type) {
	case K_NAME:
	case K_STRING:
		if (k->type == K_NAME && len == 0) {
			why(wbuf, wlen, v, len, "must not be empty");
			return -1;
		}
		if (len >= k->size) {
			why(wbuf, wlen, v, len, "too long (at most %zu bytes)",
			    k->size - 1);
			return -1;
		}
		store_str(f, k->size, v, len);
		return 0;
	case K_PATH:
	case K_OPTPATH:
		if (!(k->type == K_OPTPATH && len == 0) && v[0] != '/') {
			why(wbuf, wlen, v, len, "not an absolute path");
			return -1;
		}
		if (len >= k->size) {
			why(wbuf, wlen, v, len, "too long (at most %zu bytes)",
			    k->size - 1);
			return -1;
		}
		store_str(f, k->size, v, len);
		return 0;
	case K_ADDR:
		return set_addr(f, k->size, v, len, 1, NULL, wbuf, wlen);
	case K_BOOL:
		if (set_word(bools, &n, v, len, wbuf, wlen, "not a boolean "
		    "(true/false, yes/no, on/off, 1/0)") == -1)
			return -1;
		*(uint32_t *)(void *)f = n;
		return 0;
	case K_UINT:
		return set_uint(k, (uint32_t *)(void *)f, v, len, wbuf, wlen);
	case K_DURATION:
		return set_duration(k, (int64_t *)(void *)f, v, len, wbuf,
		    wlen);
	case K_LEVEL:
		if (set_word(levels, &n, v, len, wbuf, wlen, "unknown log "
		    "level (error, warning, info or debug)") == -1)
			return -1;
		*(int32_t *)(void *)f = n;
		return 0;
	case K_SECTION:
	case K_LISTEN:
	case K_PREFIXES:
	case K_HOSTS:
	case K_TASKS:
	case K_MONITORS:
		break;
	}
	snprintf(wbuf, wlen, "cannot be set from a single value");
	return -1;
}

static const struct ckey *
key_find(const char *dotted)
{
	const struct ckey	*t = top_keys, *k;
	const char		*p;
	size_t			 len;

	for (;;) {
		p = strchr(dotted, '.');
		len = p != NULL ? (size_t)(p - dotted) : strlen(dotted);
		for (k = t; k->name != NULL; k++)
			if (strlen(k->name) == len &&
			    strncmp(k->name, dotted, len) == 0)
				break;
		if (k->name == NULL)
			return NULL;
		if (p == NULL)
			return k;
		if ((t = k->sub) == NULL)
			return NULL;
		dotted = p + 1;
	}
}

/* YAML side. */

static void
perr(struct parse *p, const yaml_node_t *n, const char *key,
    const char *fmt, ...)
    __attribute__((__format__(printf, 4, 5)));

static void
perr(struct parse *p, const yaml_node_t *n, const char *key,
    const char *fmt, ...)
{
	char	 r[WHY_MAXLEN];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(r, sizeof(r), fmt, ap);
	va_end(ap);
	if (key != NULL)
		conf_err(p->errs, "%s:%zu:%zu: %s: %s", p->file,
		    n->start_mark.line + 1, n->start_mark.column + 1, key, r);
	else
		conf_err(p->errs, "%s:%zu:%zu: %s", p->file,
		    n->start_mark.line + 1, n->start_mark.column + 1, r);
}

static const char *
node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a scalar value";
	}
}

static const char *
key_kind(enum ktype t)
{
	switch (t) {
	case K_SECTION:
		return "a mapping";
	case K_LISTEN:
		return "an address or a list of addresses";
	case K_ADDR:
		return "an address";
	case K_PREFIXES:
		return "a list of address prefixes";
	case K_HOSTS:
		return "a list of host names and address prefixes";
	case K_TASKS:
		return "a list of tasks";
	case K_MONITORS:
		return "a list of monitors";
	case K_BOOL:
		return "a boolean";
	case K_UINT:
		return "an integer";
	case K_DURATION:
		return "a duration";
	case K_LEVEL:
		return "a log level";
	default:
		return "a string";
	}
}

/* A plain empty, "~" or "null" scalar: YAML's null. */
static int
is_null(const yaml_node_t *n)
{
	const char	*v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return n->data.scalar.length == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0;
}

static void
set_listen(struct parse *p, yaml_node_t *vn, const char *dotted)
{
	struct lopad_conf	*c = p->conf;
	struct sockaddr_storage	 ss[LOPA_MAXLISTEN];
	size_t			 at[LOPA_MAXLISTEN];	/* list index */
	yaml_node_item_t	*it;
	yaml_node_t		*n;
	char			 name[KEY_MAXLEN], w[WHY_MAXLEN];
	char			 addr[LOPA_ADDRLEN], idx[32];
	const char		*v;
	size_t			 i, j, cnt, len;

	if (vn->type == YAML_SCALAR_NODE) {
		v = (const char *)vn->data.scalar.value;
		len = is_null(vn) ? 0 : vn->data.scalar.length;
		if (strlen(v) < len)
			why(w, sizeof(w), v, len, "contains a NUL byte");
		else if (set_addr(addr, sizeof(addr), v, len, 1, NULL, w,
		    sizeof(w)) == 0) {
			memset(c->http_listen, 0, sizeof(c->http_listen));
			memcpy(c->http_listen[0], addr, sizeof(addr));
			c->http_nlisten = len == 0 ? 0 : 1;
			return;
		}
		perr(p, vn, dotted, "%s", w);
		return;
	}
	if (vn->type != YAML_SEQUENCE_NODE) {
		perr(p, vn, dotted, "expected %s, not %s", key_kind(K_LISTEN),
		    node_kind(vn));
		return;
	}
	cnt = (size_t)(vn->data.sequence.items.top -
	    vn->data.sequence.items.start);
	if (cnt > LOPA_MAXLISTEN)
		perr(p, vn, dotted, "more than %d listen addresses (%zu)",
		    LOPA_MAXLISTEN, cnt);
	memset(c->http_listen, 0, sizeof(c->http_listen));
	c->http_nlisten = 0;
	for (i = 0, it = vn->data.sequence.items.start;
	    it < vn->data.sequence.items.top; i++, it++) {
		if ((n = yaml_document_get_node(p->doc, *it)) == NULL)
			continue;
		strlcpy(name, dotted, sizeof(name));
		snprintf(idx, sizeof(idx), "[%zu]", i);
		strlcat(name, idx, sizeof(name));
		if (n->type != YAML_SCALAR_NODE) {
			perr(p, n, name, "expected %s, not %s",
			    key_kind(K_ADDR), node_kind(n));
			continue;
		}
		v = (const char *)n->data.scalar.value;
		len = is_null(n) ? 0 : n->data.scalar.length;
		if (strlen(v) < len) {
			why(w, sizeof(w), v, len, "contains a NUL byte");
			perr(p, n, name, "%s", w);
			continue;
		}
		if (set_addr(addr, sizeof(addr), v, len, 0,
		    i < LOPA_MAXLISTEN ? &ss[i] : NULL, w, sizeof(w)) == -1) {
			perr(p, n, name, "%s", w);
			continue;
		}
		if (i >= LOPA_MAXLISTEN)
			continue;
		for (j = 0; j < c->http_nlisten; j++)
			if (memcmp(&ss[j], &ss[i], sizeof(ss[i])) == 0)
				break;
		if (j < c->http_nlisten) {
			why(w, sizeof(w), v, len,
			    "duplicate address (same as %s[%zu])", dotted,
			    at[j]);
			perr(p, n, name, "%s", w);
			continue;
		}
		/* Keep ss[] in step with the entries stored. */
		ss[c->http_nlisten] = ss[i];
		at[c->http_nlisten] = i;
		memcpy(c->http_listen[c->http_nlisten++], addr, sizeof(addr));
	}
}

/* A scalar that fits in size bytes with its NUL; -1 with why in w. */
static int
scalar_fits(const char *v, size_t len, size_t size, char *w, size_t wlen)
{
	if (strlen(v) < len) {
		why(w, wlen, v, len, "contains a NUL byte");
		return -1;
	}
	if (len >= size) {
		why(w, wlen, v, len, "too long (at most %zu bytes)", size - 1);
		return -1;
	}
	return 0;
}

/* Check one prefix and store it in dst; -1 with the reason in w. */
static int
set_prefix(char *dst, size_t size, const char *v, size_t len, char *w,
    size_t wlen)
{
	struct addr_prefix	 pfx;
	const char		*errstr;

	if (scalar_fits(v, len, size, w, wlen) == -1)
		return -1;
	if (addr_prefix_parse(v, &pfx, &errstr) == -1) {
		why(w, wlen, v, len, "%s", errstr);
		return -1;
	}
	store_str(dst, size, v, len);
	return 0;
}

/*
 * K_HOSTS: a prefix as set_prefix takes it, or a host name (RFC 1123
 * labels, a trailing dot allowed), stored lower case.
 */
static int
set_host_or_prefix(char *dst, size_t size, const char *v, size_t len,
    char *w, size_t wlen)
{
	size_t			 i, label = 0;

	if (scalar_fits(v, len, size, w, wlen) == -1)
		return -1;
	if (addr_prefix_form(v, len))
		return set_prefix(dst, size, v, len, w, wlen);
	for (i = 0; i < len; i++) {
		if (v[i] == '.') {
			if (label == 0 || v[i - 1] == '-') {
				why(w, wlen, v, len, "not a host name or an "
				    "address prefix");
				return -1;
			}
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)v[i]) && (v[i] != '-' ||
		    label == 0) && v[i] != '_') {
			why(w, wlen, v, len, "not a host name or an address "
			    "prefix");
			return -1;
		}
		if (++label > 63) {
			why(w, wlen, v, len, "a label longer than 63 "
			    "characters");
			return -1;
		}
	}
	if (len == 0 || (label == 0 && len == 1)) {
		why(w, wlen, v, len, "empty");
		return -1;
	}
	store_str(dst, size, v, len);
	for (i = 0; dst[i] != '\0'; i++)
		dst[i] = (char)tolower((unsigned char)dst[i]);
	return 0;
}

/*
 * An allow list (struct conf_allow): a list, one entry, or null/"" for
 * none; prefixes (K_PREFIXES) or host names and prefixes (K_HOSTS).
 */
static void
set_allow(struct parse *p, const struct ckey *k, yaml_node_t *vn,
    const char *dotted)
{
	struct conf_allow	*a = (struct conf_allow *)(void *)
				    ((char *)p->conf + k->off);
	int			(*check)(char *, size_t, const char *, size_t,
				    char *, size_t);
	yaml_node_item_t	*it;
	yaml_node_t		*n;
	char			 name[KEY_MAXLEN], w[WHY_MAXLEN], idx[32];
	char			 e[LOPA_HOSTLEN];
	const char		*what;
	size_t			 i, cnt;

	check = k->type == K_HOSTS ? set_host_or_prefix : set_prefix;
	what = k->type == K_HOSTS ? "a host name or an address prefix" :
	    "an address prefix";
	if (vn->type == YAML_SCALAR_NODE) {
		memset(a, 0, sizeof(*a));
		if (is_null(vn))
			return;
		if (check(e, k->type == K_HOSTS ? sizeof(e) : LOPA_ADDRLEN,
		    (const char *)vn->data.scalar.value,
		    vn->data.scalar.length, w, sizeof(w)) == -1) {
			perr(p, vn, dotted, "%s", w);
			return;
		}
		strlcpy(a->v[0], e, sizeof(a->v[0]));
		a->n = 1;
		return;
	}
	if (vn->type != YAML_SEQUENCE_NODE) {
		perr(p, vn, dotted, "expected %s, not %s",
		    key_kind(k->type), node_kind(vn));
		return;
	}
	cnt = (size_t)(vn->data.sequence.items.top -
	    vn->data.sequence.items.start);
	if (cnt > LOPA_MAXALLOW)
		perr(p, vn, dotted, "more than %d entries (%zu)",
		    LOPA_MAXALLOW, cnt);
	memset(a, 0, sizeof(*a));
	for (i = 0, it = vn->data.sequence.items.start;
	    it < vn->data.sequence.items.top; i++, it++) {
		if ((n = yaml_document_get_node(p->doc, *it)) == NULL)
			continue;
		strlcpy(name, dotted, sizeof(name));
		snprintf(idx, sizeof(idx), "[%zu]", i);
		strlcat(name, idx, sizeof(name));
		if (n->type != YAML_SCALAR_NODE) {
			perr(p, n, name, "expected %s, not %s", what,
			    node_kind(n));
			continue;
		}
		if (check(e, k->type == K_HOSTS ? sizeof(e) : LOPA_ADDRLEN,
		    is_null(n) ? "" : (const char *)n->data.scalar.value,
		    is_null(n) ? 0 : n->data.scalar.length, w,
		    sizeof(w)) == -1) {
			perr(p, n, name, "%s", w);
			continue;
		}
		if (a->n >= LOPA_MAXALLOW)
			continue;
		strlcpy(a->v[a->n++], e, sizeof(a->v[0]));
	}
}

/*
 * Task declarations (tasks:).  The declarations of the last parse that
 * succeeded are kept here for the parent (config_tasks_take) and for
 * config_print; those of a parse under way in cfg_parsing.
 */
static struct conf_tasks	 cfg_tasks, cfg_parsing;
static struct conf_monitors	 cfg_mons, cfg_mparsing;

void
config_monitors_free(struct conf_monitors *m)
{
	if (m->v != NULL)
		explicit_bzero(m->v, m->n * sizeof(*m->v));
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void
config_monitors_take(struct conf_monitors *out)
{
	*out = cfg_mons;
	memset(&cfg_mons, 0, sizeof(cfg_mons));
}

void
config_tasks_free(struct conf_tasks *t)
{
	if (t->v != NULL)
		explicit_bzero(t->v, t->n * sizeof(*t->v));
	free(t->v);
	memset(t, 0, sizeof(*t));
}

void
config_tasks_take(struct conf_tasks *out)
{
	*out = cfg_tasks;
	memset(&cfg_tasks, 0, sizeof(cfg_tasks));
}

#define YJ_DEPTH	16

/*
 * A YAML node as JSON: plain scalars typed as YAML 1.2's core schema
 * reads them (null, true/false, integers, reals, else strings), quoted
 * ones strings.  NULL with an error reported at the node.
 */
static json_t *
yaml_json(struct parse *p, yaml_node_t *n, const char *dotted, int depth)
{
	yaml_node_pair_t	*pair;
	yaml_node_item_t	*it;
	yaml_node_t		*kn, *vn;
	json_t			*j, *c;
	const char		*v;
	char			*end;
	long long		 ll;
	double			 d;
	size_t			 len;

	if (depth > YJ_DEPTH) {
		perr(p, n, dotted, "nested more than %d levels", YJ_DEPTH);
		return NULL;
	}
	switch (n->type) {
	case YAML_SCALAR_NODE:
		v = (const char *)n->data.scalar.value;
		len = n->data.scalar.length;
		if (strlen(v) != len) {
			perr(p, n, dotted, "contains a NUL byte");
			return NULL;
		}
		if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
			return json_stringn(v, len);
		if (is_null(n))
			return json_null();
		if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 ||
		    strcmp(v, "TRUE") == 0)
			return json_true();
		if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 ||
		    strcmp(v, "FALSE") == 0)
			return json_false();
		if (strspn(v, "-+0123456789") == len && len > 0) {
			errno = 0;
			ll = strtoll(v, &end, 10);
			if (errno == 0 && *end == '\0')
				return json_integer(ll);
		}
		if (strspn(v, "-+0123456789.eE") == len && len > 0) {
			errno = 0;
			d = strtod(v, &end);
			if (errno == 0 && *end == '\0' && isfinite(d))
				return json_real(d);
		}
		return json_stringn(v, len);
	case YAML_SEQUENCE_NODE:
		if ((j = json_array()) == NULL)
			return NULL;
		for (it = n->data.sequence.items.start;
		    it < n->data.sequence.items.top; it++) {
			if ((vn = yaml_document_get_node(p->doc, *it)) == NULL)
				continue;
			if ((c = yaml_json(p, vn, dotted, depth + 1)) == NULL ||
			    json_array_append_new(j, c) == -1) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	case YAML_MAPPING_NODE:
		if ((j = json_object()) == NULL)
			return NULL;
		for (pair = n->data.mapping.pairs.start;
		    pair < n->data.mapping.pairs.top; pair++) {
			kn = yaml_document_get_node(p->doc, pair->key);
			vn = yaml_document_get_node(p->doc, pair->value);
			if (kn == NULL || vn == NULL)
				continue;
			if (kn->type != YAML_SCALAR_NODE ||
			    strlen((const char *)kn->data.scalar.value) !=
			    kn->data.scalar.length) {
				perr(p, kn, dotted, "a key must be a string");
				json_decref(j);
				return NULL;
			}
			if (json_object_get(j,
			    (const char *)kn->data.scalar.value) != NULL) {
				perr(p, kn, dotted, "duplicate key \"%.40s\"",
				    (const char *)kn->data.scalar.value);
				json_decref(j);
				return NULL;
			}
			if ((c = yaml_json(p, vn, dotted, depth + 1)) == NULL ||
			    json_object_set_new(j,
			    (const char *)kn->data.scalar.value, c) == -1) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	default:
		perr(p, n, dotted, "not a value");
		return NULL;
	}
}

/*
 * The node a task field names ("thresholds.loss.above", "tlvs[1].type"):
 * its key's node, or the deepest node found on the way.
 */
static yaml_node_t *
yaml_find(struct parse *p, yaml_node_t *n, const char *field)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*kn = NULL, *found = n;
	char			 comp[TASK_JSON_FIELDLEN];
	const char		*f = field;
	size_t			 len;
	long			 idx;

	while (*f != '\0' && n != NULL) {
		if (*f == '[') {
			idx = strtol(f + 1, NULL, 10);
			if (n->type != YAML_SEQUENCE_NODE || idx < 0 ||
			    idx >= n->data.sequence.items.top -
			    n->data.sequence.items.start)
				break;
			n = yaml_document_get_node(p->doc,
			    n->data.sequence.items.start[idx]);
			if (n != NULL)
				found = n;
			if ((f = strchr(f, ']')) == NULL)
				break;
			f++;
			if (*f == '.')
				f++;
			continue;
		}
		len = strcspn(f, ".[");
		if (len >= sizeof(comp) || n->type != YAML_MAPPING_NODE)
			break;
		memcpy(comp, f, len);
		comp[len] = '\0';
		for (pair = n->data.mapping.pairs.start;
		    pair < n->data.mapping.pairs.top; pair++) {
			kn = yaml_document_get_node(p->doc, pair->key);
			if (kn != NULL && kn->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)kn->data.scalar.value,
			    comp) == 0)
				break;
		}
		if (pair == n->data.mapping.pairs.top)
			break;
		found = kn;
		n = yaml_document_get_node(p->doc, pair->value);
		f += len;
		if (*f == '.')
			f++;
	}
	return found;
}

/* The name of the k-th declaration parsed so far, of tasks or monitors. */
static const char *
decl_name(int monitors, size_t k)
{
	return monitors ? cfg_mparsing.v[k].name : cfg_parsing.v[k].name;
}

/*
 * One declaration j (at node n, named name in messages) into the next
 * slot: 0, or -1 with *e naming the field.
 */
static int
decl_parse(struct parse *p, int monitors, json_t *j, yaml_node_t *n,
    const char *name, struct task_json_err *e)
{
	struct conf_monitor	*cm;
	struct conf_task	*ct;
	json_t			*t;
	char			 f[KEY_MAXLEN + 64];
	uint32_t		 type;

	if (monitors) {
		cm = &cfg_mparsing.v[cfg_mparsing.n];
		memset(cm, 0, sizeof(*cm));
		if (monitor_params_from_json(j, 0, &cm->p, e) == -1)
			return -1;
		strlcpy(cm->name, cm->p.name, sizeof(cm->name));
		cfg_mparsing.n++;
		return 0;
	}
	t = json_object_get(j, "type");
	if (!json_is_string(t) || task_type_name(type =
	    task_type_from_name(json_string_value(t))) == NULL) {
		snprintf(f, sizeof(f), "%s.type", name);
		perr(p, yaml_find(p, n, "type"), f, "required: ping, tcp, udp, "
		    "twamp or stamp");
		memset(e, 0, sizeof(*e));
		return -1;
	}
	ct = &cfg_parsing.v[cfg_parsing.n];
	memset(ct, 0, sizeof(*ct));
	if (task_params_from_json(j, type, &ct->p, e) == -1)
		return -1;
	strlcpy(ct->name, ct->p.name, sizeof(ct->name));
	cfg_parsing.n++;
	return 0;
}

/*
 * tasks: a list of task declarations, each the body of the API's
 * POST /api/v1/tasks/TYPE with "type" and a "name" of its own (the
 * parent creates them and reconciles them on reload by name); as a
 * mapping (lopad 0.1), the limits now under limits:.  monitors: the
 * same for monitors, each the body of POST /api/v1/monitors.
 */
static void
set_decls(struct parse *p, yaml_node_t *vn, const char *dotted, int monitors)
{
	struct task_json_err	 e;
	yaml_node_item_t	*it;
	yaml_node_t		*n, *at;
	json_t			*j, *nm;
	char			 name[KEY_MAXLEN], f[KEY_MAXLEN + 64];
	const char		*detail, *what = monitors ? "monitor" : "task";
	size_t			 i, k, cap = 0, *np, size;
	void			**vp, *nv;

	if (!monitors && vn->type == YAML_MAPPING_NODE) {
		walk_map(p, vn, limits_keys, dotted);
		return;
	}
	if (monitors) {
		config_monitors_free(&cfg_mparsing);
		vp = (void **)&cfg_mparsing.v;
		np = &cfg_mparsing.n;
		size = sizeof(*cfg_mparsing.v);
	} else {
		config_tasks_free(&cfg_parsing);
		vp = (void **)&cfg_parsing.v;
		np = &cfg_parsing.n;
		size = sizeof(*cfg_parsing.v);
	}
	if (is_null(vn))
		return;
	if (vn->type != YAML_SEQUENCE_NODE) {
		perr(p, vn, dotted, "expected a list of %ss, not %s", what,
		    node_kind(vn));
		return;
	}
	for (i = 0, it = vn->data.sequence.items.start;
	    it < vn->data.sequence.items.top; i++, it++) {
		if ((n = yaml_document_get_node(p->doc, *it)) == NULL)
			continue;
		snprintf(name, sizeof(name), "%s[%zu]", dotted, i);
		if (n->type != YAML_MAPPING_NODE) {
			perr(p, n, name, "expected a %s (a mapping with type, "
			    "name, %s...), not %s", what, monitors ? "filter" :
			    "target", node_kind(n));
			continue;
		}
		if ((j = yaml_json(p, n, name, 0)) == NULL)
			continue;
		nm = json_object_get(j, "name");
		if (!json_is_string(nm) || json_string_value(nm)[0] ==
		    '\0') {
			snprintf(f, sizeof(f), "%s.name", name);
			perr(p, yaml_find(p, n, "name"), f, "required: a %s "
			    "of the configuration is known by its name", what);
			json_decref(j);
			continue;
		}
		for (k = 0; k < *np; k++)
			if (strcmp(decl_name(monitors, k),
			    json_string_value(nm)) == 0)
				break;
		if (k < *np) {
			snprintf(f, sizeof(f), "%s.name", name);
			perr(p, yaml_find(p, n, "name"), f, "\"%.40s\" names "
			    "%s[%zu] already", json_string_value(nm), dotted, k);
			json_decref(j);
			continue;
		}
		if (*np == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = reallocarray(*vp, cap, size)) == NULL) {
				perr(p, n, name, "out of memory");
				json_decref(j);
				return;
			}
			*vp = nv;
		}
		if (decl_parse(p, monitors, j, n, name, &e) == -1 &&
		    e.status != 0) {
			at = e.field[0] != '\0' ? yaml_find(p, n, e.field) : n;
			detail = e.detail;
			if (e.field[0] != '\0' && strncmp(detail, e.field,
			    strlen(e.field)) == 0 &&
			    detail[strlen(e.field)] == ':')
				detail += strlen(e.field) + 2;
			snprintf(f, sizeof(f), "%s%s%s", name,
			    e.field[0] != '\0' ? "." : "", e.field);
			perr(p, at, f, "%s", detail);
		}
		json_decref(j);
	}
}

static void
set_node(struct parse *p, const struct ckey *k, yaml_node_t *vn,
    const char *dotted)
{
	char		 w[WHY_MAXLEN];
	const char	*v;
	size_t		 len;

	switch (k->type) {
	case K_SECTION:
		if (is_null(vn))	/* "http:" with every key commented */
			return;
		if (vn->type != YAML_MAPPING_NODE) {
			perr(p, vn, dotted, "expected a mapping, not %s",
			    node_kind(vn));
			return;
		}
		walk_map(p, vn, k->sub, dotted);
		return;
	case K_LISTEN:
		set_listen(p, vn, dotted);
		return;
	case K_PREFIXES:
	case K_HOSTS:
		set_allow(p, k, vn, dotted);
		return;
	case K_TASKS:
		set_decls(p, vn, dotted, 0);
		return;
	case K_MONITORS:
		set_decls(p, vn, dotted, 1);
		return;
	default:
		break;
	}
	if (vn->type != YAML_SCALAR_NODE) {
		perr(p, vn, dotted, "expected %s, not %s", key_kind(k->type),
		    node_kind(vn));
		return;
	}
	if (is_null(vn)) {
		switch (k->type) {
		case K_STRING:
		case K_OPTPATH:
		case K_ADDR:
			break;
		default:
			perr(p, vn, dotted, "missing value (expected %s)",
			    key_kind(k->type));
			return;
		}
		v = "";
		len = 0;
	} else {
		v = (const char *)vn->data.scalar.value;
		len = vn->data.scalar.length;
	}
	if (conf_set(k, p->conf, v, len, w, sizeof(w)) == -1)
		perr(p, vn, dotted, "%s", w);
}

static void
walk_map(struct parse *p, yaml_node_t *map, const struct ckey *table,
    const char *prefix)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*kn, *vn;
	const struct ckey	*k;
	yaml_mark_t		 first[KEYS_MAX];
	int			 seen[KEYS_MAX];
	char			 dotted[KEY_MAXLEN], shown[KEY_MAXLEN];
	const char		*name;
	size_t			 len, i;

	memset(seen, 0, sizeof(seen));
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		kn = yaml_document_get_node(p->doc, pair->key);
		vn = yaml_document_get_node(p->doc, pair->value);
		if (kn == NULL || vn == NULL)
			continue;
		if (kn->type != YAML_SCALAR_NODE) {
			perr(p, kn, prefix, "a key must be a string, not %s",
			    node_kind(kn));
			continue;
		}
		name = (const char *)kn->data.scalar.value;
		len = kn->data.scalar.length;
		for (k = table; k->name != NULL; k++)
			if (strlen(k->name) == len &&
			    memcmp(k->name, name, len) == 0)
				break;
		dotted[0] = '\0';
		if (prefix != NULL) {
			strlcpy(dotted, prefix, sizeof(dotted));
			strlcat(dotted, ".", sizeof(dotted));
		}
		show(shown, sizeof(shown), name, len, 0);
		strlcat(dotted, shown, sizeof(dotted));
		if (k->name == NULL) {
			perr(p, kn, dotted, "unknown key");
			continue;
		}
		i = (size_t)(k - table);
		if (seen[i]) {
			perr(p, kn, dotted, "duplicate key (first at line %zu "
			    "column %zu)", first[i].line + 1,
			    first[i].column + 1);
			continue;
		}
		seen[i] = 1;
		first[i] = kn->start_mark;
		set_node(p, k, vn, dotted);
	}
}

/* Line and column (1-based, in characters) of a byte offset in buf. */
static void
offset_pos(const char *buf, size_t len, size_t off, size_t *line,
    size_t *col)
{
	size_t	 i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

static void
yaml_error(struct parse *p, const yaml_parser_t *y, const char *buf,
    size_t len)
{
	const char	*problem = y->problem ? y->problem : "unknown error";
	size_t		 line, col;

	switch (y->error) {
	case YAML_MEMORY_ERROR:
		conf_err(p->errs, "%s: out of memory while parsing", p->file);
		break;
	case YAML_READER_ERROR:
		offset_pos(buf, len, y->problem_offset, &line, &col);
		if (y->problem_value != -1)
			conf_err(p->errs, "%s:%zu:%zu: YAML syntax error: %s "
			    "(0x%02x)", p->file, line, col, problem,
			    (unsigned int)y->problem_value);
		else
			conf_err(p->errs, "%s:%zu:%zu: YAML syntax error: %s",
			    p->file, line, col, problem);
		break;
	default:
		if (y->context != NULL)
			conf_err(p->errs, "%s:%zu:%zu: YAML syntax error: %s "
			    "(%s at line %zu column %zu)", p->file,
			    y->problem_mark.line + 1,
			    y->problem_mark.column + 1, problem, y->context,
			    y->context_mark.line + 1,
			    y->context_mark.column + 1);
		else
			conf_err(p->errs, "%s:%zu:%zu: YAML syntax error: %s",
			    p->file, y->problem_mark.line + 1,
			    y->problem_mark.column + 1, problem);
		break;
	}
}

void
config_defaults(struct lopad_conf *c)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->user, LOPAD_USER, sizeof(c->user));
	strlcpy(c->control_socket, LOPAD_SOCKET, sizeof(c->control_socket));
	strlcpy(c->control_rsocket, LOPAD_RSOCKET,
	    sizeof(c->control_rsocket));
	c->http_nlisten = 2;
	strlcpy(c->http_listen[0], "127.0.0.1:8080",
	    sizeof(c->http_listen[0]));
	strlcpy(c->http_listen[1], "[::1]:8080", sizeof(c->http_listen[1]));
	c->http_loopback_write = 0;
	c->http_max_connections = 4096;
	c->http_idle_timeout = 30LL * 1000 * 1000 * 1000;
	c->log_level = LOG_INFO;
	c->reflector_enabled = 1;
	strlcpy(c->reflector_addr, ":8081", sizeof(c->reflector_addr));
	strlcpy(c->reflector_twamp_addr, ":862",
	    sizeof(c->reflector_twamp_addr));
	c->reflector_twamp_stateful = 0;
	c->reflector_twamp_refwait = REFWAIT_DEFAULT;
	c->reflector_twamp_servwait = REFWAIT_DEFAULT;	/* SERVWAIT: 900s */
	c->reflector_twamp_port_min = 18760;
	c->reflector_twamp_port_max = 18860;
	c->reflector_twamp_max_padding = 1500;
	c->reflector_twamp_max_connections = 64;
	c->reflector_twamp_max_connections_per_client = 8;
	c->reflector_twamp_max_sessions = 256;
	c->reflector_twamp_max_sessions_per_connection = 16;
	c->sender_twamp_connect_timeout = TWC_TIMEOUT_DEF;
	c->sender_twamp_response_timeout = TWC_TIMEOUT_DEF;
	c->sender_twamp_max_count = 32768;	/* RFC 5357 section 6 */
	c->monitor_enabled = 1;
	c->reflector_rate_per_source = 1000;
	c->reflector_rate_global = 100000;
	c->monitor_event_buffer_size = 100;
	c->monitor_max = 1000;
	c->monitor_rcvbuf = 8 * 1024 * 1024;
	c->monitor_max_routes = 100000;
	c->tasks_max = 10000;
	c->tasks_retain = 1000;
	c->tasks_samples = 100;
	c->tasks_sample_memory = 256;
	c->webhooks_queue = 1000;
	c->metrics_histograms = 1;
	c->metrics_bucket_start = METRICS_BUCKET_MIN_NS;
	c->metrics_bucket_factor = 2;
	c->metrics_buckets = METRICS_BUCKETS_DEF;
	c->metrics_task_labels = 1;
	c->metrics_max_series = 1000000;
	strlcpy(c->exports_influx_measurement, "lopa",
	    sizeof(c->exports_influx_measurement));
	c->exports_influx_batch = 1000;
	c->exports_influx_flush = 1000LL * 1000 * 1000;
	c->webhooks_max_age = WEBHOOK_AGE_DEF;
	strlcpy(c->webhooks_ca_file, LOPAD_CA_FILE,
	    sizeof(c->webhooks_ca_file));
	strlcpy(c->state_file, LOPAD_STATE, sizeof(c->state_file));
	strlcpy(c->chroot, LOPAD_CHROOT, sizeof(c->chroot));
}

int
config_parse_buf(const char *name, const char *buf, size_t len,
    struct lopad_conf *conf, struct conf_errs *errs)
{
	struct lopad_conf	 tmp;
	struct parse		 p;
	yaml_parser_t		 y;
	yaml_document_t		 doc;
	yaml_node_t		*root;
	size_t			 nerr = errs->n;

	memcpy(&tmp, conf, sizeof(tmp));
	memset(&p, 0, sizeof(p));
	config_tasks_free(&cfg_parsing);
	config_monitors_free(&cfg_mparsing);
	p.file = name;
	p.doc = &doc;
	p.conf = &tmp;
	p.errs = errs;

	if (!yaml_parser_initialize(&y)) {
		conf_err(errs, "%s: cannot initialise the YAML parser", name);
		return -1;
	}
	yaml_parser_set_input_string(&y, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&y, &doc)) {
		yaml_error(&p, &y, buf, len);
		goto done;
	}
	if ((root = yaml_document_get_root_node(&doc)) != NULL) {
		if (root->type == YAML_MAPPING_NODE)
			walk_map(&p, root, top_keys, NULL);
		else if (!is_null(root))
			perr(&p, root, NULL, "expected a mapping of keys at "
			    "the top level, not %s", node_kind(root));
	}
	yaml_document_delete(&doc);

	/* One document only: a second one would be silently ignored. */
	if (!yaml_parser_load(&y, &doc)) {
		yaml_error(&p, &y, buf, len);
		goto done;
	}
	if ((root = yaml_document_get_root_node(&doc)) != NULL)
		perr(&p, root, NULL, "a second YAML document: the "
		    "configuration must be a single document");
	yaml_document_delete(&doc);
	if (tmp.reflector_twamp_port_min > tmp.reflector_twamp_port_max)
		conf_err(errs, "%s: reflector.twamp_port_min %u is above "
		    "reflector.twamp_port_max %u", name,
		    tmp.reflector_twamp_port_min, tmp.reflector_twamp_port_max);
	if (tmp.exports_influx_url[0] != '\0' &&
	    !task_json_url_ok(tmp.exports_influx_url))
		conf_err(errs, "%s: exports.influx_url: not an http or https "
		    "URL", name);
	if (tmp.exports_influx_token_file[0] != '\0' &&
	    read_token(tmp.exports_influx_token_file, tmp.exports_influx_token,
	    sizeof(tmp.exports_influx_token)) == -1)
		conf_err(errs, "%s: exports.influx_token_file %s: %s", name,
		    tmp.exports_influx_token_file, errno == EMSGSIZE ?
		    "no token in it, or a token too long" : strerror(errno));
	if (strpbrk(tmp.exports_influx_measurement, "\n\r") != NULL ||
	    tmp.exports_influx_measurement[0] == '\0')
		conf_err(errs, "%s: exports.influx_measurement: empty or with "
		    "a line break", name);
	/* RFC 4656 section 3.1: the Count is a power of 2. */
	if ((tmp.sender_twamp_max_count & (tmp.sender_twamp_max_count - 1))
	    != 0)
		conf_err(errs, "%s: sender.twamp_max_count %u is not a power "
		    "of 2", name, tmp.sender_twamp_max_count);
 done:
	yaml_parser_delete(&y);
	if (errs->n != nerr) {
		config_tasks_free(&cfg_parsing);
		config_monitors_free(&cfg_mparsing);
		return -1;
	}
	memcpy(conf, &tmp, sizeof(*conf));
	config_tasks_free(&cfg_tasks);
	cfg_tasks = cfg_parsing;
	memset(&cfg_parsing, 0, sizeof(cfg_parsing));
	config_monitors_free(&cfg_mons);
	cfg_mons = cfg_mparsing;
	memset(&cfg_mparsing, 0, sizeof(cfg_mparsing));
	return 0;
}

int
config_parse_file(const char *path, int must_exist, struct lopad_conf *conf,
    struct conf_errs *errs)
{
	struct stat	 st;
	char		*buf;
	size_t		 len = 0;
	ssize_t		 n = 0;
	int		 fd, rv;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == ENOENT && !must_exist)
			return 0;
		conf_err(errs, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		conf_err(errs, "%s: fstat: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_err(errs, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > CONF_MAXSIZE) {
		conf_err(errs, "%s: too large (more than %d bytes)", path,
		    CONF_MAXSIZE);
		close(fd);
		return -1;
	}
	if ((buf = malloc(CONF_MAXSIZE + 1)) == NULL) {
		conf_err(errs, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* The file may change under us: read to EOF, within the limit. */
	while (len <= CONF_MAXSIZE) {
		n = read(fd, buf + len, CONF_MAXSIZE + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (n == -1) {
		conf_err(errs, "%s: read: %s", path, strerror(errno));
		free(buf);
		return -1;
	}
	if (len > CONF_MAXSIZE) {
		conf_err(errs, "%s: too large (more than %d bytes)", path,
		    CONF_MAXSIZE);
		free(buf);
		return -1;
	}
	rv = config_parse_buf(path, buf, len, conf, errs);
	free(buf);
	return rv;
}

int
config_env(struct lopad_conf *conf, char *(*get)(const char *),
    struct conf_errs *errs)
{
	struct lopad_conf	 tmp;
	const struct ckey	*k;
	char			 w[WHY_MAXLEN], addr[LOPA_ADDRLEN];
	const char		*v;
	size_t			 i, nerr = errs->n;

	memcpy(&tmp, conf, sizeof(tmp));
	for (i = 0; i < sizeof(env_keys) / sizeof(env_keys[0]); i++) {
		if ((v = get(env_keys[i].var)) == NULL)
			continue;
		if ((k = key_find(env_keys[i].key)) == NULL) {
			conf_err(errs, "%s: no such key %s", env_keys[i].var,
			    env_keys[i].key);
			continue;
		}
		if (k->type == K_LISTEN) {
			/* One address replaces the list; "" means none. */
			if (strchr(v, ',') != NULL) {
				why(w, sizeof(w), v, strlen(v), "one address "
				    "only (it replaces the whole list)");
				conf_err(errs, "%s: %s", env_keys[i].var, w);
				continue;
			}
			if (set_addr(addr, sizeof(addr), v, strlen(v), 1, NULL,
			    w, sizeof(w)) == -1) {
				conf_err(errs, "%s: %s", env_keys[i].var, w);
				continue;
			}
			memset(tmp.http_listen, 0, sizeof(tmp.http_listen));
			memcpy(tmp.http_listen[0], addr, sizeof(addr));
			tmp.http_nlisten = v[0] == '\0' ? 0 : 1;
			continue;
		}
		if (conf_set(k, &tmp, v, strlen(v), w, sizeof(w)) == -1)
			conf_err(errs, "%s: %s", env_keys[i].var, w);
	}
	if (errs->n != nerr)
		return -1;
	memcpy(conf, &tmp, sizeof(*conf));
	return 0;
}

/* Output side. */

/* Decode one UTF-8 sequence; the code point, or -1 if invalid. */
static long
utf8_decode(const unsigned char *s, size_t len, size_t *used)
{
	long	 cp, min;
	size_t	 n, i;

	if (s[0] < 0x80) {
		*used = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else
		return -1;
	if (n > len)
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*used = n;
	return cp;
}

/*
 * A YAML double-quoted scalar that reads back as the same bytes: escapes
 * for '"', '\\' and every character YAML does not keep as is in a quoted
 * scalar (C0 and C1 controls, DEL, the line breaks U+0085, U+2028 and
 * U+2029 that it would fold, U+FEFF, U+FFFE, U+FFFF).  A byte that is not
 * valid UTF-8 cannot be written so that it reads back; it is shown as \xNN.
 */
static void
print_quoted(FILE *fp, const char *s, size_t size)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 len = strnlen(s, size), i, used;
	long			 cp;

	fputc('"', fp);
	for (i = 0; i < len; i += used) {
		cp = utf8_decode(u + i, len - i, &used);
		if (cp == -1) {
			fprintf(fp, "\\x%02x", u[i]);
			used = 1;
		} else if (cp == '"' || cp == '\\')
			fprintf(fp, "\\%c", (int)cp);
		else if (cp == '\t')
			fputs("\\t", fp);
		else if (cp == '\n')
			fputs("\\n", fp);
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			fprintf(fp, "\\x%02lx", cp);
		else if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
		    cp == 0xfffe || cp == 0xffff)
			fprintf(fp, "\\u%04lx", cp);
		else
			fwrite(u + i, 1, used, fp);
	}
	fputc('"', fp);
}

/* tasks:, monitors: each declaration as a flow mapping in JSON syntax. */
static void
print_decls(FILE *fp, int monitors)
{
	json_t	*o;
	char	*line;
	size_t	 i, n = monitors ? cfg_mons.n : cfg_tasks.n;
	int	 secret;

	if (n == 0) {
		fputs(" []\n", fp);
		return;
	}
	fputc('\n', fp);
	for (i = 0; i < n; i++) {
		if (monitors) {
			o = monitor_params_json(&cfg_mons.v[i].p, 0);
			secret = cfg_mons.v[i].p.webhook_secret[0] != '\0';
		} else {
			o = task_params_json(&cfg_tasks.v[i].p);
			secret = cfg_tasks.v[i].p.webhook_secret[0] != '\0';
		}
		if (o == NULL)
			continue;
		if (secret)
			json_object_set_new(o, "webhook_secret",
			    json_string("(secret)"));
		if ((line = json_dumps(o, JSON_COMPACT)) != NULL)
			fprintf(fp, "  - %s\n", line);
		free(line);
		json_decref(o);
	}
}

static void
print_keys(FILE *fp, const struct lopad_conf *c, const struct ckey *t,
    int indent)
{
	const struct ckey	*k;
	const struct conf_allow	*al;
	const char		*f;
	const char		*lv;
	char			 d[64];
	uint32_t		 i, u;
	int32_t			 l;
	int64_t			 ns;
	size_t			 j;

	for (k = t; k->name != NULL; k++) {
		f = (const char *)c + k->off;
		fprintf(fp, "%*s%s:", indent, "", k->name);
		switch (k->type) {
		case K_SECTION:
			fputc('\n', fp);
			print_keys(fp, c, k->sub, indent + 2);
			continue;
		case K_LISTEN:
			fputs(" [", fp);
			for (i = 0; i < c->http_nlisten &&
			    i < LOPA_MAXLISTEN; i++) {
				if (i > 0)
					fputs(", ", fp);
				print_quoted(fp, c->http_listen[i],
				    sizeof(c->http_listen[i]));
			}
			fputc(']', fp);
			break;
		case K_TASKS:
		case K_MONITORS:
			print_decls(fp, k->type == K_MONITORS);
			continue;
		case K_PREFIXES:
		case K_HOSTS:
			al = (const struct conf_allow *)(const void *)f;
			fputs(" [", fp);
			for (i = 0; i < al->n && i < LOPA_MAXALLOW; i++) {
				if (i > 0)
					fputs(", ", fp);
				print_quoted(fp, al->v[i], sizeof(al->v[i]));
			}
			fputc(']', fp);
			break;
		case K_BOOL:
			memcpy(&u, f, sizeof(u));
			fprintf(fp, " %s", u ? "true" : "false");
			break;
		case K_UINT:
			memcpy(&u, f, sizeof(u));
			fprintf(fp, " %u", u);
			break;
		case K_DURATION:
			memcpy(&ns, f, sizeof(ns));
			duration_format(ns, d, sizeof(d));
			fprintf(fp, " \"%s\"", d);
			break;
		case K_LEVEL:
			memcpy(&l, f, sizeof(l));
			lv = NULL;
			for (j = 0; levels[j].name != NULL; j++)
				if (levels[j].value == l) {
					lv = levels[j].name;
					break;
				}
			/* Not reachable from a parsed config; still YAML. */
			if (lv == NULL)
				fprintf(fp, " %d", l);
			else
				fprintf(fp, " %s", lv);
			break;
		default:
			fputc(' ', fp);
			print_quoted(fp, f, k->size);
			break;
		}
		fputc('\n', fp);
	}
}

void
config_print(FILE *fp, const struct lopad_conf *c)
{
	print_keys(fp, c, top_keys, 0);
}

/* Token file. */

static int
printable_word(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * One line: "read|write TOKEN [name]".  The token never appears in a
 * message: the file is secret, the log and the API answer are not.
 */
static int
token_line(const char *path, size_t lineno, char *line,
    struct api_token *tok, size_t *lines, size_t *nt, struct conf_errs *errs)
{
	const char	*ws = " \t";
	char		*f[4];
	size_t		 fl[4], nf, i;
	uint32_t	 right;

	for (nf = 0; nf < 4; nf++) {
		line += strspn(line, ws);
		if (*line == '\0')
			break;
		f[nf] = line;
		fl[nf] = strcspn(line, ws);
		line += fl[nf];
	}
	if (nf == 0 || f[0][0] == '#')
		return 0;
	if (fl[0] == 4 && strncmp(f[0], "read", 4) == 0)
		right = TOKEN_READ;
	else if (fl[0] == 5 && strncmp(f[0], "write", 5) == 0)
		right = TOKEN_WRITE;
	else {
		conf_err(errs, "%s:%zu: a line must start with \"read\" or "
		    "\"write\"", path, lineno);
		return -1;
	}
	if (nf < 2) {
		conf_err(errs, "%s:%zu: missing token", path, lineno);
		return -1;
	}
	if (nf > 3) {
		conf_err(errs, "%s:%zu: text after the token's name", path,
		    lineno);
		return -1;
	}
	if (fl[1] < 16 || fl[1] >= TOKEN_MAXLEN) {
		conf_err(errs, "%s:%zu: token of %zu characters (must have "
		    "16 to %d)", path, lineno, fl[1], TOKEN_MAXLEN - 1);
		return -1;
	}
	if (!printable_word(f[1], fl[1])) {
		conf_err(errs, "%s:%zu: token has a character that is not "
		    "printable ASCII", path, lineno);
		return -1;
	}
	if (nf == 3 && (fl[2] >= LOPA_NAMELEN ||
	    !printable_word(f[2], fl[2]))) {
		conf_err(errs, "%s:%zu: name must be printable ASCII, at most "
		    "%d characters", path, lineno, LOPA_NAMELEN - 1);
		return -1;
	}
	for (i = 0; i < *nt && i < TOKEN_MAX; i++) {
		if (tok[i].len == fl[1] &&
		    memcmp(tok[i].token, f[1], fl[1]) == 0) {
			conf_err(errs, "%s:%zu: same token as on line %zu",
			    path, lineno, lines[i]);
			return -1;
		}
	}
	if (*nt >= TOKEN_MAX) {
		if (*nt == TOKEN_MAX)
			conf_err(errs, "%s:%zu: more than %d tokens", path,
			    lineno, TOKEN_MAX);
		(*nt)++;
		return -1;
	}
	memset(&tok[*nt], 0, sizeof(tok[*nt]));
	tok[*nt].right = right;
	tok[*nt].len = (uint32_t)fl[1];
	memcpy(tok[*nt].token, f[1], fl[1]);
	if (nf == 3)
		memcpy(tok[*nt].name, f[2], fl[2]);
	lines[*nt] = lineno;
	(*nt)++;
	return 0;
}

/* tok must have room for TOKEN_MAX entries. */
int
config_read_tokens(const char *path, struct api_token *tok, size_t *ntok,
    struct conf_errs *errs)
{
	struct stat	 st;
	FILE		*fp;
	char		*line = NULL;
	size_t		 cap = 0, lineno = 0, nt = 0, len;
	size_t		 lines[TOKEN_MAX];
	ssize_t		 n;
	int		 fd;
	size_t		 nerr = errs->n;

	*ntok = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		conf_err(errs, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		conf_err(errs, "%s: fstat: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_err(errs, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		conf_err(errs, "%s: mode %04o: a token file must not be "
		    "accessible by group or others (chmod 600)", path,
		    (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	if (st.st_size > CONF_MAXSIZE) {
		conf_err(errs, "%s: too large (more than %d bytes)", path,
		    CONF_MAXSIZE);
		close(fd);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		conf_err(errs, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		len = (size_t)n;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (strlen(line) != len) {
			conf_err(errs, "%s:%zu: contains a NUL byte", path,
			    lineno);
			continue;
		}
		(void)token_line(path, lineno, line, tok, lines, &nt, errs);
	}
	if (ferror(fp))
		conf_err(errs, "%s: read: %s", path, strerror(errno));
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	fclose(fp);
	if (errs->n != nerr) {
		explicit_bzero(tok, (nt < TOKEN_MAX ? nt : TOKEN_MAX) *
		    sizeof(*tok));
		return -1;
	}
	*ntok = nt;
	return 0;
}
