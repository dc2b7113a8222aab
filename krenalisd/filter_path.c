/*
 * Property paths of filters (spec/filters.md §2): their syntax (§2.1),
 * shared by the text and the JSON forms, their canonical text (§2.4) and
 * the event schema they resolve against (§2.2, §2.3), which says where
 * a decoded event (event.h) keeps each property.  Only filter_value.c is
 * called from here.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xmalloc.h"

#include "event.h"
#include "filter_priv.h"

#define E_PATH		"expected a property path"
#define E_BADPATH	"invalid property path"

/*
 * The event schema of §2.3, each property with where a decoded event
 * keeps it (src and at of struct filter_field).
 */
struct schema {
	const char		*name;
	enum filter_kind	 kind;
	int			 ro;		/* read-optional */
	const char *const	*enums;	/* FK_ENUM, NULL-terminated */
	const struct schema	*members;	/* FK_OBJECT, up to name NULL */
	enum filter_src		 src;
	size_t			 at;
};

/* A member of struct event. */
#define S_EV(n, k, ro, src, m)	{ n, k, ro, NULL, NULL, src, \
				    offsetof(struct event, m) }
#define S_EVSTR(n, m)		S_EV(n, FK_STRING, 1, FSRC_STRING, m)
#define S_EVTIME(n, m)		S_EV(n, FK_DATETIME, 0, FSRC_TIME, m)
/* A field of the context, and a section of them. */
#define S_FIELD(n, k, f)	{ n, k, 1, NULL, NULL, FSRC_FIELD, f }
#define S_ENUM(n, e, f)		{ n, FK_ENUM, 1, e, NULL, FSRC_FIELD, f }
#define S_STR(n, f)		S_FIELD(n, FK_STRING, f)
#define S_BOOL(n, f)		S_FIELD(n, FK_BOOLEAN, f)
#define S_SECTION(n, m)		{ n, FK_OBJECT, 1, NULL, m, FSRC_SECTION, 0 }
#define S_END			{ NULL, FK_STRING, 0, NULL, NULL, 0, 0 }

static const char *const type_values[] = {
	"alias", "identify", "group", "page", "screen", "track", NULL
};
static const char *const browser_values[] = {
	"Chrome", "Safari", "Edge", "Firefox", "Samsung Internet", "Opera",
	"Other", NULL
};
static const char *const os_values[] = {
	"Android", "Windows", "iOS", "macOS", "Linux", "Chrome OS", "Other",
	NULL
};

