/* Operations endpoints: GET /healthz, GET /metrics. */
#include "api/api.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "core/metrics.h"
#include "http/response.h"
#include "core/banned.h"

void api_ops_healthz(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	(void)req;
	if (store_ping(a->st) == PDT_OK)
		http_resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
	else
		http_resp_json(resp, 503, json_pack("{s:s,s:s}", "status", "unavailable",
						    "error", "database unavailable"));
}

/* Constant time and length-safe: both sides are hashed first, so the compare
 * sees two digests of the same size and tells nothing about the token's
 * length or a matching prefix. */
static bool token_equal(const char *got, const char *want)
{
	unsigned char dg[EVP_MAX_MD_SIZE], dw[EVP_MAX_MD_SIZE];
	unsigned int ng = 0, nw = 0;
	if (EVP_Digest(got, strlen(got), dg, &ng, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(want, strlen(want), dw, &nw, EVP_sha256(), NULL) != 1 || ng != nw)
		return false;
	return CRYPTO_memcmp(dg, dw, ng) == 0;
}

/* METRICS_TOKEN unset: open (as Prometheus exporters are). Set: only
 * "Authorization: Bearer <METRICS_TOKEN>"; user JWTs are not accepted. */
static bool metrics_allowed(const api_app *a, const http_req *req, http_resp *resp)
{
	if (!a->cfg->metrics_token)
		return true;
	const char *h = http_req_header(req, "Authorization");
	const char *tok = api_bearer_token(h);
	if (tok && token_equal(tok, a->cfg->metrics_token))
		return true;
	http_resp_error(resp, 401, h ? "invalid metrics token"
				     : "missing authorization header (METRICS_TOKEN is set)");
	return false;
}

/* The figures are aggregate: labels are route patterns, statuses, providers
 * and sources, never a user id, an email or a repository. */
void api_ops_metrics(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	int64_t commits = 0, cards = 0;
	if (!metrics_allowed(a, req, resp))
		return;
	buf b = BUF_INIT(4 * 1024 * 1024);
	pdt_err rc = metrics_render(&b);
	if (!rc && store_count_all(a->st, &commits, &cards) == PDT_OK) {
		rc = metrics_render_gauge(&b, "pdt_commits_stored", "Commits stored, all users.",
					  commits);
		if (!rc)
			rc = metrics_render_gauge(&b, "pdt_cards_stored", "Jira cards stored, all users.",
						  cards);
	}
	if (rc) {
		buf_release(&b);
		http_resp_from_err(resp, rc, NULL);
		return;
	}
	http_resp_take(resp, 200, &b);
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
