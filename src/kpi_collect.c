/* kpi_collect.c - KPI samples from facts.  Each collection reads only what
 * can have changed: facts that happen live (job outcomes, runner spans,
 * audits, approvals, content events) from the hour of the previous
 * collection on; imported facts (orders, inventory) again whole, but only
 * when their events show a change.  Recomputed hours replace the old ones
 * and their days are rolled up again. */
#include "kpi_collect.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kpi_catalog.h"
#include "kpi_stats.h"
#include "store_kpi.h"
#include "store_kpi_facts.h"
#include "subsystem.h"
#include "xalloc.h"

#define HOURS_PER_YEAR 8760.0

/* The hour samples of one KPI computed by this collection. */
struct sample_buf {
	struct kpi_sample *v;
	size_t n, cap;
	int64_t from; /* hours from here on are replaced; -1: not recomputed */
};

struct collect {
	struct store *st;
	int64_t now, from; /* from: live facts are recomputed from this hour */
	struct sample_buf buf[KPI_COUNT];
	int64_t h0;        /* runner uptime per hour, hours h0 .. h0 + nh - 1 */
	size_t nh;
	double *up_ms;
	char **err;
};

/* --- sample buffers -------------------------------------------------------- */

static void emit(struct collect *c, enum kpi_id id, const char *subsystem, const char *kind,
		 int64_t start, double num, double den)
{
	struct sample_buf *b = &c->buf[id];
	if (!(den > 0) || !isfinite(num))
		return;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = xrealloc(b->v, b->cap * sizeof *b->v);
	}
	b->v[b->n++] = (struct kpi_sample){ xstrdup(subsystem ? subsystem : ""),
					    xstrdup(kind ? kind : ""), start, num, den };
}

static void recompute(struct collect *c, enum kpi_id id, int64_t from)
{
	c->buf[id].from = from;
}

static void buf_free(struct sample_buf *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free((char *)b->v[i].subsystem);
		free((char *)b->v[i].kind);
	}
	free(b->v);
	memset(b, 0, sizeof *b);
}

/* Replace the KPI's hours from b->from on, then roll up their days. */
static enum orr_rc flush(struct collect *c, const struct kpi_def *d, struct sample_buf *b,
			 int *written)
{
	enum orr_rc rc = kpi_samples_clear(c->st, d->name, b->from, c->err);
	for (size_t i = 0; i < b->n && rc == ORR_OK; i++)
		rc = kpi_samples_put(c->st, d->name, &b->v[i], c->now, c->err);
	int days = 0;
	if (rc == ORR_OK)
		rc = kpi_samples_roll_days(c->st, d->name, kpi_day_of(b->from), c->now, &days,
					   c->err);
	*written += (int)b->n + days;
	return rc;
}

/* --- runner uptime and availability ---------------------------------------- */

/* Elapsed ms of hour h that count: after the first runner ever started and
 * not after now. */
static double hour_span(const struct collect *c, int64_t h, int64_t first)
{
	int64_t from = h > first ? h : first;
	int64_t to = h + KPI_HOUR_MS < c->now ? h + KPI_HOUR_MS : c->now;
	return to > from ? (double)(to - from) : 0;
}

static enum orr_rc availability_of(struct collect *c, const struct subsystem *sub,
				   const struct kpi_interval *up, size_t nup, int64_t first)
{
	struct kpi_interval *closed;
	size_t nclosed;
	enum orr_rc rc = kpi_breaker_closed(c->st, sub->name, &closed, &nclosed, c->err);
	if (rc != ORR_OK)
		return rc;
	struct kpi_interval *both = xcalloc(nup + nclosed + 1, sizeof *both);
	size_t nboth = kpi_intervals_intersect(up, nup, closed, nclosed, both);
	double *ms = xcalloc(c->nh, sizeof *ms);
	kpi_intervals_per_hour(both, nboth, c->h0, c->nh, ms);
	for (size_t i = 0; i < c->nh; i++) {
		int64_t h = c->h0 + (int64_t)i * KPI_HOUR_MS;
		emit(c, KPI_AVAILABILITY, sub->name, "", h, ms[i], hour_span(c, h, first));
	}
	free(ms);
	free(both);
	free(closed);
	return ORR_OK;
}

