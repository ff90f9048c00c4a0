"""Report generation time and pdt's peak RSS (issue 12's figures).

Starts build/pdt serve (temp dir, SQLite, REPORT_AUTO_GENERATE=false), registers
two users, and seeds straight into SQLite:
  - user "day":   500 commits on 2026-03-02 over 3 repositories, 50 Jira keys
                  (80% of commits carry one; 20% unlinked), 50 cards;
  - user "month": 10,000 commits over March 2026, 300 keys, 300 cards.
Then times POST /api/reports/generate (the day, built-in template) and
POST /api/reports/generate/monthly (the month, built-in template) over HTTP,
RUNS times each (each run replaces the report), and reads pdt's VmRSS/VmHWM
from /proc before and after each series. Prints a table and a summary block.

usage: python3 bench/reports.py        (PDT_BIN=build/pdt; RUNS=5)
"""
import os
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
os.environ.setdefault("PDT_BIN", os.path.join(ROOT, "build", "pdt"))

from harness import Server, db_exec, fake_sha, seed_commits  # noqa: E402

RUNS = int(os.environ.get("RUNS", "5"))
MAR = 1772323200  # 2026-03-01T00:00:00Z


def mem(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0])
    return out


def seed(srv, user, repos, n, start, span, nkeys, tag):
    rng = random.Random(tag)
    per_repo = {r["id"]: [] for r in repos}
    for i in range(n):
        key = "PROJ-%d" % rng.randint(1, nkeys) if rng.random() < 0.8 else None
        msg = "%s%s" % ((key + ": ") if key else "", "work item %d " % i + "x" * rng.randint(0, 100))
        repo = repos[i % len(repos)]
        per_repo[repo["id"]].append({"sha": fake_sha("%s-%d" % (tag, i)), "message": msg,
                                     "date": start + (span * i) // n, "jira_card_key": key,
                                     "branch": "main" if i % 3 else "feature/x"})
    for rid, items in per_repo.items():
        seed_commits(srv.db_path, rid, items)
    now = int(time.time())
    # Cards belong to one of the user's Jira workspaces (migration 005).
    db_exec(srv.db_path, "INSERT OR IGNORE INTO jira_workspaces (user_id, workspace, created_at, "
            "updated_at) VALUES (?, 'bench.example', ?, ?)", (user["id"], now, now))
    for k in range(1, nkeys + 1):
        db_exec(srv.db_path, "INSERT INTO jira_cards (user_id, workspace_id, card_key, summary, "
                "status, created_at, updated_at) VALUES (?, (SELECT min(id) FROM "
                "jira_workspaces WHERE user_id = ?), ?, ?, ?, ?, ?)",
                (user["id"], user["id"], "PROJ-%d" % k, "Card %d" % k,
                 "Done" if k % 4 == 0 else "In Progress", now, now))


def new_user(srv, name):
    token, user = srv.register(srv.unique_email(name))
    repos = [srv.add_repo(token, "https://github.com/octo/%s-%d" % (name, i)) for i in range(3)]
    return token, user, repos


def series(srv, token, path, body):
    times, size = [], 0
    for _ in range(RUNS):
        t0 = time.perf_counter()
        r = srv.request("POST", path, body, token=token, timeout=120)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status in (200, 201), r
        size = len(r.body["content"])
    return times, size


def main():
    with Server(env={"REPORT_AUTO_GENERATE": "false"}) as srv:
        pid = srv.proc.pid
        dtok, duser, drepos = new_user(srv, "day")
        mtok, muser, mrepos = new_user(srv, "month")
        seed(srv, duser, drepos, 500, MAR + 86400, 86400, 50, "day")
        seed(srv, muser, mrepos, 10000, MAR, 31 * 86400, 300, "month")
        base = mem(pid)
        rows = []
        for label, tok, path, body in (
                ("daily, 500 commits", dtok, "/api/reports/generate", {"date": "2026-03-02"}),
                ("monthly, 10,000 commits", mtok, "/api/reports/generate/monthly",
                 {"month": 3, "year": 2026})):
            times, size = series(srv, tok, path, body)
            m = mem(pid)
            rows.append((label, min(times), statistics.median(times), max(times), size, m))
        print("pdt report generation (HTTP round trip, built-in template, %d runs each)" % RUNS)
        print("baseline after seeding: VmRSS %d KiB, VmHWM %d KiB" % (base["VmRSS"], base["VmHWM"]))
        print("%-26s %9s %9s %9s %12s %14s" % ("report", "min ms", "median", "max", "content B",
                                              "VmHWM after"))
        for label, lo, med, hi, size, m in rows:
            print("%-26s %9.1f %9.1f %9.1f %12d %10d KiB" % (label, lo, med, hi, size, m["VmHWM"]))


if __name__ == "__main__":
    main()
