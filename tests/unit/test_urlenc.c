#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "upstream/urlenc.h"

static void check(const char *in, const char *want)
{
	buf b = BUF_INIT(1024);
	assert_int_equal(urlenc_append(&b, in), PDT_OK);
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

static void test_table(void **state)
{
	(void)state;
	check("", "");
	check("abcXYZ019-._~", "abcXYZ019-._~");
	check("group/sub/proj", "group%2Fsub%2Fproj");
	check("feature/a b", "feature%2Fa%20b");
	check("updated >= \"2026/02/18 14:30\"", "updated%20%3E%3D%20%222026%2F02%2F18%2014%3A30%22");
	check("é&=?#%", "%C3%A9%26%3D%3F%23%25");
}

static void test_cap(void **state)
{
	(void)state;
	buf b = BUF_INIT(5);
	assert_int_equal(urlenc_append(&b, "a/b"), PDT_OK); /* "a%2Fb" is 5 bytes */
	assert_int_equal(urlenc_append(&b, "c"), PDT_ETOOBIG);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
