/*
 * Memory for many small objects that live a while and go in about the
 * order they came: the debugger's records, which a request's HTTP thread
 * builds by the thousand and the control thread or another request frees
 * much later, and the queued events a sender thread holds.  Taken from
 * malloc, each HTTP thread's heap kept the records of the largest request
 * it ever served, pinned by the few still alive: about 100 MiB with 64
 * connections posting 4 MiB batches; and a sender made and freed one
 * chunk per event delivered.
 *
 * A slab hands out memory carved from blocks of its own, in order.  Each
 * object holds a reference on its block, and a block goes once its last
 * object and its slab have let it go.  Objects of one slab that are
 * freed in about the order they were made (a ring) thus keep few blocks;
 * objects that live long (a quiet source's ring) keep only their own
 * slab's blocks, which start at SLAB_BLOCK_MIN bytes and double up to
 * SLAB_BLOCK_MAX.  Blocks of SLAB_BLOCK_MAX bytes are mappings of their
 * own (xmap), and up to SLAB_POOL of them are kept, once free, for any
 * slab: the steady state maps nothing.
 *
 * A slab is used by several threads: slab_alloc locks it.
 */
#ifndef SLAB_H
#define SLAB_H

#include <stddef.h>

#define SLAB_BLOCK_MIN	(16 * 1024)
#define SLAB_BLOCK_MAX	(256 * 1024)
#define SLAB_POOL	32

struct slab;
struct slab_block;

struct slab	*slab_new(void);
struct slab	*slab_ref(struct slab *);
/* Drop a reference; the blocks stay while objects hold them. */
void		 slab_unref(struct slab *);

/*
 * n bytes aligned for any type, and in *block the block they hold a
 * reference on, for slab_block_unref once they are no longer needed.
 */
void		*slab_alloc(struct slab *, size_t n, struct slab_block **block);
void		 slab_block_unref(struct slab_block *);
/*
 * The slab holds nothing for now: its current block goes as soon as its
 * objects do (to the pool), rather than staying with the slab.
 */
void		 slab_idle(struct slab *);

/*
 * The blocks in use and free in the pool, the bytes of both, and how
 * many blocks were ever made rather than taken from the pool.
 */
struct slab_stats {
	size_t	blocks;
	size_t	bytes;
	size_t	pooled;
	size_t	pooled_bytes;
	size_t	made;
};
void		 slab_stats(struct slab_stats *);
/* Unmap the pool's blocks (at exit). */
void		 slab_drain(void);

#endif
