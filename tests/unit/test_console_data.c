/* Unit tests for the console's other reads, with an injected clock:
 * jobs_history (buckets, states, jobs created before the window that ran
 * in it), firing_rule_stats and firing_list_rule, rule_state_* and
 * rules_source. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobs.h"
#include "jobs_admin.h"
#include "rule_state.h"
#include "rules.h"
#include "store.h"
#include "testdb.h"
#include "store_event.h"
#include "store_firing.h"
#include "subsystem.h"

#define MIN 60000LL
#define NOW (1795262400000LL) /* 2026-11-21T12:00:00Z */

static char db[64];
static struct store *st;
static int64_t clock_ms;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return clock_ms;
}

static const struct clock fake = { fake_now, NULL };

static void setup(void)
{
	st = testdb_open(db, sizeof db, "console");
}

static void teardown(void)
{
	testdb_close(st, db);
}

/* --- jobs_history ---------------------------------------------------------- */

static int64_t enqueue_at(int64_t at, const char *args, int max_attempts)
{
	struct job_spec spec = { .kind = "system.canary", .args = args,
				 .max_attempts = max_attempts };
	int64_t id;
	bool existed;
	char *err = NULL;
	cr_assert_eq(jobs_enqueue(st, &spec, at, &id, &existed, &err), ORR_OK, "%s", err);
	return id;
}

/* Claim the one due job at `start` and record its outcome at `end`. */
static void run_one(int64_t start, int64_t end)
{
	struct job_ctx *jobs;
	int n = 0;
	char *err = NULL;
	clock_ms = start;
	cr_assert_eq(jobs_claim(st, &fake, "w", 3600000, 1, &jobs, &n, &err), ORR_OK, "%s", err);
	cr_assert_eq(n, 1, "a job to run at %lld", (long long)start);
	jobs[0].status = jobs[0].kind->run(&jobs[0]);
	clock_ms = end;
	uint64_t rnd = 1;
	cr_assert_eq(jobs_finish(st, &fake, jobs, n, &rnd, &err), ORR_OK, "%s", err);
}

static json_t *history(int64_t bucket, int n)
{
	json_t *h = NULL;
	char *err = NULL;
	cr_assert_eq(jobs_history(st, NOW, bucket, n, &h, &err), ORR_OK, "%s", err);
	return h;
}

/* A series as "0 1 2 ...". */
static const char *series(json_t *h, const char *name)
{
	static char buf[256];
	buf[0] = '\0';
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(h, name), i, v) {
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%lld", i ? " " : "",
			 (long long)json_integer_value(v));
	}
	return buf;
}

TestSuite(history, .init = setup, .fini = teardown);

Test(history, each_state_in_its_bucket)
{
	/* 4 buckets of 10 minutes: [11:20, 11:30) ... [11:50, 12:00] */
	enqueue_at(NOW - 45 * MIN, "{}", 0);                      /* before the window */
	run_one(NOW - 45 * MIN, NOW - 44 * MIN);
	enqueue_at(NOW - 40 * MIN, "{}", 0);                      /* bucket 0 */
	run_one(NOW - 35 * MIN, NOW - 25 * MIN);                  /* started 0, done 1 */
	enqueue_at(NOW - 15 * MIN, "{\"fail_attempts\": 1}", 1); /* dead */
	run_one(NOW - 15 * MIN, NOW - 12 * MIN);
	enqueue_at(NOW - 11 * MIN, "{\"fail_attempts\": 1}", 3); /* failed, waiting */
	run_one(NOW - 11 * MIN, NOW - 10 * MIN);
	int64_t c = enqueue_at(NOW, "{}", 0);                     /* at now: the last bucket */
	struct job_filter f = { .id = c };
	int changed;
	char *err = NULL;
	cr_assert_eq(jobs_bulk(st, JOBS_CANCEL, &f, "op", NOW, &changed, &err), ORR_OK, "%s", err);
	json_t *h = history(10 * MIN, 4);
	cr_expect_eq(json_integer_value(json_object_get(h, "bucket_ms")), 10 * MIN);
	cr_expect_eq(json_integer_value(json_object_get(h, "since_ms")), NOW - 40 * MIN);
	cr_expect_str_eq(series(h, "created"), "1 0 2 1");
	cr_expect_str_eq(series(h, "started"), "1 0 2 0");
	cr_expect_str_eq(series(h, "succeeded"), "0 1 0 0");
	cr_expect_str_eq(series(h, "dead"), "0 0 1 0");
	cr_expect_str_eq(series(h, "failed"), "0 0 1 0", "by the start of its failed attempt");
	cr_expect_str_eq(series(h, "cancelled"), "0 0 0 1");
	json_decref(h);
}

