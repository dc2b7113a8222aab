/*
 * clockshift.so: preloaded into krenalisd by the scenario tests (lib.sh's
 * fake_clock), it moves the wall clock and leaves the monotonic one
 * alone.  The wall clock is the real one plus the signed number of
 * seconds written in the file named by KRENALIS_CLOCK_FILE ("+3600",
 * "-3600"), read again at every call, so that clock_step takes effect at
 * once.
 *
 * It allocates nothing and calls no library function that could: the
 * calls reach it from inside AddressSanitizer's allocator, under its
 * lock.  Time and the file are read with raw system calls, so no other
 * interposed function (ASan's read, open) is entered either.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long
shift(void)
{
	const char	*path;
	char		 buf[32];
	long		 n, sec = 0, sign = 1;
	int		 fd, i = 0;

	if ((path = getenv("KRENALIS_CLOCK_FILE")) == NULL)
		return 0;
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return 0;
	if (buf[0] == '+' || buf[0] == '-')
		sign = buf[i++] == '-' ? -1 : 1;
	for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		sec = sec * 10 + (buf[i] - '0');
	return sign * sec;
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	long	r;

	if ((r = syscall(SYS_clock_gettime, id, ts)) != 0)
		return (int)r;
	if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)
		ts->tv_sec += shift();
	return 0;
}

int
gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec	ts;

	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t
time(time_t *t)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (time_t)-1;
	if (t != NULL)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
