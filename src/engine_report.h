/* engine_report.h - the rule engine's reports, with no side effects:
 * `rules explain` and `rules backtest`. */
#ifndef ORR_ENGINE_REPORT_H
#define ORR_ENGINE_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "rc.h"
#include "rules.h"

struct store;

/* For one stored event, every rule's verdict: matched or not and, for a
 * miss, the first failing condition with actual and expected values; for a
 * match, whether it would fire or who suppresses it; plus what was recorded
 * when the event was handled.  No side effects. */
enum orr_rc engine_explain(struct store *st, const struct rule_set *rules, int64_t event_id,
			   json_t **out, char **err);

/* Replay stored events (time >= since; NULL: all) through two rule sets
 * with no side effects and report, per rule and action, the counts under
 * each and up to three example events where they differ. */
enum orr_rc engine_backtest(struct store *st, const struct rule_set *current,
			    const struct rule_set *candidate, const char *since, json_t **out,
			    char **err);

#endif
