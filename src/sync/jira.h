#ifndef PDT_SYNC_JIRA_H
#define PDT_SYNC_JIRA_H
/*
 * sync/jira: one Jira pass over one user — behind POST /api/sync/jira,
 * `pdt sync --jira`, the first read of the /api/jira routes, and the worker.
 *
 *   1. every board (kanban boards answer the sprint listing with 400 and are
 *      skipped), every sprint of every state;
 *   2. the issues of active and future sprints on every pass, and of a closed
 *      sprint that ended within SYNC_LOOKBACK_DAYS once (closed sprints do not
 *      change); listed in that order, so a card carried over into the active
 *      sprint stays there;
 *   3. later passes ask only for issues updated since the last fully
 *      successful pass minus JIRA_OVERLAP_S (JQL has minute precision and is
 *      read in the Jira user's time zone, which pdt does not know);
 *   4. each issue's detail — type, parent, subtasks, changelog — comes with
 *      the listing (fields + expand=changelog); only an issue whose embedded
 *      changelog is truncated costs a request of its own;
 *   5. sprints and cards are written per user in one transaction;
 *      jira_project_keys, when set, limits the cards kept.
 * A failure is reported in the report's error; what did succeed is stored,
 * and the incremental window only advances after a fully successful pass.
 */
#include <stdint.h>

#include "sync/commits.h"
#include "sync/report.h"

#define JIRA_OVERLAP_S (24 * 3600)

/* Runs (or joins) the user's Jira pass; status and userlock as for commits.
 * PDT_EINVAL when the user's Jira settings are incomplete. */
pdt_err sync_jira_user(sync_ctx *ctx, int64_t user_id, sync_report **out);

/* The same with a time limit (ms, 0 = none): past it no further request is
 * started, what arrived is stored, and the error says the next pass goes on.
 * The first read of /api/jira for a never-synced user uses this. */
pdt_err sync_jira_user_bounded(sync_ctx *ctx, int64_t user_id, int64_t max_ms,
			       sync_report **out);

/* The same, but PDT_ECONFLICT at once when the user's pass is running;
 * deadline_ms (CLOCK_MONOTONIC ms, 0 = none) bounds it like max_ms. */
pdt_err sync_jira_user_try(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			   sync_report **out);

/* true when email, token and workspace are all set. */
bool sync_jira_configured(const store_user *u);

#endif
