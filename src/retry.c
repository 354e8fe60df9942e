/* retry.c - backoff with full jitter and the circuit breaker. */
#include "retry.h"

#include <string.h>

int64_t retry_backoff_ms(const struct retry_policy *p, int attempt, uint64_t rnd)
{
	int64_t ceiling = p->base_ms;
	for (int i = 1; i < attempt && ceiling < p->cap_ms; i++)
		ceiling *= 2;
	if (ceiling > p->cap_ms)
		ceiling = p->cap_ms;
	if (ceiling <= 0)
		return 0;
	return (int64_t)(rnd % (uint64_t)(ceiling + 1));
}

uint64_t retry_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static const char *const breaker_names[] = { "closed", "open", "half_open" };

const char *breaker_state_name(enum breaker_state s)
{
	return breaker_names[s];
}

bool breaker_state_parse(const char *name, enum breaker_state *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, breaker_names[i]) == 0) {
			*s = (enum breaker_state)i;
			return true;
		}
	return false;
}

bool breaker_tick(struct breaker *b, const struct breaker_policy *p, int64_t now)
{
	if (b->state != BREAKER_OPEN || now - b->opened_at < p->cooldown_ms)
		return false;
	b->state = BREAKER_HALF_OPEN;
	b->trial_job = 0;
	return true;
}

bool breaker_allows(const struct breaker *b)
{
	return b->state == BREAKER_CLOSED || (b->state == BREAKER_HALF_OPEN && b->trial_job == 0);
}

static void open_breaker(struct breaker *b, int64_t now)
{
	b->state = BREAKER_OPEN;
	b->opened_at = now;
	b->trial_job = 0;
}

static void reset_window(struct breaker *b, int64_t now)
{
	b->window_start = now;
	b->window_calls = 0;
	b->window_failures = 0;
}

static bool ratio_trips(const struct breaker *b, const struct breaker_policy *p)
{
	return p->window_min > 0 && b->window_calls >= p->window_min &&
	       b->window_failures * 100 >= p->ratio_pct * b->window_calls;
}

bool breaker_record(struct breaker *b, const struct breaker_policy *p, bool ok, int64_t now)
{
	enum breaker_state before = b->state;
	if (now - b->window_start >= p->window_ms)
		reset_window(b, now);
	b->window_calls++;
	b->consecutive = ok ? 0 : b->consecutive + 1;
	if (!ok)
		b->window_failures++;
	if (b->state == BREAKER_HALF_OPEN) {
		/* the trial decides: success closes with a clean slate */
		if (ok) {
			b->state = BREAKER_CLOSED;
			reset_window(b, now);
		} else {
			open_breaker(b, now);
		}
	} else if (b->state == BREAKER_CLOSED && !ok &&
		   (b->consecutive >= p->consecutive || ratio_trips(b, p))) {
		open_breaker(b, now);
	}
	return b->state != before;
}
