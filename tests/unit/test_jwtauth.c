/* Unit tests for auth/jwtauth: HS256 only, integer user_id > 0, exp in the future. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jwt.h>

#include "auth/jwtauth.h"

#define SECRET "test-secret-0123456789"
#define NOW INT64_C(1771460100)

/* ---- helpers that forge tokens the way an attacker (or another library) would ---- */

static char *b64url(const char *s)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = strlen(s);
	char *out = malloc(n / 3 * 4 + 5);
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | (unsigned char)s[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = a[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = a[(acc << (6 - bits)) & 63];
	out[o] = '\0';
	return out;
}

/* header.payload.sig from raw JSON texts (sig taken as given). */
static char *forge(const char *header, const char *payload, const char *sig)
{
	char *h = b64url(header), *p = b64url(payload);
	size_t n = strlen(h) + strlen(p) + strlen(sig) + 3;
	char *t = malloc(n);
	assert_non_null(t);
	snprintf(t, n, "%s.%s.%s", h, p, sig);
	free(h);
	free(p);
	return t;
}

/* A correctly signed token from libjwt with any alg and any claims. */
static char *sign(jwt_alg_t alg, const char *secret, const char *claims_json)
{
	jwt_t *jwt = NULL;
	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(jwt_add_grants_json(jwt, claims_json), 0);
	const unsigned char *key = alg == JWT_ALG_NONE ? NULL : (const unsigned char *)secret;
	int len = alg == JWT_ALG_NONE ? 0 : (int)strlen(secret);
	assert_int_equal(jwt_set_alg(jwt, alg, key, len), 0);
	char *tok = jwt_encode_str(jwt);
	assert_non_null(tok);
	jwt_free(jwt);
	return tok;
}

static void expect_reject(const char *token, const char *why)
{
	int64_t uid = -7;
	if (jwtauth_verify(SECRET, token, NOW, &uid) != PDT_EAUTH)
		fail_msg("accepted token (%s): %s", why, token);
	assert_int_equal(uid, -7);
}

static void expect_reject_owned(char *token, const char *why)
{
	expect_reject(token, why);
	free(token);
}

/* ---- tests ---- */

static void test_round_trip(void **state)
{
	(void)state;
	char *tok = NULL;
	int64_t uid = 0;
	assert_int_equal(jwtauth_issue(SECRET, 42, NOW, 72 * 3600, &tok), PDT_OK);
	assert_non_null(tok);
	assert_int_equal(jwtauth_verify(SECRET, tok, NOW, &uid), PDT_OK);
	assert_int_equal(uid, 42);
	assert_int_equal(jwtauth_verify(SECRET, tok, NOW + 72 * 3600 - 1, &uid), PDT_OK);
	assert_int_equal(jwtauth_verify(SECRET, tok, NOW + 72 * 3600, &uid), PDT_EAUTH);
	free(tok);
}

/* The header is HS256 and the payload plain ASCII JSON with the three claims. */
static void test_issued_shape(void **state)
{
	(void)state;
	char *tok = NULL;
	assert_int_equal(jwtauth_issue(SECRET, 7, NOW, 60, &tok), PDT_OK);
	jwt_t *jwt = NULL;
	assert_int_equal(jwt_decode(&jwt, tok, (const unsigned char *)SECRET, strlen(SECRET)), 0);
	assert_int_equal(jwt_get_alg(jwt), JWT_ALG_HS256);
	assert_int_equal(jwt_get_grant_int(jwt, "user_id"), 7);
	assert_int_equal(jwt_get_grant_int(jwt, "iat"), NOW);
	assert_int_equal(jwt_get_grant_int(jwt, "exp"), NOW + 60);
	jwt_free(jwt);
	free(tok);
}

static void test_issue_invalid(void **state)
{
	(void)state;
	char *tok = (char *)"x";
	assert_int_equal(jwtauth_issue("", 1, NOW, 60, &tok), PDT_EINVAL);
	assert_null(tok);
	assert_int_equal(jwtauth_issue(NULL, 1, NOW, 60, &tok), PDT_EINVAL);
	assert_int_equal(jwtauth_issue(SECRET, 0, NOW, 60, &tok), PDT_EINVAL);
	assert_int_equal(jwtauth_issue(SECRET, -1, NOW, 60, &tok), PDT_EINVAL);
	assert_int_equal(jwtauth_issue(SECRET, 1, NOW, 0, &tok), PDT_EINVAL);
	assert_int_equal(jwtauth_issue(SECRET, 1, INT64_MAX - 5, 60, &tok), PDT_EINVAL);
}

static void test_alg_none(void **state)
{
	(void)state;
	const char *claims = "{\"user_id\":1,\"iat\":1771460100,\"exp\":1900000000}";
	expect_reject_owned(forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, ""), "alg none");
	expect_reject_owned(forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, "AAAA"),
			    "alg none with a signature");
	expect_reject_owned(forge("{\"alg\":\"None\"}", claims, "AAAA"), "alg None");
	expect_reject_owned(forge("{\"typ\":\"JWT\"}", claims, "AAAA"), "no alg");
	expect_reject_owned(forge("{\"alg\":\"HS256\",\"alg\":\"none\"}", claims, "AAAA"),
			    "duplicate alg");
	expect_reject_owned(forge("{\"alg\":\"none\",\"alg\":\"HS256\"}", claims, "AAAA"),
			    "duplicate alg");
	expect_reject_owned(forge("[\"HS256\"]", claims, "AAAA"), "header not an object");
	expect_reject_owned(forge("{\"alg\":\"HS256\"", claims, "AAAA"), "header not JSON");
	expect_reject_owned(forge("{\"alg\":\"hs256\"}", claims, "AAAA"), "alg case");
	expect_reject_owned(forge("{\"alg\":\"HS256\\u0000\"}", claims, "AAAA"), "alg with NUL");
	expect_reject_owned(sign(JWT_ALG_NONE, SECRET, claims), "libjwt alg none");
}

