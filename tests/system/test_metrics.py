"""/metrics for Prometheus (issue 9): open without METRICS_TOKEN; with it, only
`Authorization: Bearer <METRICS_TOKEN>` (user JWTs are refused); aggregate labels."""

import re
import unittest

from harness import PdtTestCase

METRICS_TOKEN = "scrape-Secret-0123456789abcdef"
PROM_LINE = re.compile(r'^(# (HELP|TYPE) .*|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?\d+)$')


class MetricsTestMixin:
    def assertPrometheus(self, r):
        self.assertStatus(r, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/plain; version=0.0.4"),
                        r.headers)
        text = r.body.decode()
        lines = text.splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, PROM_LINE)
        return text


class MetricsOpenTest(MetricsTestMixin, PdtTestCase):
    """No METRICS_TOKEN: open on the listening address, as exporters are."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def test_open_without_token(self):
        text = self.assertPrometheus(self.server.request("GET", "/metrics"))
        self.assertIn("pdt_commits_stored 0\n", text)
        self.assertIn("pdt_cards_stored 0\n", text)

    def test_any_authorization_is_ignored_when_open(self):
        self.assertPrometheus(self.server.request("GET", "/metrics", token="whatever"))

    def test_labels_stay_aggregate(self):
        email = self.server.unique_email("agg")
        token, user = self.server.register(email=email)
        self.assertStatus(self.server.request("GET", "/api/user/profile", token=token), 200)
        self.assertStatus(self.server.request("GET", "/api/repos/%d" % 987654, token=token), 405)
        text = self.assertPrometheus(self.server.request("GET", "/metrics"))
        self.assertRegex(text, r'(?m)^pdt_http_requests_total\{route="/api/user/profile",'
                               r'status="200"\} \d+$')
        self.assertNotIn(email, text)
        self.assertNotIn("987654", text)
        self.assertNotIn('"%d"' % user["id"], text)


class MetricsTokenTest(MetricsTestMixin, PdtTestCase):
    """METRICS_TOKEN set: 401 without it, with a wrong one or a user's JWT; 200 with it."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(env={"METRICS_TOKEN": METRICS_TOKEN})

    def test_missing_token_401(self):
        self.assertError(self.server.request("GET", "/metrics"), 401)

    def test_wrong_tokens_401(self):
        for bad in [METRICS_TOKEN + "x", METRICS_TOKEN[:-1], METRICS_TOKEN.upper(), "x",
                    METRICS_TOKEN[:8]]:
            with self.subTest(bad=bad):
                r = self.server.request("GET", "/metrics", token=bad)
                self.assertError(r, 401, "invalid metrics token")
        for header in ["Basic " + METRICS_TOKEN, METRICS_TOKEN, "Bearer"]:
            with self.subTest(header=header):
                r = self.server.request("GET", "/metrics", headers={"Authorization": header})
                self.assertError(r, 401, "invalid metrics token")

    def test_user_jwt_401(self):
        token, _user = self.server.register()
        self.assertStatus(self.server.request("GET", "/api/user/profile", token=token), 200)
        self.assertError(self.server.request("GET", "/metrics", token=token), 401,
                         "invalid metrics token")

    def test_right_token_200(self):
        text = self.assertPrometheus(self.server.request("GET", "/metrics", token=METRICS_TOKEN))
        self.assertIn("# TYPE pdt_commits_stored gauge", text)
        r = self.server.request("GET", "/metrics",
                                headers={"Authorization": "bearer " + METRICS_TOKEN})
        self.assertPrometheus(r)

    def test_token_never_logged(self):
        self.server.request("GET", "/metrics", token=METRICS_TOKEN)
        self.server.request("GET", "/metrics", token=METRICS_TOKEN + "wrong")
        self.assertIsNotNone(self.server.wait_log(lambda l: "/metrics" in l and "401" in l))
        self.assertNotIn(METRICS_TOKEN, self.server.log_text())


if __name__ == "__main__":
    unittest.main()
