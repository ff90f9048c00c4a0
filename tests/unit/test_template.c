/*
 * Unit tests for report/template: a table of {template, data, expected
 * output or expected error substring}. Expected outputs are what Go's
 * text/template prints for the same template over the same data decoded
 * into map[string]interface{} (with JSON integers as Go ints), worked out
 * from Go's text/template and fmt sources.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "report/template.h"

typedef struct row {
	const char *tmpl;
	const char *data; /* JSON */
	const char *want; /* NULL when an error is expected */
	const char *err;  /* a substring of the error */
} row;

#define DAILY_DATA \
	"{\"DateFormatted\":\"Monday, January 5, 2026\",\"Cards\":[" \
	"{\"Key\":\"PDT-1\",\"Summary\":\"Login\",\"Commits\":[" \
	"{\"SHA\":\"abc1234\",\"Message\":\"fix login\",\"Repo\":\"web\",\"Time\":\"09:15\"}," \
	"{\"SHA\":\"def5678\",\"Message\":\"add test\",\"Repo\":\"web\",\"Time\":\"10:02\"}]}," \
	"{\"Key\":\"PDT-2\",\"Summary\":\"Sync\",\"Commits\":[]}]," \
	"\"UnlinkedCommits\":[{\"SHA\":\"9999999\",\"Message\":\"chore\",\"Repo\":\"api\",\"Time\":\"11:00\"}]," \
	"\"Stats\":{\"TotalCommits\":3,\"Cards\":2,\"Hours\":1.5}}"

#define DAILY_TMPL \
	"# Daily Report - {{.DateFormatted}}\n" \
	"{{range .Cards}}\n" \
	"## {{.Key}}: {{.Summary}}\n" \
	"{{- range .Commits}}\n" \
	"- {{.SHA}} {{.Message}} ({{.Repo}}, {{.Time}})\n" \
	"{{- end}}\n" \
	"{{end}}\n" \
	"{{- if .UnlinkedCommits}}\n" \
	"## Unlinked\n" \
	"{{- range $i, $c := .UnlinkedCommits}}\n" \
	"{{printf \"%2d\" $i}}. {{$c.SHA}} {{$c.Message}}\n" \
	"{{- end}}\n" \
	"{{end -}}\n" \
	"Total: {{.Stats.TotalCommits}} commits"

#define DAILY_WANT \
	"# Daily Report - Monday, January 5, 2026\n" \
	"\n## PDT-1: Login\n" \
	"- abc1234 fix login (web, 09:15)\n" \
	"- def5678 add test (web, 10:02)\n" \
	"\n## PDT-2: Sync\n" \
	"\n## Unlinked\n" \
	" 0. 9999999 chore\n" \
	"Total: 3 commits"

