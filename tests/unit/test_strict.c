#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/strict.h"

/* One field from C strings (no raw layout check). */
static bool one(http_strict *st, const char *name, const char *value)
{
	return http_strict_field(st, name, strlen(name), value, strlen(value));
}

/* A request's fields given as name/value pairs; returns the refusal or NULL. */
static const char *check(bool http11, const char *const *kv, size_t n)
{
	static http_strict st;
	http_strict_init(&st);
	for (size_t i = 0; i + 1 < n; i += 2)
		one(&st, kv[i], kv[i + 1]);
	http_strict_finish(&st, http11);
	return st.error;
}

#define CHECK(http11, ...)                                                                      \
	check(http11, (const char *const[]){__VA_ARGS__},                                      \
	      sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static void test_names_and_values(void **state)
{
	(void)state;
	assert_null(CHECK(true, "Host", "x", "X-A", "a\tb é"));
	assert_null(CHECK(true, "Host", "x", "!#$%&'*+-.^_`|~09az", ""));
	assert_string_equal(CHECK(true, "Host", "x", "X A", "b"), "invalid header name");
	assert_string_equal(CHECK(true, "Host", "x", "X\x01", "b"), "invalid header name");
	assert_string_equal(CHECK(true, "Host", "x", "", "b"), "invalid header name");
	assert_string_equal(CHECK(true, "Host", "x", "X(A)", "b"), "invalid header name");
	assert_string_equal(CHECK(true, "Host", "x", "X", "a\rb"), "invalid header value");
	assert_string_equal(CHECK(true, "Host", "x", "X", "a\nb"), "invalid header value");
	assert_string_equal(CHECK(true, "Host", "x", "X", "a\x7f"), "invalid header value");
	assert_string_equal(CHECK(true, "Host", "x", "X", "\x1f"), "invalid header value");
	/* a NUL inside the value's length */
	http_strict st;
	http_strict_init(&st);
	assert_false(http_strict_field(&st, "Authorization", 13, "Bearer t\0junk", 13));
	assert_string_equal(st.error, "invalid header value");
}

static void test_framing(void **state)
{
	(void)state;
	assert_null(CHECK(true, "Host", "x", "Content-Length", "0"));
	assert_null(CHECK(true, "Host", "x", "content-length", "33", "Content-Length", "33"));
	assert_null(CHECK(true, "Host", "x", "Transfer-Encoding", "Chunked"));
	assert_null(CHECK(true, "Host", "x", "Content-Length", "9999999999999999999"));
	const char *bad_cl[] = {"0x10", "-0", "+33", "1e3", "75 75", "", " 1", "1 ",
				"99999999999999999999"};
	for (size_t i = 0; i < sizeof bad_cl / sizeof *bad_cl; i++)
		assert_string_equal(CHECK(true, "Host", "x", "Content-Length", bad_cl[i]),
				    "invalid Content-Length");
	assert_string_equal(CHECK(true, "Host", "x", "Content-Length", "33", "Content-Length", "34"),
			    "conflicting Content-Length headers");
	assert_string_equal(CHECK(true, "Host", "x", "Content-Length", "3", "Transfer-Encoding",
				  "chunked"),
			    "Content-Length with Transfer-Encoding");
	assert_string_equal(CHECK(true, "Transfer-Encoding", "chunked", "Content-Length", "3",
				  "Host", "x"),
			    "Content-Length with Transfer-Encoding");
	assert_string_equal(CHECK(true, "Host", "x", "Transfer-Encoding", "gzip"),
			    "unsupported Transfer-Encoding");
	assert_string_equal(CHECK(true, "Host", "x", "Transfer-Encoding", "chunked",
				  "Transfer-Encoding", "chunked"),
			    "unsupported Transfer-Encoding");
}

static void test_host(void **state)
{
	(void)state;
	assert_string_equal(CHECK(true, "X", "y"), "missing Host header");
	assert_null(CHECK(false, "X", "y"));
	assert_string_equal(CHECK(false, "Host", "a", "host", "b"), "more than one Host header");
	/* the first refusal is the one reported */
	assert_string_equal(CHECK(true, "X A", "b", "X", "\r"), "invalid header name");
}

/* A block laid out as libmicrohttpd 0.9.75 leaves "A: b\r\nC:  d\r\n\r\n". */
static void test_raw_layout(void **state)
{
	(void)state;
	char ok[] = "A\0 b\0\0C\0  d\0\0\0\0";
	size_t len = sizeof ok - 1;
	http_strict st;
	http_strict_init(&st);
	http_strict_raw(&st, ok, len);
	assert_true(http_strict_field(&st, ok, 1, ok + 3, 1));
	assert_true(http_strict_field(&st, ok + 6, 1, ok + 10, 1));
	assert_true(http_strict_finish(&st, false));

	/* "A: b\0junk\r\n\r\n": the value is cut at the NUL, "junk" hidden */
	char hid[] = "A\0 b\0junk\0\0\0\0";
	http_strict_init(&st);
	http_strict_raw(&st, hid, sizeof hid - 1);
	assert_true(http_strict_field(&st, hid, 1, hid + 3, 1));
	assert_false(http_strict_finish(&st, false));
	assert_string_equal(st.error, "invalid header field");

	/* the same between two fields */
	char mid[] = "A\0 b\0x\0\0C\0 d\0\0\0\0";
	http_strict_init(&st);
	http_strict_raw(&st, mid, sizeof mid - 1);
	assert_true(http_strict_field(&st, mid, 1, mid + 3, 1));
	assert_false(http_strict_field(&st, mid + 8, 1, mid + 11, 1));

	/* "A:\0b": the value starts at the NUL */
	char col[] = "A\0\0b\0\0\0\0";
	http_strict_init(&st);
	http_strict_raw(&st, col, sizeof col - 1);
	assert_true(http_strict_field(&st, col, 1, col + 2, 0));
	assert_false(http_strict_finish(&st, false));

	/* a value outside the block (moved, as an obs-fold continuation is) */
	static const char elsewhere[] = "b";
	http_strict_init(&st);
	http_strict_raw(&st, ok, len);
	assert_false(http_strict_field(&st, ok, 1, elsewhere, 1));
	assert_string_equal(st.error, "invalid header field");

	/* fields out of order */
	http_strict_init(&st);
	http_strict_raw(&st, ok, len);
	assert_true(http_strict_field(&st, ok + 6, 1, ok + 10, 1));
	assert_false(http_strict_field(&st, ok, 1, ok + 3, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_values),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_raw_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
