"""FakeGitLab: a faithful fake of the GitLab REST v4 API subset a commit sync uses.

Routes (all under /api/v4):
    GET /user, /version
    GET /projects/:id                         :id = numeric id or URL-encoded full path
                                              (group%2Fsub%2Fname); an unencoded nested
                                              path matches no route -> 404 {"error":...}
    GET /projects/:id/repository/branches     ?per_page=&page=&search=  (x-total sent)
    GET /projects/:id/repository/branches/:branch   (branch URL-encoded: feature%2Fx)
    GET /projects/:id/repository/commits      ?ref_name=&since=&until=&all=&author=
                                              &per_page=&page=  (NO x-total/x-total-pages)
    GET /projects/:id/repository/commits/:sha
    GET /projects/:id/repository/compare      ?from=&to=&straight=  (one answer, no paging;
                                              unknown ref -> 404 "404 Ref Not Found")
Dates carry each commit's UTC offset (default +01:00): 2026-02-18T14:30:00.000+01:00.
Check order: token (401) -> rate limit (429 "Retry later", plain text) -> route.
Every request of a known user costs one unit, 304 included (Rack::Attack counts all).
"""

import hashlib
import itertools
import math
import urllib.parse

from .base import (Response, etag_matches, format_offset, http_date, json_bytes, json_response,
                   page_args, parse_time, weak_etag)
from .model import VcsFake


def _q(s):
    return urllib.parse.quote(s, safe="")


def _iso_z(epoch):
    return format_offset(epoch, 0).replace("+00:00", "Z")


