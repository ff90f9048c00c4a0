"""Commit sync (POST /api/sync/commits, pdt sync) against the GitHub and GitLab fakes.

Each test class starts its own fakes and its own pdt; data are compared with the
fake's truth: every distinct commit of every branch inside the window, once, with
the branch the contract attributes it to, its Jira key and has_link.
"""
import os
import re
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fakes import FakeGitHub, FakeGitLab  # noqa: E402
from harness import PdtTestCase, Server, run_pdt, db_query, db_exec  # noqa: E402

KEY_RE = re.compile(r"[A-Z][A-Z0-9]+-[0-9]+")
DAY = 86400
SYNC_TIMEOUT = 60.0


def first_key(message):
    m = KEY_RE.search(message.split("\n", 1)[0])
    return m.group(0) if m else ""


def expected_commits(fake, owner, name, lookback_days=30, now=None):
    """{sha: (branch, commit)} as pdt must store them: every branch's commits with a
    committer date inside the window, the default branch first, then by name."""
    now = now or time.time()
    repo = fake.get_repo(owner, name)
    order = sorted(repo.branches)
    if repo.default_branch in order:
        order.remove(repo.default_branch)
        order.insert(0, repo.default_branch)
    out = {}
    for b in order:
        for sha in fake.branch_shas(owner, name, b):
            c = fake.commit(owner, name, sha)
            if c.committer_date < now - lookback_days * DAY:
                continue
            out.setdefault(sha, (b, c))
    return out


class SyncCase(PdtTestCase):
    """Helpers shared by the sync tests."""

    def start_pdt(self, gh=None, env=None):
        e = {"UPSTREAM_TIMEOUT": "2s"}
        if gh is not None:
            e["GITHUB_API_URL"] = gh.base_url
        e.update(env or {})
        return self.start_server(env=e)

    def user_with_token(self, srv, github=None, gitlab=None, gitlab_url=None):
        token, user = srv.register(srv.unique_email("sync"), "sync-password-1")
        body = {}
        if github:
            body["github_token"] = github
        if gitlab:
            body["gitlab_token"] = gitlab
        if gitlab_url:
            body["gitlab_url"] = gitlab_url  # GitLab calls go there (CONTRACT §3)
        if body:
            self.assertStatus(srv.request("PUT", "/api/user/profile", body, token=token), 200)
        return token, user

    def sync(self, srv, token, timeout=SYNC_TIMEOUT):
        r = srv.request("POST", "/api/sync/commits", token=token, timeout=timeout)
        self.assertStatus(r, 200)
        return {x["repo_name"]: x for x in r.body["results"]}

    def commits(self, srv, token, repo_id):
        r = srv.request("GET", "/api/commits?repo_id=%d" % repo_id, token=token)
        self.assertStatus(r, 200)
        return r.body

    def assertMatchesTruth(self, stored, truth):
        self.assertEqual(len(stored), len({c["sha"] for c in stored}), "duplicate SHAs")
        self.assertEqual({c["sha"] for c in stored}, set(truth))
        for c in stored:
            branch, t = truth[c["sha"]]
            self.assertEqual(c["branch"], branch, c["sha"])
            self.assertEqual(c["message"], t.message.rstrip("\n"))
            self.assertEqual(c["author"], t.author_name)
            self.assertEqual(c["author_email"], t.author_email)
            self.assertEqual(c["date"], time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                      time.gmtime(t.author_date)))
            self.assertEqual(c["jira_card_key"], first_key(t.message))
            self.assertEqual(c["has_link"], bool(first_key(t.message)))


def build_github(gh, now):
    """octo/hello: 3 commits older than the window, 60 recent ones on main, two
    feature branches (one commit on both), and octo/world with its own dev branch."""
    gh.add_token("ghp_alice_token", "alice")
    gh.add_token("ghp_bob_token", "bob")
    gh.add_repo("octo", "hello")
    for i in range(3):
        gh.add_commit("octo", "hello", "main", "OLD-%d: ancient" % (i + 1),
                      date=now - (40 - i) * DAY)
    gh.add_commits("octo", "hello", "main", 60, start_date=now - 10 * DAY,
                   message_fn=lambda i: ("PROJ-%d: change %d\n\nbody text" % (i + 1, i)
                                         if i % 3 else "untracked change %d" % i))
    gh.create_branch("octo", "hello", "feature/a")
    gh.create_branch("octo", "hello", "feature/b")
    gh.add_commits("octo", "hello", "feature/a", 5, start_date=now - 2 * DAY,
                   message_fn="fix: OPS-{i} handled")
    shared = gh.add_commit("octo", "hello", "feature/b", "ABC-7 shared work",
                           date=now - DAY)
    gh.push_commits("octo", "hello", "feature/a", [shared])
    gh.add_commits("octo", "hello", "feature/b", 2, start_date=now - 3600 * 5)
    gh.add_repo("octo", "world", default_branch="trunk")
    gh.add_commits("octo", "world", "trunk", 25, start_date=now - 5 * DAY)
    gh.create_branch("octo", "world", "dev")
    gh.add_commits("octo", "world", "dev", 4, start_date=now - DAY)


