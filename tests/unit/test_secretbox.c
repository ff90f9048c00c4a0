/* Unit tests for auth/secretbox: hex(nonce || AES-256-GCM ciphertext || tag). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/secretbox.h"
#include "core/mem.h"

static const unsigned char key1[SECRETBOX_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};
static const unsigned char zero_key[SECRETBOX_KEY_LEN];

/* NIST GCM test case 14: zero key, zero nonce, 16 zero bytes. */
#define NIST_HEX "000000000000000000000000" \
		 "cea7403d4d606b6e074ec5d3baf39d18" \
		 "d0d1c8a799996bf0265b98b5d48ab919"

static void test_round_trip(void **state)
{
	(void)state;
	const char *texts[] = {"ghp_abcdefghijklmnopqrstuvwxyz0123456789", "x", "",
			       "glpat-\xc3\xa9\xe2\x82\xac utf-8"};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		char *hex = NULL, *plain = NULL;
		assert_int_equal(secretbox_seal(key1, texts[i], &hex), PDT_OK);
		assert_int_equal(strlen(hex), 2 * (12 + strlen(texts[i]) + 16));
		assert_int_equal(strspn(hex, "0123456789abcdef"), strlen(hex));
		assert_int_equal(secretbox_open(key1, hex, &plain), PDT_OK);
		assert_string_equal(plain, texts[i]);
		mem_free_secret(plain);
		free(hex);
	}
}

static void test_nonce_random(void **state)
{
	(void)state;
	char *a = NULL, *b = NULL;
	assert_int_equal(secretbox_seal(key1, "same text", &a), PDT_OK);
	assert_int_equal(secretbox_seal(key1, "same text", &b), PDT_OK);
	assert_string_not_equal(a, b);
	assert_memory_not_equal(a, b, 24); /* the nonces differ */
	free(a);
	free(b);
}

static void test_known_answer(void **state)
{
	(void)state;
	static const unsigned char zeros[16];
	char *plain = NULL;
	assert_int_equal(secretbox_open(zero_key, NIST_HEX, &plain), PDT_OK);
	assert_non_null(plain);
	assert_memory_equal(plain, zeros, 16);
	assert_int_equal(plain[16], '\0');
	free(plain);
	/* upper-case hex is accepted too */
	char upper[] = NIST_HEX;
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(secretbox_open(zero_key, upper, &plain), PDT_OK);
	assert_memory_equal(plain, zeros, 16);
	free(plain);
}

static void test_tampered(void **state)
{
	(void)state;
	char *plain = (char *)"unchanged";
	char hex[] = NIST_HEX;
	hex[sizeof hex - 2] = hex[sizeof hex - 2] == '9' ? '8' : '9'; /* last tag nibble */
	assert_int_equal(secretbox_open(zero_key, hex, &plain), PDT_ECRYPTO);
	assert_null(plain);
	char hex2[] = NIST_HEX;
	hex2[30] = hex2[30] == '0' ? '1' : '0'; /* ciphertext */
	assert_int_equal(secretbox_open(zero_key, hex2, &plain), PDT_ECRYPTO);
	char hex3[] = NIST_HEX;
	hex3[0] = '1'; /* nonce */
	assert_int_equal(secretbox_open(zero_key, hex3, &plain), PDT_ECRYPTO);
	assert_int_equal(secretbox_open(key1, NIST_HEX, &plain), PDT_ECRYPTO); /* wrong key */
	assert_null(plain);

	char *sealed = NULL;
	assert_int_equal(secretbox_seal(key1, "token", &sealed), PDT_OK);
	assert_int_equal(secretbox_open(zero_key, sealed, &plain), PDT_ECRYPTO);
	sealed[strlen(sealed) - 2] = '\0'; /* drop the last byte: tag misaligned */
	assert_int_equal(secretbox_open(key1, sealed, &plain), PDT_ECRYPTO);
	free(sealed);
}

static void test_malformed(void **state)
{
	(void)state;
	char *plain = (char *)"unchanged";
	char odd[] = NIST_HEX "0";
	assert_int_equal(secretbox_open(zero_key, odd, &plain), PDT_EINVAL);
	assert_null(plain);
	char nonhex[] = NIST_HEX;
	nonhex[10] = 'g';
	assert_int_equal(secretbox_open(zero_key, nonhex, &plain), PDT_EINVAL);
	nonhex[10] = ' ';
	assert_int_equal(secretbox_open(zero_key, nonhex, &plain), PDT_EINVAL);
	/* shorter than nonce + tag */
	char shorter[57];
	memset(shorter, 'a', 54);
	shorter[54] = '\0';
	assert_int_equal(secretbox_open(zero_key, shorter, &plain), PDT_EINVAL);
	assert_int_equal(secretbox_open(zero_key, "", &plain), PDT_EINVAL);
	assert_int_equal(secretbox_open(zero_key, NULL, &plain), PDT_EINVAL);
	/* exactly nonce + tag: an empty plaintext that fails authentication */
	memset(shorter, 'a', 56);
	shorter[56] = '\0';
	assert_int_equal(secretbox_open(zero_key, shorter, &plain), PDT_ECRYPTO);
	assert_null(plain);
}

static void test_size_caps(void **state)
{
	(void)state;
	char *big = malloc(SECRETBOX_MAX_PLAIN + 2);
	char *hex = (char *)"unchanged";
	assert_non_null(big);
	memset(big, 'x', SECRETBOX_MAX_PLAIN);
	big[SECRETBOX_MAX_PLAIN] = '\0';
	assert_int_equal(secretbox_seal(key1, big, &hex), PDT_OK);
	char *plain = NULL;
	assert_int_equal(secretbox_open(key1, hex, &plain), PDT_OK);
	assert_string_equal(plain, big);
	mem_free_secret(plain);
	free(hex);
	big[SECRETBOX_MAX_PLAIN] = 'x';
	big[SECRETBOX_MAX_PLAIN + 1] = '\0';
	assert_int_equal(secretbox_seal(key1, big, &hex), PDT_ETOOBIG);
	assert_null(hex);
	free(big);
	size_t hn = 2 * (12 + 16 + SECRETBOX_MAX_PLAIN) + 2;
	char *longhex = malloc(hn + 1);
	assert_non_null(longhex);
	memset(longhex, 'a', hn);
	longhex[hn] = '\0';
	assert_int_equal(secretbox_open(key1, longhex, &plain), PDT_ETOOBIG);
	assert_null(plain);
	free(longhex);
}

static void test_hex_decode(void **state)
{
	(void)state;
	unsigned char out[4];
	assert_int_equal(secretbox_hex_decode("00fFa5Bc", out, 4), PDT_OK);
	assert_memory_equal(out, "\x00\xff\xa5\xbc", 4);
	assert_int_equal(secretbox_hex_decode("00ff", out, 4), PDT_EINVAL);
	assert_int_equal(secretbox_hex_decode("00ffa5bc00", out, 4), PDT_EINVAL);
	assert_int_equal(secretbox_hex_decode("00ffa5bx", out, 4), PDT_EINVAL);
	assert_int_equal(secretbox_hex_decode("", out, 0), PDT_OK);
	assert_int_equal(secretbox_hex_decode(NULL, out, 0), PDT_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_nonce_random),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_size_caps),
		cmocka_unit_test(test_hex_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
