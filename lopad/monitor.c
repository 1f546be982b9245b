/*
 * lopa: netlink monitors' parameters and filters (monitor.h).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "monitor.h"
#include "rtnl.h"

#define fail	task_json_fail

static const char *const type_names[] = {
	[MON_INTERFACE] = "interface",
	[MON_IP] = "ip",
	[MON_ROUTE] = "route",
};

const char *
monitor_type_name(uint32_t t)
{
	return t >= 1 && t <= MON_ROUTE ? type_names[t] : NULL;
}

const char *
monitor_change_name(uint32_t c)
{
	switch (c) {
	case RTNL_ADD:
		return "add";
	case RTNL_DELETE:
		return "delete";
	case RTNL_UPDATE:
		return "update";
	case RTNL_RESYNC:
		return "resync";
	}
	return NULL;
}

/* "a.b.c.d/n" or "x::/n" (a bare address is a host prefix). */
static int
cidr_parse(const char *s, uint8_t *family, uint8_t *len, uint8_t *addr)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long	 n;
	int		 max, i;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return -1;
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		max = 128;
	} else
		return -1;
	if (slash == NULL)
		n = (unsigned long)max;
	else {
		if (*slash < '0' || *slash > '9')
			return -1;
		errno = 0;
		n = strtoul(slash, &end, 10);
		if (errno != 0 || *end != '\0' || n > (unsigned long)max)
			return -1;
	}
	*len = (uint8_t)n;
	/* The network: host bits cleared. */
	for (i = 0; i < 16; i++) {
		if (i * 8 >= (int)n)
			addr[i] = 0;
		else if (i * 8 + 8 > (int)n)
			addr[i] &= (uint8_t)(0xff << (8 - (n - (unsigned)i * 8)));
	}
	return 0;
}

static int
cidr_text(uint8_t family, uint8_t len, const uint8_t *addr, char *buf,
    size_t size)
{
	char	 a[INET6_ADDRSTRLEN];

	if (inet_ntop(family, addr, a, sizeof(a)) == NULL)
		return -1;
	snprintf(buf, size, "%s/%u", a, len);
	return 0;
}

/* Whether addr (of family) lies in the prefix. */
static int
in_prefix(uint8_t pfam, uint8_t plen, const uint8_t *p, uint8_t family,
    const uint8_t *addr)
{
	int	 i, full = plen / 8, rest = plen % 8;

	if (pfam != family)
		return 0;
	for (i = 0; i < full; i++)
		if (addr[i] != p[i])
			return 0;
	if (rest != 0 &&
	    ((addr[full] ^ p[full]) & (uint8_t)(0xff << (8 - rest))) != 0)
		return 0;
	return 1;
}

static int
get_uint(const json_t *v, const char *field, uint64_t max, uint64_t *out,
    struct task_json_err *e)
{
	json_int_t	 n;

	if (!json_is_integer(v))
		return fail(e, field, "expected an integer, got %s",
		    task_json_typename(v));
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n > max)
		return fail(e, field, "out of range (0 to %llu)",
		    (unsigned long long)max);
	*out = (uint64_t)n;
	return 0;
}

static int
get_bool(const json_t *v, const char *field, uint32_t *out,
    struct task_json_err *e)
{
	if (!json_is_boolean(v))
		return fail(e, field, "expected true or false, got %s",
		    task_json_typename(v));
	*out = json_is_true(v);
	return 0;
}

static int
get_str(const json_t *v, const char *field, char *buf, size_t size,
    struct task_json_err *e)
{
	const char	*s;
	size_t		 i;

	if (!json_is_string(v))
		return fail(e, field, "expected a string, got %s",
		    task_json_typename(v));
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return fail(e, field, "contains a NUL character");
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(e, field, "contains a control character");
	if (strlcpy(buf, s, size) >= size)
		return fail(e, field, "longer than %zu octets", size - 1);
	return 0;
}

