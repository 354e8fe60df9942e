/* Unit tests for the KPI module with an injected clock: fixture histories
 * (jobs, runner spans, breaker changes, orders, inventory, audits,
 * approvals, content events) written straight into a temporary database,
 * collected, and checked against values worked out by hand in the
 * comments.  Then baselines, comparisons and the Prometheus export. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kpi.h"
#include "kpi_catalog.h"
#include "store.h"
#include "testdb.h"
#include "store_internal.h"
#include "store_kpi.h"
#include "xalloc.h"

static char db[64];
static struct store *st;
static int64_t now_ms;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return now_ms;
}

static const struct clock fake = { fake_now, NULL };

/* 2026-01-01T10:00:00Z */
#define H0 1767261600000LL
#define HOUR KPI_HOUR_MS
#define MIN 60000LL

static void setup(void)
{
	st = testdb_open(db, sizeof db, "kpi");
}

static void teardown(void)
{
	testdb_close(st, db);
}

TestSuite(kpi, .init = setup, .fini = teardown);

/* --- helpers --------------------------------------------------------------- */

/* Fixture SQL: test constants only. */
static void sql(const char *fmt, ...) ORR_PRINTF(1, 2);
static void sql(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text;
	cr_assert(vasprintf(&text, fmt, ap) >= 0);
	va_end(ap);
	char *msg = NULL;
	int rc = sqlite3_exec(store_sqlite(st), text, NULL, NULL, &msg);
	cr_assert_eq(rc, SQLITE_OK, "%s: %s", text, msg ? msg : "");
	free(text);
}

static int collect_at(int64_t t)
{
	now_ms = t;
	int n = -1;
	char *err = NULL;
	cr_assert_eq(kpi_collect(st, &fake, &n, &err), ORR_OK, "%s", err);
	return n;
}

/* A sample's value and den; NAN when there is none. */
static double sample(const char *kpi, const char *sub, const char *kind, const char *period,
		     int64_t start, double *den)
{
	sqlite3_stmt *s;
	cr_assert_eq(sqlite3_prepare_v2(store_sqlite(st),
					"SELECT value, den FROM kpi_samples WHERE kpi = ?1 AND "
					"subsystem = ?2 AND kind = ?3 AND period = ?4 AND start_ms = ?5",
					-1, &s, NULL),
		     SQLITE_OK);
	sqlite3_bind_text(s, 1, kpi, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, sub, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, period, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, start);
	double v = NAN;
	if (sqlite3_step(s) == SQLITE_ROW) {
		v = sqlite3_column_double(s, 0);
		if (den)
			*den = sqlite3_column_double(s, 1);
	}
	sqlite3_finalize(s);
	return v;
}

static double hourly(const char *kpi, const char *sub, const char *kind, int64_t start)
{
	return sample(kpi, sub, kind, "hour", start, NULL);
}

static long count(const char *what)
{
	sqlite3_stmt *s;
	char *q = xasprintf("SELECT count(*) FROM %s", what);
	cr_assert_eq(sqlite3_prepare_v2(store_sqlite(st), q, -1, &s, NULL), SQLITE_OK, "%s", q);
	long n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_finalize(s);
	free(q);
	return n;
}

#define EXPECT_NEAR(got, want, what) \
	cr_expect(fabs((got) - (want)) < 1e-6, "%s: got %.10g, want %.10g", what, (double)(got), (double)(want))

/* A finished job and the outcome event that reports it. */
static void job(int id, const char *kind, int64_t created, int64_t started, int64_t finished,
		int attempts, bool ok, int approval)
{
	const char *sub = strncmp(kind, "manual", 6) == 0 ? "manual" : "system";
	sql("INSERT INTO jobs (id, kind, subsystem, state, run_after, attempts, max_attempts, "
	    "created_at, started_at, finished_at, approval_id) VALUES (%d, '%s', '%s', '%s', %lld, "
	    "%d, 5, %lld, %lld, %lld, %s)", id, kind, sub, ok ? "succeeded" : "dead",
	    (long long)created, attempts, (long long)created, (long long)started, (long long)finished,
	    approval ? "1" : "NULL");
	sql("INSERT INTO events (time, type, entity, entity_id, payload) VALUES "
	    "('2026-01-01T10:00:00.000Z', '%s', 'job', %d, '{\"job_id\": %d}')",
	    ok ? "job.succeeded" : "job.dead", id, id);
}

/* --- job KPIs -------------------------------------------------------------- */

