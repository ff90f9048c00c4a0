#include "upstream/client.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "upstream/ratelimit.h"
#include "upstream/sockguard.h"
#include "core/banned.h"

#define DEF_CONNECT_TIMEOUT_MS 5000L
#define DEF_TIMEOUT_MS 30000L
#define DEF_MAX_BODY ((size_t)32 << 20)
#define DEF_MAX_PER_HOST 4
#define DEF_MAX_RETRIES 4
#define DEF_BACKOFF_BASE_MS 500L
#define DEF_BACKOFF_CAP_MS 30000L
#define DEF_MAX_WAIT_MS (15L * 60 * 1000)

/* The loop wakes at least this often even when nothing happens. */
#define LOOP_POLL_MS 1000
/* Longer header values are dropped (Link headers are capped the same way). */
#define HDR_VALUE_MAX 16384
/* GitHub's secondary limit without Retry-After: wait at least a minute. */
#define SECONDARY_MIN_WAIT_MS 60000
/* Cap on the URL text in log lines. */
#define LOG_URL_MAX 512

/* What one response's headers said. */
typedef struct captured {
	char *etag;
	char *link;
	char *next_page;
	int64_t retry_after_ms; /* -1 = absent */
	int64_t rl_remaining;   /* -1 = absent */
	int64_t rl_reset;       /* Unix seconds, -1 = absent */
} captured;

/*
 * One attempt, handed to the transfer loop. It lives on the caller's stack;
 * the loop owns `easy` from enqueue to completion (and cleans it up), the
 * caller owns everything else. `done` and the fields the loop sets are
 * published under the client mutex.
 */
typedef struct xfer {
	CURL *easy;
	struct curl_slist *hl;
	buf body;
	captured hdr;
	bool toobig;
	bool done;
	bool cancelled;
	bool added; /* in the multi handle (loop only) */
	CURLcode cc;
	long status;
	sockguard guard; /* the request's policy at connect time */
	pthread_cond_t cv;
	struct xfer *next;
} xfer;

struct upstream_client {
	upstream_opts o;
	upstream_stats stats;
	CURLM *multi;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wait_cv; /* CLOCK_MONOTONIC; backoff and rate-limit waits */
	atomic_bool cancelled;
	bool stopping;                     /* under mu */
	xfer *pending_head, *pending_tail; /* under mu: handed over, not yet in the multi */
	xfer *active;                      /* loop thread only: in the multi */
	ratelimit_table *rl;
	upstream_budget budget; /* set before use; acquire NULL: none */
	atomic_uint_fast64_t rng;
};

/* How an attempt ended, for the retry decision. */
typedef struct outcome {
	pdt_err rc;       /* the result if this attempt is the last */
	bool transient;   /* worth retrying */
	bool ratelimited; /* 429, or a 403 that is a rate limit */
	bool secondary;   /* rate-limited by message only (no header said how long) */
} outcome;

/* ---- options ---- */

static void opts_fill(upstream_opts *o, const upstream_opts *in)
{
	upstream_opts z = {0};
	*o = in ? *in : z;
	if (o->connect_timeout_ms <= 0)
		o->connect_timeout_ms = DEF_CONNECT_TIMEOUT_MS;
	if (o->timeout_ms <= 0)
		o->timeout_ms = DEF_TIMEOUT_MS;
	if (o->max_body == 0)
		o->max_body = DEF_MAX_BODY;
	if (o->max_per_host <= 0)
		o->max_per_host = DEF_MAX_PER_HOST;
	if (o->max_retries == 0)
		o->max_retries = DEF_MAX_RETRIES;
	else if (o->max_retries < 0)
		o->max_retries = 0; /* explicitly none */
	if (o->backoff_base_ms <= 0)
		o->backoff_base_ms = DEF_BACKOFF_BASE_MS;
	if (o->backoff_cap_ms <= 0)
		o->backoff_cap_ms = DEF_BACKOFF_CAP_MS;
	if (o->max_wait_ms <= 0)
		o->max_wait_ms = DEF_MAX_WAIT_MS;
}

/* ---- small helpers ---- */

