"""Black-box system test harness for pdt (Python 3 standard library only).

Every test starts the real binary ($PDT_BIN) against its own database in its
own scratch directory and talks to it over HTTP on 127.0.0.1. The database is
SQLite (<scratch>/pdt.db) unless PDT_TEST_PG_STATE names the state file of a
running test cluster (tests/pg/pgcluster.py): then each scratch directory gets
its own PostgreSQL database (created on first use, dropped when the server's
scratch directory is removed) and DATABASE_URL=postgres://... .

Main pieces:
  Server        -- a running `pdt serve` (context manager); request(), register(),
                   login(), raw(), log_text(), db_path, stop().
  PdtTestCase   -- unittest.TestCase with assertError/assertTimestamp/... and
                   start_server() (per test) / start_class_server() (per class).
  run_pdt       -- run a one-shot command (`version`, `migrate`, a failing `serve`).
  make_jwt      -- craft JWTs (any alg/secret/claims); decode_jwt.
  seed_commits  -- insert commits straight into the `commits` table.
  db_query / db_exec / delete_user -- direct database access (WAL-safe on
                   SQLite; through psql with bound variables on PostgreSQL).
                   Their first argument is Server.db_path: the SQLite file, or
                   the postgres:// URL of the server's database.
  PG, skip_on_pg -- whether the suite runs on PostgreSQL; a decorator for the
                   tests that are about SQLite itself.

Environment: PDT_BIN (default ../../build/pdt), PDT_TEST_TMPDIR (scratch root),
PDT_KEEP_TMP=1 keeps scratch directories of servers that stopped cleanly,
PDT_TEST_PG_STATE (a pgcluster.py state file: run on PostgreSQL).
Every socket operation has a timeout and every loop is bounded.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import glob
import tempfile
import time
import unittest
from collections import namedtuple

HERE = os.path.dirname(os.path.abspath(__file__))
PDT_BIN = os.environ.get("PDT_BIN") or os.path.normpath(
    os.path.join(HERE, "..", "..", "build", "pdt"))
HOST = "127.0.0.1"
SOCKET_TIMEOUT = 5.0
STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 15.0

# Every variable of CONTRACT §2 (plus the implementation's extras): never
# inherited from the caller's environment, so the tests see only what they set.
CONFIG_VARS = (
    "SERVER_PORT", "SERVER_ADDR", "DATABASE_URL", "JWT_SECRET", "JWT_EXPIRY_HOURS",
    "ENCRYPTION_KEY", "SYNC_ENABLED", "SYNC_INTERVAL_COMMITS", "SYNC_INTERVAL_JIRA",
    "SYNC_LOOKBACK_DAYS", "SYNC_CONCURRENCY", "GITHUB_API_URL", "SHUTDOWN_TIMEOUT",
    "CORS_ALLOWED_ORIGINS", "HTTP_THREADS", "LOG_LEVEL", "UPSTREAM_TIMEOUT",
    "JIRA_FIRST_SYNC_TIMEOUT", "SYNC_WAIT", "SYNC_MAX_WAIT", "METRICS_TOKEN",
    "REGISTRATION_ENABLED", "UPSTREAM_ALLOW_LOOPBACK", "UPSTREAM_ALLOW_HTTP",
    "UPSTREAM_DENY_PRIVATE", "REPORT_AUTO_GENERATE", "REPORT_AUTO_TIME",
    "REPORT_MONTHLY_AUTO_TIME", "REPORT_TIMEZONE", "R2_ACCOUNT_ID", "R2_ACCESS_KEY_ID",
    "R2_SECRET_ACCESS_KEY", "R2_BUCKET_NAME", "R2_PUBLIC_DOMAIN", "S3_ENDPOINT", "S3_REGION",
    "DATABASE_POOL_SIZE",
    "SYNC_LEASE_TTL",
)

RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

Response = namedtuple("Response", "status headers body")


# --------------------------------------------------------------------------
# scratch space, environment, one-shot commands

def tmp_root():
    root = os.environ.get("PDT_TEST_TMPDIR")
    if root:
        os.makedirs(root, exist_ok=True)
        return root
    return None


def make_scratch(prefix="pdt-"):
    return tempfile.mkdtemp(prefix=prefix, dir=tmp_root())


def random_key_hex():
    return secrets.token_hex(32)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def clean_env():
    """The caller's environment minus every pdt configuration variable."""
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env.setdefault("PATH", "/usr/bin:/bin")
    return env


