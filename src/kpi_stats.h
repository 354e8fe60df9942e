/* kpi_stats.h - the arithmetic behind the KPIs, apart from any storage:
 * percentiles, ratio aggregation, a seeded bootstrap of a change, time
 * intervals spread over hours, and sparklines.  libc only. */
#ifndef ORR_KPI_STATS_H
#define ORR_KPI_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KPI_HOUR_MS 3600000LL
#define KPI_DAY_MS 86400000LL

/* The UTC hour or day containing ms. */
int64_t kpi_hour_of(int64_t ms);
int64_t kpi_day_of(int64_t ms);

/* Sort ascending, in place. */
void kpi_sort(double *v, size_t n);
/* The p-quantile (0 <= p <= 1) of n sorted values, interpolating linearly
 * between the closest ranks (Hyndman-Fan type 7, numpy's default): the
 * value at rank 1 + p(n - 1).  NAN when n is 0. */
double kpi_quantile(const double *sorted, size_t n, double p);

/* One sample: its value is num / den (den > 0). */
struct kpi_point {
	double num, den;
};
/* The value of a period: sum(num) / sum(den).  NAN when there is none. */
double kpi_ratio(const struct kpi_point *v, size_t n);

/* A 95% confidence interval of ratio(cur) - ratio(base) by the percentile
 * bootstrap: reps times, resample each side with replacement (the sample,
 * not the fact, is the unit) and take the difference; the interval runs
 * from the 2.5th to the 97.5th percentile of the differences.  The seed
 * makes it reproducible.  False when either side is empty. */
struct kpi_ci {
	double low, high;
};
bool kpi_bootstrap_change(const struct kpi_point *base, size_t nb, const struct kpi_point *cur,
			  size_t nc, int reps, uint64_t seed, struct kpi_ci *ci);

/* Merge runs of consecutive points so that at most max remain (each run
 * sums its nums and dens); returns the new count.  Resampling such blocks
 * of neighbouring hours instead of single hours bounds the cost of a long
 * baseline and respects that neighbouring hours are alike. */
size_t kpi_blocks(struct kpi_point *v, size_t n, size_t max);

/* A seed that depends only on the text: a KPI series gets the same
 * interval from the same samples, whatever else is compared with it. */
uint64_t kpi_seed(const char *text);

/* Half-open time intervals [from, to) in ms. */
struct kpi_interval {
	int64_t from, to;
};
/* Sort by start and merge overlapping or touching intervals, in place;
 * returns the new count. */
size_t kpi_intervals_union(struct kpi_interval *v, size_t n);
/* The intersection of two unions (sorted, disjoint) into out, which holds
 * at least na + nb; returns its count. */
size_t kpi_intervals_intersect(const struct kpi_interval *a, size_t na,
			       const struct kpi_interval *b, size_t nb, struct kpi_interval *out);
/* Add to ms[i] how much of hour h0 + i (i < nh) the intervals cover. */
void kpi_intervals_per_hour(const struct kpi_interval *v, size_t n, int64_t h0, size_t nh,
			    double *ms);

/* A sparkline of n values, oldest first: one glyph per value, scaled from
 * the smallest to the largest (a flat line sits at the bottom); Unicode
 * blocks (▁▂▃▄▅▆▇█) or ASCII (_.-:=+*#).  The caller frees it. */
char *kpi_spark(const double *v, size_t n, bool utf8);
/* Does the environment ask for UTF-8 (LC_ALL, else LC_CTYPE, else LANG)? */
bool kpi_utf8_locale(void);

#endif
