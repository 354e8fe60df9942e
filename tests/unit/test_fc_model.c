/* test_fc_model.c - each forecasting model against values worked out by
 * hand on short series (the arithmetic is in the comments), and the
 * normal quantile.  Against R's forecast package: test_fc_r.c. */
#include <criterion/criterion.h>
#include <math.h>

#include "fc_model.h"

#define EPS 1e-9

static void eq(double want, double got, const char *what)
{
	cr_expect(fabs(want - got) < 1e-6 * fmax(1, fabs(want)), "%s: want %.10g, got %.10g", what,
		  want, got);
}

Test(fc_model, normal_quantile)
{
	eq(1.959963984540054, fc_norm_quantile(0.975), "z 0.975");
	eq(1.6448536269514722, fc_norm_quantile(0.95), "z 0.95");
	eq(-2.3263478740408408, fc_norm_quantile(0.01), "z 0.01");
	eq(0, fc_norm_quantile(0.5), "z 0.5");
	eq(3.090232306167813, fc_norm_quantile(0.999), "z 0.999");
	cr_expect(isnan(fc_norm_quantile(0)));
	cr_expect(isnan(fc_norm_quantile(1)));
}

Test(fc_model, method_names_round_trip)
{
	for (int m = 0; m < FC_NMETHODS; m++) {
		enum fc_method back;
		cr_expect(fc_method_parse(fc_method_name((enum fc_method)m), &back));
		cr_expect_eq((int)back, m);
	}
	enum fc_method x;
	cr_expect_not(fc_method_parse("arima", &x));
	char buf[12];
	struct fc_ets_kind k = { 'A', 'D', 'N' }, k2 = { 'M', 'A', 'M' };
	cr_expect_str_eq(fc_ets_label(&k, buf), "ets_aadn");
	cr_expect_str_eq(fc_ets_label(&k2, buf), "ets_mam");
}

/* naive: y = 1 2 3 5; forecast 5; residuals 1 1 2, sigma = sqrt(6/3) =
 * sqrt(2); h steps: 5 +- z sqrt(2) sqrt(h). */
Test(fc_model, naive_by_hand)
{
	double y[] = { 1, 2, 3, 5 }, mean[4], lo[4], hi[4];
	struct fc_model m;
	cr_assert(fc_fit(FC_NAIVE, y, 4, &m));
	double sd = fc_predict(&m, y, 4, 4, 0.95, mean, lo, hi);
	eq(sqrt(2), sd, "sigma");
	double z = fc_norm_quantile(0.975);
	for (int i = 0; i < 4; i++) {
		eq(5, mean[i], "mean");
		eq(5 - z * sqrt(2) * sqrt(i + 1), lo[i], "lo");
		eq(5 + z * sqrt(2) * sqrt(i + 1), hi[i], "hi");
	}
	cr_expect_not(fc_fit(FC_NAIVE, y, 1, &m), "one value has no residual");
}

/* seasonal naive over two weeks: the second week repeats; lag-7 changes
 * are all 1 (week 2 = week 1 + 1), sigma 1; steps 1-7 +- z, 8-14 +- z sqrt 2. */
Test(fc_model, seasonal_naive_by_hand)
{
	double y[14], mean[14], lo[14], hi[14];
	for (int t = 0; t < 14; t++)
		y[t] = (t % 7) * 2 + (t >= 7);
	struct fc_model m;
	cr_assert(fc_fit(FC_SNAIVE, y, 14, &m));
	eq(1, fc_predict(&m, y, 14, 14, 0.95, mean, lo, hi), "sigma");
	double z = fc_norm_quantile(0.975);
	for (int i = 0; i < 14; i++) {
		eq(y[7 + i % 7], mean[i], "mean");
		eq(mean[i] - z * (i < 7 ? 1 : sqrt(2)), lo[i], "lo");
	}
	cr_expect_not(fc_fit(FC_SNAIVE, y, 7, &m), "one week has no seasonal residual");
}

/* SES, alpha 0.5 from level 10: y 12 8 10 -> levels 11, 9.5, 9.75.
 * Forecast 9.75; with sigma2 4 the h-step variance is 4 (1 + (h-1) 0.25). */
Test(fc_model, ses_by_hand)
{
	struct fc_model m = { .method = FC_SES, .kind = { 'A', 'N', 'N' }, .alpha = 0.5, .l0 = 10,
			      .sigma2 = 4, .phi = 1 };
	double y[] = { 12, 8, 10 }, mean[3], lo[3], hi[3];
	fc_predict(&m, y, 3, 3, 0.95, mean, lo, hi);
	double z = fc_norm_quantile(0.975);
	for (int i = 0; i < 3; i++) {
		eq(9.75, mean[i], "mean");
		eq(9.75 + z * sqrt(4 * (1 + i * 0.25)), hi[i], "hi");
	}
}

