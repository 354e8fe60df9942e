/* Unit tests for keycache.c: bounded string-keyed map. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keycache.h"

static struct keycache *kc;

static void setup(void)
{
	kc = keycache_new(100);
}

static void teardown(void)
{
	keycache_free(kc);
	kc = NULL;
}

TestSuite(keycache, .init = setup, .fini = teardown);

/* A key of exactly n characters. */
static void make_key(char *buf, size_t n, char c)
{
	memset(buf, c, n);
	buf[n] = '\0';
}

Test(keycache, put_get_round_trip)
{
	struct kc_entry *e = keycache_put(kc, "SKU-1");
	cr_assert_not_null(e);
	cr_expect_str_eq(e->key, "SKU-1");
	cr_expect_eq(e->id, 0, "a new entry starts zeroed");
	cr_expect_eq(e->n, 0);
	cr_expect_eq(e->fp, 0);
	e->id = 42;
	e->n = 3;
	e->fp = 0xfeedULL;
	struct kc_entry *g = keycache_get(kc, "SKU-1");
	cr_assert_eq(g, e, "get returns the entry put stored");
	cr_expect_eq(g->id, 42);
	cr_expect_eq(g->n, 3);
	cr_expect_eq(g->fp, 0xfeedULL);
}

Test(keycache, absent_key)
{
	cr_expect_null(keycache_get(kc, "nope"));
	cr_assert_not_null(keycache_put(kc, "yes"));
	cr_expect_null(keycache_get(kc, "nope"));
	cr_expect_null(keycache_get(kc, "ye"), "a prefix is another key");
	cr_expect_null(keycache_get(kc, "yess"));
	cr_expect_null(keycache_get(kc, ""));
}

Test(keycache, empty_key_is_a_key)
{
	struct kc_entry *e = keycache_put(kc, "");
	cr_assert_not_null(e);
	e->id = 9;
	cr_assert_eq(keycache_get(kc, ""), e);
	cr_expect_eq(keycache_get(kc, "")->id, 9);
}

Test(keycache, put_existing_keeps_values)
{
	struct kc_entry *e = keycache_put(kc, "k");
	cr_assert_not_null(e);
	e->id = 7;
	e->n = 11;
	e->fp = 13;
	struct kc_entry *again = keycache_put(kc, "k");
	cr_assert_eq(again, e, "put of an existing key returns its entry");
	cr_expect_eq(again->id, 7, "put of an existing key must not zero it");
	cr_expect_eq(again->n, 11);
	cr_expect_eq(again->fp, 13);
}

Test(keycache, key_length_limit)
{
	char max[KEYCACHE_KEY_MAX + 1], over[KEYCACHE_KEY_MAX + 2];
	make_key(max, KEYCACHE_KEY_MAX, 'm');
	make_key(over, KEYCACHE_KEY_MAX + 1, 'o');
	struct kc_entry *e = keycache_put(kc, max);
	cr_assert_not_null(e, "a key of KEYCACHE_KEY_MAX characters is cached");
	cr_expect_str_eq(e->key, max);
	cr_expect_eq(keycache_get(kc, max), e);
	cr_expect_null(keycache_put(kc, over), "a longer key is not cached");
	cr_expect_null(keycache_get(kc, over));
	/* A too-long key whose prefix is cached must not find the prefix. */
	char longer[KEYCACHE_KEY_MAX + 2];
	make_key(longer, KEYCACHE_KEY_MAX + 1, 'm');
	cr_expect_null(keycache_get(kc, longer));
}

/* Put distinct keys until put refuses one; returns how many went in. */
static size_t fill(struct keycache *c, size_t cap)
{
	char key[32];
	for (size_t i = 0; i < cap * 4; i++) {
		snprintf(key, sizeof key, "fill-%zu", i);
		struct kc_entry *e = keycache_put(c, key);
		if (!e)
			return i;
		e->id = (int64_t)i;
	}
	return cap * 4;
}

Test(keycache, fills_then_refuses_new_keys)
{
	cr_expect_not(keycache_full(kc));
	size_t n = fill(kc, 100);
	cr_expect_geq(n, 100, "at least the requested capacity fits, got %zu", n);
	cr_expect_lt(n, 400, "the cache is bounded, took %zu", n);
	cr_expect(keycache_full(kc));
	cr_expect_null(keycache_put(kc, "one-more"));
	cr_expect_null(keycache_get(kc, "one-more"));
	struct kc_entry *old = keycache_put(kc, "fill-0");
	cr_assert_not_null(old, "an existing key is still found when full");
	cr_expect_eq(old->id, 0);
	struct kc_entry *last = keycache_get(kc, "fill-99");
	cr_assert_not_null(last);
	cr_expect_eq(last->id, 99);
}

Test(keycache, clear_empties)
{
	size_t n = fill(kc, 100);
	keycache_clear(kc);
	cr_expect_not(keycache_full(kc));
	cr_expect_null(keycache_get(kc, "fill-0"));
	cr_expect_null(keycache_get(kc, "fill-99"));
	struct kc_entry *e = keycache_put(kc, "fill-0");
	cr_assert_not_null(e);
	cr_expect_eq(e->id, 0, "an entry put after clear starts zeroed");
	cr_expect_eq(fill(kc, 100), n, "after clear the whole capacity is free again");
}

