#ifndef PDT_HTTP_JSONBIND_H
#define PDT_HTTP_JSONBIND_H
/*
 * jsonbind: parse an untrusted request body into a JSON object and bind its
 * fields to C variables by a small schema, with the type and length checks a
 * handler would otherwise repeat. Unknown fields are ignored (the front end
 * may send more than we read).
 *
 * Ownership: jsonbind_parse returns a new reference (caller json_decref's).
 * String outputs are borrowed from the object and live as long as it does.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef enum jsonbind_type { JSONBIND_STRING, JSONBIND_INT, JSONBIND_BOOL } jsonbind_type;

typedef struct jsonbind_field {
	const char *name;
	jsonbind_type type;
	bool required;   /* absent or null -> error */
	size_t max_len;  /* strings: max bytes (0 = 4096) */
	void *out;       /* const char ** | int64_t * | bool * */
	bool *present;   /* optional: set true when the field was given (non-null) */
} jsonbind_field;

/*
 * Parses body (len bytes, not necessarily NUL-terminated). The top level must
 * be an object. PDT_EINVAL with a client-facing message in err otherwise.
 */
pdt_err jsonbind_parse(const char *body, size_t len, json_t **out, char *err, size_t errlen);

/*
 * Binds fields from obj. A null value counts as absent. PDT_EINVAL with a
 * message naming the field ("email must be a string", "email is required",
 * "email is too long") on the first problem; outputs of later fields are then
 * untouched.
 */
pdt_err jsonbind_fields(const json_t *obj, const jsonbind_field *fields, size_t n, char *err,
			size_t errlen);

#endif
