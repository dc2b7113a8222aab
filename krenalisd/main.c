/*
 * krenalisd: the krenalis daemon.  Reads the configuration, takes the data
 * directory's lock, opens the catalog, the admin socket and the HTTP
 * listener, detaches unless -d, then serves until SIGTERM or SIGINT.
 *
 * Threads: the main thread is the control thread (admin socket, catalog,
 * signals); libmicrohttpd runs the HTTP threads; the writer commits and
 * the sender threads deliver to destinations.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "compat.h"
#include "log.h"
#include "opts.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "cat_pg.h"
#include "catalog.h"
#include "config.h"
#include "control.h"
#include "debugger.h"
#include "http.h"
#include "listen.h"
#include "node.h"
#include "pg.h"
#include "sender.h"
#include "warehouse.h"
#include "wh_pg.h"
#include "writer.h"
#include "version.h"

static int	sigpipe_w = -1;

#define SYNOPSIS	"usage: krenalisd [-dFhnVv] [-f config] [-D datadir] " \
			"[-l address:port] [-s socket] [-w warehouse]"

/* Signal handler: hand the signal number to the control loop. */
static void
on_signal(int sig)
{
	unsigned char	b = sig;
	int		saved = errno;

	if (write(sigpipe_w, &b, 1) == -1) {
		/* The pipe is full: a signal is already pending. */
	}
	errno = saved;
}

/*
 * The data directory dir cannot be used: mkdir failed with e, or, with e
 * 0, dir is not a directory.  -1 with err; the start and -n say it alike.
 */
static int
datadir_fail(const char *dir, int e, char *err, size_t errlen)
{
	if (e != 0)
		snprintf(err, errlen, "cannot create data directory %s: %s",
		    dir, strerror(e));
	else
		snprintf(err, errlen, "data directory %s is not a directory",
		    dir);
	return -1;
}

/*
 * Create the data directory (mode 0700) if needed, setting *created;
 * -1 with err.
 */
static int
datadir_make(const char *dir, int *created, char *err, size_t errlen)
{
	struct stat	st;

	*created = mkdir(dir, 0700) == 0;
	if (!*created && errno != EEXIST)
		return datadir_fail(dir, errno, err, errlen);
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		return datadir_fail(dir, 0, err, errlen);
	if (st.st_mode & 077)
		log_warnx("data directory %s is open to other users (mode "
		    "%03o): it holds the write keys; chmod 700 it", dir,
		    (unsigned)(st.st_mode & 0777));
	return 0;
}

/*
 * The directory that path's last component would be made in, as a new
 * string ("." when path has no '/').
 */
static char *
parent_dir(const char *path)
{
	const char	*slash = strrchr(path, '/');
	size_t		 len;

	if (slash == NULL)
		return xstrdup(".");
	len = (size_t)(slash - path);
	while (len > 0 && path[len - 1] == '/')
		len--;
	return len == 0 ? xstrdup("/") : xstrndup(path, len);
}

/* Whether the paths a and b name the same directory, as written. */
static int
same_dir(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	return la == lb && memcmp(a, b, la) == 0;
}

/*
 * krenalisd -n: what a start would refuse of the data directory and of
 * the admin socket (its directory, and a file of its name that is not a
 * socket), asked without making either.  Their messages are the start's
 * (datadir_make, control_listen).
 */
