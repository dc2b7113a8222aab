/*
 * loadgen: the HTTP load generator of the krenalisd benchmark.
 *
 * One thread drives every connection: non-blocking sockets under epoll,
 * HTTP/1.1 keep-alive, one request in flight per connection.  Each of the
 * -c connections to 127.0.0.1 posts a request, reads the whole response
 * and posts the next one, either at once (closed loop: the most the
 * daemon takes) or when the schedule of -r says so (open loop: latency
 * at a given load).  Every request carries fresh messageIds, so every
 * event is stored, never counted as a duplicate.
 *
 * The measurement window is -t seconds after -w seconds of warm-up.  In
 * it are counted the requests acknowledged with 200 and the events they
 * accepted, the latency of each acknowledgement (from the first byte of
 * the request sent to the last byte of the response read) and, from
 * /proc of the daemon's pid (-P), the daemon's CPU time, in all and per
 * thread; its peak resident size (VmHWM, reset at the start with -R) is
 * read at the end.  The last line on stdout is "RESULT key=value ...",
 * for run.sh.  Only 127.0.0.1 is ever contacted, and both the time (-t,
 * -w, then at most -D seconds for the answers still due) and the number
 * of requests (-n) are bounded.
 *
 *   -b N	N events a request, as a bare JSON array to /v1/events
 *   -B bytes	as many events as fit in a body of that size
 *   -S		one event object a request, to /v1/track
 *   -r N	open loop at N events a second (-b events a request)
 *   -A		on 429 or 503, post again at once; by default the
 *		connection waits the Retry-After (at most 5 s), as a
 *		well-behaved client does
 *   -L file	one line per answer: send time and latency in ms since
 *		the start, status, events accepted
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "xmalloc.h"
#include "payload.h"

#define NS		1000000000LL
#define MS		1000000LL
#define RESP_MAX	16384		/* a response, headers included */
#define SAMPLE_NS	(20 * MS)	/* how often VmRSS is read */
#define MAX_CONNS	4096
#define MAX_FAILS	200		/* connects in a row that may fail */
#define TOP_THREADS	8		/* daemon threads reported */

enum conn_state {
	CONN_CONNECTING,
	CONN_IDLE,
	CONN_BUSY,		/* a request is being sent or answered */
	CONN_PARKED		/* told to retry later (429, 503) */
};

struct conn {
	int		 fd;
	enum conn_state	 state;
	uint32_t	 mask;		/* epoll events asked for */
	char		*req;		/* header and body */
	size_t		 reqlen;
	size_t		 hdrlen;
	size_t		 sent;
	int64_t		 t_send;
	char		 resp[RESP_MAX];
	size_t		 resplen;
	int		 resp_done;
	int		 status;
	int		 close_after;	/* the server said Connection: close */
	int		 retry_after;	/* seconds, from Retry-After, or 0 */
	int64_t		 wake;		/* when a parked connection is idle */
	long long	 accepted;
};

/* The CPU ticks of one thread of the daemon. */
struct tcpu {
	pid_t		tid;
	long long	ticks;
};

/* Counters of the measurement window (all_*: of the whole run). */
struct window {
	uint64_t	 requests;	/* answered 200 */
	uint64_t	 events;	/* accepted by those */
	uint64_t	 non200;
	uint64_t	 s429;
	uint64_t	 s503;
	uint64_t	 io_errors;	/* lost to a broken connection */
	uint64_t	 late;		/* open loop: sent > 10 ms after due */
	uint64_t	 all_requests;	/* answered 200, in or out of it */
	uint64_t	 all_events;
	uint64_t	 all_non200;
	int64_t		 max_lag;
	int64_t		*lat;		/* ns, of the 200s */
	size_t		 nlat;
	size_t		 latcap;
};

struct gen {
	int			 ep;
	struct sockaddr_in	 addr;
	struct conn		*conns;
	int			 nconns;
	struct conn		**idle;		/* stack of idle connections */
	int			 nidle;
	int			 inflight;
	struct payload		 pl;
	uint32_t		 run;
	uint64_t		 seq;		/* next messageId */
	uint64_t		 issued;	/* requests sent */
	uint64_t		 max_requests;	/* 0: no limit */
	int64_t			 interval;	/* open loop, ns; 0 closed */
	int64_t			 due;
	int			 stopping;	/* no new requests */
	int			 in_window;
	uint64_t		 reconnects;
	int			 fails;		/* failed connects in a row */
	pid_t			 pid;		/* the daemon, or 0 */
	int			 obey_retry;	/* heed Retry-After */
	int			 nparked;
	int64_t			 start;
	FILE			*trace;		/* or NULL; see -L */
	long			 rss_peak;	/* kB, sampled */
	struct window		 w;
};

