/* Fuzz target: a GitHub compare page (GET /repos/o/r/compare/{base}...{head}). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commit_check.h"
#include "upstream/provider.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int need = 0; need < 2; need++) {
		size_t n = 0;
		provider_compare_result r;
		memset(&r, 0, sizeof r);
		pdt_err rc = provider_parse_github_compare((const char *)data, size, "base", need != 0,
							 fuzz_commit_check, &n, &r);
		if (rc != PDT_OK && rc != PDT_EINVAL)
			abort();
		if (rc == PDT_EINVAL && n != 0)
			abort(); /* a malformed answer reports nothing */
		if (rc == PDT_OK && (r.total_commits < 0 || r.listed != (int64_t)n ||
				     r.status > PROVIDER_COMPARE_DIVERGED))
			abort();
		if (rc == PDT_OK && need && r.status == PROVIDER_COMPARE_DIVERGED && n != 0)
			abort(); /* diverged with need_ancestor: nothing passed on */
	}
	return 0;
}