static const struct schema s_app[] = {
	S_STR("name", EVENT_APP_NAME), S_STR("version", EVENT_APP_VERSION),
	S_STR("build", EVENT_APP_BUILD),
	S_STR("namespace", EVENT_APP_NAMESPACE), S_END
};
static const struct schema s_browser[] = {
	S_ENUM("name", browser_values, EVENT_BROWSER_NAME),
	S_STR("other", EVENT_BROWSER_OTHER),
	S_STR("version", EVENT_BROWSER_VERSION), S_END
};
static const struct schema s_campaign[] = {
	S_STR("name", EVENT_CAMPAIGN_NAME),
	S_STR("source", EVENT_CAMPAIGN_SOURCE),
	S_STR("medium", EVENT_CAMPAIGN_MEDIUM),
	S_STR("term", EVENT_CAMPAIGN_TERM),
	S_STR("content", EVENT_CAMPAIGN_CONTENT), S_END
};
static const struct schema s_device[] = {
	S_STR("id", EVENT_DEVICE_ID),
	S_STR("advertisingId", EVENT_DEVICE_ADVERTISING_ID),
	S_BOOL("adTrackingEnabled", EVENT_DEVICE_AD_TRACKING_ENABLED),
	S_STR("manufacturer", EVENT_DEVICE_MANUFACTURER),
	S_STR("model", EVENT_DEVICE_MODEL), S_STR("name", EVENT_DEVICE_NAME),
	S_STR("type", EVENT_DEVICE_TYPE), S_STR("token", EVENT_DEVICE_TOKEN),
	S_END
};
static const struct schema s_library[] = {
	S_STR("name", EVENT_LIBRARY_NAME),
	S_STR("version", EVENT_LIBRARY_VERSION), S_END
};
static const struct schema s_location[] = {
	S_STR("city", EVENT_LOCATION_CITY),
	S_STR("country", EVENT_LOCATION_COUNTRY),
	S_FIELD("latitude", FK_FLOAT, EVENT_LOCATION_LATITUDE),
	S_FIELD("longitude", FK_FLOAT, EVENT_LOCATION_LONGITUDE),
	S_FIELD("speed", FK_FLOAT, EVENT_LOCATION_SPEED),
	S_END
};
static const struct schema s_network[] = {
	S_BOOL("bluetooth", EVENT_NETWORK_BLUETOOTH),
	S_STR("carrier", EVENT_NETWORK_CARRIER),
	S_BOOL("cellular", EVENT_NETWORK_CELLULAR),
	S_BOOL("wifi", EVENT_NETWORK_WIFI), S_END
};
static const struct schema s_os[] = {
	S_ENUM("name", os_values, EVENT_OS_NAME),
	S_STR("other", EVENT_OS_OTHER), S_STR("version", EVENT_OS_VERSION),
	S_END
};
static const struct schema s_page[] = {
	S_STR("path", EVENT_PAGE_PATH), S_STR("referrer", EVENT_PAGE_REFERRER),
	S_STR("search", EVENT_PAGE_SEARCH), S_STR("title", EVENT_PAGE_TITLE),
	S_STR("url", EVENT_PAGE_URL), S_END
};
static const struct schema s_referrer[] = {
	S_STR("id", EVENT_REFERRER_ID), S_STR("type", EVENT_REFERRER_TYPE),
	S_END
};
static const struct schema s_screen[] = {
	S_FIELD("width", FK_INT, EVENT_SCREEN_WIDTH),
	S_FIELD("height", FK_INT, EVENT_SCREEN_HEIGHT),
	S_FIELD("density", FK_DECIMAL, EVENT_SCREEN_DENSITY),
	S_END
};
static const struct schema s_session[] = {
	S_FIELD("id", FK_INT, EVENT_SESSION_ID),
	S_BOOL("start", EVENT_SESSION_START), S_END
};
static const struct schema s_context[] = {
	S_SECTION("app", s_app),
	S_SECTION("browser", s_browser),
	S_SECTION("campaign", s_campaign),
	S_FIELD("consents", FK_MAP, EVENT_CONSENTS),
	S_SECTION("device", s_device),
	S_FIELD("ip", FK_IP, EVENT_IP),
	S_SECTION("library", s_library),
	S_STR("locale", EVENT_LOCALE),
	S_SECTION("location", s_location),
	S_SECTION("network", s_network),
	S_SECTION("os", s_os),
	S_SECTION("page", s_page),
	S_SECTION("referrer", s_referrer),
	S_SECTION("screen", s_screen),
	S_SECTION("session", s_session),
	S_STR("timezone", EVENT_TIMEZONE),
	S_STR("userAgent", EVENT_USER_AGENT),
	S_END
};
static const struct schema s_event[] = {
	S_EV("connectionId", FK_STRING, 0, FSRC_STRING, connection_id),
	S_EV("anonymousId", FK_STRING, 0, FSRC_STRING, anonymous_id),
	S_EV("messageId", FK_STRING, 0, FSRC_STRING, message_id),
	{ "type", FK_ENUM, 0, type_values, NULL, FSRC_TYPE, 0 },
	S_EVSTR("channel", channel), S_EVSTR("category", category),
	S_EVSTR("event", event), S_EVSTR("groupId", group_id),
	S_EVSTR("name", name), S_EVSTR("previousId", previous_id),
	S_EVSTR("userId", user_id),
	S_EVTIME("receivedAt", received_at),
	S_EVTIME("sentAt", sent_at),
	S_EVTIME("originalTimestamp", original_timestamp),
	S_EVTIME("timestamp", timestamp),
	{ "properties", FK_JSON, 1, NULL, NULL, FSRC_PROPERTIES, 0 },
	{ "traits", FK_JSON, 0, NULL, NULL, FSRC_TRAITS, 0 },
	{ "context", FK_OBJECT, 1, NULL, s_context, FSRC_CONTEXT, 0 },
	S_END
};

/* Whether c may start a name of §2.1: [A-Za-z_]. */
static int
is_name_start(int c)
{
	return filter_isalpha(c) || c == '_';
}

