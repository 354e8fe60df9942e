/* engine.c - the rule engine's consumer loop and its actions. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "jobs.h"
#include "store.h"
#include "store_approval.h"
#include "store_event.h"
#include "store_firing.h"
#include "xalloc.h"

/* --- reading a batch of events --------------------------------------------- */

struct batch {
	struct decide_event *v;
	int n, cap;
};

static void batch_add(void *ctx, const struct event_row *row)
{
	struct batch *b = ctx;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = xrealloc(b->v, (size_t)b->cap * sizeof *b->v);
	}
	decide_event_copy(&b->v[b->n++], row);
}

static void batch_free(struct batch *b)
{
	for (int i = 0; i < b->n; i++)
		decide_event_free(&b->v[i]);
	free(b->v);
}

/* --- actions --------------------------------------------------------------- */

/* What one firing did, and why it could not, for the firings record. */
struct firing_run {
	struct store *st;
	const struct decide_event *ev;
	struct event_facts *facts;
	const struct rule *rule;
	int64_t now;
	json_t *log;  /* array of what each action did */
	char *why;    /* set when an action could not be built: the firing fails */
};

/* One action with its templates expanded: built before anything is
 * written, so a firing that cannot be built leaves nothing half-done. */
struct built_action {
	const struct rule_action *a;
	json_t *args;    /* enqueue */
	char *key;
	bool gated;      /* waits for an approval */
	char *reason;
	json_t *payload; /* emit */
};

static void built_free(struct built_action *b)
{
	json_decref(b->args);
	json_decref(b->payload);
	free(b->key);
	free(b->reason);
}

static bool build_enqueue(struct firing_run *fr, const struct rule_action *a,
			  struct built_action *b)
{
	const struct facts *facts = &fr->facts->facts;
	b->args = tmpl_expand(a->args, facts, &fr->why);
	if (!b->args)
		return false;
	if (a->key && !(b->key = tmpl_expand_string(a->key, facts, &fr->why)))
		return false;
	b->gated = a->needs_approval && (!a->approval_when || cond_eval(a->approval_when, facts, NULL));
	return !b->gated || (b->reason = tmpl_expand_string(a->approval_reason, facts, &fr->why));
}

static bool build_action(struct firing_run *fr, const struct rule_action *a,
			 struct built_action *b)
{
	*b = (struct built_action){ .a = a };
	if (a->kind == ACTION_ENQUEUE)
		return build_enqueue(fr, a, b);
	b->payload = tmpl_expand(a->emit_payload, &fr->facts->facts, &fr->why);
	return b->payload != NULL;
}

static json_t *proposed_job(const struct firing_run *fr, const struct built_action *b)
{
	const struct rule_action *a = b->a;
	json_t *j = json_pack("{sssOsisIsi}", "kind", a->job_kind, "args", b->args, "priority",
			      a->priority, "delay_ms", (json_int_t)a->delay_ms, "max_attempts",
			      a->max_attempts);
	json_object_set_new(j, "key", b->key ? json_string(b->key) : json_null());
	json_object_set_new(j, "rule", json_string(fr->rule->name));
	return j;
}

static enum orr_rc open_approval(struct firing_run *fr, const struct built_action *b, char **err)
{
	json_t *job = proposed_job(fr, b);
	json_t *facts = event_facts_snapshot(fr->facts);
	char *facts_text = json_dumps(facts, JSON_COMPACT);
	char *action_text = json_dumps(job, JSON_COMPACT);
	int64_t expires = b->a->approval_expires_ms;
	struct approval_new ap = {
		.rule = fr->rule->name, .event_id = fr->ev->id, .entity = fr->ev->entity,
		.entity_id = fr->ev->entity_id, .facts = facts_text, .action = action_text,
		.reason = b->reason, .expires_at = expires ? fr->now + expires : 0,
	};
	int64_t id = 0;
	enum orr_rc rc = approval_create(fr->st, &ap, fr->now, &id, err);
	if (rc == ORR_OK)
		json_array_append_new(fr->log, json_pack("{sIss}", "approval", (json_int_t)id,
							 "kind", b->a->job_kind));
	free(facts_text);
	free(action_text);
	json_decref(facts);
	json_decref(job);
	return rc;
}

static enum orr_rc enqueue_now(struct firing_run *fr, const struct built_action *b, char **err)
{
	const struct rule_action *a = b->a;
	char *args_text = json_dumps(b->args, JSON_COMPACT);
	struct job_spec spec = {
		.kind = a->job_kind, .args = args_text, .args_checked = true, .key = b->key,
		.priority = a->priority,
		.run_after = a->delay_ms ? fr->now + a->delay_ms : 0, .max_attempts = a->max_attempts,
		.entity = *fr->ev->entity ? fr->ev->entity : NULL, .entity_id = fr->ev->entity_id,
		.event_id = fr->ev->id, .depth = fr->ev->depth, .rule = fr->rule->name,
	};
	int64_t id = 0;
	bool existed = false;
	enum orr_rc rc = jobs_enqueue(fr->st, &spec, fr->now, &id, &existed, err);
	if (rc == ORR_OK)
		json_array_append_new(fr->log, json_pack("{sssIsb}", "enqueue", a->job_kind, "job_id",
							 (json_int_t)id, "existed", existed));
	free(args_text);
	return rc;
}

static enum orr_rc emit_now(struct firing_run *fr, const struct built_action *b, char **err)
{
	char *text = json_dumps(b->payload, JSON_COMPACT);
	struct event_new ev = { .type = b->a->emit_type, .entity = fr->ev->entity,
				.entity_id = fr->ev->entity_id, .payload = text,
				.cause_id = fr->ev->id, .depth = fr->ev->depth + 1 };
	int64_t id = 0;
	enum orr_rc rc = event_append(fr->st, &ev, fr->now, &id, err);
	if (rc == ORR_OK)
		json_array_append_new(fr->log, json_pack("{sssI}", "emit", b->a->emit_type, "event_id",
							 (json_int_t)id));
	free(text);
	return rc;
}