static void captured_init(captured *h)
{
	h->etag = h->link = h->next_page = NULL;
	h->retry_after_ms = h->rl_remaining = h->rl_reset = -1;
}

static void captured_release(captured *h)
{
	free(h->etag);
	free(h->link);
	free(h->next_page);
	captured_init(h);
}

static bool contains_ci(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (strncasecmp(p + i, needle, k) == 0)
			return true;
	return false;
}

/* The URL for a log line: no userinfo, no query string, no fragment. */
static void url_for_log(const char *url, char *out, size_t cap)
{
	const char *host = strstr(url, "://");
	host = host ? host + 3 : url;
	size_t hlen = strcspn(host, "/?#");
	const char *at = memchr(host, '@', hlen);
	size_t pre = (size_t)(host - url);
	const char *rest = at ? at + 1 : host;
	snprintf(out, cap, "%.*s%.*s", (int)pre, url, (int)strcspn(rest, "?#"), rest);
}

static uint64_t rand_u64(upstream_client *c)
{
	uint64_t z = atomic_fetch_add(&c->rng, UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* ---- curl callbacks (run on the loop thread) ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	xfer *x = ud;
	if (buf_append(&x->body, p, size * n) != PDT_OK) {
		x->toobig = true;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return size * n;
}

static bool name_is(const char *name, size_t nlen, const char *want)
{
	return nlen == strlen(want) && strncasecmp(name, want, nlen) == 0;
}

static void set_str(char **slot, const char *v, size_t n)
{
	free(*slot);
	*slot = n ? xstrndup(v, n) : NULL;
}

/* Appends another Link header line to the first (RFC 9110 list combination). */
static void add_link(captured *h, const char *v, size_t n)
{
	if (!h->link) {
		set_str(&h->link, v, n);
		return;
	}
	size_t old = strlen(h->link);
	if (old + 2 + n > HDR_VALUE_MAX)
		return;
	char *s = xmalloc(old + 2 + n + 1);
	memcpy(s, h->link, old);
	memcpy(s + old, ", ", 2);
	memcpy(s + old + 2, v, n);
	s[old + 2 + n] = '\0';
	free(h->link);
	h->link = s;
}

static void capture(captured *h, const char *name, size_t nlen, const char *v, size_t vlen)
{
	char num[32];
	bool small = vlen < sizeof num;
	if (small) {
		memcpy(num, v, vlen);
		num[vlen] = '\0';
	}
	if (name_is(name, nlen, "etag"))
		set_str(&h->etag, v, vlen);
	else if (name_is(name, nlen, "link"))
		add_link(h, v, vlen);
	else if (name_is(name, nlen, "x-next-page"))
		set_str(&h->next_page, v, vlen);
	else if (!small)
		return;
	else if (name_is(name, nlen, "retry-after"))
		h->retry_after_ms = ratelimit_parse_retry_after(num, timeutil_now());
	else if (name_is(name, nlen, "x-ratelimit-remaining") ||
		 name_is(name, nlen, "ratelimit-remaining"))
		h->rl_remaining = ratelimit_parse_count(num);
	else if (name_is(name, nlen, "x-ratelimit-reset") || name_is(name, nlen, "ratelimit-reset"))
		h->rl_reset = ratelimit_parse_reset(num, timeutil_now());
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	xfer *x = ud;
	size_t len = size * n;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		captured_release(&x->hdr); /* a new response (after 1xx): start over */
		return len;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return len;
	size_t nlen = (size_t)(colon - p);
	while (nlen && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
		nlen--;
	const char *v = colon + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vlen = (size_t)(end - v);
	if (vlen <= HDR_VALUE_MAX)
		capture(&x->hdr, p, nlen, v, vlen);
	return len;
}

/* ---- the transfer loop ---- */

/* Hands x back to its caller. Loop thread; x is no longer in any list. */
static void loop_complete(upstream_client *c, xfer *x)
{
	if (!x->cancelled && x->added)
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->added)
		curl_multi_remove_handle(c->multi, x->easy);
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	pthread_mutex_lock(&c->mu);
	x->done = true;
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&c->mu);
	/* x may be gone now */
}

static void loop_unlink(upstream_client *c, xfer *x)
{
	for (xfer **pp = &c->active; *pp; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			return;
		}
	}
}

