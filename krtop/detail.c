/* The detail pane's lines; see detail.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "xmalloc.h"
#include "detail.h"
#include "fmt.h"
#include "jtext.h"
#include "proto.h"
#include "reclist.h"

#define DETAIL_INDENT	2	/* blanks a level of JSON */
#define DETAIL_NAMEMAX	24	/* pipeline names are padded to this */

/* Wrap one printf-formatted line into out. */
static void __attribute__((__format__(printf, 5, 6)))
detail_line(struct fmt_lines *out, int width, int utf8, int style,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		abort();
	fmt_wrap(out, s, (size_t)n, width, utf8, style);
	free(s);
}

static int
detail_outcome_style(enum rec_outcome o)
{
	switch (o) {
	case REC_STORED:
		return DETAIL_STORED;
	case REC_FILTERED:
		return DETAIL_FILTERED;
	case REC_DUPLICATE:
		return DETAIL_DUPLICATE;
	case REC_REJECTED:
		return DETAIL_REJECTED;
	default:
		return DETAIL_TEXT;
	}
}

/*
 * One pipeline entry (spec/pipelines.md §7.2): its mark, its name padded
 * to namew columns, and what it decided, with the failed condition.
 */
static void
detail_pipeline(struct fmt_lines *out, const json_t *p, int namew,
    int width, int utf8)
{
	const json_t	*cond;
	const char	*res, *name, *reason;
	char		 pad[FMT_LINESZ], mark;
	int		 style;

	res = json_string_value(json_object_get(p, "result"));
	name = json_string_value(json_object_get(p, "name"));
	if (res == NULL)
		res = "?";
	fmt_fit(pad, sizeof(pad), name ? name : "?", namew,
	    FMT_PAD | FMT_CUT, utf8);
	cond = json_object_get(p, "condition");
	reason = json_string_value(json_object_get(p, "reason"));
	if (strcmp(res, "passed") == 0) {
		mark = REC_MARK_PASSED;
		style = DETAIL_STORED;
	} else if (strcmp(res, "filtered") == 0) {
		mark = REC_MARK_FILTERED;
		style = DETAIL_FILTERED;
	} else if (strcmp(res, "consent") == 0) {
		mark = REC_MARK_CONSENT;
		style = DETAIL_FILTERED;
	} else if (strcmp(res, "disabled") == 0) {
		mark = REC_MARK_DISABLED;
		style = DETAIL_DIM;
	} else if (strcmp(res, "queued") == 0) {
		mark = REC_MARK_QUEUED;
		style = DETAIL_STORED;
	} else {
		mark = REC_MARK_OTHER;
		style = DETAIL_TEXT;
	}
	if (mark == REC_MARK_FILTERED && json_is_object(cond))
		detail_line(out, width, utf8, style,
		    "  %c %s  filtered: condition %lld is false: %s", mark,
		    pad, (long long)json_integer_value(
		    json_object_get(cond, "index")) + 1,
		    json_string_value(json_object_get(cond, "text")) ?
		    json_string_value(json_object_get(cond, "text")) : "?");
	else if (mark == REC_MARK_FILTERED && reason != NULL)
		detail_line(out, width, utf8, style, "  %c %s  filtered: %s",
		    mark, pad, reason);
	else if (mark == REC_MARK_CONSENT)
		detail_line(out, width, utf8, style, "  %c %s  consent: the "
		    "filter passed, the required consents were not given",
		    mark, pad);
	else
		detail_line(out, width, utf8, style, "  %c %s  %s", mark, pad,
		    res);
}

/* The JSON text at text, indented, or as it is if it is not JSON. */
static void
detail_json(struct fmt_lines *out, const char *text, size_t len, int width,
    int utf8)
{
	enum jtext_status	 st;
	char			*s;

	s = jtext_pretty(text, len, DETAIL_INDENT, &st);
	if (st == JTEXT_INVALID)
		fmt_wrap(out, text, len, width, utf8, DETAIL_TEXT);
	else
		fmt_wrap(out, s, strlen(s), width, utf8, DETAIL_TEXT);
	free(s);
}

void
detail_build(struct fmt_lines *out, const struct rec *r, const char *srcname,
    enum detail_mode mode, int width, int utf8)
{
	json_t		*o;
	const json_t	*pl, *p, *v;
	const char	*s, *text;
	size_t		 i, len;
	long long	 rawbytes;
	int		 w, namew = 4;

	o = proto_decode(r->text, r->textlen);
	detail_line(out, width, utf8, DETAIL_TITLE, "Event %lld  received %s",
	    r->seq, r->at);
	if (srcname != NULL && strcmp(srcname, r->source) != 0)
		detail_line(out, width, utf8, DETAIL_TEXT, "Source   %s (%s)",
		    srcname, r->source);
	else
		detail_line(out, width, utf8, DETAIL_TEXT, "Source   %s",
		    r->source);
	s = json_string_value(json_object_get(o, "requestId"));
	detail_line(out, width, utf8, DETAIL_TEXT, "Request  %s  index %lld",
	    s ? s : "?", (long long)json_integer_value(json_object_get(o,
	    "index")));
	detail_line(out, width, utf8, detail_outcome_style(r->outcome),
	    "Outcome  %s", reclist_outcome_name(r->outcome));
	if (r->error != NULL)
		detail_line(out, width, utf8, DETAIL_REJECTED, "Error    %s",
		    r->error);

	pl = json_object_get(o, "pipelines");
	detail_line(out, width, utf8, DETAIL_TITLE, "Pipelines");
	json_array_foreach(pl, i, p) {
		s = json_string_value(json_object_get(p, "name"));
		w = s ? fmt_width(s, strlen(s), utf8) : 1;
		if (w > namew)
			namew = w;
	}
	if (namew > DETAIL_NAMEMAX)
		namew = DETAIL_NAMEMAX;
	json_array_foreach(pl, i, p)
		detail_pipeline(out, p, namew, width, utf8);
	if (json_array_size(pl) == 0)
		detail_line(out, width, utf8, DETAIL_DIM, "  none: %s",
		    r->outcome == REC_REJECTED ? "a rejected event goes "
		    "through no pipeline" : "the source had no pipelines");

	fmt_lines_add(out, "", 0, DETAIL_TEXT);
	if (mode == DETAIL_RAW) {
		rawbytes = json_integer_value(json_object_get(o, "rawBytes"));
		if (json_is_true(json_object_get(o, "rawTruncated")))
			detail_line(out, width, utf8, DETAIL_TITLE,
			    "Raw payload, the first %zu of %lld bytes  "
			    "(Tab: normalised event)", r->rawlen, rawbytes);
		else
			detail_line(out, width, utf8, DETAIL_TITLE,
			    "Raw payload, %lld bytes  (Tab: normalised event)",
			    rawbytes);
		detail_json(out, r->raw, r->rawlen, width, utf8);
		if (json_is_true(json_object_get(o, "rawTruncated")))
			detail_line(out, width, utf8, DETAIL_DIM, "[cut: the "
			    "daemon keeps the first %zu bytes]", r->rawlen);
	} else {
		detail_line(out, width, utf8, DETAIL_TITLE,
		    "Normalised event  (Tab: raw payload)");
		v = json_object_get(o, "event");
		if (json_is_object(v) && (text = proto_member(r->text,
		    r->textlen, "event", &len)) != NULL)
			detail_json(out, text, len, width, utf8);
		else
			detail_line(out, width, utf8, DETAIL_DIM, "none: %s",
			    r->outcome == REC_REJECTED ? "the event was "
			    "rejected" : "the record has no event");
	}
	json_decref(o);
}
