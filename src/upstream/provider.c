/*
 * provider: dispatch on ref->provider to the github / gitlab ops tables, and
 * everything the two share: headers, one GET with its error mapping, the page
 * loop, ETags, the branch list and the commit array walk.
 */
#include "upstream/provider.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/timeutil.h"
#include "core/utf8.h"
#include "upstream/link.h"
#include "upstream/provider_internal.h"
#include "upstream/urlenc.h"
#include "core/banned.h"

#define PROVIDER_TEXT_ERR_MAX 100 /* bytes of a plain-text error body kept (GitLab 429) */
#define PROVIDER_SHA_MAX 128
#define PROVIDER_PAGE_NO_MAX 1000000000L

/* ---- results ---- */

static void seterr(provider_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void seterr(provider_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->err, sizeof res->err, fmt, ap);
	va_end(ap);
}

static pdt_err malformed(provider_result *res, const provider_ops *ops, const char *why)
{
	seterr(res, "malformed JSON from %s: %s", ops->name, why);
	return PDT_EINVAL;
}

static const provider_ops *ops_for(const char *provider)
{
	if (provider && strcmp(provider, "github") == 0)
		return &github_ops;
	if (provider && strcmp(provider, "gitlab") == 0)
		return &gitlab_ops;
	return NULL;
}

/* Length of "scheme://authority" at the start of url; false when there is none. */
static bool origin_len(const char *url, size_t *n)
{
	const char *p = strstr(url, "://");
	if (!p || p == url)
		return false;
	p += 3;
	p += strcspn(p, "/?#");
	*n = (size_t)(p - url);
	return true;
}

/* Common entry checks: res usable and reset, ops found, ref complete. */
static pdt_err begin(const provider_ref *ref, provider_result **res, provider_result *dummy,
		     const provider_ops **ops)
{
	size_t n;
	if (!*res)
		*res = dummy;
	(*res)->status = 0;
	(*res)->err[0] = '\0';
	*ops = ops_for(ref ? ref->provider : NULL);
	if (!*ops) {
		seterr(*res, "unknown provider");
		return PDT_EINVAL;
	}
	if (!ref->base || !ref->owner || !ref->name || !*ref->owner || !*ref->name) {
		seterr(*res, "incomplete repository reference");
		return PDT_EINVAL;
	}
	if (!origin_len(ref->base, &n)) {
		seterr(*res, "invalid %s base URL", (*ops)->name);
		return PDT_EINVAL;
	}
	return PDT_OK;
}

static pdt_err url_built(pdt_err rc, provider_result *res)
{
	if (rc)
		seterr(res, "request URL too long");
	return rc ? PDT_EINVAL : PDT_OK;
}

/* ---- JSON helpers ---- */

static const char *type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static json_t *load(const char *body, size_t len, char *why, size_t whylen)
{
	json_error_t e;
	if (!body || len == 0) {
		snprintf(why, whylen, "empty body");
		return NULL;
	}
	json_t *j = json_loadb(body, len, 0, &e);
	if (!j)
		snprintf(why, whylen, "invalid JSON at line %d column %d", e.line, e.column);
	return j;
}

static json_t *load_typed(const char *body, size_t len, json_type want, char *why,
			  size_t whylen)
{
	json_t *j = load(body, len, why, whylen);
	if (j && json_typeof(j) != want) {
		snprintf(why, whylen, "expected %s, got %s",
			 want == JSON_ARRAY ? "an array" : "an object", type_name(j));
		json_decref(j);
		j = NULL;
	}
	return j;
}

json_t *provider_json_object(const char *body, size_t len, char *why, size_t whylen)
{
	return load_typed(body, len, JSON_OBJECT, why, whylen);
}

bool provider_opt_str(const json_t *obj, const char *key, const char **out)
{
	const json_t *v = json_object_get(obj, key);
	*out = "";
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v))
		return false;
	*out = json_string_value(v);
	return true;
}

bool provider_opt_obj(const json_t *obj, const char *key, const json_t **out)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_object(v))
		return false;
	*out = v;
	return true;
}

bool provider_opt_time(const json_t *obj, const char *key, int64_t *out, bool *present)
{
	const json_t *v = json_object_get(obj, key);
	int64_t t = 0;
	*present = false;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v) || timeutil_parse_rfc3339(json_string_value(v), &t))
		return false;
	*out = t;
	*present = true;
	return true;
}

