#ifndef PDT_HTTP_STRICT_H
#define PDT_HTTP_STRICT_H
/*
 * Strict checks of a request's header fields (RFC 9110 §5, RFC 9112 §6),
 * run on every request before routing and authentication, over the fields
 * exactly as libmicrohttpd kept them (with their real lengths: a value may
 * hold a NUL byte that a C-string lookup would cut at).
 *
 * Refused:
 *  - a field name that is empty or has a byte outside RFC 9110 `tchar`
 *    (so no space, NUL, CR, LF or other control byte);
 *  - a field value with a control byte (0x00-0x1F, 0x7F) other than HTAB;
 *  - a Content-Length that is not plain decimal digits (at most 19);
 *  - several Content-Length fields with different values;
 *  - Transfer-Encoding together with Content-Length;
 *  - a Transfer-Encoding other than exactly "chunked";
 *  - no Host field in an HTTP/1.1 request, or more than one Host field
 *    (RFC 9112 §3.2; libmicrohttpd's own check answers with a malformed
 *    doubled header block, see server.c, so pdt checks it here).
 *
 * Hidden bytes: libmicrohttpd 0.9.75 measures a field with strlen, so a value
 * "Bearer <token>\0junk" reaches pdt as "Bearer <token>" with its _n length
 * cut too. The bytes are still in place in its read buffer, though: with
 * http_strict_raw, every field must lie in the raw header block in order,
 * and the bytes between fields may only be what the library wrote over the
 * line ends (1 or 2 NULs), between name and value only the colon (now a NUL)
 * and blanks, after the last field only the line end and the empty line (2
 * to 4 NULs). Anything else there was hidden behind a NUL (or a field was
 * moved, as libmicrohttpd does with an obs-fold continuation line): refused.
 *
 * Use: http_strict_init, optionally http_strict_raw, then http_strict_field
 * for each field in received order (stops being useful once it returned an
 * error), then http_strict_finish.
 * No allocation; error strings are static, safe to return to a client (they
 * never quote the offending bytes).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct http_strict {
	const char *error;    /* first refusal seen, static text, or NULL */
	bool have_cl;         /* a Content-Length was seen */
	uint64_t cl;          /* its value */
	bool have_te;         /* a Transfer-Encoding was seen */
	unsigned hosts;       /* Host fields seen */
	bool raw;             /* http_strict_raw was called: check the layout */
	uintptr_t raw_lo;     /* the raw header block [raw_lo, raw_hi) */
	uintptr_t raw_hi;
	uintptr_t prev_end;   /* end of the previous field's value, 0 before the first */
} http_strict;

void http_strict_init(http_strict *st);
/* The raw header block (request line to the empty line, as modified in place
 * by the library) that the fields of this request point into. Borrowed: must
 * stay valid until http_strict_finish. */
void http_strict_raw(http_strict *st, const char *block, size_t len);
/* Checks one field. Returns false (and sets st->error) on a refusal. */
bool http_strict_field(http_strict *st, const char *name, size_t name_len, const char *value,
		       size_t value_len);
/* Checks across fields (CL with TE, Host; http11: the request line said
 * HTTP/1.1). Returns false when the request is refused;
 * st->error says why (answered 400: CONTRACT §6 allows no 5xx,
 * so an unsupported Transfer-Encoding is a 400 too, not RFC 9112's 501). */
bool http_strict_finish(http_strict *st, bool http11);

#endif
