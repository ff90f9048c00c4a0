/*
 * store_reports.h on any db.h driver: report templates, reports, the rows a
 * report is built from, and the automatic generation's state (migration
 * 006). The SQL is in store_sql.c (DB_TPL_*, DB_REP_*, DB_AUTO_*, DB_SRC_*,
 * DB_USERS_WITH_COMMITS); every statement was checked to prepare on
 * PostgreSQL 15 too.
 */
#include "store/store_reports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/db.h"

#include "core/banned.h"

/* ---- statement helpers: thin names over db.h ---- */

typedef struct q {
	db_stmt *st;
} q;

enum { Q_ROW = DB_ROW, Q_DONE = DB_DONE };

static pdt_err q_open(q *x, db_conn *c, db_stmt_id id)
{
	x->st = db_stmt_get(c, id);
	return x->st ? PDT_OK : PDT_ESTORE;
}

static void q_i64(q *x, int idx, int64_t v)
{
	db_bind_int64(x->st, idx, v);
}

/* NULL binds SQL NULL. */
static void q_text(q *x, int idx, const char *v)
{
	db_bind_text(x->st, idx, v);
}

/* Q_ROW, Q_DONE or a pdt_err. */
static int q_step(q *x)
{
	return db_step(x->st);
}

static pdt_err q_step_done(q *x)
{
	return db_step_done(x->st);
}

static void q_close(q *x)
{
	db_stmt_done(x->st);
	x->st = NULL;
}

static int64_t col_i64(q *x, int col)
{
	return db_col_int64(x->st, col);
}

static const char *col_text(q *x, int col)
{
	return db_col_text(x->st, col);
}

static char *col_dup0(q *x, int col)
{
	return db_col_dup0(x->st, col);
}

/* ---- templates ---- */

void store_template_release(store_template *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->content);
	memset(t, 0, sizeof *t);
}

void store_template_list_release(struct store_template_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_template_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof *l);
}

static void read_template(q *x, store_template *t)
{
	t->id = col_i64(x, 0);
	t->user_id = col_i64(x, 1);
	t->name = col_dup0(x, 2);
	t->content = col_dup0(x, 3);
	t->is_default = col_i64(x, 4) != 0;
	t->created_at = col_i64(x, 5);
	t->updated_at = col_i64(x, 6);
}

/* Runs a statement that returns one template row (or none: PDT_ENOTFOUND). */
static pdt_err tpl_one(q *x, store_template *out)
{
	int rc = q_step(x);
	if (rc == Q_ROW) {
		read_template(x, out);
		return PDT_OK;
	}
	return rc == Q_DONE ? PDT_ENOTFOUND : rc;
}

static pdt_err tpl_clear_default(db_conn *c, int64_t user_id, int64_t keep_id)
{
	q x;
	pdt_err rc = q_open(&x, c, DB_TPL_CLEAR_DEFAULT);
	if (rc)
		return rc;
	q_i64(&x, 1, user_id);
	q_i64(&x, 2, keep_id);
	rc = q_step_done(&x);
	q_close(&x);
	return rc;
}

pdt_err store_template_create(store *s, int64_t user_id, const char *name, const char *content,
			      bool is_default, int64_t now, store_template *out)
{
	db_conn *c = NULL;
	q x = {0};
	memset(out, 0, sizeof *out);
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	if (is_default && (rc = tpl_clear_default(c, user_id, 0)))
		goto cleanup;
	if ((rc = q_open(&x, c, DB_TPL_INSERT)))
		goto cleanup;
	q_i64(&x, 1, user_id);
	q_text(&x, 2, name);
	q_text(&x, 3, content);
	q_i64(&x, 4, is_default);
	q_i64(&x, 5, now);
	rc = tpl_one(&x, out);
	if (rc == PDT_ENOTFOUND)
		rc = PDT_ESTORE;
cleanup:
	q_close(&x);
	rc = db_write_end(s, c, rc);
	if (rc)
		store_template_release(out);
	return rc;
}

