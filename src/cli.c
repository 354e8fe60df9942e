/* cli.c - the command table and the commands of the foundation. */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_args.h"
#include "cli_internal.h"
#include "cli_vision.h"
#include "clock.h"
#include "ingest.h"
#include "runlog.h"
#include "schema.h"
#include "secrets.h"
#include "subsys_integration.h"
#include "store.h"
#include "store_event.h"
#include "store_source.h"
#include "subsystem.h"
#include "xalloc.h"

#define ORRERY_VERSION "0.1.0"

/* --- shared helpers -------------------------------------------------------- */

static int open_db(struct cli *cli, enum db_need need);

int cli_fail(struct cli *cli, int rc, char *msg)
{
	fprintf(cli->errs, "orrery: %s\n", msg);
	free(msg);
	return rc;
}

/* Print a JSON value and release it. */
void cli_emit_json(struct cli *cli, json_t *j)
{
	json_dumpf(j, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', cli->out);
	json_decref(j);
}

/* A non-negative integer option value, or -1 when malformed. */
const char *cli_text(json_t *row, const char *field)
{
	const char *s = json_string_value(json_object_get(row, field));
	return s ? s : "";
}

long long cli_int(json_t *row, const char *field)
{
	return (long long)json_integer_value(json_object_get(row, field));
}

double cli_real(json_t *row, const char *field)
{
	return json_number_value(json_object_get(row, field));
}

long long cli_count(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	long long v = strtoll(s, &end, 10);
	return *end == '\0' && v >= 0 ? v : -1;
}

static json_t *json_text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

int cli_dispatch(struct cli *cli, const char *command, const struct cli_verb *verbs, size_t n)
{
	const char *v = cli->args.npos > 0 ? cli->args.pos[0] : verbs[0].name;
	for (size_t i = 0; i < n; i++)
		if (strcmp(verbs[i].name, v) == 0)
			return verbs[i].run(cli);
	char *names = xstrdup(verbs[0].name);
	for (size_t i = 1; i < n; i++) {
		char *more = xasprintf("%s, %s", names, verbs[i].name);
		free(names);
		names = more;
	}
	int rc = cli_fail(cli, ORR_USAGE,
			  xasprintf("%s: unknown action \"%s\" (%s)", command, v, names));
	free(names);
	return rc;
}

int cli_open_read(struct cli *cli)
{
	return open_db(cli, DB_READ);
}

int cli_open_write(struct cli *cli)
{
	int rc = open_db(cli, DB_WRITE);
	return rc == ORR_OK ? cli_migrated(cli) : rc;
}

int cli_migrated(struct cli *cli)
{
	char *err = NULL;
	int rc = store_migrate(cli->st, NULL, &err);
	return rc == ORR_OK ? ORR_OK : cli_fail(cli, rc, err);
}

char *cli_rules_dir(const struct cli *cli)
{
	if (cli->rules_dir)
		return xstrdup(cli->rules_dir);
	const char *slash = strrchr(cli->db_path, '/');
	if (!slash)
		return xstrdup("rules");
	return xasprintf("%.*s/rules", (int)(slash - cli->db_path), cli->db_path);
}

int cli_load_rules(struct cli *cli, struct rule_set *set)
{
	char *dir = cli_rules_dir(cli);
	struct rule_diags diags = { 0 };
	size_t problems = rules_load(set, dir, subsystem_kind_known, &diags);
	for (size_t i = 0; i < diags.n; i++)
		fprintf(cli->errs, "%s:%d:%d: %s\n", diags.v[i].file, diags.v[i].line,
			diags.v[i].col, diags.v[i].msg);
	rule_diags_free(&diags);
	free(dir);
	if (problems == 0)
		return cli_rule_overrides(cli, set); /* the operator's switches, kept in the db */
	rule_set_free(set); /* the good files' rules were added: none may run */
	fprintf(cli->errs, "orrery: %zu problem%s in the rules; nothing was run\n", problems,
		problems == 1 ? "" : "s");
	return ORR_DATAERR;
}

long long cli_number(struct cli *cli, const char *option, long long fallback)
{
	const char *s = cli_args_get(&cli->args, option);
	if (!s)
		return fallback;
	long long v = cli_count(s);
	if (v < 0)
		fprintf(cli->errs, "orrery: --%s takes a non-negative number, not \"%s\"\n", option, s);
	return v;
}

long long cli_id_arg(struct cli *cli, int i, const char *what)
{
	long long id = i < cli->args.npos ? cli_count(cli->args.pos[i]) : -1;
	if (id > 0)
		return id;
	if (i < cli->args.npos)
		fprintf(cli->errs, "orrery: \"%s\" is not a valid %s id\n", cli->args.pos[i], what);
	else
		fprintf(cli->errs, "orrery: which %s? give its id\n", what);
	return -1;
}

/* --- init ----------------------------------------------------------------- */

static int cmd_init(struct cli *cli)
{
	int applied;
	char *err = NULL;
	int rc = store_migrate(cli->st, &applied, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	int version = store_schema_version(cli->st);
	if (cli->json) {
		cli_emit_json(cli, json_pack("{s:s, s:i, s:i}", "database", cli->db_path, "schema", version,
					 "applied", applied));
	} else {
		fprintf(cli->out, "%s: schema version %d (%d migration%s applied now)\n", cli->db_path,
			version, applied, applied == 1 ? "" : "s");
	}
	return ORR_OK;
}

/* --- ingest --------------------------------------------------------------- */

struct progress_state {
	FILE *errs;
	time_t started;
	bool shown;
};

/* A progress line on a terminal, once an ingest has run for a second. */
static void show_progress(void *ctx, const char *path, long records, double fraction)
{
	struct progress_state *p = ctx;
	if (time(NULL) - p->started < 1)
		return;
	fprintf(p->errs, "\r\033[Kingest %s: %3.0f%%  %ld records", path, fraction * 100, records);
	fflush(p->errs);
	p->shown = true;
}

static json_t *report_json(const struct ingest_report *r)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "source_id",
			 (json_int_t)r->source_id, "path", r->path, "format", r->format, "records",
			 (json_int_t)r->records, "stored", (json_int_t)r->stored, "rejected",
			 (json_int_t)r->rejected, "created", (json_int_t)r->created, "updated",
			 (json_int_t)r->updated, "unchanged", (json_int_t)r->unchanged, "events",
			 (json_int_t)r->events, "same_as_before", r->same_as_before);
}

