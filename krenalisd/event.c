/*
 * The struct event (spec/events.md): its types and fields, its lifetime,
 * and its decoding.  The raw text of an event is scanned once, in
 * document order (the member pass of §4 and §7), straight into a struct
 * event: decoded strings go to a per-event arena, properties and traits
 * are copied in compact form.  The cross-field checks of §5
 * (event_check.c) then run in their fixed order and the server-set
 * fields are filled in.  The normalised JSON of §13 (event_text.c) is
 * built from the decoded fields on demand.  Also the warehouse side: an
 * event's column values, which a warehouse engine binds.  One table,
 * field_specs, in the order of §7.7 (which is also the column order of
 * §14.1), drives the decoding of context sections, the output and the
 * columns.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "ids.h"
#include "jsonlex.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "event_priv.h"

/* Tables */

static const char *const type_names[EVENT_NTYPES] = {
	"track", "page", "screen", "identify", "group", "alias"
};

#define S	EVENT_KIND_STRING
const struct field_spec field_specs[EVENT_NFIELDS] = {
	{ "app", "name", "app.name", "context_app_name", S, 1 },
	{ "app", "version", "app.version", "context_app_version", S, 1 },
	{ "app", "build", "app.build", "context_app_build", S, 1 },
	{ "app", "namespace", "app.namespace", "context_app_namespace", S, 1 },
	{ "browser", "name", "browser.name", "context_browser_name", S, 1 },
	{ "browser", "other", "browser.other", "context_browser_other", S, 0 },
	{ "browser", "version", "browser.version", "context_browser_version",
	  S, 1 },
	{ "campaign", "name", "campaign.name", "context_campaign_name", S, 1 },
	{ "campaign", "source", "campaign.source", "context_campaign_source",
	  S, 1 },
	{ "campaign", "medium", "campaign.medium", "context_campaign_medium",
	  S, 1 },
	{ "campaign", "term", "campaign.term", "context_campaign_term", S, 1 },
	{ "campaign", "content", "campaign.content",
	  "context_campaign_content", S, 1 },
	{ NULL, "consents", "consents", "context_consents",
	  EVENT_KIND_CONSENTS, 1 },
	{ "device", "id", "device.id", "context_device_id", S, 1 },
	{ "device", "advertisingId", "device.advertisingId",
	  "context_device_advertising_id", S, 1 },
	{ "device", "adTrackingEnabled", "device.adTrackingEnabled",
	  "context_device_ad_tracking_enabled", EVENT_KIND_BOOL, 1 },
	{ "device", "manufacturer", "device.manufacturer",
	  "context_device_manufacturer", S, 1 },
	{ "device", "model", "device.model", "context_device_model", S, 1 },
	{ "device", "name", "device.name", "context_device_name", S, 1 },
	{ "device", "type", "device.type", "context_device_type", S, 1 },
	{ "device", "token", "device.token", "context_device_token", S, 1 },
	{ NULL, "ip", "ip", "context_ip", S, 1 },
	{ "library", "name", "library.name", "context_library_name", S, 1 },
	{ "library", "version", "library.version", "context_library_version",
	  S, 1 },
	{ NULL, "locale", "locale", "context_locale", S, 1 },
	{ "location", "city", "location.city", "context_location_city", S, 1 },
	{ "location", "country", "location.country",
	  "context_location_country", S, 1 },
	{ "location", "latitude", "location.latitude",
	  "context_location_latitude", EVENT_KIND_FLOAT, 1 },
	{ "location", "longitude", "location.longitude",
	  "context_location_longitude", EVENT_KIND_FLOAT, 1 },
	{ "location", "speed", "location.speed", "context_location_speed",
	  EVENT_KIND_FLOAT, 1 },
	{ "network", "bluetooth", "network.bluetooth",
	  "context_network_bluetooth", EVENT_KIND_BOOL, 1 },
	{ "network", "carrier", "network.carrier", "context_network_carrier",
	  S, 1 },
	{ "network", "cellular", "network.cellular",
	  "context_network_cellular", EVENT_KIND_BOOL, 1 },
	{ "network", "wifi", "network.wifi", "context_network_wifi",
	  EVENT_KIND_BOOL, 1 },
	{ "os", "name", "os.name", "context_os_name", S, 1 },
	{ "os", "other", "os.other", "context_os_other", S, 0 },
	{ "os", "version", "os.version", "context_os_version", S, 1 },
	{ "page", "path", "page.path", "context_page_path", S, 1 },
	{ "page", "referrer", "page.referrer", "context_page_referrer", S, 1 },
	{ "page", "search", "page.search", "context_page_search", S, 1 },
	{ "page", "title", "page.title", "context_page_title", S, 1 },
	{ "page", "url", "page.url", "context_page_url", S, 1 },
	{ "referrer", "id", "referrer.id", "context_referrer_id", S, 1 },
	{ "referrer", "type", "referrer.type", "context_referrer_type", S, 1 },
	{ "screen", "width", "screen.width", "context_screen_width",
	  EVENT_KIND_INT, 1 },
	{ "screen", "height", "screen.height", "context_screen_height",
	  EVENT_KIND_INT, 1 },
	{ "screen", "density", "screen.density", "context_screen_density",
	  EVENT_KIND_DECIMAL, 1 },
	{ "session", "id", "session.id", "context_session_id",
	  EVENT_KIND_INT64, 1 },
	{ "session", "start", "session.start", "context_session_start",
	  EVENT_KIND_BOOL, 1 },
	{ NULL, "timezone", "timezone", "context_timezone", S, 1 },
	{ NULL, "userAgent", "userAgent", "context_user_agent", S, 1 },
};
#undef S