static const row rows[] = {
	/* PDT-style reports */
	{DAILY_TMPL, DAILY_DATA, DAILY_WANT, NULL},
	{"{{range $i, $c := .Cards}}{{if $i}}, {{end}}{{$c.Key}} ({{len $c.Commits}}){{end}}", DAILY_DATA,
	 "PDT-1 (2), PDT-2 (0)", NULL},
	{"{{$c := index .Cards 0}}{{$c.Key}}: {{(index $c.Commits 1).SHA}}", DAILY_DATA, "PDT-1: def5678", NULL},
	{"{{with .Stats}}{{printf \"%d commits in %d cards, %.1fh\" .TotalCommits .Cards .Hours}}{{end}}",
	 DAILY_DATA, "3 commits in 2 cards, 1.5h", NULL},
	{"{{range .Cards -}}\n  {{.Key}}\n{{- else}}none{{end}}", DAILY_DATA, "PDT-1PDT-2", NULL},
	{"{{range .Cards}}{{range .Commits}}{{printf \"%-8s|%6s|\" .SHA .Time}}{{end}}{{end}}", DAILY_DATA,
	 "abc1234 | 09:15|def5678 | 10:02|", NULL},
	{"{{range $day, $n := .PerDay}}{{$day}}: {{printf \"%3d\" $n}}\n{{end}}",
	 "{\"PerDay\":{\"2026-01-02\":3,\"2026-01-01\":12}}", "2026-01-01:  12\n2026-01-02:   3\n", NULL},
	{"{{if and .UnlinkedCommits (gt (len .UnlinkedCommits) 0)}}unlinked: {{len .UnlinkedCommits}}{{end}}",
	 DAILY_DATA, "unlinked: 1", NULL},

	/* fields and values */
	{"", "{}", "", NULL},
	{"plain text", "{}", "plain text", NULL},
	{"{{.Name}}", "{\"Name\":\"x\"}", "x", NULL},
	{"{{.A.B.C}}", "{\"A\":{\"B\":{\"C\":7}}}", "7", NULL},
	{"{{.Missing}}", "{}", "<no value>", NULL},
	{"{{.A.Missing.X}}", "{\"A\":{}}", "<no value>", NULL},
	{"{{.A}}", "{\"A\":null}", "<no value>", NULL},
	{"{{.A.B}}", "{\"A\":null}", NULL, "nil pointer evaluating interface {}.B"},
	{"{{.A.B}}", "{\"A\":5}", NULL, "can't evaluate field B in type int"},
	{"{{.A.B}}", "{\"A\":[1]}", NULL, "can't evaluate field B in type []interface {}"},
	{"{{.}}", "[1,\"a\",true,null,1.5]", "[1 a true <nil> 1.5]", NULL},
	{"{{.}}", "{\"b\":[1],\"a\":{\"x\":\"y\"}}", "map[a:map[x:y] b:[1]]", NULL},
	{"{{.F}} {{.G}} {{.H}} {{.I}} {{.J}} {{.K}}",
	 "{\"F\":1.0,\"G\":1e6,\"H\":0.0001,\"I\":1234567.0,\"J\":0.00001,\"K\":-2.5}",
	 "1 1e+06 0.0001 1.234567e+06 1e-05 -2.5", NULL},
	{"{{3}} {{-3}} {{+4}} {{1.5}} {{1e3}} {{0x10}} {{017}} {{0b101}} {{1_000}} {{'a'}}", "{}",
	 "3 -3 4 1.5 1000 16 15 5 1000 97", NULL},
	{"{{true}} {{false}} {{\"s\\tq\\u00e9\"}} {{`raw\\n`}}", "{}", "true false s\tq\xc3\xa9 raw\\n", NULL},
	{"{{$x := 5}}{{$x}} {{$}}", "7", "5 7", NULL},

	/* if / else if / with */
	{"{{if .A}}a{{else if .B}}b{{else}}c{{end}}", "{\"B\":1}", "b", NULL},
	{"{{if .A}}a{{else if .B}}b{{else}}c{{end}}", "{}", "c", NULL},
	{"{{if .A}}a{{else if .B}}b{{else}}c{{end}}", "{\"A\":[0]}", "a", NULL},
	{"{{if .A}}1{{end}}{{if .B}}2{{end}}{{if .C}}3{{end}}{{if .D}}4{{end}}{{if .E}}5{{end}}"
	 "{{if .F}}6{{end}}{{if .G}}7{{end}}{{if .H}}8{{end}}",
	 "{\"A\":0,\"B\":\"\",\"C\":[],\"D\":{},\"E\":false,\"F\":null,\"G\":\"0\",\"H\":0.0}", "7", NULL},
	{"{{with .A}}{{.B}}{{end}}", "{\"A\":{\"B\":\"x\"}}", "x", NULL},
	{"{{with .A}}x{{else}}none{{end}}", "{}", "none", NULL},
	{"{{with .A}}a{{else with .B}}{{.}}{{end}}", "{\"B\":\"bb\"}", "bb", NULL},
	{"{{with $x := .A}}{{$x}}{{.}}{{end}}", "{\"A\":\"v\"}", "vv", NULL},
	{"{{if $x := .A}}{{$x}}{{else}}no {{$x}}{{end}}", "{\"A\":0}", "no 0", NULL},

	/* range */
	{"{{range .L}}x{{else}}empty{{end}}", "{\"L\":[]}", "empty", NULL},
	{"{{range .L}}x{{else}}empty{{end}}", "{}", "empty", NULL},
	{"{{range $i, $x := .L}}{{$i}}:{{$x}} {{end}}", "{\"L\":[\"a\",\"b\"]}", "0:a 1:b ", NULL},
	{"{{range $x := .L}}<{{$x}}>{{end}}", "{\"L\":[\"a\",\"b\"]}", "<a><b>", NULL},
	{"{{range $k, $v := .M}}{{$k}}={{$v}};{{end}}", "{\"M\":{\"b\":2,\"a\":1,\"c\":3}}", "a=1;b=2;c=3;", NULL},
	{"{{range .M}}{{.}}{{end}}", "{\"M\":{\"b\":2,\"a\":1,\"c\":3}}", "123", NULL},
	{"{{range 3}}{{.}}{{end}}", "{}", "012", NULL},
	{"{{range .L}}{{if eq . 3}}{{break}}{{end}}{{if eq . 1}}{{continue}}{{end}}{{.}}{{end}}",
	 "{\"L\":[0,1,2,3,4]}", "02", NULL},
	{"{{range .L}}{{$.P}}{{.}} {{end}}", "{\"P\":\"-\",\"L\":[1,2]}", "-1 -2 ", NULL},
	{"{{$n := 0}}{{range .}}{{$n = .}}{{end}}{{$n}}", "[5,6,7]", "7", NULL},
	{"{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}", "{}", "21", NULL},
	{"{{range .S}}{{end}}", "{\"S\":\"abc\"}", NULL, "range can't iterate over abc"},

	/* pipelines and parentheses */
	{"{{.N | printf \"%03d\"}}", "{\"N\":7}", "007", NULL},
	{"{{\"a\" | printf \"%s-%s\" \"b\"}}", "{}", "b-a", NULL},
	{"{{printf \"%d\" (len .L)}}", "{\"L\":[1,2,3]}", "3", NULL},
	{"{{(index .M \"k\").X}}", "{\"M\":{\"k\":{\"X\":\"y\"}}}", "y", NULL},
	{"{{.A | len | printf \"%d!\"}}", "{\"A\":\"four\"}", "4!", NULL},

	/* built-in functions */
	{"{{len .S}} {{len .L}} {{len .M}}", "{\"S\":\"h\xc3\xa9llo\",\"L\":[1],\"M\":{}}", "6 1 0", NULL},
	{"{{len 3}}", "{}", NULL, "error calling len: len of type int"},
	{"{{index .L 1}} {{index .M \"b\"}} {{index .N 1 0}} {{index \"abc\" 1}}",
	 "{\"L\":[1,2],\"M\":{\"b\":\"B\"},\"N\":[[1],[2]]}", "2 B 2 98", NULL},
	{"{{index .M \"zz\"}}", "{\"M\":{}}", "<no value>", NULL},
	{"{{index .L 5}}", "{\"L\":[1]}", NULL, "index out of range: 5"},
	{"{{index 1 0}}", "{}", NULL, "can't index item of type int"},
	{"{{slice .L 1}} {{slice .L 1 2}} {{slice .S 0 2}} {{slice .L}} {{slice .L 0 1 2}}",
	 "{\"L\":[1,2,3],\"S\":\"hello\"}", "[2 3] [2] he [1 2 3] [1]", NULL},
	{"{{slice .L 2 1}}", "{\"L\":[1,2,3]}", NULL, "invalid slice index: 2 > 1"},
	{"{{slice .S 0 1 2}}", "{\"S\":\"abc\"}", NULL, "cannot 3-index slice a string"},
	{"{{print 1 2 \"a\" 3 nil}}", "{}", "1 2a3 <nil>", NULL},
	{"{{println \"a\" 1}}", "{}", "a 1\n", NULL},
	{"{{eq 1 1}} {{eq \"a\" \"b\"}} {{eq .X 1 2 3}} {{ne 1 2}}", "{\"X\":3}",
	 "true false true true", NULL},
	{"{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1 2}} {{lt 1.5 2.5}}", "{}", "true true true false true", NULL},
	{"{{lt 1 \"a\"}}", "{}", NULL, "error calling lt: incompatible types for comparison"},
	{"{{eq .L .L}}", "{\"L\":[1]}", NULL, "non-comparable type"},
	{"{{and 1 \"x\"}} {{and 0 1}} {{or 0 \"\"}} {{or \"\" \"y\"}} {{not .A}} {{not 1}}", "{}",
	 "x 0  y true false", NULL},
	{"{{and .A (index .A 5)}}", "{\"A\":[]}", "[]", NULL},
	{"{{or .A.B \"default\"}}", "{}", "default", NULL},
	{"{{len}}", "{}", NULL, "wrong number of args for len: want 1 got 0"},
	{"{{html \"<a href=\\\"x\\\">&'</a>\"}}|{{.Missing | html}}|{{html 1 2 \"x\"}}", "{}",
	 "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;|&lt;no value&gt;|1 2x", NULL},
	{"https://jira/browse/{{urlquery .Key}}?q={{urlquery \"a b&c=d/\xc3\xa9~\"}}", "{\"Key\":\"PDT-1\"}",
	 "https://jira/browse/PDT-1?q=a+b%26c%3Dd%2F%C3%A9~", NULL},
	{"{{js \"x\"}}", "{}", NULL, "function \"js\" not defined"},

	/* printf */
	{"{{printf \"%02d|%-10s|%5.2f|%x|%X|%q|%v|%t|%c|%%\" 5 \"ab\" 3.14159 255 255 \"hi\" 1.5 true 65}}", "{}",
	 "05|ab        | 3.14|ff|FF|\"hi\"|1.5|true|A|%", NULL},
	{"{{printf \"%d %s\" \"x\" 5}}", "{}", "%!d(string=x) %!s(int=5)", NULL},
	{"{{printf \"%d %d\" 1}}", "{}", "1 %!d(MISSING)", NULL},
	{"{{printf \"%d\" 1 2 \"s\"}}", "{}", "1%!(EXTRA int=2, string=s)", NULL},
	{"{{printf \"%v|%d|%s\" .L .L .M}}", "{\"L\":[1,2],\"M\":{\"a\":\"x\"}}", "[1 2]|[1 2]|map[a:x]", NULL},
	{"{{printf \"%6.2f|%+d|%e|%g|%.3g\" -1.5 3 1234.5678 0.000012 1234.5678}}", "{}",
	 " -1.50|+3|1.234568e+03|1.2e-05|1.23e+03", NULL},
	{"{{printf \"[%5s][%-5d][%05.1f][%08.3f][%+.1e]\" \"ab\" 42 2.26 -3.14159 12345.678}}", "{}",
	 "[   ab][42   ][002.3][-003.142][+1.2e+04]", NULL},
	{"{{printf \"%v|%d\" .Missing .Missing}}", "{}", "<nil>|%!d(<nil>)", NULL},
	{"{{printf \"%-4s|%.2s|%5.1s|\" \"\xc3\xa9\" \"h\xc3\xa9llo\" \"xyz\"}}", "{}",
	 "\xc3\xa9   |h\xc3\xa9|    x|", NULL},
	{"{{printf \"%x %X % x %q\" \"hi\" \"hi\" \"hi\" \"a\\nb\\\"\"}}", "{}", "6869 6869 68 69 \"a\\nb\\\"\"", NULL},
	{"{{printf \"%T %T %T %T %T %T\" 1 1.5 \"s\" true .L .M}}", "{\"L\":[],\"M\":{}}",
	 "int float64 string bool []interface {} map[string]interface {}", NULL},
	{"{{printf \"%5t|%-6v|%d|%s|%d\" true false 1.5 .L .K}}", "{\"L\":[\"a\",\"b\"],\"K\":[1,\"a\"]}",
	 " true|false |%!d(float64=1.5)|[a b]|[1 %!d(string=a)]", NULL},
	{"{{printf \"%\"}}|{{printf \"%z\" 1}}|{{printf \"%!\"}}|{{printf \"%*d\" 4 7}}", "{}",
	 "%!(NOVERB)|%!z(int=1)|%!!(MISSING)|   7", NULL},
	{"{{printf \"%o|%#o|%O|%b|%#x|%x|%U|%q|% d|%+.2e\" 8 8 8 5 255 -255 128512 65 5 0.000123}}", "{}",
	 "10|010|0o10|101|0xff|-ff|U+1F600|'A'| 5|+1.23e-04", NULL},
	{"{{printf \"[%6.3d][%-05d][%c][%3c]\" 5 5 128512 65}}", "{}", "[   005][5    ][\xf0\x9f\x98\x80][  A]", NULL},
	{"{{printf 1}}", "{}", NULL, "wrong type for value; expected string; got int"},

	/* comments and trim markers */
	{"a{{/* comment */}}b", "{}", "ab", NULL},
	{"a {{- /* c */ -}} b", "{}", "ab", NULL},
	{"a  {{- 1 -}}  b", "{}", "a1b", NULL},
	{"x {{-3}}", "{}", "x -3", NULL},
	{"a\n  {{- \"b\" }}\n", "{}", "ab\n", NULL},

	/* parse errors, with line:column of the offending action or token */
	{"{{.A", "{}", NULL, "1:1: unclosed action"},
	{"line1\n  {{end}}", "{}", NULL, "2:3: unexpected {{end}}"},
	{"{{if .A}}x", "{}", NULL, "1:1: unexpected EOF"},
	{"a\n{{$x}}", "{}", NULL, "2:3: undefined variable \"$x\""},
	{"{{foo}}", "{}", NULL, "1:3: function \"foo\" not defined"},
	{"{{3x}}", "{}", NULL, "1:3: bad number syntax: \"3x\""},
	{"{{\"abc}}", "{}", NULL, "1:3: unterminated quoted string"},
	{"{{`abc}}", "{}", NULL, "unterminated raw quoted string"},
	{"{{/* x }}", "{}", NULL, "unclosed comment"},
	{"{{else}}", "{}", NULL, "unexpected {{else}}"},
	{"{{(1}}", "{}", NULL, "unclosed left paren"},
	{"{{1)}}", "{}", NULL, "unexpected right paren"},
	{"{{break}}", "{}", NULL, "{{break}} outside {{range}}"},
	{"{{.A | 3}}", "{}", NULL, "non executable command in pipeline stage 2"},
	{"{{define \"x\"}}{{end}}", "{}", NULL, "not supported"},
	{"{{if 1}}{{else}}{{else}}{{end}}", "{}", NULL, "expected end; found {{else}}"},
	{"{{\"\\q\"}}", "{}", NULL, "invalid escape"},
	{"{{99999999999999999999}}", "{}", NULL, "integer overflow"},
	{"{{1.2.3}}", "{}", NULL, "unexpected \".3\" in operand"},
	{"{{ /* not a comment */ }}", "{}", NULL, "unexpected \"/\" in command"},

	/* execution errors */
	{"{{nil}}", "{}", NULL, "nil is not a command"},
	{"a\nb {{.X 1}}", "{\"X\":1}", NULL, "2:5: executing at <.X>: X is not a method but has arguments"},
	{"{{range 1000}}{{range 1000}}{{end}}{{end}}", "{}", NULL, "too many steps"},
	{"{{range 2000}}{{printf \"%1000d\" 1}}{{end}}", "{}", NULL, "output too large"},
	{"{{printf \"%2000000d\" 1}}", "{}", NULL, "output too large"},
};

