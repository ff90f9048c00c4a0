/*
 * jira: the Jira Cloud lists of jira.h.
 *
 * Layout: JSON readers; one reader per object (board, sprint, change, issue),
 * each returning NULL or a short reason the object is malformed (never bytes
 * of the body, which may be hostile); page parsers, which read a page whole
 * before any callback runs, so a malformed page reports nothing; the request
 * side (Basic auth, one GET with Jira's error bodies, the startAt loop); the
 * public calls; jira_base_url.
 */
#include "upstream/jira.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "core/utf8.h"
#include "upstream/adf.h"
#include "upstream/urlenc.h"
#include "core/banned.h"

#define JIRA_URL_MAX 8192
#define JIRA_BASE_MAX 2048
#define JIRA_WHY_MAX 120
#define JIRA_KEY_MAX 255
#define JIRA_OFFSET_MAX INT64_C(1000000000000) /* startAt / total beyond: malformed */
#define JIRA_AGILE_PAGE 50
#define JIRA_CHANGELOG_PAGE 100
#define JIRA_COMMENT_PAGE 100
#define JIRA_COMMENT_ID_MAX 64
#define JIRA_SEARCH_PAGE 100 /* search/jql's cap when fields are asked for */
#define JIRA_ISSUE_FIELDS \
	"summary,status,assignee,issuetype,parent,subtasks,updated,description,comment," \
	JIRA_SPRINT_FIELD
#define JIRA_ISSUE_QUERY "&fields=" JIRA_ISSUE_FIELDS "&expand=changelog"

/* ---- JSON readers: absent and null read as "" / NULL / not present ---- */

static bool opt_str(const json_t *obj, const char *key, const char **out)
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

static bool opt_typed(const json_t *obj, const char *key, json_type type, const json_t **out)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (json_typeof(v) != type)
		return false;
	*out = v;
	return true;
}

static bool opt_obj(const json_t *obj, const char *key, const json_t **out)
{
	return opt_typed(obj, key, JSON_OBJECT, out);
}

static bool opt_arr(const json_t *obj, const char *key, const json_t **out)
{
	return opt_typed(obj, key, JSON_ARRAY, out);
}

/* obj[key] as an integer; *out untouched when absent. */
static bool opt_int(const json_t *obj, const char *key, int64_t *out, bool *present)
{
	const json_t *v = json_object_get(obj, key);
	*present = false;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	*present = true;
	return true;
}

static bool opt_bool(const json_t *obj, const char *key, bool *out, bool *present)
{
	const json_t *v = json_object_get(obj, key);
	*present = false;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_boolean(v))
		return false;
	*out = json_is_true(v);
	*present = true;
	return true;
}

/* obj[key] as a timestamp: 0 and "" when absent; false when not a valid one. */
static bool opt_time(const json_t *obj, const char *key, int64_t *out, const char **raw)
{
	*out = 0;
	if (!opt_str(obj, key, raw))
		return false;
	return !**raw || timeutil_parse_rfc3339(*raw, out) == PDT_OK;
}

/* obj[key][sub] as a string ("status": {"name"}, "assignee": {"displayName"}). */
static bool sub_str(const json_t *obj, const char *key, const char *sub, const char **out)
{
	const json_t *o;
	*out = "";
	return opt_obj(obj, key, &o) && opt_str(o, sub, out);
}

/* obj[key] a positive integer (agile ids). */
static bool req_id(const json_t *obj, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

/* Platform ids ("10001") are strings; numbers are accepted too. Not required. */
static bool opt_id(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return !v || json_is_null(v) || json_is_string(v) || json_is_integer(v);
}

/* An issue key: 1..JIRA_KEY_MAX printable ASCII bytes, no spaces. */
static bool key_ok(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		unsigned char ch = (unsigned char)s[n];
		if (ch <= 0x20 || ch >= 0x7f || n >= JIRA_KEY_MAX)
			return false;
	}
	return n > 0;
}

static bool req_key(const json_t *obj, const char **out)
{
	const json_t *v = json_object_get(obj, "key");
	if (!json_is_string(v) || !key_ok(json_string_value(v)))
		return false;
	*out = json_string_value(v);
	return true;
}