static const struct event_name member_names[] = {
	{ "anonymousId", 11, MEMBER_ANONYMOUS_ID },
	{ "category", 8, MEMBER_CATEGORY },
	{ "groupId", 7, MEMBER_GROUP_ID },
	{ "messageId", 9, MEMBER_MESSAGE_ID },
	{ "userId", 6, MEMBER_USER_ID },
	{ "channel", 7, MEMBER_CHANNEL },
	{ "event", 5, MEMBER_EVENT },
	{ "name", 4, MEMBER_NAME },
	{ "previousId", 10, MEMBER_PREVIOUS_ID },
	{ "originalTimestamp", 17, MEMBER_ORIGINAL_TIMESTAMP },
	{ "timestamp", 9, MEMBER_TIMESTAMP },
	{ "sentAt", 6, MEMBER_SENT_AT },
	{ "type", 4, MEMBER_TYPE },
	{ "properties", 10, MEMBER_PROPERTIES },
	{ "traits", 6, MEMBER_TRAITS },
	{ "context", 7, MEMBER_CONTEXT },
};

const char *
event_type_name(enum event_type t)
{
	return (unsigned)t < EVENT_NTYPES ? type_names[t] : NULL;
}

int
event_type_parse(const char *s, size_t len)
{
	int	t;

	for (t = 0; t < EVENT_NTYPES; t++)
		if (strlen(type_names[t]) == len &&
		    memcmp(type_names[t], s, len) == 0)
			return t;
	return -1;
}

const char *
event_field_column(enum event_field f)
{
	return (unsigned)f < EVENT_NFIELDS ? field_specs[f].column : NULL;
}

const char *
event_field_path(enum event_field f)
{
	return (unsigned)f < EVENT_NFIELDS ? field_specs[f].path : NULL;
}

enum event_kind
event_field_kind(enum event_field f)
{
	return field_specs[f].kind;
}

/* Decoding */

void
event_init(struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
}

void
event_release(struct event *ev)
{
	arena_free(ev->arena);
	event_init(ev);
}

