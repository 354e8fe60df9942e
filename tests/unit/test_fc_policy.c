/* test_fc_policy.c - the reorder arithmetic against hand computation. */
#include <criterion/criterion.h>
#include <math.h>

#include "fc_model.h"
#include "fc_policy.h"

static double flat[28];

static struct fc_policy_in base(void)
{
	for (int i = 0; i < 28; i++)
		flat[i] = 10;
	return (struct fc_policy_in){ .mean = flat, .h = 28, .daily_sd = 3, .on_hand = 50,
				      .on_order = 0, .lead_time = 4, .lead_time_sd = 1,
				      .review_days = 7, .service_level = 0.95, .min_order = 24,
				      .pack_size = 12 };
}

/* 10 a day, sd 3, lead time 4 +- 1 day, review 7, 95%:
 * D_L = 40; SS = z sqrt(4 * 9 + 10^2 * 1^2) = z sqrt(136); s = 40 + SS;
 * S = 110 + z sqrt(11 * 9 + 100) = 110 + z sqrt(199);
 * position 50 <= s: order S - 50 = 83.2 -> 84 (>= 24, 7 packs of 12);
 * stock of 50 runs out on day 6 (60 > 50). */
Test(fc_policy, reorder_point_by_hand)
{
	struct fc_policy_in in = base();
	struct fc_policy p;
	cr_assert(fc_policy_compute(&in, &p));
	double z = 1.6448536269514722;
	cr_expect(fabs(p.z - z) < 1e-9);
	cr_expect(fabs(p.lead_time_demand - 40) < 1e-9);
	cr_expect(fabs(p.daily_mean - 10) < 1e-9);
	cr_expect(fabs(p.safety_stock - z * sqrt(136)) < 1e-9, "ss %.6f", p.safety_stock);
	cr_expect(fabs(p.reorder_point - (40 + z * sqrt(136))) < 1e-9);
	cr_expect(fabs(p.order_up_to - (110 + z * sqrt(199))) < 1e-9, "S %.6f", p.order_up_to);
	cr_expect_eq(p.risk, FC_RISK_STOCKOUT);
	cr_expect_eq(p.order_qty, 84);
	cr_expect_eq(p.stockout_day, 6);
	cr_expect(fabs(p.horizon_demand - 280) < 1e-9);
}

/* Without a known lead-time spread the safety stock is z sd sqrt(L). */
Test(fc_policy, unknown_lead_time_spread)
{
	struct fc_policy_in in = base();
	in.lead_time_sd = -1;
	struct fc_policy p;
	cr_assert(fc_policy_compute(&in, &p));
	cr_expect(fabs(p.safety_stock - p.z * 3 * 2) < 1e-9);
}

/* Stock on order counts: 50 + 40 on order is above s = 59.2. */
Test(fc_policy, on_order_lifts_the_position)
{
	struct fc_policy_in in = base();
	in.on_order = 40;
	struct fc_policy p;
	cr_assert(fc_policy_compute(&in, &p));
	cr_expect_eq(p.risk, FC_RISK_NONE);
	cr_expect_eq(p.order_qty, 0);
	cr_expect_eq(p.stockout_day, 6, "the stockout date reads the stock on hand only");
}

/* 500 on hand less 280 over the horizon is still above S = 133.2. */
Test(fc_policy, overstock)
{
	struct fc_policy_in in = base();
	in.on_hand = 500;
	struct fc_policy p;
	cr_assert(fc_policy_compute(&in, &p));
	cr_expect_eq(p.risk, FC_RISK_OVERSTOCK);
	cr_expect_eq(p.stockout_day, 0, "not within the horizon");
	in.on_hand = 400; /* 400 - 280 = 120 < 133.2: neither */
	cr_assert(fc_policy_compute(&in, &p));
	cr_expect_eq(p.risk, FC_RISK_NONE);
}

/* A fractional lead time takes part of its last day; past the horizon,
 * demand continues at the horizon's mean. */
Test(fc_policy, demand_over_fractions_and_past_the_horizon)
{
	double m[] = { 1, 2, 3, 6 };
	cr_expect(fabs(fc_policy_demand_over(m, 4, 2.5) - (1 + 2 + 1.5)) < 1e-12);
	cr_expect(fabs(fc_policy_demand_over(m, 4, 6) - (12 + 2 * 3)) < 1e-12);
	cr_expect(fabs(fc_policy_demand_over(m, 4, 0)) < 1e-12);
}

Test(fc_policy, rounding_to_minimum_and_pack)
{
	cr_expect_eq(fc_policy_round(5, 24, 10), 30, "raised to 24, then whole packs of 10");
	cr_expect_eq(fc_policy_round(83.2, 1, 1), 84);
	cr_expect_eq(fc_policy_round(84, 1, 12), 84, "already whole packs");
	cr_expect_eq(fc_policy_round(85, 1, 12), 96);
	cr_expect_eq(fc_policy_round(0, 24, 12), 0, "nothing needed, nothing ordered");
	cr_expect_eq(fc_policy_round(-3, 24, 12), 0);
}

Test(fc_policy, refuses_unusable_terms)
{
	struct fc_policy p;
	struct fc_policy_in in = base();
	in.service_level = 1;
	cr_expect_not(fc_policy_compute(&in, &p));
	in = base();
	in.pack_size = 0;
	cr_expect_not(fc_policy_compute(&in, &p));
	in = base();
	in.lead_time = -1;
	cr_expect_not(fc_policy_compute(&in, &p));
	in = base();
	in.h = 0;
	cr_expect_not(fc_policy_compute(&in, &p));
}
