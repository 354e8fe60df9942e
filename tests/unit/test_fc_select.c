/* test_fc_select.c - scores and the choice of model by backtest. */
#include <criterion/criterion.h>
#include <math.h>

#include "fc_select.h"

/* history 1 3 2 4: mean one-day change (2 + 1 + 2) / 3 = 5/3; forecast
 * 3 3 against 2 5: MAE 1.5, MASE 0.9, WAPE 3/7, bias (6 - 7)/7. */
Test(fc_select, scores_by_hand)
{
	double y[] = { 1, 3, 2, 4 }, a[] = { 2, 5 }, f[] = { 3, 3 };
	struct fc_score s = fc_score_of(y, 4, a, f, 2);
	cr_expect(fabs(s.mase - 0.9) < 1e-12, "mase %g", s.mase);
	cr_expect(fabs(s.wape - 3.0 / 7) < 1e-12);
	cr_expect(fabs(s.bias + 1.0 / 7) < 1e-12);
	double flat[] = { 2, 2, 2 };
	s = fc_score_of(flat, 3, a, f, 2);
	cr_expect(isnan(s.mase), "a flat history has no scale");
}

/* Sparse demand (one sale in five days): an intermittent method or ETS,
 * never a naive forecast of the last day; the choice was backtested. */
Test(fc_select, intermittent_series)
{
	double y[200];
	for (int t = 0; t < 200; t++)
		y[t] = t % 5 == 2 ? 3 + (t % 3) : 0;
	struct fc_choice c;
	cr_assert(fc_select(y, 200, 28, NULL, &c));
	cr_expect_eq(c.origins, FC_ORIGINS);
	cr_expect(c.scores[FC_CROSTON].tried && c.scores[FC_ETS].tried);
	cr_expect_neq(c.method, FC_NAIVE);
	cr_expect(isfinite(c.score.mase));
}

/* A pure weekly pattern: the seasonal methods backtest perfectly, so the
 * choice moves off ETS only to one of them, and forecasts the pattern. */
Test(fc_select, weekly_pattern)
{
	double y[140], mean[7];
	for (int t = 0; t < 140; t++)
		y[t] = (double[]){ 5, 5, 5, 5, 9, 14, 3 }[t % 7];
	struct fc_choice c;
	cr_assert(fc_select(y, 140, 14, NULL, &c));
	fc_predict(&c.model, y, 140, 7, 0.95, mean, NULL, NULL);
	for (int i = 0; i < 7; i++)
		cr_expect(fabs(mean[i] - y[140 - 7 + i]) < 0.5, "day %d: %g", i, mean[i]);
}

/* Too short to backtest: still a forecast, without scores. */
Test(fc_select, short_history)
{
	double y[] = { 1, 0, 2, 1, 0, 3, 1, 2, 0, 1 };
	struct fc_choice c;
	cr_assert(fc_select(y, 10, 28, NULL, &c));
	cr_expect_eq(c.origins, 0);
	cr_expect(isnan(c.score.mase));
	double one[] = { 4 };
	cr_expect_not(fc_select(one, 1, 28, NULL, &c), "a single day forecasts nothing");
}

/* Only the allowed methods compete. */
Test(fc_select, allowed_methods)
{
	double y[120];
	for (int t = 0; t < 120; t++)
		y[t] = 10 + (t % 7) + (t % 3);
	bool allowed[FC_NMETHODS] = { [FC_CROSTON] = true, [FC_TSB] = true };
	struct fc_choice c;
	cr_assert(fc_select(y, 120, 14, allowed, &c));
	cr_expect(c.method == FC_CROSTON || c.method == FC_TSB);
	cr_expect_not(c.scores[FC_ETS].tried);
}
