/* /api/jira/workspaces: the caller's Jira sites (PDT's current shapes).
 *
 * A workspace is {"id","user_id","workspace","name","project_keys",
 * "is_active","created_at","updated_at"}; credentials stay in the profile.
 * Two workspaces of one user never name the same site (compared by the
 * normalised base URL, so "team.atlassian.net" and
 * "https://team.atlassian.net/" are one site): 409. Moving a workspace to
 * another site drops what was synced from the old one. Another user's id is
 * indistinguishable from a missing one (404 "workspace not found"). */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "http/jsonbind.h"
#include "http/response.h"
#include "upstream/jira.h"
#include "core/banned.h"

#define WS_TEXT_MAX 255
#define WS_KEYS_MAX 1024
#define NOT_FOUND "workspace not found"

static json_t *ws_json(const store_jira_workspace *w)
{
	return json_pack("{s:I,s:I,s:o,s:o,s:o,s:b,s:o,s:o}", "id", (json_int_t)w->id,
			 "user_id", (json_int_t)w->user_id, "workspace", http_json_str(w->workspace),
			 "name", http_json_str(w->name), "project_keys",
			 http_json_str(w->project_keys), "is_active", w->is_active,
			 "created_at", http_json_time(w->created_at),
			 "updated_at", http_json_time(w->updated_at));
}

void api_jira_workspaces_list(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	struct store_jira_workspace_list l = {0};
	pdt_err rc = store_jira_workspace_list(a->st, req->user_id, &l);
	if (rc) {
		http_resp_from_err(resp, rc, NULL);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(arr, ws_json(&l.items[i]));
	http_resp_json(resp, 200, arr);
	store_jira_workspace_list_release(&l);
}

/* true when another of the user's workspaces (not skip_id) is that site. */
static bool site_taken(api_app *a, int64_t user_id, const char *base, int64_t skip_id,
		       pdt_err *rc)
{
	struct store_jira_workspace_list l = {0};
	bool taken = false;
	*rc = store_jira_workspace_list(a->st, user_id, &l);
	for (size_t i = 0; !*rc && i < l.n && !taken; i++) {
		char *other = l.items[i].id == skip_id ? NULL : jira_base_url(l.items[i].workspace);
		taken = other && strcasecmp(other, base) == 0;
		free(other);
	}
	store_jira_workspace_list_release(&l);
	return taken;
}

/* The workspace text as a base URL; NULL (answered 400) when unusable. */
static char *checked_base(const char *workspace, http_resp *resp)
{
	char *base = jira_base_url(workspace);
	if (!base)
		http_resp_error(resp, 400, "workspace must be a host or an http(s) base URL");
	return base;
}

void api_jira_workspaces_create(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	store_jira_workspace_in in = {.is_active = 1};
	store_jira_workspace w = {0};
	char err[160], *base = NULL;
	pdt_err rc;
	const jsonbind_field f[] = {
		{"workspace", JSONBIND_STRING, true, WS_TEXT_MAX, &in.workspace, NULL},
		{"name", JSONBIND_STRING, false, WS_TEXT_MAX, &in.name, NULL},
		{"project_keys", JSONBIND_STRING, false, WS_KEYS_MAX, &in.project_keys, NULL},
	};
	if (jsonbind_fields(req->json, f, sizeof f / sizeof f[0], err, sizeof err)) {
		http_resp_error(resp, 400, err);
		return;
	}
	if (!(base = checked_base(in.workspace, resp)))
		return;
	if (site_taken(a, req->user_id, base, 0, &rc) || rc == PDT_ECONFLICT) {
		http_resp_error(resp, 409, "workspace already exists");
		goto cleanup;
	}
	if (!rc)
		rc = store_jira_workspace_create(a->st, req->user_id, &in, timeutil_now(), &w);
	if (rc == PDT_ECONFLICT)
		http_resp_error(resp, 409, "workspace already exists");
	else if (rc)
		http_resp_from_err(resp, rc, NULL);
	else
		http_resp_json(resp, 201, ws_json(&w));
cleanup:
	store_jira_workspace_release(&w);
	free(base);
}

/* The PATCH body; false (answered 400) when it does not bind. */
static bool patch_fields(http_req *req, http_resp *resp, store_jira_workspace_in *in)
{
	bool active = false, has_active = false;
	char err[160];
	const jsonbind_field f[] = {
		{"workspace", JSONBIND_STRING, false, WS_TEXT_MAX, &in->workspace, NULL},
		{"name", JSONBIND_STRING, false, WS_TEXT_MAX, &in->name, NULL},
		{"project_keys", JSONBIND_STRING, false, WS_KEYS_MAX, &in->project_keys, NULL},
		{"is_active", JSONBIND_BOOL, false, 0, &active, &has_active},
	};
	if (jsonbind_fields(req->json, f, sizeof f / sizeof f[0], err, sizeof err)) {
		http_resp_error(resp, 400, err);
		return false;
	}
	in->is_active = has_active ? active : -1;
	return true;
}

void api_jira_workspaces_update(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	store_jira_workspace_in in = {.is_active = -1};
	store_jira_workspace old = {0}, w = {0};
	char *base = NULL, *old_base = NULL;
	int64_t id = 0;
	bool forget = false;
	pdt_err rc = api_parse_id(http_req_param(req, 0), &id)
			     ? store_jira_workspace_get(a->st, req->user_id, id, &old)
			     : PDT_ENOTFOUND;
	if (rc) {
		http_resp_from_err(resp, rc, NOT_FOUND);
		goto cleanup;
	}
	if (!patch_fields(req, resp, &in))
		goto cleanup;
	if (in.workspace) {
		if (!(base = checked_base(in.workspace, resp)))
			goto cleanup;
		if (site_taken(a, req->user_id, base, id, &rc) || rc) {
			if (rc)
				http_resp_from_err(resp, rc, NULL);
			else
				http_resp_error(resp, 409, "workspace already exists");
			goto cleanup;
		}
		old_base = jira_base_url(old.workspace);
		forget = !old_base || strcasecmp(old_base, base) != 0;
	}
	rc = store_jira_workspace_update(a->st, req->user_id, id, &in, forget, timeutil_now(), &w);
	if (rc == PDT_ECONFLICT)
		http_resp_error(resp, 409, "workspace already exists");
	else if (rc)
		http_resp_from_err(resp, rc, NOT_FOUND);
	else
		http_resp_json(resp, 200, ws_json(&w));
cleanup:
	store_jira_workspace_release(&old);
	store_jira_workspace_release(&w);
	free(base);
	free(old_base);
}

void api_jira_workspaces_delete(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	int64_t id = 0;
	pdt_err rc = api_parse_id(http_req_param(req, 0), &id)
			     ? store_jira_workspace_delete(a->st, req->user_id, id)
			     : PDT_ENOTFOUND;
	if (rc)
		http_resp_from_err(resp, rc, NOT_FOUND);
	else
		http_resp_json(resp, 200, json_pack("{s:s}", "status", "deleted"));
}
