#include "http/server.h"

#define H2O_USE_EPOLL 1
#define H2O_USE_LIBUV 0
#include <h2o.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/mem.h"
#include "http/cors.h"
#include "http/jsonbind.h"
#include "http/response.h"
#include "http/router.h"
#include "http/strict.h"
#include "core/banned.h"

/* A connection may take this long to send a whole request (head and body),
 * and may sit idle this long between requests. */
#define CONNECTION_TIMEOUT_S 30
#define CONNECTION_LIMIT 1000
/* How long http_server_stop waits for open requests (deferred ones too). */
#define DEFERRED_DRAIN_MS 2000
/* Then how long it waits for the connections it shut down to close. */
#define CLOSE_DRAIN_MS 500
/* Each loop looks at the server's phase at least this often. */
#define LOOP_WAKE_MS 50
#define ACCEPT_BATCH 64
/* Bytes of the library's own error text kept for its JSON answer. */
#define LIB_MSG_MAX 96

enum { PHASE_RUN, PHASE_QUIESCE, PHASE_CLOSE, PHASE_STOP };

typedef struct worker worker;

/* One accepted connection, so a stop can shut it (loop thread only). */
typedef struct tracked {
	h2o_linklist_t link;
	h2o_socket_t *sock;
	worker *w;
} tracked;

struct worker {
	http_server *s;
	pthread_t tid;
	bool started;
	int fd;                 /* this loop's dup of the listening socket */
	h2o_evloop_t *loop;
	h2o_context_t ctx;
	bool ctx_ready;
	h2o_accept_ctx_t accept_ctx;
	h2o_socket_t *listener; /* owns fd once created */
	h2o_multithread_receiver_t finished; /* deferred answers handed back */
	bool receiver_ready;
	h2o_linklist_t conns;   /* tracked connections */
	int phase_done;         /* the last phase this loop acted on */
	bool init_done;         /* set up (or failed: init_rc), under s->mu */
	pdt_err init_rc;
};

typedef struct handler_ext {
	h2o_handler_t super;
	http_server *s;
} handler_ext;

struct http_server {
	http_server_config cfg;
	cors cors;
	h2o_globalconf_t conf;
	worker *w;
	size_t nw;
	int listen_fd;          /* until every loop has its dup */
	pthread_mutex_t mu;     /* start-up: the loops' init_done */
	pthread_cond_t cv;
	atomic_int phase;
	atomic_size_t conns;    /* open connections, all loops */
	atomic_size_t inflight; /* requests pdt holds, not yet freed */
};

/* Lives in the h2o request's pool: its dispose frees pdt's request when the
 * library is done with its own (answer sent, or connection gone). */
typedef struct req_box {
	http_req *req;
	http_server *s;
} req_box;

/* One deferred answer. refs: the request's and the finish message's; both
 * are dropped on the owning loop's thread, so refs and req need no lock.
 * resp is written by the finisher before the message goes through h2o's
 * queue (a mutex), read on the loop after it. */
struct http_deferred {
	h2o_multithread_message_t msg;
	worker *w;
	http_req *req; /* NULL once the request was freed */
	http_resp resp;
	int refs;
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *http_method_name(http_method m)
{
	static const char *names[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"};
	return m < HTTP_OTHER ? names[m] : "OTHER";
}

http_method http_method_parse(const char *s)
{
	for (int m = 0; m < HTTP_OTHER; m++)
		if (strcmp(s, http_method_name((http_method)m)) == 0)
			return (http_method)m;
	return HTTP_OTHER;
}

const char *http_req_header(const http_req *req, const char *name)
{
	h2o_req_t *h = req->lib;
	size_t n = strlen(name);
	for (size_t i = 0; i < h->headers.size; i++) {
		const h2o_header_t *f = &h->headers.entries[i];
		if (f->name->len == n && strncasecmp(f->name->base, name, n) == 0)
			return h2o_strdup(&h->pool, f->value.base, f->value.len).base;
	}
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) into out (room for n + 1); '+' becomes a space
 * when plus is set; a bad escape stays as it is. Returns the length. */
static size_t pct_decode(const char *s, size_t n, char *out, bool plus)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = plus && s[i] == '+' ? ' ' : s[i];
		}
	}
	out[o] = '\0';
	return o;
}

