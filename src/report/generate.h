#ifndef PDT_REPORT_GENERATE_H
#define PDT_REPORT_GENERATE_H
/*
 * report/generate: one report, from data to stored row — the single code
 * path behind POST /api/reports/generate[/monthly] and the worker's
 * automatic generation.
 *
 * Steps: pick the template (template_id > 0: that template of the user;
 * else, for a daily report, the user's default template; else the built-in
 * one: a default template is written against the daily data), build the data
 * (report/data.h) for the day or month in REPORT_TIMEZONE, render it
 * (report/template.h), save it (replacing the user's report of that type
 * and period), then, when upload is configured, PUT it (report/upload.h)
 * and record file_url; a failed upload keeps the report with file_url ""
 * and logs why.
 *
 * Errors: PDT_EINVAL with err = "LINE:COL: message" for a template that does
 * not parse or fails to run; PDT_ENOTFOUND (err "template not found") for a
 * template_id that is not the user's; PDT_ECONFLICT for an automatic report
 * already generated (store_report_in.automatic); store errors as they come.
 *
 * Ownership: *out is filled like store_report_get (store_report_release).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "store/store_reports.h"

typedef struct report_req {
	int64_t user_id;
	const char *author; /* the user's email */
	bool monthly;
	int year, month, day; /* day unused when monthly */
	int64_t template_id;  /* > 0: that template; 0: default (daily) or built-in */
	bool automatic;       /* the worker's, once per user and period */
} report_req;

pdt_err report_generate(store *st, const config *cfg, const report_req *r, store_report *out,
			bool *replaced, char *err, size_t errlen);

/* Parses and runs src over data; *out (caller frees) is valid UTF-8. */
pdt_err report_render(const char *src, const json_t *data, char **out, char *err,
		      size_t errlen);

/* The data of a daily (or monthly) report, as report_generate builds it. */
pdt_err report_data(store *st, const report_req *r, json_t **out);

/* The built-in templates (static text). */
const char *report_builtin_template(bool monthly);

/* "2026-03-02" / "2026-03" for r. */
void report_period(const report_req *r, char *out, size_t outlen);

#endif
