/* fuzz_rules.c - libFuzzer target for the rule language.
 *
 * Each input is parsed as a rule file by rules_parse (known = NULL), and
 * indexed by json_pos on its own, since json_pos must hold up on text that
 * jansson refuses.  Rules that parse are then run: conditions evaluated and
 * explained against a fixed set of facts, templates expanded.  Invariants of
 * the contract are checked, so a wrong answer aborts like a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_pos.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "fuzz_rules: check failed: %s (line %d)\n", #cond, \
				__LINE__);                                             \
			abort();                                                       \
		}                                                                      \
	} while (0)

static const char FACTS[] =
	"{\"payload\": {\"total_minor\": 5400, \"price\": 19.5, \"name\": \"Blue Tee\","
	" \"tags\": [\"sale\", \"new\"], \"customer_key\": null, \"lines\": [{\"sku\": \"A\"}]},"
	" \"customer\": {\"country\": \"DE\"}, \"event\": {\"id\": 42, \"type\": \"order.created\"}}";

static json_t *facts_doc;

static json_t *root_of(void *ctx, const char *root)
{
	return json_object_get(ctx, root);
}

/* json_pos alone, on whatever bytes came in. */
static void fuzz_pos(const uint8_t *data, size_t size)
{
	static const char *const ptrs[] = { "", "/0", "/name", "/then/0/enqueue/kind", "/0/0/0",
		"/when/all/1/any/0/value", "/a~1b/~0" };
	struct json_pos *p = json_pos_scan((const char *)data, size);
	for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) {
		int line, col;
		int node = json_pos_lookup(p, ptrs[i]);
		if (json_pos_where(p, node, i & 1, &line, &col))
			CHECK(line >= 1 && col >= 1);
		json_pos_where(p, json_pos_element(p, node, i), false, &line, &col);
	}
	json_pos_free(p);
}

static void check_expand(const json_t *tmpl, const struct facts *f)
{
	char *err = NULL;
	json_t *out = tmpl_expand(tmpl, f, &err);
	CHECK((out == NULL) == (err != NULL));
	json_decref(out);
	free(err);
}

static void check_string(const char *tmpl, const struct facts *f)
{
	char *err = NULL;
	char *out = tmpl ? tmpl_expand_string(tmpl, f, &err) : NULL;
	CHECK(!tmpl || (out == NULL) == (err != NULL));
	free(out);
	free(err);
}

/* Evaluate and explain a condition; a miss comes exactly with false. */
static void check_cond(const struct cond *c, const struct facts *f)
{
	struct rule_miss m;
	bool ok = cond_eval(c, f, &m);
	CHECK(ok == (m.where == NULL));
	CHECK(cond_eval(c, f, NULL) == ok);
	char *s = rule_miss_describe(&m);
	CHECK(s != NULL);
	free(s);
	rule_miss_clear(&m);
}

static void run_rule(const struct rule *r, const struct facts *f)
{
	CHECK(r->name && r->on && r->nactions > 0 && r->file);
	rule_on_matches(r, "order.created");
	check_cond(r->when, f);
	for (size_t i = 0; i < r->nactions; i++) {
		const struct rule_action *a = &r->actions[i];
		CHECK(a->args && a->emit_payload);
		CHECK(a->kind == ACTION_ENQUEUE ? a->job_kind != NULL : a->emit_type != NULL);
		check_expand(a->args, f);
		check_expand(a->emit_payload, f);
		check_string(a->key, f);
		check_string(a->approval_reason, f);
		check_cond(a->approval_when, f);
		CHECK(!a->needs_approval || a->approval_reason);
		CHECK(a->delay_ms >= 0 && a->approval_expires_ms >= 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!facts_doc)
		facts_doc = json_loads(FACTS, 0, NULL);
	struct facts f = { .root = root_of, .ctx = facts_doc };
	struct rule_set set = { 0 };
	struct rule_diags diags = { 0 };

	fuzz_pos(data, size);
	size_t n = rules_parse(&set, "fuzz.json", (const char *)data, size, NULL, &diags);
	/* Problems are all reported (up to a cap) and refuse the whole file. */
	CHECK(n == 0 ? diags.n == 0 : diags.n >= 1 && set.n == 0);
	for (size_t i = 0; i < diags.n; i++)
		CHECK(diags.v[i].msg && diags.v[i].line >= 0 && diags.v[i].col >= 0);
	for (size_t i = 0; i < set.n; i++)
		run_rule(&set.rules[i], &f);
	rule_set_free(&set);
	rule_diags_free(&diags);
	return 0;
}