static void report_text(struct cli *cli, const struct ingest_report *r)
{
	if (r->same_as_before) {
		fprintf(cli->out, "%s (%s): unchanged since the last ingest, nothing to do "
			"(%ld records: %ld stored, %ld rejected)\n", r->path, r->format, r->records,
			r->stored, r->rejected);
		return;
	}
	fprintf(cli->out, "%s (%s): %ld records: %ld stored (%ld new, %ld updated, %ld unchanged), "
		"%ld rejected; %ld events\n", r->path, r->format, r->records, r->stored,
		r->created, r->updated, r->unchanged, r->rejected, r->events);
	if (r->rejected)
		fprintf(cli->out, "  see the rejects: orrery rejects --source %lld\n",
			(long long)r->source_id);
}

static bool parse_encoding(const char *s, enum csv_encoding *e)
{
	if (!s || strcmp(s, "utf-8") == 0 || strcmp(s, "utf8") == 0)
		*e = CSV_UTF8;
	else if (strcmp(s, "latin1") == 0 || strcmp(s, "iso-8859-1") == 0)
		*e = CSV_LATIN1;
	else if (strcmp(s, "cp1252") == 0 || strcmp(s, "windows-1252") == 0)
		*e = CSV_CP1252;
	else
		return false;
	return true;
}

/* Ingest options from the command line; false with a message when bad. */
static bool ingest_options_from_args(struct cli *cli, struct ingest_options *o, char **err)
{
	o->format = cli_args_get(&cli->args, "format");
	o->strict = cli_args_get(&cli->args, "strict") != NULL;
	o->currency = cli_args_get(&cli->args, "currency");
	if (!parse_encoding(cli_args_get(&cli->args, "encoding"), &o->encoding)) {
		*err = xasprintf("unknown encoding \"%s\" (utf-8, latin1 or cp1252)",
				 cli_args_get(&cli->args, "encoding"));
		return false;
	}
	const char *output = cli_args_get(&cli->args, "output");
	if (output && strcmp(output, "json") != 0 && strcmp(output, "text") != 0) {
		*err = xasprintf("unknown output \"%s\" (text or json)", output);
		return false;
	}
	cli->json = output && strcmp(output, "json") == 0;
	if (o->currency && strlen(o->currency) != 3) {
		*err = xasprintf("unknown currency \"%s\" (use an ISO 4217 code such as EUR)", o->currency);
		return false;
	}
	return true;
}

