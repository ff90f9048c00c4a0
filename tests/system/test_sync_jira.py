"""Jira sync (POST /api/sync/jira, pdt sync --jira) and the /api/jira routes,
against the Jira Cloud fake."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fakes import FakeJira  # noqa: E402
from harness import PdtTestCase, run_pdt, seed_commits, fake_sha  # noqa: E402

DAY = 86400
SYNC_TIMEOUT = 90.0


class JiraCase(PdtTestCase):
    def start_fake(self, **kw):
        fake = FakeJira(**kw)
        fake.start()
        self.addCleanup(fake.stop)
        return fake

    def configure(self, srv, fake, email, token, keys=None):
        tok, user = srv.register(srv.unique_email("jira"), "jira-password-1")
        body = {"jira_email": email, "jira_token": token, "jira_workspace": fake.base_url}
        if keys is not None:
            body["jira_project_keys"] = keys
        self.assertStatus(srv.request("PUT", "/api/user/profile", body, token=tok), 200)
        return tok, user

    def sync(self, srv, tok):
        r = srv.request("POST", "/api/sync/jira", token=tok, timeout=SYNC_TIMEOUT)
        self.assertStatus(r, 200)
        self.assertEqual(set(r.body), {"sprints", "cards", "error"})
        return r.body

    def get(self, srv, tok, path, status=200):
        r = srv.request("GET", path, token=tok, timeout=SYNC_TIMEOUT)
        self.assertStatus(r, status)
        return r.body


class JiraPagingTest(JiraCase):
    """More than a page of everything: boards, sprints, issues, changelog."""

    def test_everything_arrives(self):
        now = time.time()
        fake = self.start_fake(seed=1)
        fake.add_user("alice@example.com", "jira-alice")
        main = fake.add_board("Main", project="PROJ")
        for i in range(55):
            fake.add_sprint(main, "Old %d" % i, state="closed", end=now - (200 + i) * DAY)
        active = fake.add_sprint(main, "Sprint 56", state="active")
        keys = [fake.add_issue(active, summary="story %d" % i, updated=now - 3 * DAY)
                for i in range(60)]
        fake.add_changelog(keys[0], 130, at=now - 3 * DAY)
        for b in range(52):
            other = fake.add_board("Team %d" % b, project="T%d" % b)
            fake.add_sprint(other, "T%d old" % b, state="closed", end=now - 400 * DAY)
        fake.add_board("Flow", type="kanban", project="KAN")
        srv = self.start_server(env={"SYNC_ENABLED": "false"})
        tok, _ = self.configure(srv, fake, "alice@example.com", "jira-alice")
        res = self.sync(srv, tok)
        self.assertEqual(res["error"], "")
        self.assertEqual(res["sprints"], 55 + 1 + 52)
        self.assertEqual(res["cards"], 60)
        sprints = self.get(srv, tok, "/api/jira/sprints")
        self.assertEqual(len(sprints), 108)
        self.assertEqual(sprints[0]["name"], "Sprint 56")  # newest start_date first
        self.assertEqual(sprints[0]["state"], "active")
        self.assertEqual(len(sprints[0]["cards"]), 60)
        self.assertEqual(set(sprints[0]), {"id", "user_id", "jira_sprint_id", "name", "state",
                                           "start_date", "end_date", "created_at", "cards"})
        active_body = self.get(srv, tok, "/api/jira/active-sprint")
        self.assertEqual({c["key"] for c in active_body["cards"]}, set(keys))
        card = self.get(srv, tok, "/api/jira/cards/" + keys[0])
        self.assertGreaterEqual(len(card["changelog"]), 130)
        for entry in card["changelog"]:
            self.assertEqual(set(entry), {"author", "created", "items"})
            for item in entry["items"]:
                self.assertEqual(set(item), {"field", "from_string", "to_string"})
        # Only the truncated changelog cost a request of its own.
        per_issue = [e for e in fake.log() if "/rest/api/3/issue/" in e["path"]]
        self.assertEqual({e["path"].split("/")[5] for e in per_issue}, {keys[0]})


class JiraIncrementalTest(JiraCase):
    def setUp(self):
        now = time.time()
        self.fake = self.start_fake(seed=2)
        self.fake.add_user("bob@example.com", "jira-bob")
        board = self.fake.add_board("Board", project="PROJ")
        self.closed = self.fake.add_sprint(board, "Last", state="closed", end=now - 5 * DAY)
        self.active = self.fake.add_sprint(board, "Now", state="active")
        self.future = self.fake.add_sprint(board, "Next", state="future")
        self.epic = self.fake.add_issue(self.active, summary="parent story", issuetype="Story",
                                        updated=now - 4 * DAY)
        self.sub = self.fake.add_issue(self.active, summary="child task", parent=self.epic,
                                       issuetype="Sub-task", updated=now - 4 * DAY, changes=3)
        self.other = self.fake.add_issue(self.active, summary="other", updated=now - 4 * DAY,
                                         assignee="Carol")
        self.old = self.fake.add_issue(self.closed, summary="done", updated=now - 6 * DAY)
        self.later = self.fake.add_issue(self.future, summary="later", updated=now - 4 * DAY)
        self.srv = self.start_server(env={"SYNC_ENABLED": "false"})
        self.tok, self.user = self.configure(self.srv, self.fake, "bob@example.com", "jira-bob")

    def issue_requests(self, sprint_id):
        return self.fake.requests_for(path_contains="/sprint/%d/issue" % sprint_id)

    def test_second_pass_brings_nothing_then_exactly_the_changed_issue(self):
        first = self.sync(self.srv, self.tok)
        self.assertEqual(first["error"], "")
        self.assertEqual(first["cards"], 5)
        second = self.sync(self.srv, self.tok)
        self.assertEqual((second["cards"], second["error"]), (0, ""))
        # A closed sprint's issues are fetched once.
        self.assertEqual(len(self.issue_requests(self.closed)), 1)
        self.fake.update_issue(self.other, status="In Progress")
        third = self.sync(self.srv, self.tok)
        self.assertEqual((third["cards"], third["error"]), (1, ""))
        cards = {c["key"]: c for c in self.get(self.srv, self.tok, "/api/jira/cards")}
        self.assertEqual(cards[self.other]["status"], "In Progress")
        self.assertEqual(cards[self.other]["assignee"], "Carol")
        self.assertEqual(cards[self.epic]["assignee"], "")

    def test_moved_card_follows_its_sprint(self):
        self.sync(self.srv, self.tok)
        self.fake.move_issue(self.later, self.active)
        self.sync(self.srv, self.tok)
        active = self.get(self.srv, self.tok, "/api/jira/active-sprint")
        self.assertIn(self.later, {c["key"] for c in active["cards"]})
        sprints = {s["name"]: s for s in self.get(self.srv, self.tok, "/api/jira/sprints")}
        self.assertNotIn(self.later, {c["key"] for c in sprints["Next"]["cards"]})

    def test_card_detail_with_parent_subtasks_changelog_and_commits(self):
        self.sync(self.srv, self.tok)
        repo = self.srv.add_repo(self.tok, "https://github.com/acme/app")
        seed_commits(self.srv.db_path, repo["id"], [
            {"sha": fake_sha(1), "message": "%s: parent work" % self.epic,
             "jira_card_key": self.epic},
            {"sha": fake_sha(2), "message": "%s child work" % self.sub,
             "jira_card_key": self.sub},
            {"sha": fake_sha(3), "message": "untracked"},
        ])
        r = self.srv.request("POST", "/api/commits/%s/link" % fake_sha(3),
                             {"jira_card_key": self.sub}, token=self.tok)
        self.assertStatus(r, 201)
        parent = self.get(self.srv, self.tok, "/api/jira/cards/" + self.epic)
        self.assertEqual(set(parent), {"key", "summary", "status", "assignee", "sprint_id",
                                       "details_json", "issue_type", "parent", "subtasks",
                                       "changelog", "commits"})
        self.assertIsNone(parent["parent"])
        self.assertEqual([c["sha"] for c in parent["commits"]], [fake_sha(1)])
        self.assertEqual(len(parent["subtasks"]), 1)
        sub = parent["subtasks"][0]
        self.assertEqual((sub["key"], sub["summary"], sub["type"]),
                         (self.sub, "child task", "Sub-task"))
        self.assertEqual({c["sha"] for c in sub["commits"]}, {fake_sha(2), fake_sha(3)})
        import json
        detail = json.loads(parent["details_json"])
        self.assertEqual(set(detail), {"key", "summary", "status", "assignee", "issue_type",
                                       "parent", "subtasks", "changelog"})
        child = self.get(self.srv, self.tok, "/api/jira/cards/" + self.sub)
        self.assertEqual(child["parent"]["key"], self.epic)
        self.assertEqual(set(child["parent"]), {"key", "summary", "status", "type"})
        self.assertEqual(len(child["changelog"]), 3)
        self.assertEqual(child["changelog"][0]["items"][0]["field"], "status")
        # Only commits: still an answer; neither card nor commits: 404.
        seed_commits(self.srv.db_path, repo["id"], [
            {"sha": fake_sha(4), "message": "GHOST-1 x", "jira_card_key": "GHOST-1"}])
        ghost = self.get(self.srv, self.tok, "/api/jira/cards/GHOST-1")
        self.assertEqual(len(ghost["commits"]), 1)
        self.assertIsNone(ghost["parent"])
        r = self.srv.request("GET", "/api/jira/cards/NOPE-1", token=self.tok)
        self.assertError(r, 404, "card not found")

    def test_routes_and_errors(self):
        # First read of a never-synced user syncs once.
        sprints = self.get(self.srv, self.tok, "/api/jira/sprints")
        self.assertEqual({s["name"] for s in sprints}, {"Last", "Now", "Next"})
        sid = {s["name"]: s["id"] for s in sprints}
        cards = self.get(self.srv, self.tok, "/api/jira/cards?sprint_id=%d" % sid["Next"])
        self.assertEqual([c["key"] for c in cards], [self.later])
        self.assertEqual(set(cards[0]), {"id", "user_id", "key", "summary", "status",
                                         "assignee", "sprint_id", "created_at"})
        self.assertEqual(cards[0]["sprint_id"], sid["Next"])
        one = self.get(self.srv, self.tok, "/api/jira/sprints/%d" % sid["Now"])
        self.assertEqual(len(one["cards"]), 3)
        self.assertError(self.srv.request("GET", "/api/jira/sprints/999999", token=self.tok),
                         404, "sprint not found")
        self.assertError(self.srv.request("GET", "/api/jira/cards?sprint_id=999999",
                                          token=self.tok), 404, "sprint not found")
        tok2, _ = self.srv.register(self.srv.unique_email("nojira"), "nojira-password")
        # Only the sprint list says "not configured"; the rest answer their 404
        # like the Go original, whose data is simply absent.
        self.assertError(self.srv.request("GET", "/api/jira/sprints", token=tok2), 400,
                         "jira not configured")
        for path, msg in (("/api/jira/active-sprint", "no active sprint found"),
                          ("/api/jira/cards", "no active sprint found"),
                          ("/api/jira/cards/PROJ-1", "card not found"),
                          ("/api/jira/sprints/1", "sprint not found")):
            self.assertError(self.srv.request("GET", path, token=tok2), 404, msg)
        self.assertError(self.srv.request("POST", "/api/sync/jira", token=tok2), 400,
                         "jira not configured")
        st = self.get(self.srv, self.tok, "/api/sync/status")["jira"]
        self.assertEqual(st["status"], "idle")
        self.assertIsNotNone(st["last_sync"])


class JiraFirstReadTest(JiraCase):
    def test_first_read_is_bounded_and_active_sprint_comes_first(self):
        now = time.time()
        fake = self.start_fake(seed=6)
        fake.add_user("slow@example.com", "tok-slow")
        main = fake.add_board("Main", project="PROJ")
        futures = [fake.add_sprint(main, "Future %d" % i, state="future") for i in range(8)]
        active = fake.add_sprint(main, "Now", state="active")
        fake.add_issue(active, summary="urgent", updated=now - 3 * DAY)
        for i, sid in enumerate(futures):
            fake.add_issue(sid, summary="later %d" % i, updated=now - 3 * DAY)
        fake.set_faults(latency_ms=400)
        srv = self.start_server(env={"SYNC_ENABLED": "false",
                                     "JIRA_FIRST_SYNC_TIMEOUT": "1500ms"})
        tok, _ = self.configure(srv, fake, "slow@example.com", "tok-slow")
        t0 = time.monotonic()
        body = self.get(srv, tok, "/api/jira/active-sprint")
        elapsed = time.monotonic() - t0
        # boards + sprints + the active sprint's issues fit; the 8 future
        # sprints' listings (3.2 s more) do not.
        self.assertLess(elapsed, 1.5 + 0.4 * 2 + 1.5)
        self.assertEqual([c["summary"] for c in body["cards"]], ["urgent"])
        st = self.get(srv, tok, "/api/sync/status")["jira"]
        self.assertIn("time limit", st["last_error"])
        # A full pass completes the rest.
        fake.clear_faults()
        res = self.sync(srv, tok)
        self.assertEqual((res["error"], res["cards"]), ("", 9))


class JiraIsolationTest(JiraCase):
    def test_two_users_same_site_and_project_filter(self):
        fake = self.start_fake(seed=3)
        fake.add_user("a@example.com", "tok-a")
        fake.add_user("b@example.com", "tok-b")
        board = fake.add_board("Shared", project="PROJ")
        ops = fake.add_board("Ops", project="OPS")
        s1 = fake.add_sprint(board, "S1", state="active")
        s2 = fake.add_sprint(ops, "O1", state="active", start=time.time() - 8 * DAY)
        fake.add_issue(s1, summary="p1", updated=time.time() - 3 * DAY)
        fake.add_issue(s2, summary="o1", updated=time.time() - 3 * DAY)
        srv = self.start_server(env={"SYNC_ENABLED": "false"})
        ta, ua = self.configure(srv, fake, "a@example.com", "tok-a")
        tb, ub = self.configure(srv, fake, "b@example.com", "tok-b", keys="OPS")
        self.assertEqual(self.sync(srv, ta)["cards"], 2)
        self.assertEqual(self.sync(srv, tb)["cards"], 1)
        sa = self.get(srv, ta, "/api/jira/sprints")
        sb = self.get(srv, tb, "/api/jira/sprints")
        self.assertEqual({s["jira_sprint_id"] for s in sa}, {s["jira_sprint_id"] for s in sb})
        self.assertTrue(all(s["user_id"] == ua["id"] for s in sa))
        self.assertTrue(all(s["user_id"] == ub["id"] for s in sb))
        self.assertFalse({s["id"] for s in sa} & {s["id"] for s in sb})
        self.assertEqual({c["key"][:3] for s in sb for c in s["cards"]}, {"OPS"})
        # A's sprint ids are 404 for B.
        self.assertError(srv.request("GET", "/api/jira/sprints/%d" % sa[0]["id"], token=tb),
                         404, "sprint not found")


class JiraFaultTest(JiraCase):
    def setUp(self):
        self.fake = self.start_fake(seed=4)
        self.fake.add_user("good@example.com", "tok-good")
        board = self.fake.add_board("B", project="PROJ")
        s = self.fake.add_sprint(board, "S", state="active")
        for i in range(30):
            self.fake.add_issue(s, summary="i%d" % i, updated=time.time() - 3 * DAY)
        self.srv = self.start_server(env={"SYNC_ENABLED": "false", "UPSTREAM_TIMEOUT": "2s"})

    def test_server_errors_and_429_still_complete(self):
        tok, _ = self.configure(self.srv, self.fake, "good@example.com", "tok-good")
        self.fake.set_faults(error_rate=0.25, seed=9, rate_429=1, retry_after=1)
        res = self.sync(self.srv, tok)
        self.fake.clear_faults()
        self.assertEqual((res["error"], res["cards"]), ("", 30))

    def test_bad_credentials_recorded_and_others_complete(self):
        bad, _ = self.configure(self.srv, self.fake, "good@example.com", "wrong-token")
        good, _ = self.configure(self.srv, self.fake, "good@example.com", "tok-good")
        res = self.sync(self.srv, bad)
        self.assertIn("401", res["error"])
        st = self.get(self.srv, bad, "/api/sync/status")["jira"]
        self.assertIn("401", st["last_error"])
        self.assertEqual(self.sync(self.srv, good)["cards"], 30)
        # The CLI syncs every configured user and reports the failure.
        env = {k: self.srv.env[k] for k in ("DATABASE_URL", "ENCRYPTION_KEY")}
        p = run_pdt(["sync", "--jira"], env=env, timeout=60)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("jira: error", p.stdout)
        self.assertIn("jira: 1 sprints, 0 cards", p.stdout)

    def test_malformed_and_hung_upstream(self):
        tok, _ = self.configure(self.srv, self.fake, "good@example.com", "tok-good")
        self.fake.set_faults(malformed={"/rest/agile/1.0/board"})
        res = self.sync(self.srv, tok)
        self.assertIn("malformed", res["error"])
        self.fake.clear_faults()
        self.fake.set_faults(hang=True, hang_seconds=60)
        t0 = time.monotonic()
        res = self.sync(self.srv, tok)
        self.fake.set_faults(hang=False)
        self.assertNotEqual(res["error"], "")
        self.assertLess(time.monotonic() - t0, 40)


if __name__ == "__main__":
    unittest.main()
