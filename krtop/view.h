/*
 * krtop's terminal (ncurses): it takes the terminal over and gives it
 * back, reads its keys as keys.h codes, and draws the state: three header
 * lines (the daemon, the rates, what is shown), the column header, the
 * event list, the detail pane when open, and the status line; the ?
 * screen, the pickers and the filter prompt over them.  Drawing only
 * reads the state and the session, and sends only what changed.
 *
 * It calls state.h for the layout and the pickers, session.h for the
 * daemon and its sources, keys.h for the hints and the ? screen, and
 * fmt.h to fit every line to the screen.
 */
#ifndef VIEW_H
#define VIEW_H

struct session;
struct state;

/* Take over the terminal: 0, or -1 if there is no usable terminal. */
int	view_init(int utf8);
/* Give the terminal back as it was; harmless when not taken. */
void	view_end(void);
/* The terminal changed size: learn the new one. */
void	view_resize(void);
/* Draw everything again from scratch at the next view_draw (Ctrl-L). */
void	view_clear(void);
/* The screen's size. */
void	view_size(int *rows, int *cols);
/* Read a key without waiting: 1 and its code in *key, or 0 if none. */
int	view_key(int *key);
/* Draw s, refreshed (state_refresh), and the daemon of sess. */
void	view_draw(const struct state *s, const struct session *sess);

#endif
