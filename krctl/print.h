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
/* Print data as one compact JSON value and a newline (krctl -j). */
void	print_json(FILE *, const json_t *data);

#endif
