/*
 * A per-thread arena for jansson's allocations while a request is being
 * decoded and evaluated: the JSON form of events that filters read is
 * built node by node, and malloc/free of those nodes cost an HTTP thread
 * a third of its time.  Between jarena_begin and jarena_end, jansson's
 * allocations on this thread come from large chunks and its frees of
 * them do nothing; jarena_end releases everything at once.  Every jansson
 * value made in the window must be gone before jarena_end, and nothing
 * jansson returns in the window (json_dumps text) may be given to free()
 * or realloc(): the window covers decoding and filters only.
 */
#ifndef JARENA_H
#define JARENA_H

/* Route jansson's allocator through the arena (once, at start-up). */
void	jarena_install(void);
void	jarena_begin(void);
void	jarena_end(void);

#endif
