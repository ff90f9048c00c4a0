#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/jsonbind.h"

static json_t *parse(const char *s, pdt_err want)
{
	json_t *j = NULL;
	char err[160] = "";
	assert_int_equal(jsonbind_parse(s, strlen(s), &j, err, sizeof err), want);
	if (want)
		assert_true(strlen(err) > 0);
	return j;
}

static void test_parse(void **state)
{
	(void)state;
	json_decref(parse("{\"a\":1}", PDT_OK));
	assert_null(parse("", PDT_EINVAL));
	assert_null(parse("[1]", PDT_EINVAL));
	assert_null(parse("\"str\"", PDT_EINVAL));
	assert_null(parse("{\"a\":", PDT_EINVAL));
	assert_null(parse("{\"a\":1,\"a\":2}", PDT_EINVAL));
	assert_null(parse("{\"a\":\"\\u0000\"}", PDT_EINVAL));
}

static void test_bind(void **state)
{
	(void)state;
	const char *email = NULL, *name = "default";
	int64_t n = 0;
	bool b = false, name_given = true;
	char err[160];
	jsonbind_field f[] = {
		{"email", JSONBIND_STRING, true, 10, &email, NULL},
		{"name", JSONBIND_STRING, false, 0, &name, &name_given},
		{"n", JSONBIND_INT, false, 0, &n, NULL},
		{"b", JSONBIND_BOOL, false, 0, &b, NULL},
	};
	json_t *j = parse("{\"email\":\"a@b.io\",\"n\":7,\"b\":true,\"extra\":[1]}", PDT_OK);
	assert_int_equal(jsonbind_fields(j, f, 4, err, sizeof err), PDT_OK);
	assert_string_equal(email, "a@b.io");
	assert_string_equal(name, "default");
	assert_false(name_given);
	assert_int_equal(n, 7);
	assert_true(b);
	json_decref(j);

	j = parse("{\"email\":5}", PDT_OK);
	assert_int_equal(jsonbind_fields(j, f, 4, err, sizeof err), PDT_EINVAL);
	assert_string_equal(err, "email must be a string");
	json_decref(j);

	j = parse("{\"name\":\"x\"}", PDT_OK);
	assert_int_equal(jsonbind_fields(j, f, 4, err, sizeof err), PDT_EINVAL);
	assert_string_equal(err, "email is required");
	json_decref(j);

	j = parse("{\"email\":null}", PDT_OK);
	assert_int_equal(jsonbind_fields(j, f, 4, err, sizeof err), PDT_EINVAL);
	assert_string_equal(err, "email is required");
	json_decref(j);

	j = parse("{\"email\":\"01234567890\"}", PDT_OK);
	assert_int_equal(jsonbind_fields(j, f, 4, err, sizeof err), PDT_EINVAL);
	assert_non_null(strstr(err, "too long"));
	json_decref(j);

	j = parse("{\"email\":\"a\",\"n\":1.5}", PDT_OK);
	assert_int_equal(jsonbind_fields(j, f, 4, err, sizeof err), PDT_EINVAL);
	assert_string_equal(err, "n must be an integer");
	json_decref(j);

	j = parse("{\"email\":\"a\",\"b\":\"true\"}", PDT_OK);
	assert_int_equal(jsonbind_fields(j, f, 4, err, sizeof err), PDT_EINVAL);
	assert_string_equal(err, "b must be a boolean");
	json_decref(j);

	j = parse("{\"email\":\"a\",\"name\":\"N\"}", PDT_OK);
	assert_int_equal(jsonbind_fields(j, f, 4, err, sizeof err), PDT_OK);
	assert_true(name_given);
	assert_string_equal(name, "N");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
