/* Unit tests for core/jirakey: [A-Z][A-Z0-9]+-[0-9]+ on the first line, Go semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/jirakey.h"

static const struct {
	const char *msg;
	const char *key; /* NULL: no match */
} cases[] = {
	{"PROJ-123 fix the thing", "PROJ-123"},
	{"fix the thing PROJ-123", "PROJ-123"},
	{"xPROJ-12", "PROJ-12"},
	{"[ABC-1] message", "ABC-1"},
	{"feat(OPS-42): x", "OPS-42"},
	{"AB1-2", "AB1-2"},
	{"1AB-2", "AB-2"},
	{"ABC-12 and DEF-34", "ABC-12"},
	{"ABC-DEF-12", "DEF-12"},
	{"PROJ-12abc", "PROJ-12"},
	{"PROJ-1\r\nsecond line", "PROJ-1"},
	{"A2-0", "A2-0"},
	{"merge branch 'feature/PROJ-77-thing'", "PROJ-77"},
	{"A-1", NULL},
	{"AB-", NULL},
	{"AB-x", NULL},
	{"proj-123", NULL},
	{"Proj-123", NULL},
	{"ABC--1", NULL},
	{"", NULL},
	{"no key here", NULL},
	{"first line\nPROJ-1 on the second", NULL},
	{"\nPROJ-1", NULL},
	{"\xc3\x84" "B-1", NULL},
	{"AB\xc3\x84-1", NULL},
	{"-12 AB 12", NULL},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[JIRAKEY_MAX] = "garbage";
		bool found = jirakey_extract(cases[i].msg, out);
		const char *want = cases[i].key ? cases[i].key : "";
		if (found != (cases[i].key != NULL) || strcmp(out, want) != 0)
			fail_msg("\"%s\": found=%d out=\"%s\" want \"%s\"", cases[i].msg, found, out,
				 want);
	}
}

static void test_null(void **state)
{
	(void)state;
	char out[JIRAKEY_MAX] = "garbage";
	assert_false(jirakey_extract(NULL, out));
	assert_string_equal(out, "");
}

/* A 63-byte match fits; a 64-byte one is skipped and the search resumes after it. */
static void test_length_limit(void **state)
{
	(void)state;
	char msg[256], out[JIRAKEY_MAX];
	memset(msg, 'A', 61);
	memcpy(msg + 61, "-1", 3); /* 63 bytes */
	assert_true(jirakey_extract(msg, out));
	assert_int_equal(strlen(out), JIRAKEY_MAX - 1);
	memset(msg, 'A', 62);
	memcpy(msg + 62, "-1", 3); /* 64 bytes */
	assert_false(jirakey_extract(msg, out));
	assert_string_equal(out, "");
	memcpy(msg + 62, "-1 then XY-9", 13);
	assert_true(jirakey_extract(msg, out));
	assert_string_equal(out, "XY-9");
	memset(msg, 'A', 10);
	memset(msg + 10, '7', 1);
	memcpy(msg + 11, "-", 1);
	memset(msg + 12, '9', 60);
	msg[72] = '\0';
	assert_false(jirakey_extract(msg, out));
}

/* Long runs of near-matches must stay linear (no quadratic rescans). */
static void test_linear(void **state)
{
	(void)state;
	size_t n = 8u << 20;
	char *msg = malloc(n + 16);
	assert_non_null(msg);
	memset(msg, 'A', n);
	memcpy(msg + n, "-x ZZ-5", 8);
	char out[JIRAKEY_MAX];
	assert_true(jirakey_extract(msg, out));
	assert_string_equal(out, "ZZ-5");
	for (size_t i = 0; i + 3 < n; i += 3)
		memcpy(msg + i, "AB-", 3);
	memcpy(msg + n, "\0", 1);
	assert_false(jirakey_extract(msg, out));
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
