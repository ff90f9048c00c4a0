"""A fake S3-compatible object store (Cloudflare R2's PUT Object), Python stdlib only.

    s3 = FakeS3(access_key="AKID", secret="s3cr3t", region="auto", bucket="reports")
    url = s3.start()            # http://127.0.0.1:PORT  (S3_ENDPOINT)
    ...
    s3.objects["reports/1/2026-03-02.md"] -> {"body": bytes, "content_type": str}
    s3.log  -> [{"method", "path", "status", "code"}]
    s3.stop()

Every PUT is checked as S3 checks it, with AWS Signature Version 4 recomputed
here (hmac/hashlib) from the request as received: the Authorization header's
credential scope (date/region/s3/aws4_request), the signed headers (host and
x-amz-date at least), x-amz-content-sha256 equal to the body's SHA-256, and the
signature itself. A wrong secret gives 403 SignatureDoesNotMatch, an unknown key
403 InvalidAccessKeyId, another bucket 404 NoSuchBucket; success stores the
object and answers 200 with its ETag. Only path-style URLs (/bucket/key).
"""

import hashlib
import hmac
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,"
                     r"\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$")
MAX_BODY = 8 << 20


def _sign(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret, date, region, service):
    k = _sign(("AWS4" + secret).encode("utf-8"), date)
    k = _sign(k, region)
    k = _sign(k, service)
    return _sign(k, "aws4_request")


def canonical_uri(path):
    """Each segment percent-encoded once, as S3 expects (unreserved kept)."""
    return "/".join(urllib.parse.quote(urllib.parse.unquote(seg), safe="-_.~")
                    for seg in path.split("/"))


def canonical_query(query):
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    enc = sorted((urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
                 for k, v in pairs)
    return "&".join("%s=%s" % kv for kv in enc)


class FakeS3:
    def __init__(self, access_key="AKIDEXAMPLE", secret="secret", region="auto",
                 bucket="reports"):
        self.access_key = access_key
        self.secret = secret
        self.region = region
        self.bucket = bucket
        self.objects = {}
        self.log = []
        self._lock = threading.Lock()
        self._httpd = None
        self._thread = None

    # -- lifecycle --------------------------------------------------------
    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_PUT(self):
                fake._put(self)

            def do_GET(self):
                fake._answer(self, 405, "MethodNotAllowed")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)
            self._httpd = None

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self._httpd.server_address[1]

    # -- the S3 behaviour ---------------------------------------------------
    def _answer(self, h, status, code=None, etag=None, path=None):
        body = b""
        if code:
            body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code>"
                    "<Message>%s</Message></Error>" % (code, code)).encode()
        with self._lock:
            self.log.append({"method": h.command, "path": path or h.path, "status": status,
                             "code": code})
        h.send_response(status)
        h.send_header("Content-Length", str(len(body)))
        if body:
            h.send_header("Content-Type", "application/xml")
        if etag:
            h.send_header("ETag", '"%s"' % etag)
        h.end_headers()
        h.wfile.write(body)

    def _verify(self, h, body):
        """None when the request is signed right, else the S3 error code."""
        m = AUTH_RE.match(h.headers.get("Authorization", ""))
        if not m:
            return "AccessDenied"
        akid, date, region, service, signed, sig = m.groups()
        if akid != self.access_key:
            return "InvalidAccessKeyId"
        amz_date = h.headers.get("x-amz-date", "")
        if region != self.region or service != "s3" or not amz_date.startswith(date):
            return "AuthorizationHeaderMalformed"
        names = signed.split(";")
        if "host" not in names or "x-amz-date" not in names or names != sorted(names):
            return "AccessDenied"
        payload = h.headers.get("x-amz-content-sha256", "")
        if payload != hashlib.sha256(body).hexdigest():
            return "XAmzContentSHA256Mismatch"
        headers = ""
        for n in names:
            v = h.headers.get(n)
            if v is None:
                return "AccessDenied"
            headers += "%s:%s\n" % (n, " ".join(v.strip().split()))
        u = urllib.parse.urlsplit(h.path)
        creq = "\n".join([h.command, canonical_uri(u.path), canonical_query(u.query), headers,
                          signed, payload])
        scope = "%s/%s/%s/aws4_request" % (date, region, service)
        sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(creq.encode("utf-8")).hexdigest()])
        want = hmac.new(signing_key(self.secret, date, region, service), sts.encode("utf-8"),
                        hashlib.sha256).hexdigest()
        return None if hmac.compare_digest(want, sig) else "SignatureDoesNotMatch"

    def _put(self, h):
        n = int(h.headers.get("Content-Length", "0") or 0)
        if n > MAX_BODY:
            return self._answer(h, 413, "EntityTooLarge")
        body = h.rfile.read(n)
        path = urllib.parse.urlsplit(h.path).path
        parts = path.lstrip("/").split("/", 1)
        err = self._verify(h, body)
        if err:
            status = 400 if err in ("XAmzContentSHA256Mismatch",
                                    "AuthorizationHeaderMalformed") else 403
            return self._answer(h, status, err)
        if parts[0] != self.bucket or len(parts) < 2 or not parts[1]:
            return self._answer(h, 404, "NoSuchBucket")
        key = urllib.parse.unquote(parts[1])
        with self._lock:
            self.objects[key] = {"body": body,
                                 "content_type": h.headers.get("Content-Type", "")}
        self._answer(h, 200, etag=hashlib.md5(body).hexdigest())