/* Uptime per hour (kept for throughput) and availability per subsystem. */
static enum orr_rc pass_uptime(struct collect *c)
{
	struct kpi_interval *spans;
	size_t n;
	int64_t first;
	enum orr_rc rc = kpi_spans_read(c->st, c->from, &spans, &n, &first, c->err);
	if (rc != ORR_OK)
		return rc;
	recompute(c, KPI_AVAILABILITY, c->from);
	n = kpi_intervals_union(spans, n);
	c->h0 = kpi_hour_of(c->from > first ? c->from : first);
	c->nh = first && c->now >= c->h0 ? (size_t)((c->now - c->h0) / KPI_HOUR_MS) + 1 : 0;
	c->up_ms = xcalloc(c->nh + 1, sizeof *c->up_ms);
	kpi_intervals_per_hour(spans, n, c->h0, c->nh, c->up_ms);
	size_t nsub;
	const struct subsystem *const *subs = subsystem_all(&nsub);
	for (size_t i = 0; i < nsub && rc == ORR_OK && c->nh; i++)
		rc = availability_of(c, subs[i], spans, n, first);
	free(spans);
	return rc;
}

/* Runner-up hours of hour h (0 outside the uptime range). */
static double up_hours(const struct collect *c, int64_t h)
{
	if (h < c->h0 || c->nh == 0)
		return 0;
	size_t i = (size_t)((h - c->h0) / KPI_HOUR_MS);
	return i < c->nh ? c->up_ms[i] / KPI_HOUR_MS : 0;
}

/* --- job outcomes ---------------------------------------------------------- */

/* The jobs of one kind that finished in one hour. */
struct job_group {
	char *subsystem, *kind;
	int64_t hour;
	double *wait, *run;
	size_t n, cap;
	double attempts, failed, retried, dead, succeeded;
};

/* Succeeded and automated jobs per hour, and succeeded per kind and hour. */
struct tally {
	int64_t hour;
	char *subsystem, *kind; /* NULL for the all-kinds tally */
	double n, hits;
};

struct job_pass {
	struct collect *c;
	struct job_group g;
	struct tally *t;
	size_t nt, ct;
	int64_t next_from, next_event; /* the cursor for the next collection */
	int64_t last_job;              /* a job reported twice is counted once */
};

static void tally_add(struct job_pass *p, int64_t hour, const char *sub, const char *kind,
		      double n, double hits)
{
	if (p->nt == p->ct) {
		p->ct = p->ct ? p->ct * 2 : 64;
		p->t = xrealloc(p->t, p->ct * sizeof *p->t);
	}
	p->t[p->nt++] = (struct tally){ hour, sub ? xstrdup(sub) : NULL, kind ? xstrdup(kind) : NULL,
					n, hits };
}

static void emit_quantiles(struct collect *c, const struct job_group *g, double *v,
			   enum kpi_id p50, enum kpi_id mean)
{
	static const double q[] = { 0.50, 0.95, 0.99 };
	double sum = 0;
	for (size_t i = 0; i < g->n; i++)
		sum += v[i];
	kpi_sort(v, g->n);
	for (int i = 0; i < 3; i++)
		emit(c, (enum kpi_id)(p50 + i), g->subsystem, g->kind, g->hour,
		     kpi_quantile(v, g->n, q[i]) * (double)g->n, (double)g->n);
	emit(c, mean, g->subsystem, g->kind, g->hour, sum, (double)g->n);
}

