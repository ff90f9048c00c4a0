/* Fuzz target: what report/data makes of untrusted upstream text (commit
 * messages, branch and repository names, Jira keys, card summaries), and the
 * storage's error bodies (report/upload). The input is split at '\n' into
 * fields taken in turn as message, key, branch, summary, ...; whatever the
 * bytes, the daily and monthly objects are built, hold only valid UTF-8
 * (jansson refuses anything else: a NULL would be a failure), and dump. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/data.h"
#include "report/upload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DAY0 1772323200 /* 2026-03-01T00:00:00Z */

static void must_dump(json_t *o)
{
	if (!o)
		abort();
	char *s = json_dumps(o, JSON_COMPACT);
	if (!s)
		abort();
	free(s);
	json_decref(o);
}

static void feed(reportdata *d, char **f, size_t nf)
{
	store_report_source src = reportdata_source(d);
	for (size_t i = 0; i + 3 < nf; i += 4) {
		store_report_commit c = {.id = (int64_t)i, .sha = f[i + 1], .message = f[i],
					 .branch = f[i + 2], .repo_owner = f[i + 3],
					 .repo_name = f[i + 2], .jira_card_key = f[i + 1],
					 .date = DAY0 + (int64_t)(i * 7919) % (31 * 86400)};
		src.commit(&c, src.ctx);
	}
	for (size_t i = 0; i + 1 < nf; i += 3)
		src.link((int64_t)i, f[i + 1], src.ctx);
	/* cards arrive in the store's key order */
	for (size_t i = 1; i < nf; i += 4)
		if (i + 4 >= nf || strcmp(f[i], f[i + 4]) < 0)
			src.card(f[i], f[i - 1], f[i + 1 < nf ? i + 1 : i], src.ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *f[64];
	size_t nf = 0;
	char code[72];
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	upload_error_code(s, code, sizeof code);
	for (char *p = s; nf < 64;) {
		f[nf++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	char *m = reportdata_message(f[0]);
	free(m);
	reportdata *d = reportdata_new(f[nf - 1]);
	feed(d, f, nf);
	must_dump(reportdata_daily_json(d, 2026, 3, 2));
	must_dump(reportdata_monthly_json(d, 2026, 3));
	reportdata_free(d);
	free(s);
	return 0;
}
