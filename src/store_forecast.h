/* store_forecast.h - what forecasting reads and writes (migration 012):
 * daily demand from order lines and M5 unit sales, stockout days from
 * inventory history, forecast runs and each SKU's newest forecast.  Every
 * statement is prepared with bound parameters. */
#ifndef ORR_STORE_FORECAST_H
#define ORR_STORE_FORECAST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rc.h"

struct store;

/* Net units of one SKU on one day (returns subtract), every source summed. */
struct demand_row {
	const char *sku;
	int64_t variant_id; /* 0: the SKU has no variant record */
	const char *day;    /* 'YYYY-MM-DD', UTC */
	double units;       /* net */
	double returned;    /* units returned that day (already netted) */
};
/* Return false to stop. */
typedef bool (*demand_row_fn)(void *ctx, const struct demand_row *r);

/* Every SKU's (or only sku's, when not NULL) daily net units up to and
 * including as_of (NULL: all), ordered by SKU then day; days without a sale
 * are absent.  Sources: order lines dated by their order's purchase time,
 * and M5 unit sales dated by the calendar. */
enum orr_rc fcstore_demand(struct store *st, const char *sku, const char *as_of,
			   demand_row_fn fn, void *ctx, char **err);

/* The last day with recorded demand, into day[11]; "" when none. */
enum orr_rc fcstore_last_day(struct store *st, char day[11], char **err);

/* Days of [from, to] on which variant_id started with no stock, from
 * inventory_history: fn(ctx, day) for each, in order. */
typedef void (*stockout_day_fn)(void *ctx, const char *day);
enum orr_rc fcstore_stockout_days(struct store *st, int64_t variant_id, const char *from,
				  const char *to, stockout_day_fn fn, void *ctx, char **err);

/* A new forecast run; *id its id. */
enum orr_rc fcstore_run_begin(struct store *st, const char *as_of, int horizon, double level,
			      int64_t job_id, int64_t now_ms, int64_t *id, char **err);
enum orr_rc fcstore_run_end(struct store *st, int64_t run_id, long skus, int64_t now_ms,
			    char **err);

/* The risk ('stockout', 'overstock', or NULL) of a SKU's stored forecast,
 * into risk[16]; "" when none or no forecast. */
enum orr_rc fcstore_previous_risk(struct store *st, const char *sku, char risk[16], char **err);

/* Insert or replace a SKU's forecast. forecast and policy are JSON text
 * (policy may be NULL), risk NULL when none. */
struct fcstore_forecast {
	const char *sku;
	int64_t variant_id, run_id;
	const char *as_of;
	int history_days;
	const char *model;
	double mase, wape, bias; /* NAN: stored as NULL */
	double daily_mean, daily_sd;
	const char *forecast, *policy, *risk;
};
enum orr_rc fcstore_put(struct store *st, const struct fcstore_forecast *f, char **err);

/* Stored forecasts (one SKU, or all when sku is NULL) as JSON objects,
 * forecast and policy embedded, ordered by SKU. */
enum orr_rc fcstore_list(struct store *st, const char *sku, json_t **out, char **err);

#endif
