/*
 * Unit tests for upstream/client (and its rate-limit table): a scripted
 * HTTP/1.1 server on 127.0.0.1 (plain sockets, a thread per connection,
 * keep-alive) answers each request with the next canned response and
 * records what it received and when.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/timeutil.h"
#include "upstream/client.h"
#include "upstream/ratelimit.h"

/* ---- the scripted server ---- */

typedef struct canned {
	int status;
	const char *headers; /* "Name: value\n" lines, or NULL */
	const char *body;    /* NULL = "" (or the path with echo_path) */
	size_t body_repeat;  /* > 0: the body is that many 'x' bytes instead */
	bool chunked;        /* send without Content-Length */
	bool echo_path;      /* the body is the request path */
	int delay_ms;        /* before answering (cut short when the server stops) */
} canned;

typedef struct seen {
	char method[16];
	char path[128];
	char inm[128];  /* If-None-Match, "" when absent */
	char ua[64];    /* User-Agent */
	bool auth;      /* Authorization present */
	char body[128]; /* request body (cut) */
	int64_t mono_ms;
	int64_t wall_ms;
	unsigned port;  /* client port */
} seen;

#define MAX_SCRIPT 16
#define MAX_SEEN 64

#define MAX_CONNS 64
#define CONN_BUF 16384

static struct server {
	int lfd;
	pthread_t acceptor;
	bool acceptor_started;
	unsigned port;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC: delays, cut short by stopping */
	bool stopping;
	canned script[MAX_SCRIPT];
	size_t nscript, next;
	canned dflt;
	seen reqs[MAX_SEEN];
	size_t nreqs;
	struct {
		pthread_t tid;
		int fd;
	} conns[MAX_CONNS];
	size_t nconns;
} S = {.lfd = -1};

/* The value of header `name` in the head [h, end) into out ("" when absent);
 * returns whether it was there. */
static bool header_value(const char *h, const char *end, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	out[0] = '\0';
	for (const char *p = memchr(h, '\n', (size_t)(end - h)); p && p + 1 < end;
	     p = memchr(p + 1, '\n', (size_t)(end - p - 1))) {
		const char *line = p + 1, *le = memchr(line, '\n', (size_t)(end - line));
		if (!le)
			break;
		if ((size_t)(le - line) > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ')
				v++;
			size_t vl = (size_t)(le - v);
			if (vl && v[vl - 1] == '\r')
				vl--;
			snprintf(out, cap, "%.*s", (int)vl, v);
			return true;
		}
	}
	return false;
}

static unsigned peer_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	if (getpeername(fd, (struct sockaddr *)&sa, &len) != 0 || sa.sin_family != AF_INET)
		return 0;
	return ntohs(sa.sin_port);
}

static void record(int fd, const char *head, const char *end, const char *body, size_t blen)
{
	seen s;
	char auth[8];
	memset(&s, 0, sizeof s);
	sscanf(head, "%15s %127[^? \r\n]", s.method, s.path); /* the path, no query */
	header_value(head, end, "If-None-Match", s.inm, sizeof s.inm);
	header_value(head, end, "User-Agent", s.ua, sizeof s.ua);
	s.auth = header_value(head, end, "Authorization", auth, sizeof auth);
	snprintf(s.body, sizeof s.body, "%.*s", (int)blen, body);
	s.mono_ms = timeutil_mono_ms();
	s.wall_ms = ratelimit_wall_ms();
	s.port = peer_port(fd);
	pthread_mutex_lock(&S.mu);
	if (S.nreqs < MAX_SEEN)
		S.reqs[S.nreqs++] = s;
	pthread_mutex_unlock(&S.mu);
}

static canned next_canned(void)
{
	pthread_mutex_lock(&S.mu);
	canned cn = S.next < S.nscript ? S.script[S.next++] : S.dflt;
	pthread_mutex_unlock(&S.mu);
	return cn;
}

static void server_delay(int ms)
{
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += ms / 1000;
	dl.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&S.mu);
	while (!S.stopping && pthread_cond_timedwait(&S.cv, &S.mu, &dl) == 0)
		;
	pthread_mutex_unlock(&S.mu);
}

static bool send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* "Name: value\n" lines as CRLF header lines into out. */
static size_t canned_headers(const char *lines, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = lines; p && *p && o < cap;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int w = snprintf(out + o, cap - o, "%.*s\r\n", (int)len, p);
		o += w > 0 ? (size_t)w : 0;
		p += len + (nl ? 1 : 0);
	}
	return o < cap ? o : cap - 1;
}

static bool respond(int fd, const canned *cn, const char *path)
{
	char head[2048];
	const char *body = cn->echo_path ? path : (cn->body ? cn->body : "");
	size_t blen = cn->body_repeat ? cn->body_repeat : strlen(body);
	int n = snprintf(head, sizeof head, "HTTP/1.1 %d Canned\r\n", cn->status);
	n += (int)canned_headers(cn->headers, head + n, sizeof head - (size_t)n);
	if (cn->chunked)
		n += snprintf(head + n, sizeof head - (size_t)n, "Transfer-Encoding: chunked\r\n\r\n");
	else
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n\r\n", blen);
	if (!send_all(fd, head, (size_t)n))
		return false;
	if (!cn->body_repeat)
		return send_all(fd, body, blen);
	char x[1024], size[16];
	memset(x, 'x', sizeof x);
	for (size_t sent = 0; sent < blen;) {
		size_t k = blen - sent < sizeof x ? blen - sent : sizeof x;
		int sl = snprintf(size, sizeof size, "%zx\r\n", k);
		if ((cn->chunked && !send_all(fd, size, (size_t)sl)) || !send_all(fd, x, k) ||
		    (cn->chunked && !send_all(fd, "\r\n", 2)))
			return false;
		sent += k;
	}
	return !cn->chunked || send_all(fd, "0\r\n\r\n", 5);
}

/* Reads until in holds a whole head (and its Content-Length body). Returns
 * the head's length (to the end of its empty line), 0 on EOF or error. */
