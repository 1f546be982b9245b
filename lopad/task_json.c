/*
 * lopad: probe tasks in JSON (DESIGN §7, issue 3 "API").
 *
 * Requests.  Lopa's fields (type, target, mode, count, interval, timeout,
 * duration, packet_size, source_ip, interface, ip_version, rounds,
 * round_delay, loss_threshold, latency_threshold, alert_callback_url)
 * mean what they meant in Lopa: 0, "" or absent is the default.  Ours
 * beside them: name, port, window, dscp, ttl, df, resolve_interval.  For
 * every field null is the same as absent (Go's decoder left a field
 * untouched on null).  Anything else is a 400 that names the field:
 * unknown fields (Lopa ignored them), wrong JSON types, values out of
 * range once the defaults are applied, and the cases where Lopa did
 * something surprising: a missing mode is "count" here (Lopa left the
 * task running forever), an unknown mode is refused.
 *
 * Field names match case-insensitively (ASCII), as Go's encoding/json
 * matched them for Lopa, so that a script that sent "Count" keeps
 * working; two members that differ only in case are refused.  Results
 * always use the lowercase names.
 *
 * Durations are integer nanoseconds, as in Lopa, or strings in Go's
 * syntax ("1s", "250ms", "1m30s"); a negative one is refused.  Integers
 * may be written as integral JSON reals (1e9).
 *
 * Results.  Lopa's keys keep their names, units and types (times RFC 3339
 * with nanoseconds, here in UTC; RTTs integer nanoseconds; loss_rate a
 * fraction; "finished" is Go's zero time while a task runs; "rounds",
 * "window" and "error" left out when empty), ours are added beside them.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "duration.h"
#include "problem.h"
#include "stamp_tlv.h"
#include "stats.h"
#include "task.h"
#include "task_json.h"

#define NS_MS		(1000LL * 1000)
#define NS_S		(1000LL * NS_MS)
#define MIN_RESOLVE	NS_S		/* DESIGN §5: 1 s floor for timers */
#define PING_MIN	8		/* the cookie: the first 8 bytes */
#define MAX_PAYLOAD4	(65535 - 20 - 8)	/* IPv4: IP and ICMP/UDP */
#define MAX_PAYLOAD6	(65535 - 8)		/* IPv6 payload length */
#define MAX_SAMPLES	1000000		/* ?last= */
#define QUOTE_MAX	40		/* user text quoted in an error */

enum tf {
	/* Lopa's */
	TF_TYPE = 0,
	TF_TARGET,
	TF_MODE,
	TF_COUNT,
	TF_INTERVAL,
	TF_TIMEOUT,
	TF_DURATION,
	TF_PACKET_SIZE,
	TF_SOURCE_IP,
	TF_INTERFACE,
	TF_IP_VERSION,
	TF_ROUNDS,
	TF_ROUND_DELAY,
	TF_LOSS_THRESHOLD,
	TF_LATENCY_THRESHOLD,
	TF_ALERT_URL,
	/* ours */
	TF_NAME,
	TF_PORT,
	TF_WINDOW,
	TF_DSCP,
	TF_TTL,
	TF_DF,
	TF_RESOLVE_INTERVAL,
	TF_THRESHOLDS,
	TF_LABELS,
	TF_WEBHOOK_URL,
	TF_WEBHOOK_SECRET,
	/* twamp, stamp */
	TF_PADDING,
	TF_SSID,
	TF_CONTROL,
	TF_CONTROL_PORT,
	TF_RECEIVER_PORT,
	TF_TLVS,
	TF_INTERFACES,
	TF_HISTOGRAMS,
	TF_IMIX,
	TF_MAX
};

static const char *const tf_names[TF_MAX] = {
	[TF_TYPE] = "type",
	[TF_TARGET] = "target",
	[TF_MODE] = "mode",
	[TF_COUNT] = "count",
	[TF_INTERVAL] = "interval",
	[TF_TIMEOUT] = "timeout",
	[TF_DURATION] = "duration",
	[TF_PACKET_SIZE] = "packet_size",
	[TF_SOURCE_IP] = "source_ip",
	[TF_INTERFACE] = "interface",
	[TF_IP_VERSION] = "ip_version",
	[TF_ROUNDS] = "rounds",
	[TF_ROUND_DELAY] = "round_delay",
	[TF_LOSS_THRESHOLD] = "loss_threshold",
	[TF_LATENCY_THRESHOLD] = "latency_threshold",
	[TF_ALERT_URL] = "alert_callback_url",
	[TF_NAME] = "name",
	[TF_PORT] = "port",
	[TF_WINDOW] = "window",
	[TF_DSCP] = "dscp",
	[TF_TTL] = "ttl",
	[TF_DF] = "df",
	[TF_RESOLVE_INTERVAL] = "resolve_interval",
	[TF_THRESHOLDS] = "thresholds",
	[TF_LABELS] = "labels",
	[TF_WEBHOOK_URL] = "webhook_url",
	[TF_WEBHOOK_SECRET] = "webhook_secret",
	[TF_PADDING] = "padding",
	[TF_SSID] = "ssid",
	[TF_CONTROL] = "control",
	[TF_CONTROL_PORT] = "control_port",
	[TF_RECEIVER_PORT] = "receiver_port",
	[TF_TLVS] = "tlvs",
	[TF_INTERFACES] = "interfaces",
	[TF_HISTOGRAMS] = "histograms",
	[TF_IMIX] = "imix",
};

/* What the request said, before the defaults. */
struct req {
	json_t		*f[TF_MAX];	/* NULL: absent or null */
	int64_t		 count, rounds, packet_size, port, dscp, ttl;
	int64_t		 padding, ssid, control_port, receiver_port;
	int64_t		 interval, timeout, duration, round_delay, window;
	int64_t		 latency, resolve;
	int		 df;		/* -1 absent, 0, 1 */
	int		 family;	/* of a literal target; 0 a name */
	int		 src_family;	/* of source_ip; 0 none */
	int		 have_port;	/* the target had ":port" */
};

#define fail	task_json_fail

int
task_json_fail(struct task_json_err *e, const char *field, const char *fmt,
    ...)
{
	va_list	 ap;
	size_t	 n = 0;

	e->status = 400;
	e->field[0] = '\0';
	e->detail[0] = '\0';
	if (field != NULL && field[0] != '\0') {
		snprintf(e->field, sizeof(e->field), "%s", field);
		n = (size_t)snprintf(e->detail, sizeof(e->detail), "%s: ",
		    e->field);
	}
	va_start(ap, fmt);
	vsnprintf(e->detail + n, sizeof(e->detail) - n, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
task_json_typename(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "null";
	}
}

/* An integer, or an integral real within int64_t: 0, else -1. */
static int
j_int(const json_t *v, int64_t *out)
{
	double	 d;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_real(v))
		return -1;
	d = json_real_value(v);
	if (!isfinite(d) || d != trunc(d) || d < -9223372036854775808.0 ||
	    d >= 9223372036854775808.0)
		return -1;
	*out = (int64_t)d;
	return 0;
}

static int
get_int(struct req *q, enum tf i, int64_t *out, struct task_json_err *e)
{
	const json_t	*v = q->f[i];

	*out = 0;
	if (v == NULL)
		return 0;
	if (j_int(v, out) == -1)
		return fail(e, tf_names[i], "expected an integer, got %s",
		    json_is_real(v) ? "a fraction or a number out of range" :
		    task_json_typename(v));
	return 0;
}

/* A duration: integer nanoseconds or a string such as "1s" ("": 0). */
static int
j_duration(const json_t *v, const char *field, int64_t *out,
    struct task_json_err *e)
{
	const char	*s, *why;

	*out = 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
		if (strlen(s) != json_string_length(v))
			return fail(e, field, "contains a NUL character");
		if (*s == '\0')
			return 0;
		if (duration_parse(s, out, &why) == -1)
			return fail(e, field, "\"%.*s\": %s", QUOTE_MAX, s,
			    why);
		return 0;
	}
	if (j_int(v, out) == -1)
		return fail(e, field, "expected a duration (integer "
		    "nanoseconds or a string such as \"1s\"), got %s",
		    task_json_typename(v));
	if (*out < 0)
		return fail(e, field, "must not be negative");
	return 0;
}

static int
get_duration(struct req *q, enum tf i, int64_t *out, struct task_json_err *e)
{
	*out = 0;
	if (q->f[i] == NULL)
		return 0;
	return j_duration(q->f[i], tf_names[i], out, e);
}

/* A string that fits in size bytes with its NUL; "" when absent. */
static int
get_string(struct req *q, enum tf i, char *buf, size_t size,
    struct task_json_err *e)
{
	const json_t	*v = q->f[i];
	const char	*s;
	size_t		 len;

	buf[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return fail(e, tf_names[i], "expected a string, got %s",
		    task_json_typename(v));
	s = json_string_value(v);
	len = json_string_length(v);
	if (strlen(s) != len)
		return fail(e, tf_names[i], "contains a NUL character");
	if (len >= size)
		return fail(e, tf_names[i], "longer than %zu bytes", size - 1);
	memcpy(buf, s, len + 1);
	return 0;
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static json_t	*j_str(const char *, size_t);

/* A label's name: as Prometheus's, [a-zA-Z_][a-zA-Z0-9_]*, not __. */
static int
label_name_ok(const char *s)
{
	size_t	 i;

	if (s[0] == '\0' || (s[0] == '_' && s[1] == '_'))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!(isalpha((unsigned char)s[i]) || s[i] == '_' ||
		    (i > 0 && isdigit((unsigned char)s[i]))))
			return 0;
	return 1;
}

static int
label_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * "labels": an object of at most TASK_MAXLABELS strings, names as
 * Prometheus's (under 64 octets), values valid UTF-8 without control
 * characters (under 256 octets); packed sorted by name.
 */
int
task_json_labels(const json_t *o, char *buf, size_t size, uint32_t *len,
    struct task_json_err *e)
{
	const json_t	*v;
	const char	*keys[TASK_MAXLABELS], *key, *val;
	char		 f[TASK_JSON_FIELDLEN];
	size_t		 n = 0, i, kl, vl, off = 0;

	if (o == NULL)
		return 0;
	if (!json_is_object(o))
		return fail(e, "labels", "expected an object of strings, got "
		    "%s", task_json_typename(o));
	if (json_object_size(o) > TASK_MAXLABELS)
		return fail(e, "labels", "at most %d labels",
		    TASK_MAXLABELS);
	json_object_foreach((json_t *)o, key, v) {
		snprintf(f, sizeof(f), "labels.%.*s", QUOTE_MAX, key);
		if (strlen(key) >= TASK_LABELKEYLEN || !label_name_ok(key))
			return fail(e, f, "a label's name is letters, digits "
			    "and _, not first a digit nor __, under %d octets",
			    TASK_LABELKEYLEN);
		if (!json_is_string(v))
			return fail(e, f, "expected a string, got %s",
			    task_json_typename(v));
		val = json_string_value(v);
		if (strlen(val) != json_string_length(v) ||
		    has_control(val))
			return fail(e, f, "contains a control character");
		if (strlen(val) >= TASK_LABELVALLEN)
			return fail(e, f, "longer than %d octets",
			    TASK_LABELVALLEN - 1);
		keys[n++] = key;
	}
	qsort(keys, n, sizeof(keys[0]), label_cmp);
	for (i = 0; i < n; i++) {
		val = json_string_value(json_object_get(o, keys[i]));
		kl = strlen(keys[i]) + 1;
		vl = strlen(val) + 1;
		if (off + kl + vl > size)
			return fail(e, "labels", "more than %zu octets in all",
			    size);
		memcpy(buf + off, keys[i], kl);
		memcpy(buf + off + kl, val, vl);
		off += kl + vl;
	}
	*len = (uint32_t)off;
	return 0;
}

static int
apply_labels(struct req *q, struct task_params *p, struct task_json_err *e)
{
	return task_json_labels(q->f[TF_LABELS], p->labels,
	    sizeof(p->labels), &p->labels_len, e);
}

/* The packed labels as an object; NULL when there are none. */
json_t *
task_json_labels_out(const char *buf, uint32_t len)
{
	json_t		*o;
	const char	*k, *v;
	size_t		 off = 0, kl, vl;

	if (len == 0 || len > TASK_LABELSLEN || (o = json_object()) == NULL)
		return NULL;
	while (off < len) {
		k = buf + off;
		kl = strnlen(k, len - off);
		if (off + kl + 1 >= len)
			break;
		v = k + kl + 1;
		vl = strnlen(v, len - off - kl - 1);
		if (off + kl + 1 + vl >= len)
			break;
		if (json_object_set_new(o, k, j_str(v, vl + 1)) != 0)
			break;
		off += kl + 1 + vl + 1;
	}
	return o;
}

/* RFC 1123 host name: labels of letters, digits and inner hyphens. */
static int
hostname_ok(const char *s)
{
	size_t	 len = strlen(s), lab = 0, i;

	if (len > 0 && s[len - 1] == '.')
		len--;		/* fully qualified */
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return 0;
			lab = 0;
			continue;
		}
		if (!isascii((unsigned char)s[i]) ||
		    (!isalnum((unsigned char)s[i]) && s[i] != '-'))
			return 0;
		if (s[i] == '-' && lab == 0)
			return 0;
		if (++lab > 63)
			return 0;
	}
	return lab > 0 && s[len - 1] != '-';
}

