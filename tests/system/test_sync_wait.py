"""A sync never holds an HTTP thread for long (issue 8).

Manual triggers run their pass on the worker's trigger pool and wait at most
SYNC_WAIT (then 202 {"status":"syncing"}); a Retry-After or reset further away
than SYNC_MAX_WAIT defers the repository; a user's pass ends by its deadline (the
interval), so stalled users cannot hold the worker's slots.

The stalled user's repositories live on the GitLab fake (its faults are the
stall), the healthy user's on the GitHub fake.
"""
import os
import re
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fakes import FakeGitHub, FakeGitLab, FakeJira  # noqa: E402
from harness import HOST, PdtTestCase, http_request, parse_rfc3339, wait_for  # noqa: E402
from test_sync_commits import DAY, expected_commits  # noqa: E402

TRIGGERS = 8
HEALTHZ_MAX = 0.100      # seconds, every probe
RATE_LIMITED_RE = re.compile(
    r"rate limited until (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z); deferred to the next pass")
DEADLINE_MSG = "deadline reached; deferred to the next pass"


class HealthProbe:
    """Polls /healthz every ~50 ms on a fresh connection until stopped
    (bounded: at most max_probes, at most max_seconds)."""

    def __init__(self, port, max_probes=1200, max_seconds=60.0):
        self.port = port
        self.samples = []  # (status, seconds)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, args=(max_probes, max_seconds))

    def _run(self, max_probes, max_seconds):
        end = time.monotonic() + max_seconds
        while not self._stop.is_set() and len(self.samples) < max_probes \
                and time.monotonic() < end:
            t0 = time.monotonic()
            try:
                st = http_request(self.port, "GET", "/healthz", timeout=5.0).status
            except OSError:
                st = None
            self.samples.append((st, time.monotonic() - t0))
            self._stop.wait(0.05)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(10)
        return False


class SyncWaitCase(PdtTestCase):
    def setUp(self):
        now = time.time()
        self.gh = FakeGitHub(seed=31)
        self.gh.start()
        self.addCleanup(self.gh.stop)
        self.gh.add_token("ghp_healthy", "healthy")
        self.gh.add_repo("octo", "app")
        self.gh.add_commits("octo", "app", "main", 40, start_date=now - 3 * DAY,
                            message_fn="PROJ-{i}: work")
        self.gh.create_branch("octo", "app", "dev")
        self.gh.add_commits("octo", "app", "dev", 5, start_date=now - DAY)
        self.gl = FakeGitLab(seed=32)
        self.gl.start()
        self.addCleanup(self.gl.stop)
        self.addCleanup(lambda: self.gl.set_faults(hang=False))
        self.gl.add_token("glpat-stalled", "stalled")
        for name in ("stuck", "stuck2"):
            self.gl.add_repo("group", name)
            self.gl.add_commits("group", name, "main", 6, start_date=now - DAY)

    def env(self, **kw):
        e = {"GITHUB_API_URL": self.gh.base_url, "UPSTREAM_TIMEOUT": "30s"}
        e.update(kw)
        return e

    def healthy_user(self, srv):
        token, user = srv.register(srv.unique_email("ok"), "healthy-password")
        self.assertStatus(srv.request("PUT", "/api/user/profile",
                                      {"github_token": "ghp_healthy"}, token=token), 200)
        return token, srv.add_repo(token, "https://github.com/octo/app")

    def stalled_user(self, srv, repo="stuck"):
        token, user = srv.register(srv.unique_email("stalled"), "stalled-password")
        self.assertStatus(srv.request("PUT", "/api/user/profile",
                                      {"gitlab_token": "glpat-stalled",
                                       "gitlab_url": self.gl.base_url}, token=token), 200)
        return token, srv.add_repo(token, self.gl.base_url + "/group/" + repo)

    def status(self, srv, token):
        r = srv.request("GET", "/api/sync/status", token=token)
        self.assertStatus(r, 200)
        return r.body["commits"]

    def stored(self, srv, token, repo_id):
        r = srv.request("GET", "/api/commits?repo_id=%d" % repo_id, token=token)
        self.assertStatus(r, 200)
        return r.body

    def trigger(self, srv, token, out, path="/api/sync/commits"):
        t0 = time.monotonic()
        r = srv.request("POST", path, token=token, timeout=60)
        out.append((r.status, r.body, time.monotonic() - t0))

    def storm(self, srv, stalled_token, healthy_token):
        """TRIGGERS concurrent triggers for the stalled user and, meanwhile, one
        for the healthy user; /healthz probed throughout."""
        stalled, healthy = [], []
        threads = [threading.Thread(target=self.trigger, args=(srv, stalled_token, stalled))
                   for _ in range(TRIGGERS)]
        with HealthProbe(srv.port) as probe:
            time.sleep(0.2)
            for t in threads:
                t.start()
            time.sleep(0.3)  # the stalled triggers are in
            h = threading.Thread(target=self.trigger, args=(srv, healthy_token, healthy))
            h.start()
            for t in threads + [h]:
                t.join(60)
            time.sleep(0.2)
        return stalled, healthy, probe.samples

    def assertHealthy(self, samples):
        self.assertGreaterEqual(len(samples), 10, "too few /healthz probes")
        bad = [s for s in samples if s[0] != 200 or s[1] >= HEALTHZ_MAX]
        self.assertEqual(bad, [], "/healthz slow or failing (%d probes, worst %.3f s)"
                         % (len(samples), max(s[1] for s in samples)))

    def assertHealthySynced(self, srv, token, repo, healthy):
        self.assertEqual(len(healthy), 1)
        status, body, _secs = healthy[0]
        self.assertEqual(status, 200, body)
        truth = expected_commits(self.gh, "octo", "app")
        res = body["results"][0]
        self.assertEqual((res["repo_name"], res["error"]), ("octo/app", ""))
        self.assertEqual(res["new_commits"], len(truth))
        self.assertEqual({c["sha"] for c in self.stored(srv, token, repo["id"])}, set(truth))


