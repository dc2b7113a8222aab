/*
 * Destinations: the delivery counters shared across snapshots, copying
 * and freeing a destination, and the forms in which krctl shows its
 * settings; see destination.h.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "xmalloc.h"
#include "destination.h"

struct dest_counters *
dest_counters_new(void)
{
	struct dest_counters	*c = xcalloc(1, sizeof(*c));

	atomic_init(&c->refs, 1);
	return c;
}

struct dest_counters *
dest_counters_ref(struct dest_counters *c)
{
	atomic_fetch_add(&c->refs, 1);
	return c;
}

void
dest_counters_unref(struct dest_counters *c)
{
	if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
		free(c);
}

static char *
strdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
destination_copy(struct destination *dst, const struct destination *src)
{
	size_t	i;

	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->url = xstrdup(src->url);
	dst->headers = xcalloc(src->nheaders + 1, sizeof(*dst->headers));
	for (i = 0; i < src->nheaders; i++)
		dst->headers[i] = xstrdup(src->headers[i]);
	dst->write_key = strdup_or_null(src->write_key);
	dst->secret = strdup_or_null(src->secret);
	dst->counters = dest_counters_ref(src->counters);
}

void
destination_release(struct destination *d)
{
	size_t	i;

	for (i = 0; i < d->nheaders; i++)
		free(d->headers[i]);
	free(d->headers);
	free(d->name);
	free(d->url);
	free(d->write_key);
	free(d->secret);
	dest_counters_unref(d->counters);
	memset(d, 0, sizeof(*d));
}

const char *
destination_connector_name(enum dest_connector c)
{
	return c == DEST_SEGMENT ? "segment" : "webhook";
}

char *
destination_format_age(int64_t s, char buf[DEST_AGE_BUFSZ])
{
	if (s % 86400 == 0 && s > 86400)
		snprintf(buf, DEST_AGE_BUFSZ, "%lldd", (long long)(s / 86400));
	else if (s % 3600 == 0)
		snprintf(buf, DEST_AGE_BUFSZ, "%lldh", (long long)(s / 3600));
	else if (s % 60 == 0)
		snprintf(buf, DEST_AGE_BUFSZ, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, DEST_AGE_BUFSZ, "%llds", (long long)s);
	return buf;
}

/*
 * A header carries a credential when its name is one of the
 * authorization headers or names a token, key, secret, password or
 * cookie (spec/destinations.md §2: such values are never shown).
 */
int
destination_header_taken(const struct destination *d, const char *h)
{
	return d->connector == DEST_SEGMENT &&
	    strncasecmp(h, "Authorization:", strlen("Authorization:")) == 0;
}

int
destination_header_secret(const char *h)
{
	static const char *const words[] = { "auth", "token", "key", "secret",
	    "password", "cookie", "session", "signature" };
	const char	*colon = strchr(h, ':');
	size_t		 len = colon != NULL ? (size_t)(colon - h) : strlen(h);
	size_t		 i, j, wl;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		wl = strlen(words[i]);
		for (j = 0; j + wl <= len; j++)
			if (strncasecmp(h + j, words[i], wl) == 0)
				return 1;
	}
	return 0;
}
