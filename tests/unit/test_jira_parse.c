/*
 * Unit tests for upstream/jira parsers: board, sprint, sprint-issue and
 * changelog pages as Jira Cloud shapes them (page flags, offsets in
 * timestamps, null fields, embedded changelogs newest first), malformed
 * pages, early stops, the argument checks of the calls, and jira_base_url.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "upstream/jira.h"
#include "core/banned.h"

#define MAX_SEEN 8
#define TEXT 96

/* ---- what the callbacks saw (their structs are borrowed: copied here) ---- */

typedef struct seen_boards {
	int n, stop_after;
	int64_t id[MAX_SEEN];
	char name[MAX_SEEN][TEXT], type[MAX_SEEN][TEXT];
} seen_boards;

static int on_board(const jira_board *b, void *ctx)
{
	seen_boards *s = ctx;
	assert_non_null(b->name);
	assert_non_null(b->type);
	if (s->n < MAX_SEEN) {
		s->id[s->n] = b->id;
		snprintf(s->name[s->n], TEXT, "%s", b->name);
		snprintf(s->type[s->n], TEXT, "%s", b->type);
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

typedef struct seen_sprints {
	int n, stop_after;
	jira_sprint v[MAX_SEEN];
	char name[MAX_SEEN][TEXT], state[MAX_SEEN][TEXT];
} seen_sprints;

static int on_sprint(const jira_sprint *sp, void *ctx)
{
	seen_sprints *s = ctx;
	assert_non_null(sp->name);
	assert_non_null(sp->state);
	if (s->n < MAX_SEEN) {
		s->v[s->n] = *sp;
		snprintf(s->name[s->n], TEXT, "%s", sp->name);
		snprintf(s->state[s->n], TEXT, "%s", sp->state);
		s->v[s->n].name = s->v[s->n].state = NULL;
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

typedef struct issue_copy {
	char key[TEXT], summary[TEXT], status[TEXT], assignee[TEXT], type[TEXT], updated_raw[TEXT];
	int64_t updated;
	bool has_parent;
	char parent[4][TEXT]; /* key, summary, status, type */
	size_t nsubtasks;
	char sub_key[4][TEXT], sub_status[4][TEXT], sub_type[4][TEXT];
	size_t nchanges;
	bool truncated;
	int64_t created[128];
	char first_author[TEXT], last_author[TEXT];
	char first_item[3][TEXT]; /* field, from, to of the oldest change's first item */
	bool ordered;
	bool sprint_known;
	int64_t open_sprint;
} issue_copy;

typedef struct seen_issues {
	int n, stop_after;
	issue_copy v[4];
} seen_issues;

static void copy_ref(char out[4][TEXT], const jira_ref_issue *r)
{
	assert_non_null(r->key);
	assert_non_null(r->summary);
	assert_non_null(r->status);
	assert_non_null(r->type);
	snprintf(out[0], TEXT, "%s", r->key);
	snprintf(out[1], TEXT, "%s", r->summary);
	snprintf(out[2], TEXT, "%s", r->status);
	snprintf(out[3], TEXT, "%s", r->type);
}

static void copy_changes(issue_copy *c, const jira_issue *i)
{
	c->nchanges = i->nchanges;
	c->truncated = i->changelog_truncated;
	c->ordered = true;
	for (size_t k = 0; k < i->nchanges; k++) {
		assert_non_null(i->changelog[k].author);
		if (k < 128)
			c->created[k] = i->changelog[k].created;
		if (k && i->changelog[k].created < i->changelog[k - 1].created)
			c->ordered = false;
	}
	if (!i->nchanges)
		return;
	snprintf(c->first_author, TEXT, "%s", i->changelog[0].author);
	snprintf(c->last_author, TEXT, "%s", i->changelog[i->nchanges - 1].author);
	if (i->changelog[0].nitems) {
		const jira_change_item *it = &i->changelog[0].items[0];
		snprintf(c->first_item[0], TEXT, "%s", it->field);
		snprintf(c->first_item[1], TEXT, "%s", it->from_string);
		snprintf(c->first_item[2], TEXT, "%s", it->to_string);
	}
}

static int on_issue(const jira_issue *i, void *ctx)
{
	seen_issues *s = ctx;
	issue_copy *c;
	assert_non_null(i->key);
	assert_non_null(i->summary);
	assert_non_null(i->status);
	assert_non_null(i->assignee);
	assert_non_null(i->issue_type);
	assert_non_null(i->updated_raw);
	if (s->n >= 4)
		return s->stop_after && ++s->n >= s->stop_after;
	c = &s->v[s->n];
	c->sprint_known = i->sprint_known;
	c->open_sprint = i->open_sprint_id;
	snprintf(c->key, TEXT, "%s", i->key);
	snprintf(c->summary, TEXT, "%s", i->summary);
	snprintf(c->status, TEXT, "%s", i->status);
	snprintf(c->assignee, TEXT, "%s", i->assignee);
	snprintf(c->type, TEXT, "%s", i->issue_type);
	snprintf(c->updated_raw, TEXT, "%s", i->updated_raw);
	c->updated = i->updated;
	c->has_parent = i->parent != NULL;
	if (i->parent)
		copy_ref(c->parent, i->parent);
	c->nsubtasks = i->nsubtasks;
	for (size_t k = 0; k < i->nsubtasks && k < 4; k++) {
		char r[4][TEXT];
		copy_ref(r, &i->subtasks[k]);
		snprintf(c->sub_key[k], TEXT, "%s", r[0]);
		snprintf(c->sub_status[k], TEXT, "%s", r[2]);
		snprintf(c->sub_type[k], TEXT, "%s", r[3]);
	}
	copy_changes(c, i);
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

typedef struct seen_changes {
	int n, stop_after;
	char author[MAX_SEEN][TEXT];
	int64_t created[MAX_SEEN];
	size_t nitems[MAX_SEEN];
	char item[MAX_SEEN][3][TEXT];
} seen_changes;

static int on_change(const jira_change *c, void *ctx)
{
	seen_changes *s = ctx;
	assert_non_null(c->author);
	for (size_t k = 0; k < c->nitems; k++) {
		assert_non_null(c->items[k].field);
		assert_non_null(c->items[k].from_string);
		assert_non_null(c->items[k].to_string);
	}
	if (s->n < MAX_SEEN) {
		snprintf(s->author[s->n], TEXT, "%s", c->author);
		s->created[s->n] = c->created;
		s->nitems[s->n] = c->nitems;
		if (c->nitems) {
			snprintf(s->item[s->n][0], TEXT, "%s", c->items[0].field);
			snprintf(s->item[s->n][1], TEXT, "%s", c->items[0].from_string);
			snprintf(s->item[s->n][2], TEXT, "%s", c->items[0].to_string);
		}
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static pdt_err boards(const char *body, seen_boards *s, bool *last, int64_t *next)
{
	return jira_parse_boards(body, strlen(body), on_board, s, last, next);
}

static pdt_err sprints(const char *body, seen_sprints *s, bool *last, int64_t *next)
{
	return jira_parse_sprints(body, strlen(body), 7, on_sprint, s, last, next);
}

static pdt_err issues(const char *body, seen_issues *s, bool *last, int64_t *next)
{
	return jira_parse_issues(body, strlen(body), on_issue, s, last, next);
}

static pdt_err changes(const char *body, seen_changes *s, bool *last, int64_t *next)
{
	return jira_parse_changelog(body, strlen(body), on_change, s, last, next);
}

/* ---- boards ---- */

static const char boards_page1[] =
	"{\"maxResults\":2,\"startAt\":0,\"total\":3,\"isLast\":false,\"values\":[\n"
	" {\"id\":84,\"self\":\"https://team.atlassian.net/rest/agile/1.0/board/84\",\n"
	"  \"name\":\"PROJ board\",\"type\":\"scrum\",\n"
	"  \"location\":{\"projectId\":10040,\"displayName\":\"Project (PROJ)\",\n"
	"   \"projectName\":\"Project\",\"projectKey\":\"PROJ\",\"projectTypeKey\":\"software\",\n"
	"   \"avatarURI\":\"/secure/projectavatar?size=small&pid=10040\",\"name\":\"Project (PROJ)\"}},\n"
	" {\"id\":92,\"self\":\"https://team.atlassian.net/rest/agile/1.0/board/92\",\n"
	"  \"name\":\"Ops kanban\",\"type\":\"kanban\"}\n"
	"]}";

static const char boards_page2[] =
	"{\"maxResults\":2,\"startAt\":2,\"isLast\":true,\"values\":[\n"
	" {\"id\":101,\"self\":\"https://team.atlassian.net/rest/agile/1.0/board/101\",\n"
	"  \"name\":null,\"type\":\"simple\"}]}";

static void test_boards_pages(void **state)
{
	seen_boards s = {0};
	bool last = true;
	int64_t next = -1;
	(void)state;
	assert_int_equal(boards(boards_page1, &s, &last, &next), PDT_OK);
	assert_int_equal(s.n, 2);
	assert_false(last);
	assert_int_equal(next, 2);
	assert_int_equal(s.id[0], 84);
	assert_string_equal(s.name[0], "PROJ board");
	assert_string_equal(s.type[0], "scrum");
	assert_int_equal(s.id[1], 92);
	assert_string_equal(s.type[1], "kanban");

	memset(&s, 0, sizeof s);
	assert_int_equal(boards(boards_page2, &s, &last, &next), PDT_OK);
	assert_int_equal(s.n, 1);
	assert_true(last);
	assert_int_equal(next, 3);
	assert_int_equal(s.id[0], 101);
	assert_string_equal(s.name[0], "");
}

/* Without isLast: total decides; without total either: only an empty page ends. */
static void test_page_flags_fallbacks(void **state)
{
	seen_boards s = {0};
	bool last = false;
	int64_t next = 0;
	(void)state;
	assert_int_equal(boards("{\"startAt\":50,\"maxResults\":50,\"total\":52,"
				"\"values\":[{\"id\":1},{\"id\":2}]}", &s, &last, &next), PDT_OK);
	assert_true(last);
	assert_int_equal(next, 52);
	assert_int_equal(boards("{\"startAt\":0,\"maxResults\":2,\"total\":5,"
				"\"values\":[{\"id\":1},{\"id\":2}]}", &s, &last, &next), PDT_OK);
	assert_false(last);
	assert_int_equal(next, 2);
	assert_int_equal(boards("{\"startAt\":4,\"values\":[{\"id\":1}]}", &s, &last, &next),
			 PDT_OK);
	assert_false(last);
	assert_int_equal(next, 5);
	/* isLast false but nothing came: the listing ends */
	assert_int_equal(boards("{\"startAt\":5,\"isLast\":false,\"values\":[]}", &s, &last,
				&next), PDT_OK);
	assert_true(last);
	/* isLast wins over total */
	assert_int_equal(boards("{\"startAt\":0,\"total\":1,\"isLast\":false,"
				"\"values\":[{\"id\":1}]}", &s, &last, &next), PDT_OK);
	assert_false(last);
	/* NULL outs are fine */
	assert_int_equal(boards("{\"values\":[{\"id\":3}]}", &s, NULL, NULL), PDT_OK);
}

/* ---- sprints ---- */

static const char sprints_page[] =
	"{\"maxResults\":50,\"startAt\":0,\"isLast\":true,\"values\":[\n"
	" {\"id\":37,\"self\":\"https://team.atlassian.net/rest/agile/1.0/sprint/37\",\n"
	"  \"state\":\"closed\",\"name\":\"PROJ Sprint 1\",\n"
	"  \"startDate\":\"2026-01-26T00:00:00.000Z\",\"endDate\":\"2026-02-08T23:59:59.999Z\",\n"
	"  \"completeDate\":\"2026-02-09T10:15:30.000Z\",\"createdDate\":\"2026-01-20T09:00:00.000Z\",\n"
	"  \"originBoardId\":84,\"goal\":\"Ship login\"},\n"
	" {\"id\":38,\"self\":\"https://team.atlassian.net/rest/agile/1.0/sprint/38\",\n"
	"  \"state\":\"active\",\"name\":\"PROJ Sprint 2\",\n"
	"  \"startDate\":\"2026-02-09T09:00:00.000+1000\",\n"
	"  \"endDate\":\"2026-02-23T09:00:00.000+1000\",\"originBoardId\":84,\"goal\":\"\"},\n"
	" {\"id\":39,\"self\":\"https://team.atlassian.net/rest/agile/1.0/sprint/39\",\n"
	"  \"state\":\"future\",\"name\":\"PROJ Sprint 3\"}\n"
	"]}";

static void test_sprints(void **state)
{
	seen_sprints s = {0};
	bool last = false;
	int64_t next = 0;
	(void)state;
	assert_int_equal(sprints(sprints_page, &s, &last, &next), PDT_OK);
	assert_true(last);
	assert_int_equal(next, 3);
	assert_int_equal(s.n, 3);

	assert_int_equal(s.v[0].id, 37);
	assert_string_equal(s.state[0], "closed");
	assert_string_equal(s.name[0], "PROJ Sprint 1");
	assert_int_equal(s.v[0].board_id, 84);
	assert_int_equal(s.v[0].start_date, 1769385600);    /* 2026-01-26T00:00:00Z */
	assert_int_equal(s.v[0].end_date, 1770595199);      /* fraction dropped */
	assert_int_equal(s.v[0].complete_date, 1770632130);

	assert_int_equal(s.v[1].id, 38);
	assert_string_equal(s.state[1], "active");
	assert_int_equal(s.v[1].start_date, 1770591600);    /* +1000: 2026-02-08T23:00:00Z */
	assert_int_equal(s.v[1].end_date, 1771801200);
	assert_int_equal(s.v[1].complete_date, 0);

	assert_int_equal(s.v[2].id, 39);
	assert_string_equal(s.state[2], "future");
	assert_int_equal(s.v[2].start_date, 0);
	assert_int_equal(s.v[2].end_date, 0);
	assert_int_equal(s.v[2].board_id, 7); /* no originBoardId: the board listed */
}

/* ---- sprint issues ---- */

static const char issues_page[] =
	"{\"expand\":\"schema,names\",\"startAt\":0,\"maxResults\":50,\"total\":3,\"issues\":[\n"
	" {\"expand\":\"operations,changelog\",\"id\":\"10101\",\n"
	"  \"self\":\"https://team.atlassian.net/rest/agile/1.0/issue/10101\",\"key\":\"PROJ-101\",\n"
	"  \"fields\":{\"summary\":\"Login page\",\n"
	"   \"status\":{\"self\":\"x\",\"name\":\"In Progress\",\"id\":\"3\",\n"
	"     \"statusCategory\":{\"key\":\"indeterminate\",\"name\":\"In Progress\"}},\n"
	"   \"assignee\":{\"accountId\":\"5b10ac8d82e05b22cc7d4ef5\",\"displayName\":\"Ana Lima\",\n"
	"     \"active\":true,\"timeZone\":\"Europe/Lisbon\"},\n"
	"   \"issuetype\":{\"id\":\"10001\",\"name\":\"Story\",\"subtask\":false},\n"
	"   \"subtasks\":[\n"
	"    {\"id\":\"10102\",\"key\":\"PROJ-102\",\"self\":\"x\",\"fields\":{\"summary\":\"Form\",\n"
	"     \"status\":{\"name\":\"Done\"},\"priority\":{\"name\":\"Medium\"},\n"
	"     \"issuetype\":{\"name\":\"Sub-task\",\"subtask\":true}}},\n"
	"    {\"id\":\"10103\",\"key\":\"PROJ-103\",\"self\":\"x\",\"fields\":{\"summary\":\"API\",\n"
	"     \"status\":{\"name\":\"To Do\"},\"issuetype\":{\"name\":\"Sub-task\",\"subtask\":true}}}],\n"
	"   \"updated\":\"2026-02-18T14:30:00.000+0100\"},\n"
	"  \"changelog\":{\"startAt\":0,\"maxResults\":3,\"total\":3,\"histories\":[\n"
	"   {\"id\":\"20003\",\"author\":{\"displayName\":\"Carla\"},\n"
	"    \"created\":\"2026-02-12T16:45:00.000+0000\",\"items\":[\n"
	"     {\"field\":\"status\",\"fieldtype\":\"jira\",\"from\":\"10000\",\"fromString\":\"To Do\",\n"
	"      \"to\":\"3\",\"toString\":\"In Progress\"}]},\n"
	"   {\"id\":\"20002\",\"author\":{\"displayName\":\"Bruno\"},\n"
	"    \"created\":\"2026-02-11T09:30:00.000+0000\",\"items\":[\n"
	"     {\"field\":\"assignee\",\"fieldtype\":\"jira\",\"from\":null,\"fromString\":null,\n"
	"      \"to\":\"5b10ac8d\",\"toString\":\"Ana Lima\"}]},\n"
	"   {\"id\":\"20001\",\"author\":{\"displayName\":\"Ana Lima\"},\n"
	"    \"created\":\"2026-02-10T08:00:00.000+0000\",\"items\":[\n"
	"     {\"field\":\"Sprint\",\"fieldtype\":\"custom\",\"from\":\"\",\"fromString\":\"\",\n"
	"      \"to\":\"38\",\"toString\":\"PROJ Sprint 2\"},\n"
	"     {\"field\":\"Rank\",\"fieldtype\":\"custom\",\"from\":\"\",\"fromString\":\"\",\n"
	"      \"to\":\"\",\"toString\":\"Ranked higher\"}]}]}},\n"
	" {\"id\":\"10102\",\"key\":\"PROJ-102\",\n"
	"  \"fields\":{\"summary\":\"Form\",\"status\":{\"name\":\"Done\"},\"assignee\":null,\n"
	"   \"issuetype\":{\"name\":\"Sub-task\",\"subtask\":true},\n"
	"   \"parent\":{\"id\":\"10101\",\"key\":\"PROJ-101\",\"self\":\"x\",\n"
	"    \"fields\":{\"summary\":\"Login page\",\"status\":{\"name\":\"In Progress\"},\n"
	"     \"priority\":{\"name\":\"Medium\"},\"issuetype\":{\"name\":\"Story\",\"subtask\":false}}},\n"
	"   \"subtasks\":[],\"updated\":\"2026-02-12T17:00:00.123-0500\"},\n"
	"  \"changelog\":{\"startAt\":0,\"maxResults\":0,\"total\":0,\"histories\":[]}},\n"
	" {\"id\":\"10104\",\"key\":\"OPS-7\",\"fields\":{\"summary\":null,\"status\":null,\n"
	"   \"issuetype\":null}}\n"
	"]}";

static void test_issues(void **state)
{
	seen_issues s = {0};
	bool last = false;
	int64_t next = 0;
	issue_copy *a, *b, *c;
	(void)state;
	assert_int_equal(issues(issues_page, &s, &last, &next), PDT_OK);
	assert_true(last); /* 0 + 3 >= total 3 */
	assert_int_equal(next, 3);
	assert_int_equal(s.n, 3);
	a = &s.v[0];
	b = &s.v[1];
	c = &s.v[2];

	assert_string_equal(a->key, "PROJ-101");
	assert_string_equal(a->summary, "Login page");
	assert_string_equal(a->status, "In Progress");
	assert_string_equal(a->assignee, "Ana Lima");
	assert_string_equal(a->type, "Story");
	assert_string_equal(a->updated_raw, "2026-02-18T14:30:00.000+0100");
	assert_int_equal(a->updated, 1771421400);
	assert_false(a->has_parent);
	assert_int_equal(a->nsubtasks, 2);
	assert_string_equal(a->sub_key[0], "PROJ-102");
	assert_string_equal(a->sub_status[0], "Done");
	assert_string_equal(a->sub_type[0], "Sub-task");
	assert_string_equal(a->sub_key[1], "PROJ-103");
	assert_string_equal(a->sub_status[1], "To Do");
	/* newest first upstream, oldest first here */
	assert_int_equal(a->nchanges, 3);
	assert_false(a->truncated);
	assert_true(a->ordered);
	assert_int_equal(a->created[0], 1770710400);
	assert_int_equal(a->created[2], 1770914700);
	assert_string_equal(a->first_author, "Ana Lima");
	assert_string_equal(a->last_author, "Carla");
	assert_string_equal(a->first_item[0], "Sprint");
	assert_string_equal(a->first_item[1], "");
	assert_string_equal(a->first_item[2], "PROJ Sprint 2");

	assert_string_equal(b->key, "PROJ-102");
	assert_string_equal(b->assignee, ""); /* null assignee */
	assert_string_equal(b->type, "Sub-task");
	assert_int_equal(b->updated, 1770933600); /* -0500 */
	assert_true(b->has_parent);
	assert_string_equal(b->parent[0], "PROJ-101");
	assert_string_equal(b->parent[1], "Login page");
	assert_string_equal(b->parent[2], "In Progress");
	assert_string_equal(b->parent[3], "Story");
	assert_int_equal(b->nsubtasks, 0);
	assert_int_equal(b->nchanges, 0);
	assert_false(b->truncated);

	assert_string_equal(c->key, "OPS-7"); /* nulls and absences read as "" */
	assert_string_equal(c->summary, "");
	assert_string_equal(c->status, "");
	assert_string_equal(c->assignee, "");
	assert_string_equal(c->type, "");
	assert_string_equal(c->updated_raw, "");
	assert_int_equal(c->updated, 0);
	assert_int_equal(c->nchanges, 0);
}

/* 100 histories embedded (newest first) out of 130: truncated, sorted. */
static void test_issue_changelog_truncated(void **state)
{
	buf b = BUF_INIT(1 << 20);
	seen_issues s = {0};
	bool last = true;
	int64_t next = 0;
	(void)state;
	buf_appends(&b, "{\"startAt\":50,\"maxResults\":50,\"total\":120,\"issues\":[{\"id\":\"1\","
			"\"key\":\"PROJ-9\",\"fields\":{\"summary\":\"Busy\",\"status\":{\"name\":\"Done\"},"
			"\"updated\":\"2026-02-18T14:30:00.000+0100\"},"
			"\"changelog\":{\"startAt\":0,\"maxResults\":100,\"total\":130,\"histories\":[");
	for (int i = 99; i >= 0; i--)
		buf_appendf(&b, "%s{\"id\":\"%d\",\"author\":{\"displayName\":\"u%d\"},"
				"\"created\":\"2026-02-10T%02d:%02d:00.000+0000\",\"items\":[]}",
			    i == 99 ? "" : ",", 30000 + i, i, i / 60, i % 60);
	buf_appends(&b, "]}}]}");
	assert_int_equal(jira_parse_issues(b.data, b.len, on_issue, &s, &last, &next), PDT_OK);
	assert_int_equal(s.n, 1);
	assert_false(last); /* 50 + 1 < 120 */
	assert_int_equal(next, 51);
	assert_int_equal(s.v[0].nchanges, 100);
	assert_true(s.v[0].truncated);
	assert_true(s.v[0].ordered);
	assert_string_equal(s.v[0].first_author, "u0");
	assert_string_equal(s.v[0].last_author, "u99");
	assert_int_equal(s.v[0].created[1] - s.v[0].created[0], 60);
	buf_release(&b);
}

/* Same-second entries newest first keep their true order (stable, reversed first). */
static void test_issue_changelog_ties(void **state)
{
	static const char page[] =
		"{\"startAt\":0,\"total\":1,\"issues\":[{\"key\":\"A-1\",\"changelog\":{\"total\":3,"
		"\"histories\":["
		"{\"author\":{\"displayName\":\"third\"},\"created\":\"2026-02-10T08:00:01.000+0000\"},"
		"{\"author\":{\"displayName\":\"second\"},\"created\":\"2026-02-10T08:00:00.900+0000\"},"
		"{\"author\":null,\"created\":\"2026-02-10T08:00:00.100+0000\"}]}}]}";
	seen_issues s = {0};
	(void)state;
	assert_int_equal(issues(page, &s, NULL, NULL), PDT_OK);
	assert_int_equal(s.v[0].nchanges, 3);
	assert_string_equal(s.v[0].first_author, "");
	assert_string_equal(s.v[0].last_author, "third");
	assert_true(s.v[0].ordered);
}

/* ---- the changelog endpoint ---- */

static const char changelog_page[] =
	"{\"self\":\"https://team.atlassian.net/rest/api/3/issue/PROJ-9/changelog?startAt=100\",\n"
	" \"nextPage\":\"https://team.atlassian.net/rest/api/3/issue/PROJ-9/changelog?startAt=102\",\n"
	" \"maxResults\":2,\"startAt\":100,\"total\":130,\"isLast\":false,\"values\":[\n"
	"  {\"id\":\"30100\",\"author\":{\"accountId\":\"5b10a\",\"displayName\":\"Ana Lima\",\n"
	"    \"active\":true},\"created\":\"2026-02-18T14:30:00.000+0100\",\"items\":[\n"
	"    {\"field\":\"status\",\"fieldtype\":\"jira\",\"fieldId\":\"status\",\"from\":\"10000\",\n"
	"     \"fromString\":\"To Do\",\"to\":\"3\",\"toString\":\"In Progress\"}]},\n"
	"  {\"id\":\"30101\",\"created\":\"2026-02-18T15:00:00.000+0100\",\"items\":[\n"
	"    {\"field\":\"assignee\",\"fieldtype\":\"jira\",\"from\":\"5b10a\",\n"
	"     \"fromString\":\"Ana Lima\",\"to\":null,\"toString\":null},\n"
	"    {\"field\":\"resolution\",\"fieldtype\":\"jira\",\"from\":null,\"fromString\":null,\n"
	"     \"to\":\"10000\",\"toString\":\"Done\"}]}\n"
	"]}";

static void test_changelog_pages(void **state)
{
	seen_changes s = {0};
	bool last = true;
	int64_t next = 0;
	(void)state;
	assert_int_equal(changes(changelog_page, &s, &last, &next), PDT_OK);
	assert_false(last);
	assert_int_equal(next, 102);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.author[0], "Ana Lima");
	assert_int_equal(s.created[0], 1771421400);
	assert_int_equal(s.nitems[0], 1);
	assert_string_equal(s.item[0][0], "status");
	assert_string_equal(s.item[0][1], "To Do");
	assert_string_equal(s.item[0][2], "In Progress");
	assert_string_equal(s.author[1], ""); /* no author (e.g. automation) */
	assert_int_equal(s.created[1], 1771423200);
	assert_int_equal(s.nitems[1], 2);
	assert_string_equal(s.item[1][0], "assignee");
	assert_string_equal(s.item[1][2], ""); /* null toString */

	memset(&s, 0, sizeof s);
	assert_int_equal(changes("{\"startAt\":128,\"maxResults\":100,\"total\":130,\"isLast\":true,"
				 "\"values\":[{\"id\":\"1\",\"created\":\"2026-02-19T00:00:00Z\","
				 "\"items\":[{\"field\":\"labels\"}]},"
				 "{\"id\":\"2\",\"created\":\"2026-02-19T00:01:00Z\"}]}",
				 &s, &last, &next), PDT_OK);
	assert_true(last);
	assert_int_equal(next, 130);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.item[0][1], "");
	assert_int_equal(s.nitems[1], 0);
}

/* ---- malformed pages: PDT_EINVAL, nothing reported ---- */

static const char *const bad_boards[] = {
	"",
	"not json",
	"[]",
	"{\"values\":{}}",
	"{\"startAt\":0}",
	"{\"values\":[{\"id\":1},{\"name\":\"no id\"}]}",
	"{\"values\":[{\"id\":1},{\"id\":\"84\"}]}",
	"{\"values\":[{\"id\":1},{\"id\":0}]}",
	"{\"values\":[{\"id\":1},{\"id\":2.5}]}",
	"{\"values\":[{\"id\":1},{\"id\":2,\"name\":7}]}",
	"{\"values\":[{\"id\":1},7]}",
	"{\"isLast\":\"true\",\"values\":[{\"id\":1}]}",
	"{\"startAt\":-1,\"values\":[{\"id\":1}]}",
	"{\"startAt\":\"0\",\"values\":[{\"id\":1}]}",
	"{\"total\":-5,\"values\":[{\"id\":1}]}",
	"{\"maxResults\":\"50\",\"values\":[{\"id\":1}]}",
	"{\"values\":[{\"id\":1}]} trailing",
};

static const char *const bad_sprints[] = {
	"{\"values\":[{\"id\":1},{\"id\":2,\"startDate\":\"yesterday\"}]}",
	"{\"values\":[{\"id\":1},{\"id\":2,\"endDate\":1770595199}]}",
	"{\"values\":[{\"id\":1},{\"id\":2,\"state\":[\"active\"]}]}",
	"{\"values\":[{\"id\":1},{\"id\":2,\"originBoardId\":\"84\"}]}",
	"{\"values\":[{\"id\":1},{\"id\":2,\"completeDate\":\"2026-02-30T00:00:00Z\"}]}",
};

static const char *const bad_issues[] = {
	"{\"values\":[]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"id\":\"2\"}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"\"}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A 2\"}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":12}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"id\":[1]}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"fields\":[]}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"fields\":{\"summary\":1}}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"fields\":{\"status\":\"Done\"}}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"fields\":{\"assignee\":\"ana\"}}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"fields\":{\"issuetype\":"
	"{\"name\":\"Bug\",\"subtask\":\"no\"}}}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"fields\":{\"updated\":\"2026\"}}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"fields\":{\"parent\":{\"id\":\"1\"}}}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"fields\":{\"subtasks\":[{}]}}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"fields\":{\"subtasks\":{}}}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"changelog\":[]}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"changelog\":{\"total\":\"3\"}}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"changelog\":{\"histories\":[{}]}}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"changelog\":{\"histories\":"
	"[{\"created\":\"2026-02-10T08:00:00Z\",\"items\":[{\"field\":\"status\","
	"\"toString\":3}]}]}}]}",
	"{\"issues\":[{\"key\":\"A-1\"},{\"key\":\"A-2\",\"changelog\":{\"histories\":"
	"[{\"created\":\"2026-02-10T08:00:00Z\",\"items\":\"status\"}]}}]}",
};

static const char *const bad_changelogs[] = {
	"{\"histories\":[]}",
	"{\"values\":[{\"created\":\"2026-02-10T08:00:00Z\"},{\"id\":\"2\"}]}",
	"{\"values\":[{\"created\":\"2026-02-10T08:00:00Z\"},{\"created\":null}]}",
	"{\"values\":[{\"created\":\"2026-02-10T08:00:00Z\",\"author\":\"ana\"}]}",
	"{\"values\":[{\"created\":\"2026-02-10T08:00:00Z\",\"items\":[null]}]}",
	"{\"isLast\":1,\"values\":[{\"created\":\"2026-02-10T08:00:00Z\"}]}",
};

static void test_malformed(void **state)
{
	bool last;
	int64_t next;
	size_t i;
	(void)state;
	for (i = 0; i < sizeof bad_boards / sizeof *bad_boards; i++) {
		seen_boards s = {0};
		last = false;
		next = 9;
		if (boards(bad_boards[i], &s, &last, &next) != PDT_EINVAL)
			fail_msg("bad board page %zu accepted", i);
		assert_int_equal(s.n, 0);
		assert_true(last);
		assert_int_equal(next, 0);
	}
	for (i = 0; i < sizeof bad_sprints / sizeof *bad_sprints; i++) {
		seen_sprints s = {0};
		if (sprints(bad_sprints[i], &s, &last, &next) != PDT_EINVAL)
			fail_msg("bad sprint page %zu accepted", i);
		assert_int_equal(s.n, 0);
	}
	for (i = 0; i < sizeof bad_issues / sizeof *bad_issues; i++) {
		seen_issues s = {0};
		if (issues(bad_issues[i], &s, &last, &next) != PDT_EINVAL)
			fail_msg("bad issue page %zu accepted", i);
		assert_int_equal(s.n, 0);
	}
	for (i = 0; i < sizeof bad_changelogs / sizeof *bad_changelogs; i++) {
		seen_changes s = {0};
		if (changes(bad_changelogs[i], &s, &last, &next) != PDT_EINVAL)
			fail_msg("bad changelog page %zu accepted", i);
		assert_int_equal(s.n, 0);
	}
	assert_int_equal(jira_parse_boards(NULL, 0, on_board, NULL, NULL, NULL), PDT_EINVAL);
}

/* ---- early stop: PDT_OK, and the page reads as the last ---- */

static void test_early_stop(void **state)
{
	seen_boards sb = {.stop_after = 1};
	seen_sprints ss = {.stop_after = 2};
	seen_issues si = {.stop_after = 1};
	seen_changes sc = {.stop_after = 1};
	bool last = false;
	int64_t next = 0;
	(void)state;
	assert_int_equal(boards(boards_page1, &sb, &last, &next), PDT_OK);
	assert_int_equal(sb.n, 1);
	assert_true(last);
	last = false;
	assert_int_equal(sprints(sprints_page, &ss, &last, &next), PDT_OK);
	assert_int_equal(ss.n, 2);
	assert_true(last);
	last = false;
	assert_int_equal(issues(issues_page, &si, &last, &next), PDT_OK);
	assert_int_equal(si.n, 1);
	assert_true(last);
	last = false;
	assert_int_equal(changes(changelog_page, &sc, &last, &next), PDT_OK);
	assert_int_equal(sc.n, 1);
	assert_true(last);
	/* a NULL callback only checks the page */
	assert_int_equal(jira_parse_issues(issues_page, strlen(issues_page), NULL, NULL, &last,
					   &next), PDT_OK);
}

/* ---- the calls check their arguments before any request ---- */

static void test_call_arguments(void **state)
{
	provider_result res;
	jira_ref ref = {.base = "https://team.atlassian.net", .email = "ana@example.com",
			.token = "s3cr3t-token", .ratelimit_key = "jira:x"};
	jira_ref bad = ref;
	(void)state;
	bad.base = "team.atlassian.net";
	assert_int_equal(jira_boards(NULL, &bad, on_board, NULL, &res), PDT_EINVAL);
	assert_string_equal(res.err, "invalid jira base URL");
	bad = ref;
	bad.token = "";
	assert_int_equal(jira_sprints(NULL, &bad, 1, false, on_sprint, NULL, &res), PDT_EINVAL);
	assert_non_null(strstr(res.err, "missing"));
	bad = ref;
	bad.email = "ana:x@example.com";
	assert_int_equal(jira_boards(NULL, &bad, on_board, NULL, &res), PDT_EINVAL);
	assert_null(strstr(res.err, "ana"));
	assert_int_equal(jira_sprints(NULL, &ref, 0, true, on_sprint, NULL, &res), PDT_EINVAL);
	assert_int_equal(jira_sprint_issues(NULL, &ref, -3, NULL, on_issue, NULL, &res),
			 PDT_EINVAL);
	assert_int_equal(jira_issue_changelog(NULL, &ref, "PROJ 1", on_change, NULL, &res),
			 PDT_EINVAL);
	assert_int_equal(jira_issue_changelog(NULL, &ref, NULL, on_change, NULL, NULL),
			 PDT_EINVAL);
	assert_int_equal(jira_boards(NULL, NULL, on_board, NULL, &res), PDT_EINVAL);
	assert_int_equal(res.status, 0);
}

/* ---- jira_base_url ---- */

static void test_base_url(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"team.atlassian.net", "https://team.atlassian.net"},
		{"  team.atlassian.net  ", "https://team.atlassian.net"},
		{"team.atlassian.net/", "https://team.atlassian.net"},
		{"https://team.atlassian.net", "https://team.atlassian.net"},
		{"https://team.atlassian.net///", "https://team.atlassian.net"},
		{"http://127.0.0.1:9000/", "http://127.0.0.1:9000"},
		{"http://127.0.0.1:9000", "http://127.0.0.1:9000"},
		{"HTTPS://Team.Atlassian.net", "https://Team.Atlassian.net"},
		{"localhost:8080", "https://localhost:8080"},
		{"http://[::1]:9000/", "http://[::1]:9000"},
		{"https://jira.example.com/jira", "https://jira.example.com/jira"},
		{"\tteam.atlassian.net\n", "https://team.atlassian.net"},
		{"", NULL},
		{"   ", NULL},
		{"/", NULL},
		{"team atlassian.net", NULL},
		{"team.atlassian.net/x y", NULL},
		{"team.atlassian.net\x01", NULL},
		{"te\x7fm.atlassian.net", NULL},
		{"ftp://team.atlassian.net", NULL},
		{"javascript://alert(1)", NULL},
		{"file:///etc/passwd", NULL},
		{"https://", NULL},
		{"https:///path", NULL},
		{"://team.atlassian.net", NULL},
		{"https://user:pw@team.atlassian.net", NULL},
		{"https://team.atlassian.net?x=1", NULL},
		{"https://team.atlassian.net/#frag", NULL},
		{"team.atlassian.net:0", NULL},
		{"team.atlassian.net:99999", NULL},
		{"team.atlassian.net:", NULL},
		{"mailto:ana@example.com", NULL},
		{"t\xc3\xa9m.atlassian.net", NULL},
	};
	(void)state;
	assert_null(jira_base_url(NULL));
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *got = jira_base_url(cases[i].in);
		if (!cases[i].out && got)
			fail_msg("case %zu: \"%s\" gave \"%s\", want NULL", i, cases[i].in, got);
		if (cases[i].out && (!got || strcmp(got, cases[i].out) != 0))
			fail_msg("case %zu: \"%s\" gave \"%s\", want \"%s\"", i, cases[i].in,
				 got ? got : "(null)", cases[i].out);
		free(got);
	}
}

/* ---- search/jql pages, one sprint, the Sprint field ---- */

static const char search_page1[] =
	"{\"issues\":["
	"{\"id\":\"10001\",\"key\":\"PROJ-1\",\"fields\":{\"summary\":\"one\","
	"\"status\":{\"name\":\"Done\"},\"updated\":\"2026-02-18T14:30:00.000+0100\","
	"\"customfield_10020\":[{\"id\":3,\"name\":\"S3\",\"state\":\"closed\",\"boardId\":1},"
	"{\"id\":7,\"name\":\"S7\",\"state\":\"future\",\"boardId\":1},"
	"{\"id\":5,\"name\":\"S5\",\"state\":\"active\",\"boardId\":1}]},"
	"\"changelog\":{\"startAt\":0,\"maxResults\":0,\"total\":0,\"histories\":[]}},"
	"{\"id\":\"10002\",\"key\":\"PROJ-2\",\"fields\":{\"summary\":\"two\","
	"\"customfield_10020\":null}},"
	"{\"id\":\"10003\",\"key\":\"PROJ-3\",\"fields\":{\"summary\":\"three\","
	"\"customfield_10020\":[{\"id\":3,\"state\":\"closed\"},{\"id\":9,\"state\":\"future\"}]}},"
	"{\"id\":\"10004\",\"key\":\"PROJ-4\",\"fields\":{\"summary\":\"four\","
	"\"customfield_10020\":\"a text field on this site\"}}],"
	"\"nextPageToken\":\"CAEaAggD\"}";

static void test_search_page(void **state)
{
	seen_issues s = {0};
	bool last = true;
	char token[JIRA_TOKEN_MAX + 1] = "x";
	(void)state;
	assert_int_equal(jira_parse_search(search_page1, strlen(search_page1), on_issue, &s, &last,
					   token),
			 PDT_OK);
	assert_false(last);
	assert_string_equal(token, "CAEaAggD");
	assert_int_equal(s.n, 4);
	assert_string_equal(s.v[0].key, "PROJ-1");
	assert_string_equal(s.v[0].status, "Done");
	assert_true(s.v[0].sprint_known);
	assert_int_equal(s.v[0].open_sprint, 5); /* active beats future */
	assert_true(s.v[1].sprint_known);
	assert_int_equal(s.v[1].open_sprint, 0); /* backlog */
	assert_true(s.v[2].sprint_known);
	assert_int_equal(s.v[2].open_sprint, 9);
	assert_false(s.v[3].sprint_known); /* another shape: not the Sprint field */
	assert_int_equal(s.v[3].open_sprint, 0);

	/* The last page: no token, or isLast, or no issues. */
	static const char *const ends[] = {
		"{\"issues\":[{\"key\":\"A-1\"}]}",
		"{\"issues\":[{\"key\":\"A-1\"}],\"nextPageToken\":\"t\",\"isLast\":true}",
		"{\"issues\":[],\"nextPageToken\":\"t\"}",
	};
	for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
		last = false;
		assert_int_equal(jira_parse_search(ends[i], strlen(ends[i]), NULL, NULL, &last, token),
				 PDT_OK);
		assert_true(last);
		assert_string_equal(token, "");
	}
	/* Malformed: nothing reported, the listing ends. */
	static const char *const bad[] = {
		"{\"issues\":{}}", "[]", "{\"issues\":[],\"nextPageToken\":5}",
		"{\"issues\":[{\"key\":\"A-1\"}],\"nextPageToken\":\"a\\nb\"}",
		"{\"issues\":[{\"key\":\"has space\"}],\"nextPageToken\":\"t\"}",
		"{\"issues\":[{\"key\":\"A-1\",\"fields\":{\"customfield_10020\":[{\"id\":-1}]}}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		seen_issues none = {0};
		last = false;
		pdt_err rc = jira_parse_search(bad[i], strlen(bad[i]), on_issue, &none, &last, token);
		if (i == 5) {
			/* a Sprint field entry without a usable id: not the Sprint field */
			assert_int_equal(rc, PDT_OK);
			assert_false(none.v[0].sprint_known);
			continue;
		}
		assert_int_equal(rc, PDT_EINVAL);
		assert_int_equal(none.n, 0);
		assert_true(last);
		assert_string_equal(token, "");
	}
	/* A token longer than JIRA_TOKEN_MAX is refused. */
	buf big = BUF_INIT(JIRA_TOKEN_MAX * 2);
	assert_int_equal(buf_appends(&big, "{\"issues\":[{\"key\":\"A-1\"}],\"nextPageToken\":\""),
			 PDT_OK);
	for (int i = 0; i <= JIRA_TOKEN_MAX; i++)
		assert_int_equal(buf_appendc(&big, 'x'), PDT_OK);
	assert_int_equal(buf_appends(&big, "\"}"), PDT_OK);
	assert_int_equal(jira_parse_search(buf_str(&big), strlen(buf_str(&big)), NULL, NULL, &last,
					   token),
			 PDT_EINVAL);
	buf_release(&big);
}

