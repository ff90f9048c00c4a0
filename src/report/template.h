#ifndef PDT_REPORT_TEMPLATE_H
#define PDT_REPORT_TEMPLATE_H
/*
 * template: Go text/template syntax, because users bring PDT's report
 * templates. The data a template sees is a jansson value: an object's keys
 * are its field names ({{.Stats.TotalCommits}}), arrays are what {{range}},
 * len, index and slice walk. Truth is Go's: false, 0, null, "" and empty
 * arrays and objects are false.
 *
 * Supported: {{.A.B}}, {{range}} (with `$i, $x :=` and {{else}}), {{if}} /
 * {{else if}} / {{else}} / {{end}}, {{with}}, variables ($x := ..., $x = ...,
 * $ for the root), pipelines (a | f), parenthesised calls, len, index,
 * slice, printf (%s %d %v %q and width/flags such as %02d %-10s), print,
 * println, eq ne lt le gt ge, and or not, comments (Go's slash-star form
 * inside an action) and trim markers {{- and -}}.
 *
 * Errors: parse and execution errors are PDT_EINVAL with err set to one line
 * "LINE:COL: message" (1-based, of the offending action), which the API
 * prefixes with "template error: ". Execution is bounded: TMPL_MAX_OUTPUT
 * bytes of output and TMPL_MAX_STEPS evaluation steps; past either it stops
 * with PDT_EINVAL ("output too large" / "too many steps"). No input crashes
 * it (tests/fuzz/fuzz_template.c).
 *
 * Ownership: tmpl_parse allocates *out; free it with tmpl_free. The source
 * is copied where needed and may be freed after tmpl_parse. tmpl_exec
 * borrows t and data (t may be shared by threads: exec does not change it)
 * and appends to out, which the caller owns.
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