/* 0 when the row holds; otherwise prints why and returns 1. */
static int run_row(size_t i, const row *r)
{
	json_error_t je;
	json_t *data = json_loads(r->data, JSON_DECODE_ANY, &je);
	tmpl *t = NULL;
	char err[512] = "";
	buf out = BUF_INIT(4 << 20);
	int bad = 0;
	if (!data) {
		print_error("row %zu: bad test data: %s\n", i, je.text);
		return 1;
	}
	pdt_err rc = tmpl_parse(r->tmpl, strlen(r->tmpl), &t, err, sizeof err);
	if (rc == PDT_OK)
		rc = tmpl_exec(t, data, &out, err, sizeof err);
	if (r->want && rc != PDT_OK) {
		print_error("row %zu %s: unexpected error: %s\n", i, r->tmpl, err);
		bad = 1;
	} else if (r->want && strcmp(buf_str(&out), r->want) != 0) {
		print_error("row %zu %s:\n got [%s]\nwant [%s]\n", i, r->tmpl, buf_str(&out), r->want);
		bad = 1;
	} else if (!r->want && (rc != PDT_EINVAL || !strstr(err, r->err) || out.len != 0)) {
		/* a failed execution also leaves no partial output */
		print_error("row %zu %s: want error [%s], got rc %d [%s] output [%s]\n", i, r->tmpl, r->err,
			    (int)rc, err, buf_str(&out));
		bad = 1;
	}
	buf_release(&out);
	tmpl_free(t);
	json_decref(data);
	return bad;
}

