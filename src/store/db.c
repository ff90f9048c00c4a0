/*
 * The driver-neutral half of db.h: store_open() picks a driver by the
 * DATABASE_URL scheme, and the helpers every store file shares.
 */
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "store/db_pg.h"
#include "store/db_sqlite.h"

#include "core/banned.h"

struct store {
	const db_driver *drv;
	db_pool *pool;
};

/* The drivers built into this binary, by URL scheme. */
static const struct {
	const char *scheme;
	const db_driver *drv;
} drivers[] = {
	{"sqlite://", &db_sqlite_driver},
	{"postgres://", &db_pg_driver},
	{"postgresql://", &db_pg_driver},
};

/* Writes the part before "://" when it looks like a scheme, else nothing. */
static void unsupported_scheme(const char *url, char *err, size_t errlen)
{
	const char *end = strstr(url, "://");
	size_t n = end ? (size_t)(end - url) : 0;
	int ok = n > 0 && n <= 16;
	for (size_t i = 0; ok && i < n; i++)
		ok = strchr("abcdefghijklmnopqrstuvwxyz0123456789+.-", url[i]) != NULL;
	if (ok)
		snprintf(err, errlen, "DATABASE_URL: unsupported scheme \"%.*s\"", (int)n, url);
	else
		snprintf(err, errlen, "DATABASE_URL: unsupported scheme");
}

static const db_driver *find_driver(const char *url, char *err, size_t errlen)
{
	for (size_t i = 0; url && i < sizeof drivers / sizeof drivers[0]; i++)
		if (strncmp(url, drivers[i].scheme, strlen(drivers[i].scheme)) == 0)
			return drivers[i].drv;
	unsupported_scheme(url ? url : "", err, errlen);
	return NULL;
}

pdt_err store_open(const char *database_url, int pool_size, store **out, char *err,
		   size_t errlen)
{
	db_pool *pool = NULL;
	*out = NULL;
	if (errlen)
		err[0] = '\0';
	const db_driver *drv = find_driver(database_url, err, errlen);
	if (!drv)
		return PDT_EINVAL;
	if (pool_size < 1 || pool_size > DB_POOL_MAX) {
		snprintf(err, errlen, "store: pool size must be 1..%d", DB_POOL_MAX);
		return PDT_EINVAL;
	}
	pdt_err rc = drv->open(database_url, pool_size, &pool, err, errlen);
	if (rc)
		return rc;
	store *s = xcalloc(1, sizeof *s);
	s->drv = drv;
	s->pool = pool;
	*out = s;
	return PDT_OK;
}

void store_close(store *s)
{
	if (!s)
		return;
	s->drv->close(s->pool);
	free(s);
}

/* ---- connections ---- */

db_conn *db_checkout(store *s)
{
	return s->drv->checkout(s->pool);
}

void db_checkin(store *s, db_conn *c)
{
	if (c)
		s->drv->checkin(s->pool, c);
}

pdt_err db_write_begin(store *s, db_conn **out)
{
	return s->drv->write_begin(s->pool, out);
}

pdt_err db_write_end(store *s, db_conn *c, pdt_err rc)
{
	return c ? s->drv->write_end(s->pool, c, rc) : rc;
}

db_dialect db_store_dialect(store *s)
{
	return s->drv->dialect;
}

pdt_err db_exec(db_conn *c, const char *sql, const char *op)
{
	return c->drv->exec(c, sql, op);
}

pdt_err db_optimize(db_conn *c)
{
	return c->drv->optimize(c);
}

/* ---- statements and columns ---- */

pdt_err db_step_done(db_stmt *st)
{
	int r = db_step(st);
	if (r == DB_DONE)
		return PDT_OK;
	if (r == DB_ROW) {
		log_error("msg=\"store: unexpected row\"");
		return PDT_ESTORE;
	}
	return (pdt_err)r;
}

char *db_col_dup(db_stmt *st, int col)
{
	const char *t = db_col_text(st, col);
	return t ? xstrdup(t) : NULL;
}

char *db_col_dup0(db_stmt *st, int col)
{
	const char *t = db_col_text(st, col);
	return xstrdup(t ? t : "");
}

/* ---- helpers ---- */

static void bind_args(db_stmt *st, int64_t user_id, int64_t arg, const char *text_arg)
{
	int np = db_param_count(st);
	if (np >= 1)
		db_bind_int64(st, 1, user_id);
	if (np >= 2)
		db_bind_int64(st, 2, arg);
	if (np >= 3)
		db_bind_text(st, 3, text_arg);
}

pdt_err db_each_row(store *s, db_stmt_id id, int64_t user_id, int64_t arg, const char *text_arg,
		    void (*row)(db_stmt *st, void *ctx), void *ctx, bool *any)
{
	db_conn *c = db_checkout(s);
	db_stmt *st = db_stmt_get(c, id);
	int r = PDT_ESTORE;
	if (any)
		*any = false;
	if (st) {
		bind_args(st, user_id, arg, text_arg);
		while ((r = db_step(st)) == DB_ROW) {
			if (any)
				*any = true;
			row(st, ctx);
		}
	}
	db_stmt_done(st);
	db_checkin(s, c);
	return r == DB_DONE ? PDT_OK : (pdt_err)r;
}

void *db_list_push(void **items, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*items = xrealloc(*items, *cap * size);
	}
	char *slot = (char *)*items + *n * size;
	memset(slot, 0, size);
	(*n)++;
	return slot;
}
