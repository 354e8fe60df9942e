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

static json_t *proposed_job(const struct firing_run *fr, const struct rule_action *a,
			    json_t *args, const char *key)
{
	json_t *j = json_pack("{sssOsisIsi}", "kind", a->job_kind, "args", args, "priority",
			      a->priority, "delay_ms", (json_int_t)a->delay_ms, "max_attempts",
			      a->max_attempts);
	json_object_set_new(j, "key", key ? json_string(key) : json_null());
	json_object_set_new(j, "rule", json_string(fr->rule->name));
	return j;
}

static enum orr_rc open_approval(struct firing_run *fr, const struct rule_action *a, json_t *job,
				 char **err)
{
	char *reason = tmpl_expand_string(a->approval_reason, &fr->facts->facts, &fr->why);
	if (!reason)
		return ORR_OK;
	json_t *facts = event_facts_snapshot(fr->facts);
	char *facts_text = json_dumps(facts, JSON_COMPACT);
	char *action_text = json_dumps(job, JSON_COMPACT);
	struct approval_new ap = {
		.rule = fr->rule->name, .event_id = fr->ev->id, .entity = fr->ev->entity,
		.entity_id = fr->ev->entity_id, .facts = facts_text, .action = action_text,
		.reason = reason,
		.expires_at = a->approval_expires_ms ? fr->now + a->approval_expires_ms : 0,
	};
	int64_t id = 0;
	enum orr_rc rc = approval_create(fr->st, &ap, fr->now, &id, err);
	if (rc == ORR_OK)
		json_array_append_new(fr->log, json_pack("{sIss}", "approval", (json_int_t)id,
							 "kind", a->job_kind));
	free(reason);
	free(facts_text);
	free(action_text);
	json_decref(facts);
	return rc;
}

static enum orr_rc enqueue_now(struct firing_run *fr, const struct rule_action *a, json_t *args,
			       const char *key, char **err)
{
	char *args_text = json_dumps(args, JSON_COMPACT);
	struct job_spec spec = {
		.kind = a->job_kind, .args = args_text, .key = key, .priority = a->priority,
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

static bool approval_needed(const struct rule_action *a, const struct facts *facts)
{
	return a->needs_approval && (!a->approval_when || cond_eval(a->approval_when, facts, NULL));
}

static enum orr_rc act_enqueue(struct firing_run *fr, const struct rule_action *a, char **err)
{
	json_t *args = tmpl_expand(a->args, &fr->facts->facts, &fr->why);
	char *key = NULL;
	if (args && a->key)
		key = tmpl_expand_string(a->key, &fr->facts->facts, &fr->why);
	enum orr_rc rc = ORR_OK;
	if (args && (key || !a->key)) {
		if (approval_needed(a, &fr->facts->facts)) {
			json_t *job = proposed_job(fr, a, args, key);
			rc = open_approval(fr, a, job, err);
			json_decref(job);
		} else {
			rc = enqueue_now(fr, a, args, key, err);
		}
	}
	json_decref(args);
	free(key);
	return rc;
}

static enum orr_rc act_emit(struct firing_run *fr, const struct rule_action *a, char **err)
{
	json_t *payload = tmpl_expand(a->emit_payload, &fr->facts->facts, &fr->why);
	if (!payload)
		return ORR_OK;
	char *text = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	struct event_new ev = { .type = a->emit_type, .entity = fr->ev->entity,
				.entity_id = fr->ev->entity_id, .payload = text,
				.cause_id = fr->ev->id, .depth = fr->ev->depth + 1 };
	int64_t id = 0;
	enum orr_rc rc = event_append(fr->st, &ev, fr->now, &id, err);
	if (rc == ORR_OK)
		json_array_append_new(fr->log, json_pack("{sssI}", "emit", a->emit_type, "event_id",
							 (json_int_t)id));
	free(text);
	return rc;
}

static enum orr_rc run_actions(struct firing_run *fr, char **err)
{
	if (fr->ev->depth >= ENGINE_MAX_DEPTH) {
		fr->why = xasprintf("event %lld is %d causes deep (limit %d): a loop of rules?",
				    (long long)fr->ev->id, fr->ev->depth, ENGINE_MAX_DEPTH);
		return ORR_OK;
	}
	enum orr_rc rc = ORR_OK;
	for (size_t i = 0; i < fr->rule->nactions && rc == ORR_OK && !fr->why; i++) {
		const struct rule_action *a = &fr->rule->actions[i];
		rc = a->kind == ACTION_ENQUEUE ? act_enqueue(fr, a, err) : act_emit(fr, a, err);
	}
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

/* Fire one verdict inside a savepoint: a firing whose actions cannot be
 * built (a template names a missing fact) leaves nothing half-done. */
static enum orr_rc fire(struct firing_run *fr, const struct verdict *v, char **err)
{
	enum orr_rc rc = store_exec(fr->st, "SAVEPOINT firing", err);
	if (rc == ORR_OK && v->fired)
		rc = run_actions(fr, err);
	if (rc == ORR_OK && fr->why) {
		rc = store_exec(fr->st, "ROLLBACK TO firing", err);
		json_array_clear(fr->log);
	}
	if (rc == ORR_OK)
		rc = record(fr, v, err);
	if (rc == ORR_OK)
		rc = store_exec(fr->st, "RELEASE firing", err);
	return rc;
}

static int64_t stored_last_fired(void *ctx, const char *rule, const char *entity,
				 int64_t entity_id, int64_t since)
{
	return firing_last(ctx, rule, entity, entity_id, since, 0);
}

static enum orr_rc handle_event(struct store *st, const struct rule_set *rules,
				const struct decide_event *ev, int64_t now, char **err)
{
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