/* Hour H0, kind system.canary (times in seconds after H0):
 *   job 1: created 0, started 1, finished 3, 1 attempt, succeeded
 *   job 2: created 0, started 2, finished 6, 2 attempts, succeeded, a task
 *   job 3: created 0, started 4, finished 10, 3 attempts, dead
 *   job 4: created 0, started 8, finished 16, 1 attempt, succeeded, approved
 * and job 5, manual.task, 1 attempt, succeeded.
 * Waits {1, 2, 4, 8}: p50 3, p95 4 + 0.85 * 4 = 7.4, p99 7.88, mean 3.75.
 * Runs {2, 4, 6, 8}: p50 5, p95 6 + 0.85 * 2 = 7.7, p99 7.94, mean 5.
 * Attempts 7, failed 0 + 1 + 3 + 0 = 4; retried 2 of 4; dead 1 of 4.
 * Automated: job 1 only (2 has a task, 3 is dead, 4 approved, 5 manual): 1/5. */
static void job_history(void)
{
	const int64_t S = 1000;
	job(1, "system.canary", H0, H0 + 1 * S, H0 + 3 * S, 1, true, 0);
	job(2, "system.canary", H0, H0 + 2 * S, H0 + 6 * S, 2, true, 0);
	job(3, "system.canary", H0, H0 + 4 * S, H0 + 10 * S, 3, false, 0);
	job(4, "system.canary", H0, H0 + 8 * S, H0 + 16 * S, 1, true, 1);
	job(5, "manual.task", H0, H0 + 1 * S, H0 + 2 * S, 1, true, 0);
	sql("INSERT INTO tasks (subsystem, title, job_id, created_at) VALUES ('system', 't', 2, %lld)",
	    (long long)H0);
	/* one runner, up the first half hour */
	sql("INSERT INTO runner_spans VALUES ('r1', %lld, %lld, 2)", (long long)H0,
	    (long long)(H0 + 30 * MIN));
}

Test(kpi, job_latency_percentiles_and_rates)
{
	job_history();
	collect_at(H0 + 2 * HOUR + 30 * MIN);
	const char *S = "system", *K = "system.canary";
	EXPECT_NEAR(hourly("job_queue_wait_p50", S, K, H0), 3, "wait p50");
	EXPECT_NEAR(hourly("job_queue_wait_p95", S, K, H0), 7.4, "wait p95");
	EXPECT_NEAR(hourly("job_queue_wait_p99", S, K, H0), 7.88, "wait p99");
	EXPECT_NEAR(hourly("job_queue_wait_mean", S, K, H0), 3.75, "wait mean");
	EXPECT_NEAR(hourly("job_run_time_p50", S, K, H0), 5, "run p50");
	EXPECT_NEAR(hourly("job_run_time_p95", S, K, H0), 7.7, "run p95");
	EXPECT_NEAR(hourly("job_run_time_p99", S, K, H0), 7.94, "run p99");
	EXPECT_NEAR(hourly("job_run_time_mean", S, K, H0), 5, "run mean");
	EXPECT_NEAR(hourly("job_error_rate", S, K, H0), 4.0 / 7, "error rate");
	EXPECT_NEAR(hourly("job_retry_rate", S, K, H0), 0.5, "retry rate");
	EXPECT_NEAR(hourly("job_dead_letter_rate", S, K, H0), 0.25, "dead-letter rate");
	EXPECT_NEAR(hourly("automation_coverage", "", "", H0), 0.2, "automation coverage");
	EXPECT_NEAR(hourly("job_error_rate", "manual", "manual.task", H0), 0, "manual errors");
	/* the day of one hour is that hour */
	EXPECT_NEAR(sample("job_error_rate", S, K, "day", H0 - 10 * HOUR, NULL), 4.0 / 7,
		    "error rate of the day");
	cr_expect(isnan(hourly("job_error_rate", S, K, H0 + HOUR)), "no jobs, no error rate");
}

/* Throughput: 3 succeeded in half an hour of runner: 6/h; then an hour with
 * no runner has no sample.  Availability of system: up 30 min of the hour,
 * minus its breaker open from minute 15 to 20: 25/60; the others 30/60;
 * hour 2 had no runner: 0; the current hour (30 min old) 0 too. */
