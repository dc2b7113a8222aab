/*
 * The HTTP side of krenalisd (spec/ingest.md), on libmicrohttpd with one
 * thread per connection: each HTTP thread reads, decodes and evaluates its
 * own request (with ingest.c), then waits for the writer's commit (only
 * its own thread waits), so decoding spreads over the cores.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

struct config;
struct http;
struct warehouse;
struct writer;

/*
 * Serve HTTP on the listening socket fd (taken over).  cf, st and w are
 * borrowed for the life of the server.  NULL with err.
 */
struct http	*http_start(int fd, const struct config *cf,
		    struct warehouse *st, struct writer *w, char *err,
		    size_t errlen);

/*
 * Stop: new requests, and those waiting for memory, get 503 "server is
 * shutting down", the other requests in flight finish (up to a bound),
 * then every HTTP thread stops.
 */
void		 http_stop(struct http *);

#endif
