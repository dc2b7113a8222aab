/* The records krtop holds and the list it shows; see reclist.h. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <jansson.h>

#include "record.h"
#include "utf8.h"
#include "xmalloc.h"
#include "reclist.h"

static const char *const outcome_names[REC_NOUTCOMES] = {
	"stored", "filtered", "duplicate", "rejected", "?"
};

const char *
reclist_outcome_name(enum rec_outcome o)
{
	return o < REC_NOUTCOMES ? outcome_names[o] : "?";
}

int
reclist_outcome_parse(const char *s)
{
	int	i;

	for (i = 0; i < REC_UNKNOWN; i++)
		if (strcmp(s, outcome_names[i]) == 0)
			return i;
	return -1;
}

/* A copy of the string member key of o, or of "" when it has none. */
static char *
rec_string(const json_t *o, const char *key)
{
	const json_t	*v = json_object_get(o, key);

	return xstrdup(json_is_string(v) ? json_string_value(v) : "");
}

/* Set the type, name and user of r from the event object ev (or NULL). */
static void
rec_summary(struct rec *r, const json_t *ev)
{
	const char	*s;

	r->type = rec_string(ev, "type");
	s = record_label(ev);
	r->name = xstrdup(s ? s : "");
	s = record_user(ev);
	r->user = xstrdup(s ? s : "");
}

/* The mark of a pipeline entry's result. */
static char
rec_mark(const json_t *p)
{
	const char	*res = json_string_value(json_object_get(p, "result"));

	if (res == NULL)
		return REC_MARK_OTHER;
	if (strcmp(res, "passed") == 0)
		return REC_MARK_PASSED;
	if (strcmp(res, "filtered") == 0)
		return REC_MARK_FILTERED;
	if (strcmp(res, "consent") == 0)
		return REC_MARK_CONSENT;
	if (strcmp(res, "disabled") == 0)
		return REC_MARK_DISABLED;
	if (strcmp(res, "queued") == 0)
		return REC_MARK_QUEUED;
	if (strcmp(res, "failed") == 0)
		return REC_MARK_FAILED;
	return REC_MARK_OTHER;
}

struct rec *
reclist_rec_new(const json_t *o, const char *text, size_t len,
    unsigned epoch)
{
	struct rec	*r;
	const json_t	*v, *pl;
	json_t		*ev;
	size_t		 i;
	int		 oc;

	if (!json_is_object(o) ||
	    !json_is_integer(v = json_object_get(o, "seq")))
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->epoch = epoch;
	r->seq = json_integer_value(v);
	r->at = rec_string(o, "receivedAt");
	r->source = rec_string(o, "source");
	v = json_object_get(o, "outcome");
	oc = json_is_string(v) ? reclist_outcome_parse(json_string_value(v)) :
	    -1;
	r->outcome = oc == -1 ? REC_UNKNOWN : (enum rec_outcome)oc;
	if (json_is_string(v = json_object_get(o, "error")))
		r->error = xstrdup(json_string_value(v));
	v = json_object_get(o, "raw");
	if (json_is_string(v)) {
		r->rawlen = json_string_length(v);
		r->raw = xstrndup(json_string_value(v), r->rawlen);
	} else
		r->raw = xstrdup("");
	/* A rejected event has no normalised form: its raw text may tell. */
	ev = record_event(o);
	rec_summary(r, ev);
	json_decref(ev);
	pl = json_object_get(o, "pipelines");
	r->marks = xmalloc(json_array_size(pl) + 1);
	for (i = 0; i < json_array_size(pl); i++)
		r->marks[i] = rec_mark(json_array_get(pl, i));
	r->marks[i] = '\0';
	r->text = xstrndup(text, len);
	r->textlen = len;
	r->size = sizeof(*r) + len + r->rawlen + strlen(r->at) +
	    strlen(r->source) + strlen(r->type) + strlen(r->name) +
	    strlen(r->user) + i + (r->error ? strlen(r->error) : 0) + 64;
	return r;
}

void
reclist_rec_free(struct rec *r)
{
	if (r == NULL)
		return;
	free(r->at);
	free(r->source);
	free(r->type);
	free(r->name);
	free(r->user);
	free(r->error);
	free(r->raw);
	free(r->marks);
	free(r->text);
	free(r);
}

void
reclist_init(struct reclist *l, size_t maxn, size_t maxbytes)
{
	memset(l, 0, sizeof(*l));
	l->maxn = maxn < 10 ? 10 : maxn;
	l->maxbytes = maxbytes;
	l->matchgen = 1;
}

void
reclist_release(struct reclist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		reclist_rec_free(l->v[i]);
	free(l->v);
	free(l->text);
	free(l->needle);
	memset(l, 0, sizeof(*l));
}

/* Compare r with (epoch, seq). */
static int
rec_cmp(const struct rec *r, unsigned epoch, long long seq)
{
	if (r->epoch != epoch)
		return r->epoch < epoch ? -1 : 1;
	if (r->seq != seq)
		return r->seq < seq ? -1 : 1;
	return 0;
}

