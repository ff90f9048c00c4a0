#include "report/generate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "report/data.h"
#include "report/template.h"
#include "report/tz.h"
#include "report/upload.h"
#include "core/banned.h"

/* Markdown, for pdt: the formatted date, each card with its commits, the
 * commits without a card, totals. */
static const char builtin_daily[] =
	"# Daily Report: {{.DateFormatted}}\n"
	"\n"
	"Author: {{.Author}}\n"
	"{{if .Cards}}\n"
	"## Cards\n"
	"{{range .Cards}}\n"
	"### {{.Key}}{{if .Summary}}: {{.Summary}}{{end}}{{if .Status}} [{{.Status}}]{{end}}\n"
	"\n"
	"{{range .Commits}}- `{{.SHA}}` {{.Message}} ({{.Repo}}, {{.Branch}}, {{.Time}})\n"
	"{{end}}{{end}}{{end}}{{if .UnlinkedCommits}}\n"
	"## Commits without a card\n"
	"\n"
	"{{range .UnlinkedCommits}}- `{{.SHA}}` {{.Message}} ({{.Repo}}, {{.Branch}}, {{.Time}})\n"
	"{{end}}{{end}}\n"
	"## Totals\n"
	"\n"
	"- Commits: {{.Stats.TotalCommits}}\n"
	"- Cards: {{.Stats.TotalCards}}\n"
	"- Repositories: {{range $i, $r := .Stats.Repos}}{{if $i}}, {{end}}{{$r}}"
	"{{else}}none{{end}}\n";

static const char builtin_monthly[] =
	"# Monthly Report: {{.MonthName}} {{.Year}}\n"
	"\n"
	"Author: {{.Author}}\n"
	"\n"
	"## Totals\n"
	"\n"
	"- Commits: {{.TotalCommits}}\n"
	"- Cards: {{.TotalCards}} ({{.CardsCompleted}} completed, {{.CardsInProgress}} in progress)\n"
	"\n"
	"## Weeks\n"
	"\n"
	"| Week | Days | Commits | Cards |\n"
	"|---|---|---|---|\n"
	"{{range .WeeklyBreakdown}}| {{.Week}} | {{.StartDate}} to {{.EndDate}} | {{.Commits}} "
	"| {{.Cards}} |\n"
	"{{end}}{{if .RepoBreakdown}}\n"
	"## Repositories\n"
	"\n"
	"{{range .RepoBreakdown}}- {{.Repo}}: {{.Commits}} commit{{if ne .Commits 1}}s{{end}}\n"
	"{{end}}{{end}}{{if .TopCards}}\n"
	"## Top cards\n"
	"\n"
	"{{range .TopCards}}- {{.Key}}{{if .Summary}}: {{.Summary}}{{end}}"
	"{{if .Status}} [{{.Status}}]{{end}}: {{.Commits}} commit{{if ne .Commits 1}}s{{end}}\n"
	"{{end}}{{end}}{{if .DailyReports}}\n"
	"## Days\n"
	"{{range .DailyReports}}\n"
	"### {{.DateFormatted}}\n"
	"\n"
	"{{range .Cards}}- {{.Key}}{{if .Summary}}: {{.Summary}}{{end}}: {{$n := len .Commits}}"
	"{{$n}} commit{{if ne $n 1}}s{{end}}\n"
	"{{end}}{{with .UnlinkedCommits}}- without a card: {{$n := len .}}{{$n}} commit"
	"{{if ne $n 1}}s{{end}}\n"
	"{{end}}{{end}}{{end}}";

const char *report_builtin_template(bool monthly)
{
	return monthly ? builtin_monthly : builtin_daily;
}

void report_period(const report_req *r, char *out, size_t outlen)
{
	if (r->monthly)
		snprintf(out, outlen, "%04d-%02d", r->year % 10000, r->month % 100);
	else
		snprintf(out, outlen, "%04d-%02d-%02d", r->year % 10000, r->month % 100,
			 r->day % 100);
}

pdt_err report_render(const char *src, const json_t *data, char **out, char *err,
		      size_t errlen)
{
	tmpl *t = NULL;
	buf b = BUF_INIT((size_t)TMPL_MAX_OUTPUT + 1);
	*out = NULL;
	pdt_err rc = tmpl_parse(src, strlen(src), &t, err, errlen);
	if (!rc)
		rc = tmpl_exec(t, data, &b, err, errlen);
	if (!rc)
		*out = reportdata_valid_text(buf_str(&b), b.len);
	tmpl_free(t);
	buf_release(&b);
	return rc;
}

