/*
 * Unit tests for upstream/provider parsers: GitHub and GitLab commit pages and
 * branch lists as the real APIs shape them, plus malformed bodies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "upstream/provider.h"
#include "core/banned.h"

#define MAX_SEEN 8

/* What the callback saw, copied (the commit's strings are borrowed). */
typedef struct seen {
	int n;
	int stop_after; /* 0 = never stop */
	char sha[MAX_SEEN][64];
	char message[MAX_SEEN][256];
	char author[MAX_SEEN][64];
	char email[MAX_SEEN][64];
	int64_t date[MAX_SEEN];
	int64_t committed[MAX_SEEN];
} seen;

static int record(const provider_commit *c, void *ctx)
{
	seen *s = ctx;
	assert_non_null(c->sha);
	assert_non_null(c->message);
	assert_non_null(c->author);
	assert_non_null(c->author_email);
	if (s->n < MAX_SEEN) {
		snprintf(s->sha[s->n], sizeof s->sha[0], "%s", c->sha);
		snprintf(s->message[s->n], sizeof s->message[0], "%s", c->message);
		snprintf(s->author[s->n], sizeof s->author[0], "%s", c->author);
		snprintf(s->email[s->n], sizeof s->email[0], "%s", c->author_email);
		s->date[s->n] = c->date;
		s->committed[s->n] = c->committed;
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static pdt_err gh(const char *body, seen *s)
{
	return provider_parse_github_commits(body, strlen(body), record, s);
}

static pdt_err gl(const char *body, seen *s)
{
	return provider_parse_gitlab_commits(body, strlen(body), record, s);
}

/* ---- GitHub commits ---- */

static const char github_page[] =
	"[\n"
	"  {\n"
	"    \"sha\": \"6dcb09b5b57875f334f61aebed695e2e4193db5e\",\n"
	"    \"node_id\": \"MDY6Q29tbWl0NmRjYjA5YjViNTc4NzVmMzM0ZjYxYWViZWQ2OTVlMmU0MTkzZGI1ZQ==\",\n"
	"    \"url\": \"https://api.github.com/repos/octocat/Hello-World/commits/6dcb09b\",\n"
	"    \"html_url\": \"https://github.com/octocat/Hello-World/commit/6dcb09b\",\n"
	"    \"commit\": {\n"
	"      \"url\": \"https://api.github.com/repos/octocat/Hello-World/git/commits/6dcb09b\",\n"
	"      \"author\": {\"name\": \"Monalisa Octocat\", \"email\": \"support@github.com\",\n"
	"                 \"date\": \"2011-04-14T16:00:49Z\"},\n"
	"      \"committer\": {\"name\": \"Monalisa Octocat\", \"email\": \"support@github.com\",\n"
	"                    \"date\": \"2011-04-14T16:00:49Z\"},\n"
	"      \"message\": \"PROJ-12 Fix all the bugs\\n\",\n"
	"      \"tree\": {\"url\": \"https://api.github.com/x\", \"sha\": \"6dcb09b\"},\n"
	"      \"comment_count\": 0,\n"
	"      \"verification\": {\"verified\": false, \"reason\": \"unsigned\",\n"
	"                       \"signature\": null, \"payload\": null}\n"
	"    },\n"
	"    \"author\": {\"login\": \"octocat\", \"id\": 1, \"type\": \"User\"},\n"
	"    \"committer\": null,\n"
	"    \"parents\": [{\"url\": \"https://api.github.com/x\", \"sha\": \"6dcb09b\"}]\n"
	"  },\n"
	"  {\n"
	"    \"sha\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\n"
	"    \"commit\": {\n"
	"      \"author\": null,\n"
	"      \"committer\": {\"name\": \"GitHub\", \"email\": \"noreply@github.com\",\n"
	"                    \"date\": \"2026-02-18T14:30:00Z\"},\n"
	"      \"message\": \"Caf\\u00e9 \xe2\x98\x95 r\xc3\xa9sum\xc3\xa9\\n\\nBody line one\\nline two\\r\\n\\n\"\n"
	"    },\n"
	"    \"author\": null, \"committer\": null, \"parents\": []\n"
	"  },\n"
	"  {\n"
	"    \"sha\": \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\n"
	"    \"commit\": {\"author\": null, \"committer\": null, \"message\": \"no dates\"}\n"
	"  }\n"
	"]\n";

static void test_github_commits(void **state)
{
	(void)state;
	seen s = {0};
	assert_int_equal(gh(github_page, &s), PDT_OK);
	assert_int_equal(s.n, 3);

	assert_string_equal(s.sha[0], "6dcb09b5b57875f334f61aebed695e2e4193db5e");
	assert_string_equal(s.message[0], "PROJ-12 Fix all the bugs");
	assert_string_equal(s.author[0], "Monalisa Octocat");
	assert_string_equal(s.email[0], "support@github.com");
	assert_int_equal(s.date[0], 1302796849);

	/* commit.author null: no name/email, the committer's date */
	assert_string_equal(s.sha[1], "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_string_equal(s.message[1],
			    "Caf\xc3\xa9 \xe2\x98\x95 r\xc3\xa9sum\xc3\xa9\n\nBody line one\nline two");
	assert_string_equal(s.author[1], "");
	assert_string_equal(s.email[1], "");
	assert_int_equal(s.date[1], 1771425000);

	/* neither: still reported, date 0 */
	assert_string_equal(s.message[2], "no dates");
	assert_int_equal(s.date[2], 0);
}

static void test_github_commits_author_fields(void **state)
{
	(void)state;
	seen s = {0};
	/* author date wins over committer date; a missing message is "" */
	const char *body =
		"[{\"sha\":\"abc123\",\"commit\":{"
		"\"author\":{\"name\":\"A\",\"email\":null,\"date\":\"2026-01-05T10:00:00+01:00\"},"
		"\"committer\":{\"date\":\"2026-02-18T14:30:00Z\"}}}]";
	assert_int_equal(gh(body, &s), PDT_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.author[0], "A");
	assert_string_equal(s.email[0], "");
	assert_string_equal(s.message[0], "");
	assert_int_equal(s.date[0], 1767603600);
}

static void test_github_commits_empty(void **state)
{
	(void)state;
	seen s = {0};
	assert_int_equal(gh("[]", &s), PDT_OK);
	assert_int_equal(gh(" [ ] \n", &s), PDT_OK);
	assert_int_equal(s.n, 0);
}

static void test_not_nul_terminated(void **state)
{
	(void)state;
	seen s = {0};
	const char body[] = "[]trailing garbage";
	assert_int_equal(provider_parse_github_commits(body, 2, record, &s), PDT_OK);
	assert_int_equal(provider_parse_github_commits(body, sizeof body - 1, record, &s),
			 PDT_EINVAL);
	assert_int_equal(provider_parse_github_commits(body, 0, record, &s), PDT_EINVAL);
	assert_int_equal(provider_parse_github_commits(NULL, 0, record, &s), PDT_EINVAL);
	assert_int_equal(s.n, 0);
}

static void test_github_commits_malformed(void **state)
{
	(void)state;
	static const char *bad[] = {
		"",
		"null",
		"{}",
		"{\"message\":\"Bad credentials\"}",
		"\"[]\"",
		"42",
		"[1, 2]",
		"[null]",
		"[[]]",
		"[{\"sha\":\"abc\"",
		"[{}]",
		"[{\"commit\":{\"message\":\"m\"}}]",                          /* missing sha */
		"[{\"sha\":42,\"commit\":{\"message\":\"m\"}}]",                /* sha wrong type */
		"[{\"sha\":\"\",\"commit\":{\"message\":\"m\"}}]",              /* empty sha */
		"[{\"sha\":\"a b\",\"commit\":{\"message\":\"m\"}}]",           /* sha with space */
		"[{\"sha\":\"abc\"}]",                                          /* no commit */
		"[{\"sha\":\"abc\",\"commit\":null}]",
		"[{\"sha\":\"abc\",\"commit\":\"x\"}]",
		"[{\"sha\":\"abc\",\"commit\":{\"message\":7}}]",
		"[{\"sha\":\"abc\",\"commit\":{\"message\":\"m\",\"author\":\"me\"}}]",
		"[{\"sha\":\"abc\",\"commit\":{\"message\":\"m\",\"author\":{\"name\":1}}}]",
		"[{\"sha\":\"abc\",\"commit\":{\"message\":\"m\",\"author\":{\"date\":5}}}]",
		"[{\"sha\":\"abc\",\"commit\":{\"message\":\"m\",\"author\":{\"date\":\"yesterday\"}}}]",
		"[{\"sha\":\"abc\",\"commit\":{\"author\":null,\"committer\":{\"date\":\"2026-13-01T00:00:00Z\"}}}]",
		"[{\"sha\":\"abc\",\"commit\":{\"message\":\"m\"}}, 3]",  /* one good, one bad */
		"[{\"sha\":\"abc\",\"commit\":{\"message\":\"\\u0000\"}}]", /* NUL in a string */
		"[\"\xff\xfe\"]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		seen s = {0};
		if (gh(bad[i], &s) != PDT_EINVAL)
			fail_msg("accepted bad GitHub body %zu: %s", i, bad[i]);
		/* a malformed page reports none of its commits */
		assert_int_equal(s.n, 0);
	}
}

static void test_early_stop(void **state)
{
	(void)state;
	seen s = {.stop_after = 1};
	assert_int_equal(gh(github_page, &s), PDT_OK);
	assert_int_equal(s.n, 1);
	seen t = {.stop_after = 2};
	assert_int_equal(gh(github_page, &t), PDT_OK);
	assert_int_equal(t.n, 2);
}

static void test_null_callback(void **state)
{
	(void)state;
	assert_int_equal(provider_parse_github_commits(github_page, strlen(github_page), NULL,
						       NULL),
			 PDT_OK);
}

/* ---- GitLab commits ---- */

static const char gitlab_page[] =
	"[\n"
	"  {\n"
	"    \"id\": \"ed899a2f4b50b4370feeea94676502b42383c746\",\n"
	"    \"short_id\": \"ed899a2f\",\n"
	"    \"title\": \"Replace sanitize with escape once\",\n"
	"    \"author_name\": \"Example User\",\n"
	"    \"author_email\": \"user@example.com\",\n"
	"    \"authored_date\": \"2026-02-18T14:30:00.000+01:00\",\n"
	"    \"committer_name\": \"Administrator\",\n"
	"    \"committer_email\": \"admin@example.com\",\n"
	"    \"committed_date\": \"2026-02-18T15:00:00.000+01:00\",\n"
	"    \"created_at\": \"2026-02-18T15:00:00.000+01:00\",\n"
	"    \"message\": \"Replace sanitize with escape once\\n\",\n"
	"    \"parent_ids\": [\"6104942438c14ec7bd21c6cd5bd995272b3faff6\"],\n"
	"    \"web_url\": \"https://gitlab.example.com/janedoe/gitlab-foss/-/commit/ed899a2f\",\n"
	"    \"trailers\": {}, \"extended_trailers\": {}\n"
	"  },\n"
	"  {\n"
	"    \"id\": \"6104942438c14ec7bd21c6cd5bd995272b3faff6\",\n"
	"    \"author_name\": \"J\xc3\xbcrgen M\xc3\xbcller\",\n"
	"    \"author_email\": \"jm@example.de\",\n"
	"    \"authored_date\": \"2026-02-18T14:30:00.123456-05:00\",\n"
	"    \"committed_date\": \"2026-02-18T14:30:00-05:00\",\n"
	"    \"message\": \"Sanitize for network graph\\n\\nSee PROJ-7.\\n\"\n"
	"  },\n"
	"  {\n"
	"    \"id\": \"1111111111111111111111111111111111111111\",\n"
	"    \"author_name\": \"Z\", \"author_email\": \"z@example.com\",\n"
	"    \"authored_date\": \"2026-02-18T14:30:00Z\",\n"
	"    \"message\": \"zulu\"\n"
	"  },\n"
	"  {\n"
	"    \"id\": \"2222222222222222222222222222222222222222\",\n"
	"    \"author_name\": null, \"author_email\": null,\n"
	"    \"authored_date\": \"2025-12-31T23:59:59-05:00\",\n"
	"    \"message\": \"new year elsewhere\"\n"
	"  },\n"
	"  {\n"
	"    \"id\": \"3333333333333333333333333333333333333333\",\n"
	"    \"authored_date\": null,\n"
	"    \"committed_date\": \"2026-01-05T09:00:00.000+0000\",\n"
	"    \"message\": null\n"
	"  }\n"
	"]";

static void test_gitlab_commits(void **state)
{
	(void)state;
	seen s = {0};
	assert_int_equal(gl(gitlab_page, &s), PDT_OK);
	assert_int_equal(s.n, 5);

	assert_string_equal(s.sha[0], "ed899a2f4b50b4370feeea94676502b42383c746");
	assert_string_equal(s.message[0], "Replace sanitize with escape once");
	assert_string_equal(s.author[0], "Example User");
	assert_string_equal(s.email[0], "user@example.com");
	assert_int_equal(s.date[0], 1771421400); /* 13:30Z */

	assert_string_equal(s.author[1], "J\xc3\xbcrgen M\xc3\xbcller");
	assert_string_equal(s.message[1], "Sanitize for network graph\n\nSee PROJ-7.");
	assert_int_equal(s.date[1], 1771443000); /* 19:30Z */

	assert_int_equal(s.date[2], 1771425000); /* 14:30Z */

	assert_string_equal(s.author[3], "");
	assert_string_equal(s.email[3], "");
	assert_int_equal(s.date[3], 1767243599); /* 2026-01-01T04:59:59Z */

	/* no authored_date: the committed date; a null message is "" */
	assert_int_equal(s.date[4], 1767603600);
	assert_string_equal(s.message[4], "");
}

static void test_gitlab_commits_malformed(void **state)
{
	(void)state;
	static const char *bad[] = {
		"",
		"{\"message\":\"404 Project Not Found\"}",
		"Retry later",
		"[true]",
		"[\"ed899a2f\"]",
		"[{\"message\":\"m\"}]",                                        /* missing id */
		"[{\"id\":123,\"message\":\"m\"}]",                             /* id wrong type */
		"[{\"id\":\"abc\",\"message\":[\"m\"]}]",
		"[{\"id\":\"abc\",\"author_name\":{}}]",
		"[{\"id\":\"abc\",\"author_email\":false}]",
		"[{\"id\":\"abc\",\"authored_date\":1771421400}]",
		"[{\"id\":\"abc\",\"authored_date\":\"2026-02-18 14:30:00\"}]",
		"[{\"id\":\"abc\",\"authored_date\":\"2026-02-18T14:30:00.000+01:00x\"}]",
		"[{\"id\":\"abc\",\"committed_date\":\"2026-02-30T00:00:00Z\"}]",
		"[{\"id\":\"abc\"},{\"id\":\"def\",\"message\":1}]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		seen s = {0};
		if (gl(bad[i], &s) != PDT_EINVAL)
			fail_msg("accepted bad GitLab body %zu: %s", i, bad[i]);
		assert_int_equal(s.n, 0);
	}
}

static void test_gitlab_early_stop(void **state)
{
	(void)state;
	seen s = {.stop_after = 3};
	assert_int_equal(gl(gitlab_page, &s), PDT_OK);
	assert_int_equal(s.n, 3);
}

/* ---- branches ---- */

static const char github_branches[] =
	"[\n"
	"  {\"name\": \"main\", \"commit\": {\"sha\": \"c5b97d5ae6c19d5c5df71a34c7fbeeda2479ccbc\",\n"
	"   \"url\": \"https://api.github.com/repos/octocat/Hello-World/commits/c5b97d5\"},\n"
	"   \"protected\": true},\n"
	"  {\"name\": \"feature/PROJ-1-x\", \"commit\": {\"sha\": \"6dcb09b5b57875f334f61aebed695e2e4193db5e\",\n"
	"   \"url\": \"https://api.github.com/x\"}, \"protected\": false}\n"
	"]";

static const char gitlab_branches[] =
	"[{\"name\":\"main\",\"merged\":false,\"protected\":true,\"default\":true,"
	"\"developers_can_push\":false,\"developers_can_merge\":false,\"can_push\":true,"
	"\"web_url\":\"https://gitlab.example.com/my-group/my-project/-/tree/main\","
	"\"commit\":{\"id\":\"7b5c3cc8be40ee161ae89a06bba6229da1032a0c\",\"short_id\":\"7b5c3cc\","
	"\"created_at\":\"2026-02-18T14:30:00.000+01:00\",\"parent_ids\":[],"
	"\"title\":\"add projects API\",\"message\":\"add projects API\","
	"\"author_name\":\"John Smith\",\"author_email\":\"john@example.com\","
	"\"authored_date\":\"2012-06-27T05:51:39-07:00\"}},"
	"{\"name\":\"r\xc3\xa9lease/2.0\",\"commit\":{\"id\":\"ed899a2f4b50b4370feeea94676502b42383c746\"}}]";

static void test_branches(void **state)
{
	(void)state;
	provider_branch_list l = {0};
	assert_int_equal(provider_parse_branches("github", github_branches,
						 strlen(github_branches), &l),
			 PDT_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].name, "main");
	assert_string_equal(l.items[0].sha, "c5b97d5ae6c19d5c5df71a34c7fbeeda2479ccbc");
	assert_string_equal(l.items[1].name, "feature/PROJ-1-x");
	assert_false(l.not_modified);
	assert_null(l.etag);

	/* a second page appends */
	assert_int_equal(provider_parse_branches("gitlab", gitlab_branches,
						 strlen(gitlab_branches), &l),
			 PDT_OK);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.items[2].name, "main");
	assert_string_equal(l.items[2].sha, "7b5c3cc8be40ee161ae89a06bba6229da1032a0c");
	assert_string_equal(l.items[3].name, "r\xc3\xa9lease/2.0");
	assert_string_equal(l.items[3].sha, "ed899a2f4b50b4370feeea94676502b42383c746");

	/* an empty page adds nothing */
	assert_int_equal(provider_parse_branches("github", "[]", 2, &l), PDT_OK);
	assert_int_equal(l.n, 4);
	provider_branch_list_release(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.items);
	provider_branch_list_release(&l); /* twice is fine */
	provider_branch_list_release(NULL);
}

