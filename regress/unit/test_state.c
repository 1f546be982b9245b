/*
 * Unit tests: the state file (lopad/state.c): lines of tasks, a written
 * file read back, rewrites from the file as last written and the changes
 * since, and files that are not lopad's refused.
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

#include <fcntl.h>

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

/* Rewrite path from fd (-1 none) with changes; the new file's fd. */
static int
rewrite(int fd, uint32_t next, struct state_change *ch, size_t n)
{
	int	 nfd;

	assert_int_equal(state_rewrite(path, fd, next, ch, n, &nfd), 0);
	assert_true(nfd >= 0);
	if (fd != -1)
		close(fd);
	return nfd;
}

static void
test_round_trip(void **state)
{
	struct state_task	 a[2];
	struct state_file	 got;
	struct state_change	 ch[3];
	struct stat		 sb;
	char			 why[256];
	int			 fd;

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
	memset(ch, 0, sizeof(ch));
	ch[0].key = 7;
	assert_non_null(ch[0].line = state_task_line(&a[0]));
	/* The key first, for rewrites. */
	assert_memory_equal(ch[0].line, "{\"key\":7,", 9);
	ch[1].key = 4000000000U;
	assert_non_null(ch[1].line = state_task_line(&a[1]));
	ch[2].key = 9;
	ch[2].section = STATE_MONITORS;
	ch[2].line = strdup("{\"key\":9,\"type\":\"route\"}");
	fd = rewrite(-1, 4000000001U, ch, 3);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(state_read(path, &got, why, sizeof(why)), 0);
	assert_int_equal(got.next, 4000000001U);
	assert_int_equal(got.ntasks, 2);
	assert_int_equal(got.tasks[0].key, 7);
	assert_memory_equal(&got.tasks[0].p, &a[0].p, sizeof(a[0].p));
	assert_string_equal(got.tasks[0].p.webhook_secret, "s\xc3\xa9" "cret");
	assert_int_equal(got.tasks[1].key, 4000000000U);
	assert_memory_equal(&got.tasks[1].p, &a[1].p, sizeof(a[1].p));
	assert_int_equal(got.nmons, 1);
	assert_int_equal(got.mons[0].key, 9);
	assert_int_equal(got.mons[0].p.type, MON_ROUTE);
	assert_int_equal(got.mons[0].p.enabled, 1);
	state_file_free(&got);
	free(ch[0].line);
	free(ch[1].line);
	free(ch[2].line);

	/* All removed, from the file as written: none. */
	ch[0].line = ch[1].line = ch[2].line = NULL;
	fd = rewrite(fd, 12, ch, 3);
	assert_int_equal(state_read(path, &got, why, sizeof(why)), 0);
	assert_int_equal(got.next, 12);
	assert_int_equal(got.ntasks, 0);
	assert_int_equal(got.nmons, 0);
	state_file_free(&got);
	close(fd);
	unlink(path);
	assert_int_equal(state_read(path, &got, why, sizeof(why)), 1);
	assert_int_equal(got.next, 1);
}

/* The lines of path from its "tasks:" on, as one string. */
static char *
body(void)
{
	static char	 buf[4096];
	FILE		*fp;
	size_t		 n;
	char		*p;

	assert_non_null(fp = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	assert_non_null(p = strstr(buf, "tasks:"));
	return p;
}

static char *
line(uint32_t key, const char *rest)
{
	char	*s;

	assert_true(asprintf(&s, "{\"key\":%u%s}", key, rest) > 0);
	return s;
}

/*
 * Rewrites keep what did not change, in its order: the file as last
 * written is read back (also when its path was removed meanwhile), the
 * last of several changes to a key counts, lines whose key is not first
 * are found too.
 */
static void
test_rewrite(void **state)
{
	struct state_change	 ch[6];
	int			 fd, fd2;

	(void)state;
	memset(ch, 0, sizeof(ch));
	ch[0].key = 3;
	ch[0].line = line(3, ",\"a\":1");
	ch[1].key = 1;
	ch[1].line = line(1, "");
	ch[2].key = 2;
	ch[2].section = STATE_MONITORS;
	ch[2].line = line(2, "");
	fd = rewrite(-1, 10, ch, 3);
	assert_string_equal(body(), "tasks:\n- {\"key\":1}\n- {\"key\":3,"
	    "\"a\":1}\nmonitors:\n- {\"key\":2}\n");
	free(ch[0].line);
	free(ch[1].line);
	free(ch[2].line);

	/* Key 3 changed twice, 1 removed, 4 added; monitors untouched. */
	ch[0].key = 3;
	ch[0].line = line(3, ",\"a\":2");
	ch[1].key = 1;
	ch[1].line = NULL;
	ch[2].key = 4;
	ch[2].line = line(4, "");
	ch[3].key = 3;
	ch[3].line = line(3, ",\"a\":3");
	/* Removed behind lopad's back: written whole from the fd. */
	unlink(path);
	fd = rewrite(fd, 10, ch, 4);
	assert_string_equal(body(), "tasks:\n- {\"key\":3,\"a\":3}\n"
	    "- {\"key\":4}\nmonitors:\n- {\"key\":2}\n");
	/* Sorted in place: every line, wherever it went. */
	free(ch[0].line);
	free(ch[1].line);
	free(ch[2].line);
	free(ch[3].line);

	/* Monitors removed: "monitors: []"; a line with its key last. */
	ch[0].key = 2;
	ch[0].section = STATE_MONITORS;
	ch[0].line = NULL;
	ch[1].key = 5;
	ch[1].section = STATE_TASKS;
	ch[1].line = strdup("{\"b\":\"{\\\"key\\\":9,\",\"key\":5}");
	fd = rewrite(fd, 10, ch, 2);
	assert_string_equal(body(), "tasks:\n- {\"key\":3,\"a\":3}\n"
	    "- {\"key\":4}\n- {\"b\":\"{\\\"key\\\":9,\",\"key\":5}\n"
	    "monitors: []\n");
	free(ch[1].line);
	ch[0].key = 5;
	ch[0].section = STATE_TASKS;
	ch[0].line = NULL;
	fd2 = rewrite(fd, 10, ch, 1);
	assert_string_equal(body(), "tasks:\n- {\"key\":3,\"a\":3}\n"
	    "- {\"key\":4}\nmonitors: []\n");
	/* A file that cannot be written leaves the old one. */
	assert_int_equal(chmod(dir, 0500), 0);
	if (geteuid() != 0) {
		assert_int_equal(state_rewrite(path, fd2, 10, ch, 0, &fd), -1);
		assert_int_equal(fd, -1);
	}
	assert_int_equal(chmod(dir, 0700), 0);
	close(fd2);
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
		{ "next_id: 5\nmonitors:\n- {\"type\":\"ip\"}\n",
		    "a monitor without an integer key" },
		{ "next_id: 5\nmonitors: []\ntasks: []\n",
		    "not lopad's state format" },
	};
	struct state_file	 got;
	char			 why[256];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		put(t[i].text);
		if (state_read(path, &got, why, sizeof(why)) != -1)
			fail_msg("accepted: %s", t[i].text);
		if (strstr(why, t[i].why) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", t[i].text, why,
			    t[i].why);
		assert_null(got.tasks);
		assert_int_equal(got.ntasks, 0);
	}
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
