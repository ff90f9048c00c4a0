"""Common machinery of the fake upstream servers (Python 3 standard library only).

FakeServer owns an HTTP/1.1 ThreadingHTTPServer bound to 127.0.0.1 (port 0 by
default: the kernel picks a free port), a request log, fault knobs that may be
changed at any time from any thread, and the /_admin/ API.  Subclasses implement

    handle(req)                        -> Response     the upstream's behaviour
    fault_response(kind, status, req, retry_after, body) -> Response
    path_aliases(req)                  -> [str]        other spellings of the path
    apply_state(obj) / summary()                       admin JSON (see README.md)

Every sleep waits on the stop event, so stop() releases hanging requests at once;
every loop is bounded.
"""

import datetime
import hashlib
import json
import random
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOOPBACK = "127.0.0.1"
MAX_BODY = 64 << 20          # request bodies (admin JSON) larger than this are refused
HANG_POLL = 0.05             # hanging requests re-check the knob this often

_FAULT_DEFAULTS = {
    "latency_ms": 0,                  # sleep before answering every request
    "error_rate": 0.0,                # fraction answered with one of error_statuses
    "error_statuses": [500, 502, 503],
    "rate_429": 0,                    # the next N requests get a rate-limit answer
    "retry_after": 1,                 # ... with Retry-After: this many seconds
    "rate_limit_status": 429,         # ... and this status (GitHub also uses 403)
    "hang": False,                    # requests sleep hang_seconds (or until stop/unset)
    "hang_seconds": 30.0,
    "malformed": [],                  # path substrings whose 200 bodies get broken
    "malformed_mode": "truncate",     # truncate | garbage | short_read
    "forced": [],                     # [{"path", "status", "count", "body"}]
    "slow": [],                       # [{"path", "ms"}]: extra latency for matching paths
}


# --------------------------------------------------------------------------
# small helpers shared by the fakes

def json_bytes(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def weak_etag(body):
    return 'W/"%s"' % hashlib.sha256(body).hexdigest()


def etag_matches(if_none_match, etag):
    """Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored; "*" matches."""
    if not if_none_match:
        return False
    bare = etag[2:] if etag.startswith("W/") else etag
    for part in if_none_match.split(","):
        part = part.strip()
        if part == "*":
            return True
        if part.startswith("W/"):
            part = part[2:]
        if part == bare:
            return True
    return False


def parse_time(value):
    """ISO 8601 / RFC 3339 text, epoch number, or datetime -> epoch seconds (float).
    A time without an offset is taken as UTC. Raises ValueError."""
    if value is None:
        raise ValueError("no time")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime.datetime):
        dt = value
    else:
        s = str(value).strip()
        if not s:
            raise ValueError("empty time")
        if s.endswith(("Z", "z")):
            s = s[:-1] + "+00:00"
        # +0100 -> +01:00 (Jira style offsets)
        if len(s) > 5 and s[-5] in "+-" and s[-4:].isdigit() and "T" in s:
            s = s[:-2] + ":" + s[-2:]
        dt = datetime.datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def parse_offset(value):
    """'+01:00' / '-0530' / 'Z' / minutes (int) -> minutes east of UTC."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    s = str(value).strip()
    if s in ("Z", "z", ""):
        return 0
    sign = -1 if s[0] == "-" else 1
    s = s.lstrip("+-").replace(":", "")
    if not s.isdigit() or len(s) not in (2, 4):
        raise ValueError("bad UTC offset %r" % value)
    hours, minutes = int(s[:2]), int(s[2:] or 0)
    return sign * (hours * 60 + minutes)


def format_utc(epoch):
    """2026-02-18T13:30:00Z (GitHub)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(epoch)))


def format_offset(epoch, offset_minutes, millis=True):
    """2026-02-18T14:30:00.000+01:00 (GitLab)."""
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(epoch) + offset_minutes * 60))
    if millis:
        text += ".000"
    sign = "+" if offset_minutes >= 0 else "-"
    off = abs(offset_minutes)
    return "%s%s%02d:%02d" % (text, sign, off // 60, off % 60)


def http_date(epoch):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(int(epoch)))


