/*
 * Event decoding and normalisation (spec/events.md).
 *
 * The raw text of an event is scanned once, in document order (the member
 * pass of §4 and §7), straight into a struct event: decoded strings go to
 * a per-event arena, properties and traits are copied in compact form.
 * The cross-field checks of §5 then run in their fixed order, and the
 * normalised JSON of §13 is written from the decoded fields.  One table,
 * field_specs, in the order of §7.7 (which is also the column order of
 * §14.1), drives the decoding of context sections, the JSON output, the
 * jansson form and the warehouse columns.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ids.h"
#include "jsonstr.h"
#include "timestamp.h"
#include "utf8.h"
#include "xmalloc.h"
#include "event.h"
#include "useragent.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(f)		((uint64_t)1 << (f))

/* Arena */

#define ARENA_MIN	512

struct event_arena {
	struct event_arena	*next;
	size_t			 size;
	size_t			 used;
	char			 data[];
};

/*
 * Return n bytes aligned to align (a power of two) from the arena *ap,
 * pushing a new chunk when the current one is full.
 */
static void *
arena_alloc(struct event_arena **ap, size_t n, size_t align)
{
	struct event_arena	*a = *ap, *na;
	size_t			 off, size;

	if (a != NULL) {
		off = (a->used + align - 1) & ~(align - 1);
		if (off <= a->size && n <= a->size - off) {
			a->used = off + n;
			return a->data + off;
		}
	}
	size = a != NULL ? a->size * 2 : ARENA_MIN;
	if (size < n)
		size = n;
	na = xmalloc(sizeof(*na) + size);
	na->next = a;
	na->size = size;
	na->used = n;
	*ap = na;
	return na->data;
}

/* A first chunk of size bytes, sized for one event by its caller. */
static struct event_arena *
arena_new(size_t size)
{
	struct event_arena	*a;

	a = xmalloc(sizeof(*a) + size);
	a->next = NULL;
	a->size = size;
	a->used = 0;
	return a;
}

