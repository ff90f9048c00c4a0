/*
 * Fuzz target: Jira rich text (a description or comment body: a string or an
 * Atlassian Document Format tree), untrusted upstream JSON. The first byte
 * picks the output cap (small caps exercise the cut); the rest is the JSON.
 * The text must stay within the cap and be valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/utf8.h"
#include "upstream/adf.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t max = data[0] % 8 == 0 ? ADF_TEXT_MAX : (size_t)data[0] / 4;
	json_t *v = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
	char *out = adf_to_text(v, max);
	size_t n = strlen(out);
	if (n > max || utf8_valid_prefix(out, n) != n)
		abort();
	free(out);
	json_decref(v);
	return 0;
}