Test(kpi, throughput_and_availability_from_spans_and_breakers)
{
	job_history();
	sql("INSERT INTO subsystem_state (name, breaker, changed_at) VALUES ('system', 'open', %lld)",
	    (long long)(H0 + 15 * MIN));
	sql("UPDATE subsystem_state SET breaker = 'closed', changed_at = %lld WHERE name = 'system'",
	    (long long)(H0 + 20 * MIN));
	cr_expect_eq(count("breaker_history WHERE subsystem = 'system'"), 2,
		     "the triggers kept both changes");
	collect_at(H0 + 2 * HOUR + 30 * MIN);
	EXPECT_NEAR(hourly("job_throughput", "system", "system.canary", H0), 6, "throughput");
	EXPECT_NEAR(hourly("job_throughput", "manual", "manual.task", H0), 2, "manual throughput");
	cr_expect(isnan(hourly("job_throughput", "system", "system.canary", H0 + HOUR)),
		  "no runner up: no throughput sample");
	EXPECT_NEAR(hourly("availability", "system", "", H0), 25.0 / 60, "system availability");
	EXPECT_NEAR(hourly("availability", "audit", "", H0), 0.5, "audit availability");
	EXPECT_NEAR(hourly("availability", "system", "", H0 + HOUR), 0, "no runner: down");
	double den = 0;
	EXPECT_NEAR(sample("availability", "audit", "", "hour", H0 + 2 * HOUR, &den), 0, "now");
	EXPECT_NEAR(den, 30 * MIN, "the current hour counts up to now");
	/* the day: 30 min up of 150 min since the first runner */
	EXPECT_NEAR(sample("availability", "audit", "", "day", H0 - 10 * HOUR, NULL), 30.0 / 150,
		    "availability of the day");
}

/* Collections read only what changed: a job finishing later lands in its
 * own hour, earlier hours stay, and a collection with nothing new rewrites
 * only the recent hours. */
Test(kpi, incremental_collection_keeps_history)
{
	job_history();
	int first = collect_at(H0 + 2 * HOUR + 30 * MIN);
	cr_expect_gt(first, 20, "the backfill wrote %d samples", first);
	job(6, "system.canary", H0 + 3 * HOUR, H0 + 3 * HOUR + 5000, H0 + 3 * HOUR + 9000, 2, true, 0);
	collect_at(H0 + 3 * HOUR + 10 * MIN);
	EXPECT_NEAR(hourly("job_error_rate", "system", "system.canary", H0 + 3 * HOUR), 0.5,
		    "the new hour: 1 failed of 2 attempts");
	EXPECT_NEAR(hourly("job_error_rate", "system", "system.canary", H0), 4.0 / 7,
		    "the old hour is kept");
	EXPECT_NEAR(hourly("job_queue_wait_p50", "system", "system.canary", H0 + 3 * HOUR), 5,
		    "its wait");
	/* the day: 5 failed of 9 attempts */
	EXPECT_NEAR(sample("job_error_rate", "system", "system.canary", "day", H0 - 10 * HOUR, NULL),
		    5.0 / 9, "the day rolled up again");
	int again = collect_at(H0 + 3 * HOUR + 11 * MIN);
	cr_expect_lt(again, first, "nothing new: %d samples rewritten, not %d", again, first);
}

/* A job whose outcome was committed after a collection, with a time a few
 * minutes before it (another process's clock, a long commit), is counted. */
Test(kpi, late_commits_within_the_slack_are_counted)
{
	job_history();
	collect_at(H0 + HOUR + 2 * MIN);
	job(7, "system.canary", H0 + 50 * MIN, H0 + 58 * MIN, H0 + 59 * MIN, 1, true, 0);
	collect_at(H0 + HOUR + 3 * MIN);
	double den = 0;
	sample("job_error_rate", "system", "system.canary", "hour", H0, &den);
	EXPECT_NEAR(den, 8, "7 attempts before, 1 more now");
}

/* --- orders ---------------------------------------------------------------- */

/* Hour 10 (2017-03-01): o1 purchased 10:05, dispatched 12:05 (2 h); o2 a
 * return; o3 dispatched 14:40 (4 h) and corrected (its lines changed); o4
 * updated in status only (still accurate).  Hour 11: o5 with a line of
 * negative quantity.  Accuracy: 2/4 at 10, 0/1 at 11, 2/5 for the day;
 * order to dispatch 2 h at 12, 4 h at 14, 3 h for the day. */
