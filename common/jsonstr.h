/*
 * JSON strings as krenalis writes them (spec/ingest.md §1, the same rules
 * as the canonical filter text of spec/filters.md §9): '"' and '\'
 * escaped, the five short escapes, other characters below U+0020 as
 * \u00XX in upper case, everything else, '/' and non-ASCII included, as
 * itself.
 */
#ifndef JSONSTR_H
#define JSONSTR_H

#include <stddef.h>

/* The most bytes jsonstr_quote writes for n bytes of text. */
#define JSONSTR_MAX(n)	(6 * (n) + 2)

/*
 * Write the n bytes at s as a JSON string, quotes included, into out,
 * which has room for JSONSTR_MAX(n) bytes; return the bytes written.
 */
size_t	jsonstr_quote(char *out, const char *s, size_t n);

#endif
