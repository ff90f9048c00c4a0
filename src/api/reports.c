/* /api/reports: generate (daily, monthly), list, get, delete; templates
 * (CRUD, checked at save time) and preview. Report days are counted in
 * REPORT_TIMEZONE (report/tz.h); generation is report/generate.h. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "http/jsonbind.h"
#include "http/response.h"
#include "report/data.h"
#include "report/generate.h"
#include "report/template.h"
#include "report/tz.h"
#include "store/store_reports.h"
#include "core/banned.h"

#define NAME_MAX_LEN 200
#define DATE_ERROR "invalid date format, use YYYY-MM-DD"

/* ---- JSON shapes ---- */

static json_t *report_json(const store_report *r)
{
	bool monthly = strcmp(r->report_type, "monthly") == 0;
	json_t *o = json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)r->id,
			      "user_id", (json_int_t)r->user_id, "template_id",
			      r->template_id ? json_integer(r->template_id) : json_null(), "date",
			      http_json_str(r->period), "title", http_json_str(r->title), "content",
			      http_json_str(r->content), "file_url", http_json_str(r->file_url),
			      "report_type", http_json_str(r->report_type), "created_at",
			      http_json_time(r->created_at));
	int y = 0, m = 0;
	if (monthly && sscanf(r->period, "%4d-%2d", &y, &m) == 2) {
		json_object_set_new(o, "month", json_integer(m));
		json_object_set_new(o, "year", json_integer(y));
	}
	return o;
}

static json_t *template_json(const store_template *t)
{
	return json_pack("{s:I,s:I,s:o,s:o,s:b,s:o,s:o}", "id", (json_int_t)t->id, "user_id",
			 (json_int_t)t->user_id, "name", http_json_str(t->name), "content",
			 http_json_str(t->content), "is_default", t->is_default, "created_at",
			 http_json_time(t->created_at), "updated_at", http_json_time(t->updated_at));
}

/* ---- input ---- */

/* Strict "YYYY-MM-DD" with a day that exists. */
static bool parse_date(const char *s, int *y, int *m, int *d)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	return *y >= 1970 && *m >= 1 && *m <= 12 && *d >= 1 &&
	       *d <= reporttz_days_in_month(*y, *m);
}

static void today(int *y, int *m, int *d)
{
	reporttz_tm t;
	reporttz_local(timeutil_now(), &t);
	*y = t.year;
	*m = t.month;
	*d = t.day;
}

/* The body as an object: routes without HTTP_JSON accept an empty body. */
static json_t *body_object(http_req *req, http_resp *resp)
{
	char err[160];
	json_t *o = NULL;
	if (req->body.len == 0)
		return json_object();
	if (jsonbind_parse(req->body.data, req->body.len, &o, err, sizeof err)) {
		http_resp_error(resp, 400, err);
		return NULL;
	}
	return o;
}

/* 400 "template error: L:C: message" when src does not parse. */
static bool template_parses(const char *src, http_resp *resp)
{
	char err[256], msg[320];
	tmpl *t = NULL;
	if (tmpl_parse(src, strlen(src), &t, err, sizeof err) == PDT_OK) {
		tmpl_free(t);
		return true;
	}
	snprintf(msg, sizeof msg, "template error: %s", err);
	http_resp_error(resp, 400, msg);
	return false;
}

/* Answers a generate: 201 new, 200 replaced, 400 template error, 404. */
static void generate(api_app *a, const report_req *r, http_resp *resp)
{
	store_report out = {0};
	bool replaced = false;
	char err[256], msg[320];
	pdt_err rc = report_generate(a->st, a->cfg, r, &out, &replaced, err, sizeof err);
	if (rc == PDT_EINVAL) {
		snprintf(msg, sizeof msg, "template error: %s", err);
		http_resp_error(resp, 400, msg);
	} else if (rc == PDT_ENOTFOUND) {
		http_resp_error(resp, 404, "template not found");
	} else if (rc) {
		http_resp_from_err(resp, rc, NULL);
	} else {
		http_resp_json(resp, replaced ? 200 : 201, report_json(&out));
	}
	store_report_release(&out);
}

/* ---- reports ---- */

