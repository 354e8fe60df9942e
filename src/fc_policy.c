/* fc_policy.c - reorder point, safety stock, order-up-to level, order
 * quantity and projected stockout day.  See fc_policy.h. */
#include "fc_policy.h"

#include <math.h>

#include "fc_model.h"

double fc_policy_demand_over(const double *mean, int h, double days)
{
	double sum = 0, tail = 0;
	for (int i = 0; i < h; i++)
		tail += mean[i] / h;
	for (int i = 0; days > 0; i++, days -= 1) {
		double d = i < h ? mean[i] : tail;
		sum += (days >= 1 ? 1 : days) * d;
	}
	return sum;
}

long fc_policy_round(double q, long min_order, long pack)
{
	if (!(q > 0))
		return 0;
	double need = fmax(ceil(q - 1e-9), (double)min_order);
	return (long)(ceil(need / pack) * pack);
}

const char *fc_risk_name(enum fc_risk r)
{
	return r == FC_RISK_STOCKOUT ? "stockout" : r == FC_RISK_OVERSTOCK ? "overstock" : "";
}

/* z sqrt(days sd^2 + mean^2 sd_L^2): the buffer over `days` of demand. */
static double buffer_sd(const struct fc_policy_in *in, double days, double mean)
{
	double sdl = in->lead_time_sd > 0 ? in->lead_time_sd : 0;
	return sqrt(days * in->daily_sd * in->daily_sd + mean * mean * sdl * sdl);
}

bool fc_policy_compute(const struct fc_policy_in *in, struct fc_policy *out)
{
	if (!in->mean || in->h < 1 || !(in->service_level > 0 && in->service_level < 1) ||
	    !(in->lead_time >= 0) || !(in->review_days >= 0) || in->min_order < 1 ||
	    in->pack_size < 1 || !(in->daily_sd >= 0))
		return false;
	struct fc_policy p = { .z = fc_norm_quantile(in->service_level) };
	double cover = in->lead_time + in->review_days;
	p.lead_time_demand = fc_policy_demand_over(in->mean, in->h, in->lead_time);
	double cover_demand = fc_policy_demand_over(in->mean, in->h, cover);
	p.daily_mean = in->lead_time > 0 ? p.lead_time_demand / in->lead_time
					 : fc_policy_demand_over(in->mean, in->h, 1);
	p.sd_lead_time = buffer_sd(in, in->lead_time, p.daily_mean);
	p.safety_stock = p.z * p.sd_lead_time;
	p.reorder_point = p.lead_time_demand + p.safety_stock;
	double cover_mean = cover > 0 ? cover_demand / cover : p.daily_mean;
	p.order_up_to = cover_demand + p.z * buffer_sd(in, cover, cover_mean);
	p.position = in->on_hand + in->on_order;
	p.horizon_demand = fc_policy_demand_over(in->mean, in->h, in->h);
	if (p.position <= p.reorder_point) {
		p.risk = FC_RISK_STOCKOUT;
		p.order_qty = fc_policy_round(p.order_up_to - p.position, in->min_order,
					      in->pack_size);
	} else if (p.position - p.horizon_demand > p.order_up_to) {
		p.risk = FC_RISK_OVERSTOCK;
	}
	double cum = 0;
	for (int i = 0; i < in->h && !p.stockout_day; i++) {
		cum += in->mean[i];
		if (cum > in->on_hand)
			p.stockout_day = i + 1;
	}
	*out = p;
	return true;
}
