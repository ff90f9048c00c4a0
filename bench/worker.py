#!/usr/bin/env python3
"""bench/worker.py — pdt serve's HTTP latency while its worker syncs (stdlib only).

Run through bench/worker.sh (which builds pdt). Steps:
  1. FakeGitHub in this process: REPOS x BRANCHES x COMMITS (default 50 x 5 x 400:
     40,000 distinct commits), plus a one-commit repository `bench/seeded`, a
     budget big enough that nothing is throttled.
  2. `pdt serve` (SYNC_ENABLED=false) on a temporary SQLite database (cwd = the
     temp dir, so no stray .env is read): register a user, store the GitHub
     token, add the 50 repositories and `seeded`; SIGTERM, bounded wait. Then
     SEED_COMMITS (10,000) commits go straight into SQLite for `seeded` (the SQL
     of bench/api.sh), so GET /api/commits has data. LATENCY_MS (20) from here on.
  3. idle: a copy of that database, pdt serve with SYNC_ENABLED=false; wrk
     -t2 -c16 -dDURATION s --latency on GET /api/sync/status, then on
     GET /api/commits?limit=100 (both authenticated).
  4. busy: for each route, a fresh copy of the same database and pdt serve with
     SYNC_ENABLED=true SYNC_INTERVAL_COMMITS=1h SYNC_INTERVAL_JIRA=1h, so the
     worker's start-up pass syncs every repository; wrk starts right after
     /healthz answers. The fake's log gives the pass's window (first request to
     last answer) and how much of the wrk window overlapped it; the fake's
     in-flight count is sampled during the load too. When the serve log shows
     "worker pass source=commits", pdt's VmHWM is read from /proc/PID/status.
     One pass per route, so both routes are measured under a running pass.
  5. control: GET /api/commits on the first busy database after its pass (all
     the commits stored), worker off — the listing is sorted over every row of
     the user, so this separates table growth from the worker's contention.
  6. shutdown: a fresh copy, the fake set to hang (hang_seconds=120), pdt serve
     with SYNC_ENABLED=true SHUTDOWN_TIMEOUT=10s; once the fake holds a request
     in flight, SIGTERM; time to exit, exit status, and whether pdt logged
     "shutdown complete" or its watchdog's "shutdown timeout reached".
Aims (STRICT=1 turns a miss into exit 1): busy/idle p50 and p99 <= 2x for each
route, peak RSS of pdt serve during the pass < 30 MB, exit 0 within
SHUTDOWN_AIM_S (2 s, well under SHUTDOWN_TIMEOUT=10s) after SIGTERM.

pdt serve is started straight from this script (no wrapper): VmHWM in
/proc/PID/status belongs to the exec'ed image's own address space, so it does
not inherit this process's size the way ru_maxrss does (see bench/sync.py).

env: DURATION=8 WRK_TIMEOUT=30s REPOS=50 BRANCHES=5 COMMITS=400 LATENCY_MS=20
     SEED_COMMITS=10000 PASS_TIMEOUT=120 PDT_BIN (default build/pdt)
     KEEP_TMP=1 (keep the temp dir: DBs, pdt logs, wrk output)
     STRICT=1 (also exit 1 when an aim is missed)
Exit status: 0 every phase ran and answered as it should; 1 otherwise.
"""