static size_t read_request(int fd, char *in, size_t *have, size_t *blen)
{
	char cl[24];
	for (;;) {
		char *e = *have >= 4 ? memmem(in, *have, "\r\n\r\n", 4) : NULL;
		if (e) {
			size_t hlen = (size_t)(e - in) + 4;
			*blen = header_value(in, e + 2, "Content-Length", cl, sizeof cl)
					? strtoul(cl, NULL, 10)
					: 0;
			if (*blen > CONN_BUF - hlen)
				return 0; /* the tests send small bodies */
			if (*have >= hlen + *blen)
				return hlen;
		}
		if (*have == CONN_BUF)
			return 0;
		ssize_t n = recv(fd, in + *have, CONN_BUF - *have, 0);
		if (n <= 0)
			return 0;
		*have += (size_t)n;
	}
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *in = malloc(CONN_BUF), path[128], method[16], conn[32];
	size_t have = 0, blen = 0, hlen;
	assert_non_null(in);
	while ((hlen = read_request(fd, in, &have, &blen)) > 0) {
		in[hlen - 1] = '\0'; /* the head's last LF: sscanf stops there */
		record(fd, in, in + hlen - 2, in + hlen, blen);
		sscanf(in, "%15s %127[^? \r\n]", method, path);
		bool close_after = header_value(in, in + hlen - 2, "Connection", conn, sizeof conn) &&
				   strcasecmp(conn, "close") == 0;
		memmove(in, in + hlen + blen, have - hlen - blen);
		have -= hlen + blen;
		canned cn = next_canned();
		if (cn.delay_ms)
			server_delay(cn.delay_ms);
		if (!respond(fd, &cn, path) || close_after)
			break;
	}
	free(in);
	shutdown(fd, SHUT_RDWR);
	return NULL;
}

static void *accept_main(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(S.lfd, NULL, NULL);
		if (fd < 0)
			return NULL; /* the listener was shut down */
		pthread_mutex_lock(&S.mu);
		bool ok = !S.stopping && S.nconns < MAX_CONNS;
		if (ok) {
			S.conns[S.nconns].fd = fd;
			ok = pthread_create(&S.conns[S.nconns].tid, NULL, conn_main,
					    (void *)(intptr_t)fd) == 0;
			if (ok)
				S.nconns++;
		}
		pthread_mutex_unlock(&S.mu);
		if (!ok)
			close(fd);
	}
}

