/* /api/jira: sprints, the active sprint, cards, a card's detail and its
 * comments, served from stored data; a user whose Jira data was never
 * synced gets one bounded pass first (jira_serve, at the end). Every route
 * takes ?workspace_id= (one of the caller's workspaces, else 404 "workspace
 * not found"); without it they cover all the caller's workspaces, and a
 * card key found in several is the one of the oldest workspace. Each
 * workspace's project_keys filter its cards in listings. */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/timeutil.h"
#include "http/response.h"
#include "sync/jira.h"
#include "sync/jiradetail.h"
#include "worker/trigger.h"
#include "core/banned.h"

#define KEY_MAX 64

/* ?workspace_id=: 0 when absent or empty; false (answered 404) when it is
 * not one of the caller's workspaces. */
static bool ws_scope(api_app *a, http_req *req, http_resp *resp, int64_t *ws)
{
	const char *q = http_req_query(req, "workspace_id");
	store_jira_workspace w = {0};
	*ws = 0;
	if (!q || !*q)
		return true;
	pdt_err rc = api_parse_id(q, ws) ? store_jira_workspace_get(a->st, req->user_id, *ws, &w)
					 : PDT_ENOTFOUND;
	store_jira_workspace_release(&w);
	if (rc)
		http_resp_from_err(resp, rc, "workspace not found");
	return rc == PDT_OK;
}

/* Each workspace's project filter: listings keep only its projects' cards. */
typedef struct ws_filters {
	struct store_jira_workspace_list wl;
	jiradetail_set *f;
} ws_filters;

static void filters_load(api_app *a, int64_t user_id, ws_filters *fs)
{
	memset(fs, 0, sizeof *fs);
	if (store_jira_workspace_list(a->st, user_id, &fs->wl))
		return;
	fs->f = xcalloc(fs->wl.n ? fs->wl.n : 1, sizeof *fs->f);
	for (size_t i = 0; i < fs->wl.n; i++)
		jiradetail_set_init(&fs->f[i], fs->wl.items[i].project_keys);
}

static void filters_release(ws_filters *fs)
{
	for (size_t i = 0; fs->f && i < fs->wl.n; i++)
		jiradetail_set_release(&fs->f[i]);
	free(fs->f);
	store_jira_workspace_list_release(&fs->wl);
}

static bool card_allowed(const ws_filters *fs, const store_card *c)
{
	for (size_t i = 0; i < fs->wl.n; i++)
		if (fs->wl.items[i].id == c->workspace_id)
			return jiradetail_key_allowed(&fs->f[i], c->key);
	return true;
}

static json_t *card_json(const store_card *c)
{
	return json_pack("{s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)c->id,
			 "user_id", (json_int_t)c->user_id,
			 "workspace_id", (json_int_t)c->workspace_id, "key", http_json_str(c->key),
			 "summary", http_json_str(c->summary), "status", http_json_str(c->status),
			 "assignee", http_json_str(c->assignee),
			 "sprint_id", c->sprint_id ? json_integer(c->sprint_id) : json_null(),
			 "created_at", http_json_time(c->created_at));
}

/* The workspaces' project filters apply to listings too. */
static json_t *cards_json(const ws_filters *fs, const struct store_card_list *l,
			  int64_t sprint_id)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < l->n; i++)
		if ((!sprint_id || l->items[i].sprint_id == sprint_id) &&
		    card_allowed(fs, &l->items[i]))
			json_array_append_new(arr, card_json(&l->items[i]));
	return arr;
}

static json_t *sprint_json(const store_sprint *s, json_t *cards)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)s->id,
			 "user_id", (json_int_t)s->user_id,
			 "workspace_id", (json_int_t)s->workspace_id,
			 "jira_sprint_id", (json_int_t)s->jira_sprint_id,
			 "name", http_json_str(s->name), "state", http_json_str(s->state),
			 "start_date", http_json_time(s->start_date),
			 "end_date", http_json_time(s->end_date),
			 "created_at", http_json_time(s->created_at), "cards", cards);
}

