/*
 * krtop's loop: a single thread polls the signal pipe, the terminal and
 * the admin socket; each pass handles what is ready, keeps the
 * connection, and draws once if anything changed (keys at once, new
 * records at most every TOP_DRAW_MS, so that a flood costs few redraws).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wctype.h>

#include <curses.h>
#include <jansson.h>

#include "compat.h"
#include "xmalloc.h"
#include "jtext.h"
#include "top.h"
#include "view.h"

#define TOP_HISTORY	500		/* records asked for on connecting */
#define TOP_MAXRECS	5000		/* records held */
#define TOP_MAXBYTES	(64 * 1024 * 1024)
#define TOP_RETRY_MS	500		/* between attempts to connect */
#define TOP_POLL_MS	1000		/* between status and stats */
#define TOP_DRAW_MS	50		/* between redraws for new records */

/* The kinds of request krtop sends. */
enum {
	REQ_STATUS,
	REQ_STATS,
	REQ_FOLLOW
};

static const char *const counter_keys[TOP_NCOUNTERS] = {
	"received", "stored", "rejected", "duplicates", "filtered"
};

static const char *const pick_outcomes[] = {
	"all outcomes", "stored", "filtered", "duplicate", "rejected"
};
static const char pick_outcome_keys[] = "asfdr";

/* The write end of the signal pipe (the handler's only business). */
static int	sigpipe_w = -1;

static int64_t
top_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
top_signal(int sig)
{
	int		saved = errno;
	unsigned char	c = (unsigned char)sig;

	if (write(sigpipe_w, &c, 1) == -1) {
		/* The pipe is full: a wakeup is pending anyway. */
	}
	errno = saved;
}

const char *
top_source_name(const struct top *t, const char *id)
{
	size_t	i;

	for (i = 0; i < t->nsrc; i++)
		if (strcmp(t->src[i].id, id) == 0)
			return t->src[i].name;
	return id;
}

const char *
top_source_id(const struct top *t)
{
	size_t	i;

	if (t->source == NULL)
		return NULL;
	for (i = 0; i < t->nsrc; i++)
		if (strcmp(t->src[i].id, t->source) == 0)
			return t->src[i].id;
	for (i = 0; i < t->nsrc; i++)
		if (strcmp(t->src[i].name, t->source) == 0)
			return t->src[i].id;
	return NULL;
}

size_t
top_pick_count(const struct top *t)
{
	if (t->screen == TOP_PICK_OUTCOME)
		return sizeof(pick_outcomes) / sizeof(pick_outcomes[0]);
	if (t->screen == TOP_PICK_SOURCE)
		return t->nsrc + 1;
	return 0;
}

const char *
top_pick_label(const struct top *t, size_t i, char *buf, size_t bufsz)
{
	if (t->screen == TOP_PICK_OUTCOME)
		snprintf(buf, bufsz, "%c  %s", pick_outcome_keys[i],
		    pick_outcomes[i]);
	else if (i == 0)
		snprintf(buf, bufsz, "0  all sources");
	else if (i < 10)
		snprintf(buf, bufsz, "%zu  %s", i, t->src[i - 1].name);
	else
		snprintf(buf, bufsz, "   %s", t->src[i - 1].name);
	return buf;
}

