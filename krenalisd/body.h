/*
 * A request body as it arrives: kept as sent, or gunzipped on the fly
 * (RFC 1952, several members allowed), within the limits of
 * spec/ingest.md §7.3.  Reading stops at the first limit passed.  Its
 * memory is either allocated at once for a declared length, or grows
 * with the bytes received, each step taken from a memory budget.
 */
#ifndef BODY_H
#define BODY_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

struct budget;

enum body_error {
	BODY_OK = 0,
	BODY_TOO_LARGE,		/* over max_body_bytes */
	BODY_RATIO,		/* over the decompression ratio */
	BODY_BAD_GZIP,		/* not valid gzip data */
	BODY_BUSY		/* the memory budget is spent */
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
	struct budget	*budget;	/* charged with cap, or NULL */
	enum body_error	 error;
};

/*
 * Prepare for a body of at most max bytes; declared is the Content-Length
 * (0 when absent), gzip whether the body is to be gunzipped.  Without a
 * budget, a plain body of a declared length is allocated at once; with
 * one, the buffer grows as bytes arrive and each growth is taken from
 * the budget without waiting (BODY_BUSY when it does not fit), and given
 * back by body_release.
 */
void	body_init(struct body *, size_t max, int64_t ratio, size_t declared,
	    int gzip, struct budget *);
void	body_release(struct body *);
/* Take the next n bytes as sent; -1 once an error is set. */
int	body_feed(struct body *, const char *, size_t n);
/* The body is complete: check that a gzip body ended; -1 on error. */
int	body_finish(struct body *);

#endif
