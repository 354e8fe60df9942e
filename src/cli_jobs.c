/* cli_jobs.c - `jobs`, `run` and `tasks`. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_internal.h"
#include "clock.h"
#include "jobs.h"
#include "jobs_admin.h"
#include "operator.h"
#include "runlog.h"
#include "runner.h"
#include "serve.h"
#include "store.h"
#include "store_event.h"
#include "store_task.h"
#include "xalloc.h"

/* --- jobs ------------------------------------------------------------------ */

/* --state, --kind and --limit, checked; the id from pos[1] when given. */
static int job_filter(struct cli *cli, struct job_filter *f, long default_limit)
{
	memset(f, 0, sizeof *f);
	f->state = cli_args_get(&cli->args, "state");
	f->kind = cli_args_get(&cli->args, "kind");
	if (f->state && !jobs_state_valid(f->state))
		return cli_fail(cli, ORR_USAGE,
				xasprintf("jobs: unknown --state \"%s\" (queued, running, succeeded, "
					  "failed, dead, cancelled)", f->state));
	long long limit = cli_number(cli, "limit", default_limit);
	if (limit < 0)
		return ORR_USAGE;
	f->limit = (long)limit;
	if (cli->args.npos > 1) {
		long long id = cli_id_arg(cli, 1, "job");
		if (id < 0)
			return ORR_USAGE;
		f->id = id;
	}
	return ORR_OK;
}

static int jobs_list_cmd(struct cli *cli)
{
	struct job_filter f;
	int rc = job_filter(cli, &f, 100);
	if (rc != ORR_OK)
		return rc;
	json_t *rows = NULL;
	char *err = NULL;
	if ((rc = jobs_list(cli->st, &f, &rows, &err)) != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, rows);
		return ORR_OK;
	}
	fprintf(cli->out, "%8s  %-9s %-16s %-7s %-20s %s\n", "id", "state", "kind", "tries", "key",
		"last error");
	size_t i;
	json_t *j;
	json_array_foreach(rows, i, j) {
		fprintf(cli->out, "%8lld  %-9s %-16s %3lld/%-3lld %-20s %s\n", cli_int(j, "id"),
			cli_text(j, "state"), cli_text(j, "kind"), cli_int(j, "attempts"),
			cli_int(j, "max_attempts"), cli_text(j, "key"), cli_text(j, "last_error"));
	}
	json_decref(rows);
	return ORR_OK;
}

/* The Unix-millisecond columns, shown as UTC text for people. */
static bool is_time(const char *column)
{
	size_t n = strlen(column);
	return (n > 3 && strcmp(column + n - 3, "_at") == 0) || strcmp(column, "run_after") == 0 ||
	       strcmp(column, "lease_until") == 0;
}

static char *time_text(int64_t ms)
{
	char *text = xmalloc(CLOCK_TEXT_LEN);
	clock_format(ms, text);
	return text;
}

static void job_text(struct cli *cli, json_t *job)
{
	const char *k;
	json_t *v;
	json_object_foreach(job, k, v) {
		if (strcmp(k, "log") == 0)
			continue;
		char *text = json_is_string(v) ? xstrdup(json_string_value(v))
			     : is_time(k) && json_is_integer(v) ? time_text(json_integer_value(v))
			     : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		fprintf(cli->out, "%-16s %s\n", k, text);
		free(text);
	}
	size_t i;
	json_array_foreach(json_object_get(job, "log"), i, v) {
		char when[CLOCK_TEXT_LEN];
		clock_format(cli_int(v, "at"), when);
		fprintf(cli->out, "log %s  %s\n", when, cli_text(v, "line"));
	}
}

static int jobs_show_cmd(struct cli *cli)
{
	long long id = cli_id_arg(cli, 1, "job");
	if (id < 0)
		return ORR_USAGE;
	json_t *job = NULL;
	char *err = NULL;
	int rc = jobs_show(cli->st, id, &job, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, job);
	} else {
		job_text(cli, job);
		json_decref(job);
	}
	return ORR_OK;
}

static int jobs_bulk_cmd(struct cli *cli, enum jobs_bulk bulk, const char *done)
{
	struct job_filter f;
	int rc = job_filter(cli, &f, 0);
	if (rc != ORR_OK)
		return rc;
	if (!f.id && !f.state && !f.kind)
		return cli_fail(cli, ORR_USAGE,
				xasprintf("jobs %s: which jobs? give an ID, --state or --kind",
					  cli->args.pos[0]));
	if ((rc = cli_migrated(cli)) != ORR_OK)
		return rc;
	struct operator_id op;
	operator_identify(&op);
	int changed = 0;
	char *err = NULL;
	rc = jobs_bulk(cli->st, bulk, &f, op.name, clock_now(&clock_system), &changed, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json)
		cli_emit_json(cli, json_pack("{sssi}", "action", cli->args.pos[0], "jobs", changed));
	else
		fprintf(cli->out, "%d job%s %s\n", changed, changed == 1 ? "" : "s", done);
	return f.id && changed == 0 ? 1 : ORR_OK;
}

