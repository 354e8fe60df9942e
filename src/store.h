/* store.h - the data layer: one SQLite database in WAL mode, foreign keys
 * on, a busy timeout, migrations applied in order.  One struct store per
 * thread: connections are never shared.  Nothing outside the store_* and
 * jobs modules may assume SQLite. */
#ifndef ORR_STORE_H
#define ORR_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "rc.h"

struct store;

enum store_access {
	STORE_READWRITE, /* creates the file if missing */
	STORE_READONLY,  /* the file must exist; writes are refused */
};

/* Open the database at path.  On failure *err is an allocated message. */
enum orr_rc store_open(const char *path, enum store_access access, struct store **out,
		       char **err);
void store_close(struct store *st);
const char *store_path(const struct store *st);

/* Apply pending migrations, each in its own transaction, recorded in
 * schema_migrations.  *applied (may be NULL) is how many ran. */
enum orr_rc store_migrate(struct store *st, int *applied, char **err);
/* How many migrations the database has applied. */
int store_schema_version(struct store *st);

/* Connections of one process that write concurrently (the runner's
 * threads) share a mutex taken by store_begin and released by commit or
 * rollback: they queue in-process instead of sleeping in SQLite's busy
 * handler.  Other processes still meet the busy timeout. */
void store_share_write_lock(struct store *st, pthread_mutex_t *lock);

/* For a long-running process that reads what other connections just
 * wrote (the runner): map the file so reads skip the read() copies. */
void store_tune_for_service(struct store *st);

/* A read transaction: the queries between begin and end see one
 * consistent snapshot of the database. */
enum orr_rc store_snapshot_begin(struct store *st, char **err);
void store_snapshot_end(struct store *st);

/* A write transaction taken immediately, so a second writer waits for the
 * busy timeout up front rather than failing half-way. */
enum orr_rc store_begin(struct store *st, char **err);
enum orr_rc store_commit(struct store *st, char **err);
void store_rollback(struct store *st);

/* Run constant SQL with no parameters and no rows (SAVEPOINT x, RELEASE
 * x): never SQL built from data. */
enum orr_rc store_exec(struct store *st, const char *sql, char **err);

/* A read-only ad-hoc query for operators: calls row() once with the column
 * names (is_header true), then once per row.  Values are text or NULL. */
typedef void (*store_row_fn)(void *ctx, bool is_header, int ncols, const char *const *vals);
enum orr_rc store_query(struct store *st, const char *sql, store_row_fn row, void *ctx,
			char **err);

/* Version of the database engine, for `orrery version`. */
const char *store_engine_version(void);

/* Milliseconds a writer waits for a lock: ORRERY_BUSY_MS, else 5000. */
int store_busy_timeout_ms(void);
/* Another wait for this connection (the console's: short, so the interface
 * never freezes behind a long writer). */
void store_set_busy_ms(struct store *st, int ms);

#endif
