"""Self-tests of tests/fakes/jira.py (FakeJira) through real HTTP with urllib.

Run from tests/system:  python3 -m unittest -v test_fake_jira
Every socket has a timeout, every wait is bounded; the whole file takes a few seconds.
"""

import base64
import calendar
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

from fakes import FakeJira, make_fake  # noqa: E402

TIMEOUT = 5.0
EMAIL = "alice@example.com"
TOKEN = "atl-token-a"
AUTH_MESSAGE = "Client must be authenticated to access this resource."
JIRA_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$")
UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def basic(email=EMAIL, token=TOKEN):
    return "Basic " + base64.b64encode(("%s:%s" % (email, token)).encode()).decode()


def http(url, method="GET", headers=None, body=None, timeout=TIMEOUT):
    """-> (status, headers, body bytes)."""
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        try:
            return e.code, e.headers, e.read()
        finally:
            e.close()


def utc(y, mo, d, h=0, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s))


class JiraCase(unittest.TestCase):
    def setUp(self):
        self.jira = FakeJira()
        self.url = self.jira.start()
        self.jira.add_user(EMAIL, TOKEN, display_name="Alice Dev")

    def tearDown(self):
        self.jira.stop()

    def call(self, path, method="GET", body=None, auth=None, **query):
        url = self.url + path
        if query:
            url += ("&" if "?" in path else "?") + urllib.parse.urlencode(query)
        headers = {"Authorization": auth if auth is not None else basic(),
                   "Accept": "application/json"}
        if auth == "":
            del headers["Authorization"]
        status, h, raw = http(url, method, headers, body)
        try:
            obj = json.loads(raw) if raw else None
        except ValueError:
            obj = raw
        return status, h, obj

    def get_ok(self, path, **query):
        status, _, obj = self.call(path, **query)
        self.assertEqual(status, 200, obj)
        return obj

    def agile_all(self, path, key="values", **query):
        """Follows startAt/isLast (or total) to the end; returns (items, pages)."""
        items, pages, start = [], [], 0
        for _ in range(100):
            page = self.get_ok(path, startAt=start, **query)
            pages.append(page)
            got = page[key]
            items.extend(got)
            start += len(got)
            done = page["isLast"] if "isLast" in page else start >= page["total"]
            if done or not got:
                break
        return items, pages