Test(kpi, order_accuracy_and_dispatch_time)
{
	sql("INSERT INTO orders (id, origin, key, is_return, purchased_at, dispatched_at) VALUES "
	    "(1, 'o', 'o1', 0, '2017-03-01T10:05:00Z', '2017-03-01T12:05:00Z'),"
	    "(2, 'o', 'o2', 1, '2017-03-01T10:30:00Z', NULL),"
	    "(3, 'o', 'o3', 0, '2017-03-01T10:40:00Z', '2017-03-01T14:40:00Z'),"
	    "(4, 'o', 'o4', 0, '2017-03-01T10:50:00Z', NULL),"
	    "(5, 'o', 'o5', 0, '2017-03-01T11:10:00Z', NULL)");
	sql("INSERT INTO order_lines (origin, order_key, line_no, order_id, quantity) VALUES "
	    "('o', 'o1', 1, 1, 2), ('o', 'o5', 1, 5, 1), ('o', 'o5', 2, 5, -1)");
	sql("INSERT INTO events (time, type, entity, entity_id, payload) VALUES "
	    "('2026-01-01T00:00:00.000Z', 'order.created', 'order', 1, '{}'),"
	    "('2026-01-01T00:00:00.000Z', 'order.updated', 'order', 3, "
	    "'{\"changed\": {\"lines\": true}}'),"
	    "('2026-01-01T00:00:00.000Z', 'order.updated', 'order', 4, "
	    "'{\"changed\": {\"status\": {\"from\": \"a\", \"to\": \"b\"}, "
	    "\"delivered_at\": {\"from\": null, \"to\": \"x\"}}}')");
	collect_at(H0);
	const int64_t P = 1488362400000LL; /* 2017-03-01T10:00:00Z */
	EXPECT_NEAR(hourly("order_accuracy", "", "", P), 0.5, "accuracy at 10");
	EXPECT_NEAR(hourly("order_accuracy", "", "", P + HOUR), 0, "accuracy at 11");
	EXPECT_NEAR(sample("order_accuracy", "", "", "day", P - 10 * HOUR, NULL), 0.4, "the day");
	EXPECT_NEAR(hourly("order_to_dispatch", "", "", P + 2 * HOUR), 2, "dispatch at 12");
	EXPECT_NEAR(hourly("order_to_dispatch", "", "", P + 4 * HOUR), 4, "dispatch at 14");
	EXPECT_NEAR(sample("order_to_dispatch", "", "", "day", P - 10 * HOUR, NULL), 3, "the day");
	/* a new order event: recomputed whole, and the new order counts */
	sql("INSERT INTO orders (id, origin, key, is_return, purchased_at) VALUES "
	    "(6, 'o', 'o6', 0, '2017-03-01T11:20:00Z')");
	sql("INSERT INTO events (time, type, entity, entity_id, payload) VALUES "
	    "('2026-01-01T00:00:00.000Z', 'order.created', 'order', 6, '{}')");
	collect_at(H0 + MIN);
	EXPECT_NEAR(hourly("order_accuracy", "", "", P + HOUR), 0.5, "accuracy at 11, now 1/2");
}

/* --- inventory ------------------------------------------------------------- */

/* Levels 1 (qty 5) and 2 (qty 0) at 0:10; level 2 to 3 at 1:10; level 1 to
 * 0 at 2:05; now 3:30.  End of hour: 0: 1 of 2 out, 5 on hand; 1: 0 out, 8;
 * 2: 1 out, 3; 3: 1 out, 3 (half an hour).  2 units of variant 1 sold at
 * 1:20: turnover at 1 = 2 / (8 / 8760) = 2190 a year.  The day: stockouts
 * 3/8; turnover 2 / ((5 + 8 + 3 + 1.5) / 8760) = 1001.142857. */