static void body_sprints(api_app *a, http_req *req, http_resp *resp)
{
	struct store_sprint_list sl = {0};
	struct store_card_list cl = {0};
	ws_filters fs;
	int64_t ws;
	if (!ws_scope(a, req, resp, &ws))
		return;
	filters_load(a, req->user_id, &fs);
	pdt_err rc = store_sprint_list(a->st, req->user_id, ws, &sl);
	if (!rc)
		rc = store_card_list(a->st, req->user_id, ws, 0, &cl);
	if (rc) {
		http_resp_from_err(resp, rc, NULL);
		goto cleanup;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < sl.n; i++)
		json_array_append_new(arr, sprint_json(&sl.items[i],
						       cards_json(&fs, &cl, sl.items[i].id)));
	http_resp_json(resp, 200, arr);
cleanup:
	filters_release(&fs);
	store_card_list_release(&cl);
	store_sprint_list_release(&sl);
}

/* Answers the sprint (with its cards) or the store's error. */
static void answer_sprint(api_app *a, http_req *req, pdt_err rc, const store_sprint *s,
			  const char *not_found, http_resp *resp)
{
	struct store_card_list cl = {0};
	ws_filters fs;
	if (!rc)
		rc = store_card_list(a->st, req->user_id, 0, s->id, &cl);
	if (rc) {
		http_resp_from_err(resp, rc, not_found);
		return;
	}
	filters_load(a, req->user_id, &fs);
	http_resp_json(resp, 200, sprint_json(s, cards_json(&fs, &cl, 0)));
	filters_release(&fs);
	store_card_list_release(&cl);
}

static void body_sprint(api_app *a, http_req *req, http_resp *resp)
{
	store_sprint s = {0};
	int64_t id = 0;
	pdt_err rc = api_parse_id(http_req_param(req, 0), &id) ? PDT_OK : PDT_ENOTFOUND;
	if (!rc)
		rc = store_sprint_get(a->st, req->user_id, id, &s);
	answer_sprint(a, req, rc, &s, "sprint not found", resp);
	store_sprint_release(&s);
}

static void body_active_sprint(api_app *a, http_req *req, http_resp *resp)
{
	store_sprint s = {0};
	int64_t ws;
	if (!ws_scope(a, req, resp, &ws))
		return;
	pdt_err rc = store_sprint_active(a->st, req->user_id, ws, &s);
	answer_sprint(a, req, rc, &s, "no active sprint found", resp);
	store_sprint_release(&s);
}

static void body_cards(api_app *a, http_req *req, http_resp *resp)
{
	store_sprint s = {0};
	struct store_card_list cl = {0};
	int64_t id = 0, ws;
	const char *q = http_req_query(req, "sprint_id");
	pdt_err rc;
	if (!ws_scope(a, req, resp, &ws))
		return;
	if (q && *q) {
		rc = api_parse_id(q, &id) ? store_sprint_get(a->st, req->user_id, id, &s)
					  : PDT_ENOTFOUND;
		if (!rc && ws && s.workspace_id != ws)
			rc = PDT_ENOTFOUND; /* another workspace's sprint */
	} else {
		rc = store_sprint_active(a->st, req->user_id, ws, &s);
	}
	if (!rc)
		rc = store_card_list(a->st, req->user_id, 0, s.id, &cl);
	if (rc) {
		http_resp_from_err(resp, rc, q && *q ? "sprint not found" : "no active sprint found");
	} else {
		ws_filters fs;
		filters_load(a, req->user_id, &fs);
		http_resp_json(resp, 200, cards_json(&fs, &cl, 0));
		filters_release(&fs);
	}
	store_card_list_release(&cl);
	store_sprint_release(&s);
}