/* The raw messageId of the object text (ingest.md §9), in the arena. */
static const char *
raw_message_id(const char *raw, size_t len, struct arena **ap)
{
	struct event_scan	 s = { raw, raw + len };
	const char		*kb, *id;
	char			 key[EVENT_KEYBUF];
	size_t			 kl, n;
	int			 first = 1, ke;

	s.p = jsonlex_ws(s.p, s.end);
	if (event_scan_object_begin(&s) == -1)
		return NULL;
	while (event_scan_object_next(&s, &first, &kb, &kl, &ke) == 1) {
		n = event_scan_key(kb, kl, ke, key);
		if (n == 9 && memcmp(key, "messageId", 9) == 0)
			return event_read_string(&s, ap, &id, &n) ==
			    RD_VALUE ? id : NULL;
		if (event_scan_skip(&s) == -1)
			return NULL;
	}
	return NULL;
}

char *
event_raw_message_id(const char *raw, size_t len)
{
	struct arena	*arena = NULL;
	const char	*id;
	char		*copy = NULL;

	if ((id = raw_message_id(raw, len, &arena)) != NULL)
		copy = xstrdup(id);
	arena_free(arena);
	return copy;
}

/* Reject text that is not JSON (the request parser should prevent it). */
static int
syntax(struct event *ev)
{
	ev->error = MSG_SYNTAX;
	return -1;
}

/* The member pass of §4 over the object at s->p. */
static int
member_pass(struct event_scan *s, struct event *ev, struct event_top *t)
{
	const struct event_name	*m;
	const char		*kb, *str;
	char			 key[EVENT_KEYBUF];
	size_t			 kl, n, len;
	int			 first = 1, ke, r, id, ti;
	enum event_rd		 rd;
	enum timestamp_error	 te;

	event_scan_object_begin(s);
	while ((r = event_scan_object_next(s, &first, &kb, &kl, &ke)) == 1) {
		n = event_scan_key(kb, kl, ke, key);
		id = event_scan_lookup(member_names, NITEMS(member_names),
		    key, n);
		if (id == -1) {
			if (event_scan_skip(s) == -1)
				return syntax(ev);
			continue;
		}
		m = &member_names[id];
		switch (id) {
		case MEMBER_PROPERTIES:
		case MEMBER_TRAITS:
			rd = id == MEMBER_PROPERTIES ?
			    event_read_object(s, &ev->arena, &t->properties,
			    &t->properties_len) :
			    event_read_object(s, &ev->arena, &t->traits,
			    &t->traits_len);
			if (rd == RD_TYPE)
				return arena_error(&ev->arena, &ev->error,
				    "property '%s' is not a valid object",
				    m->name);
			break;
		case MEMBER_CONTEXT:
			rd = event_read_open(s, RD_KIND(JSONLEX_OBJECT));
			if (rd == RD_TYPE) {
				ev->error = "property 'context' is not an "
				    "valid object";
				return -1;
			}
			if (rd == RD_VALUE && event_context_decode(s,
			    &ev->arena, &ev->error, &ev->ctx) == -1)
				return -1;
			break;
		default:
			rd = event_read_string(s, &ev->arena, &str, &len);
			if (rd == RD_TYPE)
				return arena_error(&ev->arena, &ev->error,
				    "property '%s' is not a valid string",
				    m->name);
			if (rd != RD_VALUE)
				break;
			if (id <= MEMBER_PREVIOUS_ID) {
				t->str[id] = str;
				break;
			}
			if (id == MEMBER_TYPE) {
				t->type = event_type_parse(str, len);
				if (t->type == -1) {
					ev->error = "property 'type' is not a "
					    "valid event type";
					return -1;
				}
				break;
			}
			ti = id - MEMBER_ORIGINAL_TIMESTAMP;
			te = timestamp_parse(str, len, &t->ms[ti]);
			if (te == TIMESTAMP_INVALID)
				return arena_error(&ev->arena, &ev->error,
				    "property '%s' is not a valid ISO 8601 "
				    "timestamp", m->name);
			if (te != TIMESTAMP_OK)
				return arena_error(&ev->arena, &ev->error,
				    "property '%s' has an invalid year value",
				    m->name);
			t->has[ti] = 1;
			break;
		}
		if (rd == RD_SYNTAX)
			return syntax(ev);
	}
	return r == -1 ? syntax(ev) : 0;
}

