/*
 * Unit tests: probe task requests and results in JSON (lopad/task_json.c).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

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

#include "task.h"
#include "task_json.h"

#define MS	(1000LL * 1000)
#define SEC	(1000LL * MS)

static void
expect_ok(const char *body, uint32_t type, struct task_params *p)
{
	struct task_json_err	 e;

	if (task_params_parse(body, strlen(body), type, p, &e) != 0)
		fail_msg("refused (%s): %s: %s", task_type_name(type), body,
		    e.detail);
}

static void
expect_bad(const char *body, uint32_t type, const char *field,
    const char *detail)
{
	struct task_params	 p, zero;
	struct task_json_err	 e;

	memset(&zero, 0, sizeof(zero));
	if (task_params_parse(body, strlen(body), type, &p, &e) != -1)
		fail_msg("accepted (%s): %s", task_type_name(type), body);
	assert_int_equal(e.status, 400);
	if (strcmp(e.field, field) != 0)
		fail_msg("%s: field \"%s\", want \"%s\" (%s)", body, e.field,
		    field, e.detail);
	/* The detail names the field first. */
	if (field[0] != '\0' && (strncmp(e.detail, field, strlen(field)) != 0 ||
	    e.detail[strlen(field)] != ':'))
		fail_msg("%s: detail \"%s\" does not start with %s:", body,
		    e.detail, field);
	if (detail != NULL && strstr(e.detail, detail) == NULL)
		fail_msg("%s: detail \"%s\" lacks \"%s\"", body, e.detail,
		    detail);
	assert_memory_equal(&p, &zero, sizeof(p));
}

static void
test_defaults(void **state)
{
	struct task_params	 p;

	expect_ok("{\"target\":\"198.18.0.2\"}", TASK_PING, &p);
	assert_int_equal(p.type, TASK_PING);
	assert_int_equal(p.mode, TASK_COUNT);
	assert_string_equal(p.target, "198.18.0.2");
	assert_string_equal(p.host, "198.18.0.2");
	assert_int_equal(p.port, 0);
	assert_int_equal(p.count, 4);
	assert_int_equal(p.rounds, 1);
	assert_int_equal(p.round_delay_ns, 0);
	assert_int_equal(p.interval_ns, 1 * SEC);
	assert_int_equal(p.timeout_ns, 3 * SEC);
	assert_int_equal(p.duration_ns, 0);
	assert_int_equal(p.window_ns, 0);
	assert_int_equal(p.resolve_interval_ns, 300 * SEC);
	assert_int_equal(p.packet_size, 56);
	assert_int_equal(p.dscp, -1);
	assert_int_equal(p.ttl, 0);
	assert_int_equal(p.pmtu, PMTU_DEFAULT);
	assert_int_equal(p.ip_version, TASK_IP_AUTO);
	assert_string_equal(p.source_ip, "");
	assert_string_equal(p.interface, "");
	assert_string_equal(p.name, "");
	assert_true(p.loss_threshold == 0);
	assert_int_equal(p.latency_threshold_ns, 0);
	assert_string_equal(p.alert_callback_url, "");

	expect_ok("{\"target\":\"example.net\"}", TASK_TCP, &p);
	assert_int_equal(p.port, 80);
	assert_int_equal(p.packet_size, 0);
	assert_string_equal(p.host, "example.net");
	expect_ok("{\"target\":\"example.net\"}", TASK_UDP, &p);
	assert_int_equal(p.port, 8081);
	assert_int_equal(p.packet_size, 64);

	/* Lopa's zeros and empty strings are the defaults too. */
	expect_ok("{\"target\":\"h\",\"count\":0,\"interval\":0,"
	    "\"timeout\":\"\","
	    "\"rounds\":0,\"packet_size\":0,\"mode\":\"\",\"ip_version\":\"\","
	    "\"source_ip\":\"\",\"interface\":\"\",\"type\":\"\"}",
	    TASK_PING, &p);
	assert_int_equal(p.count, 4);
	assert_int_equal(p.interval_ns, 1 * SEC);
	assert_int_equal(p.timeout_ns, 3 * SEC);
	assert_int_equal(p.packet_size, 56);
	/* null is absent, for ours as for Lopa's. */
	expect_ok("{\"target\":\"h\",\"count\":null,\"dscp\":null,\"df\":null,"
	    "\"ttl\":null}", TASK_PING, &p);
	assert_int_equal(p.count, 4);
	assert_int_equal(p.dscp, -1);
	assert_int_equal(p.ttl, 0);
	assert_int_equal(p.pmtu, PMTU_DEFAULT);
}

static void
test_required(void **state)
{
	struct task_params	 p;
	struct task_json_err	 e;
	json_t			*body;

	/* An empty body is all defaults, and target has none. */
	assert_int_equal(task_params_parse("", 0, TASK_PING, &p, &e), -1);
	assert_string_equal(e.detail, "target: required");
	assert_string_equal(e.field, "target");
	assert_int_equal(task_params_from_json(NULL, TASK_UDP, &p, &e), -1);
	assert_string_equal(e.detail, "target: required");
	expect_bad("{}", TASK_TCP, "target", "required");
	/* A NUL inside a string (a document built without the parser). */
	body = json_pack("{s:s%}", "target", "h\0x", (size_t)3);
	assert_non_null(body);
	assert_int_equal(task_params_from_json(body, TASK_PING, &p, &e), -1);
	assert_string_equal(e.detail, "target: contains a NUL character");
	json_decref(body);
	expect_bad("{\"target\":\"\"}", TASK_PING, "target", "required");
	expect_bad("{\"target\":null}", TASK_PING, "target", "required");
}

static void
test_lopa_bodies(void **state)
{
	struct task_params	 p;

	expect_ok("{\"target\":\"198.18.0.2\",\"mode\":\"count\",\"count\":5,"
	    "\"interval\":1000000000}", TASK_PING, &p);
	assert_int_equal(p.count, 5);
	assert_int_equal(p.interval_ns, SEC);

	/* What Lopa's CLI sends for `lopa ping`: every field. */
	expect_ok("{\"type\":\"ping\",\"target\":\"198.18.1.2\","
	    "\"ip_version\":\"\",\"interval\":20000000,\"timeout\":1000000000,"
	    "\"packet_size\":56,\"source_ip\":\"\",\"interface\":\"\","
	    "\"mode\":\"count\",\"count\":4,\"duration\":10000000000,"
	    "\"rounds\":1,\"round_delay\":0,\"loss_threshold\":0,"
	    "\"latency_threshold\":0,\"alert_callback_url\":\"\"}",
	    TASK_PING, &p);
	assert_int_equal(p.interval_ns, 20 * MS);
	assert_int_equal(p.count, 4);
	assert_int_equal(p.duration_ns, 0);	/* count mode: ignored */

	/* tcp and udp: host:port in the target. */
	expect_ok("{\"type\":\"tcp\",\"target\":\"198.18.1.2:443\","
	    "\"mode\":\"count\",\"count\":3,\"packet_size\":0}", TASK_TCP, &p);
	assert_string_equal(p.host, "198.18.1.2");
	assert_int_equal(p.port, 443);
	expect_ok("{\"type\":\"udp\",\"target\":\"echo.example:9000\","
	    "\"packet_size\":64,\"mode\":\"duration\","
	    "\"duration\":5000000000}", TASK_UDP, &p);
	assert_string_equal(p.host, "echo.example");
	assert_int_equal(p.port, 9000);
	assert_int_equal(p.mode, TASK_DURATION);
	assert_int_equal(p.duration_ns, 5 * SEC);

	/* Continuous: duration is the window. */
	expect_ok("{\"target\":\"h\",\"mode\":\"continuous\",\"duration\":"
	    "30000000000,\"loss_threshold\":0.05,\"latency_threshold\":"
	    "100000000,\"alert_callback_url\":\"http://127.0.0.1:9/hook\"}",
	    TASK_PING, &p);
	assert_int_equal(p.window_ns, 30 * SEC);
	assert_int_equal(p.duration_ns, 0);
	assert_true(p.loss_threshold == 0.05);
	assert_int_equal(p.latency_threshold_ns, 100 * MS);
	assert_string_equal(p.alert_callback_url, "http://127.0.0.1:9/hook");

	/* Go matched field names case-insensitively: so do we. */
	expect_ok("{\"Target\":\"h\",\"COUNT\":7,\"Interval\":\"10ms\","
	    "\"Packet_Size\":100}", TASK_PING, &p);
	assert_int_equal(p.count, 7);
	assert_int_equal(p.interval_ns, 10 * MS);
	assert_int_equal(p.packet_size, 100);
	expect_bad("{\"target\":\"h\",\"count\":1,\"Count\":2}", TASK_PING,
	    "count", "twice");
	/* The body's type may use any case but must be the route's. */
	expect_ok("{\"target\":\"h\",\"type\":\"PING\"}", TASK_PING, &p);
}

static void
test_ours(void **state)
{
	struct task_params	 p;

	expect_ok("{\"target\":\"h\",\"name\":\"uplink\",\"dscp\":46,"
	    "\"ttl\":64,\"df\":true,\"resolve_interval\":\"10s\","
	    "\"source_ip\":\"192.0.2.1\",\"interface\":\"eth0\","
	    "\"ip_version\":\"ipv4\"}", TASK_PING, &p);
	assert_string_equal(p.name, "uplink");
	assert_int_equal(p.dscp, 46);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.pmtu, PMTU_DO);
	assert_int_equal(p.resolve_interval_ns, 10 * SEC);
	assert_string_equal(p.source_ip, "192.0.2.1");
	assert_string_equal(p.interface, "eth0");
	assert_int_equal(p.ip_version, TASK_IP_4);
	expect_ok("{\"target\":\"h\",\"df\":false,\"dscp\":0}", TASK_PING, &p);
	assert_int_equal(p.pmtu, PMTU_DONT);
	assert_int_equal(p.dscp, 0);
	expect_ok("{\"target\":\"h\",\"port\":9000}", TASK_UDP, &p);
	assert_int_equal(p.port, 9000);
	expect_ok("{\"target\":\"h:9000\",\"port\":9000}", TASK_UDP, &p);
	assert_int_equal(p.port, 9000);
	expect_ok("{\"target\":\"h\",\"ip_version\":\"ipv6\","
	    "\"packet_size\":65527}", TASK_PING, &p);
	assert_int_equal(p.packet_size, 65527);
	expect_ok("{\"target\":\"h\",\"ip_version\":\"auto\"}", TASK_PING, &p);
	assert_int_equal(p.ip_version, TASK_IP_AUTO);
}