# ==========================================================================
class AgileListsTest(JiraCase):
    def test_boards_paging_over_50(self):
        for i in range(120):
            self.jira.add_board("Board %03d" % i, "kanban" if i % 10 == 9 else "scrum",
                                project="P%d" % (i % 7))
        boards, pages = self.agile_all("/rest/agile/1.0/board", maxResults=1000)
        self.assertEqual(len(boards), 120)
        self.assertEqual([p["maxResults"] for p in pages], [50, 50, 50])
        self.assertEqual([p["startAt"] for p in pages], [0, 50, 100])
        self.assertEqual([p["isLast"] for p in pages], [False, False, True])
        self.assertEqual({p["total"] for p in pages}, {120})
        self.assertEqual(len({b["id"] for b in boards}), 120)
        b = boards[9]
        self.assertEqual(set(b), {"id", "self", "name", "type", "location"})
        self.assertEqual(b["type"], "kanban")
        self.assertEqual(b["location"]["projectKey"], "P2")
        self.assertEqual(b["self"], "%s/rest/agile/1.0/board/%d" % (self.url, b["id"]))
        page = self.get_ok("/rest/agile/1.0/board")
        self.assertEqual((page["maxResults"], len(page["values"])), (50, 50))
        page = self.get_ok("/rest/agile/1.0/board", startAt=500)
        self.assertEqual((page["values"], page["isLast"]), ([], True))
        page = self.get_ok("/rest/agile/1.0/board", type="kanban")
        self.assertEqual(page["total"], 12)

    def test_sprints_paging_states_and_dates(self):
        bid = self.jira.add_board("Team", project="TEAM")
        now = time.time()
        for i in range(118):
            self.jira.add_sprint(bid, "Old %d" % i, "closed", start=now - (200 - i) * 86400,
                                 end=now - (190 - i) * 86400)
        act = self.jira.add_sprint(bid, "Now", "active")
        fut = [self.jira.add_sprint(bid, "Next %d" % i, "future") for i in range(2)]
        path = "/rest/agile/1.0/board/%d/sprint" % bid
        sprints, pages = self.agile_all(path, maxResults=100)
        self.assertEqual(len(sprints), 121)
        self.assertEqual([p["maxResults"] for p in pages], [50, 50, 50])
        self.assertEqual([p["isLast"] for p in pages], [False, False, True])
        self.assertNotIn("total", pages[0])
        by_id = {s["id"]: s for s in sprints}
        closed = sprints[0]
        self.assertEqual(closed["state"], "closed")
        for k in ("startDate", "endDate", "completeDate"):
            self.assertRegex(closed[k], UTC_MS)
        self.assertEqual(closed["originBoardId"], bid)
        self.assertEqual(set(by_id[act]) - {"createdDate"},
                         {"id", "self", "state", "name", "startDate", "endDate",
                          "originBoardId", "goal"})
        for f in fut:
            for k in ("startDate", "endDate", "completeDate"):
                self.assertNotIn(k, by_id[f])
        page = self.get_ok(path, state="active,future")
        self.assertEqual([s["id"] for s in page["values"]], [act] + fut)
        self.assertTrue(page["isLast"])
        page = self.get_ok(path, state="closed", startAt=100)
        self.assertEqual((len(page["values"]), page["isLast"]), (18, True))
        self.assertEqual(self.call(path, state="bogus")[0], 400)

    def test_kanban_400_and_unknown_404(self):
        kid = self.jira.add_board("Flow", type="kanban", project="FLOW")
        status, h, body = self.call("/rest/agile/1.0/board/%d/sprint" % kid)
        self.assertEqual(status, 400)
        self.assertEqual(body, {"errorMessages": ["The board does not support sprints"],
                                "errors": {}})
        self.assertTrue(h["Content-Type"].startswith("application/json"))
        status, _, body = self.call("/rest/agile/1.0/board/999/sprint")
        self.assertEqual(status, 404)
        self.assertIn("errorMessages", body)
        self.assertEqual(self.call("/rest/agile/1.0/sprint/999/issue")[0], 404)
        self.assertEqual(self.call("/rest/api/3/issue/NOPE-1/changelog")[0], 404)

    def test_sprint_issues_paging_and_shapes(self):
        bid = self.jira.add_board("Team", project="TEAM")
        sid = self.jira.add_sprint(bid, "S1", "active")
        keys = [self.jira.add_issue(sid, summary="Item %d" % i, status="In Progress",
                                    assignee=None if i % 2 else "Alice Dev")
                for i in range(110)]
        self.assertEqual(keys[0], "TEAM-1")
        epic = self.jira.add_issue(None, summary="Epic", issuetype="Epic", project="TEAM")
        story = self.jira.add_issue(sid, summary="Story", parent=epic)
        sub = self.jira.add_issue(None, summary="Sub", parent=story, status="Done")
        path = "/rest/agile/1.0/sprint/%d/issue" % sid
        issues, pages = self.agile_all(path, key="issues", maxResults=500)
        self.assertEqual([i["key"] for i in issues], keys + [story, sub])
        self.assertEqual([p["maxResults"] for p in pages], [50, 50, 50])
        for p in pages:
            self.assertNotIn("isLast", p)
            self.assertEqual(p["total"], 112)
        fields = "summary,status,assignee,issuetype,parent,subtasks,updated"
        page = self.get_ok(path, fields=fields, startAt=100)
        by_key = {i["key"]: i for i in page["issues"]}
        one = by_key[keys[100]]
        self.assertEqual(set(one), {"expand", "id", "self", "key", "fields"})
        self.assertEqual(set(one["fields"]), {"summary", "status", "assignee", "issuetype",
                                              "subtasks", "updated"})
        self.assertEqual(one["fields"]["assignee"]["displayName"], "Alice Dev")
        self.assertIsNone(by_key[keys[101]]["fields"]["assignee"])
        self.assertEqual(one["fields"]["status"]["name"], "In Progress")
        self.assertEqual(one["fields"]["issuetype"], dict(one["fields"]["issuetype"],
                                                          name="Story", subtask=False))
        self.assertRegex(one["fields"]["updated"], JIRA_TS)
        self.assertTrue(one["fields"]["updated"].endswith("+0100"))
        st = by_key[story]["fields"]
        self.assertEqual(st["parent"]["key"], epic)
        self.assertEqual(st["parent"]["fields"]["issuetype"]["name"], "Epic")
        self.assertEqual([s["key"] for s in st["subtasks"]], [sub])
        self.assertEqual(st["subtasks"][0]["fields"]["status"]["name"], "Done")
        sb = by_key[sub]["fields"]
        self.assertEqual((sb["issuetype"]["name"], sb["issuetype"]["subtask"]), ("Sub-task", True))
        self.assertEqual(sb["parent"]["key"], story)
        only = self.get_ok(path, fields="summary", maxResults=3)
        self.assertEqual([set(i["fields"]) for i in only["issues"]], [{"summary"}] * 3)
        self.assertNotIn("changelog", only["issues"][0])

    def test_update_and_move_issue(self):
        bid = self.jira.add_board("Team", project="TEAM")
        s1 = self.jira.add_sprint(bid, "S1", "closed")
        s2 = self.jira.add_sprint(bid, "S2", "active")
        t0 = utc(2026, 2, 1, 9)
        key = self.jira.add_issue(s1, summary="Card", updated=t0)
        sub = self.jira.add_issue(None, parent=key)
        self.assertEqual(self.jira.issue(sub).sprints, [s1])
        hs = self.jira.update_issue(key, at=t0 + 60, status="In Progress", assignee="Bob")
        self.assertEqual(len(hs), 2)
        self.assertEqual(self.jira.issue(key).updated, t0 + 60)
        self.jira.move_issue(key, s2, at=t0 + 120)
        self.assertEqual(self.jira.issue(key).sprints, [s1, s2])     # carried over
        self.assertEqual(self.jira.issue(sub).sprints, [s1, s2])
        self.assertEqual(self.jira.issues(s2), [key, sub])
        out = self.get_ok("/rest/api/3/issue/%s/changelog" % key)
        items = [h["items"][0] for h in out["values"]]
        self.assertEqual([i["field"] for i in items], ["status", "assignee", "Sprint"])
        self.assertEqual((items[0]["fromString"], items[0]["toString"]), ("To Do", "In Progress"))
        self.assertEqual((items[2]["fromString"], items[2]["toString"]), ("S1", "S1, S2"))
        self.assertEqual(out["values"][2]["created"], "2026-02-01T10:02:00.000+0100")
        grouped = self.jira.update_issue(key, at=t0 + 180, grouped=True, summary="New",
                                         status="Done")
        self.assertEqual([len(h["items"]) for h in grouped], [2])
        self.jira.update_issue(key, at=t0 + 240)       # touch: no history
        self.assertEqual(len(self.jira.issue(key).histories), 4)
        self.assertEqual(self.jira.issue(key).updated, t0 + 240)


