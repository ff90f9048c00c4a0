#include "auth/password.h"

#include <crypt.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

#define SALT_BYTES 16
#define BCRYPT_HASH_MAX 128 /* a bcrypt hash is 60 characters */

static void free_crypt_data(struct crypt_data *cd)
{
	if (!cd)
		return;
	mem_wipe(cd, sizeof *cd);
	free(cd);
}

/* crypt_rn output, or NULL on failure (including the "*0" / "*1" markers). */
static const char *run_crypt(const char *password, const char *setting, struct crypt_data *cd)
{
	const char *out = crypt_rn(password, setting, cd, (int)sizeof *cd);
	if (!out || out[0] == '*')
		return NULL;
	return out;
}

pdt_err password_hash(const char *password, char **out)
{
	pdt_err rc = PDT_ECRYPTO;
	unsigned char rnd[SALT_BYTES];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = NULL;
	*out = NULL;
	if (!password || strnlen(password, PASSWORD_MAX_LEN + 1) > PASSWORD_MAX_LEN)
		return PDT_EINVAL;
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		goto cleanup;
	if (!crypt_gensalt_rn("$2b$", PASSWORD_COST, (const char *)rnd, sizeof rnd, setting,
			      sizeof setting))
		goto cleanup;
	cd = xcalloc(1, sizeof *cd);
	const char *h = run_crypt(password, setting, cd);
	if (!h || strncmp(h, "$2b$", 4) != 0)
		goto cleanup;
	*out = xstrdup(h);
	rc = PDT_OK;
cleanup:
	mem_wipe(rnd, sizeof rnd);
	free_crypt_data(cd);
	return rc;
}

bool password_verify(const char *password, const char *hash)
{
	bool ok = false;
	struct crypt_data *cd = NULL;
	if (!password || !hash || strncmp(hash, "$2", 2) != 0)
		return false;
	size_t n = strnlen(hash, BCRYPT_HASH_MAX + 1);
	if (n > BCRYPT_HASH_MAX)
		return false;
	cd = xcalloc(1, sizeof *cd);
	const char *h = run_crypt(password, hash, cd);
	ok = h && strlen(h) == n && mem_equal_ct(h, hash, n);
	free_crypt_data(cd);
	return ok;
}
