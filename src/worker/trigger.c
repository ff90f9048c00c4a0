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
	int64_t workspace_id; /* Jira: one workspace; 0 = every active one */
	int64_t pass_ms; /* the pass's time limit */
	job_state state;
	int waiters;
	pdt_err rc;
	sync_report *report;
	struct job *next;
} job;

/* One trigger waiting for its job's end or its wait's. */
typedef struct waiter {
	job *job;
	int64_t until; /* monotonic ms */
	trigger_done_fn done;
	void *arg;
	trigger_outcome outcome; /* filled when answered */
	pdt_err rc;
	sync_report *report;
	struct waiter *next;
} waiter;

struct trigger {
	sync_ctx *ctx;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;   /* pool threads wait for a queued job */
	pthread_cond_t answer_cv; /* CLOCK_MONOTONIC: a job ended, a waiter came, stop */
	bool stop;
	bool pool_joined;         /* stop, and no pass runs any more */
	job *jobs;
	waiter *waiters;
	size_t nqueued, idle, nthreads;
	pthread_t threads[TRIGGER_THREADS_MAX];
	pthread_t answerer;
	bool answerer_started;
};

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

/* The oldest queued job (new jobs go to the head of the list). */
static job *first_queued(trigger *t)
{
	job *oldest = NULL;
	for (job *j = t->jobs; j; j = j->next)
		if (j->state == JOB_QUEUED)
			oldest = j;
	return oldest;
}

/* The queued or running job of (user, source, workspace), or NULL. */
static job *find_active(trigger *t, int64_t user_id, trigger_source source, int64_t ws)
{
	for (job *j = t->jobs; j; j = j->next)
		if (j->user_id == user_id && j->source == source && j->workspace_id == ws &&
		    j->state != JOB_DONE)
			return j;
	return NULL;
}

/* A pass's time limit: pass_ms when given, else the source's interval. */
static int64_t limit_ms(const trigger *t, trigger_source source, int64_t pass_ms)
{
	const config *cfg = t->ctx->cfg;
	int64_t ms = source == TRIGGER_JIRA ? cfg->sync_interval_jira_ns / TIMEUTIL_NS_PER_MS
					    : cfg->sync_interval_commits_ns / TIMEUTIL_NS_PER_MS;
	if (pass_ms > 0 && pass_ms < ms)
		ms = pass_ms;
	return ms > 0 ? ms : 1;
}