static void test_branches_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *provider, *body;
	} bad[] = {
		{"github", ""},
		{"github", "{}"},
		{"github", "[1]"},
		{"github", "[{}]"},
		{"github", "[{\"name\":\"main\"}]"},
		{"github", "[{\"name\":\"main\",\"commit\":null}]"},
		{"github", "[{\"name\":\"main\",\"commit\":{\"sha\":7}}]"},
		{"github", "[{\"name\":\"\",\"commit\":{\"sha\":\"abc\"}}]"},
		{"github", "[{\"name\":1,\"commit\":{\"sha\":\"abc\"}}]"},
		{"github", "[{\"name\":\"main\",\"commit\":{\"sha\":\"abc\"}},{\"name\":\"x\"}]"},
		/* each provider's own key: a GitLab list is not a GitHub one and back */
		{"github", "[{\"name\":\"main\",\"commit\":{\"id\":\"abc\"}}]"},
		{"gitlab", "[{\"name\":\"main\",\"commit\":{\"sha\":\"abc\"}}]"},
		{"gitlab", "[{\"name\":\"main\",\"commit\":{\"id\":\"\"}}]"},
		{"bitbucket", "[]"},
		{NULL, "[]"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		provider_branch_list l = {0};
		/* a bad page leaves what was already there */
		assert_int_equal(provider_parse_branches("github", github_branches,
							 strlen(github_branches), &l),
				 PDT_OK);
		if (provider_parse_branches(bad[i].provider, bad[i].body, strlen(bad[i].body),
					    &l) != PDT_EINVAL)
			fail_msg("accepted bad branches %zu: %s", i, bad[i].body);
		assert_int_equal(l.n, 2);
		assert_string_equal(l.items[1].name, "feature/PROJ-1-x");
		provider_branch_list_release(&l);
	}
}

