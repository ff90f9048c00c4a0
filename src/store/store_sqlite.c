/*
 * SQLite backend of store.h: opening, the connection pool, transactions,
 * the statement cache, migrations and health. The per-table calls live in
 * sqlite_users.c, sqlite_repos.c and sqlite_commits.c; the design is
 * described in sqlite_internal.h.
 */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/log.h"
#include "core/mem.h"
#include "store/migrations.h"
#include "store/sqlite_internal.h"

#include "core/banned.h"

#define SQLITE_SCHEME "sqlite://"
#define POOL_MAX 256

/* ---- statements, binding and errors ---- */

sqlite3_stmt *sqlite_stmt(sqlite_conn *c, sqlite_stmt_id id)
{
	if (c->stmts[id])
		return c->stmts[id];
	int rc = sqlite3_prepare_v3(c->db, sqlite_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				    &c->stmts[id], NULL);
	if (rc != SQLITE_OK) {
		log_error("msg=\"store: prepare failed\" stmt=%d sqlite_rc=%d detail=\"%s\"", (int)id,
			  rc, sqlite3_errmsg(c->db));
		sqlite3_finalize(c->stmts[id]);
		c->stmts[id] = NULL;
	}
	return c->stmts[id];
}

void sqlite_stmt_done(sqlite3_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

pdt_err sqlite_fail(sqlite_conn *c, int rc, const char *op)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return PDT_ECONFLICT;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return PDT_ENOTFOUND;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
		return PDT_EINVAL;
	default:
		log_error("msg=\"store: database error\" op=%s sqlite_rc=%d detail=\"%s\"", op, rc,
			  sqlite3_errmsg(c->db));
		return PDT_ESTORE;
	}
}

pdt_err sqlite_step_done(sqlite_conn *c, sqlite3_stmt *st, const char *op)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return PDT_OK;
	if (rc == SQLITE_ROW) {
		log_error("msg=\"store: unexpected row\" op=%s", op);
		return PDT_ESTORE;
	}
	return sqlite_fail(c, rc, op);
}

int sqlite_bind_text(sqlite3_stmt *st, int idx, const char *v)
{
	if (!v)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, v, -1, SQLITE_STATIC);
}

int sqlite_bind_text0(sqlite3_stmt *st, int idx, const char *v)
{
	return sqlite3_bind_text(st, idx, v ? v : "", -1, SQLITE_STATIC);
}

char *sqlite_col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? xstrdup((const char *)t) : NULL;
}

char *sqlite_col_dup0(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return xstrdup(t ? (const char *)t : "");
}

void *sqlite_list_push(void **items, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*items = xrealloc(*items, *cap * size);
	}
	char *slot = (char *)*items + *n * size;
	memset(slot, 0, size);
	(*n)++;
	return slot;
}

/* ---- pool ---- */

sqlite_conn *sqlite_checkout(store *s)
{
	pthread_mutex_lock(&s->pool_mu);
	while (s->nfree == 0)
		pthread_cond_wait(&s->pool_cv, &s->pool_mu);
	sqlite_conn *c = &s->conns[s->free_idx[--s->nfree]];
	pthread_mutex_unlock(&s->pool_mu);
	return c;
}

void sqlite_checkin(store *s, sqlite_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&s->pool_mu);
	s->free_idx[s->nfree++] = (int)(c - s->conns);
	pthread_cond_signal(&s->pool_cv);
	pthread_mutex_unlock(&s->pool_mu);
}

/* Runs one of the cached transaction-control statements. */
static pdt_err run_ctl(sqlite_conn *c, sqlite_stmt_id id, const char *op)
{
	sqlite3_stmt *st = sqlite_stmt(c, id);
	if (!st)
		return PDT_ESTORE;
	pdt_err rc = sqlite_step_done(c, st, op);
	sqlite_stmt_done(st);
	return rc;
}

pdt_err sqlite_write_begin(store *s, sqlite_conn **out)
{
	*out = NULL;
	pthread_mutex_lock(&s->write_mu);
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = run_ctl(c, SQ_BEGIN, "begin");
	if (rc) {
		sqlite_checkin(s, c);
		pthread_mutex_unlock(&s->write_mu);
		return PDT_ESTORE;
	}
	*out = c;
	return PDT_OK;
}

static void rollback(sqlite_conn *c)
{
	/* Some errors (SQLITE_FULL, SQLITE_IOERR...) already rolled back. */
	if (!sqlite3_get_autocommit(c->db))
		run_ctl(c, SQ_ROLLBACK, "rollback");
}

pdt_err sqlite_write_end(store *s, sqlite_conn *c, pdt_err rc)
{
	if (!c)
		return rc;
	if (rc == PDT_OK && run_ctl(c, SQ_COMMIT, "commit") != PDT_OK)
		rc = PDT_ESTORE;
	if (rc != PDT_OK)
		rollback(c);
	sqlite_checkin(s, c);
	pthread_mutex_unlock(&s->write_mu);
	return rc;
}