void api_reports_generate(void *app, http_req *req, http_resp *resp)
{
	const char *date = NULL;
	int64_t tid = 0;
	char err[160];
	report_req r = {.user_id = req->user_id, .author = api_user(req)->email};
	json_t *body = body_object(req, resp);
	if (!body)
		return;
	const jsonbind_field f[] = {{"date", JSONBIND_STRING, false, 32, &date, NULL},
				    {"template_id", JSONBIND_INT, false, 0, &tid, NULL}};
	if (jsonbind_fields(body, f, 2, err, sizeof err))
		http_resp_error(resp, 400, err);
	else if (date && *date && !parse_date(date, &r.year, &r.month, &r.day))
		http_resp_error(resp, 400, DATE_ERROR);
	else {
		if (!date || !*date)
			today(&r.year, &r.month, &r.day);
		r.template_id = tid > 0 ? tid : 0;
		if (tid < 0)
			http_resp_error(resp, 404, "template not found");
		else
			generate(app, &r, resp);
	}
	json_decref(body);
}

void api_reports_generate_monthly(void *app, http_req *req, http_resp *resp)
{
	int64_t month = 0, year = 0, tid = 0;
	bool has_m = false, has_y = false;
	char err[160];
	report_req r = {.user_id = req->user_id, .author = api_user(req)->email, .monthly = true};
	json_t *body = body_object(req, resp);
	if (!body)
		return;
	const jsonbind_field f[] = {{"month", JSONBIND_INT, false, 0, &month, &has_m},
				    {"year", JSONBIND_INT, false, 0, &year, &has_y},
				    {"template_id", JSONBIND_INT, false, 0, &tid, NULL}};
	if (jsonbind_fields(body, f, 3, err, sizeof err))
		http_resp_error(resp, 400, err);
	else if (!has_m || !has_y || !month || !year)
		http_resp_error(resp, 400, "month and year are required");
	else if (month < 1 || month > 12 || year < 1970 || year > 9999)
		http_resp_error(resp, 400, "month must be 1..12 and year 1970..9999");
	else {
		r.year = (int)year;
		r.month = (int)month;
		r.template_id = tid > 0 ? tid : 0;
		generate(app, &r, resp);
	}
	json_decref(body);
}