static void test_table(void **state)
{
	(void)state;
	int failed = 0;
	assert_true(sizeof rows / sizeof *rows >= 60);
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
		failed += run_row(i, &rows[i]);
	assert_int_equal(failed, 0);
}

/* Nesting is bounded (the walk and the parser recurse); 100 levels parse. */
static void test_nesting_bound(void **state)
{
	(void)state;
	buf src = BUF_INIT(1 << 16);
	for (int depth = 100; depth <= 101; depth++) {
		buf_reset(&src);
		for (int i = 0; i < depth; i++)
			buf_appends(&src, "{{if 1}}");
		buf_appends(&src, "x");
		for (int i = 0; i < depth; i++)
			buf_appends(&src, "{{end}}");
		tmpl *t = NULL;
		char err[256] = "";
		pdt_err rc = tmpl_parse(src.data, src.len, &t, err, sizeof err);
		if (depth == 100) {
			assert_int_equal(rc, PDT_OK);
			buf out = BUF_INIT(64);
			assert_int_equal(tmpl_exec(t, NULL, &out, err, sizeof err), PDT_OK);
			assert_string_equal(buf_str(&out), "x");
			buf_release(&out);
		} else {
			assert_int_equal(rc, PDT_EINVAL);
			assert_non_null(strstr(err, "nesting too deep"));
		}
		tmpl_free(t);
	}
	buf_reset(&src);
	for (int i = 0; i < 200; i++)
		buf_appendc(&src, '(');
	buf_appends(&src, "1");
	for (int i = 0; i < 200; i++)
		buf_appendc(&src, ')');
	tmpl *t = NULL;
	char err[256] = "";
	buf wrapped = BUF_INIT(1 << 16);
	buf_appendf(&wrapped, "{{%s}}", src.data);
	assert_int_equal(tmpl_parse(wrapped.data, wrapped.len, &t, err, sizeof err), PDT_EINVAL);
	assert_non_null(strstr(err, "nesting too deep"));
	buf_release(&wrapped);
	buf_release(&src);
}

