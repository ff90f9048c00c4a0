"""In-memory repository model shared by FakeGitHub and FakeGitLab.

A repository is keyed "owner/name" (owner may itself contain "/": GitLab
namespaces "group/sub"); lookups are case-insensitive.  Each branch is a list of
commit SHAs, newest first -- the full history `git log <branch>` would list --
precomputed at build time; lists are replaced, never mutated in place, so
request threads can read them without locking (copy-on-write).  Commits live
in a per-repository dict sha -> Commit and are shared by every branch that
lists them.

Users own tokens; the rate-limit budget belongs to the user (all of a user's
tokens share it, like GitHub), and resets itself when its window ends.
"""

import collections
import hashlib
import math
import time

from .base import FakeServer, parse_offset, parse_time


class Commit:
    __slots__ = ("sha", "message", "author_name", "author_email", "author_date",
                 "committer_name", "committer_email", "committer_date", "parents",
                 "author_login", "committer_login", "author_tz", "committer_tz",
                 "tree", "null_author")

    def as_dict(self):
        return {k: getattr(self, k) for k in self.__slots__}


class Repo:
    __slots__ = ("id", "owner", "name", "full_name", "default_branch", "private",
                 "visible_to", "branches", "commits", "gen", "created_at", "description",
                 "archived")

    def __init__(self, repo_id, owner, name, default_branch, private, visible_to,
                 created_at, description):
        self.id = repo_id
        self.owner = owner
        self.name = name
        self.full_name = "%s/%s" % (owner, name)
        self.default_branch = default_branch
        self.private = bool(private)
        self.visible_to = None if visible_to is None else {v.lower() for v in visible_to}
        self.branches = {}          # name -> [sha newest first]  (replaced, never mutated)
        self.commits = {}           # sha -> Commit
        self.gen = 0                # bumped on every change (cache key)
        self.created_at = created_at
        self.description = description
        self.archived = False

    def head(self, branch):
        shas = self.branches.get(branch)
        return shas[0] if shas else None

    def pushed_at(self):
        best = self.created_at
        for shas in list(self.branches.values()):
            if shas:
                best = max(best, self.commits[shas[0]].committer_date)
        return best


def split_full(full):
    """'group/sub/name' -> ('group/sub', 'name')."""
    full = full.strip("/")
    owner, sep, name = full.rpartition("/")
    if not sep or not owner or not name:
        raise ValueError("repository must be 'owner/name', got %r" % full)
    return owner, name


