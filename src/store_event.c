/* store_event.c - reading the events table. */
#include "store_event.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_internal.h"
#include "xalloc.h"

enum orr_rc event_list(struct store *st, const char *type, int64_t since, long limit,
		       event_fn fn, void *ctx, char **err)
{
	/* "order.*" selects by prefix; the pattern is bound, never spliced. */
	sqlite3_stmt *s = store_stmt(st,
		"SELECT id, time, type, entity, entity_id, payload, cause_id, depth FROM events "
		"WHERE id > ?1 AND (?2 IS NULL OR type = ?2 OR (?3 IS NOT NULL AND "
		"substr(type, 1, length(?3)) = ?3)) ORDER BY id "
		"LIMIT CASE WHEN ?4 > 0 THEN ?4 ELSE -1 END");
	if (!s) {
		*err = store_errmsg(st, "cannot read events");
		return ORR_SOFTWARE;
	}
	char *prefix = NULL;
	size_t n = type ? strlen(type) : 0;
	if (n >= 2 && strcmp(type + n - 2, ".*") == 0)
		prefix = xstrndup(type, n - 1);
	sqlite3_bind_int64(s, 1, since);
	if (type)
		sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
	if (prefix)
		sqlite3_bind_text(s, 3, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, limit);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct event_row ev = {
			.id = sqlite3_column_int64(s, 0),
			.time = (const char *)sqlite3_column_text(s, 1),
			.type = (const char *)sqlite3_column_text(s, 2),
			.entity = (const char *)sqlite3_column_text(s, 3),
			.entity_id = sqlite3_column_int64(s, 4),
			.payload = (const char *)sqlite3_column_text(s, 5),
			.cause_id = sqlite3_column_int64(s, 6),
			.depth = sqlite3_column_int(s, 7),
		};
		fn(ctx, &ev);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	free(prefix);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read events");
	return store_rc(rc);
}

/* A batch appends many events at one time: format it once per thread. */
static const char *time_text(int64_t ms)
{
	static _Thread_local int64_t last_ms = -1;
	static _Thread_local char last[CLOCK_TEXT_LEN];
	if (ms != last_ms) {
		clock_format(ms, last);
		last_ms = ms;
	}
	return last;
}

enum orr_rc event_append(struct store *st, const struct event_new *ev, int64_t now_ms,
			 int64_t *id, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO events (time, type, entity, entity_id, payload, cause_id, depth) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", "cannot append an event", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, time_text(now_ms), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, ev->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, ev->entity ? ev->entity : "", -1, SQLITE_STATIC);
	store_bind_id_or_null(s, 4, ev->entity_id);
	sqlite3_bind_text(s, 5, ev->payload ? ev->payload : "{}", -1, SQLITE_STATIC);
	store_bind_id_or_null(s, 6, ev->cause_id);
	sqlite3_bind_int(s, 7, ev->depth);
	enum orr_rc rc = store_step_done(st, s, "cannot append an event", err);
	if (rc == ORR_OK && id)
		*id = sqlite3_last_insert_rowid(store_sqlite(st));
	return rc;
}

enum orr_rc event_first_since(struct store *st, int64_t since_ms, int64_t *first_id,
			      char **err)
{
	char since[CLOCK_TEXT_LEN];
	clock_format(since_ms, since);
	return store_first_id(st, "SELECT coalesce(max(id), 0) FROM events",
			      "SELECT time >= ?2 FROM events WHERE id >= ?1 ORDER BY id LIMIT 1",
			      since, 0, first_id, err);
}

enum orr_rc event_count_types(struct store *st, int64_t first_id, const json_t *types,
			      json_t **counts, char **err)
{
	/* INDEXED BY: one seek per type into (type, id), never the table */
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT type, count(*) FROM events INDEXED BY events_type "
		"WHERE type IN (SELECT value FROM json_each(?1)) AND id >= ?2 GROUP BY type",
		"cannot count events", err);
	if (!s)
		return ORR_SOFTWARE;
	char *list = json_dumps(types, JSON_COMPACT);
	sqlite3_bind_text(s, 1, list ? list : "[]", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, first_id);
	free(list);
	*counts = json_object();
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		json_object_set_new(*counts, (const char *)sqlite3_column_text(s, 0),
				    json_integer(sqlite3_column_int64(s, 1)));
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	json_decref(*counts);
	*counts = NULL;
	*err = store_errmsg(st, "cannot count events");
	return store_rc(rc);
}

enum orr_rc event_latest_matching(struct store *st, const char *glob, int64_t *id, char **err)
{
	/* newest first by rowid: stops at the first match */
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id FROM events WHERE type GLOB ?1 ORDER BY id DESC LIMIT 1",
		"cannot read events", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, glob, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read events");
	return store_rc(rc);
}
