#ifndef PDT_API_API_H
#define PDT_API_API_H
/*
 * api: the HTTP API's handlers, one file per resource (auth, profile, repos,
 * commits, jira, sync, reports, ops), and the route table (routes.c) that the HTTP layer checks
 * before any handler runs: method, pattern, auth, JSON body, body cap.
 *
 * Every handler gets the api_app below. Handlers hold only their own logic:
 * the table guarantees authentication (req->user_id > 0) and a parsed JSON
 * object body (req->json) where the route asks for them.
 *
 * Ownership: api_app borrows config and store; main owns both.
 */
#include <stddef.h>

#include "auth/throttle.h"
#include "auth/tokencache.h"
#include "core/config.h"
#include "http/http.h"
#include "store/store.h"
#include "sync/commits.h"
#include "worker/scheduler.h"
#include "worker/trigger.h"

typedef struct api_app {
	const config *cfg;
	store *st;
	tokencache *tokens; /* verified bearer tokens (owned by main) */
	throttle *logins;   /* failed-login limiter (owned by main; NULL = no limit) */
	sync_ctx *sync;     /* the sync functions' context (owned by main) */
	scheduler *worker;  /* the background worker, NULL when disabled (owned by main) */
	trigger *triggers;  /* the manual triggers' pool (owned by main) */
} api_app;

/* The route table (static storage). */
const http_route *api_routes(size_t *n);

/*
 * The HTTP_AUTH hook: verifies the bearer JWT and loads its user (401 when
 * the user no longer exists). The loaded row is kept for the handler, so a
 * handler that needs the user costs no second query: see api_user().
 */
int api_authenticate(void *app, http_req *req, http_resp *resp);
/* The token of an "Authorization: Bearer <token>" value (scheme
 * case-insensitive; borrowed from h); NULL when h is NULL or malformed. */
const char *api_bearer_token(const char *h);

/* The authenticated caller's row (borrowed; lives as long as the request). */
const store_user *api_user(const http_req *req);

/* A commit as the API shows it (jansson; for small lists — the big listing
 * writes its JSON directly). */
json_t *api_commit_json(const store_commit *c);

/* Parses a strictly positive decimal int64 (no sign, no spaces, no garbage). */
bool api_parse_id(const char *s, int64_t *out);

/* Handlers (one group per file). */
void api_auth_register(void *app, http_req *req, http_resp *resp);
void api_auth_login(void *app, http_req *req, http_resp *resp);
void api_profile_get(void *app, http_req *req, http_resp *resp);
void api_profile_put(void *app, http_req *req, http_resp *resp);
void api_profile_validate(void *app, http_req *req, http_resp *resp);
void api_repos_list(void *app, http_req *req, http_resp *resp);
void api_repos_create(void *app, http_req *req, http_resp *resp);
void api_repos_delete(void *app, http_req *req, http_resp *resp);
void api_repos_validate(void *app, http_req *req, http_resp *resp);
void api_commits_list(void *app, http_req *req, http_resp *resp);
void api_commits_missing(void *app, http_req *req, http_resp *resp);
void api_commits_link(void *app, http_req *req, http_resp *resp);
void api_sync_commits(void *app, http_req *req, http_resp *resp);
void api_sync_jira(void *app, http_req *req, http_resp *resp);
void api_jira_sprints(void *app, http_req *req, http_resp *resp);
void api_jira_sprint(void *app, http_req *req, http_resp *resp);
void api_jira_active_sprint(void *app, http_req *req, http_resp *resp);
void api_jira_cards(void *app, http_req *req, http_resp *resp);
void api_jira_card(void *app, http_req *req, http_resp *resp);
void api_jira_card_comments(void *app, http_req *req, http_resp *resp);
void api_jira_workspaces_list(void *app, http_req *req, http_resp *resp);
void api_jira_workspaces_create(void *app, http_req *req, http_resp *resp);
void api_jira_workspaces_update(void *app, http_req *req, http_resp *resp);
void api_jira_workspaces_delete(void *app, http_req *req, http_resp *resp);
void api_sync_status(void *app, http_req *req, http_resp *resp);
void api_ops_healthz(void *app, http_req *req, http_resp *resp);
void api_ops_metrics(void *app, http_req *req, http_resp *resp);
void api_reports_generate(void *app, http_req *req, http_resp *resp);
void api_reports_generate_monthly(void *app, http_req *req, http_resp *resp);
void api_reports_list(void *app, http_req *req, http_resp *resp);
void api_reports_get(void *app, http_req *req, http_resp *resp);
void api_reports_delete(void *app, http_req *req, http_resp *resp);
void api_templates_list(void *app, http_req *req, http_resp *resp);
void api_templates_create(void *app, http_req *req, http_resp *resp);
void api_templates_update(void *app, http_req *req, http_resp *resp);
void api_templates_delete(void *app, http_req *req, http_resp *resp);
void api_templates_preview(void *app, http_req *req, http_resp *resp);

#endif
