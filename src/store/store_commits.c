/* store.h on any db.h driver: commits and their manual Jira links. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store_internal.h"

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

static void bind_filter(db_stmt *st, int64_t user_id, const store_commit_filter *f)
{
	db_bind_int64(st, 1, user_id);
	db_bind_int64(st, 2, f->repo_id);
	db_bind_text(st, 3, f->jira_card_key);
	db_bind_int(st, 4, f->has_link);
	db_bind_int64(st, 5, f->limit ? f->limit : -1);
	db_bind_int64(st, 6, f->offset);
}

static int filter_valid(const store_commit_filter *f)
{
	return f->repo_id >= 0 && f->has_link >= -1 && f->has_link <= 1 && f->limit >= 0 &&
	       f->offset >= 0;
}

/* Points m's strings into the current row (valid until the next step). */
static void view_commit(db_stmt *st, store_commit *m)
{
	m->id = db_col_int64(st, 0);
	m->repo_id = db_col_int64(st, 1);
	m->sha = (char *)db_col_text(st, 2);
	m->message = (char *)db_col_text(st, 3);
	m->author = (char *)db_col_text(st, 4);
	m->author_email = (char *)db_col_text(st, 5);
	m->branch = (char *)db_col_text(st, 6);
	m->date = db_col_int64(st, 7);
	m->jira_card_key = (char *)db_col_text(st, 8);
	if (!m->jira_card_key)
		m->jira_card_key = (char *)"";
	m->has_link = db_col_int(st, 9) != 0;
	m->created_at = db_col_int64(st, 10);
}

pdt_err store_commit_each(store *s, int64_t user_id, const store_commit_filter *f,
			  store_commit_cb cb, void *ctx)
{
	static const store_commit_filter any = {.has_link = -1};
	if (!f)
		f = &any;
	if (!filter_valid(f))
		return PDT_EINVAL;
	db_conn *c = db_checkout(s);
	pdt_err rc = PDT_ESTORE;
	/* One repository walks its own index (store_sql.c). */
	db_stmt *st = db_stmt_get(c, f->repo_id ? DB_COMMIT_LIST_REPO : DB_COMMIT_LIST);
	if (!st)
		goto cleanup;
	bind_filter(st, user_id, f);
	int r;
	while ((r = db_step(st)) == DB_ROW) {
		store_commit m;
		view_commit(st, &m);
		cb(&m, ctx);
	}
	rc = r == DB_DONE ? PDT_OK : (pdt_err)r;
cleanup:
	db_stmt_done(st);
	db_checkin(s, c);
	return rc;
}

typedef struct list_ctx {
	struct store_commit_list *out;
	size_t cap;
} list_ctx;

