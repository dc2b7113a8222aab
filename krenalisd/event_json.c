/*
 * The normalised event as a jansson object (event_json), for the filters:
 * built from the decoded fields, with properties and traits parsed from
 * their compact text without recursion.
 */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonlex.h"
#include "number.h"
#include "xmalloc.h"
#include "event_priv.h"

/* A jansson number for the JSON number text t (clamped, see event.h). */
static json_t *
json_number(const char *t, size_t n)
{
	int64_t	i;
	double	d;

	if (memchr(t, '.', n) == NULL && memchr(t, 'e', n) == NULL &&
	    memchr(t, 'E', n) == NULL && number_parse_int(t, n, &i) == 0)
		return json_integer(i);
	if (number_parse_double(t, n, &d) == -1)
		d = t[0] == '-' ? -DBL_MAX : DBL_MAX;
	return json_real(d);
}

/* A jansson string for the escaped string body b, U+0000 kept. */
static json_t *
json_strbody(const char *b, size_t blen, char **tmp, size_t *cap)
{
	size_t	n;

	if (*cap < blen + 1) {
		*cap = blen + 64;
		*tmp = xreallocarray(*tmp, *cap, 1);
	}
	n = jsonlex_decode(b, blen, 0, *tmp);
	return json_stringn_nocheck(*tmp, n);
}

/*
 * Build the jansson value of the JSON text t (n bytes), iteratively so
 * that any nesting depth is safe.  NULL on bad text.
 */
static json_t *
json_build(const char *t, size_t n)
{
	const char	 *p = t, *end = t + n, *q;
	json_t		**stack = NULL, *root = NULL, *v, *top;
	char		 *tmp = NULL, *key = NULL;
	size_t		  depth = 0, cap = 0, tmpcap = 0, keycap = 0;
	size_t		  blen, klen = 0;

	for (;;) {
		/* At a value; when top is an object, key holds its name. */
		p = jsonlex_ws(p, end);
		switch (jsonlex_kind(p, end)) {
		case JSONLEX_OBJECT:
			v = json_object();
			break;
		case JSONLEX_ARRAY:
			v = json_array();
			break;
		case JSONLEX_STRING:
			if ((q = jsonlex_string(p, end, NULL)) == NULL)
				goto bad;
			v = json_strbody(p + 1, q - p - 2, &tmp, &tmpcap);
			p = q;
			break;
		case JSONLEX_NUMBER:
			q = jsonlex_token(p, end);
			v = json_number(p, q - p);
			p = q;
			break;
		case JSONLEX_TRUE:
			p += 4;
			v = json_true();
			break;
		case JSONLEX_FALSE:
			p += 5;
			v = json_false();
			break;
		case JSONLEX_NULL:
			p += 4;
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
			p++;
			p = jsonlex_ws(p, end);
			if (p < end && (*p == '}' || *p == ']')) {
				p++;
				depth--;
			} else if (json_is_object(v))
				goto key;
			else
				continue;
		}
		/* After a value: close containers, find the next value. */
		for (;;) {
			p = jsonlex_ws(p, end);
			if (depth == 0)
				goto done;
			if (p >= end)
				goto bad;
			top = stack[depth - 1];
			if (*p == '}' || *p == ']') {
				p++;
				depth--;
				continue;
			}
			if (*p != ',')
				goto bad;
			p++;
			p = jsonlex_ws(p, end);
			if (json_is_object(top))
				goto key;
			break;
		}
		continue;
key:
		if (p >= end || *p != '"' ||
		    (q = jsonlex_string(p, end, NULL)) == NULL)
			goto bad;
		blen = q - p - 2;
		if (keycap < blen + 1) {
			keycap = blen + 64;
			key = xreallocarray(key, keycap, 1);
		}
		klen = jsonlex_decode(p + 1, blen, 0, key);
		p = jsonlex_ws(q, end);
		if (p >= end || *p != ':')
			goto bad;
		p++;
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
	json_opt(o, "type", event_type_name(ev->type));
	json_opt(o, "previousId", ev->previous_id);
	json_opt(o, "userId", ev->user_id);
	ev->json = o;
	return o;
}
