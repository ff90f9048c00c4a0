#ifndef PDT_UPSTREAM_PROVIDER_H
#define PDT_UPSTREAM_PROVIDER_H
/*
 * provider: GitHub and GitLab behind one interface, for the commit sync.
 * Each call turns upstream JSON into the plain structs below, following
 * pagination to the end (GitHub: Link rel="next", never hand-built page
 * URLs; GitLab: x-next-page until empty), per_page=100. Nothing here touches
 * the store; ETags are passed in and out by the caller.
 *
 * Dispatch is on ref->provider ("github" | "gitlab"). GitHub: base is
 * GITHUB_API_URL, auth "Authorization: Bearer", Accept
 * application/vnd.github+json, X-GitHub-Api-Version 2022-11-28. GitLab: base
 * is "scheme://host" of the GitLab instance, calls go to base + "/api/v4",
 * auth "PRIVATE-TOKEN", the project addressed by its URL-encoded full path
 * ("group%2Fsub%2Fname"), branch names URL-encoded too.
 *
 * Errors: PDT_OK; PDT_EUPSTREAM for a non-2xx final status (the status is in
 * *status, the message in err — "Bad credentials", "404 Project Not Found");
 * PDT_EINVAL for a body that is not the JSON expected (malformed upstream
 * data); and whatever upstream_do returned (PDT_ERATELIMIT, PDT_ETIMEOUT,
 * PDT_ECANCELLED, ...). `status` is set whenever an HTTP answer came.
 *
 * Ownership: output structs are filled with heap strings; free them with the
 * matching *_release. Callback arguments are borrowed for the call only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "upstream/client.h"

typedef struct provider_ref {
	const char *provider; /* "github" | "gitlab" */
	const char *base;     /* GitHub API base, or the GitLab instance's scheme://host[:port] */
	const char *owner;    /* "owner" or "group/sub" */
	const char *name;
	const char *token;
	const char *ratelimit_key; /* per-token budget identity for upstream_do */
	/* GitLab numeric project id when known (from provider_repo_info_get); NULL = address
	 * the project by its path */
	const char *project_id;
	/* CLOCK_MONOTONIC ms past which no request is sent or waited for (the
	 * pass's deadline, see upstream_req.deadline_ms); 0 = none */
	int64_t deadline_ms;
	/* the target check for users' hosts (GitLab): see upstream_req.policy;
	 * NULL for GitHub (GITHUB_API_URL is the operator's). A refusal is
	 * PDT_EREFUSED with the reason in res->err. */
	const netpolicy *policy;
} provider_ref;

/* The outcome of one provider call, for the caller's error handling. */
typedef struct provider_result {
	long status;     /* last HTTP status, 0 if none */
	char err[200];   /* human-readable, never contains the token */
	int64_t retry_at; /* PDT_ERATELIMIT: when the limit lifts (Unix s; 0 unknown). The
			   * wait was longer than SYNC_MAX_WAIT or the deadline allows, so the
			   * caller defers; err then reads "rate limited until <time> ..." */
} provider_result;

typedef struct provider_repo_info {
	char *default_branch; /* "" when unknown */
	char *project_id;     /* GitLab numeric id as text; NULL for GitHub */
} provider_repo_info;
void provider_repo_info_release(provider_repo_info *i);

typedef struct provider_branch {
	char *name;
	char *sha; /* head commit */
} provider_branch;

typedef struct provider_branch_list {
	provider_branch *items;
	size_t n;
	bool not_modified; /* the server answered 304 to etag_in: items is empty */
	char *etag;        /* new ETag (only when the list fit in one page), or NULL */
} provider_branch_list;
void provider_branch_list_release(provider_branch_list *l);

typedef struct provider_commit {
	const char *sha;
	const char *message;      /* full message, trailing newlines trimmed */
	const char *author;       /* commit author name, "" when absent */
	const char *author_email; /* "" when absent */
	int64_t date;             /* author date, UTC Unix seconds */
	int64_t committed;        /* committer date (what `since` filters on), else the
				   * author date; UTC Unix seconds */
} provider_commit;

