/*
 * rtnetlink links, addresses and routes: see rtnl.h.
 *
 * The bytes come from the kernel but are parsed as if anyone had written
 * them (and they are fuzzed): every length is checked before what it
 * covers is read, and every field is copied out with memcpy, so neither
 * a short buffer nor an odd alignment matters.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rtnl.h"

/*
 * Next hops in one RTA_MULTIPATH.  The kernel's own limit is higher
 * (fib_multipath_max); a route with more is malformed here rather than
 * silently cut, so that its next hops are never half reported.
 */
#define RTNL_MAXNH		256

/* A parser's -1 is malformed input; this is a failed allocation. */
#define PARSE_NOMEM		(-2)

/* RTA_PREF values (ICMPV6_ROUTER_PREF_* of <linux/icmpv6.h>). */
#define PREF_MEDIUM		0
#define PREF_HIGH		1
#define PREF_LOW		3

/* IFLA_STATS64 up to tx_compressed: what every kernel sends. */
#define STATS64_MIN		\
	offsetof(struct rtnl_link_stats64, rx_nohandler)

/*
 * The link flags lopa shows (Go's net.Flags).  Only these take part in
 * the diff: a change of another bit (promiscuous mode from tcpdump,
 * IFF_LOWER_UP which moves with IFF_RUNNING) would be an update whose
 * old and new flags read the same.
 */
#define LINK_FLAGS_SHOWN	(IFF_UP | IFF_BROADCAST | IFF_LOOPBACK | \
				 IFF_POINTOPOINT | IFF_MULTICAST | IFF_RUNNING)

struct attr {
	uint16_t	 type;
	const uint8_t	*data;
	size_t		 len;
};

struct link_node {
	RB_ENTRY(link_node)	 entry;
	uint64_t		 gen;
	struct rtnl_link	 l;
};

struct addr_node {
	RB_ENTRY(addr_node)	 entry;
	uint64_t		 gen;
	struct rtnl_addr	 a;
};

struct route_node {
	RB_ENTRY(route_node)	 entry;
	uint64_t		 gen;
	struct rtnl_route	 r;
};

RB_HEAD(rtnl_link_tree, link_node);
RB_HEAD(rtnl_addr_tree, addr_node);
RB_HEAD(rtnl_route_tree, route_node);

struct rtnl_state {
	struct rtnl_link_tree	 links;
	struct rtnl_addr_tree	 addrs;
	struct rtnl_route_tree	 routes;
	size_t			 max_routes;
	uint64_t		 gen;	/* bumped by a resync's begin */
	int			 resyncing;
	int			 routes_only;	/* this resync's */
	int			 watch_all;	/* rtnl_state_watch() */
	size_t			 nwatch;
	uint32_t		 watch[RTNL_WATCH_MAX];	/* sorted */
	uint64_t		 resync_events;
	struct rtnl_counters	 c;
};

/* Where the events of one call go. */
struct sink {
	rtnl_event_cb	 cb;
	void		*arg;
	int		 quiet;
};

static int	 link_cmp(const struct link_node *, const struct link_node *);
static int	 addr_cmp(const struct addr_node *, const struct addr_node *);
static int	 route_cmp(const struct route_node *,
		    const struct route_node *);

static void	 fill_ifname(const struct rtnl_state *, uint32_t, char *);
static void	 fill_nh_names(const struct rtnl_state *, const struct rtnl_route *);

RB_PROTOTYPE(rtnl_link_tree, link_node, entry, link_cmp);
RB_GENERATE(rtnl_link_tree, link_node, entry, link_cmp);
RB_PROTOTYPE(rtnl_addr_tree, addr_node, entry, addr_cmp);
RB_GENERATE(rtnl_addr_tree, addr_node, entry, addr_cmp);
RB_PROTOTYPE(rtnl_route_tree, route_node, entry, route_cmp);
RB_GENERATE(rtnl_route_tree, route_node, entry, route_cmp);

