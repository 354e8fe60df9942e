/* kpi_series.h - the KPI series (a catalogue KPI with its labels) and their
 * hourly samples in a window and in a baseline; shared by the kpi module
 * files that report (kpi_report, kpi_export). */
#ifndef ORR_KPI_SERIES_H
#define ORR_KPI_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "kpi_catalog.h"
#include "kpi_stats.h"
#include "rc.h"

struct store;

struct kpi_points {
	struct kpi_point *v;
	size_t n, cap;
};

struct kpi_series {
	const struct kpi_def *def;
	char *subsystem, *kind; /* "" when the KPI has no such label */
	struct kpi_points base, cur;
};

struct kpi_series_set {
	struct kpi_series *v;
	size_t n;
};

/* Every series with samples or in the baseline (baseline_id 0: none), in
 * catalogue order then by labels, with its hourly samples starting in
 * [from, to) as cur and the baseline's as base.  A catalogue KPI with no
 * series at all gets one without labels and no samples, so every KPI is
 * listed. */
enum orr_rc kpi_series_load(struct store *st, int64_t baseline_id, int64_t from, int64_t to,
			    struct kpi_series_set *set, char **err);
void kpi_series_free(struct kpi_series_set *set);

#endif
