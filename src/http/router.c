#include "http/router.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

/* Length of the segment starting at s (up to '/' or end). */
static size_t seglen(const char *s)
{
	const char *e = strchr(s, '/');
	return e ? (size_t)(e - s) : strlen(s);
}

/*
 * Walks pattern and path segment by segment. When params is non-NULL the
 * ':' segments are copied into it. Returns true on a full match.
 */
static bool match_pattern(const char *pat, const char *path, char **params, size_t *np)
{
	size_t n = 0;
	if (*pat != '/' || *path != '/')
		return false;
	while (*pat == '/' && *path == '/') {
		pat++;
		path++;
		size_t pl = seglen(pat), sl = seglen(path);
		if (*pat == ':') {
			if (sl == 0 || n >= HTTP_MAX_PARAMS)
				goto fail;
			if (params)
				params[n] = xstrndup(path, sl);
			n++;
		} else if (pl != sl || memcmp(pat, path, pl) != 0) {
			goto fail;
		}
		pat += pl;
		path += sl;
	}
	if (*pat != '\0' || *path != '\0')
		goto fail;
	if (np)
		*np = n;
	return true;
fail:
	if (params)
		for (size_t i = 0; i < n; i++) {
			free(params[i]);
			params[i] = NULL;
		}
	return false;
}

router_result router_match(const http_route *table, size_t n, http_method method,
			   const char *path, const http_route **route,
			   char *params[HTTP_MAX_PARAMS], size_t *nparams)
{
	bool path_seen = false;
	*route = NULL;
	*nparams = 0;
	if (!path || strlen(path) > HTTP_MAX_PATH)
		return ROUTER_NO_PATH;
	for (size_t i = 0; i < n; i++) {
		if (table[i].method != method) {
			if (!path_seen && match_pattern(table[i].pattern, path, NULL, NULL))
				path_seen = true;
			continue;
		}
		if (match_pattern(table[i].pattern, path, params, nparams)) {
			*route = &table[i];
			return ROUTER_MATCH;
		}
	}
	return path_seen ? ROUTER_BAD_METHOD : ROUTER_NO_PATH;
}

bool router_path_known(const http_route *table, size_t n, const char *path)
{
	if (!path || strlen(path) > HTTP_MAX_PATH)
		return false;
	for (size_t i = 0; i < n; i++)
		if (match_pattern(table[i].pattern, path, NULL, NULL))
			return true;
	return false;
}
