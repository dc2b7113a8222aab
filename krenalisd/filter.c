/*
 * Filters (spec/filters.md): the model, the event schema, validation (§6),
 * the JSON form (§1) and canonical printing (§2.4, §9).  The text parser
 * is in filter_parse.c and evaluation in filter_eval.c.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonstr.h"
#include "timestamp.h"
#include "utf8.h"
#include "xmalloc.h"

#include "filter.h"
#include "filter_priv.h"

#define VALUE_MAX_RUNES	60
#define EXP_LIMIT	1000000000000000LL	/* exponents saturate */

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

static void	 errf(char *, size_t, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));

/* Write a formatted message to the caller's error buffer. */
static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
filter_buf_add(struct filter_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 64;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
filter_buf_addc(struct filter_buf *b, char c)
{
	filter_buf_add(b, &c, 1);
}

void
filter_buf_adds(struct filter_buf *b, const char *s)
{
	filter_buf_add(b, s, strlen(s));
}

/* Return the built string (never NULL) and leave b empty. */
char *
filter_buf_finish(struct filter_buf *b)
{
	char	*s;

	if (b->s == NULL)
		filter_buf_add(b, "", 0);
	s = b->s;
	memset(b, 0, sizeof(*b));
	return s;
}

void
filter_segs_free(char **segs, size_t n)
{
	size_t	 i;

	if (segs == NULL)
		return;
	for (i = 0; i < n; i++)
		free(segs[i]);
	free(segs);
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Whether s is a "name" of §2.1: [A-Za-z_][A-Za-z0-9_]*. */
static int
is_name(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || s[i] == '_' || (i > 0 && is_digit(s[i])))
			continue;
		return 0;
	}
	return 1;
}

/*
 * Match [+-]? ( digits [ "." digits? ] / "." digits ) [ exponent ]; with
 * strict, a leading 0 cannot be followed by another integer digit.
 */
static int
num_match(const char *s, size_t len, int strict)
{
	size_t	 i = 0, start, nint = 0, nfrac = 0, nexp = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	start = i;
	while (i < len && is_digit(s[i])) {
		i++;
		nint++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && is_digit(s[i])) {
			i++;
			nfrac++;
		}
	}
	if (nint == 0 && nfrac == 0)
		return 0;
	if (strict && nint > 1 && s[start] == '0')
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < len && is_digit(s[i])) {
			i++;
			nexp++;
		}
		if (nexp == 0)
			return 0;
	}
	return i == len;
}

int
filter_is_number(const char *s, size_t len)
{
	return num_match(s, len, 0);
}

int
filter_is_decimal(const char *s, size_t len)
{
	return num_match(s, len, 1);
}

/* The float literal of §5: [+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?. */
static int
float_parse(const char *s, size_t len, double *d)
{
	size_t	 i = 0, n;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (n = 0; i < len && is_digit(s[i]); i++)
		n++;
	if (n == 0)
		return -1;
	if (i < len && s[i] == '.') {
		for (i++, n = 0; i < len && is_digit(s[i]); i++)
			n++;
		if (n == 0)
			return -1;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (n = 0; i < len && is_digit(s[i]); i++)
			n++;
		if (n == 0)
			return -1;
	}
	if (i != len)
		return -1;
	/* s is NUL-terminated here: it is a stored value. */
	*d = strtod(s, NULL);
	return isfinite(*d) ? 0 : -1;
}

/* The int literal of §5: [+-]?(0|[1-9][0-9]*) within 64 bits. */
static int
int_parse(const char *s, size_t len, int64_t *v)
{
	size_t		 i = 0;
	int		 neg = 0;
	uint64_t	 u = 0, lim;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == len || (s[i] == '0' && i + 1 < len))
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		if (u > (lim - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		u = u * 10 + (uint64_t)(s[i] - '0');
	}
	if (neg)
		*v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*v = (int64_t)u;
	return 0;
}

/*
 * Parse a text matching num_match() into d, without copying: the digits
 * are the integer and fraction parts of s, zeros stripped at both ends.
 * Huge exponents saturate at EXP_LIMIT, far beyond anything an event can
 * hold next to a 60-rune value.
 */
