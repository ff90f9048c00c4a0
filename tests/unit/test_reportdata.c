/* Unit tests for report/data (message cutting, key order, grouping, the
 * daily and monthly objects), report/tz and the auto-generation's due
 * periods (worker/autoreport). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/timeutil.h"
#include "report/data.h"
#include "report/tz.h"
#include "worker/autoreport.h"

static void test_message_cut(void **state)
{
	(void)state;
	char long81[82], want[81];
	memset(long81, 'a', 81);
	long81[81] = '\0';
	memset(want, 'a', 77);
	memcpy(want + 77, "...", 4);
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"fix: the thing", "fix: the thing"},
		{"first line\nsecond line", "first line"},
		{"windows line\r\nnext", "windows line"},
		{"", ""},
		{"\nonly second", ""},
		{"bad \xff byte", "bad \xef\xbf\xbd byte"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = reportdata_message(cases[i].in);
		assert_string_equal(got, cases[i].out);
		free(got);
	}
	char *got = reportdata_message(long81);
	assert_string_equal(got, want);
	free(got);
	long81[80] = '\0'; /* exactly 80: kept whole */
	got = reportdata_message(long81);
	assert_string_equal(got, long81);
	free(got);
	/* Characters, not bytes: 81 two-byte characters keep 77 of them. */
	char wide[81 * 2 + 1], wide_want[77 * 2 + 4];
	for (int i = 0; i < 81; i++)
		memcpy(wide + 2 * i, "\xc3\xa9", 2);
	wide[162] = '\0';
	memcpy(wide_want, wide, 154);
	memcpy(wide_want + 154, "...", 4);
	got = reportdata_message(wide);
	assert_string_equal(got, wide_want);
	free(got);
}

static void test_key_order(void **state)
{
	(void)state;
	assert_true(reportdata_key_cmp("PROJ-2", "PROJ-10") < 0);
	assert_true(reportdata_key_cmp("PROJ-10", "PROJ-2") > 0);
	assert_true(reportdata_key_cmp("ABC-99", "PROJ-1") < 0);
	assert_true(reportdata_key_cmp("AB-5", "ABC-1") < 0);
	assert_int_equal(reportdata_key_cmp("OPS-7", "OPS-7"), 0);
	assert_true(reportdata_key_cmp("odd", "PROJ-1") > 0);
}

static void test_format_date(void **state)
{
	(void)state;
	char out[64];
	reportdata_format_date(2006, 1, 2, out, sizeof out);
	assert_string_equal(out, "Monday, 02 January 2006");
	reportdata_format_date(2026, 2, 28, out, sizeof out);
	assert_string_equal(out, "Saturday, 28 February 2026");
	reportdata_format_date(2024, 2, 29, out, sizeof out);
	assert_string_equal(out, "Thursday, 29 February 2024");
}

static void add(store_report_source *src, int64_t id, const char *sha, const char *msg,
		const char *repo_name, const char *key, int64_t date)
{
	store_report_commit c = {.id = id, .sha = sha, .message = msg, .branch = "main",
				 .repo_owner = "octo", .repo_name = repo_name,
				 .jira_card_key = key, .date = date};
	src->commit(&c, src->ctx);
}

/* Commits grouped by extracted key and manual links, cards in natural key
 * order, unlinked apart, repositories sorted. */
