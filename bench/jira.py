#!/usr/bin/env python3
"""bench/jira.py — pdt's Jira sync against the Jira fake (stdlib only).

Run through bench/jira.sh (which builds pdt). Steps:
  1. FakeJira in this process: populate(BOARDS, SPRINTS, ISSUES) (default
     10 x 20 x 50) with the default issues_in="open+recent": issues in the
     active, the future and one recently closed sprint of every board (1,500).
     populate has no knob for `updated` (active-sprint issues are spread up to
     a minute before "now"), so the fake's clock is set AGE_DAYS (3) back while
     it runs and restored after: every issue's `updated` is then more than
     AGE_DAYS old, and the sprints are dated from that earlier "now" too.
  2. `pdt serve` on a temporary SQLite database (cwd = the temp dir, so no
     stray .env is read): register a user, store jira_email, jira_token and
     jira_workspace (the fake's base URL); SIGTERM, bounded wait.
  3. LATENCY_MS (20) injected before every answer, then three foreground
     `pdt sync --jira` passes on that database (the passes use the CLI, not
     POST /api/sync/jira on a running serve):
       cold       nothing stored yet;
       no-change  nothing changed upstream;
       N changed  after update_issue(key, status="Done") on CHANGED (5) issues
                  of active sprints (one per board, round robin).
For every pass: wall time, requests (the fake's log) by kind and status, cards
and sprints reported by pdt, what the database holds, exit status and pdt's
peak RSS (ru_maxrss from os.wait4). Also the Go original's pattern for the same
shape: 1 board list + a sprint list per board + an active-sprint issue list per
board + 1 detail request per active issue (1 + 10 + 10 + 500 = 521), on every pass.

Peak RSS: see bench/sync.py — each pass runs under RUSAGE_WRAPPER, a minimal
`python3 -I -S` that forks+execs pdt and reaps it with os.wait4, because Linux
folds the forking process's RSS into the child's ru_maxrss.

Comments and descriptions (issue 11): every issue gets a three-line description
(DESCRIPTIONS=1) and COMMENTS (3) comments, and LONG_COMMENTS (10) issues of
the active sprints get 150 more (more than a listing embeds: their comment
list is paged, 2 requests each). A build that does not ask for descriptions
and comments (BASE_REV before issue 11) simply gets them in nothing it asks.

env: BOARDS=10 SPRINTS=20 (>= 3) ISSUES=50 LATENCY_MS=20 CHANGED=5 AGE_DAYS=3 (2..22)
     COMMENTS=3 LONG_COMMENTS=10 DESCRIPTIONS=1
     PASS_TIMEOUT=120 (seconds, per sync pass)  PDT_BIN (default build/pdt)
     KEEP_TMP=1 (keep the temp dir: DB, pdt logs, sync output)
     STRICT=1 (also exit 1 when an aim is missed)
Exit status: 0 all passes ran and what was stored is right; 1 otherwise.
"""

import collections
import json
import os
import platform
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from fakes import FakeJira  # noqa: E402
from benchlib import (  # noqa: E402
    Api,
    BenchError,
    HOST,
    Procs,
    RUSAGE_WRAPPER,
    START_WAIT_S,
    base_env,
    env_int,
    free_port,
    git_desc,
    log,
    mb,
    tail,
)

JIRA_EMAIL = "bench@example.com"
JIRA_TOKEN = "jira-bench-token"
DAY = 86400
LOOKBACK_DAYS = 30          # pdt's SYNC_LOOKBACK_DAYS default (not set here)
AIM_COLD_REQUESTS = 60      # the cold pass under this many requests
# the unchanged pass: 1 board list + 1 open-sprint list per board + 1 search

# Runs argv[2:] as a child, reaps it with os.wait4 and writes {rc, wall,
# maxrss_kb, utime, stime, wrapper_hwm_kb, pid} as JSON to argv[1]. SIGTERM and
# SIGINT are forwarded to the child. Exits with the child's status.