const char *http_req_query(const http_req *req, const char *name)
{
	h2o_req_t *h = req->lib;
	size_t want = strlen(name);
	for (const char *p = req->query; *p;) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		size_t klen = eq ? (size_t)(eq - p) : n;
		char *key = h2o_mem_alloc_pool(&h->pool, klen + 1);
		if (pct_decode(p, klen, key, true) == want && memcmp(key, name, want) == 0) {
			size_t vlen = eq ? n - klen - 1 : 0;
			char *v = h2o_mem_alloc_pool(&h->pool, vlen + 1);
			pct_decode(eq ? eq + 1 : "", vlen, v, true);
			return v;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return NULL;
}

const char *http_req_param(const http_req *req, size_t i)
{
	return i < req->nparams ? req->params[i] : NULL;
}

static void deferred_unref(http_deferred *d)
{
	if (--d->refs > 0)
		return;
	free(d->resp.body);
	free(d);
}

http_deferred *http_req_defer(http_req *req)
{
	h2o_req_t *h = req->lib;
	http_deferred *d = xcalloc(1, sizeof *d);
	d->w = H2O_STRUCT_FROM_MEMBER(worker, ctx, h->conn->ctx);
	d->req = req;
	d->refs = 2;
	req->deferred = d;
	return d;
}

void http_deferred_finish(http_deferred *d, http_resp *resp)
{
	d->resp = *resp;
	*resp = (http_resp){0};
	if (d->resp.status == 0)
		http_resp_error(&d->resp, 500, "internal error");
	h2o_multithread_send_message(&d->w->finished, &d->msg);
}

static void req_free(http_req *req)
{
	if (!req)
		return;
	if (req->deferred) {
		req->deferred->req = NULL;
		deferred_unref(req->deferred);
	}
	for (size_t i = 0; i < req->nparams; i++)
		free(req->params[i]);
	free(req->path);
	free(req->query);
	buf_release(&req->body);
	json_decref(req->json);
	if (req->auth_free)
		req->auth_free(req->auth);
	free(req);
}

static void box_dispose(void *p)
{
	req_box *b = p;
	req_free(b->req);
	atomic_fetch_sub(&b->s->inflight, 1);
}

static const char *reason_for(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Server Error";
	}
}

static void add_header(h2o_req_t *h, const char *name, const char *value)
{
	h2o_add_header_by_str(&h->pool, &h->res.headers, name, strlen(name), 0, NULL, value,
			      strlen(value));
}

