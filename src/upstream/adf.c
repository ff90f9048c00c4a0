/*
 * adf: Atlassian Document Format to plain text (adf.h). One recursive walk
 * with a depth bound; the output is a growable string with a byte cap that
 * cuts on a character boundary and then ignores the rest.
 */
#include "upstream/adf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"
#include "core/banned.h"

typedef struct adf_out {
	char *s;
	size_t len, cap, max;
	bool full;
	bool after_prefix; /* a list marker was just written: the item's first block stays on its line */
	int in_cell;       /* inside a table cell: blocks are separated by spaces */
	bool cell_space;   /* the last byte is such a space (dropped at the row's end) */
	size_t nodes;
} adf_out;

static void put(adf_out *o, const char *p, size_t n)
{
	if (o->full || n == 0)
		return;
	if (n > o->max - o->len) {
		n = utf8_valid_prefix(p, o->max - o->len);
		o->full = true;
	}
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->s = xrealloc(o->s, o->cap);
	}
	memcpy(o->s + o->len, p, n);
	o->len += n;
	o->s[o->len] = '\0';
	o->after_prefix = false;
	o->cell_space = false;
}

static void puts_(adf_out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Text from upstream: up to its first invalid byte (a NUL included). */
static void put_text(adf_out *o, const char *s, size_t n)
{
	const char *nul = memchr(s, '\0', n);
	if (nul)
		n = (size_t)(nul - s);
	put(o, s, utf8_valid_prefix(s, n));
}

static bool at_line_start(const adf_out *o)
{
	return o->len == 0 || o->s[o->len - 1] == '\n';
}

static void end_line(adf_out *o)
{
	if (o->in_cell) {
		if (!at_line_start(o) && o->s[o->len - 1] != ' ') {
			put(o, " ", 1);
			o->cell_space = !o->full;
		}
		return;
	}
	if (o->cell_space) {
		o->s[--o->len] = '\0';
		o->cell_space = false;
	}
	if (!at_line_start(o))
		put(o, "\n", 1);
}

static void start_block(adf_out *o)
{
	if (!o->after_prefix)
		end_line(o);
}

static const char *node_type(const json_t *n)
{
	const char *t = json_string_value(json_object_get(n, "type"));
	return t ? t : "";
}

static const char *attr_str(const json_t *n, const char *key)
{
	return json_string_value(json_object_get(json_object_get(n, "attrs"), key));
}

static void walk(adf_out *o, const json_t *n, int depth, int list_level);

static void walk_children(adf_out *o, const json_t *n, int depth, int list_level)
{
	const json_t *c;
	size_t i;
	json_array_foreach(json_object_get(n, "content"), i, c) {
		if (o->full)
			return;
		walk(o, c, depth + 1, list_level);
	}
}

/* bulletList / orderedList: each listItem gets its marker, indented by level. */
static void walk_list(adf_out *o, const json_t *n, int depth, int level, bool ordered)
{
	const json_t *c, *order = json_object_get(json_object_get(n, "attrs"), "order");
	json_int_t num = json_is_integer(order) ? json_integer_value(order) : 1;
	size_t i;
	if (num < 0 || num > 1000000000)
		num = 1;
	json_array_foreach(json_object_get(n, "content"), i, c) {
		char marker[32];
		if (o->full || depth + 1 > ADF_MAX_DEPTH || ++o->nodes > ADF_MAX_NODES)
			return;
		start_block(o);
		for (int k = 0; k < level && !o->in_cell; k++)
			puts_(o, "  ");
		if (ordered)
			snprintf(marker, sizeof marker, "%lld. ", (long long)num++);
		else
			snprintf(marker, sizeof marker, "- ");
		puts_(o, marker);
		o->after_prefix = true;
		walk_children(o, c, depth + 1, level + 1);
		end_line(o);
		o->after_prefix = false;
	}
}

/* Inline nodes that carry their text in attrs. */
static bool walk_inline_attr(adf_out *o, const json_t *n, const char *t)
{
	const char *v = NULL;
	if (strcmp(t, "mention") == 0 || strcmp(t, "status") == 0)
		v = attr_str(n, "text");
	else if (strcmp(t, "emoji") == 0)
		v = attr_str(n, "text") ? attr_str(n, "text") : attr_str(n, "shortName");
	else if (strcmp(t, "inlineCard") == 0 || strcmp(t, "blockCard") == 0 ||
		 strcmp(t, "embedCard") == 0)
		v = attr_str(n, "url");
	else if (strcmp(t, "date") == 0)
		v = attr_str(n, "timestamp");
	else
		return false;
	if (v)
		put_text(o, v, strlen(v));
	return true;
}

static bool is_block(const char *t)
{
	static const char *const blocks[] = {"paragraph", "heading", "blockquote", "panel",
					     "tableRow", "mediaSingle", "mediaGroup",
					     "expand", "nestedExpand", "decisionItem",
					     "taskItem", "table", NULL};
	for (int i = 0; blocks[i]; i++)
		if (strcmp(t, blocks[i]) == 0)
			return true;
	return false;
}

static void walk(adf_out *o, const json_t *n, int depth, int list_level)
{
	const char *t;
	if (o->full || depth > ADF_MAX_DEPTH || !json_is_object(n) || ++o->nodes > ADF_MAX_NODES)
		return;
	t = node_type(n);
	if (strcmp(t, "text") == 0) {
		const json_t *v = json_object_get(n, "text");
		if (json_is_string(v))
			put_text(o, json_string_value(v), json_string_length(v));
	} else if (strcmp(t, "hardBreak") == 0) {
		if (o->in_cell)
			end_line(o);
		else
			put(o, "\n", 1);
	} else if (strcmp(t, "rule") == 0) {
		start_block(o);
		puts_(o, "---");
		end_line(o);
	} else if (strcmp(t, "bulletList") == 0 || strcmp(t, "orderedList") == 0 ||
		   strcmp(t, "taskList") == 0 || strcmp(t, "decisionList") == 0) {
		walk_list(o, n, depth, list_level, strcmp(t, "orderedList") == 0);
	} else if (strcmp(t, "codeBlock") == 0) {
		start_block(o);
		walk_children(o, n, depth, list_level); /* text kept as it is, line breaks too */
		end_line(o);
	} else if (strcmp(t, "tableCell") == 0 || strcmp(t, "tableHeader") == 0) {
		if (!at_line_start(o) && !o->after_prefix)
			puts_(o, o->len && o->s[o->len - 1] == ' ' ? "| " : " | ");
		o->in_cell++;
		walk_children(o, n, depth, list_level);
		o->in_cell--;
	} else if (walk_inline_attr(o, n, t)) {
		/* done */
	} else if (is_block(t)) {
		start_block(o);
		walk_children(o, n, depth, list_level);
		end_line(o);
	} else {
		walk_children(o, n, depth, list_level); /* doc, and nodes unknown today */
	}
}

/* Drops trailing white space and line breaks. */
static void trim_end(adf_out *o)
{
	while (o->len && (o->s[o->len - 1] == '\n' || o->s[o->len - 1] == ' ' ||
			  o->s[o->len - 1] == '\t' || o->s[o->len - 1] == '\r'))
		o->s[--o->len] = '\0';
}

char *adf_to_text(const json_t *v, size_t max)
{
	adf_out o = {.max = max};
	if (json_is_string(v))
		put_text(&o, json_string_value(v), json_string_length(v));
	else if (json_is_object(v))
		walk(&o, v, 0, 0);
	trim_end(&o);
	return o.s ? o.s : xstrdup("");
}