/* ---- compare ---- */

#define GH_CMP_COMMIT(sha, parent, adate, cdate)                                            \
	"{\"sha\":\"" sha "\",\"node_id\":\"C_x\",\"commit\":{\"author\":{\"name\":\"Ann\","     \
	"\"email\":\"ann@example.com\",\"date\":\"" adate "\"},\"committer\":{\"name\":\"Bob\"," \
	"\"email\":\"bob@example.com\",\"date\":\"" cdate "\"},\"message\":\"PROJ-1: " sha     \
	"\\n\",\"tree\":{\"sha\":\"t\"},\"comment_count\":0},\"author\":null,\"committer\":null," \
	"\"parents\":[{\"sha\":\"" parent "\"}]}"

static const char gh_compare_ahead[] =
	"{\"url\":\"u\",\"html_url\":\"h\",\"permalink_url\":\"p\",\"diff_url\":\"d\","
	"\"patch_url\":\"p\",\"base_commit\":{\"sha\":\"aaa1\"},\"merge_base_commit\":{\"sha\":"
	"\"aaa1\"},\"status\":\"ahead\",\"ahead_by\":2,\"behind_by\":0,\"total_commits\":2,"
	"\"commits\":[" GH_CMP_COMMIT("bbb1", "aaa1", "2026-02-01T10:00:00Z",
				      "2026-02-05T10:00:00Z") ","
	GH_CMP_COMMIT("bbb2", "bbb1", "2026-02-02T10:00:00Z", "2026-02-05T11:00:00Z")
	"],\"files\":[{\"sha\":\"f\",\"filename\":\"a.c\",\"status\":\"modified\"}]}";

