/*
 * template_fmt: Go's fmt as templates see it (fmt/print.go, fmt/format.go)
 * for the value kinds a jansson value has: int (json integer), float64
 * (json real), string, bool, nil, []interface {} (array) and
 * map[string]interface {} (object, printed in sorted key order).
 * Writes go through a sticky-error writer so the formatting code reads as
 * Go's does; the first failed append (the buffer's cap) is what returns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"
#include "report/template.h"
#include "report/template_int.h"
#include "core/banned.h"

#define FMT_MAX_DEPTH 256 /* nested arrays/objects printed before "..." */
#define FMT_TOO_LARGE 1000000 /* Go's tooLarge for widths and precisions */

typedef struct fout {
	buf *b;
	pdt_err rc;
} fout;

typedef struct spec {
	int minus, plus, space, zero, sharp;
	int wid, prec; /* -1 when absent */
} spec;

static void put(fout *o, const char *s, size_t n)
{
	if (!o->rc)
		o->rc = buf_append(o->b, s, n);
}

static void puts_(fout *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putc_(fout *o, char c)
{
	put(o, &c, 1);
}

static void put_pad(fout *o, size_t n, char c)
{
	char chunk[64];
	memset(chunk, c, sizeof chunk);
	while (n && !o->rc) {
		size_t k = n < sizeof chunk ? n : sizeof chunk;
		put(o, chunk, k);
		n -= k;
	}
}

static size_t rune_count(const char *s, size_t n)
{
	size_t r = 0;
	for (size_t i = 0; i < n; i++)
		r += ((unsigned char)s[i] & 0xC0) != 0x80;
	return r;
}

/* Go's fmt.pad: width counts runes; '-' pads right, '0' left with zeros. */
static void pad(fout *o, const spec *sp, const char *s, size_t n)
{
	size_t runes = rune_count(s, n);
	size_t fill = sp->wid > 0 && (size_t)sp->wid > runes ? (size_t)sp->wid - runes : 0;
	if (!sp->minus)
		put_pad(o, fill, sp->zero ? '0' : ' ');
	put(o, s, n);
	if (sp->minus)
		put_pad(o, fill, ' ');
}

static void pads(fout *o, const spec *sp, const char *s)
{
	pad(o, sp, s, strlen(s));
}

const char *tmpl_type_name(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT: return "map[string]interface {}";
	case JSON_ARRAY: return "[]interface {}";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "int";
	case JSON_REAL: return "float64";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	default: return "<nil>";
	}
}

static void fmt_arg(fout *o, const spec *sp, const json_t *v, char verb, int depth);

/* %!d(string=x): Go's badVerb, the value printed with %v and our flags. */
static void bad_verbn(fout *o, const spec *sp, const json_t *v, const char *verb, size_t vn)
{
	puts_(o, "%!");
	put(o, verb, vn);
	putc_(o, '(');
	if (v && !json_is_null(v)) {
		puts_(o, tmpl_type_name(v));
		putc_(o, '=');
		fmt_arg(o, sp, v, 'v', 1);
	} else {
		puts_(o, "<nil>");
	}
	putc_(o, ')');
}

static void bad_verb(fout *o, const spec *sp, const json_t *v, char verb)
{
	bad_verbn(o, sp, v, &verb, 1);
}

/* ---- integers (Go's fmtInteger) ---- */

