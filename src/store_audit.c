/* store_audit.c - audit runs and findings in SQLite. */
#include "store_audit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit_image.h"
#include "audit_profile.h"
#include "audit_valid.h"
#include "store_internal.h"
#include "xalloc.h"

/* --- SQL functions --------------------------------------------------------- */

static const char *text_arg(sqlite3_value *v)
{
	return sqlite3_value_type(v) == SQLITE_NULL ? NULL : (const char *)sqlite3_value_text(v);
}

/* A predicate over one text: NULL stays NULL, so "NOT f(x)" skips it. */
#define PREDICATE(fn_name, predicate)                                                    \
	static void fn_name(sqlite3_context *ctx, int argc, sqlite3_value **argv)          \
	{                                                                                  \
		(void)argc;                                                                \
		const char *s = text_arg(argv[0]);                                         \
		if (s)                                                                     \
			sqlite3_result_int(ctx, predicate(s));                             \
		else                                                                       \
			sqlite3_result_null(ctx);                                          \
	}

PREDICATE(sql_valid_gtin, valid_gtin)
PREDICATE(sql_valid_email, valid_email)
PREDICATE(sql_valid_currency, valid_currency)
PREDICATE(sql_valid_image_ref, valid_image_ref)

/* The last text orr_country_code judged, and its code: orders and
 * customers of one country come in runs, and a lookup compares against
 * every country name.  One per connection (the function's user data). */
struct country_memo {
	char *last;
	const char *code;
};

static void country_memo_free(void *p)
{
	struct country_memo *m = p;
	if (m)
		free(m->last);
	free(m);
}

static void sql_country_code(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct country_memo *m = sqlite3_user_data(ctx);
	const char *s = text_arg(argv[0]);
	if (s && !(m->last && strcmp(m->last, s) == 0)) {
		free(m->last);
		m->last = xstrdup(s);
		m->code = country_code(s);
	}
	const char *code = s ? m->code : NULL;
	if (code)
		sqlite3_result_text(ctx, code, -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

static void sql_plausible_time(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = text_arg(argv[0]);
	if (s)
		sqlite3_result_int(ctx, plausible_time(s, sqlite3_value_int64(argv[1])));
	else
		sqlite3_result_null(ctx);
}

static void sql_fingerprint(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = text_arg(argv[0]);
	char *fp = s ? title_fingerprint(s) : NULL;
	if (fp)
		sqlite3_result_text(ctx, fp, -1, free);
	else
		sqlite3_result_null(ctx);
}

/* The shorter side of a local image file, read from its header only: NULL
 * for an http(s) URL (not fetched here), -1 when the file is missing or not
 * a readable image. */
static void sql_image_min_side(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = text_arg(argv[0]);
	if (!s || strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0) {
		sqlite3_result_null(ctx);
		return;
	}
	int w, h;
	if (image_dimensions(s, &w, &h, NULL) != ORR_OK)
		sqlite3_result_int(ctx, -1);
	else
		sqlite3_result_int(ctx, w < h ? w : h);
}

enum orr_rc store_audit_functions(struct store *st, char **err)
{
	static const struct {
		const char *name;
		int nargs;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
		bool memo; /* user data: a struct country_memo */
	} fns[] = {
		{ "orr_valid_gtin", 1, sql_valid_gtin, false },
		{ "orr_valid_email", 1, sql_valid_email, false },
		{ "orr_valid_currency", 1, sql_valid_currency, false },
		{ "orr_valid_image_ref", 1, sql_valid_image_ref, false },
		{ "orr_country_code", 1, sql_country_code, true },
		{ "orr_plausible_time", 2, sql_plausible_time, false },
		{ "orr_fingerprint", 1, sql_fingerprint, false },
		{ "orr_image_min_side", 1, sql_image_min_side, false },
	};
	for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
		/* on failure SQLite calls the destructor itself */
		void *data = fns[i].memo ? xcalloc(1, sizeof(struct country_memo)) : NULL;
		if (sqlite3_create_function_v2(store_sqlite(st), fns[i].name, fns[i].nargs,
					       SQLITE_UTF8 | SQLITE_DETERMINISTIC, data, fns[i].fn,
					       NULL, NULL,
					       fns[i].memo ? country_memo_free : NULL) != SQLITE_OK) {
			*err = store_errmsg(st, "cannot register the audit functions");
			return ORR_SOFTWARE;
		}
	}
	return ORR_OK;
}

/* --- runs ------------------------------------------------------------------ */

enum orr_rc audit_run_open(struct store *st, int64_t now, int64_t job_id, int64_t *run_id,
			   char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO audit_runs (started_at, job_id) VALUES (?1, ?2)",
		"cannot start an audit run", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, now);
	store_bind_id_or_null(s, 2, job_id);
	enum orr_rc rc = store_step_done(st, s, "cannot start an audit run", err);
	*run_id = sqlite3_last_insert_rowid(store_sqlite(st));
	return rc;
}

