/* store.h on any db.h driver: tracked repositories. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/db.h"

#include "core/banned.h"

void store_repo_release(store_repo *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->owner);
	free(r->provider);
	free(r->url);
	memset(r, 0, sizeof *r);
}

void store_repo_list_release(struct store_repo_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_repo_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof *l);
}

/* Fills r from a row in store_sql.c's REPO_COLS order. */
static void read_repo(db_stmt *st, store_repo *r)
{
	r->id = db_col_int64(st, 0);
	r->user_id = db_col_int64(st, 1);
	r->name = db_col_dup0(st, 2);
	r->owner = db_col_dup0(st, 3);
	r->provider = db_col_dup0(st, 4);
	r->url = db_col_dup0(st, 5);
	r->is_valid = db_col_int(st, 6) != 0;
	r->last_synced_at = db_col_int64(st, 7);
	r->created_at = db_col_int64(st, 8);
}

static void bind_repo(db_stmt *st, int64_t user_id, const char *name, const char *owner,
		      const char *provider, const char *url, int64_t now)
{
	db_bind_int64(st, 1, user_id);
	db_bind_text0(st, 2, name);
	db_bind_text0(st, 3, owner);
	db_bind_text(st, 4, provider);
	db_bind_text(st, 5, url);
	db_bind_int64(st, 6, now);
}

pdt_err store_repo_create(store *s, int64_t user_id, const char *name, const char *owner,
			  const char *provider, const char *url, int64_t now, store_repo *out)
{
	db_conn *c = NULL;
	db_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	if (!provider || !url || !*url)
		return PDT_EINVAL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = PDT_ESTORE;
	st = db_stmt_get(c, DB_REPO_INSERT);
	if (!st)
		goto cleanup;
	bind_repo(st, user_id, name, owner, provider, url, now);
	int r = db_step(st);
	if (r == DB_ROW) {
		read_repo(st, out);
		rc = PDT_OK;
	} else {
		rc = r == DB_DONE ? PDT_ESTORE : (pdt_err)r; /* RETURNING yields the row */
	}
cleanup:
	db_stmt_done(st);
	rc = db_write_end(s, c, rc);
	if (rc)
		store_repo_release(out);
	return rc;
}

pdt_err store_repo_list(store *s, int64_t user_id, struct store_repo_list *out)
{
	size_t cap = 0;
	memset(out, 0, sizeof *out);
	db_conn *c = db_checkout(s);
	pdt_err rc = PDT_ESTORE;
	db_stmt *st = db_stmt_get(c, DB_REPO_LIST);
	if (!st)
		goto cleanup;
	db_bind_int64(st, 1, user_id);
	int r;
	while ((r = db_step(st)) == DB_ROW)
		read_repo(st, db_list_push((void **)&out->items, &out->n, &cap, sizeof *out->items));
	rc = r == DB_DONE ? PDT_OK : (pdt_err)r;
cleanup:
	db_stmt_done(st);
	db_checkin(s, c);
	if (rc)
		store_repo_list_release(out);
	return rc;
}

pdt_err store_repo_get(store *s, int64_t user_id, int64_t repo_id, store_repo *out)
{
	memset(out, 0, sizeof *out);
	db_conn *c = db_checkout(s);
	pdt_err rc = PDT_ESTORE;
	db_stmt *st = db_stmt_get(c, DB_REPO_GET);
	if (!st)
		goto cleanup;
	db_bind_int64(st, 1, user_id);
	db_bind_int64(st, 2, repo_id);
	int r = db_step(st);
	if (r == DB_ROW) {
		read_repo(st, out);
		rc = PDT_OK;
	} else {
		rc = r == DB_DONE ? PDT_ENOTFOUND : (pdt_err)r;
	}
cleanup:
	db_stmt_done(st);
	db_checkin(s, c);
	return rc;
}

/*
 * Runs a one-row write (DB_REPO_DELETE, DB_REPO_SET_VALID) of the user's
 * repository in its own transaction; no row touched is PDT_ENOTFOUND.
 * extra >= 0 binds ?3.
 */
static pdt_err repo_write(store *s, db_stmt_id id, int64_t user_id, int64_t repo_id, int extra)
{
	db_conn *c = NULL;
	db_stmt *st = NULL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = PDT_ESTORE;
	st = db_stmt_get(c, id);
	if (!st)
		goto cleanup;
	db_bind_int64(st, 1, user_id);
	db_bind_int64(st, 2, repo_id);
	if (extra >= 0)
		db_bind_int(st, 3, extra);
	rc = db_step_done(st);
	if (rc == PDT_OK && db_changes(st) == 0)
		rc = PDT_ENOTFOUND;
cleanup:
	db_stmt_done(st);
	return db_write_end(s, c, rc);
}

pdt_err store_repo_delete(store *s, int64_t user_id, int64_t repo_id)
{
	return repo_write(s, DB_REPO_DELETE, user_id, repo_id, -1);
}

pdt_err store_repo_set_valid(store *s, int64_t user_id, int64_t repo_id, bool is_valid)
{
	return repo_write(s, DB_REPO_SET_VALID, user_id, repo_id, is_valid ? 1 : 0);
}
