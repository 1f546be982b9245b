/*
 * lopa: rtnetlink links, addresses and routes (DESIGN §2, issue 6).
 *
 * Pure code, no I/O: parse RTM_{NEW,DEL}{LINK,ADDR,ROUTE} messages into
 * compact records, keep the state known (for old and new values), diff,
 * and render an event's attributes as JSON.  The netlink process feeds
 * it what its socket reads; the tests feed it crafted messages.
 *
 * State: links by ifindex, addresses by (family, ifindex, prefixlen,
 * address), routes by (family, table, dst/len, src/len, tos, metric,
 * device, gateway): routes to one prefix through two devices, or
 * appended, are two.  A message about a known object is an update when
 * an attribute changed (none changed: no event), about an unknown one an
 * add; a delete is a delete.  NLM_F_REPLACE replaces the route of the
 * kernel's key (without device and gateway): an update.
 * Bounded: at most `max_routes' routes are kept (links and addresses are
 * few); a route beyond that is reported without being kept (an update of
 * it then shows no old values) and counted in `overflow'.
 */
#ifndef LOPA_RTNL_H
#define LOPA_RTNL_H

#include <stddef.h>
#include <stdint.h>

#define RTNL_NAMELEN		16	/* IFNAMSIZ */
#define RTNL_HWADDR_MAX		32

enum rtnl_kind {
	RTNL_LINK = 1,
	RTNL_ADDR,
	RTNL_ROUTE
};

enum rtnl_change {
	RTNL_ADD = 1,
	RTNL_DELETE,
	RTNL_UPDATE,
	RTNL_RESYNC
};

/* IFLA_STATS64, the counters lopa reports. */
struct rtnl_stats {
	uint64_t	 rx_bytes, tx_bytes;
	uint64_t	 rx_packets, tx_packets;
	uint64_t	 rx_errors, tx_errors;
	uint64_t	 rx_dropped, tx_dropped;
	uint64_t	 multicast;		/* received */
	uint64_t	 collisions;
	uint64_t	 rx_nohandler;
};

struct rtnl_link {
	uint32_t	 ifindex;
	char		 name[RTNL_NAMELEN];
	uint32_t	 flags;		/* ifi_flags, IFF_* */
	uint32_t	 mtu;
	uint32_t	 master;	/* IFLA_MASTER (bridge, bond, VRF); 0 */
	uint32_t	 carrier_changes;	/* IFLA_CARRIER_CHANGES */
	uint16_t	 type;		/* ARPHRD_* */
	uint8_t		 operstate;	/* IF_OPER_* */
	uint8_t		 hwaddr_len;
	uint8_t		 hwaddr[RTNL_HWADDR_MAX];
	char		 kind[RTNL_NAMELEN];	/* IFLA_INFO_KIND; "" */
	uint8_t		 has_stats;
	struct rtnl_stats stats;	/* not part of the diff */
};

struct rtnl_addr {
	uint8_t		 family;	/* AF_INET, AF_INET6 */
	uint8_t		 prefixlen;
	uint8_t		 scope;		/* RT_SCOPE_* */
	uint8_t		 has_peer;
	uint32_t	 flags;		/* IFA_FLAGS, else ifa_flags */
	uint32_t	 ifindex;
	uint8_t		 addr[16];	/* IFA_LOCAL (v4), IFA_ADDRESS (v6) */
	uint8_t		 peer[16];	/* IFA_ADDRESS when it differs */
	char		 label[RTNL_NAMELEN];	/* IFA_LABEL; "" */
	char		 ifname[RTNL_NAMELEN];	/* from the links known */
};

struct rtnl_nexthop {
	uint8_t		 gw[16];
	uint8_t		 gw_family;	/* 0: none */
	uint8_t		 weight;	/* rtnh_hops + 1 */
	uint8_t		 flags;		/* RTNH_F_* */
	uint32_t	 ifindex;
	char		 ifname[RTNL_NAMELEN];	/* from the links; "" */
};

