#include "report/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/banned.h"

#define ZONEINFO "/usr/share/zoneinfo/"
#define NAME_MAX_LEN 64

static char zone_name[NAME_MAX_LEN + 1] = "UTC";

/* Letters, digits, '_', '-', '+' and single '/' between parts: no "..",
 * no leading '/', so the name cannot leave the zoneinfo folder. */
static bool name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > NAME_MAX_LEN || name[0] == '/' || name[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+' ||
			  (c == '/' && name[i + 1] != '/');
		if (!ok || (c == '.'))
			return false;
	}
	return true;
}

bool reporttz_valid(const char *name)
{
	if (!name || !name_ok(name))
		return false;
	if (strcmp(name, "UTC") == 0)
		return true;
	char path[sizeof ZONEINFO + NAME_MAX_LEN];
	char magic[4] = {0};
	snprintf(path, sizeof path, ZONEINFO "%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t got = fread(magic, 1, sizeof magic, f);
	fclose(f);
	return got == 4 && memcmp(magic, "TZif", 4) == 0;
}

pdt_err reporttz_init(const char *name)
{
	if (!reporttz_valid(name))
		return PDT_EINVAL;
	snprintf(zone_name, sizeof zone_name, "%s", name);
	/* "UTC" without a file still means UTC to glibc. */
	if (setenv("TZ", name, 1) != 0)
		return PDT_EINVAL;
	tzset();
	return PDT_OK;
}

const char *reporttz_name(void)
{
	return zone_name;
}

void reporttz_local(int64_t t, reporttz_tm *out)
{
	time_t tt = (time_t)t;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	localtime_r(&tt, &tm);
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
	out->hour = tm.tm_hour;
	out->min = tm.tm_min;
	out->wday = tm.tm_wday;
}

int64_t reporttz_day_start(int year, int month, int day)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	/* Midnight skipped by a DST change: mktime moved it past the gap;
	 * when it moved it to the day before, the day starts an hour later. */
	if (tm.tm_mday != day && tm.tm_hour == 23)
		t += 3600;
	return (int64_t)t;
}

int reporttz_days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return days[(month - 1) % 12];
}
