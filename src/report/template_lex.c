/*
 * template_lex: Go text/template's lexer, run over the whole source at once.
 * It follows text/template/parse/lex.go: "{{- " and " -}}" trim the
 * whitespace of the neighbouring text (the space is required, so "{{-3}}"
 * is the number -3), comments (slash-star to star-slash, right inside the
 * delimiters) vanish, and spaces inside an
 * action are tokens because they separate operands (".A.B" versus ".A .B").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "report/template_int.h"
#include "core/banned.h"

typedef struct lexer {
	const char *s;
	size_t len, pos;
	int parens;
	tmpl_lexed *out;
	size_t cap;
} lexer;

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Go accepts Unicode letters; bytes of multi-byte UTF-8 count as letters. */
static int is_alnum(char c)
{
	unsigned char u = (unsigned char)c;
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || u >= 0x80;
}

static void emit(lexer *l, enum tok_type type, size_t pos, size_t len)
{
	tmpl_lexed *o = l->out;
	if (o->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		o->toks = xrealloc(o->toks, l->cap * sizeof *o->toks);
	}
	o->toks[o->n++] = (tmpl_tok){type, pos, len};
}

/* Ends the stream with an error token at pos. */
static int fail(lexer *l, size_t pos, const char *msg)
{
	snprintf(l->out->msg, sizeof l->out->msg, "%s", msg);
	emit(l, T_ERROR, pos, 0);
	return -1;
}

static int at(const lexer *l, size_t pos, const char *lit)
{
	size_t n = strlen(lit);
	return pos <= l->len && l->len - pos >= n && memcmp(l->s + pos, lit, n) == 0;
}

/* At a right delimiter "}}" or " -}}"; *trim says which. */
static int at_right(const lexer *l, size_t pos, int *trim)
{
	if (pos + 1 < l->len && is_space(l->s[pos]) && l->s[pos + 1] == '-' && at(l, pos + 2, "}}")) {
		*trim = 1;
		return 1;
	}
	*trim = 0;
	return at(l, pos, "}}");
}

/* Emits the right delimiter at l->pos and skips what it trims. */
static void right_delim(lexer *l, int trim)
{
	size_t start = l->pos;
	l->pos += trim ? 4 : 2;
	emit(l, T_RIGHT, start, l->pos - start);
	if (trim)
		while (l->pos < l->len && is_space(l->s[l->pos]))
			l->pos++;
}

static int at_terminator(const lexer *l, size_t pos)
{
	if (pos >= l->len)
		return 1;
	char c = l->s[pos];
	int trim;
	if (is_space(c) || strchr(".,|:()", c) || at_right(l, pos, &trim))
		return 1;
	return 0;
}

static int lex_word(lexer *l, enum tok_type type)
{
	size_t start = l->pos++;
	while (l->pos < l->len && is_alnum(l->s[l->pos]))
		l->pos++;
	if (!at_terminator(l, l->pos))
		return fail(l, l->pos, "bad character in identifier");
	if (type == T_FIELD && l->pos == start + 1)
		type = T_DOT;
	emit(l, type, start, l->pos - start);
	return 0;
}

static enum tok_type keyword(const char *s, size_t n)
{
	static const struct { const char *w; enum tok_type t; } kw[] = {
		{"range", T_RANGE}, {"if", T_IF}, {"else", T_ELSE}, {"end", T_END},
		{"with", T_WITH}, {"break", T_BREAK}, {"continue", T_CONTINUE},
		{"define", T_DEFINE}, {"template", T_TEMPLATE}, {"block", T_BLOCK},
		{"nil", T_NIL}, {"true", T_BOOL}, {"false", T_BOOL},
	};
	for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
		if (strlen(kw[i].w) == n && memcmp(kw[i].w, s, n) == 0)
			return kw[i].t;
	return T_IDENT;
}

static int lex_ident(lexer *l)
{
	size_t start = l->pos;
	if (lex_word(l, T_IDENT))
		return -1;
	tmpl_tok *t = &l->out->toks[l->out->n - 1];
	t->type = keyword(l->s + start, t->len);
	return 0;
}

static void accept_run(lexer *l, const char *set)
{
	while (l->pos < l->len && l->s[l->pos] && strchr(set, l->s[l->pos]))
		l->pos++;
}

static int accept(lexer *l, const char *set)
{
	if (l->pos < l->len && l->s[l->pos] && strchr(set, l->s[l->pos])) {
		l->pos++;
		return 1;
	}
	return 0;
}

/* Go's scanNumber: the parser decides whether the text is a valid number. */
static int lex_number(lexer *l)
{
	size_t start = l->pos;
	const char *digits = "0123456789_";
	accept(l, "+-");
	if (accept(l, "0")) {
		if (accept(l, "xX"))
			digits = "0123456789abcdefABCDEF_";
		else if (accept(l, "oO"))
			digits = "01234567_";
		else if (accept(l, "bB"))
			digits = "01_";
	}
	accept_run(l, digits);
	if (accept(l, "."))
		accept_run(l, digits);
	if (strlen(digits) == 11 && accept(l, "eE")) {
		accept(l, "+-");
		accept_run(l, "0123456789_");
	}
	if (strlen(digits) == 23 && accept(l, "pP")) {
		accept(l, "+-");
		accept_run(l, "0123456789_");
	}
	if (l->pos < l->len && is_alnum(l->s[l->pos])) {
		l->pos++;
		int n = (int)(l->pos - start > 40 ? 40 : l->pos - start);
		snprintf(l->out->msg, sizeof l->out->msg, "bad number syntax: \"%.*s\"", n, l->s + start);
		emit(l, T_ERROR, start, 0);
		return -1;
	}
	emit(l, T_NUMBER, start, l->pos - start);
	return 0;
}