class GitHubSyncTest(SyncCase):
    def setUp(self):
        self.now = time.time()
        self.gh = FakeGitHub(seed=7)
        self.gh.start()
        self.addCleanup(self.gh.stop)
        build_github(self.gh, self.now)
        self.srv = self.start_pdt(self.gh)
        self.token, self.user = self.user_with_token(self.srv, github="ghp_alice_token")
        self.hello = self.srv.add_repo(self.token, "https://github.com/octo/hello")
        self.world = self.srv.add_repo(self.token, "https://github.com/octo/world.git")

    def test_first_pass_matches_truth_and_second_pass_is_free(self):
        res = self.sync(self.srv, self.token)
        for repo, name in ((self.hello, "hello"), (self.world, "world")):
            truth = expected_commits(self.gh, "octo", name)
            r = res["octo/" + name]
            self.assertEqual(r["error"], "")
            self.assertEqual(r["provider"], "github")
            self.assertEqual(r["repo_id"], repo["id"])
            self.assertEqual(r["new_commits"], len(truth))
            self.assertEqual(r["total_fetched"], len(truth))
            self.assertMatchesTruth(self.commits(self.srv, self.token, repo["id"]), truth)
        repos = {x["id"]: x for x in self.srv.request("GET", "/api/repos", token=self.token).body}
        self.assertIsNotNone(repos[self.hello["id"]]["last_synced_at"])
        self.assertTrue(repos[self.hello["id"]]["is_valid"])

        # Nothing changed upstream: one conditional request per repository, all 304.
        remaining = self.gh.budget("ghp_alice_token")["remaining"]
        self.gh.reset_log()
        res = self.sync(self.srv, self.token)
        for name in ("octo/hello", "octo/world"):
            self.assertEqual((res[name]["new_commits"], res[name]["total_fetched"]), (0, 0))
            self.assertEqual(res[name]["error"], "")
        log = self.gh.log()
        self.assertEqual(len(log), 2, log)
        self.assertEqual([e["status"] for e in log], [304, 304])
        self.assertEqual(self.gh.rate_units_used("ghp_alice_token"), 0)
        self.assertEqual(self.gh.budget("ghp_alice_token")["remaining"], remaining)

        # Two commits on one branch: one compare from its stored head, nothing else.
        old_head = self.gh.branch_shas("octo", "hello", "feature/b")[0]
        new = self.gh.add_commits("octo", "hello", "feature/b", 2, start_date=time.time() - 60)
        self.gh.reset_log()
        res = self.sync(self.srv, self.token)
        self.assertEqual(res["octo/hello"]["new_commits"], 2)
        self.assertEqual(res["octo/hello"]["total_fetched"], 2)
        log = self.gh.log()
        self.assertEqual(sorted((e["path"], e["status"]) for e in log), [
            ("/repos/octo/hello/branches", 200),
            ("/repos/octo/hello/compare/%s...%s" % (old_head, new[0]), 200),
            ("/repos/octo/world/branches", 304)], log)
        self.assertEqual(res["octo/world"]["total_fetched"], 0)
        stored = {c["sha"]: c for c in self.commits(self.srv, self.token, self.hello["id"])}
        for sha in new:
            self.assertEqual(stored[sha]["branch"], "feature/b")
        self.assertMatchesTruth(list(stored.values()),
                                expected_commits(self.gh, "octo", "hello"))

    def test_status_records_manual_sync(self):
        r = self.srv.request("GET", "/api/sync/status", token=self.token)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["commits"], {"last_sync": None, "next_sync": None,
                                             "status": "idle", "last_error": None})
        self.sync(self.srv, self.token)
        st = self.srv.request("GET", "/api/sync/status", token=self.token).body
        self.assertEqual(st["commits"]["status"], "idle")
        self.assertTimestamp(st["commits"]["last_sync"], near=time.time(), tolerance=60)
        self.assertIsNone(st["commits"]["last_error"])
        self.assertEqual(st["jira"]["status"], "idle")

    def test_same_repository_tracked_by_two_users(self):
        self.sync(self.srv, self.token)
        bob_token, _ = self.user_with_token(self.srv, github="ghp_bob_token")
        bob_repo = self.srv.add_repo(bob_token, "https://github.com/octo/hello")
        res = self.sync(self.srv, bob_token)
        truth = expected_commits(self.gh, "octo", "hello")
        self.assertEqual(res["octo/hello"]["new_commits"], len(truth))
        self.assertMatchesTruth(self.commits(self.srv, bob_token, bob_repo["id"]), truth)
        self.assertMatchesTruth(self.commits(self.srv, self.token, self.hello["id"]), truth)

    def test_missing_repository_is_invalid_and_others_complete(self):
        gone = self.srv.add_repo(self.token, "https://github.com/octo/missing")
        res = self.sync(self.srv, self.token)
        self.assertIn("Not Found", res["octo/missing"]["error"])
        self.assertIn("404", res["octo/missing"]["error"])
        self.assertEqual(res["octo/hello"]["error"], "")
        repos = {x["id"]: x for x in self.srv.request("GET", "/api/repos", token=self.token).body}
        self.assertFalse(repos[gone["id"]]["is_valid"])
        self.assertTrue(repos[self.hello["id"]]["is_valid"])
        st = self.srv.request("GET", "/api/sync/status", token=self.token).body["commits"]
        self.assertIn("octo/missing", st["last_error"])

    def test_bad_token_is_permanent_and_status_keeps_the_error(self):
        self.assertStatus(self.srv.request("PUT", "/api/user/profile",
                                           {"github_token": "ghp_wrong"}, token=self.token), 200)
        self.gh.reset_log()
        res = self.sync(self.srv, self.token)
        self.assertIn("Bad credentials", res["octo/hello"]["error"])
        # 401 is never retried: one request per repository.
        self.assertEqual(len(self.gh.log()), 2)
        repos = self.srv.request("GET", "/api/repos", token=self.token).body
        self.assertEqual([x["is_valid"] for x in repos], [False, False])

    def test_server_error_keeps_repository_valid(self):
        self.gh.force_status("/repos/octo/world/branches", 500)
        res = self.sync(self.srv, self.token)
        self.assertIn("500", res["octo/world"]["error"])
        self.assertEqual(res["octo/hello"]["error"], "")
        repos = {x["id"]: x for x in self.srv.request("GET", "/api/repos", token=self.token).body}
        self.assertTrue(repos[self.world["id"]]["is_valid"])
        # Retried, not given up at once.
        self.assertGreater(len(self.gh.requests_for(path_contains="/repos/octo/world/branches")), 1)
        # The next pass, with the fault gone, completes the data.
        self.gh.clear_forced()
        res = self.sync(self.srv, self.token)
        truth = expected_commits(self.gh, "octo", "world")
        self.assertEqual(res["octo/world"]["new_commits"], len(truth))

    def test_twenty_percent_server_errors_still_complete(self):
        self.gh.set_faults(error_rate=0.2, seed=3)
        res = self.sync(self.srv, self.token)
        self.gh.clear_faults()
        for name in ("hello", "world"):
            self.assertEqual(res["octo/" + name]["error"], "")
            self.assertMatchesTruth(
                self.commits(self.srv, self.token, (self.hello if name == "hello"
                                                    else self.world)["id"]),
                expected_commits(self.gh, "octo", name))
        self.assertTrue(any(e["status"] >= 500 for e in self.gh.log()))

    def test_malformed_json_fails_only_that_repository(self):
        self.gh.set_faults(malformed={"/repos/octo/world/branches"})
        res = self.sync(self.srv, self.token)
        self.assertIn("malformed", res["octo/world"]["error"])
        self.assertEqual(res["octo/hello"]["error"], "")
        self.assertMatchesTruth(self.commits(self.srv, self.token, self.hello["id"]),
                                expected_commits(self.gh, "octo", "hello"))