static json_t *load_object(const char *body, size_t len, char *why, size_t whylen)
{
	json_error_t e;
	json_t *j;
	if (!body || len == 0) {
		snprintf(why, whylen, "empty body");
		return NULL;
	}
	j = json_loadb(body, len, 0, &e);
	if (!j) {
		snprintf(why, whylen, "invalid JSON at line %d column %d", e.line, e.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		snprintf(why, whylen, "expected an object");
		json_decref(j);
		return NULL;
	}
	return j;
}

/*
 * The page envelope: root[list_key] must be an array. The listing ends with
 * an empty page, else where isLast says, else when startAt + n reaches total,
 * else goes on. start_req stands in for a missing startAt.
 */
static bool page_meta(const json_t *root, const char *list_key, int64_t start_req,
		      const json_t **list, bool *is_last, int64_t *next, char *why, size_t whylen)
{
	int64_t start = start_req, total = 0, max = 0;
	bool has_start, has_total, has_max, has_last, last = false;
	size_t n;
	*list = json_object_get(root, list_key);
	if (!json_is_array(*list)) {
		snprintf(why, whylen, "\"%s\" is not an array", list_key);
		return false;
	}
	if (!opt_int(root, "startAt", &start, &has_start) || start < 0 ||
	    start > JIRA_OFFSET_MAX || !opt_int(root, "total", &total, &has_total) ||
	    total < 0 || total > JIRA_OFFSET_MAX || !opt_int(root, "maxResults", &max, &has_max) ||
	    !opt_bool(root, "isLast", &last, &has_last)) {
		snprintf(why, whylen, "bad startAt, maxResults, total or isLast");
		return false;
	}
	n = json_array_size(*list);
	*next = start + (int64_t)n;
	if (n == 0)
		*is_last = true;
	else if (has_last)
		*is_last = last;
	else if (has_total)
		*is_last = *next >= total;
	else
		*is_last = false;
	return true;
}

/* ---- boards and sprints ---- */

static const char *board_conv(const json_t *e, jira_board *b)
{
	memset(b, 0, sizeof *b);
	if (!json_is_object(e))
		return "not an object";
	if (!req_id(e, "id", &b->id))
		return "\"id\" is not a positive integer";
	if (!opt_str(e, "name", &b->name) || !opt_str(e, "type", &b->type))
		return "\"name\" or \"type\" is not a string";
	return NULL;
}

static const char *sprint_conv(const json_t *e, int64_t board_id, jira_sprint *s)
{
	const char *raw;
	int64_t origin = 0;
	bool has_origin;
	memset(s, 0, sizeof *s);
	if (!json_is_object(e))
		return "not an object";
	if (!req_id(e, "id", &s->id))
		return "\"id\" is not a positive integer";
	if (!opt_str(e, "name", &s->name) || !opt_str(e, "state", &s->state))
		return "\"name\" or \"state\" is not a string";
	if (!opt_time(e, "startDate", &s->start_date, &raw) ||
	    !opt_time(e, "endDate", &s->end_date, &raw) ||
	    !opt_time(e, "completeDate", &s->complete_date, &raw))
		return "a date is not a timestamp";
	if (!opt_int(e, "originBoardId", &origin, &has_origin) || (has_origin && origin <= 0))
		return "\"originBoardId\" is not a positive integer";
	s->board_id = has_origin ? origin : board_id;
	return NULL;
}

/* Reads e; with emit set also hands it to the callback, *stop = its verdict. */
typedef const char *(*value_fn)(const json_t *e, void *vctx, bool emit, bool *stop);

typedef struct boards_ctx {
	jira_board_cb cb;
	void *ctx;
} boards_ctx;

static const char *board_value(const json_t *e, void *vctx, bool emit, bool *stop)
{
	boards_ctx *bc = vctx;
	jira_board b;
	const char *bad = board_conv(e, &b);
	if (!bad && emit && bc->cb)
		*stop = bc->cb(&b, bc->ctx) != 0;
	return bad;
}

typedef struct sprints_ctx {
	jira_sprint_cb cb;
	void *ctx;
	int64_t board_id;
} sprints_ctx;

static const char *sprint_value(const json_t *e, void *vctx, bool emit, bool *stop)
{
	sprints_ctx *sc = vctx;
	jira_sprint s;
	const char *bad = sprint_conv(e, sc->board_id, &s);
	if (!bad && emit && sc->cb)
		*stop = sc->cb(&s, sc->ctx) != 0;
	return bad;
}

/* An agile "values" page: checked whole, then each value emitted until a stop. */
static pdt_err values_page(const char *body, size_t len, int64_t start, value_fn fn, void *vctx,
			   bool *is_last, int64_t *next, char *why, size_t whylen)
{
	json_t *root = load_object(body, len, why, whylen);
	const json_t *list = NULL, *e;
	const char *bad;
	size_t i;
	bool stop = false;
	pdt_err rc = PDT_EINVAL;
	if (!root || !page_meta(root, "values", start, &list, is_last, next, why, whylen))
		goto cleanup;
	json_array_foreach(list, i, e) {
		if ((bad = fn(e, vctx, false, &stop))) {
			snprintf(why, whylen, "value %zu: %s", i, bad);
			goto cleanup;
		}
	}
	rc = PDT_OK;
	json_array_foreach(list, i, e) {
		fn(e, vctx, true, &stop);
		if (stop) {
			*is_last = true;
			break;
		}
	}
cleanup:
	json_decref(root);
	return rc;
}

/* ---- changelog histories ---- */

typedef struct changes {
	jira_change *v;
	jira_change_item *items; /* every history's items, one block */
	size_t n;
} changes;

static void changes_release(changes *c)
{
	free(c->v);
	free(c->items);
	memset(c, 0, sizeof *c);
}

static const char *item_conv(const json_t *e, jira_change_item *it)
{
	if (!json_is_object(e))
		return "a change item is not an object";
	if (!opt_str(e, "field", &it->field) || !opt_str(e, "fromString", &it->from_string) ||
	    !opt_str(e, "toString", &it->to_string))
		return "a change item's field, fromString or toString is not a string";
	return NULL;
}

/* One history; its items go to items[*used..]. */
static const char *change_conv(const json_t *e, jira_change *c, jira_change_item *items,
			       size_t *used)
{
	const json_t *arr = NULL, *it;
	const char *raw, *bad;
	size_t i;
	if (!json_is_object(e))
		return "a history is not an object";
	if (!opt_id(e, "id"))
		return "a history's \"id\" is not a string";
	if (!sub_str(e, "author", "displayName", &c->author))
		return "a history's \"author\" is not {\"displayName\"}";
	if (!opt_time(e, "created", &c->created, &raw) || !*raw)
		return "a history's \"created\" is missing or not a timestamp";
	if (!opt_arr(e, "items", &arr))
		return "a history's \"items\" is not an array";
	c->nitems = json_array_size(arr);
	c->items = c->nitems ? items + *used : NULL;
	json_array_foreach(arr, i, it) {
		if ((bad = item_conv(it, &items[*used + i])))
			return bad;
	}
	*used += c->nitems;
	return NULL;
}

/* The histories of arr (NULL: none) into out; on a reason, out is empty. */
static const char *changes_conv(const json_t *arr, changes *out)
{
	const json_t *e;
	const char *bad;
	size_t i, nitems = 0, used = 0;
	memset(out, 0, sizeof *out);
	json_array_foreach(arr, i, e)
		nitems += json_array_size(json_object_get(e, "items"));
	out->n = json_array_size(arr);
	out->v = out->n ? xcalloc(out->n, sizeof *out->v) : NULL;
	out->items = nitems ? xcalloc(nitems, sizeof *out->items) : NULL;
	json_array_foreach(arr, i, e) {
		if ((bad = change_conv(e, &out->v[i], out->items, &used))) {
			changes_release(out);
			return bad;
		}
	}
	return NULL;
}

static void merge_run(jira_change *v, jira_change *tmp, size_t lo, size_t mid, size_t hi)
{
	size_t i = lo, j = mid, k = 0;
	if (v[mid - 1].created <= v[mid].created)
		return; /* already in order */
	while (i < mid && j < hi)
		tmp[k++] = v[j].created < v[i].created ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < hi)
		tmp[k++] = v[j++];
	memcpy(v + lo, tmp, k * sizeof *v);
}

/*
 * Oldest first, stable. A newest-first list is reversed before the sort, so
 * entries of the same second keep their true order too.
 */
static void changes_oldest_first(changes *c)
{
	jira_change *tmp, t;
	size_t n = c->n;
	if (n < 2)
		return;
	if (c->v[0].created > c->v[n - 1].created) {
		for (size_t i = 0; i < n / 2; i++) {
			t = c->v[i];
			c->v[i] = c->v[n - 1 - i];
			c->v[n - 1 - i] = t;
		}
	}
	tmp = xmalloc(n * sizeof *tmp);
	for (size_t w = 1; w < n; w *= 2)
		for (size_t lo = 0; lo < n - w; lo += 2 * w)
			merge_run(c->v, tmp, lo, lo + w, n - lo - w > w ? lo + 2 * w : n);
	free(tmp);
}

