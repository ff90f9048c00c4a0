"""CONTRACT §4 User profile: GET/PUT/validate, partial updates, token secrecy at rest."""

import glob
import json
import os
import secrets
import unittest

from harness import PG, PdtTestCase, db_query, free_port, pg_dump_text, skip_on_pg

PROFILE_KEYS = {"id", "email", "has_github_token", "has_gitlab_token", "gitlab_url",
                "jira_email", "has_jira_token", "jira_workspace", "jira_username",
                "jira_project_keys"}
STRING_FIELDS = ["gitlab_url", "jira_email", "jira_workspace", "jira_username",
                 "jira_project_keys"]
TOKEN_FIELDS = ["github_token", "gitlab_token", "jira_token"]
VALIDATE_TIMEOUT = 30.0  # validate may reach (unreachable, local) upstreams


def closed_local_url():
    return "http://127.0.0.1:%d" % free_port()


class ProfileTest(PdtTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(env={"GITHUB_API_URL": closed_local_url()})

    def new_user(self):
        return self.server.register(self.server.unique_email("prof"), "profile-password")

    def get(self, token):
        r = self.server.request("GET", "/api/user/profile", token=token)
        self.assertStatus(r, 200)
        self.assertJSONResponse(r)
        return r.body

    def put(self, token, body):
        r = self.server.request("PUT", "/api/user/profile", body, token=token)
        self.assertStatus(r, 200, "PUT %r" % (body,))
        self.assertJSONResponse(r)
        self.assertEqual(r.body, {"message": "profile updated"})
        return r

    def defaults(self, user):
        return {"id": user["id"], "email": user["email"], "has_github_token": False,
                "has_gitlab_token": False, "gitlab_url": "https://gitlab.com", "jira_email": "",
                "has_jira_token": False, "jira_workspace": "", "jira_username": "",
                "jira_project_keys": ""}

    def test_get_defaults(self):
        token, user = self.new_user()
        body = self.get(token)
        self.assertKeys(body, PROFILE_KEYS)
        self.assertEqual(body, self.defaults(user))

    def test_put_partial_updates_change_only_given_fields(self):
        token, user = self.new_user()
        want = self.defaults(user)
        steps = [{"jira_email": "me@corp.example"},
                 {"gitlab_url": "https://gitlab.corp.example"},
                 {"jira_workspace": "team.atlassian.net", "jira_username": "me"},
                 {"jira_project_keys": "PROJ, OPS"},
                 {},
                 {"jira_email": ""}]
        for step in steps:
            with self.subTest(step=step):
                self.put(token, step)
                want.update(step)
                self.assertEqual(self.get(token), want)

    def test_put_non_string_fields_400_and_nothing_changes(self):
        token, user = self.new_user()
        self.put(token, {"jira_username": "before"})
        before = self.get(token)
        for field in STRING_FIELDS + TOKEN_FIELDS:
            for bad in (5, True, ["x"], {"a": "b"}, 1.5):
                with self.subTest(field=field, value=bad):
                    r = self.server.request("PUT", "/api/user/profile",
                                            {"jira_username": "after", field: bad}, token=token)
                    self.assertError(r, 400)
        self.assertEqual(self.get(token), before, "a rejected PUT changed the profile")

    def test_put_invalid_json_400(self):
        token, _u = self.new_user()
        for raw in ["{", "[]", "\"x\"", "null", "{\"jira_email\": }"]:
            with self.subTest(raw=raw):
                r = self.server.request("PUT", "/api/user/profile", raw_body=raw, token=token)
                self.assertError(r, 400)

    def test_put_unknown_fields_ignored(self):
        token, user = self.new_user()
        self.put(token, {"jira_username": "known", "unknown_field": 7, "id": 999999,
                         "email": "hijack@example.com", "has_github_token": True})
        body = self.get(token)
        want = self.defaults(user)
        want["jira_username"] = "known"
        self.assertEqual(body, want)

    def test_tokens_set_flags_and_empty_clears(self):
        token, user = self.new_user()
        self.put(token, {"github_token": "ghp_abc", "gitlab_token": "glpat-xyz"})
        b = self.get(token)
        self.assertIs(b["has_github_token"], True)
        self.assertIs(b["has_gitlab_token"], True)
        self.assertIs(b["has_jira_token"], False)
        self.put(token, {"jira_token": "jira-tok"})
        b = self.get(token)
        self.assertEqual((b["has_github_token"], b["has_gitlab_token"], b["has_jira_token"]),
                         (True, True, True))
        # partial update of another field keeps the tokens
        self.put(token, {"jira_email": "x@y.example"})
        b = self.get(token)
        self.assertEqual((b["has_github_token"], b["has_gitlab_token"], b["has_jira_token"]),
                         (True, True, True))
        self.put(token, {"github_token": ""})
        b = self.get(token)
        self.assertEqual((b["has_github_token"], b["has_gitlab_token"], b["has_jira_token"]),
                         (False, True, True))
        self.put(token, {"gitlab_token": "", "jira_token": ""})
        b = self.get(token)
        self.assertEqual((b["has_github_token"], b["has_gitlab_token"], b["has_jira_token"]),
                         (False, False, False))
        for k in b:
            self.assertFalse(k in TOKEN_FIELDS, "raw token field %s returned" % k)

    def test_validate_shape_and_configured_flags(self):
        token, _u = self.new_user()
        # keep every upstream local and unreachable
        self.put(token, {"gitlab_url": closed_local_url(), "jira_workspace": closed_local_url()})
        r = self.server.request("POST", "/api/user/profile/validate", token=token,
                                timeout=VALIDATE_TIMEOUT)
        self.assertStatus(r, 200)
        self.assertJSONResponse(r)
        self.assertEqual(set(r.body.keys()), {"github", "gitlab", "jira"})
        for src in ("github", "gitlab", "jira"):
            self.assertIsInstance(r.body[src], dict)
            self.assertIs(r.body[src].get("configured"), False, "%s: %r" % (src, r.body))
        self.put(token, {"github_token": "ghp_validate", "gitlab_token": "glpat_validate",
                         "jira_email": "me@corp.example", "jira_token": "jt_validate"})
        r = self.server.request("POST", "/api/user/profile/validate", token=token,
                                timeout=VALIDATE_TIMEOUT)
        self.assertStatus(r, 200)
        for src in ("github", "gitlab", "jira"):
            self.assertIs(r.body[src].get("configured"), True, "%s: %r" % (src, r.body))
        self.put(token, {"github_token": ""})
        r = self.server.request("POST", "/api/user/profile/validate", token=token,
                                timeout=VALIDATE_TIMEOUT)
        self.assertStatus(r, 200)
        self.assertIs(r.body["github"].get("configured"), False)
        self.assertIs(r.body["gitlab"].get("configured"), True)

    def test_wrong_methods_405(self):
        token, _u = self.new_user()
        for method, path in [("DELETE", "/api/user/profile"), ("POST", "/api/user/profile"),
                             ("GET", "/api/user/profile/validate"),
                             ("PUT", "/api/user/profile/validate")]:
            with self.subTest(method=method, path=path):
                self.assertError(self.server.request(method, path, token=token), 405)

    def test_users_do_not_see_each_others_profile(self):
        ta, ua = self.new_user()
        tb, ub = self.new_user()
        self.put(ta, {"jira_username": "alice", "github_token": "ghp_alice"})
        b = self.get(tb)
        self.assertEqual(b, self.defaults(ub))
        a = self.get(ta)
        self.assertEqual(a["jira_username"], "alice")
        self.assertIs(a["has_github_token"], True)


class TokenSecrecyTest(PdtTestCase):
    """Tokens never leave the server in clear text: not in any response, not in
    the log (even at debug level), not in any byte of the SQLite files."""

    def test_tokens_never_in_responses_logs_or_database(self):
        srv = self.start_server(env={"LOG_LEVEL": "debug", "GITHUB_API_URL": closed_local_url()})
        token, user = srv.register(srv.unique_email("secret"), "secrecy-password")
        tag = secrets.token_hex(8)
        plain = {"github_token": "ghp_PLAINTEXTgithub" + tag,
                 "gitlab_token": "glpat-PLAINTEXTgitlab" + tag,
                 "jira_token": "ATATT-PLAINTEXTjira" + tag + "\u00e9\u00e9"}
        bodies = []

        def call(method, path, body=None, **kw):
            r = srv.request(method, path, body, token=token, **kw)
            bodies.append(json.dumps(r.body) if not isinstance(r.body, bytes) else
                          r.body.decode("utf-8", "replace"))
            bodies.append(json.dumps(r.headers))
            return r

        r = call("PUT", "/api/user/profile", dict(plain, gitlab_url=closed_local_url(),
                                                   jira_workspace=closed_local_url(),
                                                   jira_email="me@corp.example"))
        self.assertStatus(r, 200)
        p = call("GET", "/api/user/profile")
        self.assertEqual((p.body["has_github_token"], p.body["has_gitlab_token"],
                          p.body["has_jira_token"]), (True, True, True))
        call("POST", "/api/user/profile/validate", timeout=VALIDATE_TIMEOUT)
        repo = call("POST", "/api/repos", {"url": "https://github.com/secret/repo"})
        self.assertStatus(repo, 201)
        call("POST", "/api/repos/%d/validate" % repo.body["id"], timeout=VALIDATE_TIMEOUT)
        call("GET", "/api/repos")
        lr = srv.login(user["email"], "secrecy-password")
        bodies.append(json.dumps(lr.body))

        rows = db_query(srv.db_path, "SELECT github_token, gitlab_token, jira_token FROM users"
                                     " WHERE id = ?", (user["id"],))
        stored = rows[0]
        for field, value in plain.items():
            with self.subTest(field=field):
                for b in bodies:
                    self.assertNotIn(value, b, "plaintext %s in a response" % field)
                self.assertNotIn(value, srv.log_text(), "plaintext %s in the log" % field)
                enc = stored[field]
                self.assertIsInstance(enc, str)
                self.assertRegex(enc, r"^[0-9a-fA-F]+$")
                self.assertEqual(len(enc), 2 * (12 + len(value.encode("utf-8")) + 16),
                                 "stored %s is not hex(nonce||ciphertext||tag)" % field)
                self.assertNotIn(value.encode("utf-8").hex(), enc.lower())
        # secrets of the configuration never show in the log either
        log = srv.log_text()
        self.assertNotIn(srv.jwt_secret, log)
        self.assertNotIn(srv.encryption_key, log)
        self.assertNotIn(token, log)

        # a fresh nonce per write: storing the same token again changes the ciphertext
        r = srv.request("PUT", "/api/user/profile", {"github_token": plain["github_token"]},
                        token=token)
        self.assertStatus(r, 200)
        again = db_query(srv.db_path, "SELECT github_token FROM users WHERE id = ?",
                         (user["id"],))[0]["github_token"]
        self.assertEqual(len(again), len(stored["github_token"]))
        self.assertNotEqual(again, stored["github_token"], "nonce reused")

        if PG:  # every row of every table, as the database returns it
            data = pg_dump_text(srv.db_path)
            for field, value in plain.items():
                with self.subTest(field=field):
                    self.assertNotIn(value, data)
            return
        # stop the server so everything is flushed, then scan every database file
        srv.stop(cleanup=False)
        files = glob.glob(os.path.join(srv.tmpdir, "pdt.db*"))
        self.assertIn(os.path.join(srv.tmpdir, "pdt.db"), files)
        for path in files:
            with open(path, "rb") as f:
                data = f.read()
            for field, value in plain.items():
                with self.subTest(file=os.path.basename(path), field=field):
                    self.assertNotIn(value.encode("utf-8"), data)
                    self.assertNotIn(value.encode("utf-16-le"), data)


class TokenSecrecyWhileRunningTest(PdtTestCase):
    @skip_on_pg("the SQLite WAL file")
    def test_wal_file_has_no_plaintext_while_running(self):
        srv = self.start_server()
        token, _u = srv.register(srv.unique_email("wal"), "secrecy-password")
        value = "ghp_WALPLAINTEXT" + secrets.token_hex(8)
        r = srv.request("PUT", "/api/user/profile", {"github_token": value}, token=token)
        self.assertStatus(r, 200)
        files = glob.glob(os.path.join(srv.tmpdir, "pdt.db*"))
        self.assertTrue(files)
        for path in files:
            with open(path, "rb") as f:
                self.assertNotIn(value.encode(), f.read(), path)


if __name__ == "__main__":
    unittest.main()
