/*
 * gitlab: GitLab REST v4 for provider.c — URLs under
 * {base}/api/v4/projects/<id or URL-encoded full path> and the project and
 * commit objects (UPSTREAM.md "GitLab REST v4").
 */
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "upstream/provider_internal.h"
#include "core/banned.h"

#define GITLAB_ID_MAX 32

static const char *const gitlab_headers[] = {NULL};

/* {base}/api/v4/projects/<project_id | owner%2Fname> */
static pdt_err gitlab_project_url(const provider_ref *ref, buf *url)
{
	pdt_err rc = provider_url_base(url, ref->base);
	if (!rc)
		rc = buf_appends(url, "/api/v4/projects/");
	if (rc)
		return rc;
	if (ref->project_id && *ref->project_id)
		return provider_url_escaped(url, ref->project_id);
	rc = provider_url_escaped(url, ref->owner);
	if (!rc)
		rc = buf_appends(url, "%2F");
	if (!rc)
		rc = provider_url_escaped(url, ref->name);
	return rc;
}

/* .../repository/branches?per_page=100 */
static pdt_err gitlab_branches_url(const provider_ref *ref, buf *url)
{
	pdt_err rc = gitlab_project_url(ref, url);
	if (!rc)
		rc = buf_appends(url, "/repository/branches?per_page=100");
	return rc;
}

/* .../repository/commits?ref_name=<branch>&since=<Z time>&per_page=100 */
static pdt_err gitlab_commits_url(const provider_ref *ref, const char *branch, int64_t since,
				  buf *url)
{
	pdt_err rc = gitlab_project_url(ref, url);
	if (!rc)
		rc = buf_appends(url, "/repository/commits?ref_name=");
	if (!rc)
		rc = provider_url_escaped(url, branch);
	if (!rc)
		rc = buf_appendc(url, '&');
	if (!rc)
		rc = provider_url_since(url, since);
	if (!rc)
		rc = buf_appends(url, "&per_page=100");
	return rc;
}

/* .../repository/compare?from=<base>&to=<head>&straight=false (merge-base semantics) */
static pdt_err gitlab_compare_url(const provider_ref *ref, const char *base, const char *head,
				  buf *url)
{
	pdt_err rc = gitlab_project_url(ref, url);
	if (!rc)
		rc = buf_appends(url, "/repository/compare?from=");
	if (!rc)
		rc = provider_url_escaped(url, base);
	if (!rc)
		rc = buf_appends(url, "&to=");
	if (!rc)
		rc = provider_url_escaped(url, head);
	if (!rc)
		rc = buf_appends(url, "&straight=false");
	return rc;
}

/* parent_ids absent, null or an array of commit ids; *has_base when base is one of them. */
static bool gitlab_parents(const json_t *e, const char *base, bool *has_base)
{
	const json_t *p = json_object_get(e, "parent_ids"), *x;
	size_t i;
	if (!p || json_is_null(p))
		return true;
	if (!json_is_array(p))
		return false;
	json_array_foreach(p, i, x) {
		if (!json_is_string(x) || !provider_sha_ok(json_string_value(x)))
			return false;
		if (base && strcmp(json_string_value(x), base) == 0)
			*has_base = true;
	}
	return true;
}

/*
 * {"commit": {...} | null, "commits": [commit with parent_ids...], "diffs": [...],
 * "compare_same_ref", ...}. No status upstream: base is an ancestor of head
 * when a listed commit has it as a parent; no commits at all reads as identical.
 */
static pdt_err gitlab_compare_parse(const char *body, size_t len, const char *base,
				    json_t **root, const json_t **commits,
				    provider_compare_result *out, char *why, size_t whylen)
{
	json_t *o = provider_json_object(body, len, why, whylen);
	const json_t *arr, *e;
	bool has_base = false;
	size_t i;
	*root = NULL;
	*commits = NULL;
	if (!o)
		return PDT_EINVAL;
	arr = json_object_get(o, "commits");
	if (!json_is_array(arr)) {
		snprintf(why, whylen, "commits is not an array");
		goto bad;
	}
	if (!provider_commit_array_ok(&gitlab_ops, arr, why, whylen))
		goto bad;
	json_array_foreach(arr, i, e) {
		if (!gitlab_parents(e, base, &has_base)) {
			snprintf(why, whylen, "commit %zu: parent_ids is not an array of ids", i);
			goto bad;
		}
	}
	out->total_commits = (int64_t)json_array_size(arr);
	out->status = !out->total_commits ? PROVIDER_COMPARE_IDENTICAL
		      : has_base	  ? PROVIDER_COMPARE_AHEAD
					  : PROVIDER_COMPARE_DIVERGED;
	*root = o;
	*commits = arr;
	return PDT_OK;
bad:
	json_decref(o);
	return PDT_EINVAL;
}

/* {"id": <positive integer>, "default_branch": "main" | null} */
static pdt_err gitlab_repo_parse(const char *body, size_t len, provider_repo_info *out,
				 char *why, size_t whylen)
{
	json_t *o = provider_json_object(body, len, why, whylen);
	const json_t *id;
	const char *branch;
	char idtext[GITLAB_ID_MAX];
	if (!o)
		return PDT_EINVAL;
	id = json_object_get(o, "id");
	if (!json_is_integer(id) || json_integer_value(id) <= 0) {
		snprintf(why, whylen, "project id is not a positive integer");
		json_decref(o);
		return PDT_EINVAL;
	}
	if (!provider_opt_str(o, "default_branch", &branch)) {
		snprintf(why, whylen, "default_branch is not a string");
		json_decref(o);
		return PDT_EINVAL;
	}
	snprintf(idtext, sizeof idtext, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
	out->default_branch = xstrdup(branch);
	out->project_id = xstrdup(idtext);
	json_decref(o);
	return PDT_OK;
}

/*
 * {"id", "message", "author_name", "author_email", "authored_date",
 * "committed_date", ...}. Dates carry offsets; the author date is used, else
 * the committer date, else 0; committed is the committer date, else the author's.
 */
static const char *gitlab_commit_conv(const json_t *e, provider_commit *c, const char **msg)
{
	const json_t *id = json_object_get(e, "id");
	bool dated = false, cdated = false;
	if (!json_is_object(e))
		return "not an object";
	if (!json_is_string(id) || !provider_sha_ok(json_string_value(id)))
		return "missing or invalid id";
	if (!provider_opt_str(e, "message", msg))
		return "message is not a string";
	if (!provider_opt_str(e, "author_name", &c->author) ||
	    !provider_opt_str(e, "author_email", &c->author_email))
		return "author_name or author_email is not a string";
	c->date = 0;
	if (!provider_opt_time(e, "authored_date", &c->date, &dated))
		return "invalid authored_date";
	if (!provider_opt_time(e, "committed_date", &c->committed, &cdated))
		return "invalid committed_date";
	if (!dated)
		c->date = cdated ? c->committed : 0;
	if (!cdated)
		c->committed = c->date;
	c->sha = json_string_value(id);
	return NULL;
}

const provider_ops gitlab_ops = {
	.name = "gitlab",
	.auth_prefix = "PRIVATE-TOKEN: ",
	.extra_headers = gitlab_headers,
	.sha_key = "id",
	.link_paging = false,
	.repo_url = gitlab_project_url,
	.branches_url = gitlab_branches_url,
	.commits_url = gitlab_commits_url,
	.compare_url = gitlab_compare_url,
	.compare_parse = gitlab_compare_parse,
	.repo_parse = gitlab_repo_parse,
	.commit_conv = gitlab_commit_conv,
};
