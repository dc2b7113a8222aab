/*
 * krtop's state; see state.h.  The list shown (vis) is rebuilt from the
 * records only when something it depends on changed (stale); the
 * selection and the list's top row are kept as (epoch, seq) keys, so
 * that they stay on their records as records come and go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "detail.h"
#include "fmt.h"
#include "reclist.h"
#include "session.h"
#include "state.h"

#define STATE_MAXRECS	5000		/* records held */
#define STATE_MAXBYTES	(64 * 1024 * 1024)

static const char *const pick_outcomes[] = {
	"all outcomes", "stored", "filtered", "duplicate", "rejected"
};
static const char pick_outcome_keys[] = "asfdr";

void
state_init(struct state *s, const struct session *sess, const char *source,
    int utf8)
{
	memset(s, 0, sizeof(*s));
	s->sess = sess;
	s->source = source ? xstrdup(source) : NULL;
	s->outcome = -1;
	s->follow = 1;
	s->utf8 = utf8;
	reclist_init(&s->list, STATE_MAXRECS, STATE_MAXBYTES);
	fmt_lines_init(&s->dlines);
}

void
state_release(struct state *s)
{
	reclist_release(&s->list);
	fmt_lines_release(&s->dlines);
	free(s->vis);
	free(s->source);
	free(s->source_name);
}

void
state_layout(const struct state *s, struct state_layout *L)
{
	int	body;

	memset(L, 0, sizeof(*L));
	if (s->rows < STATE_MINROWS || s->cols < STATE_MINCOLS) {
		L->small = 1;
		L->list_rows = 1;
		return;
	}
	L->list_y = 4;
	L->help_y = s->rows - 1;
	body = s->rows - 5;
	if (!s->detail) {
		L->list_rows = body;
		return;
	}
	/* A third for the list, a title bar, the rest for the details. */
	L->list_rows = body / 3 < 3 ? 3 : body / 3;
	L->detail_y = L->list_y + L->list_rows + 1;
	L->detail_rows = L->help_y - L->detail_y;
}

const char *
state_source_id(const struct state *s)
{
	if (s->source == NULL)
		return NULL;
	return session_source_id(s->sess, s->source);
}

