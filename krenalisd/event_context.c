/*
 * The context of an event (spec/events.md §7): its sections and scalar
 * members decoded from the raw text with the readers of event_scan.c,
 * consents sorted by purpose, and the merge with the envelope context of
 * a batch (§7.6).  Also the envelope context itself (event_context_new).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonlex.h"
#include "number.h"
#include "xmalloc.h"
#include "event_priv.h"

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

static const struct event_name scalar_names[] = {
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
		    section_specs[i].name[0] == s[0] &&
		    memcmp(section_specs[i].name, s, len) == 0)
			return &section_specs[i];
	return NULL;
}

/* The decoding of one context: its owner's arena and error. */
struct cdec {
	struct arena	**ap;
	const char	**errp;
};

/* Reject text that is not JSON (the request parser should prevent it). */
static int
syntax(struct cdec *d)
{
	*d->errp = MSG_SYNTAX;
	return -1;
}

/*
 * Open the value at s->p as the object context.<name>: 1 on an object
 * (s->p on its "{"), 0 on null (consumed), -1 with the error set.
 */
static int
object_open(struct event_scan *s, struct cdec *d, const char *name)
{
	switch (event_read_open(s, RD_KIND(JSONLEX_OBJECT))) {
	case RD_VALUE:
		return 1;
	case RD_ABSENT:
		return 0;
	case RD_TYPE:
		return arena_error(d->ap, d->errp,
		    "property 'context.%s' is not a valid object", name);
	default:
		return syntax(d);
	}
}

/* Decode the value at s->p as section member f (§7.4). */
static int
field_decode(struct event_scan *s, struct cdec *d, struct event_context *c,
    enum event_field f)
{
	const struct field_spec	*fs = &field_specs[f];
	union event_value	 v;
	const char		*t;
	size_t			 n;
	char			 buf[32];
	double			 r;
	int			 keep = 1;
	enum event_rd		 rd;

