/* cli_kpi.c - `kpi`: collect, show, baselines, compare, export, catalog. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "clock.h"
#include "kpi.h"
#include "kpi_catalog.h"
#include "parse.h"
#include "store.h"
#include "xalloc.h"

/* --- options --------------------------------------------------------------- */

/* A time for --from, --to, --at: ISO 8601 UTC, or a day (its midnight; for
 * --to, the end of that day, so --to 2026-11-30 includes the 30th). */
static int64_t parse_date(const char *s, bool end_of_day)
{
	int64_t ms = clock_parse(s);
	if (ms >= 0)
		return ms;
	char norm[PARSE_TIME_LEN];
	const char *why;
	if (parse_time(s, norm, &why) != PARSE_OK)
		return -1;
	ms = clock_parse(norm);
	if (ms >= 0 && end_of_day && strlen(s) == 10)
		ms += KPI_DAY_MS;
	return ms;
}

/* The value of a date option (0 when absent), or -1 with a message. */
static int64_t date_option(struct cli *cli, const char *name, bool end_of_day)
{
	const char *s = cli_args_get(&cli->args, name);
	if (!s)
		return 0;
	int64_t ms = parse_date(s, end_of_day);
	if (ms <= 0)
		fprintf(cli->errs, "orrery: kpi: --%s: \"%s\" is not a date (2026-11-01 or "
			"2026-11-01T09:30:00Z, UTC)\n", name, s);
	return ms > 0 ? ms : -1;
}

/* --window, or the default; -1 with a message when malformed. */
static int64_t window_option(struct cli *cli, int64_t fallback)
{
	const char *s = cli_args_get(&cli->args, "window");
	int64_t ms = s ? rules_parse_duration(s) : fallback;
	if (ms > 0)
		return ms;
	fprintf(cli->errs, "orrery: kpi: --window takes a duration such as 24h or 7d, not \"%s\"\n",
		s);
	return -1;
}

static int64_t fixed_now(void *ctx)
{
	return *(const int64_t *)ctx;
}

/* The clock reports: --at DATE, else now.  -1 with a message when bad. */
static int report_clock(struct cli *cli, struct clock *c, int64_t *at)
{
	*at = date_option(cli, "at", false);
	if (*at < 0)
		return ORR_USAGE;
	*c = *at ? (struct clock){ fixed_now, at } : clock_system;
	return ORR_OK;
}

/* Every action reads samples brought up to date first. */
static int open_and_collect(struct cli *cli, int *written)
{
	int rc = cli_open_write(cli);
	if (rc != ORR_OK)
		return rc;
	char *err = NULL;
	rc = kpi_collect(cli->st, &clock_system, written, &err);
	return rc == ORR_OK ? ORR_OK : cli_fail(cli, rc, err);
}

/* --- formatting ------------------------------------------------------------ */

/* A value in its unit; a change with its sign (a ratio's in points). */
static void fmt_value(const char *unit, double v, bool change, char *out, size_t n)
{
	const char *sign = change && v >= 0 ? "+" : "";
	if (!isfinite(v))
		snprintf(out, n, "-");
	else if (strcmp(unit, "ratio") == 0)
		snprintf(out, n, change ? "%s%.1f pp" : "%s%.1f%%", sign, v * 100);
	else if (strcmp(unit, "s") == 0)
		snprintf(out, n, fabs(v) < 10 ? "%s%.3f s" : "%s%.1f s", sign, v);
	else if (strcmp(unit, "score") == 0)
		snprintf(out, n, "%s%.1f", sign, v);
	else if (strcmp(unit, "h") == 0)
		snprintf(out, n, "%s%.1f h", sign, v);
	else /* jobs/h, assets/h, /yr: the rate after the number */
		snprintf(out, n, "%s%.2f%s", sign, v, strchr(unit, '/'));
}

static void fmt_time(json_t *v, char out[CLOCK_TEXT_LEN])
{
	if (json_is_integer(v))
		clock_format(json_integer_value(v), out);
	else
		snprintf(out, CLOCK_TEXT_LEN, "-");
}