# ==========================================================================
class ChangelogTest(JiraCase):
    def test_more_than_100_histories(self):
        bid = self.jira.add_board("Team", project="TEAM")
        sid = self.jira.add_sprint(bid, "S1", "active")
        key = self.jira.add_issue(sid, summary="Busy", status="In Progress", changes=30,
                                  assignee="Alice Dev", updated=time.time() - 86400)
        self.jira.add_changelog(key, 120)
        small = self.jira.add_issue(sid, summary="Quiet", changes=2)
        full = self.jira.issue(key).histories
        self.assertEqual(len(full), 150)
        ids = [str(h["id"]) for h in full]                         # oldest first
        self.assertEqual(ids, sorted(ids, key=int))

        page = self.get_ok("/rest/agile/1.0/sprint/%d/issue" % sid, expand="changelog",
                           fields="summary,updated")
        emb = {i["key"]: i["changelog"] for i in page["issues"]}
        cl = emb[key]
        self.assertEqual((cl["startAt"], cl["maxResults"], cl["total"]), (0, 100, 150))
        self.assertEqual([h["id"] for h in cl["histories"]], ids[50:][::-1])   # newest first
        h0 = cl["histories"][0]
        self.assertEqual(set(h0), {"id", "author", "created", "items"})
        self.assertEqual(h0["author"]["displayName"], "Alice Dev")
        self.assertRegex(h0["created"], JIRA_TS)
        self.assertEqual(set(h0["items"][0]) - {"fieldId"},
                         {"field", "fieldtype", "from", "fromString", "to", "toString"})
        self.assertEqual(emb[small]["total"], 2)
        self.assertEqual(len(emb[small]["histories"]), 2)
        # the last transition leads to the issue's current status
        status = page["issues"][0]
        cur = self.jira.issue(key).status
        self.assertEqual(cl["histories"][0]["items"][0]["toString"], cur)
        self.assertTrue(status)

        path = "/rest/api/3/issue/%s/changelog" % key
        got, pages = [], []
        start = 0
        for _ in range(10):
            p = self.get_ok(path, startAt=start, maxResults=500)
            pages.append(p)
            got.extend(p["values"])
            start += len(p["values"])
            if p["isLast"]:
                break
        self.assertEqual([p["maxResults"] for p in pages], [100, 100])
        self.assertEqual([p["total"] for p in pages], [150, 150])
        self.assertEqual([p["isLast"] for p in pages], [False, True])
        self.assertEqual([h["id"] for h in got], ids)
        self.assertIn("startAt=100", pages[1]["self"])
        iid = self.jira.issue(key).id
        self.assertEqual(self.get_ok("/rest/api/3/issue/%d/changelog" % iid)["total"], 150)

    def test_bulkfetch_pages_by_token(self):
        bid = self.jira.add_board("Team", project="TEAM")
        sid = self.jira.add_sprint(bid, "S1", "active")
        a = self.jira.add_issue(sid, changes=7)
        b = self.jira.add_issue(sid, changes=5)
        body = {"issueIdsOrKeys": [a, b, "TEAM-999"], "maxResults": 4}
        seen, token = [], None
        for _ in range(10):
            if token:
                body["nextPageToken"] = token
            status, _, out = self.call("/rest/api/3/changelog/bulkfetch", "POST", body)
            self.assertEqual(status, 200, out)
            for log in out["issueChangeLogs"]:
                seen += [(log["issueId"], h["id"]) for h in log["changeHistories"]]
            token = out.get("nextPageToken")
            if not token:
                break
        want = [(str(self.jira.issue(k).id), str(h["id"]))
                for k in (a, b) for h in self.jira.issue(k).histories]
        self.assertEqual(seen, want)
        self.assertEqual(self.call("/rest/api/3/changelog/bulkfetch", "POST",
                                   {"issueIdsOrKeys": []})[0], 400)
        self.assertEqual(self.call("/rest/api/3/changelog/bulkfetch", "POST",
                                   dict(body, nextPageToken="!!bad"))[0], 400)


