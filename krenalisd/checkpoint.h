/*
 * The checkpoints of the SQLite warehouse's WAL, made by a thread of
 * their own on a connection of their own rather than by whichever
 * connection happens to commit past SQLite's autocheckpoint: the
 * writer's commits do not wait for them.
 *
 * Every connection that writes the warehouse is attached: its own
 * autocheckpoint is turned off, and each of its commits tells the
 * checkpointer how large the WAL has grown.  Past CHECKPOINT_PASSIVE_BYTES
 * the thread makes a PASSIVE checkpoint, at most one every
 * CHECKPOINT_PAUSE_MS; past CHECKPOINT_FALLBACK_BYTES, when the thread
 * cannot keep up, the committing connection makes one itself, as its
 * autocheckpoint would have (see checkpoint.c for why).
 *
 * checkpoint_new and checkpoint_free are called by the thread that opens
 * and closes the warehouse, checkpoint_free after every attached
 * connection is closed.  checkpoint_start may be called from any thread,
 * any number of times: the first call starts the thread, which must
 * therefore not be made before the daemon forks into the background.
 * checkpoint_attach is called by the thread using the connection, before
 * its first write.
 */
#ifndef CHECKPOINT_H
#define CHECKPOINT_H

#include <stddef.h>

#include <sqlite3.h>

/* What SQLite's autocheckpoint of 1000 pages made with 4 KiB pages. */
#define CHECKPOINT_PASSIVE_BYTES	(4 * 1024 * 1024)
#define CHECKPOINT_FALLBACK_BYTES	(64 * 1024 * 1024)
#define CHECKPOINT_PAUSE_MS		50

struct checkpoint;

/* A checkpointer of the database file at path, its thread not started. */
struct checkpoint	*checkpoint_new(const char *path);

/* Stop the thread, if started, and wait for it; then free. */
void			 checkpoint_free(struct checkpoint *);

/* Start the thread unless it runs already: 0, or -1 with err. */
int			 checkpoint_start(struct checkpoint *, char *err,
			    size_t errlen);

/*
 * Turn off the autocheckpoint of db, a connection to the same file in
 * WAL mode, and report the WAL's size after each of its commits.
 */
void			 checkpoint_attach(struct checkpoint *, sqlite3 *db);

#endif
