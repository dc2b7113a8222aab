/* krtop's pure text formatting; see fmt.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "compat.h"
#include "utf8.h"
#include "xmalloc.h"
#include "fmt.h"
#include "reclist.h"

/* Whether cp prints as itself (not as '?'). */
static int
fmt_printable(uint32_t cp, int utf8)
{
	if (cp < 0x20 || cp == 0x7f)
		return cp == '\t';
	if (cp < 0x80)
		return 1;
	if (!utf8 || cp < 0xa0 || cp == 0xfffd)
		return 0;
	return wcwidth((wchar_t)cp) >= 0;
}

int
fmt_cpwidth(uint32_t cp, int utf8)
{
	return fmt_printable(cp, utf8) ? utf8_cpwidth(cp) : 1;
}

int
fmt_width(const char *s, size_t len, int utf8)
{
	uint32_t	cp;
	size_t		i, n;
	int		w = 0;

	for (i = 0; i < len; i += n) {
		n = utf8_decode(s + i, len - i, &cp);
		w += fmt_cpwidth(cp, utf8);
	}
	return w;
}

const char *
fmt_cutmark(int utf8)
{
	return utf8 ? "\xe2\x80\xa6" : ">";
}

int
fmt_fit(char *dst, size_t dstsz, const char *src, int width, int flags,
    int utf8)
{
	const char	*mark = fmt_cutmark(utf8);
	uint32_t	 cp;
	size_t		 i, n, o = 0, len = strlen(src);
	int		 w, cols = 0, cut, room;

	if (dstsz == 0)
		return 0;
	/* A text cut short keeps its last column for the mark. */
	cut = (flags & FMT_CUT) && width > 0 && fmt_width(src, len, utf8) >
	    width;
	room = cut ? width - 1 : width;
	for (i = 0; i < len; i += n) {
		n = utf8_decode(src + i, len - i, &cp);
		w = fmt_cpwidth(cp, utf8);
		if (cols + w > room)
			break;
		if (!fmt_printable(cp, utf8) || cp == '\t') {
			if (o + 1 >= dstsz)
				break;
			dst[o++] = cp == '\t' ? ' ' : '?';
		} else {
			if (o + n >= dstsz)
				break;
			memcpy(dst + o, src + i, n);
			o += n;
		}
		cols += w;
	}
	if (cut && o + strlen(mark) < dstsz) {
		memcpy(dst + o, mark, strlen(mark));
		o += strlen(mark);
		cols++;
	}
	while ((flags & FMT_PAD) && cols < width && o + 1 < dstsz) {
		dst[o++] = ' ';
		cols++;
	}
	dst[o] = '\0';
	return cols;
}

void
fmt_lines_init(struct fmt_lines *l)
{
	memset(l, 0, sizeof(*l));
}

void
fmt_lines_release(struct fmt_lines *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
fmt_lines_add(struct fmt_lines *l, const char *s, size_t len, int style)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n].text = xstrndup(s, len);
	l->v[l->n].style = style;
	l->n++;
}

/* Append the hang blanks and the len bytes at s as one line. */
static void
fmt_wrap_add(struct fmt_lines *out, int hang, const char *s, size_t len,
    int style)
{
	char	*t;

	t = xmalloc((size_t)hang + len + 1);
	memset(t, ' ', (size_t)hang);
	memcpy(t + hang, s, len);
	fmt_lines_add(out, t, (size_t)hang + len, style);
	free(t);
}

/* Wrap one line (no newline in it); see fmt_wrap. */
static void
fmt_wrap_line(struct fmt_lines *out, const char *s, size_t len, int width,
    int utf8, int style)
{
	uint32_t	cp;
	size_t		i, n, start, brk;
	int		indent, hang, avail, cols, w, first = 1;

	if (fmt_width(s, len, utf8) <= width) {
		fmt_lines_add(out, s, len, style);
		return;
	}
	for (indent = 0; (size_t)indent < len && s[indent] == ' '; indent++)
		;
	hang = indent + 2;
	if (hang > width / 2)
		hang = width / 2;
	start = 0;
	while (start < len) {
		avail = first ? width : width - hang;
		cols = 0;
		brk = 0;
		for (i = start; i < len; i += n) {
			n = utf8_decode(s + i, len - i, &cp);
			w = fmt_cpwidth(cp, utf8);
			if (cols + w > avail && i > start)
				break;
			cols += w;
			/* A blank past the indentation may end the line. */
			if (cp == ' ' && (!first || i >= (size_t)indent))
				brk = i + 1;
		}
		if (i < len && brk > start)
			i = brk;
		if (first)
			fmt_lines_add(out, s + start, i - start, style);
		else
			fmt_wrap_add(out, hang, s + start, i - start, style);
		first = 0;
		start = i;
		while (start < len && s[start] == ' ')
			start++;
	}
}

