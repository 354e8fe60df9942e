/* subsys_audit.c - audit.run: the whole audit as one job.  The audit
 * commits its own transaction (it can take seconds and writes every failing
 * row); a rerun of the same job after a crash finds that run and does not
 * audit twice. */
#include "subsys_audit.h"

#include <stdlib.h>

#include "audit.h"
#include "jobs.h"
#include "rules.h"
#include "store_audit.h"
#include "subsys_manual.h"

static enum job_status audit_job_run(struct job_ctx *ctx)
{
	struct audit_options o = { .stale_ms = AUDIT_STALE_DEFAULT_MS, .job_id = ctx->id };
	const char *stale = json_string_value(json_object_get(ctx->args, "stale_after"));
	if (stale && (o.stale_ms = rules_parse_duration(stale)) < 0)
		return job_fail(ctx, JOB_PERMANENT, "audit.run: stale_after \"%s\" is not a duration",
				stale);
	int64_t run_id = audit_run_of_job(ctx->st, ctx->id);
	/* ten files ingested at once queue ten audits: the first one run
	 * after they were queued has seen all ten files */
	int64_t covered_by = 0;
	o.covered_by = &covered_by;
	char *err = NULL;
	if (!run_id && audit_run(ctx->st, ctx->clock, &o, &run_id, &err) != ORR_OK) {
		enum job_status s = job_fail(ctx, JOB_RETRY, "%s", err);
		free(err);
		return s;
	}
	ctx->result = json_pack("{sIsb}", "run_id", (json_int_t)run_id, "covered", covered_by != 0);
	return JOB_DONE;
}

static const struct job_kind audit_kinds[] = {
	{ "audit.run",
	  "audit the whole database (args: stale_after, default 7d); emits audit.completed "
	  "and one audit.finding per finding",
	  audit_job_run, NULL },
};

static const char *const audit_consumes[] = { "source.ingested", NULL };
static const char *const audit_produces[] = { "audit.completed", "audit.finding", NULL };

const struct subsystem subsys_audit = {
	.name = "audit",
	.purpose = "data quality: checks, scores and every failing row",
	.consumes = audit_consumes,
	.produces = audit_produces,
	.kinds = audit_kinds,
	.nkinds = sizeof audit_kinds / sizeof *audit_kinds,
	.retry = { .max_attempts = 3, .base_ms = 2000, .cap_ms = 60000 },
	.breaker = { .consecutive = 3, .window_min = 10, .ratio_pct = 50, .window_ms = 600000,
		     .cooldown_ms = 60000 },
	.fallback = "opens a manual task with the error: the data goes unaudited until someone looks",
	.on_dead = manual_task_for_dead_job,
};
