/*
 * UTF-8 checks used by name rules and event decoding, and the decoding
 * and terminal widths of krtop and krctl's tables.
 */
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
 * The length of the len bytes of s without the incomplete character that
 * a cut (by snprintf, say) may have left at their end.
 */
size_t	utf8_whole(const char *s, size_t len);

/*
 * Write the code point cp (at most U+10FFFF) as UTF-8 at out, which has
 * room for 4 bytes; return the bytes written.
 */
size_t	utf8_encode(uint32_t cp, char *out);

/*
 * Decode the UTF-8 character at s (len > 0 bytes): set *cp and return its
 * length; an invalid byte is U+FFFD of length 1.
 */
size_t	utf8_decode(const char *s, size_t len, uint32_t *cp);

/*
 * The columns the printable code point cp takes on a terminal: wcwidth's
 * answer in the locale's character type (2 for most CJK, 0 for a
 * combining mark), and 1 where it has none (the C locale).
 */
int	utf8_cpwidth(uint32_t cp);

/* The value of the hexadecimal digit c, or -1 (for \uXXXX escapes). */
int	utf8_hexdigit(int c);

#endif