static int server_start(void **state)
{
	(void)state;
	pthread_mutex_lock(&S.mu);
	S.stopping = false;
	S.nscript = S.next = S.nreqs = S.nconns = 0;
	S.dflt = (canned){.status = 200, .body = "ok"};
	pthread_mutex_unlock(&S.mu);
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	S.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (S.lfd < 0 || bind(S.lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(S.lfd, 64) != 0 || getsockname(S.lfd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	S.port = ntohs(sa.sin_port);
	S.acceptor_started = pthread_create(&S.acceptor, NULL, accept_main, NULL) == 0;
	return S.acceptor_started ? 0 : -1;
}

/* Ends every connection (its thread wakes from recv) and joins them all. */
static int server_stop(void **state)
{
	(void)state;
	pthread_mutex_lock(&S.mu);
	S.stopping = true;
	pthread_cond_broadcast(&S.cv);
	pthread_mutex_unlock(&S.mu);
	if (S.lfd >= 0)
		shutdown(S.lfd, SHUT_RDWR);
	if (S.acceptor_started)
		pthread_join(S.acceptor, NULL);
	S.acceptor_started = false;
	for (size_t i = 0; i < S.nconns; i++) {
		shutdown(S.conns[i].fd, SHUT_RDWR);
		pthread_join(S.conns[i].tid, NULL);
		close(S.conns[i].fd);
	}
	S.nconns = 0;
	if (S.lfd >= 0)
		close(S.lfd);
	S.lfd = -1;
	return 0;
}

/* Test-side setters (the server threads read these under the lock). */
static void script(const canned *list, size_t n)
{
	pthread_mutex_lock(&S.mu);
	for (size_t i = 0; i < n && i < MAX_SCRIPT; i++)
		S.script[i] = list[i];
	S.nscript = n;
	S.next = 0;
	pthread_mutex_unlock(&S.mu);
}

static void set_default(canned cn)
{
	pthread_mutex_lock(&S.mu);
	S.dflt = cn;
	pthread_mutex_unlock(&S.mu);
}

static size_t nseen(void)
{
	pthread_mutex_lock(&S.mu);
	size_t n = S.nreqs;
	pthread_mutex_unlock(&S.mu);
	return n;
}

static seen seen_at(size_t i)
{
	pthread_mutex_lock(&S.mu);
	seen s = S.reqs[i];
	pthread_mutex_unlock(&S.mu);
	return s;
}

/* ---- client helpers ---- */

static upstream_opts test_opts(void)
{
	upstream_opts o = {
		.connect_timeout_ms = 1000,
		.timeout_ms = 3000,
		.max_body = 1 << 20,
		.max_per_host = 4,
		.max_retries = 3,
		.backoff_base_ms = 20,
		.backoff_cap_ms = 200,
		.max_wait_ms = 10000,
	};
	return o;
}

static void url_for(char *out, size_t cap, const char *path)
{
	snprintf(out, cap, "http://127.0.0.1:%u%s", S.port, path);
}

static pdt_err get(upstream_client *c, const char *path, const char *key, upstream_resp *r)
{
	char url[256];
	url_for(url, sizeof url, path);
	upstream_req req = {.url = url, .ratelimit_key = key};
	return upstream_do(c, &req, r);
}

/* get() with a deadline deadline_in_ms from now (monotonic). */
static pdt_err get_by(upstream_client *c, const char *path, const char *key, int64_t deadline_in_ms,
		      upstream_resp *r)
{
	char url[256];
	url_for(url, sizeof url, path);
	upstream_req req = {.url = url, .ratelimit_key = key,
			    .deadline_ms = timeutil_mono_ms() + deadline_in_ms};
	return upstream_do(c, &req, r);
}

static long long stat_of(atomic_llong *v)
{
	return atomic_load(v);
}

/* An upstream_do on another thread. */
typedef struct call {
	upstream_client *c;
	char path[64];
	const char *key;
	upstream_resp resp;
	pdt_err rc;
	int64_t end_ms;
	pthread_t t;
} call;

static void *call_main(void *arg)
{
	call *k = arg;
	k->rc = get(k->c, k->path, k->key, &k->resp);
	k->end_ms = timeutil_mono_ms();
	return NULL;
}

static void call_start(call *k, upstream_client *c, const char *path, const char *key)
{
	memset(k, 0, sizeof *k);
	k->c = c;
	snprintf(k->path, sizeof k->path, "%s", path);
	k->key = key;
	assert_int_equal(pthread_create(&k->t, NULL, call_main, k), 0);
}

static void call_join(call *k)
{
	assert_int_equal(pthread_join(k->t, NULL), 0);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Waits (bounded) until the server has seen n requests. */
static void wait_seen(size_t n)
{
	for (int i = 0; i < 300 && nseen() < n; i++)
		sleep_ms(10);
	assert_true(nseen() >= n);
}

/* ---- tests ---- */

static void test_ok_captures_body_and_headers(void **state)
{
	(void)state;
	canned cn[] = {{.status = 200,
			.headers = "ETag: \"abc\"\nLink: <http://x/2>; rel=\"next\"\nX-Next-Page: 3\n",
			.body = "hello"}};
	script(cn, 1);
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	assert_non_null(c);
	char url[256];
	url_for(url, sizeof url, "/repos/o/r?page=1");
	const char *hdrs[] = {"Authorization: Bearer secret", "Accept: application/json", NULL};
	upstream_req req = {.url = url, .headers = hdrs};
	upstream_resp r;
	assert_int_equal(upstream_do(c, &req, &r), PDT_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(buf_str(&r.body), "hello");
	assert_int_equal(r.body.len, 5);
	assert_string_equal(r.etag, "\"abc\"");
	assert_string_equal(r.link, "<http://x/2>; rel=\"next\"");
	assert_string_equal(r.next_page, "3");
	assert_int_equal(r.attempts, 1);
	assert_string_equal(r.error, "");
	upstream_resp_release(&r);
	assert_null(r.etag);

	assert_int_equal(nseen(), 1);
	seen s = seen_at(0);
	assert_string_equal(s.method, "GET");
	assert_string_equal(s.path, "/repos/o/r");
	assert_true(s.auth);
	assert_string_equal(s.inm, "");
	assert_true(strncmp(s.ua, "pdt/", 4) == 0);

	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->requests), 1);
	assert_int_equal(stat_of(&st->retries), 0);
	assert_int_equal(stat_of(&st->errors), 0);
	upstream_client_free(c);
}

static void test_empty_next_page_is_null(void **state)
{
	(void)state;
	canned cn[] = {{.status = 200, .headers = "X-Next-Page: \nETag:  W/\"x\"  \n", .body = ""}};
	script(cn, 1);
	upstream_client *c = upstream_client_new(NULL);
	upstream_resp r;
	assert_int_equal(get(c, "/p", NULL, &r), PDT_OK);
	assert_null(r.next_page);
	assert_null(r.link);
	assert_string_equal(r.etag, "W/\"x\""); /* trimmed */
	assert_int_equal(r.body.len, 0);
	assert_string_equal(buf_str(&r.body), "");
	upstream_resp_release(&r);
	upstream_client_free(c);
}

static void test_etag_304(void **state)
{
	(void)state;
	canned cn[] = {{.status = 304, .headers = "ETag: \"abc\"\n"}};
	script(cn, 1);
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	char url[256];
	url_for(url, sizeof url, "/branches");
	upstream_req req = {.url = url, .etag = "\"abc\""};
	upstream_resp r;
	assert_int_equal(upstream_do(c, &req, &r), PDT_OK);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.body.len, 0);
	upstream_resp_release(&r);
	assert_string_equal(seen_at(0).inm, "\"abc\"");
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->not_modified), 1);
	assert_int_equal(stat_of(&st->errors), 0);
	upstream_client_free(c);
}

static void test_retry_5xx_then_ok(void **state)
{
	(void)state;
	canned cn[] = {{.status = 500, .body = "boom"},
		       {.status = 503, .body = "busy"},
		       {.status = 200, .body = "fine"}};
	script(cn, 3);
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	assert_int_equal(get(c, "/x", NULL, &r), PDT_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 3);
	assert_string_equal(buf_str(&r.body), "fine");
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 3);
	/* full jitter in [b/2, b]: first wait >= 10 ms, second >= 20 ms */
	assert_true(seen_at(1).mono_ms - seen_at(0).mono_ms >= 10);
	assert_true(seen_at(2).mono_ms - seen_at(1).mono_ms >= 20);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->requests), 3);
	assert_int_equal(stat_of(&st->retries), 2);
	assert_int_equal(stat_of(&st->ratelimit_waits), 0);
	assert_int_equal(stat_of(&st->errors), 0);
	upstream_client_free(c);
}

static void test_5xx_exhausted(void **state)
{
	(void)state;
	set_default((canned){.status = 502, .body = "bad gateway"});
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	assert_int_equal(get(c, "/x", NULL, &r), PDT_EUPSTREAM);
	assert_int_equal(r.status, 502);
	assert_int_equal(r.attempts, o.max_retries + 1);
	assert_string_equal(buf_str(&r.body), "bad gateway"); /* the last answer */
	assert_string_equal(r.error, "HTTP 502");
	upstream_resp_release(&r);
	assert_int_equal(nseen(), (size_t)o.max_retries + 1);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->requests), o.max_retries + 1);
	assert_int_equal(stat_of(&st->retries), o.max_retries);
	assert_int_equal(stat_of(&st->errors), 1);
	upstream_client_free(c);
}