def paths(log):
    """(path, page, status) of every logged request, sorted."""
    return sorted((e["path"], e["query"].get("page", ""), e["status"]) for e in log)


class GitHubAncestryTest(SyncCase):
    """Commits arrive by ancestry (compare), not by date: late pushes, new
    branches with old commits, force-pushes, long pushes."""

    def setUp(self):
        self.now = time.time()
        self.gh = FakeGitHub(seed=21)
        self.gh.start()
        self.addCleanup(self.gh.stop)
        build_github(self.gh, self.now)
        self.srv = self.start_pdt(self.gh)
        self.token, _ = self.user_with_token(self.srv, github="ghp_alice_token")
        self.hello = self.srv.add_repo(self.token, "https://github.com/octo/hello")
        self.world = self.srv.add_repo(self.token, "https://github.com/octo/world")
        res = self.sync(self.srv, self.token)
        self.assertEqual(res["octo/hello"]["error"], "")
        self.gh.reset_log()

    def stored(self):
        return {c["sha"]: c for c in self.commits(self.srv, self.token, self.hello["id"])}

    def test_first_pass_lists_only_the_default_branch_by_date(self):
        gh = FakeGitHub(seed=22)
        gh.start()
        self.addCleanup(gh.stop)
        build_github(gh, self.now)
        srv = self.start_pdt(gh)
        token, _ = self.user_with_token(srv, github="ghp_alice_token")
        repo = srv.add_repo(token, "https://github.com/octo/hello")
        res = self.sync(srv, token)
        self.assertEqual(res["octo/hello"]["error"], "")
        main = gh.branch_shas("octo", "hello", "main")[0]
        heads = {b: gh.branch_shas("octo", "hello", b)[0] for b in ("feature/a", "feature/b")}
        self.assertEqual(paths(gh.log()), sorted([
            ("/repos/octo/hello", "", 200),
            ("/repos/octo/hello/branches", "", 200),
            ("/repos/octo/hello/commits", "", 200),
            ("/repos/octo/hello/compare/%s...%s" % (main, heads["feature/a"]), "", 200),
            ("/repos/octo/hello/compare/%s...%s" % (main, heads["feature/b"]), "", 200)]))
        dated = [e for e in gh.log() if e["path"].endswith("/commits")]
        self.assertEqual(dated[0]["query"]["sha"], "main")
        self.assertMatchesTruth(self.commits(srv, token, repo["id"]),
                                expected_commits(gh, "octo", "hello"))

    def test_old_commits_pushed_late_to_an_existing_and_a_new_branch(self):
        old_a = self.gh.branch_shas("octo", "hello", "feature/a")[0]
        late_a = self.gh.add_commits("octo", "hello", "feature/a", 3,
                                     start_date=self.now - 5 * DAY, interval_seconds=DAY,
                                     message_fn="PROJ-{i}: written days ago")
        self.gh.create_branch("octo", "hello", "hotfix")
        late_h = self.gh.add_commits("octo", "hello", "hotfix", 3,
                                     start_date=self.now - 5 * DAY + 600,
                                     interval_seconds=DAY, message_fn="hotfix {i}")
        main = self.gh.branch_shas("octo", "hello", "main")[0]
        res = self.sync(self.srv, self.token)
        self.assertEqual((res["octo/hello"]["error"], res["octo/hello"]["new_commits"]), ("", 6))
        stored = self.stored()
        for sha in late_a:
            self.assertEqual(stored[sha]["branch"], "feature/a")
        for sha in late_h:
            self.assertEqual(stored[sha]["branch"], "hotfix")
        self.assertMatchesTruth(list(stored.values()), expected_commits(self.gh, "octo", "hello"))
        self.assertEqual(paths(self.gh.log()), sorted([
            ("/repos/octo/hello/branches", "", 200),
            ("/repos/octo/hello/compare/%s...%s" % (old_a, late_a[0]), "", 200),
            ("/repos/octo/hello/compare/%s...%s" % (main, late_h[0]), "", 200),
            ("/repos/octo/world/branches", "", 304)]))

    def test_force_push_brings_the_new_commits_once(self):
        old = self.gh.branch_shas("octo", "hello", "feature/a")
        self.gh.create_branch("octo", "hello", "tmp")
        rewritten = self.gh.add_commits("octo", "hello", "tmp", 3,
                                        start_date=self.now - 4 * DAY, interval_seconds=DAY,
                                        message_fn="OPS-{i} rewritten")
        self.gh.set_branch("octo", "hello", "feature/a", self.gh.branch_shas("octo", "hello", "tmp"))
        self.gh.delete_branch("octo", "hello", "tmp")
        res = self.sync(self.srv, self.token)
        self.assertEqual((res["octo/hello"]["error"], res["octo/hello"]["new_commits"]), ("", 3))
        stored = self.stored()
        self.assertEqual(len(stored), len(self.commits(self.srv, self.token, self.hello["id"])))
        truth = expected_commits(self.gh, "octo", "hello")
        for sha in rewritten:
            self.assertEqual(stored[sha]["branch"], "feature/a")
        # what the rewrite dropped stays stored (history is never deleted), nothing twice
        orphans = set(stored) - set(truth)
        self.assertEqual(orphans, set(old[1:6]))   # its 5 own commits; "shared" is on feature/b
        # "shared" keeps the branch it was first stored with (feature/a)
        truth[old[0]] = ("feature/a", truth[old[0]][1])
        self.assertMatchesTruth([c for c in stored.values() if c["sha"] in truth], truth)
        # the compare says "diverged" (one request, no more pages), then one dated listing
        self.assertEqual(paths(self.gh.log()), sorted([
            ("/repos/octo/hello/branches", "", 200),
            ("/repos/octo/hello/compare/%s...%s" % (old[0], rewritten[0]), "", 200),
            ("/repos/octo/hello/commits", "", 200),
            ("/repos/octo/world/branches", "", 304)]))
        listing = [e for e in self.gh.log() if e["path"].endswith("/commits")][0]
        self.assertEqual(listing["query"]["sha"], "feature/a")

    def test_compare_404_falls_back_to_the_dated_listing_and_keeps_the_repo_valid(self):
        new = self.gh.add_commits("octo", "hello", "feature/b", 2, start_date=self.now - 3 * DAY)
        self.gh.force_status("/compare/", 404)
        res = self.sync(self.srv, self.token)
        self.assertEqual((res["octo/hello"]["error"], res["octo/hello"]["new_commits"]), ("", 2))
        self.assertEqual(len(self.gh.requests_for(path_contains="/compare/")), 1)
        self.assertEqual(len(self.gh.requests_for(path_contains="/hello/commits")), 1)
        stored = self.stored()
        for sha in new:
            self.assertEqual(stored[sha]["branch"], "feature/b")
        repos = {x["id"]: x for x in self.srv.request("GET", "/api/repos", token=self.token).body}
        self.assertTrue(repos[self.hello["id"]]["is_valid"])

    def test_compare_server_error_keeps_the_head_for_the_next_pass(self):
        new = self.gh.add_commits("octo", "hello", "feature/b", 2, start_date=self.now - 3 * DAY)
        self.gh.force_status("/compare/", 500)
        res = self.sync(self.srv, self.token)
        self.assertIn("500", res["octo/hello"]["error"])
        self.assertEqual(self.gh.requests_for(path_contains="/hello/commits"), [])
        self.gh.clear_forced()
        self.gh.reset_log()
        res = self.sync(self.srv, self.token)
        self.assertEqual((res["octo/hello"]["error"], res["octo/hello"]["new_commits"]), ("", 2))
        self.assertEqual(len(self.gh.requests_for(path_contains="/compare/")), 1)
        self.assertMatchesTruth(list(self.stored().values()),
                                expected_commits(self.gh, "octo", "hello"))

    def test_deleted_branch_costs_nothing(self):
        self.gh.delete_branch("octo", "hello", "feature/b")
        res = self.sync(self.srv, self.token)
        self.assertEqual((res["octo/hello"]["error"], res["octo/hello"]["total_fetched"]), ("", 0))
        self.assertEqual(paths(self.gh.log()), [("/repos/octo/hello/branches", "", 200),
                                                ("/repos/octo/world/branches", "", 304)])

    def test_three_hundred_commit_push_pages_the_compare(self):
        old = self.gh.branch_shas("octo", "hello", "feature/b")[0]
        new = self.gh.add_commits("octo", "hello", "feature/b", 300,
                                  start_date=self.now - 6 * DAY, interval_seconds=600)
        res = self.sync(self.srv, self.token)
        self.assertEqual((res["octo/hello"]["error"], res["octo/hello"]["new_commits"]),
                         ("", 300))
        compares = [e for e in self.gh.log() if "/compare/" in e["path"]]
        self.assertEqual(len(compares), 3, compares)
        self.assertEqual(compares[0]["path"],
                         "/repos/octo/hello/compare/%s...%s" % (old, new[0]))
        self.assertEqual(compares[0]["query"], {"per_page": "100"})
        # the next pages come from the Link header: GitHub's /repositories/{id}/ form
        self.assertEqual(sorted(e["query"].get("page") for e in compares[1:]), ["2", "3"])
        for e in compares[1:]:
            self.assertTrue(e["path"].startswith("/repositories/"), e["path"])
        self.assertEqual(len(self.gh.log()), 5)
        self.assertMatchesTruth(list(self.stored().values()),
                                expected_commits(self.gh, "octo", "hello"))


