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

void http_strict_raw(http_strict *st, const char *block, size_t len)
{
	st->raw = block != NULL;
	st->raw_lo = (uintptr_t)block;
	st->raw_hi = (uintptr_t)block + len;
}

/* [lo, hi) holds only NULs, between min and max of them. */
static bool only_nuls(uintptr_t lo, uintptr_t hi, size_t min, size_t max)
{
	if (hi < lo || hi - lo < min || hi - lo > max)
		return false;
	for (const char *p = (const char *)lo; p < (const char *)hi; p++)
		if (*p != '\0')
			return false;
	return true;
}

/* The field sits in the raw block after the previous one, with nothing but
 * line-end NULs before it and the colon's NUL and blanks between its name and
 * its value. See the header. */
static bool raw_layout_ok(http_strict *st, const char *name, size_t name_len, const char *value,
			  size_t value_len)
{
	uintptr_t n = (uintptr_t)name, n_end = n + name_len;
	uintptr_t v = (uintptr_t)value, v_end = v + value_len;
	if (n < st->raw_lo || n_end >= st->raw_hi || v <= n_end || v_end > st->raw_hi)
		return false;
	if (st->prev_end && !only_nuls(st->prev_end, n, 1, 2))
		return false;
	if (*(const char *)n_end != '\0')
		return false;
	for (const char *p = (const char *)n_end + 1; p < value; p++)
		if (*p != ' ' && *p != '\t')
			return false;
	st->prev_end = v_end;
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
	if (st->raw && (!value || !raw_layout_ok(st, name, name_len, value, value_len)))
		return refuse(st, "invalid header field");
	return check_framing(st, name, name_len, value ? value : "", value_len);
}

bool http_strict_finish(http_strict *st, bool http11)
{
	if (st->error)
		return false;
	if (st->raw && st->prev_end && !only_nuls(st->prev_end, st->raw_hi, 2, 4))
		return refuse(st, "invalid header field");
	if (st->have_cl && st->have_te)
		return refuse(st, "Content-Length with Transfer-Encoding");
	if (http11 && st->hosts == 0)
		return refuse(st, "missing Host header");
	return true;
}
