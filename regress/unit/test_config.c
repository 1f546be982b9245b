/*
 * Unit tests: the configuration (lopad/config.c) and addresses
 * (common/addr.c).  Every error class is checked with its exact message,
 * line and column.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr.h"
#include "alert.h"
#include "config.h"

#define SEC	(1000LL * 1000 * 1000)

/* A config where every key differs from the defaults. */
static const char *full_yaml =
	"user: nobody\n"
	"group: nogroup\n"
	"chroot: /var/empty\n"
	"control:\n"
	"  socket: /tmp/l.sock\n"
	"  rsocket: /tmp/l.rsock\n"
	"http:\n"
	"  listen: [\"127.0.0.2:9000\", \"[::1]:9001\", \":9002\"]\n"
	"  loopback_write: yes\n"
	"  tokens: /etc/lopad/tokens\n"
	"  max_connections: 10\n"
	"  idle_timeout: 1m30s\n"
	"log:\n"
	"  level: debug\n"
	"reflector:\n"
	"  enabled: false\n"
	"  addr: \"127.0.0.1:18081\"\n"
	"  twamp_addr: \"\"\n"
	"monitor:\n"
	"  enabled: off\n"
	"  event_buffer_size: 1000000\n"
	"state_file: /tmp/state.yaml\n";

static int
parse(const char *yaml, struct lopad_conf *c, struct conf_errs *e)
{
	config_defaults(c);
	memset(e, 0, sizeof(*e));
	return config_parse_buf("t.conf", yaml, strlen(yaml), c, e);
}

static void
dump_errs(const struct conf_errs *e)
{
	size_t	 i;

	for (i = 0; i < e->n && i < CONF_MAXERRS; i++)
		print_message("# error: %s\n", e->msg[i]);
}

/* The text must give exactly one error, msg; the config is untouched. */
static void
expect_error(const char *yaml, const char *msg)
{
	struct lopad_conf	 c, d;
	struct conf_errs	 e;

	config_defaults(&d);
	if (parse(yaml, &c, &e) != -1 || e.n != 1) {
		dump_errs(&e);
		fail_msg("want exactly one error: %s", msg);
	}
	assert_string_equal(e.msg[0], msg);
	assert_memory_equal(&c, &d, sizeof(c));
}

static void
expect_ok(const char *yaml, struct lopad_conf *c)
{
	struct conf_errs	 e;

	if (parse(yaml, c, &e) != 0) {
		dump_errs(&e);
		fail_msg("refused: %s", yaml);
	}
	assert_int_equal(e.n, 0);
}

static void
test_defaults(void **state)
{
	struct lopad_conf	 c, d;

	config_defaults(&c);
	assert_string_equal(c.user, "_lopad");
	assert_string_equal(c.group, "");
	assert_string_equal(c.chroot, "/var/lib/lopad/empty");
	assert_string_equal(c.control_socket, "/run/lopad/lopad.sock");
	assert_string_equal(c.control_rsocket, "/run/lopad/lopad.rsock");
	assert_int_equal(c.http_nlisten, 2);
	assert_string_equal(c.http_listen[0], "127.0.0.1:8080");
	assert_string_equal(c.http_listen[1], "[::1]:8080");
	assert_int_equal(c.http_loopback_write, 0);
	assert_string_equal(c.http_tokens, "");
	assert_int_equal(c.http_max_connections, 4096);
	assert_int_equal(c.http_idle_timeout, 30 * SEC);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_int_equal(c.reflector_enabled, 1);
	assert_string_equal(c.reflector_addr, ":8081");
	assert_string_equal(c.reflector_twamp_addr, ":862");
	assert_int_equal(c.reflector_twamp_stateful, 0);
	assert_int_equal(c.reflector_twamp_refwait, 900 * SEC);
	assert_int_equal(c.reflector_busy_poll, 0);
	assert_int_equal(c.reflector_twamp_servwait, 900 * SEC);
	assert_int_equal(c.reflector_twamp_port_min, 18760);
	assert_int_equal(c.reflector_twamp_port_max, 18860);
	assert_int_equal(c.reflector_twamp_max_padding, 1500);
	assert_int_equal(c.reflector_twamp_max_connections, 64);
	assert_int_equal(c.reflector_twamp_max_connections_per_client, 8);
	assert_int_equal(c.reflector_twamp_max_sessions, 256);
	assert_int_equal(c.reflector_twamp_max_sessions_per_connection, 16);
	assert_int_equal(c.sender_twamp_connect_timeout, 5 * SEC);
	assert_int_equal(c.sender_twamp_response_timeout, 5 * SEC);
	assert_int_equal(c.sender_twamp_max_count, 32768);
	assert_int_equal(c.monitor_enabled, 1);
	assert_int_equal(c.monitor_event_buffer_size, 100);
	assert_string_equal(c.state_file, "/var/lib/lopad/state.yaml");

	/* Empty text, comments only, a lone "~": the defaults stand. */
	config_defaults(&d);
	expect_ok("", &c);
	assert_memory_equal(&c, &d, sizeof(c));
	expect_ok("# nothing\n\n", &c);
	assert_memory_equal(&c, &d, sizeof(c));
	expect_ok("~\n", &c);
	assert_memory_equal(&c, &d, sizeof(c));
	/* Sections whose keys are all commented out are null. */
	expect_ok("http:\n  # listen: []\nlog:\nmonitor: ~\n", &c);
	assert_memory_equal(&c, &d, sizeof(c));
	expect_ok("---\nuser: _lopad\n...\n", &c);
	assert_memory_equal(&c, &d, sizeof(c));
}

static void
test_every_key(void **state)
{
	struct lopad_conf	 c;

	expect_ok(full_yaml, &c);
	assert_string_equal(c.user, "nobody");
	assert_string_equal(c.group, "nogroup");
	assert_string_equal(c.chroot, "/var/empty");
	assert_string_equal(c.control_socket, "/tmp/l.sock");
	assert_string_equal(c.control_rsocket, "/tmp/l.rsock");
	assert_int_equal(c.http_nlisten, 3);
	assert_string_equal(c.http_listen[0], "127.0.0.2:9000");
	assert_string_equal(c.http_listen[1], "[::1]:9001");
	assert_string_equal(c.http_listen[2], ":9002");
	assert_string_equal(c.http_listen[3], "");
	assert_int_equal(c.http_loopback_write, 1);
	assert_string_equal(c.http_tokens, "/etc/lopad/tokens");
	assert_int_equal(c.http_max_connections, 10);
	assert_int_equal(c.http_idle_timeout, 90 * SEC);
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_int_equal(c.reflector_enabled, 0);
	assert_string_equal(c.reflector_addr, "127.0.0.1:18081");
	assert_string_equal(c.reflector_twamp_addr, "");
	assert_int_equal(c.monitor_enabled, 0);
	assert_int_equal(c.monitor_event_buffer_size, 1000000);
	assert_string_equal(c.state_file, "/tmp/state.yaml");
}

static void
test_values(void **state)
{
	static const struct {
		const char	*v;
		uint32_t	 want;
	} b[] = {
		{ "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 },
		{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 },
		{ "True", 1 }, { "NO", 0 }, { "\"on\"", 1 },
	};
	static const struct {
		const char	*v;
		int		 want;
	} l[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "warn", LOG_WARNING }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG }, { "DEBUG", LOG_DEBUG },
	};
	struct lopad_conf	 c;
	char			 y[128];
	size_t			 i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		snprintf(y, sizeof(y), "http: {loopback_write: %s}\n",
		    b[i].v);
		expect_ok(y, &c);
		assert_int_equal(c.http_loopback_write, b[i].want);
	}
	for (i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		snprintf(y, sizeof(y), "log: {level: %s}\n", l[i].v);
		expect_ok(y, &c);
		assert_int_equal(c.log_level, l[i].want);
	}
	expect_ok("http: {idle_timeout: 250ms}\n", &c);
	assert_int_equal(c.http_idle_timeout, 250 * 1000 * 1000);
	expect_ok("http: {idle_timeout: 5000000000}\n", &c);
	assert_int_equal(c.http_idle_timeout, 5 * SEC);
	expect_ok("http: {idle_timeout: \"1ms\"}\n", &c);
	expect_ok("http: {idle_timeout: 24h}\n", &c);
	expect_ok("http: {max_connections: 65536}\n", &c);
	expect_ok("monitor: {event_buffer_size: 1}\n", &c);
	assert_int_equal(c.monitor_event_buffer_size, 1);
	expect_ok("group: ~\n", &c);
	assert_string_equal(c.group, "");
	expect_ok("http: {tokens: }\n", &c);
	assert_string_equal(c.http_tokens, "");
	expect_ok("reflector: {addr: \"*:7\", twamp_addr: \"[::]:862\"}\n",
	    &c);
	assert_string_equal(c.reflector_addr, "*:7");
	assert_string_equal(c.reflector_twamp_addr, "[::]:862");
	expect_ok("reflector: {twamp_stateful: yes, twamp_refwait: 2s}\n", &c);
	assert_int_equal(c.reflector_twamp_stateful, 1);
	assert_int_equal(c.reflector_twamp_refwait, 2 * SEC);
	expect_ok("reflector: {busy_poll: 50us}\n", &c);
	assert_int_equal(c.reflector_busy_poll, 50 * 1000);
	expect_ok("reflector: {twamp_servwait: 3s, twamp_port_min: 40000, "
	    "twamp_port_max: 40000, twamp_max_padding: 0}\n", &c);
	assert_int_equal(c.reflector_twamp_servwait, 3 * SEC);
	assert_int_equal(c.reflector_twamp_port_min, 40000);
	assert_int_equal(c.reflector_twamp_port_max, 40000);
	assert_int_equal(c.reflector_twamp_max_padding, 0);
	expect_ok("sender: {twamp_connect_timeout: 1s, "
	    "twamp_response_timeout: 2s, twamp_max_count: 1024}\n", &c);
	assert_int_equal(c.sender_twamp_connect_timeout, 1 * SEC);
	assert_int_equal(c.sender_twamp_response_timeout, 2 * SEC);
	assert_int_equal(c.sender_twamp_max_count, 1024);
	/* Anchors and aliases are plain YAML. */
	expect_ok("user: &u nobody\ngroup: *u\n", &c);
	assert_string_equal(c.group, "nobody");
}

