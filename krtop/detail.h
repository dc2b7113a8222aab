/*
 * The detail pane of krtop: one record laid out as lines (its place, its
 * outcome, each pipeline's result with the condition that failed, and its
 * raw payload or normalised event, indented).  Pure: no terminal.
 *
 * It calls fmt.h to wrap the lines, jtext.h to indent the JSON as the
 * daemon wrote it, and reclist.h for the record and its outcome.
 */
#ifndef DETAIL_H
#define DETAIL_H

#include "fmt.h"

struct rec;

enum detail_mode {
	DETAIL_RAW,		/* the raw payload */
	DETAIL_EVENT		/* the normalised event */
};

/* The styles of the lines (struct fmt_line). */
enum detail_style {
	DETAIL_TEXT = 0,
	DETAIL_TITLE,
	DETAIL_STORED,		/* also a pipeline that passed */
	DETAIL_FILTERED,	/* also a pipeline that filtered */
	DETAIL_DUPLICATE,
	DETAIL_REJECTED,	/* also the rejection's error */
	DETAIL_DIM		/* notes; a disabled pipeline */
};

/*
 * Append to out the lines of the details of r, whose source is named
 * srcname (NULL: not known), wrapped to width columns.
 */
void	detail_build(struct fmt_lines *out, const struct rec *r,
	    const char *srcname, enum detail_mode mode, int width, int utf8);

#endif
