#ifndef PDT_STORE_DB_H
#define PDT_STORE_DB_H
/*
 * db: the small driver interface under store.h. Private to src/store: the
 * store logic (store_users.c, store_repos.c, store_commits.c, store_sync.c,
 * store_jira.c, store_schema.c) uses only this header; a driver (db_sqlite.c;
 * db_pg.c later) implements struct db_driver and never holds store logic.
 *
 * Connections: db_checkout() lends one connection of the store's pool to the
 * calling thread until db_checkin(); writes go through db_write_begin() /
 * db_write_end(), one write transaction at a time per store.
 *
 * Statements: every SQL text lives in db_sql_table[] (store_sql.c), indexed by
 * db_stmt_id; nothing is built at run time. Parameters are numbered ?1..?N
 * (SQLite reads them as they are; the PostgreSQL driver rewrites them to
 * $1..$N when it prepares). A row of db_sql_table[] has one text both dialects
 * accept and, only where they must differ, a `postgres` override. A
 * connection prepares a statement on first use and keeps it until close;
 * db_stmt_done() resets it and clears its bindings.
 *
 * Errors: a failed bind is remembered by the statement and returned by the
 * next db_step(), so callers may chain binds and check only the step. Drivers
 * map database errors the same way: unique/primary key -> PDT_ECONFLICT,
 * foreign key -> PDT_ENOTFOUND, check/not null -> PDT_EINVAL, anything else
 * -> PDT_ESTORE, logged with the driver's message (never with bound values).
 *
 * Ownership: bound strings are borrowed until db_stmt_done(); db_col_text()
 * points into the current row and is valid until the next db_step() or
 * db_stmt_done(); db_col_dup*() return heap copies the caller frees.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

typedef enum db_dialect { DB_SQLITE, DB_POSTGRES } db_dialect;

typedef enum db_stmt_id {
	DB_PING,
	DB_MIG_CREATE,
	DB_MIG_TABLE_EXISTS,
	DB_MIG_HAS,
	DB_MIG_RECORD,
	DB_MIG_MAX,
	DB_USER_INSERT,
	DB_USER_BY_EMAIL,
	DB_USER_BY_ID,
	DB_USER_EXISTS,
	DB_USER_UPDATE_PROFILE,
	DB_REPO_INSERT,
	DB_REPO_LIST,
	DB_REPO_GET,
	DB_REPO_DELETE,
	DB_REPO_SET_VALID,
	DB_REPO_EXISTS,
	DB_COMMIT_LIST,
	DB_COMMIT_LIST_REPO,
	DB_COMMIT_INSERT,
	DB_COMMIT_INSERT_JSON,
	DB_LINK_INSERT,
	DB_LINK_SET_HAS_LINK,
	DB_LINK_NEWEST,
	DB_COMMIT_COUNT,
	DB_SYNC_STATE_GET,
	DB_HEADS_GET,
	DB_HEADS_CLEAR,
	DB_HEAD_UPSERT,
	DB_HEADS_UPSERT_JSON,
	DB_REPO_SYNC_UPDATE,
	DB_USERS_WITH_REPOS,
	DB_STATUS_GET,
	DB_STATUS_BEGIN,
	DB_STATUS_FINISH,
	DB_SPRINT_LIST,
	DB_SPRINT_GET,
	DB_SPRINT_ACTIVE,
	DB_SPRINT_UPSERT,
	DB_SPRINT_ISSUES_SYNCED,
	DB_CARD_LIST,
	DB_CARD_GET,
	DB_CARD_UPSERT,
	DB_STATUS_LAST_SUCCESS,
	DB_STATUS_SET_LAST_SUCCESS,
	DB_USERS_WITH_JIRA,
	DB_STATUS_RESET,
	DB_STATUS_SET_NEXT,
	DB_COUNT_ALL,
	DB_STATUS_ABORT,
	DB_JIRA_FORGET_CARDS,
	DB_JIRA_FORGET_SPRINTS,
	DB_JIRA_FORGET_STATUS,
	DB_SPRINT_DELETE,
	DB_WS_LIST,
	DB_WS_GET,
	DB_WS_INSERT,
	DB_WS_UPDATE,
	DB_WS_DELETE,
	DB_WS_SET_LAST_SUCCESS,
	DB_JIRA_FORGET_COMMENTS,
	DB_COMMENT_UPSERT,
	DB_COMMENT_MARK,
	DB_COMMENT_PRUNE,
	DB_COMMENT_LIST,
	/* reports (store_reports.c) */
	DB_TPL_INSERT,
	DB_TPL_UPDATE,
	DB_TPL_CLEAR_DEFAULT,
	DB_TPL_GET,
	DB_TPL_DEFAULT,
	DB_TPL_LIST,
	DB_TPL_DELETE,
	DB_REP_FIND,
	DB_REP_UPSERT,
	DB_REP_GET,
	DB_REP_LIST,
	DB_REP_DELETE,
	DB_REP_SET_URL,
	DB_AUTO_GET,
	DB_AUTO_ENSURE,
	DB_AUTO_DAILY,
	DB_AUTO_MONTHLY,
	DB_SRC_COMMITS,
	DB_SRC_LINKS,
	DB_SRC_CARDS,
	DB_USERS_WITH_COMMITS,
	DB_LEASE_ENSURE_COMMITS,
	DB_LEASE_ENSURE_JIRA,
	DB_LEASE_CLAIM_DUE,
	DB_LEASE_CLAIM,
	DB_LEASE_EXTEND,
	DB_LEASE_RELEASE,
	DB_LEASE_WAKE,
	DB_BUDGET_GET,
	DB_BUDGET_PUT,
	DB_COPY_TABLES,
	DB_COPY_SELECT_USERS,
	DB_COPY_INSERT_USERS,
	DB_COPY_COUNT_USERS,
	DB_COPY_SEQ_USERS,
	DB_COPY_SELECT_REPOS,
	DB_COPY_INSERT_REPOS,
	DB_COPY_COUNT_REPOS,
	DB_COPY_SEQ_REPOS,
	DB_COPY_SELECT_COMMITS,
	DB_COPY_INSERT_COMMITS,
	DB_COPY_COUNT_COMMITS,
	DB_COPY_SEQ_COMMITS,
	DB_COPY_SELECT_LINKS,
	DB_COPY_INSERT_LINKS,
	DB_COPY_COUNT_LINKS,
	DB_COPY_SEQ_LINKS,
	DB_COPY_SELECT_HEADS,
	DB_COPY_INSERT_HEADS,
	DB_COPY_COUNT_HEADS,
	DB_COPY_SELECT_WS,
	DB_COPY_INSERT_WS,
	DB_COPY_COUNT_WS,
	DB_COPY_SEQ_WS,
	DB_COPY_SELECT_SPRINTS,
	DB_COPY_INSERT_SPRINTS,
	DB_COPY_COUNT_SPRINTS,
	DB_COPY_SEQ_SPRINTS,
	DB_COPY_SELECT_CARDS,
	DB_COPY_INSERT_CARDS,
	DB_COPY_COUNT_CARDS,
	DB_COPY_SEQ_CARDS,
	DB_COPY_SELECT_COMMENTS,
	DB_COPY_INSERT_COMMENTS,
	DB_COPY_COUNT_COMMENTS,
	DB_COPY_SEQ_COMMENTS,
	DB_COPY_SELECT_TEMPLATES,
	DB_COPY_INSERT_TEMPLATES,
	DB_COPY_COUNT_TEMPLATES,
	DB_COPY_SEQ_TEMPLATES,
	DB_COPY_SELECT_REPORTS,
	DB_COPY_INSERT_REPORTS,
	DB_COPY_COUNT_REPORTS,
	DB_COPY_SEQ_REPORTS,
	DB_COPY_SELECT_AUTOSTATE,
	DB_COPY_INSERT_AUTOSTATE,
	DB_COPY_COUNT_AUTOSTATE,
	DB_COPY_SELECT_STATUS,
	DB_COPY_INSERT_STATUS,
	DB_COPY_COUNT_STATUS,
	DB_COPY_SELECT_BUDGETS,
	DB_COPY_INSERT_BUDGETS,
	DB_COPY_COUNT_BUDGETS,
	DB_MIG_LOCK,
	DB__COUNT
} db_stmt_id;

