/*
 * backup_sqlite: `pdt db backup` for SQLite (design and guarantees: backup.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/timeutil.h"
#include "store/backup.h"

#include "core/banned.h"

#define SQLITE_SCHEME "sqlite://"
#define TMP_SUFFIX ".tmp"
#define SOURCE_BUSY_MS 10000 /* a read transaction waits this long for WAL recovery */
#define MAX_BUSY_RETRIES 5000 /* bounded: only our own PATH.tmp can be busy */

static pdt_err fail(char *err, size_t errlen, pdt_err rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static pdt_err fail(char *err, size_t errlen, pdt_err rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

bool backup_url_is_sqlite(const char *database_url)
{
	size_t n = strlen(SQLITE_SCHEME);
	return database_url && strncmp(database_url, SQLITE_SCHEME, n) == 0 && database_url[n];
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The OS's reason behind a failed SQLite open, when it has one. */
static const char *os_reason(sqlite3 *db)
{
	int e = db ? sqlite3_system_errno(db) : 0;
	return e ? strerror(e) : "no detail";
}

/* A read-only connection inside a read transaction: the snapshot to copy. */
static pdt_err open_source(const char *dbpath, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	*out = NULL;
	int rc = sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, SOURCE_BUSY_MS);
		rc = sqlite3_exec(db, "BEGIN; SELECT count(*) FROM sqlite_schema;", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		fail(err, errlen, PDT_EIO, "cannot read database %s: %s (%s)", dbpath,
		     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), os_reason(db));
		sqlite3_close(db);
		return PDT_EIO;
	}
	*out = db;
	return PDT_OK;
}

static void remove_tmp(const char *tmp)
{
	static const char *const sidecars[] = {"", "-journal", "-wal", "-shm"};
	for (size_t i = 0; i < sizeof sidecars / sizeof sidecars[0]; i++) {
		char p[4096];
		if (snprintf(p, sizeof p, "%s%s", tmp, sidecars[i]) < (int)sizeof p)
			unlink(p);
	}
}

static pdt_err open_dest(const char *tmp, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	*out = NULL;
	remove_tmp(tmp); /* a stale PATH.tmp from an interrupted backup */
	int rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		fail(err, errlen, PDT_EIO, "cannot create %s: %s (%s)", tmp,
		     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), os_reason(db));
		sqlite3_close(db);
		return PDT_EIO;
	}
	*out = db;
	return PDT_OK;
}

/* Copies every page, a step at a time; src's open read transaction keeps the
 * snapshot fixed across steps. */
static pdt_err copy_pages(sqlite3 *src, sqlite3 *dst, const backup_opts *o, backup_stats *st,
			  char *err, size_t errlen)
{
	int pages = o->pages_per_step > 0 ? o->pages_per_step : BACKUP_PAGES_PER_STEP;
	int pause = o->sleep_ms >= 0 ? o->sleep_ms : BACKUP_SLEEP_MS;
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b)
		return fail(err, errlen, PDT_ESTORE, "cannot start the copy: %s", sqlite3_errmsg(dst));
	int rc, busy = 0;
	for (;;) {
		rc = sqlite3_backup_step(b, pages);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			if (++busy > MAX_BUSY_RETRIES)
				break;
		} else if (rc != SQLITE_OK) {
			break;
		}
		if (pause > 0)
			sleep_ms(pause);
	}
	st->pages = sqlite3_backup_pagecount(b);
	int frc = sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE || frc != SQLITE_OK)
		return fail(err, errlen, PDT_ESTORE, "copy failed: %s (%s)",
			    sqlite3_errstr(rc != SQLITE_DONE ? rc : frc), sqlite3_errmsg(dst));
	return PDT_OK;
}

/* Makes the copy one self-contained file and checks it page by page. */
static pdt_err check_copy(sqlite3 *dst, const char *tmp, char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	pdt_err out = PDT_OK;
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE;", NULL, NULL, NULL) != SQLITE_OK) {
		out = fail(err, errlen, PDT_ESTORE, "%s: cannot leave WAL mode: %s", tmp,
			   sqlite3_errmsg(dst));
		goto cleanup;
	}
	if (sqlite3_prepare_v2(dst, "PRAGMA integrity_check;", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW) {
		out = fail(err, errlen, PDT_ESTORE, "%s: integrity_check failed to run: %s", tmp,
			   sqlite3_errmsg(dst));
		goto cleanup;
	}
	const char *verdict = (const char *)sqlite3_column_text(q, 0);
	if (!verdict || strcmp(verdict, "ok") != 0)
		out = fail(err, errlen, PDT_ESTORE, "%s: integrity_check: %.200s", tmp,
			   verdict ? verdict : "(no answer)");
cleanup:
	sqlite3_finalize(q);
	return out;
}

