#ifndef PDT_FUZZ_COMMIT_CHECK_H
#define PDT_FUZZ_COMMIT_CHECK_H
/* What every commit-listing fuzz target checks of each commit a parser hands
 * out (fuzz_{github,gitlab}_{commits,compare}.c): complete, NUL-terminated
 * text, the message without its trailing newline. ctx counts the commits;
 * after 50 the callback asks to stop, so the early stop is exercised too. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upstream/provider.h"

static inline int fuzz_commit_check(const provider_commit *c, void *ctx)
{
	size_t *n = ctx;
	if (!c->sha || !*c->sha || !c->message || !c->author || !c->author_email)
		abort();
	size_t len = strlen(c->message);
	if (len && (c->message[len - 1] == '\n' || c->message[len - 1] == '\r'))
		abort();
	(void)strlen(c->author);
	(void)strlen(c->author_email);
	++*n;
	return *n >= 50;
}

typedef pdt_err (*fuzz_compare_parse)(const char *body, size_t len, const char *base,
				      bool need_ancestor, provider_commit_cb cb, void *ctx,
				      provider_compare_result *out);

/* What both compare fuzz targets check: only PDT_OK or PDT_EINVAL; a malformed
 * answer reports nothing; counts agree; diverged with need_ancestor passes
 * nothing on. */
static inline void fuzz_compare_check(fuzz_compare_parse parse, const uint8_t *data, size_t size)
{
	for (int need = 0; need < 2; need++) {
		size_t n = 0;
		provider_compare_result r;
		memset(&r, 0, sizeof r);
		pdt_err rc = parse((const char *)data, size, "base", need != 0, fuzz_commit_check,
				   &n, &r);
		if (rc != PDT_OK && rc != PDT_EINVAL)
			abort();
		if (rc == PDT_EINVAL && n != 0)
			abort();
		if (rc == PDT_OK && (r.total_commits < 0 || r.listed != (int64_t)n ||
				     r.status > PROVIDER_COMPARE_DIVERGED))
			abort();
		if (rc == PDT_OK && need && r.status == PROVIDER_COMPARE_DIVERGED && n != 0)
			abort();
	}
}

#endif
