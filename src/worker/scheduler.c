#include "worker/scheduler.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "sync/budget.h"
#include "sync/jira.h"
#include "core/banned.h"

typedef struct loop {
	struct scheduler *s;
	const char *source;
	int64_t interval_ms;
	pthread_t thread;
	bool started;
	bool wake;
	atomic_bool woken;      /* scheduler_wake: make every row due */
	atomic_llong next_wall; /* when a pass is due for a user never synced, Unix s */
} loop;

struct scheduler {
	sync_ctx *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	bool stop;
	loop loops[2];
};

/* What one tick's claims added up to (for its log line). */
typedef struct pass_totals {
	loop *l;
	atomic_llong first;  /* a user the loop thread claimed already, or 0 */
	atomic_llong first_due;
	atomic_llong users, repos, added, cards, errors, skipped, ticks_skipped;
} pass_totals;

static bool is_jira(const loop *l)
{
	return strcmp(l->source, "jira") == 0;
}

/* When the user's next pass is due: an interval after this one was due (so
 * the cadence does not drift by the polling delay), past every tick this
 * pass overran (counted in *skipped). */
static int64_t next_due(const loop *l, int64_t due_ms, int64_t start_ms, long *skipped)
{
	int64_t next = (due_ms > 0 ? due_ms : start_ms) + l->interval_ms;
	int64_t now = lease_now_ms();
	*skipped = 0;
	for (; next <= now; next += l->interval_ms)
		(*skipped)++;
	return next;
}

/* One claimed (user, source): the pass, then the release with its next due
 * time (the schedule is kept as it was when the pass was cancelled). */
static void sync_one(pass_totals *t, int64_t user_id, int64_t due_ms)
{
	sync_ctx *ctx = t->l->s->ctx;
	sync_report *r = NULL;
	int64_t start = lease_now_ms();
	/* The user's pass ends by the interval: a user whose upstreams stall
	 * gives the slot back then, and the rest of it waits for the next pass. */
	int64_t deadline = timeutil_mono_ms() + t->l->interval_ms;
	pdt_err rc = is_jira(t->l) ? sync_jira_user_try(ctx, user_id, deadline, &r)
				   : sync_commits_user_try(ctx, user_id, deadline, &r);
	long skipped = 0;
	int64_t next = upstream_client_cancelled(ctx->client) ? 0
			   : next_due(t->l, due_ms, start, &skipped);
	lease_release(ctx->leases, user_id, t->l->source, next, ctx->client);
	atomic_fetch_add(&t->users, 1);
	if (skipped > atomic_load(&t->ticks_skipped))
		atomic_store(&t->ticks_skipped, skipped);
	if (rc == PDT_ECONFLICT) {
		atomic_fetch_add(&t->skipped, 1); /* a manual sync of this user is running */
		return;
	}
	if (r) {
		atomic_fetch_add(&t->repos, (long long)r->n);
		atomic_fetch_add(&t->cards, r->cards);
		for (size_t i = 0; i < r->n; i++)
			atomic_fetch_add(&t->added, r->repos[i].new_commits);
		atomic_fetch_add(&t->errors, (long long)sync_report_failures(r));
	} else {
		atomic_fetch_add(&t->errors, 1);
	}
	sync_report_unref(r);
}

/* Claims and runs due users until none is left (or shutdown). */
static void *user_worker(void *arg)
{
	pass_totals *t = arg;
	sync_ctx *ctx = t->l->s->ctx;
	while (!upstream_client_cancelled(ctx->client)) {
		int64_t user_id = atomic_exchange(&t->first, 0), due = atomic_load(&t->first_due);
		if (!user_id && (lease_claim_due(ctx->leases, t->l->source, &user_id, &due) ||
				 !user_id))
			break;
		sync_one(t, user_id, due);
	}
	return NULL;
}

