#ifndef PDT_WORKER_SCHEDULER_H
#define PDT_WORKER_SCHEDULER_H
/*
 * worker/scheduler: the embedded background worker of `pdt serve`.
 *
 * Threads. Two loop threads, one per source (commits, jira), each with its
 * own interval (SYNC_INTERVAL_COMMITS, SYNC_INTERVAL_JIRA). With SYNC_ENABLED
 * =false scheduler_start starts nothing and no upstream request is ever made
 * by the worker.
 *
 * Replicas (issue 10). Several `pdt serve` on one database divide the work
 * through leases (sync/lease.h): the schedule lives in the database
 * (sync_status.next_due per user and source). A loop ticks every tenth of
 * its interval (50 ms .. 5 s; the first tick at start-up, logged as a pass
 * even when nobody is due): it creates the rows of users new since the last
 * tick (due at once), then WORKER_USER_CONCURRENCY threads claim due rows
 * one at a time (a conditional UPDATE ... RETURNING: whoever wins runs that
 * pass; every other replica moves on to the next row), run the user's pass
 * (sync_commits_user_try / the Jira pass, the same functions the manual
 * triggers and `pdt sync` call, under the same per-user lock) and release
 * the lease with next_due = the time it was due + the interval (past every
 * tick it overran, logged as "tick skipped"). A tick that claimed someone
 * is logged as a "worker pass" line with lease_queries and budget_queries
 * (the database statements the leases and the shared rate-limit budgets
 * cost). So in each interval every user is synced once, by one replica, and
 * every replica's GET /api/sync/status reads the same rows. A user whose
 * manual sync runs on this replica is skipped (that sync covers it); one
 * running on another replica holds the lease, so the row is not claimed.
 *
 * Between ticks a loop sleeps on a condition variable, so a shutdown (or
 * scheduler_wake, which also makes every row of the source due) ends the
 * wait at once.
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
 * Never doubled. A (user, source) pass runs only under its lease; a lease
 * is extended by its owner's heartbeat and expires SYNC_LEASE_TTL after a
 * replica stops extending it (killed): its rows, still due, are claimed by
 * another replica then.
 *
 * Status. Per user and source the store keeps status/last_sync/next_sync/
 * last_error. At start-up the scheduler turns any "syncing" no live lease
 * covers (a crash) back into "idle"; next_sync is written with each release
 * (before a user's first pass GET /api/sync/status shows an interval from
 * the start-up: scheduler_next_sync).
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
/* Wakes a loop now ("commits" | "jira") and makes every user of it due. */
void scheduler_wake(scheduler *s, const char *source);
/* An interval after this replica's start-up (wall clock, Unix seconds); 0
 * when the worker is not running (s NULL). What GET /api/sync/status shows
 * for a user whose row has no next_sync yet. */
int64_t scheduler_next_sync(scheduler *s, const char *source);
/* Stops the loops, cancels upstream calls and joins the threads. The object
 * stays valid (scheduler_next_sync still answers) until scheduler_free, so
 * HTTP requests still in flight may read it. NULL is fine. */
void scheduler_stop(scheduler *s);
/* Frees a stopped scheduler (stops it first if needed). NULL is fine. */
void scheduler_free(scheduler *s);

#endif