/* A /rest/api/3/issue/{key}/changelog page: {"startAt", ..., "values": [history]}. */
static pdt_err changelog_page(const char *body, size_t len, int64_t start, jira_change_cb cb,
			      void *ctx, bool *is_last, int64_t *next, char *why, size_t whylen)
{
	json_t *root = load_object(body, len, why, whylen);
	const json_t *list = NULL;
	const char *bad;
	changes ch = {0};
	pdt_err rc = PDT_EINVAL;
	if (!root || !page_meta(root, "values", start, &list, is_last, next, why, whylen))
		goto cleanup;
	if ((bad = changes_conv(list, &ch))) {
		snprintf(why, whylen, "%s", bad);
		goto cleanup;
	}
	rc = PDT_OK;
	for (size_t i = 0; i < ch.n && cb; i++) {
		if (cb(&ch.v[i], ctx)) {
			*is_last = true;
			break;
		}
	}
cleanup:
	changes_release(&ch);
	json_decref(root);
	return rc;
}

/* ---- comments ---- */

typedef struct comments {
	jira_comment *v;
	char (*ids)[JIRA_COMMENT_ID_MAX + 1];
	size_t n;
} comments;

static void comments_release(comments *c)
{
	for (size_t i = 0; i < c->n; i++)
		free((char *)c->v[i].body);
	free(c->v);
	free(c->ids);
	memset(c, 0, sizeof *c);
}

/* A comment id: a string or a number, 1..JIRA_COMMENT_ID_MAX printable bytes. */
static bool comment_id(const json_t *e, char *out)
{
	const json_t *v = json_object_get(e, "id");
	if (json_is_integer(v)) {
		snprintf(out, JIRA_COMMENT_ID_MAX + 1, "%" PRId64, (int64_t)json_integer_value(v));
		return true;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > JIRA_COMMENT_ID_MAX || !key_ok(json_string_value(v)))
		return false;
	snprintf(out, JIRA_COMMENT_ID_MAX + 1, "%s", json_string_value(v));
	return true;
}

/* {"id", "author": {"displayName", "emailAddress"}, "body": string | ADF,
 * "created", "updated"}; body becomes plain text (owned by the caller). */
static const char *comment_conv(const json_t *e, jira_comment *c, char *id)
{
	const json_t *author = NULL;
	const char *raw;
	if (!json_is_object(e))
		return "a comment is not an object";
	if (!comment_id(e, id))
		return "a comment's \"id\" is missing or not an id";
	c->id = id;
	if (!opt_obj(e, "author", &author) || !opt_str(author, "displayName", &c->author) ||
	    !opt_str(author, "emailAddress", &c->author_email))
		return "a comment's \"author\" is not {\"displayName\", \"emailAddress\"}";
	if (!opt_time(e, "created", &c->created, &raw) || !opt_time(e, "updated", &c->updated, &raw))
		return "a comment's \"created\" or \"updated\" is not a timestamp";
	const json_t *body = json_object_get(e, "body");
	if (body && !json_is_null(body) && !json_is_string(body) && !json_is_object(body))
		return "a comment's \"body\" is neither text nor a document";
	c->body = adf_to_text(body, ADF_TEXT_MAX);
	return NULL;
}

/* The comments of arr (NULL: none) into out; on a reason, out is empty. */
static const char *comments_conv(const json_t *arr, comments *out)
{
	const json_t *e;
	const char *bad;
	size_t i, n = json_array_size(arr);
	memset(out, 0, sizeof *out);
	if (!n)
		return NULL;
	out->v = xcalloc(n, sizeof *out->v);
	out->ids = xcalloc(n, sizeof *out->ids);
	json_array_foreach(arr, i, e) {
		bad = comment_conv(e, &out->v[i], out->ids[i]);
		out->n = i + 1; /* the body (if any) is freed by comments_release */
		if (bad) {
			comments_release(out);
			return bad;
		}
	}
	return NULL;
}

/* A /rest/api/2/issue/{key}/comment page: {"startAt", ..., "comments": [...]}. */
static pdt_err comment_page(const char *body, size_t len, int64_t start, jira_comment_cb cb,
			    void *ctx, bool *is_last, int64_t *next, char *why, size_t whylen)
{
	json_t *root = load_object(body, len, why, whylen);
	const json_t *list = NULL;
	const char *bad;
	comments cm = {0};
	pdt_err rc = PDT_EINVAL;
	if (!root || !page_meta(root, "comments", start, &list, is_last, next, why, whylen))
		goto cleanup;
	if ((bad = comments_conv(list, &cm))) {
		snprintf(why, whylen, "%s", bad);
		goto cleanup;
	}
	rc = PDT_OK;
	for (size_t i = 0; i < cm.n && cb; i++) {
		if (cb(&cm.v[i], ctx)) {
			*is_last = true;
			break;
		}
	}
cleanup:
	comments_release(&cm);
	json_decref(root);
	return rc;
}

/* ---- issues ---- */

typedef struct issue_buf {
	jira_issue pub;
	jira_ref_issue parent;
	jira_ref_issue *subtasks;
	changes log;
	comments notes;
	char *description;
} issue_buf;

static void issue_buf_release(issue_buf *b)
{
	free(b->subtasks);
	changes_release(&b->log);
	comments_release(&b->notes);
	free(b->description);
	memset(b, 0, sizeof *b);
}

/* {"key", "fields": {"summary", "status": {"name"}, "issuetype": {"name"}}} */
static bool ref_issue_conv(const json_t *e, jira_ref_issue *r)
{
	const json_t *f = NULL;
	memset(r, 0, sizeof *r);
	return json_is_object(e) && req_key(e, &r->key) && opt_obj(e, "fields", &f) &&
	       opt_str(f, "summary", &r->summary) && sub_str(f, "status", "name", &r->status) &&
	       sub_str(f, "issuetype", "name", &r->type);
}

static const char *subtasks_conv(const json_t *f, issue_buf *b)
{
	const json_t *arr = NULL, *e;
	size_t i;
	if (!opt_arr(f, "subtasks", &arr))
		return "\"subtasks\" is not an array";
	b->pub.nsubtasks = json_array_size(arr);
	if (!b->pub.nsubtasks)
		return NULL;
	b->subtasks = xcalloc(b->pub.nsubtasks, sizeof *b->subtasks);
	b->pub.subtasks = b->subtasks;
	json_array_foreach(arr, i, e) {
		if (!ref_issue_conv(e, &b->subtasks[i]))
			return "a subtask is not {\"key\", \"fields\"}";
	}
	return NULL;
}

/* The Sprint field: [{"id", "state"}...] | null. Another shape (a site
 * where the field id means something else) reads as not known. */
