"""Shared plumbing of the bench/*.py scripts: child processes reaped with their
own rusage, a minimal pdt API client, environment and database helpers.
Standard library only; every wait is bounded; everything binds 127.0.0.1."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
START_WAIT_S = 20
STOP_WAIT_S = 15
HTTP_TIMEOUT_S = 10

# Runs argv[2:] as a child, reaps it with os.wait4 and writes {rc, wall,
# maxrss_kb, utime, stime, wrapper_hwm_kb, pid} as JSON to argv[1]. SIGTERM and
# SIGINT are forwarded to the child. Exits with the child's status. (Reaping
# pdt straight from a bench script would charge the script's own RSS to it.)
RUSAGE_WRAPPER = r"""
import json, os, signal, sys, time
out, argv = sys.argv[1], sys.argv[2:]
with open("/proc/self/status") as f:
    hwm = int(f.read().split("VmHWM:")[1].split()[0])
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
def fwd(sig, _frame):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
signal.signal(signal.SIGTERM, fwd)
signal.signal(signal.SIGINT, fwd)
_, st, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
rc = os.waitstatus_to_exitcode(st)
with open(out, "w") as f:
    json.dump({"rc": rc, "wall": wall, "maxrss_kb": ru.ru_maxrss, "utime": ru.ru_utime,
               "stime": ru.ru_stime, "wrapper_hwm_kb": hwm, "pid": pid}, f)
os._exit(rc if rc >= 0 else 128 - rc)
"""

# pdt configuration variables never inherited from the caller's environment
CONFIG_VARS = (
    "SERVER_PORT", "SERVER_ADDR", "DATABASE_URL", "JWT_SECRET", "JWT_EXPIRY_HOURS",
    "ENCRYPTION_KEY", "SYNC_ENABLED", "SYNC_INTERVAL_COMMITS", "SYNC_INTERVAL_JIRA",
    "SYNC_LOOKBACK_DAYS", "SYNC_CONCURRENCY", "GITHUB_API_URL", "SHUTDOWN_TIMEOUT",
    "CORS_ALLOWED_ORIGINS", "HTTP_THREADS", "LOG_LEVEL", "UPSTREAM_TIMEOUT",
    "JIRA_FIRST_SYNC_TIMEOUT", "UPSTREAM_ALLOW_LOOPBACK", "UPSTREAM_ALLOW_HTTP",
    "UPSTREAM_DENY_PRIVATE", "REPORT_AUTO_GENERATE", "REPORT_AUTO_TIME",
    "REPORT_MONTHLY_AUTO_TIME", "REPORT_TIMEZONE", "R2_ACCOUNT_ID", "R2_ACCESS_KEY_ID",
    "R2_SECRET_ACCESS_KEY", "R2_BUCKET_NAME", "R2_PUBLIC_DOMAIN", "S3_ENDPOINT", "S3_REGION",
)


class BenchError(Exception):
    pass


def log(msg):
    print("--- " + msg, file=sys.stderr, flush=True)


def env_int(name, default, minimum, maximum=None):
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        v = int(raw)
    except ValueError:
        raise BenchError("%s must be an integer, got %r" % (name, raw))
    if v < minimum:
        raise BenchError("%s must be >= %d, got %d" % (name, minimum, v))
    if maximum is not None and v > maximum:
        raise BenchError("%s must be <= %d, got %d" % (name, maximum, v))
    return v


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def base_env(db_path, secrets_):
    """The caller's environment without pdt's variables, plus a database, fresh
    secrets, the worker off and GitHub pointed nowhere (callers that sync set
    GITHUB_API_URL to their fake)."""
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env.setdefault("PATH", "/usr/bin:/bin")
    env.update({
        "DATABASE_URL": "sqlite://" + db_path,
        "JWT_SECRET": secrets_["jwt"],
        "ENCRYPTION_KEY": secrets_["key"],
        "SYNC_ENABLED": "false",
        "GITHUB_API_URL": "http://127.0.0.1:9",  # never reach out, even by accident
        # the fakes (users' GitLab and Jira targets) listen on 127.0.0.1, which
        # pdt refuses by default (issue 9)
        "UPSTREAM_ALLOW_LOOPBACK": "true",
    })
    return env


class Procs:
    """Every child this script starts; stop_all() on exit."""

    def __init__(self):
        self.live = {}  # pid -> (Popen, name)

    def spawn(self, name, argv, **kw):
        # own session: a process group (pgid = pid) that stop() can kill whole
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True, **kw)
        self.live[p.pid] = (p, name)
        return p

    def reap(self, p, timeout, poll=0.02):
        """Waits (bounded, polling) for p; returns (exit status, rusage) or
        (None, None) on timeout. Uses os.wait4 so the rusage is p's own."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            except ChildProcessError:
                self.live.pop(p.pid, None)
                return (p.returncode, None)
            if pid == p.pid:
                self.live.pop(p.pid, None)
                rc = os.waitstatus_to_exitcode(status)
                p.returncode = rc  # keep Popen from waiting on a reaped pid
                return rc, ru
            if time.monotonic() >= deadline:
                return None, None
            time.sleep(poll)

    def kill(self, p):
        try:
            os.killpg(p.pid, signal.SIGKILL)  # the group this script created
        except (ProcessLookupError, PermissionError):
            pass
        return self.reap(p, 5)

    def stop(self, p, name, timeout=STOP_WAIT_S):
        """SIGTERM, bounded wait, then SIGKILL. Returns (exit status, rusage)."""
        if p.pid not in self.live:
            return p.returncode, None
        try:
            p.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        rc, ru = self.reap(p, timeout)
        if rc is None:
            log("%s (pid %d) did not exit %ds after SIGTERM; killing" % (name, p.pid, timeout))
            rc, ru = self.kill(p)
        return rc, ru

    def stop_all(self):
        for pid, (p, name) in list(self.live.items()):
            self.stop(p, name, timeout=5)


class Api:
    def __init__(self, port):
        self.base = "http://%s:%d" % (HOST, port)
        # never go through a proxy for 127.0.0.1
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(self, method, path, body=None, token=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with self.opener.open(req, timeout=HTTP_TIMEOUT_S) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw.decode() or "null")
        except ValueError:
            return status, raw.decode(errors="replace")


def tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def copy_db(src_db, dst_dir):
    os.makedirs(dst_dir)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(src_db + suffix):
            shutil.copy2(src_db + suffix, os.path.join(dst_dir, "pdt.db" + suffix))
    return os.path.join(dst_dir, "pdt.db")


def git_desc():
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        if not rev:
            return "no git commit"
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + (" (modified)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def mb(kb):
    return "n/a" if kb is None else "%.1f" % (kb / 1024.0)
