#ifndef PDT_UPSTREAM_RATELIMIT_H
#define PDT_UPSTREAM_RATELIMIT_H
/*
 * upstream/ratelimit: what upstream_do remembers about rate-limit budgets,
 * and the parsers for the headers that announce them. Internal to
 * upstream/client (exposed for its unit tests).
 *
 * The table maps a ratelimit_key (one per token) to the last
 * remaining/reset pair a response announced. It holds at most
 * RATELIMIT_SLOTS keys (the least recently used is forgotten) and is
 * thread-safe. Only spent budgets (remaining == 0) create an entry; later
 * responses for a known key update it.
 *
 * Times: reset instants are Unix seconds, waits are milliseconds; "now" is
 * passed in so the functions are deterministic under test.
 */
#include <stdint.h>

#define RATELIMIT_SLOTS 256
/* Margin added to a reset instant before sending again (clock skew, rounding). */
#define RATELIMIT_RESET_PAD_MS 1000

typedef struct ratelimit_table ratelimit_table;

/* Never NULL (allocation failure aborts). */
ratelimit_table *ratelimit_table_new(void);
/* NULL is fine. */
void ratelimit_table_free(ratelimit_table *t);

/*
 * Records a response's announcement for key. remaining < 0 means the
 * response said nothing (ignored); reset < 0 means no reset time was given.
 * key NULL is ignored. key is copied.
 */
void ratelimit_record(ratelimit_table *t, const char *key, int64_t remaining, int64_t reset);

/*
 * Milliseconds to wait before sending with key: when its budget is spent and
 * the reset is known, until reset + RATELIMIT_RESET_PAD_MS; else 0.
 */
int64_t ratelimit_wait_ms(ratelimit_table *t, const char *key, int64_t now_wall_ms);

/* Wall clock in milliseconds since the Unix epoch. */
int64_t ratelimit_wall_ms(void);

/* Header values (trimmed). Each returns -1 for an absent or unparseable value. */

/* x-ratelimit-remaining / RateLimit-Remaining: a non-negative count. */
int64_t ratelimit_parse_count(const char *v);
/*
 * x-ratelimit-reset / RateLimit-Reset as Unix seconds. GitHub and GitLab
 * send epoch seconds; a value below 10^9 is taken as a delta from now_unix
 * (the IETF RateLimit draft's form).
 */
int64_t ratelimit_parse_reset(const char *v, int64_t now_unix);
/*
 * Retry-After as a wait in milliseconds: delay-seconds ("120") or an
 * HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"; a date in the past gives 0).
 */
int64_t ratelimit_parse_retry_after(const char *v, int64_t now_unix);

#endif
