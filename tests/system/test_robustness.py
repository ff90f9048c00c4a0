"""CONTRACT §6: whatever bytes arrive on the socket, the answer is a 4xx (or a
closed connection), never a 5xx and never a crash. Plus: body limits, invalid
JSON, wrong types, SQL-looking and unicode strings stored literally."""

import json
import random
import re
import socket
import threading
import time
import unittest
import urllib.parse

from harness import (HOST, PdtTestCase, fake_sha, parse_status, raw_exchange, seed_commits)

FUZZ_SEED = 20260219
FUZZ_COUNT = 200
FUZZ_DEADLINE = 2.0  # seconds for an answer or a close after the client's FIN
MIB = 1 << 20

NASTY = ["'; DROP TABLE users; --", "\" OR 1=1 --", "%00", "' OR '1'='1", "\\", "\\\\'\"",
         "Zoë 名前 🚀 ✓", "<script>alert(1)</script>", "%s%n%x", "a\tb\nc\r\nd", "\u202e\u0301"]

STATUS_ANY_RE = re.compile(rb"(?:^|\r\n)HTTP/1\.[01] (\d{3})")


def all_statuses(reply):
    return [int(m) for m in STATUS_ANY_RE.findall(reply)]


class BodyLimitTest(PdtTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def send_big(self, content_length, body_chunks, timeout=10.0):
        """Sends headers, gives the server a moment to refuse early, then streams
        the body. Returns (reply_bytes, outcome)."""
        head = ("POST /api/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % content_length).encode()
        s = socket.create_connection((HOST, self.server.port), timeout=timeout)
        reply = bytearray()
        deadline = time.monotonic() + timeout
        try:
            s.sendall(head)
            s.settimeout(0.3)
            try:
                chunk = s.recv(65536)
                if chunk:
                    reply += chunk
            except socket.timeout:
                pass
            if not reply:
                s.settimeout(timeout)
                try:
                    for c in body_chunks:
                        if time.monotonic() > deadline:
                            break
                        s.sendall(c)
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            while time.monotonic() < deadline:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    return bytes(reply), "timeout"
                except OSError:
                    return bytes(reply), "closed"
                if not chunk:
                    return bytes(reply), "closed"
                reply += chunk
                if b"\r\n\r\n" in reply and len(reply) > 4096:
                    break
            return bytes(reply), "timeout"
        finally:
            s.close()

    def register_body(self, total_len):
        prefix = b'{"email":"big%d@example.com","password":"12345678","name":"' % time.time_ns()
        suffix = b'"}'
        pad = total_len - len(prefix) - len(suffix)
        self.assertGreater(pad, 0)
        return prefix + b"a" * pad + suffix

    def test_body_just_over_1mib_413(self):
        body = self.register_body(MIB + 1)
        chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)]
        reply, outcome = self.send_big(len(body), chunks)
        self.assertEqual(parse_status(reply), 413, "reply %r (%s)" % (reply[:200], outcome))
        head, _, payload = reply.partition(b"\r\n\r\n")
        self.assertRegex(head.lower(), rb"\r\ncontent-type: application/json")
        self.assertEqual(list(json.loads(payload.decode()).keys()), ["error"])
        self.assertStatus(self.server.request("GET", "/healthz"), 200)

    def test_moderate_body_not_413(self):
        # a 16 KiB JSON body is an ordinary request, far below any sensible cap
        body = self.register_body(16 * 1024)
        r = self.server.request("POST", "/api/auth/register", raw_body=body, timeout=15)
        self.assertIn(r.status, (201, 400), r.body)

    def test_10mib_body_refused_and_server_stays_up(self):
        total = 10 * MIB
        piece = b"a" * 65536

        def chunks():
            yield b'{"email":"huge@example.com","password":"12345678","name":"'
            sent = 0
            while sent < total - 100:
                yield piece
                sent += len(piece)

        reply, outcome = self.send_big(total, chunks(), timeout=15)
        if reply:
            self.assertEqual(parse_status(reply), 413, "reply %r" % reply[:200])
        else:
            self.assertEqual(outcome, "closed", "neither a 413 nor a closed connection")
        self.assertStatus(self.server.request("GET", "/healthz"), 200)
        self.assertTrue(self.server.alive())

    def test_declared_huge_content_length_413(self):
        reply, outcome = raw_exchange(
            self.server.port,
            b"POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1073741824\r\n\r\n{}", timeout=5)
        if reply:
            self.assertEqual(parse_status(reply), 413, reply[:200])
        else:
            self.assertEqual(outcome, "closed")
        self.assertStatus(self.server.request("GET", "/healthz"), 200)


