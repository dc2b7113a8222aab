/* The admin socket client of krctl; see ctl.h. */
#include <sys/socket.h>
#include <sys/un.h>
#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "proto.h"
#include "ctl.h"

void
ctl_open(struct ctl *c, const char *path)
{
	struct sockaddr_un	sun;

	memset(c, 0, sizeof(*c));
	c->path = path;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* main checked path with sockpath_check. */
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT)
			errx(1, "krenalisd is not running (no socket at %s)",
			    path);
		if (errno == ECONNREFUSED)
			errx(1, "krenalisd is not running (nothing listens "
			    "on %s)", path);
		err(1, "cannot connect to %s", path);
	}
	/* Replies have no length limit: see proto.h. */
	proto_reader_init(&c->rd, SIZE_MAX);
	c->next_id = 1;
}

void
ctl_close(struct ctl *c)
{
	close(c->fd);
	proto_reader_release(&c->rd);
}

/* Read the next whole line from the daemon into a JSON object. */
json_t *
ctl_read(struct ctl *c)
{
	json_t		*o;
	char		*line;
	size_t		 len;
	ssize_t		 n;
	enum proto_line	 rc;

	for (;;) {
		rc = proto_reader_line(&c->rd, &line, &len);
		if (rc == PROTO_LINE_TOOLONG)
			errx(1, "reply from krenalisd is too long");
		if (rc == PROTO_LINE_OK) {
			if ((o = proto_decode(line, len)) == NULL ||
			    !json_is_object(o))
				errx(1, "reply from krenalisd is not a JSON "
				    "object");
			c->line = line;
			c->linelen = len;
			return o;
		}
		n = proto_reader_read(&c->rd, c->fd);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(1, "read %s", c->path);
		if (n == 0)
			errx(1, "krenalisd closed the connection");
	}
}

json_t *
ctl_call(struct ctl *c, const char *cmd, json_t *args)
{
	json_t		*req, *reply, *data, *e;
	char		*buf;
	size_t		 len;
	int		 id = c->next_id++;

	req = json_pack("{s:i,s:i,s:s,s:o}", "v", PROTO_VERSION, "id", id,
	    "cmd", cmd, "args", args ? args : json_object());
	if (req == NULL)
		errx(1, "cannot encode the request");
	buf = proto_encode(req, &len);
	json_decref(req);
	/*
	 * A daemon that refuses us answers with an error line and closes
	 * the socket, perhaps before reading our request: the write may fail
	 * with EPIPE while the reason is waiting to be read.
	 */
	if (proto_write_all(c->fd, buf, len) == -1 && errno != EPIPE)
		err(1, "write %s", c->path);
	free(buf);
	reply = ctl_read(c);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		e = json_object_get(json_object_get(reply, "error"), "message");
		snprintf(c->error, sizeof(c->error), "%s", json_is_string(e) ?
		    json_string_value(e) : "krenalisd answered with an error");
		json_decref(reply);
		return NULL;
	}
	data = json_incref(json_object_get(reply, "data"));
	json_decref(reply);
	return data ? data : json_null();
}