static void
arena_free(struct event_arena *a)
{
	struct event_arena	*next;

	for (; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
}

static char *
arena_strndup(struct event_arena **ap, const char *s, size_t n)
{
	char	*p;

	p = arena_alloc(ap, n + 1, 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Format a message into the arena and store it in *errp; return -1. */
static int __attribute__((__format__(printf, 3, 4)))
fail(struct event_arena **ap, const char **errp, const char *fmt, ...)
{
	va_list	 ap2;
	char	*p;
	int	 n;

	va_start(ap2, fmt);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	p = arena_alloc(ap, (size_t)n + 1, 1);
	va_start(ap2, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	*errp = p;
	return -1;
}

/* Tables */

static const char *const type_names[EVENT_NTYPES] = {
	"track", "page", "screen", "identify", "group", "alias"
};

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

#define S	EVENT_KIND_STRING
static const struct field_spec field_specs[EVENT_NFIELDS] = {
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

/* The sections of §7.3, each a run [first, last) of field_specs. */
struct section_spec {
	const char		*name;
	size_t			 len;
	enum event_field	 first;
	enum event_field	 last;
};

static const struct section_spec section_specs[] = {
	{ "app", 3, EVENT_APP_NAME, EVENT_BROWSER_NAME },
	{ "browser", 7, EVENT_BROWSER_NAME, EVENT_CAMPAIGN_NAME },
	{ "campaign", 8, EVENT_CAMPAIGN_NAME, EVENT_CONSENTS },
	{ "device", 6, EVENT_DEVICE_ID, EVENT_IP },
	{ "library", 7, EVENT_LIBRARY_NAME, EVENT_LOCALE },
	{ "location", 8, EVENT_LOCATION_CITY, EVENT_NETWORK_BLUETOOTH },
	{ "network", 7, EVENT_NETWORK_BLUETOOTH, EVENT_OS_NAME },
	{ "os", 2, EVENT_OS_NAME, EVENT_PAGE_PATH },
	{ "page", 4, EVENT_PAGE_PATH, EVENT_REFERRER_ID },
	{ "referrer", 8, EVENT_REFERRER_ID, EVENT_SCREEN_WIDTH },
	{ "screen", 6, EVENT_SCREEN_WIDTH, EVENT_SESSION_ID },
	{ "session", 7, EVENT_SESSION_ID, EVENT_TIMEZONE },
};

/* The members of the context object that are not sections (§7.2). */
enum scalar {
	SCALAR_IP,
	SCALAR_LOCALE,
	SCALAR_TIMEZONE,
	SCALAR_USER_AGENT,
	SCALAR_GROUP_ID,
	SCALAR_DIRECT,
	SCALAR_SESSION_ID,
	SCALAR_SESSION_START,
	SCALAR_TRAITS,
	SCALAR_CONSENTS
};

struct name_entry {
	const char	*name;
	size_t		 len;
	int		 id;
};

static const struct name_entry scalar_names[] = {
	{ "ip", 2, SCALAR_IP },
	{ "locale", 6, SCALAR_LOCALE },
	{ "timezone", 8, SCALAR_TIMEZONE },
	{ "userAgent", 9, SCALAR_USER_AGENT },
	{ "groupId", 7, SCALAR_GROUP_ID },
	{ "direct", 6, SCALAR_DIRECT },
	{ "sessionId", 9, SCALAR_SESSION_ID },
	{ "sessionStart", 12, SCALAR_SESSION_START },
	{ "traits", 6, SCALAR_TRAITS },
	{ "consents", 8, SCALAR_CONSENTS },
};

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

static const struct name_entry member_names[] = {
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

/* The locales of §7.5, in the order of Krenalis's list. */
static const char locales[][6] = {
	"en-US", "en-GB", "en-CA", "en-AU", "en-IE", "en-NZ", "en-IN",
	"en-ZA", "en-PH", "en-SG", "en-TT", "fr-FR", "fr-CA", "fr-BE",
	"fr-CH", "fr-LU", "it-IT", "it-CH", "de-DE", "de-AT", "de-CH",
	"es-ES", "es-MX", "es-AR", "es-CO", "es-PE", "es-CL", "es-US",
	"es-VE", "es-EC", "pt-BR", "pt-PT", "nl-NL", "nl-BE", "sv-SE",
	"da-DK", "no-NB", "no-NO", "pl-PL", "ru-RU", "ru-UA", "bg-BG",
	"ro-RO", "cs-CZ", "hu-HU", "it-VI", "ja-JP", "zh-CN", "zh-TW",
	"zh-HK", "zh-SG", "zh-MO", "ko-KR", "he-IL", "ar-SA", "ar-AE",
	"fi-FI", "el-GR", "tr-TR", "sk-IS", "sl-SI", "mk-MK", "al-AL",
	"hr-HR", "lt-LT", "lv-LV", "et-EE", "uk-UA", "ms-MY", "ms-SG",
	"id-ID", "vi-VN", "th-TH", "hi-IN", "bn-IN", "ta-IN", "ml-IN",
	"ur-PK", "fa-IR", "ps-AF", "yo-NG", "sw-KE", "zu-ZA", "ga-IE",
	"sq-AL", "mt-MT", "cy-GB", "az-AZ", "kk-KZ", "uz-UZ", "ky-KG",
	"hy-AM", "tg-TJ", "mn-MN", "ka-GE", "fo-FO", "sm-MX", "lo-LA",
	"km-KH", "bo-IN", "si-LK",
};

/* Names of §8.1: what the client may write (lower case) and the result. */
struct canon {
	const char	*lower;
	const char	*name;
};

static const struct canon browser_canon[] = {
	{ "chrome", "Chrome" },
	{ "safari", "Safari" },
	{ "edge", "Edge" },
	{ "firefox", "Firefox" },
	{ "samsung internet", "Samsung Internet" },
	{ "opera", "Opera" },
};

static const struct canon os_canon[] = {
	{ "android", "Android" },
	{ "windows", "Windows" },
	{ "ios", "iOS" },
	{ "macos", "macOS" },
	{ "darwin", "macOS" },
	{ "linux", "Linux" },
	{ "chrome os", "Chrome OS" },
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

/* The id of the name of len bytes in the table, or -1. */
static int
name_lookup(const struct name_entry *t, size_t n, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (t[i].len == len && memcmp(t[i].name, s, len) == 0)
			return t[i].id;
	return -1;
}

/* Scanner */

/*
 * A cursor over JSON text.  Every function stops at end and returns -1 on
 * text that is not JSON, so a malformed event cannot make it read past
 * its raw text.
 */
struct scan {
	const char	*p;
	const char	*end;
};

static void
sc_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/*
 * Scan the string at s->p (on its opening quote): set *body and *blen to
 * its escaped content and *esc when it holds a backslash.
 */
static int
sc_string(struct scan *s, const char **body, size_t *blen, int *esc)
{
	const char	*p = s->p + 1;
	int		 e = 0;

	for (;;) {
		while (p < s->end && *p != '"' && *p != '\\')
			p++;
		if (p >= s->end)
			return -1;
		if (*p == '"')
			break;
		e = 1;
		if (s->end - p < 2)
			return -1;
		p += 2;
	}
	*body = s->p + 1;
	*blen = p - (s->p + 1);
	*esc = e;
	s->p = p + 1;
	return 0;
}

/* Scan a number, true, false or null; set its span. */
static int
sc_token(struct scan *s, const char **tok, size_t *len)
{
	const char	*p = s->p;

	while (p < s->end && *p != ',' && *p != '}' && *p != ']' &&
	    *p != ':' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' &&
	    *p != '"' && *p != '{' && *p != '[')
		p++;
	if (p == s->p)
		return -1;
	*tok = s->p;
	*len = p - s->p;
	s->p = p;
	return 0;
}

/* Skip one value of any kind, without recursion. */
static int
sc_skip(struct scan *s)
{
	const char	*b;
	size_t		 n;
	int		 e;
	size_t		 depth = 0;

	for (;;) {
		sc_ws(s);
		if (s->p >= s->end)
			return -1;
		switch (*s->p) {
		case '"':
			if (sc_string(s, &b, &n, &e) == -1)
				return -1;
			break;
		case '{':
		case '[':
			depth++;
			s->p++;
			continue;
		case '}':
		case ']':
			if (depth == 0)
				return -1;
			depth--;
			s->p++;
			break;
		case ',':
		case ':':
			if (depth == 0)
				return -1;
			s->p++;
			continue;
		default:
			if (sc_token(s, &b, &n) == -1)
				return -1;
			break;
		}
		if (depth == 0)
			return 0;
	}
}

/* The kinds of JSON value, told by their first character. */
enum jkind {
	J_OBJECT,
	J_ARRAY,
	J_STRING,
	J_NUMBER,
	J_TRUE,
	J_FALSE,
	J_NULL,
	J_BAD
};

static enum jkind
sc_kind(const struct scan *s)
{
	size_t	left = s->end - s->p;

	if (left == 0)
		return J_BAD;
	switch (*s->p) {
	case '{':
		return J_OBJECT;
	case '[':
		return J_ARRAY;
	case '"':
		return J_STRING;
	case 't':
		return left >= 4 && memcmp(s->p, "true", 4) == 0 ? J_TRUE :
		    J_BAD;
	case 'f':
		return left >= 5 && memcmp(s->p, "false", 5) == 0 ? J_FALSE :
		    J_BAD;
	case 'n':
		return left >= 4 && memcmp(s->p, "null", 4) == 0 ? J_NULL :
		    J_BAD;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return J_NUMBER;
	default:
		return J_BAD;
	}
}

/*
 * Iterate over the members of the object at s->p.  sc_object_begin
 * consumes "{"; sc_object_next reads the next key (raw span) and the ":",
 * leaving s->p on the value, and returns 1, or 0 at the closing "}"
 * (consumed), or -1 on bad text.  *first must be 1 before the first call.
 */
static int
sc_object_begin(struct scan *s)
{
	if (s->p >= s->end || *s->p != '{')
		return -1;
	s->p++;
	return 0;
}

static int
sc_object_next(struct scan *s, int *first, const char **key, size_t *klen,
    int *kesc)
{
	sc_ws(s);
	if (s->p >= s->end)
		return -1;
	if (*s->p == '}') {
		s->p++;
		return 0;
	}
	if (!*first) {
		if (*s->p != ',')
			return -1;
		s->p++;
		sc_ws(s);
		if (s->p >= s->end)
			return -1;
	}
	*first = 0;
	if (*s->p != '"' || sc_string(s, key, klen, kesc) == -1)
		return -1;
	sc_ws(s);
	if (s->p >= s->end || *s->p != ':')
		return -1;
	s->p++;
	sc_ws(s);
	return 1;
}

/* Read the 4 hex digits at p (n bytes available), or -1. */
static long
hex4(const char *p, size_t n)
{
	long	v = 0;
	int	i, h;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = utf8_hexdigit((unsigned char)p[i])) == -1)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * Decode the escaped string body b (blen bytes) into dst, which has room
 * for blen bytes; remove U+0000 when strip is set (§4).  A lone surrogate
 * escape becomes U+FFFD, so the result is always valid UTF-8 when the
 * input is.  Return the decoded length.
 */
static size_t
str_decode(const char *b, size_t blen, int esc, int strip, char *dst)
{
	const char	*p = b, *end = b + blen, *q;
	char		*d = dst;
	long		 cp, lo;

	if (!esc) {
		memcpy(dst, b, blen);
		return blen;
	}
	while (p < end) {
		q = memchr(p, '\\', end - p);
		if (q == NULL)
			q = end;
		memcpy(d, p, q - p);
		d += q - p;
		p = q;
		if (p >= end)
			break;
		if (end - p < 2) {
			*d++ = *p++;
			break;
		}
		switch (p[1]) {
		case 'b':
			*d++ = '\b';
			break;
		case 'f':
			*d++ = '\f';
			break;
		case 'n':
			*d++ = '\n';
			break;
		case 'r':
			*d++ = '\r';
			break;
		case 't':
			*d++ = '\t';
			break;
		case 'u':
			cp = hex4(p + 2, end - p - 2);
			if (cp == -1) {
				*d++ = p[1];
				break;
			}
			p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 8 &&
			    p[2] == '\\' && p[3] == 'u' &&
			    (lo = hex4(p + 4, end - p - 4)) >= 0xdc00 &&
			    lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			if (cp == 0 && strip)
				break;
			d += utf8_encode((uint32_t)cp, d);
			break;
		default:
			*d++ = p[1];
			break;
		}
		p += 2;
	}
	return d - dst;
}

/* Decode a string body into the arena, NUL-terminated; set *len. */
static char *
str_arena(struct event_arena **ap, const char *b, size_t blen, int esc,
    int strip, size_t *len)
{
	char	*d;
	size_t	 n;

	d = arena_alloc(ap, blen + 1, 1);
	n = str_decode(b, blen, esc, strip, d);
	d[n] = '\0';
	*len = n;
	return d;
}

#define KEYBUF	32

/*
 * Decode a key into buf (KEYBUF bytes) for comparison with the known
 * names; return its length, or KEYBUF when it is longer than any of them.
 */
static size_t
key_decode(const char *b, size_t blen, int esc, char *buf)
{
	char	tmp[KEYBUF * 6];
	size_t	n;

	if (!esc) {
		if (blen >= KEYBUF)
			return KEYBUF;
		memcpy(buf, b, blen);
		return blen;
	}
	if (blen > sizeof(tmp))
		return KEYBUF;
	n = str_decode(b, blen, 1, 0, tmp);
	if (n >= KEYBUF)
		return KEYBUF;
	memcpy(buf, tmp, n);
	return n;
}

/*
 * Copy the JSON text of len bytes at src into dst without the whitespace
 * outside strings (§6); return the new length.
 */
static size_t
json_compact(const char *src, size_t len, char *dst)
{
	const char	*p = src, *end = src + len;
	char		*d = dst;

	while (p < end) {
		switch (*p) {
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			p++;
			break;
		case '"':
			*d++ = *p++;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					*d++ = *p++;
				*d++ = *p++;
			}
			if (p < end)
				*d++ = *p++;
			break;
		default:
			*d++ = *p++;
			break;
		}
	}
	return d - dst;
}

/*
 * Parse a JSON number text as a 64-bit integer (§7.4): one trailing ".0"
 * is allowed when dot0 is set.  0 and *v, or -1.
 */
static int
int_parse(const char *t, size_t n, int dot0, int64_t *v)
{
	uint64_t	 acc = 0, limit;
	size_t		 i = 0;
	int		 neg = 0, d;

	if (dot0 && n >= 2 && t[n - 2] == '.' && t[n - 1] == '0')
		n -= 2;
	if (n > 0 && t[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i >= n)
		return -1;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		d = t[i] - '0';
		if (acc > (limit - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	if (neg)
		*v = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)acc;
	else
		*v = (int64_t)acc;
	return 0;
}

/* Convert a JSON number text to a double; -1 when not finite. */
static int
float_parse(const char *t, size_t n, double *v)
{
	char	 small[64], *buf, *ep;
	double	 d;

	buf = n < sizeof(small) ? small : xmalloc(n + 1);
	memcpy(buf, t, n);
	buf[n] = '\0';
	errno = 0;
	d = strtod(buf, &ep);
	if (buf != small)
		free(buf);
	if (!isfinite(d))
		return -1;
	*v = d;
	return 0;
}

/* Readers of member values */

#define MSG_SYNTAX	"event is not valid JSON"

/* The outcome of reading one member value. */
enum rd {
	RD_VALUE,	/* a value was read */
	RD_ABSENT,	/* null, or a string that is empty */
	RD_TYPE,	/* another JSON type: the member's "not a ..." */
	RD_NOTINT,	/* a number that is not a 64-bit integer */
	RD_SYNTAX	/* not JSON */
};

/* Read a string (U+0000 removed, §4) into the arena. */
static enum rd
rd_string(struct scan *s, struct event_arena **ap, const char **out,
    size_t *len)
{
	const char	*b;
	size_t		 blen;
	int		 esc;

	switch (sc_kind(s)) {
	case J_NULL:
		s->p += 4;
		return RD_ABSENT;
	case J_STRING:
		if (sc_string(s, &b, &blen, &esc) == -1)
			return RD_SYNTAX;
		*out = str_arena(ap, b, blen, esc, 1, len);
		return *len == 0 ? RD_ABSENT : RD_VALUE;
	case J_BAD:
		return RD_SYNTAX;
	default:
		return RD_TYPE;
	}
}

/* Read a boolean. */
static enum rd
rd_bool(struct scan *s, int *v)
{
	switch (sc_kind(s)) {
	case J_NULL:
		s->p += 4;
		return RD_ABSENT;
	case J_TRUE:
		s->p += 4;
		*v = 1;
		return RD_VALUE;
	case J_FALSE:
		s->p += 5;
		*v = 0;
		return RD_VALUE;
	case J_BAD:
		return RD_SYNTAX;
	default:
		return RD_TYPE;
	}
}

/* Read a number token; *tok and *len are its text. */
static enum rd
rd_number(struct scan *s, const char **tok, size_t *len)
{
	switch (sc_kind(s)) {
	case J_NULL:
		s->p += 4;
		return RD_ABSENT;
	case J_NUMBER:
		return sc_token(s, tok, len) == -1 ? RD_SYNTAX : RD_VALUE;
	case J_BAD:
		return RD_SYNTAX;
	default:
		return RD_TYPE;
	}
}

/*
 * Read a 64-bit integer of §7.4: a number whose text, without one
 * trailing ".0", is "-"? digits in range; when strings is set, also a
 * string of the form "-"? digits (a string of another form is RD_TYPE).
 */
static enum rd
rd_int(struct scan *s, struct event_arena **ap, int strings, int64_t *v)
{
	const char	*t;
	size_t		 n, i;
	enum rd		 r;

	if (strings && sc_kind(s) == J_STRING) {
		if ((r = rd_string(s, ap, &t, &n)) != RD_VALUE)
			return r == RD_ABSENT ? RD_TYPE : r;
		i = n > 0 && t[0] == '-';
		if (i == n)
			return RD_TYPE;
		for (; i < n; i++)
			if (t[i] < '0' || t[i] > '9')
				return RD_TYPE;
		return int_parse(t, n, 0, v) == -1 ? RD_NOTINT : RD_VALUE;
	}
	if ((r = rd_number(s, &t, &n)) != RD_VALUE)
		return r;
	return int_parse(t, n, 1, v) == -1 ? RD_NOTINT : RD_VALUE;
}

/*
 * Read an object value as its compact text (§6) into the arena: RD_VALUE,
 * RD_ABSENT for null, RD_TYPE for another type.
 */
static enum rd
rd_object(struct scan *s, struct event_arena **ap, const char **out,
    size_t *len)
{
	const char	*start;
	char		*d;

	switch (sc_kind(s)) {
	case J_NULL:
		s->p += 4;
		return RD_ABSENT;
	case J_OBJECT:
		start = s->p;
		if (sc_skip(s) == -1)
			return RD_SYNTAX;
		d = arena_alloc(ap, s->p - start + 1, 1);
		*len = json_compact(start, s->p - start, d);
		d[*len] = '\0';
		*out = d;
		return RD_VALUE;
	case J_BAD:
		return RD_SYNTAX;
	default:
		return RD_TYPE;
	}
}

/* Context */

/* The locale of §7.5 for the len bytes at s, or NULL when dropped. */
static const char *
locale_normalise(const char *s, size_t len)
{
	size_t	i;

	if (len == 5) {
		for (i = 0; i < NITEMS(locales); i++)
			if (memcmp(locales[i], s, 5) == 0)
				return locales[i];
	} else if (len == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' &&
	    s[1] <= 'z') {
		for (i = 0; i < NITEMS(locales); i++)
			if (locales[i][0] == s[0] && locales[i][1] == s[1])
				return locales[i];
	}
	return NULL;
}

/* The section named by the len bytes at s, or NULL. */
static const struct section_spec *
section_lookup(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < NITEMS(section_specs); i++)
		if (section_specs[i].len == len &&
		    memcmp(section_specs[i].name, s, len) == 0)
			return &section_specs[i];
	return NULL;
}

/* The decoding of one context: its owner's arena and error. */
struct cdec {
	struct event_arena	**ap;
	const char		**errp;
};

/* Reject text that is not JSON (the request parser should prevent it). */
static int
syntax(struct cdec *d)
{
	*d->errp = MSG_SYNTAX;
	return -1;
}

/* Decode the value at s->p as section member f (§7.4). */
static int
field_decode(struct scan *s, struct cdec *d, struct event_context *c,
    enum event_field f)
{
	const struct field_spec	*fs = &field_specs[f];
	union event_value	 v;
	const char		*t;
	size_t			 n;
	char			 buf[32];
	double			 r;
	int			 keep = 1;
	enum rd			 rd;

	switch (fs->kind) {
	case EVENT_KIND_STRING:
		rd = rd_string(s, d->ap, &v.s, &n);
		if (rd == RD_TYPE)
			return fail(d->ap, d->errp,
			    "property 'context.%s.%s' is not a string",
			    fs->section, fs->member);
		break;
	case EVENT_KIND_BOOL:
		rd = rd_bool(s, &v.b);
		if (rd == RD_TYPE)
			return fail(d->ap, d->errp,
			    "property 'context.%s.%s' is not a boolean",
			    fs->section, fs->member);
		break;
	case EVENT_KIND_INT:
	case EVENT_KIND_INT64:
		rd = rd_int(s, d->ap, fs->kind == EVENT_KIND_INT64, &v.i);
		if (rd == RD_TYPE)
			return fail(d->ap, d->errp,
			    "property 'context.%s.%s' is not a number",
			    fs->section, fs->member);
		if (rd == RD_NOTINT)
			return fail(d->ap, d->errp,
			    "property 'context.%s.%s' is not a valid %s integer",
			    fs->section, fs->member,
			    fs->kind == EVENT_KIND_INT ? "16-bit" : "64-bit");
		keep = v.i != 0;
		break;
	case EVENT_KIND_FLOAT:
	case EVENT_KIND_DECIMAL:
		rd = rd_number(s, &t, &n);
		if (rd == RD_TYPE)
			return fail(d->ap, d->errp,
			    "property 'context.%s.%s' is not a number",
			    fs->section, fs->member);
		if (rd != RD_VALUE)
			break;
		if (float_parse(t, n, &v.f) == -1)
			return fail(d->ap, d->errp, "property 'context.%s.%s' "
			    "is not a valid 64-bit floating-point number",
			    fs->section, fs->member);
		if (fs->kind == EVENT_KIND_DECIMAL) {
			/* decimal(3,2): round as printf does, then bound. */
			if (fabs(v.f) >= 10)
				r = 10;
			else {
				snprintf(buf, sizeof(buf), "%.2f", v.f);
				r = strtod(buf, NULL);
			}
			if (fabs(r) >= 10)
				return fail(d->ap, d->errp, "property "
				    "'context.%s.%s' exceeds the allowed "
				    "precision of 3", fs->section, fs->member);
			v.f = r;
		}
		keep = v.f != 0;
		break;
	default:
		return syntax(d);
	}
	if (rd == RD_SYNTAX)
		return syntax(d);
	if (rd == RD_VALUE && keep) {
		c->v[f] = v;
		c->present |= BIT(f);
	}
	return 0;
}

/* Decode the section value at s->p (§7.3). */
static int
section_decode(struct scan *s, struct cdec *d, struct event_context *c,
    const struct section_spec *sec)
{
	const char	*kb;
	char		 key[KEYBUF];
	size_t		 kl, n;
	int		 first = 1, ke, r, f, found;

	switch (sc_kind(s)) {
	case J_NULL:
		s->p += 4;
		return 0;
	case J_OBJECT:
		break;
	case J_BAD:
		return syntax(d);
	default:
		return fail(d->ap, d->errp,
		    "property 'context.%s' is not a valid object", sec->name);
	}
	sc_object_begin(s);
	while ((r = sc_object_next(s, &first, &kb, &kl, &ke)) == 1) {
		n = key_decode(kb, kl, ke, key);
		found = -1;
		for (f = sec->first; f < (int)sec->last; f++)
			if (field_specs[f].input &&
			    strlen(field_specs[f].member) == n &&
			    memcmp(field_specs[f].member, key, n) == 0) {
				found = f;
				break;
			}
		if (found == -1) {
			if (sc_skip(s) == -1)
				return syntax(d);
		} else if (field_decode(s, d, c, found) == -1)
			return -1;
	}
	return r == -1 ? syntax(d) : 0;
}

static int
consent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct event_consent *)a)->purpose,
	    ((const struct event_consent *)b)->purpose);
}

/*
 * Write the purpose s into the arena for a message: '"' and '\' are
 * preceded by '\' (§7.5).
 */
static const char *
quote_purpose(struct event_arena **ap, const char *s)
{
	size_t	 n = 0, i;
	char	*q, *d;

	for (i = 0; s[i] != '\0'; i++)
		n += (s[i] == '"' || s[i] == '\\') ? 2 : 1;
	q = d = arena_alloc(ap, n + 1, 1);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '"' || s[i] == '\\')
			*d++ = '\\';
		*d++ = s[i];
	}
	*d = '\0';
	return q;
}

