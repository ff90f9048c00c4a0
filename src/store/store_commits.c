/* store.h on any db.h driver: commits and their manual Jira links. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/jsonw.h"
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

/* A batched statement is sent at BATCH_ROWS commits, or once its JSON text
 * reaches BATCH_BYTES (messages can be long); BATCH_TEXT_MAX only bounds
 * one text (a commit message comes from an upstream answer of at most
 * 32 MiB). */
#define BATCH_ROWS 1000
#define BATCH_BYTES ((size_t)1 << 20)
#define BATCH_TEXT_MAX ((size_t)1 << 30)

/* Appends in as one element of DB_COMMIT_INSERT_JSON's array (keys there). */
static pdt_err json_commit(buf *b, const store_commit_in *in)
{
	const char *key = in->jira_card_key && *in->jira_card_key ? in->jira_card_key : NULL;
	pdt_err rc = buf_appends(b, b->len ? ",{\"s\":" : "[{\"s\":");
	rc = rc ? rc : jsonw_str(b, in->sha);
	rc = rc ? rc : buf_appends(b, ",\"m\":");
	rc = rc ? rc : jsonw_str(b, in->message);
	rc = rc ? rc : buf_appends(b, ",\"a\":");
	rc = rc ? rc : jsonw_str(b, in->author);
	rc = rc ? rc : buf_appends(b, ",\"e\":");
	rc = rc ? rc : jsonw_str(b, in->author_email);
	rc = rc ? rc : buf_appends(b, ",\"b\":");
	rc = rc ? rc : jsonw_str(b, in->branch);
	rc = rc ? rc : buf_appends(b, ",\"d\":");
	rc = rc ? rc : jsonw_int(b, in->date);
	rc = rc ? rc : buf_appends(b, ",\"k\":");
	rc = rc ? rc : (key ? jsonw_str(b, key) : buf_appends(b, "null"));
	return rc ? rc : buf_appendc(b, '}');
}

/* Runs DB_COMMIT_INSERT_JSON for the array in b (closed here). */
static pdt_err insert_json(db_conn *c, int64_t repo_id, buf *b, int64_t now, size_t *added)
{
	pdt_err rc = buf_appendc(b, ']');
	db_stmt *st = rc ? NULL : db_stmt_get(c, DB_COMMIT_INSERT_JSON);
	if (!st)
		return rc ? rc : PDT_ESTORE;
	db_bind_int64(st, 1, repo_id);
	db_bind_int64(st, 2, now);
	db_bind_text(st, 3, b->data); /* borrowed: NUL-terminated */
	rc = db_step_done(st);
	if (rc == PDT_OK)
		*added += (size_t)db_changes(st);
	db_stmt_done(st);
	return rc;
}

/* In statements of up to BATCH_ROWS commits (the caller checked every SHA). */
static pdt_err insert_batched(db_conn *c, int64_t repo_id, const store_commit_in *items,
			      size_t n, int64_t now, size_t *added)
{
	buf b = BUF_INIT(BATCH_TEXT_MAX);
	size_t rows = 0;
	pdt_err rc = PDT_OK;
	for (size_t i = 0; rc == PDT_OK && i < n; i++) {
		rc = json_commit(&b, &items[i]);
		if (rc == PDT_OK && (++rows == BATCH_ROWS || b.len >= BATCH_BYTES || i + 1 == n)) {
			rc = insert_json(c, repo_id, &b, now, added);
			buf_reset(&b);
			rows = 0;
		}
	}
	buf_release(&b);
	return rc;
}

/*
 * PostgreSQL gets the commits in one statement per BATCH_ROWS: a statement
 * per commit cost a round trip each, which with a page of 100 commits per
 * repository was most of the server's and pdt's CPU per user pass. SQLite
 * runs in-process, where the prepared one-row insert is the cheapest way.
 */
pdt_err store_commit_insert_many(db_conn *c, int64_t repo_id, const store_commit_in *items,
				 size_t n, int64_t now, size_t *added)
{
	for (size_t i = 0; i < n; i++)
		if (!items[i].sha || !*items[i].sha)
			return PDT_EINVAL;
	if (db_conn_dialect(c) == DB_POSTGRES)
		return insert_batched(c, repo_id, items, n, now, added);
	db_stmt *st = n ? db_stmt_get(c, DB_COMMIT_INSERT) : NULL;
	if (n && !st)
		return PDT_ESTORE;
	pdt_err rc = PDT_OK;
	for (size_t i = 0; rc == PDT_OK && i < n; i++)
		rc = insert_one(st, repo_id, &items[i], now, added);
	return rc;
}

pdt_err store_commit_insert_batch(store *s, int64_t repo_id, const store_commit_in *items,
				  size_t n, int64_t now, size_t *inserted)
{
	db_conn *c = NULL;
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
	rc = store_commit_insert_many(c, repo_id, items, n, now, &added);
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
