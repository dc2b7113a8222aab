/* Logging to stderr (foreground) or syslog, OpenBSD daemon style. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static const char	*log_name = "krenalis";
static int		 log_foreground = 1;
/*
 * log_stamp(1) ends start-up while other threads may log.  Lines without
 * the time are those of the start itself: the thread that called
 * log_stamp(0) writes them, the threads it started stamp theirs.
 */
static _Atomic int	 log_verbose;
static _Atomic int	 log_stamped = 1;
static pthread_t	 log_starter;
static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;

void
log_init(const char *name, int foreground, int verbose)
{
	log_name = name;
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_stamp(int on)
{
	if (!on)
		log_starter = pthread_self();
	log_stamped = on;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

/* SIGHUP: syslog's connection is reopened (stderr needs nothing). */
void
log_reopen(void)
{
	if (log_foreground)
		return;
	pthread_mutex_lock(&log_mtx);
	closelog();
	openlog(log_name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	pthread_mutex_unlock(&log_mtx);
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char		 msg[2048];
	struct timespec	 ts;
	struct tm	 tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_foreground && !log_stamped &&
	    pthread_equal(pthread_self(), log_starter)) {
		pthread_mutex_lock(&log_mtx);
		fprintf(stderr, "%s: %s%s%s\n", log_name, msg,
		    suffix ? ": " : "", suffix ? suffix : "");
		fflush(stderr);
		pthread_mutex_unlock(&log_mtx);
	} else if (log_foreground) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		pthread_mutex_lock(&log_mtx);
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: %s%s%s\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_name, msg,
		    suffix ? ": " : "", suffix ? suffix : "");
		fflush(stderr);
		pthread_mutex_unlock(&log_mtx);
	} else
		syslog(pri, "%s%s%s", msg, suffix ? ": " : "",
		    suffix ? suffix : "");
}

void
log_warn(const char *fmt, ...)
{
	va_list		 ap;
	char		 ebuf[128];
	const char	*e;
	int		 saved = errno;

	/* GNU strerror_r returns the text, not always in ebuf. */
	e = strerror_r(saved, ebuf, sizeof(ebuf));
	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, e);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list		 ap;
	char		 ebuf[128];
	const char	*e;

	e = strerror_r(errno, ebuf, sizeof(ebuf));
	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, e);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