static void test_429_retry_after(void **state)
{
	(void)state;
	canned cn[] = {{.status = 429, .headers = "Retry-After: 1\n", .body = "Retry later"},
		       {.status = 200, .body = "ok"}};
	script(cn, 2);
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	assert_int_equal(get(c, "/x", NULL, &r), PDT_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 2);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 2);
	assert_true(seen_at(1).mono_ms - seen_at(0).mono_ms >= 1000);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->retries), 1);
	assert_int_equal(stat_of(&st->ratelimit_waits), 1);
	upstream_client_free(c);
}

static void test_ratelimit_spent_gates_same_key(void **state)
{
	(void)state;
	int64_t reset = timeutil_now() + 2;
	char hdr[128];
	snprintf(hdr, sizeof hdr, "X-RateLimit-Remaining: 0\nX-RateLimit-Reset: %lld\n",
		 (long long)reset);
	canned cn[] = {{.status = 200, .headers = hdr, .body = "first"}};
	script(cn, 1);
	set_default((canned){.status = 200, .echo_path = true});
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	assert_int_equal(get(c, "/first", "gh:1", &r), PDT_OK);
	upstream_resp_release(&r);

	call a;
	call_start(&a, c, "/same-key", "gh:1");
	sleep_ms(100);
	int64_t t0 = timeutil_mono_ms();
	assert_int_equal(get(c, "/other-key", "gh:2", &r), PDT_OK);
	assert_true(timeutil_mono_ms() - t0 < 500); /* a different key is not delayed */
	assert_string_equal(buf_str(&r.body), "/other-key");
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 2); /* the same-key request is still held back */
	assert_string_equal(seen_at(1).path, "/other-key");

	call_join(&a);
	assert_int_equal(a.rc, PDT_OK);
	assert_string_equal(buf_str(&a.resp.body), "/same-key");
	assert_int_equal(a.resp.attempts, 1);
	upstream_resp_release(&a.resp);
	assert_int_equal(nseen(), 3);
	seen s = seen_at(2);
	assert_string_equal(s.path, "/same-key");
	assert_true(s.wall_ms >= reset * 1000);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->ratelimit_waits), 1);
	assert_int_equal(stat_of(&st->retries), 0);
	assert_int_equal(stat_of(&st->requests), 3);
	upstream_client_free(c);
}

static void test_ratelimit_reset_beyond_max_wait(void **state)
{
	(void)state;
	char hdr[128];
	snprintf(hdr, sizeof hdr, "RateLimit-Remaining: 0\nRateLimit-Reset: %lld\n",
		 (long long)timeutil_now() + 3600);
	canned cn[] = {{.status = 200, .headers = hdr, .body = "first"}};
	script(cn, 1);
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	assert_int_equal(get(c, "/first", "gl:1", &r), PDT_OK);
	upstream_resp_release(&r);
	int64_t t0 = timeutil_mono_ms();
	assert_int_equal(get(c, "/second", "gl:1", &r), PDT_ERATELIMIT);
	assert_true(timeutil_mono_ms() - t0 < 200);
	assert_int_equal(r.attempts, 0);
	assert_int_equal(r.status, 0);
	assert_true(strlen(r.error) > 0);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 1);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->errors), 1);
	assert_int_equal(stat_of(&st->ratelimit_waits), 0);
	upstream_client_free(c);
}

static void test_403_ratelimit_retried_after_reset(void **state)
{
	(void)state;
	int64_t reset = timeutil_now() + 1;
	char hdr[128];
	snprintf(hdr, sizeof hdr, "x-ratelimit-remaining: 0\nx-ratelimit-reset: %lld\n",
		 (long long)reset);
	canned cn[] = {{.status = 403,
			.headers = hdr,
			.body = "{\"message\":\"API rate limit exceeded for user ID 1.\"}"},
		       {.status = 200, .body = "ok"}};
	script(cn, 2);
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	assert_int_equal(get(c, "/x", "gh:1", &r), PDT_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 2);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 2);
	assert_true(seen_at(1).wall_ms >= reset * 1000);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->retries), 1);
	assert_int_equal(stat_of(&st->ratelimit_waits), 1);
	upstream_client_free(c);
}

static void test_403_not_ratelimit_is_permanent(void **state)
{
	(void)state;
	canned cn[] = {{.status = 403, .body = "{\"message\":\"Resource not accessible\"}"}};
	script(cn, 1);
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	assert_int_equal(get(c, "/x", "gh:1", &r), PDT_OK);
	assert_int_equal(r.status, 403);
	assert_int_equal(r.attempts, 1);
	assert_string_equal(buf_str(&r.body), "{\"message\":\"Resource not accessible\"}");
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 1);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->retries), 0);
	assert_int_equal(stat_of(&st->errors), 1);
	upstream_client_free(c);
}

static void test_401_404_410_not_retried(void **state)
{
	(void)state;
	canned cn[] = {{.status = 401, .body = "{\"message\":\"Bad credentials\"}"},
		       {.status = 404, .body = "{\"message\":\"404 Project Not Found\"}"},
		       {.status = 410, .body = "gone"},
		       {.status = 422, .body = "nope"}};
	script(cn, 4);
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	long want[] = {401, 404, 410, 422};
	for (size_t i = 0; i < 4; i++) {
		upstream_resp r;
		assert_int_equal(get(c, "/x", NULL, &r), PDT_OK);
		assert_int_equal(r.status, want[i]);
		assert_int_equal(r.attempts, 1);
		upstream_resp_release(&r);
	}
	assert_int_equal(nseen(), 4);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->requests), 4);
	assert_int_equal(stat_of(&st->retries), 0);
	assert_int_equal(stat_of(&st->errors), 4);
	upstream_client_free(c);
}

