/* cli_audit.c - `audit`: run it, read findings, drill to rows, history. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "audit_user.h"
#include "cli_internal.h"
#include "clock.h"
#include "rules.h"
#include "store.h"
#include "store_audit.h"
#include "xalloc.h"

/* --- text and markdown ----------------------------------------------------- */

static void scores_line(struct cli *cli, json_t *scores, const char *sep)
{
	const char *k;
	json_t *v;
	const char *join = "";
	json_object_foreach(json_object_get(scores, "dimensions"), k, v) {
		fprintf(cli->out, "%s%s %.1f", join, k, json_number_value(v));
		join = sep;
	}
}

static void report_text(struct cli *cli, json_t *r)
{
	json_t *run = json_object_get(r, "run"), *scores = json_object_get(r, "scores");
	fprintf(cli->out, "audit run %lld: score %.1f  (", cli_int(run, "id"),
		cli_real(scores, "overall"));
	scores_line(cli, scores, ", ");
	fprintf(cli->out, ")\n");
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(r, "findings"), i, f) {
		char *ex = json_dumps(json_object_get(f, "examples"), JSON_COMPACT);
		fprintf(cli->out, "%-7s %-12s %-16s %8lld of %-8lld (%6.2f%%)  %s  [finding %lld, rows %s]\n",
			cli_text(f, "severity"), cli_text(f, "dimension"), cli_text(f, "table_name"),
			cli_int(f, "failing"), cli_int(f, "checked"), cli_real(f, "share_pct"),
			cli_text(f, "message"), cli_int(f, "id"), ex);
		free(ex);
	}
	if (json_array_size(json_object_get(r, "findings")) == 0)
		fprintf(cli->out, "no findings\n");
}

static void md_scores_table(struct cli *cli, json_t *group, const char *title)
{
	fprintf(cli->out, "\n| %s | score |\n|---|---:|\n", title);
	const char *k;
	json_t *v;
	json_object_foreach(group, k, v) {
		fprintf(cli->out, "| %s | %.1f |\n", k, json_number_value(v));
	}
}

static void report_md(struct cli *cli, json_t *r)
{
	json_t *run = json_object_get(r, "run"), *scores = json_object_get(r, "scores");
	char when[CLOCK_TEXT_LEN];
	clock_format(cli_int(run, "finished_at"), when);
	fprintf(cli->out, "# Data quality audit %lld\n\nDatabase `%s`, audited %s.\n\n"
		"**Overall score: %.1f / 100.**\n",
		cli_int(run, "id"), store_path(cli->st), when, cli_real(scores, "overall"));
	md_scores_table(cli, json_object_get(scores, "dimensions"), "dimension");
	md_scores_table(cli, json_object_get(scores, "tables"), "table");
	md_scores_table(cli, json_object_get(scores, "sources"), "source id");
	fprintf(cli->out, "\n## Findings\n\n| severity | dimension | table | failing | of | share "
		"| what | finding |\n|---|---|---|---:|---:|---:|---|---:|\n");
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(r, "findings"), i, f) {
		fprintf(cli->out, "| %s | %s | %s | %lld | %lld | %.2f%% | %s | %lld |\n",
			cli_text(f, "severity"), cli_text(f, "dimension"), cli_text(f, "table_name"),
			cli_int(f, "failing"), cli_int(f, "checked"), cli_real(f, "share_pct"),
			cli_text(f, "message"), cli_int(f, "id"));
	}
	fprintf(cli->out, "\nEvery failing row: `orrery audit rows FINDING`.  Score of a group: "
		"100 × (1 − failing rows / rows checked) over its checks; overall: the mean of "
		"the dimension scores.\n");
}

/* --- commands -------------------------------------------------------------- */

/* On the command's own message stream, and only when that is a terminal:
 * run from the console's command line it is a buffer, and the screen is
 * the console's. */
static void show_progress(void *ctx, int done, int total, const char *check)
{
	FILE *errs = ctx;
	fprintf(errs, "\raudit: %d/%d checks (%s)%*s", done, total, check, 10, "");
	if (done == total)
		fputc('\n', errs);
}

/* --fail-under as a score: -1 when absent, -2 when not a number >= 0. */
static double fail_under(struct cli *cli)
{
	const char *s = cli_args_get(&cli->args, "fail-under");
	if (!s)
		return -1;
	char *end;
	double v = strtod(s, &end);
	return *s && *end == '\0' && v >= 0 ? v : -2;
}

