/* UTF-8 checks used by name rules and event decoding. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Whether the len bytes at s are valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF).  When valid and runes is not NULL,
 * *runes is the number of code points.
 */
int	utf8_valid(const char *s, size_t len, size_t *runes);

/*
 * The length of the well-formed sequence at s (len > 0 bytes left), or 0
 * when none starts there.
 */
size_t	utf8_seqlen(const char *s, size_t len);

/*
 * The largest n <= max such that the first n bytes of the valid UTF-8
 * string s (of length len) end on a character boundary.
 */
size_t	utf8_cut(const char *s, size_t len, size_t max);

/*
 * Write the code point cp (at most U+10FFFF) as UTF-8 at out, which has
 * room for 4 bytes; return the bytes written.
 */
size_t	utf8_encode(uint32_t cp, char *out);

/* The value of the hexadecimal digit c, or -1 (for \uXXXX escapes). */
int	utf8_hexdigit(int c);

#endif
