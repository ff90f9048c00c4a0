#ifndef PDT_CORE_MEM_H
#define PDT_CORE_MEM_H
/*
 * Out-of-memory policy, decided once: allocation failure is not recoverable in a
 * server of this size, so these wrappers log one line and abort(). Nothing else in
 * pdt checks malloc's result. Free everything they return with free().
 */
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);            /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n); /* copies at most n bytes, NUL-terminates */

/* Zeroes n bytes in a way the compiler cannot elide (for secrets). */
void mem_wipe(void *p, size_t n);
/* Wipes a NUL-terminated secret string, then frees it. NULL is fine. */
void mem_free_secret(char *s);
/* Constant-time comparison of n bytes; 1 when equal. */
int mem_equal_ct(const void *a, const void *b, size_t n);

#endif
