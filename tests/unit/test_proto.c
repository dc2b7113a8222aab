/* Unit tests of common/proto.c: line framing, encoding, writing. */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "proto.h"
#include "unit.h"

/* Feed the C string s. */
static void
feed(struct proto_reader *r, const char *s)
{
	proto_reader_feed(r, s, strlen(s));
}

/* Whether the next line is want. */
static int
next_is(struct proto_reader *r, const char *want)
{
	char		*line;
	size_t		 len;
	enum proto_line	 e;

	e = proto_reader_line(r, &line, &len);
	if (e != PROTO_LINE_OK) {
		printf("  got %d instead of \"%s\"\n", (int)e, want);
		return 0;
	}
	if (len != strlen(want) || memcmp(line, want, len) != 0 ||
	    line[len] != '\0') {
		printf("  got \"%.*s\" instead of \"%s\"\n", (int)len, line,
		    want);
		return 0;
	}
	return 1;
}

/* The result of taking the next line, for NONE and TOOLONG. */
static enum proto_line
next(struct proto_reader *r)
{
	char	*line;
	size_t	 len;

	return proto_reader_line(r, &line, &len);
}

static void
test_empty_reader(void)
{
	struct proto_reader	r;

	proto_reader_init(&r, 64);
	CHECK_INT(r.max, 64);
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	proto_reader_release(&r);
	proto_reader_release(&r);
	CHECK(r.buf == NULL);

	proto_reader_init(&r, 0);
	CHECK_INT(r.max, PROTO_MAX_LINE);
	proto_reader_feed(&r, "", 0);
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	proto_reader_release(&r);
}