static void log_pass(const loop *l, const pass_totals *t, const upstream_stats *before,
		     const upstream_stats *after, int64_t lease_queries, int64_t budget_queries,
		     int64_t ms)
{
	log_info("worker pass source=%s users=%lld skipped_users=%lld repos=%lld new_commits=%lld "
		 "cards=%lld requests=%lld not_modified=%lld retries=%lld ratelimit_waits=%lld "
		 "errors=%lld lease_queries=%lld budget_queries=%lld dur_ms=%lld", l->source,
		 (long long)t->users,
		 (long long)t->skipped, (long long)t->repos, (long long)t->added,
		 (long long)t->cards, after->requests - before->requests,
		 after->not_modified - before->not_modified, after->retries - before->retries,
		 after->ratelimit_waits - before->ratelimit_waits, (long long)t->errors,
		 (long long)lease_queries, (long long)budget_queries, (long long)ms);
	if (t->ticks_skipped)
		log_warn("worker source=%s tick skipped count=%lld reason=\"previous pass "
			 "still running\"", l->source, (long long)t->ticks_skipped);
}

static void snapshot(upstream_client *c, upstream_stats *out)
{
	upstream_stats *s = upstream_client_stats(c);
	atomic_init(&out->requests, atomic_load(&s->requests));
	atomic_init(&out->not_modified, atomic_load(&s->not_modified));
	atomic_init(&out->retries, atomic_load(&s->retries));
	atomic_init(&out->ratelimit_waits, atomic_load(&s->ratelimit_waits));
	atomic_init(&out->errors, atomic_load(&s->errors));
}

/*
 * One tick: the rows of users new since the last one are created (due now),
 * then every due (user, source) this replica can claim is run,
 * WORKER_USER_CONCURRENCY at a time. Nothing due costs two statements. The
 * tick is logged as a pass when it ran someone (and at start-up).
 */
static void run_pass(loop *l, bool first)
{
	sync_ctx *ctx = l->s->ctx;
	upstream_stats before, after;
	int64_t t0 = timeutil_mono_ms(), q0 = lease_stats(ctx->leases);
	int64_t b0 = ctx->budgets ? budget_round_trips(ctx->budgets) : 0;
	int64_t user_id = 0, due = 0;
	pdt_err rc = lease_ensure(ctx->leases, l->source);
	if (!rc)
		rc = lease_claim_due(ctx->leases, l->source, &user_id, &due);
	if (rc) {
		log_error("worker pass source=%s cannot claim users: %s", l->source, pdt_strerror(rc));
		return;
	}
	if (!user_id && !first)
		return;
	snapshot(ctx->client, &before);
	pass_totals t = {.l = l};
	atomic_init(&t.first, user_id);
	atomic_init(&t.first_due, due);
	pthread_t th[WORKER_USER_CONCURRENCY];
	size_t started = 0;
	for (; user_id && started < WORKER_USER_CONCURRENCY; started++)
		if (pthread_create(&th[started], NULL, user_worker, &t) != 0)
			break;
	if (user_id && started == 0)
		user_worker(&t);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	snapshot(ctx->client, &after);
	if (user_id)
		store_optimize(ctx->st); /* the pass may have grown the tables a lot */
	int64_t b1 = ctx->budgets ? budget_round_trips(ctx->budgets) : 0;
	log_pass(l, &t, &before, &after, lease_stats(ctx->leases) - q0, b1 - b0,
		 timeutil_mono_ms() - t0);
}

static void deadline(int64_t mono_ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(mono_ms / 1000);
	ts->tv_nsec = (long)(mono_ms % 1000) * 1000000L;
}

/* Sleeps until due (monotonic ms), a wake-up or stop. false on stop. */
static bool wait_until(loop *l, int64_t due)
{
	scheduler *s = l->s;
	bool go = true;
	pthread_mutex_lock(&s->mu);
	while (!s->stop && !l->wake && timeutil_mono_ms() < due) {
		struct timespec ts;
		deadline(due, &ts);
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	}
	go = !s->stop;
	l->wake = false;
	pthread_mutex_unlock(&s->mu);
	return go;
}