static size_t
alen(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static unsigned int
maxbits(uint8_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

#define CMP(a, b)	((a) < (b) ? -1 : (a) > (b))

static int
link_cmp(const struct link_node *a, const struct link_node *b)
{
	return CMP(a->l.ifindex, b->l.ifindex);
}

static int
addr_cmp(const struct addr_node *a, const struct addr_node *b)
{
	if (a->a.family != b->a.family)
		return CMP(a->a.family, b->a.family);
	if (a->a.ifindex != b->a.ifindex)
		return CMP(a->a.ifindex, b->a.ifindex);
	if (a->a.prefixlen != b->a.prefixlen)
		return CMP(a->a.prefixlen, b->a.prefixlen);
	return memcmp(a->a.addr, b->a.addr, sizeof(a->a.addr));
}

/*
 * The kernel's own key (table, destination, source, TOS, metric), then
 * the device and gateway: IPv4 routes appended (ip route append) and
 * IPv6 routes to one prefix through two devices are routes of their own,
 * each announced and deleted apart.  A multipath route has neither.
 */
static int
route_cmp_base(const struct rtnl_route *x, const struct rtnl_route *y)
{
	int	 d;

	if (x->family != y->family)
		return CMP(x->family, y->family);
	if (x->table != y->table)
		return CMP(x->table, y->table);
	if (x->dst_len != y->dst_len)
		return CMP(x->dst_len, y->dst_len);
	if ((d = memcmp(x->dst, y->dst, sizeof(x->dst))) != 0)
		return d;
	if (x->src_len != y->src_len)
		return CMP(x->src_len, y->src_len);
	if ((d = memcmp(x->src, y->src, sizeof(x->src))) != 0)
		return d;
	if (x->tos != y->tos)
		return CMP(x->tos, y->tos);
	return CMP(x->priority, y->priority);
}

static int
route_cmp(const struct route_node *a, const struct route_node *b)
{
	const struct rtnl_route	*x = &a->r, *y = &b->r;
	int			 d;

	if ((d = route_cmp_base(x, y)) != 0)
		return d;
	if (x->oif != y->oif)
		return CMP(x->oif, y->oif);
	if (x->gw_family != y->gw_family)
		return CMP(x->gw_family, y->gw_family);
	return memcmp(x->gw, y->gw, sizeof(x->gw));
}

/*
 * Parsing.
 */

/*
 * The next attribute of *p (left octets): 1 and *a set, 0 at the end,
 * -1 malformed.  The last attribute may lack its padding; any other
 * octets left over are malformed.
 */
static int
attr_next(const uint8_t **p, size_t *left, struct attr *a)
{
	struct rtattr	 rta;
	size_t		 step;

	if (*left == 0)
		return 0;
	if (*left < sizeof(rta))
		return -1;
	memcpy(&rta, *p, sizeof(rta));
	if (rta.rta_len < sizeof(rta) || rta.rta_len > *left)
		return -1;
	a->type = rta.rta_type & NLA_TYPE_MASK;
	a->data = *p + RTA_LENGTH(0);
	a->len = rta.rta_len - RTA_LENGTH(0);
	step = RTA_ALIGN(rta.rta_len);
	if (step >= *left) {
		*p += *left;
		*left = 0;
	} else {
		*p += step;
		*left -= step;
	}
	return 1;
}

static int
attr_u8(const struct attr *a, uint8_t *v)
{
	if (a->len < sizeof(*v))
		return -1;
	*v = a->data[0];
	return 0;
}

static int
attr_u32(const struct attr *a, uint32_t *v)
{
	if (a->len < sizeof(*v))
		return -1;
	memcpy(v, a->data, sizeof(*v));
	return 0;
}

static int
attr_addr(const struct attr *a, uint8_t family, uint8_t *dst)
{
	if (a->len < alen(family))
		return -1;
	memcpy(dst, a->data, alen(family));
	return 0;
}

/* A string attribute, NUL-terminated or not, cut to fit. */
static void
attr_str(const struct attr *a, char *dst, size_t dstsz)
{
	size_t	 n;

	n = strnlen((const char *)a->data, a->len);
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, a->data, n);
	dst[n] = '\0';
}

/* RTA_VIA: a gateway of the family it names; 0 for another family. */
static int
attr_via(const struct attr *a, uint8_t *family, uint8_t *gw)
{
	struct rtvia	 via;
	size_t		 n;

	if (a->len < sizeof(via))
		return -1;
	memcpy(&via, a->data, sizeof(via));
	if (via.rtvia_family != AF_INET && via.rtvia_family != AF_INET6)
		return 0;		/* MPLS and such: not ours */
	n = alen(via.rtvia_family);
	if (a->len - sizeof(via) < n)
		return -1;
	memcpy(gw, a->data + sizeof(via), n);
	*family = via.rtvia_family;
	return 0;
}

/* The family header of a message and where its attributes start. */
static int
msg_body(const uint8_t *msg, size_t len, void *hdr, size_t hdrlen,
    const uint8_t **attrs, size_t *left)
{
	size_t	 off = NLMSG_SPACE(hdrlen);

	if (len < NLMSG_LENGTH(hdrlen))
		return -1;
	memcpy(hdr, msg + NLMSG_HDRLEN, hdrlen);
	*attrs = msg + (off < len ? off : len);
	*left = off < len ? len - off : 0;
	return 0;
}

static int
parse_linkinfo(const struct attr *info, struct rtnl_link *l)
{
	const uint8_t	*p = info->data;
	size_t		 left = info->len;
	struct attr	 a;
	int		 rc;

	while ((rc = attr_next(&p, &left, &a)) == 1)
		if (a.type == IFLA_INFO_KIND)
			attr_str(&a, l->kind, sizeof(l->kind));
	return rc;
}

static int
parse_stats(const struct attr *a, struct rtnl_link *l)
{
	struct rtnl_link_stats64	 s;

	if (a->len < STATS64_MIN)
		return -1;
	/* An older kernel's is shorter, a newer one's longer. */
	memset(&s, 0, sizeof(s));
	memcpy(&s, a->data, a->len < sizeof(s) ? a->len : sizeof(s));
	l->stats.rx_bytes = s.rx_bytes;
	l->stats.tx_bytes = s.tx_bytes;
	l->stats.rx_packets = s.rx_packets;
	l->stats.tx_packets = s.tx_packets;
	l->stats.rx_errors = s.rx_errors;
	l->stats.tx_errors = s.tx_errors;
	l->stats.rx_dropped = s.rx_dropped;
	l->stats.tx_dropped = s.tx_dropped;
	l->stats.multicast = s.multicast;
	l->stats.collisions = s.collisions;
	l->stats.rx_nohandler = s.rx_nohandler;
	l->has_stats = 1;
	return 0;
}

/*
 * 1 for a family other than AF_UNSPEC: the bridge's RTM_{NEW,DEL}LINK
 * of AF_BRIDGE (a port joining or leaving; its DELLINK does not delete
 * the link) and IPv6's per-link AF_INET6 messages carry partial records.
 */
static int
parse_link(const uint8_t *msg, size_t len, struct rtnl_link *l)
{
	struct ifinfomsg ifi;
	const uint8_t	*p;
	size_t		 left;
	struct attr	 a;
	int		 rc;

	if (msg_body(msg, len, &ifi, sizeof(ifi), &p, &left) == -1)
		return -1;
	if (ifi.ifi_family != AF_UNSPEC)
		return 1;
	l->ifindex = (uint32_t)ifi.ifi_index;
	l->flags = ifi.ifi_flags;
	l->type = ifi.ifi_type;
	while ((rc = attr_next(&p, &left, &a)) == 1) {
		switch (a.type) {
		case IFLA_IFNAME:
			attr_str(&a, l->name, sizeof(l->name));
			break;
		case IFLA_MTU:
			rc = attr_u32(&a, &l->mtu);
			break;
		case IFLA_MASTER:
			rc = attr_u32(&a, &l->master);
			break;
		case IFLA_CARRIER_CHANGES:
			rc = attr_u32(&a, &l->carrier_changes);
			break;
		case IFLA_OPERSTATE:
			rc = attr_u8(&a, &l->operstate);
			break;
		case IFLA_ADDRESS:
			/* MAX_ADDR_LEN is 32: longer is cut, never read. */
			l->hwaddr_len = a.len < sizeof(l->hwaddr) ?
			    (uint8_t)a.len : sizeof(l->hwaddr);
			memcpy(l->hwaddr, a.data, l->hwaddr_len);
			break;
		case IFLA_LINKINFO:
			rc = parse_linkinfo(&a, l);
			break;
		case IFLA_STATS64:
			rc = parse_stats(&a, l);
			break;
		}
		if (rc == -1)
			return -1;
	}
	return rc;
}

/*
 * The address is IFA_LOCAL when there is one, else IFA_ADDRESS; an
 * IFA_ADDRESS that differs from IFA_LOCAL is the peer.  IPv6 follows
 * the same rule: inet6_fill_ifaddr() sends IFA_LOCAL and IFA_ADDRESS
 * (the peer) for an address with a peer, IFA_ADDRESS alone otherwise.
 */
static int
parse_addr(const uint8_t *msg, size_t len, struct rtnl_addr *r)
{
	struct ifaddrmsg ifa;
	const uint8_t	*p;
	size_t		 left;
	struct attr	 a;
	uint8_t		 local[16], address[16];
	int		 rc, has_local = 0, has_address = 0;

	if (msg_body(msg, len, &ifa, sizeof(ifa), &p, &left) == -1)
		return -1;
	if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6)
		return 1;
	if (ifa.ifa_prefixlen > maxbits(ifa.ifa_family))
		return -1;
	r->family = ifa.ifa_family;
	r->prefixlen = ifa.ifa_prefixlen;
	r->scope = ifa.ifa_scope;
	r->flags = ifa.ifa_flags;
	r->ifindex = ifa.ifa_index;
	memset(local, 0, sizeof(local));
	memset(address, 0, sizeof(address));
	while ((rc = attr_next(&p, &left, &a)) == 1) {
		switch (a.type) {
		case IFA_ADDRESS:
			rc = attr_addr(&a, r->family, address);
			has_address = 1;
			break;
		case IFA_LOCAL:
			rc = attr_addr(&a, r->family, local);
			has_local = 1;
			break;
		case IFA_LABEL:
			attr_str(&a, r->label, sizeof(r->label));
			break;
		case IFA_FLAGS:
			rc = attr_u32(&a, &r->flags);
			break;
		}
		if (rc == -1)
			return -1;
	}
	if (rc == -1)
		return -1;
	if (has_local) {
		memcpy(r->addr, local, sizeof(r->addr));
		if (has_address && memcmp(local, address, sizeof(local)) != 0) {
			memcpy(r->peer, address, sizeof(r->peer));
			r->has_peer = 1;
		}
	} else
		memcpy(r->addr, address, sizeof(r->addr));
	return 0;
}

/* RTA_GATEWAY or RTA_VIA inside one rtnexthop. */
static int
parse_nh_attrs(const uint8_t *p, size_t left, uint8_t family,
    struct rtnl_nexthop *nh)
{
	struct attr	 a;
	int		 rc;

	while ((rc = attr_next(&p, &left, &a)) == 1) {
		switch (a.type) {
		case RTA_GATEWAY:
			rc = attr_addr(&a, family, nh->gw);
			nh->gw_family = family;
			break;
		case RTA_VIA:
			rc = attr_via(&a, &nh->gw_family, nh->gw);
			break;
		}
		if (rc == -1)
			return -1;
	}
	return rc;
}

/*
 * Walk RTA_MULTIPATH: the number of next hops, or -1.  out NULL only
 * counts and checks; else it receives them.
 */
static int
multipath_walk(const struct attr *mp, uint8_t family,
    struct rtnl_nexthop *out)
{
	struct rtnexthop	 rtnh;
	struct rtnl_nexthop	 scratch, *nh;
	const uint8_t		*p = mp->data;
	size_t			 left = mp->len, step;
	int			 n = 0;

