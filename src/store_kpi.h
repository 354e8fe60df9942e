/* store_kpi.h - the KPI tables: samples per hour and day, collection
 * state, baselines with their copied samples, and runner spans.  The facts
 * the samples are computed from are read by store_kpi_facts. */
#ifndef ORR_STORE_KPI_H
#define ORR_STORE_KPI_H

#include <jansson.h>
#include <stdint.h>

#include "kpi_stats.h"
#include "rc.h"

struct store;

/* One hour sample of a series ("" when the KPI has no such label). */
struct kpi_sample {
	const char *subsystem, *kind;
	int64_t start;
	double num, den;
};

/* Delete the hour samples of kpi that start at or after from_ms. */
enum orr_rc kpi_samples_clear(struct store *st, const char *kpi, int64_t from_ms, char **err);
/* Insert (or replace) one hour sample; den must be > 0. */
enum orr_rc kpi_samples_put(struct store *st, const char *kpi, const struct kpi_sample *s,
			    int64_t now, char **err);
/* Rebuild the day samples of kpi from day_from on out of its hour samples;
 * *n is how many were written. */
enum orr_rc kpi_samples_roll_days(struct store *st, const char *kpi, int64_t day_from,
				  int64_t now, int *n, char **err);

/* Hour samples, ordered by kpi, subsystem, kind, start: those of the
 * window (from <= start < to) or, for baseline_id > 0, that baseline's. */
typedef void (*kpi_sample_fn)(void *ctx, const char *kpi, const struct kpi_sample *s);
enum orr_rc kpi_samples_window(struct store *st, int64_t from, int64_t to, kpi_sample_fn fn,
			       void *ctx, char **err);
enum orr_rc kpi_baselines_samples(struct store *st, int64_t baseline_id, kpi_sample_fn fn,
				  void *ctx, char **err);
/* Every series that has samples (or, for baseline_id > 0, that the
 * baseline has), as s->subsystem and s->kind with start 0. */
enum orr_rc kpi_samples_series(struct store *st, int64_t baseline_id, kpi_sample_fn fn,
			       void *ctx, char **err);
/* The values of the newest hour samples of a series starting before
 * `before`, oldest first: up to max into v; *n how many, *newest the start
 * of the newest (0: none). */
enum orr_rc kpi_samples_recent(struct store *st, const char *kpi, const char *subsystem,
			       const char *kind, int64_t before, int max, double *v, int *n,
			       int64_t *newest, char **err);
/* The start of the oldest hour sample (0: none). */
enum orr_rc kpi_samples_first(struct store *st, int64_t *first, char **err);

/* Collection state: a named integer (fallback when never set). */
enum orr_rc kpi_state_get(struct store *st, const char *name, int64_t fallback, int64_t *v,
			  char **err);
enum orr_rc kpi_state_set(struct store *st, const char *name, int64_t v, char **err);

/* A runner is up from started_at to at least seen_at. */
enum orr_rc kpi_spans_record(struct store *st, const char *runner_id, int64_t started_at,
			     int64_t seen_at, int workers, char **err);
/* Spans seen at or after from_ms as intervals (caller frees *out); *first
 * is the start of the earliest span ever (0: none). */
enum orr_rc kpi_spans_read(struct store *st, int64_t from_ms, struct kpi_interval **out,
			   size_t *n, int64_t *first, char **err);
/* The times a subsystem's breaker was closed, from its history (closed
 * before its first change), into *out (caller frees). */
enum orr_rc kpi_breaker_closed(struct store *st, const char *subsystem,
			       struct kpi_interval **out, size_t *n, char **err);

/* A baseline: its hour samples in [from, to) are copied; *copied says how
 * many.  A taken name is ORR_DATAERR. */
enum orr_rc kpi_baselines_insert(struct store *st, const char *name, int64_t from, int64_t to,
				 int64_t now, long *copied, char **err);
/* A baseline by name, or the newest when name is NULL: ORR_NOINPUT when
 * there is none.  *name_out is allocated. */
struct kpi_baseline_row {
	int64_t id, from, to;
	char *name;
};
enum orr_rc kpi_baselines_find(struct store *st, const char *name, struct kpi_baseline_row *b,
			       char **err);
/* [{name, from, to, created_at, kpis}], newest first. */
enum orr_rc kpi_baselines_json(struct store *st, json_t **out, char **err);
/* ORR_NOINPUT when there is no such baseline. */
enum orr_rc kpi_baselines_remove(struct store *st, const char *name, char **err);

#endif