class GitHubRateLimitTest(SyncCase):
    def setUp(self):
        self.gh = FakeGitHub(seed=11)
        self.gh.start()
        self.addCleanup(self.gh.stop)
        self.gh.add_token("ghp_carol", "carol")
        self.gh.add_repo("octo", "small")
        self.gh.add_commits("octo", "small", "main", 5, start_date=time.time() - DAY)
        self.srv = self.start_pdt(self.gh, env={"SYNC_CONCURRENCY": "1"})
        self.token, _ = self.user_with_token(self.srv, github="ghp_carol")
        self.srv.add_repo(self.token, "https://github.com/octo/small")

    def test_retry_after_is_obeyed(self):
        self.gh.set_faults(rate_429=1, retry_after=2)
        res = self.sync(self.srv, self.token)
        self.assertEqual(res["octo/small"]["error"], "")
        self.assertEqual(res["octo/small"]["new_commits"], 5)
        log = self.gh.log()
        self.assertEqual(log[0]["status"], 429)
        self.assertGreaterEqual(log[1]["time"] - log[0]["time"], 1.95)

    def test_spent_budget_waits_for_reset_without_requests(self):
        self.gh.set_budget("ghp_carol", 0, reset_in_seconds=3)
        t0 = time.monotonic()
        res = self.sync(self.srv, self.token)
        self.assertEqual(res["octo/small"]["error"], "")
        self.assertEqual(res["octo/small"]["new_commits"], 5)
        log = self.gh.log()
        self.assertEqual(log[0]["status"], 403)
        # Nothing is sent while the budget is spent.
        self.assertGreaterEqual(log[1]["time"] - log[0]["time"], 2.5)
        self.assertLess(time.monotonic() - t0, 20)

    def test_hung_upstream_is_bounded_by_the_timeout(self):
        self.gh.set_faults(hang=True, hang_seconds=60)
        t0 = time.monotonic()
        res = self.sync(self.srv, self.token, timeout=45)
        elapsed = time.monotonic() - t0
        self.gh.set_faults(hang=False)
        self.assertNotEqual(res["octo/small"]["error"], "")
        # UPSTREAM_TIMEOUT=2s per attempt, a few attempts with backoff.
        self.assertLess(elapsed, 30)
        repos = self.srv.request("GET", "/api/repos", token=self.token).body
        self.assertTrue(repos[0]["is_valid"])


