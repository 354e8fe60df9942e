/* audit_lines.c - the order-line checks in one scan; see audit_lines.h. */
#include "audit_lines.h"

#include <stdlib.h>
#include <string.h>

#include "audit_dups.h"
#include "audit_joins.h"
#include "audit_valid.h"
#include "hll.h"
#include "xalloc.h"

/* The checks computed here, each as its catalogue entry defines it. */
enum lc { LC_ORDER, LC_SKU, LC_PRICE, LC_NEGATIVE, LC_CURRENCY, LC_DUPLICATE,
	  /* audit_joins.c, in the order of enum join_check */
	  LC_QTY_OUTLIER, LC_SKU_PRICE, LC_PAYMENTS, LC_COUNT };

static const char *const lc_names[LC_COUNT] = {
	[LC_ORDER] = "order_line_order_unknown",
	[LC_SKU] = "order_line_sku_unknown",
	[LC_PRICE] = "order_line_price_not_positive",
	[LC_NEGATIVE] = "order_line_negative_not_return",
	[LC_CURRENCY] = "order_line_currency_invalid",
	[LC_DUPLICATE] = "order_line_exact_duplicate",
	[LC_QTY_OUTLIER] = "order_line_quantity_outlier",
	[LC_SKU_PRICE] = "sku_price_differs_across_sources",
	[LC_PAYMENTS] = "order_payments_mismatch",
};
_Static_assert(LC_PAYMENTS - LC_QTY_OUTLIER == JC_PAYMENTS - JC_QTY_OUTLIER &&
		       LC_SKU_PRICE - LC_QTY_OUTLIER == JC_SKU_PRICE - JC_QTY_OUTLIER,
	       "join checks in the same order");

/* The columns read, and the storage types the C code mirrors for each. */
enum col { C_ID, C_SOURCE, C_ORDER_ID, C_SKU, C_VARIANT, C_QUANTITY, C_PRICE, C_CURRENCY,
	   C_LINE_NO, C_ORIGIN, C_ORDER_KEY, C_DESCRIPTION, C_FREIGHT, C_COUNT };

#define T_NULL (1u << PROF_NULL)
#define T_INT (1u << PROF_INT)
#define T_REAL (1u << PROF_REAL)
#define T_TEXT (1u << PROF_TEXT)

static const struct {
	const char *name;
	unsigned types;
} cols[C_COUNT] = {
	[C_ID] = { "id", T_INT },
	[C_SOURCE] = { "source_id", T_INT | T_NULL },
	[C_ORDER_ID] = { "order_id", T_INT | T_NULL },
	[C_SKU] = { "sku", T_TEXT | T_NULL },
	[C_VARIANT] = { "variant_id", T_INT | T_NULL },
	[C_QUANTITY] = { "quantity", T_INT },
	[C_PRICE] = { "unit_price_minor", T_INT | T_NULL },
	[C_CURRENCY] = { "currency", T_TEXT | T_NULL },
	[C_LINE_NO] = { "line_no", T_INT },
	[C_ORIGIN] = { "origin", T_TEXT },
	[C_ORDER_KEY] = { "order_key", T_TEXT },
	[C_DESCRIPTION] = { "description", T_TEXT | T_NULL | T_INT | T_REAL },
	/* any type: one the payments check does not mirror makes it alone
	 * give up */
	[C_FREIGHT] = { "freight_minor", T_TEXT | T_NULL | T_INT | T_REAL },
};

/* Rows one source had checked, per check (source 0: none). */
struct lsource {
	int64_t id;
	long checked[LC_COUNT];
};

struct rows {
	struct audit_row *r;
	size_t n, cap;
};

/* A set of ids: open addressing, id + 1 stored so 0 marks a free slot. */
struct idset {
	uint64_t *slot;
	size_t mask, n;
};

struct lines_pass {
	int col[C_COUNT];
	bool mapped, odd; /* odd: a value the C code does not mirror was met */
	struct lsource *src;
	size_t nsrc, last;
	struct rows fail[LC_COUNT];
	struct idset returns;
	struct dups *dups;
	struct joins *joins;
	char *currency; /* the last currency judged, and its verdict */
	bool currency_ok;
};

/* ---- small containers ------------------------------------------------------ */

