/* Unit tests for flowmap.c: nodes and edges from the registry and rules
 * (merged, sorted, disabled rules left out, emits followed), layers with a
 * cycle broken deterministically, dependants, and the counts of a window
 * over a database filled at known times (an injected now). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowmap.h"
#include "jobs.h"
#include "rules.h"
#include "store.h"
#include "testdb.h"
#include "store_event.h"
#include "subsystem.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
#define NOW (1795262400000LL) /* 2026-11-21T12:00:00Z */

static struct rule_set rules;

static void parse(const char *text)
{
	struct rule_diags d = { 0 };
	size_t n = rules_parse(&rules, "t.json", text, strlen(text), subsystem_kind_known, &d);
	cr_assert_eq(n, 0, "rule problem: %s", d.n ? d.v[0].msg : "?");
	rule_diags_free(&d);
}

static json_t *build(struct store *st, int64_t window)
{
	json_t *m = NULL;
	char *err = NULL;
	cr_assert_eq(flowmap_build(st, &rules, NOW, window, &m, &err), ORR_OK, "%s", err);
	return m;
}

static json_t *node(json_t *m, const char *name)
{
	size_t i;
	json_t *n;
	json_array_foreach(json_object_get(m, "nodes"), i, n) {
		if (strcmp(json_string_value(json_object_get(n, "name")), name) == 0)
			return n;
	}
	cr_assert_fail("no node %s", name);
	return NULL;
}

static json_t *edge(json_t *m, const char *from, const char *to)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(m, "edges"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "from")), from) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "to")), to) == 0)
			return e;
	}
	return NULL;
}

static long long num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static double real(json_t *o, const char *k)
{
	return json_real_value(json_object_get(o, k));
}

/* A JSON array of strings as "a,b,c". */
static char *names(json_t *a)
{
	static char buf[512];
	buf[0] = '\0';
	size_t i;
	json_t *s;
	json_array_foreach(a, i, s) {
		if (i)
			strcat(buf, ",");
		strcat(buf, json_string_value(s));
	}
	return buf;
}

static void fini_rules(void)
{
	rule_set_free(&rules);
}

TestSuite(flowmap, .fini = fini_rules);

Test(flowmap, edges_merge_per_pair_and_follow_emits)
{
	parse("[{\"name\": \"b-canary\", \"on\": \"order.created\","
	      "  \"then\": [{\"enqueue\": {\"kind\": \"system.canary\"}}]},"
	      " {\"name\": \"a-canary\", \"on\": \"order.*\","
	      "  \"then\": [{\"enqueue\": {\"kind\": \"system.canary\"}}]},"
	      " {\"name\": \"flag\", \"on\": \"product.updated\","
	      "  \"then\": [{\"emit\": {\"type\": \"product.flagged\"}}]},"
	      " {\"name\": \"flagged\", \"on\": \"product.flagged\","
	      "  \"then\": [{\"enqueue\": {\"kind\": \"manual.task\"}}]},"
	      " {\"name\": \"off\", \"on\": \"customer.created\", \"enabled\": false,"
	      "  \"then\": [{\"enqueue\": {\"kind\": \"manual.task\"}}]}]");
	json_t *m = build(NULL, HOUR);
	cr_expect_eq(num(m, "window_ms"), HOUR);
	json_t *e = edge(m, "ingest", "system");
	cr_assert(e);
	cr_expect_str_eq(names(json_object_get(e, "via")), "order.created,order.updated");
	cr_expect_str_eq(names(json_object_get(e, "rules")), "a-canary,b-canary");
	/* product.flagged is what a rule emits for ingest's product.updated */
	e = edge(m, "ingest", "manual");
	cr_assert(e);
	cr_expect_str_eq(names(json_object_get(e, "via")), "product.flagged");
	cr_expect_str_eq(names(json_object_get(e, "rules")), "flagged");
	cr_expect(strstr(names(json_object_get(node(m, "ingest"), "produces")), "product.flagged"));
	/* audit declares it consumes source.ingested: an edge with no rule */
	e = edge(m, "ingest", "audit");
	cr_assert(e);
	cr_expect_str_eq(names(json_object_get(e, "via")), "source.ingested");
	cr_expect_eq(json_array_size(json_object_get(e, "rules")), 0);
	/* and the declared flows: ingest -> forecast -> supplier, marketing;
	 * supplier's own purchase_order.proposed; vision takes product.created
	 * (ingest's), audit.finding and its own asset.check_failed */
	cr_expect(edge(m, "forecast", "supplier") && edge(m, "forecast", "marketing"));
	cr_expect(edge(m, "ingest", "vision") && edge(m, "audit", "vision") && edge(m, "vision", "vision"));
	cr_expect_eq(json_array_size(json_object_get(m, "edges")), 10, "the disabled rule adds none");
	cr_expect_eq(num(node(m, "ingest"), "dependants"), 7);
	cr_expect_str_eq(json_string_value(json_object_get(node(m, "system"), "breaker")), "closed");
	json_decref(m);
}