struct enqueue_args {
	struct job_spec spec;
	const char *key;
	long long count;
};

static int enqueue_options(struct cli *cli, struct enqueue_args *e)
{
	memset(e, 0, sizeof *e);
	if (cli->args.npos < 2)
		return cli_fail(cli, ORR_USAGE, xstrdup("jobs enqueue: which kind? (see `orrery "
							 "subsystems`)"));
	e->spec.kind = cli->args.pos[1];
	e->spec.args = cli_args_get(&cli->args, "args");
	e->key = cli_args_get(&cli->args, "key");
	e->count = cli_number(cli, "count", 1);
	long long prio = cli_number(cli, "priority", 0);
	long long max = cli_number(cli, "max-attempts", 0);
	const char *delay = cli_args_get(&cli->args, "delay");
	int64_t delay_ms = delay ? rules_parse_duration(delay) : 0;
	if (e->count < 1 || prio < 0 || max < 0 || delay_ms < 0)
		return cli_fail(cli, ORR_USAGE,
				xstrdup("jobs enqueue: --count must be at least 1; --priority and "
					"--max-attempts are numbers; --delay is a duration such as "
					"30s, 15m, 2h"));
	e->spec.priority = (int)prio;
	e->spec.max_attempts = (int)max;
	e->spec.run_after = delay_ms ? clock_now(&clock_system) + delay_ms : 0;
	return ORR_OK;
}

/* All N in one transaction: either every job is queued or none. */
static int enqueue_all(struct cli *cli, struct enqueue_args *e, long *created, char **err)
{
	int64_t now = clock_now(&clock_system);
	int rc = store_begin(cli->st, err);
	for (long long i = 1; rc == ORR_OK && i <= e->count; i++) {
		char *key = e->key && e->count > 1 ? xasprintf("%s-%lld", e->key, i)
						   : e->key ? xstrdup(e->key) : NULL;
		e->spec.key = key;
		int64_t id;
		bool existed;
		rc = jobs_enqueue(cli->st, &e->spec, now, &id, &existed, err);
		*created += rc == ORR_OK && !existed;
		if (rc == ORR_OK && e->count == 1 && !cli->json)
			fprintf(cli->out, "job %lld %s\n", (long long)id,
				existed ? "already exists with this key" : "queued");
		free(key);
	}
	if (rc == ORR_OK)
		rc = store_commit(cli->st, err);
	if (rc != ORR_OK)
		store_rollback(cli->st);
	return rc;
}

static int jobs_enqueue_cmd(struct cli *cli)
{
	struct enqueue_args e;
	int rc = enqueue_options(cli, &e);
	if (rc == ORR_OK)
		rc = cli_migrated(cli);
	if (rc != ORR_OK)
		return rc;
	long created = 0;
	char *err = NULL;
	if ((rc = enqueue_all(cli, &e, &created, &err)) != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json)
		cli_emit_json(cli, json_pack("{sssIsI}", "kind", e.spec.kind, "queued",
					     (json_int_t)created, "existing",
					     (json_int_t)(e.count - created)));
	else if (e.count > 1)
		fprintf(cli->out, "%ld jobs queued, %lld already existed\n", created,
			e.count - created);
	return ORR_OK;
}

static int jobs_retry_cmd(struct cli *cli)
{
	return jobs_bulk_cmd(cli, JOBS_RETRY, "queued again");
}

static int jobs_cancel_cmd(struct cli *cli)
{
	return jobs_bulk_cmd(cli, JOBS_CANCEL, "cancelled");
}

static int jobs_kill_cmd(struct cli *cli)
{
	return jobs_bulk_cmd(cli, JOBS_KILL, "killed");
}

static int cmd_jobs(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "list", jobs_list_cmd },     { "show", jobs_show_cmd },
		{ "retry", jobs_retry_cmd },   { "cancel", jobs_cancel_cmd },
		{ "kill", jobs_kill_cmd },     { "enqueue", jobs_enqueue_cmd },
		{ "history", cli_jobs_history },
	};
	return CLI_DISPATCH(cli, "jobs", verbs);
}

/* --- run ------------------------------------------------------------------- */

