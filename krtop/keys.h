/*
 * krtop's keys.  One table says what each key of the main screen does,
 * and gives the ? screen its lines and the status line its hints; the
 * unit tests hold it to the key list of man/krtop.1.  Besides, the keys
 * of the help screen (any goes back), of the filter prompt (text) and of
 * the pickers (a choice).
 *
 * A key is a code: a character is its code point, a key without one is
 * KEYS_UP ... (view.c makes them from the terminal's).  It calls state.h
 * to change the state, and fmt.h for the ? screen's lines.
 */
#ifndef KEYS_H
#define KEYS_H

#include <stddef.h>

#include "fmt.h"

struct state;

/* The codes of the keys that are not characters, past Unicode's. */
enum keys_code {
	KEYS_UP = 0x110000,
	KEYS_DOWN,
	KEYS_PGUP,
	KEYS_PGDN,
	KEYS_HOME,
	KEYS_END,
	KEYS_RESIZE,		/* the terminal's size changed */
	KEYS_OTHER		/* a key krtop has no use for */
};
#define KEYS_ENTER	'\r'
#define KEYS_ESC	27
#define KEYS_BACKSPACE	127

/*
 * Where a binding works, and which status lines show its hint.  While
 * the detail pane is open its keys are looked up first, then the list's:
 * so p works in both, and Up scrolls the pane rather than moving in the
 * list.  The ? screen lists a binding among the pane's keys if it has
 * KEYS_DETAIL, else among the list's.
 */
#define KEYS_LIST		0x01
#define KEYS_DETAIL		0x02
#define KEYS_HINT_LIST		0x04
#define KEYS_HINT_DETAIL	0x08

/*
 * A line of the ? screen: the keys and what they do.  keys names them,
 * ", " between two, and " / " before the keys that do the same the
 * other way (action's argument other is then 1).  The table is in the
 * order of the status lines' hints.
 */
struct keys_binding {
	int		  flags;
	const char	 *keys;		/* "Up, k / Down, j" */
	void		(*action)(struct state *, int other);
	const char	 *help;		/* what they do, on the ? screen */
	const char	 *hintkey;	/* the status line: "Up/Dn", */
	const char	 *hint;		/* "scroll"; NULL: not there */
};

/* The table, up to an entry with keys NULL. */
extern const struct keys_binding keys_table[];

/* The style of the ? screen's titles (their other lines have 0). */
#define KEYS_TITLE	1

/*
 * The next key named at *p, in a binding's keys: set *name and *len to
 * its name, *other to whether it is of the other way, advance *p and
 * return 1; return 0 at the end.
 */
int		 keys_next(const char **p, const char **name, size_t *len,
		    int *other);
/* The code of the key named name (len bytes: "Up", "Ctrl-L", "q"), or -1. */
int		 keys_code(const char *name, size_t len);
/* The hint of b on the status line of s ("pause" is "resume" if paused). */
const char	*keys_hint(const struct keys_binding *, const struct state *);
/* Append the lines of the ? screen to out. */
void		 keys_help(struct fmt_lines *out);
/* Do what the key means on the screen s shows. */
void		 keys_press(struct state *, int key);

#endif
