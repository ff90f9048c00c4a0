#include "auth/jwtauth.h"

#include <jansson.h>
#include <jwt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

#define MAX_SAFE_DOUBLE_INT 9007199254740992.0 /* 2^53 */

typedef struct span {
	const char *p;
	size_t n;
} span;

static int b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Unpadded base64url into a heap buffer (NUL-terminated for convenience). */
static bool b64url_decode(span in, unsigned char **out, size_t *outlen)
{
	if (in.n % 4 == 1)
		return false;
	unsigned char *d = xmalloc(in.n / 4 * 3 + 3);
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < in.n; i++) {
		int v = b64url_val(in.p[i]);
		if (v < 0) {
			free(d);
			return false;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			d[o++] = (unsigned char)(acc >> bits);
		}
	}
	d[o] = '\0';
	*out = d;
	*outlen = o;
	return true;
}

/* Exactly three non-empty base64url parts separated by '.'. */
static bool split_token(const char *token, span parts[3])
{
	size_t n = strnlen(token, JWTAUTH_MAX_TOKEN + 1);
	if (n > JWTAUTH_MAX_TOKEN)
		return false;
	const char *p = token;
	for (int i = 0; i < 3; i++) {
		parts[i].p = p;
		while (*p && *p != '.') {
			if (b64url_val(*p) < 0)
				return false;
			p++;
		}
		parts[i].n = (size_t)(p - parts[i].p);
		if (parts[i].n == 0 || (i < 2 && *p != '.'))
			return false;
		if (i < 2)
			p++;
	}
	return *p == '\0';
}

/* The header must be a JSON object whose "alg" is exactly "HS256", without "crit". */
static bool header_is_hs256(span part)
{
	unsigned char *raw = NULL;
	size_t len = 0;
	bool ok = false;
	json_t *h = NULL;
	if (!b64url_decode(part, &raw, &len))
		return false;
	h = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(h) || json_object_get(h, "crit"))
		goto cleanup;
	json_t *alg = json_object_get(h, "alg");
	ok = json_is_string(alg) && json_string_length(alg) == 5 &&
	     memcmp(json_string_value(alg), "HS256", 5) == 0;
cleanup:
	json_decref(h);
	free(raw);
	return ok;
}

/* A JSON integer, or (as Go's float64 claims) an integral real below 2^53. */
static bool json_as_int(const json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return true;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d > -MAX_SAFE_DOUBLE_INT && d < MAX_SAFE_DOUBLE_INT && d == (double)(int64_t)d) {
			*out = (int64_t)d;
			return true;
		}
	}
	return false;
}

static bool claims_ok(const json_t *claims, int64_t now, int64_t *user_id)
{
	int64_t uid = 0, t = 0;
	const json_t *exp = json_object_get(claims, "exp");
	const json_t *iat = json_object_get(claims, "iat");
	const json_t *nbf = json_object_get(claims, "nbf");
	if (!json_as_int(json_object_get(claims, "user_id"), &uid) || uid <= 0)
		return false;
	if (!json_is_integer(exp) || (int64_t)json_integer_value(exp) <= now)
		return false;
	if (iat && !json_as_int(iat, &t))
		return false;
	if (nbf && (!json_as_int(nbf, &t) || t > now))
		return false;
	*user_id = uid;
	return true;
}

static bool secret_ok(const char *secret)
{
	return secret && *secret && strnlen(secret, INT_MAX) < INT_MAX;
}

pdt_err jwtauth_issue(const char *secret, int64_t user_id, int64_t now, int64_t ttl_s,
		      char **out)
{
	pdt_err rc = PDT_EINVAL;
	jwt_t *jwt = NULL;
	char *tok = NULL;
	*out = NULL;
	if (!secret_ok(secret) || user_id <= 0 || ttl_s <= 0 || now > INT64_MAX - ttl_s)
		return PDT_EINVAL;
	rc = PDT_ECRYPTO;
	if (jwt_new(&jwt) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret, (int)strlen(secret)) ||
	    jwt_add_grant_int(jwt, "user_id", (long)user_id) ||
	    jwt_add_grant_int(jwt, "iat", (long)now) ||
	    jwt_add_grant_int(jwt, "exp", (long)(now + ttl_s)))
		goto cleanup;
	tok = jwt_encode_str(jwt);
	if (!tok)
		goto cleanup;
	*out = xstrdup(tok);
	rc = PDT_OK;
cleanup:
	free(tok);
	jwt_free(jwt);
	return rc;
}

pdt_err jwtauth_verify(const char *secret, const char *token, int64_t now, int64_t *user_id)
{
	int64_t exp = 0;
	return jwtauth_verify_exp(secret, token, now, user_id, &exp);
}

pdt_err jwtauth_verify_exp(const char *secret, const char *token, int64_t now,
			   int64_t *user_id, int64_t *exp)
{
	pdt_err rc = PDT_EAUTH;
	span parts[3];
	jwt_t *jwt = NULL;
	char *grants = NULL;
	json_t *claims = NULL;
	if (!secret_ok(secret) || !token || !split_token(token, parts) ||
	    !header_is_hs256(parts[0]))
		return PDT_EAUTH;
	if (jwt_decode(&jwt, token, (const unsigned char *)secret, (int)strlen(secret)) != 0 ||
	    !jwt || jwt_get_alg(jwt) != JWT_ALG_HS256)
		goto cleanup;
	grants = jwt_get_grants_json(jwt, NULL);
	if (!grants)
		goto cleanup;
	claims = json_loads(grants, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(claims) || !claims_ok(claims, now, user_id))
		goto cleanup;
	*exp = (int64_t)json_integer_value(json_object_get(claims, "exp"));
	rc = PDT_OK;
cleanup:
	json_decref(claims);
	free(grants);
	jwt_free(jwt);
	return rc;
}
