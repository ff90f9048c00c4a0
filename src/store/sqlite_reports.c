/*
 * SQLite backend of store_reports.h: report templates, reports, the rows a
 * report is built from, and the automatic generation's state (migration 006).
 *
 * The SQL below stays in the dialect both SQLite and PostgreSQL accept
 * (?N parameters, ON CONFLICT, RETURNING), and the statement helpers (q_*)
 * mirror the driver calls of store/db.h, so moving these functions onto
 * that interface is a change of names. Statements are prepared per call:
 * report calls are rare next to a request's other costs.
 */
#include "store/store_reports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/sqlite_internal.h"

#include "core/banned.h"

/* ---- statement helpers: a failed bind is kept and returned by the step ---- */

typedef struct q {
	sqlite_conn *c;
	sqlite3_stmt *st;
	int err; /* first SQLite error of a bind */
	const char *op;
} q;

enum { Q_ROW = 100, Q_DONE = 101 };

static pdt_err q_open(q *x, sqlite_conn *c, const char *sql, const char *op)
{
	memset(x, 0, sizeof *x);
	x->c = c;
	x->op = op;
	if (sqlite3_prepare_v2(c->db, sql, -1, &x->st, NULL) != SQLITE_OK)
		return sqlite_fail(c, sqlite3_errcode(c->db), op);
	return PDT_OK;
}

static void q_i64(q *x, int idx, int64_t v)
{
	int rc = sqlite3_bind_int64(x->st, idx, v);
	if (rc && !x->err)
		x->err = rc;
}

/* NULL binds SQL NULL. */
static void q_text(q *x, int idx, const char *v)
{
	int rc = sqlite_bind_text(x->st, idx, v);
	if (rc && !x->err)
		x->err = rc;
}

/* Q_ROW, Q_DONE or a pdt_err. */
static int q_step(q *x)
{
	int rc = x->err ? x->err : sqlite3_step(x->st);
	if (rc == SQLITE_ROW)
		return Q_ROW;
	if (rc == SQLITE_DONE)
		return Q_DONE;
	return sqlite_fail(x->c, rc, x->op);
}

static pdt_err q_step_done(q *x)
{
	int rc = q_step(x);
	return rc == Q_DONE ? PDT_OK : rc == Q_ROW ? PDT_ESTORE : rc;
}

static void q_close(q *x)
{
	sqlite3_finalize(x->st);
	x->st = NULL;
}

static int64_t col_i64(q *x, int col)
{
	return sqlite3_column_int64(x->st, col);
}

static const char *col_text(q *x, int col)
{
	return (const char *)sqlite3_column_text(x->st, col);
}

static char *col_dup0(q *x, int col)
{
	return sqlite_col_dup0(x->st, col);
}

/* ---- SQL ---- */

#define TEMPLATE_COLS "id, user_id, name, content, is_default, created_at, updated_at"
#define REPORT_COLS                                                                       \
	"id, user_id, template_id, report_type, period, title, content, file_url, created_at"

static const char sql_tpl_insert[] =
	"INSERT INTO report_templates (user_id, name, content, is_default, created_at, "
	"updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING " TEMPLATE_COLS;
static const char sql_tpl_update[] =
	"UPDATE report_templates SET name = COALESCE(?3, name), content = COALESCE(?4, content), "
	"is_default = CASE WHEN ?5 < 0 THEN is_default ELSE ?5 END, updated_at = ?6 "
	"WHERE id = ?2 AND user_id = ?1 RETURNING " TEMPLATE_COLS;
/* Before a template becomes the default: the user's other one stops being it. */
static const char sql_tpl_clear_default[] =
	"UPDATE report_templates SET is_default = 0 WHERE user_id = ?1 AND id <> ?2 "
	"AND is_default = 1";
static const char sql_tpl_get[] =
	"SELECT " TEMPLATE_COLS " FROM report_templates WHERE user_id = ?1 AND id = ?2";
static const char sql_tpl_default[] =
	"SELECT " TEMPLATE_COLS " FROM report_templates WHERE user_id = ?1 AND is_default = 1";
static const char sql_tpl_list[] =
	"SELECT " TEMPLATE_COLS " FROM report_templates WHERE user_id = ?1 ORDER BY id";