def apply_overrides(env, overrides):
    """overrides: dict; a value of None removes the variable."""
    for k, v in (overrides or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


# --------------------------------------------------------------------------
# PostgreSQL (PDT_TEST_PG_STATE): one database per scratch directory

PG_STATE_FILE = os.environ.get("PDT_TEST_PG_STATE")
PG = bool(PG_STATE_FILE)
_pg_state = None


def skip_on_pg(reason):
    """Decorator: the test is about SQLite itself (its file, its default path)."""
    return unittest.skipIf(PG, "SQLite only: " + reason)


def pg_state():
    global _pg_state
    if _pg_state is None:
        with open(PG_STATE_FILE) as f:
            _pg_state = json.load(f)
    return _pg_state


def pg_url(dbname):
    return "postgres://pdt@127.0.0.1:%d/%s" % (pg_state()["port"], dbname)


def pg_dbname(tmpdir):
    """The database of a scratch directory: a name derived from its path."""
    h = hashlib.sha1(os.path.realpath(tmpdir).encode()).hexdigest()[:20]
    return "pdt_" + h


def _psql_bin():
    found = shutil.which("psql")
    if found:
        return found
    cands = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    if not cands:
        raise AssertionError("psql not found (install postgresql-client-15)")
    return cands[-1]


def psql(url, script, variables=None, single_tx=False, quiet=True, timeout=30.0):
    """Runs script (read from stdin, so :'name' variables are interpolated and
    quoted by psql: values never become SQL text) on url. Returns stdout lines
    (unaligned, tuples only). Raises AssertionError on failure."""
    cmd = [_psql_bin(), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url]
    if quiet:
        cmd.append("-q")
    if single_tx:
        cmd.append("-1")
    for k, v in (variables or {}).items():
        cmd += ["-v", "%s=%s" % (k, v)]
    p = subprocess.run(cmd, input=script, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, stdin=None)
    if p.returncode != 0:
        raise AssertionError("psql failed (%s): %s" % (p.returncode, p.stderr.strip()))
    return [ln for ln in p.stdout.splitlines() if ln != ""]


def pg_ensure_db(dbname):
    admin = pg_state()["url"]
    if not psql(admin, "SELECT 1 FROM pg_database WHERE datname = :'n';", {"n": dbname}):
        try:
            psql(admin, 'CREATE DATABASE :"n";', {"n": dbname})
        except AssertionError as e:
            if "already exists" not in str(e):
                raise


def pg_drop_db(dbname):
    psql(pg_state()["url"], 'DROP DATABASE IF EXISTS :"n" WITH (FORCE);', {"n": dbname})


def database_url(tmpdir):
    """DATABASE_URL of a scratch directory (creating its PostgreSQL database)."""
    if not PG:
        return "sqlite://" + os.path.join(tmpdir, "pdt.db")
    name = pg_dbname(tmpdir)
    pg_ensure_db(name)
    return pg_url(name)


def drop_database(tmpdir):
    """Drops the scratch directory's PostgreSQL database (SQLite: nothing)."""
    if PG:
        pg_drop_db(pg_dbname(tmpdir))


def server_env(tmpdir, port, jwt_secret, encryption_key, overrides=None):
    env = clean_env()
    env.update({
        "SERVER_ADDR": HOST,
        "SERVER_PORT": str(port),
        "DATABASE_URL": database_url(tmpdir),
        "JWT_SECRET": jwt_secret,
        "ENCRYPTION_KEY": encryption_key,
        "SYNC_ENABLED": "false",
        # Every fake upstream listens on 127.0.0.1, and users' GitLab hosts and
        # Jira sites on loopback are refused by default (issue 9: a user must not
        # make the server probe its own machine). Loopback also allows plain
        # http there, so UPSTREAM_ALLOW_HTTP is not needed. Tests of the refusal
        # set it back to "false".
        "UPSTREAM_ALLOW_LOOPBACK": "true",
    })
    return apply_overrides(env, overrides)


def run_pdt(args, env=None, cwd=None, timeout=10.0, full_env=None):
    """Runs `$PDT_BIN args...` to completion (bounded). env: overrides on top of a
    clean environment (None values remove); full_env: use exactly this env.
    Returns subprocess.CompletedProcess with text stdout/stderr. On timeout the
    process is killed and subprocess.TimeoutExpired propagates."""
    if full_env is None:
        full_env = apply_overrides(clean_env(), env)
    own_dir = cwd is None
    if own_dir:
        cwd = make_scratch()
    try:
        return subprocess.run([PDT_BIN] + list(args), env=full_env, cwd=cwd,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout,
                              text=True, errors="replace")
    finally:
        if own_dir and not os.environ.get("PDT_KEEP_TMP"):
            shutil.rmtree(cwd, ignore_errors=True)


# --------------------------------------------------------------------------
# HTTP helpers

def _decode_body(raw):
    if not raw:
        return b""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return raw


def wait_for(predicate, timeout=30.0, step=0.1):
    """Polls predicate() until it returns a truthy value, which it returns;
    None when timeout seconds pass first (bounded in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(step)
    return None


def http_request(port, method, path, body=None, token=None, headers=None, raw_body=None,
                 timeout=SOCKET_TIMEOUT):
    """One request on a fresh connection. Returns Response(status, headers, body):
    headers is a dict with lower-case names (repeated headers joined by ", "),
    body is the parsed JSON, or the raw bytes when it is not JSON (b"" if empty)."""
    hdrs = {}
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        hdrs["Content-Type"] = "application/json"
    if raw_body is not None:
        data = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
        hdrs.setdefault("Content-Type", "application/json")
    if token is not None:
        hdrs["Authorization"] = "Bearer " + token
    for k, v in (headers or {}).items():
        # allow removing a default header by passing None
        hdrs.pop(k, None)
        for existing in list(hdrs):
            if existing.lower() == k.lower():
                hdrs.pop(existing)
        if v is not None:
            hdrs[k] = v
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        out_headers = {}
        for k, v in resp.getheaders():
            k = k.lower()
            out_headers[k] = out_headers[k] + ", " + v if k in out_headers else v
        return Response(resp.status, out_headers, _decode_body(raw))
    finally:
        conn.close()


def raw_exchange(port, data, shutdown_write=True, timeout=SOCKET_TIMEOUT, max_bytes=1 << 20,
                 chunk_sends=None):
    """Sends bytes on a fresh TCP connection and reads until the peer closes,
    max_bytes arrive, or the deadline passes.
    Returns (reply_bytes, outcome) with outcome one of:
      "closed"  - the peer closed (EOF) or reset the connection
      "timeout" - nothing more arrived before the deadline and it stayed open
    Send errors (EPIPE/ECONNRESET: the server closed early) are tolerated.
    chunk_sends: optional iterable of further byte chunks sent after `data`."""
    deadline = time.monotonic() + timeout
    s = socket.create_connection((HOST, port), timeout=timeout)
    reply = bytearray()
    try:
        try:
            if data:
                s.sendall(data)
            for chunk in (chunk_sends or ()):
                if time.monotonic() > deadline:
                    break
                s.sendall(chunk)
            if shutdown_write:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, socket.timeout,
                OSError):
            pass
        while len(reply) < max_bytes:
            left = deadline - time.monotonic()
            if left <= 0:
                return bytes(reply), "timeout"
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return bytes(reply), "timeout"
            except (ConnectionResetError, ConnectionAbortedError, OSError):
                return bytes(reply), "closed"
            if not chunk:
                return bytes(reply), "closed"
            reply += chunk
        return bytes(reply), "closed"
    finally:
        s.close()


STATUS_LINE_RE = re.compile(rb"^HTTP/1\.[01] (\d{3})(?: [^\r\n]*)?\r\n")


def parse_status(reply):
    """Status code of the first response in raw reply bytes, or None when the
    bytes are empty. Raises ValueError when the bytes are not an HTTP status line."""
    if not reply:
        return None
    m = STATUS_LINE_RE.match(reply)
    if not m:
        raise ValueError("not an HTTP/1.x status line: %r" % reply[:120])
    return int(m.group(1))


# --------------------------------------------------------------------------
# the server process

class ServerStartError(AssertionError):
    pass


class Server:
    """A running `pdt serve`.

    Server(env=None, dotenv=None, tmpdir=None, jwt_secret=None, encryption_key=None,
           start=True)
      env:      overrides applied on top of the defaults (None value = unset)
      dotenv:   text written to <tmpdir>/.env before starting
      tmpdir:   reuse a scratch directory (e.g. to restart on the same database)
    """

    def __init__(self, env=None, dotenv=None, tmpdir=None, jwt_secret=None,
                 encryption_key=None, start=True):
        self.tmpdir = tmpdir or make_scratch()
        self.jwt_secret = jwt_secret or ("test-secret-" + secrets.token_hex(16))
        self.encryption_key = encryption_key or random_key_hex()
        self.overrides = dict(env or {})
        self.dotenv = dotenv
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.tmpdir, "server.log")
        # The SQLite file, or the postgres:// URL of the server's database: what
        # db_query / db_exec / seed_commits / delete_user take.
        self.db_path = (pg_url(pg_dbname(self.tmpdir)) if PG
                        else os.path.join(self.tmpdir, "pdt.db"))
        self._log_file = None
        self.exit_code = None
        self._stopped = False
        self._n = 0
        if dotenv is not None:
            with open(os.path.join(self.tmpdir, ".env"), "w", encoding="utf-8") as f:
                f.write(dotenv)
        if start:
            self.start()

    # -- lifecycle ---------------------------------------------------------
    def start(self):
        last_err = None
        for _attempt in range(3):  # bounded retry only for a lost port race
            self.port = free_port()
            env = server_env(self.tmpdir, self.port, self.jwt_secret, self.encryption_key,
                             self.overrides)
            self.env = env
            self._log_file = open(self.log_path, "ab")
            self.proc = subprocess.Popen([PDT_BIN, "serve"], cwd=self.tmpdir, env=env,
                                         stdin=subprocess.DEVNULL, stdout=self._log_file,
                                         stderr=subprocess.STDOUT)
            try:
                self._wait_healthy()
                self.exit_code = None
                self._stopped = False
                return self
            except ServerStartError as e:
                last_err = e
                self._kill()
                if "in use" not in self.log_text().lower():
                    raise
        raise last_err

    def _wait_healthy(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise ServerStartError("pdt serve exited with %s during startup; log:\n%s"
                                       % (rc, self.log_tail()))
            try:
                r = http_request(self.port, "GET", "/healthz", timeout=1.0)
                if r.status == 200:
                    return
                last = "status %s" % r.status
            except (OSError, http.client.HTTPException) as e:
                last = repr(e)
            time.sleep(0.05)
        raise ServerStartError("pdt serve not healthy within %ss (%s); log:\n%s"
                               % (STARTUP_TIMEOUT, last, self.log_tail()))

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal_and_wait(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends sig and waits (bounded). Returns (exit_code, seconds). Kills the
        process and returns (None, seconds) if it did not exit in time."""
        self._stopped = True
        t0 = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
            self._kill()
        elapsed = time.monotonic() - t0
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        self.exit_code = rc
        return rc, elapsed

    def stop(self, cleanup=True):
        """SIGTERM, bounded wait, and assert a clean exit (status 0)."""
        if self.proc is None:
            return
        if self._stopped:  # already stopped (stop() or signal_and_wait())
            if (cleanup and self.exit_code == 0 and not self.alive()
                    and not os.environ.get("PDT_KEEP_TMP")):
                self._remove_scratch()
            return
        self._stopped = True
        already = self.proc.poll()
        rc, elapsed = self.signal_and_wait(signal.SIGTERM)
        if already is not None:
            raise AssertionError("pdt serve had already exited (status %s) before stop(); "
                                 "log:\n%s" % (already, self.log_tail()))
        if rc is None:
            raise AssertionError("pdt serve did not exit within %ss of SIGTERM; log:\n%s"
                                 % (STOP_TIMEOUT, self.log_tail()))
        if rc != 0:
            raise AssertionError("pdt serve exited with %s after SIGTERM (expected 0); log:\n%s"
                                 % (rc, self.log_tail()))
        if cleanup and not os.environ.get("PDT_KEEP_TMP"):
            self._remove_scratch()

    def _remove_scratch(self):
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        drop_database(self.tmpdir)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        else:
            self._kill()
        return False

    # -- logs --------------------------------------------------------------
    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=40):
        return "\n".join(self.log_text().splitlines()[-n:])

    def wait_log(self, predicate, timeout=3.0):
        """Polls the log until predicate(line) holds for some line. Returns the line or None."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_text().splitlines():
                if predicate(line):
                    return line
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    # -- HTTP --------------------------------------------------------------
    @property
    def base_url(self):
        return "http://%s:%d" % (HOST, self.port)

    def request(self, method, path, body=None, token=None, headers=None, raw_body=None,
                timeout=SOCKET_TIMEOUT):
        return http_request(self.port, method, path, body=body, token=token, headers=headers,
                            raw_body=raw_body, timeout=timeout)

    def raw(self, data, **kw):
        return raw_exchange(self.port, data, **kw)

    def unique_email(self, prefix="user"):
        self._n += 1
        return "%s.%d.%s@example.com" % (prefix, self._n, secrets.token_hex(3))

    def register(self, email=None, password="correct horse battery", name=None):
        """Registers (asserting 201) and returns (token, user)."""
        body = {"email": email or self.unique_email(), "password": password}
        if name is not None:
            body["name"] = name
        r = self.request("POST", "/api/auth/register", body)
        if r.status != 201 or not isinstance(r.body, dict) or "token" not in r.body:
            raise AssertionError("register %r failed: %s %r" % (body["email"], r.status, r.body))
        return r.body["token"], r.body["user"]

    def login(self, email, password):
        return self.request("POST", "/api/auth/login", {"email": email, "password": password})

    def add_repo(self, token, url):
        r = self.request("POST", "/api/repos", {"url": url}, token=token)
        if r.status != 201:
            raise AssertionError("POST /api/repos %r failed: %s %r" % (url, r.status, r.body))
        return r.body


# --------------------------------------------------------------------------
# JWT

def b64url(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(s):
    if isinstance(s, str):
        s = s.encode("ascii")
    return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))


_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def make_jwt(claims, secret, alg="HS256", header=None, signature=None):
    """Builds a compact JWT. alg "none" gives an empty signature; header
    overrides the header object; signature overrides the signature part."""
    hdr = header if header is not None else {"alg": alg, "typ": "JWT"}
    h = b64url(json.dumps(hdr, separators=(",", ":")))
    p = b64url(json.dumps(claims, separators=(",", ":")))
    signing_input = (h + "." + p).encode("ascii")
    if signature is None:
        if alg == "none":
            signature = ""
        else:
            key = secret.encode("utf-8") if isinstance(secret, str) else secret
            signature = b64url(hmac.new(key, signing_input, _HASHES[alg]).digest())
    return h + "." + p + "." + signature


def decode_jwt(token):
    """(header, payload) without verification; payload bytes must be ASCII JSON."""
    h, p, _s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p).decode("ascii"))


def jwt_signature_ok(token, secret, alg="HS256"):
    h, p, s = token.split(".")
    want = hmac.new(secret.encode("utf-8"), (h + "." + p).encode("ascii"), _HASHES[alg]).digest()
    return hmac.compare_digest(want, b64url_decode(s))


# --------------------------------------------------------------------------
# direct database access (the server runs SQLite in WAL mode, or PostgreSQL)

def _is_pg(db_path):
    return db_path.startswith("postgres://") or db_path.startswith("postgresql://")


def _pg_sql(sql, params, prefix="p"):
    """sql with each ? outside quotes replaced by :'<prefix>N' (psql quotes the
    value) or NULL for None; returns (sql, variables)."""
    out, variables, n, quote = [], {}, 0, None
    for ch in sql:
        if quote:
            out.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            v = params[n]
            n += 1
            if v is None:
                out.append("NULL")
            else:
                name = "%s%d" % (prefix, n)
                variables[name] = str(int(v)) if isinstance(v, bool) else str(v)
                out.append(":'%s'" % name)
        else:
            out.append(ch)
    if n != len(params):
        raise AssertionError("%d parameters for %d placeholders" % (len(params), n))
    return "".join(out), variables


def db_connect(db_path):
    conn = sqlite3.connect(db_path, timeout=5.0, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def db_query(db_path, sql, params=()):
    """Rows as dicts (column name -> value; integers as int)."""
    if _is_pg(db_path):
        body, variables = _pg_sql(sql.strip().rstrip(";"), params)
        lines = psql(db_path, "SELECT coalesce(json_agg(t), '[]'::json) FROM (%s) AS t;\n"
                     % body, variables)
        return json.loads("\n".join(lines))
    conn = db_connect(db_path)
    try:
        return [dict(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def db_exec(db_path, sql, params=()):
    """Runs one write statement in its own transaction; returns the rows changed."""
    if _is_pg(db_path):
        body, variables = _pg_sql(sql.strip().rstrip(";"), params)
        lines = psql(db_path, body + ";\n", variables, single_tx=True, quiet=False)
        tags = [ln for ln in lines if re.match(r"^(INSERT|UPDATE|DELETE) [0-9 ]+$", ln)]
        return int(tags[-1].split()[-1])
    conn = db_connect(db_path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(sql, params)
        conn.execute("COMMIT")
        return cur.rowcount
    finally:
        conn.close()


def scratch_db(tmpdir):
    """What db_query & co. take for a scratch directory's database."""
    return pg_url(pg_dbname(tmpdir)) if PG else os.path.join(tmpdir, "pdt.db")