static void test_daily_grouping(void **state)
{
	(void)state;
	assert_int_equal(reporttz_init("UTC"), PDT_OK);
	int64_t day = timeutil_days_from_civil(2026, 3, 2) * 86400;
	reportdata *d = reportdata_new("ada@example.com");
	store_report_source src = reportdata_source(d);
	add(&src, 10, "aaaaaaaaaaaa", "PROJ-10: later card", "zeta", "PROJ-10", day + 3600);
	add(&src, 11, "bbbbbbbbbbbb", "PROJ-2: first", "alpha", "PROJ-2", day + 7200);
	add(&src, 12, "cccccccccccc", "no key here\nbody", "alpha", "", day + 9000);
	add(&src, 13, "dddddddddddd", "linked by hand", "alpha", "", day + 9600);
	add(&src, 14, "eeeeeeeeeeee", "PROJ-2 again", "alpha", "PROJ-2", day + 10000);
	src.link(13, "PROJ-10", src.ctx);
	src.link(14, "OPS-1", src.ctx);
	src.link(14, "PROJ-2", src.ctx); /* same as extracted: listed once */
	src.link(999, "PROJ-3", src.ctx); /* not a commit of the range: ignored */
	src.card("OPS-1", "Ops card", "Done", src.ctx);
	src.card("PROJ-10", "Ten", "In Progress", src.ctx);
	src.card("PROJ-2", "Two", "To Do", src.ctx);
	json_t *o = reportdata_daily_json(d, 2026, 3, 2);
	char *text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	const char *want =
		"{\"Author\":\"ada@example.com\",\"Cards\":["
		"{\"Commits\":[{\"Branch\":\"main\",\"Date\":\"2026-03-02\",\"Message\":\"PROJ-2 again\","
		"\"Repo\":\"octo/alpha\",\"SHA\":\"eeeeeeee\",\"Time\":\"02:46\"}],"
		"\"Key\":\"OPS-1\",\"Status\":\"Done\",\"Summary\":\"Ops card\"},"
		"{\"Commits\":[{\"Branch\":\"main\",\"Date\":\"2026-03-02\",\"Message\":\"PROJ-2: first\","
		"\"Repo\":\"octo/alpha\",\"SHA\":\"bbbbbbbb\",\"Time\":\"02:00\"},"
		"{\"Branch\":\"main\",\"Date\":\"2026-03-02\",\"Message\":\"PROJ-2 again\","
		"\"Repo\":\"octo/alpha\",\"SHA\":\"eeeeeeee\",\"Time\":\"02:46\"}],"
		"\"Key\":\"PROJ-2\",\"Status\":\"To Do\",\"Summary\":\"Two\"},"
		"{\"Commits\":[{\"Branch\":\"main\",\"Date\":\"2026-03-02\",\"Message\":\"PROJ-10: later card\","
		"\"Repo\":\"octo/zeta\",\"SHA\":\"aaaaaaaa\",\"Time\":\"01:00\"},"
		"{\"Branch\":\"main\",\"Date\":\"2026-03-02\",\"Message\":\"linked by hand\","
		"\"Repo\":\"octo/alpha\",\"SHA\":\"dddddddd\",\"Time\":\"02:40\"}],"
		"\"Key\":\"PROJ-10\",\"Status\":\"In Progress\",\"Summary\":\"Ten\"}],"
		"\"Date\":\"2026-03-02\",\"DateFormatted\":\"Monday, 02 March 2026\","
		"\"Stats\":{\"Repos\":[\"octo/alpha\",\"octo/zeta\"],\"TotalCards\":3,\"TotalCommits\":5},"
		"\"UnlinkedCommits\":[{\"Branch\":\"main\",\"Date\":\"2026-03-02\",\"Message\":\"no key here\","
		"\"Repo\":\"octo/alpha\",\"SHA\":\"cccccccc\",\"Time\":\"02:30\"}]}";
	assert_string_equal(text, want);
	free(text);
	json_decref(o);
	reportdata_free(d);
}

/* Monthly: totals, Monday weeks cut at the month, top cards by count, days. */
static void test_monthly(void **state)
{
	(void)state;
	assert_int_equal(reporttz_init("UTC"), PDT_OK);
	int64_t mar1 = timeutil_days_from_civil(2026, 3, 1) * 86400; /* a Sunday */
	reportdata *d = reportdata_new("ada@example.com");
	store_report_source src = reportdata_source(d);
	add(&src, 1, "a1", "PROJ-1 a", "app", "PROJ-1", mar1 + 100);
	add(&src, 2, "a2", "PROJ-2 b", "app", "PROJ-2", mar1 + 86400 + 100);
	add(&src, 3, "a3", "PROJ-2 c", "lib", "PROJ-2", mar1 + 86400 + 200);
	add(&src, 4, "a4", "plain", "lib", "", mar1 + 30 * 86400 + 5);
	add(&src, 5, "a5", "PROJ-2 d", "lib", "PROJ-2", mar1 + 30 * 86400 + 6);
	src.card("PROJ-1", "One", "Closed", src.ctx);
	src.card("PROJ-2", "Two", "In Progress", src.ctx);
	json_t *o = reportdata_monthly_json(d, 2026, 3);
	assert_int_equal(json_integer_value(json_object_get(o, "TotalCommits")), 5);
	assert_int_equal(json_integer_value(json_object_get(o, "TotalCards")), 2);
	assert_int_equal(json_integer_value(json_object_get(o, "CardsCompleted")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "CardsInProgress")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "MonthName")), "March");
	char *w = json_dumps(json_object_get(o, "WeeklyBreakdown"), JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(w,
		"[{\"Cards\":1,\"Commits\":1,\"EndDate\":\"2026-03-01\",\"StartDate\":\"2026-03-01\",\"Week\":1},"
		"{\"Cards\":1,\"Commits\":2,\"EndDate\":\"2026-03-08\",\"StartDate\":\"2026-03-02\",\"Week\":2},"
		"{\"Cards\":0,\"Commits\":0,\"EndDate\":\"2026-03-15\",\"StartDate\":\"2026-03-09\",\"Week\":3},"
		"{\"Cards\":0,\"Commits\":0,\"EndDate\":\"2026-03-22\",\"StartDate\":\"2026-03-16\",\"Week\":4},"
		"{\"Cards\":0,\"Commits\":0,\"EndDate\":\"2026-03-29\",\"StartDate\":\"2026-03-23\",\"Week\":5},"
		"{\"Cards\":1,\"Commits\":2,\"EndDate\":\"2026-03-31\",\"StartDate\":\"2026-03-30\",\"Week\":6}]");
	free(w);
	char *r = json_dumps(json_object_get(o, "RepoBreakdown"), JSON_COMPACT);
	assert_string_equal(r, "[{\"Repo\":\"octo/lib\",\"Commits\":3},{\"Repo\":\"octo/app\",\"Commits\":2}]");
	free(r);
	char *t = json_dumps(json_object_get(o, "TopCards"), JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(t, "[{\"Commits\":3,\"Key\":\"PROJ-2\",\"Status\":\"In Progress\",\"Summary\":\"Two\"},"
			       "{\"Commits\":1,\"Key\":\"PROJ-1\",\"Status\":\"Closed\",\"Summary\":\"One\"}]");
	free(t);
	json_t *days = json_object_get(o, "DailyReports");
	assert_int_equal(json_array_size(days), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(days, 2), "Date")),
			    "2026-03-31");
	json_t *st = json_object_get(json_array_get(days, 1), "Stats");
	assert_int_equal(json_integer_value(json_object_get(st, "TotalCommits")), 2);
	json_decref(o);
	reportdata_free(d);
}

