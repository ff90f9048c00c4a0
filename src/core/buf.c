#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void buf_init(buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static pdt_err reserve(buf *b, size_t extra)
{
	if (extra > b->max || b->len > b->max - extra)
		return PDT_ETOOBIG;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return PDT_OK;
	size_t ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	b->data = xrealloc(b->data, ncap);
	b->cap = ncap;
	return PDT_OK;
}

pdt_err buf_append(buf *b, const void *p, size_t n)
{
	pdt_err rc = reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return PDT_OK;
}

pdt_err buf_appends(buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

pdt_err buf_appendc(buf *b, char c)
{
	return buf_append(b, &c, 1);
}

pdt_err buf_vappendf(buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return PDT_EINVAL;
	pdt_err rc = reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return PDT_OK;
}

pdt_err buf_appendf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pdt_err rc = buf_vappendf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *buf_str(const buf *b)
{
	return b->data ? b->data : "";
}

void buf_reset(buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *buf_detach(buf *b)
{
	char *d = b->data ? b->data : xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

void buf_release(buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