/* The pass itself, outside the lock. */
static void run_job(trigger *t, job *j)
{
	if (j->source == TRIGGER_JIRA)
		j->rc = sync_jira_workspace_bounded(t->ctx, j->user_id, j->workspace_id, j->pass_ms,
						    &j->report);
	else
		j->rc = sync_commits_user(t->ctx, j->user_id, timeutil_mono_ms() + j->pass_ms,
					  &j->report);
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
		pthread_cond_broadcast(&t->answer_cv);
		if (j->waiters == 0)
			job_drop(t, j); /* everyone who asked has been answered 202 */
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* Queues a new job and makes sure a thread will take it; mu held. */
static job *enqueue(trigger *t, int64_t user_id, trigger_source source, int64_t ws,
		    int64_t pass_ms)
{
	job *j = xcalloc(1, sizeof *j);
	j->user_id = user_id;
	j->source = source;
	j->workspace_id = ws;
	j->pass_ms = limit_ms(t, source, pass_ms);
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

/* Fills w's answer if it is due now, unlinking nothing; mu held. */
static bool answer_due(trigger *t, waiter *w, int64_t now)
{
	job *j = w->job;
	if (j->state == JOB_DONE) {
		w->outcome = TRIGGER_DONE;
		w->rc = j->rc;
		w->report = sync_report_ref(j->report);
	} else if (t->pool_joined) {
		w->outcome = TRIGGER_DONE;
		w->rc = PDT_ECANCELLED;
	} else if (now >= w->until) {
		w->outcome = TRIGGER_RUNNING;
	} else {
		return false;
	}
	j->waiters--;
	if (j->state == JOB_DONE && j->waiters == 0)
		job_drop(t, j);
	return true;
}

/* Moves every waiter that is due to *ready; returns the next deadline (mu held). */
static int64_t collect_due(trigger *t, waiter **ready)
{
	int64_t now = timeutil_mono_ms(), next = INT64_MAX;
	for (waiter **pp = &t->waiters; *pp;) {
		waiter *w = *pp;
		if (answer_due(t, w, now)) {
			*pp = w->next;
			w->next = *ready;
			*ready = w;
		} else {
			next = w->until < next ? w->until : next;
			pp = &w->next;
		}
	}
	return next;
}

static void mono_timespec(int64_t mono_ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(mono_ms / 1000);
	ts->tv_nsec = (long)(mono_ms % 1000) * 1000000L;
}

/* The answer thread: calls done for every waiter when its pass ends or its
 * wait is over; after stop, answers the rest and exits. */
static void *answer_main(void *arg)
{
	trigger *t = arg;
	pthread_mutex_lock(&t->mu);
	for (;;) {
		waiter *ready = NULL;
		int64_t next = collect_due(t, &ready);
		if (ready) {
			pthread_mutex_unlock(&t->mu);
			for (waiter *w = ready, *n; w; w = n) {
				n = w->next;
				w->done(w->arg, w->outcome, w->rc, w->report);
				free(w);
			}
			pthread_mutex_lock(&t->mu);
			continue;
		}
		if (t->pool_joined && !t->waiters)
			break;
		if (next == INT64_MAX) {
			pthread_cond_wait(&t->answer_cv, &t->mu);
		} else {
			struct timespec ts;
			mono_timespec(next, &ts);
			pthread_cond_timedwait(&t->answer_cv, &t->mu, &ts);
		}
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

trigger *trigger_start(sync_ctx *ctx)
{
	trigger *t = xcalloc(1, sizeof *t);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->answer_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&t->work_cv, NULL);
	pthread_mutex_init(&t->mu, NULL);
	t->ctx = ctx;
	t->answerer_started = pthread_create(&t->answerer, NULL, answer_main, t) == 0;
	if (!t->answerer_started) {
		log_error("trigger cannot start its answer thread");
		trigger_free(t);
		return NULL;
	}
	return t;
}

void trigger_submit(trigger *t, int64_t user_id, trigger_source source, int64_t wait_ms,
		    int64_t pass_ms, trigger_done_fn done, void *arg)
{
	trigger_submit_ws(t, user_id, source, 0, wait_ms, pass_ms, done, arg);
}

void trigger_submit_ws(trigger *t, int64_t user_id, trigger_source source, int64_t workspace_id,
		       int64_t wait_ms, int64_t pass_ms, trigger_done_fn done, void *arg)
{
	pthread_mutex_lock(&t->mu);
	if (t->stop) {
		pthread_mutex_unlock(&t->mu);
		done(arg, TRIGGER_DONE, PDT_ECANCELLED, NULL);
		return;
	}
	job *j = find_active(t, user_id, source, workspace_id);
	if (!j)
		j = enqueue(t, user_id, source, workspace_id, pass_ms);
	waiter *w = xcalloc(1, sizeof *w);
	w->job = j;
	w->until = timeutil_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
	w->done = done;
	w->arg = arg;
	w->next = t->waiters;
	t->waiters = w;
	j->waiters++;
	pthread_cond_broadcast(&t->answer_cv);
	pthread_mutex_unlock(&t->mu);
}

void trigger_stop(trigger *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	bool already = t->stop;
	t->stop = true;
	/* Queued jobs never run: their waiters are answered PDT_ECANCELLED. */
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
	pthread_cond_broadcast(&t->answer_cv);
	size_t n = t->nthreads;
	pthread_mutex_unlock(&t->mu);
	if (already)
		return;
	for (size_t i = 0; i < n; i++)
		pthread_join(t->threads[i], NULL);
	pthread_mutex_lock(&t->mu);
	t->pool_joined = true;
	pthread_cond_broadcast(&t->answer_cv);
	pthread_mutex_unlock(&t->mu);
	if (t->answerer_started)
		pthread_join(t->answerer, NULL);
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
	pthread_cond_destroy(&t->answer_cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
