/*
 * github: GitHub REST v3 for provider.c — URLs under {base}/repos/{owner}/{name}
 * and the repository and commit objects (UPSTREAM.md "GitHub REST v3").
 */
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "upstream/provider_internal.h"
#include "core/banned.h"

static const char *const github_headers[] = {
	"Accept: application/vnd.github+json",
	"X-GitHub-Api-Version: 2022-11-28",
	NULL,
};

/* {base}/repos/{owner}/{name} */
static pdt_err github_repo_url(const provider_ref *ref, buf *url)
{
	pdt_err rc = provider_url_base(url, ref->base);
	if (!rc)
		rc = buf_appends(url, "/repos/");
	if (!rc)
		rc = provider_url_escaped(url, ref->owner);
	if (!rc)
		rc = buf_appendc(url, '/');
	if (!rc)
		rc = provider_url_escaped(url, ref->name);
	return rc;
}

/* {base}/repos/{owner}/{name}/branches?per_page=100 */
static pdt_err github_branches_url(const provider_ref *ref, buf *url)
{
	pdt_err rc = github_repo_url(ref, url);
	if (!rc)
		rc = buf_appends(url, "/branches?per_page=100");
	return rc;
}

/* {base}/repos/{owner}/{name}/commits?sha=<branch>&since=<Z time>&per_page=100 */
static pdt_err github_commits_url(const provider_ref *ref, const char *branch, int64_t since,
				  buf *url)
{
	pdt_err rc = github_repo_url(ref, url);
	if (!rc)
		rc = buf_appends(url, "/commits?sha=");
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

/* {base}/repos/{owner}/{name}/compare/{base}...{head}?per_page=100 */
static pdt_err github_compare_url(const provider_ref *ref, const char *base, const char *head,
				  buf *url)
{
	pdt_err rc = github_repo_url(ref, url);
	if (!rc)
		rc = buf_appends(url, "/compare/");
	if (!rc)
		rc = provider_url_escaped(url, base);
	if (!rc)
		rc = buf_appends(url, "...");
	if (!rc)
		rc = provider_url_escaped(url, head);
	if (!rc)
		rc = buf_appends(url, "?per_page=100");
	return rc;
}

static bool github_status(const char *s, provider_compare_status *out)
{
	static const struct {
		const char *name;
		provider_compare_status st;
	} map[] = {{"ahead", PROVIDER_COMPARE_AHEAD}, {"identical", PROVIDER_COMPARE_IDENTICAL},
		   {"behind", PROVIDER_COMPARE_BEHIND}, {"diverged", PROVIDER_COMPARE_DIVERGED}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strcmp(s, map[i].name) == 0) {
			*out = map[i].st;
			return true;
		}
	}
	return false;
}

/* {"status", "ahead_by", "behind_by", "total_commits", "commits": [commit...], ...} */
static pdt_err github_compare_parse(const char *body, size_t len, const char *base,
				    json_t **root, const json_t **commits,
				    provider_compare_result *out, char *why, size_t whylen)
{
	json_t *o = provider_json_object(body, len, why, whylen);
	const json_t *st, *total, *arr;
	(void)base;
	*root = NULL;
	*commits = NULL;
	if (!o)
		return PDT_EINVAL;
	st = json_object_get(o, "status");
	total = json_object_get(o, "total_commits");
	arr = json_object_get(o, "commits");
	if (!json_is_string(st) || !github_status(json_string_value(st), &out->status)) {
		snprintf(why, whylen, "status is not ahead, behind, identical or diverged");
		goto bad;
	}
	if (!json_is_integer(total) || json_integer_value(total) < 0) {
		snprintf(why, whylen, "total_commits is not a non-negative integer");
		goto bad;
	}
	if (!json_is_array(arr)) {
		snprintf(why, whylen, "commits is not an array");
		goto bad;
	}
	if (!provider_commit_array_ok(&github_ops, arr, why, whylen))
		goto bad;
	out->total_commits = json_integer_value(total);
	*root = o;
	*commits = arr;
	return PDT_OK;
bad:
	json_decref(o);
	return PDT_EINVAL;
}

static pdt_err github_repo_parse(const char *body, size_t len, provider_repo_info *out,
				 char *why, size_t whylen)
{
	json_t *o = provider_json_object(body, len, why, whylen);
	const char *branch;
	if (!o)
		return PDT_EINVAL;
	if (!provider_opt_str(o, "default_branch", &branch)) {
		snprintf(why, whylen, "default_branch is not a string");
		json_decref(o);
		return PDT_EINVAL;
	}
	out->default_branch = xstrdup(branch);
	out->project_id = NULL;
	json_decref(o);
	return PDT_OK;
}

/*
 * {"sha", "commit": {"message", "author": {"name","email","date"} | null,
 * "committer": {...} | null}}. The date is the author's, else the committer's,
 * else 0; committed the committer's, else the author's.
 */
static const char *github_commit_conv(const json_t *e, provider_commit *c, const char **msg)
{
	const json_t *sha = json_object_get(e, "sha");
	const json_t *commit = NULL, *author = NULL, *committer = NULL;
	bool dated = false, cdated = false;
	if (!json_is_object(e))
		return "not an object";
	if (!json_is_string(sha) || !provider_sha_ok(json_string_value(sha)))
		return "missing or invalid sha";
	if (!provider_opt_obj(e, "commit", &commit) || !commit)
		return "missing commit object";
	if (!provider_opt_str(commit, "message", msg))
		return "commit.message is not a string";
	if (!provider_opt_obj(commit, "author", &author) ||
	    !provider_opt_obj(commit, "committer", &committer))
		return "commit.author or commit.committer is not an object";
	if (!provider_opt_str(author, "name", &c->author) ||
	    !provider_opt_str(author, "email", &c->author_email))
		return "commit.author name or email is not a string";
	c->date = 0;
	if (!provider_opt_time(author, "date", &c->date, &dated))
		return "invalid commit.author.date";
	if (!provider_opt_time(committer, "date", &c->committed, &cdated))
		return "invalid commit.committer.date";
	if (!dated)
		c->date = cdated ? c->committed : 0;
	if (!cdated)
		c->committed = c->date;
	c->sha = json_string_value(sha);
	return NULL;
}

const provider_ops github_ops = {
	.name = "github",
	.auth_prefix = "Authorization: Bearer ",
	.extra_headers = github_headers,
	.sha_key = "sha",
	.link_paging = true,
	.repo_url = github_repo_url,
	.branches_url = github_branches_url,
	.commits_url = github_commits_url,
	.compare_url = github_compare_url,
	.compare_parse = github_compare_parse,
	.repo_parse = github_repo_parse,
	.commit_conv = github_commit_conv,
};
