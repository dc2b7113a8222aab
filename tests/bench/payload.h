/*
 * Request bodies for the benchmarks: the typical event payload of
 * seed/collect-events-from-segment.md (about 1.1 KB, spaced as the page
 * prints it), repeated, each copy with its own messageId.
 *
 * A messageId looks like a UUID, "XXXXXXXX-RRRR-RRRR-9f2d-XXXXXXXXXXXX":
 * R is a 32-bit run number chosen by the caller, in hex, and the X digits
 * are a sequence number scrambled by a bijection, so that ids never
 * repeat within a run, runs with different numbers never collide, and
 * ids come in no order, as the random UUIDs of SDKs do: the dedupe index
 * sees what it sees in production.  A body is built once; before each
 * request payload_stamp rewrites only the ids of a copy, in place.
 */
#ifndef PAYLOAD_H
#define PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define PAYLOAD_ID_LEN	36	/* a messageId, without the NUL */

struct payload {
	char	*body;		/* NUL-terminated */
	size_t	 len;
	size_t	 n;		/* events */
	size_t	*idoff;		/* where each messageId starts in body */
};

/*
 * Build a body of n events: a bare JSON array (a webhook batch) when
 * array is set, otherwise the single event object (n must be 1).  The
 * ids are stamped with run 0, sequence 0, 1, ...  The payload owns body
 * and idoff until payload_release.
 */
void	payload_init(struct payload *, size_t n, int array);
void	payload_release(struct payload *);

/* The largest number of events whose batch body fits in bytes. */
size_t	payload_fit(size_t bytes);

/*
 * Rewrite the ids of body, a copy of p->body at any address, to run and
 * the sequence numbers seq, seq + 1, ...
 */
void	payload_stamp(const struct payload *p, char *body, uint32_t run,
	    uint64_t seq);

/* Write one id and a NUL into buf (PAYLOAD_ID_LEN + 1 bytes). */
void	payload_id(char *buf, uint32_t run, uint64_t seq);

#endif
