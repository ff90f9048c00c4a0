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

#endif
