"""PostgreSQL restarted under a running pdt (issue 10): requests during the
outage answer 503 {"error":"database unavailable"}, requests after it work on
re-established connections, and nothing committed before is lost.

Runs only on PostgreSQL (PDT_TEST_PG_STATE), on a dedicated cluster of its own
so that stopping it disturbs no other suite sharing the fixture's cluster.
"""
import os
import subprocess
import sys
import tempfile
import unittest

from harness import PG, PdtTestCase, fake_sha, psql, seed_commits, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
PGCLUSTER = os.path.join(HERE, "..", "pg", "pgcluster.py")


def cluster(cmd, state):
    subprocess.run([sys.executable, PGCLUSTER, cmd, state], check=True, timeout=120,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


@unittest.skipUnless(PG, "PostgreSQL only (PDT_TEST_PG_STATE)")
class PostgresRestartTest(PdtTestCase):
    def setUp(self):
        fd, self.state = tempfile.mkstemp(prefix="pdt-pg-restart-", suffix=".json")
        os.close(fd)
        cluster("start", self.state)
        self.addCleanup(cluster, "stop", self.state)
        import json
        with open(self.state) as f:
            st = json.load(f)
        self.url = "postgres://pdt@127.0.0.1:%d/postgres" % st["port"]

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


if __name__ == "__main__":
    unittest.main()
