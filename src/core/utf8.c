#include "core/utf8.h"

#include <string.h>

#include "core/banned.h"

/* Bytes in the sequence starting at p[0..left), or 0 when it is invalid or incomplete. */
static size_t seq_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	} else {
		return 0; /* continuation byte, C0/C1, F5..FF */
	}
	if (left < need || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return need;
}

size_t utf8_valid_prefix(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t k = seq_len(p + i, n - i);
		if (!k)
			break;
		i += k;
	}
	return i;
}

size_t utf8_fit(const char *s, size_t max)
{
	size_t n = strlen(s);
	return utf8_valid_prefix(s, n < max ? n : max);
}