static void
test_listen_forms(void **state)
{
	struct lopad_conf	 c;

	expect_ok("http:\n  listen: \"[::1]:1\"\n", &c);
	assert_int_equal(c.http_nlisten, 1);
	assert_string_equal(c.http_listen[0], "[::1]:1");
	assert_string_equal(c.http_listen[1], "");
	expect_ok("http:\n  listen: []\n", &c);
	assert_int_equal(c.http_nlisten, 0);
	assert_string_equal(c.http_listen[0], "");
	expect_ok("http:\n  listen: \"\"\n", &c);
	assert_int_equal(c.http_nlisten, 0);
	expect_ok("http:\n  listen:\n", &c);
	assert_int_equal(c.http_nlisten, 0);
	expect_ok("http:\n  listen:\n    - 127.0.0.1:1\n    - 127.0.0.1:2\n"
	    "    - 127.0.0.1:3\n    - 127.0.0.1:4\n    - 127.0.0.1:5\n"
	    "    - 127.0.0.1:6\n    - 127.0.0.1:7\n    - 127.0.0.1:8\n", &c);
	assert_int_equal(c.http_nlisten, 8);
	assert_string_equal(c.http_listen[7], "127.0.0.1:8");
}

static void
test_err_syntax(void **state)
{
	expect_error("a: b\n  c: d\n", "t.conf:2:4: YAML syntax error: "
	    "mapping values are not allowed in this context");
	expect_error("user: [\n", "t.conf:2:1: YAML syntax error: did not "
	    "find expected node content (while parsing a flow node at "
	    "line 2 column 1)");
	expect_error("http:\n  listen: [a\n  x: 1\n", "t.conf:3:4: YAML "
	    "syntax error: did not find expected ',' or ']' (while parsing "
	    "a flow sequence at line 2 column 11)");
	expect_error("user: *nope\n",
	    "t.conf:1:7: YAML syntax error: found undefined alias");
	expect_error("\tuser: x\n", "t.conf:1:1: YAML syntax error: found "
	    "character that cannot start any token (while scanning for the "
	    "next token at line 1 column 1)");
	/* Reader errors: position from the byte offset, in characters. */
	expect_error("user: x\ngroup: \"\xc3\xa9\xff\"\n", "t.conf:2:10: "
	    "YAML syntax error: invalid leading UTF-8 octet (0xff)");
	expect_error("user: \"a\x01\"\n", "t.conf:1:9: YAML syntax error: "
	    "control characters are not allowed (0x01)");
	/* Only one document. */
	expect_error("user: a\n---\nuser: b\n", "t.conf:3:1: a second YAML "
	    "document: the configuration must be a single document");
	expect_error("user: a\n---\nuser: [\n", "t.conf:4:1: YAML syntax "
	    "error: did not find expected node content (while parsing a "
	    "flow node at line 4 column 1)");
}

static void
test_err_unknown_key(void **state)
{
	expect_error("usr: x\n", "t.conf:1:1: usr: unknown key");
	expect_error("user: x\n  \nfoo:\n  bar: 1\n",
	    "t.conf:3:1: foo: unknown key");
	expect_error("http:\n  listen: []\n  idle: 5s\n",
	    "t.conf:3:3: http.idle: unknown key");
	expect_error("control: {socket: /a, rsockets: /b}\n",
	    "t.conf:1:23: control.rsockets: unknown key");
	expect_error("log:\n    level: info\n    file: /x\n",
	    "t.conf:3:5: log.file: unknown key");
	expect_error("reflector:\n  enable: true\n",
	    "t.conf:2:3: reflector.enable: unknown key");
	expect_error("monitor:\n  size: 1\n",
	    "t.conf:2:3: monitor.size: unknown key");
	/* Keys are case-sensitive; odd bytes are shown escaped. */
	expect_error("User: x\n", "t.conf:1:1: User: unknown key");
	expect_error("\"us\\ter\": x\n",
	    "t.conf:1:1: us\\x09er: unknown key");
	expect_error("<<: {user: x}\n", "t.conf:1:1: <<: unknown key");
	expect_error("? [a]\n: b\n",
	    "t.conf:1:3: a key must be a string, not a list");
	expect_error("http:\n  {a: 1}: b\n",
	    "t.conf:2:3: http: a key must be a string, not a mapping");
}

static void
test_err_wrong_type(void **state)
{
	expect_error("- user\n", "t.conf:1:1: expected a mapping of keys at "
	    "the top level, not a list");
	expect_error("hello\n", "t.conf:1:1: expected a mapping of keys at "
	    "the top level, not a scalar value");
	expect_error("http: 5\n",
	    "t.conf:1:7: http: expected a mapping, not a scalar value");
	expect_error("control: [a]\n",
	    "t.conf:1:10: control: expected a mapping, not a list");
	expect_error("user: [a]\n",
	    "t.conf:1:7: user: expected a string, not a list");
	expect_error("chroot: {a: b}\n",
	    "t.conf:1:9: chroot: expected a string, not a mapping");
	expect_error("http:\n  listen: {a: b}\n", "t.conf:2:11: http.listen: "
	    "expected an address or a list of addresses, not a mapping");
	expect_error("http:\n  listen: [[a]]\n", "t.conf:2:12: "
	    "http.listen[0]: expected an address, not a list");
	expect_error("http:\n  loopback_write: [true]\n", "t.conf:2:19: "
	    "http.loopback_write: expected a boolean, not a list");
	expect_error("http:\n  max_connections: {}\n", "t.conf:2:20: "
	    "http.max_connections: expected an integer, not a mapping");
	expect_error("http:\n  idle_timeout: []\n", "t.conf:2:17: "
	    "http.idle_timeout: expected a duration, not a list");
	expect_error("log: {level: [info]}\n",
	    "t.conf:1:14: log.level: expected a log level, not a list");
	expect_error("reflector: {twamp_port_min: 40001, "
	    "twamp_port_max: 40000}\n", "t.conf: reflector.twamp_port_min "
	    "40001 is above reflector.twamp_port_max 40000");
	expect_error("sender: {twamp_max_count: 3000}\n",
	    "t.conf: sender.twamp_max_count 3000 is not a power of 2");
	expect_error("reflector: {addr: [a]}\n",
	    "t.conf:1:19: reflector.addr: expected an address, not a list");
	/* A null where a value is needed. */
	expect_error("reflector:\n  enabled:\n", "t.conf:2:11: "
	    "reflector.enabled: missing value (expected a boolean)");
	expect_error("monitor: {event_buffer_size: ~}\n", "t.conf:1:30: "
	    "monitor.event_buffer_size: missing value (expected an integer)");
}

static void
test_err_bad_boolean(void **state)
{
	expect_error("http:\n  loopback_write: maybe\n", "t.conf:2:19: "
	    "http.loopback_write: \"maybe\": not a boolean (true/false, "
	    "yes/no, on/off, 1/0)");
	expect_error("reflector: {enabled: \"\"}\n", "t.conf:1:22: "
	    "reflector.enabled: \"\": not a boolean (true/false, yes/no, "
	    "on/off, 1/0)");
	expect_error("monitor: {enabled: 2}\n", "t.conf:1:20: "
	    "monitor.enabled: \"2\": not a boolean (true/false, yes/no, "
	    "on/off, 1/0)");
}

static void
test_err_bad_integer(void **state)
{
	expect_error("monitor:\n  event_buffer_size: 0\n", "t.conf:2:22: "
	    "monitor.event_buffer_size: \"0\": out of range (1..1000000)");
	expect_error("monitor:\n  event_buffer_size: 1000001\n",
	    "t.conf:2:22: monitor.event_buffer_size: \"1000001\": out of "
	    "range (1..1000000)");
	expect_error("monitor:\n  event_buffer_size: "
	    "99999999999999999999999\n", "t.conf:2:22: "
	    "monitor.event_buffer_size: \"99999999999999999999999\": out of "
	    "range (1..1000000)");
	expect_error("monitor:\n  event_buffer_size: -1\n", "t.conf:2:22: "
	    "monitor.event_buffer_size: \"-1\": not an integer");
	expect_error("monitor:\n  event_buffer_size: 1e3\n", "t.conf:2:22: "
	    "monitor.event_buffer_size: \"1e3\": not an integer");
	expect_error("monitor:\n  event_buffer_size: 0x10\n", "t.conf:2:22: "
	    "monitor.event_buffer_size: \"0x10\": not an integer");
	expect_error("monitor:\n  event_buffer_size: \" 5\"\n", "t.conf:2:22: "
	    "monitor.event_buffer_size: \" 5\": not an integer");
	expect_error("http: {max_connections: 65537}\n", "t.conf:1:25: "
	    "http.max_connections: \"65537\": out of range (1..65536)");
}

