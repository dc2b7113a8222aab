/*
 * The admin socket: a Unix stream socket speaking the JSON-lines protocol
 * of DESIGN.md (common/proto.h) to krctl and krtop.  The control thread
 * (the daemon's main thread) owns the listening socket, every client and
 * the catalog; control_run is its loop.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <stddef.h>
#include <stdint.h>

struct catalog;
struct config;
struct node;
struct warehouse;

struct control_ctx {
	const struct config	*cf;
	struct catalog		*cat;
	struct node		*node;		/* this daemon as a node */
	const char		*endpoint;
	const char		*version;
	int64_t			 started_at;
	struct warehouse	*warehouse;	/* read for "rejected" */
	int			 dbgfd;		/* the debugger's wake fd */
};

/*
 * Create the socket at path (unlinking a stale one, under a 0177 umask);
 * return the listening fd or -1 with err.
 */
int	control_listen(const char *path, char *err, size_t errlen);
/*
 * Whether path may be the socket: missing, or a socket, which is all
 * control_listen ever removes; -1 with err otherwise (krenalisd -n asks).
 */
int	control_path_check(const char *path, char *err, size_t errlen);

/*
 * Serve the socket until a signal asks to stop.  sigfd is the read end of
 * the self-pipe written by the signal handlers: one byte per signal, the
 * signal number.  Return when SIGTERM or SIGINT arrives.
 */
void	control_run(int lfd, int sigfd, struct control_ctx *);

#endif
