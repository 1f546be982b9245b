/*
 * lopad: the engine's netlink monitors (monitor.h).
 *
 * A monitor has an id from the tasks' series (Lopa shares it too), its
 * parameters, and a ring of its newest events, each kept as the JSON
 * the API shows (an event passing several monitors is rendered for
 * each, with its own ids).  Every change the netlink process reports
 * goes through each monitor's filter; a passing one is kept, sent to
 * control for the event streams and the monitor's webhook.  Monitors
 * created through the API are saved in the state file by the parent;
 * their rings are not.
 */
#include <sys/types.h>
#include <sys/tree.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "engine.h"
#include "imsg.h"
#include "log.h"
#include "lopad.h"
#include "monitor.h"
#include "proc.h"
#include "rtnl.h"
#include "state.h"
#include "task_json.h"


struct monitor {
	RB_ENTRY(monitor)	 entry;
	uint32_t		 key;
	char			 id[TASK_IDLEN];
	struct monitor_params	 p;
	int64_t			 created, updated, last_event;
	uint64_t		 events_total;
	char			**ring;		/* newest cap events */
	uint32_t		 cap, head, len;
	int			 from_config;	/* monitors:, not saved */
};

RB_HEAD(mon_tree, monitor);

static int
mon_cmp(struct monitor *a, struct monitor *b)
{
	return a->key < b->key ? -1 : a->key > b->key;
}

RB_PROTOTYPE(mon_tree, monitor, entry, mon_cmp);
RB_GENERATE(mon_tree, monitor, entry, mon_cmp);

static struct mon_tree	 mons = RB_INITIALIZER(&mons);
static uint32_t		 nmons;
static uint64_t		 ev_seq;
static struct nl_watch	 watch_sent = { .all = 1 };

/*
 * The routing tables the route monitors watch, to the netlink process
 * when they change: it keeps the routes of those alone (on a router
 * with full tables in a table no monitor watches, memory stays small).
 * Every table while no enabled route monitor names its table, or none
 * exists (so that GET /api/v1/routes shows them all).
 */
static void
mon_watch_update(void)
{
	struct nl_watch	 w;
	struct monitor	*m;
	uint32_t	 i, t;
	int		 any = 0;

	memset(&w, 0, sizeof(w));
	RB_FOREACH(m, mon_tree, &mons) {
		if (m->p.type != MON_ROUTE || !m->p.enabled)
			continue;
		any = 1;
		if (!(m->p.filter.set & MONF_TABLE)) {
			w.all = 1;
			break;
		}
		t = m->p.filter.table;
		for (i = 0; i < w.n && w.tables[i] != t; i++)
			;
		if (i < w.n)
			continue;
		if (w.n == NL_WATCH_MAX) {
			w.all = 1;
			break;
		}
		w.tables[w.n++] = t;
	}
	if (!any || w.all) {
		memset(&w, 0, sizeof(w));
		w.all = 1;
	}
	if (memcmp(&w, &watch_sent, sizeof(w)) == 0)
		return;
	watch_sent = w;
	proc_compose(PROC_NETLINK, IMSG_NL_WATCH, 0, 0, -1, &w, sizeof(w));
}

/* --- replies --------------------------------------------------------- */

static void
reply(uint32_t reqid, uint32_t status, const char *field, const char *fmt,
    ...) __attribute__((__format__(__printf__, 4, 5)));

static void
reply(uint32_t reqid, uint32_t status, const char *field, const char *fmt,
    ...)
{
	char	 detail[LOPA_ERRLEN];
	va_list	 ap;
	int	 n = 0;

	detail[0] = '\0';
	if (field != NULL) {
		n = snprintf(detail, sizeof(detail), "%s: ", field);
		if (n < 0 || (size_t)n >= sizeof(detail))
			n = 0;
	}
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(detail + n, sizeof(detail) - n, fmt, ap);
		va_end(ap);
	}
	proc_body_end(reqid, status, field, detail);
}

static void
send_json(uint32_t reqid, json_t *j)
{
	char	*s;

	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("%s: json", __func__);
	proc_body_text(reqid, s, strlen(s));
	free(s);
	json_decref(j);
}

/* --- monitors -------------------------------------------------------- */

