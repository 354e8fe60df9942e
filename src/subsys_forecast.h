/* subsys_forecast.h - the forecast subsystem: one run forecasts every SKU
 * (or one), chooses each SKU's model by backtest, computes its inventory
 * policy, stores the forecasts and emits forecast.updated, stockout.risk and
 * overstock.risk.  The job kind forecast.run and `orrery forecast` both run
 * forecast_run, so the decision layer can schedule what an operator runs. */
#ifndef ORR_SUBSYS_FORECAST_H
#define ORR_SUBSYS_FORECAST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "rc.h"
#include "subsystem.h"

struct store;

#define FORECAST_HORIZON 28        /* days, default */
#define FORECAST_HORIZON_MAX 366
#define FORECAST_LEVEL 0.95        /* prediction interval */
#define FORECAST_SERVICE 0.95      /* the policy's service level */
#define FORECAST_HISTORY 730       /* days of history the models see */
#define FORECAST_LEAD_TIME 7       /* days, for a SKU without supplier terms */
#define FORECAST_REVIEW 7          /* days between reviews */

struct forecast_opts {
	const char *sku;        /* NULL: every SKU */
	const char *as_of;      /* 'YYYY-MM-DD', NULL: the last day with demand */
	int horizon;
	double level, service_level;
	int history_days;       /* 0: all of it */
	int64_t job_id;         /* the job running it, or 0 */
	int64_t cause_id;       /* the event that caused it, or 0 */
	int depth;              /* that event's depth + 1 */
};

/* The defaults above. */
void forecast_opts_default(struct forecast_opts *o);

struct forecast_summary {
	int64_t run_id;
	char as_of[11];
	long skus, stockout, overstock, events;
	json_t *models;         /* model name -> SKUs; owned, NULL before a run */
};

/* Called after each SKU with its stored row (sku, model, scores, policy,
 * forecast), for progress and printing; may be NULL. */
typedef void (*forecast_sku_fn)(void *ctx, long done, const json_t *row);

/* Run a forecast: all of it in one transaction (a failed run leaves
 * nothing behind).  A risk event is emitted when a SKU's risk differs from
 * its previous forecast's, so a standing risk is raised once, not on every
 * run.  --sku naming a SKU with no demand is ORR_NOINPUT. */
enum orr_rc forecast_run(struct store *st, const struct clock *clock,
			 const struct forecast_opts *o, forecast_sku_fn fn, void *ctx,
			 struct forecast_summary *sum, char **err);
void forecast_summary_free(struct forecast_summary *sum);

extern const struct subsystem subsys_forecast;

#endif
