/* Operations endpoints: GET /healthz. */
#include "api/api.h"

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
