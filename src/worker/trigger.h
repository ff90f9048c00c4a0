#ifndef PDT_WORKER_TRIGGER_H
#define PDT_WORKER_TRIGGER_H
/*
 * worker/trigger: the manual sync triggers' pool (POST /api/sync/commits,
 * POST /api/sync/jira). An HTTP thread never runs a pass nor waits for one:
 * the handler defers its answer (http_req_defer, the connection is
 * suspended), submits the pass here and returns; this module answers within
 * SYNC_WAIT. So no upstream, however slow or however long its Retry-After,
 * holds a request thread, and /healthz and the rest of the API keep
 * answering whatever the triggers wait for.
 *
 * Threads. Up to TRIGGER_THREADS_MAX pool threads that run passes, started
 * on demand (when a pass is queued and no pool thread is idle) and kept
 * until trigger_stop, plus one answer thread that calls the waiters' done
 * callbacks: when their pass ends, or when their wait (SYNC_WAIT) is over,
 * whichever comes first. `pdt serve` starts the module whatever
 * SYNC_ENABLED says: manual triggers work with the worker's loops off.
 * `pdt sync` does not use it (a CLI pass runs in the foreground, without a
 * wait limit).
 *
 * Queue. One job per (user, source) at a time, queued or running: a trigger
 * that finds one joins it instead of adding another (coalescing), so the
 * queue is bounded by users x 2 and a stalled (user, source) occupies at
 * most one pool thread: TRIGGER_THREADS_MAX - 1 of them may stall at once
 * and another user's pass still finds a thread (past that it queues and its
 * trigger answers 202 until a thread frees). A job runs the same function as
 * before (sync_commits_user / sync_jira_user_bounded) under the per-user
 * lock: when the worker's pass for that user is running the job joins it
 * and gets its report. Across replicas the job also claims the (user,
 * source) lease (sync/lease.h): when another replica's pass holds it, the
 * job waits for that pass to end and answers with what it recorded in the
 * sync status (so its trigger answers 200 within SYNC_WAIT, or 202 as
 * below, like a local join). Each manual pass has a deadline of the source's
 * interval (SYNC_INTERVAL_COMMITS / SYNC_INTERVAL_JIRA), or the shorter
 * limit its first submit asked for (the first /api/jira read's
 * JIRA_FIRST_SYNC_TIMEOUT), so none runs forever.
 *
 * Answers. done(arg, TRIGGER_DONE, rc, report) when the pass ended within
 * the wait (every waiter of that pass gets its report); done(arg,
 * TRIGGER_RUNNING, ...) when it is still running at the end of the wait (the
 * API's 202): it goes on in the background and its outcome is recorded in
 * the sync status like any pass. done runs exactly once per submit, on the
 * answer thread (or on the caller's thread when the module is stopped).
 *
 * Shutdown. trigger_stop sets the stop flag; queued jobs are dropped; pool
 * threads finish the pass they run (the caller cancels the upstream client
 * first, upstream_client_cancel, so those end at once) and are joined; then
 * the answer thread answers every waiter left (a finished pass: its report;
 * otherwise PDT_ECANCELLED, the API's 503) and is joined. So every in-flight
 * trigger is answered before the HTTP server stops.
 *
 * Ownership: trigger_start borrows ctx (and what it points to) until
 * trigger_free. done gets a report reference of its own (NULL when none):
 * it must sync_report_unref it. trigger_free frees the module (stopping it
 * first).
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
	TRIGGER_DONE,    /* the pass ended: rc, report (NULL when rc says it never ran) */
	TRIGGER_RUNNING, /* still running after the wait; it goes on in the background */
} trigger_outcome;

/* rc: the pass's result code (PDT_ENOTFOUND, PDT_ESTORE, PDT_ECANCELLED when
 * it could not run; a Jira pass's own code otherwise). report: caller's ref. */
typedef void (*trigger_done_fn)(void *arg, trigger_outcome outcome, pdt_err rc,
				sync_report *report);

/* Starts the answer thread (pool threads start on demand). NULL only when
 * that thread cannot start. */
trigger *trigger_start(sync_ctx *ctx);

/* Starts or joins the user's manual pass for source; done(arg, ...) within
 * wait_ms (see Answers). pass_ms limits a pass this submit starts (0: the
 * source's interval); a joined pass keeps its own limit. */
void trigger_submit(trigger *t, int64_t user_id, trigger_source source, int64_t wait_ms,
		    int64_t pass_ms, trigger_done_fn done, void *arg);
/* The same for one Jira workspace of the user (workspace_id > 0; 0 = every
 * active one, as trigger_submit). Jobs coalesce per (user, source,
 * workspace); a pass of the user already running under the per-user lock is
 * joined whatever it covers. */
void trigger_submit_ws(trigger *t, int64_t user_id, trigger_source source, int64_t workspace_id,
		       int64_t wait_ms, int64_t pass_ms, trigger_done_fn done, void *arg);

/* Stops the module (see Shutdown) and joins its threads. NULL is fine. */
void trigger_stop(trigger *t);
/* Frees a stopped module (stops it first if needed). NULL is fine. */
void trigger_free(trigger *t);

#endif
