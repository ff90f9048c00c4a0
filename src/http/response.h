#ifndef PDT_HTTP_RESPONSE_H
#define PDT_HTTP_RESPONSE_H
/*
 * Filling an http_resp. Every body is JSON. Errors are {"error": "..."}.
 * The one place pdt_err values become HTTP statuses is http_status_for().
 * A second call on the same response replaces the first (the old body is
 * freed), so a handler can always end with the latest answer.
 */
#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"
#include "http/http.h"

/* Takes ownership of j (json_decref'd here). */
void http_resp_json(http_resp *resp, int status, json_t *j);
void http_resp_error(http_resp *resp, int status, const char *message);
/* Takes the JSON text already written into b (b is left empty). */
void http_resp_take(http_resp *resp, int status, buf *b);
/*
 * {"error": message} with a Retry-After header of `seconds` (at least 1):
 * for 429 and 503 answers. The other helpers clear the header, so a replaced
 * answer does not keep it.
 */
void http_resp_retry_after(http_resp *resp, int status, const char *message, int64_t seconds);
/* {"message": message} */
void http_resp_message(http_resp *resp, int status, const char *message);
/*
 * Maps rc to a status; client-facing errors (EINVAL, ENOTFOUND, ECONFLICT,
 * ETOOBIG, EAUTH) use `message`, internal ones answer 500 "internal error"
 * (the details belong in the log, not the response).
 */
void http_resp_from_err(http_resp *resp, pdt_err rc, const char *message);
int http_status_for(pdt_err rc);

/* JSON helpers for handlers: RFC 3339 string or null for 0; "" for NULL. */
json_t *http_json_time(int64_t unix_s);
json_t *http_json_str(const char *s);

#endif
