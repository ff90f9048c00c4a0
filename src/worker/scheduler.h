#ifndef PDT_WORKER_SCHEDULER_H
#define PDT_WORKER_SCHEDULER_H
/*
 * worker/scheduler: the embedded background worker of `pdt serve`.
 *
 * Threads. Two loop threads, one per source (commits, jira), each with its
 * own interval (SYNC_INTERVAL_COMMITS, SYNC_INTERVAL_JIRA). A loop runs a
 * pass at start-up and then one every interval, timed on CLOCK_MONOTONIC
 * from the start of the previous pass. Between passes it sleeps on a
 * condition variable, so a shutdown (or scheduler_wake) ends the wait at
 * once. With SYNC_ENABLED=false scheduler_start starts nothing and no
 * upstream request is ever made by the worker.
 *
 * A pass covers every user with something to sync (repositories; complete
 * Jira settings), WORKER_USER_CONCURRENCY users at a time so one slow user
 * does not hold up the rest, and calls exactly the functions the manual
 * triggers and `pdt sync` call (sync_commits_user_try / the Jira pass) under the
 * same per-user lock: a user whose manual sync is running is skipped by the
 * worker for that pass (that sync covers it), never synced twice at once.
 *
 * Deadlines. Each user's pass has a deadline of the source's interval
 * (from the start of that user's pass): past it no upstream request is sent
 * or waited for, the slot moves on to the next user, and what that user had
 * left (repositories not reached or cut short: "deadline reached; deferred
 * to the next pass", their stored state unchanged; for Jira, the sprints
 * not listed) waits for the next pass. So users whose upstreams hang or
 * answer with long Retry-After cannot hold all the slots and stall everyone
 * else's sync. Rate-limit waits are bounded separately by SYNC_MAX_WAIT: a
 * Retry-After or reset further away is not slept on, that repository or
 * Jira site reports "rate limited until <time>; deferred to the next pass".
 *
 * Manual triggers (POST /api/sync/commits|jira) run on worker/trigger's own
 * pool, never on an HTTP thread nor on these loops; they take the same
 * per-user lock, so a trigger during the worker's pass for that user joins
 * it (trigger.h describes that pool).
 *
 * Never doubled. The pass runs on the loop thread itself, so a loop cannot
 * start a pass while its previous one runs; every tick that fell due while
 * a pass overran is skipped and logged ("tick skipped").
 *
 * Status. Per user and source the store keeps status/last_sync/next_sync/
 * last_error. At start-up the scheduler turns any "syncing" left by a crash
 * back into "idle" and records next_sync for every user, so next_sync is
 * known from start-up on; each pass end records the next one.
 *
 * Shutdown. main cancels the upstream client, stops the trigger pool, then
 * calls scheduler_stop(), which sets the stop flag, signals the condition
 * variable and cancels the upstream client (aborting in-flight transfers and
 * rate-limit waits); a pass then ends early, each repository's write being
 * one transaction that either committed or never began; the loop threads are
 * joined. Crash safety follows from the same transactions: a kill at any
 * moment leaves committed repositories complete and the rest untouched, and
 * ON CONFLICT DO NOTHING keeps the next pass from duplicating anything.
 *
 * Ownership: scheduler_start borrows ctx (and what it points to) until
 * scheduler_stop returns; scheduler_free frees the scheduler.
 */
#include <stdbool.h>

#include "core/err.h"
#include "sync/commits.h"

#define WORKER_USER_CONCURRENCY 2

typedef struct scheduler scheduler;

/* Starts both loops (nothing when cfg->sync_enabled is false: *out = NULL). */
pdt_err scheduler_start(sync_ctx *ctx, scheduler **out);
/* Wakes a loop now ("commits" | "jira"), as if its interval had elapsed. */
void scheduler_wake(scheduler *s, const char *source);
/* When the source's next pass is due (wall clock, Unix seconds); 0 when
 * the worker is not running (s NULL). For users who joined after start-up. */
int64_t scheduler_next_sync(scheduler *s, const char *source);
/* Stops the loops, cancels upstream calls and joins the threads. The object
 * stays valid (scheduler_next_sync still answers) until scheduler_free, so
 * HTTP requests still in flight may read it. NULL is fine. */
void scheduler_stop(scheduler *s);
/* Frees a stopped scheduler (stops it first if needed). NULL is fine. */
void scheduler_free(scheduler *s);

#endif
