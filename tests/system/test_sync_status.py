"""GET /api/sync/status with long, non-ASCII upstream errors: a message cut to fit
is cut on a UTF-8 character boundary, so the status never answers 500."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fakes import FakeGitHub  # noqa: E402
from harness import PdtTestCase  # noqa: E402

REPOS = 8


class LongErrorTest(PdtTestCase):
    def setUp(self):
        self.gh = FakeGitHub(seed=5)
        self.gh.start()
        self.addCleanup(self.gh.stop)
        self.gh.add_token("ghp_utf8", "utf8")
        self.srv = self.start_server(env={"GITHUB_API_URL": self.gh.base_url,
                                          "UPSTREAM_TIMEOUT": "2s"})
        self.token, _ = self.srv.register(self.srv.unique_email("utf8"), "utf8-password-1")
        self.assertStatus(self.srv.request("PUT", "/api/user/profile",
                                           {"github_token": "ghp_utf8"}, token=self.token), 200)
        for i in range(REPOS):
            self.gh.add_repo("octo", "r%d" % i)
            self.srv.add_repo(self.token, "https://github.com/octo/r%d" % i)

    def test_status_stays_valid_json_whatever_the_cut(self):
        # Every repository fails with a 404 whose message is all 2- and 3-byte
        # characters; the joined last_error overflows its buffer and is cut.
        # Shifting the message by one byte per round moves the cut across every
        # position inside a character.
        for shift in range(3):
            with self.subTest(shift=shift):
                self.gh.clear_forced()
                msg = "x" * shift + "\u00e9\u20ac" * 80
                for i in range(REPOS):
                    self.gh.force_status("/repos/octo/r%d" % i, 404, body={"message": msg})
                r = self.srv.request("POST", "/api/sync/commits", token=self.token, timeout=60)
                self.assertStatus(r, 200)
                errors = [x["error"] for x in r.body["results"]]
                self.assertTrue(all("\u00e9\u20ac" in e for e in errors), errors)
                st = self.srv.request("GET", "/api/sync/status", token=self.token)
                self.assertStatus(st, 200)
                err = st.body["commits"]["last_error"]
                self.assertIsNotNone(err)
                self.assertGreater(len(err.encode()), 900, "the message was kept, not dropped")
                self.assertIn("octo/r0", err)
                self.assertNotIn("\ufffd", err)


if __name__ == "__main__":
    unittest.main()
