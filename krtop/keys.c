/*
 * krtop's keys; see keys.h.  The actions of the table are small: what
 * they change is in state.c (moving, scrolling, pausing, the pickers) or
 * a field of the state; what the caller must do (follow another source,
 * draw all again, quit) is asked through the state's flags.
 */
#include <stdio.h>
#include <string.h>
#include <wctype.h>

#include "compat.h"
#include "detail.h"
#include "fmt.h"
#include "keys.h"
#include "reclist.h"
#include "state.h"

/* The names of the keys that are not one character, as the page has them. */
static const struct {
	const char	*name;
	int		 code;
} key_names[] = {
	{ "Up", KEYS_UP },
	{ "Down", KEYS_DOWN },
	{ "PgUp", KEYS_PGUP },
	{ "PgDn", KEYS_PGDN },
	{ "Home", KEYS_HOME },
	{ "End", KEYS_END },
	{ "Enter", KEYS_ENTER },
	{ "Esc", KEYS_ESC },
	{ "Backspace", KEYS_BACKSPACE },
	{ "Tab", '\t' },
	{ "Space", ' ' },
	{ "Ctrl-C", 3 },
	{ "Ctrl-L", 12 }
};

/* The rows of the detail pane that a page scrolls. */
static long long
key_detail_page(const struct state *s)
{
	struct state_layout	L;

	state_layout(s, &L);
	return L.detail_rows > 1 ? L.detail_rows - 1 : 1;
}

static void
key_scroll_line(struct state *s, int other)
{
	state_scroll(s, other ? 1 : -1);
}

static void
key_scroll_page(struct state *s, int other)
{
	state_scroll(s, other ? key_detail_page(s) : -key_detail_page(s));
}

static void
key_scroll_end(struct state *s, int other)
{
	state_scroll(s, other ? STATE_FAR : -STATE_FAR);
}

static void
key_mode(struct state *s, int other)
{
	s->mode = s->mode == DETAIL_RAW ? DETAIL_EVENT : DETAIL_RAW;
	s->dscroll = 0;
}

static void
key_next(struct state *s, int other)
{
	state_move(s, other ? -1 : 1);
}

static void
key_close(struct state *s, int other)
{
	s->detail = 0;
}

static void
key_help(struct state *s, int other)
{
	s->screen = STATE_HELP;
}

static void
key_line(struct state *s, int other)
{
	state_move(s, other ? 1 : -1);
}

static void
key_page(struct state *s, int other)
{
	struct state_layout	L;

	state_layout(s, &L);
	state_move(s, other ? L.list_rows : -L.list_rows);
}

static void
key_end(struct state *s, int other)
{
	state_move(s, other ? STATE_FAR : -STATE_FAR);
}

static void
key_open(struct state *s, int other)
{
	s->detail = s->nvis > 0;
	s->follow = 0;
	s->dscroll = 0;
}

static void
key_pause(struct state *s, int other)
{
	state_pause(s);
}

static void
key_prompt(struct state *s, int other)
{
	strlcpy(s->saved, s->text, sizeof(s->saved));
	s->screen = STATE_PROMPT;
}

static void
key_outcome(struct state *s, int other)
{
	state_pick_open(s, STATE_PICK_OUTCOME);
}

static void
key_source(struct state *s, int other)
{
	state_pick_open(s, STATE_PICK_SOURCE);
}

static void
key_dests(struct state *s, int other)
{
	s->screen = STATE_DESTS;
}

static void
key_redraw(struct state *s, int other)
{
	s->redraw = 1;
}

static void
key_quit(struct state *s, int other)
{
	s->quit = 1;
}

#define D	KEYS_DETAIL
#define L	KEYS_LIST
#define HD	KEYS_HINT_DETAIL
#define HL	KEYS_HINT_LIST