static void issue_sprint(const json_t *f, jira_issue *i)
{
	const json_t *v = json_object_get(f, JIRA_SPRINT_FIELD), *e;
	int64_t active = 0, future = 0, id;
	const char *state;
	size_t k;
	i->sprint_known = false;
	i->open_sprint_id = 0;
	if (!v)
		return;
	if (!json_is_null(v) && !json_is_array(v))
		return;
	json_array_foreach(v, k, e) {
		if (!json_is_object(e) || !req_id(e, "id", &id) || !opt_str(e, "state", &state))
			return;
		if (strcasecmp(state, "active") == 0)
			active = id;
		else if (strcasecmp(state, "future") == 0)
			future = id;
	}
	i->sprint_known = true;
	i->open_sprint_id = active ? active : future;
}

/* "description": a string (v2), an ADF tree (v3) or null. */
static const char *issue_description(const json_t *f, issue_buf *b)
{
	const json_t *d = json_object_get(f, "description");
	if (!d)
		return NULL;
	if (!json_is_null(d) && !json_is_string(d) && !json_is_object(d))
		return "\"description\" is neither text nor a document";
	b->description = adf_to_text(d, ADF_TEXT_MAX);
	b->pub.description = b->description;
	b->pub.description_known = true;
	return NULL;
}

/* "comment": {"comments": [...], "maxResults", "total", "startAt"} | null. */
static const char *issue_comments(const json_t *f, issue_buf *b)
{
	const json_t *cf = json_object_get(f, "comment"), *arr = NULL;
	const char *bad;
	int64_t total = 0;
	bool has_total = false;
	if (!cf)
		return NULL;
	if (!json_is_null(cf) && (!json_is_object(cf) || !opt_arr(cf, "comments", &arr) ||
				  !opt_int(cf, "total", &total, &has_total)))
		return "\"comment\" is not {\"comments\": [...], \"total\"}";
	if ((bad = comments_conv(arr, &b->notes)))
		return bad;
	b->pub.comments_known = true;
	b->pub.comments = b->notes.v;
	b->pub.ncomments = b->notes.n;
	b->pub.comments_truncated = has_total && total > (int64_t)b->notes.n;
	return NULL;
}

/* The issue's "fields" object (NULL: every field absent). */
static const char *issue_fields(const json_t *f, issue_buf *b)
{
	jira_issue *i = &b->pub;
	const char *bad;
	const json_t *type = NULL, *parent = NULL;
	bool subtask, has_subtask;
	if (!opt_str(f, "summary", &i->summary))
		return "\"summary\" is not a string";
	if (!sub_str(f, "status", "name", &i->status))
		return "\"status\" is not {\"name\"}";
	if (!sub_str(f, "assignee", "displayName", &i->assignee))
		return "\"assignee\" is not {\"displayName\"}";
	if (!opt_obj(f, "issuetype", &type) || !opt_str(type, "name", &i->issue_type) ||
	    !opt_bool(type, "subtask", &subtask, &has_subtask))
		return "\"issuetype\" is not {\"name\", \"subtask\"}";
	if (!opt_time(f, "updated", &i->updated, &i->updated_raw))
		return "\"updated\" is not a timestamp";
	if (!opt_obj(f, "parent", &parent) || (parent && !ref_issue_conv(parent, &b->parent)))
		return "\"parent\" is not {\"key\", \"fields\"}";
	i->parent = parent ? &b->parent : NULL;
	issue_sprint(f, i);
	if ((bad = issue_description(f, b)) || (bad = issue_comments(f, b)))
		return bad;
	return subtasks_conv(f, b);
}

/* The embedded changelog (expand=changelog): {"startAt", "maxResults", "total", "histories"}. */
static const char *issue_changelog(const json_t *e, issue_buf *b)
{
	const json_t *log = NULL, *hist = NULL;
	const char *bad;
	int64_t total = 0;
	bool has_total;
	if (!opt_obj(e, "changelog", &log) || !opt_arr(log, "histories", &hist) ||
	    !opt_int(log, "total", &total, &has_total))
		return "\"changelog\" is not {\"total\", \"histories\": [...]}";
	if ((bad = changes_conv(hist, &b->log)))
		return bad;
	changes_oldest_first(&b->log);
	b->pub.changelog = b->log.v;
	b->pub.nchanges = b->log.n;
	b->pub.changelog_truncated = has_total && total > (int64_t)b->log.n;
	return NULL;
}

static const char *issue_conv(const json_t *e, issue_buf *b)
{
	const json_t *f = NULL;
	const char *bad;
	memset(b, 0, sizeof *b);
	if (!json_is_object(e))
		return "not an object";
	if (!req_key(e, &b->pub.key))
		return "\"key\" is missing or not a key";
	if (!opt_id(e, "id"))
		return "\"id\" is not a string";
	if (!opt_obj(e, "fields", &f))
		return "\"fields\" is not an object";
	if ((bad = issue_fields(f, b)))
		return bad;
	return issue_changelog(e, b);
}

/* Checks every issue of list, then hands them to cb until it stops. */
static pdt_err issues_emit(const json_t *list, jira_issue_cb cb, void *ctx, bool *is_last,
			   char *why, size_t whylen)
{
	const json_t *e;
	size_t i, n = json_array_size(list);
	issue_buf *v = n ? xcalloc(n, sizeof *v) : NULL;
	pdt_err rc = PDT_EINVAL;
	const char *bad;
	json_array_foreach(list, i, e) {
		if ((bad = issue_conv(e, &v[i]))) {
			snprintf(why, whylen, "issue %zu: %s", i, bad);
			goto cleanup;
		}
	}
	rc = PDT_OK;
	for (i = 0; i < n && cb; i++) {
		if (cb(&v[i].pub, ctx)) {
			*is_last = true;
			break;
		}
	}
cleanup:
	for (i = 0; i < n; i++)
		issue_buf_release(&v[i]);
	free(v);
	return rc;
}

/* A sprint issues page: {"startAt", "maxResults", "total", "issues": [...]}. */
static pdt_err issues_page(const char *body, size_t len, int64_t start, jira_issue_cb cb,
			   void *ctx, bool *is_last, int64_t *next, char *why, size_t whylen)
{
	json_t *root = load_object(body, len, why, whylen);
	const json_t *list = NULL;
	pdt_err rc = PDT_EINVAL;
	if (root && page_meta(root, "issues", start, &list, is_last, next, why, whylen))
		rc = issues_emit(list, cb, ctx, is_last, why, whylen);
	json_decref(root);
	return rc;
}

/* A token: 1..JIRA_TOKEN_MAX printable ASCII bytes (it goes back into JSON). */
static bool token_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > JIRA_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] >= 0x7f)
			return false;
	return true;
}

/*
 * A search/jql page: {"issues": [...], "nextPageToken"?, "isLast"?}. The
 * listing ends on isLast, a missing token or an empty page. token gets the
 * next token ("" at the end); it has room for JIRA_TOKEN_MAX + 1 bytes.
 */
