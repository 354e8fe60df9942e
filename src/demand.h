/* demand.h - the daily demand history of each SKU.
 *
 * Net units per day (sales less returns) from order lines and M5 unit
 * sales, from the SKU's first sale to the as-of day, days without sales
 * as zeros.  A return larger than its day's sales carries into the next
 * days, so the series never goes negative and its total stays net.  Where
 * inventory history exists, days that began with no stock are flagged:
 * their zero sales are censored demand, not no demand, and are replaced by
 * the mean of the unflagged days of the four weeks before. */
#ifndef ORR_DEMAND_H
#define ORR_DEMAND_H

#include <stdbool.h>
#include <stdint.h>

#include "rc.h"

struct store;

struct demand_series {
	const char *sku;
	int64_t variant_id;     /* 0: no variant record */
	char first[11];         /* first day with a sale, 'YYYY-MM-DD' */
	char as_of[11];         /* last day of the history */
	int n;                  /* days from first to as_of inclusive */
	double *units;          /* n values */
	unsigned char *stockout; /* n flags: the day began out of stock */
	int stockout_days;
	double returned;        /* units returned over the history */
};

/* Return false to stop. */
typedef bool (*demand_fn)(void *ctx, const struct demand_series *s);

/* Call fn with each SKU's series (only sku's, when not NULL), in SKU
 * order, history up to as_of (NULL: the last day any demand was recorded;
 * *as_of_used gets the day used, 11 bytes, when not NULL).  SKUs with no
 * positive net sale by then are skipped.  The series is valid during the
 * call only. */
enum orr_rc demand_each(struct store *st, const char *sku, const char *as_of, demand_fn fn,
			void *ctx, char *as_of_used, char **err);

/* Days since 1970-01-01 of 'YYYY-MM-DD' (a valid calendar day), or -1. */
long demand_day_number(const char *ymd);
/* The day's 'YYYY-MM-DD' into out[11]. */
void demand_day_text(long day, char out[11]);

#endif