/* Whether s is a "name" of §2.1: [A-Za-z_][A-Za-z0-9_]*. */
static int
is_name(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || !is_name_start((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!filter_isword((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Append a key to a path. */
static void
seg_add(struct filter_path *path, char *seg)
{
	path->segs = xreallocarray(path->segs, path->nsegs + 1,
	    sizeof(*path->segs));
	path->segs[path->nsegs++] = seg;
}

/*
 * A path is a name followed by ".name" and "[string]" selectors; a
 * selector's string is not empty.
 */
int
filter_path_scan(const char *s, size_t len, size_t *pos,
    struct filter_path *path, size_t *errpos, const char **why)
{
	struct buf		 key;
	size_t			 i = *pos, start, open;

	buf_init(&key);
	memset(path, 0, sizeof(*path));
	if (i >= len || !is_name_start((unsigned char)s[i])) {
		*errpos = i;
		*why = E_PATH;
		return -1;
	}
	for (;;) {
		start = i;
		while (i < len && filter_isword((unsigned char)s[i]))
			i++;
		seg_add(path, xstrndup(s + start, i - start));
		for (;;) {
			if (i < len && s[i] == '.') {
				if (i + 1 >= len ||
				    !is_name_start((unsigned char)s[i + 1])) {
					*errpos = i;
					*why = E_BADPATH;
					goto fail;
				}
				i++;
				break;
			}
			if (i >= len || s[i] != '[')
				goto done;
			open = i++;
			if (i >= len || (s[i] != '"' && s[i] != '\'')) {
				*errpos = open;
				*why = E_BADPATH;
				goto fail;
			}
			*errpos = i;
			if (filter_string_scan(s, len, &i, &key, why) == -1)
				goto fail;
			if (key.len == 0 || i >= len || s[i] != ']') {
				*errpos = open;
				*why = E_BADPATH;
				goto fail;
			}
			i++;
			seg_add(path, buf_finish(&key));
		}
	}
done:
	buf_release(&key);
	*pos = i;
	return 0;
fail:
	buf_release(&key);
	filter_path_release(path);
	return -1;
}

int
filter_path_split(const char *s, size_t len, struct filter_path *path)
{
	size_t		 pos = 0, errpos;
	const char	*why;

	if (filter_path_scan(s, len, &pos, path, &errpos, &why) == -1)
		return -1;
	if (pos != len) {
		filter_path_release(path);
		return -1;
	}
	return 0;
}

int
filter_path_valid(const struct filter_path *path)
{
	size_t	 i, n;

	if (path->segs == NULL)
		return 0;
	for (i = 0; i < path->nsegs; i++) {
		n = strlen(path->segs[i]);
		if (n == 0 || !utf8_valid(path->segs[i], n, NULL))
			return 0;
	}
	return 1;
}

/* The first key bare, then names after "." and other keys quoted in []. */
char *
filter_path_text(const struct filter_path *path, size_t n)
{
	struct buf		 b;
	size_t			 i, len;
	const char		*seg;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		seg = path->segs[i];
		len = strlen(seg);
		if (i == 0)
			buf_add(&b, seg, len);
		else if (is_name(seg, len)) {
			buf_addc(&b, '.');
			buf_add(&b, seg, len);
		} else {
			buf_addc(&b, '[');
			buf_addquoted(&b, seg, len);
			buf_addc(&b, ']');
		}
	}
	return buf_finish(&b);
}

/*
 * Walk the schema key by key.  Inside a json property every key exists,
 * and is read-optional.
 */
int
filter_path_resolve(const struct filter_path *path, struct filter_field *fld,
    size_t *bad)
{
	const struct schema	*node = NULL, *m;
	size_t			 i;
	int			 jsonpath = 0;

	for (i = 0; i < path->nsegs; i++) {
		if (node != NULL && node->kind == FK_JSON) {
			jsonpath = 1;
			break;
		}
		if (node != NULL && node->kind != FK_OBJECT) {
			*bad = i;
			return -1;
		}
		m = node == NULL ? s_event : node->members;
		for (; m->name != NULL; m++)
			if (strcmp(m->name, path->segs[i]) == 0)
				break;
		if (m->name == NULL) {
			*bad = i;
			return -1;
		}
		node = m;
	}
	fld->kind = node->kind;
	fld->ro = jsonpath ? 1 : node->ro;
	fld->enums = node->enums;
	fld->src = node->src;
	fld->at = node->at;
	fld->fields = 0;
	if (node->src == FSRC_FIELD)
		fld->fields = (uint64_t)1 << node->at;
	else if (node->src == FSRC_SECTION)
		for (m = node->members; m->name != NULL; m++)
			fld->fields |= (uint64_t)1 << m->at;
	return 0;
}

void
filter_path_release(struct filter_path *path)
{
	size_t	 i;

	if (path->segs != NULL) {
		for (i = 0; i < path->nsegs; i++)
			free(path->segs[i]);
		free(path->segs);
	}
	memset(path, 0, sizeof(*path));
}