/* The user's commits for key (extracted key or manual link), as JSON. */
static json_t *commits_for(api_app *a, int64_t user_id, const char *key, size_t *n)
{
	struct store_commit_list l = {0};
	store_commit_filter f = {.jira_card_key = key, .has_link = -1};
	json_t *arr = json_array();
	if (store_commit_list(a->st, user_id, &f, &l) == PDT_OK)
		for (size_t i = 0; i < l.n; i++)
			json_array_append_new(arr, api_commit_json(&l.items[i]));
	if (n)
		*n = l.n;
	store_commit_list_release(&l);
	return arr;
}

/* Subtasks from the detail, each with its own commits. */
static json_t *subtasks_json(api_app *a, int64_t user_id, json_t *detail)
{
	json_t *out = json_array(), *v;
	size_t i;
	json_array_foreach(json_object_get(detail, "subtasks"), i, v) {
		const char *key = json_string_value(json_object_get(v, "key"));
		if (!key)
			continue;
		json_t *sub = json_deep_copy(v);
		json_object_set_new(sub, "commits", commits_for(a, user_id, key, NULL));
		json_array_append_new(out, sub);
	}
	return out;
}

static json_t *card_detail_json(api_app *a, int64_t user_id, const char *key,
				const store_card *c, json_t *commits)
{
	json_t *detail = c->details_json ? json_loads(c->details_json, 0, NULL) : NULL;
	json_t *parent = json_object_get(detail, "parent");
	json_t *log = json_object_get(detail, "changelog");
	json_t *chg = json_is_array(log) ? json_incref(log) : json_array();
	parent = json_is_object(parent) ? json_incref(parent) : json_null();
	json_t *j = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
			      "key", key, "summary", http_json_str(c->summary),
			      "description", http_json_str(c->description ? c->description : ""),
			      "workspace_id", c->workspace_id ? json_integer(c->workspace_id)
							      : json_null(),
			      "status", http_json_str(c->status),
			      "assignee", http_json_str(c->assignee),
			      "sprint_id", c->sprint_id ? json_integer(c->sprint_id) : json_null(),
			      "details_json", http_json_str(c->details_json),
			      "issue_type", http_json_str(c->issue_type),
			      "parent", parent, "subtasks", subtasks_json(a, user_id, detail),
			      "changelog", chg,
			      "commits", commits);
	json_decref(detail);
	return j;
}

static void body_card(api_app *a, http_req *req, http_resp *resp)
{
	store_card c = {0};
	size_t ncommits = 0;
	int64_t ws;
	const char *key = http_req_param(req, 0);
	if (!ws_scope(a, req, resp, &ws))
		return;
	if (strlen(key) > KEY_MAX) {
		http_resp_error(resp, 404, "card not found");
		return;
	}
	pdt_err rc = store_card_get(a->st, req->user_id, ws, key, &c);
	if (rc && rc != PDT_ENOTFOUND) {
		http_resp_from_err(resp, rc, NULL);
		return;
	}
	json_t *commits = commits_for(a, req->user_id, key, &ncommits);
	if (rc == PDT_ENOTFOUND && ncommits == 0) {
		json_decref(commits);
		http_resp_error(resp, 404, "card not found");
		return;
	}
	http_resp_json(resp, 200, card_detail_json(a, req->user_id, key, &c, commits));
	store_card_release(&c);
}

static json_t *comment_json(const store_comment *m)
{
	return json_pack("{s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)m->id,
			 "user_id", (json_int_t)m->user_id,
			 "workspace_id", (json_int_t)m->workspace_id,
			 "card_key", http_json_str(m->card_key),
			 "comment_id", http_json_str(m->comment_id),
			 "author", http_json_str(m->author),
			 "author_email", http_json_str(m->author_email),
			 "body", http_json_str(m->body),
			 "commented_at", http_json_time(m->commented_at),
			 "created_at", http_json_time(m->created_at));
}

