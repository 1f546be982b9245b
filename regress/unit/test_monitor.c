/*
 * Unit tests: netlink monitors' parameters and filters (lopad/monitor.c):
 * creation and PATCH bodies, errors naming the field, the JSON round
 * trip, and which events each filter lets through.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "monitor.h"
#include "rtnl.h"

static void
parse_ok(const char *body, int patch, struct monitor_params *p)
{
	struct task_json_err	 e;

	if (monitor_params_parse(body, strlen(body), patch, p, &e) != 0)
		fail_msg("refused: %s: %s", body, e.detail);
}

static void
test_parse(void **state)
{
	struct monitor_params	 p;
	char			 a[16];

	(void)state;
	parse_ok("{\"type\":\"route\",\"filter\":{\"interface_name\":\"v*\","
	    "\"route_table\":100,\"route_dst\":\"10.1.2.3/8\",\"family\":"
	    "\"inet\",\"protocol\":\"static\"},\"enabled\":false,"
	    "\"event_buffer_size\":7,\"name\":\"r\",\"labels\":{\"a\":\"b\"},"
	    "\"webhook_url\":\"http://127.0.0.1:9/x\",\"webhook_secret\":\"s\"}",
	    0, &p);
	assert_int_equal(p.type, MON_ROUTE);
	assert_int_equal(p.filter.set, MONF_IFNAME | MONF_TABLE | MONF_DST |
	    MONF_FAMILY | MONF_PROTOCOL);
	assert_string_equal(p.filter.ifname, "v*");
	assert_int_equal(p.filter.table, 100);
	assert_int_equal(p.filter.dst_len, 8);
	/* The network: host bits cleared. */
	assert_non_null(inet_ntop(AF_INET, p.filter.dst, a, sizeof(a)));
	assert_string_equal(a, "10.0.0.0");
	assert_int_equal(p.filter.protocol, RTPROT_STATIC);
	assert_int_equal(p.enabled, 0);
	assert_int_equal(p.event_buffer_size, 7);
	assert_string_equal(p.webhook_secret, "s");
	assert_int_equal(p.labels_len, 4);

	/* Lopa's body: type, filter, webhook_url, enabled. */
	parse_ok("{\"type\":\"ip\",\"filter\":{\"interface_index\":0,"
	    "\"prefix\":\"2001:db8::/32\"},\"alert_callback_url\":"
	    "\"https://h/x\"}", 0, &p);
	assert_int_equal(p.type, MON_IP);
	assert_int_equal(p.filter.set, MONF_PREFIX);
	assert_int_equal(p.filter.prefix_family, AF_INET6);
	assert_int_equal(p.enabled, 1);
	assert_string_equal(p.webhook_url, "https://h/x");

	/* A PATCH: only what it has. */
	parse_ok("{\"enabled\":true,\"filter\":{}}", 1, &p);
	assert_int_equal(p.given, MONP_ENABLED | MONP_FILTER);
	assert_int_equal(p.type, 0);
}

static void
test_refused(void **state)
{
	static const struct {
		const char	*body;
		int		 patch;
		const char	*field;
	} t[] = {
		{ "{}", 0, "type" },
		{ "{\"type\":\"bogus\"}", 0, "type" },
		{ "{\"type\":3}", 0, "type" },
		{ "{\"type\":\"ip\",\"filter\":{\"prefix\":\"1.2.3.4/33\"}}", 0,
		    "filter.prefix" },
		{ "{\"type\":\"ip\",\"filter\":{\"prefix\":\"x\"}}", 0,
		    "filter.prefix" },
		{ "{\"type\":\"interface\",\"filter\":{\"route_dst\":"
		    "\"10.0.0.0/8\"}}", 0, "filter.route_dst" },
		{ "{\"type\":\"route\",\"filter\":{\"prefix\":\"10.0.0.0/8\"}}",
		    0, "filter.prefix" },
		{ "{\"type\":\"interface\",\"filter\":{\"family\":\"inet\"}}", 0,
		    "filter.family" },
		{ "{\"type\":\"route\",\"filter\":{\"family\":\"inet6\","
		    "\"route_dst\":\"10.0.0.0/8\"}}", 0, "filter.route_dst" },
		{ "{\"type\":\"route\",\"filter\":{\"protocol\":\"nope\"}}", 0,
		    "filter.protocol" },
		{ "{\"type\":\"route\",\"filter\":{\"protocol\":256}}", 0,
		    "filter.protocol" },
		{ "{\"type\":\"route\",\"filter\":{\"nope\":1}}", 0,
		    "filter.nope" },
		{ "{\"type\":\"route\",\"filter\":{\"interface_name\":\"a/b\"}}",
		    0, "filter.interface_name" },
		{ "{\"type\":\"route\",\"filter\":{\"interface_name\":"
		    "\"0123456789abcdef\"}}", 0, "filter.interface_name" },
		{ "{\"type\":\"route\",\"filter\":{\"interface_index\":-1}}", 0,
		    "filter.interface_index" },
		{ "{\"type\":\"route\",\"filter\":[]}", 0, "filter" },
		{ "{\"type\":\"route\",\"event_buffer_size\":0}", 0,
		    "event_buffer_size" },
		{ "{\"type\":\"route\",\"event_buffer_size\":100001}", 0,
		    "event_buffer_size" },
		{ "{\"type\":\"route\",\"enabled\":1}", 0, "enabled" },
		{ "{\"type\":\"route\",\"webhook_url\":\"ftp://h/\"}", 0,
		    "webhook_url" },
		{ "{\"type\":\"route\",\"webhook_secret\":\"s\"}", 0,
		    "webhook_secret" },
		{ "{\"type\":\"route\",\"labels\":{\"1a\":\"b\"}}", 0,
		    "labels.1a" },
		{ "{\"type\":\"route\",\"bogus\":true}", 0, "bogus" },
		{ "{\"enabled\":\"yes\"}", 1, "enabled" },
	};
	struct monitor_params	 p;
	struct task_json_err	 e;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (monitor_params_parse(t[i].body, strlen(t[i].body),
		    t[i].patch, &p, &e) != -1)
			fail_msg("accepted: %s", t[i].body);
		assert_int_equal(e.status, 400);
		if (strcmp(e.field, t[i].field) != 0)
			fail_msg("%s: field \"%s\", not \"%s\" (%s)", t[i].body,
			    e.field, t[i].field, e.detail);
	}
	assert_int_equal(monitor_params_parse("{", 1, 0, &p, &e), -1);
	assert_int_equal(monitor_params_parse("", 0, 0, &p, &e), -1);
}