/*
 * Decode the consents object at s->p (§7.5) into c->consents, sorted by
 * purpose.  Purpose names lose their U+0000 like string values.
 */
static int
consents_decode(struct scan *s, struct cdec *d, struct event_context *c)
{
	struct event_consent	*list = NULL;
	const char		*kb, *purpose;
	size_t			 kl, n = 0, cap = 0, len, i, j;
	int			 first = 1, ke, r, b, ret = -1;
	enum rd			 rd;

	switch (sc_kind(s)) {
	case J_NULL:
		s->p += 4;
		return 0;
	case J_OBJECT:
		break;
	case J_BAD:
		return syntax(d);
	default:
		return fail(d->ap, d->errp,
		    "property 'context.consents' is not a valid object");
	}
	sc_object_begin(s);
	while ((r = sc_object_next(s, &first, &kb, &kl, &ke)) == 1) {
		purpose = str_arena(d->ap, kb, kl, ke, 1, &len);
		if (len == 0) {
			fail(d->ap, d->errp, "property 'context.consents' "
			    "contains an empty purpose");
			goto out;
		}
		if ((rd = rd_bool(s, &b)) != RD_VALUE) {
			if (rd == RD_SYNTAX)
				syntax(d);
			else
				fail(d->ap, d->errp, "value of \"%s\" in "
				    "'context.consents' is not a valid boolean",
				    quote_purpose(d->ap, purpose));
			goto out;
		}
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		list[n].purpose = purpose;
		list[n].granted = b;
		n++;
	}
	if (r == -1) {
		syntax(d);
		goto out;
	}
	if (n > 0) {
		qsort(list, n, sizeof(*list), consent_cmp);
		/* Purposes equal once U+0000 is removed count once. */
		for (i = 1, j = 1; i < n; i++)
			if (strcmp(list[i].purpose, list[j - 1].purpose) != 0)
				list[j++] = list[i];
		n = j;
		c->consents = arena_alloc(d->ap, n * sizeof(*list),
		    sizeof(void *));
		memcpy(c->consents, list, n * sizeof(*list));
		c->nconsents = n;
		c->present |= BIT(EVENT_CONSENTS);
	}
	ret = 0;
out:
	free(list);
	return ret;
}

