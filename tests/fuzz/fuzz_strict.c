/* Fuzz target: the strict header checks (http/strict.c) over a header block
 * laid out as libmicrohttpd 0.9.75 leaves it: lines end at LF or CRLF, the line end
 * and each field's colon are overwritten with NUL, a value starts after the
 * blanks that follow the colon and is measured with strlen (cut at a NUL).
 * The block ends at the first empty line. First input byte: bit 0 = HTTP/1.1.
 *
 * Checked: no crash or out-of-block read (ASan), and when the block is
 * accepted, every accepted field obeys the rules and no non-NUL byte of the
 * input was hidden from the fields (the NUL-smuggling case of issue 9). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/strict.h"

#define MAX_FIELDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct span {
	size_t name, name_len, value, value_len;
} span;

static bool seen_as(char c)
{
	return c == '\0' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Every byte outside the fields' spans was line/colon/blank (or a NUL). */
static void check_nothing_hidden(const char *orig, size_t len, const span *f, size_t n)
{
	bool *in = calloc(len + 1, 1);
	if (!in)
		abort();
	for (size_t i = 0; i < n; i++) {
		memset(in + f[i].name, 1, f[i].name_len);
		memset(in + f[i].value, 1, f[i].value_len);
	}
	for (size_t i = 0; i < len; i++)
		if (!in[i] && !seen_as(orig[i]))
			abort();
	free(in);
}

static size_t lay_out(char *b, size_t len, span *f, size_t *n, bool *bad)
{
	size_t pos = 0;
	*n = 0;
	while (pos < len) {
		char *nl = memchr(b + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - b) : len;
		size_t next = nl ? end + 1 : end;
		if (nl && end > pos && b[end - 1] == '\r')
			b[--end] = '\0'; /* CRLF: both bytes become NULs */
		if (end == pos) /* the empty line ends the block */
			return next;
		char *colon = memchr(b + pos, ':', end - pos);
		if (!colon || *n == MAX_FIELDS) {
			*bad = true; /* the library refuses these itself */
			return 0;
		}
		size_t c = (size_t)(colon - b), v = c + 1;
		b[c] = '\0';
		if (nl)
			*nl = '\0';
		while (v < end && (b[v] == ' ' || b[v] == '\t'))
			v++;
		f[*n] = (span){pos, strnlen(b + pos, c - pos), v, strnlen(b + v, end - v)};
		(*n)++;
		pos = next;
	}
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool http11 = data[0] & 1;
	size_t len = size - 1;
	char *b = malloc(len + 1), *orig = malloc(len + 1);
	span *f = calloc(MAX_FIELDS, sizeof *f);
	if (!b || !orig || !f)
		abort();
	memcpy(b, data + 1, len);
	memcpy(orig, data + 1, len);
	size_t n = 0;
	bool bad = false;
	size_t block = lay_out(b, len, f, &n, &bad);
	if (!bad) {
		http_strict st;
		http_strict_init(&st);
		http_strict_raw(&st, b, block);
		bool ok = true;
		for (size_t i = 0; i < n && ok; i++)
			ok = http_strict_field(&st, b + f[i].name, f[i].name_len, b + f[i].value,
					       f[i].value_len);
		ok = http_strict_finish(&st, http11) && ok;
		if (ok != (st.error == NULL))
			abort();
		if (ok) {
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < f[i].value_len; j++) {
					unsigned char c = (unsigned char)b[f[i].value + j];
					if ((c < 0x20 && c != '\t') || c == 0x7f)
						abort();
				}
			check_nothing_hidden(orig, block, f, n);
		}
	}
	free(b);
	free(orig);
	free(f);
	return 0;
}
