/*
 * Whether a JSON text that krenalisd accepted or wrote can be read back by
 * the clients: krctl and krtop read every line of the daemon with
 * proto_decode (common/proto.h), which is jansson with the documented
 * rewrites of the tokens jansson refuses.  Shared by the fuzz targets.
 */
#ifndef READABLE_H
#define READABLE_H

#include <stddef.h>

/*
 * Abort, naming what, unless proto_decode reads the len bytes at text as
 * a value in a line.
 */
void	readable_check(const char *what, const char *text, size_t len);

#endif
