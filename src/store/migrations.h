#ifndef PDT_STORE_MIGRATIONS_H
#define PDT_STORE_MIGRATIONS_H
/*
 * Schema migrations: numbered SQL files under src/store/migrations/<dialect>/
 * (sqlite/ today; postgres/ joins with the PostgreSQL driver), embedded at
 * build time by cmake/embed_sql.cmake into one table per dialect, terminated
 * by a zero entry. Every dialect has the same version numbers: one list of
 * versions, one text per dialect. Applied in version order, each in its own
 * write transaction, recorded in schema_migrations(version, name,
 * applied_at) by store_schema.c.
 */
#include "store/db.h"

typedef struct store_migration {
	int version;
	const char *name;
	const char *sql;
} store_migration;

/* Generated from src/store/migrations/<dialect>/ into build/generated/;
 * CMake defines PDT_MIGRATIONS_<DIALECT> for each directory that exists and
 * fails the configure step when their version numbers differ. */
extern const store_migration store_sqlite_migrations[];
#ifdef PDT_MIGRATIONS_POSTGRES
extern const store_migration store_postgres_migrations[];
#endif

/* The table of dialect d, or NULL when this build has none for it. */
const store_migration *store_migrations_for(db_dialect d);

#endif