/* --log-format (else the global one), --kpi-every and --metrics-file. */
static int run_log_options(struct cli *cli, struct run_options *o)
{
	const char *format = cli_args_get(&cli->args, "log-format");
	format = format ? format : cli->log_format;
	if (!runlog_format_parse(format, &o->log_json))
		return cli_fail(cli, ORR_USAGE, xasprintf("run: unknown --log-format \"%s\" (text "
							  "or json)", format));
	const char *every = cli_args_get(&cli->args, "kpi-every");
	o->kpi_every_ms = every ? rules_parse_duration(every) : 0;
	if (every && o->kpi_every_ms <= 0)
		return cli_fail(cli, ORR_USAGE, xasprintf("run: --kpi-every takes a duration such "
							  "as 60s or 5m, not \"%s\"", every));
	o->metrics_file = cli_args_get(&cli->args, "metrics-file");
	if (o->metrics_file && !*o->metrics_file)
		return cli_fail(cli, ORR_USAGE, xstrdup("run: --metrics-file needs a path"));
	o->log = cli->errs;
	if (o->log_json)
		o->progress = NULL; /* a status line would break the JSON lines */
	return ORR_OK;
}

static int run_options(struct cli *cli, struct run_options *o)
{
	long long workers = cli_number(cli, "workers", 2);
	long long max_s = cli_number(cli, "max-seconds", 0);
	long long lease_s = cli_number(cli, "lease-seconds", 30);
	if (workers < 1 || workers > 64 || max_s < 0 || lease_s < 1)
		return cli_fail(cli, ORR_USAGE,
				xstrdup("run: --workers is 1 to 64, --max-seconds and "
					"--lease-seconds are whole seconds (lease at least 1)"));
	*o = (struct run_options){ .workers = (int)workers,
				   .until_idle = cli_args_get(&cli->args, "until-idle") != NULL,
				   .max_ms = max_s * 1000, .lease_ms = lease_s * 1000, .batch = 128,
				   .progress = isatty(fileno(cli->errs)) && !cli->json ? cli->errs : NULL };
	return run_log_options(cli, o);
}

static void run_report_out(struct cli *cli, const struct run_report *r)
{
	double secs = r->elapsed_ms / 1000.0;
	double rate = secs > 0 ? r->finished / secs : 0;
	if (cli->json) {
		cli_emit_json(cli, json_pack("{sIsIsIsIsfsfsb}", "events", (json_int_t)r->events,
					     "jobs_finished", (json_int_t)r->finished, "reclaimed",
					     (json_int_t)r->reclaimed, "approvals_expired",
					     (json_int_t)r->expired, "seconds", secs, "jobs_per_second",
					     rate, "interrupted", r->interrupted));
		return;
	}
	fprintf(cli->out, "run: %ld events handled, %ld job outcomes in %.2f s (%.0f jobs/s)",
		r->events, r->finished, secs, rate);
	if (r->reclaimed)
		fprintf(cli->out, ", %ld lapsed leases taken back", r->reclaimed);
	if (r->expired)
		fprintf(cli->out, ", %ld approvals expired", r->expired);
	fprintf(cli->out, "%s\n", r->interrupted ? " (stopped by a signal)" : "");
}

/* run --listen: the webhook server beside the runner, in the same process
 * (the runner's signal handling stops both). */
static int run_listen(struct cli *cli, const struct run_options *ro, struct server **srv)
{
	if (!cli_args_get(&cli->args, "listen"))
		return ORR_OK;
	struct serve_options so;
	int rc = cli_serve_options(cli, &so);
	if (rc != ORR_OK)
		return rc;
	so.log_json = ro->log_json;
	char *err = NULL;
	if ((rc = serve_start(&so, srv, &err)) != ORR_OK)
		return cli_fail(cli, rc, err);
	if (!so.log_json)
		fprintf(cli->errs, "orrery: serving on http://%s\n", serve_address(*srv));
	return ORR_OK;
}

static int cmd_run(struct cli *cli)
{
	struct run_options o;
	int rc = run_options(cli, &o);
	if (rc != ORR_OK)
		return rc;
	if ((rc = cli_migrated(cli)) != ORR_OK)
		return rc;
	struct rule_set rules = { 0 };
	if ((rc = cli_load_rules(cli, &rules)) != ORR_OK)
		return rc;
	/* the runner opens its own connections */
	store_close(cli->st);
	cli->st = NULL;
	struct run_report rep;
	char *err = NULL;
	struct server *srv = NULL;
	if ((rc = run_listen(cli, &o, &srv)) != ORR_OK) {
		rule_set_free(&rules);
		return rc;
	}
	rc = runner_run(cli->db_path, &rules, &o, &rep, &err);
	serve_stop(srv);
	rule_set_free(&rules);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	run_report_out(cli, &rep);
	return ORR_OK;
}

