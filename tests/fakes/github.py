"""FakeGitHub: a faithful fake of the GitHub REST v3 API subset a commit sync uses.

Routes (optionally under a prefix such as "/api/v3" for GitHub Enterprise):
    GET /user, /rate_limit (free)
    GET /repos/{o}/{r}                      and /repositories/{id}
    GET /repos/{o}/{r}/branches             ?per_page=&page=
    GET /repos/{o}/{r}/branches/{branch}    (branch may contain raw '/')
    GET /repos/{o}/{r}/commits              ?sha=&since=&until=&author=&per_page=&page=
    GET /repos/{o}/{r}/commits/{ref}
    GET /repos/{o}/{r}/compare/{base}...{head}  ?per_page=&page= (without either: up to 250
                                            commits, no Link; files on page 1 only)
Check order: User-Agent (403) -> token (401) -> primary rate limit (403, or
primary_limit_status) -> route (404/409/422/200) -> If-None-Match (304, refunds
the unit). Pagination Link headers point at /repositories/{id}/... like GitHub.
"""

import hashlib
import itertools
import math
import urllib.parse

from .base import (Response, etag_matches, format_utc, json_bytes, json_response, page_args,
                   parse_time, weak_etag)
from .model import VcsFake

DOCS = "https://docs.github.com/rest"
RATE_DOCS = ("https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
             "#about-the-primary-rate-limit")
SECONDARY_DOCS = ("https://docs.github.com/free-pro-team@latest/rest/overview/"
                  "rate-limits-for-the-rest-api#about-secondary-rate-limits")
UA_MESSAGE = ("Request forbidden by administrative rules. Please make sure your request has a "
              "User-Agent header (https://docs.github.com/en/rest/overview/"
              "resources-in-the-rest-api#user-agent-required). Check "
              "https://developer.github.com for other possible causes.")


def _q(s):
    return urllib.parse.quote(s, safe="")