/* The last label is all digits: it must be an IPv4 address then. */
static int
looks_numeric(const char *s)
{
	size_t	 len = strlen(s), i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	for (i = len; i > 0 && s[i - 1] != '.'; i--)
		if (!isdigit((unsigned char)s[i - 1]))
			return 0;
	return i < len;
}

static int
literal_family(const char *s)
{
	unsigned char	 buf[16];

	if (inet_pton(AF_INET, s, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return AF_INET6;
	return 0;
}

/* ::ffff:a.b.c.d, which no IPv6 socket of ours could reach. */
static int
v4mapped(const char *s)
{
	struct in6_addr	 a;

	return (inet_pton(AF_INET6, s, &a) == 1 && IN6_IS_ADDR_V4MAPPED(&a));
}

static int
port_parse(const char *s, uint32_t *port)
{
	unsigned long	 v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if (v <= 65535)
			v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (uint32_t)v;
	return 0;
}

/*
 * "host", "host:port", "198.18.0.2", "198.18.0.2:80", "2001:db8::1",
 * "[2001:db8::1]" or "[2001:db8::1]:80" into p->host and p->port.
 */
static int
target_split(struct req *q, struct task_params *p, struct task_json_err *e)
{
	const char	*t = p->target, *end, *colon, *portstr = NULL;
	size_t		 hlen;

	if (t[0] == '[') {
		if ((end = strchr(t, ']')) == NULL)
			return fail(e, "target", "missing ']' after the IPv6 "
			    "address");
		hlen = end - t - 1;
		if (end[1] == ':')
			portstr = end + 2;
		else if (end[1] != '\0')
			return fail(e, "target", "unexpected text after ']'");
		memcpy(p->host, t + 1, hlen);
		p->host[hlen] = '\0';
		if (literal_family(p->host) != AF_INET6)
			return fail(e, "target", "\"%.*s\" is not an IPv6 "
			    "address", QUOTE_MAX, p->host);
	} else if ((colon = strchr(t, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		hlen = colon - t;
		memcpy(p->host, t, hlen);
		p->host[hlen] = '\0';
		portstr = colon + 1;
	} else
		strlcpy(p->host, t, sizeof(p->host));

	if (p->host[0] == '\0')
		return fail(e, "target", "no host");
	if (strchr(p->host, '%') != NULL)
		return fail(e, "target", "IPv6 zone indexes are not supported");
	q->family = literal_family(p->host);
	if (q->family == AF_INET6 && v4mapped(p->host))
		return fail(e, "target", "\"%.*s\" is an IPv4-mapped IPv6 "
		    "address: give the IPv4 address", QUOTE_MAX, p->host);
	if (q->family == 0 && strchr(p->host, ':') != NULL)
		return fail(e, "target", "\"%.*s\" is not an IPv6 address "
		    "(write [address]:port for a port)", QUOTE_MAX, p->host);
	if (q->family == 0 && (!hostname_ok(p->host) ||
	    looks_numeric(p->host)))
		return fail(e, "target", "\"%.*s\" is neither an IP address "
		    "nor a host name", QUOTE_MAX, p->host);
	if (portstr != NULL) {
		if (p->type == TASK_PING)
			return fail(e, "target", "ping targets have no port");
		if (port_parse(portstr, &p->port) == -1)
			return fail(e, "target", "port \"%.*s\" is not a "
			    "number in 1..65535", QUOTE_MAX, portstr);
		q->have_port = 1;
	}
	return 0;
}

int
task_json_url_ok(const char *u)
{
	const char	*h;

	if (strncasecmp(u, "http://", 7) == 0)
		h = u + 7;
	else if (strncasecmp(u, "https://", 8) == 0)
		h = u + 8;
	else
		return 0;
	if (*h == '\0' || *h == '/' || *h == '?' || *h == '#' || *h == ':')
		return 0;
	for (; *u != '\0'; u++)
		if ((unsigned char)*u <= 0x20 || *u == 0x7f)
			return 0;
	return 1;
}

int
task_json_ifname_ok(const char *s)
{
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '/' ||
		    *s == ':')
			return 0;
	return 1;
}

/* Find the members; refuse unknown ones and case-insensitive twins. */
static int
collect(const json_t *body, struct req *q, struct task_json_err *e)
{
	const char	*key;
	json_t		*v;
	int		 seen[TF_MAX], i;

	memset(seen, 0, sizeof(seen));
	json_object_foreach((json_t *)body, key, v) {
		for (i = 0; i < TF_MAX; i++)
			if (strcasecmp(key, tf_names[i]) == 0)
				break;
		if (i == TF_MAX)
			return fail(e, key, "unknown field");
		if (seen[i])
			return fail(e, tf_names[i], "given twice (field names "
			    "are case-insensitive)");
		seen[i] = 1;
		if (!json_is_null(v))
			q->f[i] = v;
	}
	return 0;
}

static int
check_type(struct req *q, uint32_t type, struct task_json_err *e)
{
	char	 s[32];

	if (get_string(q, TF_TYPE, s, sizeof(s), e) == -1) {
		if (json_is_string(q->f[TF_TYPE]))
			return fail(e, "type", "does not match the route "
			    "(%s)", task_type_name(type));
		return -1;
	}
	if (s[0] != '\0' && strcasecmp(s, task_type_name(type)) != 0)
		return fail(e, "type", "\"%s\" does not match the route (%s)",
		    s, task_type_name(type));
	return 0;
}

/* Every member, type-checked and range-checked where no default is due. */
/* What every task has: webhook, its secret, labels, name. */
static int
common_fields(struct req *q, struct task_params *p, struct task_json_err *e)
{
	char	 s[TASK_URLLEN];

	if (get_string(q, TF_ALERT_URL, p->alert_callback_url,
	    sizeof(p->alert_callback_url), e) == -1)
		return -1;
	if (p->alert_callback_url[0] != '\0' &&
	    !task_json_url_ok(p->alert_callback_url))
		return fail(e, "alert_callback_url", "not an http or https "
		    "URL");
	if (get_string(q, TF_WEBHOOK_URL, s, sizeof(s), e) == -1)
		return -1;
	if (s[0] != '\0') {
		if (p->alert_callback_url[0] != '\0')
			return fail(e, "webhook_url", "give webhook_url or "
			    "alert_callback_url (its name in Lopa), not both");
		if (!task_json_url_ok(s))
			return fail(e, "webhook_url", "not an http or https "
			    "URL");
		strlcpy(p->alert_callback_url, s,
		    sizeof(p->alert_callback_url));
	}
	if (get_string(q, TF_WEBHOOK_SECRET, p->webhook_secret,
	    sizeof(p->webhook_secret), e) == -1)
		return -1;
	if (has_control(p->webhook_secret))
		return fail(e, "webhook_secret", "contains a control "
		    "character");
	if (p->webhook_secret[0] != '\0' && p->alert_callback_url[0] == '\0')
		return fail(e, "webhook_secret", "signs webhooks: give "
		    "webhook_url too");
	if (apply_labels(q, p, e) == -1)
		return -1;
	if (get_string(q, TF_NAME, p->name, sizeof(p->name), e) == -1)
		return -1;
	if (has_control(p->name))
		return fail(e, "name", "contains a control character");
	return 0;
}

static int
read_fields(struct req *q, struct task_params *p, struct task_json_err *e)
{
	char	 s[32];
	int	 m;

	if (get_string(q, TF_TARGET, p->target, sizeof(p->target), e) == -1)
		return -1;
	if (p->target[0] == '\0')
		return fail(e, "target", "required");
	if (get_string(q, TF_MODE, s, sizeof(s), e) == -1)
		return json_is_string(q->f[TF_MODE]) ? fail(e, "mode",
		    "unknown mode: count, duration or continuous") : -1;
	if (s[0] == '\0')
		p->mode = TASK_COUNT;	/* Lopa: none, ran forever */
	else if ((m = task_mode_from_name(s)) <= 0)
		return fail(e, "mode", "unknown mode \"%s\": count, duration "
		    "or continuous", s);
	else
		p->mode = (uint32_t)m;
	if (get_int(q, TF_COUNT, &q->count, e) == -1 ||
	    get_int(q, TF_ROUNDS, &q->rounds, e) == -1 ||
	    get_int(q, TF_PACKET_SIZE, &q->packet_size, e) == -1 ||
	    get_int(q, TF_PORT, &q->port, e) == -1 ||
	    get_int(q, TF_DSCP, &q->dscp, e) == -1 ||
	    get_int(q, TF_TTL, &q->ttl, e) == -1 ||
	    get_int(q, TF_PADDING, &q->padding, e) == -1 ||
	    get_int(q, TF_SSID, &q->ssid, e) == -1 ||
	    get_int(q, TF_CONTROL_PORT, &q->control_port, e) == -1 ||
	    get_int(q, TF_RECEIVER_PORT, &q->receiver_port, e) == -1 ||
	    get_duration(q, TF_INTERVAL, &q->interval, e) == -1 ||
	    get_duration(q, TF_TIMEOUT, &q->timeout, e) == -1 ||
	    get_duration(q, TF_DURATION, &q->duration, e) == -1 ||
	    get_duration(q, TF_ROUND_DELAY, &q->round_delay, e) == -1 ||
	    get_duration(q, TF_WINDOW, &q->window, e) == -1 ||
	    get_duration(q, TF_LATENCY_THRESHOLD, &q->latency, e) == -1 ||
	    get_duration(q, TF_RESOLVE_INTERVAL, &q->resolve, e) == -1)
		return -1;

	if (get_string(q, TF_SOURCE_IP, p->source_ip, sizeof(p->source_ip),
	    e) == -1)
		return -1;
	if (p->source_ip[0] != '\0' &&
	    (q->src_family = literal_family(p->source_ip)) == 0)
		return fail(e, "source_ip", "\"%.*s\" is not an IPv4 or IPv6 "
		    "address", QUOTE_MAX, p->source_ip);
	if (get_string(q, TF_INTERFACE, p->interface, sizeof(p->interface),
	    e) == -1)
		return -1;
	if (!task_json_ifname_ok(p->interface))
		return fail(e, "interface", "not a valid interface name");
	if (get_string(q, TF_IP_VERSION, s, sizeof(s), e) == -1)
		return json_is_string(q->f[TF_IP_VERSION]) ?
		    fail(e, "ip_version", "must be \"ipv4\", \"ipv6\" or "
		    "\"\"") : -1;
	if (s[0] == '\0' || strcasecmp(s, "auto") == 0)
		p->ip_version = TASK_IP_AUTO;
	else if (strcasecmp(s, "ipv4") == 0)
		p->ip_version = TASK_IP_4;
	else if (strcasecmp(s, "ipv6") == 0)
		p->ip_version = TASK_IP_6;
	else
		return fail(e, "ip_version", "must be \"ipv4\", \"ipv6\" or "
		    "\"\", not \"%s\"", s);
	if (q->f[TF_LOSS_THRESHOLD] != NULL) {
		if (!json_is_number(q->f[TF_LOSS_THRESHOLD]))
			return fail(e, "loss_threshold", "expected a number, "
			    "got %s", task_json_typename(q->f[TF_LOSS_THRESHOLD]));
		p->loss_threshold = json_number_value(q->f[TF_LOSS_THRESHOLD]);
		if (!(p->loss_threshold >= 0 && p->loss_threshold <= 1))
			return fail(e, "loss_threshold", "must be a fraction "
			    "between 0 and 1");
	}
	if (common_fields(q, p, e) == -1)
		return -1;
	if (q->f[TF_DF] != NULL) {
		if (!json_is_boolean(q->f[TF_DF]))
			return fail(e, "df", "expected true or false, got %s",
			    task_json_typename(q->f[TF_DF]));
		q->df = json_is_true(q->f[TF_DF]);
	}
	if (q->f[TF_HISTOGRAMS] != NULL) {
		if (!json_is_boolean(q->f[TF_HISTOGRAMS]))
			return fail(e, "histograms", "expected true or false, "
			    "got %s", task_json_typename(q->f[TF_HISTOGRAMS]));
		p->no_histograms = json_is_false(q->f[TF_HISTOGRAMS]);
	}
	if (q->f[TF_CONTROL] != NULL) {
		if (!json_is_boolean(q->f[TF_CONTROL]))
			return fail(e, "control", "expected true or false, "
			    "got %s", task_json_typename(q->f[TF_CONTROL]));
		if (p->type != TASK_TWAMP)
			return fail(e, "control", "only twamp tasks have "
			    "control (TWAMP-Control)");
		p->control = json_is_true(q->f[TF_CONTROL]);
	}
	return 0;
}

/*
 * twamp with control: true: the target (its port, `port' or
 * `control_port', default 862) is the TWAMP-Control server; the test
 * port comes from its Accept-Session, asked for with receiver_port (0:
 * the server chooses).
 */
static int
apply_control(struct req *q, struct task_params *p, struct task_json_err *e)
{
	if (!p->control) {
		if (q->f[TF_CONTROL_PORT] != NULL)
			return fail(e, "control_port", "only with control: "
			    "true (the target's port is the test port)");
		if (q->f[TF_RECEIVER_PORT] != NULL)
			return fail(e, "receiver_port", "only with control: "
			    "true");
		return 0;
	}
	if (q->f[TF_CONTROL_PORT] != NULL) {
		if (q->control_port < 1 || q->control_port > 65535)
			return fail(e, "control_port", "must be between 1 and "
			    "65535");
		if ((q->have_port || q->port != 0) &&
		    p->port != (uint32_t)q->control_port)
			return fail(e, "control_port", "%lld, but the %s says "
			    "%u", (long long)q->control_port, q->have_port ?
			    "target" : "port", p->port);
		p->port = (uint32_t)q->control_port;
	}
	if (q->receiver_port < 0 || q->receiver_port > 65535)
		return fail(e, "receiver_port", "must be between 0 (the "
		    "server chooses) and 65535");
	p->receiver_port = (uint32_t)q->receiver_port;
	return 0;
}

/* stamp's tlvs: the names of the types a task may send. */
static const struct {
	const char	*name;
	uint8_t		 type;
} tlv_names[] = {
	{ "padding",		STAMP_TLV_PADDING },
	{ "timestamp_info",	STAMP_TLV_TSINFO },
	{ "cos",		STAMP_TLV_COS },
};

static const char *
tlv_name(uint8_t type)
{
	size_t	 i;

	for (i = 0; i < sizeof(tlv_names) / sizeof(tlv_names[0]); i++)
		if (tlv_names[i].type == type)
			return tlv_names[i].name;
	return NULL;
}

/* One member of a TLV object: an integer in [0, max], or absent (0). */
static int
tlv_int(const json_t *o, size_t i, const char *key, int64_t max,
    int64_t *out, struct task_json_err *e)
{
	const json_t	*v;
	char		 f[TASK_JSON_FIELDLEN];

	*out = 0;
	if ((v = json_object_get(o, key)) == NULL || json_is_null(v))
		return 0;
	snprintf(f, sizeof(f), "tlvs[%zu].%s", i, key);
	if (j_int(v, out) == -1)
		return fail(e, f, "expected an integer, got %s",
		    task_json_typename(v));
	if (*out < 0 || *out > max)
		return fail(e, f, "must be between 0 and %lld",
		    (long long)max);
	return 0;
}

/*
 * One TLV object: "type" (padding, timestamp_info or cos) and its own
 * members only: padding "length" (the value's octets), cos "dscp" (DSCP1,
 * asked for on the reply; the task's dscp by default) and "ecn" (0: the
 * sender sends 0, RFC 8972 section 4.4).  "type" may also be a number,
 * 1 to 255: the TLV of that number, named or not; one without a name here
 * (Location, HMAC, an unassigned number...) goes with "length" zero
 * octets, to see what a reflector makes of it (RFC 8972 section 4: U
 * when it does not know the type).  Returns its octets, or -1.
 */
static ssize_t
tlv_read(const json_t *o, size_t i, struct task_params *p,
    struct task_tlv *t, struct task_json_err *e)
{
	const json_t	*v;
	const char	*key, *name;
	char		 f[TASK_JSON_FIELDLEN];
	int64_t		 n;
	size_t		 k;

	snprintf(f, sizeof(f), "tlvs[%zu]", i);
	if (!json_is_object(o))
		return fail(e, f, "expected an object, got %s", task_json_typename(o));
	snprintf(f, sizeof(f), "tlvs[%zu].type", i);
	if ((v = json_object_get(o, "type")) == NULL || json_is_null(v))
		return fail(e, f, "required: padding, timestamp_info, cos "
		    "or a number");
	memset(t, 0, sizeof(*t));
	if (json_is_integer(v)) {
		if (j_int(v, &n) == -1 || n < 1 || n > 255)
			return fail(e, f, "a type number must be between 1 "
			    "and 255");
		t->type = (uint8_t)n;
		if ((name = tlv_name(t->type)) == NULL)
			name = "numbered";
	} else if (json_is_string(v)) {
		name = json_string_value(v);
		for (k = 0; k < sizeof(tlv_names) / sizeof(tlv_names[0]); k++)
			if (strcmp(name, tlv_names[k].name) == 0)
				break;
		if (k == sizeof(tlv_names) / sizeof(tlv_names[0]))
			return fail(e, f, "unknown type \"%.*s\": padding, "
			    "timestamp_info, cos or a number", QUOTE_MAX,
			    name);
		t->type = tlv_names[k].type;
	} else
		return fail(e, f, "expected a string or a number, got %s",
		    task_json_typename(v));
	json_object_foreach((json_t *)o, key, v) {
		if (strcmp(key, "type") == 0 ||
		    ((t->type == STAMP_TLV_PADDING ||
		    tlv_name(t->type) == NULL) &&
		    strcmp(key, "length") == 0) ||
		    (t->type == STAMP_TLV_COS && (strcmp(key, "dscp") == 0 ||
		    strcmp(key, "ecn") == 0)))
			continue;
		snprintf(f, sizeof(f), "tlvs[%zu].%s", i, key);
		return fail(e, f, "unknown field for a %s TLV", name);
	}
	switch (t->type) {
	default:		/* numbered */
	case STAMP_TLV_PADDING:
		if (tlv_int(o, i, "length", STAMP_TLV_MAX_VALUE, &n, e) == -1)
			return -1;
		t->length = (uint32_t)n;
		break;
	case STAMP_TLV_TSINFO:
		t->length = STAMP_TLV_TSINFO_LEN;
		break;
	case STAMP_TLV_COS:
		if (tlv_int(o, i, "dscp", 63, &n, e) == -1)
			return -1;
		if (json_object_get(o, "dscp") == NULL && p->dscp > 0)
			n = p->dscp;
		t->dscp = (uint8_t)n;
		if (tlv_int(o, i, "ecn", 0, &n, e) == -1)
			return -1;
		t->length = STAMP_TLV_COS_LEN;
		break;
	}
	return STAMP_TLV_HDR_LEN + (ssize_t)t->length;
}

/* stamp: "tlvs", sent after the header; their octets, or -1. */
static int64_t
apply_tlvs(struct req *q, struct task_params *p, struct task_json_err *e)
{
	const json_t	*a = q->f[TF_TLVS];
	size_t		 i;
	ssize_t		 n;
	int64_t		 len = 0;

	if (a == NULL)
		return 0;
	if (p->type != TASK_STAMP)
		return fail(e, "tlvs", "only stamp tasks send TLVs");
	if (!json_is_array(a))
		return fail(e, "tlvs", "expected an array, got %s",
		    task_json_typename(a));
	if (json_array_size(a) > TASK_MAXTLVS)
		return fail(e, "tlvs", "at most %d TLVs", TASK_MAXTLVS);
	if (q->f[TF_PADDING] != NULL && q->padding != -1)
		return fail(e, "tlvs", "the size comes from the TLVs: no "
		    "padding or packet_size (an Extra Padding TLV pads)");
	for (i = 0; i < json_array_size(a); i++) {
		if ((n = tlv_read(json_array_get(a, i), i, p, &p->tlvs[i],
		    e)) == -1)
			return -1;
		len += n;
	}
	p->ntlvs = (uint32_t)i;
	return len;
}

/*
 * twamp, stamp: the UDP payload is the sender's header (14 octets for
 * TWAMP-light, 44 for STAMP) and the padding, zeros; `padding' gives the
 * padding, `packet_size' the whole payload, not both.  padding -1 is
 * IMIX: packet_size is then the header's (and the TLVs'), the sender
 * sizes each probe (task.h).
 */
static int
apply_twamp(struct req *q, struct task_params *p, int64_t maxsize,
    struct task_json_err *e)
{
	int64_t	 hdr, tlvlen;

	/*
	 * "imix": true is how the params show padding -1 (so that they are
	 * a creation body again, as the state file has them): the same.
	 */
	if (q->f[TF_IMIX] != NULL) {
		if (!json_is_boolean(q->f[TF_IMIX]))
			return fail(e, "imix", "expected true or false, got %s",
			    task_json_typename(q->f[TF_IMIX]));
		if (!TASK_IS_TWAMP(p->type))
			return fail(e, "imix", "only twamp and stamp tasks "
			    "have IMIX sizes");
		if (json_is_true(q->f[TF_IMIX])) {
			if (q->f[TF_PADDING] != NULL && q->padding != -1)
				return fail(e, "imix", "IMIX is padding -1: "
				    "not with padding %lld",
				    (long long)q->padding);
			if (q->f[TF_PADDING] == NULL) {
				q->f[TF_PADDING] = q->f[TF_IMIX];
				q->padding = -1;
			}
		} else if (q->f[TF_PADDING] != NULL && q->padding == -1)
			return fail(e, "imix", "false, with padding -1 (IMIX)");
	}
	if (!TASK_IS_TWAMP(p->type)) {
		if (q->f[TF_PADDING] != NULL)
			return fail(e, "padding", "only twamp and stamp tasks "
			    "have padding (see packet_size)");
		if (q->f[TF_SSID] != NULL)
			return fail(e, "ssid", "only stamp tasks have an "
			    "ssid");
		if (q->f[TF_TLVS] != NULL)
			return fail(e, "tlvs", "only stamp tasks send TLVs");
		return apply_control(q, p, e);
	}
	if (q->f[TF_SSID] != NULL) {
		if (p->type != TASK_STAMP)
			return fail(e, "ssid", "only stamp tasks have an "
			    "ssid");
		if (q->ssid < 0 || q->ssid > 65535)
			return fail(e, "ssid", "must be between 0 and 65535");
		p->ssid = (uint32_t)q->ssid;
	}
	hdr = p->type == TASK_TWAMP ? TASK_TWAMP_HDRLEN : TASK_STAMP_HDRLEN;
	if (q->f[TF_PADDING] != NULL && q->packet_size != 0)
		return fail(e, "padding", "give padding or packet_size, not "
		    "both");
	if ((tlvlen = apply_tlvs(q, p, e)) == -1)
		return -1;
	if (hdr + tlvlen > maxsize)
		return fail(e, "tlvs", "%lld octets with the header, more "
		    "than %lld", (long long)(hdr + tlvlen),
		    (long long)maxsize);
	if (q->f[TF_PADDING] != NULL && q->padding == -1) {
		p->imix = 1;
		p->packet_size = (uint32_t)(hdr + tlvlen);
	} else if (p->ntlvs > 0) {
		/* As echoed in the task's params: only the TLVs' size. */
		if (q->packet_size != 0 && q->packet_size != hdr + tlvlen)
			return fail(e, "tlvs", "the size comes from the TLVs "
			    "(%lld octets): no padding or packet_size (an "
			    "Extra Padding TLV pads)",
			    (long long)(hdr + tlvlen));
		p->packet_size = (uint32_t)(hdr + tlvlen);
	} else if (q->f[TF_PADDING] != NULL) {
		if (q->padding < 0 || q->padding > maxsize - hdr)
			return fail(e, "padding", "must be between 0 and "
			    "%lld octets, or -1 (IMIX)",
			    (long long)(maxsize - hdr));
		p->packet_size = (uint32_t)(hdr + q->padding);
	} else if (q->packet_size != 0) {
		if (q->packet_size < hdr || q->packet_size > maxsize)
			return fail(e, "packet_size", "must be between %lld "
			    "and %lld bytes of UDP payload (the %s header "
			    "and the padding)", (long long)hdr,
			    (long long)maxsize, task_type_name(p->type));
		p->packet_size = (uint32_t)q->packet_size;
	} else
		p->packet_size = (uint32_t)hdr + (p->type == TASK_TWAMP ?
		    TASK_DEF_TWAMP_PAD : TASK_DEF_STAMP_PAD);
	if (p->ttl == 0)
		p->ttl = TASK_DEF_TWAMP_TTL;
	return apply_control(q, p, e);
}

/* Defaults and ranges that do not depend on the mode. */
static int
apply_common(struct req *q, struct task_params *p, struct task_json_err *e)
{
	int64_t	 maxsize;
	int	 v6;

	p->interval_ns = q->interval != 0 ? q->interval : TASK_DEF_INTERVAL;
	if (p->interval_ns < TASK_MIN_INTERVAL)
		return fail(e, "interval", "must be at least 1ms");
	p->timeout_ns = q->timeout != 0 ? q->timeout : TASK_DEF_TIMEOUT;
	if (p->timeout_ns / p->interval_ns > TASK_MAX_INFLIGHT)
		return fail(e, "timeout", "at most %d intervals: no more "
		    "probes can be in flight at once", TASK_MAX_INFLIGHT);
	p->resolve_interval_ns = q->resolve != 0 ? q->resolve :
	    TASK_DEF_RESOLVE;
	if (p->resolve_interval_ns < MIN_RESOLVE)
		return fail(e, "resolve_interval", "must be at least 1s");
	p->latency_threshold_ns = q->latency;

	if (q->port != 0) {
		if (p->type == TASK_PING)
			return fail(e, "port", "ping tasks have no port");
		if (q->port < 1 || q->port > 65535)
			return fail(e, "port", "must be between 1 and 65535");
		if (q->have_port && p->port != (uint32_t)q->port)
			return fail(e, "port", "%lld, but the target says %u",
			    (long long)q->port, p->port);
		p->port = (uint32_t)q->port;
	} else if (!q->have_port)
		p->port = p->type == TASK_TCP ? TASK_DEF_TCP_PORT :
		    p->type == TASK_UDP ? TASK_DEF_UDP_PORT :
		    TASK_IS_TWAMP(p->type) ? TASK_DEF_TWAMP_PORT : 0;

	p->dscp = -1;
	if (q->f[TF_DSCP] != NULL) {
		if (q->dscp < 0 || q->dscp > 63)
			return fail(e, "dscp", "must be between 0 and 63");
		p->dscp = (int32_t)q->dscp;
	}
	if (q->f[TF_TTL] != NULL) {
		if (q->ttl < 1 || q->ttl > 255)
			return fail(e, "ttl", "must be between 1 and 255");
		p->ttl = (int32_t)q->ttl;
	}
	p->pmtu = q->df == -1 ? PMTU_DEFAULT : q->df ? PMTU_DO : PMTU_DONT;

	/* The address family, where the request fixes it. */
	if (q->family != 0 && p->ip_version != TASK_IP_AUTO &&
	    (q->family == AF_INET) != (p->ip_version == TASK_IP_4))
		return fail(e, "ip_version", "%s, but the target is an %s "
		    "address", p->ip_version == TASK_IP_4 ? "ipv4" : "ipv6",
		    q->family == AF_INET ? "IPv4" : "IPv6");
	if (q->src_family != 0 && q->family != 0 &&
	    q->src_family != q->family)
		return fail(e, "source_ip", "not of the target's address "
		    "family");
	if (q->src_family != 0 && p->ip_version != TASK_IP_AUTO &&
	    (q->src_family == AF_INET) != (p->ip_version == TASK_IP_4))
		return fail(e, "source_ip", "not of the ip_version asked for");
	v6 = q->family == AF_INET6 || q->src_family == AF_INET6 ||
	    p->ip_version == TASK_IP_6;
	maxsize = v6 ? MAX_PAYLOAD6 : MAX_PAYLOAD4;

	if (q->packet_size < 0)
		return fail(e, "packet_size", "must not be negative");
	switch (p->type) {
	case TASK_PING:
		p->packet_size = q->packet_size != 0 ?
		    (uint32_t)q->packet_size : TASK_DEF_PING_SIZE;
		if (q->packet_size != 0 && (q->packet_size < PING_MIN ||
		    q->packet_size > maxsize))
			return fail(e, "packet_size", "must be between %d and "
			    "%lld bytes of ICMP payload", PING_MIN,
			    (long long)maxsize);
		break;
	case TASK_UDP:
		p->packet_size = q->packet_size != 0 ?
		    (uint32_t)q->packet_size : TASK_DEF_UDP_SIZE;
		if (q->packet_size != 0 && (q->packet_size < TASK_UDP_MINSIZE ||
		    q->packet_size > maxsize))
			return fail(e, "packet_size", "must be between %d and "
			    "%lld bytes of UDP payload", TASK_UDP_MINSIZE,
			    (long long)maxsize);
		break;
	case TASK_TCP:
		if (q->packet_size != 0)
			return fail(e, "packet_size", "tcp tasks send no "
			    "payload");
		break;
	}
	return apply_twamp(q, p, maxsize, e);
}

/*
 * One rule of "thresholds": "above" or "below" (a fraction for loss, a
 * duration for the others), "clear" (the same kind), "for",
 * "clear_for", "min_samples" (counts) and "repeat" (a duration).
 */
static int
threshold_read(const json_t *o, int m, struct alert_rule *r,
    struct task_json_err *e)
{
	const json_t	*v;
	const char	*key, *name = alert_metric_name(m), *field, *why;
	char		 f[TASK_JSON_FIELDLEN];
	int64_t		 n;
	int		 have_level = 0;

	memset(r, 0, sizeof(*r));
	snprintf(f, sizeof(f), "thresholds.%s", name);
	if (!json_is_object(o))
		return fail(e, f, "expected an object such as {\"above\": "
		    "%s}, got %s", alert_metric_is_time(m) ? "\"150ms\"" :
		    alert_metric_is_rate(m) ? "1000" : "0.05",
		    task_json_typename(o));
	json_object_foreach((json_t *)o, key, v) {
		snprintf(f, sizeof(f), "thresholds.%s.%s", name, key);
		if (json_is_null(v))
			continue;
		if (strcmp(key, "above") == 0 || strcmp(key, "below") == 0 ||
		    strcmp(key, "clear") == 0) {
			double	 d;

			if (strcmp(key, "clear") != 0) {
				if (have_level)
					return fail(e, f, "give above or "
					    "below, not both");
				have_level = 1;
				r->below = strcmp(key, "below") == 0;
			}
			if (alert_metric_is_time(m)) {
				if (j_duration(v, f, &n, e) == -1)
					return -1;
				d = (double)n;
			} else if (alert_metric_is_rate(m)) {
				if (!json_is_number(v))
					return fail(e, f, "expected a rate per "
					    "second (a number), got %s",
					    task_json_typename(v));
				d = json_number_value(v);
			} else {
				if (!json_is_number(v))
					return fail(e, f, "expected a fraction "
					    "between 0 and 1, got %s",
					    task_json_typename(v));
				d = json_number_value(v);
			}
			if (strcmp(key, "clear") == 0) {
				r->has_clear = 1;
				r->clear = d;
			} else
				r->level = d;
		} else if (strcmp(key, "for") == 0 ||
		    strcmp(key, "clear_for") == 0 ||
		    strcmp(key, "min_samples") == 0) {
			if (j_int(v, &n) == -1)
				return fail(e, f, "expected an integer, got "
				    "%s", task_json_typename(v));
			if (n < 1 || n > 1000000)
				return fail(e, f, "must be between 1 and "
				    "1000000");
			if (strcmp(key, "for") == 0)
				r->for_n = (uint32_t)n;
			else if (strcmp(key, "clear_for") == 0)
				r->clear_for = (uint32_t)n;
			else
				r->min_samples = (uint32_t)n;
		} else if (strcmp(key, "repeat") == 0) {
			if (j_duration(v, f, &r->repeat_ns, e) == -1)
				return -1;
			if (r->repeat_ns != 0 && r->repeat_ns < NS_S)
				return fail(e, f, "must be at least 1s (or 0: "
				    "never)");
		} else
			return fail(e, f, "unknown field: above, below, "
			    "clear, for, clear_for, min_samples or repeat");
	}
	snprintf(f, sizeof(f), "thresholds.%s", name);
	if (!have_level)
		return fail(e, f, "give above (or below, where low is bad)");
	if (alert_rule_check(r, m, &field, &why) == -1) {
		snprintf(f, sizeof(f), "thresholds.%s.%s", name, field);
		return fail(e, f, "%s", why);
	}
	return 0;
}

/*
 * Thresholds, continuous tasks only: "thresholds" and Lopa's
 * loss_threshold and latency_threshold (ALERT_LOSS and ALERT_RTT_AVG
 * above them; 0 is none).  Lopa accepted its two in any mode and used
 * them in continuous mode only: so do we; "thresholds" elsewhere is a
 * 400.
 */
static int
apply_thresholds(struct req *q, struct task_params *p,
    struct task_json_err *e)
{
	const json_t	*o = q->f[TF_THRESHOLDS], *v;
	const char	*key;
	struct alert_rule *r;
	const char	*field, *why;
	char		 f[TASK_JSON_FIELDLEN];
	int		 m;

	if (o != NULL) {
		if (p->mode != TASK_CONTINUOUS)
			return fail(e, "thresholds", "only continuous tasks "
			    "have thresholds");
		if (!json_is_object(o))
			return fail(e, "thresholds", "expected an object such "
			    "as {\"loss\": {\"above\": 0.05}}, got %s",
			    task_json_typename(o));
		json_object_foreach((json_t *)o, key, v) {
			snprintf(f, sizeof(f), "thresholds.%s", key);
			if ((m = alert_metric_from_name(key)) == -1 ||
			    (p->type == TASK_PASSIVE) !=
			    alert_metric_is_rate(m))
				return fail(e, f, "%s metric: %s", m == -1 ?
				    "unknown" : "not this task's",
				    p->type == TASK_PASSIVE ? "bps_in, bps_out, "
				    "pps_in, pps_out, errors_in_rate, "
				    "errors_out_rate, drops_in_rate or "
				    "drops_out_rate" : "loss, rtt_avg, "
				    "rtt_p99, jitter, forward_p99 or "
				    "backward_p99");
			if ((m == ALERT_FORWARD_P99 ||
			    m == ALERT_BACKWARD_P99) &&
			    !TASK_IS_TWAMP(p->type))
				return fail(e, f, "only twamp and stamp tasks "
				    "measure one-way delays");
			if (json_is_null(v))
				continue;
			if (threshold_read(v, m, &p->alerts[m], e) == -1)
				return -1;
		}
	}
	if (p->mode != TASK_CONTINUOUS)
		return 0;
	if (p->loss_threshold > 0) {
		if (p->alerts[ALERT_LOSS].set)
			return fail(e, "loss_threshold", "give loss_threshold "
			    "or thresholds.loss, not both");
		r = &p->alerts[ALERT_LOSS];
		r->level = p->loss_threshold;
		if (alert_rule_check(r, ALERT_LOSS, &field, &why) == -1)
			return fail(e, "loss_threshold", "%s", why);
		r->lopa = 1;
	}
	if (p->latency_threshold_ns > 0) {
		if (p->alerts[ALERT_RTT_AVG].set)
			return fail(e, "latency_threshold", "give "
			    "latency_threshold or thresholds.rtt_avg, not "
			    "both");
		r = &p->alerts[ALERT_RTT_AVG];
		r->level = (double)p->latency_threshold_ns;
		if (alert_rule_check(r, ALERT_RTT_AVG, &field, &why) == -1)
			return fail(e, "latency_threshold", "%s", why);
		r->lopa = 1;
	}
	return 0;
}

/* A continuous task's window: window, or Lopa's duration, else 60 s. */
static int
window_apply(struct req *q, struct task_params *p, struct task_json_err *e)
{
	if (q->window != 0 && q->duration != 0 && q->window != q->duration)
		return fail(e, "window", "differs from duration, which is the "
		    "window of a continuous task: give one");
	p->window_ns = q->window != 0 ? q->window : q->duration != 0 ?
	    q->duration : TASK_DEF_WINDOW;
	if (p->window_ns < p->interval_ns)
		return fail(e, q->window != 0 ? "window" : "duration",
		    "the window must be at least the interval");
	return 0;
}

/* The mode decides which of count, rounds, duration and window apply. */
static int
apply_mode(struct req *q, struct task_params *p, struct task_json_err *e)
{
	if (q->count < 0 || q->count > TASK_MAX_COUNT)
		return fail(e, "count", "must be between 1 and %d",
		    TASK_MAX_COUNT);
	if (q->rounds < 0 || q->rounds > TASK_MAX_ROUNDS)
		return fail(e, "rounds", "must be between 1 and %d",
		    TASK_MAX_ROUNDS);
	if (p->mode != TASK_CONTINUOUS && q->window != 0)
		return fail(e, "window", "only continuous tasks have a window");
	p->rounds = 1;
	switch (p->mode) {
	case TASK_COUNT:
		/* Lopa's CLI always sends duration: ignored here. */
		p->count = q->count != 0 ? (uint32_t)q->count : TASK_DEF_COUNT;
		p->rounds = q->rounds != 0 ? (uint32_t)q->rounds :
		    TASK_DEF_ROUNDS;
		p->round_delay_ns = q->round_delay;
		break;
	case TASK_DURATION:
		p->duration_ns = q->duration != 0 ? q->duration :
		    TASK_DEF_DURATION;
		break;
	case TASK_CONTINUOUS:
		return window_apply(q, p, e);
	}
	return 0;
}

/*
 * passive: interface counters (Lopa's POST /tasks/passive).  target is
 * an interface (Lopa), or interfaces a list of them; mode duration (the
 * default, as Lopa's) or continuous; interval 10 s when absent or 0 (a
 * Lopa request without one crashed it), duration 60 s; a continuous
 * task's window is window, or Lopa's duration, else 60 s.  The
 * interfaces are kept comma-separated in target (and host).  Probe
 * fields are refused, naming them.
 */
static int
passive_params(struct req *q, struct task_params *p, struct task_json_err *e)
{
	static const int	 allowed[] = {
		TF_TYPE, TF_TARGET, TF_INTERFACES, TF_MODE, TF_INTERVAL,
		TF_DURATION, TF_WINDOW, TF_NAME, TF_LABELS, TF_ALERT_URL,
		TF_WEBHOOK_URL, TF_WEBHOOK_SECRET, TF_THRESHOLDS
	};
	char		 s[32], names[TASK_MAXIFACES][TASK_IFNAMELEN];
	char		 f[TASK_JSON_FIELDLEN];
	const json_t	*a = q->f[TF_INTERFACES], *v;
	size_t		 i, j, n = 0;
	int		 k, m;

	for (k = 0; k < TF_MAX; k++) {
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			if (allowed[i] == k)
				break;
		if (q->f[k] != NULL && i == sizeof(allowed) / sizeof(allowed[0]))
			return fail(e, tf_names[k], "not for passive tasks "
			    "(interface counters: target or interfaces, mode, "
			    "interval, duration, window)");
	}
	if (q->f[TF_TARGET] != NULL && a != NULL)
		return fail(e, "interfaces", "give target (one interface) or "
		    "interfaces, not both");
	if (a != NULL) {
		if (!json_is_array(a) || json_array_size(a) == 0 ||
		    json_array_size(a) > TASK_MAXIFACES)
			return fail(e, "interfaces", "expected a list of 1 to %d "
			    "interface names", TASK_MAXIFACES);
		json_array_foreach((json_t *)a, i, v) {
			snprintf(f, sizeof(f), "interfaces[%zu]", i);
			if (!json_is_string(v))
				return fail(e, f, "expected a string, got %s",
				    task_json_typename(v));
			if (strlcpy(names[n], json_string_value(v),
			    sizeof(names[n])) >= sizeof(names[n]))
				return fail(e, f, "longer than %d octets",
				    TASK_IFNAMELEN - 1);
			n++;
		}
	} else {
		if (get_string(q, TF_TARGET, p->target, sizeof(p->target),
		    e) == -1)
			return -1;
		if (p->target[0] == '\0')
			return fail(e, "target", "required: the interface (or "
			    "interfaces, a list)");
		if (strlcpy(names[0], p->target, sizeof(names[0])) >=
		    sizeof(names[0]))
			return fail(e, "target", "longer than %d octets: not "
			    "an interface name", TASK_IFNAMELEN - 1);
		n = 1;
	}
	p->target[0] = '\0';
	for (i = 0; i < n; i++) {
		if (a != NULL)
			snprintf(f, sizeof(f), "interfaces[%zu]", i);
		else
			strlcpy(f, "target", sizeof(f));
		if (names[i][0] == '\0' || !task_json_ifname_ok(names[i]) ||
		    strchr(names[i], ',') != NULL)
			return fail(e, f, "\"%s\" is not an interface name",
			    names[i]);
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return fail(e, f, "\"%s\" twice", names[i]);
		if (i > 0)
			strlcat(p->target, ",", sizeof(p->target));
		strlcat(p->target, names[i], sizeof(p->target));
	}
	strlcpy(p->host, p->target, sizeof(p->host));
	if (get_string(q, TF_MODE, s, sizeof(s), e) == -1)
		return json_is_string(q->f[TF_MODE]) ? fail(e, "mode",
		    "duration or continuous") : -1;
	if (s[0] == '\0')
		p->mode = TASK_DURATION;	/* Lopa's default */
	else if ((m = task_mode_from_name(s)) != TASK_DURATION &&
	    m != TASK_CONTINUOUS)
		return fail(e, "mode", "\"%s\": a passive task's mode is "
		    "duration or continuous", s);
	else
		p->mode = (uint32_t)m;
	if (get_duration(q, TF_INTERVAL, &q->interval, e) == -1 ||
	    get_duration(q, TF_DURATION, &q->duration, e) == -1 ||
	    get_duration(q, TF_WINDOW, &q->window, e) == -1)
		return -1;
	p->interval_ns = q->interval != 0 ? q->interval :
	    TASK_PASSIVE_INTERVAL;
	if (p->interval_ns < TASK_PASSIVE_MIN_INTERVAL ||
	    p->interval_ns > 3600LL * 1000 * 1000 * 1000)
		return fail(e, "interval", "must be between 100ms and 1h");
	if (q->duration < 0 || q->window < 0)
		return fail(e, q->window < 0 ? "window" : "duration",
		    "must be positive");
	p->rounds = 1;
	p->timeout_ns = p->interval_ns;
	p->dscp = -1;
	if (p->mode == TASK_DURATION) {
		if (q->window != 0)
			return fail(e, "window", "only continuous tasks have "
			    "a window");
		p->duration_ns = q->duration != 0 ? q->duration :
		    TASK_PASSIVE_DURATION;
		if (p->duration_ns < p->interval_ns)
			return fail(e, "duration", "shorter than the interval");
		if (p->duration_ns / p->interval_ns > TASK_PASSIVE_MAXIVALS)
			return fail(e, "duration", "more than %d intervals: "
			    "make the interval longer, or use continuous",
			    TASK_PASSIVE_MAXIVALS);
	} else {
		if (window_apply(q, p, e) == -1)
			return -1;
		if (p->window_ns / p->interval_ns > TASK_PASSIVE_MAXIVALS)
			return fail(e, q->window != 0 ? "window" : "duration",
			    "more than %d intervals: make the interval longer",
			    TASK_PASSIVE_MAXIVALS);
	}
	return 0;
}

int
task_params_from_json(const json_t *body, uint32_t type,
    struct task_params *p, struct task_json_err *e)
{
	struct req	 q;

	memset(p, 0, sizeof(*p));
	memset(e, 0, sizeof(*e));
	memset(&q, 0, sizeof(q));
	q.df = -1;
	if (task_type_name(type) == NULL)
		return fail(e, "type", "unknown task type %u", type);
	if (body != NULL && !json_is_object(body))
		return fail(e, NULL, "the body must be a JSON object, not %s",
		    task_json_typename(body));
	p->type = type;
	if (type == TASK_PASSIVE) {
		if ((body != NULL && collect(body, &q, e) == -1) ||
		    check_type(&q, type, e) == -1 ||
		    passive_params(&q, p, e) == -1 ||
		    common_fields(&q, p, e) == -1 ||
		    apply_thresholds(&q, p, e) == -1) {
			memset(p, 0, sizeof(*p));
			return -1;
		}
		return 0;
	}
	if ((body != NULL && collect(body, &q, e) == -1) ||
	    check_type(&q, type, e) == -1 ||
	    read_fields(&q, p, e) == -1 ||
	    target_split(&q, p, e) == -1 ||
	    apply_common(&q, p, e) == -1 ||
	    apply_mode(&q, p, e) == -1 ||
	    apply_thresholds(&q, p, e) == -1) {
		memset(p, 0, sizeof(*p));
		return -1;
	}
	return 0;
}

int
task_params_parse(const char *buf, size_t len, uint32_t type,
    struct task_params *p, struct task_json_err *e)
{
	json_error_t	 jerr;
	json_t		*body;
	int		 rc;

	if (len == 0)
		return task_params_from_json(NULL, type, p, e);
	body = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (body == NULL) {
		memset(p, 0, sizeof(*p));
		memset(e, 0, sizeof(*e));
		return fail(e, NULL, "malformed JSON: %s (line %d, column %d)",
		    jerr.text, jerr.line, jerr.column);
	}
	rc = task_params_from_json(body, type, p, e);
	json_decref(body);
	return rc;
}

/*
 * Query strings.
 */
typedef int	(*query_fn)(const char *, const char *, struct task_query *,
		    struct task_json_err *);

static int
query_parse(const char *qs, const char *const *names, query_fn fn,
    struct task_query *tq, struct task_json_err *e)
{
	struct evkeyvalq	 kv;
	struct evkeyval		*h, *g;
	size_t			 i;
	int			 rc = 0;

	TAILQ_INIT(&kv);
	if (qs == NULL || *qs == '\0')
		return 0;
	if (evhttp_parse_query_str(qs, &kv) == -1) {
		evhttp_clear_headers(&kv);
		return fail(e, NULL, "malformed query string");
	}
	TAILQ_FOREACH(h, &kv, next) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(h->key, names[i]) == 0)
				break;
		if (names[i] == NULL) {
			rc = fail(e, h->key, "unknown query parameter");
			break;
		}
		for (g = TAILQ_FIRST(&kv); g != h; g = TAILQ_NEXT(g, next))
			if (strcmp(g->key, h->key) == 0)
				break;
		if (g != h) {
			rc = fail(e, h->key, "given twice");
			break;
		}
		if ((rc = fn(h->key, h->value, tq, e)) == -1)
			break;
	}
	evhttp_clear_headers(&kv);
	return rc;
}

static int
list_param(const char *k, const char *v, struct task_query *tq,
    struct task_json_err *e)
{
	int	 n;

	if (strcmp(k, "type") == 0) {
		if (*v == '\0')
			return 0;
		if ((n = task_type_from_name(v)) <= 0)
			return fail(e, "type", "unknown task type \"%.*s\": "
			    "ping, tcp, udp, twamp or stamp", QUOTE_MAX, v);
		tq->type = (uint32_t)n;
		return 0;
	}
	if (*v == '\0')
		return 0;
	if ((n = task_status_from_name(v)) < 0)
		return fail(e, "status", "unknown status \"%.*s\": pending, "
		    "running, finished, stopped or failed", QUOTE_MAX, v);
	tq->status = n;
	return 0;
}

int
task_query_list(const char *qs, struct task_query *tq,
    struct task_json_err *e)
{
	static const char *const names[] = { "type", "status", NULL };

	memset(tq, 0, sizeof(*tq));
	memset(e, 0, sizeof(*e));
	tq->status = -1;
	return query_parse(qs, names, list_param, tq, e);
}

static int
samples_param(const char *k, const char *v, struct task_query *tq,
    struct task_json_err *e)
{
	unsigned long	 n = 0;
	const char	*s;

	if (*v == '\0')
		return fail(e, "last", "expected a number");
	for (s = v; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return fail(e, "last", "expected a number, not "
			    "\"%.*s\"", QUOTE_MAX, v);
		if (n <= MAX_SAMPLES)
			n = n * 10 + (unsigned long)(*s - '0');
	}
	if (n > MAX_SAMPLES)
		return fail(e, "last", "at most %d", MAX_SAMPLES);
	tq->last = (uint32_t)n;
	return 0;
}

int
task_query_samples(const char *qs, struct task_query *tq,
    struct task_json_err *e)
{
	static const char *const names[] = { "last", NULL };

	memset(tq, 0, sizeof(*tq));
	memset(e, 0, sizeof(*e));
	tq->status = -1;
	return query_parse(qs, names, samples_param, tq, e);
}

/*
 * Documents.
 */

/* A string of at most size bytes, made valid UTF-8. */
static json_t *
j_str(const char *s, size_t size)
{
	char	*tmp, *clean;
	size_t	 len = strnlen(s, size);
	json_t	*j;

	if ((tmp = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	clean = problem_utf8(tmp);
	free(tmp);
	if (clean == NULL)
		return NULL;
	j = json_string(clean);
	free(clean);
	return j;
}

#define J_STR(field)	j_str((field), sizeof(field))

static json_t *
j_u64(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *
j_time(int64_t t)
{
	char	 buf[48];

	task_time_format(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
j_name(const char *name)
{
	return json_string(name != NULL ? name : "unknown");
}

size_t
task_time_format(int64_t t, char *buf, size_t size)
{
	struct tm	 tm;
	time_t		 sec;
	long		 ns;
	char		 frac[16];
	size_t		 n;
	int		 i;

	if (t <= 0)
		return (size_t)snprintf(buf, size, "0001-01-01T00:00:00Z");
	sec = (time_t)(t / NS_S);
	ns = (long)(t % NS_S);
	if (gmtime_r(&sec, &tm) == NULL)
		return (size_t)snprintf(buf, size, "0001-01-01T00:00:00Z");
	frac[0] = '\0';
	if (ns != 0) {
		snprintf(frac, sizeof(frac), ".%09ld", ns);
		for (i = (int)strlen(frac) - 1; i > 0 && frac[i] == '0'; i--)
			frac[i] = '\0';
	}
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		return (size_t)snprintf(buf, size, "0001-01-01T00:00:00Z");
	return n + (size_t)snprintf(buf + n, size - n, "%sZ", frac);
}

size_t
task_addr_format(const struct task_addr *a, char *buf, size_t size)
{
	char	 s[INET6_ADDRSTRLEN];
	int	 af;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	af = a->family == AF_INET ? AF_INET : a->family == AF_INET6 ?
	    AF_INET6 : 0;
	if (af == 0 || inet_ntop(af, a->addr, s, sizeof(s)) == NULL)
		return 0;
	if (af == AF_INET6 && a->scope_id != 0)
		return (size_t)snprintf(buf, size, "%s%%%u", s, a->scope_id);
	return strlcpy(buf, s, size);
}

/* The TLVs a stamp task sends, as asked for. */
static json_t *
tlvs_json(const struct task_params *p)
{
	const struct task_tlv	*t;
	json_t			*a, *o;
	uint32_t		 i;
	int			 rc = 0;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < p->ntlvs && i < TASK_MAXTLVS; i++) {
		t = &p->tlvs[i];
		if ((o = json_object()) == NULL) {
			rc = -1;
			break;
		}
		if (tlv_name(t->type) != NULL)
			rc |= json_object_set_new(o, "type",
			    j_name(tlv_name(t->type)));
		else
			rc |= json_object_set_new(o, "type",
			    json_integer(t->type));
		if (t->type == STAMP_TLV_PADDING || tlv_name(t->type) == NULL)
			rc |= json_object_set_new(o, "length",
			    json_integer(t->length));
		if (t->type == STAMP_TLV_COS) {
			rc |= json_object_set_new(o, "dscp",
			    json_integer(t->dscp));
			rc |= json_object_set_new(o, "ecn",
			    json_integer(t->ecn));
		}
		rc |= json_array_append_new(a, o);
	}
	if (rc != 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* A rule's level as given: a fraction for loss, else integer ns. */
static json_t *
level_json(int m, double v)
{
	return alert_metric_is_time(m) ? json_integer((json_int_t)v) :
	    json_real(v);
}

/* "thresholds" as a creation body gives them; NULL when none. */
static json_t *
thresholds_json(const struct task_params *p)
{
	const struct alert_rule	*r;
	json_t			*o = NULL, *t;
	int			 m, rc = 0;

	for (m = 0; m < ALERT_NMETRICS; m++) {
		r = &p->alerts[m];
		if (!r->set || r->lopa)
			continue;
		if ((o == NULL && (o = json_object()) == NULL) ||
		    (t = json_object()) == NULL) {
			json_decref(o);
			return NULL;
		}
		rc |= json_object_set_new(t, r->below ? "below" : "above",
		    level_json(m, r->level));
		if (r->has_clear)
			rc |= json_object_set_new(t, "clear",
			    level_json(m, r->clear));
		rc |= json_object_set_new(t, "for", json_integer(r->for_n));
		rc |= json_object_set_new(t, "clear_for",
		    json_integer(r->clear_for));
		rc |= json_object_set_new(t, "min_samples",
		    json_integer(r->min_samples));
		rc |= json_object_set_new(t, "repeat",
		    json_integer(r->repeat_ns));
		rc |= json_object_set_new(o, alert_metric_name(m), t);
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* passive: only what its requests take, the interfaces as a list. */
static json_t *
passive_params_json(const struct task_params *p)
{
	json_t		*o, *a, *l;
	const char	*c, *comma;
	int		 rc = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	rc |= json_object_set_new(o, "type", json_string("passive"));
	rc |= json_object_set_new(o, "mode", j_name(task_mode_name(p->mode)));
	if ((a = json_array()) == NULL) {
		json_decref(o);
		return NULL;
	}
	for (c = p->target; *c != '\0'; c = *comma ? comma + 1 : comma) {
		comma = c + strcspn(c, ",");
		rc |= json_array_append_new(a, json_stringn(c,
		    (size_t)(comma - c)));
	}
	rc |= json_object_set_new(o, "interfaces", a);
	if (strnlen(p->name, sizeof(p->name)) > 0)
		rc |= json_object_set_new(o, "name", J_STR(p->name));
	rc |= json_object_set_new(o, "interval", json_integer(p->interval_ns));
	if (p->duration_ns != 0)
		rc |= json_object_set_new(o, "duration",
		    json_integer(p->duration_ns));
	if (p->window_ns != 0)
		rc |= json_object_set_new(o, "window",
		    json_integer(p->window_ns));
	if (strnlen(p->alert_callback_url, sizeof(p->alert_callback_url)) > 0)
		rc |= json_object_set_new(o, "alert_callback_url",
		    J_STR(p->alert_callback_url));
	if ((l = task_json_labels_out(p->labels, p->labels_len)) != NULL)
		rc |= json_object_set_new(o, "labels", l);
	if ((l = thresholds_json(p)) != NULL)
		rc |= json_object_set_new(o, "thresholds", l);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
task_params_json(const struct task_params *p)
{
	json_t		*o, *th;
	const char	*ipv;
	int		 rc = 0;

	if (p->type == TASK_PASSIVE)
		return passive_params_json(p);
	if ((o = json_object()) == NULL)
		return NULL;
	ipv = p->ip_version == TASK_IP_4 ? "ipv4" :
	    p->ip_version == TASK_IP_6 ? "ipv6" : "auto";
	rc |= json_object_set_new(o, "type", j_name(task_type_name(p->type)));
	rc |= json_object_set_new(o, "mode", j_name(task_mode_name(p->mode)));
	rc |= json_object_set_new(o, "target", J_STR(p->target));
	if (p->port != 0)
		rc |= json_object_set_new(o, "port", json_integer(p->port));
	if (strnlen(p->name, sizeof(p->name)) > 0)
		rc |= json_object_set_new(o, "name", J_STR(p->name));
	if (p->count != 0)
		rc |= json_object_set_new(o, "count", json_integer(p->count));
	rc |= json_object_set_new(o, "rounds", json_integer(p->rounds));
	rc |= json_object_set_new(o, "round_delay",
	    json_integer(p->round_delay_ns));
	rc |= json_object_set_new(o, "interval", json_integer(p->interval_ns));
	rc |= json_object_set_new(o, "timeout", json_integer(p->timeout_ns));
	if (p->duration_ns != 0)
		rc |= json_object_set_new(o, "duration",
		    json_integer(p->duration_ns));
	if (p->window_ns != 0)
		rc |= json_object_set_new(o, "window",
		    json_integer(p->window_ns));
	rc |= json_object_set_new(o, "resolve_interval",
	    json_integer(p->resolve_interval_ns));
	if (p->imix) {
		rc |= json_object_set_new(o, "padding", json_integer(-1));
		rc |= json_object_set_new(o, "imix", json_true());
	} else if (p->packet_size != 0)
		rc |= json_object_set_new(o, "packet_size",
		    json_integer(p->packet_size));
	if (p->ntlvs > 0)
		rc |= json_object_set_new(o, "tlvs", tlvs_json(p));
	if (p->dscp >= 0)
		rc |= json_object_set_new(o, "dscp", json_integer(p->dscp));
	if (p->ttl > 0)
		rc |= json_object_set_new(o, "ttl", json_integer(p->ttl));
	if (p->type == TASK_STAMP)
		rc |= json_object_set_new(o, "ssid", json_integer(p->ssid));
	if (p->type == TASK_TWAMP)
		rc |= json_object_set_new(o, "control",
		    json_boolean(p->control));
	if (p->control)
		rc |= json_object_set_new(o, "receiver_port",
		    json_integer(p->receiver_port));
	if (p->pmtu == PMTU_DO || p->pmtu == PMTU_DONT)
		rc |= json_object_set_new(o, "df",
		    json_boolean(p->pmtu == PMTU_DO));
	if (p->no_histograms)
		rc |= json_object_set_new(o, "histograms", json_false());
	rc |= json_object_set_new(o, "ip_version", json_string(ipv));
	if (strnlen(p->source_ip, sizeof(p->source_ip)) > 0)
		rc |= json_object_set_new(o, "source_ip", J_STR(p->source_ip));
	if (strnlen(p->interface, sizeof(p->interface)) > 0)
		rc |= json_object_set_new(o, "interface", J_STR(p->interface));
	rc |= json_object_set_new(o, "loss_threshold",
	    json_real(isfinite(p->loss_threshold) ? p->loss_threshold : 0));
	rc |= json_object_set_new(o, "latency_threshold",
	    json_integer(p->latency_threshold_ns));
	if (strnlen(p->alert_callback_url, sizeof(p->alert_callback_url)) > 0)
		rc |= json_object_set_new(o, "alert_callback_url",
		    J_STR(p->alert_callback_url));
	/* webhook_secret is never shown. */
	if ((th = thresholds_json(p)) != NULL)
		rc |= json_object_set_new(o, "thresholds", th);
	if ((th = task_json_labels_out(p->labels, p->labels_len)) != NULL)
		rc |= json_object_set_new(o, "labels", th);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
task_stats_json(const struct stats_result *s)
{
	json_t	*o, *err;
	int	 rc = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	/* Lopa's */
	rc |= json_object_set_new(o, "sent", j_u64(s->sent));
	rc |= json_object_set_new(o, "received", j_u64(s->received));
	rc |= json_object_set_new(o, "loss_rate",
	    json_real(isfinite(s->loss_rate) ? s->loss_rate : 0));
	rc |= json_object_set_new(o, "min_rtt", json_integer(s->min_rtt));
	rc |= json_object_set_new(o, "max_rtt", json_integer(s->max_rtt));
	rc |= json_object_set_new(o, "avg_rtt", json_integer(s->avg_rtt));
	rc |= json_object_set_new(o, "jitter", json_integer(s->jitter));
	/* ours */
	rc |= json_object_set_new(o, "lost", j_u64(s->lost));
	rc |= json_object_set_new(o, "in_flight", j_u64(s->in_flight));
	rc |= json_object_set_new(o, "duplicates", j_u64(s->duplicates));
	rc |= json_object_set_new(o, "reordered", j_u64(s->reordered));
	rc |= json_object_set_new(o, "late", j_u64(s->late));
	rc |= json_object_set_new(o, "refused",
	    j_u64(s->errors[PROBE_REFUSED]));
	err = json_object();
	if (err != NULL) {
		rc |= json_object_set_new(err, "unreachable",
		    j_u64(s->errors[PROBE_UNREACHABLE]));
		rc |= json_object_set_new(err, "ttl_exceeded",
		    j_u64(s->errors[PROBE_TTL_EXCEEDED]));
		rc |= json_object_set_new(err, "too_big",
		    j_u64(s->errors[PROBE_TOO_BIG]));
		rc |= json_object_set_new(err, "param_problem",
		    j_u64(s->errors[PROBE_PARAM_PROBLEM]));
		rc |= json_object_set_new(err, "error",
		    j_u64(s->errors[PROBE_ERROR]));
	}
	rc |= json_object_set_new(o, "errors", err);
	rc |= json_object_set_new(o, "stddev_rtt", json_integer(s->stddev_rtt));
	rc |= json_object_set_new(o, "p50_rtt", json_integer(s->p50_rtt));
	rc |= json_object_set_new(o, "p90_rtt", json_integer(s->p90_rtt));
	rc |= json_object_set_new(o, "p95_rtt", json_integer(s->p95_rtt));
	rc |= json_object_set_new(o, "p99_rtt", json_integer(s->p99_rtt));
	rc |= json_object_set_new(o, "jitter_rfc3550",
	    json_integer(s->jitter_rfc3550));
	rc |= json_object_set_new(o, "ipdv", json_integer(s->ipdv_mean));
	rc |= json_object_set_new(o, "ipdv_p99", json_integer(s->ipdv_p99));
	rc |= json_object_set_new(o, "pdv_p99", json_integer(s->pdv_p99));
	rc |= json_object_set_new(o, "loss_burst_max",
	    j_u64(s->loss_burst_max));
	rc |= json_object_set_new(o, "last_ttl", json_integer(s->last_ttl));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
delay_json(const struct delay_result *d, int full)
{
	json_t	*o;
	int	 rc = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	rc |= json_object_set_new(o, "min", json_integer(d->min));
	rc |= json_object_set_new(o, "avg", json_integer(d->avg));
	rc |= json_object_set_new(o, "max", json_integer(d->max));
	if (full)
		rc |= json_object_set_new(o, "stddev",
		    json_integer(d->stddev));
	rc |= json_object_set_new(o, "p50", json_integer(d->p50));
	rc |= json_object_set_new(o, "p99", json_integer(d->p99));
	if (full)
		rc |= json_object_set_new(o, "jitter",
		    json_integer(d->jitter));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A hop count, null when unknown (-1). */
static json_t *
j_hops(int h)
{
	return h >= 0 ? json_integer(h) : json_null();
}

static const char *
reflector_name(int r)
{
	switch (r) {
	case TWAMP_REFL_STATELESS:
		return "stateless";
	case TWAMP_REFL_STATEFUL:
		return "stateful";
	default:
		return "unknown";
	}
}

/*
 * stamp with TLVs: the reflected TLVs' U and M counts, and the last
 * reply's Timestamp Information and Class of Service (null until one).
 */
static int
tlv_result_json(json_t *o, const struct task_twamp *tw)
{
	json_t	*ts = json_null(), *cos = json_null();
	int	 rc = 0;

	rc |= json_object_set_new(o, "tlv_unrecognized",
	    j_u64(tw->tlv_unrecognized));
	rc |= json_object_set_new(o, "tlv_malformed",
	    j_u64(tw->tlv_malformed));
	if (tw->has_tsinfo)
		ts = json_pack("{s:i, s:i, s:i, s:i}",
		    "sync_in", tw->tsinfo[0], "method_in", tw->tsinfo[1],
		    "sync_out", tw->tsinfo[2], "method_out", tw->tsinfo[3]);
	if (tw->has_cos)
		cos = json_pack("{s:i, s:i, s:i}", "dscp2", tw->cos_dscp2,
		    "ecn", tw->cos_ecn, "rp", tw->cos_rp);
	rc |= json_object_set_new(o, "reflector_timestamp", ts);
	rc |= json_object_set_new(o, "cos", cos);
	return rc;
}

/* The "twamp" member of a twamp or stamp task's stats. */
json_t *
task_twamp_json(const struct task_twamp *tw)
{
	const struct twamp_result *r = &tw->r;
	json_t		*o, *h;
	int		 rc = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	rc |= json_object_set_new(o, "replies", j_u64(r->replies));
	rc |= json_object_set_new(o, "forward", delay_json(&r->fwd, 1));
	rc |= json_object_set_new(o, "backward", delay_json(&r->bwd, 1));
	rc |= json_object_set_new(o, "processing", delay_json(&r->proc, 0));
	if ((h = json_object()) != NULL) {
		rc |= json_object_set_new(h, "forward", j_hops(r->fwd_hops));
		rc |= json_object_set_new(h, "backward", j_hops(r->bwd_hops));
		rc |= json_object_set_new(h, "forward_min",
		    j_hops(r->fwd_hops_min));
		rc |= json_object_set_new(h, "forward_max",
		    j_hops(r->fwd_hops_max));
		rc |= json_object_set_new(h, "backward_min",
		    j_hops(r->bwd_hops_min));
		rc |= json_object_set_new(h, "backward_max",
		    j_hops(r->bwd_hops_max));
	}
	rc |= json_object_set_new(o, "hops", h);
	rc |= json_object_set_new(o, "unsynchronized",
	    json_boolean(r->unsynchronized));
	rc |= json_object_set_new(o, "unsynchronized_replies",
	    j_u64(r->unsync));
	rc |= json_object_set_new(o, "reflector",
	    json_string(reflector_name(r->reflector)));
	if (r->reflector == TWAMP_REFL_STATEFUL) {
		rc |= json_object_set_new(o, "forward_lost",
		    j_u64(r->fwd_lost));
		rc |= json_object_set_new(o, "backward_lost",
		    j_u64(r->bwd_lost));
	}
	rc |= json_object_set_new(o, "nonconformant",
	    j_u64(tw->nonconformant));
	rc |= json_object_set_new(o, "rtt_negative", j_u64(r->rtt_negative));
	if (tw->tlvs)
		rc |= tlv_result_json(o, tw);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A stats object, with "twamp" for the tasks that have it. */
static json_t *
stats_twamp_json(const struct stats_result *st, const struct task_twamp *tw)
{
	json_t	*o;

	if ((o = task_stats_json(st)) == NULL)
		return NULL;
	if (tw->valid &&
	    json_object_set_new(o, "twamp", task_twamp_json(tw)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int	 passive_counters_json(json_t *, const uint64_t *, int, int64_t);

static json_t *
round_json(const struct task_round *r)
{
	json_t		*o, *st, *a, *c;
	uint64_t	 sum[PC_MAX];
	uint32_t	 i;
	int		 k, rc = 0;

	o = json_pack("{s:I, s:o, s:o, s:o}",
	    "index", (json_int_t)r->index,
	    "from", j_time(r->t_from),
	    "to", j_time(r->t_to),
	    "stats", stats_twamp_json(&r->stats, &r->twamp));
	if (o == NULL || r->npassive == 0)
		return o;
	/* passive: Lopa's deltas summed in stats, ours per interface. */
	memset(sum, 0, sizeof(sum));
	if ((a = json_array()) == NULL) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < r->npassive && i < TASK_MAXIFACES; i++) {
		for (k = 0; k < PC_MAX; k++)
			sum[k] += r->passive[i][k];
		if ((c = json_object()) == NULL)
			rc = -1;
		else {
			rc |= json_object_set_new(c, "name", json_stringn(
			    r->passive_names[i], strnlen(r->passive_names[i],
			    sizeof(r->passive_names[i]))));
			rc |= passive_counters_json(c, r->passive[i], 1,
			    r->t_to - r->t_from);
			rc |= json_object_set_new(c, "seconds", json_real(
			    (double)(r->t_to - r->t_from) / NS_S));
			rc |= json_array_append_new(a, c);
		}
	}
	st = json_object_get(o, "stats");
	rc |= passive_counters_json(st, sum, 0, 0);
	rc |= json_object_set_new(o, "interfaces", a);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
alert_state_json(int m, const struct alert_rule *r, const struct alert_sm *sm)
{
	json_t	*o;
	int	 rc = 0, have;

	if ((o = json_object()) == NULL)
		return NULL;
	have = sm->evaluations > 0 && !sm->nodata && !sm->waiting;
	rc |= json_object_set_new(o, "state", json_string(
	    alert_state_name(sm)));
	rc |= json_object_set_new(o, "value", have ? level_json(m, sm->value) :
	    json_null());
	rc |= json_object_set_new(o, "no_data", json_boolean(sm->nodata));
	rc |= json_object_set_new(o, "waiting", json_boolean(sm->waiting));
	rc |= json_object_set_new(o, r->below ? "below" : "above",
	    level_json(m, r->level));
	rc |= json_object_set_new(o, "clear", level_json(m, r->clear));
	if (sm->state == ALERT_ALERTING)
		rc |= json_object_set_new(o, "worst",
		    level_json(m, sm->worst));
	rc |= json_object_set_new(o, "since", sm->changed_at != 0 ?
	    j_time(sm->changed_at) : json_null());
	rc |= json_object_set_new(o, "evaluations", j_u64(sm->evaluations));
	rc |= json_object_set_new(o, "alerts", j_u64(sm->alerts));
	rc |= json_object_set_new(o, "recoveries", j_u64(sm->recoveries));
	rc |= json_object_set_new(o, "repeats", j_u64(sm->repeats));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A task's alert states by metric; NULL when it has no thresholds. */
static json_t *
alerts_json(const struct task_params *p, const struct alert_sm *sm)
{
	json_t	*o = NULL;
	int	 m, rc = 0;

	for (m = 0; m < ALERT_NMETRICS; m++) {
		if (!p->alerts[m].set || p->mode != TASK_CONTINUOUS)
			continue;
		if (o == NULL && (o = json_object()) == NULL)
			return NULL;
		rc |= json_object_set_new(o, alert_metric_name(m),
		    alert_state_json(m, &p->alerts[m], &sm[m]));
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Lopa's reason: loss or latency (rtt_avg); ours by metric name. */
static const char *
alert_reason(int m)
{
	return m == ALERT_RTT_AVG ? "latency" : alert_metric_name(m);
}

json_t *
task_alert_json(const struct task_alert *a, const char *node)
{
	const struct stats_result	*w = &a->window;
	json_t				*o, *x;
	char				 v[64], t[64], d[3][32], cur[160];
	int				 m = (int)a->metric, rc = 0;
	int				 rec = a->note == ALERT_NOTE_RECOVERY;
	time_t				 sec;
	struct tm			 tm;

	if (alert_metric_name(m) == NULL || alert_note_name(a->note) == NULL ||
	    (o = json_object()) == NULL)
		return NULL;
	alert_value_text(m, a->sm.value, v, sizeof(v));
	alert_value_text(m, a->rule.level, t, sizeof(t));
	duration_format(w->min_rtt, d[0], sizeof(d[0]));
	duration_format(w->max_rtt, d[1], sizeof(d[1]));
	duration_format(w->avg_rtt, d[2], sizeof(d[2]));
	/* Lopa's recovery text names its two figures. */
	if (rec)
		snprintf(cur, sizeof(cur), "loss=%.2f%%, avg_rtt=%s",
		    w->loss_rate * 100, d[2]);
	else
		strlcpy(cur, v, sizeof(cur));
	sec = (time_t)(a->at / NS_S);
	if (gmtime_r(&sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	/* Lopa's, with Lopa's names, types and units */
	rc |= json_object_set_new(o, "event", json_string(rec ? "recovery" :
	    "alert"));
	rc |= json_object_set_new(o, "task_id", J_STR(a->id));
	rc |= json_object_set_new(o, "node_id", json_string(node != NULL ?
	    node : ""));
	rc |= json_object_set_new(o, "target", J_STR(a->target));
	rc |= json_object_set_new(o, "type", j_name(task_type_name(a->type)));
	rc |= json_object_set_new(o, "mode", j_name(task_mode_name(a->mode)));
	rc |= json_object_set_new(o, "reason", json_string(rec ? "recovery" :
	    alert_reason(m)));
	rc |= json_object_set_new(o, "threshold", json_string(rec ? "" : t));
	rc |= json_object_set_new(o, "current_value", json_string(cur));
	if (rec)
		rc |= json_object_set_new(o, "recovered_from",
		    json_string(alert_reason(m)));
	rc |= json_object_set_new(o, "window_seconds",
	    json_integer(a->window_ns / NS_S));
	rc |= json_object_set_new(o, "sent", j_u64(w->sent));
	rc |= json_object_set_new(o, "received", j_u64(w->received));
	rc |= json_object_set_new(o, "loss_rate", json_real(
	    isfinite(w->loss_rate) ? w->loss_rate : 0));
	rc |= json_object_set_new(o, "min_rtt", json_string(d[0]));
	rc |= json_object_set_new(o, "max_rtt", json_string(d[1]));
	rc |= json_object_set_new(o, "avg_rtt", json_string(d[2]));
	strftime(v, sizeof(v), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rc |= json_object_set_new(o, "timestamp", json_string(v));
	/* ours */
	if (strnlen(a->name, sizeof(a->name)) > 0)
		rc |= json_object_set_new(o, "name", J_STR(a->name));
	rc |= json_object_set_new(o, "labels", (x = task_json_labels_out(a->labels,
	    a->labels_len)) != NULL ? x : json_object());
	rc |= json_object_set_new(o, "metric", json_string(
	    alert_metric_name(m)));
	rc |= json_object_set_new(o, "repeat", json_boolean(
	    a->note == ALERT_NOTE_REPEAT));
	rc |= json_object_set_new(o, "value", level_json(m, a->sm.value));
	rc |= json_object_set_new(o, "threshold_value",
	    level_json(m, a->rule.level));
	rc |= json_object_set_new(o, "clear_value",
	    level_json(m, a->rule.clear));
	rc |= json_object_set_new(o, "direction", json_string(a->rule.below ?
	    "below" : "above"));
	if (rec)
		rc |= json_object_set_new(o, "recovered_from_value",
		    level_json(m, a->sm.worst));
	rc |= json_object_set_new(o, "at", j_time(a->at));
	x = task_stats_json(w);
	if (x != NULL && a->window_twamp.valid)
		rc |= json_object_set_new(x, "twamp",
		    task_twamp_json(&a->window_twamp));
	rc |= json_object_set_new(o, "window", x);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *const pc_names[PC_MAX] = {
	[PC_BYTES_IN] = "bytes_in", [PC_BYTES_OUT] = "bytes_out",
	[PC_PACKETS_IN] = "packets_in", [PC_PACKETS_OUT] = "packets_out",
	[PC_ERRORS_IN] = "errors_in", [PC_ERRORS_OUT] = "errors_out",
	[PC_DROPS_IN] = "drops_in", [PC_DROPS_OUT] = "drops_out",
	[PC_MULTICAST_IN] = "multicast_in",
};

/*
 * Counters into o as Lopa names them (omitted when 0, as Lopa's, with
 * all set), and with ns > 0 their rates per second: bps_in, bps_out
 * (bits), pps_in, pps_out, and NAME_rate for the others.
 */
static int
passive_counters_json(json_t *o, const uint64_t *c, int all, int64_t ns)
{
	char	 k[32];
	double	 sec = (double)ns / NS_S, r;
	int	 i, rc = 0;

	for (i = 0; i < PC_MAX; i++)
		if (all || c[i] != 0)
			rc |= json_object_set_new(o, pc_names[i], j_u64(c[i]));
	if (ns <= 0)
		return rc;
	for (i = 0; i < PC_MAX; i++) {
		r = (double)c[i] / sec;
		if (i == PC_BYTES_IN || i == PC_BYTES_OUT) {
			snprintf(k, sizeof(k), "bps_%s", i == PC_BYTES_IN ?
			    "in" : "out");
			r *= 8;
		} else if (i == PC_PACKETS_IN || i == PC_PACKETS_OUT)
			snprintf(k, sizeof(k), "pps_%s", i == PC_PACKETS_IN ?
			    "in" : "out");
		else
			snprintf(k, sizeof(k), "%s_rate", pc_names[i]);
		rc |= json_object_set_new(o, k, json_real(r));
	}
	return rc;
}

/* The sum over the interfaces of one set of counters, at offset off. */
static void
passive_sum(const struct task_passive *tp, size_t off, uint64_t *sum)
{
	const uint64_t	*c;
	uint32_t	 i;
	int		 k;

	memset(sum, 0, PC_MAX * sizeof(*sum));
	for (i = 0; i < tp->n && i < TASK_MAXIFACES; i++) {
		c = (const uint64_t *)(const void *)((const char *)&tp->v[i] +
		    off);
		for (k = 0; k < PC_MAX; k++)
			sum[k] += c[k];
	}
}

/* passive: per interface, its total, window and last interval. */
static json_t *
passive_json(const struct task_info *ti)
{
	const struct task_passive	*tp = &ti->passive;
	const struct passive_if		*v;
	json_t				*a, *o, *t, *w, *l;
	uint32_t			 i;
	int				 rc = 0;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < tp->n && i < TASK_MAXIFACES; i++) {
		v = &tp->v[i];
		o = json_pack("{s:s%, s:b, s:b, s:i, s:i, s:i}", "name",
		    v->name, strnlen(v->name, sizeof(v->name)), "present",
		    v->present, "up", v->up, "resets", v->resets, "gone",
		    v->gone, "carrier_changes", v->carrier_changes);
		t = json_object();
		l = json_object();
		if (o == NULL || t == NULL || l == NULL) {
			json_decref(o);
			json_decref(t);
			json_decref(l);
			json_decref(a);
			return NULL;
		}
		rc |= passive_counters_json(t, v->total, 1, ti->t_started > 0 &&
		    tp->t_last > ti->t_started ? tp->t_last - ti->t_started : 0);
		rc |= json_object_set_new(o, "total", t);
		rc |= passive_counters_json(l, v->last, 1, v->last_ns);
		rc |= json_object_set_new(l, "seconds",
		    json_real((double)v->last_ns / NS_S));
		rc |= json_object_set_new(o, "last", l);
		if (ti->has_window) {
			if ((w = json_object()) == NULL)
				rc = -1;
			else {
				rc |= passive_counters_json(w, v->window, 1,
				    v->window_ns);
				rc |= json_object_set_new(w, "seconds",
				    json_real((double)v->window_ns / NS_S));
				rc |= json_object_set_new(o, "window", w);
			}
		}
		rc |= json_array_append_new(a, o);
	}
	if (rc != 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

json_t *
task_info_json(const struct task_info *ti, const struct task_round *rounds,
    size_t nrounds, const char *node)
{
	json_t		*o, *arr, *w;
	const struct task_params *p = &ti->params;
	char		 addr[LOPA_ADDRLEN];
	size_t		 i;
	int		 rc = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	/* Lopa's, in Lopa's order */
	rc |= json_object_set_new(o, "task_id", J_STR(ti->id));
	rc |= json_object_set_new(o, "node_id", json_string(node != NULL ?
	    node : ""));
	rc |= json_object_set_new(o, "target", J_STR(p->target));
	rc |= json_object_set_new(o, "type", j_name(task_type_name(p->type)));
	rc |= json_object_set_new(o, "mode", j_name(task_mode_name(p->mode)));
	rc |= json_object_set_new(o, "started", j_time(ti->t_started));
	rc |= json_object_set_new(o, "finished", j_time(ti->t_finished));
	rc |= json_object_set_new(o, "total", stats_twamp_json(&ti->total,
	    &ti->twamp));
	if (p->type == TASK_PASSIVE) {
		uint64_t	 sum[PC_MAX];

		passive_sum(&ti->passive, offsetof(struct passive_if, total),
		    sum);
		rc |= passive_counters_json(json_object_get(o, "total"), sum,
		    0, 0);
	}
	if (nrounds > 0) {
		if ((arr = json_array()) == NULL)
			rc = -1;
		for (i = 0; arr != NULL && i < nrounds; i++)
			rc |= json_array_append_new(arr,
			    round_json(&rounds[i]));
		rc |= json_object_set_new(o, "rounds", arr);
	}
	if (ti->has_window) {
		w = json_pack("{s:I, s:I, s:o}",
		    "window_seconds", (json_int_t)(p->window_ns / NS_S),
		    "duration", (json_int_t)p->window_ns,
		    "stats", task_stats_json(&ti->window));
		if (w != NULL && ti->window_twamp.valid)
			rc |= json_object_set_new(w, "twamp",
			    task_twamp_json(&ti->window_twamp));
		if (w != NULL && p->type == TASK_PASSIVE) {
			uint64_t	 sum[PC_MAX];

			passive_sum(&ti->passive, offsetof(struct passive_if,
			    window), sum);
			rc |= passive_counters_json(json_object_get(w, "stats"),
			    sum, 0, 0);
		}
		rc |= json_object_set_new(o, "window", w);
	}
	rc |= json_object_set_new(o, "status",
	    j_name(task_status_name(ti->status)));
	if (strnlen(ti->error, sizeof(ti->error)) > 0)
		rc |= json_object_set_new(o, "error", J_STR(ti->error));
	rc |= json_object_set_new(o, "last_updated", j_time(ti->t_updated));
	/* ours */
	rc |= json_object_set_new(o, "id", J_STR(ti->id));
	if (strnlen(p->name, sizeof(p->name)) > 0)
		rc |= json_object_set_new(o, "name", J_STR(p->name));
	if ((w = task_json_labels_out(p->labels, p->labels_len)) != NULL)
		rc |= json_object_set_new(o, "labels", w);
	if (task_addr_format(&ti->addr, addr, sizeof(addr)) > 0)
		rc |= json_object_set_new(o, "address", json_string(addr));
	rc |= json_object_set_new(o, "created", j_time(ti->t_created));
	rc |= json_object_set_new(o, "round", json_integer(ti->round));
	rc |= json_object_set_new(o, "timestamp_source",
	    j_name(ts_source_name(ti->tsrc)));
	rc |= json_object_set_new(o, "clock_steps", j_u64(ti->clock_steps));
	rc |= json_object_set_new(o, "address_changes", j_u64(ti->resolves));
	rc |= json_object_set_new(o, "params", task_params_json(p));
	if (p->type == TASK_PASSIVE) {
		rc |= json_object_set_new(o, "interfaces", passive_json(ti));
		rc |= json_object_set_new(o, "reads",
		    json_integer(ti->passive.reads));
	}
	if ((w = alerts_json(p, ti->alert_sm)) != NULL)
		rc |= json_object_set_new(o, "alerts", w);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *
kind_name(uint8_t kind)
{
	switch (kind) {
	case PROBE_K_SENT:
		return "sent";
	case PROBE_K_FATE:
		return "probe";
	case PROBE_K_DUP:
		return "duplicate";
	case PROBE_K_LATE:
		return "late";
	default:
		return "unknown";
	}
}

/* A TWAMP or STAMP reply's figures (twamp_stats.h, twamp_delays). */
static int
sample_twamp(json_t *o, const struct probe_result *r)
{
	json_t	*h;
	int	 rc = 0;

	rc |= json_object_set_new(o, "t2", j_time(r->t2));
	rc |= json_object_set_new(o, "t3", j_time(r->t3));
	rc |= json_object_set_new(o, "t4", j_time(r->t4));
	rc |= json_object_set_new(o, "forward", json_integer(r->t2 -
	    r->t_sent));
	rc |= json_object_set_new(o, "backward", json_integer(r->t4 - r->t3));
	rc |= json_object_set_new(o, "processing", json_integer(r->t3 -
	    r->t2));
	rc |= json_object_set_new(o, "reflector_seq", json_integer(r->rseq));
	if (r->twflags & PROBE_TW_SNDTTL)
		rc |= json_object_set_new(o, "sender_ttl",
		    json_integer(r->sender_ttl));
	if ((h = json_object()) != NULL) {
		rc |= json_object_set_new(h, "forward", j_hops(r->fwd_hops));
		rc |= json_object_set_new(h, "backward", j_hops(r->bwd_hops));
	}
	rc |= json_object_set_new(o, "hops", h);
	if (r->twflags & PROBE_TW_UNSYNC)
		rc |= json_object_set_new(o, "unsynchronized", json_true());
	if (r->twflags & PROBE_TW_NONCONF)
		rc |= json_object_set_new(o, "nonconformant", json_true());
	return rc;
}

json_t *
task_sample_json(const struct probe_result *r)
{
	json_t		*o;
	const char	*en;
	char		 addr[LOPA_ADDRLEN];
	int		 rc = 0, answer;

	if ((o = json_object()) == NULL)
		return NULL;
	answer = r->kind == PROBE_K_DUP || r->kind == PROBE_K_LATE ||
	    (r->kind == PROBE_K_FATE && (r->status == PROBE_OK ||
	    r->status == PROBE_REFUSED));
	rc |= json_object_set_new(o, "seq", json_integer(r->seq));
	rc |= json_object_set_new(o, "kind", json_string(kind_name(r->kind)));
	rc |= json_object_set_new(o, "status",
	    j_name(probe_status_name(r->status)));
	if (answer)
		rc |= json_object_set_new(o, "rtt", json_integer(r->rtt_ns));
	if (r->ttl != 0)
		rc |= json_object_set_new(o, "ttl", json_integer(r->ttl));
	rc |= json_object_set_new(o, "time", j_time(r->t_sent));
	if (task_addr_format(&r->from, addr, sizeof(addr)) > 0)
		rc |= json_object_set_new(o, "from", json_string(addr));
	if (r->status == PROBE_TOO_BIG && r->mtu != 0)
		rc |= json_object_set_new(o, "mtu", json_integer(r->mtu));
	if (r->status == PROBE_ERROR && r->err != 0) {
		rc |= json_object_set_new(o, "error",
		    json_string(strerror(r->err)));
		if ((en = strerrorname_np(r->err)) != NULL)
			rc |= json_object_set_new(o, "errno", json_string(en));
	}
	rc |= json_object_set_new(o, "timestamp_source",
	    j_name(ts_source_name(r->tsrc)));
	if (r->flags & PROBE_F_CLOCK_STEP)
		rc |= json_object_set_new(o, "clock_step", json_true());
	if (r->twflags & PROBE_TW_REPLY)
		rc |= sample_twamp(o, r);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
task_state_json(const struct task_event *ev)
{
	json_t	*o;
	int	 rc = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	rc |= json_object_set_new(o, "status",
	    j_name(task_status_name(ev->status)));
	if (strnlen(ev->error, sizeof(ev->error)) > 0)
		rc |= json_object_set_new(o, "error", J_STR(ev->error));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
task_state_all_json(const struct task_event *ev)
{
	json_t	*o;

	if ((o = task_state_json(ev)) == NULL)
		return NULL;
	if (json_object_set_new(o, "task_id", J_STR(ev->id)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