static enum orr_rc open_finding(struct store *st, int64_t run_id, const struct audit_check *c,
				int64_t *id, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO audit_findings (run_id, check_name, dimension, severity, table_name, "
		"failing, checked, message) VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, ?6)",
		"cannot record a finding", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_text(s, 2, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, c->dimension, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, c->severity, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, c->table, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, c->message, -1, SQLITE_STATIC);
	enum orr_rc rc = store_step_done(st, s, "cannot record a finding", err);
	*id = sqlite3_last_insert_rowid(store_sqlite(st));
	return rc;
}

static enum orr_rc collect_rows(struct store *st, const struct audit_check *c, int64_t finding,
				int64_t now, int64_t stale_ms, long *failing, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, c->rows_sql, c->name, err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, finding);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, now);
	if (sqlite3_bind_parameter_count(s) >= 3)
		sqlite3_bind_int64(s, 3, stale_ms);
	enum orr_rc rc = store_step_done(st, s, c->name, err);
	*failing = rc == ORR_OK ? sqlite3_changes(store_sqlite(st)) : 0;
	return rc;
}

static enum orr_rc record_checked(struct store *st, int64_t run_id, const char *check,
				  sqlite3_int64 source, bool has_source, long checked, long failing,
				  char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO audit_checked (run_id, check_name, source_id, checked, failing) "
		"VALUES (?1, ?2, ?3, ?4, ?5)", "cannot record checked rows", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_text(s, 2, check, -1, SQLITE_STATIC);
	if (has_source)
		sqlite3_bind_int64(s, 3, source);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_int64(s, 4, checked);
	sqlite3_bind_int64(s, 5, failing);
	return store_step_done(st, s, "cannot record checked rows", err);
}

static long failing_of_source(struct store *st, int64_t finding, sqlite3_int64 source,
			      bool has_source)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT count(*) FROM audit_finding_rows WHERE finding_id = ?1 AND source_id IS ?2");
	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, finding);
	if (has_source)
		sqlite3_bind_int64(s, 2, source);
	else
		sqlite3_bind_null(s, 2);
	long n = sqlite3_step(s) == SQLITE_ROW ? (long)sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return n;
}

/* Rows checked per source, and how many of them failed. */
static enum orr_rc count_per_source(struct store *st, int64_t run_id, const struct audit_check *c,
				    int64_t finding, long *checked, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, c->checked_sql, c->name, err);
	if (!s)
		return ORR_SOFTWARE;
	json_t *per = json_array();
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		json_array_append_new(per, json_pack("{sIsbsI}", "source",
						     (json_int_t)sqlite3_column_int64(s, 0), "known",
						     sqlite3_column_type(s, 0) != SQLITE_NULL, "n",
						     (json_int_t)sqlite3_column_int64(s, 1)));
	sqlite3_reset(s);
	enum orr_rc result = rc == SQLITE_DONE ? ORR_OK : store_rc(rc);
	if (result != ORR_OK)
		*err = store_errmsg(st, c->name);
	size_t i;
	json_t *row;
	*checked = 0;
	json_array_foreach(per, i, row) {
		sqlite3_int64 src = json_integer_value(json_object_get(row, "source"));
		bool known = json_is_true(json_object_get(row, "known"));
		long n = (long)json_integer_value(json_object_get(row, "n"));
		*checked += n;
		if (result == ORR_OK)
			result = record_checked(st, run_id, c->name, src, known, n,
						failing_of_source(st, finding, src, known), err);
	}
	json_decref(per);
	return result;
}