typedef struct db_sql {
	const char *sql;      /* ?N placeholders; SQLite runs it as is */
	const char *postgres; /* NULL: PostgreSQL runs `sql` too */
} db_sql;

/* The SQL of every statement (store_sql.c). */
extern const db_sql db_sql_table[DB__COUNT];

/* The text dialect d runs for id. */
const char *db_sql_text(db_dialect d, db_stmt_id id);

/* db_step() results besides a pdt_err (which are all below 100). */
enum { DB_ROW = 100, DB_DONE = 101 };

typedef struct db_driver db_driver;
typedef struct db_pool db_pool; /* a driver's pool; defined by the driver */

/* A driver embeds these as the first member of its own structs. */
typedef struct db_conn {
	const db_driver *drv;
} db_conn;
typedef struct db_stmt {
	const db_driver *drv;
} db_stmt;

/*
 * What a driver provides (db_sqlite.c, db_pg.c; db.c maps URL schemes to
 * drivers):
 *  - open: parse its URL, open `pool_size` connections (1..DB_POOL_MAX,
 *    checked by the caller), and on failure write one line to err without
 *    the URL's password. close: finalize statements, close connections.
 *  - checkout/checkin: a thread-safe pool; checkout blocks, never fails.
 *  - write_begin: begin a write transaction on a connection. SQLite
 *    serialises writers (the writer lock is taken *before* a connection)
 *    and uses BEGIN IMMEDIATE so no lock upgrade fails later; PostgreSQL
 *    sends BEGIN with the first statement and lets the server order
 *    writers on rows (every store write is an upsert or per user; see
 *    db_pg.h). write_end: COMMIT when rc is PDT_OK
 *    (a failed COMMIT becomes PDT_ESTORE), else ROLLBACK; release all.
 *  - stmt_get: prepare db_sql_text(dialect, id) once per connection (on first
 *    use) and return the cached statement, NULL (logged) when it fails.
 *    stmt_done: reset, clear bindings and the remembered bind error.
 *  - param_count: the highest ?N of the statement.
 *  - bind_int64 / bind_text (len -1: up to the NUL; borrowed) / bind_null:
 *    remember the first failure for step; return it too.
 *  - step: DB_ROW, DB_DONE, or a mapped pdt_err (see Errors above).
 *  - col_int64 (SQL NULL reads 0), col_text (SQL NULL reads NULL),
 *    col_is_null, for the current row; changes: rows changed by the last
 *    write statement st ran (valid before stmt_done).
 *  - exec: run a script of several statements (a migration) on c.
 *  - optimize: refresh planner statistics inside a write transaction on c
 *    (SQLite: sampled ANALYZE; PostgreSQL: ANALYZE of never-analyzed
 *    tables, the rest is autovacuum's).
 */
