#ifndef PDT_REPORT_UPLOAD_H
#define PDT_REPORT_UPLOAD_H
/*
 * report/upload: PUTs a report's Markdown to an S3-compatible object store
 * (Cloudflare R2 by default) when the operator configured one:
 *   R2_ACCOUNT_ID, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, R2_BUCKET_NAME,
 *   R2_PUBLIC_DOMAIN  -> https://<account>.r2.cloudflarestorage.com/<bucket>/<key>
 *   or S3_ENDPOINT (any S3-compatible store; path-style <endpoint>/<bucket>/<key>)
 *   with S3_REGION (default "auto", what R2 expects).
 * The request is signed by libcurl (CURLOPT_AWS_SIGV4, "aws:amz:<region>:s3")
 * with x-amz-content-sha256 set to the body's SHA-256, Content-Type
 * "text/markdown; charset=utf-8". The endpoint is the operator's, like
 * GITHUB_API_URL: the users' upstream address policy does not apply, and
 * proxies from the environment are ignored. One attempt, bounded by
 * UPSTREAM_TIMEOUT. Thread-safe once curl_global_init has run.
 *
 * Keys: reports/<user_id>/<YYYY-MM-DD>.md, monthly
 * reports/<user_id>/monthly-<YYYY-MM>.md. The public URL is
 * https://<R2_PUBLIC_DOMAIN>/<key>, or <endpoint>/<bucket>/<key> without a
 * public domain.
 *
 * Errors: nothing here logs or returns the secret; why gets one line
 * ("storage answered 403 SignatureDoesNotMatch", "cannot reach storage: ...").
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/err.h"

bool upload_enabled(const config *cfg);
/* The object key of a report (caller frees). */
char *upload_key(long long user_id, const char *report_type, const char *period);
/* On PDT_OK *url is the public URL (caller frees). */
pdt_err upload_put(const config *cfg, const char *key, const char *body, size_t len, char **url,
		   char *why, size_t whylen);

/* The storage's error code from its XML error body ("<Code>X</Code>"):
 * letters and digits only, at most 64, into out (outlen >= 1); "" when none.
 * The body is untrusted (tests/fuzz/fuzz_reportdata.c). */
void upload_error_code(const char *body, char *out, size_t outlen);

#endif
