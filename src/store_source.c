/* store_source.c - the sources and rejected_rows tables. */
#include "store_source.h"

#include <stdio.h>
#include <string.h>

#include "store_internal.h"
#include "xalloc.h"

/* Step a write statement once and reset it; ORR_OK when it completed. */
static enum orr_rc step_write(struct store *st, sqlite3_stmt *s, const char *what, char **err)
{
	int rc = s ? sqlite3_step(s) : SQLITE_ERROR;
	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, what);
	enum orr_rc r = store_rc(sqlite3_errcode(store_sqlite(st)));
	return r == ORR_OK ? ORR_SOFTWARE : r;
}

enum orr_rc source_start(struct store *st, const char *path, long bytes, const char *checksum,
			 const char *now, int64_t *id, char **err)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO sources (path, format, bytes, checksum, records, stored, rejected, "
		"created, updated, unchanged, ingested_at) VALUES (?1, '', ?2, ?3, 0, 0, 0, 0, 0, 0, ?4) "
		"ON CONFLICT (path) DO UPDATE SET bytes = ?2, checksum = ?3, ingested_at = ?4 "
		"RETURNING id");
	if (!s) {
		*err = store_errmsg(st, "cannot record source");
		return ORR_SOFTWARE;
	}
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, bytes);
	sqlite3_bind_text(s, 3, checksum, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		*err = store_errmsg(st, "cannot record source");
		return store_rc(rc) == ORR_OK ? ORR_SOFTWARE : store_rc(rc);
	}
	s = store_stmt(st, "DELETE FROM rejected_rows WHERE source_id = ?1");
	if (s)
		sqlite3_bind_int64(s, 1, *id);
	return step_write(st, s, "cannot clear old rejects", err);
}

enum orr_rc source_set_format(struct store *st, int64_t id, const char *format, char **err)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE sources SET format = ?2 WHERE id = ?1");
	if (s) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, format, -1, SQLITE_STATIC);
	}
	return step_write(st, s, "cannot record source", err);
}

enum orr_rc source_reject(struct store *st, int64_t id, long line, const char *column,
			  const char *reason, const char *raw, size_t rawlen, char **err)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO rejected_rows (source_id, line, column, reason, raw) "
		"VALUES (?1, ?2, ?3, ?4, ?5)");
	if (s) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, line);
		if (column)
			sqlite3_bind_text(s, 3, column, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, raw ? raw : "", (int)(rawlen > 1 << 20 ? 1 << 20 : rawlen),
				  SQLITE_STATIC);
	}
	return step_write(st, s, "cannot record rejected row", err);
}

bool source_known(struct store *st, const char *path)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM sources WHERE path = ?1");
	if (!s)
		return true; /* the safe answer: the caller checks the whole file */
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	bool known = sqlite3_step(s) != SQLITE_DONE;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return known;
}

enum orr_rc source_finish(struct store *st, int64_t id, const struct source_counts *c,
			  long bytes, const char *checksum, char **err)
{
	sqlite3_stmt *s = store_stmt(st,
		"UPDATE sources SET records = ?2, stored = ?3, rejected = ?4, created = ?5, "
		"updated = ?6, unchanged = ?7, bytes = ?8, checksum = ?9 WHERE id = ?1");
	if (s) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, c->records);
		sqlite3_bind_int64(s, 3, c->stored);
		sqlite3_bind_int64(s, 4, c->rejected);
		sqlite3_bind_int64(s, 5, c->created);
		sqlite3_bind_int64(s, 6, c->updated);
		sqlite3_bind_int64(s, 7, c->unchanged);
		sqlite3_bind_int64(s, 8, bytes);
		sqlite3_bind_text(s, 9, checksum, -1, SQLITE_STATIC);
	}
	return step_write(st, s, "cannot record source counts", err);
}

#define SOURCE_COLS "id, path, format, checksum, ingested_at, bytes, records, stored, " \
	"rejected, created, updated, unchanged"

