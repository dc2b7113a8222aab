/*
 * krtop's screen (ncurses): three header lines (the daemon, the rates,
 * what is shown), the column header, the event list, the detail pane
 * when open, and a help line; the help screen, the pickers and the
 * filter prompt over them.  view_draw draws it all from struct top and
 * sends only what changed to the terminal.
 */
#ifndef VIEW_H
#define VIEW_H

struct top;

/* Where things are on a screen of rows x cols. */
struct view_layout {
	int	small;		/* too small: only a note is drawn */
	int	list_y;		/* the first row of the list */
	int	list_rows;
	int	detail_y;	/* the first row of the details (0: closed) */
	int	detail_rows;
	int	help_y;		/* the help line */
};

#define VIEW_MINROWS	10
#define VIEW_MINCOLS	40

/* The layout for the state of t on a rows x cols screen.  Pure. */
void	view_layout(const struct top *, int rows, int cols,
	    struct view_layout *);

/* Take over the terminal: 0, or -1 if there is no usable terminal. */
int	view_init(struct top *);
/* Give the terminal back as it was; harmless when not taken. */
void	view_end(void);
/* The terminal changed size: learn the new one. */
void	view_resize(void);
/* Draw everything again from scratch at the next view_draw (Ctrl-L). */
void	view_clear(void);
/* The screen's size. */
void	view_size(int *rows, int *cols);
void	view_draw(struct top *);

#endif
