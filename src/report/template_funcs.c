/*
 * template_funcs: Go text/template's built-in functions (text/template/
 * funcs.go) over jansson values, with Go's error messages. and/or are in
 * the table for their arity but evaluated by template_exec.c, because they
 * short-circuit: they must not evaluate the arguments they skip.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "report/template.h"
#include "report/template_int.h"
#include "core/banned.h"

__attribute__((format(printf, 2, 3))) static int fail(tmpl_fn_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->msg, c->msglen, fmt, ap);
	va_end(ap);
	return -1;
}

int tmpl_truth(const json_t *v)
{
	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_OBJECT: return json_object_size(v) > 0;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0;
	case JSON_TRUE: return 1;
	default: return 0;
	}
}

static int is_nil(const json_t *v)
{
	return !v || json_is_null(v);
}

/* A finished string result, charging one step per 256 bytes built. */
static int string_result(tmpl_fn_ctx *c, pdt_err rc, json_t **res)
{
	if (rc)
		return fail(c, "output too large");
	c->cost += c->scratch->len / 256;
	*res = json_stringn_nocheck(c->scratch->data ? c->scratch->data : "", c->scratch->len);
	return 0;
}

static int fn_printf(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	if (!json_is_string(argv[0]))
		return fail(c, "wrong type for value; expected string; got %s", tmpl_type_name(argv[0]));
	buf_reset(c->scratch);
	pdt_err rc = tmpl_fmt_printf(c->scratch, json_string_value(argv[0]), json_string_length(argv[0]),
				     argv + 1, argc - 1);
	return string_result(c, rc, res);
}

static int fn_print(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	buf_reset(c->scratch);
	return string_result(c, tmpl_fmt_print(c->scratch, argv, argc, 0), res);
}

static int fn_println(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	buf_reset(c->scratch);
	return string_result(c, tmpl_fmt_print(c->scratch, argv, argc, 1), res);
}

/* Go's evalArgs: one string as it is, otherwise fmt.Sprint of the
 * arguments with "<no value>" for a nil. Into c->scratch. */
static pdt_err eval_args(tmpl_fn_ctx *c, json_t **argv, int argc)
{
	buf_reset(c->scratch);
	if (argc == 1 && json_is_string(argv[0]))
		return buf_append(c->scratch, json_string_value(argv[0]), json_string_length(argv[0]));
	json_t *novalue = json_string("<no value>"), *small[16];
	json_t **args = argc <= 16 ? small : xmalloc((size_t)argc * sizeof *args);
	for (int i = 0; i < argc; i++)
		args[i] = is_nil(argv[i]) ? novalue : argv[i];
	pdt_err rc = tmpl_fmt_print(c->scratch, args, argc, 0);
	if (args != small)
		free(args);
	json_decref(novalue);
	return rc;
}

/* html (Go's HTMLEscapeString) and urlquery (url.QueryEscape). */
static int escaped(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res, int url)
{
	static const char hex[] = "0123456789ABCDEF";
	buf out = BUF_INIT(TMPL_MAX_OUTPUT);
	pdt_err rc = eval_args(c, argv, argc);
	const char *s = buf_str(c->scratch);
	for (size_t i = 0; i < c->scratch->len && !rc; i++) {
		unsigned char ch = (unsigned char)s[i];
		const char *e = NULL;
		char pct[4] = {'%', hex[ch >> 4], hex[ch & 15], '\0'};
		if (url) {
			if (ch == ' ')
				e = "+";
			else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
				   strchr("-_.~", ch)))
				e = pct;
		} else {
			e = ch == '"' ? "&#34;" : ch == '\'' ? "&#39;" : ch == '&' ? "&amp;" : ch == '<' ? "&lt;"
			  : ch == '>' ? "&gt;" : ch == 0 ? "\xef\xbf\xbd" : NULL;
		}
		rc = e ? buf_appends(&out, e) : buf_appendc(&out, (char)ch);
	}
	if (!rc) {
		buf_reset(c->scratch);
		rc = buf_append(c->scratch, out.data ? out.data : "", out.len);
	}
	buf_release(&out);
	return string_result(c, rc, res);
}

static int fn_html(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	return escaped(c, argv, argc, res, 0);
}

static int fn_urlquery(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	return escaped(c, argv, argc, res, 1);
}

