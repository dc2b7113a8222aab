/*
 * krtop's loop; see top.h.  Keys are drawn at once, new records at most
 * every TOP_DRAW_MS, so that a flood costs few redraws.  It calls
 * session.h, state.h, keys.h and view.h.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timestamp.h"
#include "keys.h"
#include "session.h"
#include "state.h"
#include "top.h"
#include "view.h"

#define TOP_DRAW_MS	50		/* between redraws for new records */

struct top {
	struct session	sess;
	struct state	st;
	int		dirty;		/* draw at the next chance */
	int		urgent;		/* draw after this pass */
	int64_t		drawn_at;
};

/* The write end of the signal pipe (the handler's only business). */
static int	sigpipe_w = -1;

static void
top_signal(int sig)
{
	int		saved = errno;
	unsigned char	c = (unsigned char)sig;

	if (write(sigpipe_w, &c, 1) == -1) {
		/* The pipe is full: a wakeup is pending anyway. */
	}
	errno = saved;
}

/* Take in what the session says changed (SESSION_ flags). */
static void
top_changed(struct top *t, int changed)
{
	if (changed & SESSION_LIST)
		t->st.stale = 1;
	if (changed & (SESSION_DRAW | SESSION_URGENT))
		t->dirty = 1;
	if (changed & SESSION_URGENT)
		t->urgent = 1;
}

/* Bring the state up to date with the terminal's size and the records. */
static void
top_refresh(struct top *t)
{
	view_size(&t->st.rows, &t->st.cols);
	state_refresh(&t->st);
}

/* Take every key waiting on the terminal. */
static void
top_keys(struct top *t)
{
	int	key;

	while (!t->st.quit && view_key(&key)) {
		top_refresh(t);
		t->dirty = t->urgent = 1;
		if (key == KEYS_RESIZE)
			continue;
		keys_press(&t->st, key);
		if (t->st.resubscribe) {
			top_changed(t, session_follow(&t->sess, t->st.source,
			    timestamp_monotonic()));
			t->st.resubscribe = 0;
		}
		if (t->st.redraw) {
			view_clear();
			t->st.redraw = 0;
		}
	}
}

/* Read the signal pipe: quit, or take the new size of the terminal. */
static void
top_signals(struct top *t, int fd)
{
	unsigned char	c;

	while (read(fd, &c, 1) == 1) {
		if (c == SIGWINCH) {
			view_resize();
			t->dirty = t->urgent = 1;
		} else
			t->st.quit = 1;
	}
}

/* How long poll may wait for the next thing to do, in ms. */
static int
top_timeout(const struct top *t, int64_t now)
{
	int64_t	until = now + 60000;

	if (session_next(&t->sess) < until)
		until = session_next(&t->sess);
	if (t->dirty && t->drawn_at + TOP_DRAW_MS < until)
		until = t->drawn_at + TOP_DRAW_MS;
	return until <= now ? 0 : (int)(until - now);
}

int
top_run(const char *path, const char *source, int utf8)
{
	struct top		 t;
	struct sigaction	 sa;
	struct pollfd		 pfd[3];
	int64_t			 now;
	int			 sp[2];

	memset(&t, 0, sizeof(t));
	session_init(&t.sess, path, source, &t.st.list);
	state_init(&t.st, &t.sess, source, utf8);
	if (pipe2(sp, O_NONBLOCK | O_CLOEXEC) == -1)
		err(1, "pipe");
	sigpipe_w = sp[1];
	if (view_init(utf8) == -1)
		errx(1, "cannot use the terminal (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "");
	/* After the terminal is set up, so that these replace ncurses's. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = top_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	t.dirty = t.urgent = 1;
	while (!t.st.quit) {
		now = timestamp_monotonic();
		top_changed(&t, session_tick(&t.sess, now));
		if (t.dirty && (t.urgent || now - t.drawn_at >= TOP_DRAW_MS)) {
			top_refresh(&t);
			view_draw(&t.st, &t.sess);
			t.dirty = t.urgent = 0;
			t.drawn_at = now;
		}
		pfd[0].fd = sp[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = STDIN_FILENO;
		pfd[1].events = POLLIN;
		pfd[2].fd = t.sess.link.fd;
		pfd[2].events = session_events(&t.sess);
		if (poll(pfd, 3, top_timeout(&t, now)) == -1) {
			if (errno == EINTR)
				continue;
			view_end();
			err(1, "poll");
		}
		now = timestamp_monotonic();
		if (pfd[0].revents & POLLIN)
			top_signals(&t, sp[0]);
		if (t.sess.link.fd != -1 && pfd[2].revents)
			top_changed(&t, session_input(&t.sess,
			    pfd[2].revents, now));
		if (pfd[1].revents & POLLIN)
			top_keys(&t);
		else if (pfd[1].revents & (POLLHUP | POLLERR | POLLNVAL))
			t.st.quit = 1;
	}
	view_end();
	state_release(&t.st);
	session_release(&t.sess);
	close(sp[0]);
	close(sp[1]);
	sigpipe_w = -1;
	return 0;
}
