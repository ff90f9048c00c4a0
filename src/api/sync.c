/* /api/sync: the manual triggers and the per-user status.
 *
 * A trigger never runs its pass on the HTTP thread: worker/trigger runs it
 * (or joins the one running) on its own pool and this thread waits at most
 * SYNC_WAIT. A pass that ended answers 200 with its report; one still
 * running answers 202 {"status":"syncing"} and goes on in the background
 * (GET /api/sync/status shows it "syncing", then "idle" with its outcome). */
#include "api/api.h"

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

/* Starts or joins the pass; true when it ended (rc, *rep), false after
 * answering 202 because it still runs. */
static bool run_or_202(api_app *a, http_req *req, http_resp *resp, trigger_source src,
		       pdt_err *rc, sync_report **rep)
{
	int64_t wait_ms = a->cfg->sync_wait_ns / TIMEUTIL_NS_PER_MS;
	if (trigger_run(a->triggers, req->user_id, src, wait_ms, rc, rep) == TRIGGER_DONE)
		return true;
	http_resp_json(resp, 202, json_pack("{s:s}", "status", "syncing"));
	return false;
}

void api_sync_commits(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	sync_report *rep = NULL;
	pdt_err rc = PDT_OK;
	if (!run_or_202(a, req, resp, TRIGGER_COMMITS, &rc, &rep))
		return;
	if (rc || !rep) {
		http_resp_from_err(resp, rc ? rc : PDT_ESTORE, NULL);
		sync_report_unref(rep);
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
	sync_report_unref(rep);
}

void api_sync_jira(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	if (!sync_jira_configured(api_user(req))) {
		http_resp_error(resp, 400, "jira not configured");
		return;
	}
	sync_report *rep = NULL;
	pdt_err rc = PDT_OK;
	if (!run_or_202(a, req, resp, TRIGGER_JIRA, &rc, &rep))
		return;
	if (!rep) {
		http_resp_from_err(resp, rc ? rc : PDT_ESTORE, NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:I,s:I,s:o}", "sprints", (json_int_t)rep->sprints,
					    "cards", (json_int_t)rep->cards,
					    "error", http_json_str(rep->error)));
	sync_report_unref(rep);
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
			      "last_error", st.last_error ? json_string(st.last_error) : json_null());
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