/* Damped Holt, alpha .5 beta .1 phi .9, l0 10 b0 1, y = 12:
 * l+phi b = 10.9, e = 1.1, l = 11.45, b = .9 + .11 = 1.01;
 * h=1: 11.45 + .9 * 1.01 = 12.359; h=2: 11.45 + (.9 + .81) 1.01 = 13.1771. */
Test(fc_model, damped_holt_by_hand)
{
	struct fc_model m = { .method = FC_HOLT_DAMPED, .kind = { 'A', 'D', 'N' }, .alpha = 0.5,
			      .beta = 0.1, .phi = 0.9, .l0 = 10, .b0 = 1, .sigma2 = 1 };
	double y[] = { 12 }, mean[2];
	fc_predict(&m, y, 1, 2, 0.95, mean, NULL, NULL);
	eq(12.359, mean[0], "h1");
	eq(13.1771, mean[1], "h2");
}

/* Holt-Winters additive, alpha .2 beta .1 gamma .3, l0 10, b0 0, the
 * weekday-0 season +1, weekday-1 -1; y0 = 12: yhat 11, e 1, l 10.2, b .1,
 * s0 1.3.  h=1 (weekday 1): 10.3 - 1 = 9.3; h=7 (weekday 0): 10.2 + .7 + 1.3. */
Test(fc_model, holt_winters_additive_by_hand)
{
	struct fc_model m = { .method = FC_HW_ADD, .kind = { 'A', 'A', 'A' }, .alpha = 0.2,
			      .beta = 0.1, .gamma = 0.3, .phi = 1, .l0 = 10, .s0 = { 1, -1 } };
	double y[] = { 12 }, mean[7];
	fc_predict(&m, y, 1, 7, 0.95, mean, NULL, NULL);
	eq(9.3, mean[0], "h1");
	eq(10.2 + 2 * 0.1, mean[1], "h2 (weekday 2, season 0)");
	eq(12.2, mean[6], "h7");
}

/* Holt-Winters multiplicative ETS(M,A,M), alpha .2 beta .1 gamma .3, l0
 * 10, b0 0, seasons 1.2 .8 1 ...; y0 = 15: yhat 12, e = .25, l = 10.5,
 * b = 10 * .1 * .25 = .25, s0 = 1.2 * 1.075 = 1.29.
 * h=1: 10.75 * .8 = 8.6; h=7: (10.5 + 1.75) 1.29 = 15.8025. */
Test(fc_model, holt_winters_multiplicative_by_hand)
{
	struct fc_model m = { .method = FC_HW_MUL, .kind = { 'M', 'A', 'M' }, .alpha = 0.2,
			      .beta = 0.1, .gamma = 0.3, .phi = 1, .l0 = 10,
			      .s0 = { 1.2, 0.8, 1, 1, 1, 1, 1 }, .sigma2 = 0.01 };
	double y[] = { 15 }, mean[7], lo[7], hi[7];
	fc_predict(&m, y, 1, 7, 0.95, mean, lo, hi);
	eq(8.6, mean[0], "h1");
	eq(15.8025, mean[6], "h7");
	for (int i = 0; i < 7; i++)
		cr_expect(lo[i] < mean[i] && mean[i] < hi[i], "simulated interval around h%d", i + 1);
}

/* Croston, alpha .1: y = 0 0 3 0 5 0 0 0 4: demands 3 5 4 at intervals 3
 * 2 4; sizes 3 -> 3.2 -> 3.28, intervals 3 -> 2.9 -> 3.01; forecast
 * 3.28 / 3.01; SBA (1 - .05) times that. */
Test(fc_model, croston_and_sba_by_hand)
{
	double y[] = { 0, 0, 3, 0, 5, 0, 0, 0, 4 }, mean[3], lo[3];
	struct fc_model m;
	cr_assert(fc_fit(FC_CROSTON, y, 9, &m));
	fc_predict(&m, y, 9, 3, 0.95, mean, lo, NULL);
	eq(3.28 / 3.01, mean[0], "croston");
	eq(3.28 / 3.01, mean[2], "croston flat");
	cr_expect(isnan(lo[0]), "Croston has no interval");
	cr_assert(fc_fit(FC_SBA, y, 9, &m));
	fc_predict(&m, y, 9, 1, 0.95, mean, NULL, NULL);
	eq(0.95 * 3.28 / 3.01, mean[0], "sba");
	double one[] = { 0, 0, 3, 0 };
	cr_expect_not(fc_fit(FC_CROSTON, one, 4, &m), "one demand is not a series of intervals");
}

/* TSB, alpha .1 beta .2: y = 0 2 0 4, first demand 2 at t=1: z 2, p 1/2.
 * t0: p .4; t1: p .52, z 2; t2: p .416; t3: p .5328, z 2.2 -> .5328 * 2.2. */