class GitLabSyncTest(SyncCase):
    def setUp(self):
        self.now = time.time()
        self.gl = FakeGitLab(seed=5)
        self.gl.start()
        self.addCleanup(self.gl.stop)
        self.gl.add_token("glpat-dave", "dave")
        self.gl.add_repo("group/sub", "proj", default_branch="main")
        self.gl.add_commits("group/sub", "proj", "main", 130, start_date=self.now - 8 * DAY,
                            message_fn="PROJ-{i}: gitlab work", tz_offset="+05:30")
        self.gl.create_branch("group/sub", "proj", "release/1.0")
        self.gl.add_commits("group/sub", "proj", "release/1.0", 3,
                            start_date=self.now - DAY, tz_offset="-07:00")
        self.srv = self.start_pdt()
        self.token, _ = self.user_with_token(self.srv, gitlab="glpat-dave",
                                             gitlab_url=self.gl.base_url)
        self.repo = self.srv.add_repo(self.token, self.gl.base_url + "/group/sub/proj")

    def test_nested_project_offsets_and_second_pass(self):
        self.assertEqual(self.repo["provider"], "gitlab")
        self.assertEqual(self.repo["owner"], "group/sub")
        res = self.sync(self.srv, self.token)
        truth = expected_commits(self.gl, "group/sub", "proj")
        r = res["group/sub/proj"]
        self.assertEqual(r["error"], "")
        self.assertEqual(r["provider"], "gitlab")
        self.assertEqual((r["new_commits"], r["total_fetched"]), (len(truth), len(truth)))
        self.assertMatchesTruth(self.commits(self.srv, self.token, self.repo["id"]), truth)
        # Unchanged: at most one request for the repository.
        self.gl.reset_log()
        res = self.sync(self.srv, self.token)
        self.assertEqual(res["group/sub/proj"]["new_commits"], 0)
        self.assertLessEqual(len(self.gl.log()), 1)

    def test_unknown_project_is_invalid(self):
        other = self.srv.add_repo(self.token, self.gl.base_url + "/group/none")
        res = self.sync(self.srv, self.token)
        self.assertIn("404 Project Not Found", res["group/none"]["error"])
        repos = {x["id"]: x for x in self.srv.request("GET", "/api/repos", token=self.token).body}
        self.assertFalse(repos[other["id"]]["is_valid"])
        self.assertTrue(repos[self.repo["id"]]["is_valid"])