static void fmt_duration(int64_t ms, char *out, size_t n)
{
	static const struct {
		int64_t ms;
		const char *unit;
	} units[] = { { KPI_DAY_MS, "d" }, { KPI_HOUR_MS, "h" }, { 60000, "m" }, { 1000, "s" } };
	for (size_t i = ms < 2 * KPI_DAY_MS; i < sizeof units / sizeof *units; i++)
		if (ms % units[i].ms == 0) {
			snprintf(out, n, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
			return;
		}
	snprintf(out, n, "%lldms", (long long)ms);
}

/* "subsystem/kind", "subsystem" or "". */
static void fmt_labels(json_t *k, char *out, size_t n)
{
	const char *sub = cli_text(k, "subsystem"), *kind = cli_text(k, "kind");
	snprintf(out, n, "%s%s%s", sub, *sub && *kind ? "/" : "", kind);
}

static char *spark_text(json_t *k)
{
	json_t *a = json_object_get(k, "spark");
	size_t n = json_array_size(a);
	double *v = xcalloc(n + 1, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = json_number_value(json_array_get(a, i));
	char *s = kpi_spark(v, n, kpi_utf8_locale());
	free(v);
	return s;
}

/* --- collect and show ------------------------------------------------------ */

static int kpi_collect_cmd(struct cli *cli)
{
	int written = 0;
	int rc = open_and_collect(cli, &written);
	if (rc != ORR_OK)
		return rc;
	if (cli->json)
		cli_emit_json(cli, json_pack("{si}", "samples_written", written));
	else
		fprintf(cli->out, "kpi: %d samples written (hourly and daily)\n", written);
	return ORR_OK;
}

static void show_text(struct cli *cli, json_t *show)
{
	char win[32], at[CLOCK_TEXT_LEN];
	fmt_duration(cli_int(show, "window_ms"), win, sizeof win);
	fmt_time(json_object_get(show, "at"), at);
	fprintf(cli->out, "KPIs over the %s to %s (trend: the newest hourly samples)\n", win, at);
	fprintf(cli->out, "%-20s %-26s %12s %7s  %s\n", "kpi", "labels", "current", "samples",
		"trend");
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(show, "kpis"), i, k) {
		char labels[128], cur[48], last[CLOCK_TEXT_LEN];
		fmt_labels(k, labels, sizeof labels);
		fmt_value(cli_text(k, "unit"), json_is_number(json_object_get(k, "current"))
			  ? cli_real(k, "current") : NAN, false, cur, sizeof cur);
		char *spark = spark_text(k);
		fmt_time(json_object_get(k, "last_at"), last);
		bool stale = cli_int(k, "samples") == 0 && *spark;
		fprintf(cli->out, "%-20s %-26s %12s %7lld  %s%s%s%s\n", cli_text(k, "label"), labels,
			cur, cli_int(k, "samples"), spark, stale ? "  (newest " : "",
			stale ? last : "", stale ? ")" : "");
		free(spark);
	}
}

static int kpi_show_cmd(struct cli *cli)
{
	struct clock clock;
	int64_t at, window = window_option(cli, KPI_CURRENT_WINDOW_MS);
	int written, rc = window < 0 ? ORR_USAGE : report_clock(cli, &clock, &at);
	if (rc == ORR_OK)
		rc = open_and_collect(cli, &written);
	json_t *show = NULL;
	char *err = NULL;
	if (rc == ORR_OK && (rc = kpi_show_window(cli->st, window, &clock, &show, &err)) != ORR_OK)
		return cli_fail(cli, rc, err);
	if (rc != ORR_OK)
		return rc;
	if (cli->json) {
		cli_emit_json(cli, show);
		return ORR_OK;
	}
	show_text(cli, show);
	json_decref(show);
	return ORR_OK;
}

/* --- compare --------------------------------------------------------------- */

static void compare_line(struct cli *cli, json_t *k)
{
	const char *unit = cli_text(k, "unit");
	char labels[128], base[48], cur[48], change[48], lo[48], hi[48], pct[32] = "";
	fmt_labels(k, labels, sizeof labels);
	json_t *f;
#define VALUE(field, buf, is_change)                                                      \
	f = json_object_get(k, field);                                                     \
	fmt_value(unit, json_is_number(f) ? json_number_value(f) : NAN, is_change, buf, \
		  sizeof buf)
	VALUE("baseline", base, false);
	VALUE("current", cur, false);
	VALUE("change", change, true);
	VALUE("ci_low", lo, true);
	VALUE("ci_high", hi, true);
#undef VALUE
	if (json_is_number(json_object_get(k, "change_pct")))
		snprintf(pct, sizeof pct, " (%+.1f%%)", cli_real(k, "change_pct"));
	char ci[112] = "-";
	if (json_is_number(json_object_get(k, "ci_low")))
		snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
	char changed[96];
	snprintf(changed, sizeof changed, "%s%s", change, pct);
	fprintf(cli->out, "%-20s %-26s %11s %11s %-22s %-26s %s\n", cli_text(k, "label"), labels,
		base, cur, changed, ci, cli_text(k, "verdict"));
}

static void compare_text(struct cli *cli, json_t *cmp)
{
	char from[CLOCK_TEXT_LEN], to[CLOCK_TEXT_LEN], at[CLOCK_TEXT_LEN], win[32];
	fmt_time(json_object_get(cmp, "from"), from);
	fmt_time(json_object_get(cmp, "to"), to);
	fmt_time(json_object_get(cmp, "at"), at);
	fmt_duration(cli_int(cmp, "window_ms"), win, sizeof win);
	fprintf(cli->out, "baseline \"%s\" (%s to %s) against the %s to %s\n",
		cli_text(cmp, "baseline"), from, to, win, at);
	fprintf(cli->out, "%-20s %-26s %11s %11s %-22s %-26s %s\n", "kpi", "labels", "baseline",
		"current", "change", "95% CI of the change", "verdict");
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(cmp, "kpis"), i, k) {
		compare_line(cli, k);
	}
}