class TriggerStormTest(SyncWaitCase):
    def test_429_retry_after_899_answers_in_time(self):
        self.gl.set_faults(rate_429=10 ** 6, retry_after=899)
        srv = self.start_server(env=self.env(SYNC_WAIT="3s"))
        s_token, s_repo = self.stalled_user(srv)
        h_token, h_repo = self.healthy_user(srv)
        stalled, healthy, samples = self.storm(srv, s_token, h_token)
        self.assertEqual(len(stalled), TRIGGERS)
        for status, body, secs in stalled:
            self.assertLessEqual(secs, 3 + 1, (status, body))
            self.assertIn(status, (200, 202), body)
            if status == 202:
                self.assertEqual(body, {"status": "syncing"})
            else:
                self.assertRegex(body["results"][0]["error"], RATE_LIMITED_RE)
        self.assertHealthy(samples)
        self.assertHealthySynced(srv, h_token, h_repo, healthy)
        # Nothing hammered the limited host: one request per pass at most.
        self.assertLessEqual(len(self.gl.log()), TRIGGERS)
        st = wait_for(lambda: (lambda s: s if s["status"] == "idle" else None)(
            self.status(srv, s_token)), timeout=10)
        self.assertTrue(st)
        self.assertRegex(st["last_error"], RATE_LIMITED_RE)

    def test_hung_upstream_answers_202_within_sync_wait(self):
        self.gl.set_faults(hang=True, hang_seconds=120)
        srv = self.start_server(env=self.env(SYNC_WAIT="2s", SHUTDOWN_TIMEOUT="5s"))
        s_token, _s_repo = self.stalled_user(srv)
        h_token, h_repo = self.healthy_user(srv)
        stalled, healthy, samples = self.storm(srv, s_token, h_token)
        self.assertEqual(len(stalled), TRIGGERS)
        for status, body, secs in stalled:
            self.assertEqual((status, body), (202, {"status": "syncing"}))
            self.assertLessEqual(secs, 2 + 1)
        self.assertHealthy(samples)
        self.assertHealthySynced(srv, h_token, h_repo, healthy)
        # The eight triggers joined one pass: one request is hanging on the fake.
        self.assertEqual(self.status(srv, s_token)["status"], "syncing")
        self.assertEqual(self.gl.in_flight, 1)
        # SIGTERM stays prompt with that pass hanging on the pool.
        rc, secs = srv.signal_and_wait(signal.SIGTERM, timeout=15)
        self.assertEqual(rc, 0)
        self.assertLess(secs, 5 + 1)


    def test_waiting_triggers_hold_no_http_thread(self):
        # One HTTP thread: eight triggers waiting for a hung pass, /healthz and
        # another user's sync are all served by it meanwhile.
        self.gl.set_faults(hang=True, hang_seconds=120)
        srv = self.start_server(env=self.env(SYNC_WAIT="3s", HTTP_THREADS="1"))
        s_token, _s_repo = self.stalled_user(srv)
        h_token, h_repo = self.healthy_user(srv)
        stalled, healthy, samples = self.storm(srv, s_token, h_token)
        for status, body, secs in stalled:
            self.assertEqual((status, body), (202, {"status": "syncing"}))
            self.assertLessEqual(secs, 3 + 1)
        self.assertHealthy(samples)
        self.assertHealthySynced(srv, h_token, h_repo, healthy)


    def test_sigterm_answers_waiting_triggers(self):
        self.gl.set_faults(hang=True, hang_seconds=120)
        srv = self.start_server(env=self.env(SYNC_WAIT="20s", SHUTDOWN_TIMEOUT="5s"))
        token, _repo = self.stalled_user(srv)
        out = []
        threads = [threading.Thread(target=self.trigger, args=(srv, token, out))
                   for _ in range(3)]
        for t in threads:
            t.start()
        self.assertTrue(wait_for(lambda: self.gl.in_flight > 0, timeout=10))
        time.sleep(0.3)
        rc, secs = srv.signal_and_wait(signal.SIGTERM, timeout=15)
        for t in threads:
            t.join(20)
        self.assertEqual(rc, 0)
        self.assertLess(secs, 5 + 1)
        # Every waiting trigger got an answer: the cancelled pass's report, or 503.
        self.assertEqual(len(out), 3)
        for status, body, secs in out:
            self.assertIn(status, (200, 503), body)
            self.assertLess(secs, 10)
            if status == 200:
                self.assertEqual(body["results"][0]["error"], "cancelled")


    def test_answers_for_clients_that_left_are_dropped_safely(self):
        # Three triggers wait on a hung pass and their clients hang up before
        # SYNC_WAIT; the deferred 202s are still finished (from the trigger
        # pool's threads, onto the HTTP loops) and go nowhere. The server
        # serves on and stops cleanly (under ASan: no use after free).
        self.gl.set_faults(hang=True, hang_seconds=120)
        srv = self.start_server(env=self.env(SYNC_WAIT="1s", SHUTDOWN_TIMEOUT="5s"))
        token, _repo = self.stalled_user(srv)
        req = ("POST /api/sync/commits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Length: 0\r\n\r\n" % token).encode()
        for _ in range(3):
            with socket.create_connection((HOST, srv.port), timeout=5) as s:
                s.sendall(req)
        self.assertTrue(wait_for(lambda: self.gl.in_flight > 0, timeout=10))
        self.assertTrue(wait_for(lambda: srv.log_text().count(
            "route=/api/sync/commits status=202") >= 3, timeout=10), srv.log_tail())
        self.assertStatus(srv.request("GET", "/healthz"), 200)
        rc, secs = srv.signal_and_wait(signal.SIGTERM, timeout=15)
        self.assertEqual(rc, 0, srv.log_tail())
        self.assertLess(secs, 5 + 1)


