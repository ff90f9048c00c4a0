#ifndef PDT_HTTP_SERVER_H
#define PDT_HTTP_SERVER_H
/*
 * server: the HTTP layer on h2o 2.2.5's evloop library (libh2o-evloop).
 * `threads` threads, each with its own h2o event loop and context, all
 * polling one listening socket (each its own dup; one socket, not one
 * SO_REUSEPORT socket per thread, so a port already in use fails at start
 * and a quiesce closes the only accept queue). HTTP/1.x only: no h2c
 * upgrade, no prior-knowledge HTTP/2 (no TLS, so no ALPN either).
 *
 * Each request goes: strict checks over its raw head (400 JSON, connection
 * closed: http/strict.h) -> route match (404/405, CORS preflight) -> auth
 * hook for HTTP_AUTH routes (401) -> body cap (413) -> JSON parse for
 * HTTP_JSON routes (400) -> handler -> response with CORS headers -> one
 * access-log line (method, route pattern, status, duration: never the raw
 * URL, headers or body, so no token or password can reach the log).
 * The library reads the whole body before a handler runs; a body over the
 * largest route cap is its own 413. The answers the library makes itself
 * before pdt sees a request with a body it controls (a Content-Length that
 * is not digits, that 413, a broken chunked body, an unknown
 * Transfer-Encoding or Expect) get a JSON body through a filter; a head its
 * parser refuses gets its fixed text/plain 400 (README, known limits).
 * Bounds: a connection has CONNECTION_TIMEOUT_S to send a request and may
 * idle that long; at most CONNECTION_LIMIT connections (more are closed at
 * accept); a head up to the library's H2O_MAX_REQLEN with at most 100 fields.
 *
 * A handler that waits for slow work defers its answer (http_req_defer in
 * http.h): it returns without answering, so the loop thread goes on;
 * http_deferred_finish (any thread) posts the answer to the owning loop
 * through h2o's multithread queue, which sends it there. If the request is
 * gone by then, the answer is dropped.
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
/* Stops accepting new connections (first step of a graceful shutdown);
 * answers from now on end their connection. */
void http_server_quiesce(http_server *s);
/* Waits for open requests, deferred ones included (at most 2 s), then shuts
 * every connection down (idle keep-alive ones close at once; at most 0.5 s
 * more), stops the loops, frees s. NULL is fine. */
void http_server_stop(http_server *s);

#endif