static void rows_add(struct rows *r, int64_t id, int64_t source)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->r = xrealloc(r->r, r->cap * sizeof *r->r);
	}
	r->r[r->n++] = (struct audit_row){ id, source };
}

static size_t idset_find(const struct idset *s, int64_t id)
{
	uint64_t key = (uint64_t)id + 1;
	size_t i = hll_hash(&key, sizeof key) & s->mask;
	while (s->slot[i] && s->slot[i] != key)
		i = (i + 1) & s->mask;
	return i;
}

static bool idset_has(const struct idset *s, int64_t id)
{
	return s->slot[idset_find(s, id)] != 0;
}

static void idset_add(void *ctx, int64_t id)
{
	struct idset *s = ctx;
	if ((s->n + 1) * 2 > s->mask + 1) {
		struct idset big = { xcalloc((s->mask + 1) * 2, sizeof *big.slot),
				     (s->mask + 1) * 2 - 1, 0 };
		for (size_t i = 0; i <= s->mask; i++)
			if (s->slot[i])
				idset_add(&big, (int64_t)(s->slot[i] - 1));
		free(s->slot);
		*s = big;
	}
	size_t i = idset_find(s, id);
	if (!s->slot[i]) {
		s->slot[i] = (uint64_t)id + 1;
		s->n++;
	}
}

/* ---- the pass -------------------------------------------------------------- */

static struct lsource *source_of(struct lines_pass *lp, int64_t id);

static void join_checked(void *ctx, enum join_check c, int64_t source)
{
	source_of(ctx, source)->checked[LC_QTY_OUTLIER + c]++;
}

static void join_failed(void *ctx, enum join_check c, int64_t id, int64_t source)
{
	struct lines_pass *lp = ctx;
	rows_add(&lp->fail[LC_QTY_OUTLIER + c], id, source);
}

static int64_t source_value(const struct prof_value *v)
{
	return v->type == PROF_INT ? v->i : 0;
}

/* A row of AUDIT_VARIANT_CATEGORIES: id, category. */
static void category_row(void *ctx, int ncols, const char *const *names,
			 const struct prof_value *vals)
{
	(void)ncols;
	(void)names;
	joins_category(ctx, vals[0].i, &vals[1]);
}

/* A row of AUDIT_VARIANT_PRICES: id, source_id, price_minor. */
static void price_row(void *ctx, int ncols, const char *const *names,
		      const struct prof_value *vals)
{
	(void)ncols;
	(void)names;
	joins_variant(ctx, vals[0].i, source_value(&vals[1]), &vals[2]);
}

/* A row of AUDIT_ORDER_PAYMENTS: id, source_id, paid. */
static void paid_row(void *ctx, int ncols, const char *const *names,
		     const struct prof_value *vals)
{
	(void)ncols;
	(void)names;
	joins_order_paid(ctx, vals[0].i, source_value(&vals[1]), &vals[2]);
}

enum orr_rc lines_pass_new(struct store *st, struct lines_pass **out, char **err)
{
	struct lines_pass *lp = xcalloc(1, sizeof *lp);
	lp->returns.mask = 1023;
	lp->returns.slot = xcalloc(lp->returns.mask + 1, sizeof *lp->returns.slot);
	lp->dups = dups_new(hll_hash);
	lp->joins = joins_new(&(struct join_sink){ join_checked, join_failed, lp });
	*out = lp;
	enum orr_rc rc = audit_return_orders(st, idset_add, &lp->returns, err);
	if (rc == ORR_OK)
		rc = audit_lookup(st, AUDIT_VARIANT_CATEGORIES, category_row, lp->joins, err);
	return rc;
}

void lines_pass_free(struct lines_pass *lp)
{
	if (!lp)
		return;
	for (int c = 0; c < LC_COUNT; c++)
		free(lp->fail[c].r);
	free(lp->src);
	free(lp->returns.slot);
	free(lp->currency);
	dups_free(lp->dups);
	joins_free(lp->joins);
	free(lp);
}

/* Find the columns by name once; a missing one makes the pass odd. */
static void map_columns(struct lines_pass *lp, int ncols, const char *const *names)
{
	lp->mapped = true;
	for (int c = 0; c < C_COUNT; c++) {
		lp->col[c] = -1;
		for (int i = 0; i < ncols; i++)
			if (strcmp(names[i], cols[c].name) == 0)
				lp->col[c] = i;
		if (lp->col[c] < 0)
			lp->odd = true;
	}
}

