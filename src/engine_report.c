/* engine_report.c - explain one event; backtest candidate rules. */
#include "engine_report.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "decide.h"
#include "store_event.h"
#include "store_firing.h"
#include "xalloc.h"

/* --- loading events -------------------------------------------------------- */

struct page {
	struct decide_event *v;
	int n;
	const char *since; /* keep events at or after this time; NULL: all */
};

static void page_add(void *ctx, const struct event_row *row)
{
	struct page *p = ctx;
	p->v = xrealloc(p->v, (size_t)(p->n + 1) * sizeof *p->v);
	decide_event_copy(&p->v[p->n], row);
	p->v[p->n++].time_ms = clock_parse(row->time);
}

static void page_clear(struct page *p)
{
	for (int i = 0; i < p->n; i++)
		decide_event_free(&p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* --- explain --------------------------------------------------------------- */

struct stored_history {
	struct store *st;
	int64_t except;
};

static int64_t history_before(void *ctx, const char *rule, const char *entity, int64_t entity_id,
			      int64_t since)
{
	const struct stored_history *h = ctx;
	return firing_last(h->st, rule, entity, entity_id, since, h->except);
}

static json_t *miss_json(const struct rule_miss *m)
{
	char *text = rule_miss_describe(m);
	json_t *j = json_pack("{sssssssOsOss}", "where", m->where ? m->where : "", "fact",
			      m->fact ? m->fact : "", "op", m->op ? m->op : "", "expected",
			      m->expected ? m->expected : json_null(), "actual",
			      m->actual ? m->actual : json_null(), "text", text);
	free(text);
	return j;
}

static const struct verdict *verdict_of(const struct verdict *v, int n, const struct rule *r)
{
	for (int i = 0; i < n; i++)
		if (v[i].rule == r)
			return &v[i];
	return NULL;
}

static json_t *explain_rule(const struct rule *r, const struct decide_event *ev,
			    const struct facts *facts, const struct verdict *v)
{
	json_t *j = json_pack("{sssisb}", "rule", r->name, "priority", r->priority, "enabled",
			      r->enabled);
	json_object_set_new(j, "group", r->group ? json_string(r->group) : json_null());
	const char *verdict = "fires";
	if (!rule_on_matches(r, ev->type)) {
		verdict = "not for this event type";
	} else if (v) {
		if (!v->fired) {
			verdict = "suppressed";
			json_object_set_new(j, "suppressed_by", json_string(v->by->name));
			json_object_set_new(j, "reason", json_string(v->reason));
		}
	} else {
		struct rule_miss miss = { 0 };
		if (r->when && !cond_eval(r->when, facts, &miss)) {
			verdict = "no match";
			json_object_set_new(j, "miss", miss_json(&miss));
		} else {
			verdict = "disabled";
		}
		rule_miss_clear(&miss);
	}
	json_object_set_new(j, "verdict", json_string(verdict));
	return j;
}

static json_t *explain_event(struct store *st, const struct rule_set *rules,
			     const struct decide_event *ev)
{
	struct event_facts facts;
	event_facts_init(&facts, st, ev);
	struct stored_history h = { st, ev->id };
	struct verdict *v;
	int n;
	decide(rules, ev, &facts.facts, ev->time_ms, history_before, &h, &v, &n);
	json_t *list = json_array();
	for (size_t i = 0; i < rules->n; i++)
		json_array_append_new(list, explain_rule(&rules->rules[i], ev, &facts.facts,
							 verdict_of(v, n, &rules->rules[i])));
	verdicts_free(v, n);
	event_facts_free(&facts);
	return list;
}

enum orr_rc engine_explain(struct store *st, const struct rule_set *rules, int64_t event_id,
			   json_t **out, char **err)
{
	struct page p = { 0 };
	enum orr_rc rc = event_list(st, NULL, event_id - 1, 1, page_add, &p, err);
	if (rc == ORR_OK && (p.n == 0 || p.v[0].id != event_id)) {
		*err = xasprintf("no event %lld", (long long)event_id);
		rc = ORR_NOINPUT;
	}
	json_t *recorded = NULL;
	if (rc == ORR_OK)
		rc = firing_list(st, event_id, &recorded, err);
	if (rc == ORR_OK) {
		const struct decide_event *ev = &p.v[0];
		*out = json_pack("{s{sIsssssssI}soso}", "event", "id", (json_int_t)ev->id, "type",
				 ev->type, "time", ev->time, "entity", ev->entity, "entity_id",
				 (json_int_t)ev->entity_id, "rules", explain_event(st, rules, ev),
				 "recorded", recorded);
	}
	page_clear(&p);
	return rc;
}

/* --- backtest -------------------------------------------------------------- */

/* Replayed firings: "rule\x1f entity\x1f id" -> last time, per rule set. */
static char *history_key(const char *rule, const char *entity, int64_t entity_id)
{
	return xasprintf("%s\x1f%s\x1f%lld", rule, entity ? entity : "", (long long)entity_id);
}

static int64_t replay_last_fired(void *ctx, const char *rule, const char *entity,
				 int64_t entity_id, int64_t since)
{
	char *key = history_key(rule, entity, entity_id);
	json_int_t at = json_integer_value(json_object_get(ctx, key));
	free(key);
	return at >= since ? at : 0;
}

/* The actions a fired rule takes, as labels: "enqueue system.canary",
 * "approval manual.task", "emit product.flagged". */
static void action_labels(const struct rule *r, const struct facts *facts, json_t *into)
{
	for (size_t i = 0; i < r->nactions; i++) {
		const struct rule_action *a = &r->actions[i];
		char *label;
		if (a->kind == ACTION_EMIT)
			label = xasprintf("%s\temit %s", r->name, a->emit_type);
		else if (a->needs_approval &&
			 (!a->approval_when || cond_eval(a->approval_when, facts, NULL)))
			label = xasprintf("%s\tapproval %s", r->name, a->job_kind);
		else
			label = xasprintf("%s\tenqueue %s", r->name, a->job_kind);
		json_object_set_new(into, label, json_true());
		free(label);
	}
}

/* What one rule set does with ev: labels of the actions it takes. */
static json_t *replay(const struct rule_set *rules, const struct decide_event *ev,
		      const struct facts *facts, json_t *history)
{
	struct verdict *v;
	int n;
	decide(rules, ev, facts, ev->time_ms, replay_last_fired, history, &v, &n);
	json_t *labels = json_object();
	for (int i = 0; i < n; i++) {
		if (!v[i].fired)
			continue;
		action_labels(v[i].rule, facts, labels);
		char *key = history_key(v[i].rule->name, ev->entity, ev->entity_id);
		json_object_set_new(history, key, json_integer(ev->time_ms));
		free(key);
	}
	verdicts_free(v, n);
	return labels;
}

struct tally {
	json_t *rows;       /* label -> {rule, action, current, candidate, examples} */
	json_t *hist_cur, *hist_cand;
	long events;
};

static json_t *tally_row(struct tally *t, const char *label)
{
	json_t *row = json_object_get(t->rows, label);
	if (row)
		return row;
	const char *tab = strchr(label, '\t');
	char *rule = xstrndup(label, (size_t)(tab - label));
	row = json_pack("{sssssisisisi}", "rule", rule, "action", tab + 1, "current", 0,
			"candidate", 0, "only_current", 0, "only_candidate", 0);
	json_object_set_new(row, "examples", json_array());
	json_object_set_new(t->rows, label, row);
	free(rule);
	return row;
}

static void bump(json_t *row, const char *field)
{
	json_object_set_new(row, field, json_integer(json_integer_value(json_object_get(row, field)) + 1));
}

/* Count each side's actions; where the sides differ, keep an example. */
static void tally_event(struct tally *t, const struct decide_event *ev, json_t *cur, json_t *cand)
{
	const char *label;
	json_t *unused;
	json_object_foreach(cur, label, unused) {
		json_t *row = tally_row(t, label);
		bump(row, "current");
		if (!json_object_get(cand, label)) {
			bump(row, "only_current");
			if (json_array_size(json_object_get(row, "examples")) < 3)
				json_array_append_new(json_object_get(row, "examples"), json_integer(ev->id));
		}
	}
	json_object_foreach(cand, label, unused) {
		json_t *row = tally_row(t, label);
		bump(row, "candidate");
		if (!json_object_get(cur, label)) {
			bump(row, "only_candidate");
			if (json_array_size(json_object_get(row, "examples")) < 3)
				json_array_append_new(json_object_get(row, "examples"), json_integer(ev->id));
		}
	}
}

static void backtest_event(struct store *st, const struct rule_set *current,
			   const struct rule_set *candidate, const struct decide_event *ev,
			   struct tally *t)
{
	struct event_facts facts;
	event_facts_init(&facts, st, ev);
	json_t *cur = replay(current, ev, &facts.facts, t->hist_cur);
	json_t *cand = replay(candidate, ev, &facts.facts, t->hist_cand);
	tally_event(t, ev, cur, cand);
	json_decref(cur);
	json_decref(cand);
	event_facts_free(&facts);
	t->events++;
}

static json_t *backtest_result(struct tally *t, const char *since)
{
	json_t *changed = json_array(), *same = json_array();
	const char *label;
	json_t *row;
	json_object_foreach(t->rows, label, row) {
		bool differs = json_integer_value(json_object_get(row, "only_current")) ||
			       json_integer_value(json_object_get(row, "only_candidate"));
		json_array_append(differs ? changed : same, row);
	}
	return json_pack("{sIsososo}", "events", (json_int_t)t->events, "since",
			 since ? json_string(since) : json_null(), "changed", changed, "unchanged",
			 same);
}

enum orr_rc engine_backtest(struct store *st, const struct rule_set *current,
			    const struct rule_set *candidate, const char *since, json_t **out,
			    char **err)
{
	struct tally t = { .rows = json_object(), .hist_cur = json_object(),
			   .hist_cand = json_object() };
	int64_t after = 0;
	enum orr_rc rc = ORR_OK;
	for (;;) {
		struct page p = { 0 };
		rc = event_list(st, NULL, after, 1000, page_add, &p, err);
		for (int i = 0; rc == ORR_OK && i < p.n; i++)
			if (!since || strcmp(p.v[i].time, since) >= 0)
				backtest_event(st, current, candidate, &p.v[i], &t);
		int n = p.n;
		if (n > 0)
			after = p.v[n - 1].id;
		page_clear(&p);
		if (rc != ORR_OK || n < 1000)
			break;
	}
	if (rc == ORR_OK)
		*out = backtest_result(&t, since);
	json_decref(t.rows);
	json_decref(t.hist_cur);
	json_decref(t.hist_cand);
	return rc;
}
