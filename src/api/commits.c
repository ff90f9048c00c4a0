/* /api/commits: list with filters, missing, link. */
#include "api/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "http/jsonbind.h"
#include "core/jsonw.h"
#include "http/response.h"
#include "core/banned.h"

#define KEY_MAX 64
#define SHA_MAX 128
#define LIMIT_MAX 100000

/* The largest listing we build: past it the client must page. */
#define LIST_BODY_MAX ((size_t)256 * 1024 * 1024)

typedef struct list_out {
	buf b;
	size_t n;
	pdt_err rc;
} list_out;

/* Appends one commit object; rows are written as they come from the store. */
static void write_commit(const store_commit *c, void *ctx)
{
	list_out *o = ctx;
	buf *b = &o->b;
	if (o->rc)
		return;
	pdt_err rc = buf_appends(b, o->n++ ? ",{\"id\":" : "{\"id\":");
	rc = rc ? rc : jsonw_int(b, c->id);
	rc = rc ? rc : jsonw_raw(b, ",\"repo_id\":");
	rc = rc ? rc : jsonw_int(b, c->repo_id);
	rc = rc ? rc : jsonw_raw(b, ",\"sha\":");
	rc = rc ? rc : jsonw_str(b, c->sha);
	rc = rc ? rc : jsonw_raw(b, ",\"message\":");
	rc = rc ? rc : jsonw_str(b, c->message);
	rc = rc ? rc : jsonw_raw(b, ",\"author\":");
	rc = rc ? rc : jsonw_str(b, c->author);
	rc = rc ? rc : jsonw_raw(b, ",\"author_email\":");
	rc = rc ? rc : jsonw_str(b, c->author_email);
	rc = rc ? rc : jsonw_raw(b, ",\"branch\":");
	rc = rc ? rc : jsonw_str(b, c->branch);
	rc = rc ? rc : jsonw_raw(b, ",\"date\":");
	rc = rc ? rc : jsonw_time(b, c->date);
	rc = rc ? rc : jsonw_raw(b, ",\"jira_card_key\":");
	rc = rc ? rc : jsonw_str(b, c->jira_card_key);
	rc = rc ? rc : jsonw_raw(b, ",\"has_link\":");
	rc = rc ? rc : jsonw_bool(b, c->has_link);
	rc = rc ? rc : jsonw_raw(b, ",\"created_at\":");
	rc = rc ? rc : jsonw_time(b, c->created_at);
	o->rc = rc ? rc : buf_appendc(b, '}');
}

json_t *api_commit_json(const store_commit *c)
{
	return json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o}",
			 "id", (json_int_t)c->id, "repo_id", (json_int_t)c->repo_id,
			 "sha", http_json_str(c->sha), "message", http_json_str(c->message),
			 "author", http_json_str(c->author),
			 "author_email", http_json_str(c->author_email),
			 "branch", http_json_str(c->branch), "date", http_json_time(c->date),
			 "jira_card_key", http_json_str(c->jira_card_key),
			 "has_link", c->has_link, "created_at", http_json_time(c->created_at));
}

/* A query value, treating "" as absent (front ends send "?repo_id=&..."). */
static const char *query(const http_req *req, const char *name)
{
	const char *v = http_req_query(req, name);
	return v && *v ? v : NULL;
}

static bool parse_count(const char *s, int64_t max, int64_t *out)
{
	if (!s)
		return true;
	if (*s < '0' || *s > '9' || strlen(s) > 12)
		return false;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* Fills f from the query string; on a bad value answers 400 and returns false. */
static bool parse_filter(const http_req *req, store_commit_filter *f, http_resp *resp)
{
	const char *repo = query(req, "repo_id"), *key = query(req, "jira_card_key");
	const char *link = query(req, "has_link");
	if (repo && !api_parse_id(repo, &f->repo_id)) {
		http_resp_error(resp, 400, "repo_id must be a positive integer");
		return false;
	}
	if (key && strlen(key) > KEY_MAX) {
		http_resp_error(resp, 400, "jira_card_key is too long");
		return false;
	}
	f->jira_card_key = key;
	if (link && strcmp(link, "true") != 0 && strcmp(link, "false") != 0) {
		http_resp_error(resp, 400, "has_link must be true or false");
		return false;
	}
	if (link)
		f->has_link = strcmp(link, "true") == 0;
	if (!parse_count(query(req, "limit"), LIMIT_MAX, &f->limit) ||
	    !parse_count(query(req, "offset"), INT64_C(1) << 40, &f->offset)) {
		http_resp_error(resp, 400, "limit and offset must be non-negative integers "
			       "(limit at most 100000)");
		return false;
	}
	return true;
}

static void answer_list(api_app *a, const http_req *req, const store_commit_filter *f,
			http_resp *resp)
{
	list_out o = {.b = BUF_INIT(LIST_BODY_MAX)};
	pdt_err rc = buf_appendc(&o.b, '[');
	if (!rc)
		rc = store_commit_each(a->st, req->user_id, f, write_commit, &o);
	rc = rc ? rc : o.rc;
	rc = rc ? rc : buf_appendc(&o.b, ']');
	if (rc == PDT_ETOOBIG)
		http_resp_error(resp, 413, "result too large: use limit and offset");
	else if (rc)
		http_resp_from_err(resp, rc, NULL);
	else
		http_resp_take(resp, 200, &o.b);
	buf_release(&o.b);
}

void api_commits_list(void *app, http_req *req, http_resp *resp)
{
	store_commit_filter f = {.has_link = -1};
	if (parse_filter(req, &f, resp))
		answer_list(app, req, &f, resp);
}

void api_commits_missing(void *app, http_req *req, http_resp *resp)
{
	store_commit_filter f = {.has_link = 0};
	store_commit_filter q = {.has_link = -1};
	if (!parse_filter(req, &q, resp))
		return;
	f.repo_id = q.repo_id;
	f.limit = q.limit;
	f.offset = q.offset;
	answer_list(app, req, &f, resp);
}

void api_commits_link(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const char *key = NULL;
	char err[160];
	store_link l = {0};
	const jsonbind_field f[] = {{"jira_card_key", JSONBIND_STRING, false, KEY_MAX, &key, NULL}};
	if (jsonbind_fields(req->json, f, 1, err, sizeof err)) {
		http_resp_error(resp, 400, err);
		return;
	}
	if (!key || !*key) {
		http_resp_error(resp, 400, "jira_card_key is required");
		return;
	}
	const char *sha = http_req_param(req, 0);
	pdt_err rc = strlen(sha) > SHA_MAX ? PDT_ENOTFOUND
					   : store_commit_link(a->st, req->user_id, sha, key,
							       timeutil_now(), &l);
	if (rc) {
		http_resp_from_err(resp, rc, "commit not found");
		return;
	}
	http_resp_json(resp, 201, json_pack("{s:I,s:I,s:o,s:o}", "id", (json_int_t)l.id,
					    "commit_id", (json_int_t)l.commit_id,
					    "jira_card_key", http_json_str(l.jira_card_key),
					    "linked_at", http_json_time(l.linked_at)));
	store_link_release(&l);
}