static int
datadir_probe(const struct config *cf, const char *sockpath, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*parent, why[512];
	int		 e = 0;

	if (stat(cf->data_dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return datadir_fail(cf->data_dir, 0, err, errlen);
	} else {
		parent = parent_dir(cf->data_dir);
		if (errno != ENOENT)
			e = errno;
		else if (stat(parent, &st) == -1)
			e = errno;
		else if (!S_ISDIR(st.st_mode))
			e = ENOTDIR;
		else if (access(parent, W_OK | X_OK) == -1)
			e = errno;
		free(parent);
		if (e != 0)
			return datadir_fail(cf->data_dir, e, err, errlen);
	}
	/* The start's message: "control: " and control_listen's. */
	if (control_path_check(sockpath, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "control: %s", why);
		return -1;
	}
	parent = parent_dir(sockpath);
	/* The start makes the data directory before the socket. */
	if (same_dir(parent, cf->data_dir))
		e = 0;
	else if (stat(parent, &st) == -1)
		e = errno;
	else if (!S_ISDIR(st.st_mode))
		e = ENOTDIR;
	free(parent);
	if (e != 0) {
		snprintf(err, errlen, "control: bind %s: %s", sockpath,
		    strerror(e));
		return -1;
	}
	return 0;
}

/*
 * Remove a data directory this start created, with what the start put in
 * it (catalog, warehouse, catalog cache, node id): all of it is ours, and
 * none of it a directory.
 */
static void
datadir_remove(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	int		 dfd;

	if ((d = opendir(dir)) != NULL) {
		dfd = dirfd(d);
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				unlinkat(dfd, de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

/*
 * A start that failed: remove the socket it made (when sockpath is set),
 * the pid file, and the data directory with its files when it made it,
 * then exit 1 with the message.
 */
static __dead void __attribute__((__format__(__printf__, 4, 5)))
startup_fail(const struct config *cf, int created, const char *sockpath,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1200], *pid;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sockpath != NULL)
		unlink(sockpath);
	/* The pid file is ours: its lock is held until the exit. */
	xasprintf(&pid, "%s/krenalisd.pid", cf->data_dir);
	unlink(pid);
	free(pid);
	if (created)
		datadir_remove(cf->data_dir);
	fatalx("%s", msg);
}

/*
 * Take the data directory's lock: DATA_DIR/krenalisd.pid, locked with
 * flock(2) for the daemon's life and holding its pid.  Return the fd.
 */
static int
datadir_lock(const char *dir, char *err, size_t errlen)
{
	char	*path, buf[32];
	ssize_t	 n;
	int	 fd;

	xasprintf(&path, "%s/krenalisd.pid", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(err, errlen, "data directory %s is in use by another "
		    "krenalisd (pid %s)", dir, buf[0] ? buf : "unknown");
		close(fd);
		free(path);
		return -1;
	}
	free(path);
	return fd;
}

/* Write our pid into the locked pid file. */
static void
pidfile_write(int fd)
{
	char	buf[32];
	int	n;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, n, 0) != n)
		log_warn("cannot write the pid file");
}

/*
 * krenalisd -n with a PostgreSQL warehouse: connect, check the columns of
 * the tables that exist as a start would, and say which server and
 * database answered (spec/postgresql.md §1); exit 1 when it cannot, or a
 * table is not as krenalisd makes it.
 */
static void
pg_check(const struct config *cf)
{
	PGconn		*conn;
	const char	*version;
	char		 err[1024];
	int64_t		 deadline;

	conn = pg_connect(cf->warehouse, (int)cf->pg_timeout, err,
	    sizeof(err));
	if (conn == NULL)
		fatalx("warehouse: %s", err);
	deadline = pg_deadline((int64_t)cf->pg_timeout * 1000);
	if (wh_pg_check(conn, deadline, err, sizeof(err)) == -1) {
		PQfinish(conn);
		fatalx("store: %s", err);
	}
	if (cat_pg_check(conn, deadline, err, sizeof(err)) == -1) {
		PQfinish(conn);
		fatalx("catalog: %s", err);
	}
	version = PQparameterStatus(conn, "server_version");
	if (version == NULL)
		version = "unknown";
	fprintf(stderr, "warehouse: postgresql OK (server %.*s, database "
	    "%s)\n", (int)strcspn(version, " "), version, PQdb(conn));
	PQfinish(conn);
}

/* The catalog of each engine in the data directory (datadir_engine_check). */
#define STATE_DB	"state.db"
#define CATALOG_CACHE	"catalog.cache"

/* Whether dir/name exists. */
static int
datadir_has(const char *dir, const char *name)
{
	struct stat	 st;
	char		*path;
	int		 rc;

	xasprintf(&path, "%s/%s", dir, name);
	rc = stat(path, &st) == 0;
	free(path);
	return rc;
}