static void test_agile_issue_sprint_field(void **state)
{
	static const char page[] =
		"{\"startAt\":0,\"maxResults\":50,\"total\":1,\"issues\":[{\"key\":\"PROJ-9\","
		"\"fields\":{\"customfield_10020\":[{\"id\":4,\"state\":\"closed\"}]}}]}";
	seen_issues s = {0};
	(void)state;
	assert_int_equal(jira_parse_issues(page, strlen(page), on_issue, &s, NULL, NULL), PDT_OK);
	assert_int_equal(s.n, 1);
	assert_true(s.v[0].sprint_known);
	assert_int_equal(s.v[0].open_sprint, 0); /* closed sprints only */
	/* Without the field: not known. */
	static const char none[] =
		"{\"startAt\":0,\"total\":1,\"issues\":[{\"key\":\"PROJ-9\",\"fields\":{}}]}";
	seen_issues t = {0};
	assert_int_equal(jira_parse_issues(none, strlen(none), on_issue, &t, NULL, NULL), PDT_OK);
	assert_false(t.v[0].sprint_known);
}

static void test_one_sprint(void **state)
{
	static const char body[] =
		"{\"id\":37,\"self\":\"https://x/rest/agile/1.0/sprint/37\",\"state\":\"closed\","
		"\"name\":\"Sprint 37\",\"startDate\":\"2026-02-02T09:00:00.000Z\","
		"\"endDate\":\"2026-02-16T09:00:00.000Z\","
		"\"completeDate\":\"2026-02-16T10:30:00.000+0100\",\"originBoardId\":4,\"goal\":\"\"}";
	seen_sprints s = {0};
	(void)state;
	assert_int_equal(jira_parse_sprint(body, strlen(body), on_sprint, &s), PDT_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].id, 37);
	assert_int_equal(s.v[0].board_id, 4);
	assert_string_equal(s.state[0], "closed");
	assert_string_equal(s.name[0], "Sprint 37");
	assert_int_equal(s.v[0].complete_date, 1771234200);
	static const char *const bad[] = {"", "[]", "{\"id\":0}", "{\"id\":\"37\"}",
					  "{\"id\":3,\"startDate\":\"yesterday\"}",
					  "{\"id\":3,\"originBoardId\":-2}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		seen_sprints none = {0};
		assert_int_equal(jira_parse_sprint(bad[i], strlen(bad[i]), on_sprint, &none),
				 PDT_EINVAL);
		assert_int_equal(none.n, 0);
	}
}