	while (left > 0) {
		if (left < sizeof(rtnh))
			return -1;
		memcpy(&rtnh, p, sizeof(rtnh));
		if (rtnh.rtnh_len < sizeof(rtnh) || rtnh.rtnh_len > left)
			return -1;
		if (n == RTNL_MAXNH)
			return -1;
		nh = out != NULL ? &out[n] : &scratch;
		memset(nh, 0, sizeof(*nh));
		nh->flags = rtnh.rtnh_flags;
		/* Weight 256 (hops 255) wraps to 0: see nh_json(). */
		nh->weight = (uint8_t)(rtnh.rtnh_hops + 1);
		nh->ifindex = (uint32_t)rtnh.rtnh_ifindex;
		if (parse_nh_attrs(p + sizeof(rtnh),
		    rtnh.rtnh_len - sizeof(rtnh), family, nh) == -1)
			return -1;
		n++;
		step = RTNH_ALIGN(rtnh.rtnh_len);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	return n;
}

static int
parse_multipath(const struct attr *a, struct rtnl_route *r)
{
	struct rtnl_nexthop	*nh = NULL;
	int			 n;

	if ((n = multipath_walk(a, r->family, NULL)) == -1)
		return -1;
	if (n > 0) {
		if ((nh = calloc(n, sizeof(*nh))) == NULL)
			return PARSE_NOMEM;
		(void)multipath_walk(a, r->family, nh);
	}
	free(r->nh);
	r->nh = nh;
	r->nnh = (uint16_t)n;
	return 0;
}

/*
 * Families other than AF_INET and AF_INET6 (the multicast routing
 * cache's RTNL_FAMILY_IPMR, MPLS) are not ours: 1.
 */
static int
parse_route(const uint8_t *msg, size_t len, struct rtnl_route *r)
{
	struct rtmsg	 rtm;
	const uint8_t	*p;
	size_t		 left;
	struct attr	 a;
	int		 rc;

	if (msg_body(msg, len, &rtm, sizeof(rtm), &p, &left) == -1)
		return -1;
	if (rtm.rtm_family != AF_INET && rtm.rtm_family != AF_INET6)
		return 1;
	if (rtm.rtm_dst_len > maxbits(rtm.rtm_family) ||
	    rtm.rtm_src_len > maxbits(rtm.rtm_family))
		return -1;
	r->family = rtm.rtm_family;
	r->dst_len = rtm.rtm_dst_len;
	r->src_len = rtm.rtm_src_len;
	r->tos = rtm.rtm_tos;
	r->table = rtm.rtm_table;
	r->protocol = rtm.rtm_protocol;
	r->scope = rtm.rtm_scope;
	r->type = rtm.rtm_type;
	r->flags = rtm.rtm_flags;
	while ((rc = attr_next(&p, &left, &a)) == 1) {
		switch (a.type) {
		case RTA_DST:
			rc = attr_addr(&a, r->family, r->dst);
			break;
		case RTA_SRC:
			rc = attr_addr(&a, r->family, r->src);
			break;
		case RTA_GATEWAY:
			rc = attr_addr(&a, r->family, r->gw);
			r->gw_family = r->family;
			break;
		case RTA_VIA:
			rc = attr_via(&a, &r->gw_family, r->gw);
			break;
		case RTA_PREFSRC:
			rc = attr_addr(&a, r->family, r->prefsrc);
			r->has_prefsrc = 1;
			break;
		case RTA_OIF:
			rc = attr_u32(&a, &r->oif);
			break;
		case RTA_PRIORITY:
			rc = attr_u32(&a, &r->priority);
			break;
		case RTA_TABLE:
			rc = attr_u32(&a, &r->table);
			break;
		case RTA_PREF:
			rc = attr_u8(&a, &r->pref);
			break;
		case RTA_MULTIPATH:
			rc = parse_multipath(&a, r);
			break;
		}
		if (rc < 0)
			return rc;
	}
	return rc;
}

int
rtnl_parse(const void *buf, size_t len, uint8_t *kind, int *del,
    union rtnl_obj *obj)
{
	struct nlmsghdr	 nh;
	const uint8_t	*msg = buf;
	int		 rc;

	memset(obj, 0, sizeof(*obj));
	*kind = 0;
	*del = 0;
	if (buf == NULL || len < sizeof(nh))
		goto bad;
	memcpy(&nh, msg, sizeof(nh));
	if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len)
		goto bad;
	switch (nh.nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		*kind = RTNL_LINK;
		rc = parse_link(msg, nh.nlmsg_len, &obj->link);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		*kind = RTNL_ADDR;
		rc = parse_addr(msg, nh.nlmsg_len, &obj->addr);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		*kind = RTNL_ROUTE;
		rc = parse_route(msg, nh.nlmsg_len, &obj->route);
		break;
	default:
		return 1;
	}
	if (rc == 0) {
		*del = nh.nlmsg_type == RTM_DELLINK ||
		    nh.nlmsg_type == RTM_DELADDR ||
		    nh.nlmsg_type == RTM_DELROUTE;
		return 0;
	}
	rtnl_obj_clear(*kind, obj);
	*kind = 0;
	if (rc == 1)
		return 1;
	if (rc == PARSE_NOMEM) {
		errno = ENOMEM;
		return -1;
	}
 bad:
	errno = EINVAL;
	return -1;
}

void
rtnl_obj_clear(uint8_t kind, union rtnl_obj *obj)
{
	if (kind == RTNL_ROUTE)
		free(obj->route.nh);
	memset(obj, 0, sizeof(*obj));
}

/*
 * Noise and diffs.
 */

int
rtnl_route_is_kernel(const struct rtnl_route *r)
{
	static const uint8_t	 ll[8] = { 0xfe, 0x80 };

	if (r->table == RT_TABLE_LOCAL || (r->flags & RTM_F_CLONED))
		return 1;
	switch (r->type) {
	case RTN_LOCAL:
	case RTN_BROADCAST:
	case RTN_MULTICAST:
	case RTN_ANYCAST:
		return 1;
	}
	if (r->family == AF_INET6) {
		if (r->dst_len >= 8 && r->dst[0] == 0xff)
			return 1;
		if (r->dst_len >= 64 && memcmp(r->dst, ll, sizeof(ll)) == 0)
			return 1;
	} else if (r->dst_len >= 4 && (r->dst[0] & 0xf0) == 0xe0)
		return 1;
	return 0;
}

static uint32_t
link_diff(const struct rtnl_link *a, const struct rtnl_link *b)
{
	uint32_t	 c = 0;

	if (strcmp(a->name, b->name) != 0)
		c |= RTNL_A_NAME;
	if ((a->flags ^ b->flags) & LINK_FLAGS_SHOWN)
		c |= RTNL_A_FLAGS;
	if (a->mtu != b->mtu)
		c |= RTNL_A_MTU;
	if (a->operstate != b->operstate)
		c |= RTNL_A_OPERSTATE;
	if (a->master != b->master)
		c |= RTNL_A_MASTER;
	if (a->hwaddr_len != b->hwaddr_len ||
	    memcmp(a->hwaddr, b->hwaddr, a->hwaddr_len) != 0)
		c |= RTNL_A_HWADDR;
	if (strcmp(a->kind, b->kind) != 0)
		c |= RTNL_A_KIND;
	if (a->type != b->type)
		c |= RTNL_A_TYPE;
	if (a->carrier_changes != b->carrier_changes)
		c |= RTNL_A_CARRIER;
	return c;
}

static uint32_t
addr_diff(const struct rtnl_addr *a, const struct rtnl_addr *b)
{
	uint32_t	 c = 0;

	if (a->flags != b->flags)
		c |= RTNL_A_FLAGS;
	if (a->scope != b->scope)
		c |= RTNL_A_SCOPE;
	if (a->has_peer != b->has_peer ||
	    memcmp(a->peer, b->peer, sizeof(a->peer)) != 0)
		c |= RTNL_A_PEER;
	if (strcmp(a->label, b->label) != 0)
		c |= RTNL_A_LABEL;
	return c;
}