static int fn_len(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	(void)argc;
	json_t *v = argv[0];
	size_t n;
	if (is_nil(v))
		return fail(c, "len of nil pointer");
	if (json_is_array(v))
		n = json_array_size(v);
	else if (json_is_object(v))
		n = json_object_size(v);
	else if (json_is_string(v))
		n = json_string_length(v);
	else
		return fail(c, "len of type %s", tmpl_type_name(v));
	*res = json_integer((json_int_t)n);
	return 0;
}

/* Go's indexArg: an int in [0, cap]. */
static int index_arg(tmpl_fn_ctx *c, const json_t *v, size_t cap, size_t *out)
{
	if (is_nil(v))
		return fail(c, "cannot index slice/array with nil");
	if (!json_is_integer(v))
		return fail(c, "cannot index slice/array with type %s", tmpl_type_name(v));
	json_int_t x = json_integer_value(v);
	if (x < 0 || (unsigned long long)x > cap)
		return fail(c, "index out of range: %lld", (long long)x);
	*out = (size_t)x;
	return 0;
}

static int index_one(tmpl_fn_ctx *c, json_t **item, const json_t *idx)
{
	json_t *v = *item;
	size_t x, len;
	if (is_nil(v))
		return fail(c, "index of nil pointer");
	if (json_is_object(v)) {
		if (is_nil(idx))
			return fail(c, "value is nil; should be of type string");
		if (!json_is_string(idx))
			return fail(c, "value has type %s; should be string", tmpl_type_name(idx));
		json_t *e = json_object_getn(v, json_string_value(idx), json_string_length(idx));
		*item = json_incref(e);
		json_decref(v);
		return 0;
	}
	if (!json_is_array(v) && !json_is_string(v))
		return fail(c, "can't index item of type %s", tmpl_type_name(v));
	len = json_is_array(v) ? json_array_size(v) : json_string_length(v);
	if (index_arg(c, idx, len, &x))
		return -1;
	if (x == len)
		return fail(c, "index out of range: %zu", x);
	if (json_is_array(v))
		*item = json_incref(json_array_get(v, x));
	else /* a string's element is a byte, which prints as a number */
		*item = json_integer((unsigned char)json_string_value(v)[x]);
	json_decref(v);
	return 0;
}

static int fn_index(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	if (is_nil(argv[0]))
		return fail(c, "index of untyped nil");
	json_t *item = json_incref(argv[0]);
	for (int i = 1; i < argc; i++)
		if (index_one(c, &item, argv[i])) {
			json_decref(item);
			return -1;
		}
	*res = item;
	return 0;
}

static int fn_slice(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	json_t *v = argv[0];
	size_t idx[3] = {0, 0, 0}, cap;
	if (is_nil(v))
		return fail(c, "slice of untyped nil");
	if (argc - 1 > 3)
		return fail(c, "too many slice indexes: %d", argc - 1);
	if (json_is_string(v)) {
		if (argc - 1 == 3)
			return fail(c, "cannot 3-index slice a string");
		cap = json_string_length(v);
	} else if (json_is_array(v)) {
		cap = json_array_size(v);
	} else {
		return fail(c, "can't slice item of type %s", tmpl_type_name(v));
	}
	idx[1] = cap;
	for (int i = 1; i < argc; i++)
		if (index_arg(c, argv[i], cap, &idx[i - 1]))
			return -1;
	if (idx[0] > idx[1])
		return fail(c, "invalid slice index: %zu > %zu", idx[0], idx[1]);
	if (argc - 1 == 3 && idx[1] > idx[2])
		return fail(c, "invalid slice index: %zu > %zu", idx[1], idx[2]);
	if (json_is_string(v)) {
		*res = json_stringn_nocheck(json_string_value(v) + idx[0], idx[1] - idx[0]);
		c->cost += (idx[1] - idx[0]) / 256;
		return 0;
	}
	json_t *a = json_array();
	for (size_t i = idx[0]; i < idx[1]; i++)
		json_array_append(a, json_array_get(v, i));
	c->cost += (idx[1] - idx[0]) / 16;
	*res = a;
	return 0;
}

static int fn_not(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	(void)c;
	(void)argc;
	*res = json_boolean(!tmpl_truth(argv[0]));
	return 0;
}

/* ---- comparisons (Go's basicKind) ---- */

enum kind { K_NIL, K_BOOL, K_NUM, K_STRING, K_OTHER };

