/* kpi_catalog.c - the KPI catalogue.  Each hour gets a sample num/den; a
 * day or any longer period is sum(num)/sum(den) of its hours.  The
 * computations are in kpi_collect.c and store_kpi_facts.c. */
#include "kpi_catalog.h"

#include <string.h>

#define WAIT_HOW                                                                          \
	"started_at - created_at of the jobs of the kind that finished (succeeded or dead, " \
	"as their job.succeeded or job.dead event reports) in the hour: the wait until "    \
	"the attempt that settled the job began, so backoff before retries counts"
#define RUN_HOW                                                                            \
	"finished_at - started_at of the settling attempt of the jobs of the kind that "    \
	"finished (succeeded or dead) in the hour"
#define PCT_HOW                                                                            \
	"; the percentile interpolates linearly between closest ranks, and a longer "       \
	"period weights each hour's value by its jobs"

#define WAIT_HELP "Time finished jobs waited in the queue until their settling attempt, in seconds."
#define RUN_HELP "Run time of the settling attempt of finished jobs, in seconds."

#define QUANTILE(i, nm, lbl, what, how, family, q)                                          \
	[i] = { .id = i, .name = nm, .label = lbl, .unit = "s", .labels = KPI_BY_KIND,      \
		.technical = true, .description = what, .computation = how PCT_HOW,         \
		.prom_name = family, .prom = PROM_QUANTILE, .quantile = q,                    \
		.prom_help = i < KPI_RUN_TIME_P50 ? WAIT_HELP : RUN_HELP, .prom_scale = 1 }
#define MEAN(i, nm, lbl, what, how, family)                                                  \
	[i] = { .id = i, .name = nm, .label = lbl, .unit = "s", .labels = KPI_BY_KIND,      \
		.technical = true, .description = what, .computation = how "; the mean",    \
		.prom_name = family, .prom = PROM_SUM_COUNT,                                  \
		.prom_help = i < KPI_RUN_TIME_P50 ? WAIT_HELP : RUN_HELP, .prom_scale = 1 }

