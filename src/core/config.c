#include "core/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "core/banned.h"

#define DOTENV_MAX_BYTES (1024 * 1024)
#define ECHO_MAX 64 /* at most this much of a bad value is quoted in an error */

/* ---- error lines ---- */

static pdt_err fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static pdt_err fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return PDT_EINVAL;
}

/* A bad value, quoted for an error line: printable ASCII, capped. */
static void quote_value(const char *v, char *out, size_t outlen)
{
	buf b = BUF_INIT(ECHO_MAX * 4 + 8);
	size_t i = 0;
	for (; v[i] && i < ECHO_MAX; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '"' || c == '\\')
			buf_appendf(&b, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			buf_appendc(&b, (char)c);
		else
			buf_appendf(&b, "\\x%02x", c);
	}
	if (v[i])
		buf_appends(&b, "...");
	snprintf(out, outlen, "\"%s\"", buf_str(&b));
	buf_release(&b);
}

/* ---- .env parsing: a pointer that advances over the text ---- */

typedef struct dotenv_parser {
	const char *p, *end;
	unsigned line;
	buf key, val;
} dotenv_parser;

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_key_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_key_char(char c)
{
	return is_key_start(c) || (c >= '0' && c <= '9');
}

static void skip_blanks(dotenv_parser *ps)
{
	while (ps->p < ps->end && is_blank(*ps->p))
		ps->p++;
}

static bool at_eol(const dotenv_parser *ps)
{
	return ps->p == ps->end || *ps->p == '\n' ||
	       (*ps->p == '\r' && (ps->p + 1 == ps->end || ps->p[1] == '\n'));
}

/* Moves past the end of the current line (and its "\r\n" or "\n"). */
static void skip_line(dotenv_parser *ps)
{
	while (ps->p < ps->end && *ps->p != '\n')
		ps->p++;
	if (ps->p < ps->end) {
		ps->p++;
		ps->line++;
	}
}

/* After a value: blanks, an optional comment, then the end of the line. */
static bool finish_line(dotenv_parser *ps)
{
	skip_blanks(ps);
	if (ps->p < ps->end && *ps->p == '#') {
		skip_line(ps);
		return true;
	}
	if (!at_eol(ps))
		return false;
	skip_line(ps);
	return true;
}

static bool parse_key(dotenv_parser *ps)
{
	if (ps->end - ps->p > 7 && memcmp(ps->p, "export", 6) == 0 && is_blank(ps->p[6])) {
		ps->p += 6;
		skip_blanks(ps);
	}
	if (ps->p == ps->end || !is_key_start(*ps->p))
		return false;
	const char *k = ps->p;
	while (ps->p < ps->end && is_key_char(*ps->p))
		ps->p++;
	buf_reset(&ps->key);
	return buf_append(&ps->key, k, (size_t)(ps->p - k)) == PDT_OK;
}

static char unescape(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return c;
	}
}

/* "..." with \n \r \t \\ \" escapes; may span lines. */
static bool parse_double_quoted(dotenv_parser *ps)
{
	ps->p++;
	while (ps->p < ps->end && *ps->p != '"') {
		char c = *ps->p++;
		if (c == '\\' && ps->p < ps->end)
			c = unescape(*ps->p++);
		if (ps->p[-1] == '\n')
			ps->line++;
		if (buf_appendc(&ps->val, c) != PDT_OK)
			return false;
	}
	if (ps->p == ps->end)
		return false;
	ps->p++;
	return true;
}

/* '...' taken literally; may span lines. */
static bool parse_single_quoted(dotenv_parser *ps)
{
	ps->p++;
	const char *v = ps->p;
	while (ps->p < ps->end && *ps->p != '\'') {
		if (*ps->p == '\n')
			ps->line++;
		ps->p++;
	}
	if (ps->p == ps->end)
		return false;
	if (buf_append(&ps->val, v, (size_t)(ps->p - v)) != PDT_OK)
		return false;
	ps->p++;
	return true;
}

