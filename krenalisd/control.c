/*
 * The admin socket and the control thread's loop: clients, line framing
 * and replies; the commands themselves are in command.c.  See control.h.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "compat.h"
#include "log.h"
#include "names.h"
#include "proto.h"
#include "timestamp.h"
#include "utf8.h"
#include "xmalloc.h"
#include "catalog.h"
#include "command.h"
#include "control.h"
#include "debugger.h"
#include "node.h"

#define MAX_CLIENTS	256		/* served at once */
#define MAX_OUTPUT	(64 * 1024 * 1024)	/* queued reply bytes */
#define TICK_MS		1000
#define SUB_HIGH	(256 * 1024)	/* stream or feed output held */

struct client {
	int			 fd;
	uid_t			 uid;
	struct proto_reader	 rd;
	char			*out;
	size_t			 outlen;	/* bytes queued */
	size_t			 outoff;	/* bytes already written */
	size_t			 outcap;
	int			 closing;	/* close once out is written */
	struct dbg_sub		*sub;		/* a live event stream */
	char			*sub_id;	/* its request id, as JSON */
	struct command_feed	*feed;		/* a reply being made */
	TAILQ_ENTRY(client)	 entry;
};

static TAILQ_HEAD(, client)	clients = TAILQ_HEAD_INITIALIZER(clients);
static size_t			nclients;

/* Only a socket is ever removed: -s may name the wrong file. */
int
control_path_check(const char *path, char *err, size_t errlen)
{
	struct stat	st;

	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	return 0;
}

int
control_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	sun;
	mode_t			old;
	int			fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return -1;
	}
	/*
	 * A socket file left by a daemon that died is stale: nobody accepts
	 * on it.  One that accepts belongs to a live daemon (which the data
	 * directory lock would normally have caught, but -s may point two
	 * daemons at one socket).
	 */
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			snprintf(err, errlen, "socket %s is in use by another "
			    "krenalisd", path);
			return -1;
		}
		close(probe);
	}
	if (control_path_check(path, err, errlen) == -1)
		return -1;
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "unlink %s: %s", path, strerror(errno));
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0600) == -1 || listen(fd, 64) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Queue len bytes for the client; drop a client that stopped reading. */
static void
client_queue(struct client *c, const char *buf, size_t len)
{
	if (c->closing && c->outlen == c->outoff && c->outlen != 0)
		return;
	if (c->outlen - c->outoff + len > MAX_OUTPUT) {
		log_warnx("control: client fd %d does not read its replies; "
		    "closing it", c->fd);
		c->closing = 1;
		c->outlen = c->outoff = 0;
		return;
	}
	if (c->outoff > 0 && c->outoff == c->outlen)
		c->outlen = c->outoff = 0;
	if (c->outlen + len > c->outcap) {
		while (c->outlen + len > c->outcap)
			c->outcap = c->outcap ? c->outcap * 2 : 4096;
		c->out = xreallocarray(c->out, 1, c->outcap);
	}
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
}

static void
client_send(struct client *c, json_t *msg)
{
	static const char	 failed[] = "{\"id\":null,\"ok\":false,"
	    "\"error\":{\"code\":\"InternalError\",\"message\":\"the reply "
	    "could not be made\"}}\n";
	char			*buf;
	size_t			 len;

	if (msg == NULL || (buf = proto_encode(msg, &len)) == NULL) {
		log_warnx("control: a reply could not be made");
		client_queue(c, failed, sizeof(failed) - 1);
		return;
	}
	client_queue(c, buf, len);
	free(buf);
}

/* Send {"id":id,"ok":false,"error":{...}}; id is borrowed. */
static void
client_error(struct client *c, json_t *id, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[2048];
	json_t	*o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A long name cut in the middle of a character is no string. */
	msg[utf8_whole(msg, strlen(msg))] = '\0';
	o = json_pack("{s:O,s:b,s:{s:s,s:s}}", "id", id ? id : json_null(),
	    "ok", 0, "error", "code", code, "message", msg);
	client_send(c, o);
	json_decref(o);
}

/* Answer one request line. */
static void
client_request(struct client *c, const char *line, size_t len,
    struct control_ctx *ctx)
{
	json_error_t	 jerr;
	json_t		*req, *id, *v, *cmd, *args, *data, *reply;
	struct command	 r;