size_t
reclist_lower(const struct reclist *l, unsigned epoch, long long seq)
{
	size_t	lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rec_cmp(l->v[mid], epoch, seq) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Past either limit, drop the oldest records down to nine tenths of
 * both, in one move, so that a full list costs little per record.
 */
static void
reclist_evict(struct reclist *l)
{
	size_t	k = 0, i, bytes;

	if (l->n <= l->maxn && (l->maxbytes == 0 || l->bytes <= l->maxbytes))
		return;
	if (l->n > l->maxn * 9 / 10)
		k = l->n - l->maxn * 9 / 10;
	bytes = l->bytes;
	for (i = 0; i < k; i++)
		bytes -= l->v[i]->size;
	while (l->maxbytes > 0 && k < l->n && bytes > l->maxbytes / 10 * 9)
		bytes -= l->v[k++]->size;
	for (i = 0; i < k; i++)
		reclist_rec_free(l->v[i]);
	memmove(l->v, l->v + k, (l->n - k) * sizeof(*l->v));
	l->n -= k;
	l->bytes = bytes;
}

int
reclist_add(struct reclist *l, struct rec *r)
{
	size_t	at;

	if (l->n == 0 || rec_cmp(l->v[l->n - 1], r->epoch, r->seq) < 0)
		at = l->n;
	else {
		at = reclist_lower(l, r->epoch, r->seq);
		if (at < l->n && rec_cmp(l->v[at], r->epoch, r->seq) == 0) {
			reclist_rec_free(r);
			return 0;
		}
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	memmove(l->v + at + 1, l->v + at, (l->n - at) * sizeof(*l->v));
	l->v[at] = r;
	l->n++;
	l->bytes += r->size;
	reclist_evict(l);
	return 1;
}

/*
 * The character at s (len > 0 bytes) in lower case, as the locale's
 * character type has it (ASCII only in the C locale); its length in *n.
 */
static uint32_t
lower_at(const char *s, size_t len, size_t *n)
{
	uint32_t	cp;

	if ((unsigned char)*s < 0x80) {
		*n = 1;
		return (uint32_t)tolower((unsigned char)*s);
	}
	*n = utf8_decode(s, len, &cp);
	return (uint32_t)towlower((wint_t)cp);
}

/* Whether the needle (nn > 0 characters in lower case) is in s. */
static int
rec_find(const char *s, size_t len, const uint32_t *needle, size_t nn)
{
	size_t	i, j, k, n, step;

	for (i = 0; i < len; i += step) {
		if (lower_at(s + i, len - i, &step) != needle[0])
			continue;
		for (j = 1, k = i + step; j < nn && k < len; j++, k += n)
			if (lower_at(s + k, len - k, &n) != needle[j])
				break;
		if (j == nn)
			return 1;
	}
	return 0;
}

/* Whether r has the needle t (n characters) in what the filter sees. */
static int
rec_has(const struct rec *r, const uint32_t *t, size_t n)
{
	const char	*o = reclist_outcome_name(r->outcome);

	return rec_find(r->type, strlen(r->type), t, n) ||
	    rec_find(r->name, strlen(r->name), t, n) ||
	    rec_find(r->user, strlen(r->user), t, n) ||
	    rec_find(o, strlen(o), t, n) ||
	    rec_find(r->source, strlen(r->source), t, n) ||
	    (r->error && rec_find(r->error, strlen(r->error), t, n)) ||
	    rec_find(r->raw, r->rawlen, t, n);
}

int
reclist_match(struct reclist *l, struct rec *r,
    const struct reclist_filter *f)
{
	size_t	i, n, len;

	if (f->source != NULL && strcmp(r->source, f->source) != 0)
		return 0;
	if (f->outcome >= 0 && (int)r->outcome != f->outcome)
		return 0;
	if (f->text == NULL || f->text[0] == '\0')
		return 1;
	/* The text match is kept with each record until the text changes. */
	if (l->text == NULL || strcmp(l->text, f->text) != 0) {
		free(l->text);
		l->text = xstrdup(f->text);
		len = strlen(l->text);
		l->needle = xreallocarray(l->needle, len, sizeof(*l->needle));
		for (i = 0, l->nneedle = 0; i < len; i += n)
			l->needle[l->nneedle++] = lower_at(l->text + i,
			    len - i, &n);
		l->matchgen++;
	}
	if (r->matchgen != l->matchgen) {
		r->match = rec_has(r, l->needle, l->nneedle);
		r->matchgen = l->matchgen;
	}
	return r->match;
}

size_t
reclist_view(struct reclist *l, const struct reclist_filter *f,
    struct rec **out, size_t *held)
{
	size_t	i, n = 0;

	*held = 0;
	for (i = 0; i < l->n; i++) {
		if (!reclist_match(l, l->v[i], f))
			continue;
		if (f->paused && rec_cmp(l->v[i], f->epoch, f->seq) > 0)
			(*held)++;
		else
			out[n++] = l->v[i];
	}
	return n;
}