static int print_report(struct cli *cli, int64_t run_id)
{
	json_t *r = NULL;
	char *err = NULL;
	int rc = audit_report(cli->st, run_id, &r, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	double score = cli_real(json_object_get(r, "scores"), "overall");
	if (cli->json)
		cli_emit_json(cli, json_incref(r));
	else if (cli->md)
		report_md(cli, r);
	else
		report_text(cli, r);
	json_decref(r);
	double under = fail_under(cli);
	if (under >= 0 && score < under) {
		fprintf(cli->errs, "orrery: audit score %.1f is under %g\n", score, under);
		return 1;
	}
	return ORR_OK;
}

/* --checks FILE as JSON into o; ORR_OK when absent. */
static int load_checks(struct cli *cli, struct audit_options *o)
{
	const char *file = cli_args_get(&cli->args, "checks");
	if (!file)
		return cli_args_get(&cli->args, "accept")
			? cli_fail(cli, ORR_USAGE, xstrdup("audit: --accept goes with --checks FILE"))
			: ORR_OK;
	if (access(file, R_OK) != 0)
		return cli_fail(cli, ORR_NOINPUT, xasprintf("%s: cannot read the checks file", file));
	json_error_t jerr;
	o->checks = json_load_file(file, 0, &jerr);
	if (!o->checks)
		return cli_fail(cli, ORR_DATAERR, xasprintf("%s: not JSON: %s (line %d)", file,
							     jerr.text, jerr.line));
	o->checks_file = file;
	o->accept = cli_args_get(&cli->args, "accept") != NULL;
	return ORR_OK;
}

static int audit_run_cmd(struct cli *cli)
{
	const char *stale = cli_args_get(&cli->args, "stale-after");
	struct audit_options o = { .stale_ms = stale ? rules_parse_duration(stale)
						     : AUDIT_STALE_DEFAULT_MS };
	if (o.stale_ms < 0)
		return cli_fail(cli, ORR_USAGE, xstrdup("audit: --stale-after is a duration "
							 "such as 7d or 12h"));
	if (fail_under(cli) < -1)
		return cli_fail(cli, ORR_USAGE, xstrdup("audit: --fail-under takes a score such as 90 or 87.5"));
	int rc = load_checks(cli, &o);
	if (rc == ORR_OK)
		rc = cli_open_write(cli);
	if (rc != ORR_OK) {
		json_decref(o.checks);
		return rc;
	}
	if (isatty(fileno(cli->errs))) {
		o.progress = show_progress;
		o.progress_ctx = cli->errs;
	}
	int64_t run_id = 0;
	char *err = NULL;
	rc = audit_run(cli->st, &clock_system, &o, &run_id, &err);
	json_decref(o.checks);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	return print_report(cli, run_id);
}

static int audit_show_cmd(struct cli *cli)
{
	long long id = cli->args.npos > 1 ? cli_id_arg(cli, 1, "audit run")
					  : (long long)audit_latest_run(cli->st);
	if (id < 0)
		return ORR_USAGE;
	if (id == 0)
		return cli_fail(cli, ORR_NOINPUT, xstrdup("no audit has run yet (orrery audit)"));
	return print_report(cli, id);
}

static int audit_rows_cmd(struct cli *cli)
{
	long long id = cli_id_arg(cli, 1, "finding");
	long long limit = cli_number(cli, "limit", 0), offset = cli_number(cli, "offset", 0);
	if (id < 0 || limit < 0 || offset < 0)
		return ORR_USAGE;
	json_t *rows = NULL;
	char *err = NULL;
	int rc = audit_rows_list(cli->st, id, (long)limit, (long)offset, &rows, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, rows);
		return ORR_OK;
	}
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		fprintf(cli->out, "%lld\n", cli_int(r, "row_id"));
	}
	json_decref(rows);
	return ORR_OK;
}

static int audit_history_cmd(struct cli *cli)
{
	long long limit = cli_number(cli, "limit", 0);
	if (limit < 0)
		return ORR_USAGE;
	json_t *runs = NULL;
	char *err = NULL;
	int rc = audit_history_list(cli->st, (long)limit, &runs, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, runs);
		return ORR_OK;
	}
	size_t i;
	json_t *r;
	json_array_foreach(runs, i, r) {
		char when[CLOCK_TEXT_LEN];
		clock_format(cli_int(r, "finished_at"), when);
		fprintf(cli->out, "%6lld  %s  score %5.1f  %3lld findings  ", cli_int(r, "id"), when,
			cli_real(r, "score"), cli_int(r, "findings"));
		scores_line(cli, json_object_get(r, "scores"), ", ");
		fputc('\n', cli->out);
	}
	json_decref(runs);
	return ORR_OK;
}