/* ---- open / close ---- */

/* mkdir -p of the directory part of path, mode 0700. */
static int make_parent_dirs(const char *path)
{
	char *dir = xstrdup(path);
	int ret = 0;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		goto cleanup;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			ret = -1;
			goto cleanup;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
cleanup:
	free(dir);
	return ret;
}

static int exec_pragmas(sqlite3 *db)
{
	static const char *const pragmas[] = {
		"PRAGMA busy_timeout = 5000",
		"PRAGMA foreign_keys = ON",
		"PRAGMA journal_mode = WAL",
		"PRAGMA synchronous = NORMAL",
		/* 1 MiB of page cache per connection (SQLite's default is 2 MiB): a
		 * pool of ten stays small, and the OS page cache does the rest. */
		"PRAGMA cache_size = -1024",
	};
	for (size_t i = 0; i < sizeof pragmas / sizeof pragmas[0]; i++) {
		int rc = sqlite3_exec(db, pragmas[i], NULL, NULL, NULL);
		/* Switching a brand-new file to WAL while another process does the
		 * same can answer BUSY without consulting the busy handler. */
		for (int tries = 0; (rc & 0xff) == SQLITE_BUSY && tries < 50; tries++) {
			sqlite3_sleep(20);
			rc = sqlite3_exec(db, pragmas[i], NULL, NULL, NULL);
		}
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

static pdt_err open_conn(const char *path, sqlite_conn *c, char *err, size_t errlen)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(c->db, 1);
		rc = exec_pragmas(c->db);
	}
	if (rc == SQLITE_OK)
		return PDT_OK;
	snprintf(err, errlen, "DATABASE_URL: cannot open %s: %s", path,
		 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	sqlite3_close(c->db);
	c->db = NULL;
	return PDT_ESTORE;
}

/* Writes the part before "://" when it looks like a scheme, else nothing. */
static void unsupported_scheme(const char *url, char *err, size_t errlen)
{
	const char *end = strstr(url, "://");
	size_t n = end ? (size_t)(end - url) : 0;
	int ok = n > 0 && n <= 16;
	for (size_t i = 0; ok && i < n; i++)
		ok = strchr("abcdefghijklmnopqrstuvwxyz0123456789+.-", url[i]) != NULL;
	if (ok)
		snprintf(err, errlen, "DATABASE_URL: unsupported scheme \"%.*s\"", (int)n, url);
	else
		snprintf(err, errlen, "DATABASE_URL: unsupported scheme");
}

static pdt_err parse_url(const char *url, const char **path, char *err, size_t errlen)
{
	size_t n = strlen(SQLITE_SCHEME);
	if (!url || strncmp(url, SQLITE_SCHEME, n) != 0) {
		unsupported_scheme(url ? url : "", err, errlen);
		return PDT_EINVAL;
	}
	*path = url + n;
	if (**path == '\0') {
		snprintf(err, errlen, "DATABASE_URL: empty sqlite path");
		return PDT_EINVAL;
	}
	return PDT_OK;
}

static store *store_alloc(int pool_size)
{
	store *s = xcalloc(1, sizeof *s);
	s->conns = xcalloc((size_t)pool_size, sizeof *s->conns);
	s->free_idx = xcalloc((size_t)pool_size, sizeof *s->free_idx);
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_cond_init(&s->pool_cv, NULL);
	pthread_mutex_init(&s->write_mu, NULL);
	return s;
}

pdt_err store_open(const char *database_url, int pool_size, store **out, char *err,
		   size_t errlen)
{
	const char *path = NULL;
	store *s = NULL;
	*out = NULL;
	if (errlen)
		err[0] = '\0';
	pdt_err rc = parse_url(database_url, &path, err, errlen);
	if (rc)
		goto cleanup;
	rc = PDT_EINVAL;
	if (pool_size < 1 || pool_size > POOL_MAX) {
		snprintf(err, errlen, "store: pool size must be 1..%d", POOL_MAX);
		goto cleanup;
	}
	if (!sqlite3_threadsafe()) {
		snprintf(err, errlen, "store: SQLite was built without thread support");
		goto cleanup;
	}
	rc = PDT_EIO;
	if (make_parent_dirs(path) != 0) {
		snprintf(err, errlen, "DATABASE_URL: cannot create directory for %s: %s", path,
			 strerror(errno));
		goto cleanup;
	}
	s = store_alloc(pool_size);
	for (int i = 0; i < pool_size; i++) {
		rc = open_conn(path, &s->conns[i], err, errlen);
		if (rc)
			goto cleanup;
		s->nconns++;
		s->free_idx[s->nfree++] = i;
	}
	*out = s;
	s = NULL;
	rc = PDT_OK;
cleanup:
	store_close(s);
	return rc;
}

void store_close(store *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nconns; i++) {
		sqlite_conn *c = &s->conns[i];
		for (int k = 0; k < SQ__COUNT; k++)
			sqlite3_finalize(c->stmts[k]);
		if (sqlite3_close(c->db) != SQLITE_OK)
			log_error("msg=\"store: close failed\" detail=\"%s\"", sqlite3_errmsg(c->db));
	}
	pthread_mutex_destroy(&s->pool_mu);
	pthread_cond_destroy(&s->pool_cv);
	pthread_mutex_destroy(&s->write_mu);
	free(s->conns);
	free(s->free_idx);
	free(s);
}