static struct lsource *source_of(struct lines_pass *lp, int64_t id)
{
	if (lp->nsrc && lp->src[lp->last].id == id)
		return &lp->src[lp->last];
	for (lp->last = 0; lp->last < lp->nsrc; lp->last++)
		if (lp->src[lp->last].id == id)
			return &lp->src[lp->last];
	lp->src = xrealloc(lp->src, (lp->nsrc + 1) * sizeof *lp->src);
	lp->src[lp->nsrc] = (struct lsource){ .id = id };
	lp->last = lp->nsrc++;
	return &lp->src[lp->last];
}

/* FILLED(sku) of the SQL: not NULL, and not only spaces (trim drops
 * spaces only). */
static bool filled(const struct prof_value *v)
{
	if (v->type != PROF_TEXT)
		return false;
	for (size_t i = 0; i < v->len; i++)
		if (v->s[i] != ' ')
			return true;
	return false;
}

/* orr_valid_currency on the NUL-terminated text SQLite hands out; most
 * lines repeat the last currency, so its verdict is kept. */
static bool currency_valid(struct lines_pass *lp, const char *s)
{
	if (!lp->currency || strcmp(lp->currency, s) != 0) {
		free(lp->currency);
		lp->currency = xstrdup(s);
		lp->currency_ok = valid_currency(s);
	}
	return lp->currency_ok;
}

/* The checks that look at one line only. */
static void check_line(struct lines_pass *lp, const struct prof_value *v[C_COUNT])
{
	int64_t id = v[C_ID]->i, source = v[C_SOURCE]->type == PROF_INT ? v[C_SOURCE]->i : 0;
	struct lsource *s = source_of(lp, source);
	int64_t qty = v[C_QUANTITY]->i;
	bool no_order = v[C_ORDER_ID]->type == PROF_NULL;

	s->checked[LC_ORDER]++;
	if (no_order)
		rows_add(&lp->fail[LC_ORDER], id, source);
	if (filled(v[C_SKU])) {
		s->checked[LC_SKU]++;
		if (v[C_VARIANT]->type == PROF_NULL)
			rows_add(&lp->fail[LC_SKU], id, source);
	}
	if (qty > 0 && v[C_PRICE]->type == PROF_INT) {
		s->checked[LC_PRICE]++;
		if (v[C_PRICE]->i <= 0)
			rows_add(&lp->fail[LC_PRICE], id, source);
	}
	s->checked[LC_NEGATIVE]++;
	if (qty < 0 && (no_order || !idset_has(&lp->returns, v[C_ORDER_ID]->i)))
		rows_add(&lp->fail[LC_NEGATIVE], id, source);
	if (v[C_CURRENCY]->type == PROF_TEXT) {
		s->checked[LC_CURRENCY]++;
		if (!currency_valid(lp, v[C_CURRENCY]->s))
			rows_add(&lp->fail[LC_CURRENCY], id, source);
	}
	s->checked[LC_DUPLICATE]++;
	struct join_line jl = { id, source, v[C_ORDER_ID], v[C_VARIANT], v[C_QUANTITY], v[C_PRICE],
				v[C_FREIGHT] };
	joins_line(lp->joins, &jl);
}

/* The values of a row, or false when one has a type not mirrored here. */
static bool row_values(struct lines_pass *lp, const struct prof_value *vals,
		       const struct prof_value *v[C_COUNT])
{
	for (int c = 0; c < C_COUNT; c++) {
		v[c] = &vals[lp->col[c]];
		if (!(cols[c].types & (1u << v[c]->type)))
			return false;
	}
	return true;
}

static void dup_key(const struct prof_value *v[C_COUNT], struct prof_value key[DUP_FIELDS])
{
	key[DUP_ORIGIN] = *v[C_ORIGIN];
	key[DUP_ORDER] = *v[C_ORDER_KEY];
	key[DUP_SKU] = *v[C_SKU];
	key[DUP_QUANTITY] = *v[C_QUANTITY];
	key[DUP_PRICE] = *v[C_PRICE];
	key[DUP_DESCRIPTION] = *v[C_DESCRIPTION];
}