static void test_github_compare(void **state)
{
	(void)state;
	seen s = {0};
	provider_compare_result r;
	assert_int_equal(provider_parse_github_compare(gh_compare_ahead, strlen(gh_compare_ahead),
						       "aaa1", true, record, &s, &r),
			 PDT_OK);
	assert_int_equal(r.status, PROVIDER_COMPARE_AHEAD);
	assert_int_equal(r.total_commits, 2);
	assert_int_equal(r.listed, 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.sha[0], "bbb1"); /* oldest first, as sent */
	assert_string_equal(s.message[0], "PROJ-1: bbb1");
	assert_string_equal(s.author[1], "Ann");
	assert_int_equal(s.date[0], 1769940000);      /* author date */
	assert_int_equal(s.committed[0], 1770285600); /* committer date */
}

static void test_github_compare_statuses(void **state)
{
	(void)state;
	static const struct {
		const char *status;
		provider_compare_status want;
	} cases[] = {{"identical", PROVIDER_COMPARE_IDENTICAL},
		     {"behind", PROVIDER_COMPARE_BEHIND},
		     {"diverged", PROVIDER_COMPARE_DIVERGED}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char body[512];
		seen s = {0};
		provider_compare_result r;
		snprintf(body, sizeof body,
			 "{\"status\":\"%s\",\"ahead_by\":0,\"behind_by\":1,"
			 "\"total_commits\":0,\"commits\":[]}", cases[i].status);
		assert_int_equal(provider_parse_github_compare(body, strlen(body), "a", true,
							       record, &s, &r), PDT_OK);
		assert_int_equal(r.status, cases[i].want);
		assert_int_equal(s.n, 0);
	}
}