static const char sql_tpl_delete[] =
	"DELETE FROM report_templates WHERE user_id = ?1 AND id = ?2";

static const char sql_rep_find[] =
	"SELECT id FROM reports WHERE user_id = ?1 AND report_type = ?2 AND period = ?3";
static const char sql_rep_upsert[] =
	"INSERT INTO reports (user_id, template_id, report_type, period, title, content, "
	"file_url, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', ?7, ?7) "
	"ON CONFLICT (user_id, report_type, period) DO UPDATE SET "
	"template_id = excluded.template_id, title = excluded.title, "
	"content = excluded.content, file_url = '', created_at = excluded.created_at, "
	"updated_at = excluded.updated_at RETURNING " REPORT_COLS;
static const char sql_rep_get[] =
	"SELECT " REPORT_COLS " FROM reports WHERE user_id = ?1 AND id = ?2";
/* A monthly period "YYYY-MM" is compared as the 1st of its month. The CASTs
 * give PostgreSQL the parameters' type where IS NULL alone would not. */
#define PERIOD_DAY "(CASE WHEN report_type = 'monthly' THEN period || '-01' ELSE period END)"
static const char sql_rep_list[] =
	"SELECT " REPORT_COLS " FROM reports WHERE user_id = ?1 "
	"AND (CAST(?2 AS TEXT) IS NULL OR " PERIOD_DAY " >= ?2) "
	"AND (CAST(?3 AS TEXT) IS NULL OR " PERIOD_DAY " <= ?3) "
	"ORDER BY " PERIOD_DAY " DESC, id DESC";
static const char sql_rep_delete[] = "DELETE FROM reports WHERE user_id = ?1 AND id = ?2";
static const char sql_rep_set_url[] =
	"UPDATE reports SET file_url = ?3 WHERE user_id = ?1 AND id = ?2";

static const char sql_auto_get[] =
	"SELECT last_daily, last_monthly FROM report_auto_state WHERE user_id = ?1";
static const char sql_auto_ensure[] =
	"INSERT INTO report_auto_state (user_id) VALUES (?1) ON CONFLICT (user_id) DO NOTHING";
/* Advances the state only when it is before the period: 0 rows = done already. */
static const char sql_auto_daily[] =
	"UPDATE report_auto_state SET last_daily = ?2 WHERE user_id = ?1 AND last_daily < ?2";
static const char sql_auto_monthly[] =
	"UPDATE report_auto_state SET last_monthly = ?2 WHERE user_id = ?1 AND last_monthly < ?2";

#define USER_COMMITS                                                                      \
	" FROM commits c JOIN repositories r ON r.id = c.repo_id "                         \
	"WHERE r.user_id = ?1 AND c.date >= ?2 AND c.date < ?3"
static const char sql_src_commits[] =
	"SELECT c.id, c.sha, c.message, c.branch, r.owner, r.name, "
	"COALESCE(c.jira_card_key, ''), c.date" USER_COMMITS " ORDER BY c.date, c.id";
static const char sql_src_links[] =
	"SELECT l.commit_id, l.jira_card_key FROM commit_card_links l "
	"WHERE l.commit_id IN (SELECT c.id" USER_COMMITS ") ORDER BY l.id";
static const char sql_src_cards[] =
	"SELECT card_key, summary, status FROM jira_cards WHERE user_id = ?1 ORDER BY card_key";
static const char sql_users_with_commits[] =
	"SELECT DISTINCT r.user_id FROM commits c JOIN repositories r ON r.id = c.repo_id "
	"WHERE c.date >= ?1 AND c.date < ?2 ORDER BY r.user_id";

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

static pdt_err tpl_clear_default(sqlite_conn *c, int64_t user_id, int64_t keep_id)
{
	q x;
	pdt_err rc = q_open(&x, c, sql_tpl_clear_default, "template clear default");
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
	sqlite_conn *c = NULL;
	q x = {0};
	memset(out, 0, sizeof *out);
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	if (is_default && (rc = tpl_clear_default(c, user_id, 0)))
		goto cleanup;
	if ((rc = q_open(&x, c, sql_tpl_insert, "template create")))
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
	rc = sqlite_write_end(s, c, rc);
	if (rc)
		store_template_release(out);
	return rc;
}

