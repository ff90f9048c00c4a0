/*
 * Unit tests for the store on its SQLite driver (src/store/store_*.c, db.c,
 * db_sqlite.c).
 * Every test gets its own temporary directory and database file under
 * $PDT_TEST_TMPDIR (or /tmp), removed again afterwards.
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "store/db_sqlite.h"
#include "store/migrations.h"
#include "store/store.h"
#include "testdb.h"

#include "core/banned.h"

typedef struct fixture {
	char dir[512];
	char db_path[600];
	char url[640];
	store *s;
} fixture;

/* ---- helpers ---- */

static void make_tmpdir(char *out, size_t outlen)
{
	const char *base = getenv("PDT_TEST_TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	if (mkdir(base, 0700) != 0 && errno != EEXIST)
		fail_msg("cannot create %s", base);
	snprintf(out, outlen, "%s/test_store.XXXXXX", base);
	if (!mkdtemp(out))
		fail_msg("mkdtemp failed under %s", base);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char err[256];
	make_tmpdir(f->dir, sizeof f->dir);
	snprintf(f->db_path, sizeof f->db_path, "%s/pdt.db", f->dir);
	snprintf(f->url, sizeof f->url, "sqlite://%s", f->db_path);
	if (store_open(f->url, 4, &f->s, err, sizeof err) != PDT_OK) {
		print_error("store_open: %s\n", err);
		return -1;
	}
	if (store_migrate(f->s, NULL) != PDT_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	store_close(f->s);
	rm_tree(f->dir);
	free(f);
	return 0;
}

static store_commit_in commit_in(const char *sha, int64_t date, const char *key)
{
	store_commit_in c = {
		.sha = sha,
		.message = "msg",
		.author = "Ann",
		.author_email = "ann@example.com",
		.branch = "main",
		.date = date,
		.jira_card_key = key,
	};
	return c;
}

/* Counts rows of a table by opening the database file directly. */
static int64_t raw_count(const fixture *f, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;
	assert_int_equal(sqlite3_open_v2(f->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static pdt_err list_with(store *s, int64_t uid, int64_t repo_id, const char *key, int has_link,
			 int64_t limit, int64_t offset, struct store_commit_list *out)
{
	store_commit_filter flt = {
		.repo_id = repo_id,
		.jira_card_key = key,
		.has_link = has_link,
		.limit = limit,
		.offset = offset,
	};
	return store_commit_list(s, uid, &flt, out);
}

/* ---- open and migrate ---- */

static void test_open_rejects_bad_urls(void **state)
{
	(void)state;
	store *s = (store *)1;
	char err[256];
	/* PostgreSQL: a server that is not there, and a URI libpq cannot parse;
	 * neither error line shows the password. */
	assert_int_equal(store_open("postgres://pdt:s3cr3tpw@127.0.0.1:1/pdt?connect_timeout=2", 2,
				    &s, err, sizeof err),
			 PDT_ESTORE);
	assert_null(s);
	assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
	assert_null(strstr(err, "s3cr3tpw"));
	assert_int_equal(store_open("postgresql://pdt:s3cr%zzpw@db/pdt", 2, &s, err, sizeof err),
			 PDT_EINVAL);
	assert_null(strstr(err, "s3cr"));
	assert_int_equal(store_open("mysql://pdt:s3cr3tpw@db/pdt", 2, &s, err, sizeof err),
			 PDT_EINVAL);
	assert_non_null(strstr(err, "unsupported scheme \"mysql\""));
	assert_null(strstr(err, "s3cr3tpw"));
	assert_int_equal(store_open("sqlite://", 1, &s, err, sizeof err), PDT_EINVAL);
	assert_int_equal(store_open("sqlite:/x.db", 1, &s, err, sizeof err), PDT_EINVAL);
	assert_int_equal(store_open("pass:word@host", 1, &s, err, sizeof err), PDT_EINVAL);
	assert_null(strstr(err, "word"));
	assert_int_equal(store_open("sqlite:///tmp/x.db", 0, &s, err, sizeof err), PDT_EINVAL);
	assert_null(s);
}

static void test_open_creates_parent_dirs(void **state)
{
	(void)state;
	char dir[512], url[700], sub[600];
	char err[256];
	struct stat sb;
	store *s = NULL;
	make_tmpdir(dir, sizeof dir);
	snprintf(sub, sizeof sub, "%s/a/b", dir);
	snprintf(url, sizeof url, "sqlite://%s/c.db", sub);
	assert_int_equal(store_open(url, 2, &s, err, sizeof err), PDT_OK);
	assert_int_equal(stat(sub, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(store_ping(s), PDT_OK);
	store_close(s);
	rm_tree(dir);
}

static int migration_count(void)
{
	return testdb_migration_count(store_sqlite_migrations);
}

static int latest_version(void)
{
	return testdb_latest_version(store_sqlite_migrations);
}

static void test_migrate_idempotent(void **state)
{
	(void)state;
	char dir[512], url[600], err[256];
	store *s = NULL;
	int applied = -1, version = -1;
	make_tmpdir(dir, sizeof dir);
	snprintf(url, sizeof url, "sqlite://%s/m.db", dir);
	assert_int_equal(store_open(url, 2, &s, err, sizeof err), PDT_OK);
	assert_int_equal(store_schema_version(s, &version), PDT_OK);
	assert_int_equal(version, 0);
	assert_int_equal(store_migrate(s, &applied), PDT_OK);
	assert_int_equal(applied, migration_count());
	assert_int_equal(store_schema_version(s, &version), PDT_OK);
	assert_int_equal(version, latest_version());
	assert_int_equal(store_migrate(s, &applied), PDT_OK);
	assert_int_equal(applied, 0);
	store_close(s);

	/* Reopening a migrated database: same version, nothing to apply. */
	assert_int_equal(store_open(url, 1, &s, err, sizeof err), PDT_OK);
	assert_int_equal(store_migrate(s, &applied), PDT_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(store_schema_version(s, &version), PDT_OK);
	assert_int_equal(version, latest_version());
	store_close(s);
	rm_tree(dir);
}

static void test_connection_pragmas(void **state)
{
	fixture *f = *state;
	db_conn *c = db_checkout(f->s);
	sqlite3 *db = db_sqlite_handle(c);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_keys", -1, &st, NULL), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	db_checkin(f->s, c);
}

/* Every statement id has SQL for each dialect, and SQLite prepares it: an id
 * added without its row in store_sql.c fails here, not on first use. */
static void test_every_statement_prepares(void **state)
{
	fixture *f = *state;
	db_conn *c = db_checkout(f->s);
	for (int id = 0; id < DB__COUNT; id++) {
		assert_non_null(db_sql_text(DB_SQLITE, (db_stmt_id)id));
		assert_non_null(db_sql_text(DB_POSTGRES, (db_stmt_id)id));
		db_stmt *st = db_stmt_get(c, (db_stmt_id)id);
		assert_non_null(st);
		assert_true(db_param_count(st) >= 0);
	}
	db_checkin(f->s, c);
}

/* A failed bind is reported by the next step, and db_stmt_done clears it. */
static void test_bind_error_is_sticky(void **state)
{
	fixture *f = *state;
	int64_t uid = testdb_mk_user(f->s, "sticky@example.com");
	db_conn *c = db_checkout(f->s);
	db_stmt *st = db_stmt_get(c, DB_USER_EXISTS);
	assert_non_null(st);
	assert_int_not_equal(db_bind_int64(st, 7, uid), PDT_OK); /* no ?7 */
	assert_int_equal(db_bind_int64(st, 1, uid), PDT_OK);
	assert_int_equal(db_step(st), PDT_ESTORE);
	db_stmt_done(st);
	assert_int_equal(db_bind_int64(st, 1, uid), PDT_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 1);
	assert_false(db_col_is_null(st, 0));
	db_stmt_done(st);
	db_checkin(f->s, c);
}

typedef struct migrate_arg {
	const char *url;
	int applied;
	pdt_err rc;
} migrate_arg;

static void *migrate_thread(void *p)
{
	migrate_arg *a = p;
	char err[256];
	store *s = NULL;
	a->rc = store_open(a->url, 1, &s, err, sizeof err);
	if (a->rc == PDT_OK)
		a->rc = store_migrate(s, &a->applied);
	store_close(s);
	return NULL;
}

/* Two independent stores (as two processes would be) migrating at once. */
static void test_migrate_concurrent(void **state)
{
	(void)state;
	char dir[512], url[600], err[256];
	pthread_t t[3];
	migrate_arg a[3];
	make_tmpdir(dir, sizeof dir);
	snprintf(url, sizeof url, "sqlite://%s/cm.db", dir);
	for (int i = 0; i < 3; i++) {
		a[i] = (migrate_arg){.url = url};
		assert_int_equal(pthread_create(&t[i], NULL, migrate_thread, &a[i]), 0);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(a[0].rc, PDT_OK);
	assert_int_equal(a[1].rc, PDT_OK);
	assert_int_equal(a[2].rc, PDT_OK);
	assert_int_equal(a[0].applied + a[1].applied + a[2].applied, migration_count());
	store *s = NULL;
	int version = 0;
	assert_int_equal(store_open(url, 1, &s, err, sizeof err), PDT_OK);
	assert_int_equal(store_schema_version(s, &version), PDT_OK);
	assert_int_equal(version, latest_version());
	store_close(s);
	rm_tree(dir);
}

/* ---- users ---- */

static void test_user_create_and_lookup(void **state)
{
	fixture *f = *state;
	store_user u = {0}, v = {0};
	assert_int_equal(store_user_create(f->s, "Ann@Example.com", "Ann", "$2b$10$x", 100, &u),
			 PDT_OK);
	assert_true(u.id > 0);
	assert_string_equal(u.email, "Ann@Example.com");
	assert_string_equal(u.name, "Ann");
	assert_string_equal(u.password_hash, "$2b$10$x");
	assert_null(u.github_token_enc);
	assert_null(u.jira_token_enc);
	assert_string_equal(u.gitlab_url, "https://gitlab.com");
	assert_string_equal(u.jira_project_keys, "");
	assert_int_equal(u.created_at, 100);
	assert_int_equal(u.updated_at, 100);

	assert_int_equal(store_user_create(f->s, "ann@EXAMPLE.COM", "", "h", 101, &v),
			 PDT_ECONFLICT);
	assert_null(v.email);
	assert_int_equal(store_user_create(f->s, "bob@example.com", NULL, "h", 101, &v), PDT_OK);
	assert_string_equal(v.name, "");
	store_user_release(&v);

	assert_int_equal(store_user_by_email(f->s, "ANN@example.COM", &v), PDT_OK);
	assert_int_equal(v.id, u.id);
	assert_string_equal(v.email, "Ann@Example.com");
	store_user_release(&v);
	assert_int_equal(store_user_by_email(f->s, "nobody@example.com", &v), PDT_ENOTFOUND);

	assert_int_equal(store_user_by_id(f->s, u.id, &v), PDT_OK);
	assert_string_equal(v.email, "Ann@Example.com");
	store_user_release(&v);
	assert_int_equal(store_user_by_id(f->s, 9999, &v), PDT_ENOTFOUND);
	assert_null(v.email);

	assert_int_equal(store_user_exists(f->s, u.id), PDT_OK);
	assert_int_equal(store_user_exists(f->s, 9999), PDT_ENOTFOUND);
	store_user_release(&u);
	assert_null(u.email);
	assert_int_equal(u.id, 0);
}

static void test_profile_update_partial(void **state)
{
	fixture *f = *state;
	int64_t uid = testdb_mk_user(f->s, "p@example.com");
	store_user u = {0};
	store_profile_update up = {
		.github_token_enc = "aa11",
		.jira_token_enc = "bb22",
		.jira_email = "p@corp.example",
		.jira_project_keys = "PROJ, OPS",
	};
	assert_int_equal(store_user_update_profile(f->s, uid, &up, 5000), PDT_OK);
	assert_int_equal(store_user_by_id(f->s, uid, &u), PDT_OK);
	assert_string_equal(u.github_token_enc, "aa11");
	assert_string_equal(u.jira_token_enc, "bb22");
	assert_null(u.gitlab_token_enc);
	assert_string_equal(u.jira_email, "p@corp.example");
	assert_string_equal(u.jira_project_keys, "PROJ, OPS");
	assert_string_equal(u.gitlab_url, "https://gitlab.com");
	assert_string_equal(u.email, "p@example.com");
	assert_int_equal(u.updated_at, 5000);
	assert_int_equal(u.created_at, 1000);
	store_user_release(&u);

	/* "" clears a token; NULL members leave the others alone. */
	store_profile_update clear = {.github_token_enc = "", .gitlab_url = "https://git.corp"};
	assert_int_equal(store_user_update_profile(f->s, uid, &clear, 6000), PDT_OK);
	assert_int_equal(store_user_by_id(f->s, uid, &u), PDT_OK);
	assert_null(u.github_token_enc);
	assert_string_equal(u.jira_token_enc, "bb22");
	assert_string_equal(u.gitlab_url, "https://git.corp");
	assert_string_equal(u.jira_email, "p@corp.example");
	assert_int_equal(u.updated_at, 6000);
	store_user_release(&u);

	/* A non-token field set to "" is stored as "". */
	store_profile_update empty = {.jira_email = ""};
	assert_int_equal(store_user_update_profile(f->s, uid, &empty, 7000), PDT_OK);
	assert_int_equal(store_user_by_id(f->s, uid, &u), PDT_OK);
	assert_string_equal(u.jira_email, "");
	assert_string_equal(u.jira_token_enc, "bb22");
	store_user_release(&u);

	assert_int_equal(store_user_update_profile(f->s, 9999, &up, 1), PDT_ENOTFOUND);
}

/* ---- repositories ---- */

static void test_repo_create_list_get(void **state)
{
	fixture *f = *state;
	int64_t a = testdb_mk_user(f->s, "a@example.com");
	int64_t b = testdb_mk_user(f->s, "b@example.com");
	store_repo r = {0};
	struct store_repo_list l = {0};

	assert_int_equal(store_repo_create(f->s, a, "pdt", "acme", "github",
					   "https://github.com/acme/pdt", 3000, &r),
			 PDT_OK);
	assert_int_equal(r.user_id, a);
	assert_string_equal(r.name, "pdt");
	assert_string_equal(r.owner, "acme");
	assert_string_equal(r.provider, "github");
	assert_true(r.is_valid);
	assert_int_equal(r.last_synced_at, 0);
	assert_int_equal(r.created_at, 3000);
	int64_t r1 = r.id;
	store_repo_release(&r);

	store_repo dup = {0};
	assert_int_equal(store_repo_create(f->s, a, "pdt", "acme", "github",
					   "https://github.com/acme/pdt", 3001, &dup),
			 PDT_ECONFLICT);
	assert_null(dup.url);
	assert_int_equal(store_repo_create(f->s, a, "x", "y", "svn", "https://svn/x", 1, &dup),
			 PDT_EINVAL);
	assert_int_equal(store_repo_create(f->s, 9999, "x", "y", "github", "https://g/x", 1, &dup),
			 PDT_ENOTFOUND);
	/* The same URL tracked by another user is fine. */
	int64_t rb = testdb_mk_repo(f->s, b, "https://github.com/acme/pdt");
	int64_t r2 = testdb_mk_repo(f->s, a, "https://gitlab.com/g/sub/p");

	assert_int_equal(store_repo_list(f->s, a, &l), PDT_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.items[0].id, r1);
	assert_int_equal(l.items[1].id, r2);
	store_repo_list_release(&l);
	assert_null(l.items);
	assert_int_equal(l.n, 0);
	assert_int_equal(store_repo_list(f->s, 9999, &l), PDT_OK);
	assert_int_equal(l.n, 0);
	store_repo_list_release(&l);

	assert_int_equal(store_repo_get(f->s, a, r2, &r), PDT_OK);
	assert_string_equal(r.url, "https://gitlab.com/g/sub/p");
	store_repo_release(&r);
	assert_int_equal(store_repo_get(f->s, a, rb, &r), PDT_ENOTFOUND);
	assert_int_equal(store_repo_get(f->s, b, r1, &r), PDT_ENOTFOUND);

	assert_int_equal(store_repo_set_valid(f->s, a, r1, false), PDT_OK);
	assert_int_equal(store_repo_get(f->s, a, r1, &r), PDT_OK);
	assert_false(r.is_valid);
	store_repo_release(&r);
	assert_int_equal(store_repo_set_valid(f->s, b, r1, true), PDT_ENOTFOUND);

	assert_int_equal(store_repo_delete(f->s, b, r1), PDT_ENOTFOUND);
	assert_int_equal(store_repo_delete(f->s, a, r1), PDT_OK);
	assert_int_equal(store_repo_delete(f->s, a, r1), PDT_ENOTFOUND);
	assert_int_equal(store_repo_get(f->s, b, rb, &r), PDT_OK);
	store_repo_release(&r);
}

static void test_repo_delete_cascades(void **state)
{
	fixture *f = *state;
	int64_t uid = testdb_mk_user(f->s, "c@example.com");
	int64_t keep = testdb_mk_repo(f->s, uid, "https://github.com/o/keep");
	int64_t gone = testdb_mk_repo(f->s, uid, "https://github.com/o/gone");
	store_commit_in in[] = {commit_in("s1", 10, "ABC-1"), commit_in("s2", 20, NULL)};
	store_link link = {0};
	size_t added = 0;
	int64_t n = 0;

	assert_int_equal(store_commit_insert_batch(f->s, gone, in, 2, 50, &added), PDT_OK);
	assert_int_equal(store_commit_insert_batch(f->s, keep, in, 1, 50, &added), PDT_OK);
	assert_int_equal(store_commit_link(f->s, uid, "s2", "ABC-9", 60, &link), PDT_OK);
	store_link_release(&link);
	assert_int_equal(store_commit_link(f->s, uid, "s1", "ABC-7", 60, &link), PDT_OK);
	store_link_release(&link);
	assert_int_equal(raw_count(f, "SELECT count(*) FROM commit_card_links"), 3);

	assert_int_equal(store_repo_delete(f->s, uid, gone), PDT_OK);
	assert_int_equal(store_count_commits(f->s, uid, &n), PDT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(raw_count(f, "SELECT count(*) FROM commits"), 1);
	assert_int_equal(raw_count(f, "SELECT count(*) FROM commit_card_links"), 1);
}

/* ---- commits ---- */

static void test_commit_insert_batch(void **state)
{
	fixture *f = *state;
	int64_t uid = testdb_mk_user(f->s, "d@example.com");
	int64_t repo = testdb_mk_repo(f->s, uid, "https://github.com/o/r");
	store_commit_in first[] = {commit_in("a1", 100, "PROJ-1"), commit_in("a2", 200, ""),
				   commit_in("a3", 300, NULL)};
	store_commit_in second[] = {commit_in("a2", 200, "PROJ-2"), commit_in("a4", 400, NULL),
				    commit_in("a3", 300, NULL), commit_in("a5", 500, "OPS-3")};
	struct store_commit_list l = {0};
	size_t added = 99;
	int64_t n = 0;

	assert_int_equal(store_commit_insert_batch(f->s, repo, first, 3, 1000, &added), PDT_OK);
	assert_int_equal(added, 3);
	assert_int_equal(store_commit_insert_batch(f->s, repo, second, 4, 1001, &added), PDT_OK);
	assert_int_equal(added, 2);
	assert_int_equal(store_commit_insert_batch(f->s, repo, second, 4, 1002, NULL), PDT_OK);
	assert_int_equal(store_commit_insert_batch(f->s, repo, NULL, 0, 1003, &added), PDT_OK);
	assert_int_equal(added, 0);
	assert_int_equal(store_commit_insert_batch(f->s, 9999, first, 3, 1003, &added),
			 PDT_ENOTFOUND);
	assert_int_equal(store_count_commits(f->s, uid, &n), PDT_OK);
	assert_int_equal(n, 5);
	assert_int_equal(raw_count(f, "SELECT count(*) FROM commits WHERE jira_card_key IS NULL"),
			 3); /* a2 (""), a3, a4 */

	assert_int_equal(store_commit_list(f->s, uid, NULL, &l), PDT_OK);
	assert_int_equal(l.n, 5);
	/* a2 kept its first version: no key, no link. */
	assert_string_equal(l.items[3].sha, "a2");
	assert_string_equal(l.items[3].jira_card_key, "");
	assert_false(l.items[3].has_link);
	assert_string_equal(l.items[4].sha, "a1");
	assert_string_equal(l.items[4].jira_card_key, "PROJ-1");
	assert_true(l.items[4].has_link);
	assert_int_equal(l.items[4].repo_id, repo);
	assert_string_equal(l.items[4].message, "msg");
	assert_string_equal(l.items[4].author, "Ann");
	assert_string_equal(l.items[4].author_email, "ann@example.com");
	assert_string_equal(l.items[4].branch, "main");
	assert_int_equal(l.items[4].date, 100);
	assert_int_equal(l.items[4].created_at, 1000);
	store_commit_list_release(&l);

	/* A batch failing half-way leaves nothing behind. */
	store_commit_in bad[] = {commit_in("z1", 1, NULL), commit_in(NULL, 2, NULL)};
	assert_int_equal(store_commit_insert_batch(f->s, repo, bad, 2, 1004, &added), PDT_EINVAL);
	assert_int_equal(store_count_commits(f->s, uid, &n), PDT_OK);
	assert_int_equal(n, 5);
}

/* The batched statements' SQLite text (PostgreSQL runs them; SQLite keeps
 * its one-row inserts): the same rows, in array order, the first of a
 * repeated SHA kept, a repeated head name at its last SHA. */
static void test_json_statements_sqlite_text(void **state)
{
	fixture *f = *state;
	int64_t uid = testdb_mk_user(f->s, "json@example.com");
	int64_t repo = testdb_mk_repo(f->s, uid, "https://github.com/o/json");
	db_conn *c = NULL;
	assert_int_equal(db_write_begin(f->s, &c), PDT_OK);
	db_stmt *st = db_stmt_get(c, DB_COMMIT_INSERT_JSON);
	assert_non_null(st);
	db_bind_int64(st, 1, repo);
	db_bind_int64(st, 2, 900);
	db_bind_text(st, 3, "[{\"s\":\"j2\",\"m\":\"q \\\" \\\\ \\n \\u00e9\",\"a\":\"Ann\",\"e\":\"\","
			    "\"b\":\"main\",\"d\":1700000000,\"k\":\"PROJ-9\"},"
			    "{\"s\":\"j1\",\"m\":\"\",\"a\":\"\",\"e\":\"\",\"b\":\"f\",\"d\":1700000000,"
			    "\"k\":null},"
			    "{\"s\":\"j2\",\"m\":\"dup\",\"a\":\"\",\"e\":\"\",\"b\":\"f\",\"d\":1,\"k\":null}]");
	assert_int_equal(db_step_done(st), PDT_OK);
	assert_int_equal(db_changes(st), 2);
	db_stmt_done(st);
	st = db_stmt_get(c, DB_HEADS_UPSERT_JSON);
	assert_non_null(st);
	db_bind_int64(st, 1, repo);
	db_bind_text(st, 2, "[{\"n\":\"main\",\"s\":\"a1\"},{\"n\":\"f\",\"s\":\"b1\"},"
			    "{\"n\":\"main\",\"s\":\"a2\"}]");
	assert_int_equal(db_step_done(st), PDT_OK);
	db_stmt_done(st);
	assert_int_equal(db_write_end(f->s, c, PDT_OK), PDT_OK);

	struct store_commit_list l = {0};
	assert_int_equal(store_commit_list(f->s, uid, NULL, &l), PDT_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].sha, "j1"); /* same date: the later id first */
	assert_string_equal(l.items[0].jira_card_key, "");
	assert_false(l.items[0].has_link);
	assert_string_equal(l.items[1].sha, "j2");
	assert_string_equal(l.items[1].message, "q \" \\ \n \xc3\xa9");
	assert_string_equal(l.items[1].jira_card_key, "PROJ-9");
	assert_true(l.items[1].has_link);
	assert_int_equal(l.items[1].date, 1700000000);
	assert_int_equal(l.items[1].created_at, 900);
	store_commit_list_release(&l);
	store_repo_sync_state rs = {0};
	assert_int_equal(store_repo_sync_state_get(f->s, uid, repo, &rs), PDT_OK);
	assert_int_equal(rs.nheads, 2);
	assert_string_equal(rs.heads[1].name, "main");
	assert_string_equal(rs.heads[1].sha, "a2");
	store_repo_sync_state_release(&rs);
}

static void assert_shas(const struct store_commit_list *l, const char *const *want, size_t n)
{
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->items[i].sha, want[i]);
}

static void test_commit_list_filters(void **state)
{
	fixture *f = *state;
	int64_t a = testdb_mk_user(f->s, "e@example.com");
	int64_t b = testdb_mk_user(f->s, "f@example.com");
	int64_t ra = testdb_mk_repo(f->s, a, "https://github.com/o/one");
	int64_t rb = testdb_mk_repo(f->s, a, "https://github.com/o/two");
	int64_t rother = testdb_mk_repo(f->s, b, "https://github.com/o/one");
	store_commit_in ina[] = {commit_in("c1", 100, "K-1"), commit_in("c2", 300, NULL),
				 commit_in("c3", 300, "K-2")};
	store_commit_in inb[] = {commit_in("c4", 200, "K-1"), commit_in("c5", 50, NULL)};
	store_commit_in ino[] = {commit_in("x1", 999, "K-1")};
	struct store_commit_list l = {0};

	assert_int_equal(store_commit_insert_batch(f->s, ra, ina, 3, 1, NULL), PDT_OK);
	assert_int_equal(store_commit_insert_batch(f->s, rb, inb, 2, 1, NULL), PDT_OK);
	assert_int_equal(store_commit_insert_batch(f->s, rother, ino, 1, 1, NULL), PDT_OK);

	/* Date DESC, ties by id DESC (c3 was inserted after c2). */
	assert_int_equal(list_with(f->s, a, 0, NULL, -1, 0, 0, &l), PDT_OK);
	assert_shas(&l, (const char *const[]){"c3", "c2", "c4", "c1", "c5"}, 5);
	store_commit_list_release(&l);

	assert_int_equal(list_with(f->s, a, rb, NULL, -1, 0, 0, &l), PDT_OK);
	assert_shas(&l, (const char *const[]){"c4", "c5"}, 2);
	store_commit_list_release(&l);

	assert_int_equal(list_with(f->s, a, 0, "K-1", -1, 0, 0, &l), PDT_OK);
	assert_shas(&l, (const char *const[]){"c4", "c1"}, 2);
	store_commit_list_release(&l);

	assert_int_equal(list_with(f->s, a, 0, NULL, 1, 0, 0, &l), PDT_OK);
	assert_shas(&l, (const char *const[]){"c3", "c4", "c1"}, 3);
	store_commit_list_release(&l);
	assert_int_equal(list_with(f->s, a, 0, NULL, 0, 0, 0, &l), PDT_OK);
	assert_shas(&l, (const char *const[]){"c2", "c5"}, 2);
	store_commit_list_release(&l);

	assert_int_equal(list_with(f->s, a, ra, "K-1", 1, 0, 0, &l), PDT_OK);
	assert_shas(&l, (const char *const[]){"c1"}, 1);
	store_commit_list_release(&l);

	assert_int_equal(list_with(f->s, a, 0, NULL, -1, 2, 1, &l), PDT_OK);
	assert_shas(&l, (const char *const[]){"c2", "c4"}, 2);
	store_commit_list_release(&l);
	assert_int_equal(list_with(f->s, a, 0, NULL, -1, 0, 3, &l), PDT_OK);
	assert_shas(&l, (const char *const[]){"c1", "c5"}, 2);
	store_commit_list_release(&l);
	assert_int_equal(list_with(f->s, a, 0, NULL, -1, 10, 10, &l), PDT_OK);
	assert_int_equal(l.n, 0);
	store_commit_list_release(&l);

	/* Cross-user isolation: b sees only x1, and not through a's repo id. */
	assert_int_equal(list_with(f->s, b, 0, "K-1", -1, 0, 0, &l), PDT_OK);
	assert_shas(&l, (const char *const[]){"x1"}, 1);
	store_commit_list_release(&l);
	assert_int_equal(list_with(f->s, b, ra, NULL, -1, 0, 0, &l), PDT_OK);
	assert_int_equal(l.n, 0);
	store_commit_list_release(&l);
	assert_int_equal(list_with(f->s, a, rother, NULL, -1, 0, 0, &l), PDT_OK);
	assert_int_equal(l.n, 0);
	store_commit_list_release(&l);

	assert_int_equal(list_with(f->s, a, 0, NULL, 2, 0, 0, &l), PDT_EINVAL);
	assert_int_equal(list_with(f->s, a, 0, NULL, -1, -1, 0, &l), PDT_EINVAL);
	assert_int_equal(list_with(f->s, a, 0, NULL, -1, 0, -1, &l), PDT_EINVAL);
	assert_null(l.items);
}

static void test_commit_link(void **state)
{
	fixture *f = *state;
	int64_t a = testdb_mk_user(f->s, "g@example.com");
	int64_t b = testdb_mk_user(f->s, "h@example.com");
	int64_t r1 = testdb_mk_repo(f->s, a, "https://github.com/o/one");
	int64_t r2 = testdb_mk_repo(f->s, a, "https://github.com/fork/one");
	int64_t rb = testdb_mk_repo(f->s, b, "https://github.com/o/b");
	store_commit_in shared_old[] = {commit_in("dead", 100, NULL), commit_in("solo", 50, NULL)};
	store_commit_in shared_new[] = {commit_in("dead", 200, NULL)};
	store_commit_in theirs[] = {commit_in("beef", 100, NULL)};
	struct store_commit_list l = {0};
	store_link link = {0}, again = {0};

	assert_int_equal(store_commit_insert_batch(f->s, r1, shared_old, 2, 1, NULL), PDT_OK);
	assert_int_equal(store_commit_insert_batch(f->s, r2, shared_new, 1, 1, NULL), PDT_OK);
	assert_int_equal(store_commit_insert_batch(f->s, rb, theirs, 1, 1, NULL), PDT_OK);

	assert_int_equal(store_commit_link(f->s, a, "dead", "PROJ-42", 500, &link), PDT_OK);
	assert_true(link.id > 0);
	assert_string_equal(link.jira_card_key, "PROJ-42");
	assert_int_equal(link.linked_at, 500);
	/* Both of a's commits with that sha are linked; the newest is reported. */
	assert_int_equal(list_with(f->s, a, r2, NULL, -1, 0, 0, &l), PDT_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(link.commit_id, l.items[0].id);
	assert_true(l.items[0].has_link);
	assert_string_equal(l.items[0].jira_card_key, "");
	store_commit_list_release(&l);
	assert_int_equal(raw_count(f, "SELECT count(*) FROM commit_card_links"), 2);

	/* Linking again is a no-op returning the same link. */
	assert_int_equal(store_commit_link(f->s, a, "dead", "PROJ-42", 600, &again), PDT_OK);
	assert_int_equal(again.id, link.id);
	assert_int_equal(again.linked_at, 500);
	store_link_release(&again);
	assert_int_equal(raw_count(f, "SELECT count(*) FROM commit_card_links"), 2);

	/* The key filter matches manual links. */
	assert_int_equal(list_with(f->s, a, 0, "PROJ-42", 1, 0, 0, &l), PDT_OK);
	assert_shas(&l, (const char *const[]){"dead", "dead"}, 2);
	store_commit_list_release(&l);

	assert_int_equal(store_commit_link(f->s, a, "nope", "PROJ-1", 1, &again), PDT_ENOTFOUND);
	assert_null(again.jira_card_key);
	assert_int_equal(store_commit_link(f->s, a, "beef", "PROJ-1", 1, &again), PDT_ENOTFOUND);
	assert_int_equal(store_commit_link(f->s, b, "dead", "PROJ-1", 1, &again), PDT_ENOTFOUND);
	assert_int_equal(store_commit_link(f->s, a, "dead", "", 1, &again), PDT_EINVAL);
	assert_int_equal(raw_count(f, "SELECT count(*) FROM commit_card_links"), 2);
	assert_int_equal(list_with(f->s, b, 0, NULL, 1, 0, 0, &l), PDT_OK);
	assert_int_equal(l.n, 0);
	store_commit_list_release(&l);
	store_link_release(&link);
	assert_null(link.jira_card_key);
}

/* ---- concurrency ---- */

#define BATCHES 20
#define PER_BATCH 25

typedef struct insert_arg {
	store *s;
	int64_t user;
	int64_t repo;
	size_t added;
	pdt_err rc;
} insert_arg;

static void *insert_thread(void *p)
{
	insert_arg *a = p;
	char shas[PER_BATCH][48];
	store_commit_in in[PER_BATCH];
	for (int b = 0; b < BATCHES && a->rc == PDT_OK; b++) {
		for (int i = 0; i < PER_BATCH; i++) {
			snprintf(shas[i], sizeof shas[i], "r%lld-b%d-c%d", (long long)a->repo, b, i);
			in[i] = commit_in(shas[i], b * 100 + i, i % 2 ? "T-1" : NULL);
		}
		size_t added = 0;
		a->rc = store_commit_insert_batch(a->s, a->repo, in, PER_BATCH, 1, &added);
		a->added += added;
		struct store_commit_list l = {0};
		store_commit_filter flt = {.repo_id = a->repo, .has_link = -1, .limit = 5};
		if (a->rc == PDT_OK)
			a->rc = store_commit_list(a->s, a->user, &flt, &l);
		store_commit_list_release(&l);
	}
	return NULL;
}

static void test_concurrent_inserts(void **state)
{
	fixture *f = *state;
	int64_t uid = testdb_mk_user(f->s, "t@example.com");
	char url[64];
	pthread_t t[4];
	insert_arg a[4];
	for (int i = 0; i < 4; i++) {
		snprintf(url, sizeof url, "https://github.com/o/r%d", i);
		a[i] = (insert_arg){.s = f->s, .user = uid, .repo = testdb_mk_repo(f->s, uid, url)};
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, insert_thread, &a[i]), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	size_t total = 0;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(a[i].rc, PDT_OK);
		assert_int_equal(a[i].added, BATCHES * PER_BATCH);
		total += a[i].added;
	}
	int64_t n = 0;
	assert_int_equal(store_count_commits(f->s, uid, &n), PDT_OK);
	assert_int_equal(n, (int64_t)total);
	assert_int_equal(total, 4 * BATCHES * PER_BATCH);
}

/* ---- hygiene ---- */

static void test_sql_text_round_trips(void **state)
{
	fixture *f = *state;
	const char *evil = "'; DROP TABLE users; --";
	const char *evil2 = "x\" OR 1=1; DELETE FROM commits WHERE '1'='1";
	store_user u = {0};
	store_repo r = {0};
	struct store_commit_list l = {0};
	store_link link = {0};

	assert_int_equal(store_user_create(f->s, evil, evil2, evil, 1, &u), PDT_OK);
	store_profile_update up = {.jira_username = evil, .github_token_enc = evil2};
	assert_int_equal(store_user_update_profile(f->s, u.id, &up, 2), PDT_OK);
	store_user_release(&u);
	assert_int_equal(store_user_by_email(f->s, evil, &u), PDT_OK);
	assert_string_equal(u.email, evil);
	assert_string_equal(u.name, evil2);
	assert_string_equal(u.jira_username, evil);
	assert_string_equal(u.github_token_enc, evil2);

	assert_int_equal(store_repo_create(f->s, u.id, evil, evil2, "gitlab", evil, 3, &r),
			 PDT_OK);
	assert_string_equal(r.name, evil);
	assert_string_equal(r.url, evil);
	store_commit_in in[] = {{.sha = evil, .message = evil2, .author = evil,
				 .author_email = evil2, .branch = evil, .date = 4,
				 .jira_card_key = evil}};
	assert_int_equal(store_commit_insert_batch(f->s, r.id, in, 1, 5, NULL), PDT_OK);
	assert_int_equal(store_commit_link(f->s, u.id, evil, evil2, 6, &link), PDT_OK);
	assert_string_equal(link.jira_card_key, evil2);
	assert_int_equal(list_with(f->s, u.id, 0, evil2, -1, 0, 0, &l), PDT_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].sha, evil);
	assert_string_equal(l.items[0].message, evil2);
	assert_string_equal(l.items[0].branch, evil);
	assert_string_equal(l.items[0].jira_card_key, evil);
	store_commit_list_release(&l);
	assert_int_equal(raw_count(f, "SELECT count(*) FROM users"), 1);
	store_link_release(&link);
	store_repo_release(&r);
	store_user_release(&u);
}

/* The hot-path statements are prepared once per connection, then reused. */
static void test_statements_cached(void **state)
{
	(void)state;
	char dir[512], url[600], err[256];
	store *s = NULL;
	store_user u = {0};
	struct store_commit_list l = {0};
	make_tmpdir(dir, sizeof dir);
	snprintf(url, sizeof url, "sqlite://%s/c.db", dir);
	assert_int_equal(store_open(url, 1, &s, err, sizeof err), PDT_OK);
	assert_int_equal(store_migrate(s, NULL), PDT_OK);
	int64_t uid = testdb_mk_user(s, "k@example.com");
	assert_int_equal(store_user_exists(s, uid), PDT_OK);
	assert_int_equal(store_user_by_id(s, uid, &u), PDT_OK);
	store_user_release(&u);
	assert_int_equal(store_commit_list(s, uid, NULL, &l), PDT_OK);
	/* The pool has one connection: every call above used it. */
	db_conn *c = db_checkout(s);
	sqlite3_stmt *ex = db_sqlite_cached(c, DB_USER_EXISTS);
	sqlite3_stmt *id = db_sqlite_cached(c, DB_USER_BY_ID);
	sqlite3_stmt *cl = db_sqlite_cached(c, DB_COMMIT_LIST);
	db_checkin(s, c);
	assert_non_null(ex);
	assert_non_null(id);
	assert_non_null(cl);
	assert_int_equal(store_user_exists(s, uid), PDT_OK);
	assert_int_equal(store_user_by_id(s, uid, &u), PDT_OK);
	store_user_release(&u);
	assert_int_equal(store_commit_list(s, uid, NULL, &l), PDT_OK);
	c = db_checkout(s);
	assert_ptr_equal(db_sqlite_cached(c, DB_USER_EXISTS), ex);
	assert_ptr_equal(db_sqlite_cached(c, DB_USER_BY_ID), id);
	assert_ptr_equal(db_sqlite_cached(c, DB_COMMIT_LIST), cl);
	/* Reset after use: no statement is left mid-step (holding a snapshot). */
	sqlite3 *db = db_sqlite_handle(c);
	for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
		assert_false(sqlite3_stmt_busy(st));
	db_checkin(s, c);
	store_commit_list_release(&l);
	store_close(s);
	rm_tree(dir);
}

static void test_release_accepts_null(void **state)
{
	(void)state;
	store_user u = {0};
	store_repo r = {0};
	struct store_repo_list rl = {0};
	struct store_commit_list cl = {0};
	store_link k = {0};
	store_user_release(NULL);
	store_repo_release(NULL);
	store_repo_list_release(NULL);
	store_commit_list_release(NULL);
	store_link_release(NULL);
	store_user_release(&u);
	store_repo_release(&r);
	store_repo_list_release(&rl);
	store_commit_list_release(&cl);
	store_link_release(&k);
	store_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_rejects_bad_urls),
		cmocka_unit_test(test_open_creates_parent_dirs),
		cmocka_unit_test(test_migrate_idempotent),
		cmocka_unit_test(test_migrate_concurrent),
		cmocka_unit_test_setup_teardown(test_connection_pragmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_statements_sqlite_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_statement_prepares, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_error_is_sticky, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_create_and_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_update_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repo_create_list_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repo_delete_cascades, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_insert_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_list_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_inserts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sql_text_round_trips, setup, teardown),
		cmocka_unit_test(test_statements_cached),
		cmocka_unit_test(test_release_accepts_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
