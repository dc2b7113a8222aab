/*
 * krtop's state: the records it holds and the list it shows of them
 * (what the user chose: source, outcome, text, pause), the selection and
 * the list's scroll, the detail pane and its scroll, the pickers, the
 * filter prompt, and the layout of a screen of the size it was told.
 * No terminal here: keys.c changes the state, view.c draws it.
 *
 * It calls reclist.h for the records and their filters, detail.h for the
 * detail pane's lines, and session.h for the sources the daemon has.
 */
#ifndef STATE_H
#define STATE_H

#include <stddef.h>

#include "detail.h"
#include "fmt.h"
#include "reclist.h"
#include "session.h"

/* What the screen shows over the list. */
enum state_screen {
	STATE_MAIN,
	STATE_HELP,
	STATE_DESTS,		/* the destinations view */
	STATE_PROMPT,		/* the text filter being typed */
	STATE_PICK_OUTCOME,
	STATE_PICK_SOURCE
};

/* Where things are on the screen. */
struct state_layout {
	int	small;		/* too small: only a note is drawn */
	int	list_y;		/* the first row of the list */
	int	list_rows;
	int	detail_y;	/* the first row of the details (0: closed) */
	int	detail_rows;
	int	help_y;		/* the status line */
};

#define STATE_MINROWS	10
#define STATE_MINCOLS	40
#define STATE_TEXTMAX	256
/* A move or a scroll to the end, either way. */
#define STATE_FAR	((long long)1 << 40)

struct state {
	const struct session	*sess;		/* the sources */

	/* The records and the list shown. */
	struct reclist		 list;
	struct rec		**vis;
	size_t			 nvis;
	size_t			 viscap;
	size_t			 held;		/* new while paused */
	int			 stale;		/* vis must be rebuilt */

	/* What the user chose. */
	char			*source;	/* NULL: all sources */
	char			*source_name;	/* its last name known */
	int			 outcome;	/* -1: all */
	char			 text[STATE_TEXTMAX];
	char			 saved[STATE_TEXTMAX]; /* before the prompt */
	int			 paused;
	unsigned		 pause_epoch;
	long long		 pause_seq;
	int			 follow;	/* select the newest */
	int			 have_sel;
	unsigned		 sel_epoch;
	long long		 sel_seq;
	size_t			 sel;		/* index in vis */
	size_t			 first;		/* the top row's index */
	int			 have_first;
	unsigned		 first_epoch;
	long long		 first_seq;
	int			 detail;	/* the detail pane is open */
	enum detail_mode	 mode;
	size_t			 dscroll;
	enum state_screen	 screen;
	size_t			 pick;		/* the picker's entry */

	/* The detail pane's lines, for (d_epoch, d_seq, d_mode, d_width). */
	struct fmt_lines	 dlines;
	int			 dvalid;
	unsigned		 d_epoch;
	long long		 d_seq;
	enum detail_mode	 d_mode;
	int			 d_width;

	/* The screen, as the caller says it is. */
	int			 rows;
	int			 cols;
	int			 utf8;

	/* What the caller is asked to do, and clears. */
	int			 resubscribe;	/* follow source from now */
	int			 redraw;	/* draw all again (Ctrl-L) */
	int			 quit;
};

/*
 * Start with no records, showing source (NULL: all; copied) on a UTF-8
 * terminal or not; sess (borrowed) knows the sources.
 */
void		 state_init(struct state *, const struct session *sess,
		    const char *source, int utf8);
void		 state_release(struct state *);
/* Where things are on a screen of s->rows x s->cols.  Pure. */
void		 state_layout(const struct state *, struct state_layout *);
/*
 * Rebuild the list shown if it is stale, then keep the selection on its
 * record (or the newest, when following) and in view, and the detail
 * pane's lines ready and scrolled within them.  Call it after the
 * records, the size or the choices changed, before reading the state.
 */
void		 state_refresh(struct state *);
/* The id the chosen source stands for, or NULL (all, or not known). */
const char	*state_source_id(const struct state *);

/* Move the selection by delta rows (clamped). */
void		 state_move(struct state *, long long delta);
/* Scroll the detail pane by delta lines (clamped). */
void		 state_scroll(struct state *, long long delta);
/* Pause the list, or show what came while paused. */
void		 state_pause(struct state *);

/* Open the picker screen (outcome or source) at the current choice. */
void		 state_pick_open(struct state *, enum state_screen);
/* The entries of the open picker: how many, and the label of each. */
size_t		 state_pick_count(const struct state *);
const char	*state_pick_label(const struct state *, size_t i, char *buf,
		    size_t bufsz);
/* The entry the key c chooses, or state_pick_count() if none. */
size_t		 state_pick_find(const struct state *, int c);
/* Choose entry i of the open picker and close it. */
void		 state_pick_choose(struct state *, size_t i);

#endif