static void group_close(struct job_pass *p)
{
	struct job_group *g = &p->g;
	struct collect *c = p->c;
	if (g->n) {
		emit_quantiles(c, g, g->wait, KPI_QUEUE_WAIT_P50, KPI_QUEUE_WAIT_MEAN);
		emit_quantiles(c, g, g->run, KPI_RUN_TIME_P50, KPI_RUN_TIME_MEAN);
		emit(c, KPI_ERROR_RATE, g->subsystem, g->kind, g->hour, g->failed, g->attempts);
		emit(c, KPI_RETRY_RATE, g->subsystem, g->kind, g->hour, g->retried, (double)g->n);
		emit(c, KPI_DEAD_LETTER_RATE, g->subsystem, g->kind, g->hour, g->dead, (double)g->n);
		tally_add(p, g->hour, g->subsystem, g->kind, (double)g->n, g->succeeded);
	}
	free(g->subsystem);
	free(g->kind);
	free(g->wait);
	free(g->run);
	memset(g, 0, sizeof *g);
}

static bool same_group(const struct job_group *g, const struct kpi_job_fact *f, int64_t hour)
{
	return g->subsystem && g->hour == hour && strcmp(g->subsystem, f->subsystem) == 0 &&
	       strcmp(g->kind, f->kind) == 0;
}

static void on_job(void *ctx, const struct kpi_job_fact *f)
{
	struct job_pass *p = ctx;
	struct job_group *g = &p->g;
	int64_t hour = kpi_hour_of(f->finished_at);
	if (f->finished_at >= p->next_from && (p->next_event == 0 || f->event_id < p->next_event))
		p->next_event = f->event_id;
	if (f->job_id == p->last_job)
		return;
	p->last_job = f->job_id;
	if (!same_group(g, f, hour)) {
		group_close(p);
		*g = (struct job_group){ .subsystem = xstrdup(f->subsystem), .kind = xstrdup(f->kind),
					 .hour = hour };
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->wait = xrealloc(g->wait, g->cap * sizeof *g->wait);
		g->run = xrealloc(g->run, g->cap * sizeof *g->run);
	}
	g->wait[g->n] = f->wait_s > 0 ? f->wait_s : 0;
	g->run[g->n++] = f->run_s > 0 ? f->run_s : 0;
	g->attempts += f->attempts;
	g->failed += f->succeeded ? f->attempts - 1 : f->attempts;
	g->retried += f->attempts > 1;
	g->dead += !f->succeeded;
	g->succeeded += f->succeeded;
	struct tally *last = p->nt ? &p->t[p->nt - 1] : NULL;
	if (last && !last->kind && last->hour == hour) {
		last->n++;
		last->hits += f->automated;
	} else {
		tally_add(p, hour, NULL, NULL, 1, f->automated);
	}
}

static int cmp_tally(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	int k = (x->kind == NULL) - (y->kind == NULL);
	if (k == 0 && x->kind)
		k = strcmp(x->subsystem, y->subsystem) ? strcmp(x->subsystem, y->subsystem)
							: strcmp(x->kind, y->kind);
	return k ? k : (x->hour > y->hour) - (x->hour < y->hour);
}

/* Automation coverage from the all-kinds tallies (sorted: they come last). */
static void emit_coverage(struct job_pass *p)
{
	for (size_t i = 0; i < p->nt; i++) {
		if (p->t[i].kind)
			continue;
		double n = 0, hits = 0;
		size_t j = i;
		for (; j < p->nt && p->t[j].hour == p->t[i].hour && !p->t[j].kind; j++) {
			n += p->t[j].n;
			hits += p->t[j].hits;
		}
		emit(p->c, KPI_AUTOMATION, "", "", p->t[i].hour, hits, n);
		i = j - 1;
	}
}

static void tallies_free(struct job_pass *p)
{
	for (size_t i = 0; i < p->nt; i++) {
		free(p->t[i].subsystem);
		free(p->t[i].kind);
	}
	free(p->t);
}

/* Series that had throughput before stay in the tally, so their idle hours
 * get a 0: hour INT64_MIN sorts them first and counts nothing. */
static void on_series(void *ctx, const char *kpi, const struct kpi_sample *s)
{
	if (strcmp(kpi, "job_throughput") == 0)
		tally_add(ctx, INT64_MIN, s->subsystem, s->kind, 0, 0);
}

