/* audit_joins.c - order-line checks that join other tables; see audit_joins.h. */
#include "audit_joins.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit_valid.h"
#include "hll.h"
#include "xalloc.h"

#define NONE UINT32_MAX

/* int64 -> uint32 by open addressing; NONE marks a free slot. */
struct idmap {
	int64_t *key;
	uint32_t *val;
	size_t mask, n;
};

/* A category's quantities, with the lines they came from. */
struct qty {
	int64_t id, source;
	double v;
};

struct group {
	char *name;
	size_t len;
	uint32_t next; /* the next group whose name has the same hash, or NONE */
	struct qty *q;
	size_t n, cap;
};

/* The prices one source sold a variant at; next: that variant's next
 * source (NONE ends). */
struct sold {
	int64_t source, lo, hi;
	uint32_t next;
};

struct joins {
	struct join_sink sink;
	bool gave_up[JC_COUNT];
	struct idmap variant_group; /* variant -> index in groups */
	struct group *groups;
	size_t ngroups;
	struct idmap group_of; /* hash of a category -> first group with it */
	struct idmap variant_sold; /* variant -> first index in sold */
	struct sold *sold;
	size_t nsold;
	struct idmap order_due; /* order -> index in due */
	int64_t *due;
	size_t ndue;
};

/* ---- the map ------------------------------------------------------------- */

static size_t slot_of(int64_t key, size_t mask)
{
	uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15u;
	return (size_t)(h ^ (h >> 29)) & mask;
}

static void idmap_init(struct idmap *m)
{
	m->mask = 255;
	m->n = 0;
	m->key = xcalloc(m->mask + 1, sizeof *m->key);
	m->val = xmalloc((m->mask + 1) * sizeof *m->val);
	memset(m->val, 0xff, (m->mask + 1) * sizeof *m->val);
}

static void idmap_free(struct idmap *m)
{
	free(m->key);
	free(m->val);
}

static uint32_t idmap_get(const struct idmap *m, int64_t key)
{
	for (size_t i = slot_of(key, m->mask);; i = (i + 1) & m->mask)
		if (m->val[i] == NONE || m->key[i] == key)
			return m->val[i];
}

static void idmap_put(struct idmap *m, int64_t key, uint32_t val);

/* Twice the slots, every entry moved over: the map stays at most half full. */
static void idmap_grow(struct idmap *m)
{
	struct idmap old = *m;
	m->mask = old.mask * 2 + 1;
	m->n = 0;
	m->key = xcalloc(m->mask + 1, sizeof *m->key);
	m->val = xmalloc((m->mask + 1) * sizeof *m->val);
	memset(m->val, 0xff, (m->mask + 1) * sizeof *m->val);
	for (size_t i = 0; i <= old.mask; i++)
		if (old.val[i] != NONE)
			idmap_put(m, old.key[i], old.val[i]);
	idmap_free(&old);
}

/* Set key's value (added, or replaced). */
static void idmap_put(struct idmap *m, int64_t key, uint32_t val)
{
	if ((m->n + 1) * 2 > m->mask + 1)
		idmap_grow(m);
	size_t i = slot_of(key, m->mask);
	while (m->val[i] != NONE && m->key[i] != key)
		i = (i + 1) & m->mask;
	if (m->val[i] == NONE)
		m->n++;
	m->key[i] = key;
	m->val[i] = val;
}

/* ---- life ------------------------------------------------------------------ */

struct joins *joins_new(const struct join_sink *sink)
{
	struct joins *j = xcalloc(1, sizeof *j);
	j->sink = *sink;
	idmap_init(&j->variant_group);
	idmap_init(&j->group_of);
	idmap_init(&j->variant_sold);
	idmap_init(&j->order_due);
	return j;
}

void joins_free(struct joins *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->ngroups; i++) {
		free(j->groups[i].name);
		free(j->groups[i].q);
	}
	free(j->groups);
	free(j->sold);
	free(j->due);
	idmap_free(&j->variant_group);
	idmap_free(&j->group_of);
	idmap_free(&j->variant_sold);
	idmap_free(&j->order_due);
	free(j);
}

