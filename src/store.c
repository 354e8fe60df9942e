/* store.c - SQLite connection, pragmas, migrations and transactions. */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "schema.h"
#include "store_internal.h"
#include "xalloc.h"

struct stmt_slot {
	const char *sql;
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	char *path;
	struct stmt_slot *cache; /* grows: a statement in use is never evicted */
	int ncached, capcached;
	pthread_mutex_t *write_lock; /* shared by the connections of one process */
	bool write_locked;
	int busy_ms;             /* how long a write waits for another writer */
};

int store_busy_timeout_ms(void)
{
	const char *s = getenv("ORRERY_BUSY_MS");
	if (s && *s) {
		char *end;
		long v = strtol(s, &end, 10);
		if (*end == '\0' && v >= 0 && v <= 600000)
			return (int)v;
	}
	return 5000;
}

enum orr_rc store_rc(int sqlite_rc)
{
	switch (sqlite_rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return ORR_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ORR_TEMPFAIL;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		return ORR_IOERR;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return ORR_DATAERR;
	default:
		return ORR_SOFTWARE;
	}
}

char *store_errmsg(struct store *st, const char *what)
{
	int code = sqlite3_errcode(st->db);
	if ((code & 0xff) == SQLITE_BUSY)
		return xasprintf("%s: database %s is locked by another writer (waited %d ms); "
				 "try again", what, st->path, st->busy_ms);
	return xasprintf("%s: %s", what, sqlite3_errmsg(st->db));
}

void store_set_busy_ms(struct store *st, int ms)
{
	st->busy_ms = ms;
	sqlite3_busy_timeout(st->db, ms);
}

const char *store_engine_version(void)
{
	return sqlite3_libversion();
}

sqlite3 *store_sqlite(struct store *st)
{
	return st->db;
}

const char *store_path(const struct store *st)
{
	return st->path;
}

sqlite3_stmt *store_stmt(struct store *st, const char *sql)
{
	for (int i = 0; i < st->ncached; i++)
		if (st->cache[i].sql == sql)
			return st->cache[i].stmt;
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
		return NULL;
	if (st->ncached == st->capcached) {
		st->capcached = st->capcached ? st->capcached * 2 : 32;
		st->cache = xrealloc(st->cache, (size_t)st->capcached * sizeof *st->cache);
	}
	st->cache[st->ncached++] = (struct stmt_slot){ sql, stmt };
	return stmt;
}

sqlite3_stmt *store_stmt_or_err(struct store *st, const char *sql, const char *what, char **err)
{
	sqlite3_stmt *s = store_stmt(st, sql);
	if (!s)
		*err = store_errmsg(st, what);
	return s;
}

enum orr_rc store_step_done(struct store *st, sqlite3_stmt *s, const char *what, char **err)
{
	int rc = sqlite3_step(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		sqlite3_reset(s);
		return ORR_OK;
	}
	*err = store_errmsg(st, what);
	sqlite3_reset(s);
	return store_rc(rc);
}