pdt_err store_template_update(store *s, int64_t user_id, int64_t id, const char *name,
			      const char *content, int is_default, int64_t now,
			      store_template *out)
{
	sqlite_conn *c = NULL;
	q x = {0};
	memset(out, 0, sizeof *out);
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	if (is_default == 1 && (rc = tpl_clear_default(c, user_id, id)))
		goto cleanup;
	if ((rc = q_open(&x, c, sql_tpl_update, "template update")))
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
	rc = sqlite_write_end(s, c, rc);
	if (rc)
		store_template_release(out);
	return rc;
}

/* A read of one template by (user_id, id); id < 0 is not bound. */
static pdt_err tpl_read(store *s, const char *sql, int64_t user_id, int64_t id,
			store_template *out)
{
	q x = {0};
	memset(out, 0, sizeof *out);
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = q_open(&x, c, sql, "template get");
	if (!rc) {
		q_i64(&x, 1, user_id);
		if (id >= 0)
			q_i64(&x, 2, id);
		rc = tpl_one(&x, out);
	}
	q_close(&x);
	sqlite_checkin(s, c);
	return rc;
}

pdt_err store_template_get(store *s, int64_t user_id, int64_t id, store_template *out)
{
	return tpl_read(s, sql_tpl_get, user_id, id, out);
}

pdt_err store_template_default(store *s, int64_t user_id, store_template *out)
{
	return tpl_read(s, sql_tpl_default, user_id, -1, out);
}

pdt_err store_template_list(store *s, int64_t user_id, struct store_template_list *out)
{
	q x = {0};
	size_t cap = 0;
	memset(out, 0, sizeof *out);
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = q_open(&x, c, sql_tpl_list, "template list");
	int step = rc;
	if (!rc) {
		q_i64(&x, 1, user_id);
		while ((step = q_step(&x)) == Q_ROW)
			read_template(&x, sqlite_list_push((void **)&out->items, &out->n, &cap,
							   sizeof *out->items));
		rc = step == Q_DONE ? PDT_OK : step;
	}
	q_close(&x);
	sqlite_checkin(s, c);
	if (rc)
		store_template_list_release(out);
	return rc;
}

/* A one-row write by (user_id, id) in its own transaction; no row: ENOTFOUND. */
static pdt_err write_one(store *s, const char *sql, int64_t user_id, int64_t id,
			 const char *text3, const char *op)
{
	sqlite_conn *c = NULL;
	q x = {0};
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	if (!(rc = q_open(&x, c, sql, op))) {
		q_i64(&x, 1, user_id);
		q_i64(&x, 2, id);
		if (text3)
			q_text(&x, 3, text3);
		rc = q_step_done(&x);
		if (!rc && sqlite3_changes(c->db) == 0)
			rc = PDT_ENOTFOUND;
	}
	q_close(&x);
	return sqlite_write_end(s, c, rc);
}

