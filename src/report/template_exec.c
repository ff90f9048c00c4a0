/*
 * template_exec: walks a parsed template against a jansson value, as Go's
 * text/template/exec.go does. Every function returns R_ERR (-1) after
 * writing the message, R_OK, or for walks R_BREAK/R_CONTINUE on the way
 * up to the enclosing range. Values are json_t references owned by whoever
 * holds them (see template_int.h); NULL is Go's "no value".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "report/template.h"
#include "report/template_int.h"
#include "core/banned.h"

enum { R_ERR = -1, R_OK = 0, R_BREAK = 1, R_CONTINUE = 2 };

typedef struct evar {
	const char *s;
	size_t n;
	json_t *v; /* owned */
} evar;

typedef struct state {
	const struct tmpl *t;
	buf *out;
	size_t out_start;
	uint64_t steps;
	evar *vars;
	size_t nvars, capvars;
	json_t **consts; /* this execution's copies of the template's constants */
	buf scratch;
	char *err;
	size_t errlen;
} state;

/* "LINE:COL: executing at <source>: message", the source cut to one line. */
__attribute__((format(printf, 4, 5))) static int xerr(state *s, size_t pos, size_t end, const char *fmt, ...)
{
	char msg[256], at[48];
	int line, col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tmpl_linecol(s->t->src, s->t->srclen, pos, &line, &col);
	size_t n = end > pos ? end - pos : 0, k = 0;
	for (; k < n && k < 40 && s->t->src[pos + k] && s->t->src[pos + k] != '\n'; k++)
		at[k] = s->t->src[pos + k];
	at[k] = '\0';
	snprintf(s->err, s->errlen, "%d:%d: executing at <%s%s>: %s", line, col, at, k < n ? "..." : "", msg);
	return R_ERR;
}

static int step(state *s, size_t pos, size_t end, uint64_t cost)
{
	s->steps += 1 + cost;
	if (s->steps > TMPL_MAX_STEPS)
		return xerr(s, pos, end, "too many steps (more than %d)", TMPL_MAX_STEPS);
	return R_OK;
}

static int emit(state *s, const tmpl_node *n, const char *p, size_t len)
{
	if (s->out->len - s->out_start + len > TMPL_MAX_OUTPUT || buf_append(s->out, p, len))
		return xerr(s, n->pos, n->end, "output too large (more than %d bytes)", TMPL_MAX_OUTPUT);
	return R_OK;
}

/* ---- variables ---- */

static void push_var(state *s, const char *name, size_t n, json_t *v)
{
	if (s->nvars == s->capvars) {
		s->capvars = s->capvars ? s->capvars * 2 : 16;
		s->vars = xrealloc(s->vars, s->capvars * sizeof *s->vars);
	}
	s->vars[s->nvars++] = (evar){name, n, v};
}

static void pop_vars(state *s, size_t mark)
{
	while (s->nvars > mark)
		json_decref(s->vars[--s->nvars].v);
}

static evar *find_var(state *s, const tmpl_name *nm)
{
	for (size_t i = s->nvars; i-- > 0;)
		if (s->vars[i].n == nm->n && memcmp(s->vars[i].s, nm->s, nm->n) == 0)
			return &s->vars[i];
	return NULL;
}

static void set_value(json_t **slot, json_t *v)
{
	json_t *old = *slot;
	*slot = json_incref(v);
	json_decref(old);
}

/* ---- evaluation ---- */

static int eval_pipeline(state *s, json_t *dot, const tmpl_pipe *pipe, json_t **out);
static int eval_operand(state *s, json_t *dot, const tmpl_node *n, json_t **out);

/* .A.B on receiver (borrowed): a missing key gives no value, as Go's maps. */
static int eval_fields(state *s, json_t *recv, const tmpl_node *n, const tmpl_name *nm, json_t **out)
{
	json_t *cur = recv;
	for (; nm && cur; nm = nm->next) {
		if (json_is_null(cur))
			return xerr(s, n->pos, n->end, "nil pointer evaluating interface {}.%.*s", (int)nm->n, nm->s);
		if (!json_is_object(cur))
			return xerr(s, n->pos, n->end, "can't evaluate field %.*s in type %s", (int)nm->n, nm->s,
				    tmpl_type_name(cur));
		cur = json_object_getn(cur, nm->s, nm->n);
	}
	*out = json_incref(cur);
	return R_OK;
}

