/* Unit tests for upstream/link: RFC 8288 Link headers as GitHub and GitLab send them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "upstream/link.h"

static void expect_link(const char *header, const char *rel, const char *want)
{
	char *got = link_find(header, rel);
	const char *h = header ? header : "(null)";
	const char *r = rel ? rel : "(null)";
	if (!want) {
		if (got)
			fail_msg("link_find(%s, %s) = %s, want NULL", h, r, got);
	} else {
		if (!got)
			fail_msg("link_find(%s, %s) = NULL, want %s", h, r, want);
		assert_string_equal(got, want);
	}
	free(got);
}

static void test_github(void **state)
{
	(void)state;
	const char *h =
		"<https://api.github.com/repositories/1300192/commits?sha=main&per_page=100&page=2>; "
		"rel=\"next\", "
		"<https://api.github.com/repositories/1300192/commits?sha=main&per_page=100&page=5>; "
		"rel=\"last\"";
	expect_link(h, "next",
		    "https://api.github.com/repositories/1300192/commits?sha=main&per_page=100&page=2");
	expect_link(h, "last",
		    "https://api.github.com/repositories/1300192/commits?sha=main&per_page=100&page=5");
	expect_link(h, "prev", NULL);
	expect_link(h, "first", NULL);
}

static void test_github_last_page(void **state)
{
	(void)state;
	/* the last page has prev/first but no next */
	const char *h = "<https://api.github.com/repositories/1/commits?page=4>; rel=\"prev\", "
			"<https://api.github.com/repositories/1/commits?page=1>; rel=\"first\"";
	expect_link(h, "next", NULL);
	expect_link(h, "prev", "https://api.github.com/repositories/1/commits?page=4");
	expect_link(h, "first", "https://api.github.com/repositories/1/commits?page=1");
}

static void test_gitlab(void **state)
{
	(void)state;
	const char *h =
		"<https://gitlab.example.com/api/v4/projects/8/repository/commits?id=8&page=1&per_page=3>; "
		"rel=\"prev\", "
		"<https://gitlab.example.com/api/v4/projects/8/repository/commits?id=8&page=3&per_page=3>; "
		"rel=\"next\", "
		"<https://gitlab.example.com/api/v4/projects/8/repository/commits?id=8&page=1&per_page=3>; "
		"rel=\"first\", "
		"<https://gitlab.example.com/api/v4/projects/8/repository/commits?id=8&page=4&per_page=3>; "
		"rel=\"last\"";
	expect_link(h, "next",
		    "https://gitlab.example.com/api/v4/projects/8/repository/commits?id=8&page=3&per_page=3");
	expect_link(h, "last",
		    "https://gitlab.example.com/api/v4/projects/8/repository/commits?id=8&page=4&per_page=3");
}

static void test_rel_forms(void **state)
{
	(void)state;
	expect_link("<http://a/2>; rel=next", "next", "http://a/2");         /* token form */
	expect_link("<http://a/2>;rel=\"next\"", "next", "http://a/2");      /* no spaces */
	expect_link("<http://a/2> ; rel = \"next\"", "next", "http://a/2"); /* BWS */
	expect_link("<http://a/2>; REL=\"NEXT\"", "next", "http://a/2");    /* case-insensitive */
	expect_link("<http://a/2>; rel=\"prev next\"", "next", "http://a/2"); /* several types */
	expect_link("<http://a/2>; rel=\"prev  next \"", "next", "http://a/2");
	expect_link("<http://a/2>; rel=\"nextpage\"", "next", NULL);
	expect_link("<http://a/2>; rel=\"\"", "next", NULL);
	expect_link("<http://a/2>; rel=\"ne\\xt\"", "next", "http://a/2"); /* quoted-pair */
	/* other parameters around rel, with and without values */
	expect_link("<http://a/2>; title=\"a, b; c\"; rel=\"next\"; crossorigin", "next",
		    "http://a/2");
	expect_link("<http://a/2>; title*=UTF-8'de'n%c3%a4chstes; rel=next", "next", "http://a/2");
	/* only the first rel parameter counts */
	expect_link("<http://a/2>; rel=prev; rel=next", "next", NULL);
	/* the first matching link wins */
	expect_link("<http://a/1>; rel=next, <http://a/2>; rel=next", "next", "http://a/1");
	/* commas inside the target are not separators */
	expect_link("<http://a/x?q=1,2>; rel=next", "next", "http://a/x?q=1,2");
	/* empty list elements */
	expect_link(" , ,<http://a/2>; rel=next ,", "next", "http://a/2");
	expect_link("<http://a/1>; rel=prev,<http://a/2>;rel=next", "next", "http://a/2");
}

static void test_malformed(void **state)
{
	(void)state;
	expect_link(NULL, "next", NULL);
	expect_link("<http://a/2>; rel=next", NULL, NULL);
	expect_link("<http://a/2>; rel=next", "", NULL);
	expect_link("", "next", NULL);
	expect_link("   ", "next", NULL);
	expect_link("http://a/2; rel=next", "next", NULL);          /* no angle brackets */
	expect_link("<http://a/2; rel=next", "next", NULL);         /* unterminated target */
	expect_link("<http://a/2>; rel=\"next", "next", NULL);      /* unterminated quote */
	expect_link("<http://a/2>; rel=\"next\\", "next", NULL);    /* dangling escape */
	expect_link("<http://a/2>; =next", "next", NULL);           /* no parameter name */
	expect_link("<http://a/2>; rel=", "next", NULL);            /* no value */
	expect_link("<http://a/2> junk; rel=next", "next", NULL);   /* junk after target */
	expect_link("<http://a/ 2>; rel=next", "next", NULL);       /* space in target */
	expect_link("<>; rel=next", "next", NULL);                  /* empty target */
	expect_link("<http://a/1>; rel=prev <http://a/2>; rel=next", "next", NULL); /* no comma */
	/* malformed before the match: NULL */
	expect_link("<http://a/1; rel=prev, <http://a/2>; rel=next", "next", NULL);
}

static void test_length_cap(void **state)
{
	(void)state;
	size_t n = LINK_MAX_LEN + 100;
	char *h = malloc(n + 1);
	assert_non_null(h);
	const char *head = "<http://a/2>; rel=next, <http://a/";
	memcpy(h, head, strlen(head));
	memset(h + strlen(head), 'x', n - strlen(head));
	h[n] = '\0';
	expect_link(h, "next", NULL); /* over the cap: rejected whole */
	h[LINK_MAX_LEN - 20] = '>';
	h[LINK_MAX_LEN - 19] = '\0';
	expect_link(h, "next", "http://a/2"); /* under the cap */
	free(h);

	/* a long rel value is consumed but never matches */
	char rel[600];
	memset(rel, 'a', sizeof rel - 1);
	rel[sizeof rel - 1] = '\0';
	char hdr[800];
	snprintf(hdr, sizeof hdr, "<http://a/1>; rel=\"%s next\", <http://a/2>; rel=next", rel);
	expect_link(hdr, "next", "http://a/2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_github),
		cmocka_unit_test(test_github_last_page),
		cmocka_unit_test(test_gitlab),
		cmocka_unit_test(test_rel_forms),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_length_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
