"""Reports (issue 12): generation from seeded commits and cards, templates
(CRUD, save-time parse errors, preview), isolation, time-zone day boundaries,
manual links, replace-on-regenerate, automatic generation once across a
restart, and upload to a fake S3 that checks the SigV4 signature.

Commits are seeded straight into the database (harness.seed_commits) on a
repository added through the API; cards into jira_cards; manual links through
POST /api/commits/:sha/link.
"""
import calendar
import datetime
import os
import re
import sys
import time
import unittest
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fakes.s3 import FakeS3  # noqa: E402
from harness import (PdtTestCase, Server, db_exec, db_query, fake_sha, run_pdt,  # noqa: E402
                     seed_commits, wait_for)

REPORT_KEYS = {"id", "user_id", "template_id", "date", "title", "content", "file_url",
               "report_type", "created_at"}
TEMPLATE_KEYS = {"id", "user_id", "name", "content", "is_default", "created_at", "updated_at"}


def utc(y, m, d, hh=0, mm=0, ss=0):
    return calendar.timegm((y, m, d, hh, mm, ss, 0, 0, 0))


def add_card(db, user_id, key, summary, status):
    now = int(time.time())
    # Cards belong to one of the user's Jira workspaces (migration 005).
    db_exec(db, "INSERT INTO jira_workspaces (user_id, workspace, created_at, "
            "updated_at) VALUES (?, 'reports.example', ?, ?) ON CONFLICT DO NOTHING",
            (user_id, now, now))
    db_exec(db, "INSERT INTO jira_cards (user_id, workspace_id, card_key, summary, status, "
            "created_at, updated_at) VALUES (?, (SELECT min(id) FROM jira_workspaces WHERE "
            "user_id = ?), ?, ?, ?, ?, ?)", (user_id, user_id, key, summary, status, now, now))


def new_user(srv, name="r"):
    token, user = srv.register(srv.unique_email(name))
    app = srv.add_repo(token, "https://github.com/octo/app")
    lib = srv.add_repo(token, "https://github.com/octo/lib")
    return token, user, app, lib


LONG = "PROJ-10: " + "x" * 90


def seed_day(srv, user, app, lib, token, tag):
    """Four commits on 2026-03-02 (UTC) and one just outside on each side."""
    day = utc(2026, 3, 2)
    shas = [fake_sha("%s-%d" % (tag, i)) for i in range(6)]
    seed_commits(srv.db_path, app["id"], [
        {"sha": shas[0], "message": "PROJ-2: second card work", "date": day + 9 * 3600 + 900,
         "jira_card_key": "PROJ-2"},
        {"sha": shas[2], "message": "fix typo\n\nbody", "date": day + 11 * 3600},
        {"sha": shas[3], "message": "refactor", "date": day + 12 * 3600},
        {"sha": shas[4], "message": "PROJ-2: day before", "date": day - 1,
         "jira_card_key": "PROJ-2"},
        {"sha": shas[5], "message": "next day", "date": day + 86400},
    ])
    seed_commits(srv.db_path, lib["id"], [
        {"sha": shas[1], "message": LONG, "branch": "feature/x", "date": day + 10 * 3600 + 1800,
         "jira_card_key": "PROJ-10"},
    ])
    add_card(srv.db_path, user["id"], "PROJ-2", "Second", "In Progress")
    r = srv.request("POST", "/api/commits/%s/link" % shas[3], {"jira_card_key": "PROJ-2"},
                    token=token)
    assert r.status == 201, r
    return shas


def expected_daily(email, shas):
    s = [x[:8] for x in shas]
    return ("# Daily Report: Monday, 02 March 2026\n\nAuthor: %s\n\n## Cards\n\n"
            "### PROJ-2: Second [In Progress]\n\n"
            "- `%s` PROJ-2: second card work (octo/app, main, 09:15)\n"
            "- `%s` refactor (octo/app, main, 12:00)\n\n"
            "### PROJ-10\n\n"
            "- `%s` %s... (octo/lib, feature/x, 10:30)\n\n"
            "## Commits without a card\n\n"
            "- `%s` fix typo (octo/app, main, 11:00)\n\n"
            "## Totals\n\n- Commits: 4\n- Cards: 2\n- Repositories: octo/app, octo/lib\n"
            % (email, s[0], s[3], s[1], LONG[:77], s[2]))


