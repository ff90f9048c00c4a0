/* SQLite backend of store.h: users and their profiles. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/sqlite_internal.h"

#include "core/banned.h"

void store_user_release(store_user *u)
{
	if (!u)
		return;
	free(u->email);
	free(u->name);
	free(u->password_hash);
	free(u->github_token_enc);
	free(u->gitlab_token_enc);
	free(u->gitlab_url);
	free(u->jira_email);
	free(u->jira_token_enc);
	free(u->jira_workspace);
	free(u->jira_username);
	free(u->jira_project_keys);
	memset(u, 0, sizeof *u);
}

/* Fills u from a row in sqlite_sql.c's USER_COLS order. */
static void read_user(sqlite3_stmt *st, store_user *u)
{
	u->id = sqlite3_column_int64(st, 0);
	u->email = sqlite_col_dup0(st, 1);
	u->name = sqlite_col_dup0(st, 2);
	u->password_hash = sqlite_col_dup0(st, 3);
	u->github_token_enc = sqlite_col_dup(st, 4);
	u->gitlab_token_enc = sqlite_col_dup(st, 5);
	u->gitlab_url = sqlite_col_dup0(st, 6);
	u->jira_email = sqlite_col_dup0(st, 7);
	u->jira_token_enc = sqlite_col_dup(st, 8);
	u->jira_workspace = sqlite_col_dup0(st, 9);
	u->jira_username = sqlite_col_dup0(st, 10);
	u->jira_project_keys = sqlite_col_dup0(st, 11);
	u->created_at = sqlite3_column_int64(st, 12);
	u->updated_at = sqlite3_column_int64(st, 13);
}

/* Steps a bound user query: one row fills *out, none is PDT_ENOTFOUND. */
static pdt_err step_user(sqlite_conn *c, sqlite3_stmt *st, const char *op, store_user *out)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_user(st, out);
		return PDT_OK;
	}
	return rc == SQLITE_DONE ? PDT_ENOTFOUND : sqlite_fail(c, rc, op);
}

pdt_err store_user_create(store *s, const char *email, const char *name,
			  const char *password_hash, int64_t now, store_user *out)
{
	sqlite_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	if (!email || !*email || !password_hash)
		return PDT_EINVAL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = PDT_ESTORE;
	st = sqlite_stmt(c, SQ_USER_INSERT);
	if (!st)
		goto cleanup;
	if (sqlite_bind_text(st, 1, email) || sqlite_bind_text0(st, 2, name) ||
	    sqlite_bind_text(st, 3, password_hash) || sqlite3_bind_int64(st, 4, now)) {
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "user create bind");
		goto cleanup;
	}
	rc = step_user(c, st, "user create", out);
	if (rc == PDT_ENOTFOUND)
		rc = PDT_ESTORE; /* RETURNING always yields the row */
cleanup:
	sqlite_stmt_done(st);
	rc = sqlite_write_end(s, c, rc);
	if (rc)
		store_user_release(out);
	return rc;
}

/* A single-row user lookup: ?1 is email when given, else uid. */
static pdt_err user_lookup(store *s, sqlite_stmt_id id, const char *email, int64_t uid,
			   store_user *out)
{
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = PDT_ESTORE;
	sqlite3_stmt *st = sqlite_stmt(c, id);
	if (!st)
		goto cleanup;
	int brc = email ? sqlite_bind_text(st, 1, email) : sqlite3_bind_int64(st, 1, uid);
	if (brc) {
		rc = sqlite_fail(c, brc, "user lookup bind");
		goto cleanup;
	}
	rc = step_user(c, st, "user lookup", out);
cleanup:
	sqlite_stmt_done(st);
	sqlite_checkin(s, c);
	return rc;
}

pdt_err store_user_by_email(store *s, const char *email, store_user *out)
{
	memset(out, 0, sizeof *out);
	if (!email)
		return PDT_EINVAL;
	return user_lookup(s, SQ_USER_BY_EMAIL, email, 0, out);
}

pdt_err store_user_by_id(store *s, int64_t id, store_user *out)
{
	memset(out, 0, sizeof *out);
	return user_lookup(s, SQ_USER_BY_ID, NULL, id, out);
}

pdt_err store_user_exists(store *s, int64_t id)
{
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = PDT_ESTORE;
	sqlite3_stmt *st = sqlite_stmt(c, SQ_USER_EXISTS);
	if (!st)
		goto cleanup;
	int src = sqlite3_bind_int64(st, 1, id);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		rc = PDT_OK;
	else if (src == SQLITE_DONE)
		rc = PDT_ENOTFOUND;
	else
		rc = sqlite_fail(c, src, "user exists");
cleanup:
	sqlite_stmt_done(st);
	sqlite_checkin(s, c);
	return rc;
}

static int bind_profile(sqlite3_stmt *st, const store_profile_update *u, int64_t now,
			int64_t user_id)
{
	return sqlite_bind_text(st, 1, u->github_token_enc) ||
	       sqlite_bind_text(st, 2, u->gitlab_token_enc) ||
	       sqlite_bind_text(st, 3, u->gitlab_url) || sqlite_bind_text(st, 4, u->jira_email) ||
	       sqlite_bind_text(st, 5, u->jira_token_enc) ||
	       sqlite_bind_text(st, 6, u->jira_workspace) ||
	       sqlite_bind_text(st, 7, u->jira_username) ||
	       sqlite_bind_text(st, 8, u->jira_project_keys) ||
	       sqlite3_bind_int64(st, 9, now) || sqlite3_bind_int64(st, 10, user_id);
}

pdt_err store_user_update_profile(store *s, int64_t user_id, const store_profile_update *u,
				  int64_t now)
{
	static const store_profile_update none = {0};
	sqlite_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = PDT_ESTORE;
	st = sqlite_stmt(c, SQ_USER_UPDATE_PROFILE);
	if (!st)
		goto cleanup;
	if (bind_profile(st, u ? u : &none, now, user_id)) {
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "profile update bind");
		goto cleanup;
	}
	rc = sqlite_step_done(c, st, "profile update");
	if (rc == PDT_OK && sqlite3_changes(c->db) == 0)
		rc = PDT_ENOTFOUND;
cleanup:
	sqlite_stmt_done(st);
	return sqlite_write_end(s, c, rc);
}