static int eval_var(state *s, const tmpl_node *n, json_t **out)
{
	evar *v = find_var(s, n->names);
	if (!v)
		return xerr(s, n->pos, n->end, "undefined variable: %.*s", (int)n->names->n, n->names->s);
	return eval_fields(s, v->v, n, n->names->next, out);
}

/* and/or return their first falsy/truthy operand and skip the rest. */
static int eval_andor(state *s, json_t *dot, const tmpl_node *args, json_t *final, int has_final,
		      int is_or, json_t **out)
{
	json_t *v = NULL;
	for (const tmpl_node *a = args; a; a = a->next) {
		json_decref(v);
		v = NULL;
		if (eval_operand(s, dot, a, &v))
			return R_ERR;
		if (tmpl_truth(v) == is_or) {
			*out = v;
			return R_OK;
		}
	}
	if (has_final) {
		json_decref(v);
		v = json_incref(final);
	}
	*out = v;
	return R_OK;
}

static int call_builtin(state *s, const tmpl_node *fn, const tmpl_func *f, json_t **argv, int argc,
			json_t **out)
{
	char msg[200];
	tmpl_fn_ctx c = {&s->scratch, msg, sizeof msg, 0};
	if (f->fn(&c, argv, argc, out))
		return xerr(s, fn->pos, fn->end, "error calling %s: %s", f->name, msg);
	return step(s, fn->pos, fn->end, c.cost);
}

static int eval_call(state *s, json_t *dot, const tmpl_node *fn, json_t *final, int has_final,
		     json_t **out)
{
	const tmpl_func *f = tmpl_func_get(fn->func);
	int argc = has_final, rc = R_OK, got = 0;
	tmpl_node at = *fn; /* for messages: the whole call */
	for (const tmpl_node *a = fn->next; a; a = a->next) {
		argc++;
		at.end = a->end;
	}
	fn = &at;
	if (argc < f->min || (f->max >= 0 && argc > f->max)) {
		if (f->max == f->min)
			return xerr(s, fn->pos, fn->end, "wrong number of args for %s: want %d got %d", f->name,
				    f->min, argc);
		return xerr(s, fn->pos, fn->end, "wrong number of args for %s: want at least %d got %d",
			    f->name, f->min, argc);
	}
	if (!f->fn)
		return eval_andor(s, dot, fn->next, final, has_final, f->name[0] == 'o', out);
	json_t *small[16];
	json_t **argv = argc <= 16 ? small : xmalloc((size_t)argc * sizeof *argv);
	for (const tmpl_node *a = fn->next; a && rc == R_OK; a = a->next)
		rc = eval_operand(s, dot, a, &argv[got++]);
	if (rc == R_OK && has_final)
		argv[got++] = json_incref(final);
	if (rc == R_OK)
		rc = call_builtin(s, fn, f, argv, argc, out);
	for (int i = 0; i < got; i++)
		json_decref(argv[i]);
	if (argv != small)
		free(argv);
	return rc;
}

static int eval_operand(state *s, json_t *dot, const tmpl_node *n, json_t **out)
{
	json_t *sub = NULL;
	int rc;
	*out = NULL;
	switch (n->type) {
	case N_DOT: *out = json_incref(dot); return R_OK;
	case N_NIL: return R_OK;
	case N_CONST:
		if (!s->consts[n->cidx])
			s->consts[n->cidx] = json_copy(s->t->consts[n->cidx]);
		*out = json_incref(s->consts[n->cidx]);
		return R_OK;
	case N_FIELD: return eval_fields(s, dot, n, n->names, out);
	case N_VAR: return eval_var(s, n, out);
	case N_PIPE: return eval_pipeline(s, dot, n->pipe, out);
	case N_IDENT: return eval_call(s, dot, n, NULL, 0, out);
	case N_CHAIN:
		if (eval_operand(s, dot, n->sub, &sub))
			return R_ERR;
		rc = eval_fields(s, sub, n, n->names, out);
		json_decref(sub);
		return rc;
	default: return xerr(s, n->pos, n->end, "can't evaluate this node");
	}
}