void
filter_dec_parse(const char *s, size_t len, struct filter_dec *d)
{
	size_t	 i = 0, ib, ie, fb, fe;
	int64_t	 point, e = 0;
	int	 sign = 1, esign = 1;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		sign = s[i++] == '-' ? -1 : 1;
	for (ib = i; i < len && is_digit(s[i]); i++)
		;
	ie = fb = fe = i;
	if (i < len && s[i] == '.') {
		for (fb = ++i; i < len && is_digit(s[i]); i++)
			;
		fe = i;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			esign = s[i++] == '-' ? -1 : 1;
		for (; i < len && is_digit(s[i]); i++)
			if (e < EXP_LIMIT)
				e = e * 10 + (s[i] - '0');
		if (e > EXP_LIMIT)
			e = EXP_LIMIT;
	}
	point = (int64_t)(ie - ib);
	while (ib < ie && s[ib] == '0') {
		ib++;
		point--;
	}
	if (ib == ie)
		while (fb < fe && s[fb] == '0') {
			fb++;
			point--;
		}
	while (fe > fb && s[fe - 1] == '0')
		fe--;
	if (fe == fb)
		while (ie > ib && s[ie - 1] == '0')
			ie--;
	memset(d, 0, sizeof(*d));
	if (ib == ie && fb == fe)
		return;
	d->sign = sign;
	d->exp = point + esign * e;
	d->a = s + ib;
	d->alen = ie - ib;
	d->b = s + fb;
	d->blen = fe - fb;
}

/* Digit i of a decimal's digit string. */
static char
dec_digit(const struct filter_dec *d, size_t i)
{
	return i < d->alen ? d->a[i] : d->b[i - d->alen];
}

int
filter_dec_cmp(const struct filter_dec *a, const struct filter_dec *b)
{
	size_t	 i, na = a->alen + a->blen, nb = b->alen + b->blen;
	int	 r = 0;
	char	 ca, cb;

	if (a->sign != b->sign)
		return a->sign < b->sign ? -1 : 1;
	if (a->sign == 0)
		return 0;
	if (a->exp != b->exp)
		r = a->exp < b->exp ? -1 : 1;
	else {
		for (i = 0; i < na && i < nb && r == 0; i++) {
			ca = dec_digit(a, i);
			cb = dec_digit(b, i);
			if (ca != cb)
				r = ca < cb ? -1 : 1;
		}
		if (r == 0 && na != nb)
			r = na < nb ? -1 : 1;
	}
	return a->sign > 0 ? r : -r;
}

/*
 * A timestamp with full precision: timestamp_parse() gives the ms
 * (truncated towards the past); the zone offset is whole minutes, so the
 * nanoseconds below the ms are fraction digits 4 to 9.
 */
int
filter_instant_parse(const char *s, size_t len, struct filter_instant *t)
{
	const char	*dot, *p, *end = s + len;
	size_t		 i;
	int32_t		 ns = 0, d;

	if (timestamp_parse(s, len, &t->ms) != TIMESTAMP_OK)
		return -1;
	if ((dot = memchr(s, '.', len)) != NULL) {
		p = dot + 1;
		for (i = 0; i < 9; i++) {
			d = 0;
			if (p < end && is_digit(*p))
				d = *p++ - '0';
			else
				p = end;	/* the zone: pad with zeros */
			if (i >= 3)
				ns = ns * 10 + d;
		}
	}
	t->ns = ns;
	return 0;
}

/*
 * An IPv4 dotted-decimal or IPv6 address without zone; an IPv4-mapped IPv6
 * address becomes its IPv4 address (spec/events.md §10).
 */
int
filter_ip_parse(const char *s, size_t len, struct filter_ip *ip)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char		 buf[64];
	unsigned char	 a[16];

	if (len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, buf, a) == 1) {
		ip->family = 4;
		memcpy(ip->addr, a, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a) != 1)
		return -1;
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		ip->family = 4;
		memcpy(ip->addr, a + 12, 4);
	} else {
		ip->family = 6;
		memcpy(ip->addr, a, 16);
	}
	return 0;
}

/* Append s as a double-quoted string with the escapes of §9. */
static void
quote_add(struct filter_buf *b, const char *s, size_t len)
{
	char	*q = xmalloc(JSONSTR_MAX(len));

	filter_buf_add(b, q, jsonstr_quote(q, s, len));
	free(q);
}

