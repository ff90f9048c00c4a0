/* GET/PUT /api/user/profile and POST /api/user/profile/validate. */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/secretbox.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "http/jsonbind.h"
#include "http/response.h"
#include "upstream/jira.h"
#include "upstream/targets.h"
#include "core/banned.h"

#define TOKEN_MAX 1024
#define TEXT_MAX 255
#define KEYS_MAX 1024
#define DEFAULT_GITLAB_URL "https://gitlab.com"

void api_profile_get(void *app, http_req *req, http_resp *resp)
{
	(void)app;
	const store_user *u = api_user(req);
	json_t *j = json_pack("{s:I,s:o,s:b,s:b,s:o,s:o,s:b,s:o,s:o,s:o}",
			      "id", (json_int_t)u->id, "email", http_json_str(u->email),
			      "has_github_token", u->github_token_enc != NULL,
			      "has_gitlab_token", u->gitlab_token_enc != NULL,
			      "gitlab_url", http_json_str(u->gitlab_url),
			      "jira_email", http_json_str(u->jira_email),
			      "has_jira_token", u->jira_token_enc != NULL,
			      "jira_workspace", http_json_str(u->jira_workspace),
			      "jira_username", http_json_str(u->jira_username),
			      "jira_project_keys", http_json_str(u->jira_project_keys));
	http_resp_json(resp, 200, j);
}

/* "" stays "" (clears the token); anything else is sealed. */
static pdt_err seal_token(api_app *a, const char *plain, char **out)
{
	*out = NULL;
	if (!plain)
		return PDT_OK;
	if (!*plain) {
		*out = xstrdup("");
		return PDT_OK;
	}
	return secretbox_seal(a->cfg->encryption_key, plain, out);
}