void lines_pass_row(void *ctx, int ncols, const char *const *names, const struct prof_value *vals)
{
	struct lines_pass *lp = ctx;
	const struct prof_value *v[C_COUNT];
	if (!lp->mapped)
		map_columns(lp, ncols, names);
	if (lp->odd || !row_values(lp, vals, v)) {
		lp->odd = true;
		return;
	}
	check_line(lp, v);
	struct prof_value key[DUP_FIELDS];
	dup_key(v, key);
	dups_add(lp->dups, v[C_ID]->i, v[C_SOURCE]->type == PROF_INT ? v[C_SOURCE]->i : 0,
		 v[C_LINE_NO]->i, key);
}

/* A line of a split order read again: only the duplicate check wants it. */
static void reread_row(void *ctx, int ncols, const char *const *names,
		       const struct prof_value *vals)
{
	struct lines_pass *lp = ctx;
	const struct prof_value *v[C_COUNT];
	(void)ncols;
	(void)names;
	if (lp->odd || !row_values(lp, vals, v)) {
		lp->odd = true;
		return;
	}
	struct prof_value key[DUP_FIELDS];
	dup_key(v, key);
	dups_add(lp->dups, v[C_ID]->i, v[C_SOURCE]->type == PROF_INT ? v[C_SOURCE]->i : 0,
		 v[C_LINE_NO]->i, key);
}

enum orr_rc lines_pass_finish(struct store *st, struct lines_pass *lp, char **err)
{
	enum orr_rc rc = ORR_OK;
	size_t n = lp->odd ? 0 : dups_end_scan(lp->dups);
	for (size_t i = 0; i < n && rc == ORR_OK && !lp->odd; i++) {
		struct prof_value origin, order_key;
		dups_split_order(lp->dups, i, &origin, &order_key);
		rc = audit_scan_order(st, &origin, &order_key, reread_row, lp, err);
		dups_end_order(lp->dups);
	}
	size_t nrows;
	const struct audit_row *rows = dups_rows(lp->dups, &nrows);
	for (size_t i = 0; i < nrows && !lp->odd; i++)
		rows_add(&lp->fail[LC_DUPLICATE], rows[i].id, rows[i].source_id);
	if (lp->odd)
		return rc;
	joins_outliers(lp->joins);
	if (rc == ORR_OK)
		rc = audit_lookup(st, AUDIT_VARIANT_PRICES, price_row, lp->joins, err);
	if (rc == ORR_OK)
		rc = audit_lookup(st, AUDIT_ORDER_PAYMENTS, paid_row, lp->joins, err);
	return rc;
}

static int lc_of(const struct audit_check *c)
{
	for (int i = 0; i < LC_COUNT; i++)
		if (strcmp(lc_names[i], c->name) == 0)
			return i;
	return -1;
}

bool lines_pass_computes(const struct lines_pass *lp, const struct audit_check *c)
{
	int k = lp && !lp->odd ? lc_of(c) : -1;
	if (k >= LC_QTY_OUTLIER)
		return !joins_gave_up(lp->joins, (enum join_check)(k - LC_QTY_OUTLIER));
	return k >= 0;
}

static int count_cmp(const void *a, const void *b)
{
	const struct audit_source_count *x = a, *y = b;
	return (x->source_id > y->source_id) - (x->source_id < y->source_id);
}

enum orr_rc lines_pass_record(struct store *st, int64_t run_id, const struct lines_pass *lp,
			      const struct audit_check *c, char **err)
{
	int k = lc_of(c);
	const struct rows *fail = &lp->fail[k];
	/* the sources that had rows checked, in the order SQL's GROUP BY
	 * gives them (none first) */
	struct audit_source_count *per = xcalloc(lp->nsrc + 1, sizeof *per);
	size_t nper = 0;
	for (size_t i = 0; i < lp->nsrc; i++)
		if (lp->src[i].checked[k])
			per[nper++] = (struct audit_source_count){ lp->src[i].id,
								   lp->src[i].checked[k], 0 };
	qsort(per, nper, sizeof *per, count_cmp);
	for (size_t r = 0; r < fail->n; r++)
		for (size_t i = 0; i < nper; i++)
			if (per[i].source_id == fail->r[r].source_id) {
				per[i].failing++;
				break;
			}
	enum orr_rc rc = audit_record_computed(st, run_id, c, fail->r, fail->n, per, nper, err);
	free(per);
	return rc;
}
