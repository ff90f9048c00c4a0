#include "core/repourl.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/banned.h"

#define REPOURL_MAX 512
#define HOST_MAX 253
#define LABEL_MAX 63
#define SEGS_MAX (REPOURL_MAX / 2) /* each segment takes at least "/x" */

typedef struct span {
	const char *p;
	size_t n;
} span;

typedef struct parsed {
	bool https;
	span host;
	unsigned port; /* 0: none, or the scheme's default */
	span segs[SEGS_MAX];
	size_t nsegs;
} parsed;

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_seg_char(char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '-';
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool repourl_scheme(const char **sp, bool *https)
{
	if (strncasecmp(*sp, "https://", 8) == 0) {
		*https = true;
		*sp += 8;
		return true;
	}
	if (strncasecmp(*sp, "http://", 7) == 0) {
		*https = false;
		*sp += 7;
		return true;
	}
	return false;
}

/* Labels of [A-Za-z0-9-], non-empty, not starting or ending with '-'. */
static bool valid_host(span h)
{
	if (h.n == 0 || h.n > HOST_MAX)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < h.n; i++) {
		char c = h.p[i];
		if (c == '.') {
			if (label == 0 || h.p[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > LABEL_MAX)
			return false;
	}
	return label > 0 && h.p[h.n - 1] != '-';
}

bool repourl_port(const char *p, size_t n, unsigned *out)
{
	unsigned v = 0;
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*out = v;
	return true;
}

/* host[:port] up to the first '/' or the end; advances *sp. */
static bool parse_authority(const char **sp, parsed *u)
{
	const char *s = *sp;
	size_t n = strcspn(s, "/");
	const char *colon = memchr(s, ':', n);
	u->host.p = s;
	u->host.n = colon ? (size_t)(colon - s) : n;
	u->port = 0;
	if (!valid_host(u->host))
		return false;
	if (colon && !repourl_port(colon + 1, n - u->host.n - 1, &u->port))
		return false;
	if (u->port == (u->https ? 443u : 80u))
		u->port = 0;
	*sp = s + n;
	return true;
}

static bool is_dot_segment(span g)
{
	return (g.n == 1 && g.p[0] == '.') || (g.n == 2 && g.p[0] == '.' && g.p[1] == '.');
}

static bool ends_with_git(span g)
{
	return g.n >= 4 && memcmp(g.p + g.n - 4, ".git", 4) == 0;
}

/* "/a/b/c" with one optional trailing '/', then ".git" dropped from the last. */
static bool parse_path(const char *s, parsed *u)
{
	size_t len = strlen(s);
	if (len < 2 || s[0] != '/')
		return false;
	if (s[len - 1] == '/')
		len--;
	u->nsegs = 0;
	for (size_t i = 1; i <= len;) {
		size_t j = i;
		while (j < len && s[j] != '/')
			j++;
		if (j == i || u->nsegs == SEGS_MAX)
			return false;
		for (size_t k = i; k < j; k++)
			if (!is_seg_char(s[k]))
				return false;
		u->segs[u->nsegs++] = (span){s + i, j - i};
		i = j + 1;
	}
	/* One ".git" is dropped; a name that still ends in ".git" (which neither
	 * GitHub nor GitLab allows) is rejected so the output parses to itself. */
	span *last = &u->segs[u->nsegs - 1];
	if (ends_with_git(*last))
		last->n -= 4;
	if (last->n == 0 || ends_with_git(*last))
		return false;
	for (size_t i = 0; i < u->nsegs; i++)
		if (is_dot_segment(u->segs[i]))
			return false;
	return true;
}

static bool host_is_github(span h)
{
	char lower[HOST_MAX + 1];
	for (size_t i = 0; i < h.n; i++)
		lower[i] = to_lower(h.p[i]);
	lower[h.n] = '\0';
	return strstr(lower, "github.com") != NULL;
}

static void build(const parsed *u, bool github, repourl *out)
{
	buf b = BUF_INIT(REPOURL_MAX * 2);
	buf_appends(&b, u->https ? "https://" : "http://");
	for (size_t i = 0; i < u->host.n; i++)
		buf_appendc(&b, to_lower(u->host.p[i]));
	if (u->port)
		buf_appendf(&b, ":%u", u->port);
	out->base = xstrdup(buf_str(&b));
	buf_reset(&b);
	for (size_t i = 0; i + 1 < u->nsegs; i++)
		buf_appendf(&b, "%s%.*s", i ? "/" : "", (int)u->segs[i].n, u->segs[i].p);
	out->owner = xstrdup(buf_str(&b));
	const span *last = &u->segs[u->nsegs - 1];
	out->name = xstrndup(last->p, last->n);
	buf_reset(&b);
	buf_appendf(&b, "%s/%s/%s", out->base, out->owner, out->name);
	out->url = buf_detach(&b);
	out->provider = xstrdup(github ? "github" : "gitlab");
	buf_release(&b);
}

pdt_err repourl_parse(const char *input, repourl *out)
{
	parsed u;
	memset(out, 0, sizeof *out);
	if (!input || strnlen(input, REPOURL_MAX + 1) > REPOURL_MAX)
		return PDT_EINVAL;
	const char *s = input;
	if (!repourl_scheme(&s, &u.https) || !parse_authority(&s, &u) || !parse_path(s, &u))
		return PDT_EINVAL;
	bool github = host_is_github(u.host);
	if (github ? u.nsegs != 2 : u.nsegs < 2)
		return PDT_EINVAL;
	build(&u, github, out);
	return PDT_OK;
}

void repourl_release(repourl *r)
{
	if (!r)
		return;
	free(r->provider);
	free(r->base);
	free(r->owner);
	free(r->name);
	free(r->url);
	memset(r, 0, sizeof *r);
}
