/* Unit tests for audit_joins.c: quantity outliers per category, SKU prices
 * across sources and payments against lines, each checked against a
 * brute-force reading of its SQL; and the cases where a check gives up. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit_joins.h"
#include "audit_valid.h"

#define MAXROWS 4096

/* What the sink heard, per check: rows checked per source (0..7) and the
 * failing ids. */
struct heard {
	long checked[JC_COUNT][8];
	int64_t failed[JC_COUNT][MAXROWS];
	size_t nfailed[JC_COUNT];
};

static void on_checked(void *ctx, enum join_check c, int64_t source)
{
	((struct heard *)ctx)->checked[c][source]++;
}

static void on_failed(void *ctx, enum join_check c, int64_t id, int64_t source)
{
	struct heard *h = ctx;
	(void)source;
	h->failed[c][h->nfailed[c]++] = id;
}

static struct prof_value I(int64_t i)
{
	return (struct prof_value){ .type = PROF_INT, .i = i };
}

static struct prof_value R(double r)
{
	return (struct prof_value){ .type = PROF_REAL, .r = r };
}

static struct prof_value T(const char *s)
{
	return (struct prof_value){ .type = PROF_TEXT, .s = s, .len = strlen(s) };
}

static const struct prof_value null_value = { .type = PROF_NULL };

struct line {
	int64_t id, source;
	struct prof_value order, variant, qty, price, freight;
};

static void feed(struct joins *j, const struct line *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct join_line jl = { l[i].id, l[i].source, &l[i].order, &l[i].variant,
					&l[i].qty, &l[i].price, &l[i].freight };
		joins_line(j, &jl);
	}
}

static bool has(const struct heard *h, enum join_check c, int64_t id)
{
	for (size_t i = 0; i < h->nfailed[c]; i++)
		if (h->failed[c][i] == id)
			return true;
	return false;
}

/* Random lines over 40 variants (categories "c0".."c4" for the first 30),
 * 50 orders, sources 0..3; prices sometimes NULL, a few far quantities. */
static size_t random_lines(struct line *l, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		int v = rand() % 45, o = rand() % 60;
		l[i] = (struct line){ .id = (int64_t)i + 1, .source = rand() % 4,
				      .order = o < 50 ? I(o + 1) : null_value,
				      .variant = v < 40 ? I(v + 1) : null_value,
				      .qty = I(rand() % 50 == 0 ? 400 : rand() % 9 - 1),
				      .price = rand() % 10 ? I(rand() % 300 - 20) : null_value,
				      .freight = rand() % 3 ? I(rand() % 50) : null_value };
	}
	return n;
}

static const char *category_of(int v)
{
	static const char *const names[] = { "c0", "c1", "c2", "c3", "c4" };
	return v <= 30 ? names[v % 5] : NULL;
}

/* The reference for the outliers: median and MAD per category, every line
 * of it judged. */
static void expect_outliers(const struct line *l, size_t n, const struct heard *h)
{
	for (int c = 0; c < 5; c++) {
		double v[MAXROWS];
		size_t k = 0, idx[MAXROWS];
		for (size_t i = 0; i < n; i++) {
			const char *cat = l[i].variant.type == PROF_INT
						  ? category_of((int)l[i].variant.i)
						  : NULL;
			if (cat && cat[1] - '0' == c && l[i].qty.i > 0) {
				idx[k] = i;
				v[k++] = (double)l[i].qty.i;
			}
		}
		double copy[MAXROWS];
		memcpy(copy, v, k * sizeof *v);
		double median = k ? stat_median(copy, k) : 0, mad = k ? stat_mad(v, k, median) : 0;
		for (size_t i = 0; i < k; i++)
			cr_expect_eq(has(h, JC_QTY_OUTLIER, l[idx[i]].id),
				     k >= 5 && stat_outlier(v[i], median, mad, 5.0),
				     "line %lld", (long long)l[idx[i]].id);
	}
}