class BackgroundPassTest(SyncWaitCase):
    def test_202_then_syncing_then_idle_with_the_result(self):
        self.gh.set_faults(latency_ms=1200)
        srv = self.start_server(env=self.env(SYNC_WAIT="1s"))
        token, repo = self.healthy_user(srv)
        t0 = time.monotonic()
        r = srv.request("POST", "/api/sync/commits", token=token, timeout=10)
        self.assertLess(time.monotonic() - t0, 1 + 1)
        self.assertStatus(r, 202)
        self.assertEqual(r.body, {"status": "syncing"})
        self.assertEqual(self.status(srv, token)["status"], "syncing")
        st = wait_for(lambda: (lambda s: s if s["status"] == "idle" else None)(
            self.status(srv, token)), timeout=30)
        self.assertTrue(st, "the background pass never finished")
        self.assertIsNone(st["last_error"])
        self.assertAlmostEqual(parse_rfc3339(st["last_sync"]), time.time(), delta=30)
        truth = expected_commits(self.gh, "octo", "app")
        self.assertEqual({c["sha"] for c in self.stored(srv, token, repo["id"])}, set(truth))
        # A finished pass answers 200 with the contract's body.
        self.gh.set_faults(latency_ms=0)
        r = srv.request("POST", "/api/sync/commits", token=token, timeout=10)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["results"], [{"repo_id": repo["id"], "repo_name": "octo/app",
                                              "provider": "github", "new_commits": 0,
                                              "total_fetched": 0, "error": ""}])


    def test_jira_trigger_202_then_idle_then_200(self):
        now = time.time()
        fake = FakeJira()
        fake.start()
        self.addCleanup(fake.stop)
        fake.add_user("ana@example.com", "jira-ana")
        board = fake.add_board("Main", project="PROJ")
        active = fake.add_sprint(board, "Sprint 1", state="active")
        keys = [fake.add_issue(active, summary="story %d" % i, updated=now - DAY)
                for i in range(3)]
        fake.set_faults(latency_ms=1200)
        srv = self.start_server(env=self.env(SYNC_WAIT="1s"))
        token, _ = srv.register(srv.unique_email("jira"), "jira-password-1")
        self.assertStatus(srv.request("PUT", "/api/user/profile", {
            "jira_email": "ana@example.com", "jira_token": "jira-ana",
            "jira_workspace": fake.base_url}, token=token), 200)
        t0 = time.monotonic()
        r = srv.request("POST", "/api/sync/jira", token=token, timeout=10)
        self.assertLess(time.monotonic() - t0, 1 + 1)
        self.assertEqual((r.status, r.body), (202, {"status": "syncing"}))
        jira_status = lambda: srv.request("GET", "/api/sync/status", token=token).body["jira"]
        self.assertEqual(jira_status()["status"], "syncing")
        st = wait_for(lambda: (lambda s: s if s["status"] == "idle" else None)(jira_status()),
                      timeout=30)
        self.assertTrue(st, "the background Jira pass never finished")
        self.assertIsNone(st["last_error"])
        cards = srv.request("GET", "/api/jira/cards", token=token).body
        self.assertEqual(sorted(c["key"] for c in cards), sorted(keys))
        fake.set_faults(latency_ms=0)
        r = srv.request("POST", "/api/sync/jira", token=token, timeout=10)
        self.assertEqual((r.status, r.body), (200, {"sprints": 1, "cards": 3, "error": ""}))


    def test_first_jira_reads_are_bounded_while_a_pass_hangs(self):
        # A manual Jira pass hangs on the upstream; the user's first /api/jira
        # reads (never synced) join it, yet each answers from the store within
        # JIRA_FIRST_SYNC_TIMEOUT (+ the store margin) and, with one HTTP
        # thread, /healthz keeps answering: the reads hold no thread.
        fake = FakeJira()
        fake.start()
        self.addCleanup(fake.stop)
        self.addCleanup(lambda: fake.set_faults(hang=False))
        fake.add_user("ana@example.com", "jira-ana")
        board = fake.add_board("Main", project="PROJ")
        fake.add_issue(fake.add_sprint(board, "Sprint 1", state="active"), summary="story")
        fake.set_faults(hang=True)
        srv = self.start_server(env=self.env(SYNC_WAIT="1s", HTTP_THREADS="1",
                                             JIRA_FIRST_SYNC_TIMEOUT="1s"))
        token, _ = srv.register(srv.unique_email("jira"), "jira-password-1")
        self.assertStatus(srv.request("PUT", "/api/user/profile", {
            "jira_email": "ana@example.com", "jira_token": "jira-ana",
            "jira_workspace": fake.base_url}, token=token), 200)
        r = srv.request("POST", "/api/sync/jira", token=token, timeout=10)
        self.assertEqual((r.status, r.body), (202, {"status": "syncing"}))
        reads = []

        def read(path):
            t0 = time.monotonic()
            r = srv.request("GET", path, token=token, timeout=30)
            reads.append((path, r.status, r.body, time.monotonic() - t0))

        paths = ["/api/jira/active-sprint", "/api/jira/cards", "/api/jira/sprints",
                 "/api/jira/cards/PROJ-1"]
        threads = [threading.Thread(target=read, args=(p,)) for p in paths]
        with HealthProbe(srv.port) as probe:
            time.sleep(0.2)
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            time.sleep(0.2)
        self.assertEqual(len(reads), len(paths))
        for path, status, body, secs in reads:
            with self.subTest(path=path):
                self.assertLess(secs, 1 + 1 + 1, "the first read waited for the hung pass")
                if path == "/api/jira/sprints":
                    self.assertEqual((status, body), (200, []))
                else:
                    self.assertEqual(status, 404, body)
        self.assertHealthy(probe.samples)
        self.assertEqual(srv.request("GET", "/api/sync/status",
                                     token=token).body["jira"]["status"], "syncing")