static void copy_commit(const store_commit *m, void *ctx)
{
	list_ctx *l = ctx;
	store_commit *d = db_list_push((void **)&l->out->items, &l->out->n, &l->cap,
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

static pdt_err repo_exists(db_conn *c, int64_t repo_id)
{
	db_stmt *st = db_stmt_get(c, DB_REPO_EXISTS);
	if (!st)
		return PDT_ESTORE;
	db_bind_int64(st, 1, repo_id);
	int r = db_step(st);
	db_stmt_done(st);
	if (r == DB_ROW)
		return PDT_OK;
	return r == DB_DONE ? PDT_ENOTFOUND : (pdt_err)r;
}

static void bind_commit(db_stmt *st, int64_t repo_id, const store_commit_in *in, int64_t now)
{
	const char *key = in->jira_card_key && *in->jira_card_key ? in->jira_card_key : NULL;
	db_bind_int64(st, 1, repo_id);
	db_bind_text(st, 2, in->sha);
	db_bind_text0(st, 3, in->message);
	db_bind_text0(st, 4, in->author);
	db_bind_text0(st, 5, in->author_email);
	db_bind_text0(st, 6, in->branch);
	db_bind_int64(st, 7, in->date);
	db_bind_text(st, 8, key);
	db_bind_int64(st, 9, now);
}

/* Inserts one commit unless the repository has its SHA; *added += 1 if new. */
static pdt_err insert_one(db_stmt *st, int64_t repo_id, const store_commit_in *in, int64_t now,
			  size_t *added)
{
	if (!in->sha || !*in->sha)
		return PDT_EINVAL;
	bind_commit(st, repo_id, in, now);
	pdt_err rc = db_step_done(st);
	if (rc == PDT_OK)
		*added += (size_t)db_changes(st);
	db_stmt_done(st);
	return rc;
}

pdt_err store_commit_insert_one(db_conn *c, int64_t repo_id, const store_commit_in *in,
				int64_t now, size_t *added)
{
	db_stmt *st = db_stmt_get(c, DB_COMMIT_INSERT);
	return st ? insert_one(st, repo_id, in, now, added) : PDT_ESTORE;
}

pdt_err store_commit_insert_batch(store *s, int64_t repo_id, const store_commit_in *items,
				  size_t n, int64_t now, size_t *inserted)
{
	db_conn *c = NULL;
	db_stmt *st = NULL;
	size_t added = 0;
	if (inserted)
		*inserted = 0;
	if (n && !items)
		return PDT_EINVAL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = repo_exists(c, repo_id);
	if (rc)
		goto cleanup;
	st = db_stmt_get(c, DB_COMMIT_INSERT);
	if (!st)
		rc = PDT_ESTORE;
	for (size_t i = 0; rc == PDT_OK && i < n; i++)
		rc = insert_one(st, repo_id, &items[i], now, &added);
cleanup:
	rc = db_write_end(s, c, rc);
	if (rc == PDT_OK && inserted)
		*inserted = added;
	return rc;
}

/* ---- links ---- */

/* Binds user_id, sha, key, now as ?1..?4 (statements may use a prefix). */
static void bind_link(db_stmt *st, int64_t user_id, const char *sha, const char *key,
		      int64_t now)
{
	int np = db_param_count(st);
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, sha);
	if (np >= 3)
		db_bind_text(st, 3, key);
	if (np >= 4)
		db_bind_int64(st, 4, now);
}

/* Runs a link write statement to completion. */
static pdt_err link_exec(db_conn *c, db_stmt_id id, int64_t user_id, const char *sha,
			 const char *key, int64_t now)
{
	db_stmt *st = db_stmt_get(c, id);
	if (!st)
		return PDT_ESTORE;
	bind_link(st, user_id, sha, key, now);
	pdt_err rc = db_step_done(st);
	db_stmt_done(st);
	return rc;
}

/* Reads the link of the user's newest commit with sha; none is PDT_ENOTFOUND. */
static pdt_err link_newest(db_conn *c, int64_t user_id, const char *sha, const char *key,
			   store_link *out)
{
	db_stmt *st = db_stmt_get(c, DB_LINK_NEWEST);
	if (!st)
		return PDT_ESTORE;
	pdt_err rc = PDT_OK;
	bind_link(st, user_id, sha, key, 0);
	int r = db_step(st);
	if (r == DB_ROW) {
		out->id = db_col_int64(st, 0);
		out->commit_id = db_col_int64(st, 1);
		out->jira_card_key = db_col_dup0(st, 2);
		out->linked_at = db_col_int64(st, 3);
	} else {
		rc = r == DB_DONE ? PDT_ENOTFOUND : (pdt_err)r;
	}
	db_stmt_done(st);
	return rc;
}

pdt_err store_commit_link(store *s, int64_t user_id, const char *sha, const char *key,
			  int64_t now, store_link *out)
{
	db_conn *c = NULL;
	memset(out, 0, sizeof *out);
	if (!sha || !*sha || !key || !*key)
		return PDT_EINVAL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = link_exec(c, DB_LINK_INSERT, user_id, sha, key, now);
	if (rc == PDT_OK)
		rc = link_exec(c, DB_LINK_SET_HAS_LINK, user_id, sha, key, now);
	if (rc == PDT_OK)
		rc = link_newest(c, user_id, sha, key, out);
	rc = db_write_end(s, c, rc);
	if (rc)
		store_link_release(out);
	return rc;
}

/* ---- counts ---- */

pdt_err store_count_commits(store *s, int64_t user_id, int64_t *out)
{
	*out = 0;
	db_conn *c = db_checkout(s);
	pdt_err rc = PDT_ESTORE;
	db_stmt *st = db_stmt_get(c, DB_COMMIT_COUNT);
	if (!st)
		goto cleanup;
	db_bind_int64(st, 1, user_id);
	int r = db_step(st);
	if (r == DB_ROW) {
		*out = db_col_int64(st, 0);
		rc = PDT_OK;
	} else {
		rc = r == DB_DONE ? PDT_ESTORE : (pdt_err)r;
	}
cleanup:
	db_stmt_done(st);
	db_checkin(s, c);
	return rc;
}