Test(flowmap, a_cycle_is_broken_at_the_smallest_name)
{
	parse("[{\"name\": \"on-dead\", \"on\": \"job.dead\","
	      "  \"then\": [{\"enqueue\": {\"kind\": \"manual.task\"}}]},"
	      " {\"name\": \"on-done\", \"on\": \"job.succeeded\","
	      "  \"then\": [{\"enqueue\": {\"kind\": \"system.canary\"}}]}]");
	json_t *m = build(NULL, HOUR);
	/* ingest -> audit, forecast, vision; audit -> vision; forecast ->
	 * supplier, marketing; supplier -> supplier, vision -> vision (declared);
	 * every subsystem -> manual and -> system */
	cr_expect_eq(json_array_size(json_object_get(m, "edges")), 24);
	cr_expect(edge(m, "manual", "manual"), "a self loop is an edge");
	cr_expect_eq(num(node(m, "ingest"), "layer"), 0);
	cr_expect_eq(num(node(m, "audit"), "layer"), 1);
	cr_expect_eq(num(node(m, "supplier"), "layer"), 2);
	cr_expect_eq(num(node(m, "vision"), "layer"), 2);
	cr_expect_eq(num(node(m, "integration"), "layer"), 0, "nothing feeds it without connectors");
	/* manual <-> system: manual is placed first, after supplier, marketing and vision */
	cr_expect_eq(num(node(m, "manual"), "layer"), 3);
	cr_expect_eq(num(node(m, "system"), "layer"), 4);
	cr_expect_eq(num(node(m, "ingest"), "dependants"), 7);
	cr_expect_eq(num(node(m, "audit"), "dependants"), 3);
	cr_expect_eq(num(node(m, "manual"), "dependants"), 1, "itself does not count");
	cr_expect_eq(num(node(m, "system"), "dependants"), 1);
	const char *order[] = { "ingest", "integration", "audit", "forecast", "marketing",
				"supplier", "vision", "manual", "system" };
	for (size_t i = 0; i < sizeof order / sizeof *order; i++)
		cr_expect_str_eq(json_string_value(json_object_get(
				     json_array_get(json_object_get(m, "nodes"), i), "name")),
				 order[i]);
	json_t *first = json_array_get(json_object_get(m, "edges"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(first, "from")), "audit");
	cr_expect_str_eq(json_string_value(json_object_get(first, "to")), "manual");
	json_decref(m);
}

Test(flowmap, no_rules_and_bad_windows)
{
	json_t *m = build(NULL, 15 * MIN);
	cr_expect_eq(json_array_size(json_object_get(m, "nodes")), 9);
	/* audit's and forecast's declared input, forecast -> supplier, marketing,
	 * supplier -> supplier; vision's three declared inputs */
	cr_expect_eq(json_array_size(json_object_get(m, "edges")), 8, "the declared flows");
	json_decref(m);
	char *err = NULL;
	cr_expect_eq(flowmap_build(NULL, &rules, NOW, 0, &m, &err), ORR_USAGE);
	cr_expect(err && strstr(err, "window"));
	free(err);
	cr_expect_null(m);
}

/* --- with a database ------------------------------------------------------- */

static char db[64];
static struct store *st;
static int64_t clock_ms;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return clock_ms;
}