/* --- tasks ----------------------------------------------------------------- */

static int tasks_list_cmd(struct cli *cli)
{
	const char *state = cli_args_get(&cli->args, "state");
	long long limit = cli_number(cli, "limit", 100);
	if (limit < 0)
		return ORR_USAGE;
	json_t *rows = NULL;
	char *err = NULL;
	int rc = task_list(cli->st, state, (long)limit, &rows, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, rows);
		return ORR_OK;
	}
	size_t i;
	json_t *t;
	json_array_foreach(rows, i, t) {
		fprintf(cli->out, "%6lld  %-5s %-8s %s\n", cli_int(t, "id"), cli_text(t, "state"),
			cli_text(t, "subsystem"), cli_text(t, "title"));
	}
	json_decref(rows);
	return ORR_OK;
}

static int tasks_done_cmd(struct cli *cli)
{
	long long id = cli_id_arg(cli, 1, "task");
	if (id < 0)
		return ORR_USAGE;
	int rc = cli_migrated(cli);
	if (rc != ORR_OK)
		return rc;
	struct operator_id op;
	operator_identify(&op);
	char *err = NULL;
	rc = task_done(cli->st, id, op.name, cli_args_get(&cli->args, "note"),
		       clock_now(&clock_system), &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	fprintf(cli->out, "task %lld done by %s\n", id, op.name);
	return ORR_OK;
}

static int cmd_tasks(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "list", tasks_list_cmd },
		{ "done", tasks_done_cmd },
	};
	return CLI_DISPATCH(cli, "tasks", verbs);
}

/* --- emit ----------------------------------------------------------------- */

static bool event_type_valid(const char *t)
{
	size_t n = strlen(t);
	return n > 0 && n < 128 && strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n &&
	       t[0] != '.' && t[n - 1] != '.';
}

static int emit_options(struct cli *cli, struct event_new *ev, long long *count)
{
	memset(ev, 0, sizeof *ev);
	if (cli->args.npos != 1 || !event_type_valid(cli->args.pos[0]))
		return cli_fail(cli, ORR_USAGE,
				xstrdup("emit: give one event type of lowercase letters, digits, "
					"'.', '_' and '-', such as product.flagged"));
	ev->type = cli->args.pos[0];
	ev->entity = cli_args_get(&cli->args, "entity");
	long long id = cli_number(cli, "entity-id", 0);
	*count = cli_number(cli, "count", 1);
	if (id < 0 || *count < 1)
		return cli_fail(cli, ORR_USAGE,
				xstrdup("emit: --entity-id is a number, --count at least 1"));
	ev->entity_id = id;
	ev->payload = cli_args_get(&cli->args, "payload");
	json_error_t je;
	json_t *p = ev->payload ? json_loads(ev->payload, JSON_REJECT_DUPLICATES, &je) : NULL;
	bool ok = !ev->payload || json_is_object(p);
	json_decref(p);
	if (!ok)
		return cli_fail(cli, ORR_DATAERR, xstrdup("emit: --payload must be a JSON object"));
	return ORR_OK;
}

static int cmd_emit(struct cli *cli)
{
	struct event_new ev;
	long long count = 1;
	int rc = emit_options(cli, &ev, &count);
	if (rc == ORR_OK)
		rc = cli_migrated(cli);
	if (rc != ORR_OK)
		return rc;
	char *err = NULL;
	int64_t now = clock_now(&clock_system), first = 0, id = 0;
	rc = store_begin(cli->st, &err);
	for (long long i = 0; rc == ORR_OK && i < count; i++) {
		rc = event_append(cli->st, &ev, now, &id, &err);
		if (i == 0)
			first = id;
	}
	if (rc == ORR_OK)
		rc = store_commit(cli->st, &err);
	if (rc != ORR_OK) {
		store_rollback(cli->st);
		return cli_fail(cli, rc, err);
	}
	if (cli->json)
		cli_emit_json(cli, json_pack("{sIsI}", "first_id", (json_int_t)first, "last_id",
					     (json_int_t)id));
	else if (count > 1)
		fprintf(cli->out, "event %lld-%lld %s\n", (long long)first, (long long)id, ev.type);
	else
		fprintf(cli->out, "event %lld %s\n", (long long)first, ev.type);
	return ORR_OK;
}

/* --- the table ------------------------------------------------------------- */

