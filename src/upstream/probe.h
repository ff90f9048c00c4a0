#ifndef PDT_UPSTREAM_PROBE_H
#define PDT_UPSTREAM_PROBE_H
/*
 * probe: one bounded GET to an upstream API to learn whether a resource is
 * reachable with a token (POST /api/repos/:id/validate). No retries, no
 * paging: the answer is the status. Connect timeout 5 s, total 10 s, the
 * response body discarded (capped), User-Agent "pdt/<version>".
 * Thread-safe once curl_global_init has run (main does it).
 */
#include <stddef.h>

#include "core/err.h"
#include "upstream/netpolicy.h"

/*
 * headers: NULL-terminated list of "Name: value" lines (borrowed; they may
 * hold a token: nothing here logs them). On PDT_OK *status is the HTTP
 * status; PDT_EUPSTREAM means no HTTP answer (err gets curl's reason, which
 * never contains the headers). policy (borrowed; NULL = exempt, the
 * operator's GITHUB_API_URL) is applied as upstream_req.policy: PDT_EREFUSED
 * with the reason in err when it refuses the URL or every address (nothing
 * was sent to the target).
 */
pdt_err probe_get(const char *url, const char *const *headers, const netpolicy *policy,
		  long *status, char *err, size_t errlen);

/* Percent-encodes s for one URL path segment ("/" becomes "%2F"). Caller frees. */
char *probe_path_escape(const char *s);

#endif