class FakeGitLab(VcsFake):
    KIND = "gitlab"
    RATE_LIMIT = 2000            # GitLab.com: 2,000 requests/min per user
    RATE_WINDOW = 60
    FIRST_REPO_ID = 1001
    FIRST_USER_ID = 101
    DEFAULT_TZ = 60              # +01:00: clients must convert to UTC
    server_header = "nginx"

    def __init__(self, seed=0, port=0, clock=None, trailing_newline=True):
        """trailing_newline: commit "message" ends with "\\n" like git/GitLab store it."""
        super().__init__(seed=seed, port=port, clock=clock)
        self.trailing_newline = bool(trailing_newline)
        self._req_ids = itertools.count(1)

    # ------------------------------------------------------------ helpers
    def _common_headers(self):
        return [("X-Request-Id", "01FAKE%04X%010X" % (self.port or 0, next(self._req_ids))),
                ("X-Runtime", "0.012345"),
                ("Cache-Control", "max-age=0, private, must-revalidate"),
                ("Vary", "Origin, Accept-Encoding"),
                ("X-Content-Type-Options", "nosniff"),
                ("X-Gitlab-Meta", '{"correlation_id":"fake","version":"1"}')]

    def _rate_headers(self, view):
        return [("RateLimit-Name", "throttle_authenticated_api"),
                ("RateLimit-Limit", str(view["limit"])),
                ("RateLimit-Observed", str(view["used"])),
                ("RateLimit-Remaining", str(view["remaining"])),
                ("RateLimit-Reset", str(view["reset"])),
                ("RateLimit-ResetTime", http_date(view["reset"]))]

    def _retry_after(self, view):
        return str(max(1, int(math.ceil(view["reset"] - self.clock()))))

    def _err(self, status, message, key="message", headers=()):
        return json_response(status, {key: message}, self._common_headers() + list(headers))

    def _retry_later(self, view=None, retry_after=None, status=429):
        headers = self._common_headers()
        if view:
            headers += self._rate_headers(view)
        headers.append(("Retry-After", str(retry_after) if retry_after is not None
                        else self._retry_after(view)))
        return Response(status, b"Retry later\n", headers, "text/plain")

    def _namespace_json(self, owner):
        nid = int(hashlib.sha1(owner.lower().encode()).hexdigest()[:6], 16)
        return {"id": nid, "name": owner.rsplit("/", 1)[-1], "path": owner.rsplit("/", 1)[-1],
                "kind": "group", "full_path": owner, "parent_id": None, "avatar_url": None,
                "web_url": "%s/groups/%s" % (self.base_url, owner)}

    def _project_json(self, repo):
        web = "%s/%s" % (self.base_url, repo.full_name)
        host = (self.base_url or "http://127.0.0.1").split("://", 1)[-1]
        return {
            "id": repo.id, "description": repo.description, "name": repo.name,
            "name_with_namespace": " / ".join(repo.full_name.split("/")),
            "path": repo.name, "path_with_namespace": repo.full_name,
            "created_at": _iso_z(repo.created_at), "default_branch": repo.default_branch,
            "tag_list": [], "topics": [],
            "ssh_url_to_repo": "git@%s:%s.git" % (host.split(":")[0], repo.full_name),
            "http_url_to_repo": web + ".git", "web_url": web, "readme_url": None,
            "avatar_url": None, "forks_count": 0, "star_count": 0,
            "last_activity_at": _iso_z(repo.pushed_at()),
            "namespace": self._namespace_json(repo.owner),
            "empty_repo": not any(list(repo.branches.values())), "archived": repo.archived,
            "visibility": "private" if repo.private else "public",
        }

    def _commit_json(self, repo, c):
        msg = c.message
        if self.trailing_newline and not msg.endswith("\n"):
            msg += "\n"
        committed = format_offset(c.committer_date, c.committer_tz)
        return {
            "id": c.sha, "short_id": c.sha[:8], "created_at": committed,
            "parent_ids": list(c.parents), "title": c.message.split("\n", 1)[0],
            "message": msg, "author_name": c.author_name, "author_email": c.author_email,
            "authored_date": format_offset(c.author_date, c.author_tz),
            "committer_name": c.committer_name, "committer_email": c.committer_email,
            "committed_date": committed, "trailers": {}, "extended_trailers": {},
            "web_url": "%s/%s/-/commit/%s" % (self.base_url, repo.full_name, c.sha),
        }

    def _user_json(self, user):
        return {"id": user["id"], "username": user["login"], "name": user["name"],
                "state": "active", "locked": False, "avatar_url": None,
                "web_url": "%s/%s" % (self.base_url, user["login"]),
                "email": user["email"], "public_email": None}

    def _page_headers(self, req, page, per_page, has_next, total=None):
        """x-page, x-per-page, x-next-page, x-prev-page, Link (+ x-total(-pages)
        and rel="last" only when total is given)."""
        headers = [("x-page", str(page)), ("x-per-page", str(per_page)),
                   ("x-next-page", str(page + 1) if has_next else ""),
                   ("x-prev-page", str(page - 1) if page > 1 else "")]
        last = None
        if total is not None:
            last = max(1, int(math.ceil(total / float(per_page))))
            headers += [("x-total", str(total)), ("x-total-pages", str(last))]
        params = {k: v[-1] for k, v in req.query.items()}
        segs = [p for p in req.path.split("/") if p]
        if len(segs) >= 4:
            params["id"] = urllib.parse.unquote(segs[3])
        params["per_page"] = str(per_page)

        def url(n):
            p = dict(params, page=str(n))
            q = urllib.parse.urlencode(sorted(p.items()), quote_via=urllib.parse.quote)
            return "<%s%s?%s>" % (self.base_url, req.path, q)
        rels = []
        if page > 1:
            rels.append('%s; rel="prev"' % url(page - 1))
        if has_next:
            rels.append('%s; rel="next"' % url(page + 1))
        rels.append('%s; rel="first"' % url(1))
        if last is not None:
            rels.append('%s; rel="last"' % url(last))
        headers.append(("Link", ", ".join(rels)))
        return headers

    # ------------------------------------------------------------ routing
    def _project_for(self, raw_id):
        """Raw (still percent-encoded) :id segment -> Repo or None."""
        ident = urllib.parse.unquote(raw_id)
        with self._lock:
            if ident.isdigit():
                return self._repos_by_id.get(int(ident))
            return self._lookup(ident)

    def path_aliases(self, req):
        segs = [p for p in req.path.split("/") if p]
        if len(segs) < 4 or segs[:3] != ["api", "v4", "projects"]:
            return []
        repo = self._project_for(segs[3])
        if repo is None:
            return []
        tail = "/".join(segs[4:])
        tail = "/" + tail if tail else ""
        return ["/api/v4/projects/%d%s" % (repo.id, tail),
                "/api/v4/projects/%s%s" % (_q(repo.full_name), tail),
                "/api/v4/projects/%s%s" % (repo.full_name, urllib.parse.unquote(tail))]

    def _token(self, req):
        if req.private_token:
            return req.private_token
        if req.auth_token and (req.auth_scheme or "").lower() == "bearer":
            return req.auth_token
        return req.arg("private_token") or req.arg("access_token")

    def handle(self, req):
        segs = [p for p in req.path.split("/") if p]      # raw: %2F stays in its segment
        if segs[:2] != ["api", "v4"]:
            return self._err(404, "404 Not Found", key="error")
        token = self._token(req)
        with self._lock:
            login_key = self._tokens.get(token) if token else None
            user = self._users.get(login_key) if login_key else None
        if user is None:
            return self._err(401, "401 Unauthorized")
        ok, view = self._charge(login_key)
        if not ok:
            req.entry["fault"] = "rate_limit"
            return self._retry_later(view)
        req.entry["cost"] = 1
        resp = self._route(req, segs[2:], login_key, user)
        if resp.status == 200 and req.method in ("GET", "HEAD"):
            etag = weak_etag(resp.body)
            resp.set_header("ETag", etag)
            if etag_matches(req.header("If-None-Match"), etag):
                resp = Response(304, b"", [(k, v) for k, v in resp.headers
                                           if k.lower() != "content-type"])
        resp.headers.extend(self._rate_headers(view))
        return resp

    def _route(self, req, segs, login_key, user):
        if req.method not in ("GET", "HEAD"):
            return self._err(404, "404 Not Found", key="error")
        if segs == ["user"]:
            return json_response(200, self._user_json(user), self._common_headers())
        if segs == ["version"]:
            return json_response(200, {"version": "17.9.0-ee", "revision": "fake"},
                                 self._common_headers())
        if len(segs) < 2 or segs[0] != "projects":
            return self._err(404, "404 Not Found", key="error")
        rest = [urllib.parse.unquote(s) for s in segs[2:]]
        known = (not rest or rest == ["repository", "branches"]
                 or rest == ["repository", "commits"]
                 or rest == ["repository", "compare"]
                 or (len(rest) == 3 and rest[0] == "repository"
                     and rest[1] in ("branches", "commits")))
        if not known:
            return self._err(404, "404 Not Found", key="error")
        repo = self._project_for(segs[1])
        if repo is None or not self._visible(repo, login_key):
            return self._err(404, "404 Project Not Found")
        req.entry["repo"] = repo.full_name
        if not rest:
            return json_response(200, self._project_json(repo), self._common_headers())
        if rest == ["repository", "branches"]:
            return self._branches(req, repo)
        if rest == ["repository", "commits"]:
            return self._commits(req, repo)
        if rest == ["repository", "compare"]:
            return self._compare(req, repo)
        if rest[1] == "branches":
            return self._branch(repo, rest[2])
        return self._one_commit(repo, rest[2])

    def _branch_json(self, repo, name):
        shas = repo.branches[name]
        return {"name": name, "commit": self._commit_json(repo, repo.commits[shas[0]]),
                "merged": False, "protected": name == repo.default_branch,
                "developers_can_push": False, "developers_can_merge": False,
                "can_push": True, "default": name == repo.default_branch,
                "web_url": "%s/%s/-/tree/%s" % (self.base_url, repo.full_name, _q(name))}

    def _branches(self, req, repo):
        names = sorted(b for b, s in list(repo.branches.items()) if s)
        search = req.arg("search")
        if search:
            names = [b for b in names if search.lower() in b.lower()]
        page, per_page = page_args(req, 20, 100)
        chunk = names[(page - 1) * per_page: page * per_page]
        body = json_bytes([self._branch_json(repo, b) for b in chunk])
        headers = self._common_headers() + self._page_headers(
            req, page, per_page, len(names) > page * per_page, total=len(names))
        return Response(200, body, headers, "application/json")

    def _branch(self, repo, name):
        if not repo.branches.get(name):
            return self._err(404, "404 Branch Not Found")
        return json_response(200, self._branch_json(repo, name), self._common_headers())

    def _all_shas(self, repo):
        key = (repo.id, repo.gen, "\0all")
        with self._lock:
            hit = self._list_cache.get(key)
        if hit is not None:
            return hit
        seen = set()
        out = []
        for shas in list(repo.branches.values()):
            for s in shas:
                if s not in seen:
                    seen.add(s)
                    out.append(s)
        out.sort(key=lambda s: repo.commits[s].committer_date, reverse=True)
        with self._lock:
            self._list_cache[key] = out
        return out

    def _commits(self, req, repo):
        bounds = {}
        for name in ("since", "until"):
            raw = req.arg(name)
            if raw:
                try:
                    bounds[name] = parse_time(raw)
                except ValueError:
                    return self._err(400, "%s is invalid" % name, key="error")
        if (req.arg("all") or "").lower() in ("true", "1"):
            ref, shas = "\0all", self._all_shas(repo)
        else:
            ref = req.arg("ref_name") or repo.default_branch
            shas = self._resolve_ref(repo, ref) or []     # unknown ref: 200 []
        shas = self._filtered(repo, ref, shas, bounds.get("since"), bounds.get("until"),
                              req.arg("author") or None)
        page, per_page = page_args(req, 20, 100)
        chunk = shas[(page - 1) * per_page: page * per_page]
        commits = repo.commits
        body = json_bytes([self._commit_json(repo, commits[s]) for s in chunk])
        headers = self._common_headers() + self._page_headers(
            req, page, per_page, len(shas) > page * per_page)
        return Response(200, body, headers, "application/json")

    def _compare(self, req, repo):
        """from...to (straight=false, the default: merge-base semantics; the
        commit list is git log from..to either way), oldest first, all in one
        answer. "commit" is the newest listed commit, null when there is none."""
        frm, to = req.arg("from"), req.arg("to")
        for name, v in (("from", frm), ("to", to)):
            if not v:
                return self._err(400, "%s is missing" % name, key="error")
        cmp = self.compare(repo, frm, to)
        if cmp is None:
            return self._err(404, "404 Ref Not Found")
        commits = repo.commits
        shas = cmp["commits"]
        body = {"commit": self._commit_json(repo, commits[shas[-1]]) if shas else None,
                "commits": [self._commit_json(repo, commits[s]) for s in shas],
                "diffs": [{"old_path": "file-%s.txt" % s[:7], "new_path": "file-%s.txt" % s[:7],
                           "a_mode": "100644", "b_mode": "100644", "new_file": False,
                           "renamed_file": False, "deleted_file": False,
                           "diff": "@@ -1 +1 @@\n-old\n+new\n"} for s in shas[:100]],
                "compare_timeout": False, "compare_same_ref": frm == to,
                "web_url": "%s/%s/-/compare/%s...%s" % (self.base_url, repo.full_name,
                                                       _q(frm), _q(to))}
        return json_response(200, body, self._common_headers())

    def _one_commit(self, repo, ref):
        shas = self._resolve_ref(repo, ref)
        if not shas:
            return self._err(404, "404 Commit Not Found")
        body = self._commit_json(repo, repo.commits[shas[0]])
        body["stats"] = {"additions": 0, "deletions": 0, "total": 0}
        body["status"] = None
        body["project_id"] = repo.id
        body["last_pipeline"] = None
        return json_response(200, body, self._common_headers())

    # ------------------------------------------------------------ faults
    def fault_response(self, kind, status, req, retry_after):
        token = self._token(req)
        view = self.budget(token) if token else {}
        if kind == "rate_429" or status == 429:
            return self._retry_later(view or None, retry_after, status)
        headers = self._rate_headers(view) if view else []
        if status == 401:
            return self._err(401, "401 Unauthorized", headers=headers)
        if status == 403:
            return self._err(403, "403 Forbidden", headers=headers)
        if status == 404:
            if "/projects/" in req.path:
                return self._err(404, "404 Project Not Found", headers=headers)
            return self._err(404, "404 Not Found", headers=headers)
        if status in (502, 503, 504):
            reason = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"}
            html = ("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s"
                    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
                    % (status, reason[status], status, reason[status]))
            return Response(status, html, headers, "text/html")
        if status >= 500:
            return self._err(status, "500 Internal Server Error", headers=headers)
        return self._err(status, "%d injected" % status, headers=headers)