void store_bind_text_or_null(sqlite3_stmt *s, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(s, i, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

void store_bind_id_or_null(sqlite3_stmt *s, int i, int64_t id)
{
	if (id)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

static bool holds_json(const char *column)
{
	static const char *const suffixes[] = { "args", "result", "payload", "facts", "scores", "examples", "profile",
						"action", "detail", "actions" };
	size_t n = strlen(column);
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		size_t k = strlen(suffixes[i]);
		if (n >= k && strcmp(column + n - k, suffixes[i]) == 0)
			return true;
	}
	return false;
}

static json_t *column_json(sqlite3_stmt *s, int i)
{
	switch (sqlite3_column_type(s, i)) {
	case SQLITE_NULL:
		return json_null();
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(s, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(s, i));
	default: {
		const char *text = (const char *)sqlite3_column_text(s, i);
		json_t *j = holds_json(sqlite3_column_name(s, i)) ? json_loads(text, 0, NULL) : NULL;
		if (!j)
			j = json_string(text);
		return j ? j : json_null();
	}
	}
}

json_t *store_row_json(sqlite3_stmt *s)
{
	json_t *row = json_object();
	for (int i = 0; i < sqlite3_column_count(s); i++)
		json_object_set_new(row, sqlite3_column_name(s, i), column_json(s, i));
	return row;
}

enum orr_rc store_rows_json(struct store *st, sqlite3_stmt *s, const char *what, json_t **out,
			    char **err)
{
	*out = json_array();
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		json_array_append_new(*out, store_row_json(s));
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, what);
	json_decref(*out);
	*out = NULL;
	return store_rc(rc);
}

enum orr_rc store_row_by_id(struct store *st, const char *sql, int64_t id, const char *noun,
			    json_t **out, char **err)
{
	char *what = xasprintf("cannot read the %s", noun);
	sqlite3_stmt *s = store_stmt_or_err(st, sql, what, err);
	json_t *rows = NULL;
	enum orr_rc rc = s ? ORR_OK : ORR_SOFTWARE;
	if (s) {
		sqlite3_bind_int64(s, 1, id);
		rc = store_rows_json(st, s, what, &rows, err);
	}
	free(what);
	if (rc != ORR_OK)
		return rc;
	*out = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	if (*out)
		return ORR_OK;
	*err = xasprintf("no %s %lld", noun, (long long)id);
	return ORR_NOINPUT;
}

/* Does the first row at or after id reach the bound?  No row: yes, so the
 * search ends one past the last id. */
static int probe_reaches(sqlite3_stmt *probe, int64_t id, const char *text_bound,
			 int64_t int_bound)
{
	sqlite3_bind_int64(probe, 1, id);
	if (text_bound)
		sqlite3_bind_text(probe, 2, text_bound, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(probe, 2, int_bound);
	int rc = sqlite3_step(probe);
	int reached = rc == SQLITE_ROW ? sqlite3_column_int(probe, 0) != 0
				       : rc == SQLITE_DONE ? 1 : -1;
	sqlite3_reset(probe);
	return reached;
}

enum orr_rc store_first_id(struct store *st, const char *max_sql, const char *probe_sql,
			   const char *text_bound, int64_t int_bound, int64_t *first, char **err)
{
	sqlite3_stmt *max = store_stmt_or_err(st, max_sql, "cannot find the window", err);
	sqlite3_stmt *probe = max ? store_stmt_or_err(st, probe_sql, "cannot find the window", err)
				  : NULL;
	if (!probe)
		return ORR_SOFTWARE;
	int rc = sqlite3_step(max);
	int64_t lo = 1, hi = (rc == SQLITE_ROW ? sqlite3_column_int64(max, 0) : 0) + 1;
	sqlite3_reset(max);
	while (rc == SQLITE_ROW && lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		int reached = probe_reaches(probe, mid, text_bound, int_bound);
		if (reached < 0)
			rc = sqlite3_errcode(st->db);
		else if (reached)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (rc != SQLITE_ROW) {
		*err = store_errmsg(st, "cannot find the window");
		return store_rc(rc);
	}
	*first = lo;
	return ORR_OK;
}

/* Run a statement with no result rows and no parameters. */
static int exec(struct store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

/* Prepared once and cached: savepoints run once per job on the hot path. */
enum orr_rc store_exec(struct store *st, const char *sql, char **err)
{
	sqlite3_stmt *s = store_stmt(st, sql);
	int rc = s ? sqlite3_step(s) : sqlite3_errcode(st->db);
	if (s)
		sqlite3_reset(s);
	if (rc == SQLITE_DONE || rc == SQLITE_OK)
		return ORR_OK;
	*err = store_errmsg(st, sql);
	return store_rc(rc);
}

static enum orr_rc configure(struct store *st, enum store_access access, char **err)
{
	st->busy_ms = store_busy_timeout_ms();
	sqlite3_busy_timeout(st->db, st->busy_ms);
	sqlite3_extended_result_codes(st->db, 1);
	const char *pragmas = access == STORE_READONLY
		? "PRAGMA foreign_keys = ON; PRAGMA query_only = ON;"
		: "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
		  "PRAGMA temp_store = FILE; PRAGMA cache_size = -16384;";
	int rc = exec(st, pragmas);
	if (rc == SQLITE_OK && access == STORE_READWRITE) {
		/* journal_mode answers with a row; WAL must stick, or readers block writers */
		sqlite3_stmt *s;
		rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(s);
			bool wal = rc == SQLITE_ROW &&
				   strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
			sqlite3_finalize(s);
			if (rc == SQLITE_ROW && !wal) {
				*err = xasprintf("cannot open database %s: its file system does not "
						 "support WAL mode", st->path);
				return ORR_IOERR;
			}
			rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
		}
	}
	if (rc != SQLITE_OK) {
		*err = store_errmsg(st, "cannot open database");
		return store_rc(rc) == ORR_SOFTWARE ? ORR_IOERR : store_rc(rc);
	}
	return ORR_OK;
}

/* Refuse early, with a plain reason, the paths SQLite reports vaguely. */
static enum orr_rc check_path(const char *path, enum store_access access, char **err)
{
	struct stat sb;
	if (!*path) {
		*err = xstrdup("no database path given (--db PATH, or ORRERY_DB)");
		return ORR_USAGE;
	}
	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			*err = xasprintf("cannot open database %s: it is a directory", path);
			return ORR_IOERR;
		}
		return ORR_OK;
	}
	if (access == STORE_READONLY) {
		*err = xasprintf("no database at %s (create one with: orrery --db %s init)", path, path);
		return ORR_NOINPUT;
	}
	return ORR_OK;
}

/* Before SQLite initialises: it keeps no global memory statistics, which
 * otherwise take a mutex on every allocation (sqlite3_memory_used is not
 * used here). */
static void configure_library(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum orr_rc store_open(const char *path, enum store_access access, struct store **out, char **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, configure_library);
	*out = NULL;
	enum orr_rc rc = check_path(path, access, err);
	if (rc != ORR_OK)
		return rc;
	struct store *st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	int flags = access == STORE_READONLY ? SQLITE_OPEN_READONLY
					     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*err = st->db ? xasprintf("cannot open database %s: %s", path, sqlite3_errmsg(st->db))
			      : xasprintf("cannot open database %s: out of memory", path);
		store_close(st);
		return ORR_IOERR;
	}
	rc = configure(st, access, err);
	if (rc != ORR_OK) {
		store_close(st);
		return rc;
	}
	*out = st;
	return ORR_OK;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < st->ncached; i++)
		sqlite3_finalize(st->cache[i].stmt);
	free(st->cache);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