/* The worse of two exit statuses: data and I/O problems outrank success. */
static int worse(int a, int b)
{
	return a ? a : b;
}

static int cmd_ingest(struct cli *cli)
{
	char *err = NULL;
	struct ingest_options opt = { 0 };
	if (cli->args.npos == 0)
		return cli_fail(cli, ORR_USAGE, xstrdup("ingest: no file given (orrery ingest --help)"));
	if (!ingest_options_from_args(cli, &opt, &err))
		return cli_fail(cli, ORR_USAGE, err);
	int rc = store_migrate(cli->st, NULL, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	char now[CLOCK_TEXT_LEN];
	clock_format(clock_now(&clock_system), now);
	opt.now = now;
	struct progress_state prog = { cli->errs, time(NULL), false };
	if (isatty(fileno(cli->errs))) {
		opt.progress = show_progress;
		opt.progress_ctx = &prog;
	}
	json_t *all = json_array();
	int status = ORR_OK;
	for (int i = 0; i < cli->args.npos; i++) {
		struct ingest_report rep;
		rc = ingest_file(cli->st, cli->args.pos[i], &opt, &rep, &err);
		if (prog.shown)
			fprintf(cli->errs, "\r\033[K"), prog.shown = false;
		if (rc != ORR_OK) {
			cli_fail(cli, rc, err);
			fprintf(cli->errs, "orrery: %s: nothing stored (the database is as it was)\n",
				cli->args.pos[i]);
			status = worse(status, rc);
			if (rc == ORR_USAGE || rc == ORR_TEMPFAIL || rc == ORR_IOERR)
				break;
			continue;
		}
		if (cli->json)
			json_array_append_new(all, report_json(&rep));
		else
			report_text(cli, &rep);
	}
	if (cli->json)
		cli_emit_json(cli, all);
	else
		json_decref(all);
	return status;
}

/* --- sources, rejects, events --------------------------------------------- */

static void source_text(void *ctx, const struct source_row *r)
{
	struct cli *cli = ctx;
	fprintf(cli->out, "%4lld  %-16s %8ld %8ld %8ld  %s  %s\n", (long long)r->id, r->format,
		r->c.records, r->c.stored, r->c.rejected, r->ingested_at, r->path);
}

static void source_json(void *ctx, const struct source_row *r)
{
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
					     "s:s, s:s}",
					     "id", (json_int_t)r->id, "path", r->path, "format",
					     r->format, "records", (json_int_t)r->c.records,
					     "stored", (json_int_t)r->c.stored, "rejected",
					     (json_int_t)r->c.rejected, "created",
					     (json_int_t)r->c.created, "updated",
					     (json_int_t)r->c.updated, "unchanged",
					     (json_int_t)r->c.unchanged, "bytes", (json_int_t)r->bytes,
					     "checksum", r->checksum, "ingested_at", r->ingested_at));
}

static int cmd_sources(struct cli *cli)
{
	char *err = NULL;
	int rc;
	if (cli->json) {
		json_t *all = json_array();
		rc = source_list(cli->st, source_json, all, &err);
		if (rc == ORR_OK)
			cli_emit_json(cli, all);
		else
			json_decref(all);
	} else {
		fprintf(cli->out, "%4s  %-16s %8s %8s %8s  %-20s  %s\n", "id", "format", "records",
			"stored", "rejected", "ingested", "path");
		rc = source_list(cli->st, source_text, cli, &err);
	}
	return rc == ORR_OK ? ORR_OK : cli_fail(cli, rc, err);
}

static void reject_text(void *ctx, const struct reject_row *r)
{
	struct cli *cli = ctx;
	fprintf(cli->out, "%s:%ld: %s%s%s\n    %.200s\n", r->path, r->line, r->column ? r->column : "",
		r->column ? ": " : "", r->reason, r->raw);
}

static void reject_json(void *ctx, const struct reject_row *r)
{
	json_array_append_new(ctx, json_pack("{s:I, s:I, s:s, s:I, s:o, s:s, s:s}", "id",
					     (json_int_t)r->id, "source_id", (json_int_t)r->source_id,
					     "path", r->path, "line", (json_int_t)r->line, "column",
					     json_text_or_null(r->column), "reason", r->reason, "raw",
					     r->raw));
}

