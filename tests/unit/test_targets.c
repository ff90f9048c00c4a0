#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "upstream/targets.h"

static void test_gitlab_base(void **state)
{
	(void)state;
	assert_string_equal(targets_gitlab_base(NULL), "https://gitlab.com");
	assert_string_equal(targets_gitlab_base(""), "https://gitlab.com");
	assert_string_equal(targets_gitlab_base("http://127.0.0.1:9"), "http://127.0.0.1:9");
}

static void test_gitlab_host(void **state)
{
	(void)state;
	char err[512] = "";
	assert_true(targets_gitlab_host_ok(NULL, "https://gitlab.com/g/p", err, sizeof err));
	assert_true(targets_gitlab_host_ok("https://GitLab.Example.com/", "https://gitlab.example.COM/g/p",
					   err, sizeof err));
	assert_true(targets_gitlab_host_ok("https://h.example:443", "https://h.example/g/p", err,
					   sizeof err));
	assert_false(targets_gitlab_host_ok(NULL, "https://gitlab.evil.example/g/p", err,
					    sizeof err));
	assert_non_null(strstr(err, "repository host gitlab.evil.example does not match your "
				    "gitlab_url host gitlab.com"));
	assert_false(targets_gitlab_host_ok("https://h.example", "https://h.example:8443/g/p", err,
					    sizeof err));
	assert_non_null(strstr(err, "h.example:8443"));
	assert_false(targets_gitlab_host_ok("https://h.example", "http://h.example/g/p", err,
					    sizeof err));
	assert_non_null(strstr(err, "http://h.example does not match your gitlab_url host "
				    "https://h.example"));
	assert_false(targets_gitlab_host_ok("not a url", "https://h.example/g/p", err, sizeof err));
	assert_non_null(strstr(err, "gitlab_url host ?"));
}

static void test_policy(void **state)
{
	(void)state;
	config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.upstream_allow_loopback = true;
	cfg.upstream_deny_private = true;
	netpolicy p = targets_policy(&cfg);
	assert_true(p.allow_loopback);
	assert_false(p.allow_http);
	assert_true(p.deny_private);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gitlab_base),
		cmocka_unit_test(test_gitlab_host),
		cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