static void put_rune_utf8(char *u, size_t *n, long r)
{
	if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000))
		r = 0xFFFD;
	if (r < 0x80) {
		u[0] = (char)r;
		*n = 1;
	} else if (r < 0x800) {
		u[0] = (char)(0xC0 | (r >> 6));
		u[1] = (char)(0x80 | (r & 0x3F));
		*n = 2;
	} else if (r < 0x10000) {
		u[0] = (char)(0xE0 | (r >> 12));
		u[1] = (char)(0x80 | ((r >> 6) & 0x3F));
		u[2] = (char)(0x80 | (r & 0x3F));
		*n = 3;
	} else {
		u[0] = (char)(0xF0 | (r >> 18));
		u[1] = (char)(0x80 | ((r >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((r >> 6) & 0x3F));
		u[3] = (char)(0x80 | (r & 0x3F));
		*n = 4;
	}
}

static void fmt_char(fout *o, const spec *sp, json_int_t i, char verb)
{
	char u[16];
	size_t n;
	if (verb == 'U') {
		int k = snprintf(u, sizeof u, "U+%04llX", (unsigned long long)(i < 0 ? 0xFFFD : i));
		pad(o, sp, u, (size_t)k);
		return;
	}
	put_rune_utf8(verb == 'q' ? u + 1 : u, &n, (long)(i > 0x10FFFF || i < 0 ? -1 : i));
	if (verb == 'q') {
		u[0] = '\'';
		u[n + 1] = '\'';
		n += 2;
	}
	pad(o, sp, u, n);
}

/* Sign, base prefix and at least prec digits of i (Go's fmtInteger). */
static void integer_text(fout *w, const spec *s, json_int_t i, char verb, int prec)
{
	int base = verb == 'b' ? 2 : (verb == 'o' || verb == 'O') ? 8 : (verb == 'x' || verb == 'X') ? 16 : 10;
	const char *dig = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned long long u = i < 0 ? 0ull - (unsigned long long)i : (unsigned long long)i;
	char digits[70], head[4];
	size_t nd = 0, n = 0;
	do {
		digits[nd++] = dig[u % (unsigned)base];
		u /= (unsigned)base;
	} while (u);
	if (i < 0 || s->plus || s->space)
		head[n++] = i < 0 ? '-' : s->plus ? '+' : ' ';
	if (verb == 'O' || (s->sharp && base != 10 && (base != 8 || i != 0)))
		head[n++] = '0';
	if (verb == 'O')
		head[n++] = 'o';
	else if (s->sharp && (base == 2 || base == 16))
		head[n++] = base == 2 ? 'b' : verb;
	put(w, head, n);
	if (prec > 0 && (size_t)prec > nd)
		put_pad(w, (size_t)prec - nd, '0');
	while (nd)
		putc_(w, digits[--nd]);
}

static void fmt_integer(fout *o, const spec *sp, json_int_t i, char verb)
{
	if (verb == 'c' || verb == 'q' || verb == 'U') {
		fmt_char(o, sp, i, verb);
		return;
	}
	spec s = *sp;
	int prec = 0;
	if (s.prec >= 0) {
		if (s.prec == 0 && i == 0) { /* Go prints nothing but the padding */
			s.zero = 0;
			pad(o, &s, "", 0);
			return;
		}
		prec = s.prec;
	} else if (s.zero && !s.minus && s.wid > 0) { /* %05d: zeros after the sign */
		prec = s.wid - (i < 0 || s.plus || s.space);
	}
	buf work = BUF_INIT(TMPL_MAX_OUTPUT);
	fout w = {&work, PDT_OK};
	integer_text(&w, &s, i, verb, prec);
	s.zero = 0;
	if (w.rc)
		o->rc = w.rc;
	else
		pad(o, &s, work.data, work.len);
	buf_release(&work);
}

/* ---- floats (Go's fmtFloat over strconv.FormatFloat) ---- */

/* The shortest digits that read back as v (v finite, >= 0): "15", exp 0. */
static void shortest(double v, char *digits, size_t cap, int *exp10)
{
	char tmp[48];
	for (int p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	size_t n = 0;
	const char *s = tmp;
	for (; *s && *s != 'e' && n + 1 < cap; s++)
		if (*s != '.')
			digits[n++] = *s;
	digits[n] = '\0';
	*exp10 = (int)strtol(s + 1, NULL, 10);
}

/* strconv.FormatFloat(v, 'g' or 'G', -1, 64), without the sign. */
static void format_shortest(buf *w, double v, char verb)
{
	char d[32];
	int e;
	shortest(v, d, sizeof d, &e);
	size_t nd = strlen(d);
	if (e < -4 || e >= 6) { /* Go's %v: exponent form outside [1e-4, 1e6) */
		buf_appendc(w, d[0]);
		if (nd > 1) {
			buf_appendc(w, '.');
			buf_appends(w, d + 1);
		}
		buf_appendf(w, "%c%c%02d", verb == 'G' ? 'E' : 'e', e < 0 ? '-' : '+', e < 0 ? -e : e);
	} else if (e < 0) {
		buf_appends(w, "0.");
		for (int k = -1; k > e; k--)
			buf_appendc(w, '0');
		buf_appends(w, d);
	} else {
		for (int k = 0; k <= e; k++)
			buf_appendc(w, (size_t)k < nd ? d[k] : '0');
		if ((size_t)e + 1 < nd) {
			buf_appendc(w, '.');
			buf_appends(w, d + e + 1);
		}
	}
}

/* The number without its sign, as strconv would write it. */
static void format_float(buf *w, double a, char verb, int prec)
{
	switch (verb) {
	case 'e': buf_appendf(w, "%.*e", prec < 0 ? 6 : prec, a); break;
	case 'E': buf_appendf(w, "%.*E", prec < 0 ? 6 : prec, a); break;
	case 'f': case 'F': buf_appendf(w, "%.*f", prec < 0 ? 6 : prec, a); break;
	case 'x': buf_appendf(w, "%.*a", prec < 0 ? 13 : prec, a); break;
	case 'X': buf_appendf(w, "%.*A", prec < 0 ? 13 : prec, a); break;
	case 'G':
		if (prec >= 0)
			buf_appendf(w, "%.*G", prec, a);
		else
			format_shortest(w, a, verb);
		break;
	default:
		if (prec >= 0)
			buf_appendf(w, "%.*g", prec, a);
		else
			format_shortest(w, a, verb);
	}
}

static void fmt_float(fout *o, const spec *sp, double v, char verb)
{
	if (verb == 'v')
		verb = 'g';
	if (isinf(v) || isnan(v)) {
		/* Go writes +Inf even without the '+' flag */
		const char *s = isnan(v) ? (sp->plus ? "+NaN" : sp->space ? " NaN" : "NaN")
			      : v > 0 ? (sp->space && !sp->plus ? " Inf" : "+Inf") : "-Inf";
		spec s2 = *sp;
		s2.zero = 0;
		pads(o, &s2, s);
		return;
	}
	buf num = BUF_INIT(FMT_TOO_LARGE + 400);
	char sign = signbit(v) ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	if (sign)
		buf_appendc(&num, sign);
	format_float(&num, fabs(v), verb, sp->prec);
	const char *s = buf_str(&num);
	size_t n = num.len;
	if (sign && sp->zero && !sp->minus && sp->wid > 0 && (size_t)sp->wid > n) {
		/* zero padding goes between the sign and the digits */
		putc_(o, s[0]);
		put_pad(o, (size_t)sp->wid - n, '0');
		put(o, s + 1, n - 1);
	} else {
		pad(o, sp, s, n);
	}
	buf_release(&num);
}

/* ---- strings ---- */

/* Go's strconv.Quote, keeping valid printable UTF-8 as it is. */
static pdt_err quote(buf *w, const char *s, size_t n)
{
	pdt_err rc = buf_appendc(w, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		switch (c) {
		case '\a': esc = "\\a"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\v': esc = "\\v"; break;
		case '\\': esc = "\\\\"; break;
		case '"': esc = "\\\""; break;
		default: break;
		}
		if (rc)
			break;
		if (esc)
			rc = buf_appends(w, esc);
		else if (c < 0x20 || c == 0x7f)
			rc = buf_appendf(w, "\\x%02x", c);
		else if (c < 0x80)
			rc = buf_appendc(w, (char)c);
		else {
			size_t len = c >= 0xF8 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
			if (!len || i + len > n || utf8_valid_prefix(s + i, len) != len) {
				rc = buf_appendf(w, "\\x%02x", c);
				continue;
			}
			rc = buf_append(w, s + i, len);
			i += len - 1;
		}
	}
	return rc ? rc : buf_appendc(w, '"');
}

static void fmt_string(fout *o, const spec *sp, const char *s, size_t n, char verb)
{
	if (verb == 'v' || verb == 's') {
		if (sp->prec >= 0) { /* precision cuts runes */
			size_t runes = 0, i = 0;
			for (; i < n; i++) {
				if (((unsigned char)s[i] & 0xC0) != 0x80 && runes++ == (size_t)sp->prec)
					break;
			}
			n = i;
		}
		pad(o, sp, s, n);
		return;
	}
	buf w = BUF_INIT(TMPL_MAX_OUTPUT);
	if (verb == 'q') {
		if (quote(&w, s, n))
			o->rc = PDT_ETOOBIG;
	} else { /* x, X */
		if (sp->sharp && n)
			buf_appends(&w, verb == 'X' ? "0X" : "0x");
		pdt_err rc = PDT_OK;
		for (size_t i = 0; i < n && !rc; i++) {
			if (sp->space && i)
				rc = buf_appends(&w, sp->sharp ? (verb == 'X' ? " 0X" : " 0x") : " ");
			if (!rc)
				rc = buf_appendf(&w, verb == 'X' ? "%02X" : "%02x", (unsigned char)s[i]);
		}
		if (rc)
			o->rc = rc; /* never a silently shortened result */
	}
	pad(o, sp, buf_str(&w), w.len);
	buf_release(&w);
}

/* ---- any value ---- */

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void fmt_object(fout *o, const spec *sp, const json_t *v, char verb, int depth)
{
	size_t n = json_object_size(v), k = 0;
	const char **keys = xmalloc((n ? n : 1) * sizeof *keys);
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)v, key, val)
		keys[k++] = key;
	qsort(keys, k, sizeof *keys, cmp_keys);
	puts_(o, "map[");
	for (size_t i = 0; i < k && !o->rc; i++) {
		if (i)
			putc_(o, ' ');
		json_t *ks = json_string_nocheck(keys[i]);
		fmt_arg(o, sp, ks, verb, depth + 1);
		json_decref(ks);
		putc_(o, ':');
		fmt_arg(o, sp, json_object_get(v, keys[i]), verb, depth + 1);
	}
	putc_(o, ']');
	free(keys);
}

