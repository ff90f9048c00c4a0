/* SQLite backend of store.h: tracked repositories. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/sqlite_internal.h"

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

/* Fills r from a row in sqlite_sql.c's REPO_COLS order. */
static void read_repo(sqlite3_stmt *st, store_repo *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->user_id = sqlite3_column_int64(st, 1);
	r->name = sqlite_col_dup0(st, 2);
	r->owner = sqlite_col_dup0(st, 3);
	r->provider = sqlite_col_dup0(st, 4);
	r->url = sqlite_col_dup0(st, 5);
	r->is_valid = sqlite3_column_int(st, 6) != 0;
	r->last_synced_at = sqlite3_column_int64(st, 7);
	r->created_at = sqlite3_column_int64(st, 8);
}

static int bind_repo(sqlite3_stmt *st, int64_t user_id, const char *name, const char *owner,
		     const char *provider, const char *url, int64_t now)
{
	return sqlite3_bind_int64(st, 1, user_id) || sqlite_bind_text0(st, 2, name) ||
	       sqlite_bind_text0(st, 3, owner) || sqlite_bind_text(st, 4, provider) ||
	       sqlite_bind_text(st, 5, url) || sqlite3_bind_int64(st, 6, now);
}

pdt_err store_repo_create(store *s, int64_t user_id, const char *name, const char *owner,
			  const char *provider, const char *url, int64_t now, store_repo *out)
{
	sqlite_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	if (!provider || !url || !*url)
		return PDT_EINVAL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = PDT_ESTORE;
	st = sqlite_stmt(c, SQ_REPO_INSERT);
	if (!st)
		goto cleanup;
	if (bind_repo(st, user_id, name, owner, provider, url, now)) {
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "repo create bind");
		goto cleanup;
	}
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		read_repo(st, out);
		rc = PDT_OK;
	} else {
		rc = sqlite_fail(c, src == SQLITE_DONE ? SQLITE_ERROR : src, "repo create");
	}
cleanup:
	sqlite_stmt_done(st);
	rc = sqlite_write_end(s, c, rc);
	if (rc)
		store_repo_release(out);
	return rc;
}

pdt_err store_repo_list(store *s, int64_t user_id, struct store_repo_list *out)
{
	size_t cap = 0;
	memset(out, 0, sizeof *out);
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = PDT_ESTORE;
	sqlite3_stmt *st = sqlite_stmt(c, SQ_REPO_LIST);
	if (!st)
		goto cleanup;
	int src = sqlite3_bind_int64(st, 1, user_id);
	while (src == SQLITE_OK || src == SQLITE_ROW) {
		src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			read_repo(st, sqlite_list_push((void **)&out->items, &out->n, &cap,
						       sizeof *out->items));
	}
	rc = src == SQLITE_DONE ? PDT_OK : sqlite_fail(c, src, "repo list");
cleanup:
	sqlite_stmt_done(st);
	sqlite_checkin(s, c);
	if (rc)
		store_repo_list_release(out);
	return rc;
}

pdt_err store_repo_get(store *s, int64_t user_id, int64_t repo_id, store_repo *out)
{
	memset(out, 0, sizeof *out);
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = PDT_ESTORE;
	sqlite3_stmt *st = sqlite_stmt(c, SQ_REPO_GET);
	if (!st)
		goto cleanup;
	int src = sqlite3_bind_int64(st, 1, user_id);
	if (src == SQLITE_OK)
		src = sqlite3_bind_int64(st, 2, repo_id);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		read_repo(st, out);
		rc = PDT_OK;
	} else {
		rc = src == SQLITE_DONE ? PDT_ENOTFOUND : sqlite_fail(c, src, "repo get");
	}
cleanup:
	sqlite_stmt_done(st);
	sqlite_checkin(s, c);
	return rc;
}

/*
 * Runs a one-row write (SQ_REPO_DELETE, SQ_REPO_SET_VALID) of the user's
 * repository in its own transaction; no row touched is PDT_ENOTFOUND.
 * extra >= 0 binds ?3.
 */
static pdt_err repo_write(store *s, sqlite_stmt_id id, int64_t user_id, int64_t repo_id,
			  int extra, const char *op)
{
	sqlite_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = PDT_ESTORE;
	st = sqlite_stmt(c, id);
	if (!st)
		goto cleanup;
	if (sqlite3_bind_int64(st, 1, user_id) || sqlite3_bind_int64(st, 2, repo_id) ||
	    (extra >= 0 && sqlite3_bind_int(st, 3, extra))) {
		rc = sqlite_fail(c, sqlite3_errcode(c->db), op);
		goto cleanup;
	}
	rc = sqlite_step_done(c, st, op);
	if (rc == PDT_OK && sqlite3_changes(c->db) == 0)
		rc = PDT_ENOTFOUND;
cleanup:
	sqlite_stmt_done(st);
	return sqlite_write_end(s, c, rc);
}

pdt_err store_repo_delete(store *s, int64_t user_id, int64_t repo_id)
{
	return repo_write(s, SQ_REPO_DELETE, user_id, repo_id, -1, "repo delete");
}

pdt_err store_repo_set_valid(store *s, int64_t user_id, int64_t repo_id, bool is_valid)
{
	return repo_write(s, SQ_REPO_SET_VALID, user_id, repo_id, is_valid ? 1 : 0,
			  "repo set valid");
}
