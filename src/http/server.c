#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
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
#include "core/banned.h"

#define CONNECTION_TIMEOUT_S 30
#define CONNECTION_LIMIT 1000
/* Per-connection memory for the request line, headers and query arguments:
 * libmicrohttpd's 32 KiB default runs out on a URL with ~600 arguments. */
#define CONNECTION_MEMORY ((size_t)128 * 1024)

struct http_server {
	struct MHD_Daemon *daemon;
	MHD_socket listen_fd;
	http_server_config cfg;
	cors cors;
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

static void req_free(http_req *req)
{
	if (!req)
		return;
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

static enum MHD_Result send_resp(http_server *s, http_req *req, http_resp *resp)
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

static enum MHD_Result answer_error(http_server *s, http_req *req, int status, const char *msg)
{
	http_resp resp = {0};
	http_resp_error(&resp, status, msg);
	return send_resp(s, req, &resp);
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

/* First call for a request: route it; may answer at once (404, 405, 401, 413,
 * 204). The token is checked before the body is looked at, so a protected route
 * answers a caller without one 401 whatever it sent (not 413 or 400). */
static enum MHD_Result begin_request(http_server *s, http_req *req, const char *url)
{
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
	if (resp.status == 0)
		http_resp_error(&resp, 500, "internal error");
	return send_resp(s, req, &resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	http_server *s = cls;
	http_req *req = *con_cls;
	if (!req) {
		req = xcalloc(1, sizeof *req);
		req->start_us = mono_us();
		req->conn = conn;
		req->method_str = method;
		req->method = http_method_parse(method);
		req->path = url;
		*con_cls = req;
		return begin_request(s, req, url);
	}
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
	(void)cls;
	(void)conn;
	(void)toe;
	req_free(*con_cls);
	*con_cls = NULL;
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
	s->cfg = *cfg;
	cors_init(&s->cors, cfg->cors_origins);
	/* poll(), not epoll: with epoll libmicrohttpd 0.9.75 leaves some broken
	 * connections (a half-closed partial request, a request line too big
	 * for the pool) open until the idle timeout instead of closing them. */
	unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
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
	MHD_stop_daemon(s->daemon);
	/* After a quiesce the listening socket is ours to close, and only now. */
	if (s->listen_fd != MHD_INVALID_SOCKET)
		close(s->listen_fd);
	cors_release(&s->cors);
	free(s);
}
