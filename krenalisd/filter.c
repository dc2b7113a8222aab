/*
 * Compiled filters (spec/filters.md): the operators (§3) and what each
 * allows on each kind of property (§4), validation of conditions from the
 * path on (§5, §6), canonical texts (§9), the accessors of filter.h and
 * freeing.  It calls filter_path.c and filter_value.c; the text form,
 * the JSON form and evaluation call it.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xmalloc.h"

#include "filter.h"
#include "filter_priv.h"
#include "ipaddr.h"

#define VALUE_MAX_RUNES	60

const struct filter_opdef filter_ops[FOP_COUNT] = {
	{ "is",				FVALS_ONE,	FOP_IS },
	{ "is not",			FVALS_ONE,	FOP_IS },
	{ "is less than",		FVALS_ONE,	FOP_LT },
	{ "is less than or equal to",	FVALS_ONE,	FOP_LE },
	{ "is greater than",		FVALS_ONE,	FOP_GT },
	{ "is greater than or equal to", FVALS_ONE,	FOP_GE },
	{ "is between",			FVALS_TWO,	FOP_BETWEEN },
	{ "is not between",		FVALS_TWO,	FOP_BETWEEN },
	{ "contains",			FVALS_ONE,	FOP_CONTAINS },
	{ "does not contain",		FVALS_ONE,	FOP_CONTAINS },
	{ "is one of",			FVALS_LIST,	FOP_ONE_OF },
	{ "is not one of",		FVALS_LIST,	FOP_ONE_OF },
	{ "starts with",		FVALS_ONE,	FOP_STARTS_WITH },
	{ "ends with",			FVALS_ONE,	FOP_ENDS_WITH },
	{ "is before",			FVALS_ONE,	FOP_BEFORE },
	{ "is on or before",		FVALS_ONE, FOP_ON_OR_BEFORE },
	{ "is after",			FVALS_ONE,	FOP_AFTER },
	{ "is on or after",		FVALS_ONE,	FOP_ON_OR_AFTER },
	{ "is true",			FVALS_NONE,	FOP_TRUE },
	{ "is false",			FVALS_NONE,	FOP_FALSE },
	{ "is empty",			FVALS_NONE,	FOP_EMPTY },
	{ "is not empty",		FVALS_NONE,	FOP_EMPTY },
	{ "is null",			FVALS_NONE,	FOP_NULL },
	{ "is not null",		FVALS_NONE,	FOP_NULL },
	{ "exists",			FVALS_NONE,	FOP_EXISTS },
	{ "does not exist",		FVALS_NONE,	FOP_EXISTS }
};

/*
 * The operator/kind matrix of §4, one row per group of operators and one
 * column per kind (enum filter_kind order): Y allowed, otherwise the letter
 * of the error.  "exists" is checked apart.
 */
static const char *const op_matrix[FOP_COUNT] = {
	"YYTYYYYYYTT",		/* is */
	"YYTYYYYYYTT",		/* is not */
	"YVTYYYTTYTT",		/* is less than */
	"YVTYYYTTYTT",
	"YVTYYYTTYTT",
	"YVTYYYTTYTT",
	"YVTYYYYTYTT",		/* is between */
	"YVTYYYYTYTT",
	"YYTTTTTTYTT",		/* contains */
	"YYTTTTTTYTT",
	"YYTYYYYTYTT",		/* is one of */
	"YYTYYYYTYTT",
	"YVTTTTTTYTT",		/* starts with */
	"YVTTTTTTYTT",
	"TTTTTTYTYTT",		/* is before */
	"TTTTTTYTYTT",
	"TTTTTTYTYTT",
	"TTTTTTYTYTT",
	"TTYTTTTTYTT",		/* is true */
	"TTYTTTTTYTT",
	"YEKKKKKKYOY",		/* is empty */
	"YEKKKKKKYOY",
	"NNNNNNNNYNN",		/* is null */
	"NNNNNNNNYNN",
	NULL,			/* exists */
	NULL
};

static const char *const kind_names[FK_COUNT] = {
	"string", "string", "boolean", "int", "float", "decimal", "datetime",
	"ip", "json", "object", "map"
};

void
filter_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Build the canonical text of a compiled condition (§9). */
static char *
cond_text(const struct filter_cond *c)
{
	struct buf		 b;
	size_t			 i;
	int			 nvals = filter_ops[c->op].nvals;

	buf_init(&b);
	buf_adds(&b, c->canon);
	buf_addc(&b, ' ');
	buf_adds(&b, filter_ops[c->op].name);
	if (nvals == FVALS_ONE) {
		buf_addc(&b, ' ');
		filter_literal_add(&b, c->values[0].str, c->values[0].len);
	} else if (nvals != FVALS_NONE) {
		buf_add(&b, " (", 2);
		for (i = 0; i < c->nvalues; i++) {
			if (i > 0)
				buf_add(&b, ", ", 2);
			filter_literal_add(&b, c->values[i].str,
			    c->values[i].len);
		}
		buf_addc(&b, ')');
	}
	return buf_finish(&b);
}

