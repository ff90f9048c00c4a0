"""CONTRACT §4 Repositories: add (URL normalisation), list, delete (cascade), validate."""

import time
import unittest

from harness import PdtTestCase, db_query, fake_sha, seed_commits

REPO_KEYS = {"id", "user_id", "name", "owner", "provider", "url", "is_valid", "last_synced_at",
             "created_at"}
VALIDATE_KEYS = {"id", "url", "provider", "is_valid", "message"}


class ReposTest(PdtTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def new_user(self):
        return self.server.register(self.server.unique_email("repos"), "repos-password")

    def post(self, token, url):
        return self.server.request("POST", "/api/repos", {"url": url}, token=token)

    def list(self, token):
        r = self.server.request("GET", "/api/repos", token=token)
        self.assertStatus(r, 200)
        self.assertJSONResponse(r)
        self.assertIsInstance(r.body, list)
        return r.body

    def check_repo(self, repo, user):
        self.assertKeys(repo, REPO_KEYS)
        self.assertInt(repo["id"])
        self.assertEqual(repo["user_id"], user["id"])
        self.assertIs(repo["is_valid"], True)
        self.assertIsNone(repo["last_synced_at"])
        self.assertTimestamp(repo["created_at"], near=int(time.time()))

    def test_list_empty_is_array(self):
        token, _u = self.new_user()
        r = self.server.request("GET", "/api/repos", token=token)
        self.assertStatus(r, 200)
        self.assertJSONResponse(r)
        self.assertEqual(r.body, [])
        self.assertEqual(r.body, [], "must be [] not null")

    def test_add_returns_201_repository(self):
        token, user = self.new_user()
        r = self.post(token, "https://github.com/octocat/Hello-World")
        self.assertStatus(r, 201)
        self.assertJSONResponse(r)
        self.check_repo(r.body, user)
        self.assertEqual((r.body["provider"], r.body["owner"], r.body["name"], r.body["url"]),
                         ("github", "octocat", "Hello-World", "https://github.com/octocat/Hello-World"))
        listed = self.list(token)
        self.assertEqual(listed, [r.body])

    def test_url_normalisation(self):
        token, user = self.new_user()
        table = [
            ("https://github.com/Owner/Repo.git/", "github", "Owner", "Repo",
             "https://github.com/Owner/Repo"),
            ("https://github.com/Owner/Repo2.git", "github", "Owner", "Repo2",
             "https://github.com/Owner/Repo2"),
            ("https://github.com/Owner/Repo3/", "github", "Owner", "Repo3",
             "https://github.com/Owner/Repo3"),
            ("https://github.com/my-org/my.repo_name", "github", "my-org", "my.repo_name",
             "https://github.com/my-org/my.repo_name"),
            ("https://gitlab.com/group/sub/proj", "gitlab", "group/sub", "proj",
             "https://gitlab.com/group/sub/proj"),
            ("https://gitlab.com/a/b/c/d.git", "gitlab", "a/b/c", "d",
             "https://gitlab.com/a/b/c/d"),
            ("https://gitlab.com/team/app", "gitlab", "team", "app", "https://gitlab.com/team/app"),
            ("https://git.example.com/team/service.git/", "gitlab", "team", "service",
             "https://git.example.com/team/service"),
            ("https://gitlab.example.com:8443/g/p", "gitlab", "g", "p",
             "https://gitlab.example.com:8443/g/p"),
            ("https://GITHUB.COM/Up/Case", "github", "Up", "Case", "https://github.com/Up/Case"),
        ]
        for url, provider, owner, name, norm in table:
            with self.subTest(url=url):
                if provider == "gitlab":
                    # a GitLab repository must live on the user's gitlab_url host
                    base = "/".join(norm.split("/")[:3])
                    self.assertStatus(self.server.request(
                        "PUT", "/api/user/profile", {"gitlab_url": base}, token=token), 200)
                r = self.post(token, url)
                self.assertStatus(r, 201)
                self.check_repo(r.body, user)
                self.assertEqual(
                    (r.body["provider"], r.body["owner"], r.body["name"], r.body["url"]),
                    (provider, owner, name, norm))
        listed = self.list(token)
        self.assertEqual(sorted(x["url"] for x in listed), sorted(t[4] for t in table))

    def test_http_scheme_accepted(self):
        token, _u = self.new_user()
        r = self.post(token, "http://github.com/plain/http")
        self.assertStatus(r, 201)
        self.assertEqual((r.body["provider"], r.body["owner"], r.body["name"]),
                         ("github", "plain", "http"))

    def test_bad_urls_400(self):
        token, _u = self.new_user()
        bad = ["ftp://github.com/a/b", "github.com/a/b", "https://github.com/onlyowner",
               "https://github.com/a/b/c", "", "   ", "https://github.com/", "https://github.com",
               "https://gitlab.com/onlyone", "https://", "not a url at all",
               "https://github.com/a/b?tab=readme", "https://github.com/a/b#frag",
               "https://user:pass@github.com/a/b", "https://github.com/../b",
               "https://github.com/a/..", "https://github.com//b", "https://github.com/a//b",
               "javascript:alert(1)", "file:///etc/passwd", "https://github.com/a/b c",
               "https://github.com/" + "a" * 600 + "/b"]
        for url in bad:
            with self.subTest(url=url):
                self.assertError(self.post(token, url), 400)
        for body in [{}, {"url": 5}, {"url": None}, {"url": ["https://github.com/a/b"]},
                     {"url": {"x": 1}}, {"url": True}]:
            with self.subTest(body=body):
                r = self.server.request("POST", "/api/repos", body, token=token)
                self.assertError(r, 400)
        for raw in ["{", "[]", "\"https://github.com/a/b\""]:
            with self.subTest(raw=raw):
                r = self.server.request("POST", "/api/repos", raw_body=raw, token=token)
                self.assertError(r, 400)
        self.assertEqual(self.list(token), [])

    def test_duplicate_409(self):
        token, _u = self.new_user()
        self.assertStatus(self.post(token, "https://github.com/dup/repo"), 201)
        for again in ["https://github.com/dup/repo", "https://github.com/dup/repo.git",
                      "https://github.com/dup/repo/"]:
            with self.subTest(url=again):
                self.assertError(self.post(token, again), 409, "repository already tracked")
        self.assertEqual(len(self.list(token)), 1)

    def test_same_repo_for_two_users(self):
        ta, ua = self.new_user()
        tb, ub = self.new_user()
        ra = self.post(ta, "https://github.com/shared/project")
        rb = self.post(tb, "https://github.com/shared/project")
        self.assertStatus(ra, 201)
        self.assertStatus(rb, 201)
        self.assertNotEqual(ra.body["id"], rb.body["id"])
        self.assertEqual([x["id"] for x in self.list(ta)], [ra.body["id"]])
        self.assertEqual([x["id"] for x in self.list(tb)], [rb.body["id"]])

    def test_delete(self):
        token, _u = self.new_user()
        keep = self.server.add_repo(token, "https://github.com/del/keep")
        gone = self.server.add_repo(token, "https://github.com/del/gone")
        r = self.server.request("DELETE", "/api/repos/%d" % gone["id"], token=token)
        self.assertStatus(r, 200)
        self.assertJSONResponse(r)
        self.assertEqual(r.body, {"message": "repository removed"})
        self.assertEqual([x["id"] for x in self.list(token)], [keep["id"]])
        r = self.server.request("DELETE", "/api/repos/%d" % gone["id"], token=token)
        self.assertError(r, 404, "repository not found")
        # can be added again after removal
        self.assertStatus(self.post(token, "https://github.com/del/gone"), 201)

    def test_delete_unknown_404(self):
        token, _u = self.new_user()
        for rid in ["999999", "0"]:
            with self.subTest(id=rid):
                r = self.server.request("DELETE", "/api/repos/" + rid, token=token)
                self.assertError(r, 404, "repository not found")
        for rid in ["abc", "-1", "99999999999999999999999", "1x", "1.5"]:
            with self.subTest(id=rid):
                r = self.server.request("DELETE", "/api/repos/" + rid, token=token)
                self.assertError(r, (400, 404))
                if r.status == 404:
                    self.assertEqual(r.body["error"], "repository not found")

    def test_delete_cascades_commits_and_links(self):
        token, _u = self.new_user()
        repo = self.server.add_repo(token, "https://github.com/cascade/repo")
        other = self.server.add_repo(token, "https://github.com/cascade/other")
        now = int(time.time())
        seed_commits(self.server.db_path, repo["id"], [
            {"sha": fake_sha("cascade-%d" % i), "message": "commit %d" % i, "date": now - i * 60}
            for i in range(5)])
        seed_commits(self.server.db_path, other["id"], [
            {"sha": fake_sha("cascade-other"), "message": "stays", "date": now}])
        link = self.server.request("POST", "/api/commits/%s/link" % fake_sha("cascade-0"),
                                   {"jira_card_key": "CAS-1"}, token=token)
        self.assertStatus(link, 201)
        r = self.server.request("GET", "/api/commits", token=token)
        self.assertStatus(r, 200)
        self.assertEqual(len(r.body), 6)

        r = self.server.request("DELETE", "/api/repos/%d" % repo["id"], token=token)
        self.assertStatus(r, 200)
        r = self.server.request("GET", "/api/commits", token=token)
        self.assertStatus(r, 200)
        self.assertEqual([c["sha"] for c in r.body], [fake_sha("cascade-other")])
        r = self.server.request("GET", "/api/commits?jira_card_key=CAS-1", token=token)
        self.assertStatus(r, 200)
        self.assertEqual(r.body, [])
        rows = db_query(self.server.db_path, "SELECT COUNT(*) AS n FROM commits WHERE repo_id = ?",
                        (repo["id"],))
        self.assertEqual(rows[0]["n"], 0)
        rows = db_query(self.server.db_path,
                        "SELECT COUNT(*) AS n FROM commit_card_links WHERE jira_card_key = 'CAS-1'")
        self.assertEqual(rows[0]["n"], 0)
        rows = db_query(self.server.db_path, "SELECT COUNT(*) AS n FROM repositories WHERE id = ?",
                        (repo["id"],))
        self.assertEqual(rows[0]["n"], 0)

    def test_validate_without_token(self):
        token, _u = self.new_user()
        for url, provider in [("https://github.com/val/repo", "github"),
                              ("https://gitlab.com/val/sub/repo", "gitlab")]:
            with self.subTest(provider=provider):
                repo = self.server.add_repo(token, url)
                r = self.server.request("POST", "/api/repos/%d/validate" % repo["id"], token=token)
                self.assertStatus(r, 200)
                self.assertJSONResponse(r)
                self.assertKeys(r.body, VALIDATE_KEYS)
                self.assertEqual(r.body["id"], repo["id"])
                self.assertEqual(r.body["url"], url)
                self.assertEqual(r.body["provider"], provider)
                self.assertIs(r.body["is_valid"], False)
                self.assertIsInstance(r.body["message"], str)
                msg = r.body["message"].lower()
                self.assertIn("token", msg)
                self.assertIn("not configured", msg)

    def test_validate_unknown_404(self):
        token, _u = self.new_user()
        r = self.server.request("POST", "/api/repos/999999/validate", token=token)
        self.assertError(r, 404, "repository not found")
        r = self.server.request("POST", "/api/repos/abc/validate", token=token)
        self.assertError(r, (400, 404))

    def test_wrong_methods_405(self):
        token, _u = self.new_user()
        repo = self.server.add_repo(token, "https://github.com/meth/od")
        rid = repo["id"]
        for method, path in [("PUT", "/api/repos"), ("DELETE", "/api/repos"),
                             ("PATCH", "/api/repos"), ("GET", "/api/repos/%d" % rid),
                             ("PUT", "/api/repos/%d" % rid), ("GET", "/api/repos/%d/validate" % rid)]:
            with self.subTest(method=method, path=path):
                self.assertError(self.server.request(method, path, token=token), 405)
        self.assertEqual(len(self.list(token)), 1)


if __name__ == "__main__":
    unittest.main()
