/* Fuzz target: a GitLab commits page (GET /projects/:id/repository/commits), untrusted upstream JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commit_check.h"
#include "upstream/provider.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	pdt_err rc = provider_parse_gitlab_commits((const char *)data, size, fuzz_commit_check, &n);
	if (rc != PDT_OK && rc != PDT_EINVAL)
		abort();
	if (rc == PDT_EINVAL && n != 0)
		abort(); /* a malformed page reports nothing */
	return 0;
}
