#ifndef PDT_AUTH_JWTAUTH_H
#define PDT_AUTH_JWTAUTH_H
/*
 * Session tokens: JWT HS256 via libjwt, claims user_id (number), iat, exp.
 * Verification rejects (PDT_EAUTH) anything but a well-formed HS256 token with
 * a valid signature under `secret`, an integer user_id > 0 and exp > now:
 * alg "none", any other alg, a bad signature, a missing/expired exp, a missing
 * or non-numeric user_id. Thread-safe.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define JWTAUTH_MAX_TOKEN 4096 /* longer bearer tokens are rejected unread */

/* On PDT_OK *out is a heap string (caller frees). */
pdt_err jwtauth_issue(const char *secret, int64_t user_id, int64_t now, int64_t ttl_s,
		      char **out);
/* PDT_OK and *user_id, or PDT_EAUTH. `now` is Unix seconds. */
pdt_err jwtauth_verify(const char *secret, const char *token, int64_t now, int64_t *user_id);
/* The same, also returning the token's exp claim (for tokencache). */
pdt_err jwtauth_verify_exp(const char *secret, const char *token, int64_t now,
			   int64_t *user_id, int64_t *exp);

#endif