void store_tune_for_service(struct store *st)
{
	exec(st, "PRAGMA mmap_size = 1073741824");
}

enum orr_rc store_snapshot_begin(struct store *st, char **err)
{
	return store_exec(st, "BEGIN DEFERRED", err);
}

void store_snapshot_end(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		exec(st, "COMMIT");
}

void store_share_write_lock(struct store *st, pthread_mutex_t *lock)
{
	st->write_lock = lock;
}

static void unlock_writer(struct store *st)
{
	if (st->write_lock && st->write_locked) {
		st->write_locked = false;
		pthread_mutex_unlock(st->write_lock);
	}
}

enum orr_rc store_begin(struct store *st, char **err)
{
	if (st->write_lock && !st->write_locked) {
		pthread_mutex_lock(st->write_lock);
		st->write_locked = true;
	}
	int rc = exec(st, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK) {
		*err = store_errmsg(st, "cannot start a transaction");
		unlock_writer(st);
		return store_rc(rc);
	}
	return ORR_OK;
}

enum orr_rc store_commit(struct store *st, char **err)
{
	int rc = exec(st, "COMMIT");
	if (rc != SQLITE_OK) {
		*err = store_errmsg(st, "cannot commit");
		store_rollback(st);
		return store_rc(rc);
	}
	unlock_writer(st);
	return ORR_OK;
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		exec(st, "ROLLBACK");
	unlock_writer(st);
}