Test(fc_model, tsb_by_hand)
{
	struct fc_model m = { .method = FC_TSB, .alpha = 0.1, .beta = 0.2 };
	double y[] = { 0, 2, 0, 4 }, mean[1];
	fc_predict(&m, y, 4, 1, 0.95, mean, NULL, NULL);
	eq(0.5328 * 2.2, mean[0], "tsb");
	cr_expect(fc_fit(FC_TSB, y, 4, &m));
	cr_expect(m.alpha > 0 && m.beta > 0, "TSB's constants come from its grid");
}

/* The AICc is R's: -2 loglik + 2k + 2k(k+1)/(n-k-1), k = 3 for ETS(A,N,N). */
Test(fc_model, aicc_counts_parameters_as_r)
{
	double y[60];
	for (int t = 0; t < 60; t++)
		y[t] = 20 + ((t * 37) % 11) - 5;
	struct fc_model m;
	struct fc_ets_kind k = { 'A', 'N', 'N' };
	cr_assert(fc_fit_ets(&k, y, 60, &m));
	cr_expect_eq(m.npar, 3);
	eq(-2 * m.loglik + 6 + 2.0 * 3 * 4 / (60 - 3 - 1), m.aicc, "aicc");
	cr_expect(m.alpha >= 1e-4 && m.alpha <= 0.9999);
}

/* A strong weekly pattern: automatic ETS picks a seasonal member, and
 * multiplicative members are left out when the series has a zero. */
Test(fc_model, auto_ets_finds_the_season)
{
	double y[140];
	for (int t = 0; t < 140; t++)
		y[t] = 20 + (t % 7 == 5 ? 15 : 0) + (t % 7 == 6 ? 8 : 0) + ((t * 13) % 5) * 0.3;
	struct fc_model best, fits[FC_ETS_KINDS];
	int n;
	cr_assert(fc_fit_ets_auto(y, 140, &best, fits, &n));
	cr_expect_neq(best.kind.season, 'N', "chose a seasonal model");
	cr_expect_eq(n, FC_ETS_KINDS, "a positive series tries every member");
	y[10] = 0;
	cr_assert(fc_fit_ets_auto(y, 140, &best, fits, &n));
	for (int i = 0; i < n; i++)
		cr_expect_eq(fits[i].kind.error, 'A', "a zero rules out multiplicative errors");
	cr_expect_eq(n, 6);
}

Test(fc_model, refuses_what_it_cannot_fit)
{
	double y[] = { 1, 2 };
	struct fc_model m;
	struct fc_ets_kind hw = { 'A', 'A', 'A' };
	cr_expect_not(fc_fit_ets(&hw, y, 2, &m), "a season needs two weeks");
	cr_expect_not(fc_fit(FC_ETS, y, 2, &m), "too short for any ETS");
	double z[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	cr_expect_not(fc_fit(FC_HW_MUL, z, 15, &m), "multiplicative on zeros");
}

/* A warm start from the fit on the first part of the series reaches the
 * cold fit's likelihood on the whole series (within the optimiser's
 * tolerance), for every member, additive and multiplicative: fc_select's
 * refit relies on it. */
Test(fc_model, warm_start_reaches_the_cold_optimum)
{
	double y[200];
	for (int t = 0; t < 200; t++)
		y[t] = 30 + 0.05 * t + (t % 7 == 5 ? 12 : 0) + (t % 7 == 6 ? 6 : 0) +
		       ((t * 17) % 7) * 0.8;
	struct fc_model prefix[FC_ETS_KINDS], cold, warm;
	int n;
	cr_assert(fc_fit_ets_auto(y, 140, &cold, prefix, &n));
	cr_assert_eq(n, FC_ETS_KINDS);
	for (int i = 0; i < n; i++) {
		cr_assert(fc_fit_ets(&prefix[i].kind, y, 200, &cold));
		cr_assert(fc_fit_ets_from(&prefix[i].kind, y, 200, &prefix[i], &warm));
		cr_expect(warm.loglik > cold.loglik - 0.05 * fabs(cold.loglik) / 200,
			  "member %d: warm loglik %g, cold %g", i, warm.loglik, cold.loglik);
		cr_expect_eq(warm.nobs, 200);
	}
	struct fc_model best_cold, best_warm;
	cr_assert(fc_fit_ets_auto(y, 200, &best_cold, NULL, NULL));
	cr_assert(fc_fit_ets_auto_from(y, 200, prefix, n, &best_warm, NULL, NULL));
	cr_expect(best_warm.aicc <= best_cold.aicc + 0.5, "warm AICc %g, cold %g", best_warm.aicc,
		  best_cold.aicc);
}
