/*
 * JSON as text: krtop shows payloads as the daemon sent them, so it
 * indents the text itself rather than parsing and printing it again,
 * which would change numbers, key order and duplicate keys.
 */
#ifndef JTEXT_H
#define JTEXT_H

#include <stddef.h>

enum jtext_status {
	JTEXT_OK = 0,		/* one whole, well-nested value */
	JTEXT_PARTIAL,		/* it stops inside a value (cut text) */
	JTEXT_INVALID		/* brackets do not match, or stray text */
};

/*
 * Indent the JSON text of len bytes at text, indent blanks a level, one
 * member or element a line, "key": value, empty containers as {} and [].
 * Strings and scalars are copied as they are.  Return a malloc'd string
 * (without a final newline) and set *status.  A partial or invalid text
 * is laid out as far as it goes.
 */
char	*jtext_pretty(const char *text, size_t len, int indent,
	    enum jtext_status *status);

#endif