/* Up to the end of the line or a " #" comment; trailing blanks trimmed. */
static bool parse_unquoted(dotenv_parser *ps)
{
	const char *v = ps->p;
	size_t n = 0;
	while (!at_eol(ps)) {
		if (*ps->p == '#' && is_blank(ps->p[-1])) /* p[-1] is at least the '=' */
			break;
		ps->p++;
		if (!is_blank(ps->p[-1]))
			n = (size_t)(ps->p - v);
	}
	skip_line(ps);
	return buf_append(&ps->val, v, n) == PDT_OK;
}

/* One KEY=VALUE assignment; NULL, or why the line is malformed. */
static const char *parse_assignment(dotenv_parser *ps)
{
	if (!parse_key(ps))
		return "expected KEY=VALUE";
	skip_blanks(ps);
	if (ps->p == ps->end || *ps->p != '=')
		return "expected KEY=VALUE";
	ps->p++;
	skip_blanks(ps);
	buf_reset(&ps->val);
	if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\'')) {
		bool ok = *ps->p == '"' ? parse_double_quoted(ps) : parse_single_quoted(ps);
		if (!ok)
			return "unterminated quoted value";
		return finish_line(ps) ? NULL : "unexpected text after quoted value";
	}
	return parse_unquoted(ps) ? NULL : "value too long";
}

static unsigned line_of(const char *text, const char *at)
{
	unsigned line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

pdt_err config_parse_dotenv(const char *text, size_t len, config_kv_cb cb, void *ctx,
			    char *err, size_t errlen)
{
	if (!text || len == 0)
		return PDT_OK;
	pdt_err rc = PDT_OK;
	dotenv_parser ps = {text, text + len, 1, BUF_INIT(len), BUF_INIT(len)};
	const char *nul = memchr(text, '\0', len);
	if (nul)
		return fail(err, errlen, "line %u: NUL byte", line_of(text, nul));
	while (ps.p < ps.end) {
		skip_blanks(&ps);
		if (at_eol(&ps) || *ps.p == '#') {
			skip_line(&ps);
			continue;
		}
		unsigned line = ps.line;
		const char *why = parse_assignment(&ps);
		if (why) {
			rc = fail(err, errlen, "line %u: %s", line, why);
			goto cleanup;
		}
		cb(buf_str(&ps.key), buf_str(&ps.val), ctx);
		mem_wipe(ps.val.data, ps.val.len);
	}
cleanup:
	mem_wipe(ps.val.data, ps.val.cap);
	buf_release(&ps.key);
	buf_release(&ps.val);
	return rc;
}

/* ---- the .env file as a private lookup table (never put into environ) ---- */

typedef struct kv {
	char *key;
	char *val;
} kv;

typedef struct dotenv {
	kv *items;
	size_t n, cap;
} dotenv;

static void dotenv_add(const char *key, const char *value, void *ctx)
{
	dotenv *d = ctx;
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->items[i].key, key) == 0) {
			mem_free_secret(d->items[i].val);
			d->items[i].val = xstrdup(value);
			return;
		}
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->items = xrealloc(d->items, d->cap * sizeof *d->items);
	}
	d->items[d->n].key = xstrdup(key);
	d->items[d->n].val = xstrdup(value);
	d->n++;
}

static const char *dotenv_get(const dotenv *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].key, key) == 0)
			return d->items[i].val;
	return NULL;
}

static void dotenv_free(dotenv *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].key);
		mem_free_secret(d->items[i].val);
	}
	free(d->items);
	memset(d, 0, sizeof *d);
}

/* Whole file into *text (NULL when it does not exist), at most 1 MiB. */
static pdt_err read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	pdt_err rc = PDT_OK;
	char ebuf[128];
	*text = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return PDT_OK;
		return fail(err, errlen, "%s: cannot open: %s", path,
			    strerror_r(errno, ebuf, sizeof ebuf));
	}
	char *data = xmalloc(DOTENV_MAX_BYTES + 1);
	size_t n = fread(data, 1, DOTENV_MAX_BYTES + 1, f);
	if (ferror(f)) {
		rc = fail(err, errlen, "%s: cannot read: %s", path,
			  strerror_r(errno, ebuf, sizeof ebuf));
		goto cleanup;
	}
	if (n > DOTENV_MAX_BYTES) {
		rc = fail(err, errlen, "%s: larger than 1 MiB", path);
		goto cleanup;
	}
	*text = data;
	*len = n;
	data = NULL;
