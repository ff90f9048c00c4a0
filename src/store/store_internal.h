#ifndef PDT_STORE_STORE_INTERNAL_H
#define PDT_STORE_STORE_INTERNAL_H
/*
 * Shared between the store logic files (store_*.c); never included outside
 * src/store. Uses only db.h, so it works on any driver.
 */
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* Inserts one commit of repo_id on c (inside a write transaction) unless the
 * repository has its SHA; *added += 1 when it was new (store_commits.c). */
pdt_err store_commit_insert_one(db_conn *c, int64_t repo_id, const store_commit_in *in,
				int64_t now, size_t *added);

/* As db_each_row, with ?1..?nints bound to ints[] and, when text_idx > 0,
 * ?text_idx to text: statements with more or other parameters
 * (store_jira.c). */
pdt_err store_each_row_args(store *s, db_stmt_id id, const int64_t *ints, int nints,
			    int text_idx, const char *text, void (*row)(db_stmt *st, void *ctx),
			    void *ctx, bool *any);
/* Runs write statement id on c (inside a write transaction) with the same
 * bindings; PDT_OK or the statement's error (store_jira.c). */
pdt_err store_exec_args(db_conn *c, db_stmt_id id, const int64_t *ints, int nints, int text_idx,
			const char *text);

#endif
