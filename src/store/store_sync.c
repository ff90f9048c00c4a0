/* store.h on any db.h driver: commit-sync state and per-user sync status. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "core/jsonw.h"
#include "store/store_internal.h"

#include "core/banned.h"

void store_repo_sync_state_release(store_repo_sync_state *st)
{
	if (!st)
		return;
	free(st->default_branch);
	free(st->project_id);
	free(st->branches_etag);
	for (size_t i = 0; i < st->nheads; i++) {
		free(st->heads[i].name);
		free(st->heads[i].sha);
	}
	free(st->heads);
	memset(st, 0, sizeof *st);
}

static pdt_err read_heads(db_conn *c, int64_t repo_id, store_repo_sync_state *out)
{
	size_t cap = 0;
	db_stmt *st = db_stmt_get(c, DB_HEADS_GET);
	if (!st)
		return PDT_ESTORE;
	db_bind_int64(st, 1, repo_id);
	int r;
	while ((r = db_step(st)) == DB_ROW) {
		store_branch_head *h = db_list_push((void **)&out->heads, &out->nheads, &cap,
						    sizeof *out->heads);
		h->name = db_col_dup0(st, 0);
		h->sha = db_col_dup0(st, 1);
	}
	db_stmt_done(st);
	return r == DB_DONE ? PDT_OK : (pdt_err)r;
}

pdt_err store_repo_sync_state_get(store *s, int64_t user_id, int64_t repo_id,
				  store_repo_sync_state *out)
{
	memset(out, 0, sizeof *out);
	db_conn *c = db_checkout(s);
	pdt_err rc = PDT_ESTORE;
	db_stmt *st = db_stmt_get(c, DB_SYNC_STATE_GET);
	if (!st)
		goto cleanup;
	db_bind_int64(st, 1, user_id);
	db_bind_int64(st, 2, repo_id);
	int r = db_step(st);
	if (r == DB_ROW) {
		out->default_branch = db_col_dup0(st, 0);
		out->project_id = db_col_dup(st, 1);
		out->branches_etag = db_col_dup(st, 2);
		out->last_success_at = db_col_int64(st, 3);
		rc = PDT_OK;
	} else {
		rc = r == DB_DONE ? PDT_ENOTFOUND : (pdt_err)r;
	}
	db_stmt_done(st);
	if (!rc)
		rc = read_heads(c, repo_id, out);
cleanup:
	db_checkin(s, c);
	if (rc)
		store_repo_sync_state_release(out);
	return rc;
}

/* Branch names and SHAs are bounded upstream strings: far below this. */
#define HEADS_TEXT_MAX ((size_t)1 << 30)

/* All heads in one DB_HEADS_UPSERT_JSON statement: on PostgreSQL one round
 * trip instead of one per branch (SQLite, in-process, keeps the loop). */
static pdt_err upsert_heads_json(db_conn *c, const store_repo_sync_update *u)
{
	buf b = BUF_INIT(HEADS_TEXT_MAX);
	pdt_err rc = buf_appendc(&b, '[');
	for (size_t i = 0; !rc && i < u->nheads; i++) {
		rc = buf_appends(&b, i ? ",{\"n\":" : "{\"n\":");
		rc = rc ? rc : jsonw_str(&b, u->heads[i].name);
		rc = rc ? rc : buf_appends(&b, ",\"s\":");
		rc = rc ? rc : jsonw_str(&b, u->heads[i].sha);
		rc = rc ? rc : buf_appendc(&b, '}');
	}
	rc = rc ? rc : buf_appendc(&b, ']');
	db_stmt *st = rc ? NULL : db_stmt_get(c, DB_HEADS_UPSERT_JSON);
	if (st) {
		db_bind_int64(st, 1, u->repo_id);
		db_bind_text(st, 2, b.data); /* borrowed until db_stmt_done */
		rc = db_step_done(st);
		db_stmt_done(st);
	} else if (!rc) {
		rc = PDT_ESTORE;
	}
	buf_release(&b);
	return rc;
}

static pdt_err write_heads(db_conn *c, const store_repo_sync_update *u)
{
	pdt_err rc = PDT_OK;
	if (u->prune_heads) {
		db_stmt *st = db_stmt_get(c, DB_HEADS_CLEAR);
		if (!st)
			return PDT_ESTORE;
		db_bind_int64(st, 1, u->repo_id);
		rc = db_step_done(st);
		db_stmt_done(st);
	}
	if (!rc && u->nheads > 1 && db_conn_dialect(c) == DB_POSTGRES)
		return upsert_heads_json(c, u);
	for (size_t i = 0; !rc && i < u->nheads; i++) {
		db_stmt *st = db_stmt_get(c, DB_HEAD_UPSERT);
		if (!st)
			return PDT_ESTORE;
		db_bind_int64(st, 1, u->repo_id);
		db_bind_text0(st, 2, u->heads[i].name);
		db_bind_text0(st, 3, u->heads[i].sha);
		rc = db_step_done(st);
		db_stmt_done(st);
	}
	return rc;
}