/* Return non-zero to stop the listing early (the call then returns PDT_OK). */
typedef int (*provider_commit_cb)(const provider_commit *c, void *ctx);

/* Default branch (GitHub GET /repos/o/r; GitLab GET /projects/:path, which also gives the id). */
pdt_err provider_repo_info_get(upstream_client *c, const provider_ref *ref,
			       provider_repo_info *out, provider_result *res);

/* Every branch with its head SHA, in the server's order. etag_in may be NULL. */
pdt_err provider_branches(upstream_client *c, const provider_ref *ref, const char *etag_in,
			  provider_branch_list *out, provider_result *res);

/* Commits reachable from branch with author/committer date >= since (Unix s), newest first. */
pdt_err provider_commits(upstream_client *c, const provider_ref *ref, const char *branch,
			 int64_t since, provider_commit_cb cb, void *ctx, provider_result *res);

/* Where head stands relative to base (GitHub's compare "status"). */
typedef enum provider_compare_status {
	PROVIDER_COMPARE_AHEAD,     /* base is an ancestor of head: commits = base..head */
	PROVIDER_COMPARE_IDENTICAL, /* same commit */
	PROVIDER_COMPARE_BEHIND,    /* head is an ancestor of base: no commits */
	PROVIDER_COMPARE_DIVERGED,  /* neither: commits = merge-base..head */
} provider_compare_status;

typedef struct provider_compare_result {
	provider_compare_status status;
	int64_t total_commits; /* commits in the comparison (GitHub total_commits; GitLab the
				* listed ones) */
	int64_t listed;        /* commits passed to the callback */
	int pages;             /* answers received */
} provider_compare_result;

/*
 * Commits reachable from head_sha and not from base_sha, whatever their
 * dates, oldest first (GitHub GET /repos/o/r/compare/{base}...{head},
 * paginated by Link; GitLab GET /projects/:id/repository/compare?from=&to=
 * &straight=false, one answer). GitLab has no status: base counts as an
 * ancestor when some listed commit has it among its parent_ids (no commits:
 * identical). need_ancestor: when base is not an ancestor of head (diverged,
 * e.g. a force-push) the call passes nothing to cb and sends no further page
 * — the caller falls back to a dated listing. A 404 (GitHub: unknown SHA or
 * "No common ancestor"; GitLab: unknown ref) is PDT_EUPSTREAM with status
 * 404 — the base is unknown, not the repository gone.
 */
pdt_err provider_compare(upstream_client *c, const provider_ref *ref, const char *base_sha,
			 const char *head_sha, bool need_ancestor, provider_commit_cb cb,
			 void *ctx, provider_compare_result *out, provider_result *res);

/*
 * Parsers, exposed for unit tests and fuzz targets. They take a response
 * body (not NUL-terminated) and call cb for each object / fill out.
 * PDT_EINVAL when the body is not the expected JSON shape.
 */
pdt_err provider_parse_github_commits(const char *body, size_t len, provider_commit_cb cb,
				      void *ctx);
pdt_err provider_parse_gitlab_commits(const char *body, size_t len, provider_commit_cb cb,
				      void *ctx);
/* One compare answer (a page for GitHub), validated whole before any callback; out is
 * filled on PDT_OK. base_sha is needed by GitLab's ancestry test only. */
pdt_err provider_parse_github_compare(const char *body, size_t len, const char *base_sha,
				      bool need_ancestor, provider_commit_cb cb, void *ctx,
				      provider_compare_result *out);
pdt_err provider_parse_gitlab_compare(const char *body, size_t len, const char *base_sha,
				      bool need_ancestor, provider_commit_cb cb, void *ctx,
				      provider_compare_result *out);
pdt_err provider_parse_branches(const char *provider, const char *body, size_t len,
				provider_branch_list *out);

#endif
