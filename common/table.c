/* Fixed-width text tables for krctl; see table.h. */
#include <stdint.h>
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

/* Display width of s: of its characters when valid UTF-8, else bytes. */
static size_t
width(const char *s)
{
	size_t		len = strlen(s), i, n, w = 0;
	uint32_t	cp;

	if (!utf8_valid(s, len, NULL))
		return len;
	for (i = 0; i < len; i += n) {
		n = utf8_decode(s + i, len - i, &cp);
		w += (size_t)utf8_cpwidth(cp);
	}
	return w;
}

char *
table_safe(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), i = 0, n, o = 0;
	char			*out = xmalloc(len + 1);

	while (i < len) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			out[o++] = '?';
			i++;
			continue;
		}
		if (p[i] < 0x80) {
			out[o++] = p[i++];
			continue;
		}
		/* The length of a valid sequence here, if any. */
		for (n = 2; n <= 4 && i + n <= len; n++)
			if (utf8_valid(s + i, n, NULL))
				break;
		if (n > 4 || i + n > len) {
			out[o++] = '?';
			i++;
		} else if (p[i] == 0xc2 && p[i + 1] < 0xa0) {
			out[o++] = '?';		/* a C1 control */
			i += 2;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return out;
}

char *
table_fit(const char *s, size_t width, int pad)
{
	char		*safe = table_safe(s), *out;
	size_t		 len = strlen(safe), i = 0, n, w, cols = 0;
	uint32_t	 cp;

	/* safe is valid UTF-8: each sequence is a character. */
	while (i < len) {
		n = utf8_decode(safe + i, len - i, &cp);
		if (cols + (w = (size_t)utf8_cpwidth(cp)) > width)
			break;
		cols += w;
		i += n;
	}
	out = xmalloc(i + (pad && cols < width ? width - cols : 0) + 1);
	memcpy(out, safe, i);
	if (pad)
		while (cols < width) {
			out[i++] = ' ';
			cols++;
		}
	out[i] = '\0';
	free(safe);
	return out;
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
		    table_safe(cells[i] ? cells[i] : "-");
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
	for (i = 0; i < npairs; i++) {
		char *v = table_safe(pairs[2 * i + 1] ? pairs[2 * i + 1] : "-");

		fprintf(fp, "%s%*s%s\n", pairs[2 * i],
		    (int)(w - width(pairs[2 * i]) + 2), "", v);
		free(v);
	}
}