import hashlib
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
from fakes import FakeGitHub  # noqa: E402
from benchlib import (  # noqa: E402
    Api,
    BenchError,
    HOST,
    Procs,
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
SEEDED = "seeded"           # the extra repository the commits are seeded into
GH_TOKEN = "ghp_bench"
GH_LOGIN = "bench"
BIG_BUDGET = 1_000_000
WRK_THREADS, WRK_CONNS = 2, 16
SHUTDOWN_TIMEOUT_S = 10
HANG_S = 120
AIM_RATIO = 2.0
AIM_RSS_MB = 30
SHUTDOWN_AIM_S = 2.0
ROUTES = (("status", "/api/sync/status"), ("commits", "/api/commits?limit=100"))

# pdt configuration variables never inherited from the caller's environment

PASS_RE = re.compile(r"worker pass source=commits (.*)$", re.M)












def vm_kb(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


# ---------------------------------------------------------------- processes



# ---------------------------------------------------------------- pdt serve





class Serve:
    """One `pdt serve` on a database directory."""

    def __init__(self, procs, pdt, db, secrets_, gh_url, extra_env=None):
        self.procs = procs
        self.dir = os.path.dirname(db)
        self.port = free_port()
        env = base_env(db, secrets_)
        env.update({"SERVER_ADDR": HOST, "SERVER_PORT": str(self.port), "GITHUB_API_URL": gh_url})
        env.update(extra_env or {})
        self.logf = os.path.join(self.dir, "serve.log")
        with open(self.logf, "wb") as out:
            self.p = procs.spawn("pdt serve", [pdt, "serve"], cwd=self.dir, env=env, stdout=out,
                                 stderr=subprocess.STDOUT)
        self.pid = self.p.pid
        self.api = Api(self.port)
        self.base = self.api.base

    def wait_healthy(self):
        deadline = time.monotonic() + START_WAIT_S
        while True:
            if self.p.poll() is not None:
                raise BenchError("pdt serve exited with %s during start:\n%s"
                                 % (self.p.returncode, tail(self.logf)))
            try:
                if self.api.call("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() >= deadline:
                raise BenchError("pdt serve did not answer /healthz within %ds:\n%s"
                                 % (START_WAIT_S, tail(self.logf)))
            time.sleep(0.05)

    def alive(self):
        return self.p.pid in self.procs.live and self.p.poll() is None

    def scan_log(self, regex):
        """The first match of regex in a log line written since the last call
        (reads only the new bytes: pdt logs every HTTP request, so under wrk the
        log grows by ~100,000 lines a run). None when no new line matches."""
        if not hasattr(self, "_fh"):
            self._fh = open(self.logf, "rb")
            self._part = b""
        data = self._part + self._fh.read()
        cut = data.rfind(b"\n") + 1
        self._part = data[cut:]
        for line in data[:cut].decode(errors="replace").splitlines():
            m = regex.search(line)
            if m:
                return m
        return None

    def close_log(self):
        if hasattr(self, "_fh"):
            self._fh.close()
            del self._fh

    def log_text(self):
        try:
            with open(self.logf, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        rc, _ = self.procs.stop(self.p, "pdt serve")
        self.close_log()
        return rc




def db_commits(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM commits").fetchone()[0]
    finally:
        con.close()


def sync_last_error(db):
    """sync_status.last_error of the commits source (what GET /api/sync/status shows)."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        row = con.execute("SELECT last_error FROM sync_status WHERE source = 'commits'").fetchone()
        return row[0] if row else None
    except sqlite3.Error as e:
        return "(%s)" % e
    finally:
        con.close()


def seed_commits(db, repo_id, n):
    """bench/api.sh's seeding: n commits of repo_id, 2 in 3 naming a card."""
    con = sqlite3.connect(db, timeout=30, isolation_level=None)
    try:
        now = int(time.time())
        rows = []
        for i in range(n):
            sha = hashlib.sha1(("pdt-bench-%d-%d" % (repo_id, i)).encode()).hexdigest()
            author = i % 17
            if i % 3 == 0:
                key, link = None, 0
                msg = "chore: tidy bench module %d\n\nNo ticket for this one." % i
            else:
                key, link = "PROJ-%d" % (i % 500 + 1), 1
                msg = "%s: implement bench feature step %d\n\nLonger description of the change." % (key, i)
            rows.append((repo_id, sha, msg, "Bench Author %d" % author,
                         "author%d@example.com" % author, "main", now - i * 60, key, link, now, repo_id))
        con.execute("BEGIN IMMEDIATE")
        con.executemany(
            "INSERT INTO commits (repo_id, sha, message, author, author_email, branch, date,"
            " jira_card_key, has_link, created_at, user_id) VALUES (?,?,?,?,?,?,?,?,?,?,"
            " (SELECT user_id FROM repositories WHERE id = ?))", rows)
        con.execute("COMMIT")
        got = con.execute("SELECT count(*) FROM commits WHERE repo_id = ?", (repo_id,)).fetchone()[0]
    finally:
        con.close()
    if got != n:
        raise BenchError("seeded %d commits, want %d" % (got, n))


def setup_db(procs, pdt, tmp, secrets_, gh_url, repo_names, nseed):
    """pdt serve on tmp/setup/pdt.db: user, GitHub token, the repositories plus
    SEEDED; stops it and seeds the commits. Returns (db, seconds, jwt)."""
    d = os.path.join(tmp, "setup")
    os.makedirs(d)
    db = os.path.join(d, "pdt.db")
    t0 = time.monotonic()
    s = Serve(procs, pdt, db, secrets_, gh_url)
    s.wait_healthy()
    api = s.api
    email = "bench-%s@example.com" % secrets.token_hex(4)
    st, reg = api.call("POST", "/api/auth/register",
                       {"email": email, "password": "bench-password-123", "name": "Bench"})
    if st != 201 or not isinstance(reg, dict) or "token" not in reg:
        raise BenchError("register answered %s: %s" % (st, reg))
    token = reg["token"]
    st, body = api.call("PUT", "/api/user/profile", {"github_token": GH_TOKEN}, token=token)
    if st != 200:
        raise BenchError("PUT /api/user/profile answered %s: %s" % (st, body))
    seeded_id = None
    for full in list(repo_names) + ["%s/%s" % (OWNER, SEEDED)]:
        st, body = api.call("POST", "/api/repos", {"url": "https://github.com/" + full}, token=token)
        if st != 201:
            raise BenchError("POST /api/repos %s answered %s: %s" % (full, st, body))
        if full.endswith("/" + SEEDED):
            seeded_id = body.get("id") if isinstance(body, dict) else None
    if not isinstance(seeded_id, int):
        raise BenchError("no id in the POST /api/repos answer for %s" % SEEDED)
    rc = s.stop()
    if rc != 0:
        raise BenchError("pdt serve exited %s after SIGTERM (want 0):\n%s" % (rc, tail(s.logf)))
    seed_commits(db, seeded_id, nseed)
    return db, time.monotonic() - t0, token


# ---------------------------------------------------------------- wrk

def to_ms(text):
    m = re.match(r"^([0-9.]+)(us|ms|s|m)$", text.strip())
    if not m:
        return None
    v = float(m.group(1))
    return v * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def parse_wrk(text):
    out = {"p50": None, "p99": None, "rps": None, "requests": None, "non2xx": 0, "sockerr": ""}
    for line in text.splitlines():
        w = line.split()
        if len(w) >= 2 and w[0] == "50%":
            out["p50"] = to_ms(w[1])
        elif len(w) >= 2 and w[0] == "99%":
            out["p99"] = to_ms(w[1])
        elif line.startswith("Requests/sec:"):
            out["rps"] = float(w[1])
        elif "requests in" in line:
            out["requests"] = int(w[0])
        elif "Non-2xx or 3xx responses:" in line:
            out["non2xx"] = int(w[-1])
        elif line.strip().startswith("Socket errors:"):
            out["sockerr"] = line.split(":", 1)[1].strip()
    return out


def wrk_argv(duration, timeout, token, url):
    return ["wrk", "-t%d" % WRK_THREADS, "-c%d" % WRK_CONNS, "-d%ds" % duration, "--latency",
            "--timeout", timeout, "-H", "Authorization: Bearer " + token, url]


def run_wrk(procs, label, serve, route, duration, timeout, token, sampler=None):
    """Runs wrk against serve; sampler(now) is called every 50 ms meanwhile.
    Returns the parsed result plus the wrk window (monotonic)."""
    out_path = os.path.join(serve.dir, "wrk-%s.txt" % label)
    log("wrk %ds  %-13s %s%s" % (duration, label, serve.base, route))
    with open(out_path, "wb") as out:
        t0 = time.monotonic()
        p = procs.spawn("wrk", wrk_argv(duration, timeout, token, serve.base + route),
                        stdout=out, stderr=subprocess.STDOUT)
        deadline = t0 + duration + 60
        rc = None
        while rc is None:
            rc, _ = procs.reap(p, 0.05, poll=0.01)
            now = time.monotonic()
            if sampler is not None:
                sampler(now)
            if rc is None and now >= deadline:
                log("wrk %s still running %ds past its duration; killing" % (label, 60))
                rc, _ = procs.kill(p)
                break
        t1 = time.monotonic()
    text = open(out_path, errors="replace").read()
    r = parse_wrk(text)
    r.update({"label": label, "route": route, "t0": t0, "t1": t1, "rc": rc, "out": text})
    return r


# ---------------------------------------------------------------- phases

def idle_phase(procs, pdt, src_db, tmp, name, secrets_, gh_url, gh, token, duration,
               wrk_timeout, routes, failures):
    """pdt serve with the worker off; wrk on each route."""
    db = copy_db(src_db, os.path.join(tmp, name))
    gh.reset_log()
    s = Serve(procs, pdt, db, secrets_, gh_url)
    s.wait_healthy()
    for _, route in routes:
        st, body = s.api.call("GET", route, token=token)
        if st != 200:
            raise BenchError("%s: GET %s answered %s: %s" % (name, route, st, str(body)[:300]))
        if route.startswith("/api/commits") and not (isinstance(body, list) and len(body) == 100):
            raise BenchError("%s: GET %s returned %s items, want 100"
                             % (name, route, len(body) if isinstance(body, list) else body))
    res = {}
    for key, route in routes:
        r = run_wrk(procs, "%s-%s" % (name, key), s, route, duration, wrk_timeout, token)
        res[key] = r
        check_wrk(r, failures)
        if not s.alive():
            failures.append("%s: pdt serve died during the %s load" % (name, key))
            raise BenchError("pdt serve died:\n%s" % tail(s.logf))
    hwm = vm_kb(s.pid, "VmHWM")
    upstream = len(gh.log())
    rc = s.stop()
    if rc != 0:
        failures.append("%s: pdt serve exited %s after SIGTERM (want 0)" % (name, rc))
    if upstream:
        failures.append("%s: the fake got %d requests with SYNC_ENABLED=false" % (name, upstream))
    return {"wrk": res, "hwm_kb": hwm, "rc": rc, "rows": db_commits(db), "db": db}


def check_wrk(r, failures):
    if r["p50"] is None or r["p99"] is None:
        failures.append("%s: could not parse wrk's latency distribution" % r["label"])
    if r["non2xx"]:
        failures.append("%s: %d non-2xx answers" % (r["label"], r["non2xx"]))


def parse_pass(line):
    return {k: v for k, v in re.findall(r"(\w+)=(\"[^\"]*\"|\S+)", line)}


def busy_phase(procs, pdt, src_db, tmp, key, route, secrets_, gh_url, gh, token, duration,
               wrk_timeout, pass_timeout, want_rows, failures):
    """A fresh database, the worker on: wrk on route while the start-up pass runs."""
    name = "busy-" + key
    db = copy_db(src_db, os.path.join(tmp, name))
    deadline = time.monotonic() + 5
    while gh.in_flight and time.monotonic() < deadline:
        time.sleep(0.02)
    gh.reset_log()
    rows_before = db_commits(db)
    s = Serve(procs, pdt, db, secrets_, gh_url, {
        "SYNC_ENABLED": "true", "SYNC_INTERVAL_COMMITS": "1h", "SYNC_INTERVAL_JIRA": "1h"})
    t_start = time.monotonic()
    s.wait_healthy()
    t_healthy = time.monotonic()
    st = {"samples": 0, "busy": 0, "pass_line": None, "pass_seen": None, "hwm_kb": None,
          "in_flight_max": 0}

    def poll_pass(now):
        if st["pass_line"] is None:
            m = s.scan_log(PASS_RE)
            if m:
                st["hwm_kb"] = vm_kb(s.pid, "VmHWM")   # at the end of the pass
                st["pass_line"] = m.group(0)
                st["pass_seen"] = now

    def sampler(now):
        n = gh.in_flight
        st["samples"] += 1
        st["busy"] += 1 if n > 0 else 0
        st["in_flight_max"] = max(st["in_flight_max"], n)
        poll_pass(now)

    r = run_wrk(procs, name, s, route, duration, wrk_timeout, token, sampler)
    check_wrk(r, failures)
    # the rest of the pass, bounded
    deadline = t_start + pass_timeout
    while st["pass_line"] is None and time.monotonic() < deadline and s.alive():
        poll_pass(time.monotonic())
        time.sleep(0.05)
    if not s.alive():
        failures.append("%s: pdt serve died:\n%s" % (name, tail(s.logf)))
    if st["pass_line"] is None:
        failures.append("%s: no 'worker pass source=commits' line within PASS_TIMEOUT=%ds"
                        % (name, pass_timeout))
    hwm_after = vm_kb(s.pid, "VmHWM")
    rc = s.stop()
    if rc != 0:
        failures.append("%s: pdt serve exited %s after SIGTERM (want 0)" % (name, rc))
    entries = gh.log()
    p0 = min((e["time"] for e in entries), default=None)
    p1 = max((e.get("end_time") or e["time"] for e in entries), default=None)
    overlap = 0.0
    if p0 is not None and r["t1"] > r["t0"]:
        overlap = max(0.0, min(r["t1"], p1) - max(r["t0"], p0)) / (r["t1"] - r["t0"])
    fields = parse_pass(st["pass_line"] or "")
    rows = db_commits(db)
    if st["pass_line"] is not None:
        if fields.get("errors") != "0":
            failures.append("%s: the worker pass logged errors=%s" % (name, fields.get("errors")))
        if rows != want_rows:
            failures.append("%s: %d commits stored after the pass (want %d)" % (name, rows, want_rows))
    return {
        "name": name, "wrk": r, "pass": fields, "pass_line": st["pass_line"],
        "hwm_kb": st["hwm_kb"], "hwm_after_kb": hwm_after, "rc": rc,
        "requests": len(entries), "errors_upstream": sum(1 for e in entries if e["status"] >= 400),
        "pass_window": (p0, p1), "start_to_healthy": t_healthy - t_start,
        "wrk_after_start": r["t0"] - t_start,
        "pass_first_req_after_start": (p0 - t_start) if p0 is not None else None,
        "pass_end_after_start": (p1 - t_start) if p1 is not None else None,
        "wrk_end_after_start": r["t1"] - t_start,
        "overlap": overlap, "samples": st["samples"], "busy_samples": st["busy"],
        "in_flight_max": st["in_flight_max"], "rows_before": rows_before, "rows": rows, "db": db,
    }


def shutdown_phase(procs, pdt, src_db, tmp, secrets_, gh_url, gh, failures):
    """The fake hangs; SIGTERM while a request is in flight."""
    db = copy_db(src_db, os.path.join(tmp, "shutdown"))
    gh.reset_log()
    gh.set_faults(hang=True, hang_seconds=HANG_S)
    out = {"rc": None, "seconds": None, "graceful": False, "watchdog": False, "in_flight": 0}
    try:
        s = Serve(procs, pdt, db, secrets_, gh_url, {
            "SYNC_ENABLED": "true", "SYNC_INTERVAL_COMMITS": "1h", "SYNC_INTERVAL_JIRA": "1h",
            "SHUTDOWN_TIMEOUT": "%ds" % SHUTDOWN_TIMEOUT_S})
        s.wait_healthy()
        deadline = time.monotonic() + START_WAIT_S
        while gh.in_flight < 1 and time.monotonic() < deadline and s.alive():
            time.sleep(0.01)
        out["in_flight"] = gh.in_flight
        if out["in_flight"] < 1:
            failures.append("shutdown: the fake never had a request in flight")
        time.sleep(0.2)   # let the worker's other requests reach the hang too
        out["in_flight"] = gh.in_flight
        log("shutdown: SIGTERM with %d upstream requests hanging (SHUTDOWN_TIMEOUT=%ds)"
            % (out["in_flight"], SHUTDOWN_TIMEOUT_S))
        t0 = time.monotonic()
        try:
            os.kill(s.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        rc, _ = procs.reap(s.p, SHUTDOWN_TIMEOUT_S + 10, poll=0.002)
        secs = time.monotonic() - t0
        if rc is None:
            failures.append("shutdown: pdt serve still running %ds after SIGTERM; killed"
                            % (SHUTDOWN_TIMEOUT_S + 10))
            procs.kill(s.p)
        else:
            out["seconds"] = secs
            out["rc"] = rc
            if rc != 0:
                failures.append("shutdown: exit status %s (want 0)" % rc)
        text = s.log_text()
        out["graceful"] = "shutdown complete" in text
        out["watchdog"] = "shutdown timeout reached" in text
        m = PASS_RE.search(text)
        out["pass"] = parse_pass(m.group(0)) if m else {}
        out["last_error"] = sync_last_error(db)
    finally:
        gh.set_faults(hang=False)   # release the fake's hanging handlers
    return out


# ---------------------------------------------------------------- report





def ms(v):
    return "n/a" if v is None else "%.2f" % v


def ratio(a, b):
    return a / b if (a is not None and b) else None


def fr(v):
    return "n/a" if v is None else "%.2fx" % v


def main():
    duration = env_int("DURATION", 8, 1)
    wrk_timeout = os.environ.get("WRK_TIMEOUT") or "30s"
    repos = env_int("REPOS", 50, 1)
    nbranches = env_int("BRANCHES", 5, 1)
    ncommits = env_int("COMMITS", 400, 1)
    latency = env_int("LATENCY_MS", 20, 0)
    nseed = env_int("SEED_COMMITS", 10000, 100)
    pass_timeout = env_int("PASS_TIMEOUT", 120, 1)
    strict = os.environ.get("STRICT") == "1"
    keep = os.environ.get("KEEP_TMP") == "1"
    pdt = os.environ.get("PDT_BIN") or os.path.join(ROOT, "build", "pdt")
    if not os.access(pdt, os.X_OK):
        raise BenchError("no executable pdt at %s (run bench/worker.sh, or set PDT_BIN)" % pdt)
    if shutil.which("wrk") is None:
        raise BenchError("needs 'wrk' on PATH")
    pdt = os.path.abspath(pdt)

    tmp = tempfile.mkdtemp(prefix="pdt-workerbench.")
    procs = Procs()
    gh = FakeGitHub()
    failures = []

    def on_signal(sig, _frame):
        raise KeyboardInterrupt("signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        gh_url = gh.start()
        t0 = time.monotonic()
        repo_names = gh.populate(owner=OWNER, repos=repos, branches=nbranches, commits=ncommits,
                                 tokens={GH_TOKEN: GH_LOGIN})
        gh.add_repo(OWNER, SEEDED)
        gh.add_commits(OWNER, SEEDED, "main", 1)
        gh.set_budget(GH_TOKEN, BIG_BUDGET, reset_in_seconds=3600, limit=BIG_BUDGET)
        distinct = 1
        for full in repo_names:
            o, n = full.split("/", 1)
            shas = set()
            for b in ["main"] + ["feature/%d" % k for k in range(1, nbranches)]:
                shas.update(gh.branch_shas(o, n, b))
            distinct += len(shas)
        log("fake GitHub at %s: %d repos x %d branches x %d commits (+ %s/%s, %d distinct) in %.2fs"
            % (gh_url, repos, nbranches, ncommits, OWNER, SEEDED, distinct, time.monotonic() - t0))

        secrets_ = {"jwt": secrets.token_hex(32), "key": secrets.token_hex(32)}
        log("pdt serve: register, github token, %d + 1 repositories, %d seeded commits (%s)"
            % (repos, nseed, tmp))
        setup_db_path, setup_s, token = setup_db(procs, pdt, tmp, secrets_, gh_url, repo_names, nseed)
        want_rows = nseed + distinct
        gh.set_faults(latency_ms=latency)

        idle = idle_phase(procs, pdt, setup_db_path, tmp, "idle", secrets_, gh_url, gh, token,
                          duration, wrk_timeout, ROUTES, failures)
        busy = {}
        for key, route in ROUTES:
            busy[key] = busy_phase(procs, pdt, setup_db_path, tmp, key, route, secrets_, gh_url, gh,
                                   token, duration, wrk_timeout, pass_timeout, want_rows, failures)
        # control: the commits listing on a database holding everything, worker off
        full_src = busy[ROUTES[0][0]]["db"]
        control = idle_phase(procs, pdt, full_src, tmp, "idle-full", secrets_, gh_url, gh, token,
                             duration, wrk_timeout, [ROUTES[1]], failures)
        shut = shutdown_phase(procs, pdt, setup_db_path, tmp, secrets_, gh_url, gh, failures)

        # ------------------------------------------------ report
        rows = []
        for key, route in ROUTES:
            iw, bw = idle["wrk"][key], busy[key]["wrk"]
            rows.append((key, route, iw, bw, ratio(bw["p50"], iw["p50"]), ratio(bw["p99"], iw["p99"])))
        cw = control["wrk"]["commits"]
        peak_kb = max((b["hwm_kb"] or 0) for b in busy.values()) or None
        aims = []
        for key, route, iw, bw, r50, r99 in rows:
            aims.append(("%s busy/idle p50 <= %.0fx" % (key, AIM_RATIO),
                         r50 is not None and r50 <= AIM_RATIO, fr(r50)))
            aims.append(("%s busy/idle p99 <= %.0fx" % (key, AIM_RATIO),
                         r99 is not None and r99 <= AIM_RATIO, fr(r99)))
        aims.append(("peak RSS during the pass < %d MB" % AIM_RSS_MB,
                     peak_kb is not None and peak_kb < AIM_RSS_MB * 1024, "%s MB" % mb(peak_kb)))
        aims.append(("SIGTERM -> exit 0 in < %.0f s, graceful" % SHUTDOWN_AIM_S,
                     shut["rc"] == 0 and shut["seconds"] is not None
                     and shut["seconds"] < SHUTDOWN_AIM_S and shut["graceful"] and not shut["watchdog"],
                     "%s s, exit %s, %s" % ("n/a" if shut["seconds"] is None else "%.3f" % shut["seconds"],
                                            shut["rc"], "watchdog" if shut["watchdog"] else
                                            ("shutdown complete" if shut["graceful"] else "no shutdown line"))))

        print()
        print("=== pdt worker benchmark ===========================================")
        print("date       %s   host: %d cores, %s %s" % (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), os.cpu_count() or 0,
            platform.system(), platform.release()))
        print("pdt        %s  (%s)" % (git_desc(), pdt))
        print("fake       GitHub (tests/fakes, in-process) %d repos x %d branches x %d commits + %s/%s"
              " (1 commit): %d distinct; %d ms latency per request; budget %d"
              % (repos, nbranches, ncommits, OWNER, SEEDED, distinct, latency, BIG_BUDGET))
        print("data       %d commits seeded into %s/%s; setup %.2fs" % (nseed, OWNER, SEEDED, setup_s))
        print("load       wrk -t%d -c%d -d%ds --latency --timeout %s, authenticated, on 127.0.0.1"
              % (WRK_THREADS, WRK_CONNS, duration, wrk_timeout))
        print()
        hdr = "%-22s %9s %9s %9s %8s %7s  %s"
        print(hdr % ("run", "p50_ms", "p99_ms", "req/s", "requests", "non2xx", "commits in DB"))
        for key, route in ROUTES:
            iw = idle["wrk"][key]
            print(hdr % ("idle  " + key, ms(iw["p50"]), ms(iw["p99"]), iw["rps"], iw["requests"],
                         iw["non2xx"], idle["rows"]))
        for key, route in ROUTES:
            b = busy[key]
            bw = b["wrk"]
            print(hdr % ("busy  " + key, ms(bw["p50"]), ms(bw["p99"]), bw["rps"], bw["requests"],
                         bw["non2xx"], "%d -> %d" % (b["rows_before"], b["rows"])))
        print(hdr % ("idle  commits (full DB)", ms(cw["p50"]), ms(cw["p99"]), cw["rps"], cw["requests"],
                     cw["non2xx"], control["rows"]))
        print()
        for key, b in busy.items():
            pf = b["pass"]
            print("pass %-8s %s requests to the fake, %s s pass (dur_ms=%s), new_commits=%s repos=%s"
                  " errors=%s; from serve start: healthy %.2fs, wrk %.2f-%.2fs, upstream %s-%s s;"
                  " overlap %.0f%% of the wrk window; fake busy in %d of %d samples (max %d in flight)"
                  % (key, b["requests"],
                     "n/a" if "dur_ms" not in pf else "%.2f" % (int(pf["dur_ms"]) / 1000.0),
                     pf.get("dur_ms"), pf.get("new_commits"), pf.get("repos"), pf.get("errors"),
                     b["start_to_healthy"], b["wrk_after_start"], b["wrk_end_after_start"],
                     "n/a" if b["pass_first_req_after_start"] is None else "%.2f" % b["pass_first_req_after_start"],
                     "n/a" if b["pass_end_after_start"] is None else "%.2f" % b["pass_end_after_start"],
                     100 * b["overlap"], b["busy_samples"], b["samples"], b["in_flight_max"]))
        print("rss        pdt serve VmHWM at the end of the pass: %s; at stop: %s; worker off, after"
              " the loads: idle %s MB, idle-full (commits only) %s MB"
              % (", ".join("%s %s MB" % (k, mb(b["hwm_kb"])) for k, b in busy.items()),
                 ", ".join("%s %s MB" % (k, mb(b["hwm_after_kb"])) for k, b in busy.items()),
                 mb(idle["hwm_kb"]), mb(control["hwm_kb"])))
        sp = shut.get("pass") or {}
        le = shut.get("last_error")
        print("shutdown   fake had %d requests in flight at SIGTERM; the cancelled pass logged"
              " requests=%s errors=%s dur_ms=%s; sync status last_error: %s"
              % (shut["in_flight"], sp.get("requests"), sp.get("errors"), sp.get("dur_ms"),
                 "none" if le is None else repr(le[:90] + ("..." if len(le) > 90 else ""))))
        print()
        print("--- summary ---")
        for key, route, iw, bw, r50, r99 in rows:
            print("%-8s GET %-24s idle p50 %s ms p99 %s ms; busy p50 %s ms p99 %s ms;"
                  " busy/idle p50 %s p99 %s"
                  % (key, route, ms(iw["p50"]), ms(iw["p99"]), ms(bw["p50"]), ms(bw["p99"]), fr(r50), fr(r99)))
        print("control  GET /api/commits?limit=100 worker off on the synced DB (%d rows): p50 %s ms p99 %s ms;"
              " busy/this p50 %s p99 %s"
              % (control["rows"], ms(cw["p50"]), ms(cw["p99"]),
                 fr(ratio(busy["commits"]["wrk"]["p50"], cw["p50"])),
                 fr(ratio(busy["commits"]["wrk"]["p99"], cw["p99"]))))
        print("overlap  wrk window inside the worker's pass: %s"
              % ", ".join("%s %.0f%%" % (k, 100 * b["overlap"]) for k, b in busy.items()))
        print("pass     %s" % "; ".join("%s: %s s, %s new commits, %s requests, errors=%s" % (
            k, "n/a" if "dur_ms" not in b["pass"] else "%.2f" % (int(b["pass"]["dur_ms"]) / 1000.0),
            b["pass"].get("new_commits"), b["pass"].get("requests"), b["pass"].get("errors"))
            for k, b in busy.items()))
        print("peak RSS %s MB (pdt serve VmHWM at the end of the pass, max of the two busy runs)" % mb(peak_kb))
        print("shutdown SIGTERM with a hung upstream -> exit %s after %s s (SHUTDOWN_TIMEOUT=%ds; %s)"
              % (shut["rc"], "n/a" if shut["seconds"] is None else "%.3f" % shut["seconds"],
                 SHUTDOWN_TIMEOUT_S, "watchdog fired" if shut["watchdog"] else
                 ("'shutdown complete' logged" if shut["graceful"] else "no 'shutdown complete' line")))
        for name, ok, detail in aims:
            print("aim      %-40s %s  (%s)" % (name, "met" if ok else "MISSED", detail))
        shown = "; ".join(failures[:6]) + ("; ... (%d more)" % (len(failures) - 6) if len(failures) > 6 else "")
        print("result   %s" % ("all phases ok" if not failures else "FAILED: " + shown))
        print("====================================================================")
        if strict and not all(ok for _, ok, _ in aims):
            return 1
        return 1 if failures else 0
    finally:
        procs.stop_all()
        try:
            gh.set_faults(hang=False)
            gh.stop()
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
        print("worker.py: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("worker.py: interrupted", file=sys.stderr)
        sys.exit(130)
