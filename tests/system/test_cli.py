"""CONTRACT §1 (commands, shutdown), §2 (configuration, .env), and CORS."""

import os
import shutil
import signal
import socket
import subprocess
import time
import unittest

from harness import (HOST, PG, PdtTestCase, db_exec, db_query, db_table_names, scratch_db,
                     skip_on_pg, decode_jwt, free_port, jwt_signature_ok,
                     make_jwt, make_scratch, random_key_hex, run_pdt, server_env)

TABLES = {"users", "repositories", "commits", "commit_card_links", "sprints", "jira_cards",
          "sync_status"}
ALLOW_HEADERS = "Origin, Content-Type, Accept, Authorization"
ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"


def serve_once(overrides, tmpdir=None, timeout=5.0):
    """Runs `pdt serve` expected to fail at startup. Returns (CompletedProcess, seconds)."""
    own_dir = tmpdir is None
    tmpdir = tmpdir or make_scratch()
    env = server_env(tmpdir, free_port(), "cli-secret", random_key_hex(), overrides)
    t0 = time.monotonic()
    try:
        p = run_pdt(["serve"], cwd=tmpdir, full_env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError("pdt serve with %r did not exit within %ss (it started?)"
                             % (overrides, timeout))
    finally:
        if own_dir and not os.environ.get("PDT_KEEP_TMP"):
            shutil.rmtree(tmpdir, ignore_errors=True)
    return p, time.monotonic() - t0


class ConfigErrorTest(PdtTestCase):
    def check_exit_2(self, overrides, var, tmpdir=None):
        p, elapsed = serve_once(overrides, tmpdir=tmpdir)
        self.assertEqual(p.returncode, 2, "exit status; stderr: %r" % p.stderr)
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, "want one stderr line, got %r" % p.stderr)
        self.assertIn(var, lines[0])
        self.assertLess(elapsed, 3.0, "startup error took %.1fs" % elapsed)

    def test_invalid_values_exit_2_naming_the_variable(self):
        cases = [
            ("ENCRYPTION_KEY", "abc"),
            ("ENCRYPTION_KEY", "zz" * 32),              # 64 chars, not hex
            ("ENCRYPTION_KEY", "ab" * 31),              # 62 hex chars
            ("ENCRYPTION_KEY", "ab" * 33),              # 66 hex chars
            ("ENCRYPTION_KEY", ""),
            ("SYNC_INTERVAL_COMMITS", "15 minutes"),
            ("SYNC_INTERVAL_COMMITS", "15"),            # Go durations need a unit
            ("SYNC_INTERVAL_COMMITS", "abc"),
            ("SYNC_INTERVAL_JIRA", "1x"),
            ("SYNC_INTERVAL_JIRA", "-5m"),
            ("SHUTDOWN_TIMEOUT", "10"),
            ("SHUTDOWN_TIMEOUT", "soon"),
            ("SERVER_PORT", "http"),
            ("SERVER_PORT", "70000"),
            ("SERVER_PORT", "-1"),
            ("SERVER_PORT", "80a"),
            ("JWT_EXPIRY_HOURS", "abc"),
            ("JWT_EXPIRY_HOURS", "0"),
            ("SYNC_ENABLED", "maybe"),
            ("SYNC_LOOKBACK_DAYS", "ten"),
            ("SYNC_LOOKBACK_DAYS", "-3"),
            ("SYNC_WAIT", "25"),
            ("SYNC_MAX_WAIT", "1 minute"),
            ("REGISTRATION_ENABLED", "no"),
            ("UPSTREAM_ALLOW_LOOPBACK", "yes"),
            ("UPSTREAM_ALLOW_HTTP", "on"),
            ("UPSTREAM_DENY_PRIVATE", "2"),
        ]
        for var, value in cases:
            with self.subTest(var=var, value=value):
                self.check_exit_2({var: value}, var)

    def test_missing_required_exit_2(self):
        for var in ("JWT_SECRET", "ENCRYPTION_KEY"):
            with self.subTest(var=var):
                self.check_exit_2({var: None}, var)

    def test_bad_value_from_dotenv_exit_2(self):
        tmp = make_scratch()
        self.addCleanup(shutil.rmtree, tmp, True)
        with open(os.path.join(tmp, ".env"), "w") as f:
            f.write("SYNC_INTERVAL_JIRA=bogus\n")
        self.check_exit_2({"SYNC_INTERVAL_JIRA": None}, "SYNC_INTERVAL_JIRA", tmpdir=tmp)

    def test_valid_go_durations_accepted(self):
        srv = self.start_server(env={"SYNC_INTERVAL_COMMITS": "1h30m", "SYNC_INTERVAL_JIRA": "500ms",
                                     "SHUTDOWN_TIMEOUT": "2.5s", "JWT_EXPIRY_HOURS": "1",
                                     "SYNC_ENABLED": "FALSE", "SYNC_LOOKBACK_DAYS": "7"})
        self.assertStatus(srv.request("GET", "/healthz"), 200)


