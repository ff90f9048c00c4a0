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
users/min = USERS / that time. Steady-state users/min: from each user's
last upstream answer (the fake's log), the users finished between the 10th
and the 90th percentile over the time between them: the pipeline filling at
start and the last passes draining at the end (fixed costs that weigh more
in the short 3-replica run) are left out, the same way for both counts. The
aim is judged on it. From the replicas' "worker pass" log lines: lease
statements per user pass (claim, release, ensures, empty claims,
heartbeats) and budget round trips per user pass. CPU seconds in the timed
window by component: the pdt replicas, the PostgreSQL server (its backends
and the reaped ones; PG only), and this process (the fake and the polling),
over the whole run and over the steady-state span (sampled every 0.2 s).
Completion is polled through one kept psql session on PostgreSQL (a psql
started per poll cost ~80 ms of CPU ten times a second: a fifth of the two
cores, taken from the replicas).
Aim: 3 replicas >= 2.5 x 1 replica, steady state (STRICT=1: a miss exits 1).
env: USERS=90 BRANCHES=3 COMMITS=100 LATENCY_MS=50 TIMEOUT=300 PDT_BIN STRICT=1
     PDT_TEST_PG_STATE=<state file of tests/pg/pgcluster.py start>: on PostgreSQL
"""
import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from fakes import FakeGitHub  # noqa: E402
from harness import PG, Server, _psql_bin, db_query, pg_state  # noqa: E402

USERS = int(os.environ.get("USERS", "90"))
BRANCHES = int(os.environ.get("BRANCHES", "3"))
COMMITS = int(os.environ.get("COMMITS", "100"))
LATENCY = int(os.environ.get("LATENCY_MS", "50"))
TIMEOUT = float(os.environ.get("TIMEOUT", "300"))
PASS_RE = re.compile(r"worker pass source=commits users=(\d+) .* lease_queries=(\d+) "
                     r"budget_queries=(\d+)")
SYNCED_SQL = ("SELECT count(*) AS n FROM sync_status WHERE source = 'commits' AND "
              "last_sync IS NOT NULL AND status = 'idle'")
TICK = os.sysconf("SC_CLK_TCK")


class Poller:
    """Counts the users whose pass finished. PostgreSQL: one psql session kept
    open for the whole wait (bounded reads: psql answers or the run's TIMEOUT
    ends it); SQLite: db_query."""

    def __init__(self, db_path):
        self.db_path = db_path
        self.proc = None
        if PG:
            self.proc = subprocess.Popen(
                [_psql_bin(), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", db_path],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def synced(self):
        if not self.proc:
            return db_query(self.db_path, SYNCED_SQL)[0]["n"]
        self.proc.stdin.write(SYNCED_SQL + ";\n\\echo __end__\n")
        self.proc.stdin.flush()
        out = []
        for _ in range(8):
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("replicas: the polling psql session ended")
            if line.strip() == "__end__":
                return int(out[0])
            out.append(line.strip())
        raise SystemExit("replicas: unexpected psql output %r" % out)

    def close(self):
        if self.proc:
            self.proc.stdin.close()
            self.proc.wait(10)


def proc_cpu(pid):
    """utime + stime (+ reaped children's when children) of pid, seconds; 0 if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / TICK  # utime stime cutime cstime


def pg_server_cpu():
    """CPU seconds of the cluster's postmaster, its live children and the
    children it reaped (exited backends)."""
    if not PG:
        return 0.0
    with open(os.path.join(pg_state()["dir"], "data", "postmaster.pid")) as f:
        master = int(f.readline())
    total = proc_cpu(master)
    try:
        with open("/proc/%d/task/%d/children" % (master, master)) as f:
            kids = f.read().split()
    except OSError:
        kids = []
    for k in kids:
        try:
            with open("/proc/%s/stat" % k) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:13]) / TICK
    return total


class CpuSampler(threading.Thread):
    """(time, pdt, postgres, this process) CPU seconds every SAMPLE_S, so
    the CPU of the steady-state span can be told from start-up's."""
    SAMPLE_S = 0.2

    def __init__(self, reps):
        super().__init__(daemon=True)
        self.reps, self.samples, self.halt = reps, [], threading.Event()

    def sample(self):
        me = os.times()
        self.samples.append((time.monotonic(),
                             sum(proc_cpu(r.proc.pid) for r in self.reps if r.proc),
                             pg_server_cpu(), me.user + me.system))

    def run(self):
        while not self.halt.wait(self.SAMPLE_S):
            self.sample()

    def at(self, t):
        """The sample values interpolated at time t."""
        s = self.samples
        for a, b in zip(s, s[1:]):
            if a[0] <= t <= b[0]:
                w = (t - a[0]) / (b[0] - a[0]) if b[0] > a[0] else 0.0
                return [x + (y - x) * w for x, y in zip(a[1:], b[1:])]
        return list(s[0][1:] if t < s[0][0] else s[-1][1:])


