#ifndef PDT_HTTP_HTTP_H
#define PDT_HTTP_HTTP_H
/*
 * Types shared by the HTTP layer and the API handlers: the request a handler
 * reads, the response it fills, and the route table row that describes it.
 *
 * Ownership: the server owns every http_req (and everything it points to) for
 * the life of one request and frees it in one place after the response is
 * sent. Handlers borrow it. A handler fills http_resp through the helpers in
 * response.h, which take ownership of what they are given.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef enum http_method {
	HTTP_GET = 0,
	HTTP_POST,
	HTTP_PUT,
	HTTP_PATCH,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_HEAD,
	HTTP_OTHER,
} http_method;

#define HTTP_MAX_PARAMS 4
#define HTTP_BODY_DEFAULT_MAX (1024 * 1024) /* 1 MiB: larger bodies get 413 */
#define HTTP_MAX_PATH 2048

typedef struct http_route http_route;

typedef struct http_req {
	http_method method;
	const char *method_str;        /* NUL-terminated copy in the library's request pool */
	char *path;                    /* percent-decoded, no query (owned); never logged */
	char *query;                   /* raw query string after '?', "" when none (owned) */
	void *lib;                     /* h2o_req_t *, for header lookups and the peer */
	const http_route *route;       /* NULL when no route matched */
	char *params[HTTP_MAX_PARAMS]; /* path parameters in pattern order (owned) */
	size_t nparams;
	buf body;                      /* request body, capped at route's body_max */
	bool body_too_big;
	json_t *json;                  /* parsed body for routes with HTTP_JSON (owned) */
	int64_t user_id;               /* set by the auth hook; 0 when anonymous */
	void *auth;                    /* what the auth hook keeps for the handler */
	void (*auth_free)(void *);     /* frees auth at the end of the request */
	int64_t start_us;              /* monotonic, for the access log */
	void *server;                  /* the http_server (for http_req_defer) */
	struct http_deferred *deferred; /* set by http_req_defer (owned) */
} http_req;

typedef struct http_resp {
	int status;
	char *body; /* malloc'd; the server copies it out and frees it */
	size_t len;
	const char *content_type; /* static string; NULL = application/json */
	int64_t retry_after_s;    /* > 0: sent as a Retry-After header (seconds) */
	bool queued;
} http_resp;

/* A handler gets the application context given to the server (api_app *). */
typedef void (*http_handler)(void *app, http_req *req, http_resp *resp);

/* Route flags. */
enum {
	HTTP_AUTH = 1 << 0, /* needs a valid bearer token: the auth hook runs first */
	HTTP_JSON = 1 << 1, /* the body must be a JSON object (400 otherwise) */
};

struct http_route {
	http_method method;
	const char *pattern; /* "/api/repos/:id": ':' segments become params */
	http_handler handler;
	unsigned flags;
	size_t body_max; /* 0 = HTTP_BODY_DEFAULT_MAX */
};

const char *http_method_name(http_method m);
http_method http_method_parse(const char *s);

/*
 * Deferred answers: a handler that must wait for something slow (a sync
 * pass) calls http_req_defer, returns without filling resp, and hands the
 * http_deferred to whoever finishes the work. The request stays open on its
 * event loop, which goes on serving others, so no HTTP thread waits.
 * http_deferred_finish, called exactly once from any thread, hands the
 * answer (it takes resp's body) to the request's loop, which sends it (or
 * drops it when the request is gone); after it the caller must not touch d
 * again. The server frees d. Until then the finisher may still read req
 * (the loop leaves a deferred request alone until its answer arrives); not
 * after. Every deferred request must be finished before
 * http_server_stop (which waits, bounded, for their answers to go).
 */
typedef struct http_deferred http_deferred;
http_deferred *http_req_defer(http_req *req);
void http_deferred_finish(http_deferred *d, http_resp *resp);

/* Header or query value (the first one of that name); NULL when absent.
 * NUL-terminated, allocated in the request's pool: valid until the request
 * ends. Query names and values are percent-decoded ('+' is a space). The
 * framing fields (Content-Length, Transfer-Encoding), Host, Expect and
 * Upgrade are not found here: the library keeps them out of its list. */
const char *http_req_header(const http_req *req, const char *name);
const char *http_req_query(const http_req *req, const char *name);
/* Path parameter i, or NULL. */
const char *http_req_param(const http_req *req, size_t i);

#endif