/* need_ancestor and diverged: nothing is passed on (the caller lists by date). */
static void test_github_compare_diverged(void **state)
{
	(void)state;
	char body[sizeof gh_compare_ahead + 16];
	seen s = {0};
	provider_compare_result r;
	const char *p = strstr(gh_compare_ahead, "\"ahead\"");
	size_t pre = (size_t)(p - gh_compare_ahead);
	memcpy(body, gh_compare_ahead, pre);
	snprintf(body + pre, sizeof body - pre, "\"diverged\"%s", p + strlen("\"ahead\""));
	assert_int_equal(provider_parse_github_compare(body, strlen(body), "aaa1", true, record,
						       &s, &r), PDT_OK);
	assert_int_equal(r.status, PROVIDER_COMPARE_DIVERGED);
	assert_int_equal(s.n, 0);
	assert_int_equal(r.listed, 0);
	/* without need_ancestor (a new branch against the default one) they are */
	assert_int_equal(provider_parse_github_compare(body, strlen(body), "aaa1", false, record,
						       &s, &r), PDT_OK);
	assert_int_equal(s.n, 2);
}

static void test_github_compare_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"[]",
		"{\"status\":\"ahead\",\"total_commits\":0}",
		"{\"status\":\"sideways\",\"total_commits\":0,\"commits\":[]}",
		"{\"status\":1,\"total_commits\":0,\"commits\":[]}",
		"{\"status\":\"ahead\",\"total_commits\":-1,\"commits\":[]}",
		"{\"status\":\"ahead\",\"total_commits\":\"2\",\"commits\":[]}",
		"{\"status\":\"ahead\",\"total_commits\":1,\"commits\":{}}",
		/* the second commit is broken: the first must not be reported either */
		"{\"status\":\"ahead\",\"total_commits\":2,\"commits\":["
		GH_CMP_COMMIT("c1", "c0", "2026-02-01T10:00:00Z", "2026-02-01T10:00:00Z")
		",{\"sha\":\"c2\",\"commit\":{\"committer\":{\"date\":\"yesterday\"}}}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		seen s = {0};
		provider_compare_result r;
		assert_int_equal(provider_parse_github_compare(bad[i], strlen(bad[i]), "a", false,
							       record, &s, &r), PDT_EINVAL);
		assert_int_equal(s.n, 0);
	}
}