/* A JSON scalar as short text for a table cell. */
static char *cell(json_t *v, int width)
{
	char *text = json_is_string(v) ? xstrdup(json_string_value(v))
		     : json_is_real(v)  ? xasprintf("%.6g", json_real_value(v))
		     : v && !json_is_null(v) ? json_dumps(v, JSON_ENCODE_ANY)
					      : xstrdup("-");
	if ((int)strlen(text) > width)
		strcpy(text + width - 3, "...");
	return text;
}

static void profile_text(struct cli *cli, json_t *t)
{
	if (json_is_integer(json_object_get(t, "source_id")))
		fprintf(cli->out, "source %lld: ", cli_int(t, "source_id"));
	fprintf(cli->out, "%s (%lld rows)\n  %-22s %-8s %7s %7s %9s  %-16s %-16s %-12s %s\n",
		cli_text(t, "table_name"), cli_int(t, "rows"), "column", "type", "nulls", "blanks",
		"distinct", "min", "max", "mean", "pattern");
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(t, "profile"), i, c) {
		char *mn = cell(json_object_get(c, "min"), 16), *mx = cell(json_object_get(c, "max"), 16);
		char *mean = cell(json_object_get(c, "mean"), 12), *pat = cell(json_object_get(c, "pattern"), 20);
		fprintf(cli->out, "  %-22s %-8s %7lld %7lld %8lld%s  %-16s %-16s %-12s %s\n",
			cli_text(c, "name"), cli_text(c, "type"), cli_int(c, "nulls"), cli_int(c, "blanks"),
			cli_int(c, "distinct"), json_is_true(json_object_get(c, "distinct_exact")) ? " " : "~",
			mn, mx, mean, pat);
		free(mn);
		free(mx);
		free(mean);
		free(pat);
	}
}

