/* fc_bench.c - the forecast models on many series, timed, for
 * tests/bench/forecast.sh.  Reads series as CSV lines "id,v1,v2,...",
 * holds out the last H values (-h H, default 28), forecasts them and
 * prints one line per series and method: id,method,label,mase,wape,bias.
 * The CPU time of each method group goes to stderr as
 * "time,GROUP,SECONDS": ets (automatic ETS alone, as R's ets()),
 * croston (as R's croston()), select (the whole per-series choice by
 * backtest among every method, as `orrery forecast` runs it). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fc_model.h"
#include "fc_select.h"

#define MAXN 4096

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_score(const char *id, const char *method, const char *label,
			const double *y, int n, const double *f, int h)
{
	double g[MAXN];
	for (int i = 0; i < h; i++)
		g[i] = fmax(f[i], 0);
	struct fc_score s = fc_score_of(y, n, y + n, g, h);
	printf("%s,%s,%s,%.6g,%.6g,%.6g\n", id, method, label, s.mase, s.wape, s.bias);
}

int main(int argc, char **argv)
{
	int h = 28;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 && i + 1 < argc)
			h = atoi(argv[++i]);
		else
			path = argv[i];
	}
	FILE *in = path ? fopen(path, "r") : stdin;
	if (!in || h < 1) {
		fprintf(stderr, "usage: fc_bench [-h H] [FILE]: %s\n", strerror(errno));
		return 64;
	}
	static char line[1 << 20];
	static double y[MAXN], f[MAXN];
	double t_ets = 0, t_cro = 0, t_sel = 0;
	long series = 0;
	while (fgets(line, sizeof line, in)) {
		char *save, *id = strtok_r(line, ",\n", &save), *tok;
		int n = 0;
		while ((tok = strtok_r(NULL, ",\n", &save)) && n < MAXN)
			y[n++] = strtod(tok, NULL);
		if (!id || n <= h + 2)
			continue;
		int train = n - h;
		series++;
		struct fc_model m;
		char label[16];
		double t0 = cpu_seconds();
		bool ok = fc_fit(FC_ETS, y, train, &m);
		if (ok)
			fc_predict(&m, y, train, h, 0.95, f, NULL, NULL);
		t_ets += cpu_seconds() - t0;
		if (ok)
			print_score(id, "ets", fc_ets_label(&m.kind, label), y, train, f, h);
		t0 = cpu_seconds();
		ok = fc_fit(FC_CROSTON, y, train, &m);
		if (ok)
			fc_predict(&m, y, train, h, 0.95, f, NULL, NULL);
		t_cro += cpu_seconds() - t0;
		if (ok)
			print_score(id, "croston", "croston", y, train, f, h);
		for (int k = 0; k < FC_NMETHODS; k++) {
			if (k == FC_ETS || k == FC_CROSTON || !fc_fit((enum fc_method)k, y, train, &m))
				continue;
			fc_predict(&m, y, train, h, 0.95, f, NULL, NULL);
			print_score(id, fc_method_name((enum fc_method)k), fc_method_name((enum fc_method)k),
				    y, train, f, h);
		}
		struct fc_choice c;
		t0 = cpu_seconds();
		ok = fc_select(y, train, h, NULL, &c);
		if (ok)
			fc_predict(&c.model, y, train, h, 0.95, f, NULL, NULL);
		t_sel += cpu_seconds() - t0;
		if (ok)
			print_score(id, "select", c.label, y, train, f, h);
	}
	fprintf(stderr, "series,%ld\ntime,ets,%.3f\ntime,croston,%.3f\ntime,select,%.3f\n", series,
		t_ets, t_cro, t_sel);
	return 0;
}
