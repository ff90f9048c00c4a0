#ifndef PDT_REPORT_TEMPLATE_INT_H
#define PDT_REPORT_TEMPLATE_INT_H
/*
 * template_int: what the template_*.c files share; not an API (use
 * report/template.h). The pipeline is Go's: template_lex.c cuts the source
 * into tokens (trim markers and comments are resolved there),
 * template_parse.c builds a tree of nodes allocated from the template's
 * arena, template_exec.c walks it against a jansson value, with the
 * built-in functions in template_funcs.c and Go's fmt rules in
 * template_fmt.c.
 *
 * Runtime values are json_t pointers holding one reference each; NULL is
 * Go's "no value" (a missing key, a nil). Numbers and strings written in the
 * template are built once at parse time, but an execution uses its own
 * copies (made when first used): reference counting touches the value, and
 * jansson's json_incref reads the count without an atomic load, so values
 * shared by concurrent executions would race.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define TMPL_MAX_DEPTH 100 /* nesting of controls and parentheses */

enum tok_type {
	T_EOF,
	T_ERROR, /* the lexer stopped here; message in the lexer result */
	T_TEXT,
	T_LEFT,  /* {{ */
	T_RIGHT, /* }} */
	T_SPACE,
	T_IDENT,
	T_FIELD, /* .Name */
	T_VAR,   /* $name or $ */
	T_DOT,
	T_STRING,
	T_RAW,
	T_CHARCONST,
	T_NUMBER,
	T_BOOL,
	T_NIL,
	T_DECLARE, /* := */
	T_ASSIGN,  /* = */
	T_PIPE,
	T_LPAREN,
	T_RPAREN,
	T_CHAR, /* any other printable ASCII, e.g. the ',' of range decls */
	/* keywords */
	T_RANGE,
	T_IF,
	T_ELSE,
	T_END,
	T_WITH,
	T_BREAK,
	T_CONTINUE,
	T_DEFINE,
	T_TEMPLATE,
	T_BLOCK,
};

typedef struct tmpl_tok {
	enum tok_type type;
	size_t pos; /* byte offset in the source */
	size_t len;
} tmpl_tok;

typedef struct tmpl_lexed {
	tmpl_tok *toks; /* ends with T_EOF or T_ERROR; free() */
	size_t n;
	char msg[96];  /* for T_ERROR */
} tmpl_lexed;

/* Never fails: a lexing error ends the stream with a T_ERROR token. */
void tmpl_lex(const char *src, size_t len, tmpl_lexed *out);

enum node_type {
	N_LIST,
	N_TEXT,
	N_ACTION,
	N_IF,
	N_WITH,
	N_RANGE,
	N_BREAK,
	N_CONTINUE,
	/* operands */
	N_FIELD,   /* .A.B: names */
	N_VAR,     /* $x.A.B: var, then names */
	N_DOT,
	N_NIL,
	N_CONST,   /* bool, number or string: value */
	N_IDENT,   /* a function name */
	N_PIPE,    /* a parenthesised pipeline */
	N_CHAIN,   /* (pipe).A.B: sub, then names */
};

typedef struct tmpl_name {
	const char *s; /* into the template's copy of the source */
	size_t n;
	struct tmpl_name *next;
} tmpl_name;

typedef struct tmpl_node tmpl_node;

typedef struct tmpl_cmd {
	tmpl_node *args; /* operands, linked by next */
	size_t pos;
	struct tmpl_cmd *next;
} tmpl_cmd;

typedef struct tmpl_pipe {
	tmpl_name *decl; /* up to two variables, in source order */
	int ndecl;
	int is_assign;
	tmpl_cmd *cmds;
	size_t pos, end; /* the source the pipeline came from, for messages */
} tmpl_pipe;

struct tmpl_node {
	enum node_type type;
	size_t pos, end;
	tmpl_node *next;   /* the next node in a list or command */
	tmpl_node *list;   /* N_LIST: children; controls: body (an N_LIST) */
	tmpl_node *elses;  /* controls: the else body (an N_LIST) or NULL */
	tmpl_pipe *pipe;   /* N_ACTION, controls, N_PIPE */
	tmpl_node *sub;    /* N_CHAIN: what the fields are taken from */
	tmpl_name *names;  /* N_FIELD, N_VAR (first is the variable), N_CHAIN */
	size_t cidx;       /* N_CONST: its value is consts[cidx] of the template */
	const char *text;  /* N_TEXT, N_IDENT */
	size_t textlen;
	int func;          /* N_IDENT: index into tmpl_funcs */
};

typedef struct tmpl_arena_block {
	struct tmpl_arena_block *next;
	size_t used, size;
	max_align_t data[];
} tmpl_arena_block;

struct tmpl {
	char *src; /* the copied source; nodes point into it */
	size_t srclen;
	tmpl_node *root; /* an N_LIST */
	tmpl_arena_block *arena;
	json_t **consts; /* every N_CONST value, to release them */
	size_t nconsts, capconsts;
};

/* Zeroed memory that lives as long as t. */
void *tmpl_alloc(struct tmpl *t, size_t n);

/* "LINE:COL" of a byte offset, 1-based. */
void tmpl_linecol(const char *src, size_t len, size_t pos, int *line, int *col);

/* ---- built-in functions (template_funcs.c) ---- */
typedef struct tmpl_fn_ctx {
	buf *scratch;  /* for functions that build strings; capped at TMPL_MAX_OUTPUT */
	char *msg;     /* on failure, the message */
	size_t msglen;
	uint64_t cost; /* extra steps charged for work proportional to sizes */
} tmpl_fn_ctx;

/* On success *res holds a new reference (or NULL for "no value"); returns
 * 0. On failure returns -1 with ctx->msg set. argv entries are borrowed and
 * may be NULL (nil). */
typedef int (*tmpl_fn)(tmpl_fn_ctx *ctx, json_t **argv, int argc, json_t **res);

typedef struct tmpl_func {
	const char *name;
	int min, max; /* argument counts; max -1: any */
	tmpl_fn fn;   /* NULL for and/or, which exec evaluates lazily */
} tmpl_func;

/* Index of name in tmpl_funcs, or -1. */
int tmpl_func_lookup(const char *name, size_t n);
const tmpl_func *tmpl_func_get(int i);

/* Go's truth: false, 0, nil, "" and empty arrays and objects are false. */
int tmpl_truth(const json_t *v);

/* ---- Go's fmt (template_fmt.c); each returns PDT_ETOOBIG past b's cap ---- */
/* Go's %v of v, as {{.}} prints it (NULL prints "<nil>"). */
pdt_err tmpl_fmt_value(buf *b, const json_t *v);
/* Go's type name of v, for messages: int, float64, string, ... */
const char *tmpl_type_name(const json_t *v);
pdt_err tmpl_fmt_printf(buf *b, const char *fmt, size_t flen, json_t **argv, int argc);
/* Go's fmt.Sprint (ln 0) or fmt.Sprintln (ln 1). */
pdt_err tmpl_fmt_print(buf *b, json_t **argv, int argc, int ln);

#endif
