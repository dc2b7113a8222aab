/*
 * libFuzzer target of the admin protocol's line reader (common/proto.c).
 * The first byte is the longest line (0: PROTO_MAX_LINE); the rest is a
 * series of chunks, each a length byte and that many bytes, fed in turn,
 * with the lines taken after each.  The reader must give back exactly the
 * lines of the stream: each line of at most max bytes, newline included,
 * as it was sent (without its newline and a "\r" before it), each longer
 * one reported once as too long and dropped, and nothing else.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* The stream fed so far, and how far the lines taken account for it. */
struct model {
	const char	*in;	/* the bytes fed, in order */
	size_t		 fed;
	size_t		 pos;	/* the first byte of the next line */
	int		 dropping;	/* its line was reported unfinished */
	size_t		 max;
};

static void	fail(const struct model *m, const char *why)
    __attribute__((__noreturn__));

static void
fail(const struct model *m, const char *why)
{
	fprintf(stderr, "proto: %s (max %zu, fed %zu, at %zu)\n", why, m->max,
	    m->fed, m->pos);
	abort();
}

/* The next newline of the stream, or NULL when none has been fed. */
static const char *
next_newline(const struct model *m)
{
	return memchr(m->in + m->pos, '\n', m->fed - m->pos);
}

/* The rest of a line already reported too long is dropped silently. */
static void
skip_dropped(struct model *m)
{
	const char	*nl;

	if (m->dropping && (nl = next_newline(m)) != NULL) {
		m->pos = nl - m->in + 1;
		m->dropping = 0;
	}
}

static void
check_line(struct model *m, const char *line, size_t len)
{
	const char	*nl;
	size_t		 k, n;

	skip_dropped(m);
	if (m->dropping || (nl = next_newline(m)) == NULL)
		fail(m, "a line before its newline");
	k = nl - (m->in + m->pos) + 1;
	if (k > m->max)
		fail(m, "a line longer than max");
	n = k - 1;
	if (n > 0 && m->in[m->pos + n - 1] == '\r')
		n--;
	if (len != n || memcmp(line, m->in + m->pos, n) != 0 ||
	    line[n] != '\0')
		fail(m, "a line that is not the one sent");
	m->pos += k;
}

static void
check_toolong(struct model *m)
{
	const char	*nl;

	skip_dropped(m);
	if (m->dropping)
		fail(m, "a line reported too long twice");
	if ((nl = next_newline(m)) != NULL) {
		if ((size_t)(nl - (m->in + m->pos)) + 1 <= m->max)
			fail(m, "a line of max bytes or less reported too long");
		m->pos = nl - m->in + 1;
	} else if (m->fed - m->pos >= m->max)
		m->dropping = 1;
	else
		fail(m, "an unfinished short line reported too long");
}

/* No line is left: what remains is one unfinished line under max. */
static void
check_none(struct model *m)
{
	skip_dropped(m);
	if (next_newline(m) != NULL)
		fail(m, "a whole line is left behind");
	if (!m->dropping && m->fed - m->pos >= m->max)
		fail(m, "an overlong unfinished line is not reported");
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_reader	 r;
	struct model		 m;
	enum proto_line		 pl;
	char			*stream, *line;
	size_t			 i, n, len;

	if (size == 0)
		return 0;
	proto_reader_init(&r, data[0]);
	memset(&m, 0, sizeof(m));
	m.max = r.max;
	m.in = stream = malloc(size);
	for (i = 1; i < size; i += n) {
		n = data[i++];
		if (n > size - i)
			n = size - i;
		memcpy(stream + m.fed, data + i, n);
		m.fed += n;
		proto_reader_feed(&r, (const char *)data + i, n);
		while ((pl = proto_reader_line(&r, &line, &len)) !=
		    PROTO_LINE_NONE) {
			if (pl == PROTO_LINE_OK)
				check_line(&m, line, len);
			else
				check_toolong(&m);
		}
		check_none(&m);
	}
	proto_reader_release(&r);
	free(stream);
	return 0;
}