static pdt_err search_page(const char *body, size_t len, jira_issue_cb cb, void *ctx,
			   bool *is_last, char *token, char *why, size_t whylen)
{
	json_t *root = load_object(body, len, why, whylen);
	const json_t *list;
	const char *tok = "";
	bool last = false, has_last;
	pdt_err rc = PDT_EINVAL;
	token[0] = '\0';
	*is_last = true;
	if (!root)
		goto cleanup;
	list = json_object_get(root, "issues");
	if (!json_is_array(list)) {
		snprintf(why, whylen, "\"issues\" is not an array");
		goto cleanup;
	}
	if (!opt_str(root, "nextPageToken", &tok) || (*tok && !token_ok(tok)) ||
	    !opt_bool(root, "isLast", &last, &has_last)) {
		snprintf(why, whylen, "bad nextPageToken or isLast");
		goto cleanup;
	}
	*is_last = (has_last && last) || !*tok || json_array_size(list) == 0;
	rc = issues_emit(list, cb, ctx, is_last, why, whylen);
	if (!rc && !*is_last)
		snprintf(token, JIRA_TOKEN_MAX + 1, "%s", tok);
cleanup:
	json_decref(root);
	return rc;
}

/* ---- the parsers' public faces ---- */

/* Any page parser, for the page loop. */
typedef pdt_err (*page_fn)(const char *body, size_t len, int64_t start, void *pctx,
			   bool *is_last, int64_t *next, char *why, size_t whylen);

typedef struct issues_ctx {
	jira_issue_cb cb;
	void *ctx;
} issues_ctx;

typedef struct changes_ctx {
	jira_change_cb cb;
	void *ctx;
} changes_ctx;

static pdt_err boards_on_page(const char *body, size_t len, int64_t start, void *pctx,
			      bool *is_last, int64_t *next, char *why, size_t whylen)
{
	return values_page(body, len, start, board_value, pctx, is_last, next, why, whylen);
}

static pdt_err sprints_on_page(const char *body, size_t len, int64_t start, void *pctx,
			       bool *is_last, int64_t *next, char *why, size_t whylen)
{
	return values_page(body, len, start, sprint_value, pctx, is_last, next, why, whylen);
}

static pdt_err issues_on_page(const char *body, size_t len, int64_t start, void *pctx,
			      bool *is_last, int64_t *next, char *why, size_t whylen)
{
	issues_ctx *ic = pctx;
	return issues_page(body, len, start, ic->cb, ic->ctx, is_last, next, why, whylen);
}

static pdt_err changes_on_page(const char *body, size_t len, int64_t start, void *pctx,
			       bool *is_last, int64_t *next, char *why, size_t whylen)
{
	changes_ctx *cc = pctx;
	return changelog_page(body, len, start, cc->cb, cc->ctx, is_last, next, why, whylen);
}

typedef struct comments_ctx {
	jira_comment_cb cb;
	void *ctx;
} comments_ctx;

static pdt_err comments_on_page(const char *body, size_t len, int64_t start, void *pctx,
				bool *is_last, int64_t *next, char *why, size_t whylen)
{
	comments_ctx *cc = pctx;
	return comment_page(body, len, start, cc->cb, cc->ctx, is_last, next, why, whylen);
}

/* A parser run for tests: NULL is_last / next are fine; a failure reads as the last page. */
static pdt_err parse_one(page_fn fn, const char *body, size_t len, void *pctx, bool *is_last,
			 int64_t *next)
{
	char why[JIRA_WHY_MAX];
	bool last = true;
	int64_t nx = 0;
	pdt_err rc = fn(body, len, 0, pctx, &last, &nx, why, sizeof why);
	if (rc) {
		last = true;
		nx = 0;
	}
	if (is_last)
		*is_last = last;
	if (next)
		*next = nx;
	return rc;
}

pdt_err jira_parse_boards(const char *body, size_t len, jira_board_cb cb, void *ctx,
			  bool *is_last, int64_t *next)
{
	boards_ctx bc = {cb, ctx};
	return parse_one(boards_on_page, body, len, &bc, is_last, next);
}

pdt_err jira_parse_sprints(const char *body, size_t len, int64_t board_id, jira_sprint_cb cb,
			   void *ctx, bool *is_last, int64_t *next)
{
	sprints_ctx sc = {cb, ctx, board_id};
	return parse_one(sprints_on_page, body, len, &sc, is_last, next);
}

pdt_err jira_parse_issues(const char *body, size_t len, jira_issue_cb cb, void *ctx,
			  bool *is_last, int64_t *next)
{
	issues_ctx ic = {cb, ctx};
	return parse_one(issues_on_page, body, len, &ic, is_last, next);
}

pdt_err jira_parse_changelog(const char *body, size_t len, jira_change_cb cb, void *ctx,
			     bool *is_last, int64_t *next)
{
	changes_ctx cc = {cb, ctx};
	return parse_one(changes_on_page, body, len, &cc, is_last, next);
}

pdt_err jira_parse_comments(const char *body, size_t len, jira_comment_cb cb, void *ctx,
			    bool *is_last, int64_t *next)
{
	comments_ctx cc = {cb, ctx};
	return parse_one(comments_on_page, body, len, &cc, is_last, next);
}

typedef struct one_sprint_ctx {
	jira_sprint_cb cb;
	void *ctx;
} one_sprint_ctx;

/* One sprint object; cb runs once. */
static pdt_err sprint_body(const char *body, size_t len, jira_sprint_cb cb, void *ctx, char *why,
			   size_t whylen)
{
	json_t *root = load_object(body, len, why, whylen);
	jira_sprint sp;
	const char *bad;
	pdt_err rc = PDT_EINVAL;
	if (!root)
		return rc;
	if ((bad = sprint_conv(root, 0, &sp))) {
		snprintf(why, whylen, "sprint: %s", bad);
	} else {
		rc = PDT_OK;
		if (cb)
			cb(&sp, ctx);
	}
	json_decref(root);
	return rc;
}

pdt_err jira_parse_sprint(const char *body, size_t len, jira_sprint_cb cb, void *ctx)
{
	char why[JIRA_WHY_MAX];
	return sprint_body(body, len, cb, ctx, why, sizeof why);
}

pdt_err jira_parse_search(const char *body, size_t len, jira_issue_cb cb, void *ctx,
			  bool *is_last, char *token)
{
	char why[JIRA_WHY_MAX], tok[JIRA_TOKEN_MAX + 1];
	bool last = true;
	pdt_err rc = search_page(body, len, cb, ctx, &last, tok, why, sizeof why);
	if (rc) {
		last = true;
		tok[0] = '\0';
	}
	if (is_last)
		*is_last = last;
	if (token)
		snprintf(token, JIRA_TOKEN_MAX + 1, "%s", tok);
	return rc;
}