/* Day boundaries follow the zone: 2026-03-02 in Tokyo is 03-01 15:00Z to 03-02 15:00Z. */
static void test_zone_days(void **state)
{
	(void)state;
	assert_false(reporttz_valid("../etc/passwd"));
	assert_false(reporttz_valid("Nowhere/City"));
	assert_false(reporttz_valid(""));
	assert_true(reporttz_valid("UTC"));
	if (!reporttz_valid("Asia/Tokyo"))
		skip(); /* no tzdata on this machine */
	assert_int_equal(reporttz_init("Asia/Tokyo"), PDT_OK);
	int64_t start = reporttz_day_start(2026, 3, 2);
	assert_int_equal(start, timeutil_days_from_civil(2026, 3, 1) * 86400 + 15 * 3600);
	assert_int_equal(reporttz_day_start(2026, 3, 32), timeutil_days_from_civil(2026, 3, 31) * 86400 + 15 * 3600);
	reporttz_tm t;
	reporttz_local(start - 1, &t);
	assert_int_equal(t.day, 1);
	assert_int_equal(t.hour, 23);
	reporttz_local(start, &t);
	assert_int_equal(t.day, 2);
	assert_int_equal(t.hour, 0);
	if (reporttz_valid("Europe/Berlin")) { /* DST: 2026-03-29 has 23 hours */
		assert_int_equal(reporttz_init("Europe/Berlin"), PDT_OK);
		assert_int_equal(reporttz_day_start(2026, 3, 30) - reporttz_day_start(2026, 3, 29), 23 * 3600);
	}
	assert_int_equal(reporttz_init("UTC"), PDT_OK);
}

static void test_due_periods(void **state)
{
	(void)state;
	int y, m, d;
	reporttz_tm t = {.year = 2026, .month = 3, .day = 1, .hour = 22, .min = 59};
	autoreport_due_day(&t, 23 * 60, &y, &m, &d);
	assert_true(y == 2026 && m == 2 && d == 28); /* before 23:00: yesterday */
	t.hour = 23;
	t.min = 0;
	autoreport_due_day(&t, 23 * 60, &y, &m, &d);
	assert_true(y == 2026 && m == 3 && d == 1);
	t = (reporttz_tm){.year = 2026, .month = 1, .day = 1, .hour = 7, .min = 59};
	autoreport_due_day(&t, 23 * 60, &y, &m, &d);
	assert_true(y == 2025 && m == 12 && d == 31);
	autoreport_due_month(&t, 8 * 60, &y, &m); /* 1st before 08:00: November's */
	assert_true(y == 2025 && m == 11);
	t.hour = 8;
	t.min = 0;
	autoreport_due_month(&t, 8 * 60, &y, &m);
	assert_true(y == 2025 && m == 12);
	t.day = 17;
	t.hour = 0;
	autoreport_due_month(&t, 8 * 60, &y, &m);
	assert_true(y == 2025 && m == 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message_cut),  cmocka_unit_test(test_key_order),
		cmocka_unit_test(test_format_date),  cmocka_unit_test(test_daily_grouping),
		cmocka_unit_test(test_monthly),      cmocka_unit_test(test_zone_days),
		cmocka_unit_test(test_due_periods),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