static void test_other_algs(void **state)
{
	(void)state;
	const char *claims = "{\"user_id\":1,\"iat\":1771460100,\"exp\":1900000000}";
	expect_reject_owned(sign(JWT_ALG_HS384, SECRET, claims), "HS384");
	expect_reject_owned(sign(JWT_ALG_HS512, SECRET, claims), "HS512");
	char *ok = sign(JWT_ALG_HS256, SECRET, claims);
	int64_t uid = 0;
	assert_int_equal(jwtauth_verify(SECRET, ok, NOW, &uid), PDT_OK);
	assert_int_equal(uid, 1);
	free(ok);
}

static void test_signature(void **state)
{
	(void)state;
	char *tok = NULL;
	assert_int_equal(jwtauth_issue(SECRET, 5, NOW, 60, &tok), PDT_OK);
	int64_t uid = 0;
	assert_int_equal(jwtauth_verify("another-secret", tok, NOW, &uid), PDT_EAUTH);
	assert_int_equal(jwtauth_verify("", tok, NOW, &uid), PDT_EAUTH);
	assert_int_equal(jwtauth_verify(NULL, tok, NOW, &uid), PDT_EAUTH);
	char *last = strrchr(tok, '.') + 1;
	last[0] = last[0] == 'A' ? 'B' : 'A';
	expect_reject(tok, "bad signature");
	free(tok);
	/* a payload swapped under a valid signature */
	char *a = NULL, *b = NULL;
	assert_int_equal(jwtauth_issue(SECRET, 1, NOW, 60, &a), PDT_OK);
	assert_int_equal(jwtauth_issue(SECRET, 2, NOW, 60, &b), PDT_OK);
	char *pa = strchr(a, '.'), *pb = strchr(b, '.');
	assert_int_equal(strchr(pa + 1, '.') - pa, strchr(pb + 1, '.') - pb);
	memcpy(pa, pb, (size_t)(strchr(pb + 1, '.') - pb));
	expect_reject(a, "payload swapped");
	free(a);
	free(b);
}