/* bool, int, float64 or string with a verb their Go type accepts. */
static void fmt_scalar(fout *o, const spec *sp, const json_t *v, char verb)
{
	switch (json_typeof(v)) {
	case JSON_TRUE:
	case JSON_FALSE:
		if (verb == 'v' || verb == 't')
			pads(o, sp, json_is_true(v) ? "true" : "false");
		else
			bad_verb(o, sp, v, verb);
		return;
	case JSON_INTEGER:
		if (strchr("vdbcoOqxXU", verb))
			fmt_integer(o, sp, json_integer_value(v), verb == 'v' ? 'd' : verb);
		else
			bad_verb(o, sp, v, verb);
		return;
	case JSON_REAL:
		if (strchr("veEfFgGxX", verb))
			fmt_float(o, sp, json_real_value(v), verb);
		else
			bad_verb(o, sp, v, verb);
		return;
	default:
		if (strchr("vsqxX", verb))
			fmt_string(o, sp, json_string_value(v), json_string_length(v), verb);
		else
			bad_verb(o, sp, v, verb);
	}
}

/* Go's printArg/printValue: containers apply the verb to each element. */
static void fmt_arg(fout *o, const spec *sp, const json_t *v, char verb, int depth)
{
	if (depth > FMT_MAX_DEPTH) {
		puts_(o, "...");
		return;
	}
	if (!v || json_is_null(v)) {
		if (depth > 0)
			puts_(o, "<nil>");
		else if (verb == 'v' || verb == 'T')
			pads(o, sp, "<nil>");
		else
			bad_verb(o, sp, v, verb);
		return;
	}
	if (verb == 'T') {
		pads(o, sp, tmpl_type_name(v));
		return;
	}
	if (json_is_object(v)) {
		fmt_object(o, sp, v, verb, depth);
		return;
	}
	if (!json_is_array(v)) {
		fmt_scalar(o, sp, v, verb);
		return;
	}
	putc_(o, '[');
	for (size_t i = 0; i < json_array_size(v) && !o->rc; i++) {
		if (i)
			putc_(o, ' ');
		fmt_arg(o, sp, json_array_get(v, i), verb, depth + 1);
	}
	putc_(o, ']');
}

