#ifndef PDT_CORE_UTF8_H
#define PDT_CORE_UTF8_H
/*
 * utf8: keeping text valid UTF-8 where it is cut to fit or comes from
 * outside. Error messages are assembled with snprintf into fixed buffers, so
 * a cut can split a character; JSON (jansson) and PostgreSQL refuse such
 * text, which would turn a status answer into a 500. Every sink that stores
 * or renders such text cuts it to its valid prefix with these functions.
 *
 * Validity is RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF. No allocation; nothing here keeps a pointer.
 */
#include <stddef.h>

/* Length of the longest prefix of s[0..n) that is valid UTF-8: stops before
 * the first invalid or incomplete sequence, so the prefix always ends on a
 * character boundary. s may contain NUL bytes (they are valid). */
size_t utf8_valid_prefix(const char *s, size_t n);

/* The longest valid prefix of the NUL-terminated s that fits in max bytes
 * (a cut never splits a character). */
size_t utf8_fit(const char *s, size_t max);

#endif