/* Check the kind literal of one value (§5 step 3) and pre-parse it. */
static int
value_compile(struct filter_cond *c, struct filter_value *v, char *err,
    size_t errlen)
{
	const char	*kind = kind_names[c->kind];
	struct ipaddr	 addr;
	char		 ip[IPADDR_BUFSZ];
	int		 ok = 1;
	enum filter_op	 pos = filter_ops[c->op].positive;

	switch (c->kind) {
	case FK_INT:
		ok = filter_int_parse(v->str, v->len, &v->i) == 0;
		break;
	case FK_FLOAT:
		ok = filter_float_parse(v->str, v->len, &v->f) == 0;
		break;
	case FK_DECIMAL:
		if ((ok = filter_is_decimal(v->str, v->len)) != 0) {
			filter_dec_parse(v->str, v->len, &v->num);
			v->hasnum = 1;
		}
		break;
	case FK_DATETIME:
		ok = filter_instant_parse(v->str, v->len, &v->t) == 0;
		v->hastime = ok;
		break;
	case FK_IP:
		ok = ipaddr_parse(v->str, v->len, &addr) == 0;
		if (ok) {
			/* Kept in the canonical form of events.md §10. */
			ipaddr_unmap(&addr);
			v->len = ipaddr_format(&addr, ip);
			free(v->str);
			v->str = xstrndup(ip, v->len);
		}
		break;
	case FK_JSON:
		if (pos == FOP_BEFORE || pos == FOP_ON_OR_BEFORE ||
		    pos == FOP_AFTER || pos == FOP_ON_OR_AFTER) {
			kind = kind_names[FK_DATETIME];
			ok = filter_instant_parse(v->str, v->len, &v->t) == 0;
			v->hastime = ok;
		}
		if (ok && filter_is_decimal(v->str, v->len)) {
			filter_dec_parse(v->str, v->len, &v->num);
			v->hasnum = 1;
			v->hasint = filter_int_parse(v->str, v->len,
			    &v->i) == 0;
		}
		break;
	default:
		break;
	}
	if (!ok) {
		filter_err(err, errlen, "value of the \"%s\" property is not "
		    "a valid %s", c->canon, kind);
		return -1;
	}
	return 0;
}

