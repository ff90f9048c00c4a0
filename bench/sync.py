#!/usr/bin/env python3
"""bench/sync.py — pdt's commit sync against the GitHub fake (stdlib only).

Run through bench/sync.sh (which builds pdt). Steps:
  1. FakeGitHub in this process: REPOS x BRANCHES x COMMITS (default 50 x 5 x 400:
     100,000 listed, 40,000 distinct commits), a budget big enough that nothing
     is throttled, LATENCY_MS (20) injected before every answer.
  2. `pdt serve` on a temporary SQLite database (cwd = the temp dir, so no stray
     .env is read): register a user, store the GitHub token, add the
     repositories; SIGTERM, bounded wait.
  3. The database (pdt.db plus any -wal/-shm) is copied twice: A and B.
  4. Cold pass, `pdt sync --commits` on A with SYNC_CONCURRENCY=CONCURRENCY (4).
  5. Cold pass on B with SYNC_CONCURRENCY=1: strictly one request at a time
     (the original's pattern); ratio concurrent/sequential wall time.
  6. Second pass on A with no upstream change: requests, statuses, rate-limit units.
  7. Third pass on A after 3 new commits on one branch of one repository.
For every pass: wall time, requests (the fake's log), statuses, rate-limit
units, the fake's peak in-flight requests, exit status, commits stored, and
pdt's peak RSS (ru_maxrss from os.wait4).

Peak RSS: Linux folds the RSS of the process that forked a child into that
child's ru_maxrss (the hiwater of the pre-exec address space is kept across
exec). Forked straight from this script, which holds the whole fake, `pdt sync`
would report this script's size. So each pass runs under RUSAGE_WRAPPER, a
minimal `python3 -I -S` (hiwater ~8 MB, below pdt's own ~9 MB at start), which
forks+execs pdt, reaps it with os.wait4 and writes its rusage and wall time.

env: REPOS=50 BRANCHES=5 COMMITS=400 LATENCY_MS=20 CONCURRENCY=4
     PASS_TIMEOUT=300 (seconds, per sync pass)  PDT_BIN (default build/pdt)
     KEEP_TMP=1 (keep the temp dir: DBs, pdt logs, sync output)
     BASE_BIN=/path/to/other/pdt, or BASE_REV=<git rev> (built in a temporary git
     worktree): run every pass with that build too, on the same fake, and print
     both side by side with the new/base ratios
     STRICT=1 (also exit 1 when an aim is missed)
Exit status: 0 all passes ran and the counts are right; 1 otherwise.
"""

import collections
import json
import os
import platform
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
from fakes import FakeGitHub  # noqa: E402
from benchlib import (  # noqa: E402
    Api,
    BenchError,
    HOST,
    Procs,
    RUSAGE_WRAPPER,
    START_WAIT_S,
    base_env,
    copy_db,
    env_int,
    free_port,
    git_desc,
    log,
    mb,
    tail,
)

OWNER = "bench"
GH_TOKEN = "ghp_bench"
GH_LOGIN = "bench"
BIG_BUDGET = 1_000_000
EXTRA_REPO, EXTRA_BRANCH, EXTRA_N = "repo07", "feature/2", 3

# Runs argv[2:] as a child, reaps it with os.wait4 and writes {rc, wall,
# maxrss_kb, utime, stime, wrapper_hwm_kb, pid} as JSON to argv[1]. SIGTERM and
# SIGINT are forwarded to the child. Exits with the child's status.

# pdt configuration variables never inherited from the caller's environment












# ---------------------------------------------------------------- processes



# ---------------------------------------------------------------- pdt serve setup