/* Per kind, every hour a runner was up: succeeded jobs / runner-up hours. */
static void emit_throughput(struct job_pass *p)
{
	struct collect *c = p->c;
	size_t i = 0;
	while (i < p->nt && p->t[i].kind) {
		size_t end = i;
		while (end < p->nt && p->t[end].kind && strcmp(p->t[end].kind, p->t[i].kind) == 0 &&
		       strcmp(p->t[end].subsystem, p->t[i].subsystem) == 0)
			end++;
		size_t k = i;
		for (size_t h = 0; h < c->nh; h++) {
			int64_t hour = c->h0 + (int64_t)h * KPI_HOUR_MS;
			double done = 0;
			for (; k < end && p->t[k].hour <= hour; k++)
				done += p->t[k].hour == hour ? p->t[k].hits : 0;
			emit(c, KPI_THROUGHPUT, p->t[i].subsystem, p->t[i].kind, hour, done,
			     up_hours(c, hour));
		}
		i = end;
	}
}

static const enum kpi_id job_kpis[] = {
	KPI_QUEUE_WAIT_P50, KPI_QUEUE_WAIT_P95, KPI_QUEUE_WAIT_P99, KPI_QUEUE_WAIT_MEAN,
	KPI_RUN_TIME_P50,   KPI_RUN_TIME_P95,   KPI_RUN_TIME_P99,   KPI_RUN_TIME_MEAN,
	KPI_ERROR_RATE,     KPI_RETRY_RATE,     KPI_DEAD_LETTER_RATE, KPI_THROUGHPUT,
	KPI_AUTOMATION,
};

/* Job outcomes from the cursor on; *cursor moves to the first outcome event
 * the next collection must read again. */
static enum orr_rc pass_jobs(struct collect *c, int64_t *cursor)
{
	struct job_pass p = { .c = c, .next_from = kpi_hour_of(c->now - KPI_SLACK_MS) };
	for (size_t i = 0; i < sizeof job_kpis / sizeof *job_kpis; i++)
		recompute(c, job_kpis[i], c->from);
	enum orr_rc rc = kpi_samples_series(c->st, 0, on_series, &p, c->err);
	if (rc == ORR_OK)
		rc = kpi_facts_jobs(c->st, *cursor, c->from, on_job, &p, c->err);
	group_close(&p);
	if (rc == ORR_OK) {
		if (p.nt) /* qsort wants an array, even of none */
			qsort(p.t, p.nt, sizeof *p.t, cmp_tally);
		emit_throughput(&p);
		emit_coverage(&p);
	}
	int64_t newest = 0;
	if (rc == ORR_OK && !p.next_event)
		rc = kpi_facts_newest_event(c->st, "job.succeeded", "job.dead", &newest, c->err);
	if (rc == ORR_OK)
		*cursor = p.next_event ? p.next_event : newest + 1;
	tallies_free(&p);
	return rc;
}

/* --- KPIs summed by a query ------------------------------------------------ */

struct sum_ctx {
	struct collect *c;
	enum kpi_id id;
	double *per_hour; /* assets: counts per uptime hour instead of samples */
};

static void on_sum(void *ctx, const char *subsystem, const char *kind, int64_t hour, double num,
		   double den)
{
	struct sum_ctx *s = ctx;
	if (!s->per_hour) {
		emit(s->c, s->id, subsystem, kind, hour, num, den);
		return;
	}
	if (hour >= s->c->h0 && (size_t)((hour - s->c->h0) / KPI_HOUR_MS) < s->c->nh)
		s->per_hour[(hour - s->c->h0) / KPI_HOUR_MS] += num;
}

static enum orr_rc sums(struct collect *c, enum kpi_id id, int64_t from, double *per_hour)
{
	struct sum_ctx s = { c, id, per_hour };
	recompute(c, id, from);
	return kpi_facts_sums(c->st, id, from, kpi_hour_of(c->now) + KPI_HOUR_MS, on_sum, &s,
			      c->err);
}