/* The body from monitor_params_json parses back to the same. */
static void
test_round_trip(void **state)
{
	static const char *const bodies[] = {
		"{\"type\":\"route\",\"filter\":{\"interface_name\":\"v*\","
		"\"interface_index\":4,\"route_table\":100,\"route_dst\":"
		"\"10.0.0.0/8\",\"family\":\"inet\",\"protocol\":200},"
		"\"enabled\":false,\"include_kernel\":true,"
		"\"event_buffer_size\":7,\"name\":\"r\",\"labels\":"
		"{\"a\":\"b\",\"c\":\"d\"},\"webhook_url\":\"http://h/x\","
		"\"webhook_secret\":\"s\"}",
		"{\"type\":\"ip\",\"filter\":{\"prefix\":\"2001:db8::/32\"}}",
		"{\"type\":\"interface\"}",
	};
	struct monitor_params	 p, q;
	struct task_json_err	 e;
	json_t			*j;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		parse_ok(bodies[i], 0, &p);
		assert_non_null(j = monitor_params_json(&p, 1));
		if (monitor_params_from_json(j, 0, &q, &e) != 0)
			fail_msg("%s: %s", bodies[i], e.detail);
		json_decref(j);
		q.given = p.given = 0;
		assert_memory_equal(&p, &q, sizeof(p));
		/* Without the secret for the API. */
		assert_non_null(j = monitor_params_json(&p, 0));
		assert_null(json_object_get(j, "webhook_secret"));
		json_decref(j);
	}
}

static void
test_patch(void **state)
{
	struct monitor_params	 p, q;

	(void)state;
	parse_ok("{\"type\":\"route\",\"filter\":{\"route_table\":100},"
	    "\"webhook_url\":\"http://h/x\",\"webhook_secret\":\"s\","
	    "\"name\":\"a\"}", 0, &p);
	parse_ok("{\"enabled\":false,\"filter\":{\"interface_name\":\"vA\"}}",
	    1, &q);
	monitor_params_patch(&p, &q);
	assert_int_equal(p.enabled, 0);
	/* The whole filter replaced. */
	assert_int_equal(p.filter.set, MONF_IFNAME);
	assert_string_equal(p.name, "a");
	assert_string_equal(p.webhook_secret, "s");
	/* No URL: no secret either. */
	parse_ok("{\"webhook_url\":\"\"}", 1, &q);
	monitor_params_patch(&p, &q);
	assert_string_equal(p.webhook_url, "");
	assert_string_equal(p.webhook_secret, "");
}

static struct nl_event
ev_route(const char *dst, uint8_t len, uint32_t table, uint32_t oif,
    const char *ifname)
{
	struct nl_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = RTNL_ROUTE;
	ev.change = RTNL_ADD;
	ev.family = strchr(dst, ':') != NULL ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(ev.family, dst, ev.addr), 1);
	ev.plen = len;
	ev.table = table;
	ev.ifindex = oif;
	ev.protocol = RTPROT_BOOT;
	strlcpy(ev.ifname, ifname, sizeof(ev.ifname));
	return ev;
}

static int
match(const char *body, const struct nl_event *ev)
{
	struct monitor_params	 p;

	parse_ok(body, 0, &p);
	return monitor_match(&p, ev);
}

