#ifndef PDT_STORE_DB_PG_H
#define PDT_STORE_DB_PG_H
/*
 * The PostgreSQL driver of db.h (db_pg.c), through libpq. Only db.c (the
 * scheme table) and tests include this header; store logic never does.
 *
 * URL: DATABASE_URL postgres://... or postgresql://... is handed to libpq
 * as is (PQconnectdbParams with expand_dbname), so sslmode, sslrootcert,
 * options, application_name and the rest of libpq's URI parameters pass
 * through. pdt adds connect_timeout=5 and application_name=pdt unless the
 * URL sets them. No error line ever contains the URL or its password.
 *
 * Pool: `pool_size` connections (DATABASE_POOL_SIZE, default 8), opened at
 * start; checkout waits on a condvar when all are busy. At checkout a
 * connection is checked without a round trip (PQconsumeInput reads a
 * server's goodbye and EOF after a restart) and reset (PQreset) when dead;
 * its prepared statements are then prepared again lazily.
 *
 * Statements: prepared once per connection on first step (PQprepare with ?N
 * rewritten to $N), executed with PQexecPrepared; parameters go as text
 * (integers in decimal, strings copied when bound with a length), the rows
 * of the result are walked one db_step() at a time. Parameters a statement
 * numbers but never uses (db_each_row binds ?1..?3 by position) are declared
 * `text` so PostgreSQL can prepare it.
 *
 * Writes: no process-wide writer lock. write_begin takes a pooled
 * connection and the transaction's first statement goes out after a BEGIN
 * (READ COMMITTED) in one pipeline, so a BEGIN costs no round trip of its
 * own (a script, db_exec, sends it first); a transaction that ran nothing
 * sends nothing. PostgreSQL serialises writers on rows.
 * Every store write is an upsert (ON CONFLICT) or touches rows of one user,
 * which pdt's per-user locks already serialise; migrations take a
 * transaction-level advisory lock (DB_MIG_LOCK) so two replicas starting
 * together apply each version once.
 *
 * Errors: SQLSTATE 23505 -> PDT_ECONFLICT, 23503 -> PDT_ENOTFOUND,
 * 23514/23502 -> PDT_EINVAL; a lost connection (no SQLSTATE, class 08,
 * 57P01..57P03) -> PDT_EUNAVAIL (HTTP 503 "database unavailable"); anything
 * else -> PDT_ESTORE, logged with the SQLSTATE and the primary message (for
 * class 22, data exceptions, which can quote a value, the SQLSTATE only).
 *
 * optimize: nothing. PostgreSQL's autovacuum keeps planner statistics
 * (autoanalyze); an ANALYZE after every pass of every replica would repeat it.
 */
#include <stddef.h>

#include "store/db.h"

extern const db_driver db_pg_driver;

/* Highest ?N a statement may use. */
#define DB_PG_MAX_PARAMS 16

/*
 * Rewrites ?N placeholders of sql to $N into out (outlen >= strlen(sql)+1:
 * the text never grows), leaving quoted literals and identifiers alone.
 * *nparams gets the highest N; bit N-1 of *used is set for each N used.
 * Returns PDT_EINVAL for a bare '?', ?0, N > DB_PG_MAX_PARAMS or outlen too
 * small.
 */
pdt_err db_pg_rewrite(const char *sql, char *out, size_t outlen, int *nparams, unsigned *used);

/* The pdt_err for a SQLSTATE (NULL: no SQLSTATE, a client-side failure). */
pdt_err db_pg_map_sqlstate(const char *sqlstate);

#endif
