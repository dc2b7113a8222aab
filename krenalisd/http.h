/*
 * The HTTP side of krenalisd (spec/ingest.md), on libmicrohttpd.  The HTTP
 * threads are libmicrohttpd's, one per connection.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

struct config;
struct http;
struct store;

/*
 * Serve HTTP on the listening socket fd (taken over).  cf and st are
 * borrowed for the life of the server.  NULL with err.
 */
struct http	*http_start(int fd, const struct config *cf, struct store *st,
		    char *err, size_t errlen);

/*
 * Stop accepting connections, let the requests in flight finish (up to
 * a bound), then stop every HTTP thread.
 */
void		 http_stop(struct http *);

#endif
