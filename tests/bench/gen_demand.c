/* gen_demand.c - daily demand series generated from real shapes, for
 * tests/bench/forecast.sh.  Usage: gen_demand M5_SALES.csv COUNT [SEED]
 *
 * Each series takes one real M5 series (days before its first sale left
 * out), a window of 180 to 730 days of it plus 28 held-out days, and its
 * shape there: the 28-day centred moving average (level shifts, launches,
 * slow seasons) times its weekday profile.  That mean, scaled by a
 * log-uniform factor from 0.2 to 50 (slow movers to fast ones), drives
 * Poisson draws: the real pattern, a new sample path.  Deterministic for a
 * seed.  Output: "gen_N,v1,v2,..." lines, as fc_bench and forecast_r.R read. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXS 64
#define MAXD 4096
#define HOLD 28

static uint64_t rng = 88172645463325252ULL;

static double unit(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng >> 11) * (1.0 / 9007199254740992.0);
}

/* Knuth's product method below 30, a rounded normal approximation above. */
static long poisson(double mean)
{
	if (mean <= 0)
		return 0;
	if (mean > 30) {
		double u = unit(), v = unit();
		double z = sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
		long k = lround(mean + sqrt(mean) * z);
		return k < 0 ? 0 : k;
	}
	double l = exp(-mean), p = 1;
	long k = 0;
	do {
		k++;
		p *= unit();
	} while (p > l);
	return k - 1;
}

static double series[MAXS][MAXD];
static int len[MAXS];

static int load(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	static char line[1 << 16];
	int n = 0;
	if (!fgets(line, sizeof line, f)) { /* header */
		fclose(f);
		return -1;
	}
	while (n < MAXS && fgets(line, sizeof line, f)) {
		char *save, *tok = strtok_r(line, ",\n", &save);
		int col = 0, started = 0;
		len[n] = 0;
		while (tok && len[n] < MAXD) {
			if (++col > 6) { /* id, item, dept, cat, store, state, then days */
				double v = strtod(tok, NULL);
				started |= v > 0;
				if (started)
					series[n][len[n]++] = v;
			}
			tok = strtok_r(NULL, ",\n", &save);
		}
		if (len[n] >= 180 + HOLD)
			n++;
	}
	fclose(f);
	return n;
}

/* The mean path of base series b over [start, start+n). */
static void shape(int b, int start, int n, double *mean)
{
	double week[7] = { 0 }, total = 0;
	for (int t = 0; t < len[b]; t++) {
		week[t % 7] += series[b][t];
		total += series[b][t];
	}
	for (int i = 0; i < 7; i++)
		week[i] = total > 0 ? week[i] * 7 / total : 1;
	for (int t = 0; t < n; t++) {
		int c = start + t, lo = c - 14 < 0 ? 0 : c - 14, hi = c + 14 > len[b] ? len[b] : c + 14;
		double s = 0;
		for (int u = lo; u < hi; u++)
			s += series[b][u];
		mean[t] = s / (hi - lo) * week[c % 7];
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: gen_demand M5_SALES.csv COUNT [SEED]\n");
		return 64;
	}
	long count = atol(argv[2]);
	if (argc > 3)
		rng ^= strtoull(argv[3], NULL, 10) * 0x9e3779b97f4a7c15ULL;
	int nb = load(argv[1]);
	if (nb <= 0) {
		fprintf(stderr, "gen_demand: no usable series in %s\n", argv[1]);
		return 66;
	}
	static double mean[MAXD];
	for (long i = 0; i < count; i++) {
		int b = (int)(unit() * nb);
		int want = 180 + (int)(unit() * 551) + HOLD;
		int n = want < len[b] ? want : len[b];
		int start = (int)(unit() * (len[b] - n + 1));
		double scale = exp(log(0.2) + unit() * (log(50) - log(0.2)));
		shape(b, start, n, mean);
		printf("gen_%ld", i + 1);
		for (int t = 0; t < n; t++)
			printf(",%ld", poisson(mean[t] * scale));
		putchar('\n');
	}
	return 0;
}
