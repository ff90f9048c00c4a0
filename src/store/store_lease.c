/*
 * store.h on any db.h driver: leases on (user, source) passes and the shared
 * rate-limit budgets (migration 007). Each call is one write transaction of
 * one statement (store_budget_update: one read and one write), so the
 * database's own locking decides every race between replicas; the SQL and
 * why it is atomic on both dialects is in store_sql.c.
 */
#include "store/store.h"

#include <string.h>

#include "store/db.h"

#include "core/banned.h"

/* Runs write statement id in its own transaction; bind(st, ctx) binds it.
 * row(st, ctx), when given, reads a returned row (none: PDT_ENOTFOUND). */
static pdt_err lease_write(store *s, db_stmt_id id, void (*bind)(db_stmt *, const void *),
			   void (*row)(db_stmt *, void *), const void *in, void *out,
			   int64_t *changes)
{
	db_conn *c = NULL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	db_stmt *st = db_stmt_get(c, id);
	if (!st) {
		rc = PDT_ESTORE;
		goto cleanup;
	}
	bind(st, in);
	if (row) {
		int r = db_step(st);
		if (r == DB_ROW) {
			row(st, out);
			r = db_step(st);
		} else if (r == DB_DONE) {
			r = PDT_ENOTFOUND;
		}
		rc = r == DB_DONE ? PDT_OK : (pdt_err)r;
	} else {
		rc = db_step_done(st);
		if (!rc && changes)
			*changes = db_changes(st);
	}
	db_stmt_done(st);
cleanup:
	return db_write_end(s, c, rc);
}

typedef struct lease_args {
	int64_t user_id;
	const char *source;
	const char *owner;
	int64_t now_ms, expires_ms, next_due_ms;
} lease_args;

static void bind_ensure(db_stmt *st, const void *in)
{
	db_bind_int64(st, 1, ((const lease_args *)in)->now_ms);
}

pdt_err store_lease_ensure(store *s, const char *source, int64_t now_ms)
{
	lease_args a = {.now_ms = now_ms};
	db_stmt_id id = strcmp(source, "jira") == 0 ? DB_LEASE_ENSURE_JIRA : DB_LEASE_ENSURE_COMMITS;
	return lease_write(s, id, bind_ensure, NULL, &a, NULL, NULL);
}

static void bind_claim_due(db_stmt *st, const void *in)
{
	const lease_args *a = in;
	db_bind_text(st, 1, a->source);
	db_bind_text(st, 2, a->owner);
	db_bind_int64(st, 3, a->expires_ms);
	db_bind_int64(st, 4, a->now_ms);
}

static void read_claim_due(db_stmt *st, void *out)
{
	int64_t *o = out;
	o[0] = db_col_int64(st, 0);
	o[1] = db_col_int64(st, 1);
}

pdt_err store_lease_claim_due(store *s, const char *source, const char *owner, int64_t now_ms,
			      int64_t ttl_ms, int64_t *user_id, int64_t *due_ms)
{
	lease_args a = {.source = source, .owner = owner, .now_ms = now_ms,
			.expires_ms = now_ms + ttl_ms};
	int64_t got[2] = {0, 0};
	pdt_err rc = lease_write(s, DB_LEASE_CLAIM_DUE, bind_claim_due, read_claim_due, &a, got,
				 NULL);
	if (rc == PDT_ENOTFOUND)
		rc = PDT_OK; /* nothing due */
	*user_id = rc ? 0 : got[0];
	*due_ms = rc ? 0 : got[1];
	return rc;
}

static void bind_claim(db_stmt *st, const void *in)
{
	const lease_args *a = in;
	db_bind_int64(st, 1, a->user_id);
	db_bind_text(st, 2, a->source);
	db_bind_text(st, 3, a->owner);
	db_bind_int64(st, 4, a->now_ms);
	db_bind_int64(st, 5, a->expires_ms);
}

static void read_claim(db_stmt *st, void *out)
{
	const char *status = db_col_text(st, 0);
	*(bool *)out = status && strcmp(status, "syncing") == 0;
}