static enum orr_rc settle_finding(struct store *st, int64_t finding, long failing, long checked,
				  char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		failing ? "UPDATE audit_findings SET failing = ?2, checked = ?3, examples = "
			  "(SELECT json_group_array(row_id) FROM (SELECT row_id FROM audit_finding_rows "
			  "WHERE finding_id = ?1 ORDER BY row_id LIMIT 5)) WHERE id = ?1"
			: "DELETE FROM audit_findings WHERE id = ?1 AND ?2 = 0 AND ?3 >= 0",
		"cannot record a finding", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, finding);
	sqlite3_bind_int64(s, 2, failing);
	sqlite3_bind_int64(s, 3, checked);
	return store_step_done(st, s, "cannot record a finding", err);
}

/* --- outliers ------------------------------------------------------------- */

/* The values of one group, as the scan delivers them. */
struct group {
	char *name;
	double *v;
	int64_t *id, *src;
	bool *has_src;
	size_t n, cap;
};

static void group_add(struct group *g, sqlite3_stmt *s)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->v = xrealloc(g->v, g->cap * sizeof *g->v);
		g->id = xrealloc(g->id, g->cap * sizeof *g->id);
		g->src = xrealloc(g->src, g->cap * sizeof *g->src);
		g->has_src = xrealloc(g->has_src, g->cap * sizeof *g->has_src);
	}
	g->id[g->n] = sqlite3_column_int64(s, 1);
	g->has_src[g->n] = sqlite3_column_type(s, 2) != SQLITE_NULL;
	g->src[g->n] = sqlite3_column_int64(s, 2);
	g->v[g->n++] = sqlite3_column_double(s, 3);
}

static enum orr_rc add_row(struct store *st, int64_t finding, int64_t id, bool has_src,
			   int64_t src, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO audit_finding_rows (finding_id, row_id, source_id) VALUES (?1, ?2, ?3)",
		"cannot record a failing row", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, finding);
	sqlite3_bind_int64(s, 2, id);
	store_bind_id_or_null(s, 3, has_src ? src : 0);
	return store_step_done(st, s, "cannot record a failing row", err);
}

/* A group's outliers: more than 5 robust deviations (MAD scaled to sigma)
 * from its median.  Groups of fewer than 5 values say nothing. */
static enum orr_rc flag_group(struct store *st, int64_t finding, struct group *g, long *failing,
			      char **err)
{
	enum orr_rc rc = ORR_OK;
	if (g->n >= 5) {
		double *copy = xmalloc(g->n * sizeof *copy);
		memcpy(copy, g->v, g->n * sizeof *copy);
		double median = stat_median(copy, g->n);
		double mad = stat_mad(g->v, g->n, median);
		free(copy);
		for (size_t i = 0; i < g->n && rc == ORR_OK; i++)
			if (stat_outlier(g->v[i], median, mad, 5.0)) {
				rc = add_row(st, finding, g->id[i], g->has_src[i], g->src[i], err);
				(*failing)++;
			}
	}
	g->n = 0;
	return rc;
}

static bool same_group(const struct group *g, sqlite3_stmt *s)
{
	const char *name = (const char *)sqlite3_column_text(s, 0);
	return g->name && name && strcmp(g->name, name) == 0;
}

static enum orr_rc collect_outliers(struct store *st, const struct audit_check *c, int64_t finding,
				    long *failing, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, c->values_sql, c->name, err);
	if (!s)
		return ORR_SOFTWARE;
	/* the scan's rows are read first: inserting while stepping it would
	 * interleave writes with an open read of the same database */
	struct group all = { 0 };
	json_t *bounds = json_array();
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!same_group(&all, s)) {
			json_array_append_new(bounds, json_integer((json_int_t)all.n));
			free(all.name);
			all.name = xstrdup((const char *)sqlite3_column_text(s, 0));
		}
		group_add(&all, s);
	}
	sqlite3_reset(s);
	enum orr_rc result = rc == SQLITE_DONE ? ORR_OK : store_rc(rc);
	if (result != ORR_OK)
		*err = store_errmsg(st, c->name);
	json_array_append_new(bounds, json_integer((json_int_t)all.n));
	*failing = 0;
	for (size_t b = 1; b < json_array_size(bounds) && result == ORR_OK; b++) {
		size_t lo = (size_t)json_integer_value(json_array_get(bounds, b - 1));
		size_t hi = (size_t)json_integer_value(json_array_get(bounds, b));
		struct group g = { .v = all.v + lo, .id = all.id + lo, .src = all.src + lo,
				   .has_src = all.has_src + lo, .n = hi - lo };
		result = flag_group(st, finding, &g, failing, err);
	}
	json_decref(bounds);
	free(all.name);
	free(all.v);
	free(all.id);
	free(all.src);
	free(all.has_src);
	return result;
}

