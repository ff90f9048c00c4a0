"""Upstream targets a user's settings may point pdt at (issue 9).

GitLab calls go to the user's gitlab_url; a repository on another host is
refused. Users' GitLab hosts and Jira sites are checked before anything is
sent (the URL's text) and at connect time (each resolved address, libcurl's
open-socket callback): link-local always refused, loopback unless
UPSTREAM_ALLOW_LOOPBACK, private ranges when UPSTREAM_DENY_PRIVATE; a token
never goes over plain http to a non-loopback host unless UPSTREAM_ALLOW_HTTP.
GITHUB_API_URL is the operator's and exempt.

The harness allows loopback (every fake is on 127.0.0.1); these tests set it
back to "false". No traffic leaves the machine: every refused address below
is refused before a socket is opened, and "no request made" is asserted with
a listener on 127.0.0.1 that counts connections, or with the fake's request
log. The numeric host forms (2130706433 = 127.0.0.1, 2852039166 =
169.254.169.254) are resolved without DNS and are not IP literals to the URL
check, so they reach the connect-time check.
"""
import http.server
import json
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import PdtTestCase  # noqa: E402
from fakes import FakeGitHub, FakeGitLab  # noqa: E402

METADATA = "169.254.169.254"
METADATA_NUM = "2852039166"   # 169.254.169.254 as one number
LOOP_NUM = "2130706433"       # 127.0.0.1 as one number
# Every refusal is answered at once; this bounds it (no connect timeout waited out).
FAST_S = 5.0


