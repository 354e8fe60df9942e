/* kpi_stats.c - percentiles, ratios, the bootstrap, intervals, sparklines. */
#include "kpi_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "retry.h"
#include "xalloc.h"

int64_t kpi_hour_of(int64_t ms)
{
	return ms - ((ms % KPI_HOUR_MS) + KPI_HOUR_MS) % KPI_HOUR_MS;
}

int64_t kpi_day_of(int64_t ms)
{
	return ms - ((ms % KPI_DAY_MS) + KPI_DAY_MS) % KPI_DAY_MS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void kpi_sort(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_double);
}

double kpi_quantile(const double *sorted, size_t n, double p)
{
	if (n == 0)
		return NAN;
	double rank = p * (double)(n - 1); /* 0-based */
	size_t lo = (size_t)floor(rank);
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + (rank - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

double kpi_ratio(const struct kpi_point *v, size_t n)
{
	double num = 0, den = 0;
	for (size_t i = 0; i < n; i++) {
		num += v[i].num;
		den += v[i].den;
	}
	return den > 0 ? num / den : NAN;
}

/* The ratio of n points drawn with replacement from v. */
static double resampled_ratio(const struct kpi_point *v, size_t n, uint64_t *rnd)
{
	double num = 0, den = 0;
	for (size_t i = 0; i < n; i++) {
		const struct kpi_point *p = &v[retry_random(rnd) % n];
		num += p->num;
		den += p->den;
	}
	return num / den;
}

bool kpi_bootstrap_change(const struct kpi_point *base, size_t nb, const struct kpi_point *cur,
			  size_t nc, int reps, uint64_t seed, struct kpi_ci *ci)
{
	if (nb == 0 || nc == 0 || reps < 1)
		return false;
	double *diff = xmalloc((size_t)reps * sizeof *diff);
	uint64_t rnd = seed;
	for (int r = 0; r < reps; r++)
		diff[r] = resampled_ratio(cur, nc, &rnd) - resampled_ratio(base, nb, &rnd);
	kpi_sort(diff, (size_t)reps);
	ci->low = kpi_quantile(diff, (size_t)reps, 0.025);
	ci->high = kpi_quantile(diff, (size_t)reps, 0.975);
	free(diff);
	return true;
}

size_t kpi_blocks(struct kpi_point *v, size_t n, size_t max)
{
	if (n <= max || max == 0)
		return n;
	size_t k = (n + max - 1) / max, out = 0; /* points per block */
	for (size_t i = 0; i < n; i += k, out++) {
		struct kpi_point b = { 0, 0 };
		for (size_t j = i; j < n && j < i + k; j++) {
			b.num += v[j].num;
			b.den += v[j].den;
		}
		v[out] = b;
	}
	return out;
}

/* FNV-1a, 64 bits. */
uint64_t kpi_seed(const char *text)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

/* --- intervals ------------------------------------------------------------- */

static int cmp_interval(const void *a, const void *b)
{
	const struct kpi_interval *x = a, *y = b;
	return (x->from > y->from) - (x->from < y->from);
}

size_t kpi_intervals_union(struct kpi_interval *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_interval);
	size_t out = 0;
	for (size_t i = 1; i < n; i++) {
		if (v[i].from <= v[out].to) {
			if (v[i].to > v[out].to)
				v[out].to = v[i].to;
		} else {
			v[++out] = v[i];
		}
	}
	return out + 1;
}

size_t kpi_intervals_intersect(const struct kpi_interval *a, size_t na,
			       const struct kpi_interval *b, size_t nb, struct kpi_interval *out)
{
	size_t i = 0, j = 0, n = 0;
	while (i < na && j < nb) {
		int64_t from = a[i].from > b[j].from ? a[i].from : b[j].from;
		int64_t to = a[i].to < b[j].to ? a[i].to : b[j].to;
		if (from < to)
			out[n++] = (struct kpi_interval){ from, to };
		if (a[i].to < b[j].to)
			i++;
		else
			j++;
	}
	return n;
}

void kpi_intervals_per_hour(const struct kpi_interval *v, size_t n, int64_t h0, size_t nh,
			    double *ms)
{
	int64_t end = h0 + (int64_t)nh * KPI_HOUR_MS;
	for (size_t k = 0; k < n; k++) {
		int64_t from = v[k].from > h0 ? v[k].from : h0;
		int64_t to = v[k].to < end ? v[k].to : end;
		while (from < to) {
			int64_t h = kpi_hour_of(from);
			int64_t stop = h + KPI_HOUR_MS < to ? h + KPI_HOUR_MS : to;
			ms[(h - h0) / KPI_HOUR_MS] += (double)(stop - from);
			from = stop;
		}
	}
}

/* --- sparklines ------------------------------------------------------------ */

char *kpi_spark(const double *v, size_t n, bool utf8)
{
	static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char ascii[] = "_.-:=+*#";
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	char *out = xmalloc(n * 3 + 1), *p = out;
	for (size_t i = 0; i < n; i++) {
		int level = hi > lo ? (int)floor((v[i] - lo) / (hi - lo) * 7.0 + 0.5) : 0;
		if (utf8) {
			memcpy(p, blocks[level], 3); /* each block is 3 bytes of UTF-8 */
			p += 3;
		} else {
			*p++ = ascii[level];
		}
	}
	*p = '\0';
	return out;
}

bool kpi_utf8_locale(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
		const char *s = getenv(vars[i]);
		if (!s || !*s)
			continue;
		const char *dot = strchr(s, '.');
		const char *cs = dot ? dot + 1 : s;
		return strncasecmp(cs, "utf-8", 5) == 0 || strncasecmp(cs, "utf8", 4) == 0;
	}
	return false;
}