enum orr_rc audit_run_check(struct store *st, int64_t run_id, const struct audit_check *c,
			    int64_t now, int64_t stale_ms, long *failing, long *checked, char **err)
{
	int64_t finding = 0;
	*failing = *checked = 0;
	enum orr_rc rc = open_finding(st, run_id, c, &finding, err);
	if (rc == ORR_OK && c->values_sql)
		rc = collect_outliers(st, c, finding, failing, err);
	else if (rc == ORR_OK)
		rc = collect_rows(st, c, finding, now, stale_ms, failing, err);
	if (rc == ORR_OK)
		rc = count_per_source(st, run_id, c, finding, checked, err);
	if (rc == ORR_OK)
		rc = settle_finding(st, finding, *failing, *checked, err);
	return rc;
}

/* A check computed in C rather than by its SQL: the same rows as
 * audit_run_check leaves, from the caller's counts. */
enum orr_rc audit_record_computed(struct store *st, int64_t run_id, const struct audit_check *c,
				  const struct audit_row *rows, size_t nrows,
				  const struct audit_source_count *per, size_t nper, char **err)
{
	int64_t finding = 0;
	long checked = 0;
	enum orr_rc rc = open_finding(st, run_id, c, &finding, err);
	for (size_t i = 0; i < nrows && rc == ORR_OK; i++)
		rc = add_row(st, finding, rows[i].id, rows[i].source_id != 0, rows[i].source_id, err);
	for (size_t i = 0; i < nper && rc == ORR_OK; i++) {
		checked += per[i].checked;
		rc = record_checked(st, run_id, c->name, per[i].source_id, per[i].source_id != 0,
				    per[i].checked, per[i].failing, err);
	}
	if (rc == ORR_OK)
		rc = settle_finding(st, finding, (long)nrows, checked, err);
	return rc;
}

enum orr_rc audit_run_close(struct store *st, int64_t run_id, double score, const char *scores,
			    int64_t now, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"UPDATE audit_runs SET finished_at = ?2, score = ?3, scores = ?4 WHERE id = ?1",
		"cannot finish the audit run", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_double(s, 3, score);
	sqlite3_bind_text(s, 4, scores, -1, SQLITE_STATIC);
	return store_step_done(st, s, "cannot finish the audit run", err);
}

/* --- reading --------------------------------------------------------------- */

static int64_t scalar_id(struct store *st, const char *sql, int64_t arg)
{
	sqlite3_stmt *s = store_stmt(st, sql);
	if (!s)
		return 0;
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, arg);
	int64_t id = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return id;
}

int64_t audit_run_of_job(struct store *st, int64_t job_id)
{
	return scalar_id(st, "SELECT id FROM audit_runs WHERE job_id = ?1", job_id);
}

int64_t audit_run_covering_job(struct store *st, int64_t job_id)
{
	/* the time of the event that asked for the audit (the data was in by
	 * then), else when the job was queued */
	return scalar_id(st, "SELECT max(id) FROM audit_runs WHERE finished_at IS NOT NULL "
			     "AND started_at >= coalesce((SELECT CAST((julianday(e.time) - 2440587.5) "
			     "* 86400000.0 + 1 AS INTEGER) FROM jobs j JOIN events e ON e.id = j.event_id "
			     "WHERE j.id = ?1), (SELECT created_at FROM jobs WHERE id = ?1))", job_id);
}

int64_t audit_latest_run(struct store *st)
{
	return scalar_id(st, "SELECT max(id) FROM audit_runs WHERE finished_at IS NOT NULL", 0);
}

