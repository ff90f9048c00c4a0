"""REGISTRATION_ENABLED (issue 9): false -> POST /api/auth/register is 403
{"error":"registration is disabled"}; existing accounts still log in."""

import unittest

from harness import PdtTestCase, db_query

PASSWORD = "s3cret-passphrase"


class RegistrationDisabledTest(PdtTestCase):
    def test_disabled_403_and_login_still_works(self):
        # An account made while registration was open, in the same database.
        srv = self.start_server()
        email = srv.unique_email("before")
        srv.register(email=email, password=PASSWORD)
        srv.stop(cleanup=False)
        srv2 = self.start_server(tmpdir=srv.tmpdir, env={"REGISTRATION_ENABLED": "false"},
                                 jwt_secret=srv.jwt_secret, encryption_key=srv.encryption_key)
        for body in [{"email": srv2.unique_email("new"), "password": PASSWORD},
                     {"email": email, "password": PASSWORD},
                     {"email": "not-an-email", "password": "x"}]:
            with self.subTest(body=body):
                r = srv2.request("POST", "/api/auth/register", body)
                self.assertError(r, 403, "registration is disabled")
        self.assertEqual(db_query(srv2.db_path, "SELECT count(*) AS n FROM users")[0]["n"], 1)
        r = srv2.login(email, PASSWORD)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["user"]["email"], email)
        self.assertStatus(srv2.request("GET", "/api/user/profile", token=r.body["token"]), 200)

    def test_enabled_values(self):
        for value, status in [("true", 201), ("1", 201), ("FALSE", 403), ("0", 403)]:
            with self.subTest(value=value):
                srv = self.start_server(env={"REGISTRATION_ENABLED": value})
                r = srv.request("POST", "/api/auth/register",
                                {"email": srv.unique_email("v"), "password": PASSWORD})
                self.assertStatus(r, status)
                srv.stop()

    def test_default_is_enabled(self):
        srv = self.start_server()
        self.assertNotIn("REGISTRATION_ENABLED", srv.env)
        srv.register()


if __name__ == "__main__":
    unittest.main()
