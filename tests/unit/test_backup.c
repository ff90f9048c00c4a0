/*
 * Unit tests for store/backup (src/store/backup_sqlite.c): the copy holds the
 * source's rows and passes integrity_check, the refusals leave no file, and
 * --force replaces atomically. Each test works in its own directory under
 * $PDT_TEST_TMPDIR (or /tmp), removed afterwards. The concurrent-writer case
 * is the system test tests/system/test_backup.py.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/backup.h"

typedef struct fixture {
	char dir[512];
	char db[600];
	char url[620];
	char out[600];
} fixture;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* A WAL database of 2000 rows of 500 bytes: ~1.2 MB, several 64-page steps. */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	const char *base = getenv("PDT_TEST_TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	if (mkdir(base, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/test_backup.XXXXXX", base);
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/pdt.db", f->dir);
	snprintf(f->url, sizeof f->url, "sqlite://%s", f->db);
	snprintf(f->out, sizeof f->out, "%s/copy.db", f->dir);
	sqlite3 *db = NULL;
	if (sqlite3_open(f->db, &db) != SQLITE_OK)
		return -1;
	exec_ok(db, "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
		    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
		    " INSERT INTO t (v) SELECT printf('%.500c', 'x') FROM n;");
	sqlite3_close(db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static int64_t count_rows(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int64_t n = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

static bool exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

static void test_copy_holds_the_rows(void **state)
{
	fixture *f = *state;
	char err[512] = "";
	backup_stats st = {0};
	backup_opts o = {.pages_per_step = 64, .sleep_ms = 0};
	assert_int_equal(backup_run(f->url, f->out, &o, &st, err, sizeof err), PDT_OK);
	assert_int_equal(count_rows(f->out), 2000);
	struct stat sb;
	assert_int_equal(stat(f->out, &sb), 0);
	assert_int_equal(st.bytes, (int64_t)sb.st_size);
	assert_true(st.pages > 64); /* it took several steps */
	char tmp[640];
	snprintf(tmp, sizeof tmp, "%s.tmp", f->out);
	assert_false(exists(tmp));
}

static void test_existing_path_refused_then_forced(void **state)
{
	fixture *f = *state;
	char err[512] = "";
	FILE *fp = fopen(f->out, "w");
	assert_non_null(fp);
	fputs("older", fp);
	fclose(fp);
	assert_int_equal(backup_run(f->url, f->out, NULL, NULL, err, sizeof err), PDT_ECONFLICT);
	assert_non_null(strstr(err, "exists (use --force to replace it)"));
	assert_int_equal(count_rows(f->out), -1); /* still the old bytes */
	backup_opts o = {.force = true, .sleep_ms = -1};
	assert_int_equal(backup_run(f->url, f->out, &o, NULL, err, sizeof err), PDT_OK);
	assert_int_equal(count_rows(f->out), 2000);
}

static void test_refusals(void **state)
{
	fixture *f = *state;
	char err[512] = "";
	backup_opts force = {.force = true, .sleep_ms = -1};
	assert_int_equal(backup_run("postgres://u:pw@h/db", f->out, NULL, NULL, err, sizeof err),
			 PDT_EINVAL);
	assert_non_null(strstr(err, "pg_dump"));
	assert_null(strstr(err, "pw@"));
	assert_int_equal(backup_run(f->url, f->db, &force, NULL, err, sizeof err), PDT_EINVAL);
	assert_non_null(strstr(err, "is the database itself"));
	assert_int_equal(backup_run(f->url, "", NULL, NULL, err, sizeof err), PDT_EINVAL);
	assert_int_equal(backup_run(f->url, NULL, NULL, NULL, err, sizeof err), PDT_EINVAL);
	assert_false(exists(f->out));
	assert_int_equal(count_rows(f->db), 2000);
}

static void test_unreadable_source_and_target(void **state)
{
	fixture *f = *state;
	char err[512] = "", url[700], path[700];
	snprintf(url, sizeof url, "sqlite://%s/absent.db", f->dir);
	assert_int_equal(backup_run(url, f->out, NULL, NULL, err, sizeof err), PDT_EIO);
	assert_non_null(strstr(err, "cannot read database"));
	snprintf(path, sizeof path, "%s/absent.db", f->dir);
	assert_false(exists(path)); /* read-only: never created */
	snprintf(path, sizeof path, "%s/no/such/dir/copy.db", f->dir);
	assert_int_equal(backup_run(f->url, path, NULL, NULL, err, sizeof err), PDT_EIO);
	assert_non_null(strstr(err, "No such file or directory"));
	assert_false(exists(f->out));
}

static void test_url_scheme(void **state)
{
	(void)state;
	assert_true(backup_url_is_sqlite("sqlite:///var/lib/pdt/pdt.db"));
	assert_true(backup_url_is_sqlite("sqlite://./data/pdt.db"));
	assert_false(backup_url_is_sqlite("sqlite://"));
	assert_false(backup_url_is_sqlite("postgres://u@h/db"));
	assert_false(backup_url_is_sqlite("postgresql://u@h/db"));
	assert_false(backup_url_is_sqlite(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy_holds_the_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_path_refused_then_forced, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_source_and_target, setup, teardown),
		cmocka_unit_test(test_url_scheme),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