/* Run a query with one id parameter into a JSON array of row objects. */
static enum orr_rc rows_by_id(struct store *st, const char *sql, int64_t id, const char *what,
			      json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, sql, what, err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	return store_rows_json(st, s, what, out, err);
}

enum orr_rc audit_checked_list(struct store *st, int64_t run_id, json_t **out, char **err)
{
	return rows_by_id(st,
		"SELECT c.check_name, c.source_id, c.checked, c.failing FROM audit_checked c "
		"WHERE c.run_id = ?1 ORDER BY c.check_name, c.source_id",
		run_id, "cannot read the audit", out, err);
}

enum orr_rc audit_findings_list(struct store *st, int64_t run_id, json_t **out, char **err)
{
	return rows_by_id(st,
		"SELECT id, check_name, dimension, severity, table_name, failing, checked, "
		"round(100.0 * failing / max(checked, 1), 2) AS share_pct, message, examples "
		"FROM audit_findings WHERE run_id = ?1 ORDER BY CASE severity WHEN 'error' THEN 0 "
		"WHEN 'warning' THEN 1 ELSE 2 END, failing DESC, id",
		run_id, "cannot read the findings", out, err);
}

enum orr_rc audit_run_get(struct store *st, int64_t run_id, json_t **out, char **err)
{
	return store_row_by_id(st, "SELECT * FROM audit_runs WHERE id = ?1", run_id, "audit run",
			       out, err);
}

enum orr_rc audit_rows_list(struct store *st, int64_t finding_id, long limit, long offset,
			    json_t **out, char **err)
{
	if (!scalar_id(st, "SELECT id FROM audit_findings WHERE id = ?1", finding_id)) {
		*err = xasprintf("no finding %lld (see `orrery audit show`)", (long long)finding_id);
		return ORR_NOINPUT;
	}
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT row_id, source_id FROM audit_finding_rows WHERE finding_id = ?1 "
		"ORDER BY row_id LIMIT CASE WHEN ?2 > 0 THEN ?2 ELSE -1 END OFFSET ?3",
		"cannot read the failing rows", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, finding_id);
	sqlite3_bind_int64(s, 2, limit);
	sqlite3_bind_int64(s, 3, offset);
	return store_rows_json(st, s, "cannot read the failing rows", out, err);
}

enum orr_rc audit_history_list(struct store *st, long limit, json_t **out, char **err)
{
	return rows_by_id(st,
		"SELECT r.id, r.started_at, r.finished_at, r.score, r.scores, "
		"(SELECT count(*) FROM audit_findings f WHERE f.run_id = r.id) AS findings "
		"FROM audit_runs r WHERE r.finished_at IS NOT NULL ORDER BY r.id DESC "
		"LIMIT CASE WHEN ?1 > 0 THEN ?1 ELSE -1 END",
		limit, "cannot read the audit history", out, err);
}

/* --- profiles -------------------------------------------------------------- */

#define SCAN(table) { table, "SELECT * FROM " table, "SELECT * FROM " table " WHERE id = ?1" }

/* Constant SQL per table: the table names come from this list, never from
 * input. */
static const struct {
	const char *table, *sql, *one;
} scans[] = {
	SCAN("products"), SCAN("variants"), SCAN("inventory_levels"), SCAN("assets"),
	SCAN("categories"), SCAN("customers"), SCAN("suppliers"), SCAN("orders"),
	SCAN("order_lines"), SCAN("payments"), SCAN("reviews"), SCAN("interactions"),
	SCAN("calendar_days"), SCAN("unit_sales"),
};

#define NSCANS (sizeof scans / sizeof *scans)

enum orr_rc audit_record(struct store *st, const char *table, int64_t id, json_t **out,
			 char **err)
{
	if (strcmp(table, "sources") == 0)
		return store_row_by_id(st, "SELECT * FROM sources WHERE id = ?1", id, "source", out,
				       err);
	for (size_t i = 0; i < NSCANS; i++)
		if (strcmp(scans[i].table, table) == 0)
			return store_row_by_id(st, scans[i].one, id, "row", out, err);
	*err = xasprintf("%s: not a table the audit checks", table);
	return ORR_USAGE;
}

const char *const *audit_profiled_tables(size_t *n)
{
	static const char *names[NSCANS];
	for (size_t i = 0; i < NSCANS; i++)
		names[i] = scans[i].table;
	*n = NSCANS;
	return names;
}

