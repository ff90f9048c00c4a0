"""pdt db copy: a whole database into an empty one, ids kept, counts checked.

The source is always SQLite; the target is SQLite, or PostgreSQL when the
harness runs on PostgreSQL (PDT_TEST_PG_STATE): the move the README shows.
A server syncs a user's commits (fake GitHub) and Jira sprints and cards
(fake Jira), then stops; `pdt db copy` moves its database to a new one, and a
server on the copy (same secrets: tokens are copied still encrypted) answers
every API read of that user exactly as before. A non-empty target is
refused (exit 2), and every table of the schema is covered by the copy.
"""
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fakes import FakeGitHub, FakeJira  # noqa: E402
from harness import (PG, PdtTestCase, Server, database_url, db_query, db_table_names,  # noqa: E402
                     make_scratch, run_pdt, scratch_db, server_env)
from test_sync_commits import DAY  # noqa: E402

WAIT = 30.0


class DbCopyTest(PdtTestCase):
    def setUp(self):
        self.gh = FakeGitHub(seed=4)
        self.gh.start()
        self.addCleanup(self.gh.stop)
        self.gh.add_token("ghp_copy", "copier")
        for name in ("one", "two"):
            self.gh.add_repo("octo", name)
            self.gh.add_commits("octo", name, "main", 12, start_date=time.time() - 3 * DAY,
                                message_fn="PROJ-{i}: work")
        self.gh.create_branch("octo", "one", "dev")
        self.gh.add_commits("octo", "one", "dev", 3, start_date=time.time() - DAY)
        self.jira = FakeJira(seed=5)
        self.jira.start()
        self.addCleanup(self.jira.stop)
        self.jira.add_user("c@example.com", "jira-c")
        board = self.jira.add_board("B", project="PROJ")
        sprint = self.jira.add_sprint(board, "Now", state="active")
        for i in range(5):
            self.jira.add_issue(sprint, summary="story %d" % i, updated=time.time() - DAY)

    def env(self, **kw):
        e = {"SYNC_ENABLED": "false", "GITHUB_API_URL": self.gh.base_url}
        e.update(kw)
        return e

    def populated(self):
        """A stopped server's scratch dir with a synced user on SQLite; (server, token)."""
        d = make_scratch()
        self.addCleanup(lambda: __import__("shutil").rmtree(d, ignore_errors=True))
        srv = Server(env=self.env(DATABASE_URL="sqlite://" + os.path.join(d, "pdt.db")),
                     tmpdir=d)
        token, _u = srv.register(srv.unique_email("copy"), "copy-password")
        r = srv.request("PUT", "/api/user/profile", {
            "github_token": "ghp_copy", "jira_email": "c@example.com", "jira_token": "jira-c",
            "jira_workspace": self.jira.base_url}, token=token)
        self.assertStatus(r, 200)
        srv.add_repo(token, "https://github.com/octo/one")
        srv.add_repo(token, "https://github.com/octo/two")
        self.assertStatus(srv.request("POST", "/api/sync/commits", token=token, timeout=WAIT), 200)
        self.assertStatus(srv.request("POST", "/api/sync/jira", token=token, timeout=WAIT), 200)
        return srv, token

    def answers(self, srv, token):
        paths = ["/api/user/profile", "/api/repos", "/api/commits?limit=1000",
                 "/api/commits/missing", "/api/sync/status", "/api/jira/sprints",
                 "/api/jira/active-sprint", "/api/jira/cards"]
        out = {}
        for p in paths:
            r = srv.request("GET", p, token=token)
            out[p] = (r.status, r.body)
        cards = out["/api/jira/cards"][1]
        for c in cards if isinstance(cards, list) else cards.get("cards", []):
            key = c["key"] if "key" in c else c["card_key"]
            r = srv.request("GET", "/api/jira/cards/" + key, token=token)
            out[key] = (r.status, r.body)
        return out

    def copy(self, src_db, dst_url, cwd):
        env = server_env(cwd, 1, "unused-secret-for-copy", "0" * 64)
        return run_pdt(["db", "copy", "--from", "sqlite://" + src_db, "--to", dst_url],
                       full_env=env, cwd=cwd, timeout=60)

    def test_round_trip_every_answer_identical(self):
        srv, token = self.populated()
        before = self.answers(srv, token)
        self.assertTrue(before["/api/commits?limit=1000"][1], "nothing was synced")
        srv.stop(cleanup=False)
        dst_dir = make_scratch()
        self.addCleanup(lambda: __import__("shutil").rmtree(dst_dir, ignore_errors=True))
        res = self.copy(os.path.join(srv.tmpdir, "pdt.db"), database_url(dst_dir), dst_dir)
        self.assertEqual(res.returncode, 0, res.stderr)
        counts = dict(line.split() for line in res.stdout.strip().splitlines())
        src = sqlite3.connect(os.path.join(srv.tmpdir, "pdt.db"))
        try:
            for table, n in counts.items():
                self.assertEqual(int(n), src.execute("SELECT count(*) FROM %s" % table)
                                 .fetchone()[0], table)
            tables = {r[0] for r in src.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'")}
        finally:
            src.close()
        # Every table of the schema is copied (schema_migrations: the target's own).
        self.assertEqual(tables - {"schema_migrations"}, set(counts))
        self.assertEqual(db_table_names(scratch_db(dst_dir)) - {"schema_migrations"},
                         set(counts))
        for table, n in counts.items():
            self.assertEqual(db_query(scratch_db(dst_dir), "SELECT count(*) AS n FROM " + table)
                             [0]["n"], int(n), table)
        self.assertGreater(int(counts["commits"]), 0)
        self.assertGreater(int(counts["jira_cards"]), 0)
        copy = Server(env=self.env(), tmpdir=dst_dir, jwt_secret=srv.jwt_secret,
                      encryption_key=srv.encryption_key)
        self.addCleanup(copy.stop)
        self.assertEqual(self.answers(copy, token), before)
        # Ids continue after the copied ones, and the copied tokens decrypt:
        # a new repository and a sync work on the copy.
        self.gh.add_repo("octo", "three")
        self.gh.add_commits("octo", "three", "main", 2, start_date=time.time() - DAY)
        new = copy.add_repo(token, "https://github.com/octo/three")
        self.assertGreater(new["id"], max(r["id"] for r in before["/api/repos"][1]))
        r = copy.request("POST", "/api/sync/commits", token=token, timeout=WAIT)
        self.assertStatus(r, 200)
        self.assertTrue(all(x["error"] == "" for x in r.body["results"]), r.body)

    def test_non_empty_target_refused(self):
        srv, _token = self.populated()
        srv.stop(cleanup=False)
        other = Server(env=self.env())
        self.addCleanup(other.stop)
        other.register(other.unique_email("x"), "other-password")
        other.stop(cleanup=False)
        target = other.db_path if PG else "sqlite://" + other.db_path
        before = db_query(other.db_path, "SELECT count(*) AS n FROM users")
        res = self.copy(os.path.join(srv.tmpdir, "pdt.db"), target, other.tmpdir)
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn("not empty", res.stderr)
        self.assertEqual(res.stdout, "")
        self.assertEqual(db_query(other.db_path, "SELECT count(*) AS n FROM users"), before)

    def test_usage(self):
        d = make_scratch()
        self.addCleanup(lambda: __import__("shutil").rmtree(d, ignore_errors=True))
        env = server_env(d, 1, "unused", "0" * 64)
        res = run_pdt(["db", "copy", "--from", "sqlite://" + os.path.join(d, "a.db")],
                      full_env=env, cwd=d)
        self.assertEqual(res.returncode, 2)
        self.assertIn("usage", res.stderr)


if __name__ == "__main__":
    unittest.main()
