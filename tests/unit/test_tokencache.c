#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/tokencache.h"

static void test_hit_miss_expiry(void **state)
{
	(void)state;
	tokencache *c = tokencache_new();
	int64_t uid = 0;
	assert_false(tokencache_get(c, "aaa.bbb.ccc", 100, &uid));
	tokencache_put(c, "aaa.bbb.ccc", 7, 200);
	assert_true(tokencache_get(c, "aaa.bbb.ccc", 100, &uid));
	assert_int_equal(uid, 7);
	/* A token differing in one byte (a forged signature) never hits. */
	assert_false(tokencache_get(c, "aaa.bbb.ccd", 100, &uid));
	assert_false(tokencache_get(c, "aaa.bbb.cc", 100, &uid));
	/* Expired: exp must be strictly after now. */
	assert_false(tokencache_get(c, "aaa.bbb.ccc", 200, &uid));
	assert_false(tokencache_get(c, "", 100, &uid));
	tokencache_free(c);
	tokencache_free(NULL);
}

static void test_long_tokens_not_cached(void **state)
{
	(void)state;
	tokencache *c = tokencache_new();
	char big[TOKENCACHE_MAX_TOKEN + 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	int64_t uid = 0;
	tokencache_put(c, big, 1, 1000);
	assert_false(tokencache_get(c, big, 0, &uid));
	/* Exactly the maximum is cached. */
	big[TOKENCACHE_MAX_TOKEN] = '\0';
	tokencache_put(c, big, 2, 1000);
	assert_true(tokencache_get(c, big, 0, &uid));
	assert_int_equal(uid, 2);
	tokencache_free(c);
}

static void test_many_tokens(void **state)
{
	(void)state;
	tokencache *c = tokencache_new();
	char tok[64];
	for (int i = 0; i < 5000; i++) {
		snprintf(tok, sizeof tok, "t.%d.sig", i);
		tokencache_put(c, tok, i + 1, 1000);
	}
	/* Whatever was evicted, a hit always returns the right user. */
	int hits = 0;
	for (int i = 0; i < 5000; i++) {
		int64_t uid = 0;
		snprintf(tok, sizeof tok, "t.%d.sig", i);
		if (tokencache_get(c, tok, 0, &uid)) {
			assert_int_equal(uid, i + 1);
			hits++;
		}
	}
	assert_true(hits > 0);
	assert_true(hits <= TOKENCACHE_SLOTS);
	tokencache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_miss_expiry),
		cmocka_unit_test(test_long_tokens_not_cached),
		cmocka_unit_test(test_many_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
