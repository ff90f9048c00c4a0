/* Fuzz target: .env file parsing (a file a user edits by hand). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_pair(const char *key, const char *value, void *ctx)
{
	size_t *count = ctx;
	/* keys are [A-Za-z_][A-Za-z0-9_]* */
	if (!key[0] || strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789_") != strlen(key))
		abort();
	(void)value;
	(*count)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	size_t count = 0;
	char err[256];
	if (config_parse_dotenv(s, size, check_pair, &count, err, sizeof err) != PDT_OK &&
	    strncmp(err, "line ", 5) != 0)
		abort();
	free(s);
	return 0;
}
