/* /api/sync: the manual triggers and the per-user status.
 *
 * A trigger never runs its pass on the HTTP thread: worker/trigger runs it
 * (or joins the one running) on its own pool and this thread waits at most
 * SYNC_WAIT. A pass that ended answers 200 with its report; one still
 * running answers 202 {"status":"syncing"} and goes on in the background
 * (GET /api/sync/status shows it "syncing", then "idle" with its outcome). */
#include "api/api.h"

#include <stdlib.h>

#include "core/mem.h"
#include "core/timeutil.h"
#include "http/response.h"
#include "sync/commits.h"
#include "sync/jira.h"
#include "worker/trigger.h"
#include "core/banned.h"

static json_t *repo_result_json(const sync_repo_report *r)
{
	return json_pack("{s:I,s:o,s:o,s:I,s:I,s:o}", "repo_id", (json_int_t)r->repo_id,
			 "repo_name", http_json_str(r->repo_name),
			 "provider", http_json_str(r->provider),
			 "new_commits", (json_int_t)r->new_commits,
			 "total_fetched", (json_int_t)r->total_fetched,
			 "error", http_json_str(r->error));
}

/* The 200 body of a finished commit pass (or the error it ended with). */
static void commits_answer(http_resp *resp, pdt_err rc, const sync_report *rep)
{
	if (rc || !rep) {
		http_resp_from_err(resp, rc ? rc : PDT_ESTORE, NULL);
		return;
	}
	json_t *results = json_array();
	for (size_t i = 0; i < rep->n; i++)
		json_array_append_new(results, repo_result_json(&rep->repos[i]));
	if (rep->n == 0)
		http_resp_json(resp, 200, json_pack("{s:s,s:o}", "message",
						    "no repositories to sync", "results", results));
	else
		http_resp_json(resp, 200, json_pack("{s:o}", "results", results));
}

static void jira_answer(http_resp *resp, pdt_err rc, const sync_report *rep)
{
	if (!rep) {
		http_resp_from_err(resp, rc ? rc : PDT_ESTORE, NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:I,s:I,s:o}", "sprints", (json_int_t)rep->sprints,
					    "cards", (json_int_t)rep->cards,
					    "error", http_json_str(rep->error)));
}

/* ?workspace_id=N: that workspace's share of the pass, plus
 * "status":"synced" and "workspace_id" (PDT's shape). */
static void jira_ws_answer(http_resp *resp, pdt_err rc, const sync_report *rep, int64_t ws)
{
	const sync_ws_report *w = NULL;
	if (!rep || rc == PDT_ENOTFOUND) {
		http_resp_from_err(resp, rc ? rc : PDT_ESTORE, "workspace not found");
		return;
	}
	for (size_t i = 0; i < rep->nws && !w; i++)
		if (rep->ws[i].workspace_id == ws)
			w = &rep->ws[i];
	http_resp_json(resp, 200, json_pack("{s:s,s:I,s:I,s:I,s:o}", "status", "synced",
					    "workspace_id", (json_int_t)ws,
					    "sprints", (json_int_t)(w ? w->sprints : 0),
					    "cards", (json_int_t)(w ? w->cards : 0),
					    "error", http_json_str(w ? w->error : rep->error)));
}

/* trigger_done_fn: answers the deferred request (on the trigger's thread). */
static void answer(http_deferred *d, trigger_outcome o, pdt_err rc, sync_report *rep,
		   void (*body)(http_resp *, pdt_err, const sync_report *))
{
	http_resp resp = {0};
	if (o == TRIGGER_RUNNING)
		http_resp_json(&resp, 202, json_pack("{s:s}", "status", "syncing"));
	else
		body(&resp, rc, rep);
	sync_report_unref(rep);
	http_deferred_finish(d, &resp);
}

static void on_commits_done(void *arg, trigger_outcome o, pdt_err rc, sync_report *rep)
{
	answer(arg, o, rc, rep, commits_answer);
}

static void on_jira_done(void *arg, trigger_outcome o, pdt_err rc, sync_report *rep)
{
	answer(arg, o, rc, rep, jira_answer);
}

typedef struct ws_wait {
	http_deferred *d;
	int64_t ws;
} ws_wait;

static void on_jira_ws_done(void *arg, trigger_outcome o, pdt_err rc, sync_report *rep)
{
	ws_wait *w = arg;
	http_resp resp = {0};
	if (o == TRIGGER_RUNNING)
		http_resp_json(&resp, 202, json_pack("{s:s}", "status", "syncing"));
	else
		jira_ws_answer(&resp, rc, rep, w->ws);
	sync_report_unref(rep);
	http_deferred_finish(w->d, &resp);
	free(w);
}

static int64_t wait_ms(const api_app *a)
{
	return a->cfg->sync_wait_ns / TIMEUTIL_NS_PER_MS;
}

void api_sync_commits(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	(void)resp; /* answered through the deferred request */
	trigger_submit(a->triggers, req->user_id, TRIGGER_COMMITS, wait_ms(a), 0,
		       on_commits_done, http_req_defer(req));
}

void api_sync_jira(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const char *q = http_req_query(req, "workspace_id");
	store_jira_workspace w = {0};
	int64_t ws = 0;
	if (!sync_jira_configured(api_user(req))) {
		http_resp_error(resp, 400, "jira not configured");
		return;
	}
	if (!q || !*q) {
		trigger_submit(a->triggers, req->user_id, TRIGGER_JIRA, wait_ms(a), 0, on_jira_done,
			       http_req_defer(req));
		return;
	}
	pdt_err rc = api_parse_id(q, &ws) ? store_jira_workspace_get(a->st, req->user_id, ws, &w)
					  : PDT_ENOTFOUND;
	store_jira_workspace_release(&w);
	if (rc) {
		http_resp_from_err(resp, rc, "workspace not found");
		return;
	}
	ws_wait *wait = xcalloc(1, sizeof *wait);
	*wait = (ws_wait){.d = http_req_defer(req), .ws = ws};
	trigger_submit_ws(a->triggers, req->user_id, TRIGGER_JIRA, ws, wait_ms(a), 0,
			  on_jira_ws_done, wait);
}

static json_t *status_json(api_app *a, int64_t user_id, const char *source)
{
	store_sync_status st;
	if (store_sync_status_get(a->st, user_id, source, &st))
		return NULL;
	/* A user who registered after start-up has no row yet: the worker knows. */
	int64_t next = st.next_sync ? st.next_sync : scheduler_next_sync(a->worker, source);
	json_t *j = json_pack("{s:o,s:o,s:s,s:o}", "last_sync", http_json_time(st.last_sync),
			      "next_sync", http_json_time(next), "status", st.status,
			      "last_error", st.last_error ? http_json_str(st.last_error) : json_null());
	store_sync_status_release(&st);
	return j;
}

void api_sync_status(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	json_t *c = status_json(a, req->user_id, "commits");
	json_t *j = status_json(a, req->user_id, "jira");
	if (!c || !j) {
		json_decref(c);
		json_decref(j);
		http_resp_from_err(resp, PDT_ESTORE, NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:o,s:o}", "commits", c, "jira", j));
}
