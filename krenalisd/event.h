/*
 * The event decoder and normaliser of spec/events.md: one received event
 * (its raw JSON text) becomes a normalised event, or is rejected with the
 * exact message of the spec.  Also the values of a normalised event's
 * warehouse columns (§14.1), which every warehouse engine writes its own
 * way (warehouse.h).
 *
 * The decoder reads the raw text itself (not a parsed jansson value),
 * because properties and traits are kept verbatim (§6: number spelling
 * and string escapes preserved), which a parsed value cannot give back.
 * The text must be valid JSON, as the request parser already checked
 * (ingest.md §7.4); malformed text is rejected, never trusted.
 *
 * Threads: everything here is pure; a struct event belongs to one thread
 * at a time (decoded by an HTTP thread, then handed to the writer).
 * Numbers are read and printed with strtod and printf, so LC_NUMERIC must
 * be the C locale (the daemon never calls setlocale).
 */
#ifndef EVENT_H
#define EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "timestamp.h"

struct buf;

enum event_type {
	EVENT_TRACK,
	EVENT_PAGE,
	EVENT_SCREEN,
	EVENT_IDENTIFY,
	EVENT_GROUP,
	EVENT_ALIAS,
	EVENT_NTYPES
};

/*
 * How the request delivered the event, for the missing-type rule of §5
 * step 1 (ingest.md §8).
 */
enum event_shape {
	EVENT_SHAPE_SINGLE,	/* single-event path: default_type applies */
	EVENT_SHAPE_BATCH,	/* element of a bare batch or of an envelope */
	EVENT_SHAPE_OBJECT	/* one event object posted to a batch path */
};

/*
 * The members of the normalised context, in the order of §7.7, which is
 * also the order of the context_* columns of §14.1 (column 6 + field).
 */
enum event_field {
	EVENT_APP_NAME,
	EVENT_APP_VERSION,
	EVENT_APP_BUILD,
	EVENT_APP_NAMESPACE,
	EVENT_BROWSER_NAME,
	EVENT_BROWSER_OTHER,
	EVENT_BROWSER_VERSION,
	EVENT_CAMPAIGN_NAME,
	EVENT_CAMPAIGN_SOURCE,
	EVENT_CAMPAIGN_MEDIUM,
	EVENT_CAMPAIGN_TERM,
	EVENT_CAMPAIGN_CONTENT,
	EVENT_CONSENTS,
	EVENT_DEVICE_ID,
	EVENT_DEVICE_ADVERTISING_ID,
	EVENT_DEVICE_AD_TRACKING_ENABLED,
	EVENT_DEVICE_MANUFACTURER,
	EVENT_DEVICE_MODEL,
	EVENT_DEVICE_NAME,
	EVENT_DEVICE_TYPE,
	EVENT_DEVICE_TOKEN,
	EVENT_IP,
	EVENT_LIBRARY_NAME,
	EVENT_LIBRARY_VERSION,
	EVENT_LOCALE,
	EVENT_LOCATION_CITY,
	EVENT_LOCATION_COUNTRY,
	EVENT_LOCATION_LATITUDE,
	EVENT_LOCATION_LONGITUDE,
	EVENT_LOCATION_SPEED,
	EVENT_NETWORK_BLUETOOTH,
	EVENT_NETWORK_CARRIER,
	EVENT_NETWORK_CELLULAR,
	EVENT_NETWORK_WIFI,
	EVENT_OS_NAME,
	EVENT_OS_OTHER,
	EVENT_OS_VERSION,
	EVENT_PAGE_PATH,
	EVENT_PAGE_REFERRER,
	EVENT_PAGE_SEARCH,
	EVENT_PAGE_TITLE,
	EVENT_PAGE_URL,
	EVENT_REFERRER_ID,
	EVENT_REFERRER_TYPE,
	EVENT_SCREEN_WIDTH,
	EVENT_SCREEN_HEIGHT,
	EVENT_SCREEN_DENSITY,
	EVENT_SESSION_ID,
	EVENT_SESSION_START,
	EVENT_TIMEZONE,
	EVENT_USER_AGENT,
	EVENT_NFIELDS
};

/* How a field's value is held and written. */
enum event_kind {
	EVENT_KIND_STRING,	/* v.s */
	EVENT_KIND_BOOL,	/* v.b */
	EVENT_KIND_INT,		/* v.i: screen width and height */
	EVENT_KIND_INT64,	/* v.i: session.id, written as a JSON string */
	EVENT_KIND_FLOAT,	/* v.f */
	EVENT_KIND_DECIMAL,	/* v.f, already rounded to 2 decimals */
	EVENT_KIND_CONSENTS	/* consents/nconsents of the context */
};