pdt_err store_lease_claim(store *s, int64_t user_id, const char *source, const char *owner,
			  int64_t now_ms, int64_t ttl_ms, bool *was_syncing)
{
	lease_args a = {.user_id = user_id, .source = source, .owner = owner, .now_ms = now_ms,
			.expires_ms = now_ms + ttl_ms};
	bool syncing = false;
	pdt_err rc = lease_write(s, DB_LEASE_CLAIM, bind_claim, read_claim, &a, &syncing, NULL);
	if (rc == PDT_ENOTFOUND)
		rc = PDT_ECONFLICT; /* the conflict clause's WHERE refused: held */
	if (was_syncing)
		*was_syncing = !rc && syncing;
	return rc;
}

static void bind_extend(db_stmt *st, const void *in)
{
	const lease_args *a = in;
	db_bind_text(st, 1, a->owner);
	db_bind_int64(st, 2, a->expires_ms);
}

pdt_err store_lease_extend(store *s, const char *owner, int64_t expires_ms, int64_t *n)
{
	lease_args a = {.owner = owner, .expires_ms = expires_ms};
	*n = 0;
	return lease_write(s, DB_LEASE_EXTEND, bind_extend, NULL, &a, NULL, n);
}

static void bind_release(db_stmt *st, const void *in)
{
	const lease_args *a = in;
	db_bind_int64(st, 1, a->user_id);
	db_bind_text(st, 2, a->source);
	db_bind_text(st, 3, a->owner);
	db_bind_time(st, 4, a->next_due_ms);
	db_bind_time(st, 5, a->next_due_ms > 0 ? (a->next_due_ms + 999) / 1000 : 0);
}

pdt_err store_lease_release(store *s, int64_t user_id, const char *source, const char *owner,
			    int64_t next_due_ms)
{
	lease_args a = {.user_id = user_id, .source = source, .owner = owner,
			.next_due_ms = next_due_ms};
	return lease_write(s, DB_LEASE_RELEASE, bind_release, NULL, &a, NULL, NULL);
}

static void bind_wake(db_stmt *st, const void *in)
{
	const lease_args *a = in;
	db_bind_text(st, 1, a->source);
	db_bind_int64(st, 2, a->now_ms);
}

pdt_err store_lease_wake(store *s, const char *source, int64_t now_ms)
{
	lease_args a = {.source = source, .now_ms = now_ms};
	return lease_write(s, DB_LEASE_WAKE, bind_wake, NULL, &a, NULL, NULL);
}

static pdt_err budget_read(db_conn *c, const char *key, store_budget *b)
{
	b->remaining = -1;
	b->reset_at = b->blocked_until = 0;
	db_stmt *st = db_stmt_get(c, DB_BUDGET_GET);
	if (!st)
		return PDT_ESTORE;
	db_bind_text(st, 1, key);
	int r = db_step(st);
	if (r == DB_ROW) {
		b->remaining = db_col_is_null(st, 0) ? -1 : db_col_int64(st, 0);
		b->reset_at = db_col_int64(st, 1);
		b->blocked_until = db_col_int64(st, 2);
	}
	db_stmt_done(st);
	return r == DB_ROW || r == DB_DONE ? PDT_OK : (pdt_err)r;
}

static pdt_err budget_write(db_conn *c, const char *key, const store_budget *b, int64_t now_ms)
{
	db_stmt *st = db_stmt_get(c, DB_BUDGET_PUT);
	if (!st)
		return PDT_ESTORE;
	db_bind_text(st, 1, key);
	if (b->remaining < 0)
		db_bind_null(st, 2);
	else
		db_bind_int64(st, 2, b->remaining);
	db_bind_time(st, 3, b->reset_at);
	db_bind_time(st, 4, b->blocked_until);
	db_bind_int64(st, 5, now_ms);
	pdt_err rc = db_step_done(st);
	db_stmt_done(st);
	return rc;
}

pdt_err store_budget_update(store *s, const char *key, int64_t now_ms,
			    bool (*fn)(store_budget *b, void *ctx), void *ctx)
{
	db_conn *c = NULL;
	store_budget b;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = budget_read(c, key, &b);
	if (!rc && fn(&b, ctx))
		rc = budget_write(c, key, &b, now_ms);
	return db_write_end(s, c, rc);
}
