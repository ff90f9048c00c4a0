/* Unit tests for core/timeutil: Go durations and RFC 3339 without the process TZ. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/timeutil.h"

#define NS INT64_C(1)
#define US (1000 * NS)
#define MS (1000 * US)
#define SEC (1000 * MS)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

static const struct {
	const char *in;
	int64_t ns;
} good_durations[] = {
	{"0", 0},
	{"+0", 0},
	{"-0", 0},
	{"5s", 5 * SEC},
	{"30s", 30 * SEC},
	{"1478s", 1478 * SEC},
	{"-5s", -5 * SEC},
	{"+5s", 5 * SEC},
	{"-0s", 0},
	{"+0s", 0},
	{"5.0s", 5 * SEC},
	{"5.6s", 5 * SEC + 600 * MS},
	{"5.s", 5 * SEC},
	{".5s", 500 * MS},
	{"1.0s", 1 * SEC},
	{"1.00s", 1 * SEC},
	{"1.004s", 1 * SEC + 4 * MS},
	{"1.0040s", 1 * SEC + 4 * MS},
	{"100.00100s", 100 * SEC + 1 * MS},
	{"10ns", 10 * NS},
	{"11us", 11 * US},
	{"12\xc2\xb5s", 12 * US}, /* micro sign */
	{"12\xce\xbcs", 12 * US}, /* Greek mu */
	{"1\xc2\xb5s", 1 * US},
	{"13ms", 13 * MS},
	{"500ms", 500 * MS},
	{"14s", 14 * SEC},
	{"15m", 15 * MIN},
	{"16h", 16 * HOUR},
	{"1h30m", 5400 * SEC},
	{"3h30m", 3 * HOUR + 30 * MIN},
	{"1.5h", 90 * MIN},
	{"-1m", -1 * MIN},
	{"10.5s4m", 4 * MIN + 10 * SEC + 500 * MS},
	{"-2m3.4s", -(2 * MIN + 3 * SEC + 400 * MS)},
	{"1h2m3s4ms5us6ns", 1 * HOUR + 2 * MIN + 3 * SEC + 4 * MS + 5 * US + 6 * NS},
	{"39h9m14.425s", 39 * HOUR + 9 * MIN + 14 * SEC + 425 * MS},
	{"52763797000ns", 52763797000 * NS},
	{"0.3333333333333333333h", 20 * MIN},
	{"9007199254740993ns", INT64_C(9007199254740993)},
	{"9223372036854775807ns", INT64_MAX},
	{"9223372036854775.807us", INT64_MAX},
	{"9223372036s854ms775us807ns", INT64_MAX},
	{"-9223372036854775808ns", INT64_MIN},
	{"-9223372036854775807ns", -INT64_MAX},
	{"0.100000000000000000000h", 6 * MIN},
	{"0.830103483285477580700h", 49 * MIN + 48 * SEC + 372539827 * NS},
	{"90s", 90 * SEC},
};

static const char *bad_durations[] = {
	"", "1", "abc", "1x", "1h30", "--1s", "9999999999h", "3", "-", "+", "s", ".", "-.",
	".s", "+.s", "1d", "\x85\x85", "\xff" "ff", "hello \xff" "ff world", " 1s", "1s ",
	"1 s", "1S", "1H", "1.2.3s", "-+1s", "+-1s", "00", "1e3s",
	"9223372036854775808ns", "9223372036854775.808us", "9223372036854ms775us808ns",
	"-9223372036854775809ns", "2562048h", "9223372036s854ms775us808ns", "99999999999999999999s",
};

static void test_duration_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof good_durations / sizeof good_durations[0]; i++) {
		int64_t ns = 12345;
		pdt_err rc = timeutil_parse_duration(good_durations[i].in, &ns);
		if (rc != PDT_OK || ns != good_durations[i].ns)
			fail_msg("%s: rc=%d got %lld want %lld", good_durations[i].in, rc,
				 (long long)ns, (long long)good_durations[i].ns);
	}
}

static void test_duration_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_durations / sizeof bad_durations[0]; i++) {
		int64_t ns = 0;
		if (timeutil_parse_duration(bad_durations[i], &ns) != PDT_EINVAL)
			fail_msg("accepted bad duration \"%s\" as %lld", bad_durations[i],
				 (long long)ns);
	}
	int64_t ns = 0;
	assert_int_equal(timeutil_parse_duration(NULL, &ns), PDT_EINVAL);
}

