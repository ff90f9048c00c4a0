/* /api/repos: list, add, delete, validate. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/secretbox.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/repourl.h"
#include "core/timeutil.h"
#include "http/jsonbind.h"
#include "http/response.h"
#include "upstream/probe.h"
#include "upstream/targets.h"
#include "core/banned.h"

#define URL_MAX 512

static json_t *repo_json(const store_repo *r)
{
	return json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:b,s:o,s:o}",
			 "id", (json_int_t)r->id, "user_id", (json_int_t)r->user_id,
			 "name", http_json_str(r->name), "owner", http_json_str(r->owner),
			 "provider", http_json_str(r->provider), "url", http_json_str(r->url),
			 "is_valid", r->is_valid, "last_synced_at", http_json_time(r->last_synced_at),
			 "created_at", http_json_time(r->created_at));
}

void api_repos_list(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	struct store_repo_list l = {0};
	pdt_err rc = store_repo_list(a->st, req->user_id, &l);
	if (rc) {
		http_resp_from_err(resp, rc, NULL);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(arr, repo_json(&l.items[i]));
	http_resp_json(resp, 200, arr);
	store_repo_list_release(&l);
}

void api_repos_create(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const char *url = NULL;
	char err[160];
	repourl ru = {0};
	store_repo r = {0};
	const jsonbind_field f[] = {{"url", JSONBIND_STRING, true, URL_MAX, &url, NULL}};
	if (jsonbind_fields(req->json, f, 1, err, sizeof err)) {
		http_resp_error(resp, 400, err);
		return;
	}
	if (repourl_parse(url, &ru)) {
		http_resp_error(resp, 400, "invalid repository URL: expected "
			       "https://github.com/owner/name or https://gitlab-host/group/name");
		return;
	}
	char why[512];
	if (strcmp(ru.provider, "gitlab") == 0 &&
	    !targets_gitlab_host_ok(api_user(req)->gitlab_url, ru.url, why, sizeof why)) {
		http_resp_error(resp, 400, why);
		repourl_release(&ru);
		return;
	}
	pdt_err rc = store_repo_create(a->st, req->user_id, ru.name, ru.owner, ru.provider, ru.url,
				       timeutil_now(), &r);
	if (rc == PDT_ECONFLICT)
		http_resp_error(resp, 409, "repository already tracked");
	else if (rc)
		http_resp_from_err(resp, rc, NULL);
	else
		http_resp_json(resp, 201, repo_json(&r));
	repourl_release(&ru);
	store_repo_release(&r);
}

void api_repos_delete(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	int64_t id = 0;
	pdt_err rc = api_parse_id(http_req_param(req, 0), &id) ? PDT_OK : PDT_ENOTFOUND;
	if (!rc)
		rc = store_repo_delete(a->st, req->user_id, id);
	if (rc)
		http_resp_from_err(resp, rc, "repository not found");
	else
		http_resp_message(resp, 200, "repository removed");
}

/* Outcome of asking the provider about one repository. */
typedef struct check {
	int verdict; /* 1 valid, 0 invalid, -1 unknown (transient) */
	char message[256];
} check;

static void probe_repo(const char *url, const char *const *headers, const netpolicy *policy,
		       const char *provider, check *out)
{
	long status = 0;
	char err[160];
	pdt_err rc = probe_get(url, headers, policy, &status, err, sizeof err);
	if (rc == PDT_EREFUSED) {
		out->verdict = -1; /* the target, not the repository: validity untouched */
		snprintf(out->message, sizeof out->message, "not checked: %s", err);
	} else if (rc) {
		out->verdict = -1;
		snprintf(out->message, sizeof out->message, "could not reach %s: %s", provider, err);
	} else if (status == 200) {
		out->verdict = 1;
		snprintf(out->message, sizeof out->message, "repository is accessible");
	} else if (status == 401) {
		out->verdict = 0;
		snprintf(out->message, sizeof out->message, "%s rejected the token (401)", provider);
	} else if (status == 403 || status == 404) {
		out->verdict = 0;
		snprintf(out->message, sizeof out->message,
			 "repository not found or not accessible with this token (%ld)", status);
	} else {
		out->verdict = -1;
		snprintf(out->message, sizeof out->message, "could not validate: %s answered %ld",
			 provider, status);
	}
}

