/*
 * The name rules of spec/pipelines.md §2.1 and §4.2, shared by krenalisd
 * (which enforces them) and krctl (which alone can see argument bytes that
 * are not UTF-8, since the control protocol is JSON).
 */
#ifndef NAMES_H
#define NAMES_H

#include <stddef.h>

#define NAMES_SOURCE_MAX	100	/* runes */
#define NAMES_PIPELINE_MAX	60

/*
 * Check the len bytes at s as a name of at most max runes.  Return NULL
 * when valid, else the exact message of the spec in buf.
 */
const char	*names_check(const char *s, size_t len, size_t max, char *buf,
		    size_t buflen);

#endif