static void
test_match(void **state)
{
	struct nl_event	 ev;

	(void)state;
	ev = ev_route("10.1.0.0", 16, 254, 3, "vA");
	assert_true(match("{\"type\":\"route\"}", &ev));
	assert_false(match("{\"type\":\"ip\"}", &ev));
	assert_false(match("{\"type\":\"route\",\"enabled\":false}", &ev));
	assert_true(match("{\"type\":\"route\",\"filter\":{\"route_dst\":"
	    "\"10.0.0.0/8\"}}", &ev));
	assert_false(match("{\"type\":\"route\",\"filter\":{\"route_dst\":"
	    "\"10.1.0.0/24\"}}", &ev));
	assert_false(match("{\"type\":\"route\",\"filter\":{\"route_dst\":"
	    "\"2001:db8::/32\"}}", &ev));
	assert_true(match("{\"type\":\"route\",\"filter\":{\"route_table\":"
	    "254}}", &ev));
	assert_false(match("{\"type\":\"route\",\"filter\":{\"route_table\":"
	    "100}}", &ev));
	assert_true(match("{\"type\":\"route\",\"filter\":{\"interface_name\":"
	    "\"v?\"}}", &ev));
	assert_false(match("{\"type\":\"route\",\"filter\":"
	    "{\"interface_name\":\"vB\"}}", &ev));
	assert_true(match("{\"type\":\"route\",\"filter\":{\"interface_index\":"
	    "3}}", &ev));
	assert_true(match("{\"type\":\"route\",\"filter\":{\"protocol\":"
	    "\"boot\"}}", &ev));
	assert_false(match("{\"type\":\"route\",\"filter\":{\"protocol\":"
	    "\"static\"}}", &ev));
	assert_false(match("{\"type\":\"route\",\"filter\":{\"family\":"
	    "\"inet6\"}}", &ev));
	/* A next hop's interface matches too. */
	ev.nnh = 2;
	ev.nh_ifindex[1] = 7;
	strlcpy(ev.nh_ifname[1], "vB", sizeof(ev.nh_ifname[1]));
	assert_true(match("{\"type\":\"route\",\"filter\":"
	    "{\"interface_name\":\"vB\"}}", &ev));
	assert_true(match("{\"type\":\"route\",\"filter\":{\"interface_index\":"
	    "7}}", &ev));
	/* The default route lies only in /0. */
	ev = ev_route("0.0.0.0", 0, 254, 3, "vA");
	assert_true(match("{\"type\":\"route\",\"filter\":{\"route_dst\":"
	    "\"0.0.0.0/0\"}}", &ev));
	assert_false(match("{\"type\":\"route\",\"filter\":{\"route_dst\":"
	    "\"10.0.0.0/8\"}}", &ev));
	assert_false(match("{\"type\":\"route\",\"filter\":{\"route_dst\":"
	    "\"::/0\"}}", &ev));
	ev = ev_route("::", 0, 254, 3, "vA");
	assert_true(match("{\"type\":\"route\",\"filter\":{\"route_dst\":"
	    "\"::/0\"}}", &ev));
	/* A wider route is not inside a narrower filter. */
	ev = ev_route("10.0.0.0", 7, 254, 3, "vA");
	assert_false(match("{\"type\":\"route\",\"filter\":{\"route_dst\":"
	    "\"10.0.0.0/8\"}}", &ev));
	/* Kernel noise only with include_kernel. */
	ev.kernel = 1;
	assert_false(match("{\"type\":\"route\"}", &ev));
	assert_true(match("{\"type\":\"route\",\"include_kernel\":true}", &ev));

	/* Addresses: the prefix. */
	memset(&ev, 0, sizeof(ev));
	ev.kind = RTNL_ADDR;
	ev.change = RTNL_ADD;
	ev.family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", ev.addr), 1);
	ev.plen = 64;
	strlcpy(ev.ifname, "vA", sizeof(ev.ifname));
	assert_true(match("{\"type\":\"ip\",\"filter\":{\"prefix\":"
	    "\"2001:db8::/32\"}}", &ev));
	assert_false(match("{\"type\":\"ip\",\"filter\":{\"prefix\":"
	    "\"198.18.0.0/15\"}}", &ev));
	assert_true(match("{\"type\":\"ip\",\"filter\":{\"family\":"
	    "\"inet6\",\"interface_name\":\"vA\"}}", &ev));

	/* Links: a rename matches by the old name too. */
	memset(&ev, 0, sizeof(ev));
	ev.kind = RTNL_LINK;
	ev.change = RTNL_UPDATE;
	strlcpy(ev.ifname, "vC", sizeof(ev.ifname));
	strlcpy(ev.oldname, "vA", sizeof(ev.oldname));
	assert_true(match("{\"type\":\"interface\",\"filter\":"
	    "{\"interface_name\":\"vA\"}}", &ev));
	assert_true(match("{\"type\":\"interface\",\"filter\":"
	    "{\"interface_name\":\"vC\"}}", &ev));
	assert_false(match("{\"type\":\"interface\",\"filter\":"
	    "{\"interface_name\":\"vB\"}}", &ev));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
