/*
 * The JSON-lines framing of the control protocol (DESIGN.md, "Control
 * protocol"): a bounded line reader, the encoder and writer of lines, and
 * for the clients the decoder of lines and the finder of a member's text.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "jsonlex.h"
#include "log.h"
#include "proto.h"
#include "xmalloc.h"

/*
 * How r->buf is laid out.  The struct of proto.h has no field for the
 * position of the first unread byte, so the allocation starts with a small
 * header that keeps it, followed by r->cap bytes of room:
 *
 *   r->buf: [struct reader_hdr][ taken: off | held: len | free ]
 *
 * Taking a line only advances off (the line stays where it is until the
 * next feed or read, which may move the held bytes back to the start), so
 * that many short lines in one read cost linear time.  tail is the number
 * of held bytes after the last newline, which spares rescanning a long
 * unfinished line on every read.
 */
struct reader_hdr {
	size_t	off;
	size_t	tail;
};

/* Values of r->skipping. */
#define SKIP_NONE	0
#define SKIP_HELD	1	/* the first max bytes of the line are held */
#define SKIP_DROPPED	2	/* reported already; nothing of it is held */

#define READ_CHUNK_MAX	(64 * 1024)
#define READ_CHUNK_MIN	512
#define ROOM_INITIAL	4096

static struct reader_hdr *
reader_hdr(const struct proto_reader *r)
{
	return (struct reader_hdr *)(void *)r->buf;
}

/* The first byte of the room (not of the held bytes). */
static char *
reader_room(const struct proto_reader *r)
{
	return r->buf + sizeof(struct reader_hdr);
}

/* How many bytes a read or a step of a feed takes at most. */
static size_t
reader_chunk(const struct proto_reader *r)
{
	if (r->max > READ_CHUNK_MAX)
		return READ_CHUNK_MAX;
	if (r->max < READ_CHUNK_MIN)
		return READ_CHUNK_MIN;
	return r->max;
}

/*
 * Make room for need more bytes after the held ones.  The room stays
 * within limit, max plus one chunk, while the held bytes fit in it; past
 * that (lines fed but not taken) it doubles.  Moving the held bytes back
 * to the start costs their length, so the room also doubles when they are
 * many compared with the bytes taken since, to keep the cost linear.
 */
static void
reader_reserve(struct proto_reader *r, size_t need)
{
	struct reader_hdr	*h;
	size_t			 newcap, limit;
	int			 cheap;

	limit = r->max < SIZE_MAX / 4 ? r->max + reader_chunk(r) : SIZE_MAX / 4;
	if (r->buf == NULL) {
		newcap = limit < ROOM_INITIAL ? limit : ROOM_INITIAL;
		if (newcap < need)
			newcap = need;
		r->buf = xmalloc(sizeof(struct reader_hdr) + newcap);
		h = reader_hdr(r);
		h->off = 0;
		h->tail = 0;
		r->cap = newcap;
		r->len = 0;
		return;
	}
	h = reader_hdr(r);
	if (r->cap - h->off - r->len >= need)
		return;
	cheap = h->off >= r->len || r->len + need <= limit;
	if (h->off > 0) {
		memmove(reader_room(r), reader_room(r) + h->off, r->len);
		h->off = 0;
	}
	if (r->cap - r->len >= need && cheap)
		return;
	if (r->len + need <= limit)
		newcap = r->cap > limit / 2 ? limit : r->cap * 2;
	else if (r->cap <= SIZE_MAX / 4)
		newcap = r->cap * 2;
	else
		newcap = r->cap;
	if (newcap < r->len + need)
		newcap = r->len + need;
	r->buf = xreallocarray(r->buf, 1, sizeof(struct reader_hdr) + newcap);
	r->cap = newcap;
}

/* Append n bytes after the held ones; src may lie in the room after them. */
static void
reader_append(struct proto_reader *r, const char *src, size_t n)
{
	memmove(reader_room(r) + reader_hdr(r)->off + r->len, src, n);
	r->len += n;
}

/*
 * Take in n new bytes at src, for which there is room.  Complete lines are
 * kept whole (line() reports those longer than max).  When the unfinished
 * last line reaches max bytes without a newline it cannot fit any more:
 * its first max bytes stay held as a marker of its place among the lines,
 * and everything up to its newline is dropped.  So the reader holds about
 * max bytes whatever the peer sends.
 */