static void test_secondary_limit_and_long_retry_after(void **state)
{
	(void)state;
	canned cn[] = {{.status = 403,
			.body = "{\"message\":\"You have exceeded a secondary rate limit.\"}"},
		       {.status = 429, .headers = "Retry-After: 3600\n", .body = "Retry later"}};
	script(cn, 2);
	upstream_opts o = test_opts();
	o.max_wait_ms = 5000; /* under the 60 s a secondary limit asks for */
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	int64_t t0 = timeutil_mono_ms();
	assert_int_equal(get(c, "/x", "gh:1", &r), PDT_ERATELIMIT);
	assert_int_equal(r.status, 403);
	assert_int_equal(r.attempts, 1);
	upstream_resp_release(&r);
	assert_int_equal(get(c, "/y", "gh:1", &r), PDT_ERATELIMIT);
	assert_int_equal(r.status, 429);
	assert_int_equal(r.attempts, 1);
	upstream_resp_release(&r);
	assert_true(timeutil_mono_ms() - t0 < 1000); /* nothing waited */
	assert_int_equal(nseen(), 2);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->retries), 0);
	assert_int_equal(stat_of(&st->errors), 2);
	upstream_client_free(c);
}

static void test_429_exhausted_is_ratelimit(void **state)
{
	(void)state;
	set_default((canned){.status = 429, .body = "Retry later"});
	upstream_opts o = test_opts();
	o.max_retries = 2;
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	assert_int_equal(get(c, "/x", NULL, &r), PDT_ERATELIMIT);
	assert_int_equal(r.status, 429);
	assert_int_equal(r.attempts, 3);
	upstream_resp_release(&r);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->retries), 2);
	assert_int_equal(stat_of(&st->ratelimit_waits), 2);
	upstream_client_free(c);
}

static void test_body_too_big(void **state)
{
	(void)state;
	canned cn[] = {{.status = 200, .body_repeat = 4096},
		       {.status = 200, .body_repeat = 64 * 1024, .chunked = true},
		       {.status = 200, .body_repeat = 1024, .chunked = true}};
	script(cn, 3);
	upstream_opts o = test_opts();
	o.max_body = 1024;
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	/* with Content-Length */
	assert_int_equal(get(c, "/x", NULL, &r), PDT_ETOOBIG);
	assert_int_equal(r.attempts, 1);
	upstream_resp_release(&r);
	/* chunked: caught by the write callback */
	assert_int_equal(get(c, "/y", NULL, &r), PDT_ETOOBIG);
	assert_int_equal(r.attempts, 1);
	assert_true(r.body.len <= 1024);
	upstream_resp_release(&r);
	/* exactly at the cap is fine */
	assert_int_equal(get(c, "/z", NULL, &r), PDT_OK);
	assert_int_equal(r.body.len, 1024);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 3);
	upstream_client_free(c);
}

static void test_hung_server_times_out(void **state)
{
	(void)state;
	set_default((canned){.status = 200, .body = "late", .delay_ms = 5000});
	upstream_opts o = test_opts();
	o.timeout_ms = 300;
	o.max_retries = 2;
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	int64_t t0 = timeutil_mono_ms();
	assert_int_equal(get(c, "/hang", NULL, &r), PDT_ETIMEOUT);
	int64_t took = timeutil_mono_ms() - t0;
	assert_int_equal(r.attempts, 3);
	assert_int_equal(r.status, 0);
	assert_true(took >= 900);
	assert_true(took < 3000);
	upstream_resp_release(&r);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->requests), 3);
	assert_int_equal(stat_of(&st->retries), 2);
	assert_int_equal(stat_of(&st->errors), 1);
	upstream_client_free(c);
}

static void test_connection_refused(void **state)
{
	(void)state;
	/* a port nobody listens on: bind, read the port, close */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	socklen_t len = sizeof sa;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/x", (unsigned)ntohs(sa.sin_port));
	upstream_opts o = test_opts();
	o.max_retries = 2;
	upstream_client *c = upstream_client_new(&o);
	upstream_req req = {.url = url};
	upstream_resp r;
	assert_int_equal(upstream_do(c, &req, &r), PDT_EUPSTREAM);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.attempts, 3);
	assert_true(strlen(r.error) > 0);
	upstream_resp_release(&r);
	upstream_client_free(c);
}

static void test_bad_url(void **state)
{
	(void)state;
	upstream_opts o = test_opts();
	o.max_retries = -1; /* none */
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:1/x"); /* nothing listens on port 1 */
	upstream_req refused = {.url = url};
	assert_int_equal(upstream_do(c, &refused, &r), PDT_EUPSTREAM);
	assert_int_equal(r.attempts, 1);
	upstream_resp_release(&r);
	upstream_req req = {.url = "ftp://127.0.0.1/x"};
	assert_int_equal(upstream_do(c, &req, &r), PDT_EINVAL);
	assert_int_equal(r.attempts, 1);
	upstream_resp_release(&r);
	upstream_req none = {.url = NULL};
	assert_int_equal(upstream_do(c, &none, &r), PDT_EINVAL);
	assert_int_equal(r.attempts, 0);
	upstream_resp_release(&r);
	upstream_client_free(c);
}

static void test_post_with_basic_auth(void **state)
{
	(void)state;
	canned cn[] = {{.status = 201, .body = "{}"},
		       {.status = 200, .body = "{}"},
		       {.status = 200, .body = "{}"},
		       {.status = 204}};
	script(cn, 4);
	upstream_client *c = upstream_client_new(NULL);
	char url[256];
	url_for(url, sizeof url, "/rest/api/3/search/jql");
	const char *hdrs[] = {"Content-Type: application/json", NULL};
	const char *body = "{\"jql\":\"project = X\"}";
	upstream_req req = {.url = url,
			    .method = "POST",
			    .headers = hdrs,
			    .body = body,
			    .body_len = strlen(body),
			    .userpwd = "me@example.com:tok"};
	upstream_resp r;
	assert_int_equal(upstream_do(c, &req, &r), PDT_OK);
	assert_int_equal(r.status, 201);
	upstream_resp_release(&r);
	upstream_req put = {.url = url, .method = "PUT", .body = "x", .body_len = 1};
	assert_int_equal(upstream_do(c, &put, &r), PDT_OK);
	upstream_resp_release(&r);
	upstream_req empty_post = {.url = url, .method = "POST"};
	assert_int_equal(upstream_do(c, &empty_post, &r), PDT_OK);
	upstream_resp_release(&r);
	upstream_req del = {.url = url, .method = "DELETE"};
	assert_int_equal(upstream_do(c, &del, &r), PDT_OK);
	assert_int_equal(r.status, 204);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 4);
	assert_string_equal(seen_at(2).method, "POST");
	assert_string_equal(seen_at(2).body, "");
	assert_string_equal(seen_at(3).method, "DELETE");
	seen s = seen_at(0);
	assert_string_equal(s.method, "POST");
	assert_string_equal(s.body, body);
	assert_true(s.auth);
	s = seen_at(1);
	assert_string_equal(s.method, "PUT");
	assert_string_equal(s.body, "x");
	assert_false(s.auth);
	upstream_client_free(c);
}

