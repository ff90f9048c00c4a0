#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"

static void test_append_and_cap(void **state)
{
	(void)state;
	buf b = BUF_INIT(10);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_appends(&b, "hello"), PDT_OK);
	assert_int_equal(buf_appendf(&b, "%d", 1234), PDT_OK);
	assert_string_equal(buf_str(&b), "hello1234");
	/* Over the cap: refused, and the contents stay as they were. */
	assert_int_equal(buf_appends(&b, "xy"), PDT_ETOOBIG);
	assert_string_equal(buf_str(&b), "hello1234");
	assert_int_equal(buf_appendc(&b, '!'), PDT_OK);
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_appendf(&b, "%s", "z"), PDT_ETOOBIG);
	char *d = buf_detach(&b);
	assert_string_equal(d, "hello1234!");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(d);
	buf_release(&b);
}

static void test_growth_and_reset(void **state)
{
	(void)state;
	buf b = BUF_INIT(1 << 20);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_append(&b, "0123456789", 10), PDT_OK);
	assert_int_equal(b.len, 100000);
	assert_int_equal(strlen(buf_str(&b)), 100000);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_release(&b);
	buf_release(&b); /* twice is fine */
}

static void test_huge_request(void **state)
{
	(void)state;
	buf b = BUF_INIT(100);
	assert_int_equal(buf_append(&b, "x", (size_t)-1), PDT_ETOOBIG);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_cap),
		cmocka_unit_test(test_growth_and_reset),
		cmocka_unit_test(test_huge_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
