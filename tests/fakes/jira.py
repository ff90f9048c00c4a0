"""FakeJira: a faithful fake of the Jira Cloud REST subset a sprint/card sync uses.

Routes (HTTP Basic `email:api_token` on all of them; admin API as the other fakes):
    GET  /rest/agile/1.0/board                 ?startAt=&maxResults=&type=&name=&projectKeyOrId=
    GET  /rest/agile/1.0/board/{id}
    GET  /rest/agile/1.0/board/{id}/sprint     ?state=active,future,closed&startAt=&maxResults=
    GET  /rest/agile/1.0/sprint/{id}
    GET  /rest/agile/1.0/sprint/{id}/issue     ?startAt=&maxResults=&fields=&expand=&jql=
    GET  /rest/api/2|3/issue/{keyOrId}         ?fields=&expand=
    GET  /rest/api/2|3/issue/{keyOrId}/changelog ?startAt=&maxResults=   (oldest first)
    GET  /rest/api/2|3/issue/{keyOrId}/comment   ?startAt=&maxResults=&orderBy=  (oldest first)
    POST /rest/api/3/changelog/bulkfetch       {"issueIdsOrKeys", "maxResults", "nextPageToken"}
    GET|POST /rest/api/3/search/jql            (bounded JQL, nextPageToken pages, no total)
    GET|POST /rest/api/2|3/search              -> 410 Gone (removed upstream)
    GET  /rest/api/2|3/myself, /rest/api/2|3/serverInfo
Agile lists cap maxResults at 50 (default 50); the changelog list caps at 100.
Timestamps render like Jira: "2026-02-18T14:30:00.000+0100", in the requesting
user's time zone (default: the fake's `time_zone`, +01:00). Sprint dates render in
UTC ("...000Z") like Jira Cloud (sprint_dates="offset" gives "+01:00" instead).
JQL (`jql=`) is parsed for real: AND/OR/NOT/parentheses, ORDER BY ignored, fields
updated/created (date literals "yyyy/MM/dd HH:mm" etc. in the user's zone, minute
precision; ISO timestamps rejected with 400 like Jira), project, sprint, status,
statusCategory, assignee, issuetype, key, parent; anything else -> 400.
Issues render the Sprint field as `customfield_10020` (both APIs, when asked for or
by default): [{"id","name","state","boardId","goal","startDate"?,"endDate"?,
"completeDate"?}] for every sprint the issue is or was in, or null.
Descriptions and comment bodies render as text (wiki markup) in the agile and
v2 APIs and as Atlassian Document Format trees in v3 (search/jql, issue/{key}
and comment under /rest/api/3); a description set as an ADF tree renders as
that tree in v3 and as its plain text in v2. The `comment` field embeds the
oldest `embedded_comments` (20) comments with the real total
({"comments","maxResults","total","startAt"}); the comment list pages by
startAt and caps maxResults at 100.
Several Jira sites: one FakeJira per site (each on its own port). Ids and keys
start at the same values in every instance, so sites collide as real ones do.
"""

import base64
import binascii
import calendar
import datetime
import hashlib
import itertools
import json
import re
import time

from .base import FakeServer, Response, json_bytes, parse_offset, parse_time

try:                                    # IANA zone names are optional (Python >= 3.9)
    import zoneinfo
except ImportError:                     # pragma: no cover
    zoneinfo = None

CONTENT_TYPE = "application/json;charset=UTF-8"
AUTH_MESSAGE = "Client must be authenticated to access this resource."
AGILE_MAX = 50
CHANGELOG_MAX = 100
EMBEDDED_CHANGELOG = 100
BULK_ISSUES_MAX = 1000
BULK_DEFAULT = 1000
BULK_MAX = 10000
SEARCH_JQL_DEFAULT = 50
SEARCH_JQL_MAX = 5000
SEARCH_JQL_MAX_WITH_FIELDS = 100
EMBEDDED_COMMENTS = 20
COMMENT_PAGE_MAX = 100
FIRST_COMMENT_ID = 10000
SEARCH_GONE = ("The requested API has been removed. Please migrate to the /rest/api/3/search/jql "
               "API. A full migration guideline is available at "
               "https://developer.atlassian.com/changelog/#CHANGE-2046")
DATE_FORMATS_HINT = ("Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', "
                     "'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.")

# name -> (id, category key, category id, colour, category name)
STATUSES = {
    "backlog": ("10003", "new", 2, "blue-gray", "To Do"),
    "to do": ("10000", "new", 2, "blue-gray", "To Do"),
    "selected for development": ("10004", "new", 2, "blue-gray", "To Do"),
    "in progress": ("3", "indeterminate", 4, "yellow", "In Progress"),
    "in review": ("10001", "indeterminate", 4, "yellow", "In Progress"),
    "done": ("10002", "done", 3, "green", "Done"),
    "closed": ("6", "done", 3, "green", "Done"),
}
# name -> (id, subtask, hierarchyLevel)
ISSUE_TYPES = {
    "epic": ("10000", False, 1),
    "story": ("10001", False, 0),
    "task": ("10002", False, 0),
    "sub-task": ("10003", True, -1),
    "subtask": ("10003", True, -1),
    "bug": ("10004", False, 0),
}
STATUS_CYCLE = ["To Do", "In Progress", "In Review", "Done"]
SPRINT_STATES = ("active", "future", "closed")
SPRINT_FIELD_ID = "customfield_10020"        # Jira Cloud's Sprint field
ALL_FIELDS = ("summary", "status", "assignee", "issuetype", "parent", "subtasks", "updated",
              "created", "project", "sprint", "closedSprints", SPRINT_FIELD_ID, "description",
              "comment")
DAY = 86400


def _hash_id(text, base, span=1000):
    return str(base + int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16) % span)


def _account_id(seed):
    return "5b10" + hashlib.sha1(("acct:" + seed).encode("utf-8")).hexdigest()[:20]


# --------------------------------------------------------------------------
# time zones

class Zone:
    """A fixed UTC offset ("+01:00", "-0530", "Z", minutes) or an IANA name
    ("Europe/Berlin", via zoneinfo, with DST)."""

    def __init__(self, spec="+01:00"):
        self.spec = spec
        self.tz = None
        self.minutes = 0
        if isinstance(spec, Zone):
            self.spec, self.tz, self.minutes = spec.spec, spec.tz, spec.minutes
            return
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            self.minutes = int(spec)
            return
        text = str(spec).strip()
        if text.upper() in ("UTC", "GMT", "Z", ""):
            self.minutes = 0
            return
        try:
            self.minutes = parse_offset(text)
            return
        except ValueError:
            pass
        if zoneinfo is None:
            raise ValueError("unknown time zone %r" % (spec,))
        try:
            self.tz = zoneinfo.ZoneInfo(text)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone %r: %s" % (spec, exc))

    def offset(self, epoch):
        """Minutes east of UTC at that instant."""
        if self.tz is None:
            return self.minutes
        dt = datetime.datetime.fromtimestamp(int(epoch), self.tz)
        return int(dt.utcoffset().total_seconds() // 60)

    def local_to_epoch(self, y, mo, d, h=0, mi=0):
        if self.tz is None:
            return float(calendar.timegm((y, mo, d, h, mi, 0)) - self.minutes * 60)
        return datetime.datetime(y, mo, d, h, mi, tzinfo=self.tz).timestamp()

    @property
    def name(self):
        """What /myself reports as timeZone."""
        if self.tz is not None:
            return self.tz.key
        if self.minutes == 0:
            return "UTC"
        if self.minutes % 60 == 0:      # POSIX sign: Etc/GMT-1 is UTC+01:00
            return "Etc/GMT%+d" % (-self.minutes // 60)
        sign = "+" if self.minutes >= 0 else "-"
        return "GMT%s%02d:%02d" % (sign, abs(self.minutes) // 60, abs(self.minutes) % 60)

    def describe(self):
        return self.spec if isinstance(self.spec, str) else self.name


def format_jira(epoch, zone, colon=False):
    """2026-02-18T14:30:00.000+0100 (Jira; colon=True: +01:00)."""
    ms_total = int(round(float(epoch) * 1000))
    secs, ms = divmod(ms_total, 1000)
    off = zone.offset(secs)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs + off * 60))
    sign = "+" if off >= 0 else "-"
    off = abs(off)
    return "%s.%03d%s%02d%s%02d" % (text, ms, sign, off // 60, ":" if colon else "", off % 60)


def format_utc_ms(epoch):
    ms_total = int(round(float(epoch) * 1000))
    secs, ms = divmod(ms_total, 1000)
    return "%s.%03dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)), ms)


def _time(value, default=None):
    if value is None:
        return default
    return parse_time(value)


# --------------------------------------------------------------------------
# data model

class Board:
    __slots__ = ("id", "name", "type", "project", "sprints")

    def __init__(self, board_id, name, btype, project):
        self.id, self.name, self.type, self.project = board_id, name, btype, project
        self.sprints = []            # sprint ids, creation order


class Sprint:
    __slots__ = ("id", "board_id", "name", "state", "start", "end", "complete", "goal",
                 "created", "issues")

    def __init__(self, sprint_id, board_id, name, state):
        self.id, self.board_id, self.name, self.state = sprint_id, board_id, name, state
        self.start = self.end = self.complete = None
        self.goal = ""
        self.created = None
        self.issues = []             # issue ids in rank order


class Issue:
    __slots__ = ("id", "key", "project", "summary", "status", "assignee", "issuetype",
                 "subtask", "parent", "sprints", "created", "updated", "histories",
                 "description", "comments")

    def __init__(self):
        self.sprints = []            # sprint ids, oldest membership first
        self.histories = []          # oldest first: {"id", "author", "created", "items"}
        self.description = None      # None | text | ADF dict
        self.comments = []           # oldest first: {"id", "author", "body", "created", "updated"}


def adf_doc(text):
    """Plain text -> an ADF document, one paragraph per line."""
    return {"type": "doc", "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": line}]}
                        if line else {"type": "paragraph", "content": []}
                        for line in (text or "").split("\n")]}


def adf_plain(node, _level=0):
    """An ADF tree -> text (what the v2 API would show)."""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return ""
    t = node.get("type")
    if t == "text":
        return node.get("text", "")
    if t == "hardBreak":
        return "\n"
    inner = "".join(adf_plain(c, _level + 1) for c in node.get("content", []))
    if t in ("paragraph", "heading", "codeBlock", "listItem", "blockquote"):
        return inner.rstrip("\n") + "\n"
    return inner


class JiraError(Exception):
    def __init__(self, status, messages, errors=None):
        super().__init__(messages[0] if messages else "")
        self.status = status
        self.messages = messages
        self.errors = errors or {}


# --------------------------------------------------------------------------
# JQL

