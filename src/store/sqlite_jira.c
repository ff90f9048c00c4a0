/* SQLite backend of store.h: Jira sprints and cards, Jira sync bookkeeping. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/sqlite_internal.h"

#include "core/banned.h"

int sqlite_bind_time(sqlite3_stmt *st, int idx, int64_t t)
{
	return t ? sqlite3_bind_int64(st, idx, t) : sqlite3_bind_null(st, idx);
}

pdt_err sqlite_each_row(store *s, sqlite_stmt_id id, int64_t user_id, int64_t arg,
			const char *text_arg, void (*row)(sqlite3_stmt *st, void *ctx), void *ctx,
			bool *any)
{
	sqlite_conn *c = sqlite_checkout(s);
	sqlite3_stmt *st = sqlite_stmt(c, id);
	int np = st ? sqlite3_bind_parameter_count(st) : 0;
	int src = st ? SQLITE_OK : SQLITE_ERROR;
	if (src == SQLITE_OK && np >= 1)
		src = sqlite3_bind_int64(st, 1, user_id);
	if (src == SQLITE_OK && np >= 2)
		src = sqlite3_bind_int64(st, 2, arg);
	if (src == SQLITE_OK && np >= 3)
		src = sqlite_bind_text(st, 3, text_arg);
	if (any)
		*any = false;
	while (src == SQLITE_OK || src == SQLITE_ROW) {
		src = sqlite3_step(st);
		if (src != SQLITE_ROW)
			break;
		if (any)
			*any = true;
		row(st, ctx);
	}
	pdt_err rc = src == SQLITE_DONE ? PDT_OK : st ? sqlite_fail(c, src, "read") : PDT_ESTORE;
	sqlite_stmt_done(st);
	sqlite_checkin(s, c);
	return rc;
}

static int bind_args(sqlite3_stmt *st, const int64_t *ints, int nints, int text_idx,
		     const char *text)
{
	int src = SQLITE_OK;
	for (int i = 0; src == SQLITE_OK && i < nints; i++)
		src = sqlite3_bind_int64(st, i + 1, ints[i]);
	if (src == SQLITE_OK && text_idx > 0)
		src = sqlite_bind_text(st, text_idx, text);
	return src;
}

pdt_err sqlite_each_row_args(store *s, sqlite_stmt_id id, const int64_t *ints, int nints,
			     int text_idx, const char *text,
			     void (*row)(sqlite3_stmt *st, void *ctx), void *ctx, bool *any)
{
	sqlite_conn *c = sqlite_checkout(s);
	sqlite3_stmt *st = sqlite_stmt(c, id);
	int src = st ? bind_args(st, ints, nints, text_idx, text) : SQLITE_ERROR;
	if (any)
		*any = false;
	while (src == SQLITE_OK || src == SQLITE_ROW) {
		src = sqlite3_step(st);
		if (src != SQLITE_ROW)
			break;
		if (any)
			*any = true;
		row(st, ctx);
	}
	pdt_err rc = src == SQLITE_DONE ? PDT_OK : st ? sqlite_fail(c, src, "read") : PDT_ESTORE;
	sqlite_stmt_done(st);
	sqlite_checkin(s, c);
	return rc;
}

pdt_err sqlite_exec_args(sqlite_conn *c, sqlite_stmt_id id, const int64_t *ints, int nints,
			 int text_idx, const char *text, const char *op)
{
	sqlite3_stmt *st = sqlite_stmt(c, id);
	pdt_err rc;
	if (!st)
		return PDT_ESTORE;
	if (bind_args(st, ints, nints, text_idx, text))
		rc = sqlite_fail(c, sqlite3_errcode(c->db), op);
	else
		rc = sqlite_step_done(c, st, op);
	sqlite_stmt_done(st);
	return rc;
}

/* ---- sprints ---- */

void store_sprint_release(store_sprint *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->state);
	memset(s, 0, sizeof *s);
}

void store_sprint_list_release(struct store_sprint_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_sprint_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof *l);
}

static void read_sprint(sqlite3_stmt *st, store_sprint *s)
{
	s->id = sqlite3_column_int64(st, 0);
	s->user_id = sqlite3_column_int64(st, 1);
	s->jira_sprint_id = sqlite3_column_int64(st, 2);
	s->board_id = sqlite3_column_int64(st, 3);
	s->name = sqlite_col_dup0(st, 4);
	s->state = sqlite_col_dup0(st, 5);
	s->start_date = sqlite3_column_int64(st, 6);
	s->end_date = sqlite3_column_int64(st, 7);
	s->complete_date = sqlite3_column_int64(st, 8);
	s->issues_synced_at = sqlite3_column_int64(st, 9);
	s->created_at = sqlite3_column_int64(st, 10);
	s->workspace_id = sqlite3_column_int64(st, 11);
}

