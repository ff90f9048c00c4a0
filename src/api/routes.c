#include "api/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/jwtauth.h"
#include "auth/tokencache.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "http/response.h"
#include "core/banned.h"

/* A template body: its source (TMPL_MAX_SOURCE, 256 KiB) escaped in JSON. */
#define REPORT_BODY_MAX (1024 * 1024)

/* The whole HTTP API at a glance. Checked centrally before any handler runs. */
static const http_route routes[] = {
	{HTTP_GET, "/healthz", api_ops_healthz, 0, 0},
	/* Not a user route: open, or METRICS_TOKEN checked by the handler (a
	 * scrape config cannot renew a user's JWT). */
	{HTTP_GET, "/metrics", api_ops_metrics, 0, 0},
	{HTTP_POST, "/api/auth/register", api_auth_register, HTTP_JSON, 64 * 1024},
	{HTTP_POST, "/api/auth/login", api_auth_login, HTTP_JSON, 64 * 1024},
	{HTTP_GET, "/api/user/profile", api_profile_get, HTTP_AUTH, 0},
	{HTTP_PUT, "/api/user/profile", api_profile_put, HTTP_AUTH | HTTP_JSON, 64 * 1024},
	{HTTP_POST, "/api/user/profile/validate", api_profile_validate, HTTP_AUTH, 0},
	{HTTP_GET, "/api/repos", api_repos_list, HTTP_AUTH, 0},
	{HTTP_POST, "/api/repos", api_repos_create, HTTP_AUTH | HTTP_JSON, 64 * 1024},
	{HTTP_DELETE, "/api/repos/:id", api_repos_delete, HTTP_AUTH, 0},
	{HTTP_POST, "/api/repos/:id/validate", api_repos_validate, HTTP_AUTH, 0},
	{HTTP_GET, "/api/commits", api_commits_list, HTTP_AUTH, 0},
	{HTTP_GET, "/api/commits/missing", api_commits_missing, HTTP_AUTH, 0},
	{HTTP_POST, "/api/commits/:sha/link", api_commits_link, HTTP_AUTH | HTTP_JSON, 64 * 1024},
	{HTTP_POST, "/api/sync/commits", api_sync_commits, HTTP_AUTH, 0},
	{HTTP_POST, "/api/sync/jira", api_sync_jira, HTTP_AUTH, 0},
	{HTTP_GET, "/api/sync/status", api_sync_status, HTTP_AUTH, 0},
	{HTTP_GET, "/api/jira/sprints", api_jira_sprints, HTTP_AUTH, 0},
	{HTTP_GET, "/api/jira/sprints/:id", api_jira_sprint, HTTP_AUTH, 0},
	{HTTP_GET, "/api/jira/active-sprint", api_jira_active_sprint, HTTP_AUTH, 0},
	{HTTP_GET, "/api/jira/cards", api_jira_cards, HTTP_AUTH, 0},
	{HTTP_GET, "/api/jira/cards/:key", api_jira_card, HTTP_AUTH, 0},
	{HTTP_GET, "/api/jira/cards/:key/comments", api_jira_card_comments, HTTP_AUTH, 0},
	{HTTP_GET, "/api/jira/workspaces", api_jira_workspaces_list, HTTP_AUTH, 0},
	{HTTP_POST, "/api/jira/workspaces", api_jira_workspaces_create, HTTP_AUTH | HTTP_JSON,
	 64 * 1024},
	{HTTP_PATCH, "/api/jira/workspaces/:id", api_jira_workspaces_update,
	 HTTP_AUTH | HTTP_JSON, 64 * 1024},
	{HTTP_DELETE, "/api/jira/workspaces/:id", api_jira_workspaces_delete, HTTP_AUTH, 0},
	/* Reports: the static segments (generate, templates) come before :id,
	 * since the first matching row wins. */
	{HTTP_POST, "/api/reports/generate", api_reports_generate, HTTP_AUTH, 64 * 1024},
	{HTTP_POST, "/api/reports/generate/monthly", api_reports_generate_monthly, HTTP_AUTH,
	 64 * 1024},
	{HTTP_GET, "/api/reports", api_reports_list, HTTP_AUTH, 0},
	{HTTP_GET, "/api/reports/templates", api_templates_list, HTTP_AUTH, 0},
	{HTTP_POST, "/api/reports/templates", api_templates_create, HTTP_AUTH | HTTP_JSON,
	 REPORT_BODY_MAX},
	{HTTP_POST, "/api/reports/templates/preview", api_templates_preview,
	 HTTP_AUTH | HTTP_JSON, REPORT_BODY_MAX},
	{HTTP_PUT, "/api/reports/templates/:id", api_templates_update, HTTP_AUTH | HTTP_JSON,
	 REPORT_BODY_MAX},
	{HTTP_DELETE, "/api/reports/templates/:id", api_templates_delete, HTTP_AUTH, 0},
	{HTTP_GET, "/api/reports/:id", api_reports_get, HTTP_AUTH, 0},
	{HTTP_DELETE, "/api/reports/:id", api_reports_delete, HTTP_AUTH, 0},
};

const http_route *api_routes(size_t *n)
{
	*n = sizeof routes / sizeof routes[0];
	return routes;
}

bool api_parse_id(const char *s, int64_t *out)
{
	if (!s || *s < '0' || *s > '9' || strlen(s) > 19)
		return false;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v <= 0)
		return false;
	*out = (int64_t)v;
	return true;
}

const char *api_bearer_token(const char *h)
{
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

static void free_user(void *p)
{
	store_user_release(p);
	free(p);
}

int api_authenticate(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const char *h = http_req_header(req, "Authorization");
	if (!h) {
		http_resp_error(resp, 401, "missing authorization header");
		return -1;
	}
	const char *tok = api_bearer_token(h);
	int64_t uid = 0, exp = 0, now = timeutil_now();
	if (!tok) {
		http_resp_error(resp, 401, "invalid or expired token");
		return -1;
	}
	if (!tokencache_get(a->tokens, tok, now, &uid)) {
		if (jwtauth_verify_exp(a->cfg->jwt_secret, tok, now, &uid, &exp)) {
			http_resp_error(resp, 401, "invalid or expired token");
			return -1;
		}
		tokencache_put(a->tokens, tok, uid, exp);
	}
	store_user *u = xcalloc(1, sizeof *u);
	pdt_err rc = store_user_by_id(a->st, uid, u);
	if (rc) {
		free(u);
		if (rc == PDT_ENOTFOUND)
			http_resp_error(resp, 401, "invalid or expired token");
		else
			http_resp_from_err(resp, rc, NULL);
		return -1;
	}
	req->user_id = uid;
	req->auth = u;
	req->auth_free = free_user;
	return 0;
}

const store_user *api_user(const http_req *req)
{
	return req->auth;
}
