/* cli_forecast.c - `forecast`: run the forecast (the default) or show the
 * stored one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_internal.h"
#include "clock.h"
#include "demand.h"
#include "store.h"
#include "store_forecast.h"
#include "subsys_forecast.h"
#include "xalloc.h"

/* The document with reals as written (0.95, not 0.94999999999999996). */
static void emit_json(struct cli *cli, json_t *j)
{
	json_dumpf(j, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	fputc('\n', cli->out);
	json_decref(j);
}

/* A probability option strictly between 0 and 1; -1 with a message when bad. */
static double probability(struct cli *cli, const char *name, double fallback)
{
	const char *s = cli_args_get(&cli->args, name);
	if (!s)
		return fallback;
	char *end;
	double v = strtod(s, &end);
	if (*s && *end == '\0' && v > 0 && v < 1)
		return v;
	fprintf(cli->errs, "orrery: forecast: --%s takes a probability such as 0.95, not \"%s\"\n",
		name, s);
	return -1;
}

static int read_options(struct cli *cli, struct forecast_opts *o)
{
	forecast_opts_default(o);
	o->sku = cli_args_get(&cli->args, "sku");
	o->as_of = cli_args_get(&cli->args, "as-of");
	long long h = cli_number(cli, "horizon", FORECAST_HORIZON);
	long long hist = cli_number(cli, "history", FORECAST_HISTORY);
	o->level = probability(cli, "level", FORECAST_LEVEL);
	o->service_level = probability(cli, "service-level", FORECAST_SERVICE);
	if (h < 0 || hist < 0 || o->level < 0 || o->service_level < 0)
		return ORR_USAGE;
	if (h < 1 || h > FORECAST_HORIZON_MAX) {
		fprintf(cli->errs, "orrery: forecast: --horizon is 1 to %d days, not %lld\n",
			FORECAST_HORIZON_MAX, h);
		return ORR_USAGE;
	}
	if (o->sku && !*o->sku) {
		fprintf(cli->errs, "orrery: forecast: --sku names a SKU\n");
		return ORR_USAGE;
	}
	if (o->as_of && demand_day_number(o->as_of) < 0) {
		fprintf(cli->errs, "orrery: forecast: --as-of takes a day such as 2016-04-24, not "
				   "\"%s\"\n", o->as_of);
		return ORR_USAGE;
	}
	o->horizon = (int)h;
	o->history_days = hist > 100000 ? 100000 : (int)hist;
	return ORR_OK;
}

struct printer {
	struct cli *cli;
	json_t *rows;         /* --format json: every SKU's row */
	bool progress;
	struct timespec started;
	bool shown;
	bool header;
};

static double elapsed(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void text_row(struct cli *cli, const json_t *row, bool *header)
{
	if (!*header) {
		fprintf(cli->out, "%-16s %-12s %6s %8s %8s %8s %8s %9s %-10s %s\n", "SKU", "MODEL", "MASE",
			"DAY MEAN", "ON HAND", "REORDER", "UP TO", "ORDER QTY", "RISK", "STOCKOUT");
		*header = true;
	}
	json_t *mase = json_object_get(row, "mase"), *oh = json_object_get(row, "on_hand");
	char mtext[16] = "-", ohtext[24] = "-";
	if (json_is_number(mase))
		snprintf(mtext, sizeof mtext, "%.3f", json_number_value(mase));
	if (json_is_integer(oh))
		snprintf(ohtext, sizeof ohtext, "%lld", (long long)json_integer_value(oh));
	const char *risk = json_string_value(json_object_get(row, "risk"));
	const char *date = json_string_value(json_object_get(row, "stockout_date"));
	fprintf(cli->out, "%-16s %-12s %6s %8.2f %8s %8.1f %8.1f %9lld %-10s %s\n",
		cli_text((json_t *)row, "sku"), cli_text((json_t *)row, "model"), mtext,
		cli_real((json_t *)row, "daily_mean"), ohtext, cli_real((json_t *)row, "reorder_point"),
		cli_real((json_t *)row, "order_up_to"), cli_int((json_t *)row, "order_qty"),
		risk ? risk : "-", date ? date : "-");
}

/* After each SKU: its line (text), kept for the document (json), and a
 * progress count on the message stream once the run has taken a second. */
static void on_sku(void *ctx, long done, const json_t *row)
{
	struct printer *p = ctx;
	if (p->rows)
		json_array_append(p->rows, (json_t *)row);
	else
		text_row(p->cli, row, &p->header);
	if (p->progress && (done % 64 == 0) && elapsed(&p->started) >= 1) {
		fprintf(p->cli->errs, "\rforecast: %ld SKUs", done);
		fflush(p->cli->errs);
		p->shown = true;
	}
}

static int forecast_run_cmd(struct cli *cli)
{
	struct forecast_opts o;
	int rc = read_options(cli, &o);
	if (rc == ORR_OK)
		rc = cli_open_write(cli);
	if (rc != ORR_OK)
		return rc;
	struct printer p = { .cli = cli, .rows = cli->json ? json_array() : NULL,
			     .progress = cli_args_get(&cli->args, "progress") ||
					 isatty(fileno(cli->errs)) };
	clock_gettime(CLOCK_MONOTONIC, &p.started);
	struct forecast_summary sum;
	char *err = NULL;
	rc = forecast_run(cli->st, &clock_system, &o, on_sku, &p, &sum, &err);
	if (p.shown)
		fprintf(cli->errs, "\rforecast: %ld SKUs\n", sum.skus);
	if (rc != ORR_OK) {
		json_decref(p.rows);
		forecast_summary_free(&sum);
		return cli_fail(cli, rc, err);
	}
	if (cli->json) {
		emit_json(cli, json_pack("{sIsssisfsfsIsIsIsIsOso}", "run_id",
					     (json_int_t)sum.run_id, "as_of", sum.as_of, "horizon",
					     o.horizon, "level", o.level, "service_level",
					     o.service_level, "skus", (json_int_t)sum.skus, "stockout",
					     (json_int_t)sum.stockout, "overstock",
					     (json_int_t)sum.overstock, "events", (json_int_t)sum.events,
					     "models", sum.models, "forecasts", p.rows));
	} else {
		fprintf(cli->out, "forecast run %lld: %ld SKU%s as of %s, %d days ahead; %ld at risk of "
				  "stockout, %ld of overstock; %ld event%s\n",
			(long long)sum.run_id, sum.skus, sum.skus == 1 ? "" : "s",
			*sum.as_of ? sum.as_of : "-", o.horizon, sum.stockout, sum.overstock,
			sum.events, sum.events == 1 ? "" : "s");
	}
	forecast_summary_free(&sum);
	return ORR_OK;
}

static int forecast_show_cmd(struct cli *cli)
{
	int rc = cli_open_read(cli);
	if (rc != ORR_OK)
		return rc;
	const char *sku = cli_args_get(&cli->args, "sku");
	json_t *rows = NULL;
	char *err = NULL;
	rc = fcstore_list(cli->st, sku, &rows, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (sku && json_array_size(rows) == 0) {
		json_decref(rows);
		return cli_fail(cli, ORR_NOINPUT, xasprintf("SKU %s has no forecast (orrery forecast)",
							  sku));
	}
	if (cli->json) {
		emit_json(cli, rows);
		return ORR_OK;
	}
	bool header = false;
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *row = json_array_get(rows, i), *policy = json_object_get(row, "policy");
		text_row(cli, json_is_object(policy) ? policy : row, &header);
	}
	json_decref(rows);
	return ORR_OK;
}

static int cmd_forecast(struct cli *cli)
{
	static const struct cli_verb verbs[] = { { "run", forecast_run_cmd },
						 { "show", forecast_show_cmd } };
	if (cli->args.npos > 1)
		return cli_fail(cli, ORR_USAGE, xasprintf("forecast: unexpected \"%s\"",
							  cli->args.pos[1]));
	return CLI_DISPATCH(cli, "forecast", verbs);
}

const struct cli_command cli_forecast_commands[] = {
	{ "forecast",
	  "forecast [run|show] [--sku SKU] [--horizon DAYS] [--as-of DAY] [--level P] "
	  "[--service-level P] [--history DAYS] [--progress] [--format json]",
	  "forecast demand per SKU, its reorder point and stock risks",
	  "run (the default)  forecast every SKU's daily demand (or --sku's) --horizon days\n"
	  "                   ahead (default 28) from its history up to --as-of (default:\n"
	  "                   the last day with demand), choosing each SKU's model by a\n"
	  "                   rolling-origin backtest (MASE) among naive, seasonal naive,\n"
	  "                   SES, damped Holt, Holt-Winters additive and multiplicative,\n"
	  "                   automatic ETS (AICc), Croston, SBA and TSB; then its reorder\n"
	  "                   point, safety stock and order-up-to level from the supplier's\n"
	  "                   terms (`orrery supplier terms`; else a 7-day lead time) and\n"
	  "                   the stock on hand and on order.  Stores the forecasts, emits\n"
	  "                   forecast.updated, and stockout.risk / overstock.risk for each\n"
	  "                   SKU whose risk changed since its previous forecast\n"
	  "show               the stored forecasts (--sku: one)\n\n"
	  "  --level P          the prediction interval (default 0.95)\n"
	  "  --service-level P  the chance of no stockout in a lead time (default 0.95)\n"
	  "  --history DAYS     the newest days of history the models see (default 730;\n"
	  "                     0: all)\n"
	  "  --progress         a SKU count on stderr (the default on a terminal)",
	  DB_NONE,
	  { { "sku", true, NULL }, { "horizon", true, NULL }, { "as-of", true, NULL },
	    { "level", true, NULL }, { "service-level", true, NULL }, { "history", true, NULL },
	    { "progress", false, NULL }, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_forecast },
};

const int cli_forecast_ncommands = sizeof cli_forecast_commands / sizeof *cli_forecast_commands;
