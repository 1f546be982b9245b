/*
 * Unit tests: rtnetlink parsing, state and events (lopad/rtnl.c).
 * Messages are built byte by byte, in host order as netlink has them.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "rtnl.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define ETHER		1	/* ARPHRD_ETHER */
#define LOWER_UP	0x10000	/* IFF_LOWER_UP: <linux/if.h> clashes */
#define LINK_UP		(IFF_UP | IFF_BROADCAST | IFF_MULTICAST | \
			 IFF_RUNNING | LOWER_UP)

/* IF_OPER_* of <linux/if.h>. */
#define OPER_UNKNOWN	0
#define OPER_DOWN	2
#define OPER_LLDOWN	3
#define OPER_UP		6

/*
 * Message builder.  Nested attributes and rtnexthops both start with
 * their 16-bit length, which nest_end() fills in.
 */
struct msg {
	uint8_t		 b[16384];
	size_t		 len;
	size_t		 open[8];
	int		 depth;
};

static void
put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->len + n <= sizeof(m->b));
	if (n > 0)
		memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void
pad(struct msg *m)
{
	while (m->len % 4 != 0)
		m->b[m->len++] = 0;
}

/* Sets nlmsg_len to what has been built; returns it. */
static size_t
fin(struct msg *m)
{
	uint32_t	 len = (uint32_t)m->len;

	assert_int_equal(m->depth, 0);
	memcpy(m->b, &len, sizeof(len));
	return m->len;
}

static void
msg_init(struct msg *m, uint16_t type, const void *fam, size_t famlen)
{
	struct nlmsghdr	 nh;

	memset(m, 0, sizeof(*m));
	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_type = type;
	nh.nlmsg_seq = 7;
	put(m, &nh, sizeof(nh));
	put(m, fam, famlen);
	pad(m);
	fin(m);
}

static void
attr(struct msg *m, uint16_t type, const void *data, size_t n)
{
	struct rtattr	 rta;

	rta.rta_len = (unsigned short)RTA_LENGTH(n);
	rta.rta_type = type;
	put(m, &rta, sizeof(rta));
	put(m, data, n);
	pad(m);
}

static void
attr_u8(struct msg *m, uint16_t type, uint8_t v)
{
	attr(m, type, &v, sizeof(v));
}

static void
attr_u32(struct msg *m, uint16_t type, uint32_t v)
{
	attr(m, type, &v, sizeof(v));
}

static void
attr_str(struct msg *m, uint16_t type, const char *s)
{
	attr(m, type, s, strlen(s) + 1);
}

static size_t
pton(int af, const char *s, uint8_t *a)
{
	memset(a, 0, 16);
	assert_int_equal(inet_pton(af, s, a), 1);
	return af == AF_INET6 ? 16 : 4;
}

static void
attr_ip(struct msg *m, uint16_t type, int af, const char *s)
{
	uint8_t	 a[16];

	attr(m, type, a, pton(af, s, a));
}

static void
attr_via(struct msg *m, int af, const char *s)
{
	uint8_t		 v[18];
	uint16_t	 fam = (uint16_t)af;

	memcpy(v, &fam, sizeof(fam));
	attr(m, RTA_VIA, v, 2 + pton(af, s, v + 2));
}

static void
nest_begin(struct msg *m, uint16_t type)
{
	struct rtattr	 rta;

	assert_true(m->depth < (int)NITEMS(m->open));
	m->open[m->depth++] = m->len;
	rta.rta_len = 0;
	rta.rta_type = type;
	put(m, &rta, sizeof(rta));
}

static void
nh_begin(struct msg *m, uint8_t flags, uint8_t hops, uint32_t ifindex)
{
	struct rtnexthop rtnh;

	assert_true(m->depth < (int)NITEMS(m->open));
	m->open[m->depth++] = m->len;
	memset(&rtnh, 0, sizeof(rtnh));
	rtnh.rtnh_flags = flags;
	rtnh.rtnh_hops = hops;
	rtnh.rtnh_ifindex = (int)ifindex;
	put(m, &rtnh, sizeof(rtnh));
}

static void
nest_end(struct msg *m)
{
	size_t		 off;
	uint16_t	 len;

	assert_true(m->depth > 0);
	off = m->open[--m->depth];
	len = (uint16_t)(m->len - off);
	memcpy(m->b + off, &len, sizeof(len));
}

/* Links. */
struct lspec {
	uint8_t		 family;
	uint32_t	 ifindex;
	uint32_t	 flags;
	uint32_t	 mtu;
	uint32_t	 master;
	uint32_t	 carrier;
	uint8_t		 oper;
	const char	*name;
	const char	*kind;
	uint8_t		 mac[6];
	uint64_t	 rx_bytes;
};

static struct lspec
eth(uint32_t ifindex, const char *name)
{
	struct lspec	 l;

	memset(&l, 0, sizeof(l));
	l.family = AF_UNSPEC;
	l.ifindex = ifindex;
	l.flags = LINK_UP;
	l.mtu = 1500;
	l.oper = OPER_UP;
	l.name = name;
	l.mac[0] = 0x02;
	l.mac[5] = (uint8_t)ifindex;
	l.carrier = 1;
	l.rx_bytes = 1000;
	return l;
}

static void
link_msg(struct msg *m, uint16_t type, const struct lspec *l)
{
	struct ifinfomsg		 ifi;
	struct rtnl_link_stats64	 s;

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = l->family;
	ifi.ifi_type = ETHER;
	ifi.ifi_index = (int)l->ifindex;
	ifi.ifi_flags = l->flags;
	ifi.ifi_change = 0xffffffff;
	msg_init(m, type, &ifi, sizeof(ifi));
	attr_str(m, IFLA_IFNAME, l->name);
	attr_u32(m, IFLA_MTU, l->mtu);
	attr_u8(m, IFLA_OPERSTATE, l->oper);
	attr(m, IFLA_ADDRESS, l->mac, sizeof(l->mac));
	attr_u32(m, IFLA_CARRIER_CHANGES, l->carrier);
	if (l->master != 0)
		attr_u32(m, IFLA_MASTER, l->master);
	if (l->kind != NULL) {
		nest_begin(m, IFLA_LINKINFO);
		attr_str(m, IFLA_INFO_KIND, l->kind);
		nest_end(m);
	}
	memset(&s, 0, sizeof(s));
	s.rx_bytes = l->rx_bytes;
	s.tx_bytes = 2 * l->rx_bytes;
	s.rx_nohandler = 3;
	attr(m, IFLA_STATS64, &s, sizeof(s));
	fin(m);
}

/* Addresses. */
struct aspec {
	uint8_t		 family;
	uint8_t		 prefixlen;
	uint8_t		 scope;
	uint8_t		 flags8;
	uint32_t	 ifindex;
	uint32_t	 flags32;	/* IFA_FLAGS when not 0 */
	const char	*local;
	const char	*address;
	const char	*label;
	uint32_t	 valid_lft;
};

static struct aspec
inet(uint32_t ifindex, const char *a, uint8_t plen)
{
	struct aspec	 s;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.ifindex = ifindex;
	s.local = a;
	s.address = a;
	s.prefixlen = plen;
	s.flags8 = IFA_F_PERMANENT;
	s.valid_lft = 0xffffffff;
	return s;
}

static struct aspec
inet6(uint32_t ifindex, const char *a, uint8_t plen)
{
	struct aspec	 s;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET6;
	s.ifindex = ifindex;
	s.address = a;
	s.prefixlen = plen;
	s.flags8 = IFA_F_PERMANENT;
	s.flags32 = IFA_F_PERMANENT;
	s.valid_lft = 0xffffffff;
	return s;
}

static void
addr_msg(struct msg *m, uint16_t type, const struct aspec *a)
{
	struct ifaddrmsg	 ifa;
	struct ifa_cacheinfo	 ci;

	memset(&ifa, 0, sizeof(ifa));
	ifa.ifa_family = a->family;
	ifa.ifa_prefixlen = a->prefixlen;
	ifa.ifa_flags = a->flags8;
	ifa.ifa_scope = a->scope;
	ifa.ifa_index = a->ifindex;
	msg_init(m, type, &ifa, sizeof(ifa));
	if (a->address != NULL)
		attr_ip(m, IFA_ADDRESS, a->family, a->address);
	if (a->local != NULL)
		attr_ip(m, IFA_LOCAL, a->family, a->local);
	if (a->label != NULL)
		attr_str(m, IFA_LABEL, a->label);
	memset(&ci, 0, sizeof(ci));
	ci.ifa_valid = a->valid_lft;
	ci.ifa_prefered = a->valid_lft;
	attr(m, IFA_CACHEINFO, &ci, sizeof(ci));
	if (a->flags32 != 0)
		attr_u32(m, IFA_FLAGS, a->flags32);
	fin(m);
}

/* Routes. */
struct nhspec {
	const char	*gw;
	int		 gw_af;
	uint32_t	 ifindex;
	uint8_t		 hops;
	uint8_t		 flags;
	int		 via;		/* RTA_VIA, not RTA_GATEWAY */
};

struct rspec {
	uint8_t		 family;
	uint8_t		 dst_len;
	uint8_t		 src_len;
	uint8_t		 table8;
	uint8_t		 protocol;
	uint8_t		 scope;
	uint8_t		 type;
	uint32_t	 flags;
	uint32_t	 table;		/* RTA_TABLE when not 0 */
	uint32_t	 priority;
	uint32_t	 oif;
	const char	*dst;
	const char	*src;
	const char	*gw;
	const char	*via6;		/* RTA_VIA of AF_INET6 */
	const char	*prefsrc;
	int		 pref;		/* RTA_PREF + 1 when not 0 */
	struct nhspec	 nh[4];
	int		 nnh;
	int		 replace;	/* NLM_F_REPLACE */
};