static void
reader_take(struct proto_reader *r, const char *src, size_t n)
{
	struct reader_hdr	*h = reader_hdr(r);
	const char		*nl;
	size_t			 k;

	while (n > 0) {
		if (r->skipping != SKIP_NONE) {
			if ((nl = memchr(src, '\n', n)) == NULL)
				return;
			k = (size_t)(nl - src) + 1;
			src += k;
			n -= k;
			/*
			 * The marker becomes a line of max + 1 bytes, which
			 * line() reports as too long when it gets there.
			 */
			if (r->skipping == SKIP_HELD) {
				reader_append(r, "\n", 1);
				h->tail = 0;
			}
			r->skipping = SKIP_NONE;
			continue;
		}
		if ((nl = memrchr(src, '\n', n)) != NULL) {
			k = (size_t)(nl - src) + 1;
			reader_append(r, src, k);
			h->tail = 0;
			src += k;
			n -= k;
		}
		/* What is left is the start of a line, without a newline. */
		if (h->tail + n < r->max) {
			reader_append(r, src, n);
			h->tail += n;
			return;
		}
		k = r->max - h->tail;
		reader_append(r, src, k);
		h->tail = r->max;
		r->skipping = SKIP_HELD;
		return;
	}
}

void
proto_reader_init(struct proto_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max > 0 ? max : PROTO_MAX_LINE;
}

void
proto_reader_release(struct proto_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = 0;
	r->cap = 0;
	r->skipping = SKIP_NONE;
}

/* Take the bytes in steps of one chunk, so that dropped bytes cost no room. */
void
proto_reader_feed(struct proto_reader *r, const char *data, size_t n)
{
	size_t	k, chunk = reader_chunk(r);

	while (n > 0) {
		k = n < chunk ? n : chunk;
		reader_reserve(r, k);
		reader_take(r, data, k);
		data += k;
		n -= k;
	}
}

/* One read(2) of at most one chunk, straight into the room. */
ssize_t
proto_reader_read(struct proto_reader *r, int fd)
{
	size_t	 chunk = reader_chunk(r);
	char	*dst;
	ssize_t	 n;

	reader_reserve(r, chunk);
	dst = reader_room(r) + reader_hdr(r)->off + r->len;
	n = read(fd, dst, chunk);
	if (n > 0)
		reader_take(r, dst, (size_t)n);
	return n;
}

/*
 * Take the next line: its newline (and a "\r" before it) is replaced by a
 * NUL, so *line is also a C string of *len bytes.  A line longer than max
 * bytes, newline included, is reported once as PROTO_LINE_TOOLONG; one
 * that is still arriving is reported as soon as all the lines before it
 * have been taken.
 */
enum proto_line
proto_reader_line(struct proto_reader *r, char **line, size_t *len)
{
	struct reader_hdr	*h;
	char			*p, *nl;
	size_t			 k, n;

	if (r->buf == NULL)
		return PROTO_LINE_NONE;
	h = reader_hdr(r);
	p = reader_room(r) + h->off;
	if (r->len > h->tail) {
		if ((nl = memchr(p, '\n', r->len - h->tail)) == NULL)
			fatalx("proto: line reader lost a newline");
		k = (size_t)(nl - p) + 1;
		h->off += k;
		r->len -= k;
		if (r->len == 0)
			h->off = 0;
		if (k > r->max)
			return PROTO_LINE_TOOLONG;
		n = k - 1;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		p[n] = '\0';
		*line = p;
		*len = n;
		return PROTO_LINE_OK;
	}
	if (r->skipping == SKIP_HELD) {
		/* Only the marker is held: report the line now. */
		h->off = 0;
		h->tail = 0;
		r->len = 0;
		r->skipping = SKIP_DROPPED;
		return PROTO_LINE_TOOLONG;
	}
	return PROTO_LINE_NONE;
}

/* Whether every real in v reads back as itself with prec digits. */
static int
reals_fit(const json_t *v, int prec)
{
	json_t		*w = (json_t *)(uintptr_t)v, *e;
	const char	*k;
	char		 buf[40];
	size_t		 i;

	switch (json_typeof(v)) {
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.*g", prec, json_real_value(v));
		return strtod(buf, NULL) == json_real_value(v);
	case JSON_OBJECT:
		json_object_foreach(w, k, e)
			if (!reals_fit(e, prec))
				return 0;
		return 1;
	case JSON_ARRAY:
		json_array_foreach(w, i, e)
			if (!reals_fit(e, prec))
				return 0;
		return 1;
	default:
		return 1;
	}
}

/*
 * json_dumpb is asked for the size first so that the line is built in a
 * buffer of ours, freed with free(3) whatever jansson's allocator is.
 * Return NULL when jansson cannot encode obj (not an object or array).
 */