const struct keys_binding keys_table[] = {
	{ D | HD, "Up, k / Down, j", key_scroll_line, "scroll a line",
	    "Up/Dn", "scroll" },
	{ D, "PgUp / PgDn, Space", key_scroll_page, "scroll a page",
	    NULL, NULL },
	{ D, "Home, g / End, G", key_scroll_end, "the top / bottom",
	    NULL, NULL },
	{ D | L | HD, "Tab", key_mode,
	    "the raw payload or the normalised event",
	    "Tab", "raw/normalised" },
	{ D | HD, "n / N", key_next, "the next / previous event",
	    "n/N", "next/prev" },
	{ D | HD, "Enter, Esc, Backspace", key_close, "back to the list",
	    "Enter", "close" },
	{ L | HL, "?, h", key_help, "these keys", "?", "help" },
	{ L, "Up, k / Down, j", key_line, "the previous / next event",
	    NULL, NULL },
	{ L, "PgUp / PgDn", key_page, "a page up / down", NULL, NULL },
	{ L, "Home, g / End, G", key_end,
	    "the oldest / newest event (End follows new ones)", NULL, NULL },
	{ L | HL, "Enter", key_open, "the details of the event",
	    "Enter", "details" },
	{ L | HL | HD, "p", key_pause,
	    "pause the list (new events are counted)", "p", "pause" },
	{ L | HL, "/", key_prompt,
	    "show the events with a text (Esc: as before)", "/", "filter" },
	{ L | HL, "o", key_outcome, "show only one outcome",
	    "o", "outcome" },
	{ L | HL, "s", key_source, "show only one source", "s", "source" },
	{ L | HL, "d", key_dests,
	    "the destinations: queue, rates, latency, last error",
	    "d", "destinations" },
	{ L, "Ctrl-L", key_redraw, "draw the screen again", NULL, NULL },
	{ L | HL | HD, "q, Ctrl-C", key_quit, "quit", "q", "quit" },
	{ 0, NULL, NULL, NULL, NULL, NULL }
};

#undef D
#undef L
#undef HD
#undef HL

int
keys_next(const char **p, const char **name, size_t *len, int *other)
{
	const char	*s = *p, *e;

	if (*s == '\0')
		return 0;
	if (strncmp(s, " / ", 3) == 0) {
		*other = 1;
		s += 3;
	} else if (strncmp(s, ", ", 2) == 0)
		s += 2;
	for (e = s; *e != '\0' && strncmp(e, ", ", 2) != 0 &&
	    strncmp(e, " / ", 3) != 0; e++)
		;
	*name = s;
	*len = (size_t)(e - s);
	*p = e;
	return 1;
}