cleanup:
	if (data) {
		mem_wipe(data, DOTENV_MAX_BYTES + 1);
		free(data);
	}
	fclose(f);
	return rc;
}

static pdt_err load_dotenv(const char *path, dotenv *d, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	char why[256];
	pdt_err rc = read_file(path, &text, &len, err, errlen);
	if (rc || !text)
		return rc;
	rc = config_parse_dotenv(text, len, dotenv_add, d, why, sizeof why);
	if (rc)
		fail(err, errlen, "%s: %s", path, why);
	mem_wipe(text, len);
	free(text);
	return rc;
}

/* ---- variables ---- */

typedef enum var_kind {
	V_STR,    /* char *, any non-empty value */
	V_SECRET, /* char *, NULL when unset, never echoed */
	V_INT,    /* int in [min, max] */
	V_DUR,    /* int64_t ns, > 0 */
	V_BOOL,   /* true/false/1/0, any case */
	V_HEXKEY, /* 32 bytes from 64 hex chars, never echoed */
	V_HTTPURL,/* http(s)://..., trailing '/' stripped */
	V_DBURL,  /* sqlite://... or postgres(ql)://..., never echoed */
	V_LEVEL,  /* debug|info|warn|error, stored lower-case */
	V_HHMM,   /* int minutes after midnight from "HH:MM" (00:00..23:59) */
} var_kind;

typedef struct var {
	const char *name;
	var_kind kind;
	size_t off;
	const char *def; /* parsed like a user value; NULL: no default */
	long min, max;
} var;

#define OFF(field) offsetof(config, field)

