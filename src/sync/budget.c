#include "sync/budget.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/banned.h"

#define KEY_MAX 64
/* How long a thread waiting for another's probe sleeps before asking again. */
#define PROBE_RECHECK_MS 25

/* What this process knows of one key. */
typedef struct slot {
	char key[KEY_MAX]; /* "" = free */
	int64_t batch;           /* units reserved here, not spent yet */
	int64_t batch_until_ms;  /* ... usable until then (BUDGET_BATCH_MS) */
	int64_t batch_window;    /* ... of the window that ends then (reset_at, Unix s) */
	int64_t leftover, leftover_window; /* an expired batch's units, to give back */
	int64_t free_until_ms;   /* the upstream announces no budget: no reservation */
	int64_t blocked_until_ms; /* a spent budget or Retry-After (cached) */
	int64_t known_remaining; /* the row as last seen; -1 unknown */
	int64_t known_reset;
	uint64_t used;
} slot;

struct budget {
	store *st;
	int64_t max_wait_ms; /* longer Retry-Afters are not shared */
	pthread_mutex_t mu;
	uint64_t tick;
	atomic_llong round_trips;
	atomic_bool warned;
	slot s[BUDGET_SLOTS];
};

budget *budget_new(store *st, int64_t max_wait_ms)
{
	budget *b = xcalloc(1, sizeof *b);
	b->st = st;
	b->max_wait_ms = max_wait_ms;
	pthread_mutex_init(&b->mu, NULL);
	return b;
}

void budget_free(budget *b)
{
	if (!b)
		return;
	pthread_mutex_destroy(&b->mu);
	free(b);
}

void budget_install(budget *b, upstream_client *c)
{
	upstream_budget ub = {.ctx = b, .acquire = budget_acquire, .record = budget_record};
	upstream_client_set_budget(c, &ub);
}

int64_t budget_round_trips(const budget *b)
{
	return atomic_load(&b->round_trips);
}

/* The slot of key (a free or the least recently used one, emptied, when
 * new). Caller holds mu. */
static slot *slot_for(budget *b, const char *key)
{
	slot *victim = &b->s[0];
	for (size_t i = 0; i < BUDGET_SLOTS; i++) {
		slot *s = &b->s[i];
		if (strcmp(s->key, key) == 0) {
			s->used = ++b->tick;
			return s;
		}
		if (!s->key[0] || s->used < victim->used)
			victim = s;
	}
	memset(victim, 0, sizeof *victim);
	snprintf(victim->key, sizeof victim->key, "%s", key);
	victim->known_remaining = -1;
	victim->used = ++b->tick;
	return victim;
}

static void store_failed(budget *b, pdt_err rc)
{
	/* Fail open: the client's own table still honours what this process saw. */
	if (!atomic_exchange(&b->warned, true))
		log_warn("budget msg=\"shared rate-limit budget unavailable\" error=\"%s\"",
			 pdt_strerror(rc));
}

/* ---- reserving ---- */

typedef struct reserve {
	int64_t now;
	int64_t give_back, give_window; /* unspent units of an expired batch */
	int64_t wait;       /* > 0: wait this long */
	bool cache_wait;    /* the wait is a spent budget's (not a probe's) */
	int64_t batch;      /* extra units reserved */
	int64_t until;      /* usable until, Unix ms */
	int64_t window;     /* their window (reset_at) */
	int64_t free_until; /* the upstream announces no budget until then */
	int64_t remaining, reset;
} reserve;

static int64_t batch_size(int64_t remaining)
{
	int64_t n = remaining / BUDGET_BATCH_DIV;
	n = n < 1 ? 1 : n > BUDGET_BATCH_MAX ? BUDGET_BATCH_MAX : n;
	return n > remaining ? remaining : n;
}

static bool reserve_fn(store_budget *row, void *ctx)
{
	reserve *r = ctx;
	int64_t now = r->now, window_end = row->reset_at * 1000;
	bool dirty = false;
	if (r->give_back > 0 && row->remaining >= 0 && row->reset_at == r->give_window) {
		row->remaining += r->give_back; /* still this window: others may use them */
		dirty = true;
	}
	r->remaining = row->remaining;
	r->reset = row->reset_at;
	if (row->blocked_until > now) {
		r->wait = row->blocked_until - now;
		/* A probe's block ends with its answer: ask again soon. */
		r->cache_wait = row->remaining == 0 || row->blocked_until > now + BUDGET_PROBE_MS;
		return dirty;
	}
	if (row->remaining < 0 && window_end > now) {
		r->free_until = window_end;
		return dirty;
	}
	if (row->remaining < 0 || now >= window_end + BUDGET_RESET_PAD_MS) {
		/* A window nobody knows yet: this request finds out, the others
		 * wait for its answer (or BUDGET_PROBE_MS). */
		row->remaining = -1;
		row->reset_at = 0;
		row->blocked_until = now + BUDGET_PROBE_MS;
		r->remaining = -1;
		return true;
	}
	if (row->remaining == 0) {
		r->wait = window_end + BUDGET_RESET_PAD_MS - now;
		r->cache_wait = true;
		return dirty;
	}
	int64_t take = batch_size(row->remaining);
	row->remaining -= take;
	r->remaining = row->remaining;
	r->batch = take - 1;
	r->window = row->reset_at;
	/* Short-lived, so a Retry-After another replica records stops this
	 * one's sends within BUDGET_BATCH_MS too. */
	r->until = now + BUDGET_BATCH_MS < window_end ? now + BUDGET_BATCH_MS : window_end;
	return true;
}

