/* The clients' read-back check of the fuzz targets; see readable.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto.h"
#include "readable.h"

/*
 * The text is read as the clients meet it: as a value inside a line of
 * the daemon (an event inside its debugger record).
 */
void
readable_check(const char *what, const char *text, size_t len)
{
	json_t	*j;
	char	*line;

	if ((line = malloc(len + 2)) == NULL)
		abort();
	line[0] = '[';
	memcpy(line + 1, text, len);
	line[len + 1] = ']';
	j = proto_decode(line, len + 2);
	free(line);
	if (j == NULL) {
		fprintf(stderr, "%s: the clients cannot read it\n  text (%zu "
		    "bytes): %.*s\n", what, len, len > 4096 ? 4096 : (int)len,
		    text);
		abort();
	}
	json_decref(j);
}
