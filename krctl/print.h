/* krctl's human output: the daemon sends data, krctl formats it. */
#ifndef PRINT_H
#define PRINT_H

#include <stdio.h>

#include <jansson.h>

#include "cmd.h"

/* Print data (the reply of a command of kind k) for a person. */
void	print_human(FILE *, enum cmd_print k, const json_t *data);
/*
 * One line for a debugger record: time, type, name, user, outcome,
 * error, and each pipeline's result with its false condition.
 */
void	print_record_line(FILE *, const json_t *record);
/*
 * krctl -j prints what the daemon wrote, never jansson's own encoding of
 * it, which would change numbers (1.36 as 1.3600000000000001) and escapes.
 * print_text prints the JSON text of len bytes and a newline ("null" when
 * text is NULL).
 */
void	print_text(FILE *, const char *text, size_t len);

#endif