/* One sqlite3_column_value, then the value's own accessors: one API call
 * a column instead of two or three, each with its error bookkeeping (a
 * tenth of a scan).  The value is unprotected, which is safe here: store.c
 * opens connections NOMUTEX, each used by one thread at a time. */
static void column_value(sqlite3_stmt *s, int i, struct prof_value *v)
{
	sqlite3_value *x = sqlite3_column_value(s, i);
	switch (sqlite3_value_type(x)) {
	case SQLITE_INTEGER:
		*v = (struct prof_value){ .type = PROF_INT, .i = sqlite3_value_int64(x) };
		break;
	case SQLITE_FLOAT:
		*v = (struct prof_value){ .type = PROF_REAL, .r = sqlite3_value_double(x) };
		break;
	case SQLITE_NULL:
		*v = (struct prof_value){ .type = PROF_NULL };
		break;
	default:
		v->type = PROF_TEXT;
		v->s = (const char *)sqlite3_value_text(x);
		v->len = (size_t)sqlite3_value_bytes(x);
	}
}

/* Every row of s to fn, then s reset; what names the rows in an error. */
static enum orr_rc scan_rows(struct store *st, sqlite3_stmt *s, const char *what, audit_row_fn fn,
			     void *ctx, char **err)
{
	int n = sqlite3_column_count(s);
	char **names = xcalloc((size_t)n, sizeof *names);
	struct prof_value *vals = xcalloc((size_t)n, sizeof *vals);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* copied after the first step: a step may reprepare the statement,
		 * which frees the names it had */
		for (int i = 0; i < n && !names[i]; i++)
			names[i] = xstrdup(sqlite3_column_name(s, i));
		for (int i = 0; i < n; i++)
			column_value(s, i, &vals[i]);
		fn(ctx, n, (const char *const *)names, vals);
	}
	sqlite3_reset(s);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(vals);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, what);
	return store_rc(rc);
}

enum orr_rc audit_scan(struct store *st, const char *table, audit_row_fn fn, void *ctx,
		       char **err)
{
	const char *sql = NULL;
	for (size_t i = 0; i < NSCANS && !sql; i++)
		if (strcmp(scans[i].table, table) == 0)
			sql = scans[i].sql;
	sqlite3_stmt *s = sql ? store_stmt_or_err(st, sql, table, err) : NULL;
	if (!s) {
		if (!sql)
			*err = xasprintf("no table \"%s\" to profile", table);
		return sql ? ORR_SOFTWARE : ORR_USAGE;
	}
	return scan_rows(st, s, table, fn, ctx, err);
}

enum orr_rc audit_scan_order(struct store *st, const struct prof_value *origin,
			     const struct prof_value *order_key, audit_row_fn fn, void *ctx,
			     char **err)
{
	/* the natural key's index, order key first */
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT * FROM order_lines WHERE order_key = ?1 AND origin = ?2",
		"cannot read an order's lines", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, order_key->s ? order_key->s : "", (int)order_key->len,
			  SQLITE_STATIC);
	sqlite3_bind_text(s, 2, origin->s ? origin->s : "", (int)origin->len, SQLITE_STATIC);
	return scan_rows(st, s, "order_lines", fn, ctx, err);
}

enum orr_rc audit_lookup(struct store *st, enum audit_lookup which, audit_row_fn fn, void *ctx,
			 char **err)
{
	/* the joins of the catalogue's checks (store_audit_checks.c), less
	 * the pass over order_lines */
	static const char *const sql[] = {
		[AUDIT_VARIANT_CATEGORIES] =
			"SELECT v.id, p.category FROM variants v JOIN products p ON p.id = v.product_id "
			"WHERE p.category IS NOT NULL AND trim(p.category) <> ''",
		[AUDIT_VARIANT_PRICES] =
			"SELECT id, source_id, price_minor FROM variants WHERE price_minor IS NOT NULL",
		[AUDIT_ORDER_PAYMENTS] =
			"SELECT o.id, o.source_id, p.paid FROM orders o "
			"JOIN (SELECT order_id, sum(amount_minor) AS paid FROM payments "
			"WHERE order_id IS NOT NULL GROUP BY order_id) p ON p.order_id = o.id",
	};
	sqlite3_stmt *s = store_stmt_or_err(st, sql[which], "cannot read for the audit", err);
	if (!s)
		return ORR_SOFTWARE;
	return scan_rows(st, s, "cannot read for the audit", fn, ctx, err);
}