static struct monitor *
mon_by_id(const char *id)
{
	struct monitor	*m, key;

	if ((key.key = engine_key_of(id)) == 0)
		return NULL;
	m = RB_FIND(mon_tree, &mons, &key);
	return m != NULL && strcmp(m->id, id) == 0 ? m : NULL;
}

static struct monitor *
mon_by_name(const char *name)
{
	struct monitor	*m;

	RB_FOREACH(m, mon_tree, &mons)
		if (strcmp(m->p.name, name) == 0)
			return m;
	return NULL;
}

static uint32_t
mon_cap(const struct monitor *m)
{
	return m->p.event_buffer_size != 0 ? m->p.event_buffer_size :
	    proc_conf->monitor_event_buffer_size;
}

/* The ring to cap entries, the newest kept. */
static void
ring_resize(struct monitor *m, uint32_t cap)
{
	char		**r;
	uint32_t	  i, keep, skip;

	if (cap == m->cap)
		return;
	keep = m->len < cap ? m->len : cap;
	skip = m->len - keep;
	for (i = 0; i < skip; i++)
		free(m->ring[(m->head + i) % m->cap]);
	if ((r = calloc(cap, sizeof(*r))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < keep; i++)
		r[i] = m->ring[(m->head + skip + i) % m->cap];
	free(m->ring);
	m->ring = r;
	m->cap = cap;
	m->head = 0;
	m->len = keep;
}

static void
ring_push(struct monitor *m, char *ev)
{
	if (m->cap == 0) {
		free(ev);
		return;
	}
	if (m->len == m->cap) {
		free(m->ring[m->head]);
		m->ring[m->head] = ev;
		m->head = (m->head + 1) % m->cap;
	} else
		m->ring[(m->head + m->len++) % m->cap] = ev;
}

static void
mon_free(struct monitor *m)
{
	uint32_t	 i;

	for (i = 0; i < m->len; i++)
		free(m->ring[(m->head + i) % m->cap]);
	free(m->ring);
	explicit_bzero(&m->p, sizeof(m->p));
	free(m);
}

/* The monitor as the API shows it. */
static json_t *
mon_json(const struct monitor *m)
{
	json_t	*o;
	char	 t[64];
	int	 rc = 0;

	if ((o = monitor_params_json(&m->p, 0)) == NULL)
		fatalx("%s: json", __func__);
	rc |= json_object_set_new(o, "id", json_string(m->id));
	if (m->p.event_buffer_size == 0)
		rc |= json_object_set_new(o, "event_buffer_size",
		    json_integer(mon_cap(m)));
	task_time_format(m->created, t, sizeof(t));
	rc |= json_object_set_new(o, "created_at", json_string(t));
	task_time_format(m->updated, t, sizeof(t));
	rc |= json_object_set_new(o, "updated_at", json_string(t));
	rc |= json_object_set_new(o, "events_total",
	    json_integer((json_int_t)m->events_total));
	rc |= json_object_set_new(o, "events_kept", json_integer(m->len));
	if (m->last_event != 0) {
		task_time_format(m->last_event, t, sizeof(t));
		rc |= json_object_set_new(o, "last_event_at", json_string(t));
	}
	if (rc != 0)
		fatalx("%s: json", __func__);
	return o;
}

static void
mon_save(const struct monitor *m)
{
	struct state_monitor	 sm;

	if (m->from_config)
		return;
	memset(&sm, 0, sizeof(sm));
	sm.key = m->key;
	sm.p = m->p;
	proc_compose(PROC_PARENT, IMSG_STATE_MON_ADD, 0, 0, -1, &sm,
	    sizeof(sm));
	explicit_bzero(&sm, sizeof(sm));
}

/*
 * A new monitor: from the API (key 0: a fresh one, saved, a reply to
 * reqid), the state file (its key) or the configuration (key 0, reqid
 * 0, config set: a fresh key, not saved, known by its name).
 */
static void
mon_create(struct monitor_params *p, uint32_t key, uint32_t reqid,
    int config)
{
	struct task_json_err	 e;
	struct monitor		*m;
	json_t			*j;
	int			 restored = key != 0 || config;

	p->name[sizeof(p->name) - 1] = '\0';
	p->webhook_url[sizeof(p->webhook_url) - 1] = '\0';
	p->webhook_secret[sizeof(p->webhook_secret) - 1] = '\0';
	p->filter.ifname[sizeof(p->filter.ifname) - 1] = '\0';
	if (monitor_type_name(p->type) == NULL ||
	    monitor_filter_check(p->type, &p->filter, &e) == -1 ||
	    p->event_buffer_size > MON_BUFFER_MAX ||
	    p->labels_len > sizeof(p->labels)) {
		log_warnx("monitor with invalid parameters");
		if (!restored)
			reply(reqid, 400, NULL, "invalid parameters");
		return;
	}
	if (nmons >= proc_conf->monitor_max) {
		if (restored)
			log_warnx("monitor %u not restored: "
			    "monitor.max_monitors (%u)", key,
			    proc_conf->monitor_max);
		else
			reply(reqid, 503, NULL, "too many monitors: %u "
			    "(monitor.max_monitors)", nmons);
		return;
	}
	if (p->name[0] != '\0' && (m = mon_by_name(p->name)) != NULL) {
		if (restored)
			log_warnx("monitor %s not %s: monitor %s has its name",
			    p->name, config ? "created" : "restored", m->id);
		else
			reply(reqid, 409, "name", "monitor %s has this name",
			    m->id);
		return;
	}
	if (key == 0 && (key = engine_key_take()) == 0) {
		if (config)
			log_warnx("monitor %s not created: no id to give yet",
			    p->name);
		else
			reply(reqid, 503, NULL, "no id to give yet: try again");
		return;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		fatal("%s", __func__);
	m->key = key;
	snprintf(m->id, sizeof(m->id), "%s-%u", engine_node(), key);
	m->p = *p;
	m->from_config = config;
	m->created = m->updated = proc_clock_ns(CLOCK_REALTIME);
	if (RB_INSERT(mon_tree, &mons, m) != NULL) {
		log_warnx("monitor %s twice", m->id);
		mon_free(m);
		return;
	}
	nmons++;
	ring_resize(m, mon_cap(m));
	mon_watch_update();
	log_info("monitor %s: %s created%s", m->id, monitor_type_name(p->type),
	    config ? " (configuration)" : restored ? " (restored)" : "");
	if (!restored) {
		mon_save(m);
		j = mon_json(m);
		send_json(reqid, j);
		reply(reqid, 201, NULL, NULL);
	}
}

static void
mon_query(struct imsg *imsg, struct mon_query *q)
{
	if (imsg->datalen < sizeof(*q))
		fatalx("monitor request: bad size %zu", imsg->datalen);
	memcpy(q, imsg->data, sizeof(*q));
	q->id[sizeof(q->id) - 1] = '\0';
}

static void
mon_list(uint32_t reqid)
{
	struct monitor	*m;
	char		*s;
	int		 first = 1;

	proc_body_text(reqid, "[", 1);
	RB_FOREACH(m, mon_tree, &mons) {
		if (!first)
			proc_body_text(reqid, ",", 1);
		first = 0;
		if ((s = json_dumps(mon_json(m), JSON_COMPACT |
		    JSON_ENCODE_ANY)) == NULL)
			fatalx("%s: json", __func__);
		proc_body_text(reqid, s, strlen(s));
		free(s);
	}
	proc_body_text(reqid, "]", 1);
	reply(reqid, 200, NULL, NULL);
}

static void
mon_patch(struct imsg *imsg)
{
	struct mon_query	 q;
	struct monitor_params	 np;
	struct task_json_err	 e;
	struct monitor		*m, *o;
	uint32_t		 reqid = imsg->hdr.reqid;

	if (imsg_check_len(imsg, sizeof(q) + sizeof(np)) != 0)
		fatalx("IMSG_MON_PATCH: bad size");
	memcpy(&q, imsg->data, sizeof(q));
	memcpy(&np, (char *)imsg->data + sizeof(q), sizeof(np));
	q.id[sizeof(q.id) - 1] = '\0';
	np.name[sizeof(np.name) - 1] = '\0';
	np.webhook_url[sizeof(np.webhook_url) - 1] = '\0';
	np.webhook_secret[sizeof(np.webhook_secret) - 1] = '\0';
	np.filter.ifname[sizeof(np.filter.ifname) - 1] = '\0';
	if ((m = mon_by_id(q.id)) == NULL) {
		reply(reqid, 404, NULL, "monitor not found");
		goto done;
	}
	if ((np.given & MONP_TYPE) && np.type != m->p.type) {
		reply(reqid, 400, "type", "a monitor's type cannot change "
		    "(it is %s): create another", monitor_type_name(m->p.type));
		goto done;
	}
	if ((np.given & MONP_FILTER) &&
	    monitor_filter_check(m->p.type, &np.filter, &e) == -1) {
		reply(reqid, 400, e.field, "%s", e.detail + strlen(e.field) +
		    (e.field[0] != '\0' ? 2 : 0));
		goto done;
	}
	if ((np.given & MONP_NAME) && np.name[0] != '\0' &&
	    (o = mon_by_name(np.name)) != NULL && o != m) {
		reply(reqid, 409, "name", "monitor %s has this name", o->id);
		goto done;
	}
	if ((np.given & MONP_SECRET) && np.webhook_secret[0] != '\0' &&
	    !(np.given & MONP_URL) && m->p.webhook_url[0] == '\0') {
		reply(reqid, 400, "webhook_secret", "needs webhook_url too");
		goto done;
	}
	monitor_params_patch(&m->p, &np);
	ring_resize(m, mon_cap(m));
	mon_watch_update();
	m->updated = proc_clock_ns(CLOCK_REALTIME);
	mon_save(m);
	log_info("monitor %s: updated", m->id);
	reply(reqid, 204, NULL, NULL);
done:
	explicit_bzero(&np, sizeof(np));
}

static void
mon_remove(struct monitor *m, const char *why)
{
	RB_REMOVE(mon_tree, &mons, m);
	nmons--;
	if (!m->from_config)
		proc_compose(PROC_PARENT, IMSG_STATE_DEL, 0, 0, -1, &m->key,
		    sizeof(m->key));
	log_info("monitor %s: deleted%s", m->id, why);
	mon_free(m);
	mon_watch_update();
}

static void
mon_delete(uint32_t reqid, const char *id)
{
	struct monitor	*m;

	if ((m = mon_by_id(id)) == NULL) {
		reply(reqid, 404, NULL, "monitor not found");
		return;
	}
	mon_remove(m, "");
	reply(reqid, 204, NULL, NULL);
}

/*
 * A monitor of the configuration, new or changed: created, or its
 * parameters replaced (its id and events stay).
 */
static void
mon_config(struct imsg *imsg)
{
	struct monitor_params	 p;
	struct task_json_err	 e;
	struct monitor		*m;

	if (imsg_check_len(imsg, sizeof(p)) != 0)
		fatalx("IMSG_CONF_MON: bad size");
	memcpy(&p, imsg->data, sizeof(p));
	p.name[sizeof(p.name) - 1] = '\0';
	if ((m = mon_by_name(p.name)) == NULL || !m->from_config) {
		mon_create(&p, 0, 0, 1);
		explicit_bzero(&p, sizeof(p));
		return;
	}
	p.filter.ifname[sizeof(p.filter.ifname) - 1] = '\0';
	if (monitor_type_name(p.type) == NULL ||
	    monitor_filter_check(p.type, &p.filter, &e) == -1) {
		log_warnx("monitor %s: invalid parameters", p.name);
		return;
	}
	m->p = p;
	explicit_bzero(&p, sizeof(p));
	ring_resize(m, mon_cap(m));
	mon_watch_update();
	m->updated = proc_clock_ns(CLOCK_REALTIME);
	log_info("monitor %s (%s): changed by the configuration", m->id,
	    m->p.name);
}

static void
mon_config_del(struct imsg *imsg)
{
	char		 name[LOPA_NAMELEN];
	struct monitor	*m;

	if (imsg_check_len(imsg, sizeof(name)) != 0)
		fatalx("IMSG_CONF_MON_DEL: bad size");
	memcpy(name, imsg->data, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	if ((m = mon_by_name(name)) != NULL && m->from_config)
		mon_remove(m, " (gone from the configuration)");
}

static void
mon_events(uint32_t reqid, const char *id, uint32_t last)
{
	struct monitor	*m;
	uint32_t	 i, from;

	if ((m = mon_by_id(id)) == NULL) {
		reply(reqid, 404, NULL, "monitor not found");
		return;
	}
	from = last != 0 && last < m->len ? m->len - last : 0;
	proc_body_text(reqid, "[", 1);
	for (i = from; i < m->len; i++) {
		if (i > from)
			proc_body_text(reqid, ",", 1);
		proc_body_text(reqid, m->ring[(m->head + i) % m->cap],
		    strlen(m->ring[(m->head + i) % m->cap]));
	}
	proc_body_text(reqid, "]", 1);
	reply(reqid, 200, NULL, NULL);
}

/* --- events ---------------------------------------------------------- */

/* One event for m: kept, and to control for the streams and webhook. */
static void
mon_record(struct monitor *m, int64_t at, const char *type,
    const char *change, const char *attrs)
{
	struct mon_event	 me;
	char			 t[64], *ev, *msg;
	size_t			 ul, sl, el;
	int			 n;

	task_time_format(at, t, sizeof(t));
	n = asprintf(&ev, "{\"id\":\"evt-%lld-%llu\",\"task_id\":\"%s\","
	    "\"monitor_id\":\"%s\",\"type\":\"%s\",\"change\":\"%s\","
	    "\"at\":\"%s\",%s}", (long long)at,
	    (unsigned long long)++ev_seq, m->id, m->id, type, change, t,
	    attrs);
	if (n < 0)
		fatal("%s", __func__);
	m->events_total++;
	m->last_event = at;
	/* Streams and webhook: the monitor's URL and secret first. */
	memset(&me, 0, sizeof(me));
	strlcpy(me.id, m->id, sizeof(me.id));
	ul = strnlen(m->p.webhook_url, sizeof(m->p.webhook_url));
	sl = ul > 0 ? strnlen(m->p.webhook_secret,
	    sizeof(m->p.webhook_secret)) : 0;
	el = (size_t)n;
	me.url_len = (uint32_t)ul;
	me.secret_len = (uint32_t)sl;
	if (sizeof(me) + ul + sl + el <= IMSG_MAXSIZE_DEFAULT - 64) {
		if ((msg = malloc(ul + sl + el)) == NULL)
			fatal("%s", __func__);
		memcpy(msg, m->p.webhook_url, ul);
		memcpy(msg + ul, m->p.webhook_secret, sl);
		memcpy(msg + ul + sl, ev, el);
		proc_compose2(PROC_CONTROL, IMSG_MON_EVENT, 0, 0, -1, &me,
		    sizeof(me), msg, ul + sl + el);
		freezero(msg, ul + sl + el);
	} else
		log_warnx("monitor %s: an event of %zu octets is only kept",
		    m->id, el);
	ring_push(m, ev);
}

static void
engine_nl_event(struct imsg *imsg)
{
	struct nl_event	 ev;
	struct monitor	*m;
	const char	*type, *change;
	char		*attrs;
	size_t		 len;

	if (imsg->datalen < sizeof(ev))
		fatalx("IMSG_NL_EVENT: bad size %zu", imsg->datalen);
	memcpy(&ev, imsg->data, sizeof(ev));
	ev.ifname[sizeof(ev.ifname) - 1] = '\0';
	ev.oldname[sizeof(ev.oldname) - 1] = '\0';
	for (len = 0; len < NL_NH_MAX; len++)
		ev.nh_ifname[len][sizeof(ev.nh_ifname[len]) - 1] = '\0';
	if ((change = monitor_change_name(ev.change)) == NULL ||
	    ev.kind < RTNL_LINK || ev.kind > RTNL_ROUTE)
		fatalx("IMSG_NL_EVENT: kind %u change %u", ev.kind, ev.change);
	type = ev.kind == RTNL_LINK ? "interface" : ev.kind == RTNL_ADDR ?
	    "ip" : "route";
	len = imsg->datalen - sizeof(ev);
	if ((attrs = malloc(len + 1)) == NULL)
		fatal("%s", __func__);
	memcpy(attrs, (char *)imsg->data + sizeof(ev), len);
	attrs[len] = '\0';
	if (strlen(attrs) != len || len == 0)
		fatalx("IMSG_NL_EVENT: bad attributes");
	RB_FOREACH(m, mon_tree, &mons)
		if (monitor_match(&m->p, &ev))
			mon_record(m, ev.at, type, change, attrs);
	free(attrs);
}

static void
engine_nl_resync(struct imsg *imsg)
{
	struct nl_resync	 r;
	struct monitor		*m;
	char			 attrs[128];

	if (imsg_check_len(imsg, sizeof(r)) != 0)
		fatalx("IMSG_NL_RESYNC: bad size");
	memcpy(&r, imsg->data, sizeof(r));
	snprintf(attrs, sizeof(attrs), "\"detail\":{\"reason\":\"netlink "
	    "overrun\",\"changes\":%llu}", (unsigned long long)r.changes);
	RB_FOREACH(m, mon_tree, &mons)
		if (m->p.enabled)
			mon_record(m, r.at, monitor_type_name(m->p.type),
			    "resync", attrs);
}

/* --- the interface --------------------------------------------------- */

int
engine_mon_dispatch(enum lopa_proc from, struct imsg *imsg)
{
	struct monitor_params	 p;
	struct state_monitor	 sm;
	struct mon_query	 q;

	switch (imsg->hdr.type) {
	case IMSG_NL_EVENT:
		if (from != PROC_NETLINK)
			return -1;
		engine_nl_event(imsg);
		return 0;
	case IMSG_NL_RESYNC:
		if (from != PROC_NETLINK)
			return -1;
		engine_nl_resync(imsg);
		return 0;
	case IMSG_CONF_MON:
		if (from != PROC_PARENT)
			return -1;
		mon_config(imsg);
		return 0;
	case IMSG_CONF_MON_DEL:
		if (from != PROC_PARENT)
			return -1;
		mon_config_del(imsg);
		return 0;
	case IMSG_STATE_MON_RESTORE:
		if (from != PROC_PARENT)
			return -1;
		if (imsg_check_len(imsg, sizeof(sm)) != 0)
			fatalx("IMSG_STATE_MON_RESTORE: bad size");
		memcpy(&sm, imsg->data, sizeof(sm));
		if (sm.key == 0)
			fatalx("IMSG_STATE_MON_RESTORE with key 0");
		mon_create(&sm.p, sm.key, 0, 0);
		explicit_bzero(&sm, sizeof(sm));
		return 0;
	}
	if (from != PROC_CONTROL)
		return -1;
	switch (imsg->hdr.type) {
	case IMSG_MON_CREATE:
		if (imsg_check_len(imsg, sizeof(p)) != 0)
			fatalx("IMSG_MON_CREATE: bad size");
		memcpy(&p, imsg->data, sizeof(p));
		mon_create(&p, 0, imsg->hdr.reqid, 0);
		explicit_bzero(&p, sizeof(p));
		return 0;
	case IMSG_MON_LIST:
		mon_list(imsg->hdr.reqid);
		return 0;
	case IMSG_MON_GET:
		mon_query(imsg, &q);
		if (mon_by_id(q.id) == NULL)
			reply(imsg->hdr.reqid, 404, NULL, "monitor not found");
		else {
			send_json(imsg->hdr.reqid, mon_json(mon_by_id(q.id)));
			reply(imsg->hdr.reqid, 200, NULL, NULL);
		}
		return 0;
	case IMSG_MON_PATCH:
		mon_patch(imsg);
		return 0;
	case IMSG_MON_DELETE:
		mon_query(imsg, &q);
		mon_delete(imsg->hdr.reqid, q.id);
		return 0;
	case IMSG_MON_EVENTS:
		mon_query(imsg, &q);
		mon_events(imsg->hdr.reqid, q.id, q.last);
		return 0;
	}
	return -1;
}

/* The id is taken by a monitor: tasks must not have it. */
int
engine_mon_has_key(uint32_t key)
{
	struct monitor	 k;

	k.key = key;
	return RB_FIND(mon_tree, &mons, &k) != NULL;
}

void
engine_mon_reconf(void)
{
	struct monitor	*m;

	RB_FOREACH(m, mon_tree, &mons)
		ring_resize(m, mon_cap(m));
}

void
engine_mon_shutdown(void)
{
	struct monitor	*m, *n;

	RB_FOREACH_SAFE(m, mon_tree, &mons, n) {
		RB_REMOVE(mon_tree, &mons, m);
		mon_free(m);
	}
	nmons = 0;
}