static struct rspec
route4(const char *dst, uint8_t len, const char *gw, uint32_t oif)
{
	struct rspec	 r;

	memset(&r, 0, sizeof(r));
	r.family = AF_INET;
	r.dst = dst;
	r.dst_len = len;
	r.gw = gw;
	r.oif = oif;
	r.table8 = RT_TABLE_MAIN;
	r.table = RT_TABLE_MAIN;
	r.protocol = RTPROT_STATIC;
	r.scope = gw != NULL ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	r.type = RTN_UNICAST;
	return r;
}

static struct rspec
route6(const char *dst, uint8_t len, const char *gw, uint32_t oif)
{
	struct rspec	 r;

	r = route4(dst, len, gw, oif);
	r.family = AF_INET6;
	r.scope = RT_SCOPE_UNIVERSE;
	r.priority = 1024;
	r.pref = 1;		/* medium */
	return r;
}

static void
route_msg(struct msg *m, uint16_t type, const struct rspec *r)
{
	struct rtmsg	 rtm;
	int		 i;

	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = r->family;
	rtm.rtm_dst_len = r->dst_len;
	rtm.rtm_src_len = r->src_len;
	rtm.rtm_table = r->table8;
	rtm.rtm_protocol = r->protocol;
	rtm.rtm_scope = r->scope;
	rtm.rtm_type = r->type;
	rtm.rtm_flags = r->flags;
	msg_init(m, type, &rtm, sizeof(rtm));
	if (r->replace) {
		uint16_t	 fl = NLM_F_REPLACE | NLM_F_CREATE;

		memcpy(m->b + offsetof(struct nlmsghdr, nlmsg_flags), &fl,
		    sizeof(fl));
	}
	if (r->table != 0)
		attr_u32(m, RTA_TABLE, r->table);
	if (r->dst != NULL && r->dst_len > 0)
		attr_ip(m, RTA_DST, r->family, r->dst);
	if (r->src != NULL)
		attr_ip(m, RTA_SRC, r->family, r->src);
	if (r->priority != 0)
		attr_u32(m, RTA_PRIORITY, r->priority);
	if (r->prefsrc != NULL)
		attr_ip(m, RTA_PREFSRC, r->family, r->prefsrc);
	if (r->gw != NULL)
		attr_ip(m, RTA_GATEWAY, r->family, r->gw);
	if (r->via6 != NULL)
		attr_via(m, AF_INET6, r->via6);
	if (r->oif != 0)
		attr_u32(m, RTA_OIF, r->oif);
	if (r->pref != 0)
		attr_u8(m, RTA_PREF, (uint8_t)(r->pref - 1));
	if (r->nnh > 0) {
		nest_begin(m, RTA_MULTIPATH);
		for (i = 0; i < r->nnh; i++) {
			nh_begin(m, r->nh[i].flags, r->nh[i].hops,
			    r->nh[i].ifindex);
			if (r->nh[i].via)
				attr_via(m, r->nh[i].gw_af, r->nh[i].gw);
			else if (r->nh[i].gw != NULL)
				attr_ip(m, RTA_GATEWAY, r->nh[i].gw_af,
				    r->nh[i].gw);
			nest_end(m);
		}
		nest_end(m);
	}
	fin(m);
}

/*
 * Events as the callback saw them, with their JSON parsed (wrapped in
 * the braces the fragment leaves out).
 */
struct ev {
	uint8_t		 kind, change, kernel;
	uint32_t	 changed;
	int		 has_old, has_new;
	union rtnl_obj	 old, new;
	char		*frag;
	json_t		*j;
};

struct cap {
	size_t		 n;
	struct ev	 e[32];
};

static void
capture(const struct rtnl_event *rev, void *arg)
{
	struct cap	*c = arg;
	struct ev	*e;
	json_error_t	 err;
	char		*w;

	assert_true(c->n < NITEMS(c->e));
	e = &c->e[c->n++];
	memset(e, 0, sizeof(*e));
	e->kind = rev->kind;
	e->change = rev->change;
	e->kernel = rev->kernel;
	e->changed = rev->changed;
	if (rev->old != NULL) {
		e->has_old = 1;
		e->old = *rev->old;
		/* The next hops are freed after the call. */
		if (rev->kind == RTNL_ROUTE)
			e->old.route.nh = NULL;
	}
	if (rev->new != NULL) {
		e->has_new = 1;
		e->new = *rev->new;
		if (rev->kind == RTNL_ROUTE)
			e->new.route.nh = NULL;
	}
	e->frag = rtnl_event_json(rev);
	assert_non_null(e->frag);
	assert_int_equal(e->frag[0], '"');
	assert_true(asprintf(&w, "{%s}", e->frag) > 0);
	e->j = json_loads(w, JSON_REJECT_DUPLICATES, &err);
	if (e->j == NULL)
		fail_msg("%s: %s", w, err.text);
	free(w);
}

static void
cap_reset(struct cap *c)
{
	size_t	 i;

	for (i = 0; i < c->n; i++) {
		json_decref(c->e[i].j);
		free(c->e[i].frag);
	}
	memset(c, 0, sizeof(*c));
}

/* A value by path: "new.mtu", "detail.nexthops.1.gw". */
static json_t *
jp(json_t *root, const char *path)
{
	char	 buf[128], *tok, *save = NULL;
	json_t	*v = root;

	assert_true(strlen(path) < sizeof(buf));
	strcpy(buf, path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL && v != NULL;
	    tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, strtoul(tok, NULL, 10));
		else
			v = json_object_get(v, tok);
	}
	return v;
}

static const char *
js(json_t *root, const char *path)
{
	json_t	*v = jp(root, path);

	if (v == NULL || !json_is_string(v))
		fail_msg("%s: not a string", path);
	return json_string_value(v);
}

static long long
ji(json_t *root, const char *path)
{
	json_t	*v = jp(root, path);

	if (v == NULL || !json_is_integer(v))
		fail_msg("%s: not an integer", path);
	return json_integer_value(v);
}

static size_t
jsize(json_t *root, const char *path)
{
	json_t	*v = jp(root, path);

	if (v == NULL)
		fail_msg("%s: missing", path);
	return json_is_array(v) ? json_array_size(v) : json_object_size(v);
}

/* Is name one of the strings of the array at path? */
static int
jhas(json_t *root, const char *path, const char *name)
{
	json_t	*a = jp(root, path), *v;
	size_t	 i;

	if (a == NULL || !json_is_array(a))
		return 0;
	json_array_foreach(a, i, v)
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), name) == 0)
			return 1;
	return 0;
}

static int
apply(struct rtnl_state *st, struct msg *m, struct cap *c)
{
	return rtnl_state_apply(st, m->b, fin(m), 0, capture, c);
}

struct fixture {
	struct rtnl_state	*st;
	struct cap		 c;
	struct msg		 m;
};

static int
setup(void **state)
{
	struct fixture	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->st = rtnl_state_new(1000);
	assert_non_null(f->st);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	cap_reset(&f->c);
	rtnl_state_free(f->st);
	free(f);
	return 0;
}

/* Adds link ifindex with name, then forgets its event. */
static void
have_link(struct fixture *f, uint32_t ifindex, const char *name)
{
	struct lspec	 l = eth(ifindex, name);

	link_msg(&f->m, RTM_NEWLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	cap_reset(&f->c);
}

static struct rtnl_counters
counters(struct fixture *f)
{
	struct rtnl_counters	 c;

	rtnl_state_counters(f->st, &c);
	return c;
}

/*
 * Links.
 */

static void
test_link_add_has_full_detail(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(2, "eth0");
	json_t		*j;

	l.kind = "veth";
	l.master = 7;
	link_msg(&f->m, RTM_NEWLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].kind, RTNL_LINK);
	assert_int_equal(f->c.e[0].change, RTNL_ADD);
	assert_int_equal(f->c.e[0].kernel, 0);
	assert_false(f->c.e[0].has_old);
	j = f->c.e[0].j;
	assert_int_equal(ji(j, "detail.index"), 2);
	assert_string_equal(js(j, "detail.name"), "eth0");
	assert_string_equal(js(j, "detail.flags"),
	    "up|broadcast|multicast|running");
	assert_int_equal(ji(j, "detail.mtu"), 1500);
	assert_string_equal(js(j, "detail.oper_state"), "up");
	assert_int_equal(ji(j, "detail.master"), 7);
	assert_string_equal(js(j, "detail.kind"), "veth");
	assert_string_equal(js(j, "detail.mac"), "02:00:00:00:00:02");
	assert_int_equal(ji(j, "detail.carrier_changes"), 1);
	assert_int_equal(ji(j, "detail.type"), ETHER);
	assert_null(jp(j, "old"));
	/* An add's new is the whole detail. */
	assert_true(json_equal(jp(j, "new"), jp(j, "detail")));
	assert_int_equal(counters(f).links, 1);
	assert_non_null(rtnl_state_link(f->st, 2));
	assert_int_equal(rtnl_state_link(f->st, 2)->stats.rx_bytes, 1000);
	assert_int_equal(rtnl_state_link(f->st, 2)->stats.rx_nohandler, 3);
	assert_true(rtnl_state_link(f->st, 2)->has_stats);
}

