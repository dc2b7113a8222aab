/* krtop's non-blocking connection to krenalisd; see link.h. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "proto.h"
#include "xmalloc.h"
#include "link.h"

/*
 * The longest line taken from the daemon.  Records are at most a few
 * hundred KiB, but a reply (a list of many sources) may be longer than
 * the 1 MiB of a request; krctl reads the same.
 */
#define LINK_MAX_LINE	(PROTO_MAX_LINE * 64)
/* At most this many reads per call, so that a flood cannot starve keys. */
#define LINK_READS	8

void
link_init(struct link *l)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->next_id = 1;
}

void
link_release(struct link *l)
{
	link_close(l);
	free(l->out);
	l->out = NULL;
	l->outcap = 0;
}

int
link_open(struct link *l, const char *path)
{
	struct sockaddr_un	sun;
	int			fd, saved;

	link_close(l);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	/* A Unix socket connects at once, or fails (EAGAIN: backlog full). */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	l->fd = fd;
	proto_reader_init(&l->rd, LINK_MAX_LINE);
	return 0;
}

void
link_close(struct link *l)
{
	if (l->fd == -1)
		return;
	close(l->fd);
	l->fd = -1;
	proto_reader_release(&l->rd);
	l->outlen = l->outoff = 0;
	l->npend = 0;
}

long long
link_request(struct link *l, int kind, const char *cmd, json_t *args)
{
	json_t	*req;
	char	*buf;
	size_t	 len;
	long long id;

	if (l->fd == -1 || l->npend == LINK_MAXPEND) {
		json_decref(args);
		return -1;
	}
	id = l->next_id++;
	req = json_pack("{s:i,s:I,s:s,s:o}", "v", PROTO_VERSION, "id",
	    (json_int_t)id, "cmd", cmd, "args", args ? args : json_object());
	if (req == NULL)
		return -1;
	buf = proto_encode(req, &len);
	json_decref(req);
	if (l->outoff > 0 && l->outoff == l->outlen)
		l->outoff = l->outlen = 0;
	if (l->outlen + len > l->outcap) {
		while (l->outlen + len > l->outcap)
			l->outcap = l->outcap ? l->outcap * 2 : 4096;
		l->out = xreallocarray(l->out, 1, l->outcap);
	}
	memcpy(l->out + l->outlen, buf, len);
	l->outlen += len;
	free(buf);
	l->pend_id[l->npend] = id;
	l->pend_kind[l->npend] = kind;
	l->npend++;
	return id;
}

int
link_pending(const struct link *l, int kind)
{
	size_t	i;

	for (i = 0; i < l->npend; i++)
		if (l->pend_kind[i] == kind)
			return 1;
	return 0;
}

int
link_wants_write(const struct link *l)
{
	return l->fd != -1 && l->outoff < l->outlen;
}

int
link_flush(struct link *l)
{
	ssize_t	n;

	while (l->fd != -1 && l->outoff < l->outlen) {
		n = send(l->fd, l->out + l->outoff, l->outlen - l->outoff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		l->outoff += (size_t)n;
	}
	return 0;
}

int
link_read(struct link *l)
{
	ssize_t	n;
	int	i;

	for (i = 0; i < LINK_READS; i++) {
		n = proto_reader_read(&l->rd, l->fd);
		if (n == 0)
			return 0;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			return -1;
		}
	}
	return 1;
}

/* The kind of the request id and forget it; -1 if it was not ours. */
static int
link_answered(struct link *l, const json_t *id)
{
	long long	v;
	size_t		i;
	int		kind;

	if (!json_is_integer(id))
		return -1;
	v = json_integer_value(id);
	for (i = 0; i < l->npend; i++) {
		if (l->pend_id[i] != v)
			continue;
		kind = l->pend_kind[i];
		l->npend--;
		memmove(l->pend_id + i, l->pend_id + i + 1,
		    (l->npend - i) * sizeof(l->pend_id[0]));
		memmove(l->pend_kind + i, l->pend_kind + i + 1,
		    (l->npend - i) * sizeof(l->pend_kind[0]));
		return kind;
	}
	return -1;
}

int
link_next(struct link *l, struct link_msg *m)
{
	enum proto_line	 rc;
	json_t		*o;
	char		*line;
	size_t		 len;

	if (l->fd == -1)
		return 0;
	for (;;) {
		rc = proto_reader_line(&l->rd, &line, &len);
		if (rc == PROTO_LINE_NONE)
			return 0;
		if (rc == PROTO_LINE_TOOLONG || len == 0)
			continue;
		o = proto_decode(line, len);
		if (!json_is_object(o)) {
			json_decref(o);
			continue;
		}
		memset(m, 0, sizeof(*m));
		m->obj = o;
		m->line = line;
		m->len = len;
		if (json_object_get(o, "record") != NULL) {
			m->type = LINK_RECORD;
			m->kind = -1;
		} else {
			m->type = LINK_REPLY;
			m->kind = link_answered(l, json_object_get(o, "id"));
			m->ok = json_is_true(json_object_get(o, "ok"));
		}
		return 1;
	}
}