	req = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
	if (req == NULL) {
		client_error(c, NULL, "BadRequest", "request is not valid "
		    "JSON: %s at column %d", jerr.text, jerr.column);
		return;
	}
	if (!json_is_object(req)) {
		client_error(c, NULL, "BadRequest", "request is not a JSON "
		    "object");
		json_decref(req);
		return;
	}
	id = json_object_get(req, "id");
	v = json_object_get(req, "v");
	if (v == NULL) {
		client_error(c, id, "UnsupportedVersion", "request has no "
		    "protocol version \"v\"; krenalisd speaks version %d",
		    PROTO_VERSION);
		goto done;
	}
	if (!json_is_integer(v) || json_integer_value(v) != PROTO_VERSION) {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		client_error(c, id, "UnsupportedVersion", "protocol version %s "
		    "is not supported; krenalisd speaks version %d",
		    s ? s : "?", PROTO_VERSION);
		free(s);
		goto done;
	}
	cmd = json_object_get(req, "cmd");
	if (!json_is_string(cmd)) {
		client_error(c, id, "BadRequest", "request has no command "
		    "\"cmd\"");
		goto done;
	}
	args = json_object_get(req, "args");
	if (args != NULL && !json_is_object(args) && !json_is_null(args)) {
		client_error(c, id, "BadRequest", "\"args\" must be an object");
		goto done;
	}
	memset(&r, 0, sizeof(r));
	/* No command has a NUL in its name: "source.rm\u0000x" is unknown. */
	if (strlen(json_string_value(cmd)) != json_string_length(cmd)) {
		client_error(c, id, "BadRequest", "unknown command: \"cmd\" "
		    "contains the NUL byte");
		goto done;
	}
	if ((r.entry = command_find(json_string_value(cmd))) == NULL) {
		client_error(c, id, "BadRequest", "unknown command \"%s\"",
		    json_string_value(cmd));
		goto done;
	}
	r.ctx = ctx;
	r.id = id;
	r.args = json_is_object(args) ? json_incref(args) : json_object();
	r.following = c->sub != NULL;
	data = command_exec(&r);
	if (r.sub != NULL) {
		c->sub = r.sub;
		c->sub_id = json_dumps(id ? id : json_null(),
		    JSON_ENCODE_ANY | JSON_COMPACT);
	}
	if (data == NULL) {
		client_error(c, id, r.err.code ? r.err.code : "InternalError",
		    "%s", r.err.code ? r.err.message : "internal error");
	} else if (r.raw_data != NULL || r.feed != NULL) {
		/*
		 * The data is JSON text already, or follows as client_feed
		 * makes it: wrap it, do not reparse.
		 */
		char *ids = json_dumps(id ? id : json_null(),
		    JSON_ENCODE_ANY | JSON_COMPACT), *out;
		int n = xasprintf(&out, "{\"id\":%s,\"ok\":true,"
		    "\"data\":", ids ? ids : "null");

		client_queue(c, out, (size_t)n);
		if (r.raw_data != NULL) {
			client_queue(c, r.raw_data, strlen(r.raw_data));
			client_queue(c, "}\n", 2);
		}
		c->feed = r.feed;
		free(out);
		free(ids);
		free(r.raw_data);
		json_decref(data);
	} else {
		reply = json_pack("{s:O,s:b,s:o}", "id", id ? id : json_null(),
		    "ok", 1, "data", data);
		client_send(c, reply);
		json_decref(reply);
	}
	json_decref(r.args);
done:
	json_decref(req);
}

/* The client's stream of events ends. */
static void
client_unfollow(struct client *c)
{
	debugger_unsubscribe(c->sub);
	c->sub = NULL;
	free(c->sub_id);
	c->sub_id = NULL;
}

static void
client_close(struct client *c)
{
	client_unfollow(c);
	command_feed_free(c->feed);
	TAILQ_REMOVE(&clients, c, entry);
	nclients--;
	close(c->fd);
	proto_reader_release(&c->rd);
	free(c->out);
	free(c);
}

/*
 * Answer a connection that is not served with one error line, and close
 * it.  It never takes a client's place, so that no burst of connections
 * can outgrow the clients' poll array.  Its socket is new and holds
 * nothing yet: the line fits, or the peer is gone already.
 */