static int kpi_compare_cmd(struct cli *cli)
{
	const char *name = cli->args.npos > 1 ? cli->args.pos[1] : NULL;
	struct clock clock;
	int64_t at, window = window_option(cli, KPI_COMPARE_WINDOW_MS);
	int written, rc = window < 0 ? ORR_USAGE : report_clock(cli, &clock, &at);
	if (rc == ORR_OK)
		rc = open_and_collect(cli, &written);
	json_t *cmp = NULL;
	char *err = NULL;
	if (rc == ORR_OK && (rc = kpi_compare(cli->st, name, window, &clock, &cmp, &err)) != ORR_OK)
		return cli_fail(cli, rc, err);
	if (rc != ORR_OK)
		return rc;
	if (json_is_null(json_object_get(cmp, "baseline"))) {
		json_decref(cmp);
		return cli_fail(cli, ORR_NOINPUT, xstrdup("kpi compare: no baseline saved yet (save "
							   "one: orrery kpi baseline save NAME)"));
	}
	if (cli->json) {
		cli_emit_json(cli, cmp);
		return ORR_OK;
	}
	compare_text(cli, cmp);
	json_decref(cmp);
	return ORR_OK;
}

/* --- baselines ------------------------------------------------------------- */

static json_t *find_baseline(json_t *list, const char *name)
{
	size_t i;
	json_t *b;
	json_array_foreach(list, i, b) {
		if (strcmp(cli_text(b, "name"), name) == 0)
			return b;
	}
	return NULL;
}

static void baseline_text(struct cli *cli, json_t *b)
{
	char from[CLOCK_TEXT_LEN], to[CLOCK_TEXT_LEN], made[CLOCK_TEXT_LEN];
	fmt_time(json_object_get(b, "from"), from);
	fmt_time(json_object_get(b, "to"), to);
	fmt_time(json_object_get(b, "created_at"), made);
	fprintf(cli->out, "%-24s %-24s %-24s %-24s %5lld\n", cli_text(b, "name"), from, to, made,
		cli_int(b, "kpis"));
}