static int
protocol_parse(const json_t *v, uint8_t *out, struct task_json_err *e)
{
	const char	*s, *n;
	uint64_t	 u;
	int		 i;

	if (json_is_integer(v)) {
		if (get_uint(v, "filter.protocol", 255, &u, e) == -1)
			return -1;
		*out = (uint8_t)u;
		return 0;
	}
	if (!json_is_string(v))
		return fail(e, "filter.protocol", "expected a number or a "
		    "name (static, kernel, boot, dhcp, bgp...), got %s",
		    task_json_typename(v));
	s = json_string_value(v);
	for (i = 0; i < 256; i++)
		if ((n = rtnl_protocol_name((uint8_t)i)) != NULL &&
		    strcasecmp(n, s) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	return fail(e, "filter.protocol", "unknown protocol \"%.40s\" (a "
	    "number 0-255, or static, kernel, boot, dhcp, bgp, ospf...)", s);
}

static const char *const filter_keys[] = {
	"interface_name", "interface_index", "prefix", "route_table",
	"route_dst", "family", "protocol", NULL
};

static int
filter_parse(const json_t *o, struct monitor_filter *f,
    struct task_json_err *e)
{
	const char	*key, *s;
	json_t		*v;
	char		 field[TASK_JSON_FIELDLEN], buf[64];
	uint64_t	 u;
	int		 i;

	memset(f, 0, sizeof(*f));
	if (o == NULL || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return fail(e, "filter", "expected an object, got %s",
		    task_json_typename(o));
	json_object_foreach((json_t *)o, key, v) {
		for (i = 0; filter_keys[i] != NULL; i++)
			if (strcmp(key, filter_keys[i]) == 0)
				break;
		snprintf(field, sizeof(field), "filter.%.40s", key);
		if (filter_keys[i] == NULL)
			return fail(e, field, "unknown field (interface_name, "
			    "interface_index, prefix, route_table, route_dst, "
			    "family, protocol)");
		if (json_is_null(v))
			continue;
		if (strcmp(key, "interface_name") == 0) {
			if (get_str(v, field, f->ifname, sizeof(f->ifname),
			    e) == -1)
				return -1;
			if (f->ifname[0] == '\0')
				continue;
			if (!task_json_ifname_ok(f->ifname))
				return fail(e, field, "not an interface name");
			f->set |= MONF_IFNAME;
		} else if (strcmp(key, "interface_index") == 0) {
			if (get_uint(v, field, INT_MAX, &u, e) == -1)
				return -1;
			f->ifindex = (uint32_t)u;
			if (u != 0)
				f->set |= MONF_IFINDEX;
		} else if (strcmp(key, "route_table") == 0) {
			if (get_uint(v, field, UINT32_MAX, &u, e) == -1)
				return -1;
			f->table = (uint32_t)u;
			if (u != 0)
				f->set |= MONF_TABLE;
		} else if (strcmp(key, "prefix") == 0 ||
		    strcmp(key, "route_dst") == 0) {
			if (get_str(v, field, buf, sizeof(buf), e) == -1)
				return -1;
			if (buf[0] == '\0')
				continue;
			if (key[0] == 'p' ? cidr_parse(buf, &f->prefix_family,
			    &f->prefix_len, f->prefix) == -1 :
			    cidr_parse(buf, &f->dst_family, &f->dst_len,
			    f->dst) == -1)
				return fail(e, field, "\"%.50s\" is not a CIDR "
				    "prefix like 198.18.0.0/15 or 2001:db8::/32",
				    buf);
			f->set |= key[0] == 'p' ? MONF_PREFIX : MONF_DST;
		} else if (strcmp(key, "family") == 0) {
			if (!json_is_string(v))
				return fail(e, field, "expected \"inet\" or "
				    "\"inet6\", got %s", task_json_typename(v));
			s = json_string_value(v);
			if (strcmp(s, "inet") == 0 || strcmp(s, "ipv4") == 0)
				f->family = AF_INET;
			else if (strcmp(s, "inet6") == 0 ||
			    strcmp(s, "ipv6") == 0)
				f->family = AF_INET6;
			else
				return fail(e, field, "expected \"inet\" or "
				    "\"inet6\"");
			f->set |= MONF_FAMILY;
		} else {	/* protocol */
			if (protocol_parse(v, &f->protocol, e) == -1)
				return -1;
			f->set |= MONF_PROTOCOL;
		}
	}
	return 0;
}

int
monitor_filter_check(uint32_t type, const struct monitor_filter *f,
    struct task_json_err *e)
{
	if ((f->set & MONF_PREFIX) && type != MON_IP)
		return fail(e, "filter.prefix", "only for ip monitors (route "
		    "monitors have route_dst)");
	if ((f->set & (MONF_TABLE | MONF_DST | MONF_PROTOCOL)) &&
	    type != MON_ROUTE)
		return fail(e, (f->set & MONF_TABLE) ? "filter.route_table" :
		    (f->set & MONF_DST) ? "filter.route_dst" :
		    "filter.protocol", "only for route monitors");
	if ((f->set & MONF_FAMILY) && type == MON_INTERFACE)
		return fail(e, "filter.family", "only for ip and route "
		    "monitors");
	if ((f->set & MONF_FAMILY) && (f->set & MONF_DST) &&
	    f->family != f->dst_family)
		return fail(e, "filter.route_dst", "not of the family given");
	if ((f->set & MONF_FAMILY) && (f->set & MONF_PREFIX) &&
	    f->family != f->prefix_family)
		return fail(e, "filter.prefix", "not of the family given");
	return 0;
}

static const char *const body_keys[] = {
	"type", "filter", "webhook_url", "alert_callback_url",
	"webhook_secret", "enabled", "include_kernel", "event_buffer_size",
	"name", "labels", NULL
};

int
monitor_params_from_json(const json_t *o, int patch,
    struct monitor_params *p, struct task_json_err *e)
{
	const char	*key, *s;
	json_t		*v;
	uint64_t	 u;
	int		 i;

	memset(p, 0, sizeof(*p));
	memset(e, 0, sizeof(*e));
	p->enabled = 1;
	if (!json_is_object(o))
		return fail(e, NULL, "the body is not a JSON object");
	/* Unknown fields are refused: a typo must not pass silently. */
	json_object_foreach((json_t *)o, key, v) {
		for (i = 0; body_keys[i] != NULL; i++)
			if (strcmp(key, body_keys[i]) == 0)
				break;
		if (body_keys[i] == NULL)
			return fail(e, key, "unknown field");
	}
	v = json_object_get(o, "type");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v))
			return fail(e, "type", "expected \"interface\", \"ip\" "
			    "or \"route\", got %s", task_json_typename(v));
		s = json_string_value(v);
		for (i = MON_INTERFACE; i <= MON_ROUTE; i++)
			if (strcmp(s, type_names[i]) == 0)
				p->type = (uint32_t)i;
		if (p->type == 0)
			return fail(e, "type", "\"%.40s\": expected "
			    "\"interface\", \"ip\" or \"route\"", s);
		p->given |= MONP_TYPE;
	} else if (!patch)
		return fail(e, "type", "required: \"interface\", \"ip\" or "
		    "\"route\"");
	if ((v = json_object_get(o, "filter")) != NULL) {
		/* A PATCH's against the monitor's type, by the engine. */
		if (filter_parse(v, &p->filter, e) == -1 || (p->type != 0 &&
		    monitor_filter_check(p->type, &p->filter, e) == -1))
			return -1;
		p->given |= MONP_FILTER;
	}
	if ((v = json_object_get(o, "alert_callback_url")) != NULL &&
	    !json_is_null(v)) {
		if (json_object_get(o, "webhook_url") != NULL)
			return fail(e, "webhook_url", "give webhook_url or "
			    "alert_callback_url, not both");
	} else
		v = json_object_get(o, "webhook_url");
	if (v != NULL && !json_is_null(v)) {
		if (get_str(v, "webhook_url", p->webhook_url,
		    sizeof(p->webhook_url), e) == -1)
			return -1;
		if (p->webhook_url[0] != '\0' &&
		    !task_json_url_ok(p->webhook_url))
			return fail(e, "webhook_url", "not an http or https "
			    "URL");
		p->given |= MONP_URL;
	} else if (v != NULL)
		p->given |= MONP_URL;
	if ((v = json_object_get(o, "webhook_secret")) != NULL) {
		if (!json_is_null(v) && get_str(v, "webhook_secret",
		    p->webhook_secret, sizeof(p->webhook_secret), e) == -1)
			return -1;
		p->given |= MONP_SECRET;
	}
	if ((v = json_object_get(o, "enabled")) != NULL && !json_is_null(v)) {
		if (get_bool(v, "enabled", &p->enabled, e) == -1)
			return -1;
		p->given |= MONP_ENABLED;
	}
	if ((v = json_object_get(o, "include_kernel")) != NULL &&
	    !json_is_null(v)) {
		if (get_bool(v, "include_kernel", &p->include_kernel, e) == -1)
			return -1;
		p->given |= MONP_KERNEL;
	}
	if ((v = json_object_get(o, "event_buffer_size")) != NULL &&
	    !json_is_null(v)) {
		if (get_uint(v, "event_buffer_size", MON_BUFFER_MAX, &u,
		    e) == -1)
			return -1;
		if (u == 0)
			return fail(e, "event_buffer_size", "at least 1");
		p->event_buffer_size = (uint32_t)u;
		p->given |= MONP_BUFFER;
	}
	if ((v = json_object_get(o, "name")) != NULL && !json_is_null(v)) {
		if (get_str(v, "name", p->name, sizeof(p->name), e) == -1)
			return -1;
		p->given |= MONP_NAME;
	}
	if ((v = json_object_get(o, "labels")) != NULL) {
		if (!json_is_null(v) && task_json_labels(v, p->labels,
		    sizeof(p->labels), &p->labels_len, e) == -1)
			return -1;
		p->given |= MONP_LABELS;
	}
	if (!patch && p->webhook_secret[0] != '\0' &&
	    p->webhook_url[0] == '\0')
		return fail(e, "webhook_secret", "needs webhook_url too");
	return 0;
}