Test(kpi, stockouts_and_turnover_replayed_from_inventory_events)
{
	const int64_t I = H0 - 10 * HOUR; /* 2026-01-01T00:00:00Z */
	sql("INSERT INTO products (id, origin, key) VALUES (1, 'o', 'p')");
	sql("INSERT INTO variants (id, product_id, sku, position) VALUES (1, 1, 's1', 1), "
	    "(2, 1, 's2', 2)");
	sql("INSERT INTO inventory_levels (id, variant_id, location, quantity) VALUES "
	    "(1, 1, 'default', 0), (2, 2, 'default', 3)");
	sql("INSERT INTO events (time, type, entity, entity_id, payload) VALUES "
	    "('2026-01-01T00:10:00.000Z', 'inventory_level.created', 'inventory_level', 1, "
	    "'{\"quantity\": 5}'),"
	    "('2026-01-01T00:10:00.000Z', 'inventory_level.created', 'inventory_level', 2, "
	    "'{\"quantity\": 0}'),"
	    "('2026-01-01T01:10:00.000Z', 'inventory_level.updated', 'inventory_level', 2, "
	    "'{\"changed\": {\"quantity\": {\"from\": 0, \"to\": 3}}}'),"
	    "('2026-01-01T02:05:00.000Z', 'inventory_level.updated', 'inventory_level', 1, "
	    "'{\"changed\": {\"quantity\": {\"from\": 5, \"to\": 0}}}')");
	sql("INSERT INTO orders (id, origin, key, purchased_at) VALUES "
	    "(1, 'o', 'a', '2026-01-01T01:20:00Z')");
	sql("INSERT INTO order_lines (origin, order_key, line_no, order_id, variant_id, quantity) "
	    "VALUES ('o', 'a', 1, 1, 1, 2)");
	collect_at(I + 3 * HOUR + 30 * MIN);
	EXPECT_NEAR(hourly("stockout_rate", "", "", I), 0.5, "hour 0");
	EXPECT_NEAR(hourly("stockout_rate", "", "", I + HOUR), 0, "hour 1");
	EXPECT_NEAR(hourly("stockout_rate", "", "", I + 2 * HOUR), 0.5, "hour 2");
	EXPECT_NEAR(hourly("stockout_rate", "", "", I + 3 * HOUR), 0.5, "hour 3");
	EXPECT_NEAR(hourly("inventory_turnover", "", "", I + HOUR), 2190, "turnover at 1");
	EXPECT_NEAR(hourly("inventory_turnover", "", "", I), 0, "turnover at 0");
	EXPECT_NEAR(sample("stockout_rate", "", "", "day", I, NULL), 3.0 / 8, "stockouts, day");
	EXPECT_NEAR(sample("inventory_turnover", "", "", "day", I, NULL), 2 * 8760 / 17.5,
		    "turnover, day");
	/* an hour later with nothing new: the stock stands, sales are kept */
	collect_at(I + 4 * HOUR + 30 * MIN);
	EXPECT_NEAR(hourly("stockout_rate", "", "", I + 4 * HOUR), 0.5, "extended to hour 4");
	EXPECT_NEAR(hourly("inventory_turnover", "", "", I + HOUR), 2190, "hour 1 kept");
	double den = 0;
	sample("inventory_turnover", "", "", "hour", I + 3 * HOUR, &den);
	EXPECT_NEAR(den, 3.0 / 8760, "hour 3 is whole now: 3 units on hand for an hour");
}

/* --- audits, approvals, content -------------------------------------------- */

/* Audit scores 80 and 90 at 10:10 and 10:20: 85.  Approvals decided after
 * 30 min (at 10:30) and after 110 min (at 12:00); an expired one is left
 * out.  Product 7 created at 10:00, assets ready at 11:30 (1.5 h) and
 * 11:40 (1 h 40 min): 1.5833 h at 11.  A runner up from 10:00 to 12:00:
 * 2 assets in the runner's hour 11; hour 10 is before the first asset. */
Test(kpi, audit_scores_approval_turnaround_and_content)
{
	sql("INSERT INTO audit_runs (started_at, finished_at, score) VALUES (%lld, %lld, 80), "
	    "(%lld, %lld, 90)", (long long)H0, (long long)(H0 + 10 * MIN), (long long)H0,
	    (long long)(H0 + 20 * MIN));
	sql("INSERT INTO approvals (state, rule, facts, action, reason, created_at, decided_at) "
	    "VALUES ('approved', 'r', '{}', '{}', 'x', %lld, %lld), "
	    "('rejected', 'r', '{}', '{}', 'x', %lld, %lld), "
	    "('expired', 'r', '{}', '{}', 'x', %lld, NULL)",
	    (long long)H0, (long long)(H0 + 30 * MIN), (long long)(H0 + 10 * MIN),
	    (long long)(H0 + 2 * HOUR), (long long)H0);
	sql("INSERT INTO events (time, type, entity, entity_id, payload) VALUES "
	    "('2026-01-01T10:00:00.000Z', 'product.created', 'product', 7, '{}'),"
	    "('2026-01-01T11:30:00.000Z', 'asset.ready', 'product', 7, '{}'),"
	    "('2026-01-01T11:40:00.000Z', 'asset.ready', 'asset', 99, '{\"product_id\": 7}')");
	sql("INSERT INTO runner_spans VALUES ('r1', %lld, %lld, 1)", (long long)H0,
	    (long long)(H0 + 2 * HOUR));
	collect_at(H0 + 2 * HOUR + 30 * MIN);
	EXPECT_NEAR(hourly("data_quality_score", "", "", H0), 85, "data quality");
	EXPECT_NEAR(hourly("approval_turnaround", "", "", H0), 0.5, "turnaround at 10");
	EXPECT_NEAR(hourly("approval_turnaround", "", "", H0 + 2 * HOUR), 110.0 / 60,
		    "turnaround at 12");
	EXPECT_NEAR(hourly("product_to_asset", "", "", H0 + HOUR), (1.5 + 100.0 / 60) / 2,
		    "product to asset");
	EXPECT_NEAR(hourly("assets_per_hour", "", "", H0 + HOUR), 2, "assets per hour");
	cr_expect(isnan(hourly("assets_per_hour", "", "", H0)), "before the first asset");
}

