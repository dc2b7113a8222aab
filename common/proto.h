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
 * return its length in *len.  The caller frees it.
 */
char	*proto_encode(const json_t *obj, size_t *len);

/*
 * Write all len bytes to the blocking fd, retrying on EINTR; 0 or -1.
 */
int	proto_write_all(int fd, const char *buf, size_t len);

#endif
