#ifndef PDT_CORE_BUF_H
#define PDT_CORE_BUF_H
/*
 * buf: a growable byte buffer with a mandatory size cap (after curl's dynbuf).
 * Used for request bodies, response bodies, URLs and log lines.
 *
 * Ownership: the buf owns `data`. buf_release() frees it; buf_detach() hands it
 * to the caller (free with free()). `data` is always NUL-terminated once
 * anything was appended, so text can be used as a C string.
 * On hitting the cap, an append returns PDT_ETOOBIG and leaves the buffer as
 * it was before that append (the caller decides whether to keep or drop it).
 */
#include <stdarg.h>
#include <stddef.h>

#include "core/err.h"

typedef struct buf {
	char *data;
	size_t len;
	size_t cap; /* allocated bytes */
	size_t max; /* the cap on len */
} buf;

#define BUF_INIT(maxlen) { NULL, 0, 0, (maxlen) }

void buf_init(buf *b, size_t max);
pdt_err buf_append(buf *b, const void *p, size_t n);
pdt_err buf_appends(buf *b, const char *s);
pdt_err buf_appendc(buf *b, char c);
pdt_err buf_appendf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
pdt_err buf_vappendf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* "" when empty, never NULL. */
const char *buf_str(const buf *b);
/* Empties the buffer, keeping its allocation. */
void buf_reset(buf *b);
/* Returns the contents (caller frees) and leaves b empty; "" when empty. */
char *buf_detach(buf *b);
void buf_release(buf *b);

#endif