/* What was saved, as `baseline list` shows it. */
static int baseline_saved(struct cli *cli, const char *name)
{
	json_t *list = NULL;
	char *err = NULL;
	int rc = kpi_baseline_list(cli->st, &list, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	json_t *b = find_baseline(list, name);
	if (cli->json) {
		cli_emit_json(cli, json_incref(b));
	} else {
		char from[CLOCK_TEXT_LEN], to[CLOCK_TEXT_LEN];
		fmt_time(json_object_get(b, "from"), from);
		fmt_time(json_object_get(b, "to"), to);
		fprintf(cli->out, "baseline \"%s\" saved: %s to %s, %lld KPI series\n", name, from,
			to, cli_int(b, "kpis"));
	}
	json_decref(list);
	return ORR_OK;
}

static int baseline_save_cmd(struct cli *cli)
{
	if (cli->args.npos != 2)
		return cli_fail(cli, ORR_USAGE, xstrdup("kpi baseline save: give one NAME"));
	int64_t from = date_option(cli, "from", false), to = date_option(cli, "to", true);
	if (from < 0 || to < 0)
		return ORR_USAGE;
	if (from && !to) /* up to now */
		to = kpi_hour_of(clock_now(&clock_system)) + KPI_HOUR_MS;
	const char *name = cli->args.pos[1];
	int rc = cli_open_write(cli);
	char *err = NULL;
	if (rc == ORR_OK &&
	    (rc = kpi_baseline_save(cli->st, name, from, to, &clock_system, &err)) != ORR_OK)
		return cli_fail(cli, rc, err);
	return rc == ORR_OK ? baseline_saved(cli, name) : rc;
}

static int baseline_list_cmd(struct cli *cli)
{
	int rc = cli_open_write(cli);
	json_t *list = NULL;
	char *err = NULL;
	if (rc == ORR_OK && (rc = kpi_baseline_list(cli->st, &list, &err)) != ORR_OK)
		return cli_fail(cli, rc, err);
	if (rc != ORR_OK)
		return rc;
	if (cli->json) {
		cli_emit_json(cli, list);
		return ORR_OK;
	}
	fprintf(cli->out, "%-24s %-24s %-24s %-24s %5s\n", "name", "from", "to", "created",
		"kpis");
	size_t i;
	json_t *b;
	json_array_foreach(list, i, b) {
		baseline_text(cli, b);
	}
	json_decref(list);
	return ORR_OK;
}

static int baseline_delete_cmd(struct cli *cli)
{
	if (cli->args.npos != 2)
		return cli_fail(cli, ORR_USAGE, xstrdup("kpi baseline delete: give one NAME"));
	int rc = cli_open_write(cli);
	char *err = NULL;
	if (rc == ORR_OK &&
	    (rc = kpi_baseline_delete(cli->st, cli->args.pos[1], &err)) != ORR_OK)
		return cli_fail(cli, rc, err);
	if (rc != ORR_OK)
		return rc;
	if (cli->json)
		cli_emit_json(cli, json_pack("{ss}", "deleted", cli->args.pos[1]));
	else
		fprintf(cli->out, "baseline \"%s\" deleted\n", cli->args.pos[1]);
	return ORR_OK;
}

static int kpi_baseline_cmd(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "list", baseline_list_cmd },
		{ "save", baseline_save_cmd },
		{ "delete", baseline_delete_cmd },
	};
	/* the verb is the second word: shift it into first place (the
	 * actions then find NAME at pos[1]) */
	struct cli_args saved = cli->args;
	cli->args.pos++;
	cli->args.npos--;
	int rc = CLI_DISPATCH(cli, "kpi baseline", verbs);
	cli->args = saved;
	return rc;
}

/* --- export and catalog ---------------------------------------------------- */

