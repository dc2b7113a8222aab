/*
 * Browser and operating system derived from a user agent string, with the
 * rules of spec/events.md §8.2: substring matching on the user agent in
 * ASCII lower case, first matching rule wins, versions normalised to three
 * numeric parts.  Pure and table-driven; safe to call from any thread.
 */
#ifndef USERAGENT_H
#define USERAGENT_H

#include <stddef.h>

#define USERAGENT_VERSION_MAX	25	/* longest version kept, in bytes */

/*
 * The result of useragent_parse.  browser and os are static strings among
 * the names of §8.1 ("Chrome", ..., "Other"; "Android", ..., "Other").  A
 * version is the empty string when the user agent gives none.
 */
struct useragent {
	const char	*browser;
	const char	*os;
	char		 browser_version[USERAGENT_VERSION_MAX + 1];
	char		 os_version[USERAGENT_VERSION_MAX + 1];
};

/* Derive browser and OS from the len bytes of the user agent ua. */
void	useragent_parse(const char *ua, size_t len, struct useragent *);

/*
 * Normalise the version that starts at s (at most len bytes are read):
 * the longest run of "0-9 . _" that starts with a digit, split on "." and
 * "_", empty parts dropped, three parts without leading zeros, padded with
 * "0".  Return the length written into out, or 0 when there is no version
 * or it would be longer than USERAGENT_VERSION_MAX.
 */
size_t	useragent_version(const char *s, size_t len,
	    char out[USERAGENT_VERSION_MAX + 1]);

#endif
