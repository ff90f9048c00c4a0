#ifndef PDT_WORKER_TRIGGER_H
#define PDT_WORKER_TRIGGER_H
/*
 * worker/trigger: the manual sync triggers' pool (POST /api/sync/commits,
 * POST /api/sync/jira). An HTTP thread never runs a pass: it hands the pass
 * to this pool and waits for it at most SYNC_WAIT, so no upstream, however
 * slow or however long its Retry-After, holds a request thread for long.
 *
 * Threads. Up to TRIGGER_THREADS_MAX pool threads, started on demand (one
 * when a pass is queued and no thread is idle) and kept until trigger_stop.
 * `pdt serve` starts the pool whatever SYNC_ENABLED says: manual triggers
 * work with the worker's loops off. `pdt sync` does not use it (a CLI pass
 * runs in the foreground, without a wait limit).
 *
 * Queue. One job per (user, source) at a time, queued or running: a trigger
 * that finds one joins it instead of adding another (coalescing), so the
 * queue is bounded by users x 2 and a stalled (user, source) occupies at
 * most one pool thread; TRIGGER_THREADS_MAX - 1 of them may stall at once
 * and another user's trigger still finds a thread. A job runs the same
 * function as before (sync_commits_user / sync_jira_user_bounded), under the
 * per-user lock: when the worker's pass for that user is running the job
 * joins it and gets its report. Each manual pass has a deadline of the
 * source's interval (SYNC_INTERVAL_COMMITS / SYNC_INTERVAL_JIRA), so none
 * runs forever.
 *
 * Waiting. trigger_run waits for the job at most wait_ms (SYNC_WAIT) on a
 * CLOCK_MONOTONIC condition variable. A finished job hands every waiter its
 * report; one still running answers TRIGGER_RUNNING (the API's 202) and goes
 * on in the background, its outcome recorded in the sync status like any
 * pass. At most max_waiters requests wait at once (main gives half of
 * HTTP_THREADS), and at most half of those (at least one) are one user's:
 * past that a trigger starts or joins the pass and answers TRIGGER_RUNNING
 * at once. So waiting triggers never take every HTTP thread (/healthz and
 * the rest of the API keep answering), and one user's pile of triggers
 * leaves waiting places for the others.
 *
 * Shutdown. trigger_stop sets the stop flag, wakes every waiter (those whose
 * pass has not finished answer PDT_ECANCELLED, the API's 503), drops queued
 * jobs and joins the pool threads; the caller cancels the upstream client
 * first (upstream_client_cancel), so running passes end at once. A pass's
 * writes are per-repository transactions: what committed stays.
 *
 * Ownership: trigger_start borrows ctx (and what it points to) until
 * trigger_free; reports returned by trigger_run are the caller's reference
 * (sync_report_unref). trigger_free frees the pool (stopping it first).
 */
#include <stdint.h>

#include "core/err.h"
#include "sync/commits.h"

#define TRIGGER_THREADS_MAX 8

typedef struct trigger trigger;

typedef enum trigger_source {
	TRIGGER_COMMITS,
	TRIGGER_JIRA,
} trigger_source;

typedef enum trigger_outcome {
	TRIGGER_DONE,    /* the pass ended: *rc, *report (NULL when rc says it never ran) */
	TRIGGER_RUNNING, /* still running after wait_ms; it goes on in the background */
} trigger_outcome;

/* Starts the (empty) pool; max_waiters >= 1 bounds the requests that wait
 * at once. Never fails (threads start on demand). */
trigger *trigger_start(sync_ctx *ctx, int max_waiters);

/*
 * Starts or joins the user's manual pass for source and waits at most
 * wait_ms for it. On TRIGGER_DONE, *rc is the pass's result code and
 * *report its report (caller unrefs; NULL when the pass could not run, e.g.
 * PDT_ENOTFOUND, PDT_ESTORE, or PDT_ECANCELLED at shutdown).
 */
trigger_outcome trigger_run(trigger *t, int64_t user_id, trigger_source source,
			    int64_t wait_ms, pdt_err *rc, sync_report **report);

/* Stops the pool (see Shutdown) and joins its threads. NULL is fine. */
void trigger_stop(trigger *t);
/* Frees a stopped pool (stops it first if needed). NULL is fine. Call it
 * after the HTTP server stopped: no trigger_run may be in progress. */
void trigger_free(trigger *t);

#endif
