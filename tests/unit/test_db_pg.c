/*
 * The PostgreSQL driver: ?N -> $N rewriting and SQLSTATE mapping (no server
 * needed), then, when PDT_TEST_PG_STATE names a running test cluster
 * (tests/pg/pgcluster.py), the store against it: every statement prepares,
 * migrations are idempotent and safe when two run at once, and the store
 * behaves as on SQLite (case-insensitive emails, conflicts, commit listing
 * and links, sync status). Each run works in a schema of its own, chosen
 * through libpq's URI (options=-csearch_path=...), which also shows that the
 * URI's parameters pass through.
 */
#include <libpq-fe.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/db_pg.h"
#include "store/migrations.h"
#include "store/store.h"
#include "testdb.h"

/* ---- no server ---- */

static void rewrite_ok(const char *in, const char *want, int want_n, unsigned want_used)
{
	char out[256];
	int n = -1;
	unsigned used = 0;
	assert_int_equal(db_pg_rewrite(in, out, sizeof out, &n, &used), PDT_OK);
	assert_string_equal(out, want);
	assert_int_equal(n, want_n);
	assert_int_equal(used, want_used);
}

static void test_rewrite(void **state)
{
	(void)state;
	rewrite_ok("SELECT 1", "SELECT 1", 0, 0);
	rewrite_ok("SELECT ?1, ?2 FROM t WHERE a = ?1", "SELECT $1, $2 FROM t WHERE a = $1", 2, 3);
	rewrite_ok("x = ?10 AND y = ?3", "x = $10 AND y = $3", 10, (1u << 9) | (1u << 2));
	/* Quoted literals and identifiers are left alone, doubled quotes too. */
	rewrite_ok("SELECT '?1', 'it''s ?2', \"a?3\" WHERE b = ?4",
		   "SELECT '?1', 'it''s ?2', \"a?3\" WHERE b = $4", 4, 1u << 3);
	rewrite_ok("?16", "$16", 16, 1u << 15);
}

