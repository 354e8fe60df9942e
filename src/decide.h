/* decide.h - which rules fire for one event: facts from the event and its
 * entity, conditions, then conflict resolution.  Shared by the live engine,
 * `rules explain` and `rules backtest`, so all three decide the same way. */
#ifndef ORR_DECIDE_H
#define ORR_DECIDE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rules.h"

struct store;

/* An event, owned (copied out of the row that was read). */
struct decide_event {
	int64_t id, entity_id, cause_id;
	int64_t time_ms; /* parsed from time only where needed (replays) */
	int depth;
	char *time, *type, *entity, *payload;
};
struct event_row;
void decide_event_copy(struct decide_event *ev, const struct event_row *row);
void decide_event_free(struct decide_event *ev);

/* Facts of one event: roots "event" (id, type, time, entity, entity_id,
 * depth), "payload", the event's entity by name ("product"), and any
 * entity the row refers to by <name>_id ("product" for a variant).  Rows
 * are read lazily, once per event. */
struct event_facts {
	struct facts facts;
	struct store *st;
	const struct decide_event *ev;
	json_t *cache;
};
void event_facts_init(struct event_facts *f, struct store *st, const struct decide_event *ev);
void event_facts_free(struct event_facts *f);
/* The roots a rule saw, for an approval's context. */
json_t *event_facts_snapshot(struct event_facts *f);

/* When did rule last fire for this entity, at or after since?  0: never. */
typedef int64_t (*last_fired_fn)(void *ctx, const char *rule, const char *entity,
				 int64_t entity_id, int64_t since);

struct verdict {
	const struct rule *rule;
	bool fired;
	const struct rule *by; /* the rule that suppressed it */
	char *reason;          /* why suppressed */
};

/* The rules matching ev (enabled, `on` matches, `when` holds), highest
 * priority first, each fired or suppressed.  *out is an array of *n
 * verdicts; free with verdicts_free. */
void decide(const struct rule_set *rules, const struct decide_event *ev, const struct facts *facts,
	    int64_t now, last_fired_fn last_fired, void *history, struct verdict **out, int *n);
void verdicts_free(struct verdict *v, int n);

#endif
