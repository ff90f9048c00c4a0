#include "http/response.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/timeutil.h"
#include "core/utf8.h"
#include "core/banned.h"

void http_resp_json(http_resp *resp, int status, json_t *j)
{
	free(resp->body);
	resp->status = status;
	resp->retry_after_s = 0;
	resp->body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!resp->body) {
		/* Only an allocation failure or invalid UTF-8 gets here. */
		resp->status = 500;
		resp->body = xstrdup("{\"error\":\"internal error\"}");
	}
	resp->len = strlen(resp->body);
}

void http_resp_take(http_resp *resp, int status, buf *b)
{
	free(resp->body);
	resp->status = status;
	resp->retry_after_s = 0;
	resp->len = b->len;
	resp->body = buf_detach(b);
}

void http_resp_error(http_resp *resp, int status, const char *message)
{
	http_resp_json(resp, status, json_pack("{s:s}", "error", message));
}

void http_resp_retry_after(http_resp *resp, int status, const char *message, int64_t seconds)
{
	http_resp_error(resp, status, message);
	resp->retry_after_s = seconds > 0 ? seconds : 1;
}

void http_resp_message(http_resp *resp, int status, const char *message)
{
	http_resp_json(resp, status, json_pack("{s:s}", "message", message));
}

int http_status_for(pdt_err rc)
{
	switch (rc) {
	case PDT_OK: return 200;
	case PDT_EINVAL: return 400;
	case PDT_EAUTH: return 401;
	case PDT_ENOTFOUND: return 404;
	case PDT_ECONFLICT: return 409;
	case PDT_ETOOBIG: return 413;
	case PDT_ERATELIMIT: return 429;
	case PDT_EUPSTREAM: return 502;
	case PDT_EREFUSED: return 400; /* the user's own setting points where pdt will not go */
	case PDT_ETIMEOUT: return 504;
	case PDT_ECANCELLED: return 503;
	case PDT_EUNAVAIL: return 503;
	default: return 500;
	}
}

void http_resp_from_err(http_resp *resp, pdt_err rc, const char *message)
{
	int status = http_status_for(rc);
	if (status >= 500 || !message)
		message = rc == PDT_EUNAVAIL	    ? "database unavailable"
			  : status == 503 ? "service shutting down"
					  : "internal error";
	http_resp_error(resp, status, message);
}

json_t *http_json_time(int64_t unix_s)
{
	if (unix_s == 0)
		return json_null();
	char ts[TIMEUTIL_RFC3339_LEN];
	timeutil_format_rfc3339(unix_s, ts);
	return json_string(ts);
}

json_t *http_json_str(const char *s)
{
	/* Text that is not valid UTF-8 (a message cut mid-character) must not
	 * make the response fail: keep its valid prefix. */
	s = s ? s : "";
	return json_stringn(s, utf8_valid_prefix(s, strlen(s)));
}