static void
test_err_bad_duration(void **state)
{
	expect_error("http:\n  idle_timeout: 5x\n", "t.conf:2:17: "
	    "http.idle_timeout: \"5x\": unknown unit \"x\"");
	expect_error("http:\n  idle_timeout: \"5x\"\n", "t.conf:2:17: "
	    "http.idle_timeout: \"5x\": unknown unit \"x\"");
	expect_error("http:\n  idle_timeout: -1s\n", "t.conf:2:17: "
	    "http.idle_timeout: \"-1s\": negative duration");
	expect_error("http:\n  idle_timeout: 1.2.3s\n", "t.conf:2:17: "
	    "http.idle_timeout: \"1.2.3s\": missing unit");
	expect_error("http:\n  idle_timeout: s\n", "t.conf:2:17: "
	    "http.idle_timeout: \"s\": expected a number");
	expect_error("http:\n  idle_timeout: \"\"\n", "t.conf:2:17: "
	    "http.idle_timeout: \"\": empty duration");
	/* A bare integer is nanoseconds: 30 ns is below the floor. */
	expect_error("http:\n  idle_timeout: 30\n", "t.conf:2:17: "
	    "http.idle_timeout: \"30\": out of range (1ms..24h0m0s); a number "
	    "without a unit is nanoseconds");
	expect_error("http:\n  idle_timeout: 25h\n", "t.conf:2:17: "
	    "http.idle_timeout: \"25h\": out of range (1ms..24h0m0s)");
	expect_error("http:\n  idle_timeout: 9999999999h\n", "t.conf:2:17: "
	    "http.idle_timeout: \"9999999999h\": duration too large");
}

static void
test_err_bad_level(void **state)
{
	expect_error("log:\n  level: loud\n", "t.conf:2:10: log.level: "
	    "\"loud\": unknown log level (error, warning, info or debug)");
	expect_error("log:\n  level: 7\n", "t.conf:2:10: log.level: "
	    "\"7\": unknown log level (error, warning, info or debug)");
}

static void
test_err_bad_address(void **state)
{
	struct lopad_conf	 c;
	struct conf_errs	 e;

	expect_error("reflector:\n  addr: 8081\n", "t.conf:2:9: "
	    "reflector.addr: \"8081\": missing port");
	expect_error("reflector:\n  twamp_addr: \"::1:862\"\n", "t.conf:2:15: "
	    "reflector.twamp_addr: \"::1:862\": IPv6 address must be in "
	    "brackets");
	expect_error("reflector:\n  busy_poll: 11ms\n", "t.conf:2:14: "
	    "reflector.busy_poll: \"11ms\": out of range (0s..10ms)");
	expect_error("reflector:\n  twamp_refwait: 500ms\n", "t.conf:2:18: "
	    "reflector.twamp_refwait: \"500ms\": out of range (1s..168h0m0s)");
	expect_error("reflector:\n  twamp_stateful: maybe\n", "t.conf:2:19: "
	    "reflector.twamp_stateful: \"maybe\": not a boolean "
	    "(true/false, yes/no, on/off, 1/0)");
	expect_error("reflector:\n  addr: \"127.0.0.1:0\"\n", "t.conf:2:9: "
	    "reflector.addr: \"127.0.0.1:0\": port out of range (1..65535)");
	expect_error("reflector:\n  addr: localhost:80\n", "t.conf:2:9: "
	    "reflector.addr: \"localhost:80\": bad IPv4 address");
	expect_error("http:\n  listen: \"1.2.3.4\"\n", "t.conf:2:11: "
	    "http.listen: \"1.2.3.4\": missing port");
	expect_error("http:\n  listen:\n    - \"127.0.0.1:80\"\n"
	    "    - \"[::1]:http\"\n", "t.conf:4:7: http.listen[1]: "
	    "\"[::1]:http\": port is not a number");
	expect_error("http:\n  listen: [\"\"]\n", "t.conf:2:12: "
	    "http.listen[0]: \"\": empty address");
	expect_error("http:\n  listen: [\"127.0.0.1:80\", \"127.0.0.1:80\"]\n",
	    "t.conf:2:28: http.listen[1]: \"127.0.0.1:80\": duplicate "
	    "address (same as http.listen[0])");
	expect_error("http:\n  listen: [\"[::1]:80\", \"[0::1]:80\"]\n",
	    "t.conf:2:24: http.listen[1]: \"[0::1]:80\": duplicate "
	    "address (same as http.listen[0])");
	/* The index is the one in the file, also after a bad entry. */
	assert_int_equal(parse("http:\n  listen: [\"x\", \"[::1]:80\", "
	    "\"[0::1]:80\"]\n", &c, &e), -1);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.msg[1], "t.conf:2:29: http.listen[2]: "
	    "\"[0::1]:80\": duplicate address (same as http.listen[1])");
}

static void
test_err_too_long(void **state)
{
	char	 y[512], m[512], s[256];

	/* user: 63 bytes fit, 64 do not. */
	memset(s, 'u', 63);
	s[63] = '\0';
	snprintf(y, sizeof(y), "user: %s\n", s);
	expect_ok(y, &(struct lopad_conf){ 0 });
	memset(s, 'u', 64);
	s[64] = '\0';
	snprintf(y, sizeof(y), "user: %s\n", s);
	snprintf(m, sizeof(m), "t.conf:1:7: user: \"%s\": too long "
	    "(at most 63 bytes)", s);
	expect_error(y, m);

	/* A socket path must fit in sun_path. */
	s[0] = '/';
	memset(s + 1, 's', 107);
	s[108] = '\0';
	snprintf(y, sizeof(y), "control:\n  rsocket: %s\n", s);
	snprintf(m, sizeof(m), "t.conf:2:12: control.rsocket: \"%.64s...\": "
	    "too long (at most 107 bytes)", s);
	expect_error(y, m);
	s[107] = '\0';
	snprintf(y, sizeof(y), "control:\n  rsocket: %s\n", s);
	expect_ok(y, &(struct lopad_conf){ 0 });

	expect_error("http: {listen: \"[1111:2222:3333:4444:5555:6666:7777:8888"
	    "%interface0000000]:65535\"}\n", "t.conf:1:16: http.listen: "
	    "\"[1111:2222:3333:4444:5555:6666:7777:8888%interface0000000]:"
	    "65535\": too long (at most 63 bytes)");
}

static void
test_err_nul_byte(void **state)
{
	expect_error("user: \"a\\0b\"\n",
	    "t.conf:1:7: user: \"a\\x00b\": contains a NUL byte");
	expect_error("http: {listen: [\"\\0\"]}\n",
	    "t.conf:1:17: http.listen[0]: \"\\x00\": contains a NUL byte");
}

static void
test_err_duplicate_key(void **state)
{
	expect_error("user: a\nuser: b\n", "t.conf:2:1: user: duplicate key "
	    "(first at line 1 column 1)");
	expect_error("http:\n  listen: []\n  tokens: \"\"\n  listen: []\n",
	    "t.conf:4:3: http.listen: duplicate key (first at line 2 "
	    "column 3)");
	expect_error("log: {level: info, level: debug}\n", "t.conf:1:20: "
	    "log.level: duplicate key (first at line 1 column 7)");
	/* Two sections of the same name do not merge. */
	expect_error("http: {}\nlog: {}\nhttp: {}\n", "t.conf:3:1: http: "
	    "duplicate key (first at line 1 column 1)");
}

static void
test_err_listen_count(void **state)
{
	expect_error("http:\n  listen: [\"127.0.0.1:1\", \"127.0.0.1:2\", "
	    "\"127.0.0.1:3\", \"127.0.0.1:4\", \"127.0.0.1:5\", \"127.0.0.1:6\", "
	    "\"127.0.0.1:7\", \"127.0.0.1:8\", \"127.0.0.1:9\"]\n",
	    "t.conf:2:11: http.listen: more than 8 listen addresses (9)");
	expect_error("http:\n  listen:\n    - 127.0.0.1:1\n    - 127.0.0.1:2\n"
	    "    - 127.0.0.1:3\n    - 127.0.0.1:4\n    - 127.0.0.1:5\n"
	    "    - 127.0.0.1:6\n    - 127.0.0.1:7\n    - 127.0.0.1:8\n"
	    "    - 127.0.0.1:9\n",
	    "t.conf:3:5: http.listen: more than 8 listen addresses (9)");
}

static void
test_err_relative_path(void **state)
{
	expect_error("control:\n  socket: lopad.sock\n", "t.conf:2:11: "
	    "control.socket: \"lopad.sock\": not an absolute path");
	expect_error("control:\n  rsocket: ./r.sock\n", "t.conf:2:12: "
	    "control.rsocket: \"./r.sock\": not an absolute path");
	expect_error("state_file: state.yaml\n", "t.conf:1:13: "
	    "state_file: \"state.yaml\": not an absolute path");
	expect_error("chroot: \"\"\n",
	    "t.conf:1:9: chroot: \"\": not an absolute path");
	expect_error("chroot:\n",
	    "t.conf:1:8: chroot: missing value (expected a string)");
	expect_error("http:\n  tokens: etc/tokens\n", "t.conf:2:11: "
	    "http.tokens: \"etc/tokens\": not an absolute path");
	expect_error("user: \"\"\n", "t.conf:1:7: user: \"\": must not be "
	    "empty");
}