static void test_format(void **state)
{
	(void)state;
	char out[TIMEUTIL_RFC3339_LEN];
	timeutil_format_rfc3339(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	timeutil_format_rfc3339(1771460100, out);
	assert_string_equal(out, "2026-02-19T00:15:00Z");
	timeutil_format_rfc3339(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	timeutil_format_rfc3339(1709208000, out);
	assert_string_equal(out, "2024-02-29T12:00:00Z");
	timeutil_format_rfc3339(INT64_C(253402300799), out);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	timeutil_format_rfc3339(INT64_MAX, out);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	timeutil_format_rfc3339(INT64_MIN, out);
	assert_string_equal(out, "0000-01-01T00:00:00Z");
}

static const struct {
	const char *in;
	int64_t unix_s;
} good_times[] = {
	{"2026-02-19T00:15:00Z", 1771460100},
	{"2026-02-19t00:15:00z", 1771460100},
	{"2026-02-18T14:30:00+01:00", 1771421400},
	{"2026-02-18T14:30:00.000+0100", 1771421400},
	{"2026-02-18T14:30:00.123456789+01:00", 1771421400},
	{"2026-02-18T14:30:00.9Z", 1771421400 + 3600},
	{"2026-02-18T14:30:00.000000000000000000001Z", 1771421400 + 3600},
	{"2026-02-18T14:30:00-05:30", 1771444800},
	{"2026-02-18T14:30:00-0530", 1771444800},
	{"2026-02-18T14:30:00+00:00", 1771421400 + 3600},
	{"2026-02-18T14:30:00-00:00", 1771421400 + 3600},
	{"2024-02-29T12:00:00Z", 1709208000},
	{"2000-02-29T00:00:00Z", 951782400},
	{"1969-12-31T23:59:59Z", -1},
	{"1970-01-01T00:00:00Z", 0},
	{"0001-01-01T00:00:00Z", INT64_C(-62135596800)},
	{"9999-12-31T23:59:59Z", INT64_C(253402300799)},
	{"2026-01-01T00:30:00+01:00", INT64_C(1767223800)},
};

static const char *bad_times[] = {
	"",
	"2026-02-19",
	"2026-02-19T00:15:00",          /* no zone */
	"2026-13-01T00:00:00Z",         /* month */
	"2026-00-01T00:00:00Z",
	"2026-01-32T00:00:00Z",         /* day */
	"2026-01-00T00:00:00Z",
	"2026-04-31T00:00:00Z",
	"2026-02-29T00:00:00Z",         /* not a leap year */
	"1900-02-29T00:00:00Z",
	"2026-02-30T00:00:00Z",
	"2026-02-19T24:00:00Z",         /* hour */
	"2026-02-19T00:60:00Z",         /* minute */
	"2026-02-19T00:00:60Z",         /* leap second */
	"2026-02-19 00:15:00Z",
	"2026-02-19T00:15:00ZZ",
	"2026-02-19T00:15:00Z ",
	"2026-02-19T00:15:00.Z",        /* empty fraction */
	"2026-02-19T00:15:00+24:00",
	"2026-02-19T00:15:00+01:60",
	"2026-02-19T00:15:00+1:00",
	"2026-02-19T00:15:00+01",
	"2026-02-19T00:15:00+01:000",
	"2026-02-19T00:15:00+01:0",
	"2026-2-19T00:15:00Z",
	"20260-02-19T00:15:00Z",
	"-2026-02-19T00:15:00Z",
	"2026-02-19T0:15:00Z",
	"2026-02-19T00:15Z",
	"+026-02-19T00:15:00Z",
	"2026-02-19T00:15:00,5Z",
	"2026-02-19T00:15:00UTC",
};

static void test_parse_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof good_times / sizeof good_times[0]; i++) {
		int64_t t = 42;
		pdt_err rc = timeutil_parse_rfc3339(good_times[i].in, &t);
		if (rc != PDT_OK || t != good_times[i].unix_s)
			fail_msg("%s: rc=%d got %lld want %lld", good_times[i].in, rc,
				 (long long)t, (long long)good_times[i].unix_s);
	}
}

static void test_parse_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++) {
		int64_t t = 0;
		if (timeutil_parse_rfc3339(bad_times[i], &t) != PDT_EINVAL)
			fail_msg("accepted bad time \"%s\" as %lld", bad_times[i], (long long)t);
	}
	int64_t t = 0;
	assert_int_equal(timeutil_parse_rfc3339(NULL, &t), PDT_EINVAL);
}

/* format -> parse is the identity; and format agrees with gmtime_r. */
static void test_round_trip(void **state)
{
	(void)state;
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t t = (int64_t)(x % UINT64_C(253402300800)) - INT64_C(62135596800);
		char s[TIMEUTIL_RFC3339_LEN];
		timeutil_format_rfc3339(t, s);
		int64_t back = 0;
		assert_int_equal(timeutil_parse_rfc3339(s, &back), PDT_OK);
		assert_int_equal(back, t);
		time_t tt = (time_t)t;
		struct tm tm;
		assert_non_null(gmtime_r(&tt, &tm));
		char ref[64];
		snprintf(ref, sizeof ref, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		assert_string_equal(s, ref);
	}
}

static void test_days_from_civil(void **state)
{
	(void)state;
	assert_int_equal(timeutil_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(timeutil_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(timeutil_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(timeutil_days_from_civil(2024, 2, 29), 19782);
	assert_int_equal(timeutil_days_from_civil(0, 1, 1), -719528);
}

/* Nothing changes when the process runs in another zone. */
static void test_tz_independent(void **state)
{
	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	char s[TIMEUTIL_RFC3339_LEN];
	timeutil_format_rfc3339(1771460100, s);
	assert_string_equal(s, "2026-02-19T00:15:00Z");
	int64_t t = 0;
	assert_int_equal(timeutil_parse_rfc3339("2026-02-18T14:30:00+01:00", &t), PDT_OK);
	assert_int_equal(t, 1771421400);
	assert_int_equal(timeutil_parse_rfc3339("2026-07-01T12:00:00Z", &t), PDT_OK);
	assert_int_equal(t, INT64_C(1782907200));
	test_parse_good(state);
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	test_parse_good(state);
	test_format(state);
	unsetenv("TZ");
	tzset();
}

static void test_clocks(void **state)
{
	(void)state;
	int64_t now = timeutil_now();
	assert_true(now > 1700000000);
	int64_t a = timeutil_mono_ms();
	int64_t b = timeutil_mono_ms();
	assert_true(a > 0);
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_good),
		cmocka_unit_test(test_duration_bad),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_tz_independent),
		cmocka_unit_test(test_clocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