void
fmt_wrap(struct fmt_lines *out, const char *text, size_t len, int width,
    int utf8, int style)
{
	const char	*nl;
	size_t		 off = 0, n;

	if (width < 1)
		width = 1;
	for (;;) {
		nl = memchr(text + off, '\n', len - off);
		n = nl ? (size_t)(nl - (text + off)) : len - off;
		fmt_wrap_line(out, text + off, n, width, utf8, style);
		if (nl == NULL)
			break;
		off += n + 1;
	}
}

/* v / div with one decimal when it is under 10, with the unit suffix. */
static char *
fmt_scaled(char *buf, size_t bufsz, double v, double div, char unit)
{
	v /= div;
	if (v < 9.95)
		snprintf(buf, bufsz, "%.1f%c", v, unit);
	else
		snprintf(buf, bufsz, "%.0f%c", v, unit);
	return buf;
}

char *
fmt_count(char *buf, size_t bufsz, uint64_t n)
{
	if (n < 100000)
		snprintf(buf, bufsz, "%llu", (unsigned long long)n);
	else if (n < 999500)
		snprintf(buf, bufsz, "%lluk", (unsigned long long)
		    ((n + 500) / 1000));
	else if (n < 999500000ULL)
		fmt_scaled(buf, bufsz, (double)n, 1e6, 'M');
	else if (n < 999500000000ULL)
		fmt_scaled(buf, bufsz, (double)n, 1e9, 'G');
	else
		fmt_scaled(buf, bufsz, (double)n, 1e12, 'T');
	return buf;
}

char *
fmt_rate(char *buf, size_t bufsz, double r)
{
	if (!(r > 0.0))		/* also NaN */
		snprintf(buf, bufsz, "0");
	else if (r < 9.95)
		snprintf(buf, bufsz, "%.1f", r);
	else if (r < 999.5)
		snprintf(buf, bufsz, "%.0f", r);
	else if (r < 999500.0)
		fmt_scaled(buf, bufsz, r, 1e3, 'k');
	else
		fmt_scaled(buf, bufsz, r, 1e6, 'M');
	return buf;
}

char *
fmt_duration(char *buf, size_t bufsz, long long s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, bufsz, "%llds", s);
	else if (s < 3600)
		snprintf(buf, bufsz, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, bufsz, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, bufsz, "%lldd%02lldh", s / 86400,
		    s % 86400 / 3600);
	return buf;
}

char *
fmt_clock(char *buf, size_t bufsz, const char *ts)
{
	/* YYYY-MM-DDTHH:MM:SS.mmmZ: the 12 characters after the 'T'. */
	if (strlen(ts) == 24 && ts[10] == 'T' && ts[13] == ':' &&
	    ts[19] == '.' && ts[23] == 'Z')
		snprintf(buf, bufsz, "%.12s", ts + 11);
	else
		snprintf(buf, bufsz, "%s", ts);
	return buf;
}

void
fmt_columns(struct fmt_cols *c, int width, int nmarks, int errors)
{
	int	avail, flex, x, narrow;

	memset(c, 0, sizeof(*c));
	c->time = 12;
	c->type = 8;
	c->outcome = 9;
	c->marks = nmarks < 5 ? 5 : nmarks > 16 ? 16 : nmarks;
	c->errors = errors;
	/* What is left for source, name, user and the last column. */
	avail = width - (c->time + c->type + c->outcome + 6);
	/*
	 * Errors take a third of that, at the expense of the source column
	 * on a screen narrower than 80 columns (krtop.1).
	 */
	if (errors && avail / 3 > c->marks)
		c->marks = avail / 3;
	flex = avail - c->marks;
	/* Narrow: no source column (one blank less), and no milliseconds. */
	narrow = flex < 30;
	if (narrow) {
		c->time = 8;
		flex += 4 + 1;
	}
	if (flex < 12)
		flex = 12;
	if (!narrow) {
		c->source = flex * 3 / 10;
		if (c->source > 24)
			c->source = 24;
	}
	c->user = flex * 3 / 10;
	if (c->user > 36)
		c->user = 36;
	c->name = flex - c->source - c->user;
	x = 0;
	c->x_time = x;
	x += c->time + 1;
	c->x_source = x;
	if (c->source > 0)
		x += c->source + 1;
	c->x_type = x;
	x += c->type + 1;
	c->x_name = x;
	x += c->name + 1;
	c->x_user = x;
	x += c->user + 1;
	c->x_outcome = x;
	x += c->outcome + 1;
	c->x_marks = x;
}