static int cmd_rejects(struct cli *cli)
{
	const char *src = cli_args_get(&cli->args, "source");
	const char *lim = cli_args_get(&cli->args, "limit");
	long long source = src ? cli_count(src) : 0, limit = lim ? cli_count(lim) : 0;
	if (source < 0 || limit < 0)
		return cli_fail(cli, ORR_USAGE, xstrdup("rejects: --source and --limit take a number"));
	char *err = NULL;
	json_t *all = cli->json ? json_array() : NULL;
	int rc = source_rejects(cli->st, source, (long)limit, cli->json ? reject_json : reject_text,
				cli->json ? (void *)all : (void *)cli, &err);
	if (rc != ORR_OK) {
		json_decref(all);
		return cli_fail(cli, rc, err);
	}
	if (all)
		cli_emit_json(cli, all);
	return ORR_OK;
}

static void event_text(void *ctx, const struct event_row *ev)
{
	struct cli *cli = ctx;
	fprintf(cli->out, "%lld  %s  %-22s %lld  %s\n", (long long)ev->id, ev->time, ev->type,
		(long long)ev->entity_id, ev->payload);
}

static void event_json(void *ctx, const struct event_row *ev)
{
	json_t *payload = json_loads(ev->payload, 0, NULL);
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:I, s:o}", "id",
					     (json_int_t)ev->id, "time", ev->time, "type", ev->type,
					     "entity", ev->entity, "entity_id",
					     (json_int_t)ev->entity_id, "payload",
					     payload ? payload : json_null()));
}

static int cmd_events(struct cli *cli)
{
	const char *since_s = cli_args_get(&cli->args, "since");
	const char *limit_s = cli_args_get(&cli->args, "limit");
	long long since = since_s ? cli_count(since_s) : 0;
	long long limit = limit_s ? cli_count(limit_s) : 0;
	if (since < 0 || limit < 0)
		return cli_fail(cli, ORR_USAGE, xstrdup("events: --since and --limit take a number"));
	char *err = NULL;
	json_t *all = cli->json ? json_array() : NULL;
	int rc = event_list(cli->st, cli_args_get(&cli->args, "type"), since, (long)limit,
			    cli->json ? event_json : event_text, cli->json ? (void *)all : (void *)cli,
			    &err);
	if (rc != ORR_OK) {
		json_decref(all);
		return cli_fail(cli, rc, err);
	}
	if (all)
		cli_emit_json(cli, all);
	return ORR_OK;
}

/* --- query ---------------------------------------------------------------- */

struct query_out {
	struct cli *cli;
	json_t *rows;
	char **names;
	int ncols;
};

static void query_row(void *ctx, bool is_header, int n, const char *const *vals)
{
	struct query_out *q = ctx;
	if (is_header && q->rows) {
		q->ncols = n;
		q->names = xcalloc((size_t)n + 1, sizeof *q->names);
		for (int i = 0; i < n; i++)
			q->names[i] = xstrdup(vals[i]);
		return;
	}
	if (q->rows) {
		json_t *o = json_object();
		for (int i = 0; i < n; i++)
			json_object_set_new(o, q->names[i], json_text_or_null(vals[i]));
		json_array_append_new(q->rows, o);
		return;
	}
	for (int i = 0; i < n; i++)
		fprintf(q->cli->out, "%s%s", i ? "\t" : "", vals[i] ? vals[i] : "NULL");
	fputc('\n', q->cli->out);
}

static void query_out_free(struct query_out *q)
{
	for (int i = 0; q->names && i < q->ncols; i++)
		free(q->names[i]);
	free(q->names);
	q->names = NULL;
	q->ncols = 0;
}

static int cmd_query(struct cli *cli)
{
	if (cli->args.npos != 1)
		return cli_fail(cli, ORR_USAGE, xstrdup("query: give exactly one SQL text, quoted"));
	struct query_out q = { cli, cli->json ? json_array() : NULL, NULL, 0 };
	char *err = NULL;
	int rc = store_query(cli->st, cli->args.pos[0], query_row, &q, &err);
	query_out_free(&q);
	if (rc != ORR_OK) {
		json_decref(q.rows);
		return cli_fail(cli, rc, err);
	}
	if (q.rows)
		cli_emit_json(cli, q.rows);
	return ORR_OK;
}

/* --- console ------------------------------------------------------------- */

static cli_console_fn console_fn;

void cli_set_console(cli_console_fn fn)
{
	console_fn = fn;
}