/* Builds the provider URL and auth header for r and probes it. GitLab: at
 * the user's gitlab_url, under the UPSTREAM_* policy; GitHub: at the
 * operator's GITHUB_API_URL, exempt. */
static void check_repo(api_app *a, const store_user *u, const store_repo *r, const char *token,
		       check *out)
{
	buf url = BUF_INIT(4096), auth = BUF_INIT(4096);
	bool gh = strcmp(r->provider, "github") == 0;
	netpolicy policy = targets_policy(a->cfg);
	char why[512];
	if (!gh && !targets_gitlab_host_ok(u->gitlab_url, r->url, why, sizeof why)) {
		out->verdict = -1;
		snprintf(out->message, sizeof out->message, "not checked: %.200s", why);
		return;
	}
	if (gh) {
		buf_appendf(&url, "%s/repos/%s/%s", a->cfg->github_api_url, r->owner, r->name);
		buf_appendf(&auth, "Authorization: Bearer %s", token);
	} else {
		buf b = BUF_INIT(1024);
		buf_appendf(&b, "%s/%s", r->owner, r->name);
		char *full = probe_path_escape(buf_str(&b));
		buf_release(&b);
		const char *base = targets_gitlab_base(u->gitlab_url);
		size_t blen = strlen(base);
		while (blen && base[blen - 1] == '/')
			blen--;
		buf_append(&url, base, blen);
		buf_appendf(&url, "/api/v4/projects/%s", full);
		free(full);
		buf_appendf(&auth, "PRIVATE-TOKEN: %s", token);
	}
	const char *headers[] = {buf_str(&auth), "Accept: application/vnd.github+json",
				 "X-GitHub-Api-Version: 2022-11-28", NULL};
	if (!gh)
		headers[1] = NULL;
	probe_repo(buf_str(&url), headers, gh ? NULL : &policy, r->provider, out);
	mem_wipe(auth.data, auth.len);
	buf_release(&auth);
	buf_release(&url);
}

/* The decrypted token for the repository's provider, or a reason in out. */
static char *provider_token(api_app *a, const store_user *u, const char *provider, check *out)
{
	const char *enc = strcmp(provider, "github") == 0 ? u->github_token_enc : u->gitlab_token_enc;
	char *plain = NULL;
	out->verdict = 0;
	if (!enc) {
		snprintf(out->message, sizeof out->message, "%s token not configured", provider);
		return NULL;
	}
	if (secretbox_open(a->cfg->encryption_key, enc, &plain)) {
		log_warn("repo_validate user_id=%lld stored %s token does not decrypt",
			 (long long)u->id, provider);
		snprintf(out->message, sizeof out->message,
			 "stored %s token cannot be decrypted", provider);
		return NULL;
	}
	return plain;
}

void api_repos_validate(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	int64_t id = 0;
	store_repo r = {0};
	check c = {0};
	pdt_err rc = api_parse_id(http_req_param(req, 0), &id) ? PDT_OK : PDT_ENOTFOUND;
	if (!rc)
		rc = store_repo_get(a->st, req->user_id, id, &r);
	if (rc) {
		http_resp_from_err(resp, rc, "repository not found");
		goto cleanup;
	}
	char *token = provider_token(a, api_user(req), r.provider, &c);
	bool is_valid = false;
	if (token) {
		check_repo(a, api_user(req), &r, token, &c);
		mem_free_secret(token);
		is_valid = c.verdict == -1 ? r.is_valid : c.verdict == 1;
		if (c.verdict != -1 && is_valid != r.is_valid)
			store_repo_set_valid(a->st, req->user_id, r.id, is_valid);
	}
	http_resp_json(resp, 200, json_pack("{s:I,s:o,s:o,s:b,s:s}", "id", (json_int_t)r.id,
					    "url", http_json_str(r.url),
					    "provider", http_json_str(r.provider),
					    "is_valid", is_valid, "message", c.message));
cleanup:
	store_repo_release(&r);
}
