/* SQLite backend of store.h: Jira workspaces (the user's Jira sites) and
 * card comments. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/sqlite_internal.h"

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

/* A row in sqlite_sql.c's WS_COLS order. */
static void read_ws(sqlite3_stmt *st, store_jira_workspace *w)
{
	w->id = sqlite3_column_int64(st, 0);
	w->user_id = sqlite3_column_int64(st, 1);
	w->workspace = sqlite_col_dup0(st, 2);
	w->name = sqlite_col_dup0(st, 3);
	w->project_keys = sqlite_col_dup0(st, 4);
	w->is_active = sqlite3_column_int(st, 5) != 0;
	w->last_success = sqlite3_column_int64(st, 6);
	w->created_at = sqlite3_column_int64(st, 7);
	w->updated_at = sqlite3_column_int64(st, 8);
}

typedef struct ws_acc {
	struct store_jira_workspace_list *l;
	size_t cap;
} ws_acc;

static void push_ws(sqlite3_stmt *st, void *ctx)
{
	ws_acc *a = ctx;
	read_ws(st, sqlite_list_push((void **)&a->l->items, &a->l->n, &a->cap,
				     sizeof *a->l->items));
}

pdt_err store_jira_workspace_list(store *s, int64_t user_id,
				  struct store_jira_workspace_list *out)
{
	ws_acc a = {out, 0};
	memset(out, 0, sizeof *out);
	pdt_err rc = sqlite_each_row(s, SQ_WS_LIST, user_id, 0, NULL, push_ws, &a, NULL);
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
	pdt_err rc = sqlite_each_row(s, SQ_WS_GET, user_id, id, NULL, push_ws, &a, NULL);
	if (!rc && l.n == 0)
		rc = PDT_ENOTFOUND;
	if (!rc) {
		*out = l.items[0];
		memset(&l.items[0], 0, sizeof l.items[0]);
	}
	store_jira_workspace_list_release(&l);
	return rc;
}

/* Steps a RETURNING statement: one row into *out (may be NULL). */
static pdt_err step_ws(sqlite_conn *c, sqlite3_stmt *st, const char *op, store_jira_workspace *out)
{
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		if (out)
			read_ws(st, out);
		return PDT_OK;
	}
	return src == SQLITE_DONE ? PDT_ENOTFOUND : sqlite_fail(c, src, op);
}

static pdt_err ws_insert(sqlite_conn *c, int64_t user_id, const store_jira_workspace_in *in,
			 int64_t now, store_jira_workspace *out)
{
	sqlite3_stmt *st = sqlite_stmt(c, SQ_WS_INSERT);
	pdt_err rc;
	if (!st)
		return PDT_ESTORE;
	if (sqlite3_bind_int64(st, 1, user_id) || sqlite_bind_text(st, 2, in->workspace) ||
	    sqlite_bind_text0(st, 3, in->name ? in->name : in->workspace) ||
	    sqlite_bind_text0(st, 4, in->project_keys) ||
	    sqlite3_bind_int(st, 5, in->is_active < 0 ? 1 : in->is_active != 0) ||
	    sqlite3_bind_int64(st, 6, now))
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "workspace bind");
	else
		rc = step_ws(c, st, "workspace insert", out);
	sqlite_stmt_done(st);
	return rc;
}

pdt_err store_jira_workspace_create(store *s, int64_t user_id, const store_jira_workspace_in *in,
				    int64_t now, store_jira_workspace *out)
{
	sqlite_conn *c = NULL;
	memset(out, 0, sizeof *out);
	if (!in->workspace || !*in->workspace)
		return PDT_EINVAL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = ws_insert(c, user_id, in, now, out);
	rc = sqlite_write_end(s, c, rc);
	if (rc)
		store_jira_workspace_release(out);
	return rc;
}

/* The workspace's sprints, cards and comments go; the user's Jira status is
 * reset so a first read syncs again (last_success goes in SQ_WS_UPDATE). */
static pdt_err ws_forget(sqlite_conn *c, int64_t user_id, int64_t id)
{
	const int64_t args[] = {user_id, id};
	pdt_err rc = sqlite_exec_args(c, SQ_JIRA_FORGET_COMMENTS, args, 2, 0, NULL, "forget");
	if (!rc)
		rc = sqlite_exec_args(c, SQ_JIRA_FORGET_CARDS, args, 2, 0, NULL, "forget");
	if (!rc)
		rc = sqlite_exec_args(c, SQ_JIRA_FORGET_SPRINTS, args, 2, 0, NULL, "forget");
	if (!rc)
		rc = sqlite_exec_args(c, SQ_JIRA_FORGET_STATUS, args, 1, 0, NULL, "forget");
	return rc;
}

