#ifndef PDT_UPSTREAM_LINK_H
#define PDT_UPSTREAM_LINK_H
/*
 * link: RFC 8288 Link header parsing, as GitHub and GitLab send it:
 *   <https://api.github.com/repositories/1/commits?page=2>; rel="next", <...>; rel="last"
 * Untrusted input: bounded (headers over LINK_MAX_LEN are rejected), no
 * allocation unless a match is found.
 */
#include <stddef.h>

#define LINK_MAX_LEN 16384

/*
 * The target URL of the first link whose rel (quoted or not, possibly one of
 * several space-separated relation types) equals `rel`, as a heap string
 * (caller frees), or NULL when there is none or the header is malformed.
 */
char *link_find(const char *header, const char *rel);

#endif
