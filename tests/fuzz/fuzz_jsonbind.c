/* Fuzz target: request body -> JSON object -> field binding (the register,
 * profile and repository schemas together). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "http/jsonbind.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = NULL;
	char err[160];
	const char *email = NULL, *password = NULL, *name = NULL, *url = NULL;
	int64_t n = 0;
	bool b = false, present = false;
	const jsonbind_field f[] = {
		{"email", JSONBIND_STRING, true, 254, &email, NULL},
		{"password", JSONBIND_STRING, false, 72, &password, NULL},
		{"name", JSONBIND_STRING, false, 0, &name, &present},
		{"url", JSONBIND_STRING, false, 512, &url, NULL},
		{"n", JSONBIND_INT, false, 0, &n, NULL},
		{"b", JSONBIND_BOOL, false, 0, &b, NULL},
	};
	if (jsonbind_parse((const char *)data, size, &j, err, sizeof err) == PDT_OK) {
		jsonbind_fields(j, f, sizeof f / sizeof f[0], err, sizeof err);
		json_decref(j);
	}
	return 0;
}
