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

/* Records migration m as applied on url, with bound parameters. */
static bool admin_mark_applied(const char *url, const store_migration *m)
{
	PGconn *c = PQconnectdb(url);
	bool ok = PQstatus(c) == CONNECTION_OK;
	if (ok) {
		char version[16];
		snprintf(version, sizeof version, "%d", m->version);
		const char *vals[] = {version, m->name};
		PGresult *r = PQexecParams(c, "INSERT INTO schema_migrations VALUES ($1, $2, 0)",
					   2, NULL, vals, NULL, NULL, 0);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			print_error("mark %d applied: %s", m->version, PQresultErrorMessage(r));
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
		assert_true(admin_mark_applied(url, m));
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

/* ---- write transactions: BEGIN goes out with the first statement ---- */

/* DB_USER_INSERT on c for email; PDT_OK, or the step's error. */
static int insert_user(db_conn *c, const char *email)
{
	db_stmt *st = db_stmt_get(c, DB_USER_INSERT);
	assert_non_null(st);
	db_bind_text(st, 1, email);
	db_bind_text(st, 2, "N");
	db_bind_text(st, 3, "$2b$10$h");
	db_bind_int64(st, 4, 1);
	int r = db_step(st);
	db_stmt_done(st);
	return r == DB_ROW ? PDT_OK : r;
}

static bool user_exists(store *s, const char *email)
{
	store_user u = {0};
	pdt_err rc = store_user_by_email(s, email, &u);
	store_user_release(&u);
	return rc == PDT_OK;
}

/* The transaction is real although BEGIN is not a round trip of its own: a
 * later failure rolls back the first statement; a first statement that
 * fails maps its SQLSTATE as before; an empty transaction and a script
 * (db_exec) in one behave; the connection serves the next request. */
static void test_pg_write_transactions(void **state)
{
	NEED_PG(state);
	pgfix *f = *state;
	db_conn *c = NULL;
	assert_int_equal(db_write_begin(f->s, &c), PDT_OK);
	assert_int_equal(insert_user(c, "t1@example.com"), PDT_OK);
	assert_int_equal(insert_user(c, "t1@example.com"), PDT_ECONFLICT);
	assert_int_equal(db_write_end(f->s, c, PDT_ECONFLICT), PDT_ECONFLICT);
	assert_false(user_exists(f->s, "t1@example.com"));

	assert_int_equal(db_write_begin(f->s, &c), PDT_OK);
	assert_int_equal(insert_user(c, "t2@example.com"), PDT_OK);
	assert_int_equal(insert_user(c, "t3@example.com"), PDT_OK);
	assert_int_equal(db_write_end(f->s, c, PDT_OK), PDT_OK);
	assert_true(user_exists(f->s, "t2@example.com"));
	assert_true(user_exists(f->s, "t3@example.com"));

	/* The first statement fails: its error, and nothing is left open. */
	assert_int_equal(db_write_begin(f->s, &c), PDT_OK);
	assert_int_equal(insert_user(c, "T2@example.com"), PDT_ECONFLICT);
	assert_int_equal(db_write_end(f->s, c, PDT_ECONFLICT), PDT_ECONFLICT);
	assert_int_equal(db_write_begin(f->s, &c), PDT_OK);
	assert_int_equal(db_write_end(f->s, c, PDT_OK), PDT_OK);

	/* A script as the first thing: its BEGIN is sent first, the rollback
	 * undoes it. */
	assert_int_equal(db_write_begin(f->s, &c), PDT_OK);
	assert_int_equal(db_exec(c, "CREATE TABLE pipeline_probe (a INTEGER)", "probe"), PDT_OK);
	assert_int_equal(db_write_end(f->s, c, PDT_ESTORE), PDT_ESTORE);
	c = db_checkout(f->s);
	db_stmt *st = db_stmt_get(c, DB_COPY_TABLES);
	int r;
	while ((r = db_step(st)) == DB_ROW)
		assert_string_not_equal(db_col_text(st, 0), "pipeline_probe");
	assert_int_equal(r, DB_DONE);
	db_stmt_done(st);
	db_checkin(f->s, c);
	assert_true(user_exists(f->s, "t3@example.com"));
}

/* ---- batched commit and head writes (one statement, not one per row) ---- */

#define NBATCH 2300 /* statements of 1000, 501 (item 1500 passes the byte threshold), 799 */

/* Commit i of the batch tests: texts JSON must escape, keys absent, empty
 * and set, dates with ties, one SHA listed twice (the first one counts) and
 * one message over the batch's byte threshold. */
static void batch_item(size_t i, store_commit_in *in, char *sha, size_t shalen, char *msg,
		       size_t msglen, char *key, size_t keylen)
{
	static const char *const texts[] = {"plain", "quote \" backslash \\ slash /",
					    "line\nbreak\ttab\x01\x1f", "caf\xc3\xa9 \xe2\x9c\x93 "
					    "\xf0\x9f\x98\x80", "", "{\"not\": [\"json\"]} '?1' $1"};
	snprintf(sha, shalen, "%040zx", i == 7 ? (size_t)3 : i);
	snprintf(msg, msglen, "%s #%zu", texts[i % 6], i);
	snprintf(key, keylen, "PROJ-%zu", i);
	memset(in, 0, sizeof *in);
	in->sha = sha;
	in->message = i % 11 == 5 ? NULL : msg;
	in->author = i % 13 == 4 ? NULL : texts[(i + 1) % 6];
	in->author_email = "a@example.com";
	in->branch = i % 2 ? "main" : "feature/\xc3\xa9";
	in->date = 1700000000 + (int64_t)(i / 3); /* three commits per second */
	in->jira_card_key = i % 3 == 0 ? key : i % 3 == 1 ? "" : NULL;
}

typedef struct batch_set {
	store_commit_in in[NBATCH];
	char sha[NBATCH][41], msg[NBATCH][96], key[NBATCH][24];
	char *big; /* item 1500's message: 1.5 MiB */
} batch_set;

static batch_set *batch_new(void)
{
	batch_set *b = calloc(1, sizeof *b);
	for (size_t i = 0; i < NBATCH; i++)
		batch_item(i, &b->in[i], b->sha[i], sizeof b->sha[i], b->msg[i], sizeof b->msg[i],
			   b->key[i], sizeof b->key[i]);
	size_t big = (size_t)3 << 19;
	b->big = malloc(big + 1);
	for (size_t k = 0; k < big; k++)
		b->big[k] = (char)('a' + k % 26);
	b->big[big] = '\0';
	b->in[1500].message = b->big;
	return b;
}

/* The one-row statement per commit, as pdt ran it before batching. */
static size_t insert_one_by_one(store *s, int64_t repo_id, const batch_set *b, int64_t now)
{
	db_conn *c = NULL;
	size_t added = 0;
	assert_int_equal(db_write_begin(s, &c), PDT_OK);
	for (size_t i = 0; i < NBATCH; i++) {
		const store_commit_in *in = &b->in[i];
		db_stmt *st = db_stmt_get(c, DB_COMMIT_INSERT);
		assert_non_null(st);
		db_bind_int64(st, 1, repo_id);
		db_bind_text(st, 2, in->sha);
		db_bind_text0(st, 3, in->message);
		db_bind_text0(st, 4, in->author);
		db_bind_text0(st, 5, in->author_email);
		db_bind_text0(st, 6, in->branch);
		db_bind_int64(st, 7, in->date);
		db_bind_text(st, 8, in->jira_card_key && *in->jira_card_key ? in->jira_card_key
									    : NULL);
		db_bind_int64(st, 9, now);
		assert_int_equal(db_step_done(st), PDT_OK);
		added += (size_t)db_changes(st);
		db_stmt_done(st);
	}
	assert_int_equal(db_write_end(s, c, PDT_OK), PDT_OK);
	return added;
}

static void assert_same_commits(const struct store_commit_list *a,
				const struct store_commit_list *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const store_commit *x = &a->items[i], *y = &b->items[i];
		assert_string_equal(x->sha, y->sha);
		assert_string_equal(x->message, y->message);
		assert_string_equal(x->author, y->author);
		assert_string_equal(x->author_email, y->author_email);
		assert_string_equal(x->branch, y->branch);
		assert_int_equal(x->date, y->date);
		assert_string_equal(x->jira_card_key, y->jira_card_key);
		assert_int_equal(x->has_link, y->has_link);
		assert_int_equal(x->created_at, y->created_at);
	}
}

/* The batched insert stores exactly what one statement per commit stored:
 * same rows, same order of ids (the listing breaks date ties by id), same
 * counts, the first of a repeated SHA kept; a SHA-less item is refused
 * before anything is written. */
static void test_pg_batched_commits_as_one_by_one(void **state)
{
	NEED_PG(state);
	pgfix *f = *state;
	store_user u = {0}, v = {0};
	store_repo ra = {0}, rb = {0};
	batch_set *b = batch_new();
	assert_int_equal(store_user_create(f->s, "ba@example.com", "A", "$2b$10$h", 1, &u), PDT_OK);
	assert_int_equal(store_user_create(f->s, "bb@example.com", "B", "$2b$10$h", 1, &v), PDT_OK);
	assert_int_equal(store_repo_create(f->s, u.id, "app", "acme", "github",
					   "https://github.com/acme/app", 2, &ra), PDT_OK);
	assert_int_equal(store_repo_create(f->s, v.id, "app", "acme", "github",
					   "https://github.com/acme/app", 2, &rb), PDT_OK);
	size_t added = 0;
	assert_int_equal(store_commit_insert_batch(f->s, ra.id, b->in, NBATCH, 77, &added), PDT_OK);
	assert_int_equal(added, NBATCH - 1);
	assert_int_equal(insert_one_by_one(f->s, rb.id, b, 77), NBATCH - 1);
	assert_int_equal(store_commit_insert_batch(f->s, ra.id, b->in, NBATCH, 78, &added), PDT_OK);
	assert_int_equal(added, 0);

	struct store_commit_list la = {0}, lb = {0};
	store_commit_filter all = {.has_link = -1};
	assert_int_equal(store_commit_list(f->s, u.id, &all, &la), PDT_OK);
	assert_int_equal(store_commit_list(f->s, v.id, &all, &lb), PDT_OK);
	assert_int_equal(la.n, NBATCH - 1);
	assert_same_commits(&la, &lb);
	for (size_t i = 0; i < la.n; i++)
		if (strcmp(la.items[i].sha, b->sha[3]) == 0)
			assert_string_equal(la.items[i].message, b->msg[3]); /* not item 7's */
	store_commit_list_release(&la);
	store_commit_list_release(&lb);

	store_commit_in bad[2] = {b->in[0], b->in[1]};
	bad[0].sha = "ffff";
	bad[1].sha = "";
	assert_int_equal(store_commit_insert_batch(f->s, ra.id, bad, 2, 79, &added), PDT_EINVAL);
	int64_t n = 0;
	assert_int_equal(store_count_commits(f->s, u.id, &n), PDT_OK);
	assert_int_equal(n, NBATCH - 1);
	free(b->big);
	free(b);
	store_repo_release(&ra);
	store_repo_release(&rb);
	store_user_release(&u);
	store_user_release(&v);
}

/* A sync update writes its heads in one statement: pruned, upserted, and a
 * name listed twice keeps its last SHA (as one upsert per head did). */
static void test_pg_batched_heads(void **state)
{
	NEED_PG(state);
	pgfix *f = *state;
	store_user u = {0};
	store_repo r = {0};
	assert_int_equal(store_user_create(f->s, "h@example.com", "H", "$2b$10$h", 1, &u), PDT_OK);
	assert_int_equal(store_repo_create(f->s, u.id, "app", "acme", "github",
					   "https://github.com/acme/app", 2, &r), PDT_OK);
	store_branch_head first[] = {{.name = "main", .sha = "a1"}, {.name = "old", .sha = "b1"},
				     {.name = "caf\xc3\xa9 \"q\"", .sha = "c1"}};
	store_repo_sync_update up = {.user_id = u.id, .repo_id = r.id, .heads = first, .nheads = 3,
				     .prune_heads = true, .is_valid = 1, .success = true};
	assert_int_equal(store_repo_sync_apply(f->s, &up, 10, NULL), PDT_OK);
	store_branch_head second[] = {{.name = "main", .sha = "a2"}, {.name = "new", .sha = "d1"},
				      {.name = "main", .sha = "a3"},
				      {.name = "caf\xc3\xa9 \"q\"", .sha = "c1"}};
	up.heads = second;
	up.nheads = 4;
	assert_int_equal(store_repo_sync_apply(f->s, &up, 11, NULL), PDT_OK);
	store_repo_sync_state st = {0};
	assert_int_equal(store_repo_sync_state_get(f->s, u.id, r.id, &st), PDT_OK);
	assert_int_equal(st.nheads, 3); /* "old" pruned; ordered by name */
	assert_string_equal(st.heads[0].name, "caf\xc3\xa9 \"q\"");
	assert_string_equal(st.heads[0].sha, "c1");
	assert_string_equal(st.heads[1].name, "main");
	assert_string_equal(st.heads[1].sha, "a3");
	assert_string_equal(st.heads[2].name, "new");
	assert_string_equal(st.heads[2].sha, "d1");
	store_repo_sync_state_release(&st);
	/* Without pruning, the listed heads are upserted and the rest kept. */
	store_branch_head third[] = {{.name = "new", .sha = "d2"}, {.name = "x", .sha = "e1"}};
	up.heads = third;
	up.nheads = 2;
	up.prune_heads = false;
	assert_int_equal(store_repo_sync_apply(f->s, &up, 12, NULL), PDT_OK);
	assert_int_equal(store_repo_sync_state_get(f->s, u.id, r.id, &st), PDT_OK);
	assert_int_equal(st.nheads, 4);
	assert_string_equal(st.heads[1].sha, "a3");
	assert_string_equal(st.heads[2].sha, "d2");
	assert_string_equal(st.heads[3].name, "x");
	store_repo_sync_state_release(&st);
	store_repo_release(&r);
	store_user_release(&u);
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
		cmocka_unit_test_setup_teardown(test_pg_batched_commits_as_one_by_one, pg_setup,
						pg_teardown),
		cmocka_unit_test_setup_teardown(test_pg_batched_heads, pg_setup, pg_teardown),
		cmocka_unit_test_setup_teardown(test_pg_write_transactions, pg_setup, pg_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