/* §11.3: receivedAt, sentAt, originalTimestamp, timestamp. */
static void
timestamps(const struct event_req *req, struct event *ev,
    const struct event_top *t)
{
	int64_t	R = req->received_at;

	ev->received_at = R;
	ev->sent_at = t->has[2] ? t->ms[2] : req->has_sent_at ? req->sent_at :
	    R;
	if (t->has[0] && t->has[1]) {
		ev->original_timestamp = t->ms[0];
		ev->timestamp = t->ms[1];
	} else if (t->has[1] || t->has[0]) {
		ev->original_timestamp = t->has[1] ? t->ms[1] : t->ms[0];
		ev->timestamp = ev->original_timestamp + (R - ev->sent_at);
		if (!timestamp_valid_year(ev->timestamp))
			ev->timestamp = R;
	} else {
		ev->original_timestamp = R;
		ev->timestamp = R;
	}
	timestamp_format(ev->sent_at, ev->sent_at_text);
	timestamp_format(ev->original_timestamp,
	    ev->original_timestamp_text);
	timestamp_format(ev->timestamp, ev->timestamp_text);
}

/* The consents JSON (kept for the row) once the context is final. */
static void
consents_finish(struct event *ev)
{
	struct buf	b;

	if (!event_has(&ev->ctx, EVENT_CONSENTS))
		return;
	buf_init(&b);
	event_text_consents(&b, &ev->ctx);
	ev->ctx.consents_json = arena_strndup(&ev->arena, b.p, b.len);
	buf_release(&b);
}

/*
 * Decode the text (len bytes) of an event whose raw text is sizelen bytes
 * long.
 */