class DeferralTest(SyncWaitCase):
    def check_deferred(self, srv, token, repo, retry_after):
        t0 = time.time()
        r = srv.request("POST", "/api/sync/commits", token=token, timeout=30)
        self.assertStatus(r, 200)
        res = r.body["results"][0]
        m = RATE_LIMITED_RE.search(res["error"])
        self.assertTrue(m, res["error"])
        self.assertAlmostEqual(parse_rfc3339(m.group(1)), t0 + retry_after, delta=5)
        self.assertEqual(res["new_commits"], 0)
        st = self.status(srv, token)
        self.assertEqual(st["status"], "idle")
        self.assertIn(m.group(0), st["last_error"])
        repos = srv.request("GET", "/api/repos", token=token).body
        self.assertTrue(repos[0]["is_valid"])
        self.assertEqual(self.stored(srv, token, repo["id"]), [])

    def test_retry_after_over_sync_max_wait_defers_then_next_pass_syncs(self):
        self.gl.set_faults(rate_429=10 ** 6, retry_after=899)
        srv = self.start_server(env=self.env())
        token, repo = self.stalled_user(srv)
        self.check_deferred(srv, token, repo, 899)
        self.assertEqual(len(self.gl.log()), 1)  # asked once, not hammered
        self.gl.set_faults(rate_429=0)
        r = srv.request("POST", "/api/sync/commits", token=token, timeout=30)
        self.assertStatus(r, 200)
        res = r.body["results"][0]
        self.assertEqual(res["error"], "")
        truth = expected_commits(self.gl, "group", "stuck")
        self.assertEqual(res["new_commits"], len(truth))
        self.assertEqual({c["sha"] for c in self.stored(srv, token, repo["id"])}, set(truth))
        self.assertIsNone(self.status(srv, token)["last_error"])

    def test_sync_max_wait_is_configurable(self):
        # 3 s would be slept on by default; SYNC_MAX_WAIT=1s defers it.
        self.gl.set_faults(rate_429=1, retry_after=3)
        srv = self.start_server(env=self.env(SYNC_MAX_WAIT="1s"))
        token, repo = self.stalled_user(srv)
        self.check_deferred(srv, token, repo, 3)


