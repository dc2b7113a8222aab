/*
 * libFuzzer target of the sender's text (krenalisd/sender.c): what a
 * destination answers, and the bodies built from outbox rows.  The first
 * byte chooses:
 *
 *   even: the rest is the body of a failed answer.  The reason made of it
 *         must fit its buffer, be valid UTF-8 and hold no control
 *         character, whatever the bytes.
 *   odd:  the rest is outbox rows' events, one per line, sent with the
 *         segment connector.  The rows are the daemon's own normalised
 *         JSON, but a row may have been written by hand or by another
 *         release: whatever the text, the body is built without reading
 *         or writing outside it, and when every event is a JSON object the
 *         body is JSON too, a "batch" of as many objects, each the event
 *         with its traits (an object, not empty, of an event neither
 *         identify nor group, with a context that is an object) moved to
 *         context.traits, and else the event as it is but for empty
 *         traits left out.  (A context that has traits already gets a
 *         second member of that name; the check leaves it out.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "destination.h"
#include "sender.h"
#include "utf8.h"

#define MAX_EVENTS	8

static void	fail(const char *why, const char *text, size_t len)
    __attribute__((__noreturn__));

static void
fail(const char *why, const char *text, size_t len)
{
	fprintf(stderr, "sender: %s: %.*s\n", why, (int)len, text);
	abort();
}

static void
reason(const char *p, size_t n)
{
	char	out[256];
	size_t	len, i, runes;
	long	status = n > 0 ? 100 + (unsigned char)p[0] * 2 : 500;

	if (n > 0) {
		p++;
		n--;
	}
	memset(out, 'x', sizeof(out));
	sender_reason(status, p, n, out, sizeof(out));
	if (memchr(out, '\0', sizeof(out)) == NULL)
		fail("reason not terminated", out, sizeof(out));
	len = strlen(out);
	if (!utf8_valid(out, len, &runes))
		fail("reason not UTF-8", out, len);
	for (i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20)
			fail("control character in the reason", out, len);
}

/* What the segment connector must make of the event in. */
static json_t *
expected(const json_t *in)
{
	json_t		*want = json_deep_copy(in);
	json_t		*tr = json_object_get(want, "traits");
	json_t		*ctx = json_object_get(want, "context");
	const char	*type;

	type = json_string_value(json_object_get(want, "type"));
	if (!json_is_object(tr) || (ctx != NULL && !json_is_object(ctx)) ||
	    type == NULL || strcmp(type, "identify") == 0 ||
	    strcmp(type, "group") == 0)
		return want;
	if (json_object_size(tr) > 0) {
		if (ctx == NULL) {
			ctx = json_object();
			json_object_set_new(want, "context", ctx);
		}
		json_object_set(ctx, "traits", tr);
	}
	json_object_del(want, "traits");
	return want;
}

/* Whether the event in has a context with traits already. */
static int
context_traits(const json_t *in)
{
	return json_object_get(json_object_get(in, "context"), "traits") !=
	    NULL;
}

static void
segment(const char *p, size_t n)
{
	struct destination	 d;
	struct buf		 b;
	const char		*evs[MAX_EVENTS];
	char			*copies[MAX_EVENTS];
	size_t			 lens[MAX_EVENTS], k = 0, i;
	const char		*nl;
	json_t			*v, *batch, *ins[MAX_EVENTS], *want;
	json_error_t		 e;
	int			 objects = 1;

	/* Each event in a buffer of its own, for ASan to see its ends. */
	while (k < MAX_EVENTS) {
		nl = memchr(p, '\n', n);
		lens[k] = nl != NULL ? (size_t)(nl - p) : n;
		copies[k] = malloc(lens[k] ? lens[k] : 1);
		if (copies[k] == NULL)
			abort();
		memcpy(copies[k], p, lens[k]);
		evs[k] = copies[k];
		/* jansson reads up to a NUL byte, which JSON is not. */
		ins[k] = memchr(evs[k], '\0', lens[k]) != NULL ? NULL :
		    json_loadb(evs[k], lens[k], JSON_REJECT_DUPLICATES, &e);
		objects = objects && json_is_object(ins[k]);
		k++;
		if (nl == NULL)
			break;
		n -= lens[k - 1] + 1;
		p = nl + 1;
	}
	memset(&d, 0, sizeof(d));
	d.connector = DEST_SEGMENT;
	d.batch_size = MAX_EVENTS;
	buf_init(&b);
	sender_body(&d, evs, lens, k, 1760000000000LL, &b);
	if (objects) {
		v = json_loadb(b.p, b.len, 0, &e);
		batch = json_object_get(v, "batch");
		if (!json_is_array(batch) || json_array_size(batch) != k)
			fail("body is not a batch of the events", b.p, b.len);
		for (i = 0; i < k; i++) {
			if (context_traits(ins[i]))
				continue;
			want = expected(ins[i]);
			if (!json_equal(json_array_get(batch, i), want))
				fail("an event of the batch is not the event "
				    "with its traits in context", b.p, b.len);
			json_decref(want);
		}
		json_decref(v);
	}
	buf_release(&b);
	for (i = 0; i < k; i++) {
		json_decref(ins[i]);
		free(copies[i]);
	}
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		segment((const char *)data + 1, size - 1);
	else
		reason((const char *)data + 1, size - 1);
	return 0;
}
