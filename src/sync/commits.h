#ifndef PDT_SYNC_COMMITS_H
#define PDT_SYNC_COMMITS_H
/*
 * sync/commits: one commit-sync pass over one user's repositories — the
 * single code path behind POST /api/sync/commits, `pdt sync --commits` and
 * the background worker.
 *
 * Per repository (fetched concurrently, at most cfg->sync_concurrency at a
 * time; the store serialises the writes):
 *   1. list branches with the stored ETag: a 304 means nothing moved — done,
 *      for one request that costs GitHub no rate limit;
 *   2. a branch whose head SHA equals the stored head is skipped;
 *   3. moved or new branches are fetched by ancestry, SYNC_CONCURRENCY at a
 *      time: a moved branch gets exactly the commits reachable from its new
 *      head and not from the stored one (compare), whatever their dates —
 *      commits written Monday and pushed Thursday arrive; a new branch is
 *      compared with the default branch's current head; the default branch
 *      of a repository seen for the first time, and a force-pushed branch
 *      (old head no longer an ancestor, or unknown upstream), are listed by
 *      date. Everything is bounded by SYNC_LOOKBACK_DAYS on the committer
 *      date;
 *   4. commits are deduplicated by SHA and attributed to the default branch
 *      when on it, else to the first branch in name order that has them;
 *   5. everything — new commits, heads, ETag, validity, timestamps — is
 *      written in one transaction (a crash leaves all or nothing of it).
 * Only 401/403/404 mark a repository invalid; any other failure is reported
 * in that repository's result and leaves it valid, and its heads/ETag
 * unchanged so the next pass retries. One repository's failure never stops
 * the others.
 *
 * Ownership: sync_ctx borrows everything it points to.
 */
#include <stdint.h>

#include "core/config.h"
#include "store/store.h"
#include "sync/lease.h"
#include "sync/report.h"
#include "sync/userlock.h"
#include "upstream/client.h"

typedef struct sync_ctx {
	store *st;
	const config *cfg;
	upstream_client *client;
	userlock *locks;
	/* Passes divided across replicas (sync/lease.h); NULL: this process is
	 * alone (`pdt sync`, tests), the per-user lock is all there is. */
	lease *leases;
	/* The shared rate-limit budgets installed on client (sync/budget.h), for
	 * the pass log's round-trip count; NULL when none. */
	struct budget *budgets;
} sync_ctx;

/* The rate-limit identity of a token: "provider:" + 16 hex digits of its
 * SHA-256, so budgets are tracked per token without keeping the token. */
#define SYNC_KEY_LEN 40
void sync_ratelimit_key(const char *provider, const char *token, char out[SYNC_KEY_LEN]);

/*
 * deadline_ms (CLOCK_MONOTONIC ms, timeutil_mono_ms; 0 = none) bounds a pass:
 * past it no upstream request is sent or waited for, repositories not yet
 * synced (not reached, or cut short) report UPSTREAM_DEADLINE_MSG ("deadline
 * reached; deferred to the next pass") and are left as they were (valid,
 * heads and ETag unchanged) for the next pass; what was stored stays. A
 * rate limit that lifts later than SYNC_MAX_WAIT or the deadline is not
 * waited for: that repository reports "rate limited until <RFC 3339>;
 * deferred to the next pass" (see provider_result.retry_at).
 *
 * Runs (or joins) the user's commit pass and returns its report (caller
 * unrefs). Records status "syncing" then "idle" with last_sync/last_error.
 * PDT_OK with a report even when repositories failed (see their errors);
 * another code only when the pass could not run at all (no such user, store).
 */
pdt_err sync_commits_user(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			  sync_report **out);

/* With ctx->leases, the manual pass (sync_commits_user) also claims the
 * (user, "commits") lease; while another replica's pass holds it, it waits
 * for that pass (bounded by deadline_ms) and returns the result recorded in
 * the sync status: every repository of the user, with the error recorded for
 * it ("" when none) and new_commits/total_fetched 0 (those counts stayed in
 * the other replica); PDT_ETIMEOUT when the deadline came first.
 *
 * The same, but when the user's pass is already running it returns
 * PDT_ECONFLICT at once instead of waiting (the background worker, which
 * holds the lease already). */
pdt_err sync_commits_user_try(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			      sync_report **out);

/* The pass without the lock or status bookkeeping. */
pdt_err sync_commits_run(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			 sync_report **out);

#endif
