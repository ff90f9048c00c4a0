#include "report/upload.h"

#include <curl/curl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/banned.h"

#define REPLY_MAX 4096

bool upload_enabled(const config *cfg)
{
	return cfg->r2_bucket_name != NULL;
}

char *upload_key(long long user_id, const char *report_type, const char *period)
{
	buf b = BUF_INIT(256);
	bool monthly = strcmp(report_type, "monthly") == 0;
	buf_appendf(&b, "reports/%lld/%s%s.md", user_id, monthly ? "monthly-" : "", period);
	return buf_detach(&b);
}

static size_t keep_reply(char *p, size_t size, size_t n, void *ctx)
{
	buf *b = ctx;
	size_t len = size * n;
	if (b->len < REPLY_MAX)
		buf_append(b, p, len < REPLY_MAX - b->len ? len : REPLY_MAX - b->len);
	return len;
}

/* The endpoint's base URL, without a trailing '/'. */
static void endpoint(const config *cfg, buf *out)
{
	if (cfg->s3_endpoint)
		buf_appends(out, cfg->s3_endpoint);
	else
		buf_appendf(out, "https://%s.r2.cloudflarestorage.com", cfg->r2_account_id);
}

void upload_error_code(const char *body, char *out, size_t outlen)
{
	const char *a = strstr(body, "<Code>"), *e = a ? strstr(a, "</Code>") : NULL;
	out[0] = '\0';
	if (!a || !e)
		return;
	a += 6;
	size_t n = 0;
	for (const char *p = a; p < e && n + 1 < outlen && n < 64; p++)
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			out[n++] = *p;
	out[n] = '\0';
}

static void sha256_hex(const char *body, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)body, len, md);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void public_url(const config *cfg, const char *key, buf *out)
{
	const char *dom = cfg->r2_public_domain;
	if (!dom) {
		endpoint(cfg, out);
		buf_appendf(out, "/%s/%s", cfg->r2_bucket_name, key);
		return;
	}
	if (strncmp(dom, "https://", 8) == 0)
		dom += 8;
	else if (strncmp(dom, "http://", 7) == 0)
		dom += 7;
	size_t n = strlen(dom);
	while (n && dom[n - 1] == '/')
		n--;
	buf_appends(out, "https://");
	buf_append(out, dom, n);
	buf_appendf(out, "/%s", key);
}

pdt_err upload_put(const config *cfg, const char *key, const char *body, size_t len, char **url,
		   char *why, size_t whylen)
{
	buf target = BUF_INIT(4096), sigv4 = BUF_INIT(256), auth = BUF_INIT(2048);
	buf hash_h = BUF_INIT(128), reply = BUF_INIT(REPLY_MAX + 1), pub = BUF_INIT(4096);
	struct curl_slist *h = NULL;
	char hash[65], code[72];
	long status = 0;
	pdt_err rc = PDT_EUPSTREAM;
	*url = NULL;
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(why, whylen, "cannot start a transfer");
		return PDT_EUPSTREAM;
	}
	endpoint(cfg, &target);
	buf_appendf(&target, "/%s/%s", cfg->r2_bucket_name, key);
	buf_appendf(&sigv4, "aws:amz:%s:s3", cfg->s3_region);
	buf_appendf(&auth, "%s:%s", cfg->r2_access_key_id, cfg->r2_secret_access_key);
	sha256_hex(body, len, hash);
	buf_appendf(&hash_h, "x-amz-content-sha256: %s", hash);
	h = curl_slist_append(h, buf_str(&hash_h));
	h = curl_slist_append(h, "Content-Type: text/markdown; charset=utf-8");
	curl_easy_setopt(c, CURLOPT_URL, buf_str(&target));
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_AWS_SIGV4, buf_str(&sigv4));
	curl_easy_setopt(c, CURLOPT_USERPWD, buf_str(&auth));
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(cfg->upstream_timeout_ns / 1000000));
	curl_easy_setopt(c, CURLOPT_USERAGENT, "pdt/" PDT_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_reply);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
	CURLcode cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		snprintf(why, whylen, "cannot reach storage: %s", curl_easy_strerror(cc));
		goto cleanup;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		upload_error_code(buf_str(&reply), code, sizeof code);
		snprintf(why, whylen, "storage answered %ld%s%s", status, code[0] ? " " : "", code);
		goto cleanup;
	}
	public_url(cfg, key, &pub);
	*url = buf_detach(&pub);
	rc = PDT_OK;
cleanup:
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	mem_wipe(auth.data, auth.cap);
	buf_release(&auth);
	buf_release(&target);
	buf_release(&sigv4);
	buf_release(&hash_h);
	buf_release(&reply);
	buf_release(&pub);
	return rc;
}
