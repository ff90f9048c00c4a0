/* SQLite backend of store.h: commit-sync state and per-user sync status. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"
#include "store/sqlite_internal.h"

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

static pdt_err read_heads(sqlite_conn *c, int64_t repo_id, store_repo_sync_state *out)
{
	size_t cap = 0;
	sqlite3_stmt *st = sqlite_stmt(c, SQ_HEADS_GET);
	if (!st)
		return PDT_ESTORE;
	int src = sqlite3_bind_int64(st, 1, repo_id);
	while (src == SQLITE_OK || src == SQLITE_ROW) {
		src = sqlite3_step(st);
		if (src != SQLITE_ROW)
			break;
		store_branch_head *h = sqlite_list_push((void **)&out->heads, &out->nheads, &cap,
							sizeof *out->heads);
		h->name = sqlite_col_dup0(st, 0);
		h->sha = sqlite_col_dup0(st, 1);
	}
	sqlite_stmt_done(st);
	return src == SQLITE_DONE ? PDT_OK : sqlite_fail(c, src, "branch heads");
}

pdt_err store_repo_sync_state_get(store *s, int64_t user_id, int64_t repo_id,
				  store_repo_sync_state *out)
{
	memset(out, 0, sizeof *out);
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = PDT_ESTORE;
	sqlite3_stmt *st = sqlite_stmt(c, SQ_SYNC_STATE_GET);
	if (!st)
		goto cleanup;
	int src = sqlite3_bind_int64(st, 1, user_id);
	if (src == SQLITE_OK)
		src = sqlite3_bind_int64(st, 2, repo_id);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		out->default_branch = sqlite_col_dup0(st, 0);
		out->project_id = sqlite_col_dup(st, 1);
		out->branches_etag = sqlite_col_dup(st, 2);
		out->last_success_at = sqlite3_column_int64(st, 3);
		rc = PDT_OK;
	} else {
		rc = src == SQLITE_DONE ? PDT_ENOTFOUND : sqlite_fail(c, src, "sync state");
	}
	sqlite_stmt_done(st);
	if (!rc)
		rc = read_heads(c, repo_id, out);
cleanup:
	sqlite_checkin(s, c);
	if (rc)
		store_repo_sync_state_release(out);
	return rc;
}

static pdt_err write_heads(sqlite_conn *c, const store_repo_sync_update *u)
{
	pdt_err rc = PDT_OK;
	if (u->prune_heads) {
		sqlite3_stmt *st = sqlite_stmt(c, SQ_HEADS_CLEAR);
		if (!st)
			return PDT_ESTORE;
		rc = sqlite3_bind_int64(st, 1, u->repo_id) ? PDT_ESTORE
							   : sqlite_step_done(c, st, "heads clear");
		sqlite_stmt_done(st);
	}
	for (size_t i = 0; !rc && i < u->nheads; i++) {
		sqlite3_stmt *st = sqlite_stmt(c, SQ_HEAD_UPSERT);
		if (!st)
			return PDT_ESTORE;
		if (sqlite3_bind_int64(st, 1, u->repo_id) ||
		    sqlite_bind_text0(st, 2, u->heads[i].name) ||
		    sqlite_bind_text0(st, 3, u->heads[i].sha))
			rc = sqlite_fail(c, sqlite3_errcode(c->db), "head bind");
		else
			rc = sqlite_step_done(c, st, "head upsert");
		sqlite_stmt_done(st);
	}
	return rc;
}

static pdt_err write_repo(sqlite_conn *c, const store_repo_sync_update *u, int64_t now)
{
	sqlite3_stmt *st = sqlite_stmt(c, SQ_REPO_SYNC_UPDATE);
	if (!st)
		return PDT_ESTORE;
	pdt_err rc;
	if (sqlite3_bind_int64(st, 1, u->user_id) || sqlite3_bind_int64(st, 2, u->repo_id) ||
	    sqlite3_bind_int64(st, 3, now) || sqlite_bind_text(st, 4, u->default_branch) ||
	    sqlite_bind_text(st, 5, u->project_id) || sqlite3_bind_int(st, 6, u->set_etag) ||
	    sqlite_bind_text(st, 7, u->branches_etag) || sqlite3_bind_int(st, 8, u->is_valid) ||
	    sqlite3_bind_int(st, 9, u->success))
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "repo sync bind");
	else
		rc = sqlite_step_done(c, st, "repo sync update");
	if (!rc && sqlite3_changes(c->db) == 0)
		rc = PDT_ENOTFOUND; /* deleted meanwhile, or not this user's */
	sqlite_stmt_done(st);
	return rc;
}

