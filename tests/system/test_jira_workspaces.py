"""Several Jira sites (workspaces) per user, card descriptions and comments
(issue 11), against one Jira fake per site."""
import json
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fakes import FakeJira  # noqa: E402
from harness import (PdtTestCase, Server, db_query, make_scratch, skip_on_pg,  # noqa: E402
                     wait_for)

DAY = 86400
SYNC_TIMEOUT = 120.0
WS_KEYS = {"id", "user_id", "workspace", "name", "project_keys", "is_active", "created_at",
           "updated_at"}
COMMENT_KEYS = {"id", "user_id", "workspace_id", "card_key", "comment_id", "author",
                "author_email", "body", "commented_at", "created_at"}
MIGRATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src",
                          "store", "migrations", "sqlite")


class WsCase(PdtTestCase):
    def start_fake(self, **kw):
        fake = FakeJira(**kw)
        fake.start()
        self.addCleanup(fake.stop)
        return fake

    def site(self, seed, email="w@example.com", token="tok-w", project="PROJ", issues=2,
             board="Board"):
        """A fake site with one board, one active sprint and `issues` issues."""
        fake = self.start_fake(seed=seed)
        fake.add_user(email, token)
        b = fake.add_board(board, project=project)
        sp = fake.add_sprint(b, board + " sprint", state="active")
        keys = [fake.add_issue(sp, summary="%s issue %d" % (board, i),
                               updated=time.time() - 3 * DAY) for i in range(issues)]
        return fake, sp, keys

    def user(self, srv, email="w@example.com", token="tok-w", workspace=None):
        tok, user = srv.register(srv.unique_email("ws"), "workspace-password-1")
        body = {"jira_email": email, "jira_token": token}
        if workspace is not None:
            body["jira_workspace"] = workspace
        self.assertStatus(srv.request("PUT", "/api/user/profile", body, token=tok), 200)
        return tok, user

    def call(self, srv, tok, method, path, body=None, status=200):
        r = srv.request(method, path, body, token=tok, timeout=SYNC_TIMEOUT)
        self.assertStatus(r, status)
        return r.body

    def add_ws(self, srv, tok, workspace, **kw):
        body = dict(kw, workspace=workspace)
        return self.call(srv, tok, "POST", "/api/jira/workspaces", body, 201)

    def sync(self, srv, tok, ws=None):
        path = "/api/sync/jira" + ("?workspace_id=%d" % ws if ws else "")
        return self.call(srv, tok, "POST", path)


