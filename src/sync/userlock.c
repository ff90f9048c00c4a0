#include "sync/userlock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

typedef struct entry {
	int64_t user_id;
	char source[16];
	bool running;
	uint64_t gen;        /* bumped at every leave */
	sync_report *last;   /* the report of the last finished pass */
	struct entry *next;
} entry;

struct userlock {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	entry *entries; /* one per (user, source) ever seen: bounded by users x 2 */
};

userlock *userlock_new(void)
{
	userlock *l = xcalloc(1, sizeof *l);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	return l;
}

void userlock_free(userlock *l)
{
	if (!l)
		return;
	for (entry *e = l->entries, *n; e; e = n) {
		n = e->next;
		sync_report_unref(e->last);
		free(e);
	}
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* Finds or creates the entry; call with mu held. */
static entry *find(userlock *l, int64_t user_id, const char *source)
{
	for (entry *e = l->entries; e; e = e->next)
		if (e->user_id == user_id && strncmp(e->source, source, sizeof e->source) == 0)
			return e;
	entry *e = xcalloc(1, sizeof *e);
	e->user_id = user_id;
	snprintf(e->source, sizeof e->source, "%s", source);
	e->next = l->entries;
	l->entries = e;
	return e;
}

userlock_outcome userlock_enter(userlock *l, int64_t user_id, const char *source,
				sync_report **joined)
{
	userlock_outcome out = USERLOCK_RUN;
	*joined = NULL;
	pthread_mutex_lock(&l->mu);
	entry *e = find(l, user_id, source);
	if (e->running) {
		uint64_t gen = e->gen;
		while (e->gen == gen)
			pthread_cond_wait(&l->cv, &l->mu);
		*joined = sync_report_ref(e->last);
		out = USERLOCK_JOINED;
	} else {
		e->running = true;
	}
	pthread_mutex_unlock(&l->mu);
	return out;
}

bool userlock_try_enter(userlock *l, int64_t user_id, const char *source)
{
	pthread_mutex_lock(&l->mu);
	entry *e = find(l, user_id, source);
	bool got = !e->running;
	e->running = true;
	pthread_mutex_unlock(&l->mu);
	return got;
}

void userlock_leave(userlock *l, int64_t user_id, const char *source, sync_report *report)
{
	pthread_mutex_lock(&l->mu);
	entry *e = find(l, user_id, source);
	sync_report_unref(e->last);
	e->last = sync_report_ref(report);
	e->running = false;
	e->gen++;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}
