#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include "auth/throttle.h"

#define MIN_MS ((int64_t)60 * 1000)
#define T0 ((int64_t)1000 * 1000 * 1000) /* an arbitrary monotonic start */

static const char *acct = "alice@example.com";

/* An IPv4-like address key a.b.c.d from an index. */
static void addr_of(uint32_t i, unsigned char out[5])
{
	out[0] = 4;
	out[1] = (unsigned char)(i >> 24);
	out[2] = (unsigned char)(i >> 16);
	out[3] = (unsigned char)(i >> 8);
	out[4] = (unsigned char)i;
}

static int64_t check_acct(throttle *t, const char *a, int64_t now)
{
	return throttle_check(t, a, strlen(a), NULL, 0, now);
}

static void fail_acct(throttle *t, const char *a, int64_t now)
{
	throttle_fail(t, a, strlen(a), NULL, 0, now);
}

static void test_account_limit_and_window(void **state)
{
	(void)state;
	throttle *t = throttle_new(0);
	assert_int_equal(throttle_capacity(t), THROTTLE_CAPACITY);
	for (int i = 0; i < THROTTLE_ACCOUNT_MAX; i++) {
		assert_int_equal(check_acct(t, acct, T0 + i * 1000), 0);
		fail_acct(t, acct, T0 + i * 1000);
	}
	/* The 6th attempt waits until the first failure (T0) leaves the window. */
	int64_t now = T0 + 5000;
	assert_int_equal(check_acct(t, acct, now), T0 + THROTTLE_ACCOUNT_WINDOW_MS - now);
	/* Other accounts are not affected. */
	assert_int_equal(check_acct(t, "bob@example.com", now), 0);
	/* One millisecond before the window ends: still refused, 1 ms to go. */
	now = T0 + THROTTLE_ACCOUNT_WINDOW_MS - 1;
	assert_int_equal(check_acct(t, acct, now), 1);
	/* At the end of the window the oldest failure is gone: 4 left, allowed. */
	now = T0 + THROTTLE_ACCOUNT_WINDOW_MS;
	assert_int_equal(check_acct(t, acct, now), 0);
	/* A new failure fills it again; the wait is to the next oldest (T0+1s). */
	fail_acct(t, acct, now);
	assert_int_equal(check_acct(t, acct, now), T0 + 1000 + THROTTLE_ACCOUNT_WINDOW_MS - now);
	/* Long after, every failure has expired and the entry is gone. */
	now += 2 * THROTTLE_ACCOUNT_WINDOW_MS;
	assert_int_equal(check_acct(t, acct, now), 0);
	assert_int_equal(throttle_entries(t, THROTTLE_KIND_ACCOUNT), 0);
	throttle_free(t);
	throttle_free(NULL);
}

static void test_success_resets_account_not_address(void **state)
{
	(void)state;
	throttle *t = throttle_new(0);
	unsigned char ip[5];
	addr_of(0x7f000001, ip);
	for (int i = 0; i < THROTTLE_ACCOUNT_MAX - 1; i++)
		throttle_fail(t, acct, strlen(acct), ip, sizeof ip, T0);
	throttle_succeed(t, acct, strlen(acct));
	assert_int_equal(throttle_entries(t, THROTTLE_KIND_ACCOUNT), 0);
	assert_int_equal(throttle_entries(t, THROTTLE_KIND_ADDR), 1);
	/* A full fresh allowance: 5 more failures before a refusal. */
	for (int i = 0; i < THROTTLE_ACCOUNT_MAX; i++) {
		assert_int_equal(check_acct(t, acct, T0 + 1), 0);
		fail_acct(t, acct, T0 + 1);
	}
	assert_true(check_acct(t, acct, T0 + 1) > 0);
	throttle_succeed(t, "nobody@example.com", 18); /* unknown: no effect */
	assert_true(check_acct(t, acct, T0 + 1) > 0);
	throttle_free(t);
}

static void test_address_limit(void **state)
{
	(void)state;
	throttle *t = throttle_new(0);
	unsigned char ip[5], other[5];
	char a[64];
	addr_of(0x0a000001, ip);
	addr_of(0x0a000002, other);
	/* 20 failures from one address, each on a different account. */
	for (int i = 0; i < THROTTLE_ADDR_MAX; i++) {
		snprintf(a, sizeof a, "u%d@example.com", i);
		assert_int_equal(throttle_check(t, a, strlen(a), ip, sizeof ip, T0 + i), 0);
		throttle_fail(t, a, strlen(a), ip, sizeof ip, T0 + i);
	}
	/* The 21st, on a fresh account, is refused for the address. */
	int64_t now = T0 + 100;
	assert_int_equal(throttle_check(t, "fresh@example.com", 17, ip, sizeof ip, now),
			 T0 + THROTTLE_ADDR_WINDOW_MS - now);
	/* Another address is fine; an account alone is fine. */
	assert_int_equal(throttle_check(t, "fresh@example.com", 17, other, sizeof other, now), 0);
	assert_int_equal(check_acct(t, "u3@example.com", now), 0);
	/* After a minute the address may try again. */
	assert_int_equal(throttle_check(t, "fresh@example.com", 17, ip, sizeof ip,
					 T0 + THROTTLE_ADDR_WINDOW_MS), 0);
	/* The longer wait of the two keys wins. */
	for (int i = 0; i < THROTTLE_ACCOUNT_MAX; i++)
		fail_acct(t, "u0@example.com", now);
	assert_int_equal(throttle_check(t, "u0@example.com", 14, ip, sizeof ip, now),
			 THROTTLE_ACCOUNT_WINDOW_MS);
	throttle_free(t);
}