static void add_cors_headers(http_server *s, http_req *req, h2o_req_t *h)
{
	const char *origin = cors_allow_origin(&s->cors, http_req_header(req, "Origin"));
	if (origin) {
		add_header(h, "Access-Control-Allow-Origin", origin);
		if (!s->cors.any)
			add_header(h, "Vary", "Origin");
	}
	add_header(h, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
	add_header(h, "Access-Control-Allow-Methods", CORS_ALLOW_METHODS);
}

static void log_answer(http_req *req, int status)
{
	long long us = (long long)(mono_us() - req->start_us);
	char st[8];
	snprintf(st, sizeof st, "%d", status);
	metrics_inc("pdt_http_requests_total", "route", req->route ? req->route->pattern : "unmatched",
		    "status", st);
	log_info("http method=%s route=%s status=%d dur_us=%lld",
		 req->method == HTTP_OTHER ? "OTHER" : req->method_str,
		 req->route ? req->route->pattern : "-", status, us);
}

static void body_dispose(void *p)
{
	free(*(char **)p);
}

/* Sends body (malloc'd, or NULL when len is 0) as the whole response body,
 * without a copy: the request's pool owns it from here and frees it when
 * the library is done with the request. No body bytes for HEAD. */
static void send_body(h2o_req_t *h, char *body, size_t len)
{
	static h2o_generator_t generator = {NULL, NULL};
	char **owned = h2o_mem_alloc_shared(&h->pool, sizeof *owned, body_dispose);
	*owned = body;
	h2o_iovec_t iov = h2o_iovec_init(body ? body : "", len);
	bool head = h2o_memis(h->input.method.base, h->input.method.len, H2O_STRLIT("HEAD"));
	h2o_start_response(h, &generator);
	h2o_send(h, &iov, head || len == 0 ? 0 : 1, H2O_SEND_STATE_FINAL);
}

/* Queues the answer. close: the answer ends the connection (a refused
 * request's framing is not trusted, so nothing after it on the connection is
 * read as a request). The library may free req (and its own request) before
 * this returns: nothing may touch req afterwards. */
static void send_resp_ex(http_server *s, http_req *req, http_resp *resp, bool close)
{
	h2o_req_t *h = req->lib;
	h->res.status = resp->status;
	h->res.reason = reason_for(resp->status);
	/* No Content-Length on a 204 (RFC 9110 §8.6). */
	h->res.content_length = resp->status == 204 && resp->len == 0 ? SIZE_MAX : resp->len;
	if (resp->len || resp->status != 204)
		add_header(h, "Content-Type",
			   resp->content_type ? resp->content_type : "application/json");
	add_cors_headers(s, req, h);
	if (resp->retry_after_s > 0) {
		char ra[24];
		snprintf(ra, sizeof ra, "%lld", (long long)resp->retry_after_s);
		add_header(h, "Retry-After", h2o_strdup(&h->pool, ra, strlen(ra)).base);
	}
	if (close)
		h->http1_is_persistent = 0;
	resp->queued = true;
	log_answer(req, resp->status);
	send_body(h, resp->body, resp->len);
	resp->body = NULL;
}

static void send_resp(http_server *s, http_req *req, http_resp *resp)
{
	send_resp_ex(s, req, resp, false);
}

static void answer_error(http_server *s, http_req *req, int status, const char *msg)
{
	http_resp resp = {0};
	http_resp_error(&resp, status, msg);
	send_resp(s, req, &resp);
}

/* The strict checks (http/strict.h) over the request's raw head, which is at
 * the start of the connection's input buffer until the answer is sent. On a
 * refusal, answers it (JSON, connection closed) and returns true. */
static bool refused_strict(http_server *s, http_req *req)
{
	h2o_req_t *h = req->lib;
	h2o_socket_t *sock = h->conn->callbacks->get_socket ? h->conn->callbacks->get_socket(h->conn)
							     : NULL;
	http_strict st;
	bool ok = sock && sock->input &&
		  http_strict_head(&st, sock->input->bytes, sock->input->size, h->input.method.base,
				   h->input.method.len, h->input.path.base, h->input.path.len);
	if (ok)
		return false;
	http_resp resp = {0};
	http_resp_error(&resp, 400, sock ? st.error : "invalid request");
	send_resp_ex(s, req, &resp, true);
	return true;
}

/* Splits the target into the decoded path and the raw query. False when the
 * path decodes to a NUL byte (no route could hold one). */
static bool split_target(http_req *req, const char *t, size_t n)
{
	const char *q = memchr(t, '?', n);
	size_t plen = q ? (size_t)(q - t) : n;
	req->path = xmalloc(plen + 1);
	size_t dlen = pct_decode(t, plen, req->path, false);
	req->query = q ? xstrndup(q + 1, n - plen - 1) : xstrdup("");
	return memchr(req->path, '\0', dlen) == NULL;
}

static size_t route_body_max(const http_route *r)
{
	return r && r->body_max ? r->body_max : HTTP_BODY_DEFAULT_MAX;
}

/* Runs the route's handler on a request that passed the checks. */
static void run_handler(http_server *s, http_req *req)
{
	h2o_req_t *h = req->lib;
	http_resp resp = {0};
	char err[256];
	if (h->entity.base && buf_append(&req->body, h->entity.base, h->entity.len))
		req->body_too_big = true;
	if (req->body_too_big)
		return answer_error(s, req, 413, "request body too large");
	if (req->route->flags & HTTP_JSON) {
		if (jsonbind_parse(req->body.data, req->body.len, &req->json, err, sizeof err))
			return answer_error(s, req, 400, err);
	}
	req->route->handler(s->cfg.app, req, &resp);
	if (req->deferred) {
		free(resp.body); /* the answer comes through http_deferred_finish */
		return;
	}
	if (resp.status == 0)
		http_resp_error(&resp, 500, "internal error");
	send_resp(s, req, &resp);
}

/* Every request: refuse malformed heads (400, before anything else looks at
 * them), route (404, 405, CORS preflight 204), the auth hook for protected
 * routes (401), the body cap (413), the JSON body (400), the handler. The
 * library has read the whole body by now (up to the largest route cap, its
 * own 413 above that). */
static void serve_request(http_server *s, http_req *req)
{
	h2o_req_t *h = req->lib;
	if (refused_strict(s, req))
		return;
	if (!split_target(req, h->input.path.base, h->input.path.len))
		return answer_error(s, req, 400, "invalid path");
	router_result rr = router_match(s->cfg.routes, s->cfg.nroutes, req->method, req->path,
					&req->route, req->params, &req->nparams);
	/* Browsers preflight any /api/ URL they are about to call. */
	if (rr != ROUTER_MATCH && req->method == HTTP_OPTIONS &&
	    (strncmp(req->path, "/api/", 5) == 0 ||
	     router_path_known(s->cfg.routes, s->cfg.nroutes, req->path))) {
		http_resp resp = {.status = 204};
		return send_resp(s, req, &resp);
	}
	if (rr == ROUTER_NO_PATH)
		return answer_error(s, req, 404, "not found");
	if (rr == ROUTER_BAD_METHOD)
		return answer_error(s, req, 405, "method not allowed");
	buf_init(&req->body, route_body_max(req->route));
	if (req->route->flags & HTTP_AUTH) {
		http_resp resp = {0};
		if (s->cfg.auth(s->cfg.app, req, &resp) != 0)
			return send_resp(s, req, &resp);
	}
	run_handler(s, req);
}

static int on_req(h2o_handler_t *self, h2o_req_t *h)
{
	http_server *s = ((handler_ext *)self)->s;
	http_req *req = xcalloc(1, sizeof *req);
	req_box *box = h2o_mem_alloc_shared(&h->pool, sizeof *box, box_dispose);
	box->req = req;
	box->s = s;
	atomic_fetch_add(&s->inflight, 1);
	req->start_us = mono_us();
	req->lib = h;
	req->server = s;
	req->method_str = h2o_strdup(&h->pool, h->input.method.base, h->input.method.len).base;
	req->method = http_method_parse(req->method_str);
	serve_request(s, req);
	return 0;
}

/* On the owning loop: deferred answers whose work is done. */
static void on_finished(h2o_multithread_receiver_t *rcv, h2o_linklist_t *messages)
{
	worker *w = H2O_STRUCT_FROM_MEMBER(worker, finished, rcv);
	while (!h2o_linklist_is_empty(messages)) {
		http_deferred *d = H2O_STRUCT_FROM_MEMBER(http_deferred, msg.link, messages->next);
		h2o_linklist_unlink(&d->msg.link);
		if (d->req)
			send_resp(w->s, d->req, &d->resp);
		deferred_unref(d);
	}
}

/*
 * The library's own answers (it makes them before any handler runs: a
 * Content-Length that is not digits, a body over the largest route cap, a
 * broken chunked body, an unknown Transfer-Encoding or Expect) go through
 * this filter on the host's fallback path, which turns their text/plain body
 * into {"error": "<the library's text>"} and logs and counts them.
 */
typedef struct lib_ostream {
	h2o_ostream_t super;
	bool sent;
} lib_ostream;

static void lib_message(h2o_req_t *h, h2o_iovec_t *bufs, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < bufs[i].len && o + 1 < cap; j++) {
			unsigned char c = (unsigned char)bufs[i].base[j];
			if (c >= 0x20 && c < 0x7f)
				out[o++] = (char)c;
		}
	if (o == 0) /* HEAD: no body came; the reason phrase says it too */
		for (const char *r = h->res.reason; r && *r && o + 1 < cap; r++)
			out[o++] = (char)((*r >= 'A' && *r <= 'Z') ? *r - 'A' + 'a' : *r);
	out[o] = '\0';
}