static int eval_command(state *s, json_t *dot, const tmpl_cmd *cmd, json_t *final, int has_final,
			json_t **out)
{
	const tmpl_node *first = cmd->args;
	if (step(s, first->pos, first->end, 0))
		return R_ERR;
	if (first->type == N_IDENT)
		return eval_call(s, dot, first, final, has_final, out);
	if (first->type == N_NIL)
		return xerr(s, first->pos, first->end, "nil is not a command");
	if (first->next || has_final) {
		const tmpl_name *last = first->names;
		while (last && last->next)
			last = last->next;
		if (last && first->type != N_VAR)
			return xerr(s, first->pos, first->end, "%.*s is not a method but has arguments",
				    (int)last->n, last->s);
		return xerr(s, first->pos, first->end, "can't give argument to non-function %.*s",
			    (int)(first->end - first->pos), s->t->src + first->pos);
	}
	return eval_operand(s, dot, first, out);
}

/* Go unwraps a nil interface{} result of each command to "no value". */
static int eval_pipeline(state *s, json_t *dot, const tmpl_pipe *pipe, json_t **out)
{
	json_t *v = NULL;
	int has_final = 0;
	for (const tmpl_cmd *c = pipe->cmds; c; c = c->next) {
		json_t *nv = NULL;
		int rc = eval_command(s, dot, c, v, has_final, &nv);
		json_decref(v);
		if (rc)
			return R_ERR;
		v = json_is_null(nv) ? NULL : nv;
		if (!v)
			json_decref(nv);
		has_final = 1;
	}
	for (const tmpl_name *d = pipe->decl; d; d = d->next) {
		if (!pipe->is_assign) {
			push_var(s, d->s, d->n, json_incref(v));
			continue;
		}
		evar *e = find_var(s, d);
		if (!e) {
			json_decref(v);
			return xerr(s, pipe->pos, pipe->end, "undefined variable: %.*s", (int)d->n, d->s);
		}
		set_value(&e->v, v);
	}
	*out = v;
	return R_OK;
}

/* ---- walking ---- */

static int walk(state *s, json_t *dot, const tmpl_node *n);

static int print_value(state *s, const tmpl_node *n, json_t *v)
{
	if (!v)
		return emit(s, n, "<no value>", 10);
	if (json_is_string(v))
		return emit(s, n, json_string_value(v), json_string_length(v));
	buf_reset(&s->scratch);
	if (tmpl_fmt_value(&s->scratch, v))
		return xerr(s, n->pos, n->end, "output too large (more than %d bytes)", TMPL_MAX_OUTPUT);
	return emit(s, n, buf_str(&s->scratch), s->scratch.len);
}

static int walk_list(state *s, json_t *dot, const tmpl_node *list)
{
	for (const tmpl_node *c = list ? list->list : NULL; c; c = c->next) {
		int rc = walk(s, dot, c);
		if (rc)
			return rc;
	}
	return R_OK;
}

static int walk_if_with(state *s, json_t *dot, const tmpl_node *n)
{
	size_t mark = s->nvars;
	json_t *v = NULL;
	int rc = eval_pipeline(s, dot, n->pipe, &v);
	if (rc == R_OK) {
		if (tmpl_truth(v))
			rc = walk_list(s, n->type == N_WITH ? v : dot, n->list);
		else if (n->elses)
			rc = walk_list(s, dot, n->elses);
	}
	json_decref(v);
	pop_vars(s, mark);
	return rc;
}

