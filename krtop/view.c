/*
 * krtop's terminal; see view.h.  Every line is formatted by fmt.c into the
 * exact width first (what is cut says so), then written with one
 * attribute, so that nothing from the network reaches the terminal
 * unchecked and nothing wraps; a list row's outcome, marks and error are
 * given their looks after.  Colours where the terminal has them, bold and
 * reverse where not.
 */
#include <sys/ioctl.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "compat.h"
#include "detail.h"
#include "fmt.h"
#include "keys.h"
#include "reclist.h"
#include "session.h"
#include "state.h"
#include "view.h"

/* Colour pairs. */
enum {
	PAIR_BAR = 1,
	PAIR_DOWN,
	PAIR_COLHDR,
	PAIR_SEL,
	PAIR_KEY,
	PAIR_GREEN,
	PAIR_YELLOW,
	PAIR_MAGENTA,
	PAIR_RED
};

/* What is drawn, and so how it looks. */
enum view_look {
	LOOK_TEXT,
	LOOK_BOLD,
	LOOK_BAR,		/* the title bars */
	LOOK_DOWN,		/* the title bar when disconnected */
	LOOK_COLHDR,
	LOOK_SEL,
	LOOK_KEY,		/* a key on the status line */
	LOOK_STORED,
	LOOK_FILTERED,
	LOOK_DUPLICATE,
	LOOK_REJECTED,
	LOOK_DIM
};

static SCREEN	*view_screen;
static int	 view_utf8;
static int	 view_colors;

static attr_t
view_attr(enum view_look k)
{
	if (!view_colors) {
		switch (k) {
		case LOOK_BOLD:
		case LOOK_REJECTED:
			return A_BOLD;
		case LOOK_BAR:
		case LOOK_COLHDR:
		case LOOK_KEY:
			return A_REVERSE;
		case LOOK_DOWN:
		case LOOK_SEL:
			return A_REVERSE | A_BOLD;
		default:
			return A_NORMAL;
		}
	}
	switch (k) {
	case LOOK_BOLD:
		return A_BOLD;
	case LOOK_BAR:
		return COLOR_PAIR(PAIR_BAR) | A_BOLD;
	case LOOK_DOWN:
		return COLOR_PAIR(PAIR_DOWN) | A_BOLD;
	case LOOK_COLHDR:
		return COLOR_PAIR(PAIR_COLHDR);
	case LOOK_SEL:
		return COLOR_PAIR(PAIR_SEL);
	case LOOK_KEY:
		return COLOR_PAIR(PAIR_KEY);
	case LOOK_STORED:
		return COLOR_PAIR(PAIR_GREEN);
	case LOOK_FILTERED:
		return COLOR_PAIR(PAIR_YELLOW);
	case LOOK_DUPLICATE:
		return COLOR_PAIR(PAIR_MAGENTA);
	case LOOK_REJECTED:
		return COLOR_PAIR(PAIR_RED) | A_BOLD;
	case LOOK_DIM:
		return A_DIM;
	default:
		return A_NORMAL;
	}
}

static enum view_look
view_outcome_look(enum rec_outcome o)
{
	switch (o) {
	case REC_STORED:
		return LOOK_STORED;
	case REC_FILTERED:
		return LOOK_FILTERED;
	case REC_DUPLICATE:
		return LOOK_DUPLICATE;
	case REC_REJECTED:
		return LOOK_REJECTED;
	default:
		return LOOK_TEXT;
	}
}

static enum view_look
view_mark_look(char m)
{
	switch (m) {
	case REC_MARK_PASSED:
		return LOOK_STORED;
	case REC_MARK_FILTERED:
		return LOOK_FILTERED;
	case REC_MARK_CONSENT:
		return LOOK_DUPLICATE;
	case REC_MARK_DISABLED:
		return LOOK_DIM;
	case REC_MARK_QUEUED:
		return LOOK_STORED;
	case REC_MARK_FAILED:
		return LOOK_REJECTED;
	default:
		return LOOK_TEXT;
	}
}