static pdt_err write_repo(db_conn *c, const store_repo_sync_update *u, int64_t now)
{
	db_stmt *st = db_stmt_get(c, DB_REPO_SYNC_UPDATE);
	if (!st)
		return PDT_ESTORE;
	db_bind_int64(st, 1, u->user_id);
	db_bind_int64(st, 2, u->repo_id);
	db_bind_int64(st, 3, now);
	db_bind_text(st, 4, u->default_branch);
	db_bind_text(st, 5, u->project_id);
	db_bind_int(st, 6, u->set_etag);
	db_bind_text(st, 7, u->branches_etag);
	db_bind_int(st, 8, u->is_valid);
	db_bind_int(st, 9, u->success);
	pdt_err rc = db_step_done(st);
	if (!rc && db_changes(st) == 0)
		rc = PDT_ENOTFOUND; /* deleted meanwhile, or not this user's */
	db_stmt_done(st);
	return rc;
}

pdt_err store_repo_sync_apply(store *s, const store_repo_sync_update *u, int64_t now,
			      size_t *inserted)
{
	db_conn *c = NULL;
	size_t added = 0;
	if (inserted)
		*inserted = 0;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	/* The repository row first: it proves ownership before anything is written. */
	rc = write_repo(c, u, now);
	if (!rc)
		rc = store_commit_insert_many(c, u->repo_id, u->commits, u->ncommits, now, &added);
	if (!rc)
		rc = write_heads(c, u);
	rc = db_write_end(s, c, rc);
	if (!rc && inserted)
		*inserted = added;
	return rc;
}

pdt_err store_users_with_repos(store *s, int64_t **ids, size_t *n)
{
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	db_conn *c = db_checkout(s);
	db_stmt *st = db_stmt_get(c, DB_USERS_WITH_REPOS);
	int r = PDT_ESTORE;
	while (st && (r = db_step(st)) == DB_ROW)
		*(int64_t *)db_list_push((void **)ids, n, &cap, sizeof **ids) = db_col_int64(st, 0);
	pdt_err rc = r == DB_DONE ? PDT_OK : (pdt_err)r;
	db_stmt_done(st);
	db_checkin(s, c);
	if (rc) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

void store_sync_status_release(store_sync_status *st)
{
	if (!st)
		return;
	free(st->last_error);
	memset(st, 0, sizeof *st);
}

pdt_err store_sync_status_get(store *s, int64_t user_id, const char *source,
			      store_sync_status *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->status, sizeof out->status, "idle");
	db_conn *c = db_checkout(s);
	db_stmt *st = db_stmt_get(c, DB_STATUS_GET);
	pdt_err rc = PDT_ESTORE;
	if (!st)
		goto cleanup;
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, source);
	int r = db_step(st);
	if (r == DB_ROW) {
		const char *t = db_col_text(st, 0);
		snprintf(out->status, sizeof out->status, "%s", t ? t : "idle");
		out->last_sync = db_col_int64(st, 1);
		out->next_sync = db_col_int64(st, 2);
		out->last_error = db_col_dup(st, 3);
	}
	rc = r == DB_ROW || r == DB_DONE ? PDT_OK : (pdt_err)r;
	db_stmt_done(st);
cleanup:
	db_checkin(s, c);
	return rc;
}

/* Runs one status statement with (user_id, source[, now, error]) bound. */
static pdt_err status_write(store *s, db_stmt_id id, int64_t user_id, const char *source,
			    int64_t now, const char *error)
{
	db_conn *c = NULL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	db_stmt *st = db_stmt_get(c, id);
	if (!st) {
		rc = PDT_ESTORE;
		goto cleanup;
	}
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, source);
	if (id == DB_STATUS_FINISH) {
		db_bind_int64(st, 3, now);
		if (error)
			db_bind_textn(st, 4, error, (int)utf8_fit(error, STORE_ERROR_MAX));
		else
			db_bind_null(st, 4);
	}
	rc = db_step_done(st);
	db_stmt_done(st);
cleanup:
	return db_write_end(s, c, rc);
}

pdt_err store_sync_status_abort(store *s, int64_t user_id, const char *source)
{
	return status_write(s, DB_STATUS_ABORT, user_id, source, 0, NULL);
}

pdt_err store_sync_status_begin(store *s, int64_t user_id, const char *source)
{
	return status_write(s, DB_STATUS_BEGIN, user_id, source, 0, NULL);
}

pdt_err store_sync_status_finish(store *s, int64_t user_id, const char *source, int64_t now,
				 const char *error)
{
	return status_write(s, DB_STATUS_FINISH, user_id, source, now, error);
}

pdt_err store_sync_status_reset(store *s, int64_t now_ms, int64_t *n)
{
	db_conn *c = NULL;
	*n = 0;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	db_stmt *st = db_stmt_get(c, DB_STATUS_RESET);
	if (st)
		db_bind_int64(st, 1, now_ms);
	rc = st ? db_step_done(st) : PDT_ESTORE;
	if (!rc)
		*n = db_changes(st);
	db_stmt_done(st);
	return db_write_end(s, c, rc);
}

pdt_err store_sync_status_set_next(store *s, const char *source, int64_t t)
{
	db_conn *c = NULL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	db_stmt *st = db_stmt_get(c, DB_STATUS_SET_NEXT);
	if (!st) {
		rc = PDT_ESTORE;
	} else {
		db_bind_text(st, 1, source);
		db_bind_int64(st, 2, t);
		rc = db_step_done(st);
	}
	db_stmt_done(st);
	return db_write_end(s, c, rc);
}