static bool url_like(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

/* true when a new jira_workspace names another site than the old one (by
 * the normalised base URL; the same site written differently is the same).
 * The old site's sprints, cards and comments are then dropped: the user no
 * longer syncs it. jira_workspace is the user's first Jira workspace. */
static bool site_changed(const char *old_ws, const char *new_ws)
{
	if (!new_ws || !old_ws || !*old_ws)
		return false;
	char *a = jira_base_url(old_ws), *b = jira_base_url(new_ws);
	bool changed = a && (!b || strcasecmp(a, b) != 0);
	free(a);
	free(b);
	return changed;
}

/* true when ws names the site of one of the user's other workspaces (not
 * the first, which jira_workspace rewrites): two workspaces never share a
 * site. */
static bool site_of_another(api_app *a, int64_t user_id, const char *ws)
{
	struct store_jira_workspace_list l = {0};
	char *base = ws && *ws ? jira_base_url(ws) : NULL;
	bool taken = false;
	if (base && store_jira_workspace_list(a->st, user_id, &l) == PDT_OK) {
		for (size_t i = 1; i < l.n && !taken; i++) {
			char *other = jira_base_url(l.items[i].workspace);
			taken = other && strcasecmp(other, base) == 0;
			free(other);
		}
	}
	store_jira_workspace_list_release(&l);
	free(base);
	return taken;
}

void api_profile_put(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const char *gh = NULL, *gl = NULL, *jt = NULL;
	store_profile_update u = {0};
	char *enc[3] = {NULL, NULL, NULL};
	char err[160];
	const jsonbind_field f[] = {
		{"github_token", JSONBIND_STRING, false, TOKEN_MAX, &gh, NULL},
		{"gitlab_token", JSONBIND_STRING, false, TOKEN_MAX, &gl, NULL},
		{"jira_token", JSONBIND_STRING, false, TOKEN_MAX, &jt, NULL},
		{"gitlab_url", JSONBIND_STRING, false, TEXT_MAX, &u.gitlab_url, NULL},
		{"jira_email", JSONBIND_STRING, false, TEXT_MAX, &u.jira_email, NULL},
		{"jira_workspace", JSONBIND_STRING, false, TEXT_MAX, &u.jira_workspace, NULL},
		{"jira_username", JSONBIND_STRING, false, TEXT_MAX, &u.jira_username, NULL},
		{"jira_project_keys", JSONBIND_STRING, false, KEYS_MAX, &u.jira_project_keys, NULL},
	};
	if (jsonbind_fields(req->json, f, sizeof f / sizeof f[0], err, sizeof err)) {
		http_resp_error(resp, 400, err);
		return;
	}
	if (u.gitlab_url && !*u.gitlab_url)
		u.gitlab_url = DEFAULT_GITLAB_URL;
	if (u.gitlab_url && !url_like(u.gitlab_url)) {
		http_resp_error(resp, 400, "gitlab_url must start with http:// or https://");
		return;
	}
	if (site_of_another(a, req->user_id, u.jira_workspace)) {
		http_resp_error(resp, 409, "workspace already exists");
		return;
	}
	if (seal_token(a, gh, &enc[0]) || seal_token(a, gl, &enc[1]) || seal_token(a, jt, &enc[2])) {
		http_resp_error(resp, 500, "internal error");
		goto cleanup;
	}
	u.github_token_enc = enc[0];
	u.gitlab_token_enc = enc[1];
	u.jira_token_enc = enc[2];
	bool moved = site_changed(api_user(req)->jira_workspace, u.jira_workspace);
	int64_t now = timeutil_now();
	pdt_err rc = store_user_update_profile(a->st, req->user_id, &u, now);
	/* jira_workspace / jira_project_keys are the first workspace's; one
	 * created now takes the keys set before it (the profile shows them). */
	const char *keys = u.jira_project_keys;
	if (!keys && !*api_user(req)->jira_workspace)
		keys = api_user(req)->jira_project_keys;
	if (!rc)
		rc = store_jira_workspace_set_first(a->st, req->user_id, u.jira_workspace, keys,
						    moved, now);
	if (rc == PDT_ECONFLICT)
		http_resp_error(resp, 409, "workspace already exists");
	else if (rc)
		http_resp_from_err(resp, rc, "user not found");
	else
		http_resp_message(resp, 200, "profile updated");
cleanup:
	for (int i = 0; i < 3; i++)
		free(enc[i]);
}

/* {"configured": bool} plus "error" when a stored token does not decrypt. */
static json_t *token_state(api_app *a, const char *enc, bool others_ok)
{
	if (!enc)
		return json_pack("{s:b}", "configured", 0);
	char *plain = NULL;
	pdt_err rc = secretbox_open(a->cfg->encryption_key, enc, &plain);
	mem_free_secret(plain);
	if (rc)
		return json_pack("{s:b,s:s}", "configured", 0, "error",
				 "stored token cannot be decrypted (was ENCRYPTION_KEY changed?)");
	return json_pack("{s:b}", "configured", others_ok);
}

/* A configured token whose target the UPSTREAM_* policy refuses (checked on
 * the URL's text: nothing is sent) is not usable: "configured" false and the
 * reason in "error". base NULL = the target is not known (not configured). */
static void target_state(api_app *a, json_t *state, const char *base)
{
	char why[200];
	netpolicy p = targets_policy(a->cfg);
	if (!base || !json_is_true(json_object_get(state, "configured")) ||
	    netpolicy_check_url(&p, base, why, sizeof why))
		return;
	json_object_set_new(state, "configured", json_false());
	json_object_set_new(state, "error", json_string(why));
}

void api_profile_validate(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const store_user *u = api_user(req);
	bool jira_rest = u->jira_email && *u->jira_email && u->jira_workspace && *u->jira_workspace;
	json_t *gl = token_state(a, u->gitlab_token_enc, true);
	json_t *jr = token_state(a, u->jira_token_enc, jira_rest);
	char *jira_base = jira_rest ? jira_base_url(u->jira_workspace) : NULL;
	target_state(a, gl, targets_gitlab_base(u->gitlab_url));
	target_state(a, jr, jira_base);
	free(jira_base);
	json_t *j = json_pack("{s:o,s:o,s:o}",
			      "github", token_state(a, u->github_token_enc, true),
			      "gitlab", gl, "jira", jr);
	http_resp_json(resp, 200, j);
}
