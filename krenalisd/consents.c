/* Required consents of pipelines; see consents.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "xmalloc.h"
#include "consents.h"
#include "event.h"

void
consents_init(struct consents *c)
{
	memset(c, 0, sizeof(*c));
}

void
consents_release(struct consents *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		free(c->purposes[i]);
	free(c->purposes);
	memset(c, 0, sizeof(*c));
}

void
consents_copy(struct consents *dst, const struct consents *src)
{
	size_t	i;

	dst->any = src->any;
	dst->n = src->n;
	dst->purposes = xcalloc(src->n ? src->n : 1, sizeof(*dst->purposes));
	for (i = 0; i < src->n; i++)
		dst->purposes[i] = xstrdup(src->purposes[i]);
}

/* [A-Za-z_][A-Za-z0-9_]*, 1 to 100 characters. */
static int
code_valid(const char *s, size_t len)
{
	size_t	i;

	if (len < 1 || len > 100)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == '_' || (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

int
consents_from_json(const json_t *j, struct consents *c, char *err,
    size_t errlen)
{
	const json_t	*op, *purposes, *p;
	const char	*s, *opname;
	size_t		 i, k, len;

	consents_init(c);
	if (!json_is_object(j)) {
		snprintf(err, errlen, "required consents must be an object "
		    "with \"operator\" and \"purposes\"");
		return -1;
	}
	op = json_object_get(j, "operator");
	opname = json_is_string(op) ? json_string_value(op) : NULL;
	if (op != NULL && (opname == NULL || strlen(opname) !=
	    json_string_length(op) || (strcmp(opname, "and") != 0 &&
	    strcmp(opname, "or") != 0))) {
		char		*dump = NULL;
		const char	*shown = opname;
		int		 shownlen = opname != NULL ?
				    (int)strlen(opname) : 0;

		/*
		 * Not a string, or one with a NUL byte: shown as JSON has
		 * it, a string without its quotes.
		 */
		if (opname == NULL ||
		    (size_t)shownlen != json_string_length(op)) {
			dump = json_dumps(op, JSON_ENCODE_ANY);
			shown = dump != NULL ? dump + (opname != NULL) : "";
			shownlen = dump != NULL ? (int)strlen(dump) -
			    2 * (opname != NULL) : 0;
		}
		snprintf(err, errlen, "required consents operator \"%.*s\" is "
		    "not valid. It must be \"and\" or \"or\"", shownlen,
		    shown);
		free(dump);
		return -1;
	}
	c->any = opname != NULL && strcmp(opname, "or") == 0;
	purposes = json_object_get(j, "purposes");
	if (purposes != NULL && !json_is_array(purposes) &&
	    !json_is_null(purposes)) {
		snprintf(err, errlen, "required consent purposes must be an "
		    "array");
		return -1;
	}
	if (json_array_size(purposes) > CONSENTS_MAX) {
		snprintf(err, errlen, "required consent purposes must be at "
		    "most %d", CONSENTS_MAX);
		return -1;
	}
	c->purposes = xcalloc(json_array_size(purposes) + 1,
	    sizeof(*c->purposes));
	json_array_foreach(purposes, i, p) {
		s = json_is_string(p) ? json_string_value(p) : "";
		len = json_is_string(p) ? json_string_length(p) : 0;
		if (!json_is_string(p) || !code_valid(s, len) ||
		    strlen(s) != len) {
			char *dump = json_is_string(p) ? NULL :
			    json_dumps(p, JSON_ENCODE_ANY);

			snprintf(err, errlen, "code \"%s\" is not a valid "
			    "consent purpose code. Consent purpose codes must "
			    "be from 1 to 100 characters long, must start with "
			    "a letter or underscore [A-Za-z_] and subsequently "
			    "contain only letters, numbers, or underscores "
			    "[A-Za-z0-9_]", dump ? dump : s);
			free(dump);
			consents_release(c);
			return -1;
		}
		for (k = 0; k < c->n; k++)
			if (strcmp(c->purposes[k], s) == 0) {
				snprintf(err, errlen, "required consent purpose "
				    "\"%s\" is duplicated", s);
				consents_release(c);
				return -1;
			}
		c->purposes[c->n++] = xstrdup(s);
	}
	return 0;
}

json_t *
consents_to_json(const struct consents *c)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < c->n; i++)
		json_array_append_new(a, json_string(c->purposes[i]));
	return json_pack("{s:s,s:o}", "operator", c->any ? "or" : "and",
	    "purposes", a);
}

/* Whether purpose is granted (true) in the event's sorted consents. */
static int
granted(const struct event_context *ctx, const char *purpose)
{
	size_t	lo = 0, hi, mid;
	int	cmp;

	if (ctx == NULL || !event_has(ctx, EVENT_CONSENTS))
		return 0;
	hi = ctx->nconsents;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		cmp = strcmp(ctx->consents[mid].purpose, purpose);
		if (cmp == 0)
			return ctx->consents[mid].granted;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int
consents_satisfied(const struct consents *c, const struct event_context *ctx)
{
	size_t	i;

	if (c->n == 0)
		return 1;
	for (i = 0; i < c->n; i++) {
		if (granted(ctx, c->purposes[i])) {
			if (c->any)
				return 1;
		} else if (!c->any)
			return 0;
	}
	return !c->any;
}