	switch (fs->kind) {
	case EVENT_KIND_STRING:
		rd = event_read_string(s, d->ap, &v.s, &n);
		if (rd == RD_TYPE)
			return arena_error(d->ap, d->errp,
			    "property 'context.%s.%s' is not a string",
			    fs->section, fs->member);
		break;
	case EVENT_KIND_BOOL:
		rd = event_read_bool(s, &v.b);
		if (rd == RD_TYPE)
			return arena_error(d->ap, d->errp,
			    "property 'context.%s.%s' is not a boolean",
			    fs->section, fs->member);
		break;
	case EVENT_KIND_INT:
	case EVENT_KIND_INT64:
		rd = event_read_int(s, d->ap, fs->kind == EVENT_KIND_INT64,
		    &v.i);
		if (rd == RD_TYPE)
			return arena_error(d->ap, d->errp,
			    "property 'context.%s.%s' is not a number",
			    fs->section, fs->member);
		if (rd == RD_NOTINT)
			return arena_error(d->ap, d->errp,
			    "property 'context.%s.%s' is not a valid %s integer",
			    fs->section, fs->member,
			    fs->kind == EVENT_KIND_INT ? "16-bit" : "64-bit");
		keep = v.i != 0;
		break;
	case EVENT_KIND_FLOAT:
	case EVENT_KIND_DECIMAL:
		rd = event_read_number(s, &t, &n);
		if (rd == RD_TYPE)
			return arena_error(d->ap, d->errp,
			    "property 'context.%s.%s' is not a number",
			    fs->section, fs->member);
		if (rd != RD_VALUE)
			break;
		if (number_parse_double(t, n, &v.f) == -1)
			return arena_error(d->ap, d->errp, "property "
			    "'context.%s.%s' is not a valid 64-bit "
			    "floating-point number",
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
				return arena_error(d->ap, d->errp, "property "
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
section_decode(struct event_scan *s, struct cdec *d, struct event_context *c,
    const struct section_spec *sec)
{
	const char	*kb;
	char		 key[EVENT_KEYBUF];
	size_t		 kl, n;
	int		 first = 1, ke, r, f, found;

	if ((r = object_open(s, d, sec->name)) != 1)
		return r;
	event_scan_object_begin(s);
	while ((r = event_scan_object_next(s, &first, &kb, &kl, &ke)) == 1) {
		n = event_scan_key(kb, kl, ke, key);
		found = -1;
		/* key is NUL-terminated: key[0] is there when n is 0. */
		for (f = sec->first; f < (int)sec->last; f++)
			if (field_specs[f].input &&
			    field_specs[f].member[0] == key[0] &&
			    strlen(field_specs[f].member) == n &&
			    memcmp(field_specs[f].member, key, n) == 0) {
				found = f;
				break;
			}
		if (found == -1) {
			if (event_scan_skip(s) == -1)
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
quote_purpose(struct arena **ap, const char *s)
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
consents_decode(struct event_scan *s, struct cdec *d, struct event_context *c)
{
	struct event_consent	*list = NULL;
	const char		*kb, *purpose;
	size_t			 kl, n = 0, cap = 0, len, i, j;
	int			 first = 1, ke, r, b, ret = -1;
	enum event_rd		 rd;

	if ((r = object_open(s, d, "consents")) != 1)
		return r;
	event_scan_object_begin(s);
	while ((r = event_scan_object_next(s, &first, &kb, &kl, &ke)) == 1) {
		purpose = event_scan_str(d->ap, kb, kl, ke, 1, &len);
		if (len == 0) {
			arena_error(d->ap, d->errp, "property "
			    "'context.consents' contains an empty purpose");
			goto out;
		}
		if ((rd = event_read_bool(s, &b)) != RD_VALUE) {
			if (rd == RD_SYNTAX)
				syntax(d);
			else
				arena_error(d->ap, d->errp, "value of \"%s\" "
				    "in 'context.consents' is not a valid "
				    "boolean", quote_purpose(d->ap, purpose));
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
ctx_decode(struct event_scan *s, struct cdec *d, struct event_context *c)
{
	const struct section_spec	*sec;
	const char			*kb, *str;
	char				 key[EVENT_KEYBUF];
	size_t				 kl, n, len;
	int64_t				 sid = 0;
	int				 first = 1, ke, r, b, id;
	int				 has_sid = 0, sstart = 0;
	enum event_rd			 rd;
	enum event_field		 f;

	if (event_scan_object_begin(s) == -1)
		return syntax(d);
	while ((r = event_scan_object_next(s, &first, &kb, &kl, &ke)) == 1) {
		n = event_scan_key(kb, kl, ke, key);
		if ((sec = section_lookup(key, n)) != NULL) {
			if (section_decode(s, d, c, sec) == -1)
				return -1;
			continue;
		}
		id = event_scan_lookup(scalar_names, NITEMS(scalar_names),
		    key, n);
		switch (id) {
		case SCALAR_IP:
		case SCALAR_LOCALE:
		case SCALAR_TIMEZONE:
		case SCALAR_USER_AGENT:
		case SCALAR_GROUP_ID:
			rd = event_read_string(s, d->ap, &str, &len);
			if (rd == RD_TYPE)
				return arena_error(d->ap, d->errp, "property "
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
			rd = event_read_bool(s, &b);
			if (rd == RD_TYPE)
				return arena_error(d->ap, d->errp, "property "
				    "'context.%.*s' is not a valid boolean",
				    (int)n, key);
			if (rd == RD_SYNTAX)
				return syntax(d);
			if (rd == RD_VALUE && id == SCALAR_SESSION_START && b)
				sstart = 1;
			break;
		case SCALAR_SESSION_ID:
			rd = event_read_int(s, d->ap, 1, &sid);
			if (rd == RD_TYPE)
				return arena_error(d->ap, d->errp, "property "
				    "'context.sessionId' is not a valid number");
			if (rd == RD_NOTINT)
				return arena_error(d->ap, d->errp, "property "
				    "'context.sessionId' is not a 64-bit "
				    "integer");
			if (rd == RD_SYNTAX)
				return syntax(d);
			has_sid = rd == RD_VALUE;
			break;
		case SCALAR_TRAITS:
			rd = event_read_object(s, d->ap, &c->traits,
			    &c->traits_len);
			if (rd == RD_TYPE)
				return arena_error(d->ap, d->errp, "property "
				    "'context.traits' is not a valid object");
			if (rd == RD_SYNTAX)
				return syntax(d);
			break;
		case SCALAR_CONSENTS:
			if (consents_decode(s, d, c) == -1)
				return -1;
			break;
		default:
			if (event_scan_skip(s) == -1)
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

void
event_context_merge(struct event_context *c, const struct event_context *env,
    struct arena **ap)
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

int
event_context_decode(struct event_scan *s, struct arena **ap,
    const char **errp, struct event_context *c)
{
	struct cdec	d = { ap, errp };

	return ctx_decode(s, &d, c);
}

struct event_context *
event_context_new(const char *text, size_t len, char **errp)
{
	struct event_context	*c;
	struct arena		*arena = NULL;
	struct event_scan	 s = { text, text + len };
	const char		*err = NULL;

	*errp = NULL;
	s.p = jsonlex_ws(s.p, s.end);
	if (jsonlex_kind(s.p, s.end) != JSONLEX_OBJECT) {
		*errp = xstrdup("property 'context' is not a valid object");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	if (event_context_decode(&s, &arena, &err, c) == -1) {
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
