/* store.h on any db.h driver: users and their profiles. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/db.h"

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

/* Fills u from a row in store_sql.c's USER_COLS order. */
static void read_user(db_stmt *st, store_user *u)
{
	u->id = db_col_int64(st, 0);
	u->email = db_col_dup0(st, 1);
	u->name = db_col_dup0(st, 2);
	u->password_hash = db_col_dup0(st, 3);
	u->github_token_enc = db_col_dup(st, 4);
	u->gitlab_token_enc = db_col_dup(st, 5);
	u->gitlab_url = db_col_dup0(st, 6);
	u->jira_email = db_col_dup0(st, 7);
	u->jira_token_enc = db_col_dup(st, 8);
	u->jira_workspace = db_col_dup0(st, 9);
	u->jira_username = db_col_dup0(st, 10);
	u->jira_project_keys = db_col_dup0(st, 11);
	u->created_at = db_col_int64(st, 12);
	u->updated_at = db_col_int64(st, 13);
}

/* Steps a bound user query: one row fills *out, none is PDT_ENOTFOUND. */
static pdt_err step_user(db_stmt *st, store_user *out)
{
	int r = db_step(st);
	if (r == DB_ROW) {
		read_user(st, out);
		return PDT_OK;
	}
	return r == DB_DONE ? PDT_ENOTFOUND : (pdt_err)r;
}

pdt_err store_user_create(store *s, const char *email, const char *name,
			  const char *password_hash, int64_t now, store_user *out)
{
	db_conn *c = NULL;
	db_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	if (!email || !*email || !password_hash)
		return PDT_EINVAL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = PDT_ESTORE;
	st = db_stmt_get(c, DB_USER_INSERT);
	if (!st)
		goto cleanup;
	db_bind_text(st, 1, email);
	db_bind_text0(st, 2, name);
	db_bind_text(st, 3, password_hash);
	db_bind_int64(st, 4, now);
	rc = step_user(st, out);
	if (rc == PDT_ENOTFOUND)
		rc = PDT_ESTORE; /* RETURNING always yields the row */
cleanup:
	db_stmt_done(st);
	rc = db_write_end(s, c, rc);
	if (rc)
		store_user_release(out);
	return rc;
}

/* A single-row user lookup: ?1 is email when given, else uid. */
static pdt_err user_lookup(store *s, db_stmt_id id, const char *email, int64_t uid,
			   store_user *out)
{
	db_conn *c = db_checkout(s);
	pdt_err rc = PDT_ESTORE;
	db_stmt *st = db_stmt_get(c, id);
	if (!st)
		goto cleanup;
	if (email)
		db_bind_text(st, 1, email);
	else
		db_bind_int64(st, 1, uid);
	rc = step_user(st, out);
cleanup:
	db_stmt_done(st);
	db_checkin(s, c);
	return rc;
}

pdt_err store_user_by_email(store *s, const char *email, store_user *out)
{
	memset(out, 0, sizeof *out);
	if (!email)
		return PDT_EINVAL;
	return user_lookup(s, DB_USER_BY_EMAIL, email, 0, out);
}

pdt_err store_user_by_id(store *s, int64_t id, store_user *out)
{
	memset(out, 0, sizeof *out);
	return user_lookup(s, DB_USER_BY_ID, NULL, id, out);
}

pdt_err store_user_exists(store *s, int64_t id)
{
	db_conn *c = db_checkout(s);
	pdt_err rc = PDT_ESTORE;
	db_stmt *st = db_stmt_get(c, DB_USER_EXISTS);
	if (!st)
		goto cleanup;
	db_bind_int64(st, 1, id);
	int r = db_step(st);
	rc = r == DB_ROW ? PDT_OK : r == DB_DONE ? PDT_ENOTFOUND : (pdt_err)r;
cleanup:
	db_stmt_done(st);
	db_checkin(s, c);
	return rc;
}

static void bind_profile(db_stmt *st, const store_profile_update *u, int64_t now,
			 int64_t user_id)
{
	db_bind_text(st, 1, u->github_token_enc);
	db_bind_text(st, 2, u->gitlab_token_enc);
	db_bind_text(st, 3, u->gitlab_url);
	db_bind_text(st, 4, u->jira_email);
	db_bind_text(st, 5, u->jira_token_enc);
	db_bind_text(st, 6, u->jira_workspace);
	db_bind_text(st, 7, u->jira_username);
	db_bind_text(st, 8, u->jira_project_keys);
	db_bind_int64(st, 9, now);
	db_bind_int64(st, 10, user_id);
}

pdt_err store_user_update_profile(store *s, int64_t user_id, const store_profile_update *u,
				  int64_t now)
{
	static const store_profile_update none = {0};
	db_conn *c = NULL;
	db_stmt *st = NULL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = PDT_ESTORE;
	st = db_stmt_get(c, DB_USER_UPDATE_PROFILE);
	if (!st)
		goto cleanup;
	bind_profile(st, u ? u : &none, now, user_id);
	rc = db_step_done(st);
	if (rc == PDT_OK && db_changes(st) == 0)
		rc = PDT_ENOTFOUND;
cleanup:
	db_stmt_done(st);
	return db_write_end(s, c, rc);
}
