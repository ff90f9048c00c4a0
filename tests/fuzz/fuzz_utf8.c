/* Fuzz target: core/utf8 on arbitrary bytes (upstream messages are untrusted). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t n = utf8_valid_prefix(s, size);
	if (n > size)
		abort();
	/* the prefix is valid: jansson (a strict UTF-8 checker) takes it */
	json_t *j = json_stringn(s, n);
	if (!j)
		abort();
	json_decref(j);
	/* and it is the longest one: validating it again changes nothing */
	if (utf8_valid_prefix(s, n) != n)
		abort();
	return 0;
}