/* Errors do not stop the walk: every one is reported, in file order. */
static void
test_err_collected(void **state)
{
	struct lopad_conf	 c, d;
	struct conf_errs	 e;
	char			 y[4096];
	size_t			 i, o = 0;

	assert_int_equal(parse("user: \"\"\nfoo: 1\nhttp:\n  listen: [x]\n"
	    "  max_connections: 0\nlog: {level: x}\nstate_file: y\n", &c, &e),
	    -1);
	assert_int_equal(e.n, 6);
	assert_string_equal(e.msg[0], "t.conf:1:7: user: \"\": must not be "
	    "empty");
	assert_string_equal(e.msg[1], "t.conf:2:1: foo: unknown key");
	assert_string_equal(e.msg[2], "t.conf:4:12: http.listen[0]: \"x\": "
	    "missing port");
	assert_string_equal(e.msg[3], "t.conf:5:20: http.max_connections: "
	    "\"0\": out of range (1..65536)");
	assert_string_equal(e.msg[4], "t.conf:6:14: log.level: \"x\": unknown "
	    "log level (error, warning, info or debug)");
	assert_string_equal(e.msg[5], "t.conf:7:13: state_file: \"y\": not an "
	    "absolute path");
	/* A failed parse leaves the struct as it was. */
	config_defaults(&d);
	assert_memory_equal(&c, &d, sizeof(c));

	/* 40 errors: 31 kept, then a note in the last slot. */
	for (i = 0; i < 40; i++)
		o += (size_t)snprintf(y + o, sizeof(y) - o, "k%zu: 1\n", i);
	assert_int_equal(parse(y, &c, &e), -1);
	assert_int_equal(e.n, 40);
	assert_string_equal(e.msg[0], "t.conf:1:1: k0: unknown key");
	assert_string_equal(e.msg[30], "t.conf:31:1: k30: unknown key");
	assert_string_equal(e.msg[CONF_MAXERRS - 1],
	    "too many errors: only the first 31 are shown");
}

/* Errors are appended to what the caller already has. */
static void
test_err_appended(void **state)
{
	struct lopad_conf	 c;
	struct conf_errs	 e;

	config_defaults(&c);
	memset(&e, 0, sizeof(e));
	conf_err(&e, "earlier: %d", 1);
	assert_int_equal(config_parse_buf("x.conf", "user: a\n", 8, &c, &e),
	    0);
	assert_int_equal(e.n, 1);
	assert_int_equal(config_parse_buf("x.conf", "usr: a\n", 7, &c, &e),
	    -1);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.msg[0], "earlier: 1");
	assert_string_equal(e.msg[1], "x.conf:1:1: usr: unknown key");
	assert_string_equal(c.user, "a");
}

static char *
write_temp(const char *text, mode_t mode, char *path, size_t len)
{
	const char	*dir = getenv("TMPDIR");
	int		 fd;

	snprintf(path, len, "%s/test_config.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	assert_int_not_equal(fd = mkstemp(path), -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void
test_parse_file(void **state)
{
	struct lopad_conf	 c, d;
	struct conf_errs	 e;
	char			 path[512], m[1024];

	config_defaults(&d);
	/* Missing file: the defaults without -f, an error with -f. */
	config_defaults(&c);
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_parse_file("/nonexistent/lopad.conf", 0, &c,
	    &e), 0);
	assert_int_equal(e.n, 0);
	assert_memory_equal(&c, &d, sizeof(c));
	assert_int_equal(config_parse_file("/nonexistent/lopad.conf", 1, &c,
	    &e), -1);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0],
	    "/nonexistent/lopad.conf: No such file or directory");

	memset(&e, 0, sizeof(e));
	assert_int_equal(config_parse_file("/", 1, &c, &e), -1);
	assert_string_equal(e.msg[0], "/: not a regular file");

	write_temp("user: nobody\nhttp:\n  listen: []\n", 0644, path,
	    sizeof(path));
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_parse_file(path, 1, &c, &e), 0);
	assert_string_equal(c.user, "nobody");
	assert_int_equal(c.http_nlisten, 0);
	unlink(path);

	/* Messages name the file as given. */
	write_temp("user: nobody\nhttp:\n  listen: [1]\n", 0644, path,
	    sizeof(path));
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_parse_file(path, 1, &c, &e), -1);
	snprintf(m, sizeof(m), "%s:3:12: http.listen[0]: \"1\": missing port",
	    path);
	assert_string_equal(e.msg[0], m);
	unlink(path);
}

/* A fake environment for config_env. */
static const char	*fake_env[16][2];
static size_t		 fake_n;

static char *
fake_getenv(const char *name)
{
	size_t	 i;

	for (i = 0; i < fake_n; i++)
		if (strcmp(fake_env[i][0], name) == 0)
			return (char *)fake_env[i][1];
	return NULL;
}

static void
env_set(const char *name, const char *value)
{
	fake_env[fake_n][0] = name;
	fake_env[fake_n][1] = value;
	fake_n++;
}

static int
env_apply(struct lopad_conf *c, struct conf_errs *e)
{
	int	 rv;

	config_defaults(c);
	memset(e, 0, sizeof(*e));
	rv = config_env(c, fake_getenv, e);
	fake_n = 0;
	return rv;
}

static void
env_error(const char *name, const char *value, const char *msg)
{
	struct lopad_conf	 c, d;
	struct conf_errs	 e;

	env_set(name, value);
	assert_int_equal(env_apply(&c, &e), -1);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], msg);
	config_defaults(&d);
	assert_memory_equal(&c, &d, sizeof(c));
}

static void
test_env_overrides(void **state)
{
	struct lopad_conf	 c, d;
	struct conf_errs	 e;

	/* Nothing set: nothing changes. */
	assert_int_equal(env_apply(&c, &e), 0);
	config_defaults(&d);
	assert_memory_equal(&c, &d, sizeof(c));

	env_set("LOPA_HTTP_ADDR", "[::1]:9999");
	assert_int_equal(env_apply(&c, &e), 0);
	assert_int_equal(c.http_nlisten, 1);
	assert_string_equal(c.http_listen[0], "[::1]:9999");
	assert_string_equal(c.http_listen[1], "");

	env_set("LOPA_HTTP_ADDR", "");
	assert_int_equal(env_apply(&c, &e), 0);
	assert_int_equal(c.http_nlisten, 0);
	assert_string_equal(c.http_listen[0], "");

	env_set("LOPA_LOG_LEVEL", "warn");
	assert_int_equal(env_apply(&c, &e), 0);
	assert_int_equal(c.log_level, LOG_WARNING);
	env_set("LOPA_LOG_LEVEL", "error");
	assert_int_equal(env_apply(&c, &e), 0);
	assert_int_equal(c.log_level, LOG_ERR);

	env_set("LOPA_REFLECTOR_ENABLED", "no");
	assert_int_equal(env_apply(&c, &e), 0);
	assert_int_equal(c.reflector_enabled, 0);

	env_set("LOPA_REFLECTOR_ADDR", "127.0.0.1:18081");
	env_set("LOPA_REFLECTOR_TWAMP_ADDR", "[::]:1862");
	assert_int_equal(env_apply(&c, &e), 0);
	assert_string_equal(c.reflector_addr, "127.0.0.1:18081");
	assert_string_equal(c.reflector_twamp_addr, "[::]:1862");

	env_set("LOPA_REFLECTOR_ADDR", "");
	env_set("LOPA_REFLECTOR_TWAMP_ADDR", "");
	assert_int_equal(env_apply(&c, &e), 0);
	assert_string_equal(c.reflector_addr, "");
	assert_string_equal(c.reflector_twamp_addr, "");

	env_set("LOPA_REFLECTOR_TWAMP_STATEFUL", "true");
	assert_int_equal(env_apply(&c, &e), 0);
	assert_int_equal(c.reflector_twamp_stateful, 1);
	env_set("LOPA_REFLECTOR_TWAMP_STATEFUL", "off");
	assert_int_equal(env_apply(&c, &e), 0);
	assert_int_equal(c.reflector_twamp_stateful, 0);

	env_set("LOPA_MONITOR_ENABLED", "0");
	env_set("LOPA_MONITOR_EVENT_BUFFER_SIZE", "5000");
	assert_int_equal(env_apply(&c, &e), 0);
	assert_int_equal(c.monitor_enabled, 0);
	assert_int_equal(c.monitor_event_buffer_size, 5000);

	/* Other variables are ignored. */
	env_set("LOPA_USER", "root");
	env_set("LOPA_HTTP_TOKENS", "x");
	assert_int_equal(env_apply(&c, &e), 0);
	assert_memory_equal(&c, &d, sizeof(c));
}

/* The environment wins over the file. */
static void
test_env_over_file(void **state)
{
	struct lopad_conf	 c;
	struct conf_errs	 e;

	expect_ok(full_yaml, &c);
	memset(&e, 0, sizeof(e));
	env_set("LOPA_LOG_LEVEL", "info");
	env_set("LOPA_HTTP_ADDR", "127.0.0.1:1");
	assert_int_equal(config_env(&c, fake_getenv, &e), 0);
	fake_n = 0;
	assert_int_equal(c.log_level, LOG_INFO);
	assert_int_equal(c.http_nlisten, 1);
	assert_string_equal(c.http_listen[0], "127.0.0.1:1");
	assert_string_equal(c.http_listen[1], "");
	assert_string_equal(c.http_listen[2], "");
	assert_string_equal(c.user, "nobody");
}