/*
 * Decode the context object at s->p (§7) into c, which must be zeroed.
 * Unknown members are skipped; session is settled as §7.5 says.
 */
static int
ctx_decode(struct scan *s, struct cdec *d, struct event_context *c)
{
	const struct section_spec	*sec;
	const char			*kb, *str;
	char				 key[KEYBUF];
	size_t				 kl, n, len;
	int64_t				 sid = 0;
	int				 first = 1, ke, r, b, id;
	int				 has_sid = 0, sstart = 0;
	enum rd				 rd;
	enum event_field		 f;

	if (sc_object_begin(s) == -1)
		return syntax(d);
	while ((r = sc_object_next(s, &first, &kb, &kl, &ke)) == 1) {
		n = key_decode(kb, kl, ke, key);
		if ((sec = section_lookup(key, n)) != NULL) {
			if (section_decode(s, d, c, sec) == -1)
				return -1;
			continue;
		}
		id = name_lookup(scalar_names, NITEMS(scalar_names), key, n);
		switch (id) {
		case SCALAR_IP:
		case SCALAR_LOCALE:
		case SCALAR_TIMEZONE:
		case SCALAR_USER_AGENT:
		case SCALAR_GROUP_ID:
			rd = rd_string(s, d->ap, &str, &len);
			if (rd == RD_TYPE)
				return fail(d->ap, d->errp, "property "
				    "'context.%.*s' is not a valid string",
				    (int)n, key);
			if (rd == RD_SYNTAX)
				return syntax(d);
			if (rd != RD_VALUE || id == SCALAR_GROUP_ID)
				break;
			if (id == SCALAR_LOCALE &&
			    (str = locale_normalise(str, len)) == NULL)
				break;
			f = id == SCALAR_IP ? EVENT_IP : id == SCALAR_LOCALE ?
			    EVENT_LOCALE : id == SCALAR_TIMEZONE ?
			    EVENT_TIMEZONE : EVENT_USER_AGENT;
			c->v[f].s = str;
			c->present |= BIT(f);
			break;
		case SCALAR_DIRECT:
		case SCALAR_SESSION_START:
			rd = rd_bool(s, &b);
			if (rd == RD_TYPE)
				return fail(d->ap, d->errp, "property "
				    "'context.%.*s' is not a valid boolean",
				    (int)n, key);
			if (rd == RD_SYNTAX)
				return syntax(d);
			if (rd == RD_VALUE && id == SCALAR_SESSION_START && b)
				sstart = 1;
			break;
		case SCALAR_SESSION_ID:
			rd = rd_int(s, d->ap, 1, &sid);
			if (rd == RD_TYPE)
				return fail(d->ap, d->errp, "property "
				    "'context.sessionId' is not a valid number");
			if (rd == RD_NOTINT)
				return fail(d->ap, d->errp, "property "
				    "'context.sessionId' is not a 64-bit "
				    "integer");
			if (rd == RD_SYNTAX)
				return syntax(d);
			has_sid = rd == RD_VALUE;
			break;
		case SCALAR_TRAITS:
			rd = rd_object(s, d->ap, &c->traits, &c->traits_len);
			if (rd == RD_TYPE)
				return fail(d->ap, d->errp, "property "
				    "'context.traits' is not a valid object");
			if (rd == RD_SYNTAX)
				return syntax(d);
			break;
		case SCALAR_CONSENTS:
			if (consents_decode(s, d, c) == -1)
				return -1;
			break;
		default:
			if (sc_skip(s) == -1)
				return syntax(d);
			break;
		}
	}
	if (r == -1)
		return syntax(d);

	/* §7.5: sessionId and sessionStart true win over session. */
	if (has_sid) {
		c->v[EVENT_SESSION_ID].i = sid;
		c->present |= BIT(EVENT_SESSION_ID);
	}
	if (sstart) {
		c->v[EVENT_SESSION_START].b = 1;
		c->present |= BIT(EVENT_SESSION_START);
	}
	return 0;
}

/*
 * Merge the envelope context env into the event's context c (§7.6): each
 * member the event lacks is taken from env, consents purpose by purpose.
 * Strings are copied, so the event never points into the envelope.
 */
static void
ctx_merge(struct event_context *c, const struct event_context *env,
    struct event_arena **ap)
{
	struct event_consent	*m;
	uint64_t		 add;
	size_t			 i, j, k;
	int			 f, cmp;

	add = env->present & ~c->present & ~BIT(EVENT_CONSENTS);
	for (f = 0; add != 0; f++, add >>= 1) {
		if ((add & 1) == 0)
			continue;
		c->v[f] = env->v[f];
		if (field_specs[f].kind == EVENT_KIND_STRING)
			c->v[f].s = arena_strndup(ap, env->v[f].s,
			    strlen(env->v[f].s));
		c->present |= BIT(f);
	}
	if (c->traits == NULL && env->traits != NULL) {
		c->traits = arena_strndup(ap, env->traits, env->traits_len);
		c->traits_len = env->traits_len;
	}
	if (env->nconsents > 0) {
		/* Both lists are sorted: merge them, the event's first. */
		m = arena_alloc(ap, (c->nconsents + env->nconsents) *
		    sizeof(*m), sizeof(void *));
		for (i = j = k = 0; i < c->nconsents || j < env->nconsents; ) {
			if (i == c->nconsents)
				cmp = 1;
			else if (j == env->nconsents)
				cmp = -1;
			else
				cmp = strcmp(c->consents[i].purpose,
				    env->consents[j].purpose);
			if (cmp <= 0) {
				m[k++] = c->consents[i++];
				if (cmp == 0)
					j++;
			} else {
				m[k].purpose = arena_strndup(ap,
				    env->consents[j].purpose,
				    strlen(env->consents[j].purpose));
				m[k++].granted = env->consents[j++].granted;
			}
		}
		c->consents = m;
		c->nconsents = k;
		c->present |= BIT(EVENT_CONSENTS);
	}
}