void api_reports_list(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const char *from = http_req_query(req, "from"), *to = http_req_query(req, "to");
	int y, m, d;
	struct store_report_list l = {0};
	from = from && *from ? from : NULL;
	to = to && *to ? to : NULL;
	if ((from && !parse_date(from, &y, &m, &d)) || (to && !parse_date(to, &y, &m, &d))) {
		http_resp_error(resp, 400, DATE_ERROR);
		return;
	}
	pdt_err rc = store_report_list(a->st, req->user_id, from, to, &l);
	if (rc) {
		http_resp_from_err(resp, rc, NULL);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(arr, report_json(&l.items[i]));
	http_resp_json(resp, 200, arr);
	store_report_list_release(&l);
}

void api_reports_get(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	int64_t id = 0;
	store_report r = {0};
	pdt_err rc = api_parse_id(http_req_param(req, 0), &id) ? PDT_OK : PDT_ENOTFOUND;
	if (!rc)
		rc = store_report_get(a->st, req->user_id, id, &r);
	if (rc)
		http_resp_from_err(resp, rc, "report not found");
	else
		http_resp_json(resp, 200, report_json(&r));
	store_report_release(&r);
}

void api_reports_delete(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	int64_t id = 0;
	pdt_err rc = api_parse_id(http_req_param(req, 0), &id) ? PDT_OK : PDT_ENOTFOUND;
	if (!rc)
		rc = store_report_delete(a->st, req->user_id, id);
	if (rc)
		http_resp_from_err(resp, rc, "report not found");
	else
		http_resp_message(resp, 200, "report deleted");
}

/* ---- templates ---- */

void api_templates_list(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	struct store_template_list l = {0};
	pdt_err rc = store_template_list(a->st, req->user_id, &l);
	if (rc) {
		http_resp_from_err(resp, rc, NULL);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(arr, template_json(&l.items[i]));
	http_resp_json(resp, 200, arr);
	store_template_list_release(&l);
}

void api_templates_create(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const char *name = NULL, *content = NULL;
	bool is_default = false;
	char err[160];
	store_template t = {0};
	const jsonbind_field f[] = {
		{"name", JSONBIND_STRING, false, NAME_MAX_LEN, &name, NULL},
		{"content", JSONBIND_STRING, false, TMPL_MAX_SOURCE, &content, NULL},
		{"is_default", JSONBIND_BOOL, false, 0, &is_default, NULL}};
	if (jsonbind_fields(req->json, f, 3, err, sizeof err)) {
		http_resp_error(resp, 400, err);
		return;
	}
	if (!name || !*name || !content || !*content) {
		http_resp_error(resp, 400, "name and content are required");
		return;
	}
	if (!template_parses(content, resp))
		return;
	pdt_err rc = store_template_create(a->st, req->user_id, name, content, is_default,
					   timeutil_now(), &t);
	if (rc)
		http_resp_from_err(resp, rc, NULL);
	else
		http_resp_json(resp, 201, template_json(&t));
	store_template_release(&t);
}

void api_templates_update(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const char *name = NULL, *content = NULL;
	bool is_default = false, has_default = false;
	int64_t id = 0;
	char err[160];
	store_template t = {0};
	const jsonbind_field f[] = {
		{"name", JSONBIND_STRING, false, NAME_MAX_LEN, &name, NULL},
		{"content", JSONBIND_STRING, false, TMPL_MAX_SOURCE, &content, NULL},
		{"is_default", JSONBIND_BOOL, false, 0, &is_default, &has_default}};
	if (!api_parse_id(http_req_param(req, 0), &id)) {
		http_resp_error(resp, 404, "template not found");
		return;
	}
	if (jsonbind_fields(req->json, f, 3, err, sizeof err)) {
		http_resp_error(resp, 400, err);
		return;
	}
	if ((name && !*name) || (content && !*content)) {
		http_resp_error(resp, 400, "name and content must not be empty");
		return;
	}
	if (content && !template_parses(content, resp))
		return;
	pdt_err rc = store_template_update(a->st, req->user_id, id, name, content,
					   has_default ? is_default : -1, timeutil_now(), &t);
	if (rc)
		http_resp_from_err(resp, rc, "template not found");
	else
		http_resp_json(resp, 200, template_json(&t));
	store_template_release(&t);
}

void api_templates_delete(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	int64_t id = 0;
	pdt_err rc = api_parse_id(http_req_param(req, 0), &id) ? PDT_OK : PDT_ENOTFOUND;
	if (!rc)
		rc = store_template_delete(a->st, req->user_id, id);
	if (rc)
		http_resp_from_err(resp, rc, "template not found");
	else
		http_resp_message(resp, 200, "template deleted");
}

void api_templates_preview(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const char *content = NULL, *date = NULL;
	char err[256], msg[320];
	char *rendered = NULL;
	json_t *data = NULL;
	report_req r = {.user_id = req->user_id, .author = api_user(req)->email};
	const jsonbind_field f[] = {
		{"content", JSONBIND_STRING, false, TMPL_MAX_SOURCE, &content, NULL},
		{"date", JSONBIND_STRING, false, 32, &date, NULL}};
	if (jsonbind_fields(req->json, f, 2, err, sizeof err)) {
		http_resp_error(resp, 400, err);
		return;
	}
	if (!content || !*content) {
		http_resp_error(resp, 400, "content is required");
		return;
	}
	if (date && *date && !parse_date(date, &r.year, &r.month, &r.day)) {
		http_resp_error(resp, 400, DATE_ERROR);
		return;
	}
	if (!date || !*date)
		today(&r.year, &r.month, &r.day);
	pdt_err rc = report_data(a->st, &r, &data);
	if (!rc)
		rc = report_render(content, data, &rendered, err, sizeof err);
	if (rc == PDT_EINVAL) {
		snprintf(msg, sizeof msg, "template error: %s", err);
		http_resp_error(resp, 400, msg);
	} else if (rc) {
		http_resp_from_err(resp, rc, NULL);
	} else {
		json_t *st = json_object_get(data, "Stats");
		http_resp_json(resp, 200,
			       json_pack("{s:s,s:{s:O,s:O}}", "rendered", rendered, "stats",
					 "total_commits", json_object_get(st, "TotalCommits"),
					 "total_cards", json_object_get(st, "TotalCards")));
	}
	free(rendered);
	json_decref(data);
}
