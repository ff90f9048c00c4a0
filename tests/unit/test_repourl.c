/* Unit tests for core/repourl: repository URLs from clients are untrusted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/repourl.h"

static const struct {
	const char *in;
	const char *provider, *base, *owner, *name, *url;
} good[] = {
	{"https://github.com/octo/hello", "github", "https://github.com", "octo", "hello",
	 "https://github.com/octo/hello"},
	{"https://github.com/octo/hello.git", "github", "https://github.com", "octo", "hello",
	 "https://github.com/octo/hello"},
	{"https://github.com/octo/hello/", "github", "https://github.com", "octo", "hello",
	 "https://github.com/octo/hello"},
	{"https://github.com/octo/hello.git/", "github", "https://github.com", "octo", "hello",
	 "https://github.com/octo/hello"},
	{"HTTPS://GitHub.COM/Octo/Hello", "github", "https://github.com", "Octo", "Hello",
	 "https://github.com/Octo/Hello"},
	{"http://github.com/a/b", "github", "http://github.com", "a", "b",
	 "http://github.com/a/b"},
	{"https://www.github.com/a_b/c-d.e", "github", "https://www.github.com", "a_b", "c-d.e",
	 "https://www.github.com/a_b/c-d.e"},
	{"https://github.example.com/a/b", "gitlab", "https://github.example.com", "a", "b",
	 "https://github.example.com/a/b"},
	{"https://ghe.github.com:8443/a/b", "github", "https://ghe.github.com:8443", "a", "b",
	 "https://ghe.github.com:8443/a/b"},
	{"https://gitlab.com/group/project", "gitlab", "https://gitlab.com", "group", "project",
	 "https://gitlab.com/group/project"},
	{"https://gitlab.com/group/sub/project", "gitlab", "https://gitlab.com", "group/sub",
	 "project", "https://gitlab.com/group/sub/project"},
	{"https://gitlab.example.com/a/b/c/d/e.git", "gitlab", "https://gitlab.example.com",
	 "a/b/c/d", "e", "https://gitlab.example.com/a/b/c/d/e"},
	{"http://127.0.0.1:9000/grp/proj", "gitlab", "http://127.0.0.1:9000", "grp", "proj",
	 "http://127.0.0.1:9000/grp/proj"},
	{"http://localhost:8080/grp/sub/proj/", "gitlab", "http://localhost:8080", "grp/sub",
	 "proj", "http://localhost:8080/grp/sub/proj"},
	{"https://gitlab.com:443/g/p", "gitlab", "https://gitlab.com", "g", "p",
	 "https://gitlab.com/g/p"},
	{"http://gitlab.local:80/g/p", "gitlab", "http://gitlab.local", "g", "p",
	 "http://gitlab.local/g/p"},
	{"https://GitLab.Example.COM/G/P", "gitlab", "https://gitlab.example.com", "G", "P",
	 "https://gitlab.example.com/G/P"},
	{"https://gitlab.com/g/...x", "gitlab", "https://gitlab.com", "g", "...x",
	 "https://gitlab.com/g/...x"},
	{"https://my-host.io/g/p", "gitlab", "https://my-host.io", "g", "p",
	 "https://my-host.io/g/p"},
	{"https://gitlab.com/.hidden/p", "gitlab", "https://gitlab.com", ".hidden", "p",
	 "https://gitlab.com/.hidden/p"},
};

static const char *bad[] = {
	"",
	"github.com/a/b",                         /* no scheme */
	"ftp://github.com/a/b",                   /* scheme */
	"git@github.com:a/b.git",
	"ssh://git@github.com/a/b",
	"https://",                               /* no host */
	"https:///a/b",
	"https://github.com",                     /* no path */
	"https://github.com/",
	"https://github.com/a",                   /* github with 1 segment */
	"https://github.com/a/b/c",               /* github with 3 segments */
	"https://github.com/a/b/tree/main",
	"https://gitlab.com/a",                   /* gitlab with 1 segment */
	"https://user@github.com/a/b",            /* userinfo */
	"https://user:pw@gitlab.com/a/b",
	"https://github.com/a/b?x=1",             /* query */
	"https://github.com/a/b#frag",            /* fragment */
	"https://github.com/a/../b",              /* dot segments */
	"https://gitlab.com/a/./b",
	"https://gitlab.com/a/..",
	"https://gitlab.com/a/.",
	"https://github.com/a//b",                /* empty segment */
	"https://github.com//a/b",
	"https://github.com/a/b//",
	"https://github.com/a/.git",              /* name empty after .git */
	"https://github.com/a/..git",             /* name "." after .git */
	"https://gitlab.com/g/p.git.git",         /* still ".git" after one is dropped */
	"https://github.com/a/b c",               /* space */
	" https://github.com/a/b",
	"https://github.com/a/b ",
	"https://github.com/a/b%20c",             /* percent-encoding */
	"https://github.com/a/b\n",
	"https://github.com/a/b\xc3\xa9",         /* non-ASCII */
	("https://gith\xc3\xbc" "b.com/a/b"),
	"https://github.com:/a/b",                /* empty port */
	"https://github.com:0/a/b",
	"https://github.com:65536/a/b",
	"https://github.com:99999999/a/b",
	"https://github.com:8x/a/b",
	"https://[::1]/a/b",
	"https://-github.com/a/b",                /* bad host labels */
	"https://github-.com/a/b",
	"https://github..com/a/b",
	"https://.github.com/a/b",
	"https://github.com./a/b",
	"https://git_hub.com/a/b",
	"https://github.com\\a\\b",
	"https://github.com/a/b:c",
	"https://github.com/a/b@c",
	"https:/github.com/a/b",
	"https//github.com/a/b",
	"javascript:alert(1)",
};

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		repourl r;
		if (repourl_parse(good[i].in, &r) != PDT_OK)
			fail_msg("rejected good URL \"%s\"", good[i].in);
		assert_string_equal(r.provider, good[i].provider);
		assert_string_equal(r.base, good[i].base);
		assert_string_equal(r.owner, good[i].owner);
		assert_string_equal(r.name, good[i].name);
		assert_string_equal(r.url, good[i].url);
		repourl_release(&r);
		assert_null(r.url);
	}
}

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		repourl r;
		memset(&r, 0xA5, sizeof r);
		if (repourl_parse(bad[i], &r) != PDT_EINVAL)
			fail_msg("accepted bad URL \"%s\" as %s", bad[i], r.url);
		assert_null(r.provider);
		assert_null(r.base);
		assert_null(r.owner);
		assert_null(r.name);
		assert_null(r.url);
		repourl_release(&r);
	}
	repourl r;
	assert_int_equal(repourl_parse(NULL, &r), PDT_EINVAL);
	repourl_release(NULL);
}

/* 512 bytes is the limit; longer input is rejected unread. */
static void test_length(void **state)
{
	(void)state;
	char in[4096];
	const char *prefix = "https://gitlab.com/g/";
	size_t plen = strlen(prefix);
	memcpy(in, prefix, plen);
	memset(in + plen, 'x', 512 - plen);
	in[512] = '\0';
	repourl r;
	assert_int_equal(repourl_parse(in, &r), PDT_OK);
	assert_int_equal(strlen(r.url), 512);
	repourl_release(&r);
	in[512] = 'x';
	in[513] = '\0';
	assert_int_equal(repourl_parse(in, &r), PDT_EINVAL);
	memset(in + plen, 'y', sizeof in - plen - 1);
	in[sizeof in - 1] = '\0';
	assert_int_equal(repourl_parse(in, &r), PDT_EINVAL);
	/* many nested groups within the limit */
	size_t n = plen;
	memcpy(in, prefix, plen);
	while (n + 2 < 500) {
		memcpy(in + n, "a/", 2);
		n += 2;
	}
	memcpy(in + n, "z", 2);
	assert_int_equal(repourl_parse(in, &r), PDT_OK);
	assert_string_equal(r.name, "z");
	assert_string_equal(r.provider, "gitlab");
	repourl_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
