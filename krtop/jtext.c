/* JSON text indented as text; see jtext.h. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonlex.h"
#include "xmalloc.h"
#include "jtext.h"

#define JTEXT_NONE	((size_t)-1)

/* A newline and the indentation of depth. */
static void
jtext_newline(struct buf *b, size_t depth, int indent)
{
	size_t	i;

	buf_add(b, "\n", 1);
	for (i = 0; i < depth * (size_t)indent; i++)
		buf_add(b, " ", 1);
}

/* The index of q in text, or JTEXT_NONE when q is NULL. */
static size_t
jtext_index(const char *text, const char *q)
{
	return q == NULL ? JTEXT_NONE : (size_t)(q - text);
}

/* The index past the blanks at text[i]. */
static size_t
jtext_blanks(const char *text, size_t len, size_t i)
{
	return jsonlex_ws(text + i, text + len) - text;
}

/*
 * The index after the closing quote of the string opening at text[i],
 * or JTEXT_NONE when it is not closed within len.
 */
static size_t
jtext_string(const char *text, size_t len, size_t i)
{
	return jtext_index(text, jsonlex_string(text + i, text + len, NULL));
}

char *
jtext_pretty(const char *text, size_t len, int indent,
    enum jtext_status *status)
{
	struct buf		 b;
	enum jtext_status	 st = JTEXT_OK;
	char			*stack = NULL, close;
	size_t			 depth = 0, cap = 0, i = 0, j;
	int			 done = 0;

	buf_init(&b);
	while ((i = jtext_blanks(text, len, i)) < len) {
		if (done && depth == 0) {
			/* Text after the value: show it as it is. */
			st = JTEXT_INVALID;
			jtext_newline(&b, 0, indent);
			buf_add(&b, text + i, len - i);
			break;
		}
		switch (text[i]) {
		case '"':
			j = jtext_string(text, len, i);
			if (j == JTEXT_NONE) {
				st = JTEXT_PARTIAL;
				j = len;
			}
			buf_add(&b, text + i, j - i);
			i = j;
			done = depth == 0;
			break;
		case '{':
		case '[':
			close = text[i] == '{' ? '}' : ']';
			j = jtext_blanks(text, len, i + 1);
			if (j < len && text[j] == close) {
				buf_add(&b, text + i, 1);
				buf_add(&b, &close, 1);
				i = j + 1;
				done = depth == 0;
				break;
			}
			if (depth == cap) {
				cap = cap ? cap * 2 : 16;
				stack = xreallocarray(stack, cap, 1);
			}
			stack[depth++] = close;
			buf_add(&b, text + i, 1);
			jtext_newline(&b, depth, indent);
			i++;
			break;
		case '}':
		case ']':
			if (depth == 0 || stack[depth - 1] != text[i]) {
				st = JTEXT_INVALID;
				buf_add(&b, text + i, 1);
				i++;
				break;
			}
			depth--;
			jtext_newline(&b, depth, indent);
			buf_add(&b, text + i, 1);
			i++;
			done = depth == 0;
			break;
		case ',':
			buf_add(&b, ",", 1);
			if (depth > 0)
				jtext_newline(&b, depth, indent);
			else
				st = JTEXT_INVALID;
			i++;
			break;
		case ':':
			buf_add(&b, ": ", 2);
			i++;
			break;
		default:
			/* Not a delimiter, so the scalar is not empty. */
			j = jsonlex_token(text + i, text + len) - text;
			buf_add(&b, text + i, j - i);
			i = j;
			done = depth == 0;
			break;
		}
	}
	if (st == JTEXT_OK && (depth > 0 || !done))
		st = JTEXT_PARTIAL;
	free(stack);
	*status = st;
	return buf_finish(&b);
}