static const var vars[] = {
	{"SERVER_ADDR", V_STR, OFF(server_addr), "0.0.0.0", 0, 0},
	{"SERVER_PORT", V_INT, OFF(server_port), "8080", 1, 65535},
	{"DATABASE_URL", V_DBURL, OFF(database_url), "sqlite://./data/pdt.db", 0, 0},
	{"DATABASE_POOL_SIZE", V_INT, OFF(database_pool_size), NULL, 1, 256},
	{"JWT_SECRET", V_SECRET, OFF(jwt_secret), NULL, 0, 0},
	{"JWT_EXPIRY_HOURS", V_INT, OFF(jwt_expiry_hours), "72", 1, 87600},
	{"ENCRYPTION_KEY", V_HEXKEY, OFF(encryption_key), NULL, 0, 0},
	{"SYNC_ENABLED", V_BOOL, OFF(sync_enabled), "true", 0, 0},
	{"SYNC_INTERVAL_COMMITS", V_DUR, OFF(sync_interval_commits_ns), "15m", 0, 0},
	{"SYNC_INTERVAL_JIRA", V_DUR, OFF(sync_interval_jira_ns), "30m", 0, 0},
	{"SYNC_LOOKBACK_DAYS", V_INT, OFF(sync_lookback_days), "30", 1, 3650},
	{"SYNC_CONCURRENCY", V_INT, OFF(sync_concurrency), "4", 1, 64},
	{"GITHUB_API_URL", V_HTTPURL, OFF(github_api_url), "https://api.github.com", 0, 0},
	{"SHUTDOWN_TIMEOUT", V_DUR, OFF(shutdown_timeout_ns), "10s", 0, 0},
	{"UPSTREAM_TIMEOUT", V_DUR, OFF(upstream_timeout_ns), "30s", 0, 0},
	{"JIRA_FIRST_SYNC_TIMEOUT", V_DUR, OFF(jira_first_sync_timeout_ns), "20s", 0, 0},
	{"SYNC_WAIT", V_DUR, OFF(sync_wait_ns), "25s", 0, 0},
	{"SYNC_MAX_WAIT", V_DUR, OFF(sync_max_wait_ns), "60s", 0, 0},
	{"SYNC_LEASE_TTL", V_DUR, OFF(sync_lease_ttl_ns), "30s", 0, 0},
	{"CORS_ALLOWED_ORIGINS", V_STR, OFF(cors_allowed_origins), "*", 0, 0},
	{"METRICS_TOKEN", V_SECRET, OFF(metrics_token), NULL, 0, 0},
	{"REGISTRATION_ENABLED", V_BOOL, OFF(registration_enabled), "true", 0, 0},
	{"UPSTREAM_ALLOW_LOOPBACK", V_BOOL, OFF(upstream_allow_loopback), "false", 0, 0},
	{"UPSTREAM_ALLOW_HTTP", V_BOOL, OFF(upstream_allow_http), "false", 0, 0},
	{"UPSTREAM_DENY_PRIVATE", V_BOOL, OFF(upstream_deny_private), "false", 0, 0},
	{"HTTP_THREADS", V_INT, OFF(http_threads), "8", 1, 256},
	{"LOG_LEVEL", V_LEVEL, OFF(log_level), "info", 0, 0},
	{"REPORT_AUTO_GENERATE", V_BOOL, OFF(report_auto_generate), "true", 0, 0},
	{"REPORT_AUTO_TIME", V_HHMM, OFF(report_auto_time), "23:00", 0, 0},
	{"REPORT_MONTHLY_AUTO_TIME", V_HHMM, OFF(report_monthly_auto_time), "08:00", 0, 0},
	{"REPORT_TIMEZONE", V_STR, OFF(report_timezone), "UTC", 0, 0},
	{"R2_ACCOUNT_ID", V_STR, OFF(r2_account_id), NULL, 0, 0},
	{"R2_ACCESS_KEY_ID", V_STR, OFF(r2_access_key_id), NULL, 0, 0},
	{"R2_SECRET_ACCESS_KEY", V_SECRET, OFF(r2_secret_access_key), NULL, 0, 0},
	{"R2_BUCKET_NAME", V_STR, OFF(r2_bucket_name), NULL, 0, 0},
	{"R2_PUBLIC_DOMAIN", V_STR, OFF(r2_public_domain), NULL, 0, 0},
	{"S3_ENDPOINT", V_HTTPURL, OFF(s3_endpoint), NULL, 0, 0},
	{"S3_REGION", V_STR, OFF(s3_region), "auto", 0, 0},
};

typedef struct loader {
	config *c;
	const dotenv *file;
	char *err;
	size_t errlen;
} loader;

/* The environment wins over .env; an empty value counts as unset. */
static const char *lookup(const loader *l, const var *v)
{
	const char *s = getenv(v->name);
	if (!s)
		s = dotenv_get(l->file, v->name);
	if (!s || !*s)
		s = v->def;
	return s;
}

static void *field(const loader *l, const var *v)
{
	return (char *)l->c + v->off;
}

static pdt_err set_int(const loader *l, const var *v, const char *s)
{
	char *end = NULL;
	bool digits = (s[0] >= '0' && s[0] <= '9') ||
		      ((s[0] == '-' || s[0] == '+') && s[1] >= '0' && s[1] <= '9');
	errno = 0;
	long n = digits ? strtol(s, &end, 10) : 0;
	if (!digits || errno || *end || n < v->min || n > v->max)
		return fail(l->err, l->errlen, "%s: must be an integer %ld..%ld", v->name,
			    v->min, v->max);
	*(int *)field(l, v) = (int)n;
	return PDT_OK;
}

static pdt_err set_duration(const loader *l, const var *v, const char *s)
{
	int64_t ns = 0;
	char q[ECHO_MAX * 4 + 16];
	quote_value(s, q, sizeof q);
	if (timeutil_parse_duration(s, &ns) != PDT_OK)
		return fail(l->err, l->errlen, "%s: invalid duration %s", v->name, q);
	if (ns <= 0)
		return fail(l->err, l->errlen, "%s: duration must be greater than 0, got %s",
			    v->name, q);
	*(int64_t *)field(l, v) = ns;
	return PDT_OK;
}

