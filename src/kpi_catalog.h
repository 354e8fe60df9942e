/* kpi_catalog.h - the KPI catalogue: one const table of every KPI Orrery
 * computes, with its unit, the direction that is better, what it means and
 * how it is computed from recorded facts, and how it is exported.  Every
 * list of KPIs (show, compare, export, the README) comes from this table. */
#ifndef ORR_KPI_CATALOG_H
#define ORR_KPI_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

enum kpi_id {
	KPI_QUEUE_WAIT_P50,
	KPI_QUEUE_WAIT_P95,
	KPI_QUEUE_WAIT_P99,
	KPI_QUEUE_WAIT_MEAN,
	KPI_RUN_TIME_P50,
	KPI_RUN_TIME_P95,
	KPI_RUN_TIME_P99,
	KPI_RUN_TIME_MEAN,
	KPI_ERROR_RATE,
	KPI_RETRY_RATE,
	KPI_DEAD_LETTER_RATE,
	KPI_THROUGHPUT,
	KPI_AVAILABILITY,
	KPI_AUTOMATION,
	KPI_ORDER_ACCURACY,
	KPI_ORDER_TO_DISPATCH,
	KPI_INVENTORY_TURNOVER,
	KPI_STOCKOUT_RATE,
	KPI_ASSETS_PER_HOUR,
	KPI_PRODUCT_TO_ASSET,
	KPI_DATA_QUALITY,
	KPI_APPROVAL_TURNAROUND,
	KPI_COUNT
};

enum kpi_labels {
	KPI_NO_LABELS,
	KPI_BY_SUBSYSTEM,
	KPI_BY_KIND, /* subsystem and job kind */
};

/* How a KPI appears in the Prometheus export. */
enum kpi_prom {
	PROM_GAUGE,
	PROM_QUANTILE,  /* one quantile of a summary family */
	PROM_SUM_COUNT, /* the _sum and _count of a summary family */
};

struct kpi_def {
	enum kpi_id id;
	const char *name;        /* job_error_rate: the key in samples and JSON */
	const char *label;       /* "job error rate": for people */
	const char *unit;        /* ratio, s, h, jobs/h, assets/h, /yr, score */
	bool up_is_better;
	enum kpi_labels labels;
	bool technical;          /* else a business KPI */
	const char *description; /* what it measures, one sentence */
	const char *computation; /* from which facts and how, per hour */
	const char *prom_name;   /* the metric family, orrery_... */
	enum kpi_prom prom;
	const char *quantile;    /* PROM_QUANTILE: "0.5" */
	const char *prom_help;   /* a summary family's HELP text */
	double prom_scale;       /* exported value = value * scale (base units) */
};

/* The whole catalogue, in display order; entry i has id i. */
const struct kpi_def *kpi_catalog(size_t *n);
/* The KPI of that name, or NULL. */
const struct kpi_def *kpi_find(const char *name);

#endif