static void
control_refuse(int fd, const char *code, const char *msg)
{
	json_t	*o;
	char	*buf;
	size_t	 len;

	o = json_pack("{s:n,s:b,s:{s:s,s:s}}", "id", "ok", 0, "error",
	    "code", code, "message", msg);
	if ((buf = proto_encode(o, &len)) != NULL &&
	    send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		log_warn("control: refusing a client");
	free(buf);
	json_decref(o);
	close(fd);
}

/*
 * Accept every pending connection; refuse peers other than root and us,
 * and every client past MAX_CLIENTS.  Return -1 when out of descriptors,
 * so that accepting pauses a tick.
 */
static int
control_accept(int lfd)
{
	struct client	*c;
	struct ucred	 cred;
	socklen_t	 len;
	char		 msg[128];
	int		 fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("control: accept");
				return -1;
			}
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("control: accept");
			return 0;
		}
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
		    &len) == -1) {
			log_warn("control: SO_PEERCRED");
			close(fd);
			continue;
		}
		if (cred.uid != 0 && cred.uid != geteuid()) {
			log_warnx("control: refused a client of uid %u",
			    (unsigned)cred.uid);
			snprintf(msg, sizeof(msg), "uid %u may not use this "
			    "socket", (unsigned)cred.uid);
			control_refuse(fd, "PermissionDenied", msg);
			continue;
		}
		if (nclients >= MAX_CLIENTS) {
			log_warnx("control: too many clients");
			snprintf(msg, sizeof(msg), "too many admin clients: "
			    "krenalisd serves at most %d at once; try again "
			    "later", MAX_CLIENTS);
			control_refuse(fd, "Busy", msg);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->uid = cred.uid;
		proto_reader_init(&c->rd, PROTO_MAX_LINE);
		TAILQ_INSERT_TAIL(&clients, c, entry);
		nclients++;
	}
}

/*
 * Make more of the client's feed while its output stays under SUB_HIGH,
 * so that a long reply is held a piece at a time; end the reply when the
 * feed is done, or the connection when it fails.
 */
static void
client_feed(struct client *c)
{
	struct buf	b;
	int		rc;

	buf_init(&b);
	while (!c->closing && c->feed != NULL &&
	    c->outlen - c->outoff < SUB_HIGH) {
		b.len = 0;
		rc = command_feed_fill(c->feed, &b);
		if (b.len > 0)
			client_queue(c, b.p, b.len);
		if (rc == 1)
			continue;
		command_feed_free(c->feed);
		c->feed = NULL;
		if (rc == 0)
			client_queue(c, "}\n", 2);
		else
			c->closing = 1;
	}
	buf_release(&b);
}

/*
 * Answer the whole lines the client sent, one after the other: while a
 * reply is being fed, the next lines wait for it to end.
 */
static void
client_lines(struct client *c, struct control_ctx *ctx)
{
	char	*line;
	size_t	 len;
	int	 rc;

	while (!c->closing) {
		if (c->feed != NULL) {
			client_feed(c);
			if (c->feed != NULL)
				break;
		}
		if ((rc = proto_reader_line(&c->rd, &line, &len)) ==
		    PROTO_LINE_NONE)
			break;
		if (rc == PROTO_LINE_TOOLONG)
			client_error(c, NULL, "BadRequest", "request line is "
			    "longer than %d bytes", PROTO_MAX_LINE);
		else if (len > 0)
			client_request(c, line, len, ctx);
	}
}

/* Read what the client sent and answer every whole line; -1 to close. */
static int
client_read(struct client *c, struct control_ctx *ctx)
{
	ssize_t	 n;

	n = proto_reader_read(&c->rd, c->fd);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	client_lines(c, ctx);
	return 0;
}

/* Write what is queued; -1 to close. */
static int
client_write(struct client *c)
{
	ssize_t	n;

	while (c->outoff < c->outlen) {
		n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -1;
		}
		c->outoff += n;
	}
	c->outlen = c->outoff = 0;
	return c->closing ? -1 : 0;
}

/*
 * Move a subscriber's queued records into its output, as stream lines
 * {"id":ID,"record":{...}} (with "omitted":N after drops), while its
 * output stays under SUB_HIGH and no reply is being fed; what stays
 * queued in the debugger is dropped there once the queue is full, never
 * here.
 */