static void lib_do_send(h2o_ostream_t *self, h2o_req_t *h, h2o_iovec_t *bufs, size_t n,
			h2o_send_state_t state)
{
	lib_ostream *o = (lib_ostream *)self;
	if (o->sent)
		return h2o_ostream_send_next(self, h, NULL, 0, state);
	o->sent = true;
	char msg[LIB_MSG_MAX + 1];
	lib_message(h, bufs, n, msg, sizeof msg);
	json_t *obj = json_pack("{s:s}", "error", msg);
	char *j = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	h2o_iovec_t out = h2o_strdup(&h->pool, j ? j : "{\"error\":\"bad request\"}", SIZE_MAX);
	free(j);
	h->res.content_length = out.len;
	h2o_set_header(&h->pool, &h->res.headers, H2O_TOKEN_CONTENT_TYPE,
		       H2O_STRLIT("application/json"), 1);
	char st[8];
	snprintf(st, sizeof st, "%d", h->res.status);
	metrics_inc("pdt_http_requests_total", "route", "unmatched", "status", st);
	log_info("http method=- route=- status=%d by=library", h->res.status);
	bool head = h2o_memis(h->input.method.base, h->input.method.len, H2O_STRLIT("HEAD"));
	h2o_ostream_send_next(self, h, head ? NULL : &out, head ? 0 : 1, state);
}