static int
nh_same(const struct rtnl_nexthop *a, const struct rtnl_nexthop *b)
{
	return a->gw_family == b->gw_family &&
	    memcmp(a->gw, b->gw, sizeof(a->gw)) == 0 &&
	    a->weight == b->weight && a->flags == b->flags &&
	    a->ifindex == b->ifindex;
}

static uint32_t
route_diff(const struct rtnl_route *a, const struct rtnl_route *b)
{
	uint32_t	 c = 0;
	uint16_t	 i;

	if (a->flags != b->flags)
		c |= RTNL_A_FLAGS;
	if (a->type != b->type)
		c |= RTNL_A_TYPE;
	if (a->scope != b->scope)
		c |= RTNL_A_SCOPE;
	if (a->gw_family != b->gw_family ||
	    memcmp(a->gw, b->gw, sizeof(a->gw)) != 0)
		c |= RTNL_A_GATEWAY;
	if (a->oif != b->oif)
		c |= RTNL_A_OIF;
	if (a->protocol != b->protocol)
		c |= RTNL_A_PROTOCOL;
	if (a->has_prefsrc != b->has_prefsrc ||
	    memcmp(a->prefsrc, b->prefsrc, sizeof(a->prefsrc)) != 0)
		c |= RTNL_A_PREFSRC;
	if (a->pref != b->pref)
		c |= RTNL_A_PREF;
	if (a->nnh != b->nnh)
		c |= RTNL_A_NEXTHOPS;
	else
		for (i = 0; i < a->nnh; i++)
			if (!nh_same(&a->nh[i], &b->nh[i])) {
				c |= RTNL_A_NEXTHOPS;
				break;
			}
	return c;
}

/*
 * State.
 */

struct rtnl_state *
rtnl_state_new(size_t max_routes)
{
	struct rtnl_state	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	RB_INIT(&st->links);
	RB_INIT(&st->addrs);
	RB_INIT(&st->routes);
	st->max_routes = max_routes;
	st->watch_all = 1;
	return st;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
table_watched(const struct rtnl_state *st, uint32_t table)
{
	return st->watch_all || bsearch(&table, st->watch, st->nwatch,
	    sizeof(table), u32_cmp) != NULL;
}

int
rtnl_state_watch(struct rtnl_state *st, int all, const uint32_t *tables,
    size_t n)
{
	struct route_node	*rn, *rt;
	uint32_t		 old[RTNL_WATCH_MAX];
	size_t			 i, nold = st->nwatch;
	int			 was_all = st->watch_all, wider = 0;

	if (n > RTNL_WATCH_MAX)
		all = 1;
	memcpy(old, st->watch, sizeof(old));
	st->watch_all = all;
	st->nwatch = all ? 0 : n;
	if (!all) {
		memcpy(st->watch, tables, n * sizeof(*tables));
		qsort(st->watch, n, sizeof(*st->watch), u32_cmp);
	}
	if (all)
		return !was_all;
	if (!was_all)
		for (i = 0; i < st->nwatch && !wider; i++)
			if (bsearch(&st->watch[i], old, nold, sizeof(*old),
			    u32_cmp) == NULL)
				wider = 1;
	/* The routes of tables no longer watched go, silently. */
	RB_FOREACH_SAFE(rn, rtnl_route_tree, &st->routes, rt) {
		if (table_watched(st, rn->r.table))
			continue;
		RB_REMOVE(rtnl_route_tree, &st->routes, rn);
		st->c.routes--;
		free(rn->r.nh);
		free(rn);
	}
	return wider;
}

void
rtnl_state_max_routes(struct rtnl_state *st, size_t max_routes)
{
	st->max_routes = max_routes;
}

void
rtnl_state_free(struct rtnl_state *st)
{
	struct link_node	*ln, *lt;
	struct addr_node	*an, *at;
	struct route_node	*rn, *rt;

	if (st == NULL)
		return;
	RB_FOREACH_SAFE(rn, rtnl_route_tree, &st->routes, rt) {
		RB_REMOVE(rtnl_route_tree, &st->routes, rn);
		free(rn->r.nh);
		free(rn);
	}
	RB_FOREACH_SAFE(an, rtnl_addr_tree, &st->addrs, at) {
		RB_REMOVE(rtnl_addr_tree, &st->addrs, an);
		free(an);
	}
	RB_FOREACH_SAFE(ln, rtnl_link_tree, &st->links, lt) {
		RB_REMOVE(rtnl_link_tree, &st->links, ln);
		free(ln);
	}
	free(st);
}

void
rtnl_state_counters(const struct rtnl_state *st, struct rtnl_counters *c)
{
	*c = st->c;
}

static struct link_node *
link_find(const struct rtnl_state *st, uint32_t ifindex)
{
	struct link_node	 key;

	key.l.ifindex = ifindex;
	return RB_FIND(rtnl_link_tree,
	    (struct rtnl_link_tree *)&st->links, &key);
}

const struct rtnl_link *
rtnl_state_link(const struct rtnl_state *st, uint32_t ifindex)
{
	struct link_node	*n;

	n = link_find(st, ifindex);
	return n != NULL ? &n->l : NULL;
}

void
rtnl_state_links(const struct rtnl_state *st,
    void (*cb)(const struct rtnl_link *, void *), void *arg)
{
	struct link_node	*n;

	RB_FOREACH(n, rtnl_link_tree, (struct rtnl_link_tree *)&st->links)
		cb(&n->l, arg);
}

void
rtnl_state_addrs(const struct rtnl_state *st,
    void (*cb)(const struct rtnl_addr *, void *), void *arg)
{
	struct addr_node	*n;
	struct rtnl_addr	 a;

	RB_FOREACH(n, rtnl_addr_tree, (struct rtnl_addr_tree *)&st->addrs) {
		a = n->a;
		fill_ifname(st, a.ifindex, a.ifname);
		cb(&a, arg);
	}
}

void
rtnl_state_routes(const struct rtnl_state *st,
    void (*cb)(const struct rtnl_route *, void *), void *arg)
{
	struct route_node	*n;
	struct rtnl_route	 r;

	RB_FOREACH(n, rtnl_route_tree,
	    (struct rtnl_route_tree *)&st->routes) {
		r = n->r;
		fill_ifname(st, r.oif, r.ifname);
		fill_nh_names(st, &r);
		cb(&r, arg);
	}
}

/* The name of a known link into dst; left as it is if the link is not. */
static void
fill_ifname(const struct rtnl_state *st, uint32_t ifindex, char *dst)
{
	struct link_node	*n;

	if ((n = link_find(st, ifindex)) != NULL)
		memcpy(dst, n->l.name, RTNL_NAMELEN);
}

/* The names of a route's next hops' links, as they are now. */
static void
fill_nh_names(const struct rtnl_state *st, const struct rtnl_route *r)
{
	uint16_t	 i;

	for (i = 0; i < r->nnh; i++)
		fill_ifname(st, r->nh[i].ifindex, r->nh[i].ifname);
}

static void
emit(struct rtnl_state *st, const struct sink *s, uint8_t kind,
    uint8_t change, uint32_t changed, const union rtnl_obj *old,
    const union rtnl_obj *new)
{
	struct rtnl_event	 ev;
	const union rtnl_obj	*cur = new != NULL ? new : old;

	if (s->quiet)
		return;
	if (kind == RTNL_ROUTE) {
		if (old != NULL)
			fill_nh_names(st, &old->route);
		if (new != NULL)
			fill_nh_names(st, &new->route);
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.change = change;
	ev.changed = changed;
	ev.old = old;
	ev.new = new;
	ev.kernel = kind == RTNL_ROUTE && rtnl_route_is_kernel(&cur->route);
	if (st->resyncing)
		st->resync_events++;
	if (s->cb != NULL)
		s->cb(&ev, s->arg);
}

static int
link_apply(struct rtnl_state *st, const struct rtnl_link *m, int del,
    const struct sink *s)
{
	struct link_node	*n;
	union rtnl_obj		 old, new;
	uint32_t		 changed;

	n = link_find(st, m->ifindex);
	if (del) {
		old.link = n != NULL ? n->l : *m;
		if (n != NULL) {
			RB_REMOVE(rtnl_link_tree, &st->links, n);
			free(n);
			st->c.links--;
		}
		emit(st, s, RTNL_LINK, RTNL_DELETE, 0, &old, NULL);
		return 0;
	}
	if (n == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL)
			return -1;
		n->l = *m;
		n->gen = st->gen;
		RB_INSERT(rtnl_link_tree, &st->links, n);
		st->c.links++;
		new.link = n->l;
		emit(st, s, RTNL_LINK, RTNL_ADD, 0, NULL, &new);
		return 0;
	}
	changed = link_diff(&n->l, m);
	old.link = n->l;
	n->l = *m;		/* the new counters, changed or not */
	n->gen = st->gen;
	new.link = n->l;
	if (changed != 0)
		emit(st, s, RTNL_LINK, RTNL_UPDATE, changed, &old, &new);
	return 0;
}

static int
addr_apply(struct rtnl_state *st, const struct rtnl_addr *m, int del,
    const struct sink *s)
{
	struct addr_node	 key, *n;
	union rtnl_obj		 old, new;
	uint32_t		 changed;

	key.a = *m;
	n = RB_FIND(rtnl_addr_tree, &st->addrs, &key);
	if (del) {
		old.addr = n != NULL ? n->a : *m;
		if (n != NULL) {
			RB_REMOVE(rtnl_addr_tree, &st->addrs, n);
			free(n);
			st->c.addrs--;
		}
		fill_ifname(st, old.addr.ifindex, old.addr.ifname);
		emit(st, s, RTNL_ADDR, RTNL_DELETE, 0, &old, NULL);
		return 0;
	}
	if (n == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL)
			return -1;
		n->a = *m;
		n->gen = st->gen;
		fill_ifname(st, n->a.ifindex, n->a.ifname);
		RB_INSERT(rtnl_addr_tree, &st->addrs, n);
		st->c.addrs++;
		new.addr = n->a;
		emit(st, s, RTNL_ADDR, RTNL_ADD, 0, NULL, &new);
		return 0;
	}
	changed = addr_diff(&n->a, m);
	old.addr = n->a;
	fill_ifname(st, old.addr.ifindex, old.addr.ifname);
	n->a = *m;
	n->gen = st->gen;
	memcpy(n->a.ifname, old.addr.ifname, sizeof(n->a.ifname));
	new.addr = n->a;
	if (changed != 0)
		emit(st, s, RTNL_ADDR, RTNL_UPDATE, changed, &old, &new);
	return 0;
}