bool joins_gave_up(const struct joins *j, enum join_check c)
{
	return j->gave_up[c];
}

/* ---- quantity outliers ------------------------------------------------------ */

/* The group of a category text, made on first sight.  group_of keeps the
 * newest group of each name hash; older ones with that hash follow by next,
 * and the bytes tell them apart. */
static uint32_t group_named(struct joins *j, const char *s, size_t len)
{
	int64_t h = (int64_t)hll_hash(s, len);
	uint32_t first = idmap_get(&j->group_of, h);
	for (uint32_t g = first; g != NONE; g = j->groups[g].next)
		if (j->groups[g].len == len && memcmp(j->groups[g].name, s, len) == 0)
			return g;
	j->groups = xrealloc(j->groups, (j->ngroups + 1) * sizeof *j->groups);
	char *name = xmalloc(len + 1);
	memcpy(name, s, len);
	name[len] = '\0';
	j->groups[j->ngroups] = (struct group){ .name = name, .len = len, .next = first };
	idmap_put(&j->group_of, h, (uint32_t)j->ngroups);
	return (uint32_t)j->ngroups++;
}

void joins_category(struct joins *j, int64_t variant, const struct prof_value *category)
{
	/* the SQL groups by the text up to its first NUL (strcmp); only plain
	 * text is mirrored */
	if (category->type != PROF_TEXT || memchr(category->s, '\0', category->len)) {
		j->gave_up[JC_QTY_OUTLIER] = true;
		return;
	}
	idmap_put(&j->variant_group, variant, group_named(j, category->s, category->len));
}

static void group_add(struct group *g, int64_t id, int64_t source, double v)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->q = xrealloc(g->q, g->cap * sizeof *g->q);
	}
	g->q[g->n++] = (struct qty){ id, source, v };
}

/* As the SQL's OUTLIER: more than 5 robust deviations from the median of a
 * group of at least 5 values (store_audit.c flag_group). */
void joins_outliers(struct joins *j)
{
	for (size_t gi = 0; gi < j->ngroups && !j->gave_up[JC_QTY_OUTLIER]; gi++) {
		struct group *g = &j->groups[gi];
		if (g->n < 5)
			continue;
		double *v = xmalloc(g->n * sizeof *v);
		for (size_t i = 0; i < g->n; i++)
			v[i] = g->q[i].v;
		double median = stat_median(v, g->n);
		for (size_t i = 0; i < g->n; i++)
			v[i] = g->q[i].v;
		double mad = stat_mad(v, g->n, median);
		free(v);
		for (size_t i = 0; i < g->n; i++)
			if (stat_outlier(g->q[i].v, median, mad, 5.0))
				j->sink.failed(j->sink.ctx, JC_QTY_OUTLIER, g->q[i].id,
					       g->q[i].source);
	}
}

/* ---- the line -------------------------------------------------------------- */

/* The lowest and highest price of a sold line, per variant and source. */
static void note_sold(struct joins *j, int64_t variant, int64_t source, int64_t price)
{
	uint32_t first = idmap_get(&j->variant_sold, variant);
	for (uint32_t k = first; k != NONE; k = j->sold[k].next)
		if (j->sold[k].source == source) {
			if (price < j->sold[k].lo)
				j->sold[k].lo = price;
			if (price > j->sold[k].hi)
				j->sold[k].hi = price;
			return;
		}
	if ((j->nsold & (j->nsold - 1)) == 0)
		j->sold = xrealloc(j->sold, (j->nsold ? j->nsold * 2 : 1) * sizeof *j->sold);
	j->sold[j->nsold] = (struct sold){ source, price, price, first };
	idmap_put(&j->variant_sold, variant, (uint32_t)j->nsold++);
}

/* What the line owes, added to its order's due as SQLite's
 * sum(quantity * coalesce(unit_price_minor, 0) + coalesce(freight_minor, 0))
 * would: integers throughout, else (a real or text freight, an overflow,
 * where SQLite turns to reals or fails) the check gives up. */
