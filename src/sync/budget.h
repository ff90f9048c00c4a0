#ifndef PDT_SYNC_BUDGET_H
#define PDT_SYNC_BUDGET_H
/*
 * sync/budget: one rate-limit budget per upstream token across replicas
 * (issue 10), plugged into the upstream client (upstream_budget).
 *
 * The database row of a token (ratelimit_budgets, keyed by the client's
 * rate-limit key: provider + 16 hex digits of the token's SHA-256, never the
 * token) holds the units of the current window not yet handed out
 * (remaining), the window's end (reset_at) and an instant before which
 * nobody sends (blocked_until: a Retry-After, a spent budget's reset, or a
 * probe in flight).
 *
 * Reserving. A replica takes units in batches: one database transaction
 * takes min(remaining, clamp(remaining / BUDGET_BATCH_DIV, 1, BUDGET_BATCH_MAX))
 * units, and later requests spend the local batch without a round trip. A
 * batch is usable for BUDGET_BATCH_MS (so a Retry-After recorded by another
 * replica stops this one within that time) and never past its window; the
 * units an expired batch did not spend go back to the row with the next
 * reservation (same round trip) when its window still runs. With no units left the request waits for the
 * reset (+1 s) like a spent budget (bounded by SYNC_MAX_WAIT and the pass's
 * deadline: past them the repository is deferred to the next pass).
 *
 * Learning. An answer's remaining/reset is written back only when it says
 * less than the row (min: reserved units are subtracted before they are
 * spent, so the row is normally below the upstream's count) or opens a new
 * window (then the row takes the upstream's count, less the request itself
 * when it was a 304: GitHub does not charge those, but every request sent
 * is counted here, so the budget bounds requests, not only charged ones). A window the row does
 * not know (first use, or past its reset + 1 s) is probed: one request goes,
 * everyone else waits up to BUDGET_PROBE_MS for its answer. Upstreams that
 * announce no budget (Jira, some GitLab) are marked free for
 * BUDGET_FREE_S seconds: no reservation, one round trip per minute.
 * A Retry-After (429, secondary limits) blocks the token for every replica,
 * so they do not all retry at once; one longer than SYNC_MAX_WAIT is not
 * shared (the pass that got it defers, as on one replica, and the next pass
 * asks the upstream again).
 *
 * Cost: budget_round_trips() counts the database transactions.
 *
 * Ownership: budget_new borrows the store; budget_free frees (after the
 * client stopped using it: upstream_client_set_budget(c, NULL) or free the
 * client first).
 */
#include <stdint.h>

#include "store/store.h"
#include "upstream/client.h"

#define BUDGET_BATCH_DIV 16
#define BUDGET_BATCH_MAX 10
#define BUDGET_BATCH_MS 1000
#define BUDGET_PROBE_MS 1000
#define BUDGET_FREE_S 60
#define BUDGET_RESET_PAD_MS 1000
#define BUDGET_SLOTS 128

typedef struct budget budget;

/* max_wait_ms: SYNC_MAX_WAIT (see Learning). */
budget *budget_new(store *st, int64_t max_wait_ms);
void budget_free(budget *b);
/* Installs b on c (upstream_client_set_budget). */
void budget_install(budget *b, upstream_client *c);
/* Database transactions made so far. */
int64_t budget_round_trips(const budget *b);

/* The upstream_budget calls, exposed for unit tests. */
int64_t budget_acquire(void *b, const char *key, int64_t now_ms);
void budget_record(void *b, const char *key, long status, int64_t remaining, int64_t reset_s,
		   int64_t retry_after_ms, int64_t now_ms);

#endif