/* One range iteration: sets the declared variables, walks the body. */
static int iteration(state *s, const tmpl_node *n, json_t *key, json_t *elem)
{
	const tmpl_pipe *p = n->pipe;
	if (step(s, n->pos, n->pipe->end, 0))
		return R_ERR;
	if (p->is_assign) {
		evar *e = find_var(s, p->ndecl > 1 ? p->decl->next : p->decl);
		if (e)
			set_value(&e->v, elem);
		if (p->ndecl > 1 && (e = find_var(s, p->decl)))
			set_value(&e->v, key);
	} else if (p->ndecl > 0) {
		set_value(&s->vars[s->nvars - 1].v, elem);
		if (p->ndecl > 1)
			set_value(&s->vars[s->nvars - 2].v, key);
	}
	size_t mark = s->nvars;
	int rc = walk_list(s, elem, n->list);
	pop_vars(s, mark);
	return rc == R_CONTINUE ? R_OK : rc;
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int range_object(state *s, const tmpl_node *n, json_t *obj)
{
	size_t k = 0, cnt = json_object_size(obj);
	const char **keys = xmalloc((cnt ? cnt : 1) * sizeof *keys);
	const char *key;
	json_t *val;
	int rc = R_OK;
	json_object_foreach(obj, key, val)
		keys[k++] = key;
	qsort(keys, k, sizeof *keys, cmp_keys);
	for (size_t i = 0; i < k && rc == R_OK; i++) {
		json_t *ks = json_string_nocheck(keys[i]);
		rc = iteration(s, n, ks, json_object_get(obj, keys[i]));
		json_decref(ks);
	}
	free(keys);
	return rc;
}

static int range_over(state *s, const tmpl_node *n, json_t *v)
{
	int rc = R_OK;
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v) && rc == R_OK; i++) {
			json_t *idx = json_integer((json_int_t)i);
			rc = iteration(s, n, idx, json_array_get(v, i));
			json_decref(idx);
		}
	} else if (json_is_object(v)) {
		rc = range_object(s, n, v);
	} else if (json_is_integer(v)) { /* Go 1.22: {{range 5}} counts 0..4 */
		if (n->pipe->ndecl > 1)
			return xerr(s, n->pos, n->pipe->end, "can't use %lld to iterate over more than one variable",
				    (long long)json_integer_value(v));
		for (json_int_t i = 0; i < json_integer_value(v) && rc == R_OK; i++) {
			json_t *e = json_integer(i);
			rc = iteration(s, n, e, e);
			json_decref(e);
		}
	} else {
		buf_reset(&s->scratch);
		tmpl_fmt_value(&s->scratch, v);
		return xerr(s, n->pos, n->pipe->end, "range can't iterate over %.40s", buf_str(&s->scratch));
	}
	return rc == R_BREAK ? R_OK : rc;
}

static int range_size(const json_t *v)
{
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) > 0;
	return v != NULL;
}

static int walk_range(state *s, json_t *dot, const tmpl_node *n)
{
	size_t mark = s->nvars;
	json_t *v = NULL;
	int rc = eval_pipeline(s, dot, n->pipe, &v);
	if (rc == R_OK) {
		if (range_size(v))
			rc = range_over(s, n, v);
		else if (n->elses)
			rc = walk_list(s, dot, n->elses);
	}
	json_decref(v);
	pop_vars(s, mark);
	return rc;
}

static int walk_action(state *s, json_t *dot, const tmpl_node *n)
{
	json_t *v = NULL;
	if (eval_pipeline(s, dot, n->pipe, &v))
		return R_ERR;
	int rc = n->pipe->decl ? R_OK : print_value(s, n, v);
	json_decref(v);
	return rc;
}

static int walk(state *s, json_t *dot, const tmpl_node *n)
{
	if (step(s, n->pos, n->end, 0))
		return R_ERR;
	switch (n->type) {
	case N_LIST: return walk_list(s, dot, n);
	case N_TEXT: return emit(s, n, n->text, n->textlen);
	case N_ACTION: return walk_action(s, dot, n);
	case N_IF:
	case N_WITH: return walk_if_with(s, dot, n);
	case N_RANGE: return walk_range(s, dot, n);
	case N_BREAK: return R_BREAK;
	case N_CONTINUE: return R_CONTINUE;
	default: return xerr(s, n->pos, n->end, "unexpected node");
	}
}

pdt_err tmpl_exec(const tmpl *t, const json_t *data, buf *out, char *err, size_t errlen)
{
	state s = {0};
	json_t *root = (json_t *)data; /* only its reference count changes */
	s.t = t;
	s.out = out;
	s.out_start = out->len;
	s.err = err;
	s.errlen = errlen;
	buf_init(&s.scratch, TMPL_MAX_OUTPUT);
	s.consts = xcalloc(t->nconsts ? t->nconsts : 1, sizeof *s.consts);
	push_var(&s, "$", 1, json_incref(root));
	int rc = walk(&s, root, t->root);
	pop_vars(&s, 0);
	for (size_t i = 0; i < t->nconsts; i++)
		json_decref(s.consts[i]);
	free(s.consts);
	free(s.vars);
	buf_release(&s.scratch);
	if (rc == R_ERR) {
		out->len = s.out_start; /* no partial report */
		if (out->data)
			out->data[out->len] = '\0';
		return PDT_EINVAL;
	}
	return PDT_OK;
}