#define GL_CMP_COMMIT(id, parents, adate, cdate)                                             \
	"{\"id\":\"" id "\",\"short_id\":\"x\",\"created_at\":\"" cdate "\",\"parent_ids\":"     \
	parents ",\"title\":\"t\",\"message\":\"OPS-9 " id "\\n\",\"author_name\":\"Cy\","        \
	"\"author_email\":\"cy@example.com\",\"authored_date\":\"" adate "\","                   \
	"\"committer_name\":\"Cy\",\"committer_email\":\"cy@example.com\",\"committed_date\":\"" \
	cdate "\",\"web_url\":\"w\"}"

static const char gl_compare[] =
	"{\"commit\":" GL_CMP_COMMIT("ccc2", "[\"ccc1\"]", "2026-02-01T10:00:00.000+01:00",
				     "2026-02-03T10:00:00.000+01:00")
	",\"commits\":["
	GL_CMP_COMMIT("ccc1", "[\"base9\"]", "2026-02-01T09:00:00.000+01:00",
		      "2026-02-03T09:00:00.000-07:00") ","
	GL_CMP_COMMIT("ccc2", "[\"ccc1\",\"other\"]", "2026-02-01T10:00:00.000+01:00",
		      "2026-02-03T10:00:00.000+01:00")
	"],\"diffs\":[],\"compare_timeout\":false,\"compare_same_ref\":false,\"web_url\":\"w\"}";