static void
test_durations(void **state)
{
	static const struct {
		const char	*v;
		int64_t		 ns;
	} t[] = {
		{ "\"1s\"", SEC },
		{ "\"250ms\"", 250 * MS },
		{ "\"1m30s\"", 90 * SEC },
		{ "\"1.5s\"", 1500 * MS },
		{ "\"100us\"", 0 },	/* too small: checked below */
		{ "2000000000", 2 * SEC },
		{ "\"2000000000\"", 2 * SEC },	/* digits alone: ns */
		{ "1e9", SEC },		/* an integral real */
		{ "\"\"", SEC },	/* the default */
	};
	struct task_params	 p;
	char			 body[128];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(body, sizeof(body),
		    "{\"target\":\"h\",\"interval\":%s}", t[i].v);
		if (t[i].ns == 0) {
			expect_bad(body, TASK_PING, "interval", "at least 1ms");
			continue;
		}
		expect_ok(body, TASK_PING, &p);
		assert_int_equal(p.interval_ns, t[i].ns);
	}
	expect_ok("{\"target\":\"h\",\"timeout\":\"750ms\",\"round_delay\":"
	    "\"2s\",\"rounds\":2,\"latency_threshold\":\"20ms\"}", TASK_PING,
	    &p);
	assert_int_equal(p.timeout_ns, 750 * MS);
	assert_int_equal(p.round_delay_ns, 2 * SEC);
	assert_int_equal(p.latency_threshold_ns, 20 * MS);
}

static void
test_modes(void **state)
{
	struct task_params	 p;

	expect_ok("{\"target\":\"h\",\"mode\":\"duration\",\"count\":9,"
	    "\"rounds\":3}", TASK_PING, &p);
	assert_int_equal(p.duration_ns, 10 * SEC);
	assert_int_equal(p.count, 0);		/* not this mode's */
	assert_int_equal(p.rounds, 1);
	expect_ok("{\"target\":\"h\",\"mode\":\"continuous\"}", TASK_PING, &p);
	assert_int_equal(p.window_ns, 60 * SEC);
	assert_int_equal(p.count, 0);
	expect_ok("{\"target\":\"h\",\"mode\":\"continuous\",\"window\":"
	    "\"5s\"}", TASK_PING, &p);
	assert_int_equal(p.window_ns, 5 * SEC);
	expect_ok("{\"target\":\"h\",\"mode\":\"continuous\",\"window\":"
	    "\"5s\",\"duration\":5000000000}", TASK_PING, &p);
	assert_int_equal(p.window_ns, 5 * SEC);
	expect_ok("{\"target\":\"h\",\"mode\":\"continuous\",\"interval\":"
	    "\"1s\",\"window\":\"1s\"}", TASK_PING, &p);
	expect_ok("{\"target\":\"h\",\"mode\":\"count\",\"count\":1000000,"
	    "\"rounds\":10000,\"interval\":\"1ms\"}", TASK_PING, &p);
	assert_int_equal(p.count, 1000000);
	assert_int_equal(p.rounds, 10000);
}

static void
test_targets(void **state)
{
	static const struct {
		uint32_t	 type;
		const char	*target;
		const char	*host;	/* NULL: refused */
		uint32_t	 port;
	} t[] = {
		{ TASK_PING, "198.18.0.2", "198.18.0.2", 0 },
		{ TASK_PING, "2001:db8::1", "2001:db8::1", 0 },
		{ TASK_PING, "[2001:db8::1]", "2001:db8::1", 0 },
		{ TASK_PING, "localhost", "localhost", 0 },
		{ TASK_PING, "www.example.com.", "www.example.com.", 0 },
		{ TASK_PING, "a-b.c0.example", "a-b.c0.example", 0 },
		{ TASK_PING, "1a.example", "1a.example", 0 },
		{ TASK_PING, "198.18.0.2:80", NULL, 0 },
		{ TASK_PING, "[2001:db8::1]:80", NULL, 0 },
		{ TASK_PING, "host:1", NULL, 0 },
		{ TASK_PING, "198.18.0.256", NULL, 0 },
		{ TASK_PING, "1.2.3", NULL, 0 },
		{ TASK_PING, "12345", NULL, 0 },
		{ TASK_PING, "-host", NULL, 0 },
		{ TASK_PING, "host-", NULL, 0 },
		{ TASK_PING, "a..b", NULL, 0 },
		{ TASK_PING, ".", NULL, 0 },
		{ TASK_PING, "under_score", NULL, 0 },
		{ TASK_PING, "sp ace", NULL, 0 },
		{ TASK_PING, "fe80::1%eth0", NULL, 0 },
		{ TASK_PING, "::ffff:198.18.0.2", NULL, 0 },
		{ TASK_PING, "2001:db8::g", NULL, 0 },
		{ TASK_PING, "[198.18.0.2]", NULL, 0 },
		{ TASK_PING, "[2001:db8::1", NULL, 0 },
		{ TASK_PING, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaa.example", NULL, 0 },	/* a 64-byte label */
		{ TASK_TCP, "198.18.0.2:9001", "198.18.0.2", 9001 },
		{ TASK_TCP, "[2001:db8::1]:22", "2001:db8::1", 22 },
		{ TASK_TCP, "[2001:db8::1]", "2001:db8::1", 80 },
		{ TASK_TCP, "2001:db8::1", "2001:db8::1", 80 },
		{ TASK_TCP, "host.example:65535", "host.example", 65535 },
		{ TASK_TCP, "host.example", "host.example", 80 },
		{ TASK_TCP, "198.18.1.2:99999", NULL, 0 },
		{ TASK_TCP, "198.18.1.2:0", NULL, 0 },
		{ TASK_TCP, "198.18.1.2:", NULL, 0 },
		{ TASK_TCP, "198.18.1.2:8o", NULL, 0 },
		{ TASK_TCP, ":80", NULL, 0 },
		{ TASK_TCP, "[2001:db8::1]x", NULL, 0 },
		{ TASK_UDP, "198.18.0.2", "198.18.0.2", 8081 },
		{ TASK_UDP, "198.18.0.2:7", "198.18.0.2", 7 },
	};
	struct task_params	 p;
	char			 body[256];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(body, sizeof(body), "{\"target\":\"%s\"}",
		    t[i].target);
		if (t[i].host == NULL) {
			expect_bad(body, t[i].type, "target", NULL);
			continue;
		}
		expect_ok(body, t[i].type, &p);
		assert_string_equal(p.target, t[i].target);
		assert_string_equal(p.host, t[i].host);
		assert_int_equal(p.port, t[i].port);
	}
}

