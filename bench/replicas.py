#!/usr/bin/env python3
"""bench/replicas.py — users fully synced per minute with 1 and with 3 replicas.

Run through bench/replicas.sh (which builds pdt). For each replica count:
  1. FakeGitHub in this process: USERS users, each with its own token and
     one repository of BRANCHES branches x COMMITS commits; LATENCY_MS (50)
     per upstream request once the users exist.
  2. A first pdt serve (worker off) registers the users, stores their tokens
     and repositories, stops. (Not timed.)
  3. N replicas (pdt serve, SYNC_ENABLED=true, SYNC_INTERVAL_COMMITS=1h) on
     that one SQLite database start; once every user's status shows a
     finished pass, the sync time is the fake's log window (first request to
     last answer), so process start-up is not counted.
users/min = USERS / that time. From the replicas' "worker pass" log lines:
lease statements per user pass (claim, release, ensures, empty claims,
heartbeats) and budget round trips per user pass.
Aim: 3 replicas >= 2.5 x 1 replica (STRICT=1: a miss exits 1).
env: USERS=90 BRANCHES=3 COMMITS=100 LATENCY_MS=50 TIMEOUT=300 PDT_BIN STRICT=1
     PDT_TEST_PG_STATE=<state file of tests/pg/pgcluster.py start>: on PostgreSQL
"""
import os
import re
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from fakes import FakeGitHub  # noqa: E402
from harness import PG, Server, db_query  # noqa: E402

USERS = int(os.environ.get("USERS", "90"))
BRANCHES = int(os.environ.get("BRANCHES", "3"))
COMMITS = int(os.environ.get("COMMITS", "100"))
LATENCY = int(os.environ.get("LATENCY_MS", "50"))
TIMEOUT = float(os.environ.get("TIMEOUT", "300"))
PASS_RE = re.compile(r"worker pass source=commits users=(\d+) .* lease_queries=(\d+) "
                     r"budget_queries=(\d+)")


def run(n_replicas):
    gh = FakeGitHub(seed=77)
    gh.start()
    try:
        for i in range(USERS):
            login = "b%03d" % i
            gh.add_token("ghp_b%03d" % i, login)
            gh.add_repo(login, "app", visible_to=[login])
            gh.add_commits(login, "app", "main", COMMITS, start_date=time.time() - 5 * 86400)
            for b in range(1, BRANCHES):
                gh.create_branch(login, "app", "f%d" % b)
                gh.add_commits(login, "app", "f%d" % b, COMMITS // 4,
                               start_date=time.time() - 2 * 86400)
        base = {"SYNC_ENABLED": "false", "GITHUB_API_URL": gh.base_url,
                "SYNC_INTERVAL_JIRA": "1h", "LOG_LEVEL": "info"}
        setup = Server(env=base)
        for i in range(USERS):
            tok, _u = setup.register(setup.unique_email("b"), "bench-password")
            setup.request("PUT", "/api/user/profile", {"github_token": "ghp_b%03d" % i},
                          token=tok)
            setup.add_repo(tok, "https://github.com/b%03d/app" % i)
        setup.stop(cleanup=False)
        gh.set_faults(latency_ms=LATENCY)
        env = dict(base, SYNC_ENABLED="true", SYNC_INTERVAL_COMMITS="1h",
                   DATABASE_URL=setup.db_path if PG else "sqlite://" + setup.db_path)
        t0 = time.monotonic()
        gh.reset_log()
        reps = [Server(env=env, jwt_secret=setup.jwt_secret,
                       encryption_key=setup.encryption_key, start=False)
                for _ in range(n_replicas)]
        starters = [threading.Thread(target=r.start) for r in reps]
        for t in starters:  # together: no replica gets a head start
            t.start()
        for t in starters:
            t.join(30)
        try:
            deadline = t0 + TIMEOUT
            done = False
            while time.monotonic() < deadline:
                rows = db_query(setup.db_path, "SELECT count(*) AS n FROM sync_status WHERE "
                                "source = 'commits' AND last_sync IS NOT NULL AND "
                                "status = 'idle'")
                if rows[0]["n"] >= USERS:
                    done = True
                    break
                time.sleep(0.1)
            if done:  # the pass log lines come when each replica's tick ends
                end = time.monotonic() + 30
                while time.monotonic() < end and sum(
                        int(m.group(1)) for r in reps
                        for m in PASS_RE.finditer(r.log_text())) < USERS:
                    time.sleep(0.1)
            log = gh.log()
            secs = max(e["end_time"] for e in log) - min(e["time"] for e in log)
            if not done:
                raise SystemExit("replicas=%d: not every user synced in %ds" % (n_replicas,
                                                                                 TIMEOUT))
            logs = "".join(r.log_text() for r in reps)
        finally:
            for r in reps:
                r.stop()
        commits = db_query(setup.db_path, "SELECT count(*) AS n FROM commits")[0]["n"]
        setup.stop()  # removes its scratch dir (and its PostgreSQL database)
        users = lease = budget = 0
        for m in PASS_RE.finditer(logs):
            users += int(m.group(1))
            lease += int(m.group(2))
            budget += int(m.group(3))
        return {"secs": secs, "per_min": USERS / secs * 60, "commits": commits,
                "lease_per_pass": lease / max(users, 1), "budget_per_pass": budget / max(users, 1),
                "passes": users}
    finally:
        gh.stop()


def main():
    print("replicas bench: USERS=%d BRANCHES=%d COMMITS=%d LATENCY_MS=%d (%s)"
          % (USERS, BRANCHES, COMMITS, LATENCY,
             "PostgreSQL, one database" if PG else "SQLite, one shared file"))
    res = {}
    for n in (1, 3):
        r = run(n)
        res[n] = r
        print("replicas=%d  all users synced in %.1f s  users/min=%.1f  commits=%d  "
              "user passes=%d  lease statements/pass=%.2f  budget round trips/pass=%.2f"
              % (n, r["secs"], r["per_min"], r["commits"], r["passes"], r["lease_per_pass"],
                 r["budget_per_pass"]))
    ratio = res[3]["per_min"] / res[1]["per_min"]
    aim = ratio >= 2.5
    print("speed-up with 3 replicas: %.2fx (aim >= 2.5x: %s)" % (ratio, "met" if aim else
                                                                  "MISSED"))
    if res[1]["commits"] != res[3]["commits"]:
        print("commit counts differ between runs: %d vs %d" % (res[1]["commits"],
                                                               res[3]["commits"]))
        return 1
    return 1 if (os.environ.get("STRICT") == "1" and not aim) else 0


if __name__ == "__main__":
    sys.exit(main())