static void
test_link_without_extras_omits_them(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(1, "lo");
	json_t		*j;

	l.flags = 0;
	l.mtu = 0;
	link_msg(&f->m, RTM_NEWLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	j = f->c.e[0].j;
	assert_null(jp(j, "detail.flags"));
	assert_null(jp(j, "detail.mtu"));
	assert_null(jp(j, "detail.master"));
	assert_null(jp(j, "detail.kind"));
	assert_string_equal(js(j, "detail.oper_state"), "up");
}

/* One update of a link; checks the changed bit and old and new. */
static void
link_update(struct fixture *f, const struct lspec *l, uint32_t bit,
    const char *key)
{
	json_t	*j;

	cap_reset(&f->c);
	link_msg(&f->m, RTM_NEWLINK, l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_UPDATE);
	assert_int_equal(f->c.e[0].changed, bit);
	assert_true(f->c.e[0].has_old && f->c.e[0].has_new);
	j = f->c.e[0].j;
	assert_int_equal(jsize(j, "old"), 1);
	assert_int_equal(jsize(j, "new"), 1);
	assert_non_null(json_object_get(jp(j, "old"), key));
	assert_non_null(json_object_get(jp(j, "new"), key));
	/* detail is the newest record, in full. */
	assert_int_equal(ji(j, "detail.index"), l->ifindex);
	assert_string_equal(js(j, "detail.name"), l->name);
}

static void
test_link_update_each_attribute(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(2, "eth0");
	json_t		*j;

	link_msg(&f->m, RTM_NEWLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);

	l.mtu = 1400;
	link_update(f, &l, RTNL_A_MTU, "mtu");
	j = f->c.e[0].j;
	assert_int_equal(ji(j, "old.mtu"), 1500);
	assert_int_equal(ji(j, "new.mtu"), 1400);
	assert_int_equal(ji(j, "detail.mtu"), 1400);
	assert_int_equal(f->c.e[0].old.link.mtu, 1500);
	assert_int_equal(f->c.e[0].new.link.mtu, 1400);

	l.oper = OPER_LLDOWN;
	link_update(f, &l, RTNL_A_OPERSTATE, "oper_state");
	j = f->c.e[0].j;
	assert_string_equal(js(j, "old.oper_state"), "up");
	assert_string_equal(js(j, "new.oper_state"), "lower-layer-down");

	l.flags &= ~(IFF_UP | IFF_RUNNING);
	link_update(f, &l, RTNL_A_FLAGS, "flags");
	j = f->c.e[0].j;
	assert_string_equal(js(j, "old.flags"),
	    "up|broadcast|multicast|running");
	assert_string_equal(js(j, "new.flags"), "broadcast|multicast");

	l.name = "wan0";
	link_update(f, &l, RTNL_A_NAME, "name");
	j = f->c.e[0].j;
	assert_string_equal(js(j, "old.name"), "eth0");
	assert_string_equal(js(j, "new.name"), "wan0");
	assert_string_equal(rtnl_state_link(f->st, 2)->name, "wan0");

	l.master = 5;
	link_update(f, &l, RTNL_A_MASTER, "master");
	j = f->c.e[0].j;
	/* No master before: null in old, left out of detail when none. */
	assert_true(json_is_null(jp(j, "old.master")));
	assert_int_equal(ji(j, "new.master"), 5);

	l.mac[5] = 0x99;
	link_update(f, &l, RTNL_A_HWADDR, "mac");
	assert_string_equal(js(f->c.e[0].j, "new.mac"), "02:00:00:00:00:99");

	l.carrier = 2;
	link_update(f, &l, RTNL_A_CARRIER, "carrier_changes");
	assert_int_equal(ji(f->c.e[0].j, "new.carrier_changes"), 2);

	l.kind = "bridge";
	link_update(f, &l, RTNL_A_KIND, "kind");
	assert_true(json_is_null(jp(f->c.e[0].j, "old.kind")));
	assert_string_equal(js(f->c.e[0].j, "new.kind"), "bridge");
}

static void
test_link_two_changes_in_one_update(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(3, "eth1");
	json_t		*j;

	have_link(f, 3, "eth1");
	l.mtu = 9000;
	l.oper = OPER_DOWN;
	link_msg(&f->m, RTM_NEWLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].changed, RTNL_A_MTU | RTNL_A_OPERSTATE);
	j = f->c.e[0].j;
	assert_int_equal(jsize(j, "old"), 2);
	assert_string_equal(js(j, "new.oper_state"), "down");
	assert_int_equal(ji(j, "new.mtu"), 9000);
}

static void
test_link_no_change_no_event_but_stats_kept(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(2, "eth0");

	have_link(f, 2, "eth0");
	/* New counters and a flag lopa does not show: no event. */
	l.rx_bytes = 123456;
	l.flags |= IFF_PROMISC;
	link_msg(&f->m, RTM_NEWLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(rtnl_state_link(f->st, 2)->stats.rx_bytes, 123456);
	assert_int_equal(rtnl_state_link(f->st, 2)->stats.tx_bytes, 246912);
	assert_int_equal(rtnl_state_link(f->st, 2)->flags & IFF_PROMISC,
	    IFF_PROMISC);
}

static void
test_link_delete(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(2, "eth0");
	json_t		*j;

	have_link(f, 2, "eth0");
	have_link(f, 3, "eth1");
	link_msg(&f->m, RTM_DELLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_DELETE);
	assert_true(f->c.e[0].has_old);
	assert_false(f->c.e[0].has_new);
	j = f->c.e[0].j;
	assert_null(jp(j, "new"));
	assert_true(json_equal(jp(j, "old"), jp(j, "detail")));
	assert_string_equal(js(j, "old.name"), "eth0");
	assert_null(rtnl_state_link(f->st, 2));
	assert_non_null(rtnl_state_link(f->st, 3));
	assert_int_equal(counters(f).links, 1);

	/* Unknown: still a delete, of what the message says. */
	cap_reset(&f->c);
	l = eth(9, "ghost");
	link_msg(&f->m, RTM_DELLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_DELETE);
	assert_string_equal(js(f->c.e[0].j, "detail.name"), "ghost");
	assert_int_equal(counters(f).links, 1);
}

static void
test_link_bridge_family_is_not_a_link_event(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(2, "eth0");

	have_link(f, 2, "eth0");
	/* A port leaving its bridge: AF_BRIDGE RTM_DELLINK. */
	l.family = AF_BRIDGE;
	link_msg(&f->m, RTM_DELLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 1);
	assert_int_equal(f->c.n, 0);
	assert_non_null(rtnl_state_link(f->st, 2));
	assert_int_equal(counters(f).ignored, 1);
}

static void
walk(const struct rtnl_link *l, void *arg)
{
	char	*s = arg;

	strcat(s, l->name);
	strcat(s, ",");
}

static void
test_links_walk_in_index_order(void **state)
{
	struct fixture	*f = *state;
	char		 s[64] = "";

	have_link(f, 12, "c");
	have_link(f, 1, "a");
	have_link(f, 5, "b");
	rtnl_state_links(f->st, walk, s);
	assert_string_equal(s, "a,b,c,");
}

static void
walk_addr(const struct rtnl_addr *a, void *arg)
{
	char	 buf[INET6_ADDRSTRLEN], *s = arg;

	assert_non_null(inet_ntop(a->family, a->addr, buf, sizeof(buf)));
	strcat(s, buf);
	strcat(s, "@");
	strcat(s, a->ifname);
	strcat(s, ",");
}

static void
walk_route(const struct rtnl_route *r, void *arg)
{
	char	*s = arg;

	strcat(s, r->ifname);
	strcat(s, rtnl_route_is_kernel(r) ? ":kernel," : ":ours,");
}

/* The views: every address and route, named as the links are now. */
static void
test_addrs_and_routes_walk_with_current_names(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(2, "eth0");
	struct aspec	 a4 = inet(2, "192.0.2.1", 24);
	struct aspec	 a6 = inet6(3, "2001:db8::1", 64);
	struct rspec	 r = route4("10.0.0.0", 8, "192.0.2.254", 2);
	struct rspec	 loc = route4("192.0.2.1", 32, NULL, 2);
	char		 s[256] = "";
	json_t		*j;

	have_link(f, 2, "eth0");
	addr_msg(&f->m, RTM_NEWADDR, &a4);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	addr_msg(&f->m, RTM_NEWADDR, &a6);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	loc.table8 = loc.table = RT_TABLE_LOCAL;
	loc.type = RTN_LOCAL;
	route_msg(&f->m, RTM_NEWROUTE, &loc);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	l.name = "wan0";
	link_msg(&f->m, RTM_NEWLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);

	rtnl_state_addrs(f->st, walk_addr, s);
	assert_string_equal(s, "192.0.2.1@wan0,2001:db8::1@,");
	s[0] = '\0';
	rtnl_state_routes(f->st, walk_route, s);
	assert_string_equal(s, "wan0:ours,wan0:kernel,");

	/* A record alone renders as an event's detail does. */
	j = rtnl_obj_json(RTNL_LINK,
	    (const union rtnl_obj *)rtnl_state_link(f->st, 2));
	assert_non_null(j);
	assert_true(json_equal(j, jp(f->c.e[f->c.n - 1].j, "detail")));
	json_decref(j);
	assert_null(rtnl_obj_json(RTNL_LINK, NULL));
}

/*
 * Addresses.
 */

static void
test_addr_v4_add_and_delete(void **state)
{
	struct fixture	*f = *state;
	struct aspec	 a = inet(2, "192.0.2.10", 24);
	json_t		*j;

	have_link(f, 2, "eth0");
	a.label = "eth0:1";
	addr_msg(&f->m, RTM_NEWADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].kind, RTNL_ADDR);
	assert_int_equal(f->c.e[0].change, RTNL_ADD);
	assert_int_equal(f->c.e[0].kernel, 0);
	j = f->c.e[0].j;
	assert_int_equal(ji(j, "detail.interface_index"), 2);
	assert_string_equal(js(j, "detail.interface_name"), "eth0");
	assert_string_equal(js(j, "detail.address"), "192.0.2.10");
	assert_int_equal(ji(j, "detail.prefix_len"), 24);
	assert_string_equal(js(j, "detail.family"), "inet");
	assert_string_equal(js(j, "detail.scope"), "global");
	assert_string_equal(js(j, "detail.label"), "eth0:1");
	assert_int_equal(jsize(j, "detail.flags"), 1);
	assert_true(jhas(j, "detail.flags", "permanent"));
	assert_null(jp(j, "detail.peer"));
	assert_false(f->c.e[0].new.addr.has_peer);
	assert_int_equal(counters(f).addrs, 1);

	cap_reset(&f->c);
	addr_msg(&f->m, RTM_DELADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_DELETE);
	j = f->c.e[0].j;
	assert_string_equal(js(j, "old.address"), "192.0.2.10");
	assert_string_equal(js(j, "detail.interface_name"), "eth0");
	assert_null(jp(j, "new"));
	assert_int_equal(counters(f).addrs, 0);
}