pdt_err store_repo_sync_apply(store *s, const store_repo_sync_update *u, int64_t now,
			      size_t *inserted)
{
	sqlite_conn *c = NULL;
	size_t added = 0;
	if (inserted)
		*inserted = 0;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	/* The repository row first: it proves ownership before anything is written. */
	rc = write_repo(c, u, now);
	for (size_t i = 0; !rc && i < u->ncommits; i++)
		rc = sqlite_commit_insert(c, u->repo_id, &u->commits[i], now, &added);
	if (!rc)
		rc = write_heads(c, u);
	rc = sqlite_write_end(s, c, rc);
	if (!rc && inserted)
		*inserted = added;
	return rc;
}

pdt_err store_users_with_repos(store *s, int64_t **ids, size_t *n)
{
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	sqlite_conn *c = sqlite_checkout(s);
	sqlite3_stmt *st = sqlite_stmt(c, SQ_USERS_WITH_REPOS);
	int src = st ? SQLITE_OK : SQLITE_ERROR;
	while (src == SQLITE_OK || src == SQLITE_ROW) {
		src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			*(int64_t *)sqlite_list_push((void **)ids, n, &cap, sizeof **ids) =
				sqlite3_column_int64(st, 0);
	}
	pdt_err rc = src == SQLITE_DONE ? PDT_OK : st ? sqlite_fail(c, src, "users") : PDT_ESTORE;
	sqlite_stmt_done(st);
	sqlite_checkin(s, c);
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
	sqlite_conn *c = sqlite_checkout(s);
	sqlite3_stmt *st = sqlite_stmt(c, SQ_STATUS_GET);
	pdt_err rc = PDT_ESTORE;
	if (!st)
		goto cleanup;
	int src = sqlite3_bind_int64(st, 1, user_id);
	if (src == SQLITE_OK)
		src = sqlite_bind_text(st, 2, source);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(out->status, sizeof out->status, "%s", t ? (const char *)t : "idle");
		out->last_sync = sqlite3_column_int64(st, 1);
		out->next_sync = sqlite3_column_int64(st, 2);
		out->last_error = sqlite_col_dup(st, 3);
	}
	rc = src == SQLITE_ROW || src == SQLITE_DONE ? PDT_OK : sqlite_fail(c, src, "status get");
	sqlite_stmt_done(st);
cleanup:
	sqlite_checkin(s, c);
	return rc;
}

/* Runs one status statement with (user_id, source[, now, error]) bound. */
static pdt_err status_write(store *s, sqlite_stmt_id id, int64_t user_id, const char *source,
			    int64_t now, const char *error)
{
	sqlite_conn *c = NULL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	sqlite3_stmt *st = sqlite_stmt(c, id);
	if (!st) {
		rc = PDT_ESTORE;
		goto cleanup;
	}
	int src = sqlite3_bind_int64(st, 1, user_id);
	if (src == SQLITE_OK)
		src = sqlite_bind_text(st, 2, source);
	if (src == SQLITE_OK && id == SQ_STATUS_FINISH)
		src = sqlite3_bind_int64(st, 3, now) ||
		      (error ? sqlite3_bind_text(st, 4, error,
						 (int)utf8_fit(error, STORE_ERROR_MAX), SQLITE_STATIC)
			     : sqlite3_bind_null(st, 4));
	rc = src == SQLITE_OK ? sqlite_step_done(c, st, "status write")
			      : sqlite_fail(c, sqlite3_errcode(c->db), "status bind");
	sqlite_stmt_done(st);
cleanup:
	return sqlite_write_end(s, c, rc);
}

pdt_err store_sync_status_abort(store *s, int64_t user_id, const char *source)
{
	return status_write(s, SQ_STATUS_ABORT, user_id, source, 0, NULL);
}

pdt_err store_sync_status_begin(store *s, int64_t user_id, const char *source)
{
	return status_write(s, SQ_STATUS_BEGIN, user_id, source, 0, NULL);
}

pdt_err store_sync_status_finish(store *s, int64_t user_id, const char *source, int64_t now,
				 const char *error)
{
	return status_write(s, SQ_STATUS_FINISH, user_id, source, now, error);
}

pdt_err store_sync_status_reset(store *s, int64_t *n)
{
	sqlite_conn *c = NULL;
	*n = 0;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	sqlite3_stmt *st = sqlite_stmt(c, SQ_STATUS_RESET);
	rc = st ? sqlite_step_done(c, st, "status reset") : PDT_ESTORE;
	if (!rc)
		*n = sqlite3_changes(c->db);
	sqlite_stmt_done(st);
	return sqlite_write_end(s, c, rc);
}

pdt_err store_sync_status_set_next(store *s, const char *source, int64_t t)
{
	sqlite_conn *c = NULL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	sqlite3_stmt *st = sqlite_stmt(c, SQ_STATUS_SET_NEXT);
	if (!st)
		rc = PDT_ESTORE;
	else if (sqlite_bind_text(st, 1, source) || sqlite3_bind_int64(st, 2, t))
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "next sync bind");
	else
		rc = sqlite_step_done(c, st, "next sync");
	sqlite_stmt_done(st);
	return sqlite_write_end(s, c, rc);
}
