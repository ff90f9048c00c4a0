#ifndef PDT_AUTH_TOKENCACHE_H
#define PDT_AUTH_TOKENCACHE_H
/*
 * tokencache: remembers bearer tokens that already passed jwtauth_verify, so
 * a browser sending the same token on every request does not pay for base64,
 * two JSON parses and an HMAC each time. A hit requires the exact same token
 * bytes (a forged or altered token can never hit) and is refused once the
 * remembered exp has passed. It caches only the signature check: whether the
 * user still exists is asked of the store on every request regardless.
 *
 * Direct-mapped, fixed size (TOKENCACHE_SLOTS), tokens up to
 * TOKENCACHE_MAX_TOKEN bytes; longer ones are simply not cached.
 * Thread-safe (striped mutexes). Valid for one JWT_SECRET: the process
 * holds one secret for its life, so the cache never needs flushing.
 *
 * Ownership: tokencache_new allocates; tokencache_free frees (NULL is fine).
 */
#include <stdbool.h>
#include <stdint.h>

#define TOKENCACHE_SLOTS 1024
#define TOKENCACHE_MAX_TOKEN 512

typedef struct tokencache tokencache;

tokencache *tokencache_new(void);
void tokencache_free(tokencache *c);
/* true and *user_id if token was stored and its exp is still after now. */
bool tokencache_get(tokencache *c, const char *token, int64_t now, int64_t *user_id);
/* Remembers a verified token (replacing whatever shared its slot). */
void tokencache_put(tokencache *c, const char *token, int64_t user_id, int64_t exp);

#endif
