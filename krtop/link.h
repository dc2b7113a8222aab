/*
 * krtop's connection to krenalisd's admin socket (DESIGN.md, "Control
 * protocol").  It never blocks: the caller's poll loop says when to read
 * and write, and takes what came one message at a time, either a reply to
 * one of its requests or a line of the record stream.
 *
 * It calls common/proto.h for the framing of the lines.
 */
#ifndef LINK_H
#define LINK_H

#include <stddef.h>

#include <jansson.h>

#include "proto.h"

#define LINK_MAXPEND	32	/* requests waiting for their replies */

enum link_msg_type {
	LINK_REPLY,
	LINK_RECORD
};

struct link_msg {
	enum link_msg_type	 type;
	int			 kind;	/* the request's kind, -1 if unknown */
	int			 ok;	/* a reply: whether "ok" is true */
	json_t			*obj;	/* the line's object: the caller's */
	const char		*line;	/* its text, until the next call */
	size_t			 len;
};

struct link {
	int			 fd;		/* -1 when not connected */
	struct proto_reader	 rd;
	char			*out;		/* requests not written yet */
	size_t			 outlen;
	size_t			 outoff;
	size_t			 outcap;
	long long		 next_id;
	long long		 pend_id[LINK_MAXPEND];
	int			 pend_kind[LINK_MAXPEND];
	size_t			 npend;
};

void	link_init(struct link *);
/* Close the connection if open and free everything. */
void	link_release(struct link *);
/* Connect to the socket at path: 0, or -1 with errno set. */
int	link_open(struct link *, const char *path);
void	link_close(struct link *);
/*
 * Queue the request cmd with args (stolen; NULL for none), remembered as
 * of kind (the caller's number); return its id, or -1 if too many wait.
 */
long long link_request(struct link *, int kind, const char *cmd,
	    json_t *args);
/* Whether a request of kind waits for its reply. */
int	link_pending(const struct link *, int kind);
/* Whether requests wait to be written. */
int	link_wants_write(const struct link *);
/* Write what can be written: 0, or -1 when the connection failed. */
int	link_flush(struct link *);
/*
 * Read what there is, up to a bounded amount: 1, or 0 when the daemon
 * closed the connection, or -1 when it failed.
 */
int	link_read(struct link *);
/*
 * Take the next message: 1, or 0 when no whole line is there.  Lines too
 * long, or that are not JSON objects, are skipped.
 */
int	link_next(struct link *, struct link_msg *);

#endif
