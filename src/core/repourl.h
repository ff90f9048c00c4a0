#ifndef PDT_CORE_REPOURL_H
#define PDT_CORE_REPOURL_H
/*
 * Repository URL parsing for POST /api/repos (untrusted input).
 *   https://github.com/owner/name(.git)(/)      -> github, owner, name
 *   https://gitlab.example.com/group/sub/name   -> gitlab, owner "group/sub", name
 * Rules: http or https only; a host is required (letters, digits, '.', '-',
 * optional :port); a host containing "github.com" is github and needs exactly
 * owner/name; any other host is gitlab and needs at least group/name; a
 * trailing "/" and ".git" are dropped (a name still ending in ".git" is
 * rejected); no query, fragment, userinfo, empty or dot segments; segments are
 * [A-Za-z0-9._-]+; total length <= 512. Scheme and host are matched in any
 * case and stored lower-case; a default port (:443, :80) is dropped.
 *
 * Ownership: repourl_parse fills *out with heap strings; repourl_release frees.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

typedef struct repourl {
	char *provider; /* "github" | "gitlab" (static-like heap copy) */
	char *base;     /* "https://host[:port]" lower-cased host */
	char *owner;    /* "owner" or "group/sub" */
	char *name;     /* "name" */
	char *url;      /* normalised: base + "/" + owner + "/" + name */
} repourl;

/* PDT_OK, or PDT_EINVAL (out left zeroed) for anything not accepted above. */
pdt_err repourl_parse(const char *input, repourl *out);
void repourl_release(repourl *r);

/* "http://" or "https://" (any case) at *sp: advances *sp past it and sets
 * *https; false, *sp unchanged, for anything else. Shared with the upstream
 * address policy, which reads users' URLs the same way. */
bool repourl_scheme(const char **sp, bool *https);
/* p[0..n) as a port: 1..5 digits, 1..65535. false, *out unchanged, otherwise. */
bool repourl_port(const char *p, size_t n, unsigned *out);

#endif
