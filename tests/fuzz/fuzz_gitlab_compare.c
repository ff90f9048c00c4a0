/* Fuzz target: a GitLab compare answer (GET /projects/:id/repository/compare). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commit_check.h"
#include "upstream/provider.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_compare_check(provider_parse_gitlab_compare, data, size);
	return 0;
}