/* The index in vis of the first record at or after (epoch, seq). */
static size_t
state_vis_lower(const struct state *s, unsigned epoch, long long seq)
{
	size_t	lo = 0, hi = s->nvis, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->vis[mid]->epoch < epoch || (s->vis[mid]->epoch ==
		    epoch && s->vis[mid]->seq < seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Build the list shown from the records and the choices. */
static void
state_rebuild(struct state *s)
{
	struct reclist_filter	 f;
	const char		*id, *name;

	if (s->viscap < s->list.n) {
		s->viscap = s->list.n;
		s->vis = xreallocarray(s->vis, s->viscap, sizeof(*s->vis));
	}
	memset(&f, 0, sizeof(f));
	/* A source chosen by name is followed by its id, and named. */
	session_pin(&s->source, s->sess);
	if ((id = state_source_id(s)) != NULL) {
		name = session_source_name(s->sess, id);
		if (s->source_name == NULL ||
		    strcmp(s->source_name, name) != 0) {
			free(s->source_name);
			s->source_name = xstrdup(name);
		}
	}
	f.source = id ? id : s->source;
	f.outcome = s->outcome;
	f.text = s->text;
	f.paused = s->paused;
	f.epoch = s->pause_epoch;
	f.seq = s->pause_seq;
	s->nvis = reclist_view(&s->list, &f, s->vis, &s->held);
	s->stale = 0;
}

/* The detail lines of the selected record for the width (cached). */
static const struct fmt_lines *
state_detail_lines(struct state *s)
{
	struct rec	*r;

	if (s->nvis == 0) {
		fmt_lines_release(&s->dlines);
		s->dvalid = 0;
		return &s->dlines;
	}
	r = s->vis[s->sel];
	if (s->dvalid && s->d_epoch == r->epoch && s->d_seq == r->seq &&
	    s->d_mode == s->mode && s->d_width == s->cols)
		return &s->dlines;
	fmt_lines_release(&s->dlines);
	detail_build(&s->dlines, r, session_source_name(s->sess, r->source),
	    s->mode, s->cols, s->utf8);
	s->dvalid = 1;
	s->d_epoch = r->epoch;
	s->d_seq = r->seq;
	s->d_mode = s->mode;
	s->d_width = s->cols;
	return &s->dlines;
}

/* The last line the detail pane may start at. */
static size_t
state_detail_max(struct state *s)
{
	struct state_layout	 L;
	const struct fmt_lines	*dl = state_detail_lines(s);

	state_layout(s, &L);
	return dl->n > (size_t)L.detail_rows ? dl->n - (size_t)L.detail_rows :
	    0;
}

void
state_refresh(struct state *s)
{
	struct state_layout	L;
	size_t			rows, max;

	if (s->stale)
		state_rebuild(s);
	if (s->nvis == 0) {
		s->have_sel = s->have_first = 0;
		s->sel = s->first = 0;
	} else {
		if (s->follow && !s->paused)
			s->sel = s->nvis - 1;
		else if (s->have_sel) {
			s->sel = state_vis_lower(s, s->sel_epoch, s->sel_seq);
			if (s->sel >= s->nvis)
				s->sel = s->nvis - 1;
		} else
			s->sel = s->nvis - 1;
		if (!s->have_sel || s->vis[s->sel]->epoch != s->sel_epoch ||
		    s->vis[s->sel]->seq != s->sel_seq)
			s->dscroll = 0;
		s->have_sel = 1;
		s->sel_epoch = s->vis[s->sel]->epoch;
		s->sel_seq = s->vis[s->sel]->seq;
		state_layout(s, &L);
		rows = (size_t)L.list_rows;
		s->first = s->have_first ? state_vis_lower(s, s->first_epoch,
		    s->first_seq) : 0;
		if (s->sel < s->first)
			s->first = s->sel;
		if (s->sel >= s->first + rows)
			s->first = s->sel - rows + 1;
		if (s->first + rows > s->nvis)
			s->first = s->nvis > rows ? s->nvis - rows : 0;
		s->have_first = 1;
		s->first_epoch = s->vis[s->first]->epoch;
		s->first_seq = s->vis[s->first]->seq;
	}
	if (s->detail) {
		max = state_detail_max(s);
		if (s->dscroll > max)
			s->dscroll = max;
	}
}

void
state_move(struct state *s, long long delta)
{
	long long	to;

	if (s->nvis == 0)
		return;
	to = (long long)s->sel + delta;
	if (to < 0)
		to = 0;
	if (to >= (long long)s->nvis)
		to = (long long)s->nvis - 1;
	if ((size_t)to != s->sel)
		s->dscroll = 0;
	s->sel = (size_t)to;
	s->sel_epoch = s->vis[s->sel]->epoch;
	s->sel_seq = s->vis[s->sel]->seq;
	/* Reaching the newest in the list follows new events again. */
	s->follow = !s->detail && s->sel == s->nvis - 1;
}

void
state_scroll(struct state *s, long long delta)
{
	long long	to = (long long)s->dscroll + delta;
	size_t		max = state_detail_max(s);

	if (to < 0)
		to = 0;
	s->dscroll = (size_t)to > max ? max : (size_t)to;
}

void
state_pause(struct state *s)
{
	s->paused = !s->paused;
	if (s->paused && s->list.n > 0) {
		s->pause_epoch = s->list.v[s->list.n - 1]->epoch;
		s->pause_seq = s->list.v[s->list.n - 1]->seq;
	} else if (s->paused) {
		s->pause_epoch = 0;
		s->pause_seq = 0;
	}
	s->stale = 1;
}

void
state_pick_open(struct state *s, enum state_screen screen)
{
	const char	*id;
	size_t		 i;

	s->pick = 0;
	if (screen == STATE_PICK_OUTCOME && s->outcome >= 0)
		s->pick = (size_t)s->outcome + 1;
	id = screen == STATE_PICK_SOURCE ? state_source_id(s) : NULL;
	for (i = 0; id != NULL && i < s->sess->nsrc; i++)
		if (strcmp(s->sess->src[i].id, id) == 0)
			s->pick = i + 1;
	s->screen = screen;
}

size_t
state_pick_count(const struct state *s)
{
	if (s->screen == STATE_PICK_OUTCOME)
		return sizeof(pick_outcomes) / sizeof(pick_outcomes[0]);
	if (s->screen == STATE_PICK_SOURCE)
		return s->sess->nsrc + 1;
	return 0;
}

const char *
state_pick_label(const struct state *s, size_t i, char *buf, size_t bufsz)
{
	if (s->screen == STATE_PICK_OUTCOME)
		snprintf(buf, bufsz, "%c  %s", pick_outcome_keys[i],
		    pick_outcomes[i]);
	else if (i == 0)
		snprintf(buf, bufsz, "0  all sources");
	else if (i < 10)
		snprintf(buf, bufsz, "%zu  %s", i, s->sess->src[i - 1].name);
	else
		snprintf(buf, bufsz, "   %s", s->sess->src[i - 1].name);
	return buf;
}

size_t
state_pick_find(const struct state *s, int c)
{
	const char	*k;

	if (s->screen == STATE_PICK_OUTCOME && c > 0 && c < 0x80 &&
	    (k = strchr(pick_outcome_keys, c)) != NULL)
		return (size_t)(k - pick_outcome_keys);
	if (s->screen == STATE_PICK_SOURCE && c >= '0' && c <= '9')
		return (size_t)(c - '0');
	return state_pick_count(s);
}

void
state_pick_choose(struct state *s, size_t i)
{
	if (s->screen == STATE_PICK_OUTCOME)
		s->outcome = i == 0 ? -1 : (int)(i - 1);
	else {
		free(s->source);
		s->source = i == 0 ? NULL : xstrdup(s->sess->src[i - 1].id);
		free(s->source_name);
		s->source_name = NULL;
		s->resubscribe = 1;
	}
	s->screen = STATE_MAIN;
	s->stale = 1;
}