struct event_context *
event_context_new(const char *text, size_t len, char **errp)
{
	struct event_context	*c;
	struct event_arena	*arena = NULL;
	struct scan		 s = { text, text + len };
	struct cdec		 d;
	const char		*err = NULL;

	*errp = NULL;
	sc_ws(&s);
	if (sc_kind(&s) != J_OBJECT) {
		*errp = xstrdup("property 'context' is not a valid object");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	d.ap = &arena;
	d.errp = &err;
	if (ctx_decode(&s, &d, c) == -1) {
		*errp = xstrdup(err);
		arena_free(arena);
		free(c);
		return NULL;
	}
	c->arena = arena;
	return c;
}

struct event_context *
event_context_new_json(const json_t *v, char **errp)
{
	struct event_context	*c;
	char			*text;

	if (!json_is_object(v)) {
		*errp = xstrdup("property 'context' is not a valid object");
		return NULL;
	}
	text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		*errp = xstrdup(MSG_SYNTAX);
		return NULL;
	}
	c = event_context_new(text, strlen(text), errp);
	free(text);
	return c;
}

void
event_context_free(struct event_context *c)
{
	if (c == NULL)
		return;
	arena_free(c->arena);
	free(c);
}

/* IP addresses (§10) */

struct ipaddr {
	int		 v6;
	unsigned char	 a[16];		/* IPv4 in a[0..3] */
};

/* Four decimal numbers 0-255 without leading zeros. */
static int
ip_parse4(const char *s, size_t n, unsigned char out[4])
{
	size_t		 i = 0, digits;
	unsigned	 v;
	int		 part;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
		v = 0;
		for (digits = 0; i < n && s[i] >= '0' && s[i] <= '9';
		    digits++, i++) {
			if (digits == 3 || (digits == 1 && v == 0))
				return -1;
			v = v * 10 + (s[i] - '0');
		}
		if (digits == 0 || v > 255)
			return -1;
		out[part] = (unsigned char)v;
	}
	return i == n ? 0 : -1;
}

/*
 * An IPv4 address in dotted-decimal form, or an IPv6 address in any form
 * of RFC 4291 without a zone.  IPv4-mapped addresses stay IPv6 here.
 */
static int
ip_parse(const char *s, size_t n, struct ipaddr *ip)
{
	char	buf[INET6_ADDRSTRLEN];

	memset(ip, 0, sizeof(*ip));
	if (ip_parse4(s, n, ip->a) == 0)
		return 0;
	if (n == 0 || n >= sizeof(buf) || memchr(s, '%', n) != NULL ||
	    memchr(s, ':', n) == NULL)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, ip->a) != 1)
		return -1;
	ip->v6 = 1;
	return 0;
}

/* Turn an IPv4-mapped IPv6 address into its IPv4 address. */
static void
ip_unmap(struct ipaddr *ip)
{
	static const unsigned char	prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (ip->v6 && memcmp(ip->a, prefix, 12) == 0) {
		memmove(ip->a, ip->a + 12, 4);
		memset(ip->a + 4, 0, 12);
		ip->v6 = 0;
	}
}

/* Keep the first bits bits of the address (a /bits network address). */
static void
ip_mask(struct ipaddr *ip, int bits)
{
	int	i;

	for (i = bits / 8; i < 16; i++)
		ip->a[i] = 0;
}

/*
 * The canonical text of §10: dotted decimal, or RFC 5952 (lower case, no
 * leading zeros, the first longest run of two or more zero groups as
 * "::").
 */
static size_t
ip_format(const struct ipaddr *ip, char buf[INET6_ADDRSTRLEN])
{
	unsigned	 w[8];
	int		 i, best = -1, bestlen = 0, run;
	size_t		 n = 0;

	if (!ip->v6)
		return snprintf(buf, INET6_ADDRSTRLEN, "%u.%u.%u.%u",
		    ip->a[0], ip->a[1], ip->a[2], ip->a[3]);
	for (i = 0; i < 8; i++)
		w[i] = (unsigned)ip->a[2 * i] << 8 | ip->a[2 * i + 1];
	for (i = 0; i < 8; i += run > 0 ? run : 1) {
		for (run = 0; i + run < 8 && w[i + run] == 0; run++)
			;
		if (run >= 2 && run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	for (i = 0; i < 8; ) {
		if (i == best) {
			buf[n++] = ':';
			buf[n++] = ':';
			i += bestlen;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			buf[n++] = ':';
		n += snprintf(buf + n, INET6_ADDRSTRLEN - n, "%x", w[i]);
		i++;
	}
	buf[n] = '\0';
	return n;
}

static int
ip_multicast(const struct ipaddr *ip)
{
	return ip->v6 ? ip->a[0] == 0xff : (ip->a[0] & 0xf0) == 0xe0;
}

/* The request IP of ingest.md §7.2, or -1 when unknown. */
static int
ip_request(const struct event_req *req, struct ipaddr *ip)
{
	if (req->request_ip == NULL ||
	    ip_parse(req->request_ip, strlen(req->request_ip), ip) == -1)
		return -1;
	ip_unmap(ip);
	return 0;
}

/*
 * Settle context.ip (§10, §5 step 5): check it, apply the special IPv4
 * values and the fallback to the request IP, and write it canonically.
 */
static int
ip_settle(const struct event_req *req, struct event_context *c,
    struct event_arena **ap, const char **errp)
{
	struct ipaddr	 ip;
	char		 buf[INET6_ADDRSTRLEN];
	const char	*s;
	size_t		 n;
	int		 mask = 0;

	if (!event_has(c, EVENT_IP)) {
		if (!req->ip_fallback || ip_request(req, &ip) == -1)
			return 0;
	} else {
		s = c->v[EVENT_IP].s;
		if (ip_parse(s, strlen(s), &ip) == -1) {
			*errp = "property 'ip' is not a valid IP address";
			return -1;
		}
		if (!ip.v6 && ip.a[0] == 0 && ip.a[1] == 0 && ip.a[2] == 0 &&
		    ip.a[3] == 0) {
			c->present &= ~BIT(EVENT_IP);
			return 0;
		}
		if (!ip.v6 && ip.a[0] == 255 && ip.a[1] == 255 &&
		    (ip.a[2] == 255 || ip.a[2] == 0) &&
		    (ip.a[3] == 255 || ip.a[3] == 0) &&
		    !(ip.a[2] == 0 && ip.a[3] == 255)) {
			mask = ip.a[3] == 255 ? 0 : ip.a[2] == 255 ? 1 : 2;
			if (ip_request(req, &ip) == -1) {
				c->present &= ~BIT(EVENT_IP);
				return 0;
			}
			if (mask == 1)
				ip_mask(&ip, ip.v6 ? 48 : 24);
			else if (mask == 2)
				ip_mask(&ip, ip.v6 ? 32 : 16);
		} else {
			ip_unmap(&ip);
			if (ip_multicast(&ip)) {
				*errp = "property 'ip' cannot be a multicast "
				    "IP address";
				return -1;
			}
		}
	}
	n = ip_format(&ip, buf);
	c->v[EVENT_IP].s = arena_strndup(ap, buf, n);
	c->present |= BIT(EVENT_IP);
	return 0;
}

/* Output: the JSON of §13 */

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* Make room for n more bytes. */
static void
buf_need(struct buf *b, size_t n)
{
	if (b->cap - b->len >= n)
		return;
	b->cap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n + 64;
	b->p = xreallocarray(b->p, b->cap, 1);
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	buf_need(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
buf_addc(struct buf *b, char c)
{
	buf_need(b, 1);
	b->p[b->len++] = c;
}

#define buf_lit(b, s)	buf_add((b), (s), sizeof(s) - 1)

/*
 * Write s as a JSON string with the escaping of ingest.md §1: '"' and
 * '\', the five short escapes, other controls as \u00XX in upper case,
 * everything else as itself.
 */
static void
buf_str(struct buf *b, const char *s, size_t n)
{
	buf_need(b, JSONSTR_MAX(n));
	b->len += jsonstr_quote(b->p + b->len, s, n);
}

static void
buf_cstr(struct buf *b, const char *s)
{
	buf_str(b, s, strlen(s));
}

/* A member name and its colon, preceded by a comma unless first. */
static void
buf_key(struct buf *b, int *first, const char *key)
{
	if (!*first)
		buf_addc(b, ',');
	*first = 0;
	buf_addc(b, '"');
	buf_add(b, key, strlen(key));
	buf_lit(b, "\":");
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

/* The compact consents object: members sorted by purpose. */
static void
buf_consents(struct buf *b, const struct event_context *c)
{
	size_t	i;

	buf_addc(b, '{');
	for (i = 0; i < c->nconsents; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_cstr(b, c->consents[i].purpose);
		if (c->consents[i].granted)
			buf_lit(b, ":true");
		else
			buf_lit(b, ":false");
	}
	buf_addc(b, '}');
}

/* Write the value of the present field f. */
static void
buf_field(struct buf *b, const struct event_context *c, int f)
{
	char	num[32];
	size_t	n;

	switch (field_specs[f].kind) {
	case EVENT_KIND_STRING:
		buf_cstr(b, c->v[f].s);
		break;
	case EVENT_KIND_BOOL:
		if (c->v[f].b)
			buf_lit(b, "true");
		else
			buf_lit(b, "false");
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
			buf_consents(b, c);
		break;
	}
}

/* The normalised context, members and sections in the order of §7.7. */
static void
buf_context(struct buf *b, const struct event_context *c)
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
				buf_key(b, &first, fs->member);
				buf_field(b, c, f);
			}
			continue;
		}
		for (end = f; end < EVENT_NFIELDS &&
		    field_specs[end].section == fs->section; end++)
			;
		mask = (BIT(end) - 1) & ~(BIT(f) - 1);
		if ((c->present & mask) == 0)
			continue;
		buf_key(b, &first, fs->section);
		buf_addc(b, '{');
		sfirst = 1;
		for (g = f; g < end; g++) {
			if (!event_has(c, g))
				continue;
			buf_key(b, &sfirst, field_specs[g].member);
			buf_field(b, c, g);
		}
		buf_addc(b, '}');
	}
	buf_addc(b, '}');
}

static void
buf_opt(struct buf *b, int *first, const char *key, const char *v)
{
	if (v == NULL)
		return;
	buf_key(b, first, key);
	buf_cstr(b, v);
}

/* Write the whole normalised event (§13) into ev->text. */
static void
event_write(struct event *ev, size_t hint)
{
	struct buf	b = { NULL, 0, 0 };
	int		first = 1;

	buf_need(&b, hint);
	buf_addc(&b, '{');
	buf_opt(&b, &first, "connectionId", ev->connection_id);
	buf_opt(&b, &first, "anonymousId", ev->anonymous_id);
	buf_opt(&b, &first, "channel", ev->channel);
	buf_opt(&b, &first, "category", ev->category);
	if (ev->has_context) {
		buf_key(&b, &first, "context");
		buf_context(&b, &ev->ctx);
	}
	buf_opt(&b, &first, "event", ev->event);
	buf_opt(&b, &first, "groupId", ev->group_id);
	buf_opt(&b, &first, "messageId", ev->message_id);
	buf_opt(&b, &first, "name", ev->name);
	if (ev->properties != NULL) {
		buf_key(&b, &first, "properties");
		buf_add(&b, ev->properties, ev->properties_len);
	}
	buf_opt(&b, &first, "receivedAt", ev->received_at_text);
	buf_opt(&b, &first, "sentAt", ev->sent_at_text);
	buf_opt(&b, &first, "originalTimestamp", ev->original_timestamp_text);
	buf_opt(&b, &first, "timestamp", ev->timestamp_text);
	buf_key(&b, &first, "traits");
	buf_add(&b, ev->traits, ev->traits_len);
	buf_opt(&b, &first, "type", type_names[ev->type]);
	buf_opt(&b, &first, "previousId", ev->previous_id);
	buf_opt(&b, &first, "userId", ev->user_id);
	buf_addc(&b, '}');
	buf_addc(&b, '\0');
	ev->text = b.p;
	ev->text_len = b.len - 1;
}

const char *
event_text(struct event *ev, size_t *len)
{
	if (ev->error != NULL)
		return NULL;
	if (ev->text == NULL)
		event_write(ev, 1024);
	if (len != NULL)
		*len = ev->text_len;
	return ev->text;
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
	free(ev->text);
	if (ev->json != NULL)
		json_decref(ev->json);
	event_init(ev);
}

/* The article-bearing phrase of §1: "a track event", "an identify event". */
static int
fail_type(struct event *ev, const char *fmt, enum event_type t)
{
	return fail(&ev->arena, &ev->error, fmt, type_names[t]);
}

/* The raw messageId of the object text (ingest.md §9), in the arena. */
static const char *
raw_message_id(const char *raw, size_t len, struct event_arena **ap)
{
	struct scan	 s = { raw, raw + len };
	const char	*kb, *id;
	char		 key[KEYBUF];
	size_t		 kl, n;
	int		 first = 1, ke;

	sc_ws(&s);
	if (sc_object_begin(&s) == -1)
		return NULL;
	while (sc_object_next(&s, &first, &kb, &kl, &ke) == 1) {
		n = key_decode(kb, kl, ke, key);
		if (n == 9 && memcmp(key, "messageId", 9) == 0)
			return rd_string(&s, ap, &id, &n) == RD_VALUE ? id :
			    NULL;
		if (sc_skip(&s) == -1)
			return NULL;
	}
	return NULL;
}

char *
event_raw_message_id(const char *raw, size_t len)
{
	struct event_arena	*arena = NULL;
	const char		*id;
	char			*copy = NULL;

	if ((id = raw_message_id(raw, len, &arena)) != NULL)
		copy = xstrdup(id);
	arena_free(arena);
	return copy;
}

/* Canonical browser and OS names of §8.1, ASCII case-insensitive. */
static const char *
canon_lookup(const struct canon *t, size_t n, const char *s)
{
	size_t	i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; t[i].lower[j] != '\0'; j++)
			if ((s[j] >= 'A' && s[j] <= 'Z' ? s[j] + 32 : s[j]) !=
			    t[i].lower[j])
				break;
		if (t[i].lower[j] == '\0' && s[j] == '\0')
			return t[i].name;
	}
	return NULL;
}