static int audit_profile_cmd(struct cli *cli)
{
	long long run = cli_number(cli, "run", 0);
	if (run < 0)
		return ORR_USAGE;
	if (run == 0 && (run = audit_latest_run(cli->st)) == 0)
		return cli_fail(cli, ORR_NOINPUT, xstrdup("no audit has run yet (orrery audit)"));
	long long source = cli_number(cli, "source", 0);
	if (source < 0)
		return ORR_USAGE;
	const char *table = cli->args.npos > 1 ? cli->args.pos[1] : NULL;
	json_t *profiles = NULL;
	char *err = NULL;
	int rc = audit_profile_list(cli->st, run, table, source, &profiles, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (json_array_size(profiles) == 0) {
		json_decref(profiles);
		return cli_fail(cli, ORR_NOINPUT,
				xasprintf("run %lld has no profile of \"%s\"%s (a source gets its "
					  "own when its table holds rows of several sources)",
					  run, table ? table : "any table", source ? " for that source" : ""));
	}
	if (cli->json) {
		cli_emit_json(cli, profiles);
		return ORR_OK;
	}
	size_t i;
	json_t *t;
	json_array_foreach(profiles, i, t) {
		profile_text(cli, t);
	}
	json_decref(profiles);
	return ORR_OK;
}

static int audit_suggest_cmd(struct cli *cli)
{
	long long run = cli_number(cli, "run", 0);
	if (run < 0)
		return ORR_USAGE;
	if (run == 0 && (run = audit_latest_run(cli->st)) == 0)
		return cli_fail(cli, ORR_NOINPUT, xstrdup("no audit has run yet (orrery audit)"));
	json_t *profiles = NULL;
	char *err = NULL;
	int rc = audit_profile_list(cli->st, run, NULL, 0, &profiles, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	cli_emit_json(cli, audit_user_suggest(profiles));
	json_decref(profiles);
	return ORR_OK;
}

static int audit_checks_cmd(struct cli *cli)
{
	json_t *accepted = NULL;
	char *err = NULL;
	int rc = audit_user_checks_list(cli->st, &accepted, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, accepted);
		return ORR_OK;
	}
	size_t i;
	json_t *a;
	json_array_foreach(accepted, i, a) {
		char when[CLOCK_TEXT_LEN];
		clock_format(cli_int(a, "accepted_at"), when);
		json_t *doc = json_loads(cli_text(a, "checks"), 0, NULL);
		fprintf(cli->out, "%4lld  %s  %zu checks  accepted %s\n", cli_int(a, "id"),
			cli_text(a, "file"), json_array_size(json_object_get(doc, "checks")), when);
		json_decref(doc);
	}
	if (json_array_size(accepted) == 0)
		fprintf(cli->out, "no accepted checks (orrery audit --checks FILE --accept)\n");
	json_decref(accepted);
	return ORR_OK;
}

static int audit_stale_cmd(struct cli *cli)
{
	long long id = cli_id_arg(cli, 1, "source");
	int64_t ms = cli->args.npos > 2 ? rules_parse_duration(cli->args.pos[2]) : -1;
	if (id < 0)
		return ORR_USAGE;
	if (ms <= 0)
		return cli_fail(cli, ORR_USAGE, xstrdup("audit stale-after: give a source id and a "
							 "duration such as 36h or 30d"));
	int rc = cli_open_write(cli);
	char *err = NULL;
	if (rc == ORR_OK && (rc = audit_set_stale_after(cli->st, id, ms, &err)) != ORR_OK)
		return cli_fail(cli, rc, err);
	if (rc == ORR_OK)
		fprintf(cli->out, "source %lld is stale when its newest record is older than %s\n", id,
			cli->args.pos[2]);
	return rc;
}

static int cmd_audit(struct cli *cli)
{
	const char *v = cli->args.npos > 0 ? cli->args.pos[0] : "run";
	if (strcmp(v, "run") == 0)
		return audit_run_cmd(cli);
	if (strcmp(v, "stale-after") == 0)
		return audit_stale_cmd(cli);
	/* reading needs an audited database, and never creates one */
	int rc = cli_open_read(cli);
	if (rc != ORR_OK)
		return rc;
	if (strcmp(v, "show") == 0)
		return audit_show_cmd(cli);
	if (strcmp(v, "rows") == 0)
		return audit_rows_cmd(cli);
	if (strcmp(v, "history") == 0)
		return audit_history_cmd(cli);
	if (strcmp(v, "profile") == 0)
		return audit_profile_cmd(cli);
	if (strcmp(v, "suggest") == 0)
		return audit_suggest_cmd(cli);
	if (strcmp(v, "checks") == 0)
		return audit_checks_cmd(cli);
	return cli_fail(cli, ORR_USAGE, xasprintf("audit: unknown action \"%s\" (run, show [RUN], "
						  "rows FINDING, history, profile [TABLE], suggest, checks, "
						  "stale-after SOURCE D)", v));
}

const struct cli_command cli_audit_commands[] = {
	{ "audit",
	  "audit [run|show [RUN]|rows FINDING|history|profile [TABLE]|suggest|checks|"
	  "stale-after SOURCE D] [--checks FILE [--accept]] [--stale-after 7d] "
	  "[--fail-under SCORE] [--run N] [--limit N] [--offset N] [--format text|json|md]",
	  "audit data quality: findings, every failing row, scores, history",
	  "run (the default)   run every check over the whole database and print the\n"
	  "                    report: findings by severity with counts, shares and\n"
	  "                    example rows; scores per dimension, table and source\n"
	  "show [RUN]          the report of a run (default: the latest)\n"
	  "rows FINDING        every failing row id of a finding (--limit, --offset)\n"
	  "history             every run with its scores, newest first\n"
	  "profile [TABLE]     per column: records, nulls, blanks, distinct (~: estimate),\n"
	  "                    min, max, mean, stddev, top values, lengths, inferred type\n"
	  "                    and shape pattern; of the latest run or --run N;\n"
	  "                    --source ID: that source's rows only\n"
	  "suggest             checks proposed from the profiles of the latest run (or\n"
	  "                    --run N), as JSON for --checks\n"
	  "checks              the accepted checks files\n"
	  "stale-after SOURCE D  this source is stale when its newest record is older\n"
	  "                    than D (36h, 30d); other sources use --stale-after\n\n"
	  "  --checks FILE     also run the checks of FILE ({\"checks\": [...]}, as suggest\n"
	  "                    prints): not_null, unique, range, in, pattern\n"
	  "  --accept          keep them: every later run and audit.run job runs them too\n"
	  "  --stale-after D   a source whose newest record is older is stale (default 7d)\n"
	  "  --fail-under S    exit 1 when the overall score is below S (for scripts)\n"
	  "  --format md       a report to hand to a manager\n"
	  "Findings do not make the exit status non-zero; --fail-under does.",
	  DB_NONE,
	  { { "stale-after", true, NULL }, { "fail-under", true, NULL }, { "run", true, NULL },
	    { "source", true, NULL }, { "checks", true, NULL }, { "accept", false, NULL },
	    { "limit", true, NULL },
	    { "offset", true, NULL }, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_audit },
};

const int cli_audit_ncommands = sizeof cli_audit_commands / sizeof *cli_audit_commands;
