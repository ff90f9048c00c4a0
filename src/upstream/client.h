#ifndef PDT_UPSTREAM_CLIENT_H
#define PDT_UPSTREAM_CLIENT_H
/*
 * upstream/client: every HTTP request pdt makes to GitHub, GitLab or Jira.
 *
 * Design. One curl multi handle, driven by one thread (the transfer loop),
 * owns every connection: keep-alive reuse, HTTP/2 multiplexing where offered,
 * a cap of `max_per_host` connections per host, compressed responses. Any
 * number of caller threads call upstream_do(); it hands the transfer to the
 * loop and sleeps until it completes. Retries, backoff and rate-limit waits
 * happen inside upstream_do, in the caller's thread, sleeping on a condition
 * variable that upstream_client_cancel() signals, so every wait and every
 * transfer ends promptly on shutdown (curl_multi_wakeup interrupts the loop).
 *
 * Policy (CONTRACT §3, UPSTREAM.md):
 *  - connect timeout and total timeout per attempt; response bodies capped.
 *  - transient failures — network errors, timeouts, 5xx, 429, and 403 that is
 *    a rate limit (GitHub secondary limit: retry-after, or a body mentioning
 *    "rate limit"; primary: x-ratelimit-remaining: 0) — are retried up to
 *    max_retries times with capped, jittered exponential backoff
 *    (min(cap, base * 2^n), drawn from [half, full]); a Retry-After header
 *    (seconds or HTTP-date) or a spent budget's reset time (+1 s) lengthens
 *    the wait, never shortens it. A rate limit known only from its message
 *    (GitHub's secondary limit, no Retry-After) waits at least 60 s. A wait
 *    longer than max_wait_ms is not made: PDT_ERATELIMIT at once.
 *  - per rate-limit key (one per token): when a response says the budget is
 *    spent (x-ratelimit-remaining / RateLimit-Remaining = 0), later requests
 *    with that key wait until the reset time (+1 s) before being sent.
 *  - 401, 403 (not a rate limit), 404, 410, 422 and other 4xx are permanent:
 *    returned at once with their status, never retried.
 *
 * Ownership: upstream_client_new allocates; upstream_client_free stops the
 * loop and frees it (callers must have returned). upstream_do fills a
 * caller-provided upstream_resp that upstream_resp_release frees. Request
 * fields are borrowed for the call. Nothing here logs a header value (tokens
 * travel in headers); URLs are logged without their query string.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "upstream/netpolicy.h"

typedef struct upstream_opts {
	long connect_timeout_ms; /* default 5000 */
	long timeout_ms;         /* whole attempt; default 30000 */
	size_t max_body;         /* default 32 MiB */
	int max_per_host;        /* concurrent connections per host; default 4 */
	int max_retries;         /* default 4; negative = no retries */
	long backoff_base_ms;    /* first backoff; default 500 */
	long backoff_cap_ms;     /* default 30000 */
	long max_wait_ms;        /* longest rate-limit / Retry-After wait accepted; default 15 min */
} upstream_opts;

/* Counters, updated atomically; read them any time (metrics, pass logs). */
typedef struct upstream_stats {
	atomic_llong requests;     /* attempts sent */
	atomic_llong not_modified; /* 304 answers */
	atomic_llong retries;
	atomic_llong ratelimit_waits; /* waits for a spent budget, or after a 429/403 limit */
	atomic_llong errors;       /* calls that ended in an error or a non-2xx/304 status */
} upstream_stats;

typedef struct upstream_client upstream_client;

/* NULL opts = all defaults; zero fields take their default. Starts the
 * transfer-loop thread; NULL if it or the curl multi handle cannot be made.
 * curl_global_init must have run. */
upstream_client *upstream_client_new(const upstream_opts *opts);
/* Cancels, joins the transfer loop, frees. NULL is fine. */
void upstream_client_free(upstream_client *c);
/* From any thread: aborts transfers in flight and every wait; later calls
 * fail fast with PDT_ECANCELLED. Idempotent. */
void upstream_client_cancel(upstream_client *c);
bool upstream_client_cancelled(upstream_client *c);
upstream_stats *upstream_client_stats(upstream_client *c);

