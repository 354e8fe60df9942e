/* clock.h - wall-clock time in Unix milliseconds, injectable for tests.
 * Core modules never call time() themselves: they take a struct clock, so a
 * test can step time forward and check backoff or breaker schedules. */
#ifndef ORR_CLOCK_H
#define ORR_CLOCK_H

#include <stdint.h>

struct clock {
	int64_t (*now_ms)(void *ctx);
	void *ctx;
};

/* The system's real-time clock. */
extern const struct clock clock_system;

static inline int64_t clock_now(const struct clock *c)
{
	return c->now_ms(c->ctx);
}

/* "2026-11-21T09:30:00.123Z": UTC with milliseconds, so it sorts as text. */
#define CLOCK_TEXT_LEN 25
void clock_format(int64_t ms, char out[CLOCK_TEXT_LEN]);

/* Milliseconds since the epoch of a UTC text time in the forms orrery
 * writes ("...:SSZ" or "...:SS.mmmZ"); -1 when malformed. */
int64_t clock_parse(const char *text);

#endif
