/* subsys_system.c - system.canary: sleeps, optionally fails on purpose,
 * and records each execution in canary_runs in the transaction that
 * completes the job, so the table proves exactly-once completion. */
#include "subsys_system.h"

#include <stdbool.h>
#include <time.h>

#include "jobs.h"
#include "store_canary.h"
#include "subsys_manual.h"

static json_int_t arg_int(const json_t *args, const char *name)
{
	return json_integer_value(json_object_get(args, name));
}

/* Sleep in slices, renewing the lease, so a long canary survives and a
 * shutdown does not wait for it. */
static enum job_status canary_sleep(struct job_ctx *ctx, int64_t ms)
{
	int64_t slice = ctx->lease_ms / 3 > 0 ? ctx->lease_ms / 3 : 1;
	if (slice > 200)
		slice = 200;
	/* a long canary shows its life in the job's log and progress (each
	 * report also renews the lease); a short one stays cheap */
	bool report = ms >= 1000;
	int64_t total = ms;
	if (report)
		job_log(ctx, "sleeping %lld ms (attempt %d)", (long long)ms, ctx->attempt);
	while (ms > 0) {
		if (ctx->stop && *ctx->stop)
			return JOB_RELEASE;
		int64_t step = ms < slice ? ms : slice;
		struct timespec ts = { (time_t)(step / 1000), (long)(step % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
		if (report)
			job_progress(ctx, (int)((total - ms) * 100 / total));
		if (ms > 0 && !job_heartbeat(ctx))
			return job_fail(ctx, JOB_RETRY, "lease lost while sleeping");
	}
	return JOB_DONE;
}

static enum job_status canary_run(struct job_ctx *ctx)
{
	json_t *ms = json_object_get(ctx->args, "ms");
	if (ms && (!json_is_integer(ms) || json_integer_value(ms) < 0))
		return job_fail(ctx, JOB_PERMANENT, "canary \"ms\" must be a non-negative integer");
	enum job_status st = canary_sleep(ctx, arg_int(ctx->args, "ms"));
	if (st != JOB_DONE)
		return st;
	if (ctx->attempt <= arg_int(ctx->args, "fail_attempts"))
		return job_fail(ctx, json_is_true(json_object_get(ctx->args, "permanent"))
					     ? JOB_PERMANENT : JOB_RETRY,
				"canary failing on purpose (attempt %d of fail_attempts %lld)",
				ctx->attempt, (long long)arg_int(ctx->args, "fail_attempts"));
	return JOB_DONE;
}

static enum orr_rc canary_commit(struct job_ctx *ctx, char **err)
{
	struct canary_run r = { .job_id = ctx->id, .key = ctx->key, .attempt = ctx->attempt,
				.ms = arg_int(ctx->args, "ms"), .ran_at = clock_now(ctx->clock) };
	return canary_record(ctx->st, &r, err);
}

static const struct job_kind system_kinds[] = {
	{ "system.canary",
	  "health check: sleeps args.ms, fails its first args.fail_attempts attempts "
	  "(permanently with args.permanent), records the run in canary_runs",
	  canary_run, canary_commit },
};

static const char *const system_consumes[] = { NULL };
static const char *const system_produces[] = { "job.succeeded", "job.dead", NULL };

const struct subsystem subsys_system = {
	.name = "system",
	.purpose = "orrery's own health: canary jobs for checks and benchmarks",
	.consumes = system_consumes,
	.produces = system_produces,
	.kinds = system_kinds,
	.nkinds = sizeof system_kinds / sizeof *system_kinds,
	.retry = { .max_attempts = 5, .base_ms = 200, .cap_ms = 10000 },
	.breaker = { .consecutive = 5, .window_min = 20, .ratio_pct = 50, .window_ms = 60000,
		     .cooldown_ms = 10000 },
	.fallback = "opens a manual task with the dead job's error",
	.on_dead = manual_task_for_dead_job,
};
