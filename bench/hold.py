#!/usr/bin/env python3
"""bench/hold.py — does a stalled user's sync hold pdt's HTTP threads? (stdlib only)

For each scenario: a fresh `pdt serve` (HTTP_THREADS=8, SYNC_ENABLED=false,
SYNC_WAIT as given) and two fakes from tests/fakes: a GitLab fake that stalls the
"stalled" user's repository, a healthy GitHub fake for a second user. Then
TRIGGERS (8) concurrent POST /api/sync/commits for the stalled user, and one for
the healthy user 0.3 s later, while GET /healthz is probed every 50 ms on a fresh
connection for the whole window (the triggers' answers plus HOLD_S seconds).

Scenarios:
  idle      no trigger at all: /healthz alone (the baseline)
  429       every request of the stalled host answers 429 Retry-After: 899
  hang      every request of the stalled host hangs (UPSTREAM_TIMEOUT=30s)
Printed: /healthz p50/p99/max and failures; the stalled triggers' answer times
(min/median/max) and statuses; the healthy user's answer time, status and commits.
Exit status 1 when a trigger took longer than SYNC_WAIT + 1 s, /healthz failed,
or the healthy user's sync did not answer 200 with every commit.

Run:  python3 bench/hold.py            (builds nothing: PDT_BIN, default build/pdt)
env:  SYNC_WAIT=25s TRIGGERS=8 HOLD_S=3 SCENARIOS=idle,429,hang
"""
import os
import statistics
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
os.environ.setdefault("PDT_BIN", os.path.join(ROOT, "build", "pdt"))

from fakes import FakeGitHub, FakeGitLab  # noqa: E402
from harness import Server, http_request  # noqa: E402

SYNC_WAIT = os.environ.get("SYNC_WAIT", "25s")
TRIGGERS = int(os.environ.get("TRIGGERS", "8"))
HOLD_S = float(os.environ.get("HOLD_S", "3"))
SCENARIOS = os.environ.get("SCENARIOS", "idle,429,hang").split(",")
DAY = 86400


def go_seconds(d):
    return float(d[:-2]) / 1000 if d.endswith("ms") else float(d[:-1]) * (
        60 if d.endswith("m") else 1)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def probe(port, stop, out, max_probes=4000):
    while not stop.is_set() and len(out) < max_probes:
        t0 = time.monotonic()
        try:
            st = http_request(port, "GET", "/healthz", timeout=10).status
        except OSError:
            st = None
        out.append((st, time.monotonic() - t0))
        stop.wait(0.05)


def trigger(srv, token, out):
    t0 = time.monotonic()
    try:
        r = srv.request("POST", "/api/sync/commits", token=token, timeout=120)
        out.append((r.status, r.body, time.monotonic() - t0))
    except OSError as e:
        out.append((None, repr(e), time.monotonic() - t0))


def setup(srv, gh, gl):
    tok_s, _ = srv.register(srv.unique_email("stalled"), "stalled-password")
    srv.request("PUT", "/api/user/profile", {"gitlab_token": "glpat-stalled",
                                             "gitlab_url": gl.base_url}, token=tok_s)
    srv.add_repo(tok_s, gl.base_url + "/group/stuck")
    tok_h, _ = srv.register(srv.unique_email("ok"), "healthy-password")
    srv.request("PUT", "/api/user/profile", {"github_token": "ghp_ok"}, token=tok_h)
    repo = srv.add_repo(tok_h, "https://github.com/octo/app")
    return tok_s, tok_h, repo


def run(name, gh, gl):
    gl.clear_faults()
    if name == "429":
        gl.set_faults(rate_429=10 ** 6, retry_after=899)
    elif name == "hang":
        gl.set_faults(hang=True, hang_seconds=300)
    srv = Server(env={"GITHUB_API_URL": gh.base_url, "SYNC_WAIT": SYNC_WAIT,
                      "UPSTREAM_TIMEOUT": "30s", "HTTP_THREADS": "8", "LOG_LEVEL": "warn"})
    ok = True
    try:
        tok_s, tok_h, repo = setup(srv, gh, gl)
        samples, stalled, healthy = [], [], []
        stop = threading.Event()
        p = threading.Thread(target=probe, args=(srv.port, stop, samples))
        p.start()
        time.sleep(0.2)
        threads = []
        if name != "idle":
            threads = [threading.Thread(target=trigger, args=(srv, tok_s, stalled))
                       for _ in range(TRIGGERS)]
            for t in threads:
                t.start()
            time.sleep(0.3)
            h = threading.Thread(target=trigger, args=(srv, tok_h, healthy))
            h.start()
            threads.append(h)
        for t in threads:
            t.join(180)
        time.sleep(HOLD_S)
        stop.set()
        p.join(30)
        lat = [s[1] * 1000 for s in samples]
        fails = sum(1 for s in samples if s[0] != 200)
        print("%-5s healthz: n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms failures=%d"
              % (name, len(lat), pct(lat, 50), pct(lat, 99), max(lat), fails))
        ok &= fails == 0
        if name == "idle":
            return ok
        secs = [s[2] for s in stalled]
        statuses = {}
        for s in stalled:
            statuses[s[0]] = statuses.get(s[0], 0) + 1
        print("%-5s stalled triggers: n=%d min=%.2f s median=%.2f s max=%.2f s statuses=%s"
              % (name, len(secs), min(secs), statistics.median(secs), max(secs), statuses))
        ok &= len(secs) == TRIGGERS and max(secs) <= go_seconds(SYNC_WAIT) + 1
        hs, hb, hsec = healthy[0] if healthy else (None, None, float("nan"))
        try:
            stored = len(srv.request("GET", "/api/commits?repo_id=%d" % repo["id"],
                                     token=tok_h).body)
        except OSError:
            stored = -1  # pdt did not answer
        print("%-5s healthy user: status=%s in %.2f s, commits stored=%d"
              % (name, hs, hsec, stored))
        ok &= hs == 200 and stored == 45
        return ok
    finally:
        gl.set_faults(hang=False)
        try:
            srv.stop()
        except AssertionError as e:  # an old build may not stop cleanly
            print("%-5s stop: %s" % (name, str(e).splitlines()[0]))
            ok = False


def main():
    now = time.time()
    with FakeGitHub(seed=1) as gh, FakeGitLab(seed=2) as gl:
        gh.add_token("ghp_ok", "ok")
        gh.add_repo("octo", "app")
        gh.add_commits("octo", "app", "main", 40, start_date=now - 3 * DAY)
        gh.create_branch("octo", "app", "dev")
        gh.add_commits("octo", "app", "dev", 5, start_date=now - DAY)
        gl.add_token("glpat-stalled", "stalled")
        gl.add_repo("group", "stuck")
        gl.add_commits("group", "stuck", "main", 6, start_date=now - DAY)
        print("pdt %s  SYNC_WAIT=%s TRIGGERS=%d HTTP_THREADS=8" % (
            os.environ["PDT_BIN"], SYNC_WAIT, TRIGGERS))
        ok = all([run(s, gh, gl) for s in SCENARIOS])
    print("result:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
