/* Unit tests for jobs.c with an injected clock: the life cycle of a job,
 * the retry schedule, dead letters and their fallback, leases that lapse,
 * and the circuit breaker as the queue applies it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobs.h"
#include "store.h"
#include "testdb.h"
#include "store_subsys.h"

static char db[64];
static struct store *st;
static int64_t now_ms;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return now_ms;
}

static const struct clock fake = { fake_now, NULL };

static void setup(void)
{
	st = testdb_open(db, sizeof db, "jobs");
	now_ms = 1000000;
}

static void teardown(void)
{
	testdb_close(st, db);
}

TestSuite(jobs, .init = setup, .fini = teardown);

/* --- helpers --------------------------------------------------------------- */

static int64_t enqueue(const char *args, const char *key)
{
	struct job_spec spec = { .kind = "system.canary", .args = args, .key = key };
	int64_t id = 0;
	bool existed;
	char *err = NULL;
	cr_assert_eq(jobs_enqueue(st, &spec, now_ms, &id, &existed, &err), ORR_OK, "%s", err);
	return id;
}

/* A query callback that keeps the first cell of the first row. */
static void first_cell(void *ctx, bool hdr, int n, const char *const *vals)
{
	long long *v = ctx;
	if (!hdr && n > 0 && *v == -1 && vals[0])
		*v = atoll(vals[0]);
}

static long long scalar(const char *sql)
{
	char *err = NULL;
	long long v = -1;
	struct store *ro = NULL;
	cr_assert_eq(store_open(db, STORE_READONLY, &ro, &err), ORR_OK, "%s", err);
	cr_assert_eq(store_query(ro, sql, first_cell, &v, &err), ORR_OK, "%s", err);
	store_close(ro);
	return v;
}

static int claim(const char *owner, int max, struct job_ctx **jobs)
{
	int n = 0;
	char *err = NULL;
	cr_assert_eq(jobs_claim(st, &fake, owner, 30000, max, jobs, &n, &err), ORR_OK, "%s", err);
	return n;
}

/* Run each claimed job's handler as a worker would, then record them. */
static void run_and_finish(struct job_ctx *jobs, int n)
{
	static uint64_t rnd = 1;
	for (int i = 0; i < n; i++)
		if (jobs[i].kind)
			jobs[i].status = jobs[i].kind->run(&jobs[i]);
	char *err = NULL;
	cr_assert_eq(jobs_finish(st, &fake, jobs, n, &rnd, &err), ORR_OK, "%s", err);
}

static long long job_field(int64_t id, const char *column)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT %s FROM jobs WHERE id = %lld", column, (long long)id);
	return scalar(sql);
}

static bool job_state_is(int64_t id, const char *state)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs WHERE id = %lld AND state = '%s'",
		 (long long)id, state);
	return scalar(sql) == 1;
}

/* --- tests ----------------------------------------------------------------- */

Test(jobs, succeeds_with_its_canary_row_and_event)
{
	int64_t id = enqueue("{\"ms\": 0}", "k1");
	struct job_ctx *jobs;
	cr_assert_eq(claim("w", 10, &jobs), 1);
	cr_expect_eq(jobs[0].id, id);
	cr_expect_eq(jobs[0].attempt, 1);
	cr_expect_str_eq(jobs[0].key, "k1");
	run_and_finish(jobs, 1);
	cr_expect(job_state_is(id, "succeeded"));
	cr_expect_eq(scalar("SELECT count(*) FROM canary_runs WHERE key = 'k1' AND attempt = 1"), 1);
	cr_expect_eq(scalar("SELECT count(*) FROM events WHERE type = 'job.succeeded' AND "
			    "json_extract(payload, '$.key') = 'k1'"), 1);
	cr_expect_eq(claim("w", 10, &jobs), 0, "nothing left");
	free(jobs);
}

Test(jobs, a_key_enqueues_once)
{
	int64_t a = enqueue(NULL, "same");
	struct job_spec spec = { .kind = "system.canary", .key = "same" };
	int64_t b = 0;
	bool existed = false;
	char *err = NULL;
	cr_assert_eq(jobs_enqueue(st, &spec, now_ms, &b, &existed, &err), ORR_OK);
	cr_expect(existed);
	cr_expect_eq(a, b);
	cr_expect_eq(scalar("SELECT count(*) FROM jobs"), 1);
}

