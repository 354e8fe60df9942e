/* Unit tests for audit_dups.c: exact duplicate order lines found by hashing
 * runs of an order's lines, checked against a brute-force reference. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_dups.h"
#include "hll.h"

/* Every hash the same: every key collides with every other. */
static uint64_t same_hash(const void *data, size_t len)
{
	(void)data;
	(void)len;
	return 42;
}

struct line {
	int64_t id, source, line_no;
	struct prof_value key[DUP_FIELDS];
};

static struct prof_value T(const char *s)
{
	return (struct prof_value){ .type = PROF_TEXT, .s = s, .len = strlen(s) };
}

static struct prof_value I(int64_t i)
{
	return (struct prof_value){ .type = PROF_INT, .i = i };
}


static bool same_value(const struct prof_value *a, const struct prof_value *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == PROF_INT)
		return a->i == b->i;
	if (a->type == PROF_REAL)
		return a->r == b->r;
	if (a->type == PROF_TEXT)
		return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	return true;
}

/* The rule as the SQL check says it: a line fails when a line of the same
 * order with the same key has a smaller line_no. */
static bool fails(const struct line *l, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++) {
		bool same = true;
		for (int f = 0; f < DUP_FIELDS && same; f++)
			same = same_value(&l[i].key[f], &l[j].key[f]);
		if (same && l[j].line_no < l[i].line_no)
			return true;
	}
	return false;
}