static void read_source(sqlite3_stmt *s, struct source_row *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->path = (const char *)sqlite3_column_text(s, 1);
	r->format = (const char *)sqlite3_column_text(s, 2);
	r->checksum = (const char *)sqlite3_column_text(s, 3);
	r->ingested_at = (const char *)sqlite3_column_text(s, 4);
	r->bytes = (long)sqlite3_column_int64(s, 5);
	r->c = (struct source_counts){ (long)sqlite3_column_int64(s, 6),
		(long)sqlite3_column_int64(s, 7), (long)sqlite3_column_int64(s, 8),
		(long)sqlite3_column_int64(s, 9), (long)sqlite3_column_int64(s, 10),
		(long)sqlite3_column_int64(s, 11) };
}

bool source_unchanged(struct store *st, const char *path, const char *checksum,
		      struct ingest_report *rep)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT " SOURCE_COLS " FROM sources "
				     "WHERE path = ?1 AND checksum = ?2 AND format <> ''");
	if (!s)
		return false;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, checksum, -1, SQLITE_STATIC);
	bool same = sqlite3_step(s) == SQLITE_ROW;
	if (same) {
		struct source_row r;
		read_source(s, &r);
		rep->source_id = r.id;
		snprintf(rep->format, sizeof rep->format, "%s", r.format);
		rep->records = r.c.records;
		rep->stored = r.c.stored;
		rep->rejected = r.c.rejected;
		rep->unchanged = r.c.stored;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return same;
}

/* Drain a query, handing each row to `each`. */
static enum orr_rc each_row(struct store *st, sqlite3_stmt *s, void (*each)(sqlite3_stmt *, void *),
			    void *ctx, char **err)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		each(s, ctx);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read");
	return store_rc(rc);
}

struct source_cb {
	source_fn fn;
	reject_fn rfn;
	void *ctx;
};

static void each_source(sqlite3_stmt *s, void *p)
{
	struct source_cb *cb = p;
	struct source_row r;
	read_source(s, &r);
	cb->fn(cb->ctx, &r);
}

enum orr_rc source_list(struct store *st, source_fn fn, void *ctx, char **err)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT " SOURCE_COLS " FROM sources ORDER BY id");
	if (!s) {
		*err = store_errmsg(st, "cannot read sources");
		return ORR_SOFTWARE;
	}
	struct source_cb cb = { .fn = fn, .ctx = ctx };
	return each_row(st, s, each_source, &cb, err);
}

static void each_reject(sqlite3_stmt *s, void *p)
{
	struct source_cb *cb = p;
	struct reject_row r = {
		.id = sqlite3_column_int64(s, 0),
		.source_id = sqlite3_column_int64(s, 1),
		.path = (const char *)sqlite3_column_text(s, 2),
		.line = (long)sqlite3_column_int64(s, 3),
		.column = (const char *)sqlite3_column_text(s, 4),
		.reason = (const char *)sqlite3_column_text(s, 5),
		.raw = (const char *)sqlite3_column_text(s, 6),
	};
	cb->rfn(cb->ctx, &r);
}

enum orr_rc source_rejects(struct store *st, int64_t source_id, long limit, reject_fn fn,
			   void *ctx, char **err)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT r.id, r.source_id, s.path, r.line, r.column, r.reason, r.raw "
		"FROM rejected_rows r JOIN sources s ON s.id = r.source_id "
		"WHERE ?1 <= 0 OR r.source_id = ?1 ORDER BY r.source_id, r.line "
		"LIMIT CASE WHEN ?2 > 0 THEN ?2 ELSE -1 END");
	if (!s) {
		*err = store_errmsg(st, "cannot read rejects");
		return ORR_SOFTWARE;
	}
	sqlite3_bind_int64(s, 1, source_id);
	sqlite3_bind_int64(s, 2, limit);
	struct source_cb cb = { .rfn = fn, .ctx = ctx };
	return each_row(st, s, each_reject, &cb, err);
}