pdt_err store_template_update(store *s, int64_t user_id, int64_t id, const char *name,
			      const char *content, int is_default, int64_t now,
			      store_template *out)
{
	db_conn *c = NULL;
	q x = {0};
	memset(out, 0, sizeof *out);
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	if (is_default == 1 && (rc = tpl_clear_default(c, user_id, id)))
		goto cleanup;
	if ((rc = q_open(&x, c, DB_TPL_UPDATE)))
		goto cleanup;
	q_i64(&x, 1, user_id);
	q_i64(&x, 2, id);
	q_text(&x, 3, name);
	q_text(&x, 4, content);
	q_i64(&x, 5, is_default < 0 ? -1 : is_default != 0);
	q_i64(&x, 6, now);
	rc = tpl_one(&x, out);
cleanup:
	q_close(&x);
	rc = db_write_end(s, c, rc);
	if (rc)
		store_template_release(out);
	return rc;
}

/* A read of one template by (user_id, id); id < 0 is not bound. */
static pdt_err tpl_read(store *s, db_stmt_id sid, int64_t user_id, int64_t id,
			store_template *out)
{
	q x = {0};
	memset(out, 0, sizeof *out);
	db_conn *c = db_checkout(s);
	pdt_err rc = q_open(&x, c, sid);
	if (!rc) {
		q_i64(&x, 1, user_id);
		if (id >= 0)
			q_i64(&x, 2, id);
		rc = tpl_one(&x, out);
	}
	q_close(&x);
	db_checkin(s, c);
	return rc;
}

pdt_err store_template_get(store *s, int64_t user_id, int64_t id, store_template *out)
{
	return tpl_read(s, DB_TPL_GET, user_id, id, out);
}

pdt_err store_template_default(store *s, int64_t user_id, store_template *out)
{
	return tpl_read(s, DB_TPL_DEFAULT, user_id, -1, out);
}

pdt_err store_template_list(store *s, int64_t user_id, struct store_template_list *out)
{
	q x = {0};
	size_t cap = 0;
	memset(out, 0, sizeof *out);
	db_conn *c = db_checkout(s);
	pdt_err rc = q_open(&x, c, DB_TPL_LIST);
	int step = rc;
	if (!rc) {
		q_i64(&x, 1, user_id);
		while ((step = q_step(&x)) == Q_ROW)
			read_template(&x, db_list_push((void **)&out->items, &out->n, &cap,
							   sizeof *out->items));
		rc = step == Q_DONE ? PDT_OK : step;
	}
	q_close(&x);
	db_checkin(s, c);
	if (rc)
		store_template_list_release(out);
	return rc;
}

/* A one-row write by (user_id, id) in its own transaction; no row: ENOTFOUND. */
static pdt_err write_one(store *s, db_stmt_id sid, int64_t user_id, int64_t id,
			 const char *text3)
{
	db_conn *c = NULL;
	q x = {0};
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	if (!(rc = q_open(&x, c, sid))) {
		q_i64(&x, 1, user_id);
		q_i64(&x, 2, id);
		if (text3)
			q_text(&x, 3, text3);
		rc = q_step_done(&x);
		if (!rc && db_changes(x.st) == 0)
			rc = PDT_ENOTFOUND;
	}
	q_close(&x);
	return db_write_end(s, c, rc);
}

pdt_err store_template_delete(store *s, int64_t user_id, int64_t id)
{
	return write_one(s, DB_TPL_DELETE, user_id, id, NULL);
}

/* ---- reports ---- */

void store_report_release(store_report *r)
{
	if (!r)
		return;
	free(r->report_type);
	free(r->period);
	free(r->title);
	free(r->content);
	free(r->file_url);
	memset(r, 0, sizeof *r);
}

void store_report_list_release(struct store_report_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_report_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof *l);
}

static void read_report(q *x, store_report *r)
{
	r->id = col_i64(x, 0);
	r->user_id = col_i64(x, 1);
	r->template_id = col_i64(x, 2);
	r->report_type = col_dup0(x, 3);
	r->period = col_dup0(x, 4);
	r->title = col_dup0(x, 5);
	r->content = col_dup0(x, 6);
	r->file_url = col_dup0(x, 7);
	r->created_at = col_i64(x, 8);
}

