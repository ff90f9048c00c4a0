#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#define CONNECTION_TIMEOUT_S 30
#define CONNECTION_LIMIT 1000
/* Per-connection memory for the request line, headers and query arguments:
 * libmicrohttpd's 32 KiB default runs out on a URL with ~600 arguments. */
#define CONNECTION_MEMORY ((size_t)128 * 1024)

/* The libmicrohttpd version whose header layout http/strict.h checks. */
#define RAW_CHECK_MHD_VERSION "0.9.75"

/* How long http_server_stop waits for finished deferred answers to go out. */
#define DEFERRED_DRAIN_MS 2000

struct http_server {
	struct MHD_Daemon *daemon;
	MHD_socket listen_fd;
	http_server_config cfg;
	cors cors;
	pthread_mutex_t mu;
	pthread_cond_t cv;     /* a deferred request completed */
	size_t deferred_open;  /* deferred requests not yet completed */
	bool raw_check;        /* libmicrohttpd's header layout is the one strict.h knows */
};

/* One deferred answer. mu orders the handler thread's suspend against the
 * finisher's resume (which may come first, from another thread). */
struct http_deferred {
	pthread_mutex_t mu;
	struct MHD_Connection *conn;
	bool suspended; /* the connection is suspended: finish must resume it */
	bool ready;     /* resp holds the answer */
	http_resp resp;
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
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_req_query(const http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_req_param(const http_req *req, size_t i)
{
	return i < req->nparams ? req->params[i] : NULL;
}

http_deferred *http_req_defer(http_req *req)
{
	http_server *s = req->server;
	http_deferred *d = xcalloc(1, sizeof *d);
	pthread_mutex_init(&d->mu, NULL);
	d->conn = req->conn;
	req->deferred = d;
	pthread_mutex_lock(&s->mu);
	s->deferred_open++;
	pthread_mutex_unlock(&s->mu);
	return d;
}

void http_deferred_finish(http_deferred *d, http_resp *resp)
{
	pthread_mutex_lock(&d->mu);
	d->resp = *resp;
	*resp = (http_resp){0};
	if (d->resp.status == 0)
		http_resp_error(&d->resp, 500, "internal error");
	d->ready = true;
	if (d->suspended)
		MHD_resume_connection(d->conn);
	pthread_mutex_unlock(&d->mu);
}

static void deferred_free(http_deferred *d)
{
	if (!d)
		return;
	free(d->resp.body);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

static void req_free(http_req *req)
{
	if (!req)
		return;
	deferred_free(req->deferred);
	for (size_t i = 0; i < req->nparams; i++)
		free(req->params[i]);
	buf_release(&req->body);
	json_decref(req->json);
	if (req->auth_free)
		req->auth_free(req->auth);
	free(req);
}

static void add_cors_headers(http_server *s, http_req *req, struct MHD_Response *r)
{
	const char *origin = cors_allow_origin(&s->cors, http_req_header(req, "Origin"));
	if (origin) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
		if (!s->cors.any)
			MHD_add_response_header(r, "Vary", "Origin");
	}
	MHD_add_response_header(r, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
	MHD_add_response_header(r, "Access-Control-Allow-Methods", CORS_ALLOW_METHODS);
}

/* close: the answer ends the connection (a refused request's framing is not
 * trusted, so nothing after it on the connection is read as a request). */
static enum MHD_Result send_resp_ex(http_server *s, http_req *req, http_resp *resp, bool close)
{
	struct MHD_Response *r;
	if (resp->body) {
		r = MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
		resp->body = NULL; /* libmicrohttpd frees it now */
	} else {
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO;
	if (resp->len || resp->status != 204)
		MHD_add_response_header(r, "Content-Type",
					resp->content_type ? resp->content_type : "application/json");
	add_cors_headers(s, req, r);
	if (resp->retry_after_s > 0) {
		char ra[24];
		snprintf(ra, sizeof ra, "%lld", (long long)resp->retry_after_s);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	if (close)
		MHD_add_response_header(r, "Connection", "close");
	enum MHD_Result ok = MHD_queue_response(req->conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	resp->queued = true;
	long long us = (long long)(mono_us() - req->start_us);
	char status[8];
	snprintf(status, sizeof status, "%d", resp->status);
	metrics_inc("pdt_http_requests_total", "route", req->route ? req->route->pattern : "unmatched",
		    "status", status);
	log_info("http method=%s route=%s status=%d dur_us=%lld",
		 req->method == HTTP_OTHER ? "OTHER" : req->method_str,
		 req->route ? req->route->pattern : "-", resp->status, us);
	return ok;
}

static enum MHD_Result send_resp(http_server *s, http_req *req, http_resp *resp)
{
	return send_resp_ex(s, req, resp, false);
}

static enum MHD_Result answer_error(http_server *s, http_req *req, int status, const char *msg)
{
	http_resp resp = {0};
	http_resp_error(&resp, status, msg);
	return send_resp(s, req, &resp);
}

static enum MHD_Result strict_field(void *cls, enum MHD_ValueKind kind, const char *key,
				    size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	return http_strict_field(cls, key, key_size, value, value_size) ? MHD_YES : MHD_NO;
}

/* The strict header checks (http/strict.h) over every field with its real
 * length. On a refusal, answers it (JSON, connection closed) and returns true. */
static bool refused_strict(http_server *s, http_req *req, const char *version,
			   enum MHD_Result *ret)
{
	http_strict st;
	http_strict_init(&st);
	if (s->raw_check) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
		/* method_str is where the library's raw header block starts. */
		if (ci)
			http_strict_raw(&st, req->method_str, ci->header_size);
	}
	MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, strict_field, &st);
	if (http_strict_finish(&st, strcmp(version, MHD_HTTP_VERSION_1_1) == 0))
		return false;
	http_resp resp = {0};
	http_resp_error(&resp, 400, st.error);
	*ret = send_resp_ex(s, req, &resp, true);
	return true;
}

/* Content-Length above the cap: answer 413 before reading the body. */
static bool declared_too_big(http_req *req, size_t max)
{
	const char *cl = http_req_header(req, "Content-Length");
	if (!cl)
		return false;
	char *end = NULL;
	unsigned long long v = strtoull(cl, &end, 10);
	return end == cl || *end != '\0' || v > max;
}

static size_t route_body_max(const http_route *r)
{
	return r && r->body_max ? r->body_max : HTTP_BODY_DEFAULT_MAX;
}

/* First call for a request: refuse malformed header fields (400, before
 * anything else looks at them), route it; may answer at once (404, 405, 401,
 * 413, 204). The token is checked before the body is looked at, so a protected route
 * answers a caller without one 401 whatever it sent (not 413 or 400). */
static enum MHD_Result begin_request(http_server *s, http_req *req, const char *url,
				     const char *version)
{
	enum MHD_Result ret;
	if (refused_strict(s, req, version, &ret))
		return ret;
	router_result rr = router_match(s->cfg.routes, s->cfg.nroutes, req->method, url,
					&req->route, req->params, &req->nparams);
	/* Browsers preflight any /api/ URL they are about to call. */
	if (rr != ROUTER_MATCH && req->method == HTTP_OPTIONS &&
	    (strncmp(url, "/api/", 5) == 0 ||
	     router_path_known(s->cfg.routes, s->cfg.nroutes, url))) {
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
	if (declared_too_big(req, req->body.max))
		return answer_error(s, req, 413, "request body too large");
	return MHD_YES;
}

/* After a handler deferred: suspend the connection until the answer is
 * ready, or send it now when it already is. Also the resumed call. */
static enum MHD_Result suspend_or_send(http_server *s, http_req *req)
{
	http_deferred *d = req->deferred;
	pthread_mutex_lock(&d->mu);
	if (!d->ready) {
		if (!d->suspended)
			MHD_suspend_connection(d->conn);
		d->suspended = true;
		pthread_mutex_unlock(&d->mu);
		return MHD_YES;
	}
	pthread_mutex_unlock(&d->mu);
	return send_resp(s, req, &d->resp);
}

static enum MHD_Result run_handler(http_server *s, http_req *req)
{
	http_resp resp = {0};
	char err[256];
	if (req->body_too_big)
		return answer_error(s, req, 413, "request body too large");
	if (req->route->flags & HTTP_JSON) {
		if (jsonbind_parse(req->body.data, req->body.len, &req->json, err, sizeof err))
			return answer_error(s, req, 400, err);
	}
	req->route->handler(s->cfg.app, req, &resp);
	if (req->deferred)
		return suspend_or_send(s, req);
	if (resp.status == 0)
		http_resp_error(&resp, 500, "internal error");
	return send_resp(s, req, &resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	http_server *s = cls;
	http_req *req = *con_cls;
	if (!req) {
		req = xcalloc(1, sizeof *req);
		req->start_us = mono_us();
		req->conn = conn;
		req->method_str = method;
		req->method = http_method_parse(method);
		req->path = url;
		req->server = s;
		*con_cls = req;
		return begin_request(s, req, url, version);
	}
	if (req->deferred) /* resumed: the answer is ready */
		return suspend_or_send(s, req);
	if (*upload_data_size) {
		if (!req->body_too_big && buf_append(&req->body, upload_data, *upload_data_size))
			req->body_too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return run_handler(s, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	http_server *s = cls;
	http_req *req = *con_cls;
	(void)conn;
	(void)toe;
	if (req && req->deferred) {
		pthread_mutex_lock(&s->mu);
		s->deferred_open--;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
	req_free(req);
	*con_cls = NULL;
}

/* Lets finished deferred answers go out before the daemon stops (bounded). */
static void drain_deferred(http_server *s)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += DEFERRED_DRAIN_MS / 1000;
	dl.tv_nsec += (long)(DEFERRED_DRAIN_MS % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (s->deferred_open > 0)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &dl) != 0)
			break;
	if (s->deferred_open > 0)
		log_warn("http msg=\"deferred answers still open at stop\" count=%zu",
			 s->deferred_open);
	pthread_mutex_unlock(&s->mu);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	log_warn("http msg=\"%s\"", line);
}

static pdt_err make_addr(const char *addr, int port, struct sockaddr_storage *ss, bool *v6)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*v6 = false;
		return PDT_OK;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*v6 = true;
		return PDT_OK;
	}
	return PDT_EINVAL;
}

pdt_err http_server_start(const http_server_config *cfg, http_server **out, char *err,
			  size_t errlen)
{
	struct sockaddr_storage ss;
	bool v6 = false;
	*out = NULL;
	if (make_addr(cfg->addr, cfg->port, &ss, &v6)) {
		snprintf(err, errlen, "SERVER_ADDR: not an IP address: %s", cfg->addr);
		return PDT_EINVAL;
	}
	http_server *s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->cfg = *cfg;
	cors_init(&s->cors, cfg->cors_origins);
	/* The hidden-bytes check (strict.h) reads libmicrohttpd's read buffer as
	 * 0.9.75 lays it out; another version could lay it out otherwise and
	 * every request would be refused, so it runs on that version only. */
	s->raw_check = strcmp(MHD_get_version(), RAW_CHECK_MHD_VERSION) == 0;
	if (!s->raw_check)
		log_warn("http libmicrohttpd %s is not %s: header values are not checked for "
			 "bytes hidden behind a NUL", MHD_get_version(), RAW_CHECK_MHD_VERSION);
	/* poll(), not epoll: with epoll libmicrohttpd 0.9.75 leaves some broken
	 * connections (a half-closed partial request, a request line too big
	 * for the pool) open until the idle timeout instead of closing them. */
	unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
			 MHD_ALLOW_SUSPEND_RESUME;
	if (v6)
		flags |= MHD_USE_IPv6;
	s->daemon = MHD_start_daemon(
		flags, (uint16_t)cfg->port, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, errlen, "cannot listen on %s:%d (address in use or not permitted)",
			 cfg->addr, cfg->port);
		cors_release(&s->cors);
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return PDT_EIO;
	}
	s->listen_fd = MHD_INVALID_SOCKET;
	*out = s;
	return PDT_OK;
}

void http_server_quiesce(http_server *s)
{
	if (s && s->listen_fd == MHD_INVALID_SOCKET)
		s->listen_fd = MHD_quiesce_daemon(s->daemon);
}

void http_server_stop(http_server *s)
{
	if (!s)
		return;
	drain_deferred(s);
	MHD_stop_daemon(s->daemon);
	/* After a quiesce the listening socket is ours to close, and only now. */
	if (s->listen_fd != MHD_INVALID_SOCKET)
		close(s->listen_fd);
	cors_release(&s->cors);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