typedef struct list_acc {
	void **items;
	size_t *n;
	size_t cap;
	size_t size;
	void (*read)(sqlite3_stmt *, void *);
} list_acc;

static void push_row(sqlite3_stmt *st, void *ctx)
{
	list_acc *a = ctx;
	a->read(st, sqlite_list_push(a->items, a->n, &a->cap, a->size));
}

static void read_sprint_v(sqlite3_stmt *st, void *out)
{
	read_sprint(st, out);
}

pdt_err store_sprint_list(store *s, int64_t user_id, int64_t workspace_id,
			  struct store_sprint_list *out)
{
	memset(out, 0, sizeof *out);
	list_acc a = {(void **)&out->items, &out->n, 0, sizeof *out->items, read_sprint_v};
	pdt_err rc = sqlite_each_row(s, SQ_SPRINT_LIST, user_id, workspace_id, NULL, push_row, &a,
				     NULL);
	if (rc)
		store_sprint_list_release(out);
	return rc;
}

static pdt_err one_sprint(store *s, sqlite_stmt_id id, int64_t user_id, int64_t arg,
			  store_sprint *out)
{
	struct store_sprint_list l = {0};
	list_acc a = {(void **)&l.items, &l.n, 0, sizeof *l.items, read_sprint_v};
	memset(out, 0, sizeof *out);
	pdt_err rc = sqlite_each_row(s, id, user_id, arg, NULL, push_row, &a, NULL);
	if (!rc && l.n == 0)
		rc = PDT_ENOTFOUND;
	if (!rc) {
		*out = l.items[0];
		memset(&l.items[0], 0, sizeof l.items[0]);
	}
	store_sprint_list_release(&l);
	return rc;
}

pdt_err store_sprint_get(store *s, int64_t user_id, int64_t sprint_id, store_sprint *out)
{
	return one_sprint(s, SQ_SPRINT_GET, user_id, sprint_id, out);
}

pdt_err store_sprint_active(store *s, int64_t user_id, int64_t workspace_id, store_sprint *out)
{
	return one_sprint(s, SQ_SPRINT_ACTIVE, user_id, workspace_id, out);
}

/* ---- cards ---- */

void store_card_release(store_card *c)
{
	if (!c)
		return;
	free(c->key);
	free(c->summary);
	free(c->status);
	free(c->assignee);
	free(c->issue_type);
	free(c->details_json);
	free(c->description);
	memset(c, 0, sizeof *c);
}

void store_card_list_release(struct store_card_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_card_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof *l);
}

static void read_card_v(sqlite3_stmt *st, void *out)
{
	store_card *c = out;
	c->id = sqlite3_column_int64(st, 0);
	c->user_id = sqlite3_column_int64(st, 1);
	c->key = sqlite_col_dup0(st, 2);
	c->summary = sqlite_col_dup0(st, 3);
	c->status = sqlite_col_dup0(st, 4);
	c->assignee = sqlite_col_dup0(st, 5);
	c->issue_type = sqlite_col_dup0(st, 6);
	c->sprint_id = sqlite3_column_int64(st, 7);
	c->details_json = sqlite_col_dup(st, 8);
	c->created_at = sqlite3_column_int64(st, 9);
	c->workspace_id = sqlite3_column_int64(st, 10);
	c->description = sqlite_col_dup(st, 11);
}

pdt_err store_card_list(store *s, int64_t user_id, int64_t workspace_id, int64_t sprint_id,
			struct store_card_list *out)
{
	const int64_t args[] = {user_id, sprint_id, workspace_id};
	memset(out, 0, sizeof *out);
	list_acc a = {(void **)&out->items, &out->n, 0, sizeof *out->items, read_card_v};
	pdt_err rc = sqlite_each_row_args(s, SQ_CARD_LIST, args, 3, 0, NULL, push_row, &a, NULL);
	if (rc)
		store_card_list_release(out);
	return rc;
}

