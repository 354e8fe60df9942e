/* Unit tests for kpi_stats.c: percentiles on small sets, ratio
 * aggregation, the bootstrap interval of a change, intervals spread over
 * hours, sparklines.  Every expected value is worked out by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kpi_stats.h"
#include "retry.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

Test(quantile, small_sets_by_linear_interpolation)
{
	static const struct {
		double v[8];
		size_t n;
		double p, want;
	} table[] = {
		{ { 1, 2, 3, 4 }, 4, 0.5, 2.5 },          /* rank 1.5 */
		{ { 1, 2, 3, 4 }, 4, 0.0, 1 },
		{ { 1, 2, 3, 4 }, 4, 1.0, 4 },
		{ { 15, 20, 35, 40, 50 }, 5, 0.4, 29 },   /* rank 1.6: 20 + 0.6 * 15 */
		{ { 1, 2, 4, 8 }, 4, 0.95, 7.4 },         /* rank 2.85: 4 + 0.85 * 4 */
		{ { 1, 2, 4, 8 }, 4, 0.99, 7.88 },        /* rank 2.97 */
		{ { 7 }, 1, 0.99, 7 },                    /* one value is every quantile */
		{ { 3, 3, 3 }, 3, 0.5, 3 },
		{ { 10, 20 }, 2, 0.95, 19.5 },
	};
	for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
		double got = kpi_quantile(table[i].v, table[i].n, table[i].p);
		cr_expect(NEAR(got, table[i].want), "case %zu: p%.2f = %.10g, want %.10g", i,
			  table[i].p, got, table[i].want);
	}
	cr_expect(isnan(kpi_quantile(NULL, 0, 0.5)), "no values: no quantile");
}

Test(quantile, sort_then_quantile_of_twenty)
{
	double v[20];
	for (int i = 0; i < 20; i++)
		v[i] = 20 - i; /* 20 .. 1 */
	kpi_sort(v, 20);
	cr_expect_eq(v[0], 1);
	cr_expect_eq(v[19], 20);
	/* rank 0.95 * 19 = 18.05: 19 + 0.05 */
	cr_expect(NEAR(kpi_quantile(v, 20, 0.95), 19.05));
	cr_expect(NEAR(kpi_quantile(v, 20, 0.5), 10.5));
}

Test(ratio, sums_nums_over_dens)
{
	struct kpi_point p[] = { { 1, 2 }, { 3, 4 } };
	cr_expect(NEAR(kpi_ratio(p, 2), 4.0 / 6.0), "a rate over a period is not a mean of rates");
	cr_expect(isnan(kpi_ratio(p, 0)));
}

/* n points with values uniform in [lo, lo + 1), each weighing 1. */
static struct kpi_point *uniform(size_t n, double lo, uint64_t seed)
{
	struct kpi_point *p = calloc(n, sizeof *p);
	for (size_t i = 0; i < n; i++)
		p[i] = (struct kpi_point){ lo + (double)(retry_random(&seed) % 10000) / 10000.0, 1 };
	return p;
}

Test(bootstrap, same_distribution_contains_zero)
{
	struct kpi_point *a = uniform(40, 0, 1), *b = uniform(40, 0, 2);
	struct kpi_ci ci;
	cr_assert(kpi_bootstrap_change(a, 40, b, 40, 2000, 99, &ci));
	cr_expect(ci.low < 0 && ci.high > 0, "CI [%g, %g] must contain 0", ci.low, ci.high);
	cr_expect(ci.high - ci.low < 0.5, "and be narrow: [%g, %g]", ci.low, ci.high);
	free(a);
	free(b);
}

Test(bootstrap, shifted_distribution_excludes_zero)
{
	struct kpi_point *a = uniform(40, 0, 1), *b = uniform(40, 0.5, 2);
	struct kpi_ci up, down;
	cr_assert(kpi_bootstrap_change(a, 40, b, 40, 2000, 99, &up));
	cr_expect(up.low > 0, "shifted up by 0.5: CI [%g, %g] above 0", up.low, up.high);
	cr_expect(up.low < 0.5 && up.high > 0.5, "and around the shift: [%g, %g]", up.low, up.high);
	cr_assert(kpi_bootstrap_change(b, 40, a, 40, 2000, 99, &down));
	cr_expect(down.high < 0, "shifted down: CI [%g, %g] below 0", down.low, down.high);
	free(a);
	free(b);
}

Test(bootstrap, seeded_and_reproducible)
{
	struct kpi_point *a = uniform(10, 0, 3), *b = uniform(10, 0.2, 4);
	struct kpi_ci x, y, z;
	kpi_bootstrap_change(a, 10, b, 10, 500, 7, &x);
	kpi_bootstrap_change(a, 10, b, 10, 500, 7, &y);
	kpi_bootstrap_change(a, 10, b, 10, 500, 8, &z);
	cr_expect(x.low == y.low && x.high == y.high, "same seed, same interval");
	cr_expect(x.low != z.low || x.high != z.high, "another seed, another draw");
	cr_expect_eq(kpi_seed("job_error_rate/system/system.canary"),
		     kpi_seed("job_error_rate/system/system.canary"));
	cr_expect_neq(kpi_seed("a"), kpi_seed("b"));
	free(a);
	free(b);
}

