/* UTF-8 checks used by name rules and event decoding. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

/*
 * Whether the len bytes at s are valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF).  When valid and runes is not NULL,
 * *runes is the number of code points.
 */
int	utf8_valid(const char *s, size_t len, size_t *runes);

/*
 * The largest n <= max such that the first n bytes of the valid UTF-8
 * string s (of length len) end on a character boundary.
 */
size_t	utf8_cut(const char *s, size_t len, size_t max);

#endif
