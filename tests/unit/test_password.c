/* Unit tests for auth/password: bcrypt through libxcrypt, compatible with Go's $2a$. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/password.h"

static void test_round_trip(void **state)
{
	(void)state;
	char *h = NULL;
	assert_int_equal(password_hash("s3cret-passw0rd", &h), PDT_OK);
	assert_non_null(h);
	assert_int_equal(strncmp(h, "$2b$10$", 7), 0);
	assert_int_equal(strlen(h), 60);
	assert_true(password_verify("s3cret-passw0rd", h));
	assert_false(password_verify("s3cret-passw0rD", h));
	assert_false(password_verify("s3cret-passw0r", h));
	assert_false(password_verify("", h));
	free(h);
}

static void test_salted(void **state)
{
	(void)state;
	char *a = NULL, *b = NULL;
	assert_int_equal(password_hash("same password", &a), PDT_OK);
	assert_int_equal(password_hash("same password", &b), PDT_OK);
	assert_string_not_equal(a, b);
	assert_true(password_verify("same password", a));
	assert_true(password_verify("same password", b));
	free(a);
	free(b);
}

/* For 7-bit passwords $2a$ and $2b$ are the same function: a rewritten prefix verifies. */
static void test_2a_rewritten(void **state)
{
	(void)state;
	char *h = NULL;
	assert_int_equal(password_hash("password", &h), PDT_OK);
	h[2] = 'a';
	assert_true(password_verify("password", h));
	assert_false(password_verify("Password", h));
	free(h);
}

/* Published OpenBSD / John the Ripper vectors, and a fixed $2a$10$ one. */
static void test_known_vectors(void **state)
{
	(void)state;
	assert_true(password_verify("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
	assert_true(password_verify("U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"));
	assert_true(password_verify("U*U*U", "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a"));
	assert_true(password_verify("", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"));
	assert_false(password_verify("U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
	const char *h10 = "$2a$10$abcdefghijklmnopqrstuuGGgFFcYeueaAql8Z7U7CnCTRw4DR77W";
	assert_true(password_verify("correct horse battery staple", h10));
	assert_false(password_verify("correct horse battery stapl", h10));
	/* $2b$ and $2y$ spellings of the same hash */
	assert_true(password_verify("U*U", "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
	assert_true(password_verify("U*U", "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
}

static void test_bad_hashes(void **state)
{
	(void)state;
	const char *bad[] = {
		"",
		"*0",
		"*1",
		"$1$abc$OGyl6dDvZCDiGmIVbeuCq/", /* valid MD5-crypt of "x": not bcrypt */
		"$2b$03$abcdefghijklmnopqrstuu",  /* cost below bcrypt's minimum */
		"$2b$10$abc",
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",  /* truncated */
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWX", /* extended */
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeV",  /* last char */
		"$2",
		"plain text",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (password_verify("U*U", bad[i]) || password_verify("x", bad[i]))
			fail_msg("accepted bad hash \"%s\"", bad[i]);
	assert_false(password_verify(NULL, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
	assert_false(password_verify("U*U", NULL));
	char huge[1024];
	memset(huge, 'a', sizeof huge - 1);
	memcpy(huge, "$2a$", 4);
	huge[sizeof huge - 1] = '\0';
	assert_false(password_verify("U*U", huge));
}

static void test_length_limit(void **state)
{
	(void)state;
	char pw[PASSWORD_MAX_LEN + 2];
	char *h = NULL;
	memset(pw, 'p', PASSWORD_MAX_LEN);
	pw[PASSWORD_MAX_LEN] = '\0';
	assert_int_equal(password_hash(pw, &h), PDT_OK);
	assert_true(password_verify(pw, h));
	free(h);
	h = NULL;
	pw[PASSWORD_MAX_LEN] = 'p';
	pw[PASSWORD_MAX_LEN + 1] = '\0';
	assert_int_equal(password_hash(pw, &h), PDT_EINVAL);
	assert_null(h);
	assert_int_equal(password_hash(NULL, &h), PDT_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_salted),
		cmocka_unit_test(test_2a_rewritten),
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_bad_hashes),
		cmocka_unit_test(test_length_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