class GitLabAncestryTest(SyncCase):
    def setUp(self):
        self.now = time.time()
        self.gl = FakeGitLab(seed=6)
        self.gl.start()
        self.addCleanup(self.gl.stop)
        self.gl.add_token("glpat-dave", "dave")
        self.gl.add_repo("group/sub", "proj", default_branch="main")
        self.gl.add_commits("group/sub", "proj", "main", 40, start_date=self.now - 8 * DAY,
                            tz_offset="+05:30")
        self.gl.create_branch("group/sub", "proj", "release/1.0")
        self.gl.add_commits("group/sub", "proj", "release/1.0", 3, start_date=self.now - DAY)
        self.srv = self.start_pdt()
        self.token, _ = self.user_with_token(self.srv, gitlab="glpat-dave",
                                             gitlab_url=self.gl.base_url)
        self.repo = self.srv.add_repo(self.token, self.gl.base_url + "/group/sub/proj")
        res = self.sync(self.srv, self.token)
        self.assertEqual(res["group/sub/proj"]["error"], "")
        self.gl.reset_log()

    def stored(self):
        return {c["sha"]: c for c in self.commits(self.srv, self.token, self.repo["id"])}

    def compares(self):
        return [(e["query"]["from"], e["query"]["to"], e["query"].get("straight"), e["status"])
                for e in self.gl.log() if e["path"].endswith("/repository/compare")]

    def test_old_commits_pushed_late_to_an_existing_and_a_new_branch(self):
        old = self.gl.branch_shas("group/sub", "proj", "release/1.0")[0]
        late_r = self.gl.add_commits("group/sub", "proj", "release/1.0", 3,
                                     start_date=self.now - 5 * DAY, interval_seconds=DAY,
                                     tz_offset="-07:00")
        self.gl.create_branch("group/sub", "proj", "topic")
        late_t = self.gl.add_commits("group/sub", "proj", "topic", 2,
                                     start_date=self.now - 4 * DAY, interval_seconds=DAY)
        main = self.gl.branch_shas("group/sub", "proj", "main")[0]
        res = self.sync(self.srv, self.token)
        r = res["group/sub/proj"]
        self.assertEqual((r["error"], r["new_commits"]), ("", 5))
        stored = self.stored()
        for sha in late_r:
            self.assertEqual(stored[sha]["branch"], "release/1.0")
        for sha in late_t:
            self.assertEqual(stored[sha]["branch"], "topic")
        self.assertMatchesTruth(list(stored.values()),
                                expected_commits(self.gl, "group/sub", "proj"))
        self.assertEqual(sorted(self.compares()), sorted([
            (old, late_r[0], "false", 200), (main, late_t[0], "false", 200)]))
        self.assertEqual(len(self.gl.log()), 3)   # + the branch list

    def test_force_push_brings_the_new_commits_once(self):
        old = self.gl.branch_shas("group/sub", "proj", "release/1.0")
        self.gl.create_branch("group/sub", "proj", "tmp")
        rewritten = self.gl.add_commits("group/sub", "proj", "tmp", 2,
                                        start_date=self.now - 3 * DAY, interval_seconds=DAY)
        self.gl.set_branch("group/sub", "proj", "release/1.0",
                           self.gl.branch_shas("group/sub", "proj", "tmp"))
        self.gl.delete_branch("group/sub", "proj", "tmp")
        res = self.sync(self.srv, self.token)
        r = res["group/sub/proj"]
        self.assertEqual((r["error"], r["new_commits"]), ("", 2))
        stored = self.stored()
        truth = expected_commits(self.gl, "group/sub", "proj")
        self.assertEqual(set(stored) - set(truth), set(old[:3]))
        self.assertMatchesTruth([c for c in stored.values() if c["sha"] in truth], truth)
        self.assertEqual(self.compares(), [(old[0], rewritten[0], "false", 200)])
        listed = [e for e in self.gl.log() if e["path"].endswith("/repository/commits")]
        self.assertEqual([e["query"]["ref_name"] for e in listed], ["release/1.0"])