_TOKEN = re.compile(r"""\s*(?:
    (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>>=|<=|!=|!~|=|>|<|~|\(|\)|,)
  | (?P<word>[^\s"'(),=<>!~]+)
)""", re.X)
_DATE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$")
_PERIOD = re.compile(r"^([+-]?)\s*((?:\d+\s*[wdhm]\s*)+)$")
_PERIOD_PART = re.compile(r"(\d+)\s*([wdhm])")
_UNIT = {"w": 7 * DAY, "d": DAY, "h": 3600, "m": 60}
_DATE_FIELDS = {"updated": "updated", "updateddate": "updated", "created": "created",
                "createddate": "created"}
_FIELD_ALIASES = {"type": "issuetype", "issuekey": "key", "id": "key"}
_KNOWN_FIELDS = ("project", "sprint", "status", "statuscategory", "assignee", "issuetype", "key",
                 "parent")


class _Tok:
    __slots__ = ("kind", "text", "pos")

    def __init__(self, kind, text, pos):
        self.kind, self.text, self.pos = kind, text, pos


def _jql_error(msg):
    return JiraError(400, [msg])


class JqlParser:
    """JQL -> predicate(issue) for the subset a sync needs (see module doc)."""

    def __init__(self, fake, text, user, zone, now):
        self.fake, self.text, self.user, self.zone, self.now = fake, text, user, zone, now
        self.toks = []
        pos = 0
        text = text or ""
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise _jql_error("Error in the JQL Query: The character '%s' is a reserved JQL "
                                 "character. You must enclose it in a string or use the escape "
                                 "'\\u%04x' instead. (line 1, character %d)"
                                 % (text[pos], ord(text[pos]), pos + 1))
            kind = m.lastgroup
            if kind is None:
                break
            value = m.group(kind)
            if kind == "str":
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            self.toks.append(_Tok(kind, value, m.start(kind) + 1))
            pos = m.end()
        self.i = 0
        self.bounded = False

    # -------------------------------------------------------------- token helpers
    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def is_word(self, tok, *words):
        return tok is not None and tok.kind == "word" and tok.text.lower() in words

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect_op(self, op):
        tok = self.take()
        if tok is None or tok.kind != "op" or tok.text != op:
            raise self.unexpected(tok, "'%s'" % op)
        return tok

    def unexpected(self, tok, wanted):
        if tok is None:
            return _jql_error("Error in the JQL Query: Expecting %s but reached the end of the "
                              "query." % wanted)
        return _jql_error("Error in the JQL Query: Expecting %s but got '%s'. (line 1, "
                          "character %d)" % (wanted, tok.text, tok.pos))

    # -------------------------------------------------------------- grammar
    def parse(self):
        """-> predicate or None (empty query: every issue)."""
        pred = None
        if self.peek() is not None and not self.is_word(self.peek(), "order"):
            pred = self.or_expr()
        tok = self.peek()
        if tok is not None:
            if self.is_word(tok, "order") and self.is_word(self.peek(1), "by"):
                if self.peek(2) is None:
                    raise _jql_error("Error in the JQL Query: Expecting a field name but reached "
                                     "the end of the query.")
                return pred            # ordering: rank order is kept
            raise self.unexpected(tok, "either 'OR' or 'AND'")
        return pred

    def or_expr(self):
        parts = [self.and_expr()]
        while self.is_word(self.peek(), "or"):
            self.take()
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda issue: any(p(issue) for p in parts)

    def and_expr(self):
        parts = [self.unary()]
        while self.is_word(self.peek(), "and"):
            self.take()
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        return lambda issue: all(p(issue) for p in parts)

    def unary(self):
        tok = self.peek()
        if tok is None:
            raise self.unexpected(tok, "a field name")
        if self.is_word(tok, "not"):
            self.take()
            inner = self.unary()
            return lambda issue: not inner(issue)
        if tok.kind == "op" and tok.text == "(":
            self.take()
            inner = self.or_expr()
            self.expect_op(")")
            return inner
        return self.clause()

    def value(self):
        tok = self.take()
        if tok is None or tok.kind == "op":
            raise self.unexpected(tok, "either a value, list or function")
        if tok.kind == "word" and self.peek() is not None and self.peek().kind == "op" \
                and self.peek().text == "(":
            self.take()
            args = []
            while not (self.peek() is not None and self.peek().kind == "op"
                       and self.peek().text == ")"):
                a = self.take()
                if a is None:
                    raise self.unexpected(a, "')'")
                if not (a.kind == "op" and a.text == ","):
                    args.append(a.text)
            self.take()
            return ("func", tok.text.lower(), args, tok)
        return ("value", tok.text, tok.kind == "str", tok)

    def values_list(self):
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text == "(":
            self.take()
            out = [self.value()]
            while self.peek() is not None and self.peek().kind == "op" and self.peek().text == ",":
                self.take()
                out.append(self.value())
            self.expect_op(")")
            return out
        v = self.value()
        if v[0] != "func":
            raise self.unexpected(v[3], "'('")
        return [v]

    def clause(self):
        ftok = self.take()
        if ftok.kind != "word" and ftok.kind != "str":
            raise self.unexpected(ftok, "a field name")
        fname = ftok.text.lower()
        fname = _FIELD_ALIASES.get(fname, fname)
        if fname not in _DATE_FIELDS and fname not in _KNOWN_FIELDS:
            raise _jql_error("Field '%s' does not exist or you do not have permission to view "
                             "it." % ftok.text)
        tok = self.peek()
        if tok is None:
            raise self.unexpected(tok, "an operator")
        negate = False
        if self.is_word(tok, "is"):
            self.take()
            if self.is_word(self.peek(), "not"):
                self.take()
                negate = True
            empty = self.take()
            if not self.is_word(empty, "empty", "null"):
                raise self.unexpected(empty, "'EMPTY'")
            self.bounded = True
            pred = self.empty_pred(fname, ftok.text)
            return (lambda issue: not pred(issue)) if negate else pred
        if self.is_word(tok, "not") and self.is_word(self.peek(1), "in"):
            self.take()
            self.take()
            op = "not in"
        elif self.is_word(tok, "in"):
            self.take()
            op = "in"
        elif tok.kind == "op" and tok.text in (">=", "<=", "!=", "=", ">", "<", "~", "!~"):
            self.take()
            op = tok.text
        else:
            raise self.unexpected(tok, "an operator")
        self.bounded = True
        if fname in _DATE_FIELDS:
            return self.date_clause(_DATE_FIELDS[fname], ftok.text, op)
        if op in ("in", "not in"):
            vals = self.values_list()
        elif op in ("=", "!="):
            vals = [self.value()]
        else:
            raise _jql_error("The operator '%s' is not supported by the '%s' field."
                             % (op, ftok.text))
        match = self.matcher(fname, ftok.text, vals)
        if op in ("!=", "not in"):
            return lambda issue: not match(issue)
        return match

    # -------------------------------------------------------------- fields
    def date_value(self, v, field):
        kind, text = v[0], v[1]
        if kind == "func":
            if text in ("now",):
                return float(self.now)
            if text in ("startofday", "endofday"):
                off = self.zone.offset(self.now)
                local = time.gmtime(self.now + off * 60)
                start = self.zone.local_to_epoch(local.tm_year, local.tm_mon, local.tm_mday)
                return start if text == "startofday" else start + DAY
            raise _jql_error("Unable to find JQL function '%s()'." % v[3].text)
        raw = text.strip()
        m = _DATE.match(raw)
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            h = int(m.group(4)) if m.group(4) else 0
            mi = int(m.group(5)) if m.group(5) else 0
            try:
                datetime.datetime(y, mo, d, h, mi)
            except ValueError:
                raise self.bad_date(text, field)
            return self.zone.local_to_epoch(y, mo, d, h, mi)
        m = _PERIOD.match(raw)
        if m:
            secs = sum(int(n) * _UNIT[u] for n, u in _PERIOD_PART.findall(m.group(2)))
            sign = -1 if m.group(1) == "-" else 1
            t = self.now + sign * secs
            return float(int(t) // 60 * 60)         # minute precision
        raise self.bad_date(text, field)

    @staticmethod
    def bad_date(text, field):
        return _jql_error("Date value '%s' for field '%s' is invalid. %s"
                          % (text, field, DATE_FORMATS_HINT))

    def date_clause(self, attr, field, op):
        if op in ("in", "not in", "~", "!~"):
            raise _jql_error("The operator '%s' is not supported by the '%s' field." % (op, field))
        t = self.date_value(self.value(), field)
        ops = {">=": lambda a: a >= t, ">": lambda a: a > t, "<=": lambda a: a <= t,
               "<": lambda a: a < t, "=": lambda a: a == t, "!=": lambda a: a != t}
        cmp = ops[op]
        return lambda issue: cmp(getattr(issue, attr))

    def empty_pred(self, fname, field):
        if fname == "assignee":
            return lambda issue: issue.assignee is None
        if fname == "sprint":
            return lambda issue: not issue.sprints
        if fname == "parent":
            return lambda issue: issue.parent is None
        if fname in _DATE_FIELDS:
            return lambda issue: False
        return lambda issue: False

    def matcher(self, fname, field, vals):
        fake = self.fake
        tests = []
        for v in vals:
            tests.append(self.one_matcher(fname, field, v, fake))
        return lambda issue: any(t(issue) for t in tests)

    def one_matcher(self, fname, field, v, fake):
        kind, text = v[0], v[1]
        low = text.lower() if kind == "value" else None
        if kind == "value" and not v[2] and low in ("empty", "null"):
            return self.empty_pred(fname, field)
        if kind == "func":
            if fname == "sprint" and text in ("opensprints", "closedsprints", "futuresprints"):
                states = {"opensprints": ("active", "future"), "closedsprints": ("closed",),
                          "futuresprints": ("future",)}[text]

                def f(issue, states=states):
                    return any(fake._sprints[s].state in states for s in issue.sprints
                               if s in fake._sprints)
                return f
            if fname == "assignee" and text == "currentuser":
                name = self.user["display_name"] if self.user else None
                return lambda issue: issue.assignee is not None and issue.assignee == name
            raise _jql_error("Unable to find JQL function '%s()'." % v[3].text)
        if fname == "project":
            keys = {p["key"] for p in fake._projects.values()
                    if low in (p["key"].lower(), str(p["id"]), p["name"].lower())}
            if not keys:
                raise _jql_error("The value '%s' does not exist for the field '%s'."
                                 % (text, field))
            return lambda issue: issue.project in keys
        if fname == "sprint":
            ids = set()
            if text.isdigit():
                ids.add(int(text))
            ids |= {s.id for s in fake._sprints.values() if s.name.lower() == low}
            if not ids or not any(i in fake._sprints for i in ids):
                raise _jql_error("The value '%s' does not exist for the field '%s'."
                                 % (text, field))
            return lambda issue: any(s in ids for s in issue.sprints)
        if fname == "status":
            names = {n for n, info in STATUSES.items() if info[0] == text}
            if low in STATUSES or any(i.status.lower() == low for i in fake._issues.values()):
                names.add(low)
            if not names:
                raise _jql_error("The value '%s' does not exist for the field '%s'."
                                 % (text, field))
            return lambda issue: issue.status.lower() in names
        if fname == "statuscategory":
            cats = {"to do": "new", "new": "new", "in progress": "indeterminate",
                    "indeterminate": "indeterminate", "done": "done", "2": "new",
                    "4": "indeterminate", "3": "done"}
            if low not in cats:
                raise _jql_error("The value '%s' does not exist for the field '%s'."
                                 % (text, field))
            want = cats[low]
            return lambda issue: fake._status_info(issue.status)[1] == want
        if fname == "issuetype":
            names = {n for n, t in ISSUE_TYPES.items() if t[0] == text}
            if low in ISSUE_TYPES or any(i.issuetype.lower() == low
                                         for i in fake._issues.values()):
                names.add(low)
            if low in ("sub-task", "subtask"):
                names |= {"sub-task", "subtask"}
            if not names:
                raise _jql_error("The value '%s' does not exist for the field '%s'."
                                 % (text, field))
            return lambda issue: issue.issuetype.lower() in names
        if fname == "assignee":
            names = {text}
            for u in fake._users.values():
                if low in (u["email"].lower(), u["account_id"].lower(),
                           u["display_name"].lower()):
                    names.add(u["display_name"])
            names_low = {n.lower() for n in names}
            return lambda issue: (issue.assignee is not None
                                  and (issue.assignee.lower() in names_low
                                       or _account_id(issue.assignee) == text))
        if fname == "key":
            issue_x = fake._lookup_issue(text)
            if issue_x is None:
                if re.match(r"^[A-Za-z][A-Za-z0-9_]*-\d+$", text) or text.isdigit():
                    raise _jql_error("An issue with key '%s' does not exist for field 'key'."
                                     % text)
                raise _jql_error("The issue key '%s' for field 'key' is invalid." % text)
            target = issue_x.id
            return lambda issue: issue.id == target
        if fname == "parent":
            issue_x = fake._lookup_issue(text)
            if issue_x is None:
                raise _jql_error("The value '%s' does not exist for the field 'parent'." % text)
            target = issue_x.key
            return lambda issue: issue.parent == target
        raise _jql_error("Field '%s' does not exist or you do not have permission to view it."
                         % field)


# --------------------------------------------------------------------------
# the fake

class FakeJira(FakeServer):
    KIND = "jira"
    server_header = "AtlassianEdge"
    FIRST_BOARD_ID = 1
    FIRST_SPRINT_ID = 1
    FIRST_ISSUE_ID = 10001
    FIRST_HISTORY_ID = 10100
    FIRST_PROJECT_ID = 10000

    def __init__(self, seed=0, port=0, clock=None, time_zone="+01:00", sprint_dates="utc",
                 default_author="Jira Automation", embedded_comments=EMBEDDED_COMMENTS):
        """time_zone: default zone of users (rendering of `updated`/`created`/changelog
        dates and JQL date literals): "+01:00", minutes, "UTC" or an IANA name.
        sprint_dates: "utc" (Jira Cloud: 2026-02-18T13:30:00.000Z) or "offset"
        (2026-02-18T14:30:00.000+01:00). default_author: displayName of generated
        changelog entries when no author is given."""
        super().__init__(seed=seed, port=port)
        self.clock = clock or time.time
        self._zone = Zone(time_zone)
        if sprint_dates not in ("utc", "offset"):
            raise ValueError("sprint_dates must be utc or offset")
        self.sprint_dates = sprint_dates
        self.default_author = default_author
        self.embedded_comments = int(embedded_comments)
        self._req_ids = itertools.count(1)
        self._reset_data()

    def _reset_data(self):
        with self._lock:
            self._users = {}            # lower(email) -> user dict
            self._creds = {}            # (lower(email), token) -> lower(email)
            self._projects = {}         # KEY -> {"id", "key", "name", "next"}
            self._boards = {}           # id -> Board
            self._sprints = {}          # id -> Sprint
            self._issues = {}           # id -> Issue
            self._keys = {}             # KEY-12 -> id
            self._children = {}         # parent key -> [child keys]
            self._next_board = self.FIRST_BOARD_ID
            self._next_sprint = self.FIRST_SPRINT_ID
            self._next_issue = self.FIRST_ISSUE_ID
            self._next_history = self.FIRST_HISTORY_ID
            self._next_project = self.FIRST_PROJECT_ID
            self._next_comment = FIRST_COMMENT_ID

    def reset_all(self):
        """Forget all data, faults and the log."""
        super().reset_all()
        self._reset_data()

    # ================================================================ time zone
    @property
    def time_zone(self):
        return self._zone.describe()

    @time_zone.setter
    def time_zone(self, spec):
        zone = Zone(spec)
        with self._lock:
            self._zone = zone

    def set_time_zone(self, spec):
        self.time_zone = spec

    def format_time(self, epoch, email=None):
        """Renders epoch like Jira for a user (default zone when email is None)."""
        return format_jira(epoch, self._zone_for(self._users.get((email or "").lower())))

    def _zone_for(self, user):
        if user is not None and user.get("zone") is not None:
            return user["zone"]
        return self._zone

    # ================================================================ users
    def add_user(self, email, token=None, display_name=None, account_id=None, time_zone=None,
                 boards=None, tokens=(), active=True):
        """Creates (or updates) a user with API token(s). boards: None = sees every
        board (and its sprints/issues), else a list of visible board ids.
        time_zone: this user's zone (default: the fake's). Returns the user dict."""
        with self._lock:
            key = email.lower()
            user = self._users.get(key)
            if user is None:
                user = {"email": email, "display_name": display_name or email.split("@")[0],
                        "account_id": account_id or _account_id(email), "zone": None,
                        "boards": None, "tokens": set(), "active": bool(active)}
                self._users[key] = user
            else:
                if display_name:
                    user["display_name"] = display_name
                if account_id:
                    user["account_id"] = account_id
            if time_zone is not None:
                user["zone"] = Zone(time_zone)
            if boards is not None:
                user["boards"] = {int(b) for b in boards}
            for t in ([token] if token else []) + list(tokens or ()):
                user["tokens"].add(t)
                self._creds[(key, t)] = key
            return user

    def add_token(self, email, token):
        self.add_user(email, token=token)

    def revoke_token(self, email, token):
        with self._lock:
            key = email.lower()
            self._creds.pop((key, token), None)
            if key in self._users:
                self._users[key]["tokens"].discard(token)

    def set_visibility(self, email, boards=None):
        """boards=None: every board visible; else the visible board ids."""
        with self._lock:
            self._users[email.lower()]["boards"] = (None if boards is None
                                                    else {int(b) for b in boards})

    def user_for(self, email, token):
        with self._lock:
            key = self._creds.get(((email or "").lower(), token))
            return self._users.get(key) if key else None

    # ================================================================ projects/boards
    def _project(self, key, name=None):
        key = key.upper()
        p = self._projects.get(key)
        if p is None:
            p = {"id": self._next_project, "key": key, "name": name or "Project %s" % key,
                 "next": 1}
            self._next_project += 1
            self._projects[key] = p
        elif name:
            p["name"] = name
        return p

    def add_board(self, name, type="scrum", project="PROJ", board_id=None, project_name=None):
        """-> board id. type: "scrum" | "kanban" (kanban: sprints answer 400)."""
        if type not in ("scrum", "kanban", "simple"):
            raise ValueError("board type must be scrum, kanban or simple")
        with self._lock:
            self._project(project, project_name)
            if board_id is None:
                board_id = self._next_board
            board_id = int(board_id)
            if board_id in self._boards:
                raise ValueError("board %d exists" % board_id)
            self._next_board = max(self._next_board, board_id + 1)
            self._boards[board_id] = Board(board_id, name, type, project.upper())
            return board_id

    def boards(self):
        with self._lock:
            return sorted(self._boards)

    # ================================================================ sprints
    def add_sprint(self, board_id, name, state="future", start=None, end=None, complete=None,
                   goal="", sprint_id=None, created=None):
        """-> sprint id. Dates: epoch / ISO text / datetime. Defaults: active =
        started 7 days ago, ends in 7 days; closed = 14 days ending yesterday,
        completeDate = endDate; future = no dates (omitted from the JSON)."""
        if state not in SPRINT_STATES:
            raise ValueError("state must be active, future or closed")
        with self._lock:
            board = self._boards[int(board_id)]
            now = float(int(self.clock()))
            s_start, s_end, s_complete = _time(start), _time(end), _time(complete)
            if state == "active":
                s_start = now - 7 * DAY if s_start is None else s_start
                s_end = s_start + 14 * DAY if s_end is None else s_end
            elif state == "closed":
                if s_end is None:
                    s_end = (s_start + 14 * DAY) if s_start is not None else now - DAY
                if s_start is None:
                    s_start = s_end - 14 * DAY
                if s_complete is None:
                    s_complete = s_end
            if sprint_id is None:
                sprint_id = self._next_sprint
            sprint_id = int(sprint_id)
            if sprint_id in self._sprints:
                raise ValueError("sprint %d exists" % sprint_id)
            self._next_sprint = max(self._next_sprint, sprint_id + 1)
            sp = Sprint(sprint_id, board.id, name, state)
            sp.start, sp.end, sp.complete = s_start, s_end, s_complete
            sp.goal = goal or ""
            sp.created = _time(created, (s_start - DAY) if s_start is not None else now)
            self._sprints[sprint_id] = sp
            board.sprints.append(sprint_id)
            return sprint_id

    def update_sprint(self, sprint_id, **fields):
        """state, name, goal, start, end, complete (e.g. close the active sprint:
        update_sprint(id, state="closed") sets completeDate to now)."""
        with self._lock:
            sp = self._sprints[int(sprint_id)]
            for k, v in fields.items():
                if k == "state":
                    if v not in SPRINT_STATES:
                        raise ValueError("bad state %r" % v)
                    if v == "closed" and sp.complete is None and "complete" not in fields:
                        sp.complete = float(int(self.clock()))
                    if v == "active" and sp.start is None and "start" not in fields:
                        sp.start = float(int(self.clock()))
                        if sp.end is None and "end" not in fields:
                            sp.end = sp.start + 14 * DAY
                    sp.state = v
                elif k in ("name", "goal"):
                    setattr(sp, k, v or "")
                elif k in ("start", "end", "complete"):
                    setattr(sp, k, _time(v))
                else:
                    raise ValueError("unknown sprint field %r" % k)

    def remove_sprint(self, sprint_id):
        """Deletes a sprint, like Jira's "Delete sprint": its issues go to the
        backlog (closed sprints they were in stay in their history); GET
        sprint/{id} then answers 404."""
        with self._lock:
            sp = self._sprints.pop(int(sprint_id))
            board = self._boards.get(sp.board_id)
            if board is not None and sp.id in board.sprints:
                board.sprints.remove(sp.id)
            for iid in sp.issues:
                issue = self._issues.get(iid)
                if issue is not None and sp.id in issue.sprints:
                    issue.sprints.remove(sp.id)

    def sprints(self, board_id=None):
        with self._lock:
            if board_id is None:
                return sorted(self._sprints)
            return list(self._boards[int(board_id)].sprints)

    # ================================================================ issues
    def _lookup_issue(self, key_or_id):
        text = str(key_or_id)
        if text.isdigit():
            return self._issues.get(int(text))
        iid = self._keys.get(text.upper())
        return self._issues.get(iid) if iid is not None else None

    def issue(self, key):
        """The Issue object (read-only use: attributes id, key, summary, status,
        assignee, issuetype, parent, sprints, created, updated, histories)."""
        with self._lock:
            issue = self._lookup_issue(key)
            if issue is None:
                raise KeyError(key)
            return issue

    def issues(self, sprint_id=None):
        """Issue keys (of a sprint, rank order; or all, creation order)."""
        with self._lock:
            if sprint_id is None:
                return [i.key for i in self._issues.values()]
            return [self._issues[i].key for i in self._sprints[int(sprint_id)].issues]

    def _new_history(self, issue, when, author, items):
        h = {"id": self._next_history, "author": author or self.default_author,
             "created": float(when), "items": items}
        self._next_history += 1
        issue.histories.append(h)
        return h

    def _status_item(self, old, new):
        return {"field": "status", "fieldtype": "jira", "fieldId": "status",
                "from": self._status_info(old)[0], "fromString": old,
                "to": self._status_info(new)[0], "toString": new}

    def _status_path_to(self, final, n):
        """n+1 statuses ending with `final`, walking the cycle backwards."""
        cycle = list(STATUS_CYCLE)
        if final not in cycle:
            cycle.append(final)
        k = cycle.index(final)
        return [cycle[(k - n + j) % len(cycle)] for j in range(n + 1)]

    def _status_path_from(self, start, n):
        cycle = list(STATUS_CYCLE)
        if start not in cycle:
            cycle.insert(0, start)
        k = cycle.index(start)
        path = [start] + [cycle[(k + j) % len(cycle)] for j in range(1, n + 1)]
        for j in range(1, len(path)):           # never a no-op transition
            if path[j] == path[j - 1]:
                path[j] = cycle[(cycle.index(path[j]) + 1) % len(cycle)]
        return path

    def add_issue(self, sprint_id=None, key=None, summary=None, status="To Do", assignee=None,
                  issuetype=None, parent=None, updated=None, created=None, changes=0,
                  project=None, issue_id=None, author=None, subtask=None, description=None):
        """-> key. sprint_id: a sprint id, a list of ids (carried over), or None
        (backlog; a sub-task with a parent defaults to the parent's sprints).
        key: auto "<project>-<n>" (project of the sprint's board, else `project`,
        else the parent's, else PROJ). issuetype: default "Sub-task" when the
        parent is not an Epic, else "Story"; subtask derives from the name unless
        given. assignee: displayName or None. updated: default now; created:
        default updated - (changes+1) h. changes: that many generated status
        transitions (oldest first, ending in `status`, between created and updated)."""
        with self._lock:
            now = float(int(self.clock()))
            sprint_ids = [] if sprint_id is None else (
                [int(s) for s in sprint_id] if isinstance(sprint_id, (list, tuple))
                else [int(sprint_id)])
            for s in sprint_ids:
                if s not in self._sprints:
                    raise KeyError("unknown sprint %r" % s)
            parent_issue = None
            if parent is not None:
                parent_issue = self._lookup_issue(parent)
                if parent_issue is None:
                    raise KeyError("unknown parent %r" % parent)
            if issuetype is None:
                issuetype = ("Sub-task" if parent_issue is not None
                             and parent_issue.issuetype.lower() != "epic" else "Story")
            is_sub = (ISSUE_TYPES.get(issuetype.lower(), (None, False))[1]
                      if subtask is None else bool(subtask))
            if not sprint_ids and parent_issue is not None and is_sub:
                sprint_ids = list(parent_issue.sprints)
            if key is None:
                if project is None:
                    if sprint_ids:
                        project = self._boards[self._sprints[sprint_ids[-1]].board_id].project
                    elif parent_issue is not None:
                        project = parent_issue.project
                    else:
                        project = "PROJ"
                p = self._project(project)
                while "%s-%d" % (p["key"], p["next"]) in self._keys:
                    p["next"] += 1
                key = "%s-%d" % (p["key"], p["next"])
                p["next"] += 1
            else:
                key = key.upper()
                if key in self._keys:
                    raise ValueError("issue %s exists" % key)
                proj, _, num = key.rpartition("-")
                if not proj or not num.isdigit():
                    raise ValueError("bad issue key %r" % key)
                p = self._project(proj)
                p["next"] = max(p["next"], int(num) + 1)
            if issue_id is None:
                issue_id = self._next_issue
            issue_id = int(issue_id)
            if issue_id in self._issues:
                raise ValueError("issue id %d exists" % issue_id)
            self._next_issue = max(self._next_issue, issue_id + 1)
            changes = max(0, int(changes))
            t_upd = _time(updated, now)
            t_created = _time(created, t_upd - (changes + 1) * 3600)
            issue = Issue()
            issue.id, issue.key, issue.project = issue_id, key, key.rpartition("-")[0]
            issue.summary = summary if summary is not None else "Issue %s" % key
            issue.status = status
            issue.assignee = assignee
            issue.issuetype = issuetype
            issue.subtask = is_sub
            issue.parent = parent_issue.key if parent_issue is not None else None
            issue.sprints = list(sprint_ids)
            issue.created = t_created
            issue.updated = t_upd
            issue.description = description
            if changes:
                path = self._status_path_to(status, changes)
                span = max(t_upd - t_created, 0.0)
                for j in range(changes):
                    when = t_created + span * (j + 1) / changes
                    self._new_history(issue, when, author or assignee,
                                      [self._status_item(path[j], path[j + 1])])
            self._issues[issue_id] = issue
            self._keys[key] = issue_id
            for s in sprint_ids:
                self._sprints[s].issues.append(issue_id)
            if issue.parent:
                self._children.setdefault(issue.parent, []).append(key)
            return key

    def _sprint_value(self, ids):
        ids = [i for i in ids if i in self._sprints]
        return (", ".join(str(i) for i in ids) or None,
                ", ".join(self._sprints[i].name for i in ids) or None)

    def _user_account(self, display):
        if display is None:
            return None
        for u in self._users.values():
            if u["display_name"] == display:
                return u["account_id"]
        return _account_id(display)

    def update_issue(self, key, at=None, author=None, grouped=False, **fields):
        """Changes fields (summary, status, assignee, issuetype, parent, sprint,
        created) and bumps `updated` to `at` (or updated=..., default now). Each
        changed field appends one changelog history entry (grouped=True: one entry
        with one item per field, like a single Jira edit). No change: only
        `updated` moves. Returns the new histories."""
        with self._lock:
            issue = self._lookup_issue(key)
            if issue is None:
                raise KeyError("unknown issue %r" % key)
            when = _time(fields.pop("updated", None), None)
            when = _time(at, when if when is not None else float(int(self.clock())))
            if "created" in fields:
                issue.created = _time(fields.pop("created"))
            items = []
            for name, value in fields.items():
                if name == "summary":
                    if value != issue.summary:
                        items.append({"field": "summary", "fieldtype": "jira",
                                      "fieldId": "summary", "from": None,
                                      "fromString": issue.summary, "to": None,
                                      "toString": value})
                        issue.summary = value
                elif name == "status":
                    if value != issue.status:
                        items.append(self._status_item(issue.status, value))
                        issue.status = value
                elif name == "assignee":
                    if value != issue.assignee:
                        items.append({"field": "assignee", "fieldtype": "jira",
                                      "fieldId": "assignee",
                                      "from": self._user_account(issue.assignee),
                                      "fromString": issue.assignee,
                                      "to": self._user_account(value), "toString": value})
                        issue.assignee = value
                elif name == "issuetype":
                    if value != issue.issuetype:
                        items.append({"field": "issuetype", "fieldtype": "jira",
                                      "fieldId": "issuetype",
                                      "from": self._type_info(issue.issuetype)[0],
                                      "fromString": issue.issuetype,
                                      "to": self._type_info(value)[0], "toString": value})
                        issue.issuetype = value
                        issue.subtask = self._type_info(value)[1]
                elif name == "parent":
                    new_parent = self._lookup_issue(value) if value is not None else None
                    if value is not None and new_parent is None:
                        raise KeyError("unknown parent %r" % value)
                    new_key = new_parent.key if new_parent else None
                    if new_key != issue.parent:
                        old = self._lookup_issue(issue.parent) if issue.parent else None
                        items.append({"field": "IssueParentAssociation", "fieldtype": "jira",
                                      "from": str(old.id) if old else None,
                                      "fromString": old.key if old else None,
                                      "to": str(new_parent.id) if new_parent else None,
                                      "toString": new_key})
                        if issue.parent:
                            kids = self._children.get(issue.parent, [])
                            if issue.key in kids:
                                kids.remove(issue.key)
                        issue.parent = new_key
                        if new_key:
                            self._children.setdefault(new_key, []).append(issue.key)
                elif name == "description":
                    if value != issue.description:
                        items.append({"field": "description", "fieldtype": "jira",
                                      "fieldId": "description", "from": None,
                                      "fromString": adf_plain(issue.description or ""),
                                      "to": None, "toString": adf_plain(value or "")})
                        issue.description = value
                elif name == "sprint":
                    item = self._move_locked(issue, value)
                    if item:
                        items.append(item)
                else:
                    raise ValueError("unknown issue field %r" % name)
            out = []
            if items and grouped:
                out.append(self._new_history(issue, when, author, items))
            else:
                for it in items:
                    out.append(self._new_history(issue, when, author, [it]))
            issue.updated = when
            return out

    def _move_locked(self, issue, sprint_id):
        """Membership change; returns the Sprint changelog item or None."""
        before = list(issue.sprints)
        keep = [s for s in issue.sprints
                if s in self._sprints and self._sprints[s].state == "closed"]
        if sprint_id is not None:
            sprint_id = int(sprint_id)
            if sprint_id not in self._sprints:
                raise KeyError("unknown sprint %r" % sprint_id)
            if sprint_id in keep:
                keep.remove(sprint_id)
            keep.append(sprint_id)
        if keep == before:
            return None
        for s in before:
            if s not in keep and s in self._sprints:
                lst = self._sprints[s].issues
                if issue.id in lst:
                    lst.remove(issue.id)
        for s in keep:
            if s not in before:
                self._sprints[s].issues.append(issue.id)
        issue.sprints = keep
        f_ids, f_names = self._sprint_value(before)
        t_ids, t_names = self._sprint_value(keep)
        return {"field": "Sprint", "fieldtype": "custom", "fieldId": SPRINT_FIELD_ID,
                "from": f_ids, "fromString": f_names, "to": t_ids, "toString": t_names}

    def move_issue(self, key, sprint_id, at=None, author=None, with_subtasks=True):
        """Moves an issue to a sprint (None: the backlog); closed sprints it was in
        stay in its history (carry-over). Sub-tasks follow their parent. Appends a
        Sprint changelog entry and bumps `updated`."""
        with self._lock:
            issue = self._lookup_issue(key)
            if issue is None:
                raise KeyError("unknown issue %r" % key)
            self.update_issue(issue.key, at=at, author=author, sprint=sprint_id)
            if with_subtasks:
                for child in list(self._children.get(issue.key, [])):
                    ci = self._lookup_issue(child)
                    if ci is not None and ci.subtask:
                        self.update_issue(child, at=at, author=author, sprint=sprint_id)

    def add_changelog(self, key, n, author=None, interval=60, at=None, bump=True):
        """Appends n status transitions (from the current status along To Do ->
        In Progress -> In Review -> Done -> ...) `interval` seconds apart, the last
        one at `at` (default: now, or later than the newest entry); the issue ends
        in the last status and `updated` moves to the last entry (bump=True)."""
        n = int(n)
        if n <= 0:
            return []
        with self._lock:
            issue = self._lookup_issue(key)
            if issue is None:
                raise KeyError("unknown issue %r" % key)
            last = issue.histories[-1]["created"] if issue.histories else issue.created
            end = _time(at, None)
            if end is None:
                end = max(float(int(self.clock())), last + n * interval)
            path = self._status_path_from(issue.status, n)
            out = []
            for j in range(n):
                when = end - (n - 1 - j) * interval
                out.append(self._new_history(issue, when, author or issue.assignee,
                                             [self._status_item(path[j], path[j + 1])]))
            issue.status = path[-1]
            if bump:
                issue.updated = max(issue.updated, end)
            return out

    # ================================================================ comments
    def add_comment(self, key, body, author=None, at=None, bump=True):
        """Adds a comment (body: text or an ADF dict) created at `at` (default
        now, never before the previous one); bumps the issue's `updated`
        (bump=True). Returns the comment id (a string, as Jira's)."""
        with self._lock:
            issue = self._lookup_issue(key)
            if issue is None:
                raise KeyError("unknown issue %r" % key)
            when = _time(at, float(int(self.clock())))
            if issue.comments:
                when = max(when, issue.comments[-1]["created"])
            cid = str(self._next_comment)
            self._next_comment += 1
            issue.comments.append({"id": cid, "author": author or self.default_author,
                                   "body": body, "created": when, "updated": when})
            if bump:
                issue.updated = max(issue.updated, when)
            return cid

    def add_comments(self, key, n, author=None, interval=60, at=None, body="Comment {i}"):
        """n comments `interval` s apart ending at `at` (default now). -> ids."""
        with self._lock:
            end = _time(at, float(int(self.clock())))
            return [self.add_comment(key, body.format(i=j + 1, key=key), author=author,
                                     at=end - (n - 1 - j) * interval) for j in range(int(n))]

    def _comment(self, issue, comment_id):
        for c in issue.comments:
            if c["id"] == str(comment_id):
                return c
        raise KeyError("unknown comment %r" % comment_id)

    def edit_comment(self, key, comment_id, body, at=None):
        """New body; the comment's and the issue's `updated` move to `at` (now)."""
        with self._lock:
            issue = self._lookup_issue(key)
            if issue is None:
                raise KeyError("unknown issue %r" % key)
            c = self._comment(issue, comment_id)
            when = _time(at, float(int(self.clock())))
            c["body"], c["updated"] = body, when
            issue.updated = max(issue.updated, when)

    def delete_comment(self, key, comment_id, at=None):
        """Removes the comment; the issue's `updated` moves to `at` (now)."""
        with self._lock:
            issue = self._lookup_issue(key)
            if issue is None:
                raise KeyError("unknown issue %r" % key)
            issue.comments.remove(self._comment(issue, comment_id))
            issue.updated = max(issue.updated, _time(at, float(int(self.clock()))))

    def comments(self, key):
        """[(id, author, body as v2 text, created)] oldest first."""
        with self._lock:
            issue = self._lookup_issue(key)
            return [(c["id"], c["author"], adf_plain(c["body"]), c["created"])
                    for c in issue.comments]

    def remove_issue(self, key):
        with self._lock:
            issue = self._lookup_issue(key)
            if issue is None:
                raise KeyError("unknown issue %r" % key)
            for s in issue.sprints:
                if s in self._sprints and issue.id in self._sprints[s].issues:
                    self._sprints[s].issues.remove(issue.id)
            if issue.parent and issue.key in self._children.get(issue.parent, []):
                self._children[issue.parent].remove(issue.key)
            del self._issues[issue.id]
            del self._keys[issue.key]

    # ================================================================ benchmark data
    def populate(self, boards=10, sprints_per_board=20, issues_per_sprint=50, kanban_boards=0,
                 issues_in="open+recent", recent_closed=True, changes_per_issue=2,
                 subtask_every=10, assignees=None, users=None, project_keys=None,
                 closed_older_than_days=60, sprint_days=14, time_zone=None,
                 board_name="Bench board {n}", comments_per_issue=0, descriptions=False):
        """Benchmark-sized data. Each scrum board (project B1, B2, ... or
        project_keys) gets sprints_per_board sprints, oldest first: closed ones
        ending more than `closed_older_than_days` ago, then (recent_closed) one
        closed sprint that ended within the last 14 days, one active sprint
        (started 7 days ago) and one future sprint. Issues exist only in the
        sprints named by issues_in: "open+recent" (active, future, recent closed),
        "open", "all", or a collection of "active"/"future"/"recent"/"closed".
        Every `subtask_every`-th issue is a sub-task of the one before it.
        kanban_boards: extra kanban boards (no sprints). users: {email: token} or
        a list of add_user kwargs dicts. comments_per_issue: that many comments
        per issue, an hour apart before its `updated` (more than
        embedded_comments: the listings truncate them). descriptions: every
        issue gets a three-line description. Returns {"boards", "sprints",
        "issues"}."""
        if time_zone is not None:
            self.time_zone = time_zone
        if isinstance(issues_in, str):
            sets = {"open+recent": {"active", "future", "recent"}, "open": {"active", "future"},
                    "all": {"active", "future", "recent", "closed"}, "none": set()}
            if issues_in not in sets:
                raise ValueError("issues_in: open+recent | open | all | none | [states]")
            where = sets[issues_in]
        else:
            where = set(issues_in)
        spb = int(sprints_per_board)
        ipp = int(issues_per_sprint)
        with self._lock:
            if isinstance(users, dict):
                for email, tok in users.items():
                    self.add_user(email, tok)
            else:
                for u in users or []:
                    self.add_user(**u)
            names = list(assignees or [u["display_name"] for u in self._users.values()]
                         or ["Alice Dev", "Bob Dev", "Carol Dev"])
            now = float(int(self.clock()))
            span = int(sprint_days) * DAY
            board_ids, n_sprints, n_issues = [], 0, 0
            keys = list(project_keys or ["B%d" % (b + 1) for b in range(int(boards))])
            for b in range(int(boards)):
                bid = self.add_board(board_name.format(n=b + 1, key=keys[b]), "scrum", keys[b])
                board_ids.append(bid)
                plan = []               # (state, kind, start, end, complete), oldest first
                n_future = 1 if spb >= 1 else 0
                n_active = 1 if spb >= 2 else 0
                n_recent = 1 if (recent_closed and spb >= 3) else 0
                n_old = max(0, spb - n_future - n_active - n_recent)
                for j in range(n_old - 1, -1, -1):          # j = 0: the newest old sprint
                    end = now - int(closed_older_than_days) * DAY - DAY - j * span
                    plan.append(("closed", "closed", end - span, end, end + 3600))
                if n_recent:
                    plan.append(("closed", "recent", now - 7 * DAY - span, now - 7 * DAY - 3600,
                                 now - 7 * DAY))
                if n_active:
                    plan.append(("active", "active", now - 7 * DAY, now - 7 * DAY + span, None))
                if n_future:
                    plan.append(("future", "future", None, None, None))
                prev = None
                for k, (state, kind, st, en, co) in enumerate(plan):
                    sid = self.add_sprint(bid, "%s Sprint %d" % (keys[b], k + 1), state,
                                          start=st, end=en, complete=co,
                                          goal="Goal %d" % (k + 1) if k % 3 == 0 else "")
                    n_sprints += 1
                    if kind not in where:
                        continue
                    for i in range(ipp):
                        if kind == "active":
                            status = STATUS_CYCLE[i % len(STATUS_CYCLE)]
                            upd = st + (i + 1) * (now - 60 - st) / (ipp + 1)
                        elif kind == "future":
                            status = "To Do"
                            upd = now - 2 * DAY - i * 60
                        else:
                            status = "Done"
                            upd = st + (i + 1) * (co - st) / (ipp + 1)
                        who = None if i % 7 == 6 else names[(b + i) % len(names)]
                        par = prev if (subtask_every and i % int(subtask_every)
                                       == int(subtask_every) - 1 and prev) else None
                        nch = int(changes_per_issue)
                        key = self.add_issue(sid, summary="%s work item %d" % (kind, i + 1),
                                             status=status, assignee=who,
                                             issuetype="Sub-task" if par else
                                             ("Bug" if i % 5 == 4 else "Story"),
                                             parent=par, updated=int(upd),
                                             created=int(upd) - (nch + 1) * 1800,
                                             changes=nch,
                                             description=("Work item %d of %s.\n"
                                                          "Acceptance:\n- it works"
                                                          % (i + 1, kind)
                                                          if descriptions else None))
                        if comments_per_issue:
                            self.add_comments(key, comments_per_issue, interval=3600,
                                              at=int(upd), body="Note {i} on {key}")
                        prev = None if par else key
                        n_issues += 1
            for k in range(int(kanban_boards)):
                board_ids.append(self.add_board("Kanban board %d" % (k + 1), "kanban",
                                                "K%d" % (k + 1)))
        return {"boards": board_ids, "sprints": n_sprints, "issues": n_issues}

    # ================================================================ rendering
    def _status_info(self, name):
        """-> (id, category key, category id, colour, category name)."""
        info = STATUSES.get((name or "").lower())
        if info is None:
            info = (_hash_id("status:" + name.lower(), 11000), "indeterminate", 4, "yellow",
                    "In Progress")
        return info

    def _type_info(self, name):
        info = ISSUE_TYPES.get((name or "").lower())
        if info is None:
            info = (_hash_id("type:" + name.lower(), 10100), False, 0)
        return info

    def _status_json(self, name):
        sid, ckey, cid, colour, cname = self._status_info(name)
        api = self.base_url or ""
        return {"self": "%s/rest/api/2/status/%s" % (api, sid), "description": "",
                "iconUrl": "%s/" % api, "name": name, "id": sid,
                "statusCategory": {"self": "%s/rest/api/2/statuscategory/%d" % (api, cid),
                                   "id": cid, "key": ckey, "colorName": colour, "name": cname}}

    def _type_json(self, name, subtask):
        tid, _, level = self._type_info(name)
        api = self.base_url or ""
        return {"self": "%s/rest/api/2/issuetype/%s" % (api, tid), "id": tid,
                "description": "", "iconUrl": "%s/rest/api/2/universal_avatar/view/type/"
                "issuetype/avatar/10315?size=medium" % api, "name": name,
                "subtask": bool(subtask), "avatarId": 10315,
                "hierarchyLevel": -1 if subtask else level}

    def _person_json(self, display, zone):
        if display is None:
            return None
        api = self.base_url or ""
        acct, tz_name, active, email = _account_id(display), zone.name, True, None
        for u in self._users.values():
            if u["display_name"] == display:
                acct, active, email = u["account_id"], u["active"], u["email"]
                tz_name = (u["zone"] or self._zone).name
                break
        out = {"self": "%s/rest/api/2/user?accountId=%s" % (api, acct), "accountId": acct}
        if email:
            out["emailAddress"] = email
        out.update({"avatarUrls": {s: "https://avatar-management.example/%s/%s" % (acct, s)
                                   for s in ("48x48", "24x24", "16x16", "32x32")},
                    "displayName": display, "active": active, "timeZone": tz_name,
                    "accountType": "atlassian"})
        return out

    def _project_json(self, key):
        p = self._projects.get(key) or {"id": 0, "key": key, "name": key}
        api = self.base_url or ""
        return {"self": "%s/rest/api/2/project/%d" % (api, p["id"]), "id": str(p["id"]),
                "key": p["key"], "name": p["name"], "projectTypeKey": "software",
                "simplified": False}

    def _sprint_date(self, epoch):
        if self.sprint_dates == "utc":
            return format_utc_ms(epoch)
        return format_jira(epoch, self._zone, colon=True)

    def _sprint_json(self, sp):
        out = {"id": sp.id, "self": "%s/rest/agile/1.0/sprint/%d" % (self.base_url or "", sp.id),
               "state": sp.state, "name": sp.name}
        if sp.start is not None:
            out["startDate"] = self._sprint_date(sp.start)
        if sp.end is not None:
            out["endDate"] = self._sprint_date(sp.end)
        if sp.complete is not None and sp.state == "closed":
            out["completeDate"] = self._sprint_date(sp.complete)
        if sp.created is not None:
            out["createdDate"] = self._sprint_date(sp.created)
        out["originBoardId"] = sp.board_id
        out["goal"] = sp.goal
        return out

    def _sprint_field_json(self, sp):
        """One entry of the Sprint field (customfield_10020) as Jira Cloud renders it."""
        out = {"id": sp.id, "name": sp.name, "state": sp.state, "boardId": sp.board_id,
               "goal": sp.goal}
        if sp.start is not None:
            out["startDate"] = self._sprint_date(sp.start)
        if sp.end is not None:
            out["endDate"] = self._sprint_date(sp.end)
        if sp.complete is not None and sp.state == "closed":
            out["completeDate"] = self._sprint_date(sp.complete)
        return out

    def _board_json(self, b):
        p = self._projects.get(b.project) or {"id": 0, "name": b.project}
        api = self.base_url or ""
        return {"id": b.id, "self": "%s/rest/agile/1.0/board/%d" % (api, b.id), "name": b.name,
                "type": b.type,
                "location": {"projectId": p["id"],
                             "displayName": "%s (%s)" % (p["name"], b.project),
                             "projectName": p["name"], "projectKey": b.project,
                             "projectTypeKey": "software",
                             "avatarURI": "%s/rest/api/2/universal_avatar/view/type/project/"
                                          "avatar/10400?size=small" % api,
                             "name": "%s (%s)" % (p["name"], b.project)}}

    def _ref_json(self, issue, agile):
        api = self.base_url or ""
        return {"id": str(issue.id), "key": issue.key,
                "self": "%s/rest/%s/%d" % (api, "agile/1.0/issue" if agile else "api/2/issue",
                                           issue.id),
                "fields": {"summary": issue.summary, "status": self._status_json(issue.status),
                           "priority": {"self": "%s/rest/api/2/priority/3" % api,
                                        "iconUrl": "%s/images/icons/priorities/medium.svg" % api,
                                        "name": "Medium", "id": "3"},
                           "issuetype": self._type_json(issue.issuetype, issue.subtask)}}

    def _history_json(self, h, zone):
        return {"id": str(h["id"]), "author": self._person_json(h["author"], zone),
                "created": format_jira(h["created"], zone), "items": h["items"]}

    @staticmethod
    def _rich(value, v3):
        """A description or comment body as the API version renders it."""
        if value is None:
            return None
        if v3:
            return value if isinstance(value, dict) else adf_doc(value)
        return adf_plain(value).rstrip("\n") if isinstance(value, dict) else value

    def _comment_json(self, issue, c, zone, v3):
        api = self.base_url or ""
        person = self._person_json(c["author"], zone)
        return {"self": "%s/rest/api/%d/issue/%d/comment/%s" % (api, 3 if v3 else 2, issue.id,
                                                               c["id"]),
                "id": c["id"], "author": person, "body": self._rich(c["body"], v3),
                "updateAuthor": person, "created": format_jira(c["created"], zone),
                "updated": format_jira(c["updated"], zone), "jsdPublic": True}

    def _comment_field(self, issue, zone, v3):
        shown = issue.comments[:self.embedded_comments]
        return {"comments": [self._comment_json(issue, c, zone, v3) for c in shown],
                "self": "%s/rest/api/%d/issue/%d/comment" % (self.base_url or "",
                                                             3 if v3 else 2, issue.id),
                "maxResults": len(shown), "total": len(issue.comments), "startAt": 0}

    def _issue_json(self, issue, fields, changelog, zone, agile=True, v3=False):
        api = self.base_url or ""
        f = {}
        for name in fields:
            if name == "description":
                f["description"] = self._rich(issue.description, v3 and not agile)
            elif name == "comment":
                f["comment"] = self._comment_field(issue, zone, v3 and not agile)
            elif name == "summary":
                f["summary"] = issue.summary
            elif name == "status":
                f["status"] = self._status_json(issue.status)
            elif name == "assignee":
                f["assignee"] = self._person_json(issue.assignee, zone)
            elif name == "issuetype":
                f["issuetype"] = self._type_json(issue.issuetype, issue.subtask)
            elif name == "parent":
                par = self._lookup_issue(issue.parent) if issue.parent else None
                if par is not None:
                    f["parent"] = self._ref_json(par, agile)
            elif name == "subtasks":
                subs = []
                for k in self._children.get(issue.key, []):
                    c = self._lookup_issue(k)
                    if c is not None and c.subtask:
                        subs.append(self._ref_json(c, agile))
                f["subtasks"] = subs
            elif name == "updated":
                f["updated"] = format_jira(issue.updated, zone)
            elif name == "created":
                f["created"] = format_jira(issue.created, zone)
            elif name == "project":
                f["project"] = self._project_json(issue.project)
            elif name == "sprint" and agile:
                open_ = [self._sprints[s] for s in issue.sprints
                         if s in self._sprints and self._sprints[s].state != "closed"]
                f["sprint"] = self._sprint_json(open_[-1]) if open_ else None
            elif name == SPRINT_FIELD_ID:
                # Both APIs render the Sprint custom field: every sprint the
                # issue is or was in, oldest membership first; null when none.
                f[SPRINT_FIELD_ID] = [self._sprint_field_json(self._sprints[s])
                                      for s in issue.sprints if s in self._sprints] or None
            elif name == "closedSprints" and agile:
                closed = [self._sprint_json(self._sprints[s]) for s in issue.sprints
                          if s in self._sprints and self._sprints[s].state == "closed"]
                if closed:
                    f["closedSprints"] = closed
        out = {"expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
               "id": str(issue.id),
               "self": "%s/rest/%s/%d" % (api, "agile/1.0/issue" if agile else "api/3/issue",
                                          issue.id),
               "key": issue.key, "fields": f}
        if changelog:
            hs = issue.histories[-EMBEDDED_CHANGELOG:][::-1]        # newest first
            out["changelog"] = {"startAt": 0, "maxResults": len(hs),
                                "total": len(issue.histories),
                                "histories": [self._history_json(h, zone) for h in hs]}
        return out

    # ================================================================ HTTP
    def log_token(self, req):
        """Basic credentials are logged as the e-mail; other schemes as presented."""
        if (req.auth_scheme or "").lower() == "basic" and req.auth_token:
            email, _, _ = self._decode_basic(req.auth_token)
            return email
        return req.token

    @staticmethod
    def _decode_basic(blob):
        try:
            text = base64.b64decode(blob.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return None, None, False
        email, sep, token = text.partition(":")
        return email, token, bool(sep)

    def _headers(self, user=None):
        h = [("X-AREQUESTID", "%d" % (1000000 + next(self._req_ids))),
             ("X-Content-Type-Options", "nosniff"),
             ("Cache-Control", "no-cache, no-store, no-transform"),
             ("Timing-Allow-Origin", "*")]
        if user is not None:
            h += [("X-AAccountId", user["account_id"]), ("X-Seraph-LoginReason", "OK")]
        return h

    def _json(self, status, obj, user=None, headers=()):
        return Response(status, json_bytes(obj), self._headers(user) + list(headers),
                        CONTENT_TYPE)

    def _err(self, status, messages, user=None, errors=None, headers=()):
        if isinstance(messages, str):
            messages = [messages]
        return self._json(status, {"errorMessages": list(messages), "errors": errors or {}},
                          user, headers)

    def _unauthorized(self, failed=True):
        headers = [("WWW-Authenticate", 'Basic realm="protected-area"')]
        if failed:
            headers.append(("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"))
        return self._err(401, AUTH_MESSAGE, headers=headers)

    def _authenticate(self, req):
        if (req.auth_scheme or "").lower() != "basic" or not req.auth_token:
            return None
        email, token, ok = self._decode_basic(req.auth_token)
        if not ok:
            return None
        return self.user_for(email, token)

    def path_aliases(self, req):
        segs = req.segments()
        if len(segs) >= 5 and segs[:2] == ["rest", "api"] and segs[3] == "issue":
            with self._lock:
                issue = self._lookup_issue(segs[4])
            if issue is not None:
                tail = "/".join(segs[5:])
                tail = "/" + tail if tail else ""
                return ["/rest/api/%s/issue/%s%s" % (segs[2], issue.key, tail),
                        "/rest/api/%s/issue/%d%s" % (segs[2], issue.id, tail)]
        return []

    def handle(self, req):
        segs = req.segments()
        if len(segs) < 2 or segs[0] != "rest":
            return Response(404, b"<html><body><h1>Oops, you&#39;ve found a dead link."
                                 b"</h1></body></html>", self._headers(),
                            "text/html;charset=UTF-8")
        user = self._authenticate(req)
        if user is None:
            return self._unauthorized(failed=bool(req.auth_token))
        try:
            with self._lock:
                return self._route(req, segs, user)
        except JiraError as exc:
            return self._err(exc.status, exc.messages, user, exc.errors)

    def _route(self, req, segs, user):
        m = req.method
        if segs[1] == "agile" and len(segs) >= 4 and segs[2] == "1.0":
            rest = segs[3:]
            if rest[0] == "board":
                if len(rest) == 1:
                    return self._need_get(m) or self._boards_page(req, user)
                board = self._board_for(rest[1], user)
                if len(rest) == 2:
                    return self._need_get(m) or self._json(200, self._board_json(board), user)
                if rest[2:] == ["sprint"]:
                    return self._need_get(m) or self._sprints_page(req, user, board)
            if rest[0] == "sprint" and len(rest) >= 2:
                sprint = self._sprint_for(rest[1], user)
                if len(rest) == 2:
                    return self._need_get(m) or self._json(200, self._sprint_json(sprint), user)
                if rest[2:] == ["issue"]:
                    return self._need_get(m) or self._sprint_issues(req, user, sprint)
            if rest[0] == "issue" and len(rest) == 2:
                return self._need_get(m) or self._one_issue(req, user, rest[1], agile=True)
        if segs[1] == "api" and len(segs) >= 4 and segs[2] in ("2", "3", "latest"):
            rest = segs[3:]
            if rest == ["search"]:
                return self._err(410, SEARCH_GONE, user)
            if rest == ["search", "jql"] and m in ("GET", "POST"):
                return self._search_jql(req, user)
            if rest == ["myself"]:
                return self._need_get(m) or self._myself(user)
            if rest == ["serverInfo"]:
                return self._need_get(m) or self._json(200, {
                    "baseUrl": self.base_url, "displayUrl": self.base_url,
                    "version": "1001.0.0-SNAPSHOT", "versionNumbers": [1001, 0, 0],
                    "deploymentType": "Cloud", "buildNumber": 100285,
                    "serverTime": format_jira(self.clock(), self._zone_for(user)),
                    "scmInfo": "0", "serverTitle": "Jira"}, user)
            if rest[0] == "issue" and len(rest) == 2:
                return self._need_get(m) or self._one_issue(req, user, rest[1], agile=False,
                                                            v3=segs[2] == "3")
            if rest[0] == "issue" and len(rest) == 3 and rest[2] == "changelog":
                return self._need_get(m) or self._changelog_page(req, user, rest[1])
            if rest[0] == "issue" and len(rest) == 3 and rest[2] == "comment":
                return self._need_get(m) or self._comment_page(req, user, rest[1],
                                                               segs[2] == "3")
            if rest == ["changelog", "bulkfetch"]:
                if m != "POST":
                    return self._err(405, "Method Not Allowed", user)
                return self._bulkfetch(req, user)
        return self._json(404, {"message": "null for uri: %s%s" % (self.base_url or "",
                                                                   req.target),
                                "status-code": 404}, user)

    def _need_get(self, method):
        if method in ("GET", "HEAD"):
            return None
        return Response(405, b"", self._headers(), CONTENT_TYPE)

    # ------------------------------------------------------------ lookups/visibility
    def _sees_board(self, user, board_id):
        return user["boards"] is None or board_id in user["boards"]

    def _sees_issue(self, user, issue):
        if user["boards"] is None:
            return True
        for bid in user["boards"]:
            b = self._boards.get(bid)
            if b is not None and b.project == issue.project:
                return True
        return any(s in self._sprints and self._sprints[s].board_id in user["boards"]
                   for s in issue.sprints)

    def _board_for(self, raw, user):
        board = self._boards.get(int(raw)) if raw.isdigit() else None
        if board is None or not self._sees_board(user, board.id):
            raise JiraError(404, ["Board does not exist or you do not have permission to see "
                                  "it."])
        return board

    def _sprint_for(self, raw, user):
        sp = self._sprints.get(int(raw)) if raw.isdigit() else None
        if sp is None or not self._sees_board(user, sp.board_id):
            raise JiraError(404, ["Sprint does not exist or you do not have permission to "
                                  "view it."])
        return sp

    def _issue_for(self, raw, user):
        issue = self._lookup_issue(raw)
        if issue is None or not self._sees_issue(user, issue):
            raise JiraError(404, ["Issue does not exist or you do not have permission to see "
                                  "it."])
        return issue

    @staticmethod
    def _int_arg(req, name, default):
        raw = req.arg(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise JiraError(400, ["The '%s' parameter must be a number." % name])

    def _paging(self, req, default, cap):
        start = max(0, self._int_arg(req, "startAt", 0))
        size = self._int_arg(req, "maxResults", default)
        if size < 1:
            size = default
        return start, min(size, cap)

    # ------------------------------------------------------------ agile
    def _boards_page(self, req, user):
        start, size = self._paging(req, AGILE_MAX, AGILE_MAX)
        btype = req.arg("type")
        name = (req.arg("name") or "").lower()
        proj = (req.arg("projectKeyOrId") or "").upper()
        rows = []
        for bid in sorted(self._boards):
            b = self._boards[bid]
            if not self._sees_board(user, bid):
                continue
            if btype and b.type not in btype.split(","):
                continue
            if name and name not in b.name.lower():
                continue
            if proj and proj not in (b.project, str(self._projects.get(b.project, {})
                                                       .get("id", ""))):
                continue
            rows.append(b)
        chunk = rows[start:start + size]
        return self._json(200, {"maxResults": size, "startAt": start, "total": len(rows),
                                "isLast": start + len(chunk) >= len(rows),
                                "values": [self._board_json(b) for b in chunk]}, user)

    def _sprints_page(self, req, user, board):
        if board.type != "scrum":
            raise JiraError(400, ["The board does not support sprints"])
        start, size = self._paging(req, AGILE_MAX, AGILE_MAX)
        raw = req.arg("state")
        states = None
        if raw:
            states = set()
            for s in raw.split(","):
                s = s.strip().lower()
                if s not in SPRINT_STATES:
                    raise JiraError(400, ["The state '%s' is not a valid sprint state. Valid "
                                          "states are: future, active, closed." % s.strip()])
                states.add(s)
        rows = [self._sprints[s] for s in board.sprints if s in self._sprints]
        if states is not None:
            rows = [s for s in rows if s.state in states]
        chunk = rows[start:start + size]
        return self._json(200, {"maxResults": size, "startAt": start,
                                "isLast": start + len(chunk) >= len(rows),
                                "values": [self._sprint_json(s) for s in chunk]}, user)

    def _fields_arg(self, raw, default=ALL_FIELDS):
        """fields= list -> ordered field names we render."""
        if raw is None:
            return list(default)
        if isinstance(raw, (list, tuple)):
            parts = [str(p).strip() for p in raw]
        else:
            parts = [p.strip() for p in str(raw).split(",")]
        parts = [p for p in parts if p]
        if not parts:
            return list(default)
        chosen, removed = [], set()
        for p in parts:
            if p in ("*all", "*navigable"):
                chosen.extend(ALL_FIELDS)
            elif p.startswith("-"):
                removed.add(p[1:])
            elif p in ALL_FIELDS:
                chosen.append(p)
        if not chosen and removed:
            chosen = list(ALL_FIELDS)
        seen, out = set(), []
        for p in chosen:
            if p not in seen and p not in removed:
                seen.add(p)
                out.append(p)
        return out

    @staticmethod
    def _expand_arg(raw):
        if isinstance(raw, (list, tuple)):
            return {str(x).strip() for x in raw}
        return {x.strip() for x in (raw or "").split(",") if x.strip()}

    def _jql(self, text, user):
        parser = JqlParser(self, text, user, self._zone_for(user), float(self.clock()))
        pred = parser.parse()
        return pred, parser.bounded

    def _sprint_issues(self, req, user, sprint):
        start, size = self._paging(req, AGILE_MAX, AGILE_MAX)
        pred, _ = self._jql(req.arg("jql") or "", user)
        fields = self._fields_arg(req.arg("fields"))
        changelog = "changelog" in self._expand_arg(req.arg("expand"))
        zone = self._zone_for(user)
        rows = [self._issues[i] for i in sprint.issues if i in self._issues]
        if pred is not None:
            rows = [i for i in rows if pred(i)]
        chunk = rows[start:start + size]
        return self._json(200, {"expand": "schema,names", "startAt": start, "maxResults": size,
                                "total": len(rows),
                                "issues": [self._issue_json(i, fields, changelog, zone)
                                           for i in chunk]}, user)

    def _one_issue(self, req, user, raw, agile, v3=False):
        issue = self._issue_for(raw, user)
        fields = self._fields_arg(req.arg("fields"))
        changelog = "changelog" in self._expand_arg(req.arg("expand"))
        return self._json(200, self._issue_json(issue, fields, changelog, self._zone_for(user),
                                                agile=agile, v3=v3), user)

    # ------------------------------------------------------------ platform
    def _myself(self, user):
        api = self.base_url or ""
        acct = user["account_id"]
        return self._json(200, {
            "self": "%s/rest/api/3/user?accountId=%s" % (api, acct), "accountId": acct,
            "accountType": "atlassian", "emailAddress": user["email"],
            "avatarUrls": {s: "https://avatar-management.example/%s/%s" % (acct, s)
                           for s in ("48x48", "24x24", "16x16", "32x32")},
            "displayName": user["display_name"], "active": user["active"],
            "timeZone": self._zone_for(user).name, "locale": "en_US",
            "groups": {"size": 1, "items": []}, "applicationRoles": {"size": 1, "items": []},
            "expand": "groups,applicationRoles"}, user)

    def _comment_page(self, req, user, raw, v3):
        issue = self._issue_for(raw, user)
        start, size = self._paging(req, COMMENT_PAGE_MAX, COMMENT_PAGE_MAX)
        zone = self._zone_for(user)
        rows = list(issue.comments)
        if (req.arg("orderBy") or "").startswith("-"):
            rows.reverse()
        chunk = rows[start:start + size]
        return self._json(200, {"startAt": start, "maxResults": size, "total": len(rows),
                                "comments": [self._comment_json(issue, c, zone, v3)
                                             for c in chunk]}, user)

    def _changelog_page(self, req, user, raw):
        issue = self._issue_for(raw, user)
        start, size = self._paging(req, CHANGELOG_MAX, CHANGELOG_MAX)
        zone = self._zone_for(user)
        hs = issue.histories
        chunk = hs[start:start + size]
        self_url = "%s/rest/api/3/issue/%s/changelog?maxResults=%d&startAt=%d" % (
            self.base_url or "", issue.key, size, start)
        return self._json(200, {"self": self_url, "maxResults": size, "startAt": start,
                                "total": len(hs), "isLast": start + len(chunk) >= len(hs),
                                "values": [self._history_json(h, zone) for h in chunk]}, user)

    @staticmethod
    def _body_json(req):
        try:
            obj = json.loads(req.body.decode("utf-8")) if req.body.strip() else {}
        except (UnicodeDecodeError, ValueError):
            raise JiraError(400, ["Unexpected character in the request body: invalid JSON."])
        if not isinstance(obj, dict):
            raise JiraError(400, ["The request body must be a JSON object."])
        return obj

    @staticmethod
    def _encode_token(offset):
        return base64.urlsafe_b64encode(("o:%d" % offset).encode()).decode().rstrip("=")

    @staticmethod
    def _decode_token(token):
        try:
            pad = "=" * (-len(token) % 4)
            text = base64.urlsafe_b64decode(token + pad).decode()
            if not text.startswith("o:"):
                raise ValueError(text)
            return max(0, int(text[2:]))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise JiraError(400, ["The provided next page token is invalid or expired."])

    def _bulkfetch(self, req, user):
        obj = self._body_json(req)
        keys = obj.get("issueIdsOrKeys")
        if not isinstance(keys, list) or not keys:
            raise JiraError(400, ["issueIdsOrKeys must not be empty."])
        if len(keys) > BULK_ISSUES_MAX:
            raise JiraError(400, ["issueIdsOrKeys must contain at most %d issues."
                                  % BULK_ISSUES_MAX])
        size = obj.get("maxResults", BULK_DEFAULT)
        if not isinstance(size, int) or size < 1:
            size = BULK_DEFAULT
        size = min(size, BULK_MAX)
        field_ids = obj.get("fieldIds") or None
        offset = self._decode_token(obj["nextPageToken"]) if obj.get("nextPageToken") else 0
        zone = self._zone_for(user)
        flat = []
        seen = set()
        for k in keys:
            issue = self._lookup_issue(str(k))
            if issue is None or issue.id in seen or not self._sees_issue(user, issue):
                continue
            seen.add(issue.id)
            for h in issue.histories:
                if field_ids is not None:
                    items = [it for it in h["items"] if it.get("fieldId", it["field"]) in field_ids
                             or it["field"] in field_ids]
                    if not items:
                        continue
                    h = dict(h, items=items)
                flat.append((issue, h))
        chunk = flat[offset:offset + size]
        logs = []
        for issue, h in chunk:
            if not logs or logs[-1]["issueId"] != str(issue.id):
                logs.append({"issueId": str(issue.id), "changeHistories": []})
            logs[-1]["changeHistories"].append(self._history_json(h, zone))
        out = {"issueChangeLogs": logs}
        if offset + len(chunk) < len(flat):
            out["nextPageToken"] = self._encode_token(offset + len(chunk))
        return self._json(200, out, user)

    def _search_jql(self, req, user):
        if req.method == "POST":
            obj = self._body_json(req)
            jql = obj.get("jql")
            token = obj.get("nextPageToken")
            size = obj.get("maxResults")
            fields_raw = obj.get("fields")
            expand = obj.get("expand")
        else:
            jql = req.arg("jql")
            token = req.arg("nextPageToken")
            size = self._int_arg(req, "maxResults", None)
            fields_raw = req.arg("fields")
            expand = req.arg("expand")
        pred, bounded = self._jql(jql or "", user)
        if pred is None or not bounded:
            raise JiraError(400, ["Unbounded JQL queries are not allowed here. Please add a "
                                  "search restriction to your query."])
        fields = self._fields_arg(fields_raw, default=())
        fields = [f for f in fields if f not in ("sprint", "closedSprints")]
        cap = SEARCH_JQL_MAX if not fields else SEARCH_JQL_MAX_WITH_FIELDS
        if not isinstance(size, int) or size < 1:
            size = SEARCH_JQL_DEFAULT
        size = min(size, cap)
        offset = self._decode_token(token) if token else 0
        changelog = "changelog" in self._expand_arg(expand)
        zone = self._zone_for(user)
        rows = [i for i in self._issues.values() if self._sees_issue(user, i) and pred(i)]
        chunk = rows[offset:offset + size]
        issues = []
        for i in chunk:
            j = self._issue_json(i, fields, changelog, zone, agile=False, v3=True)
            if not fields:
                j = {"id": j["id"]}
                if changelog:
                    j["changelog"] = self._issue_json(i, (), True, zone, agile=False)["changelog"]
            issues.append(j)
        out = {"issues": issues}
        more = offset + len(chunk) < len(rows)
        if more:
            out["nextPageToken"] = self._encode_token(offset + len(chunk))
        out["isLast"] = not more
        return self._json(200, out, user)

    # ------------------------------------------------------------ faults
    def fault_response(self, kind, status, req, retry_after):
        if status == 429:
            reset = time.strftime("%Y-%m-%dT%H:%MZ",
                                  time.gmtime(int(self.clock()) + int(retry_after) + 59))
            return self._err(429, "Rate limit exceeded.", headers=[
                ("Retry-After", str(retry_after)), ("X-RateLimit-Limit", "350"),
                ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset),
                ("RateLimit-Reason", "jira-burst-based")])
        if status == 401:
            return self._unauthorized()
        if status == 403:
            return self._err(403, "You do not have permission to perform this operation.")
        if status == 404:
            return self._err(404, "Issue does not exist or you do not have permission to see "
                                  "it.")
        if status in (502, 503, 504):
            title = {502: "502 Bad Gateway", 503: "503 Service Unavailable",
                     504: "504 Gateway Timeout"}[status]
            return Response(status, ("<html><head><title>%s</title></head><body><h1>%s</h1>"
                                     "</body></html>\n" % (title, title)).encode(),
                            self._headers(), "text/html")
        if status >= 500:
            return self._err(status, "Internal server error")
        return self._err(status, "injected error %d" % status)

    # ================================================================ admin JSON
    OPS = ("add_user", "add_token", "revoke_token", "set_visibility", "add_board", "add_sprint",
           "update_sprint", "remove_sprint", "add_issue", "update_issue", "move_issue",
           "add_changelog", "remove_issue", "add_comment", "add_comments", "edit_comment",
           "delete_comment", "populate", "set_time_zone", "set_faults", "force_status",
           "clear_forced", "clear_faults", "reset_log")

    def _board_ref(self, ref):
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            return int(ref)
        for b in self._boards.values():
            if b.name == ref:
                return b.id
        raise KeyError("unknown board %r" % (ref,))

    def _sprint_ref(self, ref, board=None):
        if ref is None:
            return None
        if isinstance(ref, list):
            return [self._sprint_ref(r, board) for r in ref]
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            return int(ref)
        bid = self._board_ref(board) if board is not None else None
        for s in self._sprints.values():
            if s.name == ref and (bid is None or s.board_id == bid):
                return s.id
        raise KeyError("unknown sprint %r" % (ref,))

    def _run_op(self, op, kw, created):
        if op not in self.OPS:
            raise ValueError("unknown op %r" % op)
        kw = dict(kw)
        if "board" in kw:
            kw["board_id"] = self._board_ref(kw.pop("board"))
        if "sprint" in kw and op in ("add_issue", "move_issue", "update_sprint"):
            kw["sprint_id"] = self._sprint_ref(kw.pop("sprint"), kw.get("board_id"))
        if op in ("add_issue", "move_issue", "update_sprint"):
            kw.pop("board_id", None)
        if op == "add_sprint" and "id" in kw:
            kw["sprint_id"] = kw.pop("id")
        if op == "add_board" and "id" in kw:
            kw["board_id"] = kw.pop("id")
        if op == "add_issue" and "id" in kw:
            kw["issue_id"] = kw.pop("id")
        if op == "set_time_zone" and "time_zone" in kw:
            kw["spec"] = kw.pop("time_zone")
        if op == "update_issue" and "fields" in kw:
            kw.update(kw.pop("fields"))
        if op == "update_issue" and "sprint" in kw and isinstance(kw["sprint"], str) \
                and not kw["sprint"].isdigit():
            kw["sprint"] = self._sprint_ref(kw["sprint"])
        result = getattr(self, op)(**kw)
        if op == "add_board":
            created.setdefault("boards", {})[kw["name"]] = result
        elif op == "add_sprint":
            created.setdefault("sprints", {})[kw["name"]] = result
        elif op == "add_issue":
            created.setdefault("issues", []).append(result)
        if op in ("add_user", "update_issue", "add_changelog"):
            return None
        return result

    def apply_state(self, obj):
        """Applies an admin/seed JSON document (README.md, Jira section). Sections
        run in this order: reset, time_zone, users, boards, sprints, issues,
        generate, updates, moves, changelogs, faults, forced, ops.
        Returns {"ok", "created", "summary", "results"?}."""
        created = {}
        with self._lock:
            if obj.get("reset"):
                self._reset_data()
            if "time_zone" in obj:
                self.time_zone = obj["time_zone"]
            for u in obj.get("users", []):
                self._run_op("add_user", u, created)
            for b in obj.get("boards", []):
                self._run_op("add_board", b, created)
            for s in obj.get("sprints", []):
                self._run_op("add_sprint", s, created)
            for i in obj.get("issues", []):
                self._run_op("add_issue", i, created)
            if obj.get("generate"):
                created["generated"] = self.populate(**obj["generate"])
            for u in obj.get("updates", []):
                self._run_op("update_issue", u, created)
            for mv in obj.get("moves", []):
                self._run_op("move_issue", mv, created)
            for c in obj.get("changelogs", []):
                self._run_op("add_changelog", c, created)
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
        out = {"ok": True, "created": created, "summary": self.summary()}
        if obj.get("ops"):
            out["results"] = results
        return out

    def summary(self):
        with self._lock:
            users = {u["email"]: {"account_id": u["account_id"],
                                  "display_name": u["display_name"],
                                  "tokens": len(u["tokens"]),
                                  "time_zone": u["zone"].name if u["zone"] else None,
                                  "boards": sorted(u["boards"]) if u["boards"] is not None
                                  else None}
                     for u in self._users.values()}
            boards = {}
            for b in sorted(self._boards.values(), key=lambda x: x.id):
                counts = {}
                for s in b.sprints:
                    sp = self._sprints.get(s)
                    if sp is not None:
                        counts[sp.state] = counts.get(sp.state, 0) + 1
                boards[str(b.id)] = {"name": b.name, "type": b.type, "project": b.project,
                                     "sprints": len(b.sprints), "sprint_states": counts,
                                     "issues": sum(len(self._sprints[s].issues)
                                                   for s in b.sprints if s in self._sprints)}
            return {"kind": self.KIND, "base_url": self.base_url,
                    "time_zone": self.time_zone, "users": users, "boards": boards,
                    "sprints": len(self._sprints), "issues": len(self._issues),
                    "histories": sum(len(i.histories) for i in self._issues.values())}

    def budget(self, token):
        return {}
