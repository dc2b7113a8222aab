/*
 * The JSON-lines control protocol of DESIGN.md: one JSON object per line.
 * A request line is at most PROTO_MAX_LINE bytes including the newline;
 * a reply line has no limit, for the daemon sends long ones a piece at a
 * time as the client reads them (the raw text of a quarantined event
 * alone may be max_body_bytes long before escaping), and a client reads
 * them whole.
 *
 *   request {"v":1,"id":7,"cmd":"source.add","args":{...}}
 *   reply   {"id":7,"ok":true,"data":{...}}
 *   error   {"id":7,"ok":false,"error":{"code":"NotFound","message":"..."}}
 *   stream  {"id":7,"record":{...}}
 */
#ifndef PROTO_H
#define PROTO_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#define PROTO_VERSION	1
#define PROTO_MAX_LINE	(1024 * 1024)

/*
 * A bounded line reader over a byte stream.  Bytes are appended with
 * proto_reader_feed (or read from an fd with proto_reader_read), and whole
 * lines are taken with proto_reader_line.  A line longer than max is
 * discarded up to its newline and reported once as too long.
 */
struct proto_reader {
	char	*buf;
	size_t	 len;		/* bytes held */
	size_t	 cap;
	size_t	 max;		/* longest line, newline included */
	int	 skipping;	/* inside an overlong line */
};

enum proto_line {
	PROTO_LINE_NONE = 0,	/* no whole line yet */
	PROTO_LINE_OK,		/* *line, *len set; valid until the next call */
	PROTO_LINE_TOOLONG	/* a line exceeded max and was dropped */
};

void	proto_reader_init(struct proto_reader *, size_t max);
void	proto_reader_release(struct proto_reader *);
void	proto_reader_feed(struct proto_reader *, const char *, size_t);
/*
 * read(2) once from fd into the reader: return the number of bytes read,
 * 0 at end of file, -1 with errno set.
 */
ssize_t	proto_reader_read(struct proto_reader *, int fd);
enum proto_line proto_reader_line(struct proto_reader *, char **line,
	    size_t *len);

/*
 * Serialise obj compactly followed by a newline into a malloc'd buffer;
 * return its length in *len.  The caller frees it.  Reals are written
 * with the fewest significant digits, 15 to 17, that read back as every
 * real of obj: 0.21, not 0.20999999999999999.
 */
char	*proto_encode(const json_t *obj, size_t *len);

/*
 * The object or array of the JSON text of len bytes at text (a line from
 * krenalisd, or a text in one), as a new reference, or NULL when it is not
 * JSON.  The daemon keeps what events hold verbatim (spec/events.md §13),
 * some of which jansson refuses; then a copy is read instead, in which:
 *
 *   - a number jansson cannot hold (an integer outside 64 bits, a real
 *     past a double's range: 18446744073709551615, 1e999) becomes a
 *     string of its text ("18446744073709551615");
 *   - an escape of a lone surrogate ("\ud800"), and one of U+0000 in a
 *     member name, becomes "\uFFFD" (U+0000 in a string value is kept);
 *   - an object or array as deep as jansson's limit
 *     (JSON_PARSER_MAX_DEPTH) becomes a string of its text.
 *
 * So nothing shown from the result is a different number than was sent:
 * what needs a number's text shows the text itself (proto_member).
 */
json_t	*proto_decode(const char *text, size_t len);

/*
 * The text of the member name of the JSON object text (len bytes): its
 * value's first byte, with the value's length in *vlen, or NULL when the
 * object has no such member.  Names are compared as written, unescaped.
 */
const char *proto_member(const char *text, size_t len, const char *name,
	    size_t *vlen);

/*
 * Write all len bytes to the blocking fd, retrying on EINTR; 0 or -1.
 */
int	proto_write_all(int fd, const char *buf, size_t len);

#endif