static int row_cmp(const void *a, const void *b)
{
	const struct audit_row *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

/* Feed the lines in order, then every split order's lines again (from the
 * array, as the store would read them), and compare with the reference. */
static size_t run(const struct line *l, size_t n, dups_hash_fn hash)
{
	struct dups *d = dups_new(hash);
	for (size_t i = 0; i < n; i++)
		dups_add(d, l[i].id, l[i].source, l[i].line_no, l[i].key);
	size_t nsplit = dups_end_scan(d);
	for (size_t s = 0; s < nsplit; s++) {
		struct prof_value origin, order;
		dups_split_order(d, s, &origin, &order);
		for (size_t i = 0; i < n; i++)
			if (same_value(&l[i].key[DUP_ORIGIN], &origin) &&
			    same_value(&l[i].key[DUP_ORDER], &order))
				dups_add(d, l[i].id, l[i].source, l[i].line_no, l[i].key);
		dups_end_order(d);
	}
	size_t nrows;
	const struct audit_row *rows = dups_rows(d, &nrows);
	struct audit_row *sorted = calloc(nrows + 1, sizeof *sorted);
	if (nrows) /* rows may be NULL when there are none */
		memcpy(sorted, rows, nrows * sizeof *rows);
	qsort(sorted, nrows, sizeof *sorted, row_cmp);
	struct audit_row *want = calloc(n + 1, sizeof *want);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (fails(l, n, i))
			want[k++] = (struct audit_row){ l[i].id, l[i].source };
	qsort(want, k, sizeof *want, row_cmp);
	cr_expect_eq(k, nrows, "%zu failing, %zu expected", nrows, k);
	for (size_t i = 0; i < k && i < nrows; i++) {
		cr_expect_eq(sorted[i].id, want[i].id);
		cr_expect_eq(sorted[i].source_id, want[i].source_id);
	}
	free(want);
	free(sorted);
	dups_free(d);
	return nrows;
}

/* Constant initializers of values, for the tables below. */
#define TX(str) { .type = PROF_TEXT, .s = str, .len = sizeof(str) - 1 }
#define IX(v) { .type = PROF_INT, .i = v }
#define NX { .type = PROF_NULL }

#define LINE(id, order, no, sku, qty, price, desc) \
	{ id, 1, no, { TX("retail"), TX(order), sku, qty, price, desc } }

/* Lines that differ in exactly one field are not duplicates; the same line
 * again is, whichever field order the key has. */
static const struct line one_field[] = {
	LINE(1, "A", 1, TX("S1"), IX(2), IX(100), TX("mug")),
	LINE(2, "A", 2, TX("S2"), IX(2), IX(100), TX("mug")),  /* sku */
	LINE(3, "A", 3, TX("S1"), IX(3), IX(100), TX("mug")),  /* quantity */
	LINE(4, "A", 4, TX("S1"), IX(2), IX(101), TX("mug")),  /* price */
	LINE(5, "A", 5, TX("S1"), IX(2), IX(100), TX("Mug")),  /* description */
	LINE(6, "A", 6, NX, IX(2), IX(100), TX("mug")),      /* NULL sku */
	LINE(7, "A", 7, TX(""), IX(2), IX(100), TX("mug")),    /* blank sku */
	LINE(8, "A", 8, TX("S1"), IX(2), NX, TX("mug")),     /* NULL price */
	LINE(9, "A", 9, TX("S1"), IX(2), TX("100"), TX("mug")), /* text, not a number */
	LINE(10, "A", 10, TX("S1"), IX(2), IX(100), TX("mug ")), /* trailing space */
	LINE(11, "B", 1, TX("S1"), IX(2), IX(100), TX("mug")), /* another order */
	{ 12, 1, 11, { TX("shopify"), TX("A"), TX("S1"), IX(2), IX(100), TX("mug") } }, /* origin */
	LINE(13, "A", 11, TX("S1"), IX(2), IX(100), TX("mug")), /* the same as line 1 */
	LINE(14, "A", 12, NX, IX(2), NX, NX),
	LINE(15, "A", 13, NX, IX(2), NX, NX),             /* NULLs are equal */
};

Test(dups, lines_differing_in_one_field)
{
	cr_expect_eq(run(one_field, 15, hll_hash), 2);
	cr_expect_eq(run(one_field, 15, same_hash), 2, "collisions change nothing");
}

/* The earliest line_no stays, even when it is scanned last; three copies
 * give two failing lines. */
Test(dups, smallest_line_no_is_the_original)
{
	static const struct line l[] = {
		LINE(1, "A", 5, TX("S"), IX(1), IX(9), TX("x")),
		LINE(2, "A", 2, TX("S"), IX(1), IX(9), TX("x")),
		LINE(3, "A", 9, TX("S"), IX(1), IX(9), TX("x")),
	};
	cr_expect_eq(run(l, 3, hll_hash), 2);
	cr_expect_eq(run(l, 3, same_hash), 2);
}

/* An order whose lines come in two runs (another order in between) is
 * judged on all its lines together. */
Test(dups, split_orders)
{
	static const struct line l[] = {
		LINE(1, "A", 1, TX("S"), IX(1), IX(9), TX("x")),
		LINE(2, "B", 1, TX("S"), IX(1), IX(9), TX("x")),
		LINE(3, "A", 2, TX("S"), IX(1), IX(9), TX("x")),  /* repeats line 1 */
		LINE(4, "B", 2, TX("T"), IX(1), IX(9), TX("x")),
		LINE(5, "C", 1, TX("S"), IX(1), IX(9), TX("x")),
		LINE(6, "C", 2, TX("S"), IX(1), IX(9), TX("x")),  /* in one run */
		LINE(7, "A", 0, TX("S"), IX(1), IX(9), TX("x")),  /* earlier than line 1 */
	};
	cr_expect_eq(run(l, 7, hll_hash), 3);
	cr_expect_eq(run(l, 7, same_hash), 3);
}

Test(dups, no_lines)
{
	cr_expect_eq(run(NULL, 0, hll_hash), 0);
}

/* Many generated lines, in order and shuffled across orders, with both
 * hashes. */
Test(dups, generated_against_the_reference, .timeout = 60)
{
	enum { N_LINES = 3000 };
	static struct line l[N_LINES];
	static char orders[N_LINES][8], skus[N_LINES][8];
	uint64_t x = 88172645463325252ULL;
	for (size_t i = 0; i < N_LINES; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		snprintf(orders[i], sizeof orders[i], "o%zu", i / 12);
		snprintf(skus[i], sizeof skus[i], "s%u", (unsigned)(x % 5));
		l[i] = (struct line){ (int64_t)i + 1, (int64_t)(x % 3), (int64_t)(i % 12),
				      { T("r"), T(orders[i]), T(skus[i]), I((int64_t)(x >> 8) % 2),
					I(100), (x >> 12) % 4 ? T("d") : (struct prof_value)NX } };
	}
	size_t found = run(l, N_LINES, hll_hash);
	cr_expect_gt(found, 100);
	cr_expect_eq(run(l, N_LINES, same_hash), found);
	for (size_t i = 0; i < N_LINES; i++) { /* shuffle: orders split */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t j = x % N_LINES;
		struct line t = l[i];
		l[i] = l[j];
		l[j] = t;
	}
	cr_expect_eq(run(l, N_LINES, hll_hash), found);
}