static enum view_look
view_style_look(int style)
{
	switch (style) {
	case DETAIL_TITLE:
		return LOOK_BOLD;
	case DETAIL_STORED:
		return LOOK_STORED;
	case DETAIL_FILTERED:
		return LOOK_FILTERED;
	case DETAIL_DUPLICATE:
		return LOOK_DUPLICATE;
	case DETAIL_REJECTED:
		return LOOK_REJECTED;
	case DETAIL_DIM:
		return LOOK_DIM;
	default:
		return LOOK_TEXT;
	}
}

/*
 * Write s at (y, x) in at most w columns with look k, padded to w with
 * pad; return the columns written.  A text cut ends with the cut mark.
 */
static int
view_put(int y, int x, int w, const char *s, enum view_look k, int pad)
{
	char	buf[FMT_LINESZ];
	int	n;

	if (w <= 0)
		return 0;
	if (w > FMT_MAXW)
		w = FMT_MAXW;
	n = fmt_fit(buf, sizeof(buf), s, w, FMT_CUT | (pad ? FMT_PAD : 0),
	    view_utf8);
	attrset(view_attr(k));
	mvaddstr(y, x, buf);
	attrset(A_NORMAL);
	return n;
}

/*
 * Write s after *x on row y, up to column cols; advance *x.  A text with
 * no room left is cut there: the last column shows the cut mark.
 */
static void
view_seg(int y, int *x, int cols, const char *s, enum view_look k)
{
	if (*x >= cols && *s != '\0') {
		attrset(view_attr(k));
		mvaddstr(y, cols - 1, fmt_cutmark(view_utf8));
		attrset(A_NORMAL);
		return;
	}
	*x += view_put(y, *x, cols - *x, s, k, 0);
}

int
view_init(int utf8)
{
	const char	*cup;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -1;
	if ((view_screen = newterm(NULL, stdout, stdin)) == NULL)
		return -1;
	set_term(view_screen);
	/* One that cannot move the cursor (TERM=dumb) shows nothing usable. */
	cup = tigetstr("cup");
	if (cup == NULL || cup == (char *)-1) {
		endwin();
		delscreen(view_screen);
		view_screen = NULL;
		return -1;
	}
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	view_utf8 = utf8;
	view_colors = 0;
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(PAIR_BAR, COLOR_WHITE, COLOR_BLUE);
		init_pair(PAIR_DOWN, COLOR_WHITE, COLOR_RED);
		init_pair(PAIR_COLHDR, COLOR_BLACK, COLOR_GREEN);
		init_pair(PAIR_SEL, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_KEY, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_GREEN, COLOR_GREEN, -1);
		init_pair(PAIR_YELLOW, COLOR_YELLOW, -1);
		init_pair(PAIR_MAGENTA, COLOR_MAGENTA, -1);
		init_pair(PAIR_RED, COLOR_RED, -1);
		view_colors = 1;
	}
	return 0;
}

void
view_end(void)
{
	const char	*rmcup;

	if (view_screen == NULL)
		return;
	/*
	 * A terminal without an alternate screen (vt100) has no screen of
	 * before to go back to: clear krtop's, as reset would, so that the
	 * shell's prompt comes on a clean screen; endwin then puts the
	 * cursor at the bottom left.
	 */
	rmcup = tigetstr("rmcup");
	if (rmcup == NULL || rmcup == (char *)-1 || *rmcup == '\0') {
		attrset(A_NORMAL);
		clear();
		refresh();
	}
	curs_set(1);
	endwin();
	delscreen(view_screen);
	view_screen = NULL;
}

void
view_resize(void)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
}

void
view_clear(void)
{
	clearok(curscr, TRUE);
}

void
view_size(int *rows, int *cols)
{
	if (view_screen == NULL) {
		*rows = 24;
		*cols = 80;
		return;
	}
	getmaxyx(stdscr, *rows, *cols);
	if (*cols > FMT_MAXW)
		*cols = FMT_MAXW;
}

