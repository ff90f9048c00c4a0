#ifndef PDT_TESTS_UNIT_TESTDB_H
#define PDT_TESTS_UNIT_TESTDB_H
/*
 * Helpers the store tests share: a scratch directory with a migrated SQLite
 * store in it, its removal, and facts about the embedded migration lists.
 * Header-only (static functions): each cmocka test is its own executable.
 *
 * Ownership: testdb_open fills dir (the caller's buffer) and *out; the caller
 * closes the store (store_close) before testdb_rm_tree(dir).
 *
 * Include after <cmocka.h>: testdb_mk_user and testdb_mk_repo assert.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "store/migrations.h"
#include "store/store.h"

static inline int testdb_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything under it. */
static inline void testdb_rm_tree(const char *dir)
{
	nftw(dir, testdb_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new directory "<PDT_TEST_TMPDIR or /tmp>/<name>.XXXXXX" in dir (dirlen
 * bytes) holding a migrated SQLite store with pool connections. 0 on success. */
static inline int testdb_open(const char *name, int pool, char *dir, size_t dirlen, store **out)
{
	char url[1024], err[256];
	const char *base = getenv("PDT_TEST_TMPDIR");
	base = base && *base ? base : "/tmp";
	if (mkdir(base, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(dir, dirlen, "%s/%s.XXXXXX", base, name);
	if (!mkdtemp(dir))
		return -1;
	snprintf(url, sizeof url, "sqlite://%s/pdt.db", dir);
	if (store_open(url, pool, out, err, sizeof err) || store_migrate(*out, NULL))
		return -1;
	return 0;
}

/* How many migrations a list holds (numbers may have gaps), and its highest
 * version (0 for an empty list). */
static inline int testdb_migration_count(const store_migration *list)
{
	int n = 0;
	while (list[n].version)
		n++;
	return n;
}

static inline int testdb_latest_version(const store_migration *list)
{
	int n = testdb_migration_count(list);
	return n ? list[n - 1].version : 0;
}

/* A user (password hash a placeholder); its id. */
static inline int64_t testdb_mk_user(store *s, const char *email)
{
	store_user u = {0};
	assert_int_equal(store_user_create(s, email, "N", "$2b$10$hash", 1000, &u), PDT_OK);
	int64_t id = u.id;
	store_user_release(&u);
	return id;
}

/* A GitHub repository "owner/name" of uid at url; its id. */
static inline int64_t testdb_mk_repo(store *s, int64_t uid, const char *url)
{
	store_repo r = {0};
	assert_int_equal(store_repo_create(s, uid, "name", "owner", "github", url, 2000, &r),
			 PDT_OK);
	int64_t id = r.id;
	store_repo_release(&r);
	return id;
}

#endif
