/* test_fc_r.c - the models against R's forecast package on real series.
 * tests/fixtures/forecast/r_fixtures.R produced r_output.csv from the
 * series beside it (see that script for what each is); tests/run.sh runs
 * us from the repository root. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_model.h"

#define DIR "tests/fixtures/forecast/"
#define H 14

static int read_series(const char *name, double *y, int cap)
{
	char path[128];
	snprintf(path, sizeof path, DIR "%s.csv", name);
	FILE *f = fopen(path, "r");
	cr_assert(f, "cannot open %s", path);
	int n = 0;
	while (n < cap && fscanf(f, "%lf,", &y[n]) == 1)
		n++;
	fclose(f);
	return n;
}

/* R's value `what` (index i, from 1) of method on series, or NAN. */
static double r_value(const char *series, const char *method, const char *what, int i)
{
	FILE *f = fopen(DIR "r_output.csv", "r");
	cr_assert(f, "cannot open r_output.csv");
	char line[256], s[64], m[64], w[64];
	int idx;
	double v, found = NAN;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%63[^,],%63[^,],%63[^,],%d,%lf", s, m, w, &idx, &v) == 5 &&
		    strcmp(s, series) == 0 && strcmp(m, method) == 0 && strcmp(w, what) == 0 &&
		    idx == i) {
			found = v;
			break;
		}
	fclose(f);
	cr_assert(!isnan(found), "r_output.csv has no %s %s %s %d", series, method, what, i);
	return found;
}

static void near(double want, double got, double rel, const char *what, int i)
{
	cr_expect(fabs(want - got) <= rel * fmax(1, fabs(want)), "%s[%d]: R %.8g, orrery %.8g", what,
		  i, want, got);
}

Test(fc_r, croston_and_sba_match_r_exactly)
{
	double y[400], mean[H];
	int n = read_series("intermittent", y, 400);
	struct fc_model m;
	cr_assert(fc_fit(FC_CROSTON, y, n, &m));
	fc_predict(&m, y, n, H, 0.95, mean, NULL, NULL);
	for (int i = 0; i < H; i++)
		near(r_value("intermittent", "croston", "mean", i + 1), mean[i], 1e-8, "croston", i);
	cr_assert(fc_fit(FC_SBA, y, n, &m));
	fc_predict(&m, y, n, H, 0.95, mean, NULL, NULL);
	near(0.95 * r_value("intermittent", "croston", "mean", 1), mean[0], 1e-8, "sba", 0);
}

static void naive_against_r(const char *series, enum fc_method method)
{
	double y[400], mean[H], lo[H], hi[H];
	int n = read_series(series, y, 400);
	struct fc_model m;
	cr_assert(fc_fit(method, y, n, &m));
	fc_predict(&m, y, n, H, 0.95, mean, lo, hi);
	const char *name = fc_method_name(method);
	for (int i = 0; i < H; i++) {
		near(r_value(series, name, "mean", i + 1), mean[i], 1e-8, name, i);
		near(r_value(series, name, "lo", i + 1), lo[i], 1e-6, "lo", i);
		near(r_value(series, name, "hi", i + 1), hi[i], 1e-6, "hi", i);
	}
}

Test(fc_r, naive_and_seasonal_naive_match_r)
{
	naive_against_r("total", FC_NAIVE);
	naive_against_r("total", FC_SNAIVE);
	naive_against_r("positive", FC_NAIVE);
	naive_against_r("positive", FC_SNAIVE);
}

/* Members whose parameters orrery and R estimate alike: the optimum's
 * log-likelihood within 0.05 of R's or better (so the AICc too), the
 * forecast within 1% and the interval's bounds within 1% of its width. */
static void ets_against_r(const char *series, struct fc_ets_kind k)
{
	double y[400], mean[H], lo[H], hi[H];
	int n = read_series(series, y, 400);
	struct fc_model m;
	char name[12];
	fc_ets_label(&k, name);
	cr_assert(fc_fit_ets(&k, y, n, &m), "%s fits", name);
	double r_loglik = r_value(series, name, "loglik", 1);
	cr_expect(m.loglik >= r_loglik - 0.05, "%s log-likelihood: R %.6f, orrery %.6f", name,
		  r_loglik, m.loglik);
	double r_aicc = r_value(series, name, "aicc", 1);
	cr_expect(m.aicc <= r_aicc + 0.1, "%s AICc: R %.4f, orrery %.4f", name, r_aicc, m.aicc);
	near(r_value(series, name, "sigma2", 1), m.sigma2, 0.01, "sigma2", 0);
	fc_predict(&m, y, n, H, 0.95, mean, lo, hi);
	for (int i = 0; i < H; i++) {
		near(r_value(series, name, "mean", i + 1), mean[i], 0.01, "mean", i);
		/* the bounds within 1% of R's interval width */
		double width = r_value(series, name, "hi", i + 1) - r_value(series, name, "lo", i + 1);
		cr_expect(fabs(r_value(series, name, "lo", i + 1) - lo[i]) <= 0.01 * width,
			  "%s lo[%d]: R %.6g, orrery %.6g", name, i, r_value(series, name, "lo", i + 1),
			  lo[i]);
		cr_expect(fabs(r_value(series, name, "hi", i + 1) - hi[i]) <= 0.01 * width,
			  "%s hi[%d]: R %.6g, orrery %.6g", name, i, r_value(series, name, "hi", i + 1),
			  hi[i]);
	}
}

Test(fc_r, ses_matches_r)
{
	ets_against_r("total", (struct fc_ets_kind){ 'A', 'N', 'N' });
}

Test(fc_r, damped_holt_matches_r)
{
	ets_against_r("total", (struct fc_ets_kind){ 'A', 'D', 'N' });
}

Test(fc_r, multiplicative_error_matches_r)
{
	ets_against_r("positive", (struct fc_ets_kind){ 'M', 'N', 'N' });
}

/* Automatic ETS: R also optimises the six free seasonal starting values,
 * which orrery takes from the first weeks; its best log-likelihood may
 * trail R's by little, and its forecast stays close. */
Test(fc_r, automatic_ets_close_to_r)
{
	double y[400], mean[H];
	int n = read_series("total", y, 400);
	struct fc_model m;
	cr_assert(fc_fit(FC_ETS, y, n, &m));
	double r_loglik = r_value("total", "ets_auto", "loglik", 1);
	cr_expect(m.loglik >= r_loglik - 10, "log-likelihood: R %.3f, orrery %.3f", r_loglik,
		  m.loglik);
	fc_predict(&m, y, n, H, 0.95, mean, NULL, NULL);
	double diff = 0, level = 0;
	for (int i = 0; i < H; i++) {
		diff += fabs(mean[i] - r_value("total", "ets_auto", "mean", i + 1));
		level += r_value("total", "ets_auto", "mean", i + 1);
	}
	cr_expect(diff / level < 0.15, "forecasts differ by %.1f%% of R's", 100 * diff / level);
}