int
view_key(int *key)
{
	wint_t	c;
	int	rc;

	if ((rc = get_wch(&c)) == ERR)
		return 0;
	if (rc == KEY_CODE_YES) {
		switch (c) {
		case KEY_UP:
			*key = KEYS_UP;
			break;
		case KEY_DOWN:
			*key = KEYS_DOWN;
			break;
		case KEY_PPAGE:
			*key = KEYS_PGUP;
			break;
		case KEY_NPAGE:
			*key = KEYS_PGDN;
			break;
		case KEY_HOME:
			*key = KEYS_HOME;
			break;
		case KEY_END:
			*key = KEYS_END;
			break;
		case KEY_ENTER:
			*key = KEYS_ENTER;
			break;
		case KEY_BACKSPACE:
			*key = KEYS_BACKSPACE;
			break;
		case KEY_RESIZE:
			*key = KEYS_RESIZE;
			break;
		default:
			*key = KEYS_OTHER;
		}
	} else if (c == '\n')
		*key = KEYS_ENTER;
	else if (c == '\b')
		*key = KEYS_BACKSPACE;
	else
		*key = (int)c;
	return 1;
}

/*
 * Line 0: the daemon, or why krtop is not connected to it.  Where the
 * whole line does not fit, the process ID goes first, then the listening
 * address, then the uptime, so that the node stays named.
 */
static void
view_title(const struct session *sess, int cols)
{
	char	line[FMT_LINESZ], dur[32], up[48], pid[32], listen[128];
	int	drop;

	if (sess->connected && sess->version != NULL) {
		fmt_duration(dur, sizeof(dur), sess->uptime);
		snprintf(up, sizeof(up), "   up %s", dur);
		snprintf(pid, sizeof(pid), "   pid %lld", sess->pid);
		snprintf(listen, sizeof(listen), "   listen %s",
		    sess->listen ? sess->listen : "?");
		for (drop = 0; drop < 4; drop++) {
			snprintf(line, sizeof(line), " krtop   krenalisd "
			    "%s%s%s%s   node %s", sess->version,
			    drop < 1 ? pid : "", drop < 3 ? up : "",
			    drop < 2 ? listen : "",
			    sess->node ? sess->node : "?");
			if (fmt_width(line, strlen(line), view_utf8) <= cols)
				break;
		}
		view_put(0, 0, cols, line, LOOK_BAR, 1);
	} else if (sess->connected)
		view_put(0, 0, cols, " krtop   connecting", LOOK_BAR, 1);
	else {
		snprintf(line, sizeof(line), " krtop   disconnected: %s; "
		    "retrying", sess->why[0] ? sess->why : "not connected");
		view_put(0, 0, cols, line, LOOK_DOWN, 1);
	}
}

/* Line 1: the rates of the chosen sources. */
static void
view_rates(const struct state *s, const struct session *sess, int cols)
{
	double		 rate[SESSION_NCOUNTERS];
	const char	*id = NULL;
	char		 buf[32];
	int		 x = 0, k, have;

	/* A source the daemon no longer has gets nothing: not all of them. */
	if (s->source != NULL && (id = state_source_id(s)) == NULL)
		id = s->source;
	have = session_rates(sess, id, rate);
	view_seg(1, &x, cols, " Events/s", LOOK_TEXT);
	for (k = 0; k < SESSION_NCOUNTERS; k++) {
		view_seg(1, &x, cols, "   ", LOOK_TEXT);
		view_seg(1, &x, cols, session_counter_name(k), LOOK_TEXT);
		view_seg(1, &x, cols, " ", LOOK_TEXT);
		if (have)
			fmt_rate(buf, sizeof(buf), rate[k]);
		else
			strlcpy(buf, "-", sizeof(buf));
		view_seg(1, &x, cols, buf, LOOK_BOLD);
	}
}