class WorkspaceCrudTest(WsCase):
    def test_crud_shapes_and_errors(self):
        srv = self.start_server(env={"SYNC_ENABLED": "false"})
        tok, user = self.user(srv)
        self.assertEqual(self.call(srv, tok, "GET", "/api/jira/workspaces"), [])
        a = self.add_ws(srv, tok, "alpha.atlassian.net", name="Alpha", project_keys="AL, OPS")
        self.assertEqual(set(a), WS_KEYS)
        self.assertEqual((a["user_id"], a["workspace"], a["name"], a["project_keys"],
                          a["is_active"]), (user["id"], "alpha.atlassian.net", "Alpha",
                                            "AL, OPS", True))
        b = self.add_ws(srv, tok, "https://beta.atlassian.net")
        self.assertEqual((b["name"], b["project_keys"]), ("https://beta.atlassian.net", ""))
        self.assertEqual([w["id"] for w in self.call(srv, tok, "GET", "/api/jira/workspaces")],
                         [a["id"], b["id"]])  # oldest first
        self.assertError(srv.request("POST", "/api/jira/workspaces", {"name": "x"}, token=tok),
                         400)
        self.assertError(srv.request("POST", "/api/jira/workspaces",
                                     {"workspace": "bad host name"}, token=tok), 400)
        # The same site, written differently, is the same workspace.
        for same in ("alpha.atlassian.net", "https://ALPHA.atlassian.net/"):
            self.assertError(srv.request("POST", "/api/jira/workspaces", {"workspace": same},
                                         token=tok), 409)
        p = self.call(srv, tok, "PATCH", "/api/jira/workspaces/%d" % b["id"],
                      {"name": "Beta", "is_active": False, "project_keys": "BE"})
        self.assertEqual((p["name"], p["is_active"], p["project_keys"], p["workspace"]),
                         ("Beta", False, "BE", "https://beta.atlassian.net"))
        self.assertError(srv.request("PATCH", "/api/jira/workspaces/%d" % b["id"],
                                     {"workspace": "https://alpha.atlassian.net"}, token=tok),
                         409)
        self.assertEqual(self.call(srv, tok, "DELETE", "/api/jira/workspaces/%d" % b["id"]),
                         {"status": "deleted"})
        self.assertEqual([w["id"] for w in self.call(srv, tok, "GET", "/api/jira/workspaces")],
                         [a["id"]])
        for method, body in (("PATCH", {"name": "x"}), ("DELETE", None)):
            for wid in (b["id"], 999999, "abc"):
                self.assertError(srv.request(method, "/api/jira/workspaces/%s" % wid, body,
                                             token=tok), 404, "workspace not found")

    def test_another_users_workspace_is_404_everywhere(self):
        fake, _, keys = self.site(20)
        srv = self.start_server(env={"SYNC_ENABLED": "false"})
        ta, _ = self.user(srv, workspace=fake.base_url)
        tb, _ = self.user(srv, workspace=fake.base_url)
        self.assertEqual(self.sync(srv, ta)["error"], "")
        self.assertEqual(self.sync(srv, tb)["error"], "")
        wa = self.call(srv, ta, "GET", "/api/jira/workspaces")[0]["id"]
        q = "workspace_id=%d" % wa
        for method, path, body in (
                ("PATCH", "/api/jira/workspaces/%d" % wa, {"name": "mine"}),
                ("DELETE", "/api/jira/workspaces/%d" % wa, None),
                ("GET", "/api/jira/sprints?" + q, None),
                ("GET", "/api/jira/active-sprint?" + q, None),
                ("GET", "/api/jira/cards?" + q, None),
                ("GET", "/api/jira/cards/%s?%s" % (keys[0], q), None),
                ("GET", "/api/jira/cards/%s/comments?%s" % (keys[0], q), None),
                ("POST", "/api/sync/jira?" + q, None)):
            self.assertError(srv.request(method, path, body, token=tb, timeout=SYNC_TIMEOUT),
                             404, "workspace not found", msg="%s %s" % (method, path))
        # A's workspace is untouched.
        self.assertEqual(self.call(srv, ta, "GET", "/api/jira/workspaces")[0]["name"],
                         fake.base_url)

    def test_profile_compatibility_both_ways(self):
        fake, _, _ = self.site(21)
        other, _, _ = self.site(22, board="Other")
        srv = self.start_server(env={"SYNC_ENABLED": "false"})
        tok, _ = self.user(srv)
        # Profile -> workspace: setting jira_workspace creates the first workspace.
        self.call(srv, tok, "PUT", "/api/user/profile",
                  {"jira_workspace": fake.base_url, "jira_project_keys": "PROJ"})
        ws = self.call(srv, tok, "GET", "/api/jira/workspaces")
        self.assertEqual([(w["workspace"], w["project_keys"]) for w in ws],
                         [(fake.base_url, "PROJ")])
        self.call(srv, tok, "PUT", "/api/user/profile", {"jira_project_keys": "PROJ, OPS"})
        ws = self.call(srv, tok, "GET", "/api/jira/workspaces")
        self.assertEqual([(w["id"], w["project_keys"]) for w in ws], [(ws[0]["id"], "PROJ, OPS")])
        # Workspace -> profile: the first workspace is what the profile reports.
        self.add_ws(srv, tok, other.base_url)
        self.call(srv, tok, "PATCH", "/api/jira/workspaces/%d" % ws[0]["id"],
                  {"project_keys": "PROJ"})
        prof = self.call(srv, tok, "GET", "/api/user/profile")
        self.assertEqual((prof["jira_workspace"], prof["jira_project_keys"]),
                         (fake.base_url, "PROJ"))
        # The profile cannot point the first workspace at another one's site.
        self.assertError(srv.request("PUT", "/api/user/profile",
                                     {"jira_workspace": other.base_url + "/"}, token=tok), 409)
        # A user configured only through workspaces reports them in the profile.
        tok2, _ = self.user(srv)
        self.add_ws(srv, tok2, other.base_url, project_keys="OTH")
        prof = self.call(srv, tok2, "GET", "/api/user/profile")
        self.assertEqual((prof["jira_workspace"], prof["jira_project_keys"]),
                         (other.base_url, "OTH"))
        # Keys set before the site: the workspace created later takes them.
        tok3, _ = self.user(srv)
        self.call(srv, tok3, "PUT", "/api/user/profile", {"jira_project_keys": "K1"})
        self.assertEqual(self.call(srv, tok3, "GET", "/api/user/profile")["jira_project_keys"],
                         "K1")
        self.call(srv, tok3, "PUT", "/api/user/profile", {"jira_workspace": other.base_url})
        self.assertEqual([(w["workspace"], w["project_keys"]) for w in
                          self.call(srv, tok3, "GET", "/api/jira/workspaces")],
                         [(other.base_url, "K1")])
        # Clearing jira_workspace removes the first workspace (and its data).
        self.call(srv, tok, "PUT", "/api/user/profile", {"jira_workspace": ""})
        self.assertEqual([w["workspace"] for w in
                          self.call(srv, tok, "GET", "/api/jira/workspaces")], [other.base_url])

    def test_delete_cascades_to_sprints_cards_and_comments(self):
        fake, _, keys = self.site(23)
        fake.add_comments(keys[0], 3)
        srv = self.start_server(env={"SYNC_ENABLED": "false"})
        tok, _ = self.user(srv)
        w = self.add_ws(srv, tok, fake.base_url)
        self.assertEqual(self.sync(srv, tok)["error"], "")
        self.assertEqual(len(self.call(srv, tok, "GET",
                                       "/api/jira/cards/%s/comments" % keys[0])), 3)
        self.call(srv, tok, "DELETE", "/api/jira/workspaces/%d" % w["id"])
        for table in ("sprints", "jira_cards", "jira_comments"):
            n = db_query(srv.db_path, "SELECT count(*) AS n FROM %s WHERE workspace_id = ?"
                         % table, (w["id"],))
            self.assertEqual(n[0]["n"], 0, table)
        self.assertError(srv.request("GET", "/api/jira/cards/%s/comments" % keys[0], token=tok),
                         404, "card not found")