def db_table_names(db_path):
    """The names of the database's tables."""
    if _is_pg(db_path):
        rows = db_query(db_path, "SELECT table_name AS name FROM information_schema.tables"
                                 " WHERE table_schema = current_schema()")
    else:
        rows = db_query(db_path, "SELECT name FROM sqlite_master WHERE type = 'table'")
    return {r["name"] for r in rows}


def pg_dump_text(db_path):
    """Every row of every table of a PostgreSQL database as JSON text."""
    out = []
    for name in sorted(db_table_names(db_path)):
        out += psql(db_path, 'SELECT row_to_json(t)::text FROM :"tbl" AS t;\n', {"tbl": name})
    return "\n".join(out)


def delete_user(db_path, user_id):
    """Deletes a user row; everything the user owns cascades."""
    return db_exec(db_path, "DELETE FROM users WHERE id = ?", (user_id,))


_SEED_COLS = ("repo_id, sha, message, author, author_email, branch, date, jira_card_key,"
              " has_link, created_at")
_SEED_SQL = "INSERT INTO commits (" + _SEED_COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
# Schema 8 on: commits.user_id is its repository's (the API lists by it).
_SEED_SQL_USER = ("INSERT INTO commits (" + _SEED_COLS + ", user_id) VALUES (?, ?, ?, ?, ?, ?,"
                  " ?, ?, ?, ?, (SELECT r.user_id FROM repositories r WHERE r.id = ?))")


