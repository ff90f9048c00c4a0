#ifndef PDT_STORE_BACKUP_H
#define PDT_STORE_BACKUP_H
/*
 * backup: an online, consistent copy of pdt's SQLite database for
 * `pdt db backup PATH`, taken while `pdt serve` keeps serving.
 *
 * How: the module opens the database named by DATABASE_URL itself, on a
 * read-only connection of its own (it does not go through store.h), opens a
 * read transaction on it and copies the pages with SQLite's online backup API
 * (sqlite3_backup_step) a chunk at a time with a short sleep between chunks.
 * The read transaction is held for the whole copy, so the copy is the
 * database as it was when the backup began (every transaction committed
 * before that is in it, none committed later is), and in WAL mode neither the
 * server's readers nor its writer wait for it; the sleeps only leave the
 * server the CPU and disk. (Without the held transaction, a write by another
 * connection would restart the copy from page 1, and a busy server would
 * never let it finish.)
 *
 * The copy goes to PATH.tmp (an old PATH.tmp is replaced), is switched to
 * journal_mode=DELETE so it is one self-contained file, must pass
 * PRAGMA integrity_check, and is then renamed to PATH (and the directory
 * synced), so PATH is either absent or a complete, checked copy. A copy that
 * fails is deleted. The file is created with the process umask (pdt runs with
 * 077: the copy holds password hashes and sealed tokens).
 *
 * Errors (err gets one line naming the path and the cause; never a password):
 *   PDT_EINVAL    DATABASE_URL is not sqlite:// (PostgreSQL: the message says
 *                 to use pg_dump), or PATH is empty, or PATH is the database
 *   PDT_ECONFLICT PATH exists and opts->force is false
 *   PDT_EIO       the database cannot be opened, PATH.tmp cannot be written,
 *                 or the rename fails
 *   PDT_ESTORE    the copy failed, or its integrity_check did not answer "ok"
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct backup_opts {
	bool force;         /* replace an existing PATH (atomically, by rename) */
	int pages_per_step; /* pages copied per step; <= 0: BACKUP_PAGES_PER_STEP */
	int sleep_ms;       /* pause between steps; < 0: BACKUP_SLEEP_MS */
} backup_opts;

#define BACKUP_PAGES_PER_STEP 1024 /* 4 MiB at SQLite's default 4 KiB page */
#define BACKUP_SLEEP_MS 2

typedef struct backup_stats {
	int64_t pages;     /* pages copied */
	int64_t bytes;     /* size of the copy */
	int64_t copy_ms;   /* time spent copying */
	int64_t check_ms;  /* time spent in integrity_check */
} backup_stats;

/* True when database_url names a SQLite database (sqlite://PATH). */
bool backup_url_is_sqlite(const char *database_url);

/*
 * Copies the database named by database_url (borrowed) to path (borrowed) as
 * described above. opts may be NULL (defaults, no force); stats may be NULL.
 * Returns PDT_OK when path holds a checked copy.
 */
pdt_err backup_run(const char *database_url, const char *path, const backup_opts *opts,
		   backup_stats *stats, char *err, size_t errlen);

#endif