class DotenvTest(PdtTestCase):
    def test_dotenv_supplies_unset_variables(self):
        secret = "dotenv secret # not a comment"
        key = random_key_hex()
        dotenv = ("# pdt configuration\n\n"
                  "JWT_SECRET=\"%s\"\n"
                  "export ENCRYPTION_KEY=%s  # trailing comment\n"
                  "JWT_EXPIRY_HOURS='2'\n" % (secret, key))
        srv = self.start_server(env={"JWT_SECRET": None, "ENCRYPTION_KEY": None}, dotenv=dotenv)
        token, user = srv.register(srv.unique_email("dotenv"), "dotenv-password")
        self.assertTrue(jwt_signature_ok(token, secret), "token not signed with .env JWT_SECRET")
        _h, payload = decode_jwt(token)
        self.assertEqual(payload["exp"] - payload["iat"], 2 * 3600)
        crafted = make_jwt({"user_id": user["id"], "iat": int(time.time()),
                            "exp": int(time.time()) + 600}, secret)
        self.assertStatus(srv.request("GET", "/api/user/profile", token=crafted), 200)

    def test_environment_wins_over_dotenv(self):
        dotenv = ("SERVER_PORT=not-a-port\n"
                  "JWT_SECRET=from-dotenv-file\n"
                  "ENCRYPTION_KEY=nothex\n"
                  "SYNC_INTERVAL_COMMITS=garbage\n")
        srv = self.start_server(dotenv=dotenv, env={"SYNC_INTERVAL_COMMITS": "15m"})
        token, _u = srv.register(srv.unique_email("envwins"), "envwins-password")
        self.assertTrue(jwt_signature_ok(token, srv.jwt_secret), "env JWT_SECRET not used")
        self.assertFalse(jwt_signature_ok(token, "from-dotenv-file"))

    def test_dotenv_only_in_working_directory(self):
        # a .env elsewhere (e.g. next to the binary's caller) is not read
        tmp = make_scratch()
        self.addCleanup(shutil.rmtree, tmp, True)
        os.makedirs(os.path.join(tmp, "sub"))
        with open(os.path.join(tmp, ".env"), "w") as f:
            f.write("JWT_SECRET=parent-dir\n")
        p, _ = serve_once({"JWT_SECRET": None}, tmpdir=os.path.join(tmp, "sub"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("JWT_SECRET", p.stderr)


class CommandsTest(PdtTestCase):
    def test_version(self):
        p = run_pdt(["version"], env={"JWT_SECRET": None, "ENCRYPTION_KEY": None})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("pdt", p.stdout)
        self.assertRegex(p.stdout, r"\d+\.\d+")
        self.assertEqual(len([l for l in p.stdout.splitlines() if l.strip()]), 1, p.stdout)

    def test_help(self):
        p = run_pdt(["--help"], env={"JWT_SECRET": None, "ENCRYPTION_KEY": None})
        self.assertEqual(p.returncode, 0, p.stderr)
        for word in ("serve", "sync", "migrate", "version"):
            self.assertIn(word, p.stdout)

    def test_unknown_command_exit_2(self):
        for args in (["frobnicate"], ["--no-such-flag"]):
            with self.subTest(args=args):
                tmp = make_scratch()
                self.addCleanup(shutil.rmtree, tmp, True)
                env = server_env(tmp, free_port(), "x", random_key_hex())
                try:
                    p = run_pdt(args, full_env=env, cwd=tmp, timeout=5)
                except subprocess.TimeoutExpired:
                    self.fail("pdt %s kept running" % args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertTrue(p.stderr.strip(), "no message on stderr")

    def test_migrate_creates_database_and_is_idempotent(self):
        tmp = make_scratch()
        db = scratch_db(tmp)
        env = server_env(tmp, free_port(), "migrate-secret", random_key_hex())
        p = run_pdt(["migrate"], full_env=env, cwd=tmp, timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        if not PG:
            self.assertTrue(os.path.exists(db))
        self.assertLessEqual(TABLES, db_table_names(db))
        db_exec(db, "INSERT INTO users (email, password_hash, created_at, updated_at)"
                    " VALUES ('keep@example.com', 'x', 0, 0)")
        p = run_pdt(["migrate"], full_env=env, cwd=tmp, timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(db_query(db, "SELECT email FROM users"), [{"email": "keep@example.com"}])
        # and the migrated database serves
        srv = self.start_server(tmpdir=tmp)
        srv.register(srv.unique_email("migrated"), "migrated-password")
        self.assertEqual(len(db_query(db, "SELECT id FROM users")), 2)

    @skip_on_pg("the default DATABASE_URL is a SQLite file")
    def test_serve_default_database_path(self):
        srv = self.start_server(env={"DATABASE_URL": None})
        srv.register(srv.unique_email("default-db"), "default-db-password")
        self.assertTrue(os.path.exists(os.path.join(srv.tmpdir, "data", "pdt.db")),
                        "default DATABASE_URL sqlite://./data/pdt.db not used")


class ShutdownTest(PdtTestCase):
    def test_sigterm_exits_0_promptly(self):
        srv = self.start_server()
        srv.register(srv.unique_email("term"), "term-password")
        rc, elapsed = srv.signal_and_wait(signal.SIGTERM)
        self.assertEqual(rc, 0, srv.log_tail())
        self.assertLess(elapsed, 5.0)
        with self.assertRaises(OSError):
            socket.create_connection((HOST, srv.port), timeout=1).close()

    def test_sigint_exits_0_promptly(self):
        srv = self.start_server()
        rc, elapsed = srv.signal_and_wait(signal.SIGINT)
        self.assertEqual(rc, 0, srv.log_tail())
        self.assertLess(elapsed, 5.0)

    def test_sigterm_with_idle_keepalive_connections(self):
        srv = self.start_server(env={"SHUTDOWN_TIMEOUT": "2s"})
        socks = []
        try:
            for _ in range(4):
                s = socket.create_connection((HOST, srv.port), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                s.recv(4096)  # the response; the connection stays open (keep-alive)
                socks.append(s)
            idle = socket.create_connection((HOST, srv.port), timeout=5)
            socks.append(idle)
            rc, elapsed = srv.signal_and_wait(signal.SIGTERM, timeout=10)
        finally:
            for s in socks:
                s.close()
        self.assertEqual(rc, 0, srv.log_tail())
        self.assertLess(elapsed, 2.0 + 2.5, "shutdown exceeded SHUTDOWN_TIMEOUT")

    def test_data_survives_restart(self):
        srv = self.start_server()
        email = srv.unique_email("restart")
        token, user = srv.register(email, "restart-password")
        self.assertStatus(srv.request("PUT", "/api/user/profile",
                                      {"github_token": "ghp_restart", "jira_username": "r"},
                                      token=token), 200)
        repo = srv.add_repo(token, "https://github.com/restart/repo")
        srv.stop(cleanup=False)
        srv2 = self.start_server(tmpdir=srv.tmpdir, jwt_secret=srv.jwt_secret,
                                 encryption_key=srv.encryption_key)
        p = srv2.request("GET", "/api/user/profile", token=token)
        self.assertStatus(p, 200)
        self.assertEqual((p.body["id"], p.body["jira_username"], p.body["has_github_token"]),
                         (user["id"], "r", True))
        self.assertStatus(srv2.login(email, "restart-password"), 200)
        r = srv2.request("GET", "/api/repos", token=token)
        self.assertEqual(r.body, [repo])

    def test_token_invalid_after_secret_change(self):
        srv = self.start_server()
        token, _u = srv.register(srv.unique_email("rotate"), "rotate-password")
        srv.stop(cleanup=False)
        srv2 = self.start_server(tmpdir=srv.tmpdir, encryption_key=srv.encryption_key)
        self.assertError(srv2.request("GET", "/api/user/profile", token=token), 401)


class CorsTest(PdtTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.token, _u = cls.server.register(cls.server.unique_email("cors"), "cors-password")

    def preflight(self, srv, path, origin):
        return srv.request("OPTIONS", path, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})

    def check_allow(self, r, origin_value):
        self.assertEqual(r.headers.get("access-control-allow-origin"), origin_value, r.headers)
        self.assertEqual(r.headers.get("access-control-allow-headers"), ALLOW_HEADERS)
        self.assertEqual(r.headers.get("access-control-allow-methods"), ALLOW_METHODS)

    def test_preflight_204_on_every_api_path(self):
        for path in ["/api/anything", "/api/auth/login", "/api/auth/register", "/api/repos",
                     "/api/repos/5", "/api/user/profile", "/api/commits/abc/link",
                     "/api/commits?repo_id=1"]:
            with self.subTest(path=path):
                r = self.preflight(self.server, path, "http://front.example")
                self.assertEqual(r.status, 204, r.body)
                self.check_allow(r, "*")
                self.assertEqual(r.body, b"")

    def test_normal_responses_carry_cors_headers(self):
        cases = [("GET", "/api/user/profile", self.token, 200),
                 ("GET", "/api/repos", None, 401),
                 ("POST", "/api/auth/login", None, 400),
                 ("GET", "/api/nothing-here", self.token, 404),
                 ("PUT", "/api/repos", self.token, 405)]
        for method, path, token, status in cases:
            with self.subTest(method=method, path=path):
                r = self.server.request(method, path, token=token,
                                        body={} if method in ("POST", "PUT") else None,
                                        headers={"Origin": "http://front.example"})
                self.assertEqual(r.status, status, r.body)
                self.check_allow(r, "*")
        r = self.server.request("GET", "/api/user/profile", token=self.token)
        self.assertEqual(r.headers.get("access-control-allow-origin"), "*",
                         "no Origin header still gets the wildcard")

    def test_allowed_origins_list(self):
        srv = self.start_server(env={"CORS_ALLOWED_ORIGINS": "http://a.example,http://b.example"})
        token, _u = srv.register(srv.unique_email("corslist"), "corslist-password")
        for origin in ("http://a.example", "http://b.example"):
            with self.subTest(origin=origin):
                r = srv.request("GET", "/api/user/profile", token=token, headers={"Origin": origin})
                self.assertStatus(r, 200)
                self.check_allow(r, origin)
                p = self.preflight(srv, "/api/repos", origin)
                self.assertEqual(p.status, 204)
                self.check_allow(p, origin)
        for origin in ("http://c.example", "http://a.example.evil.com", "null", "*"):
            with self.subTest(origin=origin):
                r = srv.request("GET", "/api/user/profile", token=token, headers={"Origin": origin})
                self.assertStatus(r, 200)
                self.assertNotIn("access-control-allow-origin", r.headers)
                p = self.preflight(srv, "/api/repos", origin)
                self.assertLess(p.status, 500)
                self.assertNotIn("access-control-allow-origin", p.headers)


if __name__ == "__main__":
    unittest.main()