static void test_gitlab_compare(void **state)
{
	(void)state;
	seen s = {0};
	provider_compare_result r;
	/* base9 is a parent of a listed commit: an ancestor */
	assert_int_equal(provider_parse_gitlab_compare(gl_compare, strlen(gl_compare), "base9",
						       true, record, &s, &r), PDT_OK);
	assert_int_equal(r.status, PROVIDER_COMPARE_AHEAD);
	assert_int_equal(r.total_commits, 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.sha[0], "ccc1");
	assert_string_equal(s.message[1], "OPS-9 ccc2");
	assert_int_equal(s.date[0], 1769932800);      /* 09:00+01:00 */
	assert_int_equal(s.committed[0], 1770134400); /* 09:00-07:00 */
	/* a merge's second parent counts too */
	memset(&s, 0, sizeof s);
	assert_int_equal(provider_parse_gitlab_compare(gl_compare, strlen(gl_compare), "other",
						       true, record, &s, &r), PDT_OK);
	assert_int_equal(r.status, PROVIDER_COMPARE_AHEAD);
	/* not a parent of anything listed: diverged, nothing reported when it matters */
	memset(&s, 0, sizeof s);
	assert_int_equal(provider_parse_gitlab_compare(gl_compare, strlen(gl_compare), "gone1",
						       true, record, &s, &r), PDT_OK);
	assert_int_equal(r.status, PROVIDER_COMPARE_DIVERGED);
	assert_int_equal(s.n, 0);
	assert_int_equal(provider_parse_gitlab_compare(gl_compare, strlen(gl_compare), "gone1",
						       false, record, &s, &r), PDT_OK);
	assert_int_equal(s.n, 2);
}