Test(jobs, refuses_unknown_kinds_and_bad_args)
{
	struct job_spec spec = { .kind = "nope.never" };
	int64_t id;
	bool existed;
	char *err = NULL;
	cr_expect_eq(jobs_enqueue(st, &spec, now_ms, &id, &existed, &err), ORR_USAGE);
	free(err);
	err = NULL;
	spec = (struct job_spec){ .kind = "system.canary", .args = "[1, 2]" };
	cr_expect_eq(jobs_enqueue(st, &spec, now_ms, &id, &existed, &err), ORR_DATAERR);
	cr_expect(strstr(err, "object") != NULL, "%s", err);
	free(err);
	err = NULL;
	spec.args = "{\"ms\": ";
	cr_expect_eq(jobs_enqueue(st, &spec, now_ms, &id, &existed, &err), ORR_DATAERR);
	free(err);
	cr_expect_eq(scalar("SELECT count(*) FROM jobs"), 0);
}

/* Failed attempts wait a jittered backoff below the doubling ceiling
 * (system: 200 ms, 400 ms, ...), then the last one dies with a task. */
Test(jobs, retries_on_schedule_then_dies_with_a_fallback_task)
{
	struct job_spec spec = { .kind = "system.canary", .args = "{\"fail_attempts\": 9}",
				 .max_attempts = 3, .key = "flaky" };
	int64_t id;
	bool existed;
	char *err = NULL;
	cr_assert_eq(jobs_enqueue(st, &spec, now_ms, &id, &existed, &err), ORR_OK);
	int64_t ceilings[] = { 200, 400 };
	struct job_ctx *jobs;
	for (int attempt = 1; attempt <= 2; attempt++) {
		cr_assert_eq(claim("w", 1, &jobs), 1, "attempt %d", attempt);
		cr_expect_eq(jobs[0].attempt, attempt);
		run_and_finish(jobs, 1);
		cr_expect(job_state_is(id, "failed"), "waiting for a retry");
		int64_t wait = job_field(id, "run_after") - now_ms;
		cr_expect(wait >= 0 && wait <= ceilings[attempt - 1], "attempt %d waits %lld", attempt,
			  (long long)wait);
		if (wait > 0) {
			now_ms += wait - 1;
			cr_expect_eq(claim("w", 1, &jobs), 0, "not before run_after");
			free(jobs);
		}
		now_ms += 1;
	}
	cr_assert_eq(claim("w", 1, &jobs), 1);
	run_and_finish(jobs, 1);
	cr_expect(job_state_is(id, "dead"));
	cr_expect_eq(job_field(id, "attempts"), 3);
	cr_expect_eq(scalar("SELECT count(*) FROM tasks WHERE job_id = 1 AND subsystem = 'system'"), 1);
	cr_expect_eq(scalar("SELECT count(*) FROM events WHERE type = 'job.dead'"), 1);
	cr_expect_eq(scalar("SELECT count(*) FROM canary_runs"), 0, "no success, no canary row");
}

Test(jobs, a_permanent_failure_dies_at_once)
{
	int64_t id = enqueue("{\"fail_attempts\": 1, \"permanent\": true}", NULL);
	struct job_ctx *jobs;
	cr_assert_eq(claim("w", 1, &jobs), 1);
	run_and_finish(jobs, 1);
	cr_expect(job_state_is(id, "dead"));
	cr_expect_eq(job_field(id, "attempts"), 1);
}

/* A worker whose lease lapsed loses the job: its late outcome changes
 * nothing, and the job completes exactly once under the new lease. */
Test(jobs, a_lapsed_lease_is_reclaimed_and_the_old_outcome_dropped)
{
	int64_t id = enqueue("{}", "once");
	struct job_ctx *old;
	int n = 0;
	char *err = NULL;
	cr_assert_eq(jobs_claim(st, &fake, "slow", 1000, 1, &old, &n, &err), ORR_OK);
	cr_assert_eq(n, 1);
	now_ms += 1001;
	uint64_t rnd = 3;
	int reclaimed = 0;
	cr_assert_eq(jobs_reclaim(st, &fake, &rnd, &reclaimed, &err), ORR_OK, "%s", err);
	cr_expect_eq(reclaimed, 1);
	cr_expect(job_state_is(id, "failed"));
	now_ms += 10000;
	struct job_ctx *fresh;
	cr_assert_eq(claim("fast", 1, &fresh), 1);
	cr_expect_eq(fresh[0].attempt, 2);
	run_and_finish(old, 1); /* the slow worker wakes up: too late */
	cr_expect(job_state_is(id, "running"), "still the fast worker's");
	run_and_finish(fresh, 1);
	cr_expect(job_state_is(id, "succeeded"));
	cr_expect_eq(scalar("SELECT count(*) FROM canary_runs WHERE key = 'once'"), 1);
}

