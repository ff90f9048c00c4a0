#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/timeutil.h"

static atomic_int min_level = LOG_INFO;

void log_set_level(log_level lvl)
{
	atomic_store(&min_level, (int)lvl);
}

int log_level_parse(const char *s, log_level *out)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_write(log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	if ((int)lvl < atomic_load(&min_level))
		return;
	char line[4096];
	char ts[TIMEUTIL_RFC3339_LEN];
	timeutil_format_rfc3339(timeutil_now(), ts);
	int n = snprintf(line, sizeof line, "%s level=%s ", ts, names[lvl]);
	if (n < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
