/* subsys_manual.c - manual.task jobs open a task for an operator. */
#include "subsys_manual.h"

#include <stdlib.h>

#include "jobs.h"
#include "store_task.h"
#include "xalloc.h"

/* Nothing to do outside the transaction: the task is the result. */
static enum job_status task_run(struct job_ctx *ctx)
{
	if (!json_is_string(json_object_get(ctx->args, "title")))
		return job_fail(ctx, JOB_PERMANENT, "manual.task needs a \"title\" string in its args");
	return JOB_DONE;
}

static enum orr_rc task_commit(struct job_ctx *ctx, char **err)
{
	char *detail = json_dumps(ctx->args, JSON_COMPACT);
	struct task_new t = { .subsystem = "manual",
			      .title = json_string_value(json_object_get(ctx->args, "title")),
			      .detail = detail, .job_id = ctx->id };
	int64_t id = 0;
	enum orr_rc rc = task_open(ctx->st, &t, clock_now(ctx->clock), &id, err);
	free(detail);
	if (rc == ORR_OK)
		ctx->result = json_pack("{sI}", "task_id", (json_int_t)id);
	return rc;
}

enum orr_rc manual_task_for_dead_job(struct job_ctx *ctx, char **err)
{
	json_t *d = json_pack("{sIsssssisi}", "job_id", (json_int_t)ctx->id, "kind",
			      ctx->kind ? ctx->kind->name : "unknown", "last_error",
			      ctx->error ? ctx->error : "", "attempts", ctx->attempt,
			      "max_attempts", ctx->max_attempts);
	json_object_set(d, "args", ctx->args);
	char *detail = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	char *title = xasprintf("job %lld (%s) is dead: %s", (long long)ctx->id,
				ctx->kind ? ctx->kind->name : "unknown",
				ctx->error ? ctx->error : "no reason given");
	struct task_new t = { .subsystem = ctx->subsystem ? ctx->subsystem->name : "manual",
			      .title = title, .detail = detail, .job_id = ctx->id };
	enum orr_rc rc = task_open(ctx->st, &t, clock_now(ctx->clock), NULL, err);
	free(title);
	free(detail);
	return rc;
}

static const struct job_kind manual_kinds[] = {
	{ "manual.task", "open a task for an operator (args: title, anything else as detail)",
	  task_run, task_commit },
};

static const char *const manual_consumes[] = { NULL };
static const char *const manual_produces[] = { "job.succeeded", NULL };

const struct subsystem subsys_manual = {
	.name = "manual",
	.purpose = "tasks for people: the fallback when automation gives up",
	.consumes = manual_consumes,
	.produces = manual_produces,
	.kinds = manual_kinds,
	.nkinds = sizeof manual_kinds / sizeof *manual_kinds,
	.retry = { .max_attempts = 3, .base_ms = 1000, .cap_ms = 60000 },
	.breaker = { .consecutive = 5, .window_min = 20, .ratio_pct = 50, .window_ms = 60000,
		     .cooldown_ms = 30000 },
	.fallback = "none: a manual task that cannot be opened stays dead for an operator",
	.on_dead = NULL,
};