struct db_driver {
	const char *scheme; /* "sqlite://" */
	db_dialect dialect;
	pdt_err (*open)(const char *url, int pool_size, db_pool **out, char *err, size_t errlen);
	void (*close)(db_pool *p);
	db_conn *(*checkout)(db_pool *p);
	void (*checkin)(db_pool *p, db_conn *c);
	pdt_err (*write_begin)(db_pool *p, db_conn **out);
	pdt_err (*write_end)(db_pool *p, db_conn *c, pdt_err rc);
	db_stmt *(*stmt_get)(db_conn *c, db_stmt_id id);
	void (*stmt_done)(db_stmt *st);
	int (*param_count)(db_stmt *st);
	pdt_err (*bind_int64)(db_stmt *st, int idx, int64_t v);
	pdt_err (*bind_text)(db_stmt *st, int idx, const char *v, int len);
	pdt_err (*bind_null)(db_stmt *st, int idx);
	int (*step)(db_stmt *st);
	int64_t (*col_int64)(db_stmt *st, int col);
	const char *(*col_text)(db_stmt *st, int col);
	bool (*col_is_null)(db_stmt *st, int col);
	int64_t (*changes)(db_stmt *st);
	pdt_err (*exec)(db_conn *c, const char *sql, const char *op);
	pdt_err (*optimize)(db_conn *c);
};

#define DB_POOL_MAX 256

/* ---- connections and transactions (db.c) ---- */

/* Blocks until a connection is idle; never fails. */
db_conn *db_checkout(store *s);
/* Returns c to the pool. NULL is fine. */
void db_checkin(store *s, db_conn *c);
/* Takes a connection (SQLite: and the writer lock) and begins a write transaction. On
 * failure nothing is held and *out is NULL. Pair every PDT_OK with
 * db_write_end(). */
pdt_err db_write_begin(store *s, db_conn **out);
/* COMMIT when rc is PDT_OK, else ROLLBACK; releases what write_begin took.
 * Returns rc, or PDT_ESTORE when the COMMIT failed. c NULL returns rc. */