class ReportsTest(PdtTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(env={"REPORT_AUTO_GENERATE": "false"})

    def setUp(self):
        self.srv = self.server
        self.token, self.user, self.app, self.lib = new_user(self.srv)
        self.shas = seed_day(self.srv, self.user, self.app, self.lib, self.token,
                             self.user["email"])

    def req(self, method, path, body=None, token=None):
        return self.srv.request(method, path, body, token=token or self.token)

    def test_generate_daily_builtin_then_replace(self):
        r = self.req("POST", "/api/reports/generate", {"date": "2026-03-02"})
        self.assertStatus(r, 201)
        self.assertKeys(r.body, REPORT_KEYS)
        self.assertEqual(r.body["date"], "2026-03-02")
        self.assertEqual(r.body["report_type"], "daily")
        self.assertIsNone(r.body["template_id"])
        self.assertEqual(r.body["file_url"], "")
        self.assertEqual(r.body["user_id"], self.user["id"])
        self.assertEqual(r.body["title"], "Daily Report - 2026-03-02")
        self.assertEqual(r.body["content"], expected_daily(self.user["email"], self.shas))
        self.assertTimestamp(r.body["created_at"], near=time.time())
        first = r.body
        # Regenerating replaces the same report: 200, same id, new content.
        seed_commits(self.srv.db_path, self.app["id"], [
            {"sha": fake_sha("late"), "message": "late work", "date": utc(2026, 3, 2, 20)}])
        r = self.req("POST", "/api/reports/generate", {"date": "2026-03-02"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["id"], first["id"])
        self.assertIn("late work (octo/app, main, 20:00)", r.body["content"])
        self.assertIn("- Commits: 5\n", r.body["content"])
        got = self.req("GET", "/api/reports/%d" % first["id"])
        self.assertStatus(got, 200)
        self.assertEqual(got.body, r.body)
        rows = db_query(self.srv.db_path, "SELECT count(*) AS n FROM reports WHERE user_id = ?",
                        (self.user["id"],))
        self.assertEqual(rows[0]["n"], 1)

    def test_preview_stats_and_manual_links(self):
        tpl = ("{{range .Cards}}{{.Key}}[{{.Summary}}|{{.Status}}]:"
               "{{range $i, $c := .Commits}}{{if $i}},{{end}}{{$c.SHA}}{{end}};{{end}}"
               "U:{{range .UnlinkedCommits}}{{.SHA}}{{end}} R:{{.Stats.Repos}}")
        r = self.req("POST", "/api/reports/templates/preview",
                     {"content": tpl, "date": "2026-03-02"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["stats"], {"total_commits": 4, "total_cards": 2})
        s = [x[:8] for x in self.shas]
        self.assertEqual(r.body["rendered"],
                         "PROJ-2[Second|In Progress]:%s,%s;PROJ-10[|]:%s;U:%s "
                         "R:[octo/app octo/lib]" % (s[0], s[3], s[1], s[2]))
        # A day without commits.
        r = self.req("POST", "/api/reports/templates/preview",
                     {"content": "{{len .Cards}} {{.Stats.TotalCommits}} {{.DateFormatted}}",
                      "date": "2026-03-04"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"rendered": "0 0 Wednesday, 04 March 2026",
                                  "stats": {"total_commits": 0, "total_cards": 0}})
        r = self.req("POST", "/api/reports/templates/preview", {"content": "{{.Nope"})
        self.assertError(r, 400)
        self.assertRegex(r.body["error"], r"^template error: 1:\d+: ")
        self.assertError(self.req("POST", "/api/reports/templates/preview", {}), 400,
                         "content is required")

    def test_key_on_two_sites_is_one_card(self):
        # A second Jira site with the same key: the report lists PROJ-2 once, as the
        # oldest workspace's card, the one the API answers for the bare key.
        now = int(time.time())
        db_exec(self.srv.db_path, "INSERT INTO jira_workspaces (user_id, workspace, "
                "created_at, updated_at) VALUES (?, 'other.example', ?, ?)",
                (self.user["id"], now, now))
        db_exec(self.srv.db_path, "INSERT INTO jira_cards (user_id, workspace_id, card_key, "
                "summary, status, created_at, updated_at) VALUES (?, (SELECT max(id) FROM "
                "jira_workspaces WHERE user_id = ?), 'PROJ-2', 'Other site', 'Done', ?, ?)",
                (self.user["id"], self.user["id"], now, now))
        tpl = "{{range .Cards}}{{.Key}}[{{.Summary}}|{{.Status}}]:{{len .Commits}};{{end}}"
        r = self.req("POST", "/api/reports/templates/preview",
                     {"content": tpl, "date": "2026-03-02"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["rendered"], "PROJ-2[Second|In Progress]:2;PROJ-10[|]:1;")
        self.assertEqual(r.body["stats"], {"total_commits": 4, "total_cards": 2})

    def test_templates_crud_and_default(self):
        self.assertEqual(self.req("GET", "/api/reports/templates").body, [])
        r = self.req("POST", "/api/reports/templates",
                     {"name": "Mine", "content": "Day {{.Date}}: {{.Stats.TotalCommits}}"})
        self.assertStatus(r, 201)
        self.assertKeys(r.body, TEMPLATE_KEYS)
        self.assertFalse(r.body["is_default"])
        t1 = r.body
        r = self.req("POST", "/api/reports/templates",
                     {"name": "Other", "content": "{{.Author}}", "is_default": True})
        self.assertStatus(r, 201)
        t2 = r.body
        self.assertTrue(t2["is_default"])
        # Save-time parse errors name line and column.
        r = self.req("POST", "/api/reports/templates",
                     {"name": "Bad", "content": "ok\n{{if .Cards}}never closed"})
        self.assertError(r, 400)
        self.assertRegex(r.body["error"], r"^template error: \d+:\d+: ")
        for body in ({"name": "x"}, {"content": "x"}, {"name": "", "content": "x"}):
            self.assertError(self.req("POST", "/api/reports/templates", body), 400,
                             "name and content are required")
        # Making t1 the default clears t2's.
        r = self.req("PUT", "/api/reports/templates/%d" % t1["id"], {"is_default": True})
        self.assertStatus(r, 200)
        self.assertTrue(r.body["is_default"])
        self.assertEqual(r.body["content"], t1["content"])
        listed = self.req("GET", "/api/reports/templates").body
        self.assertEqual([(t["id"], t["is_default"]) for t in listed],
                         [(t1["id"], True), (t2["id"], False)])
        r = self.req("PUT", "/api/reports/templates/%d" % t1["id"], {"content": "{{end}}"})
        self.assertError(r, 400)
        self.assertTrue(r.body["error"].startswith("template error: "))
        # The default template is used when no template_id is given.
        r = self.req("POST", "/api/reports/generate", {"date": "2026-03-02"})
        self.assertStatus(r, 201)
        self.assertEqual(r.body["template_id"], t1["id"])
        self.assertEqual(r.body["content"], "Day 2026-03-02: 4")
        # ... and template_id picks another.
        r = self.req("POST", "/api/reports/generate",
                     {"date": "2026-03-02", "template_id": t2["id"]})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["content"], self.user["email"])
        self.assertError(self.req("POST", "/api/reports/generate",
                                  {"date": "2026-03-02", "template_id": 999999}), 404)
        r = self.req("DELETE", "/api/reports/templates/%d" % t2["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"message": "template deleted"})
        self.assertError(self.req("DELETE", "/api/reports/templates/%d" % t2["id"]), 404,
                         "template not found")
        # The report made with it stays, without its template.
        rep = self.req("GET", "/api/reports").body[0]
        self.assertIsNone(rep["template_id"])

    def test_list_range_delete_and_codes(self):
        for d in ("2026-03-02", "2026-03-01", "2026-02-27"):
            self.assertIn(self.req("POST", "/api/reports/generate", {"date": d}).status,
                          (200, 201))
        r = self.req("POST", "/api/reports/generate/monthly", {"month": 2, "year": 2026})
        self.assertStatus(r, 201)
        self.assertEqual((r.body["month"], r.body["year"], r.body["date"]), (2, 2026, "2026-02"))
        self.assertKeys(r.body, REPORT_KEYS | {"month", "year"})
        dates = [x["date"] for x in self.req("GET", "/api/reports").body]
        self.assertEqual(dates, ["2026-03-02", "2026-03-01", "2026-02-27", "2026-02"])
        dates = [x["date"] for x in
                 self.req("GET", "/api/reports?from=2026-02-28&to=2026-03-01").body]
        self.assertEqual(dates, ["2026-03-01"])
        dates = [x["date"] for x in self.req("GET", "/api/reports?from=&to=2026-02-01").body]
        self.assertEqual(dates, ["2026-02"])
        for bad in ("2026-13-01", "2026-02-30", "02/03/2026", "2026-3-2"):
            self.assertError(self.req("POST", "/api/reports/generate", {"date": bad}), 400,
                             "invalid date format, use YYYY-MM-DD")
        self.assertError(self.srv.request("GET", "/api/reports?from=yesterday",
                                          token=self.token), 400,
                         "invalid date format, use YYYY-MM-DD")
        for body in ({}, {"month": 3}, {"year": 2026}):
            self.assertError(self.req("POST", "/api/reports/generate/monthly", body), 400,
                             "month and year are required")
        rid = self.req("GET", "/api/reports").body[0]["id"]
        r = self.req("DELETE", "/api/reports/%d" % rid)
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"message": "report deleted"})
        self.assertError(self.req("GET", "/api/reports/%d" % rid), 404, "report not found")
        self.assertError(self.req("DELETE", "/api/reports/%d" % rid), 404, "report not found")
        self.assertError(self.req("GET", "/api/reports/abc"), 404, "report not found")
        self.assertError(self.srv.request("GET", "/api/reports"), 401)

    def test_bad_bodies_and_run_time_template_errors(self):
        for path in ("/api/reports/generate", "/api/reports/generate/monthly",
                     "/api/reports/templates", "/api/reports/templates/preview"):
            for raw in ("[1,2]", "{", "\"text\"", "{\"date\": 5, \"month\": \"x\", "
                        "\"name\": 1, \"content\": []}"):
                r = self.srv.request("POST", path, raw_body=raw, token=self.token)
                self.assertError(r, 400, msg="%s %s" % (path, raw))
        # Parses, then fails when run: 400 with the position, nothing stored.
        tid = self.req("POST", "/api/reports/templates",
                       {"name": "t", "content": "ok\n{{index .Cards 7}}"}).body["id"]
        r = self.req("POST", "/api/reports/generate", {"date": "2026-03-02", "template_id": tid})
        self.assertError(r, 400)
        self.assertRegex(r.body["error"], r"^template error: 2:\d+: ")
        self.assertEqual(self.req("GET", "/api/reports").body, [])
        r = self.req("POST", "/api/reports/templates/preview",
                     {"content": "{{range .Cards}}{{range .Commits}}{{printf \"%0999999d\" 1}}"
                                 "{{end}}{{end}}", "date": "2026-03-02"})
        self.assertError(r, 400)
        self.assertTrue(r.body["error"].startswith("template error: "), r.body)

    def test_isolation(self):
        r = self.req("POST", "/api/reports/generate", {"date": "2026-03-02"})
        rid = r.body["id"]
        tid = self.req("POST", "/api/reports/templates",
                       {"name": "t", "content": "x"}).body["id"]
        other, _u, _a, _l = new_user(self.srv, "other")
        for method, path in (("GET", "/api/reports/%d" % rid),
                             ("DELETE", "/api/reports/%d" % rid)):
            self.assertError(self.srv.request(method, path, token=other), 404,
                             "report not found")
        self.assertError(self.srv.request("PUT", "/api/reports/templates/%d" % tid,
                                          {"name": "mine"}, token=other), 404,
                         "template not found")
        self.assertError(self.srv.request("DELETE", "/api/reports/templates/%d" % tid,
                                          token=other), 404, "template not found")
        self.assertError(self.srv.request("POST", "/api/reports/generate",
                                          {"date": "2026-03-02", "template_id": tid},
                                          token=other), 404)
        self.assertEqual(self.srv.request("GET", "/api/reports", token=other).body, [])
        self.assertEqual(self.srv.request("GET", "/api/reports/templates", token=other).body,
                         [])
        # The other user's report of the same day has none of the first's commits.
        r = self.srv.request("POST", "/api/reports/generate", {"date": "2026-03-02"},
                             token=other)
        self.assertStatus(r, 201)
        self.assertIn("- Commits: 0\n", r.body["content"])
        self.assertEqual(self.req("GET", "/api/reports/%d" % rid).status, 200)

    def test_monthly_data(self):
        # March 2026: seed_day's six commits (two fall on the 1st and the 3rd) and
        # two more; PROJ-5's card is Done. April's commit is not counted.
        seed_commits(self.srv.db_path, self.app["id"], [
            {"sha": fake_sha("m1"), "message": "PROJ-5 start", "date": utc(2026, 3, 1, 8),
             "jira_card_key": "PROJ-5"},
            {"sha": fake_sha("m2"), "message": "PROJ-2 end", "date": utc(2026, 3, 31, 23, 59),
             "jira_card_key": "PROJ-2"},
            {"sha": fake_sha("m3"), "message": "april", "date": utc(2026, 4, 1)},
        ])
        add_card(self.srv.db_path, self.user["id"], "PROJ-5", "Five", "Done")
        tpl = ("{{.Month}} {{.Year}} {{.MonthName}} {{.TotalCommits}} {{.TotalCards}} "
               "{{.CardsCompleted}} {{.CardsInProgress}}|"
               "{{range .WeeklyBreakdown}}{{.Week}}:{{.StartDate}}:{{.Commits}}:{{.Cards}},{{end}}|"
               "{{range .RepoBreakdown}}{{.Repo}}={{.Commits}},{{end}}|"
               "{{range .TopCards}}{{.Key}}={{.Commits}},{{end}}|"
               "{{range .DailyReports}}{{.Date}}={{.Stats.TotalCommits}},{{end}}")
        tid = self.req("POST", "/api/reports/templates", {"name": "m", "content": tpl}).body["id"]
        r = self.req("POST", "/api/reports/generate/monthly",
                     {"month": 3, "year": 2026, "template_id": tid})
        self.assertStatus(r, 201)
        self.assertEqual(r.body["title"], "Monthly Report - March 2026")
        self.assertEqual(
            r.body["content"],
            "3 2026 March 8 3 1 2|1:2026-03-01:2:2,2:2026-03-02:5:2,3:2026-03-09:0:0,"
            "4:2026-03-16:0:0,5:2026-03-23:0:0,6:2026-03-30:1:1,|"
            "octo/app=7,octo/lib=1,|PROJ-2=4,PROJ-5=1,PROJ-10=1,|"
            "2026-03-01=2,2026-03-02=4,2026-03-03=1,2026-03-31=1,")
        r = self.req("POST", "/api/reports/generate/monthly", {"month": 3, "year": 2026})
        self.assertStatus(r, 200)
        self.assertTrue(r.body["content"].startswith("# Monthly Report: March 2026\n"), r.body)
        self.assertIn("- Cards: 3 (1 completed, 2 in progress)\n", r.body["content"])


class TimezoneTest(PdtTestCase):
    def test_day_boundaries_follow_report_timezone(self):
        srv = self.start_server(env={"REPORT_TIMEZONE": "Asia/Tokyo",
                                     "REPORT_AUTO_GENERATE": "false"})
        token, _user, app, _lib = new_user(srv, "tz")
        seed_commits(srv.db_path, app["id"], [
            {"sha": fake_sha("tz1"), "message": "late on the 1st", "date": utc(2026, 3, 1, 14, 59)},
            {"sha": fake_sha("tz2"), "message": "early on the 2nd", "date": utc(2026, 3, 1, 15, 0)},
            {"sha": fake_sha("tz3"), "message": "end of the 2nd", "date": utc(2026, 3, 2, 14, 59, 59)},
        ])
        tpl = "{{range .UnlinkedCommits}}{{.Time}} {{.Message}};{{end}}"
        got = {}
        for d in ("2026-03-01", "2026-03-02"):
            r = srv.request("POST", "/api/reports/templates/preview",
                            {"content": tpl, "date": d}, token=token)
            self.assertStatus(r, 200)
            got[d] = r.body["rendered"]
        self.assertEqual(got["2026-03-01"], "23:59 late on the 1st;")
        self.assertEqual(got["2026-03-02"], "00:00 early on the 2nd;23:59 end of the 2nd;")

    def test_bad_report_variables_exit_2(self):
        for env, name in (({"REPORT_TIMEZONE": "Mars/Olympus"}, "REPORT_TIMEZONE"),
                          ({"REPORT_TIMEZONE": "../../etc/passwd"}, "REPORT_TIMEZONE"),
                          ({"REPORT_AUTO_TIME": "25:00"}, "REPORT_AUTO_TIME"),
                          ({"REPORT_MONTHLY_AUTO_TIME": "8am"}, "REPORT_MONTHLY_AUTO_TIME"),
                          ({"REPORT_AUTO_GENERATE": "maybe"}, "REPORT_AUTO_GENERATE"),
                          ({"R2_BUCKET_NAME": "b"}, "R2_ACCESS_KEY_ID"),
                          ({"S3_ENDPOINT": "http://127.0.0.1:9", "R2_ACCESS_KEY_ID": "a",
                            "R2_SECRET_ACCESS_KEY": "s"}, "R2_BUCKET_NAME")):
            full = {"JWT_SECRET": "x" * 32, "ENCRYPTION_KEY": "ab" * 32,
                    "DATABASE_URL": "sqlite://./pdt.db", "SERVER_PORT": "1"}
            full.update(env)
            p = run_pdt(["serve"], env=full)
            self.assertEqual(p.returncode, 2, (env, p.stderr))
            self.assertIn(name, p.stderr)
            self.assertNotIn("\n", p.stderr.strip())


def zone_away_from_midnight():
    """An IANA zone whose local time now is between 01:00 and 22:00, so 'today'
    stays today for the whole test."""
    now = datetime.datetime.now(datetime.timezone.utc)
    for name in ("UTC", "Asia/Tokyo", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"):
        local = now.astimezone(zoneinfo.ZoneInfo(name))
        if 1 <= local.hour < 22:
            return name, local
    raise unittest.SkipTest("no candidate zone away from midnight")


class AutoGenerateTest(PdtTestCase):
    def test_daily_once_across_restart(self):
        zone, local = zone_away_from_midnight()
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        env = {"REPORT_TIMEZONE": zone, "REPORT_AUTO_GENERATE": "false"}
        setup = Server(env=env)
        token, user, app, _lib = new_user(setup, "auto")
        quiet_token, _quiet, _a, _l = new_user(setup, "quiet")
        # The monthly report due now: last month's, or the one before on the
        # 1st before REPORT_MONTHLY_AUTO_TIME (08:00).
        back = 2 if local.day == 1 and local.hour < 8 else 1
        y, m = local.year, local.month - back
        if m < 1:
            y, m = y - 1, m + 12
        mid_month = datetime.datetime(y, m, 15, 12, tzinfo=zoneinfo.ZoneInfo(zone))
        seed_commits(setup.db_path, app["id"], [
            {"sha": fake_sha("a1"), "message": "PROJ-1 today", "jira_card_key": "PROJ-1",
             "date": int(midnight.timestamp()) + 60},
            {"sha": fake_sha("a2"), "message": "yesterday", "date": int(midnight.timestamp()) - 60},
            {"sha": fake_sha("a3"), "message": "PROJ-1 in the due month",
             "jira_card_key": "PROJ-1", "date": int(mid_month.timestamp())},
        ])
        r = setup.request("POST", "/api/reports/templates",
                          {"name": "auto", "content": "{{.Date}} {{.Stats.TotalCommits}}",
                           "is_default": True}, token=token)
        self.assertStatus(r, 201)
        setup.stop(cleanup=False)
        # REPORT_AUTO_TIME 00:00 in the zone: today's daily is due at start-up.
        env = {"REPORT_TIMEZONE": zone, "REPORT_AUTO_TIME": "00:00"}
        srv = Server(env=env, tmpdir=setup.tmpdir, jwt_secret=setup.jwt_secret,
                     encryption_key=setup.encryption_key)
        today = midnight.strftime("%Y-%m-%d")
        reports = lambda t: srv.request("GET", "/api/reports", token=t).body  # noqa: E731
        got = wait_for(lambda: [x for x in reports(token) if x["report_type"] == "daily"],
                       timeout=15)
        self.assertTrue(got, "no automatic report; log:\n" + srv.log_tail())
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["date"], today)
        self.assertEqual(got[0]["content"], "%s 1" % today)
        self.assertEqual(got[0]["template_id"], r.body["id"])
        self.assertEqual(reports(quiet_token), [])
        # The monthly report of the due month, from the built-in monthly
        # template (the default template is written for daily data).
        month = "%04d-%02d" % (y, m)
        got = wait_for(lambda: [x for x in reports(token) if x["report_type"] == "monthly"],
                       timeout=15)
        self.assertTrue(got, "no automatic monthly report; log:\n" + srv.log_tail())
        self.assertEqual([(x["date"], x["month"], x["year"]) for x in got], [(month, m, y)])
        self.assertTrue(got[0]["content"].startswith("# Monthly Report: %s %d\n"
                                                     % (mid_month.strftime("%B"), y)))
        self.assertIsNone(got[0]["template_id"])
        state = db_query(srv.db_path, "SELECT last_daily, last_monthly FROM report_auto_state "
                         "WHERE user_id = ?", (user["id"],))
        self.assertEqual(state, [{"last_daily": today, "last_monthly": month}])
        self.assertTrue(srv.wait_log(lambda l: "report auto pass type=daily" in l and
                                     "generated=1" in l))
        srv.stop(cleanup=False)
        before = db_query(srv.db_path, "SELECT id, created_at, content FROM reports")
        # A restart the same day repeats nothing.
        srv2 = Server(env=env, tmpdir=setup.tmpdir, jwt_secret=setup.jwt_secret,
                      encryption_key=setup.encryption_key)
        self.addCleanup(srv2.stop)
        self.assertTrue(srv2.wait_log(lambda l: "report auto-generation started" in l))
        time.sleep(2.0)
        after = db_query(srv2.db_path, "SELECT id, created_at, content FROM reports")
        self.assertEqual(after, before)
        # The log is shared by the three runs: only the first generated.
        self.assertEqual(srv2.log_text().count("report auto pass type=daily"), 1)
        self.assertEqual(srv2.log_text().count("report auto pass type=monthly"), 1)


class UploadTest(PdtTestCase):
    def setUp(self):
        self.s3 = FakeS3(access_key="AKIDPDTTEST", secret="right-secret-value", region="auto",
                         bucket="reports")
        self.s3.start()
        self.addCleanup(self.s3.stop)

    def env(self, secret, **kw):
        e = {"REPORT_AUTO_GENERATE": "false", "S3_ENDPOINT": self.s3.base_url,
             "R2_ACCESS_KEY_ID": "AKIDPDTTEST", "R2_SECRET_ACCESS_KEY": secret,
             "R2_BUCKET_NAME": "reports"}
        e.update(kw)
        return e

    def test_wrong_secret_keeps_report_without_url(self):
        srv = self.start_server(env=self.env("wrong-secret-value"))
        token, user, app, lib = new_user(srv, "up")
        seed_day(srv, user, app, lib, token, "up-wrong")
        r = srv.request("POST", "/api/reports/generate", {"date": "2026-03-02"}, token=token)
        self.assertStatus(r, 201)
        self.assertEqual(r.body["file_url"], "")
        self.assertEqual([(e["status"], e["code"]) for e in self.s3.log],
                         [(403, "SignatureDoesNotMatch")])
        self.assertEqual(self.s3.objects, {})
        line = srv.wait_log(lambda l: "report upload failed" in l)
        self.assertIsNotNone(line)
        self.assertIn("SignatureDoesNotMatch", line)
        self.assertNotIn("wrong-secret-value", srv.log_text())
        got = srv.request("GET", "/api/reports/%d" % r.body["id"], token=token).body
        self.assertEqual(got["file_url"], "")

    def test_right_secret_stores_object_and_sets_url(self):
        srv = self.start_server(env=self.env("right-secret-value",
                                             R2_PUBLIC_DOMAIN="reports.example.com"))
        token, user, app, lib = new_user(srv, "up")
        seed_day(srv, user, app, lib, token, "up-right")
        r = srv.request("POST", "/api/reports/generate", {"date": "2026-03-02"}, token=token)
        self.assertStatus(r, 201)
        key = "reports/%d/2026-03-02.md" % user["id"]
        self.assertEqual(r.body["file_url"], "https://reports.example.com/" + key)
        self.assertEqual(list(self.s3.objects), [key])
        obj = self.s3.objects[key]
        self.assertEqual(obj["body"].decode("utf-8"), r.body["content"])
        self.assertEqual(obj["content_type"], "text/markdown; charset=utf-8")
        got = srv.request("GET", "/api/reports/%d" % r.body["id"], token=token).body
        self.assertEqual(got["file_url"], r.body["file_url"])
        r = srv.request("POST", "/api/reports/generate/monthly", {"month": 3, "year": 2026},
                        token=token)
        self.assertStatus(r, 201)
        mkey = "reports/%d/monthly-2026-03.md" % user["id"]
        self.assertEqual(r.body["file_url"], "https://reports.example.com/" + mkey)
        self.assertEqual(self.s3.objects[mkey]["body"].decode("utf-8"), r.body["content"])
        self.assertEqual([e["status"] for e in self.s3.log], [200, 200])


if __name__ == "__main__":
    unittest.main()
