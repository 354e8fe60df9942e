/* store_firing.h - the rule engine's records: consumer cursors and the
 * firing of every rule that matched an event. */
#ifndef ORR_STORE_FIRING_H
#define ORR_STORE_FIRING_H

#include <jansson.h>
#include <stdint.h>

#include "rc.h"

struct store;

/* The last event a consumer handled (0: none yet). */
enum orr_rc consumer_cursor(struct store *st, const char *name, int64_t *last, char **err);
/* Advance it; call inside the transaction that holds the consumer's actions. */
enum orr_rc consumer_advance(struct store *st, const char *name, int64_t last, char **err);
/* Events after the cursor: how much work the consumer has left. */
long consumer_backlog(struct store *st, const char *name);

struct firing {
	int64_t event_id;
	const char *rule, *entity;
	int64_t entity_id;
	const char *outcome;       /* fired, suppressed, failed */
	const char *suppressed_by; /* or NULL */
	const char *reason;        /* or NULL */
	const char *actions;       /* JSON array text */
};
enum orr_rc firing_record(struct store *st, const struct firing *f, int64_t now, char **err);
/* When did rule last fire for this entity at or after since (0: not),
 * leaving out the firings of event `except` (0: none)? */
int64_t firing_last(struct store *st, const char *rule, const char *entity, int64_t entity_id,
		    int64_t since, int64_t except);
/* The firings recorded for one event, as JSON objects. */
enum orr_rc firing_list(struct store *st, int64_t event_id, json_t **out, char **err);

/* Per rule that has firings: [{"rule", "fired_since" (fired at or after
 * since_ms: "today" when since is the UTC day's start), "fired",
 * "suppressed", "failed" (all time), "last_at" (when it last fired, ms, or
 * null)}], by rule name.  Counts are range counts over the firings_rule
 * index (never the table): linear in the rule's firings, about 50 ns each. */
enum orr_rc firing_rule_stats(struct store *st, int64_t since_ms, json_t **out, char **err);
/* One rule's firings, newest first, at most limit (0: all): [{"id",
 * "event_id", "at", "outcome", "suppressed_by", "reason", "actions" (JSON),
 * "entity", "entity_id"}]. */
enum orr_rc firing_list_rule(struct store *st, const char *rule, long limit, json_t **out,
			     char **err);

#endif
