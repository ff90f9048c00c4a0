"""CONTRACT §4: every query is scoped to the token's user; another user's object
is indistinguishable from a missing one (404)."""

import unittest

from harness import PdtTestCase, db_query, fake_sha, seed_commits

NOW = 1767225600


class IsolationTest(PdtTestCase):
    @classmethod
    def setUpClass(cls):
        srv = cls.server = cls.start_class_server()
        cls.ta, cls.ua = srv.register(srv.unique_email("alice"), "alice-password")
        cls.tb, cls.ub = srv.register(srv.unique_email("bob"), "bob-password")
        cls.repo_a = srv.add_repo(cls.ta, "https://github.com/alice/private")
        cls.repo_b = srv.add_repo(cls.tb, "https://github.com/bob/own")
        # A's commits: one unique sha, plus one sha that B's repository also has
        cls.sha_a = fake_sha("alice-only")
        cls.sha_shared = fake_sha("shared")
        cls.sha_shared2 = fake_sha("shared-2")  # only test_link_shared_sha... links it
        seed_commits(srv.db_path, cls.repo_a["id"], [
            {"sha": cls.sha_a, "message": "ALICE-1 secret work", "jira_card_key": "ALICE-1",
             "date": NOW + 10},
            {"sha": cls.sha_shared, "message": "shared commit", "date": NOW + 5},
            {"sha": fake_sha("alice-nolink"), "message": "no key", "date": NOW + 1},
            {"sha": cls.sha_shared2, "message": "shared two", "date": NOW + 2},
        ])
        seed_commits(srv.db_path, cls.repo_b["id"], [
            {"sha": cls.sha_shared, "message": "shared commit", "date": NOW + 5},
            {"sha": fake_sha("bob-1"), "message": "BOB-1 bob work", "jira_card_key": "BOB-1",
             "date": NOW + 20},
            {"sha": cls.sha_shared2, "message": "shared two", "date": NOW + 2},
        ])
        cls.a_repos = cls.get_json(cls.ta, "/api/repos")
        cls.a_commits = cls.get_json(cls.ta, "/api/commits")

    @classmethod
    def get_json(cls, token, path):
        r = cls.server.request("GET", path, token=token)
        assert r.status == 200, (path, r.status, r.body)
        return r.body

    def a_unchanged(self):
        self.assertEqual(self.get_json(self.ta, "/api/repos"), self.a_repos)
        self.assertEqual(self.get_json(self.ta, "/api/commits"), self.a_commits)

    def test_lists_are_scoped(self):
        repos_b = self.get_json(self.tb, "/api/repos")
        self.assertEqual([r["id"] for r in repos_b], [self.repo_b["id"]])
        commits_b = self.get_json(self.tb, "/api/commits")
        self.assertEqual({c["repo_id"] for c in commits_b}, {self.repo_b["id"]})
        self.assertEqual(len(commits_b), 3)
        self.assertNotIn(self.sha_a, [c["sha"] for c in commits_b])
        missing_b = self.get_json(self.tb, "/api/commits/missing")
        shas = [c["sha"] for c in missing_b]
        self.assertIn(self.sha_shared, shas)
        self.assertLessEqual(set(shas), {self.sha_shared, self.sha_shared2})
        self.assertEqual({c["repo_id"] for c in missing_b}, {self.repo_b["id"]})
        self.assertEqual(len(self.a_commits), 4)
        self.assertEqual({c["repo_id"] for c in self.a_commits}, {self.repo_a["id"]})

    def test_filter_by_other_users_repo_is_empty(self):
        r = self.server.request("GET", "/api/commits?repo_id=%d" % self.repo_a["id"], token=self.tb)
        self.assertStatus(r, 200)
        self.assertEqual(r.body, [])

    def test_filter_by_other_users_key_is_empty(self):
        self.assertEqual(self.get_json(self.tb, "/api/commits?jira_card_key=ALICE-1"), [])
        self.assertEqual(self.get_json(self.tb, "/api/commits?has_link=true&jira_card_key=ALICE-1"),
                         [])

    def test_delete_other_users_repo_404(self):
        r = self.server.request("DELETE", "/api/repos/%d" % self.repo_a["id"], token=self.tb)
        self.assertError(r, 404, "repository not found")
        self.a_unchanged()

    def test_validate_other_users_repo_404(self):
        r = self.server.request("POST", "/api/repos/%d/validate" % self.repo_a["id"], token=self.tb)
        self.assertError(r, 404, "repository not found")
        self.a_unchanged()

    def test_link_other_users_sha_404(self):
        r = self.server.request("POST", "/api/commits/%s/link" % self.sha_a,
                                {"jira_card_key": "BOB-2"}, token=self.tb)
        self.assertError(r, 404, "commit not found")
        rows = db_query(self.server.db_path,
                        "SELECT COUNT(*) AS n FROM commit_card_links WHERE jira_card_key = 'BOB-2'")
        self.assertEqual(rows[0]["n"], 0)
        self.a_unchanged()

    def test_link_shared_sha_only_links_own_commit(self):
        r = self.server.request("POST", "/api/commits/%s/link" % self.sha_shared2,
                                {"jira_card_key": "BOB-3"}, token=self.tb)
        self.assertStatus(r, 201)
        b_commit = [c for c in self.get_json(self.tb, "/api/commits") if c["sha"] == self.sha_shared2]
        self.assertEqual(len(b_commit), 1)
        self.assertEqual(r.body["commit_id"], b_commit[0]["id"])
        self.assertIs(b_commit[0]["has_link"], True)
        self.a_unchanged()  # A's copy of the shared commit is still unlinked
        self.assertEqual(self.get_json(self.ta, "/api/commits?jira_card_key=BOB-3"), [])
        self.assertIn(self.sha_shared2,
                      [c["sha"] for c in self.get_json(self.ta, "/api/commits/missing")])

    def test_same_url_tracked_by_both(self):
        r = self.server.request("POST", "/api/repos", {"url": "https://github.com/alice/private"},
                                token=self.tb)
        self.assertStatus(r, 201)
        self.assertEqual(r.body["user_id"], self.ub["id"])
        self.assertNotEqual(r.body["id"], self.repo_a["id"])
        self.assertEqual(r.body["url"], self.repo_a["url"])
        # B's new repository has none of A's commits
        r2 = self.server.request("GET", "/api/commits?repo_id=%d" % r.body["id"], token=self.tb)
        self.assertStatus(r2, 200)
        self.assertEqual(r2.body, [])
        self.a_unchanged()
        d = self.server.request("DELETE", "/api/repos/%d" % r.body["id"], token=self.tb)
        self.assertStatus(d, 200)
        self.a_unchanged()

    def test_profiles_are_separate(self):
        r = self.server.request("PUT", "/api/user/profile", {"jira_username": "bob-only"},
                                token=self.tb)
        self.assertStatus(r, 200)
        pa = self.get_json(self.ta, "/api/user/profile")
        pb = self.get_json(self.tb, "/api/user/profile")
        self.assertEqual(pa["id"], self.ua["id"])
        self.assertEqual(pb["id"], self.ub["id"])
        self.assertEqual(pa["jira_username"], "")
        self.assertEqual(pb["jira_username"], "bob-only")

    def test_token_user_id_decides_scope(self):
        # A's token sees A's data, never B's, whatever B did before
        commits = self.get_json(self.ta, "/api/commits")
        self.assertTrue(all(c["repo_id"] == self.repo_a["id"] for c in commits))
        self.assertEqual(self.get_json(self.ta, "/api/commits?repo_id=%d" % self.repo_b["id"]), [])
        r = self.server.request("DELETE", "/api/repos/%d" % self.repo_b["id"], token=self.ta)
        self.assertError(r, 404, "repository not found")
        self.assertEqual([x["id"] for x in self.get_json(self.tb, "/api/repos")
                          if x["id"] == self.repo_b["id"]], [self.repo_b["id"]])


if __name__ == "__main__":
    unittest.main()
