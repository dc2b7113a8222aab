/* Fixed-width text tables for krctl; see table.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xmalloc.h"
#include "table.h"

struct table {
	size_t	  ncols;
	size_t	  nrows;	/* including the header */
	char	**cells;	/* nrows * ncols */
};

/* Display width of s: code points when valid UTF-8, bytes otherwise. */
static size_t
width(const char *s)
{
	size_t	runes, len = strlen(s);

	return utf8_valid(s, len, &runes) ? runes : len;
}

struct table *
table_new(size_t ncols, const char *const *headers)
{
	struct table	*t = xcalloc(1, sizeof(*t));

	t->ncols = ncols;
	table_add(t, headers);
	return t;
}

void
table_free(struct table *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void
table_add(struct table *t, const char *const *cells)
{
	size_t	i;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof(*t->cells));
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] =
		    xstrdup(cells[i] ? cells[i] : "-");
	t->nrows++;
}

void
table_print(const struct table *t, FILE *fp)
{
	size_t	*w = xcalloc(t->ncols, sizeof(*w)), r, c, cw;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			cw = width(t->cells[r * t->ncols + c]);
			if (cw > w[c])
				w[c] = cw;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			fputs(s, fp);
			if (c + 1 < t->ncols)
				fprintf(fp, "%*s", (int)(w[c] - width(s) + 2),
				    "");
		}
		fputc('\n', fp);
	}
	free(w);
}

void
table_print_pairs(FILE *fp, const char *const *pairs, size_t npairs)
{
	size_t	i, w = 0;

	for (i = 0; i < npairs; i++)
		if (width(pairs[2 * i]) > w)
			w = width(pairs[2 * i]);
	for (i = 0; i < npairs; i++)
		fprintf(fp, "%s%*s%s\n", pairs[2 * i],
		    (int)(w - width(pairs[2 * i]) + 2), "",
		    pairs[2 * i + 1] ? pairs[2 * i + 1] : "-");
}
