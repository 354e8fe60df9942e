/* audit_dups.c - exact duplicate order lines by hashing runs of an order's
 * lines; see audit_dups.h. */
#include "audit_dups.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define NO_ORDER UINT32_MAX /* a line of a split order fed again: final */

/* A line of the current run; its key bytes sit in the run's arena. */
struct dline {
	int64_t id, source_id, line_no;
	int64_t min_line_no; /* of its group, kept on the group's first line */
	uint64_t hash;
	size_t off, len;
	size_t group; /* index of the group's first line */
};

/* A failing line found in a run, with the order it belongs to: dropped if
 * that order turns out to be split. */
struct pending {
	struct audit_row row;
	uint32_t order;
};

struct buf {
	char *p;
	size_t len, cap;
};

struct dups {
	dups_hash_fn hash;
	/* the current run: its order's key and its lines */
	struct buf order, scratch, keys;
	struct dline *lines;
	size_t nlines, caplines;
	bool in_run, resolving;
	size_t *table; /* grouping table of a run: line index + 1, 0 free */
	size_t tablecap;
	/* every order met: its key bytes, and whether it came in two runs */
	struct buf okeys;
	size_t *ooff, *olen;
	bool *split;
	size_t norders, capo;
	uint32_t *omap; /* order index + 1, 0 free */
	uint64_t *ohash;
	size_t omask;
	/* results */
	struct pending *pend;
	size_t npend, cappend;
	struct audit_row *rows;
	size_t nrows, caprows;
	uint32_t *splits;
	size_t nsplits;
};

static void buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* A value as bytes that are equal exactly when the values are: its type,
 * then 8 bytes of a number or the length and bytes of a text. */
static void put_value(struct buf *b, const struct prof_value *v)
{
	uint8_t type = (uint8_t)v->type;
	buf_put(b, &type, 1);
	if (v->type == PROF_INT)
		buf_put(b, &v->i, sizeof v->i);
	else if (v->type == PROF_REAL)
		buf_put(b, &v->r, sizeof v->r);
	else if (v->type == PROF_TEXT) {
		uint64_t len = v->len;
		buf_put(b, &len, sizeof len);
		buf_put(b, v->s ? v->s : "", v->len);
	}
}

/* The value put_value wrote at p (a text points into the bytes). */
static const char *get_value(const char *p, struct prof_value *v)
{
	*v = (struct prof_value){ .type = (enum prof_type)(uint8_t)*p++ };
	if (v->type == PROF_INT) {
		memcpy(&v->i, p, sizeof v->i);
		return p + sizeof v->i;
	}
	if (v->type == PROF_REAL) {
		memcpy(&v->r, p, sizeof v->r);
		return p + sizeof v->r;
	}
	if (v->type == PROF_TEXT) {
		uint64_t len;
		memcpy(&len, p, sizeof len);
		v->s = p + sizeof len;
		v->len = (size_t)len;
		return v->s + v->len;
	}
	return p;
}

struct dups *dups_new(dups_hash_fn hash)
{
	struct dups *d = xcalloc(1, sizeof *d);
	d->hash = hash;
	d->omask = 255;
	d->omap = xcalloc(d->omask + 1, sizeof *d->omap);
	d->ohash = xcalloc(d->omask + 1, sizeof *d->ohash);
	return d;
}

void dups_free(struct dups *d)
{
	if (!d)
		return;
	free(d->order.p);
	free(d->scratch.p);
	free(d->keys.p);
	free(d->lines);
	free(d->table);
	free(d->okeys.p);
	free(d->ooff);
	free(d->olen);
	free(d->split);
	free(d->omap);
	free(d->ohash);
	free(d->pend);
	free(d->rows);
	free(d->splits);
	free(d);
}

/* ---- orders ---------------------------------------------------------------- */

static void orders_grow(struct dups *d)
{
	size_t size = (d->omask + 1) * 2;
	uint32_t *map = xcalloc(size, sizeof *map);
	uint64_t *hash = xcalloc(size, sizeof *hash);
	for (size_t i = 0; i <= d->omask; i++) {
		if (!d->omap[i])
			continue;
		size_t j = d->ohash[i] & (size - 1);
		while (map[j])
			j = (j + 1) & (size - 1);
		map[j] = d->omap[i];
		hash[j] = d->ohash[i];
	}
	free(d->omap);
	free(d->ohash);
	d->omap = map;
	d->ohash = hash;
	d->omask = size - 1;
}

static uint32_t order_new(struct dups *d, size_t slot, uint64_t h)
{
	if (d->norders == d->capo) {
		d->capo = d->capo ? d->capo * 2 : 256;
		d->ooff = xrealloc(d->ooff, d->capo * sizeof *d->ooff);
		d->olen = xrealloc(d->olen, d->capo * sizeof *d->olen);
		d->split = xrealloc(d->split, d->capo * sizeof *d->split);
	}
	uint32_t o = (uint32_t)d->norders++;
	d->ooff[o] = d->okeys.len;
	d->olen[o] = d->order.len;
	d->split[o] = false;
	buf_put(&d->okeys, d->order.p, d->order.len);
	d->omap[slot] = o + 1;
	d->ohash[slot] = h;
	if (d->norders * 2 > d->omask + 1)
		orders_grow(d);
	return o;
}

