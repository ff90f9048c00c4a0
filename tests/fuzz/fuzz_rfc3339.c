/* Fuzz target: RFC 3339 timestamps as upstreams (GitHub, GitLab, Jira) send them. */
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
	int64_t t = 0;
	if (timeutil_parse_rfc3339(s, &t) == PDT_OK) {
		/* inside years 0000..9999, format then parse is the identity */
		char out[TIMEUTIL_RFC3339_LEN];
		int64_t back = 0;
		timeutil_format_rfc3339(t, out);
		if (timeutil_parse_rfc3339(out, &back) != PDT_OK)
			abort();
		if (t >= INT64_C(-62167219200) && t <= INT64_C(253402300799) && back != t)
			abort();
	}
	free(s);
	return 0;
}
