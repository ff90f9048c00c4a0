#ifndef PDT_STORE_DB_SQLITE_H
#define PDT_STORE_DB_SQLITE_H
/*
 * The SQLite driver of db.h (db_sqlite.c). Only db.c (the scheme table) and
 * white-box tests include this header; store logic never does.
 *
 * Pool: `pool_size` connections opened once (NOMUTEX: a connection is used by
 * one thread at a time); checkout waits on a condvar when all are busy.
 *
 * Writes: write_begin takes the store-wide writer mutex *before* a connection
 * (so a writer waiting for a connection never holds one another thread
 * needs), then runs BEGIN IMMEDIATE; write_end commits or rolls back and
 * releases both. pdt therefore never has two SQLite writers.
 *
 * Statements: prepared on first use with SQLITE_PREPARE_PERSISTENT and kept
 * per connection; stmt_done resets and clears bindings, so strings bound with
 * SQLITE_STATIC (borrowed from the caller) are never referenced afterwards.
 */
#include <sqlite3.h>

#include "store/db.h"

extern const db_driver db_sqlite_driver;

/* The SQLite handle behind c (tests: pragmas, statement state). */
sqlite3 *db_sqlite_handle(db_conn *c);
/* c's cached statement for id, NULL when not prepared yet; does not prepare. */
sqlite3_stmt *db_sqlite_cached(db_conn *c, db_stmt_id id);

#endif