char *
proto_encode(const json_t *obj, size_t *len)
{
	size_t		 flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
	size_t		 n;
	char		*buf;
	int		 prec;

	/* jansson writes 17 digits, which is exact but seldom short. */
	for (prec = 15; prec < 17; prec++)
		if (reals_fit(obj, prec)) {
			flags |= JSON_REAL_PRECISION(prec);
			break;
		}

	if ((n = json_dumpb(obj, NULL, 0, flags)) == 0)
		return NULL;
	buf = xmalloc(n + 2);
	if (json_dumpb(obj, buf, n, flags) != n) {
		free(buf);
		return NULL;
	}
	buf[n] = '\n';
	buf[n + 1] = '\0';
	*len = n + 1;
	return buf;
}

int
proto_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Whether jansson holds the number token of n bytes at p.  Jansson judges
 * it itself, so that its rules (json_int_t, a double's range, the
 * locale's decimal point) are followed exactly.
 */
static int
decode_number_fits(const char *p, size_t n)
{
	json_t	*v = json_loadb(p, n, JSON_DECODE_ANY, NULL);
	int	 fits = v != NULL;

	json_decref(v);
	return fits;
}

/*
 * Copy the string token [p, q) into b, with "\uFFFD" for each escape of a
 * lone surrogate and, in a member name, each escape of U+0000.
 */
static void
decode_mend_string(struct buf *b, const char *p, const char *q, int name)
{
	const char	*s, *e;
	uint32_t	 cp;

	while ((s = memchr(p, '\\', q - p)) != NULL) {
		buf_add(b, p, s - p);
		if ((e = jsonlex_escape(s, q, &cp)) == NULL)
			e = s + 2;
		else if ((cp >= 0xd800 && cp <= 0xdfff) || (name && cp == 0)) {
			buf_adds(b, "\\uFFFD");
			p = e;
			continue;
		}
		buf_add(b, s, e - s);
		p = e;
	}
	buf_add(b, p, q - p);
}

/*
 * A copy of the JSON text of len bytes at text with the rewrites of
 * proto_decode (proto.h); its length in *n.
 */
static char *
decode_mend(const char *text, size_t len, size_t *n)
{
	const char	*p = text, *end = text + len, *q, *r;
	struct buf	 b;
	size_t		 depth = 0;

	buf_init(&b);
	buf_reserve(&b, len);
	while (p < end) {
		switch (jsonlex_kind(p, end)) {
		case JSONLEX_STRING:
			if ((q = jsonlex_string(p, end, NULL)) == NULL)
				q = end;
			r = jsonlex_ws(q, end);
			decode_mend_string(&b, p, q, r < end && *r == ':');
			break;
		case JSONLEX_OBJECT:
		case JSONLEX_ARRAY:
			/* Jansson counts a value's depth from 1 at the top. */
			if (depth + 1 < JSON_PARSER_MAX_DEPTH) {
				depth++;
				q = p + 1;
				buf_add(&b, p, 1);
			} else if ((q = jsonlex_skip(p, end)) != NULL)
				buf_addquoted(&b, p, q - p);
			else {
				q = end;
				buf_add(&b, p, q - p);
			}
			break;
		case JSONLEX_NUMBER:
			q = jsonlex_token(p, end);
			if (decode_number_fits(p, q - p))
				buf_add(&b, p, q - p);
			else
				buf_addquoted(&b, p, q - p);
			break;
		default:
			if ((*p == '}' || *p == ']') && depth > 0)
				depth--;
			q = p + 1;
			buf_add(&b, p, 1);
			break;
		}
		p = q;
	}
	*n = b.len;
	return buf_finish(&b);
}

json_t *
proto_decode(const char *text, size_t len)
{
	json_t	*o;
	char	*mended;
	size_t	 n;

	if ((o = json_loadb(text, len, JSON_ALLOW_NUL, NULL)) != NULL)
		return o;
	mended = decode_mend(text, len, &n);
	o = json_loadb(mended, n, JSON_ALLOW_NUL, NULL);
	free(mended);
	return o;
}

const char *
proto_member(const char *text, size_t len, const char *name, size_t *vlen)
{
	const char	*p, *end = text + len, *k, *ke, *v, *ve;
	size_t		 n = strlen(name);

	p = jsonlex_ws(text, end);
	if (p >= end || *p != '{')
		return NULL;
	for (p++;;) {
		k = jsonlex_ws(p, end);
		if (k >= end || *k != '"' ||
		    (ke = jsonlex_string(k, end, NULL)) == NULL)
			return NULL;
		p = jsonlex_ws(ke, end);
		if (p >= end || *p != ':')
			return NULL;
		v = jsonlex_ws(p + 1, end);
		if ((ve = jsonlex_skip(v, end)) == NULL)
			return NULL;
		/* The name is between the quotes at k and ke - 1. */
		if ((size_t)(ke - k) == n + 2 && memcmp(k + 1, name, n) == 0) {
			*vlen = ve - v;
			return v;
		}
		p = jsonlex_ws(ve, end);
		if (p >= end || *p != ',')
			return NULL;
		p++;
	}
}