enum orr_rc audit_return_orders(struct store *st, void (*fn)(void *ctx, int64_t id), void *ctx,
				char **err)
{
	/* the orders that "NOT coalesce(o.is_return, 0)" of the check calls
	 * returns, judged by SQLite itself */
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id FROM orders WHERE coalesce(is_return, 0)", "cannot read the orders", err);
	if (!s)
		return ORR_SOFTWARE;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, sqlite3_column_int64(s, 0));
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read the orders");
	return store_rc(rc);
}

enum orr_rc audit_profile_save(struct store *st, int64_t run_id, const char *table,
			       int64_t source_id, long rows, const char *profile, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO audit_profiles (run_id, table_name, source_id, rows, profile) "
		"VALUES (?1, ?2, ?3, ?4, ?5)", "cannot save a profile", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_text(s, 2, table, -1, SQLITE_STATIC);
	store_bind_id_or_null(s, 3, source_id);
	sqlite3_bind_int64(s, 4, rows);
	sqlite3_bind_text(s, 5, profile, -1, SQLITE_STATIC);
	return store_step_done(st, s, "cannot save a profile", err);
}

enum orr_rc audit_profile_list(struct store *st, int64_t run_id, const char *table,
			       int64_t source_id, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT table_name, source_id, rows, profile FROM audit_profiles WHERE run_id = ?1 "
		"AND (?2 IS NULL OR table_name = ?2) AND source_id IS ?3 ORDER BY id",
		"cannot read profiles", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, run_id);
	store_bind_text_or_null(s, 2, table);
	store_bind_id_or_null(s, 3, source_id);
	return store_rows_json(st, s, "cannot read profiles", out, err);
}

enum orr_rc audit_set_stale_after(struct store *st, int64_t source_id, int64_t stale_ms,
				  char **err)
{
	if (!scalar_id(st, "SELECT id FROM sources WHERE id = ?1", source_id)) {
		*err = xasprintf("no source %lld (see `orrery sources`)", (long long)source_id);
		return ORR_NOINPUT;
	}
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO audit_freshness (source_id, stale_ms) VALUES (?1, ?2) "
		"ON CONFLICT (source_id) DO UPDATE SET stale_ms = excluded.stale_ms",
		"cannot set the freshness threshold", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, source_id);
	sqlite3_bind_int64(s, 2, stale_ms);
	return store_step_done(st, s, "cannot set the freshness threshold", err);
}

/* --- user checks ----------------------------------------------------------- */

enum orr_rc audit_columns(struct store *st, const char *table, json_t **out, char **err)
{
	const char *sql = NULL;
	for (size_t i = 0; i < NSCANS && !sql; i++)
		if (strcmp(scans[i].table, table) == 0)
			sql = scans[i].sql;
	if (!sql) {
		*err = xasprintf("no table \"%s\" to audit", table);
		return ORR_USAGE;
	}
	sqlite3_stmt *s = store_stmt_or_err(st, sql, table, err);
	if (!s)
		return ORR_SOFTWARE;
	*out = json_array();
	for (int i = 0; i < sqlite3_column_count(s); i++)
		json_array_append_new(*out, json_string(sqlite3_column_name(s, i)));
	return ORR_OK;
}

enum orr_rc audit_user_checks_save(struct store *st, const char *file, const char *checks,
				   int64_t now, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO audit_user_checks (file, checks, accepted_at) VALUES (?1, ?2, ?3) "
		"ON CONFLICT (file) DO UPDATE SET checks = excluded.checks, "
		"accepted_at = excluded.accepted_at", "cannot accept the checks", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, file, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, checks, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	return store_step_done(st, s, "cannot accept the checks", err);
}

enum orr_rc audit_user_checks_list(struct store *st, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id, file, checks, accepted_at FROM audit_user_checks ORDER BY id",
		"cannot read the accepted checks", err);
	if (!s)
		return ORR_SOFTWARE;
	return store_rows_json(st, s, "cannot read the accepted checks", out, err);
}