/* Assets per runner-up hour, from the first asset.ready on. */
static enum orr_rc assets_per_hour(struct collect *c, int64_t first)
{
	double *n = xcalloc(c->nh + 1, sizeof *n);
	enum orr_rc rc = sums(c, KPI_ASSETS_PER_HOUR, c->from, n);
	for (size_t i = 0; i < c->nh && rc == ORR_OK; i++) {
		int64_t hour = c->h0 + (int64_t)i * KPI_HOUR_MS;
		if (hour >= kpi_hour_of(first))
			emit(c, KPI_ASSETS_PER_HOUR, "", "", hour, n[i], up_hours(c, hour));
	}
	free(n);
	return rc;
}

static enum orr_rc pass_live_sums(struct collect *c)
{
	enum orr_rc rc = sums(c, KPI_DATA_QUALITY, c->from, NULL);
	if (rc == ORR_OK)
		rc = sums(c, KPI_APPROVAL_TURNAROUND, c->from, NULL);
	int64_t first = 0;
	if (rc == ORR_OK)
		rc = kpi_facts_first_event(c->st, "asset.ready", &first, c->err);
	if (rc != ORR_OK || !first) /* no content produced yet: nothing to claim */
		return rc;
	rc = sums(c, KPI_PRODUCT_TO_ASSET, c->from, NULL);
	return rc == ORR_OK ? assets_per_hour(c, first) : rc;
}

/* Imported orders carry their own times, often years back: recomputed
 * whole, and only when an order event says they changed. */
static enum orr_rc pass_orders(struct collect *c, bool changed)
{
	enum orr_rc rc = ORR_OK;
	if (changed)
		rc = sums(c, KPI_ORDER_ACCURACY, 0, NULL);
	if (changed && rc == ORR_OK)
		rc = sums(c, KPI_ORDER_TO_DISPATCH, 0, NULL);
	return rc;
}

/* --- inventory: stockouts and turnover ------------------------------------- */

struct hour_units {
	int64_t hour;
	double units;
};

/* The stock as the inventory events leave it, replayed hour by hour. */
struct stock {
	int64_t levels, out; /* levels known, and those at zero or below */
	int64_t on_hand;     /* units, counting positive quantities only */
};

struct replay {
	struct collect *c;
	struct stock s;
	int64_t *qty;      /* by level id; INT64_MIN: not seen yet */
	size_t cap;
	int64_t hour;      /* the hour being replayed; 0 before the first event */
	struct hour_units *units;
	size_t nunits, next;
};

/* The samples of one hour, from the stock at its end. */
static void emit_stock(struct collect *c, int64_t hour, const struct stock *s, double units)
{
	int64_t end = hour + KPI_HOUR_MS < c->now ? hour + KPI_HOUR_MS : c->now;
	emit(c, KPI_STOCKOUT_RATE, "", "", hour, (double)s->out, (double)s->levels);
	if (s->on_hand > 0 && end > hour)
		emit(c, KPI_INVENTORY_TURNOVER, "", "", hour, units,
		     (double)s->on_hand * (double)(end - hour) / KPI_HOUR_MS / HOURS_PER_YEAR);
}

static double units_at(struct replay *r, int64_t hour)
{
	while (r->next < r->nunits && r->units[r->next].hour < hour)
		r->next++;
	return r->next < r->nunits && r->units[r->next].hour == hour ? r->units[r->next].units : 0;
}

/* Close every hour before `until` (and not after now). */
static void replay_until(struct replay *r, int64_t until)
{
	int64_t last = kpi_hour_of(r->c->now);
	for (; r->hour + KPI_HOUR_MS <= until && r->hour <= last; r->hour += KPI_HOUR_MS)
		emit_stock(r->c, r->hour, &r->s, units_at(r, r->hour));
}