static void lib_on_setup(h2o_filter_t *self, h2o_req_t *h, h2o_ostream_t **slot)
{
	(void)self;
	if (h->res.status >= 400) {
		lib_ostream *o = (lib_ostream *)h2o_add_ostream(h, sizeof *o, slot);
		o->super.do_send = lib_do_send;
		o->sent = false;
		slot = &o->super.next;
	}
	h2o_setup_next_ostream(h, slot);
}

static void on_sock_close(void *data)
{
	tracked *t = data;
	h2o_linklist_unlink(&t->link);
	atomic_fetch_sub(&t->w->s->conns, 1);
	free(t);
}

/* New connections on this loop's listener: over the limit they are closed
 * at once; the rest are tracked and handed to h2o's HTTP/1 code. */
static void on_accept(h2o_socket_t *listener, const char *err)
{
	worker *w = listener->data;
	if (err)
		return;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
		if (!sock)
			return; /* drained, or another loop took it */
		if (atomic_fetch_add(&w->s->conns, 1) >= CONNECTION_LIMIT) {
			atomic_fetch_sub(&w->s->conns, 1);
			h2o_socket_close(sock);
			continue;
		}
		tracked *t = xcalloc(1, sizeof *t);
		t->sock = sock;
		t->w = w;
		h2o_linklist_insert(&w->conns, &t->link);
		sock->on_close.cb = on_sock_close;
		sock->on_close.data = t;
		h2o_accept(&w->accept_ctx, sock);
	}
}

/* On the loop's thread: what a new phase asks of it. Quiesce: close the
 * listener, answer with Connection: close from now on. Close: shut every
 * connection down, so idle keep-alive ones end now (h2o sees the EOF). */
static void worker_phase(worker *w, int phase)
{
	if (phase >= PHASE_QUIESCE && w->phase_done < PHASE_QUIESCE) {
		if (w->listener) {
			h2o_socket_read_stop(w->listener);
			h2o_socket_close(w->listener);
			w->listener = NULL;
			w->fd = -1;
		}
		w->ctx.shutdown_requested = 1;
	}
	if (phase >= PHASE_CLOSE && w->phase_done < PHASE_CLOSE) {
		for (h2o_linklist_t *n = w->conns.next; n != &w->conns; n = n->next) {
			tracked *t = H2O_STRUCT_FROM_MEMBER(tracked, link, n);
			shutdown(h2o_socket_get_fd(t->sock), SHUT_RDWR);
		}
	}
	w->phase_done = phase;
}

