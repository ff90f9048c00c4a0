#ifndef PDT_SYNC_USERLOCK_H
#define PDT_SYNC_USERLOCK_H
/*
 * userlock: at most one pass per (user, source) at a time, across the HTTP
 * triggers, the CLI and the background worker of one process.
 *
 * A caller that finds a pass running does not start another: it waits for
 * that pass to end and receives its report (coalescing), so two clicks on
 * "sync" cost one pass. The worker uses userlock_try_enter to skip instead.
 *
 * Ownership: userlock_new / userlock_free. userlock_leave takes a reference
 * to the report it publishes; a joined caller gets its own reference.
 */
#include <stdbool.h>
#include <stdint.h>

#include "sync/report.h"

typedef struct userlock userlock;

typedef enum userlock_outcome {
	USERLOCK_RUN,    /* you hold the lock: run the pass, then userlock_leave */
	USERLOCK_JOINED, /* a pass was running; *joined is its report (unref it) */
} userlock_outcome;

userlock *userlock_new(void);
void userlock_free(userlock *l);

/* source: "commits" | "jira" (any short string). */
userlock_outcome userlock_enter(userlock *l, int64_t user_id, const char *source,
				sync_report **joined);
/* true when the lock was free and is now held; false when a pass runs. */
bool userlock_try_enter(userlock *l, int64_t user_id, const char *source);
/* Releases the lock, publishing report (may be NULL) to waiting callers. */
void userlock_leave(userlock *l, int64_t user_id, const char *source, sync_report *report);

#endif