static void set_level(struct replay *r, int64_t id, int64_t qty)
{
	if ((size_t)id >= r->cap) {
		size_t cap = (size_t)id + 1024;
		r->qty = xrealloc(r->qty, cap * sizeof *r->qty);
		for (size_t i = r->cap; i < cap; i++)
			r->qty[i] = INT64_MIN;
		r->cap = cap;
	}
	int64_t old = r->qty[id];
	if (old == INT64_MIN) {
		r->s.levels++;
	} else {
		r->s.out -= old <= 0;
		r->s.on_hand -= old > 0 ? old : 0;
	}
	r->qty[id] = qty;
	r->s.out += qty <= 0;
	r->s.on_hand += qty > 0 ? qty : 0;
}

static void on_inventory(void *ctx, int64_t at, int64_t level_id, bool has_qty, int64_t qty)
{
	struct replay *r = ctx;
	if (!r->hour)
		r->hour = kpi_hour_of(at);
	replay_until(r, at);
	if (has_qty && level_id >= 0)
		set_level(r, level_id, qty);
}

static void on_units(void *ctx, int64_t hour, double units)
{
	struct replay *r = ctx;
	if (r->nunits % 256 == 0)
		r->units = xrealloc(r->units, (r->nunits + 256) * sizeof *r->units);
	r->units[r->nunits++] = (struct hour_units){ hour, units };
}

/* Persisted between collections: what the facts looked like, and where. */
struct kpi_cursor {
	int64_t live_from, jobs_event, orders_sig, inv_sig, inv_orders_sig, inv_first;
	struct stock stock;
};

/* Replay every inventory event from the first on. */
static enum orr_rc inventory_replay(struct collect *c, struct kpi_cursor *k)
{
	struct replay r = { .c = c };
	enum orr_rc rc = kpi_facts_first_event(c->st, "inventory_level.created", &k->inv_first,
					       c->err);
	recompute(c, KPI_STOCKOUT_RATE, 0);
	recompute(c, KPI_INVENTORY_TURNOVER, 0);
	if (rc == ORR_OK && k->inv_first)
		rc = kpi_facts_units_sold(c->st, kpi_hour_of(k->inv_first), on_units, &r, c->err);
	if (rc == ORR_OK && k->inv_first)
		rc = kpi_facts_inventory(c->st, on_inventory, &r, c->err);
	if (rc == ORR_OK && r.hour)
		replay_until(&r, INT64_MAX);
	k->stock = r.s;
	free(r.qty);
	free(r.units);
	return rc;
}

static void on_turnover(void *ctx, const char *kpi, const struct kpi_sample *s)
{
	if (strcmp(kpi, "inventory_turnover") == 0)
		on_units(ctx, s->start, s->num);
}

/* Nothing changed: the stock stands as the last replay left it, and the
 * units sold in these hours are what the samples already say. */
static enum orr_rc inventory_extend(struct collect *c, const struct kpi_cursor *k)
{
	if (!k->inv_first)
		return ORR_OK;
	int64_t from = c->from > kpi_hour_of(k->inv_first) ? c->from : kpi_hour_of(k->inv_first);
	struct replay r = { .c = c };
	enum orr_rc rc = kpi_samples_window(c->st, from, INT64_MAX, on_turnover, &r, c->err);
	recompute(c, KPI_STOCKOUT_RATE, from);
	recompute(c, KPI_INVENTORY_TURNOVER, from);
	for (int64_t h = from; rc == ORR_OK && h <= kpi_hour_of(c->now); h += KPI_HOUR_MS)
		emit_stock(c, h, &k->stock, units_at(&r, h));
	free(r.units);
	return rc;
}

static enum orr_rc pass_inventory(struct collect *c, struct kpi_cursor *k, int64_t orders_sig)
{
	int64_t sig;
	enum orr_rc rc = kpi_facts_newest_event(c->st, "inventory_level.created",
						"inventory_level.updated", &sig, c->err);
	if (rc != ORR_OK)
		return rc;
	if (sig == k->inv_sig && orders_sig == k->inv_orders_sig)
		return inventory_extend(c, k);
	k->inv_sig = sig;
	k->inv_orders_sig = orders_sig;
	return inventory_replay(c, k);
}

/* --- the collection -------------------------------------------------------- */

