/*
 * Fuzz target: Jira Cloud pages, untrusted upstream JSON. The first byte
 * picks the parser ('4' or 4: an issue's comment list; else % 4: boards,
 * sprints, sprint issues with descriptions and comments, changelog); the
 * rest is the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "upstream/adf.h"
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

static int check_board(const jira_board *b, void *ctx)
{
	size_t *n = ctx;
	if (b->id <= 0)
		abort();
	text(b->name);
	text(b->type);
	return ++*n >= STOP_AFTER;
}

static int check_sprint(const jira_sprint *s, void *ctx)
{
	size_t *n = ctx;
	if (s->id <= 0 || s->board_id <= 0)
		abort();
	text(s->name);
	text(s->state);
	return ++*n >= STOP_AFTER;
}

static void check_ref(const jira_ref_issue *r)
{
	text(r->key);
	if (!*r->key)
		abort();
	text(r->summary);
	text(r->status);
	text(r->type);
}

static void check_change_body(const jira_change *c)
{
	text(c->author);
	if (c->nitems && !c->items)
		abort();
	for (size_t k = 0; k < c->nitems; k++) {
		text(c->items[k].field);
		text(c->items[k].from_string);
		text(c->items[k].to_string);
	}
}

/* A comment's text: plain text within the bound, valid UTF-8, an id. */
static void check_comment_body(const jira_comment *c)
{
	text(c->id);
	if (!*c->id)
		abort();
	text(c->author);
	text(c->author_email);
	text(c->body);
	if (strlen(c->body) > ADF_TEXT_MAX || utf8_valid_prefix(c->body, strlen(c->body)) !=
						      strlen(c->body))
		abort();
}

static int check_comment(const jira_comment *c, void *ctx)
{
	size_t *n = ctx;
	check_comment_body(c);
	return ++*n >= STOP_AFTER;
}

static int check_issue(const jira_issue *i, void *ctx)
{
	size_t *n = ctx;
	if (i->description_known) {
		text(i->description);
		if (strlen(i->description) > ADF_TEXT_MAX)
			abort();
	}
	if (i->ncomments && (!i->comments || !i->comments_known))
		abort();
	for (size_t k = 0; k < i->ncomments; k++)
		check_comment_body(&i->comments[k]);
	check_ref(&(jira_ref_issue){i->key, i->summary, i->status, i->issue_type});
	text(i->assignee);
	text(i->updated_raw);
	if (i->parent)
		check_ref(i->parent);
	if ((i->nsubtasks && !i->subtasks) || (i->nchanges && !i->changelog))
		abort();
	for (size_t k = 0; k < i->nsubtasks; k++)
		check_ref(&i->subtasks[k]);
	for (size_t k = 0; k < i->nchanges; k++) {
		check_change_body(&i->changelog[k]);
		if (k && i->changelog[k].created < i->changelog[k - 1].created)
			abort(); /* oldest first */
	}
	return ++*n >= STOP_AFTER;
}

static int check_change(const jira_change *c, void *ctx)
{
	size_t *n = ctx;
	check_change_body(c);
	return ++*n >= STOP_AFTER;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	bool last = false;
	int64_t next = -1;
	pdt_err rc;
	if (size < 1)
		return 0;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	if (data[0] == '4' || data[0] == 4)
		rc = jira_parse_comments(body, len, check_comment, &n, &last, &next);
	else switch (data[0] % 4) {
	case 0: rc = jira_parse_boards(body, len, check_board, &n, &last, &next); break;
	case 1: rc = jira_parse_sprints(body, len, 5, check_sprint, &n, &last, &next); break;
	case 2: rc = jira_parse_issues(body, len, check_issue, &n, &last, &next); break;
	default: rc = jira_parse_changelog(body, len, check_change, &n, &last, &next); break;
	}
	if (rc != PDT_OK && rc != PDT_EINVAL)
		abort();
	if (rc == PDT_EINVAL && (n != 0 || !last))
		abort(); /* a malformed page reports nothing and ends the listing */
	if (rc == PDT_OK && next < 0)
		abort();
	if (n >= STOP_AFTER && !last)
		abort(); /* a stop ends the listing */
	return 0;
}
