#ifndef PDT_CORE_TIMEUTIL_H
#define PDT_CORE_TIMEUTIL_H
/*
 * Time in pdt: instants are int64 Unix seconds (UTC) everywhere — in structs,
 * in the database and between modules. Text is RFC 3339 in UTC ("...Z") on the
 * way out; on the way in any offset is accepted and converted to UTC.
 * Durations are int64 nanoseconds (as Go's time.Duration).
 * No function here depends on the process's time zone (TZ never leaks).
 */
#include <stdint.h>

#include "core/err.h"

#define TIMEUTIL_RFC3339_LEN 21 /* "2026-02-19T00:15:00Z" + NUL */

#define TIMEUTIL_NS_PER_MS INT64_C(1000000)
#define TIMEUTIL_NS_PER_S INT64_C(1000000000)

/* Wall clock, Unix seconds. */
int64_t timeutil_now(void);
/* Monotonic clock in milliseconds (for timeouts and intervals). */
int64_t timeutil_mono_ms(void);

/*
 * Parses a Go duration ("300ms", "1.5h", "2h45m", "-1m", "0"). Units: ns, us,
 * µs, μs, ms, s, m, h. Returns PDT_EINVAL on any syntax error, a missing
 * unit (except a lone "0"), or overflow of int64 nanoseconds.
 */
pdt_err timeutil_parse_duration(const char *s, int64_t *out_ns);

/*
 * Writes "YYYY-MM-DDTHH:MM:SSZ" for a Unix time into out. Times outside years
 * 0000..9999 are clamped to the nearest representable one.
 */
void timeutil_format_rfc3339(int64_t unix_s, char out[TIMEUTIL_RFC3339_LEN]);

/*
 * Parses RFC 3339 / ISO 8601 timestamps as upstreams send them:
 * "2026-02-18T14:30:00Z", "...00.000+01:00", "...00.000+0100" (Jira, no colon),
 * fractional seconds of any length (dropped); "t" and "z" may be lower-case.
 * Returns UTC Unix seconds, or PDT_EINVAL for anything else (including
 * out-of-range fields, a leap second 60, or trailing bytes).
 */
pdt_err timeutil_parse_rfc3339(const char *s, int64_t *out_unix);

/* Days from civil date (proleptic Gregorian), TZ-independent timegm(). */
int64_t timeutil_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