static void test_source_bound(void **state)
{
	(void)state;
	size_t n = TMPL_MAX_SOURCE + 1;
	char *src = malloc(n);
	assert_non_null(src);
	memset(src, 'a', n);
	tmpl *t = NULL;
	char err[256] = "";
	assert_int_equal(tmpl_parse(src, n, &t, err, sizeof err), PDT_EINVAL);
	assert_null(t);
	assert_non_null(strstr(err, "too large"));
	assert_int_equal(tmpl_parse(src, n - 1, &t, err, sizeof err), PDT_OK);
	tmpl_free(t);
	free(src);
}

/* One parsed template serves many executions; output appends to the buffer. */
static void test_reuse_and_append(void **state)
{
	(void)state;
	const char *src = "{{.N}};";
	tmpl *t = NULL;
	char err[256];
	assert_int_equal(tmpl_parse(src, strlen(src), &t, err, sizeof err), PDT_OK);
	buf out = BUF_INIT(1024);
	buf_appends(&out, "head:");
	for (int i = 0; i < 3; i++) {
		json_t *d = json_pack("{s:i}", "N", i);
		assert_int_equal(tmpl_exec(t, d, &out, err, sizeof err), PDT_OK);
		json_decref(d);
	}
	assert_string_equal(buf_str(&out), "head:0;1;2;");
	buf_release(&out);
	tmpl_free(t);
}