static void loop_abort_active(upstream_client *c)
{
	while (c->active) {
		xfer *x = c->active;
		c->active = x->next;
		x->cancelled = true;
		loop_complete(c, x);
	}
}

/* Moves handed-over transfers into the multi. Returns the stopping flag. */
static bool loop_take_pending(upstream_client *c)
{
	pthread_mutex_lock(&c->mu);
	xfer *x = c->pending_head;
	c->pending_head = c->pending_tail = NULL;
	bool stop = c->stopping;
	pthread_mutex_unlock(&c->mu);
	while (x) {
		xfer *next = x->next;
		if (atomic_load(&c->cancelled)) {
			x->cancelled = true;
			loop_complete(c, x);
		} else if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK) {
			x->cc = CURLE_FAILED_INIT;
			loop_complete(c, x);
		} else {
			x->added = true;
			x->next = c->active;
			c->active = x;
		}
		x = next;
	}
	return stop;
}

static void loop_collect_done(upstream_client *c)
{
	CURLMsg *m;
	int left = 0;
	while ((m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURLcode cc = m->data.result;
		xfer *x = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (!x)
			continue;
		x->cc = cc;
		loop_unlink(c, x);
		loop_complete(c, x);
	}
}

static void *loop_main(void *arg)
{
	upstream_client *c = arg;
	for (;;) {
		bool stop = loop_take_pending(c);
		if (atomic_load(&c->cancelled))
			loop_abort_active(c);
		if (stop)
			break;
		int running = 0;
		curl_multi_perform(c->multi, &running);
		loop_collect_done(c);
		curl_multi_poll(c->multi, NULL, 0, LOOP_POLL_MS, NULL);
	}
	loop_abort_active(c);
	return NULL;
}

/* ---- lifecycle ---- */

static bool client_sync_init(upstream_client *c)
{
	pthread_condattr_t ca;
	if (pthread_condattr_init(&ca) != 0)
		return false;
	bool ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
		  pthread_cond_init(&c->wait_cv, &ca) == 0;
	pthread_condattr_destroy(&ca);
	if (!ok)
		return false;
	pthread_mutex_init(&c->mu, NULL);
	return true;
}

upstream_client *upstream_client_new(const upstream_opts *opts)
{
	upstream_client *c = xcalloc(1, sizeof *c);
	opts_fill(&c->o, opts);
	atomic_init(&c->cancelled, false);
	atomic_init(&c->rng, (uint64_t)timeutil_mono_ms() ^ (uint64_t)(uintptr_t)c);
	if (!client_sync_init(c)) {
		free(c);
		return NULL;
	}
	c->rl = ratelimit_table_new();
	c->multi = curl_multi_init();
	if (!c->multi)
		goto fail;
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->o.max_per_host);
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	if (pthread_create(&c->thread, NULL, loop_main, c) != 0)
		goto fail;
	return c;
fail:
	if (c->multi)
		curl_multi_cleanup(c->multi);
	ratelimit_table_free(c->rl);
	pthread_cond_destroy(&c->wait_cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
	return NULL;
}

void upstream_client_cancel(upstream_client *c)
{
	if (!c)
		return;
	atomic_store(&c->cancelled, true);
	pthread_mutex_lock(&c->mu);
	pthread_cond_broadcast(&c->wait_cv);
	pthread_mutex_unlock(&c->mu);
	curl_multi_wakeup(c->multi);
}

void upstream_client_free(upstream_client *c)
{
	if (!c)
		return;
	upstream_client_cancel(c);
	pthread_mutex_lock(&c->mu);
	c->stopping = true;
	pthread_mutex_unlock(&c->mu);
	curl_multi_wakeup(c->multi);
	pthread_join(c->thread, NULL);
	curl_multi_cleanup(c->multi);
	ratelimit_table_free(c->rl);
	pthread_cond_destroy(&c->wait_cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

bool upstream_client_cancelled(upstream_client *c)
{
	return c && atomic_load(&c->cancelled);
}

upstream_stats *upstream_client_stats(upstream_client *c)
{
	return &c->stats;
}

/* ---- one attempt ---- */

static struct curl_slist *slist_add(struct curl_slist *l, const char *line)
{
	struct curl_slist *n = curl_slist_append(l, line);
	if (!n) {
		log_error("out of memory building request headers");
		abort();
	}
	return n;
}

static struct curl_slist *build_headers(const upstream_req *req)
{
	struct curl_slist *l = NULL;
	for (const char *const *h = req->headers; h && *h; h++)
		l = slist_add(l, *h);
	if (req->etag && *req->etag) {
		buf line = BUF_INIT(HDR_VALUE_MAX + 32);
		if (buf_appendf(&line, "If-None-Match: %s", req->etag) == PDT_OK)
			l = slist_add(l, buf_str(&line));
		buf_release(&line);
	}
	if (req->body)
		l = slist_add(l, "Expect:"); /* no 100-continue round trip */
	return l;
}

static void set_method(CURL *e, const upstream_req *req)
{
	const char *m = req->method ? req->method : (req->body ? "POST" : "GET");
	bool post = strcmp(m, "POST") == 0;
	if (req->body || post) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(req->body ? req->body_len : 0));
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	} else if (strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		return;
	}
	if (!post && (req->body || strcmp(m, "GET") != 0))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
}

/* Milliseconds left before req's deadline; INT64_MAX when it has none. */
static int64_t time_left_ms(const upstream_req *req)
{
	if (!req->deadline_ms)
		return INT64_MAX;
	return req->deadline_ms - timeutil_mono_ms();
}

static bool xfer_setup(upstream_client *c, const upstream_req *req, xfer *x)
{
	CURL *e = curl_easy_init();
	if (!e)
		return false;
	x->easy = e;
	x->hl = build_headers(req);
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hl);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "pdt/" PDT_VERSION);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
	int64_t left = time_left_ms(req);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
			 left < c->o.timeout_ms ? (long)(left > 1 ? left : 1) : c->o.timeout_ms);
	if (left < c->o.connect_timeout_ms)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(left > 1 ? left : 1));
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* Waiting for a connection to learn whether it multiplexes only pays off
	 * over TLS, where HTTP/2 can be negotiated; over plain http it would hold
	 * every other transfer to that host behind the first (a hung one too). */
	if (strncasecmp(req->url, "https://", 8) == 0)
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->o.max_body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
	x->guard.policy = req->policy;
	sockguard_install(e, &x->guard);
	if (req->userpwd) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERPWD, req->userpwd);
	}
	set_method(e, req);
	return true;
}

