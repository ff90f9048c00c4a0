#ifndef PDT_UPSTREAM_PROVIDER_INTERNAL_H
#define PDT_UPSTREAM_PROVIDER_INTERNAL_H
/*
 * provider_internal: what provider.c shares with github.c and gitlab.c.
 * Private to those three files.
 *
 * provider.c owns the flows common to both providers: request headers, one
 * GET with its error mapping, the page loop (GitHub Link rel="next" / GitLab
 * x-next-page), ETag handling and the branch list. github.c and gitlab.c each
 * export one provider_ops table: how to build their URLs and how to read
 * their objects.
 *
 * Parser conventions: a page is validated whole before any callback runs or
 * any branch is appended, so a malformed page reports nothing; a rejection
 * comes with a short reason (never bytes of the body, which may be hostile).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "upstream/provider.h"

#define PROVIDER_MAX_PAGES 10000
#define PROVIDER_URL_MAX 8192
#define PROVIDER_WHY_MAX 120

/*
 * Reads one commit object into c (sha, author, author_email, date borrowed
 * from e) and *msg (the raw message). Returns NULL, or why e is malformed.
 */
typedef const char *(*provider_commit_conv)(const json_t *e, provider_commit *c,
					     const char **msg);

typedef struct provider_ops {
	const char *name;          /* "github" | "gitlab", for messages */
	const char *auth_prefix;   /* header line before the token */
	const char *const *extra_headers; /* NULL-terminated */
	const char *sha_key;       /* head commit field inside a branch's "commit" */
	bool link_paging;          /* true: Link rel="next"; false: x-next-page */
	/* URLs, appended to url (capped at PROVIDER_URL_MAX) */
	pdt_err (*repo_url)(const provider_ref *ref, buf *url);
	pdt_err (*branches_url)(const provider_ref *ref, buf *url);
	pdt_err (*commits_url)(const provider_ref *ref, const char *branch, int64_t since,
			       buf *url);
	pdt_err (*compare_url)(const provider_ref *ref, const char *base, const char *head,
			       buf *url);
	/* The compare object (one page): validates it, fills out's status and total, and
	 * *commits (borrowed from *root, which the caller decrefs). */
	pdt_err (*compare_parse)(const char *body, size_t len, const char *base,
				 json_t **root, const json_t **commits,
				 provider_compare_result *out, char *why, size_t whylen);
	/* The repository / project object. Fills out on PDT_OK. */
	pdt_err (*repo_parse)(const char *body, size_t len, provider_repo_info *out, char *why,
			      size_t whylen);
	provider_commit_conv commit_conv;
} provider_ops;

extern const provider_ops github_ops;
extern const provider_ops gitlab_ops;

/* ---- JSON helpers ---- */

/* Loads body as a JSON object. NULL + why when it is not one. Caller decrefs. */
json_t *provider_json_object(const char *body, size_t len, char *why, size_t whylen);
/* obj[key] as a string: "" when absent or null; false when of another type. */
bool provider_opt_str(const json_t *obj, const char *key, const char **out);
/* obj[key] as an object: NULL when absent or null; false when of another type. */
bool provider_opt_obj(const json_t *obj, const char *key, const json_t **out);
/* obj[key] as an RFC 3339 time: *present false when absent or null; false when
 * of another type or not a valid timestamp. obj may be NULL (absent). */
bool provider_opt_time(const json_t *obj, const char *key, int64_t *out, bool *present);
/* A plausible commit id: 1..128 printable ASCII bytes, no spaces. */
bool provider_sha_ok(const char *s);

/* True when every element of arr reads with ops->commit_conv; false with the
 * reason in why otherwise. */
bool provider_commit_array_ok(const provider_ops *ops, const json_t *arr, char *why,
			      size_t whylen);

/* ---- URL helpers ---- */

/* Appends ref->base without its trailing '/'s. */
pdt_err provider_url_base(buf *url, const char *base);
/* Appends s percent-encoded for a path segment or query value ("/" -> %2F). */
pdt_err provider_url_escaped(buf *url, const char *s);
/* Appends "since=<RFC 3339 Z>". */
pdt_err provider_url_since(buf *url, int64_t since);

#endif