# pdt configuration variables never inherited from the caller's environment

REPORT_RE = re.compile(r"^user (\d+) jira: (\d+) sprints, (\d+) cards$")












# ---------------------------------------------------------------- processes



# ---------------------------------------------------------------- pdt serve setup





def setup_db(procs, pdt, tmp, secrets_, jira_url):
    """Runs pdt serve on tmp/pdt.db, registers a user and stores the Jira
    settings, stops it. Returns (db path, setup seconds)."""
    db = os.path.join(tmp, "pdt.db")
    port = free_port()
    env = base_env(db, secrets_)
    env.update({"SERVER_ADDR": HOST, "SERVER_PORT": str(port)})
    logf = os.path.join(tmp, "serve.log")
    t0 = time.monotonic()
    with open(logf, "wb") as out:
        p = procs.spawn("pdt serve", [pdt, "serve"], cwd=tmp, env=env, stdout=out,
                        stderr=subprocess.STDOUT)
    api = Api(port)
    deadline = time.monotonic() + START_WAIT_S
    while True:
        if p.poll() is not None:
            raise BenchError("pdt serve exited with %s during start:\n%s" % (p.returncode, tail(logf)))
        try:
            if api.call("GET", "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() >= deadline:
            raise BenchError("pdt serve did not answer /healthz within %ds:\n%s" % (START_WAIT_S, tail(logf)))
        time.sleep(0.1)
    email = "bench-%s@example.com" % secrets.token_hex(4)
    st, reg = api.call("POST", "/api/auth/register",
                       {"email": email, "password": "bench-password-123", "name": "Bench"})
    if st != 201 or not isinstance(reg, dict) or "token" not in reg:
        raise BenchError("register answered %s: %s" % (st, reg))
    token = reg["token"]
    st, body = api.call("PUT", "/api/user/profile",
                        {"jira_email": JIRA_EMAIL, "jira_token": JIRA_TOKEN,
                         "jira_workspace": jira_url}, token=token)
    if st != 200:
        raise BenchError("PUT /api/user/profile answered %s: %s" % (st, body))
    rc, _ = procs.stop(p, "pdt serve")
    if rc != 0:
        raise BenchError("pdt serve exited %s after SIGTERM (want 0):\n%s" % (rc, tail(logf)))
    return db, time.monotonic() - t0


def db_state(db, keys=()):
    """(sprints, cards, sprints with issues listed, {key: status} for keys,
    comments stored or None when the schema has no comments)."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        sprints = con.execute("SELECT count(*) FROM sprints").fetchone()[0]
        has_comments = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                   "AND name = 'jira_comments'").fetchone()[0]
        comments = (con.execute("SELECT count(*) FROM jira_comments").fetchone()[0]
                    if has_comments else None)
        cards = con.execute("SELECT count(*) FROM jira_cards").fetchone()[0]
        listed = con.execute("SELECT count(*) FROM sprints WHERE issues_synced_at IS NOT NULL"
                             " AND issues_synced_at > 0").fetchone()[0]
        status = {}
        for k in keys:
            row = con.execute("SELECT status FROM jira_cards WHERE card_key = ?", (k,)).fetchone()
            status[k] = row[0] if row else None
        return sprints, cards, listed, status, comments
    finally:
        con.close()


# ---------------------------------------------------------------- sync passes

KINDS = ("boards", "sprints", "sprint issues", "search", "sprint", "changelog", "comment",
         "issue", "other")
_COMMENT_RE = re.compile(r"^/rest/api/\d/issue/[^/]+/comment$")
_SPRINT_RE = re.compile(r"^/rest/agile/1\.0/sprint/[^/]+$")
_SPRINTS_RE = re.compile(r"^/rest/agile/1\.0/board/[^/]+/sprint$")
_ISSUES_RE = re.compile(r"^/rest/agile/1\.0/sprint/[^/]+/issue$")
_CHANGELOG_RE = re.compile(r"^/rest/api/\d/issue/[^/]+/changelog$")
_ISSUE_RE = re.compile(r"^/rest/(api/\d|agile/1\.0)/issue/[^/]+$")


def classify(path):
    if path.rstrip("/") == "/rest/agile/1.0/board":
        return "boards"
    if _SPRINTS_RE.match(path):
        return "sprints"
    if _ISSUES_RE.match(path):
        return "sprint issues"
    if path.rstrip("/") == "/rest/api/3/search/jql":
        return "search"
    if _SPRINT_RE.match(path):
        return "sprint"
    if _CHANGELOG_RE.match(path) or path.startswith("/rest/api/3/changelog/bulkfetch"):
        return "changelog"
    if _COMMENT_RE.match(path):
        return "comment"
    if _ISSUE_RE.match(path):
        return "issue"
    return "other"


def run_pass(procs, pdt, jira, label, db, secrets_, timeout, keys=()):
    """One `pdt sync --jira` on db. Returns a result dict."""
    d = os.path.dirname(db)
    env = base_env(db, secrets_)
    deadline = time.monotonic() + 5
    while jira.in_flight and time.monotonic() < deadline:
        time.sleep(0.02)
    jira.reset_log()
    out_path = os.path.join(d, "sync-%s.out" % label)
    err_path = os.path.join(d, "sync-%s.log" % label)
    ru_path = os.path.join(d, "sync-%s.rusage.json" % label)
    log("pass %-10s pdt sync --jira on %s" % (label, db))
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        p = procs.spawn("pdt sync", [sys.executable, "-I", "-S", "-c", RUSAGE_WRAPPER, ru_path,
                                     pdt, "sync", "--jira"],
                        cwd=d, env=env, stdout=out, stderr=err)
        rc, _ = procs.reap(p, timeout)
        outer_wall = time.monotonic() - t0
    timed_out = rc is None
    if timed_out:
        log("pass %s: pdt sync still running after %ds; stopping it" % (label, timeout))
        rc, _ = procs.stop(p, "pdt sync")
    try:
        with open(ru_path) as f:
            ru = json.load(f)
    except (OSError, ValueError):
        ru = None  # the wrapper was killed
    entries = jira.log()
    kinds = collections.Counter(classify(e["path"]) for e in entries)
    statuses = collections.Counter(e["status"] for e in entries)
    with_jql = sum(1 for e in entries if classify(e["path"]) == "sprint issues"
                   and (e.get("query") or {}).get("jql"))
    sprints_rep = cards_rep = None
    err_lines, lines = [], open(out_path, errors="replace").read().splitlines()
    for ln in lines:
        m = REPORT_RE.match(ln)
        if m:
            sprints_rep = (sprints_rep or 0) + int(m.group(2))
            cards_rep = (cards_rep or 0) + int(m.group(3))
        elif ln.strip():
            err_lines.append(ln)
    sprints, cards, listed, status, comments = db_state(db, keys)
    with open(err_path, errors="replace") as f:
        errlog = f.readlines()
    return {
        "label": label, "rc": rc, "timed_out": timed_out,
        "wall": ru["wall"] if ru else outer_wall,
        "maxrss_kb": ru["maxrss_kb"] if ru else None,
        "cpu_s": (ru["utime"] + ru["stime"]) if ru else None,
        "wrapper_hwm_kb": ru["wrapper_hwm_kb"] if ru else None,
        "requests": len(entries), "kinds": kinds, "statuses": dict(sorted(statuses.items())),
        "with_jql": with_jql, "max_in_flight": jira.max_in_flight,
        "sprints_reported": sprints_rep, "cards_reported": cards_rep, "err_lines": err_lines,
        "db_sprints": sprints, "db_cards": cards, "db_listed": listed, "db_status": status,
        "db_comments": comments,
        "stderr_tail": tail(err_path, 15),
        "warn_lines": sum(1 for l in errlog if "level=warn" in l),
        "error_lines": sum(1 for l in errlog if "level=error" in l or "level=fatal" in l),
    }


# ---------------------------------------------------------------- report

def fmt_kinds(k):
    return ", ".join("%s %d" % (name, k.get(name, 0)) for name in KINDS
                     if name not in ("issue", "other", "search", "sprint", "comment")
                     or k.get(name, 0))


def fmt_statuses(st):
    return " ".join("%s:%d" % (k, v) for k, v in st.items()) or "-"






def knobs():
    k = {
        "nboards": env_int("BOARDS", 10, 1),
        "nsprints": env_int("SPRINTS", 20, 3),    # closed..., recent closed, active, future
        "nissues": env_int("ISSUES", 50, 1),
        "latency": env_int("LATENCY_MS", 20, 0),
        "nchanged": env_int("CHANGED", 5, 1),
        # older than pdt's 24 h JQL overlap, and the recently closed sprint (ended
        # 7 days before populate's "now") still within SYNC_LOOKBACK_DAYS
        "age_days": env_int("AGE_DAYS", 3, 2, LOOKBACK_DAYS - 8),
        "pass_timeout": env_int("PASS_TIMEOUT", 120, 1),
        "ncomments": env_int("COMMENTS", 3, 0),
        "nlong": env_int("LONG_COMMENTS", 10, 0),
        "descriptions": env_int("DESCRIPTIONS", 1, 0, 1),
    }
    return k


def check_binary(path, what):
    if not path or not os.access(path, os.X_OK):
        raise BenchError("no executable pdt at %s (%s)" % (path, what))
    return os.path.abspath(path)


def main():
    k = knobs()
    strict = os.environ.get("STRICT") == "1"
    builds = []
    base = os.environ.get("BASE_BIN")
    if base:
        builds.append(("base", check_binary(base, "BASE_BIN"),
                       os.environ.get("BASE_DESC") or base))
    pdt = os.environ.get("PDT_BIN") or os.path.join(ROOT, "build", "pdt")
    builds.append(("this", check_binary(pdt, "run bench/jira.sh, or set PDT_BIN"), git_desc()))
    # One build after the other (never side by side in time): each gets a
    # fresh fake with the same seeded data and a fresh database.
    runs = []
    for name, path, desc in builds:
        log("==== build %s: %s (%s)" % (name, path, desc))
        runs.append((name, desc, bench_build(name, path, desc, k)))
    if len(runs) > 1:
        print_comparison(runs, k)
    rc = 0
    for _, _, (results, failures, aims) in runs:
        if failures or (strict and not all(ok for _, ok, _ in aims)):
            rc = 1
    return rc


def print_comparison(runs, k):
    print()
    print("=== side by side: %d boards x %d sprints x %d issues, %d ms latency, %d comments"
          " per issue, %d issues with 150 more, descriptions %s ==="
          % (k["nboards"], k["nsprints"], k["nissues"], k["latency"], k["ncomments"],
             k["nlong"], "on" if k["descriptions"] else "off"))
    hdr = "%-6s %-28s %-10s %9s %8s %7s %8s %7s %9s"
    print(hdr % ("build", "revision", "pass", "requests", "comment", "wall_s", "cards",
                 "rss_MB", "comments"))
    for name, desc, (results, _, _) in runs:
        for r in results:
            print(hdr % (name, desc[:28], r["label"], r["requests"],
                         r["kinds"].get("comment", 0), "%.2f" % r["wall"],
                         "-" if r["cards_reported"] is None else r["cards_reported"],
                         mb(r["maxrss_kb"]),
                         "-" if r["db_comments"] is None else r["db_comments"]))
    print("====================================================================")


def bench_build(name, pdt, desc, k):
    """Populates a fresh fake, runs the three passes with pdt, prints the
    report. Returns (results, failures, aims)."""
    nboards, nsprints, nissues = k["nboards"], k["nsprints"], k["nissues"]
    latency, nchanged, age_days = k["latency"], k["nchanged"], k["age_days"]
    pass_timeout = k["pass_timeout"]
    ncomments, nlong, descriptions = k["ncomments"], k["nlong"], bool(k["descriptions"])
    keep = os.environ.get("KEEP_TMP") == "1"
    tmp = tempfile.mkdtemp(prefix="pdt-jirabench-%s." % name)
    procs = Procs()
    jira = FakeJira(seed=1)
    results, failures = [], []

    def on_signal(sig, _frame):
        raise KeyboardInterrupt("signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        jira_url = jira.start()
        # populate dates everything from the fake's clock: run it AGE_DAYS in
        # the past so no issue was updated within pdt's 24 h JQL overlap
        real_clock = jira.clock
        jira.clock = lambda: real_clock() - age_days * DAY
        t0 = time.monotonic()
        try:
            shape = jira.populate(boards=nboards, sprints_per_board=nsprints,
                                  issues_per_sprint=nissues, users={JIRA_EMAIL: JIRA_TOKEN},
                                  comments_per_issue=ncomments, descriptions=descriptions)
            # issues of active sprints with more comments than a listing embeds
            long_keys = []
            for j in range(nlong):
                sids = jira.sprints(shape["boards"][j % len(shape["boards"])])
                pool = jira.issues(sids[-2])
                if j // len(shape["boards"]) < len(pool):
                    long_keys.append(pool[j // len(shape["boards"])])
            for key in long_keys:
                jira.add_comments(key, 150, interval=60, body="long {i}")
        finally:
            jira.clock = real_clock
        populate_s = time.monotonic() - t0
        all_keys = jira.issues()
        now = time.time()
        newest_update = max(jira.issue(k).updated for k in all_keys) if all_keys else now
        min_age_h = (now - newest_update) / 3600.0
        # the issues to change later: one per board's active sprint, round robin,
        # not Done yet (the active sprint is the one before the future one)
        candidates = []
        for bid in shape["boards"]:
            sids = jira.sprints(bid)
            active = [k for k in jira.issues(sids[-2]) if jira.issue(k).status != "Done"]
            candidates.append(active)
        changed = []
        for j in range(nchanged):
            pool = candidates[j % len(candidates)]
            idx = j // len(candidates)
            if idx >= len(pool):
                raise BenchError("CHANGED=%d is more than the active issues not yet Done" % nchanged)
            changed.append(pool[idx])
        log("fake Jira at %s: %d boards x %d sprints x %d issues (%d sprints, %d issues, newest"
            " update %.1f h ago) in %.2fs" % (jira_url, nboards, nsprints, nissues, shape["sprints"],
                                              shape["issues"], min_age_h, populate_s))

        secrets_ = {"jwt": secrets.token_hex(32), "key": secrets.token_hex(32)}
        log("pdt serve: register, Jira settings (%s)" % tmp)
        db, setup_s = setup_db(procs, pdt, tmp, secrets_, jira_url)
        if db_state(db)[:2] != (0, 0):
            raise BenchError("the fresh database already holds sprints or cards")

        jira.set_faults(latency_ms=latency)

        def check(r, want_cards_reported, want_cards, want_done=()):
            problems = []
            if r["timed_out"]:
                problems.append("did not finish within PASS_TIMEOUT=%ds" % pass_timeout)
            if r["rc"] != 0:
                problems.append("exit status %s (want 0)" % r["rc"])
            if r["err_lines"]:
                problems.append("output: %s" % r["err_lines"][0])
            if r["cards_reported"] is None:
                problems.append("no 'user U jira: S sprints, C cards' line")
            elif r["cards_reported"] != want_cards_reported:
                problems.append("reported %d cards (want %d)" % (r["cards_reported"], want_cards_reported))
            if (r["label"] == "cold" and r["sprints_reported"] is not None
                    and r["sprints_reported"] != shape["sprints"]):
                problems.append("reported %d sprints (want %d)" % (r["sprints_reported"], shape["sprints"]))
            if r["db_sprints"] != shape["sprints"]:
                problems.append("%d sprints stored (want %d)" % (r["db_sprints"], shape["sprints"]))
            if r["db_cards"] != want_cards:
                problems.append("%d cards stored (want %d)" % (r["db_cards"], want_cards))
            bad = [k for k in want_done if r["db_status"].get(k) != "Done"]
            if bad:
                problems.append("%d changed cards not Done in the database, e.g. %s: %r"
                                % (len(bad), bad[0], r["db_status"].get(bad[0])))
            if problems:
                r["problems"] = problems
                for p in problems:
                    failures.append("%s: %s" % (r["label"], p))
                log("pass %s FAILED: %s\n%s" % (r["label"], "; ".join(problems), r["stderr_tail"]))
            return r

        cold = check(run_pass(procs, pdt, jira, "cold", db, secrets_, pass_timeout),
                     shape["issues"], shape["issues"])
        results.append(cold)
        second = check(run_pass(procs, pdt, jira, "no-change", db, secrets_, pass_timeout),
                       0, shape["issues"])
        results.append(second)
        for k in changed:
            jira.update_issue(k, status="Done")
        label3 = "%d-changed" % nchanged
        third = check(run_pass(procs, pdt, jira, label3, db, secrets_, pass_timeout, keys=changed),
                      len(changed), shape["issues"], want_done=changed)
        results.append(third)

        # ------------------------------------------------ report
        go_sprint_lists = nboards
        go_issue_lists = nboards
        go_details = nboards * nissues
        go_total = 1 + go_sprint_lists + go_issue_lists + go_details
        ratio2 = second["requests"] / float(cold["requests"]) if cold["requests"] else float("nan")
        ratio3 = third["requests"] / float(cold["requests"]) if cold["requests"] else float("nan")
        peak_kb = max((r["maxrss_kb"] or 0) for r in results)
        aims = [
            ("cold pass < %d + 2 x %d long-comment issues requests"
             % (AIM_COLD_REQUESTS, len(long_keys)),
             cold["requests"] < AIM_COLD_REQUESTS + 2 * len(long_keys),
             "%d requests, %d of them comment pages" % (cold["requests"],
                                                        cold["kinds"].get("comment", 0))),
            ("no-change pass <= boards + 2 requests", second["requests"] <= nboards + 2,
             "%d requests, %d boards" % (second["requests"], nboards)),
        ]

        hdr = "%-10s %7s %8s %5s %5s %6s %6s %6s %6s %7s %7s %6s %3s  %s"
        print()
        print("=== pdt Jira sync benchmark ========================================")
        print("date       %s   host: %d cores, %s %s" % (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), os.cpu_count() or 0,
            platform.system(), platform.release()))
        print("pdt        [%s] %s  (%s), `pdt sync --jira` in the foreground" % (name, desc, pdt))
        print("fake       Jira (tests/fakes, in-process) %d boards x %d sprints x %d issues: %d sprints,"
              " %d issues in the active, future and recently closed sprint of each board;"
              " %d ms latency per request" % (nboards, nsprints, nissues, shape["sprints"],
                                              shape["issues"], latency))
        print("dates      populate ran on a clock %d days back: newest issue update %.1f h ago"
              " (pdt re-asks for %d h before its last pass)" % (age_days, min_age_h, 24))
        print("notes      %d comments per issue, %d issues with 150 more (%s), descriptions %s"
              % (ncomments, len(long_keys), " ".join(long_keys[:3]) +
                 (" ..." if len(long_keys) > 3 else ""), "on" if descriptions else "off"))
        print("setup      pdt serve + register + Jira settings: %.2fs" % setup_s)
        print()
        print(hdr % ("pass", "wall_s", "requests", "board", "sprnt", "issues", "jql", "search",
                     "chlog", "comment", "cards", "rss_MB", "rc", "statuses"))
        for r in results:
            k = r["kinds"]
            print(hdr % (r["label"], "%.2f" % r["wall"], r["requests"], k.get("boards", 0),
                         k.get("sprints", 0), k.get("sprint issues", 0), r["with_jql"],
                         k.get("search", 0), k.get("changelog", 0), k.get("comment", 0),
                         "-" if r["cards_reported"] is None else r["cards_reported"],
                         mb(r["maxrss_kb"]), "T/O" if r["timed_out"] else r["rc"],
                         fmt_statuses(r["statuses"])))
        print("(board = board lists, sprnt = sprint lists, issues = sprint issue pages (jql = of them"
              " with a JQL filter), search = search/jql pages, chlog = per-issue changelog requests, cards = cards written"
              " as pdt reports them)")
        for r in results:
            extra = ""
            if r["kinds"].get("issue") or r["kinds"].get("other"):
                extra = "; also issue %d, other %d" % (r["kinds"].get("issue", 0), r["kinds"].get("other", 0))
            print("  %-10s database: %d sprints (%d with issues listed), %d cards, %s comments;"
                  " most in flight %d; cpu %.2fs; sync log %d warn, %d error%s"
                  % (r["label"], r["db_sprints"], r["db_listed"], r["db_cards"],
                     "-" if r["db_comments"] is None else r["db_comments"], r["max_in_flight"],
                     r["cpu_s"] or 0, r["warn_lines"], r["error_lines"], extra))
        print()
        print("--- summary ---")
        for r in results:
            line = "%-11s %.2fs wall, %d requests (%s), %s cards written" % (
                r["label"], r["wall"], r["requests"], fmt_kinds(r["kinds"]),
                "?" if r["cards_reported"] is None else r["cards_reported"])
            if r is not cold:
                line += ", %.1f%% of cold" % (100.0 * r["requests"] / cold["requests"]
                                               if cold["requests"] else float("nan"))
            print(line)
        print("ratio       no-change/cold requests = %.3f; %s/cold = %.3f"
              % (ratio2, label3, ratio3))
        print("changed     %s -> Done; in the database after the pass: %s"
              % (" ".join(changed), " ".join("%s" % third["db_status"].get(k) for k in changed)))
        print("Go original pattern: 1 + %d + %d + %d = %d per pass (1 board list + %d sprint lists"
              " + %d active-sprint issue lists + 1 detail request per active issue)"
              % (go_sprint_lists, go_issue_lists, go_details, go_total, go_sprint_lists, go_issue_lists))
        pdt_now = 1 + go_sprint_lists + go_issue_lists + 2 * go_details
        print("PDT current pattern (descriptions and comments): 1 + %d + %d + 2 x %d = %d per"
              " pass (issue detail + comments per active card)"
              % (go_sprint_lists, go_issue_lists, go_details, pdt_now))
        print("vs Go       cold %d / %d = %.3f; no-change %d / %d = %.3f"
              % (cold["requests"], go_total, cold["requests"] / float(go_total),
                 second["requests"], go_total, second["requests"] / float(go_total)))
        print("peak RSS    %s MB (max ru_maxrss of the pdt sync processes; cold %s, no-change %s,"
              " %s %s; floor: wrapper hiwater %s MB)"
              % (mb(peak_kb), mb(cold["maxrss_kb"]), mb(second["maxrss_kb"]), label3,
                 mb(third["maxrss_kb"]), mb(max((r["wrapper_hwm_kb"] or 0) for r in results))))
        for name, ok, detail in aims:
            print("aim         %-40s %s  (%s)" % (name, "met" if ok else "MISSED", detail))
        shown = "; ".join(failures[:6]) + ("; ... (%d more)" % (len(failures) - 6) if len(failures) > 6 else "")
        print("result      %s" % ("all passes ok" if not failures else "FAILED: " + shown))
        print("====================================================================")
        return results, failures, aims
    finally:
        procs.stop_all()
        try:
            jira.stop()
        except Exception as e:  # noqa: BLE001 - cleanup must go on
            log("fake stop: %s" % e)
        if keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("jira.py: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("jira.py: interrupted", file=sys.stderr)
        sys.exit(130)