static const struct kpi_def catalog[KPI_COUNT] = {
	QUANTILE(KPI_QUEUE_WAIT_P50, "job_queue_wait_p50", "queue wait p50",
		 "Median time a job waited in the queue before its settling attempt.", WAIT_HOW,
		 "orrery_job_queue_wait_seconds", "0.5"),
	QUANTILE(KPI_QUEUE_WAIT_P95, "job_queue_wait_p95", "queue wait p95",
		 "95th percentile of the time jobs waited in the queue.", WAIT_HOW,
		 "orrery_job_queue_wait_seconds", "0.95"),
	QUANTILE(KPI_QUEUE_WAIT_P99, "job_queue_wait_p99", "queue wait p99",
		 "99th percentile of the time jobs waited in the queue.", WAIT_HOW,
		 "orrery_job_queue_wait_seconds", "0.99"),
	MEAN(KPI_QUEUE_WAIT_MEAN, "job_queue_wait_mean", "queue wait mean",
	     "Mean time jobs waited in the queue.", WAIT_HOW, "orrery_job_queue_wait_seconds"),
	QUANTILE(KPI_RUN_TIME_P50, "job_run_time_p50", "run time p50",
		 "Median time a job's settling attempt ran.", RUN_HOW, "orrery_job_run_seconds",
		 "0.5"),
	QUANTILE(KPI_RUN_TIME_P95, "job_run_time_p95", "run time p95",
		 "95th percentile of the time jobs ran.", RUN_HOW, "orrery_job_run_seconds",
		 "0.95"),
	QUANTILE(KPI_RUN_TIME_P99, "job_run_time_p99", "run time p99",
		 "99th percentile of the time jobs ran.", RUN_HOW, "orrery_job_run_seconds",
		 "0.99"),
	MEAN(KPI_RUN_TIME_MEAN, "job_run_time_mean", "run time mean",
	     "Mean time jobs ran.", RUN_HOW, "orrery_job_run_seconds"),
	[KPI_ERROR_RATE] = {
		.id = KPI_ERROR_RATE, .name = "job_error_rate", .label = "error rate",
		.unit = "ratio", .labels = KPI_BY_KIND, .technical = true,
		.description = "Share of job attempts that failed.",
		.computation = "failed attempts / attempts of the jobs of the kind that finished "
			       "in the hour: a succeeded job with n attempts failed n - 1 times, "
			       "a dead one n times",
		.prom_name = "orrery_job_error_ratio", .prom_scale = 1 },
	[KPI_RETRY_RATE] = {
		.id = KPI_RETRY_RATE, .name = "job_retry_rate", .label = "retry rate",
		.unit = "ratio", .labels = KPI_BY_KIND, .technical = true,
		.description = "Share of finished jobs that needed more than one attempt.",
		.computation = "jobs of the kind finished in the hour with attempts > 1 / jobs "
			       "of the kind finished in the hour",
		.prom_name = "orrery_job_retry_ratio", .prom_scale = 1 },
	[KPI_DEAD_LETTER_RATE] = {
		.id = KPI_DEAD_LETTER_RATE, .name = "job_dead_letter_rate",
		.label = "dead-letter rate", .unit = "ratio", .labels = KPI_BY_KIND,
		.technical = true,
		.description = "Share of finished jobs that ended dead (retries exhausted or "
			       "a permanent failure).",
		.computation = "jobs of the kind that went dead in the hour / jobs of the kind "
			       "finished (succeeded or dead) in the hour",
		.prom_name = "orrery_job_dead_letter_ratio", .prom_scale = 1 },
	[KPI_THROUGHPUT] = {
		.id = KPI_THROUGHPUT, .name = "job_throughput", .label = "throughput",
		.unit = "jobs/h", .up_is_better = true, .labels = KPI_BY_KIND, .technical = true,
		.description = "Jobs succeeded per hour that a runner was up.",
		.computation = "jobs of the kind that succeeded in the hour / hours of it during "
			       "which an `orrery run` was up (runner_spans); an hour with no "
			       "runner up has no sample, an hour with one up and no job is 0",
		.prom_name = "orrery_job_throughput_per_second", .prom_scale = 1.0 / 3600 },
	[KPI_AVAILABILITY] = {
		.id = KPI_AVAILABILITY, .name = "availability", .label = "availability",
		.unit = "ratio", .up_is_better = true, .labels = KPI_BY_SUBSYSTEM,
		.technical = true,
		.description = "Share of time the subsystem could run jobs: live workers and a "
			       "closed breaker.",
		.computation = "ms of the hour in which an `orrery run` was up (runner_spans: "
			       "from its start to its last sign of life, written each collection "
			       "and at exit) and the subsystem's breaker was closed "
			       "(breaker_history) / ms of the hour since the first runner started "
			       "(up to now in the current hour); pausing a subsystem does not "
			       "count against it",
		.prom_name = "orrery_availability_ratio", .prom_scale = 1 },
	[KPI_AUTOMATION] = {
		.id = KPI_AUTOMATION, .name = "automation_coverage",
		.label = "automation coverage", .unit = "ratio", .up_is_better = true,
		.technical = true,
		.description = "Share of completed actions that needed no person: no manual "
			       "task and no manual decision.",
		.computation = "jobs finished in the hour that succeeded, had no approval behind "
			       "them (approval_id), opened no task (tasks.job_id) and are not of "
			       "the manual subsystem / jobs finished (succeeded or dead) in the "
			       "hour",
		.prom_name = "orrery_automation_coverage_ratio", .prom_scale = 1 },
	[KPI_ORDER_ACCURACY] = {
		.id = KPI_ORDER_ACCURACY, .name = "order_accuracy", .label = "order accuracy",
		.unit = "ratio", .up_is_better = true,
		.description = "Share of orders processed with no correction and no return.",
		.computation = "orders purchased in the hour that are not returns (is_return, a "
			       "line of negative quantity, or status returned or refunded) and "
			       "were never corrected (no order.updated event changing more than "
			       "the status and the approved, dispatched, delivered and estimated "
			       "times) / orders purchased in the hour",
		.prom_name = "orrery_order_accuracy_ratio", .prom_scale = 1 },
	[KPI_ORDER_TO_DISPATCH] = {
		.id = KPI_ORDER_TO_DISPATCH, .name = "order_to_dispatch", .label = "order to dispatch",
		.unit = "h",
		.description = "Mean time from purchase to dispatch.",
		.computation = "dispatched_at - purchased_at, in hours, of the orders dispatched "
			       "in the hour (both known, dispatch not before purchase); the mean",
		.prom_name = "orrery_order_to_dispatch_seconds", .prom_scale = 3600 },
	[KPI_INVENTORY_TURNOVER] = {
		.id = KPI_INVENTORY_TURNOVER, .name = "inventory_turnover",
		.label = "inventory turnover", .unit = "/yr", .up_is_better = true,
		.description = "Units sold per year for each unit on hand.",
		.computation = "units of the non-return order lines purchased in the hour whose "
			       "variant has an inventory level / units on hand at the end of the "
			       "hour (positive quantities, replayed from inventory_level events), "
			       "per year (x 8760 for a full hour); from the first inventory event "
			       "on, and only while something is on hand",
		.prom_name = "orrery_inventory_turnover_per_year", .prom_scale = 1 },
	[KPI_STOCKOUT_RATE] = {
		.id = KPI_STOCKOUT_RATE, .name = "stockout_rate", .label = "stockout rate",
		.unit = "ratio",
		.description = "Share of stocked items (variant at a location) at zero or below.",
		.computation = "inventory levels at quantity <= 0 / inventory levels, at the end "
			       "of the hour, replayed from inventory_level.created and .updated "
			       "events; from the first such event on",
		.prom_name = "orrery_stockout_ratio", .prom_scale = 1 },
	[KPI_ASSETS_PER_HOUR] = {
		.id = KPI_ASSETS_PER_HOUR, .name = "assets_per_hour", .label = "assets produced",
		.unit = "assets/h", .up_is_better = true,
		.description = "Content production: assets produced per hour that a runner was "
			       "up.",
		.computation = "asset.ready events in the hour / hours of it during which an "
			       "`orrery run` was up; from the first asset.ready event on",
		.prom_name = "orrery_assets_produced_per_second", .prom_scale = 1.0 / 3600 },
	[KPI_PRODUCT_TO_ASSET] = {
		.id = KPI_PRODUCT_TO_ASSET, .name = "product_to_asset", .label = "product to asset",
		.unit = "h",
		.description = "Content production: time from a product's creation to an asset "
			       "of it being ready.",
		.computation = "time of each asset.ready event in the hour minus the first "
			       "product.created event of its product (the event's entity_id when "
			       "its entity is product, else payload.product_id), in hours; the "
			       "mean",
		.prom_name = "orrery_product_to_asset_seconds", .prom_scale = 3600 },
	[KPI_DATA_QUALITY] = {
		.id = KPI_DATA_QUALITY, .name = "data_quality_score", .label = "data quality",
		.unit = "score", .up_is_better = true,
		.description = "Overall score of the data audit, 0 to 100.",
		.computation = "audit_runs.score of the audit runs finished in the hour (the mean "
			       "of the dimension scores, see Data audit); the mean",
		.prom_name = "orrery_data_quality_score", .prom_scale = 1 },
	[KPI_APPROVAL_TURNAROUND] = {
		.id = KPI_APPROVAL_TURNAROUND, .name = "approval_turnaround",
		.label = "approval turnaround", .unit = "h",
		.description = "Time from an approval request to a person's decision.",
		.computation = "decided_at - created_at, in hours, of the approvals approved or "
			       "rejected in the hour (expired ones had no decision); the mean",
		.prom_name = "orrery_approval_turnaround_seconds", .prom_scale = 3600 },
};

const struct kpi_def *kpi_catalog(size_t *n)
{
	*n = KPI_COUNT;
	return catalog;
}

const struct kpi_def *kpi_find(const char *name)
{
	for (size_t i = 0; i < KPI_COUNT; i++)
		if (strcmp(catalog[i].name, name) == 0)
			return &catalog[i];
	return NULL;
}
