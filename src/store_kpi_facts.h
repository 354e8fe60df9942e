/* store_kpi_facts.h - the recorded facts KPIs are computed from: job
 * outcomes, orders, inventory, audits, approvals and content events.
 * Every query is constant SQL with bound parameters. */
#ifndef ORR_STORE_KPI_FACTS_H
#define ORR_STORE_KPI_FACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "kpi_catalog.h"
#include "rc.h"

struct store;

/* One finished job (succeeded or dead). */
struct kpi_job_fact {
	const char *subsystem, *kind;
	int64_t finished_at;
	double wait_s, run_s;  /* queue wait and run time of the settling attempt */
	int attempts;
	bool succeeded;
	bool automated;        /* succeeded with no approval, no task, not manual */
	int64_t event_id;      /* the outcome event that reported it */
	int64_t job_id;
};
typedef void (*kpi_job_fn)(void *ctx, const struct kpi_job_fact *f);
/* The jobs reported by a job.succeeded or job.dead event with id >=
 * from_event that finished at or after from_ms, ordered by subsystem, kind,
 * finish time and id: once per event, so a job an operator retried comes
 * once per outcome, in a row.  Cost: the outcome events since the cursor,
 * through the event log's type index. */
enum orr_rc kpi_facts_jobs(struct store *st, int64_t from_event, int64_t from_ms, kpi_job_fn fn,
			   void *ctx, char **err);

/* Per hour and labels: rows (subsystem, kind, hour, num, den) of the
 * summing KPIs (order accuracy, order to dispatch, product to asset, data
 * quality, approval turnaround; and for assets per hour the count of
 * asset.ready events as num) over facts in [from_ms, to_ms). */
typedef void (*kpi_sum_fn)(void *ctx, const char *subsystem, const char *kind, int64_t hour,
			   double num, double den);
bool kpi_facts_summable(enum kpi_id id);
enum orr_rc kpi_facts_sums(struct store *st, enum kpi_id id, int64_t from_ms, int64_t to_ms,
			   kpi_sum_fn fn, void *ctx, char **err);

/* inventory_level.created and .updated events in log order: the level and
 * its new quantity (has_qty false when the event did not change it). */
typedef void (*kpi_inventory_fn)(void *ctx, int64_t at, int64_t level_id, bool has_qty,
				 int64_t qty);
enum orr_rc kpi_facts_inventory(struct store *st, kpi_inventory_fn fn, void *ctx, char **err);
/* Units sold per hour (purchase time) of non-return order lines whose
 * variant has an inventory level, from from_ms on, ordered by hour. */
typedef void (*kpi_units_fn)(void *ctx, int64_t hour, double units);
enum orr_rc kpi_facts_units_sold(struct store *st, int64_t from_ms, kpi_units_fn fn, void *ctx,
				 char **err);

/* Cheap signatures of what changed: the newest event id of either type
 * (0: none), and the newest event id of all. */
enum orr_rc kpi_facts_newest_event(struct store *st, const char *type_a, const char *type_b,
				   int64_t *id, char **err);
/* The time of the first event of a type (0: none). */
enum orr_rc kpi_facts_first_event(struct store *st, const char *type, int64_t *at, char **err);

#endif