bool provider_sha_ok(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		unsigned char ch = (unsigned char)s[n];
		if (ch <= 0x20 || ch >= 0x7f || n >= PROVIDER_SHA_MAX)
			return false;
	}
	return n > 0;
}

/* ---- commits ---- */

/* Calls cb with c, its message a copy of raw without trailing '\n' / '\r'. */
static int emit_commit(provider_commit *c, const char *raw, provider_commit_cb cb, void *ctx)
{
	size_t n = strlen(raw);
	while (n && (raw[n - 1] == '\n' || raw[n - 1] == '\r'))
		n--;
	char *msg = xstrndup(raw, n);
	c->message = msg;
	int stop = cb ? cb(c, ctx) : 0;
	c->message = NULL;
	free(msg);
	return stop;
}

bool provider_commit_array_ok(const provider_ops *ops, const json_t *arr, char *why,
			      size_t whylen)
{
	const json_t *e;
	size_t i;
	provider_commit c;
	const char *msg, *bad;
	json_array_foreach(arr, i, e) {
		memset(&c, 0, sizeof c);
		if ((bad = ops->commit_conv(e, &c, &msg))) {
			snprintf(why, whylen, "commit %zu: %s", i, bad);
			return false;
		}
	}
	return true;
}

/* Passes each commit of a checked array to cb; true when cb said stop. *n counts them. */
static bool emit_array(const provider_ops *ops, const json_t *arr, provider_commit_cb cb,
		       void *ctx, int64_t *n)
{
	const json_t *e;
	size_t i;
	provider_commit c;
	const char *msg;
	json_array_foreach(arr, i, e) {
		memset(&c, 0, sizeof c);
		ops->commit_conv(e, &c, &msg);
		if (n)
			++*n;
		if (emit_commit(&c, msg, cb, ctx))
			return true;
	}
	return false;
}

/* One page of commits: validated whole, then each passed to cb until it says stop. */
static pdt_err commits_page(const provider_ops *ops, const char *body, size_t len,
			    provider_commit_cb cb, void *ctx, size_t *count, bool *stop,
			    char *why, size_t whylen)
{
	json_t *arr = load_typed(body, len, JSON_ARRAY, why, whylen);
	*count = 0;
	*stop = false;
	if (!arr)
		return PDT_EINVAL;
	if (!provider_commit_array_ok(ops, arr, why, whylen)) {
		json_decref(arr);
		return PDT_EINVAL;
	}
	*count = json_array_size(arr);
	*stop = emit_array(ops, arr, cb, ctx, NULL);
	json_decref(arr);
	return PDT_OK;
}

pdt_err provider_parse_github_commits(const char *body, size_t len, provider_commit_cb cb,
				      void *ctx)
{
	char why[PROVIDER_WHY_MAX];
	size_t n;
	bool stop;
	return commits_page(&github_ops, body, len, cb, ctx, &n, &stop, why, sizeof why);
}

pdt_err provider_parse_gitlab_commits(const char *body, size_t len, provider_commit_cb cb,
				      void *ctx)
{
	char why[PROVIDER_WHY_MAX];
	size_t n;
	bool stop;
	return commits_page(&gitlab_ops, body, len, cb, ctx, &n, &stop, why, sizeof why);
}

/*
 * One compare page: validated whole, out's status/total set, then (unless
 * need_ancestor and base is not an ancestor) each commit to cb.
 */
static pdt_err compare_page(const provider_ops *ops, const char *body, size_t len,
			    const char *base, bool need_ancestor, provider_commit_cb cb, void *ctx,
			    provider_compare_result *out, size_t *count, bool *stop, char *why,
			    size_t whylen)
{
	json_t *root = NULL;
	const json_t *arr = NULL;
	*count = 0;
	*stop = false;
	pdt_err rc = ops->compare_parse(body, len, base, &root, &arr, out, why, whylen);
	if (rc)
		return rc;
	*count = json_array_size(arr);
	if (need_ancestor && out->status == PROVIDER_COMPARE_DIVERGED)
		*stop = true; /* the caller lists by date instead: no more pages */
	else
		*stop = emit_array(ops, arr, cb, ctx, &out->listed);
	json_decref(root);
	return PDT_OK;
}