/* Takes a local unit when there is one: 0 sent, > 0 wait, -1 ask the row. */
static int64_t acquire_local(slot *s, int64_t now)
{
	if (s->blocked_until_ms > now)
		return s->blocked_until_ms - now;
	if (s->batch > 0 && now < s->batch_until_ms) {
		s->batch--;
		return 0;
	}
	if (s->free_until_ms > now)
		return 0;
	if (s->batch > 0) {
		s->leftover = s->batch;
		s->leftover_window = s->batch_window;
	}
	s->batch = 0;
	return -1;
}

int64_t budget_acquire(void *ctx, const char *key, int64_t now_ms)
{
	budget *b = ctx;
	reserve r = {.now = now_ms};
	pthread_mutex_lock(&b->mu);
	slot *ls = slot_for(b, key);
	int64_t w = acquire_local(ls, now_ms);
	if (w < 0) {
		r.give_back = ls->leftover;
		r.give_window = ls->leftover_window;
		ls->leftover = 0;
	}
	pthread_mutex_unlock(&b->mu);
	if (w >= 0)
		return w;
	atomic_fetch_add(&b->round_trips, 1);
	pdt_err rc = store_budget_update(b->st, key, now_ms, reserve_fn, &r);
	if (rc) {
		store_failed(b, rc);
		return 0;
	}
	pthread_mutex_lock(&b->mu);
	slot *s = slot_for(b, key);
	s->known_remaining = r.remaining;
	s->known_reset = r.reset;
	if (r.wait > 0 && r.cache_wait)
		s->blocked_until_ms = now_ms + r.wait;
	s->batch = r.batch;
	s->batch_until_ms = r.until;
	s->batch_window = r.window;
	s->free_until_ms = r.free_until;
	pthread_mutex_unlock(&b->mu);
	if (r.wait > 0 && !r.cache_wait && r.wait > PROBE_RECHECK_MS)
		return PROBE_RECHECK_MS;
	return r.wait;
}

/* ---- learning ---- */

typedef struct learn {
	long status;
	int64_t now, remaining, reset, retry_after;
	bool mark_free;
	int64_t out_remaining, out_reset, out_blocked;
} learn;

static bool learn_fn(store_budget *row, void *ctx)
{
	learn *l = ctx;
	bool probe_block = row->blocked_until > 0 &&
			   row->blocked_until <= l->now + BUDGET_PROBE_MS;
	if (l->retry_after >= 0 && l->now + l->retry_after > row->blocked_until)
		row->blocked_until = l->now + l->retry_after;
	if (l->remaining >= 0 && l->reset > 0) {
		if (l->reset > row->reset_at || row->remaining < 0) {
			/* A new window: the upstream's count, minus this request when
			 * it was a 304 (GitHub gives those back, we count every request
			 * sent so the budget also bounds them). */
			row->remaining = l->remaining - (l->status == 304 && l->remaining > 0);
			row->reset_at = l->reset;
		} else if (l->reset == row->reset_at && l->remaining < row->remaining) {
			row->remaining = l->remaining;
		}
		if (probe_block && l->retry_after < 0)
			row->blocked_until = 0; /* the probe is answered */
		if (row->remaining == 0 && row->reset_at * 1000 + BUDGET_RESET_PAD_MS > row->blocked_until)
			row->blocked_until = row->reset_at * 1000 + BUDGET_RESET_PAD_MS;
	} else if (l->mark_free && row->remaining < 0) {
		row->reset_at = l->now / 1000 + BUDGET_FREE_S;
		if (probe_block)
			row->blocked_until = 0;
	}
	l->out_remaining = row->remaining;
	l->out_reset = row->reset_at;
	l->out_blocked = row->blocked_until;
	return true;
}

/* Whether an answer tells the row something it does not know. Caller holds mu. */
static bool worth_writing(const slot *s, long status, int64_t remaining, int64_t reset,
			  int64_t retry_after, int64_t now, bool *mark_free)
{
	*mark_free = false;
	if (retry_after >= 0)
		return true;
	if (remaining >= 0 && reset > 0)
		return reset != s->known_reset || s->known_remaining < 0 ||
		       remaining < s->known_remaining || remaining == 0;
	/* A success without any budget header: this upstream has none to share. */
	*mark_free = (status == 304 || (status >= 200 && status < 300)) &&
		     s->known_remaining < 0 && s->free_until_ms <= now;
	return *mark_free;
}

void budget_record(void *ctx, const char *key, long status, int64_t remaining, int64_t reset_s,
		   int64_t retry_after_ms, int64_t now_ms)
{
	budget *b = ctx;
	/* A Retry-After past SYNC_MAX_WAIT defers the pass that got it, as on
	 * one replica; the next pass asks the upstream again. */
	if (retry_after_ms > b->max_wait_ms)
		retry_after_ms = -1;
	learn l = {.status = status, .now = now_ms, .remaining = remaining, .reset = reset_s,
		   .retry_after = retry_after_ms};
	pthread_mutex_lock(&b->mu);
	bool write = worth_writing(slot_for(b, key), status, remaining, reset_s, retry_after_ms,
				   now_ms, &l.mark_free);
	pthread_mutex_unlock(&b->mu);
	if (!write)
		return;
	atomic_fetch_add(&b->round_trips, 1);
	pdt_err rc = store_budget_update(b->st, key, now_ms, learn_fn, &l);
	if (rc) {
		store_failed(b, rc);
		return;
	}
	pthread_mutex_lock(&b->mu);
	slot *s = slot_for(b, key);
	s->known_remaining = l.out_remaining;
	s->known_reset = l.out_reset;
	if (l.out_blocked > now_ms && l.out_remaining == 0)
		s->blocked_until_ms = l.out_blocked;
	if (l.mark_free)
		s->free_until_ms = l.out_reset * 1000;
	pthread_mutex_unlock(&b->mu);
}