/* Append the canonical form (§2.4) of the first n segments. */
static void
path_add(struct filter_buf *b, char *const *segs, size_t n)
{
	size_t	 i, len;

	for (i = 0; i < n; i++) {
		len = strlen(segs[i]);
		if (i == 0)
			filter_buf_add(b, segs[i], len);
		else if (is_name(segs[i], len)) {
			filter_buf_addc(b, '.');
			filter_buf_add(b, segs[i], len);
		} else {
			filter_buf_addc(b, '[');
			quote_add(b, segs[i], len);
			filter_buf_addc(b, ']');
		}
	}
}

/* Append a value as §9 prints it: bare when it is a number. */
static void
value_add(struct filter_buf *b, const struct filter_value *v)
{
	if (filter_is_number(v->str, v->len))
		filter_buf_add(b, v->str, v->len);
	else
		quote_add(b, v->str, v->len);
}

/* Build the canonical text of a compiled condition (§9). */
static char *
cond_text(const struct filter_cond *c)
{
	struct filter_buf	 b;
	size_t			 i;
	int			 nvals = filter_ops[c->op].nvals;

	memset(&b, 0, sizeof(b));
	filter_buf_adds(&b, c->path);
	filter_buf_addc(&b, ' ');
	filter_buf_adds(&b, filter_ops[c->op].name);
	if (nvals == FVALS_ONE) {
		filter_buf_addc(&b, ' ');
		value_add(&b, &c->values[0]);
	} else if (nvals != FVALS_NONE) {
		filter_buf_add(&b, " (", 2);
		for (i = 0; i < c->nvalues; i++) {
			if (i > 0)
				filter_buf_add(&b, ", ", 2);
			value_add(&b, &c->values[i]);
		}
		filter_buf_addc(&b, ')');
	}
	return filter_buf_finish(&b);
}

/* The canonical text of the first n segments, allocated. */
static char *
path_text(char *const *segs, size_t n)
{
	struct filter_buf	 b;

	memset(&b, 0, sizeof(b));
	path_add(&b, segs, n);
	return filter_buf_finish(&b);
}

/*
 * Resolve the segments against the schema (§2.2).  Return 0 with the kind,
 * whether it is read-optional and whether it has a JSON sub-path, or -1
 * with *bad the index of the first segment that does not exist.
 */
static int
path_resolve(char *const *segs, size_t n, enum filter_kind *kind, int *ro,
    int *jsonpath, size_t *bad)
{
	const struct schema	*node = NULL, *m;
	size_t			 i;

	*jsonpath = 0;
	for (i = 0; i < n; i++) {
		if (node != NULL && node->kind == FK_JSON) {
			*jsonpath = 1;
			break;
		}
		if (node != NULL && node->kind != FK_OBJECT) {
			*bad = i;
			return -1;
		}
		m = node == NULL ? s_event : node->members;
		for (; m->name != NULL; m++)
			if (strcmp(m->name, segs[i]) == 0)
				break;
		if (m->name == NULL) {
			*bad = i;
			return -1;
		}
		node = m;
	}
	*kind = node->kind;
	*ro = *jsonpath ? 1 : node->ro;
	return 0;
}

/* Find the enum schema node of a resolved path, for its allowed values. */
static const char *const *
path_enums(char *const *segs, size_t n)
{
	const struct schema	*m = s_event, *node = NULL;
	size_t			 i;

	for (i = 0; i < n && m != NULL; i++) {
		for (node = m; node->name != NULL; node++)
			if (strcmp(node->name, segs[i]) == 0)
				break;
		if (node->name == NULL)
			return NULL;
		m = node->members;
	}
	return node != NULL ? node->enums : NULL;
}

/* Check the kind literal of one value (§5 step 3) and pre-parse it. */
static int
value_compile(struct filter_cond *c, struct filter_value *v, char *err,
    size_t errlen)
{
	const char	*kind = kind_names[c->kind];
	int		 ok = 1;
	enum filter_op	 pos = filter_ops[c->op].positive;

	switch (c->kind) {
	case FK_INT:
		ok = int_parse(v->str, v->len, &v->i) == 0;
		break;
	case FK_FLOAT:
		ok = float_parse(v->str, v->len, &v->f) == 0;
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
		ok = filter_ip_parse(v->str, v->len, &v->ip) == 0;
		if (ok) {
			/* Kept in the canonical form of events.md §10. */
			char canon[INET6_ADDRSTRLEN];

			inet_ntop(v->ip.family == 4 ? AF_INET : AF_INET6,
			    v->ip.addr, canon, sizeof(canon));
			free(v->str);
			v->str = xstrdup(canon);
			v->len = strlen(canon);
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
		}
		break;
	default:
		break;
	}
	if (!ok) {
		errf(err, errlen, "value of the \"%s\" property is not a "
		    "valid %s", c->path, kind);
		return -1;
	}
	return 0;
}