static void test_new_call_arguments(void **state)
{
	jira_ref ref = {.base = "https://team.atlassian.net", .email = "a@b.c", .token = "t"};
	provider_result res;
	(void)state;
	assert_int_equal(jira_sprint_get(NULL, &ref, 0, on_sprint, NULL, &res), PDT_EINVAL);
	assert_int_equal(jira_search(NULL, &ref, "", on_issue, NULL, &res), PDT_EINVAL);
	assert_int_equal(jira_search(NULL, &ref, NULL, on_issue, NULL, &res), PDT_EINVAL);
	jira_ref bad = ref;
	bad.base = "ftp://x";
	assert_int_equal(jira_search(NULL, &bad, "key = A-1", on_issue, NULL, &res), PDT_EINVAL);
}

/* ---- descriptions and comments (issue 11) ---- */

typedef struct seen_notes {
	int n;
	char desc[MAX_SEEN][TEXT];
	bool desc_known[MAX_SEEN], comments_known[MAX_SEEN], truncated[MAX_SEEN];
	size_t ncomments[MAX_SEEN];
	char first_body[MAX_SEEN][TEXT], first_id[MAX_SEEN][TEXT], first_email[MAX_SEEN][TEXT];
	int64_t first_created[MAX_SEEN];
} seen_notes;