/* Whether migration `name` is recorded. */
static bool migration_applied(struct store *st, const char *name)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM schema_migrations WHERE name = ?1");
	if (!s)
		return false;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	bool found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return found;
}

static enum orr_rc apply_migration(struct store *st, const struct schema_migration *m, char **err)
{
	enum orr_rc rc = store_begin(st, err);
	if (rc != ORR_OK)
		return rc;
	if (migration_applied(st, m->name))
		return store_commit(st, err); /* another process got there first */
	int src = exec(st, m->sql);
	if (src == SQLITE_OK) {
		sqlite3_stmt *s = store_stmt(st, "INSERT INTO schema_migrations (name, applied_at) "
					     "VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
		src = s ? SQLITE_OK : sqlite3_errcode(st->db);
		if (s) {
			sqlite3_bind_text(s, 1, m->name, -1, SQLITE_STATIC);
			src = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
			sqlite3_reset(s);
		}
	}
	if (src != SQLITE_OK) {
		char *what = xasprintf("migration %s failed", m->name);
		*err = store_errmsg(st, what);
		free(what);
		store_rollback(st);
		return store_rc(src);
	}
	return store_commit(st, err);
}

enum orr_rc store_migrate(struct store *st, int *applied, char **err)
{
	if (applied)
		*applied = 0;
	int rc = exec(st, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			  "name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)");
	if (rc != SQLITE_OK) {
		*err = store_errmsg(st, "cannot prepare database");
		return store_rc(rc);
	}
	for (int i = 0; i < schema_migration_count; i++) {
		if (migration_applied(st, schema_migrations[i].name))
			continue;
		enum orr_rc r = apply_migration(st, &schema_migrations[i], err);
		if (r != ORR_OK)
			return r;
		if (applied)
			(*applied)++;
	}
	return ORR_OK;
}

int store_schema_version(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT count(*) FROM schema_migrations");
	if (!s)
		return 0;
	int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_reset(s);
	return n;
}

/* Emit the header, then every row of one prepared ad-hoc statement. */
static int query_rows(sqlite3_stmt *s, store_row_fn row, void *ctx)
{
	int n = sqlite3_column_count(s);
	if (!row) /* nothing wants the rows: run the statement for its effect */
		return sqlite3_step(s) == SQLITE_ROW ? SQLITE_DONE : sqlite3_errcode(sqlite3_db_handle(s));
	const char **vals = xcalloc((size_t)n + 1, sizeof *vals);
	for (int i = 0; i < n; i++)
		vals[i] = sqlite3_column_name(s, i);
	row(ctx, true, n, vals);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++)
			vals[i] = (const char *)sqlite3_column_text(s, i);
		row(ctx, false, n, vals);
	}
	free(vals);
	return rc;
}

enum orr_rc store_query(struct store *st, const char *sql, store_row_fn row, void *ctx, char **err)
{
	const char *tail = sql;
	while (tail && *tail) {
		sqlite3_stmt *s = NULL;
		int rc = sqlite3_prepare_v2(st->db, tail, -1, &s, &tail);
		if (rc != SQLITE_OK) {
			*err = store_errmsg(st, "query");
			return ORR_USAGE;
		}
		if (!s) /* only whitespace or a comment left */
			break;
		rc = query_rows(s, row, ctx);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			*err = store_errmsg(st, "query");
			return store_rc(rc) == ORR_SOFTWARE ? ORR_USAGE : store_rc(rc);
		}
	}
	return ORR_OK;
}
