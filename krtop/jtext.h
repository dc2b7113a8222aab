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

/*
 * The end of the JSON value that starts at text[off] (after blanks), or
 * (size_t)-1 if it does not end within len.
 */
size_t	 jtext_skip(const char *text, size_t len, size_t off);

/*
 * Find the member name of the JSON object text: set *off and *vlen to
 * its value's place and return 0, or return -1.  Member names are
 * compared as written (no escapes).
 */
int	 jtext_member(const char *text, size_t len, const char *name,
	    size_t *off, size_t *vlen);

#endif
