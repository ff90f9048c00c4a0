#ifndef PDT_WORKER_AUTOREPORT_H
#define PDT_WORKER_AUTOREPORT_H
/*
 * worker/autoreport: the worker's third loop, automatic reports (issue 12).
 *
 * Thread. One loop thread, started by `pdt serve` when REPORT_AUTO_GENERATE
 * is true (whatever SYNC_ENABLED says: it reads only the store, and the
 * upload goes to the operator's storage). It checks at start-up and then at
 * every minute boundary of the wall clock, sleeping on a condition variable
 * (CLOCK_MONOTONIC) that autoreport_stop ends at once.
 *
 * What is due. In REPORT_TIMEZONE: the daily report of the latest day whose
 * REPORT_AUTO_TIME has passed (today from that time on, else yesterday), and
 * the monthly report of the latest month whose following 1st at
 * REPORT_MONTHLY_AUTO_TIME has passed. Each user with commits in that day
 * (month) gets it once through report_generate, the same path as the API:
 * a daily from the user's default template (else the built-in one), a
 * monthly from the built-in monthly template.
 *
 * Once, across restarts and replicas. report_auto_state keeps per user the
 * last daily date and monthly month generated; the report and that state
 * are written in one transaction that first checks the state is older
 * (store_report_in.automatic). So a restart at 23:05 generates what 23:00
 * did not (nothing is skipped: the day stays due until midnight, and a
 * server that was down then catches up the day after), a restart after it
 * repeats nothing, and of two replicas that render the same report only
 * one writes it. A user whose generation fails (a template that fails at
 * run time) is logged and tried again after the next restart, not every
 * minute.
 *
 * Shutdown: autoreport_stop sets the flag, signals, and joins; a report
 * being written finishes its transaction first (an upload in flight is
 * bounded by UPSTREAM_TIMEOUT, and by SHUTDOWN_TIMEOUT's watchdog).
 *
 * Ownership: autoreport_start borrows st and cfg until autoreport_stop.
 */
#include <stdbool.h>

#include "core/config.h"
#include "core/err.h"
#include "report/tz.h"
#include "store/store.h"

typedef struct autoreport autoreport;

/* *out = NULL when REPORT_AUTO_GENERATE is false. */
pdt_err autoreport_start(store *st, const config *cfg, autoreport **out);
/* Stops and joins the loop. NULL is fine. */
void autoreport_stop(autoreport *a);
/* Stops if needed and frees. NULL is fine. */
void autoreport_free(autoreport *a);

/* Pure (unit tested): the day whose daily report is due at local time now
 * with the auto time at `at_min` minutes after midnight. */
void autoreport_due_day(const reporttz_tm *now, int at_min, int *year, int *month, int *day);
/* The month whose monthly report is due. */
void autoreport_due_month(const reporttz_tm *now, int at_min, int *year, int *month);

#endif