struct visit {
	int seen[64];
	int other;
};

static void count_visit(void *ctx, struct kc_entry *e)
{
	struct visit *v = ctx;
	int k;
	if (sscanf(e->key, "each-%d", &k) == 1 && k >= 0 && k < 64 && e->id == k)
		v->seen[k]++;
	else
		v->other++;
}

Test(keycache, each_visits_every_entry_once)
{
	char key[32];
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof key, "each-%d", i);
		struct kc_entry *e = keycache_put(kc, key);
		cr_assert_not_null(e, "put %s", key);
		e->id = i;
	}
	keycache_put(kc, "each-7"); /* again: still one entry */
	struct visit v = { { 0 }, 0 };
	keycache_each(kc, count_visit, &v);
	for (int i = 0; i < 64; i++)
		cr_expect_eq(v.seen[i], i < 50 ? 1 : 0, "each-%d visited %d times", i, v.seen[i]);
	cr_expect_eq(v.other, 0, "%d unexpected entries visited", v.other);
	keycache_clear(kc);
	struct visit none = { { 0 }, 0 };
	keycache_each(kc, count_visit, &none);
	cr_expect_eq(none.other + none.seen[0] + none.seen[49], 0, "nothing visited after clear");
}

/* Every cached entry must carry the id its key was put with. */
static void check_entry(void *ctx, struct kc_entry *e)
{
	long *bad = ctx;
	char want[32];
	snprintf(want, sizeof want, "k%lld", (long long)e->id);
	if (strcmp(e->key, want) != 0)
		(*bad)++;
}

Test(keycache, many_keys_with_clears)
{
	struct keycache *c = keycache_new(1000);
	char key[32];
	long wrong = 0, clears = 0;
	for (int64_t i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "k%lld", (long long)i);
		if (keycache_get(c, key))
			wrong++; /* never put before */
		struct kc_entry *e = keycache_put(c, key);
		if (!e) {
			cr_assert(keycache_full(c), "put refused %s while not full", key);
			keycache_clear(c);
			clears++;
			e = keycache_put(c, key);
		}
		cr_assert_not_null(e, "put %s after clear", key);
		e->id = i;
		if (keycache_get(c, key) != e || strcmp(e->key, key) != 0)
			wrong++;
		if (i % 997 == 0)
			keycache_each(c, check_entry, &wrong);
	}
	keycache_each(c, check_entry, &wrong);
	cr_expect_eq(wrong, 0, "%ld wrong answers", wrong);
	cr_expect_geq(clears, 50, "a bounded cache needs clears, got %ld", clears);
	keycache_free(c);
}

Test(keycache, tiny_capacity)
{
	struct keycache *c = keycache_new(0);
	struct kc_entry *e = keycache_put(c, "a");
	cr_expect_not_null(e, "even a zero-capacity cache holds something");
	cr_expect_eq(keycache_get(c, "a"), e);
	keycache_free(c);
	keycache_free(NULL);
}

Test(keycache, fnv1a_hash)
{
	static const struct {
		const char *s;
		uint64_t h;
	} cases[] = {
		{ "", 0xcbf29ce484222325ULL },
		{ "a", 0xaf63dc4c8601ec8cULL },
		{ "foobar", 0x85944171f73967e8ULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_expect_eq(keycache_hash(KEYCACHE_FNV, cases[i].s), cases[i].h,
			     "fnv1a(\"%s\") = %llx", cases[i].s,
			     (unsigned long long)keycache_hash(KEYCACHE_FNV, cases[i].s));
	cr_expect_eq(keycache_hash(keycache_hash(KEYCACHE_FNV, "foo"), "bar"),
		     keycache_hash(KEYCACHE_FNV, "foobar"), "hash continues from h");
}

/* The table starts small and doubles as keys come: every key put before a
 * doubling is still found with its values after it, and the bound is the
 * one the capacity asked for. */
Test(keycache, grows_keeping_entries)
{
	struct keycache *big = keycache_new(20000);
	char key[32];
	int n = 0;
	for (; !keycache_full(big); n++) {
		snprintf(key, sizeof key, "invoice-%d", n);
		struct kc_entry *e = keycache_put(big, key);
		cr_assert_not_null(e, "put %d before the cache is full", n);
		e->id = n;
		e->n = 2 * n;
		e->fp = (uint64_t)n + 1;
	}
	cr_expect_geq(n, 20000, "holds at least its capacity");
	cr_expect_null(keycache_put(big, "one more"), "full stays full");
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "invoice-%d", i);
		struct kc_entry *e = keycache_get(big, key);
		cr_assert_not_null(e, "key %d survives the doublings", i);
		cr_expect_eq(e->id, i);
		cr_expect_eq(e->n, 2 * i);
		cr_expect_eq(e->fp, (uint64_t)i + 1);
	}
	keycache_clear(big);
	cr_expect_null(keycache_get(big, "invoice-0"));
	cr_expect_not_null(keycache_put(big, "invoice-0"), "usable after a clear");
	keycache_free(big);
}
