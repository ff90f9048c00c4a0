"""Login throttling (issue 9): 5 failures per account per 15 minutes, 20 per
client socket address per minute; past either, 429 {"error":"too many attempts"}
with Retry-After, answered before bcrypt runs. A successful login resets the
account's count. X-Forwarded-For is not trusted. (The windows' expiry is driven
by an injected clock in tests/unit/test_throttle.c; here the limits, the
Retry-After values and the isolation between accounts and addresses.)"""

import http.client
import json
import re
import time
import unittest

from harness import HOST, SOCKET_TIMEOUT, PdtTestCase

PASSWORD = "s3cret-passphrase"
WRONG = "wrong-passphrase"
ACCOUNT_MAX = 5
ACCOUNT_WINDOW_S = 15 * 60
ADDR_MAX = 20
ADDR_WINDOW_S = 60


def login_from(port, source_ip, email, password, headers=None):
    """POST /api/auth/login from a chosen loopback source address.
    Returns (status, headers with lower-case names, parsed body, seconds taken)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=SOCKET_TIMEOUT,
                                      source_address=(source_ip, 0))
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(headers or {})
    try:
        t0 = time.monotonic()
        conn.request("POST", "/api/auth/login",
                     body=json.dumps({"email": email, "password": password}), headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        took = time.monotonic() - t0
        return (resp.status, {k.lower(): v for k, v in resp.getheaders()},
                json.loads(raw) if raw else None, took)
    finally:
        conn.close()


class LoginThrottleTest(PdtTestCase):
    def setUp(self):
        self.srv = self.start_server()

    def login(self, email, password, source="127.0.0.1", headers=None):
        return login_from(self.srv.port, source, email, password, headers)

    def assert401(self, res, msg=None):
        self.assertEqual(res[0], 401, msg or res)
        self.assertEqual(res[2], {"error": "invalid credentials"})

    def assert429(self, res, max_retry_after, min_retry_after=1):
        status, headers, body, _took = res
        self.assertEqual(status, 429, res)
        self.assertEqual(body, {"error": "too many attempts"})
        self.assertTrue(headers["content-type"].startswith("application/json"))
        self.assertRegex(headers.get("retry-after", ""), r"^[1-9][0-9]*$", headers)
        ra = int(headers["retry-after"])
        self.assertGreaterEqual(ra, min_retry_after)
        self.assertLessEqual(ra, max_retry_after)
        return ra

    def test_sixth_wrong_password_429_with_retry_after_and_no_bcrypt(self):
        email = self.srv.unique_email("victim")
        self.srv.register(email=email, password=PASSWORD)
        t_first = time.monotonic()
        slow = []
        for i in range(ACCOUNT_MAX):
            res = self.login(email, WRONG + str(i))
            self.assert401(res, "attempt %d" % (i + 1))
            slow.append(res[3])
        elapsed = time.monotonic() - t_first
        res = self.login(email, WRONG)
        # Retry-After: until the first failure leaves the 15-minute window.
        ra = self.assert429(res, ACCOUNT_WINDOW_S, ACCOUNT_WINDOW_S - int(elapsed) - 2)
        # Even the right password waits now (it is not even checked).
        self.assert429(self.login(email, PASSWORD), ra)
        # Refused attempts run no bcrypt: each is far faster than a verified one.
        fast = [self.login(email, WRONG)[3] for _ in range(5)]
        self.assertLess(min(fast), min(slow) / 3, (fast, slow))
        # Refused attempts do not count as failures: Retry-After does not grow.
        self.assertLessEqual(int(self.login(email, WRONG)[1]["retry-after"]), ra)
        self.assertIn("status=429", self.srv.log_text())
        # Operators see it as an aggregate counter (no email, no address).
        text = self.srv.request("GET", "/metrics").body.decode()
        series = r'(?m)^pdt_http_requests_total\{route="/api/auth/login",status="429"\} (\d+)$'
        self.assertRegex(text, series)
        self.assertEqual(int(re.search(series, text).group(1)), 8)  # every refusal above
        self.assertNotIn(email, text)

    def test_other_account_same_address_still_401(self):
        victim = self.srv.unique_email("victim")
        other = self.srv.unique_email("other")
        self.srv.register(email=victim, password=PASSWORD)
        self.srv.register(email=other, password=PASSWORD)
        for _ in range(ACCOUNT_MAX):
            self.assert401(self.login(victim, WRONG))
        self.assert429(self.login(victim, WRONG), ACCOUNT_WINDOW_S)
        # Same address, another account: its own count, still 401 / 200.
        self.assert401(self.login(other, WRONG))
        r = self.login(other, PASSWORD)
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["user"]["email"], other)

    def test_unknown_email_and_case_fold_count_per_account(self):
        ghost = self.srv.unique_email("ghost")  # never registered
        for _ in range(ACCOUNT_MAX):
            self.assert401(self.login(ghost, WRONG))
        # Same answer as for an existing account: nothing to enumerate.
        self.assert429(self.login(ghost, WRONG), ACCOUNT_WINDOW_S)
        # The email is matched case-insensitively, so it is counted that way too.
        self.assert429(self.login(ghost.upper(), WRONG), ACCOUNT_WINDOW_S)

    def test_success_resets_account_count(self):
        email = self.srv.unique_email("forgetful")
        self.srv.register(email=email, password=PASSWORD)
        for _ in range(ACCOUNT_MAX - 1):
            self.assert401(self.login(email, WRONG))
        self.assertEqual(self.login(email, PASSWORD)[0], 200)
        # A full allowance again: five 401s, then the limit.
        for i in range(ACCOUNT_MAX):
            self.assert401(self.login(email, WRONG), "after reset, attempt %d" % (i + 1))
        self.assert429(self.login(email, WRONG), ACCOUNT_WINDOW_S)

    def test_address_limit_20_per_minute_and_xff_not_trusted(self):
        victims = [self.srv.unique_email("spray%d" % i) for i in range(ADDR_MAX // 4)]
        t_first = time.monotonic()
        n = 0
        for email in victims:  # 4 failures each: no account reaches its limit
            for _ in range(4):
                n += 1
                self.assert401(self.login(email, WRONG,
                                          headers={"X-Forwarded-For": "203.0.113.%d" % n}),
                               "address failure %d" % n)
        elapsed = time.monotonic() - t_first
        self.assertEqual(n, ADDR_MAX)
        fresh = self.srv.unique_email("fresh")
        self.srv.register(email=fresh, password=PASSWORD)
        # The 21st from this address is refused, whatever account and header.
        self.assert429(self.login(fresh, PASSWORD), ADDR_WINDOW_S,
                       ADDR_WINDOW_S - int(elapsed) - 2)
        self.assert429(self.login(fresh, WRONG, headers={"X-Forwarded-For": "198.51.100.7"}),
                       ADDR_WINDOW_S)
        # Another client address is counted on its own: its answers are normal.
        self.assert401(self.login(victims[0], WRONG, source="127.0.0.2"))
        self.assertEqual(self.login(fresh, PASSWORD, source="127.0.0.2")[0], 200)

    def test_bad_requests_are_not_failures(self):
        email = self.srv.unique_email("typo")
        self.srv.register(email=email, password=PASSWORD)
        for _ in range(ACCOUNT_MAX + 2):
            r = self.srv.request("POST", "/api/auth/login", {"email": email})
            self.assertError(r, 400)
        self.assertEqual(self.login(email, PASSWORD)[0], 200)


if __name__ == "__main__":
    unittest.main()