struct rtnl_route {
	uint8_t		 family;
	uint8_t		 dst_len;
	uint8_t		 src_len;
	uint8_t		 tos;
	uint8_t		 protocol;	/* RTPROT_* */
	uint8_t		 scope;
	uint8_t		 type;		/* RTN_* */
	uint8_t		 gw_family;	/* RTA_GATEWAY / RTA_VIA; 0 none */
	uint32_t	 table;		/* RTA_TABLE, else rtm_table */
	uint32_t	 priority;	/* RTA_PRIORITY: the metric */
	uint32_t	 flags;		/* rtm_flags, RTNH_F_* / RTM_F_* */
	uint32_t	 oif;		/* RTA_OIF; 0 */
	uint8_t		 dst[16];
	uint8_t		 src[16];
	uint8_t		 prefsrc[16];	/* RTA_PREFSRC; has_prefsrc */
	uint8_t		 gw[16];
	uint8_t		 has_prefsrc;
	uint8_t		 pref;		/* RTA_PREF (v6); 0 */
	uint16_t	 nnh;		/* RTA_MULTIPATH next hops in nh */
	struct rtnl_nexthop *nh;	/* owned: malloc'd, nnh entries */
	char		 ifname[RTNL_NAMELEN];	/* oif's, from the links */
};

union rtnl_obj {
	struct rtnl_link	 link;
	struct rtnl_addr	 addr;
	struct rtnl_route	 route;
};

/* Attributes an update changed (rtnl_event.changed). */
#define RTNL_A_NAME		0x00000001	/* link */
#define RTNL_A_FLAGS		0x00000002	/* link, addr, route */
#define RTNL_A_MTU		0x00000004
#define RTNL_A_OPERSTATE	0x00000008
#define RTNL_A_MASTER		0x00000010
#define RTNL_A_HWADDR		0x00000020
#define RTNL_A_KIND		0x00000040
#define RTNL_A_TYPE		0x00000080	/* link ARPHRD, route RTN */
#define RTNL_A_CARRIER		0x00000100	/* carrier_changes */
#define RTNL_A_SCOPE		0x00000200	/* addr, route */
#define RTNL_A_PEER		0x00000400
#define RTNL_A_LABEL		0x00000800
#define RTNL_A_GATEWAY		0x00001000	/* route */
#define RTNL_A_OIF		0x00002000
#define RTNL_A_PROTOCOL		0x00004000
#define RTNL_A_PREFSRC		0x00008000
#define RTNL_A_NEXTHOPS		0x00010000
#define RTNL_A_PREF		0x00020000

/*
 * One change.  old and new point at records valid during the callback
 * only: an add has new only, a delete old only (the known record, else
 * the message's), an update both.  kernel: the kernel's own noise
 * (local and broadcast routes and table 255, fe80::/64, multicast
 * routes), left out unless a monitor includes it.
 */
struct rtnl_event {
	uint8_t			 kind;		/* enum rtnl_kind */
	uint8_t			 change;	/* enum rtnl_change */
	uint8_t			 kernel;
	uint32_t		 changed;	/* RTNL_A_*, updates */
	const union rtnl_obj	*old;
	const union rtnl_obj	*new;
};

typedef void	(*rtnl_event_cb)(const struct rtnl_event *, void *);

struct rtnl_state;

struct rtnl_counters {
	uint64_t	 links, addrs, routes;	/* kept now */
	uint64_t	 overflow;	/* routes reported, not kept */
	uint64_t	 unwatched;	/* of tables not watched: not kept */
	uint64_t	 ignored;	/* messages of other types */
	uint64_t	 malformed;
};

/*
 * The routing tables whose routes are kept (the others' changes are
 * reported, their routes not kept): every table (all), or the n tables
 * given.  Those no longer watched are dropped from the state; 1 when a
 * table is watched now that was not (its routes should be read again:
 * a resync of the routes, quietly), else 0.  Every table at first.
 */
#define RTNL_WATCH_MAX	64
int	 rtnl_state_watch(struct rtnl_state *, int, const uint32_t *, size_t);

