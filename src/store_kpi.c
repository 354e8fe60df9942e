/* store_kpi.c - the KPI tables. */
#include "store_kpi.h"

#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "xalloc.h"

/* --- samples --------------------------------------------------------------- */

enum orr_rc kpi_samples_clear(struct store *st, const char *kpi, int64_t from_ms, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"DELETE FROM kpi_samples WHERE kpi = ?1 AND period = 'hour' AND start_ms >= ?2",
		"cannot clear KPI samples", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, kpi, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, from_ms);
	return store_step_done(st, s, "cannot clear KPI samples", err);
}

enum orr_rc kpi_samples_put(struct store *st, const char *kpi, const struct kpi_sample *k,
			    int64_t now, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT OR REPLACE INTO kpi_samples (kpi, period, start_ms, subsystem, kind, value, "
		"num, den, computed_at) VALUES (?1, 'hour', ?2, ?3, ?4, ?5 / ?6, ?5, ?6, ?7)",
		"cannot write a KPI sample", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, kpi, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, k->start);
	sqlite3_bind_text(s, 3, k->subsystem, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, k->kind, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 5, k->num);
	sqlite3_bind_double(s, 6, k->den);
	sqlite3_bind_int64(s, 7, now);
	return store_step_done(st, s, "cannot write a KPI sample", err);
}

enum orr_rc kpi_samples_roll_days(struct store *st, const char *kpi, int64_t day_from,
				  int64_t now, int *n, char **err)
{
	*n = 0;
	sqlite3_stmt *del = store_stmt_or_err(st,
		"DELETE FROM kpi_samples WHERE kpi = ?1 AND period = 'day' AND start_ms >= ?2",
		"cannot roll KPI samples up", err);
	if (!del)
		return ORR_SOFTWARE;
	sqlite3_bind_text(del, 1, kpi, -1, SQLITE_STATIC);
	sqlite3_bind_int64(del, 2, day_from);
	enum orr_rc rc = store_step_done(st, del, "cannot roll KPI samples up", err);
	sqlite3_stmt *s = rc == ORR_OK ? store_stmt_or_err(st,
		"INSERT INTO kpi_samples (kpi, period, start_ms, subsystem, kind, value, num, den, "
		"computed_at) SELECT kpi, 'day', start_ms - start_ms % 86400000 AS day, subsystem, "
		"kind, sum(num) / sum(den), sum(num), sum(den), ?3 FROM kpi_samples "
		"WHERE kpi = ?1 AND period = 'hour' AND start_ms >= ?2 "
		"GROUP BY day, subsystem, kind", "cannot roll KPI samples up", err) : NULL;
	if (!s)
		return rc == ORR_OK ? ORR_SOFTWARE : rc;
	sqlite3_bind_text(s, 1, kpi, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, day_from);
	sqlite3_bind_int64(s, 3, now);
	rc = store_step_done(st, s, "cannot roll KPI samples up", err);
	*n = rc == ORR_OK ? sqlite3_changes(store_sqlite(st)) : 0;
	return rc;
}

/* Each row (kpi, subsystem, kind, start, num, den) of s to fn. */
static enum orr_rc each_sample(struct store *st, sqlite3_stmt *s, kpi_sample_fn fn, void *ctx,
			       char **err)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kpi_sample k = { .subsystem = (const char *)sqlite3_column_text(s, 1),
					.kind = (const char *)sqlite3_column_text(s, 2),
					.start = sqlite3_column_int64(s, 3),
					.num = sqlite3_column_double(s, 4),
					.den = sqlite3_column_double(s, 5) };
		fn(ctx, (const char *)sqlite3_column_text(s, 0), &k);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read KPI samples");
	return store_rc(rc);
}

enum orr_rc kpi_samples_window(struct store *st, int64_t from, int64_t to, kpi_sample_fn fn,
			       void *ctx, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT kpi, subsystem, kind, start_ms, num, den FROM kpi_samples "
		"WHERE period = 'hour' AND start_ms >= ?1 AND start_ms < ?2 "
		"ORDER BY kpi, subsystem, kind, start_ms", "cannot read KPI samples", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	return each_sample(st, s, fn, ctx, err);
}

enum orr_rc kpi_baselines_samples(struct store *st, int64_t baseline_id, kpi_sample_fn fn,
				  void *ctx, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT kpi, subsystem, kind, start_ms, num, den FROM kpi_baseline_samples "
		"WHERE baseline_id = ?1 ORDER BY kpi, subsystem, kind, start_ms",
		"cannot read a baseline", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, baseline_id);
	return each_sample(st, s, fn, ctx, err);
}

enum orr_rc kpi_samples_series(struct store *st, int64_t baseline_id, kpi_sample_fn fn,
			       void *ctx, char **err)
{
	/* every hour sample has its day's, and days are fewer */
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT DISTINCT kpi, subsystem, kind, 0, 0, 0 FROM kpi_samples WHERE period = 'day' "
		"UNION SELECT DISTINCT kpi, subsystem, kind, 0, 0, 0 FROM kpi_baseline_samples "
		"WHERE baseline_id = ?1", "cannot read KPI series", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, baseline_id);
	return each_sample(st, s, fn, ctx, err);
}