static pdt_err ws_update(sqlite_conn *c, int64_t user_id, int64_t id,
			 const store_jira_workspace_in *in, bool forget, int64_t now,
			 store_jira_workspace *out)
{
	sqlite3_stmt *st = sqlite_stmt(c, SQ_WS_UPDATE);
	pdt_err rc;
	if (!st)
		return PDT_ESTORE;
	if (sqlite3_bind_int64(st, 1, user_id) || sqlite3_bind_int64(st, 2, id) ||
	    sqlite_bind_text(st, 3, in->workspace) || sqlite_bind_text(st, 4, in->name) ||
	    sqlite_bind_text(st, 5, in->project_keys) ||
	    sqlite3_bind_int(st, 6, in->is_active < 0 ? -1 : in->is_active != 0) ||
	    sqlite3_bind_int64(st, 7, now) || sqlite3_bind_int(st, 8, forget))
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "workspace bind");
	else
		rc = step_ws(c, st, "workspace update", out);
	sqlite_stmt_done(st);
	if (!rc && forget)
		rc = ws_forget(c, user_id, id);
	return rc;
}

pdt_err store_jira_workspace_update(store *s, int64_t user_id, int64_t id,
				    const store_jira_workspace_in *in, bool forget, int64_t now,
				    store_jira_workspace *out)
{
	sqlite_conn *c = NULL;
	if (out)
		memset(out, 0, sizeof *out);
	if (in->workspace && !*in->workspace)
		return PDT_EINVAL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = ws_update(c, user_id, id, in, forget, now, out);
	rc = sqlite_write_end(s, c, rc);
	if (rc && out)
		store_jira_workspace_release(out);
	return rc;
}

pdt_err store_jira_workspace_delete(store *s, int64_t user_id, int64_t id)
{
	sqlite_conn *c = NULL;
	const int64_t args[] = {user_id, id};
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = sqlite_exec_args(c, SQ_WS_DELETE, args, 2, 0, NULL, "workspace delete");
	if (!rc && sqlite3_changes(c->db) == 0)
		rc = PDT_ENOTFOUND;
	return sqlite_write_end(s, c, rc);
}

static void read_first_id(sqlite3_stmt *st, void *ctx)
{
	int64_t *id = ctx;
	if (!*id)
		*id = sqlite3_column_int64(st, 0);
}

pdt_err store_jira_workspace_set_first(store *s, int64_t user_id, const char *workspace,
				       const char *project_keys, bool forget, int64_t now)
{
	sqlite_conn *c = NULL;
	int64_t first = 0;
	store_jira_workspace_in in = {.workspace = workspace, .project_keys = project_keys,
				      .is_active = -1};
	if (!workspace && !project_keys)
		return PDT_OK;
	/* Read before the write lock: the profile is written by its owner only. */
	pdt_err rc = sqlite_each_row(s, SQ_WS_LIST, user_id, 0, NULL, read_first_id, &first, NULL);
	if (rc)
		return rc;
	if (!first && (!workspace || !*workspace))
		return PDT_OK; /* keys without a site: nothing to attach them to */
	rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	if (!first) {
		store_jira_workspace w = {0};
		rc = ws_insert(c, user_id, &in, now, &w);
		store_jira_workspace_release(&w);
	} else if (workspace && !*workspace) {
		const int64_t args[] = {user_id, first};
		rc = sqlite_exec_args(c, SQ_WS_DELETE, args, 2, 0, NULL, "workspace delete");
		if (!rc)
			rc = sqlite_exec_args(c, SQ_JIRA_FORGET_STATUS, args, 1, 0, NULL, "forget");
	} else {
		rc = ws_update(c, user_id, first, &in, forget, now, NULL);
	}
	return sqlite_write_end(s, c, rc);
}

pdt_err store_jira_workspace_set_last_success(store *s, int64_t user_id, int64_t id, int64_t t)
{
	sqlite_conn *c = NULL;
	const int64_t args[] = {user_id, id, t};
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = sqlite_exec_args(c, SQ_WS_SET_LAST_SUCCESS, args, 3, 0, NULL, "last success");
	return sqlite_write_end(s, c, rc);
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

/* A row in sqlite_sql.c's COMMENT_COLS order. */
static void push_comment(sqlite3_stmt *st, void *ctx)
{
	comment_acc *a = ctx;
	store_comment *m = sqlite_list_push((void **)&a->l->items, &a->l->n, &a->cap,
					    sizeof *a->l->items);
	m->id = sqlite3_column_int64(st, 0);
	m->user_id = sqlite3_column_int64(st, 1);
	m->workspace_id = sqlite3_column_int64(st, 2);
	m->card_key = sqlite_col_dup0(st, 3);
	m->comment_id = sqlite_col_dup0(st, 4);
	m->author = sqlite_col_dup0(st, 5);
	m->author_email = sqlite_col_dup0(st, 6);
	m->body = sqlite_col_dup0(st, 7);
	m->commented_at = sqlite3_column_int64(st, 8);
	m->created_at = sqlite3_column_int64(st, 9);
}

pdt_err store_comment_list(store *s, int64_t user_id, int64_t workspace_id, const char *key,
			   struct store_comment_list *out)
{
	const int64_t args[] = {user_id, workspace_id};
	comment_acc a = {out, 0};
	memset(out, 0, sizeof *out);
	pdt_err rc = sqlite_each_row_args(s, SQ_COMMENT_LIST, args, 2, 3, key, push_comment, &a,
					  NULL);
	if (rc)
		store_comment_list_release(out);
	return rc;
}
