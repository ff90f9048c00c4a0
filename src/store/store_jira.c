/* store.h on any db.h driver: Jira sprints, cards and comments (per user and
 * workspace), Jira sync bookkeeping. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/db.h"
#include "store/store_internal.h"

#include "core/banned.h"

static void bind_args(db_stmt *st, const int64_t *ints, int nints, int text_idx,
		      const char *text)
{
	for (int i = 0; i < nints; i++)
		db_bind_int64(st, i + 1, ints[i]);
	if (text_idx > 0)
		db_bind_text(st, text_idx, text); /* a failed bind surfaces at db_step */
}

pdt_err store_each_row_args(store *s, db_stmt_id id, const int64_t *ints, int nints,
			    int text_idx, const char *text, void (*row)(db_stmt *st, void *ctx),
			    void *ctx, bool *any)
{
	db_conn *c = db_checkout(s);
	db_stmt *st = db_stmt_get(c, id);
	int src = DB_DONE;
	if (any)
		*any = false;
	if (st) {
		bind_args(st, ints, nints, text_idx, text);
		while ((src = db_step(st)) == DB_ROW) {
			if (any)
				*any = true;
			row(st, ctx);
		}
	}
	pdt_err rc = !st ? PDT_ESTORE : src == DB_DONE ? PDT_OK : (pdt_err)src;
	db_stmt_done(st);
	db_checkin(s, c);
	return rc;
}

