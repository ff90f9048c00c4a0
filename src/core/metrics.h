#ifndef PDT_CORE_METRICS_H
#define PDT_CORE_METRICS_H
/*
 * metrics: process-wide counters for GET /metrics (Prometheus text format
 * 0.0.4). A counter is a name plus a label set, e.g.
 *   metrics_inc("pdt_http_requests_total", "route", "/api/repos", "status", "200");
 * Series are created on first use in a fixed table (METRICS_MAX_SERIES);
 * past that, new series are dropped and counted in
 * pdt_metrics_dropped_series_total. Label values are escaped on output.
 * Thread-safe (one mutex; increments are a short hash lookup).
 *
 * The registry is a process-wide singleton on purpose: every layer counts
 * into it without threading a handle through every call.
 */
#include <stdint.h>

#include "core/buf.h"

#define METRICS_MAX_SERIES 1024

/* Adds `by` to the series; up to two labels (NULL names end the list). */
void metrics_add(const char *name, const char *l1, const char *v1, const char *l2,
		 const char *v2, int64_t by);
#define metrics_inc(name, l1, v1, l2, v2) metrics_add((name), (l1), (v1), (l2), (v2), 1)

/* Appends every series, grouped by name with "# TYPE name counter" lines. */
pdt_err metrics_render(buf *out);
/* Appends one gauge sample "name value" with its TYPE line. */
pdt_err metrics_render_gauge(buf *out, const char *name, const char *help, int64_t value);
/* Forgets everything (tests). */
void metrics_reset(void);

#endif
