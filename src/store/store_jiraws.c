/* store.h on any db.h driver: Jira workspaces (the user's Jira sites) and
 * card comments. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/db.h"
#include "store/store_internal.h"

#include "core/banned.h"

/* ---- workspaces ---- */

void store_jira_workspace_release(store_jira_workspace *w)
{
	if (!w)
		return;
	free(w->workspace);
	free(w->name);
	free(w->project_keys);
	memset(w, 0, sizeof *w);
}

void store_jira_workspace_list_release(struct store_jira_workspace_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_jira_workspace_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof *l);
}

/* A row in store_sql.c's WS_COLS order. */
static void read_ws(db_stmt *st, store_jira_workspace *w)
{
	w->id = db_col_int64(st, 0);
	w->user_id = db_col_int64(st, 1);
	w->workspace = db_col_dup0(st, 2);
	w->name = db_col_dup0(st, 3);
	w->project_keys = db_col_dup0(st, 4);
	w->is_active = db_col_int(st, 5) != 0;
	w->last_success = db_col_int64(st, 6);
	w->created_at = db_col_int64(st, 7);
	w->updated_at = db_col_int64(st, 8);
}

typedef struct ws_acc {
	struct store_jira_workspace_list *l;
	size_t cap;
} ws_acc;

static void push_ws(db_stmt *st, void *ctx)
{
	ws_acc *a = ctx;
	read_ws(st, db_list_push((void **)&a->l->items, &a->l->n, &a->cap,
				     sizeof *a->l->items));
}

pdt_err store_jira_workspace_list(store *s, int64_t user_id,
				  struct store_jira_workspace_list *out)
{
	ws_acc a = {out, 0};
	memset(out, 0, sizeof *out);
	pdt_err rc = db_each_row(s, DB_WS_LIST, user_id, 0, NULL, push_ws, &a, NULL);
	if (rc)
		store_jira_workspace_list_release(out);
	return rc;
}

pdt_err store_jira_workspace_get(store *s, int64_t user_id, int64_t id,
				 store_jira_workspace *out)
{
	struct store_jira_workspace_list l = {0};
	ws_acc a = {&l, 0};
	memset(out, 0, sizeof *out);
	pdt_err rc = db_each_row(s, DB_WS_GET, user_id, id, NULL, push_ws, &a, NULL);
	if (!rc && l.n == 0)
		rc = PDT_ENOTFOUND;
	if (!rc) {
		*out = l.items[0];
		memset(&l.items[0], 0, sizeof l.items[0]);
	}
	store_jira_workspace_list_release(&l);
	return rc;
}

/* Steps a RETURNING statement: one row into *out (may be NULL); no row is
 * PDT_ENOTFOUND. */
static pdt_err step_ws(db_stmt *st, store_jira_workspace *out)
{
	int src = db_step(st);
	if (src == DB_ROW) {
		if (out)
			read_ws(st, out);
		return PDT_OK;
	}
	return src == DB_DONE ? PDT_ENOTFOUND : (pdt_err)src;
}

static pdt_err ws_insert(db_conn *c, int64_t user_id, const store_jira_workspace_in *in,
			 int64_t now, store_jira_workspace *out)
{
	db_stmt *st = db_stmt_get(c, DB_WS_INSERT);
	if (!st)
		return PDT_ESTORE;
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, in->workspace);
	db_bind_text0(st, 3, in->name ? in->name : in->workspace);
	db_bind_text0(st, 4, in->project_keys);
	db_bind_int(st, 5, in->is_active < 0 ? 1 : in->is_active != 0);
	db_bind_int64(st, 6, now);
	pdt_err rc = step_ws(st, out);
	db_stmt_done(st);
	return rc;
}

pdt_err store_jira_workspace_create(store *s, int64_t user_id, const store_jira_workspace_in *in,
				    int64_t now, store_jira_workspace *out)
{
	db_conn *c = NULL;
	memset(out, 0, sizeof *out);
	if (!in->workspace || !*in->workspace)
		return PDT_EINVAL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = ws_insert(c, user_id, in, now, out);
	rc = db_write_end(s, c, rc);
	if (rc)
		store_jira_workspace_release(out);
	return rc;
}

/* The workspace's sprints, cards and comments go; the user's Jira status is
 * reset so a first read syncs again (last_success goes in DB_WS_UPDATE). */
static pdt_err ws_forget(db_conn *c, int64_t user_id, int64_t id)
{
	const int64_t args[] = {user_id, id};
	pdt_err rc = store_exec_args(c, DB_JIRA_FORGET_COMMENTS, args, 2, 0, NULL);
	if (!rc)
		rc = store_exec_args(c, DB_JIRA_FORGET_CARDS, args, 2, 0, NULL);
	if (!rc)
		rc = store_exec_args(c, DB_JIRA_FORGET_SPRINTS, args, 2, 0, NULL);
	if (!rc)
		rc = store_exec_args(c, DB_JIRA_FORGET_STATUS, args, 1, 0, NULL);
	return rc;
}

