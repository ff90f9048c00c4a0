"""`pdt db backup PATH` (issue 13): an online, consistent, checked copy of the
SQLite database while the server serves and writers keep committing."""

import os
import shutil
import sqlite3
import subprocess
import threading
import time
import unittest

from harness import (PDT_BIN, PdtTestCase, Server, apply_overrides, clean_env, db_connect,
                     fake_sha, make_scratch, run_pdt, seed_commits, skip_on_pg)

SEED_COMMITS = 30000       # ~70 MB: the copy takes many steps of 1024 pages
SEED_MESSAGE = "x" * 2000
WRITER_MAX_ROWS = 200000   # bounds on the writer loops
WRITER_MAX_S = 120.0
BACKUP_TIMEOUT_S = 120.0
WRITER_PAUSE_S = 0.002


def backup_env(db_path):
    return apply_overrides(clean_env(), {"DATABASE_URL": "sqlite://" + db_path})


def integrity(path):
    conn = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return (conn.execute("PRAGMA integrity_check").fetchone()[0],
                conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


class Writer(threading.Thread):
    """Inserts one commit per transaction straight into the database (as
    another process would) until stopped; `committed` counts the rows whose
    COMMIT returned, so every row below it is durable."""

    def __init__(self, db_path, repo_id):
        super().__init__(daemon=True)
        self.db_path, self.repo_id = db_path, repo_id
        self.committed = 0
        self.stop = threading.Event()
        self.error = None

    def run(self):
        conn = db_connect(self.db_path)
        deadline = time.monotonic() + WRITER_MAX_S
        try:
            while (not self.stop.is_set() and self.committed < WRITER_MAX_ROWS
                   and time.monotonic() < deadline):
                i = self.committed
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    "INSERT INTO commits (repo_id, sha, message, author, author_email, branch,"
                    " date, jira_card_key, has_link, created_at, user_id)"
                    " VALUES (?, ?, ?, 'w', 'w@example.com', 'main', ?, NULL, 0, ?,"
                    " (SELECT user_id FROM repositories WHERE id = ?))",
                    (self.repo_id, fake_sha("writer-%d" % i), "writer %d" % i, 1700000000 + i,
                     1700000000, self.repo_id))
                conn.execute("COMMIT")
                self.committed = i + 1
                # A pause between transactions, as any real writer has: a loop
                # that takes the write lock again at once starves pdt's own
                # writes past their 5 s busy timeout (SQLite's busy handler
                # is not a queue).
                time.sleep(WRITER_PAUSE_S)
        except Exception as e:  # reported by the test
            self.error = e
        finally:
            conn.close()


class Registrar(threading.Thread):
    """Registers users through the API until stopped; `done` lists the emails
    that got their 201 (committed before the answer was sent)."""

    def __init__(self, srv):
        super().__init__(daemon=True)
        self.srv = srv
        self.done = []
        self.failures = []
        self.stop = threading.Event()

    def run(self):
        deadline = time.monotonic() + WRITER_MAX_S
        n = 0
        while not self.stop.is_set() and time.monotonic() < deadline and n < 10000:
            n += 1
            email = "backup.%d@example.com" % n
            r = self.srv.request("POST", "/api/auth/register",
                                 {"email": email, "password": "correct horse battery"},
                                 timeout=30)
            if r.status == 201:
                self.done.append(email)
            else:
                self.failures.append((email, r.status))


@skip_on_pg("pdt db backup copies SQLite databases (on PostgreSQL it points to pg_dump: "
            "BackupRefusalsTest)")
