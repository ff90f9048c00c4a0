#!/usr/bin/env python3
"""bench/pg.py: GET /api/commits?limit=100 and GET /api/user/profile requests
per second on PostgreSQL beside SQLite, same machine, same run (issue 10).

Starts a throwaway PostgreSQL cluster (tests/pg/pgcluster.py) and two pdt
servers with the same settings, one on SQLite and one on PostgreSQL (each
through tests/system/harness.py: SYNC_ENABLED=false, HTTP_THREADS=8, default
pool sizes: SQLite HTTP_THREADS+2 = 10, PostgreSQL DATABASE_POOL_SIZE 8),
registers a user on each, adds a repository and seeds COMMITS commits (then
ANALYZE, as the server's store_optimize or autoanalyze would), then
runs wrk (2 threads, 32 connections, DURATION s) route by route, alternating
the backends twice (sqlite, pg, pg, sqlite) and reporting the mean.

With BASE_BIN=/path/to/other/pdt it also starts that build's two servers
(same settings, same seeded data) and alternates all four the same way
(each of the four runs twice per route), printing the new build beside the
base build: one run, one machine load.

usage: bench/pg.py   env: DURATION=10 COMMITS=10000 PDT_BIN=build/pdt BASE_BIN=
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
DURATION = int(os.environ.get("DURATION", "10"))
COMMITS = int(os.environ.get("COMMITS", "10000"))
os.environ.setdefault("PDT_BIN", os.path.join(ROOT, "build", "pdt"))
BASE_BIN = os.environ.get("BASE_BIN", "")
ROUTES = ("/api/user/profile", "/api/commits?limit=100")


def cluster(cmd, state):
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "pg", "pgcluster.py"), cmd,
                    state], check=True, timeout=120, stdout=subprocess.DEVNULL)


def wrk(port, token, path):
    out = subprocess.run(["wrk", "-t2", "-c32", "-d%ds" % DURATION, "--timeout", "30s",
                          "-H", "Authorization: Bearer " + token,
                          "http://127.0.0.1:%d%s" % (port, path)],
                         check=True, timeout=DURATION + 60, stdout=subprocess.PIPE,
                         text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        sys.exit("wrk: %s non-2xx answers on %s" % (bad.group(1), path))
    return rps


def setup(srv):
    token, _user = srv.register()
    repo = srv.add_repo(token, "https://github.com/acme/bench")
    import harness
    batch = 1000
    for start in range(0, COMMITS, batch):
        harness.seed_commits(srv.db_path, repo["id"], [
            {"sha": harness.fake_sha("bench-%d" % i), "message": "PROJ-%d work" % (i % 50),
             "jira_card_key": "PROJ-%d" % (i % 50), "date": 1700000000 + i}
            for i in range(start, min(start + batch, COMMITS))])
    # Planner statistics as a running server has them after its first worker
    # pass (store_optimize) or autoanalyze: the seed bypassed the server.
    if srv.db_path.startswith("postgres"):
        harness.psql(srv.db_path, "ANALYZE;\n")
    else:
        conn = harness.db_connect(srv.db_path)
        conn.execute("PRAGMA analysis_limit = 1000")
        conn.execute("ANALYZE")
        # The seed's pages sit in the WAL until a checkpoint; readers pay for
        # a long WAL (profile req/s varied 3x with it), so start from none.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    r = srv.request("GET", "/api/commits?limit=100", token=token)
    assert r.status == 200 and len(r.body) == 100, r.status
    return token


def start_servers(state, servers):
    """sqlite and pg servers of PDT_BIN, and base-sqlite / base-pg of BASE_BIN."""
    import harness
    env = {"HTTP_THREADS": "8"}
    builds = [("", os.environ["PDT_BIN"])] + ([("base-", BASE_BIN)] if BASE_BIN else [])
    for prefix, binary in builds:
        harness.PDT_BIN = binary
        harness.PG = False
        servers[prefix + "sqlite"] = harness.Server(env=env)
        harness.PG_STATE_FILE, harness.PG = state, True
        servers[prefix + "pg"] = harness.Server(env=env)
        harness.PG = False


def summary(results, names):
    print("\nsummary (mean of 2 runs, %ds each, wrk -t2 -c32, %d commits):"
          % (DURATION, COMMITS))
    for path in ROUTES:
        mean = {n: sum(results[(path, n)]) / 2 for n in names}
        print("  %-24s sqlite %8.0f   postgres %8.0f   (pg/sqlite %.2f)"
              % (path, mean["sqlite"], mean["pg"], mean["pg"] / mean["sqlite"]))
        if BASE_BIN:
            print("  %-24s sqlite %8.0f   postgres %8.0f   (base build; new/base: "
                  "sqlite %.2f, postgres %.2f)"
                  % ("", mean["base-sqlite"], mean["base-pg"],
                     mean["sqlite"] / mean["base-sqlite"], mean["pg"] / mean["base-pg"]))


def main():
    state_dir = tempfile.mkdtemp(prefix="pdt-bench-pg-")
    state = os.path.join(state_dir, "pg.json")
    cluster("start", state)
    servers = {}
    try:
        start_servers(state, servers)
        tokens = {k: setup(s) for k, s in servers.items()}
        names = list(servers)
        results = {}
        for path in ROUTES:
            for name in names + names[::-1]:
                rps = wrk(servers[name].port, tokens[name], path)
                results.setdefault((path, name), []).append(rps)
                print("%-24s %-11s %9.0f req/s" % (path, name, rps), flush=True)
        summary(results, names)
    finally:
        for s in servers.values():
            s._kill()
            shutil.rmtree(s.tmpdir, ignore_errors=True)
        cluster("stop", state)
        shutil.rmtree(state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
