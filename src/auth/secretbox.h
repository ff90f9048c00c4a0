#ifndef PDT_AUTH_SECRETBOX_H
#define PDT_AUTH_SECRETBOX_H
/*
 * Tokens at rest: AES-256-GCM (OpenSSL EVP), stored as
 * hex(12-byte random nonce || ciphertext || 16-byte tag), no AAD — the format
 * of the Go original's gcm.Seal(nonce, nonce, plaintext, nil), so values it
 * wrote decrypt here with the same key and vice versa.
 */
#include <stddef.h>

#include "core/err.h"

#define SECRETBOX_KEY_LEN 32
#define SECRETBOX_MAX_PLAIN 8192 /* tokens are short; longer input is PDT_ETOOBIG */

/*
 * *hex_out is a heap string (caller frees). PDT_ETOOBIG for a plaintext longer
 * than SECRETBOX_MAX_PLAIN, PDT_ECRYPTO if OpenSSL fails.
 */
pdt_err secretbox_seal(const unsigned char key[SECRETBOX_KEY_LEN], const char *plain,
		       char **hex_out);
/*
 * *plain_out is a heap string (caller frees with mem_free_secret). PDT_EINVAL
 * for malformed hex or a too-short value, PDT_ECRYPTO for a failed tag check
 * (wrong key or tampered data), PDT_ETOOBIG for a value whose plaintext would
 * exceed SECRETBOX_MAX_PLAIN. On failure *plain_out is NULL (never ""). The
 * plaintext is NUL-terminated; one that itself holds NUL bytes is cut there
 * when read as a C string.
 */
pdt_err secretbox_open(const unsigned char key[SECRETBOX_KEY_LEN], const char *hex,
		       char **plain_out);

/* Decodes exactly 2*n hex chars into n bytes; PDT_EINVAL otherwise. */
pdt_err secretbox_hex_decode(const char *hex, unsigned char *out, size_t n);

#endif
