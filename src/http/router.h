#ifndef PDT_HTTP_ROUTER_H
#define PDT_HTTP_ROUTER_H
/*
 * router: matches (method, path) against a table of http_route rows.
 * Patterns are literal segments and ":name" segments (one segment each).
 * Matching is exact on segments: no prefix matches, a trailing "/" is a
 * different path. Paths longer than HTTP_MAX_PATH never match.
 *
 * The table is borrowed and must outlive the router's use (it is static).
 */
#include "http/http.h"

typedef enum router_result {
	ROUTER_MATCH = 0,    /* *route set, params filled */
	ROUTER_NO_PATH,      /* 404 */
	ROUTER_BAD_METHOD,   /* the path exists with another method: 405 */
} router_result;

/*
 * On ROUTER_MATCH, params[0..*nparams) are heap copies of the ':' segments
 * (caller frees each). On other results nothing is allocated.
 */
router_result router_match(const http_route *table, size_t n, http_method method,
			   const char *path, const http_route **route,
			   char *params[HTTP_MAX_PARAMS], size_t *nparams);

/* true if some row's pattern matches path, whatever the method. */
bool router_path_known(const http_route *table, size_t n, const char *path);

#endif
