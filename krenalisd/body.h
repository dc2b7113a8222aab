/*
 * A request body as it arrives: kept as sent, or gunzipped on the fly
 * (RFC 1952, several members allowed), within the limits of
 * spec/ingest.md §7.3.  Reading stops at the first limit passed.  Its
 * memory is either allocated at once for a declared length, or grows
 * with the bytes received, each step taken from a memory budget.  With a
 * budget, its buffers come from the budget's spares and go back to them.
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
	size_t		 size;		/* of buf: cap + 1 or more */
	size_t		 max;		/* max_body_bytes */
	int64_t		 ratio;		/* max_gzip_ratio */
	size_t		 declared;	/* Content-Length, or 0 */
	size_t		 received;	/* bytes as sent */
	int		 gzip;
	int		 zinit;
	int		 zend;		/* at the end of a gzip member */
	z_stream	 zs;
	struct budget	*budget;	/* charged with cap, or NULL */
	size_t		 share;		/* of budget, taken by the caller */
	size_t		 taken;		/* of budget, taken past the share */
	enum body_error	 error;
};

/*
 * Prepare for a body of at most max bytes; declared is the Content-Length
 * (0 when absent), gzip whether the body is to be gunzipped.  share is
 * what the caller already took from the budget for this body.  A plain
 * body of a declared length within the share (any, without a budget) is
 * allocated at once; else the buffer grows as bytes arrive and each
 * growth past the share is taken from the budget without waiting
 * (BODY_BUSY when it does not fit).  body_release gives the share and
 * the rest back, with the buffer.
 */
void	body_init(struct body *, size_t max, int64_t ratio, size_t declared,
	    int gzip, struct budget *, size_t share);
void	body_release(struct body *);
/* Take the next n bytes as sent; -1 once an error is set. */
int	body_feed(struct body *, const char *, size_t n);
/* The body is complete: check that a gzip body ended; -1 on error. */
int	body_finish(struct body *);

#endif