static void
test_env_errors(void **state)
{
	struct lopad_conf	 c;
	struct conf_errs	 e;

	env_error("LOPA_HTTP_ADDR", "8080",
	    "LOPA_HTTP_ADDR: \"8080\": missing port");
	env_error("LOPA_HTTP_ADDR", "127.0.0.1:8080,[::1]:8080",
	    "LOPA_HTTP_ADDR: \"127.0.0.1:8080,[::1]:8080\": one address only "
	    "(it replaces the whole list)");
	env_error("LOPA_LOG_LEVEL", "",
	    "LOPA_LOG_LEVEL: \"\": unknown log level (error, warning, info "
	    "or debug)");
	env_error("LOPA_LOG_LEVEL", "trace",
	    "LOPA_LOG_LEVEL: \"trace\": unknown log level (error, warning, "
	    "info or debug)");
	env_error("LOPA_REFLECTOR_ENABLED", "enabled",
	    "LOPA_REFLECTOR_ENABLED: \"enabled\": not a boolean (true/false, "
	    "yes/no, on/off, 1/0)");
	env_error("LOPA_REFLECTOR_ADDR", "[::1]",
	    "LOPA_REFLECTOR_ADDR: \"[::1]\": missing port");
	env_error("LOPA_REFLECTOR_TWAMP_ADDR", "0.0.0.0:99999",
	    "LOPA_REFLECTOR_TWAMP_ADDR: \"0.0.0.0:99999\": port out of range "
	    "(1..65535)");
	env_error("LOPA_MONITOR_ENABLED", "",
	    "LOPA_MONITOR_ENABLED: \"\": not a boolean (true/false, yes/no, "
	    "on/off, 1/0)");
	env_error("LOPA_MONITOR_EVENT_BUFFER_SIZE", "0",
	    "LOPA_MONITOR_EVENT_BUFFER_SIZE: \"0\": out of range "
	    "(1..1000000)");
	env_error("LOPA_MONITOR_EVENT_BUFFER_SIZE", "ten",
	    "LOPA_MONITOR_EVENT_BUFFER_SIZE: \"ten\": not an integer");
	env_error("LOPA_REFLECTOR_ADDR", "\x1b[31m:80",
	    "LOPA_REFLECTOR_ADDR: \"\\x1b[31m:80\": bad IPv4 address");

	/* Every bad variable is reported, none applied. */
	env_set("LOPA_LOG_LEVEL", "x");
	env_set("LOPA_MONITOR_ENABLED", "true");
	env_set("LOPA_MONITOR_EVENT_BUFFER_SIZE", "-1");
	assert_int_equal(env_apply(&c, &e), -1);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.msg[1], "LOPA_MONITOR_EVENT_BUFFER_SIZE: \"-1\": "
	    "not an integer");
}

static char *
print_conf(const struct lopad_conf *c)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	assert_non_null(fp = open_memstream(&buf, &len));
	config_print(fp, c);
	fclose(fp);
	return buf;
}

/* print, then parse onto base: must give c back exactly. */
static void
round_trip(const struct lopad_conf *c, const struct lopad_conf *base)
{
	struct lopad_conf	 r;
	struct conf_errs	 e;
	char			*text, *again;

	text = print_conf(c);
	memcpy(&r, base, sizeof(r));
	memset(&e, 0, sizeof(e));
	if (config_parse_buf("nv.conf", text, strlen(text), &r, &e) != 0) {
		dump_errs(&e);
		fail_msg("printed config does not parse:\n%s", text);
	}
	assert_memory_equal(&r, c, sizeof(r));
	again = print_conf(&r);
	assert_string_equal(again, text);
	free(again);
	free(text);
}

static void
test_print_defaults(void **state)
{
	struct lopad_conf	 c;
	char			*text;

	config_defaults(&c);
	text = print_conf(&c);
	assert_string_equal(text,
	    "user: \"_lopad\"\n"
	    "group: \"\"\n"
	    "chroot: \"/var/lib/lopad/empty\"\n"
	    "control:\n"
	    "  socket: \"/run/lopad/lopad.sock\"\n"
	    "  rsocket: \"/run/lopad/lopad.rsock\"\n"
	    "http:\n"
	    "  listen: [\"127.0.0.1:8080\", \"[::1]:8080\"]\n"
	    "  loopback_write: false\n"
	    "  tokens: \"\"\n"
	    "  max_connections: 4096\n"
	    "  idle_timeout: \"30s\"\n"
	    "log:\n"
	    "  level: info\n"
	    "reflector:\n"
	    "  enabled: true\n"
	    "  addr: \":8081\"\n"
	    "  twamp_addr: \":862\"\n"
	    "  twamp_stateful: false\n"
	    "  twamp_refwait: \"15m0s\"\n"
	    "  allow: []\n"
	    "  rate_per_source: 1000\n"
	    "  rate_global: 100000\n"
	    "  busy_poll: \"0s\"\n"
	    "  twamp_servwait: \"15m0s\"\n"
	    "  twamp_port_min: 18760\n"
	    "  twamp_port_max: 18860\n"
	    "  twamp_max_padding: 1500\n"
	    "  twamp_max_connections: 64\n"
	    "  twamp_max_connections_per_client: 8\n"
	    "  twamp_max_sessions: 256\n"
	    "  twamp_max_sessions_per_connection: 16\n"
	    "sender:\n"
	    "  twamp_connect_timeout: \"5s\"\n"
	    "  twamp_response_timeout: \"5s\"\n"
	    "  twamp_max_count: 32768\n"
	    "monitor:\n"
	    "  enabled: true\n"
	    "  event_buffer_size: 100\n"
	    "  max_monitors: 1000\n"
	    "  receive_buffer: 8388608\n"
	    "  max_routes: 100000\n"
	    "limits:\n"
	    "  max: 10000\n"
	    "  retain: 1000\n"
	    "  samples: 100\n"
	    "  sample_memory: 256\n"
	    "webhooks:\n"
	    "  allow: []\n"
	    "  queue: 1000\n"
	    "  max_age: \"1h0m0s\"\n"
	    "  ca_file: \"/etc/ssl/certs/ca-certificates.crt\"\n"
	    "metrics:\n"
	    "  histograms: true\n"
	    "  bucket_start: \"50\u00b5s\"\n"
	    "  bucket_factor: 2\n"
	    "  buckets: 20\n"
	    "  task_labels: true\n"
	    "  max_series: 1000000\n"
	    "exports:\n"
	    "  influx_url: \"\"\n"
	    "  influx_token_file: \"\"\n"
	    "  influx_measurement: \"lopa\"\n"
	    "  influx_batch: 1000\n"
	    "  influx_flush_interval: \"1s\"\n"
	    "  results_log: \"\"\n"
	    "  results_log_per_probe: false\n"
	    "state_file: \"/var/lib/lopad/state.yaml\"\n"
	    "tasks: []\n"
	    "monitors: []\n");
	free(text);
}

static void
test_print_round_trip(void **state)
{
	struct lopad_conf	 def, full, odd;

	config_defaults(&def);
	expect_ok(full_yaml, &full);
	/*
	 * Parsing onto a base where every key differs shows that every
	 * key is printed: a missing one would keep the base's value.
	 */
	round_trip(&def, &full);
	round_trip(&full, &def);

	/* Strings that need quoting, escapes and non-ASCII text. */
	expect_ok("group: \"a\\\"b\\\\c\\t\\x01\\x7f\\u0085\\ufeff\\L\\P "
	    "\\u00e9\\U0001F600 #: '\\n\"\n"
	    "state_file: \"/var/lib/lo pad/#x: y\"\n"
	    "http: {listen: [], idle_timeout: 1.5ms}\n"
	    "log: {level: error}\n"
	    "reflector: {addr: \"\", twamp_addr: \"*:862\"}\n", &odd);
	round_trip(&odd, &def);
	round_trip(&odd, &full);
	expect_ok("log: {level: warn}\nhttp: {idle_timeout: 86400000000000}\n",
	    &odd);
	round_trip(&odd, &full);
}

static void
test_print_escapes(void **state)
{
	struct lopad_conf	 c;
	char			*text;

	config_defaults(&c);
	strlcpy(c.group, "q\"b\\t\x01\t\xc2\x85\xe2\x82\xac", sizeof(c.group));
	text = print_conf(&c);
	assert_non_null(strstr(text,
	    "group: \"q\\\"b\\\\t\\x01\\t\\x85\xe2\x82\xac\"\n"));
	free(text);
	/* Invalid UTF-8 cannot round-trip, but the output is still YAML. */
	strlcpy(c.group, "\xff", sizeof(c.group));
	text = print_conf(&c);
	assert_non_null(strstr(text, "group: \"\\xff\"\n"));
	free(text);
}

static void
test_tokens(void **state)
{
	struct api_token	 tok[TOKEN_MAX];
	struct conf_errs	 e;
	char			 path[512];
	size_t			 n = 99;

	write_temp("# lopad tokens\n"
	    "\n"
	    "read  0123456789abcdef\n"
	    "   # indented comment\n"
	    "write\tABCDEFGHIJKLMNOP-._~+/=!\tdeploy\r\n"
	    "read 0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678"
	    "9abcde monitoring\n"
	    "write zzzzzzzzzzzzzzzz", 0600, path, sizeof(path));
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_read_tokens(path, tok, &n, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(n, 4);
	assert_int_equal(tok[0].right, TOKEN_READ);
	assert_int_equal(tok[0].len, 16);
	assert_string_equal(tok[0].token, "0123456789abcdef");
	assert_string_equal(tok[0].name, "");
	assert_int_equal(tok[1].right, TOKEN_WRITE);
	assert_string_equal(tok[1].token, "ABCDEFGHIJKLMNOP-._~+/=!");
	assert_string_equal(tok[1].name, "deploy");
	assert_int_equal(tok[2].len, 127);
	assert_string_equal(tok[2].name, "monitoring");
	assert_int_equal(tok[3].right, TOKEN_WRITE);
	assert_string_equal(tok[3].token, "zzzzzzzzzzzzzzzz");
	unlink(path);

	/* An empty file is no tokens, not an error. */
	write_temp("", 0400, path, sizeof(path));
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_read_tokens(path, tok, &n, &e), 0);
	assert_int_equal(n, 0);
	unlink(path);
}

