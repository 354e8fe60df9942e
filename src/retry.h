/* retry.h - retry schedules and circuit breakers: pure state machines with
 * time passed in, so tests drive them with an injected clock. */
#ifndef ORR_RETRY_H
#define ORR_RETRY_H

#include <stdbool.h>
#include <stdint.h>

struct retry_policy {
	int max_attempts;  /* attempts in all, the first included */
	int64_t base_ms;   /* the first retry waits up to this */
	int64_t cap_ms;    /* no wait is longer than this */
};

/* The wait before the retry that follows failed attempt number `attempt`
 * (1-based): exponential backoff with full jitter, a uniformly random wait
 * in [0, min(cap, base * 2^(attempt-1))].  rnd is any 64-bit random value. */
int64_t retry_backoff_ms(const struct retry_policy *p, int attempt, uint64_t rnd);

/* A fast, seedable random source (splitmix64). */
uint64_t retry_random(uint64_t *state);

struct breaker_policy {
	int consecutive;     /* this many failures in a row open it */
	int window_min;      /* ... or, with at least this many calls in a window, */
	int ratio_pct;       /* ... this share of failures */
	int64_t window_ms;
	int64_t cooldown_ms; /* open this long, then one trial (half-open) */
};

enum breaker_state { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN };

struct breaker {
	enum breaker_state state;
	int consecutive;
	int64_t window_start;
	int window_calls, window_failures;
	int64_t opened_at;
	int64_t trial_job; /* the job let through when half-open; 0: none yet */
};

const char *breaker_state_name(enum breaker_state s);
bool breaker_state_parse(const char *name, enum breaker_state *s);

/* Move an open breaker to half-open once its cool-down has passed.
 * Returns true when the state changed. */
bool breaker_tick(struct breaker *b, const struct breaker_policy *p, int64_t now);
/* May a job of this subsystem start now?  Half-open lets exactly one
 * trial through (recorded when the caller claims it). */
bool breaker_allows(const struct breaker *b);
/* Record one finished attempt.  Returns true when the state changed. */
bool breaker_record(struct breaker *b, const struct breaker_policy *p, bool ok, int64_t now);

#endif
