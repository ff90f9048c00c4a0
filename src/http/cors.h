#ifndef PDT_HTTP_CORS_H
#define PDT_HTTP_CORS_H
/*
 * CORS policy from CORS_ALLOWED_ORIGINS: "*" (any origin, answered "*") or a
 * comma-separated list of exact origins (an allowed request Origin is echoed
 * with "Vary: Origin"; any other gets no Access-Control-Allow-Origin).
 *
 * Ownership: cors_init copies what it needs; cors_release frees it.
 */
#include <stdbool.h>
#include <stddef.h>

typedef struct cors {
	bool any;
	char **origins;
	size_t n;
} cors;

void cors_init(cors *c, const char *allowed);
void cors_release(cors *c);
/* The Access-Control-Allow-Origin value for this request Origin, or NULL. */
const char *cors_allow_origin(const cors *c, const char *origin);

#define CORS_ALLOW_HEADERS "Origin, Content-Type, Accept, Authorization"
#define CORS_ALLOW_METHODS "GET, POST, PUT, PATCH, DELETE, OPTIONS"

#endif