def steady_span(log):
    """(users, t_lo, t_hi): the users finished between the 10th and the 90th
    percentile of the users' last upstream answers (the fake's log, per
    repository) and those two times."""
    last = {}
    for e in log:
        if e.get("repo"):
            last[e["repo"]] = max(last.get(e["repo"], 0), e["end_time"])
    done = sorted(last.values())
    lo, hi = len(done) // 10, len(done) - 1 - len(done) // 10
    if hi <= lo or done[hi] <= done[lo]:
        return 0, 0.0, 0.0
    return hi - lo, done[lo], done[hi]


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
        pg0, me0 = pg_server_cpu(), os.times()
        gh.reset_log()
        reps = [Server(env=env, jwt_secret=setup.jwt_secret,
                       encryption_key=setup.encryption_key, start=False)
                for _ in range(n_replicas)]
        sampler = CpuSampler(reps)
        sampler.sample()
        sampler.start()
        starters = [threading.Thread(target=r.start) for r in reps]
        for t in starters:  # together: no replica gets a head start
            t.start()
        for t in starters:
            t.join(30)
        poller = Poller(setup.db_path)
        try:
            deadline = t0 + TIMEOUT
            done = False
            while time.monotonic() < deadline:
                if poller.synced() >= USERS:
                    done = True
                    break
                time.sleep(0.1)
            pdt_cpu = sum(proc_cpu(r.proc.pid) for r in reps)
            pg_cpu, me1 = pg_server_cpu() - pg0, os.times()
            sampler.halt.set()
            sampler.join(5)
            sampler.sample()
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
            poller.close()
            for r in reps:
                r.stop()
        commits = db_query(setup.db_path, "SELECT count(*) AS n FROM commits")[0]["n"]
        setup.stop()  # removes its scratch dir (and its PostgreSQL database)
        users = lease = budget = 0
        for m in PASS_RE.finditer(logs):
            users += int(m.group(1))
            lease += int(m.group(2))
            budget += int(m.group(3))
        n_steady, t_lo, t_hi = steady_span(log)
        cpu_lo, cpu_hi = sampler.at(t_lo), sampler.at(t_hi)
        steady_cpu = [(b - a) / max(n_steady, 1) for a, b in zip(cpu_lo, cpu_hi)]
        return {"secs": secs, "per_min": USERS / secs * 60, "commits": commits,
                "steady": n_steady / (t_hi - t_lo) * 60 if n_steady else 0.0,
                "steady_cpu": steady_cpu, "cpu_pdt": pdt_cpu, "cpu_pg": pg_cpu,
                "cpu_me": (me1.user + me1.system) - (me0.user + me0.system),
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
        print("replicas=%d  all users synced in %.1f s  users/min=%.1f  steady-state "
              "users/min=%.1f  commits=%d  user passes=%d  lease statements/pass=%.2f  "
              "budget round trips/pass=%.2f"
              % (n, r["secs"], r["per_min"], r["steady"], r["commits"], r["passes"],
                 r["lease_per_pass"], r["budget_per_pass"]))
        sc = r["steady_cpu"]
        print("replicas=%d  CPU ms per user, whole run (start-up included): pdt=%.1f  "
              "postgres=%s  fake+bench=%.1f; steady state: pdt=%.1f  postgres=%s  "
              "fake+bench=%.1f"
              % (n, r["cpu_pdt"] * 1000 / USERS,
                 "%.1f" % (r["cpu_pg"] * 1000 / USERS) if PG else "-",
                 r["cpu_me"] * 1000 / USERS, sc[0] * 1000,
                 "%.1f" % (sc[1] * 1000) if PG else "-", sc[2] * 1000))
    whole = res[3]["per_min"] / res[1]["per_min"]
    ratio = res[3]["steady"] / res[1]["steady"] if res[1]["steady"] else 0.0
    aim = ratio >= 2.5
    print("speed-up with 3 replicas: %.2fx steady state (aim >= 2.5x: %s); %.2fx over the "
          "whole run" % (ratio, "met" if aim else "MISSED", whole))
    if res[1]["commits"] != res[3]["commits"]:
        print("commit counts differ between runs: %d vs %d" % (res[1]["commits"],
                                                               res[3]["commits"]))
        return 1
    return 1 if (os.environ.get("STRICT") == "1" and not aim) else 0


if __name__ == "__main__":
    sys.exit(main())
