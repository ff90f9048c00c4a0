#ifndef PDT_HTTP_SERVER_H
#define PDT_HTTP_SERVER_H
/*
 * server: libmicrohttpd glue. One poll-mode thread pool serves every connection;
 * each request goes: route match (404/405, CORS preflight) -> auth hook for
 * HTTP_AUTH routes (401, before any byte of the body is read) -> body read
 * with its cap (413) -> JSON parse for HTTP_JSON routes (400) -> handler -> response with CORS headers -> one
 * access-log line (method, route pattern, status, duration: never the raw
 * URL, headers or body, so no token or password can reach the log).
 * A handler that waits for slow work defers its answer (http_req_defer in
 * http.h): the connection is suspended (MHD_ALLOW_SUSPEND_RESUME) and holds
 * no thread until http_deferred_finish resumes it.
 *
 * Ownership: the server borrows the route table, the app pointer and the
 * config strings for its whole life; http_server_stop frees the server.
 */
#include <stddef.h>

#include "core/err.h"
#include "http/http.h"

/* Returns 0 when the request may proceed (req->user_id set), else fills resp. */
typedef int (*http_auth_hook)(void *app, http_req *req, http_resp *resp);

typedef struct http_server_config {
	const char *addr;          /* IPv4 or IPv6 literal */
	int port;
	int threads;               /* thread pool size */
	const char *cors_origins;  /* CORS_ALLOWED_ORIGINS */
	const http_route *routes;
	size_t nroutes;
	http_auth_hook auth;
	void *app;
} http_server_config;

typedef struct http_server http_server;

/* Binds and starts serving. err gets one line on failure. */
pdt_err http_server_start(const http_server_config *cfg, http_server **out, char *err,
			  size_t errlen);
/* Stops accepting new connections (first step of a graceful shutdown). */
void http_server_quiesce(http_server *s);
/* Waits for in-flight requests (finished deferred answers: at most 2 s),
 * closes everything, frees s. NULL is fine. */
void http_server_stop(http_server *s);

#endif
