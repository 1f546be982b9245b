/*
 * Unit tests: the /metrics exposition (lopad/metrics.c): histograms and
 * their widening, rows packed and parsed, malformed rows refused, label
 * escaping and names, exact seconds, both formats, the series budget and
 * the daemon's families from a status document.
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

#include "alert.h"
#include "metrics.h"
#include "task.h"

static int64_t	 bounds[METRICS_BUCKETS_DEF];

static void
default_bounds(void)
{
	int	 i;

	for (i = 0; i < METRICS_BUCKETS_DEF; i++)
		bounds[i] = (int64_t)METRICS_BUCKET_MIN_NS << i;
}

static void
test_hist(void **state)
{
	struct metrics_hist	*h;

	(void)state;
	default_bounds();
	assert_non_null(h = metrics_hist_new(METRICS_BUCKETS_DEF));
	/* le: a value equal to a bound is in that bucket. */
	metrics_hist_add(h, bounds, METRICS_BUCKETS_DEF, 50000);
	metrics_hist_add(h, bounds, METRICS_BUCKETS_DEF, 50001);
	metrics_hist_add(h, bounds, METRICS_BUCKETS_DEF, 0);
	metrics_hist_add(h, bounds, METRICS_BUCKETS_DEF, -5);
	metrics_hist_add(h, bounds, METRICS_BUCKETS_DEF,
	    INT64_C(30000000000));
	assert_int_equal(metrics_hist_count(h, 0), 3);
	assert_int_equal(metrics_hist_count(h, 1), 1);
	assert_int_equal(metrics_hist_count(h, METRICS_BUCKETS_DEF), 1);
	assert_true(h->sum_ns == 50000 + 50001 + 0 - 5 + INT64_C(30000000000));
	/* A count at 2^32 - 1 widens to 64 bits, keeping every count. */
	h->c[3] = UINT32_MAX;
	metrics_hist_add(h, bounds, METRICS_BUCKETS_DEF, 300000);
	assert_non_null(h->wide);
	assert_true(metrics_hist_count(h, 3) == (uint64_t)UINT32_MAX + 1);
	assert_int_equal(metrics_hist_count(h, 0), 3);
	metrics_hist_add(h, bounds, METRICS_BUCKETS_DEF, 300000);
	assert_true(metrics_hist_count(h, 3) == (uint64_t)UINT32_MAX + 2);
	metrics_hist_free(h);
	/* Bounds: 50 us x 2^n; and fewer than asked past INT64_MAX. */
	{
		int64_t	 b[METRICS_BUCKETS_MAX];

		assert_int_equal(metrics_bounds(50000, 2, 20, b), 20);
		assert_memory_equal(b, bounds, sizeof(bounds));
		assert_int_equal(metrics_bounds(INT64_C(10000000000), 10, 32,
		    b), 9);
		assert_true(b[8] == INT64_C(1000000000000000000));
		assert_int_equal(metrics_bounds(1000, 2, 40, b),
		    METRICS_BUCKETS_MAX);
	}
}

/* A row as the engine packs it. */
static size_t
make_row(void *buf, uint32_t key, uint32_t type, uint32_t nb, uint32_t flags,
    const char *name, const char *target, const char *ip,
    const char *labels, size_t llen, uint32_t nif)
{
	struct metrics_row	*r = buf;
	char			*p;
	size_t			 len, nl, tl, il, i;

	nl = strlen(name) + 1;
	tl = strlen(target) + 1;
	il = strlen(ip) + 1;
	len = metrics_row_size(nb, flags, nif, nl, tl, il, llen);
	memset(r, 0, len);
	r->len = (uint32_t)len;
	r->key = key;
	r->type = (uint8_t)type;
	r->status = TASK_RUNNING;
	r->family = 4;
	r->dscp = -1;
	r->flags = flags | MR_F_UP;
	r->nbuckets = nb;
	r->npassive = nif;
	r->name_len = (uint32_t)nl;
	r->target_len = (uint32_t)tl;
	r->ip_len = (uint32_t)il;
	r->labels_len = (uint32_t)llen;
	r->sent = 10;
	r->received = 9;
	r->lost = 1;
	r->rtt_sum_ns = 1234567;
	r->jitter_ns = 1500;
	r->fwd_hops = r->bwd_hops = -1;
	p = (char *)(r + 1);
	for (i = 0; nb > 0 && i <= nb * ((flags & MR_F_TWAMP) ? 3 : 1); i++)
		((uint64_t *)p)[i] = i % (nb + 1) < 2 ? 0 : 9;
	p += nb > 0 ? (nb + 1) * 8 * ((flags & MR_F_TWAMP) ? 3 : 1) : 0;
	for (i = 0; i < nif; i++) {
		struct metrics_if *mi = (struct metrics_if *)p + i;

		snprintf(mi->name, sizeof(mi->name), "veth%zu", i);
		mi->c[0] = 1000 + i;
		mi->c[1] = 2000 + i;
	}
	p += nif * sizeof(struct metrics_if);
	memcpy(p, name, nl);
	memcpy(p + nl, target, tl);
	memcpy(p + nl + tl, ip, il);
	memcpy(p + nl + tl + il, labels, llen);
	return len;
}

