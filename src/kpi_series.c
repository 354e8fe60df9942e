/* kpi_series.c - series and their samples, sorted for lookup. */
#include "kpi_series.h"

#include <stdlib.h>
#include <string.h>

#include "store_kpi.h"
#include "xalloc.h"

struct builder {
	struct kpi_series_set *set;
	size_t cap;
	bool baseline; /* samples go to base instead of cur */
};

static void add_series(struct builder *b, const struct kpi_def *def, const char *subsystem,
		       const char *kind)
{
	if (b->set->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->set->v = xrealloc(b->set->v, b->cap * sizeof *b->set->v);
	}
	b->set->v[b->set->n++] = (struct kpi_series){ .def = def, .subsystem = xstrdup(subsystem),
						      .kind = xstrdup(kind) };
}

/* KPIs this build does not know (a newer orrery wrote them) are skipped. */
static void on_series(void *ctx, const char *kpi, const struct kpi_sample *s)
{
	const struct kpi_def *def = kpi_find(kpi);
	if (def)
		add_series(ctx, def, s->subsystem, s->kind);
}

static int cmp_key(const struct kpi_def *d, const char *sub, const char *kind,
		   const struct kpi_series *s)
{
	if (d->id != s->def->id)
		return d->id < s->def->id ? -1 : 1;
	int c = strcmp(sub, s->subsystem);
	return c ? c : strcmp(kind, s->kind);
}

static int cmp_series(const void *a, const void *b)
{
	const struct kpi_series *x = a;
	return cmp_key(x->def, x->subsystem, x->kind, b);
}

static struct kpi_series *find(struct kpi_series_set *set, const struct kpi_def *d,
			       const char *sub, const char *kind)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_key(d, sub, kind, &set->v[mid]);
		if (c == 0)
			return &set->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void on_sample(void *ctx, const char *kpi, const struct kpi_sample *s)
{
	struct builder *b = ctx;
	const struct kpi_def *def = kpi_find(kpi);
	struct kpi_series *series = def ? find(b->set, def, s->subsystem, s->kind) : NULL;
	if (!series)
		return;
	struct kpi_points *p = b->baseline ? &series->base : &series->cur;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
	}
	p->v[p->n++] = (struct kpi_point){ s->num, s->den };
}

/* One label-less series for every KPI that has none. */
static void add_missing(struct builder *b)
{
	bool seen[KPI_COUNT] = { false };
	for (size_t i = 0; i < b->set->n; i++)
		seen[b->set->v[i].def->id] = true;
	size_t n;
	const struct kpi_def *defs = kpi_catalog(&n);
	for (size_t i = 0; i < n; i++)
		if (!seen[i])
			add_series(b, &defs[i], "", "");
}

enum orr_rc kpi_series_load(struct store *st, int64_t baseline_id, int64_t from, int64_t to,
			    struct kpi_series_set *set, char **err)
{
	memset(set, 0, sizeof *set);
	struct builder b = { .set = set };
	enum orr_rc rc = kpi_samples_series(st, baseline_id, on_series, &b, err);
	if (rc == ORR_OK) {
		add_missing(&b);
		qsort(set->v, set->n, sizeof *set->v, cmp_series);
		rc = kpi_samples_window(st, from, to, on_sample, &b, err);
	}
	if (rc == ORR_OK && baseline_id) {
		b.baseline = true;
		rc = kpi_baselines_samples(st, baseline_id, on_sample, &b, err);
	}
	if (rc != ORR_OK)
		kpi_series_free(set);
	return rc;
}

void kpi_series_free(struct kpi_series_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].subsystem);
		free(set->v[i].kind);
		free(set->v[i].base.v);
		free(set->v[i].cur.v);
	}
	free(set->v);
	memset(set, 0, sizeof *set);
}
