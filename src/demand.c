/* demand.c - daily demand series from the store's demand rows. */
#include "demand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_forecast.h"
#include "xalloc.h"

#define IMPUTE_DAYS 28

/* Howard Hinnant's days-from-civil algorithm, proleptic Gregorian. */
static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

long demand_day_number(const char *s)
{
	if (!s || strlen(s) < 10)
		return -1;
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			return -1;
	long y = strtol(s, NULL, 10);
	int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	long n = days_from_civil(y, m, d);
	char back[11];
	demand_day_text(n, back); /* 29 February of a common year does not come back */
	return strncmp(back, s, 10) == 0 ? n : -1;
}

void demand_day_text(long z, char out[11])
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	/* the bounds let the compiler see the text fits (days orrery handles
	 * are years 0 to 9999) */
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(y + (m <= 2)) % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
}

/* One SKU being gathered. */
struct gather {
	struct store *st;
	demand_fn fn;
	void *ctx;
	long as_of;
	char *sku;
	int64_t variant_id;
	long first;        /* day number of the first sale; -1 before it */
	double carry;      /* returns not yet netted */
	double returned;
	double *units;
	unsigned char *flags;
	int n, cap;
	bool stopped;
	enum orr_rc rc;
	char *err;
};

static void grow_to(struct gather *g, int n)
{
	if (n <= g->cap)
		return;
	int cap = g->cap ? g->cap : 256;
	while (cap < n)
		cap *= 2;
	g->units = xrealloc(g->units, sizeof *g->units * (size_t)cap);
	g->flags = xrealloc(g->flags, (size_t)cap);
	g->cap = cap;
}

static void mark_stockout(void *ctx, const char *day)
{
	struct gather *g = ctx;
	long i = demand_day_number(day) - g->first;
	if (i >= 0 && i < g->n)
		g->flags[i] = 1;
}

/* Censored days take the mean of the uncensored days of the four weeks
 * before (left as they are when there is none). */
static int impute_stockouts(struct gather *g)
{
	int flagged = 0;
	for (int t = 0; t < g->n; t++) {
		if (!g->flags[t])
			continue;
		flagged++;
		double sum = 0;
		int cnt = 0;
		for (int u = t - IMPUTE_DAYS < 0 ? 0 : t - IMPUTE_DAYS; u < t; u++)
			if (!g->flags[u]) {
				sum += g->units[u];
				cnt++;
			}
		if (cnt > 0 && g->units[t] < sum / cnt)
			g->units[t] = sum / cnt;
	}
	return flagged;
}

/* The SKU gathered so far, padded with zeros to the as-of day, to fn. */
static void flush(struct gather *g)
{
	if (!g->sku || g->first < 0 || g->stopped || g->rc != ORR_OK)
		return;
	int n = (int)(g->as_of - g->first + 1);
	grow_to(g, n);
	for (int t = g->n; t < n; t++) {
		g->units[t] = 0;
		g->flags[t] = 0;
	}
	g->n = n;
	struct demand_series s = { .sku = g->sku, .variant_id = g->variant_id, .n = n,
				   .units = g->units, .stockout = g->flags,
				   .returned = g->returned };
	demand_day_text(g->first, s.first);
	demand_day_text(g->as_of, s.as_of);
	if (g->variant_id) {
		g->rc = fcstore_stockout_days(g->st, g->variant_id, s.first, s.as_of, mark_stockout,
					      g, &g->err);
		if (g->rc != ORR_OK)
			return;
		s.stockout_days = impute_stockouts(g);
	}
	if (!g->fn(g->ctx, &s))
		g->stopped = true;
}

static void start_sku(struct gather *g, const struct demand_row *r)
{
	free(g->sku);
	g->sku = xstrdup(r->sku);
	g->variant_id = r->variant_id;
	g->first = -1;
	g->carry = g->returned = 0;
	g->n = 0;
}

static bool add_row(void *ctx, const struct demand_row *r)
{
	struct gather *g = ctx;
	if (!g->sku || strcmp(g->sku, r->sku) != 0) {
		flush(g);
		if (g->stopped || g->rc != ORR_OK)
			return false;
		start_sku(g, r);
	}
	long day = demand_day_number(r->day);
	if (day < 0 || day > g->as_of)
		return true; /* an order's unparsable time: not a day of demand */
	g->returned += r->returned;
	double net = r->units - g->carry;
	g->carry = net < 0 ? -net : 0;
	if (net <= 0 && g->first < 0)
		return true; /* before the first sale */
	if (g->first < 0)
		g->first = day;
	int i = (int)(day - g->first);
	grow_to(g, i + 1);
	for (int t = g->n; t <= i; t++) {
		g->units[t] = 0;
		g->flags[t] = 0;
	}
	g->units[i] = net > 0 ? net : 0;
	g->n = i + 1;
	return true;
}

enum orr_rc demand_each(struct store *st, const char *sku, const char *as_of, demand_fn fn,
			void *ctx, char *as_of_used, char **err)
{
	char last[11];
	if (!as_of) {
		enum orr_rc rc = fcstore_last_day(st, last, err);
		if (rc != ORR_OK)
			return rc;
		as_of = last;
	}
	struct gather g = { .st = st, .fn = fn, .ctx = ctx, .first = -1, .rc = ORR_OK };
	g.as_of = demand_day_number(as_of);
	if (as_of_used)
		snprintf(as_of_used, 11, "%s", as_of);
	if (g.as_of < 0)
		return ORR_OK; /* no demand recorded at all */
	enum orr_rc rc = fcstore_demand(st, sku, as_of, add_row, &g, err);
	if (rc == ORR_OK)
		flush(&g);
	if (rc == ORR_OK && g.rc != ORR_OK) {
		rc = g.rc;
		*err = g.err;
		g.err = NULL;
	}
	free(g.err);
	free(g.sku);
	free(g.units);
	free(g.flags);
	return rc;
}