Test(jobs, a_released_job_keeps_its_attempts)
{
	int64_t id = enqueue("{}", NULL);
	struct job_ctx *jobs;
	cr_assert_eq(claim("w", 1, &jobs), 1);
	jobs[0].status = JOB_RELEASE;
	uint64_t rnd = 1;
	char *err = NULL;
	cr_assert_eq(jobs_finish(st, &fake, jobs, 1, &rnd, &err), ORR_OK);
	cr_expect(job_state_is(id, "queued"));
	cr_expect_eq(job_field(id, "attempts"), 0);
}

static void fail_canaries(int n)
{
	for (int i = 0; i < n; i++)
		enqueue("{\"fail_attempts\": 1, \"permanent\": true}", NULL);
	struct job_ctx *jobs;
	cr_assert_eq(claim("w", n, &jobs), n);
	run_and_finish(jobs, n);
}

static enum breaker_state system_breaker(void)
{
	struct subsys_state s;
	char *err = NULL;
	cr_assert_eq(subsys_state_load(st, "system", &s, &err), ORR_OK);
	return s.breaker.state;
}

/* system opens after 5 failures in a row and cools down for 10 s. */
Test(jobs, breaker_opens_holds_jobs_and_lets_one_trial_through)
{
	fail_canaries(5);
	cr_expect_eq(system_breaker(), BREAKER_OPEN);
	int64_t a = enqueue("{}", "a"), b = enqueue("{}", "b");
	struct job_ctx *jobs;
	cr_expect_eq(claim("w", 10, &jobs), 0, "open: nothing starts");
	free(jobs);
	now_ms += 10000;
	cr_assert_eq(claim("w", 10, &jobs), 1, "half-open: exactly one trial");
	cr_expect_eq(system_breaker(), BREAKER_HALF_OPEN);
	struct job_ctx *more;
	cr_expect_eq(claim("w", 10, &more), 0, "the trial is out: nothing else");
	free(more);
	run_and_finish(jobs, 1);
	cr_expect_eq(system_breaker(), BREAKER_CLOSED, "the trial succeeded");
	cr_expect_eq(claim("w", 10, &jobs), 1, "the other job runs now");
	run_and_finish(jobs, 1);
	cr_expect(job_state_is(a, "succeeded") && job_state_is(b, "succeeded"));
}

Test(jobs, a_paused_subsystem_starts_nothing)
{
	enqueue("{}", NULL);
	char *err = NULL;
	cr_assert_eq(subsys_set_paused(st, "system", true, now_ms, &err), ORR_OK);
	struct job_ctx *jobs;
	cr_expect_eq(claim("w", 10, &jobs), 0);
	free(jobs);
	cr_assert_eq(subsys_set_paused(st, "system", false, now_ms, &err), ORR_OK);
	cr_expect_eq(claim("w", 10, &jobs), 1);
	run_and_finish(jobs, 1);
}

Test(jobs, higher_priority_first_then_oldest)
{
	struct job_spec lo = { .kind = "system.canary", .priority = 1 };
	struct job_spec hi = { .kind = "system.canary", .priority = 9 };
	int64_t id_lo, id_hi;
	bool existed;
	char *err = NULL;
	cr_assert_eq(jobs_enqueue(st, &lo, now_ms, &id_lo, &existed, &err), ORR_OK);
	cr_assert_eq(jobs_enqueue(st, &hi, now_ms, &id_hi, &existed, &err), ORR_OK);
	struct job_ctx *jobs;
	cr_assert_eq(claim("w", 1, &jobs), 1);
	cr_expect_eq(jobs[0].id, id_hi);
	run_and_finish(jobs, 1);
}
