#ifndef PDT_SYNC_JIRA_H
#define PDT_SYNC_JIRA_H
/*
 * sync/jira: one Jira pass over one user — behind POST /api/sync/jira,
 * `pdt sync --jira`, the first read of the /api/jira routes, and the worker.
 * A user's pass covers each of the user's active Jira workspaces (sites),
 * one after another, with the user's credentials; each workspace is the
 * pass described below, with its own incremental window (its last fully
 * successful pass), its own project_keys and its own transaction. One
 * workspace's failure is reported in the pass's error (naming the workspace
 * when there are several) and does not stop the others.
 *
 * The first (cold) pass, and any pass after one that did not fully succeed:
 *   1. every board (kanban boards answer the sprint listing with 400 and are
 *      skipped), every sprint of every state;
 *   2. the issues of active and future sprints, and of a closed sprint that
 *      ended within SYNC_LOOKBACK_DAYS once, each listed whole, active first.
 * Later (warm) passes:
 *   1. every board, and each board's open sprints (state=active,future);
 *   2. an open sprint never listed before is listed whole;
 *   3. a sprint stored as open that no board lists as open any more is read
 *      once more (GET sprint/{id}: its state and completeDate now) and, now
 *      closed, listed whole without a filter, so the final states of its cards
 *      arrive (completing a sprint moves no issue's `updated`); stored closed,
 *      it is never read again. A deleted one (404) is dropped;
 *   4. one search (POST search/jql) for `updated >= <last fully successful
 *      pass - JIRA_OVERLAP_S>` AND (in those open sprints OR one of their
 *      stored cards): what changed in them, and what left them (moving an
 *      issue changes its `updated`). Jira refuses a key that no longer exists
 *      (400): the open sprints are then listed whole instead, and a stored
 *      card none of them holds leaves its sprint.
 * Unchanged, a warm pass costs boards + 2 requests.
 * Every issue comes with its Sprint field (JIRA_SPRINT_FIELD): a card
 * belongs to the active sprint, else its future one; a card only in
 * closed sprints stays with the closed sprint that listed it, and one in
 * none (the backlog) has no sprint. Each issue's detail — type, parent,
 * subtasks, changelog — comes with the listing (fields + expand=changelog);
 * only an issue whose embedded changelog is truncated costs a request of its
 * own. A listing or search that fails part-way is dropped whole: stored
 * cards (and their details_json) stay as they were. Listings also ask for
 * each issue's description and comments; only an issue whose embedded
 * comments are truncated costs the pages of its comment list. Sprints,
 * cards and comments are written per workspace in one transaction; its
 * project_keys, when set, limit the cards kept. A pass whose workspace was
 * deleted or moved to another site meanwhile stores nothing.
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

/* The same for one workspace of the user (workspace_id > 0, synced even
 * when inactive; 0 = every active one). PDT_ENOTFOUND (error "workspace not
 * found") when it is not the user's. A pass of the user already running is
 * joined as above, whatever it covers. */
pdt_err sync_jira_workspace_bounded(sync_ctx *ctx, int64_t user_id, int64_t workspace_id,
				    int64_t max_ms, sync_report **out);

/* The same, but PDT_ECONFLICT at once when the user's pass is running;
 * deadline_ms (CLOCK_MONOTONIC ms, 0 = none) bounds it like max_ms. */
pdt_err sync_jira_user_try(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			   sync_report **out);

/* true when email and token are set and the user has a workspace (the
 * profile's jira_workspace reads the user's first one). */
bool sync_jira_configured(const store_user *u);

#endif
