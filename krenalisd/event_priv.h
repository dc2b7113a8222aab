/*
 * What the files of the event decoder share and nobody else uses: the
 * field table, the cursor and value readers of event_scan.c, the context
 * decoder, the cross-field checks and the consents writer.  event.h is
 * the interface; this header is only for event*.c.
 */
#ifndef EVENT_PRIV_H
#define EVENT_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "event.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(f)		((uint64_t)1 << (f))

#define MSG_SYNTAX	"event is not valid JSON"

/*
 * A member of the normalised context.  section is NULL for the members of
 * the context itself (consents, ip, locale, timezone, userAgent).  input
 * is 0 for the members only the decoder sets (browser.other, os.other).
 */
struct field_spec {
	const char	*section;
	const char	*member;
	const char	*path;
	const char	*column;
	enum event_kind	 kind;
	int		 input;
};

/*
 * The fields in the order of §7.7, which is also the column order of
 * §14.1: it drives the decoding of context sections, the JSON output
 * and the row binding.
 */
extern const struct field_spec	field_specs[EVENT_NFIELDS];

/* Where string i of a struct event is (enum event_str). */
extern const size_t		event_str_offsets[EVENT_NSTRS];

/* String i of ev, whose length the decoder measured in ev->len[i]. */
static inline const char *
event_str(const struct event *ev, enum event_str i)
{
	return *(const char *const *)(const void *)((const char *)ev +
	    event_str_offsets[i]);
}

/* The top-level members of §4. */
enum member {
	MEMBER_ANONYMOUS_ID,
	MEMBER_CATEGORY,
	MEMBER_GROUP_ID,
	MEMBER_MESSAGE_ID,
	MEMBER_USER_ID,
	MEMBER_CHANNEL,
	MEMBER_EVENT,
	MEMBER_NAME,
	MEMBER_PREVIOUS_ID,
	MEMBER_ORIGINAL_TIMESTAMP,
	MEMBER_TIMESTAMP,
	MEMBER_SENT_AT,
	MEMBER_TYPE,
	MEMBER_PROPERTIES,
	MEMBER_TRAITS,
	MEMBER_CONTEXT
};

/* The top-level values collected by the member pass. */
struct event_top {
	const char	*str[MEMBER_PREVIOUS_ID + 1];
	int		 type;
	int		 has[3];	/* originalTimestamp timestamp sentAt */
	int64_t		 ms[3];
	const char	*properties;
	size_t		 properties_len;
	const char	*traits;
	size_t		 traits_len;
};

/* event_scan.c */

/*
 * A cursor over JSON text.  Every function stops at end and returns -1 on
 * text that is not JSON, so a malformed event cannot make it read past
 * its raw text.
 */
struct event_scan {
	const char	*p;
	const char	*end;
};

/* A known member name and its id. */
struct event_name {
	const char	*name;
	size_t		 len;
	int		 id;
};

/* The id of the name of len bytes in the table of n names, or -1. */
int	event_scan_lookup(const struct event_name *, size_t n, const char *s,
	    size_t len);

/* Skip one value of any kind: 0, or -1 on bad text. */
int	event_scan_skip(struct event_scan *);

/*
 * Iterate over the members of the object at s->p.  event_scan_object_begin
 * consumes "{"; event_scan_object_next reads the next key (raw span) and
 * the ":", leaving s->p on the value, and returns 1, or 0 at the closing
 * "}" (consumed), or -1 on bad text.  *first must be 1 before the first
 * call.
 */
int	event_scan_object_begin(struct event_scan *);
int	event_scan_object_next(struct event_scan *, int *first,
	    const char **key, size_t *klen, int *kesc);

#define EVENT_KEYBUF	32

/*
 * Decode a key into buf (EVENT_KEYBUF bytes) for comparison with the
 * known names; return its length, or EVENT_KEYBUF when it is longer than
 * any of them.
 */
size_t	event_scan_key(const char *b, size_t blen, int esc, char *buf);

/*
 * Decode a string body into the arena, NUL-terminated, without U+0000
 * when strip is set; set *len.
 */
char	*event_scan_str(struct arena **, const char *b, size_t blen, int esc,
	    int strip, size_t *len);


/* The outcome of reading one member value. */
enum event_rd {
	RD_VALUE,	/* a value was read */
	RD_ABSENT,	/* null, or a string that is empty */
	RD_TYPE,	/* another JSON type: the member's "not a ..." */
	RD_NOTINT,	/* a number that is not a 64-bit integer */
	RD_SYNTAX	/* not JSON */
};

/* The bit of a kind of enum jsonlex_kind, for event_read_open. */
#define RD_KIND(k)	(1u << (k))

/*
 * Open the value at s->p when its kind is one of kinds (RD_KIND bits):
 * RD_VALUE, s->p still on it; RD_ABSENT for null
 * (consumed); RD_SYNTAX on bad text; RD_TYPE for another kind.
 */
enum event_rd	event_read_open(struct event_scan *, unsigned kinds);
/* A string (U+0000 removed, §4) into the arena. */
enum event_rd	event_read_string(struct event_scan *, struct arena **,
		    const char **out, size_t *len);
enum event_rd	event_read_bool(struct event_scan *, int *v);
/* A number token; *tok and *len are its text. */
enum event_rd	event_read_number(struct event_scan *, const char **tok,
		    size_t *len);
/*
 * A 64-bit integer of §7.4: a number whose text, without one trailing
 * ".0", is "-"? digits in range; when strings is set, also a string of
 * the form "-"? digits (a string of another form is RD_TYPE).
 */
enum event_rd	event_read_int(struct event_scan *, struct arena **,
		    int strings, int64_t *v);
/* An object as its compact text (§6) into the arena. */
enum event_rd	event_read_object(struct event_scan *, struct arena **,
		    const char **out, size_t *len);

/* event_context.c */

/*
 * Decode the context object at s->p (§7) into c, which must be zeroed,
 * with strings in *ap.  0, or -1 with *errp set.
 */
int	event_context_decode(struct event_scan *, struct arena **ap,
	    const char **errp, struct event_context *c);

/*
 * Merge the envelope context env into the event's context c (§7.6): each
 * member the event lacks is taken from env, consents purpose by purpose.
 * Strings are copied into *ap, so the event never points into env.
 */
void	event_context_merge(struct event_context *c,
	    const struct event_context *env, struct arena **ap);

/* event_check.c */

/*
 * The cross-field checks of §5 from step 2 on, in their order, on the
 * decoded ev (its type set) and the member values t: 0, or -1 with
 * ev->error set.  Settles properties and traits in t.
 */
int	event_check(const struct event_req *, struct event *ev,
	    struct event_top *t);

/* event_text.c */

/* The compact consents object of c: members sorted by purpose. */
void	event_text_consents(struct buf *, const struct event_context *c);

#endif