/* The current run's order; met before (in an earlier run), it is split. */
static uint32_t order_of_run(struct dups *d)
{
	uint64_t h = d->hash(d->order.p, d->order.len);
	size_t i = h & d->omask;
	for (; d->omap[i]; i = (i + 1) & d->omask) {
		uint32_t o = d->omap[i] - 1;
		if (d->ohash[i] == h && d->olen[o] == d->order.len &&
		    memcmp(d->okeys.p + d->ooff[o], d->order.p, d->order.len) == 0) {
			d->split[o] = true;
			return o;
		}
	}
	return order_new(d, i, h);
}

/* ---- runs ------------------------------------------------------------------ */

static bool same_key(const struct dups *d, const struct dline *a, const struct dline *b)
{
	return a->hash == b->hash && a->len == b->len &&
	       memcmp(d->keys.p + a->off, d->keys.p + b->off, a->len) == 0;
}

/* Each line joins the group of the first line with its key; the group
 * keeps the smallest line_no. */
static void group_run(struct dups *d)
{
	size_t size = 16;
	while (size < d->nlines * 2)
		size *= 2;
	if (size > d->tablecap) {
		free(d->table);
		d->table = xmalloc(size * sizeof *d->table);
		d->tablecap = size;
	}
	memset(d->table, 0, size * sizeof *d->table);
	for (size_t n = 0; n < d->nlines; n++) {
		struct dline *l = &d->lines[n];
		size_t i = l->hash & (size - 1);
		while (d->table[i] && !same_key(d, &d->lines[d->table[i] - 1], l))
			i = (i + 1) & (size - 1);
		if (!d->table[i]) {
			d->table[i] = n + 1;
			l->group = n;
			l->min_line_no = l->line_no;
			continue;
		}
		struct dline *first = &d->lines[d->table[i] - 1];
		l->group = d->table[i] - 1;
		if (l->line_no < first->min_line_no)
			first->min_line_no = l->line_no;
	}
}

static void fail(struct dups *d, const struct dline *l, uint32_t order)
{
	struct audit_row row = { l->id, l->source_id };
	if (order == NO_ORDER) {
		if (d->nrows == d->caprows) {
			d->caprows = d->caprows ? d->caprows * 2 : 64;
			d->rows = xrealloc(d->rows, d->caprows * sizeof *d->rows);
		}
		d->rows[d->nrows++] = row;
		return;
	}
	if (d->npend == d->cappend) {
		d->cappend = d->cappend ? d->cappend * 2 : 64;
		d->pend = xrealloc(d->pend, d->cappend * sizeof *d->pend);
	}
	d->pend[d->npend++] = (struct pending){ row, order };
}

/* The run is over: every line after the first of its group fails. */
static void close_run(struct dups *d)
{
	if (!d->in_run)
		return;
	uint32_t order = d->resolving ? NO_ORDER : order_of_run(d);
	if (d->nlines > 1) {
		group_run(d);
		for (size_t n = 0; n < d->nlines; n++)
			if (d->lines[n].line_no > d->lines[d->lines[n].group].min_line_no)
				fail(d, &d->lines[n], order);
	}
	d->nlines = 0;
	d->keys.len = 0;
	d->in_run = false;
}

void dups_add(struct dups *d, int64_t id, int64_t source_id, int64_t line_no,
	      const struct prof_value key[DUP_FIELDS])
{
	d->scratch.len = 0;
	put_value(&d->scratch, &key[DUP_ORIGIN]);
	put_value(&d->scratch, &key[DUP_ORDER]);
	if (!d->in_run || d->scratch.len != d->order.len ||
	    memcmp(d->scratch.p, d->order.p, d->order.len) != 0) {
		close_run(d);
		struct buf t = d->order;
		d->order = d->scratch;
		d->scratch = t;
		d->in_run = true;
	}
	if (d->nlines == d->caplines) {
		d->caplines = d->caplines ? d->caplines * 2 : 64;
		d->lines = xrealloc(d->lines, d->caplines * sizeof *d->lines);
	}
	struct dline *l = &d->lines[d->nlines++];
	l->id = id;
	l->source_id = source_id;
	l->line_no = line_no;
	l->off = d->keys.len;
	for (int f = DUP_SKU; f < DUP_FIELDS; f++)
		put_value(&d->keys, &key[f]);
	l->len = d->keys.len - l->off;
	l->hash = d->hash(d->keys.p + l->off, l->len);
}

size_t dups_end_scan(struct dups *d)
{
	close_run(d);
	d->resolving = true;
	d->splits = xcalloc(d->norders + 1, sizeof *d->splits);
	for (size_t o = 0; o < d->norders; o++)
		if (d->split[o])
			d->splits[d->nsplits++] = (uint32_t)o;
	for (size_t i = 0; i < d->npend; i++)
		if (!d->split[d->pend[i].order]) {
			struct dline l = { .id = d->pend[i].row.id, .source_id = d->pend[i].row.source_id };
			fail(d, &l, NO_ORDER);
		}
	free(d->pend);
	d->pend = NULL;
	d->npend = d->cappend = 0;
	return d->nsplits;
}

void dups_split_order(const struct dups *d, size_t i, struct prof_value *origin,
		      struct prof_value *order_key)
{
	const char *p = d->okeys.p + d->ooff[d->splits[i]];
	get_value(get_value(p, origin), order_key);
}

void dups_end_order(struct dups *d)
{
	close_run(d);
}

const struct audit_row *dups_rows(const struct dups *d, size_t *n)
{
	*n = d->nrows;
	return d->rows;
}
