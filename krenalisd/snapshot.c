/* The catalog snapshot read by the HTTP threads; see snapshot.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "xmalloc.h"
#include "filter.h"
#include "snapshot.h"

/*
 * The published pointer.  Taking a reference must be atomic with reading
 * the pointer, or the control thread could free the snapshot in between;
 * a mutex held for two instructions does that.
 */
static pthread_mutex_t	 current_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot	*current;

struct key_usage *
key_usage_new(int64_t last_used)
{
	struct key_usage	*u = xcalloc(1, sizeof(*u));

	atomic_init(&u->refs, 1);
	atomic_init(&u->last_used, last_used);
	u->flushed = last_used;
	u->writing = last_used;
	return u;
}

struct key_usage *
key_usage_ref(struct key_usage *u)
{
	atomic_fetch_add(&u->refs, 1);
	return u;
}

void
key_usage_unref(struct key_usage *u)
{
	if (u != NULL && atomic_fetch_sub(&u->refs, 1) == 1)
		free(u);
}

struct snapshot *
snapshot_new(size_t nsources, size_t nkeys)
{
	struct snapshot	*s = xcalloc(1, sizeof(*s));
	size_t		 size = 16;

	while (size < nkeys * 2)
		size <<= 1;
	atomic_init(&s->refs, 1);
	s->sources = xcalloc(nsources, sizeof(*s->sources));
	s->keys = xcalloc(size, sizeof(*s->keys));
	s->keymask = size - 1;
	return s;
}

void
snapshot_add_key(struct snapshot *s, const char *key, struct snap_source *src,
    struct key_usage *u)
{
	size_t	i = hash_bytes(key, strlen(key)) & s->keymask;

	while (s->keys[i].source != NULL)
		i = (i + 1) & s->keymask;
	memcpy(s->keys[i].key, key, IDS_KEY_LEN + 1);
	s->keys[i].source = src;
	s->keys[i].usage = key_usage_ref(u);
}

const struct snap_key *
snapshot_lookup_key(const struct snapshot *s, const char *key, size_t len)
{
	size_t	i;

	if (len != IDS_KEY_LEN)
		return NULL;
	i = hash_bytes(key, len) & s->keymask;
	while (s->keys[i].source != NULL) {
		if (memcmp(s->keys[i].key, key, len) == 0)
			return &s->keys[i];
		i = (i + 1) & s->keymask;
	}
	return NULL;
}

const struct destination *
snapshot_destination(const struct snapshot *s, const char *id)
{
	size_t	i;

	for (i = 0; id != NULL && i < s->ndestinations; i++)
		if (strcmp(s->destinations[i].id, id) == 0)
			return &s->destinations[i];
	return NULL;
}

void
snapshot_publish(struct snapshot *s)
{
	struct snapshot	*old;

	pthread_mutex_lock(&current_mtx);
	old = current;
	current = s;
	pthread_mutex_unlock(&current_mtx);
	snapshot_unref(old);
}

struct snapshot *
snapshot_ref(struct snapshot *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

struct snapshot *
snapshot_current(void)
{
	struct snapshot	*s;

	pthread_mutex_lock(&current_mtx);
	s = current;
	if (s != NULL)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&current_mtx);
	return s;
}

void
snapshot_unref(struct snapshot *s)
{
	size_t	i, j;

	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	for (i = 0; i <= s->keymask; i++)
		if (s->keys[i].source != NULL)
			key_usage_unref(s->keys[i].usage);
	for (i = 0; i < s->nsources; i++) {
		for (j = 0; j < s->sources[i].npipelines; j++) {
			free(s->sources[i].pipelines[j].name);
			filter_free(s->sources[i].pipelines[j].filter);
			consents_release(&s->sources[i].pipelines[j].consents);
			pipe_counters_unref(s->sources[i].pipelines[j].counters);
		}
		src_counters_unref(s->sources[i].counters);
		free(s->sources[i].pipelines);
	}
	for (i = 0; i < s->ndestinations; i++)
		destination_release(&s->destinations[i]);
	free(s->destinations);
	free(s->sources);
	free(s->keys);
	free(s);
}
