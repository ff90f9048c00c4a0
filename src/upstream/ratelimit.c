#include "upstream/ratelimit.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "core/banned.h"

/* Values past this many seconds are nonsense (and would overflow as ms). */
#define MAX_SECONDS INT64_C(1000000000000)
/* Below this a reset is a delta, not an epoch (2001-09-09). */
#define EPOCH_MIN INT64_C(1000000000)

typedef struct slot {
	char *key; /* NULL = free */
	int64_t remaining;
	int64_t reset;
	uint64_t used; /* LRU stamp */
} slot;

struct ratelimit_table {
	pthread_mutex_t mu;
	uint64_t tick;
	slot s[RATELIMIT_SLOTS];
};

ratelimit_table *ratelimit_table_new(void)
{
	ratelimit_table *t = xcalloc(1, sizeof *t);
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

void ratelimit_table_free(ratelimit_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < RATELIMIT_SLOTS; i++)
		free(t->s[i].key);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

/* Caller holds mu. */
static slot *find(ratelimit_table *t, const char *key)
{
	for (size_t i = 0; i < RATELIMIT_SLOTS; i++)
		if (t->s[i].key && strcmp(t->s[i].key, key) == 0)
			return &t->s[i];
	return NULL;
}

/* A free slot, or the least recently used one (emptied). Caller holds mu. */
static slot *take_slot(ratelimit_table *t)
{
	slot *victim = &t->s[0];
	for (size_t i = 0; i < RATELIMIT_SLOTS; i++) {
		if (!t->s[i].key)
			return &t->s[i];
		if (t->s[i].used < victim->used)
			victim = &t->s[i];
	}
	free(victim->key);
	victim->key = NULL;
	return victim;
}

void ratelimit_record(ratelimit_table *t, const char *key, int64_t remaining, int64_t reset)
{
	if (!t || !key || remaining < 0)
		return;
	pthread_mutex_lock(&t->mu);
	slot *s = find(t, key);
	if (!s && remaining == 0) {
		s = take_slot(t);
		s->key = xstrdup(key);
	}
	if (s) {
		s->remaining = remaining;
		s->reset = reset;
		s->used = ++t->tick;
	}
	pthread_mutex_unlock(&t->mu);
}

int64_t ratelimit_wait_ms(ratelimit_table *t, const char *key, int64_t now_wall_ms)
{
	int64_t wait = 0;
	if (!t || !key)
		return 0;
	pthread_mutex_lock(&t->mu);
	slot *s = find(t, key);
	if (s && s->remaining == 0 && s->reset >= 0) {
		wait = s->reset * 1000 + RATELIMIT_RESET_PAD_MS - now_wall_ms;
		s->used = ++t->tick;
	}
	pthread_mutex_unlock(&t->mu);
	return wait > 0 ? wait : 0;
}

int64_t ratelimit_wall_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
}

int64_t ratelimit_parse_count(const char *v)
{
	if (!v || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	char *end = NULL;
	long long n = strtoll(v, &end, 10);
	if (errno || *end != '\0' || n < 0 || n > MAX_SECONDS)
		return -1;
	return (int64_t)n;
}

int64_t ratelimit_parse_reset(const char *v, int64_t now_unix)
{
	int64_t n = ratelimit_parse_count(v);
	if (n < 0)
		return -1;
	return n < EPOCH_MIN ? now_unix + n : n;
}

int64_t ratelimit_parse_retry_after(const char *v, int64_t now_unix)
{
	if (!v || !*v)
		return -1;
	int64_t secs = ratelimit_parse_count(v);
	if (secs < 0) {
		time_t when = curl_getdate(v, NULL);
		if (when == (time_t)-1)
			return -1;
		secs = (int64_t)when - now_unix;
		if (secs < 0)
			secs = 0;
		if (secs > MAX_SECONDS)
			return -1;
	}
	return secs * 1000;
}
