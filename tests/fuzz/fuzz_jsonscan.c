/*
 * libFuzzer target of the request body scanner (krenalisd/jsonscan.c).
 * Any bytes are scanned.  An accepted body has its root and nothing but
 * blanks around it, spans that nest inside their parents in order, and
 * member names that jsonscan_member finds again; the clients must read it
 * back (readable.h).  A body that jansson accepts with duplicate names
 * refused must be accepted, unless it holds a NUL byte, which jansson
 * takes for the end of the text but JSON does not allow.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonscan.h"
#include "readable.h"

static void	fail(const char *why)
    __attribute__((__noreturn__));

static void
fail(const char *why)
{
	fprintf(stderr, "jsonscan: %s\n", why);
	abort();
}

static int
blank(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (strchr(" \t\r\n", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

static void
check_inside(const struct jsonscan_span *sp, const struct jsonscan_span *in)
{
	if (sp->len == 0 || sp->off < in->off ||
	    sp->off + sp->len > in->off + in->len)
		fail("a span lies outside its parent");
	if (jsonscan_kind_name(sp->kind) == NULL)
		fail("a kind has no name");
}

/* The elements first..first+count of parent are in order, inside it. */
static void
check_elems(const char *buf, const struct jsonscan *js, size_t first,
    size_t count, const struct jsonscan_span *parent)
{
	const struct jsonscan_span	*sp;
	size_t				 i, end = parent->off + 1, slen;
	char				*s;

	if (first + count > js->nelems)
		fail("elements past the end of elems");
	for (i = first; i < first + count; i++) {
		sp = &js->elems[i];
		check_inside(sp, parent);
		if (sp->off < end)
			fail("elements overlap or are out of order");
		end = sp->off + sp->len;
		if (sp->kind == JSONSCAN_STRING) {
			s = jsonscan_string(buf, sp, &slen);
			if (slen + 2 > sp->len || s[slen] != '\0')
				fail("a decoded string is longer than its text");
			free(s);
		}
	}
}

static void
check_accepted(const char *buf, size_t len, const struct jsonscan *js)
{
	const struct jsonscan_member	*m;
	const struct jsonscan_span	 whole = { 0, len, JSONSCAN_NULL };
	size_t				 i;

	check_inside(&js->root, &whole);
	if (!blank(buf, js->root.off) ||
	    !blank(buf + js->root.off + js->root.len,
	    len - js->root.off - js->root.len))
		fail("more than blanks around the root");
	if (js->root.kind == JSONSCAN_ARRAY)
		check_elems(buf, js, 0, js->root_count, &js->root);
	else if (js->root_count != 0)
		fail("elements of a root that is no array");
	if (js->root.kind != JSONSCAN_OBJECT && js->nmembers != 0)
		fail("members of a root that is no object");
	for (i = 0; i < js->nmembers; i++) {
		m = &js->members[i];
		check_inside(&m->value, &js->root);
		if (m->key[m->keylen] != '\0')
			fail("a member name is not terminated");
		if (m->value.kind == JSONSCAN_ARRAY)
			check_elems(buf, js, m->first, m->count, &m->value);
		if (strlen(m->key) == m->keylen &&
		    jsonscan_member(js, m->key) != m)
			fail("jsonscan_member does not find a member");
	}
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data;
	struct jsonscan	 js;
	json_t		*j;
	int		 rc;

	rc = jsonscan_parse(&js, buf, size);
	if (rc == 0) {
		check_accepted(buf, size, &js);
		readable_check("jsonscan", buf, size);
	} else if (js.detail[0] == '\0')
		fail("a refusal without a reason");
	jsonscan_release(&js);
	if (rc == -1 && memchr(buf, '\0', size) == NULL &&
	    (j = json_loadb(buf, size, JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL)) != NULL) {
		json_decref(j);
		fail("refused a body that jansson reads");
	}
	return 0;
}