class TwoSitesTest(WsCase):
    def test_colliding_ids_and_keys_nothing_overwrites(self):
        a, sa, ka = self.site(30, board="Alpha", issues=3)
        b, sb, kb = self.site(31, board="Beta", issues=2)
        # Same sprint id, same issue keys, same comment ids on both sites.
        self.assertEqual((sa, ka[:2]), (sb, kb))
        ca = a.add_comment(ka[0], "alpha says", at=time.time() - 3 * DAY)
        cb = b.add_comment(kb[0], "beta says", at=time.time() - 3 * DAY)
        self.assertEqual(ca, cb)
        srv = self.start_server(env={"SYNC_ENABLED": "false"})
        tok, _ = self.user(srv)
        wa = self.add_ws(srv, tok, a.base_url, name="A")["id"]
        wb = self.add_ws(srv, tok, b.base_url, name="B")["id"]
        res = self.sync(srv, tok)
        self.assertEqual((res["error"], res["sprints"], res["cards"]), ("", 2, 5))
        sprints = self.call(srv, tok, "GET", "/api/jira/sprints")
        self.assertEqual(sorted((s["workspace_id"], s["jira_sprint_id"], s["name"])
                                for s in sprints),
                         sorted([(wa, sa, "Alpha sprint"), (wb, sb, "Beta sprint")]))
        only_b = self.call(srv, tok, "GET", "/api/jira/sprints?workspace_id=%d" % wb)
        self.assertEqual([(s["name"], len(s["cards"])) for s in only_b], [("Beta sprint", 2)])
        self.assertTrue(all(c["workspace_id"] == wb for c in only_b[0]["cards"]))
        for ws, fake, name in ((wa, a, "Alpha"), (wb, b, "Beta")):
            q = "?workspace_id=%d" % ws
            act = self.call(srv, tok, "GET", "/api/jira/active-sprint" + q)
            self.assertEqual((act["name"], act["workspace_id"]), (name + " sprint", ws))
            cards = self.call(srv, tok, "GET", "/api/jira/cards" + q)
            self.assertEqual({c["summary"] for c in cards},
                             {"%s issue %d" % (name, i) for i in range(3 if ws == wa else 2)})
            card = self.call(srv, tok, "GET", "/api/jira/cards/%s%s" % (ka[0], q))
            self.assertEqual((card["summary"], card["workspace_id"]), (name + " issue 0", ws))
            com = self.call(srv, tok, "GET", "/api/jira/cards/%s/comments%s" % (ka[0], q))
            self.assertEqual([(c["body"], c["workspace_id"]) for c in com],
                             [(name.lower() + " says", ws)])
        # Another sprint's id under the wrong workspace is not found.
        sid_a = [s["id"] for s in sprints if s["workspace_id"] == wa][0]
        self.assertError(srv.request("GET", "/api/jira/cards?sprint_id=%d&workspace_id=%d"
                                     % (sid_a, wb), token=tok), 404, "sprint not found")
        # One workspace's sync: only its site is asked, and the answer says which.
        a.reset_log()
        b.reset_log()
        b.update_issue(kb[1], summary="beta changed")
        one = self.sync(srv, tok, wb)
        self.assertEqual(one, {"status": "synced", "workspace_id": wb, "sprints": 1,
                               "cards": 1, "error": ""})
        self.assertEqual(a.log(), [])
        self.assertEqual(len(b.log()), 1 + 1 + 1)  # boards + open sprints + one search
        self.assertEqual(self.call(srv, tok, "GET", "/api/jira/cards/%s?workspace_id=%d"
                                   % (kb[1], wb))["summary"], "beta changed")
        self.assertEqual(self.call(srv, tok, "GET", "/api/jira/cards/%s?workspace_id=%d"
                                   % (ka[1], wa))["summary"], "Alpha issue 1")
        self.assertError(srv.request("POST", "/api/sync/jira?workspace_id=999999", token=tok),
                         404, "workspace not found")

    def test_same_site_for_two_users(self):
        fake, sp, keys = self.site(32, issues=2)
        fake.add_comment(keys[0], "shared note")
        srv = self.start_server(env={"SYNC_ENABLED": "false"})
        ta, ua = self.user(srv, workspace=fake.base_url)
        tb, ub = self.user(srv, workspace=fake.base_url)
        self.assertEqual(self.sync(srv, ta)["error"], "")
        self.assertEqual(self.sync(srv, tb)["error"], "")
        fake.update_issue(keys[0], summary="changed after A")
        fake.add_comment(keys[0], "second note")
        self.assertEqual(self.sync(srv, tb)["error"], "")
        ca = self.call(srv, ta, "GET", "/api/jira/cards/" + keys[0])
        cb = self.call(srv, tb, "GET", "/api/jira/cards/" + keys[0])
        self.assertEqual((ca["summary"], cb["summary"]), ("Board issue 0", "changed after A"))
        com_a = self.call(srv, ta, "GET", "/api/jira/cards/%s/comments" % keys[0])
        com_b = self.call(srv, tb, "GET", "/api/jira/cards/%s/comments" % keys[0])
        self.assertEqual([(c["body"], c["user_id"]) for c in com_a], [("shared note", ua["id"])])
        self.assertEqual([(c["body"], c["user_id"]) for c in com_b],
                         [("shared note", ub["id"]), ("second note", ub["id"])])
        sa = self.call(srv, ta, "GET", "/api/jira/sprints")
        sb = self.call(srv, tb, "GET", "/api/jira/sprints")
        self.assertEqual([s["jira_sprint_id"] for s in sa], [s["jira_sprint_id"] for s in sb])
        self.assertNotEqual(sa[0]["id"], sb[0]["id"])