static char *
render(struct metrics_task *t, size_t n, int om, uint64_t budget,
    size_t *nrender)
{
	struct metrics_ctx	 c;
	struct mbuf		 b;
	size_t			 i;

	memset(&c, 0, sizeof(c));
	memset(&b, 0, sizeof(b));
	c.openmetrics = om;
	c.node = "n\"1";
	c.bounds = bounds;
	c.nbounds = METRICS_BUCKETS_DEF;
	c.task_labels = 1;
	c.max_series = budget;
	c.tasks = t;
	c.ntasks = n;
	metrics_tasks_plan(&c);
	for (i = 0; i < metrics_task_families(); i++)
		metrics_task_family(&b, &c, i);
	metrics_end(&b, &c);
	metrics_ctx_free(&c);
	if (nrender != NULL)
		*nrender = c.nrender;
	assert_false(b.failed);
	return b.p;
}

static void
test_rows(void **state)
{
	static uint64_t		 buf[4096];
	static const char	 labels[] = "le\0x\0site\0a\"b\\c\nd\0x-y\0z";
	struct metrics_task	 t[3];
	size_t			 off = 0, used, n;
	char			*s;

	(void)state;
	default_bounds();
	off += make_row((char *)buf + off, 1, TASK_PING, METRICS_BUCKETS_DEF,
	    0, "web", "example.org", "198.18.0.1", labels, sizeof(labels), 0);
	off += make_row((char *)buf + off, 2, TASK_TWAMP, METRICS_BUCKETS_DEF,
	    MR_F_TWAMP, "", "198.18.0.2:862", "198.18.0.2", "", 0, 0);
	off += make_row((char *)buf + off, 3, TASK_PASSIVE, 0, 0, "if", "veth0",
	    "", "", 0, 2);
	for (n = 0, used = 0; n < 3; n++) {
		size_t u;

		assert_int_equal(metrics_row_parse((char *)buf + used,
		    off - used, &t[n], &u), 0);
		used += u;
	}
	assert_int_equal(used, off);
	assert_string_equal(t[0].name, "web");
	assert_string_equal(t[1].target, "198.18.0.2:862");
	assert_non_null(t[1].fwd);
	assert_null(t[0].fwd);
	assert_string_equal(t[2].ifs[1].name, "veth1");

	s = render(t, 3, 0, 0, NULL);
	/* Escaped values; a task label named like ours gets label_. */
	assert_non_null(strstr(s, "lopad_probe_sent_total{task=\"n\\\"1-1\","
	    "name=\"web\",type=\"ping\",target=\"example.org\","
	    "ip=\"198.18.0.1\",family=\"4\",label_le=\"x\","
	    "site=\"a\\\"b\\\\c\\nd\",x_y=\"z\"} 10\n"));
	assert_non_null(strstr(s, "# TYPE lopad_probe_sent_total counter\n"));
	/* Buckets cumulative as sent, bounds exact, +Inf, sum and count. */
	assert_non_null(strstr(s, ",le=\"0.00005\"} 0\n"));
	assert_non_null(strstr(s, ",le=\"26.2144\"} 9\n"));
	assert_non_null(strstr(s, ",le=\"+Inf\"} 9\n"));
	assert_non_null(strstr(s, "lopad_probe_rtt_seconds_sum{task=\"n\\\"1-1\""));
	assert_non_null(strstr(s, "} 0.001234567\n"));
	assert_non_null(strstr(s, "lopad_probe_jitter_seconds{"));
	assert_non_null(strstr(s, "} 0.0000015\n"));
	assert_non_null(strstr(s, "lopad_twamp_forward_delay_seconds_bucket{"
	    "task=\"n\\\"1-2\""));
	/* Passive: interface counters, no probe counters. */
	assert_non_null(strstr(s, "lopad_interface_transmit_bytes_total{"
	    "task=\"n\\\"1-3\",name=\"if\",type=\"passive\",target=\"veth0\","
	    "family=\"4\",interface=\"veth1\"} 2001\n"));
	/* No name: no name label. */
	assert_non_null(strstr(s, "lopad_task_up{task=\"n\\\"1-2\",type=\"twamp\","));
	assert_null(strstr(s, "lopad_probe_sent_total{task=\"n\\\"1-3\""));
	/* Each family's HELP and TYPE once. */
	assert_ptr_equal(strstr(s, "# TYPE lopad_task_up gauge"),
	    strrchr(s, '#') != NULL ? strstr(s, "# TYPE lopad_task_up gauge") :
	    NULL);
	assert_null(strstr(strstr(s, "# TYPE lopad_task_up") + 1,
	    "# TYPE lopad_task_up"));
	assert_null(strstr(s, "# EOF"));
	free(s);

	/* OpenMetrics: counters' families without _total, units, EOF. */
	s = render(t, 3, 1, 0, NULL);
	assert_non_null(strstr(s, "# TYPE lopad_probe_sent counter\n"));
	assert_non_null(strstr(s, "# UNIT lopad_probe_rtt_seconds seconds\n"));
	assert_non_null(strstr(s, "\nlopad_probe_sent_total{"));
	assert_int_equal(strcmp(s + strlen(s) - 6, "# EOF\n"), 0);
	free(s);

	/* The budget keeps whole tasks, the first ones. */
	s = render(t, 3, 0, 40, &n);
	assert_int_equal(n, 1);
	assert_null(strstr(s, "n\\\"1-2"));
	free(s);
}