static pdt_err parse_compare(const provider_ops *ops, const char *body, size_t len,
			     const char *base, bool need_ancestor, provider_commit_cb cb,
			     void *ctx, provider_compare_result *out)
{
	char why[PROVIDER_WHY_MAX];
	size_t n;
	bool stop;
	provider_compare_result tmp;
	memset(&tmp, 0, sizeof tmp);
	pdt_err rc = compare_page(ops, body, len, base, need_ancestor, cb, ctx, &tmp, &n, &stop,
				  why, sizeof why);
	if (!rc && out)
		*out = tmp;
	return rc;
}

pdt_err provider_parse_github_compare(const char *body, size_t len, const char *base_sha,
				      bool need_ancestor, provider_commit_cb cb, void *ctx,
				      provider_compare_result *out)
{
	return parse_compare(&github_ops, body, len, base_sha, need_ancestor, cb, ctx, out);
}

pdt_err provider_parse_gitlab_compare(const char *body, size_t len, const char *base_sha,
				      bool need_ancestor, provider_commit_cb cb, void *ctx,
				      provider_compare_result *out)
{
	return parse_compare(&gitlab_ops, body, len, base_sha, need_ancestor, cb, ctx, out);
}

/* ---- branches ---- */

static bool branch_of(const json_t *e, const char *sha_key, const char **name, const char **sha)
{
	const json_t *commit = NULL;
	const json_t *n = json_object_get(e, "name");
	const json_t *s;
	if (!json_is_string(n) || !*json_string_value(n))
		return false;
	if (!provider_opt_obj(e, "commit", &commit) || !commit)
		return false;
	s = json_object_get(commit, sha_key);
	if (!json_is_string(s) || !provider_sha_ok(json_string_value(s)))
		return false;
	*name = json_string_value(n);
	*sha = json_string_value(s);
	return true;
}

/* Appends one page's branches to out; nothing on PDT_EINVAL. */
static pdt_err branches_page(const char *body, size_t len, const char *sha_key,
			     provider_branch_list *out, size_t *count, char *why, size_t whylen)
{
	json_t *arr = load_typed(body, len, JSON_ARRAY, why, whylen);
	json_t *e;
	size_t i, n;
	const char *name, *sha;
	*count = 0;
	if (!arr)
		return PDT_EINVAL;
	json_array_foreach(arr, i, e) {
		if (!branch_of(e, sha_key, &name, &sha)) {
			snprintf(why, whylen, "branch %zu: expected {\"name\", \"commit\": {\"%s\"}}",
				 i, sha_key);
			json_decref(arr);
			return PDT_EINVAL;
		}
	}
	n = json_array_size(arr);
	if (n)
		out->items = xrealloc(out->items, (out->n + n) * sizeof *out->items);
	json_array_foreach(arr, i, e) {
		branch_of(e, sha_key, &name, &sha);
		out->items[out->n].name = xstrdup(name);
		out->items[out->n].sha = xstrdup(sha);
		out->n++;
	}
	*count = n;
	json_decref(arr);
	return PDT_OK;
}

pdt_err provider_parse_branches(const char *provider, const char *body, size_t len,
				provider_branch_list *out)
{
	const provider_ops *ops = ops_for(provider);
	char why[PROVIDER_WHY_MAX];
	size_t n;
	if (!ops || !out)
		return PDT_EINVAL;
	return branches_page(body, len, ops->sha_key, out, &n, why, sizeof why);
}

void provider_branch_list_release(provider_branch_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].sha);
	}
	free(l->items);
	free(l->etag);
	memset(l, 0, sizeof *l);
}

void provider_repo_info_release(provider_repo_info *i)
{
	if (!i)
		return;
	free(i->default_branch);
	free(i->project_id);
	i->default_branch = NULL;
	i->project_id = NULL;
}

/* ---- URL helpers ---- */

pdt_err provider_url_base(buf *url, const char *base)
{
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	return buf_append(url, base, n);
}

pdt_err provider_url_escaped(buf *url, const char *s)
{
	return urlenc_append(url, s);
}

