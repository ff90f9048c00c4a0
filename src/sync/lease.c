#include "sync/lease.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "core/banned.h"

struct lease {
	store *st;
	int64_t ttl_ms;
	char owner[STORE_OWNER_MAX];
	atomic_llong queries;
	atomic_llong held; /* leases this process holds (the heartbeat idles at 0) */
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	bool stop;
	pthread_t heartbeat;
};

int64_t lease_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void extend_all(lease *l)
{
	int64_t n = 0;
	atomic_fetch_add(&l->queries, 1);
	pdt_err rc = store_lease_extend(l->st, l->owner, lease_now_ms() + l->ttl_ms, &n);
	if (rc)
		log_warn("lease heartbeat failed: %s", pdt_strerror(rc));
	else
		log_debug("lease heartbeat extended=%lld", (long long)n);
}

static void *heartbeat_main(void *arg)
{
	lease *l = arg;
	int64_t period = l->ttl_ms / 3 > 0 ? l->ttl_ms / 3 : 1;
	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		int64_t due = timeutil_mono_ms() + period;
		struct timespec ts = {.tv_sec = (time_t)(due / 1000),
				      .tv_nsec = (long)(due % 1000) * 1000000L};
		while (!l->stop && timeutil_mono_ms() < due)
			pthread_cond_timedwait(&l->cv, &l->mu, &ts);
		if (l->stop || atomic_load(&l->held) <= 0)
			continue;
		pthread_mutex_unlock(&l->mu);
		extend_all(l);
		pthread_mutex_lock(&l->mu);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

lease *lease_start(store *st, int64_t ttl_ms)
{
	unsigned char rnd[8];
	lease *l = xcalloc(1, sizeof *l);
	l->st = st;
	l->ttl_ms = ttl_ms > 0 ? ttl_ms : 1;
	if (RAND_bytes(rnd, sizeof rnd) != 1) {
		/* Uniqueness is what matters, not secrecy: fall back on time and pid. */
		int64_t t = timeutil_mono_ms() ^ ((int64_t)getpid() << 32) ^ lease_now_ms();
		memcpy(rnd, &t, sizeof rnd);
	}
	int off = snprintf(l->owner, sizeof l->owner, "r-");
	for (size_t i = 0; i < sizeof rnd; i++)
		off += snprintf(l->owner + off, sizeof l->owner - (size_t)off, "%02x", rnd[i]);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&l->mu, NULL);
	if (pthread_create(&l->heartbeat, NULL, heartbeat_main, l) != 0) {
		log_error("lease cannot start its heartbeat thread");
		pthread_cond_destroy(&l->cv);
		pthread_mutex_destroy(&l->mu);
		free(l);
		return NULL;
	}
	log_info("lease replica=%s ttl_ms=%lld heartbeat_ms=%lld", l->owner,
		 (long long)l->ttl_ms, (long long)(l->ttl_ms / 3));
	return l;
}

void lease_free(lease *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->heartbeat, NULL);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

const char *lease_owner(const lease *l)
{
	return l->owner;
}

int64_t lease_ttl_ms(const lease *l)
{
	return l->ttl_ms;
}

int64_t lease_stats(const lease *l)
{
	return atomic_load(&l->queries);
}

pdt_err lease_ensure(lease *l, const char *source)
{
	atomic_fetch_add(&l->queries, 1);
	return store_lease_ensure(l->st, source, lease_now_ms());
}

pdt_err lease_claim_due(lease *l, const char *source, int64_t *user_id, int64_t *due_ms)
{
	atomic_fetch_add(&l->queries, 1);
	pdt_err rc = store_lease_claim_due(l->st, source, l->owner, lease_now_ms(), l->ttl_ms,
					   user_id, due_ms);
	if (!rc && *user_id)
		atomic_fetch_add(&l->held, 1);
	return rc;
}

/* Sleeps ms in LEASE_POLL_MS steps; false as soon as client is cancelled. */
static bool retry_wait(int64_t ms, upstream_client *client)
{
	for (int64_t left = ms; left > 0; left -= LEASE_POLL_MS) {
		if (client && upstream_client_cancelled(client))
			return false;
		int64_t step = left < LEASE_POLL_MS ? left : LEASE_POLL_MS;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step * 1000000L};
		nanosleep(&ts, NULL);
	}
	return !(client && upstream_client_cancelled(client));
}

void lease_release(lease *l, int64_t user_id, const char *source, int64_t next_due_ms,
		   upstream_client *client)
{
	/* The lease counts as held until its release is written: the heartbeat
	 * extends every row this replica owns, so a lease given up on while the
	 * database was away would be kept alive by the replica's other passes
	 * and its user never synced again. */
	for (long tries = 0;; tries++) {
		atomic_fetch_add(&l->queries, 1);
		pdt_err rc = store_lease_release(l->st, user_id, source, l->owner, next_due_ms);
		if (rc == PDT_OK) {
			if (tries)
				log_info("lease release user_id=%lld source=%s done retries=%ld",
					 (long long)user_id, source, tries);
			break;
		}
		if (rc != PDT_EUNAVAIL || !retry_wait(LEASE_RETRY_MS, client)) {
			log_warn("lease release user_id=%lld source=%s failed: %s (it expires)",
				 (long long)user_id, source, pdt_strerror(rc));
			break;
		}
		if (tries == 0)
			log_warn("lease release user_id=%lld source=%s failed: %s (retrying)",
				 (long long)user_id, source, pdt_strerror(rc));
	}
	atomic_fetch_sub(&l->held, 1);
}

/* Sleeps LEASE_POLL_MS or until the deadline; false when time is up or the
 * client was cancelled. */
static bool poll_wait(int64_t deadline_ms, upstream_client *client)
{
	if (client && upstream_client_cancelled(client))
		return false;
	int64_t now = timeutil_mono_ms();
	if (deadline_ms && now >= deadline_ms)
		return false;
	int64_t ms = LEASE_POLL_MS;
	if (deadline_ms && deadline_ms - now < ms)
		ms = deadline_ms - now;
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	return !(client && upstream_client_cancelled(client));
}

lease_outcome lease_enter_manual(lease *l, int64_t user_id, const char *source,
				 int64_t deadline_ms, upstream_client *client)
{
	bool waited = false;
	for (;;) {
		bool syncing = false;
		atomic_fetch_add(&l->queries, 1);
		pdt_err rc = store_lease_claim(l->st, user_id, source, l->owner, lease_now_ms(),
					       l->ttl_ms, &syncing);
		if (rc == PDT_OK) {
			atomic_fetch_add(&l->held, 1);
			if (!waited || syncing)
				return LEASE_RUN; /* free, or its holder died mid-pass */
			lease_release(l, user_id, source, 0, client);
			return LEASE_JOINED;
		}
		if (rc != PDT_ECONFLICT) {
			log_warn("lease claim user_id=%lld source=%s failed: %s", (long long)user_id,
				 source, pdt_strerror(rc));
			return LEASE_GAVE_UP;
		}
		if (!waited)
			log_info("lease user_id=%lld source=%s held elsewhere; joining that pass",
				 (long long)user_id, source);
		waited = true;
		if (!poll_wait(deadline_ms, client))
			return LEASE_GAVE_UP;
	}
}
