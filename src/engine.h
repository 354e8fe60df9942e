/* engine.h - the rule engine: reads events in order with a durable cursor,
 * evaluates the rules, resolves conflicts (activation groups, priority,
 * inhibition) and acts: enqueue a job, open an approval, emit an event.
 * The actions, the record of every firing and the cursor's advance commit
 * in one transaction, so each event is handled exactly once. */
#ifndef ORR_ENGINE_H
#define ORR_ENGINE_H

#include <jansson.h>
#include <stdint.h>

#include "clock.h"
#include "rc.h"
#include "rules.h"

struct store;

/* The consumer name of the rule engine's cursor. */
#define ENGINE_CONSUMER "rules"
/* Events caused by events this deep are refused: a loop of rules stops. */
#define ENGINE_MAX_DEPTH 8

/* Handle up to max events after the cursor in one transaction; *handled
 * tells how many (0: caught up). */
enum orr_rc engine_step(struct store *st, const struct rule_set *rules, const struct clock *clock,
			int max, int *handled, char **err);

#endif
