#include "upstream/urlenc.h"

#include "core/banned.h"

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

pdt_err urlenc_append(buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	pdt_err rc = PDT_OK;
	for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
		if (unreserved(*p)) {
			rc = buf_appendc(b, (char)*p);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			rc = buf_append(b, e, 3);
		}
	}
	return rc;
}
