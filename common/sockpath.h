/*
 * The path of krenalisd's admin socket, as krctl and krtop are given it:
 * checked before it is connected to, so that a path that can never be
 * the socket is a bad command line, not a daemon said to be down.
 */
#ifndef SOCKPATH_H
#define SOCKPATH_H

#include <stddef.h>

/*
 * 0, or -1 with why: the path is empty, too long for a Unix socket, or
 * names a file that is not a socket.  A path where nothing is yet may
 * become the socket when krenalisd starts.
 */
int	sockpath_check(const char *path, char *why, size_t whylen);

#endif