static enum orr_rc write_action(struct firing_run *fr, const struct built_action *b, char **err)
{
	if (b->a->kind == ACTION_EMIT)
		return emit_now(fr, b, err);
	return b->gated ? open_approval(fr, b, err) : enqueue_now(fr, b, err);
}

/* Build every action, then write them: a template that names a missing
 * fact fails the firing before anything is written. */
static enum orr_rc run_actions(struct firing_run *fr, char **err)
{
	if (fr->ev->depth >= ENGINE_MAX_DEPTH) {
		fr->why = xasprintf("event %lld is %d causes deep (limit %d): a loop of rules?",
				    (long long)fr->ev->id, fr->ev->depth, ENGINE_MAX_DEPTH);
		return ORR_OK;
	}
	size_t n = fr->rule->nactions, built = 0;
	struct built_action *b = xcalloc(n ? n : 1, sizeof *b);
	while (built < n && build_action(fr, &fr->rule->actions[built], &b[built]))
		built++;
	enum orr_rc rc = ORR_OK;
	for (size_t i = 0; built == n && i < n && rc == ORR_OK; i++)
		rc = write_action(fr, &b[i], err);
	for (size_t i = 0; i <= built && i < n; i++)
		built_free(&b[i]);
	free(b);
	return rc;
}

/* --- one event ------------------------------------------------------------- */

static enum orr_rc record(struct firing_run *fr, const struct verdict *v, char **err)
{
	char *actions = json_dumps(fr->log, JSON_COMPACT);
	struct firing f = {
		.event_id = fr->ev->id, .rule = v->rule->name, .entity = fr->ev->entity,
		.entity_id = fr->ev->entity_id,
		.outcome = !v->fired ? "suppressed" : fr->why ? "failed" : "fired",
		.suppressed_by = v->by ? v->by->name : NULL,
		.reason = v->fired ? fr->why : v->reason, .actions = actions,
	};
	enum orr_rc rc = firing_record(fr->st, &f, fr->now, err);
	free(actions);
	return rc;
}

/* Act on one verdict and record it.  A database error aborts the whole
 * batch's transaction, so no firing is ever half-recorded. */
static enum orr_rc fire(struct firing_run *fr, const struct verdict *v, char **err)
{
	enum orr_rc rc = v->fired ? run_actions(fr, err) : ORR_OK;
	return rc == ORR_OK ? record(fr, v, err) : rc;
}

static int64_t stored_last_fired(void *ctx, const char *rule, const char *entity,
				 int64_t entity_id, int64_t since)
{
	return firing_last(ctx, rule, entity, entity_id, since, 0);
}

/* Most events (a job's result, say) interest no rule: skip them before
 * building any facts. */
static bool any_rule_for(const struct rule_set *rules, const char *type)
{
	for (size_t i = 0; i < rules->n; i++)
		if (rules->rules[i].enabled && rule_on_matches(&rules->rules[i], type))
			return true;
	return false;
}

static enum orr_rc handle_event(struct store *st, const struct rule_set *rules,
				const struct decide_event *ev, int64_t now, char **err)
{
	if (!any_rule_for(rules, ev->type))
		return ORR_OK;
	struct event_facts facts;
	event_facts_init(&facts, st, ev);
	struct verdict *v;
	int n;
	decide(rules, ev, &facts.facts, now, stored_last_fired, st, &v, &n);
	enum orr_rc rc = ORR_OK;
	for (int i = 0; i < n && rc == ORR_OK; i++) {
		struct firing_run fr = { .st = st, .ev = ev, .facts = &facts, .rule = v[i].rule,
					 .now = now, .log = json_array() };
		rc = fire(&fr, &v[i], err);
		json_decref(fr.log);
		free(fr.why);
	}
	verdicts_free(v, n);
	event_facts_free(&facts);
	return rc;
}

static enum orr_rc step_in_tx(struct store *st, const struct rule_set *rules,
			      const struct clock *clock, int max, int *handled, char **err)
{
	int64_t cursor;
	enum orr_rc rc = consumer_cursor(st, ENGINE_CONSUMER, &cursor, err);
	struct batch b = { 0 };
	if (rc == ORR_OK)
		rc = event_list(st, NULL, cursor, max, batch_add, &b, err);
	int64_t now = clock_now(clock);
	for (int i = 0; i < b.n && rc == ORR_OK; i++)
		rc = handle_event(st, rules, &b.v[i], now, err);
	if (rc == ORR_OK && b.n > 0)
		rc = consumer_advance(st, ENGINE_CONSUMER, b.v[b.n - 1].id, err);
	*handled = rc == ORR_OK ? b.n : 0;
	batch_free(&b);
	return rc;
}

enum orr_rc engine_step(struct store *st, const struct rule_set *rules, const struct clock *clock,
			int max, int *handled, char **err)
{
	*handled = 0;
	enum orr_rc rc = store_begin(st, err);
	if (rc != ORR_OK)
		return rc;
	rc = step_in_tx(st, rules, clock, max, handled, err);
	if (rc == ORR_OK && *handled == 0) {
		store_rollback(st); /* nothing to write: let go of the lock */
		return ORR_OK;
	}
	if (rc == ORR_OK)
		rc = store_commit(st, err);
	if (rc != ORR_OK) {
		store_rollback(st);
		*handled = 0;
	}
	return rc;
}