static void
test_rows_malformed(void **state)
{
	static uint64_t		 buf[1024];
	struct metrics_task	 t;
	struct metrics_row	*r = (struct metrics_row *)buf;
	size_t			 len, used;

	(void)state;
	len = make_row(buf, 1, TASK_PING, 4, 0, "a", "b", "c", "k\0v", 4, 0);
	assert_int_equal(metrics_row_parse(buf, len, &t, &used), 0);
	assert_int_equal(metrics_row_parse(buf, len - 8, &t, &used), -1);
	r->len += 8;
	assert_int_equal(metrics_row_parse(buf, len + 8, &t, &used), -1);
	r->len -= 8;
	r->name_len = 3;	/* "a\0" is 2 */
	assert_int_equal(metrics_row_parse(buf, len, &t, &used), -1);
	r->name_len = 2;
	r->nbuckets = METRICS_BUCKETS_MAX + 1;
	assert_int_equal(metrics_row_parse(buf, len, &t, &used), -1);
	r->nbuckets = 4;
	r->flags |= MR_F_TWAMP;
	assert_int_equal(metrics_row_parse(buf, len, &t, &used), -1);
	r->flags &= ~MR_F_TWAMP;
	/* The labels' last NUL, before the padding. */
	((char *)buf)[sizeof(struct metrics_row) + 5 * 8 + 2 + 2 + 2 + 4 - 1] =
	    'x';
	assert_int_equal(metrics_row_parse(buf, len, &t, &used), -1);
	assert_int_equal(metrics_row_parse((char *)buf + 4, len, &t, &used),
	    -1);
}

