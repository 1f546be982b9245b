/*
 * Unit tests: problem+json documents (lopad/problem.c).
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

#include "problem.h"

/* Render p, check the framing, parse it back. */
static json_t *
render_and_parse(const struct problem *p, char **textp)
{
	json_error_t	 jerr;
	json_t		*j;
	char		*s;
	size_t		 len = 0;

	s = problem_render(p, &len);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	assert_true(len > 2);
	assert_int_equal(s[len - 1], '\n');
	assert_null(memchr(s, '\n', len - 1));	/* one line */
	j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL)
		fail_msg("not JSON: %s: %s", jerr.text, s);
	assert_true(json_is_object(j));
	if (textp != NULL)
		*textp = s;
	else
		free(s);
	return j;
}

static const char *
str_member(json_t *j, const char *key)
{
	json_t	*v = json_object_get(j, key);

	if (v == NULL || !json_is_string(v))
		fail_msg("member \"%s\" missing or not a string", key);
	return json_string_value(v);
}

static void
test_content_type(void **state)
{
	assert_string_equal(PROBLEM_CONTENT_TYPE, "application/problem+json");
}

static void
test_defaults(void **state)
{
	struct problem	 p = { .status = 404 };
	json_t		*j;

	j = render_and_parse(&p, NULL);
	assert_string_equal(str_member(j, "type"), "about:blank");
	assert_string_equal(str_member(j, "title"), "Not Found");
	assert_int_equal(json_integer_value(json_object_get(j, "status")), 404);
	/* No detail given: the title stands in, and error equals detail. */
	assert_string_equal(str_member(j, "detail"), "Not Found");
	assert_string_equal(str_member(j, "error"), "Not Found");
	assert_null(json_object_get(j, "field"));
	assert_null(json_object_get(j, "errors"));
	assert_int_equal(json_object_size(j), 5);
	json_decref(j);
}

static void
test_members_in_order(void **state)
{
	struct problem	 p = { .status = 405, .detail = "use GET" };
	char		*s;
	json_t		*j;

	j = render_and_parse(&p, &s);
	assert_string_equal(s, "{\"type\":\"about:blank\",\"title\":"
	    "\"Method Not Allowed\",\"status\":405,\"detail\":\"use GET\","
	    "\"error\":\"use GET\"}\n");
	free(s);
	json_decref(j);
}

static void
test_detail_field_type(void **state)
{
	struct problem	 p = {
		.status = 400,
		.type = "https://lopa.example/problems/bad-field",
		.title = "Invalid field",
		.detail = "count: must be at least 1",
		.field = "count",
	};
	json_t		*j;

	j = render_and_parse(&p, NULL);
	assert_string_equal(str_member(j, "type"),
	    "https://lopa.example/problems/bad-field");
	assert_string_equal(str_member(j, "title"), "Invalid field");
	assert_string_equal(str_member(j, "detail"),
	    "count: must be at least 1");
	assert_string_equal(str_member(j, "error"),
	    "count: must be at least 1");
	assert_string_equal(str_member(j, "field"), "count");
	json_decref(j);
}

static void
test_errors_list(void **state)
{
	const char	*errs[] = {
		"/etc/lopad/lopad.conf:3:1: bogus_key: unknown key",
		"/etc/lopad/lopad.conf:7:12: log.level: must be one of error, "
		    "warning, info, debug",
	};
	struct problem	 p = {
		.status = 422,
		.detail = "configuration not reloaded",
		.errors = errs,
		.nerrors = 2,
	};
	json_t		*j, *list;

	j = render_and_parse(&p, NULL);
	assert_string_equal(str_member(j, "title"), "Unprocessable Content");
	list = json_object_get(j, "errors");
	assert_true(json_is_array(list));
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_array_get(list, 0)), errs[0]);
	assert_string_equal(json_string_value(json_array_get(list, 1)), errs[1]);
	json_decref(j);
}