static pdt_err set_bool(const loader *l, const var *v, const char *s)
{
	bool *out = field(l, v);
	char q[ECHO_MAX * 4 + 16];
	if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0) {
		*out = true;
		return PDT_OK;
	}
	if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0) {
		*out = false;
		return PDT_OK;
	}
	quote_value(s, q, sizeof q);
	return fail(l->err, l->errlen, "%s: must be true, false, 1 or 0, got %s", v->name, q);
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static pdt_err set_hexkey(const loader *l, const var *v, const char *s)
{
	unsigned char *key = field(l, v);
	if (strnlen(s, 65) != 64)
		goto bad;
	for (size_t i = 0; i < 32; i++) {
		int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	l->c->has_encryption_key = true;
	return PDT_OK;
bad:
	mem_wipe(key, 32);
	return fail(l->err, l->errlen, "%s: must be 64 hex characters (32 bytes)", v->name);
}

static bool has_space_or_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return true;
	return false;
}

static pdt_err set_httpurl(const loader *l, const var *v, const char *s)
{
	char q[ECHO_MAX * 4 + 16];
	size_t skip = strncasecmp(s, "https://", 8) == 0 ? 8
		      : strncasecmp(s, "http://", 7) == 0 ? 7 : 0;
	size_t n = strlen(s);
	while (n > skip && s[n - 1] == '/')
		n--;
	if (skip && n > skip && !has_space_or_ctl(s)) {
		*(char **)field(l, v) = xstrndup(s, n);
		return PDT_OK;
	}
	quote_value(s, q, sizeof q);
	return fail(l->err, l->errlen, "%s: must be an http:// or https:// URL, got %s",
		    v->name, q);
}

static pdt_err set_dburl(const loader *l, const var *v, const char *s)
{
	static const char *prefixes[] = {"sqlite://", "postgres://", "postgresql://"};
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(s, prefixes[i], n) == 0 && s[n]) {
			*(char **)field(l, v) = xstrdup(s);
			return PDT_OK;
		}
	}
	return fail(l->err, l->errlen,
		    "%s: must be sqlite://PATH or postgres://user:pass@host:port/db", v->name);
}