/* The index in vis of the first record at or after (epoch, seq). */
static size_t
top_vis_lower(const struct top *t, unsigned epoch, long long seq)
{
	size_t	lo = 0, hi = t->nvis, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->vis[mid]->epoch < epoch || (t->vis[mid]->epoch ==
		    epoch && t->vis[mid]->seq < seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The rows of the list on the screen as it is now. */
static int
top_list_rows(const struct top *t)
{
	struct view_layout	L;
	int			rows, cols;

	view_size(&rows, &cols);
	view_layout(t, rows, cols, &L);
	return L.list_rows > 0 ? L.list_rows : 1;
}

/*
 * Rebuild the list shown if it is stale, then keep the selection on its
 * record (or the newest, when following) and the selection in view.
 */
static void
top_refresh(struct top *t)
{
	struct reclist_filter	 f;
	size_t			 rows;
	const char		*id;

	if (t->stale) {
		if (t->viscap < t->list.n) {
			t->viscap = t->list.n;
			t->vis = xreallocarray(t->vis, t->viscap,
			    sizeof(*t->vis));
		}
		memset(&f, 0, sizeof(f));
		id = top_source_id(t);
		f.source = id ? id : t->source;
		f.outcome = t->outcome;
		f.text = t->text;
		f.paused = t->paused;
		f.epoch = t->pause_epoch;
		f.seq = t->pause_seq;
		t->nvis = reclist_view(&t->list, &f, t->vis, &t->held);
		t->stale = 0;
	}
	if (t->nvis == 0) {
		t->have_sel = t->have_first = 0;
		t->sel = t->first = 0;
		return;
	}
	if (t->follow && !t->paused)
		t->sel = t->nvis - 1;
	else if (t->have_sel) {
		t->sel = top_vis_lower(t, t->sel_epoch, t->sel_seq);
		if (t->sel >= t->nvis)
			t->sel = t->nvis - 1;
	} else
		t->sel = t->nvis - 1;
	if (!t->have_sel || t->vis[t->sel]->epoch != t->sel_epoch ||
	    t->vis[t->sel]->seq != t->sel_seq)
		t->dscroll = 0;
	t->have_sel = 1;
	t->sel_epoch = t->vis[t->sel]->epoch;
	t->sel_seq = t->vis[t->sel]->seq;
	rows = (size_t)top_list_rows(t);
	t->first = t->have_first ? top_vis_lower(t, t->first_epoch,
	    t->first_seq) : 0;
	if (t->sel < t->first)
		t->first = t->sel;
	if (t->sel >= t->first + rows)
		t->first = t->sel - rows + 1;
	if (t->first + rows > t->nvis)
		t->first = t->nvis > rows ? t->nvis - rows : 0;
	t->have_first = 1;
	t->first_epoch = t->vis[t->first]->epoch;
	t->first_seq = t->vis[t->first]->seq;
}

const struct fmt_lines *
top_detail_lines(struct top *t, int width)
{
	struct rec	*r;

	if (t->nvis == 0) {
		fmt_lines_release(&t->dlines);
		t->dvalid = 0;
		return &t->dlines;
	}
	r = t->vis[t->sel];
	if (t->dvalid && t->d_epoch == r->epoch && t->d_seq == r->seq &&
	    t->d_mode == t->mode && t->d_width == width)
		return &t->dlines;
	fmt_lines_release(&t->dlines);
	detail_build(&t->dlines, r, top_source_name(t, r->source), t->mode,
	    width, t->utf8);
	t->dvalid = 1;
	t->d_epoch = r->epoch;
	t->d_seq = r->seq;
	t->d_mode = t->mode;
	t->d_width = width;
	return &t->dlines;
}

/* Something changed that the screen shows. */
static void
top_touch(struct top *t, int urgent)
{
	t->dirty = 1;
	if (urgent)
		t->urgent = 1;
}

/* Ask for status and stats, unless their last requests are pending. */
static void
top_ask(struct top *t)
{
	if (!link_pending(&t->link, REQ_STATUS))
		link_request(&t->link, REQ_STATUS, "status", NULL);
	if (!link_pending(&t->link, REQ_STATS))
		link_request(&t->link, REQ_STATS, "stats", NULL);
}

/* Subscribe to the chosen source's records (spec/pipelines.md §7.4). */
static void
top_subscribe(struct top *t)
{
	json_t	*args;

	args = json_pack("{s:b,s:i}", "follow", 1, "count", TOP_HISTORY);
	if (t->source != NULL)
		json_object_set_new(args, "source", json_string(t->source));
	link_request(&t->link, REQ_FOLLOW, "events", args);
}

/* The connection is gone (or is being replaced). */
static void
top_disconnect(struct top *t, const char *why)
{
	link_close(&t->link);
	t->connected = t->following = 0;
	t->have_stats = 0;
	t->next_connect = top_now() + TOP_RETRY_MS;
	snprintf(t->why, sizeof(t->why), "%s", why);
	top_touch(t, 1);
}

/* Try to connect when it is time; ask for status and stats every second. */
static void
top_connect(struct top *t, int64_t now)
{
	if (!t->connected && now >= t->next_connect) {
		if (link_open(&t->link, t->path) == -1) {
			if (errno == ENOENT)
				snprintf(t->why, sizeof(t->why), "krenalisd "
				    "is not running (no socket at %s)",
				    t->path);
			else if (errno == ECONNREFUSED)
				snprintf(t->why, sizeof(t->why), "krenalisd "
				    "is not running (nothing listens on %s)",
				    t->path);
			else
				snprintf(t->why, sizeof(t->why), "cannot "
				    "connect to %s: %s", t->path,
				    strerror(errno));
			t->next_connect = now + TOP_RETRY_MS;
			top_touch(t, 0);
			return;
		}
		/* status first: its reply says which run of the daemon. */
		t->connected = 1;
		t->why[0] = '\0';
		t->message[0] = '\0';
		top_ask(t);
		top_subscribe(t);
		if (link_flush(&t->link) == -1) {
			top_disconnect(t, "cannot write to krenalisd");
			return;
		}
		t->next_poll = now + TOP_POLL_MS;
		top_touch(t, 1);
	}
	if (t->connected && now >= t->next_poll) {
		top_ask(t);
		t->next_poll = now + TOP_POLL_MS;
	}
}

static char *
top_strdup_member(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s ? xstrdup(s) : NULL;
}

/* A status reply: the daemon, and whether it is a new run of it. */
static void
top_status(struct top *t, const json_t *d, int64_t now)
{
	char	*inst;

	xasprintf(&inst, "%lld %s", (long long)json_integer_value(
	    json_object_get(d, "pid")), json_string_value(json_object_get(d,
	    "startedAt")) ? json_string_value(json_object_get(d,
	    "startedAt")) : "");
	if (t->instance == NULL || strcmp(t->instance, inst) != 0) {
		t->epoch++;
		free(t->instance);
		t->instance = inst;
	} else
		free(inst);
	free(t->version);
	t->version = top_strdup_member(d, "version");
	free(t->listen);
	t->listen = top_strdup_member(d, "listen");
	t->pid = json_integer_value(json_object_get(d, "pid"));
	t->uptime = json_integer_value(json_object_get(d, "uptime"));
	t->uptime_at = now;
	t->npipelines = json_integer_value(json_object_get(d, "pipelines"));
}

/*
 * A stats reply: the sources, and their rates from the counters of the
 * previous reply on this connection (a restarted daemon starts at 0).
 */
static void
top_stats(struct top *t, const json_t *d, int64_t now)
{
	const json_t		*srcs = json_object_get(d, "sources"), *s;
	struct top_source	*old = t->src, *n;
	size_t			 nold = t->nsrc, i, j, k;
	double			 dt = (double)(now - t->stats_at) / 1000.0;

	t->nsrc = 0;
	t->src = xcalloc(json_array_size(srcs) + 1, sizeof(*t->src));
	json_array_foreach(srcs, i, s) {
		if (!json_is_string(json_object_get(s, "id")))
			continue;
		n = &t->src[t->nsrc++];
		n->id = top_strdup_member(s, "id");
		n->name = top_strdup_member(s, "name");
		if (n->name == NULL)
			n->name = xstrdup(n->id);
		for (k = 0; k < TOP_NCOUNTERS; k++)
			n->count[k] = (uint64_t)json_integer_value(
			    json_object_get(s, counter_keys[k]));
		for (j = 0; t->have_stats && dt > 0 && j < nold; j++) {
			if (strcmp(old[j].id, n->id) != 0)
				continue;
			for (k = 0; k < TOP_NCOUNTERS; k++)
				n->rate[k] = n->count[k] >= old[j].count[k] ?
				    (double)(n->count[k] - old[j].count[k]) /
				    dt : 0.0;
			n->have_rate = 1;
		}
	}
	for (i = 0; i < nold; i++) {
		free(old[i].id);
		free(old[i].name);
	}
	free(old);
	t->stats_at = now;
	t->have_stats = 1;
	/* A name may have come or changed: the list filters by id. */
	t->stale = 1;
}

int
top_rates(const struct top *t, double rate[TOP_NCOUNTERS])
{
	const char	*id = top_source_id(t);
	size_t		 i, k;
	int		 have = 0;

	memset(rate, 0, sizeof(double) * TOP_NCOUNTERS);
	if (!t->connected)
		return 0;
	for (i = 0; i < t->nsrc; i++) {
		if (!t->src[i].have_rate ||
		    (id != NULL && strcmp(t->src[i].id, id) != 0))
			continue;
		for (k = 0; k < TOP_NCOUNTERS; k++)
			rate[k] += t->src[i].rate[k];
		have = 1;
	}
	return have;
}

/* A line of the record stream. */
static void
top_record(struct top *t, const struct link_msg *m)
{
	const json_t	*o = json_object_get(m->obj, "record");
	struct rec	*r;
	size_t		 off, len;

	t->omitted += (unsigned long long)json_integer_value(
	    json_object_get(m->obj, "omitted"));
	if (jtext_member(m->line, m->len, "record", &off, &len) == -1 ||
	    (r = reclist_rec_new(o, m->line + off, len, t->epoch)) == NULL)
		return;
	if (reclist_add(&t->list, r)) {
		t->stale = 1;
		top_touch(t, 0);
	}
}

/* Read from the daemon and take in every whole line. */
static void
top_socket(struct top *t, short revents, int64_t now)
{
	struct link_msg	 m;
	const char	*emsg;
	int		 rc = 1;

	if (revents & POLLOUT && link_flush(&t->link) == -1) {
		top_disconnect(t, "the connection to krenalisd failed");
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		rc = link_read(&t->link);
	while (link_next(&t->link, &m)) {
		if (m.type == LINK_RECORD)
			top_record(t, &m);
		else if (!m.ok) {
			emsg = json_string_value(json_object_get(
			    json_object_get(m.obj, "error"), "message"));
			snprintf(t->message, sizeof(t->message), "%s",
			    emsg ? emsg : "krenalisd answered with an error");
			top_touch(t, 1);
		} else if (m.kind == REQ_STATUS) {
			top_status(t, json_object_get(m.obj, "data"), now);
			top_touch(t, 0);
		} else if (m.kind == REQ_STATS) {
			top_stats(t, json_object_get(m.obj, "data"), now);
			top_touch(t, 0);
		} else if (m.kind == REQ_FOLLOW) {
			t->following = 1;
			t->message[0] = '\0';
			top_touch(t, 1);
		}
		json_decref(m.obj);
	}
	if (rc == 0)
		top_disconnect(t, "krenalisd closed the connection");
	else if (rc == -1)
		top_disconnect(t, "the connection to krenalisd failed");
}

/* Subscribe again, now, for a newly chosen source. */
static void
top_resubscribe(struct top *t)
{
	if (t->connected) {
		top_disconnect(t, "");
		t->next_connect = 0;
		top_connect(t, top_now());
	}
	t->stale = 1;
}

/* Move the selection by delta rows (clamped). */
static void
top_move(struct top *t, long long delta)
{
	long long	s;

	if (t->nvis == 0)
		return;
	s = (long long)t->sel + delta;
	if (s < 0)
		s = 0;
	if (s >= (long long)t->nvis)
		s = (long long)t->nvis - 1;
	if ((size_t)s != t->sel)
		t->dscroll = 0;
	t->sel = (size_t)s;
	t->sel_epoch = t->vis[t->sel]->epoch;
	t->sel_seq = t->vis[t->sel]->seq;
	/* Reaching the newest in the list follows new events again. */
	t->follow = !t->detail && t->sel == t->nvis - 1;
}

static void
top_pause(struct top *t)
{
	t->paused = !t->paused;
	if (t->paused && t->list.n > 0) {
		t->pause_epoch = t->list.v[t->list.n - 1]->epoch;
		t->pause_seq = t->list.v[t->list.n - 1]->seq;
	} else if (t->paused) {
		t->pause_epoch = 0;
		t->pause_seq = 0;
	}
	t->stale = 1;
}

/* Keys of the pickers: move, choose by Enter or by an entry's key. */
static void
top_key_pick(struct top *t, int fn, wint_t c)
{
	size_t		 n = top_pick_count(t), i = n;
	const char	*k;

	if (fn && c == KEY_UP)
		c = 'k';
	else if (fn && c == KEY_DOWN)
		c = 'j';
	else if (fn && c == KEY_ENTER)
		c = '\r';
	else if (fn)
		return;
	if (c == 'k' && t->pick > 0)
		t->pick--;
	else if (c == 'j' && t->pick + 1 < n)
		t->pick++;
	else if (c == 27 || c == 'q')
		t->screen = TOP_MAIN;
	else if (c == '\r' || c == '\n')
		i = t->pick;
	else if (t->screen == TOP_PICK_OUTCOME && c > 0 && c < 0x80 &&
	    (k = strchr(pick_outcome_keys, (int)c)) != NULL)
		i = (size_t)(k - pick_outcome_keys);
	else if (t->screen == TOP_PICK_SOURCE && c >= '0' && c <= '9')
		i = (size_t)(c - '0');
	if (i >= n)
		return;
	if (t->screen == TOP_PICK_OUTCOME)
		t->outcome = i == 0 ? -1 : (int)(i - 1);
	else {
		free(t->source);
		t->source = i == 0 ? NULL : xstrdup(t->src[i - 1].id);
		top_resubscribe(t);
	}
	t->screen = TOP_MAIN;
	t->stale = 1;
}

/* Append the character c to the text filter, as UTF-8. */
static void
top_text_add(struct top *t, wint_t c)
{
	char	u[4];
	size_t	n, len = strlen(t->text);

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (len + n >= sizeof(t->text))
		return;
	memcpy(t->text + len, u, n);
	t->text[len + n] = '\0';
}

/* Keys of the filter prompt; the list follows the text as it is typed. */
static void
top_key_prompt(struct top *t, int fn, wint_t c)
{
	size_t	len = strlen(t->text);

	if ((fn && c == KEY_BACKSPACE) || (!fn && (c == 127 || c == 8))) {
		/* Remove the last character, continuation bytes and all. */
		while (len > 0 && (t->text[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		t->text[len] = '\0';
	} else if (fn && c == KEY_ENTER)
		t->screen = TOP_MAIN;
	else if (fn)
		return;
	else if (c == '\r' || c == '\n')
		t->screen = TOP_MAIN;
	else if (c == 27) {
		strlcpy(t->text, t->saved, sizeof(t->text));
		t->screen = TOP_MAIN;
	} else if (c == 21)		/* Ctrl-U */
		t->text[0] = '\0';
	else if (c >= 0x20 && c != 0x7f && (c < 0x80 || (t->utf8 &&
	    iswprint(c))))
		top_text_add(t, c);
	t->stale = 1;
}

/* Keys of the detail pane (scrolling); 1 if the key was one. */
static int
top_key_detail(struct top *t, int fn, wint_t c)
{
	struct view_layout	 L;
	const struct fmt_lines	*dl;
	size_t			 page, max;
	int			 rows, cols;

	view_size(&rows, &cols);
	view_layout(t, rows, cols, &L);
	dl = top_detail_lines(t, cols);
	page = L.detail_rows > 1 ? (size_t)L.detail_rows - 1 : 1;
	max = dl->n > (size_t)L.detail_rows ? dl->n - (size_t)L.detail_rows :
	    0;
	if ((fn && c == KEY_UP) || (!fn && c == 'k'))
		t->dscroll = t->dscroll > 0 ? t->dscroll - 1 : 0;
	else if ((fn && c == KEY_DOWN) || (!fn && c == 'j'))
		t->dscroll++;
	else if (fn && c == KEY_PPAGE)
		t->dscroll = t->dscroll > page ? t->dscroll - page : 0;
	else if ((fn && c == KEY_NPAGE) || (!fn && c == ' '))
		t->dscroll += page;
	else if ((fn && c == KEY_HOME) || (!fn && c == 'g'))
		t->dscroll = 0;
	else if ((fn && c == KEY_END) || (!fn && c == 'G'))
		t->dscroll = max;
	else if (!fn && c == 'n')
		top_move(t, 1);
	else if (!fn && c == 'N')
		top_move(t, -1);
	else if ((fn && (c == KEY_ENTER || c == KEY_BACKSPACE)) ||
	    (!fn && (c == '\r' || c == '\n' || c == 27 || c == 127 ||
	    c == 8)))
		t->detail = 0;
	else
		return 0;
	if (t->dscroll > max)
		t->dscroll = max;
	return 1;
}

/* Keys of the list and those that work everywhere on the main screen. */
static void
top_key_main(struct top *t, int fn, wint_t c)
{
	const char	*id;
	size_t		 i;
	long long	 page = top_list_rows(t);

	if (t->detail && top_key_detail(t, fn, c))
		return;
	if (fn) {
		switch (c) {
		case KEY_UP:
			top_move(t, -1);
			break;
		case KEY_DOWN:
			top_move(t, 1);
			break;
		case KEY_PPAGE:
			top_move(t, -page);
			break;
		case KEY_NPAGE:
			top_move(t, page);
			break;
		case KEY_HOME:
			top_move(t, -(long long)t->nvis);
			break;
		case KEY_END:
			top_move(t, (long long)t->nvis);
			break;
		case KEY_ENTER:
			t->detail = t->nvis > 0;
			t->follow = 0;
			t->dscroll = 0;
			break;
		}
		return;
	}
	switch (c) {
	case 'k':
		top_move(t, -1);
		break;
	case 'j':
		top_move(t, 1);
		break;
	case 'g':
		top_move(t, -(long long)t->nvis);
		break;
	case 'G':
		top_move(t, (long long)t->nvis);
		break;
	case '\r':
	case '\n':
		t->detail = t->nvis > 0;
		t->follow = 0;
		t->dscroll = 0;
		break;
	case '\t':
		t->mode = t->mode == DETAIL_RAW ? DETAIL_EVENT : DETAIL_RAW;
		t->dscroll = 0;
		break;
	case 'p':
		top_pause(t);
		break;
	case '/':
		strlcpy(t->saved, t->text, sizeof(t->saved));
		t->screen = TOP_PROMPT;
		break;
	case 'o':
		t->pick = t->outcome < 0 ? 0 : (size_t)t->outcome + 1;
		t->screen = TOP_PICK_OUTCOME;
		break;
	case 's':
		t->pick = 0;
		id = top_source_id(t);
		for (i = 0; id != NULL && i < t->nsrc; i++)
			if (strcmp(t->src[i].id, id) == 0)
				t->pick = i + 1;
		t->screen = TOP_PICK_SOURCE;
		break;
	case '?':
	case 'h':
		t->screen = TOP_HELP;
		break;
	case 12:		/* Ctrl-L */
		view_clear();
		break;
	case 3:			/* Ctrl-C, should it come as a key */
	case 'q':
		t->quit = 1;
		break;
	}
}

/* Take every key waiting on the terminal. */
static void
top_keys(struct top *t)
{
	wint_t	c;
	int	rc;

	while (!t->quit && (rc = get_wch(&c)) != ERR) {
		top_refresh(t);
		if (rc == KEY_CODE_YES && c == KEY_RESIZE) {
			top_touch(t, 1);
			continue;
		}
		if (t->screen == TOP_HELP)
			t->screen = TOP_MAIN;
		else if (t->screen == TOP_PROMPT)
			top_key_prompt(t, rc == KEY_CODE_YES, c);
		else if (t->screen == TOP_PICK_OUTCOME ||
		    t->screen == TOP_PICK_SOURCE)
			top_key_pick(t, rc == KEY_CODE_YES, c);
		else
			top_key_main(t, rc == KEY_CODE_YES, c);
		top_touch(t, 1);
	}
}

/* Read the signal pipe: quit, or take the new size of the terminal. */
static void
top_signals(struct top *t, int fd)
{
	unsigned char	c;

	while (read(fd, &c, 1) == 1) {
		if (c == SIGWINCH) {
			view_resize();
			top_touch(t, 1);
		} else
			t->quit = 1;
	}
}

/* How long poll may wait for the next thing to do, in ms. */
static int
top_timeout(const struct top *t, int64_t now)
{
	int64_t	until = now + 60000;

	if (!t->connected && t->next_connect < until)
		until = t->next_connect;
	if (t->connected && t->next_poll < until)
		until = t->next_poll;
	if (t->dirty && t->drawn_at + TOP_DRAW_MS < until)
		until = t->drawn_at + TOP_DRAW_MS;
	return until <= now ? 0 : (int)(until - now);
}

static void
top_free(struct top *t)
{
	size_t	i;

	link_release(&t->link);
	reclist_release(&t->list);
	fmt_lines_release(&t->dlines);
	for (i = 0; i < t->nsrc; i++) {
		free(t->src[i].id);
		free(t->src[i].name);
	}
	free(t->src);
	free(t->vis);
	free(t->source);
	free(t->instance);
	free(t->version);
	free(t->listen);
}

int
top_run(const char *path, const char *source, int utf8)
{
	struct top		 t;
	struct sigaction	 sa;
	struct pollfd		 pfd[3];
	int64_t			 now;
	int			 sp[2];

	memset(&t, 0, sizeof(t));
	t.path = path;
	t.source = source ? xstrdup(source) : NULL;
	t.outcome = -1;
	t.follow = 1;
	t.utf8 = utf8;
	link_init(&t.link);
	reclist_init(&t.list, TOP_MAXRECS, TOP_MAXBYTES);
	fmt_lines_init(&t.dlines);
	if (pipe2(sp, O_NONBLOCK | O_CLOEXEC) == -1)
		err(1, "pipe");
	sigpipe_w = sp[1];
	if (view_init(&t) == -1)
		errx(1, "cannot use the terminal (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "");
	/* After the terminal is set up, so that these replace ncurses's. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = top_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	t.dirty = t.urgent = 1;
	while (!t.quit) {
		now = top_now();
		top_connect(&t, now);
		if (t.dirty && (t.urgent || now - t.drawn_at >= TOP_DRAW_MS)) {
			top_refresh(&t);
			view_draw(&t);
			t.dirty = t.urgent = 0;
			t.drawn_at = now;
		}
		pfd[0].fd = sp[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = STDIN_FILENO;
		pfd[1].events = POLLIN;
		pfd[2].fd = t.link.fd;
		pfd[2].events = POLLIN |
		    (link_wants_write(&t.link) ? POLLOUT : 0);
		if (poll(pfd, 3, top_timeout(&t, now)) == -1) {
			if (errno == EINTR)
				continue;
			view_end();
			err(1, "poll");
		}
		now = top_now();
		if (pfd[0].revents & POLLIN)
			top_signals(&t, sp[0]);
		if (t.link.fd != -1 && pfd[2].revents)
			top_socket(&t, pfd[2].revents, now);
		if (pfd[1].revents & POLLIN)
			top_keys(&t);
		else if (pfd[1].revents & (POLLHUP | POLLERR | POLLNVAL))
			t.quit = 1;
	}
	view_end();
	top_free(&t);
	close(sp[0]);
	close(sp[1]);
	sigpipe_w = -1;
	return 0;
}
