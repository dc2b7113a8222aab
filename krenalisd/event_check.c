/*
 * The cross-field checks of spec/events.md §5, steps 2 to 14, on a
 * decoded event: the ids and the members each type requires or forbids,
 * the browser and OS names (§8), the IP address (§10) and the screen
 * ranges (§9).
 */
#include <string.h>

#include "ipaddr.h"
#include "event_priv.h"
#include "useragent.h"

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

/* The article-bearing phrase of §1: "a track event", "an identify event". */
static int
fail_type(struct event *ev, const char *fmt, enum event_type t)
{
	return arena_error(&ev->arena, &ev->error, fmt, event_type_name(t));
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
browser_os(struct event_context *c, struct arena **ap)
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

/* The request IP of ingest.md §7.2, or -1 when unknown. */
static int
ip_request(const struct event_req *req, struct ipaddr *ip)
{
	if (req->request_ip == NULL ||
	    ipaddr_parse(req->request_ip, strlen(req->request_ip), ip) == -1)
		return -1;
	ipaddr_unmap(ip);
	return 0;
}

/*
 * Settle context.ip (§10, §5 step 5): check it, apply the special IPv4
 * values and the fallback to the request IP, and write it canonically.
 */
static int
ip_settle(const struct event_req *req, struct event_context *c,
    struct arena **ap, const char **errp)
{
	struct ipaddr	 ip;
	char		 buf[IPADDR_BUFSZ];
	const char	*s;
	size_t		 n;
	int		 mask = 0;

	if (!event_has(c, EVENT_IP)) {
		if (!req->ip_fallback || ip_request(req, &ip) == -1)
			return 0;
	} else {
		s = c->v[EVENT_IP].s;
		if (ipaddr_parse(s, strlen(s), &ip) == -1) {
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
				ipaddr_mask(&ip, ip.v6 ? 48 : 24);
			else if (mask == 2)
				ipaddr_mask(&ip, ip.v6 ? 32 : 16);
		} else {
			ipaddr_unmap(&ip);
			if (ipaddr_multicast(&ip)) {
				*errp = "property 'ip' cannot be a multicast "
				    "IP address";
				return -1;
			}
		}
	}
	n = ipaddr_format(&ip, buf);
	c->v[EVENT_IP].s = arena_strndup(ap, buf, n);
	c->present |= BIT(EVENT_IP);
	return 0;
}

int
event_check(const struct event_req *req, struct event *ev,
    struct event_top *t)
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
