#ifndef PDT_AUTH_PASSWORD_H
#define PDT_AUTH_PASSWORD_H
/*
 * Password hashing with bcrypt through libxcrypt (crypt_gensalt_rn/crypt_rn).
 * New hashes are "$2b$" with cost PASSWORD_COST; verification accepts any
 * bcrypt variant libxcrypt knows, including "$2a$" hashes made by Go's bcrypt.
 * Thread-safe (reentrant crypt_rn with a per-call crypt_data).
 */
#include <stdbool.h>

#include "core/err.h"

#define PASSWORD_COST 10
#define PASSWORD_MAX_LEN 72 /* bcrypt uses at most 72 bytes; longer is rejected by the API */

/*
 * On PDT_OK *out is a heap string (caller frees). PDT_EINVAL for a NULL password
 * or one longer than PASSWORD_MAX_LEN bytes; PDT_ECRYPTO on failure.
 */
pdt_err password_hash(const char *password, char **out);
/* true only if hash is a well-formed bcrypt hash of password (constant-time compare). */
bool password_verify(const char *password, const char *hash);

#endif
