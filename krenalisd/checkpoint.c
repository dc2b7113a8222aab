/*
 * The checkpointer of the SQLite warehouse's WAL: the thread, its
 * connection, and the WAL hook of the connections that write.  See
 * checkpoint.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "xmalloc.h"
#include "checkpoint.h"

struct checkpoint {
	char		*path;
	sqlite3		*db;		/* the thread's own */
	_Atomic int	 page_size;	/* bytes; 0 until started */
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;		/* due or stop, on a monotonic clock */
	int		 due;		/* the WAL is past the passive mark */
	int		 stop;
	int		 started;
	pthread_t	 thread;
};

struct checkpoint *
checkpoint_new(const char *path)
{
	struct checkpoint	*cp = xcalloc(1, sizeof(*cp));
	pthread_condattr_t	 ca;

	cp->path = xstrdup(path);
	pthread_mutex_init(&cp->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cp->cv, &ca);
	pthread_condattr_destroy(&ca);
	return cp;
}

void
checkpoint_free(struct checkpoint *cp)
{
	if (cp == NULL)
		return;
	pthread_mutex_lock(&cp->mtx);
	cp->stop = 1;
	pthread_cond_signal(&cp->cv);
	pthread_mutex_unlock(&cp->mtx);
	if (cp->started)
		pthread_join(cp->thread, NULL);
	sqlite3_close(cp->db);
	pthread_cond_destroy(&cp->cv);
	pthread_mutex_destroy(&cp->mtx);
	free(cp->path);
	free(cp);
}

/*
 * The thread's PASSIVE checkpoints copy what they can without waiting
 * for anyone.
 */
static void *
checkpoint_loop(void *arg)
{
	struct checkpoint	*cp = arg;
	struct timespec		 until;

	pthread_mutex_lock(&cp->mtx);
	while (!cp->stop) {
		if (!cp->due) {
			pthread_cond_wait(&cp->cv, &cp->mtx);
			continue;
		}
		cp->due = 0;
		pthread_mutex_unlock(&cp->mtx);
		/*
		 * A checkpoint that fails leaves the WAL as it is: the
		 * next commit asks for another, and a disk that fails the
		 * checkpoint fails the writer's commits too, which say so.
		 */
		sqlite3_wal_checkpoint_v2(cp->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&cp->mtx);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += CHECKPOINT_PAUSE_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!cp->stop && pthread_cond_timedwait(&cp->cv, &cp->mtx,
		    &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&cp->mtx);
	return NULL;
}

int
checkpoint_start(struct checkpoint *cp, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc = 0;

	pthread_mutex_lock(&cp->mtx);
	if (cp->started)
		goto done;
	if (sqlite3_open_v2(cp->path, &cp->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(cp->db, "PRAGMA page_size", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", cp->path, cp->db != NULL ?
		    sqlite3_errmsg(cp->db) : "cannot open");
		goto fail;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		atomic_store(&cp->page_size, sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	if ((errno = pthread_create(&cp->thread, NULL, checkpoint_loop,
	    cp)) != 0) {
		snprintf(err, errlen, "checkpoint thread: %s",
		    strerror(errno));
		goto fail;
	}
	cp->started = 1;
	/* Commits made before may have left the WAL past the mark. */
	cp->due = 1;
	goto done;
fail:
	sqlite3_close(cp->db);
	cp->db = NULL;
	atomic_store(&cp->page_size, 0);
	rc = -1;
done:
	pthread_mutex_unlock(&cp->mtx);
	return rc;
}

/*
 * After each commit of an attached connection, with the frames in the
 * WAL, in the thread that committed.
 *
 * The thread's checkpoints alone do not bound the WAL.  SQLite writes it
 * from the beginning again only when a write begins with every frame of
 * it copied and no reader on it; a writer that commits without pause,
 * while the thread copies, begins each transaction with the frames of
 * the last one not copied yet, and the WAL grows for as long as the
 * load lasts.  SQLite's autocheckpoint does not have that problem, as it
 * copies in the committing connection between its transactions.  So
 * past CHECKPOINT_FALLBACK_BYTES the connection that committed does
 * what its autocheckpoint would have done: a PASSIVE checkpoint before
 * its commit returns.  That costs the writer the wait it was spared, but
 * only while the thread cannot keep up.  A RESTART checkpoint would
 * also wait for readers to leave the WAL, but would hold back the
 * writer's next transaction meanwhile, up to its lock timeout; as with
 * the autocheckpoint, a reader holding a snapshot (krctl rejected, a
 * sender thread reading the outbox) keeps the frames after it only as
 * long as its query lasts, and only one holding a snapshot for good
 * could make the WAL grow without bound.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct checkpoint	*cp = arg;
	int64_t			 bytes;

	bytes = (int64_t)frames * atomic_load(&cp->page_size);
	if (bytes >= CHECKPOINT_FALLBACK_BYTES)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
		    NULL, NULL);
	if (bytes < CHECKPOINT_PASSIVE_BYTES)
		return SQLITE_OK;
	pthread_mutex_lock(&cp->mtx);
	cp->due = 1;
	pthread_cond_signal(&cp->cv);
	pthread_mutex_unlock(&cp->mtx);
	return SQLITE_OK;
}

void
checkpoint_attach(struct checkpoint *cp, sqlite3 *db)
{
	/* The hook replaces the autocheckpoint; this says so to PRAGMA. */
	sqlite3_wal_autocheckpoint(db, 0);
	sqlite3_wal_hook(db, wal_hook, cp);
}