static const struct clock fake = { fake_now, NULL };

static void open_db(void)
{
	st = testdb_open(db, sizeof db, "flowmap");
}

static void close_db(void)
{
	testdb_close(st, db);
	rule_set_free(&rules);
}

static void emit(const char *type, int64_t at, int count)
{
	for (int i = 0; i < count; i++) {
		struct event_new ev = { .type = type, .entity = "order", .entity_id = 1 };
		char *err = NULL;
		cr_assert_eq(event_append(st, &ev, at, NULL, &err), ORR_OK, "%s", err);
	}
}

/* A canary enqueued, claimed and finished at `at`: fails when fail. */
static void canary(int64_t at, bool fail)
{
	struct job_spec spec = { .kind = "system.canary", .max_attempts = 1,
				 .args = fail ? "{\"fail_attempts\": 1}" : "{}" };
	int64_t id;
	bool existed;
	char *err = NULL;
	clock_ms = at;
	cr_assert_eq(jobs_enqueue(st, &spec, at, &id, &existed, &err), ORR_OK, "%s", err);
	struct job_ctx *jobs;
	int n = 0;
	cr_assert_eq(jobs_claim(st, &fake, "w", 30000, 1, &jobs, &n, &err), ORR_OK, "%s", err);
	cr_assert_eq(n, 1);
	jobs[0].status = jobs[0].kind->run(&jobs[0]);
	uint64_t rnd = 1;
	cr_assert_eq(jobs_finish(st, &fake, jobs, n, &rnd, &err), ORR_OK, "%s", err);
}

TestSuite(flowmap_db, .init = open_db, .fini = close_db);

Test(flowmap_db, counts_of_the_window_only)
{
	parse("{\"name\": \"order-canary\", \"on\": \"order.created\","
	      " \"then\": [{\"enqueue\": {\"kind\": \"system.canary\"}}]}");
	/* in time order: ids increase with time, as in any real log */
	canary(NOW - 3 * HOUR, true);               /* before the window */
	emit("order.created", NOW - 2 * HOUR, 5);   /* before the window */
	emit("order.created", NOW - HOUR, 2);       /* its very first ms */
	canary(NOW - 30 * MIN, false);
	canary(NOW - 20 * MIN, false);
	emit("order.created", NOW - 10 * MIN, 4);
	canary(NOW - 10 * MIN, true);
	emit("customer.created", NOW - 5 * MIN, 3); /* ingest's, on no edge */
	json_t *m = build(st, HOUR);
	json_t *e = edge(m, "ingest", "system");
	cr_assert(e);
	cr_expect_eq(num(e, "events"), 6);
	cr_expect_float_eq(real(e, "per_min"), 0.1, 1e-9);
	json_t *ingest = node(m, "ingest"), *sys = node(m, "system");
	cr_expect_eq(num(ingest, "events_out"), 9);
	cr_expect_eq(num(sys, "jobs"), 3);
	cr_expect_eq(num(sys, "failed"), 1);
	cr_expect_float_eq(real(sys, "error_rate"), 1.0 / 3, 1e-9);
	cr_expect_eq(num(sys, "events_out"), 3, "two job.succeeded, one job.dead");
	/* (3 jobs + 3 events) x 1/3 x (1 + 0 dependants) */
	cr_expect_float_eq(real(sys, "priority"), 2.0, 1e-9);
	cr_expect_float_eq(real(ingest, "priority"), 0.0, 1e-9, "no jobs, no errors");
	cr_expect_eq(num(node(m, "manual"), "jobs"), 0);
	json_decref(m);
	/* a window reaching back over everything */
	m = build(st, 4 * HOUR);
	cr_expect_eq(num(edge(m, "ingest", "system"), "events"), 11);
	cr_expect_eq(num(node(m, "system"), "jobs"), 4);
	cr_expect_eq(num(node(m, "system"), "failed"), 2);
	json_decref(m);
}

Test(flowmap_db, an_empty_database)
{
	json_t *m = build(st, HOUR);
	cr_expect_eq(num(node(m, "system"), "jobs"), 0);
	cr_expect_eq(num(node(m, "ingest"), "events_out"), 0);
	json_decref(m);
}