class CoalesceTest(SyncCase):
    def test_concurrent_triggers_share_one_pass(self):
        gh = FakeGitHub(seed=2)
        gh.start()
        self.addCleanup(gh.stop)
        gh.add_token("ghp_erin", "erin")
        gh.add_repo("octo", "slow")
        gh.add_commits("octo", "slow", "main", 10, start_date=time.time() - DAY)
        gh.set_faults(latency_ms=400)
        srv = self.start_pdt(gh)
        token, _ = self.user_with_token(srv, github="ghp_erin")
        srv.add_repo(token, "https://github.com/octo/slow")
        results = []

        def trigger():
            results.append(self.sync(srv, token))

        threads = [threading.Thread(target=trigger) for _ in range(3)]
        for t in threads:
            t.start()
            time.sleep(0.05)
        for t in threads:
            t.join(SYNC_TIMEOUT)
        self.assertEqual(len(results), 3)
        self.assertEqual(len(gh.requests_for(path_contains="/branches")), 1)
        self.assertEqual(sorted(r["octo/slow"]["new_commits"] for r in results), [10, 10, 10])


class ValidateTest(SyncCase):
    """POST /api/repos/:id/validate asks the provider with the user's token."""

    def test_validate_against_github_and_gitlab(self):
        gh, gl = FakeGitHub(seed=4), FakeGitLab(seed=4)
        for f in (gh, gl):
            f.start()
            self.addCleanup(f.stop)
        gh.add_token("ghp_frank", "frank")
        gh.add_repo("octo", "real")
        gl.add_token("glpat-frank", "frank")
        gl.add_repo("team/apps", "web")
        srv = self.start_pdt(gh)
        token, _ = self.user_with_token(srv, github="ghp_frank", gitlab="glpat-frank",
                                        gitlab_url=gl.base_url)
        cases = (("https://github.com/octo/real", True, "accessible"),
                 ("https://github.com/octo/ghost", False, "not found"),
                 (gl.base_url + "/team/apps/web", True, "accessible"),
                 (gl.base_url + "/team/apps/none", False, "not found"))
        for url, valid, words in cases:
            with self.subTest(url=url):
                repo = srv.add_repo(token, url)
                r = srv.request("POST", "/api/repos/%d/validate" % repo["id"], token=token)
                self.assertStatus(r, 200)
                self.assertEqual(r.body["is_valid"], valid, r.body)
                self.assertIn(words, r.body["message"])
                listed = {x["id"]: x for x in srv.request("GET", "/api/repos", token=token).body}
                self.assertEqual(listed[repo["id"]]["is_valid"], valid)
        # A rejected token says so and marks the repository invalid.
        self.assertStatus(srv.request("PUT", "/api/user/profile", {"github_token": "nope"},
                                      token=token), 200)
        first = srv.request("GET", "/api/repos", token=token).body[0]
        r = srv.request("POST", "/api/repos/%d/validate" % first["id"], token=token)
        self.assertEqual((r.body["is_valid"], "401" in r.body["message"]), (False, True))