/* §5 step 4: browser and OS names (§8.1), then the user agent (§8.2). */
static void
browser_os(struct event_context *c, struct event_arena **ap)
{
	const uint64_t	 bmask = BIT(EVENT_BROWSER_NAME) |
			    BIT(EVENT_BROWSER_OTHER) |
			    BIT(EVENT_BROWSER_VERSION);
	const uint64_t	 omask = BIT(EVENT_OS_NAME) | BIT(EVENT_OS_OTHER) |
			    BIT(EVENT_OS_VERSION);
	struct useragent ua;
	const char	*name, *s;

	if (event_has(c, EVENT_BROWSER_NAME)) {
		s = c->v[EVENT_BROWSER_NAME].s;
		name = canon_lookup(browser_canon, NITEMS(browser_canon), s);
		if (name == NULL) {
			name = "Other";
			c->v[EVENT_BROWSER_OTHER].s = s;
			c->present |= BIT(EVENT_BROWSER_OTHER);
		}
		c->v[EVENT_BROWSER_NAME].s = name;
	}
	if (event_has(c, EVENT_OS_NAME)) {
		s = c->v[EVENT_OS_NAME].s;
		name = canon_lookup(os_canon, NITEMS(os_canon), s);
		if (name == NULL) {
			name = "Other";
			c->v[EVENT_OS_OTHER].s = s;
			c->present |= BIT(EVENT_OS_OTHER);
		}
		c->v[EVENT_OS_NAME].s = name;
	}
	if (!event_has(c, EVENT_USER_AGENT) ||
	    ((c->present & bmask) != 0 && (c->present & omask) != 0))
		return;
	s = c->v[EVENT_USER_AGENT].s;
	useragent_parse(s, strlen(s), &ua);
	if ((c->present & bmask) == 0) {
		c->v[EVENT_BROWSER_NAME].s = ua.browser;
		c->present |= BIT(EVENT_BROWSER_NAME);
		if (ua.browser_version[0] != '\0') {
			c->v[EVENT_BROWSER_VERSION].s = arena_strndup(ap,
			    ua.browser_version, strlen(ua.browser_version));
			c->present |= BIT(EVENT_BROWSER_VERSION);
		}
	}
	if ((c->present & omask) == 0) {
		c->v[EVENT_OS_NAME].s = ua.os;
		c->present |= BIT(EVENT_OS_NAME);
		if (ua.os_version[0] != '\0') {
			c->v[EVENT_OS_VERSION].s = arena_strndup(ap,
			    ua.os_version, strlen(ua.os_version));
			c->present |= BIT(EVENT_OS_VERSION);
		}
	}
}

/* §9: the screen ranges, after the merge. */
static int
screen_check(struct event *ev)
{
	const struct event_context	*c = &ev->ctx;

	if (event_has(c, EVENT_SCREEN_WIDTH) &&
	    (c->v[EVENT_SCREEN_WIDTH].i < 1 ||
	    c->v[EVENT_SCREEN_WIDTH].i > 32767)) {
		ev->error = "screen width value is outside the allowed range "
		    "[1, 32767]";
		return -1;
	}
	if (event_has(c, EVENT_SCREEN_HEIGHT) &&
	    (c->v[EVENT_SCREEN_HEIGHT].i < 1 ||
	    c->v[EVENT_SCREEN_HEIGHT].i > 32767)) {
		ev->error = "screen height value is outside the allowed range "
		    "[1, 32767]";
		return -1;
	}
	if (event_has(c, EVENT_SCREEN_DENSITY) &&
	    !(c->v[EVENT_SCREEN_DENSITY].f > 0)) {
		ev->error = "screen density value must be a positive number";
		return -1;
	}
	return 0;
}

/* The top-level values collected by the member pass. */
struct top {
	const char	*str[MEMBER_PREVIOUS_ID + 1];
	int		 type;
	int		 has[3];	/* originalTimestamp timestamp sentAt */
	int64_t		 ms[3];
	const char	*properties;
	size_t		 properties_len;
	const char	*traits;
	size_t		 traits_len;
};

