/* store_kpi_facts.c - the fact queries behind the KPIs.  Ingested times
 * are ISO 8601 text, decision-layer times Unix ms; MS() turns the one into
 * the other, HOUR() truncates ms to its UTC hour. */
#include "store_kpi_facts.h"

#include "clock.h"
#include "store_internal.h"
#include "xalloc.h"

#define MS(x) "CAST(round((julianday(" x ") - 2440587.5) * 86400000.0) AS INTEGER)"
#define HOUR(x) "((" x ") / 3600000 * 3600000)"

/* --- jobs ------------------------------------------------------------------ */

/* A task about a job (a fallback, or the task a manual.task opened) means a
 * person did part of the work; so does an approval behind it.  A job
 * retried by an operator has several outcome events: its rows come
 * together (ordered by id last) and the caller counts it once. */
static const char jobs_sql[] =
	"SELECT j.subsystem, j.kind, j.finished_at, (j.started_at - j.created_at) / 1000.0, "
	"(j.finished_at - j.started_at) / 1000.0, j.attempts, j.state = 'succeeded', "
	"j.state = 'succeeded' AND j.approval_id IS NULL AND j.subsystem <> 'manual' "
	"AND j.id NOT IN (SELECT job_id FROM tasks WHERE job_id IS NOT NULL), e.id, j.id "
	"FROM events e JOIN jobs j ON j.id = json_extract(e.payload, '$.job_id') "
	"WHERE e.type IN ('job.succeeded', 'job.dead') AND e.id >= ?1 "
	"AND j.state IN ('succeeded', 'dead') AND j.finished_at >= ?2 "
	"AND j.started_at IS NOT NULL "
	"ORDER BY j.subsystem, j.kind, j.finished_at, j.id";

enum orr_rc kpi_facts_jobs(struct store *st, int64_t from_event, int64_t from_ms, kpi_job_fn fn,
			   void *ctx, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, jobs_sql, "cannot read job outcomes", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, from_event);
	sqlite3_bind_int64(s, 2, from_ms);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kpi_job_fact f = {
			.subsystem = (const char *)sqlite3_column_text(s, 0),
			.kind = (const char *)sqlite3_column_text(s, 1),
			.finished_at = sqlite3_column_int64(s, 2),
			.wait_s = sqlite3_column_double(s, 3),
			.run_s = sqlite3_column_double(s, 4),
			.attempts = sqlite3_column_int(s, 5),
			.succeeded = sqlite3_column_int(s, 6) != 0,
			.automated = sqlite3_column_int(s, 7) != 0,
			.event_id = sqlite3_column_int64(s, 8),
			.job_id = sqlite3_column_int64(s, 9),
		};
		fn(ctx, &f);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read job outcomes");
	return store_rc(rc);
}

/* --- summing KPIs ---------------------------------------------------------- */

/* Each yields (subsystem, kind, hour, num, den); ?1 and ?2 bound the facts'
 * times in ms, ?3 is ?1 as event-log text (its times compare as text). */
static const char *const sums_sql[KPI_COUNT] = {
	[KPI_ORDER_ACCURACY] =
		"SELECT '', '', h, sum(ok), count(*) FROM (SELECT " HOUR(MS("o.purchased_at"))
		" AS h, NOT (o.is_return OR lower(coalesce(o.status, '')) IN ('returned', "
		"'refunded') OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_key = o.key "
		"AND l.origin = o.origin AND l.quantity < 0) OR o.id IN (SELECT e.entity_id "
		"FROM events e WHERE e.type = 'order.updated' AND EXISTS (SELECT 1 FROM "
		"json_each(e.payload, '$.changed') c WHERE c.key NOT IN ('status', "
		"'approved_at', 'dispatched_at', 'delivered_at', 'estimated_at')))) AS ok "
		"FROM orders o WHERE o.purchased_at IS NOT NULL) "
		"WHERE h >= ?1 AND h < ?2 GROUP BY h",
	[KPI_ORDER_TO_DISPATCH] =
		"SELECT '', '', " HOUR("d") " AS h, sum((d - p) / 3600000.0), count(*) FROM "
		"(SELECT " MS("dispatched_at") " AS d, " MS("purchased_at") " AS p FROM orders "
		"WHERE dispatched_at IS NOT NULL AND purchased_at IS NOT NULL) "
		"WHERE d >= p AND d >= ?1 AND d < ?2 GROUP BY h",
	[KPI_PRODUCT_TO_ASSET] =
		"SELECT '', '', " HOUR("a.at") " AS h, sum((a.at - p.at) / 3600000.0), count(*) "
		"FROM (SELECT " MS("time") " AS at, CASE WHEN entity = 'product' THEN entity_id "
		"ELSE json_extract(payload, '$.product_id') END AS pid FROM events "
		"WHERE type = 'asset.ready' AND time >= ?3) a "
		"JOIN (SELECT entity_id AS pid, " MS("min(time)") " AS at FROM events "
		"WHERE type = 'product.created' GROUP BY entity_id) p ON p.pid = a.pid "
		"WHERE a.at >= ?1 AND a.at < ?2 AND a.at >= p.at GROUP BY h",
	[KPI_ASSETS_PER_HOUR] =
		"SELECT '', '', " HOUR("at") " AS h, count(*), 1 FROM (SELECT " MS("time")
		" AS at FROM events WHERE type = 'asset.ready' AND time >= ?3) "
		"WHERE at >= ?1 AND at < ?2 GROUP BY h",
	[KPI_DATA_QUALITY] =
		"SELECT '', '', " HOUR("finished_at") " AS h, sum(score), count(*) FROM audit_runs "
		"WHERE finished_at >= ?1 AND finished_at < ?2 AND score IS NOT NULL GROUP BY h",
	[KPI_APPROVAL_TURNAROUND] =
		"SELECT '', '', " HOUR("decided_at") " AS h, "
		"sum((decided_at - created_at) / 3600000.0), count(*) FROM approvals "
		"WHERE state IN ('approved', 'rejected') AND decided_at >= ?1 AND decided_at < ?2 "
		"GROUP BY h",
};