pdt_err store_card_get(store *s, int64_t user_id, int64_t workspace_id, const char *key,
		       store_card *out)
{
	struct store_card_list l = {0};
	list_acc a = {(void **)&l.items, &l.n, 0, sizeof *l.items, read_card_v};
	memset(out, 0, sizeof *out);
	pdt_err rc = sqlite_each_row(s, SQ_CARD_GET, user_id, workspace_id, key, push_row, &a,
				     NULL);
	if (!rc && l.n == 0)
		rc = PDT_ENOTFOUND;
	if (!rc) {
		*out = l.items[0];
		memset(&l.items[0], 0, sizeof l.items[0]);
	}
	store_card_list_release(&l);
	return rc;
}

/* ---- the Jira pass's write ---- */

static pdt_err upsert_sprint(sqlite_conn *c, int64_t user_id, int64_t ws,
			     const store_sprint_in *in, int64_t now)
{
	sqlite3_stmt *st = sqlite_stmt(c, SQ_SPRINT_UPSERT);
	if (!st)
		return PDT_ESTORE;
	pdt_err rc;
	if (sqlite3_bind_int64(st, 1, user_id) || sqlite3_bind_int64(st, 2, in->jira_sprint_id) ||
	    sqlite_bind_time(st, 3, in->board_id) || sqlite_bind_text0(st, 4, in->name) ||
	    sqlite_bind_text0(st, 5, in->state) || sqlite_bind_time(st, 6, in->start_date) ||
	    sqlite_bind_time(st, 7, in->end_date) || sqlite_bind_time(st, 8, in->complete_date) ||
	    sqlite3_bind_int64(st, 9, now) || sqlite3_bind_int64(st, 10, ws))
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "sprint bind");
	else
		rc = sqlite_step_done(c, st, "sprint upsert");
	sqlite_stmt_done(st);
	return rc;
}

static pdt_err upsert_card(sqlite_conn *c, int64_t user_id, int64_t ws, const store_card_in *in,
			   int64_t now)
{
	sqlite3_stmt *st = sqlite_stmt(c, SQ_CARD_UPSERT);
	if (!st)
		return PDT_ESTORE;
	pdt_err rc;
	if (!in->key || !*in->key)
		rc = PDT_EINVAL;
	else if (sqlite3_bind_int64(st, 1, user_id) || sqlite_bind_text(st, 2, in->key) ||
		 sqlite_bind_text0(st, 3, in->summary) || sqlite_bind_text0(st, 4, in->status) ||
		 sqlite_bind_text0(st, 5, in->assignee) || sqlite_bind_text0(st, 6, in->issue_type) ||
		 sqlite_bind_time(st, 7, in->jira_sprint_id) ||
		 sqlite_bind_text(st, 8, in->details_json) ||
		 sqlite_bind_time(st, 9, in->jira_updated_at) || sqlite3_bind_int64(st, 10, now) ||
		 sqlite3_bind_int(st, 11, in->keep_sprint) || sqlite3_bind_int64(st, 12, ws) ||
		 sqlite_bind_text(st, 13, in->description))
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "card bind");
	else
		rc = sqlite_step_done(c, st, "card upsert");
	sqlite_stmt_done(st);
	return rc;
}

static pdt_err mark_issues_synced(sqlite_conn *c, int64_t user_id, int64_t ws,
				  int64_t jira_sprint_id, int64_t now)
{
	const int64_t args[] = {user_id, jira_sprint_id, now, ws};
	return sqlite_exec_args(c, SQ_SPRINT_ISSUES_SYNCED, args, 4, 0, NULL, "sprint synced");
}

static pdt_err upsert_comment(sqlite_conn *c, int64_t user_id, int64_t ws, const char *key,
			      const store_comment_in *in, int64_t now)
{
	sqlite3_stmt *st = sqlite_stmt(c, SQ_COMMENT_UPSERT);
	if (!st)
		return PDT_ESTORE;
	pdt_err rc;
	if (!in->comment_id || !*in->comment_id)
		rc = PDT_EINVAL;
	else if (sqlite3_bind_int64(st, 1, user_id) || sqlite3_bind_int64(st, 2, ws) ||
		 sqlite_bind_text(st, 3, key) || sqlite_bind_text(st, 4, in->comment_id) ||
		 sqlite_bind_text0(st, 5, in->author) || sqlite_bind_text0(st, 6, in->author_email) ||
		 sqlite_bind_text0(st, 7, in->body) || sqlite_bind_time(st, 8, in->commented_at) ||
		 sqlite3_bind_int64(st, 9, now))
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "comment bind");
	else
		rc = sqlite_step_done(c, st, "comment upsert");
	sqlite_stmt_done(st);
	return rc;
}

/* A card whose comments arrived whole: the stored ones are marked, each
 * that came is upserted (unmarked), and the ones still marked (deleted
 * upstream) are dropped. */
