/*
 * A request body as it arrives: kept as sent, or gunzipped on the fly
 * (RFC 1952, several members allowed), within the limits of
 * spec/ingest.md §7.3.  Reading stops at the first limit passed.
 */
#ifndef BODY_H
#define BODY_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

enum body_error {
	BODY_OK = 0,
	BODY_TOO_LARGE,		/* over max_body_bytes */
	BODY_RATIO,		/* over the decompression ratio */
	BODY_BAD_GZIP		/* not valid gzip data */
};

struct body {
	char		*buf;		/* the (decompressed) body */
	size_t		 len;
	size_t		 cap;
	size_t		 max;		/* max_body_bytes */
	int64_t		 ratio;		/* max_gzip_ratio */
	size_t		 declared;	/* Content-Length, or 0 */
	size_t		 received;	/* bytes as sent */
	int		 gzip;
	int		 zinit;
	int		 zend;		/* at the end of a gzip member */
	z_stream	 zs;
	enum body_error	 error;
};

/*
 * Prepare for a body of at most max bytes; declared is the Content-Length
 * (0 when absent), gzip whether the body is to be gunzipped.
 */
void	body_init(struct body *, size_t max, int64_t ratio, size_t declared,
	    int gzip);
void	body_release(struct body *);
/* Take the next n bytes as sent; -1 once an error is set. */
int	body_feed(struct body *, const char *, size_t n);
/* The body is complete: check that a gzip body ended; -1 on error. */
int	body_finish(struct body *);

#endif
