#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "upstream/netpolicy.h"

static netpolicy_class cls(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (strchr(text, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &s4->sin_addr), 1);
	}
	return netpolicy_classify_sockaddr((struct sockaddr *)&ss);
}

static const struct {
	const char *addr;
	netpolicy_class want;
} table[] = {
	{"169.254.169.254", NETPOLICY_LINKLOCAL}, {"169.254.0.0", NETPOLICY_LINKLOCAL},
	{"169.254.255.255", NETPOLICY_LINKLOCAL}, {"169.253.255.255", NETPOLICY_PUBLIC},
	{"169.255.0.0", NETPOLICY_PUBLIC},        {"127.0.0.1", NETPOLICY_LOOPBACK},
	{"127.255.255.255", NETPOLICY_LOOPBACK},  {"128.0.0.0", NETPOLICY_PUBLIC},
	{"126.255.255.255", NETPOLICY_PUBLIC},    {"0.0.0.0", NETPOLICY_UNSPECIFIED},
	{"0.1.2.3", NETPOLICY_UNSPECIFIED},       {"1.0.0.0", NETPOLICY_PUBLIC},
	{"10.0.0.0", NETPOLICY_PRIVATE},          {"10.255.255.255", NETPOLICY_PRIVATE},
	{"11.0.0.0", NETPOLICY_PUBLIC},           {"9.255.255.255", NETPOLICY_PUBLIC},
	{"172.16.0.0", NETPOLICY_PRIVATE},        {"172.31.255.255", NETPOLICY_PRIVATE},
	{"172.15.255.255", NETPOLICY_PUBLIC},     {"172.32.0.0", NETPOLICY_PUBLIC},
	{"192.168.0.1", NETPOLICY_PRIVATE},       {"192.169.0.0", NETPOLICY_PUBLIC},
	{"192.167.255.255", NETPOLICY_PUBLIC},    {"100.64.0.0", NETPOLICY_PRIVATE},
	{"100.127.255.255", NETPOLICY_PRIVATE},   {"100.63.255.255", NETPOLICY_PUBLIC},
	{"100.128.0.0", NETPOLICY_PUBLIC},        {"224.0.0.1", NETPOLICY_MULTICAST},
	{"239.255.255.255", NETPOLICY_MULTICAST}, {"255.255.255.255", NETPOLICY_MULTICAST},
	{"240.0.0.1", NETPOLICY_MULTICAST},       {"223.255.255.255", NETPOLICY_PUBLIC},
	{"8.8.8.8", NETPOLICY_PUBLIC},            {"140.82.112.3", NETPOLICY_PUBLIC},
	{"::", NETPOLICY_UNSPECIFIED},            {"::1", NETPOLICY_LOOPBACK},
	{"::2", NETPOLICY_PUBLIC},                {"fe80::1", NETPOLICY_LINKLOCAL},
	{"febf:ffff::1", NETPOLICY_LINKLOCAL},    {"fec0::1", NETPOLICY_PRIVATE},
	{"fe7f::1", NETPOLICY_PUBLIC},            {"fc00::1", NETPOLICY_PRIVATE},
	{"fdff:ffff::1", NETPOLICY_PRIVATE},      {"fbff::1", NETPOLICY_PUBLIC},
	{"ff02::1", NETPOLICY_MULTICAST},         {"2001:4860:4860::8888", NETPOLICY_PUBLIC},
	{"::ffff:169.254.169.254", NETPOLICY_LINKLOCAL},
	{"::ffff:127.0.0.1", NETPOLICY_LOOPBACK}, {"::ffff:0.0.0.0", NETPOLICY_UNSPECIFIED},
	{"::ffff:10.1.2.3", NETPOLICY_PRIVATE},   {"::ffff:8.8.8.8", NETPOLICY_PUBLIC},
	{"64:ff9b::a9fe:a9fe", NETPOLICY_LINKLOCAL}, /* NAT64 of 169.254.169.254 */
	{"64:ff9b::808:808", NETPOLICY_PUBLIC},
	{"::fffe:169.254.169.254", NETPOLICY_PUBLIC}, /* not the mapped prefix */
};

static void test_classify_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		netpolicy_class got = cls(table[i].addr);
		if (got != table[i].want)
			fail_msg("%s: got %s, want %s", table[i].addr, netpolicy_class_name(got),
				 netpolicy_class_name(table[i].want));
	}
	struct sockaddr other = {.sa_family = AF_UNIX};
	assert_int_equal(netpolicy_classify_sockaddr(&other), NETPOLICY_MULTICAST);
	assert_int_equal(netpolicy_classify_sockaddr(NULL), NETPOLICY_MULTICAST);
}

static void test_allows(void **state)
{
	(void)state;
	netpolicy def = {false, false, false}, loop = {true, false, false},
		  strict = {false, false, true}, all = {true, true, false};
	assert_true(netpolicy_allows(&def, NETPOLICY_PUBLIC));
	assert_true(netpolicy_allows(&def, NETPOLICY_PRIVATE));
	assert_false(netpolicy_allows(&def, NETPOLICY_LOOPBACK));
	assert_false(netpolicy_allows(&def, NETPOLICY_UNSPECIFIED));
	assert_false(netpolicy_allows(&def, NETPOLICY_LINKLOCAL));
	assert_true(netpolicy_allows(&loop, NETPOLICY_LOOPBACK));
	assert_true(netpolicy_allows(&loop, NETPOLICY_UNSPECIFIED));
	assert_false(netpolicy_allows(&loop, NETPOLICY_LINKLOCAL));
	assert_false(netpolicy_allows(&all, NETPOLICY_LINKLOCAL));
	assert_false(netpolicy_allows(&all, NETPOLICY_MULTICAST));
	assert_false(netpolicy_allows(&strict, NETPOLICY_PRIVATE));
	assert_true(netpolicy_allows(&strict, NETPOLICY_PUBLIC));
}