Test(bootstrap, blocks_of_consecutive_samples)
{
	struct kpi_point v[10];
	for (int i = 0; i < 10; i++)
		v[i] = (struct kpi_point){ i, 1 };
	cr_expect_eq(kpi_blocks(v, 10, 10), 10, "few enough: left alone");
	cr_assert_eq(kpi_blocks(v, 10, 4), 4, "blocks of 3: 0-2, 3-5, 6-8, 9");
	static const double num[] = { 3, 12, 21, 9 }, den[] = { 3, 3, 3, 1 };
	for (int i = 0; i < 4; i++)
		cr_expect(v[i].num == num[i] && v[i].den == den[i], "block %d: %g/%g", i, v[i].num,
			  v[i].den);
	cr_expect(NEAR(kpi_ratio(v, 4), 4.5), "the ratio is unchanged");
}

Test(bootstrap, identical_constant_sides_have_a_zero_interval)
{
	struct kpi_point a[] = { { 1, 4 }, { 1, 4 }, { 1, 4 } };
	struct kpi_ci ci;
	cr_assert(kpi_bootstrap_change(a, 3, a, 3, 100, 1, &ci));
	cr_expect(ci.low == 0 && ci.high == 0);
	cr_expect_not(kpi_bootstrap_change(a, 0, a, 3, 100, 1, &ci), "an empty side has no CI");
}

Test(intervals, union_merges_overlaps_and_touching)
{
	struct kpi_interval v[] = { { 50, 60 }, { 0, 10 }, { 5, 20 }, { 20, 30 }, { 40, 45 } };
	size_t n = kpi_intervals_union(v, 5);
	cr_assert_eq(n, 3);
	cr_expect(v[0].from == 0 && v[0].to == 30);
	cr_expect(v[1].from == 40 && v[1].to == 45);
	cr_expect(v[2].from == 50 && v[2].to == 60);
}

Test(intervals, intersect)
{
	struct kpi_interval a[] = { { 0, 10 }, { 20, 30 } }, b[] = { { 5, 25 } }, out[3];
	size_t n = kpi_intervals_intersect(a, 2, b, 1, out);
	cr_assert_eq(n, 2);
	cr_expect(out[0].from == 5 && out[0].to == 10);
	cr_expect(out[1].from == 20 && out[1].to == 25);
}

Test(intervals, spread_over_hours)
{
	const int64_t H = KPI_HOUR_MS, h0 = 1000 * H;
	/* 30 min in the first hour, then 1.5 hours across the second and third */
	struct kpi_interval v[] = { { h0 + H / 2, h0 + H }, { h0 + H, h0 + 5 * H / 2 } };
	double ms[4] = { 0 };
	kpi_intervals_per_hour(v, 2, h0, 3, ms);
	cr_expect(ms[0] == H / 2 && ms[1] == H && ms[2] == H / 2 && ms[3] == 0,
		  "got %g %g %g %g", ms[0], ms[1], ms[2], ms[3]);
}

Test(hours, truncation_is_utc_and_floors)
{
	cr_expect_eq(kpi_hour_of(KPI_HOUR_MS * 5 + 1), KPI_HOUR_MS * 5);
	cr_expect_eq(kpi_hour_of(-1), -KPI_HOUR_MS);
	cr_expect_eq(kpi_day_of(KPI_DAY_MS * 3 + KPI_HOUR_MS * 23), KPI_DAY_MS * 3);
}

Test(spark, blocks_ascii_and_flat)
{
	double v[] = { 0, 3.5, 7 }, flat[] = { 2, 2 };
	char *s = kpi_spark(v, 3, true);
	cr_expect_str_eq(s, "▁▅█");
	free(s);
	s = kpi_spark(v, 3, false);
	cr_expect_str_eq(s, "_=#");
	free(s);
	s = kpi_spark(flat, 2, true);
	cr_expect_str_eq(s, "▁▁");
	free(s);
	s = kpi_spark(NULL, 0, true);
	cr_expect_str_eq(s, "");
	free(s);
}

Test(spark, locale_from_the_environment)
{
	setenv("LC_ALL", "", 1);
	setenv("LC_CTYPE", "", 1);
	setenv("LANG", "en_US.UTF-8", 1);
	cr_expect(kpi_utf8_locale());
	setenv("LANG", "C", 1);
	cr_expect_not(kpi_utf8_locale());
	setenv("LC_ALL", "C.utf8", 1);
	cr_expect(kpi_utf8_locale(), "LC_ALL wins over LANG");
	setenv("LC_ALL", "POSIX", 1);
	setenv("LANG", "en_US.UTF-8", 1);
	cr_expect_not(kpi_utf8_locale());
}