enum orr_rc kpi_samples_recent(struct store *st, const char *kpi, const char *subsystem,
			       const char *kind, int64_t before, int max, double *v, int *n,
			       int64_t *newest, char **err)
{
	*newest = 0;
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT value, start_ms FROM kpi_samples WHERE kpi = ?1 AND period = 'hour' AND start_ms < ?4 "
		"AND subsystem = ?2 AND kind = ?3 ORDER BY start_ms DESC LIMIT ?5",
		"cannot read KPI samples", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, kpi, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, subsystem, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, before);
	sqlite3_bind_int(s, 5, max);
	int rc;
	for (*n = 0; (rc = sqlite3_step(s)) == SQLITE_ROW && *n < max; (*n)++) {
		v[*n] = sqlite3_column_double(s, 0);
		if (*n == 0)
			*newest = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	for (int i = 0; i < *n / 2; i++) { /* newest first -> oldest first */
		double t = v[i];
		v[i] = v[*n - 1 - i];
		v[*n - 1 - i] = t;
	}
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read KPI samples");
	return store_rc(rc);
}

/* The one integer of a one-row query with up to one integer parameter. */
static enum orr_rc scalar(struct store *st, const char *sql, int64_t param, int64_t *out,
			  const char *what, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, sql, what, err);
	if (!s)
		return ORR_SOFTWARE;
	if (sqlite3_bind_parameter_count(s) > 0)
		sqlite3_bind_int64(s, 1, param);
	if (sqlite3_step(s) == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	return store_step_done(st, s, what, err);
}

enum orr_rc kpi_samples_first(struct store *st, int64_t *first, char **err)
{
	*first = 0;
	return scalar(st, "SELECT coalesce(min(start_ms), 0) FROM kpi_samples "
			  "INDEXED BY kpi_samples_recent WHERE period = 'hour'",
		      0, first, "cannot read KPI samples", err);
}

/* --- state ----------------------------------------------------------------- */

enum orr_rc kpi_state_get(struct store *st, const char *name, int64_t fallback, int64_t *v,
			  char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, "SELECT value FROM kpi_state WHERE name = ?1",
					    "cannot read KPI state", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	*v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : fallback;
	return store_step_done(st, s, "cannot read KPI state", err);
}

enum orr_rc kpi_state_set(struct store *st, const char *name, int64_t v, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO kpi_state (name, value) VALUES (?1, ?2) "
		"ON CONFLICT (name) DO UPDATE SET value = excluded.value",
		"cannot write KPI state", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, v);
	return store_step_done(st, s, "cannot write KPI state", err);
}

/* --- runner spans and breakers --------------------------------------------- */

enum orr_rc kpi_spans_record(struct store *st, const char *runner_id, int64_t started_at,
			     int64_t seen_at, int workers, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO runner_spans (runner_id, started_at, seen_at, workers) "
		"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (runner_id) DO UPDATE SET "
		"seen_at = max(seen_at, excluded.seen_at)", "cannot record the runner's span", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, runner_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, started_at);
	sqlite3_bind_int64(s, 3, seen_at > started_at ? seen_at : started_at);
	sqlite3_bind_int(s, 4, workers);
	return store_step_done(st, s, "cannot record the runner's span", err);
}

/* Rows (from, to) of s as intervals. */
static enum orr_rc read_intervals(struct store *st, sqlite3_stmt *s, struct kpi_interval **out,
				  size_t *n, char **err)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = (struct kpi_interval){ sqlite3_column_int64(s, 0),
							sqlite3_column_int64(s, 1) };
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	free(*out);
	*out = NULL;
	*n = 0;
	*err = store_errmsg(st, "cannot read runner spans");
	return store_rc(rc);
}

enum orr_rc kpi_spans_read(struct store *st, int64_t from_ms, struct kpi_interval **out,
			   size_t *n, int64_t *first, char **err)
{
	*first = 0;
	enum orr_rc rc = scalar(st, "SELECT coalesce(min(started_at), 0) FROM runner_spans", 0,
				first, "cannot read runner spans", err);
	sqlite3_stmt *s = rc == ORR_OK ? store_stmt_or_err(st,
		"SELECT started_at, seen_at FROM runner_spans WHERE seen_at >= ?1 AND workers > 0",
		"cannot read runner spans", err) : NULL;
	if (!s)
		return rc == ORR_OK ? ORR_SOFTWARE : rc;
	sqlite3_bind_int64(s, 1, from_ms);
	return read_intervals(st, s, out, n, err);
}

/* The closed stretches between changes: each row is a change at `at` to
 * closed (1) or not (0); lead() gives the next change, or the end of time. */
