/* Unit tests for hll.c: HyperLogLog estimates, merge, and the hash. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hll.h"

/* Add the keys "<prefix><i>" for i in [from, to). */
static void add_range(struct hll *h, const char *prefix, long from, long to)
{
	char buf[64];
	for (long i = from; i < to; i++) {
		int n = snprintf(buf, sizeof buf, "%s%ld", prefix, i);
		hll_add_hash(h, hll_hash(buf, (size_t)n));
	}
}

static double rel_error(uint64_t est, long n)
{
	return ((double)est - (double)n) / (double)n;
}

Test(hll, empty_counts_zero)
{
	struct hll *h = hll_new();
	cr_expect_eq(hll_count(h), 0);
	hll_free(h);
}

/* Small sets are counted by the zero registers (linear counting), which is
 * exact until two values share a register. */
Test(hll, tiny_sets_exactish)
{
	static const struct {
		long n, slack;
	} cases[] = { { 1, 0 }, { 2, 0 }, { 5, 0 }, { 10, 0 }, { 100, 1 }, { 500, 3 } };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct hll *h = hll_new();
		add_range(h, "tiny-", 0, cases[c].n);
		long est = (long)hll_count(h);
		cr_expect(labs(est - cases[c].n) <= cases[c].slack, "n=%ld: estimate %ld", cases[c].n, est);
		hll_free(h);
	}
}

Test(hll, duplicates_count_once)
{
	struct hll *h = hll_new();
	for (int rep = 0; rep < 50; rep++)
		add_range(h, "dup-", 0, 1000);
	cr_expect(labs((long)hll_count(h) - 1000) <= 10, "estimate %llu for 1000 distinct",
		  (unsigned long long)hll_count(h));
	hll_free(h);
}

/* Within 2% at 1k, 100k and 1M.  One estimate has a standard error of
 * about 0.81%, so 2% is 2.5 sigma; the key sets are fixed, so the test is
 * deterministic. */
Test(hll, estimates_within_two_percent, .timeout = 60)
{
	static const long sizes[] = { 1000, 10000, 100000, 1000000 };
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		struct hll *h = hll_new();
		add_range(h, "key-", 0, sizes[s]);
		double err = rel_error(hll_count(h), sizes[s]);
		cr_expect(err > -0.02 && err < 0.02, "n=%ld: error %.4f", sizes[s], err);
		hll_free(h);
	}
}

/* Around 2.5 * 2^14 distinct values the classic estimator switches from
 * linear counting to the raw estimate and overshoots by about 2%; averaged
 * over 8 key sets (sigma of the mean ~0.3%) the bias must stay small. */
Test(hll, no_bias_near_linear_counting_switch, .timeout = 60)
{
	static const long sizes[] = { 30000, 40000, 50000, 60000 };
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		double sum = 0;
		for (int seed = 0; seed < 8; seed++) {
			char prefix[16];
			snprintf(prefix, sizeof prefix, "b%d-", seed);
			struct hll *h = hll_new();
			add_range(h, prefix, 0, sizes[s]);
			sum += rel_error(hll_count(h), sizes[s]);
			hll_free(h);
		}
		cr_expect(sum / 8 > -0.008 && sum / 8 < 0.008, "n=%ld: mean error %.4f", sizes[s], sum / 8);
	}
}

/* Integers hashed as 8 bytes: the mixing must not depend on text. */
Test(hll, estimates_binary_keys)
{
	struct hll *h = hll_new();
	for (int64_t i = 0; i < 200000; i++)
		hll_add_hash(h, hll_hash(&i, sizeof i));
	double err = rel_error(hll_count(h), 200000);
	cr_expect(err > -0.02 && err < 0.02, "error %.4f", err);
	hll_free(h);
}

