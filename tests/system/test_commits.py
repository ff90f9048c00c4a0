"""CONTRACT §4 Commits: list + filters, ordering, pagination, missing, manual links."""

import random
import time
import unittest
import urllib.parse

from harness import PdtTestCase, fake_sha, rfc3339, seed_commits

COMMIT_KEYS = {"id", "repo_id", "sha", "message", "author", "author_email", "branch", "date",
               "jira_card_key", "has_link", "created_at"}
LINK_KEYS = {"id", "commit_id", "jira_card_key", "linked_at"}
BASE = 1767225600  # 2026-01-01T00:00:00Z
KEYS = [None, None, None, "PROJ-1", "PROJ-2", "OPS-7", "PROJ-12"]


def make_commits(rng, prefix, repo_ids, n):
    """n commits spread over repo_ids with distinct, shuffled dates.
    Returns {repo_id: [commit dicts]} (seed form)."""
    slots = list(range(n))
    rng.shuffle(slots)
    per_repo = {rid: [] for rid in repo_ids}
    for i in range(n):
        key = rng.choice(KEYS)
        if key:
            msg = "%s: change number %d\n\nLonger body mentioning OTHER-99." % (key, i)
        else:
            msg = "chore: tidy number %d" % i
        if i == 3:
            msg = "docs: ünïcødé ✓ and \"quotes\" and a\ttab\nsecond line PROJ-77"
            key = None
        per_repo[repo_ids[i % len(repo_ids)]].append({
            "sha": fake_sha("%s-%d" % (prefix, i)),
            "message": msg,
            "author": "Author %d" % i,
            "author_email": "author%d@example.com" % i,
            "branch": "main" if i % 3 else "feature/x-%d" % i,
            "date": BASE + slots[i] * 3600 + 17,
            "jira_card_key": key,
            "created_at": BASE + 10 ** 6 + i,
        })
    return per_repo


def expected_json(repo_id, cid, c):
    return {"id": cid, "repo_id": repo_id, "sha": c["sha"], "message": c["message"],
            "author": c["author"], "author_email": c["author_email"], "branch": c["branch"],
            "date": rfc3339(c["date"]), "jira_card_key": c["jira_card_key"] or "",
            "has_link": c["jira_card_key"] is not None, "created_at": rfc3339(c["created_at"])}


def newest_first(items):
    return sorted(items, key=lambda c: c["date"], reverse=True)