/* The table of refusals: each names its field. */
static void
test_invalid(void **state)
{
	static const struct {
		uint32_t	 type;
		const char	*body;
		const char	*field;
		const char	*detail;
	} t[] = {
		{ TASK_PING, "[]", "", "JSON object" },
		{ TASK_PING, "\"x\"", "", "malformed JSON" },
		{ TASK_PING, "7", "", "malformed JSON" },
		{ TASK_PING, "{\"target\":", "", "malformed JSON" },
		{ TASK_PING, "{\"target\":\"h\",\"target\":\"i\"}", "",
		    "malformed JSON" },
		{ TASK_PING, "{\"target\":\"h\",\"bogus\":1}", "bogus",
		    "unknown field" },
		{ TASK_PING, "{\"target\":\"h\",\"protocol\":\"icmp\"}",
		    "protocol", "unknown field" },
		{ TASK_PING, "{\"target\":5}", "target", "expected a string" },
		{ TASK_PING, "{\"target\":\"h\\u0000x\"}", "", "malformed" },
		{ TASK_PING, "{\"target\":\"h\",\"type\":\"tcp\"}", "type",
		    "does not match" },
		{ TASK_PING, "{\"target\":\"h\",\"type\":7}", "type",
		    "expected a string" },
		{ TASK_PING, "{\"target\":\"h\",\"mode\":\"forever\"}", "mode",
		    "unknown mode" },
		{ TASK_PING, "{\"target\":\"h\",\"mode\":1}", "mode",
		    "expected a string" },
		{ TASK_PING, "{\"target\":\"h\",\"count\":-1}", "count",
		    "between 1 and 1000000" },
		{ TASK_PING, "{\"target\":\"h\",\"count\":1000001}", "count",
		    NULL },
		{ TASK_PING, "{\"target\":\"h\",\"count\":\"5\"}", "count",
		    "expected an integer, got a string" },
		{ TASK_PING, "{\"target\":\"h\",\"count\":2.5}", "count",
		    "expected an integer" },
		{ TASK_PING, "{\"target\":\"h\",\"count\":true}", "count",
		    "boolean" },
		{ TASK_PING, "{\"target\":\"h\",\"rounds\":10001}", "rounds",
		    "between 1 and 10000" },
		{ TASK_PING, "{\"target\":\"h\",\"rounds\":-2}", "rounds",
		    NULL },
		{ TASK_PING, "{\"target\":\"h\",\"interval\":\"500us\"}",
		    "interval", "at least 1ms" },
		{ TASK_PING, "{\"target\":\"h\",\"interval\":999999}",
		    "interval", "at least 1ms" },
		{ TASK_PING, "{\"target\":\"h\",\"interval\":-1}", "interval",
		    "negative" },
		{ TASK_PING, "{\"target\":\"h\",\"interval\":\"-1s\"}",
		    "interval", "negative" },
		{ TASK_PING, "{\"target\":\"h\",\"interval\":\"1x\"}",
		    "interval", "unknown unit" },
		{ TASK_PING, "{\"target\":\"h\",\"interval\":\"1\"}",
		    "interval", "at least 1ms" },
		{ TASK_PING, "{\"target\":\"h\",\"interval\":[1]}", "interval",
		    "expected a duration" },
		{ TASK_PING, "{\"target\":\"h\",\"timeout\":{}}", "timeout",
		    "an object" },
		{ TASK_PING, "{\"target\":\"h\",\"timeout\":-5}", "timeout",
		    "negative" },
		{ TASK_PING, "{\"target\":\"h\",\"interval\":\"1ms\","
		    "\"timeout\":\"17s\"}", "timeout", "in flight" },
		{ TASK_PING, "{\"target\":\"h\",\"duration\":\"x\"}",
		    "duration", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"round_delay\":-1}",
		    "round_delay", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"packet_size\":7}",
		    "packet_size", "between 8 and 65507" },
		{ TASK_PING, "{\"target\":\"h\",\"packet_size\":65508}",
		    "packet_size", NULL },
		{ TASK_PING, "{\"target\":\"2001:db8::1\",\"packet_size\":"
		    "65528}", "packet_size", "65527" },
		{ TASK_PING, "{\"target\":\"h\",\"packet_size\":-1}",
		    "packet_size", "negative" },
		{ TASK_UDP, "{\"target\":\"h\",\"packet_size\":15}",
		    "packet_size", "between 16 and 65507" },
		{ TASK_TCP, "{\"target\":\"h\",\"packet_size\":56}",
		    "packet_size", "no payload" },
		{ TASK_PING, "{\"target\":\"h\",\"source_ip\":\"nope\"}",
		    "source_ip", "not an IPv4 or IPv6" },
		{ TASK_PING, "{\"target\":\"198.18.0.2\",\"source_ip\":"
		    "\"2001:db8::1\"}", "source_ip", "address family" },
		{ TASK_PING, "{\"target\":\"h\",\"ip_version\":\"ipv6\","
		    "\"source_ip\":\"192.0.2.1\"}", "source_ip", "ip_version" },
		{ TASK_PING, "{\"target\":\"h\",\"interface\":"
		    "\"abcdefghijklmnop\"}", "interface", "longer than 15" },
		{ TASK_PING, "{\"target\":\"h\",\"interface\":\"a/b\"}",
		    "interface", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"ip_version\":\"4\"}",
		    "ip_version", NULL },
		{ TASK_PING, "{\"target\":\"198.18.0.2\",\"ip_version\":"
		    "\"ipv6\"}", "ip_version", "IPv4 address" },
		{ TASK_PING, "{\"target\":\"h\",\"loss_threshold\":1.5}",
		    "loss_threshold", "between 0 and 1" },
		{ TASK_PING, "{\"target\":\"h\",\"loss_threshold\":-0.1}",
		    "loss_threshold", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"loss_threshold\":\"5%\"}",
		    "loss_threshold", "expected a number" },
		{ TASK_PING, "{\"target\":\"h\",\"latency_threshold\":true}",
		    "latency_threshold", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"alert_callback_url\":"
		    "\"ftp://x/\"}", "alert_callback_url", "http or https" },
		{ TASK_PING, "{\"target\":\"h\",\"alert_callback_url\":"
		    "\"http://\"}", "alert_callback_url", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"alert_callback_url\":"
		    "\"http://a b/\"}", "alert_callback_url", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"name\":\"a\\nb\"}", "name",
		    "control" },
		{ TASK_PING, "{\"target\":\"h\",\"name\":\"0123456789012345678"
		    "90123456789012345678901234567890123456789012345\"}",
		    "name", "longer than 63" },
		{ TASK_PING, "{\"target\":\"h\",\"port\":80}", "port",
		    "no port" },
		{ TASK_TCP, "{\"target\":\"h\",\"port\":65536}", "port",
		    "between 1 and 65535" },
		{ TASK_TCP, "{\"target\":\"h:81\",\"port\":80}", "port",
		    "target says 81" },
		{ TASK_PING, "{\"target\":\"h\",\"window\":\"10s\"}", "window",
		    "continuous" },
		{ TASK_PING, "{\"target\":\"h\",\"mode\":\"continuous\","
		    "\"window\":\"10s\",\"duration\":\"20s\"}", "window",
		    "differs" },
		{ TASK_PING, "{\"target\":\"h\",\"mode\":\"continuous\","
		    "\"interval\":\"2s\",\"window\":\"1s\"}", "window",
		    "at least the interval" },
		{ TASK_PING, "{\"target\":\"h\",\"mode\":\"continuous\","
		    "\"interval\":\"2s\",\"duration\":\"1s\"}", "duration",
		    "at least the interval" },
		{ TASK_PING, "{\"target\":\"h\",\"dscp\":64}", "dscp",
		    "between 0 and 63" },
		{ TASK_PING, "{\"target\":\"h\",\"dscp\":-1}", "dscp", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"ttl\":256}", "ttl",
		    "between 1 and 255" },
		{ TASK_PING, "{\"target\":\"h\",\"ttl\":0}", "ttl", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"df\":1}", "df",
		    "true or false" },
		{ TASK_PING, "{\"target\":\"h\",\"df\":\"yes\"}", "df", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"resolve_interval\":"
		    "\"500ms\"}", "resolve_interval", "at least 1s" },
		{ TASK_PING, "{\"count\":1}", "target", "required" },
		/* twamp, stamp */
		{ TASK_TWAMP, "{\"target\":\"h\",\"control_port\":862}",
		    "control_port", "only with control: true" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"receiver_port\":0}",
		    "receiver_port", "only with control: true" },
		{ TASK_STAMP, "{\"target\":\"h\",\"receiver_port\":0}",
		    "receiver_port", "only with control: true" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"control\":true,"
		    "\"receiver_port\":65536}", "receiver_port",
		    "between 0" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"control\":true,"
		    "\"control_port\":0}", "control_port", "between 1" },
		{ TASK_TWAMP, "{\"target\":\"h:863\",\"control\":true,"
		    "\"control_port\":862}", "control_port",
		    "but the target says 863" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"port\":863,"
		    "\"control\":true,\"control_port\":862}", "control_port",
		    "but the port says 863" },
		{ TASK_STAMP, "{\"target\":\"h\",\"control\":true}",
		    "control", "only twamp" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"control\":1}", "control",
		    "true or false" },
		{ TASK_STAMP, "{\"target\":\"h\",\"control\":false}",
		    "control", "only twamp" },
		{ TASK_PING, "{\"target\":\"h\",\"control\":false}",
		    "control", "only twamp" },
		{ TASK_STAMP, "{\"target\":\"h\",\"ssid\":65536}", "ssid",
		    "between 0 and 65535" },
		{ TASK_STAMP, "{\"target\":\"h\",\"ssid\":-1}", "ssid",
		    NULL },
		{ TASK_STAMP, "{\"target\":\"h\",\"ssid\":\"1\"}", "ssid",
		    "expected an integer" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"ssid\":1}", "ssid",
		    "only stamp" },
		{ TASK_UDP, "{\"target\":\"h\",\"ssid\":1}", "ssid",
		    "only stamp" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"padding\":-2}", "padding",
		    "between 0 and 65493 octets, or -1 (IMIX)" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"padding\":-1,"
		    "\"packet_size\":100}", "padding", "not both" },
		{ TASK_UDP, "{\"target\":\"h\",\"padding\":-1}", "padding",
		    "only twamp and stamp" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"tlvs\":[]}", "tlvs",
		    "only stamp" },
		{ TASK_PING, "{\"target\":\"h\",\"tlvs\":[]}", "tlvs",
		    "only stamp" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":{}}", "tlvs",
		    "expected an array" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[1]}", "tlvs[0]",
		    "expected an object" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{}]}",
		    "tlvs[0].type", "required" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":true}]}",
		    "tlvs[0].type", "expected a string or a number" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":0}]}",
		    "tlvs[0].type", "between 1 and 255" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":256}]}",
		    "tlvs[0].type", "between 1 and 255" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":3.5}]}",
		    "tlvs[0].type", "expected a string or a number" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":200,"
		    "\"dscp\":1}]}", "tlvs[0].dscp",
		    "unknown field for a numbered TLV" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":200,"
		    "\"length\":65536}]}", "tlvs[0].length", NULL },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":\"cos\"},"
		    "{\"type\":\"hmac\"}]}", "tlvs[1].type", "unknown type" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":"
		    "\"padding\",\"length\":65536}]}", "tlvs[0].length",
		    "between 0 and 65535" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":"
		    "\"padding\",\"length\":-1}]}", "tlvs[0].length", NULL },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":"
		    "\"padding\",\"length\":\"x\"}]}", "tlvs[0].length",
		    "expected an integer" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":"
		    "\"cos\",\"dscp\":64}]}", "tlvs[0].dscp", NULL },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":"
		    "\"cos\",\"ecn\":1}]}", "tlvs[0].ecn", "between 0 and 0" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":"
		    "\"timestamp_info\",\"length\":4}]}", "tlvs[0].length",
		    "unknown field" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":"
		    "\"cos\",\"length\":4}]}", "tlvs[0].length",
		    "unknown field" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":"
		    "\"cos\"},{\"type\":\"cos\"},{\"type\":\"cos\"},{\"type\":"
		    "\"cos\"},{\"type\":\"cos\"},{\"type\":\"cos\"},{\"type\":"
		    "\"cos\"},{\"type\":\"cos\"},{\"type\":\"cos\"}]}", "tlvs",
		    "at most 8" },
		{ TASK_STAMP, "{\"target\":\"h\",\"padding\":8,\"tlvs\":"
		    "[{\"type\":\"cos\"}]}", "tlvs", "no padding or packet_size" },
		{ TASK_STAMP, "{\"target\":\"h\",\"packet_size\":100,\"tlvs\":"
		    "[{\"type\":\"cos\"}]}", "tlvs", "no padding or packet_size" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":"
		    "\"padding\",\"length\":65460}]}", "tlvs", "more than 65507" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"padding\":65494}",
		    "padding", NULL },
		{ TASK_STAMP, "{\"target\":\"h\",\"padding\":65464}",
		    "padding", "between 0 and 65463" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"padding\":1.5}",
		    "padding", "expected an integer" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"padding\":1,"
		    "\"packet_size\":100}", "padding", "not both" },
		{ TASK_TCP, "{\"target\":\"h\",\"padding\":1}", "padding",
		    "only twamp and stamp" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"packet_size\":13}",
		    "packet_size", "between 14 and" },
		{ TASK_STAMP, "{\"target\":\"h\",\"packet_size\":43}",
		    "packet_size", "between 44 and" },
		{ TASK_STAMP, "{\"target\":\"h\",\"packet_size\":65508}",
		    "packet_size", NULL },
		{ TASK_TWAMP, "{\"target\":\"h\",\"ttl\":0}", "ttl", NULL },
		{ TASK_TWAMP, "{\"target\":\"h\",\"dscp\":64}", "dscp",
		    NULL },
		{ TASK_TWAMP, "{\"target\":\"h:0\"}", "target", NULL },
		{ TASK_STAMP, "{\"target\":\"h\",\"type\":\"twamp\"}",
		    "type", "does not match" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":\"cos\"}", "tlvs",
		    "expected an array" },
		/* thresholds, webhooks */
