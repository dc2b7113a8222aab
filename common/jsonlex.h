/*
 * Reading JSON text (RFC 8259) in place: blanks, strings, numbers and
 * literals, whole values, and the escapes of string bodies, \uXXXX
 * surrogate pairs included.  Every function works on the bytes [p, end),
 * never reads at or past end, and allocates nothing.  The structure is
 * checked only as far as is needed to find where a thing ends: a text
 * that must be valid JSON is validated first (krenalisd's jsonscan does
 * it for request bodies), and on anything else these functions stop
 * safely rather than judge it.  No state: safe from any thread.
 */
#ifndef JSONLEX_H
#define JSONLEX_H

#include <stddef.h>
#include <stdint.h>

/* The kinds of JSON value, told by their first bytes. */
enum jsonlex_kind {
	JSONLEX_OBJECT,
	JSONLEX_ARRAY,
	JSONLEX_STRING,
	JSONLEX_NUMBER,
	JSONLEX_TRUE,
	JSONLEX_FALSE,
	JSONLEX_NULL,
	JSONLEX_BAD		/* the end, or no value starts here */
};

/* The name of a kind as events.md §2 writes it ("array", "true", ...). */
const char	*jsonlex_kind_name(enum jsonlex_kind);

/* Past the blanks (space, tab, LF, CR) at p. */
static inline const char *
jsonlex_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/*
 * The kind of the value at p: a literal must be whole (JSONLEX_TRUE is
 * "true"), a number or a container is told by its first byte only.
 */
enum jsonlex_kind jsonlex_kind(const char *p, const char *end);

/*
 * Past the string whose opening quote is at p, or NULL when it does not
 * close before end.  When esc is not NULL, *esc tells whether the body
 * holds a backslash (then it needs jsonlex_decode).
 */
const char	*jsonlex_string(const char *p, const char *end, int *esc);

/*
 * Past the number or literal at p: up to the next blank or one of
 * ,:[]{}" (so p itself when one of those is at p).
 */
const char	*jsonlex_token(const char *p, const char *end);

/*
 * Past the value at p (blanks before it are skipped), without recursion,
 * or NULL when the text ends first or its brackets do not nest.
 */
const char	*jsonlex_skip(const char *p, const char *end);

/*
 * Read the escape whose backslash is at p: set *cp to its code point and
 * return past it, or return NULL when it is not a JSON escape.  \uXXXX
 * followed by \uXXXX of a high and a low surrogate is one escape of their
 * combined code point; a surrogate that is not part of such a pair is
 * returned alone, as U+D800..U+DFFF, for the caller to judge.
 */
const char	*jsonlex_escape(const char *p, const char *end, uint32_t *cp);

/* Drop U+0000 while decoding (spec/events.md §4). */
#define JSONLEX_STRIP_NUL	0x1

/*
 * Decode the string body b (blen bytes, quotes excluded) into dst, which
 * has room for blen bytes, and return the decoded length.  A lone
 * surrogate becomes U+FFFD, so the result is valid UTF-8 when the body
 * is; a backslash that starts no escape is dropped and the byte after it
 * kept.  flags: JSONLEX_STRIP_NUL or 0.
 */
size_t	jsonlex_decode(const char *b, size_t blen, int flags, char *dst);

#endif