ADF_DESCRIPTION = {
    "type": "doc", "version": 1, "content": [
        {"type": "heading", "attrs": {"level": 2},
         "content": [{"type": "text", "text": "Goal"}]},
        {"type": "paragraph", "content": [
            {"type": "text", "text": "Ship it, "},
            {"type": "text", "text": "today", "marks": [{"type": "strong"}]},
            {"type": "hardBreak"},
            {"type": "mention", "attrs": {"id": "x", "text": "@Alice"}}]},
        {"type": "bulletList", "content": [
            {"type": "listItem", "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "first"}]},
                {"type": "orderedList", "attrs": {"order": 3}, "content": [
                    {"type": "listItem", "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": "three"}]}]},
                    {"type": "listItem", "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": "four"}]}]}]}]},
            {"type": "listItem", "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "second"}]}]}]},
        {"type": "codeBlock", "attrs": {"language": "c"},
         "content": [{"type": "text", "text": "int main(void)\n{\n\treturn 0;\n}"}]},
        {"type": "paragraph", "content": [{"type": "text", "text": "Done."}]}]}
ADF_TEXT = ("Goal\nShip it, today\n@Alice\n- first\n  3. three\n  4. four\n- second\n"
            "int main(void)\n{\n\treturn 0;\n}\nDone.")


