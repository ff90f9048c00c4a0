/*
 * store.h's schema and health calls on any driver: migrations (one numbered
 * list per dialect, see migrations.h), the schema version, planner
 * statistics and the health ping.
 */
#include "store/store.h"

#include <time.h>

#include "core/log.h"
#include "store/db.h"
#include "store/migrations.h"

#include "core/banned.h"

const store_migration *store_migrations_for(db_dialect d)
{
	switch (d) {
	case DB_SQLITE:
		return store_sqlite_migrations;
	case DB_POSTGRES:
#ifdef PDT_MIGRATIONS_POSTGRES
		return store_postgres_migrations;
#else
		return NULL;
#endif
	}
	return NULL;
}

/* Runs a statement returning one integer; *param (if given) binds ?1. */
static pdt_err query_int(db_conn *c, db_stmt_id id, const int *param, int64_t *out)
{
	db_stmt *st = db_stmt_get(c, id);
	if (!st)
		return PDT_ESTORE;
	if (param)
		db_bind_int(st, 1, *param);
	int r = db_step(st);
	if (r == DB_ROW)
		*out = db_col_int64(st, 0);
	db_stmt_done(st);
	return r == DB_ROW ? PDT_OK : r == DB_DONE ? PDT_ESTORE : (pdt_err)r;
}

/* Serialises migrators across processes for the rest of c's transaction. */
static pdt_err migration_lock(db_conn *c)
{
	db_stmt *st = db_stmt_get(c, DB_MIG_LOCK);
	int r = st ? db_step(st) : PDT_ESTORE;
	db_stmt_done(st);
	return r == DB_ROW ? PDT_OK : r == DB_DONE ? PDT_ESTORE : (pdt_err)r;
}

static pdt_err record_migration(db_conn *c, const store_migration *m)
{
	db_stmt *st = db_stmt_get(c, DB_MIG_RECORD);
	if (!st)
		return PDT_ESTORE;
	db_bind_int(st, 1, m->version);
	db_bind_text(st, 2, m->name);
	db_bind_int64(st, 3, (int64_t)time(NULL));
	pdt_err rc = db_step_done(st);
	db_stmt_done(st);
	return rc;
}

/*
 * Applies m unless schema_migrations already has it, re-checked inside the
 * write transaction so a concurrent migrator cannot apply it twice.
 */
static pdt_err apply_one(store *s, const store_migration *m, int *applied)
{
	db_conn *c = NULL;
	int64_t present = 0;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = migration_lock(c);
	if (rc == PDT_OK)
		rc = query_int(c, DB_MIG_HAS, &m->version, &present);
	if (rc || present)
		goto cleanup;
	rc = db_exec(c, m->sql, m->name);
	if (rc == PDT_OK)
		rc = record_migration(c, m);
	if (rc == PDT_OK) {
		log_info("msg=\"store: migration applied\" version=%d name=%s", m->version, m->name);
		(*applied)++;
	}
cleanup:
	return db_write_end(s, c, rc);
}

static pdt_err create_table(store *s)
{
	db_conn *c = NULL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	rc = migration_lock(c);
	db_stmt *st = rc ? NULL : db_stmt_get(c, DB_MIG_CREATE);
	if (rc == PDT_OK)
		rc = st ? db_step_done(st) : PDT_ESTORE;
	db_stmt_done(st);
	return db_write_end(s, c, rc);
}

pdt_err store_migrate(store *s, int *applied)
{
	int n = 0;
	if (applied)
		*applied = 0;
	const store_migration *list = store_migrations_for(db_store_dialect(s));
	if (!list) {
		log_error("msg=\"store: no migrations for this database\"");
		return PDT_ESTORE;
	}
	pdt_err rc = create_table(s);
	for (const store_migration *m = list; rc == PDT_OK && m->sql; m++)
		rc = apply_one(s, m, &n);
	if (applied)
		*applied = n;
	return rc;
}

pdt_err store_optimize(store *s)
{
	db_conn *c = NULL;
	pdt_err rc = db_write_begin(s, &c);
	if (rc)
		return rc;
	return db_write_end(s, c, db_optimize(c));
}

pdt_err store_schema_version(store *s, int *version)
{
	int64_t v = 0;
	*version = 0;
	db_conn *c = db_checkout(s);
	pdt_err rc = query_int(c, DB_MIG_TABLE_EXISTS, NULL, &v);
	if (rc == PDT_OK && v)
		rc = query_int(c, DB_MIG_MAX, NULL, &v);
	if (rc == PDT_OK)
		*version = (int)v;
	db_checkin(s, c);
	return rc;
}

pdt_err store_ping(store *s)
{
	db_conn *c = db_checkout(s);
	db_stmt *st = db_stmt_get(c, DB_PING);
	int r = st ? db_step(st) : PDT_ESTORE;
	db_stmt_done(st);
	db_checkin(s, c);
	return r == DB_ROW ? PDT_OK : r == DB_DONE ? PDT_ESTORE : (pdt_err)r;
}
