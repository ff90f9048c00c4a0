#include "upstream/probe.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "upstream/sockguard.h"
#include "upstream/urlenc.h"
#include "core/banned.h"

#define PROBE_CONNECT_TIMEOUT_MS 5000L
#define PROBE_TIMEOUT_MS 10000L
#define PROBE_BODY_MAX (64 * 1024)

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	size_t *total = ud;
	*total += size * n;
	return *total > PROBE_BODY_MAX ? 0 : size * n;
}

pdt_err probe_get(const char *url, const char *const *headers, const netpolicy *policy,
		  long *status, char *err, size_t errlen)
{
	pdt_err rc = PDT_EUPSTREAM;
	struct curl_slist *hl = NULL;
	size_t total = 0;
	sockguard guard = {.policy = policy};
	if (policy && !netpolicy_check_url(policy, url, err, errlen))
		return PDT_EREFUSED;
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errlen, "cannot initialise HTTP client");
		return PDT_EUPSTREAM;
	}
	for (const char *const *h = headers; h && *h; h++)
		hl = curl_slist_append(hl, *h);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "pdt/" PDT_VERSION);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, PROBE_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, PROBE_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &total);
	sockguard_install(c, &guard);
	CURLcode cc = curl_easy_perform(c);
	if (cc == CURLE_WRITE_ERROR || cc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		rc = *status ? PDT_OK : PDT_EUPSTREAM;
	}
	if (rc && guard.refused) {
		rc = PDT_EREFUSED;
		snprintf(err, errlen, "%s", guard.msg);
	} else if (rc) {
		snprintf(err, errlen, "%s", curl_easy_strerror(cc));
	}
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return rc;
}

char *probe_path_escape(const char *s)
{
	buf b = BUF_INIT(3 * strlen(s) + 1);
	urlenc_append(&b, s);
	return buf_detach(&b);
}