/* Hands x to the loop and sleeps until the loop has finished with it. */
static void xfer_run(upstream_client *c, xfer *x)
{
	pthread_mutex_lock(&c->mu);
	x->next = NULL;
	if (c->pending_tail)
		c->pending_tail->next = x;
	else
		c->pending_head = x;
	c->pending_tail = x;
	pthread_mutex_unlock(&c->mu);
	curl_multi_wakeup(c->multi);
	pthread_mutex_lock(&c->mu);
	while (!x->done)
		pthread_cond_wait(&x->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
}

/* Moves what the attempt received into resp (the last attempt's answer wins). */
static void resp_take(upstream_resp *resp, xfer *x)
{
	buf_release(&resp->body);
	resp->body = x->body;
	buf_init(&x->body, resp->body.max);
	free(resp->etag);
	free(resp->link);
	free(resp->next_page);
	resp->etag = x->hdr.etag;
	resp->link = x->hdr.link;
	resp->next_page = x->hdr.next_page;
	x->hdr.etag = x->hdr.link = x->hdr.next_page = NULL;
	resp->status = x->status;
}

static bool is_ratelimit_403(const xfer *x)
{
	return x->hdr.rl_remaining == 0 || x->hdr.retry_after_ms >= 0 ||
	       contains_ci(x->body.data ? x->body.data : "", x->body.len, "rate limit");
}

static outcome classify(const xfer *x)
{
	outcome o = {PDT_OK, false, false, false};
	if (x->cancelled) {
		o.rc = PDT_ECANCELLED;
	} else if (x->toobig || x->cc == CURLE_FILESIZE_EXCEEDED) {
		o.rc = PDT_ETOOBIG;
	} else if (x->cc == CURLE_URL_MALFORMAT || x->cc == CURLE_UNSUPPORTED_PROTOCOL) {
		o.rc = PDT_EINVAL;
	} else if (x->cc != CURLE_OK && x->guard.refused) {
		o.rc = PDT_EREFUSED; /* permanent: the same address would be refused again */
	} else if (x->cc != CURLE_OK || x->status < 200) {
		o.rc = x->cc == CURLE_OPERATION_TIMEDOUT ? PDT_ETIMEOUT : PDT_EUPSTREAM;
		o.transient = true;
	} else if (x->status == 429 || (x->status == 403 && is_ratelimit_403(x))) {
		o.rc = PDT_ERATELIMIT;
		o.transient = o.ratelimited = true;
		o.secondary = x->hdr.retry_after_ms < 0 &&
			      !(x->hdr.rl_remaining == 0 && x->hdr.rl_reset >= 0) &&
			      contains_ci(x->body.data ? x->body.data : "", x->body.len, "rate limit");
	} else if (x->status >= 500) {
		o.rc = PDT_EUPSTREAM;
		o.transient = true;
	}
	return o;
}

static void describe(upstream_resp *resp, const xfer *x, const outcome *o)
{
	if (o->rc == PDT_OK)
		resp->error[0] = '\0';
	else if (o->rc == PDT_ECANCELLED)
		snprintf(resp->error, sizeof resp->error, "cancelled");
	else if (o->rc == PDT_ETOOBIG)
		snprintf(resp->error, sizeof resp->error, "response body over the size cap");
	else if (o->rc == PDT_EREFUSED)
		snprintf(resp->error, sizeof resp->error, "%s", x->guard.msg);
	else if (x->cc != CURLE_OK)
		snprintf(resp->error, sizeof resp->error, "%s", curl_easy_strerror(x->cc));
	else
		snprintf(resp->error, sizeof resp->error, "HTTP %ld", x->status);
}

/* The provider a request is for: its rate-limit key's prefix ("github:..."). */
static void provider_of(const upstream_req *req, char *out, size_t n)
{
	const char *k = req->ratelimit_key ? req->ratelimit_key : "";
	size_t len = strcspn(k, ":");
	if (len == 0 || len >= n)
		snprintf(out, n, "other");
	else
		snprintf(out, n, "%.*s", (int)len, k);
}

static void count_attempt(const upstream_req *req, long status)
{
	char provider[16], st[16];
	provider_of(req, provider, sizeof provider);
	if (status)
		snprintf(st, sizeof st, "%ld", status);
	else
		snprintf(st, sizeof st, "error");
	metrics_inc("pdt_upstream_requests_total", "provider", provider, "status", st);
}

static void count_wait(const upstream_req *req)
{
	char provider[16];
	provider_of(req, provider, sizeof provider);
	metrics_inc("pdt_upstream_ratelimit_waits_total", "provider", provider, NULL, NULL);
}

/*
 * Sends one attempt and records what came back in resp, the stats and the
 * rate-limit table. *wait_hint gets the wait the response asked for (-1: none).
 */
static outcome attempt(upstream_client *c, const upstream_req *req, upstream_resp *resp,
		       int64_t *wait_hint)
{
	outcome o = {PDT_EUPSTREAM, false, false, false};
	xfer x = {0};
	buf_init(&x.body, c->o.max_body);
	captured_init(&x.hdr);
	pthread_cond_init(&x.cv, NULL);
	if (!xfer_setup(c, req, &x)) {
		snprintf(resp->error, sizeof resp->error, "cannot initialise HTTP client");
		goto cleanup;
	}
	atomic_fetch_add(&c->stats.requests, 1);
	resp->attempts++;
	xfer_run(c, &x);
	count_attempt(req, x.status);
	ratelimit_record(c->rl, req->ratelimit_key, x.hdr.rl_remaining, x.hdr.rl_reset);
	if (c->budget.record && req->ratelimit_key && x.status)
		c->budget.record(c->budget.ctx, req->ratelimit_key, x.status, x.hdr.rl_remaining,
				 x.hdr.rl_reset, x.hdr.retry_after_ms, ratelimit_wall_ms());
	if (x.status == 304)
		atomic_fetch_add(&c->stats.not_modified, 1);
	o = classify(&x);
	describe(resp, &x, &o);
	if (o.rc == PDT_ETIMEOUT && time_left_ms(req) <= 0)
		snprintf(resp->error, sizeof resp->error, UPSTREAM_DEADLINE_MSG);
	*wait_hint = x.hdr.retry_after_ms;
	if (x.hdr.rl_remaining == 0 && x.hdr.rl_reset >= 0) {
		int64_t until = x.hdr.rl_reset * 1000 + RATELIMIT_RESET_PAD_MS - ratelimit_wall_ms();
		if (until > *wait_hint)
			*wait_hint = until;
	}
	resp_take(resp, &x);
cleanup:
	if (x.easy)
		curl_easy_cleanup(x.easy); /* only when it never reached the loop */
	curl_slist_free_all(x.hl);
	captured_release(&x.hdr);
	buf_release(&x.body);
	pthread_cond_destroy(&x.cv);
	return o;
}

/* ---- waits ---- */

/* Sleeps ms unless cancelled first. */
static pdt_err sleep_ms(upstream_client *c, int64_t ms)
{
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)(ms / 1000);
	dl.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->mu);
	while (!atomic_load(&c->cancelled)) {
		if (pthread_cond_timedwait(&c->wait_cv, &c->mu, &dl) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&c->mu);
	return atomic_load(&c->cancelled) ? PDT_ECANCELLED : PDT_OK;
}

