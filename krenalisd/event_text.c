/*
 * The normalised event as JSON text (spec/events.md §13): one line,
 * members in their fixed order, context sections in the order of §7.7,
 * strings escaped as ingest.md §1 says, numbers in their shortest form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event_priv.h"

/* s as a JSON string (ingest.md §1 escaping). */
static void
text_str(struct buf *b, const char *s)
{
	buf_addquoted(b, s, strlen(s));
}

/* A member name and its colon, preceded by a comma unless first. */
static void
text_key(struct buf *b, int *first, const char *key)
{
	if (!*first)
		buf_addc(b, ',');
	*first = 0;
	buf_addc(b, '"');
	buf_adds(b, key);
	buf_adds(b, "\":");
}

/* The shortest %.<N>g form that reads back as the same double (§13). */
static size_t
fmt_float(double d, char buf[32])
{
	int	n, len = 0;

	for (n = 1; n <= 17; n++) {
		len = snprintf(buf, 32, "%.*g", n, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return len;
}

/* A decimal(3,2) value with no trailing zeros after the point (§13). */
static size_t
fmt_decimal(double d, char buf[32])
{
	size_t	len;

	len = snprintf(buf, 32, "%.2f", d);
	while (len > 0 && buf[len - 1] == '0')
		len--;
	if (len > 0 && buf[len - 1] == '.')
		len--;
	buf[len] = '\0';
	return len;
}

void
event_text_consents(struct buf *b, const struct event_context *c)
{
	size_t	i;

	buf_addc(b, '{');
	for (i = 0; i < c->nconsents; i++) {
		if (i > 0)
			buf_addc(b, ',');
		text_str(b, c->consents[i].purpose);
		if (c->consents[i].granted)
			buf_adds(b, ":true");
		else
			buf_adds(b, ":false");
	}
	buf_addc(b, '}');
}

/* Write the value of the present field f. */
static void
text_field(struct buf *b, const struct event_context *c, int f)
{
	char	num[32];
	size_t	n;

	switch (field_specs[f].kind) {
	case EVENT_KIND_STRING:
		buf_addquoted(b, c->v[f].s, c->len[f]);
		break;
	case EVENT_KIND_BOOL:
		if (c->v[f].b)
			buf_adds(b, "true");
		else
			buf_adds(b, "false");
		break;
	case EVENT_KIND_INT:
		n = snprintf(num, sizeof(num), "%lld", (long long)c->v[f].i);
		buf_add(b, num, n);
		break;
	case EVENT_KIND_INT64:
		n = snprintf(num, sizeof(num), "\"%lld\"",
		    (long long)c->v[f].i);
		buf_add(b, num, n);
		break;
	case EVENT_KIND_FLOAT:
		n = fmt_float(c->v[f].f, num);
		buf_add(b, num, n);
		break;
	case EVENT_KIND_DECIMAL:
		n = fmt_decimal(c->v[f].f, num);
		buf_add(b, num, n);
		break;
	case EVENT_KIND_CONSENTS:
		if (c->consents_json != NULL)
			buf_add(b, c->consents_json, strlen(c->consents_json));
		else
			event_text_consents(b, c);
		break;
	}
}

/* The normalised context, members and sections in the order of §7.7. */
static void
text_context(struct buf *b, const struct event_context *c)
{
	const struct field_spec	*fs;
	uint64_t		 mask;
	int			 f, g, end, first = 1, sfirst;

	buf_addc(b, '{');
	for (f = 0; f < EVENT_NFIELDS; f = end) {
		fs = &field_specs[f];
		if (fs->section == NULL) {
			end = f + 1;
			if (event_has(c, f)) {
				text_key(b, &first, fs->member);
				text_field(b, c, f);
			}
			continue;
		}
		for (end = f; end < EVENT_NFIELDS &&
		    field_specs[end].section == fs->section; end++)
			;
		mask = (BIT(end) - 1) & ~(BIT(f) - 1);
		if ((c->present & mask) == 0)
			continue;
		text_key(b, &first, fs->section);
		buf_addc(b, '{');
		sfirst = 1;
		for (g = f; g < end; g++) {
			if (!event_has(c, g))
				continue;
			text_key(b, &sfirst, field_specs[g].member);
			text_field(b, c, g);
		}
		buf_addc(b, '}');
	}
	buf_addc(b, '}');
}

static void
text_opt(struct buf *b, int *first, const char *key, const char *v)
{
	if (v == NULL)
		return;
	text_key(b, first, key);
	text_str(b, v);
}

/* String i of the event, with the length the decoder measured. */
static void
text_measured(struct buf *b, int *first, const char *key,
    const struct event *ev, enum event_str i)
{
	const char	*v = event_str(ev, i);

	if (v == NULL)
		return;
	text_key(b, first, key);
	buf_addquoted(b, v, ev->len[i]);
}

void
event_text_append(const struct event *ev, struct buf *b)
{
	int	first = 1;

	buf_addc(b, '{');
	text_measured(b, &first, "connectionId", ev, EVENT_STR_CONNECTION_ID);
	text_measured(b, &first, "anonymousId", ev, EVENT_STR_ANONYMOUS_ID);
	text_measured(b, &first, "channel", ev, EVENT_STR_CHANNEL);
	text_measured(b, &first, "category", ev, EVENT_STR_CATEGORY);
	if (ev->has_context) {
		text_key(b, &first, "context");
		text_context(b, &ev->ctx);
	}
	text_measured(b, &first, "event", ev, EVENT_STR_EVENT);
	text_measured(b, &first, "groupId", ev, EVENT_STR_GROUP_ID);
	text_measured(b, &first, "messageId", ev, EVENT_STR_MESSAGE_ID);
	text_measured(b, &first, "name", ev, EVENT_STR_NAME);
	if (ev->properties != NULL) {
		text_key(b, &first, "properties");
		buf_add(b, ev->properties, ev->properties_len);
	}
	text_opt(b, &first, "receivedAt", ev->received_at_text);
	text_opt(b, &first, "sentAt", ev->sent_at_text);
	text_opt(b, &first, "originalTimestamp", ev->original_timestamp_text);
	text_opt(b, &first, "timestamp", ev->timestamp_text);
	text_key(b, &first, "traits");
	buf_add(b, ev->traits, ev->traits_len);
	text_opt(b, &first, "type", event_type_name(ev->type));
	text_measured(b, &first, "previousId", ev, EVENT_STR_PREVIOUS_ID);
	text_measured(b, &first, "userId", ev, EVENT_STR_USER_ID);
	buf_addc(b, '}');
}

void
event_text_keep(struct event *ev, struct buf *scratch)
{
	if (ev->error != NULL || ev->text != NULL)
		return;
	scratch->len = 0;
	event_text_append(ev, scratch);
	ev->text_len = scratch->len;
	ev->text = arena_strndup(&ev->arena, scratch->p, scratch->len);
}

const char *
event_text(struct event *ev, size_t *len)
{
	struct buf	b;

	if (ev->error != NULL)
		return NULL;
	if (ev->text == NULL) {
		buf_init(&b);
		event_text_keep(ev, &b);
		buf_release(&b);
	}
	if (len != NULL)
		*len = ev->text_len;
	return ev->text;
}