/*
 * m's next hops move into the state when the route is kept; the caller
 * frees whatever m still owns.
 */
/* The first route of r's kernel key (its group), NULL if none. */
static struct route_node *
route_group(struct rtnl_state *st, const struct rtnl_route *r)
{
	struct route_node	 key, *n;

	key.r = *r;
	key.r.oif = 0;
	key.r.gw_family = 0;
	memset(key.r.gw, 0, sizeof(key.r.gw));
	n = RB_NFIND(rtnl_route_tree, &st->routes, &key);
	return n != NULL && route_cmp_base(&n->r, r) == 0 ? n : NULL;
}

static struct route_node *
route_group_next(struct route_node *n)
{
	struct route_node	*x = RB_NEXT(rtnl_route_tree, NULL, n);

	return x != NULL && route_cmp_base(&x->r, &n->r) == 0 ? x : NULL;
}

/* Whether next hop h is the single-path route r's. */
static int
nh_is(const struct rtnl_nexthop *h, const struct rtnl_route *r)
{
	return h->ifindex == r->oif && h->gw_family == r->gw_family &&
	    memcmp(h->gw, r->gw, sizeof(h->gw)) == 0;
}

/*
 * Route n becomes m (taken), under m's key: an update of what changed.
 * n stays allocated (reinserted).
 */
static void
route_become(struct rtnl_state *st, struct route_node *n,
    struct rtnl_route *m, const struct sink *s)
{
	union rtnl_obj	 old, new;
	uint32_t	 changed;

	RB_REMOVE(rtnl_route_tree, &st->routes, n);
	changed = route_diff(&n->r, m);
	old.route = n->r;
	fill_ifname(st, old.route.oif, old.route.ifname);
	n->r = *m;
	m->nh = NULL;
	m->nnh = 0;
	n->gen = st->gen;
	fill_ifname(st, n->r.oif, n->r.ifname);
	if (RB_INSERT(rtnl_route_tree, &st->routes, n) != NULL) {
		/* m's key is kept already: this one goes. */
		st->c.routes--;
		free(n->r.nh);
		free(n);
		free(old.route.nh);
		return;
	}
	new.route = n->r;
	if (changed != 0)
		emit(st, s, RTNL_ROUTE, RTNL_UPDATE, changed, &old, &new);
	free(old.route.nh);
}

/*
 * A route of m's group that m (not kept under its own key) replaces: with
 * NLM_F_REPLACE the group's first; for a multipath m, a single-path
 * route that is one of its next hops (an IPv6 route appended to becomes
 * multipath), the others of its hops that are single-path routes
 * dropped silently.  NULL if none.
 */
static struct route_node *
route_replaced(struct rtnl_state *st, const struct rtnl_route *m,
    int replace)
{
	struct route_node	*n, *next, *found = NULL;
	uint16_t		 i;

	if ((n = route_group(st, m)) == NULL)
		return NULL;
	if (replace)
		return n;
	if (m->nnh == 0)
		return NULL;
	for (; n != NULL; n = next) {
		next = route_group_next(n);
		if (n->r.nnh != 0)
			continue;
		for (i = 0; i < m->nnh && !nh_is(&m->nh[i], &n->r); i++)
			;
		if (i == m->nnh)
			continue;
		if (found == NULL) {
			found = n;
			continue;
		}
		RB_REMOVE(rtnl_route_tree, &st->routes, n);
		st->c.routes--;
		free(n);
	}
	return found;
}

/*
 * The delete of a single-path route that is one next hop of a multipath
 * route kept (IPv6 announces the removal of a sibling so): that next hop
 * goes, an update; a multipath route left with one hop becomes that
 * route.  1 if so, 0 if m is no such hop.
 */
static int
route_hop_delete(struct rtnl_state *st, const struct rtnl_route *m,
    const struct sink *s)
{
	struct route_node	*n;
	struct rtnl_route	 r;
	uint16_t		 i;

	if (m->nnh != 0)
		return 0;
	for (n = route_group(st, m); n != NULL; n = route_group_next(n)) {
		for (i = 0; i < n->r.nnh && !nh_is(&n->r.nh[i], m); i++)
			;
		if (i < n->r.nnh)
			break;
	}
	if (n == NULL || n->r.nnh < 2)
		return 0;
	r = n->r;
	if ((r.nh = calloc(n->r.nnh, sizeof(*r.nh))) == NULL)
		return 0;
	memcpy(r.nh, n->r.nh, i * sizeof(*r.nh));
	memcpy(r.nh + i, n->r.nh + i + 1, (n->r.nnh - i - 1) *
	    sizeof(*r.nh));
	r.nnh = n->r.nnh - 1;
	if (r.nnh == 1) {
		r.oif = r.nh[0].ifindex;
		r.gw_family = r.nh[0].gw_family;
		memcpy(r.gw, r.nh[0].gw, sizeof(r.gw));
		free(r.nh);
		r.nh = NULL;
		r.nnh = 0;
	}
	route_become(st, n, &r, s);
	free(r.nh);
	return 1;
}