static pdt_err worker_init(worker *w, int listen_fd)
{
	h2o_linklist_init_anchor(&w->conns);
	w->fd = dup(listen_fd);
	if (w->fd < 0)
		return PDT_EIO;
	w->loop = h2o_evloop_create();
	h2o_context_init(&w->ctx, w->loop, &w->s->conf);
	w->ctx_ready = true;
	h2o_multithread_register_receiver(w->ctx.queue, &w->finished, on_finished);
	w->receiver_ready = true;
	w->accept_ctx.ctx = &w->ctx;
	w->accept_ctx.hosts = w->s->conf.hosts;
	w->listener = h2o_evloop_socket_create(w->loop, w->fd, H2O_SOCKET_FLAG_DONT_READ);
	if (!w->listener)
		return PDT_EIO;
	w->listener->data = w;
	h2o_socket_read_start(w->listener, on_accept);
	return PDT_OK;
}

/* Last thing on the loop's thread (also after a failed worker_init): close
 * what is left, let the loop run the closes once, dispose of the context and
 * the loop. */
static void worker_free(worker *w)
{
	if (w->listener)
		h2o_socket_close(w->listener);
	else if (w->fd >= 0)
		close(w->fd);
	if (w->loop)
		h2o_evloop_run(w->loop, 0);
	while (w->conns.next && !h2o_linklist_is_empty(&w->conns)) {
		/* Still open after the bounded wait: forget it (the library keeps
		 * its side until exit). */
		tracked *t = H2O_STRUCT_FROM_MEMBER(tracked, link, w->conns.next);
		t->sock->on_close.cb = NULL;
		h2o_linklist_unlink(&t->link);
		free(t);
	}
	if (w->receiver_ready)
		h2o_multithread_unregister_receiver(w->ctx.queue, &w->finished);
	if (w->ctx_ready)
		h2o_context_dispose(&w->ctx);
	if (w->loop) {
		h2o_evloop_run(w->loop, 0); /* the queue's socket closes here */
		h2o_evloop_destroy(w->loop);
	}
}

/*
 * A loop thread. Everything h2o of this loop is made, used and disposed of
 * here: h2o's socket buffers and memory pools recycle through per-thread
 * (__thread) free lists, reached later through the objects made with them,
 * so an object made on another thread would share that thread's list with
 * this one, unlocked.
 */
static void *worker_run(void *arg)
{
	worker *w = arg;
	http_server *s = w->s;
	pdt_err rc = worker_init(w, s->listen_fd);
	pthread_mutex_lock(&s->mu);
	w->init_rc = rc;
	w->init_done = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	while (!rc) {
		int phase = atomic_load(&s->phase);
		if (phase != w->phase_done)
			worker_phase(w, phase);
		if (phase == PHASE_STOP)
			break;
		h2o_evloop_run(w->loop, LOOP_WAKE_MS);
	}
	worker_free(w);
	return NULL;
}

/* Waits until every started loop thread has set itself up; the first
 * failure, or PDT_OK. */
static pdt_err wait_workers_ready(http_server *s)
{
	pdt_err rc = PDT_OK;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->nw; i++) {
		while (s->w[i].started && !s->w[i].init_done)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!rc && s->w[i].init_rc)
			rc = s->w[i].init_rc;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static pdt_err make_addr(const char *addr, int port, struct sockaddr_storage *ss,
			 socklen_t *sslen)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*sslen = sizeof *in4;
		return PDT_OK;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof *in6;
		return PDT_OK;
	}
	return PDT_EINVAL;
}

/* One listening socket for all loops (each polls its own dup): a port
 * already in use fails here, as SO_REUSEPORT would not make it. */
static int listen_on(const struct sockaddr_storage *ss, socklen_t sslen)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (const struct sockaddr *)ss, sslen) != 0 || listen(fd, SOMAXCONN) != 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static size_t largest_body_max(const http_server_config *cfg)
{
	size_t m = HTTP_BODY_DEFAULT_MAX;
	for (size_t i = 0; i < cfg->nroutes; i++)
		if (route_body_max(&cfg->routes[i]) > m)
			m = route_body_max(&cfg->routes[i]);
	return m;
}