class CommentsAndDescriptionsTest(WsCase):
    def setUp(self):
        now = time.time()
        self.fake = self.start_fake(seed=40)
        self.fake.add_user("c@example.com", "tok-c", display_name="Carol Jira")
        board = self.fake.add_board("B", project="PROJ")
        self.sprint = self.fake.add_sprint(board, "Now", state="active")
        self.busy = self.fake.add_issue(self.sprint, summary="busy", updated=now - 3 * DAY)
        self.adf = self.fake.add_issue(self.sprint, summary="adf", updated=now - 3 * DAY,
                                       description=ADF_DESCRIPTION)
        self.plain = self.fake.add_issue(self.sprint, summary="plain", updated=now - 3 * DAY,
                                         description="Line one\nLine two")
        self.ids = self.fake.add_comments(self.busy, 120, author="Carol Jira",
                                          at=now - 3 * DAY, body="comment {i}")
        self.srv = self.start_server(env={"SYNC_ENABLED": "false"})
        self.tok, self.user_ = self.user(self.srv, "c@example.com", "tok-c",
                                         workspace=self.fake.base_url)

    def comments(self, key):
        return self.call(self.srv, self.tok, "GET", "/api/jira/cards/%s/comments" % key)

    def test_truncated_edited_deleted_comments(self):
        self.assertEqual(self.sync(self.srv, self.tok)["error"], "")
        got = self.comments(self.busy)
        self.assertEqual(len(got), 120)
        self.assertEqual(set(got[0]), COMMENT_KEYS)
        truth = self.fake.comments(self.busy)
        self.assertEqual([(c["comment_id"], c["body"], c["author"]) for c in got],
                         [(cid, body, who) for cid, who, body, _ in truth])
        self.assertEqual(got[0]["author_email"], "c@example.com")
        self.assertEqual(got[0]["commented_at"],
                         time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(truth[0][3])))
        times = [c["commented_at"] for c in got]
        self.assertEqual(times, sorted(times))  # oldest first
        # The comment list was paged for that issue only (120 = 100 + 20).
        pages = self.fake.requests_for(path_contains="/comment")
        self.assertEqual({e["path"] for e in pages}, {"/rest/api/2/issue/%s/comment" % self.busy})
        self.assertEqual(len(pages), 2)
        self.assertEqual(self.comments(self.plain), [])
        # Edited and deleted comments show on the next pass that sees the issue updated.
        self.fake.edit_comment(self.busy, self.ids[5], "comment 6, edited")
        self.fake.delete_comment(self.busy, self.ids[7])
        self.fake.delete_comment(self.busy, self.ids[119])
        self.fake.reset_log()
        self.assertEqual(self.sync(self.srv, self.tok)["cards"], 1)
        got = self.comments(self.busy)
        self.assertEqual(len(got), 118)
        self.assertEqual([c["comment_id"] for c in got],
                         [cid for cid, _, _, _ in self.fake.comments(self.busy)])
        self.assertEqual({c["comment_id"]: c["body"] for c in got}[self.ids[5]],
                         "comment 6, edited")
        # Truncated in the search too: its pages again, nothing else per issue.
        self.assertEqual(len(self.fake.requests_for(path_contains="/comment")), 2)
        # Unknown card: 404.
        self.assertError(self.srv.request("GET", "/api/jira/cards/NOPE-9/comments",
                                          token=self.tok), 404, "card not found")

    def test_comments_per_card_are_bounded_to_the_newest(self):
        self.fake.add_comments(self.plain, 2100, at=time.time() - 3 * DAY, body="n {i}")
        self.assertEqual(self.sync(self.srv, self.tok)["error"], "")
        got = self.comments(self.plain)
        self.assertEqual(len(got), 2000)
        self.assertEqual([c["body"] for c in got[:2]] + [got[-1]["body"]],
                         ["n 101", "n 102", "n 2100"])

    def test_descriptions_adf_and_plain(self):
        self.assertEqual(self.sync(self.srv, self.tok)["error"], "")
        # The sprint listing (agile API) sends v2 text; adf_plain is what the fake shows.
        card = self.call(self.srv, self.tok, "GET", "/api/jira/cards/" + self.plain)
        self.assertEqual(card["description"], "Line one\nLine two")
        self.assertEqual(json.loads(card["details_json"])["description"], "Line one\nLine two")
        # A change arrives through the search (API v3): the ADF tree becomes text.
        self.fake.update_issue(self.adf, description=ADF_DESCRIPTION, summary="adf 2")
        self.fake.update_issue(self.plain, description="Now\nthree\nlines")
        self.assertEqual(self.sync(self.srv, self.tok)["cards"], 2)
        card = self.call(self.srv, self.tok, "GET", "/api/jira/cards/" + self.adf)
        self.assertEqual(card["description"], ADF_TEXT)
        self.assertEqual(json.loads(card["details_json"])["description"], ADF_TEXT)
        plain = self.call(self.srv, self.tok, "GET", "/api/jira/cards/" + self.plain)
        self.assertEqual(plain["description"], "Now\nthree\nlines")
        searched = self.fake.requests_for(path_contains="/rest/api/3/search/jql")
        self.assertEqual(len(searched), 1)
        self.assertEqual(self.call(self.srv, self.tok, "GET",
                                   "/api/jira/cards/" + self.busy)["description"], "")