/* "...", '...' (escapes skipped here, decoded by the parser) and `...`. */
static int lex_quote(lexer *l, char q, enum tok_type type, const char *unterminated)
{
	size_t start = l->pos++;
	for (;;) {
		if (l->pos >= l->len)
			return fail(l, start, unterminated);
		char c = l->s[l->pos++];
		if (c == q)
			break;
		if (q == '`')
			continue;
		if (c == '\n')
			return fail(l, start, unterminated);
		if (c == '\\') {
			if (l->pos >= l->len || l->s[l->pos] == '\n')
				return fail(l, start, unterminated);
			l->pos++;
		}
	}
	emit(l, type, start, l->pos - start);
	return 0;
}

static int lex_space(lexer *l)
{
	size_t start = l->pos;
	while (l->pos < l->len && is_space(l->s[l->pos]))
		l->pos++;
	int trim;
	/* the last space belongs to a " -}}" that follows */
	if (at_right(l, l->pos - 1, &trim) && trim) {
		l->pos--;
		if (l->pos == start)
			return 0;
	}
	emit(l, T_SPACE, start, l->pos - start);
	return 0;
}

static int lex_operator(lexer *l, char c)
{
	size_t start = l->pos++;
	switch (c) {
	case '=': emit(l, T_ASSIGN, start, 1); return 0;
	case '|': emit(l, T_PIPE, start, 1); return 0;
	case ':':
		if (l->pos >= l->len || l->s[l->pos] != '=')
			return fail(l, start, "expected :=");
		l->pos++;
		emit(l, T_DECLARE, start, 2);
		return 0;
	case '(':
		l->parens++;
		emit(l, T_LPAREN, start, 1);
		return 0;
	case ')':
		if (--l->parens < 0)
			return fail(l, start, "unexpected right paren");
		emit(l, T_RPAREN, start, 1);
		return 0;
	}
	if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f) {
		emit(l, T_CHAR, start, 1);
		return 0;
	}
	return fail(l, start, "unrecognized character in action");
}

/* One token inside an action; 1 when the action ended. */
static int lex_inside(lexer *l, size_t action_start)
{
	int trim;
	if (at_right(l, l->pos, &trim)) {
		if (l->parens)
			return fail(l, l->pos, "unclosed left paren");
		right_delim(l, trim);
		return 1;
	}
	if (l->pos >= l->len)
		return fail(l, action_start, "unclosed action");
	char c = l->s[l->pos];
	char next = l->pos + 1 < l->len ? l->s[l->pos + 1] : '\0';
	if (is_space(c))
		return lex_space(l);
	if (c == '"')
		return lex_quote(l, '"', T_STRING, "unterminated quoted string");
	if (c == '`')
		return lex_quote(l, '`', T_RAW, "unterminated raw quoted string");
	if (c == '\'')
		return lex_quote(l, '\'', T_CHARCONST, "unterminated character constant");
	if (c == '$')
		return lex_word(l, T_VAR);
	if (c == '.' && !(next >= '0' && next <= '9'))
		return lex_word(l, T_FIELD);
	if (c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'))
		return lex_number(l);
	if (is_alnum(c))
		return lex_ident(l);
	return lex_operator(l, c);
}

/* After "{{" at l->pos - 2 (and "- " if trimmed): a comment or an action. */
static int lex_action(lexer *l, size_t start)
{
	emit(l, T_LEFT, start, l->pos - start);
	if (at(l, l->pos, "/*")) {
		const char *end = NULL;
		for (size_t i = l->pos + 2; i + 1 < l->len; i++)
			if (l->s[i] == '*' && l->s[i + 1] == '/') {
				end = l->s + i;
				break;
			}
		if (!end)
			return fail(l, start, "unclosed comment");
		l->pos = (size_t)(end - l->s) + 2;
		int trim;
		if (!at_right(l, l->pos, &trim))
			return fail(l, start, "comment ends before closing delimiter");
		l->out->n--; /* a comment leaves no tokens */
		l->pos += trim ? 4 : 2;
		if (trim)
			while (l->pos < l->len && is_space(l->s[l->pos]))
				l->pos++;
		return 0;
	}
	l->parens = 0;
	for (;;) {
		int rc = lex_inside(l, start);
		if (rc < 0)
			return -1;
		if (rc == 1)
			return 0;
	}
}

void tmpl_lex(const char *src, size_t len, tmpl_lexed *out)
{
	lexer l = {src, len, 0, 0, out, 0};
	out->toks = NULL;
	out->n = 0;
	out->msg[0] = '\0';
	while (l.pos < len) {
		const char *open = memmem(src + l.pos, len - l.pos, "{{", 2);
		size_t at_open = open ? (size_t)(open - src) : len;
		size_t text_end = at_open;
		int ltrim = open && at_open + 3 < len && src[at_open + 2] == '-' &&
			    is_space(src[at_open + 3]);
		if (ltrim)
			while (text_end > l.pos && is_space(src[text_end - 1]))
				text_end--;
		if (text_end > l.pos)
			emit(&l, T_TEXT, l.pos, text_end - l.pos);
		if (!open) {
			l.pos = len;
			break;
		}
		l.pos = at_open + 2 + (ltrim ? 2 : 0);
		if (lex_action(&l, at_open))
			return;
	}
	emit(&l, T_EOF, len, 0);
}