class CountingListener:
    """Accepts on 127.0.0.1 and counts connections (closing each at once)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                c, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.count += 1
            c.close()

    def stop(self):
        self._stop.set()
        self._t.join(timeout=5)
        self.sock.close()


class TargetsCase(PdtTestCase):
    def start_pdt(self, **env):
        e = {"UPSTREAM_ALLOW_LOOPBACK": "false", "UPSTREAM_TIMEOUT": "2s"}
        e.update(env)
        return self.start_server(env=e)

    def listener(self):
        lst = CountingListener()
        self.addCleanup(lst.stop)
        return lst

    def user(self, srv, **profile):
        token, user = srv.register(srv.unique_email("targets"), "targets-password-1")
        if profile:
            self.assertStatus(srv.request("PUT", "/api/user/profile", profile, token=token), 200)
        return token, user

    def timed(self, fn):
        t0 = time.monotonic()
        r = fn()
        self.assertLess(time.monotonic() - t0, FAST_S, "a refusal must not wait")
        return r

    def sync_commits(self, srv, token):
        r = self.timed(lambda: srv.request("POST", "/api/sync/commits", token=token,
                                           timeout=60))
        self.assertStatus(r, 200)
        return {x["repo_name"]: x for x in r.body["results"]}

    def sync_jira(self, srv, token):
        r = self.timed(lambda: srv.request("POST", "/api/sync/jira", token=token, timeout=60))
        self.assertStatus(r, 200)
        return r.body

    def validate(self, srv, token, repo_id):
        r = self.timed(lambda: srv.request("POST", "/api/repos/%d/validate" % repo_id,
                                           token=token, timeout=60))
        self.assertStatus(r, 200)
        return r.body

    def repo_valid(self, srv, token, repo_id):
        repos = srv.request("GET", "/api/repos", token=token).body
        return {x["id"]: x for x in repos}[repo_id]["is_valid"]

    def assertGitLabRefused(self, srv, base, words):
        """A GitLab repository at base: sync and validate refuse with words,
        the repository stays valid, the error is recorded."""
        token, _ = self.user(srv, gitlab_token="glpat-secret-token", gitlab_url=base)
        repo = srv.add_repo(token, base + "/group/proj")
        res = self.sync_commits(srv, token)["group/proj"]
        self.assertIn(words, res["error"])
        self.assertNotIn("glpat-secret-token", res["error"])
        self.assertTrue(self.repo_valid(srv, token, repo["id"]), "refusal is not invalidity")
        st = srv.request("GET", "/api/sync/status", token=token).body["commits"]
        self.assertIn(words, st["last_error"] or "")
        v = self.validate(srv, token, repo["id"])
        self.assertIn(words, v["message"])
        self.assertTrue(v["is_valid"])
        self.assertTrue(self.repo_valid(srv, token, repo["id"]))
        self.assertTrue(srv.alive())


class LinkLocalTest(TargetsCase):
    def test_gitlab_at_metadata_address_refused(self):
        srv = self.start_pdt(UPSTREAM_ALLOW_HTTP="true", UPSTREAM_ALLOW_LOOPBACK="true")
        # a literal address: refused by the URL check, before curl
        self.assertGitLabRefused(srv, "http://" + METADATA,
                                 "upstream address 169.254.169.254 refused (link-local)")
        # a name that resolves there: refused at connect time, no socket opened
        self.assertGitLabRefused(srv, "https://" + METADATA_NUM,
                                 "upstream address 169.254.169.254 refused (link-local)")

    def test_jira_at_metadata_address_refused(self):
        srv = self.start_pdt(UPSTREAM_ALLOW_HTTP="true", UPSTREAM_ALLOW_LOOPBACK="true")
        for ws in ("http://" + METADATA, "https://" + METADATA_NUM, METADATA_NUM,
                   "http://[::ffff:169.254.169.254]"):
            with self.subTest(workspace=ws):
                token, _ = self.user(srv, jira_email="a@example.com", jira_token="jira-secret",
                                     jira_workspace=ws)
                body = self.sync_jira(srv, token)
                self.assertRegex(body["error"],
                                 r"upstream address (::ffff:)?169\.254\.169\.254 "
                                 r"refused \(link-local\)")
                self.assertNotIn("jira-secret", body["error"])
                st = srv.request("GET", "/api/sync/status", token=token).body["jira"]
                self.assertIn("refused (link-local)", st["last_error"] or "")
        # the profile check names it for the literal form (no request is made there)
        token, _ = self.user(srv, jira_email="a@example.com", jira_token="jira-secret",
                             jira_workspace="http://" + METADATA)
        r = self.timed(lambda: srv.request("POST", "/api/user/profile/validate", token=token))
        self.assertStatus(r, 200)
        self.assertFalse(r.body["jira"]["configured"])
        self.assertIn("refused (link-local)", r.body["jira"]["error"])


class LoopbackTest(TargetsCase):
    def test_gitlab_on_loopback_refused_without_flag(self):
        lst = self.listener()
        srv = self.start_pdt()
        for base, words in (("http://127.0.0.1:%d" % lst.port,
                             "upstream address 127.0.0.1 refused (loopback)"),
                            ("http://localhost:%d" % lst.port, "refused (loopback)"),
                            ("https://%s:%d" % (LOOP_NUM, lst.port),
                             "upstream address 127.0.0.1 refused (loopback)"),
                            ("https://0.0.0.0:%d" % lst.port, "refused (unspecified)")):
            with self.subTest(base=base):
                self.assertGitLabRefused(srv, base, words)
        self.assertEqual(lst.count, 0, "no connection may reach a refused target")

    def test_jira_on_loopback_refused_without_flag(self):
        lst = self.listener()
        srv = self.start_pdt()
        for ws in ("http://127.0.0.1:%d" % lst.port, "https://%s:%d" % (LOOP_NUM, lst.port),
                   "http://[::1]:%d" % lst.port):
            with self.subTest(workspace=ws):
                token, _ = self.user(srv, jira_email="a@example.com", jira_token="jira-secret-token",
                                     jira_workspace=ws)
                self.assertIn("refused (loopback)", self.sync_jira(srv, token)["error"])
        r = srv.request("POST", "/api/user/profile/validate", token=token)
        self.assertStatus(r, 200)
        self.assertEqual(lst.count, 0)

    def test_control_the_same_targets_connect_when_allowed(self):
        """With UPSTREAM_ALLOW_LOOPBACK=true the same forms do reach the listener:
        the zero counts above are the policy's doing."""
        lst = self.listener()
        srv = self.start_pdt(UPSTREAM_ALLOW_LOOPBACK="true")
        for base in ("http://127.0.0.1:%d" % lst.port, "https://%s:%d" % (LOOP_NUM, lst.port)):
            with self.subTest(base=base):
                before = lst.count
                token, _ = self.user(srv, gitlab_token="glpat-x", gitlab_url=base)
                repo = srv.add_repo(token, base + "/group/proj")
                v = self.validate(srv, token, repo["id"])
                self.assertIn("could not reach", v["message"])
                self.assertGreater(lst.count, before)

    def test_github_api_url_is_exempt(self):
        gh = FakeGitHub(seed=3)
        gh.start()
        self.addCleanup(gh.stop)
        gh.add_token("ghp_op", "op")
        gh.add_repo("octo", "app")
        srv = self.start_pdt(GITHUB_API_URL=gh.base_url)  # loopback, plain http
        token, _ = self.user(srv, github_token="ghp_op")
        repo = srv.add_repo(token, "https://github.com/octo/app")
        self.assertEqual(self.sync_commits(srv, token)["octo/app"]["error"], "")
        self.assertTrue(self.validate(srv, token, repo["id"])["is_valid"])
        self.assertGreater(len(gh.log()), 0)


