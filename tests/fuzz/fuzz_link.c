/* Fuzz target: Link header parsing (upstream response headers are untrusted). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upstream/link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *header, const char *rel)
{
	char *url = link_find(header, rel);
	if (!url)
		return;
	/* a found target is non-empty, taken verbatim from the header, and has no
	 * delimiter, space or control byte in it */
	if (!*url || !strstr(header, url))
		abort();
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == '>' || *p == 0x7f)
			abort();
	free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	check(s, "next");
	check(s, "last");
	check(s, "prev");
	free(s);
	return 0;
}