pdt_err report_data(store *st, const report_req *r, json_t **out)
{
	*out = NULL;
	int64_t from = reporttz_day_start(r->year, r->month, r->monthly ? 1 : r->day);
	int64_t to = r->monthly
			     ? reporttz_day_start(r->year, r->month,
						  reporttz_days_in_month(r->year, r->month) + 1)
			     : reporttz_day_start(r->year, r->month, r->day + 1);
	reportdata *d = reportdata_new(r->author);
	pdt_err rc = reportdata_load(d, st, r->user_id, from, to);
	if (!rc)
		*out = r->monthly ? reportdata_monthly_json(d, r->year, r->month)
				  : reportdata_daily_json(d, r->year, r->month, r->day);
	if (!rc && !*out)
		rc = PDT_ESTORE;
	reportdata_free(d);
	return rc;
}

/* The template's source (caller frees) and id (0 for the built-in one). A
 * user's default template is for daily reports (the data it is written
 * against); a monthly report without template_id uses the built-in one. */
static pdt_err pick_template(store *st, const report_req *r, char **src, int64_t *id,
			     char *err, size_t errlen)
{
	store_template t = {0};
	pdt_err rc = r->template_id > 0 ? store_template_get(st, r->user_id, r->template_id, &t)
		     : r->monthly	    ? PDT_ENOTFOUND
					    : store_template_default(st, r->user_id, &t);
	if (rc == PDT_ENOTFOUND && r->template_id <= 0) {
		*src = xstrdup(report_builtin_template(r->monthly));
		*id = 0;
		return PDT_OK;
	}
	if (rc == PDT_ENOTFOUND)
		snprintf(err, errlen, "template not found");
	if (!rc) {
		*src = t.content;
		t.content = NULL;
		*id = t.id;
	}
	store_template_release(&t);
	return rc;
}

/* Uploads the saved report; on success records and returns its URL in r. */
static void upload(store *st, const config *cfg, store_report *r)
{
	char why[256];
	char *url = NULL, *key = upload_key((long long)r->user_id, r->report_type, r->period);
	if (upload_put(cfg, key, r->content, strlen(r->content), &url, why, sizeof why)) {
		log_warn("report upload failed user_id=%lld report_id=%lld key=%s reason=\"%s\"",
			 (long long)r->user_id, (long long)r->id, key, why);
	} else if (store_report_set_file_url(st, r->user_id, r->id, url) == PDT_OK) {
		free(r->file_url);
		r->file_url = url;
		url = NULL;
		log_info("report uploaded user_id=%lld report_id=%lld key=%s", (long long)r->user_id,
			 (long long)r->id, key);
	}
	free(url);
	free(key);
}

pdt_err report_generate(store *st, const config *cfg, const report_req *r, store_report *out,
			bool *replaced, char *err, size_t errlen)
{
	char *src = NULL, *content = NULL, period[16], title[64];
	int64_t tid = 0;
	json_t *data = NULL;
	memset(out, 0, sizeof *out);
	pdt_err rc = pick_template(st, r, &src, &tid, err, errlen);
	if (!rc)
		rc = report_data(st, r, &data);
	if (!rc)
		rc = report_render(src, data, &content, err, errlen);
	if (rc)
		goto cleanup;
	report_period(r, period, sizeof period);
	if (r->monthly)
		snprintf(title, sizeof title, "Monthly Report - %s %04d",
			 json_string_value(json_object_get(data, "MonthName")), r->year % 10000);
	else
		snprintf(title, sizeof title, "Daily Report - %s", period);
	store_report_in in = {.user_id = r->user_id, .template_id = tid,
			      .report_type = r->monthly ? "monthly" : "daily", .period = period,
			      .title = title, .content = content, .automatic = r->automatic};
	rc = store_report_save(st, &in, timeutil_now(), out, replaced);
	if (!rc && upload_enabled(cfg))
		upload(st, cfg, out);
cleanup:
	json_decref(data);
	free(src);
	free(content);
	return rc;
}
