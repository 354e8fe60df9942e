/* kpi.h - KPIs computed from recorded facts: collection into hourly and
 * daily samples, baselines, comparisons with a bootstrap confidence
 * interval, current values with sparklines, and the Prometheus export.
 * The CLI (`orrery kpi`), the runner and the console call these.
 *
 * The catalogue of KPIs is kpi_catalog.h.  Reading functions (compare,
 * show, export) read the samples as collected: call kpi_collect first for
 * fresh ones (the CLI does; the runner collects on a timer). */
#ifndef ORR_KPI_H
#define ORR_KPI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "kpi_stats.h"
#include "rc.h"

struct store;

/* The current value of show and export: the samples of the last 24 hours. */
#define KPI_CURRENT_WINDOW_MS (24 * KPI_HOUR_MS)
/* The default current window of a comparison. */
#define KPI_COMPARE_WINDOW_MS (7 * KPI_DAY_MS)
/* Fewer hourly samples than this on either side: "insufficient data". */
#define KPI_MIN_SAMPLES 5
#define KPI_BOOTSTRAP_REPS 2000
/* A side with more hourly samples is resampled in this many blocks of
 * consecutive hours: a year-long baseline costs what 6 weeks do. */
#define KPI_BOOTSTRAP_BLOCKS 1000
/* Values in a sparkline. */
#define KPI_SPARK_MAX 24

/* Compute the samples of every KPI from the facts recorded since the last
 * collection (everything, the first time: a backfill), in one write
 * transaction.  *samples_written counts the hour and day samples written. */
enum orr_rc kpi_collect(struct store *st, const struct clock *clock, int *samples_written,
			char **err);

/* A baseline NAME (letters, digits, '.', '_', '-'; 1-64 of them) of the
 * hourly samples in [from_ms, to_ms); 0, 0: all of history up to the end of
 * the current hour.  Collects first, and saves in the same transaction.
 * A bad name or range is ORR_USAGE, a taken name or a period without
 * samples ORR_DATAERR. */
enum orr_rc kpi_baseline_save(struct store *st, const char *name, int64_t from_ms, int64_t to_ms,
			      const struct clock *clock, char **err);
bool kpi_baseline_name_valid(const char *name);
/* [{name, from, to, created_at, kpis}] newest first; kpis counts the KPI
 * series (a KPI with its labels) the baseline holds. */
enum orr_rc kpi_baseline_list(struct store *st, json_t **out, char **err);
/* ORR_NOINPUT when there is no such baseline. */
enum orr_rc kpi_baseline_delete(struct store *st, const char *name, char **err);

/* Each KPI series over the current window [now - window_ms, now) against a
 * baseline (NULL: the newest; with none saved, "baseline" is null and every
 * verdict "insufficient data"; a name not saved is ORR_NOINPUT):
 * {"baseline": name|null, "from": ms|null, "to": ms|null, "window_ms", "at",
 *  "kpis": [{"name", "label", "unit", "better" ("up"|"down"), "subsystem"?,
 *  "kind"?, "baseline", "current", "change", "change_pct", "ci_low",
 *  "ci_high" (numbers or null), "baseline_samples", "current_samples",
 *  "verdict" ("better"|"worse"|"no significant change"|"insufficient data"),
 *  "spark": [the newest hourly values, oldest first, up to 24]}]}
 * A period's value is sum(num)/sum(den) of its hourly samples; the interval
 * is a seeded percentile bootstrap over those samples. */
enum orr_rc kpi_compare(struct store *st, const char *baseline, int64_t window_ms,
			const struct clock *clock, json_t **out, char **err);

/* Current values over the last 24 hours: {"window_ms", "at", "kpis":
 * [{"name", "label", "unit", "better", "subsystem"?, "kind"?, "current",
 * "samples", "last_at" (start of the newest sample), "spark"}]}.
 * kpi_show_window takes another window. */
enum orr_rc kpi_show(struct store *st, const struct clock *clock, json_t **out, char **err);
enum orr_rc kpi_show_window(struct store *st, int64_t window_ms, const struct clock *clock,
			    json_t **out, char **err);

/* The current values in the Prometheus text exposition format (version
 * 0.0.4): a HELP and a TYPE line per metric family, names orrery_*, labels
 * subsystem and kind where the KPI has them; job latencies as summaries. */
enum orr_rc kpi_export_prometheus(struct store *st, const struct clock *clock, FILE *out,
				  char **err);
/* The same text written atomically to path (a temporary file in the same
 * directory, then rename), for node_exporter's textfile collector. */
enum orr_rc kpi_write_metrics_file(struct store *st, const struct clock *clock,
				   const char *path, char **err);

/* A runner started at started_at with `workers` workers is alive now:
 * the fact availability and throughput are computed from. */
enum orr_rc kpi_runner_seen(struct store *st, const char *runner_id, int64_t started_at,
			    int workers, const struct clock *clock, char **err);

#endif