static size_t
len_of(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

const size_t event_str_offsets[EVENT_NSTRS] = {
	[EVENT_STR_CONNECTION_ID] = offsetof(struct event, connection_id),
	[EVENT_STR_ANONYMOUS_ID] = offsetof(struct event, anonymous_id),
	[EVENT_STR_CHANNEL] = offsetof(struct event, channel),
	[EVENT_STR_CATEGORY] = offsetof(struct event, category),
	[EVENT_STR_EVENT] = offsetof(struct event, event),
	[EVENT_STR_GROUP_ID] = offsetof(struct event, group_id),
	[EVENT_STR_MESSAGE_ID] = offsetof(struct event, message_id),
	[EVENT_STR_NAME] = offsetof(struct event, name),
	[EVENT_STR_PREVIOUS_ID] = offsetof(struct event, previous_id),
	[EVENT_STR_USER_ID] = offsetof(struct event, user_id),
};

/* The lengths of a valid event's strings (struct event len, ctx.len). */
static void
measure(struct event *ev)
{
	uint64_t	 present = ev->ctx.present;
	int		 i, f;

	for (i = 0; i < EVENT_NSTRS; i++)
		ev->len[i] = len_of(event_str(ev, i));
	for (f = 0; present != 0; f++, present >>= 1)
		if ((present & 1) && field_specs[f].kind == EVENT_KIND_STRING)
			ev->ctx.len[f] = strlen(ev->ctx.v[f].s);
}

/*
 * An id of §12 the event did not have (which, in EVENT_GENERATED_*): the
 * one the request gives, or prefix and a new UUID.
 */
static const char *
generated_id(struct event *ev, unsigned which, const char *given,
    const char *prefix)
{
	char	uuid[IDS_UUID_LEN + 1], *p;
	size_t	plen = strlen(prefix);

	ev->generated |= which;
	if (given != NULL)
		return arena_strndup(&ev->arena, given, strlen(given));
	ids_new_uuid(uuid);
	p = arena_alloc(&ev->arena, plen + IDS_UUID_LEN + 1, 1);
	memcpy(p, prefix, plen);
	memcpy(p + plen, uuid, IDS_UUID_LEN + 1);
	return p;
}

static int
decode(const struct event_req *req, const char *text, size_t len,
    size_t sizelen, struct event *ev)
{
	struct event_scan	 s = { text, text + len };
	struct event_top	 t;
	enum jsonlex_kind	 k;

	event_init(ev);
	memset(&t, 0, sizeof(t));
	t.type = -1;
	ev->arena = arena_new(len + ARENA_MIN);
	ev->received_at = req->received_at;
	timestamp_format(req->received_at, ev->received_at_text);
	ev->connection_id = req->source_id != NULL ? req->source_id : "";

	/* §2: raw checks. */
	if (req->max_event_bytes > 0 && sizelen > req->max_event_bytes) {
		arena_error(&ev->arena, &ev->error, "event exceeds the "
		    "maximum size of %zu bytes", req->max_event_bytes);
		goto rejected;
	}
	s.p = jsonlex_ws(s.p, s.end);
	if ((k = jsonlex_kind(s.p, s.end)) != JSONLEX_OBJECT) {
		if (k == JSONLEX_BAD)
			ev->error = MSG_SYNTAX;
		else
			arena_error(&ev->arena, &ev->error, "expected an "
			    "object for the event, but found %s instead",
			    jsonlex_kind_name(k));
		goto rejected;
	}

	/* §4 and §7: the member pass; §7.6: the merge. */
	if (member_pass(&s, ev, &t) == -1)
		goto rejected;
	if (req->context != NULL)
		event_context_merge(&ev->ctx, req->context, &ev->arena);

	/* §5 step 1: the type. */
	if (t.type == -1) {
		if (req->shape == EVENT_SHAPE_BATCH) {
			ev->error = "property 'type' is required for a batch "
			    "request";
			goto rejected;
		}
		if (req->shape == EVENT_SHAPE_OBJECT) {
			ev->error = "property 'type' is required for a "
			    "single-event request";
			goto rejected;
		}
		t.type = req->default_type;
	}
	ev->type = t.type;
	if (event_check(req, ev, &t) == -1)
		goto rejected;

	/* §12 and §11.3: server-set and generated fields. */
	ev->connection_id = arena_strndup(&ev->arena, ev->connection_id,
	    strlen(ev->connection_id));
	ev->anonymous_id = t.str[MEMBER_ANONYMOUS_ID];
	if (ev->anonymous_id == NULL)
		ev->anonymous_id = generated_id(ev,
		    EVENT_GENERATED_ANONYMOUS_ID, req->anonymous_id, "");
	ev->message_id = t.str[MEMBER_MESSAGE_ID];
	if (ev->message_id == NULL)
		ev->message_id = generated_id(ev, EVENT_GENERATED_MESSAGE_ID,
		    req->message_id, "krenalis-");
	ev->user_id = t.str[MEMBER_USER_ID];
	ev->channel = t.str[MEMBER_CHANNEL];
	ev->category = t.str[MEMBER_CATEGORY];
	ev->event = t.str[MEMBER_EVENT];
	ev->group_id = t.str[MEMBER_GROUP_ID];
	ev->name = t.str[MEMBER_NAME];
	ev->previous_id = t.str[MEMBER_PREVIOUS_ID];
	ev->properties = t.properties;
	ev->properties_len = t.properties_len;
	ev->traits = t.traits;
	ev->traits_len = t.traits_len;
	timestamps(req, ev, &t);

	/* §5 step 15 and §7.7: only schema members are kept. */
	ev->ctx.traits = NULL;
	ev->ctx.traits_len = 0;
	ev->has_context = ev->ctx.present != 0;
	consents_finish(ev);
	measure(ev);
	return 0;

rejected:
	ev->message_id = raw_message_id(text, len, &ev->arena);
	ev->connection_id = arena_strndup(&ev->arena, ev->connection_id,
	    strlen(ev->connection_id));
	return -1;
}

int
event_decode(const struct event_req *req, const char *raw, size_t len,
    struct event *ev)
{
	return decode(req, raw, len, len, ev);
}

int
event_decode_json(const struct event_req *req, const json_t *raw,
    size_t raw_len, struct event *ev)
{
	char	*text;
	int	 r;

	text = json_dumps(raw, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_ENCODE_ANY);
	if (text == NULL) {
		event_init(ev);
		ev->error = MSG_SYNTAX;
		return -1;
	}
	r = decode(req, text, strlen(text), raw_len, ev);
	free(text);
	return r;
}

/* Warehouse */

/* Set a text column, NULL when s is NULL. */
static void
col_text(struct event_col *c, const char *s, size_t n)
{
	if (s == NULL) {
		c->type = EVENT_COL_NULL;
		return;
	}
	c->type = EVENT_COL_TEXT;
	c->v.s = s;
	c->len = n;
}

static void
col_str(struct event_col *c, const char *s)
{
	col_text(c, s, len_of(s));
}

/* String i of the event, with the length the decoder measured. */
static void
col_measured(struct event_col *c, const struct event *ev, enum event_str i)
{
	col_text(c, event_str(ev, i), ev->len[i]);
}

/* The column of context field f (§14.1 representations). */
static void
col_field(struct event_col *c, const struct event_context *ctx, int f)
{
	if (!event_has(ctx, f)) {
		c->type = EVENT_COL_NULL;
		return;
	}
	switch (field_specs[f].kind) {
	case EVENT_KIND_STRING:
		col_text(c, ctx->v[f].s, ctx->len[f]);
		break;
	case EVENT_KIND_BOOL:
		c->type = EVENT_COL_INT;
		c->v.i = ctx->v[f].b ? 1 : 0;
		break;
	case EVENT_KIND_INT:
	case EVENT_KIND_INT64:
		c->type = EVENT_COL_INT;
		c->v.i = ctx->v[f].i;
		break;
	case EVENT_KIND_FLOAT:
	case EVENT_KIND_DECIMAL:
		c->type = EVENT_COL_REAL;
		c->v.f = ctx->v[f].f;
		break;
	case EVENT_KIND_CONSENTS:
		col_str(c, ctx->consents_json);
		break;
	}
}

void
event_columns(const struct event *ev, struct event_col cols[EVENT_NCOLUMNS])
{
	struct event_col	*c = cols;
	int			 f;

	_Static_assert(4 + EVENT_NFIELDS + 12 == EVENT_NCOLUMNS,
	    "a column is missing");
	col_measured(c++, ev, EVENT_STR_CONNECTION_ID);
	col_measured(c++, ev, EVENT_STR_ANONYMOUS_ID);
	col_measured(c++, ev, EVENT_STR_CHANNEL);
	col_measured(c++, ev, EVENT_STR_CATEGORY);
	for (f = 0; f < EVENT_NFIELDS; f++)
		col_field(c++, &ev->ctx, f);
	col_measured(c++, ev, EVENT_STR_EVENT);
	col_measured(c++, ev, EVENT_STR_GROUP_ID);
	col_measured(c++, ev, EVENT_STR_MESSAGE_ID);
	col_measured(c++, ev, EVENT_STR_NAME);
	col_text(c++, ev->properties, ev->properties_len);
	col_str(c++, ev->received_at_text);
	col_str(c++, ev->sent_at_text);
	col_str(c++, ev->timestamp_text);
	col_text(c++, ev->traits, ev->traits_len);
	col_str(c++, type_names[ev->type]);
	col_measured(c++, ev, EVENT_STR_PREVIOUS_ID);
	col_measured(c, ev, EVENT_STR_USER_ID);
}