static int
route_apply(struct rtnl_state *st, struct rtnl_route *m, int del,
    int replace, const struct sink *s)
{
	struct route_node	 key, *n;
	union rtnl_obj		 old, new;
	uint32_t		 changed;

	if (!table_watched(st, m->table)) {
		/* Reported as it comes, not kept. */
		st->c.unwatched++;
		new.route = *m;
		fill_ifname(st, new.route.oif, new.route.ifname);
		emit(st, s, RTNL_ROUTE, del ? RTNL_DELETE : RTNL_ADD, 0,
		    del ? &new : NULL, del ? NULL : &new);
		return 0;
	}
	key.r = *m;
	n = RB_FIND(rtnl_route_tree, &st->routes, &key);
	if (n == NULL && !del &&
	    (n = route_replaced(st, m, replace)) != NULL) {
		route_become(st, n, m, s);
		return 0;
	}
	if (n == NULL && del && route_hop_delete(st, m, s))
		return 0;
	if (del) {
		old.route = n != NULL ? n->r : *m;
		if (n != NULL) {
			RB_REMOVE(rtnl_route_tree, &st->routes, n);
			st->c.routes--;
		}
		fill_ifname(st, old.route.oif, old.route.ifname);
		emit(st, s, RTNL_ROUTE, RTNL_DELETE, 0, &old, NULL);
		if (n != NULL) {
			free(n->r.nh);
			free(n);
		}
		return 0;
	}
	if (n == NULL && st->c.routes >= st->max_routes) {
		/* Reported, not kept: its next message is an add again. */
		st->c.overflow++;
		new.route = *m;
		fill_ifname(st, new.route.oif, new.route.ifname);
		emit(st, s, RTNL_ROUTE, RTNL_ADD, 0, NULL, &new);
		return 0;
	}
	if (n == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL)
			return -1;
		n->r = *m;
		m->nh = NULL;
		m->nnh = 0;
		n->gen = st->gen;
		fill_ifname(st, n->r.oif, n->r.ifname);
		RB_INSERT(rtnl_route_tree, &st->routes, n);
		st->c.routes++;
		new.route = n->r;
		emit(st, s, RTNL_ROUTE, RTNL_ADD, 0, NULL, &new);
		return 0;
	}
	changed = route_diff(&n->r, m);
	old.route = n->r;
	fill_ifname(st, old.route.oif, old.route.ifname);
	n->r = *m;
	m->nh = NULL;
	m->nnh = 0;
	n->gen = st->gen;
	if (n->r.oif == old.route.oif)
		memcpy(n->r.ifname, old.route.ifname, sizeof(n->r.ifname));
	fill_ifname(st, n->r.oif, n->r.ifname);
	new.route = n->r;
	if (changed != 0)
		emit(st, s, RTNL_ROUTE, RTNL_UPDATE, changed, &old, &new);
	free(old.route.nh);
	return 0;
}

int
rtnl_state_apply(struct rtnl_state *st, const void *buf, size_t len,
    int flags, rtnl_event_cb cb, void *arg)
{
	union rtnl_obj	 o;
	struct nlmsghdr	 h;
	struct sink	 s;
	uint8_t		 kind;
	int		 del, rc;

	rc = rtnl_parse(buf, len, &kind, &del, &o);
	if (rc == -1) {
		if (errno == EINVAL)
			st->c.malformed++;
		return -1;
	}
	if (rc == 1) {
		st->c.ignored++;
		return 1;
	}
	s.cb = cb;
	s.arg = arg;
	s.quiet = (flags & RTNL_QUIET) != 0;
	switch (kind) {
	case RTNL_LINK:
		rc = link_apply(st, &o.link, del, &s);
		break;
	case RTNL_ADDR:
		rc = addr_apply(st, &o.addr, del, &s);
		break;
	default:
		memcpy(&h, buf, sizeof(h));	/* rtnl_parse checked it */
		rc = route_apply(st, &o.route, del,
		    (h.nlmsg_flags & NLM_F_REPLACE) != 0, &s);
		break;
	}
	rtnl_obj_clear(kind, &o);
	if (rc == -1)
		errno = ENOMEM;
	return rc;
}

/*
 * A begin during a resync (a dump started again) marks everything stale
 * again but keeps counting from the first begin.
 */
void
rtnl_state_resync_begin(struct rtnl_state *st)
{
	/* Every object kept is now of an older generation: stale. */
	st->gen++;
	if (!st->resyncing)
		st->resync_events = 0;
	st->resyncing = 1;
	st->routes_only = 0;
}

void
rtnl_state_resync_routes(struct rtnl_state *st)
{
	st->gen++;
	if (!st->resyncing)
		st->resync_events = 0;
	st->resyncing = 1;
	st->routes_only = 1;
}

uint64_t
rtnl_state_resync_end(struct rtnl_state *st, rtnl_event_cb cb, void *arg)
{
	struct link_node	*ln, *lt;
	struct addr_node	*an, *at;
	struct route_node	*rn, *rt;
	union rtnl_obj		 old;
	struct sink		 s;
	uint64_t		 n;

	s.cb = cb;
	s.arg = arg;
	s.quiet = 0;
	/* Routes and addresses first, while their links still name them. */
	RB_FOREACH_SAFE(rn, rtnl_route_tree, &st->routes, rt) {
		if (rn->gen == st->gen)
			continue;
		RB_REMOVE(rtnl_route_tree, &st->routes, rn);
		st->c.routes--;
		old.route = rn->r;
		fill_ifname(st, old.route.oif, old.route.ifname);
		emit(st, &s, RTNL_ROUTE, RTNL_DELETE, 0, &old, NULL);
		free(rn->r.nh);
		free(rn);
	}
	RB_FOREACH_SAFE(an, rtnl_addr_tree, &st->addrs, at) {
		if (an->gen == st->gen || st->routes_only)
			continue;
		RB_REMOVE(rtnl_addr_tree, &st->addrs, an);
		st->c.addrs--;
		old.addr = an->a;
		fill_ifname(st, old.addr.ifindex, old.addr.ifname);
		emit(st, &s, RTNL_ADDR, RTNL_DELETE, 0, &old, NULL);
		free(an);
	}
	RB_FOREACH_SAFE(ln, rtnl_link_tree, &st->links, lt) {
		if (ln->gen == st->gen || st->routes_only)
			continue;
		RB_REMOVE(rtnl_link_tree, &st->links, ln);
		st->c.links--;
		old.link = ln->l;
		emit(st, &s, RTNL_LINK, RTNL_DELETE, 0, &old, NULL);
		free(ln);
	}
	n = st->resync_events;
	st->resyncing = 0;
	st->routes_only = 0;
	st->resync_events = 0;
	return n;
}

/*
 * Names.
 */

static const char *const operstate_names[] = {
	"unknown", "notpresent", "down", "lower-layer-down", "testing",
	"dormant", "up"
};

static const char *const route_type_names[] = {
	"unspec", "unicast", "local", "broadcast", "anycast", "multicast",
	"blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve"
};

struct numname {
	unsigned int	 num;
	const char	*name;
};

static const struct numname protocol_names[] = {
	{ RTPROT_UNSPEC,	"unspec" },
	{ RTPROT_REDIRECT,	"redirect" },
	{ RTPROT_KERNEL,	"kernel" },
	{ RTPROT_BOOT,		"boot" },
	{ RTPROT_STATIC,	"static" },
	{ RTPROT_GATED,		"gated" },
	{ RTPROT_RA,		"ra" },
	{ RTPROT_MRT,		"mrt" },
	{ RTPROT_ZEBRA,		"zebra" },
	{ RTPROT_BIRD,		"bird" },
	{ RTPROT_DNROUTED,	"dnrouted" },
	{ RTPROT_XORP,		"xorp" },
	{ RTPROT_NTK,		"ntk" },
	{ RTPROT_DHCP,		"dhcp" },
	{ RTPROT_MROUTED,	"mrouted" },
	{ RTPROT_KEEPALIVED,	"keepalived" },
	{ RTPROT_BABEL,		"babel" },
	{ RTPROT_OPENR,		"openr" },
	{ RTPROT_BGP,		"bgp" },
	{ RTPROT_ISIS,		"isis" },
	{ RTPROT_OSPF,		"ospf" },
	{ RTPROT_RIP,		"rip" },
	{ RTPROT_EIGRP,		"eigrp" },
};