/* Check the values of a condition (§5) and copy them into c. */
static int
values_compile(struct filter_cond *c, const struct filter_input *in,
    char *err, size_t errlen)
{
	const char *const	*enums = NULL, *const *e;
	struct filter_value	*v;
	const char		*s;
	size_t			 i, len, runes;

	if (c->kind == FK_ENUM)
		enums = path_enums(c->segs, c->nsegs);
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
				errf(err, errlen, "value of the \"%s\" property"
				    " is not among the allowed values",
				    c->path);
				return -1;
			}
		} else if (len == 0) {
			errf(err, errlen, "condition value is empty");
			return -1;
		} else if (!utf8_valid(s, len, &runes)) {
			errf(err, errlen, "condition value contains invalid "
			    "UTF-8 encoded characters");
			return -1;
		} else if (memchr(s, '\0', len) != NULL) {
			errf(err, errlen, "condition value contains the NUL "
			    "byte");
			return -1;
		} else if (runes > VALUE_MAX_RUNES) {
			errf(err, errlen, "condition value is longer than %d "
			    "runes", VALUE_MAX_RUNES);
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
	const char	*op, *row;
	size_t		 i, bad, n;
	int		 ro, jsonpath, nvals;
	char		*prefix;
	char		 cell;

	if (c->segs == NULL) {
		errf(err, errlen, "property path is not valid");
		return -1;
	}
	for (i = 0; i < c->nsegs; i++) {
		n = strlen(c->segs[i]);
		if (n == 0 || !utf8_valid(c->segs[i], n, NULL)) {
			errf(err, errlen, "property path is not valid");
			return -1;
		}
	}
	if (path_resolve(c->segs, c->nsegs, &c->kind, &ro, &jsonpath,
	    &bad) == -1) {
		prefix = path_text(c->segs, bad + 1);
		errf(err, errlen, "property path \"%s\" does not exist",
		    prefix);
		free(prefix);
		return -1;
	}
	c->path = path_text(c->segs, c->nsegs);
	if (c->kind == FK_JSON)
		c->root = strcmp(c->segs[0], "properties") == 0 ?
		    FILTER_ROOT_PROPERTIES : FILTER_ROOT_TRAITS;

	for (i = 0; i < FOP_COUNT; i++)
		if (strlen(filter_ops[i].name) == in->oplen &&
		    memcmp(filter_ops[i].name, in->op, in->oplen) == 0)
			break;
	if (i == FOP_COUNT) {
		errf(err, errlen, "operator \"%.*s\" is not valid",
		    (int)in->oplen, in->op);
		return -1;
	}
	c->op = (enum filter_op)i;
	op = filter_ops[i].name;
	row = op_matrix[i];
	cell = row != NULL ? row[c->kind] : (ro || jsonpath) ? 'Y' : 'X';
	switch (cell) {
	case 'T':
		errf(err, errlen, "operator \"%s\" cannot be used with %s "
		    "properties", op, kind_names[c->kind]);
		return -1;
	case 'V':
		errf(err, errlen, "operator \"%s\" cannot be used with string "
		    "type that has values", op);
		return -1;
	case 'E':
		errf(err, errlen, "operator \"%s\" cannot be used on string "
		    "properties that exclude the empty string from allowed "
		    "values", op);
		return -1;
	case 'K':
		errf(err, errlen, "operator \"%s\" can only be used with json, "
		    "string, object, array, and map properties", op);
		return -1;
	case 'O':
		errf(err, errlen, "operator \"%s\" cannot be used on object "
		    "properties for pipelines on events", op);
		return -1;
	case 'N':
		errf(err, errlen, "operator \"%s\" can only be used with "
		    "nullable or json properties", op);
		return -1;
	case 'X':
		errf(err, errlen, "operator \"%s\" can only be used with "
		    "read-optional properties or with json properties that "
		    "include a JSON path", op);
		return -1;
	default:
		break;
	}

	nvals = filter_ops[i].nvals;
	n = in->hasvals ? in->nvals : 0;
	if (nvals == FVALS_NONE && in->hasvals) {
		errf(err, errlen, "values cannot be used with the operator "
		    "\"%s\"", op);
		return -1;
	}
	if (nvals == FVALS_ONE && n != 1) {
		errf(err, errlen, "only one value can be used with the "
		    "operator \"%s\"", op);
		return -1;
	}
	if (nvals == FVALS_TWO && n != 2) {
		errf(err, errlen, "two values must be used with the operator "
		    "\"%s\"", op);
		return -1;
	}
	if (nvals == FVALS_LIST && n < 1) {
		errf(err, errlen, "at least one value must be used with the "
		    "operator \"%s\"", op);
		return -1;
	}
	if (nvals != FVALS_NONE &&
	    values_compile(c, in, err, errlen) == -1)
		return -1;
	c->text = cond_text(c);
	return 0;
}

