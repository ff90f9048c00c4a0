/* Fuzz target: the strict checks over a raw request head (http/strict.c,
 * http_strict_head), as the server runs them on the bytes at the start of a
 * connection's input buffer. The input is the head; the request line the
 * library "parsed" is taken as its first line's first two space-separated
 * words, when there are any (else a fixed GET /).
 *
 * Checked: no crash or out-of-buffer read (ASan: the head is copied to an
 * exact-size allocation), the result agrees with st.error, and when the head
 * is accepted every byte of every field line up to the empty line is free of
 * control bytes but HTAB (and the line ends): nothing hidden got through. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/strict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void words(const char *b, size_t len, const char **m, size_t *ml, const char **t,
		  size_t *tl)
{
	const char *end = memchr(b, '\n', len);
	size_t n = end ? (size_t)(end - b) : len;
	const char *sp = memchr(b, ' ', n);
	*m = "GET";
	*ml = 3;
	*t = "/";
	*tl = 1;
	if (!sp || sp == b)
		return;
	const char *t0 = sp + 1, *sp2 = memchr(t0, ' ', n - (size_t)(t0 - b));
	if (!sp2)
		return;
	*m = b;
	*ml = (size_t)(sp - b);
	*t = t0;
	*tl = (size_t)(sp2 - t0);
}

/* After an accepted head: the field lines (up to the first empty line after
 * the request line) hold no control byte but HTAB, CR before LF, LF. */
static void check_clean(const char *b, size_t len)
{
	size_t i = 0;
	if (i < len && b[i] == '\n')
		i++;
	else if (len >= 2 && b[0] == '\r' && b[1] == '\n')
		i = 2;
	const char *nl = memchr(b + i, '\n', len - i);
	if (!nl)
		abort();
	for (i = (size_t)(nl - b) + 1; i < len; i++) {
		unsigned char c = (unsigned char)b[i];
		bool line_start = b[i - 1] == '\n';
		if (line_start && (c == '\n' || (c == '\r' && i + 1 < len && b[i + 1] == '\n')))
			return; /* the empty line */
		if (c == '\r' && i + 1 < len && b[i + 1] == '\n')
			continue;
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			abort();
	}
	abort(); /* accepted without an empty line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = malloc(size ? size : 1);
	if (!b)
		abort();
	if (size)
		memcpy(b, data, size);
	const char *m, *t;
	size_t ml, tl;
	words(b, size, &m, &ml, &t, &tl);
	http_strict st;
	bool ok = http_strict_head(&st, b, size, m, ml, t, tl);
	if (ok != (st.error == NULL))
		abort();
	if (ok)
		check_clean(b, size);
	free(b);
	return 0;
}
