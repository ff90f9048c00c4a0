"""Several `pdt serve` replicas on one database (issue 10, phase 3): one SQLite
file, or one PostgreSQL database when the harness runs on PostgreSQL
(PDT_TEST_PG_STATE; ctest -L system_pg).

The replicas share one database (DATABASE_URL of the first one) and divide
the background work through leases on the sync_status rows: each user's pass
runs exactly once per interval, never on two replicas at once; a replica
killed mid-pass loses its leases when they expire and another one finishes
its users. Every replica has its own scratch directory (its own log).
"""
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fakes import FakeGitHub  # noqa: E402
from harness import PG, PdtTestCase, Server, db_query, wait_for  # noqa: E402
from test_sync_commits import DAY, expected_commits  # noqa: E402

REPLICA_RE = re.compile(r"lease replica=(r-[0-9a-f]+)")


def token_of(i):
    return "ghp_rep%03d" % i


class ReplicaCase(PdtTestCase):
    """A fake GitHub with one repository per user, users created through a
    first server (worker off), then replicas started on its database."""

    USERS = 10
    COMMITS = 5

    def setUp(self):
        self.gh = FakeGitHub(seed=10)
        self.gh.start()
        self.addCleanup(self.gh.stop)
        for i in range(self.USERS):
            login = "rep%03d" % i
            self.gh.add_token(token_of(i), login)
            self.gh.add_repo(login, "app", visible_to=[login])
            self.gh.add_commits(login, "app", "main", self.COMMITS,
                                start_date=time.time() - 2 * DAY)
        self.replicas = []
        self.uid_token = {}  # user id -> upstream token

    def base_env(self, **kw):
        e = {"SYNC_ENABLED": "false", "SYNC_INTERVAL_JIRA": "1h",
             "GITHUB_API_URL": self.gh.base_url, "UPSTREAM_TIMEOUT": "5s"}
        e.update(kw)
        return e

    def make_users(self):
        """Registers USERS users (token + repository each) through a first
        server, stops it and returns [(api token, repo)], the shared database
        URL and the first server (for its secrets)."""
        setup = Server(env=self.base_env())
        self.addCleanup(setup.stop)  # removes its scratch dir (and PG database)
        users = []
        for i in range(self.USERS):
            tok, u = setup.register(setup.unique_email("rep"), "replica-password")
            self.uid_token[u["id"]] = token_of(i)
            r = setup.request("PUT", "/api/user/profile", {"github_token": token_of(i)},
                              token=tok)
            self.assertStatus(r, 200)
            repo = setup.add_repo(tok, "https://github.com/rep%03d/app" % i)
            users.append((tok, repo))
        setup.stop(cleanup=False)
        self.setup_srv = setup
        # db_path: the SQLite file, or the postgres:// URL (harness PG mode).
        self.db_url = setup.db_path if PG else "sqlite://" + setup.db_path
        return users

    def start_replica(self, **kw):
        env = self.base_env(**dict({"DATABASE_URL": self.db_url, "SYNC_ENABLED": "true"}, **kw))
        s = Server(env=env, jwt_secret=self.setup_srv.jwt_secret,
                   encryption_key=self.setup_srv.encryption_key)
        self.addCleanup(s.stop)
        self.replicas.append(s)
        return s

    def replica_id(self, srv):
        ok = wait_for(lambda: REPLICA_RE.search(srv.log_text()), timeout=5)
        self.assertTrue(ok, "no replica id logged")
        return REPLICA_RE.search(srv.log_text()).group(1)

    def stored_shas(self, srv, tok, repo):
        r = srv.request("GET", "/api/commits?repo_id=%d&limit=1000" % repo["id"], token=tok)
        self.assertStatus(r, 200)
        return [c["sha"] for c in r.body]

    def assert_truth(self, srv, users):
        for i, (tok, repo) in enumerate(users):
            shas = self.stored_shas(srv, tok, repo)
            self.assertEqual(len(shas), len(set(shas)), "duplicates for user %d" % i)
            self.assertEqual(set(shas), set(expected_commits(self.gh, "rep%03d" % i, "app")),
                             "user %d" % i)

    def branch_requests(self):
        """{token: [(start, end)]} of the branch listings (one per pass)."""
        out = {}
        for e in self.gh.log():
            if "/branches" in e["path"] and e["token"]:
                out.setdefault(e["token"], []).append((e["time"], e["end_time"]))
        for v in out.values():
            v.sort()
        return out