/* The member pass of §4 over the object at s->p. */
static int
member_pass(struct scan *s, struct event *ev, struct top *t)
{
	struct cdec		 d = { &ev->arena, &ev->error };
	const struct name_entry	*m;
	const char		*kb, *str;
	char			 key[KEYBUF];
	size_t			 kl, n, len;
	int			 first = 1, ke, r, id, ti;
	enum rd			 rd;
	enum timestamp_error	 te;

	sc_object_begin(s);
	while ((r = sc_object_next(s, &first, &kb, &kl, &ke)) == 1) {
		n = key_decode(kb, kl, ke, key);
		id = name_lookup(member_names, NITEMS(member_names), key, n);
		if (id == -1) {
			if (sc_skip(s) == -1)
				return syntax(&d);
			continue;
		}
		m = &member_names[id];
		switch (id) {
		case MEMBER_PROPERTIES:
		case MEMBER_TRAITS:
			rd = id == MEMBER_PROPERTIES ?
			    rd_object(s, &ev->arena, &t->properties,
			    &t->properties_len) :
			    rd_object(s, &ev->arena, &t->traits,
			    &t->traits_len);
			if (rd == RD_TYPE)
				return fail(&ev->arena, &ev->error,
				    "property '%s' is not a valid object",
				    m->name);
			break;
		case MEMBER_CONTEXT:
			switch (sc_kind(s)) {
			case J_NULL:
				s->p += 4;
				rd = RD_ABSENT;
				break;
			case J_OBJECT:
				if (ctx_decode(s, &d, &ev->ctx) == -1)
					return -1;
				rd = RD_VALUE;
				break;
			case J_BAD:
				rd = RD_SYNTAX;
				break;
			default:
				ev->error = "property 'context' is not an "
				    "valid object";
				return -1;
			}
			break;
		default:
			rd = rd_string(s, &ev->arena, &str, &len);
			if (rd == RD_TYPE)
				return fail(&ev->arena, &ev->error,
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
				if (t->type == -1)
					return fail(&ev->arena, &ev->error,
					    "property 'type' is not a valid "
					    "event type");
				break;
			}
			ti = id - MEMBER_ORIGINAL_TIMESTAMP;
			te = timestamp_parse(str, len, &t->ms[ti]);
			if (te == TIMESTAMP_INVALID)
				return fail(&ev->arena, &ev->error,
				    "property '%s' is not a valid ISO 8601 "
				    "timestamp", m->name);
			if (te != TIMESTAMP_OK)
				return fail(&ev->arena, &ev->error,
				    "property '%s' has an invalid year value",
				    m->name);
			t->has[ti] = 1;
			break;
		}
		if (rd == RD_SYNTAX)
			return syntax(&d);
	}
	return r == -1 ? syntax(&d) : 0;
}

/* The cross-field checks of §5, in their order; ev->type is set. */
static int
cross_checks(const struct event_req *req, struct event *ev, struct top *t)
{
	enum event_type	 type = ev->type;
	int		 pagelike = type == EVENT_PAGE || type == EVENT_SCREEN;

	/* 2. Ids. */
	if (t->str[MEMBER_ANONYMOUS_ID] == NULL &&
	    t->str[MEMBER_USER_ID] == NULL) {
		if (type == EVENT_IDENTIFY || type == EVENT_ALIAS)
			return fail_type(ev, "property 'userId' is required "
			    "for an %s event", type);
		return fail_type(ev, "either 'anonymousId' or 'userId' "
		    "properties are required for a %s event", type);
	}
	/* 3. category. */
	if (t->str[MEMBER_CATEGORY] != NULL && !pagelike)
		return fail_type(ev, "property 'category' is not permitted "
		    "for a %s event", type);
	/* 4. Browser and OS; 5. IP; 6. Screen. */
	browser_os(&ev->ctx, &ev->arena);
	if (ip_settle(req, &ev->ctx, &ev->arena, &ev->error) == -1)
		return -1;
	if (screen_check(ev) == -1)
		return -1;
	/* 7. event. */
	if (type == EVENT_TRACK && t->str[MEMBER_EVENT] == NULL)
		return fail_type(ev, "property 'event' is required for a %s "
		    "event", type);
	if (type != EVENT_TRACK && t->str[MEMBER_EVENT] != NULL)
		return fail_type(ev, "property 'event' is not permitted for "
		    "a %s event", type);
	/* 8. groupId. */
	if (type == EVENT_GROUP && t->str[MEMBER_GROUP_ID] == NULL)
		return fail_type(ev, "property 'groupId' is required for a "
		    "%s event", type);
	if (type != EVENT_GROUP && t->str[MEMBER_GROUP_ID] != NULL)
		return fail_type(ev, "property 'groupId' is not permitted "
		    "for a %s event", type);
	/* 9. messageId is generated at the end. 10. name. */
	if (t->str[MEMBER_NAME] != NULL && !pagelike)
		return fail_type(ev, "property 'name' is not permitted for "
		    "a %s event", type);
	/* 11. previousId. */
	if (type == EVENT_ALIAS && t->str[MEMBER_PREVIOUS_ID] == NULL)
		return fail_type(ev, "property 'previousId' is required for "
		    "an %s event", type);
	if (type != EVENT_ALIAS && t->str[MEMBER_PREVIOUS_ID] != NULL)
		return fail_type(ev, "property 'previousId' is not permitted "
		    "for a %s event", type);
	/* 12. properties. */
	if (type == EVENT_TRACK || pagelike) {
		if (t->properties == NULL) {
			t->properties = "{}";
			t->properties_len = 2;
		}
	} else if (t->properties != NULL)
		return fail_type(ev, "property 'properties' is not permitted "
		    "for a %s event", type);
	/* 13. Timestamps are settled at the end.  14. traits. */
	if (type == EVENT_IDENTIFY || type == EVENT_GROUP) {
		if (t->traits == NULL) {
			t->traits = "{}";
			t->traits_len = 2;
		}
	} else {
		if (t->traits != NULL)
			return fail_type(ev, "property 'traits' must be "
			    "specified as 'context.traits' for a %s event",
			    type);
		t->traits = ev->ctx.traits != NULL ? ev->ctx.traits : "{}";
		t->traits_len = ev->ctx.traits != NULL ?
		    ev->ctx.traits_len : 2;
	}
	return 0;
}

/* §11.3: receivedAt, sentAt, originalTimestamp, timestamp. */
static void
timestamps(const struct event_req *req, struct event *ev,
    const struct top *t)
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
	struct buf	b = { NULL, 0, 0 };

	if (!event_has(&ev->ctx, EVENT_CONSENTS))
		return;
	buf_consents(&b, &ev->ctx);
	ev->ctx.consents_json = arena_strndup(&ev->arena, b.p, b.len);
	free(b.p);
}

/*
 * Decode the text (len bytes) of an event whose raw text is sizelen bytes
 * long.
 */
