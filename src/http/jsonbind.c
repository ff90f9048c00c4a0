#include "http/jsonbind.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

#define JSONBIND_DEFAULT_MAX 4096

pdt_err jsonbind_parse(const char *body, size_t len, json_t **out, char *err, size_t errlen)
{
	json_error_t jerr;
	*out = NULL;
	if (len == 0) {
		snprintf(err, errlen, "request body must be a JSON object");
		return PDT_EINVAL;
	}
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		snprintf(err, errlen, "invalid JSON body");
		return PDT_EINVAL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errlen, "request body must be a JSON object");
		return PDT_EINVAL;
	}
	*out = j;
	return PDT_OK;
}

static pdt_err bind_one(const json_t *v, const jsonbind_field *f, char *err, size_t errlen)
{
	switch (f->type) {
	case JSONBIND_STRING: {
		size_t max = f->max_len ? f->max_len : JSONBIND_DEFAULT_MAX;
		if (!json_is_string(v)) {
			snprintf(err, errlen, "%s must be a string", f->name);
			return PDT_EINVAL;
		}
		if (json_string_length(v) > max) {
			snprintf(err, errlen, "%s is too long (max %zu bytes)", f->name, max);
			return PDT_EINVAL;
		}
		*(const char **)f->out = json_string_value(v);
		return PDT_OK;
	}
	case JSONBIND_INT:
		if (!json_is_integer(v)) {
			snprintf(err, errlen, "%s must be an integer", f->name);
			return PDT_EINVAL;
		}
		*(int64_t *)f->out = (int64_t)json_integer_value(v);
		return PDT_OK;
	case JSONBIND_BOOL:
		if (!json_is_boolean(v)) {
			snprintf(err, errlen, "%s must be a boolean", f->name);
			return PDT_EINVAL;
		}
		*(bool *)f->out = json_is_true(v);
		return PDT_OK;
	}
	snprintf(err, errlen, "%s has an unsupported type", f->name);
	return PDT_EINVAL;
}

pdt_err jsonbind_fields(const json_t *obj, const jsonbind_field *fields, size_t n, char *err,
			size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const jsonbind_field *f = &fields[i];
		const json_t *v = json_object_get(obj, f->name);
		if (f->present)
			*f->present = false;
		if (!v || json_is_null(v)) {
			if (f->required) {
				snprintf(err, errlen, "%s is required", f->name);
				return PDT_EINVAL;
			}
			continue;
		}
		pdt_err rc = bind_one(v, f, err, errlen);
		if (rc)
			return rc;
		if (f->present)
			*f->present = true;
	}
	return PDT_OK;
}