/* The automatic generation's claim: PDT_ECONFLICT when the period is done. */
static pdt_err auto_claim(db_conn *c, const store_report_in *in)
{
	q x = {0};
	pdt_err rc = q_open(&x, c, DB_AUTO_ENSURE);
	if (!rc) {
		q_i64(&x, 1, in->user_id);
		rc = q_step_done(&x);
	}
	q_close(&x);
	bool daily = strcmp(in->report_type, "daily") == 0;
	if (!rc && !(rc = q_open(&x, c, daily ? DB_AUTO_DAILY : DB_AUTO_MONTHLY))) {
		q_i64(&x, 1, in->user_id);
		q_text(&x, 2, in->period);
		rc = q_step_done(&x);
		if (!rc && db_changes(x.st) == 0)
			rc = PDT_ECONFLICT;
	}
	q_close(&x);
	return rc;
}

/* Whether the user already has a report of that type and period. */
static pdt_err report_exists(db_conn *c, const store_report_in *in, bool *exists)
{
	q x = {0};
	pdt_err rc = q_open(&x, c, DB_REP_FIND);
	if (!rc) {
		q_i64(&x, 1, in->user_id);
		q_text(&x, 2, in->report_type);
		q_text(&x, 3, in->period);
		int step = q_step(&x);
		*exists = step == Q_ROW;
		rc = step == Q_ROW || step == Q_DONE ? PDT_OK : step;
	}
	q_close(&x);
	return rc;
}

pdt_err store_report_save(store *s, const store_report_in *in, int64_t now, store_report *out,
			  bool *replaced)
{
	db_conn *c = NULL;
	q x = {0};
	bool exists = false;
	memset(out, 0, sizeof *out);
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	if (in->automatic && (rc = auto_claim(c, in)))
		goto cleanup;
	if ((rc = report_exists(c, in, &exists)) ||
	    (rc = q_open(&x, c, DB_REP_UPSERT)))
		goto cleanup;
	q_i64(&x, 1, in->user_id);
	if (in->template_id > 0)
		q_i64(&x, 2, in->template_id);
	else
		db_bind_null(x.st, 2);
	q_text(&x, 3, in->report_type);
	q_text(&x, 4, in->period);
	q_text(&x, 5, in->title ? in->title : "");
	q_text(&x, 6, in->content ? in->content : "");
	q_i64(&x, 7, now);
	int step = q_step(&x);
	if (step == Q_ROW)
		read_report(&x, out);
	rc = step == Q_ROW ? PDT_OK : step == Q_DONE ? PDT_ESTORE : step;
cleanup:
	q_close(&x);
	rc = db_write_end(s, c, rc);
	if (rc)
		store_report_release(out);
	else if (replaced)
		*replaced = exists;
	return rc;
}

pdt_err store_report_get(store *s, int64_t user_id, int64_t id, store_report *out)
{
	q x = {0};
	memset(out, 0, sizeof *out);
	db_conn *c = db_checkout(s);
	pdt_err rc = q_open(&x, c, DB_REP_GET);
	if (!rc) {
		q_i64(&x, 1, user_id);
		q_i64(&x, 2, id);
		int step = q_step(&x);
		if (step == Q_ROW)
			read_report(&x, out);
		rc = step == Q_ROW ? PDT_OK : step == Q_DONE ? PDT_ENOTFOUND : step;
	}
	q_close(&x);
	db_checkin(s, c);
	return rc;
}

pdt_err store_report_list(store *s, int64_t user_id, const char *from, const char *to,
			  struct store_report_list *out)
{
	q x = {0};
	size_t cap = 0;
	memset(out, 0, sizeof *out);
	db_conn *c = db_checkout(s);
	pdt_err rc = q_open(&x, c, DB_REP_LIST);
	if (!rc) {
		int step;
		q_i64(&x, 1, user_id);
		q_text(&x, 2, from);
		q_text(&x, 3, to);
		while ((step = q_step(&x)) == Q_ROW)
			read_report(&x, db_list_push((void **)&out->items, &out->n, &cap,
							 sizeof *out->items));
		rc = step == Q_DONE ? PDT_OK : step;
	}
	q_close(&x);
	db_checkin(s, c);
	if (rc)
		store_report_list_release(out);
	return rc;
}

pdt_err store_report_delete(store *s, int64_t user_id, int64_t id)
{
	return write_one(s, DB_REP_DELETE, user_id, id, NULL);
}

pdt_err store_report_set_file_url(store *s, int64_t user_id, int64_t id, const char *url)
{
	return write_one(s, DB_REP_SET_URL, user_id, id, url ? url : "");
}

/* ---- what a report is built from ---- */

