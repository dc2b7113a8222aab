/* Name rules for sources and pipelines (spec/pipelines.md §2.1, §4.2). */
#include <stdio.h>
#include <string.h>

#include "utf8.h"
#include "names.h"

const char *
names_check(const char *s, size_t len, size_t max, char *buf, size_t buflen)
{
	size_t	runes;

	if (len == 0)
		return "name is empty";
	if (!utf8_valid(s, len, &runes))
		return "name contains invalid UTF-8 encoded characters";
	if (memchr(s, '\0', len) != NULL)
		return "name contains the NUL byte";
	if (runes > max) {
		snprintf(buf, buflen, "name is longer than %zu runes", max);
		return buf;
	}
	return NULL;
}