#define C "{\"target\":\"h\",\"mode\":\"continuous\","
		{ TASK_PING, "{\"target\":\"h\",\"thresholds\":{}}",
		    "thresholds", "only continuous tasks" },
		{ TASK_PING, C "\"thresholds\":[]}", "thresholds",
		    "expected an object" },
		{ TASK_PING, C "\"thresholds\":{\"rtt_p50\":{}}}",
		    "thresholds.rtt_p50", "unknown metric" },
		{ TASK_PING, C "\"thresholds\":{\"forward_p99\":{\"above\":"
		    "1}}}", "thresholds.forward_p99", "only twamp and stamp" },
		{ TASK_PING, C "\"thresholds\":{\"loss\":0.05}}",
		    "thresholds.loss", "expected an object" },
		{ TASK_PING, C "\"thresholds\":{\"loss\":{}}}",
		    "thresholds.loss", "give above" },
		{ TASK_PING, C "\"thresholds\":{\"loss\":{\"above\":1.5}}}",
		    "thresholds.loss.above", "fraction between 0 and 1" },
		{ TASK_PING, C "\"thresholds\":{\"loss\":{\"above\":\"5%\"}}}",
		    "thresholds.loss.above", "expected a fraction" },
		{ TASK_PING, C "\"thresholds\":{\"loss\":{\"above\":0.1,"
		    "\"below\":0.2}}}", "thresholds.loss.below", "not both" },
		{ TASK_PING, C "\"thresholds\":{\"loss\":{\"above\":0.1,"
		    "\"clear\":0.2}}}", "thresholds.loss.clear",
		    "must not be above the level" },
		{ TASK_PING, C "\"thresholds\":{\"rtt_avg\":{\"below\":"
		    "\"10ms\",\"clear\":\"5ms\"}}}", "thresholds.rtt_avg.clear",
		    "must not be below the level" },
		{ TASK_PING, C "\"thresholds\":{\"rtt_p99\":{\"above\":"
		    "\"fast\"}}}", "thresholds.rtt_p99.above", NULL },
		{ TASK_PING, C "\"thresholds\":{\"jitter\":{\"above\":-1}}}",
		    "thresholds.jitter.above", "must not be negative" },
		{ TASK_PING, C "\"thresholds\":{\"loss\":{\"above\":0.1,"
		    "\"for\":0}}}", "thresholds.loss.for", "between 1 and" },
		{ TASK_PING, C "\"thresholds\":{\"loss\":{\"above\":0.1,"
		    "\"clear_for\":1.5}}}", "thresholds.loss.clear_for",
		    "expected an integer" },
		{ TASK_PING, C "\"thresholds\":{\"loss\":{\"above\":0.1,"
		    "\"min_samples\":1000001}}}", "thresholds.loss.min_samples",
		    NULL },
		{ TASK_PING, C "\"thresholds\":{\"loss\":{\"above\":0.1,"
		    "\"repeat\":\"500ms\"}}}", "thresholds.loss.repeat",
		    "at least 1s" },
		{ TASK_PING, C "\"thresholds\":{\"loss\":{\"above\":0.1,"
		    "\"often\":1}}}", "thresholds.loss.often", "unknown field" },
		{ TASK_PING, C "\"loss_threshold\":0.1,\"thresholds\":"
		    "{\"loss\":{\"above\":0.2}}}", "loss_threshold", "not both" },
		{ TASK_PING, C "\"latency_threshold\":\"1s\",\"thresholds\":"
		    "{\"rtt_avg\":{\"above\":1}}}", "latency_threshold",
		    "not both" },
		{ TASK_PING, C "\"webhook_url\":\"ftp://x\"}", "webhook_url",
		    "http or https" },
		{ TASK_PING, C "\"webhook_url\":\"http://a\","
		    "\"alert_callback_url\":\"http://b\"}", "webhook_url",
		    "not both" },
		{ TASK_PING, C "\"webhook_secret\":\"s\"}", "webhook_secret",
		    "give webhook_url" },
		{ TASK_PING, C "\"webhook_url\":\"http://a\","
		    "\"webhook_secret\":\"a\\nb\"}", "webhook_secret",
		    "control character" },
		/* labels */
		{ TASK_PING, "{\"target\":\"h\",\"labels\":[]}", "labels",
		    "expected an object of strings" },
		{ TASK_PING, "{\"target\":\"h\",\"labels\":{\"a\":1}}",
		    "labels.a", "expected a string" },
		{ TASK_PING, "{\"target\":\"h\",\"labels\":{\"1a\":\"x\"}}",
		    "labels.1a", "a label's name" },
		{ TASK_PING, "{\"target\":\"h\",\"labels\":{\"__a\":\"x\"}}",
		    "labels.__a", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"labels\":{\"a-b\":\"x\"}}",
		    "labels.a-b", NULL },
		{ TASK_PING, "{\"target\":\"h\",\"labels\":{\"a\":\"x\\ny\"}}",
		    "labels.a", "control character" },
		{ TASK_PING, "{\"target\":\"h\",\"labels\":{\"a\":1,\"b\":2,"
		    "\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,"
		    "\"j\":10,\"k\":11,\"l\":12,\"m\":13,\"n\":14,\"o\":15,"
		    "\"p\":16,\"q\":17}}", "labels", "at most 16" },
#undef C
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_bad(t[i].body, t[i].type, t[i].field, t[i].detail);
}

static void
test_twamp_params(void **state)
{
	struct task_params	 p;

	expect_ok("{\"target\":\"198.18.0.2\"}", TASK_TWAMP, &p);
	assert_int_equal(p.type, TASK_TWAMP);
	assert_int_equal(p.port, 862);
	assert_int_equal(p.packet_size, 41);	/* padding 27 */
	assert_int_equal(p.ttl, 255);
	assert_int_equal(p.dscp, -1);
	assert_int_equal(p.ssid, 0);
	expect_ok("{\"target\":\"198.18.0.2\"}", TASK_STAMP, &p);
	assert_int_equal(p.type, TASK_STAMP);
	assert_int_equal(p.port, 862);
	assert_int_equal(p.packet_size, 44);
	assert_int_equal(p.ttl, 255);
	expect_ok("{\"target\":\"[2001:db8::1]:4000\",\"padding\":0,"
	    "\"ttl\":64,\"dscp\":46,\"df\":true,\"control\":false}",
	    TASK_TWAMP, &p);
	assert_int_equal(p.port, 4000);
	assert_int_equal(p.packet_size, 14);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.dscp, 46);
	assert_int_equal(p.pmtu, PMTU_DO);
	assert_int_equal(p.control, 0);
	expect_ok("{\"target\":\"h\",\"control\":true}", TASK_TWAMP, &p);
	assert_int_equal(p.control, 1);
	assert_int_equal(p.port, 862);
	assert_int_equal(p.receiver_port, 0);
	expect_ok("{\"target\":\"h\",\"control\":true,\"control_port\":"
	    "8620,\"receiver_port\":40000}", TASK_TWAMP, &p);
	assert_int_equal(p.port, 8620);
	assert_int_equal(p.receiver_port, 40000);
	expect_ok("{\"target\":\"h:8620\",\"control\":true,"
	    "\"control_port\":8620}", TASK_TWAMP, &p);
	assert_int_equal(p.port, 8620);
	expect_ok("{\"target\":\"h\",\"padding\":-1}", TASK_TWAMP, &p);
	assert_int_equal(p.imix, 1);
	assert_int_equal(p.packet_size, 14);
	expect_ok("{\"target\":\"h\",\"padding\":-1,\"dscp\":10,\"tlvs\":"
	    "[{\"type\":\"padding\",\"length\":100},{\"type\":"
	    "\"timestamp_info\"},{\"type\":\"cos\"},{\"type\":\"cos\","
	    "\"dscp\":46,\"ecn\":0}]}", TASK_STAMP, &p);
	assert_int_equal(p.imix, 1);
	assert_int_equal(p.ntlvs, 4);
	assert_int_equal(p.packet_size, 44 + 104 + 8 + 8 + 8);
	assert_int_equal(p.tlvs[0].type, 1);
	assert_int_equal(p.tlvs[0].length, 100);
	assert_int_equal(p.tlvs[1].type, 3);
	assert_int_equal(p.tlvs[2].type, 4);
	assert_int_equal(p.tlvs[2].dscp, 10);	/* the task's by default */
	assert_int_equal(p.tlvs[3].dscp, 46);
	/* Numbered types: a named one by its number, others with zeros. */
	expect_ok("{\"target\":\"h\",\"tlvs\":[{\"type\":4,\"dscp\":8},"
	    "{\"type\":200,\"length\":12},{\"type\":8}]}", TASK_STAMP, &p);
	assert_int_equal(p.ntlvs, 3);
	assert_int_equal(p.tlvs[0].type, 4);
	assert_int_equal(p.tlvs[0].dscp, 8);
	assert_int_equal(p.tlvs[1].type, 200);
	assert_int_equal(p.tlvs[1].length, 12);
	assert_int_equal(p.tlvs[2].type, 8);
	assert_int_equal(p.tlvs[2].length, 0);
	assert_int_equal(p.packet_size, 44 + 8 + 16 + 4);
	expect_ok("{\"target\":\"h\",\"padding\":65493}", TASK_TWAMP, &p);
	assert_int_equal(p.packet_size, 65507);
	expect_ok("{\"target\":\"h\",\"padding\":100,\"ssid\":65535}",
	    TASK_STAMP, &p);
	assert_int_equal(p.packet_size, 144);
	assert_int_equal(p.ssid, 65535);
	expect_ok("{\"target\":\"h\",\"packet_size\":1000,\"port\":5000,"
	    "\"ssid\":null,\"padding\":null}", TASK_STAMP, &p);
	assert_int_equal(p.packet_size, 1000);
	assert_int_equal(p.port, 5000);
	assert_int_equal(p.ssid, 0);
	expect_ok("{\"target\":\"h\",\"mode\":\"continuous\","
	    "\"window\":\"10s\",\"interval\":\"10ms\"}", TASK_TWAMP, &p);
	assert_int_equal(p.mode, TASK_CONTINUOUS);
	assert_string_equal(task_type_name(TASK_TWAMP), "twamp");
	assert_string_equal(task_type_name(TASK_STAMP), "stamp");
	assert_int_equal(task_type_from_name("stamp"), TASK_STAMP);
}