static int
decode(const struct event_req *req, const char *text, size_t len,
    size_t sizelen, struct event *ev)
{
	static const char *const kinds[] = {
		"object", "array", "string", "number", "true", "false", "null"
	};
	struct scan	 s = { text, text + len };
	struct top	 t;
	enum jkind	 k;
	char		 uuid[IDS_UUID_LEN + 1];
	char		*p;

	event_init(ev);
	memset(&t, 0, sizeof(t));
	t.type = -1;
	ev->arena = arena_new(len + ARENA_MIN);
	ev->received_at = req->received_at;
	timestamp_format(req->received_at, ev->received_at_text);
	ev->connection_id = req->source_id != NULL ? req->source_id : "";

	/* §2: raw checks. */
	if (req->max_event_bytes > 0 && sizelen > req->max_event_bytes) {
		fail(&ev->arena, &ev->error, "event exceeds the maximum size "
		    "of %zu bytes", req->max_event_bytes);
		goto rejected;
	}
	sc_ws(&s);
	if ((k = sc_kind(&s)) != J_OBJECT) {
		if (k == J_BAD)
			ev->error = MSG_SYNTAX;
		else
			fail(&ev->arena, &ev->error, "expected an object for "
			    "the event, but found %s instead", kinds[k]);
		goto rejected;
	}

	/* §4 and §7: the member pass; §7.6: the merge. */
	if (member_pass(&s, ev, &t) == -1)
		goto rejected;
	if (req->context != NULL)
		ctx_merge(&ev->ctx, req->context, &ev->arena);

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
	if (cross_checks(req, ev, &t) == -1)
		goto rejected;

	/* §12 and §11.3: server-set and generated fields. */
	ev->connection_id = arena_strndup(&ev->arena, ev->connection_id,
	    strlen(ev->connection_id));
	ev->anonymous_id = t.str[MEMBER_ANONYMOUS_ID];
	if (ev->anonymous_id == NULL) {
		ids_new_uuid(uuid);
		ev->anonymous_id = arena_strndup(&ev->arena, uuid,
		    IDS_UUID_LEN);
	}
	ev->message_id = t.str[MEMBER_MESSAGE_ID];
	if (ev->message_id == NULL) {
		ids_new_uuid(uuid);
		p = arena_alloc(&ev->arena, 9 + IDS_UUID_LEN + 1, 1);
		memcpy(p, "krenalis-", 9);
		memcpy(p + 9, uuid, IDS_UUID_LEN + 1);
		ev->message_id = p;
	}
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

/* The jansson form */

/* A jansson number for the JSON number text t (clamped, see event.h). */
static json_t *
json_number(const char *t, size_t n)
{
	int64_t	i;
	double	d;

	if (memchr(t, '.', n) == NULL && memchr(t, 'e', n) == NULL &&
	    memchr(t, 'E', n) == NULL && int_parse(t, n, 0, &i) == 0)
		return json_integer(i);
	if (float_parse(t, n, &d) == -1)
		d = t[0] == '-' ? -DBL_MAX : DBL_MAX;
	return json_real(d);
}

/* A jansson string for the escaped string body b, U+0000 kept. */
static json_t *
json_strbody(const char *b, size_t blen, int esc, char **tmp, size_t *cap)
{
	size_t	n;

	if (*cap < blen + 1) {
		*cap = blen + 64;
		*tmp = xreallocarray(*tmp, *cap, 1);
	}
	n = str_decode(b, blen, esc, 0, *tmp);
	return json_stringn_nocheck(*tmp, n);
}

/*
 * Build the jansson value of the JSON text t (n bytes), iteratively so
 * that any nesting depth is safe.  NULL on bad text.
 */
static json_t *
json_build(const char *t, size_t n)
{
	struct scan	  s = { t, t + n };
	json_t		**stack = NULL, *root = NULL, *v, *top;
	char		 *tmp = NULL, *key = NULL;
	const char	 *b;
	size_t		  depth = 0, cap = 0, tmpcap = 0, keycap = 0;
	size_t		  blen, klen = 0;
	int		  esc;

	for (;;) {
		/* At a value; when top is an object, key holds its name. */
		sc_ws(&s);
		switch (sc_kind(&s)) {
		case J_OBJECT:
			v = json_object();
			break;
		case J_ARRAY:
			v = json_array();
			break;
		case J_STRING:
			if (sc_string(&s, &b, &blen, &esc) == -1)
				goto bad;
			v = json_strbody(b, blen, esc, &tmp, &tmpcap);
			break;
		case J_NUMBER:
			if (sc_token(&s, &b, &blen) == -1)
				goto bad;
			v = json_number(b, blen);
			break;
		case J_TRUE:
			s.p += 4;
			v = json_true();
			break;
		case J_FALSE:
			s.p += 5;
			v = json_false();
			break;
		case J_NULL:
			s.p += 4;
			v = json_null();
			break;
		default:
			goto bad;
		}
		if (v == NULL)
			goto bad;
		if (depth == 0)
			root = v;
		else if (json_is_object(stack[depth - 1]))
			json_object_setn_new_nocheck(stack[depth - 1], key,
			    klen, v);
		else
			json_array_append_new(stack[depth - 1], v);
		if (json_is_object(v) || json_is_array(v)) {
			if (depth == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				stack = xreallocarray(stack, cap,
				    sizeof(*stack));
			}
			stack[depth++] = v;
			s.p++;
			sc_ws(&s);
			if (s.p < s.end && (*s.p == '}' || *s.p == ']')) {
				s.p++;
				depth--;
			} else if (json_is_object(v))
				goto key;
			else
				continue;
		}
		/* After a value: close containers, find the next value. */
		for (;;) {
			sc_ws(&s);
			if (depth == 0)
				goto done;
			if (s.p >= s.end)
				goto bad;
			top = stack[depth - 1];
			if (*s.p == '}' || *s.p == ']') {
				s.p++;
				depth--;
				continue;
			}
			if (*s.p != ',')
				goto bad;
			s.p++;
			sc_ws(&s);
			if (json_is_object(top))
				goto key;
			break;
		}
		continue;
key:
		if (s.p >= s.end || *s.p != '"' ||
		    sc_string(&s, &b, &blen, &esc) == -1)
			goto bad;
		if (keycap < blen + 1) {
			keycap = blen + 64;
			key = xreallocarray(key, keycap, 1);
		}
		klen = str_decode(b, blen, esc, 0, key);
		sc_ws(&s);
		if (s.p >= s.end || *s.p != ':')
			goto bad;
		s.p++;
	}
bad:
	if (root != NULL)
		json_decref(root);
	root = NULL;
done:
	free(stack);
	free(tmp);
	free(key);
	return root;
}

/* The jansson value of the present field f. */
static json_t *
json_field(const struct event_context *c, int f)
{
	json_t	*o;
	char	 num[32];
	size_t	 i;

	switch (field_specs[f].kind) {
	case EVENT_KIND_STRING:
		return json_string_nocheck(c->v[f].s);
	case EVENT_KIND_BOOL:
		return json_boolean(c->v[f].b);
	case EVENT_KIND_INT:
		return json_integer(c->v[f].i);
	case EVENT_KIND_INT64:
		snprintf(num, sizeof(num), "%lld", (long long)c->v[f].i);
		return json_string_nocheck(num);
	case EVENT_KIND_FLOAT:
	case EVENT_KIND_DECIMAL:
		return json_real(c->v[f].f);
	case EVENT_KIND_CONSENTS:
		o = json_object();
		for (i = 0; i < c->nconsents; i++)
			json_object_set_new_nocheck(o,
			    c->consents[i].purpose,
			    json_boolean(c->consents[i].granted));
		return o;
	}
	return json_null();
}

static void
json_opt(json_t *o, const char *key, const char *v)
{
	if (v != NULL)
		json_object_set_new_nocheck(o, key, json_string_nocheck(v));
}

json_t *
event_json(struct event *ev)
{
	const struct event_context	*c = &ev->ctx;
	const struct field_spec		*fs;
	json_t				*o, *ctx, *sec;
	int				 f, g, end;

	if (ev->error != NULL)
		return NULL;
	if (ev->json != NULL)
		return ev->json;
	o = json_object();
	json_opt(o, "connectionId", ev->connection_id);
	json_opt(o, "anonymousId", ev->anonymous_id);
	json_opt(o, "channel", ev->channel);
	json_opt(o, "category", ev->category);
	if (ev->has_context) {
		ctx = json_object();
		for (f = 0; f < EVENT_NFIELDS; f = end) {
			fs = &field_specs[f];
			if (fs->section == NULL) {
				end = f + 1;
				if (event_has(c, f))
					json_object_set_new_nocheck(ctx,
					    fs->member, json_field(c, f));
				continue;
			}
			sec = NULL;
			for (end = f; end < EVENT_NFIELDS &&
			    field_specs[end].section == fs->section; end++)
				;
			for (g = f; g < end; g++) {
				if (!event_has(c, g))
					continue;
				if (sec == NULL)
					sec = json_object();
				json_object_set_new_nocheck(sec,
				    field_specs[g].member, json_field(c, g));
			}
			if (sec != NULL)
				json_object_set_new_nocheck(ctx, fs->section,
				    sec);
		}
		json_object_set_new_nocheck(o, "context", ctx);
	}
	json_opt(o, "event", ev->event);
	json_opt(o, "groupId", ev->group_id);
	json_opt(o, "messageId", ev->message_id);
	json_opt(o, "name", ev->name);
	if (ev->properties != NULL)
		json_object_set_new_nocheck(o, "properties",
		    json_build(ev->properties, ev->properties_len));
	json_opt(o, "receivedAt", ev->received_at_text);
	json_opt(o, "sentAt", ev->sent_at_text);
	json_opt(o, "originalTimestamp", ev->original_timestamp_text);
	json_opt(o, "timestamp", ev->timestamp_text);
	json_object_set_new_nocheck(o, "traits",
	    json_build(ev->traits, ev->traits_len));
	json_opt(o, "type", type_names[ev->type]);
	json_opt(o, "previousId", ev->previous_id);
	json_opt(o, "userId", ev->user_id);
	ev->json = o;
	return o;
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
	col_text(c, s, s != NULL ? strlen(s) : 0);
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
		col_str(c, ctx->v[f].s);
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
	col_str(c++, ev->connection_id);
	col_str(c++, ev->anonymous_id);
	col_str(c++, ev->channel);
	col_str(c++, ev->category);
	for (f = 0; f < EVENT_NFIELDS; f++)
		col_field(c++, &ev->ctx, f);
	col_str(c++, ev->event);
	col_str(c++, ev->group_id);
	col_str(c++, ev->message_id);
	col_str(c++, ev->name);
	col_text(c++, ev->properties, ev->properties_len);
	col_str(c++, ev->received_at_text);
	col_str(c++, ev->sent_at_text);
	col_str(c++, ev->timestamp_text);
	col_text(c++, ev->traits, ev->traits_len);
	col_str(c++, type_names[ev->type]);
	col_str(c++, ev->previous_id);
	col_str(c, ev->user_id);
}
