#ifndef PDT_STORE_MIGRATIONS_H
#define PDT_STORE_MIGRATIONS_H
/*
 * Schema migrations: numbered SQL files under src/store/migrations/<engine>/,
 * embedded at build time by cmake/embed_sql.cmake into a table terminated by
 * a zero entry. Applied in version order, each in its own transaction,
 * recorded in schema_migrations(version, name, applied_at).
 */
typedef struct store_migration {
	int version;
	const char *name;
	const char *sql;
} store_migration;

extern const store_migration store_sqlite_migrations[];

#endif
