/* rule_state.h - rules switched on or off by an operator (table
 * rule_overrides).  The switch lives in the database, not in the rule
 * files: every orrery that loads the rules against this database (the
 * runner, `rules list`, `rules explain`, the console) sees the same state,
 * and the rule files stay the operator's own. */
#ifndef ORR_RULE_STATE_H
#define ORR_RULE_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rc.h"

struct store;
struct rule_set;

/* Switch one rule on or off, recording who (by) and when.  The name is not
 * checked against any rule set: callers decide what a known rule is. */
enum orr_rc rule_state_set(struct store *st, const char *rule, bool enabled, const char *by,
			   int64_t now_ms, char **err);

/* Override the `enabled` of every loaded rule that has a recorded switch.
 * Switches of rules not in the set are ignored; a database that predates
 * rule_overrides has none. */
enum orr_rc rule_state_apply(struct store *st, struct rule_set *set, char **err);

/* The rules in force, as a runner loads them: the compiled-in defaults,
 * the operator's directory dir, then the switches kept in st (NULL: none).
 * Problems in the rules are listed in diags and give ORR_DATAERR; with any
 * failure the set is freed (none of it may run) and *err says why. */
struct rule_diags;
enum orr_rc rule_state_load(struct store *st, const char *dir, struct rule_set *set,
			    struct rule_diags *diags, char **err);

/* Every recorded switch, by name: [{"name", "enabled" (bool), "changed_by",
 * "changed_at" (ms)}]. */
enum orr_rc rule_state_list(struct store *st, json_t **out, char **err);

#endif