class VcsFake(FakeServer):
    """Data model + builders + rate-limit budgets; subclasses render the API."""

    KIND = "vcs"
    RATE_LIMIT = 5000
    RATE_WINDOW = 3600
    FIRST_REPO_ID = 1000
    FIRST_USER_ID = 1
    DEFAULT_TZ = 0              # minutes east of UTC for new commits
    LIST_CACHE_SIZE = 1024

    def __init__(self, seed=0, port=0, clock=None):
        super().__init__(seed=seed, port=port)
        self.clock = clock or time.time
        self._reset_data()

    def _reset_data(self):
        with self._lock:
            self._repos = {}            # lower(full_name) -> Repo
            self._repos_by_id = {}
            self._renamed = {}          # lower(old full_name) -> Repo
            self._users = {}            # lower(login) -> user dict
            self._emails = {}           # lower(email) -> login
            self._tokens = {}           # token -> lower(login)
            self._budgets = {}          # lower(login) -> [limit, remaining, reset_epoch]
            self._next_repo_id = self.FIRST_REPO_ID
            self._next_user_id = self.FIRST_USER_ID
            self._sha_counter = 0
            self._list_cache = collections.OrderedDict()

    def reset_all(self):
        """Forget all data, faults and the log."""
        super().reset_all()
        self._reset_data()

    # ================================================================ users/tokens
    def add_user(self, login, token=None, user_id=None, email=None, name=None, tokens=()):
        """Creates (or updates) a user; token/tokens are added to it. Returns the user dict."""
        with self._lock:
            key = login.lower()
            user = self._users.get(key)
            if user is None:
                if user_id is None:
                    user_id = self._next_user_id
                self._next_user_id = max(self._next_user_id, int(user_id) + 1)
                user = {"login": login, "id": int(user_id), "email": email,
                        "name": name or login}
                self._users[key] = user
            else:
                if email is not None:
                    user["email"] = email
                if name is not None:
                    user["name"] = name
            if user.get("email"):
                self._emails[user["email"].lower()] = key
            for t in ([token] if token else []) + list(tokens or ()):
                self._tokens[t] = key
            return dict(user)

    def add_token(self, token, login="dev", **user_kw):
        """A valid token belonging to `login` (created if needed)."""
        return self.add_user(login, token=token, **user_kw)

    def revoke_token(self, token):
        with self._lock:
            self._tokens.pop(token, None)

    def user_for_token(self, token):
        with self._lock:
            key = self._tokens.get(token) if token is not None else None
            return dict(self._users[key]) if key else None

    # ================================================================ budgets
    def _budget_locked(self, login_key):
        now = self.clock()
        b = self._budgets.get(login_key)
        if b is None:
            b = [self.RATE_LIMIT, self.RATE_LIMIT, int(math.ceil(now + self.RATE_WINDOW))]
            self._budgets[login_key] = b
        elif now >= b[2]:
            b[1] = b[0]
            b[2] = int(math.ceil(now + self.RATE_WINDOW))
        return b

    def set_budget(self, token, remaining, reset_in_seconds=None, limit=None):
        """Sets the budget of the token's user: `remaining` requests left, the
        window resetting in `reset_in_seconds` (default: a full window)."""
        with self._lock:
            key = self._tokens.get(token)
            if key is None:
                raise KeyError("unknown token %r" % token)
            b = self._budget_locked(key)
            if limit is not None:
                b[0] = int(limit)
            b[1] = max(0, min(int(remaining), b[0]))
            if reset_in_seconds is None:
                reset_in_seconds = self.RATE_WINDOW
            b[2] = int(math.ceil(self.clock() + float(reset_in_seconds)))
            return self._budget_view(b)

    @staticmethod
    def _budget_view(b):
        return {"limit": b[0], "remaining": b[1], "used": b[0] - b[1], "reset": b[2]}

    def budget(self, token):
        """{"limit","remaining","used","reset"} of the token's user ({} if unknown)."""
        with self._lock:
            key = self._tokens.get(token)
            if key is None:
                return {}
            return self._budget_view(self._budget_locked(key))

    def _charge(self, login_key):
        """Takes one unit. Returns (ok, view): ok False when none is left."""
        with self._lock:
            b = self._budget_locked(login_key)
            if b[1] <= 0:
                return False, self._budget_view(b)
            b[1] -= 1
            return True, self._budget_view(b)

    def _refund(self, login_key):
        with self._lock:
            b = self._budget_locked(login_key)
            b[1] = min(b[0], b[1] + 1)
            return self._budget_view(b)

    # ================================================================ repositories
    def add_repo(self, owner, name, default_branch="main", private=False, visible_to=None,
                 repo_id=None, description=None):
        """Creates an empty repository (owner may be a nested namespace 'group/sub').
        visible_to: logins allowed to see it (None: every valid token)."""
        with self._lock:
            key = ("%s/%s" % (owner, name)).lower()
            if key in self._repos:
                raise ValueError("repository %s/%s exists" % (owner, name))
            if repo_id is None:
                repo_id = self._next_repo_id
            repo_id = int(repo_id)
            if repo_id in self._repos_by_id:
                raise ValueError("repository id %d taken" % repo_id)
            self._next_repo_id = max(self._next_repo_id, repo_id + 1)
            repo = Repo(repo_id, owner, name, default_branch, private, visible_to,
                        int(self.clock()) - 86400 * 365, description)
            self._repos[key] = repo
            self._repos_by_id[repo_id] = repo
            return repo

    def remove_repo(self, owner, name):
        with self._lock:
            repo = self._repos.pop(("%s/%s" % (owner, name)).lower())
            self._repos_by_id.pop(repo.id, None)

    def rename_repo(self, owner, name, new_owner, new_name):
        """The old name keeps resolving (GitHub: 301 to /repositories/{id}/...)."""
        with self._lock:
            repo = self._repos.pop(("%s/%s" % (owner, name)).lower())
            self._renamed[repo.full_name.lower()] = repo
            repo.owner, repo.name = new_owner, new_name
            repo.full_name = "%s/%s" % (new_owner, new_name)
            self._repos[repo.full_name.lower()] = repo
            repo.gen += 1
            return repo

    def set_visibility(self, owner, name, private=None, visible_to=()):
        """visible_to=None: everybody; a list: only those logins."""
        with self._lock:
            repo = self.get_repo(owner, name)
            if private is not None:
                repo.private = bool(private)
            if visible_to != ():
                repo.visible_to = None if visible_to is None else {v.lower() for v in visible_to}
            repo.gen += 1

    def get_repo(self, owner, name=None):
        """get_repo('o', 'r') or get_repo('o/r'); KeyError if missing."""
        full = owner if name is None else "%s/%s" % (owner, name)
        with self._lock:
            return self._repos[full.strip("/").lower()]

    def repos(self):
        with self._lock:
            return list(self._repos.values())

    def _lookup(self, full):
        """Repo by full name, following renames; None when unknown."""
        key = full.lower()
        repo = self._repos.get(key)
        if repo is None:
            repo = self._renamed.get(key)
        return repo

    def _visible(self, repo, login_key):
        return repo.visible_to is None or login_key in repo.visible_to

    # ================================================================ commits
    def _new_sha(self, repo, branch, message, date):
        self._sha_counter += 1
        seed = "%d\0%s\0%s\0%s\0%s" % (self._sha_counter, repo.full_name, branch, date, message)
        return hashlib.sha1(seed.encode("utf-8")).hexdigest()

    def _ensure_branch(self, repo, branch, base):
        """A missing branch starts from `base`: "default" (the default branch's
        history, like `git checkout -b`), another branch name, or None (orphan)."""
        if branch in repo.branches:
            return repo.branches[branch]
        if base == "default":
            base = repo.default_branch if branch != repo.default_branch else None
        shas = list(repo.branches.get(base, [])) if base else []
        repo.branches[branch] = shas
        return shas

    def add_commit(self, owner, name, branch, message="change", date=None,
                   author_name="Dev Eloper", author_email="dev@example.com", author_login=None,
                   committer_name=None, committer_email=None, committer_date=None,
                   tz_offset=None, committer_tz_offset=None, sha=None, base="default",
                   null_author=False):
        """One new commit on top of `branch` (created from `base` if missing).
        date: ISO text / epoch / datetime (default: now). tz_offset: '+01:00' or
        minutes (GitLab renders dates in it; default the fake's DEFAULT_TZ).
        Returns the SHA."""
        with self._lock:
            repo = self.get_repo(owner, name)
            shas = self._ensure_branch(repo, branch, base)
            when = int(parse_time(date)) if date is not None else int(self.clock())
            c = Commit()
            c.sha = sha or self._new_sha(repo, branch, message, when)
            if c.sha in repo.commits:
                raise ValueError("commit %s exists" % c.sha)
            c.message = message
            c.author_name, c.author_email = author_name, author_email
            c.author_date = when
            c.committer_name = committer_name or author_name
            c.committer_email = committer_email or author_email
            c.committer_date = int(parse_time(committer_date)) if committer_date is not None else when
            c.parents = (shas[0],) if shas else ()
            c.author_login = author_login
            c.committer_login = author_login if committer_name is None else None
            c.author_tz = parse_offset(tz_offset) if tz_offset is not None else self.DEFAULT_TZ
            c.committer_tz = (parse_offset(committer_tz_offset)
                              if committer_tz_offset is not None else c.author_tz)
            c.tree = hashlib.sha1(("tree" + c.sha).encode()).hexdigest()
            c.null_author = bool(null_author)
            repo.commits[c.sha] = c
            repo.branches[branch] = [c.sha] + shas
            repo.gen += 1
            return c.sha

    def add_commits(self, owner, name, branch, n, start_date=None, message_fn=None,
                    interval_seconds=3600, author_name="Dev Eloper",
                    author_email="dev@example.com", author_login=None, tz_offset=None,
                    base="default", committer_name=None, committer_email=None):
        """n commits appended to `branch` as a linear history: commit i (0 = oldest)
        is dated start_date + i*interval_seconds (default start: so that the
        newest lands one interval before now). message_fn: callable(i) -> str,
        or a format string with {i} {n} {branch} {repo}; default "commit {i}".
        Returns the new SHAs, newest first (the branch's order)."""
        n = int(n)
        if n <= 0:
            return []
        interval = int(interval_seconds)
        with self._lock:
            repo = self.get_repo(owner, name)
            if start_date is None:
                start = int(self.clock()) - n * interval
            else:
                start = int(parse_time(start_date))
            if message_fn is None:
                message_fn = "commit {i}"
            if isinstance(message_fn, str):
                template = message_fn
                message_fn = lambda i: template.format(i=i, n=n, branch=branch,  # noqa: E731
                                                       repo=repo.full_name)
            shas = self._ensure_branch(repo, branch, base)
            offset = parse_offset(tz_offset) if tz_offset is not None else self.DEFAULT_TZ
            new = []
            parent = shas[0] if shas else None
            for i in range(n):
                when = start + i * interval
                msg = message_fn(i)
                c = Commit()
                c.sha = self._new_sha(repo, branch, msg, when)
                c.message = msg
                c.author_name, c.author_email = author_name, author_email
                c.committer_name = committer_name or author_name
                c.committer_email = committer_email or author_email
                c.author_date = c.committer_date = when
                c.parents = (parent,) if parent else ()
                c.author_login = author_login
                c.committer_login = author_login if committer_name is None else None
                c.author_tz = c.committer_tz = offset
                c.tree = hashlib.sha1(("tree" + c.sha).encode()).hexdigest()
                c.null_author = False
                repo.commits[c.sha] = c
                new.append(c.sha)
                parent = c.sha
            new.reverse()
            repo.branches[branch] = new + shas
            repo.gen += 1
            return new

    def create_branch(self, owner, name, branch, from_branch=None, at_sha=None):
        """A new branch sharing history: the history of `from_branch` (default:
        the default branch), or of commit `at_sha` (the history below it)."""
        with self._lock:
            repo = self.get_repo(owner, name)
            if branch in repo.branches:
                raise ValueError("branch %s exists" % branch)
            src = from_branch or repo.default_branch
            if at_sha is None:
                shas = list(repo.branches.get(src, []))
            else:
                shas = self._history_from(repo, at_sha)
                if shas is None:
                    raise KeyError("no branch contains %s" % at_sha)
            repo.branches[branch] = shas
            repo.gen += 1
            return list(shas)

    def set_branch(self, owner, name, branch, shas):
        """Force-push: the branch lists exactly these existing SHAs (newest first)."""
        with self._lock:
            repo = self.get_repo(owner, name)
            missing = [s for s in shas if s not in repo.commits]
            if missing:
                raise KeyError("unknown commits %s" % missing[:3])
            repo.branches[branch] = list(shas)
            repo.gen += 1

    def push_commits(self, owner, name, branch, shas):
        """Pushes existing commits (newest first) on top of `branch` (created
        empty if missing): the commits become reachable from both branches."""
        with self._lock:
            repo = self.get_repo(owner, name)
            cur = repo.branches.get(branch, [])
            have = set(cur)
            add = [s for s in shas if s not in have]
            missing = [s for s in add if s not in repo.commits]
            if missing:
                raise KeyError("unknown commits %s" % missing[:3])
            repo.branches[branch] = add + cur
            repo.gen += 1

    def fast_forward(self, owner, name, branch, to_branch):
        """branch := to_branch (shares the whole history)."""
        with self._lock:
            repo = self.get_repo(owner, name)
            repo.branches[branch] = list(repo.branches[to_branch])
            repo.gen += 1

    def merge_branch(self, owner, name, into, from_branch, message=None, date=None,
                     author_name="Dev Eloper", author_email="dev@example.com",
                     author_login=None, tz_offset=None):
        """A merge commit on `into` with parents (head(into), head(from_branch));
        `into` then lists the union of both histories, newest committer date
        first. Returns the merge SHA."""
        with self._lock:
            repo = self.get_repo(owner, name)
            a = repo.branches.get(into, [])
            b = repo.branches[from_branch]
            msg = message or "Merge branch '%s' into %s" % (from_branch, into)
            sha = self.add_commit(owner, name, into, msg, date=date, author_name=author_name,
                                  author_email=author_email, author_login=author_login,
                                  tz_offset=tz_offset)
            c = repo.commits[sha]
            c.parents = tuple(p for p in (a[0] if a else None, b[0] if b else None) if p)
            seen = set()
            union = []
            for s in a + b:
                if s not in seen:
                    seen.add(s)
                    union.append(s)
            union.sort(key=lambda s: repo.commits[s].committer_date, reverse=True)
            repo.branches[into] = [sha] + union
            repo.gen += 1
            return sha

    def delete_branch(self, owner, name, branch):
        with self._lock:
            repo = self.get_repo(owner, name)
            del repo.branches[branch]
            repo.gen += 1

    def branch_shas(self, owner, name, branch):
        """The branch's SHAs, newest first (a copy)."""
        return list(self.get_repo(owner, name).branches[branch])

    def commit(self, owner, name, sha):
        return self.get_repo(owner, name).commits[sha]

    def _history_from(self, repo, sha):
        """The history below (and including) a commit, or None. Accepts
        abbreviated SHAs of 7+ characters."""
        if sha not in repo.commits and len(sha) >= 7:
            full = [s for s in list(repo.commits) if s.startswith(sha)]
            if len(full) == 1:
                sha = full[0]
        if sha not in repo.commits:
            return None
        for shas in list(repo.branches.values()):
            try:
                i = shas.index(sha)
            except ValueError:
                continue
            return shas[i:]
        return [sha]

    def _resolve_ref(self, repo, ref):
        """Branch name or commit SHA -> history list (newest first), or None."""
        shas = repo.branches.get(ref)
        if shas is not None:
            return shas
        return self._history_from(repo, ref)

    def _reachable(self, repo, sha):
        """Every commit reachable from `sha` (itself included), as a frozenset: the
        closure over `parents` (a merge has two), plus -- since push_commits can
        put a commit on a branch without rewriting its parents -- the rest of
        every branch list that contains it. Cached per repository generation."""
        key = (repo.id, repo.gen, "\0reach", sha)
        with self._lock:
            hit = self._list_cache.get(key)
        if hit is not None:
            return hit
        commits = repo.commits
        heads = {}
        for shas in list(repo.branches.values()):
            if shas:
                heads.setdefault(shas[0], []).append(shas)
        pending = [sha]
        for shas in list(repo.branches.values()):
            if sha in shas:
                pending.extend(shas[shas.index(sha):])
        out = set()
        while pending:
            s = pending.pop()
            if s in out or s not in commits:
                continue
            out.add(s)
            pending.extend(commits[s].parents)
            for shas in heads.get(s, ()):
                pending.extend(shas[1:])
        out = frozenset(out)
        with self._lock:
            self._list_cache[key] = out
            while len(self._list_cache) > self.LIST_CACHE_SIZE:
                self._list_cache.popitem(last=False)
        return out

    def _ref_sha(self, repo, ref):
        """Branch name or (7+ character prefix of a) commit SHA -> full SHA, or None."""
        shas = repo.branches.get(ref)
        if shas:
            return shas[0]
        if ref in repo.commits:
            return ref
        if len(ref) >= 7:
            full = [s for s in list(repo.commits) if s.startswith(ref)]
            if len(full) == 1:
                return full[0]
        return None

    def compare(self, repo, base, head):
        """git's base...head: None when a ref is unknown, else a dict with
        "base", "head" (SHAs), "commits" (reachable from head and not from base,
        oldest first), "status" (ahead|behind|identical|diverged), "ahead_by",
        "behind_by" and "merge_base" (the newest common commit, None when the
        histories are unrelated)."""
        b, h = self._ref_sha(repo, base), self._ref_sha(repo, head)
        if b is None or h is None:
            return None
        rb, rh = self._reachable(repo, b), self._reachable(repo, h)
        commits = repo.commits
        ahead = sorted(rh - rb, key=lambda s: (commits[s].committer_date, s))
        behind = rb - rh
        common = rb & rh
        merge_base = max(common, key=lambda s: (commits[s].committer_date, s)) if common else None
        if b == h:
            status = "identical"
        elif b in rh:
            status = "ahead"
        elif h in rb:
            status = "behind"
        else:
            status = "diverged"
        return {"base": b, "head": h, "commits": ahead, "status": status,
                "ahead_by": len(ahead), "behind_by": len(behind), "merge_base": merge_base}

    def _filtered(self, repo, ref, shas, since=None, until=None, author=None):
        """shas filtered by committer date (since <= date <= until) and author
        (name, email or login substring), cached per repository generation."""
        if since is None and until is None and not author:
            return shas
        key = (repo.id, repo.gen, ref, since, until, author)
        with self._lock:
            hit = self._list_cache.get(key)
            if hit is not None:
                self._list_cache.move_to_end(key)
                return hit
        commits = repo.commits
        out = []
        a = author.lower() if author else None
        for s in shas:
            c = commits[s]
            if since is not None and c.committer_date < since:
                continue
            if until is not None and c.committer_date > until:
                continue
            if a and not (a == (c.author_email or "").lower() or a == (c.author_login or "").lower()
                          or a in (c.author_name or "").lower()):
                continue
            out.append(s)
        with self._lock:
            self._list_cache[key] = out
            while len(self._list_cache) > self.LIST_CACHE_SIZE:
                self._list_cache.popitem(last=False)
        return out

    # ================================================================ bulk data
    def populate(self, owner="bench", repos=50, branches=5, commits=400, unique_per_branch=None,
                 start_date=None, interval_seconds=600, branch_names=None, tokens=None,
                 message="{key}change {i} on {branch}", key_prefix="PROJ"):
        """Benchmark-sized data: `repos` repositories owner/repo00.., each with a
        default branch 'main' of `commits` commits and branches-1 more branches
        ('feature/1'...) that fork from main and add `unique_per_branch` own
        commits (default commits//4) so every branch lists `commits` commits.
        50 x 5 x 400 -> 100,000 listed commits, 40,000 distinct. Three commits in
        four carry a Jira key ("PROJ-12: ..."). tokens: {token: login} added too.
        Returns the repository full names."""
        commits = int(commits)
        unique = commits // 4 if unique_per_branch is None else int(unique_per_branch)
        unique = max(0, min(unique, commits))
        names = list(branch_names or ["main"] + ["feature/%d" % k for k in range(1, int(branches))])
        total_span = (commits + unique) * int(interval_seconds)
        start = (int(self.clock()) - total_span) if start_date is None else int(parse_time(start_date))
        for tok, login in (tokens or {}).items():
            self.add_token(tok, login)
        out = []
        with self._lock:
            for r in range(int(repos)):
                rname = "repo%02d" % r
                self.add_repo(owner, rname, default_branch=names[0])

                def mk(i, branch, _r=r):
                    k = "" if i % 4 == 3 else "%s-%d: " % (key_prefix, (_r * 1000 + i) % 997 + 1)
                    return message.format(key=k, i=i, branch=branch, repo=rname)
                self.add_commits(owner, rname, names[0], commits, start_date=start,
                                 interval_seconds=interval_seconds,
                                 message_fn=lambda i, b=names[0]: mk(i, b), base=None)
                main = self._repos[("%s/%s" % (owner, rname)).lower()].branches[names[0]]
                fork = commits - unique              # oldest commits of main a branch keeps
                fork_date = start + max(fork - 1, 0) * int(interval_seconds)
                for bi, bname in enumerate(names[1:], 1):
                    if fork > 0:
                        self.create_branch(owner, rname, bname, at_sha=main[unique])
                    self.add_commits(owner, rname, bname, unique, base=None,
                                     start_date=fork_date + bi * 7 + int(interval_seconds) // 2,
                                     interval_seconds=interval_seconds,
                                     message_fn=lambda i, b=bname: mk(i, b),
                                     author_name="Dev %d" % bi,
                                     author_email="dev%d@example.com" % bi)
                out.append("%s/%s" % (owner, rname))
        return out

    # ================================================================ admin JSON
    OPS = ("add_user", "add_token", "revoke_token", "add_repo", "remove_repo", "rename_repo",
           "set_visibility", "add_commit", "add_commits", "create_branch", "set_branch",
           "push_commits", "fast_forward", "merge_branch", "delete_branch", "set_budget",
           "populate", "set_faults", "force_status", "clear_forced", "clear_faults",
           "reset_log")
    _REPO_OPS = ("remove_repo", "rename_repo", "set_visibility", "add_commit", "add_commits",
                 "create_branch", "set_branch", "push_commits", "fast_forward", "merge_branch",
                 "delete_branch", "add_repo")

    def _run_op(self, op, kw, created):
        if op not in self.OPS:
            raise ValueError("unknown op %r" % op)
        kw = dict(kw)
        if op in self._REPO_OPS and "repo" in kw:
            kw["owner"], kw["name"] = split_full(kw.pop("repo"))
        if op == "add_commits" and "message" in kw:
            kw["message_fn"] = kw.pop("message")
        if op == "add_commits" and "messages" in kw:
            msgs = list(kw.pop("messages"))
            kw["n"] = kw.get("n", len(msgs))
            kw["message_fn"] = lambda i: msgs[i % len(msgs)]
        if op == "set_budget" and "reset_in" in kw:
            kw["reset_in_seconds"] = kw.pop("reset_in")
        if op == "create_branch" and "from" in kw:
            kw["from_branch"] = kw.pop("from")
        if op == "merge_branch" and "from" in kw:
            kw["from_branch"] = kw.pop("from")
        result = getattr(self, op)(**kw)
        if op in ("add_commits", "add_commit", "merge_branch"):
            k = "%s:%s" % ("%s/%s" % (kw["owner"], kw["name"]), kw.get("branch") or kw.get("into"))
            created.setdefault(k, [])
            created[k] = ([result] if isinstance(result, str) else list(result)) + created[k]
        if op == "add_repo":
            return None
        return result

    def apply_state(self, obj):
        """Applies an admin/seed JSON document (format: README.md). Sections run
        in this order: reset, users, tokens, repos, generate, commits, branches,
        merges, set_branches, push, delete_branches, budgets, revoke, faults,
        forced, ops. Returns {"ok", "created"?, "summary"}."""
        created = {}
        with self._lock:
            if obj.get("reset"):
                self._reset_data()
            for u in obj.get("users", []):
                self._run_op("add_user", u, created)
            for tok, login in obj.get("tokens", {}).items():
                self.add_token(tok, login)
            for r in obj.get("repos", []):
                r = dict(r)
                if "repo" not in r and "full_name" in r:
                    r["repo"] = r.pop("full_name")
                if "repo" not in r and "path" in r:
                    r["repo"] = r.pop("path")
                if "id" in r:
                    r["repo_id"] = r.pop("id")
                self._run_op("add_repo", r, created)
            if obj.get("generate"):
                self.populate(**obj["generate"])
            for c in obj.get("commits", []):
                c = dict(c)
                if "from" in c:
                    c["base"] = c.pop("from")
                op = "add_commits" if ("n" in c or "messages" in c) else "add_commit"
                self._run_op(op, c, created)
            for b in obj.get("branches", []):
                self._run_op("create_branch", b, created)
            for m in obj.get("merges", []):
                self._run_op("merge_branch", m, created)
            for s in obj.get("set_branches", []):
                self._run_op("set_branch", s, created)
            for p in obj.get("push", []):
                self._run_op("push_commits", p, created)
            for d in obj.get("delete_branches", []):
                self._run_op("delete_branch", d, created)
            for b in obj.get("budgets", []):
                self._run_op("set_budget", b, created)
            for t in obj.get("revoke", []):
                self.revoke_token(t)
            if "faults" in obj:
                f = dict(obj["faults"])
                if f.pop("clear", False):
                    self.clear_faults()
                self.set_faults(**f)
            for rule in obj.get("forced", []):
                self.force_status(**rule)
            results = []
            for op in obj.get("ops", []):
                op = dict(op)
                results.append(self._run_op(op.pop("op"), op, created))
        out = {"ok": True, "summary": self.summary()}
        if obj.get("return_shas"):
            out["created"] = created
        if obj.get("ops"):
            out["results"] = results
        return out

    def summary(self):
        with self._lock:
            repos = {}
            for repo in self._repos.values():
                repos[repo.full_name] = {
                    "id": repo.id, "default_branch": repo.default_branch,
                    "private": repo.private,
                    "visible_to": sorted(repo.visible_to) if repo.visible_to is not None else None,
                    "commits": len(repo.commits),
                    "branches": {b: {"head": s[0] if s else None, "count": len(s)}
                                 for b, s in sorted(repo.branches.items())},
                }
            users = {u["login"]: {"id": u["id"], "email": u["email"],
                                  "tokens": sorted(t for t, k in self._tokens.items()
                                                   if k == key)}
                     for key, u in self._users.items()}
            return {"kind": self.KIND, "base_url": self.base_url, "repos": repos, "users": users}