static void test_check_sockaddr_message(void **state)
{
	(void)state;
	netpolicy def = {false, false, false};
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	inet_pton(AF_INET, "169.254.169.254", &s4.sin_addr);
	char err[160] = "";
	assert_false(netpolicy_check_sockaddr(&def, (struct sockaddr *)&s4, err, sizeof err));
	assert_string_equal(err, "upstream address 169.254.169.254 refused (link-local)");
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	inet_pton(AF_INET6, "::1", &s6.sin6_addr);
	assert_false(netpolicy_check_sockaddr(&def, (struct sockaddr *)&s6, err, sizeof err));
	assert_string_equal(err, "upstream address ::1 refused (loopback)");
	inet_pton(AF_INET, "140.82.112.3", &s4.sin_addr);
	assert_true(netpolicy_check_sockaddr(&def, (struct sockaddr *)&s4, err, sizeof err));
}

static void test_parse_url(void **state)
{
	(void)state;
	netpolicy_url u;
	assert_true(netpolicy_parse_url("https://GitLab.Example.COM./g/p", &u));
	assert_string_equal(u.host, "gitlab.example.com");
	assert_int_equal(u.port, 443);
	assert_true(u.https);
	assert_true(netpolicy_parse_url("HTTP://[::1]:8080", &u));
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 8080);
	assert_false(u.https);
	assert_true(netpolicy_parse_url("http://user:pw@10.0.0.1?x", &u));
	assert_string_equal(u.host, "10.0.0.1");
	assert_int_equal(u.port, 80);
	assert_true(netpolicy_parse_url("https://a@b@c.example:1/", &u));
	assert_string_equal(u.host, "c.example");
	const char *bad[] = {"", "ftp://x", "https://", "https:///p", "https://h:0",
			     "https://h:65536", "https://h:", "https://h:1x", "https://[::1",
			     "https://[::1]x", "https://h h", "https://.", "gitlab.com", NULL};
	for (const char **b = bad; *b; b++)
		if (netpolicy_parse_url(*b, &u))
			fail_msg("%s parsed", *b);
}

static void check_url(const netpolicy *p, const char *url, bool ok, const char *words)
{
	char err[200] = "";
	bool got = netpolicy_check_url(p, url, err, sizeof err);
	if (got != ok)
		fail_msg("%s: got %d (%s)", url, got, err);
	if (words && !strstr(err, words))
		fail_msg("%s: message %s lacks %s", url, err, words);
}

static void test_check_url(void **state)
{
	(void)state;
	netpolicy def = {false, false, false}, loop = {true, false, false},
		  http = {false, true, false}, strict = {false, false, true};
	check_url(&def, "https://gitlab.com", true, NULL);
	check_url(&def, "https://10.1.2.3", true, NULL);
	check_url(&strict, "https://10.1.2.3", false, "refused (private)");
	check_url(&def, "http://169.254.169.254/latest", false,
		  "upstream address 169.254.169.254 refused (link-local)");
	check_url(&http, "http://[fe80::1]:80", false, "refused (link-local)");
	check_url(&def, "https://[::ffff:169.254.169.254]", false, "refused (link-local)");
	check_url(&def, "http://localhost:9000", false, "localhost refused (loopback)");
	check_url(&def, "https://127.0.0.1", false, "127.0.0.1 refused (loopback)");
	check_url(&def, "https://0.0.0.0", false, "refused (unspecified)");
	check_url(&loop, "http://127.0.0.1:9000", true, NULL);
	check_url(&loop, "http://[::1]:9000", true, NULL);
	check_url(&loop, "http://api.localhost:9000", true, NULL);
	/* plain http: only to loopback (when allowed), or with UPSTREAM_ALLOW_HTTP */
	check_url(&loop, "http://10.255.255.1", false, "plain http to 10.255.255.1 refused");
	check_url(&def, "http://gitlab.corp:8080/x", false, "plain http to gitlab.corp:8080");
	check_url(&http, "http://10.255.255.1", true, NULL);
	check_url(&http, "http://127.0.0.1", false, "refused (loopback)");
	check_url(&def, "gitlab.com", false, "not a usable");
}

static void test_same_origin_host(void **state)
{
	(void)state;
	assert_true(netpolicy_same_origin_host("https://GitLab.com", "https://gitlab.com/g/p"));
	assert_true(netpolicy_same_origin_host("https://gitlab.com:443", "https://gitlab.com"));
	assert_true(netpolicy_same_origin_host("http://127.0.0.1:9000/", "http://127.0.0.1:9000"));
	assert_false(netpolicy_same_origin_host("http://127.0.0.1:9000", "http://127.0.0.1:9001"));
	assert_false(netpolicy_same_origin_host("https://gitlab.com", "http://gitlab.com"));
	assert_false(netpolicy_same_origin_host("https://gitlab.com", "https://evil.example"));
	assert_false(netpolicy_same_origin_host("https://gitlab.com", "nope"));
	netpolicy_url u;
	char t[300];
	assert_true(netpolicy_parse_url("https://[::1]:8443", &u));
	netpolicy_host_text(&u, t, sizeof t);
	assert_string_equal(t, "[::1]:8443");
	assert_true(netpolicy_parse_url("http://h.example:80", &u));
	netpolicy_host_text(&u, t, sizeof t);
	assert_string_equal(t, "h.example");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_table),
		cmocka_unit_test(test_allows),
		cmocka_unit_test(test_check_sockaddr_message),
		cmocka_unit_test(test_parse_url),
		cmocka_unit_test(test_check_url),
		cmocka_unit_test(test_same_origin_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