const struct cli_command cli_jobs_commands[] = {
	{ "jobs",
	  "jobs [list|show ID|retry|cancel|kill [ID]|enqueue KIND] [--state S] [--kind K] "
	  "[--limit N] [--format json]",
	  "watch and steer the durable job queue",
	  "list                 jobs newest first (--limit, default 100; 0: all)\n"
	  "show ID              one job with its arguments, result, error and log\n"
	  "retry [ID]           dead, failed or cancelled jobs run again from attempt 1\n"
	  "cancel [ID]          queued or failed jobs are cancelled\n"
	  "kill [ID]            queued, failed or running jobs are marked dead now\n"
	  "  retry, cancel and kill take an ID or a filter: --state S, --kind K\n"
	  "  (K may be a subsystem: --kind 'system.*')\n"
	  "enqueue KIND         queue a job: --args JSON (an object), --key KEY (idempotency:\n"
	  "                     a second enqueue with the same key is a no-op), --count N\n"
	  "                     (keys KEY-1 ... KEY-N), --priority P, --delay 30s,\n"
	  "                     --max-attempts N\n"
	  "history              jobs created, started, succeeded, failed, dead and cancelled\n"
	  "                     per time bucket, oldest first: --bucket 5m, --buckets 12",
	  DB_WRITE,
	  { { "state", true, NULL }, { "kind", true, NULL }, { "limit", true, NULL },
	    { "args", true, NULL }, { "key", true, NULL }, { "count", true, NULL },
	    { "priority", true, NULL }, { "delay", true, NULL }, { "max-attempts", true, NULL },
	    { "bucket", true, NULL }, { "buckets", true, NULL }, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_jobs },
	{ "run", "run [--workers N] [--until-idle] [--max-seconds N] [--lease-seconds N] "
		 "[--metrics-file PATH] [--kpi-every 60s] [--log-format text|json] "
		 "[--listen HOST:PORT] [--format json]",
	  "run the rule engine and the job workers",
	  "Runs the rule engine over new events and N worker threads (default 2) over\n"
	  "the job queue.  SIGINT or SIGTERM stops it cleanly: running jobs finish or\n"
	  "go back to the queue.  A runner that died (kill -9, power loss) is noticed on\n"
	  "the next start on the same host and its jobs are taken back at once; on\n"
	  "other hosts when their lease (--lease-seconds, default 30) runs out.\n\n"
	  "  --until-idle      stop when no event, queued job or retry is left\n"
	  "  --max-seconds N   stop after N seconds\n"
	  "  --kpi-every D     collect KPI samples this often (default 60s) and at the end\n"
	  "  --metrics-file P  after each collection, write the KPIs in the Prometheus\n"
	  "                    text format to P, atomically (node_exporter's textfile\n"
	  "                    collector reads it)\n"
	  "  --log-format F    log lines as text (warnings and errors) or json (one\n"
	  "                    object per line: time, level, subsystem, job_id, event_id,\n"
	  "                    message; every line)\n"
	  "  --listen H:P      also receive webhooks, as `orrery serve --listen H:P` does\n"
	  "                    (with its --threads, --max-body, --rate, --currency)",
	  DB_WRITE,
	  { { "workers", true, NULL }, { "until-idle", false, NULL }, { "max-seconds", true, NULL },
	    { "lease-seconds", true, NULL }, { "metrics-file", true, NULL },
	    { "kpi-every", true, NULL }, { "log-format", true, NULL }, { "listen", true, NULL },
	    OPTS_SERVE, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_run },
	{ "emit", "emit TYPE [--entity E] [--entity-id N] [--payload JSON] [--count N]",
	  "append an event by hand, for the rules to handle",
	  "Appends an event to the log as if a subsystem had produced it: for trying\n"
	  "rules, replaying something by hand, scripts and benchmarks.  --count N\n"
	  "appends N identical events in one transaction.",
	  DB_WRITE,
	  { { "entity", true, NULL }, { "entity-id", true, NULL }, { "payload", true, NULL },
	    { "count", true, NULL }, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_emit },
	{ "tasks", "tasks [list|done ID] [--state open|done] [--note TEXT] [--format json]",
	  "work handed to people (dead jobs' fallback, manual.task jobs)",
	  "list shows tasks newest first; done ID closes one, recording who and --note.",
	  DB_WRITE,
	  { { "state", true, NULL }, { "note", true, NULL }, { "limit", true, NULL },
	    OPT_FORMAT_OUT, OPT_HELP },
	  cmd_tasks },
};

const int cli_jobs_ncommands = sizeof cli_jobs_commands / sizeof *cli_jobs_commands;
