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

#endif