/* NULL on ENOMEM.  max_routes 0: no route is kept. */
struct rtnl_state *rtnl_state_new(size_t max_routes);
void	 rtnl_state_free(struct rtnl_state *);
/* A new route budget: for the routes to come (those kept stay). */
void	 rtnl_state_max_routes(struct rtnl_state *, size_t);
void	 rtnl_state_counters(const struct rtnl_state *,
	    struct rtnl_counters *);

/*
 * Parse one message (a whole nlmsghdr of len octets, its own length
 * checked against len) into *obj; *kind and *del (RTM_DEL*) set.  0; 1
 * for a message of another type (NLMSG_DONE...); -1 malformed (EINVAL).
 * A route's nh is malloc'd: rtnl_obj_clear() frees it.
 */
int	 rtnl_parse(const void *, size_t, uint8_t *, int *,
	    union rtnl_obj *);
void	 rtnl_obj_clear(uint8_t, union rtnl_obj *);

/*
 * Apply one message to the state, calling cb for the event it makes
 * (at most one).  RTNL_QUIET: update the state, no event (the first
 * dump).  0, 1 (not a link, address or route message), -1 (malformed or
 * ENOMEM; the state unchanged).
 */
#define RTNL_QUIET	0x01
int	 rtnl_state_apply(struct rtnl_state *, const void *, size_t, int,
	    rtnl_event_cb, void *);

/*
 * A resync after an overrun: begin, apply the dump's messages (links,
 * then addresses, then routes) as usual, end: what the dump did not show
 * is deleted (a delete event each), in the same order.  Returns the
 * number of events the resync made (begin to end).
 */
void	 rtnl_state_resync_begin(struct rtnl_state *);
/*
 * The same for the routes alone (a dump of the routes): the kernel
 * drops IPv4 routes without a word when their device goes down or loses
 * its address.
 */
void	 rtnl_state_resync_routes(struct rtnl_state *);
uint64_t rtnl_state_resync_end(struct rtnl_state *, rtnl_event_cb, void *);

/* The link known by index, NULL if none (for names, counters). */
const struct rtnl_link *rtnl_state_link(const struct rtnl_state *, uint32_t);
/* Walk the links known, in ifindex order. */
void	 rtnl_state_links(const struct rtnl_state *,
	    void (*)(const struct rtnl_link *, void *), void *);
/* Walk the addresses and the routes known, ifname as the links say now. */
void	 rtnl_state_addrs(const struct rtnl_state *,
	    void (*)(const struct rtnl_addr *, void *), void *);
void	 rtnl_state_routes(const struct rtnl_state *,
	    void (*)(const struct rtnl_route *, void *), void *);

/*
 * Render an event's attributes as a JSON object fragment, without its
 * braces, malloc'd: "detail":{...},"old":{...},"new":{...} (old and new
 * only with what they hold).  detail is Lopa's (interface: index, name,
 * flags "up|broadcast|...", mtu, oper_state; ip: interface_index,
 * interface_name, address, prefix_len; route: table, dst ("default" or
 * a CIDR), gw, link_index, interface_name, protocol) plus lopa's own
 * (family, kind, master, mac, scope, flags, metric, type, nexthops...).
 * For an update, old and new hold the changed attributes only; for an
 * add, new holds them all; for a delete, old does.  NULL on ENOMEM.
 */
char	*rtnl_event_json(const struct rtnl_event *);
/* One record as an event's detail: a new reference, NULL on ENOMEM. */
struct json_t *rtnl_obj_json(uint8_t, const union rtnl_obj *);
/* Whether a route is the kernel's noise, as rtnl_event.kernel says. */
int	 rtnl_route_is_kernel(const struct rtnl_route *);

/* Names for the API: "up", "lower-layer-down"...; "unicast"; "static". */
const char *rtnl_operstate_name(uint8_t);
const char *rtnl_route_type_name(uint8_t);
const char *rtnl_protocol_name(uint8_t);

#endif /* LOPA_RTNL_H */
