/* Unit tests for retry.c: the backoff schedule and the circuit breaker's
 * transitions, driven by explicit times (no clock is read). */
#include <criterion/criterion.h>
#include <stdint.h>

#include "retry.h"

static const struct retry_policy policy = { .max_attempts = 5, .base_ms = 200, .cap_ms = 1000 };

/* The ceiling of the wait after each failed attempt doubles from base up to cap. */
Test(retry, backoff_ceiling_doubles_then_caps)
{
	static const struct {
		int attempt;
		int64_t ceiling;
	} table[] = { { 1, 200 }, { 2, 400 }, { 3, 800 }, { 4, 1000 }, { 5, 1000 }, { 30, 1000 } };
	for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
		/* rnd = ceiling gives exactly the ceiling (rnd % (ceiling + 1)) */
		int64_t top = retry_backoff_ms(&policy, table[i].attempt, (uint64_t)table[i].ceiling);
		cr_expect_eq(top, table[i].ceiling, "attempt %d: ceiling %lld, want %lld",
			     table[i].attempt, (long long)top, (long long)table[i].ceiling);
		cr_expect_eq(retry_backoff_ms(&policy, table[i].attempt, 0), 0,
			     "full jitter reaches zero");
	}
}

/* Full jitter: waits spread over [0, ceiling], never past it. */
Test(retry, backoff_full_jitter_is_bounded_and_spread)
{
	uint64_t seed = 42;
	int64_t lo = INT64_MAX, hi = -1;
	for (int i = 0; i < 10000; i++) {
		int64_t w = retry_backoff_ms(&policy, 3, retry_random(&seed));
		cr_assert(w >= 0 && w <= 800, "wait %lld out of [0, 800]", (long long)w);
		lo = w < lo ? w : lo;
		hi = w > hi ? w : hi;
	}
	cr_expect_lt(lo, 40, "some waits are short (min %lld)", (long long)lo);
	cr_expect_gt(hi, 760, "some waits are long (max %lld)", (long long)hi);
}

Test(retry, random_is_reproducible_from_its_seed)
{
	uint64_t a = 7, b = 7;
	for (int i = 0; i < 5; i++)
		cr_expect_eq(retry_random(&a), retry_random(&b));
}

static const struct breaker_policy bp = {
	.consecutive = 3, .window_min = 10, .ratio_pct = 50, .window_ms = 60000, .cooldown_ms = 5000,
};

Test(breaker, opens_after_consecutive_failures)
{
	struct breaker b = { 0 };
	cr_expect_not(breaker_record(&b, &bp, false, 1000));
	cr_expect_not(breaker_record(&b, &bp, false, 1001));
	cr_expect(breaker_allows(&b));
	cr_expect(breaker_record(&b, &bp, false, 1002), "third failure in a row changes state");
	cr_expect_eq(b.state, BREAKER_OPEN);
	cr_expect_eq(b.opened_at, 1002);
	cr_expect_not(breaker_allows(&b));
}

Test(breaker, a_success_resets_the_run_of_failures)
{
	struct breaker b = { 0 };
	breaker_record(&b, &bp, false, 1);
	breaker_record(&b, &bp, false, 2);
	breaker_record(&b, &bp, true, 3);
	breaker_record(&b, &bp, false, 4);
	breaker_record(&b, &bp, false, 5);
	cr_expect_eq(b.state, BREAKER_CLOSED, "never three in a row");
}

/* Alternating results never make three in a row, but half of 10+ calls
 * in the window fail: the ratio trips it. */
Test(breaker, opens_on_failure_ratio_over_the_window)
{
	struct breaker b = { 0 };
	for (int i = 0; i < 9; i++)
		breaker_record(&b, &bp, i % 2 == 1, 100 + i);
	cr_expect_eq(b.state, BREAKER_CLOSED, "9 calls: below window_min");
	breaker_record(&b, &bp, false, 200);
	cr_expect_eq(b.state, BREAKER_OPEN, "10 calls, 5 failed: 50%% trips");
}

Test(breaker, the_window_starts_over)
{
	struct breaker b = { 0 };
	for (int i = 0; i < 8; i++)
		breaker_record(&b, &bp, i % 2 == 1, 100 + i);
	/* a new window: the old failures no longer count */
	for (int i = 0; i < 8; i++)
		breaker_record(&b, &bp, true, 70000 + i);
	breaker_record(&b, &bp, false, 70100);
	breaker_record(&b, &bp, false, 70101);
	cr_expect_eq(b.state, BREAKER_CLOSED, "2 of 10 in this window");
}

Test(breaker, half_opens_after_cooldown_with_one_trial)
{
	struct breaker b = { 0 };
	for (int i = 0; i < 3; i++)
		breaker_record(&b, &bp, false, 1000);
	cr_expect_not(breaker_tick(&b, &bp, 5999), "still cooling down");
	cr_expect_eq(b.state, BREAKER_OPEN);
	cr_expect(breaker_tick(&b, &bp, 6000));
	cr_expect_eq(b.state, BREAKER_HALF_OPEN);
	cr_expect(breaker_allows(&b), "one trial may start");
	b.trial_job = 99;
	cr_expect_not(breaker_allows(&b), "only one trial");
}

Test(breaker, trial_success_closes_trial_failure_reopens)
{
	struct breaker ok = { .state = BREAKER_HALF_OPEN, .trial_job = 5, .consecutive = 3 };
	cr_expect(breaker_record(&ok, &bp, true, 9000));
	cr_expect_eq(ok.state, BREAKER_CLOSED);
	cr_expect_eq(ok.consecutive, 0);

	struct breaker bad = { .state = BREAKER_HALF_OPEN, .trial_job = 5, .consecutive = 3 };
	cr_expect(breaker_record(&bad, &bp, false, 9000));
	cr_expect_eq(bad.state, BREAKER_OPEN);
	cr_expect_eq(bad.opened_at, 9000, "the cool-down starts again");
	cr_expect_eq(bad.trial_job, 0);
}

Test(breaker, names_round_trip)
{
	for (int s = BREAKER_CLOSED; s <= BREAKER_HALF_OPEN; s++) {
		enum breaker_state back;
		cr_expect(breaker_state_parse(breaker_state_name((enum breaker_state)s), &back));
		cr_expect_eq((int)back, s);
	}
	enum breaker_state x;
	cr_expect_not(breaker_state_parse("ajar", &x));
}
