/*
 * krtop's text formatting: display widths, fitting text into columns
 * (marking what is cut), wrapping, numbers, and the rows of the event
 * list.  Everything here is pure (no terminal, no globals), so that it
 * is unit-tested on its own.
 *
 * Widths are counted in terminal columns.  Text is UTF-8; with utf8 false
 * (a terminal that is not UTF-8) every non-ASCII character shows as '?'.
 * Control and unprintable characters always show as '?', and a tab as a
 * blank, so that nothing from the network can move the cursor.
 *
 * It calls reclist.h only for the fields of a record in its row.
 */
#ifndef FMT_H
#define FMT_H

#include <stddef.h>
#include <stdint.h>

struct rec;

/* A buffer big enough for any line krtop draws (width <= FMT_MAXW). */
#define FMT_MAXW	1024
#define FMT_LINESZ	(FMT_MAXW * 4 + 1)

/* The columns code point cp takes as fmt_fit prints it: 0, 1 or 2. */
int	fmt_cpwidth(uint32_t cp, int utf8);
/* The columns the len bytes at s take. */
int	fmt_width(const char *s, size_t len, int utf8);

/* What fmt_fit does besides fitting. */
#define FMT_PAD		0x01	/* add blanks up to the width */
#define FMT_CUT		0x02	/* end a text that does not fit with a mark */

/* The mark of a cut text: U+2026 on a UTF-8 terminal, else '>'. */
const char *fmt_cutmark(int utf8);
/*
 * Copy the NUL-terminated src into dst (dstsz bytes, NUL included) as at
 * most width columns, as flags say (FMT_).  Return the columns written.
 */
int	fmt_fit(char *dst, size_t dstsz, const char *src, int width,
	    int flags, int utf8);

/* Lines of text, each with a style of the caller's (0 by default). */
struct fmt_line {
	char	*text;
	int	 style;
};

struct fmt_lines {
	struct fmt_line	*v;
	size_t		 n;
	size_t		 cap;
};

void	fmt_lines_init(struct fmt_lines *);
/* Free every line; the structure is empty and usable again. */
void	fmt_lines_release(struct fmt_lines *);
/* Append a copy of the len bytes at s. */
void	fmt_lines_add(struct fmt_lines *, const char *s, size_t len,
	    int style);

/*
 * Wrap text, whose lines are separated by '\n', to width columns and
 * append the lines to out with style.  A line too long breaks after its
 * last blank that fits, or else at width; its continuation lines are
 * indented by its own indentation plus 2 (at most half the width).
 */
void	fmt_wrap(struct fmt_lines *out, const char *text, size_t len,
	    int width, int utf8, int style);

/*
 * A count in at most 5 characters: 0..99999 as is, then 123k, 1.2M, 12M,
 * 1.2G ...
 */
char	*fmt_count(char *buf, size_t bufsz, uint64_t n);
/* A rate per second in at most 5 characters: 0, 0.5, 12.3, 123, 1.2k. */
char	*fmt_rate(char *buf, size_t bufsz, double r);
/* A duration: 45s, 12m03s, 3h04m, 2d03h. */
char	*fmt_duration(char *buf, size_t bufsz, long long secs);
/*
 * The time of day of a timestamp YYYY-MM-DDTHH:MM:SS.mmmZ as
 * HH:MM:SS.mmm; anything else is copied as is (cut to bufsz).
 */
char	*fmt_clock(char *buf, size_t bufsz, const char *ts);

/*
 * The columns of the event list for a screen width (spaces between).  The
 * last holds a record's pipeline marks, or a rejected event's error.
 */
struct fmt_cols {
	int	time, source, type, name, user, outcome, marks;
	/* where each column starts */
	int	x_time, x_source, x_type, x_name, x_user, x_outcome, x_marks;
	int	errors;		/* the last column shows errors too */
};

/*
 * Lay out the columns in width, with room for nmarks pipeline marks, and
 * with errors, for the start of rejected events' errors.
 */
void	fmt_columns(struct fmt_cols *, int width, int nmarks, int errors);
/*
 * The header row of the list, exactly width columns.  In it and in the
 * rows, a text cut to its column ends with the cut mark.
 */
void	fmt_header(char *dst, size_t dstsz, const struct fmt_cols *,
	    int width, int utf8);
/*
 * The list row of r, whose source is called srcname (NULL: its id),
 * exactly width columns: what its event says (of a rejected event, what
 * its raw text says), its outcome, and its marks or its error.
 */
void	fmt_row(char *dst, size_t dstsz, const struct fmt_cols *,
	    const struct rec *r, const char *srcname, int width, int utf8);

#endif
