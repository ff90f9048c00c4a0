#ifndef PDT_CORE_JSONW_H
#define PDT_CORE_JSONW_H
/*
 * jsonw: writes JSON text straight into a buf, for large responses (a
 * 100k-commit listing) where building a jansson tree first would cost several
 * times the memory and time of the text itself. Strings are escaped per RFC
 * 8259 and checked as UTF-8: an invalid byte becomes U+FFFD, so the output is
 * always valid JSON whatever bytes the database holds.
 *
 * The writer keeps no state: the caller writes separators (',', ':') itself
 * with jsonw_raw. Every function returns the buf's result (PDT_ETOOBIG at
 * the cap), and once one fails later ones may be skipped by checking it.
 */
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

pdt_err jsonw_raw(buf *b, const char *text);
/* A JSON string; NULL is written as "". */
pdt_err jsonw_str(buf *b, const char *s);
/* "name": (the key, escaped, and a colon) */
pdt_err jsonw_key(buf *b, const char *name);
pdt_err jsonw_int(buf *b, int64_t v);
pdt_err jsonw_bool(buf *b, bool v);
/* RFC 3339 UTC string, or null for 0. */
pdt_err jsonw_time(buf *b, int64_t unix_s);

#endif