static volatile sig_atomic_t	interrupted;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: loadgen -p port -k key [-ARS] [-P pid] "
	    "[-c connections]\n"
	    "\t[-b events | -B bytes] [-r events/s] [-t seconds] "
	    "[-w seconds]\n\t[-n requests] [-D drain-seconds] "
	    "[-L trace-file]\n");
	exit(1);
}

static void
on_signal(int sig)
{
	interrupted = 1;
}

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static long long
num_arg(const char *s, long long min, long long max, const char *what)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(s, min, max, &errstr);
	if (errstr != NULL)
		errx(1, "%s is %s: %s", what, errstr, s);
	return n;
}

static double
dbl_arg(const char *s, const char *what)
{
	char	*end;
	double	 d;

	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || d <= 0 || d > 1e9)
		errx(1, "bad %s: %s", what, s);
	return d;
}

/* The user plus system CPU ticks of a /proc stat file, or -1. */
static long long
stat_ticks(const char *path)
{
	char			 buf[1024], *p;
	unsigned long long	 ut, st;
	ssize_t			 n;
	int			 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces: fields count from its ')'. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/* The daemon's user plus system CPU time in seconds, or -1. */
static double
proc_cpu(pid_t pid)
{
	char		path[64];
	long long	t;

	if (pid == 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((t = stat_ticks(path)) == -1)
		return -1;
	return (double)t / (double)sysconf(_SC_CLK_TCK);
}

/* Every thread of pid with its CPU ticks so far. */
static struct tcpu *
proc_threads(pid_t pid, size_t *np)
{
	struct tcpu	*t = NULL;
	struct dirent	*de;
	DIR		*d;
	char		 path[PATH_MAX];
	size_t		 n = 0, cap = 0;
	long long	 ticks;

	*np = 0;
	if (pid == 0)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/stat",
		    (long)pid, de->d_name);
		if ((ticks = stat_ticks(path)) == -1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			t = xreallocarray(t, cap, sizeof(*t));
		}
		t[n].tid = (pid_t)atol(de->d_name);
		t[n].ticks = ticks;
		n++;
	}
	closedir(d);
	*np = n;
	return t;
}

static int
cmp_tcpu(const void *a, const void *b)
{
	long long	x = ((const struct tcpu *)a)->ticks;
	long long	y = ((const struct tcpu *)b)->ticks;

	return x > y ? -1 : x < y;
}

/*
 * Print "name:percent,..." for the threads of pid that used the most CPU
 * between the two samples (a thread born in between counts from 0).  The
 * main thread is "main"; the first thread it started is "writer" (the
 * daemon starts its writer before libmicrohttpd's threads, and thread
 * ids grow); the others go by their id.
 */
static void
print_threads(pid_t pid, const struct tcpu *t0, size_t n0, struct tcpu *t1,
    size_t n1, double secs)
{
	size_t	i, j;
	pid_t	writer = 0;
	double	hz = (double)sysconf(_SC_CLK_TCK);

	for (i = 0; i < n1; i++) {
		if (t1[i].tid > pid && (writer == 0 || t1[i].tid < writer))
			writer = t1[i].tid;
		for (j = 0; j < n0; j++)
			if (t0[j].tid == t1[i].tid) {
				t1[i].ticks -= t0[j].ticks;
				break;
			}
	}
	qsort(t1, n1, sizeof(*t1), cmp_tcpu);
	for (i = 0; i < n1 && i < TOP_THREADS; i++) {
		if (i > 0)
			printf(",");
		if (t1[i].tid == pid)
			printf("main");
		else if (t1[i].tid == writer)
			printf("writer");
		else
			printf("%ld", (long)t1[i].tid);
		printf(":%.0f", (double)t1[i].ticks / hz / secs * 100);
	}
	if (n1 == 0)
		printf("-");
}