pdt_err provider_url_since(buf *url, int64_t since)
{
	char t[TIMEUTIL_RFC3339_LEN];
	timeutil_format_rfc3339(since, t);
	return buf_appendf(url, "since=%s", t);
}

/* ---- requests ---- */

typedef struct req_headers {
	char *auth;           /* holds the token: wiped on release */
	const char *lines[6]; /* NULL-terminated */
} req_headers;

static pdt_err headers_init(req_headers *h, const provider_ops *ops, const char *token,
			    provider_result *res)
{
	size_t n = 0;
	memset(h, 0, sizeof *h);
	if (token && *token) {
		if (strpbrk(token, "\r\n")) {
			seterr(res, "%s token contains a line break", ops->name);
			return PDT_EINVAL;
		}
		size_t sz = strlen(ops->auth_prefix) + strlen(token) + 1;
		h->auth = xmalloc(sz);
		snprintf(h->auth, sz, "%s%s", ops->auth_prefix, token);
		h->lines[n++] = h->auth;
	}
	for (const char *const *x = ops->extra_headers; x && *x && n < 5; x++)
		h->lines[n++] = *x;
	h->lines[n] = NULL;
	return PDT_OK;
}

static void headers_release(req_headers *h)
{
	mem_free_secret(h->auth);
	h->auth = NULL;
}

