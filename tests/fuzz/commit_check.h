#ifndef PDT_FUZZ_COMMIT_CHECK_H
#define PDT_FUZZ_COMMIT_CHECK_H
/* What every commit-listing fuzz target checks of each commit a parser hands
 * out (fuzz_{github,gitlab}_{commits,compare}.c): complete, NUL-terminated
 * text, the message without its trailing newline. ctx counts the commits;
 * after 50 the callback asks to stop, so the early stop is exercised too. */
#include <stdlib.h>
#include <string.h>

#include "upstream/provider.h"

static int fuzz_commit_check(const provider_commit *c, void *ctx)
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

#endif
