#ifndef PDT_STORE_SQLITE_INTERNAL_H
#define PDT_STORE_SQLITE_INTERNAL_H
/*
 * Private to the SQLite backend of store.h (store_sqlite.c, sqlite_*.c).
 *
 * Pool: `nconns` connections opened once; a call checks one out (waiting on a
 * condvar when all are busy) and checks it back in. A connection is used by
 * one thread at a time, which is why they are opened with NOMUTEX.
 *
 * Writes: sqlite_write_begin() takes the store-wide writer mutex *before* a
 * connection (so a writer waiting for a connection never holds one another
 * thread needs), then runs BEGIN IMMEDIATE; sqlite_write_end() commits or
 * rolls back and releases both. pdt therefore never has two SQLite writers.
 *
 * Statements: every SQL text lives in sqlite_sql[] (sqlite_sql.c), indexed by
 * sqlite_stmt_id. Each connection prepares a statement on first use
 * (SQLITE_PREPARE_PERSISTENT) and keeps it; sqlite_stmt_done() resets it and
 * clears its bindings, so strings bound with SQLITE_STATIC (borrowed from the
 * caller) are never referenced after the call.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

typedef enum sqlite_stmt_id {
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_PING,
	SQ_USER_INSERT,
	SQ_USER_BY_EMAIL,
	SQ_USER_BY_ID,
	SQ_USER_EXISTS,
	SQ_USER_UPDATE_PROFILE,
	SQ_REPO_INSERT,
	SQ_REPO_LIST,
	SQ_REPO_GET,
	SQ_REPO_DELETE,
	SQ_REPO_SET_VALID,
	SQ_REPO_EXISTS,
	SQ_COMMIT_LIST,
	SQ_COMMIT_INSERT,
	SQ_LINK_INSERT,
	SQ_LINK_SET_HAS_LINK,
	SQ_LINK_NEWEST,
	SQ_COMMIT_COUNT,
	SQ_SYNC_STATE_GET,
	SQ_HEADS_GET,
	SQ_HEADS_CLEAR,
	SQ_HEAD_UPSERT,
	SQ_REPO_SYNC_UPDATE,
	SQ_USERS_WITH_REPOS,
	SQ_STATUS_GET,
	SQ_STATUS_BEGIN,
	SQ_STATUS_FINISH,
	SQ_SPRINT_LIST,
	SQ_SPRINT_GET,
	SQ_SPRINT_ACTIVE,
	SQ_SPRINT_UPSERT,
	SQ_SPRINT_ISSUES_SYNCED,
	SQ_CARD_LIST,
	SQ_CARD_GET,
	SQ_CARD_UPSERT,
	SQ_STATUS_LAST_SUCCESS,
	SQ_STATUS_SET_LAST_SUCCESS,
	SQ_USERS_WITH_JIRA,
	SQ_STATUS_RESET,
	SQ_STATUS_SET_NEXT,
	SQ_COUNT_ALL,
	SQ_STATUS_ABORT,
	SQ_JIRA_FORGET_CARDS,
	SQ_JIRA_FORGET_SPRINTS,
	SQ_JIRA_FORGET_STATUS,
	SQ_SPRINT_DELETE,
	SQ_WS_LIST,
	SQ_WS_GET,
	SQ_WS_INSERT,
	SQ_WS_UPDATE,
	SQ_WS_DELETE,
	SQ_WS_SET_LAST_SUCCESS,
	SQ_JIRA_FORGET_COMMENTS,
	SQ_COMMENT_UPSERT,
	SQ_COMMENT_MARK,
	SQ_COMMENT_PRUNE,
	SQ_COMMENT_LIST,
	SQ__COUNT
} sqlite_stmt_id;

/* SQL text of each statement id (sqlite_sql.c). */
extern const char *const sqlite_sql[SQ__COUNT];

typedef struct sqlite_conn {
	sqlite3 *db;
	sqlite3_stmt *stmts[SQ__COUNT]; /* prepared lazily, finalized at close */
} sqlite_conn;

struct store {
	sqlite_conn *conns;
	int nconns;
	int *free_idx; /* stack of indexes of idle connections */
	int nfree;
	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	pthread_mutex_t write_mu;
};

