/* store_subsys.h - the stored state of each subsystem: paused by an
 * operator or not, and its circuit breaker. */
#ifndef ORR_STORE_SUBSYS_H
#define ORR_STORE_SUBSYS_H

#include <stdbool.h>
#include <stdint.h>

#include "rc.h"
#include "retry.h"

struct store;

struct subsys_state {
	const char *name; /* a registry name: static storage */
	bool paused;
	struct breaker breaker;
	int64_t changed_at;
};

/* The state of a subsystem; one never stored is running with a closed breaker. */
enum orr_rc subsys_state_load(struct store *st, const char *name, struct subsys_state *out,
			      char **err);
enum orr_rc subsys_state_save(struct store *st, const struct subsys_state *s, int64_t now,
			      char **err);
/* Pause or resume: one UPDATE, so it is safe against a racing worker. */
enum orr_rc subsys_set_paused(struct store *st, const char *name, bool paused, int64_t now,
			      char **err);

#endif
