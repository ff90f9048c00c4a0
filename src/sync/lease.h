#ifndef PDT_SYNC_LEASE_H
#define PDT_SYNC_LEASE_H
/*
 * sync/lease: this replica's side of the passes divided across replicas
 * (issue 10). Several `pdt serve` processes on one database each run the
 * worker loops; a (user, source) pass is run only by the replica holding the
 * lease on its sync_status row (store_lease_*).
 *
 * Claim. A conditional UPDATE ... WHERE (lease_owner IS NULL OR
 * lease_expires < now) AND due ... RETURNING user_id, which both dialects
 * run and which is atomic in both: SQLite has one writer at a time;
 * PostgreSQL re-checks an UPDATE's WHERE on the row version it locks, so a
 * loser sees the winner's lease and matches nothing. On PostgreSQL the
 * subquery picking the row adds FOR UPDATE SKIP LOCKED (a .postgres override
 * in store_sql.c) so concurrent claimers pass over each other's rows instead
 * of queueing on them; the re-check alone would also be correct. No advisory
 * locks: they live in a session, and a pooled connection outlives a pass.
 *
 * Owner and expiry. The owner is a random id per process ("r-" + 16 hex),
 * logged at start ("lease replica=..."). A lease lasts SYNC_LEASE_TTL
 * (default 30 s); one heartbeat thread extends every lease this process
 * holds every TTL / 3 with one statement (UPDATE ... WHERE lease_owner = me),
 * and does nothing while none is held. A replica killed mid-pass stops
 * extending; its leases expire within a TTL and another replica claims the
 * rows (still due: the dead one never released them). Its half-done
 * repository writes were never committed (one transaction per repository).
 *
 * Database restarts. A release that meets the database away is retried
 * until it is back (lease_release): the heartbeat extends every row this
 * replica owns, so an unreleased row would otherwise stay held.
 *
 * Manual triggers (lease_enter_manual): the pass claims the lease whatever
 * the schedule; while another replica holds it, the trigger waits (polling
 * every LEASE_POLL_MS, bounded by its deadline and by cancellation) and then
 * answers with what that pass recorded (LEASE_JOINED) - unless the row still
 * says "syncing" (the holder died): then it runs the pass itself.
 *
 * Cost. Per scheduled pass: one claim and one release (two statements, each
 * its own transaction), plus one heartbeat per TTL / 3 shared by all of the
 * replica's passes; per loop tick: one ensure statement and one empty claim
 * per worker thread. lease_stats() counts them (the worker's pass log line).
 *
 * Ownership: lease_start allocates and starts the heartbeat; lease_free
 * stops it (releasing nothing: leases of a stopping replica are released by
 * their passes, or expire). The store is borrowed.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"
#include "upstream/client.h"

#define LEASE_POLL_MS 100
#define LEASE_RETRY_MS 500

typedef struct lease lease;

/* ttl_ms > 0. NULL when the heartbeat thread cannot start. */
lease *lease_start(store *st, int64_t ttl_ms);
/* Stops the heartbeat and frees. NULL is fine. */
void lease_free(lease *l);
/* This replica's id (valid until lease_free). */
const char *lease_owner(const lease *l);
int64_t lease_ttl_ms(const lease *l);
/* Database statements issued for leases so far (claims, releases,
 * heartbeats, ensures). */
int64_t lease_stats(const lease *l);

/* Wall clock, Unix ms. */
int64_t lease_now_ms(void);

/* Creates missing schedule rows of source (due now). */
pdt_err lease_ensure(lease *l, const char *source);
/* Claims the next due (user, source); *user_id 0 when none. *due_ms: when
 * it was due (0: never scheduled). */
pdt_err lease_claim_due(lease *l, const char *source, int64_t *user_id, int64_t *due_ms);
/* Releases a lease this replica holds; next_due_ms > 0 schedules the next
 * pass, 0 keeps the schedule. While the database is unavailable the release
 * is retried every LEASE_RETRY_MS (the caller waits): until it is written
 * the lease is extended by the heartbeat, so giving up would leave the row
 * held for as long as this replica has other passes. Only a cancelled
 * client (shutdown; NULL: never) or another error ends the retries: that
 * lease then expires. The release also sets the row's status "idle": a pass
 * whose final status write was lost with the database is over all the same. */
void lease_release(lease *l, int64_t user_id, const char *source, int64_t next_due_ms,
		   upstream_client *client);

typedef enum lease_outcome {
	LEASE_RUN,    /* the lease is ours: run the pass, then lease_release(.., 0) */
	LEASE_JOINED, /* another replica's pass ended: read its sync status */
	LEASE_GAVE_UP /* still held at the deadline, or cancelled, or a store error */
} lease_outcome;

/* A manual pass's claim (see above). deadline_ms: CLOCK_MONOTONIC ms, 0 =
 * wait for as long as it takes; client: its cancellation ends the wait. */
lease_outcome lease_enter_manual(lease *l, int64_t user_id, const char *source,
				 int64_t deadline_ms, upstream_client *client);

#endif