pdt_err store_template_delete(store *s, int64_t user_id, int64_t id)
{
	return write_one(s, sql_tpl_delete, user_id, id, NULL, "template delete");
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
static pdt_err auto_claim(sqlite_conn *c, const store_report_in *in)
{
	q x = {0};
	pdt_err rc = q_open(&x, c, sql_auto_ensure, "report auto state");
	if (!rc) {
		q_i64(&x, 1, in->user_id);
		rc = q_step_done(&x);
	}
	q_close(&x);
	bool daily = strcmp(in->report_type, "daily") == 0;
	if (!rc && !(rc = q_open(&x, c, daily ? sql_auto_daily : sql_auto_monthly,
				 "report auto claim"))) {
		q_i64(&x, 1, in->user_id);
		q_text(&x, 2, in->period);
		rc = q_step_done(&x);
		if (!rc && sqlite3_changes(c->db) == 0)
			rc = PDT_ECONFLICT;
	}
	q_close(&x);
	return rc;
}

/* Whether the user already has a report of that type and period. */
static pdt_err report_exists(sqlite_conn *c, const store_report_in *in, bool *exists)
{
	q x = {0};
	pdt_err rc = q_open(&x, c, sql_rep_find, "report find");
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
	sqlite_conn *c = NULL;
	q x = {0};
	bool exists = false;
	memset(out, 0, sizeof *out);
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	if (in->automatic && (rc = auto_claim(c, in)))
		goto cleanup;
	if ((rc = report_exists(c, in, &exists)) ||
	    (rc = q_open(&x, c, sql_rep_upsert, "report save")))
		goto cleanup;
	q_i64(&x, 1, in->user_id);
	if (in->template_id > 0)
		q_i64(&x, 2, in->template_id);
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
	rc = sqlite_write_end(s, c, rc);
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
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = q_open(&x, c, sql_rep_get, "report get");
	if (!rc) {
		q_i64(&x, 1, user_id);
		q_i64(&x, 2, id);
		int step = q_step(&x);
		if (step == Q_ROW)
			read_report(&x, out);
		rc = step == Q_ROW ? PDT_OK : step == Q_DONE ? PDT_ENOTFOUND : step;
	}
	q_close(&x);
	sqlite_checkin(s, c);
	return rc;
}

pdt_err store_report_list(store *s, int64_t user_id, const char *from, const char *to,
			  struct store_report_list *out)
{
	q x = {0};
	size_t cap = 0;
	memset(out, 0, sizeof *out);
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = q_open(&x, c, sql_rep_list, "report list");
	if (!rc) {
		int step;
		q_i64(&x, 1, user_id);
		q_text(&x, 2, from);
		q_text(&x, 3, to);
		while ((step = q_step(&x)) == Q_ROW)
			read_report(&x, sqlite_list_push((void **)&out->items, &out->n, &cap,
							 sizeof *out->items));
		rc = step == Q_DONE ? PDT_OK : step;
	}
	q_close(&x);
	sqlite_checkin(s, c);
	if (rc)
		store_report_list_release(out);
	return rc;
}

pdt_err store_report_delete(store *s, int64_t user_id, int64_t id)
{
	return write_one(s, sql_rep_delete, user_id, id, NULL, "report delete");
}

pdt_err store_report_set_file_url(store *s, int64_t user_id, int64_t id, const char *url)
{
	return write_one(s, sql_rep_set_url, user_id, id, url ? url : "", "report set url");
}

/* ---- what a report is built from ---- */

static pdt_err read_commits(sqlite_conn *c, int64_t user_id, int64_t from, int64_t to,
			    const store_report_source *src)
{
	q x = {0};
	int step;
	pdt_err rc = q_open(&x, c, sql_src_commits, "report commits");
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

static pdt_err read_links(sqlite_conn *c, int64_t user_id, int64_t from, int64_t to,
			  const store_report_source *src)
{
	q x = {0};
	int step;
	pdt_err rc = q_open(&x, c, sql_src_links, "report links");
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

static pdt_err read_cards(sqlite_conn *c, int64_t user_id, const store_report_source *src)
{
	q x = {0};
	int step;
	pdt_err rc = q_open(&x, c, sql_src_cards, "report cards");
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
	/* One read transaction, so commits, links and cards are one snapshot. */
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK
			     ? PDT_OK
			     : sqlite_fail(c, sqlite3_errcode(c->db), "report read begin");
	if (!rc && src->commit)
		rc = read_commits(c, user_id, from, to, src);
	if (!rc && src->link)
		rc = read_links(c, user_id, from, to, src);
	if (!rc && src->card)
		rc = read_cards(c, user_id, src);
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	sqlite_checkin(s, c);
	return rc;
}

pdt_err store_report_users_with_commits(store *s, int64_t from, int64_t to, int64_t **ids,
					size_t *n)
{
	q x = {0};
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = q_open(&x, c, sql_users_with_commits, "report users");
	if (!rc) {
		int step;
		q_i64(&x, 1, from);
		q_i64(&x, 2, to);
		while ((step = q_step(&x)) == Q_ROW)
			*(int64_t *)sqlite_list_push((void **)ids, n, &cap, sizeof **ids) =
				col_i64(&x, 0);
		rc = step == Q_DONE ? PDT_OK : step;
	}
	q_close(&x);
	sqlite_checkin(s, c);
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
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = q_open(&x, c, sql_auto_get, "report auto state get");
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
	sqlite_checkin(s, c);
	return rc;
}