/* A "Name: N kB" line of /proc/PID/status, in kB, or -1. */
static long
proc_status_kb(pid_t pid, const char *name)
{
	char	 path[64], buf[4096], *p;
	size_t	 len = strlen(name);
	ssize_t	 n;
	int	 fd;

	if (pid == 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (p = buf; p != NULL; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, name, len) == 0 && p[len] == ':')
			return strtol(p + len + 1, NULL, 10);
	}
	return -1;
}

/* Reset the daemon's VmHWM (proc(5), clear_refs "5"); 0 or -1. */
static int
proc_reset_hwm(pid_t pid)
{
	char	path[64];
	int	fd, ok;

	snprintf(path, sizeof(path), "/proc/%ld/clear_refs", (long)pid);
	if ((fd = open(path, O_WRONLY)) == -1)
		return -1;
	ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/* The CPU time of this process in seconds. */
static double
cpu_self(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
conn_watch(struct gen *g, struct conn *c, uint32_t mask, int op)
{
	struct epoll_event	ev;

	if (op == EPOLL_CTL_MOD && mask == c->mask)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = mask;
	ev.data.ptr = c;
	if (epoll_ctl(g->ep, op, c->fd, &ev) == -1)
		err(1, "epoll_ctl");
	c->mask = mask;
}

/* Start a non-blocking connect. */
static void
conn_open(struct gen *g, struct conn *c)
{
	int	one = 1;

	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&g->addr,
	    sizeof(g->addr)) == -1 && errno != EINPROGRESS)
		err(1, "connect 127.0.0.1:%d", ntohs(g->addr.sin_port));
	c->state = CONN_CONNECTING;
	conn_watch(g, c, EPOLLOUT, EPOLL_CTL_ADD);
}

static void
idle_push(struct gen *g, struct conn *c)
{
	c->state = CONN_IDLE;
	conn_watch(g, c, EPOLLIN, EPOLL_CTL_MOD);
	g->idle[g->nidle++] = c;
}

/* Drop c from the idle stack if it is there. */
static void
idle_remove(struct gen *g, struct conn *c)
{
	int	i;

	for (i = 0; i < g->nidle; i++)
		if (g->idle[i] == c) {
			g->idle[i] = g->idle[--g->nidle];
			return;
		}
}

/* Close c and connect again; a request in flight is lost. */
static void
conn_reset(struct gen *g, struct conn *c, int failed)
{
	if (c->state == CONN_BUSY) {
		g->inflight--;
		if (g->in_window && failed)
			g->w.io_errors++;
	}
	if (c->state == CONN_IDLE)
		idle_remove(g, c);
	if (c->state == CONN_PARKED)
		g->nparked--;
	close(c->fd);
	g->reconnects++;
	if (g->pid != 0 && kill(g->pid, 0) == -1)
		errx(1, "the daemon (pid %ld) is gone", (long)g->pid);
	conn_open(g, c);
}

/* Send what can be sent of c's request. */
static void
conn_write(struct gen *g, struct conn *c)
{
	ssize_t	n;

	while (c->sent < c->reqlen) {
		n = send(c->fd, c->req + c->sent, c->reqlen - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_reset(g, c, 1);
			return;
		}
		c->sent += (size_t)n;
	}
	conn_watch(g, c, EPOLLIN | (c->sent < c->reqlen ? EPOLLOUT : 0),
	    EPOLL_CTL_MOD);
}

/* Post the next request on the idle connection c. */
static void
conn_send(struct gen *g, struct conn *c, int64_t now)
{
	payload_stamp(&g->pl, c->req + c->hdrlen, g->run, g->seq);
	g->seq += g->pl.n;
	g->issued++;
	g->inflight++;
	c->state = CONN_BUSY;
	c->sent = 0;
	c->resplen = 0;
	c->resp_done = 0;
	c->t_send = now;
	conn_write(g, c);
}

static void
lat_add(struct window *w, int64_t ns)
{
	if (w->nlat == w->latcap) {
		w->latcap = w->latcap ? w->latcap * 2 : 65536;
		w->lat = xreallocarray(w->lat, w->latcap, sizeof(*w->lat));
	}
	w->lat[w->nlat++] = ns;
}