def _seed_sql(db_path):
    """The seed's INSERT for db_path's schema: with user_id where commits has
    it (migration 008), so bench/pg.py can also seed an older build's database."""
    if _is_pg(db_path):
        sql = ("SELECT count(*) AS n FROM information_schema.columns WHERE table_schema ="
               " current_schema() AND table_name = 'commits' AND column_name = 'user_id'")
    else:
        sql = "SELECT count(*) AS n FROM pragma_table_info('commits') WHERE name = 'user_id'"
    return (_SEED_SQL_USER, True) if db_query(db_path, sql)[0]["n"] else (_SEED_SQL, False)


def _seed_rows(repo_id, commits, now, with_user=False):
    for c in commits:
        key = c.get("jira_card_key")
        has_link = c.get("has_link", key is not None)
        yield (repo_id, c["sha"], c["message"], c.get("author", "Ada Lovelace"),
               c.get("author_email", "ada@example.com"), c.get("branch", "main"),
               int(c.get("date", now)), key, 1 if has_link else 0,
               int(c.get("created_at", now))) + ((repo_id,) if with_user else ())


def seed_commits(db_path, repo_id, commits):
    """Inserts commits for repo_id in one transaction. Each item is a dict with
    sha, message and optionally author, author_email, branch, date (Unix s),
    jira_card_key (None = no key), has_link (bool; default: key is not None),
    created_at (Unix s). Returns the new row ids in order."""
    now = int(time.time())
    sql, with_user = _seed_sql(db_path)
    if _is_pg(db_path):
        script, variables = [], {}
        for i, row in enumerate(_seed_rows(repo_id, commits, now, with_user)):
            body, v = _pg_sql(sql + " RETURNING id", row, prefix="c%d_" % i)
            script.append(body + ";")
            variables.update(v)
        if not script:
            return []
        lines = psql(db_path, "\n".join(script) + "\n", variables, single_tx=True)
        return [int(x) for x in lines]
    conn = db_connect(db_path)
    ids = []
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for row in _seed_rows(repo_id, commits, now, with_user):
                cur = conn.execute(sql, row)
                ids.append(cur.lastrowid)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return ids