def setup_db(procs, pdt, tmp, secrets_, gh_url, repo_names):
    """Runs pdt serve on tmp/setup/pdt.db, creates user + token + repositories,
    stops it. Returns (db path, setup seconds, user id)."""
    d = os.path.join(tmp, "setup")
    os.makedirs(d)
    db = os.path.join(d, "pdt.db")
    port = free_port()
    env = base_env(db, secrets_)
    env.update({"SERVER_ADDR": HOST, "SERVER_PORT": str(port), "GITHUB_API_URL": gh_url})
    logf = os.path.join(d, "serve.log")
    t0 = time.monotonic()
    with open(logf, "wb") as out:
        p = procs.spawn("pdt serve", [pdt, "serve"], cwd=d, env=env, stdout=out,
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
    user_id = (reg.get("user") or {}).get("id") if isinstance(reg.get("user"), dict) else None
    st, body = api.call("PUT", "/api/user/profile", {"github_token": GH_TOKEN}, token=token)
    if st != 200:
        raise BenchError("PUT /api/user/profile answered %s: %s" % (st, body))
    for full in repo_names:
        st, body = api.call("POST", "/api/repos", {"url": "https://github.com/" + full}, token=token)
        if st != 201:
            raise BenchError("POST /api/repos %s answered %s: %s" % (full, st, body))
    rc, _ = procs.stop(p, "pdt serve")
    if rc != 0:
        raise BenchError("pdt serve exited %s after SIGTERM (want 0):\n%s" % (rc, tail(logf)))
    return db, time.monotonic() - t0, user_id




def db_counts(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        total = con.execute("SELECT count(*) FROM commits").fetchone()[0]
        distinct = con.execute("SELECT count(*) FROM (SELECT DISTINCT repo_id, sha FROM commits)").fetchone()[0]
        return total, distinct
    finally:
        con.close()


# ---------------------------------------------------------------- sync passes

def classify(path):
    if "/compare/" in path:
        return "compare"
    if "/commits" in path:
        return "commits"
    if "/branches" in path:
        return "branches"
    if path.startswith("/repos/") or path.startswith("/repositories/"):
        return "repo"
    return path.strip("/").split("/")[0] or "/"


def run_pass(procs, pdt, gh, label, db, secrets_, gh_url, concurrency, timeout):
    """One `pdt sync --commits` on db. Returns a result dict."""
    d = os.path.dirname(db)
    env = base_env(db, secrets_)
    env.update({"GITHUB_API_URL": gh_url, "SYNC_CONCURRENCY": str(concurrency)})
    before_db = db_counts(db)
    # a request the fake is still finishing (answer sent, handler not done)
    # would count in this pass's in-flight peak: wait for none, bounded
    deadline = time.monotonic() + 5
    while gh.in_flight and time.monotonic() < deadline:
        time.sleep(0.02)
    budget_before = gh.budget(GH_TOKEN)
    gh.reset_log()
    out_path = os.path.join(d, "sync-%s.out" % label)
    err_path = os.path.join(d, "sync-%s.log" % label)
    log("pass %-10s SYNC_CONCURRENCY=%d on %s" % (label, concurrency, db))
    ru_path = os.path.join(d, "sync-%s.rusage.json" % label)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        p = procs.spawn("pdt sync", [sys.executable, "-I", "-S", "-c", RUSAGE_WRAPPER, ru_path,
                                     pdt, "sync", "--commits"],
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
    wall = ru["wall"] if ru else outer_wall
    entries = gh.log()
    budget_after = gh.budget(GH_TOKEN)
    after_db = db_counts(db)
    statuses = collections.Counter(e["status"] for e in entries)
    kinds = collections.Counter(classify(e["path"]) for e in entries)
    conditional = sum(1 for e in entries if (e.get("headers") or {}).get("If-None-Match"))
    lines = open(out_path, errors="replace").read().splitlines()
    new_sum = fetched_sum = 0
    ok_repos, err_lines = 0, []
    for ln in lines:
        if ": error: " in ln:
            err_lines.append(ln)
            continue
        parts = ln.rsplit(": ", 1)
        if len(parts) == 2 and parts[1].endswith(" fetched"):
            w = parts[1].split()
            try:
                new_sum += int(w[0])
                fetched_sum += int(w[3])
                ok_repos += 1
            except (ValueError, IndexError):
                err_lines.append(ln)
    return {
        "label": label, "concurrency": concurrency, "rc": rc, "timed_out": timed_out,
        "wall": wall, "maxrss_kb": ru["maxrss_kb"] if ru else None,
        "cpu_s": (ru["utime"] + ru["stime"]) if ru else None,
        "wrapper_hwm_kb": ru["wrapper_hwm_kb"] if ru else None,
        "requests": len(entries), "statuses": dict(sorted(statuses.items())),
        "kinds": dict(sorted(kinds.items())), "conditional": conditional,
        "units": gh.rate_units_used(GH_TOKEN),
        "budget_used": (budget_after.get("used", 0) - budget_before.get("used", 0)),
        "max_in_flight": gh.max_in_flight,
        "stored_before": before_db[0], "stored": after_db[0], "distinct": after_db[1],
        "new_reported": new_sum, "fetched_reported": fetched_sum,
        "ok_repos": ok_repos, "err_lines": err_lines, "lines": len(lines),
        "stderr_tail": tail(err_path, 15),
        "warn_lines": sum(1 for l in open(err_path, errors="replace") if "level=warn" in l),
        "error_lines": sum(1 for l in open(err_path, errors="replace")
                           if "level=error" in l or "level=fatal" in l),
    }


def expected_distinct(gh, repo_names, branches):
    total = 0
    for full in repo_names:
        o, n = full.split("/", 1)
        shas = set()
        for b in branches:
            shas.update(gh.branch_shas(o, n, b))
        total += len(shas)
    return total


def truth(gh, repo_names, lookback_days=30):
    """{(full name, sha): branch} as pdt must store them: every branch's commits with
    a committer date inside the window, attributed to the default branch when on
    it, else to the first branch by name that has it."""
    now = time.time()
    out = {}
    for full in repo_names:
        repo = gh.get_repo(full)
        order = sorted(repo.branches)
        if repo.default_branch in order:
            order.remove(repo.default_branch)
            order.insert(0, repo.default_branch)
        for b in order:
            for sha in repo.branches[b]:
                if repo.commits[sha].committer_date >= now - lookback_days * 86400:
                    out.setdefault((full, sha), b)
    return out


def check_truth(db, want):
    """Problems (a list of text) when the stored commits differ from `want`."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        rows = con.execute("SELECT r.owner || '/' || r.name, c.sha, c.branch FROM commits c "
                           "JOIN repositories r ON r.id = c.repo_id").fetchall()
    finally:
        con.close()
    got = {(full, sha): branch for full, sha, branch in rows}
    problems = []
    missing = set(want) - set(got)
    extra = set(got) - set(want)
    wrong = [k for k in set(want) & set(got) if want[k] != got[k]]
    if missing:
        problems.append("%d commits of the fake missing, e.g. %s" % (len(missing), min(missing)))
    if extra:
        problems.append("%d commits stored that no branch has, e.g. %s" % (len(extra), min(extra)))
    if wrong:
        k = min(wrong)
        problems.append("%d commits with the wrong branch, e.g. %s: %s (want %s)"
                        % (len(wrong), k, got[k], want[k]))
    return problems


# ---------------------------------------------------------------- report

def fmt_statuses(st):
    return " ".join("%s:%d" % (k, v) for k, v in st.items()) or "-"


def build_base(rev, tmp):
    """Builds pdt at git revision `rev` in a temporary worktree under tmp; returns
    the binary's path. The worktree is removed again by remove_base."""
    wt = os.path.join(tmp, "base-src")
    log("building base revision %s in a temporary worktree %s" % (rev, wt))
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", wt, rev], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    bdir = os.path.join(wt, "build")
    blog = os.path.join(tmp, "base-build.log")
    with open(blog, "wb") as f:
        for argv in (["cmake", "-S", wt, "-B", bdir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
                     ["cmake", "--build", bdir, "--target", "pdt", "--parallel",
                      str(os.cpu_count() or 1)]):
            if subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT).returncode != 0:
                raise BenchError("building %s failed:\n%s" % (rev, tail(blog, 30)))
    return os.path.join(bdir, "pdt"), wt


def remove_base(wt):
    if wt:
        subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", wt],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def print_build(b, repos):
    hdr = "%-10s %4s %8s %8s %7s %4s %6s %8s %7s %9s %7s %6s %3s  %s"
    print("--- build %s: %s" % (b["name"], b["desc"]))
    print(hdr % ("pass", "conc", "wall_s", "requests", "req/s", "infl", "units", "stored",
                 "new", "commits/s", "rss_MB", "cpu_s", "rc", "statuses"))
    for r in b["results"]:
        print(hdr % (r["label"], r["concurrency"], "%.2f" % r["wall"], r["requests"],
                     "%.1f" % (r["requests"] / r["wall"] if r["wall"] else 0), r["max_in_flight"],
                     r["units"], r["stored"], r["new_reported"],
                     "%.0f" % ((r["stored"] - r["stored_before"]) / r["wall"] if r["wall"] else 0),
                     mb(r["maxrss_kb"]), "%.2f" % (r["cpu_s"] or 0),
                     "T/O" if r["timed_out"] else r["rc"], fmt_statuses(r["statuses"])))
    for r in b["results"]:
        print("  %-10s requests by kind: %s; conditional (If-None-Match) %d; sync log %d warn, %d error"
              % (r["label"], " ".join("%s:%d" % kv for kv in r["kinds"].items()) or "-",
                 r["conditional"], r["warn_lines"], r["error_lines"]))
    cold, seq, second = b["cold"], b["seq"], b["second"]
    print("  cold pass   %.2fs wall, %d requests (%.1f per repository), SYNC_CONCURRENCY=%d"
          % (cold["wall"], cold["requests"], cold["requests"] / float(repos), cold["concurrency"]))
    print("  sequential  %.2fs wall, %d requests (SYNC_CONCURRENCY=1, max in flight %d);"
          " cold/sequential = %.3f"
          % (seq["wall"], seq["requests"], seq["max_in_flight"], b["ratio"]))
    print("  no change   %d requests (%.2f per repository), %d rate-limit units, statuses %s"
          % (second["requests"], second["requests"] / float(repos), second["units"],
             fmt_statuses(second["statuses"])))
    if b.get("third"):
        t = b["third"]
        print("  3 new       %d requests, %d rate-limit units, %d new commits stored, %.2fs"
              % (t["requests"], t["units"], t["stored"] - t["stored_before"], t["wall"]))
    print()


def main():
    repos = env_int("REPOS", 50, 1)
    nbranches = env_int("BRANCHES", 5, 1)
    ncommits = env_int("COMMITS", 400, 1)
    latency = env_int("LATENCY_MS", 20, 0)
    conc = env_int("CONCURRENCY", 4, 1)
    pass_timeout = env_int("PASS_TIMEOUT", 300, 1)
    strict = os.environ.get("STRICT") == "1"
    keep = os.environ.get("KEEP_TMP") == "1"
    pdt = os.environ.get("PDT_BIN") or os.path.join(ROOT, "build", "pdt")
    if not os.access(pdt, os.X_OK):
        raise BenchError("no executable pdt at %s (run bench/sync.sh, or set PDT_BIN)" % pdt)
    pdt = os.path.abspath(pdt)
    base_bin = os.environ.get("BASE_BIN") or ""
    base_rev = os.environ.get("BASE_REV") or ""
    if base_bin and base_rev:
        raise BenchError("set BASE_BIN or BASE_REV, not both")

    tmp = tempfile.mkdtemp(prefix="pdt-syncbench.")
    procs = Procs()
    gh = FakeGitHub()
    failures = []
    base_wt = None

    def on_signal(sig, _frame):
        raise KeyboardInterrupt("signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        builds = [{"name": "new", "bin": pdt, "desc": "%s (%s)" % (git_desc(), pdt)}]
        if base_rev:
            bb, base_wt = build_base(base_rev, tmp)
            builds.append({"name": "base", "bin": bb, "desc": "revision %s (%s)" % (base_rev, bb)})
        elif base_bin:
            if not os.access(base_bin, os.X_OK):
                raise BenchError("no executable BASE_BIN at %s" % base_bin)
            bb = os.path.abspath(base_bin)
            builds.append({"name": "base", "bin": bb, "desc": bb})

        gh_url = gh.start()
        t0 = time.monotonic()
        repo_names = gh.populate(owner=OWNER, repos=repos, branches=nbranches, commits=ncommits,
                                 tokens={GH_TOKEN: GH_LOGIN})
        populate_s = time.monotonic() - t0
        gh.set_budget(GH_TOKEN, BIG_BUDGET, reset_in_seconds=24 * 3600, limit=BIG_BUDGET)
        branch_names = ["main"] + ["feature/%d" % k for k in range(1, nbranches)]
        listed = repos * nbranches * ncommits
        want = expected_distinct(gh, repo_names, branch_names)
        log("fake GitHub at %s: %d repos x %d branches x %d commits (%d listed, %d distinct) in %.2fs"
            % (gh_url, repos, nbranches, ncommits, listed, want, populate_s))
        secrets_ = {"jwt": secrets.token_hex(32), "key": secrets.token_hex(32)}

        def check(r, want_new, want_stored, want_repos=repos):
            problems = []
            if r["timed_out"]:
                problems.append("did not finish within PASS_TIMEOUT=%ds" % pass_timeout)
            if r["rc"] != 0:
                problems.append("exit status %s (want 0)" % r["rc"])
            if r["err_lines"]:
                problems.append("%d repositories failed, e.g. %s" % (len(r["err_lines"]), r["err_lines"][0]))
            if r["ok_repos"] != want_repos:
                problems.append("%d repositories reported ok (want %d)" % (r["ok_repos"], want_repos))
            if r["stored"] != want_stored:
                problems.append("%d commits stored (want %d)" % (r["stored"], want_stored))
            if r["stored"] != r["distinct"]:
                problems.append("%d rows but %d distinct (repo, sha)" % (r["stored"], r["distinct"]))
            if r["new_reported"] != want_new:
                problems.append("reported %d new (want %d)" % (r["new_reported"], want_new))
            problems += check_truth(r["db"], truth(gh, repo_names))
            if problems:
                r["problems"] = problems
                for p in problems:
                    failures.append("%s %s: %s" % (r["build"], r["label"], p))
                log("pass %s %s FAILED: %s\n%s" % (r["build"], r["label"], "; ".join(problems),
                                                  r["stderr_tail"]))
            return r

        def one(b, label, db, concurrency, want_new, want_stored):
            r = run_pass(procs, b["bin"], gh, "%s-%s" % (b["name"], label), db, secrets_, gh_url,
                         concurrency, pass_timeout)
            r["label"], r["build"], r["db"] = label, b["name"], db
            r = check(r, want_new, want_stored)
            b["results"].append(r)
            return r

        # every build's cold, sequential and no-change passes on the same fake data
        for b in builds:
            gh.set_faults(latency_ms=0)
            log("build %s: pdt serve: register, github token, %d repositories" % (b["name"], repos))
            bt = os.path.join(tmp, b["name"])
            os.makedirs(bt)
            setup_db_path, b["setup_s"], _ = setup_db(procs, b["bin"], bt, secrets_, gh_url,
                                                      repo_names)
            if db_counts(setup_db_path)[0] != 0:
                raise BenchError("the fresh database already holds commits")
            b["db_a"] = copy_db(setup_db_path, os.path.join(bt, "a"))
            db_b = copy_db(setup_db_path, os.path.join(bt, "b"))
            gh.set_faults(latency_ms=latency)
            b["results"] = []
            b["cold"] = one(b, "cold-conc", b["db_a"], conc, want, want)
            b["seq"] = one(b, "cold-seq", db_b, 1, want, want)
            b["second"] = one(b, "no-change", b["db_a"], conc, 0, want)
            b["ratio"] = (b["cold"]["wall"] / b["seq"]["wall"] if b["seq"]["wall"] > 0
                          else float("nan"))
        extra = []
        if repos > int(EXTRA_REPO[4:]) and nbranches > int(EXTRA_BRANCH.split("/")[1]):
            # dated in the past (60, 50, 40 s ago), on top of the branch head
            extra = gh.add_commits(OWNER, EXTRA_REPO, EXTRA_BRANCH, EXTRA_N,
                                   start_date=time.time() - 60, interval_seconds=10)
            for b in builds:
                b["third"] = one(b, "3-new", b["db_a"], conc, len(extra), want + len(extra))
        else:
            log("pass 3-new skipped: needs REPOS > 7 and BRANCHES > 2")

        # ------------------------------------------------ report
        new = builds[0]
        base = builds[1] if len(builds) > 1 else None
        peak_kb = max((r["maxrss_kb"] or 0) for r in new["results"])
        aims = [
            ("cold pass <= 1/3 of sequential", new["ratio"] <= 1.0 / 3, "ratio %.3f" % new["ratio"]),
            ("no-change pass <= 1 request/repository", new["second"]["requests"] <= repos,
             "%d requests for %d repositories" % (new["second"]["requests"], repos)),
            ("no-change pass 0 rate-limit units",
             new["second"]["units"] == 0 and new["second"]["budget_used"] == 0,
             "%d units (budget used %d)" % (new["second"]["units"], new["second"]["budget_used"])),
            ("peak RSS < 30 MB", peak_kb < 30 * 1024, "%s MB" % mb(peak_kb)),
        ]
        if base:
            rq = new["cold"]["requests"] / float(base["cold"]["requests"] or 1)
            tm = new["cold"]["wall"] / (base["cold"]["wall"] or float("nan"))
            aims += [("cold requests <= 40% of base", rq <= 0.4, "%.3f: %d vs %d" % (
                          rq, new["cold"]["requests"], base["cold"]["requests"])),
                     ("cold time <= 40% of base", tm <= 0.4, "%.3f: %.2fs vs %.2fs" % (
                          tm, new["cold"]["wall"], base["cold"]["wall"]))]

        print()
        print("=== pdt commit sync benchmark ======================================")
        print("date       %s   host: %d cores, %s %s" % (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), os.cpu_count() or 0,
            platform.system(), platform.release()))
        print("fake       GitHub (tests/fakes, in-process) %d repos x %d branches x %d commits = %d listed,"
              " %d distinct; %d ms latency per request; budget %d" % (
                  repos, nbranches, ncommits, listed, want, latency, BIG_BUDGET))
        print("(infl = most requests the fake had in flight at once; units = GitHub rate-limit units;"
              " commits/s = commits newly stored / wall; every pass is checked against the fake's"
              " truth: all commits in the window, once, with the right branch)")
        print()
        for b in builds:
            print_build(b, repos)
        if base:
            print("--- new vs base ---")
            hdr = "%-28s %12s %12s %8s"
            print(hdr % ("", "new", "base", "new/base"))
            rows = [("cold requests", new["cold"]["requests"], base["cold"]["requests"]),
                    ("cold wall s", new["cold"]["wall"], base["cold"]["wall"]),
                    ("sequential requests", new["seq"]["requests"], base["seq"]["requests"]),
                    ("sequential wall s", new["seq"]["wall"], base["seq"]["wall"]),
                    ("cold/sequential", new["ratio"], base["ratio"]),
                    ("no-change requests", new["second"]["requests"], base["second"]["requests"])]
            if new.get("third") and base.get("third"):
                rows.append(("3-new requests", new["third"]["requests"], base["third"]["requests"]))
            for name, a, c in rows:
                fa = "%.3f" % a if isinstance(a, float) else str(a)
                fc = "%.3f" % c if isinstance(c, float) else str(c)
                print(hdr % (name, fa, fc, "%.3f" % (a / c) if c else "-"))
            print()
        print("--- summary ---")
        print("peak RSS     %s MB (max ru_maxrss of the new build's pdt sync processes)" % mb(peak_kb))
        for name, ok, detail in aims:
            print("aim          %-40s %s  (%s)" % (name, "met" if ok else "MISSED", detail))
        shown = "; ".join(failures[:6]) + ("; ... (%d more)" % (len(failures) - 6) if len(failures) > 6 else "")
        print("result       %s" % ("all passes ok" if not failures else "FAILED: " + shown))
        print("====================================================================")
        if strict and not all(ok for _, ok, _ in aims):
            return 1
        return 1 if failures else 0
    finally:
        procs.stop_all()
        try:
            gh.stop()
        except Exception as e:  # noqa: BLE001 - cleanup must go on
            log("fake stop: %s" % e)
        remove_base(base_wt)
        if keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("sync.py: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("sync.py: interrupted", file=sys.stderr)
        sys.exit(130)
