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
 * else 0.
 */
static const char *github_commit_conv(const json_t *e, provider_commit *c, const char **msg)
{
	const json_t *sha = json_object_get(e, "sha");
	const json_t *commit = NULL, *author = NULL, *committer = NULL;
	bool dated = false;
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
	if (!dated && !provider_opt_time(committer, "date", &c->date, &dated))
		return "invalid commit.committer.date";
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
	.repo_parse = github_repo_parse,
	.commit_conv = github_commit_conv,
};