static pdt_err ws_update(db_conn *c, int64_t user_id, int64_t id,
			 const store_jira_workspace_in *in, bool forget, int64_t now,
			 store_jira_workspace *out)
{
	db_stmt *st = db_stmt_get(c, DB_WS_UPDATE);
	if (!st)
		return PDT_ESTORE;
	db_bind_int64(st, 1, user_id);
	db_bind_int64(st, 2, id);
	db_bind_text(st, 3, in->workspace);
	db_bind_text(st, 4, in->name);
	db_bind_text(st, 5, in->project_keys);
	db_bind_int(st, 6, in->is_active < 0 ? -1 : in->is_active != 0);
	db_bind_int64(st, 7, now);
	db_bind_int(st, 8, forget);
	pdt_err rc = step_ws(st, out);
	db_stmt_done(st);
	if (!rc && forget)
		rc = ws_forget(c, user_id, id);
	return rc;
}

pdt_err store_jira_workspace_update(store *s, int64_t user_id, int64_t id,
				    const store_jira_workspace_in *in, bool forget, int64_t now,
				    store_jira_workspace *out)
{
	db_conn *c = NULL;
	if (out)
		memset(out, 0, sizeof *out);
	if (in->workspace && !*in->workspace)
		return PDT_EINVAL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = ws_update(c, user_id, id, in, forget, now, out);
	rc = db_write_end(s, c, rc);
	if (rc && out)
		store_jira_workspace_release(out);
	return rc;
}

/* Deletes workspace id of the user on c; PDT_ENOTFOUND when no row went. */
static pdt_err ws_delete(db_conn *c, int64_t user_id, int64_t id)
{
	db_stmt *st = db_stmt_get(c, DB_WS_DELETE);
	if (!st)
		return PDT_ESTORE;
	db_bind_int64(st, 1, user_id);
	db_bind_int64(st, 2, id);
	pdt_err rc = db_step_done(st);
	if (!rc && db_changes(st) == 0)
		rc = PDT_ENOTFOUND;
	db_stmt_done(st);
	return rc;
}

pdt_err store_jira_workspace_delete(store *s, int64_t user_id, int64_t id)
{
	db_conn *c = NULL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = ws_delete(c, user_id, id);
	return db_write_end(s, c, rc);
}

static void read_first_id(db_stmt *st, void *ctx)
{
	int64_t *id = ctx;
	if (!*id)
		*id = db_col_int64(st, 0);
}

pdt_err store_jira_workspace_set_first(store *s, int64_t user_id, const char *workspace,
				       const char *project_keys, bool forget, int64_t now)
{
	db_conn *c = NULL;
	int64_t first = 0;
	store_jira_workspace_in in = {.workspace = workspace, .project_keys = project_keys,
				      .is_active = -1};
	if (!workspace && !project_keys)
		return PDT_OK;
	/* Read before the write lock: the profile is written by its owner only. */
	pdt_err rc = db_each_row(s, DB_WS_LIST, user_id, 0, NULL, read_first_id, &first, NULL);
	if (rc)
		return rc;
	if (!first && (!workspace || !*workspace))
		return PDT_OK; /* keys without a site: nothing to attach them to */
	rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	if (!first) {
		store_jira_workspace w = {0};
		rc = ws_insert(c, user_id, &in, now, &w);
		store_jira_workspace_release(&w);
	} else if (workspace && !*workspace) {
		const int64_t args[] = {user_id};
		rc = ws_delete(c, user_id, first);
		if (!rc)
			rc = store_exec_args(c, DB_JIRA_FORGET_STATUS, args, 1, 0, NULL);
	} else {
		rc = ws_update(c, user_id, first, &in, forget, now, NULL);
	}
	return db_write_end(s, c, rc);
}

pdt_err store_jira_workspace_set_last_success(store *s, int64_t user_id, int64_t id, int64_t t)
{
	db_conn *c = NULL;
	const int64_t args[] = {user_id, id, t};
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = store_exec_args(c, DB_WS_SET_LAST_SUCCESS, args, 3, 0, NULL);
	return db_write_end(s, c, rc);
}

/* ---- comments ---- */

void store_comment_list_release(struct store_comment_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		store_comment *m = &l->items[i];
		free(m->card_key);
		free(m->comment_id);
		free(m->author);
		free(m->author_email);
		free(m->body);
	}
	free(l->items);
	memset(l, 0, sizeof *l);
}

typedef struct comment_acc {
	struct store_comment_list *l;
	size_t cap;
} comment_acc;

/* A row in store_sql.c's COMMENT_COLS order. */
static void push_comment(db_stmt *st, void *ctx)
{
	comment_acc *a = ctx;
	store_comment *m = db_list_push((void **)&a->l->items, &a->l->n, &a->cap,
					    sizeof *a->l->items);
	m->id = db_col_int64(st, 0);
	m->user_id = db_col_int64(st, 1);
	m->workspace_id = db_col_int64(st, 2);
	m->card_key = db_col_dup0(st, 3);
	m->comment_id = db_col_dup0(st, 4);
	m->author = db_col_dup0(st, 5);
	m->author_email = db_col_dup0(st, 6);
	m->body = db_col_dup0(st, 7);
	m->commented_at = db_col_int64(st, 8);
	m->created_at = db_col_int64(st, 9);
}

pdt_err store_comment_list(store *s, int64_t user_id, int64_t workspace_id, const char *key,
			   struct store_comment_list *out)
{
	const int64_t args[] = {user_id, workspace_id};
	comment_acc a = {out, 0};
	memset(out, 0, sizeof *out);
	pdt_err rc = store_each_row_args(s, DB_COMMENT_LIST, args, 2, 3, key, push_comment, &a,
					  NULL);
	if (rc)
		store_comment_list_release(out);
	return rc;
}