/* How often a loop looks for due rows: a tenth of its interval, within
 * [LOOP_POLL_MIN_MS, LOOP_POLL_MAX_MS] (a row falls due at most that late). */
#define LOOP_POLL_MIN_MS 50
#define LOOP_POLL_MAX_MS 5000

static int64_t poll_ms(const loop *l)
{
	int64_t ms = l->interval_ms / 10;
	return ms < LOOP_POLL_MIN_MS ? LOOP_POLL_MIN_MS : ms > LOOP_POLL_MAX_MS ? LOOP_POLL_MAX_MS : ms;
}

static void *loop_main(void *arg)
{
	loop *l = arg;
	int64_t due = timeutil_mono_ms(); /* the first tick runs at start-up */
	bool first = true;
	while (wait_until(l, due)) {
		int64_t start = timeutil_mono_ms();
		if (atomic_load(&l->woken)) {
			atomic_store(&l->woken, false);
			store_lease_wake(l->s->ctx->st, l->source, lease_now_ms());
		}
		if (first)
			atomic_store(&l->next_wall, timeutil_now() + (l->interval_ms + 999) / 1000);
		run_pass(l, first);
		first = false;
		due = start + poll_ms(l);
	}
	return NULL;
}

static void start_loop(scheduler *s, int i, const char *source, int64_t interval_ns)
{
	loop *l = &s->loops[i];
	l->s = s;
	l->source = source;
	l->interval_ms = interval_ns / TIMEUTIL_NS_PER_MS;
	if (l->interval_ms < 1)
		l->interval_ms = 1;
	/* next_sync is known from start-up on: a user never synced is due at
	 * once, and then an interval later (the database has the exact time
	 * once a pass ran: api/sync.c reads it first). */
	atomic_init(&l->next_wall, timeutil_now() + (l->interval_ms + 999) / 1000);
	atomic_init(&l->woken, false);
	l->started = pthread_create(&l->thread, NULL, loop_main, l) == 0;
	if (!l->started)
		log_error("worker source=%s cannot start its thread", source);
}

pdt_err scheduler_start(sync_ctx *ctx, scheduler **out)
{
	int64_t reset = 0;
	*out = NULL;
	/* Whatever a crash left "syncing" is not running any more. */
	if (store_sync_status_reset(ctx->st, lease_now_ms(), &reset) == PDT_OK && reset)
		log_warn("worker reset_stale_syncing=%lld", (long long)reset);
	if (!ctx->cfg->sync_enabled) {
		log_info("worker disabled (SYNC_ENABLED=false)");
		return PDT_OK;
	}
	scheduler *s = xcalloc(1, sizeof *s);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&s->mu, NULL);
	s->ctx = ctx;
	start_loop(s, 0, "commits", ctx->cfg->sync_interval_commits_ns);
	start_loop(s, 1, "jira", ctx->cfg->sync_interval_jira_ns);
	log_info("worker started commits_interval_ms=%lld jira_interval_ms=%lld",
		 (long long)s->loops[0].interval_ms, (long long)s->loops[1].interval_ms);
	*out = s;
	return PDT_OK;
}

void scheduler_wake(scheduler *s, const char *source)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < 2; i++)
		if (strcmp(s->loops[i].source, source) == 0) {
			s->loops[i].wake = true;
			atomic_store(&s->loops[i].woken, true);
		}
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int64_t scheduler_next_sync(scheduler *s, const char *source)
{
	if (!s)
		return 0;
	for (int i = 0; i < 2; i++)
		if (strcmp(s->loops[i].source, source) == 0)
			return atomic_load(&s->loops[i].next_wall);
	return 0;
}

void scheduler_stop(scheduler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	bool already = s->stop;
	s->stop = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (already)
		return;
	upstream_client_cancel(s->ctx->client);
	for (int i = 0; i < 2; i++)
		if (s->loops[i].started)
			pthread_join(s->loops[i].thread, NULL);
	log_info("worker stopped");
}

void scheduler_free(scheduler *s)
{
	if (!s)
		return;
	scheduler_stop(s);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