static int kpi_export_cmd(struct cli *cli)
{
	if (cli->json && cli_args_get(&cli->args, "prometheus"))
		return cli_fail(cli, ORR_USAGE, xstrdup("kpi export: --prometheus or --format "
							 "json, not both"));
	struct clock clock;
	int64_t at;
	int written, rc = report_clock(cli, &clock, &at);
	if (rc == ORR_OK)
		rc = open_and_collect(cli, &written);
	if (rc != ORR_OK)
		return rc;
	char *err = NULL;
	json_t *show = NULL;
	if (cli->json && (rc = kpi_show(cli->st, &clock, &show, &err)) == ORR_OK)
		cli_emit_json(cli, show);
	else if (!cli->json)
		rc = kpi_export_prometheus(cli->st, &clock, cli->out, &err);
	return rc == ORR_OK ? ORR_OK : cli_fail(cli, rc, err);
}

static json_t *catalog_json(const struct kpi_def *d)
{
	static const char *const labels[] = { "", "subsystem", "subsystem, kind" };
	return json_pack("{ss ss ss ss ss ss ss ss ss}", "name", d->name, "label", d->label, "unit",
			 d->unit, "better", d->up_is_better ? "up" : "down", "group",
			 d->technical ? "technical" : "business", "labels", labels[d->labels],
			 "description", d->description, "computation", d->computation,
			 "metric", d->prom_name);
}

static int kpi_catalog_cmd(struct cli *cli)
{
	size_t n;
	const struct kpi_def *defs = kpi_catalog(&n);
	json_t *all = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(all, catalog_json(&defs[i]));
	if (cli->json) {
		cli_emit_json(cli, all);
		return ORR_OK;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(cli->out, "%-22s %-9s %-5s %-16s %s\n    %s\n", defs[i].name, defs[i].unit,
			defs[i].up_is_better ? "up" : "down", cli_text(json_array_get(all, i), "labels"),
			defs[i].description, defs[i].computation);
	json_decref(all);
	return ORR_OK;
}

static int cmd_kpi(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "show", kpi_show_cmd },       { "collect", kpi_collect_cmd },
		{ "compare", kpi_compare_cmd }, { "baseline", kpi_baseline_cmd },
		{ "export", kpi_export_cmd },   { "catalog", kpi_catalog_cmd },
	};
	return CLI_DISPATCH(cli, "kpi", verbs);
}

const struct cli_command cli_kpi_commands[] = {
	{ "kpi",
	  "kpi [show|collect|compare [NAME]|baseline [list|save NAME|delete NAME]|export|catalog] "
	  "[--window D] [--from DATE] [--to DATE] [--at DATE] [--prometheus] [--format json]",
	  "KPIs from the recorded facts: current values, baselines, comparisons, export",
	  "show (the default)   each KPI over the last --window (default 24h): its value\n"
	  "                     and a sparkline of its newest hourly samples\n"
	  "collect              compute the hourly and daily samples from the facts\n"
	  "                     recorded since the last collection (the first time: all\n"
	  "                     of history); every other action collects first, and\n"
	  "                     `orrery run` collects once a minute\n"
	  "baseline save NAME   keep the samples of --from DATE --to DATE (default: all\n"
	  "                     of them) as a baseline to compare against\n"
	  "baseline list        the baselines, newest first\n"
	  "baseline delete NAME\n"
	  "compare [NAME]       each KPI over the last --window (default 7d) against the\n"
	  "                     baseline (default: the newest): the change, its 95%\n"
	  "                     confidence interval (a seeded bootstrap over the hourly\n"
	  "                     samples) and a verdict: better, worse, no significant\n"
	  "                     change, or insufficient data (fewer than 5 samples a side)\n"
	  "export               the current values in the Prometheus text format\n"
	  "                     (--prometheus, the default) or as JSON (--format json)\n"
	  "catalog              every KPI: unit, better direction, definition\n\n"
	  "  --at DATE          report as if it were DATE (the window ends there)\n"
	  "Dates are UTC: 2026-11-01 or 2026-11-01T09:30:00Z; --to 2026-11-30 includes\n"
	  "that day.  Durations: 90m, 24h, 7d.",
	  DB_NONE,
	  { { "window", true, NULL }, { "from", true, NULL }, { "to", true, NULL },
	    { "at", true, NULL }, { "prometheus", false, NULL }, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_kpi },
};

const int cli_kpi_ncommands = sizeof cli_kpi_commands / sizeof *cli_kpi_commands;
