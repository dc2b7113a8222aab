/* krctl's connection to krenalisd's admin socket. */
#ifndef CTL_H
#define CTL_H

#include <jansson.h>

#include "proto.h"

struct ctl {
	int			 fd;
	const char		*path;
	struct proto_reader	 rd;
	int			 next_id;
	char			 error[1024];	/* the daemon's last error */
	const char		*line;		/* the last line read, valid */
	size_t			 linelen;	/* until the next read or close */
};

/* Connect to the socket at path; exits with a clear message on failure. */
void	 ctl_open(struct ctl *, const char *path);
void	 ctl_close(struct ctl *);

/*
 * Send {"v":1,"id":N,"cmd":cmd,"args":args} (args stolen) and wait for
 * the reply.  Return its "data" (a new reference), or NULL with the
 * daemon's error message in c->error.
 */
json_t	*ctl_call(struct ctl *, const char *cmd, json_t *args);

/*
 * The next line from the daemon as a JSON object (a new reference, read
 * with proto_decode), its text in c->line; exits when the daemon closes
 * the connection or sends something else.
 */
json_t	*ctl_read(struct ctl *);

#endif