static const struct numname scope_names[] = {
	{ RT_SCOPE_UNIVERSE,	"global" },
	{ RT_SCOPE_SITE,	"site" },
	{ RT_SCOPE_LINK,	"link" },
	{ RT_SCOPE_HOST,	"host" },
	{ RT_SCOPE_NOWHERE,	"nowhere" },
};

static const struct numname addr_flag_names[] = {
	{ IFA_F_SECONDARY,	"secondary" },	/* IPv6: "temporary" */
	{ IFA_F_NODAD,		"nodad" },
	{ IFA_F_OPTIMISTIC,	"optimistic" },
	{ IFA_F_DADFAILED,	"dadfailed" },
	{ IFA_F_HOMEADDRESS,	"homeaddress" },
	{ IFA_F_DEPRECATED,	"deprecated" },
	{ IFA_F_TENTATIVE,	"tentative" },
	{ IFA_F_PERMANENT,	"permanent" },
	{ IFA_F_MANAGETEMPADDR,	"managetempaddr" },
	{ IFA_F_NOPREFIXROUTE,	"noprefixroute" },
	{ IFA_F_MCAUTOJOIN,	"mcautojoin" },
	{ IFA_F_STABLE_PRIVACY,	"stable-privacy" },
};

/* rtm_flags: RTNH_F_* in the low octet, RTM_F_* above. */
static const struct numname route_flag_names[] = {
	{ RTNH_F_DEAD,		"dead" },
	{ RTNH_F_PERVASIVE,	"pervasive" },
	{ RTNH_F_ONLINK,	"onlink" },
	{ RTNH_F_OFFLOAD,	"offload" },
	{ RTNH_F_LINKDOWN,	"linkdown" },
	{ RTNH_F_UNRESOLVED,	"unresolved" },
	{ RTNH_F_TRAP,		"trap" },
	{ RTM_F_NOTIFY,		"notify" },
	{ RTM_F_CLONED,		"cloned" },
	{ RTM_F_EQUALIZE,	"equalize" },
	{ RTM_F_PREFIX,		"prefix" },
	{ RTM_F_LOOKUP_TABLE,	"lookup_table" },
	{ RTM_F_FIB_MATCH,	"fib_match" },
	{ RTM_F_OFFLOAD,	"rt_offload" },
	{ RTM_F_TRAP,		"rt_trap" },
	{ RTM_F_OFFLOAD_FAILED,	"rt_offload_failed" },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static const char *
numname(const struct numname *t, size_t n, unsigned int num)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (t[i].num == num)
			return t[i].name;
	return NULL;
}

/* The public names: NULL for a number without one. */
const char *
rtnl_operstate_name(uint8_t v)
{
	return v < NITEMS(operstate_names) ? operstate_names[v] : NULL;
}

const char *
rtnl_route_type_name(uint8_t v)
{
	return v < NITEMS(route_type_names) ? route_type_names[v] : NULL;
}

const char *
rtnl_protocol_name(uint8_t v)
{
	return numname(protocol_names, NITEMS(protocol_names), v);
}

/*
 * JSON.  One function per kind renders either the whole detail (diff 0:
 * every attribute, those without a value left out) or, for an update's
 * old and new, only the attributes in mask, each present: null stands
 * for "none" (no gateway, no peer...).
 */

struct jctx {
	json_t		*o;
	int		 diff;
	uint32_t	 mask;
	int		 rc;
};

#define WANT(j, bit)	(!(j)->diff || ((j)->mask & (bit)))

/* Set k to v (NULL: failed, noted); with present 0 only null in a diff. */
static void
jset(struct jctx *j, const char *k, int present, json_t *v)
{
	if (!present) {
		json_decref(v);
		if (j->diff && json_object_set_new(j->o, k, json_null()) == -1)
			j->rc = -1;
		return;
	}
	if (json_object_set_new(j->o, k, v) == -1)
		j->rc = -1;
}

/* A name from the kernel: not always UTF-8, which jansson requires. */
static json_t *
jstr(const char *s)
{
	char	 buf[RTNL_NAMELEN];
	json_t	*v;
	size_t	 i;

	if ((v = json_string(s)) != NULL)
		return v;
	for (i = 0; i < sizeof(buf) - 1 && s[i] != '\0'; i++)
		buf[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	buf[i] = '\0';
	return json_string(buf);
}

static json_t *
jaddr(uint8_t family, const uint8_t *a)
{
	char	 buf[INET6_ADDRSTRLEN];

	if (inet_ntop(family, a, buf, sizeof(buf)) == NULL)
		return NULL;
	return json_string(buf);
}

static json_t *
jcidr(uint8_t family, const uint8_t *a, unsigned int len)
{
	char	 buf[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN + 5];

	if (inet_ntop(family, a, buf, sizeof(buf)) == NULL)
		return NULL;
	(void)snprintf(out, sizeof(out), "%s/%u", buf, len);
	return json_string(out);
}

/* A name from t, else the number as text. */
static json_t *
jname(const struct numname *t, size_t n, unsigned int num)
{
	const char	*s;
	char		 buf[16];

	if ((s = numname(t, n, num)) != NULL)
		return json_string(s);
	(void)snprintf(buf, sizeof(buf), "%u", num);
	return json_string(buf);
}

static json_t *
jindexed(const char *const *t, size_t n, unsigned int num)
{
	char	 buf[16];

	if (num < n)
		return json_string(t[num]);
	(void)snprintf(buf, sizeof(buf), "%u", num);
	return json_string(buf);
}

/* The names of the bits set in flags; an unnamed bit as "0x..". */
static json_t *
jflags(const struct numname *t, size_t n, uint32_t flags, uint8_t family)
{
	json_t		*a;
	const char	*s;
	char		 buf[16];
	uint32_t	 bit;
	int		 rc = 0;

	if ((a = json_array()) == NULL)
		return NULL;
	for (bit = 1; bit != 0; bit <<= 1) {
		if ((flags & bit) == 0)
			continue;
		s = numname(t, n, bit);
		if (s != NULL && t == addr_flag_names &&
		    bit == IFA_F_TEMPORARY && family == AF_INET6)
			s = "temporary";
		if (s == NULL) {
			(void)snprintf(buf, sizeof(buf), "0x%x", bit);
			s = buf;
		}
		rc |= json_array_append_new(a, json_string(s));
	}
	if (rc != 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* Go's net.Flags.String(): "up|broadcast|multicast|running". */
static json_t *
jlinkflags(uint32_t flags)
{
	static const struct numname	 f[] = {
		{ IFF_UP,		"up" },
		{ IFF_BROADCAST,	"broadcast" },
		{ IFF_LOOPBACK,		"loopback" },
		{ IFF_POINTOPOINT,	"pointtopoint" },
		{ IFF_MULTICAST,	"multicast" },
		{ IFF_RUNNING,		"running" },
	};
	char		 buf[64];
	size_t		 i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < NITEMS(f); i++) {
		if ((flags & f[i].num) == 0)
			continue;
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
		    off > 0 ? "|" : "", f[i].name);
	}
	return json_string(buf);
}

static json_t *
jmac(const uint8_t *hw, size_t len)
{
	char	 buf[RTNL_HWADDR_MAX * 3];
	size_t	 i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < len && i < RTNL_HWADDR_MAX; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%02x",
		    i > 0 ? ":" : "", hw[i]);
	return json_string(buf);
}

static json_t *
jfamily(uint8_t family)
{
	return json_string(family == AF_INET6 ? "inet6" : "inet");
}

