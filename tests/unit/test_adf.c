/* Unit tests for upstream/adf: Atlassian Document Format (and v2 text) to
 * plain text — blocks on their own lines, lists, code kept, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "upstream/adf.h"
#include "core/banned.h"

/* adf_to_text of the JSON text in, compared with want. */
static void check(const char *in, size_t max, const char *want)
{
	json_error_t e;
	json_t *v = json_loads(in, JSON_DECODE_ANY, &e);
	assert_non_null(v);
	char *got = adf_to_text(v, max);
	assert_string_equal(got, want);
	free(got);
	json_decref(v);
}

#define P(text) "{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"" text "\"}]}"
#define DOC(x) "{\"type\":\"doc\",\"version\":1,\"content\":[" x "]}"
#define C ","
#define LI(x) "{\"type\":\"listItem\",\"content\":[" x "]}"

static void test_strings_and_nothing(void **state)
{
	(void)state;
	check("\"wiki *text*\\nline two\\n\\n\"", ADF_TEXT_MAX, "wiki *text*\nline two");
	check("null", ADF_TEXT_MAX, "");
	check("42", ADF_TEXT_MAX, "");
	check("[1,2]", ADF_TEXT_MAX, "");
	check("{}", ADF_TEXT_MAX, "");
	check(DOC(""), ADF_TEXT_MAX, "");
}

static void test_paragraphs_and_inline(void **state)
{
	(void)state;
	check(DOC(P("one") C P("two") C
		  "{\"type\":\"heading\",\"attrs\":{\"level\":1},\"content\":[{\"type\":\"text\","
		  "\"text\":\"Head\"}]}" C
		  "{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
		  "{\"type\":\"hardBreak\"},{\"type\":\"mention\",\"attrs\":{\"text\":\"@Bo\"}},"
		  "{\"type\":\"text\",\"text\":\" \"},{\"type\":\"emoji\",\"attrs\":"
		  "{\"shortName\":\":x:\"}},{\"type\":\"inlineCard\",\"attrs\":{\"url\":\"u\"}}]}"
		  C "{\"type\":\"rule\"}" C P("end")),
	      ADF_TEXT_MAX, "one\ntwo\nHead\na\n@Bo :x:u\n---\nend");
}

static void test_lists(void **state)
{
	(void)state;
	check(DOC("{\"type\":\"bulletList\",\"content\":["
		  LI(P("a") C "{\"type\":\"orderedList\",\"attrs\":{\"order\":7},\"content\":["
		     LI(P("b")) "," LI(P("c") C P("c2")) "]}")
		  "," LI(P("d")) "]}" C
		  "{\"type\":\"orderedList\",\"content\":[" LI(P("x")) "," LI("") "]}"),
	      ADF_TEXT_MAX, "- a\n  7. b\n  8. c\nc2\n- d\n1. x\n2.");
}

static void test_code_blocks_kept(void **state)
{
	(void)state;
	check(DOC(P("before") C
		  "{\"type\":\"codeBlock\",\"attrs\":{\"language\":\"sh\"},\"content\":[{\"type\":"
		  "\"text\",\"text\":\"if x; then\\n    y   \\nfi\"}]}" C
		  P("after")),
	      ADF_TEXT_MAX, "before\nif x; then\n    y   \nfi\nafter");
}

static void test_tables_quotes_unknown(void **state)
{
	(void)state;
	check(DOC("{\"type\":\"table\",\"content\":[{\"type\":\"tableRow\",\"content\":["
		  "{\"type\":\"tableHeader\",\"content\":[" P("h1") "]},"
		  "{\"type\":\"tableHeader\",\"content\":[" P("h2") "]}]},"
		  "{\"type\":\"tableRow\",\"content\":["
		  "{\"type\":\"tableCell\",\"content\":[" P("v1") "]},"
		  "{\"type\":\"tableCell\",\"content\":[" P("v2") "]}]}]}" C
		  "{\"type\":\"blockquote\",\"content\":[" P("q") "]}" C
		  "{\"type\":\"futureNode\",\"content\":[{\"type\":\"text\",\"text\":\"kept\"}]}"),
	      ADF_TEXT_MAX, "h1 | h2\nv1 | v2\nq\nkept");
}

static void test_bounds(void **state)
{
	(void)state;
	/* The cap cuts on a character boundary: "é" is two bytes. */
	check(DOC(P("ab\\u00e9cd")), 3, "ab");
	check(DOC(P("ab\\u00e9cd")), 4, "ab\xc3\xa9");
	check("\"0123456789\"", 5, "01234");
	/* Nesting deeper than ADF_MAX_DEPTH is skipped, not followed. */
	buf b = BUF_INIT(1 << 20);
	for (int i = 0; i < ADF_MAX_DEPTH + 10; i++)
		assert_int_equal(buf_appends(&b, "{\"type\":\"blockquote\",\"content\":["), 0);
	assert_int_equal(buf_appends(&b, P("deep")), 0);
	for (int i = 0; i < ADF_MAX_DEPTH + 10; i++)
		assert_int_equal(buf_appends(&b, "]}"), 0);
	json_t *v = json_loads(buf_str(&b), 0, NULL);
	assert_non_null(v);
	char *got = adf_to_text(v, ADF_TEXT_MAX);
	assert_string_equal(got, "");
	free(got);
	json_decref(v);
	buf_release(&b);
	/* Wrong types inside are ignored. */
	check("{\"type\":\"doc\",\"content\":{\"x\":1}}", ADF_TEXT_MAX, "");
	check(DOC("{\"type\":\"text\",\"text\":7}" C "\"str\"" C "{\"type\":5}" C P("ok")),
	      ADF_TEXT_MAX, "ok");
}

static void test_big_document_is_bounded(void **state)
{
	(void)state;
	buf b = BUF_INIT(8 << 20);
	assert_int_equal(buf_appends(&b, "{\"type\":\"doc\",\"content\":["), 0);
	for (int i = 0; i < 20000; i++)
		assert_int_equal(buf_appendf(&b, "%s" P("paragraph %d with some words"),
					     i ? "," : "", i), 0);
	assert_int_equal(buf_appends(&b, "]}"), 0);
	json_t *v = json_loads(buf_str(&b), 0, NULL);
	assert_non_null(v);
	char *got = adf_to_text(v, ADF_TEXT_MAX);
	assert_true(strlen(got) <= ADF_TEXT_MAX);
	assert_true(strlen(got) > ADF_TEXT_MAX - 64);
	assert_int_equal(utf8_valid_prefix(got, strlen(got)), strlen(got));
	assert_true(strncmp(got, "paragraph 0 with some words\nparagraph 1 ", 40) == 0);
	free(got);
	json_decref(v);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings_and_nothing),
		cmocka_unit_test(test_paragraphs_and_inline),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_code_blocks_kept),
		cmocka_unit_test(test_tables_quotes_unknown),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_big_document_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
