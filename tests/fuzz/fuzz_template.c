/* Fuzz target: report templates (users upload them). Parses the input as a
 * Go text/template; when it parses, executes it against a fixed report-like
 * value. Any input must end in output or one "LINE:COL: message" error,
 * within the output bound, without leaving partial output behind. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char DATA[] =
	"{\"DateFormatted\":\"Monday, January 5, 2026\",\"N\":3,\"F\":1.5,\"Z\":0,\"T\":true,"
	"\"Nil\":null,\"S\":\"h\\u00e9llo\",\"Empty\":[],\"M\":{\"b\":2,\"a\":[1,\"x\",null]},"
	"\"Cards\":[{\"Key\":\"PDT-1\",\"Summary\":\"Login\",\"Commits\":[{\"SHA\":\"abc1234\","
	"\"Message\":\"fix\",\"Repo\":\"web\",\"Time\":\"09:15\"}]},{\"Key\":\"PDT-2\",\"Commits\":[]}],"
	"\"UnlinkedCommits\":[{\"SHA\":\"9999999\",\"Message\":\"chore\"}],\"Stats\":{\"TotalCommits\":2}}";

/* "LINE:COL: " with both numbers positive. */
static int well_formed(const char *err)
{
	char *end;
	long line = strtol(err, &end, 10);
	if (line < 1 || *end != ':')
		return 0;
	long col = strtol(end + 1, &end, 10);
	return col >= 1 && end[0] == ':' && end[1] == ' ';
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static json_t *value;
	if (!value && !(value = json_loads(DATA, 0, NULL)))
		abort();
	tmpl *t = NULL;
	char err[256] = "";
	if (tmpl_parse((const char *)in, size, &t, err, sizeof err) != PDT_OK) {
		if (t || !well_formed(err))
			abort();
		return 0;
	}
	buf out = BUF_INIT(2 * TMPL_MAX_OUTPUT);
	pdt_err rc = tmpl_exec(t, value, &out, err, sizeof err);
	if (rc == PDT_OK ? out.len > TMPL_MAX_OUTPUT : (rc != PDT_EINVAL || out.len || !well_formed(err)))
		abort();
	buf_release(&out);
	tmpl_free(t);
	return 0;
}