static int on_notes(const jira_issue *i, void *ctx)
{
	seen_notes *s = ctx;
	int k = s->n++;
	if (k >= MAX_SEEN)
		return 0;
	s->desc_known[k] = i->description_known;
	snprintf(s->desc[k], TEXT, "%s", i->description ? i->description : "(null)");
	s->comments_known[k] = i->comments_known;
	s->truncated[k] = i->comments_truncated;
	s->ncomments[k] = i->ncomments;
	if (i->ncomments) {
		snprintf(s->first_body[k], TEXT, "%s", i->comments[0].body);
		snprintf(s->first_id[k], TEXT, "%s", i->comments[0].id);
		snprintf(s->first_email[k], TEXT, "%s", i->comments[0].author_email);
		s->first_created[k] = i->comments[0].created;
	}
	return 0;
}

static void test_descriptions_and_embedded_comments(void **state)
{
	(void)state;
	static const char page[] =
		"{\"startAt\":0,\"maxResults\":50,\"total\":3,\"issues\":["
		"{\"key\":\"P-1\",\"fields\":{\"description\":\"wiki\\ntext\","
		"\"comment\":{\"comments\":[{\"id\":\"10000\",\"author\":{\"displayName\":"
		"\"Al\",\"emailAddress\":\"al@x\"},\"body\":\"hi\",\"created\":"
		"\"2026-02-18T14:30:00.000+0100\",\"updated\":\"2026-02-18T14:30:00.000+0100\"}],"
		"\"maxResults\":1,\"total\":25,\"startAt\":0}}},"
		"{\"key\":\"P-2\",\"fields\":{\"description\":{\"type\":\"doc\",\"content\":["
		"{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"adf\"}]}]},"
		"\"comment\":{\"comments\":[{\"id\":7,\"body\":{\"type\":\"doc\",\"content\":["
		"{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"b\"}]}]}}],"
		"\"total\":1}}},"
		"{\"key\":\"P-3\",\"fields\":{\"description\":null,\"summary\":\"s\"}}]}";
	seen_notes s = {0};
	assert_int_equal(jira_parse_issues(page, strlen(page), on_notes, &s, NULL, NULL), PDT_OK);
	assert_int_equal(s.n, 3);
	assert_true(s.desc_known[0] && s.comments_known[0] && s.truncated[0]);
	assert_string_equal(s.desc[0], "wiki\ntext");
	assert_int_equal(s.ncomments[0], 1);
	assert_string_equal(s.first_body[0], "hi");
	assert_string_equal(s.first_id[0], "10000");
	assert_string_equal(s.first_email[0], "al@x");
	assert_int_equal(s.first_created[0], 1771421400); /* 13:30Z */
	assert_string_equal(s.desc[1], "adf");
	assert_false(s.truncated[1]);
	assert_string_equal(s.first_id[1], "7");
	assert_string_equal(s.first_body[1], "b");
	assert_true(s.desc_known[2]);
	assert_string_equal(s.desc[2], "");
	assert_false(s.comments_known[2]); /* the field did not come: stored ones stay */
	/* Wrong shapes make the page malformed. */
	static const char *const bad[] = {
		"{\"issues\":[{\"key\":\"P-1\",\"fields\":{\"description\":5}}]}",
		"{\"issues\":[{\"key\":\"P-1\",\"fields\":{\"comment\":[]}}]}",
		"{\"issues\":[{\"key\":\"P-1\",\"fields\":{\"comment\":{\"comments\":[{}]}}}]}",
		"{\"issues\":[{\"key\":\"P-1\",\"fields\":{\"comment\":{\"comments\":"
		"[{\"id\":\"a b\"}]}}}]}",
		"{\"issues\":[{\"key\":\"P-1\",\"fields\":{\"comment\":{\"comments\":"
		"[{\"id\":\"1\",\"created\":\"yesterday\"}]}}}]}",
		"{\"issues\":[{\"key\":\"P-1\",\"fields\":{\"comment\":{\"comments\":"
		"[{\"id\":\"1\",\"body\":[1]}]}}}]}",
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		seen_notes z = {0};
		assert_int_equal(jira_parse_issues(bad[k], strlen(bad[k]), on_notes, &z, NULL, NULL),
				 PDT_EINVAL);
		assert_int_equal(z.n, 0);
	}
}