static void
test_thresholds(void **state)
{
	struct task_params	 p;
	const struct alert_rule	*r;

	(void)state;
	expect_ok("{\"target\":\"h\",\"mode\":\"continuous\","
	    "\"loss_threshold\":0.05,\"thresholds\":{\"rtt_p99\":{\"above\":"
	    "\"150ms\",\"clear\":\"100ms\",\"for\":3,\"min_samples\":10,"
	    "\"repeat\":\"5m\"},\"jitter\":{\"above\":2000000},"
	    "\"rtt_avg\":null},\"webhook_url\":\"https://h/x\","
	    "\"webhook_secret\":\"k\"}", TASK_PING, &p);
	r = &p.alerts[ALERT_LOSS];
	assert_true(r->set && r->lopa && !r->below);
	assert_true(r->level == 0.05 && r->clear == 0.05);
	r = &p.alerts[ALERT_RTT_P99];
	assert_true(r->set && !r->lopa && r->has_clear);
	assert_true(r->level == 150e6 && r->clear == 100e6);
	assert_int_equal(r->for_n, 3);
	assert_int_equal(r->clear_for, 3);
	assert_int_equal(r->min_samples, 10);
	assert_int_equal(r->repeat_ns, 300 * SEC);
	assert_true(p.alerts[ALERT_JITTER].set);
	assert_true(p.alerts[ALERT_JITTER].level == 2e6);
	assert_false(p.alerts[ALERT_RTT_AVG].set);
	assert_string_equal(p.alert_callback_url, "https://h/x");
	assert_string_equal(p.webhook_secret, "k");
	/* Lopa's two in another mode: accepted, no rule. */
	expect_ok("{\"target\":\"h\",\"loss_threshold\":0.05,"
	    "\"latency_threshold\":\"1s\"}", TASK_PING, &p);
	assert_false(p.alerts[ALERT_LOSS].set);
	assert_false(p.alerts[ALERT_RTT_AVG].set);
	assert_true(p.loss_threshold == 0.05);
	/* Below, for twamp's one-way figures. */
	expect_ok("{\"target\":\"h\",\"mode\":\"continuous\","
	    "\"thresholds\":{\"backward_p99\":{\"below\":\"1us\"}}}",
	    TASK_TWAMP, &p);
	assert_true(p.alerts[ALERT_BACKWARD_P99].below);
	assert_true(p.alerts[ALERT_BACKWARD_P99].level == 1000);
}

/* The echoed parameters are a creation body giving the same task. */
static void
test_params_roundtrip(void **state)
{
	static const struct {
		uint32_t	 type;
		const char	*body;
	} t[] = {
		{ TASK_PING, "{\"target\":\"198.18.0.2\"}" },
		{ TASK_PING, "{\"target\":\"h\",\"mode\":\"duration\","
		    "\"duration\":\"3s\",\"interval\":\"10ms\",\"ttl\":3,"
		    "\"dscp\":0,\"df\":false,\"name\":\"x\"}" },
		{ TASK_PING, "{\"target\":\"h\",\"mode\":\"continuous\","
		    "\"duration\":\"30s\",\"loss_threshold\":0.25,"
		    "\"latency_threshold\":\"5ms\",\"alert_callback_url\":"
		    "\"https://hooks.example/a?b=c\",\"ip_version\":\"ipv6\"}" },
		{ TASK_TCP, "{\"target\":\"[2001:db8::1]:8443\",\"count\":2,"
		    "\"rounds\":3,\"round_delay\":\"1s\",\"source_ip\":"
		    "\"2001:db8::2\",\"interface\":\"vrf-blue\"}" },
		{ TASK_UDP, "{\"target\":\"echo.example\",\"port\":7,"
		    "\"packet_size\":1000,\"df\":true,\"resolve_interval\":"
		    "\"1m\"}" },
		{ TASK_TWAMP, "{\"target\":\"198.18.0.2\"}" },
		{ TASK_TWAMP, "{\"target\":\"198.18.0.2:8620\",\"control\":true,"
		    "\"receiver_port\":40000}" },
		{ TASK_TWAMP, "{\"target\":\"h\",\"padding\":1400,\"ttl\":7,"
		    "\"dscp\":46}" },
		{ TASK_STAMP, "{\"target\":\"[2001:db8::1]:5000\","
		    "\"ssid\":77,\"packet_size\":100}" },
		{ TASK_STAMP, "{\"target\":\"h\",\"tlvs\":[{\"type\":"
		    "\"padding\",\"length\":9},{\"type\":\"cos\",\"dscp\":46},"
		    "{\"type\":200,\"length\":3},{\"type\":3}]}" },
		{ TASK_PING, "{\"target\":\"h\",\"mode\":\"continuous\","
		    "\"loss_threshold\":0.05,\"latency_threshold\":\"20ms\","
		    "\"thresholds\":{\"rtt_p99\":{\"above\":\"150ms\","
		    "\"clear\":\"100ms\",\"for\":3,\"repeat\":\"1m\"},"
		    "\"jitter\":{\"below\":7}},\"webhook_url\":\"http://h/\"}" },
		{ TASK_UDP, "{\"target\":\"h:7\",\"labels\":{\"site\":"
		    "\"par\\u00eds 1\",\"_x\":\"\",\"a9\":\"z\"},\"name\":\"n\"}" },
		{ TASK_STAMP, "{\"target\":\"h\",\"mode\":\"continuous\","
		    "\"thresholds\":{\"loss\":{\"above\":0.125,\"clear\":0,"
		    "\"clear_for\":9,\"min_samples\":4},\"forward_p99\":"
		    "{\"above\":1}}}" },
	};
	struct task_params	 a, b;
	struct task_json_err	 e;
	json_t			*j;
	char			*s;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		expect_ok(t[i].body, t[i].type, &a);
		j = task_params_json(&a);
		assert_non_null(j);
		s = json_dumps(j, JSON_COMPACT);
		assert_non_null(s);
		if (task_params_parse(s, strlen(s), t[i].type, &b, &e) != 0)
			fail_msg("echo refused: %s: %s", s, e.detail);
		if (memcmp(&a, &b, sizeof(a)) != 0)
			fail_msg("echo differs: %s -> %s", t[i].body, s);
		free(s);
		json_decref(j);
	}
}

