/*
 * lopa: netlink monitors (issue 6): their parameters in the API's JSON,
 * and the filter an event must pass.  Pure: no I/O, no state.
 *
 * A monitor watches one kind of change (interface: links; ip:
 * addresses; route: routes) with a filter: an interface (name, exact
 * or a glob, or index) for every type, also matched by a route's next
 * hops and by a link's name before a rename; for ip, a prefix the
 * address lies in; for route, a table, a prefix the destination lies in
 * (the default route lies only in 0.0.0.0/0 and ::/0), a family and a
 * protocol.  The kernel's own noise (local and broadcast routes,
 * fe80::/64, multicast) passes only with include_kernel.
 */
#ifndef LOPA_MONITOR_H
#define LOPA_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lopad.h"
#include "task.h"
#include "task_json.h"

enum monitor_type {
	MON_INTERFACE = 1,
	MON_IP,
	MON_ROUTE
};

/* monitor_filter.set */
#define MONF_IFNAME	0x01
#define MONF_IFINDEX	0x02
#define MONF_PREFIX	0x04
#define MONF_TABLE	0x08
#define MONF_DST	0x10
#define MONF_FAMILY	0x20
#define MONF_PROTOCOL	0x40

struct monitor_filter {
	uint32_t	 set;		/* MONF_* */
	char		 ifname[16];	/* a name or an fnmatch(3) glob */
	uint32_t	 ifindex;
	uint32_t	 table;
	uint8_t		 family;	/* AF_INET, AF_INET6 */
	uint8_t		 protocol;	/* RTPROT_* */
	uint8_t		 prefix_family;
	uint8_t		 prefix_len;
	uint8_t		 prefix[16];
	uint8_t		 dst_family;
	uint8_t		 dst_len;
	uint8_t		 dst[16];
};

/* monitor_params.given: what a request had (PATCH). */
#define MONP_FILTER	0x01
#define MONP_URL	0x02
#define MONP_SECRET	0x04
#define MONP_ENABLED	0x08
#define MONP_KERNEL	0x10
#define MONP_BUFFER	0x20
#define MONP_NAME	0x40
#define MONP_LABELS	0x80
#define MONP_TYPE	0x100

struct monitor_params {
	uint32_t		 type;		/* enum monitor_type */
	uint32_t		 given;		/* MONP_* */
	char			 name[LOPA_NAMELEN];	/* "" none */
	struct monitor_filter	 filter;
	uint32_t		 enabled;
	uint32_t		 include_kernel;
	uint32_t		 event_buffer_size;	/* 0: the config's */
	char			 webhook_url[TASK_URLLEN];	/* "" none */
	char			 webhook_secret[TASK_SECRETLEN];
	uint32_t		 labels_len;	/* packed as task_params' */
	char			 labels[TASK_LABELSLEN];
};

#define MON_BUFFER_MAX		100000	/* event_buffer_size */

/*
 * A creation (patch 0) or PATCH (patch 1: only what is given, in
 * p->given; type may be given only unchanged, checked by the caller)
 * body.  0, or -1 with *e naming the field ("filter.prefix").
 */
int	 monitor_params_from_json(const json_t *, int,
	    struct monitor_params *, struct task_json_err *);
int	 monitor_params_parse(const char *, size_t, int,
	    struct monitor_params *, struct task_json_err *);
/* Whether the filter's fields fit the type; 0, or -1 with *e. */
int	 monitor_filter_check(uint32_t, const struct monitor_filter *,
	    struct task_json_err *);
/* Apply a PATCH's given fields to p. */
void	 monitor_params_patch(struct monitor_params *,
	    const struct monitor_params *);
/*
 * The parameters as a creation body again (webhook_secret only with
 * secret set: for the state file).  NULL on ENOMEM.
 */
json_t	*monitor_params_json(const struct monitor_params *, int);
/* The filter alone ({} when empty). */
json_t	*monitor_filter_json(const struct monitor_filter *);

/* Whether the monitor records the event. */
int	 monitor_match(const struct monitor_params *, const struct nl_event *);

const char *monitor_type_name(uint32_t);
/* enum rtnl_change as the API says it: "add", ... "resync". */
const char *monitor_change_name(uint32_t);

#endif /* LOPA_MONITOR_H */