/* A request of c is answered: count it and make c ready for the next. */
static void
conn_done(struct gen *g, struct conn *c, int64_t now)
{
	g->inflight--;
	if (c->status == 200) {
		g->w.all_requests++;
		g->w.all_events += (uint64_t)c->accepted;
	} else
		g->w.all_non200++;
	if (g->in_window) {
		if (c->status == 200) {
			g->w.requests++;
			g->w.events += (uint64_t)c->accepted;
			lat_add(&g->w, now - c->t_send);
		} else {
			g->w.non200++;
			if (c->status == 429)
				g->w.s429++;
			if (c->status == 503)
				g->w.s503++;
		}
	}
	if (g->trace != NULL)
		fprintf(g->trace, "%.3f %.3f %d %lld\n",
		    (double)(c->t_send - g->start) / MS,
		    (double)(now - c->t_send) / MS, c->status,
		    c->status == 200 ? c->accepted : 0);
	c->state = CONN_IDLE;
	if ((c->status == 429 || c->status == 503) && c->retry_after > 0 &&
	    g->obey_retry && !c->close_after) {
		/* As a well-behaved client, but never more than 5 s. */
		c->state = CONN_PARKED;
		c->wake = now + (int64_t)(c->retry_after < 5 ?
		    c->retry_after : 5) * NS;
		conn_watch(g, c, EPOLLIN, EPOLL_CTL_MOD);
		g->nparked++;
		return;
	}
	if (c->close_after) {
		close(c->fd);
		g->reconnects++;
		conn_open(g, c);
	} else
		idle_push(g, c);
}

/*
 * Parse the response read so far: 1 when it is complete, 0 when more
 * must be read, -1 when it is malformed or too long.
 */
static int
resp_parse(struct conn *c)
{
	char		*end, *p;
	size_t		 hlen;
	long long	 clen;

	c->resp[c->resplen] = '\0';
	if ((end = strstr(c->resp, "\r\n\r\n")) == NULL)
		return c->resplen >= RESP_MAX - 1 ? -1 : 0;
	hlen = (size_t)(end - c->resp) + 4;
	if (strncmp(c->resp, "HTTP/1.", 7) != 0 || c->resplen < 12)
		return -1;
	c->status = atoi(c->resp + 9);
	*end = '\0';
	p = strcasestr(c->resp, "\r\nContent-Length:");
	clen = p != NULL ? strtoll(p + 17, NULL, 10) : -1;
	c->close_after = strcasestr(c->resp, "\r\nConnection: close") != NULL;
	p = strcasestr(c->resp, "\r\nRetry-After:");
	c->retry_after = p != NULL ? atoi(p + 14) : 0;
	*end = '\r';
	if (clen < 0 || hlen + (size_t)clen >= RESP_MAX)
		return -1;
	if (c->resplen < hlen + (size_t)clen)
		return 0;
	if (c->resplen > hlen + (size_t)clen)
		return -1;
	c->accepted = 0;
	if (c->status == 200 &&
	    (p = strstr(c->resp + hlen, "\"accepted\":")) != NULL)
		c->accepted = strtoll(p + 11, NULL, 10);
	return 1;
}

/* Read what the server sent on c. */
static void
conn_read(struct gen *g, struct conn *c, int64_t now)
{
	ssize_t	n;
	int	rc;

	for (;;) {
		if (c->resplen >= RESP_MAX - 1) {
			conn_reset(g, c, 1);
			return;
		}
		n = read(c->fd, c->resp + c->resplen,
		    RESP_MAX - 1 - c->resplen);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0 || c->state != CONN_BUSY || c->resp_done) {
			/* Closed, failed, or bytes nobody asked for. */
			conn_reset(g, c, c->state == CONN_BUSY);
			return;
		}
		c->resplen += (size_t)n;
		if ((rc = resp_parse(c)) == -1) {
			conn_reset(g, c, 1);
			return;
		}
		if (rc == 1)
			c->resp_done = 1;
	}
	/* An early answer (413, 503) may come before the body is sent. */
	if (c->state == CONN_BUSY && c->resp_done && c->sent == c->reqlen)
		conn_done(g, c, now);
}

