/* store_internal.h - shared by the store_* modules only. */
#ifndef ORR_STORE_INTERNAL_H
#define ORR_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

sqlite3 *store_sqlite(struct store *st);

/* A prepared statement for a SQL string literal, cached per connection and
 * reset on return.  sql must be a string with static storage: the pointer
 * is the cache key.  NULL on error (store_errmsg tells). */
sqlite3_stmt *store_stmt(struct store *st, const char *sql);

/* Map a SQLite result code to ours. */
enum orr_rc store_rc(int sqlite_rc);
/* The connection's last error as an allocated message with a prefix. */
char *store_errmsg(struct store *st, const char *what);

/* The cached statement for sql, or NULL with *err "what: ..." set. */
sqlite3_stmt *store_stmt_or_err(struct store *st, const char *sql, const char *what, char **err);
/* Step a statement that returns no rows and reset it: ORR_OK, or *err set. */
enum orr_rc store_step_done(struct store *st, sqlite3_stmt *s, const char *what, char **err);
/* Bind text, or NULL when s is NULL; an id, or NULL when it is 0. */
void store_bind_text_or_null(sqlite3_stmt *s, int i, const char *text);
void store_bind_id_or_null(sqlite3_stmt *s, int i, int64_t id);

/* The current row as a JSON object keyed by column name; columns named
 * like *args, *result, *payload, *facts, *action, *detail or *actions hold
 * JSON text and are embedded as JSON. */
struct json_t;
struct json_t *store_row_json(sqlite3_stmt *s);
/* The one row of sql (one id parameter, ?1) as a JSON object; none is
 * ORR_NOINPUT with *err "no NOUN ID". */
enum orr_rc store_row_by_id(struct store *st, const char *sql, int64_t id, const char *noun,
			    struct json_t **out, char **err);
/* Step s to the end: every row as an object of a new JSON array in *out,
 * then reset it.  On error *out is NULL and *err says "what: ...". */
enum orr_rc store_rows_json(struct store *st, sqlite3_stmt *s, const char *what,
			    struct json_t **out, char **err);

/* For a table without a time index whose ids increase with a time column
 * (events, jobs): the first id at or after a time bound, by binary search
 * over the primary key (about log2(n) probes) instead of a scan.  max_sql
 * returns the largest id (one row).  probe_sql takes ?1 an id and ?2 the
 * bound (text_bound when not NULL, else int_bound) and returns, for the first
 * row with id >= ?1, whether it is at or after the bound (column 0).  *first
 * is one past the last id when no row is. */
enum orr_rc store_first_id(struct store *st, const char *max_sql, const char *probe_sql,
			   const char *text_bound, int64_t int_bound, int64_t *first, char **err);

#endif