static void note_due(struct joins *j, const struct join_line *l)
{
	int64_t price = l->price->type == PROF_INT ? l->price->i : 0, freight = 0, owed;
	if (l->freight->type == PROF_INT)
		freight = l->freight->i;
	else if (l->freight->type != PROF_NULL)
		goto give_up;
	if (l->price->type != PROF_INT && l->price->type != PROF_NULL)
		goto give_up;
	if (__builtin_mul_overflow(l->quantity->i, price, &owed) ||
	    __builtin_add_overflow(owed, freight, &owed))
		goto give_up;
	uint32_t k = idmap_get(&j->order_due, l->order_id->i);
	if (k == NONE) {
		if ((j->ndue & (j->ndue - 1)) == 0)
			j->due = xrealloc(j->due, (j->ndue ? j->ndue * 2 : 1) * sizeof *j->due);
		j->due[j->ndue] = 0;
		k = (uint32_t)j->ndue++;
		idmap_put(&j->order_due, l->order_id->i, k);
	}
	if (!__builtin_add_overflow(j->due[k], owed, &j->due[k]))
		return;
give_up:
	j->gave_up[JC_PAYMENTS] = true;
}

void joins_line(struct joins *j, const struct join_line *l)
{
	if (l->quantity->type != PROF_INT) {
		for (int c = 0; c < JC_COUNT; c++)
			j->gave_up[c] = true;
		return;
	}
	int64_t qty = l->quantity->i;
	bool variant = l->variant->type == PROF_INT;
	if (variant && qty > 0 && !j->gave_up[JC_QTY_OUTLIER]) {
		uint32_t g = idmap_get(&j->variant_group, l->variant->i);
		if (g != NONE) {
			j->sink.checked(j->sink.ctx, JC_QTY_OUTLIER, l->source);
			group_add(&j->groups[g], l->id, l->source, (double)qty);
		}
	}
	if (variant && qty > 0 && l->price->type == PROF_INT && l->price->i > 0)
		note_sold(j, l->variant->i, l->source, l->price->i);
	else if (variant && qty > 0 && l->price->type != PROF_INT && l->price->type != PROF_NULL)
		j->gave_up[JC_SKU_PRICE] = true;
	if (l->order_id->type == PROF_INT && !j->gave_up[JC_PAYMENTS])
		note_due(j, l);
	else if (l->order_id->type != PROF_NULL)
		j->gave_up[JC_PAYMENTS] = true;
}

/* ---- after the scan ----------------------------------------------------------- */

/* A catalogue price outside the prices another source (its own source
 * aside; none counts as a source) sold the variant at. */
void joins_variant(struct joins *j, int64_t id, int64_t source, const struct prof_value *price)
{
	if (price->type != PROF_INT) {
		j->gave_up[JC_SKU_PRICE] = true;
		return;
	}
	j->sink.checked(j->sink.ctx, JC_SKU_PRICE, source);
	for (uint32_t k = idmap_get(&j->variant_sold, id); k != NONE; k = j->sold[k].next)
		if (j->sold[k].source != source &&
		    (price->i < j->sold[k].lo || price->i > j->sold[k].hi)) {
			j->sink.failed(j->sink.ctx, JC_SKU_PRICE, id, source);
			return;
		}
}

/* abs(due - paid) > 1 as SQLite computes it: integer arithmetic, or
 * doubles when the payments summed to a real; NULL compares false. */
void joins_order_paid(struct joins *j, int64_t id, int64_t source, const struct prof_value *paid)
{
	uint32_t k = idmap_get(&j->order_due, id);
	if (k == NONE)
		return; /* no lines: not checked */
	bool fails = false;
	int64_t diff;
	if (paid->type == PROF_INT) {
		if (__builtin_sub_overflow(j->due[k], paid->i, &diff) || diff == INT64_MIN)
			j->gave_up[JC_PAYMENTS] = true;
		fails = diff > 1 || diff < -1;
	} else if (paid->type == PROF_REAL) {
		fails = fabs((double)j->due[k] - paid->r) > 1.0;
	} else if (paid->type != PROF_NULL) {
		j->gave_up[JC_PAYMENTS] = true;
	}
	j->sink.checked(j->sink.ctx, JC_PAYMENTS, source);
	if (fails)
		j->sink.failed(j->sink.ctx, JC_PAYMENTS, id, source);
}
