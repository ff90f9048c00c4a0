/* SQLite backend of store.h: commits and their manual Jira links. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/sqlite_internal.h"

#include "core/banned.h"

static void commit_release(store_commit *c)
{
	free(c->sha);
	free(c->message);
	free(c->author);
	free(c->author_email);
	free(c->branch);
	free(c->jira_card_key);
	memset(c, 0, sizeof *c);
}

void store_commit_list_release(struct store_commit_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		commit_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof *l);
}

void store_link_release(store_link *l)
{
	if (!l)
		return;
	free(l->jira_card_key);
	memset(l, 0, sizeof *l);
}

/* ---- list ---- */

static int bind_filter(sqlite3_stmt *st, int64_t user_id, const store_commit_filter *f)
{
	return sqlite3_bind_int64(st, 1, user_id) || sqlite3_bind_int64(st, 2, f->repo_id) ||
	       sqlite_bind_text(st, 3, f->jira_card_key) || sqlite3_bind_int(st, 4, f->has_link) ||
	       sqlite3_bind_int64(st, 5, f->limit ? f->limit : -1) ||
	       sqlite3_bind_int64(st, 6, f->offset);
}

static int filter_valid(const store_commit_filter *f)
{
	return f->repo_id >= 0 && f->has_link >= -1 && f->has_link <= 1 && f->limit >= 0 &&
	       f->offset >= 0;
}

/* Points m's strings into the current row (valid until the next step). */
static void view_commit(sqlite3_stmt *st, store_commit *m)
{
	m->id = sqlite3_column_int64(st, 0);
	m->repo_id = sqlite3_column_int64(st, 1);
	m->sha = (char *)sqlite3_column_text(st, 2);
	m->message = (char *)sqlite3_column_text(st, 3);
	m->author = (char *)sqlite3_column_text(st, 4);
	m->author_email = (char *)sqlite3_column_text(st, 5);
	m->branch = (char *)sqlite3_column_text(st, 6);
	m->date = sqlite3_column_int64(st, 7);
	m->jira_card_key = (char *)sqlite3_column_text(st, 8);
	if (!m->jira_card_key)
		m->jira_card_key = (char *)"";
	m->has_link = sqlite3_column_int(st, 9) != 0;
	m->created_at = sqlite3_column_int64(st, 10);
}

pdt_err store_commit_each(store *s, int64_t user_id, const store_commit_filter *f,
			  store_commit_cb cb, void *ctx)
{
	static const store_commit_filter any = {.has_link = -1};
	if (!f)
		f = &any;
	if (!filter_valid(f))
		return PDT_EINVAL;
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = PDT_ESTORE;
	sqlite3_stmt *st = sqlite_stmt(c, SQ_COMMIT_LIST);
	if (!st)
		goto cleanup;
	int src = bind_filter(st, user_id, f) ? sqlite3_errcode(c->db) : SQLITE_OK;
	while (src == SQLITE_OK || src == SQLITE_ROW) {
		src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			store_commit m;
			view_commit(st, &m);
			cb(&m, ctx);
		}
	}
	rc = src == SQLITE_DONE ? PDT_OK : sqlite_fail(c, src, "commit list");
cleanup:
	sqlite_stmt_done(st);
	sqlite_checkin(s, c);
	return rc;
}

typedef struct list_ctx {
	struct store_commit_list *out;
	size_t cap;
} list_ctx;

static void copy_commit(const store_commit *m, void *ctx)
{
	list_ctx *l = ctx;
	store_commit *d = sqlite_list_push((void **)&l->out->items, &l->out->n, &l->cap,
					   sizeof *l->out->items);
	*d = *m;
	d->sha = xstrdup(m->sha ? m->sha : "");
	d->message = xstrdup(m->message ? m->message : "");
	d->author = xstrdup(m->author ? m->author : "");
	d->author_email = xstrdup(m->author_email ? m->author_email : "");
	d->branch = xstrdup(m->branch ? m->branch : "");
	d->jira_card_key = xstrdup(m->jira_card_key);
}

pdt_err store_commit_list(store *s, int64_t user_id, const store_commit_filter *f,
			  struct store_commit_list *out)
{
	list_ctx l = {.out = out};
	memset(out, 0, sizeof *out);
	pdt_err rc = store_commit_each(s, user_id, f, copy_commit, &l);
	if (rc)
		store_commit_list_release(out);
	return rc;
}

/* ---- insert ---- */

static pdt_err repo_exists(sqlite_conn *c, int64_t repo_id)
{
	sqlite3_stmt *st = sqlite_stmt(c, SQ_REPO_EXISTS);
	if (!st)
		return PDT_ESTORE;
	int src = sqlite3_bind_int64(st, 1, repo_id);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	sqlite_stmt_done(st);
	if (src == SQLITE_ROW)
		return PDT_OK;
	return src == SQLITE_DONE ? PDT_ENOTFOUND : sqlite_fail(c, src, "repo exists");
}

static int bind_commit(sqlite3_stmt *st, int64_t repo_id, const store_commit_in *in,
		       int64_t now)
{
	const char *key = in->jira_card_key && *in->jira_card_key ? in->jira_card_key : NULL;
	return sqlite3_bind_int64(st, 1, repo_id) || sqlite_bind_text(st, 2, in->sha) ||
	       sqlite_bind_text0(st, 3, in->message) || sqlite_bind_text0(st, 4, in->author) ||
	       sqlite_bind_text0(st, 5, in->author_email) ||
	       sqlite_bind_text0(st, 6, in->branch) || sqlite3_bind_int64(st, 7, in->date) ||
	       sqlite_bind_text(st, 8, key) || sqlite3_bind_int64(st, 9, now);
}

