#include "upstream/link.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/banned.h"

/* Longest relation-type list we compare; longer rel values never match. */
#define LINK_REL_MAX 256

/* A cursor over the header; `bad` latches on the first syntax error. */
typedef struct cursor {
	const char *p;
	bool bad;
} cursor;

static bool is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* RFC 9110 tchar. */
static bool is_tchar(char ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
		return true;
	return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static void skip_ows(cursor *c)
{
	while (is_ows(*c->p))
		c->p++;
}

/* Parses a token; returns its length (0 = none, which is an error). */
static size_t take_token(cursor *c, const char **start)
{
	*start = c->p;
	while (is_tchar(*c->p))
		c->p++;
	size_t n = (size_t)(c->p - *start);
	if (n == 0)
		c->bad = true;
	return n;
}

/*
 * Parses a quoted-string, unescaping it into out (cap bytes, NUL-terminated).
 * *fits is false when the value did not fit (it is still consumed).
 */
static void take_quoted(cursor *c, char *out, size_t cap, bool *fits)
{
	size_t n = 0;
	*fits = true;
	c->p++; /* opening quote */
	for (;;) {
		char ch = *c->p;
		if (ch == '\0') {
			c->bad = true;
			return;
		}
		c->p++;
		if (ch == '"')
			break;
		if (ch == '\\') {
			if (*c->p == '\0') {
				c->bad = true;
				return;
			}
			ch = *c->p++;
		}
		if (n + 1 < cap)
			out[n++] = ch;
		else
			*fits = false;
	}
	out[n] = '\0';
}

/* A parameter value (token or quoted-string) into out; *fits as above. */
static void take_value(cursor *c, char *out, size_t cap, bool *fits)
{
	if (*c->p == '"') {
		take_quoted(c, out, cap, fits);
		return;
	}
	const char *s = NULL;
	size_t n = take_token(c, &s);
	*fits = n < cap;
	if (*fits) {
		memcpy(out, s, n);
		out[n] = '\0';
	}
}

/* True when the space-separated relation-type list holds rel (case-insensitively). */
static bool rel_matches(const char *list, const char *rel)
{
	size_t rlen = strlen(rel);
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *s = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if ((size_t)(p - s) == rlen && rlen && strncasecmp(s, rel, rlen) == 0)
			return true;
	}
	return false;
}

/*
 * Parses the parameters of one link-value (after "<uri>"), up to the ','
 * that ends it or the end of the header. *matched tells whether its first
 * rel parameter lists rel.
 */
static void take_params(cursor *c, const char *rel, bool *matched)
{
	bool seen_rel = false;
	*matched = false;
	for (;;) {
		skip_ows(c);
		if (*c->p != ';')
			return;
		c->p++;
		skip_ows(c);
		const char *name = NULL;
		size_t nlen = take_token(c, &name);
		if (c->bad)
			return;
		skip_ows(c);
		if (*c->p != '=')
			continue; /* a parameter without a value */
		c->p++;
		skip_ows(c);
		char val[LINK_REL_MAX];
		bool fits;
		take_value(c, val, sizeof val, &fits);
		if (c->bad)
			return;
		bool is_rel = nlen == 3 && strncasecmp(name, "rel", 3) == 0;
		if (is_rel && !seen_rel) { /* later rel parameters are ignored (RFC 8288) */
			seen_rel = true;
			*matched = fits && rel_matches(val, rel);
		}
	}
}

/* Parses "<uri>"; returns its start and length, or sets bad. */
static size_t take_target(cursor *c, const char **start)
{
	if (*c->p != '<') {
		c->bad = true;
		return 0;
	}
	*start = ++c->p;
	while ((unsigned char)*c->p > ' ' && *c->p != '>' && *c->p != 0x7f)
		c->p++;
	if (*c->p != '>') { /* unterminated, or a space or control byte inside */
		c->bad = true;
		return 0;
	}
	size_t n = (size_t)(c->p - *start);
	c->p++;
	return n;
}

char *link_find(const char *header, const char *rel)
{
	if (!header || !rel || !*rel || strnlen(header, LINK_MAX_LEN + 1) > LINK_MAX_LEN)
		return NULL;
	cursor c = {header, false};
	for (;;) {
		/* #rule: empty list elements (", ,") are allowed */
		while (is_ows(*c.p) || *c.p == ',')
			c.p++;
		if (*c.p == '\0')
			return NULL;
		const char *uri = NULL;
		size_t ulen = take_target(&c, &uri);
		bool matched = false;
		if (!c.bad)
			take_params(&c, rel, &matched);
		if (c.bad)
			return NULL;
		if (matched && ulen > 0)
			return xstrndup(uri, ulen);
		skip_ows(&c);
		if (*c.p != ',' && *c.p != '\0')
			return NULL; /* junk after a link-value */
	}
}
