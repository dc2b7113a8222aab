/*
 * Property paths of filters (spec/filters.md §2): their syntax (§2.1),
 * shared by the text and the JSON forms, their canonical text (§2.4) and
 * the event schema they resolve against (§2.2, §2.3).  Only
 * filter_value.c is called from here.
 */
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xmalloc.h"

#include "filter_priv.h"

#define E_PATH		"expected a property path"
#define E_BADPATH	"invalid property path"

/* The event schema of §2.3. */
struct schema {
	const char		*name;
	enum filter_kind	 kind;
	int			 ro;		/* read-optional */
	const char *const	*enums;	/* FK_ENUM, NULL-terminated */
	const struct schema	*members;	/* FK_OBJECT, up to name NULL */
};

#define S_STR(n)	{ n, FK_STRING, 1, NULL, NULL }
#define S_BOOL(n)	{ n, FK_BOOLEAN, 1, NULL, NULL }
#define S_END		{ NULL, FK_STRING, 0, NULL, NULL }

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
	S_STR("name"), S_STR("version"), S_STR("build"), S_STR("namespace"),
	S_END
};
static const struct schema s_browser[] = {
	{ "name", FK_ENUM, 1, browser_values, NULL },
	S_STR("other"), S_STR("version"), S_END
};
static const struct schema s_campaign[] = {
	S_STR("name"), S_STR("source"), S_STR("medium"), S_STR("term"),
	S_STR("content"), S_END
};
static const struct schema s_device[] = {
	S_STR("id"), S_STR("advertisingId"), S_BOOL("adTrackingEnabled"),
	S_STR("manufacturer"), S_STR("model"), S_STR("name"), S_STR("type"),
	S_STR("token"), S_END
};
static const struct schema s_library[] = {
	S_STR("name"), S_STR("version"), S_END
};
static const struct schema s_location[] = {
	S_STR("city"), S_STR("country"),
	{ "latitude", FK_FLOAT, 1, NULL, NULL },
	{ "longitude", FK_FLOAT, 1, NULL, NULL },
	{ "speed", FK_FLOAT, 1, NULL, NULL },
	S_END
};
static const struct schema s_network[] = {
	S_BOOL("bluetooth"), S_STR("carrier"), S_BOOL("cellular"),
	S_BOOL("wifi"), S_END
};
static const struct schema s_os[] = {
	{ "name", FK_ENUM, 1, os_values, NULL },
	S_STR("other"), S_STR("version"), S_END
};
static const struct schema s_page[] = {
	S_STR("path"), S_STR("referrer"), S_STR("search"), S_STR("title"),
	S_STR("url"), S_END
};
static const struct schema s_referrer[] = {
	S_STR("id"), S_STR("type"), S_END
};
static const struct schema s_screen[] = {
	{ "width", FK_INT, 1, NULL, NULL },
	{ "height", FK_INT, 1, NULL, NULL },
	{ "density", FK_DECIMAL, 1, NULL, NULL },
	S_END
};
static const struct schema s_session[] = {
	{ "id", FK_INT, 1, NULL, NULL },
	S_BOOL("start"), S_END
};
static const struct schema s_context[] = {
	{ "app", FK_OBJECT, 1, NULL, s_app },
	{ "browser", FK_OBJECT, 1, NULL, s_browser },
	{ "campaign", FK_OBJECT, 1, NULL, s_campaign },
	{ "consents", FK_MAP, 1, NULL, NULL },
	{ "device", FK_OBJECT, 1, NULL, s_device },
	{ "ip", FK_IP, 1, NULL, NULL },
	{ "library", FK_OBJECT, 1, NULL, s_library },
	S_STR("locale"),
	{ "location", FK_OBJECT, 1, NULL, s_location },
	{ "network", FK_OBJECT, 1, NULL, s_network },
	{ "os", FK_OBJECT, 1, NULL, s_os },
	{ "page", FK_OBJECT, 1, NULL, s_page },
	{ "referrer", FK_OBJECT, 1, NULL, s_referrer },
	{ "screen", FK_OBJECT, 1, NULL, s_screen },
	{ "session", FK_OBJECT, 1, NULL, s_session },
	S_STR("timezone"),
	S_STR("userAgent"),
	S_END
};
static const struct schema s_event[] = {
	{ "connectionId", FK_STRING, 0, NULL, NULL },
	{ "anonymousId", FK_STRING, 0, NULL, NULL },
	{ "messageId", FK_STRING, 0, NULL, NULL },
	{ "type", FK_ENUM, 0, type_values, NULL },
	S_STR("channel"), S_STR("category"), S_STR("event"),
	S_STR("groupId"), S_STR("name"), S_STR("previousId"), S_STR("userId"),
	{ "receivedAt", FK_DATETIME, 0, NULL, NULL },
	{ "sentAt", FK_DATETIME, 0, NULL, NULL },
	{ "originalTimestamp", FK_DATETIME, 0, NULL, NULL },
	{ "timestamp", FK_DATETIME, 0, NULL, NULL },
	{ "properties", FK_JSON, 1, NULL, NULL },
	{ "traits", FK_JSON, 0, NULL, NULL },
	{ "context", FK_OBJECT, 1, NULL, s_context },
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
