/*
 * User-agent rules of spec/events.md §8.2.  Each rule is a row of a table:
 * the user agent must contain one of the "any" tokens, one of the "also"
 * tokens (when given) and none of the "none" tokens; the version is read
 * after the first "version" token present, in table order.
 */
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "useragent.h"

#define UA_TOKENS	8
#define UA_STACKBUF	512

struct ua_rule {
	const char	*any[UA_TOKENS];
	const char	*also[UA_TOKENS];
	const char	*none[UA_TOKENS];
	const char	*version[UA_TOKENS];
	const char	*name;
};

static const char *const ua_bots[] = { "bot/", "spider", "crawler", NULL };

/* Browser rules 1-9 of §8.2; rule 10 (anything else) is "Other". */
static const struct ua_rule ua_browsers[] = {
	{ { "edg/", "edga/", "edgios/", "edge/" }, { NULL }, { NULL },
	  { "edg/", "edga/", "edgios/", "edge/" }, "Edge" },
	{ { "opr/", "opios/" }, { NULL }, { NULL },
	  { "opr/", "opios/" }, "Opera" },
	{ { "opera" }, { NULL }, { NULL },
	  { "version/", "opera/" }, "Opera" },
	{ { "samsungbrowser/" }, { NULL }, { NULL },
	  { "samsungbrowser/" }, "Samsung Internet" },
	{ { "yabrowser/", "ucbrowser/", "qqbrowser/", "silk/",
	    "coc_coc_browser/", "miuibrowser/", "huaweibrowser/" },
	  { NULL }, { NULL }, { NULL }, "Other" },
	{ { "firefox/", "fxios/" }, { NULL }, { NULL },
	  { "firefox/", "fxios/" }, "Firefox" },
	{ { "crios/", "chrome/", "chromium/" }, { NULL }, { NULL },
	  { "crios/", "chrome/", "chromium/" }, "Chrome" },
	{ { "safari/" }, { "version/" }, { "android" },
	  { "version/" }, "Safari" },
	{ { "applewebkit/" }, { "iphone", "ipod", "ipad" }, { NULL },
	  { "version/" }, "Safari" },
};

/* OS rules 1-7 of §8.2; rule 8 (anything else) is "Other". */
static const struct ua_rule ua_systems[] = {
	{ { "windows phone", "xbox" }, { NULL }, { NULL }, { NULL }, "Other" },
	{ { "iphone", "ipod", "ipad" }, { NULL }, { NULL },
	  { "iphone os ", "cpu os " }, "iOS" },
	{ { "android" }, { NULL }, { NULL }, { "android " }, "Android" },
	{ { "cros " }, { NULL }, { NULL }, { NULL }, "Chrome OS" },
	{ { "mac os x" }, { NULL }, { NULL }, { "mac os x " }, "macOS" },
	{ { "windows nt " }, { NULL }, { NULL }, { "windows nt " },
	  "Windows" },
	{ { "linux", "x11" }, { NULL }, { NULL }, { NULL }, "Linux" },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* Where the NUL-terminated token first occurs in hay, or NULL. */
static const char *
ua_find(const char *hay, size_t len, const char *token)
{
	return memmem(hay, len, token, strlen(token));
}

/* Whether any token of the NULL-terminated list occurs in hay. */
static int
ua_any(const char *hay, size_t len, const char *const *tokens)
{
	size_t	i;

	for (i = 0; i < UA_TOKENS && tokens[i] != NULL; i++)
		if (ua_find(hay, len, tokens[i]) != NULL)
			return 1;
	return 0;
}

/*
 * Apply the first matching rule of the table to the lower-case user agent:
 * set *name and write the version (or "") into version.
 */
static void
ua_match(const char *lc, size_t len, const struct ua_rule *rules,
    size_t nrules, const char **name, char *version)
{
	const struct ua_rule	*r;
	const char		*p;
	size_t			 i, j;

	*name = "Other";
	version[0] = '\0';
	for (i = 0; i < nrules; i++) {
		r = &rules[i];
		if (!ua_any(lc, len, r->any))
			continue;
		if (r->also[0] != NULL && !ua_any(lc, len, r->also))
			continue;
		if (r->none[0] != NULL && ua_any(lc, len, r->none))
			continue;
		*name = r->name;
		for (j = 0; j < UA_TOKENS && r->version[j] != NULL; j++) {
			p = ua_find(lc, len, r->version[j]);
			if (p == NULL)
				continue;
			p += strlen(r->version[j]);
			useragent_version(p, lc + len - p, version);
			break;
		}
		return;
	}
}

size_t
useragent_version(const char *s, size_t len,
    char out[USERAGENT_VERSION_MAX + 1])
{
	const char	*part[3];
	size_t		 plen[3], n, i, run, start, total;

	out[0] = '\0';
	if (len == 0 || s[0] < '0' || s[0] > '9')
		return 0;
	for (run = 0; run < len; run++)
		if ((s[run] < '0' || s[run] > '9') && s[run] != '.' &&
		    s[run] != '_')
			break;

	/* Split on "." and "_", drop empty parts, keep the first three. */
	n = 0;
	for (i = 0; i < run && n < 3; ) {
		if (s[i] == '.' || s[i] == '_') {
			i++;
			continue;
		}
		start = i;
		while (i < run && s[i] != '.' && s[i] != '_')
			i++;
		while (start < i - 1 && s[start] == '0')
			start++;
		part[n] = s + start;
		plen[n] = i - start;
		n++;
	}
	for (; n < 3; n++) {
		part[n] = "0";
		plen[n] = 1;
	}

	total = plen[0] + plen[1] + plen[2] + 2;
	if (total > USERAGENT_VERSION_MAX)
		return 0;
	memcpy(out, part[0], plen[0]);
	out[plen[0]] = '.';
	memcpy(out + plen[0] + 1, part[1], plen[1]);
	out[plen[0] + 1 + plen[1]] = '.';
	memcpy(out + plen[0] + plen[1] + 2, part[2], plen[2]);
	out[total] = '\0';
	return total;
}

void
useragent_parse(const char *ua, size_t len, struct useragent *out)
{
	char	 stackbuf[UA_STACKBUF], *lc;
	size_t	 i;

	lc = len <= sizeof(stackbuf) ? stackbuf : xmalloc(len);
	for (i = 0; i < len; i++)
		lc[i] = ua[i] >= 'A' && ua[i] <= 'Z' ? ua[i] + ('a' - 'A') :
		    ua[i];

	if (ua_any(lc, len, ua_bots)) {
		out->browser = "Other";
		out->os = "Other";
		out->browser_version[0] = '\0';
		out->os_version[0] = '\0';
	} else {
		ua_match(lc, len, ua_browsers, NITEMS(ua_browsers),
		    &out->browser, out->browser_version);
		ua_match(lc, len, ua_systems, NITEMS(ua_systems), &out->os,
		    out->os_version);
	}
	if (lc != stackbuf)
		free(lc);
}