/* The database must exist and be current: the console shows it, it does
 * not create it (`orrery init` does). */
static int cmd_console(struct cli *cli)
{
	if (!console_fn)
		return cli_fail(cli, ORR_SOFTWARE, xstrdup("this orrery has no console built in"));
	long long frames = cli_number(cli, "frames", 0);
	if (frames < 0)
		return ORR_USAGE;
	int rc = cli_open_read(cli);
	store_close(cli->st);
	cli->st = NULL;
	if (rc != ORR_OK)
		return rc;
	char *rules = cli_rules_dir(cli);
	struct cli_console req = { .db_path = cli->db_path, .rules_dir = rules,
				   .read_only = cli_args_get(&cli->args, "read-only") != NULL,
				   .frames = (long)frames, .keys = cli_args_get(&cli->args, "keys"),
				   .timings = cli_args_get(&cli->args, "timings") };
	rc = console_fn(&req);
	free(rules);
	return rc;
}

/* --- version ------------------------------------------------------------- */

static int cmd_version(struct cli *cli)
{
	if (cli->json)
		cli_emit_json(cli, json_pack("{s:s, s:s, s:s}", "orrery", ORRERY_VERSION, "sqlite",
					 store_engine_version(), "jansson", JANSSON_VERSION));
	else
		fprintf(cli->out, "orrery %s (sqlite %s, jansson %s)\n", ORRERY_VERSION,
			store_engine_version(), JANSSON_VERSION);
	return ORR_OK;
}

/* --- the table ------------------------------------------------------------ */

static int cmd_help(struct cli *cli);