static void
test_tokens_mode(void **state)
{
	static const mode_t	 modes[] = { 0644, 0640, 0604, 0610, 0601 };
	struct api_token	 tok[TOKEN_MAX];
	struct conf_errs	 e;
	char			 path[512], m[1024];
	size_t			 n, i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		write_temp("read 0123456789abcdef\n", modes[i], path,
		    sizeof(path));
		memset(&e, 0, sizeof(e));
		n = 99;
		assert_int_equal(config_read_tokens(path, tok, &n, &e), -1);
		assert_int_equal(n, 0);
		assert_int_equal(e.n, 1);
		snprintf(m, sizeof(m), "%s: mode %04o: a token file must not "
		    "be accessible by group or others (chmod 600)", path,
		    (unsigned int)modes[i]);
		assert_string_equal(e.msg[0], m);
		unlink(path);
	}

	memset(&e, 0, sizeof(e));
	assert_int_equal(config_read_tokens("/nonexistent/tokens", tok, &n,
	    &e), -1);
	assert_string_equal(e.msg[0],
	    "/nonexistent/tokens: No such file or directory");
}

static void
test_tokens_errors(void **state)
{
	struct api_token	 tok[TOKEN_MAX];
	struct conf_errs	 e;
	char			 path[512], m[1024];
	size_t			 n = 99, i;
	static const char	*want[] = {
		"1: a line must start with \"read\" or \"write\"",
		"2: a line must start with \"read\" or \"write\"",
		"3: missing token",
		"4: token of 15 characters (must have 16 to 127)",
		"5: token of 128 characters (must have 16 to 127)",
		"6: token has a character that is not printable ASCII",
		"7: name must be printable ASCII, at most 63 characters",
		"8: text after the token's name",
		"10: same token as on line 9",
		"11: contains a NUL byte",
	};

	write_temp("READ 0123456789abcdef\n"
	    "0123456789abcdef read\n"
	    "write\n"
	    "read 0123456789abcde\n"
	    "read 0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678"
	    "9abcdef\n"
	    "read 0123456789abcdef\xc3\xa9\n"
	    "read 0123456789abcdef aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaa\n"
	    "read 0123456789abcdef name more\n"
	    "read secret-secret-secret-1\n"
	    "write secret-secret-secret-1 again\n"
	    "read 0123456789abcdef\0\n", 0600, path, sizeof(path));
	/* write_temp stops at the NUL: add the last line by hand. */
	{
		int	 fd;

		assert_int_not_equal(fd = open(path, O_WRONLY | O_APPEND), -1);
		assert_int_equal(write(fd, "\0x\n", 3), 3);
		close(fd);
	}
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_read_tokens(path, tok, &n, &e), -1);
	assert_int_equal(n, 0);
	if (e.n != sizeof(want) / sizeof(want[0]))
		dump_errs(&e);
	assert_int_equal(e.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < e.n; i++) {
		snprintf(m, sizeof(m), "%s:%s", path, want[i]);
		assert_string_equal(e.msg[i], m);
		/* Never the secret itself. */
		assert_null(strstr(e.msg[i], "secret-"));
		assert_null(strstr(e.msg[i], "0123456789"));
	}
	unlink(path);
}

static void
test_tokens_max(void **state)
{
	struct api_token	 tok[TOKEN_MAX];
	struct conf_errs	 e;
	char			 path[512], m[1024], text[8192];
	size_t			 n, i, o = 0;

	for (i = 0; i < TOKEN_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "read token-%010zu\n", i);
	write_temp(text, 0600, path, sizeof(path));
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_read_tokens(path, tok, &n, &e), 0);
	assert_int_equal(n, TOKEN_MAX);
	assert_string_equal(tok[TOKEN_MAX - 1].token, "token-0000000063");
	unlink(path);

	o += (size_t)snprintf(text + o, sizeof(text) - o,
	    "read token-%010zu\nread token-%010zu\n", i, i + 1);
	write_temp(text, 0600, path, sizeof(path));
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_read_tokens(path, tok, &n, &e), -1);
	assert_int_equal(e.n, 1);
	snprintf(m, sizeof(m), "%s:%d: more than %d tokens", path,
	    TOKEN_MAX + 1, TOKEN_MAX);
	assert_string_equal(e.msg[0], m);
	unlink(path);
}

static void
addr_ok(const char *s, int family, const char *host, int port,
    const char *formatted)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = 0;
	const char		*errstr = NULL;
	char			 h[64], out[128];

	if (addr_parse(s, &ss, &len, &errstr) == -1)
		fail_msg("\"%s\": %s", s, errstr);
	assert_int_equal(ss.ss_family, family);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		assert_int_equal(len, sizeof(*sin));
		inet_ntop(AF_INET, &sin->sin_addr, h, sizeof(h));
		assert_int_equal(ntohs(sin->sin_port), port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		assert_int_equal(len, sizeof(*sin6));
		inet_ntop(AF_INET6, &sin6->sin6_addr, h, sizeof(h));
		assert_int_equal(ntohs(sin6->sin6_port), port);
	}
	assert_string_equal(h, host);
	assert_int_equal(addr_format((struct sockaddr *)&ss, out, sizeof(out)),
	    strlen(formatted));
	assert_string_equal(out, formatted);
}

static void
addr_bad(const char *s, const char *reason)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*errstr = NULL;

	if (addr_parse(s, &ss, &len, &errstr) == 0)
		fail_msg("\"%s\" accepted", s);
	assert_string_equal(errstr, reason);
}

static void
test_addr(void **state)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	const char		*errstr;
	char			 out[8];

	addr_ok("127.0.0.1:8080", AF_INET, "127.0.0.1", 8080,
	    "127.0.0.1:8080");
	addr_ok(":8081", AF_INET, "0.0.0.0", 8081, "0.0.0.0:8081");
	addr_ok("*:862", AF_INET, "0.0.0.0", 862, "0.0.0.0:862");
	addr_ok("[::1]:8080", AF_INET6, "::1", 8080, "[::1]:8080");
	addr_ok("[::]:1", AF_INET6, "::", 1, "[::]:1");
	addr_ok("[2001:db8::1]:65535", AF_INET6, "2001:db8::1", 65535,
	    "[2001:db8::1]:65535");
	addr_ok("[::ffff:127.0.0.1]:80", AF_INET6, "::ffff:127.0.0.1", 80,
	    "[::ffff:127.0.0.1]:80");
	addr_ok("198.18.0.1:00080", AF_INET, "198.18.0.1", 80,
	    "198.18.0.1:80");
	/* A scope by interface name (lo always exists) or number. */
	addr_ok("[fe80::1%lo]:80", AF_INET6, "fe80::1", 80, "[fe80::1%lo]:80");
	assert_int_equal(addr_parse("[fe80::1%1]:80", &ss, &len, &errstr), 0);
	assert_int_equal(sin6->sin6_scope_id, 1);

	addr_bad("", "empty address");
	addr_bad(NULL, "empty address");
	addr_bad("1.2.3.4", "missing port");
	addr_bad("1.2.3.4:", "missing port");
	addr_bad("[::1]", "missing port");
	addr_bad("[::1]:", "missing port");
	addr_bad("[::1]80", "expected ':' after ']'");
	addr_bad("[::1:80", "missing ']'");
	addr_bad("::1:80", "IPv6 address must be in brackets");
	addr_bad("[]:80", "bad IPv6 address");
	addr_bad("[127.0.0.1]:80", "bad IPv6 address");
	addr_bad("[fe80::1%nosuchif0]:80", "bad IPv6 address");
	addr_bad("localhost:80", "bad IPv4 address");
	addr_bad("127.1:80", "bad IPv4 address");
	addr_bad("0x7f.0.0.1:80", "bad IPv4 address");
	addr_bad("127.0.0.1 :80", "bad IPv4 address");
	addr_bad("256.0.0.1:80", "bad IPv4 address");
	addr_bad("1.2.3.4:0", "port out of range (1..65535)");
	addr_bad("1.2.3.4:65536", "port out of range (1..65535)");
	addr_bad("1.2.3.4:99999999999999999999", "port out of range "
	    "(1..65535)");
	addr_bad("1.2.3.4:http", "port is not a number");
	addr_bad("1.2.3.4:+80", "port is not a number");
	addr_bad("1.2.3.4:-1", "port is not a number");
	addr_bad("1.2.3.4:80 ", "port is not a number");

	/* addr_format truncates like snprintf and reports the length. */
	assert_int_equal(addr_parse("127.0.0.1:8080", &ss, &len, &errstr), 0);
	assert_int_equal(addr_format((struct sockaddr *)&ss, out, sizeof(out)),
	    14);
	assert_string_equal(out, "127.0.0");
	ss.ss_family = AF_UNIX;
	assert_int_equal(addr_format((struct sockaddr *)&ss, out, sizeof(out)),
	    0);
	assert_string_equal(out, "");
}

static int
loopback(const char *s)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*errstr;

	if (addr_parse(s, &ss, &len, &errstr) == -1)
		fail_msg("\"%s\": %s", s, errstr);
	return addr_is_loopback((struct sockaddr *)&ss);
}

static void
test_addr_loopback(void **state)
{
	struct sockaddr_storage	 ss;

	assert_true(loopback("127.0.0.1:1"));
	assert_true(loopback("127.255.255.254:1"));
	assert_true(loopback("[::1]:1"));
	assert_true(loopback("[::ffff:127.0.0.1]:1"));
	assert_true(loopback("[::ffff:127.1.2.3]:1"));
	assert_false(loopback(":1"));
	assert_false(loopback("*:1"));
	assert_false(loopback("[::]:1"));
	assert_false(loopback("128.0.0.1:1"));
	assert_false(loopback("126.255.255.255:1"));
	assert_false(loopback("198.18.0.1:1"));
	assert_false(loopback("[::2]:1"));
	assert_false(loopback("[::ffff:128.0.0.1]:1"));
	assert_false(loopback("[::127.0.0.1]:1"));
	assert_false(loopback("[2001:db8::1]:1"));
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	assert_false(addr_is_loopback((struct sockaddr *)&ss));
}

