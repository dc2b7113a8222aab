/*
 * krtop's loop: one thread polls the signal pipe, the terminal and the
 * admin socket.  Each pass takes in what is ready: the session's
 * replies and records (session.h), keys (keys.h, read by view.h), and
 * draws the state (state.h) once if anything changed.
 */
#ifndef TOP_H
#define TOP_H

/*
 * Run krtop on the socket at path, for source (NULL: all), on a terminal
 * that shows UTF-8 or not; return 0 when the user quits.
 */
int	top_run(const char *path, const char *source, int utf8);

#endif
