#ifndef PDT_AUTH_THROTTLE_H
#define PDT_AUTH_THROTTLE_H
/*
 * throttle: limits failed logins per account and per client address, so
 * passwords cannot be guessed as fast as bcrypt allows.
 *
 * The limits (this is the one place they are set):
 *   - THROTTLE_ACCOUNT_MAX failures per account within THROTTLE_ACCOUNT_WINDOW_MS;
 *   - THROTTLE_ADDR_MAX failures per client address within THROTTLE_ADDR_WINDOW_MS.
 * An attempt is refused when either key already holds its maximum of failures
 * inside its window; the caller asks before it verifies the password, so a
 * refused attempt costs no bcrypt. The wait it is told is the time until the
 * oldest of those failures leaves the window (the HTTP Retry-After). Refused
 * attempts are not failures themselves: waiting that long always works.
 *
 * Keys are opaque bytes chosen by the caller. The login handler uses:
 *   - account: the email as the login lookup matches it (ASCII case folded),
 *     whether or not such an account exists, so trying unknown emails is
 *     throttled exactly like known ones and tells an attacker nothing;
 *   - address: the socket's peer address (never X-Forwarded-For); see
 *     http/peer.h for how IPv6 is grouped.
 * They are kept only as keyed hashes (HMAC-SHA-256 under a random per-process
 * key, 128 bits kept): no email stays in memory, and chosen keys cannot pile
 * up in one hash bucket.
 *
 * A successful login (throttle_succeed) forgets the account's failures; the
 * address's stay, so a valid account does not launder an address's guesses
 * at other accounts.
 *
 * Memory is fixed at throttle_new: two tables (accounts, addresses) of
 * `capacity` entries each, and nothing is allocated afterwards. A new key in a
 * full table takes the place of the entry whose last failure is oldest (the
 * expired ones first: within a table that order is also expiry order).
 * Separate tables mean an address flood cannot push accounts out; pushing a
 * live account out takes `capacity` other accounts failing more recently,
 * each failure paying a bcrypt and the per-address limit.
 *
 * Concurrency: thread-safe, one mutex, O(1) work under it (the hashing is
 * done outside). check and fail are separate calls, so attempts racing on
 * the same key may each pass the check before any of them fails: at most one
 * extra bcrypt per concurrent request, never extra entries.
 *
 * Time: callers pass now_ms from a monotonic clock (timeutil_mono_ms), which
 * lets the tests drive the windows.
 *
 * Ownership: throttle_new allocates everything; throttle_free frees it (NULL
 * is fine). Keys are borrowed for the call only.
 */
#include <stddef.h>
#include <stdint.h>

#define THROTTLE_ACCOUNT_MAX 5
#define THROTTLE_ACCOUNT_WINDOW_MS ((int64_t)15 * 60 * 1000)
#define THROTTLE_ADDR_MAX 20
#define THROTTLE_ADDR_WINDOW_MS ((int64_t)60 * 1000)
#define THROTTLE_CAPACITY 4096 /* entries per table (~1 MiB for both) */

typedef struct throttle throttle;

typedef enum throttle_kind {
	THROTTLE_KIND_ACCOUNT = 0,
	THROTTLE_KIND_ADDR = 1,
} throttle_kind;

/* capacity: entries per table, 0 = THROTTLE_CAPACITY; at most 1<<24. */
throttle *throttle_new(size_t capacity);
void throttle_free(throttle *t);

/*
 * 0 when an attempt for (account, addr) may go ahead; otherwise the
 * milliseconds until it may (> 0). Either key may be NULL (not limited on it).
 */
int64_t throttle_check(throttle *t, const void *account, size_t account_len, const void *addr,
		       size_t addr_len, int64_t now_ms);
/* Records a failed attempt against both keys (either may be NULL). */
void throttle_fail(throttle *t, const void *account, size_t account_len, const void *addr,
		   size_t addr_len, int64_t now_ms);
/* A successful login: forgets the account's failures. */
void throttle_succeed(throttle *t, const void *account, size_t account_len);

/* Entries held in a table right now (for tests and bounds checks). */
size_t throttle_entries(throttle *t, throttle_kind kind);
size_t throttle_capacity(const throttle *t);

#endif