/* tasks: declarations, checked as the API checks a body; limits. */
static void
test_tasks_declared(void **state)
{
	struct lopad_conf	 c;
	struct conf_tasks	 t;
	char			*text;
	size_t			 len;
	FILE			*fp;

	(void)state;
	expect_ok("limits: {max: 7}\ntasks:\n"
	    "  - name: edge\n    type: ping\n    target: 198.18.0.2\n"
	    "    mode: continuous\n    interval: 500ms\n"
	    "    labels: {site: par}\n"
	    "    thresholds: {loss: {above: 0.05, for: 3}}\n"
	    "  - {\"name\": \"t\", \"type\": \"stamp\", \"target\": "
	    "\"[2001:db8::1]:862\", \"count\": 3, \"df\": true, "
	    "\"tlvs\": [{\"type\": \"cos\"}]}\n", &c);
	assert_int_equal(c.tasks_max, 7);
	config_tasks_take(&t);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0].name, "edge");
	assert_int_equal(t.v[0].p.type, TASK_PING);
	assert_int_equal(t.v[0].p.mode, TASK_CONTINUOUS);
	assert_int_equal(t.v[0].p.interval_ns, 500 * 1000 * 1000);
	assert_true(t.v[0].p.alerts[ALERT_LOSS].set);
	assert_int_equal(t.v[0].p.alerts[ALERT_LOSS].for_n, 3);
	assert_int_equal(t.v[0].p.labels_len, sizeof("site\0par"));
	assert_int_equal(t.v[1].p.type, TASK_STAMP);
	assert_int_equal(t.v[1].p.count, 3);
	assert_int_equal(t.v[1].p.ntlvs, 1);
	config_tasks_free(&t);
	/* Taken: nothing left; a parse without tasks: has none. */
	config_tasks_take(&t);
	assert_int_equal(t.n, 0);
	/* The old form: tasks: as the limits. */
	expect_ok("tasks: {max: 9, retain: 2}\n", &c);
	assert_int_equal(c.tasks_max, 9);
	assert_int_equal(c.tasks_retain, 2);
	config_tasks_take(&t);
	assert_int_equal(t.n, 0);
	/* Printed as JSON flow mappings, which parse again. */
	expect_ok("tasks:\n  - {name: a, type: udp, target: \"h:7\", "
	    "webhook_url: \"http://h/\", webhook_secret: s}\n", &c);
	assert_non_null(fp = open_memstream(&text, &len));
	config_print(fp, &c);
	fclose(fp);
	assert_non_null(strstr(text, "tasks:\n  - {\"type\":\"udp\","));
	assert_non_null(strstr(text, "\"webhook_secret\":\"(secret)\""));
	assert_null(strstr(text, ":\"s\""));
	expect_ok(text, &c);
	free(text);
	config_tasks_take(&t);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.v[0].p.webhook_secret, "(secret)");
	config_tasks_free(&t);

	expect_error("tasks:\n  - {name: a, type: ping}\n", "t.conf:2:5: "
	    "tasks[0].target: required");
	expect_error("tasks:\n  - {name: a, type: ping, target: h, mode: "
	    "continuous,\n     thresholds: {loss: {above: 2}}}\n", "t.conf:3:26: "
	    "tasks[0].thresholds.loss.above: must be a fraction between 0 "
	    "and 1");
	expect_error("tasks:\n  - {name: a, type: pong, target: h}\n",
	    "t.conf:2:15: tasks[0].type: required: ping, tcp, udp, twamp or "
	    "stamp");
	expect_error("tasks:\n  - {type: ping, target: h}\n", "t.conf:2:5: "
	    "tasks[0].name: required: a task of the configuration is known "
	    "by its name");
	expect_error("tasks:\n  - {name: a, type: ping, target: h}\n"
	    "  - {name: a, type: tcp, target: \"h:1\"}\n", "t.conf:3:6: "
	    "tasks[1].name: \"a\" names tasks[0] already");
	expect_error("tasks:\n  - {name: a, type: ping, target: h, count: "
	    "\"3\"}\n", "t.conf:2:38: tasks[0].count: expected an integer, "
	    "got a string");
	expect_error("tasks:\n  - {name: a, type: stamp, target: h, tlvs: "
	    "[{type: cos}, {type: 0}]}\n", "t.conf:2:60: tasks[0].tlvs[1]."
	    "type: a type number must be between 1 and 255");
	expect_error("tasks: 3\n", "t.conf:1:8: tasks: expected a list of "
	    "tasks, not a scalar value");
	expect_error("tasks:\n  - [1]\n", "t.conf:2:5: tasks[0]: expected "
	    "a task (a mapping with type, name, target...), not a list");
	expect_error("tasks:\n  - {name: a, name: b}\n", "t.conf:2:15: "
	    "tasks[0]: duplicate key \"name\"");
	config_tasks_take(&t);
	assert_int_equal(t.n, 0);
}

/* monitors: declarations, checked as the API checks a body. */
static void
test_monitors_declared(void **state)
{
	struct lopad_conf	 c;
	struct conf_monitors	 m;
	char			*text;
	size_t			 len;
	FILE			*fp;

	(void)state;
	expect_ok("monitors:\n"
	    "  - name: uplinks\n    type: interface\n"
	    "    filter: {interface_name: \"eth*\"}\n"
	    "  - {name: t100, type: route, filter: {route_table: 100, "
	    "route_dst: 10.0.0.0/8}, enabled: false, event_buffer_size: 5,\n"
	    "     webhook_url: \"http://h/\", webhook_secret: s}\n", &c);
	config_monitors_take(&m);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.v[0].name, "uplinks");
	assert_int_equal(m.v[0].p.type, MON_INTERFACE);
	assert_string_equal(m.v[0].p.filter.ifname, "eth*");
	assert_int_equal(m.v[1].p.type, MON_ROUTE);
	assert_int_equal(m.v[1].p.filter.table, 100);
	assert_int_equal(m.v[1].p.enabled, 0);
	assert_int_equal(m.v[1].p.event_buffer_size, 5);
	config_monitors_free(&m);
	config_monitors_take(&m);
	assert_int_equal(m.n, 0);
	/* Printed as JSON flow mappings, which parse again. */
	expect_ok("monitors:\n  - {name: a, type: ip, filter: {prefix: "
	    "198.18.0.0/15}, webhook_url: \"http://h/\", webhook_secret: "
	    "s}\n", &c);
	assert_non_null(fp = open_memstream(&text, &len));
	config_print(fp, &c);
	fclose(fp);
	assert_non_null(strstr(text, "monitors:\n  - {\"type\":\"ip\","));
	assert_non_null(strstr(text, "\"webhook_secret\":\"(secret)\""));
	expect_ok(text, &c);
	free(text);
	config_monitors_take(&m);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].p.webhook_secret, "(secret)");
	config_monitors_free(&m);

	expect_error("monitors:\n  - {name: a, type: ip, filter: {prefix: "
	    "x}}\n", "t.conf:2:34: monitors[0].filter.prefix: \"x\" is not a "
	    "CIDR prefix like 198.18.0.0/15 or 2001:db8::/32");
	expect_error("monitors:\n  - {name: a, type: bogus}\n",
	    "t.conf:2:15: monitors[0].type: \"bogus\": expected "
	    "\"interface\", \"ip\" or \"route\"");
	expect_error("monitors:\n  - {type: ip}\n", "t.conf:2:5: "
	    "monitors[0].name: required: a monitor of the configuration is "
	    "known by its name");
	expect_error("monitors:\n  - {name: a, type: ip}\n"
	    "  - {name: a, type: route}\n", "t.conf:3:6: "
	    "monitors[1].name: \"a\" names monitors[0] already");
	expect_error("monitors:\n  - {name: a, type: interface, filter: "
	    "{route_table: 5}}\n", "t.conf:2:41: monitors[0].filter."
	    "route_table: only for route monitors");
	expect_error("monitors: {a: 1}\n", "t.conf:1:11: monitors: "
	    "expected a list of monitors, not a mapping");
	config_monitors_take(&m);
	assert_int_equal(m.n, 0);
}

/* webhooks: allow (host names and prefixes), queue, max_age, ca_file. */
static void
test_webhooks_keys(void **state)
{
	struct lopad_conf	 c;

	config_defaults(&c);
	assert_int_equal(c.webhooks_allow.n, 0);
	assert_int_equal(c.webhooks_queue, 1000);
	assert_int_equal(c.webhooks_max_age, 3600 * SEC);
	assert_string_equal(c.webhooks_ca_file,
	    "/etc/ssl/certs/ca-certificates.crt");
	expect_ok("webhooks:\n  allow: [Hooks.Example.COM., \"198.18.0.0/15\", "
	    "\"2001:db8::1\", a-b.c_d]\n  queue: 5\n  max_age: 2m\n"
	    "  ca_file: \"\"\n", &c);
	assert_int_equal(c.webhooks_allow.n, 4);
	assert_string_equal(c.webhooks_allow.v[0], "hooks.example.com.");
	assert_string_equal(c.webhooks_allow.v[1], "198.18.0.0/15");
	assert_string_equal(c.webhooks_allow.v[2], "2001:db8::1");
	assert_string_equal(c.webhooks_allow.v[3], "a-b.c_d");
	assert_int_equal(c.webhooks_queue, 5);
	assert_int_equal(c.webhooks_max_age, 120 * SEC);
	assert_string_equal(c.webhooks_ca_file, "");
	expect_ok("webhooks: {allow: hooks.example}\n", &c);
	assert_int_equal(c.webhooks_allow.n, 1);
	expect_error("webhooks:\n  allow: [\"-x.example\"]\n", "t.conf:2:11: "
	    "webhooks.allow[0]: \"-x.example\": not a host name or an address "
	    "prefix");
	expect_error("webhooks:\n  allow: [\"a..b\"]\n", "t.conf:2:11: "
	    "webhooks.allow[0]: \"a..b\": not a host name or an address "
	    "prefix");
	expect_error("webhooks:\n  allow: [\"198.18.0.0/33\"]\n",
	    "t.conf:2:11: webhooks.allow[0]: \"198.18.0.0/33\": prefix "
	    "length too long");
	expect_error("webhooks:\n  allow: [\"h/x\"]\n", "t.conf:2:11: "
	    "webhooks.allow[0]: \"h/x\": not an IPv4 or IPv6 address");
	expect_error("webhooks:\n  queue: 0\n", "t.conf:2:10: "
	    "webhooks.queue: \"0\": out of range (1..100000)");
	expect_error("webhooks:\n  max_age: 500ms\n", "t.conf:2:12: "
	    "webhooks.max_age: \"500ms\": out of range (1s..168h0m0s)");
}