class CommitsTest(PdtTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.token, cls.user = cls.server.register(cls.server.unique_email("commits"), "commits-pass")
        cls.repo1 = cls.server.add_repo(cls.token, "https://github.com/acme/api")
        cls.repo2 = cls.server.add_repo(cls.token, "https://gitlab.com/acme/web/frontend")
        rng = random.Random(1234)
        per_repo = make_commits(rng, "c", [cls.repo1["id"], cls.repo2["id"]], 30)
        cls.expected = []
        for rid, commits in per_repo.items():
            ids = seed_commits(cls.server.db_path, rid, commits)
            cls.expected += [expected_json(rid, cid, c) for cid, c in zip(ids, commits)]
        cls.expected = newest_first(cls.expected)
        keys = {c["jira_card_key"] for c in cls.expected}
        assert {"", "PROJ-1", "PROJ-2"} <= keys, keys  # the seed gives a useful mix

    def get(self, path, token=None):
        r = self.server.request("GET", path, token=token or self.token)
        self.assertStatus(r, 200, path)
        self.assertJSONResponse(r)
        self.assertIsInstance(r.body, list, path)
        return r.body

    def test_list_all_exact_and_newest_first(self):
        body = self.get("/api/commits")
        for c in body:
            self.assertKeys(c, COMMIT_KEYS)
            self.assertInt(c["id"])
            self.assertInt(c["repo_id"])
            self.assertBool(c["has_link"])
            self.assertTimestamp(c["date"])
            self.assertTimestamp(c["created_at"])
        self.assertEqual(len(body), 30)
        self.assertEqual(body, self.expected)

    def test_filter_repo_id(self):
        for repo in (self.repo1, self.repo2):
            with self.subTest(repo=repo["id"]):
                body = self.get("/api/commits?repo_id=%d" % repo["id"])
                want = [c for c in self.expected if c["repo_id"] == repo["id"]]
                self.assertTrue(want)
                self.assertEqual(body, want)

    def test_filter_unknown_repo_id_empty(self):
        self.assertEqual(self.get("/api/commits?repo_id=999999"), [])

    def test_filter_jira_card_key(self):
        for key in ("PROJ-1", "PROJ-2", "OPS-7", "PROJ-12"):
            with self.subTest(key=key):
                body = self.get("/api/commits?jira_card_key=" + key)
                self.assertEqual(body, [c for c in self.expected if c["jira_card_key"] == key])
        # exact match only: no prefix / case / body-text matches
        self.assertEqual(self.get("/api/commits?jira_card_key=PROJ"), [])
        self.assertEqual(self.get("/api/commits?jira_card_key=proj-1"), [])
        self.assertEqual(self.get("/api/commits?jira_card_key=OTHER-99"), [])
        self.assertEqual(self.get("/api/commits?jira_card_key=PROJ-77"), [])
        self.assertEqual(self.get("/api/commits?jira_card_key=NOPE-1"), [])

    def test_filter_has_link(self):
        t = self.get("/api/commits?has_link=true")
        f = self.get("/api/commits?has_link=false")
        self.assertEqual(t, [c for c in self.expected if c["has_link"]])
        self.assertEqual(f, [c for c in self.expected if not c["has_link"]])
        self.assertTrue(t and f)

    def test_filters_combine(self):
        rid = self.repo1["id"]
        self.assertEqual(self.get("/api/commits?repo_id=%d&has_link=false" % rid),
                         [c for c in self.expected if c["repo_id"] == rid and not c["has_link"]])
        self.assertEqual(self.get("/api/commits?repo_id=%d&jira_card_key=PROJ-1" % rid),
                         [c for c in self.expected
                          if c["repo_id"] == rid and c["jira_card_key"] == "PROJ-1"])
        self.assertEqual(self.get("/api/commits?jira_card_key=PROJ-1&has_link=false"), [])

    def test_empty_parameters_mean_no_filter(self):
        # the original's front end sends ?repo_id=&jira_card_key=&has_link= for "all"
        self.assertEqual(self.get("/api/commits?repo_id=&jira_card_key=&has_link="), self.expected)

    def test_missing(self):
        body = self.get("/api/commits/missing")
        self.assertEqual(body, [c for c in self.expected if not c["has_link"]])

    def test_limit_offset(self):
        e = self.expected
        cases = [("limit=5", e[:5]), ("limit=5&offset=5", e[5:10]), ("offset=28", e[28:]),
                 ("limit=1", e[:1]), ("limit=100", e), ("limit=10&offset=25", e[25:]),
                 ("limit=5&offset=30", []), ("limit=5&offset=1000", []),
                 ("repo_id=%d&limit=3&offset=1" % self.repo2["id"],
                  [c for c in e if c["repo_id"] == self.repo2["id"]][1:4]),
                 ("has_link=false&limit=2", [c for c in e if not c["has_link"]][:2])]
        for q, want in cases:
            with self.subTest(query=q):
                self.assertEqual(self.get("/api/commits?" + q), want)

    def test_bad_parameters_400(self):
        for q in ["repo_id=x", "repo_id=1x", "repo_id=1.5", "has_link=maybe", "has_link=yes2",
                  "limit=-1", "limit=abc", "offset=-1", "offset=x",
                  "limit=99999999999999999999999"]:
            with self.subTest(query=q):
                r = self.server.request("GET", "/api/commits?" + q, token=self.token)
                self.assertError(r, 400)

    def test_query_string_encoding(self):
        body = self.get("/api/commits?jira_card_key=" + urllib.parse.quote("PROJ-1"))
        self.assertEqual(body, [c for c in self.expected if c["jira_card_key"] == "PROJ-1"])
        body = self.get("/api/commits?jira_card_key=%50ROJ-1")  # %50 = 'P'
        self.assertEqual(body, [c for c in self.expected if c["jira_card_key"] == "PROJ-1"])

    def test_wrong_methods_405(self):
        sha = self.expected[0]["sha"]
        for method, path in [("POST", "/api/commits"), ("DELETE", "/api/commits"),
                             ("POST", "/api/commits/missing"),
                             ("GET", "/api/commits/%s/link" % sha),
                             ("DELETE", "/api/commits/%s/link" % sha)]:
            with self.subTest(method=method, path=path):
                self.assertError(self.server.request(method, path, token=self.token), 405)


class CommitLinkTest(PdtTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        self.token, self.user = self.server.register(self.server.unique_email("link"), "link-pass")
        self.repo = self.server.add_repo(self.token, "https://github.com/link/%s" %
                                         self.user["id"])
        rng = random.Random(99)
        tag = "u%d" % self.user["id"]
        commits = make_commits(rng, tag, [self.repo["id"]], 8)[self.repo["id"]]
        commits[0]["jira_card_key"] = None
        commits[0]["message"] = "no key here"
        commits[1]["jira_card_key"] = "OPS-7"
        commits[1]["message"] = "OPS-7 fix"
        ids = seed_commits(self.server.db_path, self.repo["id"], commits)
        self.commits = [expected_json(self.repo["id"], i, c) for i, c in zip(ids, commits)]
        self.plain = self.commits[0]
        self.keyed = self.commits[1]

    def link(self, sha, body):
        return self.server.request("POST", "/api/commits/%s/link" % sha, body, token=self.token)

    def by_sha(self, path):
        r = self.server.request("GET", path, token=self.token)
        self.assertStatus(r, 200)
        return {c["sha"]: c for c in r.body}

    def test_link_201_and_effects(self):
        before = int(time.time())
        r = self.link(self.plain["sha"], {"jira_card_key": "PROJ-9"})
        self.assertStatus(r, 201)
        self.assertJSONResponse(r)
        self.assertKeys(r.body, LINK_KEYS)
        self.assertInt(r.body["id"])
        self.assertEqual(r.body["commit_id"], self.plain["id"])
        self.assertEqual(r.body["jira_card_key"], "PROJ-9")
        self.assertTimestamp(r.body["linked_at"], near=before, tolerance=120)

        all_ = self.by_sha("/api/commits")
        self.assertIs(all_[self.plain["sha"]]["has_link"], True)
        self.assertNotIn(self.plain["sha"], self.by_sha("/api/commits/missing"))
        self.assertIn(self.plain["sha"], self.by_sha("/api/commits?has_link=true"))
        self.assertNotIn(self.plain["sha"], self.by_sha("/api/commits?has_link=false"))
        r = self.server.request("GET", "/api/commits?jira_card_key=PROJ-9", token=self.token)
        self.assertStatus(r, 200)
        self.assertEqual([c["sha"] for c in r.body], [self.plain["sha"]])
        self.assertEqual(r.body[0]["id"], self.plain["id"])
        # everything else about the commit is unchanged
        got = dict(r.body[0])
        want = dict(self.plain)
        for k in ("has_link", "jira_card_key"):
            got.pop(k)
            want.pop(k)
        self.assertEqual(got, want)

    def test_link_commit_with_extracted_key_matches_both_keys(self):
        r = self.link(self.keyed["sha"], {"jira_card_key": "PROJ-10"})
        self.assertStatus(r, 201)
        for key in ("PROJ-10", "OPS-7"):
            with self.subTest(key=key):
                got = self.by_sha("/api/commits?jira_card_key=" + key)
                self.assertIn(self.keyed["sha"], got)
        got = self.by_sha("/api/commits?jira_card_key=PROJ-10")
        self.assertEqual(list(got), [self.keyed["sha"]])
        self.assertIs(got[self.keyed["sha"]]["has_link"], True)

    def test_link_same_commit_to_two_keys(self):
        self.assertStatus(self.link(self.plain["sha"], {"jira_card_key": "AAA-1"}), 201)
        self.assertStatus(self.link(self.plain["sha"], {"jira_card_key": "BBB-2"}), 201)
        for key in ("AAA-1", "BBB-2"):
            self.assertEqual(list(self.by_sha("/api/commits?jira_card_key=" + key)),
                             [self.plain["sha"]])

    def test_link_twice_same_key_not_5xx(self):
        self.assertStatus(self.link(self.plain["sha"], {"jira_card_key": "DUP-1"}), 201)
        r = self.link(self.plain["sha"], {"jira_card_key": "DUP-1"})
        self.assertIn(r.status, (200, 201, 409), r.body)
        self.assertEqual(list(self.by_sha("/api/commits?jira_card_key=DUP-1")), [self.plain["sha"]])

    def test_link_bad_body_400(self):
        sha = self.plain["sha"]
        for body in [{}, {"jira_card_key": ""}, {"jira_card_key": 5}, {"jira_card_key": None},
                     {"jira_card_key": ["PROJ-1"]}, {"key": "PROJ-1"}]:
            with self.subTest(body=body):
                self.assertError(self.link(sha, body), 400)
        for raw in ["", "{", "[]", "\"PROJ-1\""]:
            with self.subTest(raw=raw):
                r = self.server.request("POST", "/api/commits/%s/link" % sha, raw_body=raw,
                                        token=self.token)
                self.assertError(r, 400)
        self.assertIs(self.by_sha("/api/commits")[sha]["has_link"], False)

    def test_link_unknown_sha_404(self):
        for sha in [fake_sha("does-not-exist"), "deadbeef", "x"]:
            with self.subTest(sha=sha):
                r = self.link(sha, {"jira_card_key": "PROJ-1"})
                self.assertError(r, 404, "commit not found")


if __name__ == "__main__":
    unittest.main()