static void
test_empty_errors_list(void **state)
{
	const char	*none[1] = { NULL };
	struct problem	 p = { .status = 422, .errors = none, .nerrors = 0 };
	json_t		*j, *list;

	j = render_and_parse(&p, NULL);
	list = json_object_get(j, "errors");
	assert_true(json_is_array(list));
	assert_int_equal(json_array_size(list), 0);
	json_decref(j);
}

static void
test_escaping(void **state)
{
	const char	*odd = "quote \" backslash \\ newline \n tab \t "
	    "bell \a nul-free \x01\x1f slash / </script> \x7f";
	struct problem	 p = { .status = 404, .detail = odd };
	char		*s;
	json_t		*j;

	j = render_and_parse(&p, &s);
	/* The text survives the round trip unchanged. */
	assert_string_equal(str_member(j, "detail"), odd);
	assert_string_equal(str_member(j, "error"), odd);
	/* And is escaped in the document: no raw control characters. */
	assert_non_null(strcasestr(s, "quote \\\" backslash \\\\ newline "
	    "\\n tab \\t bell \\u0007 nul-free \\u0001\\u001f"));
	for (const char *c = s; c[1] != '\0'; c++)
		if ((unsigned char)*c < 0x20)
			fail_msg("raw control character 0x%02x in %s", *c, s);
	free(s);
	json_decref(j);
}

static void
test_invalid_utf8_replaced(void **state)
{
	struct {
		const char	*in, *want;
	} cases[] = {
		{ "plain", "plain" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },		/* valid é */
		{ "\xe2\x82\xac \xf0\x9f\x98\x80", "\xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "/api/\xff", "/api/\xef\xbf\xbd" },		/* stray byte */
		{ "\xc3", "\xef\xbf\xbd" },			/* cut short */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
							/* surrogate */
		{ "\xf4\x90\x80\x80x", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbdx" },				/* > U+10FFFF */
		{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },
	};
	size_t		 i;
	char		*out;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = problem_utf8(cases[i].in);
		assert_non_null(out);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\"", i, out);
		free(out);
	}
}

static void
test_invalid_utf8_in_document(void **state)
{
	const char	*errs[] = { "line \xfe" };
	struct problem	 p = {
		.status = 404,
		.detail = "no route for /x\xff\xfe",
		.field = "f\x80",
		.errors = errs,
		.nerrors = 1,
	};
	json_t		*j;

	/* jansson refuses invalid UTF-8: without repair there is no document. */
	j = render_and_parse(&p, NULL);
	assert_string_equal(str_member(j, "detail"),
	    "no route for /x\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(str_member(j, "field"), "f\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(j, "errors"), 0)), "line \xef\xbf\xbd");
	json_decref(j);
}

static void
test_titles(void **state)
{
	assert_string_equal(problem_title(400), "Bad Request");
	assert_string_equal(problem_title(401), "Unauthorized");
	assert_string_equal(problem_title(403), "Forbidden");
	assert_string_equal(problem_title(413), "Content Too Large");
	assert_string_equal(problem_title(415), "Unsupported Media Type");
	assert_string_equal(problem_title(431),
	    "Request Header Fields Too Large");
	assert_string_equal(problem_title(503), "Service Unavailable");
	assert_string_equal(problem_title(499), "Client Error");
	assert_string_equal(problem_title(599), "Server Error");
	assert_string_equal(problem_title(0), "Unknown Status");
}

static void
test_long_detail(void **state)
{
	struct problem	 p = { .status = 400 };
	char		*big;
	json_t		*j;

	big = malloc(100001);
	assert_non_null(big);
	memset(big, 'x', 100000);
	big[100000] = '\0';
	p.detail = big;
	j = render_and_parse(&p, NULL);
	assert_int_equal(strlen(str_member(j, "detail")), 100000);
	json_decref(j);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_members_in_order),
		cmocka_unit_test(test_detail_field_type),
		cmocka_unit_test(test_errors_list),
		cmocka_unit_test(test_empty_errors_list),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_invalid_utf8_in_document),
		cmocka_unit_test(test_titles),
		cmocka_unit_test(test_long_detail),
	};

	return cmocka_run_group_tests_name("problem", tests, NULL, NULL);
}
