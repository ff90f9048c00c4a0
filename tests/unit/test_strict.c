#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/strict.h"

/* One field from C strings. */
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

/* A raw head checked with http_strict_head against GET /x; NULL = accepted. */
static const char *head_error(const char *head, size_t len)
{
	static http_strict st;
	bool ok = http_strict_head(&st, head, len, "GET", 3, "/x", 2);
	assert_true(ok == (st.error == NULL));
	return st.error;
}

#define HEAD(lit) head_error(lit, sizeof lit - 1)

static void test_head(void **state)
{
	(void)state;
	/* accepted: CRLF or bare LF, one leading empty line, blanks around
	 * values, a body or the next request after the head */
	assert_null(HEAD("GET /x HTTP/1.1\r\nHost: a\r\nX-A:  b \t\r\n\r\n"));
	assert_null(HEAD("GET /x HTTP/1.1\nHost: a\nX-A:\n\n"));
	assert_null(HEAD("\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\n\x01"));
	assert_null(HEAD("GET /x HTTP/1.0\r\n\r\n"));
	assert_null(HEAD("GET /x HTTP/1.1\r\nhost: a\r\nContent-Length: 3\r\n\r\nabc"));

	/* bytes a C-string view of the field would hide */
	assert_string_equal(HEAD("GET /x HTTP/1.1\r\nHost: a\r\nA: b\0junk\r\n\r\n"),
			    "invalid header value");
	assert_string_equal(HEAD("GET /x HTTP/1.1\r\nHost: a\r\nA: b\rjunk\r\n\r\n"),
			    "invalid header value");
	assert_string_equal(HEAD("GET /x HTTP/1.1\r\nHost: a\r\nA\0: b\r\n\r\n"),
			    "invalid header name");
	/* obs-fold, a line without a colon */
	assert_string_equal(HEAD("GET /x HTTP/1.1\r\nHost: a\r\nA: b\r\n c\r\n\r\n"),
			    "invalid header field");
	assert_string_equal(HEAD("GET /x HTTP/1.1\r\nHost: a\r\nA: b\r\n\tc\r\n\r\n"),
			    "invalid header field");
	assert_string_equal(HEAD("GET /x HTTP/1.1\r\nHost: a\r\nAb\r\n\r\n"),
			    "invalid header field");
	/* the fields the library keeps out of its header list are still seen */
	assert_string_equal(HEAD("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
			    "more than one Host header");
	assert_string_equal(HEAD("GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
				 "content-length: 2\r\n\r\n"),
			    "conflicting Content-Length headers");
	assert_string_equal(HEAD("GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
				 "Transfer-Encoding: chunked\r\n\r\n"),
			    "Content-Length with Transfer-Encoding");
	assert_string_equal(HEAD("GET /x HTTP/1.1\r\nX: a\r\n\r\n"), "missing Host header");

	/* not the request the library parsed, or no end of the head */
	assert_string_equal(HEAD("GET /y HTTP/1.1\r\nHost: a\r\n\r\n"), "invalid request");
	assert_string_equal(HEAD("POST /x HTTP/1.1\r\nHost: a\r\n\r\n"), "invalid request");
	assert_string_equal(HEAD("GET /xy HTTP/1.1\r\nHost: a\r\n\r\n"), "invalid request");
	assert_string_equal(HEAD("\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n"), "invalid request");
	assert_string_equal(HEAD("GET /x HTTP/1.1\r\nHost: a\r\n"), "invalid request");
	assert_string_equal(HEAD("GET /x"), "invalid request");
	assert_string_equal(head_error(NULL, 0), "invalid request");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_values),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_head),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