/* A field's value; which member is meant follows from its kind. */
union event_value {
	const char	*s;	/* NUL-terminated, no U+0000 inside */
	int		 b;
	int64_t		 i;
	double		 f;
};

struct event_consent {
	const char	*purpose;
	int		 granted;
};

/*
 * A decoded context (§7).  Field f is present when bit f of present is
 * set.  Strings point into the arena of the owner (the event, or the
 * envelope context).
 */
struct event_context {
	uint64_t		 present;
	union event_value	 v[EVENT_NFIELDS];
	struct event_consent	*consents;	/* sorted by purpose */
	size_t			 nconsents;
	const char		*consents_json;	/* compact, sorted; or NULL */
	const char		*traits;	/* compact context.traits */
	size_t			 traits_len;
	/* In a decoded event, the length of each present string field. */
	size_t			 len[EVENT_NFIELDS];
	struct arena		*arena;		/* by event_context_new only */
};

/* The name of a type ("track"), the column and JSON name of a field. */
const char	*event_type_name(enum event_type);
/* The type named by the len bytes at s, or -1. */
int		 event_type_parse(const char *s, size_t len);
const char	*event_field_column(enum event_field);
const char	*event_field_path(enum event_field);	/* "screen.width" */
enum event_kind	 event_field_kind(enum event_field);

static inline int
event_has(const struct event_context *c, enum event_field f)
{
	return (c->present >> f) & 1;
}

/*
 * The envelope context of a batch (ingest.md §8.1 step 5), decoded once
 * per request with the rules of §7.  text is the raw JSON text of the
 * envelope's "context" member.  Return a new context (free it with
 * event_context_free), or NULL with *errp set to the exact 400 message
 * (malloc'd, the caller frees it): "property 'context' is not a valid
 * object" for anything but an object (null included), otherwise any
 * context message of §7.
 */
struct event_context *event_context_new(const char *text, size_t len,
		    char **errp);
/* The same from a parsed jansson value (numbers lose their spelling). */
struct event_context *event_context_new_json(const json_t *, char **errp);
void		 event_context_free(struct event_context *);

/*
 * Per-request input, borrowed for the length of event_decode.  Every
 * event of a request uses the same values.
 */
struct event_req {
	int64_t		 received_at;	/* R of §11.3, ms */
	int		 has_sent_at;
	int64_t		 sent_at;	/* valid envelope sentAt, ms */
	const struct event_context *context;	/* envelope context or NULL */
	const char	*source_id;	/* becomes connectionId */
	enum event_shape shape;
	enum event_type	 default_type;	/* path type, EVENT_SHAPE_SINGLE */
	int		 ip_fallback;	/* connector falls back to request IP */
	const char	*request_ip;	/* ingest.md §7.2, or NULL */
	size_t		 max_event_bytes;	/* 0: no limit */
	/* The envelope context's raw text (context's source), or NULL. */
	const char	*context_text;
	size_t		 context_len;
	/*
	 * The ids of §12 to give the event instead of new ones, when it has
	 * none: NULL for new ones.  An event decoded again (the debugger's
	 * records) keeps the ids it was stored with.
	 */
	const char	*anonymous_id;
	const char	*message_id;
};

/* The strings of a decoded event that its len[] measures. */
enum event_str {
	EVENT_STR_CONNECTION_ID,
	EVENT_STR_ANONYMOUS_ID,
	EVENT_STR_CHANNEL,
	EVENT_STR_CATEGORY,
	EVENT_STR_EVENT,
	EVENT_STR_GROUP_ID,
	EVENT_STR_MESSAGE_ID,
	EVENT_STR_NAME,
	EVENT_STR_PREVIOUS_ID,
	EVENT_STR_USER_ID,
	EVENT_NSTRS
};

/*
 * A decoded event.  On success error is NULL and every member below
 * describes the normalised event; on rejection error is the exact
 * message, message_id is the raw messageId (non-empty string) or NULL,
 * and received_at, received_at_text and connection_id are set.
 *
 * Everything is owned by the event and freed by event_release: strings
 * point into its arena (or are static).  Absent optional strings are
 * NULL.
 */