static void
test_addr_v4_peer(void **state)
{
	struct fixture	*f = *state;
	struct aspec	 a = inet(4, "10.0.0.1", 32);
	json_t		*j;

	a.address = "10.0.0.2";
	addr_msg(&f->m, RTM_NEWADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	j = f->c.e[0].j;
	assert_string_equal(js(j, "detail.address"), "10.0.0.1");
	assert_string_equal(js(j, "detail.peer"), "10.0.0.2");
	/* No such link known: no name. */
	assert_null(jp(j, "detail.interface_name"));

	/* Another peer: an update of the same address. */
	cap_reset(&f->c);
	a.address = "10.0.0.3";
	addr_msg(&f->m, RTM_NEWADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_UPDATE);
	assert_int_equal(f->c.e[0].changed, RTNL_A_PEER);
	assert_string_equal(js(f->c.e[0].j, "old.peer"), "10.0.0.2");
	assert_string_equal(js(f->c.e[0].j, "new.peer"), "10.0.0.3");
}

static void
test_addr_v6_add_and_delete(void **state)
{
	struct fixture	*f = *state;
	struct aspec	 a = inet6(2, "2001:db8::1", 64);
	json_t		*j;

	have_link(f, 2, "eth0");
	addr_msg(&f->m, RTM_NEWADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	j = f->c.e[0].j;
	assert_string_equal(js(j, "detail.address"), "2001:db8::1");
	assert_int_equal(ji(j, "detail.prefix_len"), 64);
	assert_string_equal(js(j, "detail.family"), "inet6");
	assert_string_equal(js(j, "detail.interface_name"), "eth0");

	cap_reset(&f->c);
	a = inet6(2, "fe80::1", 64);
	a.scope = RT_SCOPE_LINK;
	addr_msg(&f->m, RTM_NEWADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_string_equal(js(f->c.e[0].j, "detail.scope"), "link");
	/* Addresses are never the kernel's noise, even link-local ones. */
	assert_int_equal(f->c.e[0].kernel, 0);
	assert_int_equal(counters(f).addrs, 2);

	cap_reset(&f->c);
	a = inet6(2, "2001:db8::1", 64);
	addr_msg(&f->m, RTM_DELADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.e[0].change, RTNL_DELETE);
	assert_string_equal(js(f->c.e[0].j, "old.address"), "2001:db8::1");
	assert_int_equal(counters(f).addrs, 1);
}

static void
test_addr_v6_peer_uses_local(void **state)
{
	struct fixture	*f = *state;
	struct aspec	 a = inet6(2, "2001:db8::2", 128);

	a.local = "2001:db8::1";
	addr_msg(&f->m, RTM_NEWADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_string_equal(js(f->c.e[0].j, "detail.address"),
	    "2001:db8::1");
	assert_string_equal(js(f->c.e[0].j, "detail.peer"), "2001:db8::2");
}

static void
test_addr_ifa_flags_override_ifa_flags(void **state)
{
	struct fixture	*f = *state;
	struct aspec	 a = inet6(2, "2001:db8::5", 64);
	union rtnl_obj	 o;
	uint8_t		 kind;
	int		 del;

	a.flags8 = IFA_F_TENTATIVE;
	a.flags32 = IFA_F_PERMANENT | IFA_F_STABLE_PRIVACY |
	    IFA_F_NOPREFIXROUTE;
	addr_msg(&f->m, RTM_NEWADDR, &a);
	assert_int_equal(rtnl_parse(f->m.b, fin(&f->m), &kind, &del, &o), 0);
	assert_int_equal(kind, RTNL_ADDR);
	assert_int_equal(del, 0);
	assert_int_equal(o.addr.flags, a.flags32);
	rtnl_obj_clear(kind, &o);

	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(jsize(f->c.e[0].j, "detail.flags"), 3);
	assert_true(jhas(f->c.e[0].j, "detail.flags", "stable-privacy"));
	assert_true(jhas(f->c.e[0].j, "detail.flags", "noprefixroute"));
	assert_false(jhas(f->c.e[0].j, "detail.flags", "tentative"));
}

static void
test_addr_flags_change_is_update(void **state)
{
	struct fixture	*f = *state;
	struct aspec	 a = inet6(2, "2001:db8::7", 64);
	json_t		*j;

	have_link(f, 2, "eth0");
	a.flags8 = a.flags32 = IFA_F_TENTATIVE | IFA_F_TEMPORARY;
	addr_msg(&f->m, RTM_NEWADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_true(jhas(f->c.e[0].j, "detail.flags", "temporary"));

	/* DAD done. */
	cap_reset(&f->c);
	a.flags8 = a.flags32 = IFA_F_PERMANENT;
	addr_msg(&f->m, RTM_NEWADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_UPDATE);
	assert_int_equal(f->c.e[0].changed, RTNL_A_FLAGS);
	j = f->c.e[0].j;
	assert_int_equal(jsize(j, "old"), 1);
	assert_true(jhas(j, "old.flags", "tentative"));
	assert_false(jhas(j, "old.flags", "permanent"));
	assert_true(jhas(j, "new.flags", "permanent"));
	assert_int_equal(jsize(j, "new.flags"), 1);
	assert_string_equal(js(j, "detail.interface_name"), "eth0");

	/* A new lifetime only: nothing to report. */
	cap_reset(&f->c);
	a.valid_lft = 3600;
	addr_msg(&f->m, RTM_NEWADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 0);
}

static void
test_addr_and_route_names_follow_rename(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(2, "eth0");
	struct aspec	 a = inet(2, "192.0.2.1", 24);
	struct rspec	 r = route4("198.51.100.0", 24, "192.0.2.254", 2);

	have_link(f, 2, "eth0");
	l.name = "uplink";
	link_msg(&f->m, RTM_NEWLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	cap_reset(&f->c);
	addr_msg(&f->m, RTM_NEWADDR, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 2);
	assert_string_equal(js(f->c.e[0].j, "detail.interface_name"),
	    "uplink");
	assert_string_equal(f->c.e[0].new.addr.ifname, "uplink");
	assert_string_equal(js(f->c.e[1].j, "detail.interface_name"),
	    "uplink");
	assert_string_equal(f->c.e[1].new.route.ifname, "uplink");
}

/*
 * Routes.
 */

static void
test_route_add_main_and_table_100(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r = route4("10.0.0.0", 8, "192.0.2.1", 2);
	json_t		*j;

	have_link(f, 2, "eth0");
	r.prefsrc = "192.0.2.10";
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].kind, RTNL_ROUTE);
	assert_int_equal(f->c.e[0].change, RTNL_ADD);
	assert_int_equal(f->c.e[0].kernel, 0);
	j = f->c.e[0].j;
	assert_int_equal(ji(j, "detail.table"), 254);
	assert_string_equal(js(j, "detail.dst"), "10.0.0.0/8");
	assert_string_equal(js(j, "detail.gw"), "192.0.2.1");
	assert_int_equal(ji(j, "detail.link_index"), 2);
	assert_string_equal(js(j, "detail.interface_name"), "eth0");
	assert_int_equal(ji(j, "detail.protocol"), RTPROT_STATIC);
	assert_string_equal(js(j, "detail.protocol_name"), "static");
	assert_string_equal(js(j, "detail.family"), "inet");
	assert_int_equal(ji(j, "detail.metric"), 0);
	assert_string_equal(js(j, "detail.type"), "unicast");
	assert_string_equal(js(j, "detail.scope"), "global");
	assert_string_equal(js(j, "detail.prefsrc"), "192.0.2.10");
	assert_null(jp(j, "detail.pref"));
	assert_null(jp(j, "detail.src"));
	assert_null(jp(j, "detail.nexthops"));

	/* The same prefix in table 100 is another route. */
	cap_reset(&f->c);
	r.table8 = 100;
	r.table = 100;
	r.protocol = RTPROT_BGP;
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.e[0].change, RTNL_ADD);
	assert_int_equal(ji(f->c.e[0].j, "detail.table"), 100);
	assert_string_equal(js(f->c.e[0].j, "detail.protocol_name"), "bgp");
	assert_int_equal(counters(f).routes, 2);
}

static void
test_route_rta_table_overrides_rtm_table(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r = route4("10.1.0.0", 16, "192.0.2.1", 2);

	r.table8 = RT_TABLE_COMPAT;
	r.table = 1000;
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.e[0].new.route.table, 1000);
	assert_int_equal(ji(f->c.e[0].j, "detail.table"), 1000);

	/* Without RTA_TABLE, rtm_table. */
	cap_reset(&f->c);
	r.table8 = 42;
	r.table = 0;
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(ji(f->c.e[0].j, "detail.table"), 42);
}

/*
 * Two routes to one prefix through two devices (IPv6, or IPv4 appended)
 * are two: each added and deleted apart.
 */
static void
test_route_two_devices(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 a = route6("2001:db8:5::", 64, NULL, 2);
	struct rspec	 b = route6("2001:db8:5::", 64, NULL, 3);

	have_link(f, 2, "vA");
	have_link(f, 3, "vC");
	route_msg(&f->m, RTM_NEWROUTE, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &b);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 2);
	assert_int_equal(f->c.e[1].change, RTNL_ADD);
	assert_string_equal(js(f->c.e[1].j, "detail.interface_name"), "vC");
	assert_int_equal(counters(f).routes, 2);
	cap_reset(&f->c);
	route_msg(&f->m, RTM_DELROUTE, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_DELETE);
	assert_string_equal(js(f->c.e[0].j, "old.interface_name"), "vA");
	assert_int_equal(counters(f).routes, 1);
	/* A replace of the kernel's key takes the one left. */
	cap_reset(&f->c);
	a.replace = 1;
	route_msg(&f->m, RTM_NEWROUTE, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_UPDATE);
	assert_string_equal(js(f->c.e[0].j, "old.interface_name"), "vC");
	assert_string_equal(js(f->c.e[0].j, "new.interface_name"), "vA");
	assert_int_equal(counters(f).routes, 1);
}

/*
 * IPv6 siblings: a single-path route appended to becomes multipath (an
 * update, the single-path record gone); the delete of one hop, as IPv6
 * announces it, is an update without it; with one hop left, the route is
 * single-path again.
 */
static void
test_route_v6_siblings(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 a = route6("2001:db8:9::", 64, "2001:db8:1::2", 2);
	struct rspec	 mp = route6("2001:db8:9::", 64, NULL, 0);
	struct rspec	 c = route6("2001:db8:9::", 64, "2001:db8:2::2", 3);

	have_link(f, 2, "vA");
	have_link(f, 3, "vC");
	route_msg(&f->m, RTM_NEWROUTE, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	cap_reset(&f->c);
	mp.nnh = 2;
	mp.nh[0] = (struct nhspec){ "2001:db8:1::2", AF_INET6, 2, 0, 0, 0 };
	mp.nh[1] = (struct nhspec){ "2001:db8:2::2", AF_INET6, 3, 0, 0, 0 };
	route_msg(&f->m, RTM_NEWROUTE, &mp);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_UPDATE);
	assert_true(f->c.e[0].changed & RTNL_A_NEXTHOPS);
	assert_string_equal(js(f->c.e[0].j, "old.gw"), "2001:db8:1::2");
	assert_int_equal(counters(f).routes, 1);
	/* One hop deleted: the other left, single-path. */
	cap_reset(&f->c);
	route_msg(&f->m, RTM_DELROUTE, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_UPDATE);
	assert_string_equal(js(f->c.e[0].j, "new.gw"), "2001:db8:2::2");
	assert_string_equal(js(f->c.e[0].j, "detail.interface_name"), "vC");
	assert_int_equal(counters(f).routes, 1);
	/* Then it goes as the single-path route it is. */
	cap_reset(&f->c);
	route_msg(&f->m, RTM_DELROUTE, &c);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_DELETE);
	assert_int_equal(counters(f).routes, 0);
}