/*
 * A rate-limit budget shared beyond this process (sync/budget.h keeps it in
 * the database, so replicas on one token spend one budget). Both calls are
 * made only for requests with a ratelimit_key, from caller threads, and must
 * be thread-safe. acquire: before each attempt, after the local table let it
 * go: 0 = send now (one unit taken), else milliseconds to wait before asking
 * again (waited like a spent budget: SYNC_MAX_WAIT and the deadline apply).
 * record: what an answer (HTTP status) announced (remaining/reset as the
 * headers said, -1 absent; retry_after_ms -1 absent). now_ms: wall clock, Unix ms.
 */
typedef struct upstream_budget {
	void *ctx;
	int64_t (*acquire)(void *ctx, const char *key, int64_t now_ms);
	void (*record)(void *ctx, const char *key, long status, int64_t remaining,
		       int64_t reset_s, int64_t retry_after_ms, int64_t now_ms);
} upstream_budget;

/* Installs b (copied) before the client is used by any other thread; NULL
 * removes it. */
void upstream_client_set_budget(upstream_client *c, const upstream_budget *b);

typedef struct upstream_req {
	const char *method;          /* NULL = "GET" ("POST" when body is set) */
	const char *url;
	const char *const *headers;  /* NULL-terminated "Name: value" lines (may hold tokens) */
	const char *ratelimit_key;   /* budget identity, e.g. "github:" + token hash; NULL = none */
	const char *etag;            /* sends If-None-Match when set */
	const char *body;            /* request body (POST), NULL for none */
	size_t body_len;
	const char *userpwd;         /* "user:password" for Basic auth (Jira), NULL for none */
	/* CLOCK_MONOTONIC ms (timeutil_mono_ms) after which nothing is sent or
	 * waited for: each attempt's timeout is cut to it, and a backoff or
	 * rate-limit wait that would end past it is not made. 0 = none. */
	int64_t deadline_ms;
	/* Targets from a user's settings (GitLab, Jira): the URL is checked before
	 * anything is sent (netpolicy_check_url) and every address at connect time
	 * (sockguard); a refusal is PDT_EREFUSED with the reason in resp->error,
	 * never retried. NULL = exempt (the operator's GITHUB_API_URL). Borrowed. */
	const netpolicy *policy;
} upstream_req;

/* resp.error when req.deadline_ms ended a request (nothing sent, or the
 * attempt cut short): the callers' passes report it as it is. */
#define UPSTREAM_DEADLINE_MSG "deadline reached; deferred to the next pass"

typedef struct upstream_resp {
	long status;        /* final HTTP status; 0 when none was received */
	buf body;           /* the final response body */
	char *etag;         /* ETag header or NULL */
	char *link;         /* Link header or NULL */
	char *next_page;    /* x-next-page header (GitLab) or NULL; "" counts as NULL */
	int attempts;       /* how many were sent */
	char error[160];    /* why, when upstream_do fails (never contains a header) */
	int64_t retry_at;   /* on PDT_ERATELIMIT: when the limit lifts (Unix s), 0 if unknown */
} upstream_resp;

/* Frees what resp holds and leaves it empty (reusable). NULL is fine. */
void upstream_resp_release(upstream_resp *r);

/*
 * Performs req with the policy above. resp is initialised here (whatever it
 * held is overwritten, not freed): release it after every call, success or
 * not; on failure it holds the last answer received, if any. Returns:
 *   PDT_OK         a final answer: 2xx, 304, or a permanent 4xx (check status)
 *   PDT_EUPSTREAM  retries exhausted on 5xx/network errors (status = the last one)
 *   PDT_ERATELIMIT still rate-limited after retries, or the wait would exceed max_wait_ms
 *                  or pass req->deadline_ms (resp->retry_at says until when)
 *   PDT_ETIMEOUT   the last attempt timed out, or req->deadline_ms passed (a backoff
 *                  wait would end past it; resp->error says which)
 *   PDT_ETOOBIG    the body exceeded max_body
 *   PDT_ECANCELLED cancelled
 *   PDT_EINVAL     no URL, a malformed one, or a scheme other than http(s)
 *   PDT_EREFUSED   req->policy refused the URL or every address it resolved to: no
 *                  request reached the target (resp->error: "upstream address
 *                  169.254.169.254 refused (link-local)", ...)
 *   PDT_EUPSTREAM  also: the HTTP client could not be initialised
 */
pdt_err upstream_do(upstream_client *c, const upstream_req *req, upstream_resp *resp);

#endif