static void
link_json(struct jctx *j, const struct rtnl_link *l)
{
	if (!j->diff)
		jset(j, "index", 1, json_integer(l->ifindex));
	if (WANT(j, RTNL_A_NAME))
		jset(j, "name", 1, jstr(l->name));
	if (WANT(j, RTNL_A_FLAGS))
		jset(j, "flags", (l->flags & LINK_FLAGS_SHOWN) != 0,
		    jlinkflags(l->flags));
	if (WANT(j, RTNL_A_MTU))
		jset(j, "mtu", l->mtu != 0, json_integer(l->mtu));
	if (WANT(j, RTNL_A_OPERSTATE))
		jset(j, "oper_state", 1, jindexed(operstate_names,
		    NITEMS(operstate_names), l->operstate));
	if (WANT(j, RTNL_A_MASTER))
		jset(j, "master", l->master != 0, json_integer(l->master));
	if (WANT(j, RTNL_A_KIND))
		jset(j, "kind", l->kind[0] != '\0', jstr(l->kind));
	if (WANT(j, RTNL_A_HWADDR))
		jset(j, "mac", l->hwaddr_len > 0,
		    jmac(l->hwaddr, l->hwaddr_len));
	if (WANT(j, RTNL_A_CARRIER))
		jset(j, "carrier_changes", 1,
		    json_integer(l->carrier_changes));
	if (WANT(j, RTNL_A_TYPE))
		jset(j, "type", 1, json_integer(l->type));
}

static void
addr_json(struct jctx *j, const struct rtnl_addr *a)
{
	if (!j->diff) {
		jset(j, "interface_index", 1, json_integer(a->ifindex));
		jset(j, "interface_name", a->ifname[0] != '\0',
		    jstr(a->ifname));
		jset(j, "address", 1, jaddr(a->family, a->addr));
		jset(j, "prefix_len", a->prefixlen != 0,
		    json_integer(a->prefixlen));
		jset(j, "family", 1, jfamily(a->family));
	}
	if (WANT(j, RTNL_A_SCOPE))
		jset(j, "scope", 1, jname(scope_names, NITEMS(scope_names),
		    a->scope));
	if (WANT(j, RTNL_A_FLAGS))
		jset(j, "flags", a->flags != 0, jflags(addr_flag_names,
		    NITEMS(addr_flag_names), a->flags, a->family));
	if (WANT(j, RTNL_A_LABEL))
		jset(j, "label", a->label[0] != '\0', jstr(a->label));
	if (WANT(j, RTNL_A_PEER))
		jset(j, "peer", a->has_peer, jaddr(a->family, a->peer));
}

static json_t *
nh_json(const struct rtnl_nexthop *nh)
{
	struct jctx	 j;

	memset(&j, 0, sizeof(j));
	if ((j.o = json_object()) == NULL)
		return NULL;
	jset(&j, "gw", nh->gw_family != 0, jaddr(nh->gw_family, nh->gw));
	jset(&j, "link_index", 1, json_integer(nh->ifindex));
	jset(&j, "interface_name", nh->ifname[0] != '\0', jstr(nh->ifname));
	/* weight is rtnh_hops + 1 in 8 bits: 0 is 256. */
	jset(&j, "weight", 1, json_integer(nh->weight != 0 ?
	    nh->weight : 256));
	jset(&j, "flags", nh->flags != 0, jflags(route_flag_names,
	    NITEMS(route_flag_names), nh->flags, 0));
	if (j.rc != 0) {
		json_decref(j.o);
		return NULL;
	}
	return j.o;
}

static json_t *
jnexthops(const struct rtnl_route *r)
{
	json_t		*a;
	uint16_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < r->nnh; i++)
		if (json_array_append_new(a, nh_json(&r->nh[i])) == -1) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static void
route_json(struct jctx *j, const struct rtnl_route *r)
{
	if (!j->diff) {
		jset(j, "table", 1, json_integer(r->table));
		jset(j, "dst", 1, r->dst_len == 0 ? json_string("default") :
		    jcidr(r->family, r->dst, r->dst_len));
	}
	if (WANT(j, RTNL_A_GATEWAY))
		jset(j, "gw", r->gw_family != 0, jaddr(r->gw_family, r->gw));
	if (WANT(j, RTNL_A_OIF)) {
		jset(j, "link_index", r->oif != 0, json_integer(r->oif));
		jset(j, "interface_name", r->ifname[0] != '\0',
		    jstr(r->ifname));
	}
	if (WANT(j, RTNL_A_PROTOCOL)) {
		jset(j, "protocol", r->protocol != 0,
		    json_integer(r->protocol));
		jset(j, "protocol_name", r->protocol != 0, jname(
		    protocol_names, NITEMS(protocol_names), r->protocol));
	}
	if (!j->diff) {
		jset(j, "family", 1, jfamily(r->family));
		jset(j, "metric", 1, json_integer(r->priority));
		jset(j, "src", r->src_len != 0,
		    jcidr(r->family, r->src, r->src_len));
		jset(j, "tos", r->tos != 0, json_integer(r->tos));
	}
	if (WANT(j, RTNL_A_TYPE))
		jset(j, "type", 1, jindexed(route_type_names,
		    NITEMS(route_type_names), r->type));
	if (WANT(j, RTNL_A_SCOPE))
		jset(j, "scope", 1, jname(scope_names, NITEMS(scope_names),
		    r->scope));
	if (WANT(j, RTNL_A_FLAGS))
		jset(j, "flags", r->flags != 0, jflags(route_flag_names,
		    NITEMS(route_flag_names), r->flags, 0));
	if (WANT(j, RTNL_A_PREFSRC))
		jset(j, "prefsrc", r->has_prefsrc,
		    jaddr(r->family, r->prefsrc));
	/* The kernel sends RTA_PREF with every IPv6 route: 0 is medium. */
	if (WANT(j, RTNL_A_PREF))
		jset(j, "pref", r->family == AF_INET6, json_string(
		    r->pref == PREF_MEDIUM ? "medium" :
		    r->pref == PREF_HIGH ? "high" :
		    r->pref == PREF_LOW ? "low" : "invalid"));
	if (WANT(j, RTNL_A_NEXTHOPS))
		jset(j, "nexthops", r->nnh > 0, jnexthops(r));
}

static json_t *
obj_json(uint8_t kind, const union rtnl_obj *obj, int diff, uint32_t mask)
{
	struct jctx	 j;

	memset(&j, 0, sizeof(j));
	j.diff = diff;
	j.mask = mask;
	if ((j.o = json_object()) == NULL)
		return NULL;
	if (obj != NULL) {
		switch (kind) {
		case RTNL_LINK:
			link_json(&j, &obj->link);
			break;
		case RTNL_ADDR:
			addr_json(&j, &obj->addr);
			break;
		case RTNL_ROUTE:
			route_json(&j, &obj->route);
			break;
		}
	}
	if (j.rc != 0) {
		json_decref(j.o);
		return NULL;
	}
	return j.o;
}

/*
 * The record need only be as big as its kind's: a struct rtnl_link
 * passed as a union is read as a link and nothing beyond.
 */
json_t *
rtnl_obj_json(uint8_t kind, const union rtnl_obj *obj)
{
	if (obj == NULL)
		return NULL;
	return obj_json(kind, obj, 0, 0);
}

char *
rtnl_event_json(const struct rtnl_event *ev)
{
	const union rtnl_obj	*cur;
	json_t			*top;
	char			*s;
	size_t			 len;
	int			 rc = 0, diff;

	cur = ev->new != NULL ? ev->new : ev->old;
	diff = ev->change == RTNL_UPDATE;
	if ((top = json_object()) == NULL)
		return NULL;
	rc |= json_object_set_new(top, "detail",
	    obj_json(ev->kind, cur, 0, 0));
	if (ev->old != NULL)
		rc |= json_object_set_new(top, "old",
		    obj_json(ev->kind, ev->old, diff, ev->changed));
	if (ev->new != NULL)
		rc |= json_object_set_new(top, "new",
		    obj_json(ev->kind, ev->new, diff, ev->changed));
	s = rc == 0 ? json_dumps(top, JSON_COMPACT) : NULL;
	json_decref(top);
	if (s == NULL)
		return NULL;
	/* A fragment: without the object's braces. */
	len = strlen(s);
	if (len < 2 || s[0] != '{' || s[len - 1] != '}') {
		free(s);
		return NULL;
	}
	memmove(s, s + 1, len - 2);
	s[len - 2] = '\0';
	return s;
}
