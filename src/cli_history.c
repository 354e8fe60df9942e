/* cli_history.c - `jobs history`: jobs_history as sparklines and counts.
 * A verb of `jobs` (cli_jobs.c's table); here so the jobs file stays about
 * changing the queue. */
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "clock.h"
#include "jobs_admin.h"
#include "xalloc.h"

#define DEFAULT_BUCKET_MS 300000 /* 5m */
#define DEFAULT_BUCKETS 12
#define MAX_BUCKETS 1000

/* "5m" for 300000: the largest unit that divides the duration. */
static char *duration_text(int64_t ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = { { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 } };
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (ms % units[i].ms == 0)
			return xasprintf("%lld%s", (long long)(ms / units[i].ms), units[i].unit);
	return xasprintf("%lldms", (long long)ms);
}

/* One series: its total, a sparkline scaled to the largest bucket of all
 * series (so the lines compare), and the counts. */
static void series_text(struct cli *cli, json_t *h, const char *name, json_int_t top)
{
	static const char *const bars[] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	json_t *v = json_object_get(h, name), *n;
	json_int_t total = 0;
	size_t i;
	json_array_foreach(v, i, n) {
		total += json_integer_value(n);
	}
	fprintf(cli->out, "%-10s %7lld  ", name, (long long)total);
	json_array_foreach(v, i, n) {
		json_int_t x = json_integer_value(n);
		fputs(bars[x <= 0 || top <= 0 ? 0 : 1 + (int)(x * 7 / top)], cli->out);
	}
	json_array_foreach(v, i, n) {
		fprintf(cli->out, " %lld", (long long)json_integer_value(n));
	}
	fputc('\n', cli->out);
}

static void history_text(struct cli *cli, json_t *h)
{
	static const char *const series[] = { "created", "started", "succeeded", "failed", "dead",
					      "cancelled" };
	json_int_t top = 0;
	for (size_t k = 0; k < sizeof series / sizeof *series; k++) {
		size_t i;
		json_t *n;
		json_array_foreach(json_object_get(h, series[k]), i, n) {
			if (json_integer_value(n) > top)
				top = json_integer_value(n);
		}
	}
	char from[CLOCK_TEXT_LEN], to[CLOCK_TEXT_LEN];
	clock_format(cli_int(h, "since_ms"), from);
	clock_format(cli_int(h, "now_ms"), to);
	char *bucket = duration_text(cli_int(h, "bucket_ms"));
	fprintf(cli->out, "jobs per %s from %s to %s, oldest first\n%-10s %7s\n", bucket, from, to,
		"", "total");
	free(bucket);
	for (size_t k = 0; k < sizeof series / sizeof *series; k++)
		series_text(cli, h, series[k], top);
}

/* --bucket (a duration) and --buckets (a count), checked. */
static int history_options(struct cli *cli, int64_t *bucket_ms, int *n)
{
	const char *b = cli_args_get(&cli->args, "bucket");
	*bucket_ms = b ? rules_parse_duration(b) : DEFAULT_BUCKET_MS;
	if (*bucket_ms < 1)
		return cli_fail(cli, ORR_USAGE, xasprintf("jobs history: --bucket takes a duration "
							  "such as 30s, 5m or 1h, not \"%s\"", b));
	long long count = cli_number(cli, "buckets", DEFAULT_BUCKETS);
	if (count < 0)
		return ORR_USAGE;
	if (count < 1 || count > MAX_BUCKETS)
		return cli_fail(cli, ORR_USAGE, xasprintf("jobs history: --buckets takes 1 to %d, not "
							  "%lld", MAX_BUCKETS, count));
	*n = (int)count;
	return ORR_OK;
}

int cli_jobs_history(struct cli *cli)
{
	int64_t bucket_ms = 0;
	int n = 0;
	int rc = history_options(cli, &bucket_ms, &n);
	if (rc != ORR_OK)
		return rc;
	json_t *h = NULL;
	char *err = NULL;
	rc = jobs_history(cli->st, clock_now(&clock_system), bucket_ms, n, &h, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, h);
		return ORR_OK;
	}
	history_text(cli, h);
	json_decref(h);
	return ORR_OK;
}