class WorkerWorkspacesTest(WsCase):
    def test_worker_syncs_every_active_workspace_and_reports_one_failure(self):
        good, _, gkeys = self.site(50, board="Good", issues=2)
        bad, _, _ = self.site(51, board="Bad", token="other-token")  # our token is refused
        idle, _, _ = self.site(52, board="Idle")
        srv = self.start_server(env={"SYNC_ENABLED": "true", "SYNC_INTERVAL_JIRA": "1h",
                                     "SYNC_INTERVAL_COMMITS": "1h"})
        tok, _ = self.user(srv)  # no profile workspace: workspaces only
        self.add_ws(srv, tok, bad.base_url, name="Bad site")
        self.add_ws(srv, tok, good.base_url, name="Good site")
        w = self.add_ws(srv, tok, idle.base_url, name="Idle site")
        self.call(srv, tok, "PATCH", "/api/jira/workspaces/%d" % w["id"], {"is_active": False})
        srv.stop(cleanup=False)
        srv.start()  # the worker's start-up pass sees the user
        st = wait_for(lambda: (lambda s: s if s["last_sync"] else None)(
            self.call(srv, tok, "GET", "/api/sync/status")["jira"]), timeout=60)
        self.assertIn("Bad site", st["last_error"])
        self.assertIn("401", st["last_error"])
        self.assertNotIn("Good site", st["last_error"])
        cards = {c["summary"] for c in self.call(srv, tok, "GET", "/api/jira/cards")}
        self.assertEqual(cards, {"Good issue 0", "Good issue 1"})
        self.assertEqual(idle.log(), [])
        self.assertGreater(len(good.log()), 0)