/* Check the values of a condition (§5) and copy them into c. */
static int
values_compile(struct filter_cond *c, const char *const *enums,
    const struct filter_input *in, char *err, size_t errlen)
{
	const char *const	*e;
	struct filter_value	*v;
	const char		*s;
	size_t			 i, len, runes;

	c->values = xcalloc(in->nvals, sizeof(*c->values));
	for (i = 0; i < in->nvals; i++) {
		s = in->vals[i];
		len = in->lens[i];
		if (enums != NULL) {
			for (e = enums; *e != NULL; e++)
				if (strlen(*e) == len &&
				    memcmp(*e, s, len) == 0)
					break;
			if (*e == NULL) {
				filter_err(err, errlen, "value of the \"%s\" "
				    "property is not among the allowed values",
				    c->canon);
				return -1;
			}
		} else if (len == 0) {
			filter_err(err, errlen, "condition value is empty");
			return -1;
		} else if (!utf8_valid(s, len, &runes)) {
			filter_err(err, errlen, "condition value contains "
			    "invalid UTF-8 encoded characters");
			return -1;
		} else if (memchr(s, '\0', len) != NULL) {
			filter_err(err, errlen, "condition value contains the "
			    "NUL byte");
			return -1;
		} else if (runes > VALUE_MAX_RUNES) {
			filter_err(err, errlen, "condition value is longer than "
			    "%d runes", VALUE_MAX_RUNES);
			return -1;
		}
		v = &c->values[c->nvalues++];
		v->str = xmalloc(len + 1);
		memcpy(v->str, s, len);
		v->str[len] = '\0';
		v->len = len;
		if (value_compile(c, v, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* Validate one condition from its path on (§6) and compile it into c. */
static int
cond_compile(struct filter_cond *c, const struct filter_input *in,
    char *err, size_t errlen)
{
	struct filter_field	 fld;
	const char		*op, *row;
	size_t			 i, bad, n;
	int			 nvals;
	char			*prefix;
	char			 cell;

	if (!filter_path_valid(&c->path)) {
		filter_err(err, errlen, "property path is not valid");
		return -1;
	}
	if (filter_path_resolve(&c->path, &fld, &bad) == -1) {
		prefix = filter_path_text(&c->path, bad + 1);
		filter_err(err, errlen, "property path \"%s\" does not exist",
		    prefix);
		free(prefix);
		return -1;
	}
	c->kind = fld.kind;
	c->canon = filter_path_text(&c->path, c->path.nsegs);
	c->src = fld.src;
	c->at = fld.at;
	c->fields = fld.fields;

	for (i = 0; i < FOP_COUNT; i++)
		if (strlen(filter_ops[i].name) == in->oplen &&
		    memcmp(filter_ops[i].name, in->op, in->oplen) == 0)
			break;
	if (i == FOP_COUNT) {
		filter_err(err, errlen, "operator \"%.*s\" is not valid",
		    (int)in->oplen, in->op);
		return -1;
	}
	c->op = (enum filter_op)i;
	c->pos = filter_ops[i].positive;
	op = filter_ops[i].name;
	row = op_matrix[i];
	cell = row != NULL ? row[c->kind] : fld.ro ? 'Y' : 'X';
	switch (cell) {
	case 'T':
		filter_err(err, errlen, "operator \"%s\" cannot be used with %s "
		    "properties", op, kind_names[c->kind]);
		return -1;
	case 'V':
		filter_err(err, errlen, "operator \"%s\" cannot be used with "
		    "string type that has values", op);
		return -1;
	case 'E':
		filter_err(err, errlen, "operator \"%s\" cannot be used on "
		    "string properties that exclude the empty string from "
		    "allowed values", op);
		return -1;
	case 'K':
		filter_err(err, errlen, "operator \"%s\" can only be used with "
		    "json, string, object, array, and map properties", op);
		return -1;
	case 'O':
		filter_err(err, errlen, "operator \"%s\" cannot be used on "
		    "object properties for pipelines on events", op);
		return -1;
	case 'N':
		filter_err(err, errlen, "operator \"%s\" can only be used with "
		    "nullable or json properties", op);
		return -1;
	case 'X':
		filter_err(err, errlen, "operator \"%s\" can only be used with "
		    "read-optional properties or with json properties that "
		    "include a JSON path", op);
		return -1;
	default:
		break;
	}

	nvals = filter_ops[i].nvals;
	n = in->hasvals ? in->nvals : 0;
	if (nvals == FVALS_NONE && in->hasvals) {
		filter_err(err, errlen, "values cannot be used with the "
		    "operator \"%s\"", op);
		return -1;
	}
	if (nvals == FVALS_ONE && n != 1) {
		filter_err(err, errlen, "only one value can be used with the "
		    "operator \"%s\"", op);
		return -1;
	}
	if (nvals == FVALS_TWO && n != 2) {
		filter_err(err, errlen, "two values must be used with the "
		    "operator \"%s\"", op);
		return -1;
	}
	if (nvals == FVALS_LIST && n < 1) {
		filter_err(err, errlen, "at least one value must be used with "
		    "the operator \"%s\"", op);
		return -1;
	}
	if (nvals != FVALS_NONE &&
	    values_compile(c, fld.enums, in, err, errlen) == -1)
		return -1;
	c->text = cond_text(c);
	return 0;
}

struct filter *
filter_compile(int logical, struct filter_input *in, size_t n, char *err,
    size_t errlen)
{
	struct filter	*f;
	size_t		 i;

	f = xcalloc(1, sizeof(*f));
	f->conds = xcalloc(n, sizeof(*f->conds));
	/* With one condition "and" and "or" are the same: store "and". */
	f->logical = n == 1 ? FILTER_LOGICAL_AND : logical;
	for (i = 0; i < n; i++) {
		f->conds[i].path = in[i].path;
		memset(&in[i].path, 0, sizeof(in[i].path));
		f->nconds = i + 1;
		if (cond_compile(&f->conds[i], &in[i], err, errlen) == -1) {
			filter_free(f);
			return NULL;
		}
	}
	return f;
}

void
filter_inputs_free(struct filter_input *in, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		filter_path_release(&in[i].path);
		free(in[i].vals);
		free(in[i].lens);
	}
	free(in);
}

void
filter_free(struct filter *f)
{
	struct filter_cond	*c;
	size_t			 i, j;

	if (f == NULL)
		return;
	for (i = 0; i < f->nconds; i++) {
		c = &f->conds[i];
		filter_path_release(&c->path);
		free(c->canon);
		free(c->text);
		for (j = 0; j < c->nvalues; j++)
			free(c->values[j].str);
		free(c->values);
	}
	free(f->conds);
	free(f);
}

char *
filter_to_text(const struct filter *f)
{
	struct buf		 b;
	size_t			 i;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	for (i = 0; i < f->nconds; i++) {
		if (i > 0)
			buf_adds(&b, f->logical == FILTER_LOGICAL_OR ?
			    " or " : " and ");
		buf_adds(&b, f->conds[i].text);
	}
	return buf_finish(&b);
}

size_t
filter_count(const struct filter *f)
{
	return f == NULL ? 0 : f->nconds;
}

const char *
filter_condition_text(const struct filter *f, size_t i)
{
	if (f == NULL || i >= f->nconds)
		return NULL;
	return f->conds[i].text;
}
