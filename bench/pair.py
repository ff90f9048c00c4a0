#!/usr/bin/env python3
"""bench/pair.py: two pdt binaries side by side on one route, in one run.

Starts pdt A and pdt B (each its own temporary SQLite database, sync off, on
free 127.0.0.1 ports), registers one user in each, then runs
`wrk -t2 -c32 -d${DURATION}s` on ROUTE (default /api/user/profile, with the
user's token) against A and B in alternation, ROUNDS times (A B, B A, A B, ...
so neither always goes first), after a WARMUP-second warm-up of each. Prints
req/s and p99 per run, the means and the ratio B / A.

usage: bench/pair.py BIN_A BIN_B
env:   DURATION=10 ROUNDS=2 WARMUP=1 ROUTE=/api/user/profile HTTP_THREADS (pdt's)
Standard library plus wrk. Both servers are stopped on exit. Don't run it
while tests run: a 2-core machine measures the load, not the binaries.
"""
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HOST = "127.0.0.1"
START_WAIT_S = 20
STOP_WAIT_S = 15


def free_port():
    import socket
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def env_int(name, default):
    v = int(os.environ.get(name, default))
    if v < 0:
        sys.exit("%s must be >= 0" % name)
    return v


class Pdt:
    def __init__(self, label, binary, tmp):
        self.label, self.port = label, free_port()
        self.dir = os.path.join(tmp, label)
        os.makedirs(self.dir)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SERVER_", "SYNC_"))}
        env.update(SERVER_ADDR=HOST, SERVER_PORT=str(self.port), SYNC_ENABLED="false",
                   DATABASE_URL="sqlite://" + os.path.join(self.dir, "pdt.db"),
                   JWT_SECRET=secrets.token_hex(32), ENCRYPTION_KEY=secrets.token_hex(32),
                   GITHUB_API_URL="http://127.0.0.1:9")
        self.log = open(os.path.join(self.dir, "pdt.log"), "wb")
        self.proc = subprocess.Popen([binary, "serve"], env=env, cwd=self.dir,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.base = "http://%s:%d" % (HOST, self.port)
        deadline = time.monotonic() + START_WAIT_S
        while True:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("pdt %s did not start" % label)
            time.sleep(0.1)
        body = json.dumps({"email": "pair@example.com", "password": "pair-password-123"}).encode()
        req = urllib.request.Request(self.base + "/api/auth/register", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.token = json.load(r)["token"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def wrk(pdt, route, seconds, latency=True):
    cmd = ["wrk", "-t2", "-c32", "-d%ds" % seconds, "-H", "Authorization: Bearer " + pdt.token]
    if latency:
        cmd.append("--latency")
    out = subprocess.run(cmd + [pdt.base + route], capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    ms = None
    if p99:
        ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return float(rps.group(1)) if rps else 0.0, ms, int(non2xx.group(1)) if non2xx else 0


def main():
    if len(sys.argv) != 3 or shutil.which("wrk") is None:
        sys.exit(__doc__)
    duration, rounds = env_int("DURATION", 10), env_int("ROUNDS", 2)
    warmup, route = env_int("WARMUP", 1), os.environ.get("ROUTE", "/api/user/profile")
    tmp = tempfile.mkdtemp(prefix="pdt-pair.")
    servers = []
    try:
        for label, binary in (("A", sys.argv[1]), ("B", sys.argv[2])):
            servers.append(Pdt(label, binary, tmp))
        if warmup:
            for p in servers:
                wrk(p, route, warmup, latency=False)
        runs = {"A": [], "B": []}
        for r in range(rounds):
            for p in servers if r % 2 == 0 else servers[::-1]:
                rps, p99, bad = wrk(p, route, duration)
                runs[p.label].append(rps)
                print("round %d  %s  %10.1f req/s  p99 %s ms  non-2xx %d" % (
                    r + 1, p.label, rps, "%.2f" % p99 if p99 is not None else "n/a", bad),
                    flush=True)
                if p.proc.poll() is not None:
                    sys.exit("pdt %s died" % p.label)
        mean = {k: sum(v) / len(v) for k, v in runs.items()}
        print("A %s\nB %s" % (sys.argv[1], sys.argv[2]))
        print("route %s, wrk -t2 -c32 -d%ds, %d rounds" % (route, duration, rounds))
        print("mean A %.1f req/s, mean B %.1f req/s, B/A = %.3f" % (
            mean["A"], mean["B"], mean["B"] / mean["A"] if mean["A"] else 0))
    finally:
        for p in servers:
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