/*
 * Only the watched tables' routes are kept: the others are reported, not
 * kept; narrowing drops them, widening says so (for a quiet resync).
 */
static void
test_route_watch(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 a = route4("10.1.0.0", 16, "198.18.1.2", 2);
	struct rspec	 b = route4("10.1.0.0", 16, "198.18.1.2", 2);
	uint32_t	 t100 = 100, t[2] = { 100, 200 };

	have_link(f, 2, "vA");
	b.table = 100;
	route_msg(&f->m, RTM_NEWROUTE, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &b);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(counters(f).routes, 2);
	/* Table 100 alone: main's route dropped; narrower, not wider. */
	assert_int_equal(rtnl_state_watch(f->st, 0, &t100, 1), 0);
	assert_int_equal(counters(f).routes, 1);
	/* A change in main is reported, not kept: an add again. */
	cap_reset(&f->c);
	a.gw = "198.18.1.3";
	route_msg(&f->m, RTM_NEWROUTE, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_ADD);
	assert_int_equal(counters(f).routes, 1);
	assert_int_equal(counters(f).unwatched, 1);
	route_msg(&f->m, RTM_DELROUTE, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.e[1].change, RTNL_DELETE);
	/* Wider: 200 added; then every table. */
	assert_int_equal(rtnl_state_watch(f->st, 0, t, 2), 1);
	assert_int_equal(rtnl_state_watch(f->st, 0, t, 2), 0);
	assert_int_equal(rtnl_state_watch(f->st, 1, NULL, 0), 1);
	assert_int_equal(rtnl_state_watch(f->st, 1, NULL, 0), 0);
	assert_int_equal(counters(f).routes, 1);
}

/* A resync of the routes alone leaves links and addresses be. */
static void
test_resync_routes_only(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 a = route4("10.1.0.0", 16, "198.18.1.2", 2);
	struct rspec	 b = route4("10.2.0.0", 16, "198.18.1.2", 2);
	struct aspec	 ad = inet(2, "198.18.1.1", 24);

	have_link(f, 2, "vA");
	addr_msg(&f->m, RTM_NEWADDR, &ad);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &b);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	cap_reset(&f->c);
	/* The kernel dropped b without a word; the dump shows a. */
	rtnl_state_resync_routes(f->st);
	route_msg(&f->m, RTM_NEWROUTE, &a);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(rtnl_state_resync_end(f->st, capture, &f->c), 1);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_DELETE);
	assert_string_equal(js(f->c.e[0].j, "old.dst"), "10.2.0.0/16");
	assert_int_equal(counters(f).links, 1);
	assert_int_equal(counters(f).addrs, 1);
	assert_int_equal(counters(f).routes, 1);
}

static void
test_route_replace_is_update(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r = route4("10.0.0.0", 8, "192.0.2.1", 2);
	json_t		*j;

	have_link(f, 2, "eth0");
	have_link(f, 3, "eth1");
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);

	cap_reset(&f->c);
	r.gw = "192.0.2.254";
	r.replace = 1;
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_UPDATE);
	assert_int_equal(f->c.e[0].changed, RTNL_A_GATEWAY);
	j = f->c.e[0].j;
	assert_int_equal(jsize(j, "old"), 1);
	assert_string_equal(js(j, "old.gw"), "192.0.2.1");
	assert_string_equal(js(j, "new.gw"), "192.0.2.254");
	assert_string_equal(js(j, "detail.gw"), "192.0.2.254");
	assert_int_equal(counters(f).routes, 1);

	/* Same again: nothing. */
	cap_reset(&f->c);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 0);

	/* Onto another link, directly connected: no gateway any more. */
	r.gw = NULL;
	r.oif = 3;
	r.scope = RT_SCOPE_LINK;
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].changed,
	    RTNL_A_GATEWAY | RTNL_A_OIF | RTNL_A_SCOPE);
	j = f->c.e[0].j;
	assert_true(json_is_null(jp(j, "new.gw")));
	assert_int_equal(ji(j, "old.link_index"), 2);
	assert_string_equal(js(j, "old.interface_name"), "eth0");
	assert_int_equal(ji(j, "new.link_index"), 3);
	assert_string_equal(js(j, "new.interface_name"), "eth1");
	assert_string_equal(js(j, "old.scope"), "global");
	assert_string_equal(js(j, "new.scope"), "link");
	assert_null(jp(j, "detail.gw"));
}

static void
test_route_v4_via_inet6_gateway(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r = route4("10.9.0.0", 16, NULL, 2);

	r.via6 = "fe80::1";
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.e[0].new.route.gw_family, AF_INET6);
	assert_string_equal(js(f->c.e[0].j, "detail.gw"), "fe80::1");
	assert_string_equal(js(f->c.e[0].j, "detail.family"), "inet");
}

static void
test_route_v6_multipath(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r = route6("2001:db8:1::", 48, NULL, 0);
	json_t		*j;

	have_link(f, 2, "eth0");
	have_link(f, 3, "eth1");
	r.nnh = 2;
	r.nh[0] = (struct nhspec){ "fe80::1", AF_INET6, 2, 0, 0, 0 };
	r.nh[1] = (struct nhspec){ "fe80::2", AF_INET6, 3, 1,
	    RTNH_F_ONLINK, 0 };
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].new.route.nnh, 2);
	j = f->c.e[0].j;
	assert_string_equal(js(j, "detail.dst"), "2001:db8:1::/48");
	assert_string_equal(js(j, "detail.family"), "inet6");
	assert_int_equal(ji(j, "detail.metric"), 1024);
	assert_string_equal(js(j, "detail.pref"), "medium");
	assert_null(jp(j, "detail.gw"));
	assert_int_equal(jsize(j, "detail.nexthops"), 2);
	assert_string_equal(js(j, "detail.nexthops.0.gw"), "fe80::1");
	assert_int_equal(ji(j, "detail.nexthops.0.link_index"), 2);
	assert_int_equal(ji(j, "detail.nexthops.0.weight"), 1);
	assert_null(jp(j, "detail.nexthops.0.flags"));
	assert_string_equal(js(j, "detail.nexthops.1.gw"), "fe80::2");
	assert_int_equal(ji(j, "detail.nexthops.1.link_index"), 3);
	assert_int_equal(ji(j, "detail.nexthops.1.weight"), 2);
	assert_true(jhas(j, "detail.nexthops.1.flags", "onlink"));

	/* The second next hop moves: the arrays, whole. */
	cap_reset(&f->c);
	r.nh[1].gw = "fe80::3";
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_UPDATE);
	assert_int_equal(f->c.e[0].changed, RTNL_A_NEXTHOPS);
	j = f->c.e[0].j;
	assert_int_equal(jsize(j, "old"), 1);
	assert_int_equal(jsize(j, "old.nexthops"), 2);
	assert_int_equal(jsize(j, "new.nexthops"), 2);
	assert_string_equal(js(j, "old.nexthops.1.gw"), "fe80::2");
	assert_string_equal(js(j, "new.nexthops.1.gw"), "fe80::3");
	assert_string_equal(js(j, "new.nexthops.0.gw"), "fe80::1");

	/* One next hop left. */
	cap_reset(&f->c);
	r.nnh = 1;
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.e[0].changed, RTNL_A_NEXTHOPS);
	assert_int_equal(jsize(f->c.e[0].j, "new.nexthops"), 1);
	assert_int_equal(counters(f).routes, 1);
}

static void
test_route_multipath_weight_256_and_via(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r = route4("10.2.0.0", 16, NULL, 0);
	json_t		*j;

	r.nnh = 2;
	r.nh[0] = (struct nhspec){ "192.0.2.1", AF_INET, 2, 255, 0, 0 };
	r.nh[1] = (struct nhspec){ "2001:db8::1", AF_INET6, 3, 0,
	    RTNH_F_DEAD | RTNH_F_LINKDOWN, 1 };
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	j = f->c.e[0].j;
	assert_int_equal(ji(j, "detail.nexthops.0.weight"), 256);
	assert_string_equal(js(j, "detail.nexthops.0.gw"), "192.0.2.1");
	assert_string_equal(js(j, "detail.nexthops.1.gw"), "2001:db8::1");
	assert_true(jhas(j, "detail.nexthops.1.flags", "dead"));
	assert_true(jhas(j, "detail.nexthops.1.flags", "linkdown"));
}