static void test_raced_failures_keep_newest(void **state)
{
	(void)state;
	throttle *t = throttle_new(0);
	/* Seven failures recorded without a check between (concurrent attempts). */
	for (int i = 0; i < 7; i++)
		fail_acct(t, acct, T0 + i * 1000);
	int64_t now = T0 + 6000;
	assert_int_equal(check_acct(t, acct, now), T0 + 2000 + THROTTLE_ACCOUNT_WINDOW_MS - now);
	assert_int_equal(throttle_entries(t, THROTTLE_KIND_ACCOUNT), 1);
	throttle_free(t);
}

/* n distinct addresses fail once each; the table never holds more than its
 * capacity, and the most recent addresses are the ones it remembers. */
static void flood(size_t cap, uint32_t n)
{
	throttle *t = throttle_new(cap);
	unsigned char ip[5];
	/* An account at its limit before the flood. */
	for (int i = 0; i < THROTTLE_ACCOUNT_MAX; i++)
		fail_acct(t, acct, T0);
	for (uint32_t i = 0; i < n; i++) {
		addr_of(i, ip);
		throttle_fail(t, NULL, 0, ip, sizeof ip, T0 + i / 100);
		assert_true(throttle_entries(t, THROTTLE_KIND_ADDR) <= cap);
	}
	assert_int_equal(throttle_entries(t, THROTTLE_KIND_ADDR), n < cap ? n : cap);
	/* An address flood cannot push accounts out. */
	assert_int_equal(throttle_entries(t, THROTTLE_KIND_ACCOUNT), 1);
	assert_true(check_acct(t, acct, T0 + n / 100) > 0);
	/* The newest address is still counted: 19 more failures block it. */
	addr_of(n - 1, ip);
	for (int i = 0; i < THROTTLE_ADDR_MAX - 1; i++)
		throttle_fail(t, NULL, 0, ip, sizeof ip, T0 + n / 100);
	assert_true(throttle_check(t, NULL, 0, ip, sizeof ip, T0 + n / 100) > 0);
	throttle_free(t);
}

static void test_memory_bounded_1000_addresses(void **state)
{
	(void)state;
	flood(256, 1000);
	flood(THROTTLE_CAPACITY, 1000);
}

static void test_memory_bounded_100000_addresses(void **state)
{
	(void)state;
	flood(THROTTLE_CAPACITY, 100000);
}

static void test_expired_entries_go_first(void **state)
{
	(void)state;
	throttle *t = throttle_new(4);
	unsigned char ip[5];
	/* A blocked address, then three more that fail later. */
	addr_of(1, ip);
	for (int i = 0; i < THROTTLE_ADDR_MAX; i++)
		throttle_fail(t, NULL, 0, ip, sizeof ip, T0);
	for (uint32_t i = 2; i <= 4; i++) {
		addr_of(i, ip);
		throttle_fail(t, NULL, 0, ip, sizeof ip, T0 + MIN_MS + 1);
	}
	/* Full; a fifth address evicts the least recent, which has expired. */
	addr_of(5, ip);
	throttle_fail(t, NULL, 0, ip, sizeof ip, T0 + MIN_MS + 2);
	assert_int_equal(throttle_entries(t, THROTTLE_KIND_ADDR), 4);
	for (uint32_t i = 2; i <= 5; i++) {
		addr_of(i, ip);
		for (int k = 0; k < THROTTLE_ADDR_MAX - 1; k++)
			throttle_fail(t, NULL, 0, ip, sizeof ip, T0 + MIN_MS + 3);
		assert_true(throttle_check(t, NULL, 0, ip, sizeof ip, T0 + MIN_MS + 3) > 0);
	}
	throttle_free(t);
}

#define THREADS 6
#define OPS 20000

typedef struct worker_arg {
	throttle *t;
	uint32_t seed;
} worker_arg;

static void *hammer(void *p)
{
	worker_arg *w = p;
	unsigned char ip[5];
	char a[48];
	uint32_t x = w->seed;
	for (int i = 0; i < OPS; i++) {
		x = x * 1664525u + 1013904223u;
		addr_of(x % 5000, ip);
		snprintf(a, sizeof a, "user%u@example.com", (x >> 8) % 3000);
		int64_t now = T0 + i;
		if (throttle_check(w->t, a, strlen(a), ip, sizeof ip, now) == 0)
			throttle_fail(w->t, a, strlen(a), ip, sizeof ip, now);
		if (i % 7 == 0)
			throttle_succeed(w->t, a, strlen(a));
		/* One shared account every thread fails on. */
		fail_acct(w->t, "shared@example.com", now);
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	throttle *t = throttle_new(1024);
	pthread_t th[THREADS];
	worker_arg w[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (worker_arg){t, (uint32_t)i * 7919u + 1};
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	assert_true(throttle_entries(t, THROTTLE_KIND_ADDR) <= 1024);
	assert_true(throttle_entries(t, THROTTLE_KIND_ACCOUNT) <= 1024);
	assert_true(check_acct(t, "shared@example.com", T0 + OPS) > 0);
	throttle_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_account_limit_and_window),
		cmocka_unit_test(test_success_resets_account_not_address),
		cmocka_unit_test(test_address_limit),
		cmocka_unit_test(test_raced_failures_keep_newest),
		cmocka_unit_test(test_memory_bounded_1000_addresses),
		cmocka_unit_test(test_memory_bounded_100000_addresses),
		cmocka_unit_test(test_expired_entries_go_first),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