/* fsync of a file or a directory by name; returns errno or 0. */
static int sync_path(const char *p, int flags)
{
	int fd = open(p, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return errno;
	int e = fsync(fd) == 0 ? 0 : errno;
	close(fd);
	return e;
}

static int sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return sync_path(".", O_DIRECTORY);
	if (slash == path)
		return sync_path("/", O_DIRECTORY);
	char *dir = xstrndup(path, (size_t)(slash - path));
	int e = sync_path(dir, O_DIRECTORY);
	free(dir);
	return e;
}

/* Moves the checked copy into place; without force, never over an existing
 * file (RENAME_NOREPLACE, so a file created meanwhile is not lost). */
static pdt_err publish(const char *tmp, const char *path, bool force, char *err, size_t errlen)
{
	int e = sync_path(tmp, 0);
	if (e)
		return fail(err, errlen, PDT_EIO, "cannot sync %s: %s", tmp, strerror(e));
	int rc = force ? rename(tmp, path)
		       : renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
	if (rc != 0 && !force && errno == EINVAL) {
		/* a file system without RENAME_NOREPLACE: link() never replaces either */
		rc = link(tmp, path);
		if (rc == 0)
			unlink(tmp);
	}
	if (rc != 0)
		return fail(err, errlen, errno == EEXIST ? PDT_ECONFLICT : PDT_EIO,
			    "cannot move %s to %s: %s", tmp, path, strerror(errno));
	e = sync_parent(path);
	if (e)
		return fail(err, errlen, PDT_EIO, "cannot sync the directory of %s: %s", path,
			    strerror(e));
	return PDT_OK;
}

/* Refuses a path that exists (unless force) or that is the database itself. */
static pdt_err check_target(const char *dbpath, const char *path, bool force, char *err,
			    size_t errlen)
{
	struct stat a, b;
	if (!path[0])
		return fail(err, errlen, PDT_EINVAL, "no backup path given");
	if (stat(path, &b) != 0)
		return PDT_OK;
	if (stat(dbpath, &a) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return fail(err, errlen, PDT_EINVAL, "%s is the database itself", path);
	if (!force)
		return fail(err, errlen, PDT_ECONFLICT, "%s exists (use --force to replace it)",
			    path);
	if (!S_ISREG(b.st_mode))
		return fail(err, errlen, PDT_EINVAL, "%s exists and is not a regular file", path);
	return PDT_OK;
}

static pdt_err copy_and_check(sqlite3 *src, const char *tmp, const backup_opts *o,
			      backup_stats *st, char *err, size_t errlen)
{
	sqlite3 *dst = NULL;
	pdt_err rc = open_dest(tmp, &dst, err, errlen);
	if (rc)
		return rc;
	int64_t t0 = timeutil_mono_ms();
	rc = copy_pages(src, dst, o, st, err, errlen);
	/* The snapshot is no longer needed: let the server checkpoint again. */
	sqlite3_exec(src, "COMMIT;", NULL, NULL, NULL);
	int64_t t1 = timeutil_mono_ms();
	st->copy_ms = t1 - t0;
	if (!rc)
		rc = check_copy(dst, tmp, err, errlen);
	st->check_ms = timeutil_mono_ms() - t1;
	if (sqlite3_close(dst) != SQLITE_OK && !rc)
		rc = fail(err, errlen, PDT_EIO, "cannot close %s", tmp);
	return rc;
}

pdt_err backup_run(const char *database_url, const char *path, const backup_opts *opts,
		   backup_stats *stats, char *err, size_t errlen)
{
	backup_opts o = opts ? *opts : (backup_opts){.sleep_ms = -1};
	backup_stats st = {0};
	sqlite3 *src = NULL;
	char *tmp = NULL;
	if (!backup_url_is_sqlite(database_url))
		return fail(err, errlen, PDT_EINVAL,
			    "DATABASE_URL is not a SQLite database: for PostgreSQL use pg_dump "
			    "(e.g. pg_dump -Fc -f pdt.dump \"$DATABASE_URL\")");
	const char *dbpath = database_url + strlen(SQLITE_SCHEME);
	pdt_err rc = check_target(dbpath, path ? path : "", o.force, err, errlen);
	if (rc)
		return rc;
	size_t n = strlen(path) + sizeof TMP_SUFFIX;
	tmp = xmalloc(n);
	snprintf(tmp, n, "%s%s", path, TMP_SUFFIX);
	rc = open_source(dbpath, &src, err, errlen);
	if (!rc)
		rc = copy_and_check(src, tmp, &o, &st, err, errlen);
	sqlite3_close(src);
	if (!rc)
		rc = publish(tmp, path, o.force, err, errlen);
	struct stat sb;
	if (!rc && stat(path, &sb) == 0)
		st.bytes = (int64_t)sb.st_size;
	if (rc)
		remove_tmp(tmp);
	free(tmp);
	if (stats)
		*stats = st;
	return rc;
}