def rfc3339(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(ts)))


def parse_rfc3339(s):
    import calendar
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def fake_sha(seed):
    return hashlib.sha1(str(seed).encode()).hexdigest()


# --------------------------------------------------------------------------
# unittest base class

class PdtTestCase(unittest.TestCase):
    maxDiff = None
    server = None  # class server, if start_class_server() was used

    @classmethod
    def start_class_server(cls, **kw):
        srv = Server(**kw)
        cls.addClassCleanup(srv.stop)
        return srv

    def start_server(self, **kw):
        srv = Server(**kw)
        self.addCleanup(srv.stop)
        return srv

    # -- assertions ---------------------------------------------------------
    def assertJSONResponse(self, r):
        ctype = r.headers.get("content-type", "")
        self.assertTrue(ctype.lower().startswith("application/json"),
                        "Content-Type %r is not application/json (status %s, body %r)"
                        % (ctype, r.status, r.body))

    def assertStatus(self, r, status, msg=None):
        self.assertEqual(r.status, status, "%s: expected %s, got %s %r"
                         % (msg or "status", status, r.status, r.body))

    def assertError(self, r, status, message=None, msg=None):
        """Status, JSON Content-Type and a body exactly {"error": <str>} (with the
        given message when the contract fixes it). status may be a tuple of allowed."""
        allowed = status if isinstance(status, tuple) else (status,)
        self.assertIn(r.status, allowed, "%sexpected %s, got %s %r"
                      % ((msg + ": ") if msg else "", status, r.status, r.body))
        self.assertJSONResponse(r)
        self.assertIsInstance(r.body, dict, "error body is not a JSON object: %r" % (r.body,))
        self.assertEqual(list(r.body.keys()), ["error"], "error body keys: %r" % (r.body,))
        self.assertIsInstance(r.body["error"], str)
        self.assertTrue(r.body["error"], "empty error message")
        if message is not None:
            self.assertEqual(r.body["error"], message)

    def assertTimestamp(self, value, near=None, tolerance=300):
        self.assertIsInstance(value, str, "timestamp is not a string: %r" % (value,))
        self.assertRegex(value, RFC3339_RE)
        if near is not None:
            self.assertLessEqual(abs(parse_rfc3339(value) - near), tolerance,
                                 "timestamp %s not within %ss of %s" % (value, tolerance,
                                                                       rfc3339(near)))

    def assertInt(self, value):
        self.assertTrue(isinstance(value, int) and not isinstance(value, bool),
                        "%r is not a JSON integer" % (value,))

    def assertBool(self, value):
        self.assertIsInstance(value, bool, "%r is not a JSON boolean" % (value,))

    def assertKeys(self, obj, keys):
        self.assertIsInstance(obj, dict)
        self.assertEqual(set(obj.keys()), set(keys), "keys of %r" % (obj,))
