#include "http/strict.h"

#include <string.h>
#include <strings.h>

#include "core/banned.h"

/* Content-Length digits kept: 19 always fit a uint64_t; more is refused
 * (no body pdt takes is anywhere near). */
#define CL_MAX_DIGITS 19

static bool refuse(http_strict *st, const char *msg)
{
	if (!st->error)
		st->error = msg;
	return false;
}

/* RFC 9110 §5.6.2 tchar. */
static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && strncasecmp(name, want, len) == 0;
}

/* Plain decimal digits, 1..CL_MAX_DIGITS of them, nothing else. */
static bool parse_cl(const char *v, size_t len, uint64_t *out)
{
	if (len == 0 || len > CL_MAX_DIGITS)
		return false;
	uint64_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	*out = n;
	return true;
}

void http_strict_init(http_strict *st)
{
	memset(st, 0, sizeof *st);
}

static bool check_framing(http_strict *st, const char *name, size_t name_len, const char *value,
			  size_t value_len)
{
	if (name_is(name, name_len, "Content-Length")) {
		uint64_t n = 0;
		if (!parse_cl(value, value_len, &n))
			return refuse(st, "invalid Content-Length");
		if (st->have_cl && n != st->cl)
			return refuse(st, "conflicting Content-Length headers");
		st->have_cl = true;
		st->cl = n;
	} else if (name_is(name, name_len, "Transfer-Encoding")) {
		/* A second Transfer-Encoding field means a coding list: not plain chunked. */
		if (st->have_te || !name_is(value, value_len, "chunked"))
			return refuse(st, "unsupported Transfer-Encoding");
		st->have_te = true;
	} else if (name_is(name, name_len, "Host")) {
		if (++st->hosts > 1)
			return refuse(st, "more than one Host header");
	}
	return true;
}

bool http_strict_field(http_strict *st, const char *name, size_t name_len, const char *value,
		       size_t value_len)
{
	if (st->error)
		return false;
	if (!name || name_len == 0)
		return refuse(st, "invalid header name");
	for (size_t i = 0; i < name_len; i++)
		if (!is_tchar((unsigned char)name[i]))
			return refuse(st, "invalid header name");
	if (!value && value_len)
		return refuse(st, "invalid header value");
	for (size_t i = 0; i < value_len; i++) {
		unsigned char c = (unsigned char)value[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return refuse(st, "invalid header value");
	}
	return check_framing(st, name, name_len, value ? value : "", value_len);
}

bool http_strict_finish(http_strict *st, bool http11)
{
	if (st->error)
		return false;
	if (st->have_cl && st->have_te)
		return refuse(st, "Content-Length with Transfer-Encoding");
	if (http11 && st->hosts == 0)
		return refuse(st, "missing Host header");
	return true;
}

/* One line of the head: [p, end) without its LF and the CR before it. Sets
 * *next past the LF; false when no LF is left in [p, hi). */
static bool next_line(const char *p, const char *hi, const char **end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(hi - p));
	if (!nl)
		return false;
	*next = nl + 1;
	*end = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* "method SP target SP version": the library's parse of this very line. */
static bool request_line_ok(const char *p, const char *end, const char *method,
			    size_t method_len, const char *target, size_t target_len,
			    bool *http11)
{
	size_t n = (size_t)(end - p);
	if (method_len == 0 || n < method_len + 1 + target_len ||
	    memcmp(p, method, method_len) != 0 || p[method_len] != ' ')
		return false;
	p += method_len;
	while (p < end && *p == ' ')
		p++;
	if ((size_t)(end - p) < target_len || memcmp(p, target, target_len) != 0)
		return false;
	p += target_len;
	if (p == end || *p != ' ')
		return false;
	while (p < end && *p == ' ')
		p++;
	*http11 = end - p == 8 && memcmp(p, "HTTP/1.1", 8) == 0;
	return true;
}

/* One field line [p, end): name, colon, blanks, value, blanks. */
static bool field_line(http_strict *st, const char *p, const char *end)
{
	if (is_blank(*p)) /* obs-fold (RFC 9112 §5.2) */
		return refuse(st, "invalid header field");
	const char *colon = memchr(p, ':', (size_t)(end - p));
	if (!colon)
		return refuse(st, "invalid header field");
	const char *v = colon + 1, *ve = end;
	while (v < ve && is_blank(*v))
		v++;
	while (ve > v && is_blank(ve[-1]))
		ve--;
	return http_strict_field(st, p, (size_t)(colon - p), v, (size_t)(ve - v));
}

bool http_strict_head(http_strict *st, const char *head, size_t len, const char *method,
		      size_t method_len, const char *target, size_t target_len)
{
	const char *p = head, *hi = head + len, *end, *next;
	bool http11 = false;
	http_strict_init(st);
	if (!head)
		return refuse(st, "invalid request");
	/* One empty line may come first (RFC 9112 §2.2; the library skips it). */
	if (p < hi && *p == '\n')
		p++;
	else if (hi - p >= 2 && p[0] == '\r' && p[1] == '\n')
		p += 2;
	if (!next_line(p, hi, &end, &next) ||
	    !request_line_ok(p, end, method, method_len, target, target_len, &http11))
		return refuse(st, "invalid request");
	for (p = next;; p = next) {
		if (!next_line(p, hi, &end, &next))
			return refuse(st, "invalid request");
		if (end == p)
			break; /* the empty line: end of the head */
		if (!field_line(st, p, end))
			return false;
	}
	return http_strict_finish(st, http11);
}