Test(kpi, nothing_recorded_nothing_claimed)
{
	collect_at(H0);
	cr_expect_eq(count("kpi_samples"), 0, "an empty database has no samples");
	json_t *show = NULL;
	char *err = NULL;
	cr_assert_eq(kpi_show(st, &fake, &show, &err), ORR_OK, "%s", err);
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(show, "kpis"), i, k) {
		cr_expect(json_is_null(json_object_get(k, "current")), "%s has no value",
			  json_string_value(json_object_get(k, "name")));
	}
	cr_expect_eq(json_array_size(json_object_get(show, "kpis")), KPI_COUNT,
		     "every KPI is listed");
	json_decref(show);
}

/* --- baselines, comparisons, export ---------------------------------------- */

/* Hour samples written as if collected, with the collection state set so
 * that collecting again (as baseline save does) leaves them alone. */
static void fixture_sample(const char *kpi, const char *sub, const char *kind, int64_t start,
			   double num, double den)
{
	sql("INSERT INTO kpi_samples (kpi, period, start_ms, subsystem, kind, value, num, den, "
	    "computed_at) VALUES ('%s', 'hour', %lld, '%s', '%s', %.17g, %.17g, %.17g, 0)", kpi,
	    (long long)start, sub, kind, num / den, num, den);
	int n;
	char *err = NULL;
	cr_assert_eq(kpi_samples_roll_days(st, kpi, kpi_day_of(start), 0, &n, &err), ORR_OK, "%s",
		     err);
}

static void protect_fixture_samples(int64_t from)
{
	sql("INSERT OR REPLACE INTO kpi_state VALUES ('live_from', %lld), ('orders_sig', 0), "
	    "('inv_sig', 0), ('inv_orders_sig', 0)", (long long)from);
}

#define B0 (H0 - 60 * KPI_DAY_MS) /* the baseline's first hour */

/* 30 baseline hours and 24 current ones (the day before H0 + 1 h):
 *   error rate 10% then 2% (down is better): better, change -8 points;
 *   automation 50% then 90% (up is better): better;
 *   dead letters 1% then 20%: worse;
 *   data quality 80/90 alternating on both sides: no significant change;
 *   order accuracy with 3 current samples: insufficient data. */
static void comparison_fixture(void)
{
	for (int i = 0; i < 30; i++) {
		int64_t h = B0 + i * HOUR;
		fixture_sample("job_error_rate", "system", "system.canary", h, 10 + i % 3 - 1, 100);
		fixture_sample("automation_coverage", "", "", h, 50, 100);
		fixture_sample("job_dead_letter_rate", "system", "system.canary", h, 1, 100);
		fixture_sample("data_quality_score", "", "", h, i % 2 ? 80 : 90, 1);
		fixture_sample("order_accuracy", "", "", h, 9, 10);
	}
	for (int i = 0; i < 24; i++) {
		int64_t h = H0 - 23 * HOUR + i * HOUR;
		fixture_sample("job_error_rate", "system", "system.canary", h, 2 + i % 3 - 1, 100);
		fixture_sample("automation_coverage", "", "", h, 90, 100);
		fixture_sample("job_dead_letter_rate", "system", "system.canary", h, 20, 100);
		fixture_sample("data_quality_score", "", "", h, i % 2 ? 90 : 80, 1);
		if (i < 3)
			fixture_sample("order_accuracy", "", "", h, 9, 10);
	}
	protect_fixture_samples(H0 + HOUR);
}

static json_t *entry(json_t *cmp, const char *name)
{
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(cmp, "kpis"), i, k) {
		if (strcmp(json_string_value(json_object_get(k, "name")), name) == 0)
			return k;
	}
	cr_assert_fail("no %s in the comparison", name);
	return NULL;
}

static const char *verdict_of(json_t *cmp, const char *name)
{
	return json_string_value(json_object_get(entry(cmp, name), "verdict"));
}

