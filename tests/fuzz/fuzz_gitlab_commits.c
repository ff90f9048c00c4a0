/* Fuzz target: a GitLab commits page (GET /projects/:id/repository/commits), untrusted upstream JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upstream/provider.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every commit handed out must be complete, NUL-terminated text. */
static int check(const provider_commit *c, void *ctx)
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
	return *n >= 50; /* exercise the early stop too */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	pdt_err rc = provider_parse_gitlab_commits((const char *)data, size, check, &n);
	if (rc != PDT_OK && rc != PDT_EINVAL)
		abort();
	if (rc == PDT_EINVAL && n != 0)
		abort(); /* a malformed page reports nothing */
	return 0;
}
