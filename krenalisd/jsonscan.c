/* A validating scanner for request bodies; see jsonscan.h. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jsonlex.h"
#include "utf8.h"
#include "xmalloc.h"
#include "jsonscan.h"

/*
 * Duplicate member names are found per object: up to KEYSET_SMALL names
 * are compared in a small array on the stack (an event and its context
 * have a dozen, and a table is an allocation of 2 KiB); an object with
 * more members gets a hash table of its own.  Names compare by their
 * decoded bytes, so "a" and "\u0061" are the same name.
 */
#define KEYSET_SMALL	16

struct keyent {
	uint64_t	hash;		/* of the decoded name */
	size_t		off;		/* the name's raw text, quotes excluded */
	size_t		len;
	int		escaped;
};

struct keyset {
	struct keyent	 small[KEYSET_SMALL];
	size_t		 n;
	struct keyent	*table;		/* once n passes KEYSET_SMALL */
	size_t		 mask;
};

struct scan {
	const unsigned char	*p;
	size_t			 len;
	size_t			 i;
	struct jsonscan		*js;
	size_t			 elemcap;
	size_t			 membercap;
	size_t			*keyoff;	/* members' raw names, membercap */
};

struct keyset;

static int	scan_value(struct scan *, int depth, struct jsonscan_span *);
static int	scan_members(struct scan *, int, int, int, struct keyset *);