static const spec no_flags = {0, 0, 0, 0, 0, -1, -1};

pdt_err tmpl_fmt_value(buf *b, const json_t *v)
{
	fout o = {b, PDT_OK};
	fmt_arg(&o, &no_flags, v, 'v', 0);
	return o.rc;
}

pdt_err tmpl_fmt_print(buf *b, json_t **argv, int argc, int ln)
{
	fout o = {b, PDT_OK};
	int prev_string = 0;
	for (int i = 0; i < argc; i++) {
		int is_string = json_is_string(argv[i]);
		if (i > 0 && (ln || (!is_string && !prev_string)))
			putc_(&o, ' ');
		fmt_arg(&o, &no_flags, argv[i], 'v', 0);
		prev_string = is_string;
	}
	if (ln)
		putc_(&o, '\n');
	return o.rc;
}

/* ---- Printf ---- */

/* A width or precision: digits, or '*' taking an int argument. */
static int parse_num(const char *f, size_t n, size_t *i, json_t **argv, int argc, int *argi, int *val,
		     int *bad)
{
	if (*i < n && f[*i] == '*') {
		(*i)++;
		json_t *a = *argi < argc ? argv[(*argi)++] : NULL;
		if (!json_is_integer(a) || json_integer_value(a) > FMT_TOO_LARGE ||
		    json_integer_value(a) < -FMT_TOO_LARGE) {
			*bad = 1;
			return 0;
		}
		*val = (int)json_integer_value(a);
		return 1;
	}
	long num = 0;
	int any = 0;
	for (; *i < n && f[*i] >= '0' && f[*i] <= '9'; (*i)++) {
		if (num > FMT_TOO_LARGE)
			return -1;
		num = num * 10 + (f[*i] - '0');
		any = 1;
	}
	*val = (int)num;
	return any;
}