static pdt_err fail_cancelled(upstream_resp *resp)
{
	snprintf(resp->error, sizeof resp->error, "cancelled");
	return PDT_ECANCELLED;
}

/* A rate-limit wait that will not be made: when it would have ended. */
static pdt_err fail_ratelimited(upstream_resp *resp, int64_t wait_ms)
{
	resp->retry_at = ratelimit_wall_ms() / 1000 + (wait_ms + 999) / 1000;
	return PDT_ERATELIMIT;
}

static pdt_err fail_deadline(upstream_resp *resp)
{
	snprintf(resp->error, sizeof resp->error, UPSTREAM_DEADLINE_MSG);
	return PDT_ETIMEOUT;
}

/* Before sending: waits while the key's budget is spent. */
static pdt_err gate(upstream_client *c, const upstream_req *req, upstream_resp *resp)
{
	for (;;) {
		if (atomic_load(&c->cancelled))
			return fail_cancelled(resp);
		if (time_left_ms(req) <= 0)
			return fail_deadline(resp);
		int64_t w = ratelimit_wait_ms(c->rl, req->ratelimit_key, ratelimit_wall_ms());
		if (w <= 0 && c->budget.acquire && req->ratelimit_key)
			w = c->budget.acquire(c->budget.ctx, req->ratelimit_key, ratelimit_wall_ms());
		if (w <= 0)
			return PDT_OK;
		if (w > c->o.max_wait_ms || w > time_left_ms(req)) {
			snprintf(resp->error, sizeof resp->error,
				 "rate limit spent; resets in %lld s (over the wait limit)",
				 (long long)(w / 1000));
			return fail_ratelimited(resp, w);
		}
		atomic_fetch_add(&c->stats.ratelimit_waits, 1);
		count_wait(req);
		char u[LOG_URL_MAX];
		url_for_log(req->url, u, sizeof u);
		log_debug("upstream msg=\"rate limit spent, waiting\" url=%s wait_ms=%lld", u,
			  (long long)w);
		if (sleep_ms(c, w) != PDT_OK)
			return fail_cancelled(resp);
	}
}

