/*
 * Fuzz target: a branch list page from GitHub or GitLab, untrusted upstream
 * JSON. The first byte picks the provider (even: github, odd: gitlab); the
 * body is parsed twice into the same list to exercise appending.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upstream/provider.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	provider_branch_list l = {0};
	if (size == 0)
		return 0;
	const char *provider = (data[0] & 1) ? "gitlab" : "github";
	const char *body = (const char *)data + 1;
	pdt_err rc = provider_parse_branches(provider, body, size - 1, &l);
	if (rc != PDT_OK && rc != PDT_EINVAL)
		abort();
	size_t first = l.n;
	if (rc == PDT_EINVAL && first != 0)
		abort(); /* a malformed page appends nothing */
	if (rc == PDT_OK && provider_parse_branches(provider, body, size - 1, &l) != PDT_OK)
		abort(); /* parsing is deterministic */
	if (l.n != 2 * first)
		abort();
	for (size_t i = 0; i < l.n; i++) {
		if (!l.items[i].name || !*l.items[i].name || !l.items[i].sha || !*l.items[i].sha)
			abort();
		if (strcmp(l.items[i].name, l.items[i % (first ? first : 1)].name) != 0)
			abort();
	}
	provider_branch_list_release(&l);
	return 0;
}
