"""Self-tests of tests/fakes (fake GitHub / GitLab) through real HTTP with urllib.

Run from tests/system:  python3 -m unittest -v test_fakes
Every socket has a timeout, every wait is bounded; the whole file takes a few seconds.
"""

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

from fakes import FakeGitHub, FakeGitLab, parse_time  # noqa: E402

TIMEOUT = 5.0
UA = "pdt-test/1.0"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)
_OPENER.addheaders = []          # no default User-Agent: tests set it explicitly


def http(url, method="GET", headers=None, body=None, timeout=TIMEOUT):
    """-> (status, headers (case-insensitive Message), body bytes)."""
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        try:
            return e.code, e.headers, e.read()
        finally:
            e.close()


def links(header):
    """Link header -> {rel: url}."""
    out = {}
    for part in (header or "").split(","):
        part = part.strip()
        if not part:
            continue
        url, _, rest = part.partition(">;")
        rel = rest.split("rel=")[-1].strip().strip('"')
        out[rel] = url.lstrip("<")
    return out


class FakeClock:
    def __init__(self, start=1_800_000_000.0):
        self.now = start

    def __call__(self):
        return self.now


# ==========================================================================
class GitHubTest(unittest.TestCase):
    def setUp(self):
        self.clock = FakeClock(time.time())
        self.gh = FakeGitHub(seed=3, clock=self.clock)
        self.url = self.gh.start()
        self.gh.add_user("alice", token="tok-a", email="alice@example.com", tokens=["tok-a2"])
        self.gh.add_token("tok-b", "bob")
        self.gh.add_repo("Octo", "Hello")
        self.main = self.gh.add_commits("octo", "hello", "main", 250,
                                        start_date="2026-01-01T00:00:00Z",
                                        message_fn="PROJ-{i}: change {i}",
                                        author_email="alice@example.com")

    def tearDown(self):
        self.gh.stop()

    def get(self, path, token="tok-a", ua=UA, scheme="Bearer", **extra):
        headers = {"Accept": "application/vnd.github+json"}
        if ua:
            headers["User-Agent"] = ua
        if token:
            headers["Authorization"] = "%s %s" % (scheme, token)
        headers.update(extra)
        url = path if path.startswith("http") else self.url + path
        return http(url, headers=headers)

    def test_pagination_follows_link_to_the_end(self):
        repo_id = self.gh.get_repo("octo/hello").id
        url = self.url + "/repos/octo/hello/commits?sha=main&per_page=100"
        seen, pages = [], 0
        while url and pages < 10:
            status, h, body = self.get(url)
            self.assertEqual(status, 200)
            pages += 1
            seen += [c["sha"] for c in json.loads(body)]
            rels = links(h["Link"])
            if pages == 1:
                self.assertIn("/repositories/%d/commits?" % repo_id, rels["next"])
                self.assertIn("page=3", rels["last"])
                self.assertNotIn("prev", rels)
            url = rels.get("next")
        self.assertEqual(pages, 3)
        self.assertEqual(seen, self.main)
        self.assertEqual(len(set(seen)), 250)
        rels = links(h["Link"])
        self.assertEqual(set(rels), {"prev", "first"})

    def test_per_page_default_and_cap(self):
        self.assertEqual(len(json.loads(self.get("/repos/octo/hello/commits")[2])), 30)
        self.assertEqual(len(json.loads(self.get("/repos/octo/hello/commits?per_page=500")[2])),
                         100)
        status, h, body = self.get("/repos/octo/hello/commits?per_page=100&page=9")
        self.assertEqual((status, json.loads(body)), (200, []))

    def test_commit_object_shape(self):
        status, h, body = self.get("/repos/octo/hello/commits?per_page=1")
        c = json.loads(body)[0]
        self.assertEqual(c["sha"], self.main[0])
        self.assertEqual(c["commit"]["message"], "PROJ-249: change 249")
        self.assertEqual(c["commit"]["author"]["date"], "2026-01-11T09:00:00Z")
        self.assertEqual(c["commit"]["committer"]["email"], "alice@example.com")
        self.assertEqual(c["author"]["login"], "alice")
        self.assertEqual(c["parents"], [{"sha": self.main[1],
                                         "url": self.url + "/repos/Octo/Hello/commits/" +
                                         self.main[1],
                                         "html_url": "https://github.com/Octo/Hello/commit/" +
                                         self.main[1]}])
        for k in ("node_id", "html_url", "url", "comments_url", "committer"):
            self.assertIn(k, c)
        for k in ("tree", "comment_count", "verification"):
            self.assertIn(k, c["commit"])
        self.assertTrue(h["Content-Type"].startswith("application/json"))
        repo = json.loads(self.get("/repos/octo/hello")[2])
        self.assertEqual((repo["full_name"], repo["default_branch"], repo["private"]),
                         ("Octo/Hello", "main", False))
        self.assertEqual(json.loads(self.get("/repositories/%d" % repo["id"])[2])["id"],
                         repo["id"])

    def test_branches_share_history_and_since_until(self):
        self.gh.create_branch("octo", "hello", "feature/x")
        feat = self.gh.add_commits("octo", "hello", "feature/x", 3,
                                   start_date="2026-02-01T00:00:00Z")
        status, h, body = self.get("/repos/octo/hello/branches?per_page=1")
        self.assertEqual(json.loads(body)[0]["name"], "feature/x")
        self.assertEqual(json.loads(body)[0]["commit"]["sha"], feat[0])
        self.assertFalse(json.loads(body)[0]["protected"])
        nxt = links(h["Link"])["next"]
        self.assertEqual(json.loads(self.get(nxt)[2])[0]["name"], "main")
        q = urllib.parse.urlencode({"sha": "feature/x", "per_page": 100})
        first = json.loads(self.get("/repos/octo/hello/commits?" + q)[2])
        self.assertEqual([c["sha"] for c in first[:3]], feat)
        self.assertEqual(first[3]["sha"], self.main[0])
        q = urllib.parse.urlencode({"sha": "feature/x", "since": "2026-01-11T08:00:00Z",
                                    "until": "2026-02-01T01:00:00Z"})
        got = [c["sha"] for c in json.loads(self.get("/repos/octo/hello/commits?" + q)[2])]
        self.assertEqual(got, feat[1:] + self.main[:2])
        status, _, body = self.get("/repos/octo/hello/commits?sha=nope")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["message"], "No commit found for SHA: nope")

    def test_merge_branch_lists_both_histories(self):
        feat = self.gh.add_commits("octo", "hello", "topic", 2, start_date="2026-03-01T00:00:00Z")
        merge = self.gh.merge_branch("octo", "hello", "main", "topic",
                                     date="2026-03-02T00:00:00Z")
        shas = self.gh.branch_shas("octo", "hello", "main")
        self.assertEqual(shas[:3], [merge] + feat)
        self.assertEqual(len(shas), 253)
        c = json.loads(self.get("/repos/octo/hello/commits/" + merge)[2])
        self.assertEqual([p["sha"] for p in c["parents"]], [self.main[0], feat[0]])

    def test_etag_304_costs_nothing(self):
        status, h, body = self.get("/repos/octo/hello/commits?per_page=100")
        self.assertEqual(status, 200)
        etag = h["ETag"]
        self.assertTrue(etag.startswith('W/"'))
        self.assertEqual(h["x-ratelimit-remaining"], "4999")
        for _ in range(3):
            status, h2, body2 = self.get("/repos/octo/hello/commits?per_page=100",
                                         **{"If-None-Match": etag})
            self.assertEqual((status, body2), (304, b""))
            self.assertEqual(h2["x-ratelimit-remaining"], "4999")
        self.assertEqual(self.gh.rate_units_used("tok-a"), 1)
        self.assertEqual(self.gh.budget("tok-a")["remaining"], 4999)
        self.gh.add_commit("octo", "hello", "main", "new")
        status, h3, _ = self.get("/repos/octo/hello/commits?per_page=100",
                                 **{"If-None-Match": etag})
        self.assertEqual(status, 200)
        self.assertNotEqual(h3["ETag"], etag)

    def test_auth_and_error_bodies(self):
        status, h, body = self.get("/repos/octo/hello", token=None)
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body), {"message": "Bad credentials",
                                            "documentation_url": "https://docs.github.com/rest",
                                            "status": "401"})
        self.assertEqual(self.get("/repos/octo/hello", token="wrong")[0], 401)
        self.assertEqual(self.get("/repos/octo/hello", scheme="token")[0], 200)
        status, _, body = self.get("/repos/octo/hello", ua=None)
        self.assertEqual(status, 403)
        self.assertIn("User-Agent", json.loads(body)["message"])
        status, _, body = self.get("/repos/octo/missing")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["message"], "Not Found")
        self.gh.add_repo("octo", "secret", private=True, visible_to=["bob"])
        self.gh.add_commits("octo", "secret", "main", 1)
        self.assertEqual(self.get("/repos/octo/secret")[0], 404)
        self.assertEqual(self.get("/repos/octo/secret", token="tok-b")[0], 200)
        self.gh.add_repo("octo", "empty")
        status, _, body = self.get("/repos/octo/empty/commits")
        self.assertEqual((status, json.loads(body)["message"]), (409, "Git Repository is empty."))

    def test_primary_rate_limit_and_reset(self):
        self.gh.set_budget("tok-a", 1, reset_in_seconds=30)
        status, h, _ = self.get("/repos/octo/hello")
        self.assertEqual((status, h["x-ratelimit-remaining"]), (200, "0"))
        reset = int(h["x-ratelimit-reset"])
        for token in ("tok-a", "tok-a2"):          # both of alice's tokens share the budget
            status, h, body = self.get("/repos/octo/hello", token=token)
            self.assertEqual(status, 403)
            self.assertEqual(h["x-ratelimit-remaining"], "0")
            self.assertEqual(json.loads(body)["message"], "API rate limit exceeded for user ID 1.")
        self.assertEqual(self.get("/repos/octo/hello", token="tok-b")[0], 200)
        self.clock.now = reset
        status, h, _ = self.get("/repos/octo/hello")
        self.assertEqual((status, h["x-ratelimit-remaining"], h["x-ratelimit-used"]),
                         (200, "4999", "1"))
        self.assertEqual(h["x-ratelimit-resource"], "core")

    def test_renamed_repo_redirects(self):
        self.gh.rename_repo("octo", "hello", "octo", "world")
        status, h, body = self.get("/repos/octo/hello/commits?per_page=5")
        self.assertEqual(status, 301)
        self.assertIn("/repositories/%d/commits?per_page=5" % self.gh.get_repo("octo/world").id,
                      h["Location"])
        self.assertEqual(len(json.loads(self.get(h["Location"])[2])), 5)

    def test_fault_knobs(self):
        gh = self.gh
        gh.set_faults(rate_429=2, retry_after=3)
        for _ in range(2):
            status, h, body = self.get("/repos/octo/hello")
            self.assertEqual((status, h["Retry-After"]), (429, "3"))
            self.assertIn("secondary rate limit", json.loads(body)["message"])
        self.assertEqual(self.get("/repos/octo/hello")[0], 200)

        # forced status also hits the /repositories/{id} spelling of the path
        gh.force_status("/repos/octo/hello/commits", 500, count=2)
        self.assertEqual(self.get("/repos/octo/hello/commits")[0], 500)
        self.assertEqual(self.get("/repositories/%d/commits" % gh.get_repo("octo/hello").id)[0],
                         500)
        self.assertEqual(self.get("/repos/octo/hello/commits")[0], 200)
        gh.force_status("/branches", 0, count=1)       # connection closed unanswered
        with self.assertRaises((urllib.error.URLError, ConnectionError, OSError)):
            self.get("/repos/octo/hello/branches")

        gh.malformed = {"/commits"}
        status, _, body = self.get("/repos/octo/hello/commits")
        self.assertEqual(status, 200)
        with self.assertRaises(ValueError):
            json.loads(body)
        self.assertEqual(self.get("/repos/octo/hello")[0], 200)
        gh.malformed = set()

        gh.set_faults(error_rate=0.5, seed=11)
        first = [self.get("/repos/octo/hello")[0] for _ in range(30)]
        gh.set_faults(seed=11)
        again = [self.get("/repos/octo/hello")[0] for _ in range(30)]
        self.assertEqual(first, again)
        self.assertTrue(set(first) <= {200, 500, 502, 503}, first)
        self.assertIn(200, first)
        self.assertTrue(set(first) & {500, 502, 503})
        gh.error_rate = 0

        gh.latency_ms = 150
        t0 = time.monotonic()
        self.assertEqual(self.get("/repos/octo/hello")[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.14)
        gh.latency_ms = 0

    def test_hang_released_by_knob_and_by_stop(self):
        self.gh.set_faults(hang=True, hang_seconds=20)
        result = {}

        def call(tag):
            try:
                result[tag] = self.get("/repos/octo/hello")[0]
            except Exception as exc:          # noqa: BLE001 - the outcome is what we test
                result[tag] = exc
        t = threading.Thread(target=call, args=("a",), daemon=True)
        t.start()
        time.sleep(0.3)
        self.assertNotIn("a", result)
        self.assertEqual(self.gh.in_flight, 1)
        self.gh.hang = False
        t.join(3)
        self.assertEqual(result.get("a"), 200)

        self.gh.hang = True
        t = threading.Thread(target=call, args=("b",), daemon=True)
        t.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        self.gh.stop()
        t.join(3)
        self.assertLess(time.monotonic() - t0, 3)
        self.assertIsInstance(result.get("b"), Exception)

    def test_compare_ahead_paged_by_link(self):
        self.gh.create_branch("octo", "hello", "feature/x")
        new = self.gh.add_commits("octo", "hello", "feature/x", 130,
                                  start_date="2025-06-01T00:00:00Z")   # older than main's
        base = self.main[0]
        url = self.url + "/repos/octo/hello/compare/%s...%s?per_page=100" % (base, new[0])
        seen, pages = [], 0
        while url and pages < 5:
            status, h, body = self.get(url)
            self.assertEqual(status, 200)
            b = json.loads(body)
            pages += 1
            self.assertEqual((b["status"], b["ahead_by"], b["behind_by"], b["total_commits"]),
                             ("ahead", 130, 0, 130))
            self.assertEqual(b["base_commit"]["sha"], base)
            self.assertEqual(b["merge_base_commit"]["sha"], base)
            for k in ("url", "html_url", "permalink_url", "diff_url", "patch_url"):
                self.assertIsInstance(b[k], str)
            self.assertEqual("files" in b, pages == 1)
            seen += [c["sha"] for c in b["commits"]]
            url = links(h["Link"]).get("next")
            if url:
                self.assertIn("/repositories/%d/compare/" % self.gh.get_repo("octo/hello").id,
                              url)
        self.assertEqual(pages, 2)
        self.assertEqual(seen, list(reversed(new)))      # oldest first, whatever the dates
        # without per_page/page: up to 250 commits, no Link
        status, h, body = self.get("/repos/octo/hello/compare/main...feature/x")
        self.assertEqual((status, len(json.loads(body)["commits"]), h["Link"]), (200, 130, None))

    def test_compare_statuses_and_errors(self):
        self.gh.create_branch("octo", "hello", "f")
        f = self.gh.add_commits("octo", "hello", "f", 2)
        m = self.gh.add_commits("octo", "hello", "main", 3)
        cases = {(self.main[0], f[0]): ("ahead", 2, 0), (f[0], m[0]): ("diverged", 3, 2),
                 (m[0], f[0]): ("diverged", 2, 3),
                 (self.main[5], self.main[0]): ("ahead", 5, 0),
                 (self.main[0], self.main[5]): ("behind", 0, 5),
                 (self.main[0], self.main[0]): ("identical", 0, 0)}
        for (b, h), want in cases.items():
            status, _, body = self.get("/repos/octo/hello/compare/%s...%s" % (b, h))
            body = json.loads(body)
            self.assertEqual((status, body["status"], body["ahead_by"], body["behind_by"]),
                             (200,) + want)
            self.assertEqual(len(body["commits"]), want[1])
        # diverged: the commits are merge-base..head
        _, _, body = self.get("/repos/octo/hello/compare/%s...%s" % (m[0], f[0]))
        body = json.loads(body)
        self.assertEqual([c["sha"] for c in body["commits"]], list(reversed(f)))
        self.assertEqual(body["merge_base_commit"]["sha"], self.main[0])
        status, _, body = self.get("/repos/octo/hello/compare/%s...%s" % ("0" * 40, m[0]))
        self.assertEqual((status, json.loads(body)["message"]), (404, "Not Found"))
        orphan = self.gh.add_commit("octo", "hello", "orphan", "unrelated", base=None)
        status, _, body = self.get("/repos/octo/hello/compare/%s...%s" % (m[0], orphan))
        self.assertEqual((status, json.loads(body)["message"]),
                         (404, "No common ancestor between %s and %s." % (m[0], orphan)))
        # logged like every request, charged one unit
        log = [e for e in self.gh.log() if "/compare/" in e["path"]]
        self.assertEqual(len(log), len(cases) + 3)
        self.assertEqual([e["cost"] for e in log], [1] * len(log))

    def test_request_log(self):
        etag = self.get("/repos/octo/hello")[1]["ETag"]
        self.get("/repos/octo/hello", **{"If-None-Match": etag})
        self.get("/repos/octo/hello", token=None)
        log = self.gh.log()
        self.assertEqual([e["status"] for e in log], [200, 304, 401])
        e = log[1]
        self.assertEqual(e["method"], "GET")
        self.assertEqual(e["path"], "/repos/octo/hello")
        self.assertEqual(e["headers"]["If-None-Match"], etag)
        self.assertEqual(e["headers"]["User-Agent"], UA)
        self.assertTrue(e["headers"]["Authorization"])
        self.assertFalse(e["headers"]["PRIVATE-TOKEN"])
        self.assertEqual((e["token"], e["cost"], e["repo"]), ("tok-a", 0, "Octo/Hello"))
        self.assertFalse(log[2]["headers"]["Authorization"])
        self.assertLessEqual(log[0]["time"], time.monotonic())
        self.assertEqual(len(self.gh.requests_for(token="tok-a")), 2)
        self.assertEqual(len(self.gh.requests_for(path_contains="/repositories/")), 3)
        self.gh.reset_log()
        self.assertEqual(self.gh.log(), [])


# ==========================================================================
class GitLabTest(unittest.TestCase):
    def setUp(self):
        self.clock = FakeClock(time.time())
        self.gl = FakeGitLab(clock=self.clock)
        self.url = self.gl.start()
        self.gl.add_token("glpat-a", "alice")
        self.gl.add_repo("group/sub", "proj")
        self.main = self.gl.add_commits("group/sub", "proj", "main", 45,
                                        start_date="2026-02-18T13:30:00Z",
                                        message_fn="PROJ-{i}: change\n\nbody {i}")
        self.pid = self.gl.get_repo("group/sub/proj").id

    def tearDown(self):
        self.gl.stop()

    def get(self, path, token="glpat-a", bearer=False, **extra):
        headers = {}
        if token:
            if bearer:
                headers["Authorization"] = "Bearer " + token
            else:
                headers["PRIVATE-TOKEN"] = token
        headers.update(extra)
        url = path if path.startswith("http") else self.url + path
        return http(url, headers=headers)

    def test_pagination_via_x_next_page(self):
        base = "/api/v4/projects/group%2Fsub%2Fproj/repository/commits?ref_name=main&per_page=20"
        seen, page, via_link = [], "1", None
        for _ in range(10):
            status, h, body = self.get(base + "&page=" + page)
            self.assertEqual(status, 200)
            self.assertIsNone(h["x-total"])
            self.assertIsNone(h["x-total-pages"])
            self.assertEqual(h["x-page"], page)
            self.assertEqual(h["x-per-page"], "20")
            seen += [c["id"] for c in json.loads(body)]
            rels = links(h["Link"])
            self.assertNotIn("last", rels)
            if page == "1":
                self.assertEqual(h["x-prev-page"], "")
                via_link = rels["next"]
            page = h["x-next-page"]
            if not page:
                self.assertNotIn("next", rels)
                break
        self.assertEqual(seen, self.main)
        status, h, body = self.get(via_link)
        self.assertEqual(h["x-page"], "2")
        self.assertEqual([c["id"] for c in json.loads(body)], self.main[20:40])
        # default per_page 20, cap 100
        self.assertEqual(len(json.loads(self.get("/api/v4/projects/%d/repository/commits"
                                                 % self.pid)[2])), 20)
        status, h, _ = self.get("/api/v4/projects/%d/repository/commits?per_page=1000" % self.pid)
        self.assertEqual(h["x-per-page"], "100")

    def test_compare(self):
        self.gl.create_branch("group/sub", "proj", "topic")
        t = self.gl.add_commits("group/sub", "proj", "topic", 3, start_date="2025-01-01T00:00:00Z")
        base = "/api/v4/projects/group%2Fsub%2Fproj/repository/compare?from={}&to={}"
        status, h, body = self.get(base.format(self.main[0], t[0]) + "&straight=false")
        b = json.loads(body)
        self.assertEqual(status, 200)
        self.assertEqual(set(b), {"commit", "commits", "diffs", "compare_timeout",
                                  "compare_same_ref", "web_url"})
        self.assertEqual([c["id"] for c in b["commits"]], list(reversed(t)))
        self.assertEqual(b["commits"][0]["parent_ids"], [self.main[0]])
        self.assertEqual(b["commit"]["id"], t[0])
        self.assertEqual((b["compare_timeout"], b["compare_same_ref"]), (False, False))
        self.assertIsNone(h["x-next-page"])
        # by branch name too; nothing new: commit null, commits []
        status, _, body = self.get(base.format("topic", "main"))
        self.assertEqual((status, json.loads(body)["commits"], json.loads(body)["commit"]),
                         (200, [], None))
        status, _, body = self.get(base.format("main", "main"))
        self.assertTrue(json.loads(body)["compare_same_ref"])
        # a merge commit lists both parents
        merge = self.gl.merge_branch("group/sub", "proj", "main", "topic")
        _, _, body = self.get(base.format(self.main[0], merge))
        commits = json.loads(body)["commits"]
        self.assertEqual(commits[-1]["id"], merge)
        self.assertEqual(commits[-1]["parent_ids"], [self.main[0], t[0]])
        status, _, body = self.get(base.format("nope", "main"))
        self.assertEqual((status, json.loads(body)), (404, {"message": "404 Ref Not Found"}))
        status, _, body = self.get("/api/v4/projects/%d/repository/compare?from=main" % self.pid)
        self.assertEqual(status, 400)

    def test_nested_path_encoding_and_errors(self):
        status, _, body = self.get("/api/v4/projects/group%2Fsub%2Fproj")
        p = json.loads(body)
        self.assertEqual((status, p["path_with_namespace"], p["id"], p["default_branch"]),
                         (200, "group/sub/proj", self.pid, "main"))
        self.assertEqual(p["web_url"], self.url + "/group/sub/proj")
        self.assertEqual(json.loads(self.get("/api/v4/projects/%d" % self.pid)[2])["name"], "proj")
        status, _, body = self.get("/api/v4/projects/group/sub/proj")
        self.assertEqual((status, json.loads(body)), (404, {"error": "404 Not Found"}))
        status, _, body = self.get("/api/v4/projects/group%2Fsub%2Fnope")
        self.assertEqual((status, json.loads(body)), (404, {"message": "404 Project Not Found"}))
        status, _, body = self.get("/api/v4/projects/group%2Fsub%2Fproj", token=None)
        self.assertEqual((status, json.loads(body)), (401, {"message": "401 Unauthorized"}))
        self.assertEqual(self.get("/api/v4/projects/%d" % self.pid, token="bad")[0], 401)
        self.assertEqual(self.get("/api/v4/projects/%d" % self.pid, bearer=True)[0], 200)

    def test_branches_with_slash(self):
        feat = self.gl.add_commits("group/sub", "proj", "feature/x", 2)
        status, h, body = self.get("/api/v4/projects/%d/repository/branches" % self.pid)
        self.assertEqual((h["x-total"], h["x-total-pages"], h["x-next-page"]), ("2", "1", ""))
        b = {x["name"]: x for x in json.loads(body)}
        self.assertEqual(b["feature/x"]["commit"]["id"], feat[0])
        self.assertTrue(b["main"]["default"])
        status, _, body = self.get("/api/v4/projects/%d/repository/branches/feature%%2Fx"
                                   % self.pid)
        self.assertEqual((status, json.loads(body)["name"]), (200, "feature/x"))
        self.assertEqual(self.get("/api/v4/projects/%d/repository/branches/feature/x"
                                  % self.pid)[0], 404)
        q = urllib.parse.urlencode({"ref_name": "feature/x", "per_page": 100})
        got = [c["id"] for c in json.loads(self.get(
            "/api/v4/projects/%d/repository/commits?%s" % (self.pid, q))[2])]
        self.assertEqual(got, feat + self.main)
        status, _, body = self.get("/api/v4/projects/%d/repository/commits?ref_name=nope"
                                   % self.pid)
        self.assertEqual((status, json.loads(body)), (200, []))
        q = urllib.parse.urlencode({"all": "true", "per_page": 100})
        got = json.loads(self.get("/api/v4/projects/%d/repository/commits?%s" % (self.pid, q))[2])
        self.assertEqual(len(got), 47)

    def test_offset_dates_and_since(self):
        c = json.loads(self.get("/api/v4/projects/%d/repository/commits?per_page=100"
                                % self.pid)[2])[-1]
        self.assertEqual(c["committed_date"], "2026-02-18T14:30:00.000+01:00")
        self.assertEqual(c["authored_date"], "2026-02-18T14:30:00.000+01:00")
        self.assertEqual(parse_time(c["committed_date"]), parse_time("2026-02-18T13:30:00Z"))
        self.assertEqual((c["title"], c["message"]), ("PROJ-0: change", "PROJ-0: change\n\nbody 0\n"))
        self.assertEqual(c["short_id"], c["id"][:8])
        for k in ("author_name", "author_email", "committer_name", "committer_email",
                  "created_at", "parent_ids", "web_url"):
            self.assertIn(k, c)
        sha = self.gl.add_commit("group/sub", "proj", "main", "late", date="2026-03-01T12:00:00Z",
                                 tz_offset="-05:30")
        c = json.loads(self.get("/api/v4/projects/%d/repository/commits/%s" % (self.pid, sha))[2])
        self.assertEqual(c["committed_date"], "2026-03-01T06:30:00.000-05:30")
        q = urllib.parse.urlencode({"since": "2026-02-19T13:30:00+01:00",
                                    "until": "2026-02-19T14:30:00Z"})
        got = json.loads(self.get("/api/v4/projects/%d/repository/commits?%s" % (self.pid, q))[2])
        self.assertEqual([x["id"] for x in got], self.main[19:22])
        self.assertEqual([x["committed_date"] for x in got],
                         ["2026-02-19T15:30:00.000+01:00", "2026-02-19T14:30:00.000+01:00",
                          "2026-02-19T13:30:00.000+01:00"])
        status, _, body = self.get("/api/v4/projects/%d/repository/commits?since=yesterday"
                                   % self.pid)
        self.assertEqual((status, json.loads(body)), (400, {"error": "since is invalid"}))

    def test_rate_limit_429_retry_later_and_reset(self):
        self.gl.set_budget("glpat-a", 1, reset_in_seconds=20)
        status, h, _ = self.get("/api/v4/projects/%d" % self.pid)
        self.assertEqual((status, h["RateLimit-Remaining"], h["RateLimit-Limit"]),
                         (200, "0", "2000"))
        status, h, body = self.get("/api/v4/projects/%d" % self.pid)
        self.assertEqual((status, body), (429, b"Retry later\n"))
        self.assertTrue(h["Content-Type"].startswith("text/plain"))
        self.assertIn(h["Retry-After"], ("20", "21"))     # ceil(reset - now)
        self.clock.now = int(h["RateLimit-Reset"])
        status, h, _ = self.get("/api/v4/projects/%d" % self.pid)
        self.assertEqual((status, h["RateLimit-Remaining"]), (200, "1999"))
        self.gl.rate_429 = 1                      # injected
        status, h, body = self.get("/api/v4/projects/%d" % self.pid)
        self.assertEqual((status, body, h["Retry-After"]), (429, b"Retry later\n", "1"))

    def test_etag_304(self):
        path = "/api/v4/projects/%d/repository/commits" % self.pid
        status, h, _ = self.get(path)
        status, h2, body = self.get(path, **{"If-None-Match": h["ETag"]})
        self.assertEqual((status, body), (304, b""))
        self.assertEqual(self.gl.rate_units_used("glpat-a"), 2)   # GitLab counts 304s


# ==========================================================================
def _read_ready(proc, timeout=10.0):
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    line = b""
    try:
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            if not sel.select(max(0.0, deadline - time.monotonic())):
                break
            ch = os.read(proc.stdout.fileno(), 1)
            if not ch:
                break
            line += ch
    finally:
        sel.close()
    return line.decode().strip()


class AdminApiTest(unittest.TestCase):
    def test_run_fake_process_admin_round_trip(self):
        seed = {"users": [{"login": "alice", "token": "glpat-a"}],
                "repos": [{"repo": "g/s/p", "id": 4242}],
                "commits": [{"repo": "g/s/p", "branch": "main", "n": 30,
                             "start_date": "2026-02-01T00:00:00Z", "message": "X-{i} c"}]}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(seed, f)
        proc = subprocess.Popen([sys.executable, "-m", "fakes.run_fake", "gitlab", "--port", "0",
                                 "--seed-file", f.name], cwd=TESTS_DIR,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = _read_ready(proc)
            self.assertRegex(line, r"^READY \d+$")
            base = "http://127.0.0.1:%s" % line.split()[1]
            hdr = {"PRIVATE-TOKEN": "glpat-a"}
            commits = base + "/api/v4/projects/g%2Fs%2Fp/repository/commits?per_page=100"
            status, h, body = http(commits, headers=hdr)
            self.assertEqual((status, len(json.loads(body))), (200, 30))

            status, _, body = http(base + "/_admin/state", "POST", body={
                "tokens": {"glpat-b": "bob"},
                "commits": [{"repo": "g/s/p", "branch": "feature/y", "from": "main", "n": 2}],
                "budgets": [{"token": "glpat-b", "remaining": 0, "reset_in": 60}],
                "faults": {"latency_ms": 10},
                "return_shas": True})
            st = json.loads(body)
            self.assertEqual(status, 200)
            self.assertEqual(st["summary"]["repos"]["g/s/p"]["id"], 4242)
            self.assertEqual(st["summary"]["repos"]["g/s/p"]["branches"]["feature/y"]["count"], 32)
            new = st["created"]["g/s/p:feature/y"]
            q = urllib.parse.urlencode({"ref_name": "feature/y", "per_page": 2})
            status, _, body = http(base + "/api/v4/projects/4242/repository/commits?" + q,
                                   headers=hdr)
            self.assertEqual([c["id"] for c in json.loads(body)], new)
            self.assertEqual(http(base + "/api/v4/user", headers={"PRIVATE-TOKEN": "glpat-b"})[0],
                             429)
            status, _, body = http(base + "/_admin/log?token=glpat-a")
            log = json.loads(body)
            self.assertEqual(log["count"], 2)
            self.assertEqual(log["entries"][1]["query"]["ref_name"], "feature/y")
            self.assertEqual(log["entries"][1]["repo"], "g/s/p")
            self.assertEqual(json.loads(http(base + "/_admin/faults")[2])["latency_ms"], 10)
            self.assertEqual(http(base + "/_admin/reset_log", "POST")[0], 200)
            self.assertEqual(json.loads(http(base + "/_admin/log")[2])["count"], 0)
            status, _, body = http(base + "/_admin/state", "POST", body={"ops": [{"op": "nope"}]})
            self.assertEqual(status, 400)
            self.assertIn("error", json.loads(body))
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
            proc.stdout.close()
            proc.stderr.close()
            os.unlink(f.name)

    def test_in_process_admin_and_bulk_load(self):
        gh = FakeGitHub()
        url = gh.start()
        try:
            t0 = time.monotonic()
            status, _, body = http(url + "/_admin/state", "POST", body={
                "generate": {"owner": "bench", "repos": 10, "branches": 5, "commits": 400,
                             "tokens": {"bt": "bench"}},
                "faults": {"latency_ms": 20}})
            self.assertEqual(status, 200)
            summary = json.loads(body)["summary"]
            self.assertLess(time.monotonic() - t0, 5)
            r0 = summary["repos"]["bench/repo00"]
            self.assertEqual(len(r0["branches"]), 5)
            self.assertEqual({b["count"] for b in r0["branches"].values()}, {400})
            self.assertEqual(r0["commits"], 800)
            # 100 concurrent-ish requests of 100-commit pages with 20 ms latency
            paths = ["/repos/bench/repo%02d/commits?sha=%s&per_page=100&page=%d"
                     % (r, urllib.parse.quote(b, safe=""), p)
                     for r in range(10) for b in ("main", "feature/2") for p in range(1, 6)]
            results = []
            lock = threading.Lock()

            def worker(chunk):
                for p in chunk:
                    s = http(url + p, headers={"User-Agent": UA, "Authorization": "Bearer bt"})
                    with lock:
                        results.append((s[0], len(json.loads(s[2]))))
            threads = [threading.Thread(target=worker, args=(paths[i::10],)) for i in range(10)]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            elapsed = time.monotonic() - t0
            self.assertEqual(len(results), 100)
            self.assertEqual(sorted(set(results)), [(200, 0), (200, 100)])
            self.assertLess(elapsed, 5)
            self.assertGreaterEqual(gh.max_in_flight, 5)
        finally:
            gh.stop()


if __name__ == "__main__":
    unittest.main()
