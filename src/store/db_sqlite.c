/*
 * The SQLite driver of db.h: opening, the connection pool, the writer mutex
 * and BEGIN IMMEDIATE transactions, the statement cache, error mapping and a
 * sampled ANALYZE. The design is described in db_sqlite.h.
 */
#include "store/db_sqlite.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/mem.h"

#include "core/banned.h"

#define SQLITE_SCHEME "sqlite://"

typedef struct sq_conn sq_conn;

typedef struct sq_stmt {
	db_stmt base;     /* first: db_stmt* and sq_stmt* convert */
	sqlite3_stmt *st; /* NULL until first use */
	sq_conn *c;
	pdt_err err; /* first bind failure, returned by step */
} sq_stmt;

enum { CTL_BEGIN, CTL_COMMIT, CTL_ROLLBACK, CTL__COUNT };

struct sq_conn {
	db_conn base; /* first */
	sqlite3 *db;
	sq_stmt stmts[DB__COUNT];
	sqlite3_stmt *ctl[CTL__COUNT]; /* transaction control, prepared lazily */
};

struct db_pool {
	sq_conn *conns;
	int nconns;
	int *free_idx; /* stack of indexes of idle connections */
	int nfree;
	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	pthread_mutex_t write_mu;
};

static sq_stmt *sq(db_stmt *st)
{
	return (sq_stmt *)st;
}

static sq_conn *sqc(db_conn *c)
{
	return (sq_conn *)c;
}

/* ---- errors ---- */

/* Maps a failed SQLite result code to a pdt_err (db.h's mapping). */
static pdt_err sq_fail(sqlite3 *db, int rc, const char *op, const char *sql)
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
		log_error("msg=\"store: database error\" op=%s sqlite_rc=%d detail=\"%s\" "
			  "sql=\"%.48s\"",
			  op, rc, sqlite3_errmsg(db), sql ? sql : "");
		return PDT_ESTORE;
	}
}

/* ---- statements ---- */

static db_stmt *sq_stmt_get(db_conn *dc, db_stmt_id id)
{
	sq_conn *c = sqc(dc);
	sq_stmt *s = &c->stmts[id];
	if (s->st)
		return &s->base;
	const char *sql = db_sql_text(DB_SQLITE, id);
	int rc = sql ? sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL)
		     : SQLITE_MISUSE;
	if (rc != SQLITE_OK) {
		log_error("msg=\"store: prepare failed\" stmt=%d sqlite_rc=%d detail=\"%s\"", (int)id,
			  rc, sqlite3_errmsg(c->db));
		sqlite3_finalize(s->st);
		s->st = NULL;
		return NULL;
	}
	return &s->base;
}

static void sq_stmt_done(db_stmt *st)
{
	sq_stmt *s = sq(st);
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	s->err = PDT_OK;
}

static int sq_param_count(db_stmt *st)
{
	return sqlite3_bind_parameter_count(sq(st)->st);
}

/* Remembers the first failed bind for step. */
static pdt_err sq_bound(sq_stmt *s, int rc)
{
	if (rc == SQLITE_OK)
		return PDT_OK;
	pdt_err e = sq_fail(s->c->db, rc, "bind", sqlite3_sql(s->st));
	if (!s->err)
		s->err = e;
	return e;
}

static pdt_err sq_bind_int64(db_stmt *st, int idx, int64_t v)
{
	return sq_bound(sq(st), sqlite3_bind_int64(sq(st)->st, idx, v));
}

static pdt_err sq_bind_text(db_stmt *st, int idx, const char *v, int len)
{
	return sq_bound(sq(st), sqlite3_bind_text(sq(st)->st, idx, v, len, SQLITE_STATIC));
}

static pdt_err sq_bind_null(db_stmt *st, int idx)
{
	return sq_bound(sq(st), sqlite3_bind_null(sq(st)->st, idx));
}

static int sq_step(db_stmt *st)
{
	sq_stmt *s = sq(st);
	if (s->err)
		return s->err;
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return sq_fail(s->c->db, rc, "step", sqlite3_sql(s->st));
}

static int64_t sq_col_int64(db_stmt *st, int col)
{
	return sqlite3_column_int64(sq(st)->st, col);
}

static const char *sq_col_text(db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(sq(st)->st, col);
}

static bool sq_col_is_null(db_stmt *st, int col)
{
	return sqlite3_column_type(sq(st)->st, col) == SQLITE_NULL;
}

static int64_t sq_changes(db_stmt *st)
{
	return sqlite3_changes(sq(st)->c->db);
}

sqlite3 *db_sqlite_handle(db_conn *c)
{
	return sqc(c)->db;
}

sqlite3_stmt *db_sqlite_cached(db_conn *c, db_stmt_id id)
{
	return sqc(c)->stmts[id].st;
}

/* ---- scripts ---- */