/* ---- migrations ---- */

static pdt_err exec_sql(sqlite_conn *c, const char *sql, const char *op)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return PDT_OK;
	log_error("msg=\"store: exec failed\" op=%s sqlite_rc=%d detail=\"%s\"", op, rc,
		  msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return PDT_ESTORE;
}

/* Runs a one-shot query returning one integer; *param (if given) binds ?1.
 * Not cached: only migrations and the schema version use it. */
static pdt_err query_int(sqlite_conn *c, const char *sql, const int *param, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	pdt_err rc = PDT_OK;
	int src = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (src == SQLITE_OK && param)
		src = sqlite3_bind_int(st, 1, *param);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		rc = sqlite_fail(c, src == SQLITE_OK ? SQLITE_ERROR : src, "query");
	sqlite3_finalize(st);
	return rc;
}

static const char create_migrations_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
	"name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

static pdt_err record_migration(sqlite_conn *c, const store_migration *m)
{
	sqlite3_stmt *st = NULL;
	pdt_err rc = PDT_ESTORE;
	const char *sql = "INSERT INTO schema_migrations (version, name, applied_at) "
			  "VALUES (?1, ?2, ?3)";
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int(st, 1, m->version) != SQLITE_OK ||
	    sqlite_bind_text(st, 2, m->name) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (int64_t)time(NULL)) != SQLITE_OK) {
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "record migration");
		goto cleanup;
	}
	rc = sqlite_step_done(c, st, "record migration");
cleanup:
	sqlite3_finalize(st);
	return rc;
}

/*
 * Applies m unless schema_migrations already has it, re-checked inside the
 * BEGIN IMMEDIATE transaction so a concurrent migrator cannot apply it twice.
 */
static pdt_err apply_one(store *s, const store_migration *m, int *applied)
{
	sqlite_conn *c = NULL;
	int64_t present = 0;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = query_int(c, "SELECT count(*) FROM schema_migrations WHERE version = ?1",
		       &m->version, &present);
	if (rc || present)
		goto cleanup;
	rc = exec_sql(c, m->sql, m->name);
	if (rc == PDT_OK)
		rc = record_migration(c, m);
	if (rc == PDT_OK) {
		log_info("msg=\"store: migration applied\" version=%d name=%s", m->version, m->name);
		(*applied)++;
	}
cleanup:
	return sqlite_write_end(s, c, rc);
}

pdt_err store_migrate(store *s, int *applied)
{
	int n = 0;
	pdt_err rc = PDT_OK;
	sqlite_conn *c = NULL;
	if (applied)
		*applied = 0;
	rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = sqlite_write_end(s, c, exec_sql(c, create_migrations_sql, "schema_migrations"));
	for (const store_migration *m = store_sqlite_migrations; rc == PDT_OK && m->sql; m++)
		rc = apply_one(s, m, &n);
	if (applied)
		*applied = n;
	return rc;
}

pdt_err store_optimize(store *s)
{
	sqlite_conn *c = NULL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	/* A sampled ANALYZE (analysis_limit) costs milliseconds even on large
	 * tables; PRAGMA optimize would do nothing on a fresh connection. */
	rc = exec_sql(c, "PRAGMA analysis_limit = 1000; ANALYZE", "analyze");
	return sqlite_write_end(s, c, rc);
}

pdt_err store_schema_version(store *s, int *version)
{
	int64_t v = 0;
	*version = 0;
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = query_int(c, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
				  "AND name = 'schema_migrations'", NULL, &v);
	if (rc == PDT_OK && v)
		rc = query_int(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL, &v);
	if (rc == PDT_OK)
		*version = (int)v;
	sqlite_checkin(s, c);
	return rc;
}

pdt_err store_ping(store *s)
{
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = PDT_ESTORE;
	sqlite3_stmt *st = sqlite_stmt(c, SQ_PING);
	if (!st)
		goto cleanup;
	int src = sqlite3_step(st);
	rc = src == SQLITE_ROW ? PDT_OK : sqlite_fail(c, src, "ping");
cleanup:
	sqlite_stmt_done(st);
	sqlite_checkin(s, c);
	return rc;
}