enum orr_rc kpi_breaker_closed(struct store *st, const char *subsystem,
			       struct kpi_interval **out, size_t *n, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT at, next FROM (SELECT at, breaker = 'closed' AS closed, "
		"lead(at, 1, 9223372036854775807) OVER (ORDER BY at, id) AS next FROM "
		"(SELECT 0 AS at, 0 AS id, 'closed' AS breaker UNION ALL "
		"SELECT at, id, breaker FROM breaker_history WHERE subsystem = ?1)) "
		"WHERE closed AND next > at", "cannot read breaker history", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, subsystem, -1, SQLITE_STATIC);
	enum orr_rc rc = read_intervals(st, s, out, n, err);
	if (rc == ORR_OK)
		*n = kpi_intervals_union(*out, *n);
	return rc;
}

/* --- baselines ------------------------------------------------------------- */

static enum orr_rc baseline_copy(struct store *st, int64_t id, int64_t from, int64_t to,
				 long *copied, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO kpi_baseline_samples (baseline_id, kpi, subsystem, kind, start_ms, num, "
		"den) SELECT ?1, kpi, subsystem, kind, start_ms, num, den FROM kpi_samples "
		"INDEXED BY kpi_samples_recent WHERE period = 'hour' AND start_ms >= ?2 "
		"AND start_ms < ?3", "cannot save the baseline", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	enum orr_rc rc = store_step_done(st, s, "cannot save the baseline", err);
	*copied = rc == ORR_OK ? sqlite3_changes(store_sqlite(st)) : 0;
	return rc;
}

enum orr_rc kpi_baselines_insert(struct store *st, const char *name, int64_t from, int64_t to,
				 int64_t now, long *copied, char **err)
{
	*copied = 0;
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO kpi_baselines (name, from_ms, to_ms, created_at) VALUES (?1, ?2, ?3, ?4) "
		"ON CONFLICT (name) DO NOTHING", "cannot save the baseline", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	sqlite3_bind_int64(s, 4, now);
	enum orr_rc rc = store_step_done(st, s, "cannot save the baseline", err);
	if (rc != ORR_OK)
		return rc;
	if (sqlite3_changes(store_sqlite(st)) == 0) {
		*err = xasprintf("a baseline named \"%s\" exists already (delete it first: orrery "
				 "kpi baseline delete %s)", name, name);
		return ORR_DATAERR;
	}
	return baseline_copy(st, sqlite3_last_insert_rowid(store_sqlite(st)), from, to, copied, err);
}

enum orr_rc kpi_baselines_find(struct store *st, const char *name, struct kpi_baseline_row *b,
			       char **err)
{
	memset(b, 0, sizeof *b);
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id, from_ms, to_ms, name FROM kpi_baselines WHERE ?1 IS NULL OR name = ?1 "
		"ORDER BY created_at DESC, id DESC LIMIT 1", "cannot read baselines", err);
	if (!s)
		return ORR_SOFTWARE;
	store_bind_text_or_null(s, 1, name);
	if (sqlite3_step(s) == SQLITE_ROW) {
		b->id = sqlite3_column_int64(s, 0);
		b->from = sqlite3_column_int64(s, 1);
		b->to = sqlite3_column_int64(s, 2);
		b->name = xstrdup((const char *)sqlite3_column_text(s, 3));
	}
	enum orr_rc rc = store_step_done(st, s, "cannot read baselines", err);
	if (rc == ORR_OK && !b->id) {
		*err = name ? xasprintf("no baseline named \"%s\" (see: orrery kpi baseline list)",
					name)
			    : xstrdup("no baseline saved yet (save one: orrery kpi baseline save "
				      "NAME)");
		return ORR_NOINPUT;
	}
	return rc;
}

enum orr_rc kpi_baselines_json(struct store *st, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT name, from_ms AS \"from\", to_ms AS \"to\", created_at, "
		"(SELECT count(*) FROM (SELECT DISTINCT kpi, subsystem, kind FROM "
		"kpi_baseline_samples WHERE baseline_id = b.id)) AS kpis "
		"FROM kpi_baselines b ORDER BY created_at DESC, id DESC", "cannot list baselines",
		err);
	return s ? store_rows_json(st, s, "cannot list baselines", out, err) : ORR_SOFTWARE;
}

enum orr_rc kpi_baselines_remove(struct store *st, const char *name, char **err)
{
	sqlite3_stmt *rows = store_stmt_or_err(st,
		"DELETE FROM kpi_baseline_samples WHERE baseline_id = "
		"(SELECT id FROM kpi_baselines WHERE name = ?1)", "cannot delete the baseline", err);
	if (!rows)
		return ORR_SOFTWARE;
	sqlite3_bind_text(rows, 1, name, -1, SQLITE_STATIC);
	enum orr_rc rc = store_step_done(st, rows, "cannot delete the baseline", err);
	sqlite3_stmt *s = rc == ORR_OK ? store_stmt_or_err(st,
		"DELETE FROM kpi_baselines WHERE name = ?1", "cannot delete the baseline", err) : NULL;
	if (!s)
		return rc == ORR_OK ? ORR_SOFTWARE : rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = store_step_done(st, s, "cannot delete the baseline", err);
	if (rc == ORR_OK && sqlite3_changes(store_sqlite(st)) == 0) {
		*err = xasprintf("no baseline named \"%s\" (see: orrery kpi baseline list)", name);
		return ORR_NOINPUT;
	}
	return rc;
}