/* The wait before retry number attempt + 1 (attempt counts from 0). */
static int64_t retry_wait_ms(upstream_client *c, int attempt_no, const outcome *o, int64_t hint)
{
	int64_t cap = c->o.backoff_cap_ms, b = c->o.backoff_base_ms;
	for (int i = 0; i < attempt_no && b < cap; i++)
		b = b > cap / 2 ? cap : b * 2;
	if (b > cap)
		b = cap;
	int64_t half = b / 2;
	int64_t wait = half + (int64_t)(rand_u64(c) % (uint64_t)(b - half + 1));
	if (hint > wait)
		wait = hint; /* Retry-After / reset: never shortened */
	if (o->secondary && wait < SECONDARY_MIN_WAIT_MS)
		wait = SECONDARY_MIN_WAIT_MS;
	return wait;
}

static pdt_err retry_loop(upstream_client *c, const upstream_req *req, upstream_resp *resp)
{
	for (int n = 0;; n++) {
		pdt_err rc = gate(c, req, resp);
		if (rc)
			return rc;
		int64_t hint = -1;
		outcome o = attempt(c, req, resp, &hint);
		if (!o.transient || n >= c->o.max_retries)
			return o.rc;
		int64_t wait = retry_wait_ms(c, n, &o, hint);
		char u[LOG_URL_MAX];
		url_for_log(req->url, u, sizeof u);
		bool too_long = wait > c->o.max_wait_ms, too_late = wait >= time_left_ms(req);
		if (too_late && !o.ratelimited)
			return o.rc; /* no time left to retry: the last answer stands */
		if (too_long || too_late) {
			log_warn("upstream msg=\"wait over the limit, giving up\" url=%s status=%ld "
				 "attempt=%d wait_ms=%lld",
				 u, resp->status, resp->attempts, (long long)wait);
			snprintf(resp->error, sizeof resp->error,
				 "HTTP %ld: asked to wait %lld s (over the wait limit)", resp->status,
				 (long long)(wait / 1000));
			return fail_ratelimited(resp, wait);
		}
		log_warn("upstream msg=retry url=%s status=%ld attempt=%d wait_ms=%lld error=\"%s\"", u,
			 resp->status, resp->attempts, (long long)wait, resp->error);
		atomic_fetch_add(&c->stats.retries, 1);
		if (o.ratelimited) {
			atomic_fetch_add(&c->stats.ratelimit_waits, 1);
			count_wait(req);
		}
		if (sleep_ms(c, wait) != PDT_OK)
			return fail_cancelled(resp);
	}
}

