#ifndef PDT_STORE_STORE_INTERNAL_H
#define PDT_STORE_STORE_INTERNAL_H
/*
 * Shared between the store logic files (store_*.c); never included outside
 * src/store. Uses only db.h, so it works on any driver.
 */
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* Inserts the n commits of repo_id on c (inside a write transaction), in
 * order, skipping SHAs the repository already has; *added += how many were
 * new. An item without a SHA is PDT_EINVAL before anything is sent
 * (store_commits.c). */
pdt_err store_commit_insert_many(db_conn *c, int64_t repo_id, const store_commit_in *items,
				 size_t n, int64_t now, size_t *added);

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
