/*
 * The daemon's one logging module: stderr in the foreground, syslog
 * otherwise.  log_warn appends strerror(errno).  Thread-safe.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

#include "compat.h"

void	log_init(const char *, int, int);	/* name, foreground, verbose */
/*
 * Whether stderr lines start with a timestamp (the default).  Off, only
 * the lines of the calling thread go without: those of the start itself.
 */
void	log_stamp(int);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_reopen(void);
void	log_warn(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((__format__(printf, 1, 2)));
__dead void fatal(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
__dead void fatalx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));

#endif
