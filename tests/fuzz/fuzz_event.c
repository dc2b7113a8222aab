/*
 * libFuzzer target of the event decoder (krenalisd/event*.c).  The input
 * is decoded as one raw event, whatever it is; when jsonscan accepts it
 * as a body, it is also decoded as ingest would: each element of a batch
 * (with the envelope's context and sentAt), or the one object.  A
 * rejected event has a message.  An accepted one has its warehouse
 * columns, and when its raw text is valid
 * JSON (as ingest makes sure before it decodes), a normalised text that
 * the daemon's scanner accepts and the clients read back (readable.h).  The
 * decoder copies the members of properties and traits without checking
 * their syntax, so from malformed text it may accept an event whose
 * normalised text is not JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "timestamp.h"
#include "event.h"
#include "jsonscan.h"
#include "readable.h"

static void	fail(const char *why, const char *raw, size_t len)
    __attribute__((__noreturn__));

static void
fail(const char *why, const char *raw, size_t len)
{
	fprintf(stderr, "event: %s\n  raw: %.*s\n", why,
	    len > 4096 ? 4096 : (int)len, raw);
	abort();
}

static void
check_columns(const struct event *ev, const char *raw, size_t len)
{
	struct event_col	cols[EVENT_NCOLUMNS];
	size_t			i;

	event_columns(ev, cols);
	for (i = 0; i < EVENT_NCOLUMNS; i++)
		if (cols[i].type == EVENT_COL_TEXT && cols[i].v.s == NULL)
			fail("a text column without text", raw, len);
}

/* The normalised text is a JSON object that the clients read back. */
static void
check_text(const char *text, size_t tlen, const char *raw, size_t len)
{
	struct jsonscan	js;

	if (jsonscan_parse(&js, text, tlen) == -1 ||
	    js.root.kind != JSONSCAN_OBJECT) {
		fprintf(stderr, "event: %s\n  text: %s\n", js.detail, text);
		fail("the normalised text is no JSON object", raw, len);
	}
	jsonscan_release(&js);
	readable_check("event_text", text, tlen);
}

/* Decode the len bytes at raw, which jsonscan accepted when valid. */
static void
decode(const struct event_req *er, const char *raw, size_t len, int valid)
{
	struct event	 ev;
	const char	*text;
	size_t		 tlen;

	if (event_decode(er, raw, len, &ev) == 0) {
		if (ev.error != NULL)
			fail("accepted with an error", raw, len);
		if ((text = event_text(&ev, &tlen)) == NULL)
			fail("accepted without a text", raw, len);
		if (valid)
			check_text(text, tlen, raw, len);
		check_columns(&ev, raw, len);
	} else if (ev.error == NULL || ev.error[0] == '\0')
		fail("rejected without a message", raw, len);
	event_release(&ev);
}

/* The envelope's members, as ingest reads them (ingest.md §8.1). */
static struct event_context *
envelope(const char *buf, const struct jsonscan *js, struct event_req *er)
{
	const struct jsonscan_member	*m;
	struct event_context		*ctx = NULL;
	char				*s, *err = NULL;
	size_t				 slen;

	if ((m = jsonscan_member(js, "sentAt")) != NULL &&
	    m->value.kind == JSONSCAN_STRING) {
		s = jsonscan_string(buf, &m->value, &slen);
		er->has_sent_at = timestamp_parse(s, slen, &er->sent_at) ==
		    TIMESTAMP_OK;
		free(s);
	}
	if ((m = jsonscan_member(js, "context")) != NULL) {
		ctx = event_context_new(buf + m->value.off, m->value.len, &err);
		if (ctx == NULL && (err == NULL || err[0] == '\0'))
			fail("a context rejected without a message", buf,
			    m->value.len);
		free(err);
	}
	er->context = ctx;
	return ctx;
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char			*buf = (const char *)data;
	const struct jsonscan_member	*batch;
	struct event_context		*ctx = NULL;
	struct event_req		 er;
	struct jsonscan			 js;
	size_t				 i;

	memset(&er, 0, sizeof(er));
	er.received_at = 1760976925001;		/* 2025-10-20T16:15:25.001Z */
	er.source_id = "7bXk2mQp9RtL";
	er.request_ip = "203.0.113.7";
	er.ip_fallback = size % 2;
	er.max_event_bytes = 32768;
	er.shape = EVENT_SHAPE_SINGLE;
	er.default_type = size % EVENT_NTYPES;
	free(event_raw_message_id(buf, size));
	if (jsonscan_parse(&js, buf, size) == -1) {
		decode(&er, buf, size, 0);
		jsonscan_release(&js);
		return 0;
	}
	decode(&er, buf, size, 1);
	er.shape = EVENT_SHAPE_BATCH;
	if (js.root.kind == JSONSCAN_ARRAY) {
		for (i = 0; i < js.root_count; i++)
			decode(&er, buf + js.elems[i].off, js.elems[i].len, 1);
	} else if (js.root.kind == JSONSCAN_OBJECT &&
	    (batch = jsonscan_member(&js, "batch")) != NULL) {
		if (batch->value.kind != JSONSCAN_ARRAY)
			goto out;
		ctx = envelope(buf, &js, &er);
		for (i = batch->first; i < batch->first + batch->count; i++)
			decode(&er, buf + js.elems[i].off, js.elems[i].len, 1);
	} else if (js.root.kind == JSONSCAN_OBJECT) {
		er.shape = EVENT_SHAPE_OBJECT;
		decode(&er, buf + js.root.off, js.root.len, 1);
	}
out:
	event_context_free(ctx);
	jsonscan_release(&js);
	return 0;
}