/* Write text into the cell at column x of width w of the row at dst. */
static void
fmt_cell(char *dst, size_t dstsz, size_t *off, int *cols, int x, int w,
    const char *text, int utf8)
{
	char	cell[FMT_LINESZ];

	if (w <= 0)
		return;
	while (*cols < x && *off + 1 < dstsz) {
		dst[(*off)++] = ' ';
		(*cols)++;
	}
	*cols += fmt_fit(cell, sizeof(cell), text, w, FMT_PAD | FMT_CUT,
	    utf8);
	*off += strlcpy(dst + *off, cell, dstsz - *off);
	if (*off >= dstsz)
		*off = dstsz - 1;
}

/* Pad the row at dst to width columns. */
static void
fmt_pad(char *dst, size_t dstsz, size_t off, int cols, int width, int utf8)
{
	char	*p;

	while (cols < width && off + 1 < dstsz) {
		dst[off++] = ' ';
		cols++;
	}
	dst[off] = '\0';
	/* A narrow screen cuts the last columns: keep the row to width. */
	if (cols > width) {
		p = xstrdup(dst);
		fmt_fit(dst, dstsz, p, width, FMT_PAD | FMT_CUT, utf8);
		free(p);
	}
}

void
fmt_header(char *dst, size_t dstsz, const struct fmt_cols *c, int width,
    int utf8)
{
	size_t	off = 0;
	int	cols = 0;

	dst[0] = '\0';
	fmt_cell(dst, dstsz, &off, &cols, c->x_time, c->time, "TIME", utf8);
	fmt_cell(dst, dstsz, &off, &cols, c->x_source, c->source, "SOURCE",
	    utf8);
	fmt_cell(dst, dstsz, &off, &cols, c->x_type, c->type, "TYPE", utf8);
	fmt_cell(dst, dstsz, &off, &cols, c->x_name, c->name, "EVENT/NAME",
	    utf8);
	fmt_cell(dst, dstsz, &off, &cols, c->x_user, c->user, "USER", utf8);
	fmt_cell(dst, dstsz, &off, &cols, c->x_outcome, c->outcome,
	    "OUTCOME", utf8);
	fmt_cell(dst, dstsz, &off, &cols, c->x_marks, c->marks,
	    c->errors ? "PIPES/ERROR" : "PIPES", utf8);
	fmt_pad(dst, dstsz, off, cols, width, utf8);
}

void
fmt_row(char *dst, size_t dstsz, const struct fmt_cols *c,
    const struct rec *r, const char *srcname, int width, int utf8)
{
	char	clock[32], marks[64];
	size_t	off = 0, n;
	int	cols = 0;

	dst[0] = '\0';
	fmt_clock(clock, sizeof(clock), r->at);
	if (c->time < 12)
		clock[c->time] = '\0';
	fmt_cell(dst, dstsz, &off, &cols, c->x_time, c->time, clock, utf8);
	fmt_cell(dst, dstsz, &off, &cols, c->x_source, c->source,
	    srcname ? srcname : r->source, utf8);
	fmt_cell(dst, dstsz, &off, &cols, c->x_type, c->type, r->type, utf8);
	fmt_cell(dst, dstsz, &off, &cols, c->x_name, c->name, r->name, utf8);
	fmt_cell(dst, dstsz, &off, &cols, c->x_user, c->user, r->user, utf8);
	fmt_cell(dst, dstsz, &off, &cols, c->x_outcome, c->outcome,
	    reclist_outcome_name(r->outcome), utf8);
	/*
	 * More pipelines than room: the last mark says so, with the mark of
	 * a cut text in UTF-8 and '~' without ('>' is a mark of its own).
	 */
	n = strlcpy(marks, r->marks, sizeof(marks));
	if (n > (size_t)c->marks && c->marks > 0)
		snprintf(marks + c->marks - 1, sizeof(marks) - (size_t)c->marks +
		    1, "%s", utf8 ? fmt_cutmark(1) : "~");
	/* A rejected event went through no pipeline: its error instead. */
	fmt_cell(dst, dstsz, &off, &cols, c->x_marks, c->marks,
	    r->error != NULL ? r->error : marks, utf8);
	fmt_pad(dst, dstsz, off, cols, width, utf8);
}