def page_args(req, default, maximum):
    """(page, per_page) from the query, clamped like the real services."""
    def num(name, dflt):
        try:
            return int(req.arg(name, dflt))
        except (TypeError, ValueError):
            return dflt
    per_page = num("per_page", default)
    if per_page < 1:
        per_page = default
    per_page = min(per_page, maximum)
    page = max(num("page", 1), 1)
    return page, per_page


# --------------------------------------------------------------------------
# request / response

class Response:
    """What a fake answers. drop: close the connection without a reply.
    short_read: announce more bytes than are sent, then close."""
    __slots__ = ("status", "headers", "body", "drop", "short_read")

    def __init__(self, status=200, body=b"", headers=None, content_type=None):
        self.status = status
        self.headers = list(headers or [])
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        if content_type:
            self.headers.append(("Content-Type", content_type))
        self.drop = False
        self.short_read = False

    def header(self, name, default=None):
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return default

    def set_header(self, name, value):
        low = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != low]
        self.headers.append((name, str(value)))


def json_response(status, obj, headers=None, content_type="application/json; charset=utf-8"):
    return Response(status, json_bytes(obj), headers, content_type)


DROP = "drop"


class Request:
    """One parsed request as seen by a fake's handle()."""
    __slots__ = ("method", "target", "path", "query_string", "query", "headers", "body",
                 "auth_token", "auth_scheme", "private_token", "entry", "t0")

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[-1] if values else default

    def header(self, name, default=None):
        v = self.headers.get(name)
        return default if v is None else v

    @property
    def token(self):
        return self.private_token if self.private_token is not None else self.auth_token

    def segments(self):
        """Raw path split on '/' (empty parts dropped), each part percent-decoded
        AFTER splitting, so %2F stays inside its segment."""
        return [urllib.parse.unquote(p) for p in self.path.split("/") if p != ""]


# --------------------------------------------------------------------------
# HTTP plumbing

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-upstream"
    sys_version = ""
    timeout = 30            # idle keep-alive connections are closed after this

    def setup(self):
        super().setup()
        try:    # headers and body go out in separate writes: avoid Nagle + delayed ACK
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.server.fake._conn_opened(self.connection)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.fake._conn_closed(self.connection)

    def log_message(self, fmt, *args):   # silence the default stderr log
        pass

    def _any(self):
        try:
            self.server.fake._dispatch(self)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _any

    def version_string(self):
        return self.server.fake.server_header


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):   # no tracebacks on stderr
        pass