static void flags(const char *f, size_t n, size_t *i, spec *sp)
{
	for (; *i < n; (*i)++) {
		switch (f[*i]) {
		case '#': sp->sharp = 1; break;
		case '0': sp->zero = !sp->minus; break;
		case '+': sp->plus = 1; break;
		case '-': sp->minus = 1; sp->zero = 0; break;
		case ' ': sp->space = 1; break;
		default: return;
		}
	}
}

static void extra_args(fout *o, json_t **argv, int argc, int argi)
{
	puts_(o, "%!(EXTRA ");
	for (int k = argi; k < argc; k++) {
		if (k > argi)
			puts_(o, ", ");
		if (!argv[k] || json_is_null(argv[k])) {
			puts_(o, "<nil>");
			continue;
		}
		puts_(o, tmpl_type_name(argv[k]));
		putc_(o, '=');
		fmt_arg(o, &no_flags, argv[k], 'v', 0);
	}
	putc_(o, ')');
}

/* Width and precision into sp; -1 when a number is too long (Go then
 * gives up on the rest of the format). */
static int width_prec(fout *o, const char *f, size_t n, size_t *i, json_t **argv, int argc, int *argi,
		      spec *sp)
{
	int bad = 0, r = parse_num(f, n, i, argv, argc, argi, &sp->wid, &bad);
	if (r < 0)
		return -1;
	if (r > 0 && sp->wid < 0) { /* from '*': negative means left-justify */
		sp->minus = 1;
		sp->zero = 0;
		sp->wid = -sp->wid;
	}
	if (!r)
		sp->wid = -1;
	if (bad)
		puts_(o, "%!(BADWIDTH)");
	if (*i >= n || f[*i] != '.')
		return 0;
	(*i)++;
	bad = 0;
	r = parse_num(f, n, i, argv, argc, argi, &sp->prec, &bad);
	if (r < 0)
		return -1;
	if (bad || sp->prec < 0) {
		puts_(o, "%!(BADPREC)");
		sp->prec = -1;
	} else if (!r) {
		sp->prec = 0; /* "%.f": precision 0 */
	}
	return 0;
}

/* One directive after '%'; returns 0 to go on, 1 when the format is used up. */
static int directive(fout *o, const char *f, size_t n, size_t *i, json_t **argv, int argc, int *argi)
{
	spec sp = no_flags;
	flags(f, n, i, &sp);
	if (width_prec(o, f, n, i, argv, argc, argi, &sp) || *i >= n) {
		puts_(o, "%!(NOVERB)");
		return 1;
	}
	char verb = f[(*i)++];
	if (verb == '%') {
		putc_(o, '%');
		return 0;
	}
	size_t vstart = *i - 1;
	if ((unsigned char)verb >= 0x80 || verb == '\0') /* no verb of Go's: keep the whole rune */
		while (*i < n && ((unsigned char)f[*i] & 0xC0) == 0x80)
			(*i)++;
	if (*argi >= argc) {
		puts_(o, "%!");
		put(o, f + vstart, *i - vstart);
		puts_(o, "(MISSING)");
		return 0;
	}
	if (*i - vstart > 1 || verb == '\0')
		bad_verbn(o, &sp, argv[(*argi)++], f + vstart, *i - vstart);
	else
		fmt_arg(o, &sp, argv[(*argi)++], verb, 0);
	return 0;
}

pdt_err tmpl_fmt_printf(buf *b, const char *f, size_t n, json_t **argv, int argc)
{
	fout o = {b, PDT_OK};
	int argi = 0;
	size_t i = 0;
	while (i < n && !o.rc) {
		const char *pct = memchr(f + i, '%', n - i);
		size_t lit = pct ? (size_t)(pct - (f + i)) : n - i;
		put(&o, f + i, lit);
		i += lit;
		if (!pct)
			break;
		i++;
		if (directive(&o, f, n, &i, argv, argc, &argi))
			break;
	}
	if (argi < argc)
		extra_args(&o, argv, argc, argi);
	return o.rc;
}
