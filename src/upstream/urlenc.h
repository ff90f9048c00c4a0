#ifndef PDT_UPSTREAM_URLENC_H
#define PDT_UPSTREAM_URLENC_H
/*
 * urlenc: percent-encoding for the URLs pdt sends upstream. Everything but
 * the RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) is encoded, so
 * the result is safe as one path segment ("group/sub" -> "group%2Fsub") or
 * as a query value. The one encoder every upstream module uses.
 */
#include "core/buf.h"

/* Appends s encoded to b; PDT_ETOOBIG at b's cap. */
pdt_err urlenc_append(buf *b, const char *s);

#endif
