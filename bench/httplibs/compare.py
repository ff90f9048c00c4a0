#!/usr/bin/env python3
"""Compares the HTTP server libraries Debian 12 ships, for pdt's HTTP layer.

Python standard library only (plus wrk for the throughput part). It starts each
server that bench/httplibs/build.sh built (libmicrohttpd's mhd.c,
civetweb, h2o evloop, libevent evhttp) on a free 127.0.0.1 port, then:

1. sends the same raw-socket corpus of malformed (and a few valid) requests to
   each and classifies every answer: status code, whether the bytes are the
   expected number of well-formed HTTP/1.x responses (one status line + header
   block each, body consistent with Content-Length / chunked / close, nothing
   left over), body type, whether the connection closed, and whether the
   request reached the application (its answers carry the fixed JSON bodies);
2. runs `wrk -t2 -c32 -d${DURATION}s --latency` (GET /) against each, twice
   in alternation, and reports req/s, p99 and the ratio to libmicrohttpd.

It is a measurement, not a test: it exits 0 when it ran, 1 when a server
could not be started or wrk is missing. Every process it starts is stopped.

PDT_BINS="before=/path/to/pdt,after=build/pdt" runs pdt binaries instead (each
`pdt serve` with its own temporary SQLite database, sync off; LIBS defaults
to them): the corpus's GETs go to /healthz, its POSTs to /api/auth/login, and
"reached the application" means the answer came from pdt's own code (it
carries pdt's CORS headers, which the library's own answers do not); wrk runs
GET /healthz.

Environment: DURATION (8 s per wrk run), WARMUP (1 s), HTTP_THREADS (8),
OUT_DIR (the build.sh output dir, default <repo>/build/httplibs),
LIBS (comma list, default mhd,civetweb,civetweb-json,h2o,evhttp), SKIP_WRK=1.
civetweb-json is bench_civetweb with CIVETWEB_JSON_ERRORS=1: its http_error
callback writes the library's own error answers as JSON. It only runs the
corpus (its request path, hence its throughput, is civetweb's).
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.environ.get("OUT_DIR", os.path.join(ROOT, "build", "httplibs"))
DURATION = int(os.environ.get("DURATION", "8"))
WARMUP = int(os.environ.get("WARMUP", "1"))
THREADS = os.environ.get("HTTP_THREADS", "8")
PDT_BINS = dict(x.split("=", 1) for x in os.environ.get("PDT_BINS", "").split(",") if "=" in x)
LIBS = [x for x in os.environ.get("LIBS", ",".join("pdt:" + k for k in PDT_BINS) or
                                  "mhd,civetweb,civetweb-json,h2o,evhttp").split(",") if x]
NAMES = {"mhd": "libmicrohttpd 0.9.75", "civetweb": "civetweb 1.15",
         "civetweb-json": "civetweb+http_error", "h2o": "h2o 2.2.5 evloop",
         "evhttp": "libevent 2.1 evhttp"}
NAMES.update({"pdt:" + k: "pdt " + k for k in PDT_BINS})
# Request targets (GET, POST) per server: pdt's are real routes.
PDT_TARGETS = (b"/healthz", b"/api/auth/login")
# Variants: the same binary with an environment; corpus only (same request path as the base).
VARIANTS = {"civetweb-json": ("civetweb", {"CIVETWEB_JSON_ERRORS": "1"})}

APP_BODIES = (b'{"status":"ok"}', b'{"error":"method not allowed"}')
READ_CAP_S = 3.0      # longest wait for an answer on one case
GRACE_S = 0.4         # extra wait after a complete answer, to catch trailing bytes / close
MAX_REPLY = 1 << 20   # bytes read per case at most


# ---------------------------------------------------------------- corpus

def get(fields=b"", target=b"/", version=b"HTTP/1.1", host=b"Host: x\r\n"):
    return b"GET " + target + b" " + version + b"\r\n" + host + fields + b"\r\n"


LOGIN_BODY = b'{"email":"a@b.c","password":"xy"}'  # 33 bytes: the declared Content-Length 33 is the whole body


def post(fields, body=LOGIN_BODY, target=b"/"):
    return (b"POST " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + fields + b"\r\n" + body)


def corpus(targets=(b"/", b"/")):
    """(label, bytes, kind, expected responses). kind: 'bad' must be refused,
    'ok' is valid and must reach the application. targets: (GET, POST)."""
    g_t, p_t = targets

    def get(fields=b"", target=None, version=b"HTTP/1.1", host=b"Host: x\r\n"):
        return GET(fields, g_t if target is None else target, version, host)

    def post(fields, body=LOGIN_BODY):
        return POST(fields, body, p_t)

    c = []
    auth = b"Authorization: Bearer x"
    for label, field in [
            ("auth NUL+junk", auth + b"\x00junk"), ("auth NUL end", auth + b"\x00"),
            ("auth NUL+blanks", auth + b"\x00  "), ("auth CR+junk", auth + b"\rjunk"),
            ("auth LF+junk", auth + b"\njunk"), ("auth SOH inside", b"Authorization: Bea\x01rer x"),
            ("auth DEL end", auth + b"\x7f"), ("auth ESC end", auth + b"\x1b"),
            ("value NUL", b"X-A: a\x00b"), ("value starts NUL", b"X-A:\x00b"),
            ("value CR", b"X-A: a\rb"), ("value VT", b"X-A: a\x0bb"),
            ("obs-fold SP", b"X-A: a\r\n b"), ("obs-fold HTAB", b"X-A: a\r\n\tb"),
            ("name SOH", b"X\x01A: b"), ("name SP", b"X A: b"), ("name SP before :", b"X-A : b"),
            ("name (A)", b"X(A): b")]:
        c.append((label, get(field + b"\r\n"), "bad", 1))
    for v in [b"0x10", b"-0", b"+33", b"1e3", b"75 75", b"", b"3a", b"0.5",
              b"18446744073709551616", b"99999999999999999999999"]:
        c.append(("CL '%s'" % v.decode(), post(b"Content-Length: " + v + b"\r\n"), "bad", 1))
    for label, fields in [
            ("CL+TE chunked", b"Content-Length: 33\r\nTransfer-Encoding: chunked\r\n"),
            ("TE chunked+CL", b"Transfer-Encoding: chunked\r\nContent-Length: 33\r\n"),
            ("CL 33+CL 34", b"Content-Length: 33\r\nContent-Length: 34\r\n"),
            ("CL 33+CL 0", b"Content-Length: 33\r\nContent-Length: 0\r\n"),
            ("TE gzip", b"Transfer-Encoding: gzip\r\n"),
            ("TE gzip, chunked", b"Transfer-Encoding: gzip, chunked\r\n"),
            ("TE chunked twice", b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")]:
        c.append((label, post(fields), "bad", 1))
    c.append(("no Host (1.1)", get(host=b""), "bad", 1))
    c.append(("two Hosts", get(host=b"Host: a\r\nHost: b\r\n"), "bad", 1))
    c.append(("200 KB header", get(b"X-Big: " + b"a" * 200000 + b"\r\n"), "bad", 1))
    c.append(("100 KB request line", get(target=b"/" + b"a" * 100000), "bad", 1))
    c.append(("HTTP/2.0 plain", get(version=b"HTTP/2.0"), "bad", 1))
    c.append(("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "bad", 1))
    c.append(("valid GET", get(), "ok", 1))
    c.append(("valid 1.0 no Host", get(version=b"HTTP/1.0", host=b""), "ok", 1))
    c.append(("pipelined pair", get() + get(), "ok", 2))
    return c


GET, POST = get, post


# ---------------------------------------------------------------- parsing

class Bad(Exception):
    pass


def parse_head(data):
    """-> (status, headers list, header block length) or raise Bad."""
    end = data.find(b"\r\n\r\n")
    if not data.startswith(b"HTTP/"):
        raise Bad("not a status line")
    if end < 0:
        raise Bad("incomplete header block")
    lines = data[:end].split(b"\r\n")
    m = re.fullmatch(rb"HTTP/1\.[01] (\d{3})(?: [^\r\n]*)?", lines[0])
    if not m:
        raise Bad("bad status line %r" % lines[0][:40])
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not re.fullmatch(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name) or b"\n" in line:
            raise Bad("bad header line %r" % line[:40])
        headers.append((name.lower(), value.strip(b" \t")))
    return int(m.group(1)), headers, end + 4


def parse_chunked(data):
    """-> (body, bytes used) or raise Bad."""
    pos, body = 0, b""
    for _ in range(100000):  # bounded
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            raise Bad("incomplete chunk size")
        size_s = data[pos:eol].split(b";")[0].strip()
        if not re.fullmatch(rb"[0-9a-fA-F]{1,16}", size_s):
            raise Bad("bad chunk size")
        size = int(size_s, 16)
        pos = eol + 2
        if size == 0:
            end = data.find(b"\r\n\r\n", pos - 2)
            if end < 0:
                raise Bad("incomplete trailer")
            return body, end + 4
        if len(data) < pos + size + 2 or data[pos + size:pos + size + 2] != b"\r\n":
            raise Bad("incomplete chunk")
        body += data[pos:pos + size]
        pos += size + 2
    raise Bad("too many chunks")


def parse_stream(data, closed, head_request=False):
    """Splits the reply bytes into responses. -> (list of (status, headers,
    body), error or None)."""
    out = []
    while data and len(out) < 16:
        try:
            status, headers, hlen = parse_head(data)
            hmap = {}
            for k, v in headers:
                hmap.setdefault(k, []).append(v)
            rest = data[hlen:]
            cls = hmap.get(b"content-length", [])
            te = b",".join(hmap.get(b"transfer-encoding", [])).lower()
            if head_request or status < 200 or status in (204, 304):
                body, used = b"", 0
            elif te:
                if te.strip() != b"chunked":
                    raise Bad("unexpected Transfer-Encoding %r" % te)
                if cls:
                    raise Bad("Content-Length with Transfer-Encoding")
                body, used = parse_chunked(rest)
            elif cls:
                if len(set(cls)) != 1 or not re.fullmatch(rb"\d{1,18}", cls[0]):
                    raise Bad("bad Content-Length %r" % cls)
                n = int(cls[0])
                if len(rest) < n:
                    raise Bad("body shorter than Content-Length")
                body, used = rest[:n], n
            else:
                if not closed:
                    raise Bad("no length and connection not closed")
                body, used = rest, len(rest)
            out.append((status, hmap, body))
            data = rest[used:]
        except Bad as e:
            return out, str(e)
    return out, ("too many responses" if data else None)


def body_type(body):
    b = body.strip()
    if not b:
        return "empty"
    if b[:1] in (b"{", b"["):
        return "json"
    if b"<html" in b[:200].lower() or b"<!doctype" in b[:200].lower():
        return "html"
    return "text"


def exchange(port, data):
    """-> (reply bytes, closed, note)."""
    reply, closed, note = b"", False, ""
    try:
        s = socket.create_connection((HOST, port), timeout=2.0)
    except OSError as e:
        return b"", True, "connect: %s" % e
    try:
        try:
            s.sendall(data)
        except OSError as e:  # the server may refuse before the 200 KB are sent
            note = "send: %s" % e.__class__.__name__
        start = time.monotonic()
        complete_at = None
        while True:
            now = time.monotonic()
            limit = start + READ_CAP_S
            if complete_at is not None:
                limit = min(limit, complete_at + GRACE_S)
            if now >= limit or len(reply) >= MAX_REPLY:
                break
            s.settimeout(max(0.01, limit - now))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed, note = True, (note + " reset").strip()
                break
            if not chunk:
                closed = True
                break
            reply += chunk
            if complete_at is None and b"\r\n\r\n" in reply:
                complete_at = time.monotonic()
    finally:
        s.close()
    return reply, closed, note


def classify(label, data, kind, expected, port, pdt=False):
    reply, closed, note = exchange(port, data)
    responses, err = parse_stream(reply, closed, head_request=data.startswith(b"HEAD "))
    wf = err is None and len(responses) == expected
    if not reply:
        status = "-"
    else:
        m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
        status = m.group(1).decode() if m else "?"
    if responses:
        btype = body_type(responses[0][2])
    else:
        hb = reply.split(b"\r\n\r\n")[-1] if b"\r\n\r\n" in reply else b""
        btype = body_type(hb) if reply else "none"
    app = any(r[2] in APP_BODIES for r in responses) or any(
        b in reply for b in APP_BODIES)
    if pdt:  # pdt's own answers carry its CORS headers
        app = any(b"access-control-allow-methods" in r[1] for r in responses) or (
            b"\r\naccess-control-allow-methods:" in reply.lower())
    # A binary HTTP/2 frame header (length, type, flags, stream 0): the server
    # took the bytes as h2c prior knowledge. Not HTTP/1.x, but not garbage.
    h2 = (len(reply) >= 9 and not reply.startswith(b"HTTP/") and reply[3] <= 9
          and reply[5:9] == b"\x00\x00\x00\x00")
    if h2:
        status, err = "h2", "HTTP/2 frames (h2c prior knowledge), not HTTP/1.x"
    blocks = len(re.findall(rb"(?:^|\r\n)HTTP/1\.[01] \d{3}", reply))
    if not reply and not closed:
        err = "no answer, connection still open after %.0f s" % READ_CAP_S
    elif not reply:
        err = "closed without an answer"
    why = err or ("%d responses, expected %d" % (len(responses), expected)
                  if not wf and reply else "")
    return {"label": label, "kind": kind, "status": status, "wf": wf, "body": btype,
            "closed": closed, "app": app, "h2": h2, "blocks": blocks, "bytes": len(reply),
            "why": why if not wf else "", "note": note}


def idle_probe(port, idle, target=b"/"):
    """Opens `idle` connections that each send an incomplete request line and
    stay silent, then times one fresh GET /. A library that ties a thread to a
    connection stalls here once idle >= its threads. -> ms or None (no answer
    within READ_CAP_S)."""
    socks = []
    try:
        for _ in range(idle):
            s = socket.create_connection((HOST, port), timeout=2.0)
            socks.append(s)
            s.sendall(b"GET /hea")
        time.sleep(0.2)  # let the server take them in
        t = time.monotonic()
        with socket.create_connection((HOST, port), timeout=READ_CAP_S) as c:
            c.sendall(get(target=target))
            reply = b""
            while BODY_OK not in reply and len(reply) < MAX_REPLY:
                left = t + READ_CAP_S - time.monotonic()
                if left <= 0:
                    return None
                c.settimeout(left)
                try:
                    chunk = c.recv(65536)
                except (socket.timeout, OSError):
                    return None
                if not chunk:
                    return None
                reply += chunk
        return (time.monotonic() - t) * 1000.0 if reply.startswith(b"HTTP/1.1 200") else None
    finally:
        for s in socks:
            s.close()


BODY_OK = APP_BODIES[0]


# ---------------------------------------------------------------- servers

def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, lib):
        self.lib = lib
        self.pdt = lib.startswith("pdt:")
        base, env = VARIANTS.get(lib, (lib, {}))
        self.bin = PDT_BINS[lib[4:]] if self.pdt else os.path.join(OUT_DIR, "bench_" + base)
        self.env = dict(os.environ, **env)
        self.targets = PDT_TARGETS if self.pdt else (b"/", b"/")
        self.tmp = tempfile.mkdtemp(prefix="compare-pdt.") if self.pdt else None
        self.proc = None
        self.port = None
        self.restarts = 0

    def argv_env(self):
        if not self.pdt:
            return [self.bin, str(self.port), THREADS], self.env
        env = {k: v for k, v in self.env.items() if k not in ("SERVER_ADDR", "SERVER_PORT")}
        env.update(SERVER_ADDR=HOST, SERVER_PORT=str(self.port), SYNC_ENABLED="false",
                   HTTP_THREADS=THREADS, JWT_SECRET="ab" * 32, ENCRYPTION_KEY="cd" * 32,
                   DATABASE_URL="sqlite://" + os.path.join(self.tmp, "pdt.db"))
        return [self.bin, "serve"], env

    def start(self):
        for _ in range(5):  # bounded: retry when a free port was taken meanwhile
            self.port = free_port()
            argv, env = self.argv_env()
            self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, env=env, cwd=self.tmp)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection((HOST, self.port), timeout=0.5).close()
                    return
                except OSError:
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError("cannot start %s" % self.bin)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def cleanup(self):
        self.stop()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- wrk

def to_ms(s):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", s)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def run_wrk(port, seconds, target=b"/"):
    cmd = ["wrk", "-t2", "-c32", "-d%ds" % seconds, "--latency", "--timeout", "10s",
           "http://%s:%d%s" % (HOST, port, target.decode())]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30)
    out = p.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errs = re.search(r"Socket errors:\s+connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0,
            "p99": to_ms(p99.group(1)) if p99 else float("nan"),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": sum(int(x) for x in errs.groups()) if errs else 0}


# ---------------------------------------------------------------- main

def main():
    unknown = [lib for lib in LIBS if lib not in NAMES]
    if unknown:
        print("compare.py: unknown LIBS entries: %s" % ", ".join(unknown))
        return 1
    missing = [lib for lib in LIBS if not os.access(
        PDT_BINS[lib[4:]] if lib.startswith("pdt:") else
        os.path.join(OUT_DIR, "bench_" + VARIANTS.get(lib, (lib,))[0]), os.X_OK)]
    if missing:
        print("compare.py: not built: %s (run bench/httplibs/build.sh)" % ", ".join(missing))
        return 1
    skip_wrk = os.environ.get("SKIP_WRK") == "1"
    if not skip_wrk and shutil.which("wrk") is None:
        print("compare.py: wrk not found (scripts/install-deps installs it)")
        return 1
    t0 = time.monotonic()
    cases = corpus()
    servers = {lib: Server(lib) for lib in LIBS}
    own = {lib: corpus(srv.targets) for lib, srv in servers.items()}
    results = {lib: [] for lib in LIBS}
    died = {lib: 0 for lib in LIBS}
    idle = {}
    try:
        for lib, srv in servers.items():
            srv.start()
            for label, data, kind, expected in own[lib]:
                if not srv.alive():
                    died[lib] += 1
                    srv.start()
                results[lib].append(classify(label, data, kind, expected, srv.port, srv.pdt))
            if not srv.alive():
                died[lib] += 1
                srv.start()
            idle[lib] = idle_probe(srv.port, int(THREADS) + 2, srv.targets[0])
        print_corpus(cases, results, died)
        print("\nidle connections: %d connections each sent 'GET /hea' and stay silent;"
              " then one fresh GET /:" % (int(THREADS) + 2))
        for lib in LIBS:
            v = idle[lib]
            print("  %-22s %s" % (NAMES[lib], "answered in %.0f ms" % v if v is not None
                                  else "no answer within %.0f s" % READ_CAP_S))

        perf = {lib: [] for lib in LIBS}
        if not skip_wrk:
            print("\nthroughput: wrk -t2 -c32 -d%ds --latency GET / (HTTP_THREADS=%s), "
                  "%d s warm-up each, two rounds in alternation" % (DURATION, THREADS, WARMUP))
            for rnd in range(2):
                for lib, srv in servers.items():
                    if lib in VARIANTS:
                        continue
                    if not srv.alive():
                        died[lib] += 1
                        srv.start()
                    if WARMUP > 0:
                        run_wrk(srv.port, WARMUP, srv.targets[0])
                    r = run_wrk(srv.port, DURATION, srv.targets[0])
                    perf[lib].append(r)
                    print("  round %d %-22s %9.0f req/s  p99 %7.2f ms  non-2xx %d  errors %d"
                          % (rnd + 1, NAMES[lib], r["rps"], r["p99"], r["non2xx"], r["errors"]))
        print_summary(cases, results, perf, died)
    finally:
        for srv in servers.values():
            srv.cleanup()
    print("\ncompare.py: done in %.0f s" % (time.monotonic() - t0))
    return 0


def cell(r):
    if r["h2"]:
        return "h2c frames"
    s = r["status"]
    s += " " if r["wf"] else "!"
    s += {"json": "j", "html": "h", "text": "t", "empty": "e", "none": "-"}[r["body"]]
    s += "c" if r["closed"] else "."
    s += "A" if r["app"] else ""
    return s


def print_corpus(cases, results, died):
    libs = list(results)
    print("corpus: %d raw requests (%d malformed, %d valid) per library, one connection each"
          % (len(cases), sum(1 for c in cases if c[2] == "bad"),
             sum(1 for c in cases if c[2] == "ok")))
    print("cell: STATUS, '!' = not well-formed (%s), body j=json h=html t=text e=empty -=none,"
          % "not exactly the expected responses")
    print("      c = connection closed, A = reached the application\n")
    w = 22
    print("%-24s" % "request" + "".join("%-*s" % (w, NAMES[x]) for x in libs))
    for i, (label, _d, kind, _e) in enumerate(cases):
        mark = "" if kind == "bad" else " (valid)"
        print("%-24s" % (label + mark)[:24] + "".join("%-*s" % (w, cell(results[x][i])) for x in libs))
    print("\nnot well-formed answers, why:")
    for lib in libs:
        for r in results[lib]:
            if not r["wf"]:
                print("  %-22s %-22s %s (%d status lines, %d bytes)%s"
                      % (NAMES[lib], r["label"], r["why"], r["blocks"], r["bytes"],
                         " [%s]" % r["note"] if r["note"] else ""))
    for lib in libs:
        if died[lib]:
            print("  %s: the server died %d time(s) and was restarted" % (NAMES[lib], died[lib]))


def print_summary(cases, results, perf, died):
    nbad = sum(1 for c in cases if c[2] == "bad")
    nok = len(cases) - nbad
    print("\nsummary (%d malformed requests, %d valid)" % (nbad, nok))
    hdr = ("%-22s %10s %10s %9s %9s %9s %9s %10s %8s %6s"
           % ("library", "malformed", "wf 4xx", "JSON 4xx", "to app", "no answer", "valid ok",
              "req/s", "p99 ms", "ratio"))
    print(hdr)
    print("-" * len(hdr))
    base = None
    if "mhd" in perf and perf["mhd"]:
        base = sum(r["rps"] for r in perf["mhd"]) / len(perf["mhd"])
    for lib, rs in results.items():
        bad = [r for r in rs if r["kind"] == "bad"]
        ok = [r for r in rs if r["kind"] == "ok"]
        malformed = sum(1 for r in rs if not r["wf"] and r["bytes"] > 0 and not r["h2"])
        refused = [r for r in bad if r["wf"] and r["status"].startswith("4") and not r["app"]]
        wf4 = len(refused)
        json4 = sum(1 for r in refused if r["body"] == "json")
        to_app = sum(1 for r in bad if r["app"])
        silent = sum(1 for r in bad if r["bytes"] == 0)
        valid = sum(1 for r in ok if r["wf"] and r["app"] and r["status"] == "200")
        if perf.get(lib):
            rps = sum(r["rps"] for r in perf[lib]) / len(perf[lib])
            p99 = sum(r["p99"] for r in perf[lib]) / len(perf[lib])
            ratio = "%.2f" % (rps / base) if base else "-"
            tp = "%10.0f %8.2f %6s" % (rps, p99, ratio)
        else:
            tp = "%10s %8s %6s" % ("-", "-", "-")
        print("%-22s %10d %10d %9d %9d %9d %9s %s"
              % (NAMES[lib], malformed, wf4, json4, to_app, silent, "%d/%d" % (valid, nok), tp))
    print("malformed = answers that are not exactly the expected well-formed HTTP/1.x"
          " response(s), over all %d requests\n  (h2c frames not counted);"
          " the other counts are over the %d malformed requests:\nwf 4xx = refused by the library"
          " with one well-formed 4xx (not the app's 405); JSON 4xx = of those, with a JSON body;\n"
          "to app = reached the application; no answer = nothing within %.0f s;"
          " req/s and p99 are the means of the two rounds;\nratio = req/s / libmicrohttpd's."
          % (len(cases), nbad, READ_CAP_S))


if __name__ == "__main__":
    sys.exit(main())