/* The reference for SKU prices: a variant fails when the lines of another
 * source sold it (quantity and price above zero) and its price lies outside
 * their lowest and highest. */
static bool price_fails(const struct line *l, size_t n, int64_t variant, int64_t source,
			int64_t price)
{
	for (int64_t s = 0; s < 4; s++) {
		int64_t lo = INT64_MAX, hi = INT64_MIN;
		for (size_t i = 0; i < n; i++)
			if (l[i].source == s && l[i].variant.type == PROF_INT &&
			    l[i].variant.i == variant && l[i].qty.i > 0 &&
			    l[i].price.type == PROF_INT && l[i].price.i > 0) {
				lo = l[i].price.i < lo ? l[i].price.i : lo;
				hi = l[i].price.i > hi ? l[i].price.i : hi;
			}
		if (s != source && lo <= hi && (price < lo || price > hi))
			return true;
	}
	return false;
}

/* What an order's lines owe: sum(quantity * coalesce(price, 0) + coalesce(freight, 0)). */
static bool owes(const struct line *l, size_t n, int64_t order, int64_t *due)
{
	bool any = false;
	*due = 0;
	for (size_t i = 0; i < n; i++)
		if (l[i].order.type == PROF_INT && l[i].order.i == order) {
			any = true;
			*due += l[i].qty.i * (l[i].price.type == PROF_INT ? l[i].price.i : 0) +
				(l[i].freight.type == PROF_INT ? l[i].freight.i : 0);
		}
	return any;
}

Test(audit_joins, random_data_matches_the_sql_reading)
{
	for (unsigned seed = 1; seed <= 20; seed++) {
		static struct line l[600];
		size_t n = random_lines(l, 600, seed);
		static struct heard h;
		memset(&h, 0, sizeof h);
		struct joins *j = joins_new(&(struct join_sink){ on_checked, on_failed, &h });
		for (int v = 1; v <= 40; v++)
			if (category_of(v)) {
				struct prof_value cat = T(category_of(v));
				joins_category(j, v, &cat);
			}
		feed(j, l, n);
		joins_outliers(j);
		for (int v = 1; v <= 40; v++) {
			struct prof_value price = I(v * 7 % 250);
			joins_variant(j, v, v % 4, &price);
			cr_expect_eq(has(&h, JC_SKU_PRICE, v), price_fails(l, n, v, v % 4, price.i),
				     "seed %u variant %d", seed, v);
		}
		long orders_checked = 0;
		for (int o = 1; o <= 55; o++) {
			struct prof_value paid = o % 5 ? I(o * 31 % 900) : R(o * 31 % 900 + 0.5);
			int64_t due;
			bool lines = owes(l, n, o, &due);
			joins_order_paid(j, o, 1, &paid);
			double diff = paid.type == PROF_INT ? (double)(due - paid.i)
							    : (double)due - paid.r;
			orders_checked += lines;
			cr_expect_eq(has(&h, JC_PAYMENTS, o), lines && fabs(diff) > 1.0,
				     "seed %u order %d", seed, o);
		}
		cr_expect_eq(h.checked[JC_PAYMENTS][1], orders_checked);
		expect_outliers(l, n, &h);
		for (int c = 0; c < JC_COUNT; c++)
			cr_expect(!joins_gave_up(j, c), "check %d gave up", c);
		joins_free(j);
	}
}

