#include "http/cors.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

static char *trimmed_copy(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '/'))
		n--;
	return xstrndup(s, n);
}

void cors_init(cors *c, const char *allowed)
{
	memset(c, 0, sizeof *c);
	const char *p = allowed ? allowed : "*";
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *o = trimmed_copy(p, n);
		if (strcmp(o, "*") == 0)
			c->any = true;
		if (*o && strcmp(o, "*") != 0) {
			c->origins = xrealloc(c->origins, (c->n + 1) * sizeof *c->origins);
			c->origins[c->n++] = o;
		} else {
			free(o);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (c->n == 0)
		c->any = true;
}

void cors_release(cors *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->origins[i]);
	free(c->origins);
	memset(c, 0, sizeof *c);
}

const char *cors_allow_origin(const cors *c, const char *origin)
{
	if (c->any)
		return "*";
	if (!origin)
		return NULL;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->origins[i], origin) == 0)
			return c->origins[i];
	return NULL;
}
