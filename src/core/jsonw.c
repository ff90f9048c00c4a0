#include "core/jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/banned.h"

pdt_err jsonw_raw(buf *b, const char *text)
{
	return buf_appends(b, text);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned c = p[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))
			return 0; /* overlong, or a UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
			return 0;
		return 4;
	}
	return 0;
}

static pdt_err escape_byte(buf *b, unsigned char c)
{
	switch (c) {
	case '"': return buf_append(b, "\\\"", 2);
	case '\\': return buf_append(b, "\\\\", 2);
	case '\n': return buf_append(b, "\\n", 2);
	case '\r': return buf_append(b, "\\r", 2);
	case '\t': return buf_append(b, "\\t", 2);
	default: return buf_appendf(b, "\\u%04x", c);
	}
}

pdt_err jsonw_str(buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	pdt_err rc = buf_appendc(b, '"');
	while (!rc && *p) {
		const unsigned char *run = p;
		/* Copy the longest run that needs no escaping in one append. */
		while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			rc = buf_append(b, run, (size_t)(p - run));
		if (rc || !*p)
			break;
		if (*p < 0x80) {
			rc = escape_byte(b, *p++);
			continue;
		}
		size_t n = utf8_len(p);
		if (n) {
			rc = buf_append(b, p, n);
			p += n;
		} else {
			rc = buf_append(b, "\\ufffd", 6);
			p++;
		}
	}
	return rc ? rc : buf_appendc(b, '"');
}

pdt_err jsonw_key(buf *b, const char *name)
{
	pdt_err rc = jsonw_str(b, name);
	return rc ? rc : buf_appendc(b, ':');
}

pdt_err jsonw_int(buf *b, int64_t v)
{
	return buf_appendf(b, "%" PRId64, v);
}

pdt_err jsonw_bool(buf *b, bool v)
{
	return v ? buf_append(b, "true", 4) : buf_append(b, "false", 5);
}

pdt_err jsonw_time(buf *b, int64_t unix_s)
{
	if (unix_s == 0)
		return buf_append(b, "null", 4);
	char ts[TIMEUTIL_RFC3339_LEN];
	timeutil_format_rfc3339(unix_s, ts);
	return jsonw_str(b, ts);
}