static void test_claims(void **state)
{
	(void)state;
	static const char *bad[] = {
		"{\"user_id\":1,\"iat\":1771460100,\"exp\":1771460000}",  /* expired */
		"{\"user_id\":1,\"iat\":1771460100,\"exp\":1771460100}",  /* exp == now */
		"{\"user_id\":1,\"iat\":1771460100}",                     /* missing exp */
		"{\"user_id\":1,\"exp\":\"1900000000\"}",                 /* exp a string */
		"{\"user_id\":1,\"exp\":1900000000.5}",                   /* exp a real */
		"{\"iat\":1771460100,\"exp\":1900000000}",                /* missing user_id */
		"{\"user_id\":\"1\",\"exp\":1900000000}",                 /* string user_id */
		"{\"user_id\":-3,\"exp\":1900000000}",                    /* negative */
		"{\"user_id\":0,\"exp\":1900000000}",                     /* zero */
		"{\"user_id\":1.5,\"exp\":1900000000}",                   /* fractional */
		"{\"user_id\":-1.0,\"exp\":1900000000}",
		"{\"user_id\":9007199254740992.0,\"exp\":1900000000}",    /* 2^53 as a real */
		"{\"user_id\":1e300,\"exp\":1900000000}",
		"{\"user_id\":true,\"exp\":1900000000}",
		"{\"user_id\":null,\"exp\":1900000000}",
		"{\"user_id\":[1],\"exp\":1900000000}",
		"{\"user_id\":1,\"exp\":1900000000,\"iat\":\"x\"}",       /* iat not a number */
		"{\"user_id\":1,\"exp\":1900000000,\"nbf\":1800000000}",  /* not yet valid */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_reject_owned(sign(JWT_ALG_HS256, SECRET, bad[i]), bad[i]);
	static const struct {
		const char *claims;
		int64_t uid;
	} good[] = {
		{"{\"user_id\":3,\"exp\":1900000000}", 3},               /* iat optional */
		{"{\"user_id\":3.0,\"exp\":1900000000,\"iat\":1.0e9}", 3}, /* Go float64 claims */
		{"{\"user_id\":9007199254740991.0,\"exp\":1900000000}", INT64_C(9007199254740991)},
		{"{\"user_id\":4611686018427387904,\"exp\":1900000000}", INT64_C(4611686018427387904)},
		{"{\"user_id\":3,\"exp\":1900000000,\"nbf\":1771460100}", 3},
		{"{\"user_id\":3,\"exp\":1900000000,\"extra\":{\"a\":[1]}}", 3},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char *tok = sign(JWT_ALG_HS256, SECRET, good[i].claims);
		int64_t uid = 0;
		if (jwtauth_verify(SECRET, tok, NOW, &uid) != PDT_OK || uid != good[i].uid)
			fail_msg("rejected %s", good[i].claims);
		free(tok);
	}
}

static void test_malformed(void **state)
{
	(void)state;
	char *tok = NULL;
	assert_int_equal(jwtauth_issue(SECRET, 9, NOW, 60, &tok), PDT_OK);
	size_t n = strlen(tok);
	char buf[8192];

	expect_reject("", "empty");
	expect_reject("garbage", "garbage");
	expect_reject("a.b", "two parts");
	expect_reject("a.b.c.d", "four parts");
	expect_reject("..", "empty parts");
	expect_reject("Bearer x.y.z", "space");
	int64_t uid = 0;
	assert_int_equal(jwtauth_verify(SECRET, NULL, NOW, &uid), PDT_EAUTH);

	/* two parts only: drop the signature */
	memcpy(buf, tok, n + 1);
	*strrchr(buf, '.') = '\0';
	expect_reject(buf, "two parts of a real token");
	/* empty signature */
	memcpy(buf, tok, n + 1);
	strrchr(buf, '.')[1] = '\0';
	expect_reject(buf, "empty signature");
	/* padding, whitespace and non-base64url bytes */
	snprintf(buf, sizeof buf, "%s=", tok);
	expect_reject(buf, "padding");
	snprintf(buf, sizeof buf, "%s\n", tok);
	expect_reject(buf, "newline");
	snprintf(buf, sizeof buf, " %s", tok);
	expect_reject(buf, "leading space");
	memcpy(buf, tok, n + 1);
	buf[3] = '+';
	expect_reject(buf, "base64 not base64url");
	/* too long: a valid token padded past the limit with a bogus claim */
	char *pad = malloc(JWTAUTH_MAX_TOKEN + 64);
	assert_non_null(pad);
	memset(pad, 'a', JWTAUTH_MAX_TOKEN);
	pad[JWTAUTH_MAX_TOKEN] = '\0';
	char *claims = malloc(JWTAUTH_MAX_TOKEN + 128);
	assert_non_null(claims);
	snprintf(claims, JWTAUTH_MAX_TOKEN + 128, "{\"user_id\":1,\"exp\":1900000000,\"p\":\"%s\"}",
		 pad);
	expect_reject_owned(sign(JWT_ALG_HS256, SECRET, claims), "too long");
	memset(buf, 'A', sizeof buf - 1);
	buf[sizeof buf - 1] = '\0';
	expect_reject(buf, "8 KiB of A");
	free(pad);
	free(claims);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_issued_shape),
		cmocka_unit_test(test_issue_invalid),
		cmocka_unit_test(test_alg_none),
		cmocka_unit_test(test_other_algs),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
