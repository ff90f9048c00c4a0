#ifndef PDT_REPORT_TZ_H
#define PDT_REPORT_TZ_H
/*
 * report/tz: report days and times in REPORT_TIMEZONE (an IANA name such as
 * "Asia/Tokyo"; default "UTC").
 *
 * How: reporttz_init() sets the process's TZ to that zone once, at start-up,
 * before any thread exists; afterwards only localtime_r() and mktime() read
 * it, and glibc makes both safe to call from any thread (they take its
 * internal time-zone lock, and TZ never changes again). Nothing else in pdt
 * depends on the process's zone: every other module formats and parses UTC
 * with gmtime_r / timeutil (localtime() itself is banned), so the zone shows
 * only in reports, as intended. Zone rules come from the system's tzdata
 * (/usr/share/zoneinfo), DST included.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* A local date and time in the report zone. */
typedef struct reporttz_tm {
	int year, month, day; /* month 1..12, day 1..31 */
	int hour, min;
	int wday; /* 0 = Sunday */
} reporttz_tm;

/* Whether name is a zone the system knows (a TZif file under
 * /usr/share/zoneinfo, or "UTC"). Safe before init. */
bool reporttz_valid(const char *name);
/* Sets the report zone (call once, before threads start). PDT_EINVAL when
 * the name is not a valid zone. */
pdt_err reporttz_init(const char *name);
/* The name given to init ("UTC" before). */
const char *reporttz_name(void);

/* Local date and time of instant t. */
void reporttz_local(int64_t t, reporttz_tm *out);
/* The first instant of local day y-m-d (which need not be 00:00 where DST
 * starts at midnight); day may be one past the month's last (the next
 * month's 1st), as mktime normalises. */
int64_t reporttz_day_start(int year, int month, int day);
/* Days in a month of the proleptic Gregorian calendar. */
int reporttz_days_in_month(int year, int month);

#endif