static void
test_route_default(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r = route4(NULL, 0, "192.0.2.1", 2);
	struct rspec	 r6 = route6(NULL, 0, "fe80::1", 2);

	r.protocol = RTPROT_DHCP;
	r.priority = 100;
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_string_equal(js(f->c.e[0].j, "detail.dst"), "default");
	assert_string_equal(js(f->c.e[0].j, "detail.protocol_name"), "dhcp");
	assert_int_equal(ji(f->c.e[0].j, "detail.metric"), 100);
	assert_int_equal(f->c.e[0].kernel, 0);

	r6.protocol = RTPROT_RA;
	r6.pref = 1 + 1;	/* high */
	route_msg(&f->m, RTM_NEWROUTE, &r6);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_string_equal(js(f->c.e[1].j, "detail.dst"), "default");
	assert_string_equal(js(f->c.e[1].j, "detail.gw"), "fe80::1");
	assert_string_equal(js(f->c.e[1].j, "detail.protocol_name"), "ra");
	assert_string_equal(js(f->c.e[1].j, "detail.pref"), "high");
	/* A gateway in fe80:: does not make the route noise. */
	assert_int_equal(f->c.e[1].kernel, 0);
	assert_int_equal(counters(f).routes, 2);
}

static void
test_route_src_and_unnamed_protocol(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r = route6("2001:db8:5::", 64, "fe80::1", 2);

	r.src = "2001:db8:9::";
	r.src_len = 56;
	r.protocol = 250;
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_string_equal(js(f->c.e[0].j, "detail.src"), "2001:db8:9::/56");
	assert_int_equal(ji(f->c.e[0].j, "detail.protocol"), 250);
	assert_string_equal(js(f->c.e[0].j, "detail.protocol_name"), "250");
}

static void
test_route_delete(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r = route4("10.0.0.0", 8, "192.0.2.1", 2);
	json_t		*j;

	have_link(f, 2, "eth0");
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	cap_reset(&f->c);
	route_msg(&f->m, RTM_DELROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_DELETE);
	j = f->c.e[0].j;
	assert_null(jp(j, "new"));
	assert_string_equal(js(j, "old.dst"), "10.0.0.0/8");
	assert_string_equal(js(j, "old.gw"), "192.0.2.1");
	assert_string_equal(js(j, "old.interface_name"), "eth0");
	assert_true(json_equal(jp(j, "old"), jp(j, "detail")));
	assert_int_equal(counters(f).routes, 0);

	/* Unknown: the message's own record. */
	cap_reset(&f->c);
	r.dst = "10.7.0.0";
	r.dst_len = 16;
	route_msg(&f->m, RTM_DELROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.e[0].change, RTNL_DELETE);
	assert_string_equal(js(f->c.e[0].j, "old.dst"), "10.7.0.0/16");
}

