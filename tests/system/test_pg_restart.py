"""PostgreSQL restarted under a running pdt (issue 10): requests during the
outage answer 503 {"error":"database unavailable"}, requests after it work on
re-established connections, and nothing committed before is lost. And the same
under three replicas whose workers are mid-pass: they reconnect, go on
syncing, and every user ends up with the upstream's commits exactly once.

Runs only on PostgreSQL (PDT_TEST_PG_STATE), on a dedicated cluster of its own
so that stopping it disturbs no other suite sharing the fixture's cluster.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fakes import FakeGitHub  # noqa: E402
from harness import (PG, PdtTestCase, Server, fake_sha, parse_rfc3339, psql,  # noqa: E402
                     seed_commits, wait_for)
from test_sync_commits import DAY, expected_commits  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PGCLUSTER = os.path.join(HERE, "..", "pg", "pgcluster.py")


def cluster(cmd, state):
    subprocess.run([sys.executable, PGCLUSTER, cmd, state], check=True, timeout=120,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


class OwnClusterCase(PdtTestCase):
    """A PostgreSQL cluster of the test's own (self.url), halted and resumed
    with halt() / resume()."""

    def setUp(self):
        fd, self.state = tempfile.mkstemp(prefix="pdt-pg-restart-", suffix=".json")
        os.close(fd)
        cluster("start", self.state)
        self.addCleanup(cluster, "stop", self.state)
        with open(self.state) as f:
            st = json.load(f)
        self.url = "postgres://pdt@127.0.0.1:%d/postgres" % st["port"]


@unittest.skipUnless(PG, "PostgreSQL only (PDT_TEST_PG_STATE)")
class PostgresRestartTest(OwnClusterCase):

    def test_outage_answers_503_then_reconnects_and_keeps_data(self):
        # Four connections, so several of them are idle when the server goes.
        srv = self.start_server(env={"DATABASE_URL": self.url, "DATABASE_POOL_SIZE": "4",
                                     "HTTP_THREADS": "4"})
        token, user = srv.register()
        repo = srv.add_repo(token, "https://github.com/acme/restart")
        shas = [fake_sha("restart-%d" % i) for i in range(5)]
        seed_commits(self.url, repo["id"], [
            {"sha": s, "message": "m %d" % i, "date": 1700000000 + i}
            for i, s in enumerate(shas)])
        before = srv.request("GET", "/api/commits?limit=100", token=token)
        self.assertStatus(before, 200)
        self.assertEqual(len(before.body), 5)
        # Use every pooled connection once so all of them are open before the stop.
        for _ in range(8):
            self.assertStatus(srv.request("GET", "/api/user/profile", token=token), 200)

        cluster("halt", self.state)
        for path in ("/api/user/profile", "/api/commits?limit=100", "/api/repos"):
            r = srv.request("GET", path, token=token)
            self.assertError(r, 503, "database unavailable", msg=path)
        h = srv.request("GET", "/healthz")
        self.assertEqual(h.status, 503)
        self.assertTrue(srv.alive(), "pdt exited during the outage")

        cluster("resume", self.state)
        # The first request after the restart already works: a dead pooled
        # connection is found at checkout and reset before it is used.
        r = srv.request("GET", "/api/user/profile", token=token)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["email"], user["email"])
        for _ in range(8):
            r = srv.request("GET", "/api/commits?limit=100", token=token)
            self.assertStatus(r, 200)
            self.assertEqual(r.body, before.body)
        # Writes work again, and reach the database.
        self.assertEqual(srv.add_repo(token, "https://github.com/acme/after")["name"], "after")
        n = psql(self.url, "SELECT count(*) FROM repositories WHERE user_id = :'u';",
                 {"u": user["id"]})
        self.assertEqual(n, ["2"])
        self.assertTrue(srv.wait_log(lambda ln: "database connection re-established" in ln))
        self.assertTrue(wait_for(lambda: srv.request("GET", "/healthz").status == 200,
                                 timeout=5))
        srv.stop()



def login_of(i):
    return "pgr%03d" % i


def token_of(i):
    return "ghp_pgr%03d" % i


@unittest.skipUnless(PG, "PostgreSQL only (PDT_TEST_PG_STATE)")
class ReplicasRestartTest(OwnClusterCase):
    """Three replicas with their workers on, PostgreSQL halted while passes
    are in flight and resumed: no replica dies, each one's API works again at
    once, no lease stays stuck, and the replicas go on syncing."""

    USERS = 10
    COMMITS = 5
    BEFORE = 2        # commits pushed just before the outage
    MORE = 3          # commits pushed after the restart
    SLOW_MS = 800     # upstream latency around the outage
    OUTAGE = 3.0      # seconds PostgreSQL stays down
    INTERVAL = 2      # SYNC_INTERVAL_COMMITS, seconds
    LEASE_TTL = 2     # SYNC_LEASE_TTL, seconds

    def setUp(self):
        super().setUp()
        self.gh = FakeGitHub(seed=11)
        self.gh.start()
        self.addCleanup(self.gh.stop)
        for i in range(self.USERS):
            self.gh.add_token(token_of(i), login_of(i))
            self.gh.add_repo(login_of(i), "app", visible_to=[login_of(i)])
            self.gh.add_commits(login_of(i), "app", "main", self.COMMITS,
                                start_date=time.time() - 2 * DAY)

    def env(self, **kw):
        e = {"DATABASE_URL": self.url, "DATABASE_POOL_SIZE": "4", "SYNC_ENABLED": "false",
             "SYNC_INTERVAL_JIRA": "1h", "GITHUB_API_URL": self.gh.base_url,
             "UPSTREAM_TIMEOUT": "5s"}
        e.update(kw)
        return e

    def make_users(self):
        """[(api token, repo)] registered through a first server (worker
        off), which is stopped; returns it too (for its secrets)."""
        setup = Server(env=self.env())
        self.addCleanup(setup.stop)
        users = []
        for i in range(self.USERS):
            tok, _u = setup.register(setup.unique_email("pgr"), "replica-password")
            r = setup.request("PUT", "/api/user/profile", {"github_token": token_of(i)},
                              token=tok)
            self.assertStatus(r, 200)
            users.append((tok, setup.add_repo(tok, "https://github.com/%s/app" % login_of(i))))
        setup.stop(cleanup=False)
        return users, setup

    def start_replicas(self, setup, n):
        env = self.env(SYNC_ENABLED="true", SYNC_INTERVAL_COMMITS="%ds" % self.INTERVAL,
                       SYNC_LEASE_TTL="%ds" % self.LEASE_TTL)
        reps = []
        for _ in range(n):
            s = Server(env=env, jwt_secret=setup.jwt_secret, encryption_key=setup.encryption_key)
            self.addCleanup(s.stop)
            reps.append(s)
        return reps

    def sql(self, query):
        return psql(self.url, query + ";")

    def synced_once(self):
        return all(self.gh.requests_for(token=token_of(i), path_contains="/branches")
                   for i in range(self.USERS))

    def leases_held(self):
        return int(self.sql("SELECT count(*) FROM sync_status WHERE source = 'commits' "
                            "AND lease_owner IS NOT NULL")[0])

    def first_ok(self, srv, tok, path):
        """Statuses of GET path until the first 200 (at most 5 tries, 0.2 s apart)."""
        seen = []
        for _ in range(5):
            r = srv.request("GET", path, token=tok)
            seen.append(r.status)
            if r.status == 200:
                break
            time.sleep(0.2)
        return seen

    def matches_truth(self, reps, users):
        for i, (tok, repo) in enumerate(users):
            srv = reps[i % len(reps)]
            r = srv.request("GET", "/api/commits?repo_id=%d&limit=1000" % repo["id"], token=tok)
            if r.status != 200:
                return False
            shas = [c["sha"] for c in r.body]
            if (len(shas) != len(set(shas)) or
                    set(shas) != set(expected_commits(self.gh, login_of(i), "app"))):
                return False
        return True

    def story(self, reps, tok, since):
        """The user's commits status as every replica tells it, when they
        all tell the same one of a finished pass after `since`; else None."""
        seen = []
        for srv in reps:
            r = srv.request("GET", "/api/sync/status", token=tok)
            if r.status != 200:
                return None
            seen.append(r.body["commits"])
        st = seen[0]
        if any(x != st for x in seen) or st["status"] != "idle" or not st["last_sync"]:
            return None
        if parse_rfc3339(st["last_sync"]) < since:
            return None
        return st

    def test_replicas_reconnect_and_go_on_syncing(self):
        users, setup = self.make_users()
        # Every pass costs a few upstream round trips at 50 ms: passes are in
        # flight most of the time (10 users, an interval of 2 s, 3 replicas).
        self.gh.set_faults(latency_ms=50)
        reps = self.start_replicas(setup, 3)
        self.assertTrue(wait_for(self.synced_once, timeout=30), "not every user was synced")
        # New commits and a slow upstream: the next passes fetch and write,
        # and each of their round trips takes long enough that PostgreSQL
        # goes away while they are in flight.
        for i in range(self.USERS):
            self.gh.add_commits(login_of(i), "app", "main", self.BEFORE)
        self.gh.set_faults(latency_ms=self.SLOW_MS)
        self.assertTrue(wait_for(lambda: self.leases_held() >= 2, timeout=10, step=0.02),
                        "no pass in flight")
        cluster("halt", self.state)
        halted = time.monotonic()
        tok0 = users[0][0]
        for srv in reps:
            self.assertError(srv.request("GET", "/api/user/profile", token=tok0), 503,
                             "database unavailable")
        time.sleep(max(0.0, self.OUTAGE - (time.monotonic() - halted)))
        for k, srv in enumerate(reps):
            self.assertTrue(srv.alive(), "replica %d died during the outage:\n%s"
                            % (k, srv.log_tail()))
        # Passes were in flight: they ended while the database was away.
        self.assertTrue(any("source=commits failed: database unavailable" in srv.log_text()
                            for srv in reps), "no pass met the outage")
        cluster("resume", self.state)
        # Whole seconds, as the API reports them.
        resumed = int(time.time())

        # Each replica's API works again: the first request may still meet a
        # dead connection (503), the next one works, and so on.
        for k, srv in enumerate(reps):
            tok = users[k][0]
            seen = self.first_ok(srv, tok, "/api/user/profile")
            self.assertEqual(seen[-1], 200, "replica %d: %s" % (k, seen))
            self.assertLessEqual(len(seen), 2, "replica %d: %s" % (k, seen))
            self.assertTrue(all(s == 503 for s in seen[:-1]), "replica %d: %s" % (k, seen))
            for _ in range(5):
                self.assertStatus(srv.request("GET", "/api/commits?limit=10", token=tok), 200)

        # Pushed after the restart: only passes that run after it bring them.
        for i in range(self.USERS):
            self.gh.add_commits(login_of(i), "app", "main", self.MORE)
        self.assertTrue(wait_for(lambda: self.matches_truth(reps, users), timeout=30,
                                 step=0.5),
                        "the replicas did not reach the upstream's commits after the restart")
        dup = self.sql("SELECT count(*) FROM (SELECT r.user_id, c.sha FROM commits c "
                       "JOIN repositories r ON r.id = c.repo_id "
                       "GROUP BY r.user_id, c.sha HAVING count(*) > 1) AS d")
        self.assertEqual(dup, ["0"])
        total = self.sql("SELECT count(*) FROM commits")
        self.assertEqual(total, [str(self.USERS * (self.COMMITS + self.BEFORE + self.MORE))])

        # Every replica tells the same story of every user: idle (no pass stuck
        # in "syncing" by the outage), last synced after the restart, no error.
        for i, (tok, _repo) in enumerate(users):
            got = []
            ok = wait_for(lambda: got.append(self.story(reps, tok, resumed)) or got[-1],
                          timeout=10, step=0.05)
            self.assertTrue(ok, "user %d: no consistent idle status after the restart" % i)
            self.assertIsNone(got[-1]["last_error"], "user %d" % i)
        # Nothing says "syncing" that no live lease covers.
        stale = self.sql("SELECT count(*) FROM sync_status WHERE status = 'syncing' AND "
                         "(lease_owner IS NULL OR lease_expires < "
                         "CAST(extract(epoch FROM now()) * 1000 AS bigint))")
        self.assertEqual(stale, ["0"])
        for k, srv in enumerate(reps):
            self.assertTrue(srv.alive(), "replica %d died" % k)
            self.assertIn("database connection re-established", srv.log_text())
        for srv in reps:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