class ThreeReplicasTest(ReplicaCase):
    USERS = 100
    INTERVAL = 4.0
    ROUNDS = 4

    def test_each_pass_once_per_interval_never_twice_at_once(self):
        users = self.make_users()
        env = {"SYNC_INTERVAL_COMMITS": "%ds" % self.INTERVAL, "SYNC_LEASE_TTL": "3s"}
        reps = [self.start_replica(**env) for _ in range(3)]
        ids = {self.replica_id(r) for r in reps}
        self.assertEqual(len(ids), 3, "replica ids are not distinct")
        # Every user's first pass (due at once), then ROUNDS more intervals.
        first = wait_for(lambda: len(self.branch_requests()) == self.USERS, timeout=60)
        self.assertTrue(first, "not every user was synced")
        t0 = time.monotonic()
        time.sleep(self.INTERVAL * self.ROUNDS)
        reqs = self.branch_requests()
        t1 = time.monotonic()
        self.assertEqual(len(reqs), self.USERS)
        for tok, spans in reqs.items():
            # Never two passes of one user at once: each listing ends
            # before the next begins.
            for a, b in zip(spans, spans[1:]):
                self.assertGreaterEqual(b[0], a[1], "%s: overlapping passes" % tok)
            # Exactly one pass per interval: consecutive passes an interval
            # apart (give or take the polling delay and load), none missed.
            for a, b in zip(spans, spans[1:]):
                gap = b[0] - a[0]
                self.assertGreater(gap, self.INTERVAL * 0.6, "%s: two passes in one interval"
                                   % tok)
                self.assertLess(gap, self.INTERVAL * 1.6, "%s: an interval without a pass"
                                % tok)
            inside = [s for s in spans if t0 <= s[0] <= t1]
            self.assertIn(len(inside), (self.ROUNDS - 1, self.ROUNDS, self.ROUNDS + 1), tok)
        # The work was divided: every replica ran passes.
        for r in reps:
            self.assertRegex(r.log_text(), r"sync source=commits user_id=\d+")
        # Every replica tells the same story.
        tok, _repo = users[0]
        stories = []
        for r in reps:
            st = r.request("GET", "/api/sync/status", token=tok).body["commits"]
            stories.append((st["last_sync"], st["next_sync"]))
        self.assertEqual(len(set(stories)), 1, stories)
        self.assert_truth(reps[0], users)


class KillReplicaTest(ReplicaCase):
    USERS = 12
    COMMITS = 40

    def test_kill_9_mid_pass_another_replica_finishes(self):
        users = self.make_users()
        # Slow upstream: every pass takes a while (several pages at 150 ms).
        self.gh.set_faults(latency_ms=150)
        env = {"SYNC_INTERVAL_COMMITS": "1h", "SYNC_LEASE_TTL": "2s"}
        victim = self.start_replica(**env)
        vid = self.replica_id(victim)
        db = self.setup_srv.db_path
        held = []

        def victim_holds():
            rows = db_query(db, "SELECT user_id FROM sync_status WHERE source = 'commits' "
                            "AND lease_owner = ?", (vid,))
            held[:] = [r["user_id"] for r in rows]
            return bool(held)

        self.assertTrue(wait_for(victim_holds, timeout=20, step=0.02), "victim never leased")
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(10)
        victim._stopped = True
        killed_at = time.monotonic()
        # What it held when it died (a pass seen above may have ended before
        # the kill; its user is then not due again within the hour).
        self.assertTrue(victim_holds(), "the victim held nothing when killed")
        others = [self.start_replica(**env) for _ in range(2)]
        # The dead replica's users are synced by another once its leases expire.
        done = wait_for(lambda: all(
            st["status"] == "idle" and st["last_sync"]
            for st in (others[0].request("GET", "/api/sync/status", token=t).body["commits"]
                       for t, _r in users)), timeout=90)
        self.assertTrue(done, "not every user was synced after the kill")
        self.assert_truth(others[0], users)
        dup = db_query(db, "SELECT count(*) AS n FROM (SELECT repo_id, sha FROM commits "
                       "GROUP BY repo_id, sha HAVING count(*) > 1) AS d")
        self.assertEqual(dup[0]["n"], 0)
        logs = others[0].log_text() + others[1].log_text()
        for uid in held:
            self.assertRegex(logs, r"sync source=commits user_id=%d " % uid)
        # Nobody took them before the lease expired: 2 s after the victim's
        # last heartbeat, which was at most 2/3 s before the kill.
        for uid in held:
            after = [e["time"] for e in self.gh.log()
                     if e["token"] == self.uid_token[uid] and e["time"] > killed_at]
            self.assertTrue(after, "user %d never synced again" % uid)
            self.assertGreater(min(after) - killed_at, 1.0, "user %d taken over early" % uid)
        rows = db_query(db, "SELECT count(*) AS n FROM sync_status WHERE lease_owner = ?", (vid,))
        self.assertEqual(rows[0]["n"], 0)


