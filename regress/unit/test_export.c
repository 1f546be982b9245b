/*
 * Unit tests: push exports (lopad/export.c): InfluxDB line protocol
 * (escaping, tags, integer and float fields, Telegraf's ping fields) and
 * the results log's JSON lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "export.h"

static void
result(struct export_result *x)
{
	static const char labels[] = "site\0a b,c=d\"e\\f\0type\0x\0";

	memset(x, 0, sizeof(*x));
	x->key = 7;
	x->type = TASK_PING;
	x->mode = TASK_CONTINUOUS;
	x->kind = EXPORT_WINDOW;
	x->index = 3;
	x->t_from = INT64_C(1796198400000000000);
	x->t_to = INT64_C(1796198460000000000);
	x->window_ns = INT64_C(60000000000);
	strlcpy(x->name, "core 1", sizeof(x->name));
	strlcpy(x->target, "198.18.0.1", sizeof(x->target));
	strlcpy(x->ip, "198.18.0.1", sizeof(x->ip));
	memcpy(x->labels, labels, sizeof(labels) - 1);
	x->labels_len = sizeof(labels) - 1;
	x->st.sent = 60;
	x->st.received = 57;
	x->st.lost = 3;
	x->st.loss_rate = 0.05;
	x->st.min_rtt = 1000000;
	x->st.avg_rtt = 1500000;
	x->st.max_rtt = 2500000;
	x->st.stddev_rtt = 250000;
}

static void
test_line(void **state)
{
	struct export_result	 x;
	struct mbuf		 b;

	(void)state;
	result(&x);
	memset(&b, 0, sizeof(b));
	export_line(&b, &x, "node,1", "lo pa");
	/* Measurement and tags escaped, empty tags left out. */
	assert_int_equal(strncmp(b.p, "lo\\ pa,node=node\\,1,task=node\\,1-7,"
	    "name=core\\ 1,type=ping,mode=continuous,target=198.18.0.1,"
	    "ip=198.18.0.1,site=a\\ b\\,c\\=d\"e\\\\f,label_type=x "
	    "window=3i,window_ns=60000000000i,sent=60i,received=57i,lost=3i,",
	    strlen("lo\\ pa,node=node\\,1,task=node\\,1-7,"
	    "name=core\\ 1,type=ping,mode=continuous,target=198.18.0.1,"
	    "ip=198.18.0.1,site=a\\ b\\,c\\=d\"e\\\\f,label_type=x "
	    "window=3i,window_ns=60000000000i,sent=60i,received=57i,lost=3i,")),
	    0);
	assert_non_null(strstr(b.p, ",loss_rate=0.050000000000000003,"));
	assert_non_null(strstr(b.p, ",rtt_avg_ns=1500000i,"));
	/* Telegraf's ping plugin. */
	assert_non_null(strstr(b.p, ",packets_transmitted=60i,"
	    "packets_received=57i,percent_packet_loss=5,"
	    "minimum_response_ms=1,average_response_ms=1.5,"
	    "maximum_response_ms=2.5,standard_deviation_ms=0.25 "
	    "1796198460000000000\n"));
	/* One line, ending in a newline. */
	assert_ptr_equal(strchr(b.p, '\n'), b.p + b.len - 1);
	mbuf_free(&b);

	/* No replies: no RTT fields; a newline in a tag is a space. */
	result(&x);
	x.type = TASK_TCP;
	x.st.received = 0;
	strlcpy(x.name, "a\nb", sizeof(x.name));
	export_line(&b, &x, "n", "lopa");
	assert_null(strstr(b.p, "rtt_"));
	assert_null(strstr(b.p, "packets_transmitted"));
	assert_non_null(strstr(b.p, ",name=a\\ b,"));
	assert_ptr_equal(strchr(b.p, '\n'), b.p + b.len - 1);
	mbuf_free(&b);
}

static void
test_json(void **state)
{
	struct export_result	 x;
	struct export_probe	 p;
	json_t			*j;

	(void)state;
	result(&x);
	assert_non_null(j = export_json(&x, "n"));
	assert_string_equal(json_string_value(json_object_get(j, "task_id")),
	    "n-7");
	assert_string_equal(json_string_value(json_object_get(j, "kind")),
	    "window");
	assert_string_equal(json_string_value(json_object_get(j, "time")),
	    "2026-12-02T08:01:00Z");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "stats"), "sent")), 60);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j,
	    "labels"), "site")), "a b,c=d\"e\\f");
	assert_null(json_object_get(j, "twamp"));
	json_decref(j);

	memset(&p, 0, sizeof(p));
	p.key = 9;
	p.type = TASK_UDP;
	p.pr.seq = 4;
	p.pr.kind = PROBE_K_FATE;
	p.pr.status = PROBE_OK;
	p.pr.rtt_ns = 1234;
	assert_non_null(j = export_probe_json(&p, "n"));
	assert_string_equal(json_string_value(json_object_get(j, "task_id")),
	    "n-9");
	assert_int_equal(json_integer_value(json_object_get(j, "rtt")), 1234);
	assert_string_equal(json_string_value(json_object_get(j, "type")),
	    "udp");
	json_decref(j);
}

/* A passive interval: a line per interface, and its JSON. */
static void
test_passive(void **state)
{
	struct export_result	 x;
	struct mbuf		 b;
	json_t			*j;

	(void)state;
	result(&x);
	x.type = TASK_PASSIVE;
	x.mode = TASK_DURATION;
	x.kind = EXPORT_INTERVAL;
	x.npassive = 2;
	x.dt_ns = 2000000000;
	strlcpy(x.pnames[0], "veth0", sizeof(x.pnames[0]));
	strlcpy(x.pnames[1], "eth 1", sizeof(x.pnames[1]));
	x.pd[0][PC_BYTES_IN] = 1000;
	x.pd[0][PC_PACKETS_OUT] = 10;
	x.pd[1][PC_DROPS_IN] = 3;
	memset(&b, 0, sizeof(b));
	export_line(&b, &x, "n", "lopa");
	assert_non_null(strstr(b.p, ",interface=veth0,site="));
	assert_non_null(strstr(b.p, ",interface=eth\\ 1,"));
	assert_non_null(strstr(b.p, " interval=3i,interval_ns=2000000000i,"
	    "bytes_in=1000i,bytes_out=0i,packets_in=0i,packets_out=10i,"));
	assert_non_null(strstr(b.p, ",bps_in=4000,bps_out=0,pps_in=0,"
	    "pps_out=5 1796198460000000000\n"));
	assert_non_null(strstr(b.p, ",drops_in=3i,"));
	assert_null(strstr(b.p, "sent="));
	mbuf_free(&b);
	assert_non_null(j = export_json(&x, "n"));
	assert_string_equal(json_string_value(json_object_get(j, "kind")),
	    "interval");
	assert_int_equal(json_array_size(json_object_get(j, "interfaces")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(j, "interfaces"), 1), "drops_in")), 3);
	assert_null(json_object_get(j, "stats"));
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_passive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