/* GET /api/jira/cards/:key/comments: oldest first; 404 for an unknown card. */
static void body_comments(api_app *a, http_req *req, http_resp *resp)
{
	store_card c = {0};
	struct store_comment_list l = {0};
	int64_t ws;
	const char *key = http_req_param(req, 0);
	if (!ws_scope(a, req, resp, &ws))
		return;
	pdt_err rc = strlen(key) > KEY_MAX ? PDT_ENOTFOUND
					   : store_card_get(a->st, req->user_id, ws, key, &c);
	if (!rc)
		rc = store_comment_list(a->st, req->user_id, c.workspace_id, key, &l);
	if (rc) {
		http_resp_from_err(resp, rc, "card not found");
	} else {
		json_t *arr = json_array();
		for (size_t i = 0; i < l.n; i++)
			json_array_append_new(arr, comment_json(&l.items[i]));
		http_resp_json(resp, 200, arr);
	}
	store_comment_list_release(&l);
	store_card_release(&c);
}

/* ---- the first read ---- */

/* How long past its pass's time limit a first read waits: the pass's store. */
#define FIRST_READ_STORE_MS 1000

typedef void (*jira_body)(api_app *a, http_req *req, http_resp *resp);

typedef struct first_read {
	api_app *a;
	http_req *req; /* alive while its connection is suspended */
	jira_body body;
	http_deferred *d;
} first_read;

/* trigger_done_fn: the first pass ended (or its wait did): answer from the store. */
static void on_first_pass(void *arg, trigger_outcome o, pdt_err rc, sync_report *rep)
{
	first_read *f = arg;
	http_resp resp = {0};
	(void)o;
	(void)rc; /* whatever the pass did, the answer is what is stored now */
	sync_report_unref(rep);
	f->body(f->a, f->req, &resp);
	http_deferred_finish(f->d, &resp);
	free(f);
}

static bool never_synced(api_app *a, int64_t user_id)
{
	store_sync_status st;
	if (store_sync_status_get(a->st, user_id, "jira", &st) != PDT_OK)
		return false;
	bool never = st.last_sync == 0;
	store_sync_status_release(&st);
	return never;
}

/*
 * Without Jira settings only the sprint list answers 400 (must_configure);
 * the other routes answer from what is stored, i.e. their 404, as the Go
 * original does. A user whose Jira data was never synced gets one pass
 * first, bounded by JIRA_FIRST_SYNC_TIMEOUT: it runs on the trigger pool
 * (joining a pass already running) while the request is deferred, so no
 * HTTP thread waits, and the answer comes from the store when the pass ends
 * or its time is up.
 */
static void jira_serve(void *app, http_req *req, http_resp *resp, bool must_configure,
		       jira_body body)
{
	api_app *a = app;
	if (!sync_jira_configured(api_user(req))) {
		if (must_configure)
			http_resp_error(resp, 400, "jira not configured");
		else
			body(a, req, resp);
		return;
	}
	if (!never_synced(a, req->user_id)) {
		body(a, req, resp);
		return;
	}
	first_read *f = xcalloc(1, sizeof *f);
	int64_t ms = a->cfg->jira_first_sync_timeout_ns / TIMEUTIL_NS_PER_MS;
	*f = (first_read){.a = a, .req = req, .body = body, .d = http_req_defer(req)};
	trigger_submit(a->triggers, req->user_id, TRIGGER_JIRA, ms + FIRST_READ_STORE_MS, ms,
		       on_first_pass, f);
}

void api_jira_sprints(void *app, http_req *req, http_resp *resp)
{
	jira_serve(app, req, resp, true, body_sprints);
}

void api_jira_sprint(void *app, http_req *req, http_resp *resp)
{
	jira_serve(app, req, resp, false, body_sprint);
}

void api_jira_active_sprint(void *app, http_req *req, http_resp *resp)
{
	jira_serve(app, req, resp, false, body_active_sprint);
}

void api_jira_cards(void *app, http_req *req, http_resp *resp)
{
	jira_serve(app, req, resp, false, body_cards);
}

void api_jira_card(void *app, http_req *req, http_resp *resp)
{
	jira_serve(app, req, resp, false, body_card);
}

void api_jira_card_comments(void *app, http_req *req, http_resp *resp)
{
	jira_serve(app, req, resp, false, body_comments);
}