/* A line that arrives in pieces is returned once whole. */
static void
test_split_feeds(void)
{
	struct proto_reader	 r;
	const char		*msg =
	    "{\"v\":1,\"id\":7,\"cmd\":\"status\"}\n";
	size_t			 i;

	proto_reader_init(&r, PROTO_MAX_LINE);
	feed(&r, "{\"v\":1,");
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	feed(&r, "\"id\":7}");
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	feed(&r, "\n{\"v\"");
	CHECK(next_is(&r, "{\"v\":1,\"id\":7}"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	feed(&r, ":2}\n");
	CHECK(next_is(&r, "{\"v\":2}"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);

	/* One byte at a time. */
	for (i = 0; msg[i] != '\0'; i++) {
		CHECK_INT(next(&r), PROTO_LINE_NONE);
		proto_reader_feed(&r, msg + i, 1);
	}
	CHECK(next_is(&r, "{\"v\":1,\"id\":7,\"cmd\":\"status\"}"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	CHECK_INT(r.len, 0);
	proto_reader_release(&r);
}

/* Several lines in one feed come out one by one, in order. */
static void
test_several_lines(void)
{
	struct proto_reader	r;

	proto_reader_init(&r, PROTO_MAX_LINE);
	feed(&r, "{\"a\":1}\n{\"b\":2}\n\n{\"c\":3}\n{\"d\"");
	CHECK(next_is(&r, "{\"a\":1}"));
	CHECK(next_is(&r, "{\"b\":2}"));
	CHECK(next_is(&r, ""));
	CHECK(next_is(&r, "{\"c\":3}"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	CHECK_INT(r.len, 4);
	feed(&r, ":4}\n{\"e\":5}\n");
	CHECK(next_is(&r, "{\"d\":4}"));
	CHECK(next_is(&r, "{\"e\":5}"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	proto_reader_release(&r);
}

/* Many short lines in one feed: all of them, in order. */
static void
test_many_lines(void)
{
	struct proto_reader	 r;
	char			*big, *line, want[32];
	size_t			 i, n = 200000, off = 0, len;
	int			 bad = 0;

	big = malloc(n * 16);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(big + off, 16, "{\"n\":%zu}\n", i);
	proto_reader_init(&r, 64);
	proto_reader_feed(&r, big, off);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "{\"n\":%zu}", i);
		if (proto_reader_line(&r, &line, &len) != PROTO_LINE_OK ||
		    strcmp(line, want) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	proto_reader_release(&r);
	free(big);
}

/* "\r\n" ends a line too; a "\r" elsewhere is data. */
static void
test_crlf(void)
{
	struct proto_reader	r;

	proto_reader_init(&r, 16);
	feed(&r, "{\"a\":1}\r\n\r\na\rb\n\r");
	CHECK(next_is(&r, "{\"a\":1}"));
	CHECK(next_is(&r, ""));
	CHECK(next_is(&r, "a\rb"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	feed(&r, "\n");
	CHECK(next_is(&r, ""));
	/* The "\r" counts towards max: 15 bytes and "\r\n" is 17. */
	feed(&r, "12345678901234\r\n");
	CHECK(next_is(&r, "12345678901234"));
	feed(&r, "123456789012345\r\n");
	CHECK_INT(next(&r), PROTO_LINE_TOOLONG);
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	proto_reader_release(&r);
}

/* max counts the newline: max bytes pass, max + 1 do not. */
static void
test_max_exact(void)
{
	struct proto_reader	r;

	proto_reader_init(&r, 8);
	feed(&r, "1234567\n12345678\nabc\n");
	CHECK(next_is(&r, "1234567"));
	CHECK_INT(next(&r), PROTO_LINE_TOOLONG);
	CHECK(next_is(&r, "abc"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);

	/* The same, in pieces. */
	feed(&r, "1234");
	feed(&r, "567");
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	feed(&r, "\n1234");
	CHECK(next_is(&r, "1234567"));
	feed(&r, "5678");
	CHECK_INT(next(&r), PROTO_LINE_TOOLONG);
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	feed(&r, "\nxyz\n");
	CHECK(next_is(&r, "xyz"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);

	/* max 1: only empty lines. */
	proto_reader_release(&r);
	proto_reader_init(&r, 1);
	feed(&r, "\na\n\n");
	CHECK(next_is(&r, ""));
	CHECK_INT(next(&r), PROTO_LINE_TOOLONG);
	CHECK(next_is(&r, ""));
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	proto_reader_release(&r);
}

/*
 * An overlong line still arriving is reported once, as soon as the lines
 * before it are taken, and the next line is read normally.
 */
static void
test_toolong_across_feeds(void)
{
	struct proto_reader	r;
	int			i;

	proto_reader_init(&r, 16);
	feed(&r, "ok1\n0123456789");
	CHECK(next_is(&r, "ok1"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	feed(&r, "0123456789");
	CHECK_INT(next(&r), PROTO_LINE_TOOLONG);
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	for (i = 0; i < 100; i++) {
		feed(&r, "more of the same overlong line");
		CHECK_INT(next(&r), PROTO_LINE_NONE);
	}
	feed(&r, "end\nnext");
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	feed(&r, "\n");
	CHECK(next_is(&r, "next"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	proto_reader_release(&r);
}

/* An overlong line whose newline comes before anyone asks keeps its place. */
static void
test_toolong_order(void)
{
	struct proto_reader	r;

	proto_reader_init(&r, 16);
	feed(&r, "a\n");
	feed(&r, "this line is much longer than sixteen bytes");
	feed(&r, " and goes on\nb\n");
	feed(&r, "another line that is far too long\nc\n");
	CHECK(next_is(&r, "a"));
	CHECK_INT(next(&r), PROTO_LINE_TOOLONG);
	CHECK(next_is(&r, "b"));
	CHECK_INT(next(&r), PROTO_LINE_TOOLONG);
	CHECK(next_is(&r, "c"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);

	/* The same in one feed. */
	feed(&r, "a\nthis line is much longer than sixteen bytes\nb\n");
	CHECK(next_is(&r, "a"));
	CHECK_INT(next(&r), PROTO_LINE_TOOLONG);
	CHECK(next_is(&r, "b"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	proto_reader_release(&r);
}

/* Gigabytes without a newline: the reader holds about max bytes. */
static void
test_bounded_memory(void)
{
	struct proto_reader	 r;
	char			*junk;
	size_t			 n = 1024 * 1024, bound = 1024 + 64 * 1024;
	int			 i, toolong = 0, other = 0, over = 0;
	enum proto_line		 e;

	junk = malloc(n);
	memset(junk, 'x', n);
	proto_reader_init(&r, 1024);
	feed(&r, "{\"first\":1}\n");
	for (i = 0; i < 1024; i++) {
		proto_reader_feed(&r, junk, n);
		if (r.cap > bound || r.len > bound)
			over++;
		if (i == 0)
			CHECK(next_is(&r, "{\"first\":1}"));
		while ((e = next(&r)) != PROTO_LINE_NONE) {
			if (e == PROTO_LINE_TOOLONG)
				toolong++;
			else
				other++;
		}
	}
	CHECK_INT(over, 0);
	CHECK_INT(toolong, 1);
	CHECK_INT(other, 0);
	feed(&r, "\n{\"ok\":true}\n");
	CHECK(next_is(&r, "{\"ok\":true}"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	CHECK(r.cap <= bound);

	/* The same without taking lines in between. */
	proto_reader_release(&r);
	proto_reader_init(&r, 1024);
	for (i = 0; i < 256; i++)
		proto_reader_feed(&r, junk, n);
	CHECK(r.cap <= bound);
	CHECK_INT(next(&r), PROTO_LINE_TOOLONG);
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	proto_reader_release(&r);
	free(junk);
}

/* proto_reader_read: data, EAGAIN, end of file. */
static void
test_read(void)
{
	struct proto_reader	r;
	int			fd[2];

	CHECK(pipe(fd) == 0);
	CHECK(fcntl(fd[0], F_SETFL, O_NONBLOCK) == 0);
	proto_reader_init(&r, 64);
	errno = 0;
	CHECK_INT(proto_reader_read(&r, fd[0]), -1);
	CHECK_INT(errno, EAGAIN);
	CHECK(write(fd[1], "{\"a\":1}\n{\"b\"", 12) == 12);
	CHECK_INT(proto_reader_read(&r, fd[0]), 12);
	CHECK(next_is(&r, "{\"a\":1}"));
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	CHECK(write(fd[1], ":2}\r\n", 5) == 5);
	CHECK_INT(proto_reader_read(&r, fd[0]), 5);
	CHECK(next_is(&r, "{\"b\":2}"));
	close(fd[1]);
	CHECK_INT(proto_reader_read(&r, fd[0]), 0);
	CHECK_INT(next(&r), PROTO_LINE_NONE);
	close(fd[0]);
	CHECK_INT(proto_reader_read(&r, fd[0]), -1);
	CHECK_INT(errno, EBADF);
	proto_reader_release(&r);
}

/*
 * A child writes lines and a long run without a newline with
 * proto_write_all; the parent reads them with proto_reader_read in
 * bounded memory.
 */
static void
test_write_and_read(void)
{
	struct proto_reader	 r;
	char			*line, *junk, want[64];
	size_t			 len, bound = 4096 + 4096;
	int			 fd[2], status, i, lines = 0, toolong = 0;
	int			 bad = 0, over = 0;
	pid_t			 pid;
	ssize_t			 n;
	enum proto_line		 e;

	CHECK(pipe(fd) == 0);
	pid = fork();
	CHECK(pid != -1);
	if (pid == 0) {
		close(fd[0]);
		junk = malloc(8 * 1024 * 1024);
		memset(junk, 'j', 8 * 1024 * 1024);
		for (i = 0; i < 1000; i++) {
			snprintf(want, sizeof(want), "{\"id\":%d}\n", i);
			if (proto_write_all(fd[1], want, strlen(want)) == -1)
				_exit(1);
			if (i == 500 && (proto_write_all(fd[1], junk,
			    8 * 1024 * 1024) == -1 ||
			    proto_write_all(fd[1], "\n", 1) == -1))
				_exit(1);
		}
		_exit(0);
	}
	close(fd[1]);
	proto_reader_init(&r, 4096);
	while ((n = proto_reader_read(&r, fd[0])) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		if (r.cap > bound)
			over++;
		while ((e = proto_reader_line(&r, &line, &len)) !=
		    PROTO_LINE_NONE) {
			if (e == PROTO_LINE_TOOLONG) {
				toolong++;
				continue;
			}
			snprintf(want, sizeof(want), "{\"id\":%d}", lines);
			if (strcmp(line, want) != 0)
				bad++;
			lines++;
		}
	}
	CHECK_INT(n, 0);
	close(fd[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INT(lines, 1000);
	CHECK_INT(toolong, 1);
	CHECK_INT(bad, 0);
	CHECK_INT(over, 0);
	proto_reader_release(&r);
}

/* Writing to a pipe nobody reads fails with EPIPE instead of looping. */
static void
test_write_errors(void)
{
	int	fd[2];

	CHECK(pipe(fd) == 0);
	close(fd[0]);
	errno = 0;
	CHECK_INT(proto_write_all(fd[1], "x\n", 2), -1);
	CHECK_INT(errno, EPIPE);
	close(fd[1]);
	CHECK_INT(proto_write_all(fd[1], "x\n", 2), -1);
	CHECK_INT(errno, EBADF);
	CHECK_INT(proto_write_all(fd[1], "", 0), 0);
}

/* Compact JSON, members in insertion order, one newline at the end. */
static void
test_encode(void)
{
	json_t	*req, *args, *back;
	char	*s;
	size_t	 len;

	req = json_object();
	json_object_set_new(req, "v", json_integer(PROTO_VERSION));
	json_object_set_new(req, "id", json_integer(7));
	json_object_set_new(req, "cmd", json_string("source.add"));
	args = json_object();
	json_object_set_new(args, "name", json_string("Segment prod"));
	json_object_set_new(args, "connector", json_null());
	json_object_set_new(args, "list", json_pack("[i,b,f]", 1, 1, 0.5));
	json_object_set_new(req, "args", args);
	s = proto_encode(req, &len);
	CHECK_STR(s, "{\"v\":1,\"id\":7,\"cmd\":\"source.add\",\"args\":"
	    "{\"name\":\"Segment prod\",\"connector\":null,"
	    "\"list\":[1,true,0.5]}}\n");
	CHECK_INT(len, s ? strlen(s) : 0);
	free(s);
	json_decref(req);

	/* Reverse alphabetical order stays as inserted. */
	req = json_pack("{s:i,s:i,s:i}", "z", 1, "m", 2, "a", 3);
	s = proto_encode(req, &len);
	CHECK_STR(s, "{\"z\":1,\"m\":2,\"a\":3}\n");
	free(s);
	json_decref(req);

	/*
	 * A newline in a string is escaped: the only newline is the last
	 * byte.  UTF-8 is written as is.  The line reads back equal.
	 */
	req = json_pack("{s:s,s:s}", "message", "two\nlines\r",
	    "name", "caf\xc3\xa9");
	s = proto_encode(req, &len);
	CHECK_STR(s, "{\"message\":\"two\\nlines\\r\",\"name\":\"caf\xc3\xa9\"}"
	    "\n");
	if (s != NULL) {
		struct proto_reader	 r;
		char			*line;
		size_t			 llen;

		CHECK(memchr(s, '\n', len - 1) == NULL);
		proto_reader_init(&r, PROTO_MAX_LINE);
		proto_reader_feed(&r, s, len);
		CHECK_INT(proto_reader_line(&r, &line, &llen), PROTO_LINE_OK);
		back = json_loadb(line, llen, 0, NULL);
		CHECK(back != NULL && json_equal(back, req));
		json_decref(back);
		proto_reader_release(&r);
	}
	free(s);
	json_decref(req);

	/* An empty object, and a value jansson will not encode. */
	req = json_object();
	s = proto_encode(req, &len);
	CHECK_STR(s, "{}\n");
	CHECK_INT(len, 3);
	free(s);
	json_decref(req);
	req = json_integer(1);
	CHECK(proto_encode(req, &len) == NULL);
	json_decref(req);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	UNIT_RUN(test_empty_reader);
	UNIT_RUN(test_split_feeds);
	UNIT_RUN(test_several_lines);
	UNIT_RUN(test_many_lines);
	UNIT_RUN(test_crlf);
	UNIT_RUN(test_max_exact);
	UNIT_RUN(test_toolong_across_feeds);
	UNIT_RUN(test_toolong_order);
	UNIT_RUN(test_bounded_memory);
	UNIT_RUN(test_read);
	UNIT_RUN(test_write_and_read);
	UNIT_RUN(test_write_errors);
	UNIT_RUN(test_encode);
	return UNIT_END();
}
