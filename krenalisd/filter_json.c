/*
 * The JSON form of filters (spec/filters.md §1): read into inputs for
 * filter_compile(), with the shape checks of §6 first, and written back in
 * its canonical form.  It calls filter.c and filter_path.c.
 */
#include <string.h>

#include <jansson.h>

#include "xmalloc.h"

#include "filter.h"
#include "filter_priv.h"

/* The string of a JSON member, or "" when it is missing or not a string. */
static const char *
member_string(const json_t *o, const char *key, size_t *len)
{
	const json_t	*v = json_object_get(o, key);

	if (!json_is_string(v)) {
		*len = 0;
		return "";
	}
	*len = json_string_length(v);
	return json_string_value(v);
}

int
filter_from_json(const json_t *j, struct filter **fp, char *err,
    size_t errlen)
{
	const json_t		*conds, *c, *vals, *v;
	struct filter_input	*in;
	const char		*s;
	size_t			 i, k, n, len;
	int			 logical;

	*fp = NULL;
	if (json_is_null(j))
		return 0;
	if (!json_is_object(j)) {
		filter_err(err, errlen, "filter must be a JSON object or null");
		return -1;
	}
	s = member_string(j, "logical", &len);
	if (len == 3 && memcmp(s, "and", 3) == 0)
		logical = FILTER_LOGICAL_AND;
	else if (len == 2 && memcmp(s, "or", 2) == 0)
		logical = FILTER_LOGICAL_OR;
	else {
		filter_err(err, errlen, "invalid logical operator \"%.*s\"",
		    (int)len, s);
		return -1;
	}
	conds = json_object_get(j, "conditions");
	if (conds == NULL || json_is_null(conds) ||
	    (json_is_array(conds) && json_array_size(conds) == 0)) {
		filter_err(err, errlen, "conditions are missing");
		return -1;
	}
	if (!json_is_array(conds)) {
		filter_err(err, errlen, "conditions must be an array");
		return -1;
	}

	/* Shape checks for every condition first (§6). */
	n = json_array_size(conds);
	for (i = 0; i < n; i++) {
		c = json_array_get(conds, i);
		if (!json_is_object(c)) {
			filter_err(err, errlen, "condition %zu is not an object",
			    i);
			return -1;
		}
		vals = json_object_get(c, "values");
		if (vals == NULL || json_is_null(vals))
			continue;
		if (!json_is_array(vals))
			goto badvalues;
		for (k = 0; k < json_array_size(vals); k++)
			if (!json_is_string(json_array_get(vals, k)))
				goto badvalues;
	}

	in = xcalloc(n, sizeof(*in));
	for (i = 0; i < n; i++) {
		c = json_array_get(conds, i);
		/* A path that is not valid is reported by filter_compile(). */
		s = member_string(c, "property", &len);
		filter_path_split(s, len, &in[i].path);
		in[i].op = member_string(c, "operator", &in[i].oplen);
		vals = json_object_get(c, "values");
		if (vals == NULL || json_is_null(vals))
			continue;
		in[i].hasvals = 1;
		in[i].nvals = json_array_size(vals);
		in[i].vals = xcalloc(in[i].nvals, sizeof(*in[i].vals));
		in[i].lens = xcalloc(in[i].nvals, sizeof(*in[i].lens));
		for (k = 0; k < in[i].nvals; k++) {
			v = json_array_get(vals, k);
			in[i].vals[k] = json_string_value(v);
			in[i].lens[k] = json_string_length(v);
		}
	}
	*fp = filter_compile(logical, in, n, err, errlen);
	filter_inputs_free(in, n);
	return *fp == NULL ? -1 : 0;

badvalues:
	filter_err(err, errlen, "values must be an array of strings");
	return -1;
}

json_t *
filter_to_json(const struct filter *f)
{
	json_t			*o, *conds, *co, *vals;
	const struct filter_cond *c;
	size_t			 i, k;

	if (f == NULL)
		return json_null();
	o = json_object();
	conds = json_array();
	json_object_set_new(o, "logical", json_string(
	    f->logical == FILTER_LOGICAL_OR ? "or" : "and"));
	for (i = 0; i < f->nconds; i++) {
		c = &f->conds[i];
		co = json_object();
		json_object_set_new(co, "property", json_string(c->canon));
		json_object_set_new(co, "operator",
		    json_string(filter_ops[c->op].name));
		if (filter_ops[c->op].nvals != FVALS_NONE) {
			vals = json_array();
			for (k = 0; k < c->nvalues; k++)
				json_array_append_new(vals, json_stringn(
				    c->values[k].str, c->values[k].len));
			json_object_set_new(co, "values", vals);
		}
		json_array_append_new(conds, co);
	}
	json_object_set_new(o, "conditions", conds);
	return o;
}