struct filter *
filter_compile(int logical, struct filter_input *in, size_t n, char *err,
    size_t errlen)
{
	struct filter	*f;
	size_t		 i, j;

	f = xcalloc(1, sizeof(*f));
	f->conds = xcalloc(n, sizeof(*f->conds));
	/* With one condition "and" and "or" are the same: store "and". */
	f->logical = n == 1 ? FILTER_LOGICAL_AND : logical;
	for (i = 0; i < n; i++) {
		f->conds[i].segs = in[i].segs;
		f->conds[i].nsegs = in[i].nsegs;
		in[i].segs = NULL;
		f->nconds = i + 1;
		if (cond_compile(&f->conds[i], &in[i], err, errlen) == -1) {
			for (j = i + 1; j < n; j++) {
				filter_segs_free(in[j].segs, in[j].nsegs);
				in[j].segs = NULL;
			}
			filter_free(f);
			return NULL;
		}
	}
	return f;
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
		filter_segs_free(c->segs, c->nsegs);
		free(c->path);
		free(c->text);
		for (j = 0; j < c->nvalues; j++)
			free(c->values[j].str);
		free(c->values);
	}
	free(f->conds);
	free(f);
}

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

/* Free the inputs built by filter_from_json. */
static void
inputs_free(struct filter_input *in, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		filter_segs_free(in[i].segs, in[i].nsegs);
		free(in[i].vals);
		free(in[i].lens);
	}
	free(in);
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
		errf(err, errlen, "filter must be a JSON object or null");
		return -1;
	}
	s = member_string(j, "logical", &len);
	if (len == 3 && memcmp(s, "and", 3) == 0)
		logical = FILTER_LOGICAL_AND;
	else if (len == 2 && memcmp(s, "or", 2) == 0)
		logical = FILTER_LOGICAL_OR;
	else {
		errf(err, errlen, "invalid logical operator \"%.*s\"",
		    (int)len, s);
		return -1;
	}
	conds = json_object_get(j, "conditions");
	if (conds == NULL || json_is_null(conds) ||
	    (json_is_array(conds) && json_array_size(conds) == 0)) {
		errf(err, errlen, "conditions are missing");
		return -1;
	}
	if (!json_is_array(conds)) {
		errf(err, errlen, "conditions must be an array");
		return -1;
	}

	/* Shape checks for every condition first (§6). */
	n = json_array_size(conds);
	for (i = 0; i < n; i++) {
		c = json_array_get(conds, i);
		if (!json_is_object(c)) {
			errf(err, errlen, "condition %zu is not an object", i);
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
		s = member_string(c, "property", &len);
		if (filter_path_split(s, len, &in[i].segs, &in[i].nsegs) == -1)
			in[i].segs = NULL;
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
	inputs_free(in, n);
	return *fp == NULL ? -1 : 0;

badvalues:
	errf(err, errlen, "values must be an array of strings");
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
		json_object_set_new(co, "property", json_string(c->path));
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

char *
filter_to_text(const struct filter *f)
{
	struct filter_buf	 b;
	size_t			 i;

	if (f == NULL)
		return NULL;
	memset(&b, 0, sizeof(b));
	for (i = 0; i < f->nconds; i++) {
		if (i > 0)
			filter_buf_adds(&b, f->logical == FILTER_LOGICAL_OR ?
			    " or " : " and ");
		filter_buf_adds(&b, f->conds[i].text);
	}
	return filter_buf_finish(&b);
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