class TriggerJoinsReplicaTest(ReplicaCase):
    USERS = 1
    COMMITS = 30

    def test_manual_trigger_joins_the_pass_another_replica_runs(self):
        users = self.make_users()
        tok, repo = users[0]
        self.gh.set_faults(latency_ms=400)
        worker = self.start_replica(SYNC_INTERVAL_COMMITS="1h")
        wid = self.replica_id(worker)
        other = self.start_replica(SYNC_ENABLED="false")
        db = self.setup_srv.db_path
        held = lambda: db_query(db, "SELECT count(*) AS n FROM sync_status WHERE "
                                "lease_owner = ?", (wid,))[0]["n"] == 1
        self.assertTrue(wait_for(held, timeout=20, step=0.02), "the worker never leased")
        r = other.request("POST", "/api/sync/commits", token=tok, timeout=40)
        self.assertStatus(r, 200)
        self.assertEqual([(x["repo_id"], x["error"]) for x in r.body["results"]],
                         [(repo["id"], "")])
        self.assertIn("held elsewhere; joining that pass", other.log_text())
        # One pass only: the branches were listed once, by the worker.
        self.assertEqual(len(self.gh.requests_for(path_contains="/branches")), 1)
        self.assertEqual(set(self.stored_shas(other, tok, repo)),
                         set(expected_commits(self.gh, "rep000", "app")))


class SharedBudgetTest(ReplicaCase):
    """Nine users on one GitHub token (one login, one budget of 60 requests
    per 10 s window at the fake), three replicas syncing every second: the
    demand is over the budget, so the replicas must share it and defer."""
    USERS = 9
    BUDGET = 60
    WINDOW = 10
    SHARED = "ghp_shared"

    def setUp(self):
        super().setUp()
        self.gh.add_token(self.SHARED, "rep000")
        for i in range(self.USERS):
            self.gh.set_visibility("rep%03d" % i, "app", visible_to=["rep%03d" % i, "rep000"])

    def test_three_replicas_spend_one_budget(self):
        users = self.make_users()
        self.swap_to_shared(users)
        self.gh.RATE_WINDOW = self.WINDOW
        self.gh.set_budget(self.SHARED, self.BUDGET, reset_in_seconds=self.WINDOW,
                           limit=self.BUDGET)
        self.gh.reset_log()
        env = {"SYNC_INTERVAL_COMMITS": "1s", "SYNC_MAX_WAIT": "30s", "SYNC_LEASE_TTL": "3s"}
        reps = [self.start_replica(**env) for _ in range(3)]
        # The fake's window ends, as it counts them (a window starts with the
        # first charge after the previous one ended).
        resets = set()
        stop = time.monotonic() + self.WINDOW * 3.5
        errors = set()
        while time.monotonic() < stop:
            resets.add(self.gh.budget(self.SHARED)["reset"])
            tok = users[len(resets) % len(users)][0]
            st = reps[0].request("GET", "/api/sync/status", token=tok).body["commits"]
            errors.add(st["last_error"])
            time.sleep(0.2)
        for r in reps:
            r.stop(cleanup=False)
        log = [e for e in self.gh.log() if e["token"] == self.SHARED]
        refused = [e for e in log if e["fault"] or e["status"] in (403, 429)]
        self.assertEqual(refused, [], "the fake refused requests")
        bounds = sorted(resets)
        windows = [0] * (len(bounds) + 1)
        for e in log:
            windows[sum(1 for b in bounds if e["wall"] >= b)] += 1
        self.assertTrue(windows)
        self.assertLessEqual(max(windows), self.BUDGET, windows)
        # The budget was the limit, not the demand: some window used most of it
        # and passes were deferred for the rate limit.
        self.assertGreaterEqual(max(windows), self.BUDGET * 2 // 3, windows)
        self.assertTrue(any(e and "rate limit" in e for e in errors), errors)
        # Every replica sent some of them (the budget is shared, not owned).
        self.assertTrue(all("sync source=commits user_id=" in r.log_text() for r in reps))

    def swap_to_shared(self, users):
        """PUT the shared token in every user's profile (a server on the
        database, worker off)."""
        s = Server(env=self.base_env(DATABASE_URL=self.db_url),
                   jwt_secret=self.setup_srv.jwt_secret,
                   encryption_key=self.setup_srv.encryption_key)
        try:
            for tok, _repo in users:
                r = s.request("PUT", "/api/user/profile", {"github_token": self.SHARED},
                              token=tok)
                self.assertStatus(r, 200)
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()