/* reflector.allow, rate_per_source, rate_global. */
static void
test_reflector_keys(void **state)
{
	struct lopad_conf	 c;
	struct addr_prefix	 p;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*errstr;

	config_defaults(&c);
	assert_int_equal(c.reflector_allow.n, 0);
	assert_int_equal(c.reflector_rate_per_source, 1000);
	assert_int_equal(c.reflector_rate_global, 100000);
	expect_ok("reflector:\n  allow: [\"198.18.0.0/15\", \"2001:db8::/32\", "
	    "\"127.0.0.1\"]\n  rate_per_source: 0\n  rate_global: 7\n", &c);
	assert_int_equal(c.reflector_allow.n, 3);
	assert_string_equal(c.reflector_allow.v[0], "198.18.0.0/15");
	assert_string_equal(c.reflector_allow.v[1], "2001:db8::/32");
	assert_string_equal(c.reflector_allow.v[2], "127.0.0.1");
	assert_int_equal(c.reflector_rate_per_source, 0);
	assert_int_equal(c.reflector_rate_global, 7);
	expect_ok("reflector: {allow: \"10.0.0.0/8\"}\n", &c);
	assert_int_equal(c.reflector_allow.n, 1);
	assert_string_equal(c.reflector_allow.v[0], "10.0.0.0/8");
	expect_ok("reflector: {allow: []}\n", &c);
	assert_int_equal(c.reflector_allow.n, 0);

	expect_error("reflector: {allow: [\"10.0.0.1/8\"]}\n", "t.conf:1:21: "
	    "reflector.allow[0]: \"10.0.0.1/8\": host bits set after the "
	    "prefix length");
	expect_error("reflector: {allow: [\"10.0.0.0/33\"]}\n", "t.conf:1:21: "
	    "reflector.allow[0]: \"10.0.0.0/33\": prefix length too long");
	expect_error("reflector: {allow: [\"10.0.0.0/\"]}\n", "t.conf:1:21: "
	    "reflector.allow[0]: \"10.0.0.0/\": missing prefix length");
	expect_error("reflector: {allow: [\"ten\"]}\n", "t.conf:1:21: "
	    "reflector.allow[0]: \"ten\": not an IPv4 or IPv6 address");
	expect_error("reflector: {allow: [\"::/x\"]}\n", "t.conf:1:21: "
	    "reflector.allow[0]: \"::/x\": prefix length is not a number");
	expect_error("reflector: {allow: {a: b}}\n", "t.conf:1:20: "
	    "reflector.allow: expected a list of address prefixes, not a "
	    "mapping");
	expect_error("reflector: {allow: [\"0.0.0.0/0\", \"::/0\", "
	    "\"1.0.0.0/8\", \"2.0.0.0/8\", \"3.0.0.0/8\", \"4.0.0.0/8\", "
	    "\"5.0.0.0/8\", \"6.0.0.0/8\", \"7.0.0.0/8\", \"8.0.0.0/8\", "
	    "\"9.0.0.0/8\", \"10.0.0.0/8\", \"11.0.0.0/8\", \"12.0.0.0/8\", "
	    "\"13.0.0.0/8\", \"14.0.0.0/8\", \"15.0.0.0/8\"]}\n",
	    "t.conf:1:20: reflector.allow: more than 16 entries (17)");
	expect_error("reflector: {rate_per_source: -1}\n", "t.conf:1:30: "
	    "reflector.rate_per_source: \"-1\": not an integer");

	/* Matching. */
	assert_int_equal(addr_prefix_parse("198.18.0.0/15", &p, &errstr), 0);
	assert_int_equal(addr_parse("198.19.255.255:1", &ss, &len, &errstr), 0);
	assert_int_equal(addr_prefix_match(&p, (struct sockaddr *)&ss), 1);
	assert_int_equal(addr_parse("198.20.0.0:1", &ss, &len, &errstr), 0);
	assert_int_equal(addr_prefix_match(&p, (struct sockaddr *)&ss), 0);
	assert_int_equal(addr_parse("[2001:db8::1]:1", &ss, &len, &errstr), 0);
	assert_int_equal(addr_prefix_match(&p, (struct sockaddr *)&ss), 0);
	assert_int_equal(addr_prefix_parse("2001:db8::/33", &p, &errstr), 0);
	assert_int_equal(addr_prefix_match(&p, (struct sockaddr *)&ss), 1);
	assert_int_equal(addr_parse("[2001:db8:8000::1]:1", &ss, &len,
	    &errstr), 0);
	assert_int_equal(addr_prefix_match(&p, (struct sockaddr *)&ss), 0);
	assert_int_equal(addr_prefix_parse("::/0", &p, &errstr), 0);
	assert_int_equal(addr_prefix_match(&p, (struct sockaddr *)&ss), 1);
	assert_int_equal(addr_prefix_parse("127.0.0.1", &p, &errstr), 0);
	assert_int_equal(p.len, 32);
}

/* metrics: and exports:, their bounds and cross-checks. */
static void
test_metrics_exports_keys(void **state)
{
	struct lopad_conf	 c;
	char			 yaml[512], path[] = "/tmp/lopa-token-XXXXXX";
	int			 fd;

	(void)state;
	expect_ok("metrics:\n  buckets: 5\n  bucket_start: 1ms\n"
	    "  bucket_factor: 10\n  histograms: false\n", &c);
	assert_int_equal(c.metrics_buckets, 5);
	assert_true(c.metrics_bucket_start == 1000000);
	assert_int_equal(c.metrics_bucket_factor, 10);
	assert_int_equal(c.metrics_histograms, 0);
	expect_error("metrics:\n  buckets: 33\n", "t.conf:2:12: "
	    "metrics.buckets: \"33\": out of range (1..32)");
	expect_error("metrics:\n  bucket_factor: 1\n", "t.conf:2:18: "
	    "metrics.bucket_factor: \"1\": out of range (2..10)");
	expect_error("exports:\n  influx_url: ftp://x/\n",
	    "t.conf: exports.influx_url: not an http or https URL");
	expect_error("exports:\n  influx_token_file: /nonexistent/t\n",
	    "t.conf: exports.influx_token_file /nonexistent/t: No such "
	    "file or directory");
	expect_error("exports:\n  influx_measurement: \"\"\n",
	    "t.conf: exports.influx_measurement: empty or with a line break");
	/* The token: the first line, read by the parser. */
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, "s3cret\nmore\n", 12), 12);
	close(fd);
	snprintf(yaml, sizeof(yaml), "exports:\n  influx_url: "
	    "http://198.18.0.1:8086/write?db=x\n  influx_token_file: %s\n"
	    "  results_log: /tmp/r.jsonl\n", path);
	expect_ok(yaml, &c);
	assert_string_equal(c.exports_influx_token, "s3cret");
	assert_string_equal(c.exports_results_log, "/tmp/r.jsonl");
	/* An empty file has no token. */
	assert_int_equal(truncate(path, 0), 0);
	snprintf(yaml, sizeof(yaml), "exports:\n  influx_token_file: %s\n",
	    path);
	{
		struct conf_errs	 e;

		assert_int_equal(parse(yaml, &c, &e), -1);
		assert_non_null(strstr(e.msg[0], "no token in it"));
	}
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_listen_forms),
		cmocka_unit_test(test_err_syntax),
		cmocka_unit_test(test_err_unknown_key),
		cmocka_unit_test(test_err_wrong_type),
		cmocka_unit_test(test_err_bad_boolean),
		cmocka_unit_test(test_err_bad_integer),
		cmocka_unit_test(test_err_bad_duration),
		cmocka_unit_test(test_err_bad_level),
		cmocka_unit_test(test_err_bad_address),
		cmocka_unit_test(test_err_too_long),
		cmocka_unit_test(test_err_nul_byte),
		cmocka_unit_test(test_err_duplicate_key),
		cmocka_unit_test(test_err_listen_count),
		cmocka_unit_test(test_err_relative_path),
		cmocka_unit_test(test_err_collected),
		cmocka_unit_test(test_err_appended),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_env_overrides),
		cmocka_unit_test(test_env_over_file),
		cmocka_unit_test(test_env_errors),
		cmocka_unit_test(test_print_defaults),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_print_escapes),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_tokens_mode),
		cmocka_unit_test(test_tokens_errors),
		cmocka_unit_test(test_tokens_max),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_addr_loopback),
		cmocka_unit_test(test_reflector_keys),
		cmocka_unit_test(test_webhooks_keys),
		cmocka_unit_test(test_tasks_declared),
		cmocka_unit_test(test_monitors_declared),
		cmocka_unit_test(test_metrics_exports_keys),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