# ==========================================================================
class AuthAndErrorsTest(JiraCase):
    def test_401_bodies_and_log(self):
        want = {"errorMessages": [AUTH_MESSAGE], "errors": {}}
        path = "/rest/agile/1.0/board"
        for auth in ("", basic(token="wrong"), basic(email="bob@example.com"),
                     "Basic !!!notbase64", "Bearer " + TOKEN):
            status, _, body = self.call(path, auth=auth)
            self.assertEqual((status, body), (401, want), auth)
        self.assertEqual(self.call(path, auth=basic(email=EMAIL.upper()))[0], 200)
        log = self.jira.requests_for(path_contains="/board")
        self.assertEqual([e["status"] for e in log], [401] * 5 + [200])
        self.assertEqual(log[2]["token"], "bob@example.com")
        self.assertEqual(log[5]["headers"]["auth_scheme"], "Basic")
        self.assertEqual(len(self.jira.requests_for(token=EMAIL, status=200)), 0)  # upper-case
        self.jira.revoke_token(EMAIL, TOKEN)
        self.assertEqual(self.call(path)[0], 401)

    def test_visibility_per_user(self):
        b1 = self.jira.add_board("Mine", project="MINE")
        b2 = self.jira.add_board("Theirs", project="THEIRS")
        s2 = self.jira.add_sprint(b2, "S", "active")
        other = self.jira.add_issue(s2)
        self.jira.add_user("bob@example.com", "tb", display_name="Bob", boards=[b1])
        bob = basic("bob@example.com", "tb")
        status, _, body = self.call("/rest/agile/1.0/board", auth=bob)
        self.assertEqual([b["id"] for b in body["values"]], [b1])
        self.assertEqual(self.call("/rest/agile/1.0/board/%d/sprint" % b2, auth=bob)[0], 404)
        self.assertEqual(self.call("/rest/agile/1.0/sprint/%d/issue" % s2, auth=bob)[0], 404)
        self.assertEqual(self.call("/rest/api/3/issue/%s/changelog" % other, auth=bob)[0], 404)
        self.assertEqual(len(self.get_ok("/rest/agile/1.0/board")["values"]), 2)

    def test_old_search_410_and_search_jql(self):
        for path in ("/rest/api/2/search", "/rest/api/3/search"):
            for method in ("GET", "POST"):
                status, _, body = self.call(path, method, {"jql": "project = X"}
                                            if method == "POST" else None, jql="project = X")
                self.assertEqual(status, 410, (path, method))
                self.assertIn("/rest/api/3/search/jql", body["errorMessages"][0])
        bid = self.jira.add_board("Team", project="TEAM")
        sid = self.jira.add_sprint(bid, "S1", "active")
        keys = [self.jira.add_issue(sid) for _ in range(7)]
        got, token = [], None
        for _ in range(10):
            q = {"jql": "project = TEAM ORDER BY created", "maxResults": 3, "fields": "summary"}
            if token:
                q["nextPageToken"] = token
            page = self.get_ok("/rest/api/3/search/jql", **q)
            self.assertNotIn("total", page)
            got += [i["key"] for i in page["issues"]]
            token = page.get("nextPageToken")
            if not token:
                self.assertTrue(page["isLast"])
                break
        self.assertEqual(got, keys)
        status, _, page = self.call("/rest/api/3/search/jql", "POST",
                                    {"jql": "sprint in openSprints()", "maxResults": 100})
        self.assertEqual((status, [set(i) for i in page["issues"]]), (200, [{"id"}] * 7))
        status, _, body = self.call("/rest/api/3/search/jql", jql="")
        self.assertEqual(status, 400)
        self.assertIn("Unbounded", body["errorMessages"][0])

    def test_sprint_field_search_by_sprint_or_key_and_sprint_delete(self):
        bid = self.jira.add_board("Team", project="TEAM")
        old = self.jira.add_sprint(bid, "Old", "closed")
        cur = self.jira.add_sprint(bid, "Cur", "active")
        nxt = self.jira.add_sprint(bid, "Next", "future")
        carried = self.jira.add_issue([old, cur])
        left = self.jira.add_issue(cur)
        other = self.jira.add_issue(nxt)
        self.jira.move_issue(left, None)                     # to the backlog
        body = {"jql": 'updated >= -1d AND (sprint in (%d) OR key in ("%s"))' % (cur, left),
                "fields": ["summary", "customfield_10020"], "expand": "changelog",
                "maxResults": 100}
        status, _, page = self.call("/rest/api/3/search/jql", "POST", body)
        self.assertEqual(status, 200, page)
        got = {i["key"]: i["fields"]["customfield_10020"] for i in page["issues"]}
        self.assertEqual(set(got), {carried, left})
        self.assertEqual([(s["id"], s["state"], s["boardId"]) for s in got[carried]],
                         [(old, "closed", bid), (cur, "active", bid)])
        self.assertIn("completeDate", got[carried][0])
        self.assertNotIn("completeDate", got[carried][1])
        self.assertIsNone(got[left])
        self.assertTrue(all("changelog" in i for i in page["issues"]))
        # The agile listing renders it too (all fields by default).
        issues = self.get_ok("/rest/agile/1.0/sprint/%d/issue" % nxt)["issues"]
        self.assertEqual([s["id"] for s in issues[0]["fields"]["customfield_10020"]], [nxt])
        # Deleting a sprint: 404 afterwards, its issues in the backlog.
        self.jira.remove_sprint(nxt)
        status, _, _ = self.call("/rest/agile/1.0/sprint/%d" % nxt)
        self.assertEqual(status, 404)
        self.assertEqual(self.jira.issue(other).sprints, [])
        self.assertNotIn(nxt, self.jira.sprints(bid))
        # A key that no longer exists makes `key in` a 400, as in Jira.
        self.jira.remove_issue(other)
        body["jql"] = 'key in ("%s")' % other
        status, _, err = self.call("/rest/api/3/search/jql", "POST", body)
        self.assertEqual(status, 400)
        self.assertIn("does not exist", err["errorMessages"][0])

    def test_slow_and_after_knobs(self):
        bid = self.jira.add_board("Team", project="TEAM")
        self.jira.set_faults(slow=[{"path": "/board/%d/sprint" % bid, "ms": 300}])
        t0 = time.monotonic()
        self.assertEqual(self.call("/rest/agile/1.0/board")[0], 200)
        fast = time.monotonic() - t0
        t0 = time.monotonic()
        self.assertEqual(self.call("/rest/agile/1.0/board/%d/sprint" % bid)[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)
        self.assertLess(fast, 0.3)
        self.assertEqual(self.jira.requests_for(path_contains="/sprint")[0]["fault"], "slow")
        self.jira.clear_faults()
        self.jira.force_status("/rest/agile/1.0/board", 500, after=2, count=1)
        got = [self.call("/rest/agile/1.0/board")[0] for _ in range(4)]
        self.assertEqual(got, [200, 200, 500, 200])

    def test_myself(self):
        me = self.get_ok("/rest/api/3/myself")
        self.assertEqual((me["emailAddress"], me["displayName"], me["timeZone"]),
                         (EMAIL, "Alice Dev", "Etc/GMT-1"))
        self.assertTrue(me["accountId"])

    def test_429_knob_and_forced(self):
        self.jira.set_faults(rate_429=2, retry_after=3)
        for _ in range(2):
            status, h, body = self.call("/rest/agile/1.0/board")
            self.assertEqual(status, 429)
            self.assertEqual(h["Retry-After"], "3")
            self.assertIn("errorMessages", body)
            self.assertTrue(h["X-RateLimit-Reset"])
        self.assertEqual(self.call("/rest/agile/1.0/board")[0], 200)
        faults = [e["fault"] for e in self.jira.requests_for(path_contains="/rest/agile")]
        self.assertEqual(faults, ["rate_429", "rate_429", None])
        # forced faults match the key and the id spelling of an issue path
        bid = self.jira.add_board("Team", project="TEAM")
        key = self.jira.add_issue(self.jira.add_sprint(bid, "S", "active"))
        iid = self.jira.issue(key).id
        self.jira.force_status("/issue/%s/changelog" % key, 503, count=1)
        status, h, _ = self.call("/rest/api/3/issue/%d/changelog" % iid)
        self.assertEqual(status, 503)
        self.assertEqual(self.call("/rest/api/3/issue/%d/changelog" % iid)[0], 200)
        self.assertEqual(len(self.jira.requests_for(
            path_contains="/issue/%s/changelog" % key)), 2)


# ==========================================================================
class JqlTest(JiraCase):
    def setUp(self):
        super().setUp()
        bid = self.jira.add_board("Team", project="TEAM")
        self.sid = self.jira.add_sprint(bid, "S1", "active")
        base = utc(2026, 2, 18, 13, 30)                      # 14:30 at +01:00
        self.early = self.jira.add_issue(self.sid, updated=base - 15, status="Done")   # 14:29:45
        self.mid = self.jira.add_issue(self.sid, updated=base + 45, assignee="Alice Dev")
        self.late = self.jira.add_issue(self.sid, updated=base + 60)                  # 14:31:00
        self.path = "/rest/agile/1.0/sprint/%d/issue" % self.sid

    def keys(self, jql, auth=None):
        status, _, body = self.call(self.path, auth=auth, jql=jql, fields="updated")
        self.assertEqual(status, 200, body)
        return [i["key"] for i in body["issues"]]

    def test_updated_minute_precision_in_zone(self):
        e, m, lt = self.early, self.mid, self.late
        self.assertEqual(self.keys('updated >= "2026/02/18 14:30"'), [m, lt])
        self.assertEqual(self.keys("updated >= '2026/02/18 14:30'"), [m, lt])
        self.assertEqual(self.keys('updated > "2026/02/18 14:30"'), [m, lt])
        self.assertEqual(self.keys('updated >= "2026/02/18 14:31"'), [lt])
        self.assertEqual(self.keys('updated > "2026/02/18 14:31"'), [])
        self.assertEqual(self.keys('updated >= "2026-02-18 14:29"'), [e, m, lt])
        self.assertEqual(self.keys('updated >= "2026/02/18 13:30"'), [e, m, lt])  # UTC mistake
        self.assertEqual(self.keys('updated >= "2026/02/18 14:30" AND updated < '
                                   '"2026/02/18 14:31" ORDER BY updated ASC'), [m])
        self.assertEqual(self.keys('updated >= "2026/02/18" and status = Done '
                                   'order by rank'), [e])
        self.assertEqual(self.keys('assignee = currentUser() OR status = "Done"'), [e, m])
        page = self.get_ok(self.path, jql='updated >= "2026/02/18 14:30"', fields="updated")
        self.assertEqual(page["total"], 2)
        self.assertEqual(page["issues"][0]["fields"]["updated"], "2026-02-18T14:30:45.000+0100")

    def test_user_time_zone(self):
        self.jira.add_user("utc@example.com", "tu", display_name="Utc", time_zone="UTC")
        auth = basic("utc@example.com", "tu")
        self.assertEqual(self.keys('updated >= "2026/02/18 13:30"', auth=auth),
                         [self.mid, self.late])
        page = self.call(self.path, auth=auth, fields="updated", jql="key = %s" % self.mid)[2]
        self.assertEqual(page["issues"][0]["fields"]["updated"], "2026-02-18T13:30:45.000+0000")
        self.jira.time_zone = "-05:30"                # the fake's default zone
        self.assertEqual(self.keys('updated >= "2026/02/18 08:00"'), [self.mid, self.late])
        self.assertTrue(self.get_ok(self.path, fields="updated")["issues"][0]["fields"]
                        ["updated"].endswith("-0530"))
        try:
            self.jira.time_zone = "Europe/Berlin"      # IANA name (needs the tz database)
        except ValueError:
            return
        self.assertEqual(self.keys('updated >= "2026/02/18 14:30"'), [self.mid, self.late])
        self.assertEqual(self.get_ok("/rest/api/3/myself")["timeZone"], "Europe/Berlin")

    def test_rejected_jql(self):
        for jql, fragment in [
                ('updated >= "2026-02-18T14:30:00Z"', "Date value '2026-02-18T14:30:00Z' for "
                                                       "field 'updated' is invalid"),
                ('updated >= "2026-02-18T14:30:00.000+0100"', "is invalid"),
                ("updated >= 2026/02/18 14:30", "Expecting"),
                ("foo = bar", "Field 'foo' does not exist"),
                ("updated >=", "Expecting"),
                ('updated >= "2026/02/18 14:30" AND', "Expecting"),
                ("status = Nonexistent", "does not exist"),
                ('updated ~ "x"', "not supported")]:
            status, _, body = self.call(self.path, jql=jql)
            self.assertEqual(status, 400, jql)
            self.assertIn(fragment, body["errorMessages"][0], jql)
            self.assertEqual(body["errors"], {})
        self.assertEqual(self.keys("updated <= -10000w"), [])       # relative periods work
        self.assertEqual(len(self.keys('updated >= "-10000w 2d"')), 3)
        self.assertEqual(self.keys("assignee is EMPTY and status != Done"), [self.late])
        self.assertEqual(self.keys("assignee = EMPTY OR key in (%s)" % self.mid),
                         [self.early, self.mid, self.late])
        self.assertEqual(len(self.keys("")), 3)


# ==========================================================================
def _read_ready(proc, timeout=10.0):
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    line = b""
    try:
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            if not sel.select(max(0.0, deadline - time.monotonic())):
                break
            ch = os.read(proc.stdout.fileno(), 1)
            if not ch:
                break
            line += ch
    finally:
        sel.close()
    return line.decode().strip()


class AdminAndBenchTest(unittest.TestCase):
    def test_run_fake_process_with_seed(self):
        seed = {"time_zone": "+02:00",
                "users": [{"email": "a@x.io", "token": "t1", "display_name": "A"}],
                "boards": [{"name": "Team", "project": "TEAM"},
                           {"name": "Flow", "type": "kanban", "project": "FLOW"}],
                "sprints": [{"board": "Team", "name": "S1", "state": "active"}],
                "issues": [{"sprint": "S1", "summary": "x", "changes": 3},
                           {"sprint": "S1", "key": "TEAM-40", "assignee": "A"}],
                "updates": [{"key": "TEAM-40", "status": "Done"}]}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(seed, f)
        proc = subprocess.Popen([sys.executable, "-m", "fakes.run_fake", "jira", "--port", "0",
                                 "--seed-file", f.name], cwd=TESTS_DIR,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = _read_ready(proc)
            self.assertRegex(line, r"^READY \d+$")
            base = "http://127.0.0.1:%s" % line.split()[1]
            hdr = {"Authorization": basic("a@x.io", "t1")}
            status, _, body = http(base + "/rest/agile/1.0/sprint/1/issue?expand=changelog",
                                   headers=hdr)
            issues = json.loads(body)["issues"]
            self.assertEqual([i["key"] for i in issues], ["TEAM-1", "TEAM-40"])
            self.assertEqual(issues[1]["fields"]["status"]["name"], "Done")
            self.assertEqual(issues[0]["changelog"]["total"], 3)
            self.assertTrue(issues[0]["fields"]["updated"].endswith("+0200"))
            status, _, body = http(base + "/_admin/state", "POST", body={
                "ops": [{"op": "add_sprint", "board": "Team", "name": "S2"},
                        {"op": "move_issue", "key": "TEAM-1", "sprint": "S2"}],
                "faults": {"latency_ms": 5}})
            st = json.loads(body)
            self.assertEqual(status, 200, st)
            self.assertEqual(st["results"][0], 2)
            self.assertEqual(st["summary"]["boards"]["1"]["sprint_states"],
                             {"active": 1, "future": 1})
            self.assertEqual(http(base + "/rest/agile/1.0/board/2/sprint", headers=hdr)[0], 400)
            log = json.loads(http(base + "/_admin/log?token=a@x.io")[2])
            self.assertEqual(log["count"], 2)
            status, _, body = http(base + "/_admin/state", "POST", body={"ops": [{"op": "x"}]})
            self.assertEqual(status, 400)
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
            proc.stdout.close()
            proc.stderr.close()
            os.unlink(f.name)

    def test_populate_and_throughput(self):
        jira = make_fake("jira")
        url = jira.start()
        try:
            t0 = time.monotonic()
            info = jira.populate(boards=10, sprints_per_board=20, issues_per_sprint=50,
                                 users={"bench@example.com": "bt"}, kanban_boards=1)
            self.assertLess(time.monotonic() - t0, 1.0)
            self.assertEqual((len(info["boards"]), info["sprints"], info["issues"]),
                             (11, 200, 1500))
            now = time.time()
            auth = {"Authorization": basic("bench@example.com", "bt")}
            status, _, body = http(url + "/rest/agile/1.0/board/1/sprint", headers=auth)
            sprints = json.loads(body)["values"]
            states = [s["state"] for s in sprints]
            self.assertEqual(states, ["closed"] * 18 + ["active", "future"])
            recent = [s for s in sprints if s["state"] == "closed"
                      and now - calendar.timegm(time.strptime(s["completeDate"][:19],
                                                              "%Y-%m-%dT%H:%M:%S")) < 14 * 86400]
            self.assertEqual(len(recent), 1)
            old_end = calendar.timegm(time.strptime(sprints[16]["endDate"][:19],
                                                    "%Y-%m-%dT%H:%M:%S"))
            self.assertGreater(now - old_end, 60 * 86400)
            with_issues = {s["id"]: json.loads(http(
                url + "/rest/agile/1.0/sprint/%d/issue?maxResults=1" % s["id"],
                headers=auth)[2])["total"] for s in sprints}
            self.assertEqual(sorted(with_issues.values()), [0] * 17 + [50] * 3)

            jira.set_faults(latency_ms=20)
            paths = ["/rest/agile/1.0/sprint/%d/issue?startAt=%d&expand=changelog&fields="
                     "summary,status,assignee,issuetype,parent,subtasks,updated" % (sid, start)
                     for sid in [b * 20 + k for b in range(10) for k in (18, 19)]
                     for start in (0, 25, 0, 25, 40)]
            results, lock = [], threading.Lock()

            def worker(chunk):
                for p in chunk:
                    s = http(url + p, headers=auth)
                    with lock:
                        results.append((s[0], len(json.loads(s[2])["issues"])))
            threads = [threading.Thread(target=worker, args=(paths[i::10],)) for i in range(10)]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            elapsed = time.monotonic() - t0
            print("\n  100 sprint-issue pages (50 issues + changelog, 20 ms latency, 10 "
                  "clients): %.2f s" % elapsed, file=sys.stderr)
            self.assertEqual([r[0] for r in results], [200] * 100)
            self.assertEqual(sorted(set(r[1] for r in results)), [10, 25, 50])
            self.assertLess(elapsed, 3.0)          # ~100 req/s with 20 ms latency needs 1 s
            self.assertGreaterEqual(jira.max_in_flight, 5)
        finally:
            jira.stop()


if __name__ == "__main__":
    unittest.main()
