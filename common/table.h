/*
 * Fixed-width text tables: a header row and data rows, each column as wide
 * as its widest cell, separated by two spaces.  Widths are in terminal
 * columns, as wcwidth gives them in the locale's character type (a
 * program calls setlocale(LC_CTYPE, "")): in a UTF-8 locale most CJK
 * characters take two; in the C locale every character takes one.
 */
#ifndef TABLE_H
#define TABLE_H

#include <stdio.h>

struct table;

/* A table with ncols columns named by the ncols strings of headers. */
struct table	*table_new(size_t ncols, const char *const *headers);
void		 table_free(struct table *);
/* Append a row of ncols cells (copied; NULL prints as "-"). */
void		 table_add(struct table *, const char *const *cells);
/* Print header and rows; trailing blanks are not written. */
void		 table_print(const struct table *, FILE *);

/*
 * A copy of s that is safe to print on a terminal: control characters
 * (C0, DEL, C1) and bytes that are not UTF-8 become '?'.  Text from the
 * network goes through it before it reaches an operator's screen.
 */
char		*table_safe(const char *s);

/*
 * s made safe and fitted to width columns: cut before the character that
 * would pass them, or padded with blanks when pad is set; a malloc'd
 * string.
 */
char		*table_fit(const char *s, size_t width, int pad);

/* Print "label  value" lines with the labels padded to one width. */
void		 table_print_pairs(FILE *, const char *const *pairs,
		    size_t npairs);

#endif