/* Line 2: what the list shows. */
static void
view_shown(const struct state *s, const struct session *sess, int cols)
{
	char		 buf[FMT_LINESZ], n1[16], n2[16];
	const char	*id;
	int		 x = 0;

	view_seg(2, &x, cols, " Source ", LOOK_TEXT);
	if (s->source == NULL)
		snprintf(buf, sizeof(buf), "all (%zu)", sess->nsrc);
	else if ((id = state_source_id(s)) != NULL)
		snprintf(buf, sizeof(buf), "%s", session_source_name(sess,
		    id));
	else
		snprintf(buf, sizeof(buf), "%s", s->source_name != NULL ?
		    s->source_name : s->source);
	view_seg(2, &x, cols, buf, LOOK_BOLD);
	snprintf(buf, sizeof(buf), "   Shown %s of %s",
	    fmt_count(n1, sizeof(n1), s->nvis),
	    fmt_count(n2, sizeof(n2), s->list.n));
	view_seg(2, &x, cols, buf, LOOK_TEXT);
	view_seg(2, &x, cols, "   Omitted ", LOOK_TEXT);
	view_seg(2, &x, cols, fmt_count(n1, sizeof(n1), sess->omitted),
	    sess->omitted > 0 ? LOOK_REJECTED : LOOK_BOLD);
	if (s->paused) {
		view_seg(2, &x, cols, "   ", LOOK_TEXT);
		snprintf(buf, sizeof(buf), "PAUSED, %s new",
		    fmt_count(n1, sizeof(n1), s->held));
		view_seg(2, &x, cols, buf, LOOK_SEL);
	}
	if (s->text[0] != '\0' || s->screen == STATE_PROMPT) {
		view_seg(2, &x, cols, "   Filter ", LOOK_TEXT);
		view_seg(2, &x, cols, s->text, LOOK_BOLD);
	}
	if (s->outcome >= 0) {
		view_seg(2, &x, cols, "   Outcome ", LOOK_TEXT);
		view_seg(2, &x, cols, reclist_outcome_name(s->outcome),
		    view_outcome_look(s->outcome));
	}
}

