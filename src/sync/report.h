#ifndef PDT_SYNC_REPORT_H
#define PDT_SYNC_REPORT_H
/*
 * report: what one sync pass over one user did — for commits repository by
 * repository (the body of POST /api/sync/commits), for Jira the sprint and
 * card counts (POST /api/sync/jira) — the lines `pdt sync` prints, and what a
 * second trigger that joined a running pass receives.
 *
 * Ownership: reference-counted, because a pass's report is handed to every
 * caller that waited for that pass (userlock). sync_report_new returns one
 * reference; sync_report_ref adds one; sync_report_unref drops one and frees
 * the report with the last. Strings inside are owned by the report.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct sync_repo_report {
	int64_t repo_id;
	char *repo_name;     /* "owner/name" */
	char *provider;      /* "github" | "gitlab" */
	int64_t new_commits;   /* stored by this pass */
	int64_t total_fetched; /* distinct commits received from upstream */
	char *error;         /* "" when the repository synced */
	bool invalidated;    /* a permanent error (401/403/404) marked it invalid */
} sync_repo_report;

/* One Jira workspace's share of a Jira pass. */
typedef struct sync_ws_report {
	int64_t workspace_id;
	int64_t sprints;
	int64_t cards;
	char *error;         /* "" when the workspace synced */
} sync_ws_report;

typedef struct sync_report {
	atomic_int refs;
	pdt_err rc;        /* PDT_OK unless the pass itself failed (store, cancel) */
	sync_repo_report *repos; /* commits passes */
	size_t n;
	int64_t sprints;   /* Jira passes: sprints stored */
	int64_t cards;     /* Jira passes: cards stored */
	char *error;       /* Jira passes: "" when everything synced */
	sync_ws_report *ws; /* Jira passes: each workspace synced, in id order */
	size_t nws;
	/* Another replica (or `pdt sync`) ran the pass while this caller waited
	 * for its lease: the errors are what it recorded, the counts stayed with
	 * it (0 here). */
	bool joined;
} sync_report;

sync_report *sync_report_new(size_t nrepos);
sync_report *sync_report_ref(sync_report *r);
void sync_report_unref(sync_report *r); /* NULL is fine */
/* Number of repositories whose error is not "" (plus 1 for a Jira error). */
size_t sync_report_failures(const sync_report *r);

#endif
