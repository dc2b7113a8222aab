/*
 * krenalisd.conf(5): "key = value" lines, "#" comments.  Every setting of
 * spec/ingest.md §15 plus listen, socket, data_dir, synchronous, the HTTP
 * server's guards against slow and greedy clients, the warehouse
 * (spec/postgresql.md §1) and the sender's settings of
 * spec/destinations.md §7.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH	"/etc/krenalisd.conf"
#define CONFIG_DEFAULT_DATADIR	"/var/lib/krenalis"
#define CONFIG_DEFAULT_LISTEN	"127.0.0.1:2022"
#define CONFIG_SOCKET_NAME	"krenalisd.sock"

struct config {
	char		*data_dir;
	char		*listen;		/* address:port as written */
	char		*socket;		/* NULL: DATA_DIR/krenalisd.sock */
	char		*public_url;		/* NULL when unset */
	int64_t		 max_body_bytes;
	int64_t		 max_gzip_ratio;
	int64_t		 max_event_bytes;
	int64_t		 max_batch_events;
	int64_t		 rate_limit_events_per_minute;
	int64_t		 rate_limit_burst;
	int64_t		 writer_queue_events;
	int64_t		 debugger_records;
	int64_t		 dedupe_window_ms;	/* 0: forever */
	int64_t		 outbox_max_events;	/* per destination */
	char		*synchronous;		/* warehouse PRAGMA synchronous */
	int64_t		 header_timeout_ms;	/* 0: none */
	int64_t		 body_timeout_ms;	/* 0: none */
	int64_t		 body_min_rate;		/* bytes a second */
	int64_t		 max_connections_per_ip;	/* 0: no limit */
	/* "sqlite", or a libpq connection URI or conninfo string. */
	char		*warehouse;
	int64_t		 pg_timeout;		/* seconds */
	int64_t		 pg_connections;	/* writer connections */
	int64_t		 sender_threads;
	char		*ca_file;		/* NULL: the system's CAs */
};

/* Fill cf with the defaults. */
void	config_init(struct config *);
void	config_release(struct config *);

/*
 * Read path into cf.  When the file does not exist and must_exist is 0,
 * cf is left as it is and 0 is returned.  On error return -1 with
 * "path:line: reason" (or "path: reason") in err.
 */
int	config_load(struct config *, const char *path, int must_exist,
	    char *err, size_t errlen);

/* Cross-setting checks after the command line is applied; -1 with err. */
int	config_check(const struct config *, char *err, size_t errlen);

/*
 * Whether value is a warehouse setting of one of the forms of
 * spec/postgresql.md §1; -1 with the reason in err when not.
 */
int	config_warehouse_check(const char *value, char *err, size_t errlen);

/* Whether cf's warehouse is PostgreSQL. */
int	config_is_pg(const struct config *);

/* Parse a dedupe window ("7d", "90m", "0"); -1 when malformed. */
int	config_parse_duration(const char *, int64_t *ms);

#endif
