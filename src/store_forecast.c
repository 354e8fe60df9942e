/* store_forecast.c - demand history in, forecasts out.  See store_forecast.h. */
#include "store_forecast.h"

#include <math.h>
#include <string.h>

#include "store_internal.h"
#include "xalloc.h"

enum orr_rc fcstore_demand(struct store *st, const char *sku, const char *as_of,
			   demand_row_fn fn, void *ctx, char **err)
{
	/* Both sources grouped by SKU and day; a return is a line with negative
	 * units, dated when it was recorded, so it nets against that day. */
	static const char sql[] =
		"SELECT sku, max(variant_id), day, sum(units),"
		" sum(CASE WHEN units < 0 THEN -units ELSE 0 END) FROM ("
		" SELECT l.sku AS sku, l.variant_id AS variant_id,"
		"        substr(o.purchased_at, 1, 10) AS day, l.quantity AS units"
		" FROM order_lines l JOIN orders o ON o.id = l.order_id"
		" WHERE l.sku IS NOT NULL AND o.purchased_at IS NOT NULL"
		"   AND (?1 IS NULL OR l.sku = ?1)"
		" UNION ALL"
		" SELECT u.sku, u.variant_id, substr(c.date, 1, 10), u.units"
		" FROM unit_sales u JOIN calendar_days c ON c.origin = u.origin AND c.day = u.day"
		" WHERE (?1 IS NULL OR u.sku = ?1))"
		" WHERE ?2 IS NULL OR day <= ?2"
		" GROUP BY sku, day ORDER BY sku, day";
	sqlite3_stmt *s = store_stmt_or_err(st, sql, "cannot read demand", err);
	if (!s)
		return ORR_SOFTWARE;
	store_bind_text_or_null(s, 1, sku);
	store_bind_text_or_null(s, 2, as_of);
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		struct demand_row row = {
			.sku = (const char *)sqlite3_column_text(s, 0),
			.variant_id = sqlite3_column_int64(s, 1),
			.day = (const char *)sqlite3_column_text(s, 2),
			.units = sqlite3_column_double(s, 3),
			.returned = sqlite3_column_double(s, 4),
		};
		if (!row.sku || !row.day)
			continue;
		if (!fn(ctx, &row)) {
			r = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	if (r == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read demand");
	return store_rc(r);
}

enum orr_rc fcstore_last_day(struct store *st, char day[11], char **err)
{
	static const char sql[] =
		"SELECT max(d) FROM (SELECT max(substr(o.purchased_at, 1, 10)) AS d"
		" FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.sku IS NOT NULL"
		" UNION ALL SELECT max(substr(c.date, 1, 10)) FROM calendar_days c"
		" WHERE EXISTS (SELECT 1 FROM unit_sales u WHERE u.origin = c.origin AND u.day = c.day))";
	sqlite3_stmt *s = store_stmt_or_err(st, sql, "cannot read demand", err);
	if (!s)
		return ORR_SOFTWARE;
	int r = sqlite3_step(s);
	const unsigned char *d = r == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	snprintf(day, 11, "%s", d ? (const char *)d : "");
	sqlite3_reset(s);
	if (r == SQLITE_ROW)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read demand");
	return store_rc(r);
}

enum orr_rc fcstore_stockout_days(struct store *st, int64_t variant_id, const char *from,
				  const char *to, stockout_day_fn fn, void *ctx, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT day FROM inventory_history WHERE variant_id = ?1 AND day BETWEEN ?2 AND ?3"
		" AND on_hand <= 0 ORDER BY day", "cannot read inventory history", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, variant_id);
	sqlite3_bind_text(s, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, to, -1, SQLITE_STATIC);
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if (r == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read inventory history");
	return store_rc(r);
}

enum orr_rc fcstore_run_begin(struct store *st, const char *as_of, int horizon, double level,
			      int64_t job_id, int64_t now_ms, int64_t *id, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO forecast_runs (started_at, as_of, horizon, level, job_id)"
		" VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', ?1 / 1000.0, 'unixepoch'), ?2, ?3, ?4, ?5)",
		"cannot record the forecast run", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_text(s, 2, as_of, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, horizon);
	sqlite3_bind_double(s, 4, level);
	store_bind_id_or_null(s, 5, job_id);
	enum orr_rc rc = store_step_done(st, s, "cannot record the forecast run", err);
	if (rc == ORR_OK)
		*id = sqlite3_last_insert_rowid(store_sqlite(st));
	return rc;
}

enum orr_rc fcstore_run_end(struct store *st, int64_t run_id, long skus, int64_t now_ms,
			    char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"UPDATE forecast_runs SET skus = ?2,"
		" finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', ?3 / 1000.0, 'unixepoch') WHERE id = ?1",
		"cannot record the forecast run", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, skus);
	sqlite3_bind_int64(s, 3, now_ms);
	return store_step_done(st, s, "cannot record the forecast run", err);
}

enum orr_rc fcstore_previous_risk(struct store *st, const char *sku, char risk[16], char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, "SELECT risk FROM forecasts WHERE sku = ?1",
					    "cannot read the forecast", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, sku, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	const unsigned char *v = r == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	snprintf(risk, 16, "%s", v ? (const char *)v : "");
	sqlite3_reset(s);
	if (r == SQLITE_ROW || r == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read the forecast");
	return store_rc(r);
}

static void bind_real_or_null(sqlite3_stmt *s, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

enum orr_rc fcstore_put(struct store *st, const struct fcstore_forecast *f, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT OR REPLACE INTO forecasts (sku, variant_id, run_id, as_of, history_days,"
		" model, mase, wape, bias, daily_mean, daily_sd, forecast, policy, risk)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
		"cannot store the forecast", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, f->sku, -1, SQLITE_STATIC);
	store_bind_id_or_null(s, 2, f->variant_id);
	sqlite3_bind_int64(s, 3, f->run_id);
	sqlite3_bind_text(s, 4, f->as_of, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, f->history_days);
	sqlite3_bind_text(s, 6, f->model, -1, SQLITE_STATIC);
	bind_real_or_null(s, 7, f->mase);
	bind_real_or_null(s, 8, f->wape);
	bind_real_or_null(s, 9, f->bias);
	sqlite3_bind_double(s, 10, f->daily_mean);
	sqlite3_bind_double(s, 11, f->daily_sd);
	sqlite3_bind_text(s, 12, f->forecast, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 13, f->policy);
	store_bind_text_or_null(s, 14, f->risk);
	return store_step_done(st, s, "cannot store the forecast", err);
}

/* The JSON text columns become JSON values. */
static void embed(json_t *row, const char *field)
{
	const char *text = json_string_value(json_object_get(row, field));
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	if (j)
		json_object_set_new(row, field, j);
}

enum orr_rc fcstore_list(struct store *st, const char *sku, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT sku, variant_id, run_id, as_of, history_days, model, mase, wape, bias,"
		" daily_mean, daily_sd, risk, policy, forecast FROM forecasts"
		" WHERE ?1 IS NULL OR sku = ?1 ORDER BY sku", "cannot read forecasts", err);
	if (!s)
		return ORR_SOFTWARE;
	store_bind_text_or_null(s, 1, sku);
	enum orr_rc rc = store_rows_json(st, s, "cannot read forecasts", out, err);
	for (size_t i = 0; rc == ORR_OK && i < json_array_size(*out); i++) {
		embed(json_array_get(*out, i), "forecast");
		embed(json_array_get(*out, i), "policy");
	}
	return rc;
}