class WorkerSlotTest(SyncWaitCase):
    def test_stalled_users_do_not_hold_the_worker_slots(self):
        self.gl.set_faults(hang=True, hang_seconds=120)
        srv = self.start_server(env=self.env(SYNC_ENABLED="true", SYNC_INTERVAL_COMMITS="2s",
                                             SYNC_INTERVAL_JIRA="1h", SHUTDOWN_TIMEOUT="5s"))
        # Two users whose upstream hangs come first in every pass, then the healthy one.
        a_token, a_repo = self.stalled_user(srv, "stuck")
        _b_token, _b_repo = self.stalled_user(srv, "stuck2")
        h_token, h_repo = self.healthy_user(srv)
        truth = expected_commits(self.gh, "octo", "app")
        t0 = time.monotonic()
        got = wait_for(lambda: len(self.stored(srv, h_token, h_repo["id"])) == len(truth),
                       timeout=15)
        self.assertTrue(got, "the healthy user's commits did not arrive within 15 s "
                        "(UPSTREAM_TIMEOUT is 30s: only the deadline frees the slots)")
        self.assertLess(time.monotonic() - t0, 15)
        # The stalled users' passes ended at their deadline and kept their state.
        st = wait_for(lambda: (lambda s: s if s["last_error"] else None)(
            self.status(srv, a_token)), timeout=15)
        self.assertTrue(st)
        self.assertIn(DEADLINE_MSG, st["last_error"])
        repos = srv.request("GET", "/api/repos", token=a_token).body
        self.assertTrue(repos[0]["is_valid"])
        self.assertEqual(self.stored(srv, a_token, a_repo["id"]), [])
        rc, secs = srv.signal_and_wait(signal.SIGTERM, timeout=15)
        self.assertEqual(rc, 0)
        self.assertLess(secs, 5 + 1)


if __name__ == "__main__":
    unittest.main()
