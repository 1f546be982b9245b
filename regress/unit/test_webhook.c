/*
 * Unit tests: webhook signatures and URL checks against webhooks.allow
 * (lopad/webhook.c).  Vectors from Python's hmac module.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lopad.h"
#include "webhook.h"

static void
test_sign(void **state)
{
	char	 out[160];
	char	 tiny[20];

	(void)state;
	assert_int_equal(webhook_sign("key", 1700000000, "{\"a\":1}", 7, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "t=1700000000,v1="
	    "a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03");
	/* An empty body, a UTF-8 key. */
	assert_int_equal(webhook_sign("s3cr\xc3\xa9t", 0, "", 0, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "t=0,v1="
	    "ddaad4640c13bd5e2e82d37b156e63c1aae6f7bc7fcbc6a139bc345afe1c4cea");
	assert_int_equal(webhook_sign("key", 1, "x", 1, tiny, sizeof(tiny)),
	    -1);
}

static void
allow(struct lopad_conf *c, const char *const *v, size_t n)
{
	size_t	 i;

	memset(c, 0, sizeof(*c));
	c->webhooks_queue = 10;
	c->webhooks_max_age = 1000000000LL;
	for (i = 0; i < n; i++)
		strlcpy(c->webhooks_allow.v[i], v[i],
		    sizeof(c->webhooks_allow.v[i]));
	c->webhooks_allow.n = (uint32_t)n;
	webhook_conf(c);
}

static void
test_url_check(void **state)
{
	static const char *const list[] = {
		"198.18.0.0/15", "2001:db8::/32", "hooks.example.com",
	};
	static const char *const names[] = { "hooks.example.com." };
	struct lopad_conf	 c;
	struct sockaddr_in	 sin;
	const char		*why;

	(void)state;
	allow(&c, NULL, 0);
	assert_int_equal(webhook_url_check("http://10.1.2.3/x", &why), 1);
	assert_int_equal(webhook_url_check("https://any.example:8443/", &why),
	    1);
	assert_int_equal(webhook_url_check("ftp://h/", &why), -1);
	assert_string_equal(why, "not an http or https URL");
	assert_int_equal(webhook_url_check("http://", &why), -1);
	assert_int_equal(webhook_url_check("not a url", &why), -1);
	assert_int_equal(webhook_url_check("http://[fe80::1%25eth0]/", &why),
	    -1);

	allow(&c, list, 3);
	assert_int_equal(webhook_url_check("http://198.19.255.1:81/", &why), 1);
	assert_int_equal(webhook_url_check("http://198.20.0.1/", &why), -1);
	assert_string_equal(why, "outside webhooks.allow");
	assert_int_equal(webhook_url_check("http://[2001:db8::5]/", &why), 1);
	assert_int_equal(webhook_url_check("http://[2001:db9::5]/", &why), -1);
	assert_int_equal(webhook_url_check("http://HOOKS.example.com/a",
	    &why), 1);
	/* A name not listed: its addresses decide (prefixes are listed). */
	assert_int_equal(webhook_url_check("http://other.example/", &why), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "198.18.7.7", &sin.sin_addr);
	assert_true(webhook_addr_allowed(&sin));
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_false(webhook_addr_allowed(&sin));

	/* Names only: a name not listed is refused at once. */
	allow(&c, names, 1);
	assert_int_equal(webhook_url_check("http://hooks.example.com/", &why),
	    1);
	assert_int_equal(webhook_url_check("http://other.example/", &why), -1);
	assert_int_equal(webhook_url_check("http://127.0.0.1/", &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_url_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
