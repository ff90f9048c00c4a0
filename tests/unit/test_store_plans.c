/*
 * Query plans of the listing statements on SQLite (migration 008): each one
 * must walk an index in the order it answers and never sort through a
 * temporary B-tree, whatever filter is bound. The statements are the real
 * ones (db_sql_text), explained on a real file holding several users' data
 * after store_optimize(), as a running server has it. Also: a database
 * created before migration 008 gets commits.user_id filled from its rows,
 * and the store's inserts set it.
 */
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/migrations.h"
#include "store/store.h"
#include "store/store_reports.h"
#include "testdb.h"

#include "core/banned.h"

#define USERS 3
#define REPOS 2
#define COMMITS 300 /* per repository */

typedef struct fixture {
	char dir[512];
	char db_path[600];
	store *s;
	int64_t user[USERS], repo[USERS][REPOS];
} fixture;

/* COMMITS commits in repository r, one in three without a card key, every
 * tenth on the date of the one before (ties go by id). */
static void fill_repo(store *s, int64_t r, int tag)
{
	static char shas[COMMITS][24], keys[COMMITS][16];
	store_commit_in in[COMMITS];
	for (int i = 0; i < COMMITS; i++) {
		snprintf(shas[i], sizeof shas[i], "s%d-%d", tag, i);
		snprintf(keys[i], sizeof keys[i], "PROJ-%d", i % 20);
		in[i] = (store_commit_in){.sha = shas[i], .message = "m", .branch = "main",
					  .date = 1700000000 + (i - i % 10 / 9) * 60,
					  .jira_card_key = i % 3 ? keys[i] : NULL};
	}
	assert_int_equal(store_commit_insert_batch(s, r, in, COMMITS, 1, NULL), PDT_OK);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (!f || testdb_open("test_store_plans", 2, f->dir, sizeof f->dir, &f->s))
		return -1;
	snprintf(f->db_path, sizeof f->db_path, "%s/pdt.db", f->dir);
	char buf[64];
	for (int u = 0; u < USERS; u++) {
		snprintf(buf, sizeof buf, "u%d@example.com", u);
		f->user[u] = testdb_mk_user(f->s, buf);
		for (int r = 0; r < REPOS; r++) {
			snprintf(buf, sizeof buf, "https://github.com/o/u%dr%d", u, r);
			f->repo[u][r] = testdb_mk_repo(f->s, f->user[u], buf);
			fill_repo(f->s, f->repo[u][r], u * REPOS + r);
		}
	}
	if (store_optimize(f->s) != PDT_OK)
		return -1;
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

/* One binding of a statement's parameters: integers, or text where txt[i]. */
typedef struct params {
	int n;
	int64_t v[8];
	const char *txt[8];
} params;

/* The plan of id with p bound, its lines joined by " | " into out. */
static void explain(const fixture *f, db_stmt_id id, const params *p, char *out, size_t outlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char sql[8192];
	snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", db_sql_text(DB_SQLITE, id));
	assert_int_equal(sqlite3_open_v2(f->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	for (int i = 0; i < p->n; i++) {
		if (p->txt[i])
			sqlite3_bind_text(st, i + 1, p->txt[i], -1, SQLITE_STATIC);
		else if (p->v[i] == INT64_MIN)
			sqlite3_bind_null(st, i + 1);
		else
			sqlite3_bind_int64(st, i + 1, p->v[i]);
	}
	size_t len = 0;
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW && len < outlen) {
		int w = snprintf(out + len, outlen - len, "%s%s", len ? " | " : "",
				 (const char *)sqlite3_column_text(st, 3));
		len += w > 0 ? (size_t)w : 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* The plan of id uses index and no temporary B-tree. */
static void assert_plan(const fixture *f, db_stmt_id id, const params *p, const char *index)
{
	char plan[2048];
	explain(f, id, p, plan, sizeof plan);
	if (strstr(plan, "TEMP B-TREE") || !strstr(plan, index))
		fail_msg("statement %d: want %s and no temp B-tree, got: %s", (int)id, index, plan);
}

#define NUL INT64_MIN

static void test_commit_list_walks_user_index(void **state)
{
	fixture *f = *state;
	int64_t u = f->user[1];
	/* ?1 user ?2 repo ?3 key ?4 has_link ?5 limit ?6 offset */
	const params forms[] = {
		{6, {u, 0, NUL, -1, 100, 0}, {0}},       /* GET /api/commits?limit=100 */
		{6, {u, 0, NUL, -1, -1, 0}, {0}},        /* no limit */
		{6, {u, 0, NUL, -1, 100, 500}, {0}},     /* offset */
		{6, {u, 0, 0, -1, 100, 0}, {[2] = "PROJ-7"}}, /* ?jira_card_key= */
		{6, {u, 0, NUL, 0, 100, 0}, {0}},        /* ?has_link=false, /missing */
		{6, {u, 0, NUL, 1, 100, 0}, {0}},        /* ?has_link=true */
	};
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++)
		assert_plan(f, DB_COMMIT_LIST, &forms[i], "commits_user_date (user_id=?)");
}

static void test_commit_list_repo_walks_repo_index(void **state)
{
	fixture *f = *state;
	int64_t u = f->user[1], r = f->repo[1][1];
	const params forms[] = {
		{6, {u, r, NUL, -1, 100, 0}, {0}},
		{6, {u, r, NUL, -1, -1, 0}, {0}},
		{6, {u, r, 0, -1, 100, 0}, {[2] = "PROJ-7"}},
		{6, {u, r, NUL, 0, 100, 40}, {0}},
	};
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++)
		assert_plan(f, DB_COMMIT_LIST_REPO, &forms[i], "commits_repo_date (repo_id=?)");
}

/* The report generator's commits of one user in a period, oldest first. */
static void test_report_sources_walk_user_index(void **state)
{
	fixture *f = *state;
	const params p = {3, {f->user[2], 1700000000, 1700009000}, {0}};
	assert_plan(f, DB_SRC_COMMITS, &p, "commits_user_date (user_id=? AND date>? AND date<?)");
	assert_plan(f, DB_COMMIT_COUNT, &p, "commits_user_date (user_id=?)");
	const params period = {2, {1700000000, 1700009000}, {0}};
	assert_plan(f, DB_USERS_WITH_COMMITS, &period,
		    "commits_user_date (user_id=? AND date>? AND date<?)");
}

static void exec_sql(sqlite3 *db, const char *sql);

typedef struct cards_seen {
	char text[512];
	size_t len;
} cards_seen;

static void on_card(const char *key, const char *summary, const char *status, void *ctx)
{
	cards_seen *c = ctx;
	int w = snprintf(c->text + c->len, sizeof c->text - c->len, "%s%s=%s/%s",
			 c->len ? "," : "", key, summary, status);
	c->len += w > 0 ? (size_t)w : 0;
}

/* The report's cards: each key once, the oldest workspace's card when two
 * sites have it, in key order; each card found by its unique key, not by a
 * per-card scan of the user's cards. */
static void test_report_cards(void **state)
{
	fixture *f = *state;
	sqlite3 *db = NULL;
	char sql[1024];
	assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
	snprintf(sql, sizeof sql,
		 "INSERT INTO jira_workspaces (id, user_id, workspace, created_at, updated_at) VALUES "
		 "(7, %1$lld, 'a', 0, 0), (8, %1$lld, 'b', 0, 0), (9, %2$lld, 'c', 0, 0);"
		 "INSERT INTO jira_cards (user_id, workspace_id, card_key, summary, status, "
		 "created_at, updated_at) VALUES (%1$lld, 8, 'K-2', 'late', 'Open', 0, 0), "
		 "(%1$lld, 8, 'K-1', 'b1', 'Done', 0, 0), (%1$lld, 7, 'K-3', 'a3', 'Open', 0, 0), "
		 "(%1$lld, 7, 'K-2', 'early', 'Done', 0, 0), (%2$lld, 9, 'K-0', 'other', 'x', 0, 0)",
		 (long long)f->user[0], (long long)f->user[1]);
	exec_sql(db, sql);
	sqlite3_close(db);
	cards_seen seen = {0};
	store_report_source src = {.card = on_card, .ctx = &seen};
	assert_int_equal(store_report_read(f->s, f->user[0], 0, 1, &src), PDT_OK);
	assert_string_equal(seen.text, "K-1=b1/Done,K-2=early/Done,K-3=a3/Open");
	const params p = {1, {f->user[0]}, {0}};
	char plan[2048];
	explain(f, DB_SRC_CARDS, &p, plan, sizeof plan);
	if (!strstr(plan, "(user_id=? AND workspace_id=? AND card_key=?)") || strstr(plan, "ANY("))
		fail_msg("cards not found by their unique key: %s", plan);
}

/* Pages of the API answer read through the store equal the whole listing,
 * in the same order: date DESC, id DESC. */
static void test_commit_list_order(void **state)
{
	fixture *f = *state;
	struct store_commit_list all = {0}, page = {0};
	store_commit_filter flt = {.has_link = -1};
	assert_int_equal(store_commit_list(f->s, f->user[0], &flt, &all), PDT_OK);
	assert_int_equal(all.n, REPOS * COMMITS);
	for (size_t i = 1; i < all.n; i++) {
		const store_commit *a = &all.items[i - 1], *b = &all.items[i];
		assert_true(a->date > b->date || (a->date == b->date && a->id > b->id));
	}
	flt.limit = 7;
	for (flt.offset = 0; flt.offset < (int64_t)all.n; flt.offset += flt.limit) {
		assert_int_equal(store_commit_list(f->s, f->user[0], &flt, &page), PDT_OK);
		for (size_t i = 0; i < page.n; i++)
			assert_int_equal(page.items[i].id, all.items[flt.offset + (int64_t)i].id);
		store_commit_list_release(&page);
	}
	store_commit_list_release(&all);
}

/* ---- migration 008 on an existing database ---- */

static void exec_sql(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
}

/* A file at schema 7 with two users' commits, as the previous release left it. */
static void make_v7(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	exec_sql(db, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
		     "name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
	for (const store_migration *m = store_sqlite_migrations; m->version && m->version <= 7;
	     m++) {
		exec_sql(db, m->sql);
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO schema_migrations "
						    "VALUES (?1, ?2, 0)", -1, &st, NULL),
				 SQLITE_OK);
		sqlite3_bind_int(st, 1, m->version);
		sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
	exec_sql(db, "INSERT INTO users (id, email, password_hash, created_at, updated_at) "
		     "VALUES (1, 'a@x', 'h', 0, 0), (2, 'b@x', 'h', 0, 0);"
		     "INSERT INTO repositories (id, user_id, name, owner, provider, url, created_at) "
		     "VALUES (10, 2, 'r', 'o', 'github', 'u1', 0), "
		     "(11, 1, 'r', 'o', 'github', 'u2', 0);"
		     "INSERT INTO commits (id, repo_id, sha, message, date, created_at) VALUES "
		     "(1, 10, 'a', 'm', 5, 0), (2, 11, 'b', 'm', 6, 0), (3, 10, 'c', 'm', 5, 0)");
	sqlite3_close(db);
}

static void test_migration_fills_user_id(void **state)
{
	(void)state;
	char dir[512], path[600], url[640], err[256];
	store *s = NULL;
	struct store_commit_list l = {0};
	assert_int_equal(testdb_open("test_store_plans_v7", 1, dir, sizeof dir, &s), 0);
	store_close(s); /* only the directory is wanted */
	snprintf(path, sizeof path, "%s/old.db", dir);
	snprintf(url, sizeof url, "sqlite://%s", path);
	make_v7(path);
	assert_int_equal(store_open(url, 1, &s, err, sizeof err), PDT_OK);
	assert_int_equal(store_migrate(s, NULL), PDT_OK);
	assert_int_equal(store_commit_list(s, 2, NULL, &l), PDT_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].sha, "c"); /* same date: id DESC */
	assert_string_equal(l.items[1].sha, "a");
	store_commit_list_release(&l);
	assert_int_equal(store_commit_list(s, 1, NULL, &l), PDT_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].sha, "b");
	store_commit_list_release(&l);
	/* A commit the store adds after the migration carries its user too. */
	store_commit_in in = {.sha = "d", .message = "m", .date = 7};
	assert_int_equal(store_commit_insert_batch(s, 11, &in, 1, 0, NULL), PDT_OK);
	store_close(s);

	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT group_concat(id || ':' || user_id) FROM "
					    "(SELECT id, user_id FROM commits ORDER BY id)",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "1:2,2:1,3:2,4:1");
	sqlite3_finalize(st);
	sqlite3_close(db);
	testdb_rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_list_walks_user_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_list_repo_walks_repo_index, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_report_sources_walk_user_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_list_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_cards, setup, teardown),
		cmocka_unit_test(test_migration_fills_user_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