/* The library's settings: no Server header, HTTP/1.x only (no h2c upgrade,
 * no prior-knowledge HTTP/2: there is no TLS, so no ALPN either), one
 * handler for every path, the JSON filter for its own answers. */
static void configure(http_server *s)
{
	h2o_config_init(&s->conf);
	s->conf.server_name = h2o_iovec_init("", 0);
	s->conf.max_request_entity_size = largest_body_max(&s->cfg);
	s->conf.http1.req_timeout = (uint64_t)CONNECTION_TIMEOUT_S * 1000;
	s->conf.http1.upgrade_to_http2 = 0;
	h2o_hostconf_t *host =
		h2o_config_register_host(&s->conf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
	handler_ext *hx = (handler_ext *)h2o_create_handler(path, sizeof *hx);
	hx->super.on_req = on_req;
	hx->s = s;
	h2o_filter_t *f = h2o_create_filter(&host->fallback_path, sizeof *f);
	f->on_setup_ostream = lib_on_setup;
}

/* After every loop thread was joined (each freed its own loop). */
static void server_free(http_server *s)
{
	free(s->w);
	h2o_config_dispose(&s->conf);
	cors_release(&s->cors);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

pdt_err http_server_start(const http_server_config *cfg, http_server **out, char *err,
			  size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	*out = NULL;
	if (make_addr(cfg->addr, cfg->port, &ss, &sslen)) {
		snprintf(err, errlen, "SERVER_ADDR: not an IP address: %s", cfg->addr);
		return PDT_EINVAL;
	}
	int fd = listen_on(&ss, sslen);
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s:%d (address in use or not permitted)",
			 cfg->addr, cfg->port);
		return PDT_EIO;
	}
	http_server *s = xcalloc(1, sizeof *s);
	s->cfg = *cfg;
	cors_init(&s->cors, cfg->cors_origins);
	configure(s);
	s->nw = cfg->threads > 0 ? (size_t)cfg->threads : 1;
	s->w = xcalloc(s->nw, sizeof *s->w);
	s->listen_fd = fd;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pdt_err rc = PDT_OK;
	for (size_t i = 0; i < s->nw && !rc; i++) {
		s->w[i].s = s;
		s->w[i].fd = -1;
		if (pthread_create(&s->w[i].tid, NULL, worker_run, &s->w[i]) != 0)
			rc = PDT_EIO;
		else
			s->w[i].started = true;
	}
	pdt_err ready = wait_workers_ready(s);
	close(fd);
	if (rc || ready) {
		snprintf(err, errlen, "cannot start the HTTP threads");
		atomic_store(&s->phase, PHASE_STOP);
		for (size_t i = 0; i < s->nw; i++)
			if (s->w[i].started)
				pthread_join(s->w[i].tid, NULL);
		server_free(s);
		return PDT_EIO;
	}
	*out = s;
	return PDT_OK;
}

void http_server_quiesce(http_server *s)
{
	int run = PHASE_RUN;
	if (s)
		atomic_compare_exchange_strong(&s->phase, &run, PHASE_QUIESCE);
}

/* Waits (bounded) until *n is 0; returns what is left. */
static size_t wait_zero(atomic_size_t *n, int ms)
{
	const struct timespec tick = {.tv_sec = 0, .tv_nsec = 5 * 1000000L};
	int64_t end = mono_us() + (int64_t)ms * 1000;
	size_t left;
	while ((left = atomic_load(n)) > 0 && mono_us() < end)
		nanosleep(&tick, NULL);
	return left;
}

void http_server_stop(http_server *s)
{
	if (!s)
		return;
	http_server_quiesce(s);
	size_t open = wait_zero(&s->inflight, DEFERRED_DRAIN_MS);
	if (open)
		log_warn("http msg=\"requests still open at stop\" count=%zu", open);
	atomic_store(&s->phase, PHASE_CLOSE);
	wait_zero(&s->conns, CLOSE_DRAIN_MS);
	atomic_store(&s->phase, PHASE_STOP);
	for (size_t i = 0; i < s->nw; i++)
		if (s->w[i].started)
			pthread_join(s->w[i].tid, NULL);
	server_free(s);
}