/* ---- requests ---- */

typedef struct jira_call {
	upstream_client *c;
	const jira_ref *ref;
	char *userpwd; /* "email:token": wiped on release */
	provider_result *res;
} jira_call;

static void seterr(provider_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void seterr(provider_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->err, sizeof res->err, fmt, ap);
	va_end(ap);
}

/* "http://" or "https://" (any case), then something, printable ASCII only. */
static bool base_ok(const char *base)
{
	size_t n;
	if (!base)
		return false;
	n = strlen(base);
	if (n > JIRA_BASE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)base[i] <= 0x20 || (unsigned char)base[i] >= 0x7f)
			return false;
	return (strncasecmp(base, "http://", 7) == 0 && n > 7) ||
	       (strncasecmp(base, "https://", 8) == 0 && n > 8);
}

static pdt_err call_begin(jira_call *call, upstream_client *c, const jira_ref *ref,
			  provider_result *res, provider_result *dummy)
{
	size_t sz;
	memset(call, 0, sizeof *call);
	call->c = c;
	call->ref = ref;
	call->res = res ? res : dummy;
	call->res->status = 0;
	call->res->err[0] = '\0';
	if (!ref || !base_ok(ref->base)) {
		seterr(call->res, "invalid jira base URL");
		return PDT_EINVAL;
	}
	if (!ref->email || !*ref->email || !ref->token || !*ref->token) {
		seterr(call->res, "jira email or token missing");
		return PDT_EINVAL;
	}
	if (strchr(ref->email, ':') || strpbrk(ref->email, "\r\n") || strpbrk(ref->token, "\r\n")) {
		seterr(call->res, "jira email or token contains ':' or a line break");
		return PDT_EINVAL;
	}
	sz = strlen(ref->email) + strlen(ref->token) + 2;
	call->userpwd = xmalloc(sz);
	snprintf(call->userpwd, sz, "%s:%s", ref->email, ref->token);
	return PDT_OK;
}

static void call_release(jira_call *call)
{
	mem_free_secret(call->userpwd);
	call->userpwd = NULL;
}

/* An upstream message into err: controls become ' ', outer spaces trimmed. */
static void clean_copy(char *err, size_t errlen, const char *m)
{
	size_t n = 0;
	while (*m == ' ' || *m == '\t' || *m == '\r' || *m == '\n')
		m++;
	for (; *m && n + 1 < errlen; m++) {
		unsigned char ch = (unsigned char)*m;
		err[n++] = (char)(ch < 0x20 || ch == 0x7f ? ' ' : ch);
	}
	n = utf8_valid_prefix(err, n);
	while (n && err[n - 1] == ' ')
		n--;
	err[n] = '\0';
}

/* Jira's words: errorMessages[0], else the first of "errors", else "message". */
static const char *json_message(json_t *j)
{
	json_t *v;
	const char *k;
	size_t i;
	if (!json_is_object(j))
		return NULL;
	json_array_foreach(json_object_get(j, "errorMessages"), i, v) {
		if (json_is_string(v) && *json_string_value(v))
			return json_string_value(v);
	}
	json_object_foreach(json_object_get(j, "errors"), k, v) {
		if (json_is_string(v) && *json_string_value(v))
			return json_string_value(v);
	}
	return json_string_value(json_object_get(j, "message"));
}

/* Nothing that came from outside may show the credentials. */
static void scrub(const jira_call *call)
{
	const char *tok = call->ref->token, *email = call->ref->email;
	if ((tok && *tok && strstr(call->res->err, tok)) ||
	    (email && *email && strcasestr(call->res->err, email)))
		seterr(call->res, "HTTP %ld (jira's message withheld: it named the credentials)",
		       call->res->status);
}

/* The answer's own message into res->err; false (err empty) when it has none. */
static bool body_message(const jira_call *call, const upstream_resp *r)
{
	const char *body = r->body.data;
	size_t len = body ? r->body.len : 0;
	json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
	const char *m = json_message(j);
	call->res->err[0] = '\0';
	if (m && *m) {
		clean_copy(call->res->err, sizeof call->res->err, m);
		scrub(call);
	}
	json_decref(j);
	return call->res->err[0] != '\0';
}

static void status_message(provider_result *res, long status)
{
	if (status == 401)
		seterr(res, "HTTP 401: jira rejected the email or API token");
	else if (status == 403)
		seterr(res, "HTTP 403: no permission for this jira resource");
	else
		seterr(res, "HTTP %ld", status);
}

/*
 * One GET, or a POST of a JSON body when body is set. PDT_OK for 2xx;
 * PDT_EUPSTREAM for any other final status; upstream_do's errors as they
 * are. resp is always initialised: release it.
 */
static pdt_err send_req(const jira_call *call, const char *url, const char *body,
			upstream_resp *resp)
{
	static const char *const headers[] = {"Accept: application/json", NULL};
	static const char *const post_headers[] = {"Accept: application/json",
						   "Content-Type: application/json", NULL};
	upstream_req req;
	pdt_err rc;
	memset(&req, 0, sizeof req);
	memset(resp, 0, sizeof *resp);
	req.method = body ? "POST" : "GET";
	req.url = url;
	req.headers = body ? post_headers : headers;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.ratelimit_key = call->ref->ratelimit_key;
	req.userpwd = call->userpwd;
	req.deadline_ms = call->ref->deadline_ms;
	req.policy = call->ref->policy;
	rc = upstream_do(call->c, &req, resp);
	call->res->status = resp->status;
	call->res->retry_at = resp->retry_at;
	if (rc == PDT_ERATELIMIT && resp->retry_at) {
		char t[TIMEUTIL_RFC3339_LEN];
		timeutil_format_rfc3339(resp->retry_at, t);
		seterr(call->res, "rate limited until %s; deferred to the next pass", t);
		return rc;
	}
	if (rc) {
		if (resp->status >= 400 && body_message(call, resp))
			return rc;
		seterr(call->res, "%.*s", (int)sizeof resp->error,
		       resp->error[0] ? resp->error : pdt_strerror(rc));
		scrub(call);
		return rc;
	}
	if (resp->status >= 200 && resp->status < 300)
		return PDT_OK;
	if (!body_message(call, resp))
		status_message(call->res, resp->status);
	return PDT_EUPSTREAM;
}

static pdt_err one_page(const jira_call *call, const char *url, int64_t start, page_fn fn,
			void *pctx, bool *is_last, int64_t *next)
{
	upstream_resp r;
	char why[JIRA_WHY_MAX] = "";
	pdt_err rc = send_req(call, url, NULL, &r);
	if (!rc) {
		rc = fn(r.body.data, r.body.data ? r.body.len : 0, start, pctx, is_last, next, why,
			sizeof why);
		if (rc)
			seterr(call->res, "malformed JSON from jira: %s", why);
	}
	upstream_resp_release(&r);
	return rc;
}