/* Give the n columns from (y, x) look k, up to column cols. */
static void
view_paint(int y, int x, int n, int cols, enum view_look k)
{
	attr_t	a = view_attr(k);

	if (n > cols - x)
		n = cols - x;
	if (n > 0)
		mvchgat(y, x, n, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
}

/*
 * The list: column header, rows, the selection, coloured outcomes, marks
 * and errors.
 */
static void
view_list(const struct state *s, const struct session *sess,
    const struct state_layout *L, int cols)
{
	struct fmt_cols	 c;
	struct rec	*r;
	char		 line[FMT_LINESZ];
	size_t		 i, nmarks = 0, m;
	int		 y, errors = 0;

	for (i = s->first; i < s->nvis && i < s->first +
	    (size_t)L->list_rows; i++) {
		if (strlen(s->vis[i]->marks) > nmarks)
			nmarks = strlen(s->vis[i]->marks);
		if (s->vis[i]->error != NULL)
			errors = 1;
	}
	fmt_columns(&c, cols, (int)nmarks, errors);
	fmt_header(line, sizeof(line), &c, cols, view_utf8);
	view_put(L->list_y - 1, 0, cols, line, LOOK_COLHDR, 1);
	if (s->nvis == 0) {
		if (s->list.n == 0 && s->held == 0)
			view_put(L->list_y + 1, 2, cols - 2, sess->connected ?
			    "Waiting for events." : "No events.", LOOK_DIM, 0);
		else
			view_put(L->list_y + 1, 2, cols - 2, "No event "
			    "matches (/ filter, o outcome, s source).",
			    LOOK_DIM, 0);
		return;
	}
	for (y = 0; y < L->list_rows; y++) {
		i = s->first + (size_t)y;
		if (i >= s->nvis)
			break;
		r = s->vis[i];
		fmt_row(line, sizeof(line), &c, r,
		    session_source_name(sess, r->source), cols, view_utf8);
		if (i == s->sel) {
			view_put(L->list_y + y, 0, cols, line, LOOK_SEL, 1);
			continue;
		}
		/* The row as it is, then the looks of its parts over it. */
		view_put(L->list_y + y, 0, cols, line, LOOK_TEXT, 1);
		view_paint(L->list_y + y, c.x_outcome, c.outcome, cols,
		    view_outcome_look(r->outcome));
		if (r->error != NULL)
			view_paint(L->list_y + y, c.x_marks, c.marks, cols,
			    LOOK_REJECTED);
		for (m = 0; r->error == NULL && r->marks[m] != '\0' &&
		    m < (size_t)c.marks; m++)
			view_paint(L->list_y + y, c.x_marks + (int)m, 1, cols,
			    view_mark_look(r->marks[m]));
	}
}

/* The detail pane: a title bar, then the lines from dscroll. */
static void
view_detail(const struct state *s, const struct state_layout *L, int cols)
{
	const struct fmt_lines	*dl = &s->dlines;
	char			 line[FMT_LINESZ];
	size_t			 i;
	int			 y;

	if (s->nvis > 0)
		snprintf(line, sizeof(line), " Details of event %lld   %s   "
		    "lines %zu-%zu of %zu", s->vis[s->sel]->seq,
		    s->mode == DETAIL_RAW ? "raw payload" : "normalised event",
		    dl->n ? s->dscroll + 1 : 0, s->dscroll +
		    (size_t)L->detail_rows < dl->n ? s->dscroll +
		    (size_t)L->detail_rows : dl->n, dl->n);
	else
		snprintf(line, sizeof(line), " Details: no event");
	view_put(L->detail_y - 1, 0, cols, line, LOOK_BAR, 1);
	for (y = 0; y < L->detail_rows; y++) {
		i = s->dscroll + (size_t)y;
		if (i >= dl->n)
			break;
		view_put(L->detail_y + y, 0, cols, dl->v[i].text,
		    view_style_look(dl->v[i].style), 0);
	}
}

/* The status line: keys and what they do, or the prompt, or an error. */
static void
view_status(const struct state *s, const struct session *sess,
    const struct state_layout *L, int cols)
{
	const struct keys_binding	*b;
	int				 x = 0, show;

	if (s->screen == STATE_PROMPT) {
		view_seg(L->help_y, &x, cols, "Filter: ", LOOK_BOLD);
		view_seg(L->help_y, &x, cols, s->text, LOOK_TEXT);
		if (x >= cols)
			x = cols - 1;
		move(L->help_y, x);
		return;
	}
	if (sess->message[0] != '\0') {
		view_put(L->help_y, 0, cols, sess->message, LOOK_REJECTED, 0);
		return;
	}
	show = s->detail ? KEYS_HINT_DETAIL : KEYS_HINT_LIST;
	for (b = keys_table; b->keys != NULL; b++) {
		if (!(b->flags & show))
			continue;
		if (x > 0)
			view_seg(L->help_y, &x, cols, " ", LOOK_TEXT);
		view_seg(L->help_y, &x, cols, b->hintkey, LOOK_KEY);
		view_seg(L->help_y, &x, cols, " ", LOOK_TEXT);
		view_seg(L->help_y, &x, cols, keys_hint(b, s), LOOK_TEXT);
	}
}

/* The ? screen. */
static void
view_help(int rows, int cols)
{
	struct fmt_lines	l;
	size_t			i;

	view_put(0, 0, cols, " krtop: the live events of krenalisd",
	    LOOK_BAR, 1);
	fmt_lines_init(&l);
	keys_help(&l);
	for (i = 0; i < l.n && (int)i + 1 < rows; i++)
		view_put((int)i + 1, 1, cols - 1, l.v[i].text,
		    l.v[i].style == KEYS_TITLE ? LOOK_BOLD : LOOK_TEXT, 0);
	fmt_lines_release(&l);
}

/* The d screen: a line per destination, from the last stats reply. */
static void
view_dests(const struct session *sess, int rows, int cols)
{
	char	line[FMT_LINESZ];
	size_t	i;

	/* Disconnected, the figures are those last seen, and dimmed. */
	view_put(0, 0, cols, sess->connected ? " krtop: the destinations of "
	    "krenalisd (any key: back)" : " krtop: the destinations of "
	    "krenalisd, as last seen: disconnected (any key: back)",
	    sess->connected ? LOOK_BAR : LOOK_DOWN, 1);
	session_dest_line(NULL, line, sizeof(line));
	view_put(1, 1, cols - 1, line, LOOK_BOLD, 0);
	for (i = 0; i < sess->ndst && (int)i + 2 < rows; i++) {
		session_dest_line(&sess->dst[i], line, sizeof(line));
		view_put((int)i + 2, 1, cols - 1, line, !sess->connected ?
		    LOOK_DIM : sess->dst[i].last_error != NULL &&
		    sess->dst[i].queued > 0 ? LOOK_FILTERED : LOOK_TEXT, 0);
	}
	if (sess->ndst == 0 && rows > 2)
		view_put(2, 1, cols - 1, "no destination", LOOK_DIM, 0);
}

/* A picker: a box over the list with the choices and the current one. */
static void
view_picker(const struct state *s, const struct state_layout *L, int rows,
    int cols)
{
	char	 label[FMT_LINESZ];
	size_t	 n = state_pick_count(s), i, first = 0;
	int	 w = 20, h, x0, y0, y, lw;

	for (i = 0; i < n; i++) {
		state_pick_label(s, i, label, sizeof(label));
		lw = fmt_width(label, strlen(label), view_utf8) + 5;
		if (lw > w)
			w = lw;
	}
	if (w > cols - 4)
		w = cols - 4;
	h = (int)n + 2;
	if (h > rows - L->list_y - 1)
		h = rows - L->list_y - 1;
	if (h < 3)
		return;
	if (s->pick >= first + (size_t)(h - 2))
		first = s->pick - (size_t)(h - 2) + 1;
	x0 = (cols - w) / 2;
	y0 = L->list_y;
	attrset(A_NORMAL);
	for (y = 0; y < h; y++) {
		mvhline(y0 + y, x0, ' ', w);
		mvaddch(y0 + y, x0, y == 0 ? ACS_ULCORNER : y == h - 1 ?
		    ACS_LLCORNER : ACS_VLINE);
		mvaddch(y0 + y, x0 + w - 1, y == 0 ? ACS_URCORNER :
		    y == h - 1 ? ACS_LRCORNER : ACS_VLINE);
		if (y == 0 || y == h - 1)
			mvhline(y0 + y, x0 + 1, ACS_HLINE, w - 2);
	}
	view_put(y0, x0 + 2, w - 4, s->screen == STATE_PICK_OUTCOME ?
	    " Outcome " : " Source ", LOOK_BOLD, 0);
	for (y = 0; y < h - 2; y++) {
		i = first + (size_t)y;
		if (i >= n)
			break;
		label[0] = ' ';
		state_pick_label(s, i, label + 1, sizeof(label) - 1);
		view_put(y0 + 1 + y, x0 + 1, w - 2, label, i == s->pick ?
		    LOOK_SEL : LOOK_TEXT, 1);
	}
}

/* The note of a terminal too small for anything else. */
static void
view_small(int rows, int cols)
{
	struct fmt_lines	 l;
	const char		*note = "krtop: the terminal is too small";
	size_t			 i;

	fmt_lines_init(&l);
	fmt_wrap(&l, note, strlen(note), cols, view_utf8, 0);
	for (i = 0; i < l.n && (int)i < rows; i++)
		view_put((int)i, 0, cols, l.v[i].text, LOOK_BOLD, 0);
	fmt_lines_release(&l);
}

void
view_draw(const struct state *s, const struct session *sess)
{
	struct state_layout	L;

	erase();
	curs_set(0);
	state_layout(s, &L);
	if (L.small)
		view_small(s->rows, s->cols);
	else if (s->screen == STATE_HELP)
		view_help(s->rows, s->cols);
	else if (s->screen == STATE_DESTS)
		view_dests(sess, s->rows, s->cols);
	else {
		view_title(sess, s->cols);
		view_rates(s, sess, s->cols);
		view_shown(s, sess, s->cols);
		view_list(s, sess, &L, s->cols);
		if (s->detail)
			view_detail(s, &L, s->cols);
		if (s->screen == STATE_PICK_OUTCOME ||
		    s->screen == STATE_PICK_SOURCE)
			view_picker(s, &L, s->rows, s->cols);
		view_status(s, sess, &L, s->cols);
		if (s->screen == STATE_PROMPT)
			curs_set(1);
	}
	refresh();
}