static void
test_names_and_values(void **state)
{
	struct mbuf	 b;
	const char	*kv[] = { "a", "x\"\\\ny", NULL };

	(void)state;
	memset(&b, 0, sizeof(b));
	metrics_label_name(&b, "9a-b.c_D");
	assert_string_equal(b.p, "_a_b_c_D");
	mbuf_free(&b);
	metrics_sample(&b, "m", kv, 0.1);
	assert_string_equal(b.p, "m{a=\"x\\\"\\\\\\ny\"} 0.1\n");
	mbuf_free(&b);
	metrics_sample(&b, "m", NULL, 1.0 / 3);
	assert_string_equal(b.p, "m 0.33333333333333331\n");
	mbuf_free(&b);
	metrics_sample_u(&b, "m", NULL, UINT64_MAX);
	assert_string_equal(b.p, "m 18446744073709551615\n");
	mbuf_free(&b);
	assert_true(metrics_wants_openmetrics("application/openmetrics-text;"
	    " version=1.0.0,text/plain;version=0.0.4;q=0.5"));
	assert_false(metrics_wants_openmetrics("text/plain"));
	/* Prometheus's own header, and quality values. */
	assert_true(metrics_wants_openmetrics("application/openmetrics-text;"
	    "version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
	    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
	assert_false(metrics_wants_openmetrics("application/openmetrics-text;"
	    "q=0, text/plain"));
	assert_false(metrics_wants_openmetrics("application/openmetrics-text;"
	    " q=0.4, text/plain; q=0.5"));
	assert_true(metrics_wants_openmetrics("text/plain;q=0.2, "
	    "Application/OpenMetrics-Text"));
	assert_false(metrics_wants_openmetrics("*/*"));
	assert_false(metrics_wants_openmetrics(NULL));
}

static void
test_daemon(void **state)
{
	struct metrics_ctx	 c;
	struct mbuf		 b;
	json_t			*st;

	(void)state;
	st = json_loads("{\"uptime\":2500000000,\"config\":{\"reloads\":3,"
	    "\"last_reload_successful\":false,\"last_reload_success\":"
	    "\"2026-12-02T08:00:00Z\"},\"processes\":[{\"role\":\"engine\","
	    "\"rss\":4096,\"cpu_ns\":1500000000}],\"webhooks\":{\"delivered\":"
	    "7,\"queued\":8,\"queue_length\":1},\"reflector\":{\"twamp\":"
	    "{\"up\":true,\"received\":5,\"reflected\":4,\"dropped\":1,"
	    "\"drops\":{\"acl\":1}}},\"netlink\":{\"resyncs\":2,\"events_by\":"
	    "{\"route\":{\"add\":6}}}}", 0, NULL);
	assert_non_null(st);
	memset(&c, 0, sizeof(c));
	memset(&b, 0, sizeof(b));
	c.node = "n";
	metrics_daemon(&b, &c, st, "0.1.0", "abc");
	assert_non_null(strstr(b.p, "lopad_build_info{version=\"0.1.0\","
	    "revision=\"abc\",node=\"n\"} 1\n"));
	assert_non_null(strstr(b.p, "# TYPE lopad_build_info gauge\n"));
	assert_non_null(strstr(b.p, "lopad_uptime_seconds 2.5\n"));
	assert_non_null(strstr(b.p, "lopad_config_last_reload_successful 0\n"));
	assert_non_null(strstr(b.p,
	    "lopad_config_last_reload_success_timestamp_seconds 1796198400\n"));
	assert_non_null(strstr(b.p, "lopad_process_cpu_seconds_total{role="
	    "\"engine\"} 1.5\n"));
	assert_non_null(strstr(b.p, "lopad_webhook_deliveries_total{result="
	    "\"delivered\"} 7\n"));
	assert_non_null(strstr(b.p, "lopad_reflector_packets_total{listener="
	    "\"twamp\",result=\"dropped\"} 1\n"));
	assert_non_null(strstr(b.p, "lopad_reflector_drops_total{listener="
	    "\"twamp\",reason=\"acl\"} 1\n"));
	assert_null(strstr(b.p, "listener=\"udp_echo\""));
	assert_non_null(strstr(b.p, "lopad_netlink_events_total{type=\"route\","
	    "change=\"add\"} 6\n"));
	assert_non_null(strstr(b.p, "lopad_netlink_resyncs_total 2\n"));
	mbuf_free(&b);
	c.openmetrics = 1;
	metrics_daemon(&b, &c, st, "0.1.0", "abc");
	assert_non_null(strstr(b.p, "# TYPE lopad_build info\n"));
	assert_non_null(strstr(b.p, "# TYPE lopad_config_reloads counter\n"));
	assert_non_null(strstr(b.p,
	    "# UNIT lopad_process_cpu_seconds seconds\n"));
	mbuf_free(&b);
	json_decref(st);
}

/* A task label and a fixed one's label_ form: one name, the first. */
static void
test_label_clash(void **state)
{
	static uint64_t		 buf[1024];
	static const char	 labels[] = "label_type\0b\0type\0a\0";
	struct metrics_task	 t;
	size_t			 len, used;
	char			*s, *p;

	(void)state;
	default_bounds();
	len = make_row(buf, 1, TASK_PING, 0, 0, "", "x", "", labels,
	    sizeof(labels) - 1, 0);
	assert_int_equal(metrics_row_parse(buf, len, &t, &used), 0);
	s = render(&t, 1, 0, 0, NULL);
	assert_non_null(p = strstr(s, "lopad_probe_sent_total{"));
	assert_non_null(strstr(p, ",label_type=\"b\"} 10\n"));
	assert_null(strstr(p, "label_type=\"a\""));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_rows_malformed),
		cmocka_unit_test(test_names_and_values),
		cmocka_unit_test(test_daemon),
		cmocka_unit_test(test_label_clash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