class FakeGitHub(VcsFake):
    KIND = "github"
    RATE_LIMIT = 5000
    RATE_WINDOW = 3600
    FIRST_REPO_ID = 700000001
    FIRST_USER_ID = 1
    DEFAULT_TZ = 0
    server_header = "github.com"

    def __init__(self, seed=0, port=0, clock=None, prefix="", primary_limit_status=403,
                 link_last=True, html_base="https://github.com"):
        """prefix: path prefix of the API ("" like api.github.com, "/api/v3" like
        GHE). primary_limit_status: 403 (default) or 429 when the budget is spent.
        link_last: include rel="last" in Link headers (GitHub sometimes omits it)."""
        super().__init__(seed=seed, port=port, clock=clock)
        self.prefix = prefix.rstrip("/")
        self.primary_limit_status = int(primary_limit_status)
        self.link_last = bool(link_last)
        self.html_base = html_base.rstrip("/")
        self._req_ids = itertools.count(1)

    # ------------------------------------------------------------ helpers
    @property
    def api_base(self):
        return (self.base_url or "") + self.prefix

    def _common_headers(self):
        return [
            ("X-GitHub-Media-Type", "github.v3; format=json"),
            ("X-GitHub-Api-Version-Selected", "2022-11-28"),
            ("X-GitHub-Request-Id", "%04X:%08X" % (self.port or 0, next(self._req_ids))),
            ("X-Content-Type-Options", "nosniff"),
            ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
        ]

    @staticmethod
    def _rate_headers(view, resource="core"):
        return [
            ("x-ratelimit-limit", str(view["limit"])),
            ("x-ratelimit-remaining", str(view["remaining"])),
            ("x-ratelimit-used", str(view["used"])),
            ("x-ratelimit-reset", str(view["reset"])),
            ("x-ratelimit-resource", resource),
        ]

    def _anon_view(self):
        return {"limit": 60, "remaining": 59, "used": 1,
                "reset": int(math.ceil(self.clock() + 3600))}

    def _error(self, status, message, doc=DOCS, headers=()):
        return json_response(status, {"message": message, "documentation_url": doc,
                                      "status": str(status)},
                             self._common_headers() + list(headers))

    def _not_found(self, headers=()):
        return self._error(404, "Not Found", headers=headers)

    def _user_json(self, login):
        if not login:
            return None
        u = self._users.get(login.lower())
        uid = u["id"] if u else int(hashlib.sha1(login.encode()).hexdigest()[:7], 16)
        login = u["login"] if u else login
        api = self.api_base
        return {"login": login, "id": uid, "node_id": "U_kgDO%08d" % (uid % 10 ** 8),
                "avatar_url": "https://avatars.githubusercontent.com/u/%d?v=4" % uid,
                "gravatar_id": "", "url": "%s/users/%s" % (api, login),
                "html_url": "%s/%s" % (self.html_base, login), "type": "User",
                "site_admin": False}

    def _login_for(self, login, email):
        if login:
            return login
        if email:
            key = self._emails.get(email.lower())
            if key:
                return self._users[key]["login"]
        return None

    def _commit_json(self, repo, c):
        repo_api = "%s/repos/%s" % (self.api_base, repo.full_name)
        html = "%s/%s" % (self.html_base, repo.full_name)
        message = c.message[:-1] if c.message.endswith("\n") else c.message
        return {
            "sha": c.sha,
            "node_id": "C_kwDO" + c.sha[:24],
            "commit": {
                "author": None if c.null_author else {
                    "name": c.author_name, "email": c.author_email,
                    "date": format_utc(c.author_date)},
                "committer": {"name": c.committer_name, "email": c.committer_email,
                              "date": format_utc(c.committer_date)},
                "message": message,
                "tree": {"sha": c.tree, "url": "%s/git/trees/%s" % (repo_api, c.tree)},
                "url": "%s/git/commits/%s" % (repo_api, c.sha),
                "comment_count": 0,
                "verification": {"verified": False, "reason": "unsigned", "signature": None,
                                 "payload": None, "verified_at": None},
            },
            "url": "%s/commits/%s" % (repo_api, c.sha),
            "html_url": "%s/commit/%s" % (html, c.sha),
            "comments_url": "%s/commits/%s/comments" % (repo_api, c.sha),
            "author": None if c.null_author else
            self._user_json(self._login_for(c.author_login, c.author_email)),
            "committer": self._user_json(self._login_for(c.committer_login, c.committer_email)),
            "parents": [{"sha": p, "url": "%s/commits/%s" % (repo_api, p),
                         "html_url": "%s/commit/%s" % (html, p)} for p in c.parents],
        }

    def _repo_json(self, repo):
        api = self.api_base
        repo_api = "%s/repos/%s" % (api, repo.full_name)
        owner = self._user_json(repo.owner)
        pushed = repo.pushed_at()
        return {
            "id": repo.id, "node_id": "R_kgDO%08d" % (repo.id % 10 ** 8),
            "name": repo.name, "full_name": repo.full_name, "private": repo.private,
            "owner": owner, "html_url": "%s/%s" % (self.html_base, repo.full_name),
            "description": repo.description, "fork": False, "url": repo_api,
            "branches_url": repo_api + "/branches{/branch}",
            "commits_url": repo_api + "/commits{/sha}",
            "created_at": format_utc(repo.created_at), "updated_at": format_utc(pushed),
            "pushed_at": format_utc(pushed), "size": len(repo.commits),
            "default_branch": repo.default_branch,
            "visibility": "private" if repo.private else "public",
            "archived": repo.archived, "disabled": False,
            "permissions": {"admin": False, "maintain": False, "push": True, "triage": True,
                            "pull": True},
        }

    def _links(self, repo, tail, req, page, per_page, total):
        """GitHub-style Link header pointing at /repositories/{id}/<tail>."""
        last = max(1, int(math.ceil(total / float(per_page))))
        pairs = [(k, v) for k, v in urllib.parse.parse_qsl(req.query_string,
                                                             keep_blank_values=True)
                 if k != "page"]

        def url(n):
            q = urllib.parse.urlencode(pairs + [("page", str(n))], quote_via=urllib.parse.quote,
                                       safe=":")
            return "<%s/repositories/%d/%s?%s>" % (self.api_base, repo.id, tail, q)
        rels = []
        if page > 1:
            rels.append('%s; rel="prev"' % url(min(page - 1, last)))
        if page < last:
            rels.append('%s; rel="next"' % url(page + 1))
            if self.link_last:
                rels.append('%s; rel="last"' % url(last))
        if page > 1:
            rels.append('%s; rel="first"' % url(1))
        return ", ".join(rels)

    # ------------------------------------------------------------ routing
    def _split(self, req):
        """-> (segments after the prefix, decoded) or None if outside the prefix."""
        path = req.path
        if self.prefix:
            if not (path == self.prefix or path.startswith(self.prefix + "/")):
                return None
            path = path[len(self.prefix):]
        return [urllib.parse.unquote(p) for p in path.split("/") if p]

    def _repo_for(self, segs):
        """(repo, rest, via_old_name) for /repos/o/r/... or /repositories/id/...."""
        with self._lock:
            if len(segs) >= 3 and segs[0] == "repos":
                full = "%s/%s" % (segs[1], segs[2])
                repo = self._repos.get(full.lower())
                if repo is not None:
                    return repo, segs[3:], False
                repo = self._renamed.get(full.lower())
                return repo, segs[3:], repo is not None
            if len(segs) >= 2 and segs[0] == "repositories" and segs[1].isdigit():
                return self._repos_by_id.get(int(segs[1])), segs[2:], False
        return None, None, False

    def path_aliases(self, req):
        segs = self._split(req)
        if not segs:
            return []
        repo, rest, _ = self._repo_for(segs)
        if repo is None:
            return []
        tail = "/".join(_q(s) for s in rest)
        tail = ("/" + tail) if tail else ""
        return ["%s/repos/%s%s" % (self.prefix, repo.full_name, tail),
                "%s/repositories/%d%s" % (self.prefix, repo.id, tail)]

    def handle(self, req):
        if not (req.header("User-Agent") or "").strip():
            return self._error(403, UA_MESSAGE, doc="https://docs.github.com/rest")
        segs = self._split(req)
        if segs is None or req.method not in ("GET", "HEAD"):
            return self._not_found()
        token = req.auth_token if (req.auth_scheme or "").lower() in ("bearer", "token") else None
        with self._lock:
            login_key = self._tokens.get(token) if token else None
            user = self._users.get(login_key) if login_key else None
        if user is None:
            return self._error(401, "Bad credentials", headers=self._rate_headers(self._anon_view()))
        if segs == ["rate_limit"]:
            view = self.budget(token)
            core = dict(view, resource="core")
            return json_response(200, {"resources": {"core": core}, "rate": core},
                                 self._common_headers() + self._rate_headers(view))
        ok, view = self._charge(login_key)
        if not ok:
            req.entry["fault"] = "primary_rate_limit"
            return self._error(self.primary_limit_status,
                               "API rate limit exceeded for user ID %d." % user["id"],
                               doc=RATE_DOCS, headers=self._rate_headers(view))
        req.entry["cost"] = 1
        resp = self._route(req, segs, login_key, user)
        if resp.status == 200 and req.method in ("GET", "HEAD"):
            etag = weak_etag(resp.body)
            resp.set_header("ETag", etag)
            resp.set_header("Cache-Control", "private, max-age=60, s-maxage=60")
            if etag_matches(req.header("If-None-Match"), etag):
                view = self._refund(login_key)
                req.entry["cost"] = 0
                resp = Response(304, b"", [(k, v) for k, v in resp.headers
                                           if k.lower() not in ("content-type",)])
        resp.headers.extend(self._rate_headers(view))
        return resp

    def _route(self, req, segs, login_key, user):
        if segs == ["user"]:
            u = dict(self._user_json(user["login"]), name=user["name"], email=user["email"])
            return json_response(200, u, self._common_headers())
        repo, rest, renamed = self._repo_for(segs)
        if repo is None or rest is None or not self._visible(repo, login_key):
            return self._not_found()
        req.entry["repo"] = repo.full_name
        if renamed:
            tail = "/".join(_q(s) for s in rest)
            loc = "%s/repositories/%d%s%s" % (self.api_base, repo.id, "/" + tail if tail else "",
                                              "?" + req.query_string if req.query_string else "")
            return json_response(301, {"message": "Moved Permanently", "url": loc,
                                       "documentation_url": DOCS},
                                 self._common_headers() + [("Location", loc)])
        if not rest:
            return json_response(200, self._repo_json(repo), self._common_headers())
        if rest == ["branches"]:
            return self._branches(req, repo)
        if rest[0] == "branches":
            return self._branch(repo, "/".join(rest[1:]))
        if rest == ["commits"]:
            return self._commits(req, repo)
        if rest[0] == "commits":
            return self._one_commit(repo, "/".join(rest[1:]))
        if rest[0] == "compare" and len(rest) > 1:
            return self._compare(req, repo, "/".join(rest[1:]))
        return self._not_found()

    def _branches(self, req, repo):
        names = sorted(b for b, s in list(repo.branches.items()) if s)
        page, per_page = page_args(req, 30, 100)
        chunk = names[(page - 1) * per_page: page * per_page]
        repo_api = "%s/repos/%s" % (self.api_base, repo.full_name)
        body = []
        for b in chunk:
            head = repo.branches[b][0]
            body.append({"name": b, "commit": {"sha": head,
                                               "url": "%s/commits/%s" % (repo_api, head)},
                         "protected": False})
        headers = self._common_headers()
        link = self._links(repo, "branches", req, page, per_page, len(names))
        if link:
            headers.append(("Link", link))
        return json_response(200, body, headers)

    def _branch(self, repo, name):
        shas = repo.branches.get(name)
        if not shas:
            return self._error(404, "Branch not found",
                               doc="https://docs.github.com/rest/branches/branches#get-a-branch")
        repo_api = "%s/repos/%s" % (self.api_base, repo.full_name)
        body = {"name": name, "commit": self._commit_json(repo, repo.commits[shas[0]]),
                "_links": {"self": "%s/branches/%s" % (repo_api, _q(name)),
                           "html": "%s/%s/tree/%s" % (self.html_base, repo.full_name, name)},
                "protected": False,
                "protection": {"enabled": False, "required_status_checks": {
                    "enforcement_level": "off", "contexts": [], "checks": []}},
                "protection_url": "%s/branches/%s/protection" % (repo_api, _q(name))}
        return json_response(200, body, self._common_headers())

    def _commits(self, req, repo):
        if not any(list(repo.branches.values())):
            return self._error(409, "Git Repository is empty.",
                               doc="https://docs.github.com/rest/commits/commits#list-commits")
        ref = req.arg("sha") or repo.default_branch
        shas = self._resolve_ref(repo, ref)
        if shas is None:
            return self._error(404, "No commit found for SHA: %s" % ref,
                               doc="https://docs.github.com/rest/commits/commits#list-commits")
        bounds = {}
        for name in ("since", "until"):
            raw = req.arg(name)
            if raw:
                try:
                    bounds[name] = parse_time(raw)
                except ValueError:
                    return self._error(400, "Invalid value for parameter '%s': %s" % (name, raw))
        shas = self._filtered(repo, ref, shas, bounds.get("since"), bounds.get("until"),
                              req.arg("author") or None)
        page, per_page = page_args(req, 30, 100)
        chunk = shas[(page - 1) * per_page: page * per_page]
        commits = repo.commits
        body = json_bytes([self._commit_json(repo, commits[s]) for s in chunk])
        headers = self._common_headers()
        link = self._links(repo, "commits", req, page, per_page, len(shas))
        if link:
            headers.append(("Link", link))
        return Response(200, body, headers, "application/json; charset=utf-8")

    COMPARE_UNPAGED = 250       # commits in an answer without per_page/page
    COMPARE_FILES = 300         # files listed for the whole comparison

    def _compare(self, req, repo, basehead):
        """GET /repos/o/r/compare/{base}...{head}: git log base..head (merge-base
        semantics), oldest first. Unknown ref -> 404 Not Found; unrelated
        histories -> 404 "No common ancestor between X and Y."."""
        base, sep, head = basehead.partition("...")
        if not sep or not base or not head:
            return self._not_found()
        cmp = self.compare(repo, base, head)
        if cmp is None:
            return self._not_found()
        if cmp["merge_base"] is None:
            return self._error(404, "No common ancestor between %s and %s." % (base, head),
                               doc="https://docs.github.com/rest/commits/commits"
                                   "#compare-two-commits")
        shas = cmp["commits"]
        paged = "page" in req.query or "per_page" in req.query
        if paged:
            page, per_page = page_args(req, 30, 100)
        else:
            page, per_page = 1, self.COMPARE_UNPAGED
        chunk = shas[(page - 1) * per_page: page * per_page]
        commits = repo.commits
        repo_api = "%s/repos/%s" % (self.api_base, repo.full_name)
        html = "%s/%s/compare/%s" % (self.html_base, repo.full_name, basehead)
        body = {
            "url": "%s/compare/%s" % (repo_api, basehead), "html_url": html,
            "permalink_url": "%s/%s/compare/%s...%s" % (self.html_base, repo.full_name,
                                                        cmp["base"], cmp["head"]),
            "diff_url": html + ".diff", "patch_url": html + ".patch",
            "base_commit": self._commit_json(repo, commits[cmp["base"]]),
            "merge_base_commit": self._commit_json(repo, commits[cmp["merge_base"]]),
            "status": cmp["status"], "ahead_by": cmp["ahead_by"],
            "behind_by": cmp["behind_by"], "total_commits": len(shas),
            "commits": [self._commit_json(repo, commits[s]) for s in chunk],
        }
        if page == 1:
            body["files"] = [{"sha": commits[s].tree, "filename": "file-%s.txt" % s[:7],
                              "status": "modified", "additions": 1, "deletions": 1,
                              "changes": 2} for s in shas[:self.COMPARE_FILES]]
        headers = self._common_headers()
        if paged:
            link = self._links(repo, "compare/" + _q(basehead).replace("%2E", "."), req, page,
                               per_page, len(shas))
            if link:
                headers.append(("Link", link))
        return Response(200, json_bytes(body), headers, "application/json; charset=utf-8")

    def _one_commit(self, repo, ref):
        shas = self._resolve_ref(repo, ref) if ref else None
        if not shas:
            return self._error(422, "No commit found for SHA: %s" % ref,
                               doc="https://docs.github.com/rest/commits/commits#get-a-commit")
        body = self._commit_json(repo, repo.commits[shas[0]])
        body["stats"] = {"total": 0, "additions": 0, "deletions": 0}
        body["files"] = []
        return json_response(200, body, self._common_headers())

    # ------------------------------------------------------------ faults
    def fault_response(self, kind, status, req, retry_after):
        headers = []
        token = req.auth_token
        view = self.budget(token) if token else {}
        if view:
            headers += self._rate_headers(view)
        if kind == "rate_429":
            headers.append(("Retry-After", str(retry_after)))
            return self._error(status, "You have exceeded a secondary rate limit. Please wait a "
                               "few minutes before you try again. If you reach out to GitHub "
                               "Support for help, please include the request ID "
                               "0000:0000:0000000:0000000:00000000.",
                               doc=SECONDARY_DOCS, headers=headers)
        if status == 401:
            return self._error(401, "Bad credentials", headers=headers)
        if status == 403:
            return self._error(403, "Resource not accessible by personal access token",
                               headers=headers)
        if status == 404:
            return self._not_found(headers)
        if status == 429:
            headers.append(("Retry-After", str(retry_after)))
            return self._error(429, "API rate limit exceeded", doc=RATE_DOCS, headers=headers)
        if status == 502:
            return Response(502, b"<html><head><title>502 Bad Gateway</title></head><body>"
                                 b"<h1>502 Bad Gateway</h1></body></html>\n",
                            headers, "text/html")
        if status == 503:
            return self._error(503, "Service Unavailable", headers=headers)
        if status >= 500:
            return self._error(status, "Server Error", headers=headers)
        return self._error(status, "injected error %d" % status, headers=headers)
