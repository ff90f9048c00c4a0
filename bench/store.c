/*
 * bench_store: the store's own cost per call, without HTTP. Opens DATABASE_URL
 * (a fresh database: it migrates it and adds one user, one repository and
 * 10,000 commits), runs store_optimize(), then measures the calling thread's
 * CPU time (not wall time, so a busy machine disturbs it less) for:
 * store_commit_list() of the newest 100, store_user_by_id(), and
 * store_commit_each() over all 10,000. The writes are timed too (what every
 * index on commits costs): the seed's one batch of 10,000 per commit, then
 * INSERT_BATCHES batches of 100 new commits, one transaction each (an
 * incremental sync's shape), per commit, CPU and wall. Uses only store.h, so the same source
 * builds against any revision or backend for side-by-side numbers.
 *
 * usage: bench_store URL [ITERS]   (ITERS 20..1000000, default 2000)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store/store.h"

#include "core/banned.h"

enum { NCOMMITS = 10000, INSERT_BATCHES = 50, BATCH = 100 };

static double cpu_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static double wall_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void count_row(const store_commit *c, void *ctx)
{
	*(size_t *)ctx += c->id > 0;
}

/* Seeds NCOMMITS commits (a third without a Jira key) into repo_id. */
static int seed(store *s, int64_t repo_id)
{
	static store_commit_in in[NCOMMITS];
	static char sha[NCOMMITS][41], msg[NCOMMITS][64], key[NCOMMITS][16];
	size_t added = 0;
	for (int i = 0; i < NCOMMITS; i++) {
		snprintf(sha[i], sizeof sha[i], "%040d", i);
		snprintf(key[i], sizeof key[i], "PROJ-%d", i % 500 + 1);
		snprintf(msg[i], sizeof msg[i], "PROJ-%d: bench change %d", i % 500 + 1, i);
		in[i] = (store_commit_in){.sha = sha[i], .message = msg[i], .author = "Bench",
					  .author_email = "bench@example.com", .branch = "main",
					  .date = 1760000000 - (int64_t)i * 60,
					  .jira_card_key = i % 3 ? key[i] : NULL};
	}
	double t0 = cpu_us();
	if (store_commit_insert_batch(s, repo_id, in, NCOMMITS, 1000, &added) || added != NCOMMITS)
		return -1;
	printf("insert %d in one batch %.1f us/commit (CPU)\n", NCOMMITS,
	       (cpu_us() - t0) / NCOMMITS);
	return store_optimize(s) == PDT_OK ? 0 : -1;
}

/* INSERT_BATCHES batches of BATCH commits newer than the seed's. */
static int insert_batches(store *s, int64_t repo_id)
{
	static store_commit_in in[BATCH];
	static char sha[BATCH][41];
	double c0 = cpu_us(), w0 = wall_us();
	for (int b = 0; b < INSERT_BATCHES; b++) {
		size_t added = 0;
		for (int i = 0; i < BATCH; i++) {
			int n = b * BATCH + i;
			snprintf(sha[i], sizeof sha[i], "n%039d", n);
			in[i] = (store_commit_in){.sha = sha[i], .message = "PROJ-1: later change",
						  .author = "Bench", .branch = "main",
						  .date = 1760000000 + (int64_t)n * 60,
						  .jira_card_key = n % 3 ? "PROJ-1" : NULL};
		}
		if (store_commit_insert_batch(s, repo_id, in, BATCH, 2000, &added) ||
		    added != BATCH)
			return -1;
	}
	double n = INSERT_BATCHES * BATCH;
	printf("insert %d batches of %d: %.1f us/commit CPU, %.1f us/commit wall\n",
	       INSERT_BATCHES, BATCH, (cpu_us() - c0) / n, (wall_us() - w0) / n);
	return 0;
}

static void measure(store *s, int64_t uid, long iters)
{
	store_commit_filter f = {.has_link = -1, .limit = 100};
	struct store_commit_list l;
	store_user u;
	size_t rows = 0;
	long each = iters / 20;
	double t0 = cpu_us();
	for (long i = 0; i < iters; i++) {
		store_commit_list(s, uid, &f, &l);
		store_commit_list_release(&l);
	}
	double t1 = cpu_us();
	for (long i = 0; i < iters * 10; i++) {
		store_user_by_id(s, uid, &u);
		store_user_release(&u);
	}
	double t2 = cpu_us();
	for (long i = 0; i < each; i++)
		store_commit_each(s, uid, NULL, count_row, &rows);
	double t3 = cpu_us();
	printf("commit_list(limit=100) %.1f us/call  user_by_id %.2f us/call  "
	       "commit_each(%d rows) %.0f us/call  (rows seen %zu)\n",
	       (t1 - t0) / (double)iters, (t2 - t1) / (double)(iters * 10), NCOMMITS,
	       (t3 - t2) / (double)each, rows);
}

int main(int argc, char **argv)
{
	char err[256];
	store *s = NULL;
	store_user u = {0};
	store_repo r = {0};
	long iters = 2000;
	int rc = 1;
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_store URL [ITERS]\n");
		return 2;
	}
	if (argc == 3) {
		char *end = NULL;
		errno = 0;
		iters = strtol(argv[2], &end, 10);
		if (errno || *end || iters < 20 || iters > 1000000) {
			fprintf(stderr, "bench_store: ITERS must be 20..1000000\n");
			return 2;
		}
	}
	if (store_open(argv[1], 4, &s, err, sizeof err) || store_migrate(s, NULL)) {
		fprintf(stderr, "bench_store: %s\n", err[0] ? err : "migrate failed");
		goto cleanup;
	}
	if (store_user_create(s, "bench@example.com", "Bench", "$2b$10$bench", 1000, &u) ||
	    store_repo_create(s, u.id, "repo", "bench", "github", "https://github.com/bench/repo",
			      1000, &r) ||
	    seed(s, r.id)) {
		fprintf(stderr, "bench_store: seeding failed (the database must be fresh)\n");
		goto cleanup;
	}
	measure(s, u.id, iters);
	if (insert_batches(s, r.id)) {
		fprintf(stderr, "bench_store: inserting failed\n");
		goto cleanup;
	}
	rc = 0;
cleanup:
	store_user_release(&u);
	store_repo_release(&r);
	store_close(s);
	return rc;
}