class BackupWhileWritingTest(PdtTestCase):
    def setUp(self):
        self.srv = self.start_server()
        token, _ = self.srv.register(email="owner@example.com")
        self.repo = self.srv.add_repo(token, "https://github.com/acme/backup")
        seed_commits(self.srv.db_path, self.repo["id"],
                     [{"sha": fake_sha("seed-%d" % i), "message": SEED_MESSAGE}
                      for i in range(SEED_COMMITS)])
        self.out_dir = make_scratch("pdt-backup-")
        self.addCleanup(shutil.rmtree, self.out_dir, True)

    def start_writers(self):
        writer, registrar = Writer(self.srv.db_path, self.repo["id"]), Registrar(self.srv)
        writer.start()
        registrar.start()
        for t in (writer, registrar):
            self.addCleanup(t.join, 10)
            self.addCleanup(t.stop.set)
        # Let both commit something before the backup begins.
        deadline = time.monotonic() + 30
        while (writer.committed < 50 or not registrar.done) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(writer.committed, 50, "the writer did not get going")
        self.assertTrue(registrar.done, "no registration succeeded: %r" % registrar.failures)
        return writer, registrar

    def test_copy_is_consistent_checked_and_holds_everything_committed_before(self):
        writer, registrar = self.start_writers()
        path = os.path.join(self.out_dir, "copy.db")
        rows_before, users_before = writer.committed, list(registrar.done)
        p = subprocess.run([PDT_BIN, "db", "backup", path], env=backup_env(self.srv.db_path),
                           cwd=self.out_dir, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=BACKUP_TIMEOUT_S)
        rows_after, users_after = writer.committed, len(registrar.done)
        for t in (writer, registrar):
            t.stop.set()
            t.join(30)
        self.assertIsNone(writer.error)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("integrity_check ok", p.stdout)
        # The writers kept committing while the copy was taken.
        self.assertGreater(rows_after, rows_before, "the writer was blocked by the backup")
        self.assertEqual(registrar.failures, [])
        self.assertGreater(users_after, 0)

        self.assertEqual(integrity(path), ("ok", "delete"))
        self.assertFalse(os.path.exists(path + ".tmp"))
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        copy = db_connect(path)
        try:
            seeded = copy.execute("SELECT count(*) FROM commits WHERE message = ?",
                                  (SEED_MESSAGE,)).fetchone()[0]
            written = sorted(int(r[0].split()[1]) for r in copy.execute(
                "SELECT message FROM commits WHERE message LIKE 'writer %'"))
            emails = {r[0] for r in copy.execute("SELECT email FROM users")}
        finally:
            copy.close()
        self.assertEqual(seeded, SEED_COMMITS)
        # A snapshot: the writer's rows 0..k-1 with no gap, k between the rows
        # committed before the backup began and those committed when it ended.
        self.assertEqual(written, list(range(len(written))))
        self.assertGreaterEqual(len(written), rows_before)
        self.assertLessEqual(len(written), rows_after)
        self.assertTrue(set(users_before) <= emails, set(users_before) - emails)

        # The copy is a database pdt serves: restore = point DATABASE_URL at it.
        restored_dir = make_scratch()
        shutil.copyfile(path, os.path.join(restored_dir, "pdt.db"))
        restored = self.start_server(tmpdir=restored_dir, jwt_secret=self.srv.jwt_secret,
                                     encryption_key=self.srv.encryption_key)
        r = restored.login(users_before[0], "correct horse battery")
        self.assertEqual(r.status, 200, r.body)

    def test_force_replaces_an_existing_copy_atomically(self):
        path = os.path.join(self.out_dir, "copy.db")
        with open(path, "w") as f:
            f.write("an older copy")
        p = run_pdt(["db", "backup", path], env={"DATABASE_URL": "sqlite://" + self.srv.db_path},
                    timeout=BACKUP_TIMEOUT_S)
        self.assertEqual(p.returncode, 1)
        self.assertIn(path + " exists (use --force to replace it)", p.stderr)
        with open(path) as f:
            self.assertEqual(f.read(), "an older copy")
        p = run_pdt(["db", "backup", "--force", path],
                    env={"DATABASE_URL": "sqlite://" + self.srv.db_path},
                    timeout=BACKUP_TIMEOUT_S)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(integrity(path), ("ok", "delete"))
        copy = db_connect(path)
        try:
            self.assertEqual(copy.execute("SELECT count(*) FROM commits").fetchone()[0],
                             SEED_COMMITS)
        finally:
            copy.close()


class BackupRefusalsTest(PdtTestCase):
    def setUp(self):
        self.dir = make_scratch("pdt-backup-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.db = os.path.join(self.dir, "pdt.db")
        p = run_pdt(["migrate"], env={"DATABASE_URL": "sqlite://" + self.db})
        self.assertEqual(p.returncode, 0, p.stderr)

    def backup(self, *args, url=None):
        return run_pdt(["db", "backup"] + list(args),
                       env={"DATABASE_URL": url or "sqlite://" + self.db})

    def test_postgres_url_says_pg_dump_and_exits_2(self):
        path = os.path.join(self.dir, "pg.db")
        p = self.backup(path, url="postgres://pdt:s3cretpw@127.0.0.1:1/pdt")
        self.assertEqual(p.returncode, 2)
        self.assertIn("use pg_dump", p.stderr)
        self.assertNotIn("s3cretpw", p.stderr + p.stdout)
        self.assertFalse(os.path.exists(path))

    def test_missing_directory_is_a_clear_error(self):
        path = os.path.join(self.dir, "no", "such", "dir", "copy.db")
        p = self.backup(path)
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot create " + path + ".tmp", p.stderr)
        self.assertIn("No such file or directory", p.stderr)
        self.assertEqual(p.stderr.count("\n"), 1)

    def test_the_database_itself_is_refused(self):
        p = self.backup("--force", self.db)
        self.assertEqual(p.returncode, 2)
        self.assertIn("is the database itself", p.stderr)
        self.assertEqual(integrity(self.db)[0], "ok")

    def test_missing_database_is_not_created(self):
        absent = os.path.join(self.dir, "absent.db")
        p = self.backup(os.path.join(self.dir, "copy.db"), url="sqlite://" + absent)
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot read database " + absent, p.stderr)
        self.assertFalse(os.path.exists(absent))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "copy.db")))

    def test_usage_errors_exit_2(self):
        for args in ([], ["--force"], ["a.db", "b.db"], ["--bogus", "a.db"]):
            p = self.backup(*args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn("db backup", p.stderr)
            self.assertEqual(p.stdout, "")
        p = run_pdt(["db", "restore", "x"])
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main()