Test(history, jobs_created_before_the_window_that_ran_in_it)
{
	/* a backlog: three jobs queued two hours ago, worked through now */
	for (int i = 0; i < 3; i++)
		enqueue_at(NOW - 120 * MIN, "{}", 0);
	enqueue_at(NOW - 100 * MIN, "{}", 0);
	run_one(NOW - 90 * MIN, NOW - 90 * MIN); /* before the window */
	run_one(NOW - 8 * MIN, NOW - 7 * MIN);
	run_one(NOW - 3 * MIN, NOW - 2 * MIN);
	json_t *h = history(5 * MIN, 2);
	cr_expect_str_eq(series(h, "created"), "0 0");
	cr_expect_str_eq(series(h, "started"), "1 1");
	cr_expect_str_eq(series(h, "succeeded"), "1 1");
	json_decref(h);
}

Test(history, sizes_that_do_not_fit)
{
	json_t *h = NULL;
	char *err = NULL;
	cr_expect_eq(jobs_history(st, NOW, 0, 12, &h, &err), ORR_USAGE);
	cr_expect_null(h);
	free(err);
	err = NULL;
	cr_expect_eq(jobs_history(st, NOW, MIN, 0, &h, &err), ORR_USAGE);
	free(err);
	err = NULL;
	cr_expect_eq(jobs_history(st, NOW, MIN, 1001, &h, &err), ORR_USAGE);
	free(err);
	h = history(MIN, 3);
	cr_expect_str_eq(series(h, "created"), "0 0 0", "an empty queue");
	json_decref(h);
}

/* --- firings --------------------------------------------------------------- */

static void firing(const char *rule, const char *outcome, int64_t at)
{
	static int64_t event;
	if (!event) {
		struct event_new ev = { .type = "x.y", .entity = "order" };
		char *err = NULL;
		cr_assert_eq(event_append(st, &ev, NOW, &event, &err), ORR_OK, "%s", err);
	}
	struct firing f = { .event_id = event, .rule = rule, .entity = "order", .entity_id = 7,
			    .outcome = outcome, .actions = "[{\"job\": 1}]",
			    .reason = strcmp(outcome, "fired") ? "why" : NULL };
	char *err = NULL;
	cr_assert_eq(firing_record(st, &f, at, &err), ORR_OK, "%s", err);
}

TestSuite(firings, .init = setup, .fini = teardown);

Test(firings, counts_per_rule_and_newest_first)
{
	firing("b", "fired", NOW - 25 * 60 * MIN); /* yesterday */
	firing("b", "fired", NOW - 60 * MIN);
	firing("b", "suppressed", NOW - 30 * MIN);
	firing("b", "fired", NOW - 10 * MIN);
	firing("a", "failed", NOW - 5 * MIN);
	firing("a'; DROP TABLE firings;--", "fired", NOW);
	json_t *s = NULL;
	char *err = NULL;
	cr_assert_eq(firing_rule_stats(st, NOW - 12 * 60 * MIN, &s, &err), ORR_OK, "%s", err);
	char *text = json_dumps(s, JSON_COMPACT);
	cr_expect_str_eq(text,
		"[{\"rule\":\"a\",\"fired_since\":0,\"fired\":0,\"suppressed\":0,\"failed\":1,"
		"\"last_at\":null},"
		"{\"rule\":\"a'; DROP TABLE firings;--\",\"fired_since\":1,\"fired\":1,"
		"\"suppressed\":0,\"failed\":0,\"last_at\":1795262400000},"
		"{\"rule\":\"b\",\"fired_since\":2,\"fired\":3,\"suppressed\":1,\"failed\":0,"
		"\"last_at\":1795261800000}]");
	free(text);
	json_decref(s);
	cr_assert_eq(firing_list_rule(st, "b", 2, &s, &err), ORR_OK, "%s", err);
	cr_assert_eq(json_array_size(s), 2);
	json_t *first = json_array_get(s, 0);
	cr_expect_eq(json_integer_value(json_object_get(first, "at")), NOW - 10 * MIN);
	cr_expect_str_eq(json_string_value(json_object_get(first, "outcome")), "fired");
	cr_expect(json_is_array(json_object_get(first, "actions")), "actions are JSON");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(s, 1), "reason")), "why");
	cr_expect_eq(json_integer_value(json_object_get(first, "entity_id")), 7);
	json_decref(s);
	cr_assert_eq(firing_list_rule(st, "b", 0, &s, &err), ORR_OK, "%s", err);
	cr_expect_eq(json_array_size(s), 4, "0: all");
	json_decref(s);
	cr_assert_eq(firing_list_rule(st, "nobody", 5, &s, &err), ORR_OK, "%s", err);
	cr_expect_eq(json_array_size(s), 0);
	json_decref(s);
}

