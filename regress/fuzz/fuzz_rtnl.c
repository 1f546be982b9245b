/*
 * libFuzzer target: what a NETLINK_ROUTE socket delivers, a stream of
 * messages.  The whole input is parsed as one message (at an odd address,
 * as a read buffer may hold it), then walked message by message through
 * a small state: applied, then again as a resync's dump (every other
 * message), each event checked and rendered as JSON that must parse.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rtnl.h"

#define MAX_ROUTES	8	/* small: the overflow path runs too */

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
terminated(const char *s)
{
	return memchr(s, '\0', RTNL_NAMELEN) != NULL;
}

static void
check_obj(uint8_t kind, const union rtnl_obj *o)
{
	switch (kind) {
	case RTNL_LINK:
		if (!terminated(o->link.name) || !terminated(o->link.kind) ||
		    o->link.hwaddr_len > RTNL_HWADDR_MAX)
			abort();
		break;
	case RTNL_ADDR:
		if (!terminated(o->addr.label) || !terminated(o->addr.ifname))
			abort();
		if (o->addr.family == AF_INET ? o->addr.prefixlen > 32 :
		    o->addr.family != AF_INET6 || o->addr.prefixlen > 128)
			abort();
		break;
	case RTNL_ROUTE:
		if (!terminated(o->route.ifname) ||
		    (o->route.nnh > 0) != (o->route.nh != NULL) ||
		    o->route.nnh > 256)
			abort();
		if (o->route.family != AF_INET && o->route.family != AF_INET6)
			abort();
		if (o->route.dst_len > (o->route.family == AF_INET ? 32 : 128))
			abort();
		break;
	default:
		abort();
	}
}

static void
check_event(const struct rtnl_event *ev, void *arg)
{
	json_error_t	 err;
	json_t		*j;
	char		*s, *w;
	size_t		 len;
	uint64_t	*n = arg;

	(*n)++;
	switch (ev->change) {
	case RTNL_ADD:
		if (ev->old != NULL || ev->new == NULL || ev->changed != 0)
			abort();
		break;
	case RTNL_DELETE:
		if (ev->old == NULL || ev->new != NULL || ev->changed != 0)
			abort();
		break;
	case RTNL_UPDATE:
		if (ev->old == NULL || ev->new == NULL || ev->changed == 0)
			abort();
		break;
	default:
		abort();
	}
	if (ev->kernel && ev->kind != RTNL_ROUTE)
		abort();
	if (ev->old != NULL)
		check_obj(ev->kind, ev->old);
	if (ev->new != NULL)
		check_obj(ev->kind, ev->new);

	if ((s = rtnl_event_json(ev)) == NULL)
		abort();
	len = strlen(s);
	if ((w = malloc(len + 3)) == NULL)
		abort();
	w[0] = '{';
	memcpy(w + 1, s, len);
	w[len + 1] = '}';
	w[len + 2] = '\0';
	if ((j = json_loads(w, JSON_REJECT_DUPLICATES, &err)) == NULL ||
	    !json_is_object(json_object_get(j, "detail")))
		abort();
	json_decref(j);
	free(w);
	free(s);
}

static void
count_link(const struct rtnl_link *l, void *arg)
{
	uint64_t	*n = arg;

	if (!terminated(l->name))
		abort();
	(*n)++;
}

static void
view_addr(const struct rtnl_addr *a, void *arg)
{
	json_t	*j;

	check_obj(RTNL_ADDR, (const union rtnl_obj *)a);
	if ((j = rtnl_obj_json(RTNL_ADDR, (const union rtnl_obj *)a)) == NULL)
		abort();
	json_decref(j);
	(*(uint64_t *)arg)++;
}

static void
view_route(const struct rtnl_route *r, void *arg)
{
	json_t	*j;

	check_obj(RTNL_ROUTE, (const union rtnl_obj *)r);
	if ((j = rtnl_obj_json(RTNL_ROUTE, (const union rtnl_obj *)r)) ==
	    NULL)
		abort();
	json_decref(j);
	(void)rtnl_route_is_kernel(r);
	(*(uint64_t *)arg)++;
}

/* Each whole message of the stream in turn (every other one: step 2). */
static void
walk(struct rtnl_state *st, const uint8_t *data, size_t size, int step,
    uint64_t *events)
{
	struct nlmsghdr	 nh;
	size_t		 off = 0, next;
	int		 i = 0, rc, flags;

	while (size - off >= sizeof(nh)) {
		memcpy(&nh, data + off, sizeof(nh));
		if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > size - off)
			break;
		if (i++ % step == 0) {
			flags = (nh.nlmsg_seq & 1) ? RTNL_QUIET : 0;
			rc = rtnl_state_apply(st, data + off, nh.nlmsg_len,
			    flags, check_event, events);
			if (rc == -1 && errno != EINVAL)
				abort();
		}
		next = NLMSG_ALIGN(nh.nlmsg_len);
		if (next >= size - off)
			break;
		off += next;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtnl_state	*st;
	struct rtnl_counters	 c;
	union rtnl_obj		 o;
	uint8_t			*odd, kind;
	uint64_t		 events = 0, before, links = 0, addrs = 0;
	uint64_t		 routes = 0;
	int			 del, rc;

	/* One message, at an odd address. */
	if ((odd = malloc(size + 1)) == NULL)
		return 0;
	memcpy(odd + 1, data, size);
	rc = rtnl_parse(odd + 1, size, &kind, &del, &o);
	if (rc == 0) {
		check_obj(kind, &o);
		rtnl_obj_clear(kind, &o);
	} else if (rc == -1 && errno != EINVAL)
		abort();
	free(odd);

	if ((st = rtnl_state_new(MAX_ROUTES)) == NULL)
		return 0;
	walk(st, data, size, 1, &events);

	/* A resync that sees half of it. */
	rtnl_state_resync_begin(st);
	before = events;
	walk(st, data, size, 2, &events);
	if (rtnl_state_resync_end(st, check_event, &events) !=
	    events - before)
		abort();

	rtnl_state_counters(st, &c);
	rtnl_state_links(st, count_link, &links);
	rtnl_state_addrs(st, view_addr, &addrs);
	rtnl_state_routes(st, view_route, &routes);
	if (links != c.links || addrs != c.addrs || routes != c.routes ||
	    c.routes > MAX_ROUTES)
		abort();
	rtnl_state_free(st);
	return 0;
}