/*
 * Every page of prefix + "startAt=N&maxResults=size" + suffix. Ends on the
 * page's word, or when startAt would not advance (a loop); more than
 * JIRA_MAX_PAGES pages is an error.
 */
static pdt_err list_all(const jira_call *call, const char *prefix, int size, const char *suffix,
			page_fn fn, void *pctx)
{
	buf url = BUF_INIT(JIRA_URL_MAX);
	int64_t start = 0, next = 0;
	bool last = false;
	pdt_err rc = PDT_OK;
	for (int pages = 0;; pages++) {
		if (pages >= JIRA_MAX_PAGES) {
			seterr(call->res, "jira listing has more than %d pages", JIRA_MAX_PAGES);
			rc = PDT_EUPSTREAM;
			break;
		}
		buf_reset(&url);
		if (buf_appendf(&url, "%sstartAt=%" PRId64 "&maxResults=%d%s", prefix, start, size,
				suffix)) {
			seterr(call->res, "request URL too long");
			rc = PDT_EINVAL;
			break;
		}
		rc = one_page(call, buf_str(&url), start, fn, pctx, &last, &next);
		if (rc || last || next <= start)
			break;
		start = next;
	}
	buf_release(&url);
	return rc;
}

/* ---- URL pieces ---- */

/* Appends base (without trailing '/') + path. */
static pdt_err url_start(buf *url, const char *base, const char *path)
{
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	if (buf_append(url, base, n))
		return PDT_ETOOBIG;
	return buf_appends(url, path);
}

static pdt_err url_built(const jira_call *call, pdt_err rc)
{
	if (rc)
		seterr(call->res, "request URL too long");
	return rc ? PDT_EINVAL : PDT_OK;
}

/* ---- the public calls ---- */

pdt_err jira_boards(upstream_client *c, const jira_ref *ref, jira_board_cb cb, void *ctx,
		    provider_result *res)
{
	provider_result dummy;
	jira_call call;
	buf prefix = BUF_INIT(JIRA_URL_MAX);
	boards_ctx bc = {cb, ctx};
	pdt_err rc = call_begin(&call, c, ref, res, &dummy);
	if (!rc)
		rc = url_built(&call, url_start(&prefix, ref->base, "/rest/agile/1.0/board?"));
	if (!rc)
		rc = list_all(&call, buf_str(&prefix), JIRA_AGILE_PAGE, "", boards_on_page, &bc);
	call_release(&call);
	buf_release(&prefix);
	return rc;
}

pdt_err jira_sprints(upstream_client *c, const jira_ref *ref, int64_t board_id, bool open_only,
		     jira_sprint_cb cb, void *ctx, provider_result *res)
{
	provider_result dummy;
	jira_call call;
	buf prefix = BUF_INIT(JIRA_URL_MAX);
	sprints_ctx sc = {cb, ctx, board_id};
	pdt_err rc = call_begin(&call, c, ref, res, &dummy);
	if (!rc && board_id <= 0) {
		seterr(call.res, "invalid jira board id");
		rc = PDT_EINVAL;
	}
	if (!rc)
		rc = url_built(&call, url_start(&prefix, ref->base, "/rest/agile/1.0/board/") ||
					      buf_appendf(&prefix, "%" PRId64, board_id) ||
					      buf_appends(&prefix,
							  open_only ? "/sprint?state=active,future&"
								    : "/sprint?state=active,future,closed&"));
	if (!rc)
		rc = list_all(&call, buf_str(&prefix), JIRA_AGILE_PAGE, "", sprints_on_page, &sc);
	call_release(&call);
	buf_release(&prefix);
	return rc;
}

pdt_err jira_sprint_issues(upstream_client *c, const jira_ref *ref, int64_t sprint_id,
			   const char *jql, jira_issue_cb cb, void *ctx, provider_result *res)
{
	provider_result dummy;
	jira_call call;
	buf prefix = BUF_INIT(JIRA_URL_MAX), suffix = BUF_INIT(JIRA_URL_MAX);
	issues_ctx ic = {cb, ctx};
	pdt_err rc = call_begin(&call, c, ref, res, &dummy);
	if (!rc && sprint_id <= 0) {
		seterr(call.res, "invalid jira sprint id");
		rc = PDT_EINVAL;
	}
	if (!rc)
		rc = url_built(&call, url_start(&prefix, ref->base, "/rest/agile/1.0/sprint/") ||
					      buf_appendf(&prefix, "%" PRId64 "/issue?", sprint_id) ||
					      buf_appends(&suffix, JIRA_ISSUE_QUERY) ||
					      (jql && *jql && (buf_appends(&suffix, "&jql=") ||
							       urlenc_append(&suffix, jql))));
	if (!rc)
		rc = list_all(&call, buf_str(&prefix), JIRA_AGILE_PAGE, buf_str(&suffix),
			      issues_on_page, &ic);
	call_release(&call);
	buf_release(&prefix);
	buf_release(&suffix);
	return rc;
}

pdt_err jira_issue_changelog(upstream_client *c, const jira_ref *ref, const char *key,
			     jira_change_cb cb, void *ctx, provider_result *res)
{
	provider_result dummy;
	jira_call call;
	buf prefix = BUF_INIT(JIRA_URL_MAX);
	changes_ctx cc = {cb, ctx};
	pdt_err rc = call_begin(&call, c, ref, res, &dummy);
	if (!rc && (!key || !key_ok(key))) {
		seterr(call.res, "invalid jira issue key");
		rc = PDT_EINVAL;
	}
	if (!rc)
		rc = url_built(&call, url_start(&prefix, ref->base, "/rest/api/3/issue/") ||
					      urlenc_append(&prefix, key) ||
					      buf_appends(&prefix, "/changelog?"));
	if (!rc)
		rc = list_all(&call, buf_str(&prefix), JIRA_CHANGELOG_PAGE, "", changes_on_page,
			      &cc);
	call_release(&call);
	buf_release(&prefix);
	return rc;
}

pdt_err jira_issue_comments(upstream_client *c, const jira_ref *ref, const char *key,
			    jira_comment_cb cb, void *ctx, provider_result *res)
{
	provider_result dummy;
	jira_call call;
	buf prefix = BUF_INIT(JIRA_URL_MAX);
	comments_ctx cc = {cb, ctx};
	pdt_err rc = call_begin(&call, c, ref, res, &dummy);
	if (!rc && (!key || !key_ok(key))) {
		seterr(call.res, "invalid jira issue key");
		rc = PDT_EINVAL;
	}
	if (!rc)
		rc = url_built(&call, url_start(&prefix, ref->base, "/rest/api/2/issue/") ||
					      urlenc_append(&prefix, key) ||
					      buf_appends(&prefix, "/comment?"));
	if (!rc)
		rc = list_all(&call, buf_str(&prefix), JIRA_COMMENT_PAGE, "&orderBy=-created",
			      comments_on_page, &cc);
	call_release(&call);
	buf_release(&prefix);
	return rc;
}