static void
conn_event(struct gen *g, struct conn *c, uint32_t events, int64_t now)
{
	int		 e = 0;
	socklen_t	 elen = sizeof(e);

	if (c->state == CONN_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1 ||
		    e != 0) {
			if (++g->fails > MAX_FAILS)
				errx(1, "cannot connect to 127.0.0.1:%d: %s",
				    ntohs(g->addr.sin_port), strerror(e));
			close(c->fd);
			if (g->pid != 0 && kill(g->pid, 0) == -1)
				errx(1, "the daemon (pid %ld) is gone",
				    (long)g->pid);
			conn_open(g, c);
			return;
		}
		g->fails = 0;
		idle_push(g, c);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		conn_read(g, c, now);
	if (c->state == CONN_BUSY && (events & EPOLLOUT) &&
	    c->sent < c->reqlen) {
		conn_write(g, c);
		if (c->state == CONN_BUSY && c->resp_done &&
		    c->sent == c->reqlen)
			conn_done(g, c, now);
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-quantile of the sorted latencies, nearest rank, in ms. */
static double
quantile_ms(const struct window *w, double p)
{
	size_t	i;

	if (w->nlat == 0)
		return 0;
	i = (size_t)(p * (double)w->nlat + 0.999999);
	if (i > 0)
		i--;
	if (i >= w->nlat)
		i = w->nlat - 1;
	return (double)w->lat[i] / MS;
}

/* Build the request head of c for a body of bodylen bytes. */
static void
conn_init(struct gen *g, struct conn *c, const char *path, const char *key,
    int port)
{
	char	head[512];
	int	n;

	n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "User-Agent: krenalis-loadgen\r\n"
	    "Authorization: Bearer %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", path, port, key, g->pl.len);
	if (n < 0 || (size_t)n >= sizeof(head))
		errx(1, "request head too long");
	c->hdrlen = (size_t)n;
	c->reqlen = c->hdrlen + g->pl.len;
	c->req = xmalloc(c->reqlen);
	memcpy(c->req, head, c->hdrlen);
	memcpy(c->req + c->hdrlen, g->pl.body, g->pl.len);
}

int
main(int argc, char *argv[])
{
	struct gen		 g;
	struct epoll_event	 evs[256];
	struct sigaction	 sa;
	const char		*key = NULL, *path = "/v1/events";
	double			 rate = 0, warm = 1, secs = 10, drain = 30;
	double			 cpu0 = -1, cpu1 = -1, self0 = 0, self1 = 0;
	int64_t			 start, t_start, t_end, t_stop, now;
	int64_t			 next_sample, wait, win;
	size_t			 nevents = 500, bytes = 0;
	long			 hwm;
	int			 ch, i, n, port = 0, single = 0, reset = 0;
	int			 ended = 0, timeout;
	struct tcpu		*th0 = NULL, *th1 = NULL;
	size_t			 nth0 = 0, nth1 = 0;

	memset(&g, 0, sizeof(g));
	g.nconns = 8;
	g.obey_retry = 1;
	while ((ch = getopt(argc, argv,
	    "AB:b:c:D:k:L:n:P:p:Rr:St:w:")) != -1) {
		switch (ch) {
		case 'A':
			g.obey_retry = 0;
			break;
		case 'L':
			if ((g.trace = fopen(optarg, "w")) == NULL)
				err(1, "%s", optarg);
			break;
		case 'B':
			bytes = (size_t)num_arg(optarg, 2048, 1LL << 30,
			    "body size");
			break;
		case 'b':
			nevents = (size_t)num_arg(optarg, 1, 1000000,
			    "batch size");
			break;
		case 'c':
			g.nconns = (int)num_arg(optarg, 1, MAX_CONNS,
			    "connection count");
			break;
		case 'D':
			drain = dbl_arg(optarg, "drain time");
			break;
		case 'k':
			key = optarg;
			break;
		case 'n':
			g.max_requests = (uint64_t)num_arg(optarg, 1,
			    LLONG_MAX, "request count");
			break;
		case 'P':
			g.pid = (pid_t)num_arg(optarg, 1, INT_MAX, "pid");
			break;
		case 'p':
			port = (int)num_arg(optarg, 1, 65535, "port");
			break;
		case 'R':
			reset = 1;
			break;
		case 'r':
			rate = dbl_arg(optarg, "rate");
			break;
		case 'S':
			single = 1;
			break;
		case 't':
			secs = dbl_arg(optarg, "duration");
			break;
		case 'w':
			warm = strcmp(optarg, "0") == 0 ? 0 :
			    dbl_arg(optarg, "warm-up");
			break;
		default:
			usage();
		}
	}
	if (argc != optind || key == NULL || port == 0)
		usage();
	if (secs > 3600 || warm > 600 || drain > 600)
		errx(1, "times are limited to an hour of measurement");

	if (single) {
		path = "/v1/track";
		payload_init(&g.pl, 1, 0);
	} else {
		if (bytes != 0)
			nevents = payload_fit(bytes);
		payload_init(&g.pl, nevents, 1);
	}
	/* A run number with the top bit set: never the prefill's 0. */
	g.run = 0x80000000U | (((uint32_t)getpid() << 16) ^
	    (uint32_t)time(NULL) ^ (uint32_t)now_ns());
	if (rate > 0)
		g.interval = (int64_t)((double)NS * (double)g.pl.n / rate);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	g.addr.sin_family = AF_INET;
	g.addr.sin_port = htons((uint16_t)port);
	g.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((g.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");
	g.conns = xcalloc((size_t)g.nconns, sizeof(*g.conns));
	g.idle = xcalloc((size_t)g.nconns, sizeof(*g.idle));
	for (i = 0; i < g.nconns; i++) {
		conn_init(&g, &g.conns[i], path, key, port);
		conn_open(&g, &g.conns[i]);
	}
	if (reset && g.pid != 0 && proc_reset_hwm(g.pid) == -1)
		warn("cannot reset the daemon's VmHWM");

	start = g.start = now_ns();
	t_start = start + (int64_t)(warm * NS);
	t_end = t_start + (int64_t)(secs * NS);
	t_stop = t_end + (int64_t)(drain * NS);
	next_sample = start;
	g.due = start;
	if (warm == 0) {
		g.in_window = 1;
		cpu0 = proc_cpu(g.pid);
		self0 = cpu_self();
		th0 = proc_threads(g.pid, &nth0);
	}
	for (;;) {
		now = now_ns();
		if (!g.in_window && !ended && now >= t_start) {
			g.in_window = 1;
			cpu0 = proc_cpu(g.pid);
			self0 = cpu_self();
			th0 = proc_threads(g.pid, &nth0);
		}
		if (!ended && (now >= t_end || interrupted ||
		    (g.max_requests != 0 && g.issued >= g.max_requests &&
		    g.inflight == 0))) {
			ended = 1;
			g.in_window = 0;
			g.stopping = 1;
			cpu1 = proc_cpu(g.pid);
			self1 = cpu_self();
			th1 = proc_threads(g.pid, &nth1);
			if (now < t_end)
				t_end = now;
			t_stop = now + (int64_t)(drain * NS);
		}
		if (ended && (g.inflight == 0 || now >= t_stop))
			break;
		if (now >= next_sample) {
			long rss = proc_status_kb(g.pid, "VmRSS");

			if (rss > g.rss_peak)
				g.rss_peak = rss;
			next_sample = now + SAMPLE_NS;
		}
		if (g.max_requests != 0 && g.issued >= g.max_requests)
			g.stopping = 1;
		/* Parked connections whose time has come are idle again. */
		for (i = 0; g.nparked > 0 && i < g.nconns; i++)
			if (g.conns[i].state == CONN_PARKED &&
			    g.conns[i].wake <= now) {
				g.nparked--;
				idle_push(&g, &g.conns[i]);
			}
		/* Post on idle connections: at once, or when due. */
		while (!g.stopping && g.nidle > 0 &&
		    (g.interval == 0 || g.due <= now)) {
			if (g.interval != 0) {
				int64_t lag = now - g.due;

				if (g.in_window && lag > g.w.max_lag)
					g.w.max_lag = lag;
				if (g.in_window && lag > 10 * MS)
					g.w.late++;
				g.due += g.interval;
			}
			conn_send(&g, g.idle[--g.nidle], now);
			if (g.max_requests != 0 &&
			    g.issued >= g.max_requests)
				g.stopping = 1;
		}
		wait = next_sample - now;
		if (!g.in_window && !ended && t_start - now < wait)
			wait = t_start - now;
		if (!ended && t_end - now < wait)
			wait = t_end - now;
		if (ended && t_stop - now < wait)
			wait = t_stop - now;
		if (g.interval != 0 && !g.stopping && g.nidle > 0 &&
		    g.due - now < wait)
			wait = g.due - now;
		for (i = 0; g.nparked > 0 && i < g.nconns; i++)
			if (g.conns[i].state == CONN_PARKED &&
			    g.conns[i].wake - now < wait)
				wait = g.conns[i].wake - now;
		timeout = wait <= 0 ? 0 : (int)((wait + MS - 1) / MS);
		n = epoll_wait(g.ep, evs, sizeof(evs) / sizeof(evs[0]),
		    timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(1, "epoll_wait");
		}
		now = now_ns();
		for (i = 0; i < n; i++)
			conn_event(&g, evs[i].data.ptr, evs[i].events, now);
	}
	if (g.inflight > 0)
		warnx("%d requests still unanswered after the drain time",
		    g.inflight);
	hwm = proc_status_kb(g.pid, "VmHWM");

	qsort(g.w.lat, g.w.nlat, sizeof(*g.w.lat), cmp_i64);
	win = t_end - t_start;
	if (win <= 0)
		win = 1;
	{
		double	s = (double)win / NS;
		double	dcpu = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
		double	eps = (double)g.w.events / s;
		double	rps = (double)g.w.requests / s;
		double	usev = dcpu >= 0 && g.w.events > 0 ?
			    dcpu * 1e6 / (double)g.w.events : -1;
		double	usreq = dcpu >= 0 && g.w.requests > 0 ?
			    dcpu * 1e6 / (double)g.w.requests : -1;

		fprintf(stderr, "loadgen: %d conns, %zu events/request "
		    "(%zu bytes): %.0f events/s, %.1f requests/s, "
		    "p50 %.1f ms, p99 %.1f ms, daemon %.1f us/event, "
		    "RSS %ld kB, %llu non-200, %llu I/O errors\n",
		    g.nconns, g.pl.n, g.pl.len, eps, rps,
		    quantile_ms(&g.w, 0.5), quantile_ms(&g.w, 0.99), usev,
		    hwm > g.rss_peak ? hwm : g.rss_peak,
		    (unsigned long long)g.w.non200,
		    (unsigned long long)g.w.io_errors);
		printf("RESULT conns=%d events_per_request=%zu body_bytes=%zu "
		    "window_s=%.3f requests=%llu events=%llu rps=%.1f "
		    "eps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f "
		    "max_ms=%.2f non200=%llu status_429=%llu "
		    "status_503=%llu io_errors=%llu reconnects=%llu "
		    "late=%llu max_lag_ms=%.1f daemon_cpu_s=%.2f "
		    "cpu_us_per_event=%.2f cpu_us_per_request=%.2f "
		    "daemon_cpu_pct=%.0f "
		    "rss_hwm_kb=%ld rss_peak_kb=%ld gen_cpu_pct=%.0f "
		    "all_requests=%llu all_events=%llu all_non200=%llu "
		    "inflight_left=%d threads=",
		    g.nconns, g.pl.n, g.pl.len, s,
		    (unsigned long long)g.w.requests,
		    (unsigned long long)g.w.events, rps, eps,
		    quantile_ms(&g.w, 0.5), quantile_ms(&g.w, 0.9),
		    quantile_ms(&g.w, 0.99), quantile_ms(&g.w, 1.0),
		    (unsigned long long)g.w.non200,
		    (unsigned long long)g.w.s429,
		    (unsigned long long)g.w.s503,
		    (unsigned long long)g.w.io_errors,
		    (unsigned long long)g.reconnects,
		    (unsigned long long)g.w.late, (double)g.w.max_lag / MS,
		    dcpu, usev, usreq, dcpu >= 0 ? dcpu / s * 100 : -1, hwm,
		    g.rss_peak, (self1 - self0) / s * 100,
		    (unsigned long long)g.w.all_requests,
		    (unsigned long long)g.w.all_events,
		    (unsigned long long)g.w.all_non200, g.inflight);
		print_threads(g.pid, th0, nth0, th1, nth1, s);
		printf("\n");
	}
	for (i = 0; i < g.nconns; i++) {
		close(g.conns[i].fd);
		free(g.conns[i].req);
	}
	free(g.conns);
	free(g.idle);
	free(g.w.lat);
	free(th0);
	free(th1);
	if (g.trace != NULL && fclose(g.trace) == EOF)
		err(1, "trace file");
	payload_release(&g.pl);
	close(g.ep);
	return interrupted ? 1 : 0;
}
