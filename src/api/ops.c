/* Operations endpoints: GET /healthz. */
#include "api/api.h"

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

void api_ops_metrics(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	int64_t commits = 0, cards = 0;
	buf b = BUF_INIT(4 * 1024 * 1024);
	(void)req;
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