Test(hll, merge_is_union)
{
	struct hll *a = hll_new(), *b = hll_new(), *u = hll_new();
	add_range(a, "m-", 0, 60000);
	add_range(b, "m-", 40000, 100000);
	add_range(u, "m-", 0, 100000);
	hll_merge(a, b);
	cr_expect_eq(hll_count(a), hll_count(u), "merged %llu, union built directly %llu",
		     (unsigned long long)hll_count(a), (unsigned long long)hll_count(u));
	double err = rel_error(hll_count(a), 100000);
	cr_expect(err > -0.02 && err < 0.02, "error %.4f", err);
	hll_free(a);
	hll_free(b);
	hll_free(u);
}

Test(hll, merge_with_empty_or_self_changes_nothing)
{
	struct hll *a = hll_new(), *empty = hll_new();
	add_range(a, "e-", 0, 30000);
	uint64_t before = hll_count(a);
	hll_merge(a, empty);
	cr_expect_eq(hll_count(a), before);
	hll_merge(a, a);
	cr_expect_eq(hll_count(a), before);
	hll_merge(empty, a);
	cr_expect_eq(hll_count(empty), before, "empty + a counts as a");
	hll_free(a);
	hll_free(empty);
}

Test(hll, merge_disjoint_adds_up)
{
	struct hll *a = hll_new(), *b = hll_new();
	add_range(a, "left-", 0, 25000);
	add_range(b, "right-", 0, 75000);
	hll_merge(a, b);
	double err = rel_error(hll_count(a), 100000);
	cr_expect(err > -0.02 && err < 0.02, "error %.4f", err);
	hll_free(a);
	hll_free(b);
}

/* ---- hll_hash ------------------------------------------------------------ */

Test(hll, hash_is_deterministic_and_length_aware)
{
	cr_expect_eq(hll_hash("abc", 3), hll_hash("abc", 3));
	cr_expect_neq(hll_hash("abc", 3), hll_hash("abd", 3));
	cr_expect_neq(hll_hash("", 0), hll_hash("\0", 1), "a NUL byte is data");
	cr_expect_neq(hll_hash("a", 1), hll_hash("a\0", 2));
	cr_expect_neq(hll_hash("ab", 2), hll_hash("ba", 2), "order matters");
}

/* Every prefix length of one buffer (0..200 bytes, all branches of the
 * short and long paths) hashes differently, and a heap copy of exactly len
 * bytes lets ASan catch any read past the end. */
Test(hll, hash_prefixes_distinct_and_in_bounds)
{
	enum { N = 200 };
	unsigned char src[N];
	uint64_t seen[N + 1];
	for (int i = 0; i < N; i++)
		src[i] = (unsigned char)(i * 37 + 11);
	for (size_t len = 0; len <= N; len++) {
		unsigned char *copy = malloc(len ? len : 1);
		memcpy(copy, src, len);
		seen[len] = hll_hash(copy, len);
		free(copy);
		for (size_t j = 0; j < len; j++)
			cr_assert_neq(seen[j], seen[len], "lengths %zu and %zu collide", j, len);
	}
}

/* Flipping one input bit flips about half of the output bits: HyperLogLog
 * reads the top 14 bits and the run of zeros below them, so every bit must
 * depend on every input bit. */
Test(hll, hash_avalanche)
{
	static const size_t lens[] = { 3, 8, 13, 16, 40 };
	for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
		unsigned char buf[40];
		long flips = 0, trials = 0;
		for (int t = 0; t < 50; t++) {
			for (size_t i = 0; i < lens[l]; i++)
				buf[i] = (unsigned char)(t * 131 + i * 7);
			uint64_t h0 = hll_hash(buf, lens[l]);
			for (size_t bit = 0; bit < lens[l] * 8; bit++) {
				buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
				flips += __builtin_popcountll(h0 ^ hll_hash(buf, lens[l]));
				buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
				trials++;
			}
		}
		double mean = (double)flips / (double)trials;
		cr_expect(mean > 30.0 && mean < 34.0, "len %zu: %.2f of 64 bits flip", lens[l], mean);
	}
}