class CliSyncTest(SyncCase):
    def setup_cli(self, seed):
        """GitHub fake, server, a user with octo/hello; the env `pdt sync` needs."""
        gh = FakeGitHub(seed=seed)
        gh.start()
        self.addCleanup(gh.stop)
        build_github(gh, time.time())
        srv = self.start_pdt(gh)
        token, user = self.user_with_token(srv, github="ghp_alice_token")
        srv.add_repo(token, "https://github.com/octo/hello")
        env = {k: srv.env[k] for k in ("DATABASE_URL", "ENCRYPTION_KEY", "GITHUB_API_URL")}
        return gh, srv, token, user, env

    def test_pdt_sync_exit_codes(self):
        gh, srv, token, user, env = self.setup_cli(9)
        p = run_pdt(["sync", "--commits", "--user", str(user["id"])], env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        truth = expected_commits(gh, "octo", "hello")
        self.assertIn("octo/hello (github): %d new of %d fetched" % (len(truth), len(truth)),
                      p.stdout)
        n = db_query(srv.db_path, "SELECT count(*) AS n FROM commits")[0]["n"]
        self.assertEqual(n, len(truth))
        srv.add_repo(token, "https://github.com/octo/missing")
        p = run_pdt(["sync"], env=env, timeout=60)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("octo/missing (github): error", p.stdout)
        p = run_pdt(["sync", "--user", "x"], env=env)
        self.assertEqual(p.returncode, 2)
        p = run_pdt(["sync", "--bogus"], env=env)
        self.assertEqual(p.returncode, 2)

    def hold_lease(self, db, user_id, status, for_s):
        """Another replica's lease on the user's commit pass, for for_s seconds."""
        until = int((time.time() + for_s) * 1000)
        db_exec(db, "INSERT INTO sync_status (user_id, source, status, lease_owner, "
                    "lease_expires) VALUES (?, 'commits', ?, 'r-elsewhere', ?) "
                    "ON CONFLICT (user_id, source) DO UPDATE SET status = excluded.status, "
                    "lease_owner = excluded.lease_owner, "
                    "lease_expires = excluded.lease_expires",
                (user_id, status, until))

    def test_pdt_sync_joins_a_pass_held_elsewhere(self):
        """`pdt sync` takes the same leases as the replicas of `pdt serve`: a
        pass another one is running is waited for and joined, never run twice;
        a lease whose holder died mid-pass is taken once it expires."""
        gh, srv, _token, user, env = self.setup_cli(11)
        args = ["sync", "--commits", "--user", str(user["id"])]

        # A live holder: pdt sync waits; the holder's pass ends (idle, released)
        # and pdt sync answers with what it recorded, asking GitHub nothing.
        self.hold_lease(srv.db_path, user["id"], "syncing", 60)
        gh.reset_log()
        out = {}
        t = threading.Thread(target=lambda: out.update(p=run_pdt(args, env=env, timeout=60)))
        t.start()
        time.sleep(1.0)
        self.assertTrue(t.is_alive(), "pdt sync did not wait for the held lease")
        db_exec(srv.db_path, "UPDATE sync_status SET status = 'idle', lease_owner = NULL, "
                             "lease_expires = NULL WHERE user_id = ? AND source = 'commits'",
                (user["id"],))
        t.join(30)
        self.assertFalse(t.is_alive())
        p = out["p"]
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("commits: synced by a running pdt serve meanwhile", p.stdout)
        self.assertNotIn("fetched", p.stdout)
        self.assertEqual(gh.requests_for(), [])
        self.assertEqual(db_query(srv.db_path, "SELECT count(*) AS n FROM commits")[0]["n"], 0)

        # A dead holder (still "syncing", lease running out): pdt sync takes
        # the lease when it expires and runs the pass itself, then releases it.
        self.hold_lease(srv.db_path, user["id"], "syncing", 2.0)
        t0 = time.monotonic()
        p = run_pdt(args, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertGreaterEqual(time.monotonic() - t0, 1.0)
        truth = expected_commits(gh, "octo", "hello")
        self.assertIn("octo/hello (github): %d new of %d fetched" % (len(truth), len(truth)),
                      p.stdout)
        row = db_query(srv.db_path, "SELECT status, lease_owner FROM sync_status "
                                    "WHERE user_id = ? AND source = 'commits'", (user["id"],))
        self.assertEqual(row, [{"status": "idle", "lease_owner": None}])


if __name__ == "__main__":
    unittest.main()