static int
fail(struct scan *s, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static int
fail(struct scan *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(s->js->detail, sizeof(s->js->detail), fmt, ap);
	va_end(ap);
	return -1;
}

static int
unexpected(struct scan *s)
{
	if (s->i >= s->len)
		return fail(s, "unexpected end of JSON input");
	if (s->p[s->i] >= 0x20 && s->p[s->i] < 0x7f)
		return fail(s, "invalid character '%c' at offset %zu",
		    s->p[s->i], s->i);
	return fail(s, "invalid byte 0x%02X at offset %zu", s->p[s->i], s->i);
}

static void
skip_ws(struct scan *s)
{
	while (s->i < s->len && (s->p[s->i] == ' ' || s->p[s->i] == '\t' ||
	    s->p[s->i] == '\n' || s->p[s->i] == '\r'))
		s->i++;
}

/*
 * Scan a string starting at its opening quote; set *escaped when it holds
 * a backslash escape.  On return s->i is past the closing quote.
 */
static int
scan_string(struct scan *s, int *escaped)
{
	size_t	n;
	int	k;

	*escaped = 0;
	s->i++;
	for (;;) {
		if (s->i >= s->len)
			return fail(s, "unexpected end of JSON input in a "
			    "string");
		unsigned char c = s->p[s->i];
		if (c == '"') {
			s->i++;
			return 0;
		}
		if (c == '\\') {
			*escaped = 1;
			if (s->i + 1 >= s->len)
				return fail(s, "unexpected end of JSON input in "
				    "a string");
			switch (s->p[s->i + 1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				s->i += 2;
				continue;
			case 'u':
				if (s->i + 5 >= s->len)
					return fail(s, "unexpected end of JSON "
					    "input in a string");
				for (k = 2; k < 6; k++)
					if (utf8_hexdigit(s->p[s->i + k]) == -1)
						return fail(s, "invalid \\u "
						    "escape at offset %zu",
						    s->i);
				s->i += 6;
				continue;
			default:
				return fail(s, "invalid escape at offset %zu",
				    s->i);
			}
		}
		if (c < 0x20)
			return fail(s, "control character 0x%02X in a string "
			    "at offset %zu", c, s->i);
		if (c < 0x80) {
			s->i++;
			continue;
		}
		if ((n = utf8_seqlen((const char *)s->p + s->i,
		    s->len - s->i)) == 0)
			return fail(s, "invalid UTF-8 at offset %zu", s->i);
		s->i += n;
	}
}

/* Decode a key's raw text into a malloc'd buffer; *outlen its length. */
static char *
key_decode(const struct scan *s, size_t off, size_t len, size_t *outlen)
{
	char	*k = xmalloc(len + 1);

	*outlen = jsonlex_decode((const char *)s->p + off, len, 0, k);
	k[*outlen] = '\0';
	return k;
}

/*
 * The root object's member names, decoded into one buffer (no longer
 * than their raw text, with a NUL each) rather than one allocation each.
 */
static void
keys_decode(struct scan *s)
{
	struct jsonscan_member	*m;
	size_t			 i, total = 0, at = 0;

	for (i = 0; i < s->js->nmembers; i++)
		total += s->js->members[i].keylen + 1;
	if (total == 0)
		return;
	s->js->keys = xmalloc(total);
	for (i = 0; i < s->js->nmembers; i++) {
		m = &s->js->members[i];
		m->key = s->js->keys + at;
		m->keylen = jsonlex_decode((const char *)s->p + s->keyoff[i],
		    m->keylen, 0, m->key);
		m->key[m->keylen] = '\0';
		at += m->keylen + 1;
	}
}

/* Whether two recorded names are the same once decoded. */
static int
key_same(const struct scan *s, const struct keyent *a, const struct keyent *b)
{
	char	 sa[256], sb[256], *da, *db;
	size_t	 la, lb;
	int	 same;

	if (!a->escaped && !b->escaped)
		return a->len == b->len &&
		    memcmp(s->p + a->off, s->p + b->off, a->len) == 0;
	da = a->len < sizeof(sa) ? sa : xmalloc(a->len + 1);
	db = b->len < sizeof(sb) ? sb : xmalloc(b->len + 1);
	la = jsonlex_decode((const char *)s->p + a->off, a->len, 0, da);
	lb = jsonlex_decode((const char *)s->p + b->off, b->len, 0, db);
	same = la == lb && memcmp(da, db, la) == 0;
	if (da != sa)
		free(da);
	if (db != sb)
		free(db);
	return same;
}

static void
table_put(struct keyset *ks, const struct keyent *e)
{
	size_t	j = e->hash & ks->mask;

	while (ks->table[j].len != (size_t)-1)
		j = (j + 1) & ks->mask;
	ks->table[j] = *e;
}

static void
table_grow(struct keyset *ks)
{
	struct keyent	*old = ks->table;
	size_t		 oldsize = old ? ks->mask + 1 : 0, size, i;

	size = oldsize ? oldsize * 2 : 4 * KEYSET_SMALL;
	ks->table = xreallocarray(NULL, size, sizeof(*ks->table));
	for (i = 0; i < size; i++)
		ks->table[i].len = (size_t)-1;	/* empty */
	ks->mask = size - 1;
	if (old == NULL)
		for (i = 0; i < KEYSET_SMALL; i++)
			table_put(ks, &ks->small[i]);
	for (i = 0; i < oldsize; i++)
		if (old[i].len != (size_t)-1)
			table_put(ks, &old[i]);
	free(old);
}

/*
 * Record the member name at off/len of the object of ks; -1 when the
 * object already has a member of that (decoded) name.
 */
static int
key_add(struct scan *s, struct keyset *ks, size_t off, size_t len,
    int escaped)
{
	struct keyent	 e;
	char		 small[256], *dec;
	size_t		 dlen, i, j;

	if (escaped) {
		dec = len < sizeof(small) ? small : xmalloc(len + 1);
		dlen = jsonlex_decode((const char *)s->p + off, len, 0, dec);
		e.hash = hash_bytes(dec, dlen);
		if (dec != small)
			free(dec);
	} else
		e.hash = hash_bytes((const char *)s->p + off, len);
	e.off = off;
	e.len = len;
	e.escaped = escaped;
	if (ks->n < KEYSET_SMALL) {
		for (i = 0; i < ks->n; i++)
			if (ks->small[i].hash == e.hash &&
			    key_same(s, &ks->small[i], &e))
				return -1;
		ks->small[ks->n++] = e;
		return 0;
	}
	if ((ks->n + 1) * 2 > (ks->table ? ks->mask + 1 : 0))
		table_grow(ks);
	for (j = e.hash & ks->mask; ks->table[j].len != (size_t)-1;
	    j = (j + 1) & ks->mask)
		if (ks->table[j].hash == e.hash &&
		    key_same(s, &ks->table[j], &e))
			return -1;
	ks->table[j] = e;
	ks->n++;
	return 0;
}

static int
scan_number(struct scan *s)
{
	size_t	start = s->i;

	if (s->i < s->len && s->p[s->i] == '-')
		s->i++;
	if (s->i < s->len && s->p[s->i] == '0')
		s->i++;
	else if (s->i < s->len && s->p[s->i] >= '1' && s->p[s->i] <= '9')
		while (s->i < s->len && s->p[s->i] >= '0' && s->p[s->i] <= '9')
			s->i++;
	else
		return unexpected(s);
	if (s->i < s->len && s->p[s->i] == '.') {
		s->i++;
		if (s->i >= s->len || s->p[s->i] < '0' || s->p[s->i] > '9')
			return unexpected(s);
		while (s->i < s->len && s->p[s->i] >= '0' && s->p[s->i] <= '9')
			s->i++;
	}
	if (s->i < s->len && (s->p[s->i] == 'e' || s->p[s->i] == 'E')) {
		s->i++;
		if (s->i < s->len && (s->p[s->i] == '+' || s->p[s->i] == '-'))
			s->i++;
		if (s->i >= s->len || s->p[s->i] < '0' || s->p[s->i] > '9')
			return unexpected(s);
		while (s->i < s->len && s->p[s->i] >= '0' && s->p[s->i] <= '9')
			s->i++;
	}
	(void)start;
	return 0;
}

static int
scan_literal(struct scan *s, const char *word, size_t n)
{
	if (s->len - s->i < n || memcmp(s->p + s->i, word, n) != 0)
		return unexpected(s);
	s->i += n;
	return 0;
}

static void
elem_push(struct scan *s, const struct jsonscan_span *sp)
{
	if (s->js->nelems == s->elemcap) {
		s->elemcap = s->elemcap ? s->elemcap * 2 : 64;
		s->js->elems = xreallocarray(s->js->elems, s->elemcap,
		    sizeof(*s->js->elems));
	}
	s->js->elems[s->js->nelems++] = *sp;
}

/*
 * Scan an array or object.  depth is its own depth (the root is 1).
 * Elements of the root array and of arrays directly under the root object
 * are recorded, and so are the root object's members.
 */
static int
scan_container(struct scan *s, int depth, int record_elems)
{
	struct keyset		 ks;
	int			 rc, is_obj = s->p[s->i] == '{';

	if (depth > JSONSCAN_MAX_DEPTH)
		return fail(s, "nesting deeper than %d levels at offset %zu",
		    JSONSCAN_MAX_DEPTH, s->i);
	s->i++;
	skip_ws(s);
	if (s->i < s->len && s->p[s->i] == (is_obj ? '}' : ']')) {
		s->i++;
		return 0;
	}
	ks.n = 0;
	ks.table = NULL;
	rc = scan_members(s, depth, record_elems, is_obj, &ks);
	free(ks.table);
	return rc;
}

/* The members or elements of a container, after its first bracket. */
static int
scan_members(struct scan *s, int depth, int record_elems, int is_obj,
    struct keyset *ks)
{
	struct jsonscan_span	 sp;
	struct jsonscan_member	*m;
	size_t			 koff, klen;
	int			 escaped;

	for (;;) {
		m = NULL;
		if (is_obj) {
			skip_ws(s);
			if (s->i >= s->len || s->p[s->i] != '"') {
				if (s->i < s->len)
					return fail(s, "expected a member name "
					    "at offset %zu", s->i);
				return unexpected(s);
			}
			koff = s->i + 1;
			if (scan_string(s, &escaped) == -1)
				return -1;
			klen = s->i - 1 - koff;
			if (key_add(s, ks, koff, klen, escaped) == -1) {
				char *k;
				size_t n;

				/* 60 bytes at most, cut between characters. */
				k = key_decode(s, koff, klen, &n);
				fail(s, "duplicate member \"%.*s\" at offset "
				    "%zu", (int)utf8_cut(k, n, 60), k, koff - 1);
				free(k);
				return -1;
			}
			if (depth == 1) {
				if (s->js->nmembers == s->membercap) {
					s->membercap = s->membercap ?
					    s->membercap * 2 : 16;
					s->js->members = xreallocarray(
					    s->js->members, s->membercap,
					    sizeof(*s->js->members));
					s->keyoff = xreallocarray(s->keyoff,
					    s->membercap, sizeof(*s->keyoff));
				}
				s->keyoff[s->js->nmembers] = koff;
				m = &s->js->members[s->js->nmembers++];
				memset(m, 0, sizeof(*m));
				/* Decoded once the scan is done. */
				m->keylen = klen;
			}
			skip_ws(s);
			if (s->i >= s->len || s->p[s->i] != ':') {
				if (s->i < s->len)
					return fail(s, "expected ':' at offset "
					    "%zu", s->i);
				return unexpected(s);
			}
			s->i++;
		}
		skip_ws(s);
		if (m != NULL) {
			if (scan_value(s, depth + 1, &m->value) == -1)
				return -1;
		} else {
			if (scan_value(s, depth + 1, &sp) == -1)
				return -1;
			if (record_elems)
				elem_push(s, &sp);
		}
		skip_ws(s);
		if (s->i >= s->len)
			return unexpected(s);
		if (s->p[s->i] == ',') {
			s->i++;
			continue;
		}
		if (s->p[s->i] == (is_obj ? '}' : ']')) {
			s->i++;
			return 0;
		}
		return fail(s, "expected ',' or '%c' at offset %zu",
		    is_obj ? '}' : ']', s->i);
	}
}

static int
scan_value(struct scan *s, int depth, struct jsonscan_span *sp)
{
	int	escaped, rc, record = 0;
	size_t	first;

	skip_ws(s);
	sp->off = s->i;
	if (s->i >= s->len)
		return unexpected(s);
	switch (s->p[s->i]) {
	case '{':
		sp->kind = JSONSCAN_OBJECT;
		rc = scan_container(s, depth, 0);
		break;
	case '[':
		sp->kind = JSONSCAN_ARRAY;
		/* The root array, or an array member of the root object. */
		record = depth == 1 || (depth == 2 &&
		    s->js->nmembers > 0 && s->js->root.kind == JSONSCAN_OBJECT);
		first = s->js->nelems;
		rc = scan_container(s, depth, record);
		if (rc == 0 && record && depth == 2) {
			s->js->members[s->js->nmembers - 1].first = first;
			s->js->members[s->js->nmembers - 1].count =
			    s->js->nelems - first;
		}
		break;
	case '"':
		sp->kind = JSONSCAN_STRING;
		rc = scan_string(s, &escaped);
		break;
	case 't':
		sp->kind = JSONSCAN_TRUE;
		rc = scan_literal(s, "true", 4);
		break;
	case 'f':
		sp->kind = JSONSCAN_FALSE;
		rc = scan_literal(s, "false", 5);
		break;
	case 'n':
		sp->kind = JSONSCAN_NULL;
		rc = scan_literal(s, "null", 4);
		break;
	default:
		sp->kind = JSONSCAN_NUMBER;
		rc = scan_number(s);
		break;
	}
	sp->len = s->i - sp->off;
	return rc;
}

int
jsonscan_parse(struct jsonscan *js, const char *buf, size_t len)
{
	struct scan	s;
	int		rc;

	memset(js, 0, sizeof(*js));
	memset(&s, 0, sizeof(s));
	s.p = (const unsigned char *)buf;
	s.len = len;
	s.js = js;
	skip_ws(&s);
	if (s.i < len)
		js->root.kind = buf[s.i] == '[' ? JSONSCAN_ARRAY :
		    buf[s.i] == '{' ? JSONSCAN_OBJECT : JSONSCAN_NULL;
	rc = scan_value(&s, 1, &js->root);
	if (rc == 0) {
		skip_ws(&s);
		if (s.i < len)
			rc = fail(&s, "data after the JSON value at offset %zu",
			    s.i);
	}
	if (rc == 0 && js->root.kind == JSONSCAN_ARRAY)
		js->root_count = js->nelems;
	/* A body that is not JSON has no members to look at. */
	if (rc == 0)
		keys_decode(&s);
	else
		js->nmembers = 0;
	free(s.keyoff);
	return rc;
}

void
jsonscan_release(struct jsonscan *js)
{
	free(js->keys);
	free(js->members);
	free(js->elems);
	memset(js, 0, sizeof(*js));
}

const struct jsonscan_member *
jsonscan_member(const struct jsonscan *js, const char *key)
{
	size_t	i, len = strlen(key);

	for (i = 0; i < js->nmembers; i++)
		if (js->members[i].keylen == len &&
		    memcmp(js->members[i].key, key, len) == 0)
			return &js->members[i];
	return NULL;
}

/* The two enums list the kinds in the same order. */
_Static_assert((int)JSONSCAN_NULL == (int)JSONLEX_NULL,
    "jsonscan_kind and jsonlex_kind differ");

const char *
jsonscan_kind_name(enum jsonscan_kind k)
{
	return jsonlex_kind_name((enum jsonlex_kind)k);
}

char *
jsonscan_string(const char *buf, const struct jsonscan_span *sp, size_t *len)
{
	char	*out = xmalloc(sp->len + 1);

	*len = jsonlex_decode(buf + sp->off + 1, sp->len - 2, 0, out);
	out[*len] = '\0';
	return out;
}
