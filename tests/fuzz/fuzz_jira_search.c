/*
 * Fuzz target: Jira Cloud search/jql pages and single sprints, untrusted
 * upstream JSON. The first byte picks the parser (% 2: search page, one
 * sprint); the rest is the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upstream/jira.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STOP_AFTER 40 /* exercise the early stop too */

static void text(const char *s)
{
	if (!s)
		abort();
	(void)strlen(s);
}

static int check_issue(const jira_issue *i, void *ctx)
{
	size_t *n = ctx;
	text(i->key);
	if (!*i->key)
		abort();
	text(i->summary);
	text(i->status);
	text(i->assignee);
	text(i->issue_type);
	text(i->updated_raw);
	if (i->open_sprint_id < 0 || (!i->sprint_known && i->open_sprint_id))
		abort();
	for (size_t k = 0; k < i->nchanges; k++) {
		text(i->changelog[k].author);
		if (k && i->changelog[k].created < i->changelog[k - 1].created)
			abort(); /* oldest first */
	}
	return ++*n >= STOP_AFTER;
}

static int check_sprint(const jira_sprint *s, void *ctx)
{
	size_t *n = ctx;
	if (s->id <= 0 || s->board_id < 0)
		abort();
	text(s->name);
	text(s->state);
	++*n;
	return 0;
}

static void search(const char *body, size_t len)
{
	size_t n = 0;
	bool last = false;
	char token[JIRA_TOKEN_MAX + 1];
	pdt_err rc = jira_parse_search(body, len, check_issue, &n, &last, token);
	size_t tl = strnlen(token, sizeof token);
	if (tl > JIRA_TOKEN_MAX)
		abort();
	if (rc != PDT_OK && rc != PDT_EINVAL)
		abort();
	if (rc == PDT_EINVAL && (n != 0 || !last || tl))
		abort(); /* a malformed page reports nothing and ends the listing */
	if (last != (tl == 0))
		abort(); /* a token exactly when the listing goes on */
	if (n >= STOP_AFTER && !last)
		abort(); /* a stop ends the listing */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	if (data[0] % 2 == 0) {
		search(body, len);
	} else {
		size_t n = 0;
		pdt_err rc = jira_parse_sprint(body, len, check_sprint, &n);
		if ((rc == PDT_OK) != (n == 1) || (rc != PDT_OK && rc != PDT_EINVAL))
			abort();
	}
	return 0;
}