static double number_of(json_t *cmp, const char *name, const char *field)
{
	json_t *v = json_object_get(entry(cmp, name), field);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static json_t *compare(const char *name)
{
	json_t *cmp = NULL;
	char *err = NULL;
	now_ms = H0 + HOUR - 1;
	cr_assert_eq(kpi_compare(st, name, KPI_DAY_MS, &fake, &cmp, &err), ORR_OK, "%s", err);
	return cmp;
}

Test(kpi, compare_gives_verdicts_with_intervals)
{
	comparison_fixture();
	char *err = NULL;
	now_ms = H0 + HOUR - 1;
	cr_assert_eq(kpi_baseline_save(st, "before", B0, B0 + 30 * HOUR, &fake, &err), ORR_OK,
		     "%s", err);
	json_t *cmp = compare("before");
	cr_expect_str_eq(json_string_value(json_object_get(cmp, "baseline")), "before");
	cr_expect_str_eq(verdict_of(cmp, "job_error_rate"), "better");
	EXPECT_NEAR(number_of(cmp, "job_error_rate", "baseline"), 0.10, "baseline error rate");
	EXPECT_NEAR(number_of(cmp, "job_error_rate", "current"), 0.02, "current error rate");
	EXPECT_NEAR(number_of(cmp, "job_error_rate", "change"), -0.08, "change");
	EXPECT_NEAR(number_of(cmp, "job_error_rate", "change_pct"), -80, "change %");
	double lo = number_of(cmp, "job_error_rate", "ci_low");
	double hi = number_of(cmp, "job_error_rate", "ci_high");
	cr_expect(lo < -0.08 + 1e-9 && hi > -0.08 - 1e-9 && hi < 0, "CI [%g, %g]", lo, hi);
	cr_expect_str_eq(verdict_of(cmp, "automation_coverage"), "better");
	cr_expect_str_eq(verdict_of(cmp, "job_dead_letter_rate"), "worse");
	cr_expect_str_eq(verdict_of(cmp, "data_quality_score"), "no significant change");
	cr_expect(number_of(cmp, "data_quality_score", "ci_low") < 0 &&
		  number_of(cmp, "data_quality_score", "ci_high") > 0);
	cr_expect_str_eq(verdict_of(cmp, "order_accuracy"), "insufficient data");
	cr_expect(isnan(number_of(cmp, "order_accuracy", "ci_low")), "no interval is claimed");
	EXPECT_NEAR(number_of(cmp, "order_accuracy", "current_samples"), 3, "3 samples");
	cr_expect_str_eq(verdict_of(cmp, "stockout_rate"), "insufficient data");
	cr_expect_eq(json_array_size(json_object_get(entry(cmp, "job_error_rate"), "spark")), 24);
	/* seeded: the same comparison again gives the same interval */
	json_t *again = compare(NULL);
	cr_expect_eq(number_of(again, "job_error_rate", "ci_low"), lo, "reproducible");
	json_decref(again);
	json_decref(cmp);
}

Test(kpi, baselines_are_frozen_listed_and_deleted)
{
	comparison_fixture();
	char *err = NULL;
	now_ms = H0 + HOUR - 1;
	cr_assert_eq(kpi_baseline_save(st, "all", 0, 0, &fake, &err), ORR_OK, "%s", err);
	cr_assert_eq(kpi_baseline_save(st, "before", B0, B0 + 30 * HOUR, &fake, &err), ORR_OK);
	cr_expect_eq(kpi_baseline_save(st, "before", B0, B0 + HOUR, &fake, &err), ORR_DATAERR);
	free(err);
	err = NULL;
	cr_expect_eq(kpi_baseline_save(st, "bad name", B0, B0 + HOUR, &fake, &err), ORR_USAGE);
	free(err);
	err = NULL;
	cr_expect_eq(kpi_baseline_save(st, "empty", B0 - 10 * HOUR, B0, &fake, &err), ORR_DATAERR,
		     "a period without samples");
	free(err);
	err = NULL;
	cr_expect_eq(count("kpi_baselines"), 2, "the refused saves left nothing");
	json_t *list = NULL;
	cr_assert_eq(kpi_baseline_list(st, &list, &err), ORR_OK);
	cr_assert_eq(json_array_size(list), 2);
	json_t *b = json_array_get(list, 0); /* newest first */
	cr_expect_str_eq(json_string_value(json_object_get(b, "name")), "before");
	cr_expect_eq(json_integer_value(json_object_get(b, "from")), B0);
	cr_expect_eq(json_integer_value(json_object_get(b, "to")), B0 + 30 * HOUR);
	cr_expect_eq(json_integer_value(json_object_get(b, "kpis")), 5, "five series");
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(list, 1), "from")), B0,
		     "all of history starts at the first sample");
	json_decref(list);
	/* frozen: samples recomputed later do not move a baseline */
	sql("UPDATE kpi_samples SET num = 0, value = 0 WHERE kpi = 'job_error_rate'");
	json_t *cmp = compare("before");
	EXPECT_NEAR(number_of(cmp, "job_error_rate", "baseline"), 0.10, "kept");
	json_decref(cmp);
	cr_expect_eq(kpi_baseline_delete(st, "before", &err), ORR_OK);
	cr_expect_eq(kpi_baseline_delete(st, "before", &err), ORR_NOINPUT);
	free(err);
	err = NULL;
	cr_expect_eq(count("kpi_baseline_samples WHERE baseline_id NOT IN (SELECT id FROM "
			   "kpi_baselines)"), 0, "its samples went with it");
	json_t *none = NULL;
	cr_expect_eq(kpi_compare(st, "before", KPI_DAY_MS, &fake, &none, &err), ORR_NOINPUT);
	free(err);
}