static const struct cli_command commands[] = {
	{ "init", "init [--format json]", "create the database or bring its schema up to date",
	  "Creates the database file if needed and applies pending schema migrations,\n"
	  "each in its own transaction.  Safe to run again.",
	  DB_WRITE, { OPT_FORMAT_OUT, OPT_HELP }, cmd_init },
	{ "ingest",
	  "ingest FILE... [--format NAME] [--strict] [--encoding E] [--currency CODE] "
	  "[--output json]",
	  "load store exports, one transaction per file",
	  "Each FILE is read in one transaction.  A structurally broken file (an\n"
	  "unterminated quote, an unknown header, bytes that are not UTF-8) is refused\n"
	  "whole and the database stays as it was (exit 65).  A bad record goes to\n"
	  "rejected_rows and the import goes on; --strict refuses the file instead.\n"
	  "Re-ingesting an unchanged file does nothing.\n\n"
	  "  --format NAME     force the input format instead of detecting it\n"
	  "  --encoding E      input is latin1 or cp1252, not UTF-8\n"
	  "  --currency CODE   ISO 4217 currency of the prices (default: per format)\n"
	  "  --strict          any rejected record refuses the file\n"
	  "  --output json     print the per-file report as JSON",
	  DB_WRITE,
	  { { "format", true, NULL }, { "strict", false, NULL }, { "encoding", true, NULL },
	    { "currency", true, NULL }, { "output", true, NULL }, OPT_HELP },
	  cmd_ingest },
	{ "sources", "sources [--format json]", "list ingested files with their record counts",
	  "One line per ingested file: records read, stored, rejected.\n"
	  "records = stored + rejected, always.",
	  DB_READ, { OPT_FORMAT_OUT, OPT_HELP }, cmd_sources },
	{ "rejects", "rejects [--source ID] [--limit N] [--format json]",
	  "list rejected records with file, line, column and reason",
	  "Every record ingest refused, with the file, the line it starts on, the\n"
	  "column at fault, the reason and the raw text.",
	  DB_READ,
	  { { "source", true, NULL }, { "limit", true, NULL }, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_rejects },
	{ "events", "events [--type T] [--since ID] [--limit N] [--format json]",
	  "read the append-only event log",
	  "Events in the order they were written.  --type order.created selects one\n"
	  "type, --type 'order.*' a family; --since ID starts after that event.",
	  DB_READ,
	  { { "type", true, NULL }, { "since", true, NULL }, { "limit", true, NULL },
	    OPT_FORMAT_OUT, OPT_HELP },
	  cmd_events },
	{ "query", "query SQL [--format json]", "run read-only SQL against the database",
	  "Runs SQL on a read-only connection: the database cannot be changed from here.\n"
	  "Output is tab-separated with a header row, or JSON objects.",
	  DB_READ, { OPT_FORMAT_OUT, OPT_HELP }, cmd_query },
	{ "console", "console [--read-only] [--frames N] [--keys KEYS] [--timings FILE]",
	  "open the operations console (also: orrery with no command on a terminal)",
	  "Opens the ncurses console on the database: panes for the audit, the\n"
	  "integration map, the rules, the jobs, the KPIs and the approvals.  Press ?\n"
	  "inside for every key.\n\n"
	  "  --read-only   every key that changes something is disabled\n"
	  "  --frames N    render N refresh cycles and exit (for tests and scripts)\n"
	  "  --keys KEYS   act on these keys first, as if typed (\\n is Enter,\n"
	  "                \\e Escape, \\t Tab)\n"
	  "  --timings FILE  append a line per frame: frame, pane, load or -, the\n"
	  "                milliseconds of the data load and of the draw (benchmarks)",
	  DB_NONE, { { "read-only", false, NULL }, { "frames", true, NULL }, { "keys", true, NULL },
		     { "timings", true, NULL }, OPT_HELP }, cmd_console },
	{ "version", "version [--format json]", "print the version", "Prints the version.",
	  DB_NONE, { OPT_FORMAT_OUT, OPT_HELP }, cmd_version },
	{ "help", "help [COMMAND]", "show help for a command", "Shows help.", DB_NONE,
	  { OPT_HELP }, cmd_help },
};

#define NCOMMANDS ((int)(sizeof commands / sizeof *commands))

/* The tables of the other command files, in the order `help` lists them. */
static const struct {
	const struct cli_command *v;
	const int *n;
} more_commands[] = {
	{ cli_rules_commands, &cli_rules_ncommands },
	{ cli_jobs_commands, &cli_jobs_ncommands },
	{ cli_audit_commands, &cli_audit_ncommands },
	{ cli_kpi_commands, &cli_kpi_ncommands },
	{ cli_vision_commands, &cli_vision_ncommands },
	{ cli_serve_commands, &cli_serve_ncommands },
	{ cli_deliveries_commands, &cli_deliveries_ncommands },
	{ cli_supplier_commands, &cli_supplier_ncommands },
	{ cli_forecast_commands, &cli_forecast_ncommands },
	{ cli_context_commands, &cli_context_ncommands },
};

static const struct cli_command *find_command(const char *name)
{
	for (int i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	for (size_t t = 0; t < sizeof more_commands / sizeof *more_commands; t++)
		for (int i = 0; i < *more_commands[t].n; i++)
			if (strcmp(more_commands[t].v[i].name, name) == 0)
				return &more_commands[t].v[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: orrery [--db PATH] [--rules DIR] [--secrets PATH] [--log-format text|json] "
		   "COMMAND [ARGS]\n\n"
		   "The database is --db PATH, else $ORRERY_DB, else ./orrery.db.\n"
		   "Secrets are read from --secrets PATH, else secrets.json beside the database\n"
		   "(mode 0600, or orrery refuses to start).\n"
		   "Operator rules are read from --rules DIR, else rules/ beside the database.\n"
		   "The runner logs text lines, or JSON objects one per line (--log-format json).\n\n"
		   "commands:\n");
	for (int i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
	for (size_t t = 0; t < sizeof more_commands / sizeof *more_commands; t++)
		for (int i = 0; i < *more_commands[t].n; i++)
			fprintf(f, "  %-11s %s\n", more_commands[t].v[i].name,
				more_commands[t].v[i].summary);
	fprintf(f, "\n`orrery COMMAND --help` tells more.  Exit status: 0 ok, 64 usage, 65 bad "
		   "data,\n66 missing input, 70 internal error, 74 I/O error, 75 database busy.\n");
}

static void command_help(FILE *f, const struct cli_command *c)
{
	fprintf(f, "usage: orrery [--db PATH] %s\n\n%s\n", c->usage, c->help);
	if (strcmp(c->name, "ingest") == 0) {
		int n;
		const struct ingest_format_info *fmt = ingest_formats(&n);
		fprintf(f, "\nformats (detected from the header):\n");
		for (int i = 0; i < n; i++)
			fprintf(f, "  %-22s %s\n", fmt[i].name, fmt[i].summary);
	}
}

static int cmd_help(struct cli *cli)
{
	if (cli->args.npos == 0) {
		usage(cli->out);
		return ORR_OK;
	}
	const struct cli_command *c = find_command(cli->args.pos[0]);
	if (!c)
		return cli_fail(cli, ORR_USAGE, xasprintf("no command \"%s\"", cli->args.pos[0]));
	command_help(cli->out, c);
	return ORR_OK;
}

/* Open the database the command needs; a read of a database that does not
 * exist is an error, not an empty answer. */
static int open_db(struct cli *cli, enum db_need need)
{
	if (need == DB_NONE)
		return ORR_OK;
	char *err = NULL;
	int rc = store_open(cli->db_path, need == DB_WRITE ? STORE_READWRITE : STORE_READONLY,
			    &cli->st, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (need == DB_READ && store_schema_version(cli->st) == 0)
		return cli_fail(cli, ORR_NOINPUT,
			    xasprintf("%s is not an orrery database (create one with: orrery --db %s "
				      "init)", cli->db_path, cli->db_path));
	if (need == DB_READ && store_schema_version(cli->st) < schema_migration_count)
		return cli_fail(cli, ORR_DATAERR,
				xasprintf("%s was made by an older orrery; bring it up to date with: "
					  "orrery --db %s init", cli->db_path, cli->db_path));
	return ORR_OK;
}

/* Parse the command's options and settle the output format. */
static int prepare(struct cli *cli, const struct cli_command *c, int argc, char **argv)
{
	memcpy(cli->args.opts, c->opts, sizeof c->opts);
	for (cli->args.nopts = 0; cli->args.nopts < CLI_MAX_OPTS && c->opts[cli->args.nopts].name;)
		cli->args.nopts++;
	char *err = NULL;
	if (!cli_args_parse(&cli->args, argc, argv, &err)) {
		fprintf(cli->errs, "orrery %s: %s\nusage: orrery %s\n", c->name, err, c->usage);
		free(err);
		return ORR_USAGE;
	}
	const char *fmt = cli_args_get(&cli->args, "format");
	if (fmt && strcmp(c->name, "ingest") != 0) {
		/* beyond text and json: a graph of the subsystems, a report of the audit */
		const char *extra = strcmp(c->name, "subsystems") == 0 ? "dot"
				    : strcmp(c->name, "map") == 0      ? "dot"
				    : strcmp(c->name, "audit") == 0    ? "md"
								       : NULL;
		bool other = extra && strcmp(fmt, extra) == 0;
		if (strcmp(fmt, "json") != 0 && strcmp(fmt, "text") != 0 && !other)
			return cli_fail(cli, ORR_USAGE,
					xasprintf("%s: unknown --format \"%s\" (text or json%s%s)",
						  c->name, fmt, extra ? " or " : "", extra ? extra : ""));
		cli->json = strcmp(fmt, "json") == 0;
		cli->dot = other && strcmp(extra, "dot") == 0;
		cli->md = other && strcmp(extra, "md") == 0;
	}
	return ORR_OK;
}

/* secrets.json (--secrets PATH, else beside the database) is checked before
 * any command runs: a file others can read stops Orrery (issue 8). */
static int load_secrets(struct cli *cli)
{
	char *beside = cli->secrets_file ? NULL : secrets_path_beside(cli->db_path);
	char *err = NULL;
	int rc = secrets_load(cli->secrets_file ? cli->secrets_file : beside,
			      cli->secrets_file != NULL, &cli->secrets, &err);
	free(beside);
	return rc == ORR_OK ? ORR_OK : cli_fail(cli, rc, err);
}

/* connectors.json beside the database: refused, like secrets, before any
 * command runs; the workers of `run` and `deliveries` read it. */
static int load_connectors(struct cli *cli)
{
	char *err = NULL;
	int rc = integration_setup(cli->db_path, cli->secrets, &err);
	return rc == ORR_OK ? ORR_OK : cli_fail(cli, rc, err);
}

static int run_command(struct cli *cli, const struct cli_command *c, int argc, char **argv)
{
	int rc = prepare(cli, c, argc, argv);
	if (rc == ORR_OK && cli_args_get(&cli->args, "help")) {
		command_help(cli->out, c);
		rc = -1;
	}
	if (rc == ORR_OK)
		rc = load_secrets(cli);
	if (rc == ORR_OK)
		rc = load_connectors(cli);
	if (rc == ORR_OK)
		rc = open_db(cli, c->db);
	if (rc == ORR_OK)
		rc = c->run(cli);
	store_close(cli->st);
	cli->st = NULL;
	integration_teardown();
	secrets_free(cli->secrets);
	cli->secrets = NULL;
	cli_args_free(&cli->args);
	return rc < 0 ? ORR_OK : rc;
}

/* --log-format: checked here, used by the runner (run, and later the console). */
static int set_log_format(struct cli *cli, const char *v)
{
	bool json;
	if (v && runlog_format_parse(v, &json)) {
		cli->log_format = v;
		return ORR_OK;
	}
	fprintf(cli->errs, "orrery: --log-format takes text or json%s%s%s\n", v ? ", not \"" : "",
		v ? v : "", v ? "\"" : "");
	return ORR_USAGE;
}

/* Global options come before the command. */
static int global_options(struct cli *cli, int argc, char **argv, int *i)
{
	for (*i = 1; *i < argc && argv[*i][0] == '-'; (*i)++) {
		const char *a = argv[*i];
		if (strcmp(a, "--db") == 0 && *i + 1 < argc) {
			cli->db_path = argv[++*i];
		} else if (strncmp(a, "--db=", 5) == 0) {
			cli->db_path = a + 5;
		} else if (strcmp(a, "--secrets") == 0 && *i + 1 < argc) {
			cli->secrets_file = argv[++*i];
		} else if (strncmp(a, "--secrets=", 10) == 0) {
			cli->secrets_file = a + 10;
		} else if (strcmp(a, "--rules") == 0 && *i + 1 < argc) {
			cli->rules_dir = argv[++*i];
		} else if (strncmp(a, "--rules=", 8) == 0) {
			cli->rules_dir = a + 8;
		} else if (strcmp(a, "--log-format") == 0 || strncmp(a, "--log-format=", 13) == 0) {
			const char *v = a[12] == '=' ? a + 13 : *i + 1 < argc ? argv[++*i] : NULL;
			if (set_log_format(cli, v) != ORR_OK)
				return ORR_USAGE;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(cli->out);
			return -1;
		} else if (strcmp(a, "--version") == 0) {
			return cmd_version(cli) == ORR_OK ? -1 : ORR_SOFTWARE;
		} else {
			fprintf(cli->errs, "orrery: unknown option %s\n", a);
			usage(cli->errs);
			return ORR_USAGE;
		}
	}
	return ORR_OK;
}

/* Output that could not be written (a full disk, a closed pipe) is a
 * failure of the command, not a silent success. */
static int finish_output(struct cli *cli, int rc)
{
	if (fflush(cli->out) == 0 && !ferror(cli->out))
		return rc;
	fprintf(cli->errs, "orrery: cannot write the output: %s\n", strerror(errno));
	return rc ? rc : ORR_IOERR;
}

/* embedded: run from inside the console, which owns the terminal: never
 * a second console, never `run` (the console's orchestrator is its o key). */
static int run_line(int argc, char **argv, FILE *out, FILE *errs, bool embedded)
{
	struct cli cli = { .out = out, .errs = errs };
	const char *env = getenv("ORRERY_DB");
	cli.db_path = env && *env ? env : "orrery.db";
	int i;
	int rc = global_options(&cli, argc, argv, &i);
	if (rc != ORR_OK)
		return rc < 0 ? ORR_OK : rc;
	if (i == argc && !embedded && console_fn && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		char *none[] = { NULL };
		return finish_output(&cli, run_command(&cli, find_command("console"), 0, none));
	}
	if (i == argc) {
		usage(errs);
		return ORR_USAGE;
	}
	if (embedded && (strcmp(argv[i], "console") == 0 || strcmp(argv[i], "run") == 0)) {
		fprintf(errs, "orrery: %s\n", strcmp(argv[i], "run") == 0
						 ? "run is the o key in the console (its orchestrator)"
						 : "console: this is the console");
		return ORR_USAGE;
	}
	const struct cli_command *c = find_command(argv[i]);
	if (!c) {
		fprintf(errs, "orrery: unknown command \"%s\"\n", argv[i]);
		usage(errs);
		return ORR_USAGE;
	}
	rc = run_command(&cli, c, argc - i - 1, argv + i + 1);
	return finish_output(&cli, rc);
}

int cli_run(int argc, char **argv, FILE *out, FILE *errs)
{
	return run_line(argc, argv, out, errs, false);
}

int cli_run_embedded(int argc, char **argv, FILE *out, FILE *errs)
{
	return run_line(argc, argv, out, errs, true);
}
