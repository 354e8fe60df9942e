/* decide.c - facts of an event and conflict resolution between rules. */
#include "decide.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_event.h"
#include "store_row.h"
#include "xalloc.h"

void decide_event_copy(struct decide_event *ev, const struct event_row *row)
{
	*ev = (struct decide_event){
		.id = row->id, .entity_id = row->entity_id, .cause_id = row->cause_id,
		.depth = row->depth, .time = xstrdup(row->time), .type = xstrdup(row->type),
		.entity = xstrdup(row->entity), .payload = xstrdup(row->payload),
	};
}

void decide_event_free(struct decide_event *ev)
{
	free(ev->time);
	free(ev->type);
	free(ev->entity);
	free(ev->payload);
}

/* --- facts ----------------------------------------------------------------- */

static json_t *envelope(const struct decide_event *ev)
{
	json_t *e = json_pack("{sIsssssssI}", "id", (json_int_t)ev->id, "type", ev->type, "time",
			      ev->time, "entity", ev->entity, "depth", (json_int_t)ev->depth);
	json_object_set_new(e, "entity_id", ev->entity_id ? json_integer(ev->entity_id) : json_null());
	json_object_set_new(e, "cause_id", ev->cause_id ? json_integer(ev->cause_id) : json_null());
	return e;
}

/* A root the event's entity row points at: "product" via product_id. */
static json_t *referenced_row(struct event_facts *f, const char *root)
{
	json_t *own = f->facts.root(f, f->ev->entity);
	char *column = xasprintf("%s_id", root);
	json_t *id = json_object_get(own, column);
	free(column);
	return json_is_integer(id) ? store_row_get(f->st, root, json_integer_value(id)) : NULL;
}

static json_t *load_root(struct event_facts *f, const char *root)
{
	if (strcmp(root, "event") == 0)
		return envelope(f->ev);
	if (strcmp(root, "payload") == 0)
		return json_loads(f->ev->payload, 0, NULL);
	if (!f->st || !store_row_known(root))
		return NULL;
	if (strcmp(root, f->ev->entity) == 0)
		return f->ev->entity_id ? store_row_get(f->st, root, f->ev->entity_id) : NULL;
	return referenced_row(f, root);
}

static json_t *fact_root(void *ctx, const char *root)
{
	struct event_facts *f = ctx;
	json_t *hit = json_object_get(f->cache, root);
	if (!hit) {
		hit = load_root(f, root);
		json_object_set_new(f->cache, root, hit ? hit : json_null());
	}
	return json_is_null(hit) ? NULL : hit;
}

void event_facts_init(struct event_facts *f, struct store *st, const struct decide_event *ev)
{
	f->facts.root = fact_root;
	f->facts.ctx = f;
	f->st = st;
	f->ev = ev;
	f->cache = json_object();
}

void event_facts_free(struct event_facts *f)
{
	json_decref(f->cache);
	f->cache = NULL;
}

json_t *event_facts_snapshot(struct event_facts *f)
{
	fact_root(f, "event");
	fact_root(f, "payload");
	if (f->ev->entity && *f->ev->entity)
		fact_root(f, f->ev->entity);
	json_t *snap = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(f->cache, k, v) {
		if (!json_is_null(v))
			json_object_set(snap, k, v);
	}
	return snap;
}

/* --- conflict resolution --------------------------------------------------- */

static int by_priority(const void *a, const void *b)
{
	const struct verdict *x = a, *y = b;
	if (x->rule->priority != y->rule->priority)
		return x->rule->priority > y->rule->priority ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule; /* load order */
}

static bool inhibits(const struct rule *a, const struct rule *b)
{
	for (size_t i = 0; i < a->ninhibits; i++)
		if (strcmp(a->inhibits[i], b->name) == 0)
			return true;
	return false;
}

static void suppress(struct verdict *v, const struct rule *by, char *reason)
{
	v->fired = false;
	v->by = by;
	v->reason = reason;
}

/* Only the highest-priority match of an activation group fires. */
static void resolve_groups(struct verdict *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (!v[i].rule->group)
			continue;
		for (int j = 0; j < i; j++)
			if (v[j].fired && v[j].rule->group &&
			    strcmp(v[j].rule->group, v[i].rule->group) == 0) {
				suppress(&v[i], v[j].rule,
					 xasprintf("group %s: %s has higher priority (%d > %d)",
						   v[i].rule->group, v[j].rule->name,
						   v[j].rule->priority, v[i].rule->priority));
				break;
			}
	}
}

/* A rule that fired earlier for this entity within its window, or a
 * higher-priority rule that fires on this very event, suppresses the rules
 * it names. */
static void resolve_inhibition(const struct rule_set *rules, const struct decide_event *ev,
			       int64_t now, last_fired_fn last_fired, void *history,
			       struct verdict *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (!v[i].fired)
			continue;
		for (int j = 0; j < i && v[i].fired; j++)
			if (v[j].fired && inhibits(v[j].rule, v[i].rule))
				suppress(&v[i], v[j].rule,
					 xasprintf("inhibited by %s on the same event",
						   v[j].rule->name));
		for (size_t k = 0; k < rules->n && v[i].fired; k++) {
			const struct rule *a = &rules->rules[k];
			if (a->inhibit_window_ms <= 0 || !inhibits(a, v[i].rule))
				continue;
			int64_t at = last_fired(history, a->name, ev->entity, ev->entity_id,
						now - a->inhibit_window_ms);
			if (at > 0) {
				char when[CLOCK_TEXT_LEN];
				clock_format(at, when);
				suppress(&v[i], a,
					 xasprintf("inhibited by %s, which fired for %s %lld at %s",
						   a->name, ev->entity, (long long)ev->entity_id, when));
			}
		}
	}
}

void decide(const struct rule_set *rules, const struct decide_event *ev, const struct facts *facts,
	    int64_t now, last_fired_fn last_fired, void *history, struct verdict **out, int *n)
{
	struct verdict *v = NULL;
	int count = 0;
	for (size_t i = 0; i < rules->n; i++) {
		const struct rule *r = &rules->rules[i];
		if (!r->enabled || !rule_on_matches(r, ev->type))
			continue;
		if (r->when && !cond_eval(r->when, facts, NULL))
			continue;
		v = xrealloc(v, (size_t)(count + 1) * sizeof *v);
		v[count++] = (struct verdict){ .rule = r, .fired = true };
	}
	if (count > 1)
		qsort(v, (size_t)count, sizeof *v, by_priority);
	if (count > 0) {
		resolve_groups(v, count);
		resolve_inhibition(rules, ev, now, last_fired, history, v, count);
	}
	*out = v;
	*n = count;
}

void verdicts_free(struct verdict *v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i].reason);
	free(v);
}