struct event {
	const char		*error;
	enum event_type		 type;
	const char		*connection_id;
	const char		*anonymous_id;
	const char		*channel;
	const char		*category;
	const char		*event;
	const char		*group_id;
	const char		*message_id;
	/*
	 * dedupe_hash of message_id, taken by the HTTP thread that decoded
	 * a request's event (so that the writer does not), or 0.
	 */
	uint64_t		 message_id_hash;
	const char		*name;
	const char		*properties;	/* compact JSON or NULL */
	size_t			 properties_len;
	const char		*traits;	/* compact JSON, never NULL */
	size_t			 traits_len;
	const char		*previous_id;
	const char		*user_id;
	int64_t			 received_at;	/* ms */
	int64_t			 sent_at;
	int64_t			 original_timestamp;
	int64_t			 timestamp;
	char			 received_at_text[TIMESTAMP_BUFSZ];
	char			 sent_at_text[TIMESTAMP_BUFSZ];
	char			 original_timestamp_text[TIMESTAMP_BUFSZ];
	char			 timestamp_text[TIMESTAMP_BUFSZ];
	int			 has_context;	/* a context member is kept */
	struct event_context	 ctx;
	char			*text;		/* see event_text; in arena */
	size_t			 text_len;
	unsigned		 generated;	/* EVENT_GENERATED_* */
	/*
	 * In a valid event, the lengths of its strings (0 for NULL), as of
	 * ctx.len: the writer and the text read them, not the strings'
	 * ends.  Whoever changes a string changes its length.
	 */
	size_t			 len[EVENT_NSTRS];
	struct arena		*arena;
};

/* The ids of a valid event that the decoder made (§12), not the sender. */
#define EVENT_GENERATED_ANONYMOUS_ID	0x1
#define EVENT_GENERATED_MESSAGE_ID	0x2

void	event_init(struct event *);
/* Free what the event owns and leave it as event_init does. */
void	event_release(struct event *);

/*
 * Decode and normalise the event whose raw text (ingest.md §8.3) is the
 * len bytes at raw.  ev is overwritten (release it first if it held an
 * event).  Return 0 when valid, -1 when rejected (ev->error); in both
 * cases the caller must call event_release.
 */
int	event_decode(const struct event_req *, const char *raw, size_t len,
	    struct event *ev);

/*
 * The same for a caller that only has a parsed value: raw_len is the
 * length of the raw text for the size check of §2.  properties and traits
 * are then re-encoded by jansson, not verbatim.
 */
int	event_decode_json(const struct event_req *, const json_t *raw,
	    size_t raw_len, struct event *ev);

/*
 * The JSON of §13 for a valid event, one line without a newline, built on
 * first use and kept in ev->text (*len its length when len is not NULL);
 * NULL for a rejected event.  Most events are stored without it ever
 * being needed, so the decoder does not build it.
 */
const char *event_text(struct event *ev, size_t *len);
/*
 * Build it into ev->text now, scratch serving as the buffer it is
 * written in first (any length; kept for the next event), so that
 * building the texts of many events allocates nothing per event.
 */
void	event_text_keep(struct event *ev, struct buf *scratch);
/* The same text, appended to b, for a valid event. */
void	event_text_append(const struct event *ev, struct buf *b);

/*
 * The messageId of a raw event, as the response and krenalis_rejected
 * report it (ingest.md §9, §15): when the raw text is an object whose
 * "messageId" member is a non-empty string, a malloc'd copy (U+0000
 * removed); otherwise NULL.
 */
char	*event_raw_message_id(const char *raw, size_t len);

/* How a column value is held. */
enum event_coltype {
	EVENT_COL_NULL,
	EVENT_COL_TEXT,		/* v.s, len bytes */
	EVENT_COL_INT,		/* v.i */
	EVENT_COL_REAL		/* v.f */
};

/* The value of one column of a krenalis_events row. */
struct event_col {
	enum event_coltype	 type;
	size_t			 len;
	union {
		const char	*s;
		int64_t		 i;
		double		 f;
	}			 v;
};

/* The columns of §14.1 that ingest writes: all but kpid. */
#define EVENT_NCOLUMNS	67

/*
 * The values of the columns of the valid event ev, in the order of §14.1
 * without kpid (the DDL order of §14.2 and §14.3).  Text points into ev,
 * which must outlive the use of cols.
 */
void	event_columns(const struct event *ev,
	    struct event_col cols[EVENT_NCOLUMNS]);

#endif
