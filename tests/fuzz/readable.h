/*
 * Whether a JSON text that krenalisd accepted or wrote can be read back by
 * jansson, the parser of krctl and krtop.  Shared by the fuzz targets.
 */
#ifndef READABLE_H
#define READABLE_H

#include <stddef.h>

/*
 * Abort, naming what, unless jansson (JSON_DECODE_ANY | JSON_ALLOW_NUL)
 * parses the len bytes of valid JSON at text.  Four kinds of token that
 * jansson refuses are known and tolerated, each only where it occurs:
 * an integer outside 64 bits, a number beyond the range of a double
 * (1e999), a \u escape of a lone surrogate ("\ud800") and \u0000 in a
 * member name.  The text must still parse with each of those tokens
 * replaced by a harmless one of the same kind.
 */
void	readable_check(const char *what, const char *text, size_t len);

#endif
