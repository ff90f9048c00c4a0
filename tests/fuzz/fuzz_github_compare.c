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
	fuzz_compare_check(provider_parse_github_compare, data, size);
	return 0;
}
