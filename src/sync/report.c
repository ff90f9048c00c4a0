#include "sync/report.h"

#include <stdlib.h>

#include "core/mem.h"
#include "core/banned.h"

sync_report *sync_report_new(size_t nrepos)
{
	sync_report *r = xcalloc(1, sizeof *r);
	atomic_init(&r->refs, 1);
	r->n = nrepos;
	r->repos = nrepos ? xcalloc(nrepos, sizeof *r->repos) : NULL;
	return r;
}

sync_report *sync_report_ref(sync_report *r)
{
	if (r)
		atomic_fetch_add(&r->refs, 1);
	return r;
}

void sync_report_unref(sync_report *r)
{
	if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->repos[i].repo_name);
		free(r->repos[i].provider);
		free(r->repos[i].error);
	}
	free(r->repos);
	for (size_t i = 0; i < r->nws; i++)
		free(r->ws[i].error);
	free(r->ws);
	free(r->error);
	free(r);
}

size_t sync_report_failures(const sync_report *r)
{
	size_t n = r->error && r->error[0] ? 1 : 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->repos[i].error && r->repos[i].error[0];
	return n;
}
