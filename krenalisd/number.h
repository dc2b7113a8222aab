/*
 * Number texts read as C numbers, for the event decoder (JSON number
 * tokens, and int properties sent as strings) and for filters (their int
 * and float literals, which they check for their own grammar first).
 * Pure functions: safe from any thread.
 */
#ifndef NUMBER_H
#define NUMBER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse the n bytes at s, -?[0-9]+ (leading zeros allowed), as a signed
 * 64-bit integer.  Return 0 and *v, or -1 when the text has another form
 * or its value does not fit.
 */
int	number_parse_int(const char *s, size_t n, int64_t *v);

/*
 * Convert the number text of n bytes at s, which strtod(3) reads whole,
 * to a double.  Return 0 and *v, or -1 when it is not finite.
 */
int	number_parse_double(const char *s, size_t n, double *v);

#endif