static enum kind kind_of(const json_t *v)
{
	if (is_nil(v))
		return K_NIL;
	if (json_is_boolean(v))
		return K_BOOL;
	if (json_is_number(v))
		return K_NUM;
	if (json_is_string(v))
		return K_STRING;
	return K_OTHER;
}

/* -1, 0, 1 for numbers or strings of one kind. Ints compare exactly. */
static int compare(const json_t *a, const json_t *b)
{
	if (json_is_string(a)) {
		size_t na = json_string_length(a), nb = json_string_length(b);
		int r = memcmp(json_string_value(a), json_string_value(b), na < nb ? na : nb);
		return r ? (r < 0 ? -1 : 1) : na < nb ? -1 : na > nb;
	}
	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b);
		return x < y ? -1 : x > y;
	}
	double x = json_number_value(a), y = json_number_value(b);
	return x < y ? -1 : x > y;
}

static int eq2(tmpl_fn_ctx *c, const json_t *a, const json_t *b, int *truth)
{
	enum kind ka = kind_of(a), kb = kind_of(b);
	*truth = 0;
	if (ka != kb) {
		if (ka != K_NIL && kb != K_NIL)
			return fail(c, "incompatible types for comparison");
		return 0;
	}
	switch (ka) {
	case K_NIL: *truth = 1; return 0;
	case K_BOOL: *truth = json_is_true(a) == json_is_true(b); return 0;
	case K_NUM:
	case K_STRING: *truth = compare(a, b) == 0; return 0;
	default: return fail(c, "non-comparable type %s", tmpl_type_name(b));
	}
}

static int fn_eq(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	int truth = 0;
	if (argc < 2)
		return fail(c, "missing argument for comparison");
	for (int i = 1; i < argc && !truth; i++)
		if (eq2(c, argv[0], argv[i], &truth))
			return -1;
	*res = json_boolean(truth);
	return 0;
}

static int fn_ne(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	int truth;
	(void)argc;
	if (eq2(c, argv[0], argv[1], &truth))
		return -1;
	*res = json_boolean(!truth);
	return 0;
}

/* lt: -1 wanted; le: -1 or 0; gt: 1; ge: 1 or 0. */
static int order(tmpl_fn_ctx *c, json_t **argv, int lo, int hi, json_t **res)
{
	enum kind ka = kind_of(argv[0]), kb = kind_of(argv[1]);
	if (ka == K_NIL || ka == K_OTHER || kb == K_NIL || kb == K_OTHER)
		return fail(c, "invalid type for comparison");
	if (ka != kb)
		return fail(c, "incompatible types for comparison");
	if (ka == K_BOOL)
		return fail(c, "invalid type for comparison");
	int r = compare(argv[0], argv[1]);
	*res = json_boolean(r >= lo && r <= hi);
	return 0;
}

static int fn_lt(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	(void)argc;
	return order(c, argv, -1, -1, res);
}

static int fn_le(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	(void)argc;
	return order(c, argv, -1, 0, res);
}

static int fn_gt(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	(void)argc;
	return order(c, argv, 1, 1, res);
}

static int fn_ge(tmpl_fn_ctx *c, json_t **argv, int argc, json_t **res)
{
	(void)argc;
	return order(c, argv, 0, 1, res);
}

static const tmpl_func funcs[] = {
	{"and", 1, -1, NULL},        {"or", 1, -1, NULL},
	{"not", 1, 1, fn_not},       {"len", 1, 1, fn_len},
	{"index", 1, -1, fn_index},  {"slice", 1, -1, fn_slice},
	{"printf", 1, -1, fn_printf}, {"print", 0, -1, fn_print},
	{"println", 0, -1, fn_println}, {"html", 0, -1, fn_html},
	{"urlquery", 0, -1, fn_urlquery},
	{"eq", 1, -1, fn_eq},        {"ne", 2, 2, fn_ne},
	{"lt", 2, 2, fn_lt},         {"le", 2, 2, fn_le},
	{"gt", 2, 2, fn_gt},         {"ge", 2, 2, fn_ge},
};

int tmpl_func_lookup(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof funcs / sizeof *funcs; i++)
		if (strlen(funcs[i].name) == n && memcmp(funcs[i].name, name, n) == 0)
			return (int)i;
	return -1;
}

const tmpl_func *tmpl_func_get(int i)
{
	return &funcs[i];
}
