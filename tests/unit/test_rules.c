/* Unit tests for the rule language: rules.c, rule_cond.c, rule_tmpl.c and
 * json_pos.c.  Conditions are tested through whole rules, as operators
 * write them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_pos.h"
#include "rules.h"
#include "xalloc.h"

/* --- helpers --------------------------------------------------------------- */

/* The facts every condition test runs against. */
static const char FACTS[] =
	"{\"payload\": {\"total\": 5400, \"price\": 19.5, \"name\": \"Blue Tee\","
	" \"tags\": [\"sale\", \"new\"], \"country\": \"DE\", \"flag\": true,"
	" \"nothing\": null, \"at\": \"2024-03-01T10:00:00Z\", \"limit\": 6000,"
	" \"lines\": [{\"sku\": \"A\"}, {\"sku\": \"B\"}], \"big\": 9007199254740993,"
	" \"tenth\": 0.1, \"quote\": \"O'Brien \\\"x\\\"\"},"
	" \"customer\": {\"country\": \"FR\"}, \"event\": {\"id\": 42}}";

static json_t *root_of(void *ctx, const char *root)
{
	return json_object_get(ctx, root);
}

struct env {
	json_t *doc;
	struct facts facts;
};

static struct env env_new(void)
{
	json_error_t e;
	struct env env;
	env.doc = json_loads(FACTS, 0, &e);
	cr_assert_not_null(env.doc, "FACTS: %s", e.text);
	env.facts = (struct facts){ .root = root_of, .ctx = env.doc };
	return env;
}

static char *diag_str(const struct rule_diag *d)
{
	return xasprintf("%s:%d:%d: %s", d->file, d->line, d->col, d->msg);
}

/* A rule around a condition, parsed; fails the test on any problem. */
static struct rule_set rule_with_when(const char *cond)
{
	struct rule_set set = { 0 };
	struct rule_diags diags = { 0 };
	char *text = xasprintf("{\"name\": \"t\", \"on\": \"x\", \"when\": %s,"
			       " \"then\": [{\"emit\": {\"type\": \"y\"}}]}", cond);
	size_t n = rules_parse(&set, "t.json", text, strlen(text), NULL, &diags);
	if (n) {
		char *d = diag_str(&diags.v[0]);
		cr_assert_fail("%s: %s", cond, d);
	}
	cr_assert_eq(set.n, 1);
	free(text);
	rule_diags_free(&diags);
	return set;
}

/* Evaluate cond against FACTS; with describe, also return the miss text. */
static bool eval_cond(const char *cond, char **describe)
{
	struct env env = env_new();
	struct rule_set set = rule_with_when(cond);
	struct rule_miss miss;
	bool ok = cond_eval(set.rules[0].when, &env.facts, &miss);
	if (describe)
		*describe = ok ? NULL : rule_miss_describe(&miss);
	cr_assert(ok == (miss.where == NULL), "%s: a miss exactly when false", cond);
	rule_miss_clear(&miss);
	rule_set_free(&set);
	json_decref(env.doc);
	return ok;
}

/* Parse text as file "r.json"; returns the problem count, diags in *out. */
static size_t parse_text(const char *text, job_kind_known_fn known, struct rule_set *set,
			 struct rule_diags *out)
{
	*set = (struct rule_set){ 0 };
	*out = (struct rule_diags){ 0 };
	return rules_parse(set, "r.json", text, strlen(text), known, out);
}

/* The first problem of text must be want ("r.json:L:C: msg"), whole or, with
 * prefix, as a prefix; and the file must add no rules. */
static void expect_diag(const char *text, job_kind_known_fn known, const char *want, bool prefix)
{
	struct rule_set set;
	struct rule_diags diags;
	size_t n = parse_text(text, known, &set, &diags);
	cr_assert_geq(n, 1, "no problem reported for: %s", text);
	cr_assert_geq(diags.n, 1);
	cr_assert_eq(set.n, 0, "a file with problems adds no rules");
	char *got = diag_str(&diags.v[0]);
	if (prefix)
		cr_expect(strncmp(got, want, strlen(want)) == 0, "got '%s', want prefix '%s'", got,
			  want);
	else
		cr_expect_str_eq(got, want);
	free(got);
	rule_diags_free(&diags);
	rule_set_free(&set);
}

/* A valid rule body: the first line of most parse-error texts. */
#define HEAD "{\"name\": \"a\", \"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\"}}],\n"

/* --- operators ------------------------------------------------------------- */

