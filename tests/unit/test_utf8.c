/* Unit tests for core/utf8: text cut to fit must stay valid UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/utf8.h"

static void test_valid_text_whole(void **state)
{
	(void)state;
	const char *s[] = {"", "plain ascii", "caf\xc3\xa9", "\xe2\x82\xac 10", "\xf0\x9f\x98\x80",
			   "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf"};
	for (size_t i = 0; i < sizeof s / sizeof *s; i++)
		assert_int_equal(utf8_valid_prefix(s[i], strlen(s[i])), strlen(s[i]));
}

static void test_stops_before_bad_sequences(void **state)
{
	(void)state;
	const struct { const char *s; size_t want; } c[] = {
		{"ab\xc3", 2},            /* cut inside a 2-byte character */
		{"ab\xe2\x82", 2},        /* cut inside a 3-byte character */
		{"a\xf0\x9f\x98", 1},     /* cut inside a 4-byte character */
		{"a\x80z", 1},            /* lone continuation byte */
		{"a\xc0\xafz", 1},        /* overlong '/' */
		{"a\xe0\x80\xafz", 1},    /* overlong, 3 bytes */
		{"a\xed\xa0\x80z", 1},    /* surrogate U+D800 */
		{"a\xf4\x90\x80\x80z", 1}, /* above U+10FFFF */
		{"a\xf5\x80\x80\x80z", 1},
		{"a\xc3(z", 1},           /* lead byte without continuation */
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++)
		assert_int_equal(utf8_valid_prefix(c[i].s, strlen(c[i].s)), c[i].want);
}

static void test_fit_never_splits(void **state)
{
	(void)state;
	const char *s = "\xc3\xa9\xc3\xa9\xe2\x82\xac"; /* é é € : 2 + 2 + 3 bytes */
	assert_int_equal(utf8_fit(s, 0), 0);
	assert_int_equal(utf8_fit(s, 1), 0);
	assert_int_equal(utf8_fit(s, 3), 2);
	assert_int_equal(utf8_fit(s, 4), 4);
	assert_int_equal(utf8_fit(s, 6), 4);
	assert_int_equal(utf8_fit(s, 7), 7);
	assert_int_equal(utf8_fit(s, 100), 7);
}

/* What snprintf leaves after cutting a message of 'é's anywhere: the valid
 * prefix is accepted by jansson, and it is all that was cut off. */
static void test_snprintf_cuts_repaired(void **state)
{
	(void)state;
	char msg[64];
	for (size_t cap = 1; cap <= sizeof msg; cap++) {
		snprintf(msg, cap, "x%s", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
					  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
		size_t n = utf8_valid_prefix(msg, strlen(msg));
		json_t *j = json_stringn(msg, n);
		assert_non_null(j);
		json_decref(j);
		assert_true(strlen(msg) - n <= 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_text_whole),
		cmocka_unit_test(test_stops_before_bad_sequences),
		cmocka_unit_test(test_fit_never_splits),
		cmocka_unit_test(test_snprintf_cuts_repaired),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