Test(audit_joins, categories_with_the_same_text_are_one_group)
{
	static struct heard h;
	memset(&h, 0, sizeof h);
	struct joins *j = joins_new(&(struct join_sink){ on_checked, on_failed, &h });
	char a[] = "tools", b[] = "tools"; /* two buffers, one name */
	struct prof_value ca = T(a), cb = T(b), other = T("toolsx");
	joins_category(j, 1, &ca);
	joins_category(j, 2, &cb);
	joins_category(j, 3, &other);
	struct line l[7];
	int64_t qty[7] = { 1, 2, 1, 2, 90, 1, 2 };
	for (int i = 0; i < 7; i++)
		l[i] = (struct line){ .id = i + 1, .source = 0, .order = null_value,
				      .variant = I(i < 3 ? 1 : i < 5 ? 2 : 3), .qty = I(qty[i]),
				      .price = null_value, .freight = null_value };
	feed(j, l, 7);
	joins_outliers(j);
	/* variants 1 and 2 pool 5 values (1 2 1 2 90): 90 is out; variant 3's
	 * group has 2 values and says nothing */
	cr_expect_eq(h.nfailed[JC_QTY_OUTLIER], 1);
	cr_expect(has(&h, JC_QTY_OUTLIER, 5));
	cr_expect_eq(h.checked[JC_QTY_OUTLIER][0], 7);
	joins_free(j);
}

/* Each kind of value the C code does not mirror makes its check, and only
 * it, give up. */
Test(audit_joins, unmirrored_values_give_up_their_check_only)
{
	struct heard h = { 0 };
	struct join_sink sink = { on_checked, on_failed, &h };
	struct prof_value num = I(5), price = R(9.5), text = T("12");

	struct joins *j = joins_new(&sink);
	joins_category(j, 1, &num);
	cr_expect(joins_gave_up(j, JC_QTY_OUTLIER));
	cr_expect(!joins_gave_up(j, JC_SKU_PRICE) && !joins_gave_up(j, JC_PAYMENTS));
	joins_free(j);

	j = joins_new(&sink);
	joins_variant(j, 1, 0, &price);
	cr_expect(joins_gave_up(j, JC_SKU_PRICE) && !joins_gave_up(j, JC_PAYMENTS));
	joins_free(j);

	struct line real_freight = { 1, 0, I(1), I(1), I(2), I(3), R(1.5) };
	j = joins_new(&sink);
	feed(j, &real_freight, 1);
	cr_expect(joins_gave_up(j, JC_PAYMENTS) && !joins_gave_up(j, JC_SKU_PRICE));
	joins_free(j);

	struct line huge[2] = { { 1, 0, I(1), I(1), I(INT64_MAX / 2), I(3), null_value },
				{ 2, 0, I(2), I(1), I(1), I(INT64_MAX), I(1) } };
	j = joins_new(&sink);
	feed(j, &huge[0], 1);
	cr_expect(joins_gave_up(j, JC_PAYMENTS), "quantity x price overflows");
	joins_free(j);
	j = joins_new(&sink);
	feed(j, &huge[1], 1);
	cr_expect(joins_gave_up(j, JC_PAYMENTS), "price + freight overflows");
	joins_free(j);

	struct line one = { 1, 0, I(1), I(1), I(2), I(3), null_value };
	j = joins_new(&sink);
	feed(j, &one, 1);
	joins_order_paid(j, 1, 0, &text);
	cr_expect(joins_gave_up(j, JC_PAYMENTS));
	joins_free(j);
}

/* NULL sums compare false but the order was checked; an order without
 * lines is not checked at all. */
Test(audit_joins, payments_null_and_orders_without_lines)
{
	struct heard h = { 0 };
	struct joins *j = joins_new(&(struct join_sink){ on_checked, on_failed, &h });
	struct line one = { 1, 2, I(7), null_value, I(2), I(300), I(10) };
	feed(j, &one, 1);
	joins_order_paid(j, 7, 2, &null_value);
	struct prof_value paid = I(600);
	joins_order_paid(j, 8, 2, &paid);
	cr_expect_eq(h.checked[JC_PAYMENTS][2], 1);
	cr_expect_eq(h.nfailed[JC_PAYMENTS], 0);
	struct prof_value close = I(609), off = R(607.5);
	joins_order_paid(j, 7, 2, &close);
	cr_expect_eq(h.nfailed[JC_PAYMENTS], 0, "610 against 609: within one minor unit");
	joins_order_paid(j, 7, 2, &off);
	cr_expect_eq(h.nfailed[JC_PAYMENTS], 1, "610 against 607.5 fails");
	joins_free(j);
}