static void
test_time_format(void **state)
{
	char	 buf[48];

	task_time_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "0001-01-01T00:00:00Z");
	task_time_format(-5, buf, sizeof(buf));
	assert_string_equal(buf, "0001-01-01T00:00:00Z");
	task_time_format(1, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000000001Z");
	task_time_format(1795000000LL * SEC, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-18T11:06:40Z");
	task_time_format(1795000000LL * SEC + 500 * MS, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-18T11:06:40.5Z");
	task_time_format(1795000000LL * SEC + 123456789, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-18T11:06:40.123456789Z");
	task_time_format(1795000000LL * SEC + 120000, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-18T11:06:40.00012Z");
}

static json_t *
get(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL)
		fail_msg("no member \"%s\"", key);
	return v;
}

static int64_t
get_int(json_t *o, const char *key)
{
	json_t	*v = get(o, key);

	if (!json_is_integer(v))
		fail_msg("member \"%s\" is not an integer", key);
	return json_integer_value(v);
}

static const char *
get_str(json_t *o, const char *key)
{
	json_t	*v = get(o, key);

	if (!json_is_string(v))
		fail_msg("member \"%s\" is not a string", key);
	return json_string_value(v);
}

static void
fill_stats(struct stats_result *s, int64_t base)
{
	memset(s, 0, sizeof(*s));
	s->sent = 10;
	s->received = 7;
	s->lost = 2;
	s->in_flight = 1;
	s->loss_rate = 2.0 / 9;
	s->duplicates = 1;
	s->late = 1;
	s->reordered = 3;
	s->errors[PROBE_REFUSED] = 4;
	s->errors[PROBE_TOO_BIG] = 5;
	s->errors[PROBE_ERROR] = 6;
	s->loss_burst_max = 2;
	s->last_ttl = 63;
	s->min_rtt = base;
	s->avg_rtt = base + 1;
	s->max_rtt = base + 2;
	s->stddev_rtt = 11;
	s->p50_rtt = base + 3;
	s->p90_rtt = base + 4;
	s->p95_rtt = base + 5;
	s->p99_rtt = base + 6;
	s->jitter = 12;
	s->jitter_rfc3550 = 13;
	s->ipdv_mean = 14;
	s->ipdv_p99 = 15;
	s->pdv_p99 = 16;
}

static void
check_stats(json_t *s, int64_t base)
{
	json_t	*err;

	assert_true(json_is_object(s));
	assert_int_equal(get_int(s, "sent"), 10);
	assert_int_equal(get_int(s, "received"), 7);
	assert_true(json_is_real(get(s, "loss_rate")));
	assert_true(json_real_value(get(s, "loss_rate")) == 2.0 / 9);
	assert_int_equal(get_int(s, "min_rtt"), base);
	assert_int_equal(get_int(s, "avg_rtt"), base + 1);
	assert_int_equal(get_int(s, "max_rtt"), base + 2);
	assert_int_equal(get_int(s, "jitter"), 12);
	assert_int_equal(get_int(s, "lost"), 2);
	assert_int_equal(get_int(s, "in_flight"), 1);
	assert_int_equal(get_int(s, "duplicates"), 1);
	assert_int_equal(get_int(s, "reordered"), 3);
	assert_int_equal(get_int(s, "late"), 1);
	assert_int_equal(get_int(s, "refused"), 4);
	err = get(s, "errors");
	assert_int_equal(get_int(err, "too_big"), 5);
	assert_int_equal(get_int(err, "error"), 6);
	assert_int_equal(get_int(err, "unreachable"), 0);
	assert_int_equal(get_int(err, "ttl_exceeded"), 0);
	assert_int_equal(get_int(err, "param_problem"), 0);
	assert_int_equal(get_int(s, "stddev_rtt"), 11);
	assert_int_equal(get_int(s, "p50_rtt"), base + 3);
	assert_int_equal(get_int(s, "p90_rtt"), base + 4);
	assert_int_equal(get_int(s, "p95_rtt"), base + 5);
	assert_int_equal(get_int(s, "p99_rtt"), base + 6);
	assert_int_equal(get_int(s, "jitter_rfc3550"), 13);
	assert_int_equal(get_int(s, "ipdv"), 14);
	assert_int_equal(get_int(s, "ipdv_p99"), 15);
	assert_int_equal(get_int(s, "pdv_p99"), 16);
	assert_int_equal(get_int(s, "loss_burst_max"), 2);
	assert_int_equal(get_int(s, "last_ttl"), 63);
}

static void
make_info(struct task_info *ti, const char *body, uint32_t type)
{
	memset(ti, 0, sizeof(*ti));
	strlcpy(ti->id, "node-7", sizeof(ti->id));
	expect_ok(body, type, &ti->params);
	ti->t_created = 1795000000LL * SEC;
	ti->t_updated = 1795000002LL * SEC;
}

static json_t *
render(const struct task_info *ti, const struct task_round *r, size_t n)
{
	json_error_t	 jerr;
	json_t		*j, *back;
	char		*s;

	j = task_info_json(ti, r, n, "node");
	assert_non_null(j);
	/* Through text and back: what a client parses. */
	s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s);
	back = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);
	if (back == NULL)
		fail_msg("not JSON: %s", jerr.text);
	free(s);
	json_decref(j);
	return back;
}

static void
test_info_running(void **state)
{
	struct task_info	 ti;
	struct task_round	 r[2];
	struct task_params	 p;
	struct task_json_err	 e;
	json_t			*j, *rounds, *params;
	char			*s;

	make_info(&ti, "{\"target\":\"198.18.0.2\",\"count\":3,\"rounds\":2,"
	    "\"name\":\"lab\"}", TASK_PING);
	ti.status = TASK_RUNNING;
	ti.t_started = 1795000000LL * SEC + 5;
	ti.addr.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.2", ti.addr.addr);
	ti.tsrc = TS_TIMESTAMPING;
	ti.round = 2;
	ti.nrounds = 2;
	ti.clock_steps = 1;
	fill_stats(&ti.total, 1000);
	memset(r, 0, sizeof(r));
	r[0].index = 1;
	r[0].t_from = 1795000000LL * SEC;
	r[0].t_to = 1795000001LL * SEC;
	fill_stats(&r[0].stats, 2000);
	r[1].index = 2;
	r[1].t_from = 1795000001LL * SEC;
	fill_stats(&r[1].stats, 3000);

	j = render(&ti, r, 2);
	assert_string_equal(get_str(j, "task_id"), "node-7");
	assert_string_equal(get_str(j, "id"), "node-7");
	assert_string_equal(get_str(j, "node_id"), "node");
	assert_string_equal(get_str(j, "target"), "198.18.0.2");
	assert_string_equal(get_str(j, "type"), "ping");
	assert_string_equal(get_str(j, "mode"), "count");
	assert_string_equal(get_str(j, "status"), "running");
	assert_string_equal(get_str(j, "name"), "lab");
	assert_string_equal(get_str(j, "address"), "198.18.0.2");
	assert_string_equal(get_str(j, "started"),
	    "2026-11-18T11:06:40.000000005Z");
	/* Lopa: Go's zero time while the task runs. */
	assert_string_equal(get_str(j, "finished"), "0001-01-01T00:00:00Z");
	assert_string_equal(get_str(j, "created"), "2026-11-18T11:06:40Z");
	assert_string_equal(get_str(j, "last_updated"),
	    "2026-11-18T11:06:42Z");
	assert_string_equal(get_str(j, "timestamp_source"), "so_timestamping");
	assert_int_equal(get_int(j, "round"), 2);
	assert_int_equal(get_int(j, "clock_steps"), 1);
	assert_null(json_object_get(j, "error"));	/* omitted when empty */
	assert_null(json_object_get(j, "window"));	/* not continuous */
	check_stats(get(j, "total"), 1000);
	rounds = get(j, "rounds");
	assert_int_equal(json_array_size(rounds), 2);
	assert_int_equal(get_int(json_array_get(rounds, 0), "index"), 1);
	assert_string_equal(get_str(json_array_get(rounds, 0), "to"),
	    "2026-11-18T11:06:41Z");
	check_stats(get(json_array_get(rounds, 0), "stats"), 2000);
	assert_string_equal(get_str(json_array_get(rounds, 1), "to"),
	    "0001-01-01T00:00:00Z");
	check_stats(get(json_array_get(rounds, 1), "stats"), 3000);
	/* params: our names, durations in ns, a body for the same task. */
	params = get(j, "params");
	assert_int_equal(get_int(params, "count"), 3);
	assert_int_equal(get_int(params, "interval"), SEC);
	assert_string_equal(get_str(params, "ip_version"), "auto");
	s = json_dumps(params, JSON_COMPACT);
	assert_int_equal(task_params_parse(s, strlen(s), TASK_PING, &p, &e), 0);
	assert_memory_equal(&p, &ti.params, sizeof(p));
	free(s);
	json_decref(j);
}

static void
test_info_final(void **state)
{
	struct task_info	 ti;
	json_t			*j, *w;

	make_info(&ti, "{\"target\":\"2001:db8::1\",\"mode\":\"continuous\","
	    "\"window\":\"10s\"}", TASK_PING);
	ti.status = TASK_FAILED;
	strlcpy(ti.error, "bad \xff byte", sizeof(ti.error));
	ti.t_started = 1795000000LL * SEC;
	ti.t_finished = 1795000009LL * SEC;
	ti.has_window = 1;
	ti.addr.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", ti.addr.addr);
	fill_stats(&ti.window, 500);
	/* An id without its NUL: read up to its size, never beyond. */
	memset(ti.id, 'x', sizeof(ti.id));

	j = render(&ti, NULL, 0);
	assert_string_equal(get_str(j, "status"), "failed");
	assert_string_equal(get_str(j, "error"), "bad \xef\xbf\xbd byte");
	assert_int_equal(strlen(get_str(j, "task_id")), TASK_IDLEN);
	assert_string_equal(get_str(j, "finished"), "2026-11-18T11:06:49Z");
	assert_string_equal(get_str(j, "address"), "2001:db8::1");
	assert_null(json_object_get(j, "rounds"));	/* omitted when empty */
	w = get(j, "window");
	assert_int_equal(get_int(w, "window_seconds"), 10);
	assert_int_equal(get_int(w, "duration"), 10 * SEC);
	check_stats(get(w, "stats"), 500);
	assert_string_equal(get_str(j, "timestamp_source"), "none");
	assert_null(json_object_get(j, "name"));
	json_decref(j);

	/* Pending: no address yet, not started. */
	make_info(&ti, "{\"target\":\"example.net\"}", TASK_TCP);
	ti.status = TASK_PENDING;
	j = render(&ti, NULL, 0);
	assert_null(json_object_get(j, "address"));
	assert_string_equal(get_str(j, "started"), "0001-01-01T00:00:00Z");
	assert_string_equal(get_str(j, "status"), "pending");
	json_decref(j);
}

static void
test_sample(void **state)
{
	struct probe_result	 r;
	json_t			*j;

	memset(&r, 0, sizeof(r));
	r.seq = 3;
	r.kind = PROBE_K_FATE;
	r.status = PROBE_OK;
	r.ttl = 63;
	r.tsrc = TS_TIMESTAMPING;
	r.t_sent = 1795000000LL * SEC + 250 * MS;
	r.rtt_ns = 1234567;
	r.from.family = AF_INET;
	inet_pton(AF_INET, "198.18.1.2", r.from.addr);
	j = task_sample_json(&r);
	assert_non_null(j);
	assert_int_equal(get_int(j, "seq"), 3);
	assert_string_equal(get_str(j, "status"), "ok");
	assert_string_equal(get_str(j, "kind"), "probe");
	assert_int_equal(get_int(j, "rtt"), 1234567);
	assert_int_equal(get_int(j, "ttl"), 63);
	assert_string_equal(get_str(j, "time"), "2026-11-18T11:06:40.25Z");
	assert_string_equal(get_str(j, "from"), "198.18.1.2");
	assert_string_equal(get_str(j, "timestamp_source"), "so_timestamping");
	assert_null(json_object_get(j, "mtu"));
	assert_null(json_object_get(j, "error"));
	assert_null(json_object_get(j, "clock_step"));
	json_decref(j);

	/* A timeout has no RTT, TTL or sender. */
	memset(&r, 0, sizeof(r));
	r.seq = 4;
	r.kind = PROBE_K_FATE;
	r.status = PROBE_LOST;
	r.rtt_ns = 99;
	j = task_sample_json(&r);
	assert_string_equal(get_str(j, "status"), "timeout");
	assert_null(json_object_get(j, "rtt"));
	assert_null(json_object_get(j, "ttl"));
	assert_null(json_object_get(j, "from"));
	json_decref(j);

	/* too_big: the MTU and the router that said so. */
	r.status = PROBE_TOO_BIG;
	r.mtu = 1300;
	r.flags = PROBE_F_FOREIGN_SRC | PROBE_F_CLOCK_STEP;
	r.from.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::fe", r.from.addr);
	r.from.scope_id = 2;
	j = task_sample_json(&r);
	assert_string_equal(get_str(j, "status"), "too_big");
	assert_int_equal(get_int(j, "mtu"), 1300);
	assert_string_equal(get_str(j, "from"), "2001:db8::fe%2");
	assert_true(json_is_true(get(j, "clock_step")));
	json_decref(j);

	/* A local error names errno. */
	memset(&r, 0, sizeof(r));
	r.kind = PROBE_K_FATE;
	r.status = PROBE_ERROR;
	r.err = ENETUNREACH;
	j = task_sample_json(&r);
	assert_string_equal(get_str(j, "status"), "error");
	assert_string_equal(get_str(j, "errno"), "ENETUNREACH");
	assert_string_equal(get_str(j, "error"), strerror(ENETUNREACH));
	json_decref(j);

	/* Refused is an answer; duplicates and late replies have RTTs. */
	r.status = PROBE_REFUSED;
	r.rtt_ns = 10;
	j = task_sample_json(&r);
	assert_int_equal(get_int(j, "rtt"), 10);
	json_decref(j);
	r.kind = PROBE_K_DUP;
	r.status = PROBE_OK;
	j = task_sample_json(&r);
	assert_string_equal(get_str(j, "kind"), "duplicate");
	assert_int_equal(get_int(j, "rtt"), 10);
	json_decref(j);
	r.kind = PROBE_K_LATE;
	r.status = PROBE_LATE;
	j = task_sample_json(&r);
	assert_string_equal(get_str(j, "kind"), "late");
	assert_string_equal(get_str(j, "status"), "late");
	json_decref(j);
	/* Out-of-range values from a peer do not crash the renderer. */
	r.status = 200;
	r.tsrc = 99;
	r.kind = 77;
	j = task_sample_json(&r);
	assert_string_equal(get_str(j, "status"), "unknown");
	assert_string_equal(get_str(j, "kind"), "unknown");
	json_decref(j);
}

static void
fill_delay(struct delay_result *d, int64_t base)
{
	d->n = 5;
	d->min = base;
	d->avg = base + 1;
	d->max = base + 2;
	d->stddev = base + 3;
	d->p50 = base + 4;
	d->p99 = base + 5;
	d->jitter = base + 6;
}

static void
check_delay(json_t *o, int64_t base, int full)
{
	assert_true(json_is_object(o));
	assert_int_equal(get_int(o, "min"), base);
	assert_int_equal(get_int(o, "avg"), base + 1);
	assert_int_equal(get_int(o, "max"), base + 2);
	assert_int_equal(get_int(o, "p50"), base + 4);
	assert_int_equal(get_int(o, "p99"), base + 5);
	if (full) {
		assert_int_equal(get_int(o, "stddev"), base + 3);
		assert_int_equal(get_int(o, "jitter"), base + 6);
		assert_int_equal(json_object_size(o), 7);
	} else
		assert_int_equal(json_object_size(o), 5);
}

/* The "twamp" objects of a twamp task's total and rounds. */
static void
test_info_twamp(void **state)
{
	struct task_info	 ti;
	struct task_round	 r[1];
	struct twamp_result	*tr = &ti.twamp.r;
	json_t			*j, *tw, *h, *rt;

	make_info(&ti, "{\"target\":\"198.18.0.2\",\"count\":5}",
	    TASK_TWAMP);
	ti.status = TASK_FINISHED;
	ti.nrounds = 1;
	fill_stats(&ti.total, 1000);
	ti.twamp.valid = 1;
	ti.twamp.nonconformant = 2;
	fill_delay(&tr->fwd, 100);
	fill_delay(&tr->bwd, -200);
	fill_delay(&tr->proc, 300);
	tr->replies = 5;
	tr->unsync = 1;
	tr->unsynchronized = 1;
	tr->fwd_hops = 2;
	tr->bwd_hops = -1;
	tr->fwd_hops_min = 1;
	tr->fwd_hops_max = 3;
	tr->bwd_hops_min = tr->bwd_hops_max = -1;
	tr->reflector = TWAMP_REFL_STATEFUL;
	tr->fwd_lost = 4;
	tr->bwd_lost = 3;
	memset(r, 0, sizeof(r));
	r[0].index = 1;
	fill_stats(&r[0].stats, 2000);
	r[0].twamp = ti.twamp;
	r[0].twamp.r.reflector = TWAMP_REFL_STATELESS;

	j = render(&ti, r, 1);
	assert_string_equal(get_str(j, "type"), "twamp");
	check_stats(get(j, "total"), 1000);
	tw = get(get(j, "total"), "twamp");
	assert_int_equal(get_int(tw, "replies"), 5);
	check_delay(get(tw, "forward"), 100, 1);
	check_delay(get(tw, "backward"), -200, 1);
	check_delay(get(tw, "processing"), 300, 0);
	h = get(tw, "hops");
	assert_int_equal(get_int(h, "forward"), 2);
	assert_true(json_is_null(get(h, "backward")));
	assert_int_equal(get_int(h, "forward_min"), 1);
	assert_int_equal(get_int(h, "forward_max"), 3);
	assert_true(json_is_null(get(h, "backward_max")));
	assert_true(json_is_true(get(tw, "unsynchronized")));
	assert_string_equal(get_str(tw, "reflector"), "stateful");
	assert_int_equal(get_int(tw, "forward_lost"), 4);
	assert_int_equal(get_int(tw, "backward_lost"), 3);
	assert_int_equal(get_int(tw, "nonconformant"), 2);
	rt = get(get(json_array_get(get(j, "rounds"), 0), "stats"), "twamp");
	assert_string_equal(get_str(rt, "reflector"), "stateless");
	assert_null(json_object_get(rt, "forward_lost"));
	assert_null(json_object_get(rt, "backward_lost"));
	assert_int_equal(get_int(get(j, "params"), "ttl"), 255);
	json_decref(j);

	/* Other types have none. */
	make_info(&ti, "{\"target\":\"198.18.0.2\"}", TASK_PING);
	j = render(&ti, NULL, 0);
	assert_null(json_object_get(get(j, "total"), "twamp"));
	json_decref(j);
}

static void
test_sample_twamp(void **state)
{
	struct probe_result	 r;
	json_t			*j, *h;

	memset(&r, 0, sizeof(r));
	r.seq = 9;
	r.kind = PROBE_K_FATE;
	r.status = PROBE_OK;
	r.ttl = 253;
	r.tsrc = TS_TIMESTAMPING;
	r.t_sent = 1795000000LL * SEC;
	r.t2 = r.t_sent + 1000;
	r.t3 = r.t2 + 500;
	r.t4 = r.t3 + 3000;
	r.rtt_ns = 4000;
	r.rseq = 4;
	r.sender_ttl = 254;
	r.fwd_hops = 1;
	r.bwd_hops = 2;
	r.twflags = PROBE_TW_REPLY | PROBE_TW_SNDTTL | PROBE_TW_NONCONF;
	j = task_sample_json(&r);
	assert_non_null(j);
	assert_int_equal(get_int(j, "rtt"), 4000);
	assert_string_equal(get_str(j, "t2"), "2026-11-18T11:06:40.000001Z");
	assert_string_equal(get_str(j, "t3"), "2026-11-18T11:06:40.0000015Z");
	assert_string_equal(get_str(j, "t4"), "2026-11-18T11:06:40.0000045Z");
	assert_int_equal(get_int(j, "forward"), 1000);
	assert_int_equal(get_int(j, "backward"), 3000);
	assert_int_equal(get_int(j, "processing"), 500);
	assert_int_equal(get_int(j, "reflector_seq"), 4);
	assert_int_equal(get_int(j, "sender_ttl"), 254);
	h = get(j, "hops");
	assert_int_equal(get_int(h, "forward"), 1);
	assert_int_equal(get_int(h, "backward"), 2);
	assert_true(json_is_true(get(j, "nonconformant")));
	assert_null(json_object_get(j, "unsynchronized"));
	json_decref(j);

	/* No Sender TTL (38 octets), hops unknown, unsynchronized. */
	r.twflags = PROBE_TW_REPLY | PROBE_TW_UNSYNC;
	r.fwd_hops = -1;
	j = task_sample_json(&r);
	assert_null(json_object_get(j, "sender_ttl"));
	assert_true(json_is_null(get(get(j, "hops"), "forward")));
	assert_true(json_is_true(get(j, "unsynchronized")));
	assert_null(json_object_get(j, "nonconformant"));
	json_decref(j);

	/* A timeout: no reply figures. */
	memset(&r, 0, sizeof(r));
	r.kind = PROBE_K_FATE;
	r.status = PROBE_LOST;
	j = task_sample_json(&r);
	assert_null(json_object_get(j, "t2"));
	assert_null(json_object_get(j, "forward"));
	json_decref(j);
}

static void
test_state(void **state)
{
	struct task_event	 ev;
	json_t			*j;

	memset(&ev, 0, sizeof(ev));
	ev.kind = TASK_EV_STATE;
	ev.status = TASK_RUNNING;
	j = task_state_json(&ev);
	assert_string_equal(get_str(j, "status"), "running");
	assert_null(json_object_get(j, "error"));
	json_decref(j);
	ev.status = TASK_FAILED;
	strlcpy(ev.error, "nonexistent.invalid: no such name",
	    sizeof(ev.error));
	j = task_state_json(&ev);
	assert_string_equal(get_str(j, "status"), "failed");
	assert_string_equal(get_str(j, "error"),
	    "nonexistent.invalid: no such name");
	json_decref(j);
}

/* passive: Lopa's body and ours, defaults, refusals, the result. */
static void
test_passive(void **state)
{
	struct task_params	 p, q;
	struct task_info	 ti;
	struct task_round	 r;
	struct task_json_err	 e;
	json_t			*j, *a, *o;
	char			*s;

	(void)state;
	/* A webhook URL longer than 31 octets (once refused). */
	expect_ok("{\"target\":\"198.18.0.1\",\"mode\":\"continuous\","
	    "\"webhook_url\":\"https://alerts.example.org/lopa/hooks/"
	    "0123456789abcdef0123456789abcdef\"}", TASK_PING, &p);
	assert_string_equal(p.alert_callback_url, "https://alerts.example."
	    "org/lopa/hooks/0123456789abcdef0123456789abcdef");

	/* Lopa's: target an interface, no interval (Lopa crashed). */
	expect_ok("{\"target\":\"eth0\"}", TASK_PASSIVE, &p);
	assert_string_equal(p.target, "eth0");
	assert_int_equal(p.mode, TASK_DURATION);
	assert_int_equal(p.interval_ns, 10 * SEC);
	assert_int_equal(p.duration_ns, 60 * SEC);
	expect_ok("{\"target\":\"eth0\",\"interval\":0,\"mode\":"
	    "\"continuous\",\"duration\":\"30s\"}", TASK_PASSIVE, &p);
	assert_int_equal(p.interval_ns, 10 * SEC);
	assert_int_equal(p.window_ns, 30 * SEC);
	/* Ours: a list. */
	expect_ok("{\"interfaces\":[\"eth0\",\"veth1\"],\"mode\":"
	    "\"continuous\",\"interval\":\"1s\",\"window\":\"10s\","
	    "\"name\":\"up\",\"labels\":{\"site\":\"a\"},\"thresholds\":"
	    "{\"bps_in\":{\"above\":1e9,\"clear\":8e8,\"for\":2},"
	    "\"drops_in_rate\":{\"above\":10}}}", TASK_PASSIVE, &p);
	assert_true(p.alerts[ALERT_BPS_IN].set);
	assert_true(p.alerts[ALERT_BPS_IN].level == 1e9);
	assert_int_equal(p.alerts[ALERT_BPS_IN].for_n, 2);
	assert_true(p.alerts[ALERT_DROPS_IN_RATE].set);
	assert_string_equal(p.target, "eth0,veth1");
	assert_string_equal(p.host, "eth0,veth1");
	/* Its parameters are a creation body again. */
	assert_non_null(j = task_params_json(&p));
	assert_non_null(s = json_dumps(j, JSON_COMPACT));
	if (task_params_parse(s, strlen(s), TASK_PASSIVE, &q, &e) != 0)
		fail_msg("%s: %s", s, e.detail);
	assert_memory_equal(&p, &q, sizeof(p));
	free(s);
	json_decref(j);

	expect_bad("{}", TASK_PASSIVE, "target", "required");
	expect_bad("{\"target\":\"eth0\",\"count\":3}", TASK_PASSIVE,
	    "count", "not for passive tasks");
	expect_bad("{\"target\":\"eth0\",\"mode\":\"count\"}",
	    TASK_PASSIVE, "mode", "duration or continuous");
	expect_bad("{\"target\":\"eth0\",\"interfaces\":[\"eth1\"]}",
	    TASK_PASSIVE, "interfaces", "not both");
	expect_bad("{\"interfaces\":[]}", TASK_PASSIVE, "interfaces", NULL);
	expect_bad("{\"interfaces\":[\"a\",\"a\"]}", TASK_PASSIVE,
	    "interfaces[1]", "twice");
	expect_bad("{\"interfaces\":[\"a\",3]}", TASK_PASSIVE,
	    "interfaces[1]", "expected a string");
	expect_bad("{\"target\":\"a,b\"}", TASK_PASSIVE, "target",
	    "not an interface name");
	expect_bad("{\"target\":\"0123456789abcdef\"}", TASK_PASSIVE,
	    "target", NULL);
	expect_bad("{\"target\":\"eth0\",\"interval\":\"10ms\"}",
	    TASK_PASSIVE, "interval", NULL);
	expect_bad("{\"target\":\"eth0\",\"interval\":\"1s\","
	    "\"duration\":\"2h\"}", TASK_PASSIVE, "duration",
	    "more than 3600 intervals");
	expect_bad("{\"target\":\"eth0\",\"window\":\"1m\"}",
	    TASK_PASSIVE, "window", "only continuous");
	expect_bad("{\"target\":\"eth0\",\"mode\":\"continuous\","
	    "\"thresholds\":{\"loss\":{\"above\":0.1}}}", TASK_PASSIVE,
	    "thresholds.loss", "not this task's metric");
	expect_bad("{\"target\":\"eth0\",\"thresholds\":{\"bps_in\":"
	    "{\"above\":1}}}", TASK_PASSIVE, "thresholds",
	    "only continuous");
	expect_bad("{\"target\":\"eth0\",\"mode\":\"continuous\","
	    "\"thresholds\":{\"bps_in\":{\"above\":\"fast\"}}}",
	    TASK_PASSIVE, "thresholds.bps_in.above", "a rate per second");
	expect_bad("{\"target\":\"198.18.0.1\",\"mode\":\"continuous\","
	    "\"thresholds\":{\"bps_in\":{\"above\":1}}}", TASK_PING,
	    "thresholds.bps_in", "not this task's metric");

	/* The result: Lopa's counters in total (omitted when 0), ours. */
	make_info(&ti, "{\"interfaces\":[\"eth0\",\"eth1\"],\"interval\":"
	    "\"1s\",\"duration\":\"2s\"}", TASK_PASSIVE);
	ti.status = TASK_FINISHED;
	ti.t_started = 1795000000LL * SEC;
	ti.passive.n = 2;
	ti.passive.t_last = ti.t_started + 2 * SEC;
	strlcpy(ti.passive.v[0].name, "eth0", sizeof(ti.passive.v[0].name));
	strlcpy(ti.passive.v[1].name, "eth1", sizeof(ti.passive.v[1].name));
	ti.passive.v[0].present = 1;
	ti.passive.v[0].total[PC_BYTES_IN] = 1000;
	ti.passive.v[1].total[PC_BYTES_IN] = 500;
	ti.passive.v[0].total[PC_PACKETS_OUT] = 7;
	ti.passive.v[0].last[PC_BYTES_IN] = 250;
	ti.passive.v[0].last_ns = SEC / 2;
	memset(&r, 0, sizeof(r));
	r.index = 1;
	r.t_from = ti.t_started;
	r.t_to = ti.t_started + SEC;
	r.npassive = 2;
	r.passive[0][PC_BYTES_OUT] = 100;
	j = render(&ti, &r, 1);
	o = get(j, "total");
	assert_int_equal(get_int(o, "bytes_in"), 1500);
	assert_int_equal(get_int(o, "packets_out"), 7);
	assert_null(json_object_get(o, "errors_in"));
	assert_int_equal(get_int(o, "sent"), 0);
	a = get(j, "interfaces");
	assert_int_equal(json_array_size(a), 2);
	o = json_array_get(a, 0);
	assert_string_equal(get_str(o, "name"), "eth0");
	assert_true(json_is_true(get(o, "present")));
	/* 250 bytes in half a second: 4000 bit/s. */
	assert_true(json_real_value(get(get(o, "last"), "bps_in")) == 4000.0);
	assert_true(json_real_value(get(get(o, "total"), "bps_in")) == 4000.0);
	o = json_array_get(get(j, "rounds"), 0);
	assert_int_equal(get_int(get(o, "stats"), "bytes_out"), 100);
	assert_int_equal(json_array_size(get(o, "interfaces")), 2);
	assert_true(json_real_value(get(json_array_get(get(o, "interfaces"),
	    0), "bps_out")) == 800.0);
	json_decref(j);
}

static void
test_queries(void **state)
{
	struct task_query	 q;
	struct task_json_err	 e;

	assert_int_equal(task_query_list(NULL, &q, &e), 0);
	assert_int_equal(q.type, 0);
	assert_int_equal(q.status, -1);
	assert_int_equal(task_query_list("", &q, &e), 0);
	assert_int_equal(task_query_list("type=tcp&status=running", &q, &e),
	    0);
	assert_int_equal(q.type, TASK_TCP);
	assert_int_equal(q.status, TASK_RUNNING);
	assert_int_equal(task_query_list("type=&status=", &q, &e), 0);
	assert_int_equal(q.type, 0);
	assert_int_equal(q.status, -1);
	assert_int_equal(task_query_list("type=icmp", &q, &e), -1);
	assert_string_equal(e.field, "type");
	assert_int_equal(e.status, 400);
	assert_int_equal(task_query_list("status=done", &q, &e), -1);
	assert_string_equal(e.field, "status");
	assert_int_equal(task_query_list("limit=3", &q, &e), -1);
	assert_string_equal(e.field, "limit");
	assert_string_equal(e.detail, "limit: unknown query parameter");
	assert_int_equal(task_query_list("type=ping&type=udp", &q, &e), -1);
	assert_string_equal(e.field, "type");

	assert_int_equal(task_query_samples(NULL, &q, &e), 0);
	assert_int_equal(q.last, 0);
	assert_int_equal(task_query_samples("last=25", &q, &e), 0);
	assert_int_equal(q.last, 25);
	assert_int_equal(task_query_samples("last=-1", &q, &e), -1);
	assert_string_equal(e.field, "last");
	assert_int_equal(task_query_samples("last=", &q, &e), -1);
	assert_int_equal(task_query_samples("last=99999999999999999999", &q,
	    &e), -1);
	assert_string_equal(e.field, "last");
	assert_int_equal(task_query_samples("first=1", &q, &e), -1);
	assert_string_equal(e.field, "first");
}

/*
 * The params of an IMIX task are a creation body again (the state file
 * keeps them so): "imix": true is padding -1; histograms false kept.
 */
static void
test_params_round_trip_imix(void **state)
{
	struct task_params	 p, q;
	json_t			*j;
	char			*s;
	uint32_t		 types[] = { TASK_TWAMP, TASK_STAMP };
	size_t			 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		expect_ok("{\"target\":\"198.18.0.1\",\"padding\":-1,"
		    "\"mode\":\"continuous\",\"histograms\":false}", types[i],
		    &p);
		assert_int_equal(p.imix, 1);
		assert_int_equal(p.no_histograms, 1);
		assert_non_null(j = task_params_json(&p));
		assert_true(json_is_true(json_object_get(j, "imix")));
		assert_true(json_is_false(json_object_get(j, "histograms")));
		assert_non_null(s = json_dumps(j, JSON_COMPACT));
		expect_ok(s, types[i], &q);
		assert_memory_equal(&p, &q, sizeof(p));
		free(s);
		json_decref(j);
		expect_ok("{\"target\":\"198.18.0.1\",\"imix\":true}",
		    types[i], &q);
		assert_int_equal(q.imix, 1);
	}
	expect_bad("{\"target\":\"198.18.0.1\",\"imix\":true,"
	    "\"padding\":10}", TASK_TWAMP, "imix", "padding -1");
	expect_bad("{\"target\":\"198.18.0.1\",\"imix\":false,"
	    "\"padding\":-1}", TASK_STAMP, "imix", NULL);
	expect_bad("{\"target\":\"198.18.0.1\",\"imix\":true}", TASK_PING,
	    "imix", "only twamp and stamp");
	expect_bad("{\"target\":\"198.18.0.1\",\"histograms\":1}",
	    TASK_PING, "histograms", "true or false");
	expect_bad("{\"target\":\"eth0\",\"histograms\":false}",
	    TASK_PASSIVE, "histograms", "not for passive");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_lopa_bodies),
		cmocka_unit_test(test_ours),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_twamp_params),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_params_roundtrip),
		cmocka_unit_test(test_passive),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_info_running),
		cmocka_unit_test(test_info_final),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_info_twamp),
		cmocka_unit_test(test_sample_twamp),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_params_round_trip_imix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