static pdt_err card_comments(sqlite_conn *c, int64_t user_id, int64_t ws, const store_card_in *in,
			     int64_t now)
{
	const int64_t args[] = {user_id, ws};
	if (!in->comments_known)
		return PDT_OK;
	pdt_err rc = sqlite_exec_args(c, SQ_COMMENT_MARK, args, 2, 3, in->key, "comment mark");
	for (size_t i = 0; !rc && i < in->ncomments; i++)
		rc = upsert_comment(c, user_id, ws, in->key, &in->comments[i], now);
	if (!rc)
		rc = sqlite_exec_args(c, SQ_COMMENT_PRUNE, args, 2, 3, in->key, "comment prune");
	return rc;
}

pdt_err store_jira_apply(store *s, const store_jira_update *u, int64_t now)
{
	sqlite_conn *c = NULL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	/* Sprints first: a card's sprint_id is looked up from its Jira sprint. */
	for (size_t i = 0; !rc && i < u->nsprints; i++)
		rc = upsert_sprint(c, u->user_id, u->workspace_id, &u->sprints[i], now);
	for (size_t i = 0; !rc && i < u->ncards; i++) {
		rc = upsert_card(c, u->user_id, u->workspace_id, &u->cards[i], now);
		if (!rc)
			rc = card_comments(c, u->user_id, u->workspace_id, &u->cards[i], now);
	}
	for (size_t i = 0; !rc && i < u->nissues_synced; i++)
		rc = mark_issues_synced(c, u->user_id, u->workspace_id, u->issues_synced[i], now);
	return sqlite_write_end(s, c, rc);
}

pdt_err store_sprint_delete(store *s, int64_t user_id, int64_t workspace_id,
			    int64_t jira_sprint_id)
{
	sqlite_conn *c = NULL;
	const int64_t args[] = {user_id, jira_sprint_id, workspace_id};
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = sqlite_exec_args(c, SQ_SPRINT_DELETE, args, 3, 0, NULL, "sprint delete");
	return sqlite_write_end(s, c, rc);
}

/* ---- bookkeeping ---- */

static void read_int(sqlite3_stmt *st, void *ctx)
{
	*(int64_t *)ctx = sqlite3_column_int64(st, 0);
}

pdt_err store_sync_last_success(store *s, int64_t user_id, const char *source, int64_t *out)
{
	*out = 0;
	return sqlite_each_row(s, SQ_STATUS_LAST_SUCCESS, user_id, 0, source, read_int, out, NULL);
}

pdt_err store_sync_set_last_success(store *s, int64_t user_id, const char *source, int64_t t)
{
	sqlite_conn *c = NULL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	sqlite3_stmt *st = sqlite_stmt(c, SQ_STATUS_SET_LAST_SUCCESS);
	if (!st)
		rc = PDT_ESTORE;
	else if (sqlite3_bind_int64(st, 1, user_id) || sqlite_bind_text(st, 2, source) ||
		 sqlite3_bind_int64(st, 3, t))
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "last success bind");
	else
		rc = sqlite_step_done(c, st, "last success");
	sqlite_stmt_done(st);
	return sqlite_write_end(s, c, rc);
}

typedef struct id_acc {
	int64_t **ids;
	size_t *n;
	size_t cap;
} id_acc;

static void push_id(sqlite3_stmt *st, void *ctx)
{
	id_acc *a = ctx;
	*(int64_t *)sqlite_list_push((void **)a->ids, a->n, &a->cap, sizeof **a->ids) =
		sqlite3_column_int64(st, 0);
}

pdt_err store_users_with_jira(store *s, int64_t **ids, size_t *n)
{
	*ids = NULL;
	*n = 0;
	id_acc a = {ids, n, 0};
	pdt_err rc = sqlite_each_row(s, SQ_USERS_WITH_JIRA, 0, 0, NULL, push_id, &a, NULL);
	if (rc) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

typedef struct two_counts {
	int64_t a, b;
} two_counts;

static void read_two(sqlite3_stmt *st, void *ctx)
{
	two_counts *t = ctx;
	t->a = sqlite3_column_int64(st, 0);
	t->b = sqlite3_column_int64(st, 1);
}

pdt_err store_count_all(store *s, int64_t *commits, int64_t *cards)
{
	two_counts t = {0, 0};
	pdt_err rc = sqlite_each_row(s, SQ_COUNT_ALL, 0, 0, NULL, read_two, &t, NULL);
	*commits = t.a;
	*cards = t.b;
	return rc;
}