int
keys_code(const char *name, size_t len)
{
	size_t	i;

	if (len == 1 && name[0] > ' ' && name[0] < 0x7f)
		return name[0];
	for (i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (strlen(key_names[i].name) == len &&
		    memcmp(key_names[i].name, name, len) == 0)
			return key_names[i].code;
	return -1;
}

const char *
keys_hint(const struct keys_binding *b, const struct state *s)
{
	if (b->action == key_pause && s->paused)
		return "resume";
	return b->hint;
}

void
keys_help(struct fmt_lines *out)
{
	static const char *const titles[] = {
		"Keys of the event list", "Keys of the details"
	};
	static const char *const notes[] = {
		"Omitted: events the daemon dropped because krtop was slow.",
		"Press any key to go back."
	};
	const struct keys_binding	*b;
	char				 line[FMT_LINESZ];
	int				 w = 0, part, n;

	for (b = keys_table; b->keys != NULL; b++)
		if ((int)strlen(b->keys) > w)
			w = (int)strlen(b->keys);
	/* The list's keys first, then the detail pane's. */
	for (part = 0; part < 2; part++) {
		fmt_lines_add(out, titles[part], strlen(titles[part]),
		    KEYS_TITLE);
		for (b = keys_table; b->keys != NULL; b++) {
			if (((b->flags & KEYS_DETAIL) != 0) != (part == 1))
				continue;
			n = snprintf(line, sizeof(line), "  %-*s  %s", w,
			    b->keys, b->help);
			fmt_lines_add(out, line, (size_t)n, 0);
		}
	}
	/*
	 * One line, the marks of send pipelines included, to fit in 24 rows
	 * of 80 columns.
	 */
	n = snprintf(line, sizeof(line), "Marks: %c passed  %c filtered  "
	    "%c consent missing  %c disabled  %c queued  %c failed",
	    REC_MARK_PASSED, REC_MARK_FILTERED, REC_MARK_CONSENT,
	    REC_MARK_DISABLED, REC_MARK_QUEUED, REC_MARK_FAILED);
	fmt_lines_add(out, line, (size_t)n, 0);
	for (n = 0; n < 2; n++)
		fmt_lines_add(out, notes[n], strlen(notes[n]), 0);
}

/* 1 if b has key, 2 if it has it the other way, else 0. */
static int
keys_find(const struct keys_binding *b, int key)
{
	const char	*p = b->keys, *name;
	size_t		 len;
	int		 other = 0;

	while (keys_next(&p, &name, &len, &other))
		if (keys_code(name, len) == key)
			return other ? 2 : 1;
	return 0;
}

/* Do what key does among the bindings of where: 1, or 0 if none has it. */
static int
keys_run(struct state *s, int key, int where)
{
	const struct keys_binding	*b;
	int				 way;

	for (b = keys_table; b->keys != NULL; b++) {
		if (!(b->flags & where) || (way = keys_find(b, key)) == 0)
			continue;
		b->action(s, way == 2);
		return 1;
	}
	return 0;
}

/* Append the character c to the text filter, as UTF-8. */
static void
keys_text_add(struct state *s, int c)
{
	char	u[4];
	size_t	n, len = strlen(s->text);

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (len + n >= sizeof(s->text))
		return;
	memcpy(s->text + len, u, n);
	s->text[len + n] = '\0';
}

/* Keys of the filter prompt; the list follows the text as it is typed. */
static void
keys_prompt(struct state *s, int key)
{
	size_t	len = strlen(s->text);

	if (key == KEYS_BACKSPACE) {
		/* Remove the last character, continuation bytes and all. */
		while (len > 0 && (s->text[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		s->text[len] = '\0';
	} else if (key == KEYS_ENTER)
		s->screen = STATE_MAIN;
	else if (key >= KEYS_UP)
		return;
	else if (key == KEYS_ESC) {
		strlcpy(s->text, s->saved, sizeof(s->text));
		s->screen = STATE_MAIN;
	} else if (key == 21)		/* Ctrl-U */
		s->text[0] = '\0';
	else if (key >= 0x20 && (key < 0x80 || (s->utf8 &&
	    iswprint((wint_t)key))))
		keys_text_add(s, key);
	s->stale = 1;
}

/* Keys of the pickers: move, choose by Enter or by an entry's key. */
static void
keys_pick(struct state *s, int key)
{
	size_t	n = state_pick_count(s), i = n;

	if (key == KEYS_UP)
		key = 'k';
	else if (key == KEYS_DOWN)
		key = 'j';
	else if (key >= KEYS_UP)
		return;
	if (key == 'k' && s->pick > 0)
		s->pick--;
	else if (key == 'j' && s->pick + 1 < n)
		s->pick++;
	else if (key == KEYS_ESC || key == 'q')
		s->screen = STATE_MAIN;
	else if (key == KEYS_ENTER)
		i = s->pick;
	else
		i = state_pick_find(s, key);
	if (i < n)
		state_pick_choose(s, i);
}

void
keys_press(struct state *s, int key)
{
	switch (s->screen) {
	case STATE_HELP:
	case STATE_DESTS:
		s->screen = STATE_MAIN;
		break;
	case STATE_PROMPT:
		keys_prompt(s, key);
		break;
	case STATE_PICK_OUTCOME:
	case STATE_PICK_SOURCE:
		keys_pick(s, key);
		break;
	case STATE_MAIN:
		if (!s->detail || !keys_run(s, key, KEYS_DETAIL))
			keys_run(s, key, KEYS_LIST);
		break;
	}
}