/* One parsed template executed by several threads at once, each over its
 * own data (reference counts of data change during an execution): every
 * thread gets the full output. Run under TSan too. */
typedef struct shared {
	const tmpl *t;
	json_t *data;
	int ok;
} shared;

static void *exec_many(void *arg)
{
	shared *sh = arg;
	char err[256];
	sh->ok = 1;
	for (int i = 0; i < 200 && sh->ok; i++) {
		buf out = BUF_INIT(1 << 16);
		sh->ok = tmpl_exec(sh->t, sh->data, &out, err, sizeof err) == PDT_OK &&
			 strcmp(buf_str(&out), DAILY_WANT) == 0;
		buf_release(&out);
	}
	return NULL;
}

static void test_concurrent_exec(void **state)
{
	(void)state;
	tmpl *t = NULL;
	char err[256];
	json_t *data = json_loads(DAILY_DATA, 0, NULL);
	assert_non_null(data);
	assert_int_equal(tmpl_parse(DAILY_TMPL, strlen(DAILY_TMPL), &t, err, sizeof err), PDT_OK);
	pthread_t th[4];
	shared sh[4];
	for (int i = 0; i < 4; i++) {
		sh[i] = (shared){t, json_deep_copy(data), 0};
		assert_int_equal(pthread_create(&th[i], NULL, exec_many, &sh[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_true(sh[i].ok);
		json_decref(sh[i].data);
	}
	tmpl_free(t);
	json_decref(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_nesting_bound),
		cmocka_unit_test(test_source_bound),
		cmocka_unit_test(test_reuse_and_append),
		cmocka_unit_test(test_concurrent_exec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