static void test_cancel_in_flight(void **state)
{
	(void)state;
	set_default((canned){.status = 200, .body = "late", .delay_ms = 5000});
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	call a;
	call_start(&a, c, "/hang", NULL);
	wait_seen(1);
	sleep_ms(50);
	int64_t t0 = timeutil_mono_ms();
	upstream_client_cancel(c);
	call_join(&a);
	assert_int_equal(a.rc, PDT_ECANCELLED);
	assert_true(a.end_ms - t0 < 200);
	assert_int_equal(a.resp.attempts, 1);
	upstream_resp_release(&a.resp);
	assert_true(upstream_client_cancelled(c));
	upstream_client_cancel(c); /* idempotent */

	/* later calls fail fast without sending */
	upstream_resp r;
	assert_int_equal(get(c, "/again", NULL, &r), PDT_ECANCELLED);
	assert_int_equal(r.attempts, 0);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 1);
	upstream_client_free(c);
}

static void test_cancel_during_retry_after(void **state)
{
	(void)state;
	canned cn[] = {{.status = 429, .headers = "Retry-After: 10\n", .body = "slow down"}};
	script(cn, 1);
	upstream_opts o = test_opts();
	o.max_wait_ms = 60000;
	upstream_client *c = upstream_client_new(&o);
	call a;
	call_start(&a, c, "/x", NULL);
	wait_seen(1);
	sleep_ms(100);
	int64_t t0 = timeutil_mono_ms();
	upstream_client_cancel(c);
	call_join(&a);
	assert_int_equal(a.rc, PDT_ECANCELLED);
	assert_true(a.end_ms - t0 < 200);
	assert_int_equal(a.resp.attempts, 1);
	assert_int_equal(a.resp.status, 429);
	upstream_resp_release(&a.resp);
	assert_int_equal(nseen(), 1);
	upstream_client_free(c);
}

static void test_cancel_during_budget_wait(void **state)
{
	(void)state;
	char hdr[128];
	snprintf(hdr, sizeof hdr, "X-RateLimit-Remaining: 0\nX-RateLimit-Reset: %lld\n",
		 (long long)timeutil_now() + 5);
	canned cn[] = {{.status = 200, .headers = hdr, .body = "first"}};
	script(cn, 1);
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	assert_int_equal(get(c, "/first", "gh:1", &r), PDT_OK);
	upstream_resp_release(&r);
	call a;
	call_start(&a, c, "/second", "gh:1");
	sleep_ms(150);
	int64_t t0 = timeutil_mono_ms();
	upstream_client_cancel(c);
	call_join(&a);
	assert_int_equal(a.rc, PDT_ECANCELLED);
	assert_true(a.end_ms - t0 < 200);
	assert_int_equal(a.resp.attempts, 0);
	upstream_resp_release(&a.resp);
	assert_int_equal(nseen(), 1);
	assert_int_equal(stat_of(&upstream_client_stats(c)->ratelimit_waits), 1);
	upstream_client_free(c);
}

static void test_concurrent_callers(void **state)
{
	(void)state;
	set_default((canned){.status = 200, .echo_path = true, .delay_ms = 50});
	upstream_opts o = test_opts();
	o.max_per_host = 2;
	upstream_client *c = upstream_client_new(&o);
	enum { N = 8 };
	call k[N];
	for (int i = 0; i < N; i++) {
		char path[32];
		snprintf(path, sizeof path, "/c/%d", i);
		call_start(&k[i], c, path, "gh:1");
	}
	for (int i = 0; i < N; i++) {
		call_join(&k[i]);
		assert_int_equal(k[i].rc, PDT_OK);
		assert_int_equal(k[i].resp.status, 200);
		assert_string_equal(buf_str(&k[i].resp.body), k[i].path);
		assert_int_equal(k[i].resp.attempts, 1);
		upstream_resp_release(&k[i].resp);
	}
	assert_int_equal(nseen(), N);
	/* connection reuse: never more than max_per_host connections */
	unsigned ports[N];
	size_t nports = 0;
	for (size_t i = 0; i < N; i++) {
		unsigned p = seen_at(i).port;
		bool known = false;
		for (size_t j = 0; j < nports; j++)
			known = known || ports[j] == p;
		if (!known)
			ports[nports++] = p;
	}
	assert_true(nports >= 1);
	assert_true(nports <= (size_t)o.max_per_host);
	upstream_stats *st = upstream_client_stats(c);
	assert_int_equal(stat_of(&st->requests), N);
	assert_int_equal(stat_of(&st->errors), 0);
	upstream_client_free(c);
}

static void test_free_idle_and_null(void **state)
{
	(void)state;
	upstream_client_free(NULL);
	upstream_client_cancel(NULL);
	assert_false(upstream_client_cancelled(NULL));
	upstream_resp_release(NULL);
	upstream_client *c = upstream_client_new(NULL);
	assert_non_null(c);
	assert_false(upstream_client_cancelled(c));
	upstream_client_free(c);
}

/* ---- rate-limit table and header parsers ---- */

