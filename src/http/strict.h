#ifndef PDT_HTTP_STRICT_H
#define PDT_HTTP_STRICT_H
/*
 * Strict checks of a request's header fields (RFC 9110 §5, RFC 9112 §6),
 * run on every request before routing and authentication, over the raw
 * bytes of the request's head (a value may hold a NUL byte that a C-string
 * lookup would cut at).
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
 *    (RFC 9112 §3.2).
 *
 * Where the fields come from: h2o 2.2.5 keeps Host, Content-Length,
 * Transfer-Encoding, Expect and Upgrade out of the request's header list
 * (only the first Content-Length or the last Transfer-Encoding decides the
 * framing, the last Host becomes the authority), so duplicates and CL+TE
 * would be invisible there. http_strict_head therefore reads the request's
 * raw head as it arrived on the socket (request line, fields, empty line)
 * and checks every line itself: nothing the library kept or dropped escapes.
 * An obs-fold continuation line (a line starting with SP or HTAB, which the
 * library would pass on as a field without a name) is refused.
 *
 * Use: http_strict_head for a whole raw head; or, field by field,
 * http_strict_init, http_strict_field for each field in received order
 * (stops being useful once it returned an error), then http_strict_finish.
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
} http_strict;

void http_strict_init(http_strict *st);
/* Checks one field. Returns false (and sets st->error) on a refusal. */
bool http_strict_field(http_strict *st, const char *name, size_t name_len, const char *value,
		       size_t value_len);
/* Checks across fields (CL with TE, Host; http11: the request line said
 * HTTP/1.1). Returns false when the request is refused;
 * st->error says why (answered 400: CONTRACT §6 allows no 5xx,
 * so an unsupported Transfer-Encoding is a 400 too, not RFC 9112's 501). */
bool http_strict_finish(http_strict *st, bool http11);

/*
 * The whole check over a raw request head: head[0..len) holds the request
 * as received (one optional empty line before the request line, lines
 * ending at LF or CRLF, the head ending at the first empty line; bytes after
 * it, a body or the next request, are ignored). The request line must start
 * with `method` SP `target` exactly as the library parsed them (so the head
 * checked is the request being answered); its version decides the Host rule
 * (HTTP/1.1). Initialises st. Returns false when the request is refused
 * (st->error says why): a bad field, a head that does not end within len,
 * or a request line that is not the expected one.
 */
bool http_strict_head(http_strict *st, const char *head, size_t len, const char *method,
		      size_t method_len, const char *target, size_t target_len);

#endif
