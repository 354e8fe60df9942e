/* console_data.c - time the reads the console makes on every refresh
 * (flowmap_build, jobs_history, firing_rule_stats) against a database, at
 * a given "now", so a generated database with a known time span can be
 * measured.  Not part of the test suite: timings are reported, never
 * asserted.  See console_data.sh.
 *
 *   console_data DB NOW_MS [RUNS]
 *
 * Prints, per read and window, the median and the worst of RUNS calls
 * (after one warm-up call) in milliseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flowmap.h"
#include "jobs_admin.h"
#include "rules.h"
#include "store.h"
#include "store_firing.h"
#include "subsystem.h"

enum read_kind { READ_MAP, READ_HISTORY, READ_STATS };

struct read {
	enum read_kind kind;
	const char *what;
	int64_t a, b; /* map: window; history: bucket, count */
};

static const struct read reads[] = {
	{ READ_MAP, "flowmap_build, window 1h", 3600000, 0 },
	{ READ_MAP, "flowmap_build, window 24h", 86400000, 0 },
	{ READ_HISTORY, "jobs_history, 12 x 5m", 300000, 12 },
	{ READ_HISTORY, "jobs_history, 24 x 1h", 3600000, 24 },
	{ READ_STATS, "firing_rule_stats", 0, 0 },
};

static double ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int one(struct store *st, const struct rule_set *rules, const struct read *r, int64_t now)
{
	json_t *out = NULL;
	char *err = NULL;
	enum orr_rc rc = ORR_OK;
	if (r->kind == READ_MAP)
		rc = flowmap_build(st, rules, now, r->a, &out, &err);
	else if (r->kind == READ_HISTORY)
		rc = jobs_history(st, now, r->a, (int)r->b, &out, &err);
	else
		rc = firing_rule_stats(st, now - now % 86400000, &out, &err);
	if (rc != ORR_OK) {
		fprintf(stderr, "console_data: %s: %s\n", r->what, err ? err : "failed");
		free(err);
		return 1;
	}
	json_decref(out);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: console_data DB NOW_MS [RUNS]\n");
		return 64;
	}
	int64_t now = strtoll(argv[2], NULL, 10);
	int runs = argc > 3 ? atoi(argv[3]) : 20;
	if (runs < 1)
		runs = 1;
	struct store *st = NULL;
	char *err = NULL;
	if (store_open(argv[1], STORE_READONLY, &st, &err) != ORR_OK) {
		fprintf(stderr, "console_data: %s\n", err);
		return 66;
	}
	struct rule_set rules = { 0 };
	struct rule_diags diags = { 0 };
	rules_load_builtin(&rules, subsystem_kind_known, &diags);
	double *t = calloc((size_t)runs, sizeof *t);
	int bad = 0;
	printf("| read | median ms | worst ms |\n|---|---:|---:|\n");
	for (size_t k = 0; k < sizeof reads / sizeof *reads && !bad; k++) {
		bad |= one(st, &rules, &reads[k], now); /* warm-up: statements prepared, pages cached */
		for (int i = 0; i < runs && !bad; i++) {
			double t0 = ms_now();
			bad |= one(st, &rules, &reads[k], now);
			t[i] = ms_now() - t0;
		}
		qsort(t, (size_t)runs, sizeof *t, cmp_double);
		printf("| %s | %.3f | %.3f |\n", reads[k].what, t[runs / 2], t[runs - 1]);
	}
	free(t);
	rule_diags_free(&diags);
	rule_set_free(&rules);
	store_close(st);
	return bad;
}