class PlainHttpTest(TargetsCase):
    def test_token_over_http_to_non_loopback_refused(self):
        srv = self.start_pdt()
        self.assertGitLabRefused(srv, "http://10.255.255.1",
                                 "plain http to 10.255.255.1 refused")
        token, _ = self.user(srv, jira_email="a@example.com", jira_token="jira-secret-token",
                             jira_workspace="http://10.255.255.1:8080")
        self.assertIn("plain http to 10.255.255.1:8080 refused",
                      self.sync_jira(srv, token)["error"])
        r = srv.request("POST", "/api/user/profile/validate", token=token)
        self.assertIn("plain http", r.body["jira"]["error"])

    def test_deny_private(self):
        srv = self.start_pdt(UPSTREAM_DENY_PRIVATE="true")
        self.assertGitLabRefused(srv, "https://10.255.255.1",
                                 "upstream address 10.255.255.1 refused (private)")


class GitLabHostTest(TargetsCase):
    def test_repository_on_another_host_than_gitlab_url_400(self):
        srv = self.start_pdt()
        token, _ = self.user(srv)  # gitlab_url: the default https://gitlab.com
        r = srv.request("POST", "/api/repos", {"url": "https://gitlab.evil.example/g/p"},
                        token=token)
        self.assertError(r, 400)
        self.assertIn("gitlab.evil.example", r.body["error"])
        self.assertIn("gitlab.com", r.body["error"])
        self.assertStatus(srv.request("PUT", "/api/user/profile",
                                      {"gitlab_url": "https://GitLab.Example.com/"},
                                      token=token), 200)
        # host compared case-insensitively, the port too
        self.assertStatus(srv.request("POST", "/api/repos",
                                      {"url": "https://gitlab.EXAMPLE.com/g/p"}, token=token), 201)
        r = srv.request("POST", "/api/repos", {"url": "https://gitlab.example.com:8443/g/q"},
                        token=token)
        self.assertError(r, 400)
        self.assertIn("gitlab.example.com:8443", r.body["error"])
        self.assertEqual([x["url"] for x in srv.request("GET", "/api/repos", token=token).body],
                         ["https://gitlab.example.com/g/p"])

    def test_gitlab_url_changed_after_adding(self):
        gl = FakeGitLab(seed=8)
        gl.start()
        self.addCleanup(gl.stop)
        gl.add_token("glpat-moved", "moved")
        gl.add_repo("group", "proj")
        srv = self.start_pdt(UPSTREAM_ALLOW_LOOPBACK="true")
        token, _ = self.user(srv, gitlab_token="glpat-moved", gitlab_url=gl.base_url)
        repo = srv.add_repo(token, gl.base_url + "/group/proj")
        self.assertEqual(self.sync_commits(srv, token)["group/proj"]["error"], "")
        self.assertStatus(srv.request("PUT", "/api/user/profile",
                                      {"gitlab_url": "https://gitlab.other.example"},
                                      token=token), 200)
        gl.reset_log()
        host = gl.base_url.split("://", 1)[1]
        err = self.sync_commits(srv, token)["group/proj"]["error"]
        self.assertIn(host, err)
        self.assertIn("gitlab.other.example", err)
        v = self.validate(srv, token, repo["id"])
        self.assertIn("gitlab.other.example", v["message"])
        self.assertTrue(self.repo_valid(srv, token, repo["id"]))
        self.assertEqual(gl.log(), [], "the token went to neither host")


class Chatty(http.server.BaseHTTPRequestHandler):
    """Answers everything 404 with a long, multi-line, control-laden message."""
    MESSAGE = "first line\nsecond\r\x1b[31mred\x7f" + "y" * 5000

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.answer()

    def answer(self):
        body = json.dumps({"message": self.MESSAGE, "errorMessages": [self.MESSAGE]}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class ReflectedTextTest(TargetsCase):
    """Upstream error text reaches users cut short and on one line."""

    def assertShortLine(self, text, limit):
        self.assertLessEqual(len(text), limit, text)
        self.assertFalse(any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in text), repr(text))
        self.assertIn("first line second", text)

    def test_long_upstream_messages_are_cut(self):
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Chatty)
        t = threading.Thread(target=httpd.serve_forever, daemon=True)
        t.start()
        self.addCleanup(lambda: (httpd.shutdown(), httpd.server_close(), t.join(5)))
        base = "http://127.0.0.1:%d" % httpd.server_address[1]
        srv = self.start_pdt(UPSTREAM_ALLOW_LOOPBACK="true")
        token, _ = self.user(srv, gitlab_token="glpat-chatty", gitlab_url=base,
                             jira_email="c@example.com", jira_token="jira-chatty",
                             jira_workspace=base)
        srv.add_repo(token, base + "/group/proj")
        self.assertShortLine(self.sync_commits(srv, token)["group/proj"]["error"], 240)
        st = srv.request("GET", "/api/sync/status", token=token).body
        self.assertShortLine(st["commits"]["last_error"], 300)
        self.assertShortLine(self.sync_jira(srv, token)["error"], 240)
        self.assertShortLine(st_jira(srv, token), 300)


def st_jira(srv, token):
    return srv.request("GET", "/api/sync/status", token=token).body["jira"]["last_error"]


if __name__ == "__main__":
    unittest.main()