Test(rules_cond, operators)
{
	static const struct {
		const char *cond;
		bool want;
	} cases[] = {
		/* == and != : numbers by value, no coercion across types */
		{ "{\"fact\": \"payload.total\", \"op\": \"==\", \"value\": 5400}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \"==\", \"value\": 5401}", false },
		{ "{\"fact\": \"payload.total\", \"op\": \"==\", \"value\": 5400.0}", true },
		{ "{\"fact\": \"payload.price\", \"op\": \"==\", \"value\": 19.5}", true },
		{ "{\"fact\": \"payload.name\", \"op\": \"==\", \"value\": \"Blue Tee\"}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \"==\", \"value\": \"5400\"}", false },
		{ "{\"fact\": \"payload.flag\", \"op\": \"==\", \"value\": true}", true },
		{ "{\"fact\": \"payload.flag\", \"op\": \"==\", \"value\": 1}", false },
		{ "{\"fact\": \"payload.nothing\", \"op\": \"==\", \"value\": null}", true },
		{ "{\"fact\": \"payload.tags\", \"op\": \"==\", \"value\": [\"sale\", \"new\"]}", true },
		{ "{\"fact\": \"payload.tags\", \"op\": \"==\", \"value\": [\"new\", \"sale\"]}", false },
		{ "{\"fact\": \"payload.lines.0\", \"op\": \"==\", \"value\": {\"sku\": \"A\"}}", true },
		{ "{\"fact\": \"payload.nope\", \"op\": \"==\", \"value\": 1}", false },
		{ "{\"fact\": \"payload.total\", \"op\": \"!=\", \"value\": 5401}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \"!=\", \"value\": 5400}", false },
		{ "{\"fact\": \"payload.total\", \"op\": \"!=\", \"value\": \"5400\"}", true },
		{ "{\"fact\": \"payload.nope\", \"op\": \"!=\", \"value\": 1}", false },
		/* ordering: numbers mixed int/real, strings bytewise */
		{ "{\"fact\": \"payload.total\", \"op\": \"<\", \"value\": 6000}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \"<\", \"value\": 5400}", false },
		{ "{\"fact\": \"payload.price\", \"op\": \"<\", \"value\": 20}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \"<\", \"value\": \"6000\"}", false },
		{ "{\"fact\": \"payload.at\", \"op\": \"<\", \"value\": \"2024-03-02\"}", true },
		{ "{\"fact\": \"payload.at\", \"op\": \"<\", \"value\": \"2024-02-29T23:59:59Z\"}", false },
		{ "{\"fact\": \"payload.nope\", \"op\": \"<\", \"value\": 1}", false },
		{ "{\"fact\": \"payload.total\", \"op\": \"<=\", \"value\": 5400}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \"<=\", \"value\": 5399.9}", false },
		{ "{\"fact\": \"payload.total\", \"op\": \">\", \"value\": 5399.5}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \">\", \"value\": 5400}", false },
		{ "{\"fact\": \"payload.flag\", \"op\": \">\", \"value\": 0}", false },
		{ "{\"fact\": \"payload.total\", \"op\": \">=\", \"value\": 5400}", true },
		{ "{\"fact\": \"payload.price\", \"op\": \">=\", \"value\": 19.6}", false },
		{ "{\"fact\": \"payload.name\", \"op\": \">=\", \"value\": \"Blue\"}", true },
		/* two integers compare exactly, beyond double precision */
		{ "{\"fact\": \"payload.big\", \"op\": \">\", \"value\": 9007199254740992}", true },
		/* in, not_in */
		{ "{\"fact\": \"payload.country\", \"op\": \"in\", \"value\": [\"DE\", \"FR\"]}", true },
		{ "{\"fact\": \"payload.country\", \"op\": \"in\", \"value\": [\"IT\"]}", false },
		{ "{\"fact\": \"payload.total\", \"op\": \"in\", \"value\": [1, 5400.0]}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \"in\", \"value\": [\"5400\"]}", false },
		{ "{\"fact\": \"payload.nope\", \"op\": \"in\", \"value\": [1]}", false },
		{ "{\"fact\": \"payload.country\", \"op\": \"not_in\", \"value\": [\"IT\"]}", true },
		{ "{\"fact\": \"payload.country\", \"op\": \"not_in\", \"value\": [\"DE\"]}", false },
		{ "{\"fact\": \"payload.nope\", \"op\": \"not_in\", \"value\": [\"DE\"]}", false },
		/* contains: substring of a string, element of an array */
		{ "{\"fact\": \"payload.name\", \"op\": \"contains\", \"value\": \"Tee\"}", true },
		{ "{\"fact\": \"payload.name\", \"op\": \"contains\", \"value\": \"tee\"}", false },
		{ "{\"fact\": \"payload.tags\", \"op\": \"contains\", \"value\": \"sale\"}", true },
		{ "{\"fact\": \"payload.tags\", \"op\": \"contains\", \"value\": \"old\"}", false },
		{ "{\"fact\": \"payload.total\", \"op\": \"contains\", \"value\": 5}", false },
		{ "{\"fact\": \"payload.nope\", \"op\": \"contains\", \"value\": \"a\"}", false },
		/* starts_with, matches: strings only */
		{ "{\"fact\": \"payload.name\", \"op\": \"starts_with\", \"value\": \"Blue\"}", true },
		{ "{\"fact\": \"payload.name\", \"op\": \"starts_with\", \"value\": \"Tee\"}", false },
		{ "{\"fact\": \"payload.total\", \"op\": \"starts_with\", \"value\": \"54\"}", false },
		{ "{\"fact\": \"payload.name\", \"op\": \"matches\", \"value\": \"^Blue [A-Z]\"}", true },
		{ "{\"fact\": \"payload.name\", \"op\": \"matches\", \"value\": \"^blue\"}", false },
		{ "{\"fact\": \"payload.at\", \"op\": \"matches\", \"value\": \"^2024-0[1-3]-\"}", true },
		{ "{\"fact\": \"payload.at\", \"op\": \"matches\", \"value\": \"^[[:digit:]]{4}-[0-9]{2,}-(0[1-9]|[12][0-9]){1}T\"}", true },
		{ "{\"fact\": \"payload.name\", \"op\": \"matches\", \"value\": \"^[A-Z][a-z]{1,900} \\\\(?T\"}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \"matches\", \"value\": \"5\"}", false },
		{ "{\"fact\": \"payload.nope\", \"op\": \"matches\", \"value\": \".*\"}", false },
		/* exists: presence, null included; optional boolean */
		{ "{\"fact\": \"payload.total\", \"op\": \"exists\"}", true },
		{ "{\"fact\": \"payload.nope\", \"op\": \"exists\"}", false },
		{ "{\"fact\": \"payload.nothing\", \"op\": \"exists\"}", true },
		{ "{\"fact\": \"payload.nope\", \"op\": \"exists\", \"value\": false}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \"exists\", \"value\": false}", false },
		{ "{\"fact\": \"payload.total\", \"op\": \"exists\", \"value\": true}", true },
		{ "{\"fact\": \"nosuchroot.x\", \"op\": \"exists\"}", false },
		{ "{\"fact\": \"payload.lines.1.sku\", \"op\": \"==\", \"value\": \"B\"}", true },
		{ "{\"fact\": \"payload.lines.2.sku\", \"op\": \"exists\"}", false },
		{ "{\"fact\": \"payload.total.x\", \"op\": \"exists\"}", false },
		/* fact to fact */
		{ "{\"fact\": \"payload.total\", \"op\": \"<\", \"value\": {\"fact\": \"payload.limit\"}}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \">\", \"value\": {\"fact\": \"payload.limit\"}}", false },
		{ "{\"fact\": \"payload.country\", \"op\": \"==\", \"value\": {\"fact\": \"customer.country\"}}", false },
		{ "{\"fact\": \"payload.country\", \"op\": \"!=\", \"value\": {\"fact\": \"customer.country\"}}", true },
		{ "{\"fact\": \"payload.total\", \"op\": \"<\", \"value\": {\"fact\": \"payload.nope\"}}", false },
		{ "{\"fact\": \"payload.country\", \"op\": \"in\", \"value\": {\"fact\": \"payload.tags\"}}", false },
		{ "{\"fact\": \"payload.country\", \"op\": \"in\", \"value\": {\"fact\": \"payload.name\"}}", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_expect(eval_cond(cases[i].cond, NULL) == cases[i].want, "%s: want %s",
			  cases[i].cond, cases[i].want ? "true" : "false");
}

#define T_ "{\"fact\": \"payload.total\", \"op\": \"==\", \"value\": 5400}"
#define F_ "{\"fact\": \"payload.total\", \"op\": \"==\", \"value\": 1}"

Test(rules_cond, groups)
{
	static const struct {
		const char *cond;
		bool want;
	} cases[] = {
		{ "{\"all\": [" T_ ", " T_ "]}", true },
		{ "{\"all\": [" T_ ", " F_ "]}", false },
		{ "{\"any\": [" F_ ", " T_ "]}", true },
		{ "{\"any\": [" F_ ", " F_ "]}", false },
		{ "{\"not\": " T_ "}", false },
		{ "{\"not\": " F_ "}", true },
		{ "{\"not\": {\"not\": " T_ "}}", true },
		{ "{\"all\": [{\"any\": [" F_ ", " T_ "]}, {\"not\": " F_ "}]}", true },
		{ "{\"all\": [{\"any\": [" F_ ", " F_ "]}, {\"not\": " F_ "}]}", false },
		{ "{\"any\": [{\"all\": [" T_ ", " F_ "]}, {\"not\": {\"any\": [" F_ "]}}]}", true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_expect(eval_cond(cases[i].cond, NULL) == cases[i].want, "%s", cases[i].cond);
}

Test(rules_cond, null_condition_holds)
{
	struct rule_miss miss;
	cr_assert(cond_eval(NULL, NULL, &miss));
	cr_assert_null(miss.where);
}

/* --- misses ---------------------------------------------------------------- */

Test(rules_cond, miss_describe)
{
	static const struct {
		const char *cond, *want;
	} cases[] = {
		{ "{\"fact\": \"payload.total\", \"op\": \">\", \"value\": 100000}",
		  "when: payload.total > 100000 failed: actual 5400" },
		{ "{\"all\": [" T_ ", " F_ "]}", "when.all[1]: payload.total == 1 failed: actual 5400" },
		{ "{\"all\": [" T_ ", {\"any\": [{\"fact\": \"payload.nope\", \"op\": \"<\", \"value\": 3}, " F_
		  "]}]}",
		  "when.all[1].any[0]: payload.nope < 3 failed: actual missing" },
		{ "{\"fact\": \"payload.country\", \"op\": \"in\", \"value\": [\"IT\", \"ES\"]}",
		  "when: payload.country in [\"IT\",\"ES\"] failed: actual \"DE\"" },
		{ "{\"not\": {\"fact\": \"payload.country\", \"op\": \"==\", \"value\": \"DE\"}}",
		  "when.not: not (payload.country == \"DE\") failed: actual \"DE\"" },
		{ "{\"not\": {\"all\": [" T_ "]}}",
		  "when.not: not (all ...) failed: the negated condition held" },
		{ "{\"all\": [" T_ ", {\"not\": {\"fact\": \"payload.total\", \"op\": \"exists\"}}]}",
		  "when.all[1].not: not (payload.total exists) failed: actual 5400" },
		{ "{\"fact\": \"payload.nope\", \"op\": \"exists\"}",
		  "when: payload.nope exists failed: actual missing" },
		{ "{\"fact\": \"payload.total\", \"op\": \"exists\", \"value\": false}",
		  "when: payload.total exists false failed: actual 5400" },
		{ "{\"fact\": \"payload.total\", \"op\": \">\", \"value\": {\"fact\": \"payload.limit\"}}",
		  "when: payload.total > payload.limit (6000) failed: actual 5400" },
		{ "{\"fact\": \"payload.total\", \"op\": \">\", \"value\": {\"fact\": \"payload.nope\"}}",
		  "when: payload.total > payload.nope (missing) failed: actual 5400" },
		{ "{\"fact\": \"payload.price\", \"op\": \">\", \"value\": 20}",
		  "when: payload.price > 20 failed: actual 19.5" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *got;
		cr_assert_not(eval_cond(cases[i].cond, &got), "%s", cases[i].cond);
		cr_expect_str_eq(got, cases[i].want, "%s", cases[i].cond);
		free(got);
	}
}

Test(rules_cond, miss_fields)
{
	struct env env = env_new();
	struct rule_set set = rule_with_when(
		"{\"any\": [{\"fact\": \"payload.total\", \"op\": \">=\", \"value\": 10000}, " F_ "]}");
	struct rule_miss m;
	cr_assert_not(cond_eval(set.rules[0].when, &env.facts, &m));
	cr_expect_str_eq(m.where, "when.any[0]");
	cr_expect_str_eq(m.fact, "payload.total");
	cr_expect_str_eq(m.op, ">=");
	cr_expect_eq(json_integer_value(m.expected), 10000);
	cr_expect_eq(json_integer_value(m.actual), 5400);
	cr_expect_null(m.expected_fact);
	cr_expect_not(m.negated);
	rule_miss_clear(&m);
	cr_expect_null(m.where);
	cr_expect_null(m.actual);
	/* Passing no miss is allowed. */
	cr_expect_not(cond_eval(set.rules[0].when, &env.facts, NULL));
	rule_set_free(&set);
	json_decref(env.doc);
}

/* --- facts ----------------------------------------------------------------- */

Test(rules_facts, paths)
{
	struct env env = env_new();
	cr_expect_eq(json_integer_value(facts_get(&env.facts, "payload.total")), 5400);
	cr_expect_str_eq(json_string_value(facts_get(&env.facts, "payload.lines.1.sku")), "B");
	cr_expect(json_is_object(facts_get(&env.facts, "customer")));
	cr_expect_null(facts_get(&env.facts, "payload.lines.9"));
	cr_expect_null(facts_get(&env.facts, "payload.lines.x"));
	cr_expect_null(facts_get(&env.facts, "payload..total"));
	cr_expect_null(facts_get(&env.facts, "payload.total."));
	cr_expect_null(facts_get(&env.facts, ""));
	cr_expect_null(facts_get(&env.facts, "nosuch.total"));
	struct facts none = { 0 };
	cr_expect_null(facts_get(&none, "payload.total"));
	json_decref(env.doc);
}

Test(rules_facts, on_glob)
{
	char glob[] = "product.*", exact[] = "order.created";
	struct rule r = { .on = glob };
	cr_expect(rule_on_matches(&r, "product.created"));
	cr_expect_not(rule_on_matches(&r, "order.created"));
	r.on = exact;
	cr_expect(rule_on_matches(&r, "order.created"));
	cr_expect_not(rule_on_matches(&r, "order.created.x"));
}

/* --- templates ------------------------------------------------------------- */

Test(rules_tmpl, expand_typed_and_embedded)
{
	struct env env = env_new();
	json_error_t e;
	json_t *tmpl = json_loads(
		"{\"title\": \"Review order {{payload.name}}\", \"total\": \"{{payload.total}}\","
		" \"price\": \"{{ payload.price }}\", \"tags\": [\"{{payload.tags}}\", \"n={{payload.total}}\"],"
		" \"line\": \"x {{payload.lines.0}}\", \"mixed\": \"{{payload.flag}} {{payload.nothing}} {{payload.tenth}}\","
		" \"two\": \"{{payload.total}}{{payload.total}}\", \"lit\": 5, \"deep\": {\"k\": [\"{{event.id}}\"]}}",
		0, &e);
	json_t *want = json_loads(
		"{\"title\": \"Review order Blue Tee\", \"total\": 5400, \"price\": 19.5,"
		" \"tags\": [[\"sale\", \"new\"], \"n=5400\"], \"line\": \"x {\\\"sku\\\":\\\"A\\\"}\","
		" \"mixed\": \"true null 0.1\", \"two\": \"54005400\", \"lit\": 5, \"deep\": {\"k\": [42]}}",
		0, &e);
	cr_assert_not_null(tmpl);
	cr_assert_not_null(want);
	char *err = NULL;
	json_t *got = tmpl_expand(tmpl, &env.facts, &err);
	cr_assert_not_null(got, "%s", err);
	char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
	cr_expect(json_equal(got, want), "got %s", g);
	cr_expect(json_is_integer(json_object_get(got, "total")), "whole placeholder keeps the type");
	free(g);
	json_decref(got);
	json_decref(tmpl);
	json_decref(want);
	json_decref(env.doc);
}

Test(rules_tmpl, expand_string)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "no placeholders", "no placeholders" },
		{ "{{payload.total}}", "5400" },
		{ "review-{{event.id}}", "review-42" },
		{ "{{payload.name}}: {{payload.price}}", "Blue Tee: 19.5" },
		{ "{{payload.tags}}", "[\"sale\",\"new\"]" },
		{ "{{payload.quote}}", "O'Brien \"x\"" },
		{ "}} and { stay", "}} and { stay" },
		{ "", "" },
	};
	struct env env = env_new();
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *err = NULL;
		char *got = tmpl_expand_string(cases[i].in, &env.facts, &err);
		cr_assert_not_null(got, "%s: %s", cases[i].in, err);
		cr_expect_str_eq(got, cases[i].want);
		cr_expect_null(err);
		free(got);
	}
	json_decref(env.doc);
}

Test(rules_tmpl, errors)
{
	struct env env = env_new();
	char *err = NULL;
	cr_expect_null(tmpl_expand_string("x {{payload.nope}} y", &env.facts, &err));
	cr_expect_str_eq(err, "template: fact 'payload.nope' is missing");
	free(err);
	json_t *t = json_pack("{s:[s]}", "a", "{{payload.nope}}");
	cr_expect_null(tmpl_expand(t, &env.facts, &err));
	cr_expect_str_eq(err, "template: fact 'payload.nope' is missing");
	free(err);
	json_decref(t);
	cr_expect_null(tmpl_expand_string("x {{payload.total", &env.facts, &err));
	cr_expect_str_eq(err, "template: unterminated '{{'");
	free(err);

	static const struct {
		const char *in, *err;
	} checks[] = {
		{ "ok {{a.b}} and {{ c }}", NULL },
		{ "open {{a.b", "template: unterminated '{{'" },
		{ "{{}}", "template: empty placeholder '{{}}'" },
		{ "{{   }}", "template: empty placeholder '{{}}'" },
		{ "{{a..b}}", "template: bad fact path 'a..b'" },
		{ "{{a b}}", "template: bad fact path 'a b'" },
	};
	for (size_t i = 0; i < sizeof checks / sizeof *checks; i++) {
		err = NULL;
		bool ok = tmpl_check(checks[i].in, &err);
		cr_expect(ok == (checks[i].err == NULL), "%s", checks[i].in);
		if (checks[i].err)
			cr_expect_str_eq(err, checks[i].err, "%s", checks[i].in);
		free(err);
	}
	json_decref(env.doc);
}

/* --- durations ------------------------------------------------------------- */

Test(rules_duration, table)
{
	static const struct {
		const char *in;
		int64_t ms;
	} cases[] = {
		{ "500ms", 500 },
		{ "30s", 30000 },
		{ "15m", 900000 },
		{ "2h", 7200000 },
		{ "7d", 604800000 },
		{ "45", 45000 },
		{ "0", 0 },
		{ "0s", 0 },
		{ "", -1 },
		{ "s", -1 },
		{ "1.5h", -1 },
		{ "-1s", -1 },
		{ "+5s", -1 },
		{ " 5s", -1 },
		{ "10 s", -1 },
		{ "10S", -1 },
		{ "10w", -1 },
		{ "5sec", -1 },
		{ "9223372036854775807s", -1 },
		{ "99999999999999999999", -1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_expect_eq(rules_parse_duration(cases[i].in), cases[i].ms, "'%s': got %lld",
			     cases[i].in, (long long)rules_parse_duration(cases[i].in));
	cr_expect_eq(rules_parse_duration(NULL), -1);
}

Test(rules_duration, json_forms)
{
	static const struct {
		const char *delay;
		int64_t ms; /* -1: a parse error */
	} cases[] = {
		{ "\"10m\"", 600000 }, { "60", 60000 }, { "0", 0 },
		{ "-1", -1 },          { "1.5", -1 },   { "\"1 h\"", -1 }, { "true", -1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *text = xasprintf("{\"name\": \"a\", \"on\": \"x\", \"then\": [{\"enqueue\":"
				       " {\"kind\": \"k\", \"delay\": %s}}]}", cases[i].delay);
		struct rule_set set;
		struct rule_diags diags;
		size_t n = parse_text(text, NULL, &set, &diags);
		if (cases[i].ms < 0) {
			cr_expect_eq(n, 1, "%s", cases[i].delay);
			cr_expect(n && strstr(diags.v[0].msg, "'delay' must be a duration"), "%s",
				  cases[i].delay);
		} else {
			cr_expect_eq(n, 0, "%s", cases[i].delay);
			cr_expect(set.n == 1 && set.rules[0].actions[0].delay_ms == cases[i].ms, "%s",
				  cases[i].delay);
		}
		rule_set_free(&set);
		rule_diags_free(&diags);
		free(text);
	}
}

/* --- parsing: a full rule -------------------------------------------------- */

static const char FULL_RULE[] =
	"{\n"
	"  \"name\": \"big-order-review\",\n"
	"  \"description\": \"Large orders need a look\",\n"
	"  \"on\": \"order.created\",\n"
	"  \"when\": {\"all\": [ {\"fact\": \"payload.total_minor\", \"op\": \">\", \"value\": 100000},\n"
	"                    {\"any\": [ {\"fact\": \"customer.country\", \"op\": \"in\", \"value\": [\"DE\",\"FR\"]},\n"
	"                              {\"not\": {\"fact\": \"payload.customer_key\", \"op\": \"exists\"}} ]} ]},\n"
	"  \"then\": [\n"
	"    {\"enqueue\": {\"kind\": \"manual.task\", \"args\": {\"title\": \"Review order {{payload.order_key}}\", \"total\": \"{{payload.total_minor}}\"},\n"
	"                 \"priority\": 5, \"delay\": \"10m\", \"key\": \"review-{{event.id}}\", \"max_attempts\": 3,\n"
	"                 \"approval\": {\"when\": {\"fact\": \"payload.total_minor\", \"op\": \">\", \"value\": 500000},\n"
	"                              \"reason\": \"order {{payload.order_key}} over 5000\", \"expires\": \"24h\"}}},\n"
	"    {\"emit\": {\"type\": \"order.flagged\", \"payload\": {\"reason\": \"large\", \"total\": \"{{payload.total_minor}}\"}}}\n"
	"  ],\n"
	"  \"priority\": 10,\n"
	"  \"group\": \"order-review\",\n"
	"  \"inhibits\": {\"rules\": [\"small-order-review\"], \"window\": \"1h\"},\n"
	"  \"enabled\": true\n"
	"}\n";

static json_t *order_root(void *ctx, const char *root)
{
	return json_object_get(ctx, root);
}

Test(rules_parse, full_rule)
{
	struct rule_set set;
	struct rule_diags diags;
	cr_assert_eq(parse_text(FULL_RULE, NULL, &set, &diags), 0);
	cr_assert_eq(set.n, 1);
	const struct rule *r = &set.rules[0];
	cr_expect_str_eq(r->name, "big-order-review");
	cr_expect_str_eq(r->description, "Large orders need a look");
	cr_expect_str_eq(r->on, "order.created");
	cr_expect_eq(r->priority, 10);
	cr_expect_str_eq(r->group, "order-review");
	cr_expect_eq(r->ninhibits, 1);
	cr_expect_str_eq(r->inhibits[0], "small-order-review");
	cr_expect_eq(r->inhibit_window_ms, 3600000);
	cr_expect(r->enabled);
	cr_expect_str_eq(r->file, "r.json");
	cr_expect(r->line == 1 && r->col == 1);
	cr_expect(r->name_line == 2 && r->name_col == 11);
	cr_assert_eq(r->nactions, 2);
	const struct rule_action *a = &r->actions[0];
	cr_expect_eq(a->kind, ACTION_ENQUEUE);
	cr_expect_str_eq(a->job_kind, "manual.task");
	cr_expect_eq(a->priority, 5);
	cr_expect_eq(a->delay_ms, 600000);
	cr_expect_str_eq(a->key, "review-{{event.id}}");
	cr_expect_eq(a->max_attempts, 3);
	cr_expect(a->needs_approval);
	cr_expect_str_eq(a->approval_reason, "order {{payload.order_key}} over 5000");
	cr_expect_eq(a->approval_expires_ms, 86400000);
	cr_expect_str_eq(json_string_value(json_object_get(a->args, "title")),
			 "Review order {{payload.order_key}}");
	const struct rule_action *e = &r->actions[1];
	cr_expect_eq(e->kind, ACTION_EMIT);
	cr_expect_str_eq(e->emit_type, "order.flagged");
	cr_expect_eq(json_object_size(e->emit_payload), 2);
	cr_expect_not_null(e->args);

	/* The approval condition reports its own place in the rule. */
	json_t *doc = json_pack("{s:{s:i,s:s},s:{s:s},s:{s:i}}", "payload", "total_minor", 200000,
				"order_key", "o-1", "customer", "country", "IT", "event", "id", 7);
	struct facts f = { .root = order_root, .ctx = doc };
	struct rule_miss m;
	cr_expect(cond_eval(r->when, &f, &m), "IT, but customer_key missing: the not holds");
	cr_expect_not(cond_eval(a->approval_when, &f, &m));
	cr_expect_str_eq(m.where, "then[0].enqueue.approval.when");
	rule_miss_clear(&m);
	json_decref(doc);
	rule_set_free(&set);
	rule_diags_free(&diags);
}

Test(rules_parse, defaults_and_arrays)
{
	static const char text[] =
		"[{\"name\": \"a\", \"on\": \"x\", \"then\": [{\"enqueue\": {\"kind\": \"k\"}}]},\n"
		" {\"name\": \"b.c_d-1\", \"on\": \"*\", \"enabled\": false,"
		" \"then\": [{\"emit\": {\"type\": \"t\"}}]}]";
	struct rule_set set;
	struct rule_diags diags;
	cr_assert_eq(parse_text(text, NULL, &set, &diags), 0);
	cr_assert_eq(set.n, 2);
	const struct rule *r = &set.rules[0];
	cr_expect(r->enabled);
	cr_expect_eq(r->priority, 0);
	cr_expect_null(r->when);
	cr_expect_null(r->group);
	cr_expect_null(r->description);
	cr_expect_eq(r->ninhibits, 0);
	cr_expect_eq(r->inhibit_window_ms, 0);
	cr_expect(json_is_object(r->actions[0].args) && json_object_size(r->actions[0].args) == 0);
	cr_expect(json_is_object(r->actions[0].emit_payload));
	cr_expect_not(r->actions[0].needs_approval);
	cr_expect_null(r->actions[0].key);
	cr_expect_eq(r->actions[0].max_attempts, 0);
	cr_expect_eq(r->actions[0].delay_ms, 0);
	cr_expect_not(set.rules[1].enabled);
	cr_expect(set.rules[1].line == 2 && set.rules[1].col == 2);
	cr_expect(json_is_object(set.rules[1].actions[0].emit_payload));
	cr_expect_not_null(rules_find(&set, "b.c_d-1"));
	cr_expect_null(rules_find(&set, "zz"));
	rule_set_free(&set);
	rule_diags_free(&diags);

	cr_expect_eq(parse_text("[]", NULL, &set, &diags), 0, "an empty array is no rules");
	cr_expect_eq(set.n, 0);
	rule_diags_free(&diags);
}

/* Strings go through the rule language untouched: the engine stores them
 * with bound parameters, never by pasting. */
Test(rules_parse, sql_metacharacters_survive)
{
	static const char text[] =
		"{\"name\": \"a\", \"on\": \"x\", \"description\": \"Robert'); DROP TABLE rules;--\","
		" \"when\": {\"fact\": \"payload.quote\", \"op\": \"==\", \"value\": \"O'Brien \\\"x\\\"\"},"
		" \"then\": [{\"enqueue\": {\"kind\": \"k\", \"args\": {\"q\": \"' OR 1=1; -- {{payload.quote}} %s\\\\\"}}}]}";
	struct rule_set set;
	struct rule_diags diags;
	cr_assert_eq(parse_text(text, NULL, &set, &diags), 0);
	cr_expect_str_eq(set.rules[0].description, "Robert'); DROP TABLE rules;--");
	struct env env = env_new();
	cr_expect(cond_eval(set.rules[0].when, &env.facts, NULL));
	char *err = NULL;
	json_t *args = tmpl_expand(set.rules[0].actions[0].args, &env.facts, &err);
	cr_assert_not_null(args, "%s", err);
	cr_expect_str_eq(json_string_value(json_object_get(args, "q")),
			 "' OR 1=1; -- O'Brien \"x\" %s\\");
	json_decref(args);
	json_decref(env.doc);
	rule_set_free(&set);
	rule_diags_free(&diags);
}

/* --- parsing: errors at exact positions ------------------------------------ */

static bool known_kind(const char *kind)
{
	return strcmp(kind, "manual.task") == 0 || strcmp(kind, "k") == 0;
}

Test(rules_errors, positions)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{\"name\": \"a\",\n \"on\": \"x\",,\n", "r.json:2:12: string or '}' expected near ','" },
		/* jansson's own position: the end of the repeated key */
		{ "{\"name\": \"a\", \"name\": \"b\"}", "r.json:1:20: duplicate object key near '\"name\"'" },
		{ HEAD " \"colour\": 1}", "r.json:2:2: unknown field 'colour' in rule" },
		{ "{\"name\": \"a\", \"on\": \"x\",\n \"then\": [{\"enqueue\": {\"kind\": \"k\",\n   \"prio\": 1}}]}",
		  "r.json:3:4: unknown field 'prio' in enqueue" },
		{ HEAD " \"when\": {\"fact\": \"p.x\", \"op\": \"==\", \"value\": 1,\n   \"vale\": 2}}",
		  "r.json:3:4: unknown field 'vale' in condition" },
		{ HEAD " \"when\": {\"all\": [" T_ "],\n   \"op\": \"==\"}}",
		  "r.json:3:4: unknown field 'op' in condition" },
		{ HEAD " \"priority\": \"high\"}", "r.json:2:14: 'priority' must be an integer" },
		{ HEAD " \"enabled\": 1}", "r.json:2:13: 'enabled' must be true or false" },
		{ HEAD " \"priority\": 3000000000}", "r.json:2:14: 'priority' must be between -2147483648 and 2147483647" },
		{ "{\"name\": \"A b\", \"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\"}}]}",
		  "r.json:1:10: 'name' must be lowercase letters, digits, '.', '_' or '-': 'A b'" },
		{ "{\"name\": 7, \"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\"}}]}",
		  "r.json:1:10: 'name' must be a non-empty string" },
		{ "{\"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\"}}]}",
		  "r.json:1:1: missing required field 'name' in rule" },
		{ "{\"name\": \"a\", \"on\": \"x\",\n \"then\": []}",
		  "r.json:2:10: 'then' must be a non-empty array of actions" },
		{ HEAD " \"when\": {\"fact\": \"p.x\",\n   \"op\": \"=~\", \"value\": 1}}",
		  "r.json:3:10: unknown operator '=~' (one of == != < <= > >= in not_in contains starts_with matches exists)" },
		{ HEAD " \"when\": {\"all\": []}}",
		  "r.json:2:18: 'all' must be a non-empty array of conditions" },
		{ HEAD " \"when\": {\"fact\": \"p.x\", \"op\": \"in\", \"value\": \"DE\"}}",
		  "r.json:2:47: 'value' of 'in' must be an array" },
		{ HEAD " \"when\": {\"fact\": \"p.x\", \"op\": \"<\", \"value\": true}}",
		  "r.json:2:46: 'value' of '<' must be a number or a string" },
		{ HEAD " \"when\": {\"fact\": \"p.x\", \"op\": \"==\"}}",
		  "r.json:2:10: missing required field 'value' in condition" },
		{ HEAD " \"when\": {\"fact\": \"p..x\", \"op\": \"exists\"}}",
		  "r.json:2:19: bad fact path 'p..x': dot-separated names expected" },
		{ HEAD " \"when\": {\"fact\": \"p.x\", \"op\": \"exists\", \"value\": 1}}",
		  "r.json:2:51: 'value' of 'exists' must be true or false" },
		{ HEAD " \"when\": {\"all\": [" T_ "], \"any\": [" T_ "]}}",
		  "r.json:2:74: 'any' cannot be combined with 'all' in one condition" },
		{ HEAD " \"when\": {}}", "r.json:2:10: a condition needs 'all', 'any', 'not' or 'fact'" },
		{ HEAD " \"when\": [1]}", "r.json:2:10: a condition must be an object" },
		{ HEAD " \"when\": {\"fact\": \"p.x\", \"op\": \"==\", \"value\": {\"fact\": \"q.y\", \"x\": 1}}}",
		  "r.json:2:63: unknown field 'x' in fact reference" },
		{ "{\"name\": \"a\", \"on\": \"x\", \"then\": [\n   {\"enqueue\": {\"kind\": \"k\"}, \"emit\": {\"type\": \"y\"}}]}",
		  "r.json:2:4: an action takes one of 'enqueue' or 'emit', not both" },
		{ "{\"name\": \"a\", \"on\": \"x\", \"then\": [\n   {}]}",
		  "r.json:2:4: an action needs 'enqueue' or 'emit'" },
		{ "{\"name\": \"a\", \"on\": \"x\", \"then\": [{\"enqueue\": {\n   \"kind\": \"nosuch.kind\"}}]}",
		  "r.json:2:12: unknown job kind 'nosuch.kind'" },
		{ "{\"name\": \"a\", \"on\": \"x\", \"then\": [{\"enqueue\": {\"kind\": \"k\",\n   \"args\": {\"t\": [\"Order {{payload.x\"]}}}]}",
		  "r.json:2:19: template: unterminated '{{'" },
		{ "{\"name\": \"a\", \"on\": \"x\", \"then\": [{\"enqueue\": {\"kind\": \"k\",\n   \"approval\": {\"expires\": \"1y\"}}}]}",
		  "r.json:2:16: missing required field 'reason' in approval" },
		{ "{\"name\": \"a\", \"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\",\n   \"payload\": []}}]}",
		  "r.json:2:15: 'payload' must be an object" },
		{ HEAD " \"inhibits\": {\"rules\": [\"b\", 3]}}", "r.json:2:30: 'rules[]' must be a non-empty string" },
		{ "[{\"name\": \"a\", \"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\"}}]},\n 5]",
		  "r.json:2:2: a rule must be an object" },
		{ "", "r.json:1:0: '[' or '{' expected near end of file" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		expect_diag(cases[i].text, known_kind, cases[i].want, false);
	/* Patterns that would make regcomp or regexec blow up are refused. */
	expect_diag(HEAD " \"when\": {\"fact\": \"p.x\", \"op\": \"matches\", \"value\": \"(a{1,100}){1,100}\"}}",
		    NULL, "r.json:2:52: bad regular expression: too complex: repetition expands beyond 1000 elements", false);
	expect_diag(HEAD " \"when\": {\"fact\": \"p.x\", \"op\": \"matches\", \"value\": \"a{1,5000}\"}}",
		    NULL, "r.json:2:52: bad regular expression: too complex: repetition expands beyond 1000 elements", false);
	expect_diag(HEAD " \"when\": {\"fact\": \"p.x\", \"op\": \"matches\", \"value\": \"(a)\\\\1\"}}",
		    NULL, "r.json:2:52: bad regular expression: back-references are not supported", false);
	/* The rest of the message is the C library's. */
	expect_diag(HEAD " \"when\": {\"fact\": \"p.x\", \"op\": \"matches\",\n   \"value\": \"a(\"}}",
		    NULL, "r.json:3:13: bad regular expression: ", true);
}

Test(rules_errors, all_problems_in_order)
{
	static const char text[] =
		"{\"name\": \"Bad\", \"on\": 3,\n"
		" \"then\": [{\"enqueue\": {\"kind\": \"nosuch\", \"delay\": \"soon\"}}],\n"
		" \"extra\": true}";
	static const char *const want[] = {
		"r.json:1:10: 'name' must be lowercase letters, digits, '.', '_' or '-': 'Bad'",
		"r.json:1:23: 'on' must be a non-empty string",
		"r.json:2:32: unknown job kind 'nosuch'",
		"r.json:2:51: 'delay' must be a duration: \"500ms\", \"30s\", \"15m\", \"2h\", \"7d\" or a number of seconds",
		"r.json:3:2: unknown field 'extra' in rule",
	};
	struct rule_set set;
	struct rule_diags diags;
	size_t n = parse_text(text, known_kind, &set, &diags);
	cr_assert_eq(n, 5);
	cr_assert_eq(diags.n, 5);
	for (size_t i = 0; i < 5; i++) {
		char *got = diag_str(&diags.v[i]);
		cr_expect_str_eq(got, want[i]);
		free(got);
	}
	cr_expect_eq(set.n, 0);
	rule_diags_free(&diags);
}

Test(rules_errors, one_bad_rule_refuses_the_file)
{
	static const char text[] =
		"[{\"name\": \"good\", \"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\"}}]},\n"
		" {\"name\": \"bad\", \"on\": \"x\", \"then\": [{\"emit\": {}}]}]";
	struct rule_set set;
	struct rule_diags diags;
	cr_expect_eq(parse_text(text, NULL, &set, &diags), 1);
	cr_expect_eq(set.n, 0);
	char *got = diag_str(&diags.v[0]);
	cr_expect_str_eq(got, "r.json:2:47: missing required field 'type' in emit");
	free(got);
	rule_diags_free(&diags);
}

/* The position of the first condition nested one level too deep. */
Test(rules_errors, depth_cap)
{
	enum { N = 40 };
	size_t cap = 64 + N * 16;
	char *text = xmalloc(cap), *p = text;
	p += sprintf(p, "{\"name\": \"a\", \"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\"}}], \"when\": ");
	int col = 0;
	for (int i = 0; i < N; i++) {
		if (i == COND_MAX_DEPTH)
			col = (int)(p - text) + 1;
		p += sprintf(p, "{\"not\": ");
	}
	p += sprintf(p, "{\"fact\": \"a.b\", \"op\": \"exists\"}");
	for (int i = 0; i <= N; i++)
		*p++ = '}';
	*p = '\0';
	char *want = xasprintf("r.json:1:%d: conditions nest deeper than %d levels", col, COND_MAX_DEPTH);
	expect_diag(text, NULL, want, false);
	free(want);
	free(text);
}

Test(rules_errors, too_many_problems_are_counted)
{
	size_t cap = 64 + 300 * 12;
	char *text = xmalloc(cap), *p = text;
	p += sprintf(p, "{\"name\": \"a\", \"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\"}}]");
	for (int i = 0; i < 300; i++)
		p += sprintf(p, ", \"u%d\": 1", i);
	sprintf(p, "}");
	struct rule_set set;
	struct rule_diags diags;
	cr_expect_eq(parse_text(text, NULL, &set, &diags), 300);
	cr_assert_eq(diags.n, 101);
	cr_expect_str_eq(diags.v[100].msg, "200 more problems not shown");
	rule_diags_free(&diags);
	free(text);
}

/* --- loading directories --------------------------------------------------- */

static char *tmpdir_new(void)
{
	char *dir = xstrdup("/tmp/orrery-rules-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	return dir;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	cr_assert_not_null(fp, "%s", path);
	fputs(text, fp);
	fclose(fp);
	free(path);
}

static void rm_tree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
}

#define RULE(name) "{\"name\": \"" name "\", \"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\"}}]}"

Test(rules_load, directory_checks)
{
	char *dir = tmpdir_new();
	write_file(dir, "b.json",
		   "[" RULE("two") ",\n {\"name\": \"three\", \"on\": \"x\", \"then\": [{\"emit\": {\"type\": \"y\"}}],\n"
		   "  \"inhibits\": {\"rules\": [\"one\", \"ghost\"]}}]");
	write_file(dir, "a.json", "[" RULE("one") ",\n " RULE("two") "]");
	write_file(dir, "notes.txt", "not json at all");
	write_file(dir, ".draft.json", "{ broken");
	struct rule_set set = { 0 };
	struct rule_diags diags = { 0 };
	size_t n = rules_load_path(&set, dir, NULL, &diags);
	cr_assert_eq(n, 2);
	cr_assert_eq(diags.n, 2);
	char *d0 = diag_str(&diags.v[0]), *d1 = diag_str(&diags.v[1]);
	char *w0 = xasprintf("%s/b.json:1:11: duplicate rule name 'two' (first defined at %s/a.json:2:11)",
			     dir, dir);
	char *w1 = xasprintf("%s/b.json:3:33: inhibits unknown rule 'ghost'", dir);
	cr_expect_str_eq(d0, w0);
	cr_expect_str_eq(d1, w1);
	/* Files in name order; the repeated name is dropped. */
	cr_assert_eq(set.n, 3);
	cr_expect_str_eq(set.rules[0].name, "one");
	cr_expect_str_eq(set.rules[1].name, "two");
	cr_expect_str_eq(set.rules[2].name, "three");
	cr_expect(strstr(set.rules[1].file, "/a.json") != NULL);
	free(d0);
	free(d1);
	free(w0);
	free(w1);
	rule_set_free(&set);
	rule_diags_free(&diags);
	rm_tree(dir);
	free(dir);
}

Test(rules_load, files_and_failures)
{
	char *dir = tmpdir_new();
	char *sub = xasprintf("%s/sub.json", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	write_file(dir, "ok.json", RULE("ok"));
	write_file(dir, "bad.json", "{\"name\": \"bad\"}");
	struct rule_set set = { 0 };
	struct rule_diags diags = { 0 };
	size_t n = rules_load_path(&set, dir, NULL, &diags);
	cr_expect_eq(n, 3, "bad.json: 2 missing fields; sub.json: not a file");
	cr_expect_eq(set.n, 1);
	cr_expect_not_null(rules_find(&set, "ok"));
	char *last = diag_str(&diags.v[diags.n - 1]);
	char *want = xasprintf("%s:0:0: not a regular file", sub);
	cr_expect_str_eq(last, want);
	free(last);
	free(want);
	rule_set_free(&set);
	rule_diags_free(&diags);

	/* One file by path. */
	char *file = xasprintf("%s/ok.json", dir);
	cr_expect_eq(rules_load_path(&set, file, NULL, &diags), 0);
	cr_expect_eq(set.n, 1);
	rule_set_free(&set);
	free(file);

	/* A missing path named explicitly is a problem... */
	char *missing = xasprintf("%s/nope", dir);
	cr_expect_eq(rules_load_path(&set, missing, NULL, &diags), 1);
	cr_assert_eq(diags.n, 1);
	cr_expect_str_eq(diags.v[0].msg, "cannot read: No such file or directory");
	rule_diags_free(&diags);
	/* ...a missing operator directory is not: just the defaults. */
	struct rule_set builtin = { 0 };
	cr_expect_eq(rules_load_builtin(&builtin, NULL, &diags), 0);
	cr_expect_eq(rules_load(&set, missing, NULL, &diags), 0);
	cr_expect_eq(set.n, builtin.n);
	cr_expect_eq(diags.n, 0);
	rule_set_free(&set);
	rule_set_free(&builtin);
	free(missing);
	free(sub);
	rm_tree(dir);
	free(dir);
}

/* Defaults first; a directory rule of the same name replaces its default.
 * With no data/rules files compiled in, the directory alone counts. */
Test(rules_load, dir_replaces_builtin)
{
	struct rule_set builtin = { 0 }, set = { 0 };
	struct rule_diags diags = { 0 };
	cr_assert_eq(rules_load_builtin(&builtin, NULL, &diags), 0);
	char *dir = tmpdir_new();
	const char *same = builtin.n ? builtin.rules[0].name : "extra";
	char *text = xasprintf("[{\"name\": \"%s\", \"description\": \"override\", \"on\": \"x\","
			       " \"then\": [{\"emit\": {\"type\": \"y\"}}]}, " RULE("zz-extra") "]", same);
	write_file(dir, "over.json", text);
	cr_assert_eq(rules_load(&set, dir, NULL, &diags), 0);
	cr_expect_eq(set.n, builtin.n + (builtin.n ? 1 : 2));
	const struct rule *r = rules_find(&set, same);
	cr_assert_not_null(r);
	cr_expect_str_eq(r->description, "override");
	cr_expect(strstr(r->file, "over.json") != NULL);
	cr_expect_not_null(rules_find(&set, "zz-extra"));
	free(text);
	rule_set_free(&set);
	rule_set_free(&builtin);
	rule_diags_free(&diags);
	rm_tree(dir);
	free(dir);
}

/* --- json_pos -------------------------------------------------------------- */

Test(json_pos, lookup)
{
	static const char text[] = "{\"a\": [1, {\"b\\u00e9\": \"x\"}],\n \"c~/d\": true, \"\xc3\xa9\": 2}";
	struct json_pos *p = json_pos_scan(text, strlen(text));
	static const struct {
		const char *ptr;
		bool key;
		int line, col;
	} cases[] = {
		{ "", false, 1, 1 },
		{ "/a", false, 1, 7 },
		{ "/a", true, 1, 2 },
		{ "/a/0", false, 1, 8 },
		{ "/a/1", false, 1, 11 },
		{ "/a/1/b\xc3\xa9", false, 1, 23 },
		{ "/c~0~1d", false, 2, 10 },
		{ "/c~0~1d", true, 2, 2 },
		{ "/\xc3\xa9", false, 2, 21 },
		{ "/\xc3\xa9", true, 2, 16 },
		{ "/a/2", false, 0, 0 },
		{ "/a/01", false, 0, 0 },
		{ "/zz", false, 0, 0 },
		{ "/a/0/x", false, 0, 0 },
		{ "a", false, 0, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int line, col;
		int node = json_pos_lookup(p, cases[i].ptr);
		bool found = json_pos_where(p, node, cases[i].key, &line, &col);
		cr_expect_eq(found, cases[i].line != 0, "'%s'", cases[i].ptr);
		cr_expect(line == cases[i].line && col == cases[i].col, "'%s'%s: %d:%d, want %d:%d",
			  cases[i].ptr, cases[i].key ? " key" : "", line, col, cases[i].line,
			  cases[i].col);
	}
	json_pos_free(p);
}

Test(json_pos, malformed_text_is_safe)
{
	static const char *const texts[] = {
		"", "{", "[[[[", "{\"a\":", "\"\\u12", "}{", "]", "{\"a\" 1}", "[1,,2]",
		"{\"a\":1,}", "\"\\", "{\"\\ud800\\u", "\xff\xfe", "[\"a\nb\"]", "nul", "{{}}",
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		struct json_pos *p = json_pos_scan(texts[i], strlen(texts[i]));
		int line, col;
		json_pos_where(p, json_pos_lookup(p, "/a/0"), false, &line, &col);
		json_pos_where(p, json_pos_lookup(p, "/0/0/0"), true, &line, &col);
		json_pos_free(p);
	}
	struct json_pos *p = json_pos_scan(NULL, 5);
	cr_expect_eq(json_pos_root(p), -1);
	json_pos_free(p);
	p = json_pos_scan("[[1]] trailing", 14);
	cr_expect_eq(json_pos_lookup(p, "/0/0"), 2);
	json_pos_free(p);
}
