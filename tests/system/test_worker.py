"""The embedded background worker: loops, status, overlap, shutdown, crash safety.

Each test starts its own fakes and its own `pdt serve` with SYNC_ENABLED=true and
intervals of a few seconds; data must appear without any manual trigger.
"""
import os
import random
import re
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fakes import FakeGitHub, FakeJira  # noqa: E402
from harness import PdtTestCase, Server, db_query, wait_for  # noqa: E402
from test_sync_commits import DAY, expected_commits  # noqa: E402

WAIT = 30.0


def parse_ts(s):
    return time.mktime(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone


def passes(log, path_part="/branches"):
    """Groups branch-list requests into passes: a pass is the set of requests
    whose [time, end_time] intervals chain together."""
    spans = sorted((e["time"], e["end_time"]) for e in log if path_part in e["path"])
    out = []
    for start, end in spans:
        if out and start <= out[-1][1] + 0.05:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out


class WorkerCase(PdtTestCase):
    def setUp(self):
        self.gh = FakeGitHub(seed=21)
        self.gh.start()
        self.addCleanup(self.gh.stop)
        self.gh.add_token("ghp_w", "worker")
        self.gh.add_repo("octo", "app")
        self.gh.add_commits("octo", "app", "main", 30, start_date=time.time() - 3 * DAY,
                            message_fn="PROJ-{i}: work")
        self.gh.create_branch("octo", "app", "dev")
        self.gh.add_commits("octo", "app", "dev", 4, start_date=time.time() - DAY)

    def env(self, **kw):
        e = {"SYNC_ENABLED": "true", "SYNC_INTERVAL_COMMITS": "2s",
             "SYNC_INTERVAL_JIRA": "1h", "GITHUB_API_URL": self.gh.base_url,
             "UPSTREAM_TIMEOUT": "2s"}
        e.update(kw)
        return e

    def setup_user(self, srv, token_value="ghp_w"):
        token, user = srv.register(srv.unique_email("w"), "worker-password")
        srv.request("PUT", "/api/user/profile", {"github_token": token_value}, token=token)
        repo = srv.add_repo(token, "https://github.com/octo/app")
        return token, user, repo

    def status(self, srv, token):
        r = srv.request("GET", "/api/sync/status", token=token)
        self.assertStatus(r, 200)
        return r.body

    def stored(self, srv, token, repo_id):
        return srv.request("GET", "/api/commits?repo_id=%d" % repo_id, token=token).body


class WorkerLoopTest(WorkerCase):
    def test_data_appears_and_status_moves(self):
        srv = self.start_server(env=self.env())
        token, _u, repo = self.setup_user(srv)
        truth = expected_commits(self.gh, "octo", "app")
        got = wait_for(lambda: len(self.stored(srv, token, repo["id"])) == len(truth))
        self.assertTrue(got, "worker did not sync within %ss" % WAIT)
        st = wait_for(lambda: (lambda s: s if s["commits"]["last_sync"] else None)(
            self.status(srv, token)))
        self.assertEqual(st["commits"]["status"], "idle")
        self.assertIsNone(st["commits"]["last_error"])
        self.assertGreater(parse_ts(st["commits"]["next_sync"]), time.time() - 1)
        # No second copy of anything after several more passes.
        time.sleep(4.5)
        self.assertEqual(len(self.stored(srv, token, repo["id"])), len(truth))
        self.assertIn("worker pass source=commits", srv.log_text())
        # /metrics counts the passes, the upstream requests and what is stored.
        # (open: no METRICS_TOKEN here; a user's JWT is not needed.)
        r = srv.request("GET", "/metrics")
        self.assertStatus(r, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/plain"))
        text = r.body.decode() if isinstance(r.body, bytes) else str(r.body)
        runs = re.search(r'^pdt_sync_runs_total\{source="commits"\} (\d+)$', text, re.M)
        self.assertTrue(runs and int(runs.group(1)) >= 2, text)
        self.assertRegex(text, r'(?m)^pdt_upstream_requests_total\{provider="github",status="(200|304)"\} \d+$')
        self.assertRegex(text, r'(?m)^pdt_http_requests_total\{route="/api/sync/status",status="200"\} \d+$')
        self.assertIn("pdt_commits_stored %d\n" % len(truth), text)

    def test_next_sync_known_at_startup_and_syncing_visible(self):
        self.gh.set_faults(latency_ms=500)
        srv = self.start_server(env=self.env(SYNC_INTERVAL_COMMITS="1h"))
        # Let the start-up pass (no users yet) end first, so the only pass of
        # this user is the manual one below.
        self.assertTrue(wait_for(lambda: "worker pass source=commits" in srv.log_text(),
                                 timeout=10))
        token, _u, _repo = self.setup_user(srv)
        st = self.status(srv, token)
        self.assertIsNotNone(st["commits"]["next_sync"])
        self.assertGreater(parse_ts(st["commits"]["next_sync"]), time.time())
        self.assertIsNotNone(st["jira"]["next_sync"])
        # A manual trigger shows "syncing" while it runs, then "idle".
        t = threading.Thread(target=lambda: srv.request("POST", "/api/sync/commits",
                                                        token=token, timeout=WAIT))
        t.start()
        seen = wait_for(lambda: self.status(srv, token)["commits"]["status"] == "syncing",
                        timeout=5, step=0.02)
        t.join(WAIT)
        self.assertTrue(seen, "status never showed syncing")
        self.assertEqual(self.status(srv, token)["commits"]["status"], "idle")

    def test_error_recorded_then_cleared(self):
        srv = self.start_server(env=self.env())
        token, _u, _repo = self.setup_user(srv, token_value="ghp_wrong")
        st = wait_for(lambda: (lambda s: s if s["commits"]["last_error"] else None)(
            self.status(srv, token)))
        self.assertTrue(st, "no last_error recorded")
        self.assertIn("Bad credentials", st["commits"]["last_error"])
        srv.request("PUT", "/api/user/profile", {"github_token": "ghp_w"}, token=token)
        cleared = wait_for(lambda: (lambda s: s if s["commits"]["last_sync"] and
                                    s["commits"]["last_error"] is None else None)(
            self.status(srv, token)))
        self.assertTrue(cleared, "last_error not cleared by a good pass")

    def test_disabled_worker_makes_no_request(self):
        srv = self.start_server(env=self.env(SYNC_ENABLED="false", SYNC_INTERVAL_COMMITS="1s"))
        token, _u, _repo = self.setup_user(srv)
        time.sleep(3.5)
        self.assertEqual(self.gh.log(), [])
        self.assertIn("worker disabled", srv.log_text())
        st = self.status(srv, token)
        self.assertIsNone(st["commits"]["last_sync"])


class WorkerJiraTest(WorkerCase):
    def test_jira_loop_syncs_without_a_trigger(self):
        jira = FakeJira(seed=8)
        jira.start()
        self.addCleanup(jira.stop)
        jira.add_user("w@example.com", "jira-w")
        board = jira.add_board("B", project="PROJ")
        sprint = jira.add_sprint(board, "Now", state="active")
        for i in range(7):
            jira.add_issue(sprint, summary="story %d" % i, updated=time.time() - 3 * DAY)
        srv = self.start_server(env=self.env(SYNC_INTERVAL_JIRA="2s",
                                             SYNC_INTERVAL_COMMITS="1h"))
        token, user = srv.register(srv.unique_email("wj"), "worker-password")
        srv.request("PUT", "/api/user/profile", {"jira_email": "w@example.com",
                                                 "jira_token": "jira-w",
                                                 "jira_workspace": jira.base_url}, token=token)
        cards = lambda: db_query(srv.db_path, "SELECT count(*) AS n FROM jira_cards "
                                 "WHERE user_id = ?", (user["id"],))[0]["n"]
        self.assertTrue(wait_for(lambda: cards() == 7), "the Jira loop stored no cards")
        st = self.status(srv, token)["jira"]
        self.assertIsNotNone(st["last_sync"])
        self.assertIsNone(st["last_error"])
        self.assertIn("worker pass source=jira", srv.log_text())


class WorkerOverlapTest(WorkerCase):
    def test_slow_passes_never_overlap_and_skips_are_logged(self):
        # Each pass takes ~3 s (several requests at 600 ms) against a 1 s interval.
        self.gh.set_faults(latency_ms=600)
        srv = self.start_server(env=self.env(SYNC_INTERVAL_COMMITS="1s"))
        self.setup_user(srv)
        ok = wait_for(lambda: len(passes(self.gh.log())) >= 3, timeout=40)
        self.assertTrue(ok, "fewer than 3 passes")
        log_text = srv.log_text()
        srv.stop()
        spans = passes(self.gh.log())
        for a, b in zip(spans, spans[1:]):
            self.assertGreaterEqual(b[0], a[1], "passes overlap: %r %r" % (a, b))
        self.assertIn("tick skipped", log_text)

    def test_manual_trigger_during_worker_pass_is_not_a_second_pass(self):
        setup = Server(env=self.env(SYNC_ENABLED="false"))
        token, _u, repo = self.setup_user(setup)
        setup.stop(cleanup=False)
        self.gh.set_faults(latency_ms=500)
        srv = self.start_server(env=self.env(SYNC_INTERVAL_COMMITS="1h"), tmpdir=setup.tmpdir,
                                jwt_secret=setup.jwt_secret,
                                encryption_key=setup.encryption_key)
        # The start-up pass is on the fake now; a manual trigger joins it.
        self.assertTrue(wait_for(lambda: self.gh.in_flight > 0, timeout=10))
        r = srv.request("POST", "/api/sync/commits", token=token, timeout=WAIT)
        self.assertStatus(r, 200)
        res = r.body["results"][0]
        self.assertEqual(res["error"], "")
        self.assertEqual(res["new_commits"], len(expected_commits(self.gh, "octo", "app")))
        self.assertEqual(len(self.gh.requests_for(path_contains="/branches")), 1)
        self.assertEqual(len(self.stored(srv, token, repo["id"])), res["new_commits"])


class WorkerShutdownTest(WorkerCase):
    def test_sigterm_with_hung_upstream(self):
        self.gh.set_faults(hang=True, hang_seconds=120)
        srv = Server(env=self.env(SHUTDOWN_TIMEOUT="3s", UPSTREAM_TIMEOUT="60s"))
        try:
            token, _u, _repo = self.setup_user(srv)
            # Wait until the worker's pass is stuck on the fake.
            self.assertTrue(wait_for(lambda: self.gh.in_flight > 0, timeout=10))
            rc, secs = srv.signal_and_wait(signal.SIGTERM, timeout=10)
        finally:
            self.gh.set_faults(hang=False)
            srv.stop(cleanup=False)
        self.addCleanup(lambda: __import__("shutil").rmtree(srv.tmpdir, ignore_errors=True))
        self.assertEqual(rc, 0)
        self.assertLess(secs, 3 + 1)
        # The interrupted pass is not recorded as a failed one.
        again = Server(env=self.env(SYNC_ENABLED="false"), tmpdir=srv.tmpdir,
                       jwt_secret=srv.jwt_secret, encryption_key=srv.encryption_key)
        try:
            st = self.status(again, token)["commits"]
            self.assertEqual((st["status"], st["last_error"]), ("idle", None))
        finally:
            again.stop()

    def test_status_and_data_survive_restart(self):
        srv = Server(env=self.env())
        try:
            token, _u, repo = self.setup_user(srv)
            truth = expected_commits(self.gh, "octo", "app")
            self.assertTrue(wait_for(lambda: len(self.stored(srv, token, repo["id"])) ==
                                     len(truth)))
            before = self.status(srv, token)["commits"]["last_sync"]
            rc, _ = srv.signal_and_wait(signal.SIGTERM)
            self.assertEqual(rc, 0)
            srv2 = Server(env=self.env(SYNC_ENABLED="false"), tmpdir=srv.tmpdir,
                          jwt_secret=srv.jwt_secret, encryption_key=srv.encryption_key)
            try:
                st = self.status(srv2, token)["commits"]
                self.assertEqual(st["last_sync"], before)
                self.assertEqual(st["status"], "idle")
                self.assertEqual(len(self.stored(srv2, token, repo["id"])), len(truth))
            finally:
                srv2.stop()
        finally:
            srv.stop()


class CrashSafetyTest(PdtTestCase):
    def test_kill_9_during_large_pass_then_restart(self):
        gh = FakeGitHub(seed=33)
        gh.start()
        self.addCleanup(gh.stop)
        gh.populate(owner="big", repos=12, branches=3, commits=150,
                    tokens={"ghp_big": "big"})
        gh.set_budget("ghp_big", 100000, reset_in_seconds=3600, limit=100000)
        gh.set_faults(latency_ms=40)
        env = {"SYNC_ENABLED": "true", "SYNC_INTERVAL_COMMITS": "1h",
               "SYNC_INTERVAL_JIRA": "1h", "GITHUB_API_URL": gh.base_url,
               "SYNC_CONCURRENCY": "3"}
        srv = Server(env=dict(env, SYNC_ENABLED="false"))
        tmp, secret, key = srv.tmpdir, srv.jwt_secret, srv.encryption_key
        token, _u = srv.register(srv.unique_email("big"), "big-password-1")
        srv.request("PUT", "/api/user/profile", {"github_token": "ghp_big"}, token=token)
        repos = [srv.add_repo(token, "https://github.com/big/repo%02d" % i) for i in range(12)]
        srv.stop(cleanup=False)
        rng = random.Random(5)
        try:
            for attempt in range(4):
                s = Server(env=env, tmpdir=tmp, jwt_secret=secret, encryption_key=key)
                time.sleep(rng.uniform(0.3, 2.0))
                s.proc.send_signal(signal.SIGKILL)
                s.proc.wait(10)
                s._stopped = True
            final = Server(env=env, tmpdir=tmp, jwt_secret=secret, encryption_key=key)
            try:
                total = sum(len(expected_commits(gh, "big", "repo%02d" % i)) for i in range(12))
                done = wait_for(lambda: db_query(final.db_path, "SELECT count(*) AS n FROM commits")
                                [0]["n"] == total, timeout=90)
                self.assertTrue(done, "commits never reached the fake's truth")
                dup = db_query(final.db_path, "SELECT count(*) AS n FROM (SELECT repo_id, sha "
                               "FROM commits GROUP BY repo_id, sha HAVING count(*) > 1) AS d")
                self.assertEqual(dup[0]["n"], 0)
                for i, repo in enumerate(repos):
                    stored = final.request("GET", "/api/commits?repo_id=%d" % repo["id"],
                                           token=token).body
                    self.assertEqual({c["sha"] for c in stored},
                                     set(expected_commits(gh, "big", "repo%02d" % i)))
                st = wait_for(lambda: (lambda b: b if b["commits"]["status"] == "idle" else None)(
                    final.request("GET", "/api/sync/status", token=token).body))
                self.assertTrue(st)
            finally:
                final.stop()
        finally:
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
