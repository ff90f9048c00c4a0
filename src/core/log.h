#ifndef PDT_CORE_LOG_H
#define PDT_CORE_LOG_H
/*
 * Levelled log lines on stderr: `2026-02-19T00:15:00Z level=info msg=... k=v`.
 * One write(2) per line, so lines from different threads never interleave.
 * Secrets policy: callers never pass tokens, passwords or Authorization
 * values; the HTTP access log records the route pattern, not the raw URL.
 * Lines are capped at 4 KiB (longer ones are cut).
 */
typedef enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

/* Thread-safe after the first call; call once at start-up. */
void log_set_level(log_level lvl);
/* Parses "debug" | "info" | "warn" | "error"; returns -1 if unknown. */
int log_level_parse(const char *s, log_level *out);
void log_write(log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

#endif
