/* cli_internal.h - shared by the files of the command line: the command
 * table's shape and the helpers every command uses. */
#ifndef ORR_CLI_INTERNAL_H
#define ORR_CLI_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli_args.h"
#include "rules.h"
#include "secrets.h"

enum db_need { DB_NONE, DB_READ, DB_WRITE };

struct cli {
	FILE *out, *errs;
	const char *db_path;
	struct store *st;
	struct cli_args args;
	bool json;
	bool dot;              /* subsystems --format dot */
	bool md;               /* audit --format md */
	const char *rules_dir; /* --rules DIR, else rules/ beside the database */
	const char *log_format; /* --log-format: the runner's log lines, text or json */
	const char *secrets_file; /* --secrets PATH, else secrets.json beside the database */
	struct secrets *secrets;  /* loaded before the command runs; never printed */
};

struct cli_command {
	const char *name;
	const char *usage;
	const char *summary;
	const char *help;
	enum db_need db;
	struct cli_opt opts[CLI_MAX_OPTS];
	int (*run)(struct cli *cli);
};

#define OPT_FORMAT_OUT { "format", true, NULL }
#define OPT_HELP { "help", false, NULL }

/* Print "orrery: msg" to errs, free msg, return rc. */
int cli_fail(struct cli *cli, int rc, char *msg);
/* Print a JSON value to out and release it. */
void cli_emit_json(struct cli *cli, json_t *j);
/* A field of a JSON row for text output: "" / 0 when absent. */
const char *cli_text(json_t *row, const char *field);
long long cli_int(json_t *row, const char *field);
double cli_real(json_t *row, const char *field);

/* A non-negative integer option value, or -1 when malformed. */
long long cli_count(const char *s);

/* Commands with actions ("jobs retry"): the first positional argument
 * names the action, verbs[0] is the default; an unknown one is a usage
 * error listing them all. */
struct cli_verb {
	const char *name;
	int (*run)(struct cli *cli);
};
int cli_dispatch(struct cli *cli, const char *command, const struct cli_verb *verbs, size_t n);
#define CLI_DISPATCH(cli, command, verbs) \
	cli_dispatch((cli), (command), (verbs), sizeof(verbs) / sizeof *(verbs))

/* For commands declared DB_NONE that open the database themselves: read
 * (missing or not an orrery database: 66) or write (migrated). */
int cli_open_read(struct cli *cli);
int cli_open_write(struct cli *cli);
/* Make sure a writable database has every migration applied. */
int cli_migrated(struct cli *cli);
/* rules/ beside the database, unless --rules says otherwise; caller frees. */
char *cli_rules_dir(const struct cli *cli);
/* The operator's rules: compiled-in defaults plus --rules DIR (else rules/
 * beside the database).  Problems are printed; returns 0 or ORR_DATAERR. */
int cli_load_rules(struct cli *cli, struct rule_set *set);
/* The overrides half of cli_load_rules: the rules switched on or off in
 * the database (cli->st, else the database when it exists) applied to set.
 * On failure set is freed and the problem printed. */
int cli_rule_overrides(struct cli *cli, struct rule_set *set);
/* The database opened read-only when it exists, else NULL (commands that
 * also work without one: subsystems, map, rules); caller closes. */
struct store *cli_open_if_present(struct cli *cli);
/* `map` (cli_map.c), registered in cli_rules.c's table. */
int cli_map_cmd(struct cli *cli);
/* `jobs history` (cli_history.c), a verb in cli_jobs.c's table. */
int cli_jobs_history(struct cli *cli);
/* The value of a numeric option (default when absent), or -1 with a
 * message printed when malformed. */
long long cli_number(struct cli *cli, const char *option, long long fallback);
/* The positional argument i as an id (> 0), or -1 with a message printed. */
long long cli_id_arg(struct cli *cli, int i, const char *what);

/* The decision layer's commands: subsystems, rules, approvals (cli_rules.c);
 * jobs, run, tasks (cli_jobs.c). */
extern const struct cli_command cli_rules_commands[], cli_jobs_commands[], cli_audit_commands[];
extern const int cli_rules_ncommands, cli_jobs_ncommands, cli_audit_ncommands;
/* KPIs: collect, show, baselines, compare, export (cli_kpi.c). */
extern const struct cli_command cli_kpi_commands[];
extern const int cli_kpi_ncommands;
/* serve (cli_serve.c); its options are shared with `run --listen`. */
extern const struct cli_command cli_serve_commands[];
extern const int cli_serve_ncommands;
/* deliveries, connectors (cli_deliveries.c). */
extern const struct cli_command cli_deliveries_commands[];
extern const int cli_deliveries_ncommands;
#define OPTS_SERVE { "threads", true, NULL }, { "max-body", true, NULL }, { "rate", true, NULL }, \
	{ "currency", true, NULL }
struct serve_options;
/* The serve options of the command line (--listen may be absent). */
int cli_serve_options(struct cli *cli, struct serve_options *o);
/* Purchase orders, supplier terms, marketing signals (cli_supplier.c). */
extern const struct cli_command cli_supplier_commands[];
extern const int cli_supplier_ncommands;
/* Demand forecasts and the reorder policy (cli_forecast.c). */
extern const struct cli_command cli_forecast_commands[];
extern const int cli_forecast_ncommands;
/* The customer-service context (cli_context.c). */
extern const struct cli_command cli_context_commands[];
extern const int cli_context_ncommands;

#endif
