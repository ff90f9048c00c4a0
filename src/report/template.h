#ifndef PDT_REPORT_TEMPLATE_H
#define PDT_REPORT_TEMPLATE_H
/*
 * template: Go text/template syntax, because users bring PDT's report
 * templates. The data a template sees is a jansson value: an object's keys
 * are its field names ({{.Stats.TotalCommits}}), arrays are what {{range}},
 * len, index and slice walk. Go sees the data as it would a decoded
 * map[string]interface{}: a JSON integer is an int, a real a float64, an
 * array []interface {}, an object map[string]interface {}. Truth is Go's:
 * false, 0, null, "" and empty arrays and objects are false.
 *
 * Supported: {{.A.B}} (a missing key gives Go's "<no value>", as does a
 * null; a field of a null is an error), {{range}} over arrays, objects (in
 * sorted key order) and ints (Go 1.22), with `$x :=`, `$i, $x :=` and
 * {{else}}, {{break}} and {{continue}}; {{if}} / {{else if}} / {{else}} /
 * {{end}}; {{with}} / {{else with}} / {{else}}; variables ($x := ..., $x =
 * ..., $ for the root, scoped to the enclosing control); pipelines (a | f
 * b); parenthesised sub-expressions with field chains ((f x).A); len, index
 * (arrays, objects, strings, several indexes), slice (arrays, strings),
 * printf, print, println, html, urlquery, eq (any of several), ne lt le gt
 * ge, and, or (Go's short-circuit: the first falsy/truthy operand), not;
 * comments (Go's slash-star form right inside the delimiters) and trim
 * markers "{{- " and " -}}" (the space is required: {{-3}} is -3); string
 * literals "..." with Go's escapes and `raw`, 'c' characters, numbers (ints
 * with 0x, 0o, 0b, leading-0 octal and _; floats), true, false, nil. printf
 * knows Go's verbs v s d q x X o O b c U e E f F g G t T %, flags + - #
 * space 0, width and precision (also *), %!d(string=x) for a mismatch,
 * %!d(MISSING), %!(EXTRA ...), %!(NOVERB). Values print as Go's fmt prints
 * them: ints plainly, floats with the shortest repr (1.5, 1e+06, 1e-05), [a
 * b c], map[k:v ...] in key order, <nil> inside print, printf and
 * containers.
 *
 * Deviations from Go: {{define}}, {{template}} and {{block}} are parse
 * errors ("not supported"), and so are the functions js and call ("function
 * not defined"); complex numbers (1i) are not supported. Comparing an int
 * with a float64 compares the numbers (Go: "incompatible types for
 * comparison"; other mismatches, such as int with string, are errors here
 * too). Assigning ($x = ...) an undeclared variable is a parse error (Go: an
 * execution error). An integer literal above int64 is "integer overflow" (Go
 * makes it a uint64). A float field must be a JSON real (json_real), or
 * printf's %f sees an int. A string's element (index "ab" 0) is an int, not
 * a uint8 (prints the same). %x of a float is C's %a form (0x1.8p+0; Go:
 * 0x1.8p+00), %b of a float and printf's %[n] argument indexes are not
 * supported (printed as a bad verb). Values nested deeper than 256 levels
 * print as "...". Error messages follow Go's wording, but positions are
 * 1-based and execution errors read "LINE:COL: executing at <source>:
 * message".
 *
 * Errors: parse and execution errors are PDT_EINVAL with err set to one line
 * "LINE:COL: message" (1-based line and byte column of the offending action
 * or token), which the API prefixes with "template error: ". Execution is
 * bounded: TMPL_MAX_OUTPUT bytes of output (each printf/print result too),
 * TMPL_MAX_STEPS evaluation steps (every node walked, command evaluated and
 * range iteration is one; functions that copy data charge one more per 256
 * bytes built or 16 array elements sliced); past either it stops with
 * PDT_EINVAL ("output too large" / "too many steps"). Nesting of controls
 * and parentheses is bounded (100 levels, a parse error past it), so no
 * input recurses deeply. No input crashes it (tests/fuzz/fuzz_template.c).
 *
 * Ownership: tmpl_parse allocates *out (NULL on failure); free it with
 * tmpl_free (NULL is fine). The source is copied and may be freed after
 * tmpl_parse. tmpl_exec borrows t and data and appends to out, which the
 * caller owns; on failure out is left as it was before the call (no partial
 * output). t may be executed by several threads at once (exec does not
 * change it); data may be NULL, and it must not be in use by another thread
 * during the call, because exec takes and drops references to its values.
 */
#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define TMPL_MAX_OUTPUT (1024 * 1024)
#define TMPL_MAX_STEPS 1000000
#define TMPL_MAX_SOURCE (256 * 1024) /* longer sources are refused at parse */

typedef struct tmpl tmpl;

pdt_err tmpl_parse(const char *src, size_t len, tmpl **out, char *err, size_t errlen);
pdt_err tmpl_exec(const tmpl *t, const json_t *data, buf *out, char *err, size_t errlen);
void tmpl_free(tmpl *t);

#endif