pdt_err jira_sprint_get(upstream_client *c, const jira_ref *ref, int64_t sprint_id,
			jira_sprint_cb cb, void *ctx, provider_result *res)
{
	provider_result dummy;
	jira_call call;
	upstream_resp r;
	buf url = BUF_INIT(JIRA_URL_MAX);
	char why[JIRA_WHY_MAX] = "";
	pdt_err rc = call_begin(&call, c, ref, res, &dummy);
	memset(&r, 0, sizeof r);
	if (!rc && sprint_id <= 0) {
		seterr(call.res, "invalid jira sprint id");
		rc = PDT_EINVAL;
	}
	if (!rc)
		rc = url_built(&call, url_start(&url, ref->base, "/rest/agile/1.0/sprint/") ||
					      buf_appendf(&url, "%" PRId64, sprint_id));
	if (!rc)
		rc = send_req(&call, buf_str(&url), NULL, &r);
	if (!rc && (rc = sprint_body(r.body.data, r.body.data ? r.body.len : 0, cb, ctx, why,
				     sizeof why)))
		seterr(call.res, "malformed JSON from jira: %s", why);
	upstream_resp_release(&r);
	call_release(&call);
	buf_release(&url);
	return rc;
}

/* The search request body; NULL when too big. Caller frees. */
static char *search_body(const char *jql, const char *token)
{
	json_t *fields = json_array(), *j;
	char *out;
	const char *p = JIRA_ISSUE_FIELDS;
	while (*p) {
		size_t n = strcspn(p, ",");
		json_array_append_new(fields, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	j = json_pack("{s:s,s:o,s:s,s:i}", "jql", jql, "fields", fields, "expand", "changelog",
		      "maxResults", JIRA_SEARCH_PAGE);
	if (j && token && *token)
		json_object_set_new(j, "nextPageToken", json_string(token));
	out = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return out;
}

static pdt_err search_one(const jira_call *call, const char *url, const char *jql,
			  char *token, jira_issue_cb cb, void *ctx, bool *last)
{
	upstream_resp r;
	char why[JIRA_WHY_MAX] = "";
	char *body = search_body(jql, token);
	pdt_err rc;
	if (!body) {
		seterr(call->res, "search request not encodable");
		return PDT_EINVAL;
	}
	rc = send_req(call, url, body, &r);
	free(body);
	if (!rc) {
		rc = search_page(r.body.data, r.body.data ? r.body.len : 0, cb, ctx, last, token,
				 why, sizeof why);
		if (rc)
			seterr(call->res, "malformed JSON from jira: %s", why);
	}
	upstream_resp_release(&r);
	return rc;
}

pdt_err jira_search(upstream_client *c, const jira_ref *ref, const char *jql, jira_issue_cb cb,
		    void *ctx, provider_result *res)
{
	provider_result dummy;
	jira_call call;
	buf url = BUF_INIT(JIRA_URL_MAX);
	char token[JIRA_TOKEN_MAX + 1] = "", prev[JIRA_TOKEN_MAX + 1] = "";
	bool last = false;
	pdt_err rc = call_begin(&call, c, ref, res, &dummy);
	if (!rc && (!jql || !*jql)) {
		seterr(call.res, "empty JQL");
		rc = PDT_EINVAL;
	}
	if (!rc)
		rc = url_built(&call, url_start(&url, ref->base, "/rest/api/3/search/jql"));
	for (int pages = 0; !rc && !last; pages++) {
		if (pages >= JIRA_MAX_PAGES) {
			seterr(call.res, "jira search has more than %d pages", JIRA_MAX_PAGES);
			rc = PDT_EUPSTREAM;
			break;
		}
		snprintf(prev, sizeof prev, "%s", token);
		rc = search_one(&call, buf_str(&url), jql, token, cb, ctx, &last);
		if (!rc && !last && strcmp(prev, token) == 0)
			break; /* a token that does not move on would loop */
	}
	call_release(&call);
	buf_release(&url);
	return rc;
}

/* ---- jira_base_url ---- */

static bool is_host_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '-' || ch == '_';
}

/* [p, end) starts with host[:port] and then "/" or the end; no query or fragment. */
static bool authority_ok(const char *p, const char *end)
{
	const char *h = p;
	long port = 0;
	int digits = 0;
	if (memchr(p, '?', (size_t)(end - p)) || memchr(p, '#', (size_t)(end - p)))
		return false;
	if (p < end && *p == '[') { /* IPv6 literal */
		for (p++; p < end && (is_host_char(*p) || *p == ':'); p++)
			;
		if (p >= end || *p != ']' || p == h + 1)
			return false;
		p++;
	} else {
		while (p < end && is_host_char(*p))
			p++;
		if (p == h)
			return false;
	}
	if (p < end && *p == ':') {
		for (p++; p < end && *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
			port = port * 10 + (*p - '0');
		if (digits == 0 || port < 1 || port > 65535)
			return false;
	}
	return p == end || *p == '/';
}

/* [*s, *e) trimmed of outer white space and trailing '/'s. */
static void trim(const char **s, const char **e)
{
	while (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n')
		(*s)++;
	*e = *s + strlen(*s);
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r' ||
			   (*e)[-1] == '\n'))
		(*e)--;
	while (*e > *s && (*e)[-1] == '/')
		(*e)--;
}

char *jira_base_url(const char *workspace)
{
	const char *s = workspace, *e, *sep;
	size_t n, slen;
	buf out = BUF_INIT(JIRA_BASE_MAX + 16);
	if (!workspace)
		return NULL;
	trim(&s, &e);
	n = (size_t)(e - s);
	if (n == 0 || n > JIRA_BASE_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return NULL;
	sep = memmem(s, n, "://", 3);
	slen = sep ? (size_t)(sep - s) : 0;
	if (sep && !((slen == 4 && strncasecmp(s, "http", 4) == 0) ||
		     (slen == 5 && strncasecmp(s, "https", 5) == 0)))
		return NULL;
	if (!authority_ok(sep ? sep + 3 : s, e))
		return NULL;
	if (sep) {
		buf_appends(&out, slen == 4 ? "http" : "https"); /* the scheme in lower case */
		buf_append(&out, sep, (size_t)(e - sep));
	} else {
		buf_appends(&out, "https://");
		buf_append(&out, s, n);
	}
	return buf_detach(&out);
}