class InputValidationTest(PdtTestCase):
    @classmethod
    def setUpClass(cls):
        srv = cls.server = cls.start_class_server()
        cls.token, cls.user = srv.register(srv.unique_email("robust"), "robust-password")
        cls.repo = srv.add_repo(cls.token, "https://github.com/robust/repo")
        cls.sha = fake_sha("robust-commit")
        seed_commits(srv.db_path, cls.repo["id"], [
            {"sha": cls.sha, "message": "plain commit", "date": 1767225600}])

    def endpoints(self):
        return [("POST", "/api/auth/register", None), ("POST", "/api/auth/login", None),
                ("PUT", "/api/user/profile", self.token), ("POST", "/api/repos", self.token),
                ("POST", "/api/commits/%s/link" % self.sha, self.token)]

    def test_invalid_json_400(self):
        bad = [b"{", b"}", b"{'email': 'a@b.io'}", b'{"email":}', b"nul", b"[1,2",
               b'{"a":1} trailing', b'{"a":1}{"b":2}', b"\xff\xfe\xfd", b'{"email":"\xff"}',
               b"[" * 20000, b'{"a":' * 10000, b"[" * 20000 + b"]" * 20000, b"\x00", b'{"email":"a@b.io" "password":"x"}',
               b"{\"email\":\"a@b.io\",\"password\":\"12345678\",}", b"NaN", b"1e999999"]
        for method, path, token in self.endpoints():
            for body in bad:
                with self.subTest(path=path, body=body[:30]):
                    r = self.server.request(method, path, raw_body=body, token=token)
                    self.assertError(r, 400)
        self.assertStatus(self.server.request("GET", "/healthz"), 200)

    def test_wrong_types_every_field_400(self):
        bads = [5, 1.5, True, False, None, [], ["x"], {}, {"k": "v"}]
        good = {
            ("POST", "/api/auth/register", None): {"email": "wt@example.com",
                                                   "password": "12345678", "name": "n"},
            ("POST", "/api/auth/login", None): {"email": "wt@example.com", "password": "12345678"},
            ("PUT", "/api/user/profile", self.token): {
                "github_token": "a", "gitlab_token": "b", "gitlab_url": "https://gitlab.com",
                "jira_email": "j@example.com", "jira_token": "c", "jira_workspace": "w",
                "jira_username": "u", "jira_project_keys": "P"},
            ("POST", "/api/repos", self.token): {"url": "https://github.com/wt/repo"},
            ("POST", "/api/commits/%s/link" % self.sha, self.token): {"jira_card_key": "WT-1"},
        }
        for (method, path, token), body in good.items():
            for field in body:
                for bad in bads:
                    if bad is None and method == "PUT":
                        continue  # null in a PUT could mean "leave unchanged"
                    if field == "name" and bad is None:
                        continue  # optional field given as null
                    with self.subTest(path=path, field=field, value=bad):
                        b = dict(body)
                        b[field] = bad
                        r = self.server.request(method, path, b, token=token)
                        self.assertError(r, 400)
        # nothing was created by the rejected requests
        self.assertError(self.server.login("wt@example.com", "12345678"), 401,
                         "invalid credentials")
        r = self.server.request("GET", "/api/repos", token=self.token)
        self.assertEqual([x["url"] for x in r.body], [self.repo["url"]])

    def test_sql_and_unicode_strings_stored_literally(self):
        srv = self.server
        for i, s in enumerate(NASTY):
            with self.subTest(value=s):
                email = "o'brien.%d.%d@example.com" % (i, time.time_ns())
                r = srv.request("POST", "/api/auth/register",
                                {"email": email, "password": "12345678", "name": s})
                self.assertStatus(r, 201)
                self.assertEqual(r.body["user"]["name"], s)
                self.assertEqual(r.body["user"]["email"], email)
                tok = r.body["token"]
                lr = srv.login(email, "12345678")
                self.assertStatus(lr, 200)
                self.assertEqual(lr.body["user"]["name"], s)
                # gitlab_url is validated as an http(s) URL; see the next test
                fields = {"jira_email": s, "jira_workspace": s, "jira_username": s,
                          "jira_project_keys": s}
                pr = srv.request("PUT", "/api/user/profile", fields, token=tok)
                self.assertStatus(pr, 200)
                prof = srv.request("GET", "/api/user/profile", token=tok).body
                for k, v in fields.items():
                    self.assertEqual(prof[k], v, k)
        # the users table survived
        self.assertStatus(srv.login(self.user["email"], "robust-password"), 200)

    def test_sql_strings_in_gitlab_url_literal_or_rejected(self):
        tok, _u = self.server.register(self.server.unique_email("glurl"), "gitlab-url-pass")
        for s in NASTY:
            with self.subTest(value=s):
                url = "https://gitlab.example.com/" + s
                r = self.server.request("PUT", "/api/user/profile", {"gitlab_url": url}, token=tok)
                self.assertIn(r.status, (200, 400), r.body)
                prof = self.server.request("GET", "/api/user/profile", token=tok).body
                if r.status == 200:
                    self.assertEqual(prof["gitlab_url"], url)
                else:
                    self.assertError(r, 400)
                    self.assertNotEqual(prof["gitlab_url"], url)
                r = self.server.request("PUT", "/api/user/profile", {"gitlab_url": s}, token=tok)
                self.assertError(r, 400)

    def test_json_escapes_decoded(self):
        email = "esc.%d@example.com" % time.time_ns()
        raw = ('{"email":"%s","password":"12345678","name":"\\ud83d\\ude80 \\u00e9\\n\\"q\\" \\/"}'
               % email)
        r = self.server.request("POST", "/api/auth/register", raw_body=raw)
        self.assertStatus(r, 201)
        self.assertEqual(r.body["user"]["name"], "\U0001F680 \u00e9\n\"q\" /")

    def test_nul_in_string_rejected_or_kept(self):
        email = "nul.%d@example.com" % time.time_ns()
        r = self.server.request("POST", "/api/auth/register",
                                {"email": email, "password": "12345678", "name": "a\u0000b"})
        self.assertIn(r.status, (201, 400), r.body)
        if r.status == 201:
            self.assertEqual(r.body["user"]["name"], "a\u0000b", "NUL silently truncated")
        r = self.server.request("POST", "/api/auth/login",
                                {"email": email + "\u0000x", "password": "12345678"})
        self.assertIn(r.status, (400, 401), r.body)

    def test_sql_strings_in_query_parameters(self):
        for s in NASTY:
            q = urllib.parse.quote(s, safe="")
            with self.subTest(value=s):
                r = self.server.request("GET", "/api/commits?jira_card_key=" + q, token=self.token)
                self.assertStatus(r, 200)
                self.assertEqual(r.body, [])
                r = self.server.request("GET", "/api/commits?repo_id=" + q, token=self.token)
                self.assertError(r, 400)
                r = self.server.request("GET", "/api/commits?has_link=" + q, token=self.token)
                self.assertError(r, 400)
                r = self.server.request("GET", "/api/commits?limit=" + q, token=self.token)
                self.assertError(r, 400)
        r = self.server.request("GET", "/api/commits", token=self.token)
        self.assertEqual([c["sha"] for c in r.body], [self.sha])

    def test_sql_strings_in_path_segments(self):
        for s in NASTY:
            q = urllib.parse.quote(s, safe="")
            with self.subTest(value=s):
                r = self.server.request("DELETE", "/api/repos/" + q, token=self.token)
                self.assertError(r, (400, 404))
                r = self.server.request("POST", "/api/commits/%s/link" % q,
                                        {"jira_card_key": "X-1"}, token=self.token)
                self.assertError(r, (400, 404))
        r = self.server.request("GET", "/api/repos", token=self.token)
        self.assertEqual([x["id"] for x in r.body], [self.repo["id"]])

    def test_sql_string_as_link_key_literal_or_rejected(self):
        for s in NASTY[:3]:
            s = s + " (link)"  # distinct from the values test_sql_strings_in_query_parameters uses
            with self.subTest(value=s):
                r = self.server.request("POST", "/api/commits/%s/link" % self.sha,
                                        {"jira_card_key": s}, token=self.token)
                self.assertIn(r.status, (201, 400), r.body)
                if r.status == 201:
                    self.assertEqual(r.body["jira_card_key"], s)
                    got = self.server.request(
                        "GET", "/api/commits?jira_card_key=" + urllib.parse.quote(s, safe=""),
                        token=self.token)
                    self.assertStatus(got, 200)
                    self.assertEqual([c["sha"] for c in got.body], [self.sha])

    def test_sql_strings_as_repo_url_400(self):
        for s in NASTY:
            with self.subTest(value=s):
                r = self.server.request("POST", "/api/repos", {"url": s}, token=self.token)
                self.assertError(r, 400)
                r = self.server.request("POST", "/api/repos",
                                        {"url": "https://github.com/a/" + s}, token=self.token)
                self.assertError(r, 400)