Test(kpi, compare_without_a_baseline_claims_nothing)
{
	comparison_fixture();
	json_t *cmp = compare(NULL);
	cr_expect(json_is_null(json_object_get(cmp, "baseline")));
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(cmp, "kpis"), i, k) {
		cr_expect_str_eq(json_string_value(json_object_get(k, "verdict")),
				 "insufficient data");
	}
	EXPECT_NEAR(number_of(cmp, "job_error_rate", "current"), 0.02, "the current value stands");
	json_decref(cmp);
}

/* The exposition text of a small fixture, line by line: the error rate of
 * the last 24 hours is 2%; the queue-wait summary of one hour. */
Test(kpi, prometheus_text)
{
	fixture_sample("job_error_rate", "system", "system.canary", H0, 2, 100);
	fixture_sample("job_queue_wait_p50", "system", "system.canary", H0, 3 * 4, 4);
	fixture_sample("job_queue_wait_p95", "system", "system.canary", H0, 7.4 * 4, 4);
	fixture_sample("job_queue_wait_p99", "system", "system.canary", H0, 7.88 * 4, 4);
	fixture_sample("job_queue_wait_mean", "system", "system.canary", H0, 15, 4);
	fixture_sample("order_to_dispatch", "", "", H0, 6, 2);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char *err = NULL;
	now_ms = H0 + 30 * MIN;
	cr_assert_eq(kpi_export_prometheus(st, &fake, f, &err), ORR_OK, "%s", err);
	fclose(f);
	static const char *const want[] = {
		"# TYPE orrery_job_queue_wait_seconds summary\n",
		"orrery_job_queue_wait_seconds{subsystem=\"system\",kind=\"system.canary\","
		"quantile=\"0.95\"} 7.4\n",
		"orrery_job_queue_wait_seconds_sum{subsystem=\"system\",kind=\"system.canary\"} 15\n",
		"orrery_job_queue_wait_seconds_count{subsystem=\"system\",kind=\"system.canary\"} 4\n",
		"# HELP orrery_job_error_ratio Share of job attempts that failed. Over the last 24 "
		"hours.\n# TYPE orrery_job_error_ratio gauge\n"
		"orrery_job_error_ratio{subsystem=\"system\",kind=\"system.canary\"} 0.02\n",
		"# TYPE orrery_order_to_dispatch_seconds gauge\norrery_order_to_dispatch_seconds "
		"10800\n",
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		cr_expect(strstr(text, want[i]), "missing:\n%s\nin:\n%s", want[i], text);
	cr_expect_null(strstr(text, "stockout"), "no value, no series");
	free(text);
}

Test(kpi, metrics_file_is_replaced_whole)
{
	fixture_sample("job_error_rate", "system", "system.canary", H0, 2, 100);
	char dir[80], path[100];
	snprintf(dir, sizeof dir, "/tmp/orrery-kpi-metrics-%ld", (long)getpid());
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof path, "%s/orrery.prom", dir);
	char *err = NULL;
	now_ms = H0 + 30 * MIN;
	cr_assert_eq(kpi_write_metrics_file(st, &fake, path, &err), ORR_OK, "%s", err);
	cr_assert_eq(kpi_write_metrics_file(st, &fake, path, &err), ORR_OK, "%s", err);
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0);
	cr_expect_eq(sb.st_mode & 0777, 0644, "readable by the exporter");
	char *ls = xasprintf("ls -A %s | wc -l | grep -qx 1", dir);
	cr_expect_eq(system(ls), 0, "no temporary file is left behind");
	free(ls);
	char *missing = xasprintf("%s/no/such/dir/m.prom", dir);
	cr_expect_eq(kpi_write_metrics_file(st, &fake, missing, &err), ORR_IOERR);
	cr_expect(err && strstr(err, missing), "the message names the path: %s", err);
	free(err);
	free(missing);
	unlink(path);
	rmdir(dir);
}
