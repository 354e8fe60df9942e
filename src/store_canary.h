/* store_canary.h - canary_runs: one row per system.canary execution. */
#ifndef ORR_STORE_CANARY_H
#define ORR_STORE_CANARY_H

#include <stdint.h>

#include "rc.h"

struct store;

struct canary_run {
	int64_t job_id;
	const char *key; /* may be NULL */
	int attempt;
	int64_t ms;
	int64_t ran_at;
};
enum orr_rc canary_record(struct store *st, const struct canary_run *r, char **err);

#endif