static void test_gitlab_compare_empty(void **state)
{
	(void)state;
	static const char body[] = "{\"commit\":null,\"commits\":[],\"diffs\":[],"
				   "\"compare_timeout\":false,\"compare_same_ref\":false}";
	seen s = {0};
	provider_compare_result r;
	assert_int_equal(provider_parse_gitlab_compare(body, strlen(body), "x", true, record, &s,
						       &r), PDT_OK);
	assert_int_equal(r.status, PROVIDER_COMPARE_IDENTICAL);
	assert_int_equal(r.total_commits, 0);
	assert_int_equal(s.n, 0);
}

static void test_gitlab_compare_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"null",
		"{\"commits\":null}",
		"{\"commit\":null}",
		"{\"commits\":[" GL_CMP_COMMIT("d1", "\"base\"", "2026-02-01T10:00:00Z",
					       "2026-02-01T10:00:00Z") "]}",
		"{\"commits\":[" GL_CMP_COMMIT("d1", "[1]", "2026-02-01T10:00:00Z",
					       "2026-02-01T10:00:00Z") "]}",
		"{\"commits\":[" GL_CMP_COMMIT("d1", "[\"base\"]", "2026-02-01T10:00:00Z",
					       "2026-02-01T10:00:00Z") ",{\"id\":7}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		seen s = {0};
		provider_compare_result r;
		assert_int_equal(provider_parse_gitlab_compare(bad[i], strlen(bad[i]), "base", false,
							       record, &s, &r), PDT_EINVAL);
		assert_int_equal(s.n, 0);
	}
}

static void test_release_null(void **state)
{
	(void)state;
	provider_repo_info i = {0};
	provider_repo_info_release(&i);
	provider_repo_info_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_github_commits),
		cmocka_unit_test(test_github_commits_author_fields),
		cmocka_unit_test(test_github_commits_empty),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_github_commits_malformed),
		cmocka_unit_test(test_early_stop),
		cmocka_unit_test(test_null_callback),
		cmocka_unit_test(test_gitlab_commits),
		cmocka_unit_test(test_gitlab_commits_malformed),
		cmocka_unit_test(test_gitlab_early_stop),
		cmocka_unit_test(test_branches),
		cmocka_unit_test(test_branches_malformed),
		cmocka_unit_test(test_release_null),
		cmocka_unit_test(test_github_compare),
		cmocka_unit_test(test_github_compare_statuses),
		cmocka_unit_test(test_github_compare_diverged),
		cmocka_unit_test(test_github_compare_malformed),
		cmocka_unit_test(test_gitlab_compare),
		cmocka_unit_test(test_gitlab_compare_empty),
		cmocka_unit_test(test_gitlab_compare_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