/* Inserts one commit unless the repository has its SHA; *added += 1 if new. */
static pdt_err insert_one(sqlite_conn *c, sqlite3_stmt *st, int64_t repo_id,
			  const store_commit_in *in, int64_t now, size_t *added)
{
	pdt_err rc;
	if (!in->sha || !*in->sha)
		return PDT_EINVAL;
	if (bind_commit(st, repo_id, in, now))
		rc = sqlite_fail(c, sqlite3_errcode(c->db), "commit insert bind");
	else
		rc = sqlite_step_done(c, st, "commit insert");
	if (rc == PDT_OK)
		*added += (size_t)sqlite3_changes(c->db);
	sqlite_stmt_done(st);
	return rc;
}

pdt_err sqlite_commit_insert(sqlite_conn *c, int64_t repo_id, const store_commit_in *in,
			     int64_t now, size_t *added)
{
	sqlite3_stmt *st = sqlite_stmt(c, SQ_COMMIT_INSERT);
	return st ? insert_one(c, st, repo_id, in, now, added) : PDT_ESTORE;
}

pdt_err store_commit_insert_batch(store *s, int64_t repo_id, const store_commit_in *items,
				  size_t n, int64_t now, size_t *inserted)
{
	sqlite_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	size_t added = 0;
	if (inserted)
		*inserted = 0;
	if (n && !items)
		return PDT_EINVAL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = repo_exists(c, repo_id);
	if (rc)
		goto cleanup;
	st = sqlite_stmt(c, SQ_COMMIT_INSERT);
	if (!st)
		rc = PDT_ESTORE;
	for (size_t i = 0; rc == PDT_OK && i < n; i++)
		rc = insert_one(c, st, repo_id, &items[i], now, &added);
cleanup:
	rc = sqlite_write_end(s, c, rc);
	if (rc == PDT_OK && inserted)
		*inserted = added;
	return rc;
}

/* ---- links ---- */

/* Binds user_id, sha, key, now as ?1..?4 (statements may use a prefix). */
static int bind_link(sqlite3_stmt *st, int64_t user_id, const char *sha, const char *key,
		     int64_t now)
{
	int np = sqlite3_bind_parameter_count(st);
	return sqlite3_bind_int64(st, 1, user_id) || sqlite_bind_text(st, 2, sha) ||
	       (np >= 3 && sqlite_bind_text(st, 3, key)) ||
	       (np >= 4 && sqlite3_bind_int64(st, 4, now));
}

/* Runs a link write statement to completion. */
static pdt_err link_exec(sqlite_conn *c, sqlite_stmt_id id, int64_t user_id, const char *sha,
			 const char *key, int64_t now, const char *op)
{
	sqlite3_stmt *st = sqlite_stmt(c, id);
	if (!st)
		return PDT_ESTORE;
	pdt_err rc;
	if (bind_link(st, user_id, sha, key, now))
		rc = sqlite_fail(c, sqlite3_errcode(c->db), op);
	else
		rc = sqlite_step_done(c, st, op);
	sqlite_stmt_done(st);
	return rc;
}

/* Reads the link of the user's newest commit with sha; none is PDT_ENOTFOUND. */
static pdt_err link_newest(sqlite_conn *c, int64_t user_id, const char *sha, const char *key,
			   store_link *out)
{
	sqlite3_stmt *st = sqlite_stmt(c, SQ_LINK_NEWEST);
	if (!st)
		return PDT_ESTORE;
	pdt_err rc = PDT_OK;
	int src = bind_link(st, user_id, sha, key, 0) ? sqlite3_errcode(c->db) : SQLITE_OK;
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->commit_id = sqlite3_column_int64(st, 1);
		out->jira_card_key = sqlite_col_dup0(st, 2);
		out->linked_at = sqlite3_column_int64(st, 3);
	} else {
		rc = src == SQLITE_DONE ? PDT_ENOTFOUND : sqlite_fail(c, src, "link read");
	}
	sqlite_stmt_done(st);
	return rc;
}

pdt_err store_commit_link(store *s, int64_t user_id, const char *sha, const char *key,
			  int64_t now, store_link *out)
{
	sqlite_conn *c = NULL;
	memset(out, 0, sizeof *out);
	if (!sha || !*sha || !key || !*key)
		return PDT_EINVAL;
	pdt_err rc = sqlite_write_begin(s, &c);
	if (rc)
		return rc;
	rc = link_exec(c, SQ_LINK_INSERT, user_id, sha, key, now, "link insert");
	if (rc == PDT_OK)
		rc = link_exec(c, SQ_LINK_SET_HAS_LINK, user_id, sha, key, now, "link flag");
	if (rc == PDT_OK)
		rc = link_newest(c, user_id, sha, key, out);
	rc = sqlite_write_end(s, c, rc);
	if (rc)
		store_link_release(out);
	return rc;
}

/* ---- counts ---- */

pdt_err store_count_commits(store *s, int64_t user_id, int64_t *out)
{
	*out = 0;
	sqlite_conn *c = sqlite_checkout(s);
	pdt_err rc = PDT_ESTORE;
	sqlite3_stmt *st = sqlite_stmt(c, SQ_COMMIT_COUNT);
	if (!st)
		goto cleanup;
	int src = sqlite3_bind_int64(st, 1, user_id);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = PDT_OK;
	} else {
		rc = sqlite_fail(c, src == SQLITE_DONE ? SQLITE_ERROR : src, "commit count");
	}
cleanup:
	sqlite_stmt_done(st);
	sqlite_checkin(s, c);
	return rc;
}
