/*
 * template_parse: Go text/template's parser (text/template/parse/parse.go)
 * over the token array of template_lex.c, building the node tree in the
 * template's arena. Like Go's (which panics and recovers), it leaves on the
 * first error with longjmp: every allocation is in the arena or the parser,
 * so the single exit in tmpl_parse frees everything.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "report/template.h"
#include "report/template_int.h"
#include "core/banned.h"

typedef struct pvar {
	const char *s;
	size_t n;
} pvar;

typedef struct parser {
	struct tmpl *t;
	tmpl_lexed lx;
	size_t i; /* the next token */
	pvar *vars; /* declared variables in scope, innermost last */
	size_t nvars, capvars;
	int depth, range_depth;
	char *err;
	size_t errlen;
	jmp_buf fail;
} parser;

#define ARENA_BLOCK 16384

void *tmpl_alloc(struct tmpl *t, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	tmpl_arena_block *b = t->arena;
	if (!b || b->size - b->used < n) {
		size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = xmalloc(sizeof *b + size);
		b->next = t->arena;
		b->used = 0;
		b->size = size;
		t->arena = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

void tmpl_linecol(const char *src, size_t len, size_t pos, int *line, int *col)
{
	int l = 1;
	size_t bol = 0;
	if (pos > len)
		pos = len;
	for (size_t i = 0; i < pos; i++)
		if (src[i] == '\n') {
			l++;
			bol = i + 1;
		}
	*line = l;
	*col = (int)(pos - bol) + 1;
}

__attribute__((noreturn, format(printf, 3, 4))) static void perr(parser *p, size_t pos, const char *fmt, ...)
{
	int line, col;
	tmpl_linecol(p->t->src, p->t->srclen, pos, &line, &col);
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%d:%d: %s", line, col, msg);
	longjmp(p->fail, 1);
}

/* The token at i; a lexing error surfaces when the parser reaches it. */
static tmpl_tok *peek(parser *p)
{
	tmpl_tok *t = &p->lx.toks[p->i];
	if (t->type == T_ERROR)
		perr(p, t->pos, "%s", p->lx.msg);
	return t;
}

static tmpl_tok *next(parser *p)
{
	tmpl_tok *t = peek(p);
	if (t->type != T_EOF)
		p->i++;
	return t;
}

static tmpl_tok *peek_ns(parser *p)
{
	while (peek(p)->type == T_SPACE)
		p->i++;
	return peek(p);
}

static tmpl_tok *next_ns(parser *p)
{
	peek_ns(p);
	return next(p);
}

static const char *tok_text(parser *p, const tmpl_tok *t)
{
	return p->t->src + t->pos;
}

/* Go's item String(): "EOF", <keyword>, or the quoted text (cut at 10). */
__attribute__((noreturn)) static void unexpected(parser *p, const tmpl_tok *t, const char *ctx)
{
	if (t->type == T_EOF)
		perr(p, t->pos, "unexpected EOF in %s", ctx);
	if (t->type >= T_RANGE)
		perr(p, t->pos, "unexpected <%.*s> in %s", (int)t->len, tok_text(p, t), ctx);
	int n = t->len > 10 ? 10 : (int)t->len;
	perr(p, t->pos, "unexpected \"%.*s\"%s in %s", n, tok_text(p, t), t->len > 10 ? "..." : "", ctx);
}

static void expect(parser *p, enum tok_type type, const char *ctx)
{
	tmpl_tok *t = next_ns(p);
	if (t->type != type)
		unexpected(p, t, ctx);
}

static tmpl_node *new_node(parser *p, enum node_type type, size_t pos)
{
	tmpl_node *n = tmpl_alloc(p->t, sizeof *n);
	n->type = type;
	n->pos = pos;
	n->end = pos;
	return n;
}

static void deeper(parser *p, size_t pos)
{
	if (++p->depth > TMPL_MAX_DEPTH)
		perr(p, pos, "nesting too deep (more than %d levels)", TMPL_MAX_DEPTH);
}

static void push_var(parser *p, const char *s, size_t n)
{
	if (p->nvars == p->capvars) {
		p->capvars = p->capvars ? p->capvars * 2 : 16;
		p->vars = xrealloc(p->vars, p->capvars * sizeof *p->vars);
	}
	p->vars[p->nvars++] = (pvar){s, n};
}

static void use_var(parser *p, const tmpl_tok *t)
{
	for (size_t i = p->nvars; i-- > 0;)
		if (p->vars[i].n == t->len && memcmp(p->vars[i].s, tok_text(p, t), t->len) == 0)
			return;
	perr(p, t->pos, "undefined variable \"%.*s\"", (int)t->len, tok_text(p, t));
}

static tmpl_name *new_name(parser *p, const char *s, size_t n)
{
	tmpl_name *nm = tmpl_alloc(p->t, sizeof *nm);
	nm->s = s;
	nm->n = n;
	return nm;
}

/* Keeps v (a new reference) with the template; returns its index. */
static size_t keep_const(parser *p, json_t *v)
{
	struct tmpl *t = p->t;
	if (t->nconsts == t->capconsts) {
		t->capconsts = t->capconsts ? t->capconsts * 2 : 16;
		t->consts = xrealloc(t->consts, t->capconsts * sizeof *t->consts);
	}
	t->consts[t->nconsts] = v;
	return t->nconsts++;
}

/* ---- constants ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_utf8(buf *b, unsigned long r)
{
	char u[4];
	size_t n;
	if (r < 0x80) {
		u[0] = (char)r;
		n = 1;
	} else if (r < 0x800) {
		u[0] = (char)(0xC0 | (r >> 6));
		u[1] = (char)(0x80 | (r & 0x3F));
		n = 2;
	} else if (r < 0x10000) {
		u[0] = (char)(0xE0 | (r >> 12));
		u[1] = (char)(0x80 | ((r >> 6) & 0x3F));
		u[2] = (char)(0x80 | (r & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (r >> 18));
		u[1] = (char)(0x80 | ((r >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((r >> 6) & 0x3F));
		u[3] = (char)(0x80 | (r & 0x3F));
		n = 4;
	}
	buf_append(b, u, n);
}

/* One escape after the backslash at s[*i]; Go's strconv.UnquoteChar. */
static int unescape(const char *s, size_t n, size_t *i, char quote, buf *b)
{
	static const char from[] = "abfnrtv\\", to[] = "\a\b\f\n\r\t\v\\";
	if (*i >= n)
		return -1;
	char c = s[(*i)++];
	const char *k = strchr(from, c);
	if (k && c) {
		buf_appendc(b, to[k - from]);
		return 0;
	}
	if (c == quote)
		return buf_appendc(b, c) ? -1 : 0;
	int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : (c >= '0' && c <= '7') ? 3 : 0;
	if (!digits)
		return -1;
	int base = (c >= '0' && c <= '7') ? 8 : 16;
	if (base == 8)
		(*i)--;
	unsigned long v = 0;
	for (int d = 0; d < digits; d++) {
		int h = *i < n ? hexval(s[*i]) : -1;
		if (h < 0 || h >= base)
			return -1;
		v = v * (unsigned long)base + (unsigned long)h;
		(*i)++;
	}
	if (c == 'x' || base == 8) {
		if (v > 255)
			return -1;
		return buf_appendc(b, (char)v) ? -1 : 0;
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
		return -1;
	put_utf8(b, v);
	return 0;
}

/* The text between the quotes of a "...", `...` or '...' token. */
static json_t *unquote(parser *p, const tmpl_tok *t)
{
	const char *s = tok_text(p, t) + 1;
	size_t n = t->len - 2, i = 0;
	char q = s[-1];
	buf b = BUF_INIT(TMPL_MAX_SOURCE);
	while (i < n) {
		char c = s[i++];
		if (q == '`') {
			if (c != '\r')
				buf_appendc(&b, c);
		} else if (c != '\\') {
			buf_appendc(&b, c);
		} else if (unescape(s, n, &i, q, &b)) {
			buf_release(&b);
			perr(p, t->pos, "invalid escape in %s", q == '\'' ? "character constant" : "quoted string");
		}
	}
	json_t *v = json_stringn_nocheck(b.data ? b.data : "", b.len);
	buf_release(&b);
	return v;
}

/* A character constant is the int of its code point, as in Go. */
static json_t *char_const(parser *p, const tmpl_tok *t)
{
	json_t *s = unquote(p, t);
	const unsigned char *u = (const unsigned char *)json_string_value(s);
	size_t n = json_string_length(s);
	long r = -1;
	if (n == 1)
		r = u[0];
	else if (n == 2 && (u[0] & 0xE0) == 0xC0)
		r = ((u[0] & 0x1F) << 6) | (u[1] & 0x3F);
	else if (n == 3 && (u[0] & 0xF0) == 0xE0)
		r = ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
	else if (n == 4 && (u[0] & 0xF8) == 0xF0)
		r = ((long)(u[0] & 0x07) << 18) | ((u[1] & 0x3F) << 12) | ((u[2] & 0x3F) << 6) | (u[3] & 0x3F);
	json_decref(s);
	if (r < 0)
		perr(p, t->pos, "malformed character constant: %.*s", (int)t->len, tok_text(p, t));
	return json_integer(r);
}

/*
 * Go's NumberNode and idealConstant: an integer text is an int; a text
 * with '.', an exponent or a 'p' is a float64 (1e6 prints 1e+06). Leading
 * 0 is octal, 0x hex, 0o octal, 0b binary; '_' separates digits.
 */
static json_t *number(parser *p, const tmpl_tok *t)
{
	char txt[128];
	size_t k = 0;
	const char *s = tok_text(p, t);
	for (size_t i = 0; i < t->len && k + 1 < sizeof txt; i++)
		if (s[i] != '_')
			txt[k++] = s[i];
	txt[k] = '\0';
	const char *d = txt + (txt[0] == '+' || txt[0] == '-');
	int neg = txt[0] == '-';
	int hex = d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
	int isfloat = hex ? strpbrk(d, "pP") != NULL : strpbrk(d, ".eE") != NULL;
	char *end = NULL;
	errno = 0;
	if (t->len >= sizeof txt || !*d || strchr(d, 'i'))
		goto bad;
	if (isfloat) {
		double f = strtod(txt, &end);
		if (*end || errno)
			goto bad;
		return json_real(f);
	}
	int base = 10;
	if (d[0] == '0' && d[1]) {
		char c = d[1];
		base = (c == 'x' || c == 'X') ? 16 : (c == 'b' || c == 'B') ? 2 : 8;
		d += (c >= '0' && c <= '9') ? 1 : 2;
		if (!*d)
			goto bad;
	}
	unsigned long long u = strtoull(d, &end, base);
	if (*end || *d == '-' || *d == '+')
		goto bad;
	if (errno || u > (neg ? (unsigned long long)INT64_MAX + 1 : (unsigned long long)INT64_MAX))
		perr(p, t->pos, "integer overflow: %.*s", (int)t->len, s);
	return json_integer(neg ? (json_int_t)(0 - u) : (json_int_t)u);
bad:
	perr(p, t->pos, "illegal number syntax: \"%.*s\"", (int)(t->len > 40 ? 40 : t->len), s);
}

/* ---- pipelines, commands, operands ---- */

static tmpl_pipe *pipeline(parser *p, const char *ctx, enum tok_type end);

static tmpl_node *const_node(parser *p, const tmpl_tok *t, json_t *v)
{
	tmpl_node *n = new_node(p, N_CONST, t->pos);
	n->cidx = keep_const(p, v);
	n->end = t->pos + t->len;
	return n;
}

static tmpl_node *term(parser *p)
{
	tmpl_tok *t = next_ns(p);
	tmpl_node *n;
	switch (t->type) {
	case T_IDENT:
		n = new_node(p, N_IDENT, t->pos);
		n->func = tmpl_func_lookup(tok_text(p, t), t->len);
		if (n->func < 0)
			perr(p, t->pos, "function \"%.*s\" not defined", (int)t->len, tok_text(p, t));
		n->text = tok_text(p, t);
		n->textlen = t->len;
		break;
	case T_DOT: n = new_node(p, N_DOT, t->pos); break;
	case T_NIL: n = new_node(p, N_NIL, t->pos); break;
	case T_VAR:
		use_var(p, t);
		n = new_node(p, N_VAR, t->pos);
		n->names = new_name(p, tok_text(p, t), t->len);
		break;
	case T_FIELD:
		n = new_node(p, N_FIELD, t->pos);
		n->names = new_name(p, tok_text(p, t) + 1, t->len - 1);
		break;
	case T_BOOL: return const_node(p, t, tok_text(p, t)[0] == 't' ? json_true() : json_false());
	case T_NUMBER: return const_node(p, t, number(p, t));
	case T_CHARCONST: return const_node(p, t, char_const(p, t));
	case T_STRING:
	case T_RAW: return const_node(p, t, unquote(p, t));
	case T_LPAREN:
		deeper(p, t->pos);
		n = new_node(p, N_PIPE, t->pos);
		n->pipe = pipeline(p, "parenthesized pipeline", T_RPAREN);
		p->depth--;
		n->end = p->lx.toks[p->i - 1].pos + 1;
		return n;
	default:
		p->i--;
		return NULL;
	}
	n->end = t->pos + t->len;
	return n;
}

/* A term followed by .Field accesses without spaces: .A.B, $x.A, (f).A. */
static tmpl_node *operand(parser *p)
{
	tmpl_node *n = term(p);
	if (!n || peek(p)->type != T_FIELD)
		return n;
	if (n->type == N_CONST || n->type == N_NIL || n->type == N_DOT)
		perr(p, peek(p)->pos, "unexpected . after term \"%.*s\"", (int)(n->end - n->pos),
		     p->t->src + n->pos);
	if (n->type != N_FIELD && n->type != N_VAR) {
		tmpl_node *c = new_node(p, N_CHAIN, n->pos);
		c->sub = n;
		n = c;
	}
	tmpl_name **tail = &n->names;
	while (*tail)
		tail = &(*tail)->next;
	while (peek(p)->type == T_FIELD) {
		tmpl_tok *t = next(p);
		*tail = new_name(p, tok_text(p, t) + 1, t->len - 1);
		tail = &(*tail)->next;
		n->end = t->pos + t->len;
	}
	return n;
}

static tmpl_cmd *command(parser *p)
{
	tmpl_cmd *cmd = tmpl_alloc(p->t, sizeof *cmd);
	cmd->pos = peek_ns(p)->pos;
	tmpl_node **tail = &cmd->args;
	for (;;) {
		peek_ns(p);
		tmpl_node *op = operand(p);
		if (op) {
			*tail = op;
			tail = &op->next;
		}
		tmpl_tok *t = next(p);
		if (t->type == T_SPACE)
			continue;
		if (t->type == T_RIGHT || t->type == T_RPAREN) {
			p->i--;
			break;
		}
		if (t->type == T_PIPE) {
			enum tok_type after = peek_ns(p)->type;
			if (after == T_RIGHT || after == T_RPAREN)
				perr(p, t->pos, "missing command after |");
			break;
		}
		unexpected(p, t, "operand");
	}
	if (!cmd->args)
		perr(p, cmd->pos, "empty command");
	return cmd;
}

static void check_pipeline(parser *p, tmpl_pipe *pipe, const char *ctx)
{
	if (!pipe->cmds)
		perr(p, pipe->pos, "missing value for %s", ctx);
	int stage = 1;
	for (tmpl_cmd *c = pipe->cmds->next; c; c = c->next) {
		enum node_type t = c->args->type;
		stage++;
		if (t == N_CONST || t == N_DOT || t == N_NIL)
			perr(p, c->pos, "non executable command in pipeline stage %d", stage);
	}
}

static void add_decl(parser *p, tmpl_pipe *pipe, const tmpl_tok *v, int declare)
{
	tmpl_name *nm = new_name(p, tok_text(p, v), v->len);
	tmpl_name **tail = &pipe->decl;
	while (*tail)
		tail = &(*tail)->next;
	*tail = nm;
	pipe->ndecl++;
	if (declare)
		push_var(p, nm->s, nm->n);
	else
		use_var(p, v);
}

/* "$x :=", "$x =", and in a range "$i, $x :=". */
static void declarations(parser *p, tmpl_pipe *pipe, const char *ctx)
{
	for (;;) {
		if (peek_ns(p)->type != T_VAR)
			return;
		size_t save = p->i;
		tmpl_tok *v = next(p);
		tmpl_tok *nx = peek_ns(p);
		if (nx->type == T_DECLARE || nx->type == T_ASSIGN) {
			next(p);
			pipe->is_assign = nx->type == T_ASSIGN;
			add_decl(p, pipe, v, nx->type == T_DECLARE);
			return;
		}
		if (nx->type != T_CHAR || tok_text(p, nx)[0] != ',') {
			p->i = save;
			return;
		}
		next(p);
		if (strcmp(ctx, "range") != 0 || pipe->ndecl >= 1)
			perr(p, nx->pos, "too many declarations in %s", ctx);
		if (peek_ns(p)->type != T_VAR)
			perr(p, nx->pos, "range can only initialize variables");
		add_decl(p, pipe, v, 1);
	}
}

static tmpl_pipe *pipeline(parser *p, const char *ctx, enum tok_type end)
{
	tmpl_pipe *pipe = tmpl_alloc(p->t, sizeof *pipe);
	pipe->pos = peek_ns(p)->pos;
	declarations(p, pipe, ctx);
	tmpl_cmd **tail = &pipe->cmds;
	for (;;) {
		tmpl_tok *t = next_ns(p);
		if (t->type == end) {
			pipe->end = t->pos;
			check_pipeline(p, pipe, ctx);
			return pipe;
		}
		switch (t->type) {
		case T_BOOL: case T_CHARCONST: case T_DOT: case T_FIELD: case T_IDENT:
		case T_NUMBER: case T_NIL: case T_RAW: case T_STRING: case T_VAR: case T_LPAREN:
			p->i--;
			*tail = command(p);
			tail = &(*tail)->next;
			break;
		default:
			unexpected(p, t, ctx);
		}
	}
}

/* ---- actions and control structures ---- */

enum term { TERM_NONE, TERM_END, TERM_ELSE };

static tmpl_node *text_or_action(parser *p, enum term *term, size_t *tpos);

/* Nodes up to an {{end}} or {{else}}, which *term names. */
static tmpl_node *item_list(parser *p, enum term *term, size_t *tpos, size_t open, const char *ctx)
{
	tmpl_node *list = new_node(p, N_LIST, open);
	tmpl_node **tail = &list->list;
	for (;;) {
		if (peek(p)->type == T_EOF)
			perr(p, open, "unexpected EOF: {{%s}} has no {{end}}", ctx);
		*term = TERM_NONE;
		tmpl_node *n = text_or_action(p, term, tpos);
		if (*term != TERM_NONE)
			return list;
		*tail = n;
		tail = &n->next;
	}
}

static tmpl_node *control(parser *p, enum node_type type, size_t start)
{
	const char *ctx = type == N_IF ? "if" : type == N_WITH ? "with" : "range";
	enum term term;
	size_t tpos, mark = p->nvars;
	deeper(p, start);
	tmpl_node *n = new_node(p, type, start);
	n->pipe = pipeline(p, ctx, T_RIGHT);
	if (type != N_RANGE && n->pipe->ndecl > 1)
		perr(p, start, "too many declarations in %s", ctx);
	p->range_depth += type == N_RANGE;
	n->list = item_list(p, &term, &tpos, start, ctx);
	p->range_depth -= type == N_RANGE;
	if (term == TERM_ELSE) {
		enum tok_type chain = peek_ns(p)->type;
		if ((type == N_IF && chain == T_IF) || (type == N_WITH && chain == T_WITH)) {
			/* {{else if}}: an {{if}} in the else branch sharing our {{end}} */
			next(p);
			n->elses = new_node(p, N_LIST, tpos);
			n->elses->list = control(p, type, tpos);
		} else {
			n->elses = item_list(p, &term, &tpos, start, ctx);
			if (term != TERM_END)
				perr(p, tpos, "expected end; found {{else}}");
		}
	}
	p->nvars = mark;
	p->depth--;
	return n;
}

static tmpl_node *action(parser *p, size_t start, enum term *term, size_t *tpos)
{
	tmpl_tok *t = next_ns(p);
	switch (t->type) {
	case T_DEFINE: case T_TEMPLATE: case T_BLOCK:
		perr(p, t->pos, "{{%.*s}} is not supported", (int)t->len, tok_text(p, t));
	case T_BREAK: case T_CONTINUE:
		if (!p->range_depth)
			perr(p, t->pos, "{{%.*s}} outside {{range}}", (int)t->len, tok_text(p, t));
		expect(p, T_RIGHT, t->type == T_BREAK ? "break" : "continue");
		return new_node(p, t->type == T_BREAK ? N_BREAK : N_CONTINUE, start);
	case T_ELSE:
		*term = TERM_ELSE;
		*tpos = start;
		if (peek_ns(p)->type != T_IF && peek_ns(p)->type != T_WITH)
			expect(p, T_RIGHT, "else");
		return NULL;
	case T_END:
		*term = TERM_END;
		*tpos = start;
		expect(p, T_RIGHT, "end");
		return NULL;
	case T_IF: return control(p, N_IF, start);
	case T_WITH: return control(p, N_WITH, start);
	case T_RANGE: return control(p, N_RANGE, start);
	default: break;
	}
	p->i--;
	tmpl_node *n = new_node(p, N_ACTION, start);
	n->pipe = pipeline(p, "command", T_RIGHT);
	n->end = n->pipe->end;
	return n;
}

static tmpl_node *text_or_action(parser *p, enum term *term, size_t *tpos)
{
	tmpl_tok *t = next(p);
	if (t->type == T_TEXT) {
		tmpl_node *n = new_node(p, N_TEXT, t->pos);
		n->text = tok_text(p, t);
		n->textlen = t->len;
		return n;
	}
	if (t->type != T_LEFT)
		unexpected(p, t, "input");
	return action(p, t->pos, term, tpos);
}

static tmpl_node *parse_root(parser *p)
{
	tmpl_node *root = new_node(p, N_LIST, 0);
	tmpl_node **tail = &root->list;
	push_var(p, "$", 1);
	while (peek(p)->type != T_EOF) {
		enum term term = TERM_NONE;
		size_t tpos = 0;
		tmpl_node *n = text_or_action(p, &term, &tpos);
		if (term != TERM_NONE)
			perr(p, tpos, "unexpected {{%s}}", term == TERM_END ? "end" : "else");
		*tail = n;
		tail = &n->next;
	}
	return root;
}

pdt_err tmpl_parse(const char *src, size_t len, tmpl **out, char *err, size_t errlen)
{
	*out = NULL;
	if (len > TMPL_MAX_SOURCE) {
		snprintf(err, errlen, "1:1: template too large (%zu bytes, at most %d)", len,
			 TMPL_MAX_SOURCE);
		return PDT_EINVAL;
	}
	struct tmpl *t = xcalloc(1, sizeof *t);
	t->src = xmalloc(len + 1);
	if (len)
		memcpy(t->src, src, len);
	t->src[len] = '\0';
	t->srclen = len;
	parser *p = xcalloc(1, sizeof *p);
	p->t = t;
	p->err = err;
	p->errlen = errlen;
	tmpl_lex(t->src, len, &p->lx);
	pdt_err rc = PDT_OK;
	if (setjmp(p->fail)) {
		rc = PDT_EINVAL;
		tmpl_free(t);
		t = NULL;
	} else {
		t->root = parse_root(p);
	}
	free(p->lx.toks);
	free(p->vars);
	free(p);
	*out = t;
	return rc;
}

void tmpl_free(tmpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nconsts; i++)
		json_decref(t->consts[i]);
	free(t->consts);
	while (t->arena) {
		tmpl_arena_block *b = t->arena;
		t->arena = b->next;
		free(b);
	}
	free(t->src);
	free(t);
}