static void test_rewrite_rejects(void **state)
{
	(void)state;
	char out[64];
	int n;
	unsigned used;
	const char *bad[] = {"SELECT ?", "a = ?0", "a = ?17", "a = ?99999999999", "?x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(db_pg_rewrite(bad[i], out, sizeof out, &n, &used), PDT_EINVAL);
	assert_int_equal(db_pg_rewrite("SELECT ?1", out, 9, &n, &used), PDT_EINVAL);
	assert_int_equal(db_pg_rewrite("SELECT ?1", out, 10, &n, &used), PDT_OK);
}

/* Every statement of the table rewrites, within the parameter limit. */
static void test_every_statement_rewrites(void **state)
{
	(void)state;
	for (int id = 0; id < DB__COUNT; id++) {
		const char *sql = db_sql_text(DB_POSTGRES, (db_stmt_id)id);
		assert_non_null(sql);
		size_t len = strlen(sql) + 1;
		char *out = malloc(len);
		int n = 0;
		unsigned used = 0;
		assert_int_equal(db_pg_rewrite(sql, out, len, &n, &used), PDT_OK);
		assert_true(n <= DB_PG_MAX_PARAMS);
		free(out);
	}
}

static void test_sqlstate_mapping(void **state)
{
	(void)state;
	static const struct {
		const char *state;
		pdt_err want;
	} cases[] = {
		{"23505", PDT_ECONFLICT}, {"23503", PDT_ENOTFOUND}, {"23514", PDT_EINVAL},
		{"23502", PDT_EINVAL},    {"08006", PDT_EUNAVAIL},  {"08001", PDT_EUNAVAIL},
		{"57P01", PDT_EUNAVAIL},  {"57P03", PDT_EUNAVAIL},  {"40P01", PDT_ESTORE},
		{"42P01", PDT_ESTORE},    {"22P02", PDT_ESTORE},    {"2201W", PDT_ESTORE},
		{"57014", PDT_ESTORE},    {NULL, PDT_EUNAVAIL},     {"", PDT_EUNAVAIL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(db_pg_map_sqlstate(cases[i].state), cases[i].want);
}

/* ---- against the test cluster ---- */

typedef struct pgfix {
	char admin[256]; /* the cluster's URL */
	char schema[64];
	char url[512]; /* admin URL with search_path=schema */
	store *s;
} pgfix;

static bool admin_exec(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	bool ok = PQstatus(c) == CONNECTION_OK;
	if (ok) {
		PQclear(PQexec(c, "SET client_min_messages = warning"));
		PGresult *r = PQexec(c, sql);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			print_error("%s: %s", sql, PQresultErrorMessage(r));
		PQclear(r);
	}
	PQfinish(c);
	return ok;
}

static int pg_setup(void **state)
{
	const char *path = getenv("PDT_TEST_PG_STATE");
	if (!path || !*path)
		return 0; /* the tests skip */
	json_error_t jerr;
	json_t *st = json_load_file(path, 0, &jerr);
	const char *url = json_string_value(json_object_get(st, "url"));
	if (!url) {
		json_decref(st);
		return -1;
	}
	pgfix *f = calloc(1, sizeof *f);
	snprintf(f->admin, sizeof f->admin, "%s", url);
	json_decref(st);
	static int seq;
	snprintf(f->schema, sizeof f->schema, "unit_%ld_%d", (long)getpid(), ++seq);
	char sql[128];
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
	if (!admin_exec(f->admin, sql))
		return -1;
	snprintf(f->url, sizeof f->url, "%s?options=-csearch_path%%3D%s&sslmode=disable", f->admin,
		 f->schema);
	char err[256];
	if (store_open(f->url, 4, &f->s, err, sizeof err) != PDT_OK) {
		print_error("store_open: %s\n", err);
		return -1;
	}
	if (store_migrate(f->s, NULL) != PDT_OK)
		return -1;
	*state = f;
	return 0;
}

static int pg_teardown(void **state)
{
	pgfix *f = *state;
	if (!f)
		return 0;
	store_close(f->s);
	char sql[128];
	snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", f->schema);
	admin_exec(f->admin, sql);
	free(f);
	return 0;
}

#define NEED_PG(state)                                                                     \
	do {                                                                               \
		if (!*(state))                                                             \
			skip();                                                            \
	} while (0)

/* Every statement prepares and runs with NULLs bound (each in a transaction
 * of its own, rolled back): no row matches, or a NOT NULL column refuses. */
static void test_pg_every_statement_prepares(void **state)
{
	NEED_PG(state);
	pgfix *f = *state;
	for (int id = 0; id < DB__COUNT; id++) {
		if (id == DB_MIG_CREATE || id == DB_MIG_RECORD)
			continue;
		db_conn *c = NULL;
		assert_int_equal(db_write_begin(f->s, &c), PDT_OK);
		db_stmt *st = db_stmt_get(c, (db_stmt_id)id);
		assert_non_null(st);
		for (int i = 1; i <= db_param_count(st); i++)
			db_bind_null(st, i);
		int r = db_step(st);
		while (r == DB_ROW)
			r = db_step(st);
		if (r != DB_DONE && r != PDT_EINVAL)
			fail_msg("statement %d: %d", id, r);
		db_stmt_done(st);
		db_write_end(f->s, c, PDT_EINVAL);
	}
}

static int pg_migration_count(void)
{
	return testdb_migration_count(store_postgres_migrations);
}

static int pg_latest_version(void)
{
	return testdb_latest_version(store_postgres_migrations);
}

static void test_pg_migrate_idempotent_and_concurrent(void **state)
{
	NEED_PG(state);
	pgfix *f = *state;
	int applied = -1, version = 0;
	assert_int_equal(store_migrate(f->s, &applied), PDT_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(store_schema_version(f->s, &version), PDT_OK);
	assert_int_equal(version, pg_latest_version());
	assert_int_equal(store_ping(f->s), PDT_OK);
}

typedef struct mig_arg {
	const char *url;
	pdt_err rc;
	int applied;
} mig_arg;

static void *migrate_thread(void *p)
{
	mig_arg *a = p;
	store *s = NULL;
	char err[256];
	a->rc = store_open(a->url, 1, &s, err, sizeof err);
	if (a->rc == PDT_OK)
		a->rc = store_migrate(s, &a->applied);
	store_close(s);
	return NULL;
}

/* Two stores migrating one empty schema at once: each version applied once. */
static void test_pg_two_migrators(void **state)
{
	NEED_PG(state);
	pgfix *f = *state;
	char sql[160], url[512];
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s_m", f->schema);
	assert_true(admin_exec(f->admin, sql));
	snprintf(url, sizeof url, "%s?options=-csearch_path%%3D%s_m", f->admin, f->schema);
	mig_arg a[2] = {{url, PDT_ESTORE, 0}, {url, PDT_ESTORE, 0}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, migrate_thread, &a[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(a[0].rc, PDT_OK);
	assert_int_equal(a[1].rc, PDT_OK);
	assert_int_equal(a[0].applied + a[1].applied, pg_migration_count());
	snprintf(sql, sizeof sql, "DROP SCHEMA %s_m CASCADE", f->schema);
	assert_true(admin_exec(f->admin, sql));
}

static void test_pg_users(void **state)
{
	NEED_PG(state);
	pgfix *f = *state;
	store_user u = {0}, v = {0};
	assert_int_equal(store_user_create(f->s, "Ada@Example.com", "Ada", "$2b$10$h", 1000, &u),
			 PDT_OK);
	assert_true(u.id > 0);
	assert_string_equal(u.email, "Ada@Example.com");
	/* Emails are unique case-insensitively, and found that way. */
	assert_int_equal(store_user_create(f->s, "ada@example.COM", "A", "$2b$10$h", 1001, &v),
			 PDT_ECONFLICT);
	store_user_release(&v);
	assert_int_equal(store_user_by_email(f->s, "ADA@example.com", &v), PDT_OK);
	assert_int_equal(v.id, u.id);
	store_user_release(&v);
	assert_int_equal(store_user_by_id(f->s, u.id + 1000, &v), PDT_ENOTFOUND);
	store_user_release(&v);
	store_user_release(&u);
}

static void test_pg_repos_commits_links(void **state)
{
	NEED_PG(state);
	pgfix *f = *state;
	store_user u = {0};
	store_repo r = {0}, r2 = {0};
	assert_int_equal(store_user_create(f->s, "c@example.com", "C", "$2b$10$h", 1, &u), PDT_OK);
	assert_int_equal(store_repo_create(f->s, u.id, "app", "acme", "github",
					   "https://github.com/acme/app", 2, &r),
			 PDT_OK);
	assert_int_equal(store_repo_create(f->s, u.id, "app", "acme", "github",
					   "https://github.com/acme/app", 3, &r2),
			 PDT_ECONFLICT);
	store_commit_in in[3] = {
		{.sha = "a1", .message = "PROJ-1 first", .date = 100, .jira_card_key = "PROJ-1"},
		{.sha = "b2", .message = "second", .date = 200},
		{.sha = "c3", .message = "third", .date = 300},
	};
	size_t added = 0;
	assert_int_equal(store_commit_insert_batch(f->s, r.id, in, 3, 10, &added), PDT_OK);
	assert_int_equal(added, 3);
	assert_int_equal(store_commit_insert_batch(f->s, r.id, in, 3, 11, &added), PDT_OK);
	assert_int_equal(added, 0);
	/* Unknown repository: the foreign key / existence check says not found. */
	assert_int_equal(store_commit_insert_batch(f->s, r.id + 99, in, 1, 12, &added),
			 PDT_ENOTFOUND);

	struct store_commit_list list = {0};
	store_commit_filter all = {.has_link = -1, .limit = 0};
	assert_int_equal(store_commit_list(f->s, u.id, &all, &list), PDT_OK);
	assert_int_equal(list.n, 3);
	assert_string_equal(list.items[0].sha, "c3");
	assert_string_equal(list.items[2].sha, "a1");
	store_commit_list_release(&list);

	store_link l = {0};
	assert_int_equal(store_commit_link(f->s, u.id, "b2", "OPS-7", 50, &l), PDT_OK);
	assert_string_equal(l.jira_card_key, "OPS-7");
	store_link_release(&l);
	store_commit_filter by_key = {.has_link = -1, .limit = 10, .jira_card_key = "OPS-7"};
	assert_int_equal(store_commit_list(f->s, u.id, &by_key, &list), PDT_OK);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.items[0].sha, "b2");
	store_commit_list_release(&list);
	int64_t n = 0;
	assert_int_equal(store_count_commits(f->s, u.id, &n), PDT_OK);
	assert_int_equal(n, 3);
	store_repo_release(&r);
	store_repo_release(&r2);
	store_user_release(&u);
}

static void test_pg_sync_status(void **state)
{
	NEED_PG(state);
	pgfix *f = *state;
	store_user u = {0};
	assert_int_equal(store_user_create(f->s, "s@example.com", "S", "$2b$10$h", 1, &u), PDT_OK);
	assert_int_equal(store_sync_status_set_next(f->s, "commits", 5000), PDT_OK);
	assert_int_equal(store_sync_status_begin(f->s, u.id, "commits"), PDT_OK);
	store_sync_status st = {0};
	assert_int_equal(store_sync_status_get(f->s, u.id, "commits", &st), PDT_OK);
	assert_string_equal(st.status, "syncing");
	assert_int_equal(st.next_sync, 5000);
	store_sync_status_release(&st);
	assert_int_equal(store_sync_status_finish(f->s, u.id, "commits", 6000, "boom"), PDT_OK);
	assert_int_equal(store_sync_status_get(f->s, u.id, "commits", &st), PDT_OK);
	assert_string_equal(st.status, "idle");
	assert_int_equal(st.last_sync, 6000);
	assert_string_equal(st.last_error, "boom");
	store_sync_status_release(&st);
	/* CHECK constraint: an unknown source is invalid input. */
	assert_int_equal(store_sync_status_begin(f->s, u.id, "svn"), PDT_EINVAL);
	store_user_release(&u);
}

/* A schema at version 7 with two users' commits, as the previous release
 * left it, migrates to 8 with each commit's user_id its repository's, and
 * the listing reads it (migration 008). */
static void test_pg_migration_fills_user_id(void **state)
{
	NEED_PG(state);
	pgfix *f = *state;
	char schema[96], url[600], sql[640], err[256];
	snprintf(schema, sizeof schema, "%s_v7", f->schema);
	snprintf(url, sizeof url, "%s?options=-csearch_path%%3D%s&sslmode=disable", f->admin, schema);
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
	assert_true(admin_exec(f->admin, sql));
	assert_true(admin_exec(url, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
				    "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
	for (const store_migration *m = store_postgres_migrations; m->version && m->version <= 7;
	     m++) {
		assert_true(admin_exec(url, m->sql));
		snprintf(sql, sizeof sql, "INSERT INTO schema_migrations VALUES (%d, '%s', 0)",
			 m->version, m->name);
		assert_true(admin_exec(url, sql));
	}
	assert_true(admin_exec(url,
		"INSERT INTO users (id, email, password_hash, created_at, updated_at) "
		"VALUES (1, 'a@x', 'h', 0, 0), (2, 'b@x', 'h', 0, 0);"
		"INSERT INTO repositories (id, user_id, name, owner, provider, url, created_at) "
		"VALUES (10, 2, 'r', 'o', 'github', 'u1', 0), (11, 1, 'r', 'o', 'github', 'u2', 0);"
		"INSERT INTO commits (id, repo_id, sha, message, date, created_at) VALUES "
		"(1, 10, 'a', 'm', 5, 0), (2, 11, 'b', 'm', 6, 0), (3, 10, 'c', 'm', 5, 0)"));
	store *s = NULL;
	struct store_commit_list l = {0};
	assert_int_equal(store_open(url, 1, &s, err, sizeof err), PDT_OK);
	assert_int_equal(store_migrate(s, NULL), PDT_OK);
	assert_int_equal(store_commit_list(s, 2, NULL, &l), PDT_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].sha, "c"); /* same date: id DESC */
	assert_string_equal(l.items[1].sha, "a");
	store_commit_list_release(&l);
	store_commit_filter one = {.repo_id = 11, .has_link = -1};
	assert_int_equal(store_commit_list(s, 1, &one, &l), PDT_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].sha, "b");
	store_commit_list_release(&l);
	store_close(s);
	/* NOT NULL from now on: a row without user_id is refused. */
	assert_false(admin_exec(url, "INSERT INTO commits (repo_id, sha, message, date, "
				     "created_at) VALUES (11, 'd', 'm', 7, 0)"));
	snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
	assert_true(admin_exec(f->admin, sql));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_rewrite_rejects),
		cmocka_unit_test(test_every_statement_rewrites),
		cmocka_unit_test(test_sqlstate_mapping),
		cmocka_unit_test_setup_teardown(test_pg_every_statement_prepares, pg_setup, pg_teardown),
		cmocka_unit_test_setup_teardown(test_pg_migrate_idempotent_and_concurrent, pg_setup,
						pg_teardown),
		cmocka_unit_test_setup_teardown(test_pg_two_migrators, pg_setup, pg_teardown),
		cmocka_unit_test_setup_teardown(test_pg_users, pg_setup, pg_teardown),
		cmocka_unit_test_setup_teardown(test_pg_repos_commits_links, pg_setup, pg_teardown),
		cmocka_unit_test_setup_teardown(test_pg_sync_status, pg_setup, pg_teardown),
		cmocka_unit_test_setup_teardown(test_pg_migration_fills_user_id, pg_setup,
						pg_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