static pdt_err read_commits(db_conn *c, int64_t user_id, int64_t from, int64_t to,
			    const store_report_source *src)
{
	q x = {0};
	int step;
	pdt_err rc = q_open(&x, c, DB_SRC_COMMITS);
	if (rc)
		return rc;
	q_i64(&x, 1, user_id);
	q_i64(&x, 2, from);
	q_i64(&x, 3, to);
	while ((step = q_step(&x)) == Q_ROW) {
		store_report_commit rc_ = {
			.id = col_i64(&x, 0), .sha = col_text(&x, 1), .message = col_text(&x, 2),
			.branch = col_text(&x, 3), .repo_owner = col_text(&x, 4),
			.repo_name = col_text(&x, 5), .jira_card_key = col_text(&x, 6),
			.date = col_i64(&x, 7)};
		src->commit(&rc_, src->ctx);
	}
	q_close(&x);
	return step == Q_DONE ? PDT_OK : step;
}

static pdt_err read_links(db_conn *c, int64_t user_id, int64_t from, int64_t to,
			  const store_report_source *src)
{
	q x = {0};
	int step;
	pdt_err rc = q_open(&x, c, DB_SRC_LINKS);
	if (rc)
		return rc;
	q_i64(&x, 1, user_id);
	q_i64(&x, 2, from);
	q_i64(&x, 3, to);
	while ((step = q_step(&x)) == Q_ROW)
		src->link(col_i64(&x, 0), col_text(&x, 1), src->ctx);
	q_close(&x);
	return step == Q_DONE ? PDT_OK : step;
}

static pdt_err read_cards(db_conn *c, int64_t user_id, const store_report_source *src)
{
	q x = {0};
	int step;
	pdt_err rc = q_open(&x, c, DB_SRC_CARDS);
	if (rc)
		return rc;
	q_i64(&x, 1, user_id);
	while ((step = q_step(&x)) == Q_ROW)
		src->card(col_text(&x, 0), col_text(&x, 1), col_text(&x, 2), src->ctx);
	q_close(&x);
	return step == Q_DONE ? PDT_OK : step;
}

pdt_err store_report_read(store *s, int64_t user_id, int64_t from, int64_t to,
			  const store_report_source *src)
{
	/* Commits, then links, then cards: one statement each, outside a
	 * transaction (db.h has read transactions only as write ones, which would
	 * hold up the sync's writers); a link added in between is simply seen. */
	db_conn *c = db_checkout(s);
	pdt_err rc = PDT_OK;
	if (!rc && src->commit)
		rc = read_commits(c, user_id, from, to, src);
	if (!rc && src->link)
		rc = read_links(c, user_id, from, to, src);
	if (!rc && src->card)
		rc = read_cards(c, user_id, src);
	db_checkin(s, c);
	return rc;
}

pdt_err store_report_users_with_commits(store *s, int64_t from, int64_t to, int64_t **ids,
					size_t *n)
{
	q x = {0};
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	db_conn *c = db_checkout(s);
	pdt_err rc = q_open(&x, c, DB_USERS_WITH_COMMITS);
	if (!rc) {
		int step;
		q_i64(&x, 1, from);
		q_i64(&x, 2, to);
		while ((step = q_step(&x)) == Q_ROW)
			*(int64_t *)db_list_push((void **)ids, n, &cap, sizeof **ids) =
				col_i64(&x, 0);
		rc = step == Q_DONE ? PDT_OK : step;
	}
	q_close(&x);
	db_checkin(s, c);
	if (rc) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

pdt_err store_report_auto_state(store *s, int64_t user_id, char *daily, char *monthly)
{
	q x = {0};
	daily[0] = monthly[0] = '\0';
	db_conn *c = db_checkout(s);
	pdt_err rc = q_open(&x, c, DB_AUTO_GET);
	if (!rc) {
		q_i64(&x, 1, user_id);
		int step = q_step(&x);
		if (step == Q_ROW) {
			const char *d = col_text(&x, 0), *m = col_text(&x, 1);
			snprintf(daily, 16, "%s", d ? d : "");
			snprintf(monthly, 16, "%s", m ? m : "");
		}
		rc = step == Q_ROW || step == Q_DONE ? PDT_OK : step;
	}
	q_close(&x);
	db_checkin(s, c);
	return rc;
}
