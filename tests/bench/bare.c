/*
 * bare: the HTTP ceiling of the krenalisd benchmark, a libmicrohttpd
 * server that does nothing but HTTP.
 *
 * It runs libmicrohttpd as krenalisd's http_start does (a thread per
 * connection under an internal polling thread, poll, the same connection
 * timeout, connection limit and per-connection memory limit, its threads
 * at nice 5 as the daemon's HTTP threads are) and answers every request,
 * once its whole body is read, with 200 and the small JSON body that
 * krenalisd gives a stored single event.  What loadgen gets from it is
 * the most requests a second libmicrohttpd serves on this machine, the
 * figure krenalisd's single events are read against.
 *
 * With -c dir it also owes each request what krenalisd owes a single
 * event: its answer comes after a durable commit.  A request hands a
 * row to a writer thread and sleeps on a semaphore; the writer takes
 * every request waiting, inserts their rows (ROW_BYTES of text each,
 * about an event's row) in one transaction into dir/bare.db, with the
 * warehouse's settings (WAL, synchronous=FULL, its page size), commits,
 * and wakes them: a group commit and nothing else.  What loadgen gets
 * from it is the most single events a second any group-committing
 * server of this shape serves on this machine.
 *
 * It listens on 127.0.0.1 on a port the kernel picks, writes that port
 * and a newline to stdout, and runs until SIGTERM or SIGINT.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <err.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sqlite3.h>

#include "sql.h"
#include "wh_sqlite.h"

#define ROW_BYTES	620

/* A request waiting for its commit (-c). */
struct waiter {
	sem_t		 done;
	struct waiter	*next;
};

static pthread_mutex_t	 mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 cv = PTHREAD_COND_INITIALIZER;
static struct waiter	*inbox;		/* newest first */
static sqlite3		*db;		/* NULL without -c */

/* krenalisd's answer to one stored event (spec/ingest.md). */
static const char	ANSWER[] =
    "{\"success\":true,\"received\":1,\"accepted\":1,\"duplicates\":0}\n";

/* A non-NULL request context: the first call of a request is over. */
static int	started;

/* The writer of -c: a transaction for every request waiting, at once. */
static void *
writer_main(void *arg)
{
	struct waiter	*w, *next;
	sqlite3_stmt	*ins;
	char		 row[ROW_BYTES];

	memset(row, 'r', sizeof(row));
	ins = sql_prepare(db, "INSERT INTO rows (body) VALUES (?)");
	for (;;) {
		pthread_mutex_lock(&mtx);
		while (inbox == NULL)
			pthread_cond_wait(&cv, &mtx);
		w = inbox;
		inbox = NULL;
		pthread_mutex_unlock(&mtx);
		sql_exec(db, "BEGIN IMMEDIATE");
		for (next = w; next != NULL; next = next->next) {
			sqlite3_reset(ins);
			sqlite3_bind_text(ins, 1, row, sizeof(row),
			    SQLITE_STATIC);
			if (sqlite3_step(ins) != SQLITE_DONE)
				errx(1, "insert: %s", sqlite3_errmsg(db));
		}
		sql_exec(db, "COMMIT");
		for (; w != NULL; w = next) {
			next = w->next;
			sem_post(&w->done);
		}
	}
	return NULL;
}

/* -c: hand the request's row to the writer, and wait for its commit. */
static void
commit_wait(void)
{
	struct waiter	w;

	sem_init(&w.done, 0, 0);
	pthread_mutex_lock(&mtx);
	w.next = inbox;
	inbox = &w;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mtx);
	while (sem_wait(&w.done) == -1)
		;
	sem_destroy(&w.done);
}

/* -c dir: the database, with the warehouse's settings, and its writer. */
static void
writer_start(const char *dir)
{
	pthread_t	 t;
	char		*path, *sql;

	if (asprintf(&path, "%s/bare.db", dir) == -1 ||
	    asprintf(&sql, "PRAGMA page_size=%d; PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS rows "
	    "(id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
	    WH_SQLITE_PAGE_SIZE) == -1)
		err(1, "asprintf");
	if (sqlite3_open(path, &db) != SQLITE_OK)
		errx(1, "%s: %s", path, sqlite3_errmsg(db));
	sql_exec(db, sql);
	free(sql);
	free(path);
	if (pthread_create(&t, NULL, writer_main, NULL) != 0)
		errx(1, "pthread_create");
	pthread_detach(t);
}

/*
 * Take the body as it comes and, once it is all read, queue the one
 * shared response.
 */
static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **ctx)
{
	struct MHD_Response	*resp = cls;

	if (*ctx == NULL) {
		*ctx = &started;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (db != NULL)
		commit_wait();
	return MHD_queue_response(conn, MHD_HTTP_OK, resp);
}

/* A listening socket as krenalisd's listen_open makes it, on port 0. */
static int
listen_any(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, on = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		err(1, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 1024) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		err(1, "listen on 127.0.0.1");
	printf("%d\n", ntohs(sin.sin_port));
	fflush(stdout);
	return fd;
}

int
main(int argc, char *argv[])
{
	struct MHD_Daemon	*mhd;
	struct MHD_Response	*resp;
	sigset_t		 set;
	int			 fd, sig;

	if (argc == 3 && strcmp(argv[1], "-c") == 0)
		writer_start(argv[2]);
	else if (argc != 1) {
		fprintf(stderr, "usage: bare [-c dir]\n");
		return 1;
	}
	/* Blocked before the threads start, so only sigwait sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	resp = MHD_create_response_from_buffer(sizeof(ANSWER) - 1,
	    (void *)(uintptr_t)ANSWER, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		errx(1, "cannot make the response");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json; charset=utf-8");
	fd = listen_any();
	/*
	 * Nice 5, as krenalisd's HTTP threads run: the nice value is a
	 * thread's, and libmicrohttpd's threads inherit this one's.
	 */
	if (setpriority(PRIO_PROCESS, 0, 5) == -1)
		warn("setpriority");
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, resp,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4096,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_END);
	if (mhd == NULL)
		errx(1, "cannot start the HTTP server");
	sigwait(&set, &sig);
	MHD_stop_daemon(mhd);
	MHD_destroy_response(resp);
	return 0;
}