typedef struct seen_comments {
	int n;
	char id[MAX_SEEN][TEXT], body[MAX_SEEN][TEXT], author[MAX_SEEN][TEXT];
} seen_comments;

static int on_comment(const jira_comment *c, void *ctx)
{
	seen_comments *s = ctx;
	if (s->n < MAX_SEEN) {
		snprintf(s->id[s->n], TEXT, "%s", c->id);
		snprintf(s->body[s->n], TEXT, "%s", c->body);
		snprintf(s->author[s->n], TEXT, "%s", c->author);
	}
	s->n++;
	return 0;
}

static void test_comment_pages(void **state)
{
	(void)state;
	static const char first[] =
		"{\"startAt\":0,\"maxResults\":2,\"total\":3,\"comments\":["
		"{\"id\":\"1\",\"author\":{\"displayName\":\"A\"},\"body\":\"one\"},"
		"{\"id\":\"2\",\"author\":null,\"body\":null}]}";
	static const char last[] =
		"{\"startAt\":2,\"maxResults\":2,\"total\":3,\"comments\":["
		"{\"id\":\"3\",\"body\":\"three\"}]}";
	seen_comments s = {0};
	bool is_last = true;
	int64_t next = 0;
	assert_int_equal(jira_parse_comments(first, strlen(first), on_comment, &s, &is_last, &next),
			 PDT_OK);
	assert_false(is_last);
	assert_int_equal(next, 2);
	assert_int_equal(jira_parse_comments(last, strlen(last), on_comment, &s, &is_last, &next),
			 PDT_OK);
	assert_true(is_last);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.body[0], "one");
	assert_string_equal(s.author[0], "A");
	assert_string_equal(s.body[1], "");
	assert_string_equal(s.author[1], "");
	assert_string_equal(s.id[2], "3");
	static const char broken[] = "{\"comments\":{}}";
	seen_comments z = {0};
	assert_int_equal(jira_parse_comments(broken, strlen(broken), on_comment, &z, &is_last,
					     &next), PDT_EINVAL);
	assert_true(is_last);
	assert_int_equal(z.n, 0);
	/* The call checks its key before anything is sent. */
	provider_result res = {0};
	jira_ref ref = {.base = "http://127.0.0.1:1", .email = "e@x", .token = "t"};
	assert_int_equal(jira_issue_comments(NULL, &ref, "bad key", on_comment, &z, &res),
			 PDT_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boards_pages),
		cmocka_unit_test(test_page_flags_fallbacks),
		cmocka_unit_test(test_sprints),
		cmocka_unit_test(test_issues),
		cmocka_unit_test(test_issue_changelog_truncated),
		cmocka_unit_test(test_issue_changelog_ties),
		cmocka_unit_test(test_changelog_pages),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_early_stop),
		cmocka_unit_test(test_call_arguments),
		cmocka_unit_test(test_base_url),
		cmocka_unit_test(test_search_page),
		cmocka_unit_test(test_agile_issue_sprint_field),
		cmocka_unit_test(test_one_sprint),
		cmocka_unit_test(test_new_call_arguments),
		cmocka_unit_test(test_descriptions_and_embedded_comments),
		cmocka_unit_test(test_comment_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