def gen_malformed(rng, i):
    """A request that a correct server answers with a 4xx or a close, whatever
    leniency its parser has: invalid method, unknown/unauthenticated target,
    invalid body, or incomplete bytes. Returns (label, bytes)."""
    kind = i % 8
    rnd_path = "/nope-%d" % rng.randint(0, 10 ** 6)
    if kind == 0:
        data = rng.randbytes(rng.randint(1, 2048))
        if rng.random() < 0.5:
            data += b"\r\n\r\n"
        return "garbage", data
    if kind == 1:
        method = rng.choice(["FOO", "get", "G ET", "GETT", "", "\x00GET", "BREW", "M-SEARCH",
                             "A" * 300, "PR\x7fI",
                             "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                                     for _ in range(rng.randint(6, 12)))])
        path = rng.choice(["/healthz", "/api/auth/login", rnd_path, "/api/repos"])
        return "method", ("%s %s HTTP/1.1\r\nHost: x\r\n\r\n" % (method, path)).encode("latin-1")
    if kind == 2:
        version = rng.choice(["", "HTTP/1.1x", "HTTP/9.9", "HTTP/1", "XTTP/1.1", "HTTP/1.1 extra",
                              "HTTP/", "HTTP/-1.1", "HTTP/1.1\x00", "http/1.1"])
        sep = rng.choice([" ", "  ", "\t"])
        return "version", ("GET%s%s %s\r\nHost: x\r\n\r\n" % (sep, rnd_path, version)).encode(
            "latin-1")
    if kind == 3:
        path = rng.choice(["*", "nope", "//", "/%", "/%zz", "/api/../../etc/passwd", "/\x00",
                           "/" + "a" * 10000, "/api/repos/%00", "/api/commits?limit=%ZZ",
                           "http://evil.example/nope", "/api/user/profile\x00",
                           "/api/commits?" + "&" * 3000, "/\xff\xfe", "/api/%2e%2e/healthz",
                           "/api/repos/1/../../auth/login"])
        method = rng.choice(["GET", "POST", "DELETE"])
        return "target", ("%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                          % (method, path)).encode("latin-1")
    target = rng.choice([("POST", "/api/auth/login", b"{}"), ("GET", rnd_path, b""),
                         ("GET", "/api/user/profile", b""), ("POST", "/api/repos", b"{}")])
    method, path, body = target
    if kind == 4:
        bad_header = rng.choice([
            "NoColonHere", "Host : x", "Ho\x01st: x", "X-A: b\r\n folded", ": empty-name",
            "X-Big: " + "b" * rng.randint(9000, 120000), "X-Nul: a\x00b",
            "\r\n".join("X-H%d: v" % n for n in range(rng.randint(200, 2000))),
            "X-Bad\xff: v", " Leading: space"])
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: x", bad_header,
                 "Content-Type: application/json", "Content-Length: %d" % len(body)]
        eol = rng.choice(["\r\n", "\n"])
        return "header", (eol.join(lines) + eol + eol).encode("latin-1") + body
    if kind == 5:
        framing = rng.choice([
            ("Content-Length: -1", body), ("Content-Length: abc", body),
            ("Content-Length: 2, 3", body), ("Content-Length: 2\r\nContent-Length: 7", body),
            ("Content-Length: 99999999999999999999", body),
            ("Content-Length: +2", body), ("Content-Length:  0x2", body),
            ("Transfer-Encoding: chunked", b"zz\r\n{}\r\n0\r\n\r\n"),
            ("Transfer-Encoding: chunked", b"2\r\n{}"),
            ("Transfer-Encoding: chunked", b"ffffffffffffffffff\r\n{}\r\n0\r\n\r\n"),
            ("Transfer-Encoding: chunked\r\nContent-Length: 2", b"2\r\n{}\r\n0\r\n\r\n"),
            ("Transfer-Encoding: gzip", body),
            ("Content-Length: 500", body),
        ])
        head = "%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s\r\n\r\n" % (
            method, path, framing[0])
        return "framing", head.encode("latin-1") + framing[1]
    if kind == 6:
        full = rng.choice([
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 62\r\n\r\n{\"email\":\"trunc@example.com\",\"password\":\"12345678\"}xxxxxxxxx",
        ])
        cut = rng.randint(1, len(full) - 1)
        if full.startswith(b"GET") and full[:cut].endswith(b"\r\n\r\n"):
            cut -= 1
        return "truncated", full[:cut]
    # kind 7: a 4xx request pipelined with garbage
    first = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % rnd_path).encode()
    return "pipelined", first + rng.randbytes(rng.randint(1, 500)) + b"\r\n\r\n"


class RawSocketFuzzTest(PdtTestCase):
    def test_random_malformed_requests_never_5xx(self):
        srv = self.start_server()
        rng = random.Random(FUZZ_SEED)
        failures = []
        counts = {}
        for i in range(FUZZ_COUNT):
            label, data = gen_malformed(rng, i)
            try:
                reply, outcome = raw_exchange(srv.port, data, timeout=FUZZ_DEADLINE,
                                              max_bytes=1 << 16)
            except OSError as e:
                if not srv.alive():
                    failures.append((i, label, data[:80], "server died: %r" % e))
                    break
                failures.append((i, label, data[:80], "connect/send failed: %r" % e))
                continue
            statuses = all_statuses(reply)
            counts[outcome] = counts.get(outcome, 0) + 1
            if not reply:
                if outcome != "closed":
                    failures.append((i, label, data[:80], "no answer and no close within %ss"
                                     % FUZZ_DEADLINE))
            elif not reply.startswith(b"HTTP/1."):
                failures.append((i, label, data[:80], "not an HTTP reply: %r" % reply[:80]))
            elif not statuses or any(not 400 <= s < 500 for s in statuses):
                failures.append((i, label, data[:80], "statuses %s: %r" % (statuses, reply[:120])))
            if not srv.alive():
                failures.append((i, label, data[:80], "server died"))
                break
            if len(failures) >= 15:
                break
        self.assertTrue(srv.alive(), "server process died:\n" + srv.log_tail())
        self.assertStatus(srv.request("GET", "/healthz"), 200)
        self.assertEqual(failures, [], "seed %d: %d failures, e.g.\n%s" % (
            FUZZ_SEED, len(failures), "\n".join(repr(f) for f in failures)))
        # the server is still fully functional
        tok, _u = srv.register(srv.unique_email("afterfuzz"), "after-fuzz-pass")
        self.assertStatus(srv.request("GET", "/api/user/profile", token=tok), 200)


class MalformedRequestTest(PdtTestCase):
    """Targeted cases behind the fuzz test, each deterministic."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def test_unsupported_http_version_is_4xx(self):
        for version in ("HTTP/9.9", "HTTP/2.0", "HTTP/1.2", "HTTP/0.9"):
            with self.subTest(version=version):
                reply, outcome = raw_exchange(
                    self.server.port, ("GET /nope HTTP/%s\r\nHost: x\r\n\r\n"
                                       % version[5:]).encode(), timeout=3)
                if reply:
                    st = parse_status(reply)
                    expected = {400} if version[5] != "1" else {404}
                    self.assertIn(st, expected, "status %s for %s" % (st, version))
                else:
                    self.assertEqual(outcome, "closed")

    def test_incomplete_request_then_client_close_is_closed_promptly(self):
        hangs = []
        for n in range(30):
            data = [b"GET /heal", b"GET /healthz HTTP/1.1\r\nHo",
                    b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{"][n % 3]
            reply, outcome = raw_exchange(self.server.port, data, timeout=2.0)
            if not reply and outcome != "closed":
                hangs.append(data)
        self.assertEqual(hangs, [], "%d of 30 half-closed incomplete requests left open > 2s"
                         % len(hangs))

    def test_many_query_parameters_answered(self):
        token, _u = self.server.register(self.server.unique_email("manyq"), "many-query-pass")
        for label, query in (("1000 empty", "&" * 1000), ("1000 args", "&".join(
                "a%d=1" % i for i in range(1000))), ("600 empty", "&" * 600)):
            with self.subTest(query=label):
                data = ("GET /api/commits?%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                        "Connection: close\r\n\r\n" % (query, token)).encode()
                reply, outcome = raw_exchange(self.server.port, data, shutdown_write=False,
                                              timeout=5.0)
                self.assertTrue(reply, "no answer to a complete request (%s)" % outcome)
                st = parse_status(reply)
                self.assertTrue(st == 200 or 400 <= st < 500, "status %s" % st)


class ConcurrencyTest(PdtTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def test_idle_connections_do_not_block_others(self):
        socks = []
        try:
            for n in range(24):
                s = socket.create_connection((HOST, self.server.port), timeout=5)
                if n % 2:
                    s.sendall(b"GET /hea")  # a slow, incomplete request
                socks.append(s)
            t0 = time.monotonic()
            r = self.server.request("GET", "/healthz", timeout=5)
            self.assertStatus(r, 200)
            self.assertLess(time.monotonic() - t0, 5)
        finally:
            for s in socks:
                s.close()

    def test_parallel_requests(self):
        token, user = self.server.register(self.server.unique_email("par"), "parallel-pass")
        self.server.add_repo(token, "https://github.com/par/allel")
        errors = []
        lock = threading.Lock()

        def worker(n):
            for k in range(8):
                try:
                    if k % 2:
                        r = self.server.request("GET", "/api/repos", token=token)
                        ok = r.status == 200 and len(r.body) == 1
                    else:
                        r = self.server.request("GET", "/api/user/profile", token=token)
                        ok = r.status == 200 and r.body["id"] == user["id"]
                    if not ok:
                        with lock:
                            errors.append((n, k, r.status, r.body))
                except Exception as e:  # noqa: BLE001 - collected and asserted below
                    with lock:
                        errors.append((n, k, repr(e)))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertFalse(any(t.is_alive() for t in threads), "requests hung")
        self.assertEqual(errors, [])

    def test_parallel_registrations_same_email_one_wins(self):
        email = self.server.unique_email("race")
        results = []
        lock = threading.Lock()

        def worker():
            try:
                r = self.server.request("POST", "/api/auth/register",
                                        {"email": email, "password": "race-password"}, timeout=15)
                with lock:
                    results.append(r.status)
            except Exception as e:  # noqa: BLE001
                with lock:
                    results.append(repr(e))

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        self.assertEqual(sorted(results, key=str), [201] + [409] * 5)


if __name__ == "__main__":
    unittest.main()


def split_reply(reply):
    """(head bytes, body bytes) of the first response in raw reply bytes."""
    head, _sep, body = reply.partition(b"\r\n\r\n")
    return head, body


def header_of(head, name):
    for line in head.split(b"\r\n")[1:]:
        k, _sep, v = line.partition(b":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


# The answer h2o 2.2.5 (pdt's HTTP library) writes itself, byte for byte, when
# its parser refuses a request head (README, known limits): a control byte in a
# field, a name that is not a token, a line without a colon, over 100 fields,
# a head over ~408 KiB, a request line that is not HTTP/1.x.
LIB_BAD_REQUEST = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                   b"Connection: close\r\nContent-Length: 11\r\n\r\nBad Request")
LIB = object()  # expected: LIB_BAD_REQUEST
LOGIN_BODY = b'{"email":"a@b.c","password":"x"}'


def one_answer(testcase, reply):
    """Parses raw reply bytes strictly as exactly one HTTP/1.1 response: one
    status line, one header block, a body of exactly Content-Length bytes and
    nothing after it. Returns (status, {lower-case name: value}, body)."""
    head, sep, rest = reply.partition(b"\r\n\r\n")
    testcase.assertEqual(sep, b"\r\n\r\n", "no end of the header block: %r" % reply[:300])
    lines = head.split(b"\r\n")
    m = re.fullmatch(rb"HTTP/1\.1 (\d{3}) [A-Za-z][A-Za-z ]*", lines[0])
    testcase.assertTrue(m, "bad status line %r" % lines[0])
    fields = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        testcase.assertTrue(colon and re.fullmatch(rb"[A-Za-z0-9-]+", name),
                            "bad header line %r" % line)
        testcase.assertNotIn(name.lower(), fields, "header %r twice" % name)
        fields[name.lower()] = value.strip()
    testcase.assertIn(b"content-length", fields, reply[:300])
    testcase.assertEqual(len(rest), int(fields[b"content-length"]),
                         "body is not Content-Length bytes (a second answer?): %r" % reply[:400])
    testcase.assertNotIn(b"HTTP/1.", rest)
    return int(m.group(1)), fields, rest


class StrictParsingTest(PdtTestCase):
    """Issue 9: header fields with control bytes and ambiguous framing are
    refused before authentication, by pdt (400 JSON, connection closed) or by
    the library before pdt sees the request (one well-formed answer, pinned
    byte for byte or as its JSON); never a 2xx, never the token's data."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.email = cls.server.unique_email("strict")
        cls.token, _u = cls.server.register(cls.email, "strict-parsing-pass")
        cls.tried = 0

    def exchange(self, data):
        type(self).tried += 1
        reply, outcome = raw_exchange(self.server.port, data, timeout=5.0)
        self.assertTrue(reply, "no answer (%s) to %r" % (outcome, data[:120]))
        self.assertNotIn(self.email.encode(), reply, "the token owner's data came back")
        for st in all_statuses(reply):
            self.assertFalse(200 <= st < 300, "a 2xx to %r" % data[:120])
        return reply, outcome

    def profile(self, fields):
        return (b"GET /api/user/profile HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")

    def login(self, fields, body=LOGIN_BODY):
        return (b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + fields + b"\r\n" + body)

    def assertRefused(self, data, message):
        """pdt's own refusal: one 400 JSON answer, connection closed."""
        reply, outcome = self.exchange(data)
        status, fields, body = one_answer(self, reply)
        self.assertEqual(status, 400, reply[:300])
        self.assertEqual(fields[b"content-type"], b"application/json")
        self.assertEqual(fields[b"connection"], b"close")
        self.assertEqual(json.loads(body), {"error": message})
        self.assertEqual(outcome, "closed")

    def assertLibraryRefused(self, data):
        """The library's own 400 (its parser refused the head), exactly."""
        reply, outcome = self.exchange(data)
        self.assertEqual(reply, LIB_BAD_REQUEST)
        self.assertEqual(outcome, "closed")

    def assertLibraryJSON(self, data, status, message):
        """An answer the library makes before pdt sees the request, which
        pdt's filter turns into JSON: one well-formed answer, closed."""
        reply, outcome = self.exchange(data)
        got, fields, body = one_answer(self, reply)
        self.assertEqual(got, status, reply[:300])
        self.assertEqual(fields[b"content-type"], b"application/json")
        self.assertEqual(fields[b"connection"], b"close")
        self.assertEqual(json.loads(body), {"error": message})
        self.assertEqual(outcome, "closed")

    def test_control_bytes_in_authorization_do_not_authenticate(self):
        tok = self.token.encode()
        cases = {
            b"NUL then junk": b"Authorization: Bearer " + tok + b"\x00junk\r\n",
            b"NUL at the end": b"Authorization: Bearer " + tok + b"\x00\r\n",
            b"NUL then blanks": b"Authorization: Bearer " + tok + b"\x00  \r\n",
            b"CR then junk": b"Authorization: Bearer " + tok + b"\rjunk\r\n",
            b"SOH inside": b"Authorization: Bearer " + tok[:10] + b"\x01" + tok[10:] + b"\r\n",
            b"DEL at the end": b"Authorization: Bearer " + tok + b"\x7f\r\n",
            b"ESC at the end": b"Authorization: Bearer " + tok + b"\x1b\r\n",
            # a bare LF ends the line (RFC 9112 §2.2); "junk" has no colon
            b"LF then junk": b"Authorization: Bearer " + tok + b"\njunk\r\n",
        }
        for label, field in cases.items():
            with self.subTest(case=label):
                self.assertLibraryRefused(self.profile(field))
        # the same token without the bytes works: the refusals are the bytes'
        self.assertStatus(self.server.request("GET", "/api/user/profile", token=self.token), 200)

    def test_control_bytes_and_bad_names_refused_on_public_routes(self):
        cl = b"Content-Length: %d\r\n" % len(LOGIN_BODY)
        cases = [
            (b"X-A: a\x00b\r\n", LIB),
            (b"X-A:\x00b\r\n", LIB),
            (b"X-A: a\rb\r\n", LIB),
            (b"X-A: a\x0bb\r\n", LIB),
            (b"X-A: a\r\n b\r\n", "invalid header field"),   # obs-fold: pdt's check
            (b"X-A: a\r\n\tb\r\n", "invalid header field"),  # obs-fold with HTAB
            (b"X\x01A: b\r\n", LIB),
            (b"X A: b\r\n", LIB),
            (b"X-A : b\r\n", LIB),
            (b"X(A): b\r\n", LIB),
            (b"junk\r\n", LIB),
        ]
        for field, expected in cases:
            with self.subTest(field=field):
                if expected is LIB:
                    self.assertLibraryRefused(self.login(cl + field))
                else:
                    self.assertRefused(self.login(cl + field), expected)

    def test_framing_refused(self):
        cl = b"Content-Length: %d\r\n" % len(LOGIN_BODY)
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(LOGIN_BODY), LOGIN_BODY)
        # h2o frames the body by Transfer-Encoding when there is one, else by
        # the first Content-Length; pdt then sees every field of the head.
        cases = [
            (cl + b"Transfer-Encoding: chunked\r\n", chunked,
             "Content-Length with Transfer-Encoding"),
            (b"Transfer-Encoding: chunked\r\n" + cl, chunked,
             "Content-Length with Transfer-Encoding"),
            (cl + b"Content-Length: 34\r\n", LOGIN_BODY, "conflicting Content-Length headers"),
            (cl + b"Content-Length: 0\r\n", LOGIN_BODY, "conflicting Content-Length headers"),
            (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", chunked,
             "unsupported Transfer-Encoding"),
        ]
        for fields, body, message in cases:
            with self.subTest(fields=fields):
                self.assertRefused(self.login(fields, body), message)
        # the library's own checks, answered before pdt sees the request
        self.assertLibraryJSON(self.login(cl + b"Transfer-Encoding: chunked\r\n"), 400,
                               "broken chunked-encoding")
        for te in (b"gzip", b"gzip, chunked"):
            with self.subTest(te=te):
                self.assertLibraryJSON(self.login(b"Transfer-Encoding: " + te + b"\r\n"), 400,
                                       "unknown transfer-encoding")
        self.assertLibraryJSON(self.login(b"Content-Length: 2\r\nExpect: later\r\n", b"{}"),
                               417, "unknown expectation")

    def test_host_required_once_on_http11(self):
        self.assertRefused(b"GET /healthz HTTP/1.1\r\n\r\n", "missing Host header")
        self.assertRefused(b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                           "more than one Host header")
        # HTTP/1.0 has no Host requirement
        reply, _o = raw_exchange(self.server.port, b"GET /healthz HTTP/1.0\r\n\r\n", timeout=5.0)
        self.assertEqual(parse_status(reply), 200)

    def test_malformed_content_length_is_one_well_formed_400(self):
        # Issue 9: libmicrohttpd 0.9.75 answered these with its header block
        # twice; h2o answers once, and pdt's filter makes the body JSON.
        for value in (b"0x10", b"-0", b"+33", b"1e3", b"75 75", b"", b"3a", b"0.5",
                      b"18446744073709551616", b"99999999999999999999999"):
            with self.subTest(value=value):
                self.assertLibraryJSON(self.login(b"Content-Length: " + value + b"\r\n"), 400,
                                       "broken content-length header")

    def test_oversized_head_is_the_library_400(self):
        # up to H2O_MAX_REQLEN (8 KiB + 100 * 4 KiB) a head is served ...
        reply, _o = raw_exchange(self.server.port, self.profile(
            b"Authorization: Bearer " + self.token.encode() + b"\r\nX-Big: " + b"a" * 200000
            + b"\r\n"), timeout=5.0)
        self.assertEqual(one_answer(self, reply)[0], 200)
        # ... above it the library refuses; it closes with the rest unread, so
        # its reset may overtake the 400 on the client's side
        reply, outcome = self.exchange(self.profile(b"X-Big: " + b"a" * 500000 + b"\r\n"))
        self.assertIn(reply, (LIB_BAD_REQUEST, b""))
        self.assertEqual(outcome, "closed")

    def test_too_many_fields_is_the_library_400(self):
        # h2o 2.2.5 takes at most 100 fields (H2O_MAX_HEADERS)
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(100))
        self.assertLibraryRefused(self.profile(many))

    def test_well_formed_variants_still_served(self):
        tok = self.token.encode()
        auth = b"Authorization: Bearer " + tok + b"\r\n"
        cases = {
            "HTAB in a value": auth + b"X-A: a\tb\r\n",
            "trailing blanks": auth + b"X-A: v  \t\r\n",
            "leading blanks": b"Authorization: \t  Bearer " + tok + b"\r\n",
            "empty values": b"X-A:\r\n" + auth + b"X-B: \r\n",
            "UTF-8 value": auth + "X-A: Zoë 名前\r\n".encode(),
            "100 fields": auth + b"".join(b"X-H%d: v%d\r\n" % (i, i) for i in range(98)),
            "Content-Length 0": b"Content-Length: 0\r\n" + auth,
            "same Content-Length twice": b"Content-Length: 0\r\nContent-Length: 0\r\n" + auth,
        }
        for label, fields in cases.items():
            with self.subTest(case=label):
                reply, _o = raw_exchange(self.server.port, self.profile(fields), timeout=5.0)
                self.assertEqual(one_answer(self, reply)[0], 200, reply[:300])
                self.assertIn(self.email.encode(), reply)
        reply, _o = raw_exchange(self.server.port, (
            b"GET /api/user/profile HTTP/1.1\nHost: x\n" + auth.replace(b"\r\n", b"\n") + b"\n"),
            timeout=5.0)
        self.assertEqual(parse_status(reply), 200, "bare-LF line ends: %r" % reply[:200])
        reply, _o = raw_exchange(self.server.port, self.login(
            b"Transfer-Encoding: chunked\r\n", b"2\r\n{}\r\n0\r\n\r\n"), timeout=5.0)
        status, _f, body = one_answer(self, reply)
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body), {"error": "email and password are required"})

    def test_pipelined_requests_each_checked(self):
        # Each request on a kept-alive connection is checked on its own head:
        # three good ones served, the one with two Hosts refused, nothing after
        # it read.
        auth = b"Authorization: Bearer " + self.token.encode()
        good = self.profile(auth + b"\r\n")
        bad = self.profile(auth + b"\r\nHost: y\r\n")
        type(self).tried += 1
        reply, _o = raw_exchange(self.server.port, b"\r\n" + good + good + good + bad + good,
                                 timeout=5.0)
        # answers follow each other's bodies directly: find every status line
        statuses = [int(m) for m in re.findall(rb"HTTP/1\.1 (\d{3}) [A-Z]", reply)]
        self.assertEqual(statuses, [200, 200, 200, 400], reply[-300:])
        self.assertEqual(reply.count(self.email.encode()), 3)
        self.assertEqual(json.loads(reply.rpartition(b"\r\n\r\n")[2]),
                         {"error": "more than one Host header"})
