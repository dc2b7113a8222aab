/*
 * Unit tests of common/proto.c: line framing, encoding, writing, and the
 * clients' decoding of lines and finding of members.
 */
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
	/* The child must not write what stdout holds a second time. */
	fflush(stdout);
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

	/*
	 * Reals in the fewest digits that read back exact, for all of them:
	 * a latency of 210 ms is 0.21; one real that needs 17 digits gets
	 * them for every real of the line.
	 */
	req = json_pack("{s:f,s:[f,f,{s:f}]}", "p50", 210 / 1000.0, "r",
	    0.18, 12345.6, "x", 1e-7);
	s = proto_encode(req, &len);
	CHECK_STR(s, "{\"p50\":0.21,\"r\":[0.18,12345.6,{\"x\":1e-7}]}\n");
	free(s);
	json_decref(req);
	req = json_pack("{s:f,s:f}", "a", 0.1 + 0.2, "b", 0.21);
	s = proto_encode(req, &len);
	CHECK_STR(s, "{\"a\":0.30000000000000004,\"b\":0.20999999999999999}"
	    "\n");
	if (s != NULL) {
		back = json_loads(s, 0, NULL);
		CHECK(back != NULL && json_equal(back, req));
		json_decref(back);
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

/* The compact JSON of what proto_decode gives for text, or "NULL". */
static char *
decoded(const char *text)
{
	json_t	*o = proto_decode(text, strlen(text));
	char	*s;

	if (o == NULL)
		return strdup("NULL");
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

#define CHECK_DECODED(text, want) do {					\
	char *unit_s_ = decoded(text);					\
									\
	CHECK_STR(unit_s_, want);					\
	free(unit_s_);							\
} while (0)

/* A JSON text of n nested arrays around 1. */
static char *
nested(size_t n)
{
	char	*s = malloc(2 * n + 2);
	size_t	 i;

	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[n + 1 + i] = ']';
	}
	s[n] = '1';
	s[2 * n + 1] = '\0';
	return s;
}

/*
 * What jansson reads is read as it is; what it refuses but the daemon
 * keeps verbatim is rewritten, each thing precisely, the rest untouched.
 */
static void
test_decode(void)
{
	char		*s, *want;
	json_t		*o;
	const json_t	*v;

	CHECK_DECODED("{\"a\":[1,2.5,\"x\",null]}", "{\"a\":[1,2.5,\"x\",null]}");
	CHECK_DECODED("{\"a\":\"x\\u0000y\"}", "{\"a\":\"x\\u0000y\"}");
	CHECK_DECODED("{\"n\":18446744073709551615,\"m\":9223372036854775807}",
	    "{\"n\":\"18446744073709551615\",\"m\":9223372036854775807}");
	CHECK_DECODED("[-9223372036854775809,1e999,-1e999,1e-999,1.5]",
	    "[\"-9223372036854775809\",\"1e999\",\"-1e999\",0.0,1.5]");
	CHECK_DECODED("[\"\\ud800\",\"a\\udc00b\",\"\\ud83d\\ude00\"]",
	    "[\"\xef\xbf\xbd\",\"a\xef\xbf\xbd" "b\",\"\xf0\x9f\x98\x80\"]");
	/* A high surrogate followed by a pair: only the lone one goes. */
	CHECK_DECODED("[\"\\ud800\\ud83d\\ude00\",\"\\\\ud800\"]",
	    "[\"\xef\xbf\xbd\xf0\x9f\x98\x80\",\"\\\\ud800\"]");
	CHECK_DECODED("{\"a\\u0000b\":{\"\\u0000\":\"\\u0000\"},\"c\":1}",
	    "{\"a\xef\xbf\xbd" "b\":{\"\xef\xbf\xbd\":\"\\u0000\"},\"c\":1}");
	CHECK_DECODED("{\"x\" : 1e999 , \"y\\ud800\":2}",
	    "{\"x\":\"1e999\",\"y\xef\xbf\xbd\":2}");
	CHECK_DECODED("", "NULL");
	CHECK_DECODED("{\"a\":", "NULL");
	CHECK_DECODED("{\"a\":1e999", "NULL");
	CHECK_DECODED("[1] x", "NULL");

	/* jansson's depth: a value 2048 deep is read, one 2049 deep is not. */
	s = nested(JSON_PARSER_MAX_DEPTH - 1);
	o = proto_decode(s, strlen(s));
	CHECK(json_is_array(o));
	json_decref(o);
	free(s);
	s = nested(JSON_PARSER_MAX_DEPTH + 5);
	o = proto_decode(s, strlen(s));
	CHECK(json_is_array(o));
	/* The array at depth 2048 is a string of its text. */
	want = nested(6);
	for (v = o; json_is_array(v); v = json_array_get(v, 0))
		;
	CHECK_STR(json_string_value(v), want);
	json_decref(o);
	free(want);
	free(s);
}

static void
test_member(void)
{
	const char	*t, *v;
	size_t		 len;

	t = "{\"seq\":1,\"raw\":\"{\\\"event\\\":1}\",\"event\":{\"a\":[1,"
	    "\"}\"]},\"outcome\":\"stored\"}";
	v = proto_member(t, strlen(t), "event", &len);
	CHECK(v != NULL && len == 13 && strncmp(v, "{\"a\":[1,\"}\"]}", len) == 0);
	v = proto_member(t, strlen(t), "seq", &len);
	CHECK(v != NULL && len == 1 && *v == '1');
	v = proto_member(t, strlen(t), "outcome", &len);
	CHECK(v != NULL && len == 8 && strncmp(v, "\"stored\"", len) == 0);
	CHECK(proto_member(t, strlen(t), "ev", &len) == NULL);
	CHECK(proto_member(t, strlen(t), "missing", &len) == NULL);
	CHECK(proto_member("[1]", 3, "a", &len) == NULL);
	CHECK(proto_member("{}", 2, "a", &len) == NULL);
	CHECK(proto_member("{\"a\":", 5, "a", &len) == NULL);
	CHECK(proto_member("{\"a\":}", 6, "a", &len) == NULL);
	t = " { \"id\" : 3 , \"record\" : {\"seq\":1} ,\"omitted\":2}";
	v = proto_member(t, strlen(t), "record", &len);
	CHECK(v != NULL && len == 9 && strncmp(v, "{\"seq\":1}", len) == 0);
	v = proto_member(t, strlen(t), "omitted", &len);
	CHECK(v != NULL && len == 1 && *v == '2');
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
	UNIT_RUN(test_decode);
	UNIT_RUN(test_member);
	return UNIT_END();
}
