/*
 * The data directory of the unit tests that open a warehouse: made from
 * a mkdtemp(3) template, set as the data_dir of a default configuration,
 * and removed with everything in it at the end.  Include after unit.h,
 * in a test linked with the daemon's library.
 */
#ifndef UNIT_DATADIR_H
#define UNIT_DATADIR_H

#include <stdio.h>
#include <stdlib.h>

#include "xmalloc.h"
#include "../../krenalisd/config.h"

/* Make dir from its template and set cf to the defaults with it: 0, or -1. */
static inline int
unit_datadir_init(struct config *cf, char *dir)
{
	config_init(cf);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	free(cf->data_dir);
	cf->data_dir = xstrdup(dir);
	return 0;
}

/* Remove dir and release cf: rc, or 1 when dir cannot be removed. */
static inline int
unit_datadir_end(struct config *cf, const char *dir, int rc)
{
	char	*cmd;

	xasprintf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	free(cmd);
	config_release(cf);
	return rc;
}

#endif
