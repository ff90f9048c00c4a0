/* Fuzz target: repository URLs posted by clients (POST /api/repos). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/repourl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const repourl *a, const repourl *b)
{
	return strcmp(a->provider, b->provider) == 0 && strcmp(a->base, b->base) == 0 &&
	       strcmp(a->owner, b->owner) == 0 && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->url, b->url) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	repourl r, again;
	if (repourl_parse(s, &r) == PDT_OK) {
		/* the normalised URL parses to itself */
		if (repourl_parse(r.url, &again) != PDT_OK)
			abort();
		if (!same(&r, &again) || strlen(r.name) == 0 || strlen(r.owner) == 0)
			abort();
		repourl_release(&again);
		repourl_release(&r);
	}
	free(s);
	return 0;
}