static void
client_deliver(struct client *c)
{
	struct dbg_item	 items[64];
	const char	*text;
	char		 head[96], tail[48], name[NAMES_SOURCE_MAX * 4 + 1];
	size_t		 n, i, len;
	int		 hl, tl;

	while (!c->closing && c->feed == NULL &&
	    c->outlen - c->outoff < SUB_HIGH &&
	    (n = debugger_take(c->sub, items, 64)) > 0) {
		for (i = 0; i < n; i++) {
			hl = snprintf(head, sizeof(head), "{\"id\":%s,"
			    "\"record\":", c->sub_id);
			if (items[i].omitted > 0)
				tl = snprintf(tail, sizeof(tail),
				    ",\"omitted\":%llu}\n",
				    (unsigned long long)items[i].omitted);
			else
				tl = snprintf(tail, sizeof(tail), "}\n");
			text = dbg_record_text(items[i].rec, &len);
			client_queue(c, head, (size_t)hl);
			client_queue(c, text, len);
			client_queue(c, tail, (size_t)tl);
			dbg_record_unref(items[i].rec);
		}
	}
	/*
	 * Its source was deleted, and every record queued before is out:
	 * the stream ends with an error on the request that opened it.
	 */
	if (!c->closing && c->feed == NULL && debugger_ended(c->sub, name,
	    sizeof(name))) {
		json_t *id = json_loads(c->sub_id, JSON_DECODE_ANY, NULL);

		client_error(c, id, "NotFound", "source \"%s\" was deleted",
		    name);
		json_decref(id);
		client_unfollow(c);
	}
}

/* The node's counters, sampled for its rates and written for others. */
static void
control_sample(struct control_ctx *ctx)
{
	json_t	*totals = catalog_totals(ctx->cat);
	int64_t	 mono = timestamp_monotonic();

	node_sample(ctx->node, totals, mono);
	node_beat(ctx->node, totals, mono);
	json_decref(totals);
}

void
control_run(int lfd, int sigfd, struct control_ctx *ctx)
{
	struct pollfd	*pfd = NULL;
	struct client	*c, *next;
	size_t		 n, i;
	unsigned char	 sig;
	int		 accept_paused = 0;

	/*
	 * The signal pipe, the listening socket, the debugger, the catalog's
	 * database, the clients.
	 */
	pfd = xreallocarray(NULL, 4 + MAX_CLIENTS, sizeof(*pfd));
	for (;;) {
		pfd[0].fd = sigfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = accept_paused ? -1 : lfd;
		pfd[1].events = POLLIN;
		pfd[2].fd = ctx->dbgfd;
		pfd[2].events = POLLIN;
		pfd[3].fd = catalog_fd(ctx->cat);
		pfd[3].events = POLLIN;
		n = 4;
		TAILQ_FOREACH(c, &clients, entry) {
			pfd[n].fd = c->fd;
			/* A fed reply reads no more until it ends. */
			pfd[n].events = (c->closing || c->feed ? 0 : POLLIN) |
			    (c->outlen > c->outoff ? POLLOUT : 0);
			n++;
		}
		if (poll(pfd, n, TICK_MS) == -1) {
			if (errno == EINTR)
				continue;
			fatal("control: poll");
		}
		accept_paused = 0;
		if (pfd[0].revents & POLLIN) {
			while (read(sigfd, &sig, 1) == 1) {
				if (sig == SIGHUP) {
					log_info("SIGHUP: reopening the log");
					log_reopen();
				} else if (sig == SIGTERM || sig == SIGINT) {
					log_info("%s: shutting down",
					    sig == SIGTERM ? "SIGTERM" :
					    "SIGINT");
					goto out;
				}
			}
		}
		if (pfd[2].revents & POLLIN)
			debugger_woken();
		TAILQ_FOREACH(c, &clients, entry)
			if (c->sub != NULL)
				client_deliver(c);
		i = 4;
		for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
			next = TAILQ_NEXT(c, entry);
			if (i >= n)
				break;
			if ((pfd[i].revents & (POLLERR | POLLNVAL)) ||
			    ((pfd[i].revents & POLLHUP) &&
			    !(pfd[i].revents & POLLIN))) {
				client_close(c);
			} else if (((pfd[i].revents & POLLIN) &&
			    client_read(c, ctx) == -1) ||
			    ((c->outlen > c->outoff || c->closing) &&
			    client_write(c) == -1))
				client_close(c);
			else {
				/*
				 * Its output drained: refill it now, not at the
				 * next tick, or a backlog would crawl out at
				 * SUB_HIGH bytes a second.
				 */
				if (c->feed != NULL)
					client_lines(c, ctx);
				if (c->sub != NULL)
					client_deliver(c);
			}
			i++;
		}
		if ((pfd[1].revents & POLLIN) && control_accept(lfd) == -1)
			accept_paused = 1;
		catalog_tick(ctx->cat);
		control_sample(ctx);
	}
out:
	while ((c = TAILQ_FIRST(&clients)) != NULL)
		client_close(c);
	free(pfd);
}