int
monitor_params_parse(const char *buf, size_t len, int patch,
    struct monitor_params *p, struct task_json_err *e)
{
	json_error_t	 jerr;
	json_t		*o;
	int		 rc;

	memset(p, 0, sizeof(*p));
	memset(e, 0, sizeof(*e));
	if (len == 0)
		return fail(e, NULL, "an empty body: expected a JSON object");
	if ((o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return fail(e, NULL, "not JSON: %s (line %d, column %d)",
		    jerr.text, jerr.line, jerr.column);
	rc = monitor_params_from_json(o, patch, p, e);
	json_decref(o);
	return rc;
}

void
monitor_params_patch(struct monitor_params *p, const struct monitor_params *q)
{
	if (q->given & MONP_FILTER)
		p->filter = q->filter;
	if (q->given & MONP_URL) {
		memcpy(p->webhook_url, q->webhook_url, sizeof(p->webhook_url));
		if (p->webhook_url[0] == '\0')
			explicit_bzero(p->webhook_secret,
			    sizeof(p->webhook_secret));
	}
	if (q->given & MONP_SECRET)
		memcpy(p->webhook_secret, q->webhook_secret,
		    sizeof(p->webhook_secret));
	if (q->given & MONP_ENABLED)
		p->enabled = q->enabled;
	if (q->given & MONP_KERNEL)
		p->include_kernel = q->include_kernel;
	if (q->given & MONP_BUFFER)
		p->event_buffer_size = q->event_buffer_size;
	if (q->given & MONP_NAME)
		memcpy(p->name, q->name, sizeof(p->name));
	if (q->given & MONP_LABELS) {
		memcpy(p->labels, q->labels, sizeof(p->labels));
		p->labels_len = q->labels_len;
	}
}

json_t *
monitor_filter_json(const struct monitor_filter *f)
{
	json_t	*o;
	char	 buf[64];
	int	 rc = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	if (f->set & MONF_IFNAME)
		rc |= json_object_set_new(o, "interface_name",
		    json_string(f->ifname));
	if (f->set & MONF_IFINDEX)
		rc |= json_object_set_new(o, "interface_index",
		    json_integer(f->ifindex));
	if ((f->set & MONF_PREFIX) && cidr_text(f->prefix_family,
	    f->prefix_len, f->prefix, buf, sizeof(buf)) == 0)
		rc |= json_object_set_new(o, "prefix", json_string(buf));
	if (f->set & MONF_TABLE)
		rc |= json_object_set_new(o, "route_table",
		    json_integer(f->table));
	if ((f->set & MONF_DST) && cidr_text(f->dst_family, f->dst_len,
	    f->dst, buf, sizeof(buf)) == 0)
		rc |= json_object_set_new(o, "route_dst", json_string(buf));
	if (f->set & MONF_FAMILY)
		rc |= json_object_set_new(o, "family", json_string(
		    f->family == AF_INET ? "inet" : "inet6"));
	if (f->set & MONF_PROTOCOL) {
		if (rtnl_protocol_name(f->protocol) != NULL)
			rc |= json_object_set_new(o, "protocol", json_string(
			    rtnl_protocol_name(f->protocol)));
		else
			rc |= json_object_set_new(o, "protocol",
			    json_integer(f->protocol));
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
monitor_params_json(const struct monitor_params *p, int secret)
{
	json_t	*o, *f, *l;
	int	 rc = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	if ((f = monitor_filter_json(&p->filter)) == NULL) {
		json_decref(o);
		return NULL;
	}
	rc |= json_object_set_new(o, "type",
	    json_string(monitor_type_name(p->type) != NULL ?
	    monitor_type_name(p->type) : "?"));
	if (p->name[0] != '\0')
		rc |= json_object_set_new(o, "name", json_stringn(p->name,
		    strnlen(p->name, sizeof(p->name))));
	rc |= json_object_set_new(o, "filter", f);
	if (p->webhook_url[0] != '\0')
		rc |= json_object_set_new(o, "webhook_url", json_stringn(
		    p->webhook_url, strnlen(p->webhook_url,
		    sizeof(p->webhook_url))));
	if (secret && p->webhook_secret[0] != '\0')
		rc |= json_object_set_new(o, "webhook_secret", json_stringn(
		    p->webhook_secret, strnlen(p->webhook_secret,
		    sizeof(p->webhook_secret))));
	rc |= json_object_set_new(o, "enabled", json_boolean(p->enabled));
	rc |= json_object_set_new(o, "include_kernel",
	    json_boolean(p->include_kernel));
	if (p->event_buffer_size != 0)
		rc |= json_object_set_new(o, "event_buffer_size",
		    json_integer(p->event_buffer_size));
	if ((l = task_json_labels_out(p->labels, p->labels_len)) != NULL)
		rc |= json_object_set_new(o, "labels", l);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const enum rtnl_kind kind_of[] = {
	[MON_INTERFACE] = RTNL_LINK,
	[MON_IP] = RTNL_ADDR,
	[MON_ROUTE] = RTNL_ROUTE,
};

static int
name_match(const char *pat, const char *name)
{
	return name[0] != '\0' && fnmatch(pat, name, 0) == 0;
}

/* The interface part of the filter, for every type. */
static int
if_match(const struct monitor_filter *f, const struct nl_event *ev)
{
	int	 i, n = ev->nnh < NL_NH_MAX ? ev->nnh : NL_NH_MAX;

	if (f->set & MONF_IFINDEX) {
		for (i = 0; i < n; i++)
			if (ev->nh_ifindex[i] == f->ifindex)
				break;
		if (ev->ifindex != f->ifindex && i == n)
			return 0;
	}
	if (f->set & MONF_IFNAME) {
		for (i = 0; i < n; i++)
			if (name_match(f->ifname, ev->nh_ifname[i]))
				break;
		if (!name_match(f->ifname, ev->ifname) &&
		    !name_match(f->ifname, ev->oldname) && i == n)
			return 0;
	}
	return 1;
}

int
monitor_match(const struct monitor_params *p, const struct nl_event *ev)
{
	const struct monitor_filter	*f = &p->filter;

	if (!p->enabled || p->type < MON_INTERFACE || p->type > MON_ROUTE ||
	    ev->kind != kind_of[p->type])
		return 0;
	if (ev->kernel && !p->include_kernel)
		return 0;
	if (!if_match(f, ev))
		return 0;
	if ((f->set & MONF_FAMILY) && ev->family != f->family)
		return 0;
	if ((f->set & MONF_PREFIX) && !in_prefix(f->prefix_family,
	    f->prefix_len, f->prefix, ev->family, ev->addr))
		return 0;
	if ((f->set & MONF_TABLE) && ev->table != f->table)
		return 0;
	/* The destination network lies in the prefix: as long, or longer. */
	if ((f->set & MONF_DST) && (ev->plen < f->dst_len ||
	    !in_prefix(f->dst_family, f->dst_len, f->dst, ev->family,
	    ev->addr)))
		return 0;
	if ((f->set & MONF_PROTOCOL) && ev->protocol != f->protocol)
		return 0;
	return 1;
}
