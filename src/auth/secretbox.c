#include "auth/secretbox.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define OVERHEAD (NONCE_LEN + TAG_LEN)

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

pdt_err secretbox_hex_decode(const char *hex, unsigned char *out, size_t n)
{
	if (!hex || strnlen(hex, 2 * n + 1) != 2 * n)
		return PDT_EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_val(hex[2 * i]), lo = hex_val(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return PDT_EINVAL;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return PDT_OK;
}

static char *hex_encode(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

/* AES-256-GCM over in[0..n) into out (n bytes); the tag is written or checked. */
static bool gcm(bool enc, const unsigned char *key, const unsigned char *nonce,
		const unsigned char *in, size_t n, unsigned char *out, unsigned char *tag)
{
	bool ok = false;
	int len = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx || n > INT32_MAX)
		goto cleanup;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1)
		goto cleanup;
	if (n && EVP_CipherUpdate(ctx, out, &len, in, (int)n) != 1)
		goto cleanup;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
		goto cleanup;
	if (EVP_CipherFinal_ex(ctx, out + len, &len) != 1)
		goto cleanup;
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
		goto cleanup;
	ok = true;
cleanup:
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

pdt_err secretbox_seal(const unsigned char key[SECRETBOX_KEY_LEN], const char *plain,
		       char **hex_out)
{
	pdt_err rc = PDT_ECRYPTO;
	*hex_out = NULL;
	if (!plain)
		return PDT_EINVAL;
	size_t n = strnlen(plain, SECRETBOX_MAX_PLAIN + 1);
	if (n > SECRETBOX_MAX_PLAIN)
		return PDT_ETOOBIG;
	unsigned char *box = xmalloc(OVERHEAD + n);
	if (RAND_bytes(box, NONCE_LEN) != 1)
		goto cleanup;
	if (!gcm(true, key, box, (const unsigned char *)plain, n, box + NONCE_LEN,
		 box + NONCE_LEN + n))
		goto cleanup;
	*hex_out = hex_encode(box, OVERHEAD + n);
	rc = PDT_OK;
cleanup:
	free(box);
	return rc;
}

pdt_err secretbox_open(const unsigned char key[SECRETBOX_KEY_LEN], const char *hex,
		       char **plain_out)
{
	pdt_err rc = PDT_EINVAL;
	unsigned char *box = NULL;
	char *plain = NULL;
	*plain_out = NULL;
	if (!hex)
		return PDT_EINVAL;
	size_t hn = strnlen(hex, 2 * (OVERHEAD + SECRETBOX_MAX_PLAIN) + 1);
	if (hn > 2 * (OVERHEAD + SECRETBOX_MAX_PLAIN))
		return PDT_ETOOBIG;
	if (hn % 2 || hn < 2 * OVERHEAD)
		return PDT_EINVAL;
	size_t total = hn / 2, n = total - OVERHEAD;
	box = xmalloc(total);
	if ((rc = secretbox_hex_decode(hex, box, total)))
		goto cleanup;
	plain = xmalloc(n + 1);
	rc = PDT_ECRYPTO;
	if (!gcm(false, key, box, box + NONCE_LEN, n, (unsigned char *)plain,
		 box + NONCE_LEN + n))
		goto cleanup;
	plain[n] = '\0';
	*plain_out = plain;
	plain = NULL;
	rc = PDT_OK;
cleanup:
	if (plain) {
		mem_wipe(plain, n + 1);
		free(plain);
	}
	free(box);
	return rc;
}
