#include "worker/autoreport.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "report/generate.h"
#include "store/store_reports.h"
#include "core/banned.h"

struct autoreport {
	store *st;
	const config *cfg;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	bool stop;
	char done_daily[16];   /* the period this process finished a pass for */
	char done_monthly[16];
};

static void prev_day(int *y, int *m, int *d)
{
	if (--*d >= 1)
		return;
	if (--*m < 1) {
		*m = 12;
		--*y;
	}
	*d = reporttz_days_in_month(*y, *m);
}

static void prev_month(int *y, int *m)
{
	if (--*m < 1) {
		*m = 12;
		--*y;
	}
}

void autoreport_due_day(const reporttz_tm *now, int at_min, int *year, int *month, int *day)
{
	*year = now->year;
	*month = now->month;
	*day = now->day;
	if (now->hour * 60 + now->min < at_min)
		prev_day(year, month, day);
}

void autoreport_due_month(const reporttz_tm *now, int at_min, int *year, int *month)
{
	*year = now->year;
	*month = now->month;
	prev_month(year, month);
	if (now->day == 1 && now->hour * 60 + now->min < at_min)
		prev_month(year, month);
}

static bool stopping(autoreport *a)
{
	pthread_mutex_lock(&a->mu);
	bool s = a->stop;
	pthread_mutex_unlock(&a->mu);
	return s;
}

/* Whether the user's state already holds r's period. */
static bool already_done(autoreport *a, const report_req *r, const char *period)
{
	char daily[16], monthly[16];
	if (store_report_auto_state(a->st, r->user_id, daily, monthly))
		return false; /* the save's own check decides */
	return strcmp(r->monthly ? monthly : daily, period) >= 0;
}

/* One user's report; 1 generated, 0 not needed, -1 failed. */
static int one_user(autoreport *a, report_req *r, const char *period)
{
	store_user u = {0};
	store_report out = {0};
	char err[256];
	if (already_done(a, r, period))
		return 0;
	pdt_err rc = store_user_by_id(a->st, r->user_id, &u);
	if (rc == PDT_ENOTFOUND)
		return 0;
	r->author = u.email;
	if (!rc)
		rc = report_generate(a->st, a->cfg, r, &out, NULL, err, sizeof err);
	if (rc && rc != PDT_ECONFLICT)
		log_warn("report auto user_id=%lld type=%s period=%s failed: %s",
			 (long long)r->user_id, r->monthly ? "monthly" : "daily", period,
			 rc == PDT_EINVAL ? err : pdt_strerror(rc));
	store_report_release(&out);
	store_user_release(&u);
	return rc == PDT_ECONFLICT ? 0 : rc ? -1 : 1;
}

/* Every user with commits in the period; true when the pass ran to its end. */
static bool run_pass(autoreport *a, report_req base, const char *period)
{
	int64_t *ids = NULL;
	size_t n = 0;
	long made = 0, failed = 0;
	int64_t t0 = timeutil_mono_ms();
	int dim = reporttz_days_in_month(base.year, base.month);
	int64_t from = reporttz_day_start(base.year, base.month, base.monthly ? 1 : base.day);
	int64_t to = reporttz_day_start(base.year, base.month, base.monthly ? dim + 1 : base.day + 1);
	if (store_report_users_with_commits(a->st, from, to, &ids, &n)) {
		log_error("report auto cannot list users type=%s period=%s",
			  base.monthly ? "monthly" : "daily", period);
		return false;
	}
	size_t i = 0;
	for (; i < n && !stopping(a); i++) {
		report_req r = base;
		r.user_id = ids[i];
		int res = one_user(a, &r, period);
		made += res > 0;
		failed += res < 0;
	}
	if (made || failed)
		log_info("report auto pass type=%s period=%s zone=%s users=%zu generated=%ld "
			 "errors=%ld dur_ms=%lld", base.monthly ? "monthly" : "daily", period,
			 reporttz_name(), n, made, failed, (long long)(timeutil_mono_ms() - t0));
	free(ids);
	return i == n;
}

static void check(autoreport *a)
{
	reporttz_tm now;
	char period[16];
	reporttz_local(timeutil_now(), &now);
	report_req d = {.automatic = true}, m = {.monthly = true, .automatic = true};
	autoreport_due_day(&now, a->cfg->report_auto_time, &d.year, &d.month, &d.day);
	report_period(&d, period, sizeof period);
	if (strcmp(period, a->done_daily) != 0 && run_pass(a, d, period))
		snprintf(a->done_daily, sizeof a->done_daily, "%s", period);
	autoreport_due_month(&now, a->cfg->report_monthly_auto_time, &m.year, &m.month);
	report_period(&m, period, sizeof period);
	if (!stopping(a) && strcmp(period, a->done_monthly) != 0 && run_pass(a, m, period))
		snprintf(a->done_monthly, sizeof a->done_monthly, "%s", period);
}

/* Sleeps until just past the next minute of the wall clock, or stop. */
static bool wait_minute(autoreport *a)
{
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	int64_t ms = (60 - wall.tv_sec % 60) * 1000 - wall.tv_nsec / 1000000 + 200;
	int64_t due = timeutil_mono_ms() + ms;
	pthread_mutex_lock(&a->mu);
	while (!a->stop && timeutil_mono_ms() < due) {
		struct timespec ts = {.tv_sec = (time_t)(due / 1000),
				      .tv_nsec = (long)(due % 1000) * 1000000L};
		pthread_cond_timedwait(&a->cv, &a->mu, &ts);
	}
	bool go = !a->stop;
	pthread_mutex_unlock(&a->mu);
	return go;
}

static void *loop_main(void *arg)
{
	autoreport *a = arg;
	do
		check(a);
	while (wait_minute(a));
	return NULL;
}

pdt_err autoreport_start(store *st, const config *cfg, autoreport **out)
{
	*out = NULL;
	if (!cfg->report_auto_generate) {
		log_info("report auto-generation disabled (REPORT_AUTO_GENERATE=false)");
		return PDT_OK;
	}
	autoreport *a = xcalloc(1, sizeof *a);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&a->mu, NULL);
	a->st = st;
	a->cfg = cfg;
	a->started = pthread_create(&a->thread, NULL, loop_main, a) == 0;
	if (!a->started)
		log_error("report auto-generation cannot start its thread");
	log_info("report auto-generation started zone=%s daily_at=%02d:%02d monthly_at=%02d:%02d",
		 reporttz_name(), cfg->report_auto_time / 60, cfg->report_auto_time % 60,
		 cfg->report_monthly_auto_time / 60, cfg->report_monthly_auto_time % 60);
	*out = a;
	return PDT_OK;
}

void autoreport_stop(autoreport *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	bool already = a->stop;
	a->stop = true;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (!already && a->started)
		pthread_join(a->thread, NULL);
}

void autoreport_free(autoreport *a)
{
	if (!a)
		return;
	autoreport_stop(a);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	free(a);
}