pdt_err db_write_end(store *s, db_conn *c, pdt_err rc);
/* The dialect of s's driver (to pick migrations). */
db_dialect db_store_dialect(store *s);

/* The dialect of c's driver. */
static inline db_dialect db_conn_dialect(const db_conn *c)
{
	return c->drv->dialect;
}

/* Runs a multi-statement script (a migration) on c. */
pdt_err db_exec(db_conn *c, const char *sql, const char *op);
/* Refreshes planner statistics on c (inside a write transaction). */
pdt_err db_optimize(db_conn *c);

/* ---- statements ---- */

/* The cached statement for id, prepared on first use; NULL (logged) on error. */
static inline db_stmt *db_stmt_get(db_conn *c, db_stmt_id id)
{
	return c->drv->stmt_get(c, id);
}
/* Resets and clears bindings. NULL is fine. */
static inline void db_stmt_done(db_stmt *st)
{
	if (st)
		st->drv->stmt_done(st);
}
/* The highest ?N the statement uses. */
static inline int db_param_count(db_stmt *st)
{
	return st->drv->param_count(st);
}

/* Binds return PDT_OK or the error db_step() will return. */
static inline pdt_err db_bind_int64(db_stmt *st, int idx, int64_t v)
{
	return st->drv->bind_int64(st, idx, v);
}
static inline pdt_err db_bind_int(db_stmt *st, int idx, int v)
{
	return st->drv->bind_int64(st, idx, v);
}
static inline pdt_err db_bind_null(db_stmt *st, int idx)
{
	return st->drv->bind_null(st, idx);
}
/* v NULL binds SQL NULL. */
static inline pdt_err db_bind_text(db_stmt *st, int idx, const char *v)
{
	return v ? st->drv->bind_text(st, idx, v, -1) : st->drv->bind_null(st, idx);
}
/* The first len bytes of v (v not NULL). */
static inline pdt_err db_bind_textn(db_stmt *st, int idx, const char *v, int len)
{
	return st->drv->bind_text(st, idx, v, len);
}
/* v NULL binds "" (for NOT NULL text columns). */
static inline pdt_err db_bind_text0(db_stmt *st, int idx, const char *v)
{
	return st->drv->bind_text(st, idx, v ? v : "", -1);
}
/* A Unix time; 0 binds SQL NULL. */
static inline pdt_err db_bind_time(db_stmt *st, int idx, int64_t t)
{
	return t ? st->drv->bind_int64(st, idx, t) : st->drv->bind_null(st, idx);
}

/* DB_ROW, DB_DONE, or a pdt_err (logged when PDT_ESTORE). */
static inline int db_step(db_stmt *st)
{
	return st->drv->step(st);
}
/* Steps expecting DB_DONE: PDT_OK, or the error (a row is PDT_ESTORE). */
pdt_err db_step_done(db_stmt *st);
/* Rows changed by the statement's last run (before db_stmt_done()). */
static inline int64_t db_changes(db_stmt *st)
{
	return st->drv->changes(st);
}

/* ---- columns of the current row ---- */

static inline int64_t db_col_int64(db_stmt *st, int col)
{
	return st->drv->col_int64(st, col);
}
static inline int db_col_int(db_stmt *st, int col)
{
	return (int)st->drv->col_int64(st, col);
}
static inline bool db_col_is_null(db_stmt *st, int col)
{
	return st->drv->col_is_null(st, col);
}
/* Borrowed text; SQL NULL gives NULL. */
static inline const char *db_col_text(db_stmt *st, int col)
{
	return st->drv->col_text(st, col);
}
/* Heap copy of a text column; SQL NULL gives NULL. */
char *db_col_dup(db_stmt *st, int col);
/* Heap copy of a text column; SQL NULL gives "". */
char *db_col_dup0(db_stmt *st, int col);

/* ---- helpers ---- */

/*
 * Runs read statement id on a pooled connection, binding as many of ?1 =
 * user_id, ?2 = arg and ?3 = text_arg as it has, and calls row() for each
 * row; *any (may be NULL) says whether there was one.
 */
pdt_err db_each_row(store *s, db_stmt_id id, int64_t user_id, int64_t arg, const char *text_arg,
		    void (*row)(db_stmt *st, void *ctx), void *ctx, bool *any);

/* Grows *items (of `size`-byte elements) so index *n is valid; returns it
 * zeroed and increments *n. */
void *db_list_push(void **items, size_t *n, size_t *cap, size_t size);

#endif