static void test_ratelimit_parsers(void **state)
{
	(void)state;
	assert_int_equal(ratelimit_parse_count("0"), 0);
	assert_int_equal(ratelimit_parse_count("4999"), 4999);
	assert_int_equal(ratelimit_parse_count(""), -1);
	assert_int_equal(ratelimit_parse_count(NULL), -1);
	assert_int_equal(ratelimit_parse_count("-1"), -1);
	assert_int_equal(ratelimit_parse_count("12abc"), -1);
	assert_int_equal(ratelimit_parse_count("99999999999999999999999"), -1);

	int64_t now = 1771460100; /* 2026-02-19T00:15:00Z */
	assert_int_equal(ratelimit_parse_reset("1771460160", now), 1771460160);
	assert_int_equal(ratelimit_parse_reset("60", now), now + 60); /* delta form */
	assert_int_equal(ratelimit_parse_reset("soon", now), -1);

	assert_int_equal(ratelimit_parse_retry_after("0", now), 0);
	assert_int_equal(ratelimit_parse_retry_after("120", now), 120000);
	assert_int_equal(ratelimit_parse_retry_after("Thu, 19 Feb 2026 00:16:00 GMT", now), 60000);
	assert_int_equal(ratelimit_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), 0);
	assert_int_equal(ratelimit_parse_retry_after("whenever", now), -1);
	assert_int_equal(ratelimit_parse_retry_after("", now), -1);
	assert_int_equal(ratelimit_parse_retry_after("-5", now), -1);
}

static void test_ratelimit_table(void **state)
{
	(void)state;
	ratelimit_table *t = ratelimit_table_new();
	int64_t now_ms = INT64_C(1771460100000);
	assert_int_equal(ratelimit_wait_ms(t, "a", now_ms), 0);
	assert_int_equal(ratelimit_wait_ms(t, NULL, now_ms), 0);
	ratelimit_record(t, "a", 10, 1771460200); /* budget left: nothing remembered */
	assert_int_equal(ratelimit_wait_ms(t, "a", now_ms), 0);
	ratelimit_record(t, "a", 0, 1771460110); /* spent until +10 s */
	assert_int_equal(ratelimit_wait_ms(t, "a", now_ms), 10000 + RATELIMIT_RESET_PAD_MS);
	assert_int_equal(ratelimit_wait_ms(t, "b", now_ms), 0);
	assert_int_equal(ratelimit_wait_ms(t, "a", now_ms + 20000), 0); /* after reset */
	ratelimit_record(t, "a", 4999, 1771463700); /* refilled */
	assert_int_equal(ratelimit_wait_ms(t, "a", now_ms), 0);
	ratelimit_record(t, "a", 0, -1); /* spent, reset unknown: cannot wait */
	assert_int_equal(ratelimit_wait_ms(t, "a", now_ms), 0);
	ratelimit_record(t, "a", -1, 1771460110); /* said nothing: ignored */
	ratelimit_record(t, NULL, 0, 1771460110);

	/* more keys than slots: the oldest is forgotten, the newest kept */
	char key[32];
	for (int i = 0; i < RATELIMIT_SLOTS + 10; i++) {
		snprintf(key, sizeof key, "k%d", i);
		ratelimit_record(t, key, 0, 1771460110);
	}
	assert_int_equal(ratelimit_wait_ms(t, "k0", now_ms), 0);
	snprintf(key, sizeof key, "k%d", RATELIMIT_SLOTS + 9);
	assert_true(ratelimit_wait_ms(t, key, now_ms) > 0);
	ratelimit_table_free(t);
	ratelimit_table_free(NULL);
}

static int group_setup(void **state)
{
	(void)state;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&S.cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&S.mu, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	pthread_cond_destroy(&S.cv);
	pthread_mutex_destroy(&S.mu);
	curl_global_cleanup();
	return 0;
}

/* ---- deadlines and SYNC_MAX_WAIT ---- */

static void test_deadline_cuts_the_attempt(void **state)
{
	(void)state;
	set_default((canned){.status = 200, .body = "late", .delay_ms = 5000});
	upstream_opts o = test_opts(); /* timeout_ms 3000: the deadline comes first */
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	int64_t t0 = timeutil_mono_ms();
	assert_int_equal(get_by(c, "/slow", NULL, 400, &r), PDT_ETIMEOUT);
	int64_t took = timeutil_mono_ms() - t0;
	assert_true(took >= 350);
	assert_true(took < 1500);
	assert_int_equal(r.attempts, 1); /* no retry after the deadline */
	assert_int_equal(r.status, 0);
	assert_string_equal(r.error, UPSTREAM_DEADLINE_MSG);
	upstream_resp_release(&r);
	upstream_client_free(c);
}

static void test_deadline_passed_sends_nothing(void **state)
{
	(void)state;
	set_default((canned){.status = 200, .body = "ok"});
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	assert_int_equal(get_by(c, "/x", NULL, -1, &r), PDT_ETIMEOUT);
	assert_int_equal(r.attempts, 0);
	assert_string_equal(r.error, UPSTREAM_DEADLINE_MSG);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 0);
	upstream_client_free(c);
}

static void test_deadline_refuses_retry_after_wait(void **state)
{
	(void)state;
	canned cn[] = {{.status = 429, .headers = "Retry-After: 5\n", .body = "Retry later"},
		       {.status = 200, .body = "ok"}};
	script(cn, 2);
	upstream_opts o = test_opts(); /* max_wait 10 s: only the deadline refuses the 5 s */
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	int64_t t0 = timeutil_mono_ms(), wall = timeutil_now();
	assert_int_equal(get_by(c, "/x", "gh:d", 1000, &r), PDT_ERATELIMIT);
	assert_true(timeutil_mono_ms() - t0 < 800); /* not slept on */
	assert_int_equal(r.status, 429);
	assert_int_equal(r.attempts, 1);
	assert_true(r.retry_at >= wall + 5 && r.retry_at <= wall + 7);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 1);
	upstream_client_free(c);
}

static void test_deadline_refuses_budget_wait(void **state)
{
	(void)state;
	char hdr[128];
	int64_t reset = timeutil_now() + 3;
	snprintf(hdr, sizeof hdr, "RateLimit-Remaining: 0\nRateLimit-Reset: %lld\n",
		 (long long)reset);
	canned cn[] = {{.status = 200, .headers = hdr, .body = "first"}};
	script(cn, 1);
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	assert_int_equal(get(c, "/first", "gl:d", &r), PDT_OK);
	upstream_resp_release(&r);
	int64_t t0 = timeutil_mono_ms();
	assert_int_equal(get_by(c, "/second", "gl:d", 1000, &r), PDT_ERATELIMIT);
	assert_true(timeutil_mono_ms() - t0 < 500);
	assert_int_equal(r.attempts, 0);
	assert_true(r.retry_at >= reset && r.retry_at <= reset + 3);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 1);
	upstream_client_free(c);
}