/* Applies r as a new route and returns the event's kernel flag. */
static int
noise(struct fixture *f, const struct rspec *r)
{
	cap_reset(&f->c);
	route_msg(&f->m, RTM_NEWROUTE, r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	return f->c.e[0].kernel;
}

static void
test_route_kernel_noise(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r;

	r = route4("192.0.2.10", 32, NULL, 2);
	r.table8 = r.table = RT_TABLE_LOCAL;
	r.type = RTN_LOCAL;
	assert_true(noise(f, &r));

	/* Table 255 alone is enough. */
	r = route4("192.0.2.11", 32, NULL, 2);
	r.table8 = r.table = RT_TABLE_LOCAL;
	assert_true(noise(f, &r));

	r = route4("192.0.2.255", 32, NULL, 2);
	r.type = RTN_BROADCAST;
	assert_true(noise(f, &r));

	r = route4("224.0.0.0", 4, NULL, 2);
	assert_true(noise(f, &r));

	r = route6("fe80::", 64, NULL, 2);
	r.protocol = RTPROT_KERNEL;
	assert_true(noise(f, &r));
	assert_string_equal(js(f->c.e[0].j, "detail.dst"), "fe80::/64");

	r = route6("ff00::", 8, NULL, 2);
	r.table8 = r.table = RT_TABLE_LOCAL;
	r.type = RTN_MULTICAST;
	assert_true(noise(f, &r));
	r.table8 = r.table = RT_TABLE_MAIN;
	r.type = RTN_UNICAST;
	assert_true(noise(f, &r));

	r = route6("2001:db8::", 64, NULL, 2);
	r.type = RTN_ANYCAST;
	assert_true(noise(f, &r));

	r = route6("2001:db8:77::1", 128, "fe80::1", 2);
	r.flags = RTM_F_CLONED;
	assert_true(noise(f, &r));

	/* Not noise. */
	r = route4("10.0.0.0", 8, "192.0.2.1", 2);
	assert_false(noise(f, &r));
	r = route6("2001:db8::", 32, NULL, 2);
	assert_false(noise(f, &r));
	r = route6("fe80::", 10, NULL, 2);	/* wider than fe80::/64 */
	assert_false(noise(f, &r));
	r = route4("239.0.0.0", 3, NULL, 2);	/* wider than 224/4 */
	assert_false(noise(f, &r));

	/* The delete of noise is noise too. */
	r = route4("192.0.2.255", 32, NULL, 2);
	r.type = RTN_BROADCAST;
	cap_reset(&f->c);
	route_msg(&f->m, RTM_DELROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.e[0].change, RTNL_DELETE);
	assert_true(f->c.e[0].kernel);
}

static void
test_quiet_updates_state_without_events(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(2, "eth0");
	struct rspec	 r = route4("10.0.0.0", 8, "192.0.2.1", 2);

	link_msg(&f->m, RTM_NEWLINK, &l);
	assert_int_equal(rtnl_state_apply(f->st, f->m.b, fin(&f->m),
	    RTNL_QUIET, capture, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(rtnl_state_apply(f->st, f->m.b, fin(&f->m),
	    RTNL_QUIET, capture, &f->c), 0);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(counters(f).links, 1);
	assert_int_equal(counters(f).routes, 1);

	/* After the dump, the same is silent and a change is an update. */
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 0);
	r.gw = "192.0.2.2";
	r.replace = 1;
	route_msg(&f->m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.e[0].change, RTNL_UPDATE);
	assert_string_equal(js(f->c.e[0].j, "detail.interface_name"), "eth0");

	/* A quiet delete removes. */
	cap_reset(&f->c);
	route_msg(&f->m, RTM_DELROUTE, &r);
	assert_int_equal(rtnl_state_apply(f->st, f->m.b, fin(&f->m),
	    RTNL_QUIET, capture, &f->c), 0);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(counters(f).routes, 0);
}

static void
test_max_routes_overflow(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 a = route4("10.0.0.0", 8, "192.0.2.1", 2);
	struct rspec	 b = route4("10.1.0.0", 16, "192.0.2.1", 2);
	struct rtnl_state *small;
	struct rtnl_counters c;
	json_t		*j;

	small = rtnl_state_new(1);
	assert_non_null(small);
	route_msg(&f->m, RTM_NEWROUTE, &a);
	assert_int_equal(apply(small, &f->m, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &b);
	assert_int_equal(apply(small, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 2);
	assert_int_equal(f->c.e[1].change, RTNL_ADD);
	assert_true(f->c.e[1].has_new);

	/* b was reported but not kept: its update is an add, no old. */
	b.gw = "192.0.2.2";
	route_msg(&f->m, RTM_NEWROUTE, &b);
	assert_int_equal(apply(small, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 3);
	assert_int_equal(f->c.e[2].change, RTNL_ADD);
	assert_false(f->c.e[2].has_old);
	j = f->c.e[2].j;
	assert_null(jp(j, "old"));
	assert_string_equal(js(j, "new.gw"), "192.0.2.2");

	/* a is kept: its update is one. */
	a.gw = "192.0.2.3";
	a.replace = 1;
	route_msg(&f->m, RTM_NEWROUTE, &a);
	assert_int_equal(apply(small, &f->m, &f->c), 0);
	assert_int_equal(f->c.e[3].change, RTNL_UPDATE);
	rtnl_state_counters(small, &c);
	assert_int_equal(c.routes, 1);
	assert_int_equal(c.overflow, 2);
	rtnl_state_free(small);

	/* max_routes 0: nothing kept, everything reported. */
	small = rtnl_state_new(0);
	assert_non_null(small);
	cap_reset(&f->c);
	assert_int_equal(apply(small, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 1);
	rtnl_state_free(small);
}

static void
test_resync(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l2 = eth(2, "eth0"), l3 = eth(3, "eth1");
	struct lspec	 l4 = eth(4, "eth2");
	struct aspec	 a2 = inet(2, "192.0.2.1", 24);
	struct aspec	 a3 = inet(3, "198.51.100.1", 24);
	struct rspec	 ra = route4("10.0.0.0", 8, "192.0.2.254", 2);
	struct rspec	 rb = route4("10.1.0.0", 16, "198.51.100.254", 3);
	struct rtnl_counters c;
	uint64_t	 n;

	link_msg(&f->m, RTM_NEWLINK, &l2);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	link_msg(&f->m, RTM_NEWLINK, &l3);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	addr_msg(&f->m, RTM_NEWADDR, &a2);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	addr_msg(&f->m, RTM_NEWADDR, &a3);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &ra);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &rb);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	cap_reset(&f->c);

	/* The dump: eth1 and its address and route are gone, eth2 new. */
	rtnl_state_resync_begin(f->st);
	link_msg(&f->m, RTM_NEWLINK, &l2);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	link_msg(&f->m, RTM_NEWLINK, &l4);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	a2.flags8 = IFA_F_PERMANENT | IFA_F_SECONDARY;
	addr_msg(&f->m, RTM_NEWADDR, &a2);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &ra);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(f->c.n, 2);
	assert_int_equal(f->c.e[0].change, RTNL_ADD);
	assert_int_equal(f->c.e[0].kind, RTNL_LINK);
	assert_int_equal(f->c.e[1].change, RTNL_UPDATE);
	assert_int_equal(f->c.e[1].kind, RTNL_ADDR);
	assert_true(jhas(f->c.e[1].j, "new.flags", "secondary"));

	n = rtnl_state_resync_end(f->st, capture, &f->c);
	assert_int_equal(n, 5);
	assert_int_equal(f->c.n, 5);
	/* Routes, then addresses, then links; names still known. */
	assert_int_equal(f->c.e[2].kind, RTNL_ROUTE);
	assert_int_equal(f->c.e[2].change, RTNL_DELETE);
	assert_string_equal(js(f->c.e[2].j, "old.dst"), "10.1.0.0/16");
	assert_string_equal(js(f->c.e[2].j, "old.interface_name"), "eth1");
	assert_int_equal(f->c.e[3].kind, RTNL_ADDR);
	assert_int_equal(f->c.e[3].change, RTNL_DELETE);
	assert_string_equal(js(f->c.e[3].j, "old.address"), "198.51.100.1");
	assert_string_equal(js(f->c.e[3].j, "old.interface_name"), "eth1");
	assert_int_equal(f->c.e[4].kind, RTNL_LINK);
	assert_int_equal(f->c.e[4].change, RTNL_DELETE);
	assert_string_equal(js(f->c.e[4].j, "old.name"), "eth1");

	rtnl_state_counters(f->st, &c);
	assert_int_equal(c.links, 2);
	assert_int_equal(c.addrs, 1);
	assert_int_equal(c.routes, 1);
	assert_null(rtnl_state_link(f->st, 3));
	assert_non_null(rtnl_state_link(f->st, 4));

	/* A dump that shows everything as it is: no event at all. */
	cap_reset(&f->c);
	rtnl_state_resync_begin(f->st);
	link_msg(&f->m, RTM_NEWLINK, &l2);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	link_msg(&f->m, RTM_NEWLINK, &l4);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	addr_msg(&f->m, RTM_NEWADDR, &a2);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	route_msg(&f->m, RTM_NEWROUTE, &ra);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	assert_int_equal(rtnl_state_resync_end(f->st, capture, &f->c), 0);
	assert_int_equal(f->c.n, 0);

	/*
	 * A dump started again counts from the first begin; an empty one
	 * deletes everything.
	 */
	rtnl_state_resync_begin(f->st);
	link_msg(&f->m, RTM_NEWLINK, &l3);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	rtnl_state_resync_begin(f->st);
	assert_int_equal(rtnl_state_resync_end(f->st, capture, &f->c), 6);
	assert_int_equal(f->c.n, 6);
	rtnl_state_counters(f->st, &c);
	assert_int_equal(c.links + c.addrs + c.routes, 0);
}

/*
 * Malformed input: -1, EINVAL, no event, nothing kept changes.
 */
static void
bad(struct fixture *f, const void *buf, size_t len)
{
	struct rtnl_counters	 before, after;
	union rtnl_obj		 o;
	uint8_t			 kind;
	int			 del;

	rtnl_state_counters(f->st, &before);
	errno = 0;
	assert_int_equal(rtnl_parse(buf, len, &kind, &del, &o), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(rtnl_state_apply(f->st, buf, len, 0, capture,
	    &f->c), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(f->c.n, 0);
	rtnl_state_counters(f->st, &after);
	assert_int_equal(after.malformed, before.malformed + 1);
	assert_int_equal(after.links, before.links);
	assert_int_equal(after.addrs, before.addrs);
	assert_int_equal(after.routes, before.routes);
	assert_int_equal(after.overflow, before.overflow);
	assert_int_equal(after.ignored, before.ignored);
}

static void
set16(struct msg *m, size_t off, uint16_t v)
{
	memcpy(m->b + off, &v, sizeof(v));
}

static void
set32(struct msg *m, size_t off, uint32_t v)
{
	memcpy(m->b + off, &v, sizeof(v));
}

static void
test_malformed_messages(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(2, "eth0");
	struct aspec	 a = inet(2, "192.0.2.1", 24);
	struct rspec	 r = route6("2001:db8::", 32, NULL, 0);
	size_t		 len, i, first;
	uint8_t		 gw3[3] = { 192, 0, 2 };
	uint8_t		 via[4] = { 0, 0, 0xfe, 0x80 };
	uint16_t	 af6 = AF_INET6;

	have_link(f, 2, "eth0");
	link_msg(&f->m, RTM_NEWLINK, &l);
	len = fin(&f->m);
	first = NLMSG_SPACE(sizeof(struct ifinfomsg));

	/* The header cut, then the family header. */
	for (i = 0; i < NLMSG_HDRLEN; i++)
		bad(f, f->m.b, i);
	for (; i < first; i++) {
		set32(&f->m, 0, (uint32_t)i);
		bad(f, f->m.b, i);
	}
	fin(&f->m);
	bad(f, NULL, 0);

	/* nlmsg_len beyond the buffer, and below a header. */
	bad(f, f->m.b, len - 1);
	set32(&f->m, 0, 8);
	bad(f, f->m.b, len);

	/* First attribute: rta_len past the end, then below 4. */
	link_msg(&f->m, RTM_NEWLINK, &l);
	set16(&f->m, first, (uint16_t)(len - first + 4));
	bad(f, f->m.b, len);
	set16(&f->m, first, 3);
	bad(f, f->m.b, len);
	set16(&f->m, first, 0);
	bad(f, f->m.b, len);

	/* Two octets left over after the attributes. */
	link_msg(&f->m, RTM_NEWLINK, &l);
	put(&f->m, "\0\0", 2);
	bad(f, f->m.b, fin(&f->m));

	/* An attribute shorter than its type: a 2-octet MTU. */
	link_msg(&f->m, RTM_NEWLINK, &l);
	attr(&f->m, IFLA_MTU, "\x01\x02", 2);
	bad(f, f->m.b, fin(&f->m));

	/* IFLA_STATS64 too short for any kernel's. */
	link_msg(&f->m, RTM_NEWLINK, &l);
	attr(&f->m, IFLA_STATS64, f->m.b, 64);
	bad(f, f->m.b, fin(&f->m));

	/* IFLA_LINKINFO whose nested attribute overruns it. */
	link_msg(&f->m, RTM_NEWLINK, &l);
	nest_begin(&f->m, IFLA_LINKINFO);
	attr_str(&f->m, IFLA_INFO_KIND, "veth");
	nest_end(&f->m);
	len = fin(&f->m);
	set16(&f->m, len - 12, 40);	/* IFLA_INFO_KIND's rta_len */
	bad(f, f->m.b, len);

	/* Address: short IFA_LOCAL, prefix beyond 32. */
	addr_msg(&f->m, RTM_NEWADDR, &a);
	attr(&f->m, IFA_LOCAL, gw3, sizeof(gw3));
	bad(f, f->m.b, fin(&f->m));
	a.prefixlen = 33;
	addr_msg(&f->m, RTM_NEWADDR, &a);
	bad(f, f->m.b, fin(&f->m));

	/* Route: short gateway, short RTA_VIA, dst_len 129. */
	r.family = AF_INET;
	r.dst = "10.0.0.0";
	r.dst_len = 8;
	r.priority = 0;
	r.pref = 0;
	route_msg(&f->m, RTM_NEWROUTE, &r);
	attr(&f->m, RTA_GATEWAY, gw3, sizeof(gw3));
	bad(f, f->m.b, fin(&f->m));
	route_msg(&f->m, RTM_NEWROUTE, &r);
	memcpy(via, &af6, sizeof(af6));
	attr(&f->m, RTA_VIA, via, sizeof(via));	/* AF_INET6, 2 octets */
	bad(f, f->m.b, fin(&f->m));
	r = route6("2001:db8::", 129, NULL, 0);
	route_msg(&f->m, RTM_NEWROUTE, &r);
	bad(f, f->m.b, fin(&f->m));
	assert_int_equal(counters(f).routes, 0);
}

static void
test_malformed_multipath(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r = route6("2001:db8:1::", 48, NULL, 0);
	size_t		 len, mp, nh1;
	int		 i;

	r.nnh = 2;
	r.nh[0] = (struct nhspec){ "fe80::1", AF_INET6, 2, 0, 0, 0 };
	r.nh[1] = (struct nhspec){ "fe80::2", AF_INET6, 3, 0, 0, 0 };
	route_msg(&f->m, RTM_NEWROUTE, &r);
	len = fin(&f->m);
	/* RTA_MULTIPATH is last: 4 + 2 * (8 + 20). */
	mp = len - (4 + 2 * 28);
	nh1 = mp + 4;
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);	/* sane */
	cap_reset(&f->c);
	assert_int_equal(rtnl_state_apply(f->st, f->m.b, len, 0, NULL, NULL),
	    0);

	/* rtnh_len past the attribute, below its header, cutting a gw. */
	set16(&f->m, nh1, 64);
	bad(f, f->m.b, len);
	set16(&f->m, nh1, 6);
	bad(f, f->m.b, len);
	set16(&f->m, nh1, 28);
	set16(&f->m, nh1 + 8, 12);	/* RTA_GATEWAY of 8 octets, v6 */
	bad(f, f->m.b, len);
	set16(&f->m, nh1 + 8, 20);

	/* Octets after the last next hop, too few for another. */
	route_msg(&f->m, RTM_NEWROUTE, &r);
	set16(&f->m, mp, 4 + 2 * 28 + 4);
	put(&f->m, "\0\0\0\0", 4);
	bad(f, f->m.b, fin(&f->m));

	/* More next hops than kept: malformed, not cut. */
	r.nnh = 0;
	route_msg(&f->m, RTM_NEWROUTE, &r);
	nest_begin(&f->m, RTA_MULTIPATH);
	for (i = 0; i < 257; i++) {
		nh_begin(&f->m, 0, 0, 2);
		nest_end(&f->m);
	}
	nest_end(&f->m);
	bad(f, f->m.b, fin(&f->m));
	assert_int_equal(counters(f).routes, 1);
}

static void
test_other_messages_are_ignored(void **state)
{
	struct fixture	*f = *state;
	struct rspec	 r = route4("232.1.1.1", 32, NULL, 2);
	struct nlmsghdr	 nh;
	struct msg	 m;
	uint8_t		 b[64];

	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_len = sizeof(nh);
	nh.nlmsg_type = NLMSG_DONE;
	memcpy(b, &nh, sizeof(nh));
	assert_int_equal(rtnl_state_apply(f->st, b, sizeof(nh), 0, capture,
	    &f->c), 1);
	nh.nlmsg_type = RTM_NEWNEIGH;
	memcpy(b, &nh, sizeof(nh));
	assert_int_equal(rtnl_state_apply(f->st, b, sizeof(nh), 0, capture,
	    &f->c), 1);
	/* The IPv4 multicast routing cache's family. */
	r.family = RTNL_FAMILY_IPMR;
	r.dst = NULL;
	route_msg(&m, RTM_NEWROUTE, &r);
	assert_int_equal(apply(f->st, &m, &f->c), 1);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(counters(f).ignored, 3);
	assert_int_equal(counters(f).routes, 0);
}

static void
test_names_are_cut_and_unknown_attributes_skipped(void **state)
{
	struct fixture	*f = *state;
	struct ifinfomsg ifi;
	union rtnl_obj	 o;
	uint8_t		 kind;
	int		 del;
	const char	*longname = "abcdefghijklmnopqrstuvwxyz0123456789";

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_index = 8;
	msg_init(&f->m, RTM_NEWLINK, &ifi, sizeof(ifi));
	attr(&f->m, 999, "junk", 4);
	/* No NUL. */
	attr(&f->m, IFLA_IFNAME, longname, strlen(longname));
	nest_begin(&f->m, IFLA_LINKINFO | NLA_F_NESTED);
	attr(&f->m, IFLA_INFO_DATA, "\0\0\0\0", 4);
	attr(&f->m, IFLA_INFO_KIND, "vxlan", 5);		/* no NUL */
	nest_end(&f->m);
	attr(&f->m, IFLA_ADDRESS, "", 0);
	assert_int_equal(rtnl_parse(f->m.b, fin(&f->m), &kind, &del, &o), 0);
	assert_int_equal(kind, RTNL_LINK);
	assert_int_equal(strlen(o.link.name), RTNL_NAMELEN - 1);
	assert_memory_equal(o.link.name, longname, RTNL_NAMELEN - 1);
	assert_string_equal(o.link.kind, "vxlan");
	assert_int_equal(o.link.hwaddr_len, 0);
	assert_int_equal(o.link.ifindex, 8);
	rtnl_obj_clear(kind, &o);
}

static void
test_parse_at_odd_address_and_old_stats(void **state)
{
	struct fixture			*f = *state;
	struct lspec			 l = eth(2, "eth0");
	struct rspec			 r;
	static uint8_t			 buf[16384 + 1];
	union rtnl_obj			 o;
	uint8_t				 kind;
	int				 del;
	size_t				 len;

	l.rx_bytes = 0x0102030405060708ULL;
	link_msg(&f->m, RTM_NEWLINK, &l);
	len = fin(&f->m);
	memcpy(buf + 1, f->m.b, len);
	assert_int_equal(rtnl_parse(buf + 1, len, &kind, &del, &o), 0);
	assert_int_equal(o.link.stats.rx_bytes, l.rx_bytes);
	assert_int_equal(o.link.mtu, 1500);
	rtnl_obj_clear(kind, &o);

	r = route6("2001:db8::", 32, NULL, 0);
	r.nnh = 1;
	r.nh[0] = (struct nhspec){ "fe80::1", AF_INET6, 2, 0, 0, 0 };
	route_msg(&f->m, RTM_DELROUTE, &r);
	len = fin(&f->m);
	memcpy(buf + 1, f->m.b, len);
	assert_int_equal(rtnl_parse(buf + 1, len, &kind, &del, &o), 0);
	assert_int_equal(kind, RTNL_ROUTE);
	assert_int_equal(del, 1);
	assert_int_equal(o.route.nnh, 1);
	assert_int_equal(o.route.nh[0].ifindex, 2);
	rtnl_obj_clear(kind, &o);
	assert_null(o.route.nh);

	/* A kernel before rx_nohandler: 23 counters. */
	{
		struct ifinfomsg		 ifi;
		struct rtnl_link_stats64	 s;

		memset(&ifi, 0, sizeof(ifi));
		ifi.ifi_index = 2;
		memset(&s, 0xff, sizeof(s));
		s.rx_packets = 77;
		msg_init(&f->m, RTM_NEWLINK, &ifi, sizeof(ifi));
		attr(&f->m, IFLA_STATS64, &s,
		    offsetof(struct rtnl_link_stats64, rx_nohandler));
		assert_int_equal(rtnl_parse(f->m.b, fin(&f->m), &kind, &del,
		    &o), 0);
		assert_true(o.link.has_stats);
		assert_int_equal(o.link.stats.rx_packets, 77);
		assert_int_equal(o.link.stats.rx_nohandler, 0);
		rtnl_obj_clear(kind, &o);
	}
}

static void
test_json_fragment_and_utf8(void **state)
{
	struct fixture	*f = *state;
	struct lspec	 l = eth(2, "e\xff\xfe");

	link_msg(&f->m, RTM_NEWLINK, &l);
	assert_int_equal(apply(f->st, &f->m, &f->c), 0);
	/* Not UTF-8: still valid JSON. */
	assert_string_equal(js(f->c.e[0].j, "detail.name"), "e??");
	assert_true(strncmp(f->c.e[0].frag, "\"detail\":{", 10) == 0);
	assert_int_equal(f->c.e[0].frag[strlen(f->c.e[0].frag) - 1], '}');
	assert_non_null(strstr(f->c.e[0].frag, "},\"new\":{"));
}

/* A record made by hand, as the netlink process may render one. */
static void
test_event_json_without_state(void **state)
{
	struct rtnl_event	 ev;
	union rtnl_obj		 o, n;
	char			*s;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.route.family = AF_INET;
	o.route.table = 254;
	o.route.type = RTN_UNICAST;
	o.route.protocol = RTPROT_BOOT;
	n = o;
	n.route.protocol = RTPROT_STATIC;
	memset(&ev, 0, sizeof(ev));
	ev.kind = RTNL_ROUTE;
	ev.change = RTNL_UPDATE;
	ev.changed = RTNL_A_PROTOCOL;
	ev.old = &o;
	ev.new = &n;
	s = rtnl_event_json(&ev);
	assert_non_null(s);
	assert_string_equal(s, "\"detail\":{\"table\":254,\"dst\":\"default\","
	    "\"protocol\":4,\"protocol_name\":\"static\","
	    "\"family\":\"inet\",\"metric\":0,\"type\":\"unicast\","
	    "\"scope\":\"global\"},"
	    "\"old\":{\"protocol\":3,\"protocol_name\":\"boot\"},"
	    "\"new\":{\"protocol\":4,\"protocol_name\":\"static\"}");
	free(s);

	/* A delete: old only; detail is old. */
	ev.change = RTNL_DELETE;
	ev.changed = 0;
	ev.new = NULL;
	s = rtnl_event_json(&ev);
	assert_non_null(s);
	assert_null(strstr(s, "\"new\""));
	assert_non_null(strstr(s, "\"detail\":{\"table\":254"));
	assert_non_null(strstr(s, "\"old\":{\"table\":254"));
	free(s);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(rtnl_operstate_name(OPER_UP), "up");
	assert_string_equal(rtnl_operstate_name(OPER_LLDOWN),
	    "lower-layer-down");
	assert_string_equal(rtnl_operstate_name(OPER_UNKNOWN), "unknown");
	assert_null(rtnl_operstate_name(200));
	assert_string_equal(rtnl_route_type_name(RTN_UNICAST), "unicast");
	assert_string_equal(rtnl_route_type_name(RTN_BLACKHOLE), "blackhole");
	assert_null(rtnl_route_type_name(99));
	assert_string_equal(rtnl_protocol_name(RTPROT_STATIC), "static");
	assert_string_equal(rtnl_protocol_name(RTPROT_KERNEL), "kernel");
	assert_string_equal(rtnl_protocol_name(RTPROT_BGP), "bgp");
	assert_null(rtnl_protocol_name(250));
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_link_add_has_full_detail),
		T(test_link_without_extras_omits_them),
		T(test_link_update_each_attribute),
		T(test_link_two_changes_in_one_update),
		T(test_link_no_change_no_event_but_stats_kept),
		T(test_link_delete),
		T(test_link_bridge_family_is_not_a_link_event),
		T(test_links_walk_in_index_order),
		T(test_addrs_and_routes_walk_with_current_names),
		T(test_addr_v4_add_and_delete),
		T(test_addr_v4_peer),
		T(test_addr_v6_add_and_delete),
		T(test_addr_v6_peer_uses_local),
		T(test_addr_ifa_flags_override_ifa_flags),
		T(test_addr_flags_change_is_update),
		T(test_addr_and_route_names_follow_rename),
		T(test_route_add_main_and_table_100),
		T(test_route_rta_table_overrides_rtm_table),
		T(test_route_replace_is_update),
		T(test_route_two_devices),
		T(test_resync_routes_only),
		T(test_route_v6_siblings),
		T(test_route_watch),
		T(test_route_v4_via_inet6_gateway),
		T(test_route_v6_multipath),
		T(test_route_multipath_weight_256_and_via),
		T(test_route_default),
		T(test_route_src_and_unnamed_protocol),
		T(test_route_delete),
		T(test_route_kernel_noise),
		T(test_quiet_updates_state_without_events),
		T(test_max_routes_overflow),
		T(test_resync),
		T(test_malformed_messages),
		T(test_malformed_multipath),
		T(test_other_messages_are_ignored),
		T(test_names_are_cut_and_unknown_attributes_skipped),
		T(test_parse_at_odd_address_and_old_stats),
		T(test_json_fragment_and_utf8),
		cmocka_unit_test(test_event_json_without_state),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("rtnl", tests, NULL, NULL);
}