/* ---- public ---- */

void upstream_client_set_budget(upstream_client *c, const upstream_budget *b)
{
	upstream_budget none = {0};
	c->budget = b ? *b : none;
}

void upstream_resp_release(upstream_resp *r)
{
	if (!r)
		return;
	buf_release(&r->body);
	free(r->etag);
	free(r->link);
	free(r->next_page);
	r->etag = r->link = r->next_page = NULL;
	r->status = 0;
	r->attempts = 0;
	r->retry_at = 0;
	r->error[0] = '\0';
}

pdt_err upstream_do(upstream_client *c, const upstream_req *req, upstream_resp *resp)
{
	memset(resp, 0, sizeof *resp);
	buf_init(&resp->body, c->o.max_body);
	pdt_err rc;
	if (!req || !req->url || !*req->url) {
		snprintf(resp->error, sizeof resp->error, "no URL");
		rc = PDT_EINVAL;
	} else if (req->policy &&
		   !netpolicy_check_url(req->policy, req->url, resp->error, sizeof resp->error)) {
		rc = PDT_EREFUSED; /* before any connection: not even DNS */
	} else {
		rc = retry_loop(c, req, resp);
	}
	if (resp->next_page && !*resp->next_page) {
		free(resp->next_page);
		resp->next_page = NULL;
	}
	bool good = resp->status == 304 || (resp->status >= 200 && resp->status < 300);
	if (rc != PDT_OK || !good)
		atomic_fetch_add(&c->stats.errors, 1);
	return rc;
}