/*
 * A data directory used only with the other engine keeps a catalog this
 * start would not read: its sources and the events of its warehouse
 * would be lost from sight, as with another warehouse (store_open).  A
 * SQLite warehouse's catalog is state.db; a PostgreSQL one's, the
 * database's, of which the directory keeps catalog.cache.  fresh (-F)
 * goes on; the next start finds the directory used with this engine.
 */
static int
datadir_engine_check(const struct config *cf, int fresh, char *err,
    size_t errlen)
{
	const char	*dir = cf->data_dir;

	if (fresh)
		return 0;
	if (config_is_pg(cf) && datadir_has(dir, STATE_DB) &&
	    !datadir_has(dir, CATALOG_CACHE)) {
		snprintf(err, errlen, "store: %s/state.db is the catalog of "
		    "the SQLite warehouse %s/warehouse.db, which a PostgreSQL "
		    "warehouse does not use: move its sources with krctl "
		    "catalog export and import, use another data directory, "
		    "or start krenalisd with -F to go on without them", dir,
		    dir);
		return -1;
	}
	if (!config_is_pg(cf) && datadir_has(dir, CATALOG_CACHE) &&
	    !datadir_has(dir, STATE_DB)) {
		snprintf(err, errlen, "store: %s was used with a PostgreSQL "
		    "warehouse, which holds its catalog and events: give -w "
		    "its connection string, use another data directory, or "
		    "start krenalisd with -F to go on with a new SQLite "
		    "warehouse", dir);
		return -1;
	}
	return 0;
}

/*
 * What a start refuses of the files already in the data directory: those
 * of the other engine, and a node.id that holds no node id.  Asked before
 * the catalog and the warehouse make their files, and by -n.
 */
static int
datadir_files_check(const struct config *cf, int fresh, char *err,
    size_t errlen)
{
	char	why[1000];

	if (datadir_engine_check(cf, fresh, err, errlen) == -1)
		return -1;
	if (node_id_check(cf->data_dir, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "node: %s", why);
		return -1;
	}
	return 0;
}

/*
 * Open the warehouse, refusing any other than the one the catalog was
 * used with, whose events would be lost from sight (krenalisd(8)
 * DIAGNOSTICS); nothing is created or written before that check.  fresh
 * (-F) goes on with the warehouse found, or a new one, and the catalog
 * records its id.
 */