bool kpi_facts_summable(enum kpi_id id)
{
	return id < KPI_COUNT && sums_sql[id] != NULL;
}

enum orr_rc kpi_facts_sums(struct store *st, enum kpi_id id, int64_t from_ms, int64_t to_ms,
			   kpi_sum_fn fn, void *ctx, char **err)
{
	if (!kpi_facts_summable(id)) {
		*err = xasprintf("KPI %d is not computed by a query", (int)id);
		return ORR_SOFTWARE;
	}
	sqlite3_stmt *s = store_stmt_or_err(st, sums_sql[id], "cannot compute a KPI", err);
	if (!s)
		return ORR_SOFTWARE;
	char from_text[CLOCK_TEXT_LEN];
	clock_format(from_ms, from_text);
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	sqlite3_bind_text(s, 3, from_text, -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(s, 0),
		   (const char *)sqlite3_column_text(s, 1), sqlite3_column_int64(s, 2),
		   sqlite3_column_double(s, 3), sqlite3_column_double(s, 4));
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot compute a KPI");
	return store_rc(rc);
}

/* --- inventory ------------------------------------------------------------- */

enum orr_rc kpi_facts_inventory(struct store *st, kpi_inventory_fn fn, void *ctx, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT " MS("time") ", entity_id, json_extract(payload, CASE type "
		"WHEN 'inventory_level.created' THEN '$.quantity' ELSE '$.changed.quantity.to' END) "
		"FROM events WHERE type IN ('inventory_level.created', 'inventory_level.updated') "
		"ORDER BY id", "cannot read inventory events", err);
	if (!s)
		return ORR_SOFTWARE;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
		   sqlite3_column_type(s, 2) != SQLITE_NULL, sqlite3_column_int64(s, 2));
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read inventory events");
	return store_rc(rc);
}

enum orr_rc kpi_facts_units_sold(struct store *st, int64_t from_ms, kpi_units_fn fn, void *ctx,
				 char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT " HOUR(MS("o.purchased_at")) " AS h, sum(l.quantity) FROM order_lines l "
		"JOIN orders o ON o.id = l.order_id WHERE o.is_return = 0 AND l.quantity > 0 "
		"AND o.purchased_at IS NOT NULL "
		"AND l.variant_id IN (SELECT variant_id FROM inventory_levels) "
		"AND h >= ?1 GROUP BY h ORDER BY h", "cannot read units sold", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, from_ms);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_double(s, 1));
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read units sold");
	return store_rc(rc);
}

/* --- signatures ------------------------------------------------------------ */

enum orr_rc kpi_facts_newest_event(struct store *st, const char *type_a, const char *type_b,
				   int64_t *id, char **err)
{
	/* one max() per type: each is a single step down the type index */
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT max(coalesce((SELECT max(id) FROM events WHERE type = ?1), 0), "
		"coalesce((SELECT max(id) FROM events WHERE type = ?2), 0))",
		"cannot read the event log", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, type_a, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, type_b, -1, SQLITE_STATIC);
	*id = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	return store_step_done(st, s, "cannot read the event log", err);
}

enum orr_rc kpi_facts_first_event(struct store *st, const char *type, int64_t *at, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT " MS("time") " FROM events WHERE type = ?1 ORDER BY id LIMIT 1",
		"cannot read the event log", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, type, -1, SQLITE_STATIC);
	*at = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	return store_step_done(st, s, "cannot read the event log", err);
}