/* ---- pool and transactions (store_sqlite.c) ---- */

/* Blocks until a connection is idle; never fails. */
sqlite_conn *sqlite_checkout(store *s);
void sqlite_checkin(store *s, sqlite_conn *c);

/*
 * Takes the writer mutex and a connection, then BEGIN IMMEDIATE. On failure
 * everything is released again and *out is NULL. Pair every PDT_OK with
 * sqlite_write_end().
 */
pdt_err sqlite_write_begin(store *s, sqlite_conn **out);
/* COMMIT when rc is PDT_OK, else ROLLBACK; releases what write_begin took.
 * Returns rc, or PDT_ESTORE when the COMMIT itself failed. */
pdt_err sqlite_write_end(store *s, sqlite_conn *c, pdt_err rc);

/* ---- statements and errors (store_sqlite.c) ---- */

/* The cached statement for id, prepared on first use; NULL (logged) on error. */
sqlite3_stmt *sqlite_stmt(sqlite_conn *c, sqlite_stmt_id id);
/* Resets and clears bindings. NULL is fine. */
void sqlite_stmt_done(sqlite3_stmt *st);

/*
 * Maps a failed SQLite result code to a pdt_err: UNIQUE/PRIMARY KEY ->
 * PDT_ECONFLICT, FOREIGN KEY -> PDT_ENOTFOUND, CHECK/NOT NULL -> PDT_EINVAL,
 * anything else -> PDT_ESTORE (logged with op and SQLite's message).
 */
pdt_err sqlite_fail(sqlite_conn *c, int rc, const char *op);
/* Steps st expecting SQLITE_DONE; maps errors with sqlite_fail(). */
pdt_err sqlite_step_done(sqlite_conn *c, sqlite3_stmt *st, const char *op);

/* Binds v with SQLITE_STATIC, NULL as SQL NULL. Returns an SQLite code. */
int sqlite_bind_text(sqlite3_stmt *st, int idx, const char *v);
/* Same, but NULL binds as "" (for NOT NULL text columns). */
int sqlite_bind_text0(sqlite3_stmt *st, int idx, const char *v);

/* Heap copy of a text column; SQL NULL gives NULL. */
char *sqlite_col_dup(sqlite3_stmt *st, int col);
/* Heap copy of a text column; SQL NULL gives "". */
char *sqlite_col_dup0(sqlite3_stmt *st, int col);

/* Inserts one commit of repo_id on c (inside a write transaction) unless the
 * repository has its SHA; *added += 1 when it was new (sqlite_commits.c). */
pdt_err sqlite_commit_insert(sqlite_conn *c, int64_t repo_id, const store_commit_in *in,
			     int64_t now, size_t *added);

/* Binds a Unix time, 0 as SQL NULL. Returns an SQLite code. */
int sqlite_bind_time(sqlite3_stmt *st, int idx, int64_t t);
/* Runs a read statement, binding as many of ?1 = user_id, ?2 = arg and
 * ?3 = text_arg as it has, and calls row() for each row; *any (may be NULL)
 * says whether there was one. */
pdt_err sqlite_each_row(store *s, sqlite_stmt_id id, int64_t user_id, int64_t arg,
			const char *text_arg, void (*row)(sqlite3_stmt *st, void *ctx), void *ctx,
			bool *any);

/* The same with ?1..?nints bound to ints[] and, when text_idx > 0,
 * ?text_idx to text (statements with more or other parameters). */
pdt_err sqlite_each_row_args(store *s, sqlite_stmt_id id, const int64_t *ints, int nints,
			     int text_idx, const char *text,
			     void (*row)(sqlite3_stmt *st, void *ctx), void *ctx, bool *any);
/* Runs a write statement on c with ?1..?nints = ints[] and, when text_idx > 0,
 * ?text_idx = text. */
pdt_err sqlite_exec_args(sqlite_conn *c, sqlite_stmt_id id, const int64_t *ints, int nints,
			 int text_idx, const char *text, const char *op);

/* Grows *items (of `size`-byte elements) so index *n is valid; returns it
 * zeroed and increments *n. */
void *sqlite_list_push(void **items, size_t *n, size_t *cap, size_t size);

#endif