static pdt_err sq_exec(db_conn *dc, const char *sql, const char *op)
{
	sq_conn *c = sqc(dc);
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return PDT_OK;
	log_error("msg=\"store: exec failed\" op=%s sqlite_rc=%d detail=\"%s\"", op, rc,
		  msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return PDT_ESTORE;
}

static pdt_err sq_optimize(db_conn *c)
{
	/* A sampled ANALYZE (analysis_limit) costs milliseconds even on large
	 * tables; PRAGMA optimize would do nothing on a fresh connection. */
	return sq_exec(c, "PRAGMA analysis_limit = 1000; ANALYZE", "analyze");
}

/* ---- pool and transactions ---- */

static db_conn *sq_checkout(db_pool *p)
{
	pthread_mutex_lock(&p->pool_mu);
	while (p->nfree == 0)
		pthread_cond_wait(&p->pool_cv, &p->pool_mu);
	sq_conn *c = &p->conns[p->free_idx[--p->nfree]];
	pthread_mutex_unlock(&p->pool_mu);
	return &c->base;
}

static void sq_checkin(db_pool *p, db_conn *c)
{
	pthread_mutex_lock(&p->pool_mu);
	p->free_idx[p->nfree++] = (int)(sqc(c) - p->conns);
	pthread_cond_signal(&p->pool_cv);
	pthread_mutex_unlock(&p->pool_mu);
}

/* Runs one of the cached transaction-control statements. */
static pdt_err run_ctl(sq_conn *c, int which)
{
	static const char *const sql[CTL__COUNT] = {"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};
	int rc = SQLITE_OK;
	if (!c->ctl[which])
		rc = sqlite3_prepare_v3(c->db, sql[which], -1, SQLITE_PREPARE_PERSISTENT,
					&c->ctl[which], NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(c->ctl[which]);
		sqlite3_reset(c->ctl[which]);
	}
	if (rc == SQLITE_DONE)
		return PDT_OK;
	return sq_fail(c->db, rc, sql[which], NULL);
}

static pdt_err sq_write_begin(db_pool *p, db_conn **out)
{
	*out = NULL;
	pthread_mutex_lock(&p->write_mu);
	db_conn *c = sq_checkout(p);
	if (run_ctl(sqc(c), CTL_BEGIN)) {
		sq_checkin(p, c);
		pthread_mutex_unlock(&p->write_mu);
		return PDT_ESTORE;
	}
	*out = c;
	return PDT_OK;
}

static pdt_err sq_write_end(db_pool *p, db_conn *dc, pdt_err rc)
{
	sq_conn *c = sqc(dc);
	if (rc == PDT_OK && run_ctl(c, CTL_COMMIT) != PDT_OK)
		rc = PDT_ESTORE;
	/* Some errors (SQLITE_FULL, SQLITE_IOERR...) already rolled back. */
	if (rc != PDT_OK && !sqlite3_get_autocommit(c->db))
		run_ctl(c, CTL_ROLLBACK);
	sq_checkin(p, dc);
	pthread_mutex_unlock(&p->write_mu);
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

static pdt_err open_conn(const char *path, sq_conn *c, char *err, size_t errlen)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	c->base.drv = &db_sqlite_driver;
	for (int i = 0; i < DB__COUNT; i++) {
		c->stmts[i].base.drv = &db_sqlite_driver;
		c->stmts[i].c = c;
	}
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

static db_pool *pool_alloc(int pool_size)
{
	db_pool *p = xcalloc(1, sizeof *p);
	p->conns = xcalloc((size_t)pool_size, sizeof *p->conns);
	p->free_idx = xcalloc((size_t)pool_size, sizeof *p->free_idx);
	pthread_mutex_init(&p->pool_mu, NULL);
	pthread_cond_init(&p->pool_cv, NULL);
	pthread_mutex_init(&p->write_mu, NULL);
	return p;
}

static void sq_close(db_pool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nconns; i++) {
		sq_conn *c = &p->conns[i];
		for (int k = 0; k < DB__COUNT; k++)
			sqlite3_finalize(c->stmts[k].st);
		for (int k = 0; k < CTL__COUNT; k++)
			sqlite3_finalize(c->ctl[k]);
		if (sqlite3_close(c->db) != SQLITE_OK)
			log_error("msg=\"store: close failed\" detail=\"%s\"", sqlite3_errmsg(c->db));
	}
	pthread_mutex_destroy(&p->pool_mu);
	pthread_cond_destroy(&p->pool_cv);
	pthread_mutex_destroy(&p->write_mu);
	free(p->conns);
	free(p->free_idx);
	free(p);
}

static pdt_err sq_open(const char *url, int pool_size, db_pool **out, char *err, size_t errlen)
{
	const char *path = url + strlen(SQLITE_SCHEME);
	db_pool *p = NULL;
	pdt_err rc = PDT_EINVAL;
	*out = NULL;
	if (*path == '\0') {
		snprintf(err, errlen, "DATABASE_URL: empty sqlite path");
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
	p = pool_alloc(pool_size);
	for (int i = 0; i < pool_size; i++) {
		rc = open_conn(path, &p->conns[i], err, errlen);
		if (rc)
			goto cleanup;
		p->nconns++;
		p->free_idx[p->nfree++] = i;
	}
	*out = p;
	p = NULL;
	rc = PDT_OK;
cleanup:
	sq_close(p);
	return rc;
}

const db_driver db_sqlite_driver = {
	.scheme = SQLITE_SCHEME,
	.dialect = DB_SQLITE,
	.open = sq_open,
	.close = sq_close,
	.checkout = sq_checkout,
	.checkin = sq_checkin,
	.write_begin = sq_write_begin,
	.write_end = sq_write_end,
	.stmt_get = sq_stmt_get,
	.stmt_done = sq_stmt_done,
	.param_count = sq_param_count,
	.bind_int64 = sq_bind_int64,
	.bind_text = sq_bind_text,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_int64 = sq_col_int64,
	.col_text = sq_col_text,
	.col_is_null = sq_col_is_null,
	.changes = sq_changes,
	.exec = sq_exec,
	.optimize = sq_optimize,
};