class RequestEconomyTest(WsCase):
    """10 boards x 20 sprints x 50 issues, with descriptions and comments."""

    def populated(self, seed, **kw):
        fake = self.start_fake(seed=seed)
        clock = fake.clock
        fake.clock = lambda: clock() - 3 * DAY  # every `updated` well in the past
        fake.populate(users={"e@example.com": "tok-e"}, **kw)
        fake.clock = clock
        return fake

    def cold(self, srv, fake):
        tok, _ = self.user(srv, "e@example.com", "tok-e", workspace=fake.base_url)
        res = self.sync(srv, tok)
        self.assertEqual(res["error"], "")
        return tok, res

    def test_cold_pass_costs_todays_requests_plus_truncated_comment_pages(self):
        plain = self.populated(60)
        rich = self.populated(60, comments_per_issue=3, descriptions=True)
        keys = [k for k in rich.issues() if rich.issue(k).sprints][:1500]
        long_ones = keys[::300]  # 5 issues with more comments than a listing embeds
        for k in long_ones:
            rich.add_comments(k, 150, at=time.time() - 4 * DAY, body="long {i}")
        srv = self.start_server(env={"SYNC_ENABLED": "false"})
        _, base = self.cold(srv, plain)
        tok, res = self.cold(srv, rich)
        self.assertEqual((res["sprints"], res["cards"]), (base["sprints"], base["cards"]))
        before, after = len(plain.log()), len(rich.log())
        comment_pages = rich.requests_for(path_contains="/comment")
        self.assertEqual(len(comment_pages), 2 * len(long_ones))  # 153 = 100 + 53
        self.assertEqual(after, before + len(comment_pages),
                         "cold: %d requests, today's %d" % (after, before))
        # PDT's pattern: about 2 requests per card on top of its listings.
        self.assertLess(after, 2 * res["cards"] / 10)
        got = self.call(srv, tok, "GET", "/api/jira/cards/%s/comments" % long_ones[0])
        self.assertEqual(len(got), 153)
        card = self.call(srv, tok, "GET", "/api/jira/cards/" + keys[1])
        self.assertTrue(card["description"].startswith("Work item "))
        # Unchanged: boards + open sprints per board + one search.
        rich.reset_log()
        self.assertEqual(self.sync(srv, tok)["cards"], 0)
        self.assertEqual(len(rich.log()), 1 + 10 + 1)


def _exec_file(db, path):
    with open(path, encoding="utf-8") as f:
        db.executescript(f.read())


