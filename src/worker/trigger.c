#include "worker/trigger.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "sync/jira.h"
#include "core/banned.h"

typedef enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE } job_state;

/* One manual pass of one (user, source); lives while queued, running, or
 * finished with waiters still to read its report. */
typedef struct job {
	int64_t user_id;
	trigger_source source;
	job_state state;
	int waiters;
	pdt_err rc;
	sync_report *report;
	struct job *next;
} job;

struct trigger {
	sync_ctx *ctx;
	pthread_mutex_t mu;
	pthread_cond_t work_cv; /* pool threads wait for a queued job */
	pthread_cond_t done_cv; /* CLOCK_MONOTONIC: waiters wait for their job */
	bool stop;
	job *jobs;
	size_t nqueued, idle, nthreads;
	pthread_t threads[TRIGGER_THREADS_MAX];
	int waiting, max_waiters;
};

static const char *source_name(trigger_source s)
{
	return s == TRIGGER_JIRA ? "jira" : "commits";
}

/* Unlinks and frees j; call with mu held. */
static void job_drop(trigger *t, job *j)
{
	for (job **pp = &t->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	sync_report_unref(j->report);
	free(j);
}

static job *first_queued(trigger *t)
{
	for (job *j = t->jobs; j; j = j->next)
		if (j->state == JOB_QUEUED)
			return j;
	return NULL;
}

/* The queued or running job of (user, source), or NULL. */
static job *find_active(trigger *t, int64_t user_id, trigger_source source)
{
	for (job *j = t->jobs; j; j = j->next)
		if (j->user_id == user_id && j->source == source && j->state != JOB_DONE)
			return j;
	return NULL;
}

/* The pass itself, outside the lock. Deadline: the source's interval. */
static void run_job(trigger *t, job *j)
{
	const config *cfg = t->ctx->cfg;
	if (j->source == TRIGGER_JIRA) {
		int64_t ms = cfg->sync_interval_jira_ns / TIMEUTIL_NS_PER_MS;
		j->rc = sync_jira_user_bounded(t->ctx, j->user_id, ms > 0 ? ms : 1, &j->report);
	} else {
		int64_t ms = cfg->sync_interval_commits_ns / TIMEUTIL_NS_PER_MS;
		j->rc = sync_commits_user(t->ctx, j->user_id, timeutil_mono_ms() + (ms > 0 ? ms : 1),
					  &j->report);
	}
}

static void *pool_main(void *arg)
{
	trigger *t = arg;
	pthread_mutex_lock(&t->mu);
	for (;;) {
		job *j = NULL;
		while (!t->stop && !(j = first_queued(t))) {
			t->idle++;
			pthread_cond_wait(&t->work_cv, &t->mu);
			t->idle--;
		}
		if (t->stop)
			break;
		j->state = JOB_RUNNING;
		t->nqueued--;
		pthread_mutex_unlock(&t->mu);
		run_job(t, j);
		pthread_mutex_lock(&t->mu);
		j->state = JOB_DONE;
		pthread_cond_broadcast(&t->done_cv);
		if (j->waiters == 0)
			job_drop(t, j); /* everyone who asked has answered 202 */
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* Requests of this user waiting now (any source); mu held. */
static int user_waiters(trigger *t, int64_t user_id)
{
	int n = 0;
	for (job *j = t->jobs; j; j = j->next)
		if (j->user_id == user_id)
			n += j->waiters;
	return n;
}

/* One user may hold half the waiting places (at least one), so the others
 * still get theirs while that user's triggers pile up. */
static int per_user(const trigger *t)
{
	return t->max_waiters / 2 > 0 ? t->max_waiters / 2 : 1;
}

/* Queues a new job and makes sure a thread will take it; mu held. */
static job *enqueue(trigger *t, int64_t user_id, trigger_source source)
{
	job *j = xcalloc(1, sizeof *j);
	j->user_id = user_id;
	j->source = source;
	j->state = JOB_QUEUED;
	j->next = t->jobs;
	t->jobs = j;
	t->nqueued++;
	if (t->nqueued > t->idle && t->nthreads < TRIGGER_THREADS_MAX) {
		if (pthread_create(&t->threads[t->nthreads], NULL, pool_main, t) == 0)
			t->nthreads++;
		else
			log_error("trigger cannot start a pool thread (%zu running)", t->nthreads);
	}
	pthread_cond_signal(&t->work_cv);
	return j;
}

trigger *trigger_start(sync_ctx *ctx, int max_waiters)
{
	trigger *t = xcalloc(1, sizeof *t);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&t->work_cv, NULL);
	pthread_mutex_init(&t->mu, NULL);
	t->ctx = ctx;
	t->max_waiters = max_waiters > 0 ? max_waiters : 1;
	return t;
}

static void mono_timespec(int64_t mono_ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(mono_ms / 1000);
	ts->tv_nsec = (long)(mono_ms % 1000) * 1000000L;
}

/* Waits (mu held) until j is done, stop, or the deadline. */
static void wait_job(trigger *t, job *j, int64_t wait_ms)
{
	int64_t until = timeutil_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
	struct timespec ts;
	mono_timespec(until, &ts);
	while (j->state != JOB_DONE && !t->stop && timeutil_mono_ms() < until)
		pthread_cond_timedwait(&t->done_cv, &t->mu, &ts);
}

trigger_outcome trigger_run(trigger *t, int64_t user_id, trigger_source source,
			    int64_t wait_ms, pdt_err *rc, sync_report **report)
{
	trigger_outcome out = TRIGGER_RUNNING;
	*rc = PDT_OK;
	*report = NULL;
	pthread_mutex_lock(&t->mu);
	if (t->stop) {
		*rc = PDT_ECANCELLED;
		out = TRIGGER_DONE;
		goto unlock;
	}
	job *j = find_active(t, user_id, source);
	if (!j)
		j = enqueue(t, user_id, source);
	if (t->waiting >= t->max_waiters || user_waiters(t, user_id) >= per_user(t)) {
		log_info("trigger source=%s user_id=%lld waiting=%d msg=\"waiters full, 202 at "
			 "once\"", source_name(source), (long long)user_id, t->waiting);
		goto unlock; /* the pass goes on; this request does not hold a thread */
	}
	j->waiters++;
	t->waiting++;
	wait_job(t, j, wait_ms);
	t->waiting--;
	j->waiters--;
	if (j->state == JOB_DONE) {
		*rc = j->rc;
		*report = sync_report_ref(j->report);
		out = TRIGGER_DONE;
		if (j->waiters == 0)
			job_drop(t, j);
	} else if (t->stop) {
		*rc = PDT_ECANCELLED;
		out = TRIGGER_DONE;
	}
unlock:
	pthread_mutex_unlock(&t->mu);
	return out;
}

void trigger_stop(trigger *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	bool already = t->stop;
	t->stop = true;
	/* Queued jobs never run: waiters (woken below) answer 503. */
	for (job *j = t->jobs, *n; j; j = n) {
		n = j->next;
		if (j->state != JOB_QUEUED)
			continue;
		j->state = JOB_DONE;
		j->rc = PDT_ECANCELLED;
		t->nqueued--;
		if (j->waiters == 0)
			job_drop(t, j);
	}
	pthread_cond_broadcast(&t->work_cv);
	pthread_cond_broadcast(&t->done_cv);
	size_t n = t->nthreads;
	pthread_mutex_unlock(&t->mu);
	if (already)
		return;
	for (size_t i = 0; i < n; i++)
		pthread_join(t->threads[i], NULL);
	log_info("trigger pool stopped threads=%zu", n);
}

void trigger_free(trigger *t)
{
	if (!t)
		return;
	trigger_stop(t);
	while (t->jobs)
		job_drop(t, t->jobs);
	pthread_cond_destroy(&t->work_cv);
	pthread_cond_destroy(&t->done_cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