/* --- rule switches and sources --------------------------------------------- */

TestSuite(rule_state, .init = setup, .fini = teardown);

Test(rule_state, switches_override_the_files)
{
	struct rule_set set = { 0 };
	struct rule_diags d = { 0 };
	cr_assert_eq(rules_load_builtin(&set, subsystem_kind_known, &d), 0);
	char *err = NULL;
	cr_assert_eq(rule_state_set(st, "price-drop-review", false, "o'brien; --", NOW, &err),
		     ORR_OK, "%s", err);
	cr_assert_eq(rule_state_set(st, "no-such-rule", false, "x", NOW, &err), ORR_OK, "%s", err);
	cr_assert_eq(rule_state_apply(st, &set, &err), ORR_OK, "%s", err);
	cr_expect_not(rules_find(&set, "price-drop-review")->enabled);
	cr_expect(rules_find(&set, "audit-after-ingest")->enabled);
	/* switched back on later: the last switch wins */
	cr_assert_eq(rule_state_set(st, "price-drop-review", true, "ann", NOW + 1, &err), ORR_OK);
	cr_assert_eq(rule_state_apply(st, &set, &err), ORR_OK, "%s", err);
	cr_expect(rules_find(&set, "price-drop-review")->enabled);
	json_t *list = NULL;
	cr_assert_eq(rule_state_list(st, &list, &err), ORR_OK, "%s", err);
	char *text = json_dumps(list, JSON_COMPACT);
	cr_expect_str_eq(text, "[{\"name\":\"no-such-rule\",\"enabled\":false,\"changed_by\":\"x\","
			       "\"changed_at\":1795262400000},"
			       "{\"name\":\"price-drop-review\",\"enabled\":true,\"changed_by\":\"ann\","
			       "\"changed_at\":1795262400001}]");
	free(text);
	json_decref(list);
	rule_set_free(&set);
	rule_diags_free(&d);
}

Test(rule_state, sources_from_builtins_and_files)
{
	struct rule_set set = { 0 };
	struct rule_diags d = { 0 };
	cr_assert_eq(rules_load_builtin(&set, subsystem_kind_known, &d), 0);
	char *src = rules_source(rules_find(&set, "audit-after-ingest"));
	cr_assert(src);
	cr_expect(strncmp(src, "{\n  \"name\": \"audit-after-ingest\",", 33) == 0, "%s", src);
	free(src);
	rule_set_free(&set);
	char path[80];
	snprintf(path, sizeof path, "/tmp/orrery-rules-%ld.json", (long)getpid());
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("[{\"name\": \"one\", \"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\"}}]},\n"
	      " {\"name\": \"two\", \"on\": \"x\", \"priority\": 3,\n"
	      "  \"then\": [{\"emit\": {\"type\": \"z\"}}]}]\n", f);
	fclose(f);
	cr_assert_eq(rules_load_path(&set, path, subsystem_kind_known, &d), 0);
	src = rules_source(rules_find(&set, "two"));
	cr_expect_str_eq(src, "{\n  \"name\": \"two\",\n  \"on\": \"x\",\n  \"priority\": 3,\n"
			      "  \"then\": [\n    {\n      \"emit\": {\n        \"type\": \"z\"\n"
			      "      }\n    }\n  ]\n}");
	free(src);
	unlink(path);
	cr_expect_null(rules_source(rules_find(&set, "one")), "the file is gone");
	rule_set_free(&set);
	rule_diags_free(&d);
}
