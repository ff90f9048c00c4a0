/* Fuzz target: Go duration parsing (config values, untrusted .env files). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	int64_t ns = 0;
	if (timeutil_parse_duration(s, &ns) == PDT_OK) {
		/* the sign of the result follows the sign of the text */
		if (s[0] == '-' ? ns > 0 : ns < 0)
			abort();
	}
	free(s);
	return 0;
}
