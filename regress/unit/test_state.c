/*
 * Unit tests: the state file (lopad/state.c): lines of tasks, a written
 * file read back, and files that are not lopad's refused.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "state.h"
#include "task.h"
#include "task_json.h"

static char	 dir[] = "/tmp/lopa-test-state.XXXXXX";
static char	 path[256];

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/state.yaml", dir);
	return 0;
}

static int
teardown(void **state)
{
	char	 p[300];

	(void)state;
	unlink(path);
	snprintf(p, sizeof(p), "%s.tmp", path);
	unlink(p);
	rmdir(dir);
	return 0;
}

static void
params(const char *body, uint32_t type, struct task_params *p)
{
	struct task_json_err	 e;

	if (task_params_parse(body, strlen(body), type, p, &e) != 0)
		fail_msg("refused: %s: %s", body, e.detail);
}

static void
put(const char *text)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static void
test_round_trip(void **state)
{
	struct state_task	 a[2], *got;
	struct stat		 sb;
	char			*lines[2], why[256];
	uint32_t		 next;
	size_t			 n;

	(void)state;
	memset(a, 0, sizeof(a));
	a[0].key = 7;
	params("{\"target\":\"198.18.0.2\",\"mode\":\"continuous\",\"name\":"
	    "\"n\\u00e9\\\"x\",\"thresholds\":{\"loss\":{\"above\":0.25,"
	    "\"clear\":0.1,\"for\":3}},\"webhook_url\":\"https://h/x\","
	    "\"webhook_secret\":\"s\\u00e9cret\"}", TASK_PING, &a[0].p);
	a[1].key = 4000000000U;
	params("{\"target\":\"[2001:db8::1]:862\",\"mode\":\"continuous\","
	    "\"tlvs\":[{\"type\":\"cos\",\"dscp\":46},{\"type\":200,"
	    "\"length\":3}],\"ssid\":9}", TASK_STAMP, &a[1].p);
	assert_non_null(lines[0] = state_task_line(&a[0]));
	assert_non_null(lines[1] = state_task_line(&a[1]));
	assert_int_equal(state_write(path, 4000000001U, lines, 2), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(state_read(path, &next, &got, &n, why, sizeof(why)),
	    0);
	assert_int_equal(next, 4000000001U);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].key, 7);
	assert_memory_equal(&got[0].p, &a[0].p, sizeof(a[0].p));
	assert_string_equal(got[0].p.webhook_secret, "s\xc3\xa9" "cret");
	assert_int_equal(got[1].key, 4000000000U);
	assert_memory_equal(&got[1].p, &a[1].p, sizeof(a[1].p));
	free(got);
	free(lines[0]);
	free(lines[1]);

	/* None. */
	assert_int_equal(state_write(path, 12, NULL, 0), 0);
	assert_int_equal(state_read(path, &next, &got, &n, why, sizeof(why)),
	    0);
	assert_int_equal(next, 12);
	assert_int_equal(n, 0);
	free(got);
	unlink(path);
	assert_int_equal(state_read(path, &next, &got, &n, why, sizeof(why)),
	    1);
	assert_int_equal(next, 1);
}

static void
test_refused(void **state)
{
	static const struct {
		const char	*text;
		const char	*why;
	} t[] = {
		{ "garbage\n", "not lopad's state format" },
		{ "version: 1\ntasks: []\n", "no next_id" },
		{ "next_id: 0\ntasks: []\n", "bad next_id" },
		{ "next_id: 4294967296\n", "bad next_id" },
		{ "next_id: 5\ntasks:\n- {\"key\":1}\n",
		    "without an integer key and a type" },
		{ "next_id: 5\ntasks:\n- {\"key\":1,\"type\":\"ping\"}\n",
		    "target" },
		{ "next_id: 5\ntasks:\n- {\"key\":0,\"type\":\"ping\","
		    "\"target\":\"h\"}\n", "key 0 out of range" },
		{ "next_id: 5\ntasks:\n- {\"key\":1,\"type\":\"nope\"}\n",
		    "unknown type" },
		{ "next_id: 5\ntasks:\n- [1]\n", "without an integer key" },
		{ "next_id: 5\ntasks:\n- {\"key\":1,\n", "not a JSON object" },
		{ "next_id: 5\ntasks:\n  - {}\n", "not lopad's state format" },
	};
	struct state_task	*got;
	char			 why[256];
	uint32_t		 next;
	size_t			 i, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		put(t[i].text);
		if (state_read(path, &next, &got, &n, why, sizeof(why)) != -1)
			fail_msg("accepted: %s", t[i].text);
		if (strstr(why, t[i].why) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", t[i].text, why,
			    t[i].why);
		assert_null(got);
	}
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