class _Knob:
    """A fault knob: reads and writes go through the server lock."""

    def __init__(self, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        with obj._lock:
            value = obj._faults[self.name]
            return set(value) if self.name == "malformed" else value

    def __set__(self, obj, value):
        obj.set_faults(**{self.name: value})


class FakeServer:
    """Base of FakeGitHub / FakeGitLab. Use start() -> base URL, stop(), or `with`."""

    KIND = "fake"
    server_header = "fake-upstream"

    latency_ms = _Knob("latency_ms")
    error_rate = _Knob("error_rate")
    error_statuses = _Knob("error_statuses")
    rate_429 = _Knob("rate_429")
    retry_after = _Knob("retry_after")
    rate_limit_status = _Knob("rate_limit_status")
    hang = _Knob("hang")
    hang_seconds = _Knob("hang_seconds")
    malformed = _Knob("malformed")
    malformed_mode = _Knob("malformed_mode")

    def __init__(self, seed=0, port=0):
        self._lock = threading.RLock()
        self._stop_event = threading.Event()
        self._port_wanted = int(port)
        self._server = None
        self._thread = None
        self._conns = set()
        self.base_url = None
        self.port = None
        self._seed = seed
        self._rng = random.Random(seed)
        self._faults = json.loads(json.dumps(_FAULT_DEFAULTS))
        self._log = []
        self._seq = 0
        self._in_flight = 0
        self._max_in_flight = 0

    # ---------------------------------------------------------------- lifecycle
    def start(self):
        """Binds 127.0.0.1:<port> (0 = any free port), serves in a daemon thread,
        returns the base URL ("http://127.0.0.1:PORT")."""
        with self._lock:
            if self._server is not None:
                return self.base_url
            self._stop_event = threading.Event()
            server = _Server((LOOPBACK, self._port_wanted), _Handler)
            server.fake = self
            self._server = server
            self.port = server.server_address[1]
            self.base_url = "http://%s:%d" % (LOOPBACK, self.port)
            self._thread = threading.Thread(target=server.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name="%s-%d" % (self.KIND, self.port), daemon=True)
            self._thread.start()
            return self.base_url

    def stop(self, timeout=5.0):
        """Stops serving, releases hanging/sleeping requests, closes open
        connections. Idempotent; bounded by `timeout` seconds."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = None
            self._thread = None
            self._stop_event.set()
            conns = list(self._conns)
        if server is None:
            return
        server.shutdown()
        server.server_close()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if thread is not None:
            thread.join(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._conns:
                    break
            time.sleep(0.01)

    @property
    def running(self):
        return self._server is not None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _conn_opened(self, conn):
        with self._lock:
            self._conns.add(conn)

    def _conn_closed(self, conn):
        with self._lock:
            self._conns.discard(conn)

    def sleep(self, seconds):
        """Bounded sleep that ends early on stop(); returns False when stopped."""
        if seconds > 0:
            self._stop_event.wait(seconds)
        return not self._stop_event.is_set()

    # ---------------------------------------------------------------- faults
    def set_faults(self, **knobs):
        """latency_ms, error_rate, error_statuses, rate_429, retry_after,
        rate_limit_status, hang, hang_seconds, malformed, malformed_mode,
        forced, slow, seed. Unknown names raise KeyError."""
        with self._lock:
            for name, value in knobs.items():
                if name == "seed":
                    self._seed = value
                    self._rng = random.Random(value)
                    continue
                if name not in _FAULT_DEFAULTS:
                    raise KeyError("unknown fault knob %r" % name)
                if name == "latency_ms":
                    value = max(0.0, float(value))
                elif name == "error_rate":
                    value = min(1.0, max(0.0, float(value)))
                elif name == "error_statuses":
                    value = [int(s) for s in value] or [500]
                elif name in ("rate_429", "rate_limit_status"):
                    value = max(0, int(value))
                elif name == "retry_after":
                    value = max(0, int(value))
                elif name == "hang":
                    value = bool(value)
                elif name == "hang_seconds":
                    value = max(0.0, float(value))
                elif name == "malformed":
                    value = [value] if isinstance(value, str) else sorted(set(value))
                elif name == "malformed_mode":
                    if value not in ("truncate", "garbage", "short_read"):
                        raise ValueError("malformed_mode: truncate|garbage|short_read")
                elif name == "slow":
                    value = [{"path": str(r["path"]), "ms": max(0.0, float(r["ms"]))}
                             for r in (value or [])]
                elif name == "forced":
                    self._faults["forced"] = []
                    for rule in value or []:
                        self.force_status(**rule)
                    continue
                self._faults[name] = value

    def faults(self):
        """A JSON-able copy of the current knobs."""
        with self._lock:
            out = json.loads(json.dumps(self._faults))
            out["seed"] = self._seed
            return out

    def clear_faults(self):
        with self._lock:
            seed = self._seed
            self._faults = json.loads(json.dumps(_FAULT_DEFAULTS))
            self._rng = random.Random(seed)

    def force_status(self, path, status, count=None, body=None, after=0):
        """Requests whose path contains `path` (also matched against the
        canonical spellings of the path, see path_aliases) get `status` --
        `count` times, or until clear_forced(). status 0 closes the connection
        without an answer. body: optional str / JSON-able object to send.
        after: that many matching requests are answered normally first (e.g.
        a listing whose second page fails)."""
        rule = {"path": str(path), "status": int(status),
                "count": None if count is None else int(count), "body": body,
                "after": max(0, int(after))}
        with self._lock:
            self._faults["forced"].append(rule)
        return rule

    def clear_forced(self, path=None):
        with self._lock:
            self._faults["forced"] = [r for r in self._faults["forced"]
                                      if path is not None and r["path"] != path]

    def _aliases(self, req):
        try:
            return list(self.path_aliases(req))
        except Exception:      # an alias lookup must never break a request
            return []

    def _candidates(self, req):
        """Lower-cased spellings of the request path that fault rules match
        (case-insensitively, like GitHub/GitLab owner and project names)."""
        out = [req.target, urllib.parse.unquote(req.target)] + self._aliases(req)
        return [c.lower() for c in out]

    def _slow_ms(self, req):
        """The first `slow` rule whose path the request's path contains: its ms."""
        with self._lock:
            rules = list(self._faults["slow"])
        if not rules:
            return 0
        cands = self._candidates(req)
        for rule in rules:
            if any(rule["path"].lower() in c for c in cands):
                return rule["ms"]
        return 0

    def _fault_for(self, req):
        """Hang, latency, then at most one injected answer. Returns a Response,
        DROP, or None (answer normally)."""
        with self._lock:
            f = self._faults
            hang, hang_s, latency = f["hang"], f["hang_seconds"], f["latency_ms"]
        if hang:
            deadline = time.monotonic() + hang_s
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not self.hang:
                    break
                if not self.sleep(min(HANG_POLL, left)):
                    return DROP
            req.entry["fault"] = "hang"
        if latency:
            if not self.sleep(latency / 1000.0):
                return DROP
        slow_ms = self._slow_ms(req)
        if slow_ms:
            req.entry["fault"] = "slow"
            if not self.sleep(slow_ms / 1000.0):
                return DROP
        if self._stop_event.is_set():
            return DROP
        kind = status = body = None
        with self._lock:
            f = self._faults
            if f["forced"]:
                cands = self._candidates(req)
                for rule in f["forced"]:
                    if any(rule["path"].lower() in c for c in cands):
                        if rule.get("after", 0) > 0:
                            rule["after"] -= 1
                            break
                        kind, status, body = "forced", rule["status"], rule["body"]
                        if rule["count"] is not None:
                            rule["count"] -= 1
                            if rule["count"] <= 0:
                                f["forced"].remove(rule)
                        break
            if kind is None and f["rate_429"] > 0:
                f["rate_429"] -= 1
                kind, status = "rate_429", f["rate_limit_status"]
            if kind is None and f["error_rate"] > 0 and self._rng.random() < f["error_rate"]:
                kind, status = "error_rate", self._rng.choice(f["error_statuses"])
            retry_after = f["retry_after"]
        if kind is None:
            return None
        req.entry["fault"] = kind
        if status == 0:
            return DROP
        if body is not None:
            if isinstance(body, (dict, list)):
                return json_response(status, body)
            return Response(status, str(body), content_type="text/plain; charset=utf-8")
        return self.fault_response(kind, status, req, retry_after)

    def _maybe_malform(self, req, resp):
        with self._lock:
            subs = list(self._faults["malformed"])
            mode = self._faults["malformed_mode"]
        if not subs or resp.status != 200 or req.method == "HEAD":
            return resp
        cands = self._candidates(req)
        if not any(s.lower() in c for s in subs for c in cands):
            return resp
        req.entry["fault"] = "malformed"
        headers = [(k, v) for k, v in resp.headers if k.lower() != "etag"]
        if mode == "garbage":
            out = Response(200, b'<html><body>upstream error</body></html>{"', headers)
        elif mode == "short_read":
            out = Response(200, resp.body[: max(1, len(resp.body) // 2)], headers)
            out.short_read = True
        else:
            body = resp.body
            cut = body[: max(1, len(body) // 2)]
            if cut == body:               # one-byte bodies: make sure it is broken
                cut = b"{"
            out = Response(200, cut, headers)
        return out

    # ---------------------------------------------------------------- log
    def log(self):
        """A copy of the request log (list of dicts, oldest first)."""
        with self._lock:
            return [dict(e) for e in self._log]

    def reset_log(self):
        with self._lock:
            self._log = []
            self._max_in_flight = self._in_flight

    @property
    def max_in_flight(self):
        with self._lock:
            return self._max_in_flight

    @property
    def in_flight(self):
        with self._lock:
            return self._in_flight

    def requests_for(self, token=None, path_contains=None, status=None, repo=None, method=None):
        """Log entries filtered by token, path substring (of the path or one of
        its canonical aliases), status, repository full name, method."""
        with self._lock:
            entries = list(self._log)
        out = []
        for e in entries:
            if token is not None and e["token"] != token:
                continue
            if status is not None and e["status"] != status:
                continue
            if method is not None and e["method"] != method:
                continue
            if repo is not None and (e.get("repo") or "").lower() != repo.lower():
                continue
            if path_contains is not None and not any(
                    path_contains.lower() in p.lower()
                    for p in [e["path"], e["target"]] + e.get("aliases", [])):
                continue
            out.append(dict(e))
        return out

    # ---------------------------------------------------------------- dispatch
    def _dispatch(self, h):
        t0 = time.monotonic()
        target = h.path
        if target.startswith(("http://", "https://")):      # absolute-form target
            parts = urllib.parse.urlsplit(target)
            target = parts.path + ("?" + parts.query if parts.query else "")
        path, _, qs = target.partition("?")
        length = h.headers.get("Content-Length")
        body = b""
        if length:
            try:
                n = int(length)
            except ValueError:
                n = -1
            if n < 0 or n > MAX_BODY:
                self._send(h, json_response(400, {"message": "bad Content-Length"}), "GET")
                h.close_connection = True
                return
            body = h.rfile.read(n)
        if path == "/_admin" or path.startswith("/_admin/"):
            self._send(h, self._admin(h.command, path, qs, body), h.command)
            return

        req = Request()
        req.method = h.command
        req.target = target
        req.path = path
        req.query_string = qs
        req.query = urllib.parse.parse_qs(qs, keep_blank_values=True)
        req.headers = h.headers
        req.body = body
        req.t0 = t0
        auth = h.headers.get("Authorization")
        req.auth_token = req.auth_scheme = None
        if auth:
            scheme, _, rest = auth.strip().partition(" ")
            req.auth_scheme = scheme
            req.auth_token = rest.strip() if rest.strip() else None
        req.private_token = h.headers.get("PRIVATE-TOKEN")
        entry = {
            "seq": 0, "time": t0, "wall": time.time(), "end_time": None,
            "method": req.method, "path": path, "target": target,
            "query": {k: v[-1] for k, v in req.query.items()},
            "headers": {
                "If-None-Match": h.headers.get("If-None-Match"),
                "User-Agent": h.headers.get("User-Agent"),
                "Accept": h.headers.get("Accept"),
                "Authorization": auth is not None,
                "PRIVATE-TOKEN": req.private_token is not None,
                "auth_scheme": req.auth_scheme,
            },
            "token": self._log_token(req), "status": None, "fault": None, "cost": 0,
            "repo": None, "bytes": 0,
        }
        req.entry = entry
        with self._lock:
            self._in_flight += 1
            if self._in_flight > self._max_in_flight:
                self._max_in_flight = self._in_flight
        logged = False
        try:
            resp = self._fault_for(req)
            if resp is None:
                try:
                    resp = self.handle(req)
                except Exception as exc:       # a bug in a fake shows up as a 500
                    entry["fault"] = "exception: %r" % (exc,)
                    resp = json_response(500, {"message": "fake crashed: %r" % (exc,)})
                resp = self._maybe_malform(req, resp)
            dropped = resp is DROP or getattr(resp, "drop", False)
            if not dropped:
                entry["status"] = resp.status
                entry["bytes"] = len(resp.body)
            else:
                entry["status"] = 0
            # record before answering: a client that has its answer finds it logged
            self._record(req, entry)
            logged = True
            if dropped:
                h.close_connection = True
                return
            self._send(h, resp, req.method)
        finally:
            if not logged:
                self._record(req, entry)

    def _log_token(self, req):
        try:
            return self.log_token(req)
        except Exception:      # a log hook must never break a request
            return req.token

    def _record(self, req, entry):
        entry["end_time"] = time.monotonic()
        entry["aliases"] = self._aliases(req)
        with self._lock:
            self._in_flight -= 1
            self._seq += 1
            entry["seq"] = self._seq
            self._log.append(entry)

    def _send(self, h, resp, method):
        h.send_response(resp.status)
        has_len = False
        for k, v in resp.headers:
            if k.lower() == "content-length":
                has_len = True
            h.send_header(k, v)
        no_body = resp.status in (204, 304) or 100 <= resp.status < 200
        if not has_len and not no_body:
            n = len(resp.body) * 2 + 16 if resp.short_read else len(resp.body)
            h.send_header("Content-Length", str(n))
        if resp.short_read:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        if method != "HEAD" and not no_body and resp.body:
            h.wfile.write(resp.body)
        h.wfile.flush()

    # ---------------------------------------------------------------- admin API
    def _admin(self, method, path, qs, body):
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(qs, keep_blank_values=True).items()}
        name = path[len("/_admin/"):].strip("/") if path.startswith("/_admin/") else ""
        try:
            obj = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError) as exc:
            return json_response(400, {"error": "invalid JSON: %s" % exc})
        try:
            if name in ("", "health") and method == "GET":
                return json_response(200, {"ok": True, "kind": self.KIND,
                                           "base_url": self.base_url})
            if name == "state" and method == "POST":
                if not isinstance(obj, dict):
                    return json_response(400, {"error": "state must be a JSON object"})
                return json_response(200, self.apply_state(obj))
            if name == "state" and method == "GET":
                return json_response(200, self.summary())
            if name == "faults" and method == "POST":
                if obj.pop("clear", False):
                    self.clear_faults()
                self.set_faults(**obj)
                return json_response(200, self.faults())
            if name == "faults" and method == "GET":
                return json_response(200, self.faults())
            if name == "log" and method == "GET":
                entries = self.requests_for(token=query.get("token"),
                                            path_contains=query.get("path_contains"),
                                            repo=query.get("repo"))
                since = int(query.get("since", 0) or 0)
                entries = [e for e in entries if e["seq"] > since]
                return json_response(200, {"count": len(entries), "entries": entries,
                                           "max_in_flight": self.max_in_flight,
                                           "last_seq": self._seq})
            if name == "reset_log" and method == "POST":
                self.reset_log()
                return json_response(200, {"ok": True})
            if name == "reset" and method == "POST":
                self.reset_all()
                return json_response(200, {"ok": True})
            if name == "budget" and method == "GET":
                return json_response(200, self.budget(query.get("token", "")))
            if name == "counters" and method == "GET":
                tok = query.get("token")
                return json_response(200, {
                    "requests": len(self.requests_for(token=tok,
                                                      path_contains=query.get("path_contains"))),
                    "rate_units_used": self.rate_units_used(tok) if tok else None,
                    "max_in_flight": self.max_in_flight})
        except (KeyError, ValueError, TypeError) as exc:
            return json_response(400, {"error": "%s: %s" % (type(exc).__name__, exc)})
        return json_response(404, {"error": "no admin route %s %s" % (method, path)})

    # ---------------------------------------------------------------- hooks
    def handle(self, req):
        return json_response(404, {"message": "Not Found"})

    def fault_response(self, kind, status, req, retry_after):
        headers = [("Retry-After", str(retry_after))] if status == 429 else []
        return json_response(status, {"message": "injected %d" % status}, headers)

    def path_aliases(self, req):
        return []

    def log_token(self, req):
        """What the request log records as `token` (default: the value presented;
        FakeJira records the e-mail of HTTP Basic credentials)."""
        return req.token

    def apply_state(self, obj):
        if "faults" in obj:
            self.set_faults(**obj["faults"])
        return {"ok": True}

    def summary(self):
        return {"kind": self.KIND}

    def reset_all(self):
        self.clear_faults()
        self.reset_log()

    def budget(self, token):
        return {}

    def rate_units_used(self, token):
        return sum(e["cost"] for e in self.requests_for(token=token))