pdt_err store_exec_args(db_conn *c, db_stmt_id id, const int64_t *ints, int nints, int text_idx,
			const char *text)
{
	db_stmt *st = db_stmt_get(c, id);
	if (!st)
		return PDT_ESTORE;
	bind_args(st, ints, nints, text_idx, text);
	pdt_err rc = db_step_done(st);
	db_stmt_done(st);
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

static void read_sprint(db_stmt *st, store_sprint *s)
{
	s->id = db_col_int64(st, 0);
	s->user_id = db_col_int64(st, 1);
	s->jira_sprint_id = db_col_int64(st, 2);
	s->board_id = db_col_int64(st, 3);
	s->name = db_col_dup0(st, 4);
	s->state = db_col_dup0(st, 5);
	s->start_date = db_col_int64(st, 6);
	s->end_date = db_col_int64(st, 7);
	s->complete_date = db_col_int64(st, 8);
	s->issues_synced_at = db_col_int64(st, 9);
	s->created_at = db_col_int64(st, 10);
	s->workspace_id = db_col_int64(st, 11);
}

typedef struct list_acc {
	void **items;
	size_t *n;
	size_t cap;
	size_t size;
	void (*read)(db_stmt *, void *);
} list_acc;

static void push_row(db_stmt *st, void *ctx)
{
	list_acc *a = ctx;
	a->read(st, db_list_push(a->items, a->n, &a->cap, a->size));
}

static void read_sprint_v(db_stmt *st, void *out)
{
	read_sprint(st, out);
}

pdt_err store_sprint_list(store *s, int64_t user_id, int64_t workspace_id,
			  struct store_sprint_list *out)
{
	memset(out, 0, sizeof *out);
	list_acc a = {(void **)&out->items, &out->n, 0, sizeof *out->items, read_sprint_v};
	pdt_err rc = db_each_row(s, DB_SPRINT_LIST, user_id, workspace_id, NULL, push_row, &a,
				 NULL);
	if (rc)
		store_sprint_list_release(out);
	return rc;
}

static pdt_err one_sprint(store *s, db_stmt_id id, int64_t user_id, int64_t arg,
			  store_sprint *out)
{
	struct store_sprint_list l = {0};
	list_acc a = {(void **)&l.items, &l.n, 0, sizeof *l.items, read_sprint_v};
	memset(out, 0, sizeof *out);
	pdt_err rc = db_each_row(s, id, user_id, arg, NULL, push_row, &a, NULL);
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
	return one_sprint(s, DB_SPRINT_GET, user_id, sprint_id, out);
}

pdt_err store_sprint_active(store *s, int64_t user_id, int64_t workspace_id, store_sprint *out)
{
	return one_sprint(s, DB_SPRINT_ACTIVE, user_id, workspace_id, out);
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

static void read_card_v(db_stmt *st, void *out)
{
	store_card *c = out;
	c->id = db_col_int64(st, 0);
	c->user_id = db_col_int64(st, 1);
	c->key = db_col_dup0(st, 2);
	c->summary = db_col_dup0(st, 3);
	c->status = db_col_dup0(st, 4);
	c->assignee = db_col_dup0(st, 5);
	c->issue_type = db_col_dup0(st, 6);
	c->sprint_id = db_col_int64(st, 7);
	c->details_json = db_col_dup(st, 8);
	c->created_at = db_col_int64(st, 9);
	c->workspace_id = db_col_int64(st, 10);
	c->description = db_col_dup(st, 11);
}

pdt_err store_card_list(store *s, int64_t user_id, int64_t workspace_id, int64_t sprint_id,
			struct store_card_list *out)
{
	const int64_t args[] = {user_id, sprint_id, workspace_id};
	memset(out, 0, sizeof *out);
	list_acc a = {(void **)&out->items, &out->n, 0, sizeof *out->items, read_card_v};
	pdt_err rc = store_each_row_args(s, DB_CARD_LIST, args, 3, 0, NULL, push_row, &a, NULL);
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
	pdt_err rc = db_each_row(s, DB_CARD_GET, user_id, workspace_id, key, push_row, &a, NULL);
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

static pdt_err upsert_sprint(db_conn *c, int64_t user_id, int64_t ws, const store_sprint_in *in,
			     int64_t now)
{
	db_stmt *st = db_stmt_get(c, DB_SPRINT_UPSERT);
	if (!st)
		return PDT_ESTORE;
	db_bind_int64(st, 1, user_id);
	db_bind_int64(st, 2, in->jira_sprint_id);
	db_bind_time(st, 3, in->board_id);
	db_bind_text0(st, 4, in->name);
	db_bind_text0(st, 5, in->state);
	db_bind_time(st, 6, in->start_date);
	db_bind_time(st, 7, in->end_date);
	db_bind_time(st, 8, in->complete_date);
	db_bind_int64(st, 9, now);
	db_bind_int64(st, 10, ws);
	pdt_err rc = db_step_done(st);
	db_stmt_done(st);
	return rc;
}

static pdt_err upsert_card(db_conn *c, int64_t user_id, int64_t ws, const store_card_in *in,
			   int64_t now)
{
	db_stmt *st = db_stmt_get(c, DB_CARD_UPSERT);
	if (!st)
		return PDT_ESTORE;
	if (!in->key || !*in->key)
		return PDT_EINVAL;
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, in->key);
	db_bind_text0(st, 3, in->summary);
	db_bind_text0(st, 4, in->status);
	db_bind_text0(st, 5, in->assignee);
	db_bind_text0(st, 6, in->issue_type);
	db_bind_time(st, 7, in->jira_sprint_id);
	db_bind_text(st, 8, in->details_json);
	db_bind_time(st, 9, in->jira_updated_at);
	db_bind_int64(st, 10, now);
	db_bind_int(st, 11, in->keep_sprint);
	db_bind_int64(st, 12, ws);
	db_bind_text(st, 13, in->description);
	pdt_err rc = db_step_done(st);
	db_stmt_done(st);
	return rc;
}

static pdt_err mark_issues_synced(db_conn *c, int64_t user_id, int64_t ws, int64_t jira_sprint_id,
				  int64_t now)
{
	const int64_t args[] = {user_id, jira_sprint_id, now, ws};
	return store_exec_args(c, DB_SPRINT_ISSUES_SYNCED, args, 4, 0, NULL);
}

static pdt_err upsert_comment(db_conn *c, int64_t user_id, int64_t ws, const char *key,
			      const store_comment_in *in, int64_t now)
{
	if (!in->comment_id || !*in->comment_id)
		return PDT_EINVAL;
	db_stmt *st = db_stmt_get(c, DB_COMMENT_UPSERT);
	if (!st)
		return PDT_ESTORE;
	db_bind_int64(st, 1, user_id);
	db_bind_int64(st, 2, ws);
	db_bind_text(st, 3, key);
	db_bind_text(st, 4, in->comment_id);
	db_bind_text0(st, 5, in->author);
	db_bind_text0(st, 6, in->author_email);
	db_bind_text0(st, 7, in->body);
	db_bind_time(st, 8, in->commented_at);
	db_bind_int64(st, 9, now);
	pdt_err rc = db_step_done(st);
	db_stmt_done(st);
	return rc;
}

/* A card whose comments arrived whole: the stored ones are marked, each
 * that came is upserted (unmarked), and the ones still marked (deleted
 * upstream) are dropped. */
static pdt_err card_comments(db_conn *c, int64_t user_id, int64_t ws, const store_card_in *in,
			     int64_t now)
{
	const int64_t args[] = {user_id, ws};
	if (!in->comments_known)
		return PDT_OK;
	pdt_err rc = store_exec_args(c, DB_COMMENT_MARK, args, 2, 3, in->key);
	for (size_t i = 0; !rc && i < in->ncomments; i++)
		rc = upsert_comment(c, user_id, ws, in->key, &in->comments[i], now);
	if (!rc)
		rc = store_exec_args(c, DB_COMMENT_PRUNE, args, 2, 3, in->key);
	return rc;
}

pdt_err store_jira_apply(store *s, const store_jira_update *u, int64_t now)
{
	db_conn *c = NULL;
	pdt_err rc = db_write_begin(s, &c);
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
	return db_write_end(s, c, rc);
}

pdt_err store_sprint_delete(store *s, int64_t user_id, int64_t workspace_id,
			    int64_t jira_sprint_id)
{
	db_conn *c = NULL;
	const int64_t args[] = {user_id, jira_sprint_id, workspace_id};
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = store_exec_args(c, DB_SPRINT_DELETE, args, 3, 0, NULL);
	return db_write_end(s, c, rc);
}

/* ---- bookkeeping ---- */

static void read_int(db_stmt *st, void *ctx)
{
	*(int64_t *)ctx = db_col_int64(st, 0);
}

pdt_err store_sync_last_success(store *s, int64_t user_id, const char *source, int64_t *out)
{
	*out = 0;
	return db_each_row(s, DB_STATUS_LAST_SUCCESS, user_id, 0, source, read_int, out, NULL);
}

pdt_err store_sync_set_last_success(store *s, int64_t user_id, const char *source, int64_t t)
{
	db_conn *c = NULL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	db_stmt *st = db_stmt_get(c, DB_STATUS_SET_LAST_SUCCESS);
	if (!st) {
		rc = PDT_ESTORE;
	} else {
		db_bind_int64(st, 1, user_id);
		db_bind_text(st, 2, source);
		db_bind_int64(st, 3, t);
		rc = db_step_done(st);
	}
	db_stmt_done(st);
	return db_write_end(s, c, rc);
}

typedef struct id_acc {
	int64_t **ids;
	size_t *n;
	size_t cap;
} id_acc;

static void push_id(db_stmt *st, void *ctx)
{
	id_acc *a = ctx;
	*(int64_t *)db_list_push((void **)a->ids, a->n, &a->cap, sizeof **a->ids) =
		db_col_int64(st, 0);
}

pdt_err store_users_with_jira(store *s, int64_t **ids, size_t *n)
{
	*ids = NULL;
	*n = 0;
	id_acc a = {ids, n, 0};
	pdt_err rc = db_each_row(s, DB_USERS_WITH_JIRA, 0, 0, NULL, push_id, &a, NULL);
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

static void read_two(db_stmt *st, void *ctx)
{
	two_counts *t = ctx;
	t->a = db_col_int64(st, 0);
	t->b = db_col_int64(st, 1);
}

pdt_err store_count_all(store *s, int64_t *commits, int64_t *cards)
{
	two_counts t = {0, 0};
	pdt_err rc = db_each_row(s, DB_COUNT_ALL, 0, 0, NULL, read_two, &t, NULL);
	*commits = t.a;
	*cards = t.b;
	return rc;
}