static struct warehouse *
store_open(const struct config *cf, struct catalog *cat, int fresh, char *err,
    size_t errlen)
{
	struct warehouse	*wh;
	const char		*known = catalog_warehouse(cat);
	const char		*dir = cf->data_dir;
	char			 why[1000];

	/*
	 * A PostgreSQL warehouse is the same whatever the catalog: it is
	 * where the connection string points, and has no id to check.
	 */
	if (config_is_pg(cf)) {
		wh = warehouse_open("postgresql", cf, why, sizeof(why));
		if (wh != NULL && warehouse_ensure_schema(wh, why,
		    sizeof(why)) == 0)
			return wh;
		snprintf(err, errlen, "store: %s", why);
		warehouse_close(wh);
		return NULL;
	}
	if (known != NULL && !fresh && !warehouse_exists("sqlite", cf)) {
		snprintf(err, errlen, "store: %s/warehouse.db is missing, but "
		    "%s/state.db was used with warehouse %s, and its events "
		    "are gone with it: put it back, or start krenalisd with -F "
		    "to go on with a new empty warehouse", dir, dir, known);
		return NULL;
	}
	if ((wh = warehouse_open("sqlite", cf, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "store: %s", why);
		return NULL;
	}
	if (known != NULL && !fresh && strcmp(wh->id, known) != 0) {
		snprintf(err, errlen, "store: %s/warehouse.db is not warehouse "
		    "%s, which %s/state.db was used with: put that one back, or "
		    "start krenalisd with -F to go on with this one", dir, known,
		    dir);
		goto fail;
	}
	if (warehouse_ensure_schema(wh, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "store: %s", why);
		goto fail;
	}
	if (known != NULL && strcmp(wh->id, known) == 0)
		return wh;
	if (known != NULL)
		log_warnx("store: -F: going on with warehouse %s in place of "
		    "warehouse %s", wh->id, known);
	if (catalog_warehouse_set(cat, wh->id, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "catalog: %s", why);
		goto fail;
	}
	return wh;
fail:
	warehouse_close(wh);
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct config		 cf;
	struct control_ctx	 ctx;
	struct catalog		*cat;
	struct node		*node;
	struct http		*http;
	struct warehouse	*wh;
	struct writer		*writer;
	struct sender		*sender;
	struct sigaction	 sa;
	const char		*conffile = CONFIG_DEFAULT_PATH;
	const char		*opt_datadir = NULL, *opt_listen = NULL;
	const char		*opt_socket = NULL, *opt_warehouse = NULL;
	char			 err[1024], *path, *sockpath, *endpoint;
	int			 ch, debug = 0, fresh = 0, noaction = 0;
	int			 verbose = 0;
	int			 conf_given = 0, lockfd, ctlfd = -1, httpfd;
	int			 sp[2], created;

	while ((ch = opts_get(argc, argv, "dD:Ff:hl:ns:Vvw:", "krenalisd",
	    SYNOPSIS)) != -1) {
		switch (ch) {
		case 'h':
			printf("%s\n", SYNOPSIS);
			return 0;
		case 'V':
			printf("krenalisd %s\n", KRENALIS_VERSION);
			return 0;
		case 'd':
			debug = 1;
			break;
		case 'D':
			opt_datadir = optarg;
			break;
		case 'F':
			fresh = 1;
			break;
		case 'f':
			conffile = optarg;
			conf_given = 1;
			break;
		case 'l':
			opt_listen = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 's':
			opt_socket = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'w':
			opt_warehouse = optarg;
			break;
		}
	}
	if (optind != argc)
		opts_fail("krenalisd", SYNOPSIS, "unexpected argument \"%s\"",
		    argv[optind]);
	/* Everything the daemon creates is its own: keys are in state.db. */
	umask(077);

	/* Until it serves, its messages are an operator's: no timestamps. */
	log_init("krenalisd", 1, verbose);
	log_stamp(0);
	/*
	 * Every SQLite connection is used by one thread at a time (the
	 * health probe's behind its own mutex), so SQLite's own mutexes and
	 * memory statistics are not needed: they cost the writer 10%.  Nor
	 * is the page cache's first bulk allocation per connection: 20 pages
	 * in one chunk large enough for malloc to map it, and freeing it when
	 * a connection closes would raise malloc's thresholds (xmalloc.h).
	 */
	if (sqlite3_config(SQLITE_CONFIG_MULTITHREAD) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0) != SQLITE_OK)
		fatalx("cannot configure SQLite");
	/*
	 * libcurl's global state, before any thread: the catalog checks
	 * destination URLs with it, and the sender sends.
	 */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("cannot initialise libcurl");
	config_init(&cf);
	if (config_load(&cf, conffile, conf_given, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (opt_datadir != NULL) {
		free(cf.data_dir);
		cf.data_dir = xstrdup(opt_datadir);
	}
	if (opt_listen != NULL) {
		free(cf.listen);
		cf.listen = xstrdup(opt_listen);
	}
	if (opt_socket != NULL) {
		free(cf.socket);
		cf.socket = xstrdup(opt_socket);
	}
	if (opt_warehouse != NULL) {
		free(cf.warehouse);
		cf.warehouse = xstrdup(opt_warehouse);
	}
	if (config_check(&cf, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (cf.socket == NULL)
		xasprintf(&sockpath, "%s/%s", cf.data_dir, CONFIG_SOCKET_NAME);
	else
		sockpath = xstrdup(cf.socket);
	if (noaction) {
		/* What the start would refuse of the data directory. */
		if (datadir_probe(&cf, sockpath, err, sizeof(err)) == -1 ||
		    datadir_files_check(&cf, fresh, err, sizeof(err)) == -1)
			fatalx("%s", err);
		fprintf(stderr, "configuration OK\n");
		free(sockpath);
		if (config_is_pg(&cf))
			pg_check(&cf);
		config_release(&cf);
		return 0;
	}
	if (cf.public_url != NULL) {
		size_t len = strlen(cf.public_url);

		while (len > 0 && cf.public_url[len - 1] == '/')
			len--;
		xasprintf(&endpoint, "%.*s/v1/events", (int)len,
		    cf.public_url);
	} else {
		char *base = listen_base_url(cf.listen);

		xasprintf(&endpoint, "%s/v1/events", base);
		free(base);
	}

	/*
	 * Everything that can fail on the operator's input fails here, the
	 * address first, so that a start that fails leaves nothing behind:
	 * no socket, no database files, no data directory it made.
	 */
	if (datadir_make(cf.data_dir, &created, err, sizeof(err)) == -1 ||
	    (lockfd = datadir_lock(cf.data_dir, err, sizeof(err))) == -1)
		fatalx("%s", err);
	cat = NULL;
	wh = NULL;
	if ((httpfd = listen_open(cf.listen, err, sizeof(err))) == -1)
		startup_fail(&cf, created, NULL, "http: %s", err);
	if ((ctlfd = control_listen(sockpath, err, sizeof(err))) == -1)
		startup_fail(&cf, created, NULL, "control: %s", err);
	if (datadir_files_check(&cf, fresh, err, sizeof(err)) == -1)
		startup_fail(&cf, created, sockpath, "%s", err);
	if (config_is_pg(&cf)) {
		xasprintf(&path, "%s/" CATALOG_CACHE, cf.data_dir);
		cat = catalog_open_pg(cf.warehouse, (int)cf.pg_timeout, path,
		    endpoint, err, sizeof(err));
	} else {
		xasprintf(&path, "%s/" STATE_DB, cf.data_dir);
		cat = catalog_open(path, endpoint, err, sizeof(err));
	}
	if (cat == NULL)
		startup_fail(&cf, created, sockpath, "catalog: %s", err);
	free(path);
	if ((wh = store_open(&cf, cat, fresh, err, sizeof(err))) == NULL) {
		catalog_close(cat);
		startup_fail(&cf, created, sockpath, "%s", err);
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.started_at = timestamp_now();
	if ((node = node_open(cf.data_dir, cf.listen, cf.public_url,
	    KRENALIS_VERSION, ctx.started_at, config_is_pg(&cf) ?
	    cf.warehouse : NULL, (int)cf.pg_timeout, err,
	    sizeof(err))) == NULL) {
		catalog_close(cat);
		warehouse_close(wh);
		startup_fail(&cf, created, sockpath, "node: %s", err);
	}

	if (!debug) {
		if (daemon(1, 0) == -1)
			fatal("daemon");
		log_init("krenalisd", 0, verbose);
	}
	pidfile_write(lockfd);

	if (pipe2(sp, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("pipe2");
	sigpipe_w = sp[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Nothing to do, and no reason to die of one a log rotation sends. */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	ctx.dbgfd = debugger_init((size_t)cf.debugger_records);
	if ((writer = writer_start(wh, &cf, err, sizeof(err))) == NULL)
		fatalx("writer: %s", err);
	if ((sender = sender_start(wh, &cf, node_id(node), err,
	    sizeof(err))) == NULL)
		fatalx("sender: %s", err);
	if ((http = http_start(httpfd, &cf, wh, writer, err,
	    sizeof(err))) == NULL)
		fatalx("http: %s", err);
	log_stamp(1);
	log_info("krenalisd %s listening on %s, socket %s, data %s",
	    KRENALIS_VERSION, cf.listen, sockpath, cf.data_dir);

	ctx.cf = &cf;
	ctx.warehouse = wh;
	ctx.cat = cat;
	ctx.endpoint = endpoint;
	ctx.version = KRENALIS_VERSION;
	ctx.node = node;
	control_run(ctlfd, sp[0], &ctx);

	/* Stop taking requests, answer those in flight, then close. */
	http_stop(http);
	writer_stop(writer);
	sender_stop(sender);
	debugger_shutdown();
	close(ctlfd);
	unlink(sockpath);
	catalog_close(cat);
	warehouse_close(wh);
	node_close(node);
	log_info("stopped");
	if (ftruncate(lockfd, 0) == -1)
		log_warn("cannot clear the pid file");
	close(lockfd);
	close(sp[0]);
	close(sp[1]);
	free(sockpath);
	free(endpoint);
	config_release(&cf);
	curl_global_cleanup();
	return 0;
}