static void test_deadline_backoff_returns_the_last_answer(void **state)
{
	(void)state;
	canned cn[] = {{.status = 503, .body = "busy"}, {.status = 200, .body = "ok"}};
	script(cn, 2);
	upstream_opts o = test_opts();
	o.backoff_base_ms = 400; /* the first backoff is 200..400 ms */
	o.backoff_cap_ms = 800;
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	int64_t t0 = timeutil_mono_ms();
	assert_int_equal(get_by(c, "/x", NULL, 150, &r), PDT_EUPSTREAM);
	assert_true(timeutil_mono_ms() - t0 < 150);
	assert_int_equal(r.status, 503);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.retry_at, 0);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 1);
	upstream_client_free(c);
}

static void test_max_wait_gives_retry_at(void **state)
{
	(void)state;
	canned cn[] = {{.status = 429, .headers = "Retry-After: 899\n", .body = "Retry later"}};
	script(cn, 1);
	upstream_opts o = test_opts(); /* max_wait_ms 10 s < 899 s */
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	int64_t t0 = timeutil_mono_ms(), wall = timeutil_now();
	assert_int_equal(get(c, "/x", "gh:m", &r), PDT_ERATELIMIT);
	assert_true(timeutil_mono_ms() - t0 < 1000);
	assert_int_equal(r.attempts, 1);
	assert_true(r.retry_at >= wall + 899 && r.retry_at <= wall + 901);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 1);
	upstream_client_free(c);
}

/* ---- target policy (issue 9) ---- */

static pdt_err get_policy(upstream_client *c, const char *url, const netpolicy *p,
			  upstream_resp *r)
{
	upstream_req req = {.url = url, .policy = p};
	return upstream_do(c, &req, r);
}

static void test_policy_refuses_before_sending(void **state)
{
	(void)state;
	set_default((canned){.status = 200, .body = "ok"});
	upstream_opts o = test_opts();
	upstream_client *c = upstream_client_new(&o);
	upstream_resp r;
	netpolicy strict = {false, false, false}, loop = {true, false, false};
	char url[256];
	/* a literal loopback URL: refused on its text, no attempt */
	url_for(url, sizeof url, "/x");
	assert_int_equal(get_policy(c, url, &strict, &r), PDT_EREFUSED);
	assert_int_equal(r.attempts, 0);
	assert_string_equal(r.error, "upstream address 127.0.0.1 refused (loopback)");
	upstream_resp_release(&r);
	/* a name for 127.0.0.1 (resolved without DNS): refused at connect time,
	 * once, not retried */
	snprintf(url, sizeof url, "https://2130706433:%u/x", S.port);
	int64_t t0 = timeutil_mono_ms();
	assert_int_equal(get_policy(c, url, &strict, &r), PDT_EREFUSED);
	assert_true(timeutil_mono_ms() - t0 < 1000);
	assert_int_equal(r.attempts, 1);
	assert_string_equal(r.error, "upstream address 127.0.0.1 refused (loopback)");
	upstream_resp_release(&r);
	/* plain http to a name that is not loopback: refused on its text */
	snprintf(url, sizeof url, "http://2130706433:%u/x", S.port);
	assert_int_equal(get_policy(c, url, &loop, &r), PDT_EREFUSED);
	assert_non_null(strstr(r.error, "plain http to 2130706433"));
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 0);
	/* allowed, and exempt (NULL): both reach the server */
	url_for(url, sizeof url, "/x");
	assert_int_equal(get_policy(c, url, &loop, &r), PDT_OK);
	assert_int_equal(r.status, 200);
	upstream_resp_release(&r);
	assert_int_equal(get_policy(c, url, NULL, &r), PDT_OK);
	upstream_resp_release(&r);
	assert_int_equal(nseen(), 2);
	upstream_client_free(c);
}

#define SRV_TEST(f) cmocka_unit_test_setup_teardown(f, server_start, server_stop)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_parsers),
		cmocka_unit_test(test_ratelimit_table),
		cmocka_unit_test(test_free_idle_and_null),
		SRV_TEST(test_ok_captures_body_and_headers),
		SRV_TEST(test_empty_next_page_is_null),
		SRV_TEST(test_etag_304),
		SRV_TEST(test_retry_5xx_then_ok),
		SRV_TEST(test_5xx_exhausted),
		SRV_TEST(test_429_retry_after),
		SRV_TEST(test_429_exhausted_is_ratelimit),
		SRV_TEST(test_ratelimit_spent_gates_same_key),
		SRV_TEST(test_ratelimit_reset_beyond_max_wait),
		SRV_TEST(test_403_ratelimit_retried_after_reset),
		SRV_TEST(test_403_not_ratelimit_is_permanent),
		SRV_TEST(test_401_404_410_not_retried),
		SRV_TEST(test_secondary_limit_and_long_retry_after),
		SRV_TEST(test_body_too_big),
		SRV_TEST(test_hung_server_times_out),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_bad_url),
		SRV_TEST(test_post_with_basic_auth),
		SRV_TEST(test_cancel_in_flight),
		SRV_TEST(test_cancel_during_retry_after),
		SRV_TEST(test_cancel_during_budget_wait),
		SRV_TEST(test_concurrent_callers),
		SRV_TEST(test_deadline_cuts_the_attempt),
		SRV_TEST(test_deadline_passed_sends_nothing),
		SRV_TEST(test_deadline_refuses_retry_after_wait),
		SRV_TEST(test_deadline_refuses_budget_wait),
		SRV_TEST(test_deadline_backoff_returns_the_last_answer),
		SRV_TEST(test_max_wait_gives_retry_at),
		SRV_TEST(test_policy_refuses_before_sending),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
