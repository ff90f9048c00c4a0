/*
 * bench_template: the cost of the report template engine alone. Builds a
 * daily value (500 commits over 25 cards plus 20 unlinked) and a monthly one
 * (10,000 commits over 30 days), parses a PDT-style template for each once,
 * executes it RUNS times and prints the mean and best time per execution,
 * the output size and the process's peak RSS.
 * Run: build/bench/bench_template [RUNS]   (default 20)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "report/template.h"

static const char DAILY[] =
	"# Daily Report - {{.DateFormatted}}\n"
	"{{range .Cards}}\n"
	"## {{.Key}}: {{.Summary}}\n"
	"{{- range $i, $c := .Commits}}\n"
	"{{printf \"%3d\" $i}}. {{$c.SHA}} {{$c.Message}} ({{$c.Repo}}, {{$c.Time}})\n"
	"{{- end}}\n"
	"{{end}}\n"
	"{{- if .UnlinkedCommits}}\n"
	"## Unlinked commits\n"
	"{{- range .UnlinkedCommits}}\n"
	"- {{.SHA}} {{.Message}} ({{.Repo}}, {{.Time}})\n"
	"{{- end}}\n"
	"{{end -}}\n"
	"Total: {{.Stats.TotalCommits}} commits, {{len .Cards}} cards\n";

static const char MONTHLY[] =
	"# Monthly Report - {{.Month}}\n"
	"{{range .Days}}\n"
	"## {{.Date}} ({{len .Commits}} commits)\n"
	"{{- range .Commits}}\n"
	"- {{slice .SHA 0 7}} {{.Message}}{{with .Card}} [{{.}}]{{end}}\n"
	"{{- end}}\n"
	"{{end}}\n"
	"Total: {{.Stats.TotalCommits}} commits in {{len .Days}} days\n";

static json_t *commit(int i)
{
	char sha[41], msg[64], t[8];
	snprintf(sha, sizeof sha, "%040x", (unsigned)i * 2654435761u);
	snprintf(msg, sizeof msg, "PDT-%d: change number %d", i % 97, i);
	snprintf(t, sizeof t, "%02d:%02d", (i / 60) % 24, i % 60);
	return json_pack("{s:s, s:s, s:s, s:s, s:s?}", "SHA", sha, "Message", msg, "Repo",
			 i % 2 ? "web" : "api", "Time", t, "Card", i % 3 ? "PDT-1" : NULL);
}

static json_t *daily(void)
{
	json_t *cards = json_array(), *unlinked = json_array();
	for (int c = 0; c < 25; c++) {
		json_t *commits = json_array();
		for (int i = 0; i < 20; i++)
			json_array_append_new(commits, commit(c * 20 + i));
		json_array_append_new(cards, json_pack("{s:s+, s:s, s:o}", "Key", "PDT-", c % 2 ? "1" : "2",
						       "Summary", "A card", "Commits", commits));
	}
	for (int i = 0; i < 20; i++)
		json_array_append_new(unlinked, commit(1000 + i));
	return json_pack("{s:s, s:o, s:o, s:{s:i}}", "DateFormatted", "Monday, January 5, 2026", "Cards", cards,
			 "UnlinkedCommits", unlinked, "Stats", "TotalCommits", 520);
}

static json_t *monthly(void)
{
	json_t *days = json_array();
	for (int d = 0; d < 30; d++) {
		json_t *commits = json_array();
		for (int i = d * 10000 / 30; i < (d + 1) * 10000 / 30; i++)
			json_array_append_new(commits, commit(i));
		char date[16];
		snprintf(date, sizeof date, "2026-01-%02d", d + 1);
		json_array_append_new(days, json_pack("{s:s, s:o}", "Date", date, "Commits", commits));
	}
	return json_pack("{s:s, s:o, s:{s:i}}", "Month", "January 2026", "Days", days, "Stats", "TotalCommits",
			 10000);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int run(const char *name, const char *src, json_t *data, int runs)
{
	tmpl *t = NULL;
	char err[256];
	double t0 = now_ms();
	if (tmpl_parse(src, strlen(src), &t, err, sizeof err)) {
		fprintf(stderr, "%s: %s\n", name, err);
		return 1;
	}
	double parse = now_ms() - t0, sum = 0, best = 1e9;
	size_t len = 0;
	for (int r = 0; r < runs; r++) {
		buf out = BUF_INIT(TMPL_MAX_OUTPUT);
		t0 = now_ms();
		if (tmpl_exec(t, data, &out, err, sizeof err)) {
			fprintf(stderr, "%s: %s\n", name, err);
			buf_release(&out);
			tmpl_free(t);
			return 1;
		}
		double ms = now_ms() - t0;
		sum += ms;
		best = ms < best ? ms : best;
		len = out.len;
		buf_release(&out);
	}
	printf("%-8s parse %.3f ms, exec mean %.3f ms, best %.3f ms, output %zu bytes (%d runs)\n", name, parse,
	       sum / runs, best, len, runs);
	tmpl_free(t);
	return 0;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 20;
	if (runs < 1)
		runs = 1;
	json_t *d = daily(), *m = monthly();
	int rc = run("daily", DAILY, d, runs) || run("monthly", MONTHLY, m, runs);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %ld KiB (data of both reports included)\n", ru.ru_maxrss);
	json_decref(d);
	json_decref(m);
	return rc;
}
