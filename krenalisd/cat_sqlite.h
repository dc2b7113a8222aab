/* The catalog's rows in DATA_DIR/state.db (SQLite); see cat_store.h. */
#ifndef CAT_SQLITE_H
#define CAT_SQLITE_H

#include <stddef.h>

struct cat_store;

/*
 * Open (creating if needed) the SQLite database at path; NULL with err.
 * The caller frees it with its close operation.
 */
struct cat_store	*cat_sqlite_open(const char *path, char *err,
			    size_t errlen);

#endif
