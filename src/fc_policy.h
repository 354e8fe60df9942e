/* fc_policy.h - the inventory policy computed from a forecast.
 *
 * The textbook (s, S) policy with a periodic review:
 *   lead-time demand  D_L = the forecast summed over the lead time L
 *   safety stock      SS  = z sqrt(L sd^2 + mean^2 sd_L^2)
 *                     (sd: the daily forecast error's standard deviation;
 *                      sd_L: the lead time's, 0 when not known; mean: the
 *                      forecast's daily mean over the lead time)
 *   reorder point     s   = D_L + SS
 *   order-up-to       S   = the same over L + R (R: the review period)
 *   order quantity    S - position when position <= s, raised to the
 *                     supplier's minimum order and up to a whole pack
 * where position = on hand + on order, z the service level's normal
 * quantile.  A fractional lead time takes that fraction of its last day;
 * a lead time past the horizon continues at the horizon's mean.  Pure
 * arithmetic, no I/O. */
#ifndef ORR_FC_POLICY_H
#define ORR_FC_POLICY_H

#include <stdbool.h>

struct fc_policy_in {
	const double *mean; /* the daily forecast, h days from the day after as-of */
	int h;
	double daily_sd;
	double on_hand, on_order;
	double lead_time, lead_time_sd; /* days; sd < 0: not known */
	double review_days;
	double service_level;           /* 0 < p < 1 */
	long min_order, pack_size;      /* >= 1 */
};

enum fc_risk { FC_RISK_NONE, FC_RISK_STOCKOUT, FC_RISK_OVERSTOCK };

struct fc_policy {
	double daily_mean;       /* forecast mean per day over the lead time */
	double z;
	double lead_time_demand;
	double sd_lead_time;     /* the standard deviation of lead-time demand */
	double safety_stock, reorder_point, order_up_to;
	double position;         /* on hand + on order */
	double horizon_demand;   /* the forecast summed over the horizon */
	long order_qty;          /* 0 when no order is due */
	int stockout_day;        /* first day (1 = the day after as-of) the
				  * forecast demand exceeds the stock on hand;
				  * 0 when not within the horizon */
	enum fc_risk risk;       /* stockout: position <= reorder point;
				  * overstock: still above order-up-to after
				  * the horizon's demand */
};

/* Compute the policy.  False (out untouched) when the input is not usable:
 * no forecast, a service level outside (0, 1), a negative lead time,
 * minimum order or pack size below 1. */
bool fc_policy_compute(const struct fc_policy_in *in, struct fc_policy *out);

/* Forecast demand summed over the first `days` days (fractional allowed). */
double fc_policy_demand_over(const double *mean, int h, double days);

/* q raised to min_order and rounded up to a multiple of pack. */
long fc_policy_round(double q, long min_order, long pack);

const char *fc_risk_name(enum fc_risk r); /* "", "stockout", "overstock" */

#endif