/* Copies text for an error message: controls (and, when ascii, all non-ASCII) to ' ' / '?'. */
static void clean_copy(char *dst, size_t dstlen, const char *src, size_t srclen, bool ascii)
{
	size_t n = 0;
	while (srclen && (*src == ' ' || *src == '\t' || *src == '\r' || *src == '\n')) {
		src++;
		srclen--;
	}
	for (size_t i = 0; i < srclen && n + 1 < dstlen; i++) {
		unsigned char ch = (unsigned char)src[i];
		if (ch < 0x20 || ch == 0x7f)
			ch = ' ';
		else if (ascii && ch >= 0x80)
			ch = '?';
		dst[n++] = (char)ch;
	}
	n = utf8_valid_prefix(dst, n);
	while (n && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

/*
 * An error answer's own words into res->err: the body's "message" (or
 * "error") when it is JSON, a plain-text 429 body (GitLab's "Retry later").
 * False, err empty, when there are none (or they would show the token).
 */
static bool body_message(const provider_ref *ref, const upstream_resp *r, provider_result *res)
{
	const char *body = r->body.data;
	size_t len = body ? r->body.len : 0;
	json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
	const char *m = NULL;
	res->err[0] = '\0';
	if (json_is_object(j)) {
		m = json_string_value(json_object_get(j, "message"));
		if (!m || !*m)
			m = json_string_value(json_object_get(j, "error"));
	}
	if (m && *m)
		clean_copy(res->err, sizeof res->err, m, strlen(m), false);
	else if (r->status == 429 && !j && len && body[0] != '<')
		clean_copy(res->err, sizeof res->err, body,
			   len < PROVIDER_TEXT_ERR_MAX ? len : PROVIDER_TEXT_ERR_MAX, true);
	json_decref(j);
	if (ref->token && *ref->token && strstr(res->err, ref->token))
		res->err[0] = '\0';
	return res->err[0] != '\0';
}

/*
 * One GET. PDT_OK for 2xx, and for 304 when etag was sent; PDT_EUPSTREAM for
 * any other status; upstream_do's errors as they are. resp is always
 * initialised: release it whatever the result.
 */
static pdt_err get(upstream_client *c, const provider_ref *ref, const req_headers *h,
		   const char *url, const char *etag, upstream_resp *resp, provider_result *res)
{
	upstream_req req;
	memset(&req, 0, sizeof req);
	memset(resp, 0, sizeof *resp);
	req.method = "GET";
	req.url = url;
	req.headers = h->lines;
	req.ratelimit_key = ref->ratelimit_key;
	req.etag = etag;
	req.deadline_ms = ref->deadline_ms;
	req.policy = ref->policy;
	pdt_err rc = upstream_do(c, &req, resp);
	res->status = resp->status;
	res->retry_at = resp->retry_at;
	if (rc == PDT_ERATELIMIT && resp->retry_at) {
		char t[TIMEUTIL_RFC3339_LEN];
		timeutil_format_rfc3339(resp->retry_at, t);
		seterr(res, "rate limited until %s; deferred to the next pass", t);
		return rc;
	}
	if (rc) {
		/* retries spent on a 429 / 5xx: the answer's own words first */
		if (resp->status >= 400 && body_message(ref, resp, res))
			return rc;
		if (resp->error[0])
			seterr(res, "%.*s", (int)sizeof resp->error, resp->error);
		else
			seterr(res, "%s", pdt_strerror(rc));
		return rc;
	}
	if (resp->status >= 200 && resp->status < 300)
		return PDT_OK;
	if (resp->status == 304 && etag)
		return PDT_OK;
	if (!body_message(ref, resp, res))
		seterr(res, "HTTP %ld", resp->status);
	return PDT_EUPSTREAM;
}

/* ---- pagination ---- */

typedef pdt_err (*page_fn)(const char *body, size_t len, void *ctx, size_t *count, bool *stop,
			   char *why, size_t whylen);

typedef struct pager {
	const provider_ops *ops;
	const provider_ref *ref;
	const req_headers *h;
	const char *first_url;
	const char *etag_in;  /* sent with the first page only */
	page_fn on_page;
	void *ctx;
	long page_no;         /* GitLab: the page just fetched (1 = first) */
	int pages;            /* answers received, a 304 included */
	bool not_modified;    /* the first page answered 304 */
	char *first_etag;     /* the first page's ETag (on 304: the one still valid) */
} pager;

/* GitHub: the Link rel="next" target, only on ref->base's origin; a bare path is resolved. */
static pdt_err link_next(const pager *pg, const upstream_resp *r, const char *cur, char **next,
			 provider_result *res)
{
	size_t bo = 0, lo = 0;
	char *l = r->link ? link_find(r->link, "next") : NULL;
	*next = NULL;
	if (!l)
		return PDT_OK;
	origin_len(pg->ref->base, &bo);
	if (l[0] == '/' && l[1] != '/') {
		buf u = BUF_INIT(PROVIDER_URL_MAX + LINK_MAX_LEN);
		buf_append(&u, pg->ref->base, bo);
		buf_appends(&u, l);
		free(l);
		l = buf_detach(&u);
	} else if (!origin_len(l, &lo) || lo != bo || strncasecmp(l, pg->ref->base, bo) != 0) {
		free(l);
		seterr(res, "%s pagination link points outside %.*s", pg->ops->name, (int)bo,
		       pg->ref->base);
		return PDT_EUPSTREAM;
	}
	if (strcmp(l, cur) == 0) {
		free(l); /* a next link to itself would loop: the listing ends here */
		return PDT_OK;
	}
	*next = l;
	return PDT_OK;
}

static bool parse_page_no(const char *s, long *out)
{
	long v = 0;
	int digits = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		v = v * 10 + (*s - '0');
		if (v > PROVIDER_PAGE_NO_MAX)
			return false;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	*out = v;
	return digits > 0 && *s == '\0' && v > 0;
}

/* GitLab: first_url + "&page=N" from x-next-page; none when it is empty, or the page was. */
static pdt_err page_next(pager *pg, const upstream_resp *r, size_t count, char **next,
			 provider_result *res)
{
	long n = 0;
	*next = NULL;
	if (!r->next_page || !*r->next_page || count == 0)
		return PDT_OK;
	if (!parse_page_no(r->next_page, &n)) {
		seterr(res, "%s sent an invalid x-next-page header", pg->ops->name);
		return PDT_EUPSTREAM;
	}
	if (n <= pg->page_no)
		return PDT_OK; /* not advancing would loop: the listing ends here */
	buf u = BUF_INIT(PROVIDER_URL_MAX + 32);
	if (buf_appendf(&u, "%s&page=%ld", pg->first_url, n)) {
		buf_release(&u);
		seterr(res, "request URL too long");
		return PDT_EINVAL;
	}
	pg->page_no = n;
	*next = buf_detach(&u);
	return PDT_OK;
}

/* Fetches url, hands its body to on_page, and finds the next URL (NULL: done). */
static pdt_err one_page(upstream_client *c, pager *pg, const char *url, char **next,
			provider_result *res)
{
	upstream_resp r;
	char why[PROVIDER_WHY_MAX] = "";
	size_t count = 0;
	bool stop = false;
	const char *etag = pg->pages == 0 && pg->etag_in && *pg->etag_in ? pg->etag_in : NULL;
	*next = NULL;
	pdt_err rc = get(c, pg->ref, pg->h, url, etag, &r, res);
	if (rc)
		goto cleanup;
	pg->pages++;
	if (r.status == 304) {
		pg->not_modified = true;
		pg->first_etag = xstrdup(r.etag && *r.etag ? r.etag : etag);
		goto cleanup;
	}
	if (pg->pages == 1)
		pg->first_etag = r.etag && *r.etag ? xstrdup(r.etag) : NULL;
	rc = pg->on_page(r.body.data, r.body.data ? r.body.len : 0, pg->ctx, &count, &stop, why,
			 sizeof why);
	if (rc == PDT_EINVAL)
		malformed(res, pg->ops, why);
	if (rc || stop)
		goto cleanup;
	if (pg->ops->link_paging)
		rc = link_next(pg, &r, url, next, res);
	else
		rc = page_next(pg, &r, count, next, res);
cleanup:
	upstream_resp_release(&r);
	return rc;
}

static pdt_err paginate(upstream_client *c, pager *pg, provider_result *res)
{
	char *url = xstrdup(pg->first_url);
	char *next = NULL;
	pdt_err rc;
	pg->page_no = 1;
	for (;;) {
		if (pg->pages >= PROVIDER_MAX_PAGES) {
			seterr(res, "%s listing has more than %d pages", pg->ops->name,
			       PROVIDER_MAX_PAGES);
			rc = PDT_EUPSTREAM;
			break;
		}
		rc = one_page(c, pg, url, &next, res);
		if (rc || !next)
			break;
		free(url);
		url = next;
		next = NULL;
	}
	free(url);
	return rc;
}

/* ---- the public calls ---- */

pdt_err provider_repo_info_get(upstream_client *c, const provider_ref *ref,
			       provider_repo_info *out, provider_result *res)
{
	provider_result dummy;
	const provider_ops *ops = NULL;
	req_headers h = {0};
	buf url = BUF_INIT(PROVIDER_URL_MAX);
	upstream_resp r;
	char why[PROVIDER_WHY_MAX] = "";
	memset(&r, 0, sizeof r);
	memset(out, 0, sizeof *out);
	pdt_err rc = begin(ref, &res, &dummy, &ops);
	if (!rc)
		rc = headers_init(&h, ops, ref->token, res);
	if (!rc)
		rc = url_built(ops->repo_url(ref, &url), res);
	if (!rc)
		rc = get(c, ref, &h, buf_str(&url), NULL, &r, res);
	if (!rc && ops->repo_parse(r.body.data, r.body.data ? r.body.len : 0, out, why,
				   sizeof why))
		rc = malformed(res, ops, why);
	upstream_resp_release(&r);
	headers_release(&h);
	buf_release(&url);
	if (rc)
		provider_repo_info_release(out);
	return rc;
}

typedef struct branches_ctx {
	const provider_ops *ops;
	provider_branch_list *out;
} branches_ctx;

static pdt_err branches_on_page(const char *body, size_t len, void *ctx, size_t *count,
				bool *stop, char *why, size_t whylen)
{
	branches_ctx *b = ctx;
	*stop = false;
	return branches_page(body, len, b->ops->sha_key, b->out, count, why, whylen);
}

pdt_err provider_branches(upstream_client *c, const provider_ref *ref, const char *etag_in,
			  provider_branch_list *out, provider_result *res)
{
	provider_result dummy;
	const provider_ops *ops = NULL;
	req_headers h = {0};
	buf url = BUF_INIT(PROVIDER_URL_MAX);
	branches_ctx bc = {NULL, out};
	pager pg;
	memset(&pg, 0, sizeof pg);
	memset(out, 0, sizeof *out);
	pdt_err rc = begin(ref, &res, &dummy, &ops);
	if (!rc)
		rc = headers_init(&h, ops, ref->token, res);
	if (!rc)
		rc = url_built(ops->branches_url(ref, &url), res);
	if (rc)
		goto cleanup;
	bc.ops = ops;
	pg = (pager){.ops = ops, .ref = ref, .h = &h, .first_url = buf_str(&url),
		     .etag_in = etag_in, .on_page = branches_on_page, .ctx = &bc};
	rc = paginate(c, &pg, res);
	if (rc)
		goto cleanup;
	out->not_modified = pg.not_modified;
	if (pg.pages == 1) {
		out->etag = pg.first_etag;
		pg.first_etag = NULL;
	}
cleanup:
	free(pg.first_etag);
	headers_release(&h);
	buf_release(&url);
	if (rc)
		provider_branch_list_release(out);
	return rc;
}

typedef struct commits_ctx {
	const provider_ops *ops;
	provider_commit_cb cb;
	void *ctx;
} commits_ctx;

static pdt_err commits_on_page(const char *body, size_t len, void *ctx, size_t *count,
			       bool *stop, char *why, size_t whylen)
{
	commits_ctx *cc = ctx;
	return commits_page(cc->ops, body, len, cc->cb, cc->ctx, count, stop, why, whylen);
}

pdt_err provider_commits(upstream_client *c, const provider_ref *ref, const char *branch,
			 int64_t since, provider_commit_cb cb, void *ctx, provider_result *res)
{
	provider_result dummy;
	const provider_ops *ops = NULL;
	req_headers h = {0};
	buf url = BUF_INIT(PROVIDER_URL_MAX);
	commits_ctx cc = {NULL, cb, ctx};
	pager pg;
	memset(&pg, 0, sizeof pg);
	pdt_err rc = begin(ref, &res, &dummy, &ops);
	if (!rc && (!branch || !*branch)) {
		seterr(res, "no branch given");
		rc = PDT_EINVAL;
	}
	if (!rc)
		rc = headers_init(&h, ops, ref->token, res);
	if (!rc)
		rc = url_built(ops->commits_url(ref, branch, since, &url), res);
	if (rc)
		goto cleanup;
	cc.ops = ops;
	pg = (pager){.ops = ops, .ref = ref, .h = &h, .first_url = buf_str(&url),
		     .on_page = commits_on_page, .ctx = &cc};
	rc = paginate(c, &pg, res);
cleanup:
	free(pg.first_etag);
	headers_release(&h);
	buf_release(&url);
	return rc;
}

typedef struct compare_ctx {
	const provider_ops *ops;
	const char *base;
	bool need_ancestor;
	provider_commit_cb cb;
	void *ctx;
	provider_compare_result *out;
} compare_ctx;

static pdt_err compare_on_page(const char *body, size_t len, void *ctx, size_t *count,
			       bool *stop, char *why, size_t whylen)
{
	compare_ctx *cc = ctx;
	return compare_page(cc->ops, body, len, cc->base, cc->need_ancestor, cc->cb, cc->ctx,
			    cc->out, count, stop, why, whylen);
}

pdt_err provider_compare(upstream_client *c, const provider_ref *ref, const char *base_sha,
			 const char *head_sha, bool need_ancestor, provider_commit_cb cb,
			 void *ctx, provider_compare_result *out, provider_result *res)
{
	provider_result dummy;
	const provider_ops *ops = NULL;
	req_headers h = {0};
	buf url = BUF_INIT(PROVIDER_URL_MAX);
	compare_ctx cc = {NULL, base_sha, need_ancestor, cb, ctx, out};
	pager pg;
	memset(&pg, 0, sizeof pg);
	memset(out, 0, sizeof *out);
	pdt_err rc = begin(ref, &res, &dummy, &ops);
	if (!rc && (!base_sha || !head_sha || !provider_sha_ok(base_sha) ||
		    !provider_sha_ok(head_sha))) {
		seterr(res, "invalid commit id to compare");
		rc = PDT_EINVAL;
	}
	if (!rc)
		rc = headers_init(&h, ops, ref->token, res);
	if (!rc)
		rc = url_built(ops->compare_url(ref, base_sha, head_sha, &url), res);
	if (rc)
		goto cleanup;
	cc.ops = ops;
	pg = (pager){.ops = ops, .ref = ref, .h = &h, .first_url = buf_str(&url),
		     .on_page = compare_on_page, .ctx = &cc};
	rc = paginate(c, &pg, res);
	out->pages = pg.pages;
cleanup:
	free(pg.first_etag);
	headers_release(&h);
	buf_release(&url);
	return rc;
}
