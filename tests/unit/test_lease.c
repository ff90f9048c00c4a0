/* Leases on (user, source) passes and the shared rate-limit budgets
 * (store_lease.c, sync/budget.c) on a real SQLite database: two "replicas"
 * are two owners (leases) or two budget objects on one store. */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "store/store.h"
#include "sync/budget.h"
#include "testdb.h"

#include "core/banned.h"

#define NOW INT64_C(1800000000000) /* Unix ms */
#define TTL 3000

typedef struct fixture {
	char dir[512];
	store *s;
	int64_t users[3];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (!f || testdb_open("test_lease", 2, f->dir, sizeof f->dir, &f->s))
		return -1;
	/* Users 0 and 1 have a repository; user 2 has none (nothing to sync). */
	for (int i = 0; i < 3; i++) {
		char email[64];
		store_user u;
		snprintf(email, sizeof email, "u%d@example.com", i);
		if (store_user_create(f->s, email, "", "hash", 1, &u))
			return -1;
		f->users[i] = u.id;
		store_user_release(&u);
		if (i < 2) {
			store_repo r;
			if (store_repo_create(f->s, f->users[i], "app", "o", "github",
					      i ? "https://github.com/o/b" : "https://github.com/o/a",
					      1, &r))
				return -1;
			store_repo_release(&r);
		}
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	store_close(f->s);
	testdb_rm_tree(f->dir);
	free(f);
	return 0;
}

static int64_t claim(fixture *f, const char *owner, int64_t now, int64_t *due)
{
	int64_t uid = -1, d = 0;
	assert_int_equal(store_lease_claim_due(f->s, "commits", owner, now, TTL, &uid, &d), PDT_OK);
	if (due)
		*due = d;
	return uid;
}

static void test_claims_divide_due_rows(void **state)
{
	fixture *f = *state;
	assert_int_equal(store_lease_ensure(f->s, "commits", NOW), PDT_OK);
	int64_t a = claim(f, "A", NOW, NULL), b = claim(f, "B", NOW, NULL);
	/* Each replica gets a different user; the user without repositories
	 * is never claimed; nothing is left. */
	assert_true(a == f->users[0] || a == f->users[1]);
	assert_true(b == f->users[0] || b == f->users[1]);
	assert_int_not_equal(a, b);
	assert_int_equal(claim(f, "C", NOW, NULL), 0);
	/* A releases with the next pass due later: not due before (B's lease,
	 * until NOW + TTL, still holds the other row). */
	assert_int_equal(store_lease_release(f->s, a, "commits", "A", NOW + 2500), PDT_OK);
	assert_int_equal(claim(f, "C", NOW + 2499, NULL), 0);
	int64_t due = 0;
	assert_int_equal(claim(f, "C", NOW + 2500, &due), a);
	assert_int_equal(due, NOW + 2500);
	store_sync_status st;
	assert_int_equal(store_sync_status_get(f->s, a, "commits", &st), PDT_OK);
	assert_int_equal(st.next_sync, (NOW + 2500 + 999) / 1000);
	store_sync_status_release(&st);
}

static void test_expired_lease_moves_and_heartbeat_keeps_it(void **state)
{
	fixture *f = *state;
	int64_t n = 0;
	assert_int_equal(store_lease_ensure(f->s, "commits", NOW), PDT_OK);
	int64_t a1 = claim(f, "A", NOW, NULL), a2 = claim(f, "A", NOW, NULL);
	assert_true(a1 && a2);
	/* A's heartbeat at NOW + 2000 extends both leases to NOW + 5000. */
	assert_int_equal(store_lease_extend(f->s, "A", NOW + 2000 + TTL, &n), PDT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(claim(f, "B", NOW + 4000, NULL), 0);
	/* A dies: past the expiry B takes both, and A's late release is ignored. */
	int64_t b1 = claim(f, "B", NOW + 5001, NULL), b2 = claim(f, "B", NOW + 5001, NULL);
	assert_true((b1 == a1 && b2 == a2) || (b1 == a2 && b2 == a1));
	assert_int_equal(store_lease_release(f->s, a1, "commits", "A", NOW + 99999), PDT_OK);
	assert_int_equal(claim(f, "C", NOW + 5002, NULL), 0);
	assert_int_equal(store_lease_extend(f->s, "A", NOW + 9000, &n), PDT_OK);
	assert_int_equal(n, 0);
}

static void test_manual_claim_conflicts_while_held(void **state)
{
	fixture *f = *state;
	bool syncing = true;
	int64_t u = f->users[0];
	assert_int_equal(store_lease_claim(f->s, u, "commits", "A", NOW, TTL, &syncing), PDT_OK);
	assert_false(syncing);
	assert_int_equal(store_lease_claim(f->s, u, "commits", "B", NOW + 1, TTL, NULL),
			 PDT_ECONFLICT);
	assert_int_equal(store_sync_status_begin(f->s, u, "commits"), PDT_OK);
	/* A died mid-pass: after the expiry B gets it and learns the pass never ended. */
	assert_int_equal(store_lease_claim(f->s, u, "commits", "B", NOW + TTL + 1, TTL, &syncing),
			 PDT_OK);
	assert_true(syncing);
	/* The worker's claim skips a held row even when it is due. */
	assert_int_equal(store_lease_ensure(f->s, "commits", NOW), PDT_OK);
	assert_int_equal(claim(f, "C", NOW + TTL + 2, NULL), f->users[1]);
	assert_int_equal(claim(f, "C", NOW + TTL + 2, NULL), 0);
	int64_t reset = 0;
	assert_int_equal(store_sync_status_reset(f->s, NOW + TTL + 2, &reset), PDT_OK);
	assert_int_equal(reset, 0); /* B's lease is live: its "syncing" stays */
}

/* ---- budgets ---- */

#define KEY "github:0123456789abcdef"

static void test_budget_probe_then_batches_within_budget(void **state)
{
	fixture *f = *state;
	budget *r1 = budget_new(f->s, 60000), *r2 = budget_new(f->s, 60000);
	int64_t reset_s = NOW / 1000 + 60;
	/* Unknown window: one probe goes, the other replica waits for its answer. */
	assert_int_equal(budget_acquire(r1, KEY, NOW), 0);
	assert_true(budget_acquire(r2, KEY, NOW) > 0);
	budget_record(r1, KEY, 200, 40, reset_s, -1, NOW + 10);
	/* 40 left: the two replicas together never get more than 40 sends. */
	int sent = 0;
	for (int i = 0; i < 100; i++) {
		if (budget_acquire(i % 2 ? r2 : r1, KEY, NOW + 20) == 0)
			sent++;
	}
	assert_int_equal(sent, 40);
	/* Spent: both wait for the reset (+ pad), then probe the new window. */
	int64_t w = budget_acquire(r2, KEY, NOW + 20);
	assert_true(w >= reset_s * 1000 - (NOW + 20));
	assert_int_equal(budget_acquire(r1, KEY, reset_s * 1000 + BUDGET_RESET_PAD_MS), 0);
	/* A small budget is reserved one unit at a time below 2 x BUDGET_BATCH_DIV
	 * (safety first): at most about one round trip per send, and the spent
	 * budget is then waited on without asking again. */
	int64_t trips = budget_round_trips(r1) + budget_round_trips(r2);
	assert_true(trips <= sent + 4);
	budget_free(r1);
	budget_free(r2);
}

static void test_budget_large_window_costs_few_round_trips(void **state)
{
	fixture *f = *state;
	budget *r1 = budget_new(f->s, 60000), *r2 = budget_new(f->s, 60000);
	int64_t reset_s = NOW / 1000 + 3600;
	assert_int_equal(budget_acquire(r1, KEY, NOW), 0);
	budget_record(r1, KEY, 200, 4999, reset_s, -1, NOW);
	int64_t t0 = budget_round_trips(r1) + budget_round_trips(r2);
	/* 200 sends within one batch lifetime: one round trip per 10. */
	for (int i = 0; i < 200; i++)
		assert_int_equal(budget_acquire(i % 2 ? r2 : r1, KEY, NOW + 1 + i), 0);
	assert_true(budget_round_trips(r1) + budget_round_trips(r2) - t0 <= 20);
	/* Expired batches give their units back with the next reservation. */
	assert_int_equal(budget_acquire(r1, KEY, NOW + 5000), 0);
	assert_int_equal(budget_acquire(r2, KEY, NOW + 5000), 0);
	budget_free(r1);
	budget_free(r2);
	budget *r3 = budget_new(f->s, 60000);
	int sent = 0;
	while (budget_acquire(r3, KEY, NOW + 5001) == 0 && sent < 5000)
		sent++;
	/* 4999 - 200 sent - 2 sent - the two live batches (9 each, not given back). */
	assert_int_equal(sent, 4999 - 202 - 18);
	budget_free(r3);
}

static void test_budget_retry_after_blocks_everyone(void **state)
{
	fixture *f = *state;
	budget *r1 = budget_new(f->s, 60000), *r2 = budget_new(f->s, 60000);
	assert_int_equal(budget_acquire(r1, KEY, NOW), 0);
	budget_record(r1, KEY, 200, 100, NOW / 1000 + 600, -1, NOW);
	assert_int_equal(budget_acquire(r2, KEY, NOW), 0);
	budget_record(r1, KEY, 429, -1, -1, 5000, NOW + 1);
	/* r2's batch still lets it send until it expires, then it waits too. */
	int64_t w = budget_acquire(r2, KEY, NOW + 1 + BUDGET_BATCH_MS);
	assert_true(w > 3000 && w <= 4000);
	assert_int_equal(budget_acquire(r2, KEY, NOW + 5002), 0);
	/* Past SYNC_MAX_WAIT (60 s here) a Retry-After is not shared. */
	budget_record(r1, KEY, 429, -1, -1, 61000, NOW + 5003);
	budget *r3 = budget_new(f->s, 60000); /* no local batch: asks the row */
	assert_int_equal(budget_acquire(r3, KEY, NOW + 5004), 0);
	budget_free(r3);
	budget_free(r1);
	budget_free(r2);
}

static void test_budget_upstream_without_headers_is_free(void **state)
{
	fixture *f = *state;
	budget *r1 = budget_new(f->s, 60000), *r2 = budget_new(f->s, 60000);
	assert_int_equal(budget_acquire(r1, "jira:00", NOW), 0);
	budget_record(r1, "jira:00", 200, -1, -1, -1, NOW + 5);
	int64_t trips = budget_round_trips(r2);
	for (int i = 0; i < 20; i++)
		assert_int_equal(budget_acquire(r2, "jira:00", NOW + 10 + i), 0);
	assert_int_equal(budget_round_trips(r2) - trips, 1);
	budget_free(r1);
	budget_free(r2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claims_divide_due_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_lease_moves_and_heartbeat_keeps_it,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_manual_claim_conflicts_while_held, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_budget_probe_then_batches_within_budget, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_budget_large_window_costs_few_round_trips,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_retry_after_blocks_everyone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_budget_upstream_without_headers_is_free, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