static const struct {
	const char *name;
	size_t off;
	int64_t fallback; /* -1: a signature no log has, so the first collection reads all */
} cursor_keys[] = {
	{ "live_from", offsetof(struct kpi_cursor, live_from), 0 },
	{ "jobs_event", offsetof(struct kpi_cursor, jobs_event), 0 },
	{ "orders_sig", offsetof(struct kpi_cursor, orders_sig), -1 },
	{ "inv_sig", offsetof(struct kpi_cursor, inv_sig), -1 },
	{ "inv_orders_sig", offsetof(struct kpi_cursor, inv_orders_sig), -1 },
	{ "inv_first", offsetof(struct kpi_cursor, inv_first), 0 },
	{ "inv_levels", offsetof(struct kpi_cursor, stock.levels), 0 },
	{ "inv_out", offsetof(struct kpi_cursor, stock.out), 0 },
	{ "inv_on_hand", offsetof(struct kpi_cursor, stock.on_hand), 0 },
};

/* Every field of the cursor is an int64_t, stored under its name. */
static int64_t *cursor_field(struct kpi_cursor *k, size_t i)
{
	return (int64_t *)(void *)((char *)k + cursor_keys[i].off);
}

static enum orr_rc cursor_load(struct store *st, struct kpi_cursor *k, char **err)
{
	enum orr_rc rc = ORR_OK;
	for (size_t i = 0; i < sizeof cursor_keys / sizeof *cursor_keys && rc == ORR_OK; i++)
		rc = kpi_state_get(st, cursor_keys[i].name, cursor_keys[i].fallback,
				   cursor_field(k, i), err);
	return rc;
}

static enum orr_rc cursor_save(struct store *st, struct kpi_cursor *k, char **err)
{
	enum orr_rc rc = ORR_OK;
	for (size_t i = 0; i < sizeof cursor_keys / sizeof *cursor_keys && rc == ORR_OK; i++)
		rc = kpi_state_set(st, cursor_keys[i].name, *cursor_field(k, i), err);
	return rc;
}

static enum orr_rc flush_all(struct collect *c, int *written)
{
	size_t n;
	const struct kpi_def *defs = kpi_catalog(&n);
	enum orr_rc rc = ORR_OK;
	for (size_t i = 0; i < n && rc == ORR_OK; i++)
		if (c->buf[i].from >= 0)
			rc = flush(c, &defs[i], &c->buf[i], written);
	return rc;
}

static enum orr_rc passes(struct collect *c, struct kpi_cursor *k)
{
	int64_t orders_sig;
	enum orr_rc rc = kpi_facts_newest_event(c->st, "order.created", "order.updated",
						&orders_sig, c->err);
	if (rc == ORR_OK)
		rc = pass_uptime(c);
	if (rc == ORR_OK)
		rc = pass_jobs(c, &k->jobs_event);
	if (rc == ORR_OK)
		rc = pass_live_sums(c);
	if (rc == ORR_OK)
		rc = pass_orders(c, orders_sig != k->orders_sig);
	if (rc == ORR_OK)
		rc = pass_inventory(c, k, orders_sig);
	k->orders_sig = orders_sig;
	return rc;
}

enum orr_rc kpi_collect_locked(struct store *st, int64_t now, int *written, char **err)
{
	struct collect c = { .st = st, .now = now, .err = err };
	struct kpi_cursor k = { 0 };
	*written = 0;
	for (size_t i = 0; i < KPI_COUNT; i++)
		c.buf[i].from = -1;
	enum orr_rc rc = cursor_load(st, &k, err);
	c.from = k.live_from;
	if (rc == ORR_OK)
		rc = passes(&c, &k);
	if (rc == ORR_OK)
		rc = flush_all(&c, written);
	k.live_from = kpi_hour_of(now - KPI_SLACK_MS);
	if (rc == ORR_OK)
		rc = cursor_save(st, &k, err);
	for (size_t i = 0; i < KPI_COUNT; i++)
		buf_free(&c.buf[i]);
	free(c.up_ms);
	return rc;
}