class MigrationTest(WsCase):
    @skip_on_pg("builds a schema-version-4 SQLite database by hand")
    def test_existing_users_settings_become_their_first_workspace(self):
        fake, sp, keys = self.site(70, project="PROJ", issues=2)
        key = "ab" * 32
        # A user (its bcrypt hash and sealed token) from a current server.
        donor = self.start_server(env={"SYNC_ENABLED": "false"}, encryption_key=key)
        tok, user = self.user(donor, workspace="example.invalid")
        row = sqlite3.connect(donor.db_path).execute(
            "SELECT email, password_hash, jira_token FROM users WHERE id = ?",
            (user["id"],)).fetchone()
        # A database at schema version 4 holding that user's Jira data.
        tmp = make_scratch()
        db = sqlite3.connect(os.path.join(tmp, "pdt.db"))
        for n in ("001_init.sql", "002_sync_state.sql", "003_jira_state.sql",
                  "004_commit_date_index.sql"):
            _exec_file(db, os.path.join(MIGRATIONS, n))
        db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                   "name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
        db.executemany("INSERT INTO schema_migrations VALUES (?, ?, 0)",
                       [(1, "init"), (2, "sync_state"), (3, "jira_state"),
                        (4, "commit_date_index")])
        now = int(time.time())
        db.execute("INSERT INTO users (id, email, password_hash, jira_email, jira_token, "
                   "jira_workspace, jira_project_keys, created_at, updated_at) "
                   "VALUES (7, ?, ?, 'w@example.com', ?, ?, 'PROJ', ?, ?)",
                   (row[0], row[1], row[2], fake.base_url, now, now))
        db.execute("INSERT INTO sprints (id, user_id, jira_sprint_id, board_id, name, state, "
                   "start_date, issues_synced_at, created_at, updated_at) "
                   "VALUES (41, 7, ?, 1, 'Board sprint', 'active', ?, ?, ?, ?)",
                   (sp, now - 7 * DAY, now - 3600, now, now))
        for i, k in enumerate(keys):
            db.execute("INSERT INTO jira_cards (id, user_id, card_key, summary, status, "
                       "sprint_id, jira_sprint_id, details_json, created_at, updated_at) "
                       "VALUES (?, 7, ?, ?, 'To Do', 41, ?, '{}', ?, ?)",
                       (90 + i, k, "Board issue %d" % i, sp, now, now))
        db.execute("INSERT INTO sync_status (user_id, source, status, last_sync, "
                   "last_success) VALUES (7, 'jira', 'idle', ?, ?)", (now - 3600, now - 3600))
        db.commit()
        db.close()
        srv = self.start_server(env={"SYNC_ENABLED": "false"}, tmpdir=tmp, encryption_key=key)
        r = srv.login(row[0], "workspace-password-1")
        self.assertStatus(r, 200)
        tok = r.body["token"]
        ws = self.call(srv, tok, "GET", "/api/jira/workspaces")
        self.assertEqual([(w["workspace"], w["project_keys"], w["is_active"]) for w in ws],
                         [(fake.base_url, "PROJ", True)])
        sprints = self.call(srv, tok, "GET", "/api/jira/sprints")
        self.assertEqual([(s["id"], s["workspace_id"]) for s in sprints], [(41, ws[0]["id"])])
        self.assertEqual(sorted((c["id"], c["key"]) for c in sprints[0]["cards"]),
                         [(90 + i, k) for i, k in enumerate(keys)])
        prof = self.call(srv, tok, "GET", "/api/user/profile")
        self.assertEqual(prof["jira_workspace"], fake.base_url)
        # The incremental window moved with it: the next pass is a warm one.
        fake.reset_log()
        self.assertEqual(self.sync(srv, tok)["error"], "")
        self.assertEqual(len(fake.log()), 1 + 1 + 1)
        self.assertEqual([s["id"] for s in self.call(srv, tok, "GET", "/api/jira/sprints")],
                         [41])


if __name__ == "__main__":
    unittest.main()