static pdt_err set_level(const loader *l, const var *v, const char *s)
{
	char lower[8];
	char q[ECHO_MAX * 4 + 16];
	log_level lvl;
	size_t n = strnlen(s, sizeof lower);
	for (size_t i = 0; i < n && i < sizeof lower - 1; i++)
		lower[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
	lower[n < sizeof lower ? n : sizeof lower - 1] = '\0';
	if (n < sizeof lower && log_level_parse(lower, &lvl) == 0) {
		*(char **)field(l, v) = xstrdup(lower);
		return PDT_OK;
	}
	quote_value(s, q, sizeof q);
	return fail(l->err, l->errlen, "%s: must be debug, info, warn or error, got %s", v->name,
		    q);
}

static pdt_err set_hhmm(const loader *l, const var *v, const char *s)
{
	char q[ECHO_MAX * 4 + 16];
	bool ok = strlen(s) == 5 && s[2] == ':';
	for (int i = 0; ok && i < 5; i++)
		ok = i == 2 || (s[i] >= '0' && s[i] <= '9');
	int h = ok ? (s[0] - '0') * 10 + (s[1] - '0') : 0, m = ok ? (s[3] - '0') * 10 + (s[4] - '0') : 0;
	if (ok && h < 24 && m < 60) {
		*(int *)field(l, v) = h * 60 + m;
		return PDT_OK;
	}
	quote_value(s, q, sizeof q);
	return fail(l->err, l->errlen, "%s: must be a time HH:MM (00:00..23:59), got %s", v->name,
		    q);
}

static pdt_err set_var(const loader *l, const var *v)
{
	const char *s = lookup(l, v);
	if (!s)
		return PDT_OK; /* optional with no default: stays NULL / unset */
	switch (v->kind) {
	case V_STR:
	case V_SECRET:
		*(char **)field(l, v) = xstrdup(s);
		return PDT_OK;
	case V_INT: return set_int(l, v, s);
	case V_DUR: return set_duration(l, v, s);
	case V_BOOL: return set_bool(l, v, s);
	case V_HEXKEY: return set_hexkey(l, v, s);
	case V_HTTPURL: return set_httpurl(l, v, s);
	case V_DBURL: return set_dburl(l, v, s);
	case V_LEVEL: return set_level(l, v, s);
	case V_HHMM: return set_hhmm(l, v, s);
	}
	return PDT_EINVAL;
}

/* Upload: any of its variables set means all it needs must be. */
static pdt_err check_upload(const config *c, char *err, size_t errlen)
{
	const char *any = c->r2_account_id ? "R2_ACCOUNT_ID" : c->r2_access_key_id ? "R2_ACCESS_KEY_ID"
			  : c->r2_secret_access_key ? "R2_SECRET_ACCESS_KEY"
			  : c->r2_bucket_name ? "R2_BUCKET_NAME" : c->r2_public_domain ? "R2_PUBLIC_DOMAIN"
			  : c->s3_endpoint ? "S3_ENDPOINT" : NULL;
	if (!any)
		return PDT_OK;
	const char *missing = !c->r2_access_key_id ? "R2_ACCESS_KEY_ID"
			      : !c->r2_secret_access_key ? "R2_SECRET_ACCESS_KEY"
			      : !c->r2_bucket_name ? "R2_BUCKET_NAME"
			      : !c->r2_account_id && !c->s3_endpoint ? "R2_ACCOUNT_ID"
			      : !c->r2_public_domain && !c->s3_endpoint ? "R2_PUBLIC_DOMAIN" : NULL;
	if (missing)
		return fail(err, errlen, "%s: required for report upload (%s is set)", missing, any);
	if (has_space_or_ctl(c->r2_bucket_name) || strchr(c->r2_bucket_name, '/') ||
	    (c->r2_account_id && (has_space_or_ctl(c->r2_account_id) || strchr(c->r2_account_id, '/'))))
		return fail(err, errlen, "R2_BUCKET_NAME / R2_ACCOUNT_ID: must not hold spaces or '/'");
	return PDT_OK;
}

pdt_err config_load(config *c, const char *dotenv_path, char *err, size_t errlen)
{
	dotenv file = {0};
	loader l = {c, &file, err, errlen};
	pdt_err rc = PDT_OK;
	memset(c, 0, sizeof *c);
	if (err && errlen)
		err[0] = '\0';
	if (dotenv_path && (rc = load_dotenv(dotenv_path, &file, err, errlen)))
		goto cleanup;
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if ((rc = set_var(&l, &vars[i])))
			goto cleanup;
	rc = check_upload(c, err, errlen);
cleanup:
	dotenv_free(&file);
	if (rc)
		config_release(c);
	return rc;
}

pdt_err config_require_secrets(const config *c, char *err, size_t errlen)
{
	if (!c->jwt_secret || !*c->jwt_secret)
		return fail(err, errlen, "JWT_SECRET: required but not set");
	if (!c->has_encryption_key)
		return fail(err, errlen, "ENCRYPTION_KEY: required but not set");
	return PDT_OK;
}

int config_pool_size(const config *c, int sqlite_default)
{
	if (c->database_pool_size > 0)
		return c->database_pool_size;
	if (c->database_url && strncmp(c->database_url, "sqlite://", 9) == 0)
		return sqlite_default;
	return 8;
}

void config_release(config *c)
{
	if (!c)
		return;
	free(c->server_addr);
	mem_free_secret(c->database_url); /* may hold a postgres password */
	mem_free_secret(c->jwt_secret);
	mem_free_secret(c->metrics_token);
	free(c->github_api_url);
	free(c->cors_allowed_origins);
	free(c->log_level);
	free(c->report_timezone);
	free(c->r2_account_id);
	free(c->r2_access_key_id);
	mem_free_secret(c->r2_secret_access_key);
	free(c->r2_bucket_name);
	free(c->r2_public_domain);
	free(c->s3_endpoint);
	free(c->s3_region);
	mem_wipe(c, sizeof *c);
}
